"""Small batches and no momentum: why and how ``result.suggestion`` lowers the ``knee`` for them.

Gradient noise grows as the learning rate over the batch size (for SGD with momentum ``m``, as
``lr / (B * (1 - m))``: Smith & Le, arXiv 1710.06451), and with small batches the rate that trains
best falls well below the largest stable one (McCandlish et al., arXiv 1812.06162: ``lr_best =
lr_max / (1 + B_noise / B)``). A 100-step range test spends one or two updates at each rate: it
sees where the loss still falls over a few steps, not where hundreds of noisy steps stay stable,
so at small batches it reads the curve too high, and full training at the knee can collapse.

So when an optimizer update sees 32 examples or fewer, ``result.suggestion`` is the knee divided
by ``10 ** 0.5`` (half a decade: the resolution of the benchmark's grid; the factor was not
tuned). Measured on the quality benchmark (``benchmarks/RESULTS.md``; regret of the plain knee
against the corrected one, same range tests):

* Chosen on rounds 0-7 for momentum SGD only: it improved or kept all 8 such tasks there (the
  MNIST-1D CNN 29 to 5 points, the batch-16 CNN 28 to 10, the deep tanh MLP 22 to 1.4, the tanh
  regression 71% to 12%, the diabetes regression 7.8% to -0.1%), while at batches of 128 and 256
  the same factor cost 6 points and 168%, and at 64 it changed nothing that matters.
* Round 8, held out: of its three momentum-SGD tasks at batch 16-32 it fixed one (a regression,
  313% to 58%), left one alone (0.2 to 0.4 points) and cost one 5 points (a LayerNorm MLP whose
  knee sat right at the best rate). Its tasks that the rule then left alone said more: plain SGD
  at batch 32 (64.5 points at the knee, 8.6 corrected) and Adam at batch 16 (21.3 and 0.8).
* So the correction now applies to every optimizer (chosen after reading round 8). Over rounds
  0-8, the Adam-family tasks at batch 16-32 went from 199.6% to 96.8% (a noisy regression), 21.3
  to 0.8, 0.9 to 0.8 and 0.3% to 0.4% (the language model), and lost 2.2 points on a fine-tune
  and 1.4 on a residual MLP.
* Round 9, held out for that, was mixed: RMSprop at batch 16 0.75 to 0.45 points, a BatchNorm
  CNN with Adam 0.3 to 0.6, a residual MLP with SGD -0.8 to 2.7, a noisy AdamW regression 388%
  to 279%. Round 10, held out too: its four accuracy tasks at batch 8-32 lost 0.06 points on
  average (worst 0.35; uncorrected -0.24, worst 0.26), its regression with Adam at batch 16 18%
  (429% uncorrected). The correction trades a few tenths of a point, now and then a few points,
  where the knee was right for the collapses where it was not.

**Without momentum.** Optimizers that record a momentum of exactly 0 (torch's and Keras's
RMSprop by default, plain SGD) get the same factor again, on top of the small-batch one
(``x0.10 for batch 16, without momentum``). Every update of such an optimizer carries the
gradient's noise in full, where momentum (or Adam's first moment) averages it over about ten
steps; like a small batch, that is noise a 100-step test does not see pile up. The evidence is
empirical, and the reason a plausible reading of it: on rounds 0-13 of the benchmark every such
task wanted a lower rate than the corrected knee or did not care (regret at the knee, then with
the factor: Friedman #1 with RMSprop 127% to 31%, diabetes with RMSprop 40% to 26%, a GRU with
RMSprop 54 to 42 points, plain SGD on a 1-D CNN 8.6 to 6.6, three RMSprop MLPs and CNNs within
0.5 points either way). Round 14, six momentum-free tasks held out for it: 12.9 points and
134% excess loss uncorrected, 3.9 points and 18% with the factor (plain SGD on an MLP at batch
16 34.0 to 0.2 points, Friedman #3 with RMSprop 369% to 44%, diabetes with plain SGD 34% to
10%); it cost one task, a 1-D CNN with RMSprop at batch 128 (1.8 to 11.0 points).

**On a curve that never clearly descends** the ``knee`` already suggests a quarter decade below
where the loss starts to climb (:meth:`lrfinder.suggest.Curve.below_climb`), for much the same
worry. Where that climb is seen early (a quiet plateau, as recurrent and unnormalised networks
show) the small-batch correction replaces the back-off instead of stacking on it, and the
no-momentum one multiplies the result; where the climb is seen late (a noisy regression) all
of them apply. The split was measured with 20 seeds per task (``benchmarks/STACKING.md``):
quiet plateaus at small batches did better without the stacking (12 of 15 tasks), those
without momentum with it (7 of 7, then 6 of the 8 tasks of round 29, held out for it);
``lrfinder.suggest.knee`` has the figures.

The correction needs the batch: the adapters record ``batch_size``, ``accumulation_steps`` and,
under torch.distributed, ``global_batch_size`` in ``result.metadata``. The bare rule functions of
:mod:`lrfinder.suggest` see only the curve and never apply it; neither does a result whose
metadata does not give the batch (``lrfinder.range_test(..., metadata={"batch_size": 16})`` can).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Multiplies the ``knee`` at small batches: half a decade lower.
SMALL_BATCH_FACTOR = 10**-0.5
#: Multiplies the ``knee`` for optimizers that record a momentum of 0 (RMSprop, plain SGD).
NO_MOMENTUM_FACTOR = 10**-0.5
#: The largest effective batch (examples per optimizer update) that counts as small.
SMALL_BATCH = 32
#: The rules the correction was measured for.
CORRECTED_METHODS = ("knee",)


def effective_batch(metadata: Mapping[str, Any]) -> int | None:
    """Examples per optimizer update: the global batch under torch.distributed, else the
    batch size times the accumulation steps; None when the metadata does not say.

    Example:
        >>> effective_batch({"batch_size": 8, "accumulation_steps": 4})
        32
    """
    global_batch = metadata.get("global_batch_size")
    if _is_count(global_batch):
        return int(global_batch)
    batch = metadata.get("batch_size")
    if not _is_count(batch):
        return None
    accumulation = metadata.get("accumulation_steps", 1)
    return int(batch) * (int(accumulation) if _is_count(accumulation) else 1)


def small_batch(metadata: Mapping[str, Any]) -> bool:
    """Whether each optimizer update saw 32 examples or fewer.

    Example:
        >>> small_batch({"batch_size": 16}), small_batch({"batch_size": 64}), small_batch({})
        (True, False, False)
    """
    batch = effective_batch(metadata)
    return batch is not None and batch <= SMALL_BATCH


def without_momentum(metadata: Mapping[str, Any]) -> bool:
    """Whether the optimizer records a momentum of exactly 0 (RMSprop's default, plain SGD).

    Adam-style optimizers record ``betas`` (or ``beta_1``) instead and never count; neither
    does an optimizer whose momentum the metadata does not give.

    Example:
        >>> without_momentum({"optimizer_hyperparameters": {"momentum": 0}})
        True
        >>> without_momentum({"optimizer_hyperparameters": {"momentum": 0.9}})
        False
    """
    hyper = metadata.get("optimizer_hyperparameters")
    if not isinstance(hyper, Mapping):
        return False
    momentum = hyper.get("momentum")
    number = isinstance(momentum, (int, float)) and not isinstance(momentum, bool)
    return number and momentum == 0


def correction_factors(method: str, metadata: Mapping[str, Any]) -> tuple[float, float]:
    """``(small_batch, no_momentum)``: the two factors :func:`correction` multiplies, each 1.0
    where it does not apply. They are kept apart because they act differently below the climb
    of a quiet curve (:meth:`lrfinder.suggest.Curve.below_climb`).

    Example:
        >>> correction_factors("knee", {"batch_size": 64, "optimizer_hyperparameters": {"momentum": 0}})
        (1.0, 0.31622776601683794)
    """
    if method not in CORRECTED_METHODS:
        return 1.0, 1.0
    return (
        SMALL_BATCH_FACTOR if small_batch(metadata) else 1.0,
        NO_MOMENTUM_FACTOR if without_momentum(metadata) else 1.0,
    )


def correction(method: str, metadata: Mapping[str, Any]) -> tuple[float, str]:
    """``(factor, note)`` for a suggestion by ``method``: ``(1.0, "")`` when nothing applies.

    Example:
        >>> correction("knee", {"batch_size": 16})
        (0.31622776601683794, 'x0.32 for batch 16')
        >>> correction("knee", {"batch_size": 16, "optimizer_hyperparameters": {"momentum": 0}})
        (0.1, 'x0.10 for batch 16, without momentum')
    """
    small, no_momentum = correction_factors(method, metadata)
    reasons = []
    if small != 1.0:
        reasons.append(f"for batch {effective_batch(metadata)}")
    if no_momentum != 1.0:
        reasons.append("without momentum")
    if not reasons:
        return 1.0, ""
    factor = small * no_momentum
    return factor, f"x{factor:.2f} " + ", ".join(reasons)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
