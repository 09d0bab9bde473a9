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


def _cached_seconds(tasks: Sequence[Task]) -> float:
    return sum(
        value.get("seconds", 0.0) for task in tasks for value in q.Runs(task).store.data.values()
    )


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
        "CPU, one thread per run. Training time held in the cache: "
        f"{_cached_seconds(tasks) / 60:.0f} min of wall time, measured on a shared 2-core "
        "machine under a load average of 5-9 (other jobs), so roughly 3x what an idle machine "
        "needs; a rerun with the cache takes seconds.",
        "",
        "**Protocol.** Range test: `lrfinder.lr_find`, 100 steps from 1e-7 to 10, from the model's "
        "initial weights, for seeds 0-4 (seed = initial weights and batch order); each rule "
        "replays its own tool's smoothing, stop rule and trimming on the raw record. Then train "
        "from those same weights with torch's `OneCycleLR(max_lr=suggestion)` (its defaults) for "
        "the task's budget, with the same seed. Ground truth: the same training over "
        f"max_lr in {{{', '.join(f'{v:g}' for v in q.GRID)}}} (half-decades) with seeds "
        f"{', '.join(map(str, q.GRID_SEEDS))}; the best grid mean is the target.",
        "",
        "Tasks marked *held out* were added after the default rule had been chosen (and left "
        "untouched after): they test whether the rule carries over.",
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
    lines += _targets_section(tasks, table)
    lines += _warnings_section(tasks, seeds)
    lines += _horizon_section(tasks)
    lines += NOTES
    return "\n".join(lines) + "\n"


NOTES = [
    "",
    "## Reading these numbers",
    "",
    "- The default (`knee`) was chosen on the first seven tasks; `digits_mlp` and `friedman_mse` "
    "were added afterwards as a check and the rule was not changed after seeing them (a variant "
    "that scans down from the minimum helped Friedman and hurt diabetes; it was dropped). Only "
    "the `too_noisy` threshold was lowered after them, from half to a quarter of the descent. "
    "The rule carries "
    "over to the MLP (regret -0.2) and fails on Friedman #1, where every rule fails: with batch 32 "
    "and MSE the range test's noise is as large as its descent (`too_noisy` fires), the "
    "suggestion moves by orders of magnitude between seeds, and the relative regret is large "
    "because the best test MSE is small (0.10).",
    "- Both loss-metric failures of the default are the two small-batch MSE regressions, whose "
    "curves `too_noisy` flags (every seed of diabetes, 4 of 5 of Friedman) and no other task's. "
    "There, no single reading of one curve is reliable: on diabetes the best rate is at the end "
    "of the descent (`descent_end`: 0.4%), on Friedman well above it; several runs or a "
    "larger batch for the range test are the remedy, or the probes (Friedman: 125% vs 312%).",
    "- The peers are replayed on the same raw records with their own smoothing, stop rule and "
    "trimming (`benchmarks/peers.py`), so their differences come from the rules, not from "
    "different runs. torch-lr-finder and ignite pick a point late on a lagging EMA, which "
    "happens to land near the 1cycle optimum on clean curves and far past it on noisy ones.",
    "- The fine-tuning task did not reproduce the regime where finders over-suggest (transformers "
    "fine-tuned at 1e-5): its best rate is high (0.1) because the pretrained body is small and "
    "weak. It is a test of a different start point, not of that regime.",
    "- The grid has half-decade resolution and two seeds; between grid points the truth is not "
    "known, and a max over noisy means favours the grid slightly (small negative regrets occur).",
    "- Probes are short (the last round is about 14% of the budget) and scored on small "
    "validation splits; uncorrected they favour high rates (text_lm, diabetes), corrected by "
    "`(steps ratio) ** 0.5` they undershoot on MNIST-1D. They helped on the accuracy tasks "
    "(mean 0.24 vs 0.40 points) at a cost of half a training run.",
]


def _family(tasks: Sequence[Task], rows: dict[str, q.Row], accuracy: bool) -> tuple[float, float]:
    means = [
        rows[t.name].mean
        for t in tasks
        if t.higher_is_better == accuracy and rows.get(t.name) and rows[t.name].regrets
    ]
    return (float(np.mean(means)), float(max(means))) if means else (math.nan, math.nan)


def _targets_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    default = next(name for name in table if "(default)" in name)
    rows = table[default]
    acc_mean, acc_worst = _family(tasks, rows, True)
    loss_mean, loss_worst = _family(tasks, rows, False)
    peers = [name for name in q.PEER_RULES if name in table]
    peer_acc = {p: _family(tasks, table[p], True) for p in peers}
    peer_loss = {p: _family(tasks, table[p], False) for p in peers}
    beats = all(
        acc_mean < peer_acc[p][0]
        and acc_worst < peer_acc[p][1]
        and loss_mean < peer_loss[p][0]
        and loss_worst < peer_loss[p][1]
        for p in peers
    )
    spreads = {t.name: rows[t.name].spread for t in tasks}
    wide = [f"`{n}` {v:.1f}x" for n, v in spreads.items() if v > 2.0]

    def mark(ok: bool) -> str:
        return "met" if ok else "**not met**"

    return [
        "",
        f"## The issue's targets, for the default (`{lrfinder.DEFAULT_METHOD}`)",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| mean regret <= 0.5 accuracy points | {acc_mean:.2f} | {mark(acc_mean <= 0.5)} |",
        f"| no accuracy task worse than 2 points | worst task {acc_worst:.2f} | "
        f"{mark(acc_worst <= 2.0)} |",
        f"| loss tasks <= 2% relative (mean / worst task) | {loss_mean:.1f}% / {loss_worst:.1f}% | "
        f"{mark(loss_worst <= 2.0)} |",
        "| lower mean and worst-case regret than every peer rule (accuracy and loss tasks "
        f"separately) | best peer by mean accuracy regret: "
        f"{min(peers, key=lambda p: peer_acc[p][0])} | {mark(beats)} |",
        f"| seed spread <= 2x on every task | {', '.join(wide) or 'all <= 2x'} | "
        f"{mark(not wide)} |",
    ]


def _warnings_section(tasks: Sequence[Task], seeds: Sequence[int]) -> list[str]:
    checks = [c for c in lrfinder.diagnostics.CHECKS]
    rows = []
    for task in tasks:
        counts = []
        for check in checks:
            fired = sum(check(q.our_record(*q.curve(task, seed))) is not None for seed in seeds)
            counts.append(str(fired) if fired else "·")
        rows.append(f"| `{task.name}` | " + " | ".join(counts) + " |")
    return [
        "",
        "## Warnings (`result.warnings`) on the benchmark's range tests",
        "",
        f"How many of the {len(seeds)} range tests of each task raise each warning.",
        "",
        "| task | " + " | ".join(f"`{c.__name__}`" for c in checks) + " |",
        "|---|" + "---|" * len(checks),
        *rows,
    ]


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
