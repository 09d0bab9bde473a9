"""Does the cache still match the code? A check of every task's cached range tests.

Usage (from the repository root)::

    python benchmarks/cache_drift.py            # the table, from the cache and one forward pass
    python benchmarks/cache_drift.py --write    # and record it in CACHE_DRIFT.md

Every figure in RESULTS.md is replayed from ``benchmarks/cache/``, trained over many sessions on
several machines. A cached range test's first loss is the loss of the seed's initial weights on
its first batch, before any step: it depends only on the task's data, model builder (a pretrained
body included) and seed, so recomputing it now, with no training, tells whether the cache was made
from the same starting point as the code builds today. Per task and seed the relative difference
is ``|now - cached| / |cached|``; a task *drifts* where any seed differs by more than 1e-4
(float32 forward passes on one machine agree to about 1e-7).

Found when it was written (round 41): 14 of the 346 tasks drift, every one a fine-tune whose
pretrained body was trained in an earlier session: the eight digits-CNN fine-tunes of rounds 32-39
that keep the head (0.05-1.1% per seed; seed 0 starts at 3.7211 cached against 3.7137 now), and
round 39's fine-tunes of the MNIST-1D CNN, the BatchNorm digits CNN and the prose LM (0.005-0.2%).
Every task trained from scratch matches, and so do round 0's digits fine-tune, round 39's MLP
fine-tunes and round 40's fresh-head twins. The code building the digits body did not change (its
version at round 32 gives today's value), the thread count does not move it, and with oneDNN
turned off it gives a third value (3.7184): the likely cause is another machine's convolution and
attention kernels, whose rounding the pretraining steps amplify. Those figures stand as cached; a
cache-free rerun on another machine would move them by tenths of a point, as reruns of any
training do.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import torch

import quality as q
from cache_store import Store
from tasks import ROUND_OF, TASKS, batches

#: Relative difference above which a cached first loss is not the code's (see the docstring).
TOLERANCE = 1e-4


def first_loss(name: str, seed: int) -> float:
    """The loss of the seed's initial weights on its first batch, as the range test sees it."""
    task = TASKS[name]
    model = task.model(seed)
    model.train()
    x, y = next(batches(task, seed))
    with torch.no_grad():
        return float(task.loss(model(x), y))


def tables(names: Sequence[str], train: bool) -> list[str]:
    del train  # nothing to train: one forward pass per seed
    drifting = []
    for name in names:
        store = Store(f"curves_{name}")  # read only: q.curve would run a missing test
        diffs = []
        for seed in q.RANGE_SEEDS:
            if (key := q.range_test_key(seed)) in store:
                cached = store.get(key)["losses"][0]
                diffs.append(abs(first_loss(name, seed) - cached) / abs(cached))
        if diffs and max(diffs) > TOLERANCE:
            drifting.append((name, diffs))
    lines = [
        f"Tasks whose cached range tests start from another point than the code builds today "
        f"(relative difference of the first loss over {TOLERANCE:g} on some seed): "
        f"{len(drifting)} of {len(names)}.",
        "",
        "| task | round | relative difference of the first loss, per seed |",
        "|---|---|---|",
    ]
    for name, diffs in drifting:
        cells = ", ".join(f"{d:.1e}" for d in diffs)
        lines.append(f"| {name} | {ROUND_OF[name]} | {cells} |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    return q.study_main(argv, __doc__, tables, "CACHE_DRIFT.md", "Does the cache match the code?")


if __name__ == "__main__":
    sys.exit(main())
