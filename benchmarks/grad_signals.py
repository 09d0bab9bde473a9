"""Does the range test's gradient say what its loss cannot? (A study.)

Usage (from the repository root)::

    python benchmarks/grad_signals.py --run --tasks ...   # record the signals the cache lacks
    python benchmarks/grad_signals.py                     # the tables, from the cache
    python benchmarks/grad_signals.py --write             # and record them in GRAD_SIGNALS.md

Every rule so far reads one thing: the loss against the rate. Where the loss says nothing
(plateaus) or says too much too late (the unnormalised CNNs whose loss still falls at rates the
1cycle run then falls off), the default misses by a decade. The optimizer sees more than the
loss at every step: the gradient's norm, the weights' norm and the size of the step it takes.
This study records them next to the loss, on the same range tests the benchmark reads (same
initial weights, same batches, same ladder, no stop rule; the losses are checked to match the
cached curve), and asks whether a rate read from them predicts the grid's best rate where the
knee does not.

Recorded per optimizer step (cached in ``cache/signals_<task>.json``): the rate, the global L2
norm of the gradient before the step, of the weights before it, and of the update it made.

**The predictor.** Early in the test, while the steps are small, the relative update
``|dw| / |w|`` grows in proportion to the rate; its ratio to the rate, the *sensitivity* ``k``,
says how far one unit of learning rate moves this model with this optimizer (for Adam it is
about ``1 / rms(w)``; for SGD the gradient's scale over the weights'). If the best rate is the
one that makes a step of some typical relative size ``c``, it is ``c / k``. ``c`` is fitted per
optimizer family (Adam, AdamW, RMSprop, SGD with momentum, SGD without) on rounds 0-28 as the
median over tasks and seeds of ``log10(best rate x k)``: five constants, no curve. "Scale alone"
suggests ``10**c / k``; the "geometric mean" combines it with the default (``runs="auto"``)
as ``sqrt(default x scale)``, two predictors of the same rate with different errors.

**What was read before the decision rule.** The screen on rounds 0-28 (the fit rounds;
regret interpolated between the grid's half-decade points): the default 5.57 points (worst
53.0) and 46.5% (worst 519%); scale alone 4.38 (77.7) and 62.5% (1560%); the geometric mean
4.29 (66.3) and 43.0% (489%). The geometric mean raises the low reads on clean regressions
(a swiss roll, Friedman with SGD at small batches) and lowers nothing where the default
overshoots most: on the unnormalised digits CNN with Nesterov SGD at batch 32 the scale reads
higher still (0.28 against a best of 0.1), and the overfitting diabetes regressions get worse.
Its seeds agree far more: 135 of 203 tasks within 2x, against 70 (the sensitivity is nearly
the same on every seed, so the combination halves the knee's scatter in log lr). The held-out
rounds' signals were recorded but not read.

**Decision rule, stated before reading rounds 29-32.** Adopt the geometric mean as the default
suggestion (the torch adapter recording the sensitivity; the others keeping the knee) only if,
on the 43 tasks of rounds 29-32 with the constants fitted on rounds 0-28 and exact training at
each suggestion on the five range seeds: (a) its mean regret is lower than the default's on
both the accuracy and the loss tasks, and (b) its worst task is no worse than the default's
worst by more than 2 points on accuracy or 10 percentage points on losses. Otherwise the
default stays and this stays a study.

**Outcome.** It passed: on rounds 29-32 the geometric mean lost 6.44 points (worst 69.5) and
22.29% (worst 66.1%), against the knee's 10.61 (84.5) and 27.24% (89.1%). It is the default
since (:mod:`lrfinder.step_size`, with the constants rounded to two decimals, and measuring
stopped two steps after the band, which moves ``k`` by more than 0.01 decade on 2.8% of these
range tests). ``GRAD_SIGNALS.md`` also scores it exactly on rounds 0-28 and, on the held-out
rounds, with the probes on top.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from collections.abc import Iterator, Sequence

import numpy as np
import torch

import lrfinder
import quality as q
from cache_store import Store
from peers import PEER_RULES
from slow_ramp import grid_regret
from tasks import ROUND_OF, TASKS, Task, batches, make_optimizer, run_metadata, tasks_through

#: The predictor's constants are fitted on these rounds; later rounds are held out for it.
FIT_THROUGH = 28
#: The held-out rounds the decision rule reads (``tasks.ROUNDS``).
DECISION_ROUNDS = (29, 30, 31, 32)
#: Relative updates measured this small are rounding noise in float32; this large, the step may
#: already be past linear response. Between them the update grows in proportion to the rate.
LINEAR_BAND = (1e-5, 1e-3)
PEERS = ("fastai valley", "fastai minimum", "fastai slide")
#: "knee alone" is the default before this study (``runs="auto"``); the geometric mean, the
#: default since (:mod:`lrfinder.step_size`).
LABELS = ("knee alone", "scale alone", "geometric mean")
BOOTSTRAP_SAMPLES = 4000


def _norm(tensors: Sequence[torch.Tensor]) -> float:
    return float(torch.sqrt(sum((t.detach().double() ** 2).sum() for t in tensors)).item())


def _short(value: float) -> float | None:
    """Six significant digits (the cache stays small), None for a non-finite value."""
    return float(f"{value:.6g}") if math.isfinite(value) else None


def record(task: Task, seed: int, *, run: bool) -> dict[str, list[float]] | None:
    """The seed's range test with the optimizer's view of every step (cached)."""
    store = Store(f"signals_{task.name}")
    key = f"seed={seed}|start=1e-07|end=10|steps=100"
    if key not in store:
        if not run:
            return None
        model = task.model(seed)
        optimizer = make_optimizer(task, model.parameters(), 1e-7)
        steps: dict[str, list[float]] = {"lr": [], "grad": [], "weight": [], "update": []}
        before: list[torch.Tensor] = []

        def pre(opt: torch.optim.Optimizer, args: object, kwargs: object) -> None:
            params = [p for g in opt.param_groups for p in g["params"]]
            before[:] = [p.detach().clone() for p in params]
            steps["lr"].append(float(opt.param_groups[0]["lr"]))
            steps["grad"].append(_norm([p.grad for p in params if p.grad is not None]))
            steps["weight"].append(_norm(before))

        def post(opt: torch.optim.Optimizer, args: object, kwargs: object) -> None:
            params = [p for g in opt.param_groups for p in g["params"]]
            steps["update"].append(
                _norm([p.detach() - b for p, b in zip(params, before, strict=True)])
            )

        handles = [optimizer.register_step_pre_hook(pre), optimizer.register_step_post_hook(post)]
        try:
            result = lrfinder.lr_find(
                model, optimizer, batches(task, seed), task.loss,
                start_lr=1e-7, end_lr=10.0, num_steps=100, stop_factor=None, runs=1,
            )  # fmt: skip
        finally:
            for handle in handles:
                handle.remove()
        steps["losses"] = result.losses.tolist()
        store.put(key, {k: [_short(v) for v in values] for k, values in steps.items()})
    return store.get(key)


def matches_cached_curve(task: Task, seed: int, value: dict[str, list[float]]) -> bool:
    """Whether the signals' run saw the losses of the benchmark's cached curve, up to the
    curve's lowest point, within 0.1% (convolutions on another torch build drift later)."""
    _, cached = q.curve(task, seed)
    ours = np.array([math.nan if v is None else v for v in value["losses"]])
    theirs = np.array(cached)
    end = int(np.nanargmin(theirs)) + 1
    if len(ours) < end:
        return False
    gap = np.abs(ours[:end] - theirs[:end]) / np.maximum(1.0, np.abs(theirs[:end]))
    return bool(np.all(np.isnan(gap) | (gap <= 1e-3)))


def family(task: Task) -> str:
    """The optimizer as the constants are keyed: SGD without momentum is its own family."""
    metadata = run_metadata(task)
    name = str(metadata["optimizer"])
    hyper = metadata.get("optimizer_hyperparameters", {})
    if name == "SGD" and not hyper.get("momentum"):
        return "SGD, no momentum"
    return name


def sensitivity(value: dict[str, list[float]]) -> float:
    """The relative update per unit of learning rate, ``|dw| / (|w| lr)``: the median over the
    steps whose relative update lies in :data:`LINEAR_BAND` (NaN with fewer than three)."""
    lr, weight, update = (np.array(value[k], dtype=float) for k in ("lr", "weight", "update"))
    relative = update / weight
    low, high = LINEAR_BAND
    linear = (relative > low) & (relative < high)
    return float(np.median(relative[linear] / lr[linear])) if linear.sum() >= 3 else math.nan


def fit(names: Sequence[str]) -> dict[str, float]:
    """Per optimizer family, the median over tasks and seeds of log10(best rate x sensitivity):
    the relative step the grid's best rate would take if the update kept growing linearly."""
    logs: dict[str, list[float]] = {}
    for name in names:
        task = TASKS[name]
        best = q.ground_truth(task, q.Runs(task, train_missing=False), q.GRID_SEEDS).best_lr
        for seed in q.RANGE_SEEDS:
            value = record(task, seed, run=False)
            k = sensitivity(value) if value is not None else math.nan
            if math.isfinite(k):
                logs.setdefault(family(task), []).append(math.log10(best * k))
    return {f: float(np.median(v)) for f, v in sorted(logs.items())}


@functools.cache
def _knee_and_sensitivity(name: str, seed: int) -> tuple[float, float]:
    """The knee alone (``runs="auto"``; see ``quality.read_runs``) and the recorded
    sensitivity of one seed, read from the caches once: every table reads them again."""
    task = TASKS[name]
    result, _ = q.auto_result(task, seed, step_size=False)
    value = record(task, seed, run=False)
    return result.suggestion, sensitivity(value) if value is not None else math.nan


def suggestions(task: Task, seed: int, constants: dict[str, float]) -> dict[str, float]:
    """The default's suggestion (``runs="auto"``), the rate the sensitivity alone predicts, and
    their geometric mean (the default's where the sensitivity or the family's constant is
    missing)."""
    default, k = _knee_and_sensitivity(task.name, seed)
    constant = constants.get(family(task), math.nan)
    scale = 10**constant / k if math.isfinite(k) and math.isfinite(constant) else default
    return {
        "knee alone": default,
        "scale alone": scale,
        "geometric mean": math.sqrt(default * scale),
    }


def study(
    names: Sequence[str], constants: dict[str, float], *, exact: bool, train: bool = False
) -> dict[str, dict[str, list[float]]]:
    """Per task and rule, the regret of every seed: trained at the suggestion (``exact``) or read
    from the grid's two-seed means, interpolated in log10(lr) (the screen)."""
    out: dict[str, dict[str, list[float]]] = {}
    for name in names:
        task = TASKS[name]
        runs = q.Runs(task, train_missing=train)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)
        row: dict[str, list[float]] = {}
        for seed in q.RANGE_SEEDS:
            for label, lr in suggestions(task, seed, constants).items():
                if exact and label == "scale alone" and ROUND_OF[name] <= FIT_THROUGH:
                    continue  # trained on the held-out rounds only (it was not a candidate)
                if not exact:
                    row.setdefault(label, []).append(grid_regret(task, truth, lr))
                    continue
                score = runs.score(lr, seed) if math.isfinite(lr) else q.chance(task)[task.metric]
                if score is not None:
                    row.setdefault(label, []).append(q.regret(task, truth, score))
        if exact:
            for peer in PEERS:
                rule = q.curve_only(PEER_RULES[peer])
                row[peer] = q.score_rule(task, truth, runs, rule, q.RANGE_SEEDS).regrets
        out[name] = row
        if train:
            q.log(f"grad_signals: {name} trained")
    return out


def blended_result(task: Task, seed: int) -> lrfinder.RangeTestResult:
    """The default's result (``runs="auto"``) as the library now reads it: every run carries
    the seed's recorded step-size reading (run 0's; the reruns' were not recorded, and the
    reading barely moves between batch orders), so its suggestion is the blend."""
    result, _ = q.auto_result(task, seed, step_size=False)
    value = record(task, seed, run=False)
    k = sensitivity(value) if value is not None else math.nan
    if math.isfinite(k):
        for run in {id(r): r for r in (result, *result.runs)}.values():
            run.metadata["update_sensitivity"] = k
    return result


def probe_study(names: Sequence[str], *, train: bool) -> dict[str, dict[str, list[float]]]:
    """Per task: the default's probes (``lrfinder.refine_setup``) around the knee alone (the
    benchmark's cached row) and around the blend, regret per seed."""
    from lrfinder.probe import refine

    out: dict[str, dict[str, list[float]]] = {}
    for name in names:
        task = TASKS[name]
        runs = q.Runs(task, train_missing=train)
        truth = q.ground_truth(task, runs, q.GRID_SEEDS)
        row = {
            "knee alone + probes": q.score_probe(
                task, truth, runs, q.RANGE_SEEDS, horizon=False, auto=True
            ).regrets
        }
        row["blend + probes"] = []
        for seed in q.RANGE_SEEDS:
            probes = q.CachedProbes(task, seed, train_missing=train)
            try:
                refined = refine(
                    blended_result(task, seed), probes,
                    budget_steps=int(q.PROBE_BUDGET * task.steps),
                    horizon_exponent=q.PROBE_HORIZON_EXPONENT, start_loss=probes.start_loss(),
                )  # fmt: skip
            except q.MissingProbeError:
                continue
            score = runs.score(refined.lr, seed)
            if score is not None:
                row["blend + probes"].append(q.regret(task, truth, score))
        out[name] = row
        if train:
            q.log(f"grad_signals: {name} probed")
    return out


def _groups(names: Sequence[str]) -> Iterator[tuple[str, str, list[str], str]]:
    """``(rounds, metric, tasks, unit)`` for the fit rounds, the held-out ones and all."""
    groups = {
        f"rounds 0-{FIT_THROUGH} (constants fitted)": lambda r: r <= FIT_THROUGH,
        f"rounds {DECISION_ROUNDS[0]}-{DECISION_ROUNDS[-1]} (held out)": lambda r: r > FIT_THROUGH,
        "all": lambda r: True,
    }
    seen: list[list[str]] = []
    for group, keep in groups.items():
        for metric in ("accuracy", "loss"):
            kept = [n for n in names if TASKS[n].metric == metric and keep(ROUND_OF[n])]
            if kept and kept not in seen:  # "all" repeats a group that holds every task
                seen.append(kept)
                yield group, metric, kept, "" if metric == "accuracy" else "%"


def _spread(lrs: Sequence[float]) -> float:
    finite = [v for v in lrs if math.isfinite(v) and v > 0]
    return max(finite) / min(finite) if len(finite) == len(lrs) else math.inf


def constants_table(names: Sequence[str], constants: dict[str, float]) -> list[str]:
    """How well each predicts the grid's best rate: the spread of log10(best / suggestion)."""
    errors: dict[str, dict[str, list[float]]] = {}
    for name in names:
        task = TASKS[name]
        best = q.ground_truth(task, q.Runs(task, train_missing=False), q.GRID_SEEDS).best_lr
        for seed in q.RANGE_SEEDS:
            for label, lr in suggestions(task, seed, constants).items():
                cell = errors.setdefault(family(task), {}).setdefault(label, [])
                cell.append(math.log10(best / lr) if math.isfinite(lr) and lr > 0 else math.nan)
    lines = [
        f"The constants (fitted on rounds 0-{FIT_THROUGH}): per optimizer family, log10 of the "
        "relative step the grid's best rate takes if the update grows linearly with the rate; "
        "then, per rule, the median absolute deviation of log10(best rate / suggestion) on the "
        "same seeds (decades; smaller predicts the best rate more tightly up to one factor).",
        "",
        "| optimizer | seeds | constant | " + " | ".join(LABELS) + " |",
        "|---|---|---|" + "---|" * len(LABELS),
    ]
    for fam, cells in sorted(errors.items()):
        mads = []
        for label in LABELS:
            v = np.array([x for x in cells[label] if math.isfinite(x)])
            mads.append(f"{np.median(np.abs(v - np.median(v))):.2f}")
        lines.append(
            f"| {fam} | {len(cells['knee alone'])} | {constants[fam]:+.2f} | "
            + " | ".join(mads)
            + " |"
        )
    return lines


def regret_table(
    out: dict[str, dict[str, list[float]]], labels: Sequence[str], how: str
) -> list[str]:
    full = {
        n: r for n, r in out.items() if all(len(r.get(x, ())) == len(q.RANGE_SEEDS) for x in labels)
    }
    means = {n: {x: float(np.mean(r[x])) for x in labels} for n, r in full.items()}
    lines = [
        f"Mean regret over tasks (accuracy points; % excess loss) and the worst task, {how}, "
        "five range seeds per task.",
        "",
        "| tasks | family | " + " | ".join(labels) + " |",
        "|---|---|" + "---|" * len(labels),
    ]
    for group, metric, names, unit in _groups(list(full)):
        cells = [
            f"{np.mean([means[n][x] for n in names]):.2f}{unit} "
            f"(worst {max(means[n][x] for n in names):.1f}{unit})"
            for x in labels
        ]
        lines.append(f"| {group} | {metric} ({len(names)}) | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Paired per task, geometric mean minus knee alone (negative: it loses less), 95% bootstrap "
        "over tasks; tasks better / worse:",
        "",
        "| tasks | family | geometric mean - knee alone |",
        "|---|---|---|",
    ]
    for group, metric, names, unit in _groups(list(full)):
        diffs = np.array([means[n]["geometric mean"] - means[n]["knee alone"] for n in names])
        low, high = q.bootstrap_interval(diffs, np.random.default_rng(0), BOOTSTRAP_SAMPLES)
        lines.append(
            f"| {group} | {metric} ({len(names)}) | {diffs.mean():+.2f}{unit} "
            f"[{low:+.2f}, {high:+.2f}]; {int((diffs < -1e-9).sum())} / {int((diffs > 1e-9).sum())} |"
        )
    return lines


def probe_table(
    probed: dict[str, dict[str, list[float]]], exact: dict[str, dict[str, list[float]]]
) -> list[str]:
    """The default's probes (``refine_setup``: successive halving over a decade either side,
    half a run's steps) around the knee alone and around the blend, on the held-out rounds."""
    labels = ("knee alone", "knee alone + probes", "geometric mean", "blend + probes")
    rows = {n: probed[n] | exact[n] for n in probed}
    full = {
        n: r
        for n, r in rows.items()
        if all(len(r.get(x, ())) == len(q.RANGE_SEEDS) for x in labels)
    }
    lines = [
        "The probes (`lrfinder.refine_setup`, half a run's steps) around each, on the held-out "
        f"rounds; exact training, five range seeds ({len(full)} of {len(rows)} tasks fully "
        "probed):",
        "",
        "| family | " + " | ".join(labels) + " |",
        "|---|" + "---|" * len(labels),
    ]
    for metric, unit in (("accuracy", ""), ("loss", "%")):
        names = [n for n in full if TASKS[n].metric == metric]
        if not names:
            continue
        cells = []
        for x in labels:
            means = [float(np.mean(full[n][x])) for n in names]
            cells.append(f"{np.mean(means):.2f}{unit} (worst {max(means):.1f}{unit})")
        lines.append(f"| {metric} ({len(names)}) | " + " | ".join(cells) + " |")
    return lines


def spread_table(names: Sequence[str], constants: dict[str, float]) -> list[str]:
    counts = {label: 0 for label in LABELS}
    for name in names:
        per_seed = [suggestions(TASKS[name], s, constants) for s in q.RANGE_SEEDS]
        for label in LABELS:
            counts[label] += _spread([p[label] for p in per_seed]) <= 2.0
    return [
        f"Tasks whose five seeds' suggestions lie within 2x (of {len(names)}): "
        + ", ".join(f"{label} {counts[label]}" for label in LABELS)
        + "."
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="record the signals the cache lacks")
    parser.add_argument("--train", action="store_true", help="train the held-out suggestions")
    parser.add_argument("--write", action="store_true", help="record the tables in GRAD_SIGNALS.md")
    parser.add_argument("--tasks", nargs="*", default=None, help="task names (default: all)")
    args = parser.parse_args(argv)
    names = args.tasks or list(TASKS)
    if args.run:
        for name in names:
            for seed in q.RANGE_SEEDS:
                record(TASKS[name], seed, run=True)
            q.log(f"grad_signals: {name} recorded")
    constants = fit(tasks_through(FIT_THROUGH))
    held_out = [n for n in names if ROUND_OF[n] in DECISION_ROUNDS]
    lines = constants_table(tasks_through(FIT_THROUGH), constants)
    lines += ["", *spread_table(names, constants), ""]
    lines += regret_table(
        study(names, constants, exact=False), LABELS,
        "screened (the grid's two-seed means interpolated in log10 lr at each suggestion)",
    )  # fmt: skip
    exact = study(names, constants, exact=True, train=args.train)
    lines += [
        "",
        *regret_table(
            {n: exact[n] for n in held_out}, [*LABELS, *PEERS],
            "exact training at each suggestion (the decision rule reads the held-out rows)",
        ),
        "",
        *regret_table(
            exact, ["knee alone", "geometric mean", *PEERS],
            "exact training at each suggestion, every round",
        ),
    ]  # fmt: skip
    probed = probe_study(held_out, train=args.train)
    lines += ["", *probe_table(probed, {n: exact[n] for n in held_out})]
    mismatched = sum(
        not matches_cached_curve(TASKS[n], s, v)
        for n in names for s in q.RANGE_SEEDS if (v := record(TASKS[n], s, run=False)) is not None
    )  # fmt: skip
    lines += [
        "",
        f"Range tests whose losses differ from the benchmark's cached curve by more than 0.1% "
        f"before its lowest point: {mismatched} of {len(names) * len(q.RANGE_SEEDS)} (BatchNorm "
        "and other convolutional nets on this torch build; the sensitivity is read where they agree).",
    ]
    print("\n".join(lines))
    if args.write:
        q.write_study(
            "GRAD_SIGNALS.md",
            "What the optimizer's steps say: the relative update per unit of learning rate",
            "Generated by `python benchmarks/grad_signals.py --write` (`--run` records the "
            "signals, `--train` trains what the cache lacks). See the script's docstring for "
            "the design and the decision rule.",
            lines,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
