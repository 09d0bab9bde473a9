"""How far below the climb should `knee` suggest on a curve that never clearly descends?

Usage (from the repository root; everything is read from ``benchmarks/cache/``)::

    python benchmarks/climb_backoff.py                  # factors 1, 10**0.25, 10**0.5
    python benchmarks/climb_backoff.py --train          # and train what the cache lacks

For each factor, ``lrfinder.suggest._CLIMB_BACKOFF`` is set to it and the default
(``runs="auto"``, replayed from the cached 5-run tests as in ``quality.py``) is scored on every
task: factor 1 is the rule until round 23 (the climb itself), 10**0.25 the rule since. Only the
curves that never clearly descend move. Prints, per factor, the mean and worst regret of each
family over all tasks, over the rounds the factor was chosen on (0-23) and over the rounds held
out for it (24 on), and how many seeds' runs were missing from the cache (``--train`` trains
them).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import numpy as np

import quality as q
from lrfinder import suggest
from tasks import ROUNDS, TASKS

FACTORS = (1.0, 10**0.25, 10**0.5)
CHOSEN_ON = range(24)  # rounds 0-23 were read to choose the factor


def task_means(
    factors: Sequence[float], *, train: bool
) -> tuple[dict[float, dict[str, float]], int]:
    """Mean regret of the default per task for each back-off factor, and the seeds not scored.

    Each task's runs and ground truth are read once for every factor."""
    means: dict[float, dict[str, float]] = {factor: {} for factor in factors}
    missing = 0
    saved = suggest._CLIMB_BACKOFF
    try:
        for name, task in TASKS.items():
            runs = q.Runs(task, train_missing=train)
            truth = q.ground_truth(task, runs, q.GRID_SEEDS)
            for factor in factors:
                suggest._CLIMB_BACKOFF = factor
                row = q.score_auto(task, truth, runs, q.RANGE_SEEDS)
                missing += len(q.RANGE_SEEDS) - len(row.regrets)
                if row.regrets:
                    means[factor][name] = row.mean
    finally:
        suggest._CLIMB_BACKOFF = saved
    return means, missing


def family(means: dict[str, float], names: Sequence[str], accuracy: bool) -> str:
    values = [means[n] for n in names if n in means and TASKS[n].higher_is_better == accuracy]
    if not values:
        return "–"
    unit = "" if accuracy else "%"
    return f"{np.mean(values):.2f}{unit} ({max(values):.1f}{unit})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--factors", type=float, nargs="*", default=list(FACTORS))
    parser.add_argument("--train", action="store_true", help="train what the cache lacks")
    args = parser.parse_args(argv)

    chosen = [n for r in CHOSEN_ON for n in ROUNDS[r][1]]
    held_out = [n for r in ROUNDS if r not in CHOSEN_ON for n in ROUNDS[r][1]]
    groups = {"all tasks": list(TASKS), "rounds 0-23": chosen, "held out": held_out}
    heads = " | ".join(f"{g}: accuracy (worst) | {g}: loss (worst)" for g in groups)
    print(f"| back-off below the climb | {heads} |")
    print("|---|" + "---|" * (2 * len(groups)))
    means, missing = task_means(args.factors, train=args.train)
    for factor in args.factors:
        cells = " | ".join(
            f"{family(means[factor], names, True)} | {family(means[factor], names, False)}"
            for names in groups.values()
        )
        decades = math.log10(factor)
        label = (
            "none: the climb itself"
            if decades == 0
            else f"{decades:.2f} decade (x{1 / factor:.2f})"
        )
        print(f"| {label} | {cells} |")
    print(f"\nSeeds whose runs the cache lacks (--train trains them), over all factors: {missing}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
