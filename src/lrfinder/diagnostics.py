"""Plain-language warnings about a range-test curve: when not to trust the suggestion.

Each check is a small function ``(result) -> str | None`` so that it can be tested on a crafted
curve; :func:`diagnose` runs them all in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .errors import LRFinderError

if TYPE_CHECKING:
    from .result import RangeTestResult

_EDGE_FRACTION = 0.05
_EARLY_FRACTION = 0.15
_NOISE_RATIO = 0.35


def no_descent(result: RangeTestResult) -> str | None:
    """The smoothed loss never fell clearly below where it started."""
    curve = result.curve
    if curve is None:
        return None
    fit = curve.fit[curve.window]
    drop = fit[0] - np.nanmin(fit)
    if drop <= 3.0 * _noise_sd(result):
        return (
            "The loss never clearly descended: the curve shows no region where a higher learning "
            "rate trains faster. The model may already be trained (fine-tuning), start_lr may be "
            "too high, or the model may not learn at all; try a lower start_lr or check the loss "
            "on one batch."
        )
    return None


def diverged_early(result: RangeTestResult) -> str | None:
    """The run stopped within the first steps: start_lr was already too high."""
    if result.stop_reason not in ("diverged", "non-finite") or not len(result.losses):
        return None  # an empty record (a hand-made or damaged file) is too_short's to report
    if len(result.losses) <= max(3, int(_EARLY_FRACTION * result.num_steps)):
        return (
            f"The loss diverged ({result.stop_reason}) after only {len(result.losses)} of "
            f"{result.num_steps} steps, at lr={result.lrs[-1]:.3g}: start_lr={result.start_lr:.3g} "
            "is probably too high. Lower start_lr by a few decades and run again."
        )
    return None


def stopped_before_minimum(result: RangeTestResult) -> str | None:
    """The smoothed loss was still falling at the last usable point."""
    curve = result.curve
    if curve is None or result.stop_reason in ("diverged",):
        return None
    if curve.argmin() >= curve.hi - max(2, int(_EDGE_FRACTION * len(curve.lrs))):
        why = {
            "completed": f"the run reached end_lr={result.end_lr:.3g}",
            "non-finite": "the loss turned non-finite",
        }.get(result.stop_reason, f"the run ended ({result.stop_reason})")
        return (
            f"The loss was still falling when {why}: the minimum of the curve was not reached, so "
            "the suggestion may be too low. Raise end_lr (or run more steps) and run again."
        )
    return None


def suggestion_at_edge(result: RangeTestResult) -> str | None:
    """The suggestion sits in the first or last few percent of the ladder."""
    try:
        index = result.suggest().index
    except LRFinderError:
        return None
    n = len(result.lrs)
    edge = max(1, int(_EDGE_FRACTION * n))
    if index < edge:
        return (
            f"The suggestion ({result.suggestion:.3g}) sits at the low edge of the range tested: "
            f"lower start_lr (now {result.start_lr:.3g}) and run again."
        )
    if index >= n - edge and result.stop_reason == "completed":
        return (
            f"The suggestion ({result.suggestion:.3g}) sits at the high edge of the range tested: "
            f"raise end_lr (now {result.end_lr:.3g}) and run again."
        )
    return None


def too_noisy(result: RangeTestResult) -> str | None:
    """The point-to-point noise is large next to the descent the curve shows."""
    curve = result.curve
    if curve is None:
        return None
    fit = curve.fit[curve.window]
    drop = float(fit[0] - np.nanmin(fit))
    noise = _noise_sd(result)
    if drop > 0 and noise > _NOISE_RATIO * drop:
        return (
            f"The curve is noisy: the loss jumps by about {noise:.3g} from step to step against a "
            f"descent of {drop:.3g}, so the suggestion may move between runs. Use a larger batch, "
            "more steps, or several runs (runs=5)."
        )
    return None


def ended_abnormally(result: RangeTestResult) -> str | None:
    """The run was interrupted or its data ran out before end_lr."""
    if result.stop_reason == "interrupted":
        return (
            f"The run was interrupted after {len(result.losses)} of {result.num_steps} steps; "
            "the curve is partial."
        )
    if result.stop_reason == "data-exhausted":
        return (
            f"The data ran out after {len(result.losses)} of {result.num_steps} steps and could "
            "not be restarted; pass a re-iterable (a DataLoader) or fewer num_steps."
        )
    return None


def too_short(result: RangeTestResult) -> str | None:
    """Too few finite points to suggest anything."""
    if result.curve is None:
        return (
            f"Only {int(np.isfinite(result.losses).sum())} finite losses were recorded: too few "
            "for any suggestion. Lower start_lr or run more steps."
        )
    return None


CHECKS: tuple[Callable[[RangeTestResult], str | None], ...] = (
    too_short,
    ended_abnormally,
    diverged_early,
    no_descent,
    stopped_before_minimum,
    suggestion_at_edge,
    too_noisy,
)


def diagnose(result: RangeTestResult) -> list[str]:
    """Returns every warning that applies to ``result``, most serious first."""
    return [message for check in CHECKS if (message := check(result)) is not None]


def _noise_sd(result: RangeTestResult) -> float:
    """Robust sd of the raw losses around the smoothed curve (MAD of the residuals)."""
    curve = result.curve
    if curve is None:
        return 0.0
    residual = result.losses[: len(curve.fit)] - curve.fit
    residual = residual[curve.window]
    residual = residual[np.isfinite(residual)]
    return float(1.4826 * np.median(np.abs(residual))) if residual.size else 0.0
