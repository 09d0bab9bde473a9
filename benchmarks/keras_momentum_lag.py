"""Does Keras' momentum SGD read the range test on PyTorch's scale, and does the lag fix it?

Twin models: the same digits MLP, the same initial weights and the same batches, trained through
`lrfinder.keras.lr_find` (Keras' SGD, momentum 0.9: a velocity that sums past steps, each at its
own rate) and through `lrfinder.lr_find` (torch's SGD: a buffer of gradients scaled by the
current rate). On the exponential ladder the velocity lags: at rate `lr` it takes the step torch
takes at about `lr * lag`, `lag = (1 - m) / (1 - m / q)` with `q` the ladder's ratio per step
(0.40 for m = 0.9 on the default ladder; `lrfinder.step_size.momentum_lag`). Printed per seed:
where the loss first falls 10% and 50% below its start, Keras' suggestion without the lag
correction (the knee alone, as before it), with it (the knee times the lag, blended with the
step-size reading divided by the lag), torch's suggestion, and the raw readings `k`, with ratios
to torch's. Training at a constant or 1cycle rate is the same in both, so the ratio of the
suggestions is how far Keras' default sits from the rate torch's (the benchmarked one) gives.

    KERAS_BACKEND=torch python benchmarks/keras_momentum_lag.py     # about a minute on CPU
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import torch

import lrfinder
import lrfinder.keras as lk
from lrfinder.data import load_digits

MOMENTUM = 0.9
BATCH = 64


def twin_results(seed: int, x: np.ndarray, y: np.ndarray):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(1e-3, momentum=MOMENTUM),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    weights = [np.array(keras.ops.convert_to_numpy(v)) for v in model.trainable_variables]
    ours = lk.lr_find(model, x, y, batch_size=BATCH, shuffle=False, runs=1, progress=False)

    twin = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    with torch.no_grad():
        for param, value in zip(twin.parameters(), weights, strict=True):
            param.copy_(torch.tensor(value.T))  # Keras kernels are (in, out)
    optimizer = torch.optim.SGD(twin.parameters(), lr=1e-3, momentum=MOMENTUM)
    batches = [
        (torch.tensor(x[i : i + BATCH]), torch.tensor(y[i : i + BATCH]))
        for i in range(0, len(x), BATCH)
    ]
    theirs = lrfinder.lr_find(
        twin, optimizer, batches, torch.nn.functional.cross_entropy, runs=1, progress=False
    )
    return ours, theirs


def first_fall(result: lrfinder.RangeTestResult, fraction: float) -> float:
    """The rate at which the raw loss first falls below ``fraction`` of its start."""
    losses = np.asarray(result.losses)
    start = float(np.median(losses[:5]))
    return float(result.lrs[int(np.argmax(losses < fraction * start))])


def main() -> None:
    torch.set_num_threads(1)
    images, labels = load_digits()
    x = images.reshape(len(images), -1).astype("float32")
    y = labels.astype("int64")
    q = float(lrfinder.ladder(1e-7, 10.0, 100)[1] / 1e-7)
    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}, torch {torch.__version__}; "
        f"SGD momentum {MOMENTUM}, batch {BATCH}, default ladder (q = {q:.4f}); predicted lag "
        f"(1 - m) / (1 - m / q) = {(1 - MOMENTUM) / (1 - MOMENTUM / q):.3f}\n"
    )
    print(
        "| seed | loss 10% down: Keras / torch (ratio) | 50% down: Keras / torch (ratio) | "
        "Keras suggestion, uncorrected (ratio) | Keras suggestion (ratio) | torch suggestion | "
        "k: Keras / torch (ratio) |"
    )
    print("|---|---|---|---|---|---|---|")
    for seed in range(3):
        ours, theirs = twin_results(seed, x, y)
        stored = ours.to_dict()
        stored["metadata"].pop("momentum_lag")
        uncorrected = lrfinder.RangeTestResult.from_dict(stored).suggestion
        k_ours, k_theirs = (r.metadata["update_sensitivity"] for r in (ours, theirs))
        cells = [
            f"{a:.3g} / {b:.3g} ({a / b:.2f})"
            for a, b in (
                (first_fall(ours, 0.9), first_fall(theirs, 0.9)),
                (first_fall(ours, 0.5), first_fall(theirs, 0.5)),
            )
        ]
        cells += [
            f"{uncorrected:.3g} ({uncorrected / theirs.suggestion:.2f})",
            f"{ours.suggestion:.3g} ({ours.suggestion / theirs.suggestion:.2f})",
            f"{theirs.suggestion:.3g}",
            f"{k_ours:.3g} / {k_theirs:.3g} ({k_ours / k_theirs:.2f})",
        ]
        print(f"| {seed} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
