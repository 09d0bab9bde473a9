"""lrfinder.keras against real Keras 3 on the PyTorch backend (set in conftest.py)."""

from __future__ import annotations

import os
import random

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":  # pragma: no cover - another test imported keras first
    pytest.skip("these tests run Keras on the torch backend", allow_module_level=True)

import lrfinder  # noqa: E402
import lrfinder.keras as lk  # noqa: E402

# Keras' torch backend calls np.array(tensor) without `copy=` (numpy 2 deprecation).
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


class RecordingSGD(keras.optimizers.SGD):
    """SGD that records the learning rate of every call to apply."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen_lrs: list[float] = []

    def apply(self, grads, trainable_variables=None):
        self.seen_lrs.append(float(keras.ops.convert_to_numpy(self.learning_rate)))
        return super().apply(grads, trainable_variables)


class RecordingMSE:
    """Mean squared error that records each batch's loss."""

    def __init__(self) -> None:
        self.batch_losses: list[float] = []

    def __call__(self, y_true, y_pred):
        per_sample = keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)
        self.batch_losses.append(float(keras.ops.convert_to_numpy(keras.ops.mean(per_sample))))
        return per_sample


def make_data(n: int = 256):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 8)).astype("float32")
    y = np.tanh(X @ rng.standard_normal((8, 1))).astype("float32")
    return X, y


def make_model(optimizer=None, loss="mse", dtype=None, dropout_seed=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(16, activation="tanh", dtype=dtype),
            keras.layers.Dropout(0.1, seed=dropout_seed),
            keras.layers.BatchNormalization(dtype=dtype),
            keras.layers.Dense(1, dtype=dtype),
        ]
    )
    model.compile(optimizer=optimizer or keras.optimizers.Adam(0.01), loss=loss, metrics=["mae"])
    return model


def values(variables):
    return [np.array(keras.ops.convert_to_numpy(v)) for v in variables]


def assert_same(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(a, b)


class TestLrFind:
    def test_optimizer_sees_the_ladder_and_batch_losses_are_recorded(self):
        """Each update runs at the ladder's lr (stored as float32 by Keras) and records the batch's
        own loss, not Keras' running mean."""
        optimizer, loss = RecordingSGD(0.01), RecordingMSE()
        model = make_model(optimizer, loss)
        X, y = make_data()

        result = lk.lr_find(
            model, X, y, start_lr=1e-4, end_lr=1.0, num_steps=10, stop_factor=None, runs=1
        )  # one run: the optimizer's record holds its updates alone

        ladder = lrfinder.ladder(1e-4, 1.0, 10)
        np.testing.assert_array_equal(result.lrs, ladder)
        np.testing.assert_array_equal(optimizer.seen_lrs, ladder.astype(np.float32))
        # Keras calls the loss once more, first, to build the model symbolically.
        np.testing.assert_allclose(result.losses, loss.batch_losses[-10:], rtol=1e-6)  # float32
        assert result.metadata["framework"] == "keras"

    def test_restores_every_variable_and_rng(self):
        """Weights, batch-norm statistics, seed states, optimizer slots and iterations, the lr,
        the metrics and the Python/NumPy RNGs are bit-identical afterwards."""
        model = make_model()
        X, y = make_data()
        model.fit(X, y, batch_size=64, epochs=1, verbose=0)  # mid-training: Adam has state
        before = values(model.variables), values(model.optimizer.variables)
        metrics = values(model.metrics_variables)
        rngs = random.getstate(), np.random.get_state()[1].copy()

        lk.lr_find(model, X, y, num_steps=8)

        assert_same(values(model.variables), before[0])
        assert_same(values(model.optimizer.variables), before[1])
        assert_same(values(model.metrics_variables), metrics)
        assert random.getstate() == rngs[0]
        np.testing.assert_array_equal(np.random.get_state()[1], rngs[1])

    @pytest.mark.parametrize("warm_up", [True, False], ids=["mid-training", "freshly-compiled"])
    @pytest.mark.parametrize("dropout_seed", [1, None], ids=["seeded-dropout", "unseeded-dropout"])
    def test_training_afterwards_is_identical(self, dropout_seed, warm_up):
        """fit after lr_find ends with the same weights as fit without it, mid-training and on
        a model never trained: its first fit builds the compiled loss and metrics from a batch
        of the epoch (a draw from the RNGs), which the range test must leave for it to do."""
        X, y = make_data()

        def train(with_finder):
            model = make_model(dropout_seed=dropout_seed)  # seeds every RNG
            if warm_up:
                model.fit(X, y, batch_size=64, epochs=1, verbose=0)
            if with_finder:
                lk.lr_find(model, X, y, num_steps=10)
            model.fit(X, y, batch_size=64, epochs=1, verbose=0)
            return values(model.variables)

        assert_same(train(with_finder=True), train(with_finder=False))

    def test_accumulation_gives_one_point_per_update(self):
        """With gradient_accumulation_steps=2, a point is one update at one lr and the mean of
        its two batch losses."""
        optimizer, loss = RecordingSGD(0.01, gradient_accumulation_steps=2), RecordingMSE()
        model = make_model(optimizer, loss)
        X, y = make_data()

        result = lk.lr_find(model, X, y, start_lr=1e-4, end_lr=1e-2, num_steps=6, runs=1)

        assert len(result.lrs) == 6
        np.testing.assert_array_equal(
            optimizer.seen_lrs, np.repeat(result.lrs.astype(np.float32), 2)
        )
        pairs = np.array(loss.batch_losses[-12:]).reshape(6, 2).mean(axis=1)
        np.testing.assert_allclose(result.losses, pairs, rtol=1e-6)

    def test_schedule_is_swapped_and_put_back(self):
        """A LearningRateSchedule is replaced for the run and is the optimizer's again after."""
        schedule = keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.5)
        model = make_model(keras.optimizers.Adam(schedule))
        X, y = make_data()
        model.optimizer.build(model.trainable_variables)
        variables = [v.path for v in model.optimizer.variables]

        result = lk.lr_find(model, X, y, start_lr=1e-4, end_lr=1.0, num_steps=10)

        assert model.optimizer._learning_rate is schedule
        # the run's own lr variable is not left among the optimizer's (checkpoints would differ)
        assert [v.path for v in model.optimizer.variables] == variables
        assert result.metadata["lr_schedule_replaced"] is True
        assert len(result.lrs) == 10

    def test_mixed_bfloat16_policy(self):
        """A mixed_bfloat16 model runs and is restored exactly."""
        model = make_model(dtype="mixed_bfloat16")
        X, y = make_data()
        before = values(model.variables)

        result = lk.lr_find(model, X, y, num_steps=10)

        assert len(result.lrs) == 10
        assert_same(values(model.variables), before)

    def test_loss_scale_overflows_are_retried(self):
        """Updates a LossScaleOptimizer skips (scale overflow) do not advance the ladder, and the
        scale is restored."""
        optimizer = keras.optimizers.LossScaleOptimizer(
            keras.optimizers.SGD(0.01), initial_scale=2.0**30
        )
        model = make_model(optimizer, dtype="mixed_float16")
        model.optimizer.build(model.trainable_variables)
        before = values(model.optimizer.variables)
        X, y = make_data()

        result = lk.lr_find(model, X, y, num_steps=6, runs=1)  # skipped_updates is per run

        assert len(result.lrs) == 6
        assert result.metadata["skipped_updates"] > 0
        assert result.metadata["loss_scaling"] is True
        assert_same(values(model.optimizer.variables), before)

    def test_suggestion_from_a_pydataset(self):
        """A PyDataset of (x, y) batches is cycled through; the suggestion is on the descent."""
        X, y = make_data()

        class Batches(keras.utils.PyDataset):
            def __len__(self):
                return 8

            def __getitem__(self, index):
                return X[index * 32 : (index + 1) * 32], y[index * 32 : (index + 1) * 32]

        model = make_model(keras.optimizers.SGD(0.01))

        result = lk.lr_find(model, Batches(), start_lr=1e-4, end_lr=10.0, num_steps=40)

        assert result.stop_reason == "diverged"
        assert 1e-3 < result.suggestion < 1.0

    def test_torch_dataloader_and_torch_rng(self):
        """A shuffling torch DataLoader is accepted and torch's RNG is as before afterwards."""
        import torch

        X, y = make_data()
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y)),
            batch_size=32,
            shuffle=True,
        )
        model = make_model()
        state = torch.get_rng_state()

        result = lk.lr_find(model, loader, num_steps=10)

        assert len(result.lrs) == 10
        assert torch.equal(torch.get_rng_state(), state)

    def test_one_shot_generator_ends_the_run(self):
        """A generator of 5 batches gives 5 points and stop_reason 'data-exhausted'."""
        X, y = make_data()
        batches = ((X[i : i + 32], y[i : i + 32]) for i in range(0, 160, 32))

        result = lk.lr_find(make_model(), batches, num_steps=20)

        assert (len(result.lrs), result.stop_reason) == (5, "data-exhausted")

    def test_rejects_an_uncompiled_model(self):
        """An uncompiled model is refused before any work."""
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])

        with pytest.raises(ValueError) as excinfo:
            lk.lr_find(model, *make_data())

        assert str(excinfo.value) == (
            "`model` must be compiled, got an uncompiled Sequential. Call "
            "model.compile(optimizer=..., loss=...) first, as for model.fit."
        )

    def test_rejects_y_with_a_dataset(self):
        """Targets given beside an iterable of batches are refused."""
        X, y = make_data()

        with pytest.raises(ValueError) as excinfo:
            lk.lr_find(make_model(), iter([(X, y)]), y)

        assert str(excinfo.value) == (
            "`y` and `sample_weight` must be None when `x` is a dataset or iterable, got "
            "x=list_iterator and y=ndarray. Put the targets in the batches."
        )


class TestSeveralRuns:
    def test_runs_start_alike_and_see_other_orders(self):
        """runs=3: run 0 is the single run exactly, the later runs see other batch orders, and
        every variable and RNG is put back."""
        model = make_model()
        X, y = make_data()
        model.fit(X, y, batch_size=64, epochs=1, verbose=0)
        before = values(model.variables), values(model.optimizer.variables)
        rngs = random.getstate(), np.random.get_state()[1].copy()
        ladder = {"start_lr": 1e-4, "end_lr": 1.0, "num_steps": 15}

        single = lk.lr_find(model, X, y, runs=1, **ladder)
        several = lk.lr_find(model, X, y, runs=3, seed=5, **ladder)

        assert isinstance(several, lrfinder.MultiRunResult)
        assert [run.metadata["run"] for run in several.runs] == [0, 1, 2]
        np.testing.assert_array_equal(several.runs[0].losses, single.losses)
        assert not np.array_equal(several.runs[1].losses[:5], single.losses[:5])
        assert not np.array_equal(several.runs[1].losses[:5], several.runs[2].losses[:5])
        assert several.metadata["seed"] == 5
        assert several.metadata["framework"] == "keras"
        assert_same(values(model.variables), before[0])
        assert_same(values(model.optimizer.variables), before[1])
        assert random.getstate() == rngs[0]
        np.testing.assert_array_equal(np.random.get_state()[1], rngs[1])

    def test_auto_reruns_an_unreadable_curve(self):
        """By default, a curve that never descends (rates too small to train) gets five runs,
        and a note says why."""
        X, y = make_data()

        result = lk.lr_find(make_model(), X, y, start_lr=1e-9, end_lr=1e-6, num_steps=20)

        assert isinstance(result, lrfinder.MultiRunResult)
        assert len(result.runs) == 5
        assert result.metadata["runs_auto"] == (
            "5 runs: the first run's curve never clearly descended"
        )

    def test_auto_keeps_a_one_shot_generator_to_one_run(self):
        """A one-shot generator cannot be read again: the one run stands, with a note."""
        X, y = make_data()
        batches = ((X[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32))

        result = lk.lr_find(make_model(), batches, start_lr=1e-9, end_lr=1e-6, num_steps=8)

        assert type(result) is lrfinder.RangeTestResult
        assert result.metadata["runs_auto"] == (
            "1 run: its curve never clearly descended, but `x` is a one-shot iterator (pass "
            "arrays, a dataset or a list to run it again)"
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"runs": 0}, ValueError, "`runs` must be an integer >= 1, got runs=0."),
            ({"runs": "many"}, ValueError, "`runs` must be an integer >= 1 or 'auto', got "),
            ({"runs": 3, "seed": -2}, ValueError, "`seed` must be >= 0, got seed=-2."),
            ({"end_lr": 1e-9}, ValueError, "`end_lr` must be greater than `start_lr`"),
        ],
        ids=["zero-runs", "unknown-word", "bad-seed", "bad-ladder"],
    )
    def test_bad_arguments_are_refused_before_any_work(self, kwargs, error, message):
        """Bad runs, seed or ladder: refused before the optimizer is built or a batch trains."""
        model = make_model()
        before = values(model.variables)

        with pytest.raises(error) as excinfo:
            lk.lr_find(model, *make_data(), **kwargs)

        assert str(excinfo.value).startswith(message)
        assert not model.optimizer.built
        assert_same(values(model.variables), before)


class TestLRFinderCallback:
    def test_mid_training_run_leaves_training_unchanged(self):
        """A run at the start of epoch 1 records its curve and fit ends bit-identical to a fit
        without the callback."""
        X, y = make_data()

        def train(callbacks):
            model = make_model(dropout_seed=1)
            model.fit(X, y, batch_size=64, epochs=2, verbose=0, callbacks=callbacks)
            return values(model.variables)

        seen = []
        finder = lk.LRFinderCallback(
            X, y, epochs=(1,), num_steps=8, on_result=lambda model, result: seen.append(result)
        )

        assert_same(train([finder]), train([]))
        assert list(finder.results) == [1]
        assert seen == [finder.results[1]]
        assert len(finder.results[1].lrs) == 8


def twin_range_tests(optimizer: keras.optimizers.Optimizer, **torch_settings):
    """The same MLP, weights and batches in Keras and in the PyTorch adapter: their results."""
    import torch

    X, y = make_data(512)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(32, activation="tanh"), keras.layers.Dense(1)]
    )
    model.compile(optimizer=optimizer, loss="mse")
    weights = values(model.trainable_variables)
    twin = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    with torch.no_grad():
        for param, value in zip(twin.parameters(), weights, strict=True):
            param.copy_(torch.tensor(value.T))  # Keras kernels are (in, out)
    torch_optimizer = getattr(torch.optim, type(optimizer).__name__)(
        twin.parameters(), lr=1e-3, **torch_settings
    )
    batches = [
        (torch.tensor(X[i : i + 32]), torch.tensor(y[i : i + 32])) for i in range(0, 512, 32)
    ]
    ours = lk.lr_find(model, X, y, batch_size=32, shuffle=False, runs=1)
    theirs = lrfinder.lr_find(twin, torch_optimizer, batches, torch.nn.functional.mse_loss, runs=1)
    return ours, theirs


class TestStepSize:
    @pytest.mark.parametrize(
        ("optimizer", "torch_settings"),
        [
            (keras.optimizers.Adam(1e-3), {}),
            (keras.optimizers.AdamW(1e-3, weight_decay=0.01), {}),
            (keras.optimizers.SGD(1e-3), {}),
            (keras.optimizers.RMSprop(1e-3, rho=0.99), {}),  # torch's default alpha
        ],
        ids=["Adam", "AdamW", "plain SGD", "RMSprop rho=0.99"],
    )
    def test_reads_what_the_torch_adapter_reads_and_blends(self, optimizer, torch_settings):
        """The step-size reading (lrfinder.step_size) is the same quantity in both adapters: on
        the same model, weights and batches it agrees to 0.5%, so the constants fitted on the
        PyTorch benchmark apply, and the knee is blended."""
        ours, theirs = twin_range_tests(optimizer, **torch_settings)

        k = ours.metadata["update_sensitivity"]
        assert k == pytest.approx(theirs.metadata["update_sensitivity"], rel=5e-3)
        suggestion = ours.suggest("knee")
        assert "blended with the step-size reading" in suggestion.note
        assert ours.suggestion == pytest.approx(theirs.suggestion, rel=0.05)

    def test_rmsprop_at_its_own_rho_is_recorded_but_not_blended(self):
        """Keras' RMSprop at its default rho=0.9 reads k on another scale than the torch RMSprop
        the constant was fitted on (lrfinder.step_size.optimizer_family): the reading is kept,
        the knee stands alone."""
        ours, theirs = twin_range_tests(keras.optimizers.RMSprop(1e-3))

        ratio = ours.metadata["update_sensitivity"] / theirs.metadata["update_sensitivity"]
        assert ratio < 0.6  # why it is not blended: the same model reads k far smaller
        assert "blended" not in ours.suggest("knee").note
        assert "blended" in theirs.suggest("knee").note

    @staticmethod
    def lagged_twins(nesterov: bool):
        """Keras' momentum SGD lags on the exponential ladder (lrfinder.step_size.momentum_lag):
        checks that the lag it records is (1 - m) / (1 - m / q) (times 1 + m - m / q with
        Nesterov), that k divided by it agrees with torch's on the twin model to 15%, and that
        the knee is corrected and blended; returns both results and the suggestion the Keras
        run would give without the lag."""
        optimizer = keras.optimizers.SGD(1e-3, momentum=0.9, nesterov=nesterov)
        ours, theirs = twin_range_tests(optimizer, momentum=0.9, nesterov=nesterov)

        q = (10.0 / 1e-7) ** (1 / 99)
        expected = 0.1 / (1 - 0.9 / q) * ((1 + 0.9 - 0.9 / q) if nesterov else 1.0)
        lag = ours.metadata["momentum_lag"]
        assert lag == pytest.approx(expected)
        k = ours.metadata["update_sensitivity"] / lag
        assert k == pytest.approx(theirs.metadata["update_sensitivity"], rel=0.15)
        note = ours.suggest("knee").note
        assert "momentum lag" in note
        assert "blended" in note
        stored = ours.to_dict()
        stored["metadata"].pop("momentum_lag")
        return ours, theirs, lrfinder.RangeTestResult.from_dict(stored).suggestion

    def test_momentum_sgd_is_moved_onto_torchs_scale(self):
        """The suggestion, the knee times the lag blended with the step size, lands within 2x of
        torch's on the twin model, where the uncorrected knee is over 3x above it."""
        ours, theirs, uncorrected = self.lagged_twins(nesterov=False)

        assert 0.5 < ours.suggest("knee").lr / theirs.suggestion < 2.0
        assert uncorrected > 3 * theirs.suggestion

    def test_nesterov_lag_lowers_the_suggestion_where_only_the_twin_spikes(self):
        """With Nesterov the torch twin's loss spikes near 0.03 and falls lower past it, and the
        rules read through the spike (``Curve.floor_index``), while the Keras run, whose
        effective rate lags, does not spike: the two suggestions then differ by the spike, not
        by the lag, so only the correction itself is checked: it lowers the suggestion, which
        without it would sit at least 1.5x higher."""
        ours, theirs, uncorrected = self.lagged_twins(nesterov=True)

        assert any(w.startswith("The loss spiked") for w in theirs.warnings)
        assert not any(w.startswith("The loss spiked") for w in ours.warnings)
        assert uncorrected > 1.5 * ours.suggestion

    def test_no_lag_is_recorded_on_a_linear_ladder(self):
        """On a linear ladder the lag changes at every step: none is recorded, and momentum SGD
        keeps its knee unblended."""
        X, y = make_data()
        model = make_model(keras.optimizers.SGD(1e-3, momentum=0.9))

        result = lk.lr_find(model, X, y, runs=1, num_steps=30, end_lr=1.0, mode="linear")

        assert "momentum_lag" not in result.metadata
        assert "blended" not in result.suggest("knee").note

    def test_a_reading_that_fails_leaves_the_knee_alone(self, monkeypatch):
        """Weights the ops cannot copy end the reading, never the range test."""
        X, y = make_data()
        model = make_model()
        before = values(model.variables)

        def refuse(model):
            raise RuntimeError("cannot read these weights")

        monkeypatch.setattr(lk, "_flat_weights", refuse)
        result = lk.lr_find(model, X, y, runs=1, num_steps=20)

        assert "update_sensitivity" not in result.metadata
        assert len(result.losses) > 0
        assert_same(values(model.variables), before)


class TestOneCycle:
    """The hand-off to training: Keras' CosineDecay set up as torch's OneCycleLR."""

    def test_climbs_from_a_25th_to_the_suggestion_then_anneals(self):
        model = make_model(optimizer=keras.optimizers.SGD(0.01))
        X, y = make_data()
        result = lk.lr_find(model, X, y, batch_size=32, num_steps=60, runs=1)
        schedule = lk.one_cycle(result, total_steps=200)
        lrs = np.array([float(schedule(step)) for step in range(201)])
        peak = result.suggestion
        assert lrs[0] == pytest.approx(peak / 25, rel=1e-5)
        assert lrs.argmax() == 60  # 30% of 200 steps climbing
        assert lrs.max() == pytest.approx(peak, rel=1e-5)
        assert np.all(np.diff(lrs[:61]) > 0)
        assert np.all(np.diff(lrs[60:]) <= 0)
        assert lrs[200] == pytest.approx(peak / 25 / 1e4, rel=1e-3)

    def test_trains_a_compiled_model_and_survives_a_save(self, tmp_path):
        schedule = lk.one_cycle_at(0.05, total_steps=16, pct_start=0.25, div_factor=10)
        model = make_model(optimizer=keras.optimizers.SGD(learning_rate=schedule))
        X, y = make_data(128)
        history = model.fit(X, y, batch_size=32, epochs=4, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        assert float(schedule(4)) == pytest.approx(0.05, rel=1e-5)
        model.save(tmp_path / "model.keras")
        schedule = keras.models.load_model(tmp_path / "model.keras").optimizer._learning_rate
        assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
        assert float(schedule(4)) == pytest.approx(0.05, rel=1e-5)

    @pytest.mark.parametrize(
        ("kwargs", "error", "words"),
        [
            ({"peak_lr": 0.0}, ValueError, "peak_lr=0.0"),
            ({"peak_lr": float("nan")}, ValueError, "peak_lr=nan"),
            ({"total_steps": 1}, ValueError, "total_steps=1"),
            ({"total_steps": 10.5}, TypeError, "total_steps=10.5"),
            ({"pct_start": 1.0}, ValueError, "pct_start=1.0"),
            ({"div_factor": -1}, ValueError, "div_factor=-1"),
        ],
    )
    def test_bad_arguments_are_named(self, kwargs, error, words):
        arguments = {"peak_lr": 0.1, "total_steps": 100} | kwargs
        with pytest.raises(error, match=words.replace(".", r"\.")):
            lk.one_cycle_at(**arguments)

    def test_a_number_is_not_a_result(self):
        with pytest.raises(TypeError, match="one_cycle_at"):
            lk.one_cycle(0.1, total_steps=100)
