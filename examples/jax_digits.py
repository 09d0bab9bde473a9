"""The JAX/optax helper on the bundled digits: the example of docs/jax.md, runnable.

A 64-64-10 ReLU MLP, He-initialised from ``PRNGKey(0)``, AdamW, shuffled batches of 64. The
range test reads the step size too (``params=`` and ``optimizer=``), then the parameters it
started from train for three epochs with optax's 1cycle peaking at the suggestion.

    pip install 'lrfinder[jax]' && python examples/jax_digits.py
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

import lrfinder.jax
from lrfinder.data import load_digits


def loss_fn(params, batch):
    x, y = batch
    logits = jax.nn.relu(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def main() -> lrfinder.RangeTestResult:
    images, labels = load_digits()
    x = jnp.asarray(images.reshape(len(images), -1), jnp.float32)
    y = jnp.asarray(labels)
    order = np.random.default_rng(0).permutation(len(x))
    batches = [(x[order[i : i + 64]], y[order[i : i + 64]]) for i in range(0, len(x) - 63, 64)]
    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    he = jax.nn.initializers.he_normal()
    params = {
        "w1": he(k1, (64, 64)),
        "b1": jnp.zeros(64),
        "w2": he(k2, (64, 10)),
        "b2": jnp.zeros(10),
    }
    optimizer = optax.inject_hyperparams(optax.adamw)(learning_rate=1e-3, weight_decay=1e-4)

    @jax.jit
    def update(state, batch, lr):
        params, opt_state = state
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        updates, opt_state = optimizer.update(
            grads, lrfinder.jax.set_learning_rate(opt_state, lr), params
        )
        return (optax.apply_updates(params, updates), opt_state), loss

    result = lrfinder.jax.lr_find(
        update, (params, optimizer.init(params)), batches,
        params=lambda state: state[0], optimizer="adamw",
    )  # fmt: skip
    print(result.summary())

    # Train from the same parameters, 1cycle peaking at the suggestion (optax's own schedule).
    steps = 3 * len(batches)
    schedule = optax.cosine_onecycle_schedule(transition_steps=steps, peak_value=result.suggestion)
    state = (params, optimizer.init(params))
    for step in range(steps):
        state, _ = update(state, batches[step % len(batches)], schedule(step))
    trained = state[0]
    logits = jax.nn.relu(x @ trained["w1"] + trained["b1"]) @ trained["w2"] + trained["b2"]
    print(
        f"training accuracy after {steps} steps: {100 * float(jnp.mean(logits.argmax(1) == y)):.1f}%"
    )
    return result


if __name__ == "__main__":
    main()
