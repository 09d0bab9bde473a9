"""Should ``runs="auto"`` also rerun when the knee and the step-size reading disagree? (A screen;
round 36 could not decide it, so the default is unchanged.)

Usage (from the repository root)::

    python benchmarks/disagree_rerun.py            # the tables, from the cache
    python benchmarks/disagree_rerun.py --write    # and record them in DISAGREE_RERUN.md

``runs="auto"`` runs five range tests only when the first curve says it cannot be read (it never
clearly descended, or it is as noisy as its descent). Round 35 showed a miss that rule cannot
see: on one seed of the Adam fine-tune at batch 16 (``digits_finetune_adam_b16``) the curve is
clean and silent, but its corrected knee reads about 20x the step-size reading, where the other
seeds' knees sit within about 1.5x of theirs; the blend of the two, five times the other seeds'
suggestion, diverged in training (77.4 points lost), and five runs would have lost nothing.

The candidate: also run five when the single run's corrected knee and its step-size reading
(``lrfinder.step_size.scale_rate``) lie more than ``X`` apart, either way. The knee is recovered
from the blended suggestion as ``suggestion**2 / reading`` (the blend is their geometric mean; the
snap to the curve's grid moves it by at most one step). The five-run suggestion of every seed is
already trained for ``benchmarks/quality_runs.py``, so the screen needs no new training: for each
seed that ``runs="auto"`` leaves at one run and the candidate would rerun, it compares the regret
of the single run with that of five.

Found by reading round 35, so nothing up to round 35 is held out for it. On rounds 0-34 it is
neutral (the table below): at ``X = 10`` it reruns 55 seeds, and the accuracy (0.44 points either
way) and loss (66.76% against 66.81%) of those seeds barely move; at ``X = 3`` it reruns 309 seeds
for 0.82 to 0.69 points and 40.3% to 40.5%. Its case is insurance against a rare single-run
blow-up, which the fit rounds hardly contain; its cost is the reruns.

**Decision rule for round 36**, written before its tasks are chosen: round 36 is chosen by name
without reading any curve, with at least four tasks that fine-tune a pretrained model or train a
small-batch (16 or less) classifier with Adam or AdamW, next to ordinary ones. ``X = 10`` becomes
a third trigger of ``lrfinder.multirun.needs_more_runs`` only if

1. on round 36's seeds where it triggers, it lowers the mean regret in each family with at least
   two such seeds, and no task's mean regret is worse by more than 2 points or 10%;
2. pooled over rounds 0-36, the mean regret of the seeds where it triggers is not higher in
   either family;
3. it adds at most 0.3 range tests per seed on average over rounds 0-36.

If it triggers on fewer than two seeds of round 36 in both families, the round cannot decide and
the default stays as it is.

**Outcome** (round 36 chosen by name, its tasks committed, then trained once): it cannot decide.
``X = 10`` triggers on one of round 36's 60 seeds (a 1-D CNN with AdamW at batch 16, where five
runs lose 0.60 points against -0.80 for the single run), and on none of its three fine-tunes or
of its loss tasks. So the trigger is not adopted and ``needs_more_runs`` is unchanged. At
``X = 3`` the round's 12 triggered seeds (three tasks) lose -0.57 points on one run and -0.02 on
five: on these held-out tasks rerunning does not help either. Pooled over rounds 0-36 the trigger
still looks good on accuracy (2.28 to 0.42 points at ``X = 10``), but that is round 35's one
diverged seed, the seed the candidate was found on.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

import lrfinder
import quality as q
from lrfinder.step_size import scale_rate
from tasks import ROUND_OF, TASKS

THRESHOLDS = (3.0, 10.0)
SPLITS: dict[str, range] = {
    "rounds 0-34": range(35),
    "round 35 (read to find it)": range(35, 36),
    "round 36 (held out: decides)": range(36, 37),
    "rounds 0-36 (pooled)": range(37),
}
#: The threshold, round and limits of the decision rule in the docstring.
DECIDING_X, DECIDING_ROUND, POOLED_ROUNDS = 10.0, 36, range(37)
MAX_TASK_WORSE = {"accuracy": 2.0, "loss": 10.0}  # points, or % excess loss
MAX_TESTS_ADDED = 0.3


class Seed(NamedTuple):
    """A seed the candidate reruns: its task, how far its corrected knee and its step-size
    reading lie apart (a factor, either way), and its regret on one run and on five."""

    task: str
    apart: float
    one: float
    five: float


def seeds(names: Sequence[str], *, train: bool) -> list[Seed]:
    """Every seed that ``runs="auto"`` leaves at one run and that the lowest threshold would
    rerun (only those need the five-run suggestion and its score)."""
    out: list[Seed] = []
    for name in names:
        task = TASKS[name]
        runs = q.Runs(task, train_missing=train)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)
        for seed in q.RANGE_SEEDS:
            result, tests = q.auto_result(task, seed)
            if tests != 1:
                continue  # runs="auto" already ran five
            reading = scale_rate(result.metadata)
            try:
                single = result.suggest().lr
            except lrfinder.LRFinderError:
                continue
            if reading is None or not math.isfinite(single):
                continue
            # The suggestion is sqrt(knee * reading), so knee / reading = (suggestion / reading)**2.
            ratio = (single / reading) ** 2
            apart = max(ratio, 1 / ratio)
            if apart <= min(THRESHOLDS):
                continue
            try:
                five = q.read_runs(task, seed, q.AUTO_RUNS).suggest().lr
            except lrfinder.LRFinderError:
                continue
            one_score, five_score = runs.score(single, seed), runs.score(five, seed)
            if one_score is None or five_score is None:
                q.log(f"{name} seed {seed}: not cached; left out")
                continue
            out.append(
                Seed(
                    name, apart, q.regret(task, truth, one_score), q.regret(task, truth, five_score)
                )
            )
    return out


def tables(records: list[Seed], names: Sequence[str]) -> list[str]:
    lines = [
        'Seeds that `runs="auto"` leaves at one run, rerun as `runs=5` when the corrected knee '
        "and the step-size reading lie more than X apart: how many, on how many tasks, their "
        "mean regret on one run and on five (accuracy points, or % excess loss), the seeds five "
        "runs make better / worse, and the range tests added per seed over the split.",
        "",
        "| X | rounds | family | seeds (tasks) | one run | five runs | better / worse | "
        "tests added per seed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for threshold in THRESHOLDS:
        for split, rounds in SPLITS.items():
            if not any(ROUND_OF[n] in rounds for n in names):
                continue
            hit = _triggered(records, rounds, threshold)
            added = _tests_added(hit, names, rounds)
            for metric in ("accuracy", "loss"):
                chosen = [r for r in hit if TASKS[r.task].metric == metric]
                if not chosen:
                    lines.append(f"| {threshold:g} | {split} | {metric} | 0 | – | – | – | – |")
                    continue
                one, five = _means(chosen)
                better = sum(r.five < r.one for r in chosen)
                worse = sum(r.five > r.one for r in chosen)
                lines.append(
                    f"| {threshold:g} | {split} | {metric} | {len(chosen)} "
                    f"({len({r.task for r in chosen})}) | {one:.2f} | "
                    f"{five:.2f} | {better} / {worse} | {added:.2f} |"
                )
    return lines


def _triggered(records: list[Seed], rounds: range, threshold: float) -> list[Seed]:
    """The seeds of ``rounds`` whose two readings lie more than ``threshold`` apart."""
    return [r for r in records if ROUND_OF[r.task] in rounds and r.apart > threshold]


def _means(records: list[Seed]) -> tuple[float, float]:
    """Mean regret of ``records`` on one run and on five."""
    return float(np.mean([r.one for r in records])), float(np.mean([r.five for r in records]))


def _change(records: list[Seed]) -> float:
    """How much five runs change the mean regret of ``records`` (negative: they lower it)."""
    one, five = _means(records)
    return five - one


def _tests_added(hit: list[Seed], names: Sequence[str], rounds: range) -> float:
    """Range tests the rerun seeds ``hit`` add per seed of ``names`` in ``rounds`` (five each)."""
    scored_seeds = len(q.RANGE_SEEDS) * sum(ROUND_OF[n] in rounds for n in names)
    return len(hit) * q.AUTO_RUNS / scored_seeds if scored_seeds else 0.0


def decision(records: list[Seed], names: Sequence[str]) -> list[str]:
    """The deciding round's triggered seeds task by task, then the docstring's rule applied to
    them: each criterion with its figures, and the verdict."""
    if not any(ROUND_OF[n] == DECIDING_ROUND for n in names):
        return []
    deciding = _triggered(records, range(DECIDING_ROUND, DECIDING_ROUND + 1), DECIDING_X)
    pooled = _triggered(records, POOLED_ROUNDS, DECIDING_X)
    lines = [
        "",
        f"Round {DECIDING_ROUND}'s seeds where X = {DECIDING_X:g} triggers, by task: mean "
        "regret on one run and on five.",
        "",
        "| task | family | seeds | one run | five runs |",
        "|---|---|---|---|---|",
    ]
    by_task: dict[str, list[Seed]] = {}
    for r in deciding:
        by_task.setdefault(r.task, []).append(r)
    for task, rs in by_task.items():
        one, five = _means(rs)
        lines.append(f"| {task} | {TASKS[task].metric} | {len(rs)} | {one:.2f} | {five:.2f} |")
    if not by_task:
        lines.append("| (none) | – | 0 | – | – |")

    # 1. Each family with at least two triggered seeds in the deciding round gets better, and
    #    no task gets worse by more than its family's limit.
    families = {
        metric: [r for r in deciding if TASKS[r.task].metric == metric]
        for metric in ("accuracy", "loss")
    }
    deciding_families = {m: rs for m, rs in families.items() if len(rs) >= 2}
    five_better = all(_change(rs) < 0 for rs in deciding_families.values())
    task_worse = [
        task for task, rs in by_task.items() if _change(rs) > MAX_TASK_WORSE[TASKS[task].metric]
    ]
    # 2. Pooled over every round, the triggered seeds are not worse in either family.
    pooled_worse = [
        metric
        for metric in ("accuracy", "loss")
        if (rs := [r for r in pooled if TASKS[r.task].metric == metric]) and _change(rs) > 0
    ]
    # 3. The cost.
    added = _tests_added(pooled, names, POOLED_ROUNDS)

    lines += ["", f"The decision rule at X = {DECIDING_X:g}:", ""]
    if not deciding_families:
        lines.append(
            f"- Round {DECIDING_ROUND} triggers on fewer than two seeds in both families "
            f"({len(families['accuracy'])} accuracy, {len(families['loss'])} loss): it cannot "
            "decide, and the default stays as it is."
        )
        return lines
    lines += [
        f"1. Families deciding: {', '.join(deciding_families)}; five runs lower their mean "
        f"regret: {'yes' if five_better else 'no'}; tasks worse beyond the limit: "
        f"{', '.join(task_worse) or 'none'}.",
        f"2. Pooled over rounds {POOLED_ROUNDS.start}-{POOLED_ROUNDS.stop - 1}, families where "
        f"five runs are worse: {', '.join(pooled_worse) or 'none'}.",
        f"3. Range tests added per seed: {added:.2f} (limit {MAX_TESTS_ADDED:g}).",
    ]
    adopt = five_better and not task_worse and not pooled_worse and added <= MAX_TESTS_ADDED
    verdict = "adopt the trigger." if adopt else "do not adopt; the default stays as it is."
    lines += ["", f"Verdict: {verdict}"]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    def run(names: Sequence[str], train: bool) -> list[str]:
        records = seeds(names, train=train)
        return tables(records, names) + decision(records, names)

    return q.study_main(
        argv,
        __doc__,
        run,
        "DISAGREE_RERUN.md",
        "Rerunning when the knee and the step-size reading disagree",
    )


if __name__ == "__main__":
    sys.exit(main())
