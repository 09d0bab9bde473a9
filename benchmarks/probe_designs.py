"""Probe designs compared: how should `lrfinder.probe.refine` spend a fixed budget?

Usage (from the repository root; probes and runs are cached in ``benchmarks/cache/``, so a rerun
trains only what is missing)::

    python benchmarks/probe_designs.py                 # rounds 0-21
    python benchmarks/probe_designs.py --rounds 22     # one round

Every design spends the same budget, half of the task's training run in steps (as the probes
rows of ``RESULTS.md``), around the same suggestion, under the same cap (the curve's floor) and
the same ``start_loss`` check; only the number of candidates, their span and the rounds of
successive halving differ. Each design refines two centres: one range test, and what
``lr_find`` returns by default (``runs="auto"``, which is what ``lrfinder.refine_setup`` and
``lrfinder refine`` refine). The winner is trained with 1cycle for the task's budget and scored
against the grid, as in ``quality.py``. Prints one row per design and centre: mean and worst
regret per family.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

import quality as q
from lrfinder.probe import refine
from tasks import ROUNDS, TASKS, Task

#: name -> refine() arguments. The first is refine's default: 5 rates over +-1 decade, halving
#: with eta=3 (5 short probes, then the best 2 three times longer).
DESIGNS: dict[str, dict[str, float]] = {
    "5 rates +-1 decade, halving (default)": {},
    "5 rates +-1 decade, one round": {"num_candidates": 5, "span_decades": 1.0, "eta": 5},
    "3 rates +-0.5 decade, one round": {"num_candidates": 3, "span_decades": 0.5},
    "3 rates +-1 decade, one round": {"num_candidates": 3, "span_decades": 1.0},
}


def task_regrets(task: Task) -> dict[tuple[str, bool], float]:
    """Mean regret over the range-test seeds of every design around both centres, keyed by
    ``(design, auto)``; the task's runs, truth, range tests and probes are read once."""
    runs = q.Runs(task)
    truth = q.ground_truth(task, runs, q.GRID_SEEDS)
    budget = int(q.PROBE_BUDGET * task.steps)
    regrets: dict[tuple[str, bool], list[float]] = {}
    for seed in q.RANGE_SEEDS:
        probes = q.CachedProbes(task, seed, train_missing=True)
        start_loss = probes.start_loss()
        centres = {
            False: q.task_record(task, seed, step_size=False),
            True: q.auto_result(task, seed, step_size=False)[0],
        }
        for auto, record in centres.items():
            for label, design in DESIGNS.items():
                refined = refine(
                    record,
                    probes,
                    budget_steps=budget,
                    start_loss=start_loss,
                    **design,  # type: ignore[arg-type]
                )
                score = runs.score(refined.lr, seed)
                assert score is not None  # trained if missing
                regrets.setdefault((label, auto), []).append(q.regret(task, truth, score))
    return {key: float(np.mean(values)) for key, values in regrets.items()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, nargs="*", default=list(range(22)))
    args = parser.parse_args(argv)
    tasks = [TASKS[n] for r in args.rounds for n in ROUNDS[r][1]]
    means = {task.name: task_regrets(task) for task in tasks}
    print(f"{len(tasks)} tasks (rounds {', '.join(map(str, args.rounds))}), 5 seeds each\n")
    print("| design | centre | acc. mean | acc. worst | loss mean | loss worst |")
    print("|---|---|---|---|---|---|")
    for label in DESIGNS:
        for auto in (False, True):
            acc = [means[t.name][label, auto] for t in tasks if t.higher_is_better]
            loss = [means[t.name][label, auto] for t in tasks if not t.higher_is_better]
            centre = 'default (`runs="auto"`)' if auto else "one range test"
            print(
                f"| {label} | {centre} | {np.mean(acc):.2f} | {max(acc):.1f} | "
                f"{np.mean(loss):.1f}% | {max(loss):.0f}% |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
