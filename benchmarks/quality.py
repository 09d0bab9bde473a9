"""Suggestion quality: regret against a grid search, per task and per rule, and seed spread.

Protocol (as in the LR range test's literature): run the range test from the model's initial
weights, then train from those same weights with torch's ``OneCycleLR(max_lr=suggestion)`` for the
task's budget. Ground truth is the same training over a grid of ``max_lr`` (half-decades from 1e-5
to 3, two seeds); the best grid mean is the target. Regret is the best grid metric minus the metric
at the suggestion (accuracy points), or for loss metrics the relative excess loss in %. Two rows
put that target in context: the oracle (the grid's best rate trained on all five scoring seeds)
and a second ground truth, the best rate over those five seeds (``five_seed_truth``).

Every training run and range test is cached in ``benchmarks/cache/`` (keyed by task, schedule,
rounded lr, seed and budget), so a rerun only trains what is missing.

Usage::

    python benchmarks/quality.py                 # everything, then write benchmarks/RESULTS.md
    python benchmarks/quality.py --phase grid    # only the ground-truth grid (start it early)
    python benchmarks/quality.py --rules-only    # re-score the rules; train only new suggestions
    python benchmarks/quality.py --quick         # 3 tasks, 3 seeds, no probes; prints only
    python benchmarks/quality.py --phase rules --tasks mnist1d_cnn text_lm   # one slice, e.g. to
                                                 # run two processes side by side

Phases (``--phase``): ``grid``, ``curves`` (range tests), ``baselines`` (constant lr, Prodigy,
Schedule-Free), ``rules`` (train at every rule's suggestion, and the oracle), ``probes``,
``truth5`` (the grid near the best rate on all five seeds), ``horizon`` (grid and default at 0.25x
and 4x the budget), ``all`` (the default: grid, curves, baselines, truth5 and horizon, then the
report, which trains whatever is still missing). Tasks live in ``tasks.py``, peer rules in ``peers.py``.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lrfinder
from cache_store import Store, lr_key
from lrfinder.multirun import AUTO_RUNS, MultiRunResult, aggregate, needs_more_runs
from lrfinder.step_size import SensitivityMeter
from peers import PEER_RULES
from tasks import (
    ROUND_OF,
    TASKS,
    Task,
    batches,
    chance,
    evaluate,
    make_optimizer,
    probe_fn,
    range_test_curve,
    run_metadata,
    train,
)

GRID = [float(f"{v:.3g}") for v in 10 ** np.arange(-5.0, 0.51, 0.5)]
GRID_SEEDS = (0, 1)
RANGE_SEEDS = (0, 1, 2, 3, 4)
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
FIVE_SEED_WINDOW = 1.0  # decades either side of the two-seed best, trained on all five seeds
#: Tasks whose grid is rerun at other budgets: the first three, then a cheap spread of the others
#: (every optimizer family, both metrics; no recurrent nets or transformers, whose 4x runs are slow).
HORIZON_TASKS = (
    "cancer_mlp",
    "diabetes_mse",
    "digits_cnn",
    "digits_mlp",
    "friedman_mse",
    "wine_mlp_adam_b32",
    "moons_mlp_adamw_b16",
    "classes_mlp_adam_b64",
    "quantiles_mlp_adam_b32",
    "hastie_mlp_sgd_b64",
    "digits_mlp_rmsprop_b32",
    "mnist1d_ln_mlp",
    "digits_resmlp_sgd_b16",
    "digits_dropout_adamw_b32",
    "digits_cnn_adam_b16",
    "friedman3_adamw_b64",
    "diabetes_sgd_b64",
    "linreg_mlp_sgd_b64",
    "swiss_mlp_adamw_b32",
    "friedman_sgd_b256",
    "uncorrelated_mlp_rmsprop_b64",
    "cancer_mlp_sgd_plain_b16",
)
HORIZON_WINDOW = 1.5  # decades either side of the 1x best: where the other horizons' best can be
HORIZON_FACTORS = (0.25, 4.0)
HORIZON_EXPONENT = 0.5  # peak lr x (planned / benchmark budget) ** -0.5, as for the probes
BASELINES = {
    "constant": "no finder: {opt} at constant {lr}",
    "prodigy": "no finder: Prodigy (lr=1, cosine)",
    "schedulefree": "no finder: Schedule-Free AdamW (lr=0.0025, 5% warmup)",
}
PROBE_BUDGET = 0.5
PROBE_HORIZON_EXPONENT = 0.5  # probes may spend this fraction of the training budget, in steps


def write_study(filename: str, title: str, generated_by: str, lines: Sequence[str]) -> Path:
    """Records a study's tables in ``benchmarks/FILENAME`` under a title and a line saying which
    command generated it; returns the path."""
    path = Path(__file__).with_name(filename)
    path.write_text("\n".join([f"# {title}", "", generated_by, "", *lines]) + "\n")
    return path


def study_main(
    argv: Sequence[str] | None,
    doc: str,
    run: Callable[[Sequence[str], bool], list[str]],
    filename: str,
    title: str,
    default_tasks: Sequence[str] | None = None,
) -> int:
    """The command line a study script shares: ``--train`` trains what the cache lacks,
    ``--write`` records the tables in ``benchmarks/FILENAME``, ``--tasks`` narrows them (default:
    ``default_tasks``, or every round; a study that decided on the rounds it read passes
    ``tasks_through(its round)`` so that its file regenerates as written). ``run(names, train)``
    returns the tables' lines; the script's docstring says what they mean."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="train what the cache lacks")
    parser.add_argument("--write", action="store_true", help=f"record the tables in {filename}")
    parser.add_argument("--tasks", nargs="*", default=None, help="task names (default: all)")
    args = parser.parse_args(argv)
    lines = run(args.tasks or list(default_tasks or TASKS), args.train)
    print("\n".join(lines))
    if args.write:
        script = Path(sys.argv[0]).name
        write_study(
            filename,
            title,
            f"Generated by `python benchmarks/{script} --write` (`--train` trains what the cache "
            "lacks). See the script's docstring for the design and the decision.",
            lines,
        )
    return 0


def split_rows(
    results: Mapping[str, Mapping[str, Sequence[float]]],
    splits: Mapping[str, Iterable[int]],
    candidates: Sequence[str],
) -> list[str]:
    """A candidate study's table rows, one per split of rounds and metric family: the mean of
    the per-task mean regrets (worst task in brackets) of the first candidate (the default), then
    of each other one with the tasks it makes better / worse. ``results[task][candidate]`` holds
    the regret of each seed."""
    lines = []
    base, *others = candidates
    for split, rounds in splits.items():
        members = set(rounds)
        for metric in ("accuracy", "loss"):
            names = [n for n in results if TASKS[n].metric == metric and ROUND_OF[n] in members]
            if not names:
                continue
            means = {c: [float(np.mean(results[n][c])) for n in names] for c in candidates}
            cells = [f"{np.mean(means[base]):.2f} ({max(means[base]):.1f})"]
            for c in others:
                diff = np.subtract(means[c], means[base])
                cells.append(
                    f"{np.mean(means[c]):.2f} ({max(means[c]):.1f}); "
                    f"{int((diff < 0).sum())} / {int((diff > 0).sum())}"
                )
            lines.append(f"| {split} | {metric} | {len(names)} | " + " | ".join(cells) + " |")
    return lines


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- cached primitives --------------------------------------------------------------------------


class Runs:
    """Training runs of one task, cached by schedule, rounded lr, seed, budget and split."""

    def __init__(self, task: Task, *, train_missing: bool = True) -> None:
        self.task = task
        self.store = Store(f"runs_{task.name}")
        self.train_missing = train_missing

    def metrics(
        self,
        lr: float,
        seed: int,
        *,
        schedule: str = "onecycle",
        steps: int | None = None,
        split: str = "test",
    ) -> dict[str, float] | None:
        steps = steps or self.task.steps
        lr = lr_key(lr) if schedule in ("onecycle", "constant") else 0.0
        key = f"{schedule}|lr={lr:.4g}|seed={seed}|steps={steps}|split={split}"
        if key not in self.store:
            if not self.train_missing:
                return None
            started = time.perf_counter()
            value = train(self.task, seed, lr, schedule=schedule, steps=steps, split=split)
            value["seconds"] = round(time.perf_counter() - started, 2)
            self.store.put(key, value)
        return self.store.get(key)

    def score(self, lr: float, seed: int, **kwargs: object) -> float | None:
        """The task's metric (accuracy in points or loss) for one run.

        A run that diverged scores what ``tasks.chance`` says (the untrained model's loss,
        chance accuracy), read now rather than from the cache, which holds the value of its
        day. A loss above the untrained model's counts as diverged too: a run that ends worse
        than where it started has failed however large its loss, and letting 1e17 count for
        more than a NaN would rank the rules by how far their failures blew up.
        """
        split = str(kwargs.get("split", "test"))
        metrics = self.metrics(lr, seed, **kwargs)  # type: ignore[arg-type]
        if metrics is None:
            return None
        failed = chance(self.task, split)
        if metrics.get("diverged"):
            return failed[self.task.metric]
        if self.task.metric == "loss":
            return min(metrics["loss"], failed["loss"])
        return metrics[self.task.metric]


def range_test_key(seed: int) -> str:
    """The cache key of one seed's range test (``curves_*``, ``signals_*``)."""
    return f"seed={seed}|start=1e-07|end=10|steps=100"


def curve(task: Task, seed: int) -> tuple[list[float], list[float]]:
    """The raw range-test record of one seed (cached)."""
    store = Store(f"curves_{task.name}")
    key = range_test_key(seed)
    if key not in store:
        lrs, losses = range_test_curve(task, seed)
        store.put(key, {"lrs": lrs, "losses": [v if math.isfinite(v) else None for v in losses]})
    value = store.get(key)
    losses = [math.nan if v is None else v for v in value["losses"]]
    return value["lrs"], losses


def task_record(task: Task, seed: int, *, step_size: bool = True) -> lrfinder.RangeTestResult:
    """The seed's range test as ``lrfinder.lr_find`` returns it, metadata included: with
    ``step_size`` its step-size reading too (:func:`step_size_metadata`), so that its
    suggestion is the blend; without, the knee alone (the default before the blend)."""
    record = our_record(*curve(task, seed), metadata=run_metadata(task))
    if step_size:
        record.metadata |= step_size_metadata(task, seed, len(record.losses))
    return record


@functools.cache
def _signals(task_name: str) -> dict[str, Any]:
    return Store(f"signals_{task_name}").data


def step_size_metadata(task: Task, seed: int, steps: int) -> dict[str, float]:
    """``{"update_sensitivity": k}`` as ``lr_find``'s PyTorch adapter reads it on the seed's
    range test (empty where it reads none), replayed through the library's own meter
    (:class:`lrfinder.step_size.SensitivityMeter`, its band and its stop) from the per-step
    weight and update norms that ``benchmarks/grad_signals.py`` recorded on the same test (same
    weights, batches and ladder; ``cache/signals_<task>.json``), over the ``steps`` the test ran
    before its stop rule ended it. The cached curves predate the reading; the norms do not. Checked
    against ``lr_find`` run live on four tasks and two seeds: the same ``k`` to 6 digits (the
    norms are cached at 6)."""
    value = _signals(task.name).get(range_test_key(seed))
    if value is None:
        return {}
    meter = SensitivityMeter()
    steps_recorded = zip(value["lr"], value["weight"], value["update"], strict=True)
    for lr, weight, update in list(steps_recorded)[:steps]:
        if not meter.measuring:
            break
        if lr is not None and weight is not None and update is not None:
            meter.add(lr, weight, update)
    k = meter.value()
    return {} if k is None else {"update_sensitivity": k}


def our_record(
    lrs: Sequence[float], losses: Sequence[float], metadata: Mapping[str, Any] | None = None
) -> lrfinder.RangeTestResult:
    """Replays lrfinder's default stop rule on a full record: what ``range_test`` would return."""
    rule = lrfinder.StopRule().for_run(100)
    stop_reason, end = "completed", len(losses)
    for i, loss in enumerate(losses):
        reason = rule.update(loss)
        if reason is not None:
            stop_reason, end = reason, i + 1
            break
    return lrfinder.RangeTestResult(
        np.asarray(lrs[:end]),
        np.asarray(losses[:end]),
        stop_reason,
        1e-7,
        10.0,
        100,
        "exp",
        metadata=dict(metadata or {}),
    )


class SeedOrders:
    """Batches of ``tasks.batches``: the seed's own order (the one ``quality.py``'s range test
    saw) while torch's RNG is as it was when this was built, which holds for run 0; another order,
    drawn from torch's RNG, once ``lr_find(runs=N)`` has reseeded it for a later run."""

    def __init__(self, task: Task, seed: int) -> None:
        self.task = task
        self.seed = seed
        self.batch_size = task.batch_size  # read by lr_find, as a DataLoader's would be
        self.initial_rng = torch.get_rng_state()

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if torch.equal(torch.get_rng_state(), self.initial_rng):
            return batches(self.task, self.seed)
        return batches(self.task, int(torch.randint(0, 2**31 - 1, ()).item()))


def multi_run(
    task: Task, seed: int, runs: int, *, stop_factor: float | None = 0.5
) -> MultiRunResult:
    """The N-run range test of one seed, as ``quality.py`` runs the single one (cached).

    ``stop_factor=None`` records every run to its end (only a non-finite loss stops it), the
    record the peers replay their own stop rules on."""
    store = Store(f"multirun_{task.name}")
    key = f"seed={seed}|runs={runs}|start=1e-07|end=10|steps=100"
    if stop_factor is None:
        key += "|stop=none"
    elif stop_factor != 0.5:
        key += f"|stop={stop_factor:g}"
    if key not in store:
        model = task.model(seed)
        optimizer = make_optimizer(task, model.parameters(), 1e-7)
        torch.manual_seed(seed)
        data = SeedOrders(task, seed)
        started = time.perf_counter()
        result = lrfinder.lr_find(
            model, optimizer, data, task.loss, runs=runs, seed=seed,
            start_lr=1e-7, end_lr=10.0, num_steps=100, stop_factor=stop_factor,
        )  # fmt: skip
        value = result.to_dict()
        value["seconds"] = round(time.perf_counter() - started, 2)
        store.put(key, value)
    return lrfinder.RangeTestResult.from_dict(store.get(key))


# --- scoring ------------------------------------------------------------------------------------


@dataclass
class Truth:
    """The grid's answer for one task."""

    best_lr: float
    best: float
    curve: dict[float, float]


def ground_truth(task: Task, runs: Runs, seeds: Sequence[int]) -> Truth:
    means = {}
    for lr in GRID:
        scores = [runs.score(lr, s) for s in seeds]
        if all(v is not None for v in scores):
            means[lr] = float(np.mean(scores))
    return _best(task, means)


def _best(task: Task, means: dict[float, float]) -> Truth:
    """The rate with the best mean score."""
    pick = max if task.higher_is_better else min
    best_lr = pick(means, key=means.__getitem__)
    return Truth(best_lr, means[best_lr], means)


def _complete_truth(
    task: Task, runs: Runs, lrs: Sequence[float], seeds: Sequence[int], **kwargs: object
) -> Truth | None:
    """:func:`_best` over ``lrs`` with every seed's run, or None when one is missing."""
    means = {}
    for lr in lrs:
        scores = [runs.score(lr, s, **kwargs) for s in seeds]
        if any(v is None for v in scores):
            return None
        means[lr] = float(np.mean(scores))
    return _best(task, means)


def five_seed_truth(task: Task, runs: Runs) -> Truth | None:
    """The grid's best over all five range-test seeds, the seeds every rule is scored on.

    :func:`ground_truth` averages the two grid seeds only, so the other three seeds' runs at its
    best rate scatter around a mean they took no part in, and a max over two-seed means is biased
    upwards. Here the grid points within ``FIVE_SEED_WINDOW`` decades of the two-seed best are
    trained on every seed and the best five-seed mean is the target (None when some run is not
    cached and ``runs`` may not train)."""
    two_seeds = ground_truth(task, runs, GRID_SEEDS)
    window = [
        lr for lr in GRID if abs(math.log10(lr / two_seeds.best_lr)) <= FIVE_SEED_WINDOW + 0.01
    ]
    return _complete_truth(task, runs, window, RANGE_SEEDS)


def rescored(task: Task, old: Truth, new: Truth, regrets: Sequence[float]) -> list[float]:
    """Regrets against ``old`` restated against ``new``: each came from one score, recovered here."""
    if task.higher_is_better:
        return [r + new.best - old.best for r in regrets]
    return [100.0 * (old.best * (1 + r / 100.0) - new.best) / new.best for r in regrets]


#: Resamples of the percentile bootstrap over tasks (:func:`bootstrap_interval`).
BOOTSTRAP_SAMPLES = 5000


def bootstrap_interval(
    values: Sequence[float], rng: np.random.Generator, samples: int = BOOTSTRAP_SAMPLES
) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of ``values``, resampling them (tasks).

    ``rng`` is the caller's, so a table whose rows share one generator draws them in order."""
    values = np.asarray(values, dtype=float)
    means = rng.choice(values, (samples, values.size)).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def regret(task: Task, truth: Truth, score: float) -> float:
    """Accuracy points lost, or % excess loss, against the grid's best."""
    if task.higher_is_better:
        return truth.best - score
    return 100.0 * (score - truth.best) / truth.best


#: ``rule(lrs, losses, metadata) -> lr``; the peers read only the curve.
Rule = Callable[[Sequence[float], Sequence[float], Mapping[str, Any]], float]


def our_rule(name: str, *, corrected: bool = True, step_size: bool = True) -> Rule:
    """Our rule ``name`` as ``lr_find`` gives it, or with ``corrected=False`` as the curve alone
    reads it: without the batch and momentum corrections (:mod:`lrfinder.batch_noise`), which
    read the run's metadata, and without the step-size blend. The uncorrected row shows what the
    corrections change; ``step_size=False`` keeps the corrections and drops the blend (the
    knee alone, the default before it)."""

    def rule(lrs: Sequence[float], losses: Sequence[float], metadata: Mapping[str, Any]) -> float:
        read = dict(metadata) if corrected else {}
        if not step_size:
            read.pop("update_sensitivity", None)
        try:
            return our_record(lrs, losses, read).suggest(name).lr
        except lrfinder.LRFinderError:
            return math.nan

    return rule


def curve_only(peer: Callable[[Sequence[float], Sequence[float]], float]) -> Rule:
    def rule(lrs: Sequence[float], losses: Sequence[float], metadata: Mapping[str, Any]) -> float:
        return peer(lrs, losses)

    return rule


#: Report labels: lr_find's default (``runs="auto"``, :func:`score_auto`) and its first run alone,
#: each also without the step-size blend (the knee alone, the default before it).
DEFAULT_LABEL = f'lrfinder {lrfinder.DEFAULT_METHOD}, runs="auto" (default)'
ONE_RUN_LABEL = f"lrfinder {lrfinder.DEFAULT_METHOD}, one run"
KNEE_ALONE_LABEL = f'lrfinder {lrfinder.DEFAULT_METHOD} alone, runs="auto" (before the blend)'
ONE_RUN_KNEE_ALONE_LABEL = f"lrfinder {lrfinder.DEFAULT_METHOD} alone, one run"
ORACLE_LABEL = "oracle: the grid's best rate"
#: The probes (:func:`score_probe`) on one range test and on ``runs="auto"``, around the knee
#: alone (the default before the step-size blend, whose probes were cached first), and on the
#: default as ``lr_find`` returns it (``refine_setup`` and ``lrfinder refine`` today).
PROBE_LABEL = f"lrfinder {lrfinder.DEFAULT_METHOD} alone + probes"
KNEE_ALONE_AUTO_PROBE_LABEL = f'lrfinder {lrfinder.DEFAULT_METHOD} alone, runs="auto" + probes'
AUTO_PROBE_LABEL = f'lrfinder {lrfinder.DEFAULT_METHOD}, runs="auto" (default) + probes'
ONE_RUN_PROBE_LABEL = f"lrfinder {lrfinder.DEFAULT_METHOD}, one run + probes"
#: Every probes row of the report: label -> :func:`score_probe`'s options.
PROBE_ROWS: dict[str, dict[str, bool]] = {
    PROBE_LABEL: {"horizon": False},
    f"{PROBE_LABEL}, horizon-corrected": {"horizon": True},
    KNEE_ALONE_AUTO_PROBE_LABEL: {"horizon": False, "auto": True},
    AUTO_PROBE_LABEL: {"horizon": False, "auto": True, "step_size": True},
    ONE_RUN_PROBE_LABEL: {"horizon": False, "step_size": True},
}


def all_rules() -> dict[str, Rule]:
    """Every rule read on one curve: ours (the default rule on one run first, with and without
    the step-size blend) and the peers'."""
    default = lrfinder.DEFAULT_METHOD
    ours = {ONE_RUN_LABEL: our_rule(default)}
    ours[ONE_RUN_KNEE_ALONE_LABEL] = our_rule(default, step_size=False)
    ours[f"lrfinder {default}, uncorrected"] = our_rule(default, corrected=False)
    ours |= {f"lrfinder {n}": our_rule(n) for n in lrfinder.SUGGESTERS if n != default}
    return ours | {name: curve_only(peer) for name, peer in PEER_RULES.items()}


@dataclass
class Row:
    """One (rule, task) cell: regrets per seed and suggestions per seed."""

    regrets: list[float]
    lrs: list[float]
    cost_steps: float = 0.0
    plateaus: int = 0  # probes only: range tests whose probes all failed to learn
    range_tests: list[int] = field(default_factory=list)  # runs="auto" only: tests per seed
    warned: list[bool] = field(default_factory=list)  # runs="auto" only: result.warnings said so

    @property
    def mean(self) -> float:
        return float(np.mean(self.regrets)) if self.regrets else math.nan

    @property
    def worst(self) -> float:
        return float(np.max(self.regrets)) if self.regrets else math.nan

    @property
    def spread(self) -> float:
        finite = [v for v in self.lrs if v and math.isfinite(v)]
        if len(finite) < len(self.lrs) or not finite:
            return math.inf
        return max(finite) / min(finite)


def score_rule(task: Task, truth: Truth, runs: Runs, rule: Rule, seeds: Sequence[int]) -> Row:
    row = Row([], [])
    for seed in seeds:
        lrs, losses = curve(task, seed)
        lr = rule(lrs, losses, task_record(task, seed).metadata)
        row.lrs.append(lr)
        if not math.isfinite(lr):
            row.regrets.append(regret(task, truth, chance(task)[task.metric]))
            continue
        value = runs.score(lr, seed)
        if value is not None:
            row.regrets.append(regret(task, truth, value))
    return row


def auto_result(
    task: Task, seed: int, *, step_size: bool = True
) -> tuple[lrfinder.RangeTestResult, int]:
    """What ``lr_find(runs="auto")`` returns for one seed, and how many range tests it ran.

    Replayed from the cached ``runs=5`` test (:func:`multi_run`), whose run 0 is the single run:
    ``runs="auto"`` runs it, and when :func:`~lrfinder.multirun.needs_more_runs` says its curve
    cannot be read alone it runs ``runs=5``, which repeats run 0 and adds four (six in all). The
    rules are today's, not the cache's. ``step_size``: as :func:`read_runs`."""
    result = read_runs(task, seed, AUTO_RUNS, step_size=step_size)
    first = result.runs[0]
    return (result, 1 + AUTO_RUNS) if needs_more_runs(first) else (first, 1)


def read_runs(
    task: Task,
    seed: int,
    runs: int,
    method: str = lrfinder.DEFAULT_METHOD,
    *,
    step_size: bool = True,
) -> MultiRunResult:
    """The cached N-run test of one seed (:func:`multi_run`) read with today's rules, not the
    cache's, and with the setup's metadata (which older cache entries lack).

    With ``step_size`` every run carries the step-size reading of the seed's first run
    (:func:`step_size_metadata`), so the knee is blended as ``lr_find`` blends it; the other
    runs' readings were not recorded, and the reading hardly moves with the batch order (237 of
    246 tasks read within 2x on all five seeds, GRAD_SIGNALS.md). Without it, every run reads
    the knee alone: the default before the blend, which the studies written before it read."""
    stored = multi_run(task, seed, runs)
    reading = step_size_metadata(task, seed, len(stored.runs[0].losses)) if step_size else {}
    for run in stored.runs:
        run.metadata.update(run_metadata(task))
        run.metadata.pop("update_sensitivity", None)  # entries from a newer lrfinder carry one
        run.metadata.update(reading)
    result = aggregate(stored.runs, method=method)
    result.metadata["path"] = stored.metadata.get("path", "?")
    return result


def score_auto(
    task: Task, truth: Truth, runs: Runs, seeds: Sequence[int], *, step_size: bool = True
) -> Row:
    """The default as ``lr_find`` runs it: ``runs="auto"`` (:func:`auto_result`); with
    ``step_size=False``, the knee alone, the default before the step-size blend."""
    row = Row([], [])
    for seed in seeds:
        result, tests = auto_result(task, seed, step_size=step_size)
        try:
            lr = result.suggest(lrfinder.DEFAULT_METHOD).lr
        except lrfinder.LRFinderError:
            lr = math.nan
        row.lrs.append(lr)
        row.range_tests.append(tests)
        row.warned.append(bool(result.warnings))
        value = runs.score(lr, seed) if math.isfinite(lr) else chance(task)[task.metric]
        if value is not None:
            row.regrets.append(regret(task, truth, value))
    return row


def score_oracle(task: Task, truth: Truth, runs: Runs, seeds: Sequence[int]) -> Row:
    """The grid's best rate, trained on every range-test seed: what a rule that always named it
    would score. Not a rule anyone can run (it needs the grid), but the floor of the regret any
    rule can reach: the grid's best is a mean over two seeds, and the other seeds' runs at that
    same rate land above or below it. Where they land far below (a rate at the edge of a cliff,
    a network whose training depends on its seed) no suggestion can get near zero regret."""
    row = Row([], [])
    for seed in seeds:
        row.lrs.append(truth.best_lr)
        value = runs.score(truth.best_lr, seed)
        if value is not None:
            row.regrets.append(regret(task, truth, value))
    return row


def score_baseline(
    task: Task, truth: Truth, runs: Runs, schedule: str, seeds: Sequence[int]
) -> Row:
    row = Row([], [])
    lr = 0.01 if task.optimizer.startswith("sgd") or task.optimizer == "nesterov" else 1e-3
    for seed in seeds:
        value = runs.score(lr, seed, schedule=schedule)
        if value is not None:
            row.regrets.append(regret(task, truth, value))
            row.lrs.append(lr if schedule == "constant" else math.nan)
    return row


def score_probe(
    task: Task,
    truth: Truth,
    runs: Runs,
    seeds: Sequence[int],
    *,
    horizon: bool,
    auto: bool = False,
    step_size: bool = False,
) -> Row:
    """The knee, alone or with ``step_size`` blended as ``lr_find`` gives it (see
    :data:`PROBE_ROWS`), then :func:`lrfinder.probe.refine` by validation loss.

    Without ``auto`` the probes refine the first range test alone (``runs=1``); with it they
    refine what ``lr_find`` returns by default (``runs="auto"``, :func:`auto_result`), which
    is what ``lrfinder.refine_setup(factory)`` and the ``lrfinder refine`` command do. With
    ``horizon``, the winner is carried over from the probes' length to the task's budget
    (``horizon_steps=task.steps``); without, the winner is used as it is. All read the same
    cached probes (:class:`CachedProbes`).
    """
    from lrfinder.probe import refine

    row = Row([], [])
    costs = []
    for seed in seeds:
        record, tests = (
            auto_result(task, seed, step_size=step_size)
            if auto
            else (task_record(task, seed, step_size=step_size), 1)
        )
        probes = CachedProbes(task, seed, train_missing=runs.train_missing)
        try:
            refined = refine(
                record,
                probes,
                budget_steps=int(PROBE_BUDGET * task.steps),
                horizon_steps=task.steps if horizon else None,
                horizon_exponent=PROBE_HORIZON_EXPONENT,
                start_loss=probes.start_loss(),
            )
        except MissingProbeError:
            continue
        row.lrs.append(refined.lr)
        row.range_tests.append(tests)
        row.plateaus += refined.learned is False
        costs.append(refined.cost_steps)
        score = runs.score(refined.lr, seed)
        if score is not None:
            row.regrets.append(regret(task, truth, score))
    row.cost_steps = float(np.mean(costs)) if costs else math.nan
    return row


class MissingProbeError(LookupError):
    """A probe is not in the cache and training was not allowed."""


class CachedProbes:
    """``probe(lr, steps) -> validation loss`` for one task and seed, cached per (lr, steps).

    The cache holds what was measured, not what ``refine`` chose, so a change to the rule or to
    ``refine`` re-runs only the probes it has not seen.
    """

    def __init__(self, task: Task, seed: int, *, train_missing: bool) -> None:
        self.task, self.seed, self.train_missing = task, seed, train_missing
        self.store = Store(f"probes_{task.name}")

    def start_loss(self) -> float:
        """The validation loss of the untrained model."""
        return self._cached(
            f"seed={self.seed}|start_loss",
            lambda: evaluate(self.task, self.task.model(self.seed), "val")["loss"],
        )

    def __call__(self, lr: float, steps: int) -> float:
        return self._cached(
            f"seed={self.seed}|lr={lr!r}|steps={steps}",
            lambda: probe_fn(self.task, self.seed)(lr, steps),
        )

    def _cached(self, key: str, measure: Callable[[], float]) -> float:
        if key not in self.store:
            if not self.train_missing:
                raise MissingProbeError(key)
            self.store.put(key, float(measure()))
        return float(self.store.get(key))


# --- phases -------------------------------------------------------------------------------------


def run_grid(tasks: Sequence[Task], seeds: Sequence[int]) -> None:
    for task in tasks:
        runs = Runs(task)
        for seed in seeds:
            for lr in GRID:
                runs.metrics(lr, seed)
        log(f"grid done: {task.name}")


def run_curves(tasks: Sequence[Task], seeds: Sequence[int]) -> None:
    for task in tasks:
        for seed in seeds:
            curve(task, seed)
        log(f"range tests done: {task.name}")


def run_baselines(tasks: Sequence[Task], seeds: Sequence[int]) -> None:
    for task in tasks:
        runs = Runs(task)
        for schedule in BASELINES:
            for seed in seeds:
                runs.metrics(
                    0.01
                    if task.optimizer.startswith("sgd") or task.optimizer == "nesterov"
                    else 1e-3,
                    seed,
                    schedule=schedule,
                )
        log(f"baselines done: {task.name}")


def horizon_grid(task: Task) -> list[float]:
    """The grid points within HORIZON_WINDOW decades of the task's best at its own budget."""
    best = ground_truth(task, Runs(task, train_missing=False), GRID_SEEDS).best_lr
    return [lr for lr in GRID if abs(math.log10(lr / best)) <= HORIZON_WINDOW + 0.01]


def horizon_truth(task: Task, factor: float, *, train_missing: bool = False) -> Truth | None:
    """Grid truth for a budget of ``factor`` x the task's steps (None if not all cached)."""
    runs = Runs(task, train_missing=train_missing)
    steps = max(10, round(factor * task.steps))
    return _complete_truth(task, runs, horizon_grid(task), GRID_SEEDS, steps=steps)


def horizon_rows(task: Task, factor: float, *, train_missing: bool = False) -> dict[str, Row]:
    """Regret at a ``factor`` x budget of the default suggestion, as is and horizon-corrected."""
    truth = horizon_truth(task, factor, train_missing=train_missing)
    rows = {"as is": Row([], []), "corrected": Row([], [])}
    if truth is None:
        return rows
    runs = Runs(task, train_missing=train_missing)
    steps = max(10, round(factor * task.steps))
    for seed in RANGE_SEEDS:
        lr = task_record(task, seed).suggestion
        for label, value in (("as is", lr), ("corrected", lr * factor**-HORIZON_EXPONENT)):
            score = runs.score(value, seed, steps=steps)
            if score is not None:
                rows[label].regrets.append(regret(task, truth, score))
                rows[label].lrs.append(value)
    return rows


def run_horizon(tasks: Sequence[Task]) -> None:
    """The grid at other budgets, and the default's suggestion trained at those budgets."""
    for task in tasks:
        for factor in HORIZON_FACTORS:
            horizon_truth(task, factor, train_missing=True)
            horizon_rows(task, factor, train_missing=True)
        log(f"horizon done: {task.name}")


def run_rules(tasks: Sequence[Task], seeds: Sequence[int]) -> None:
    """Trains at every rule's suggestion (what the report needs), task by task."""
    for task in tasks:
        runs = Runs(task)
        truth = ground_truth(task, runs, GRID_SEEDS)
        for rule in all_rules().values():
            score_rule(task, truth, runs, rule, seeds)
        score_auto(task, truth, runs, seeds)
        score_auto(task, truth, runs, seeds, step_size=False)
        score_oracle(task, truth, runs, seeds)
        log(f"rules done: {task.name}")


def run_five_seed_truth(tasks: Sequence[Task]) -> None:
    for task in tasks:
        five_seed_truth(task, Runs(task))
        log(f"five-seed truth done: {task.name}")


def run_probes(tasks: Sequence[Task], seeds: Sequence[int]) -> None:
    for task in tasks:
        runs = Runs(task)
        truth = ground_truth(task, runs, GRID_SEEDS)
        for options in PROBE_ROWS.values():
            score_probe(task, truth, runs, seeds, **options)
        log(f"probes done: {task.name}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 tasks, 3 range-test seeds")
    parser.add_argument(
        "--rules-only",
        action="store_true",
        help="reuse cached grid, baselines and probes; train only new suggestions",
    )
    parser.add_argument(
        "--phase",
        choices=["grid", "curves", "baselines", "rules", "probes", "truth5", "horizon", "all"],
        default="all",
    )
    parser.add_argument("--tasks", nargs="*", default=None, help="subset of task names")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    args = parser.parse_args(argv)

    names = args.tasks or (
        ["digits_cnn", "cancer_mlp", "diabetes_mse"] if args.quick else list(TASKS)
    )
    tasks = [TASKS[n] for n in names]
    seeds = RANGE_SEEDS[:3] if args.quick else RANGE_SEEDS
    if args.phase in ("grid", "all") and not args.rules_only:
        run_grid(tasks, GRID_SEEDS)
    if args.phase in ("curves", "all"):
        run_curves(tasks, seeds)
    if args.phase in ("baselines", "all") and not args.rules_only:
        run_baselines(tasks, seeds)
    if args.phase == "rules":
        run_rules(tasks, seeds)
    if args.phase == "probes":
        run_probes(tasks, seeds)
    if args.phase == "truth5" or (args.phase == "all" and not (args.rules_only or args.quick)):
        run_five_seed_truth(tasks)
    if args.phase == "horizon" or (args.phase == "all" and not (args.rules_only or args.quick)):
        run_horizon([t for t in tasks if t.name in HORIZON_TASKS])
    if args.phase != "all":
        return 0
    from report import build_report

    text = build_report(tasks, seeds, rules_only=args.rules_only, quick=args.quick)
    print(text)
    if not args.no_write and not args.quick and args.tasks is None:
        RESULTS.write_text(text, encoding="utf-8")
        log(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
