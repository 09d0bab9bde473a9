"""Are the Keras adapter's suggestions good? The quality benchmark's protocol, in Keras 3.

`quality.py` proves the default on PyTorch; the Keras adapter reads the same curve and the same
step size, and moves Keras' momentum SGD onto PyTorch's scale (`momentum_lag`), but nothing there
trains a Keras model at its suggestion. Here each task is a Keras model on real data that
installs offline: the range test (`lrfinder.keras.lr_find`, its defaults) runs from the seed's
initial weights, then the same weights train for a fixed budget with
`lrfinder.keras.one_cycle_at(lr)` (Keras' CosineDecay with a warm-up, set as torch's OneCycleLR);
the ground truth is the same training over the half-decade grid 1e-5 .. 3 on three seeds, and
regret is the grid's best mean minus the score at the suggestion (points of test accuracy, or
excess test loss in %), as in `quality.py`. A run whose loss turns non-finite scores chance.

Rules, on the same five range-test seeds:
- the default (`result.suggestion`: the knee blended with the step-size reading, times the
  momentum lag where the optimizer has one);
- the knee alone (neither the step-size reading nor the lag: the suggestion before both; for
  momentum SGD, also what the default gives without the lag, since the blend needs the lag);
- the knee times the lag, without the blend (momentum SGD only differs from the knee alone: the
  lag's effect apart from the blend's);
- fastai `valley` on a range test that only a non-finite loss stopped (`peers.py`);
- no finder: the optimizer's Keras default rate, constant (Adam 1e-3, SGD 1e-2, ...).

    KERAS_BACKEND=torch python benchmarks/quality_keras.py            # ~25 min on 2 cores, cached
    KERAS_BACKEND=torch python benchmarks/quality_keras.py --write    # and write QUALITY_KERAS.md
    KERAS_BACKEND=torch python benchmarks/quality_keras.py --tasks keras_digits_mlp_sgd_b64

Results are cached in `benchmarks/cache/keras_*.json`, so a rerun only trains what is missing.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lrfinder
import lrfinder.keras as lk
import peers
import tasks as torch_tasks
from cache_store import Store, lr_key

GRID = [float(f"{v:.3g}") for v in 10 ** np.arange(-5.0, 0.51, 0.5)]
GRID_SEEDS = (0, 1, 2)
RANGE_SEEDS = (0, 1, 2, 3, 4)
REPORT = Path(__file__).resolve().parent / "QUALITY_KERAS.md"


@dataclass(frozen=True)
class Data:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class KerasTask:
    """One Keras task: data, a model builder, an optimizer family and a budget."""

    name: str
    data: Callable[[], Data]
    layers: Callable[[], list[keras.layers.Layer]]
    optimizer: Callable[[object], keras.optimizers.Optimizer]  # learning_rate -> optimizer
    default_lr: float  # the optimizer's Keras default: the "no finder" rate
    metric: str  # "accuracy" or "loss"
    steps: int
    batch_size: int
    description: str

    @property
    def classes(self) -> int:
        return int(self.data().y_train.max()) + 1 if self.metric == "accuracy" else 0

    def loss(self) -> keras.losses.Loss:
        if self.metric == "accuracy":
            return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        return keras.losses.MeanSquaredError()

    def model(self, seed: int, learning_rate: object) -> keras.Model:
        """The seed's initial weights (the same for every rate), compiled."""
        keras.utils.set_random_seed(seed)
        model = keras.Sequential(self.layers())
        model.compile(optimizer=self.optimizer(learning_rate), loss=self.loss())
        return model


def _from_torch(splits: Callable[[], torch_tasks.Splits], shape: tuple[int, ...]) -> Data:
    """A `tasks.py` data set (the same splits `quality.py` uses; validation left out), reshaped."""
    s = splits()

    def x(tensor: torch.Tensor) -> np.ndarray:
        return tensor.numpy().astype("float32").reshape((-1, *shape))

    return Data(x(s.x_train), s.y_train.numpy(), x(s.x_test), s.y_test.numpy())


@functools.cache
def digits_flat() -> Data:
    return _from_torch(torch_tasks.digits_data, (64,))


@functools.cache
def digits_image() -> Data:
    d = _from_torch(torch_tasks.digits_data, (1, 8, 8))
    image = functools.partial(np.transpose, axes=(0, 2, 3, 1))  # Keras is channels-last
    return Data(image(d.x_train), d.y_train, image(d.x_test), d.y_test)


@functools.cache
def cancer() -> Data:
    return _from_torch(torch_tasks.cancer_data, (30,))


@functools.cache
def wine() -> Data:
    return _from_torch(torch_tasks.wine_data, (13,))


@functools.cache
def diabetes() -> Data:
    return _from_torch(torch_tasks.diabetes_data, (10,))


@functools.cache
def mnist1d() -> Data:
    return _from_torch(torch_tasks.mnist1d_data, (40, 1))


def _mlp(inputs: int, outputs: int, width: int = 128, depth: int = 1) -> Callable[[], list]:
    def layers() -> list[keras.layers.Layer]:
        hidden = [keras.layers.Dense(width, activation="relu") for _ in range(depth)]
        return [keras.Input((inputs,)), *hidden, keras.layers.Dense(outputs)]

    return layers


def _digits_cnn() -> list[keras.layers.Layer]:
    return [
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10),
    ]


def _mnist1d_cnn() -> list[keras.layers.Layer]:
    return [
        keras.Input((40, 1)),
        keras.layers.Conv1D(32, 5, padding="same", activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling1D(),
        keras.layers.Conv1D(32, 3, padding="same", activation="relu"),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(10),
    ]


K = keras.optimizers  # short: the task table below reads as one line per task
TASKS = {
    task.name: task
    for task in (
        KerasTask(
            "keras_digits_mlp_adam_b64", digits_flat, _mlp(64, 10), K.Adam, 1e-3,
            "accuracy", 300, 64, "digits, MLP 64-128-10, Adam",
        ),
        KerasTask(
            "keras_digits_mlp_sgd_b64", digits_flat, _mlp(64, 10),
            lambda lr: K.SGD(lr, momentum=0.9), 1e-2,
            "accuracy", 300, 64, "digits, MLP 64-128-10, SGD momentum 0.9 (lag 0.40)",
        ),
        KerasTask(
            "keras_digits_cnn_nesterov_b32", digits_image, _digits_cnn,
            lambda lr: K.SGD(lr, momentum=0.9, nesterov=True), 1e-2,
            "accuracy", 300, 32, "digits, CNN without normalisation, Nesterov SGD 0.9 (lag 0.46)",
        ),
        KerasTask(
            "keras_mnist1d_cnn_adamw_b64", mnist1d, _mnist1d_cnn,
            lambda lr: K.AdamW(lr, weight_decay=0.01), 1e-3,
            "accuracy", 400, 64, "MNIST-1D, 1-D CNN with BatchNorm, AdamW",
        ),
        KerasTask(
            "keras_cancer_mlp_sgd_plain_b32", cancer, _mlp(30, 2, 64), K.SGD, 1e-2,
            "accuracy", 200, 32, "breast cancer, MLP 30-64-2, plain SGD",
        ),
        KerasTask(
            "keras_wine_mlp_rmsprop_b16", wine, _mlp(13, 3, 64), K.RMSprop, 1e-3,
            "accuracy", 200, 16, "wine, MLP 13-64-3, RMSprop rho=0.9 (knee alone: no blend)",
        ),
        KerasTask(
            "keras_diabetes_mlp_adam_b32", diabetes, _mlp(10, 1, 64, depth=2), K.Adam, 1e-3,
            "loss", 300, 32, "diabetes regression, MLP 10-64-64-1, MSE, Adam",
        ),
    )
}  # fmt: skip


# --- training ------------------------------------------------------------------------------------


def _batches(task: KerasTask, seed: int):
    """An endless stream of shuffled training batches; the order depends on ``seed`` only."""
    data = task.data()
    rng = np.random.default_rng(10_000 + seed)
    n = len(data.x_train)
    while True:
        order = rng.permutation(n)
        for start in range(0, n - task.batch_size + 1, task.batch_size):
            index = order[start : start + task.batch_size]
            yield data.x_train[index], data.y_train[index]


def evaluate(task: KerasTask, model: keras.Model) -> dict[str, float]:
    data = task.data()
    outputs = np.asarray(model.predict(data.x_test, batch_size=512, verbose=0), dtype=np.float64)
    if task.metric == "loss":
        loss = float(np.mean((outputs - data.y_test.reshape(outputs.shape)) ** 2))
        return {"loss": loss if math.isfinite(loss) else math.nan, "accuracy": math.nan}
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-np.mean(log_probs[np.arange(len(outputs)), data.y_test]))
    accuracy = 100.0 * float(np.mean(outputs.argmax(axis=1) == data.y_test))
    return {"loss": loss if math.isfinite(loss) else math.nan, "accuracy": accuracy}


def train(task: KerasTask, seed: int, lr: float, schedule: str) -> dict[str, float]:
    """Trains the seed's initial weights for the task's budget: 1cycle peaking at ``lr``, or a
    constant ``lr``; the test metrics, or ``{"diverged": 1}`` if the loss went non-finite."""
    rate = lk.one_cycle_at(lr, task.steps) if schedule == "onecycle" else lr
    model = task.model(seed, rate)
    stream = _batches(task, seed)
    for _ in range(task.steps):
        x, y = next(stream)
        if not math.isfinite(float(model.train_on_batch(x, y))):
            return {"diverged": 1.0}
    metrics = evaluate(task, model)
    return {"diverged": 1.0} if math.isnan(metrics["loss"]) else metrics


@functools.cache
def chance(task: KerasTask) -> dict[str, float]:
    """What a diverged run scores: the untrained model's test loss, or chance accuracy."""
    if task.metric == "accuracy":
        return {"accuracy": 100.0 / task.classes}
    return {"loss": evaluate(task, task.model(0, 1e-3))["loss"]}


class Runs:
    """Training runs of one task, cached by schedule, rounded lr and seed."""

    def __init__(self, task: KerasTask) -> None:
        self.task = task
        self.store = Store(f"keras_runs_{task.name}")

    def score(self, lr: float, seed: int, schedule: str = "onecycle") -> float:
        key = f"{schedule}|lr={lr_key(lr):.4g}|seed={seed}|steps={self.task.steps}"
        if key not in self.store:
            started = time.perf_counter()
            value = train(self.task, seed, lr_key(lr), schedule)
            value["seconds"] = round(time.perf_counter() - started, 2)
            self.store.put(key, value)
        metrics = self.store.get(key)
        failed = chance(self.task)[self.task.metric]
        if metrics.get("diverged"):
            return failed
        if self.task.metric == "loss":
            return min(metrics["loss"], failed)  # worse than untrained counts as diverged
        return metrics["accuracy"]


# --- range tests and rules -----------------------------------------------------------------------


def range_tests(task: KerasTask, seed: int) -> tuple[lrfinder.RangeTestResult, dict]:
    """The seed's range test with `lr_find`'s defaults, and one that only a non-finite loss
    stopped (for the peer), both from the seed's initial weights (cached)."""
    store = Store(f"keras_curves_{task.name}")
    key = f"seed={seed}"
    if key not in store:
        data = task.data()
        found = {}
        for name, kwargs in (("ours", {}), ("unstopped", {"runs": 1, "stop_factor": None})):
            model = task.model(seed, 1e-3)
            found[name] = lk.lr_find(
                model, data.x_train, data.y_train, batch_size=task.batch_size, seed=seed,
                **kwargs,
            ).to_dict()  # fmt: skip
        store.put(key, found)
    found = store.get(key)
    return lrfinder.RangeTestResult.from_dict(found["ours"]), found["unstopped"]


def _without(result: lrfinder.RangeTestResult, *keys: str) -> float:
    """The suggestion the result would give without those metadata readings."""
    stored = result.to_dict()
    for key in keys:
        stored["metadata"].pop(key, None)
        for run in stored.get("runs", []):
            run["metadata"].pop(key, None)
    return float(lrfinder.RangeTestResult.from_dict(stored).suggestion)


RULES: dict[str, Callable[[lrfinder.RangeTestResult, dict], float]] = {
    "lrfinder default": lambda ours, _: float(ours.suggestion),
    "knee alone": lambda ours, _: _without(ours, "momentum_lag", "update_sensitivity"),
    "knee x lag, no blend": lambda ours, _: _without(ours, "update_sensitivity"),
    "fastai valley": lambda _, raw: peers.fastai_valley(raw["lrs"], raw["losses"]),
}


@dataclass
class Scored:
    regrets: list[float]
    lrs: list[float]

    @property
    def mean(self) -> float:
        return float(np.mean(self.regrets))

    @property
    def worst(self) -> float:
        return float(np.max(self.regrets))

    @property
    def spread(self) -> float:
        finite = [lr for lr in self.lrs if math.isfinite(lr)]
        return max(finite) / min(finite) if finite else math.nan


def regret(task: KerasTask, best: float, score: float) -> float:
    if task.metric == "accuracy":
        return best - score
    return 100.0 * (score - best) / best


def score_task(task: KerasTask) -> tuple[float, float, dict[str, Scored]]:
    runs = Runs(task)
    pick = max if task.metric == "accuracy" else min
    means = {lr: float(np.mean([runs.score(lr, s) for s in GRID_SEEDS])) for lr in GRID}
    best_lr = pick(means, key=means.__getitem__)
    best = means[best_lr]
    rows: dict[str, Scored] = {}
    for name, rule in RULES.items():
        scored = Scored([], [])
        for seed in RANGE_SEEDS:
            lr = rule(*range_tests(task, seed))
            scored.lrs.append(lr)
            value = runs.score(lr, seed) if math.isfinite(lr) else chance(task)[task.metric]
            scored.regrets.append(regret(task, best, value))
        rows[name] = scored
    rows["no finder: Keras default, constant"] = Scored(
        [regret(task, best, runs.score(task.default_lr, s, "constant")) for s in RANGE_SEEDS],
        [task.default_lr] * len(RANGE_SEEDS),
    )
    return best_lr, best, rows


# --- report --------------------------------------------------------------------------------------


def _cell(task: KerasTask, value: float) -> str:
    return f"{value:.1f}%" if task.metric == "loss" else f"{value:.1f}"


def report(names: Sequence[str]) -> list[str]:
    header = (
        f"Keras {keras.__version__} on its {keras.backend.backend()} backend, CPU. Regret per task: "
        "mean over the five range-test seeds (worst seed); accuracy in points, loss in % excess "
        "over the grid's best; the spread is the largest suggestion over the smallest. The grid's "
        f"best is the best mean over seeds {', '.join(map(str, GRID_SEEDS))} of 1cycle at "
        f"{GRID[0]:g} .. {GRID[-1]:g} (half decades)."
    )
    lines = [header, ""]
    scored = {name: score_task(TASKS[name]) for name in names}
    rules = [*RULES, "no finder: Keras default, constant"]
    lines.append("| task | grid best (lr: score) | " + " | ".join(rules) + " |")
    lines.append("|---|---|" + "---|" * len(rules))
    for name in names:
        task = TASKS[name]
        best_lr, best, rows = scored[name]
        cells = [f"`{name}`: {task.description}", f"{best_lr:g}: {best:.2f}"]
        for rule in rules:
            row = rows[rule]
            cell = f"{_cell(task, row.mean)} ({_cell(task, row.worst)})"
            if rule in RULES:
                cell += f", {row.spread:.1f}x"
            cells.append(cell)
        lines.append("| " + " | ".join(cells) + " |")
    for metric, unit in (("accuracy", "points"), ("loss", "%")):
        chosen = [n for n in names if TASKS[n].metric == metric]
        if not chosen:
            continue
        cells = []
        for rule in rules:
            means = [scored[n][2][rule].mean for n in chosen]
            worst = max(scored[n][2][rule].worst for n in chosen)
            cells.append(f"{np.mean(means):.2f} (worst seed {worst:.1f})")
        lines.append(
            f"| **mean over the {len(chosen)} {metric} tasks** ({unit}) | | "
            + " | ".join(cells)
            + " |"
        )
    lines += ["", "Suggestions per seed (" + " / ".join(RULES) + "):", ""]
    for name in names:
        rows = scored[name][2]
        per_seed = zip(*(rows[r].lrs for r in RULES), strict=True)
        text = "; ".join(" / ".join(f"{lr:.3g}" for lr in seed) for seed in per_seed)
        lines.append(f"- `{name}`: {text}")
    return lines


NOTES = """\
## What it shows (written after the run of 2026-11-29, 390 training runs, 18 min of training)

- **The Keras default is as good as the PyTorch one, and far ahead of the peer.** Over the six
  accuracy tasks it loses 0.74 points on average (worst seed 4.1) against fastai `valley`'s
  11.81 (88.9) and the Keras defaults' 19.81 (85.1), and its seeds agree within 1.6x on every
  task but one (`valley` up to 320x): on `keras_cancer_mlp_sgd_plain_b32` one seed's knee now
  reads through a loss spike, to 1.0, and the default's seeds spread 4.2x, though the task loses
  only 0.2 points. `quality.py`'s default loses 3.58 points over 346 PyTorch tasks; these seven
  are easier ones.
- **The momentum lag is right, and the blend is what makes it pay.** On the two momentum-SGD
  tasks the lag moves the knee onto PyTorch's scale (`keras_momentum_lag.py`); the knee times
  the lag alone, without the blend, is too low on the Nesterov CNN (14.1 points), as PyTorch's
  knee is on its own unnormalised SGD CNNs; blended it loses 2.3. The uncorrected knee lands
  higher still and loses 0.7 there: on this task a Keras user gained from the lag's error.
- **The blend's known costs show here too.** The regression with Adam loses 41.1% of excess
  loss with the blend and 10.7% without it (the step-size reading says 3x higher than the knee,
  and the grid's best is lower still, 3.16e-4); `RESULTS.md` has its PyTorch twin
  (`diabetes_adam_b32`, 13% to 33%) among the tasks the blend costs most, and the Nesterov CNN
  among them too. Over these seven the knee alone does a little better (0.48 points, 10.7%); over
  the 346 PyTorch tasks the blend wins (3.58 against 5.89 points, 28.4% against 34.0%). Seven
  tasks do not overturn that, and no constant was refitted on them.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--write", action="store_true", help=f"write {REPORT.name}")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    lines = report(args.tasks)
    print("\n".join(lines))
    if args.write:
        command = "KERAS_BACKEND=torch python benchmarks/quality_keras.py --write"
        text = "\n".join(["# Suggestion quality in Keras 3", "", f"Generated by `{command}`.", ""])
        notes = "\n" + NOTES if list(args.tasks) == list(TASKS) else ""
        REPORT.write_text(text + "\n".join(lines) + "\n" + notes, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
