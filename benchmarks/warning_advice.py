"""Does each warning's advice help on the curves where the warning fires?

Usage (from the repository root)::

    python benchmarks/warning_advice.py            # the tables, from the cache
    python benchmarks/warning_advice.py --write    # and record them in WARNING_ADVICE.md

``result.warnings`` does two jobs: it says when not to trust the suggestion (RESULTS.md measures
that: the default loses far more where a warning speaks), and it tells the user what to do
instead. This study measures the second job. For every task it takes what ``lr_find`` returns by
default (``quality.auto_result``: one range test, or five when the first cannot be read alone) on
the two grid seeds, sorts the seeds by the warnings that result carries, and scores, on the seeds
each warning fires on, the suggestion as returned and every remedy the warning text names that
the cache can replay:

* ``+ probes``: ``lrfinder.probe.refine`` around the suggestion, half a run's steps
  (``quality.score_probe``, as the ``default + probes`` row of RESULTS.md);
* ``verify, decades``: ``lrfinder.verify`` with the factors that were its default when this was
  written (full training runs at 0.01, 0.1, 1, 10 and 100 times the suggestion: five runs);
* ``verify, half decades``: the same with ``factors=(0.316, 1, 3.16)`` (three runs), and
  ``verify, five half decades`` with ``factors=(0.1, 0.316, 1, 3.16, 10)`` (five runs, the
  cost of the old default; verify's default since this study);
* ``low end`` (the runs-disagree warning's "prefer the low end"): the low end of the runs'
  suggestion interval;
* ``below the spike`` (the loss-spiked warning): the bottom of the valley before the spike.

Replaying them from the cache needs two approximations, both stated in the table: a rate is
moved to the nearest rate of the grid (half-decade steps, so at most a quarter decade), and
``verify``'s choice, which it makes on the user's validation data, is made here on the other
grid seed's test score (seed 1 picks for seed 0 and the other way round): a choice with a
different initialisation's noise, never the score it is judged on. Each remedy's cost is in
training runs of the task's length (probes: half of one; ``verify``: one per rate).

The decision, written before the full table was read (a first look had shown that the probes do
not help where the loss never descended, and that full runs around the suggestion do): a warning
names a remedy only if, on the seeds where it fires, that remedy's mean regret is lower than the
suggestion's in each family with at least ten such seeds; a remedy that fails is taken out of
the text, and the cheapest one that passes is named first. Warnings whose remedy changes the
range test itself (a lower start_lr, a higher end_lr, more steps, a larger batch) cannot be
replayed from the cache; the table counts their seeds and regret, and says so.

What the table found, and what changed (the rows ``every seed`` were added after the first
reading, for the second decision): no warning names the probes any more (they helped on no
warned curve in both families; the readings-disagree warning, added later, passes them, and names
them first, before the full runs), the runs-disagree warning no longer says to prefer the low end
of the runs' suggestions (it trained far worse than their median), and the loss-spiked warning no
longer pointed below the spike (worse on the classifiers; round 40 turned that by one seed, a
fresh-head fine-tune with RMSprop whose suggestion diverged, and the warning names the rate below
the spike again, first, as the rule orders). ``verify``'s own default became the
five half decades: picking the best of the old decades lost accuracy against the suggestion even
where no warning spoke, while the half decades at the same cost did better than the decades on
every seed together, in both families.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence

import numpy as np

import lrfinder
import quality as q
from lrfinder import diagnostics
from lrfinder.multirun import MultiRunResult
from tasks import TASKS

#: lrfinder.verify's default factors, and the three-run variant measured beside them.
VERIFY_FACTORS = {
    "verify, decades": (0.01, 0.1, 1.0, 10.0, 100.0),
    "verify, half decades": (10**-0.5, 1.0, 10**0.5),
    "verify, five half decades": (0.1, 10**-0.5, 1.0, 10**0.5, 10.0),
}
REMEDY_RUNS = {"+ probes": q.PROBE_BUDGET} | {
    label: len(factors) for label, factors in VERIFY_FACTORS.items()
}
#: What each warning's text told the user to do when this study was written (before its
#: decision): "run again" means a change to the range test, which the cache cannot replay.
ADVICE = {
    "no descent": ("+ probes", "run again"),
    "runs without descent": ("verify, decades", "+ probes"),
    "runs disagree": ("low end", "run again"),
    "loss spiked": ("below the spike",),
    "too noisy": ("run again",),
    "suggestion at edge": ("run again",),
    "stopped before minimum": ("run again",),
    "diverged early": ("run again",),
}
MIN_SEEDS = 10  # the decision reads a family only where the warning fired on this many seeds
SILENT = "no warning"
EVERY = "every seed"


def _named_checks(result: lrfinder.RangeTestResult) -> dict[str, Callable[[], str | None]]:
    """Each warning the default can return, by a short name, as a check of ``result``."""
    checks = {
        check.__name__.replace("_", " "): (lambda check=check: check(result))
        for check in diagnostics.CHECKS
    }
    if isinstance(result, MultiRunResult):  # the warnings only several runs can show
        checks["runs without descent"] = result._runs_without_descent
        checks["runs disagree"] = result._wide_spread
    return checks


def fired(result: lrfinder.RangeTestResult) -> list[str]:
    """The names of the warnings ``result.warnings`` carries."""
    messages = set(result.warnings)
    return [name for name, check in _named_checks(result).items() if check() in messages]


def _grid_rate(lr: float) -> float:
    grid = np.asarray(q.GRID)
    return float(grid[np.argmin(np.abs(np.log10(grid) - math.log10(lr)))])


class Seed:
    """One task's grid seed: the default's result and the regret of each remedy on it."""

    def __init__(self, task: q.Task, runs: q.Runs, truth: q.Truth, seed: int) -> None:
        self.task, self.runs, self.truth, self.seed = task, runs, truth, seed
        self.result, _ = q.auto_result(task, seed)
        self.warnings = fired(self.result)

    def at(self, lr: float) -> float | None:
        """Regret of training at the grid rate nearest ``lr`` on this seed."""
        value = self.runs.score(_grid_rate(lr), self.seed)
        return None if value is None else q.regret(self.task, self.truth, value)

    def suggestion(self) -> float | None:
        row = q.score_auto(self.task, self.truth, self.runs, [self.seed])
        return row.regrets[0] if row.regrets else None

    def probes(self) -> float | None:
        row = q.score_probe(
            self.task, self.truth, self.runs, [self.seed], horizon=False, auto=True, step_size=True
        )
        return row.regrets[0] if row.regrets else None

    def verify(self, factors: Sequence[float]) -> float | None:
        """``lrfinder.verify`` at ``factors`` times the suggestion, choosing by the other seed."""
        other = q.GRID_SEEDS[1 - q.GRID_SEEDS.index(self.seed)]
        rates = {_grid_rate(self.result.suggestion * f) for f in factors}
        scored = [(s, lr) for lr in rates if (s := self.runs.score(lr, other)) is not None]
        if not scored:
            return None
        pick = max(scored) if self.task.metric == "accuracy" else min(scored)
        return self.at(pick[1])

    def regrets(self) -> dict[str, float | None]:
        out = {"suggestion": self.suggestion(), "+ probes": self.probes()}
        out |= {label: self.verify(factors) for label, factors in VERIFY_FACTORS.items()}
        if "runs disagree" in self.warnings:
            out["low end"] = self.at(self.result.suggestion_interval[0])
        if "loss spiked" in self.warnings:
            curve = self.result.curve
            out["below the spike"] = self.at(float(curve.lrs[curve.first_valley_index]))
        return out


def collect(names: Sequence[str]) -> list[tuple[str, list[str], dict[str, float | None]]]:
    """(task, warnings, regret per remedy) for each grid seed of each task."""
    out = []
    for name in names:
        task = TASKS[name]
        runs = q.Runs(task, train_missing=False)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)  # once per task, shared by its seeds
        for seed in q.GRID_SEEDS:
            try:
                one = Seed(task, runs, truth, seed)
            except q.MissingProbeError:
                continue
            out.append((name, one.warnings or [SILENT], one.regrets()))
    return out


#: The remedies only one warning names, replayed only on its seeds.
OWN_REMEDY = {"low end": "runs disagree", "below the spike": "loss spiked"}
REMEDIES = ("suggestion", "+ probes", *VERIFY_FACTORS, *OWN_REMEDY)
COST = REMEDY_RUNS | dict.fromkeys(OWN_REMEDY, 0.0)


def _applies(remedy: str, warning: str) -> bool:
    return OWN_REMEDY.get(remedy, warning) == warning


def _mean(chosen: list[dict[str, float | None]], remedy: str) -> float | None:
    values = [r[remedy] for r in chosen if r.get(remedy) is not None]
    return float(np.mean(values)) if values else None


def tables(records: list[tuple[str, list[str], dict[str, float | None]]]) -> list[str]:
    lines = [
        "Grid seeds (two per task) of the default (`lr_find` as it runs by default) by the "
        "warnings it returns; a seed with several warnings counts under each. Cells: mean "
        "regret (accuracy points, or % excess loss) on those seeds, for the suggestion as "
        "returned and for each remedy the cache can replay (the low end only where the runs "
        "disagree, the rate below the spike only where the loss spiked); the column `names` "
        "gives the remedies the warning's text named when this was written. Cost in training "
        "runs of the task's length: "
        + ", ".join(f"`{label}` {runs:g}" for label, runs in REMEDY_RUNS.items())
        + "; the low end and the rate below the spike cost nothing.",
        "",
        "| warning | names | family | seeds | " + " | ".join(REMEDIES) + " |",
        "|---|---|---|---|" + "---|" * len(REMEDIES),
    ]
    decision = []
    records = [(task, [*warnings, EVERY], regrets) for task, warnings, regrets in records]
    for warning in sorted({w for _, ws, _ in records for w in ws}, key=_order):
        passed = {r: True for r in REMEDIES[1:] if _applies(r, warning)}
        read = []
        for metric in ("accuracy", "loss"):
            chosen = [
                regrets
                for task, warnings, regrets in records
                if warning in warnings and TASKS[task].metric == metric
            ]
            if not chosen:
                continue
            means = {r: _mean(chosen, r) if _applies(r, warning) else None for r in REMEDIES}
            cells = ["·" if m is None else f"{m:.2f}" for m in means.values()]
            named = ", ".join(ADVICE.get(warning, ())) or "–"
            lines.append(
                f"| {warning} | {named} | {metric} | {len(chosen)} | " + " | ".join(cells) + " |"
            )
            if len(chosen) < MIN_SEEDS or means["suggestion"] is None:
                continue
            read.append(f"{metric} ({len(chosen)} seeds, {means['suggestion']:.2f})")
            for remedy in passed:
                passed[remedy] &= means[remedy] is not None and means[remedy] < means["suggestion"]
        if warning not in (SILENT, EVERY) and read:
            decision.append(_decision(warning, read, passed))
    return [
        *lines,
        "",
        f"The decision (a remedy is named only if it lowers the mean regret in every family with "
        f"{MIN_SEEDS} or more seeds; the cheapest first):",
        "",
        *decision,
    ]


def _decision(warning: str, read: list[str], passed: dict[str, bool]) -> str:
    """The decision's line for one warning: the remedies that passed, cheapest first, and the
    ones its text named that failed."""
    keep = sorted((r for r, ok in passed.items() if ok), key=lambda r: COST[r])
    drop = [r for r in ADVICE.get(warning, ()) if r in passed and not passed[r]]
    return (
        f"- **{warning}** (read on {' and '.join(read)}): "
        + (f"name {', then '.join(keep)}" if keep else "no replayable remedy helps")
        + (f"; take out {', '.join(drop)}" if drop else "")
        + "."
    )


def _order(warning: str) -> tuple[bool, bool, str]:
    return (warning == EVERY, warning == SILENT, warning)


def main(argv: Sequence[str] | None = None) -> int:
    return q.study_main(
        argv,
        __doc__,
        lambda names, train: tables(collect(names)),
        "WARNING_ADVICE.md",
        "Does each warning's advice help where it fires?",
    )


if __name__ == "__main__":
    sys.exit(main())
