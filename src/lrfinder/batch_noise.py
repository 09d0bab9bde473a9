"""Small-batch SGD: why and how ``result.suggestion`` lowers the ``knee`` for it.

SGD's gradient noise grows as the learning rate over the batch size (with momentum ``m``, as
``lr / (B * (1 - m))``: Smith & Le, arXiv 1710.06451), and with small batches the rate that
trains best falls well below the largest stable one (McCandlish et al., arXiv 1812.06162:
``lr_best = lr_max / (1 + B_noise / B)``). A 100-step range test spends one or two updates at
each rate: it sees where the loss still falls over a few steps, not where hundreds of noisy steps
stay stable, so at small batches it reads the curve too high. On the quality benchmark
(``benchmarks/RESULTS.md``) the ``knee`` overshot on 5 of the 8 tasks trained with momentum SGD at
batches of 16 or 32 (by 22 to 29 accuracy points, 71% excess loss) and on none at 64 or more;
a third of the knee (half a decade lower) improved or kept every one of those 8 (for example the
MNIST-1D CNN 29 to 6 points, the small-batch tanh regression 71% to 12%). At batch 128 and 256
the same factor cost 6 points and 185%, and for Adam, AdamW and RMSprop (whose steps are
normalised) it made things worse at every batch size, so nothing else is changed.

The correction needs to know the optimizer and the batch: the adapters record them in
``result.metadata`` (``optimizer``, ``optimizer_hyperparameters["momentum"]``, ``batch_size``,
``accumulation_steps``, ``global_batch_size`` under torch.distributed). The bare rule functions
of :mod:`lrfinder.suggest` see only the curve and never apply it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Multiplies the ``knee`` for momentum SGD at small batches: half a decade lower.
SMALL_BATCH_SGD_FACTOR = 10**-0.5
#: The largest effective batch (examples per optimizer update) that counts as small.
SMALL_BATCH = 32
#: The rules the correction was measured for.
CORRECTED_METHODS = ("knee",)


def effective_batch(metadata: Mapping[str, Any]) -> int | None:
    """Examples per optimizer update: the global batch under torch.distributed, else the
    batch size times the accumulation steps; None when the metadata does not say."""
    global_batch = metadata.get("global_batch_size")
    if _is_count(global_batch):
        return int(global_batch)
    batch = metadata.get("batch_size")
    if not _is_count(batch):
        return None
    accumulation = metadata.get("accumulation_steps", 1)
    return int(batch) * (int(accumulation) if _is_count(accumulation) else 1)


def small_batch_sgd(metadata: Mapping[str, Any]) -> bool:
    """Whether the run used SGD with momentum at an effective batch of at most 32.

    Example:
        >>> small_batch_sgd({"optimizer": "SGD", "optimizer_hyperparameters": {"momentum": 0.9},
        ...                  "batch_size": 16, "accumulation_steps": 1})
        True
        >>> small_batch_sgd({"optimizer": "AdamW", "batch_size": 16})
        False
    """
    if metadata.get("optimizer") != "SGD":
        return False
    hyper = metadata.get("optimizer_hyperparameters")
    momentum = hyper.get("momentum") if isinstance(hyper, Mapping) else None
    if not (isinstance(momentum, (int, float)) and momentum > 0):
        return False  # plain SGD was not measured: its noise is 1 / (1 - m) times smaller
    batch = effective_batch(metadata)
    return batch is not None and batch <= SMALL_BATCH


def correction(method: str, metadata: Mapping[str, Any]) -> tuple[float, str]:
    """``(factor, note)`` for a suggestion by ``method``: ``(1.0, "")`` when nothing applies."""
    if method in CORRECTED_METHODS and small_batch_sgd(metadata):
        batch = effective_batch(metadata)
        return SMALL_BATCH_SGD_FACTOR, f"x{SMALL_BATCH_SGD_FACTOR:.2f} for SGD at batch {batch}"
    return 1.0, ""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
