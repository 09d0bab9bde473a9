"""Several range tests of one setup: a median curve, a quantile band and a steadier suggestion.

A single range test depends on the initial weights and on the order of the batches: one bad
early batch shifts everything after it, and the suggestion can move by half a decade or more
between runs. :class:`MultiRunResult` keeps every run and reads them together:

* the **median curve** on the runs' common ladder, with a **quantile band** (10%-90% by default)
  of the runs' smoothed curves. A run that diverged counts as ``+inf`` at every rung after it
  stopped (it blew up there), so the median goes to ``inf`` once half the runs have diverged and
  the survivors never bias it downwards;
* **every run's suggestion** and their **aggregate**, the median in ``log(lr)``
  (:attr:`MultiRunResult.suggestion`), with :attr:`MultiRunResult.suggestion_interval`, the 10% and
  90% quantiles of the runs' suggestions in ``log(lr)``;
* **warnings** when the runs disagree (the interval spans more than
  :data:`SPREAD_WARNING_DECADES` decades), when some runs gave no suggestion, or when all runs were
  identical (nothing varied between them).

A ``MultiRunResult`` *is* a :class:`~lrfinder.RangeTestResult` whose ``lrs`` / ``losses`` are the
median curve, so everything that reads a result (``plot``, ``summary``, ``to_pandas``, ``save``,
the CLI, the schedules) works on it unchanged. Nothing here imports a framework:
:func:`range_test_runs` drives any ``step(lr)``, and the PyTorch adapter's ``lr_find(runs=N)``
builds on :mod:`lrfinder.torch_batched`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .diagnostics import no_descent, too_noisy, verify_advice
from .errors import LRFinderError, NotEnoughPointsError, ResultFileError, check_int
from .range_test import Step, progress_label, range_test
from .result import RangeTestResult, setup_notes
from .step_size import BLENDED_METHODS, blend_note, scale_rate
from .suggest import Suggestion, get_suggester

logger = logging.getLogger("lrfinder")

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

#: The default band and suggestion interval: the 10% and 90% quantiles across runs.
DEFAULT_QUANTILES = (0.1, 0.9)
#: ``result.warnings`` flags the runs' suggestions when their interval is wider than this.
SPREAD_WARNING_DECADES = 0.5
#: How many runs ``runs="auto"`` grows to when the first run's curve cannot be read alone.
AUTO_RUNS = 5

# Stop reasons after which a run has blown up: its later rungs count as +inf.
_BLOWN_UP = ("diverged", "non-finite")
# Per-run facts that do not describe the setup, left out of the aggregate's metadata.
_PER_RUN_KEYS = ("elapsed_s", "overshoot_steps", "skipped_updates", "run", "seed")


class MultiRunResult(RangeTestResult):
    """Several range tests of one setup, read together.

    ``lrs`` is the runs' common ladder (as far as the longest run went) and ``losses`` the median
    of the runs' raw losses at each rung; ``smoothed``, ``curve``, ``lr_range`` and ``to_pandas``
    read that median curve. ``suggest`` / ``suggestion`` aggregate the runs' own suggestions.

    Args:
        runs: The single-run results (a ``MultiRunResult`` among them contributes its runs). They
            must share one ladder: same ``start_lr``, ``end_lr``, ``num_steps`` and ``mode``.
        method: The rule behind ``suggestion`` (default: the first run's).
        quantiles: ``(low, high)`` quantiles of the band and of ``suggestion_interval``.
        metadata: JSON-friendly facts about the whole experiment (how the runs were made).

    Raises:
        TypeError: If a run is not a :class:`~lrfinder.RangeTestResult`.
        ValueError: If there are no runs, their ladders differ, or ``quantiles`` is not
            ``0 <= low < high <= 1``.

    Example:
        >>> import numpy as np
        >>> from lrfinder import RangeTestResult
        >>> lrs = np.logspace(-6, 0, 61)
        >>> def run(shift):  # the same curve, shifted by `shift` decades
        ...     x = np.log10(lrs) - shift
        ...     losses = 2.0 - np.tanh(x + 3.0) + np.exp(3.0 * (x + 0.5))
        ...     return RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> result = MultiRunResult([run(-0.2), run(0.0), run(0.2)])
        >>> f"{result.suggestion:.1e}", [f"{s.lr:.1e}" for s in result.suggestions()]
        ('3.2e-02', ['2.0e-02', '3.2e-02', '5.0e-02'])
        >>> [f"{lr:.1e}" for lr in result.suggestion_interval]
        ['2.2e-02', '4.6e-02']
    """

    def __init__(
        self,
        runs: Iterable[RangeTestResult],
        *,
        method: str | None = None,
        quantiles: tuple[float, float] = DEFAULT_QUANTILES,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        flat = _flatten(runs)
        self.quantiles = _check_quantiles(quantiles)
        self._runs = tuple(flat)
        first = flat[0]
        ladder_lrs = _common_ladder(flat)
        self._matrix = _loss_matrix(flat, ladder_lrs.size, smoothed=False)
        median = _quantile(self._matrix, 0.5)
        super().__init__(
            lrs=ladder_lrs,
            losses=median,
            stop_reason=_aggregate_stop_reason(flat, median),
            start_lr=first.start_lr,
            end_lr=first.end_lr,
            num_steps=first.num_steps,
            mode=first.mode,
            method=method if method is not None else first.method,
            metadata=dict(metadata) if metadata is not None else _shared_metadata(flat),
        )

    # --- the runs -----------------------------------------------------------------------------

    @property
    def runs(self) -> tuple[RangeTestResult, ...]:
        """Every run, in the order they ran."""
        return self._runs

    @cached_property
    def _smoothed_matrix(self) -> NDArray[np.float64]:
        return _loss_matrix(self._runs, len(self.lrs), smoothed=True)

    def quantile_curve(self, q: float, *, smoothed: bool = True) -> NDArray[np.float64]:
        """Returns the ``q`` quantile across runs at every rung of :attr:`lrs`.

        Args:
            q: The quantile, in [0, 1] (0.5 is the median).
            smoothed: Take it over the runs' smoothed curves (the default, as the band is drawn)
                or over their raw losses.

        A run counts as ``+inf`` after it diverged and is left out after it stopped for any other
        reason (interrupted, data exhausted); NaN where no run reached the rung.
        """
        if not (
            isinstance(q, (int, float, np.integer, np.floating))
            and not isinstance(q, (bool, np.bool_))
            and 0.0 <= q <= 1.0
        ):
            msg = f"`q` must be a number in [0, 1], got q={q!r}."
            raise ValueError(msg)
        return _quantile(self._smoothed_matrix if smoothed else self._matrix, float(q))

    @property
    def band(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(low, high)``: the :attr:`quantiles` of the runs' smoothed curves at each rung."""
        low, high = self.quantiles
        return self.quantile_curve(low), self.quantile_curve(high)

    # --- suggestions --------------------------------------------------------------------------

    def suggestions(self, method: str | None = None, **kwargs: Any) -> list[Suggestion | None]:
        """Returns each run's suggestion by rule ``method``; None for a run that gave none."""
        name = method or self.method
        get_suggester(name)
        found: list[Suggestion | None] = []
        for run in self._runs:
            try:
                found.append(run.suggest(name, **kwargs))
            except LRFinderError:
                found.append(None)
        return found

    def suggest(self, method: str | None = None, **kwargs: Any) -> Suggestion:
        """Returns the aggregate suggestion: the median of the runs' suggestions in ``log(lr)``.

        ``index`` is the rung of :attr:`lrs` nearest to it. Runs that gave no suggestion are
        left out (and :attr:`warnings` says so); every other run counts (see
        :meth:`_counted_suggestions` for the measurements behind that).

        Raises:
            ValueError: If ``method`` is not a registered rule.
            NotEnoughPointsError: If no run gave a suggestion.
        """
        name = method or self.method
        if not kwargs and name == self.method:
            return self._default_aggregate
        return self._aggregate(name, **kwargs)

    @cached_property
    def _default_aggregate(self) -> Suggestion:
        return self._aggregate(self.method)

    def _aggregate(self, method: str, **kwargs: Any) -> Suggestion:
        found = self._counted_suggestions(method, **kwargs)
        lrs = [s.lr for s in found]
        if not lrs:
            try:
                self._runs[0].suggest(method, **kwargs)
            except LRFinderError as error:
                msg = f"no run of {len(self._runs)} gave a suggestion; run 0: {error}"
                raise NotEnoughPointsError(msg) from None
        lr = _log_quantile(lrs, 0.5)
        index = int(np.argmin(np.abs(np.log(self.lrs) - np.log(lr))))
        # Each run's suggestion is already corrected for its setup (lrfinder.batch_noise).
        notes = {s.note for s in found}
        note = notes.pop() if len(notes) == 1 else self._blended_note(method)
        return Suggestion(lr=lr, index=index, method=method, note=note)

    def _blended_note(self, method: str) -> str:
        """The note when the runs' notes differ only in their step-size readings (each run
        measures its own, :mod:`lrfinder.step_size`): the setup's shared notes and their
        median."""
        scales = [scale_rate(run.metadata) for run in self._runs]
        if method not in BLENDED_METHODS or any(scale is None for scale in scales):
            return ""
        why = blend_note(_log_quantile([s for s in scales if s is not None], 0.5))
        return "; ".join([*setup_notes(method, self._runs[0].metadata), why])

    def _counted_suggestions(self, method: str | None, **kwargs: Any) -> list[Suggestion]:
        """The suggestions to aggregate: those of every run that gave one.

        A run that never clearly descended suggests only a rate below where its loss starts to
        climb (the default rule's fallback, :meth:`~lrfinder.suggest.Curve.below_climb`), an
        upper bound. Until the small-batch
        correction (:mod:`lrfinder.batch_noise`), such climbs dragged the median of a noisy regression's runs
        past the floor of the runs that descended, so only the descending runs were read when
        any descended. With the correction that filter did more harm than good on the quality
        benchmark (the 48 tasks of rounds 0-10, ``benchmarks/RUNS.md``): on curves that barely
        descend, the one run that happened to descend decided (a small-batch regression 18% ->
        294% excess loss, an Adam CNN 0.8 -> 10.9 points), and the plain median of all runs did
        better on average (accuracy 4.2 -> 2.7 points, loss 61% -> 37%; worse on one noisy
        regression, 74% -> 205%). Round 11, held out for the change: 10.4 points and 4.8% with
        the plain median, 10.2 points and 23.2% with the filter.
        """
        return [s for s in self.suggestions(method, **kwargs) if s is not None]

    def interval(self, method: str | None = None, **kwargs: Any) -> tuple[float, float]:
        """Returns the :attr:`quantiles` of the runs' suggestions by ``method``, in ``log(lr)``."""
        lrs = [s.lr for s in self._counted_suggestions(method, **kwargs)]
        if not lrs:
            self.suggest(method, **kwargs)  # raises the explanatory NotEnoughPointsError
        low, high = _log_quantile(lrs, self.quantiles[0]), _log_quantile(lrs, self.quantiles[1])
        # Rounding in exp() can put two quantiles between the same two neighbours an ulp out of
        # order (suggestions an ulp apart); the interval is ordered whatever the rounding.
        return min(low, high), max(low, high)

    @property
    def suggestion_interval(self) -> tuple[float, float]:
        """``(low, high)``: where the runs' suggestions lie (10% and 90% quantiles by default)."""
        return self.interval()

    @property
    def spread_decades(self) -> float:
        """Width of :attr:`suggestion_interval` in decades (0 when every run agrees)."""
        low, high = self.suggestion_interval
        return math.log10(high / low)

    # --- diagnostics --------------------------------------------------------------------------

    @property
    def warnings(self) -> list[str]:
        """The median curve's warnings, then the ones only several runs can show."""
        found = list(super().warnings)
        if any(_descends(run) for run in self._runs):
            # The median curve may look flat while some runs descend; the suggestion is the
            # median of the runs' own readings, not the median curve's climb
            # (`_runs_without_descent` says which runs gave only a climb).
            flat_median = no_descent(self)
            found = [message for message in found if message != flat_median]
        for check in (
            self._identical_runs,
            self._failed_runs,
            self._runs_without_descent,
            self._wide_spread,
        ):
            message = check()
            if message is not None:
                found.append(message)
        return found

    def _identical_runs(self) -> str | None:
        first = self._runs[0].losses
        if len(self._runs) > 1 and all(
            np.array_equal(run.losses, first, equal_nan=True) for run in self._runs[1:]
        ):
            return (
                f"All {len(self._runs)} runs recorded exactly the same losses: nothing varied "
                "between them, so the band and the interval say nothing. Shuffle the data (a "
                "DataLoader with shuffle=True) or pass init_fn= to re-initialise between runs."
            )
        return None

    def _failed_runs(self) -> str | None:
        missing = [i for i, s in enumerate(self.suggestions()) if s is None]
        if missing and len(missing) < len(self._runs):
            return (
                f"{len(missing)} of {len(self._runs)} runs gave no {self.method} suggestion (runs "
                f"{', '.join(map(str, missing))}); the aggregate uses the others."
            )
        return None

    def _runs_without_descent(self) -> str | None:
        flat = [
            i for i, run in enumerate(self._runs) if run.curve is not None and not _descends(run)
        ]
        if flat and len(flat) < len(self._runs):
            return (
                f"{len(flat)} of {len(self._runs)} runs never clearly descended (runs "
                f"{', '.join(map(str, flat))}): those give only a rate below where the loss starts "
                "to climb, an upper bound, and the runs disagree on whether the model learns "
                f"within the test: {verify_advice(five=True)}."
            )
        return None

    def _wide_spread(self) -> str | None:
        try:
            low, high = self.suggestion_interval
            lr = self.suggestion
        except LRFinderError:
            return None
        width = math.log10(high / low)
        if width <= SPREAD_WARNING_DECADES:
            return None
        q_low, q_high = (round(100 * q) for q in self.quantiles)
        check = verify_advice()
        return (
            f"The runs disagree by {width:.2g} decades ({low:.2g} .. {high:.2g}, {q_low}%-{q_high}% "
            f"of {len(self._runs)} runs' suggestions, median {lr:.2g}): one run alone would be a "
            f"gamble. {check[0].upper()}{check[1:]}, or steady the test with "
            "a larger batch, more steps or more runs."
        )

    # --- outputs ------------------------------------------------------------------------------

    def summary(self) -> str:
        """A few lines for a terminal: the aggregate, the runs' spread, the path, warnings."""
        path = self.metadata.get("path")
        how = f", {path} path" if path else ""
        lines = [
            f"range test: {len(self._runs)} run{'s' if len(self._runs) != 1 else ''}{how}, "
            f"{len(self.lrs)} steps (longest), "
            f"stopped: {', '.join(f'{n} {r}' for r, n in self._stop_counts().items())}"
        ]
        if self.metadata.get("runs_auto"):
            lines.append(f"runs='auto': {self.metadata['runs_auto']}")
        if self.metadata.get("fallback_reason"):
            lines.append(f"sequential because: {self.metadata['fallback_reason']}")
        try:
            lr = self.suggestion
            low, high = self.suggestion_interval
            q_low, q_high = (round(100 * q) for q in self.quantiles)
            per_run = ", ".join("-" if s is None else f"{s.lr:.3g}" for s in self.suggestions())
            lines.append(f"suggested lr ({_median_source(self)}): {lr:.3g}")
            lines.append(f"runs' suggestions {q_low}%-{q_high}%: {low:.3g} .. {high:.3g}")
            lines.append(f"each run: {per_run}")
            range_low, range_high = self.lr_range
            lines.append(f"lr range for cyclical schedules: {range_low:.3g} .. {range_high:.3g}")
        except LRFinderError as error:
            lines.append(f"no suggestion: {error}")
        lines.extend(f"warning: {message}" for message in self.warnings)
        return "\n".join(lines)

    def _stop_counts(self) -> dict[str, int]:
        return dict(Counter(run.stop_reason for run in self._runs))

    def __repr__(self) -> str:
        return (
            f"MultiRunResult({len(self._runs)} runs, {len(self.lrs)} steps, lr "
            f"{self.start_lr:.3g}..{self.end_lr:.3g} {self.mode}, stops={self._stop_counts()})"
        )

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draws the runs, the median, the band and the spread of suggestions; see :func:`plot_runs`."""
        return plot_runs(self, ax=ax, **kwargs)

    def to_pandas(self, *, per_run: bool = False) -> pd.DataFrame:
        """Returns the median curve, or every run's points with ``per_run=True``.

        The median frame has the single-run columns ``step``, ``lr``, ``loss`` (the median),
        ``smoothed``, plus ``band_low`` / ``band_high`` (:attr:`band`) and ``runs_reached``. The
        per-run frame has ``run``, ``step``, ``lr``, ``loss``, ``smoothed``, one row per point.
        """
        try:
            import pandas as pd
        except ImportError:
            msg = "to_pandas needs pandas: pip install 'lrfinder[pandas]'"
            raise ImportError(msg) from None
        if per_run:
            frames = [run.to_pandas().assign(run=i) for i, run in enumerate(self._runs)]
            frame = pd.concat(frames, ignore_index=True)
            return frame[["run", "step", "lr", "loss", "smoothed"]]
        frame = super().to_pandas()
        frame["band_low"], frame["band_high"] = self.band
        frame["runs_reached"] = [
            sum(len(run.losses) > i for run in self._runs) for i in range(len(self.lrs))
        ]
        return frame

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the median curve as a single result (older readers load that),
        plus every run in full under ``"runs"`` (what :meth:`from_dict` rebuilds from)."""
        data = super().to_dict()
        data["quantiles"] = list(self.quantiles)
        data["runs"] = [run.to_dict() for run in self._runs]
        return data

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the data") -> MultiRunResult:
        """Rebuilds a multi-run result from :meth:`to_dict`'s output (the runs, losslessly).

        Raises:
            ResultFileError: If ``data`` is not a result, is damaged, or is from a newer version.
        """
        if not isinstance(data, dict) or "runs" not in data:
            single = RangeTestResult.from_dict(data, source=source)  # not ours: raises
            return cls([single])
        # The median curve's fields are checked as a single result's (format, version, ladder).
        RangeTestResult.from_dict({k: v for k, v in data.items() if k != "runs"}, source=source)
        try:
            if not isinstance(data["runs"], list) or not data["runs"]:
                msg = f"its 'runs' must be a non-empty list, got {type(data['runs']).__name__}"
                raise ValueError(msg)
            runs = [RangeTestResult.from_dict(run, source=source) for run in data["runs"]]
            quantiles = tuple(data.get("quantiles", DEFAULT_QUANTILES))
            return cls(
                runs,
                method=str(data["method"]),
                quantiles=quantiles,  # type: ignore[arg-type]
                metadata=dict(data.get("metadata") or {}),
            )
        except KeyError as error:
            msg = f"{source} is a damaged lrfinder result: its {error} field is missing."
            raise ResultFileError(msg) from None
        except (TypeError, ValueError) as error:
            if isinstance(error, ResultFileError):
                raise
            msg = f"{source} is a damaged lrfinder result: {str(error).rstrip('.')}."
            raise ResultFileError(msg) from None


def aggregate(
    results: Iterable[RangeTestResult],
    *,
    method: str | None = None,
    quantiles: tuple[float, float] = DEFAULT_QUANTILES,
    metadata: dict[str, Any] | None = None,
) -> MultiRunResult:
    """Reads several single-run results of one setup together; see :class:`MultiRunResult`.

    Example:
        >>> import numpy as np
        >>> from lrfinder import RangeTestResult
        >>> lrs = np.logspace(-6, 0, 61)
        >>> runs = [
        ...     RangeTestResult(lrs, (np.log10(lrs) + c) ** 2, "completed", 1e-6, 1.0, 61)
        ...     for c in (1.8, 2.0, 2.2)
        ... ]
        >>> f"{aggregate(runs, method='minimum').suggestion:.1e}"
        '1.0e-03'
    """
    return MultiRunResult(results, method=method, quantiles=quantiles, metadata=metadata)


def needs_more_runs(result: RangeTestResult) -> str | None:
    """Why one run's suggestion should not stand alone, or None when its curve is readable.

    Two warnings say the curve itself is the problem, and several runs are the measured remedy
    for both: the loss never clearly descended (the suggestion is then only an upper bound) or
    the curve is as noisy as its descent. On the quality benchmark those are the range tests
    where five runs cut the regret most (``benchmarks/RUNS.md``, the ``auto`` column).
    """
    if no_descent(result) is not None:
        return "never clearly descended"
    if too_noisy(result) is not None:
        return "was too noisy"
    return None


def auto_runs(
    run: Callable[[int], RangeTestResult], *, cannot_rerun: str | None = None
) -> RangeTestResult:
    """``runs="auto"``: one run, and :data:`AUTO_RUNS` when that one cannot be read alone.

    ``run(n)`` runs the range test ``n`` times from the same start (an adapter's
    ``lr_find(..., runs=n)``). When :func:`needs_more_runs` says the first run's curve is
    unreadable, the test is run again with :data:`AUTO_RUNS` runs, whose first repeats the
    first one (up to float rounding where the runs are batched), so the result is the one
    ``runs=5`` gives, for one run more; otherwise
    the single run stands. ``result.metadata["runs_auto"]`` says which happened and why.

    The single run also stands, with its warnings, when it was interrupted (Ctrl-C asks for
    less work, not more), when ``cannot_rerun`` says why the setup cannot be run again (a
    one-shot iterator of batches, say), in words that end the note, when the run stopped
    because its data ran out (data that cannot be iterated again), or when the further runs
    raise an :class:`~lrfinder.LRFinderError` (a batch order whose first loss is non-finite):
    the note then names the error. Any other exception propagates.

    Example:
        >>> import numpy as np
        >>> from lrfinder import RangeTestResult
        >>> lrs = np.logspace(-6, 0, 61)
        >>> clean = RangeTestResult(lrs, 2 - np.tanh(np.log10(lrs) + 3), "completed", 1e-6, 1.0, 61)
        >>> auto_runs(lambda n: clean).metadata["runs_auto"]
        '1 run: its curve is readable'
    """
    first = run(1)
    if first.curve is None:  # too few points for any reading: five such runs would be no better
        first.metadata["runs_auto"] = "1 run: its curve is too short for any reading"
        return first
    reason = needs_more_runs(first)
    if reason is None:
        first.metadata["runs_auto"] = "1 run: its curve is readable"
        return first
    if first.stop_reason == "interrupted":
        first.metadata["runs_auto"] = f"1 run: its curve {reason}, but the run was interrupted"
        return first
    if cannot_rerun is None and first.stop_reason == "data-exhausted":
        # Only data that cannot be iterated again runs out (re-iterables are restarted): a
        # wrapper around one generator, say, which would give the further runs no batches.
        cannot_rerun = "the data ran out and cannot be iterated again"
    if cannot_rerun is not None:
        first.metadata["runs_auto"] = f"1 run: its curve {reason}, but {cannot_rerun}"
        return first
    logger.info("the first run's curve %s: running %d (runs=1 runs one only)", reason, AUTO_RUNS)
    try:
        result = run(AUTO_RUNS)
    except LRFinderError as error:
        # A later batch order can fail where the first did not (a non-finite loss on its first
        # batch, say): the first run, which runs=1 would have returned, still stands.
        logger.warning("runs='auto' kept its first run: the %d runs failed: %s", AUTO_RUNS, error)
        first.metadata["runs_auto"] = (
            f"1 run: its curve {reason}, but the {AUTO_RUNS} runs failed "
            f"({type(error).__name__}: {error})"
        )
        return first
    result.metadata["runs_auto"] = f"{AUTO_RUNS} runs: the first run's curve {reason}"
    return result


def check_runs(runs: Any, seed: Any) -> int | str:
    """Validates an adapter's ``runs`` (an integer >= 1 or ``"auto"``) and ``seed`` (None or an
    integer >= 0), before any run; returns ``runs``."""
    if isinstance(runs, str):
        if runs != "auto":
            msg = f"`runs` must be an integer >= 1 or 'auto', got runs={runs!r}."
            raise ValueError(msg)
    else:
        runs = check_int(
            "runs", runs, minimum=1, hint="Use 1 for one run, 5 for an uncertainty band."
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        msg = f"`seed` must be an int or None, got seed={seed!r}."
        raise TypeError(msg)
    if seed is not None and seed < 0:
        msg = f"`seed` must be >= 0, got seed={seed!r}."
        raise ValueError(msg)
    return runs


def base_seed(seed: int | None, rng_state: bytes) -> int:
    """``seed``, or one derived from the bytes of an RNG's state without drawing from it (so the
    caller's random stream is left exactly where it was)."""
    if seed is not None:
        return int(seed)
    digest = hashlib.sha256(rng_state).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def run_seeds(base: int, runs: int) -> list[int | None]:
    """One seed per run: None for run 0 (it runs with the caller's RNG as it is, so it is exactly
    the single run), and for each later run a seed spawned from ``base`` (NumPy's
    ``SeedSequence``), so the runs' seeds are independent and reproducible from ``base``."""
    children = np.random.SeedSequence(base).spawn(runs)
    return [None] + [
        int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children[1:]
    ]


def reordered(data: Any, seed: int | None) -> Any:
    """Run data for one seed: a plain sequence of batches (a list) permuted by ``seed``; anything
    else (a DataLoader, a dataset) as it is, since it shuffles itself from the reseeded RNGs."""
    if seed is None or not isinstance(data, Sequence) or isinstance(data, (str, bytes)):
        return data
    order = np.random.default_rng(seed).permutation(len(data))
    return [data[int(i)] for i in order]


def reseed_python_and_numpy(seed: int) -> None:
    """Seeds Python's and NumPy's global RNGs for a run after the first (the caller puts them
    back afterwards), so data shuffled from them comes in another order."""
    random.seed(seed)
    np.random.seed(seed % 2**32)


def runs_in_turn(
    run: Callable[[int | None], RangeTestResult],
    *,
    runs: int,
    base: int,
    method: str | None = None,
) -> MultiRunResult:
    """An adapter's ``runs=N``, one run after another: ``run(seed)`` once per seed of
    :func:`run_seeds` (``run(None)`` first), each restoring the setup as a single run does.
    A run interrupted by Ctrl-C ends the experiment. ``run`` reseeds whatever RNGs its framework
    has from ``seed``; the caller puts them back afterwards."""
    results: list[RangeTestResult] = []
    for index, seed in enumerate(run_seeds(base, runs)):
        with progress_label(f"lr range test, run {index + 1} of {runs}"):
            result = run(seed)
        result.metadata.update(run=index, seed=seed)
        results.append(result)
        if result.stop_reason == "interrupted":
            break
    facts = _shared_metadata(results) | {"runs": runs, "path": "sequential", "seed": base}
    return MultiRunResult(results, method=method, metadata=facts)


def range_test_runs(
    make_step: Callable[[int], Step],
    *,
    runs: int,
    quantiles: tuple[float, float] = DEFAULT_QUANTILES,
    **kwargs: Any,
) -> MultiRunResult:
    """Runs :func:`lrfinder.range_test` ``runs`` times, once with each ``make_step(run_index)``.

    ``make_step(i)`` builds the ``step(lr)`` of run ``i``: from the same initial weights with
    another batch order, from another initialisation... whatever the runs should vary. The
    framework adapters do this for you (``lrfinder.lr_find(..., runs=5)``); this is for code of
    your own. The runs are sequential; ``kwargs`` go to :func:`~lrfinder.range_test` (a
    ``metadata`` dict is given to every run and to the aggregate).

    Raises:
        TypeError, ValueError: If ``runs`` is not an integer >= 1 or ``make_step`` is not
            callable, before any run.

    Example:
        >>> import math, random
        >>> def make_step(i):
        ...     noise = random.Random(i)
        ...     def step(lr):
        ...         x = math.log10(lr)
        ...         return 2 - math.tanh(x + 3) + math.exp(3 * (x + 0.5)) + 0.02 * noise.random()
        ...     return step
        >>> result = range_test_runs(make_step, runs=3, start_lr=1e-6, end_lr=1.0, num_steps=61)
        >>> len(result.runs), 1e-2 < result.suggestion < 1e-1
        (3, True)
    """
    runs = check_int("runs", runs, minimum=1, hint="Use 1 for one run, 5 for an uncertainty band.")
    if not callable(make_step):
        msg = f"`make_step` must be a callable make_step(run_index) -> step, got {make_step!r}."
        raise TypeError(msg)
    _check_quantiles(quantiles)
    results = []
    for index in range(runs):
        facts = dict(kwargs.get("metadata") or {})
        facts["run"] = index
        results.append(range_test(make_step(index), **{**kwargs, "metadata": facts}))
    facts = dict(kwargs.get("metadata") or {})
    facts.update(runs=runs, path="sequential")
    return MultiRunResult(results, method=kwargs.get("method"), quantiles=quantiles, metadata=facts)


def plot_runs(
    result: RangeTestResult,
    ax: Axes | None = None,
    *,
    methods: Sequence[str] = (),
    show_runs: bool = True,
    show_range: bool = False,
    show_warnings: bool = True,
    title: str | None = None,
) -> Axes:
    """Draws several runs: each run's smoothed curve (thin), their median and quantile band
    (``result.quantile_curve(0.5)`` and ``result.band``), and the spread of the runs' suggestions
    (a tick per run along the top, their interval shaded, the aggregate marked on the median).
    Never calls ``plt.show()``.

    A single-run result is drawn by :func:`lrfinder.plot.plot_result`.

    Args:
        result: A :class:`MultiRunResult` (or a single-run result).
        ax: Axes to draw on; a new 8x5-inch figure if None.
        methods: Other rules whose aggregate suggestion to mark as well (e.g. ``("valley",)``).
        show_runs: Draw each run's smoothed curve as a thin line.
        show_range: Shade the aggregate's ``lr_range`` as well.
        show_warnings: Print the warnings in a box inside the axes.
        title: The title; a default one names the runs and the path.
    """
    from . import plot as plotting

    if not isinstance(result, MultiRunResult):
        return plotting.plot_result(
            result,
            ax=ax,
            methods=methods,
            show_range=show_range,
            show_warnings=show_warnings,
            title=title,
        )
    own = ax is None
    if ax is None:
        ax = plotting.new_axes()
    lrs = result.lrs
    run_colour, median_colour = "#9ecae1", plotting._SMOOTH_COLOUR
    if show_runs:
        for index, run in enumerate(result.runs):
            ax.plot(
                run.lrs,
                run.smoothed,
                color=run_colour,
                lw=0.8,
                alpha=0.9,
                label="each run (smoothed)" if index == 0 else None,
            )
    low, high = result.band
    q_low, q_high = (round(100 * q) for q in result.quantiles)
    # Where a run has diverged the band's top is infinite: draw the band only where it is finite.
    shown = np.isfinite(low) & np.isfinite(high)
    ax.fill_between(
        lrs,
        np.where(shown, low, np.nan),
        np.where(shown, high, np.nan),
        color=median_colour,
        alpha=0.18,
        lw=0,
        label=f"{q_low}%-{q_high}% of runs",
    )
    median = result.quantile_curve(0.5)
    ax.plot(lrs, median, color=median_colour, lw=2.2, label="median of runs")
    _mark_spread(ax, result, median, show_range)
    for method in methods:
        _mark_rule(ax, result, median, method)
    _set_limits(ax, result, median, low, high)
    ax.set_xscale("log" if result.mode == "exp" else "linear")
    ax.set_xlabel("learning rate" + (" (log scale)" if result.mode == "exp" else ""))
    ax.set_ylabel("training loss")
    path = result.metadata.get("path")
    ax.grid(True, which="major", alpha=0.3)
    plotting.finish(
        ax,
        title
        if title is not None
        else f"LR range test: {len(result.runs)} runs"
        + (f" ({path})" if path else "")
        + f", {len(lrs)} of {result.num_steps} steps",
        result.warnings if show_warnings else [],
        own=own,
    )
    return ax


def _mark_spread(
    ax: Axes, result: MultiRunResult, median: NDArray[np.float64], show_range: bool
) -> None:
    from . import plot as plotting

    colour = plotting._SUGGESTION_COLOUR
    try:
        lr = result.suggestion
        low, high = result.suggestion_interval
    except LRFinderError:
        return
    if show_range:
        try:
            range_low, range_high = result.lr_range
            ax.axvspan(
                range_low,
                range_high,
                color=plotting._RANGE_COLOUR,
                alpha=0.10,
                label=f"cyclical range {range_low:.2g} – {range_high:.2g}",
            )
        except LRFinderError:
            pass
    q_low, q_high = (round(100 * q) for q in result.quantiles)
    ax.axvspan(
        low,
        high,
        color=colour,
        alpha=0.10,
        label=f"runs' suggestions {q_low}%-{q_high}%: {low:.2g} – {high:.2g}",
    )
    for index, suggestion in enumerate(result.suggestions()):
        if suggestion is not None:
            ax.axvline(
                suggestion.lr,
                ymin=0.93,  # a rug along the top, clear of the legend and the warnings
                ymax=1.0,
                color=colour,
                lw=1.5,
                label="each run's suggestion" if index == 0 else None,
            )
    ax.axvline(lr, color=colour, ls="--", lw=1.2)
    finite = np.isfinite(median)
    if finite.sum() >= 2:
        y = float(np.interp(np.log(lr), np.log(result.lrs[finite]), median[finite]))
        ax.plot(
            [lr],
            [y],
            "o",
            color=colour,
            ms=9,
            zorder=5,
            label=f"suggested lr = {lr:.2g} ({_median_source(result)})",
        )


def _median_source(result: MultiRunResult) -> str:
    """``"knee, median of runs"``, plus the suggestion's note if it has one."""
    note = result.suggest().note
    return f"{result.method}, median of runs" + (f", {note}" if note else "")


def _mark_rule(ax: Axes, result: MultiRunResult, median: NDArray[np.float64], method: str) -> None:
    from . import plot as plotting

    try:
        lr = result.suggest(method).lr
    except LRFinderError:
        return
    finite = np.isfinite(median)
    if finite.sum() < 2:
        return
    y = float(np.interp(np.log(lr), np.log(result.lrs[finite]), median[finite]))
    colour = plotting._RULE_COLOURS.get(method, "0.3")
    name = plotting._RULE_LEGEND.get(method, method)  # "minimum / 10": where the rule points
    ax.plot([lr], [y], "D", color=colour, ms=6, zorder=4, label=f"{name} (median): {lr:.2g}")


def _set_limits(
    ax: Axes,
    result: MultiRunResult,
    median: NDArray[np.float64],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
) -> None:
    """Keeps the descent in view: the diverged tails of the runs must not squash it."""
    finite_median = median[np.isfinite(median)]
    finite_low = low[np.isfinite(low)]
    if finite_median.size < 2:
        return
    bottom = float(min(finite_median.min(), finite_low.min() if finite_low.size else np.inf))
    head = max(3, finite_median.size // 10)
    start = float(np.nanmax(high[:head][np.isfinite(high[:head])], initial=finite_median[0]))
    top = max(start, float(finite_median[: int(np.argmin(finite_median)) + 1].max()))
    span = top - bottom if top > bottom else max(abs(top), 1.0) * 0.1
    ax.set_ylim(bottom - 0.08 * span, top + 0.45 * span)
    ax.set_xlim(result.lrs[0], result.lrs[-1])


# --- the arithmetic -------------------------------------------------------------------------------


def _flatten(runs: Iterable[RangeTestResult]) -> list[RangeTestResult]:
    if isinstance(runs, RangeTestResult):
        runs = [runs]
    flat: list[RangeTestResult] = []
    for position, run in enumerate(runs):
        if not isinstance(run, RangeTestResult):
            msg = (
                f"`runs` must hold RangeTestResult objects, got {type(run).__name__} at "
                f"position {position}."
            )
            raise TypeError(msg)
        flat.extend(run.runs)
    if not flat:
        msg = "`runs` must hold at least one RangeTestResult, got none."
        raise ValueError(msg)
    return flat


def _check_quantiles(quantiles: Any) -> tuple[float, float]:
    try:
        low, high = (float(q) for q in quantiles)
    except (TypeError, ValueError):
        low, high = math.nan, math.nan
    if not (0.0 <= low < high <= 1.0):
        msg = f"`quantiles` must be (low, high) with 0 <= low < high <= 1, got quantiles={quantiles!r}."
        raise ValueError(msg)
    return low, high


def _common_ladder(runs: Sequence[RangeTestResult]) -> NDArray[np.float64]:
    """The longest run's lrs; every run must share its ladder and follow it."""
    first = runs[0]
    setup = (first.start_lr, first.end_lr, first.num_steps, first.mode)
    longest = max(runs, key=lambda run: len(run.lrs))
    for index, run in enumerate(runs):
        other = (run.start_lr, run.end_lr, run.num_steps, run.mode)
        if other != setup or not np.array_equal(run.lrs, longest.lrs[: len(run.lrs)]):
            msg = (
                f"`runs` must share one ladder, got run 0 with (start_lr, end_lr, num_steps, mode)"
                f"={setup!r} and run {index} with {other!r}. Aggregate runs of the same setup."
            )
            raise ValueError(msg)
    return longest.lrs.copy()


def _loss_matrix(
    runs: Sequence[RangeTestResult], length: int, *, smoothed: bool
) -> NDArray[np.float64]:
    """Runs x rungs: the loss, +inf after (and at) a blow-up, NaN where a run has no data."""
    matrix = np.full((len(runs), length), np.nan)
    for row, run in zip(matrix, runs, strict=True):
        values = run.smoothed if smoothed and run.curve is not None else run.losses
        row[: len(values)] = values
        bad = ~np.isfinite(row[: len(values)])
        if bad.any():  # a NaN or inf loss means the run blew up there
            row[int(np.flatnonzero(bad)[0]) : len(values)] = np.inf
        if run.stop_reason in _BLOWN_UP:
            row[len(values) :] = np.inf
    return matrix


def _quantile(matrix: NDArray[np.float64], q: float) -> NDArray[np.float64]:
    """Column-wise linear-interpolation quantile over the non-NaN entries, +inf kept as +inf.

    numpy's own quantile turns ``0 * inf`` into NaN when the interpolation lands exactly on a
    finite value next to an infinite one; here a weight of zero ignores its neighbour.
    """
    ordered = np.sort(matrix, axis=0)  # NaN sorts last, +inf just before it
    count = np.sum(~np.isnan(matrix), axis=0)
    out = np.full(matrix.shape[1], np.nan)
    has = count > 0
    position = q * (count[has] - 1)
    below = np.floor(position).astype(int)
    above = np.minimum(below + 1, count[has] - 1)
    weight = position - below
    columns = np.flatnonzero(has)
    low = ordered[below, columns]
    high = ordered[above, columns]
    with np.errstate(invalid="ignore"):
        value = np.where(weight > 0, (1.0 - weight) * low + weight * high, low)
    value = np.where((weight > 0) & np.isinf(high), np.inf, value)
    value = np.where(np.isinf(low), np.inf, value)
    out[has] = value
    return out


def _log_quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile of positive ``values`` in log space, interpolating linearly.

    Exact where it lands on a value (an odd count's median is the middle run's own suggestion);
    between two values it is their weighted geometric mean.
    """
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    weight = position - below
    if weight == 0.0:
        return float(ordered[below])
    low, high = math.log(ordered[below]), math.log(ordered[below + 1])
    value = math.exp((1.0 - weight) * low + weight * high)
    # exp(log(x)) can land an ulp outside [x, y]: keep the result between the two values.
    return min(max(value, float(ordered[below])), float(ordered[below + 1]))


def _descends(run: RangeTestResult) -> bool:
    """Whether a run's loss clearly fell below its start (``Curve.clearly_descends``)."""
    return run.curve is not None and run.curve.clearly_descends


def _aggregate_stop_reason(runs: Sequence[RangeTestResult], median: NDArray[np.float64]) -> str:
    """``diverged`` once half the runs have blown up; otherwise the runs' most common reason."""
    if np.isinf(median).any():
        return "diverged"
    return Counter(run.stop_reason for run in runs).most_common(1)[0][0]


def _shared_metadata(runs: Sequence[RangeTestResult]) -> dict[str, Any]:
    """The facts every run agrees on (the setup), without the per-run ones."""
    first = runs[0].metadata
    return {
        key: value
        for key, value in first.items()
        if key not in _PER_RUN_KEYS and all(run.metadata.get(key) == value for run in runs[1:])
    } | {"runs": len(runs)}
