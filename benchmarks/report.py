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
from lrfinder.batch_noise import correction_factors
from tasks import ROUNDS, Task, run_metadata


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
    loss_part = (
        f"{np.mean([r.mean for r in loss]):.1f}% / {max(r.mean for r in loss):.1f}%"
        if loss
        else "–"
    )
    return acc_mean, acc_worst, loss_part


def build_report(
    tasks: Sequence[Task], seeds: Sequence[int], *, rules_only: bool, quick: bool
) -> str:
    rules = q.all_rules()
    table: dict[str, dict[str, q.Row]] = {q.DEFAULT_LABEL: {}, q.KNEE_ALONE_LABEL: {}}
    table |= {name: {} for name in rules}
    for label in q.BASELINES:
        table[f"baseline: {label}"] = {}
    table |= {label: {} for label in q.PROBE_ROWS}
    table[q.ORACLE_LABEL] = {}
    truths: dict[str, q.Truth] = {}
    for task in tasks:
        runs = q.Runs(task)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)
        truths[task.name] = truth
        table[q.DEFAULT_LABEL][task.name] = q.score_auto(task, truth, runs, seeds)
        table[q.KNEE_ALONE_LABEL][task.name] = q.score_auto(
            task, truth, runs, seeds, step_size=False
        )
        for name, rule in rules.items():
            table[name][task.name] = q.score_rule(task, truth, runs, rule, seeds)
        table[q.ORACLE_LABEL][task.name] = q.score_oracle(task, truth, runs, seeds)
        fixed = q.Runs(task, train_missing=not rules_only)
        for label in q.BASELINES:
            table[f"baseline: {label}"][task.name] = q.score_baseline(
                task, truth, fixed, label, seeds
            )
        for label, options in q.PROBE_ROWS.items():
            table[label][task.name] = (
                q.score_probe(task, truth, fixed, seeds, **options) if not quick else q.Row([], [])
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
        "machine, much of it under a load average of 5-9 from other jobs (up to 3x what an idle "
        "machine needs); a rerun with the cache takes seconds.",
        "",
        "**The default blends two readings.** Since `lrfinder.step_size`, the PyTorch adapters "
        "measure how far one unit of learning rate moves the weights early in the test (the "
        "sensitivity `k`), and `result.suggestion` is the geometric mean of the knee and "
        "`10**c / k`, with `c` fitted per optimizer family on rounds 0-28 "
        "([GRAD_SIGNALS.md](GRAD_SIGNALS.md), whose decision rule was stated before rounds "
        "29-32 were read). The cached range tests predate the reading, so each seed's `k` is "
        "replayed through the library's own meter from the per-step weight and update norms that "
        "`benchmarks/grad_signals.py` recorded on the same range test (same weights, batches and "
        'ladder); the reruns of `runs="auto"` carry their first run\'s `k` (theirs were not '
        "recorded; `k` moves little even between seeds, within 2x over all five on 249 of 258 "
        "tasks). Rows named *alone* read the knee "
        "without the blend: the default before it; so do the probes rows marked *alone*, whose "
        "probes were trained around it first.",
        "",
        "**Protocol.** Range test: `lrfinder.lr_find`, 100 steps from 1e-7 to 10, from the model's "
        "initial weights, for seeds 0-4 (seed = initial weights and batch order); each rule "
        "replays its own tool's smoothing, stop rule and trimming on the raw record. Then train "
        "from those same weights with torch's `OneCycleLR(max_lr=suggestion)` (its defaults) for "
        "the task's budget, with the same seed. Ground truth: the same training over "
        f"max_lr in {{{', '.join(f'{v:g}' for v in q.GRID)}}} (half-decades) with seeds "
        f"{', '.join(map(str, q.GRID_SEEDS))}; the best grid mean is the target.",
        "",
        f"**The default** is what `lrfinder.lr_find` does when called without options: "
        f'`runs="auto"`, the `{lrfinder.DEFAULT_METHOD}` rule on one range test, and on '
        f"{q.AUTO_RUNS} (`runs={q.AUTO_RUNS}`'s median suggestion, the first run repeated and "
        "four more batch orders, six tests in all) when that test's curve never clearly "
        "descended or is too noisy to read alone. Its row is replayed from the cached 5-run "
        "tests of `benchmarks/quality_runs.py`. The row `one run` is the same rule on the first "
        "range test alone, which is what every other row reads: the peers get one curve each "
        "(they get five in `benchmarks/RUNS.md`, and it helps them little).",
        "",
        "Tasks marked *held out* were added after the default rule had been chosen, in "
        f"{len(ROUNDS) - 1} rounds, each scored once before anything changed; see "
        '"By round" below for what was '
        "changed after reading each round.",
        "",
        "**Regret** = best grid mean minus the metric at the suggestion, in accuracy points, or for "
        "loss tasks the excess loss in % of the best. Cells show `mean over the 5 seeds (worst "
        "seed)`. Suggestions are rounded to 0.02 decade for caching. A rule that returns nothing "
        "scores as a diverged run (chance accuracy / the untrained loss), and so does a run whose "
        "loss goes non-finite or ends above the untrained model's (before 2026-11-28 a finite "
        "blow-up counted at its size, which put some cells at 1e17%). The grid's best is a "
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
        bold = "(default)" in name or name.startswith(q.PROBE_LABEL) or name == q.AUTO_PROBE_LABEL
        label = f"**{name}**" if bold else name
        lines.append(f"| {label} | {cells} | {acc_mean} | {acc_worst} | {loss_part} |")
    short = _short_cells(tasks, table, seeds)
    lines += [
        "",
        f"Cells scored on fewer than the {len(seeds)} seeds (a seed whose training or probes the "
        "cache lacked, which `--rules-only` does not train; the phase that trains them is "
        "`--phase rules` or `--phase probes`): " + (", ".join(short) or "none") + ".",
        "",
        "## Seed spread of the suggestion (max / min over the 5 range-test seeds)",
        "",
        "| rule | " + " | ".join(f"`{n}`" for n in names) + " | worst |",
        "|---|" + "---|" * (len(names) + 1),
    ]
    for name, rows in table.items():
        if name.startswith("baseline") or name == q.ORACLE_LABEL:
            continue
        spreads = [rows[n].spread for n in names if rows[n].lrs]
        if not spreads:
            continue
        worst = max(spreads)
        worst_text = "fail" if math.isinf(worst) else f"{worst:.1f}x"
        lines.append(
            f"| {name} | " + " | ".join(_spread(rows[n]) for n in names) + f" | {worst_text} |"
        )
    probes = table[q.PROBE_LABEL]
    costs = [probes[n].cost_steps for n in names if probes[n].lrs]
    if costs:
        lines += [
            "",
            "## Probes: cost",
            "",
            f"`lrfinder.probe.refine` with a budget of {q.PROBE_BUDGET:g} x the training budget: "
            "5 candidates over ±1 decade around the default suggestion, successive halving "
            "(eta=3), short 1cycle probes scored by validation loss (never the test split), "
            "never above the lr at the curve's floor, given the untrained model's validation "
            "loss (`start_loss`): a round in which no probe ends 1% below it passes on the rates "
            "nearest the suggestion, and if the last round learned nothing the suggestion stands. "
            "That happened on "
            + (
                ", ".join(
                    f"`{n}` ({probes[n].plateaus} of {len(probes[n].lrs)})"
                    for n in names
                    if probes[n].plateaus
                )
                or "no task"
            )
            + ". The horizon-corrected row runs the same "
            "probes and multiplies the winner by `(last round's steps / training budget) ** "
            f"{q.PROBE_HORIZON_EXPONENT}` (`refine(..., horizon_steps=budget)`). "
            "Mean steps spent per task: "
            + ", ".join(f"`{n}` {probes[n].cost_steps:.0f}" for n in names if probes[n].lrs)
            + " (plus the 100-step range test). The row "
            f"`{q.AUTO_PROBE_LABEL}` runs the same refinement on what `lr_find` returns by "
            "default, as `lrfinder.refine_setup(factory)` and the `lrfinder refine` command do: "
            "probes centred on the default's suggestion and capped at the floor of its curve "
            "(the runs' median curve where it ran six tests), for the same probe budget on top "
            f"of the default's range tests; `{q.KNEE_ALONE_AUTO_PROBE_LABEL}` does the same around "
            "the knee alone, as they did before the step-size blend. "
            f"`{q.ONE_RUN_PROBE_LABEL}` refines the first range test alone, blended as "
            f"`lr_find(runs=1)` gives it; `{q.PROBE_LABEL}` and its horizon-corrected row refine "
            "it around the knee alone.",
        ]
    lines += _auto_cost_section(tasks, table)
    lines += _rounds_section(tasks, table)
    lines += _targets_section(tasks, table)
    lines += _five_seed_section(tasks, table)
    lines += _paired_section(tasks, table)
    lines += _corrections_section(tasks, table)
    lines += _warnings_section(tasks, seeds)
    lines += _trust_section(tasks, seeds, table)
    lines += _horizon_section(tasks)
    lines += NOTES
    return "\n".join(lines) + "\n"


NOTES = [
    "",
    "## Reading these numbers",
    "",
    "- **History of the default.** `knee` was chosen on the 7 round-0 tasks. Round 1 "
    "(`digits_mlp`, `friedman_mse`) was then scored: the rule carried over to the MLP and failed "
    "on Friedman (312%), where a steep wiggle of noise decades before the real descent anchored "
    "the descent. Reading that led to `Curve.basin_start` (the rules read only the descent into "
    "the floor): Friedman fell to 45% and no other task moved. Round 2 was scored next and "
    "showed a loss spike on `digits_mlp_b512` (Adam, batch 512): the curve falls most of the "
    "way, spikes, then falls lower still just before diverging; `knee` read the second valley "
    "and lost 9.8 points, because full training at those rates diverges. Reading that led to "
    "`Curve.floor_index` (the floor is the bottom of the valley before the first spike): 0.7 "
    "points, no other task moved, and the new `loss_spiked` warning fires on 4 of its 5 curves "
    "only. Its two constants (three quarters of the descent, a tenth of it) sit in a narrow "
    "window between Friedman's noise dips and that task's shallowest first valley.",
    "- **Round 3**, scored once with the rules frozen, found two regimes the default misses. "
    "`mnist1d_cnn_sgd_b32`: in 100 steps of SGD at batch 32 the 1-D CNN barely learns (loss 2.30 "
    "to 2.15), and the best 1cycle rate sits just below a cliff (about 0.17 trains to 80%+, "
    "0.18-0.3 collapse); the knee lands at or past the cliff on 3 of 5 seeds (29 points). Every "
    "rule but Lightning's, which undershoots everywhere else, loses 7 points or more there. "
    "`diabetes_adam_b128` overfits: the best test loss is at 3e-4 to 1e-3, where the training "
    "curve has only begun to fall, and above 3e-3 the test loss ends worse than the untrained "
    "model's. No rule that reads a training-loss curve can see that; only the rules that "
    "undershoot everywhere (our `valley`: 4%) land low enough. A range test measures how fast "
    "the *training* loss falls, not generalisation: for a tiny data set trained for many epochs, "
    "check a held-out loss over a full-length run: short probes do not show it either (after "
    "45 steps the high rates still look best on validation loss).",
    "- **Round 4**, scored once with the rules still frozen, found a third regime: the plateau. "
    "A GRU on MNIST-1D (Adam) and an unnormalised CNN trained with batch-16 SGD do not start "
    "learning within a 100-step range test: the loss stays flat at chance level until it climbs. "
    "With no descent to read, every rule read noise (the default's suggestion moved by 10^5x "
    "between seeds and lost 79 and 35 points); of the peers only fastai's `slide`, which walks "
    "back from the blow-up, landed near the best rate. `no_descent` fired on 9 of those 10 "
    "curves. Reading that led to `Curve.climb_index`: on a curve that never clearly descends, "
    "`knee` now suggests where the loss starts to climb (the change point in the share of losses "
    "two noise deviations above the start). The CNN went from 79 to 28 points, the GRU from 35 to "
    "19; on the earlier rounds it moved one curve, the one Friedman curve on which `no_descent` "
    "fires, from 67% to 842% excess loss (Friedman's mean 45% to 200%). The logistic regression "
    "(convex, SGD) is read well (0.3 points).",
    "- **Round 5**, scored once with the climb rule frozen: on its curves that never descend it "
    "beat the rule it replaced (scored on the same curves for comparison): the small-batch tanh "
    "regression 173% to 86% mean excess loss on its 4 such curves (3 of 4 within 16%), the LSTM "
    "23 points either way (it barely trains at any rate in 300 steps: best 33% accuracy). The deep "
    "tanh MLP with batch-32 SGD is the cliff again: its curve descends, the knee reads 0.46-0.61 "
    "and the best rate is 0.1 (22 points); fastai's `slide` gets 0.5 there. On this round fastai's "
    "`minimum` and `valley` beat the default (5.8 and 5.9 points against 15.5; 14% and 13% "
    "against 71% on the regression). Across rounds 3-5 the misses are small-batch SGD (the "
    "range test sees rates as stable that collapse a full run), recurrent networks and "
    "overfitting.",
    "- **Round 5 was then read for `runs=N`** (the single-run rule did not change): with the "
    "climb, a run that fails the descent test by chance on a noisy regression dragged the median "
    "of five suggestions past the other runs' floors (Friedman 336%), so the aggregate now reads "
    "only the runs whose loss clearly descended, when any did (`benchmarks/RUNS.md`).",
    "- **Round 6**, scored once with everything frozen (a BatchNorm CNN with batch-16 SGD, a "
    "LayerNorm MLP with SGD, the character LM at batch 64, a regression with AdamW): the default "
    "loses 0.57 points on average (worst 0.6) and 6.0% on the loss tasks (the LM 1.2%, the "
    "regression 10.8%); fastai's `minimum` is as good there (0.56, -0.4%), every other peer is "
    "worse.",
    "- **Probes that learn nothing** (a change to `lrfinder.probe.refine`, made after reading "
    "rounds 0-6; the default rule unchanged): on a plateau (round 4's batch-16 CNN) no probe "
    "moves the held-out loss, and the lowest rate won only because it moved the weights least "
    "(28 points for the default alone, 68 with probes). Given the untrained model's held-out "
    "loss (`start_loss`), `refine` now ignores the ranking of a round in which no probe ended "
    "1% below it (the rates nearest the suggestion go on) and keeps the suggestion when even "
    "the last round learned nothing. On rounds 0-6 that CNN went back to 28 points, the LSTM "
    "moved by 0.1 and nothing else changed.",
    "- **Round 7**, scored once with the default frozen since round 5 and the probes' change in "
    "place (a GroupNorm CNN with Nesterov SGD and weight decay at batch 32, a residual MLP with "
    "Adam at batch 32, a dropout MLP with RMSprop, a regression whose target is left in its own "
    "units): the default loses -1.1 and 0.7 points on the two MLPs and 25.5 on the GroupNorm "
    "CNN, whose curves barely descend before they blow up (one seed read a noise dip at 2e-3, "
    "one suggested a late climb at 2.3: 39 and 88 points; the best rates span 0.02-0.3), and "
    "42% excess loss on the regression (it undershoots: 0.1-0.27 against 0.32). fastai's "
    "`minimum` did best on this round (-0.3 points, worst 0.2; 19%); the default with probes "
    "lost 0.40 points (worst 2.2) and 39%. Over those 30 tasks, fastai `minimum`'s loss mean "
    "(46.3%) was then below the default's (48.0%).",
    "- **Small batches** (a change to `result.suggestion`, made after reading rounds 0-7; the "
    "rules that read the curve are unchanged; `lrfinder.batch_noise`): at 32 examples or fewer "
    "per update the knee is divided by 10**0.5. First for momentum SGD only: on rounds 0-7 it "
    "improved or kept all 8 such tasks (the cliffs: MNIST-1D CNN 29 to 5 points, batch-16 CNN 28 "
    "to 10, deep tanh MLP 22 to 1.4; the tanh regression 71% to 12%, diabetes 7.8% to -0.1%), "
    "while at batches of 128 and 256 it would have cost 6 points and 168%. **Round 8**, held out "
    "for that version: of its three momentum-SGD tasks it fixed the regression (313% to 58%), "
    "left one alone (0.2 to 0.4 points) and cost the LayerNorm MLP 5 points (-0.9 to 4.4); the "
    "tasks it left alone needed it more: plain SGD at batch 32 (64.5 points at the knee, 8.6 "
    "corrected) and Adam at batch 16 (21.3 and 0.8); at batch 64 nothing changes (0.0). So the "
    "correction was extended to every optimizer. **Round 9**, held out for that: RMSprop at "
    "batch 16 0.75 to 0.45 points, a BatchNorm CNN with Adam at 32 0.3 to 0.6, a residual MLP "
    "with SGD at 16 -0.8 to 2.7, a noisy AdamW regression at 16 388% to 279% (its curves barely "
    "descend; fastai `valley` 29%); the controls at 64 and 128 lose 2.4 and 0.0. The correction "
    "trades a few points where the knee was right for the collapses where it was not.",
    "- **The probes' cap** (changed after reading rounds 0-9): short probes favour high rates, "
    "and above the corrected suggestion they undid the correction (the deep tanh MLP 1.4 points "
    "alone, 23.6 with probes). At small batches the probes' cap (the curve's floor) is now "
    "lowered by the same factor: the deep tanh MLP 2.0 with probes, the MNIST-1D CNN with SGD "
    "14.9 to 0.6, the fine-tune 7.6 to 3.9; it cost plain SGD at batch 32 (16.2 to 27.2) and three "
    "noisy regressions (Friedman 28% to 49%, 2% to 19%, 34% to 46%).",
    "- **Round 10**, scored once with everything frozen (five tasks at batch 8-32: an Adam MLP, "
    "a deep tanh MLP with Adam, SGD at batch 8, a BatchNorm CNN with SGD, a regression with Adam; "
    "and the same regression at batch 128 as a control): the default loses 0.06 points on "
    "average, worst 0.3, and meets the accuracy targets there; the small-batch regression is at "
    "18% (429% with the knee uncorrected), the control at 161% (one seed 755%). fastai's "
    "`minimum` lost 0.20 points and 4.9%, the probes 0.12 points and 18%.",
    "- **runs=N** (changed after reading rounds 0-10): with the small-batch correction, reading "
    "only the runs whose loss clearly descended let one run that happened to descend decide on "
    "curves that barely descend; the aggregate is the plain median of every run's suggestion "
    "again (`benchmarks/RUNS.md`). **Round 11**, held out for everything (a Friedman regression "
    "with SGD at batch 64, a GRU with Adam at batch 32, an RMSprop MLP, an AdamW MLP, a diabetes "
    "regression with AdamW at batch 16, a 1-D CNN with Nesterov SGD at batch 16): the default "
    "lost 10.3 points on average: 33.6 on the GRU (a plateau; every peer rule but Lightning's "
    "loses 37 or more there), 7.2 on the CNN, 0.3 or less on the MLPs; and 23.3% on the "
    "regressions (ignite 16.5%, fastai `minimum` 81%). Five runs: 10.4 points and 4.8% (with the "
    "old descending-runs filter: 10.2 points and 23.2%).",
    "- **The end of the sure descent** (changed after reading rounds 0-11): `descent_end` used to "
    "walk up from the steepest point and stop at the first rate whose slope was not two "
    "standard errors below zero. On a noisy curve the smoother's steepest point can be a "
    "wiggle of the flat head, and the walk stopped there: one seed of the Friedman #3 "
    "regression with Adam at batch 128 suggested 7e-5 (755% excess loss). The sure descent "
    "now ends at the last significant fall between the steepest point and the floor. On rounds "
    "0-11 that took the default from 3.78 to 3.41 points and from 55.0% to 43.0% (that "
    "regression 161% to 4%, Friedman #3 at batch 16 18% to 7%, the GroupNorm CNN 18.3 to 4.3 "
    "points; it cost `diabetes_mse` -0.1% to 1.5% and the logistic regression 0.1 point, and "
    "widened the seed spread of `digits_mlp_b512` from 4.4x to 10.2x). **Round 12**, held out for "
    "it (a new data set, sklearn's wine, with SGD at batch 16; the character LM with Adam at "
    "batch 32; a GRU with RMSprop; a diabetes regression with RMSprop at batch 32; a BatchNorm "
    "CNN with RMSprop; Friedman #3 with AdamW at batch 64): it changed two tasks, both for the "
    "better (the LM 0.78% to 0.49%, Friedman #3 16.1% to 7.9%), and nothing else. The default "
    "lost 18.3 points on average there, all but 1 of it on the GRU (53.9: its curves never "
    "descend on 4 of 5 seeds and the climb sits 0.6-1.1 decades above the best rate, where "
    "the accuracy falls from 95% to 18%; fastai's `slide` 12.4, the probes 22.5), and 16.2% on "
    "the regressions (the diabetes one overfits like `diabetes_adam_b128`: its best rate is "
    "3e-5; 40%). fastai's `minimum` lost 29.6 points and 22.6% there.",
    "- **Tried and dropped after round 12: a bagged knee.** The knee's reading makes hard "
    "decisions (does the loss clearly descend, where does the slope stop being significant, "
    "where is the minimum), so a little noise moves it a lot. Taking the median reading over "
    "128 resampled curves (the smoothed curve plus its residuals times random signs, a wild "
    "bootstrap; no training) looked good on rounds 0-12 by the proxy of interpolated grid "
    "results: accuracy 4.48 to 3.5 points, loss 38.5% to 31%, worst loss task 279% to 145%, "
    "spread within 2x on 28 tasks instead of 23. But the worst loss task swung to 247% with "
    "another bootstrap seed, and on crafted plateau curves (flat, then climbing) the "
    "resampled curves, whose smoothed versions carry the original's wiggles plus new ones, "
    "passed the descent test by chance often enough to pull the suggestion 0.7 to 6.7 decades "
    "below the climb; fixing the branch on the original curve and bagging only within it gave "
    "4.4-4.7 points and 38-44%, with new outliers. A bagged rule needs a descent test "
    "calibrated for resampled curves; not done.",
    "- **Round 13**, held out for everything (nothing changed after round 12; a CNN with AdamW "
    "at batch 32, an MLP with Nesterov SGD, a GRU with AdamW, the wine MLP with Adam, Friedman "
    "#1 with RMSprop at batch 32, diabetes with SGD at batch 64): the default lost 10.3 points "
    "(the GRU 36.8, its curves never descend on 4 of 5 seeds and the fifth read a noise dip at "
    "4e-5; the others 0.2-2.2) and 80.2% (Friedman with RMSprop 127%: none of its five curves "
    "clearly descends and the climbs sit 0.6-1.7 decades above the best rate, 1e-3; diabetes "
    "33%: the knee overshoots a best rate of 1e-2 on four seeds). Here fastai's `valley` "
    "(18.5 points, 4.5%) and `slide` (7.5 points, 12.0%) beat the default on the loss tasks, "
    "and `slide` on accuracy (the GRU: 20.9). Five runs: 7.0 points and 27.1%; probes 10.0 "
    "points and 37.0%. RMSprop is now in three of the worst misses (this regression, round "
    "12's GRU and diabetes tasks): all three want rates well below what the curve shows.",
    "- **Without momentum** (changed after reading rounds 0-13; `lrfinder.batch_noise`): every "
    "task there whose optimizer has no momentum (RMSprop's default, plain SGD) wanted a lower "
    "rate than the knee or did not care, so `result.suggestion` divides the knee by 10**0.5 "
    "for them too, on top of the small-batch factor (the probes' cap likewise). On rounds 0-13: "
    "Friedman #1 with RMSprop 127% to 31%, diabetes with RMSprop 40% to 26%, the GRU with "
    "RMSprop 54 to 42 points, plain SGD on the 1-D CNN 8.6 to 6.6; four RMSprop MLPs and CNNs "
    "within 0.5 points either way. **Round 14**, held out for it (six momentum-free tasks: a "
    "CNN and a 1-D CNN with RMSprop, plain SGD on the cancer MLP at batch 16, Friedman #3 and "
    "the character LM with RMSprop, diabetes with plain SGD at batch 32), uncorrected and "
    "corrected: accuracy 12.9 to 3.9 points (the cancer MLP 34.0 to 0.2, the CNN 2.8 to 0.4; "
    "the 1-D CNN at batch 128 1.8 to 11.0, the one task it hurt), loss 134% to 18.0% (Friedman "
    "#3 369% to 44%, diabetes 34% to 10%, the LM 0.6% to 0.1%). fastai's `valley` lost 6.0 "
    "points and 7.4% there, `slide` 13.0 points and 6.3%, the probes 3.8 points and 8.5%.",
    "- **Round 15**, held out for everything (nothing changed after round 14; three optimizers "
    "without momentum at batches of 128-256, where round 14's one loss was, and three more "
    "pairings): accuracy 0.39 points on average, worst 2.3 (every peer rule loses more: "
    "fastai's `minimum` 0.54, `valley` 2.75), the first held-out round since round 10 near "
    "the accuracy targets. At batch 256 the no-momentum factor cost RMSprop 1.0 point (0.0 "
    "without it), at 128 it helped (2.6 to 2.3). Loss: 382%, from one task: Friedman #1 with "
    "plain SGD at batch 128 (754%; without the factor it diverges), whose curves never clearly "
    "descend on 3 seeds (plain SGD barely moves in 100 steps) and read noise on the other 2, "
    "all five warned; fastai's `slide` 31%, `valley` 60% there. The diabetes regression with "
    "Adam at batch 32: 10.9%.",
    "- **Where the descent starts, and the head's noise** (two fixes after reading round 15's "
    "plain-SGD regression; `Curve.basin_start`, `Curve.descent_scores`). Two of its seeds "
    "passed the descent test on curves that barely move: on one, the walk back from the floor "
    "(near 0.17) crossed six decades of flat noise and the steepest point was a wiggle at 8e-7, "
    "so the knee fell to 1e-4; the descent into the floor now starts no earlier than the last "
    "point where the smoothed loss is still at its starting level. On the other, the blow-up "
    "cap (`start + (start - low)`, with `start` the median of the first five losses, which "
    "happened to be low) clipped most of the head's upper half, the head looked quiet, and "
    "the quiet-drop score passed noise for a descent; the head's noise is now measured on the "
    "losses as recorded, as `Curve.climb_index` already did. Crafted curves show each (pure "
    "noise starting low: 6 of 74 passed for a descent, now 1; a shallow late descent after "
    "decades of flat noise: the steepest point read over a decade early on 6 of 173 curves, "
    "now 3). On rounds 0-15 (read, not held out) the single-run default changed on 3 of 390 "
    "range tests: that regression 754% to 602% (spread 4.9 million x to 18x; the second seed "
    "now gets the never-descended warning and the climb, which still diverges), diabetes with "
    "AdamW at batch 16 5.5% to 10.1% (one seed now reads as never descending); with probes "
    "the regression went from 325% to 19.7%. Five runs: Friedman #3 with SGD 35% to 23%, with "
    "Adam at batch 16 6.6% to 13.4%. `steepest` and `descent_end` gained most (loss means "
    "127.5% to 98.0% and 89.4% to 77.0% on the same tasks).",
    "- **Round 16**, held out for everything (added after those fixes; plain SGD on Friedman "
    "#3 at batch 64, the wine MLP with RMSprop at batch 16, the 1-D CNN with SGD at batch "
    "128, a dropout MLP with AdamW, Friedman #1 with Adam at batch 256, a GRU with SGD at "
    "batch 64): the default lost 2.72 points (the GRU 10.0: it barely learns at any rate, 23% "
    "accuracy at 3.16, the grid's second highest rate, and 9-11% at every rate up to 1, where "
    "four of its five climbs sit; the wine MLP 1.8; the CNN and the dropout MLP beat the "
    "grid's best) and 12.3% (Friedman #1 with Adam 18.6%, plain SGD 6.1%), "
    "the lowest of every rule on both (the probes 3.66 points and 11.4%; `slide` 5.01 points "
    "and 41.8%; `valley` 15.8 points and 34.0%; `minimum` 11.1 points and 27.2%). Five runs: "
    "1.85 points and 10.2%.",
    "- **Round 17**, held out for everything (nothing changed after round 16; data from three "
    "sklearn generators no earlier task used: `make_classification` with Adam and with SGD, "
    "`make_moons` with AdamW at batch 16 and with plain SGD, `make_regression` with SGD and "
    "with RMSprop at batch 32): 0.66 points (worst 1.4, AdamW on the moons) and 7.8% (the "
    "regression with RMSprop 17.5%, with SGD -1.9%), the nearest a held-out round has come to "
    "the accuracy targets after round 10. fastai's `minimum` lost less on its accuracy tasks "
    "(0.42, worst 0.7) and 478% on its regressions (931% with RMSprop, one seed 4655%); `valley` 3.97 points and 26.6%; the probes 0.42 points and 0.3%; five "
    "runs 0.62 points and 2.7%.",
    "- **The corrections, measured on every task** (the row `lrfinder knee, uncorrected`, added "
    "after round 17: the same rule without `lrfinder.batch_noise`'s small-batch and "
    "no-momentum factors): 7.53 points (worst 64.5) and 245% (worst 3891%), against 3.95 and "
    "49.0% with them. They change 39 accuracy tasks, 22 for the better and 17 for the worse "
    "(mostly by under a point), and 18 loss tasks, 17 for the better. On rounds 9-17, held "
    "out for the small-batch correction: 6.55 points and 337% without, 4.52 and 60.1% with; on "
    "rounds 14-17, held out for the no-momentum one too: 4.16 points and 583% without, 1.78 "
    "and 78.5% with.",
    "- **Failed runs score as the untrained model** (changed after round 17): a training run "
    "whose loss ends above the untrained model's now scores that loss, as a run that goes "
    "non-finite always did; before, a finite blow-up counted at its size (a cell of the "
    "uncorrected row read 7.5e17%), so the tables ranked failures by how far they blew up. "
    "And a failed classifier scores one over its number of classes: chance accuracy was 10% "
    "for every task but two, which made one diverged seed of fastai's `minimum` on the "
    "3-class wine MLP cost 86 points instead of 63. The default's loss mean went from 50.2% to "
    "49.0% (diabetes with Adam at batch 128, which ends above its untrained loss on every seed, "
    "88.7% to 58.8%), torch-lr-finder's worst loss task from 1552% to 952%; no other accuracy "
    "cell moved.",
    '- **The default became `runs="auto"`** after round 17: one range test, and the median of '
    "five when its curve never clearly descended or is too noisy to read alone. On rounds 0-17 "
    "(read, not held out for it: its trigger was measured there) it took the default from 3.95 "
    "to 3.32 points and from 49.0% to 27.8%, for 2.6 range tests per seed; the peers given the "
    "same five runs gain little (`benchmarks/RUNS.md`). Every row but the default's and "
    "`runs=5`'s still reads one range test.",
    "- **Round 18**, held out for everything, on four more sklearn generators: 0.41 points "
    "(worst 1.1) on its accuracy tasks, and 315% on its regressions, where a swiss-roll "
    "regression wants 0.1, more than a decade above every rule's suggestion on curves that "
    "descend cleanly (7 of its 10 range tests raise no warning; 356% with AdamW, 582% with "
    "plain SGD at batch 128; fastai `valley` 382% and 721%). Its best test loss is tiny "
    "(0.005), so a rate that trains to 0.02 costs 300%: relative regret is harsh where the "
    "best is near zero.",
    "- **Round 19**, held out for everything, four regressions and two classifiers: 1.51 "
    "points (worst 2.8, a logistic regression on wine at batch 16) and 42.8%; fastai `slide` "
    "did better on both (1.27 points, 39.3%). One range test alone: 1.53 points and 219% (a "
    "deep tanh regression 717% on one run, 9.6% after the default's reruns; an S-curve "
    "regression with clean, unwarned curves 136%, like round 18's swiss roll).",
    "- **Round 20**, held out for everything (two more sklearn generators, `make_gaussian_quantiles` "
    "and `make_sparse_uncorrelated`, and new pairings on known data): 8.28 points and 5.4%. Four "
    "of its five accuracy tasks lose 0.1-0.9 points; the fifth, an LSTM with Adam at batch 128, "
    "loses 39.9: a pure plateau, its loss at chance (2.30) through the whole test until it "
    "climbs near 0.7, every curve warned `no_descent`, and the five runs' climbs give 0.11-0.35 "
    "where the best rate is 0.01 to 0.03 (49% accuracy; 37% at 0.1, chance at 0.3). The range "
    "test holds no information about that rate, and the probes learn nothing in their short "
    "runs either (40.5). fastai's `valley` and `minimum` read noise there: `valley` lands at "
    "1e-3 to 4e-3 (15.3 points), `minimum` anywhere from 2e-7 to 7e-3 (22.4), so on the 20 tasks held out for the current default (rounds 18-20) "
    "they beat it on accuracy (2.57 and 2.45 points against 4.19) while it keeps the lowest "
    "loss mean (125% against `slide`'s 137%, `valley`'s 155%). The character LM with Nesterov "
    "SGD (9.8%) is round 18's swiss roll again: clean curves, best rate 0.32, every rule a "
    "decade lower.",
    "- **The oracle and a five-seed ground truth** (added after round 20; no rule changed; "
    "figures over all 117 tasks). The oracle row trains the grid's best rate on the five "
    "scoring seeds: 1.00 points (worst 17.4) and 0.8% (worst 25.8%), so naming the issue's own "
    "ground truth exactly misses its accuracy mean (0.5), worst-task (2) and loss (2%) targets, "
    "on 14 of the 117 tasks by more than 2. The cause is the protocol, not the rate: the target "
    "is the best mean of seeds 0 and 1, a max over noisy means, and seeds 2-4 are scored "
    "against it without being part of it (a GRU at its best rate reaches 85-90% on seeds 0 and "
    '1 and 26% on seed 3). The section "Against a five-seed ground truth" trains the grid '
    "within a decade of the best on all five seeds: the oracle falls to 0.40 points and 0.0%, "
    "and the default to 3.13 points (worst 38.4) and 50.1% (worst 442%); 51 tasks stay over 2. "
    "So the targets are out of reach for the default on either truth: seed noise accounts for "
    "0.6 of its 3.73 points, and the rest comes from the plateaus and from clean curves whose "
    "best rate sits a decade above every rule's reading.",
    "- **Horizon on 22 tasks** (added after round 20; it used to be three): 4x longer runs move "
    "the best max_lr by -0.25 decades in the median, 4x shorter ones not at all, with a wide "
    "spread between tasks, and scaling the suggestion by the budget ratio to the -0.5 made it "
    'worse both ways (section "Horizon").',
    "- **Round 21**, held out for everything (new pairings of known data, models and "
    "optimizers, with nothing changed since round 18): 7.62 points (worst 18.5) and 82.1%; "
    "fastai `minimum` did better on both (5.88 points, 28.5%), `valley` on the loss tasks "
    "(9.74 points, 48.1%). The small-batch correction cut both ways: a 1-D CNN with AdamW at "
    "batch 32 lost 18.5 points with it and 2.3 without (the knee reads 0.009-0.034 around a "
    "best of 0.03), a deep tanh Friedman #3 regression with Adam 163% with it and 307% without "
    "(its best rate, 0.01, sits just below a cliff: test loss 0.11 there, 0.72 at 0.03). An "
    "LSTM with RMSprop barely learns at any rate (best 34%; the default loses 16.0, the oracle "
    "itself 14.6). Over the 27 tasks held out for the current default (rounds 18-21): 5.26 "
    "points (worst 39.9) and 117.5%, against fastai `minimum`'s 3.52 (worst 22.4) and 249%, "
    "`valley`'s 4.81 and 135.5%, `slide`'s 8.89 and 126.1% (its worst loss task, 579%, just "
    "below ours, 582%).",
    "- **Round 22**, held out for everything (a real data set new to the benchmark, iris; a "
    "multi-label binary cross-entropy from `make_multilabel_classification`; new pairings), "
    "with nothing changed since round 18: 1.33 points (worst 4.8, a LayerNorm MLP on wine whose "
    "50-example test set makes one example 2 points; the oracle itself loses 2.8 there) and "
    "42.9%. fastai `minimum` lost 1.02 points and 45.6%, `slide` 1.17 and 65.9%, `valley` 5.82 "
    "and 68.7%. Its two large misses go opposite ways: the multi-label MLP with SGD 23.7% (the "
    "knee reads 1.3-2.3, the best is 0.32; `minimum` 0.6%) and a LayerNorm MLP on Friedman #1 "
    "with SGD 143% (the knee reads 0.003-0.006, the best is 0.03, where the oracle itself loses "
    "40%). A GRU with Nesterov SGD learns at no rate (best 10.8%, chance 10%); every rule is "
    "within 1.5 points there. Over the 40 tasks held out for the current default (rounds "
    "18-22): 3.85 points (worst 39.9) and 97.6%, against fastai `minimum`'s 2.62 (worst 22.4) "
    "and 195%, `valley`'s 5.18 and 118%, `slide`'s 6.11 and 110% (worst loss task 579%, ours "
    "582%).",
    "- **The default with probes** (a row added after round 21; no rule changed): "
    "`lrfinder.refine_setup(factory)` and `lrfinder refine` refine what `lr_find` returns by "
    'default, `runs="auto"`, and the probes row had read one range test. Refining the default: '
    "3.05 points (worst 39.9) and 38.6% over the 130 tasks of rounds 0-22, against 3.47 and 51.6% for the "
    "default alone and 3.64 and 40.5% for probes on one range test; 1.04 points and 38.2% on "
    "round 22, held out for it. Other ways to spend the same probe budget "
    "(`benchmarks/probe_designs.py`: one round of five probes, or three rates over half a "
    "decade or a decade) were measured on rounds 0-21 and landed within 0.2 points and 3.1% of "
    "successive halving around the default; on round 22 halving did best of the four, on "
    "rounds 22 and 23 together one round of five did better (4.11 points and 48.9% against "
    "4.35 and 51.7%). A margin one task moves; refine's design stays.",
    "- **Round 23**, held out for everything (new pairings, nothing changed since round 18): "
    "10.00 points (worst 53.9) and 65.7%; fastai `minimum` 18.37 and 64.4%, `slide` 10.21 and "
    "91.0%, `valley` 20.53 and 104.7%; the default with probes 8.57 and 60.7%. A GRU with Adam "
    "at batch 64 lost 53.9, the benchmark's worst accuracy task: its curves never descend, the "
    "climb lands at 0.05-0.1, and it trains to 94% at 0.03 and to 40-64% at 0.01 and at 0.1 "
    "(`minimum` 77.3). Also a Nesterov 1-D CNN 12.1 (one seed's knee at 0.32 collapses), a swiss "
    "roll with Adam 325%, a multi-label MLP with RMSprop at batch 128 34.2%. Over the 53 tasks "
    "held out for the default of that time (rounds 18-23): 5.19 points (worst 53.9) and 88.5%, "
    "lower than every peer on both means and on the worst accuracy task (`minimum` 6.07 and "
    "158%, `slide` 7.01 and 105%, `valley` 8.53 and 114%); `slide`'s worst loss task (579%) "
    'stays just below ours (582%). The section "Ours against each peer" (added with this '
    "round) shows how far to read that: on these 53 tasks only the lead over `valley` is clear "
    "of chance, and after round 22 `minimum` had led on held-out accuracy by 1.22 points "
    "(0.11 to 2.89) before this round's GRU, CNN and Nesterov wine MLP reversed it.",
    "- **Backing off below the climb** (after reading rounds 0-23): on a curve that never "
    "clearly descends, `knee` used to suggest where the loss starts to climb; it now suggests a "
    "quarter decade below it (`Curve.below_climb`). The climb is seen only once the loss has "
    "risen two noise deviations above its start, and a full run at a rate the fast ramp just "
    "survived often collapses. Trained on the 143 tasks of rounds 0-23 (37 tasks change, every "
    "one through a curve that never descends): the default from 3.97 to 3.56 points (worst task "
    "53.9 to 41.7: round 23's GRU at batch 64 53.9 to 19.7) and from 53.3% to 42.0%; half a "
    "decade gave 3.87 points (worst 57.2) and 42.8%, and the quarter was kept. It gains most on "
    "noisy small-batch regressions, where a run that fails the descent test by chance put the "
    "median on a climb that diverges in a full run (`friedman_mse` 190% to 16%, Friedman #1 "
    "with plain SGD at batch 128 211% to 20%, a deep tanh Friedman #3 with Adam 163% to 18%, "
    "Friedman #1 with AdamW at batch 16 56% to 28%), and on GRUs whose narrow peak sits just "
    "below the climb (AdamW 24.7 to 12.9 points, RMSprop 39.7 to 32.9). It costs the "
    "unnormalised CNN with batch-16 SGD (-4.3 to 12.2), the GRU with SGD (6.0 to 14.0), the GRU "
    "at batch 32 (36.9 to 41.7) and the swiss roll with plain SGD (582% to 592%). On rounds "
    "0-17 accuracy stays where it was (3.32 to 3.35 points) and the loss mean falls from 27.8% "
    "to 13.4%.",
    "- **Round 24**, held out for the back-off (12 tasks, chosen before scoring to include the "
    "regimes where it acts: an LSTM, two GRUs, an unnormalised CNN with Nesterov SGD at batch "
    "32 and small-batch noisy regressions, next to ordinary tasks): 13.00 points (worst 38.6) "
    "and 26.1% (worst 61.8%); fastai `slide` 13.85 points (worst 48.2) and 39.3%, `valley` "
    "23.50 and 20.6% (worst 66.8%), `minimum` 33.25 and 121.5%; the default with probes 14.79 "
    "points and 17.7%. Against the climb itself (the rule before, trained on the same seeds; 9 "
    "of the 12 tasks change): the back-off wins on the losses (46.4% to 26.1%: Friedman #1 with "
    "Adam at batch 16 162% to 62%, Friedman #3 with RMSprop at batch 16 5.1% to 3.8%) and loses "
    "on accuracy (10.35 to 13.00 points). The LSTM (21.2 to 13.6) and the GRU with RMSprop at "
    "batch 128 (15.3 to 3.6) gain; the unnormalised CNN loses 2.7 to 38.6, on a task where "
    "every rate above the best is a coin flip (its best, 0.1, trains to 92-98% on every seed; at "
    "0.23 two seeds collapse to chance and at 0.41 the same two train to 76% and 96%), and the "
    "GRU with AdamW at batch 32 30.7 to 33.1. That CNN and round 4's (batch 16) are the two "
    "tasks where the back-off costs most, both unnormalised CNNs trained with small-batch SGD, "
    "whose climbs the small-batch correction had already lowered. Over all 155 tasks the "
    "back-off gives 4.22 points and 40.6%, the climb 4.41 and 52.7%. On this round fastai "
    "`valley`'s loss mean (20.6%) is below ours, so the held-out peer target fails on that "
    "count; on the other three ours is lowest.",
    "- **Round 25**, held out for everything (new pairings, nothing changed since round 24): "
    "6.97 points (worst 35.9) and 45.2% (worst 136%); fastai `valley` 10.50 points (worst 30.1) "
    "and 61.7%, `minimum` 10.84 and 51.5%, `slide` 22.01 and 40.7% (worst 116%). Ours has the "
    "lowest accuracy mean; `valley` the lowest worst accuracy task and `slide` the lowest loss "
    "mean and worst loss task. Its misses: an LSTM with RMSprop at batch 128 (35.9: a plateau, "
    "best rate 3e-4, ours 4e-3 to 1.2e-2; `valley`, reading noise lower down, 5.9), a residual "
    "MLP on Friedman #1 with SGD (136%: clean curves, best rate 0.1, every rule near 0.01, the "
    "oracle itself 20%), a swiss roll with RMSprop (27.5%). Held out for the back-off too: "
    "against the climb on the same seeds it lost on both families here (5.55 to 6.97 points: "
    "the LSTM 25.7 to 35.9, a GRU at batch 16 -0.6 to 6.3, an unnormalised CNN with RMSprop "
    "17.1 to 11.4 the other way; 39.0% to 45.2%: the residual Friedman MLP 123% to 136%, the "
    "swiss roll 14.6% to 27.5%; `benchmarks/climb_backoff.py`). Over rounds 24 and 25 together (24 tasks) the back-off costs "
    "accuracy (7.79 to 9.78 points) and saves loss (43.1% to 34.6%), so its in-sample accuracy "
    "gain did not carry over; over all 167 tasks it is still lower on both (4.42 against 4.50 "
    "points, 40.9% against 51.8%). On those 24 tasks ours is lower than every peer on all four "
    "counts (9.78 points, worst 38.6; 34.6%, worst 136%).",
    "- **Round 26**, held out for everything (new pairings, nothing changed since round 24): "
    "10.28 points (worst 41.3) and 54.7% (worst 167%); fastai `valley` 7.87 points (worst "
    "23.3) and 61.7%, `slide` 7.87 (worst 41.5) and 36.4%, `minimum` 11.92 and 25.6% (worst "
    "57%): ours is lowest on none of the four counts. Its misses: an "
    "LSTM with AdamW at batch 128 (41.3: a plateau, ours 0.07-0.2 against a best of 0.01; "
    "`valley` 16.5), a 1-D CNN with RMSprop at batch 32 (27.3: the knee, divided by 10 for the "
    "small batch and the missing momentum, reads 2e-4 to 3e-4 against a best of 3e-3), a "
    "LayerNorm MLP on Friedman #3 with SGD (167%: 2e-4 to 2e-3 against 0.03; `minimum` 57%), "
    "the S-curve with AdamW (43%). The back-off below the climb changed one task, for the "
    "worse: a GRU with RMSprop at batch 32 -4.7 to 12.5 points (its climb, already divided by "
    "10, was right). Over rounds 24-26 (36 tasks) the back-off costs accuracy on every round "
    "(7.91 to 9.96 points) and saves loss (46.7% to 40.8%, most of it one task); over all 179 "
    "tasks it is now higher on accuracy (4.83 against 4.75 points) and lower on loss (41.8% "
    "against 51.9%; `benchmarks/climb_backoff.py`).",
    "- **The back-off no longer stacks on a quiet plateau's correction** (after reading rounds "
    "24-26): the held-out accuracy the back-off lost came from quiet plateaus (GRUs, LSTMs, "
    "unnormalised CNNs) whose climb a small-batch or no-momentum correction had already "
    "lowered. Where the climb is seen early (`Curve.late_climb` is false: two noise "
    "deviations of the curve's head are under a tenth of its starting loss; in the median "
    "over its runs every classifier plateau of the benchmark sits under 5%, every noisy "
    "regression whose curve never descends over 18%), the correction now replaces the back-off instead of multiplying it; "
    "where the climb is seen late both apply, as before. Over rounds 0-26 (179 tasks; 20 "
    "change, all accuracy tasks) the default goes from 4.83 to 4.26 points (worst 41.7 to "
    "41.3), the losses stay at 41.7%; on rounds 24-26 from 9.96 to 7.58 points (the climb "
    "itself: 7.91). Gains: the unnormalised CNN with Nesterov SGD at batch 32 38.6 to 2.7, "
    "the one with batch-16 SGD 12.2 to -4.3, the GRU with RMSprop at batch 32 12.5 to -4.7, "
    "the GRU with Adam at batch 16 6.3 to -0.6, the LSTM with RMSprop at batch 128 35.9 to "
    "25.7; costs: the GRU with RMSprop at batch 128 3.6 to 15.3, the unnormalised CNN with "
    "RMSprop at batch 32 11.4 to 17.1, the GRU with RMSprop at batch 64 32.9 to 39.7.",
    "- **Round 27**, held out for that (12 tasks, chosen before scoring to include quiet "
    "plateaus with a correction (a GRU with SGD and an LSTM with Adam at batch 32, an "
    "unnormalised CNN with RMSprop at batch 16, a 1-D CNN with SGD at batch 16) and without "
    "one (a GRU with AdamW and an LSTM with Nesterov SGD at batch 128), noisy small-batch "
    "regressions and ordinary tasks): 3.52 points (worst 12.5) and 13.1% (worst 22.5%); "
    "fastai `valley` 13.29 points (worst 55.9) and 15.9% (worst 19.3%), `minimum` 19.43 and "
    "14.5%, `slide` 15.03 and 49.4%. Ours is lowest on three of the four counts; `valley`'s "
    "worst loss task is lower. Against the stacked back-off on the same seeds: 3.70 to 3.52 "
    "points (three of the four corrected plateaus gain, the LSTM with Adam loses 7.5 to 8.4), "
    "losses unchanged at 13.1%; the climb itself gives 4.83 points and 16.2% (the GRU with "
    "AdamW at batch 128, uncorrected, 11.5 at the climb, 0.0 a quarter decade below it; "
    "Friedman #3 with AdamW at batch 16 16.5% at the climb, 1.0% with both lowerings). Three "
    "of its recurrent tasks barely train in the budget at any rate (best accuracy: the GRU "
    "with SGD 23%, the LSTM with Adam 18%, the LSTM with Nesterov SGD 10%, chance), so their "
    "regrets say little; the round's evidence is thinner than its 12 tasks suggest.",
    "- **Round 28**, held out for everything (new pairings, nothing changed since round 27): "
    "8.48 points (worst 32.0) and 46.9% (worst 146%); fastai `valley` 13.96 points (worst "
    "43.5) and 126%, `minimum` 17.52 (worst 72.0) and 113%, `slide` 14.31 (worst 48.4) and "
    "427%: ours is lowest on all four counts. Its misses: an unnormalised digits CNN with SGD "
    "at batch 32 (32.0: its suggestions span 0.11-0.59, and the three at 0.41-0.59 lie past a "
    "cliff between 0.32 and 1, where two seeds fall to chance), a GRU with Nesterov SGD at "
    "batch 64 (17.6), the swiss roll with SGD (146%: a clean curve read a decade low, again). "
    "Held out for the change of round 27 too, and against it: with the back-off stacked on the "
    "corrections (the rule of rounds 24-26, same seeds) this round gives 5.97 points instead "
    "of 8.48 (that CNN -1.3 instead of 32.0, at 0.06-0.33; the GRU with AdamW at batch 16 the "
    "other way, 19.8 instead of 5.8), losses equal. Over rounds 27 and 28, held out for it, "
    "stacking is ahead (4.77 against 5.85 points); over rounds 24-28, all held out for the "
    "back-off of round 23, not stacking is (6.84 against 7.75, the climb itself 7.34), losses "
    "equal (37.8%; the climb 47.5%). Both differences rest on a few unnormalised CNNs and GRUs "
    "whose outcome near the climb turns on the seed; the rule stays as it is, the question "
    "open (`benchmarks/climb_backoff.py`).",
    "- **Twenty seeds per task settled it, by correction** (`benchmarks/stacking_seeds.py`, "
    "`benchmarks/STACKING.md`): on the 28 tasks where the stacked and unstacked rules differ, "
    "15 more seeds each (5-19, never read) give not stacking +1.31 points [-0.57, +3.23] over "
    "stacking: within noise, as stated before they ran. But the per-task gains split by the "
    "correction: where the only correction is a small batch, not stacking is better on 12 of "
    "15 tasks (+3.78 [+1.64, +6.10]); where it is no momentum (RMSprop or plain SGD at batch "
    "64 or more), stacking is better on all 7 (-3.99 [-6.90, -1.52]); with both the two "
    "rules nearly agree. So now a small batch's correction replaces the back-off on a quiet "
    "curve and the no-momentum one multiplies what is left (`Curve.below_climb(small, "
    "stacked=no_momentum)`): three quarters of a decade below the climb without momentum, "
    "half a decade at a small batch, a decade with both. Read on those seeds, so round 29 was "
    "added to test it, with the decision rule stated first.",
    "- **Round 29**, held out for that split and chosen for it: eight quiet plateaus whose "
    "only correction is no momentum (GRUs and LSTMs on MNIST-1D with RMSprop at batch 256 and "
    "with plain SGD at 64 and 128, an unnormalised digits CNN with plain SGD at 64 and 128), "
    "picked from 19 candidates on their range-test curves alone (seed 0; seeds 0 and 1 for "
    "the last six screened). Over 20 seeds "
    "each, not stacking loses 5.61 points [-12.56, -0.61] to stacking, stacking better on 6 "
    "of 8: the split holds, as stated beforehand. Most of it is the two CNNs (-27.9 and "
    "-9.5); on the six recurrent tasks it is -1.2 points, 4 of 6. Both CNNs are the worst "
    "tasks of the benchmark now, for every rule near the climb: plain SGD without "
    "normalisation learns nothing below 0.03 in the budget and diverges at 1, the best rate "
    "is 0.1, and the range test's climb shows only at 6-10, so even three quarters of a "
    "decade below it (1.0-1.8) trains at chance on most seeds (over 20 seeds 51.2 points at "
    "batch 64 and 74.8 at 128). On the benchmark's five seeds the round is a clear loss to the "
    "peers: the default 25.34 points (worst 84.5), fastai `slide` 4.51 (worst 17.9), `valley` "
    "10.11 (24.6), `minimum` 19.34 (49.7). Their readings of the flat start land lower, near "
    "the CNNs' narrow window (`slide` -0.3 and -3.6 there, ours 67.8 and 84.5); on the six "
    "recurrent tasks the default is at 8.42 points against `slide`'s 6.65, `valley`'s 7.18 and "
    "`minimum`'s 12.23. That is a new failure, a plateau whose climb the fast ramp sees two "
    "decades late; nothing was changed for it (it would need its own held-out round). Two "
    "candidate fixes were checked after it and neither holds: a climb seen only in the last "
    "half-decade of a test that never diverged is no signal by itself (round 29's GRUs with "
    "plain SGD climb at 1-7 too, and their best rate, 3.16, sits above the climb), and a "
    "slower ramp reads plateaus no better than the default's five reruns "
    "(`benchmarks/slow_ramp.py`, `SLOW_RAMP.md`).",
    "- **Round 30**, held out for everything (twelve new pairings of known data and models, "
    "chosen before scoring without reading their curves, scored once with the rule of round "
    "29; seven accuracy tasks, five loss tasks): 3.35 points (worst 16.2) and 24.3% (worst "
    "47.4%). fastai `valley` 4.20 points (worst 20.4) and 33.5% (worst 82.3%), `slide` 12.13 "
    "(63.6) and 32.9% (90.5%), `minimum` 2.78 (16.7) and 210.8% (1009.9%, a sparse linear "
    "regression with Nesterov SGD); the default with probes 2.91 (13.2) and 20.0%; the oracle "
    "0.51 (2.0) and -0.6%. Ours is lowest on three of the four counts; `minimum` has the lower "
    "accuracy mean (the moons MLP with Nesterov SGD 0.9 against our 4.0, the residual wine MLP "
    "with RMSprop 0.0 against 1.6). The misses: a 1-D CNN with Adam at batch 16 (16.2, the oracle "
    "0.8), where the small-batch correction costs it all (the knee uncorrected -0.2; fastai's "
    "rules 16.7-63.6), and two clean regressions read low and unwarned, the "
    "S-curve with RMSprop (47.4%, the oracle 0.9%) and the sparse linear regression with "
    "Nesterov SGD (42.7%). Together with round 29 the 20 held-out tasks still miss the peer "
    "target on accuracy (15.08 points against `valley`'s 7.35): round 29's two CNNs decide it.",
    "- **A wide valley** (`benchmarks/wide_valley.py`, `WIDE_VALLEY.md`): on clean curves whose "
    "climb is 1.5 decades or more above the default's suggestion, suggesting half a decade "
    "higher was screened against the grid on rounds 0-30 and then trained exactly there: "
    "accuracy unchanged (-0.06 points [-0.63, +0.68] over the 36 tasks it moves), losses "
    "39.7% to 33.5% (-9.08% [-17.81, -2.18] over the 51 it moves). Those rounds were read to "
    "pick it, so round 31 was added to test it, with the decision rule in the script's "
    "docstring before scoring: eleven new pairings picked on seed 0's curve alone. The rule "
    "failed: on the six loss tasks -3.28% [-18.18, +9.81] (the interval had to be below zero; "
    "it gains on Friedman #3 with LayerNorm, 45.6% to 14.0%, and the sparse linear regression, "
    "24.9% to 3.8%, and loses on both diabetes regressions, 11.2% to 19.9% and 12.9% to 29.6%, "
    "and the multi-label MLP, 24.8% to 35.1%), on the five accuracy tasks +0.46 points (the "
    "limit was +0.5). The default is unchanged: a wide valley is where clean regressions want "
    "a higher rate and small overfitting ones a lower one, and the training curve cannot tell "
    "them apart.",
    "- **Round 32**, held out for everything (twelve new pairings of the regimes the issue "
    "names, with Adam, AdamW and SGD with momentum: CNNs with and without BatchNorm, tabular "
    "MLPs, three regressions, MNIST-1D, the transformer language model, fine-tuning with SGD; "
    "chosen before scoring without reading their curves, scored once with the rule of round "
    "29; eight accuracy tasks, four loss tasks): 8.58 points (worst 50.3) and 40.6% (worst "
    "89.1%). fastai `valley` 14.53 points (worst 46.0) and 49.9% (worst 107.3%), `minimum` "
    "14.91 (52.5) and 47.5% (107.6%), `slide` 10.98 (54.9) and 66.6% (173.3%); the default "
    "with probes 8.36 (50.3) and 34.7%; the oracle 0.06 (1.4) and 1.1%. Ours is lowest on "
    "three of the four counts; `valley`'s worst accuracy task is lower. The misses: an "
    "unnormalised digits CNN with SGD and momentum at batch 64 (50.3; the best rate 0.1, the "
    "window 0.1-0.32, ours 0.6-1.05, past the cliff, on three seeds at chance; every seed "
    "warned), the family of round 28's batch-32 CNN and round 29's plain-SGD ones; diabetes "
    "with Adam at batch 64 (58.8%, unwarned: ours 0.012-0.07 against a best of 3e-4, where "
    "every seed overfits to worse than the untrained model, as `diabetes_adam_b128` does); "
    "Friedman #1 with SGD at batch 32 (89.1%: a clean regression read half a decade low, "
    "warned); the fine-tuned CNN with SGD (13.6, unwarned: ours 0.004 against a best of "
    "0.03). On the issue's own kinds of task the default keeps its lead over the peers' "
    "means; its failures are the ones named above, not new ones.",
    "- **Combining rules** (`benchmarks/combine.py`, `COMBINE.md`): the issue names it as a "
    "design option, and the default misses the peer target on its worst accuracy task. "
    "`valley` reads lower than the knee on nearly every curve and a rate too high costs more "
    "than one too low, so the combination tried is a hedge downwards, `knee * min(1, valley / "
    "knee) ** w`, with lrfinder's own `valley` on the same result. A screen against the grid "
    "over rounds 0-31 (geometric means with `valley`, `minimum` or `steepest`, the median of "
    "three rules, a plain shift, hedges up or down) left two weights, 1/3 and 1/2, trained "
    "exactly on every task. Over all 246 tasks the hedge with w = 1/3 leaves accuracy where it "
    "is (-0.02 points [-1.48, +1.19]) and lowers the worst accuracy task from 84.5 to 51.0, "
    "but costs the loss tasks +8.39% [+2.92, +15.11] (worse on 55 of 85); w = 1/2 costs both "
    "(+1.17 points, +15.78%). On the rounds the default was chosen on (0-28) the hedge costs "
    "+0.65 points and +9.65%; on rounds 29-31, held out for the default but read for the hedge, "
    "it gains -2.51 points and costs +1.62%. Its decision rule, committed before round 32 was "
    "chosen, needed on round 32 at most +0.25 points and +2% and, over rounds 29-32, a worst "
    "accuracy task below every peer's. It failed both: +4.98% on the loss tasks [+0.34, "
    "+9.63] (accuracy -4.82 [-19.89, +4.08], one unnormalised CNN with SGD 50.3 to -5.5 and "
    "four tasks worse), and a worst accuracy task of 49.7 over rounds 29-32 against "
    "`valley`'s 46.0. The default is unchanged.",
    "- **The step-size blend** (`lrfinder.step_size`, `benchmarks/grad_signals.py`, "
    "`GRAD_SIGNALS.md`; after round 32, with rounds 29-32 held out for it): the first reading "
    "that is not the loss curve. Early in the test the relative update |dw|/|w| grows in "
    "proportion to the rate; its ratio `k` says how far one unit of lr moves the model, and "
    "the grid's best rate makes a step of nearly the same relative size within an optimizer "
    "family, so `10**c / k` predicts it (five constants fitted on rounds 0-28). The default is "
    "now the geometric mean of the knee and that rate. Its decision rule, written before "
    "rounds 29-32 were read, asked for a lower mean on both families there and a worst task "
    "no more than 2 points or 10% worse; it passed (GRAD_SIGNALS.md, exact training with the "
    "every-step reading the constants were fitted with: 6.44 points and 22.3% against the "
    "knee's 10.61 and 27.2%). Scored here with the reading as `lr_find` takes it (the "
    "library's meter, which stops two steps past the band): at round 33, over all 258 tasks "
    "(before the floor was read through spikes), 3.56 points (worst 69.5) and 33.0% (worst 533%), against the knee alone's 5.62 "
    "(84.5) and 37.8% (592%); per task -2.06 points [-3.27, -0.99] (94 better, 55 worse) and "
    "-4.74% [-11.79, +3.93]; on rounds 29-33 6.09 points and 22.5% against 10.25 and 26.6%. "
    "Seeds agree far more: within 2x on 180 of 258 tasks (the knee alone 91), at worst 58.7x "
    "(2984x), on round 33's GroupNorm CNN with plain SGD (next 8.8x). The "
    "unnormalised digits CNNs with SGD gain most (round 29's plain-SGD ones 67.8 to 17.4 and "
    "84.5 to 69.5, round 32's 50.3 to 29.2); the one with Nesterov SGD at batch 32 loses "
    "most (2.7 to 33.4: its step size reads higher still than its knee). Its worst accuracy "
    "task, 69.5, is 0.2 points above fastai `valley`'s (69.3), so the peer target fails on one "
    "count of four over all tasks; on rounds 29-33 its means are the lowest and its worst task "
    "is above `valley`'s (46.0) and `slide`'s (63.6). The warnings carry over: silent single "
    "tests lose 1.0 point on accuracy, warned ones 13.1. With the probes on top (`refine_setup`, "
    "half a run's steps; the row added with it): 3.81 points (worst 69.5) and 30.2% (worst 523%) "
    "over all tasks, 5.95 and 20.6% on rounds 29-33; around the blend, as around the knee alone "
    "(5.33 points and 35.3%), they trade a little accuracy for loss over all tasks. On one run "
    "(`runs=1` then the probes): 5.28 points (worst 67.5) and 31.7% (worst 545%), against that "
    "run's 5.12 and 39.2% without them.",
    "- **Round 33** (`benchmarks/plateau_blend.py`, `PLATEAU_BLEND.md`): twelve new pairings "
    "chosen by name before any curve was read, plateau-prone on purpose (five with plain SGD, a "
    "GRU, an LSTM, unnormalised and GroupNorm CNNs, four small-batch regressions), scored once "
    "with the rule of round 29. The default: 4.90 points (worst 14.6) and 22.9% (worst 58.8%); "
    "`valley` 5.89 (22.7) and 21.0% (36.0%), `slide` 7.46 (36.2) and 26.1%, `minimum` 17.94 "
    "(83.2) and 94.2%: the lowest accuracy counts, not the lowest loss counts. Its misses: "
    "diabetes with AdamW at batch 64 (58.8%, unwarned, the overfitting regression again), "
    "Friedman #1 with RMSprop at batch 16 (22.6%, a plateau), a GRU with plain SGD that learns "
    "only at the grid's top rate (14.6) and a GroupNorm CNN with plain SGD whose loss spikes "
    "early on some batch orders (12.9; the reruns rescue two seeds and sink a third, the "
    "default's worst spread, 58.7x). An LSTM with momentum SGD at "
    "batch 16 learns nothing at any rate of the grid, so its regret is noise. The round also "
    "decided the plateau cap (the lower of the knee and the step-size rate on curves that never "
    "descend), rejected on rounds 0-28 and given this round under a rule committed first: it "
    "failed all three conditions (9.83 points against 6.89 where it acts; the plain-SGD CNN at "
    "batch 32 18.8 against 4.8; no gain pooled with rounds 0-28). The default is unchanged.",
    "- **Round 34 and the floor through a spike** (`benchmarks/spike_floor.py`, "
    "`SPIKE_FLOOR.md`): since round 2 the rules had read a curve that falls, spikes and falls "
    "lower still in its first valley, before the spike; round 33's GroupNorm CNN with plain SGD "
    "showed that misfire. Reading the floor at the lowest point instead, trained exactly over "
    "rounds 0-33 on the 61 tasks where it moves a suggestion: 1.50 to 1.11 points and 16.26% to "
    "15.03%. Found by reading those rounds, it was decided by round 34 under a rule committed "
    "before the round was chosen: twelve new pairings picked by name, eight in regimes where "
    "losses had spiked. It moved three of them (none of the GroupNorm or recurrent nets): the two "
    "loss tasks 18.54% to 18.40%, the one accuracy task 0.16 to 0.36 points. That passes, "
    "narrowly, so it was adopted (`Curve.floor_index` is the minimum; the first valley survives "
    "for the `loss_spiked` warning, which names it as the cautious rate, and the probes' cap "
    "moved with the floor); the held-out evidence for it is thin. Afterwards, over all 270 "
    "tasks: 3.53 points (worst 69.5) and 31.9% (worst 533%); round 33 3.41 points (the "
    "GroupNorm CNN 12.9 to 1.0); round 34 3.95 points (worst 20.0) and 14.4%, against "
    "`valley`'s 6.61 and 34.0% and `minimum`'s 5.92 and 145.7%. Seeds within 2x on 176 of 270 "
    "tasks, at worst 19.0x (round 34's LayerNorm diabetes regression with AdamW at batch 16).",
    "- **Round 35, a plain measure**: twelve new pairings of the issue's regimes (CNNs with "
    "BatchNorm, GroupNorm and none, tabular MLPs, three regressions, MNIST-1D, an LSTM with SGD, "
    "the transformer LM with SGD, fine-tuning with Adam), chosen by name before any curve was read "
    "and after the floor change, held out for everything and picked to test no candidate. The "
    "default: 3.61 points (worst 16.7) and 13.4% (worst 50.1%), against `valley`'s 6.53 (24.9) and "
    "27.4% (45.1%), `minimum`'s 7.80 (26.1) and 38.2%, `slide`'s 16.30 (65.3) and 19.5%: lowest on "
    "three of four counts. Misses: one seed of the Adam fine-tune at batch 16 reads five times the "
    "others' rate with no warning and diverges in training (77.4; five runs give the task 1.0), "
    "the overfitting diabetes regression with RMSprop at batch 64 (50.1%), a 1-D CNN with Adam read "
    "2.3-4x low (7.8). Nothing changed after it. Over all 282 tasks: 3.53 points (worst 69.5) and "
    "31.2%; over rounds 29-35, 5.11 points and 19.5%.",
    "- **Round 36, the disagreement trigger's test**: three fine-tunes of the pretrained digits "
    "CNN (AdamW at batch 8, Adam at 32, RMSprop at 16), three small-batch Adam-family classifiers and "
    "six ordinary tasks, chosen by name before any curve was read, as `disagree_rerun.py`'s committed "
    "rule required. Rerunning a silent single run whose knee and step-size reading lie more than 10x "
    "apart fired on one of the 60 seeds (five runs worse there), so the round could not decide and "
    '`runs="auto"` is unchanged. The default: 1.78 points (worst 13.4) and 8.0% (worst 35.8%), '
    "against `valley`'s 9.42 (39.9) and 5.3% (15.9%), `minimum`'s 16.00 (72.3) and 45.2%, "
    "`slide`'s 19.54 (49.6) and 19.5%: lowest on both accuracy counts, not on the loss counts. "
    "Misses: a GRU with Nesterov SGD that learns only at the grid's top rate (13.4), the "
    "overfitting diabetes regression with AdamW at batch 32 (35.8%), the fine-tune with AdamW at "
    "batch 8 read half a decade low (4.5). Nothing changed after it. Over all 294 tasks: 3.45 "
    "points (worst 69.5) and 30.5%; over rounds 29-36, 4.63 points and 18.3%.",
    "- **Round 37, the blend weight's test**: twelve new pairings chosen by name before any curve "
    "was read, five of them regressions (a deep tanh Friedman MLP with SGD among them), as "
    "`blend_weight.py`'s committed rule required, to decide whether the step-size reading should "
    "carry two thirds of the blend's weight instead of half (that would put 243 of 306 tasks within "
    "2x, against 198). It failed three of its four rules: on round 37 it lost 2.01 points and 34.1% "
    "against the default's 0.01 and 24.6%, and over rounds 0-37 3.44 points and 30.57% against 3.33 "
    "and 30.18%; the geometric mean stays. The default: 0.00 points (worst 2.6) and 24.6% (worst "
    "106.2%), against `valley`'s 6.91 (28.7) and 19.6% (51.6%), `minimum`'s 9.61 (24.5) and 64.3%, "
    "`slide`'s 20.31 (66.4) and 85.6%: lowest on both accuracy counts, not on the loss counts. "
    "Misses: the deep tanh Friedman regression with SGD (106.2%: its loss is flat from 0.01 to 0.1 "
    "and training falls off just above; the seeds read 0.08-0.16 and two of five fall off), "
    "Friedman #3 with AdamW at batch 32 (8.1%), the fine-tune with AdamW at batch 32 (2.6). Nothing "
    "changed after it. Over all 306 tasks: 3.33 points (worst 69.5) and 30.2%; over rounds 29-37, "
    "4.16 points and 19.2%.",
    "- **Round 38, a plain measure**: twelve new pairings chosen by name before any curve was "
    "read, to test nothing (a GroupNorm CNN, an LSTM, a residual MLP and a fine-tune with "
    "Nesterov SGD; wine, iris and LayerNorm MNIST-1D MLPs with Adam or AdamW; the transformer LM "
    "with RMSprop at batch 64; a deep tanh Friedman #3 regression and a residual cancer MLP with "
    "momentum SGD; a residual diabetes regression and a swiss roll with Nesterov SGD). The "
    "default: 3.29 points (worst 16.7) and 6.7% (worst 23.3%), against `valley`'s 5.88 (13.7) and"
    " 132.2% (445.6%), `minimum`'s 9.04 (60.0) and 55.7%, `slide`'s 8.19 (35.1) and 137.8%, "
    "Schedule-Free AdamW's 3.76 (13.5) and 20.7%: lowest on three of the four counts, `valley`'s "
    "worst accuracy task lower. Misses: the fine-tune with Nesterov SGD (16.7: every seed reads "
    "0.003-0.004 with no warning, a decade and more under its best, 0.03-0.1, as round 32's "
    "fine-tune with SGD did; `valley` 8.6), the swiss roll (23.3%: the clean regression read low "
    "again; `valley` 445.6%), a residual wine MLP with Adam (3.6, on a 50-example test set where "
    "one example is 2 points; the oracle 2.4). The deep tanh regression, picked as a likely "
    "cliff, did not fall off (0.1%; `valley` 81.0%). Nothing changed after it. Over all 318 "
    "tasks: 3.33 points (worst 69.5) and 29.3%; over rounds 29-38, 4.07 points and 17.9%.",
    "- **Round 39, do fine-tunes read low?** Through round 38 every fine-tune (eight, all of one "
    "pretrained digits CNN) read below the grid's best, the two with momentum SGD by a decade. "
    "Twelve fine-tunes of six new pretrained models (MNIST-1D classes 0-4 to 5-9 with a CNN and a "
    "LayerNorm MLP, digits 0-4 to 5-9 with an MLP and a BatchNorm CNN, the prose LM to Python "
    "source, Friedman #1 to diabetes) and the old CNN with plain SGD were named with the "
    "prediction, committed before training, that all read low, the SGD ones by half a decade or "
    "more. It failed: seven of twelve read low, two of seven SGD ones by half a decade "
    "(`finetune_direction.py`). The default: 2.82 points (worst 6.6) and 4.3% (worst 11.9%), "
    "against `valley`'s 7.79 (17.5) and 2.3% (4.2%), `minimum`'s 9.32 (62.1) and 5.1%, `slide`'s "
    "14.71 (33.5) and 9.1%, Schedule-Free AdamW's 3.83 (11.1) and 0.6%: lowest on both accuracy "
    "counts, not on the loss counts (the regression transfer with Adam read a decade high, "
    "11.9%). Nothing changed after it. Over all 330 tasks: 3.31 points (worst 69.5) and 28.4%; "
    "over rounds 29-39, 3.95 points and 16.6%.",
    "- **Round 40, did the kept head make the digits fine-tunes read low?** The nine digits-CNN "
    "fine-tunes of rounds 0-39 keep the head trained on digits 0-4 (`tasks.finetune_model`) and "
    "read low, the momentum-SGD ones by a decade. Eight twins with a fresh head (same body, data, "
    "optimizer, batch and budget) were named with the prediction, committed before training, "
    "that they read closer to their best and the momentum-SGD twins lose under 10 points. It "
    "failed on every part: five of eight read half a decade or more low (median -0.75 decades) "
    "and the momentum-SGD twins lose 23.8 and 30.1 points (`finetune_direction.py`). The best "
    "rate is 0.03-0.1 for all but RMSprop; with Nesterov and plain SGD even the curve's lowest "
    "point is a decade under it on most seeds. The default: 15.15 points (worst 33.7), against `valley`'s "
    "18.60 (26.2), `minimum`'s 24.92 (48.4), `slide`'s 18.69 (61.6), Schedule-Free AdamW's "
    "16.95 (22.8) and the oracle's 1.60 (5.3): the lowest mean, not the lowest worst task; every "
    "rule misses. The rule did not change after it; the loss-spiked warning names the rate below "
    "the spike again (one of these seeds turned `warning_advice.py`'s decision). Over all 338 "
    "tasks: 3.73 points (worst 69.5) and 28.4%; over rounds 29-40, 4.91 points and 16.6%.",
    "- **Round 41, fine-tuning's lean or the model's?** The same digits CNN trained from scratch "
    "on the same 250 examples, eight twins of round 40's settings, named with the prediction, "
    "committed before training, that they read as low (median at or below -0.5 decades, "
    "Nesterov and plain SGD 0.75 low or more). It failed: median +0.27 decades, the SGD ones "
    "+0.39 to +0.45 (`finetune_direction.py`): the lean is fine-tuning this pretrained CNN's. "
    "The default: -0.71 points (worst 13.6), against `valley`'s 18.98 (41.6), `minimum`'s 26.41 "
    "(50.6), `slide`'s 16.87 (76.4), Schedule-Free AdamW's -5.78 (11.4) and the oracle's -3.38 "
    "(2.6): from scratch the SGD twins reach only 65-72% in 150 steps and their two-seed best is "
    "noisy, so rules and the oracle beat it. Nothing changed after it. Over all 346 tasks: 3.58 "
    "points (worst 69.5) and 28.4%; over rounds 29-41, 4.47 points and 16.6%.",
    "- **Noisy small-batch regressions** (`diabetes_mse`, `friedman_mse`) are flagged "
    "`too_noisy` and there no reading of one curve is reliable: on diabetes (SGD) the best rate "
    "is at the end of the descent (`descent_end`: 0.4%), on Friedman (Adam) above the minimum. "
    "Several runs or a larger batch are the remedy (`benchmarks/RUNS.md`).",
    "- The peers are replayed on the same raw records with their own smoothing, stop rule and "
    "trimming (`benchmarks/peers.py`), so their differences come from the rules, not from "
    "different runs. torch-lr-finder and ignite pick a point late on a lagging EMA, which "
    "happens to land near the 1cycle optimum on clean curves and far past it on noisy ones.",
    "- The fine-tuning task did not reproduce the regime where finders over-suggest (transformers "
    "fine-tuned at 1e-5): its best rate is high (0.1) because the pretrained body is small and "
    "weak. It is a test of a different start point, not of that regime.",
    "- The grid has half-decade resolution and two seeds; between grid points the truth is not "
    "known, and a max over noisy means favours the grid slightly (small negative regrets occur). "
    "Near a cliff (the round-3 SGD task) single runs differ by 30+ points between neighbouring "
    "rates, so per-seed regrets there are noisy.",
    "- Probes are short (the last round is about 14% of the budget) and scored on small "
    "validation splits; uncorrected they favour high rates, corrected by `(steps ratio) ** 0.5` "
    "they undershoot on MNIST-1D and save the round-3 SGD task (1.2 points). Their span (one "
    "decade either side of the suggestion) cannot reach the overfitting regression's best.",
]


def _family(tasks: Sequence[Task], rows: dict[str, q.Row], accuracy: bool) -> tuple[float, float]:
    means = [
        rows[t.name].mean
        for t in tasks
        if t.higher_is_better == accuracy and rows.get(t.name) and rows[t.name].regrets
    ]
    return (float(np.mean(means)), float(max(means))) if means else (math.nan, math.nan)


def _auto_cost_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    """What the default's extra runs cost, and where it spent them."""
    rows = table[q.DEFAULT_LABEL]
    counts = [n for t in tasks for n in rows[t.name].range_tests]
    if not counts:
        return []
    again = sorted(
        (t for t in tasks if max(rows[t.name].range_tests, default=1) > 1),
        key=lambda t: -np.mean(rows[t.name].range_tests),
    )
    return [
        "",
        '## The default\'s cost: range tests per seed with `runs="auto"`',
        "",
        f"{np.mean(counts):.2f} range tests per seed on average over the {len(tasks)} tasks "
        f"({sum(n > 1 for n in counts)} of {len(counts)} seeds ran six, the others one). "
        "Tasks where some seed ran six (seeds that did, of "
        f"{len(rows[tasks[0].name].range_tests)}): "
        + ", ".join(f"`{t.name}` ({sum(n > 1 for n in rows[t.name].range_tests)})" for t in again)
        + ".",
    ]


ROUND_RULES = (
    q.DEFAULT_LABEL,
    q.KNEE_ALONE_LABEL,
    q.ONE_RUN_LABEL,
    f"lrfinder {lrfinder.DEFAULT_METHOD}, uncorrected",
    "lrfinder descent_end",
    "ignite",
    "fastai valley",
    "fastai minimum",
    "fastai slide",
    "torch-lr-finder",
    q.PROBE_LABEL,
    q.ONE_RUN_PROBE_LABEL,
    q.KNEE_ALONE_AUTO_PROBE_LABEL,
    q.AUTO_PROBE_LABEL,
    q.ORACLE_LABEL,
)


def _rounds_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    """Regret of the default and the main peers per round of tasks: does the rule carry over?"""
    by_name = {t.name: t for t in tasks}
    rounds = [
        (number, why, [by_name[n] for n in names if n in by_name])
        for number, (why, names) in ROUNDS.items()
    ]
    rounds = [r for r in rounds if r[2]]
    if len(rounds) < 2:
        return []
    lines = [
        "",
        "## By round: the tasks the rule was chosen on, and those held out",
        "",
        "Tasks joined in rounds (`tasks.ROUNDS`). Each held-out round was scored once with the "
        "rules as they were; rounds 1, 2, 4 and 5 were then read to change the rules (so they no "
        "longer count as held out for the current version; round 5's change is to `runs=N` "
        "only, so for single runs round 5 is still held out), round 3 was read and changed "
        "nothing, round 6 was held out for the default rule of its time and round 7 for it and "
        "the probes' `start_loss` check, round 8 for the small-batch correction for momentum "
        "SGD (then read to extend it to every optimizer), round 9 for that (then read to lower "
        "the probes' cap at small batches), round 10 for that (then read to make runs=N the "
        "plain median again), round 11 for that (then read, with rounds 0-10, to end the sure "
        "descent at its last significant fall), round 12 for that (scored; nothing changed "
        "after it), round 13 for everything (then read, with rounds 0-12, to lower the knee "
        "for optimizers without momentum), round 14 for that (scored; nothing changed after "
        "it), round 15 for everything (then read to start the descent where the loss leaves "
        "its starting level and to measure the head's noise before the blow-up cap), round 16 "
        'for that (scored; nothing changed after it), round 17 for everything (then `runs="auto"`, '
        "whose trigger, the `no_descent` and `too_noisy` warnings, had been measured on rounds "
        "0-17, became the default), rounds 18 to 22 for that (each scored; nothing changed "
        "after them), round 23 for everything (then read, with rounds 0-22, to back off a "
        "quarter decade below the climb on curves that never clearly descend), rounds 24 to 26 "
        "for that (then read together to stop stacking that back-off on a setup's correction on "
        "quiet curves), rounds 27 and 28 for that (then read, with 15 more seeds per task "
        "where it mattered, to stack the no-momentum correction again), and round 29, chosen "
        "to test that, round 30, new pairings picked for no question, round 31, picked to "
        "test a candidate the default has not adopted (`wide_valley.py`), round 32, new "
        "pairings of the issue's regimes picked without reading their curves (held out for "
        "`combine.py`'s hedge too, which it rejected), and round 33, new pairings picked by name, "
        "plateau-prone regimes among them (held out for `plateau_blend.py`'s cap too, which it "
        "rejected), are held out for everything current except one change: rounds 0-33 were "
        "read to find, and round 34 (new pairings picked by name, spike-prone regimes among "
        "them) was held out for and then decided, reading the floor through the first loss "
        "spike (`spike_floor.py`, adopted by the rule its docstring stated before round 34). "
        "Rounds 35 to 41, new pairings of the issue's regimes picked by name after that "
        "change, are held out for everything current, the floor through the spike included "
        "(round 37 decided a weight for the blend that the default did not adopt, "
        "`blend_weight.py`; round 38 was picked to test nothing, round 39, twelve fine-tunes, to "
        "test whether fine-tunes read low, round 40, the digits CNN's fine-tunes with a fresh "
        "head, to test whether its kept head made them read low, round 41, the same CNN trained "
        "from scratch on the same data, to tell fine-tuning's lean from the model's). "
        "Rows "
        "`one run` and the peers read one range test; the default's row runs more where its "
        "first curve asks for them. Cells: mean "
        "accuracy regret / worst accuracy task (points); mean loss regret.",
        "",
        "| rule | "
        + " | ".join(f"round {n}: {why} ({len(ts)} tasks)" for n, why, ts in rounds)
        + " |",
        "|---|" + "---|" * len(rounds),
    ]
    for name in ROUND_RULES:
        if name not in table:
            continue
        cells = []
        for _, _, round_tasks in rounds:
            acc_mean, acc_worst = _family(round_tasks, table[name], True)
            loss_mean, _ = _family(round_tasks, table[name], False)
            acc = "–" if math.isnan(acc_mean) else f"{acc_mean:.2f} / {acc_worst:.1f}"
            loss = "–" if math.isnan(loss_mean) else f"{loss_mean:.1f}%"
            cells.append(f"{acc}; {loss}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


#: The rounds added after the step-size blend's constants were fitted (rounds 0-28): the current
#: default's held-out evidence, with one exception, the floor read through a loss spike, adopted
#: after rounds 0-33 were read to find it and round 34 decided it (``spike_floor.py``); rounds
#: 35-41, chosen after that change, are held out for all of it (round 37 decided a candidate the
#: default did not adopt, ``blend_weight.py``).
HELD_OUT_FOR_DEFAULT = (29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41)


def _short_cells(
    tasks: Sequence[Task], table: dict[str, dict[str, q.Row]], seeds: Sequence[int]
) -> list[str]:
    """``"rule on `task` (k of n)"`` for each cell scored on some seeds but not all: its mean
    would otherwise silently cover fewer seeds than its neighbours'."""
    return [
        f"{name} on `{t.name}` ({len(rows[t.name].regrets)} of {len(seeds)})"
        for name, rows in table.items()
        for t in tasks
        if t.name in rows and 0 < len(rows[t.name].regrets) < len(seeds)
    ]


def _held_out_rounds() -> str:
    """ "round 27" or "rounds 24, 25, 26": the rounds of :data:`HELD_OUT_FOR_DEFAULT`."""
    word = "round" if len(HELD_OUT_FOR_DEFAULT) == 1 else "rounds"
    return f"{word} {', '.join(map(str, HELD_OUT_FOR_DEFAULT))}"


def _held_out(tasks: Sequence[Task]) -> list[Task]:
    """The tasks of the rounds in :data:`HELD_OUT_FOR_DEFAULT`."""
    return [t for t in tasks if any(t.name in ROUNDS[r][1] for r in HELD_OUT_FOR_DEFAULT)]


def _peers_lower_than_ours(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    """Each (peer, measure) where a peer's family mean or worst task is not above the default's."""
    rows = table[q.DEFAULT_LABEL]
    acc_mean, acc_worst = _family(tasks, rows, True)
    loss_mean, loss_worst = _family(tasks, rows, False)
    ours = {
        "accuracy mean": acc_mean,
        "accuracy worst": acc_worst,
        "loss mean": loss_mean,
        "loss worst": loss_worst,
    }
    lower = []
    for p in (name for name in q.PEER_RULES if name in table):
        (peer_acc_mean, peer_acc_worst), (peer_loss_mean, peer_loss_worst) = (
            _family(tasks, table[p], True),
            _family(tasks, table[p], False),
        )
        for measure, peer_value, unit in (
            ("accuracy mean", peer_acc_mean, ""),
            ("accuracy worst", peer_acc_worst, ""),
            ("loss mean", peer_loss_mean, "%"),
            ("loss worst", peer_loss_worst, "%"),
        ):
            if not math.isnan(ours[measure]) and not ours[measure] < peer_value:
                lower.append(
                    f"{measure} {peer_value:.2f}{unit} ({p}) against {ours[measure]:.2f}{unit}"
                )
    return lower


def _targets_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    rows = table[q.DEFAULT_LABEL]
    acc_mean, acc_worst = _family(tasks, rows, True)
    loss_mean, loss_worst = _family(tasks, rows, False)
    peers = [name for name in q.PEER_RULES if name in table]
    peer_acc = {p: _family(tasks, table[p], True) for p in peers}
    losses_to = _peers_lower_than_ours(tasks, table)
    beats = not losses_to
    held_out = _held_out(tasks)
    held_out_losses = _peers_lower_than_ours(held_out, table) if held_out else []
    spreads = {t.name: rows[t.name].spread for t in tasks}
    wide = [f"`{n}` {v:.1f}x" for n, v in spreads.items() if v > 2.0]

    def mark(ok: bool) -> str:
        return "met" if ok else "**not met**"

    oracle = table.get(q.ORACLE_LABEL, {})
    oracle_acc_mean, oracle_acc_worst = _family(tasks, oracle, True)
    oracle_loss_mean, oracle_loss_worst = _family(tasks, oracle, False)
    lines = [
        "",
        f'## The issue\'s targets, for the default (`{lrfinder.DEFAULT_METHOD}`, `runs="auto"`)',
        "",
        "The last column is the oracle: the grid's best rate trained on the seeds every rule is "
        f"scored on (row `{q.ORACLE_LABEL}` above), what a rule that always named the issue's own "
        "ground truth would score. Regret is measured against the mean of the two grid seeds "
        "(0 and 1), and the scoring seeds after those are other seeds, whose runs at the same "
        "rate land above or below that mean: where the oracle misses a target, the target "
        "measures seed noise as much as the rule, and naming the best rate exactly would not "
        "meet it.",
        "",
        "| target | measured | | the oracle |",
        "|---|---|---|---|",
        f"| mean regret <= 0.5 accuracy points | {acc_mean:.2f} | {mark(acc_mean <= 0.5)} | "
        f"{oracle_acc_mean:.2f} |",
        f"| no accuracy task worse than 2 points | worst task {acc_worst:.2f} | "
        f"{mark(acc_worst <= 2.0)} | worst task {oracle_acc_worst:.2f} |",
        f"| loss tasks <= 2% relative (mean / worst task) | {loss_mean:.1f}% / {loss_worst:.1f}% | "
        f"{mark(loss_worst <= 2.0)} | {oracle_loss_mean:.1f}% / {oracle_loss_worst:.1f}% |",
        "| lower mean and worst-case regret than every peer rule (accuracy and loss tasks "
        f"separately) | best peer by mean accuracy regret: "
        f"{min(peers, key=lambda p: peer_acc[p][0])}"
        + ("" if beats else "; lower than ours: " + ", ".join(losses_to))
        + f" | {mark(beats)} | – |",
        f"| the same, on the {len(held_out)} tasks held out for the current default "
        f"({_held_out_rounds()}; rounds before 35 for all but the spike floor) | "
        + ("; ".join(held_out_losses) or "lower than every peer on all four")
        + f" | {mark(not held_out_losses)} | – |",
        f"| seed spread <= 2x on every task | {', '.join(wide) or 'all <= 2x'} | "
        f"{mark(not wide)} | 1x (one rate) |",
    ]
    beyond = [
        f"`{t.name}` {oracle[t.name].mean:.1f}{'' if t.higher_is_better else '%'}"
        for t in tasks
        if oracle.get(t.name) and oracle[t.name].regrets and oracle[t.name].mean > 2.0
    ]
    if beyond:
        lines += [
            "",
            f"Tasks where even the oracle loses more than 2 (points, or % of the loss) on "
            f"average over the scoring seeds ({len(beyond)} of {len(tasks)}): "
            + ", ".join(beyond)
            + ".",
        ]
    return lines


def _five_seed_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    """The main rows and the targets again, against the best rate over all five scoring seeds."""
    restated: dict[str, dict[str, q.Row]] = {name: {} for name in ROUND_RULES if name in table}
    moved, at_edge = [], []
    for task in tasks:
        runs = q.Runs(task, train_missing=False)
        old = q.ground_truth(task, runs, q.GRID_SEEDS)
        new = q.five_seed_truth(task, runs)
        if new is None:
            return []  # not trained yet: quality.py --phase truth5
        if new.best_lr != old.best_lr:
            moved.append(task.name)
        if new.best_lr in (min(new.curve), max(new.curve)) and new.best_lr not in (
            q.GRID[0],
            q.GRID[-1],
        ):
            at_edge.append(task.name)
        for name in restated:
            row = table[name][task.name]
            restated[name][task.name] = q.Row(q.rescored(task, old, new, row.regrets), row.lrs)
    held_out = _held_out(tasks)
    lines = [
        "",
        "## Against a five-seed ground truth",
        "",
        "The tables above follow the issue's protocol: the target is the best mean of the two grid "
        "seeds, and every rule is scored on five seeds, three of them (2-4) not among those two. "
        "Here the grid points within "
        f"{q.FIVE_SEED_WINDOW:g} decade of that best were trained on all five seeds, and the best "
        "five-seed mean is the target (`quality.five_seed_truth`): regret then compares each "
        "rule with the best single rate for the very seeds it is scored on, and the oracle row "
        "(the two-seed best) shows what picking the target from two seeds costs. The best rate "
        f"moved on {len(moved)} of {len(tasks)} tasks; on {len(at_edge)} it sits at the window's "
        "edge, where a wider window could move it further"
        + (": " + ", ".join(f"`{n}`" for n in at_edge) if at_edge else "")
        + ". Cells: mean accuracy regret / worst accuracy task (points); mean / worst loss "
        "regret.",
        "",
        f"| rule | all {len(tasks)} tasks | the {len(held_out)} held out for the default "
        f"({_held_out_rounds()}) |",
        "|---|---|---|",
    ]
    for name, rows in restated.items():
        cells = []
        for subset in (tasks, held_out):
            acc_mean, acc_worst = _family(subset, rows, True)
            loss_mean, loss_worst = _family(subset, rows, False)
            acc = "–" if math.isnan(acc_mean) else f"{acc_mean:.2f} / {acc_worst:.1f}"
            loss = "–" if math.isnan(loss_mean) else f"{loss_mean:.1f}% / {loss_worst:.1f}%"
            cells.append(f"{acc}; {loss}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    rows = restated[q.DEFAULT_LABEL]
    acc_mean, acc_worst = _family(tasks, rows, True)
    loss_mean, loss_worst = _family(tasks, rows, False)
    over = [
        f"`{t.name}` {rows[t.name].mean:.1f}{'' if t.higher_is_better else '%'}"
        for t in tasks
        if rows[t.name].regrets and rows[t.name].mean > 2.0
    ]
    lines += [
        "",
        f"Targets for the default against this truth: mean {acc_mean:.2f} points (target 0.5), "
        f"worst accuracy task {acc_worst:.1f} (target 2), loss {loss_mean:.1f}% / "
        f"{loss_worst:.1f}% (target 2%). Tasks over 2 ({len(over)} of {len(tasks)}): "
        + (", ".join(over) or "none")
        + ".",
    ]
    return lines


#: The peers the paired comparison sets against the default: the three best by mean regret.
PAIRED_PEERS = ("fastai minimum", "fastai valley", "fastai slide")
BOOTSTRAP_SAMPLES = q.BOOTSTRAP_SAMPLES


def _paired_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    """The default against each main peer, task by task: is a difference in means more than the
    luck of which tasks were drawn?

    The per-task difference (ours minus the peer's mean regret) is resampled over tasks
    (a percentile bootstrap, fixed seed), so a mean carried by one or two tasks shows a wide
    interval; the counts say on how many tasks each side was lower."""
    held_out = _held_out(tasks)
    rng = np.random.default_rng(0)
    lines = [
        "",
        "## Ours against each peer, task by task",
        "",
        "Per task, the default's mean regret minus the peer's (negative: ours is lower; the first "
        "rows set the default against the knee alone, what the step-size blend changes), averaged "
        "over the tasks, with a 95% percentile-bootstrap interval over tasks "
        f"({BOOTSTRAP_SAMPLES} resamples): an interval that spans 0 is a difference the choice "
        "of tasks could explain. Then on how many tasks ours is lower / higher.",
        "",
        "| peer | tasks | accuracy: mean difference (points) [95%] | lower / higher | "
        "loss: mean difference [95%] | lower / higher |",
        "|---|---|---|---|---|---|",
    ]
    ours = table[q.DEFAULT_LABEL]
    for peer in (p for p in (q.KNEE_ALONE_LABEL, *PAIRED_PEERS) if p in table):
        for label, subset in (
            (f"all {len(tasks)}", tasks),
            (
                f"{len(held_out)} held out ({_held_out_rounds()})",
                held_out,
            ),
        ):
            cells = []
            for accuracy in (True, False):
                diffs = _paired_differences(ours, table[peer], subset, accuracy)
                cells += _difference_cells(diffs, accuracy, rng)
            lines.append(f"| {peer} | {label} | " + " | ".join(cells) + " |")
    return lines


def _paired_differences(
    rows: dict[str, q.Row], others: dict[str, q.Row], tasks: Sequence[Task], accuracy: bool
) -> np.ndarray:
    """Per task of the family, the mean regret in ``rows`` minus that in ``others`` (tasks that
    either side could not score are left out)."""
    return np.array(
        [
            rows[t.name].mean - others[t.name].mean
            for t in tasks
            if t.higher_is_better == accuracy and rows[t.name].regrets and others[t.name].regrets
        ]
    )


def _difference_cells(
    diffs: np.ndarray, accuracy: bool, rng: np.random.Generator, *, count: bool = False
) -> list[str]:
    """Two table cells: the mean difference with its bootstrap interval over tasks (and how many
    tasks, with ``count``), then on how many tasks it is negative / positive."""
    if diffs.size == 0:
        return ["–", "–"]
    low, high = q.bootstrap_interval(diffs, rng)
    unit = "" if accuracy else "%"
    tasks = f" ({diffs.size})" if count else ""
    return [
        f"{diffs.mean():+.2f}{unit} [{low:+.2f}, {high:+.2f}]{tasks}",
        f"{int((diffs < 0).sum())} / {int((diffs > 0).sum())}",
    ]


def _corrections_section(tasks: Sequence[Task], table: dict[str, dict[str, q.Row]]) -> list[str]:
    """Where do the setup's corrections (``lrfinder.batch_noise``) pay, and where do they cost?

    On one range test, the knee as the default applies it minus the knee uncorrected, per task,
    grouped by which correction applies and by optimizer family: the library cannot see the
    metric, so a correction that pays on losses and costs on accuracy shows here as a trade."""
    corrected = table.get(q.ONE_RUN_KNEE_ALONE_LABEL)
    uncorrected = table.get(f"lrfinder {lrfinder.DEFAULT_METHOD}, uncorrected")
    if not corrected or not uncorrected:
        return []
    groups: dict[tuple[str, str], list[Task]] = {}
    for task in tasks:
        small, no_momentum = correction_factors(lrfinder.DEFAULT_METHOD, run_metadata(task))
        kind = " and ".join(
            name for name, factor in (("small batch", small), ("no momentum", no_momentum))
            if factor != 1.0
        )  # fmt: skip
        if kind:
            adaptive = task.optimizer in ("adam", "adamw", "rmsprop")
            family = "Adam, AdamW, RMSprop" if adaptive else "SGD"
            groups.setdefault((kind, family), []).append(task)
    rng = np.random.default_rng(0)
    lines = [
        "",
        "## Where the setup's corrections pay",
        "",
        "On one range test, without the step-size blend: the knee with the corrections of "
        "`lrfinder.batch_noise` (a small batch, no momentum) minus the knee without them, per "
        "task (negative: the correction helps), averaged over the tasks where a correction applies, with a 95% "
        f"percentile-bootstrap interval over tasks ({BOOTSTRAP_SAMPLES} resamples), then on how "
        "many tasks it helps / hurts.",
        "",
        "| correction | optimizer | accuracy tasks: mean difference (points) [95%] | "
        "helps / hurts | loss tasks: mean difference [95%] | helps / hurts |",
        "|---|---|---|---|---|---|",
    ]
    for (kind, family), group in sorted(groups.items()):
        cells = []
        for accuracy in (True, False):
            diffs = _paired_differences(corrected, uncorrected, group, accuracy)
            cells += _difference_cells(diffs, accuracy, rng, count=True)
        lines.append(f"| {kind} | {family} | " + " | ".join(cells) + " |")
    return lines


def _warnings_section(tasks: Sequence[Task], seeds: Sequence[int]) -> list[str]:
    checks = [c for c in lrfinder.diagnostics.CHECKS]
    rows = []
    for task in tasks:
        counts = []
        for check in checks:
            fired = sum(check(q.task_record(task, seed)) is not None for seed in seeds)
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


#: A seed counts as a miss above these regrets (accuracy points; % excess loss).
MISS = {"accuracy": 2.0, "loss": 10.0}


def _trust_section(
    tasks: Sequence[Task], seeds: Sequence[int], table: dict[str, dict[str, q.Row]]
) -> list[str]:
    """Does a silent `result.warnings` mean the suggestion can be trusted?"""
    lines = [
        "",
        "## Do the warnings say when not to trust the suggestion?",
        "",
        "Every range test of the default rule, split by whether `result.warnings` is empty: on one "
        'run (`runs=1`), where the warned ones include those `runs="auto"` runs again (it never '
        'descended or is too noisy), and as the default returns it (`runs="auto"`: after five runs '
        "a warning can remain, or a new one say the runs disagree). A miss is "
        f"a seed whose regret exceeds {MISS['accuracy']:g} points (accuracy) or "
        f"{MISS['loss']:g}% (loss).",
        "",
        "| tasks | range tests without a warning: count, mean regret, misses | with a warning: "
        "count, mean regret, misses | misses that were warned |",
        "|---|---|---|---|",
    ]
    for label, rows in (("one run", table[q.ONE_RUN_LABEL]), ("default", table[q.DEFAULT_LABEL])):
        for metric, unit in (("accuracy", " points"), ("loss", "%")):
            silent, warned = [], []
            for task in (t for t in tasks if t.metric == metric):
                row = rows[task.name]
                flags = row.warned or [bool(q.task_record(task, s).warnings) for s in seeds]
                for flag, regret in zip(flags, row.regrets, strict=True):
                    (warned if flag else silent).append(regret)
            if not silent and not warned:
                continue
            threshold = MISS[metric]
            missed = sum(r > threshold for r in silent + warned)
            caught = sum(r > threshold for r in warned)
            lines.append(
                f"| {metric}, {label} | {_trust_cell(silent, threshold, unit)} | "
                f"{_trust_cell(warned, threshold, unit)} | {caught} of {missed} |"
            )
    return lines


def _trust_cell(regrets: list[float], threshold: float, unit: str) -> str:
    if not regrets:
        return "0"
    misses = sum(r > threshold for r in regrets)
    return f"{len(regrets)}, {np.mean(regrets):.1f}{unit}, {misses}"


def _horizon_section(tasks: Sequence[Task]) -> list[str]:
    chosen = [t for t in tasks if t.name in q.HORIZON_TASKS]
    rows = []
    # factor -> the best rate's shifts (decades), and per family the default's mean regret per
    # task as is and corrected
    shifts: dict[float, list[float]] = {f: [] for f in q.HORIZON_FACTORS}
    regrets: dict[tuple[float, bool], list[tuple[float, float]]] = {}
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
            shifts[factor].append(shift)
            if plain.regrets and corrected.regrets:
                regrets.setdefault((factor, task.higher_is_better), []).append(
                    (plain.mean, corrected.mean)
                )
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
        "and the default rule's suggestion on one range test (100 steps) trained at those budgets, "
        f"as is and corrected by `(budget factor) ** -{q.HORIZON_EXPONENT}`.",
        "",
        f"| task | 1 x budget: best max_lr | {heads} |",
        "|---|---|" + "---|" * len(q.HORIZON_FACTORS),
        *rows,
        "",
        *_horizon_summary(shifts, regrets),
    ]


def _horizon_summary(
    shifts: dict[float, list[float]], regrets: dict[tuple[float, bool], list[tuple[float, float]]]
) -> list[str]:
    """Per budget factor: how far the best rate moved, the exponent that implies, and whether
    the default's correction by that factor helped."""
    lines = []
    for factor, moved in shifts.items():
        if not moved:
            continue
        exponents = [-m / math.log10(factor) for m in moved]
        at_edge = sum(abs(m) >= q.HORIZON_WINDOW - 0.01 for m in moved)
        parts = [
            f"- **{factor:g} x the budget** ({len(moved)} tasks): the best max_lr moved by "
            f"{np.median(moved):+.2f} decades (median; {sum(m < 0 for m in moved)} lower, "
            f"{sum(m == 0 for m in moved)} unchanged, {sum(m > 0 for m in moved)} higher"
            + (f"; {at_edge} at the window's edge" if at_edge else "")
            + f"), an exponent of {np.median(exponents):.2f} in `best ~ budget ** -exponent` "
            f"(median; the correction uses {q.HORIZON_EXPONENT:g})."
        ]
        for accuracy, unit in ((True, " points"), (False, "%")):
            pairs = regrets.get((factor, accuracy), [])
            if not pairs:
                continue
            plain = float(np.mean([p for p, _ in pairs]))
            corrected = float(np.mean([c for _, c in pairs]))
            better = sum(c < p for p, c in pairs)
            parts.append(
                f"The default on {'accuracy' if accuracy else 'loss'} tasks: {plain:.2f}{unit} as "
                f"is, {corrected:.2f}{unit} corrected (better on {better} of {len(pairs)})."
            )
        lines.append(" ".join(parts))
    return lines
