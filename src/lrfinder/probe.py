"""Refine a suggestion with a few short training probes, chosen by held-out loss.

A range test reads the learning rate off a 100-step curve; the rate that trains best over a real
run can sit a factor of a few away. :func:`refine` measures instead of guessing: it trains short
probes at a handful of rates around the suggestion and keeps the one with the lowest held-out loss,
with successive halving (Jamieson & Talwalkar, 2016) so that most of the budget goes to the
promising rates. The training itself is the caller's: ``probe(lr, steps)`` trains a *fresh copy*
of the model, from the same starting weights, for ``steps`` updates with peak learning rate ``lr``
(for example a short 1cycle) and returns its loss on held-out data. Nothing here imports a
framework.

Example:
    >>> import math
    >>> def probe(lr, steps):  # held-out loss is lowest at lr = 0.003
    ...     return (math.log10(lr) - math.log10(0.003)) ** 2 + 1.0 / steps
    >>> refined = refine(0.01, probe, budget_steps=110)
    >>> f"{refined.lr:.3g}", refined.cost_steps
    ('0.00316', 110)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .batch_noise import correction
from .errors import check_int, check_positive_finite, check_real
from .suggest import DEFAULT_METHOD

if TYPE_CHECKING:
    from .result import RangeTestResult

Probe = Callable[[float, int], float]

# A probe "learned" when its held-out loss ended at least this fraction of the untrained model's
# loss below it. Plateaus move the loss by well under 0.1% (the benchmark's GRU and batch-16 CNN);
# any probe that trains at all moves it by several percent.
_LEARNED_FRACTION = 0.01


@dataclass(frozen=True)
class Trial:
    """One probe: the learning rate tried, its length in steps and the held-out loss it reached."""

    lr: float
    steps: int
    loss: float


@dataclass(frozen=True)
class Refinement:
    """The outcome of :func:`refine`.

    Attributes:
        lr: The refined learning rate: the probes' winner, carried over to the planned run's
            length when ``horizon_steps`` was given.
        initial_lr: The suggestion the probes were centred on.
        cost_steps: Training steps spent on probes, in total.
        trials: Every probe run, in the order they ran.
        probe_lr: The rate whose probe won the last round (before any horizon correction).
        learned: Whether the probes beat ``start_loss`` (see :func:`refine`); ``None`` when no
            ``start_loss`` was given. When ``False``, ``lr`` is the suggestion, unchanged.
    """

    lr: float
    initial_lr: float
    cost_steps: int
    trials: tuple[Trial, ...]
    probe_lr: float = math.nan
    learned: bool | None = None

    def __float__(self) -> float:
        return self.lr


def candidates(
    center: float,
    *,
    num_candidates: int = 5,
    span_decades: float = 1.0,
    low: float = 0.0,
    high: float = math.inf,
) -> NDArray[np.float64]:
    """Returns ``num_candidates`` rates spaced evenly in log from ``center / 10**span_decades``
    to ``center * 10**span_decades``, clipped to ``[low, high]`` and de-duplicated.

    Example:
        >>> candidates(1e-3, num_candidates=3, span_decades=1.0).tolist()
        [0.0001, 0.001, 0.01]
    """
    center = check_positive_finite("center", center)
    num_candidates = check_int("num_candidates", num_candidates, minimum=1)
    span = float(span_decades)
    if not (math.isfinite(span) and span >= 0):
        msg = f"`span_decades` must be finite and >= 0, got span_decades={span_decades!r}."
        raise ValueError(msg)
    offsets = np.linspace(-span, span, num_candidates) if num_candidates > 1 else np.zeros(1)
    rates = np.clip(center * 10.0**offsets, low, high)
    rates[offsets == 0] = center  # exact, not 10**0 rounded
    return np.unique(rates)


def halving_schedule(num_candidates: int, budget_steps: int, eta: int = 3) -> list[tuple[int, int]]:
    """Returns ``[(candidates, steps_each), ...]`` per round of successive halving.

    Round ``k`` runs ``ceil(n / eta**k)`` candidates for ``s * eta**k`` steps each, until one
    candidate is left; ``s`` is the largest whole number that keeps the total within
    ``budget_steps``. A single candidate needs no probe at all: ``[]``.

    Raises:
        ValueError: If the budget cannot give every candidate at least one step.

    Example:
        >>> halving_schedule(5, 110)
        [(5, 10), (2, 30)]
    """
    num_candidates = check_int("num_candidates", num_candidates, minimum=1)
    budget_steps = check_int("budget_steps", budget_steps, minimum=1)
    eta = check_int("eta", eta, minimum=2)
    counts = []
    alive = num_candidates
    while alive > 1:
        counts.append(alive)
        alive = math.ceil(alive / eta)
    units = sum(count * eta**k for k, count in enumerate(counts))
    first = budget_steps // units if units else 0
    if counts and first < 1:
        msg = (
            f"`budget_steps` must be at least {units} for {num_candidates} candidates with "
            f"eta={eta}, got budget_steps={budget_steps}. Raise the budget or use fewer candidates."
        )
        raise ValueError(msg)
    return [(count, first * eta**k) for k, count in enumerate(counts)]


def refine(
    result: RangeTestResult | float,
    probe: Probe,
    *,
    budget_steps: int,
    num_candidates: int = 5,
    span_decades: float = 1.0,
    eta: int = 3,
    horizon_steps: int | None = None,
    horizon_exponent: float = 0.5,
    start_loss: float | None = None,
) -> Refinement:
    """Returns the rate, among a few around the suggestion, whose short probe generalises best.

    The candidates are spaced evenly in ``log(lr)`` over ``span_decades`` either side of the
    suggestion (``result.suggestion``, or ``result`` itself when it is a number). Given a result,
    they are clipped to ``[lrs[0], lr at the floor of the smoothed curve]`` (its minimum:
    ``Curve.floor_index``): past it the range test saw the loss climb, and a short probe there
    can look good (a few steps at a high rate rarely blow up) while the full run diverges.
    Successive halving (:func:`halving_schedule`) probes all of them briefly, keeps the best
    ``1/eta``, probes those ``eta`` times longer, and so on; the last round's lowest held-out
    loss wins. A probe that returns a non-finite loss loses.

    Probes are shorter than the real run, and short runs favour higher rates; the benchmark
    (``benchmarks/RESULTS.md``) reports how much this refinement gains and what it costs.

    Give ``start_loss``, the held-out loss of the untrained model, whenever you can. A probe
    that did not end at least 1% below it did not learn. When no probe of a round learned (the
    first rounds are short, and on a plateau, as with a recurrent network or a small-batch SGD
    CNN, the model does not start learning within any probe), their losses only rank how little
    each rate moved the weights, and the lowest rate would win for that reason alone. Such a
    round passes on the rates nearest the suggestion instead, and if even the last, longest
    round learned nothing, the range test's suggestion stands (``learned=False``).

    Args:
        result: A range-test result, or a learning rate to centre the probes on.
        probe: ``probe(lr, steps) -> held-out loss``; must train a fresh copy from the same start.
        budget_steps: Most training steps to spend on probes, in total.
        num_candidates: Rates to try in the first round.
        span_decades: How far either side of the suggestion to look, in decades.
        eta: Keep ``1/eta`` of the candidates per round; survivors train ``eta`` times longer.
        horizon_steps: Length of the training run you plan. When given, the winning rate is
            carried over from the probes' length to it: ``lr = winner * (probe_steps /
            horizon_steps) ** horizon_exponent`` (kept within the candidates' range).
        horizon_exponent: How fast the best peak rate falls with the run's length; 0 turns the
            correction off. On 22 tasks of ``benchmarks/RESULTS.md`` ("Horizon") the best peak
            moved by a median exponent of 0.41 between 1x and 4x their budgets and of 0 between
            0.25x and 1x, with a wide spread between tasks, and carrying the probes' winner over
            with 0.5 cost more than it gained; leave ``horizon_steps`` unset unless the run you
            plan is far longer than the probes and you have seen high rates fail there.
        start_loss: The held-out loss of the model before any training (what ``probe`` would
            return after 0 steps). Optional; see above.

    Returns:
        A :class:`Refinement` with the chosen ``lr``, the steps spent and every trial.

    Raises:
        ValueError: If an argument is out of range, or the budget is too small.
        NotEnoughPointsError: If ``result`` has no usable curve to suggest from.
    """
    if callable(getattr(result, "suggest", None)):
        center = float(result.suggestion)  # type: ignore[union-attr]
        low, high = float(result.lrs[0]), _floor_lr(result)  # type: ignore[arg-type]
    else:
        center = check_positive_finite("result", result)  # type: ignore[arg-type]
        low, high = 0.0, math.inf
    if horizon_steps is not None:
        horizon_steps = check_int("horizon_steps", horizon_steps, minimum=1)
    horizon_exponent = float(horizon_exponent)
    if not (math.isfinite(horizon_exponent) and horizon_exponent >= 0):
        msg = f"`horizon_exponent` must be finite and >= 0, got horizon_exponent={horizon_exponent!r}."
        raise ValueError(msg)
    if start_loss is not None:
        start_loss = check_real("start_loss", start_loss)
        if not math.isfinite(start_loss):
            msg = (
                f"`start_loss` must be finite, got start_loss={start_loss!r}: pass the held-out "
                "loss of the untrained model, or None to skip the check."
            )
            raise ValueError(msg)
    if not callable(probe):
        msg = f"`probe` must be a callable probe(lr, steps) -> loss, got probe={probe!r}."
        raise TypeError(msg)
    rates = candidates(
        center, num_candidates=num_candidates, span_decades=span_decades, low=low, high=high
    )
    schedule = halving_schedule(len(rates), budget_steps, eta)
    alive = list(rates)
    trials: list[Trial] = []
    # None until a probe has been measured against start_loss (a single candidate has none).
    learned = None
    for keep_index, (_, steps) in enumerate(schedule):
        losses = [_as_loss(probe(float(lr), steps)) for lr in alive]
        trials.extend(Trial(float(lr), steps, loss) for lr, loss in zip(alive, losses, strict=True))
        keep = schedule[keep_index + 1][0] if keep_index + 1 < len(schedule) else 1
        if start_loss is not None:
            learned = _any_learned(losses, start_loss)
        if learned is False:  # the losses only rank how little each rate moved the weights
            order = sorted(range(len(alive)), key=lambda i: abs(math.log(alive[i] / center)))
        else:
            order = sorted(
                range(len(alive)), key=lambda i: (losses[i], abs(math.log(alive[i] / center)))
            )
        alive = [alive[i] for i in order[:keep]]
    cost = sum(t.steps for t in trials)
    if learned is False:
        return Refinement(center, center, cost, tuple(trials), learned=False)
    winner = float(alive[0])
    lr = winner
    if horizon_steps is not None and schedule:
        # Short runs favour high rates: carry the winner over from the probes' length to the run's.
        lr = winner * (schedule[-1][1] / horizon_steps) ** horizon_exponent
        lr = float(np.clip(lr, low if low > 0 else lr, high))
    return Refinement(
        lr=lr,
        initial_lr=center,
        cost_steps=cost,
        trials=tuple(trials),
        probe_lr=winner,
        learned=learned,
    )


def _floor_lr(result: RangeTestResult) -> float:
    """The lr at the curve's floor (its minimum): past it the range test saw the loss rise.

    At small batches, or without momentum, the test reads stability too high
    (:mod:`lrfinder.batch_noise`), and short probes above the corrected suggestion would undo
    the correction; so the same factor lowers this cap (never below the suggestion)."""
    curve = result.curve
    if curve is None:
        return float(result.lrs[-1])
    factor, _ = correction(DEFAULT_METHOD, result.metadata)
    floor = float(curve.lrs[curve.floor_index]) * factor
    return max(floor, float(result.suggestion))


def _any_learned(losses: list[float], start_loss: float) -> bool:
    return min(losses) < start_loss - _LEARNED_FRACTION * abs(start_loss)


def _as_loss(value: float) -> float:
    loss = float(value)
    return loss if math.isfinite(loss) else math.inf
