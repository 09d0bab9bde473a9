"""The range test's second reading: how far one unit of learning rate moves the weights.

Every rule reads the loss against the rate. The optimizer also shows, at each step, how large a
step it took: early in the test, while steps are small, the relative update ``|dw| / |w|`` grows
in proportion to the rate, and its ratio to the rate, the *sensitivity* ``k``, says how far one
unit of learning rate moves this model under this optimizer (for Adam about ``1 / rms(w)``; for
SGD the gradient's scale over the weights'). On the quality benchmark the grid's best rate makes a
step of a typical relative size per optimizer family, ``10**c``, so ``10**c / k`` predicts it from
the first few dozen steps, with no reading of the curve at all.

The two readings err differently: the curve's knee scatters from seed to seed and misses clean
regressions by half a decade, while ``k`` is nearly the same on every seed and knows nothing of
the task's difficulty. The default suggestion is their geometric mean (:func:`blend`), applied
by :meth:`lrfinder.RangeTestResult.suggest` to the ``knee`` wherever the adapter measured ``k``
(``metadata["update_sensitivity"]``; the PyTorch and Keras adapters do, the JAX one when given
``params=``) and the optimizer has a fitted constant. Elsewhere the knee stands alone.

Evidence (``benchmarks/grad_signals.py``, ``GRAD_SIGNALS.md``): the constants below were fitted
on rounds 0-28 of the benchmark (203 tasks); on the 43 tasks of rounds 29-32, held out for them
and scored by exact training on five seeds each, the blend lost 6.44 accuracy points on average
(worst task 69.5) against the knee's 10.61 (84.5), and 22.3% excess loss (worst 66.1%) against
27.2% (89.1%), passing a decision rule stated before those rounds were read. Its seeds agree
more: 168 of 246 tasks within 2x, against 88 (``lr_find``'s default, after round 41: 228 of 346,
against 113).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

#: Relative updates below this are float32 rounding noise; above it a step may already respond
#: nonlinearly. Between the two the update grows in proportion to the rate.
LINEAR_BAND = (1e-5, 1e-3)
#: Measuring (a copy of the weights per step) stops after this many steps in a row at or above
#: the band's top: the ladder has left the band for good. One noisy step is not yet the end of
#: it. On the benchmark's 1230 range tests this measures 47 steps of 100 on average and moves
#: the reading by more than 0.01 decade on 2.8% of them (at most 0.13) against reading every
#: step, the way ``benchmarks/grad_signals.py`` fitted the constants.
STOP_AFTER = 2
MIN_SAMPLES = 3
#: The rules the blend applies to: the default's (the others are the peers' readings, kept as
#: they read the curve).
BLENDED_METHODS = ("knee",)
#: log10 of the relative step the benchmark's best rates take, per optimizer family: the median
#: over the 203 tasks of rounds 0-28 and five seeds each of log10(best rate x k)
#: (``benchmarks/grad_signals.py``). Families without a constant get no blend.
TYPICAL_STEP_LOG10: dict[str, float] = {
    "Adam": -0.94,
    "AdamW": -0.85,
    "RMSprop": -1.55,
    "SGD": -1.45,
    "SGD, no momentum": -2.07,
}


class SensitivityMeter:
    """Collects ``|dw| / (|w| lr)`` over the steps whose relative update is in the linear band.

    An adapter asks :attr:`measuring` before a step (measuring costs one copy of the weights),
    then reports the step with :meth:`add`.

    Example:
        >>> meter = SensitivityMeter()
        >>> for lr in (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2):  # the last two leave the band
        ...     meter.add(lr, weight_norm=2.0, update_norm=2.0 * 0.5 * lr)
        >>> meter.value(), meter.measuring
        (0.5, False)
    """

    def __init__(self) -> None:
        self.samples: list[float] = []
        self.measuring = True
        self._above = 0

    def add(self, lr: float, weight_norm: float, update_norm: float) -> None:
        if not self.measuring or not (lr > 0 and weight_norm > 0 and math.isfinite(update_norm)):
            return
        relative = update_norm / weight_norm
        low, high = LINEAR_BAND
        if low < relative < high:
            self.samples.append(relative / lr)
            self._above = 0
        elif relative >= high:
            self._above += 1
            self.measuring = self._above < STOP_AFTER

    def give_up(self) -> None:
        """No reading at all (an adapter that cannot measure this run): the samples so far are
        dropped, measuring stops, and the knee stands alone."""
        self.samples.clear()
        self.measuring = False

    def value(self) -> float | None:
        """The median sensitivity, or None with fewer than :data:`MIN_SAMPLES` steps in band."""
        if len(self.samples) < MIN_SAMPLES:
            return None
        return float(np.median(self.samples))


def optimizer_family(metadata: Mapping[str, Any]) -> str:
    """The key of :data:`TYPICAL_STEP_LOG10`: the optimizer's class name, with SGD without
    momentum apart (it takes steps ten times smaller at its best rate).

    Two setups read ``k`` on another scale than the one the constants were fitted on, and get
    families without a constant (the knee then stands alone):

    * RMSprop with a smoothing constant other than 0.99 (torch's ``alpha``, Keras' ``rho``,
      optax's ``decay``) or with momentum. RMSprop has no bias correction, so during the early
      steps that ``k`` is read on its squared-gradient average is still filling up, by an amount
      the constant sets: Keras' default ``rho=0.9`` reads ``k`` half as large as torch's default
      on the same model, while the rate that trains best barely depends on it.
    * SGD with momentum in Keras without a recorded :func:`momentum_lag` (a linear ladder).
    """
    name = str(metadata.get("optimizer", ""))
    hyper = metadata.get("optimizer_hyperparameters")
    hyper = hyper if isinstance(hyper, Mapping) else {}
    if name == "SGD" and not hyper.get("momentum"):
        return "SGD, no momentum"
    if name == "SGD" and metadata.get("framework") == "keras" and momentum_lag(metadata) == 1.0:
        return "SGD, velocity form"
    if name == "RMSprop":
        smoothing = hyper.get("alpha", hyper.get("rho", hyper.get("decay", 0.99)))
        if hyper.get("momentum") or smoothing != 0.99:
            return "RMSprop, other settings"
    return name


def momentum_lag(metadata: Mapping[str, Any]) -> float:
    """``metadata["momentum_lag"]``, or 1.0 where there is none (or it is not a factor in
    (0, 1]).

    Keras' SGD keeps a velocity that sums past steps, each taken at its own rate; torch's keeps
    a buffer of gradients that the current rate scales. At a steady rate the two are the same
    update, so they train alike. On the range test's exponential ladder (ratio ``q`` per step)
    the velocity lags: at rate ``lr`` Keras takes the step torch takes at ``lr * lag``, with
    ``lag = (1 - m) / (1 - m / q)`` for momentum ``m`` (``(1 - m)(1 + m - m / q) / (1 - m / q)``
    with Nesterov), 0.40 for ``m = 0.9`` on the default ladder. So Keras' whole curve, its knee
    and its step-size reading sit ``1 / lag`` away from torch's on the same model; the Keras
    adapter records the lag, the knee is multiplied by it (:meth:`RangeTestResult.suggest`) and
    ``k`` divided by it (:func:`scale_rate`), which puts both on the scale the benchmark
    measured. On twin digits MLPs Keras read ``k`` at 0.39-0.42 of torch's
    (``benchmarks/keras_momentum_lag.py``)."""
    lag = metadata.get("momentum_lag")
    if isinstance(lag, (int, float)) and not isinstance(lag, bool) and 0 < lag <= 1:
        return float(lag)
    return 1.0


def scale_rate(metadata: Mapping[str, Any]) -> float | None:
    """``10**c / k``: the rate the sensitivity alone predicts, or None where it cannot (no
    measured ``k``, or an optimizer without a fitted constant)."""
    k = metadata.get("update_sensitivity")
    constant = TYPICAL_STEP_LOG10.get(optimizer_family(metadata))
    if constant is None or not isinstance(k, (int, float)) or not (math.isfinite(k) and k > 0):
        return None
    return 10**constant * momentum_lag(metadata) / float(k)


def blend(lr: float, metadata: Mapping[str, Any]) -> tuple[float, str]:
    """``(geometric mean of lr and the scale rate, note)``; ``(lr, "")`` where there is none.

    Example:
        >>> meta = {"optimizer": "Adam", "update_sensitivity": 10**-0.94 / 1e-3}
        >>> lr, note = blend(1e-2, meta)
        >>> f"{lr:.2g}", note
        ('0.0032', 'blended with the step-size reading 0.001')
    """
    scale = scale_rate(metadata)
    if scale is None:
        return lr, ""
    return math.sqrt(lr * scale), blend_note(scale)


def blend_note(scale: float) -> str:
    """How a suggestion's note names the blend."""
    return f"blended with the step-size reading {scale:.3g}"


def lag_note(lag: float) -> str:
    """How a suggestion's note names the :func:`momentum_lag` it took out."""
    return f"x{lag:.2f} for Keras' momentum lag on the ladder"
