"""Suggestion rules: plain functions ``(lrs, losses) -> Suggestion``, one registry by name.

Every rule takes the *raw* losses and reads them through the same zero-lag smoother
(:func:`lrfinder.smoothing.local_linear`), with slopes against ``log(lr)`` on geometric ladders and
``lr`` on linear ones. The curve is cut at the first non-finite loss: nothing after a NaN means
anything. Each rule is invariant to ``a * loss + b`` (a > 0) and scales with the learning rates,
and every suggestion lies within ``[lrs[0], lrs[-1]]``.

Rules (see each docstring for the exact definition):

============  ===========================================================================
``steepest``  the steepest descent of the smoothed curve, before its minimum (the default)
``minimum``   the learning rate at the minimum of the smoothed curve, divided by 10
``valley``    fastai's rule: half-way along the longest descending stretch
``slide``     fastai's "interval slide rule", with scale-free thresholds
============  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import NotEnoughPointsError, check_int
from .ladder import lr_axis, lr_coordinate
from .smoothing import default_sigma_points, local_linear

#: The rule behind ``RangeTestResult.suggestion``. See ``README.md`` ("Which rule, and why").
DEFAULT_METHOD = "steepest"
_MIN_POINTS = 3


@dataclass(frozen=True)
class Suggestion:
    """A suggested learning rate and where it came from.

    Attributes:
        lr: The suggested learning rate.
        index: Index of the recorded rung nearest to ``lr`` (in log space), for marking the curve.
        method: Name of the rule that produced it.
    """

    lr: float
    index: int
    method: str

    def __float__(self) -> float:
        return self.lr

    def __repr__(self) -> str:
        return f"Suggestion(lr={self.lr:.3g}, index={self.index}, method={self.method!r})"


@dataclass(frozen=True)
class Curve:
    """A range-test curve prepared for the rules: cut at the first non-finite loss, smoothed once.

    ``lo`` and ``hi`` bound the window the rules may pick from (``skip_start`` / ``skip_end``).
    """

    lrs: NDArray[np.float64]
    x: NDArray[np.float64]
    fit: NDArray[np.float64]
    slope: NDArray[np.float64]
    lo: int
    hi: int

    @property
    def window(self) -> slice:
        return slice(self.lo, self.hi)

    def argmin(self) -> int:
        """Index of the minimum of the smoothed curve inside the window."""
        return self.lo + int(np.argmin(self.fit[self.window]))

    def suggestion(self, lr: float, method: str) -> Suggestion:
        """Clips ``lr`` to the ladder's range and finds the nearest rung."""
        lr = float(np.clip(lr, self.lrs[0], self.lrs[-1]))
        index = int(np.argmin(np.abs(np.log(self.lrs) - np.log(lr))))
        return Suggestion(lr=lr, index=index, method=method)


def prepare_curve(
    lrs: ArrayLike,
    losses: ArrayLike,
    *,
    skip_start: int = 0,
    skip_end: int = 0,
    method: str = "suggest",
) -> Curve:
    """Validates a curve, cuts it at the first non-finite loss and smooths it.

    Raises:
        ValueError: If ``lrs`` and ``losses`` differ in length, or ``lrs`` is not positive and
            strictly increasing.
        NotEnoughPointsError: If fewer than 3 finite points remain after skipping.
    """
    lrs_arr = np.asarray(lrs, dtype=np.float64).ravel()
    losses_arr = np.asarray(losses, dtype=np.float64).ravel()
    if lrs_arr.shape != losses_arr.shape:
        msg = (
            f"`lrs` and `losses` must have the same length, got {lrs_arr.size} learning rates "
            f"and {losses_arr.size} losses."
        )
        raise ValueError(msg)
    if lrs_arr.size and not (np.all(np.isfinite(lrs_arr)) and np.all(lrs_arr > 0)):
        msg = "`lrs` must be finite and > 0, got a value outside that range."
        raise ValueError(msg)
    if lrs_arr.size > 1 and not np.all(np.diff(lrs_arr) > 0):
        msg = "`lrs` must be strictly increasing, as a range test's ladder is."
        raise ValueError(msg)
    skip_start = check_int("skip_start", skip_start, minimum=0)
    skip_end = check_int("skip_end", skip_end, minimum=0)

    non_finite = np.flatnonzero(~np.isfinite(losses_arr))
    usable = int(non_finite[0]) if non_finite.size else losses_arr.size
    lo, hi = skip_start, usable - skip_end
    if hi - lo < _MIN_POINTS:
        msg = (
            f"{method} needs at least {_MIN_POINTS} finite losses after skipping, got "
            f"{max(hi - lo, 0)} ({losses_arr.size} recorded, {losses_arr.size - usable} at or "
            f"after the first non-finite loss, {skip_start} skipped at the start, {skip_end} at "
            f"the end). Run more steps, lower skip_start/skip_end, or lower start_lr if the loss "
            f"was non-finite early."
        )
        raise NotEnoughPointsError(msg)
    kept_lrs = lrs_arr[:usable]
    axis = lr_axis(lrs_arr)
    x = lr_coordinate(kept_lrs, axis)
    fit, slope = local_linear(x, losses_arr[:usable], default_sigma_points(x, axis))
    return Curve(lrs=kept_lrs, x=x, fit=fit, slope=slope, lo=lo, hi=hi)


def steepest(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the learning rate where the smoothed loss falls fastest, before its minimum.

    The slope is that of the zero-lag local-linear fit, against ``log(lr)`` on geometric ladders
    (``lr`` on linear ones); the search stops at the minimum of the smoothed curve, so a steep
    climb-and-fall after the divergence cannot win (ignite's "steepest before the minimum").
    Unlike torch-lr-finder and Lightning (index or linear-lr spacing, on a lagging EMA), the point
    found is where the curve really is steepest.

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> round(float(np.log10(steepest(lrs, losses).lr)), 1)
        -3.0
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="steepest")
    stop = curve.argmin() + 1
    segment = curve.slope[curve.lo : stop]
    index = curve.lo + int(np.nanargmin(segment)) if np.isfinite(segment).any() else curve.lo
    return curve.suggestion(curve.lrs[index], "steepest")


def minimum(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the learning rate at the minimum of the smoothed loss, divided by 10.

    fastai's ``minimum`` rule: the minimum itself is already too high to train at, so one order of
    magnitude less. fastai marks the plot at the minimum; we mark it at the value returned.

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = (np.log10(lrs) + 2.0) ** 2
        >>> minimum(lrs, losses).lr
        0.001
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="minimum")
    return curve.suggestion(curve.lrs[curve.argmin()] / 10.0, "minimum")


def valley(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the point half-way along the longest descending stretch of the smoothed loss.

    fastai's default rule (credited to ESRI): find the longest strictly decreasing subsequence of
    the curve, then go ``int(L/3) + int(L/6)`` points into it, ``L`` being its length in points
    (about half-way, although fastai's docs say two thirds). fastai takes the subsequence's length
    as if it were contiguous; we start from where the subsequence really starts.

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> bool(-4.0 < np.log10(valley(lrs, losses).lr) < -2.0)
        True
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="valley")
    start, end = _longest_decreasing_run(curve.fit[curve.window])
    span = end - start
    index = curve.lo + start + int(span / 3) + int(span / 6)
    return curve.suggestion(curve.lrs[index], "valley")


def slide(
    lrs: ArrayLike,
    losses: ArrayLike,
    *,
    skip_start: int = 0,
    skip_end: int = 0,
    window_decades: float = 1.2,
    threshold: float = 0.03,
) -> Suggestion:
    """Returns where the smoothed loss stops bending, scanning down from the divergent end.

    fastai's "interval slide rule" (Andrew Chang): from the right end move a window of
    ``window_decades`` leftwards until the slopes at its two ends differ by at most ``threshold``;
    the window's left end is the suggestion. fastai's threshold is an absolute loss per point, so
    its answer moves with the loss's scale and with the number of steps; ours is a fraction of the
    curve's total descent per decade (and the window is in decades), which makes it scale-free.
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="slide")
    fit = curve.fit[curve.window]
    slope = curve.slope[curve.window]
    x = curve.x[curve.window]
    per_decade = np.log(10.0) if lr_axis(curve.lrs) == "log" else 1.0
    step = float(np.mean(np.diff(x))) if x.size > 1 else 1.0
    # Capped at the curve's length: a window that wide already spans it (and a ladder of
    # near-subnormal lrs would otherwise give an infinite width).
    width = max(1, round(min(window_decades * per_decade / step, fit.size))) if step > 0 else 1
    descent = float(np.nanmax(fit) - np.nanmin(fit))
    tolerance = threshold * descent / per_decade
    right = fit.size - 1
    left = right - width
    suggestion = left
    while left >= 0 and abs(slope[right] - slope[left]) > tolerance:
        suggestion = left
        right -= 1
        left -= 1
    index = curve.lo + max(suggestion, 0)
    return curve.suggestion(curve.lrs[index], "slide")


def _longest_decreasing_run(values: NDArray[np.float64]) -> tuple[int, int]:
    """Returns ``(first, last)`` index of the longest strictly decreasing subsequence."""
    n = values.size
    length = np.ones(n, dtype=np.int64)
    first = np.arange(n)
    for i in range(1, n):
        earlier = np.flatnonzero(values[:i] > values[i])
        if earlier.size:
            best = earlier[np.argmax(length[earlier])]
            length[i] = length[best] + 1
            first[i] = first[best]
    last = int(np.argmax(length))
    return int(first[last]), last


Suggester = Callable[..., Suggestion]

#: Every rule by name; ``result.suggest(name)`` and the CLI's ``--method`` look here.
SUGGESTERS: dict[str, Suggester] = {
    "steepest": steepest,
    "minimum": minimum,
    "valley": valley,
    "slide": slide,
}


def get_suggester(method: str) -> Suggester:
    """Returns the rule registered as ``method``, or raises a ValueError listing the names."""
    try:
        return SUGGESTERS[method]
    except (KeyError, TypeError):
        names = ", ".join(repr(name) for name in SUGGESTERS)
        msg = f"`method` must be one of {names}, got method={method!r}."
        raise ValueError(msg) from None


def suggest_range(curve: Curve, peak_lr: float) -> tuple[float, float]:
    """Returns ``(low, high)`` bounds for a cyclical schedule whose peak is ``peak_lr``.

    ``high`` is ``peak_lr``. ``low`` is where the smoothed loss has made the first 10% of its
    descent (Smith's "where the loss starts to fall"), kept between ``peak_lr / 25`` (OneCycleLR's
    default start) and ``peak_lr / 3`` (Smith's "base_lr is a third to a quarter of max_lr").
    """
    stop = curve.argmin() + 1
    segment = curve.fit[curve.lo : stop]
    drop = segment[0] - segment.min()
    reached = np.flatnonzero(segment <= segment[0] - 0.1 * drop) if drop > 0 else np.array([0])
    onset = curve.lrs[curve.lo + int(reached[0])] if reached.size else curve.lrs[curve.lo]
    low = float(np.clip(onset, peak_lr / 25.0, peak_lr / 3.0))
    return max(low, float(curve.lrs[0])), float(peak_lr)
