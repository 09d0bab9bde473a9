"""Does a 5-run aggregate cut regret and spread? ``lr_find(runs=5)`` against the single run.

For each task and seed, ``lr_find(runs=N)`` from the seed's initial weights: run 0 sees exactly the
batches of ``benchmarks/quality.py``'s range test for that seed (so its suggestion is the
single-run default there), and runs 1..N-1 see other batch orders. Both suggestions are then
scored as in ``quality.py``: train from the same weights with ``OneCycleLR(max_lr=suggestion)`` for
the task's budget, regret against the cached grid's best. Everything goes through the benchmark's
cache (``benchmarks/cache``), so only what is missing trains.

Reports per task: mean and worst regret of the single run and of the N-run aggregate, and the
spread of the suggestion across seeds (max / min) for each; plus the mean width of the aggregate's
10%-90% interval in decades.

Usage::

    python benchmarks/quality_runs.py                       # every task, 5 seeds, N=5
    python benchmarks/quality_runs.py --tasks cancer_mlp --seeds 0 1 --runs 3
    python benchmarks/quality_runs.py --write               # and record it in RUNS.md
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lrfinder
import quality
import tasks as bench
from cache_store import Store
from lrfinder.multirun import MultiRunResult, aggregate, needs_more_runs


class SeedOrders:
    """Batches of ``tasks.batches``: the seed's own order (the one ``quality.py``'s range test
    saw) while torch's RNG is as it was when this was built, which holds for run 0; another order,
    drawn from torch's RNG, once ``lr_find(runs=N)`` has reseeded it for a later run."""

    def __init__(self, task: bench.Task, seed: int) -> None:
        self.task = task
        self.seed = seed
        self.batch_size = task.batch_size  # read by lr_find, as a DataLoader's would be
        self.initial_rng = torch.get_rng_state()

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if torch.equal(torch.get_rng_state(), self.initial_rng):
            return bench.batches(self.task, self.seed)
        return bench.batches(self.task, int(torch.randint(0, 2**31 - 1, ()).item()))


def multi_run(task: bench.Task, seed: int, runs: int) -> MultiRunResult:
    """The N-run range test of one seed, as ``quality.py`` runs the single one (cached)."""
    store = Store(f"multirun_{task.name}")
    key = f"seed={seed}|runs={runs}|start=1e-07|end=10|steps=100"
    if key not in store:
        model = task.model(seed)
        optimizer = bench.make_optimizer(task, model.parameters(), 1e-7)
        torch.manual_seed(seed)
        data = SeedOrders(task, seed)
        started = time.perf_counter()
        result = lrfinder.lr_find(
            model, optimizer, data, task.loss, runs=runs, seed=seed,
            start_lr=1e-7, end_lr=10.0, num_steps=100,
        )  # fmt: skip
        value = result.to_dict()
        value["seconds"] = round(time.perf_counter() - started, 2)
        store.put(key, value)
    return lrfinder.RangeTestResult.from_dict(store.get(key))


def spread(lrs: list[float]) -> float:
    finite = [v for v in lrs if math.isfinite(v)]
    return max(finite) / min(finite) if len(finite) == len(lrs) and finite else math.inf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=list(bench.TASKS))
    parser.add_argument("--seeds", nargs="*", type=int, default=list(quality.RANGE_SEEDS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--method", default=lrfinder.DEFAULT_METHOD, choices=list(lrfinder.SUGGESTERS)
    )
    parser.add_argument("--write", action="store_true", help="record the table in RUNS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    header = (
        f"| task | regret 1 run (mean / worst) | regret {args.runs} runs (mean / worst) | "
        f"spread 1 run | spread {args.runs} runs | interval, decades | path "
        f"| regret auto (mean / worst) | runs, auto |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    families: dict[bool, dict[str, list[float]]] = {
        True: {"single": [], "multi": [], "auto": []},
        False: {"single": [], "multi": [], "auto": []},
    }
    spent_all: list[int] = []
    print(header)
    for name in args.tasks:
        task = bench.TASKS[name]
        runs = quality.Runs(task)
        # The grid comes from quality.py's cache; never train it here.
        truth = quality.ground_truth(
            task, quality.Runs(task, train_missing=False), quality.GRID_SEEDS
        )
        single_lrs, multi_lrs, single_regrets, multi_regrets, widths = [], [], [], [], []
        auto_regrets, spent = [], []
        path = "?"
        for seed in args.seeds:
            stored = multi_run(task, seed, args.runs)
            path = stored.metadata.get("path", "?")
            for run in stored.runs:  # the setup as lr_find records it (older cache entries lack it)
                run.metadata.update(bench.run_metadata(task))
            result = aggregate(
                stored.runs, method=args.method
            )  # the rule of today, not the cache's
            for lrs, regrets, source in (
                (single_lrs, single_regrets, result.runs[0]),
                (multi_lrs, multi_regrets, result),
            ):
                try:
                    lr = source.suggest(args.method).lr
                except lrfinder.LRFinderError:
                    lr = math.nan
                lrs.append(lr)
                score = (
                    runs.score(lr, seed) if math.isfinite(lr) else quality.chance(task)[task.metric]
                )
                regrets.append(quality.regret(task, truth, score))
            with contextlib.suppress(lrfinder.LRFinderError):
                widths.append(result.spread_decades)
            # runs="auto": the single run, or (after it) the N runs when it cannot be read alone
            more = needs_more_runs(result.runs[0]) is not None
            auto_regrets.append(multi_regrets[-1] if more else single_regrets[-1])
            spent.append(1 + args.runs if more else 1)
        unit = "" if task.higher_is_better else "%"
        row = (
            f"| {name} | {np.mean(single_regrets):.2f}{unit} / {np.max(single_regrets):.2f}{unit} "
            f"| {np.mean(multi_regrets):.2f}{unit} / {np.max(multi_regrets):.2f}{unit} "
            f"| {spread(single_lrs):.2f}x | {spread(multi_lrs):.2f}x "
            f"| {np.mean(widths) if widths else math.nan:.2f} | {path} "
            f"| {np.mean(auto_regrets):.2f}{unit} / {np.max(auto_regrets):.2f}{unit} "
            f"| {np.mean(spent):.1f} |"
        )
        rows.append(row)
        family = families[task.higher_is_better]
        family["single"].append(float(np.mean(single_regrets)))
        family["multi"].append(float(np.mean(multi_regrets)))
        family["auto"].append(float(np.mean(auto_regrets)))
        spent_all.extend(spent)
        if name == args.tasks[-1]:
            rows += ["", _means_line(families, spent_all, args.runs)]
        print(row, flush=True)
        if args.write:  # after every task, so a partial run still leaves its rows
            _write(rows, args)
    return 0


def _means_line(families: dict[bool, dict[str, list[float]]], spent: list[int], runs: int) -> str:
    """One line of means over the tasks: single run, N runs and runs="auto", per family."""
    parts = []
    for accuracy, label, unit in ((True, "accuracy tasks", " points"), (False, "loss tasks", "%")):
        values = families[accuracy]
        if values["single"]:
            parts.append(
                f"{len(values['single'])} {label}: 1 run {np.mean(values['single']):.2f}{unit}, "
                f"{runs} runs {np.mean(values['multi']):.2f}{unit}, auto "
                f"{np.mean(values['auto']):.2f}{unit}"
            )
    return (
        "Means over the tasks above: "
        + "; ".join(parts)
        + f'. runs="auto" ran {np.mean(spent):.2f} range tests per seed on average (1 when the '
        f"first run's curve was readable, {1 + runs} when it was not)."
    )


def _write(rows: list[str], args: argparse.Namespace) -> None:
    path = Path(__file__).resolve().parent / "RUNS.md"
    marker, end = "<!-- quality -->", "<!-- end: quality -->"
    block = "\n".join(
        [
            marker,
            f"`python benchmarks/quality_runs.py --runs {args.runs} --method {args.method} --seeds "
            f"{' '.join(map(str, args.seeds))}` (regret: accuracy points lost, or % excess loss, "
            "against the grid's best; spread: max / min suggestion across seeds):",
            "",
            *rows,
            end,
        ]
    )
    text = path.read_text() if path.exists() else ""
    if marker in text:
        text = text[: text.index(marker)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
