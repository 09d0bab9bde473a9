"""The JAX/optax recipe of docs/jax.md and the helpers in lrfinder.jax, on real JAX (CPU)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy

import lrfinder  # noqa: E402
import lrfinder.jax as lj  # noqa: E402


def make_data():
    kx, kw = jax.random.split(jax.random.key(0))
    X = jax.random.normal(kx, (256, 8))
    y = jnp.tanh(X @ jax.random.normal(kw, (8,)))
    return [(X[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32)]


def loss_fn(params, batch):
    x, y = batch
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def init_params():
    return {"w": jnp.zeros(8), "b": jnp.zeros(())}


def tree_equal(a, b):
    return all(
        np.array_equal(x, y)
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True)
    )


class TestRecipe:
    def test_docs_recipe(self):
        """The range_test recipe of docs/jax.md sweeps the ladder and leaves the start state as it was."""
        # --- docs/jax.md, "The recipe" (keep in sync) ---
        optimizer = optax.inject_hyperparams(optax.adamw)(learning_rate=1e-3, weight_decay=1e-4)

        @jax.jit
        def train_step(params, opt_state, batch, lr):
            opt_state.hyperparams["learning_rate"] = lr  # a traced copy: the caller's is untouched
            loss, grads = jax.value_and_grad(loss_fn)(params, batch)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, loss

        params = init_params()
        opt_state = optimizer.init(params)
        state = {"params": params, "opt_state": opt_state}
        batches = itertools.cycle(make_data())
        seen = []  # (test only) the lr each update ran at

        def step(lr):
            state["params"], state["opt_state"], loss = train_step(
                state["params"], state["opt_state"], next(batches), lr
            )
            seen.append(state["opt_state"].hyperparams["learning_rate"])
            return loss

        result = lrfinder.range_test(step, start_lr=1e-4, end_lr=10.0, num_steps=50)
        # --- end of recipe ---

        np.testing.assert_array_equal(np.array(seen), result.lrs.astype(np.float32))
        assert tree_equal(params, init_params())
        assert float(opt_state.hyperparams["learning_rate"]) == np.float32(1e-3)
        assert int(opt_state.count) == 0
        assert result.stop_reason == "diverged"
        assert 1e-3 < result.suggestion < 1.0


def make_update(optimizer, record=None):
    @jax.jit
    def jitted(state, batch, lr):
        params, opt_state = state
        loss, grads = jax.value_and_grad(loss_fn)(params, batch)
        opt_state = lj.set_learning_rate(opt_state, lr)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    def update(state, batch, lr):
        new_state, loss = jitted(state, batch, lr)
        if record is not None:
            record.append((lj.learning_rates(new_state[1]), float(loss), new_state[1]))
        return new_state, loss

    return update


class TestLrFind:
    def test_optimizer_sees_the_ladder_and_state_is_untouched(self):
        """Each update runs at the ladder's lr (float32 in optax) and the start state is unchanged."""
        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1, momentum=0.9)
        params = init_params()
        opt_state = optimizer.init(params)
        record = []

        result = lj.lr_find(
            make_update(optimizer, record),
            (params, opt_state),
            make_data(),
            start_lr=1e-5,
            end_lr=1e-1,
            num_steps=12,
            stop_factor=None,
        )

        seen = np.array([lrs[0] for lrs, _, _ in record])
        np.testing.assert_array_equal(seen, lrfinder.ladder(1e-5, 1e-1, 12).astype(np.float32))
        np.testing.assert_allclose(result.losses, [loss for _, loss, _ in record], rtol=1e-7)
        assert tree_equal((params, opt_state), (init_params(), optimizer.init(init_params())))
        assert result.metadata["framework"] == "jax"

    def test_accumulation_with_multisteps(self):
        """With optax.MultiSteps(every_k=2) and accumulation_steps=2, a point is one real update
        and the mean of its two losses."""
        optimizer = optax.MultiSteps(
            optax.inject_hyperparams(optax.sgd)(learning_rate=0.1), every_k_schedule=2
        )
        params = init_params()
        record = []

        result = lj.lr_find(
            make_update(optimizer, record),
            (params, optimizer.init(params)),
            make_data(),
            start_lr=1e-4,
            end_lr=1e-2,
            num_steps=5,
            accumulation_steps=2,
            runs=1,  # the record holds one run's updates
        )

        assert len(result.lrs) == 5
        assert int(record[-1][2].gradient_step) == 5
        pairs = np.array([loss for _, loss, _ in record]).reshape(5, 2).mean(axis=1)
        np.testing.assert_allclose(result.losses, pairs, rtol=1e-6)  # float32 losses

    def test_one_shot_iterator_ends_the_run(self):
        """A generator of 3 batches gives 3 points and stop_reason 'data-exhausted'."""
        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
        params = init_params()

        result = lj.lr_find(
            make_update(optimizer), (params, optimizer.init(params)), iter(make_data()[:3])
        )

        assert (len(result.lrs), result.stop_reason) == (3, "data-exhausted")

    def test_records_the_batch_size_and_takes_the_users_metadata(self):
        """Batches of 16 are read from the first batch, and a momentum of 0 passed in metadata:
        the suggestion carries both corrections of lrfinder.batch_noise."""
        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
        params = init_params()
        data = [(x[:16], y[:16]) for x, y in make_data()]

        result = lj.lr_find(
            make_update(optimizer),
            (params, optimizer.init(params)),
            data,
            start_lr=1e-5,
            end_lr=10.0,
            num_steps=60,
            metadata={"optimizer_hyperparameters": {"momentum": 0.0}},
        )

        assert result.metadata["batch_size"] == 16
        assert result.suggest().note == "x0.10 for batch 16, without momentum"
        plain = lrfinder.suggest.knee(result.lrs, result.losses).lr
        np.testing.assert_allclose(result.suggestion, max(plain * 0.1, 1e-5), rtol=1e-9)

    def test_rejects_metadata_that_is_not_a_mapping(self):
        """`metadata` must be a dict; the error says what to pass."""
        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
        params = init_params()

        with pytest.raises(
            TypeError, match=r"`metadata` must be a mapping \(a dict\), got metadata=list"
        ):
            lj.lr_find(
                make_update(optimizer), (params, optimizer.init(params)), make_data(), metadata=[]
            )

    def test_rejects_a_non_callable_update(self):
        """`update` must be callable."""
        with pytest.raises(TypeError) as excinfo:
            lj.lr_find(None, {}, make_data())

        assert str(excinfo.value) == (
            "`update` must be a callable update(state, batch, lr) -> (state, loss), got update=None."
        )

    def test_a_scheduled_learning_rate_is_refused_before_any_update(self):
        """optax recomputes an injected schedule at every update, over the ladder's rate: the
        run would record rates never applied, so it is refused, saying what to build."""
        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=optax.constant_schedule(1e-3))
        params = init_params()
        calls = []

        def update(state, batch, lr):
            calls.append(lr)
            return state, 0.0

        with pytest.raises(ValueError) as excinfo:
            lj.lr_find(update, (params, optimizer.init(params)), make_data())

        assert str(excinfo.value).startswith(
            "the optimizer's injected learning_rate is a schedule: optax recomputes it"
        )
        assert calls == []

    def test_numpy_and_python_rngs_come_back_after_one_run(self):
        """Batches that shuffle with NumPy's RNG draw from it; one run puts it back, as several
        runs and the other adapters do."""
        import random

        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
        params = init_params()
        data = make_data()

        class Shuffled:
            def __iter__(self):
                random.random()
                return iter([data[i] for i in np.random.permutation(len(data))])

        np.random.seed(0)
        random.seed(0)
        before = np.random.get_state()[1].copy(), random.getstate()

        lj.lr_find(make_update(optimizer), (params, optimizer.init(params)), Shuffled(), runs=1)

        assert np.array_equal(np.random.get_state()[1], before[0])
        assert random.getstate() == before[1]


class TestSeveralRuns:
    def setup(self):
        optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1, momentum=0.9)
        params = init_params()
        return make_update(optimizer), (params, optimizer.init(params)), optimizer

    def test_runs_start_alike_and_later_runs_see_the_batches_permuted(self):
        """runs=3: run 0 is the single run, later runs see the list's batches in other orders,
        the state is untouched and the RNGs come back."""
        update, state, optimizer = self.setup()
        ladder = {"start_lr": 1e-9, "end_lr": 1e-7, "num_steps": 8}
        rngs = np.random.get_state()[1].copy()

        single = lj.lr_find(update, state, make_data(), runs=1, **ladder)
        several = lj.lr_find(update, state, make_data(), runs=3, seed=1, **ladder)

        assert isinstance(several, lrfinder.MultiRunResult)
        assert [run.metadata["seed"] is None for run in several.runs] == [True, False, False]
        np.testing.assert_array_equal(several.runs[0].losses, single.losses)
        for run in several.runs[1:]:  # the same 8 batches at rates too small to matter
            assert not np.array_equal(run.losses, single.losses)
            np.testing.assert_allclose(sorted(run.losses), sorted(single.losses), rtol=1e-3)
        assert several.metadata["seed"] == 1
        assert tree_equal(state, (init_params(), optimizer.init(init_params())))
        np.testing.assert_array_equal(np.random.get_state()[1], rngs)

    def test_auto_reruns_a_flat_curve_and_keeps_a_one_shot_iterator_to_one_run(self):
        """By default a curve that never descends gets five runs, unless the batches cannot be
        read again; the note says which."""
        update, state, _ = self.setup()
        flat = {"start_lr": 1e-9, "end_lr": 1e-7, "num_steps": 16}

        rerun = lj.lr_find(update, state, make_data(), **flat)
        kept = lj.lr_find(update, state, iter(make_data() * 2), **flat)

        assert len(rerun.runs) == 5
        assert (
            rerun.metadata["runs_auto"] == "5 runs: the first run's curve never clearly descended"
        )
        assert type(kept) is lrfinder.RangeTestResult
        assert kept.metadata["runs_auto"] == (
            "1 run: its curve never clearly descended, but `batches` is a one-shot iterator "
            "(pass a list to run it again)"
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"runs": 0}, ValueError, "`runs` must be an integer >= 1, got runs=0."),
            ({"runs": "auto", "seed": 1.5}, TypeError, "`seed` must be an int or None, got "),
            ({"start_lr": 0.0}, ValueError, "`start_lr` must be"),
        ],
        ids=["zero-runs", "float-seed", "bad-ladder"],
    )
    def test_bad_arguments_are_refused_before_any_update(self, kwargs, error, message):
        """Bad runs, seed or ladder: refused before `update` is called once."""
        calls = []

        def update(state, batch, lr):
            calls.append(lr)
            return state, 0.0

        with pytest.raises(error) as excinfo:
            lj.lr_find(update, self.setup()[1], make_data(), **kwargs)

        assert str(excinfo.value).startswith(message)
        assert calls == []


class TestSetLearningRate:
    def make(self):
        optimizer = optax.multi_transform(
            {
                "body": optax.inject_hyperparams(optax.adam)(learning_rate=1e-3),
                "head": optax.inject_hyperparams(optax.adam)(learning_rate=1e-4),
            },
            {"w": "body", "b": "head"},
        )
        return optimizer, optimizer.init(init_params())

    def test_keeps_group_ratios_exactly_with_given_ratios(self):
        """With ratios from the initial state, the second group gets exactly lr * 0.1 (float32)."""
        _, opt_state = self.make()
        ratios = [lr / lj.learning_rates(opt_state)[0] for lr in lj.learning_rates(opt_state)]

        updated = lj.set_learning_rate(opt_state, 0.5, ratios)

        assert lj.learning_rates(updated) == [np.float32(0.5), np.float32(0.5 * ratios[1])]

    def test_default_ratios_under_jit(self):
        """Inside jit, the default keeps each group's current ratio to the first."""
        _, opt_state = self.make()

        updated = jax.jit(lj.set_learning_rate)(opt_state, 0.5)

        np.testing.assert_allclose(lj.learning_rates(updated), [0.5, 0.05], rtol=1e-6)

    def test_does_not_modify_its_input(self):
        """The state passed in keeps its learning rates."""
        _, opt_state = self.make()

        lj.set_learning_rate(opt_state, 0.5)

        np.testing.assert_allclose(lj.learning_rates(opt_state), [1e-3, 1e-4], rtol=1e-7)

    def test_rejects_a_state_without_injected_lr(self):
        """A plain optax state has no learning rate to set."""
        opt_state = optax.adam(1e-3).init(init_params())

        with pytest.raises(ValueError) as excinfo:
            lj.set_learning_rate(opt_state, 0.1)

        assert str(excinfo.value) == (
            "`opt_state` has no injected learning rate: build the optimizer with "
            "optax.inject_hyperparams(optax.adamw)(learning_rate=...) so that the range test can "
            "set it."
        )


def twin_range_tests(name, torch_settings=None, **optax_settings):
    """The same tanh MLP, weights and batches through ``lrfinder.jax.lr_find`` (optax's
    optimizer ``name``, with ``params=`` and ``optimizer=``) and the PyTorch adapter."""
    import torch

    rng = np.random.default_rng(0)
    X = rng.standard_normal((512, 8)).astype("float32")
    y = np.tanh(X @ rng.standard_normal((8, 1))).astype("float32")
    torch.manual_seed(0)
    twin = torch.nn.Sequential(torch.nn.Linear(8, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    w1, b1, w2, b2 = (jnp.asarray(p.detach().numpy().T) for p in twin.parameters())
    params = {"w1": w1, "b1": b1, "w2": w2, "b2": b2}

    def mse(params, batch):
        x, target = batch
        out = jnp.tanh(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]
        return jnp.mean((out - target) ** 2)

    optimizer = optax.inject_hyperparams(getattr(optax, name))(learning_rate=1e-3, **optax_settings)

    @jax.jit
    def update(state, batch, lr):
        params, opt_state = state
        loss, grads = jax.value_and_grad(mse)(params, batch)
        updates, opt_state = optimizer.update(grads, lj.set_learning_rate(opt_state, lr), params)
        return (optax.apply_updates(params, updates), opt_state), loss

    batches = [(X[i : i + 32], y[i : i + 32]) for i in range(0, 512, 32)]
    ours = lj.lr_find(
        update, (params, optimizer.init(params)), [tuple(map(jnp.asarray, b)) for b in batches],
        runs=1, params=lambda state: state[0], optimizer=name,
    )  # fmt: skip
    torch_optimizer = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}[name]
    theirs = lrfinder.lr_find(
        twin,
        getattr(torch.optim, torch_optimizer)(twin.parameters(), lr=1e-3, **(torch_settings or {})),
        [tuple(map(torch.tensor, b)) for b in batches],
        torch.nn.functional.mse_loss,
        runs=1,
    )
    return ours, theirs


class TestStepSize:
    @pytest.mark.parametrize(
        ("name", "torch_settings", "optax_settings"),
        [
            ("adam", {}, {}),
            ("adamw", {"weight_decay": 0.01}, {"weight_decay": 0.01}),
            ("sgd", {}, {}),
            ("sgd", {"momentum": 0.9}, {"momentum": 0.9}),
            ("sgd", {"momentum": 0.9, "nesterov": True}, {"momentum": 0.9, "nesterov": True}),
            ("rmsprop", {}, {"decay": 0.99}),
        ],
        ids=["Adam", "AdamW", "plain SGD", "momentum SGD", "Nesterov SGD", "RMSprop 0.99"],
    )
    def test_reads_what_the_torch_adapter_reads_and_blends(
        self, name, torch_settings, optax_settings
    ):
        """With ``params`` and ``optimizer``, the reading is the PyTorch adapter's: on the same
        model, weights and batches ``k`` agrees to 0.5% (optax's SGD keeps torch's form of
        momentum, a buffer the current rate scales: no lag), the families match, and the
        suggestion is blended as torch's is."""
        ours, theirs = twin_range_tests(name, torch_settings, **optax_settings)

        k = ours.metadata["update_sensitivity"]
        assert k == pytest.approx(theirs.metadata["update_sensitivity"], rel=5e-3)
        assert lrfinder.step_size.optimizer_family(ours.metadata) == (
            lrfinder.step_size.optimizer_family(theirs.metadata)
        )
        assert "blended with the step-size reading" in ours.suggest("knee").note
        assert ours.suggestion == pytest.approx(theirs.suggestion, rel=0.05)

    def test_optax_rmsprop_default_decay_is_recorded_but_not_blended(self):
        """optax's RMSprop at decay=0.9 reads k on another scale than torch's alpha=0.99, the
        setting the constant was fitted on: the reading is kept, the knee stands alone, and the
        missing momentum is recorded as 0 (the no-momentum correction applies)."""
        ours, _ = twin_range_tests("rmsprop")

        assert ours.metadata["optimizer_hyperparameters"]["decay"] == 0.9
        assert ours.metadata["optimizer_hyperparameters"]["momentum"] == 0.0
        assert "update_sensitivity" in ours.metadata
        note = ours.suggest("knee").note
        assert "blended" not in note
        assert "without momentum" in note

    def test_without_params_nothing_is_read(self):
        optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
        params = init_params()

        result = lj.lr_find(make_update(optimizer), (params, optimizer.init(params)), make_data(),
                            runs=1, optimizer="adam")  # fmt: skip

        assert "update_sensitivity" not in result.metadata
        assert result.metadata["optimizer"] == "Adam"
        assert "blended" not in result.suggest("knee").note

    def test_a_params_function_that_fails_mid_run_leaves_the_knee_alone(self):
        """Reading must never fail the range test: a ``params`` that breaks on a later state
        ends the reading, not the run."""
        optimizer = optax.inject_hyperparams(optax.adam)(learning_rate=1e-3)
        params = init_params()
        calls = []

        def pick(state):
            calls.append(1)
            if len(calls) > 3:
                raise KeyError("gone")
            return state[0]

        result = lj.lr_find(make_update(optimizer), (params, optimizer.init(params)), make_data(),
                            runs=1, params=pick, optimizer="adam", stop_factor=None,
                            num_steps=40)  # fmt: skip

        assert len(result.lrs) == 40
        assert "update_sensitivity" not in result.metadata

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"params": "state[0]"}, TypeError, "`params` must be a function from the state"),
            ({"params": lambda state: 3}, ValueError, "`params(state)` holds no floating-point"),
            ({"params": lambda state: state[5]}, ValueError, "`params(state)` failed with Index"),
            ({"optimizer": 3}, TypeError, "`optimizer` must be the optax optimizer's name"),
        ],
        ids=["not-callable", "no-arrays", "params-fails", "optimizer-not-a-name"],
    )
    def test_bad_params_or_optimizer_are_refused_before_any_update(self, kwargs, error, message):
        calls = []

        def update(state, batch, lr):
            calls.append(lr)
            return state, 0.0

        params = init_params()
        state = (params, optax.inject_hyperparams(optax.adam)(learning_rate=1e-3).init(params))
        with pytest.raises(error) as excinfo:
            lj.lr_find(update, state, make_data(), **kwargs)

        assert str(excinfo.value).startswith(message)
        assert calls == []


def test_the_docs_example_runs_blends_and_trains(capsys):
    """examples/jax_digits.py, the helper's example in docs/jax.md: the step-size reading is
    blended into the suggestion the docs quote (0.0458), and 1cycle at it trains the MLP."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "jax_digits.py"
    spec = importlib.util.spec_from_file_location("jax_digits", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    result = example.main()

    assert "blended with the step-size reading" in result.suggest("knee").note
    assert result.suggestion == pytest.approx(0.0458, rel=0.1)
    accuracy = float(capsys.readouterr().out.rsplit(": ", 1)[1].rstrip("%\n"))
    assert accuracy > 90.0


def test_hyperparameters_come_from_the_optimizer_the_ladder_drives():
    """An injected transform without a learning rate (a clip) before the optimizer is not read
    as the optimizer: its hyper-parameters stay out of the metadata."""
    optimizer = optax.chain(
        optax.inject_hyperparams(optax.clip_by_global_norm)(max_norm=1.0),
        optax.inject_hyperparams(optax.sgd)(learning_rate=1e-3, momentum=0.9),
    )
    params = init_params()

    result = lj.lr_find(make_update(optimizer), (params, optimizer.init(params)), make_data(),
                        runs=1, num_steps=20, optimizer="sgd")  # fmt: skip

    assert result.metadata["optimizer_hyperparameters"] == {"momentum": 0.9}
