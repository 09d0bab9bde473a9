"""Analytic range-test curves whose steepest point and minimum are known.

Each curve is a loss as a function of ``x = log10(lr)``: a smooth drop (a tanh step centred at
``drop_at``) followed by an exponential blow-up that starts around ``blowup_at``. The steepest
point and the minimum are found by evaluating the closed form on a grid 1000x finer than any
ladder used in the tests, which is exact to well under a rung.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class AnalyticCurve:
    """``loss(x) = top - depth * tanh((x - drop_at) / width) + rise * exp((x - blowup_at) / scale)``.

    Attributes:
        name: Shown in test ids.
        top: Level around which the tanh step is centred.
        depth: Half the height of the drop.
        drop_at: Centre of the drop in log10(lr): the steepest point when the blow-up is far.
        width: Width of the drop in decades.
        rise: Size of the blow-up term at ``blowup_at``.
        blowup_at: Where the blow-up term equals ``rise``, in log10(lr).
        scale: Decades over which the blow-up grows e-fold.
    """

    name: str
    top: float = 2.0
    depth: float = 1.0
    drop_at: float = -3.0
    width: float = 0.5
    rise: float = 1.0
    blowup_at: float = -0.5
    scale: float = 0.3

    def loss(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        drop = self.top - self.depth * np.tanh((x - self.drop_at) / self.width)
        return drop + self.rise * np.exp((x - self.blowup_at) / self.scale)

    def losses(self, lrs: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.loss(np.log10(lrs))

    @cached_property
    def _fine(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x = np.linspace(-8.0, 2.0, 200_001)
        return x, self.loss(x)

    @property
    def minimum_x(self) -> float:
        """log10 of the learning rate at the minimum of the loss."""
        x, y = self._fine
        return float(x[np.argmin(y)])

    @property
    def steepest_x(self) -> float:
        """log10 of the learning rate where the loss falls fastest, before the minimum."""
        x, y = self._fine
        slope = np.gradient(y, x)
        before = x <= self.minimum_x
        return float(x[before][np.argmin(slope[before])])


CURVES = (
    AnalyticCurve("adam-like"),
    AnalyticCurve("sgd-like", drop_at=-1.5, width=0.3, blowup_at=0.3, scale=0.15),
    AnalyticCurve("wide-valley", drop_at=-4.0, width=0.6, blowup_at=0.5, scale=0.4),
    AnalyticCurve("negative-loss", top=-3.0, depth=0.2, drop_at=-2.5, blowup_at=-0.8, rise=0.1),
)


def ladder(
    start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 100
) -> NDArray[np.float64]:
    """The exponential ladder of a range test (same formula as ``lrfinder.ladder``)."""
    return start_lr * (end_lr / start_lr) ** (np.arange(num_steps) / (num_steps - 1))


def plateau_then_climb(
    seed: int, *, climb_at: float = -2.0, noise: float = 0.02, rise: float = 0.4
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A model that never starts learning: flat noise at 2.3, then the loss climbs from
    ``10**climb_at`` until a stop rule at twice the start ends the run."""
    lrs = ladder()
    past = np.maximum(0.0, np.log10(lrs) - climb_at)
    rng = np.random.default_rng(seed)
    losses = 2.3 + rise * past + 0.3 * past**2 + noise * rng.standard_normal(lrs.size)
    over = np.flatnonzero(losses > 2 * 2.3)
    end = int(over[0]) + 1 if over.size else lrs.size
    return lrs[:end], losses[:end]


def truncate_at_blowup(
    lrs: NDArray[np.float64], losses: NDArray[np.float64], factor: float = 3.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cuts a curve once the loss exceeds ``factor`` times its start, as a stop rule would."""
    over = np.flatnonzero(losses - losses.min() > factor * (losses[0] - losses.min()))
    end = int(over[0]) + 1 if over.size else len(losses)
    return lrs[:end], losses[:end]
