"""Tests of the PyTorch adapter: semantics of each update, and the exact restore."""

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import lrfinder  # noqa: E402
from lrfinder import ladder  # noqa: E402


def seed_everything(seed=0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def batch_16_sgd_range_test():
    """lr_find's default on a small MLP with SGD and momentum at batch 16 (a small batch)."""
    seed_everything()
    X = torch.randn(512, 8)
    y = (X[:, 0] + X[:, 1] > 0).long()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y), batch_size=16, shuffle=True
    )
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return lrfinder.lr_find(model, opt, loader, F.cross_entropy)


def classification_setup(*, bn=True, optimizer="adam", generator=False):
    """A small BN + dropout MLP on synthetic data with a shuffled loader, a few updates in."""
    seed_everything()
    X = torch.randn(256, 8)
    y = (X[:, 0] + X[:, 1] > 0).long()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y),
        batch_size=32,
        shuffle=True,
        generator=torch.Generator().manual_seed(1) if generator else None,
    )
    layers = (
        [nn.Linear(8, 16)]
        + ([nn.BatchNorm1d(16)] if bn else [])
        + [nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2)]
    )
    model = nn.Sequential(*layers)
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train(model, opt, loader, epochs=1, limit=3)  # optimizer state exists before lr_find
    return model, opt, loader


def train(model, opt, loader, epochs=2, limit=None):
    """Plain training; returns every loss and the final weights, plus RNG draws after it."""
    losses = []
    model.train()
    for _ in range(epochs):
        for i, (xb, yb) in enumerate(loader):
            if limit is not None and i >= limit:
                break
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    weights = [t.detach().clone() for t in model.state_dict().values()]
    return losses, weights, (random.random(), float(np.random.rand()), float(torch.rand(())))


def assert_same_training(first, second):
    losses_a, weights_a, rng_a = first
    losses_b, weights_b, rng_b = second
    assert losses_a == losses_b
    assert all(torch.equal(a, b) for a, b in zip(weights_a, weights_b, strict=True))
    assert rng_a == rng_b


class TestRestore:
    @pytest.mark.parametrize("optimizer", ["adam", "sgd"])
    @pytest.mark.parametrize("generator", [False, True], ids=["global_rng", "loader_generator"])
    def test_training_afterwards_is_bit_identical(self, optimizer, generator):
        """BatchNorm, dropout, Adam/SGD state, a shuffled loader: training after lr_find matches training without it."""
        reference = train(*classification_setup(optimizer=optimizer, generator=generator))
        model, opt, loader = classification_setup(optimizer=optimizer, generator=generator)

        lrfinder.lr_find(model, opt, loader, F.cross_entropy, num_steps=40)

        assert_same_training(reference, train(model, opt, loader))

    def test_modes_groups_and_grads_come_back(self):
        """Train/eval flags, param-group settings and existing .grad tensors are restored exactly."""
        model, opt, loader = classification_setup()
        model.eval()
        model[0].train()
        F.cross_entropy(model(torch.randn(4, 8)), torch.tensor([0, 1, 0, 1])).backward()
        grads = [p.grad.clone() for p in model.parameters()]
        groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
        modes = [m.training for m in model.modules()]

        lrfinder.lr_find(model, opt, loader, F.cross_entropy, num_steps=20)

        assert [m.training for m in model.modules()] == modes
        assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] == groups
        assert all(torch.equal(p.grad, g) for p, g in zip(model.parameters(), grads, strict=True))

    def test_restored_when_the_model_raises(self):
        """An exception at step k leaves everything as before and carries the partial curve."""
        reference = train(*classification_setup())
        model, opt, loader = classification_setup()
        calls = {"n": 0}

        def exploding_loss(outputs, targets):
            calls["n"] += 1
            if calls["n"] == 7:
                raise RuntimeError("boom")
            return F.cross_entropy(outputs, targets)

        with pytest.raises(RuntimeError, match="boom") as excinfo:
            lrfinder.lr_find(model, opt, loader, exploding_loss, num_steps=40)

        assert len(excinfo.value.lrfinder_result.losses) == 6
        assert_same_training(reference, train(model, opt, loader))

    def test_restored_on_keyboard_interrupt(self):
        """Ctrl-C returns the partial curve and restores everything."""
        reference = train(*classification_setup())
        model, opt, loader = classification_setup()
        calls = {"n": 0}

        def interrupted_loss(outputs, targets):
            calls["n"] += 1
            if calls["n"] == 10:
                raise KeyboardInterrupt
            return F.cross_entropy(outputs, targets)

        result = lrfinder.lr_find(model, opt, loader, interrupted_loss, num_steps=40)

        assert result.stop_reason == "interrupted"
        assert len(result.losses) == 9
        assert_same_training(reference, train(model, opt, loader))

    def test_fresh_optimizer_stays_fresh(self):
        """An optimizer with no state yet has none after lr_find."""
        seed_everything()
        model = nn.Linear(4, 1)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]

        lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=10)

        assert len(opt.state) == 0

    def test_loader_with_persistent_workers_shuffles_as_before(self):
        """A DataLoader with persistent workers keeps one iterator for life; the range test reads
        it through iterators of its own, so the user's next epochs shuffle as they would have."""

        def setup():
            seed_everything()
            X = torch.randn(128, 8)
            y = (X[:, 0] > 0).long()
            loader = torch.utils.data.DataLoader(
                torch.utils.data.TensorDataset(X, y),
                batch_size=32,
                shuffle=True,
                num_workers=1,
                persistent_workers=True,
            )
            model = nn.Sequential(nn.Linear(8, 2))
            return model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), loader

        reference = train(*setup())
        model, opt, loader = setup()

        lrfinder.lr_find(model, opt, loader, F.cross_entropy, num_steps=6, runs=1)

        assert loader._iterator is None  # no iterator (and no workers) of ours left behind
        assert_same_training(reference, train(model, opt, loader))

    def test_a_sampler_that_counts_its_epochs_comes_back_to_its_epoch(self):
        """accelerate's sampler moves its epoch on after every full pass; a range test longer
        than one pass must not leave the user's next epoch shuffled as a later one."""

        class CountingSampler(torch.utils.data.Sampler):
            def __init__(self, n):
                self.n, self.epoch = n, 0

            def set_epoch(self, epoch):
                self.epoch = epoch

            def __iter__(self):
                generator = torch.Generator().manual_seed(self.epoch)
                yield from torch.randperm(self.n, generator=generator).tolist()
                self.set_epoch(self.epoch + 1)

            def __len__(self):
                return self.n

        sampler = CountingSampler(64)
        data = torch.utils.data.DataLoader(
            [(torch.randn(4), torch.randn(1)) for _ in range(64)], batch_size=16, sampler=sampler
        )
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=12, runs=1)  # three passes

        assert sampler.epoch == 0

    def test_a_loader_with_persistent_workers_restarts_without_piling_up_workers(self):
        """Three batches, twelve steps: the stream restarts the loader four times, and each
        restart stops the workers of the iterator before it."""
        import multiprocessing

        X = torch.randn(48, 4)
        loader = torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(X, X[:, :1]),
            batch_size=16,
            num_workers=1,
            persistent_workers=True,
        )
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        alive = []

        def counting_loss(output, target):
            alive.append(len(multiprocessing.active_children()))
            return F.mse_loss(output, target)

        lrfinder.lr_find(model, opt, loader, counting_loss, num_steps=12, runs=1,
                         stop_factor=None)  # fmt: skip

        assert len(alive) == 12
        assert max(alive) == 1

    def test_a_tensor_lr_comes_back_in_the_same_tensor(self):
        """torch accepts lr as a tensor (capturable optimizers, CUDA graphs): whatever holds that
        tensor must see the restored value, not the ladder's last rate."""
        seed_everything()
        model = nn.Linear(4, 1)
        lr = torch.tensor(1e-3)
        opt = torch.optim.Adam(model.parameters(), lr=lr, foreach=False)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]

        lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=10, runs=1)

        assert opt.param_groups[0]["lr"] is lr
        assert lr.item() == torch.tensor(1e-3).item()

    def test_the_scheduler_still_warns_about_its_order(self):
        """A scheduler warns when scheduler.step() comes before any optimizer.step(); the range
        test's own steps must not silence that warning for the user's training."""
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        torch.optim.lr_scheduler.StepLR(opt, step_size=1)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]
        before = opt.__dict__.get("_opt_called", "absent")

        lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=10, runs=1)

        assert opt.__dict__.get("_opt_called", "absent") == before

    def test_a_queued_cuda_seed_is_kept(self):
        """Before CUDA starts, torch.manual_seed only queues CUDA's seed; several runs reseed,
        and the user's queued seed must be the one CUDA starts with afterwards."""
        tracker = getattr(torch.cuda, "_lazy_seed_tracker", None)
        if tracker is None or torch.cuda.is_initialized():
            pytest.skip("this torch keeps no queue of CUDA seeds, or CUDA has started")
        seed_everything()
        queued = tracker.manual_seed_all_cb
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]

        lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=10, runs=2, batched=False)

        assert tracker.manual_seed_all_cb is queued

    def test_an_optimizer_it_wraps_comes_back_too(self):
        """A Lookahead-style wrapper keeps its inner optimizer (and that one's moments) as an
        attribute: both come back, and training afterwards matches."""

        class Wrapper(torch.optim.Optimizer):
            def __init__(self, inner):  # the shape of torch_optimizer.Lookahead, condensed
                self.inner = inner
                self.param_groups = inner.param_groups
                self.defaults = inner.defaults
                self.state = {}
                self._optimizer_step_pre_hooks = {}
                self._optimizer_step_post_hooks = {}

            def step(self, closure=None):
                return self.inner.step(closure)

        def setup():
            model, adam, loader = classification_setup(bn=False)
            return model, Wrapper(adam), loader

        reference = train(*setup())
        model, wrapper, loader = setup()
        steps_before = [int(s["step"]) for s in wrapper.inner.state.values()]

        lrfinder.lr_find(model, wrapper, loader, F.cross_entropy, num_steps=30, runs=1)

        assert [int(s["step"]) for s in wrapper.inner.state.values()] == steps_before
        assert_same_training(reference, train(model, wrapper, loader))

    def test_plain_attributes_and_empty_slots_of_modules_come_back(self):
        """A layer that initialises itself on its first batch (a flag, a buffer registered as
        None and filled then) is not left initialised by the range test's batches."""

        class InitOnFirstBatch(nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("offset", None)

            def forward(self, x):
                if not getattr(self, "initialized", False):
                    self.offset = x.mean(0).detach()
                    self.initialized = True
                return x - self.offset

        seed_everything()
        model = nn.Sequential(InitOnFirstBatch(), nn.Linear(8, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [(torch.randn(16, 8), torch.randint(0, 2, (16,))) for _ in range(4)]

        lrfinder.lr_find(model, opt, data, F.cross_entropy, num_steps=10, runs=1)

        assert model[0].offset is None
        assert not hasattr(model[0], "initialized")

    def test_a_maximizing_optimizer_is_read_the_right_way_up(self):
        """maximize=True on the negated loss is the same training: the curve is recorded as the
        negated objective, so it falls, stops and is read exactly as the minimised one."""

        def find(maximize):
            seed_everything()
            X = torch.randn(256, 8)
            y = X @ torch.randn(8, 1)
            model = nn.Linear(8, 1)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, maximize=maximize)
            loss = (lambda o, t: -F.mse_loss(o, t)) if maximize else F.mse_loss
            data = [(X[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32)]
            return lrfinder.lr_find(model, opt, data, loss, runs=1)

        plain, maximized = find(False), find(True)

        np.testing.assert_array_equal(maximized.losses, plain.losses)
        assert maximized.suggestion == plain.suggestion
        assert maximized.metadata["recorded_loss"] == "negated objective, maximize=True"

    def test_step_hooks_are_named_in_a_warning(self):
        """Hooks on optimizer.step run during the test; what they change elsewhere is not
        restored, and the user is told."""
        seed_everything()
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        opt.register_step_post_hook(lambda *args: None)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]

        with pytest.warns(UserWarning, match=r"the optimizer has 1 step hook\(s\)"):
            lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=10, runs=1)


class TestSemantics:
    def test_optimizer_sees_the_ladder(self):
        """The lr of the first group at each update is exactly the ladder's rung."""
        model, opt, loader = classification_setup(bn=False)
        seen = []
        handle = opt.register_step_pre_hook(lambda o, a, k: seen.append(o.param_groups[0]["lr"]))

        result = lrfinder.lr_find(
            model, opt, loader, F.cross_entropy, num_steps=30, stop_factor=None
        )
        handle.remove()

        assert seen == ladder(1e-7, 10.0, 30).tolist()
        assert result.lrs.tolist() == seen

    def test_other_groups_keep_their_ratio(self):
        """With two param groups the second follows the ladder at its original ratio."""
        seed_everything()
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        opt = torch.optim.SGD(
            [
                {"params": model[0].parameters(), "lr": 0.1},
                {"params": model[2].parameters(), "lr": 0.01},
            ]
        )
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]
        seen = []
        opt.register_step_pre_hook(lambda o, a, k: seen.append([g["lr"] for g in o.param_groups]))

        lrfinder.lr_find(
            model, opt, data, F.mse_loss, start_lr=1e-4, end_lr=1.0, num_steps=10, stop_factor=None
        )

        np.testing.assert_allclose([b / a for a, b in seen], 0.1, rtol=1e-12)
        assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]

    def test_accumulation_is_one_point_per_update_with_the_mean_loss(self):
        """accumulation_steps=k calls the loss k times per point and records their mean."""
        seed_everything()
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(12)]
        micro = []

        def loss_fn(outputs, targets):
            loss = F.mse_loss(outputs, targets)
            micro.append(loss.item())
            return loss

        steps = []
        opt.register_step_pre_hook(lambda o, a, k: steps.append(1))
        result = lrfinder.lr_find(
            model,
            opt,
            data,
            loss_fn,
            start_lr=1e-6,
            end_lr=1e-5,
            num_steps=5,
            accumulation_steps=3,
            runs=1,  # counts the calls of one run (this flat curve would make "auto" rerun)
        )

        assert len(micro) == 15
        assert len(steps) == 5
        np.testing.assert_allclose(
            result.losses, np.mean(np.reshape(micro, (5, 3)), axis=1), rtol=1e-6
        )

    def test_bfloat16_autocast_on_cpu(self):
        """amp=True on CPU runs under bfloat16 autocast and still gives a suggestion."""
        model, opt, loader = classification_setup(bn=False)
        dtypes = []
        model[0].register_forward_hook(lambda m, i, o: dtypes.append(o.dtype))

        result = lrfinder.lr_find(model, opt, loader, F.cross_entropy, num_steps=30, amp=True)

        assert set(dtypes) == {torch.bfloat16}
        assert result.metadata["amp"] is True
        assert result.lrs[0] <= result.suggestion <= result.lrs[-1]

    def test_skipped_scaler_updates_do_not_advance_the_ladder(self):
        """Updates a GradScaler skips (overflow) leave no point; its state comes back afterwards."""
        seed_everything()
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(5)]
        scaler = torch.amp.GradScaler(
            "cpu", init_scale=2.0**127
        )  # scaled grads overflow float32 at first
        before = scaler.state_dict()
        updated_at = []  # the scaler calls optimizer.step only for updates it does not skip
        opt.register_step_pre_hook(lambda o, a, k: updated_at.append(o.param_groups[0]["lr"]))

        result = lrfinder.lr_find(
            model, opt, data, F.mse_loss, num_steps=10, scaler=scaler, stop_factor=None, runs=1
        )  # one run: its updates are counted, and skipped_updates is a per-run fact

        assert len(result.losses) == 10
        assert result.metadata["skipped_updates"] > 0
        assert updated_at == ladder(1e-7, 10.0, 10).tolist()  # every rung got one real update
        assert scaler.state_dict() == before

    def test_dict_batches_and_models_that_return_their_loss(self):
        """A dict batch goes to model(**batch) and the loss is read from the output."""

        class WithLoss(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(4, 1)

            def forward(self, inputs, labels):
                return {"loss": F.mse_loss(self.linear(inputs), labels)}

        seed_everything()
        model = WithLoss()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [{"inputs": torch.randn(8, 4), "labels": torch.randn(8, 1)} for _ in range(4)]

        result = lrfinder.lr_find(model, opt, data, num_steps=10, stop_factor=None)

        assert len(result.losses) == 10

    def test_dict_batches_for_a_model_that_takes_tensors_say_what_to_do(self):
        """A dict batch goes to model(**batch); a plain model refuses the keywords, and the
        error names the keys and the step_fn that fixes it, chained to torch's own."""
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [{"x": torch.randn(8, 4), "y": torch.randn(8, 1)} for _ in range(3)]

        with pytest.raises(TypeError) as excinfo:
            lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=10, runs=1)

        assert str(excinfo.value).startswith(
            "a dict batch (keys ['x', 'y']) is passed as model(**batch), Hugging Face style, "
            "and the model refused it: "
        )
        assert "step_fn=lambda model, batch:" in str(excinfo.value)
        assert isinstance(excinfo.value.__cause__, TypeError)

    def test_loss_fn_beside_step_fn_is_said_to_be_unused(self):
        """step_fn computes the loss; a loss_fn given too would be silently ignored."""
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(3)]

        def step_fn(model, batch):
            return F.mse_loss(model(batch[0]), batch[1])

        with pytest.warns(UserWarning, match="both loss_fn and step_fn are given"):
            lrfinder.lr_find(model, opt, data, F.mse_loss, step_fn=step_fn, num_steps=10,
                             runs=1)  # fmt: skip

    def test_step_fn_for_anything_else(self):
        """step_fn(model, batch) computes the loss for batches of any shape."""
        seed_everything()
        model = nn.Linear(4, 4)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [torch.randn(8, 4) for _ in range(4)]  # an autoencoder's batches: inputs only

        result = lrfinder.lr_find(
            model, opt, data, step_fn=lambda m, x: F.mse_loss(m(x), x), num_steps=10
        )

        assert len(result.losses) == 10

    def test_one_shot_iterator_runs_out_cleanly(self):
        """An iterator that cannot restart ends the run as 'data-exhausted', with a warning."""
        seed_everything()
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = iter([(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(7)])

        result = lrfinder.lr_find(model, opt, data, F.mse_loss, num_steps=20)

        assert result.stop_reason == "data-exhausted"
        assert len(result.losses) == 7
        assert any("data ran out" in w for w in result.warnings)

    def test_auto_keeps_a_first_run_whose_data_ran_out(self):
        """Data that can be iterated only once runs out; runs="auto" cannot run it again, so it
        returns that first run (as runs=1 would) and says why, instead of failing on no data."""

        class OneShot:  # an iterable, not an iterator, over a single generator
            def __init__(self, batches):
                self.batches = (batch for batch in batches)

            def __iter__(self):
                return self.batches

        seed_everything()
        model = nn.Linear(8, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        batches = [(torch.randn(4, 8), torch.randint(0, 2, (4,))) for _ in range(5)]

        result = lrfinder.lr_find(model, opt, OneShot(batches), F.cross_entropy, num_steps=30)

        assert (result.stop_reason, len(result.losses)) == ("data-exhausted", 5)
        assert result.metadata["runs_auto"].endswith(
            "but the data ran out and cannot be iterated again"
        )

    def test_loaders_are_restarted(self):
        """A loader shorter than the run is iterated again: the run reaches end_lr."""
        model, opt, loader = classification_setup(bn=False)  # 8 batches an epoch

        result = lrfinder.lr_find(
            model, opt, loader, F.cross_entropy, num_steps=30, stop_factor=None
        )

        assert len(result.losses) == 30

    def test_metadata_describes_the_run(self):
        """The result records the optimizer, the batch size and the device."""
        model, opt, loader = classification_setup(bn=False)

        result = lrfinder.lr_find(model, opt, loader, F.cross_entropy, num_steps=10)

        assert result.metadata["optimizer"] == "Adam"
        assert result.metadata["batch_size"] == 32
        assert result.metadata["device"] == "cpu"

    @pytest.mark.parametrize("kind", ["list", "generator"])
    def test_batch_size_of_data_without_a_batch_size(self, kind):
        """A list's first batch, or the first batch a generator yields, gives the batch size."""
        model, opt, loader = classification_setup(bn=False)
        batches = list(loader)
        data = batches if kind == "list" else (b for b in batches * 2)

        result = lrfinder.lr_find(model, opt, data, F.cross_entropy, num_steps=10)

        assert result.metadata["batch_size"] == 32

    def test_sequence_first_batches_leave_the_batch_size_unknown(self):
        """Inputs [time, batch, features] beside targets [batch]: the leading dimensions
        disagree, so no batch size is guessed (the sequence length would have read as a small
        batch, and lowered the suggestion for it)."""
        seed_everything()

        class LastStep(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.GRU(4, 8)  # sequence-first, torch's default
                self.head = nn.Linear(8, 2)

            def forward(self, x):
                return self.head(self.rnn(x)[0][-1])

        model = LastStep()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        data = [(torch.randn(16, 64, 4), torch.randint(0, 2, (64,))) for _ in range(4)]

        result = lrfinder.lr_find(model, opt, data, F.cross_entropy, num_steps=10, runs=1)

        assert result.metadata["batch_size"] is None
        assert "batch" not in result.suggest().note

    def test_small_batch_lowers_the_knee(self):
        """At batch 16: the suggestion is the knee x10**-0.5, and says so."""
        result = batch_16_sgd_range_test()

        curve_only = lrfinder.suggest.knee(result.lrs, result.losses).lr
        del result.metadata["update_sensitivity"]  # the curve's reading alone
        np.testing.assert_allclose(result.suggestion, curve_only * 10**-0.5, rtol=1e-12)
        assert result.suggest().note == "x0.32 for batch 16"

    def test_the_knee_is_blended_with_the_step_size(self):
        """The adapter measures how far a unit of lr moves the weights, and the suggestion is the
        geometric mean of the (corrected) knee and the rate that step size predicts."""
        result = batch_16_sgd_range_test()

        k = result.metadata["update_sensitivity"]
        scale = 10 ** lrfinder.step_size.TYPICAL_STEP_LOG10["SGD"] / k
        knee = lrfinder.suggest.knee(result.lrs, result.losses).lr * 10**-0.5
        np.testing.assert_allclose(result.suggestion, np.sqrt(knee * scale), rtol=1e-12)
        assert (
            result.suggest().note
            == f"x0.32 for batch 16; blended with the step-size reading {scale:.3g}"
        )

    def test_no_reading_where_a_copy_of_the_weights_would_not_fit(self, monkeypatch):
        """On an accelerator short of memory the step size is not measured: the knee alone."""
        monkeypatch.setattr(lrfinder.torch, "room_for_a_copy", lambda params: False)
        seed_everything()
        model, opt, loader = classification_setup()

        result = lrfinder.lr_find(model, opt, loader, F.cross_entropy, runs=1)

        assert "update_sensitivity" not in result.metadata
        assert "blended" not in result.suggest().note

    def test_a_reading_that_fails_never_fails_the_range_test(self, monkeypatch):
        """Tensors the norms cannot read (sharded, say) leave the knee alone, nothing else."""

        def unreadable(*args, **kwargs):
            raise RuntimeError("cannot take this norm")

        monkeypatch.setattr(lrfinder.torch.StepSizeMeter, "add", unreadable)
        seed_everything()
        model, opt, loader = classification_setup()

        result = lrfinder.lr_find(model, opt, loader, F.cross_entropy, runs=1)

        assert result.stop_reason in ("diverged", "completed")
        assert "update_sensitivity" not in result.metadata

    def test_the_sensitivity_is_the_relative_update_per_unit_lr(self):
        """Plain SGD on a linear model: the update is lr x gradient, so the recorded sensitivity
        is |grad| / |w| at the start (where the band measures it)."""
        seed_everything()
        X = torch.randn(256, 4)
        y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
        data = [(X[i : i + 64], y[i : i + 64]) for i in range(0, 256, 64)]
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        model.zero_grad()
        F.mse_loss(model(data[0][0]), data[0][1]).backward()
        params = list(model.parameters())
        start = (
            torch.sqrt(sum((p.grad**2).sum() for p in params))
            / torch.sqrt(sum((p**2).sum() for p in params))
        ).item()
        model.zero_grad(set_to_none=True)

        result = lrfinder.lr_find(model, opt, data, F.mse_loss, start_lr=1e-5, num_steps=50)

        # The ratio drifts as the weights learn; within the band it stays near its start.
        assert 0.3 * start < result.metadata["update_sensitivity"] < 3 * start


class TestBadArguments:
    def test_optimizer_of_another_model(self):
        """An optimizer that holds none of the model's parameters is refused before training."""
        model, _, loader = classification_setup()
        other = torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)

        with pytest.raises(ValueError) as excinfo:
            lrfinder.lr_find(model, other, loader, F.cross_entropy)

        assert str(excinfo.value) == (
            "`optimizer` holds none of the model's parameters (2 tensors in 1 param groups, none "
            "of them in `model`). Build it with optimizer = torch.optim.AdamW(model.parameters(), "
            "...) from this model."
        )

    def test_loss_that_is_not_a_scalar(self):
        """A per-sample loss is refused with a hint to reduce it, and nothing changes."""
        model, opt, loader = classification_setup()
        before = [t.clone() for t in model.state_dict().values()]

        with pytest.raises(ValueError) as excinfo:
            lrfinder.lr_find(
                model, opt, loader, lambda o, t: F.cross_entropy(o, t, reduction="none")
            )

        assert str(excinfo.value) == (
            "the loss must be a scalar, got a tensor of shape (32,): reduce it "
            "(reduction='mean') before returning it."
        )
        assert all(
            torch.equal(a, b) for a, b in zip(before, model.state_dict().values(), strict=True)
        )

    def test_empty_data(self):
        """An empty loader is refused before anything runs."""
        model, opt, _ = classification_setup()

        with pytest.raises(ValueError) as excinfo:
            lrfinder.lr_find(model, opt, [], F.cross_entropy)

        assert (
            str(excinfo.value)
            == "`data` is empty (len(data) == 0): pass a DataLoader with at least one batch."
        )


class TestIterableData:
    def test_loader_over_an_iterable_dataset(self):
        """A DataLoader over an IterableDataset (no len()) works and is restarted when it ends."""

        class Stream(torch.utils.data.IterableDataset):
            def __iter__(self):
                generator = torch.Generator().manual_seed(0)
                for _ in range(40):
                    yield torch.randn(4, generator=generator), torch.randn(1, generator=generator)

        seed_everything()
        model = nn.Linear(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        loader = torch.utils.data.DataLoader(Stream(), batch_size=8)  # 5 batches a pass

        result = lrfinder.lr_find(model, opt, loader, F.mse_loss, num_steps=12, stop_factor=None)

        assert len(result.losses) == 12


class TestNoSync:
    def test_gradient_sync_only_on_the_last_micro_batch(self):
        """With accumulation, a DDP-style model's no_sync() wraps every micro-batch but the last."""
        entered = []

        class SyncCounting(nn.Linear):
            def no_sync(self):
                import contextlib

                entered.append(1)
                return contextlib.nullcontext()

        seed_everything()
        model = SyncCounting(4, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        data = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(6)]

        lrfinder.lr_find(
            model, opt, data, F.mse_loss, num_steps=5, accumulation_steps=3, stop_factor=None
        )

        assert len(entered) == 5 * 2
