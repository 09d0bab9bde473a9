"""On a quiet plateau, should a setup's correction stack on the back-off below the climb? More seeds.

Usage (from the repository root)::

    python benchmarks/stacking_seeds.py --train --jobs 2      # seeds 0-19, train what is missing
    python benchmarks/stacking_seeds.py --write               # and record the tables in STACKING.md

``benchmarks/climb_backoff.py`` compares the two lowerings over the benchmark's five seeds, and
there the answer turned on a few tasks whose outcome near the climb depends on the seed (one
unnormalised CNN moved the mean by 2.5 points). Adding tasks does not settle that; adding seeds
to the tasks where the choice matters does. So this script takes every task where the two
variants below suggest different rates on at least one of the benchmark's seeds 0-4 and runs the
default, as ``lr_find`` runs it (``runs="auto"``, replayed from the cached 5-run tests as in
``quality.py``), on more seeds, each a fresh initialisation and batch order, under both:

* **stacked**: the correction multiplies the quarter-decade back-off on every curve
  (``lrfinder.suggest._LATE_CLIMB_MARGIN = -1``, the rule of rounds 24-26);
* **not stacked** (the rule of rounds 27-28): on a curve whose climb is seen early, the larger
  of the two lowerings applies (replayed here by handing ``below_climb`` the two corrections as
  one factor);
* **no momentum stacks** (the default since round 29, step 3 below): on such a curve a small
  batch's correction replaces the back-off and the no-momentum one multiplies the result.

Each seed's suggestions are trained with ``OneCycleLR`` for the task's budget, as in
``quality.py``, and the score differences are paired by seed. Seeds 5 on were never read to
choose a rule.

What was decided when, in order:

1. Stated before seeds 5-19 were run: over the 28 tasks' fresh-seed mean differences, a 95%
   bootstrap interval (over tasks) that excludes zero picks the better variant; one that spans
   zero says the choice is within noise, and the default stays. Outcome: +1.31 points for not
   stacking, [-0.57, +3.23]: within noise overall.
2. Read from the same fresh seeds: the per-task gains split by the setup's correction. Where the
   only correction is a small batch, not stacking was better on 12 of 15 tasks (+3.78 points);
   where it is no momentum (RMSprop or plain SGD at batch 64 or more), stacking was better on
   all 7 (-3.99). So a third variant: the no-momentum correction stacks, the small-batch one
   does not (with both, the two agree: a decade below the climb).
3. Stated before round 29 (``tasks.ROUNDS``: eight quiet plateaus whose only correction is no
   momentum, never read before) was scored: the split is adopted if over round 29's tasks where
   the variants differ, the gain of not stacking over all 20 seeds is negative with a 95%
   interval that excludes zero; otherwise the default stays and the split is reported as a
   hypothesis. Outcome: -5.61 points [-12.56, -0.61], stacking better on 6 of the 8 tasks, so
   the split is the default since; most of the gain is two unnormalised CNNs with plain SGD
   (``STACKING.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import multiprocessing
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

import lrfinder
import quality as q
from cache_store import Store
from lrfinder import result as result_module
from lrfinder import suggest
from lrfinder.batch_noise import small_batch, without_momentum
from tasks import ROUNDS, TASKS, Task, chance, run_metadata

DEFAULT_LABEL = "no momentum stacks"
#: label: (``suggest._LATE_CLIMB_MARGIN``, whether ``below_climb`` gets the corrections as one)
VARIANTS = {
    "stacked": (-1.0, False),
    "not stacked": (suggest._LATE_CLIMB_MARGIN, True),
    DEFAULT_LABEL: (suggest._LATE_CLIMB_MARGIN, False),
}


@contextlib.contextmanager
def variant(label: str) -> Iterator[None]:
    """The rule of one variant, for the duration of the block."""
    margin, merged = VARIANTS[label]
    saved_margin, saved_factors = suggest._LATE_CLIMB_MARGIN, result_module.correction_factors

    def as_one(method: str, metadata: Mapping[str, Any]) -> tuple[float, float]:
        small, no_momentum = saved_factors(method, metadata)
        return small * no_momentum, 1.0

    suggest._LATE_CLIMB_MARGIN = margin
    if merged:
        result_module.correction_factors = as_one
    try:
        yield
    finally:
        suggest._LATE_CLIMB_MARGIN = saved_margin
        result_module.correction_factors = saved_factors


DEFAULT_SEEDS = tuple(range(20))
FRESH_FROM = len(q.RANGE_SEEDS)  # seeds from here on were never read to choose a rule
HELD_OUT_ROUND = 29  # added after the per-task gains of rounds 0-28 were read, for the split


@dataclass
class TaskSeeds:
    """One task's paired runs: per seed, each variant's suggestion and regret."""

    name: str
    seeds: list[int] = field(default_factory=list)
    lrs: dict[str, list[float]] = field(default_factory=lambda: {v: [] for v in VARIANTS})
    regrets: dict[str, list[float]] = field(default_factory=lambda: {v: [] for v in VARIANTS})

    def differ(self, fresh: bool) -> int:
        """Seeds whose two suggestions differ (after the cache's rounding)."""
        pairs = zip(self.seeds, self.lrs["stacked"], self.lrs["not stacked"], strict=True)
        return sum(q.lr_key(a) != q.lr_key(b) for s, a, b in pairs if s >= FRESH_FROM or not fresh)

    def mean(self, variant: str, fresh: bool) -> float:
        values = [
            r for s, r in zip(self.seeds, self.regrets[variant], strict=True) if _in(s, fresh)
        ]
        return float(np.mean(values)) if values else math.nan

    def gain(self, fresh: bool) -> float:
        """Stacked minus not-stacked mean regret: positive when not stacking is better."""
        return self.mean("stacked", fresh) - self.mean("not stacked", fresh)


def _in(seed: int, fresh: bool) -> bool:
    return seed >= FRESH_FROM or not fresh


def where_it_matters() -> list[str]:
    """Tasks where the two variants suggest different rates on at least one seed of 0-4 (of
    those whose 5-run tests are cached: this trains nothing)."""
    names = []
    for name, task in TASKS.items():
        cached = _multirun_keys(task)
        if any(f"seed={seed}|runs={q.AUTO_RUNS}" not in cached for seed in q.RANGE_SEEDS):
            q.log(f"{name}: skipped, its 5-run tests are not cached (quality_runs.py)")
            continue
        picks = {}
        for label in ("stacked", "not stacked"):
            with variant(label):
                picks[label] = [_suggestion(task, seed) for seed in q.RANGE_SEEDS]
        if any(
            q.lr_key(a) != q.lr_key(b)
            for a, b in zip(picks["stacked"], picks["not stacked"], strict=True)
            if math.isfinite(a) and math.isfinite(b)
        ):
            names.append(name)
    return names


def _suggestion(task: Task, seed: int) -> float:
    result, _ = q.auto_result(task, seed, step_size=False)
    try:
        return result.suggest(lrfinder.DEFAULT_METHOD).lr
    except lrfinder.LRFinderError:
        return math.nan


def score_task(job: tuple[str, Sequence[int], bool]) -> TaskSeeds:
    """Both variants on every seed of one task (trains what the cache lacks when allowed)."""
    name, seeds, train = job
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    task = TASKS[name]
    runs = q.Runs(task, train_missing=train)
    truth = q.ground_truth(task, runs, q.GRID_SEEDS)
    out = TaskSeeds(name)
    cached = _multirun_keys(task)  # read once: the store is megabytes of JSON
    for seed in seeds:
        if not train and f"seed={seed}|runs={q.AUTO_RUNS}" not in cached:
            continue
        picks, scores = {}, {}
        for label in VARIANTS:
            with variant(label):
                lr = _suggestion(task, seed)
            picks[label] = lr
            scores[label] = runs.score(lr, seed) if math.isfinite(lr) else chance(task)[task.metric]
        if any(v is None for v in scores.values()):
            continue
        out.seeds.append(seed)
        for label in VARIANTS:
            out.lrs[label].append(picks[label])
            out.regrets[label].append(q.regret(task, truth, scores[label]))
    q.log(f"{name}: {len(out.seeds)} seeds")
    return out


def _multirun_keys(task: Task) -> set[str]:
    store = Store(f"multirun_{task.name}")
    return {key.split("|start=")[0] for key in store.data}


@functools.cache
def correction_kind(name: str) -> str:
    """Which of the setup's corrections apply to the task: the split the per-task gains follow."""
    metadata = run_metadata(TASKS[name])
    kinds = [
        label
        for label, applies in (
            ("small batch", small_batch(metadata)),
            ("no momentum", without_momentum(metadata)),
        )
        if applies
    ]
    return " and ".join(kinds) or "none"


def summary(results: Sequence[TaskSeeds], fresh: bool) -> str:
    """Mean gain over tasks with a bootstrap interval over tasks, and the win counts."""
    gains = np.array([r.gain(fresh) for r in results])
    gains = gains[np.isfinite(gains)]
    if gains.size == 0:
        return "–"
    low, high = q.bootstrap_interval(gains, np.random.default_rng(0))
    return (
        f"{gains.mean():+.2f} [{low:+.2f}, {high:+.2f}]; "
        f"{int((gains > 0).sum())} / {int((gains < 0).sum())}"
    )


def tables(results: Sequence[TaskSeeds], seeds: Sequence[int]) -> list[str]:
    rounds = {n: r for r, (_, names) in ROUNDS.items() for n in names}
    held_out = [r for r in results if rounds[r.name] >= HELD_OUT_ROUND]
    read = [r for r in results if rounds[r.name] < HELD_OUT_ROUND]
    lines = [
        f'Regret of the default (`runs="auto"`) under each variant, mean over the seeds {seeds[0]}'
        f"-{seeds[-1]}; gain = stacked minus not stacked (positive: not stacking is better). "
        f"Fresh seeds ({FRESH_FROM} on) were never read to choose a rule; on round "
        f"{HELD_OUT_ROUND}, held out for the split by correction, no seed was.",
        "",
        "| task | round | correction | seeds | seeds where they differ (fresh) | "
        "stacked: all / fresh | not stacked: all / fresh | gain: all / fresh | "
        "default (no momentum stacks): all / fresh |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: (rounds[r.name] >= HELD_OUT_ROUND, -r.gain(True))):
        unit = "" if TASKS[r.name].higher_is_better else "%"
        lines.append(
            f"| `{r.name}` | {rounds[r.name]} | {correction_kind(r.name)} | {len(r.seeds)} | "
            f"{r.differ(False)} ({r.differ(True)}) | "
            f"{r.mean('stacked', False):.1f}{unit} / {r.mean('stacked', True):.1f}{unit} | "
            f"{r.mean('not stacked', False):.1f}{unit} / {r.mean('not stacked', True):.1f}{unit} | "
            f"{r.gain(False):+.1f}{unit} / {r.gain(True):+.1f}{unit} | "
            f"{r.mean(DEFAULT_LABEL, False):.1f}{unit} / {r.mean(DEFAULT_LABEL, True):.1f}{unit} |"
        )
    lines += [
        "",
        "Gain of not stacking by the task's correction: mean over tasks [95% bootstrap interval "
        "over tasks]; tasks where not stacking is better / worse.",
        "",
        "| tasks | correction | tasks | all seeds | fresh seeds |",
        "|---|---|---|---|---|",
    ]
    for label, group in (
        (f"rounds 0-{HELD_OUT_ROUND - 1} (read)", read),
        (f"round {HELD_OUT_ROUND} (held out)", held_out),
    ):
        for kind in ("small batch", "no momentum", "small batch and no momentum", None):
            chosen = [r for r in group if kind is None or correction_kind(r.name) == kind]
            if chosen:
                lines.append(
                    f"| {label} | {kind or 'all'} | {len(chosen)} | {summary(chosen, False)} | "
                    f"{summary(chosen, True)} |"
                )
    lines += [
        "",
        "Mean regret of each variant as a rule (accuracy points; fresh seeds). The default "
        "splits as read from the rounds before the held-out one: the no-momentum correction "
        "stacks, the small-batch one does not.",
        "",
        "| tasks | stacked | not stacked (rounds 27-28) | no momentum stacks (default) |",
        "|---|---|---|---|",
    ]
    for label, group in (
        (f"rounds 0-{HELD_OUT_ROUND - 1} (read)", read),
        (f"round {HELD_OUT_ROUND} (held out)", held_out),
    ):
        if group:
            cells = [
                np.mean([r.mean("stacked", True) for r in group]),
                np.mean([r.mean("not stacked", True) for r in group]),
                np.mean([r.mean(DEFAULT_LABEL, True) for r in group]),
            ]
            lines.append(
                f"| {label} ({len(group)}) | " + " | ".join(f"{c:.2f}" for c in cells) + " |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="*", help="default: where the variants differ on 0-4")
    parser.add_argument("--seeds", nargs="*", type=int, default=list(DEFAULT_SEEDS))
    parser.add_argument("--train", action="store_true", help="train what the cache lacks")
    parser.add_argument("--jobs", type=int, default=1, help="tasks scored in parallel")
    parser.add_argument("--write", action="store_true", help="record the tables in STACKING.md")
    args = parser.parse_args(argv)

    names = args.tasks or where_it_matters()
    q.log(f"{len(names)} tasks, seeds {args.seeds[0]}-{args.seeds[-1]}")
    jobs = [(name, args.seeds, args.train) for name in names]
    if args.jobs > 1:
        with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
            results = pool.map(score_task, jobs, chunksize=1)
    else:
        results = [score_task(job) for job in jobs]
    lines = tables(results, args.seeds)
    print("\n".join(lines))
    if args.write:
        path = Path(__file__).resolve().parent / "STACKING.md"
        command = "python benchmarks/stacking_seeds.py --train --write"
        if list(args.seeds) != list(DEFAULT_SEEDS):
            command += " --seeds " + " ".join(map(str, args.seeds))
        header = [
            "# On a quiet plateau: stack a setup's correction on the back-off, or not?",
            "",
            f"Reproduce: `{command}` (cached runs in `benchmarks/cache/` make it fast; "
            "the script's docstring states the question, the variants and the decision rule).",
            "",
        ]
        path.write_text("\n".join(header + lines) + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
