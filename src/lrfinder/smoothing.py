"""Smoothing of a range-test curve: a causal EMA for the stop rule, a zero-lag smoother for analysis.

Why two smoothers: the stop rule must decide *during* the run, so it can only look back (causal).
fastai's EMA with ``beta=0.98`` has a mean delay of ``beta / (1 - beta) = 49`` steps: on a
100-step sweep from 1e-7 to 10 that moves the curve by several decades, and every feature read
off it (steepest point, minimum) lands too far right. Once the run is over we can look both ways,
so analysis uses local polynomial regression (LOESS), which has no lag at all.
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
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Returns the zero-lag smoothed curve and its slope ``dy/dx`` at every point.

    Local polynomial regression (LOESS) with Gaussian weights
    ``exp(-((j - i) / sigma_points) ** 2 / 2)`` over the point index ``j``, so the kernel is
    symmetric even where the ladder is uneven: the *value* at ``i`` is that of a weighted local
    quadratic (it follows the sharp knee where a range-test curve starts to fall, which a local
    line cuts off), the *slope* that of a weighted local line (the same as the quadratic's in the
    interior, and steadier at the ends). Non-finite ``y`` get zero weight.

    There is deliberately no outlier down-weighting (Cleveland's bisquare with one global
    scale): the noise of a range test grows along the curve, so a global scale treats the knee and
    the divergence as outliers and smooths them away, which is the very bug users complain of.

    The result is equivariant: ``a * y + b`` gives ``a * fit + b`` and ``a * slope``.

    Args:
        x: Coordinates, usually ``log(lr)``.
        y: Values (losses); may hold NaN or inf.
        sigma_points: Kernel width in points, > 0.

    Returns:
        ``(fit, slope)``, two float64 arrays shaped like ``y``; NaN where no finite neighbour exists.

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
    weights = finite.astype(np.float64)
    y_filled = np.where(finite, ys, 0.0)
    x_filled = np.where(np.isfinite(xs), xs, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # curves near 1e300 overflow into NaN: fine
        return _local_fits(x_filled, y_filled, weights, sigma)


def kernel_rows(
    n: int, rows: NDArray[np.int64], sigma_points: float
) -> tuple[int, int, NDArray[np.float64]]:
    """Returns the smoother's Gaussian weights for ``rows`` over the columns ``[lo, hi)`` they reach.

    ``(lo, hi, kernel)`` with ``kernel[r, j] = exp(-((lo + j - rows[r]) / sigma_points) ** 2 / 2)``,
    cut at four widths. The standard errors in :mod:`lrfinder.suggest` use these same weights,
    so their formulas describe this smoother.
    """
    half_width = int(np.ceil(4.0 * sigma_points))
    lo, hi = max(0, int(rows[0]) - half_width), min(n, int(rows[-1]) + half_width + 1)
    distance = np.arange(lo, hi)[None, :] - rows[:, None]
    kernel = np.exp(-0.5 * (distance / sigma_points) ** 2) * (np.abs(distance) <= half_width)
    return lo, hi, kernel


def _local_fits(
    x: NDArray[np.float64], y: NDArray[np.float64], weights: NDArray[np.float64], sigma: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weighted local quadratic (value) and line (slope) around every point, in row blocks."""
    n = x.size
    fit = np.full(n, np.nan)
    slope = np.full(n, np.nan)
    index = np.arange(n)
    for start in range(0, n, _BLOCK_ROWS):
        rows = index[start : start + _BLOCK_ROWS]
        lo, hi, kernel = kernel_rows(n, rows, sigma)
        w = kernel * weights[None, lo:hi]
        # Centre and scale the coordinate per row so the normal equations stay well conditioned.
        dx = x[None, lo:hi] - x[rows, None]
        unit = np.sqrt((w * dx * dx).sum(axis=1) / np.maximum(w.sum(axis=1), 1e-300))
        unit = np.where(unit > 0, unit, 1.0)
        u = dx / unit[:, None]
        m = [(w * u**k).sum(axis=1) for k in range(5)]
        t = [(w * u**k * y[None, lo:hi]).sum(axis=1) for k in range(3)]
        line_value, line_slope, line_ok = _solve_line(m, t)
        quad_value, quad_ok = _solve_quadratic(m, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(m[0] > 0, t[0] / m[0], np.nan)
        fit[rows] = np.where(quad_ok, quad_value, np.where(line_ok, line_value, mean))
        slope[rows] = np.where(line_ok, line_slope / unit, np.nan)
    return fit, slope


def _solve_line(
    m: list[NDArray[np.float64]], t: list[NDArray[np.float64]]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    det = m[0] * m[2] - m[1] * m[1]
    ok = det > 1e-9 * np.maximum(m[0] * m[2], 1e-300)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (m[2] * t[0] - m[1] * t[1]) / det
        slope = (m[0] * t[1] - m[1] * t[0]) / det
    return value, slope, ok


def _solve_quadratic(
    m: list[NDArray[np.float64]], t: list[NDArray[np.float64]]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    normal = np.stack(
        [
            np.stack([m[0], m[1], m[2]], -1),
            np.stack([m[1], m[2], m[3]], -1),
            np.stack([m[2], m[3], m[4]], -1),
        ],
        -2,
    )
    rhs = np.stack([t[0], t[1], t[2]], -1)
    scale = np.maximum(np.abs(normal).max(axis=(-1, -2)), 1e-300)
    det = np.linalg.det(normal / scale[:, None, None])
    ok = np.abs(det) > 1e-9
    safe = np.where(ok[:, None, None], normal, np.eye(3))
    value = np.linalg.solve(safe, rhs[..., None])[..., 0, 0]
    return value, ok
