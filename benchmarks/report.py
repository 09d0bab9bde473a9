"""Builds the Markdown report of ``quality.py`` from the cached (or freshly trained) runs."""

from __future__ import annotations

import math
import platform
import time
from collections.abc import Sequence

import numpy as np
import torch

import lrfinder
import quality as q
from tasks import Task


def _cell(task: Task, row: q.Row) -> str:
    if not row.regrets:
        return "–"
    unit = "" if task.higher_is_better else "%"
    return f"{row.mean:.1f}{unit} ({row.worst:.1f})"


def _spread(row: q.Row) -> str:
    spread = row.spread
    if not row.lrs or all(not (v and math.isfinite(v)) for v in row.lrs):
        return "–"
    return "fail" if math.isinf(spread) else f"{spread:.1f}x"


def _summary(tasks: Sequence[Task], rows: dict[str, q.Row]) -> tuple[str, str, str]:
    acc = [rows[t.name] for t in tasks if t.higher_is_better and rows[t.name].regrets]
    loss = [rows[t.name] for t in tasks if not t.higher_is_better and rows[t.name].regrets]
    acc_mean = f"{np.mean([r.mean for r in acc]):.2f}" if acc else "–"
    acc_worst = f"{max(r.mean for r in acc):.1f}" if acc else "–"
    loss_part = f"{np.mean([r.mean for r in loss]):.1f}% / {max(r.mean for r in loss):.1f}%"
    return acc_mean, acc_worst, loss_part if loss else "–"


def build_report(
    tasks: Sequence[Task], seeds: Sequence[int], *, rules_only: bool, quick: bool
) -> str:
    rules = q.all_rules()
    table: dict[str, dict[str, q.Row]] = {name: {} for name in rules}
    for label in q.BASELINES:
        table[f"baseline: {label}"] = {}
    probe_label = f"lrfinder {lrfinder.DEFAULT_METHOD} + probes"
    horizon_label = f"{probe_label}, horizon-corrected"
    table[probe_label] = {}
    table[horizon_label] = {}
    truths: dict[str, q.Truth] = {}
    for task in tasks:
        runs = q.Runs(task)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)
        truths[task.name] = truth
        for name, rule in rules.items():
            table[name][task.name] = q.score_rule(task, truth, runs, rule, seeds)
        fixed = q.Runs(task, train_missing=not rules_only)
        for label in q.BASELINES:
            table[f"baseline: {label}"][task.name] = q.score_baseline(
                task, truth, fixed, label, seeds
            )
        for label, horizon in ((probe_label, False), (horizon_label, True)):
            table[label][task.name] = (
                q.score_probe(task, truth, fixed, seeds, horizon=horizon)
                if not quick
                else q.Row([], [])
            )
        q.log(f"scored {task.name}")

    lines = [
        "# Suggestion quality: regret against a grid search",
        "",
        "Reproduce (from the repository root; cached runs in `benchmarks/cache/` make it fast):",
        "",
        "```",
        "python benchmarks/quality.py            # everything; trains only what is not cached",
        "python benchmarks/quality.py --rules-only   # re-score the rules from the cache",
        "```",
        "",
        f"Generated {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with lrfinder "
        f"{lrfinder.__version__}, torch {torch.__version__}, Python {platform.python_version()}, "
        "CPU, one thread per run.",
        "",
        "**Protocol.** Range test: `lrfinder.lr_find`, 100 steps from 1e-7 to 10, from the model's "
        "initial weights, for seeds 0-4 (seed = initial weights and batch order); each rule "
        "replays its own tool's smoothing, stop rule and trimming on the raw record. Then train "
        "from those same weights with torch's `OneCycleLR(max_lr=suggestion)` (its defaults) for "
        "the task's budget, with the same seed. Ground truth: the same training over "
        f"max_lr in {{{', '.join(f'{v:g}' for v in q.GRID)}}} (half-decades) with seeds "
        f"{', '.join(map(str, q.GRID_SEEDS))}; the best grid mean is the target.",
        "",
        "**Regret** = best grid mean minus the metric at the suggestion, in accuracy points, or for "
        "loss tasks the excess loss in % of the best. Cells show `mean over the 5 seeds (worst "
        "seed)`. Suggestions are rounded to 0.02 decade for caching. A rule that returns nothing "
        "scores as a diverged run (chance accuracy / the untrained loss). The grid's best is a "
        "max over noisy means, so a perfect rule still shows a small positive regret, and a "
        "suggestion between grid points can show a negative one.",
        "",
        "## Tasks and ground truth",
        "",
        "| task | setup | metric | budget (steps x batch) | best grid max_lr | best grid metric |",
        "|---|---|---|---|---|---|",
    ]
    for task in tasks:
        truth = truths[task.name]
        metric = "test accuracy %" if task.higher_is_better else "test loss"
        lines.append(
            f"| `{task.name}` | {task.description} | {metric} | {task.steps} x {task.batch_size} "
            f"| {truth.best_lr:g} | {truth.best:.4g} |"
        )
    names = [t.name for t in tasks]
    lines += [
        "",
        "## Regret per task and rule",
        "",
        "| rule | "
        + " | ".join(f"`{n}`" for n in names)
        + " | mean acc. regret | worst task (acc.) | loss tasks: mean / worst |",
        "|---|" + "---|" * (len(names) + 3),
    ]
    for name, rows in table.items():
        if not any(rows[n].regrets for n in names):
            continue
        acc_mean, acc_worst, loss_part = _summary(tasks, rows)
        cells = " | ".join(_cell(t, rows[t.name]) for t in tasks)
        label = f"**{name}**" if "(default)" in name or name.startswith(probe_label) else name
        lines.append(f"| {label} | {cells} | {acc_mean} | {acc_worst} | {loss_part} |")
    lines += [
        "",
        "## Seed spread of the suggestion (max / min over the 5 range-test seeds)",
        "",
        "| rule | " + " | ".join(f"`{n}`" for n in names) + " | worst |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for name, rows in table.items():
        if name.startswith("baseline"):
            continue
        spreads = [rows[n].spread for n in names if rows[n].lrs]
        if not spreads:
            continue
        worst = max(spreads)
        worst_text = "fail" if math.isinf(worst) else f"{worst:.1f}x"
        lines.append(
            f"| {name} | " + " | ".join(_spread(rows[n]) for n in names) + f" | {worst_text} |"
        )
    costs = [table[probe_label][n].cost_steps for n in names if table[probe_label][n].lrs]
    if costs:
        lines += [
            "",
            "## Probes: cost",
            "",
            f"`lrfinder.probe.refine` with a budget of {q.PROBE_BUDGET:g} x the training budget: "
            "5 candidates over ±1 decade around the default suggestion, successive halving "
            "(eta=3), short 1cycle probes scored by validation loss (never the test split), "
            "never above the lr at the curve's minimum. The horizon-corrected row runs the same "
            "probes and multiplies the winner by `(last round's steps / training budget) ** "
            f"{q.PROBE_HORIZON_EXPONENT}` (`refine(..., horizon_steps=budget)`). "
            "Mean steps spent per task: "
            + ", ".join(
                f"`{n}` {table[probe_label][n].cost_steps:.0f}"
                for n in names
                if table[probe_label][n].lrs
            )
            + " (plus the 100-step range test).",
        ]
    lines += _horizon_section(tasks)
    return "\n".join(lines) + "\n"


def _horizon_section(tasks: Sequence[Task]) -> list[str]:
    chosen = [t for t in tasks if t.name in q.HORIZON_TASKS]
    rows = []
    for task in chosen:
        base = q.ground_truth(task, q.Runs(task, train_missing=False), q.GRID_SEEDS)
        cells = []
        for factor in q.HORIZON_FACTORS:
            truth = q.horizon_truth(task, factor)
            if truth is None:
                cells.append("–")
                continue
            found = q.horizon_rows(task, factor)
            plain, corrected = found["as is"], found["corrected"]
            shift = math.log10(truth.best_lr / base.best_lr)
            cells.append(
                f"{truth.best_lr:g} ({shift:+.1f} dec.); regret {_cell(task, plain)} as is, "
                f"{_cell(task, corrected)} corrected"
            )
        rows.append(f"| `{task.name}` | {base.best_lr:g} | " + " | ".join(cells) + " |")
    if not rows:
        return []
    heads = " | ".join(f"{f:g} x budget: best max_lr; default's regret" for f in q.HORIZON_FACTORS)
    return [
        "",
        "## Horizon: does the best max_lr move with the training length?",
        "",
        "The grid (same seeds, window of ±1.5 decades around the 1x best) rerun at other budgets, "
        "and the default suggestion (from the same 100-step range test) trained at those budgets, "
        f"as is and corrected by `(budget factor) ** -{q.HORIZON_EXPONENT}`.",
        "",
        f"| task | 1 x budget: best max_lr | {heads} |",
        "|---|---|" + "---|" * len(q.HORIZON_FACTORS),
        *rows,
    ]
