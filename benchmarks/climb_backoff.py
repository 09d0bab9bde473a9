"""How far below the climb should `knee` suggest on a curve that never clearly descends?

Usage (from the repository root; everything is read from ``benchmarks/cache/``)::

    python benchmarks/climb_backoff.py                  # the variants below
    python benchmarks/climb_backoff.py --train          # and train what the cache lacks

Each variant sets ``lrfinder.suggest._CLIMB_BACKOFF`` (how far below the climb) and
``lrfinder.suggest._LATE_CLIMB_MARGIN`` (on curves whose climb margin is at most this, a small
batch's correction replaces the back-off instead of multiplying it; -1: it always multiplies;
the no-momentum correction always multiplies), then scores the default (``runs="auto"``,
replayed from the cached 5-run tests as in ``quality.py``) on every task. Only the curves that
never clearly descend move:

* the climb itself: the rule until round 23;
* a quarter decade below it, stacked on the corrections: the rule from round 24 to 26;
* the same, with a small batch's correction not stacked on quiet curves: the rule since round
  29. (Rounds 27-28 ran with neither correction stacked there; ``stacking_seeds.py`` and
  ``STACKING.md`` compare the three with 20 seeds per task.)
* half a decade below it, stacked: the other candidate of round 23.

Prints, per variant, the mean and worst regret of each family over all tasks, over the rounds
read to choose the back-off (0-23), over rounds 24-26 (held out for the back-off, read to stop
the stacking), over rounds 27-28 (held out for that), round 29 (held out for stacking the
no-momentum correction again) and round 30 on (held out for everything), and how many seeds'
runs were missing from the cache (``--train`` trains them).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import quality as q
from lrfinder import suggest
from tasks import ROUNDS, TASKS

ALWAYS_STACK = -1.0  # a climb margin every curve exceeds: corrections multiply the back-off
VARIANTS = {
    "none: the climb itself": (1.0, ALWAYS_STACK),
    "a quarter decade, stacked on corrections": (10**0.25, ALWAYS_STACK),
    "a quarter decade, a small batch's correction not stacked on quiet curves (default)": (
        10**0.25,
        0.1,
    ),
    "half a decade, stacked on corrections": (10**0.5, ALWAYS_STACK),
}
GROUPS = {  # rounds: read to choose the back-off, then to stop the stacking, then held out
    "all tasks": None,
    "rounds 0-23": range(24),
    "rounds 24-26": range(24, 27),
    "rounds 27-28": range(27, 29),
    "round 29": range(29, 30),
    "rounds 30 on (held out)": range(30, max(ROUNDS) + 1),
}


def task_means(
    variants: dict[str, tuple[float, float]], *, train: bool
) -> tuple[dict[str, dict[str, float]], int]:
    """Mean regret of the default per task for each variant, and the seeds not scored.

    Each task's runs and ground truth are read once for every variant."""
    means: dict[str, dict[str, float]] = {label: {} for label in variants}
    missing = 0
    saved = suggest._CLIMB_BACKOFF, suggest._LATE_CLIMB_MARGIN
    try:
        for name, task in TASKS.items():
            runs = q.Runs(task, train_missing=train)
            truth = q.ground_truth(task, runs, q.GRID_SEEDS)
            for label, (factor, margin) in variants.items():
                suggest._CLIMB_BACKOFF, suggest._LATE_CLIMB_MARGIN = factor, margin
                row = q.score_auto(task, truth, runs, q.RANGE_SEEDS)
                missing += len(q.RANGE_SEEDS) - len(row.regrets)
                if row.regrets:
                    means[label][name] = row.mean
    finally:
        suggest._CLIMB_BACKOFF, suggest._LATE_CLIMB_MARGIN = saved
    return means, missing


def family(means: dict[str, float], names: Sequence[str], accuracy: bool) -> str:
    values = [means[n] for n in names if n in means and TASKS[n].higher_is_better == accuracy]
    if not values:
        return "–"
    unit = "" if accuracy else "%"
    return f"{np.mean(values):.2f}{unit} ({max(values):.1f}{unit})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", action="store_true", help="train what the cache lacks")
    args = parser.parse_args(argv)

    groups = {
        label: list(TASKS)
        if rounds is None
        else [n for r in rounds if r in ROUNDS for n in ROUNDS[r][1]]
        for label, rounds in GROUPS.items()
    }
    groups = {label: names for label, names in groups.items() if names}
    heads = " | ".join(f"{g}: accuracy (worst) | {g}: loss (worst)" for g in groups)
    print(f"| back-off below the climb | {heads} |")
    print("|---|" + "---|" * (2 * len(groups)))
    means, missing = task_means(VARIANTS, train=args.train)
    for label in VARIANTS:
        cells = " | ".join(
            f"{family(means[label], names, True)} | {family(means[label], names, False)}"
            for names in groups.values()
        )
        print(f"| {label} | {cells} |")
    print(f"\nSeeds whose runs the cache lacks (--train trains them), over all variants: {missing}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
