"""Tests of lr_find(runs=N): restore, batch orders, the batched path against the sequential one."""

import random
import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import lrfinder  # noqa: E402
from lrfinder.multirun import MultiRunResult  # noqa: E402

F = torch.nn.functional


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest, and most reproducibly, on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def regression(dtype=torch.float64, batch_size=16, generator=None):
    """A seeded 8-feature regression task and a DataLoader that shuffles it."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(128, 8, generator=g, dtype=dtype)
    y = X @ torch.randn(8, generator=g, dtype=dtype) + 0.1 * torch.randn(
        128, generator=g, dtype=dtype
    )
    data = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y),
        batch_size=batch_size,
        shuffle=True,
        generator=generator,
    )
    return data


def mlp(dtype=torch.float64, norm=None, dropout=0.0):
    """A seeded two-layer MLP with a scalar output per example."""
    torch.manual_seed(1)
    layers = [torch.nn.Linear(8, 16)]
    if norm is not None:
        layers.append(norm)
    layers += [
        torch.nn.Tanh(),
        torch.nn.Dropout(dropout),
        torch.nn.Linear(16, 1),
        torch.nn.Flatten(0),
    ]
    return torch.nn.Sequential(*layers).to(dtype)


OPTIMIZERS = {
    "sgd-momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3),
    "sgd-nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    "adamw": lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.01),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=1e-3, momentum=0.5),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=1e-2),
    "adamax": lambda p: torch.optim.Adamax(p, lr=1e-3),
    "nadam": lambda p: torch.optim.NAdam(p, lr=1e-3),
    "radam": lambda p: torch.optim.RAdam(p, lr=1e-3),
}


class _Mixer(torch.nn.Module):
    """Reads the 8 inputs as a sequence, through an LSTM or self-attention, then a linear head."""

    def __init__(self, layer):
        super().__init__()
        torch.manual_seed(2)
        self.layer = layer
        if layer == "lstm":
            self.body = torch.nn.LSTM(1, 4, batch_first=True)
        else:
            self.body = torch.nn.MultiheadAttention(4, 2, batch_first=True)
        self.head = torch.nn.Linear(4, 1)

    def forward(self, x):
        if self.layer == "lstm":
            _, (last, _) = self.body(x.unsqueeze(-1))
            return self.head(last[-1]).flatten()
        tokens = x.reshape(len(x), 2, 4)
        mixed, _ = self.body(tokens, tokens, tokens, need_weights=False)
        return self.head(mixed.mean(1)).flatten()


def find(batched, optimizer="adam", runs=3, model=None, data=None, **kwargs):
    """lr_find(runs=...) on a fresh seeded setup; returns (result, model, optimizer)."""
    model = model if model is not None else mlp()
    opt = OPTIMIZERS[optimizer](model.parameters())
    data = data if data is not None else regression()
    kwargs = {"start_lr": 1e-5, "end_lr": 1.0, "num_steps": 30, "seed": 7} | kwargs
    result = lrfinder.lr_find(model, opt, data, F.mse_loss, runs=runs, batched=batched, **kwargs)
    return result, model, opt


def train_steps(model, optimizer, data, steps=5):
    """A few ordinary training steps; returns the losses."""
    losses = []
    batches = iter(data)
    for _ in range(steps):
        x, y = next(batches)
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


class TestLrFindRuns:
    def test_returns_every_run(self):
        """runs=3 gives a MultiRunResult with three runs on the same ladder, each its own."""
        result, _, _ = find(batched=None)

        assert isinstance(result, MultiRunResult)
        assert len(result.runs) == 3
        assert result.metadata["path"] == "batched"
        assert [run.metadata["run"] for run in result.runs] == [0, 1, 2]
        assert not np.array_equal(result.runs[0].losses, result.runs[1].losses)

    def test_runs_one_is_the_single_run_result(self):
        """runs=1 returns a plain RangeTestResult, exactly as lr_find always did."""
        result, _, _ = find(batched=None, runs=1)

        assert type(result) is lrfinder.RangeTestResult
        assert result.runs == (result,)

    @pytest.mark.parametrize("batched", [True, False], ids=["batched", "sequential"])
    def test_first_run_is_the_single_run(self, batched):
        """Run 0 is what lr_find(runs=1) records: same weights, same RNG, same batches."""
        single, _, _ = find(batched=None, runs=1)

        several, _, _ = find(batched=batched)

        # float64 throughout; the batched path sums matmuls in another order (see below).
        np.testing.assert_allclose(several.runs[0].losses, single.losses, rtol=1e-10)
        if not batched:
            np.testing.assert_array_equal(several.runs[0].losses, single.losses)

    def test_every_run_measures_its_step_size_alike_on_both_paths(self):
        """Each copy of the batched path measures what its sequential run measures
        (lrfinder.step_size), and the aggregate suggestion's note names the runs' median."""
        batched, _, _ = find(batched=True)
        sequential, _, _ = find(batched=False)

        ours = [run.metadata["update_sensitivity"] for run in batched.runs]
        theirs = [run.metadata["update_sensitivity"] for run in sequential.runs]
        np.testing.assert_allclose(ours, theirs, rtol=1e-4)
        assert len(set(ours)) == len(ours)  # each run its own batches, its own reading
        scales = sorted(lrfinder.step_size.scale_rate(run.metadata) for run in batched.runs)
        assert batched.suggest().note.endswith(
            f"blended with the step-size reading {scales[len(scales) // 2]:.3g}"
        )

    @pytest.mark.parametrize("batched", [True, False], ids=["batched", "sequential"])
    def test_training_afterwards_is_bit_identical(self, batched):
        """After runs=3 with init_fn, training gives the very losses and RNG draws it gives without."""

        def setup():
            data = regression()
            model = mlp()
            optimizer = OPTIMIZERS["adam"](model.parameters())
            train_steps(model, optimizer, data, steps=2)  # some optimizer state to restore
            torch.manual_seed(5)
            random.seed(5)
            np.random.seed(5)
            return model, optimizer, data

        def draws():
            return random.random(), np.random.random(), torch.rand(1).item()

        model, optimizer, data = setup()
        result = lrfinder.lr_find(
            model, optimizer, data, F.mse_loss, runs=3, batched=batched, init_fn=reset,
            start_lr=1e-5, end_lr=1.0, num_steps=20,
        )  # fmt: skip
        after_find = (train_steps(model, optimizer, data), draws())

        model, optimizer, data = setup()
        without = (train_steps(model, optimizer, data), draws())

        assert result.metadata["path"] == ("batched" if batched else "sequential")
        assert after_find == without

    def test_seed_makes_runs_reproducible(self):
        """The same seed gives the same runs; another seed gives other batch orders."""
        first, _, _ = find(batched=False, seed=3)
        again, _, _ = find(batched=False, seed=3)
        other, _, _ = find(batched=False, seed=4)

        np.testing.assert_array_equal(first.runs[2].losses, again.runs[2].losses)
        assert not np.array_equal(first.runs[2].losses, other.runs[2].losses)
        assert first.metadata["seed"] == 3

    def test_data_generator_is_reseeded(self):
        """A DataLoader with its own generator still gives each run another order."""
        data = regression(generator=torch.Generator().manual_seed(11))

        result, _, _ = find(batched=False, data=data)

        assert not np.array_equal(result.runs[0].losses, result.runs[1].losses)
        assert not any("exactly the same losses" in w for w in result.warnings)

    def test_plain_list_is_permuted(self):
        """A list of batches is taken in another order by each later run."""
        data = list(regression())

        result, _, _ = find(batched=None, data=data)

        assert result.metadata["path"] == "batched"
        assert not np.array_equal(result.runs[0].losses, result.runs[1].losses)

    def test_init_fn_runs_before_each_later_run(self):
        """init_fn is called once per run after the first, on the model being tested."""
        calls = []

        def init_fn(model):
            calls.append(model)
            reset(model)

        model = mlp()
        result, _, _ = find(batched=None, model=model, init_fn=init_fn)

        assert calls == [model, model]
        assert result.metadata["init_fn"].endswith("init_fn")


def reset(model):
    """Re-initialises every layer that can reset itself (an init_fn)."""
    for module in model.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()


class TestBatchedMatchesSequential:
    # vmap turns each copy's matmul into one batched matmul, which may sum in another order, so
    # the two paths agree to rounding, not bit for bit. In float64 that rounding (1e-16) stays
    # far below 1e-9 over a 30-step ladder; in float32 it is about 1e-6 relative per step.
    @pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
    def test_same_losses_for_the_same_batches(self, optimizer):
        """Each elementwise optimizer gives the same curve on both paths, run by run."""
        batched, _, _ = find(batched=True, optimizer=optimizer, init_fn=reset)
        sequential, _, _ = find(batched=False, optimizer=optimizer, init_fn=reset)

        assert batched.metadata["path"] == "batched"
        for fast, slow in zip(batched.runs, sequential.runs, strict=True):
            assert fast.stop_reason == slow.stop_reason
            np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-9)

    def test_accumulation_and_clipping(self):
        """Gradient accumulation and per-copy clipping match the sequential run."""
        kwargs = {"accumulation_steps": 2, "max_grad_norm": 0.5, "optimizer": "sgd-momentum"}

        batched, _, _ = find(batched=True, **kwargs)
        sequential, _, _ = find(batched=False, **kwargs)

        for fast, slow in zip(batched.runs, sequential.runs, strict=True):
            np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-9)

    def test_check_every_overshoot_is_discarded_alike(self):
        """With losses checked every 4 steps, both paths stop each run at the same point."""
        kwargs = {"check_every": 4, "optimizer": "sgd-momentum", "end_lr": 100.0, "num_steps": 40}

        batched, _, _ = find(batched=True, **kwargs)
        sequential, _, _ = find(batched=False, **kwargs)

        for fast, slow in zip(batched.runs, sequential.runs, strict=True):
            assert (fast.stop_reason, len(fast.losses)) == (slow.stop_reason, len(slow.losses))
            assert fast.metadata["overshoot_steps"] == slow.metadata["overshoot_steps"]
            np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-9)

    def test_existing_optimizer_state_is_used(self):
        """Momentum left by earlier training is where every copy starts, as in the sequential run."""
        results = []
        for batched in (True, False):
            model = mlp()
            optimizer = OPTIMIZERS["sgd-momentum"](model.parameters())
            train_steps(model, optimizer, regression(), steps=3)
            result = lrfinder.lr_find(
                model, optimizer, regression(), F.mse_loss, runs=2, batched=batched, seed=1,
                start_lr=1e-5, end_lr=1.0, num_steps=20,
            )  # fmt: skip
            results.append(result)

        for fast, slow in zip(results[0].runs, results[1].runs, strict=True):
            np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-9)

    @pytest.mark.parametrize("rng", ["numpy", "python"])
    def test_data_that_draws_host_random_numbers(self, rng):
        """A dataset that draws from NumPy's or Python's RNG gives each copy its run's draws."""

        class Noisy(torch.utils.data.Dataset):
            def __init__(self, base):
                self.base = base

            def __len__(self):
                return len(self.base)

            def __getitem__(self, index):
                x, y = self.base[index]
                noise = np.random.normal() if rng == "numpy" else random.gauss(0.0, 1.0)
                return x, y + 0.1 * noise

        data = torch.utils.data.DataLoader(Noisy(regression().dataset), batch_size=16, shuffle=True)

        batched, _, _ = find(batched=True, data=data)
        sequential, _, _ = find(batched=False, data=data)

        for fast, slow in zip(batched.runs, sequential.runs, strict=True):
            np.testing.assert_allclose(fast.losses, slow.losses, rtol=1e-9)

    def test_float32_agrees_to_rounding(self):
        """In float32 the paths agree to about 1e-6 relative, before the divergence amplifies it."""
        data = regression(dtype=torch.float32)
        batched, _, _ = find(batched=True, model=mlp(torch.float32), data=data, num_steps=20)
        sequential, _, _ = find(batched=False, model=mlp(torch.float32), data=data, num_steps=20)

        for fast, slow in zip(batched.runs, sequential.runs, strict=True):
            np.testing.assert_allclose(fast.losses[:15], slow.losses[:15], rtol=1e-4)


class TestFallback:
    def test_batchnorm_runs_sequentially(self):
        """BatchNorm's running statistics send the runs down the sequential path, saying why."""
        model = mlp(norm=torch.nn.BatchNorm1d(16))

        result, _, _ = find(batched=None, model=model)

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"] == (
            "BatchNorm1d '1' updates running statistics, which the batched path does not update "
            "per copy"
        )
        assert "sequential because: BatchNorm1d" in result.summary()

    def test_running_out_of_memory_falls_back_to_one_run_at_a_time(self, monkeypatch):
        """N copies that do not fit in memory together run one at a time instead (automatic
        mode), with the same curves; batched=True lets the error through."""
        from lrfinder import torch_batched

        def out_of_memory(self, *args, **kwargs):
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

        expected, _, _ = find(batched=False)
        monkeypatch.setattr(torch_batched._BatchedRuns, "_step", out_of_memory)

        model = mlp()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        result, _, _ = find(batched=None, model=model)

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"] == "the 3 copies did not fit in memory together"
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
        for mine, theirs in zip(result.runs, expected.runs, strict=True):
            np.testing.assert_array_equal(mine.losses, theirs.losses)
        with pytest.raises(torch.OutOfMemoryError):
            find(batched=True)

    def test_dropout_falls_back_on_the_first_step(self):
        """A model vmap rejects (random dropout) falls back to exact sequential runs."""
        result, _, _ = find(batched=None, model=mlp(dropout=0.2))

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"].startswith("torch.func.vmap cannot run the model")

    def test_unused_parameters_run_sequentially(self):
        """A trained parameter with no gradient (an unused layer) sends the runs sequential."""

        class WithSpare(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = mlp()
                self.spare = torch.nn.Linear(2, 2).double()

            def forward(self, x):
                return self.body(x)

        torch.manual_seed(0)
        result, _, _ = find(batched=None, model=WithSpare(), optimizer="adamw")

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"] == (
            "2 trained parameter(s) get no gradient (spare.weight, spare.bias), which the batched "
            "path cannot tell from a zero gradient"
        )

    def test_other_optimizers_run_sequentially(self):
        """An optimizer the batched path does not know runs sequentially."""
        model = mlp()
        optimizer = torch.optim.Rprop(model.parameters(), lr=1e-3)

        result = lrfinder.lr_find(
            model, optimizer, regression(), F.mse_loss, runs=2, num_steps=10, start_lr=1e-5,
            end_lr=1.0,
        )  # fmt: skip

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"].startswith(
            "Rprop is not an elementwise optimizer"
        )

    def test_a_buffer_replaced_in_forward_runs_sequentially(self):
        """functional_call drops a buffer the forward replaces (self.mean = ...): the runs fall
        back to sequential ones, which update it as training does, and say why."""

        class RunningMean(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("mean", torch.zeros(8, dtype=torch.float64))

            def forward(self, x):
                self.mean = 0.5 * self.mean + 0.5 * x.mean(0).detach()
                return x - self.mean

        torch.manual_seed(1)
        model = torch.nn.Sequential(RunningMean(), mlp())
        optimizer = OPTIMIZERS["adam"](model.parameters())

        result = lrfinder.lr_find(model, optimizer, regression(), F.mse_loss, runs=2,
                                  num_steps=10, start_lr=1e-5, end_lr=1.0)  # fmt: skip

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"].startswith(
            "the forward pass replaces buffer(s) 0.mean instead of updating them in place"
        )

    def test_a_maximizing_optimizer_runs_sequentially(self):
        """The batched optimizer copies would not negate the objective: sequential runs do."""
        model = mlp()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, maximize=True)

        result = lrfinder.lr_find(model, optimizer, regression(), lambda o, t: -F.mse_loss(o, t),
                                  runs=2, num_steps=10, start_lr=1e-5, end_lr=1.0)  # fmt: skip

        assert result.metadata["path"] == "sequential"
        assert result.metadata["fallback_reason"].startswith("the optimizer maximizes")

    def test_convolutions_on_cpu_run_sequentially_unless_asked(self):
        """On CPU a convolutional model runs sequentially by default (faster), batched on request."""

        def conv_model():
            torch.manual_seed(1)
            return torch.nn.Sequential(
                torch.nn.Unflatten(1, (1, 8)), torch.nn.Conv1d(1, 4, 3), torch.nn.Flatten(),
                torch.nn.Linear(24, 1), torch.nn.Flatten(0),
            ).double()  # fmt: skip

        automatic, _, _ = find(batched=None, model=conv_model(), runs=2, num_steps=10)
        forced, _, _ = find(batched=True, model=conv_model(), runs=2, num_steps=10)

        assert automatic.metadata["path"] == "sequential"
        assert automatic.metadata["fallback_reason"].startswith("on CPU, vmap turns convolutions")
        assert forced.metadata["path"] == "batched"
        np.testing.assert_allclose(forced.runs[1].losses, automatic.runs[1].losses, rtol=1e-9)

    @pytest.mark.parametrize(
        ("layer", "reason"),
        [
            ("lstm", "vmap has no batching rule for the fused RNN/LSTM/GRU kernels"),
            (
                "attention",
                "on CPU, vmap has no batching rule for the backward of the fused attention kernel",
            ),
        ],
    )
    def test_slow_layers_run_sequentially_by_default(self, layer, reason):
        """vmap loops over the copies of an LSTM, and of attention's backward on CPU: by default
        such models run sequentially, and the metadata says why."""
        automatic, _, _ = find(batched=None, model=_Mixer(layer).double(), runs=2, num_steps=10)

        assert automatic.metadata["path"] == "sequential"
        assert automatic.metadata["fallback_reason"].startswith(reason)

    def test_batched_true_refuses_what_it_cannot_run(self):
        """batched=True with BatchNorm raises before any training, naming the reason."""
        model = mlp(norm=torch.nn.BatchNorm1d(16))
        before = {k: v.clone() for k, v in model.state_dict().items()}

        with pytest.raises(ValueError) as excinfo:
            find(batched=True, model=model)

        assert str(excinfo.value) == (
            "`batched` is True but the batched path cannot run this setup: BatchNorm1d '1' "
            "updates running statistics, which the batched path does not update per copy. Use "
            "batched=None to fall back to sequential runs."
        )
        for key, value in model.state_dict().items():
            assert torch.equal(value, before[key])


class TestErrors:
    def test_sequential_runs_attach_every_curve_so_far(self):
        """A failure in the third sequential run carries runs 0 and 1 whole and run 2's part."""
        model = mlp()
        opt = OPTIMIZERS["adam"](model.parameters())
        calls = {"n": 0}

        def flaky_loss(output, target):
            calls["n"] += 1
            if calls["n"] == 2 * 20 + 7:  # two full 20-step runs, then 6 steps of the third
                raise ArithmeticError("bad batch")
            return F.mse_loss(output, target)

        with pytest.raises(ArithmeticError) as excinfo:
            lrfinder.lr_find(
                model, opt, regression(), flaky_loss, runs=3, batched=False,
                start_lr=1e-5, end_lr=1e-2, num_steps=20, seed=7,
            )  # fmt: skip

        partial = excinfo.value.lrfinder_result
        assert isinstance(partial, MultiRunResult)
        assert [len(run.losses) for run in partial.runs] == [20, 20, 6]
        assert [run.stop_reason for run in partial.runs] == ["completed", "completed", "error"]
        assert any("failed at step 6" in note for note in excinfo.value.__notes__)

    def test_a_failing_loss_keeps_its_type_and_says_where(self):
        """A loss that raises mid-run in the batched path: the user's error, a note, every curve."""
        model = mlp()
        opt = OPTIMIZERS["adam"](model.parameters())
        before = {k: v.clone() for k, v in model.state_dict().items()}
        calls = {"n": 0}

        def flaky_loss(output, target):
            calls["n"] += 1
            if calls["n"] > 6:
                raise ArithmeticError("bad batch")
            return F.mse_loss(output, target)

        with pytest.raises(ArithmeticError) as excinfo:
            lrfinder.lr_find(
                model, opt, regression(), flaky_loss, runs=3, batched=True,
                start_lr=1e-5, end_lr=1.0, num_steps=30, seed=7,
            )  # fmt: skip

        error = excinfo.value
        notes = [n for n in error.__notes__ if n.startswith("lrfinder: the batched range test")]
        assert len(notes) == 1
        found = re.fullmatch(
            r"lrfinder: the batched range test \(3 runs\) failed at step (\d+) \(lr=(\S+)\); "
            r"partial curves attached\.",
            notes[0],
        )
        assert found is not None, notes[0]
        step = int(found.group(1))
        partial = error.lrfinder_result
        assert isinstance(partial, MultiRunResult)
        assert step >= 4  # the first batched step ran, so the error is the user's, not vmap's
        assert [len(run.losses) for run in partial.runs] == [step] * 3
        assert float(found.group(2)) == pytest.approx(
            float(lrfinder.ladder(1e-5, 1.0, 30)[step]), rel=1e-2
        )
        assert all(run.stop_reason == "error" for run in partial.runs)
        for key, value in model.state_dict().items():
            torch.testing.assert_close(value, before[key], rtol=0, atol=0)


class TestBadArguments:
    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"runs": 0}, ValueError, "`runs` must be an integer >= 1, got runs=0. Use 1 for one run, 5 for an uncertainty band."),
            ({"runs": 2.5}, TypeError, "`runs` must be an integer, got runs=2.5 (float)."),
            ({"runs": True}, TypeError, "`runs` must be an integer, got runs=True (bool)."),
            ({"init_fn": 3}, TypeError, "`init_fn` must be callable as init_fn(model), got init_fn=3."),
            ({"seed": -1}, ValueError, "`seed` must be >= 0, got seed=-1."),
            ({"seed": "a"}, TypeError, "`seed` must be an int or None, got seed='a'."),
            ({"batched": "yes"}, TypeError, "`batched` must be True, False or None (automatic), got batched='yes'."),
        ],
        ids=["runs-zero", "runs-float", "runs-bool", "init_fn", "seed-negative", "seed-str", "batched"],
    )  # fmt: skip
    def test_rejects_bad_arguments(self, kwargs, error, message):
        """Each bad multi-run argument is named, with its value, before any training."""
        model = mlp()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

        with pytest.raises(error) as excinfo:
            lrfinder.lr_find(model, optimizer, regression(), F.mse_loss, **kwargs)

        assert str(excinfo.value) == message


class TestAutoRuns:
    def test_a_readable_curve_keeps_its_one_run(self):
        """runs="auto" on a clean full-batch curve: one run, a plain result, and a note."""
        result, _, _ = find(batched=None, runs="auto", data=regression(batch_size=128))

        assert type(result) is lrfinder.RangeTestResult
        assert result.metadata["runs_auto"] == "1 run: its curve is readable"
        assert "runs='auto': 1 run: its curve is readable" in result.summary().splitlines()

    def test_an_unreadable_curve_gets_what_runs_5_gives(self):
        """Over rates too small to train, the loss never descends: five runs, exactly those of
        runs=5 (the first repeats the single run), and the weights come back."""
        model = mlp()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        tiny = {"start_lr": 1e-9, "end_lr": 1e-6}

        auto, _, _ = find(batched=None, runs="auto", model=model, **tiny)
        five, _, _ = find(batched=None, runs=5, **tiny)

        assert isinstance(auto, MultiRunResult)
        assert auto.metadata["runs_auto"] == "5 runs: the first run's curve never clearly descended"
        assert auto.suggestion == five.suggestion
        for mine, theirs in zip(auto.runs, five.runs, strict=True):
            np.testing.assert_array_equal(mine.losses, theirs.losses)
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())

    @pytest.mark.parametrize(
        ("batched", "labels"),
        [
            (False, ["lr range test, run 1 of 2", "lr range test, run 2 of 2"]),
            (True, ["lr range test, 2 runs at once"]),
        ],
        ids=["sequential", "batched"],
    )
    def test_progress_bars_say_which_run(self, capsys, batched, labels):
        """With progress=True, each run's bar names the run (or the batch of runs)."""
        pytest.importorskip("tqdm")

        find(batched=batched, runs=2, progress=True)
        shown = capsys.readouterr().err

        assert all(label in shown for label in labels)
        assert "lr range test:" not in shown  # no unlabelled bar

    def test_auto_is_the_default(self):
        """lr_find without `runs` is runs="auto": the same five runs on an unreadable curve."""
        tiny = {"start_lr": 1e-9, "end_lr": 1e-6, "num_steps": 30, "seed": 7}
        model = mlp()

        default = lrfinder.lr_find(
            model, OPTIMIZERS["adam"](model.parameters()), regression(), F.mse_loss, **tiny
        )
        auto, _, _ = find(batched=None, runs="auto", **tiny)

        assert isinstance(default, MultiRunResult)
        assert default.metadata["runs_auto"] == auto.metadata["runs_auto"]
        assert default.suggestion == auto.suggestion

    def test_a_one_shot_iterator_keeps_its_one_run_and_says_why(self):
        """Batches from a one-shot iterator cannot be read again: the unreadable first run
        stands, the note says what to pass instead, and the iterator is read only once."""
        batches = list(regression())
        drawn = []

        def one_shot():
            for batch in batches * 10:
                drawn.append(1)
                yield batch

        result, _, _ = find(batched=None, runs="auto", data=one_shot(), start_lr=1e-9, end_lr=1e-6)

        assert type(result) is lrfinder.RangeTestResult
        assert len(drawn) == 30
        assert result.metadata["runs_auto"] == (
            "1 run: its curve never clearly descended, but `data` is a one-shot iterator (pass "
            "a DataLoader or a list to run it again)"
        )
        # 1e-9..1e-6 moves nothing: a level line, which the no-descent warning names as such
        assert any("neither descended nor climbed" in w for w in result.warnings)

    def test_ctrl_c_is_not_followed_by_more_runs(self):
        """A first run interrupted by Ctrl-C returns its partial curve; no rerun starts."""
        calls = []

        def loss_fn(outputs, targets):
            calls.append(1)
            if len(calls) == 12:
                raise KeyboardInterrupt
            return F.mse_loss(outputs, targets)

        model = mlp()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        optimizer = OPTIMIZERS["adam"](model.parameters())

        result = lrfinder.lr_find(
            model, optimizer, regression(), loss_fn, start_lr=1e-9, end_lr=1e-6, num_steps=30
        )

        assert len(calls) == 12
        assert (result.stop_reason, len(result.losses)) == ("interrupted", 11)
        assert result.metadata["runs_auto"] == (
            "1 run: its curve never clearly descended, but the run was interrupted"
        )
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
        assert not optimizer.state

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            ({"runs": "sometimes"}, ValueError, "`runs` must be an integer >= 1 or 'auto', got "),
            ({"runs": "auto", "seed": -1}, ValueError, "`seed` must be >= 0, got seed=-1."),
            ({"runs": "auto", "init_fn": 3}, TypeError, "`init_fn` must be callable"),
        ],
        ids=["unknown-word", "bad-seed", "bad-init-fn"],
    )
    def test_bad_arguments_are_refused_before_any_run(self, kwargs, error, message):
        """runs="auto" checks the multi-run arguments before the first run starts: the data is
        never read."""

        class Watched:
            read = False

            def __iter__(self):
                Watched.read = True
                return iter(regression())

        model = mlp()
        before = {k: v.clone() for k, v in model.state_dict().items()}
        optimizer = OPTIMIZERS["adam"](model.parameters())

        with pytest.raises(error, match=re.escape(message)):
            lrfinder.lr_find(model, optimizer, Watched(), F.mse_loss, num_steps=20, **kwargs)

        assert not Watched.read
        assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
        assert not optimizer.state


class EpochSeededSampler(torch.utils.data.Sampler):
    """Shuffles from its own seed plus the epoch, as DistributedSampler does (the training loop
    calls set_epoch): reseeding torch's generators does not change its order."""

    def __init__(self, n):
        self.n, self.epoch = n, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        order = torch.randperm(self.n, generator=torch.Generator().manual_seed(100 + self.epoch))
        return iter(order.tolist())

    def __len__(self):
        return self.n


@pytest.mark.parametrize("batched", [False, True], ids=["sequential", "batched"])
def test_runs_of_an_epoch_seeded_sampler_see_other_orders_and_its_epoch_comes_back(batched):
    """Each later run moves such a sampler to another epoch, so the runs differ (on the
    batched path too, where the copies share the sampler), and its epoch is put back."""
    torch.manual_seed(0)
    X = torch.randn(64, 8, dtype=torch.float64)
    y = X.sum(1)
    sampler = EpochSeededSampler(64)
    loader = torch.utils.data.DataLoader(
        list(zip(X, y, strict=True)), batch_size=16, sampler=sampler
    )
    model = mlp()

    result = lrfinder.lr_find(model, OPTIMIZERS["adam"](model.parameters()), loader, F.mse_loss,
                              runs=3, num_steps=10, start_lr=1e-5, end_lr=1.0,
                              batched=batched)  # fmt: skip

    assert result.metadata["path"] == ("batched" if batched else "sequential")
    # the same weights at step 0: three first losses, three first batches
    assert len({run.losses[0] for run in result.runs}) == 3
    assert sampler.epoch == 0
