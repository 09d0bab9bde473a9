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
    python benchmarks/quality_runs.py --peers 'fastai valley' --write   # peers on the same runs

``--peers`` gives peer rules the same five runs, recorded to their end (they replay their own
stop rules), and scores each on run 0 alone and at the median of its five suggestions: do
several runs help any rule, or ours only?
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lrfinder
import quality
import tasks as bench
from lrfinder.multirun import needs_more_runs
from peers import PEER_RULES


def peer_regrets(
    task: bench.Task, truth: quality.Truth, seed: int, runs: int, peer: str
) -> tuple[float, float]:
    """A peer rule given the same runs: its regret on run 0's curve alone, and at the median (in
    log lr) of its suggestions on the N runs' curves, the aggregate ``runs=N`` uses for ours.

    The runs are recorded to their end (no divergence stop; the same batches as ours), and the
    peers apply their own stop and trimming, as in ``quality.py``: run 0 is ``quality.py``'s
    own range test."""
    rule = PEER_RULES[peer]
    suggestions = []
    for run in quality.multi_run(task, seed, runs, stop_factor=None).runs:
        suggestions.append(rule(list(run.lrs), list(run.losses)))  # nan where it gives none
    finite = [v for v in suggestions if math.isfinite(v) and v > 0]
    median = float(np.exp(np.median(np.log(finite)))) if finite else math.nan
    scores = quality.Runs(task)
    regrets = []
    for lr in (suggestions[0], median):
        score = scores.score(lr, seed) if math.isfinite(lr) else quality.chance(task)[task.metric]
        regrets.append(quality.regret(task, truth, score))
    return regrets[0], regrets[1]


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
    parser.add_argument(
        "--peers",
        nargs="*",
        default=[],
        choices=list(PEER_RULES),
        help="also score these peer rules on the same runs: run 0 alone and the runs' median",
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
    # peer -> accuracy family? -> "single" / "multi" -> per-task mean regrets
    peer_means = {p: {True: {"single": [], "multi": []}, False: {"single": [], "multi": []}}
                  for p in args.peers}  # fmt: skip
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
            result = quality.read_runs(task, seed, args.runs, args.method)
            path = result.metadata["path"]
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
        for peer in args.peers:
            pairs = [peer_regrets(task, truth, seed, args.runs, peer) for seed in args.seeds]
            for index, kind in enumerate(("single", "multi")):
                peer_means[peer][task.higher_is_better][kind].append(
                    float(np.mean([pair[index] for pair in pairs]))
                )
        if name == args.tasks[-1]:
            rows += ["", _means_line(families, spent_all, args.runs)]
        print(row, flush=True)
        if args.write:  # after every task, so a partial run still leaves its rows
            _write(rows, args)
    if args.peers:
        peer_lines = _peers_table(families, peer_means, args.runs)
        print("\n".join(peer_lines))
        if args.write:
            _write_block(
                "<!-- peers -->",
                "<!-- end: peers -->",
                [
                    f"`python benchmarks/quality_runs.py --runs {args.runs} --peers "
                    f"{' '.join(repr(p) for p in args.peers)}` (per family: mean regret over the "
                    "tasks / worst task's mean):",
                    "",
                    *peer_lines,
                ],
            )
    return 0


def _peers_table(
    families: dict[bool, dict[str, list[float]]],
    peer_means: dict[str, dict[bool, dict[str, list[float]]]],
    runs: int,
) -> list[str]:
    """Ours and the peers, each on one run and on the median of N runs' suggestions."""

    def cell(values: list[float], unit: str) -> str:
        return f"{np.mean(values):.2f}{unit} / {max(values):.1f}{unit}" if values else "–"

    lines = [
        f"| rule | accuracy, 1 run | accuracy, {runs} runs | loss, 1 run | loss, {runs} runs |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = {f"lrfinder {lrfinder.DEFAULT_METHOD} (ours)": families} | {
        p: peer_means[p] for p in peer_means
    }
    for name, means in rows.items():
        lines.append(
            f"| {name} | {cell(means[True]['single'], '')} | {cell(means[True]['multi'], '')} "
            f"| {cell(means[False]['single'], '%')} | {cell(means[False]['multi'], '%')} |"
        )
    return lines


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
    _write_block(
        "<!-- quality -->",
        "<!-- end: quality -->",
        [
            f"`python benchmarks/quality_runs.py --runs {args.runs} --method {args.method} --seeds "
            f"{' '.join(map(str, args.seeds))}` (regret: accuracy points lost, or % excess loss, "
            "against the grid's best; spread: max / min suggestion across seeds):",
            "",
            *rows,
        ],
    )


def _write_block(marker: str, end: str, lines: list[str]) -> None:
    """Replaces the text between ``marker`` and ``end`` in RUNS.md (appends it the first time)."""
    path = Path(__file__).resolve().parent / "RUNS.md"
    block = "\n".join([marker, *lines, end])
    text = path.read_text() if path.exists() else ""
    if marker in text:
        text = text[: text.index(marker)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
    print(f"wrote {path}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
