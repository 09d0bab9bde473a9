"""Suggestion rules: plain functions ``(lrs, losses) -> Suggestion``, one registry by name.

Every rule takes the *raw* losses and reads them through the same zero-lag smoother
(:func:`lrfinder.smoothing.local_linear`), with slopes against ``log(lr)`` on geometric ladders and
``lr`` on linear ones. The curve is cut at the first non-finite loss: nothing after a NaN means
anything. Each rule is invariant to ``a * loss + b`` (a > 0) and scales with the learning rates,
and every suggestion lies within ``[lrs[0], lrs[-1]]``.

Rules (see each docstring for the exact definition):

===============  ======================================================================
``knee``         halfway (in log lr) from the end of the sure descent to the floor, or
                 below where the loss starts to climb when it never clearly descends
                 (``Curve.below_climb``)
                 (the default; see ``docs/quality.md`` and ``benchmarks/RESULTS.md``)
``descent_end``  the highest lr up to which the loss surely still falls (slope < -2 s.e.)
``steepest``     the steepest point of the descent into the smoothed curve's floor
``minimum``      the learning rate at the minimum of the smoothed curve, divided by 10
``valley``       fastai's rule: half-way along the longest descending stretch
``slide``        fastai's "interval slide rule", with scale-free thresholds
===============  ======================================================================
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import NotEnoughPointsError, check_int
from .ladder import lr_axis, lr_coordinate
from .smoothing import default_sigma_points, kernel_rows, local_linear

#: The rule behind ``RangeTestResult.suggestion``. See ``README.md`` ("Which rule, and why").
DEFAULT_METHOD = "knee"
_MIN_POINTS = 3
_BLOCK_ROWS = 256
_SIGNIFICANCE = 2.0  # standard errors: "the loss is surely still falling here"
# A valley counts once the curve has made this fraction of its total descent there, and a
# significant rise of more than `_SPIKE_RISE` of that descent ends it: a spike (see
# `Curve.first_valley_index`). Both were set on the benchmark (see the method's docstring).
_FLOOR_DEPTH = 0.75
_SPIKE_RISE = 0.1
# "Did the loss clearly descend?" (`Curve.descent_scores`): the head of the curve is its first 15%,
# and the descent is clear when either score passes; on pure noise each passes about 1% of the time.
_HEAD_FRACTION = 0.15
_QUIET_DROP_SCORE = 5.0
_MEAN_DROP_SCORE = 3.5
# On a curve that never clearly descends, `knee` backs off this factor below where the loss starts
# to climb: by the time a 100-step test sees the loss rise, it is already past stable (see `knee`).
_CLIMB_BACKOFF = 10**0.25
# Where the climb is seen within this fraction of the starting loss, a small batch's correction
# replaces the back-off rather than multiplying it (see `Curve.below_climb`). The benchmark's
# classifier plateaus sit under 0.05 and its noisy regressions over 0.18: not tuned within that.
_LATE_CLIMB_MARGIN = 0.1


@dataclass(frozen=True)
class Suggestion:
    """A suggested learning rate and where it came from.

    Attributes:
        lr: The suggested learning rate.
        index: Index of the recorded rung nearest to ``lr`` (in log space), for marking the curve.
        method: Name of the rule that produced it.
        note: How the rule's reading was adjusted, if it was (see :mod:`lrfinder.batch_noise`);
            empty otherwise.
    """

    lr: float
    index: int
    method: str
    note: str = ""

    def __float__(self) -> float:
        return self.lr

    @property
    def source(self) -> str:
        """The rule's name and the note, for labels: ``"knee, x0.32 for batch 16"``."""
        return f"{self.method}, {self.note}" if self.note else self.method

    def __repr__(self) -> str:
        note = f", note={self.note!r}" if self.note else ""
        return f"Suggestion(lr={self.lr:.3g}, index={self.index}, method={self.method!r}{note})"


@dataclass(frozen=True)
class Curve:
    """A range-test curve prepared for the rules: cut at the first non-finite loss, smoothed once.

    ``lo`` and ``hi`` bound the window the rules may pick from (``skip_start`` / ``skip_end``).
    ``y`` holds the losses capped at the blow-up (:func:`cap_blowup`), ``raw`` the losses as
    recorded; both are cut at the first non-finite loss.
    """

    lrs: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    fit: NDArray[np.float64]
    slope: NDArray[np.float64]
    lo: int
    hi: int
    sigma_points: float
    raw: NDArray[np.float64]

    @property
    def window(self) -> slice:
        return slice(self.lo, self.hi)

    def argmin(self) -> int:
        """Index of the minimum of the smoothed curve inside the window.

        Values within rounding error of the minimum are ties, and the first of them wins, so
        ``a * loss + b`` or a scaled ladder cannot move the minimum along a flat floor.
        """
        return self.lo + _first_minimum(self.fit[self.window])

    @cached_property
    def floor_index(self) -> int:
        """Index of the floor the rules read: the minimum of the smoothed curve (:meth:`argmin`),
        whether or not the loss spiked on the way down.

        From round 2 to round 34 of the benchmark the floor was the bottom of the first valley,
        before any spike (:attr:`first_valley_index`): on round 2's batch-512 Adam MLP the second
        valley's rates lost 10-25 accuracy points. The rules changed a great deal after that, and
        ``benchmarks/spike_floor.py`` measured the two floors again under the default as it is:
        over rounds 0-33, trained exactly on the 61 tasks where they differ, reading through the
        spike lowered the mean accuracy regret from 1.50 to 1.11 points and the mean excess loss
        from 16.26% to 15.03% (the batch-512 MLP itself: 0.70 to 0.34); held-out round 34 met the
        decision rule stated before it was chosen, if narrowly (it moved three of its twelve tasks:
        the two loss tasks' mean excess loss from 18.54% to 18.40%, the one accuracy task's regret
        from 0.16 to 0.36 points; ``benchmarks/SPIKE_FLOOR.md``).
        :func:`lrfinder.diagnostics.loss_spiked` still tells the user when the curve spiked.
        """
        return self.argmin()

    @cached_property
    def first_valley_index(self) -> int:
        """Index of the lowest point before the loss first spikes (the minimum when it does not).

        A curve can fall most of the way, spike (the loss jumps and recovers: the optimizer went
        unstable) and then fall lower still, just before it diverges. The first valley's bottom
        is the lowest point of the first valley that is deep enough to be the real descent, not a
        wiggle of noise on the way: walking up from the first point where the smoothed curve has
        made three quarters of its total descent (from the median of the first tenth of the
        losses to the minimum), the valley ends at the first rise of more than a tenth of that
        descent that is also two standard errors above the lowest point so far. The rules read
        the minimum instead (:attr:`floor_index`); the diagnostics read this to say the loss
        spiked (:func:`lrfinder.diagnostics.loss_spiked`).

        Neither constant is derived: three quarters keeps noise dips on the flat start of a
        very noisy curve (``friedman_mse``, whose dips reach 60% of its small descent) from
        counting as valleys and still catches every seed's first valley on the Adam MLP (which
        reaches 79-90% of the descent); a tenth ignores the small wiggles of clean curves.
        """
        stop = self.argmin()
        start = self.start_level
        descent = start - self.fit[stop]
        if not descent > 0:
            return stop
        deep = np.flatnonzero(self.fit[self.lo : stop + 1] <= start - _FLOOR_DEPTH * descent)
        if not deep.size:
            return stop
        noise = self.fit_standard_error
        index = lowest = self.lo + int(deep[0])
        while index < stop:
            with np.errstate(invalid="ignore"):  # inf - inf on an absurd curve: no spike (NaN)
                rise = self.fit[index + 1] - self.fit[lowest]
            if rise > _SPIKE_RISE * descent and rise > _SIGNIFICANCE * np.hypot(
                noise[index + 1], noise[lowest]
            ):
                break
            index += 1
            if self.fit[index] < self.fit[lowest]:
                lowest = index
        return lowest

    @cached_property
    def start_level(self) -> float:
        """The loss the curve starts from: the median of the first tenth of the window (at least
        five losses), as capped (NaN if they are all NaN)."""
        window = self.y[self.lo : self.hi]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN head: no start level
            return float(np.nanmedian(window[: max(5, window.size // 10)]))

    def basin_start(self) -> int:
        """First index of the descent that leads into the floor (:attr:`floor_index`).

        Walks back from the floor for as long as the curve keeps rising (going backwards) or
        dips by no more than two standard errors below the highest point passed; it stops before
        the first point that lies significantly lower, which belongs to an earlier, separate
        valley. On a curve whose start is as noisy as its descent (a small-batch regression), the
        smoother turns noise into wiggles, and the steepest wiggle can lie decades before the real
        descent; this keeps the rules on the descent into the floor.

        The walk also stops at the last point where the smoothed loss is still at or above its
        starting level (:attr:`start_level`): before that point the loss had not begun to fall,
        so nothing there belongs to the descent. A curve that stays flat within its noise for
        decades lets the walk run back over the whole flat stretch, where a wiggle of the
        smoother can be steeper than a shallow real descent at the end (measured in
        ``benchmarks/RESULTS.md``, the note after round 15: plain SGD at batch 128 on a
        Friedman regression read a wiggle at 8e-7 on one seed, against a descent near 0.1).
        """
        stop = self.floor_index
        noise = self.fit_standard_error
        with np.errstate(invalid="ignore"):
            level = np.flatnonzero(self.fit[self.lo : stop + 1] >= self.start_level)
        first = self.lo + int(level[-1]) if level.size else self.lo
        top = index = stop
        while index > first:
            margin = _SIGNIFICANCE * np.hypot(noise[index - 1], noise[top])
            if not self.fit[index - 1] >= self.fit[top] - margin:  # also stops at NaN
                break
            index -= 1
            if self.fit[index] > self.fit[top]:
                top = index
        return index

    @cached_property
    def descent_scores(self) -> tuple[float, float]:
        """Two measures, in units of noise, of how far the loss fell from its start.

        * ``quiet_drop``: the mean of the first points of the curve minus the smoothed minimum,
          in units of the point-to-point noise at the start. It catches a quiet curve that fell
          only briefly before diverging (Adam's "hockey stick").
        * ``mean_drop``: the mean of the first points minus the mean of the raw points around the
          smoothed minimum, in units of the standard error of that difference (each stretch's
          noise measured on its own). It catches a noisy curve whose average clearly fell.

        Both are 0 when the minimum lies among the first points.
        """
        y = self.y
        head = self._head(y)
        low = self.argmin()
        reach = max(2, int(np.ceil(self.sigma_points)))
        if low - reach < self.lo + head.size:
            return 0.0, 0.0
        floor = y[low - reach : min(self.hi, low + reach + 1)]
        around = y[max(self.lo, low - 2 * reach) : min(self.hi, low + 2 * reach + 1)]
        # The noise as recorded: where the noise is as large as the descent, the cap
        # (`cap_blowup`) can flatten most of the head's upper half, and the capped head would
        # look quiet enough for noise to pass as a descent.
        head_noise = step_noise(self._head(self.raw))
        quiet_drop = _in_noise_units(float(np.mean(head) - self.fit[low]), head_noise)
        error = float(
            np.hypot(head_noise / np.sqrt(head.size), step_noise(around) / np.sqrt(floor.size))
        )
        mean_drop = _in_noise_units(float(np.mean(head) - np.mean(floor)), error)
        return quiet_drop, mean_drop

    @property
    def clearly_descends(self) -> bool:
        """Whether the loss clearly fell below its start (either of :attr:`descent_scores`)."""
        quiet_drop, mean_drop = self.descent_scores
        return quiet_drop >= _QUIET_DROP_SCORE or mean_drop >= _MEAN_DROP_SCORE

    @cached_property
    def climb_index(self) -> int:
        """Last index before the loss climbs for good above its starting level.

        Each recorded loss is marked "above" when it exceeds the starting level (the median of
        the curve's head, its first 15%, or of its first five losses if lower) by more than two
        standard deviations of the head's step-to-step noise. On a flat stretch about 2% of the
        points are above by chance; once the loss climbs, most are. The climb starts at the
        single change point in the share of points above: the split of the curve into an
        earlier and a later part that best separates the two shares by least squares (the later
        share being the larger). Counting each point once, above or not, makes the estimate
        indifferent to how far a blow-up goes, and using every point at once avoids the many
        chances a long noisy stretch gives a smoothed curve to cross any band by luck. The end
        of the window when nothing climbs.
        """
        level, noise = self._climb_baseline
        above = (self.raw[self.window] > level + _SIGNIFICANCE * noise).astype(np.float64)
        n = above.size
        first = np.arange(1, n)  # the earlier part holds the first `first` points
        earlier = np.cumsum(above)[:-1]
        share_before = earlier / first
        share_after = (above.sum() - earlier) / (n - first)
        gain = np.where(
            share_after > share_before,
            first * (n - first) / n * (share_after - share_before) ** 2,
            0.0,
        )
        if not np.any(gain > 0):
            return self.hi - 1
        return self.lo + _first_minimum(-gain)

    @cached_property
    def climbed(self) -> bool:
        """Whether the loss really climbed: most points after :attr:`climb_index` lie above the
        starting level's band. On a level line of noise the change point still finds a split
        where a few more points lie above; a climb puts most of them there."""
        if self.climb_index >= self.hi - 1:
            return False
        level, noise = self._climb_baseline
        after = self.raw[self.climb_index + 1 : self.hi]
        return bool(np.mean(after > level + _SIGNIFICANCE * noise) >= 0.5)

    @cached_property
    def _climb_baseline(self) -> tuple[float, float]:
        """``(level, noise)``: the starting level and the head's step-to-step noise that
        :attr:`climb_index` measures the climb against."""
        head = self._head(self.raw)  # as recorded: the cap flattens a noisy head's top
        # The lower of two estimates of the starting level: the head's median is the steadier,
        # the first five losses' median (as for `cap_blowup`) is not raised by a curve that
        # climbs from its first steps.
        level = min(float(np.median(head)), float(np.median(head[:5])))
        return level, step_noise(head)

    @property
    def climb_margin(self) -> float:
        """How far above its start, as a fraction of it, the loss must rise before
        :attr:`climb_index` can see the climb: two noise deviations over the starting level
        (infinite when that level is not positive)."""
        level, noise = self._climb_baseline
        return _SIGNIFICANCE * noise / level if level > 0 else np.inf

    @property
    def late_climb(self) -> bool:
        """Whether the climb could only be seen late: :attr:`climb_margin` over a tenth (noisy
        regressions); a quiet plateau's climb is seen within a few percent of its start."""
        return self.climb_margin > _LATE_CLIMB_MARGIN

    def below_climb(self, lowering: float = 1.0, *, stacked: float = 1.0) -> float:
        """What :func:`knee` suggests on a curve that never clearly descends: a quarter decade
        below where the loss starts to climb (:attr:`climb_index`), and no lower than the
        ladder's start.

        ``lowering`` (at most 1) is a small batch's correction (:mod:`lrfinder.batch_noise`).
        On a curve whose climb was seen late (:attr:`late_climb`) it multiplies the back-off;
        on a quiet one it replaces it when it lowers more: there the back-off and the
        correction answer the same worry (a full run at the rate the ramp just survived
        collapses), and stacking them put quiet plateaus too low. ``stacked`` (at most 1), the
        no-momentum correction, multiplies the result on every curve: with 20 seeds per task,
        quiet plateaus without momentum did better with it stacked, those with a small batch
        without (see :func:`knee`)."""
        climb = float(self.lrs[self.climb_index])
        if self.late_climb:
            lr = climb / _CLIMB_BACKOFF * lowering
        else:
            lr = climb * min(1.0 / _CLIMB_BACKOFF, lowering)
        return max(lr * stacked, float(self.lrs[0]))

    def _head(self, losses: NDArray[np.float64]) -> NDArray[np.float64]:
        """The first 15% of the window (at least 5 points): the curve's starting level."""
        return losses[self.lo : self.lo + max(5, int(_HEAD_FRACTION * (self.hi - self.lo)))]

    def steepest_index(self) -> int:
        """Index of the steepest descent of the smoothed curve into its floor."""
        start = self.basin_start()
        segment = self.slope[start : self.floor_index + 1]
        return start + _first_minimum(segment) if np.isfinite(segment).any() else start

    @cached_property
    def noise(self) -> NDArray[np.float64]:
        """The local noise level of the losses around every point (see :func:`local_noise`)."""
        return local_noise(self.y, self.fit, self.sigma_points)

    @cached_property
    def fit_standard_error(self) -> NDArray[np.float64]:
        """The standard error of the smoothed value at every point."""
        return fit_standard_error(self.y, self.noise, self.sigma_points)

    def slope_t(self) -> NDArray[np.float64]:
        """The slope divided by its standard error: how sure we are that the loss falls there."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.slope / slope_standard_error(self.x, self.y, self.noise, self.sigma_points)

    def suggestion(self, lr: float, method: str) -> Suggestion:
        """Clips ``lr`` to the ladder's range and finds the nearest rung."""
        lr = float(np.clip(lr, self.lrs[0], self.lrs[-1]))
        index = int(np.argmin(np.abs(np.log(self.lrs) - np.log(lr))))
        return Suggestion(lr=lr, index=index, method=method)


def step_noise(values: NDArray[np.float64]) -> float:
    """Robust sd of point-to-point noise: the median absolute first difference, rescaled."""
    return float(1.4826 * np.median(np.abs(np.diff(values))) / np.sqrt(2.0))


def _in_noise_units(drop: float, noise: float) -> float:
    if noise > 0:
        return drop / noise
    return np.inf if drop > 0 else 0.0


def _first_minimum(values: NDArray[np.float64]) -> int:
    """Index of the first value within rounding error (1e-9 of the range) of the minimum."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN curve: handled below
        low, high = np.nanmin(values), np.nanmax(values)
        near = np.flatnonzero(values <= low + 1e-9 * (high - low))
    if near.size:
        return int(near[0])
    finite = np.flatnonzero(np.isfinite(values))  # an absurd curve: fall back on its lowest value
    return int(finite[np.argmin(values[finite])]) if finite.size else 0


def check_lrs(lrs: NDArray[np.float64]) -> None:
    """Raises ValueError, naming the first offending entry, unless ``lrs`` (1-D) is finite,
    positive and strictly increasing, as every range test's ladder is."""
    bad = np.flatnonzero(~(np.isfinite(lrs) & (lrs > 0)))
    if bad.size:
        i = int(bad[0])
        msg = (
            f"`lrs` must be finite and > 0, got lrs[{i}]={float(lrs[i])!r}. Pass the learning "
            "rates the range test used (lrfinder.ladder(start_lr, end_lr, num_steps) builds them)."
        )
        raise ValueError(msg)
    down = np.flatnonzero(np.diff(lrs) <= 0)
    if down.size:
        i = int(down[0]) + 1
        msg = (
            f"`lrs` must be strictly increasing, as a range test's ladder is, got "
            f"lrs[{i}]={float(lrs[i])!r} after lrs[{i - 1}]={float(lrs[i - 1])!r}."
        )
        raise ValueError(msg)


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
    check_lrs(lrs_arr)
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
    y = cap_blowup(losses_arr[:usable], lo, hi)
    # Rounded so that a scaled ladder (whose log-spacing differs by an ulp) gets the same kernel.
    sigma = float(f"{default_sigma_points(x, axis):.9g}")
    fit, slope = local_linear(x, y, sigma)
    return Curve(
        lrs=kept_lrs,
        x=x,
        y=y,
        fit=fit,
        slope=slope,
        lo=lo,
        hi=hi,
        sigma_points=sigma,
        raw=losses_arr[:usable],
    )


def cap_blowup(
    losses: NDArray[np.float64], lo: int = 0, hi: int | None = None
) -> NDArray[np.float64]:
    """Returns the losses capped at ``start + (start - low)``, so a blow-up cannot drag the fit.

    ``start`` is the median of the first five losses of the window ``[lo, hi)`` and ``low`` its
    5% quantile. A diverging run records losses thousands of times the start; a local fit that
    sees them bends far below the real curve next to them (a loss of 9000 pulls the fit at its
    neighbours below zero). Everything above the cap lies beyond the start of the divergence,
    where no rule looks, so capping changes nothing else. Both quantities move with
    ``a * loss + b``, so the cap does too.

    Example:
        >>> cap_blowup(np.array([2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 9000.0])).tolist()
        [2.0, 2.0, 2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 4.0]
    """
    window = losses[lo:hi]
    start = float(np.median(window[:5]))
    low = float(np.quantile(window, 0.05))
    return np.minimum(losses, start + max(start - low, 0.0))


def local_noise(
    y: NDArray[np.float64], fit: NDArray[np.float64], sigma_points: float
) -> NDArray[np.float64]:
    """Returns the noise level of the losses around every point.

    The noise of a range test grows along the curve, so its level is estimated locally: 1.4826
    times the median absolute residual within two kernel widths (at least a millionth of the
    curve's range, since a noise-free curve leaves residuals of rounding size whose ratios are
    arbitrary; the floor moves with ``a * loss + b`` too).
    """
    n = y.size
    index = np.arange(n)
    residual = np.abs(y - fit)
    reach = max(1, int(np.ceil(2.0 * sigma_points)))
    noise = np.full(n, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows: no estimate there
        for start in range(0, n, _BLOCK_ROWS):
            rows = index[start : start + _BLOCK_ROWS]
            lo, hi = max(0, rows[0] - reach), min(n, rows[-1] + reach + 1)
            near = np.abs(index[None, lo:hi] - rows[:, None]) <= reach
            window = np.where(near, residual[None, lo:hi], np.nan)
            noise[rows] = 1.4826 * np.nanmedian(window, axis=1)
        return np.maximum(noise, 1e-6 * float(np.nanmax(y) - np.nanmin(y)))


def fit_standard_error(
    y: NDArray[np.float64], noise: NDArray[np.float64], sigma_points: float
) -> NDArray[np.float64]:
    """Returns the standard error of the smoothed value at every point.

    That of a kernel-weighted mean with the smoother's weights ``w`` and the local noise ``s``:
    ``sqrt(sum(w² s²)) / sum(w)``. The local quadratic's value varies a little more than a mean;
    the rules only compare values with each other, at a two-standard-error level.
    """
    n = y.size
    out = np.full(n, np.nan)
    index = np.arange(n)
    with np.errstate(all="ignore"):
        for start in range(0, n, _BLOCK_ROWS):
            rows = index[start : start + _BLOCK_ROWS]
            lo, hi, kernel = kernel_rows(n, rows, sigma_points)
            w = kernel * np.isfinite(y[None, lo:hi])
            spread = np.nansum(w * w * noise[None, lo:hi] ** 2, axis=1)
            out[rows] = np.sqrt(spread) / w.sum(axis=1)
    return out


def slope_standard_error(
    x: NDArray[np.float64], y: NDArray[np.float64], noise: NDArray[np.float64], sigma_points: float
) -> NDArray[np.float64]:
    """Returns the standard error of the local-linear slope at every point.

    The slope of a weighted line fit with weights ``w`` and noise ``s`` (:func:`local_noise`) has
    variance ``sum(w² dx² s²) / sum(w dx²)²`` (``dx`` measured from the weighted mean of ``x``);
    the weights are the smoother's Gaussian kernel.
    """
    n = x.size
    index = np.arange(n)
    out = np.full(n, np.nan)
    with np.errstate(all="ignore"):
        for start in range(0, n, _BLOCK_ROWS):
            rows = index[start : start + _BLOCK_ROWS]
            lo, hi, kernel = kernel_rows(n, rows, sigma_points)
            w = kernel * np.isfinite(y[None, lo:hi])
            mean_x = (w * x[None, lo:hi]).sum(axis=1) / w.sum(axis=1)
            dx = x[None, lo:hi] - mean_x[:, None]
            sxx = (w * dx * dx).sum(axis=1)
            spread = np.nansum(w * w * dx * dx * noise[None, lo:hi] ** 2, axis=1)
            out[rows] = np.where(sxx > 0, np.sqrt(spread) / sxx, np.nan)
    return out


def _quiet(rule: Callable[..., Suggestion]) -> Callable[..., Suggestion]:
    """A rule without NumPy's floating-point chatter: on absurd curves (losses near 1e308, all
    NaN) its arithmetic overflows or meets NaN, and it still answers or raises a documented
    error, so the RuntimeWarnings on the way say nothing to the user."""

    @functools.wraps(rule)
    def quiet(*args: object, **kwargs: object) -> Suggestion:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return rule(*args, **kwargs)

    return quiet


@_quiet
def steepest(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the learning rate where the smoothed loss falls fastest into its floor.

    The slope is that of the zero-lag local-linear fit, against ``log(lr)`` on geometric ladders
    (``lr`` on linear ones). The search stops at the floor of the smoothed curve (its minimum,
    spike or not: :attr:`Curve.floor_index`), so a steep climb-and-fall after the divergence
    cannot win (ignite's "steepest before the minimum"), and starts where the descent into that
    floor starts (:meth:`Curve.basin_start`), so a steep wiggle of noise on an earlier stretch
    cannot win either.
    Unlike torch-lr-finder and Lightning (index or linear-lr spacing, on a lagging EMA), the point
    found is where the curve really is steepest.

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> round(float(np.log10(steepest(lrs, losses).lr)), 1)
        -3.0
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="steepest")
    return curve.suggestion(curve.lrs[curve.steepest_index()], "steepest")


@_quiet
def descent_end(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the highest learning rate up to which the loss is still surely falling.

    The last rung between the steepest point of the descent into the floor (:func:`steepest`)
    and the floor itself (:attr:`Curve.floor_index`) where the slope is at least two standard
    errors below zero (``slope <= -2 * se``); the steepest point when there is none. The
    standard error comes from the local-linear fit and the local noise
    (:func:`slope_standard_error`), so the rule adapts to the curve: on a clean curve it goes
    almost to the bottom of the valley, on a noisy one it stops where the descent is no longer
    distinguishable from noise. A pause in the descent (a few rungs whose slope is not
    significant, then a sure fall again) does not end it; the steepest point itself need not be
    significant (on a noisy head the smoother's steepest wiggle can sit at the very first rungs).

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> bool(-3.0 < np.log10(descent_end(lrs, losses).lr) < -1.0)
        True
    """
    curve = prepare_curve(
        lrs, losses, skip_start=skip_start, skip_end=skip_end, method="descent_end"
    )
    return curve.suggestion(curve.lrs[_descent_end_index(curve)], "descent_end")


@_quiet
def knee(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the point halfway, in log lr, from the end of the sure descent to the floor.

    The default rule. ``knee = sqrt(descent_end * lr_at_floor)``. Past the end of the sure descent
    (:func:`descent_end`: the last rate before the floor where the slope is still two standard
    errors below zero) the curve bends into its floor (the minimum of the smoothed curve:
    :attr:`Curve.floor_index`); the suggestion is the middle of that bend, as a peak learning
    rate for a 1cycle-style schedule (OneCycleLR's ``max_lr``).

    Why this point, from ``benchmarks/RESULTS.md`` (7 tasks, 5 seeds, regret against a grid of
    1cycle runs): the rate that trains best with 1cycle lies well *above* the steepest point of a
    100-step range test, at or past the end of the descent and often near the curve's minimum
    (1cycle warms up, so it tolerates rates that a fast ramp does not). The minimum alone is
    unreliable where the valley's floor is flat and noisy, and the end of the descent alone is
    too timid where the floor is where training is best (Adam on MNIST-1D). The midpoint in
    ``log(lr)`` hedges between the two; both ingredients have zero lag (local-polynomial
    smoothing). The rule itself has no constant tuned to the benchmark (two standard errors,
    halfway). Its weak spot, measured: small-batch MSE regressions, whose curves are as noisy as
    their descent (``too_noisy`` fires): there the best rate sits at the end of the descent with
    SGD (this rule overshoots by about half a decade) and above the minimum with Adam (it
    undershoots); ``runs="auto"`` runs five there, and a few full-length runs around the
    suggestion (:func:`lrfinder.verify`) cut the regret further, where the probes of
    :func:`lrfinder.probe.refine` barely move it (benchmarks/WARNING_ADVICE.md).

    A curve that never clearly descends (:attr:`Curve.clearly_descends` is false; the
    ``no_descent`` warning says so) has no descent to read: typically the model did not start
    learning within the test, as a recurrent network or an unnormalised CNN trained with
    small-batch SGD often does not in 100 steps. Reading its flat, noisy stretch would give a
    rate anywhere in the range (from 1e-7 to 1e-2 on one benchmark task across seeds). All such a
    curve shows is where the loss starts to climb (:attr:`Curve.climb_index`), and the suggestion
    is a quarter decade below it (:meth:`Curve.below_climb`): near the largest rate the test saw
    to be stable, since lower rates are too slow to leave a plateau, but not at it, because the
    climb is only seen once the loss has risen two noise deviations above its start, and a full
    run at a rate the fast ramp just survived often collapses. It is an upper bound. Measured
    with actual training (``benchmarks/climb_backoff.py``; ``benchmarks/RESULTS.md``, the notes
    after rounds 23 and 26):

    * On the 143 tasks of rounds 0-23, read to choose it, backing off a quarter decade took the
      default from 3.97 to 3.56 accuracy points and from 53.3% to 42.0% excess loss (half a
      decade: 3.87 points and 42.8%). It helps noisy regressions whose runs fail the descent
      test by chance, and GRUs whose narrow peak sits just below the climb.
    * Rounds 24-26, held out for it, kept the loss gain (47% to 41%) and lost accuracy on every
      round (7.9 to 10.0 points), always where a small-batch or no-momentum correction
      (:mod:`lrfinder.batch_noise`, applied by ``result.suggestion``) had already lowered a
      quiet plateau's climb: an unnormalised CNN with SGD at batch 32 2.7 to 38.6, a GRU with
      RMSprop at batch 32 -4.7 to 12.5.
    * So, read after those rounds, the correction no longer stacks on the back-off where the
      climb is seen early (:attr:`Curve.late_climb`: two noise deviations are under a tenth of
      the starting loss: on the benchmark's classifier plateaus under 5%, on its noisy
      regressions about a fifth or more): the larger of the two lowerings applies. Where the climb is seen late both
      apply. Over the 179 tasks of rounds 0-26 that took accuracy from 4.83 to 4.26 points and
      left the losses at 41.7%. Round 27, held out for it (12 tasks chosen to include quiet
      plateaus with and without a correction and noisy small-batch regressions): 3.70 to 3.52
      points, losses unchanged at 13.1%, against 4.83 points and 16.2% at the climb itself.
    * Round 28, held out for everything, went the other way: 5.97 to 8.48 points, nearly all
      from one unnormalised CNN with SGD at batch 32 whose unstacked suggestions landed past its
      cliff (-1.3 to 32.0), a GRU with AdamW at batch 16 the other way (19.8 to 5.8). Over
      rounds 27-28 stacking is ahead (4.77 against 5.85 points), over rounds 24-28 (all held
      out for the back-off) not stacking is (6.84 against 7.75; the climb 7.34); losses are
      equal. A few plateaus whose outcome near the climb turns on the seed decided both.
    * So 15 more seeds per task (``benchmarks/stacking_seeds.py``, ``benchmarks/STACKING.md``)
      on the 28 tasks where it mattered: overall within noise (+1.31 points for not stacking,
      [-0.57, +3.23]), but split by the correction: with a small batch alone not stacking
      was better on 12 of 15 tasks (+3.78), without momentum alone stacking was better on all
      7 (-3.99). Now a small batch's correction replaces the back-off on a quiet curve and the
      no-momentum one multiplies the result (``below_climb(small, stacked=no_momentum)``):
      half a decade below the climb at a small batch, three quarters without momentum, a
      decade with both. Round 29, held out for that (eight quiet no-momentum plateaus, 20
      seeds each): stacking better by 5.61 points [0.61, 12.56], on 6 of 8, as the rule
      stated beforehand required. Two of its tasks (an unnormalised CNN with plain SGD) stay
      the benchmark's worst for every variant: their climb shows only at 6-10, two decades
      above a best rate of 0.1.

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> bool(-3.0 < np.log10(knee(lrs, losses).lr) < -1.0)
        True
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="knee")
    if not curve.clearly_descends:
        return curve.suggestion(curve.below_climb(), "knee")
    end = curve.lrs[_descent_end_index(curve)]
    floor = curve.lrs[curve.floor_index]
    return curve.suggestion(float(np.sqrt(end * floor)), "knee")


def _descent_end_index(curve: Curve) -> int:
    """Last index from the steepest point to the floor where the slope is significantly < 0.

    The last such index, not the end of the first unbroken run of them: on a noisy curve the
    slope's significance flickers along a long descent, and stopping at its first pause put the
    knee decades low when the steepest point was a wiggle of the curve's noisy head (measured in
    ``benchmarks/RESULTS.md``, round 12's note: the Friedman #3 regression with Adam at batch
    128 lost 755% on one seed).
    """
    start = curve.steepest_index()
    t = curve.slope_t()[start : curve.floor_index + 1]
    with np.errstate(invalid="ignore"):
        sure = np.flatnonzero(t <= -_SIGNIFICANCE)
    return start + int(sure[-1]) if sure.size else start


@_quiet
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


@_quiet
def valley(
    lrs: ArrayLike, losses: ArrayLike, *, skip_start: int = 0, skip_end: int = 0
) -> Suggestion:
    """Returns the point half-way along the longest descending stretch of the smoothed loss.

    fastai's default rule (credited to ESRI): find the longest strictly decreasing subsequence of
    the curve, take the ``L`` points before its last point as the valley (``L`` its length, as if
    it were contiguous), then go ``int(L/3) + int(L/6)`` points into it (about half-way, although
    fastai's docs say two thirds). Applied to the zero-lag smoothed curve.

    Example:
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        >>> bool(-4.0 < np.log10(valley(lrs, losses).lr) < -2.0)
        True
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="valley")
    end, length = _longest_decreasing_run(curve.fit[curve.window])
    # fastai counts the valley back from its end by the subsequence's length, as if it were
    # contiguous. That is what keeps it in the descent: the subsequence's true first point lies
    # far out on the flat start (a zero-lag curve is nearly flat, not constant, there), and
    # starting from it put this rule on the plateau (mean regret 72 points on the benchmark).
    start = max(end - length, 0)
    span = end - start
    index = curve.lo + start + int(span / 3) + int(span / 6)
    return curve.suggestion(curve.lrs[index], "valley")


@_quiet
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
    The scan never goes back past the onset of the descent.
    """
    curve = prepare_curve(lrs, losses, skip_start=skip_start, skip_end=skip_end, method="slide")
    fit = curve.fit[curve.window]
    slope = curve.slope[curve.window]
    x = curve.x[curve.window]
    per_decade = np.log(10.0) if lr_axis(curve.lrs) == "log" else 1.0
    step = float(np.mean(np.diff(x))) if x.size > 1 else 1.0
    # Capped at the curve's length: a window that wide already spans it (and a ladder of
    # near-subnormal lrs would otherwise give an infinite width).
    # Half-way cases round up, with slack for rounding error, so scaled ladders agree.
    ratio = min(window_decades * per_decade / step, fit.size) if step > 0 else 1.0
    width = max(1, int(np.floor(ratio + 0.5 + 1e-6)))
    descent = float(np.nanmax(fit) - np.nanmin(fit))
    tolerance = threshold * descent / per_decade
    # The scan stops where the descent starts (5% of it made): on a sharp, knee-shaped curve no
    # window across the valley has equal slopes at both ends, and fastai's scan then slides on
    # to the flat start, the one place that is surely wrong (mean regret 58 points before this).
    with np.errstate(over="ignore", invalid="ignore"):  # losses near 1e308 overflow: no onset
        reached = np.flatnonzero(fit <= fit[0] - 0.05 * (fit[0] - np.nanmin(fit)))
    onset = int(reached[0]) if descent > 0 and reached.size else 0
    right = fit.size - 1
    left = right - width
    suggestion = max(left, onset)
    while left >= onset and abs(slope[right] - slope[left]) > tolerance:
        suggestion = left
        right -= 1
        left -= 1
    index = curve.lo + max(suggestion, 0)
    return curve.suggestion(curve.lrs[index], "slide")


def _longest_decreasing_run(values: NDArray[np.float64]) -> tuple[int, int]:
    """Returns ``(last, length)`` of the longest strictly decreasing subsequence."""
    n = values.size
    length = np.ones(n, dtype=np.int64)
    # Differences at the level of float rounding are ties, so `a * loss + b` cannot reorder them.
    with np.errstate(over="ignore", invalid="ignore"):
        tolerance = 1e-9 * float(np.nanmax(values) - np.nanmin(values)) if n else 0.0
    for i in range(1, n):
        with np.errstate(over="ignore", invalid="ignore"):
            earlier = np.flatnonzero(values[:i] > values[i] + tolerance)
        if earlier.size:
            length[i] = length[earlier].max() + 1
    last = int(np.argmax(length))
    return last, int(length[last])


Suggester = Callable[..., Suggestion]

#: Every rule by name; ``result.suggest(name)`` and the CLI's ``--method`` look here.
SUGGESTERS: dict[str, Suggester] = {
    "steepest": steepest,
    "descent_end": descent_end,
    "knee": knee,
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
