"""When a range test has diverged: a non-finite loss, or a smoothed loss that clearly climbed back.

The peers stop when the smoothed loss exceeds ``4 x best`` (fastai, Lightning) or ``5 x best``
(torch-lr-finder, ignite). That test breaks on negative losses (it fires at once) and on losses
near zero, and never fires on NaN. Ours measures the climb in units the curve itself provides:

    diverged  <=>  smoothed - best  >  stop_factor * max(start - best, noise_floor)

where ``smoothed`` is a debiased causal EMA of the raw losses, ``best`` its minimum so far,
``start`` the median of the first five raw losses and ``noise_floor`` six robust standard
deviations of the step-to-step noise. In words: stop once the loss has given back ``stop_factor``
of what it gained (half, by default, which is where fastai's 4x rule stops on a typical
cross-entropy curve falling from 2.3 to 0.3). Every quantity moves with ``a * loss + b``, so the
rule is invariant to it. The noise floor keeps the rule quiet on the flat, noisy start, where
``start - best`` is still zero; ``min_steps`` keeps it quiet until the noise can be estimated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import check_fraction, check_int, check_positive_finite
from .smoothing import CausalEMA

_START_POINTS = 5
_NOISE_MULTIPLE = 6.0
_MAD_TO_SD = 1.4826
_ROUNDING = 1e-10


@dataclass
class StopRule:
    """Decides, one loss at a time, whether a range test should stop.

    Args:
        stop_factor: Stop once the smoothed loss has climbed back this fraction of its descent
            (see the module docstring). ``None`` turns divergence stopping off; a non-finite loss
            still stops the run.
        beta: Weight of the past in the causal EMA, in [0, 1). Smaller reacts faster.
        min_steps: No divergence stop before this many points (default: 5% of the run, at least 5;
            never before ``1 / (1 - beta)`` points, when the EMA has settled).

    Example:
        >>> rule = StopRule(stop_factor=0.5)
        >>> losses = [3.0, 2.9, 3.1, 3.0, 2.8, 2.0, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 4.0, 9.0]
        >>> [rule.update(x) for x in losses][-3:]
        [None, None, 'diverged']
        >>> StopRule().update(float("nan"))
        'non-finite'
    """

    stop_factor: float | None = 0.5
    beta: float = 0.9
    min_steps: int | None = None
    _ema: CausalEMA = field(init=False, repr=False)
    _raw: list[float] = field(init=False, repr=False, default_factory=list)
    _best: float = field(init=False, repr=False, default=math.inf)
    _noise: float = field(init=False, repr=False, default=0.0)
    _settle: int = field(init=False, repr=False, default=1)

    def __post_init__(self) -> None:
        if self.stop_factor is not None:
            self.stop_factor = check_positive_finite(
                "stop_factor", self.stop_factor, hint="Use None to turn divergence stopping off."
            )
        self.beta = check_fraction("beta", self.beta, low_open=False)
        if self.min_steps is not None:
            self.min_steps = check_int("min_steps", self.min_steps, minimum=1)
        self._ema = CausalEMA(self.beta)
        self._settle = math.ceil(1.0 / (1.0 - self.beta))

    def for_run(self, num_steps: int) -> StopRule:
        """Returns a fresh copy of this rule (no state), with ``min_steps`` sized for the run."""
        min_steps = self.min_steps if self.min_steps is not None else max(5, num_steps // 20)
        return StopRule(stop_factor=self.stop_factor, beta=self.beta, min_steps=min_steps)

    def update(self, loss: float) -> str | None:
        """Adds one raw loss; returns ``"non-finite"``, ``"diverged"`` or ``None`` (go on)."""
        if not math.isfinite(loss):
            return "non-finite"
        self._raw.append(loss)
        smoothed = self._ema.update(loss)
        count = len(self._raw)
        if count >= self._settle:
            # The first EMA values average only a few points: as noisy as raw losses, they would
            # set a best no later value can match, and noise alone would then look like a climb.
            self._best = min(self._best, smoothed)
        if self.stop_factor is None or count < max(self.min_steps or 5, self._settle):
            return None
        if count <= 64 or count % max(1, count // 32) == 0:
            self._noise = _robust_noise_sd(self._raw)  # refreshed sparsely on long runs: O(n) each
        start = float(np.median(self._raw[:_START_POINTS]))
        # Rounding in the EMA must not count as a climb: a floor far below any real signal.
        rounding = _ROUNDING * max(abs(start), abs(smoothed))
        scale = max(start - self._best, _NOISE_MULTIPLE * self._noise, rounding)
        if scale > 0 and smoothed - self._best > self.stop_factor * scale:
            return "diverged"
        return None


def _robust_noise_sd(values: list[float]) -> float:
    """Estimates the standard deviation of point-to-point noise from first differences (MAD)."""
    diffs = np.abs(np.diff(np.asarray(values, dtype=np.float64)))
    if diffs.size == 0:
        return 0.0
    return float(_MAD_TO_SD * np.median(diffs) / math.sqrt(2.0))
