"""Where does the default's regret come from: suggestions too high, or too low? (A map, no rule.)

Usage (from the repository root)::

    python benchmarks/miss_direction.py            # the tables, from the cache
    python benchmarks/miss_direction.py --write    # and record them in MISS_DIRECTION.md

Every seed of every task is placed by how far the default's suggestion (``lr_find`` as it runs
by default, replayed by ``quality.score_auto``) sits from the grid's best rate (the two-seed
best of ``quality.ground_truth``): more than a grid step (half a decade) below it, within a step
below, within a step above, or more than a step above. For each band the tables give the seeds,
their mean regret and the share of the family's summed regret that they carry, with the misses
(over 2 points, or 10% excess loss) counted apart. Nothing here changes a suggestion: the map
says which direction a future candidate should look in, and how much regret it could reach.

Written after round 35 was scored; the first table reads rounds 0-34, the rounds every earlier
change was read on, the second round 35 alone, which no change has read.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence

import numpy as np

import quality as q
from tasks import ROUND_OF, TASKS

#: (label, lowest ratio suggestion / best, highest): a grid step is half a decade.
STEP = 10**0.5
BANDS = (
    ("over a step below", 0.0, 1 / STEP),
    ("within a step below", 1 / STEP, 1.0),
    ("within a step above", 1.0, STEP),
    ("over a step above", STEP, math.inf),
)
SPLITS = {"rounds 0-34": range(35), "round 35 (held out)": range(35, 36)}
MISS = {"accuracy": 2.0, "loss": 10.0}


def seeds(names: Sequence[str]) -> list[tuple[str, float, float]]:
    """(task, suggestion / best grid rate, regret) for every scored seed of the default."""
    out = []
    for name in names:
        task = TASKS[name]
        runs = q.Runs(task, train_missing=False)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)
        row = q.score_auto(task, truth, runs, q.RANGE_SEEDS)
        if len(row.regrets) < len(row.lrs):  # a seed's training is not cached: which one is unknown
            q.log(f"{name}: {len(row.regrets)} of {len(row.lrs)} seeds cached; left out")
            continue
        # A seed without a suggestion (nan) scores as diverged; it counts as too high.
        out += [
            (name, lr / truth.best_lr if math.isfinite(lr) else math.inf, regret)
            for lr, regret in zip(row.lrs, row.regrets, strict=True)
        ]
    return out


def tables(records: list[tuple[str, float, float]]) -> list[str]:
    lines = [
        'Seeds of the default (`runs="auto"`) by where the suggestion sits against the grid\'s '
        "best rate (a grid step is half a decade): count, mean regret (accuracy points, or % "
        "excess loss), the share of the family's summed regret, and the misses (over 2 points "
        "or 10%).",
        "",
        "| rounds | family | band | seeds | mean regret | share of regret | misses |",
        "|---|---|---|---|---|---|---|",
    ]
    for split, rounds in SPLITS.items():
        members = set(rounds)
        for metric in ("accuracy", "loss"):
            chosen = [
                (ratio, regret)
                for name, ratio, regret in records
                if TASKS[name].metric == metric and ROUND_OF[name] in members
            ]
            if not chosen:
                continue
            total = sum(regret for _, regret in chosen)
            for label, low, high in BANDS:
                band = [regret for ratio, regret in chosen if low <= ratio < high]
                if not band:
                    continue
                share = f"{100 * sum(band) / total:.0f}%" if total > 0 else "–"
                misses = sum(regret > MISS[metric] for regret in band)
                lines.append(
                    f"| {split} | {metric} | {label} | {len(band)} | {np.mean(band):.2f} | "
                    f"{share} | {misses} |"
                )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    return q.study_main(
        argv,
        __doc__,
        lambda names, train: tables(seeds(names)),
        "MISS_DIRECTION.md",
        "Where the default's regret comes from: too high or too low",
    )


if __name__ == "__main__":
    sys.exit(main())
