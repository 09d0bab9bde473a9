"""How much more than a hand-written loop does `lrfinder.keras.lr_find` cost on CPU?

Both sides run the same updates on the same batches: set the ladder's lr in the optimizer, reset
the metrics, ``train_on_batch``, read the loss. `lr_find` adds its snapshot and restore of every
variable, the stop rule, its bookkeeping and the step-size reading (``lrfinder.step_size``: a
copy of the trainable weights before each early step and two norms after). A third column runs
`lr_find` with the reading given up at once, to show what the reading alone costs. The
divergence stop is off so every side runs every step. Keras on its PyTorch backend, one torch
thread; CPU time of this process, best of interleaved repeats (as ``overhead.py``).

    KERAS_BACKEND=torch python benchmarks/overhead_keras.py        # about two minutes
    KERAS_BACKEND=torch python benchmarks/overhead_keras.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from unittest import mock

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import torch

import lrfinder
import lrfinder.keras as lk
from lrfinder.data import load_digits


def make_model(width: int) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((64,)),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(width, activation="relu"),
            keras.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def hand_written_loop(model: keras.Model, x: np.ndarray, y: np.ndarray, lrs: list[float]) -> None:
    """The loop a user would write: one update per rung, loss read back every step."""
    losses = []
    batches = [(x[i : i + 64], y[i : i + 64]) for i in range(0, len(x) - 63, 64)]
    for step, lr in enumerate(lrs):
        model.optimizer.learning_rate.assign(lr)
        model.reset_metrics()
        inputs, targets = batches[step % len(batches)]
        losses.append(float(model.train_on_batch(inputs, targets, return_dict=True)["loss"]))


def range_test(model: keras.Model, x: np.ndarray, y: np.ndarray, num_steps: int) -> None:
    lk.lr_find(
        model, x, y, batch_size=64, shuffle=False, num_steps=num_steps, stop_factor=None,
        runs=1, progress=False,
    )  # fmt: skip


def measure(width: int, num_steps: int, repeats: int) -> tuple[float, float, float]:
    x, y = load_digits()
    x = x.reshape(len(x), -1).astype("float32")
    y = y.astype("int64")
    lrs = lrfinder.ladder(1e-7, 10.0, num_steps).tolist()
    hand, ours, unread = [], [], []
    for _ in range(repeats):  # interleaved, so drifts in machine load hit all three alike
        model = make_model(width)
        started = time.process_time()
        hand_written_loop(model, x, y, lrs)
        hand.append(time.process_time() - started)

        model = make_model(width)
        started = time.process_time()
        range_test(model, x, y, num_steps)
        ours.append(time.process_time() - started)

        model = make_model(width)
        with mock.patch.object(lk._Step, "_copy_weights", lambda step: step.meter.give_up()):
            started = time.process_time()
            range_test(model, x, y, num_steps)
            unread.append(time.process_time() - started)
    return min(hand), min(ours), min(unread), statistics.median(ours) / statistics.median(hand)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}, {args.num_steps} steps, batch 64, "
        f"AdamW, {args.repeats} interleaved repeats, 1 thread\n"
    )
    print(
        "| model | hand-written loop, best (s) | lr_find, best (s) | ratio of bests | "
        "ratio of medians | lr_find without the step-size reading, best (s) |"
    )
    print("|---|---|---|---|---|---|")
    for width in (256, 1024):
        hand, ours, unread, medians = measure(width, args.num_steps, args.repeats)
        print(
            f"| MLP 64-{width}-{width}-10 | {hand:.3f} | {ours:.3f} | {ours / hand:.3f} | "
            f"{medians:.3f} | {unread:.3f} |"
        )


if __name__ == "__main__":
    main()
