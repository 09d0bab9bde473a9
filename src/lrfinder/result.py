"""The result of a range test: raw data, suggestions, diagnostics, save/load, pandas."""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import diagnostics
from ._version import __version__
from .batch_noise import correction, correction_factors
from .errors import LRFinderError, ResultFileError, check_choice, check_int, check_positive_finite
from .ladder import MODES, check_ladder_args
from .step_size import BLENDED_METHODS, blend, lag_note, momentum_lag, scale_rate
from .suggest import (
    DEFAULT_METHOD,
    Curve,
    Suggestion,
    check_lrs,
    get_suggester,
    prepare_curve,
    suggest_range,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

FORMAT_NAME = "lrfinder.RangeTestResult"
FORMAT_VERSION = 1

STOP_REASONS = (
    "completed",  # reached end_lr
    "diverged",  # the stop rule fired
    "non-finite",  # a loss was NaN or inf
    "interrupted",  # KeyboardInterrupt
    "data-exhausted",  # the data ran out and could not be restarted
    "error",  # the user's step raised (partial results attached to the error)
)


def setup_notes(method: str, metadata: dict[str, Any]) -> list[str]:
    """What the setup changed in ``method``'s reading, as the suggestion's note names it: the
    batch and momentum corrections (:mod:`lrfinder.batch_noise`) and Keras' momentum lag
    (:func:`lrfinder.step_size.momentum_lag`). The blend, which each run reads for itself,
    comes after them."""
    notes = []
    _, corrected = correction(method, metadata)
    if corrected:
        notes.append(corrected)
    lag = momentum_lag(metadata) if method in BLENDED_METHODS else 1.0
    if lag != 1.0:
        notes.append(lag_note(lag))
    return notes


@dataclass(eq=False)
class RangeTestResult:
    """Everything a range test recorded, and what can be read from it.

    Attributes:
        lrs: Learning rate of the first parameter group at each optimizer update (float64).
        losses: Raw loss of each update, unsmoothed (float64; NaN/inf kept as recorded).
        stop_reason: Why the run ended: one of :data:`STOP_REASONS`.
        start_lr, end_lr, num_steps, mode: The ladder that was requested.
        method: The rule behind :attr:`suggestion` (default :data:`~lrfinder.suggest.DEFAULT_METHOD`).
        metadata: JSON-friendly facts about the run (optimizer, batch, device, versions, time).

    Example:
        >>> import numpy as np
        >>> from lrfinder import RangeTestResult
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> result = RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> f"{result.suggestion:.1e}", f"{result.suggest('steepest').lr:.1e}"
        ('3.2e-02', '1.0e-03')
    """

    lrs: NDArray[np.float64]
    losses: NDArray[np.float64]
    stop_reason: str
    start_lr: float
    end_lr: float
    num_steps: int
    mode: str = "exp"
    method: str = DEFAULT_METHOD
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Checked here, not on first use: a result that cannot be read, or that save() writes
        # and load() then refuses, must not be built at all.
        for name in ("lrs", "losses"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.ndim > 1:
                msg = f"`{name}` must be 1-D (one value per step), got shape {values.shape}."
                raise ValueError(msg)
            setattr(self, name, values.ravel().copy())
        self.lrs.flags.writeable = False
        self.losses.flags.writeable = False
        if self.lrs.shape != self.losses.shape:
            msg = (
                f"`lrs` and `losses` must have the same length, got {self.lrs.size} and "
                f"{self.losses.size}."
            )
            raise ValueError(msg)
        check_lrs(self.lrs)
        self.start_lr, self.end_lr, self.num_steps, self.mode = check_ladder_args(
            self.start_lr, self.end_lr, self.num_steps, self.mode
        )
        if self.stop_reason not in STOP_REASONS:
            names = ", ".join(repr(r) for r in STOP_REASONS)
            msg = f"`stop_reason` must be one of {names}, got stop_reason={self.stop_reason!r}."
            raise ValueError(msg)
        get_suggester(self.method)  # fail now, not on first use

    # --- reading the curve --------------------------------------------------------------------

    @cached_property
    def curve(self) -> Curve | None:
        """The curve as the rules see it (cut at the first non-finite loss, smoothed), or None."""
        try:
            return prepare_curve(self.lrs, self.losses, method="the analysis")
        except LRFinderError:
            return None

    @property
    def smoothed(self) -> NDArray[np.float64]:
        """The zero-lag smoothed loss (NaN from the first non-finite raw loss on)."""
        out = np.full(self.losses.shape, np.nan)
        if self.curve is not None:
            out[: len(self.curve.fit)] = self.curve.fit
        return out

    def suggest(self, method: str | None = None, **kwargs: Any) -> Suggestion:
        """Returns the suggestion of the rule ``method`` (default: :attr:`method`).

        ``kwargs`` go to the rule, e.g. ``skip_start=10``. See :mod:`lrfinder.suggest`. When
        ``metadata`` says each update saw 32 examples or fewer, or that the optimizer has no
        momentum, ``knee`` is lowered by half a decade for each, and the suggestion's ``note``
        says so (:mod:`lrfinder.batch_noise` has the evidence). Where ``metadata`` also holds
        the step-size reading the PyTorch and Keras adapters measure
        (``"update_sensitivity"``), ``knee`` is then the geometric mean of that and the rate
        the step size predicts, and the note says so too (:mod:`lrfinder.step_size`).

        Raises:
            ValueError: If ``method`` is not a registered rule.
            NotEnoughPointsError: If the curve has fewer than 3 usable points.
        """
        name = self.method if method is None else method
        rule = get_suggester(name)
        if not kwargs and name == self.method:
            return self._default_suggestion
        return self._corrected(rule(self.lrs, self.losses, **kwargs), **kwargs)

    @cached_property
    def _default_suggestion(self) -> Suggestion:
        return self._corrected(get_suggester(self.method)(self.lrs, self.losses))

    def _corrected(self, suggestion: Suggestion, **rule_kwargs: Any) -> Suggestion:
        """The rule's reading as the setup adjusts it: ``knee`` lowered for a small batch or a
        missing momentum (:mod:`lrfinder.batch_noise`), moved onto torch's scale where Keras'
        momentum lags on the ladder (:func:`lrfinder.step_size.momentum_lag`), then blended
        with the step-size reading where the adapter measured one (:mod:`lrfinder.step_size`)."""
        factor, _ = correction(suggestion.method, self.metadata)
        blended = suggestion.method in BLENDED_METHODS and scale_rate(self.metadata) is not None
        lag = momentum_lag(self.metadata) if suggestion.method in BLENDED_METHODS else 1.0
        if factor == 1.0 and lag == 1.0 and not blended:
            return suggestion
        if rule_kwargs:  # the curve the rule read (e.g. with skip_start)
            curve = prepare_curve(self.lrs, self.losses, **rule_kwargs)
        else:
            curve = self.curve or prepare_curve(self.lrs, self.losses)
        lr = self._adjusted_reading(suggestion, curve)
        notes = setup_notes(suggestion.method, self.metadata)
        if blended:
            lr, why = blend(lr, self.metadata)
            notes.append(why)
        adjusted = curve.suggestion(lr, suggestion.method)
        return Suggestion(adjusted.lr, adjusted.index, adjusted.method, "; ".join(notes))

    def _adjusted_reading(self, suggestion: Suggestion, curve: Curve) -> float:
        """The rule's reading after the setup's corrections and Keras' lag, before any blend."""
        factor, _ = correction(suggestion.method, self.metadata)
        lr = suggestion.lr * factor
        if factor != 1.0 and not curve.clearly_descends:
            # `knee` read the climb: the corrections lower it as `Curve.below_climb` says
            small, no_momentum = correction_factors(suggestion.method, self.metadata)
            lr = curve.below_climb(small, stacked=no_momentum)
        if suggestion.method in BLENDED_METHODS:
            lr *= momentum_lag(self.metadata)  # Keras' momentum lags: its curve sits too high
        return lr

    def blended_readings(self) -> tuple[float, float] | None:
        """``(the curve's reading, the step-size reading)`` that the default suggestion is the
        geometric mean of (:mod:`lrfinder.step_size`), or None where it blends nothing."""
        scale = scale_rate(self.metadata)
        if self.method not in BLENDED_METHODS or scale is None or self.curve is None:
            return None
        try:
            reading = get_suggester(self.method)(self.lrs, self.losses)
        except LRFinderError:
            return None
        return self._adjusted_reading(reading, self.curve), scale

    @property
    def suggestion(self) -> float:
        """The recommended peak learning rate (e.g. OneCycleLR's ``max_lr``), as a float."""
        return self.suggest().lr

    @property
    def lr_range(self) -> tuple[float, float]:
        """``(low, high)`` bounds for a cyclical schedule (CyclicLR's base_lr and max_lr)."""
        peak = self.suggestion  # raises NotEnoughPointsError when there is no usable curve
        return suggest_range(self.curve or prepare_curve(self.lrs, self.losses), peak)

    @property
    def warnings(self) -> list[str]:
        """Plain-language reasons not to trust this curve; empty when nothing looks wrong."""
        return diagnostics.diagnose(self)

    @property
    def runs(self) -> tuple[RangeTestResult, ...]:
        """Every run behind this result; a single run holds itself."""
        return (self,)

    @property
    def suggestion_interval(self) -> tuple[float, float]:
        """``(low, high)`` of the runs' suggestions; one run gives ``(suggestion, suggestion)``.

        With ``lr_find(..., runs=N)`` this is the 10%-90% range of the N runs' suggestions.
        """
        return (self.suggestion, self.suggestion)

    def summary(self) -> str:
        """A few lines for a terminal: the suggestion, the range, why the run ended, warnings."""
        lines = [f"range test: {len(self.lrs)} steps, stopped: {self.stop_reason}"]
        if self.metadata.get("runs_auto"):
            lines.append(f"runs='auto': {self.metadata['runs_auto']}")
        try:
            low, high = self.lr_range
            best = self.suggest()
            lines.append(f"suggested lr ({best.source}): {best.lr:.3g}")
            lines.append(f"lr range for cyclical schedules: {low:.3g} .. {high:.3g}")
        except LRFinderError as error:
            lines.append(f"no suggestion: {error}")
        lines.extend(f"warning: {message}" for message in self.warnings)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"RangeTestResult({len(self.lrs)} steps, lr {self.start_lr:.3g}..{self.end_lr:.3g} "
            f"{self.mode}, stop_reason={self.stop_reason!r})"
        )

    # --- schedules (torch's own, configured from the result; see lrfinder.schedules) ----------

    def one_cycle(self, optimizer: Any, total_steps: int, **overrides: Any) -> Any:
        """Returns torch's ``OneCycleLR`` peaking at :attr:`suggestion`, group ratios kept.

        See :func:`lrfinder.schedules.one_cycle`.
        """
        from .schedules import one_cycle

        return one_cycle(self, optimizer, total_steps, **overrides)

    def cyclic(
        self, optimizer: Any, step_size_up: int, mode: str = "triangular", **overrides: Any
    ) -> Any:
        """Returns torch's ``CyclicLR`` between the bounds of :attr:`lr_range`, ratios kept.

        See :func:`lrfinder.schedules.cyclic`.
        """
        from .schedules import cyclic

        return cyclic(self, optimizer, step_size_up, mode, **overrides)

    def apply(self, optimizer: Any) -> list[float]:
        """Sets :attr:`suggestion` as the optimizer's constant lr (ratios kept); returns the lrs.

        See :func:`lrfinder.schedules.apply`.
        """
        from .schedules import apply

        return apply(self, optimizer)

    # --- outputs ------------------------------------------------------------------------------

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Draws the curve on ``ax`` (a new figure if None) and returns the Axes; never shows it.

        See :func:`lrfinder.plot.plot_result` for the keyword arguments.
        """
        from .plot import plot_result

        if isinstance(kwargs.get("methods"), str):  # plot(methods="valley"): one rule
            kwargs["methods"] = (kwargs["methods"],)
        return plot_result(self, ax=ax, **kwargs)

    def to_pandas(self) -> pd.DataFrame:
        """Returns a DataFrame with columns ``step``, ``lr``, ``loss``, ``smoothed``."""
        try:
            import pandas as pd
        except ImportError:
            msg = "to_pandas needs pandas: pip install 'lrfinder[pandas]'"
            raise ImportError(msg) from None
        return pd.DataFrame(
            {
                "step": np.arange(len(self.lrs)),
                "lr": self.lrs,
                "loss": self.losses,
                "smoothed": self.smoothed,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Returns a JSON-ready dict; non-finite floats are written as "NaN", "Infinity"..."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "lrfinder_version": __version__,
            "lrs": [_encode_float(v) for v in self.lrs],
            "losses": [_encode_float(v) for v in self.losses],
            "stop_reason": self.stop_reason,
            "start_lr": self.start_lr,
            "end_lr": self.end_lr,
            "num_steps": self.num_steps,
            "mode": self.mode,
            "method": self.method,
            "metadata": _jsonable(self.metadata, "metadata"),
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the data") -> RangeTestResult:
        """Rebuilds a result from :meth:`to_dict`'s output; raises ResultFileError if it is not one."""
        if isinstance(data, (str, bytes)) and source == "the data":  # from_dict(json_text)
            msg = (
                f"{source} is text, not the dict to_dict() returns: pass json.loads(text), or "
                "read a saved file with lrfinder.load(path)."
            )
            raise ResultFileError(msg)
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            msg = f"{source} is not an lrfinder result (no 'format': {FORMAT_NAME!r} field)."
            raise ResultFileError(msg)
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            msg = f"{source} is a damaged lrfinder result: its 'version' is {version!r}."
            raise ResultFileError(msg)
        if version > FORMAT_VERSION:
            msg = (
                f"{source} was written by a newer lrfinder (format version {version!r}; this is "
                f"lrfinder {__version__}, which reads up to {FORMAT_VERSION}). Upgrade lrfinder."
            )
            raise ResultFileError(msg)
        if "runs" in data and cls is RangeTestResult:  # several runs: see lrfinder.multirun
            from .multirun import MultiRunResult

            return MultiRunResult.from_dict(data, source=source)
        try:
            return cls(
                lrs=np.array([_decode_float(v) for v in data["lrs"]], dtype=np.float64),
                losses=np.array([_decode_float(v) for v in data["losses"]], dtype=np.float64),
                stop_reason=data["stop_reason"],
                start_lr=check_positive_finite("start_lr", data["start_lr"]),
                end_lr=check_positive_finite("end_lr", data["end_lr"]),
                num_steps=check_int("num_steps", data["num_steps"], minimum=2),
                mode=check_choice("mode", data["mode"], MODES),
                method=str(data.get("method", DEFAULT_METHOD)),
                metadata=dict(data.get("metadata") or {}),
            )
        except KeyError as error:
            msg = f"{source} is a damaged lrfinder result: its {error} field is missing."
            raise ResultFileError(msg) from None
        except (TypeError, ValueError, OverflowError) as error:
            msg = f"{source} is a damaged lrfinder result: {str(error).rstrip('.')}."
            raise ResultFileError(msg) from None

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes the result as JSON, atomically (a crash never leaves half a file); returns the path."""
        target = Path(path)
        if target.is_dir():
            msg = (
                f"{str(target)!r} is a folder: pass a file name, e.g. {str(target / 'lr.json')!r}."
            )
            raise IsADirectoryError(msg)
        text = json.dumps(self.to_dict(), indent=1, allow_nan=False)
        atomic_write_text(target, text + "\n")
        return target


def load(path: str | os.PathLike[str]) -> RangeTestResult:
    """Reads a result written by :meth:`RangeTestResult.save` (plain JSON: no code is executed).

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ResultFileError: If the file is corrupt, truncated, from a newer version, or not ours.
    """
    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON, or absurd nesting
        msg = f"{str(source)!r} is not valid JSON (truncated or corrupt?): {error}."
        raise ResultFileError(msg) from None
    return RangeTestResult.from_dict(data, source=repr(str(source)))


def atomic_write_text(target: Path, text: str) -> None:
    """Writes ``text`` to a temporary file beside ``target``, then renames it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp creates the file 0600; give it the mode a plain open() would (umask applied).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _jsonable(value: Any, where: str) -> Any:
    """Metadata as plain JSON: tuples become lists, numpy scalars Python ones, NaN/inf strings."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item, f"{where}[{key!r}]") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return _encode_float(value)
    if value is None or isinstance(value, (str, int)):
        return value
    msg = (
        f"`{where}` must hold JSON-friendly values (str, int, float, bool, None, lists and "
        f"dicts of them), got {type(value).__name__} {value!r}. Convert it before saving."
    )
    raise TypeError(msg)


def _encode_float(value: float) -> float | str:
    value = float(value)
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _decode_float(value: Any) -> float:
    if isinstance(value, str):
        if value in ("NaN", "Infinity", "-Infinity"):
            return float(value.replace("Infinity", "inf"))
        msg = f"unexpected string {value!r} among the numbers"
        raise ValueError(msg)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        msg = f"unexpected {type(value).__name__} {value!r} among the numbers"
        raise TypeError(msg)
    return float(value)
