"""Smoothing of a range-test curve: a causal EMA for the stop rule, a zero-lag smoother for analysis.

Why two smoothers: the stop rule must decide *during* the run, so it can only look back (causal).
fastai's EMA with ``beta=0.98`` has a mean delay of ``beta / (1 - beta) = 49`` steps: on a
100-step sweep from 1e-7 to 10 that moves the curve by several decades, and every feature read
off it (steepest point, minimum) lands too far right. Once the run is over we can look both ways,
so analysis uses robust local-linear regression (LOWESS-style), which has no lag at all.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import check_fraction, check_positive_finite

#: Width of the analysis smoother's Gaussian kernel, in decades of learning rate (log ladders).
DEFAULT_BANDWIDTH_DECADES = 0.2
#: Width for linear ladders, as a fraction of the number of points.
DEFAULT_BANDWIDTH_FRACTION = 0.025
_MIN_SIGMA_POINTS = 1.5
_ROBUST_ITERATIONS = 2
_BLOCK_ROWS = 512


def ema(losses: ArrayLike, beta: float = 0.98, *, debias: bool = True) -> NDArray[np.float64]:
    """Returns the causal exponential moving average of ``losses``.

    ``avg_t = beta * avg_{t-1} + (1 - beta) * loss_t`` with ``avg_{-1} = 0``; with ``debias=True``
    the value is ``avg_t / (1 - beta ** (t + 1))``, so the first point equals the first loss and a
    constant curve stays constant (Lightning's finder divides by ``1 - beta ** (t + 2)`` instead,
    which makes its curves start at half their value).

    Args:
        losses: 1-D sequence of losses. A non-finite loss makes every later value non-finite.
        beta: Weight of the past, in [0, 1). 0 returns the losses unchanged.
        debias: Divide out the start-up bias.

    Returns:
        A float64 array of the same length.

    Example:
        >>> ema([2.0, 2.0, 2.0], beta=0.9).tolist()
        [2.0, 2.0, 2.0]
    """
    beta = check_fraction("beta", beta, low_open=False)
    values = np.asarray(losses, dtype=np.float64).ravel()
    out = np.empty_like(values)
    avg = 0.0
    for t, loss in enumerate(values):
        avg = beta * avg + (1.0 - beta) * loss
        out[t] = avg / (1.0 - beta ** (t + 1)) if debias else avg
    return out


class CausalEMA:
    """The running form of :func:`ema`, for deciding during a run (one ``update`` per loss)."""

    def __init__(self, beta: float) -> None:
        self.beta = check_fraction("beta", beta, low_open=False)
        self._avg = 0.0
        self._count = 0

    def update(self, loss: float) -> float:
        """Adds one loss and returns the debiased average so far."""
        self._count += 1
        self._avg = self.beta * self._avg + (1.0 - self.beta) * loss
        return self._avg / (1.0 - self.beta**self._count)


def default_sigma_points(x: ArrayLike, axis: str) -> float:
    """Returns the analysis kernel's width in points for a curve sampled at ``x``.

    For log ladders the width is :data:`DEFAULT_BANDWIDTH_DECADES` decades, converted to points
    with the ladder's density, so 100 and 1000 steps over the same range see the same shape.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if axis == "log" and n >= 2 and x[-1] != x[0]:
        decades_per_point = abs(x[-1] - x[0]) / np.log(10.0) / (n - 1)
        sigma = DEFAULT_BANDWIDTH_DECADES / decades_per_point
    else:
        sigma = DEFAULT_BANDWIDTH_FRACTION * n
    return float(max(_MIN_SIGMA_POINTS, sigma))


def local_linear(
    x: ArrayLike,
    y: ArrayLike,
    sigma_points: float,
    *,
    robust: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Returns the zero-lag smoothed curve and its slope ``dy/dx`` at every point.

    At each point ``i`` a line is fitted to ``(x, y)`` by weighted least squares, with Gaussian
    weights ``exp(-((j - i) / sigma_points) ** 2 / 2)`` over the point index ``j`` (so the kernel
    is symmetric even where the ladder is uneven). With ``robust=True`` two more passes down-weight
    outliers with Tukey's bisquare on residuals scaled by six median absolute deviations (Cleveland's
    LOWESS), so a single spike does not pull the curve. Non-finite ``y`` get zero weight.

    The result is equivariant: ``a * y + b`` (a > 0) gives ``a * fit + b`` and ``a * slope``.

    Args:
        x: Coordinates, usually ``log(lr)``.
        y: Values (losses); may hold NaN or inf.
        sigma_points: Kernel width in points, > 0.
        robust: Down-weight outliers.

    Returns:
        ``(fit, slope)``, two float64 arrays shaped like ``y``. Where no finite neighbour exists
        both are NaN.

    Example:
        >>> fit, slope = local_linear([0.0, 1.0, 2.0, 3.0], [1.0, 3.0, 5.0, 7.0], 1.5)
        >>> np.round(fit, 12).tolist(), np.round(slope, 12).tolist()
        ([1.0, 3.0, 5.0, 7.0], [2.0, 2.0, 2.0, 2.0])
    """
    sigma = check_positive_finite("sigma_points", sigma_points)
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    if xs.shape != ys.shape:
        msg = f"`x` and `y` must have the same length, got {xs.size} and {ys.size}."
        raise ValueError(msg)
    finite = np.isfinite(ys) & np.isfinite(xs)
    robustness = finite.astype(np.float64)
    y_filled = np.where(finite, ys, 0.0)
    fit = slope = np.full_like(ys, np.nan)
    for iteration in range(1 + (_ROBUST_ITERATIONS if robust else 0)):
        fit, slope = _weighted_line_fits(xs, y_filled, robustness, sigma)
        if iteration == _ROBUST_ITERATIONS or not robust:
            break
        residual = np.where(finite, ys - fit, 0.0)
        scale = 6.0 * float(np.median(np.abs(residual[finite]))) if finite.any() else 0.0
        if not scale > 0:
            break  # the fit is exact where it matters: nothing to down-weight
        u = np.clip(np.abs(residual) / scale, 0.0, 1.0)
        robustness = np.where(finite, (1.0 - u**2) ** 2, 0.0)
    return fit, slope


def _weighted_line_fits(
    x: NDArray[np.float64], y: NDArray[np.float64], weights: NDArray[np.float64], sigma: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fits a weighted line around every point; rows are processed in blocks to bound memory."""
    n = x.size
    fit = np.full(n, np.nan)
    slope = np.full(n, np.nan)
    half_width = int(np.ceil(4.0 * sigma))
    index = np.arange(n)
    for start in range(0, n, _BLOCK_ROWS):
        rows = index[start : start + _BLOCK_ROWS]
        lo, hi = max(0, rows[0] - half_width), min(n, rows[-1] + half_width + 1)
        cols = index[lo:hi]
        kernel = np.exp(-0.5 * ((cols[None, :] - rows[:, None]) / sigma) ** 2)
        kernel[np.abs(cols[None, :] - rows[:, None]) > half_width] = 0.0
        w = kernel * weights[None, lo:hi]
        dx = x[None, lo:hi] - x[rows, None]
        s0 = w.sum(axis=1)
        s1 = (w * dx).sum(axis=1)
        s2 = (w * dx * dx).sum(axis=1)
        t0 = (w * y[None, lo:hi]).sum(axis=1)
        t1 = (w * dx * y[None, lo:hi]).sum(axis=1)
        det = s0 * s2 - s1 * s1
        with np.errstate(divide="ignore", invalid="ignore"):
            # A near-singular design (one point in reach) falls back to the weighted mean.
            line_ok = det > 1e-12 * np.maximum(s0 * s2, 1e-300)
            mean = np.where(s0 > 0, t0 / s0, np.nan)
            fit[rows] = np.where(line_ok, (s2 * t0 - s1 * t1) / det, mean)
            slope[rows] = np.where(line_ok, (s0 * t1 - s1 * t0) / det, np.nan)
    return fit, slope
