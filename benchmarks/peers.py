"""The peers' suggestion rules, re-implemented from their published descriptions.

Each peer sees the raw record of a range test that only a non-finite loss stopped, and replays
what the peer itself does: its smoothing, its own divergence stop (which truncates the record),
its trimming and its rule. The loss at a step does not depend on whether a run would stop later,
so the replay is exact. Sources: ``shared/research/anchors-lrfinder.md`` (fastai, torch-lr-finder,
Lightning >= 2.5.3, ignite), re-written here in our own code.

Every function maps ``(lrs, losses) -> lr`` and returns ``nan`` where the peer gives no answer
(too few points), which the benchmark counts as the peer failing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

Rule = Callable[[Sequence[float], Sequence[float]], float]


# --- smoothing and stopping, as each peer does it ------------------------------------------------


def _debiased_ema(losses: np.ndarray, first_step: int, beta: float = 0.98) -> np.ndarray:
    """EMA debiased with ``1 - beta ** (step)``, the step counted from ``first_step``.

    fastai's AvgSmoothLoss counts from 1; Lightning's ``global_step + 1`` effectively from 2.
    """
    out = np.empty_like(losses)
    avg = 0.0
    for t, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out[t] = avg / (1 - beta ** (t + first_step))
    return out


def _seeded_smooth(losses: np.ndarray, smooth_f: float = 0.05) -> np.ndarray:
    """torch-lr-finder / ignite: EMA seeded with the first raw loss, no bias correction."""
    out = np.empty_like(losses)
    for t, loss in enumerate(losses):
        out[t] = loss if t == 0 else smooth_f * loss + (1 - smooth_f) * out[t - 1]
    return out


def _stop_at_ratio(smoothed: np.ndarray, factor: float) -> int:
    """Number of points kept by "stop once smoothed > factor x best smoothed" (the trigger kept)."""
    best = math.inf
    for t, value in enumerate(smoothed):
        if t > 0 and value > factor * best:
            return t + 1
        best = min(best, value)
    return len(smoothed)


def _lightning_stop(smoothed: np.ndarray, factor: float = 4.0) -> int:
    best = 0.0
    for t, value in enumerate(smoothed):
        global_step = t + 1
        if global_step > 1 and value > factor * best:
            return t + 1
        if value < best or global_step == 1:
            best = value
    return len(smoothed)


def _finite_prefix(lrs: Sequence[float], losses: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    lr = np.asarray(lrs, dtype=np.float64)
    loss = np.asarray(losses, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(loss))
    end = int(bad[0]) if bad.size else len(loss)
    return lr[:end], loss[:end]


# --- fastai ------------------------------------------------------------------------------------


def _fastai_curve(
    lrs: Sequence[float], losses: Sequence[float], num_it: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    lr, loss = _finite_prefix(lrs, losses)
    smoothed = _debiased_ema(loss, first_step=1)  # fastai
    keep = _stop_at_ratio(smoothed, 4.0)
    lr, smoothed = lr[:keep], smoothed[:keep]
    return lr[num_it // 10 : -5], smoothed[num_it // 10 : -5]


def fastai_valley(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """fastai ``valley``: ~half-way along the longest decreasing subsequence (taken as contiguous)."""
    lr, loss = _fastai_curve(lrs, losses)
    n = len(loss)
    if n < 2:
        return math.nan
    lds = [1] * n
    for i in range(1, n):
        for j in range(i):
            if loss[i] < loss[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
    max_end = int(np.argmax(lds))
    max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lr[idx])


def fastai_steep(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """fastai ``steep``: left end of the steepest forward difference against log(lr)."""
    lr, loss = _fastai_curve(lrs, losses)
    if len(loss) < 2:
        return math.nan
    grads = (loss[1:] - loss[:-1]) / (np.log(lr[1:]) - np.log(lr[:-1]))
    return float(lr[int(np.argmin(grads))])


def fastai_minimum(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """fastai ``minimum``: the lr at the smoothed minimum, divided by 10."""
    lr, loss = _fastai_curve(lrs, losses)
    if len(loss) < 1:
        return math.nan
    return float(lr[int(np.argmin(loss))] / 10)


def fastai_slide(
    lrs: Sequence[float], losses: Sequence[float], lr_diff: int = 15, thresh: float = 0.005
) -> float:
    """fastai ``slide``: scan left from the end until the gradient difference is below thresh."""
    lr, loss = _fastai_curve(lrs, losses)
    if len(loss) < 2:
        return math.nan
    gradients = np.gradient(loss)
    r_idx, l_idx = -1, -1 - lr_diff
    local_min_lr = lr[l_idx] if -l_idx <= len(lr) else lr[0]
    while l_idx >= -len(loss) and abs(gradients[r_idx] - gradients[l_idx]) > thresh:
        local_min_lr = lr[l_idx]
        r_idx -= 1
        l_idx -= 1
    return float(local_min_lr)


# --- torch-lr-finder, Lightning, ignite --------------------------------------------------------


def torch_lr_finder(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """torch-lr-finder: argmin of ``np.gradient`` (index spacing) of its smoothed curve, 10/5 trim."""
    lr, loss = _finite_prefix(lrs, losses)
    smoothed = _seeded_smooth(loss)
    keep = _stop_at_ratio(smoothed, 5.0)
    lr, smoothed = lr[:keep][10:-5], smoothed[:keep][10:-5]
    if len(smoothed) < 2:
        return math.nan
    return float(lr[int(np.argmin(np.gradient(smoothed)))])


def lightning(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """Lightning >= 2.5.3: argmin of the gradient against *linear* lr, skip 10 / 1."""
    lr, loss = _finite_prefix(lrs, losses)
    smoothed = _debiased_ema(loss, first_step=2)  # Lightning
    keep = _lightning_stop(smoothed)
    lr, smoothed = lr[:keep][10:-1], smoothed[:keep][10:-1]
    if len(smoothed) < 2:
        return math.nan
    return float(lr[int(np.argmin(np.gradient(smoothed, lr)))])


def ignite(lrs: Sequence[float], losses: Sequence[float]) -> float:
    """ignite: steepest central difference (index spacing) before the smoothed minimum."""
    lr, loss = _finite_prefix(lrs, losses)
    smoothed = _seeded_smooth(loss)
    keep = _stop_at_ratio(smoothed, 5.0)
    lr, smoothed = lr[:keep], smoothed[:keep]
    smoothed = smoothed[: int(np.argmin(smoothed)) + 1]
    if len(smoothed) < 3:
        return math.nan
    grads = 0.5 * (smoothed[2:] - smoothed[:-2])
    return float(lr[int(np.argmin(grads)) + 1])


PEER_RULES: dict[str, Rule] = {
    "fastai valley": fastai_valley,
    "fastai steep": fastai_steep,
    "fastai minimum": fastai_minimum,
    "fastai slide": fastai_slide,
    "torch-lr-finder": torch_lr_finder,
    "Lightning": lightning,
    "ignite": ignite,
}
