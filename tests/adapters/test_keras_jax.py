"""lrfinder.keras on Keras' JAX backend, in a subprocess (a process has one Keras backend)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("jax")
pytest.importorskip("keras")

SCRIPT = r"""
import json, os
import numpy as np
import keras
import lrfinder.keras as lk

rng = np.random.default_rng(0)
X = rng.standard_normal((256, 8)).astype("float32")
y = np.tanh(X @ rng.standard_normal((8, 1))).astype("float32")

def make(optimizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((8,)), keras.layers.Dense(16, activation="tanh"),
        keras.layers.Dropout(0.1, seed=1), keras.layers.BatchNormalization(), keras.layers.Dense(1),
    ])
    model.compile(optimizer=optimizer, loss="mse")
    return model

def values(model):
    variables = [*model.variables, *model.optimizer.variables]
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]

def train(with_finder):
    model = make(keras.optimizers.Adam(0.01))
    model.fit(X, y, batch_size=64, epochs=1, verbose=0)
    report = {}
    if with_finder:
        before = values(model)
        result = lk.lr_find(model, X, y, start_lr=1e-4, end_lr=10.0, num_steps=40)
        report = {
            "backend": result.metadata["keras_backend"],
            "points": len(result.lrs),
            "stop_reason": result.stop_reason,
            "restored": all(np.array_equal(a, b) for a, b in zip(before, values(model))),
        }
    model.fit(X, y, batch_size=64, epochs=1, verbose=0)
    return report, values(model)

report, after = train(True)
_, plain = train(False)
report["identical_training"] = all(np.array_equal(a, b) for a, b in zip(after, plain))

def first_fit(finder):
    # a model never trained; `finder` None, "runs" or "fails" (a batch of the wrong shape at
    # its sixth step, inside the compiled step, which leaves Keras' JAX state unsynced)
    model = make(keras.optimizers.Adam(0.01))
    if finder == "runs":
        lk.lr_find(model, X, y, num_steps=10)
    elif finder == "fails":
        batches = [(X[:32], y[:32])] * 5 + [(X[:32, :4], y[:32])]
        try:
            lk.lr_find(model, iter(batches), num_steps=10, stop_factor=None)
        except ValueError:
            pass
        else:
            raise AssertionError("the wrong-shaped batch did not fail the step")
    model.fit(X, y, batch_size=64, epochs=1, verbose=0, callbacks=[Touch()])
    return values(model)

class Touch(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.model  # reading it syncs Keras' JAX state into the variables, as callbacks do

control = first_fit(None)
for case in ("runs", "fails"):
    report["first_fit_" + case] = all(
        np.array_equal(a, b) for a, b in zip(first_fit(case), control)
    )
schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.5)
try:
    lk.lr_find(make(keras.optimizers.Adam(schedule)), X, y)
except ValueError as error:
    report["schedule_error"] = str(error)
print(json.dumps(report))
"""


@pytest.mark.slow
class TestJaxBackend:
    def test_restores_and_training_afterwards_is_identical(self):
        """On the JAX backend the range test sweeps, restores every variable, and fit afterwards
        is bit-identical (also a model's first fit, and after a run that failed mid-step); a
        schedule is refused with advice."""
        env = os.environ | {"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}

        completed = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

        assert completed.returncode == 0, completed.stderr[-2000:]
        report = json.loads(completed.stdout.strip().splitlines()[-1])
        assert report["backend"] == "jax"
        assert report["stop_reason"] == "diverged"
        assert report["points"] > 10
        assert report["restored"] is True
        assert report["identical_training"] is True
        # a model's first fit is the same after a range test, and after one that failed inside
        # the compiled step (whose last state Keras would otherwise write back at fit's start)
        assert report["first_fit_runs"] is True
        assert report["first_fit_fails"] is True
        assert report["schedule_error"] == (
            "the optimizer's learning rate must be a float on the JAX backend, got "
            "ExponentialDecay: the compiled step cannot see a swapped schedule. Compile a copy of "
            "the model with a float learning_rate for the range test."
        )


def test_a_keras_without_its_backend_is_told_which_to_set():
    """Keras imports its backend at once; without it, lrfinder.keras says what to set instead
    of Keras' own traceback from deep inside."""
    env = os.environ | {"KERAS_BACKEND": "tensorflow"}
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('tensorflow') is None)"
    if subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0:
        pytest.skip("tensorflow is installed: its backend loads")

    completed = subprocess.run([sys.executable, "-c", "import lrfinder.keras"], env=env,
                               capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == (
        "ImportError: lrfinder.keras: Keras could not load its backend (tensorflow is not "
        "installed). Set KERAS_BACKEND to one you have (KERAS_BACKEND=torch or "
        "KERAS_BACKEND=jax) before importing, or install tensorflow."
    )
