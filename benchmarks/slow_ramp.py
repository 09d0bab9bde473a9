"""Would a slower ramp read the curves that never clearly descend? (A measured no.)

Usage (from the repository root)::

    python benchmarks/slow_ramp.py --run      # the slow range tests the cache lacks (~25 min)
    python benchmarks/slow_ramp.py            # the tables, from the cache (~2 min)
    python benchmarks/slow_ramp.py --write    # and record them in SLOW_RAMP.md

On a first curve that never clearly descends, ``runs="auto"`` runs the range test five more
times at the same 100 steps and reads their median. Our own ``no_descent`` warning also says
"run more steps". This study asks whether the same extra steps buy more as one slower ramp
(``num_steps`` 300 or 500 over the same 1e-7 to 10): a model that needs more steps per rate
before it starts to learn (a plateau) might show a descent there.

For every task and range seed whose first 100-step test never clearly descends (the seeds
where ``runs="auto"`` reruns for that reason), the slow test is run once from the seed's
initial weights with the default stop rule (cached in ``cache/slowramp_<task>.json``), and its
default suggestion (``knee``, with the setup's corrections) is read. Variants: the slow run's
suggestion alone (500 steps cost what the five reruns cost), or the slow run's suggestion only
where its curve descends and the default's otherwise.

Score: a screen, not the benchmark's protocol. The regret at a suggestion is read from the
grid's two-seed means, interpolated linearly in log10(lr) between its half-decade points (the
nearest end outside it), instead of training at every suggestion. The last table checks the
screen on the default's own suggestions, where the exact trained regret is cached.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence

import numpy as np
import torch

import lrfinder
import quality as q
from cache_store import Store
from lrfinder.diagnostics import no_descent
from tasks import TASKS, Task, batches, make_optimizer, run_metadata, tasks_through

SLOW_STEPS = (300, 500)
DEFAULT = "default: five more 100-step runs"
BOOTSTRAP_SAMPLES = 4000  # the intervals docs/multirun.md quotes were drawn with this many


def slow_test(task: Task, seed: int, steps: int, *, run: bool) -> lrfinder.RangeTestResult | None:
    """The seed's range test over ``steps`` steps (cached; None if not cached and not ``run``)."""
    store = Store(f"slowramp_{task.name}")
    key = f"seed={seed}|start=1e-07|end=10|steps={steps}"
    if key not in store:
        if not run:
            return None
        model = task.model(seed)
        optimizer = make_optimizer(task, model.parameters(), 1e-7)
        torch.manual_seed(seed)
        result = lrfinder.lr_find(
            model, optimizer, batches(task, seed), task.loss,
            start_lr=1e-7, end_lr=10.0, num_steps=steps, runs=1,
        )  # fmt: skip
        store.put(key, result.to_dict())
    result = lrfinder.RangeTestResult.from_dict(store.get(key))
    result.metadata.update(run_metadata(task))
    return result


def plateau_seeds(task: Task) -> list[int]:
    """The range seeds whose first 100-step test never clearly descends."""
    return [
        seed for seed in q.RANGE_SEEDS
        if no_descent(q.read_runs(task, seed, q.AUTO_RUNS, step_size=False).runs[0]) is not None
    ]  # fmt: skip


def grid_regret(task: Task, truth: q.Truth, lr: float) -> float:
    """The regret at ``lr`` read from the grid, linear in log10(lr) between its points."""
    grid = sorted(truth.curve)
    value = np.interp(math.log10(lr), np.log10(grid), [truth.curve[x] for x in grid])
    return q.regret(task, truth, float(value))


def suggestions(auto: float, slow: dict[int, lrfinder.RangeTestResult]) -> dict[str, float]:
    out = {DEFAULT: auto}
    for steps, result in slow.items():
        out[f"one {steps}-step run"] = result.suggestion
    for steps, result in slow.items():
        descends = result.curve is not None and result.curve.clearly_descends
        out[f"{steps}-step run where it descends, else default"] = (
            result.suggestion if descends else auto
        )
    return out


class Study:
    """Per task: the plateau seeds' screened regrets and log10(suggestion / best) per variant."""

    def __init__(self, names: Sequence[str]) -> None:
        self.regrets: dict[str, dict[str, list[float]]] = {}
        self.errors: dict[str, dict[str, list[float]]] = {}
        self.descends: dict[int, list[bool]] = {steps: [] for steps in SLOW_STEPS}
        self.metric: dict[str, str] = {}
        self.check: dict[str, list[tuple[float, float]]] = {"accuracy": [], "loss": []}
        self.missing = 0
        for name in names:
            self._read(TASKS[name])

    def _read(self, task: Task) -> None:
        runs = truth = None
        for seed in q.RANGE_SEEDS:
            # Read once: on a plateau seed `runs="auto"` returns this five-run test, so it is
            # also the default's result (what `q.auto_result` would read again).
            auto = q.read_runs(task, seed, q.AUTO_RUNS, step_size=False)
            if no_descent(auto.runs[0]) is None:
                continue
            if runs is None or truth is None:
                runs = q.Runs(task, train_missing=False)
                truth = q.ground_truth(task, runs, q.GRID_SEEDS)
            slow = {steps: slow_test(task, seed, steps, run=False) for steps in SLOW_STEPS}
            if any(result is None for result in slow.values()):
                self.missing += 1
                continue
            self.metric[task.name] = task.metric
            for steps, result in slow.items():
                self.descends[steps].append(bool(result.curve and result.curve.clearly_descends))
            for label, lr in suggestions(auto.suggestion, slow).items():
                self.regrets.setdefault(task.name, {}).setdefault(label, []).append(
                    grid_regret(task, truth, lr)
                )
                self.errors.setdefault(task.name, {}).setdefault(label, []).append(
                    math.log10(lr / truth.best_lr)
                )
            exact = runs.score(auto.suggestion, seed)
            if exact is not None:
                self.check[task.metric].append(
                    (q.regret(task, truth, exact), grid_regret(task, truth, auto.suggestion))
                )

    def tasks(self, metric: str) -> list[str]:
        return [name for name in self.regrets if self.metric[name] == metric]


def tables(study: Study) -> list[str]:
    rng = np.random.default_rng(0)
    lines = []
    for metric in ("accuracy", "loss"):
        names = study.tasks(metric)
        unit = "points" if metric == "accuracy" else "% excess loss"
        seeds = sum(len(study.regrets[name][DEFAULT]) for name in names)
        lines += [
            f"### {metric.capitalize()} tasks: {len(names)} tasks, {seeds} plateau seeds "
            f"(screened regret in {unit})",
            "",
            "| variant | mean | worst task | vs default (95% interval over tasks) | better on "
            "| median log10(lr / best) | mean abs log10(lr / best) |",
            "|---|---|---|---|---|---|---|",
        ]
        for label in study.regrets[names[0]]:
            means = [float(np.mean(study.regrets[name][label])) for name in names]
            diffs = [
                mean - float(np.mean(study.regrets[name][DEFAULT]))
                for mean, name in zip(means, names, strict=True)
            ]
            low, high = q.bootstrap_interval(diffs, rng, BOOTSTRAP_SAMPLES)
            errors = np.concatenate([study.errors[name][label] for name in names])
            lines.append(
                f"| {label} | {np.mean(means):.2f} | {np.max(means):.2f} "
                f"| {np.mean(diffs):+.2f} [{low:+.2f}, {high:+.2f}] "
                f"| {sum(d < 0 for d in diffs)} of {len(names)} "
                f"| {np.median(errors):+.2f} | {np.mean(np.abs(errors)):.2f} |"
            )
        lines.append("")
    shares = ", ".join(
        f"{np.mean(flags):.0%} at {steps} steps" for steps, flags in study.descends.items()
    )
    lines += [
        f"Slow curves that clearly descend: {shares} (every first curve here did not).",
        "",
        "### The screen against exact training (the default's suggestions)",
        "",
        "| family | seeds | exact regret, mean | screened regret, mean | correlation |",
        "|---|---|---|---|---|",
    ]
    for metric, pairs in study.check.items():
        values = np.asarray(pairs)
        lines.append(
            f"| {metric} | {len(values)} | {values[:, 0].mean():.2f} | {values[:, 1].mean():.2f} "
            f"| {np.corrcoef(values.T)[0, 1]:.2f} |"
        )
    if study.missing:
        lines += ["", f"Seeds skipped for lack of a cached slow test: {study.missing}."]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the slow tests the cache lacks")
    parser.add_argument("--write", action="store_true", help="record the tables in SLOW_RAMP.md")
    parser.add_argument(
        "--tasks", nargs="*", default=None, help="task names (default: rounds 0-31)"
    )
    args = parser.parse_args(argv)
    # The tasks it was written on: later rounds lack its runs, and its docs quote these tables.
    names = args.tasks or tasks_through(31)
    if args.run:
        for name in names:
            task = TASKS[name]
            for seed in plateau_seeds(task):
                for steps in SLOW_STEPS:
                    slow_test(task, seed, steps, run=True)
            q.log(f"slow ramps: {name} done")
    lines = tables(Study(names))
    print("\n".join(lines))
    if args.write:
        q.write_study(
            "SLOW_RAMP.md",
            "A slower ramp on curves that never clearly descend",
            "Generated by `python benchmarks/slow_ramp.py --write` (slow tests cached; "
            "`--run` reruns what the cache lacks). See the script's docstring for the design.",
            lines,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
