"""What does the JAX adapter's step-size reading cost? `lrfinder.jax.lr_find` with and without it.

The same jitted update, state and batches; one side passes ``params=`` and ``optimizer=`` (two
norms per early step, computed on the device and fetched with the losses), the other does not.
The divergence stop is off so both run every step; a hand-written loop (the update called once
per rung, losses fetched at the end) is the floor. Process CPU time, best of interleaved repeats
(as ``overhead.py``), after one warm-up call that compiles everything.

    python benchmarks/overhead_jax.py                 # about a minute on CPU
    python benchmarks/overhead_jax.py --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import lrfinder
import lrfinder.jax
from lrfinder.data import load_digits


def setup(width: int):
    images, labels = load_digits()
    x = jnp.asarray(images.reshape(len(images), -1), jnp.float32)
    y = jnp.asarray(labels)
    batches = [(x[i : i + 64], y[i : i + 64]) for i in range(0, len(x) - 63, 64)]
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    he = jax.nn.initializers.he_normal()
    params = {
        "w1": he(keys[0], (64, width)),
        "w2": he(keys[1], (width, width)),
        "w3": he(keys[2], (width, 10)),
    }
    optimizer = optax.inject_hyperparams(optax.adamw)(learning_rate=1e-3)

    def loss_fn(p, batch):
        h = jax.nn.relu(jax.nn.relu(batch[0] @ p["w1"]) @ p["w2"])
        return optax.softmax_cross_entropy_with_integer_labels(h @ p["w3"], batch[1]).mean()

    @jax.jit
    def update(state, batch, lr):
        p, s = state
        loss, grads = jax.value_and_grad(loss_fn)(p, batch)
        updates, s = optimizer.update(grads, lrfinder.jax.set_learning_rate(s, lr), p)
        return (optax.apply_updates(p, updates), s), loss

    return update, (params, optimizer.init(params)), batches


def hand_written(update, state, batches, lrs) -> None:
    losses = []
    for step, lr in enumerate(lrs):
        state, loss = update(state, batches[step % len(batches)], lr)
        losses.append(loss)
    np.asarray(jax.device_get(losses))


def measure(width: int, num_steps: int, repeats: int) -> tuple[float, float, float, float]:
    update, state, batches = setup(width)
    lrs = lrfinder.ladder(1e-7, 10.0, num_steps).tolist()
    common = {"num_steps": num_steps, "stop_factor": None, "runs": 1}
    reading = {"params": lambda s: s[0], "optimizer": "adamw"}
    lrfinder.jax.lr_find(update, state, batches, **common, **reading)  # compile everything
    hand, plain, read = [], [], []
    for _ in range(repeats):
        started = time.process_time()
        hand_written(update, state, batches, lrs)
        hand.append(time.process_time() - started)
        started = time.process_time()
        lrfinder.jax.lr_find(update, state, batches, **common)
        plain.append(time.process_time() - started)
        started = time.process_time()
        result = lrfinder.jax.lr_find(update, state, batches, **common, **reading)
        read.append(time.process_time() - started)
    assert "update_sensitivity" in result.metadata
    return min(hand), min(plain), min(read), statistics.median(read) / statistics.median(plain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(
        f"JAX {jax.__version__} on {jax.default_backend()}, optax {optax.__version__}; AdamW, "
        f"batch 64, {args.num_steps} steps, {args.repeats} interleaved repeats\n"
    )
    print(
        "| model | hand-written loop, best (s) | lr_find, best (s) | lr_find reading the step "
        "size, best (s) | reading / not, ratio of bests | ratio of medians |"
    )
    print("|---|---|---|---|---|---|")
    for width in (256, 1024):
        hand, plain, read, medians = measure(width, args.num_steps, args.repeats)
        print(
            f"| MLP 64-{width}-{width}-10 | {hand:.3f} | {plain:.3f} | {read:.3f} | "
            f"{read / plain:.3f} | {medians:.3f} |"
        )


if __name__ == "__main__":
    main()
