"""lrfinder.lightning against the real Lightning Trainer, and against Lightning's own finder."""

from __future__ import annotations

import logging
import random
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

import lrfinder  # noqa: E402
import lrfinder.lightning as ll  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore::UserWarning", "ignore::DeprecationWarning", "ignore::FutureWarning"
)
logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
logging.getLogger("lightning.fabric").setLevel(logging.ERROR)


class Regression(pl.LightningModule):
    """A two-layer regression with dropout (so the RNG matters) and per-step records."""

    def __init__(self, lr: float = 0.05, head_ratio: float = 1.0, scheduler: bool = False) -> None:
        super().__init__()
        self.lr = lr
        self.head_ratio = head_ratio
        self.scheduler = scheduler
        self.body = torch.nn.Sequential(
            torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Dropout(0.1)
        )
        self.head = torch.nn.Linear(16, 1)
        self.seen_lrs: list[list[float]] = []
        self.batch_losses: list[float] = []
        self.output_dtypes: list[torch.dtype] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        output = self.head(self.body(x))
        self.output_dtypes.append(output.dtype)
        loss = torch.nn.functional.mse_loss(output.float(), y)
        self.batch_losses.append(float(loss.detach()))
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(
            [
                {"params": self.body.parameters()},
                {"params": self.head.parameters(), "lr": self.lr * self.head_ratio},
            ],
            lr=self.lr,
        )
        optimizer.register_step_pre_hook(
            lambda opt, args, kwargs: self.seen_lrs.append([g["lr"] for g in opt.param_groups])
        )
        if not self.scheduler:
            return optimizer
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)]


class CountingCallback(pl.Callback):
    """A user callback with state: counts the training batches it has seen."""

    def __init__(self) -> None:
        self.batches = 0

    def on_train_batch_end(self, *args) -> None:
        self.batches += 1

    def state_dict(self):
        return {"batches": self.batches}


def make_data(n: int = 256, batch_size: int = 32):
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(n, 8, generator=generator)
    y = torch.tanh(X @ torch.randn(8, 1, generator=generator))
    return torch.utils.data.DataLoader(
        list(zip(X, y, strict=True)), batch_size=batch_size, shuffle=True
    )


def make_trainer(**kwargs):
    options = {
        "max_epochs": 1,
        "logger": False,
        "enable_progress_bar": False,
        "enable_checkpointing": False,
        "enable_model_summary": False,
        "accelerator": "cpu",
        "devices": 1,
    }
    return pl.Trainer(**(options | kwargs))


def weights(module):
    return [t.detach().clone() for t in module.state_dict().values()]


def assert_same_weights(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class TestLrFind:
    def test_optimizer_sees_the_ladder_in_every_group(self):
        """Each optimizer step runs at the ladder's lr; the second group keeps its ratio of 0.1."""
        torch.manual_seed(0)
        module = Regression(head_ratio=0.1)

        result = ll.lr_find(
            make_trainer(),
            module,
            train_dataloaders=make_data(),
            start_lr=1e-5,
            end_lr=1.0,
            num_steps=12,
            stop_factor=None,
            runs=1,  # the module's record holds one run's steps
        )

        seen = np.array(module.seen_lrs)
        expected = lrfinder.ladder(1e-5, 1.0, 12)
        np.testing.assert_allclose(seen[:, 0], expected, rtol=1e-15)
        np.testing.assert_allclose(seen[:, 1], 0.1 * expected, rtol=1e-12)
        np.testing.assert_array_equal(result.lrs, expected)
        assert result.metadata["framework"] == "lightning"

    def test_restores_weights_rng_and_trainer(self):
        """Weights, RNGs, the module's trainer link and the trainer's counters are as before."""
        torch.manual_seed(0)
        module, trainer = Regression(), make_trainer()
        before = weights(module)
        states = (torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy())

        ll.lr_find(trainer, module, train_dataloaders=make_data(), num_steps=15)

        assert_same_weights(weights(module), before)
        assert torch.equal(torch.get_rng_state(), states[0])
        assert random.getstate() == states[1]
        np.testing.assert_array_equal(np.random.get_state()[1], states[2])
        assert module._trainer is None
        assert "log" not in vars(module)
        assert (trainer.global_step, trainer.current_epoch) == (0, 0)

    def test_accumulation_gives_one_point_per_optimizer_step(self):
        """With accumulate_grad_batches=3 each point is one update and the mean of 3 batch losses."""
        torch.manual_seed(0)
        module = Regression()

        result = ll.lr_find(
            make_trainer(accumulate_grad_batches=3),
            module,
            train_dataloaders=make_data(),
            start_lr=1e-5,
            end_lr=1e-2,
            num_steps=6,
            runs=1,  # the module's record holds one run's steps
        )

        assert len(module.seen_lrs) == len(result.lrs) == 6
        windows = np.array(module.batch_losses).reshape(6, 3).mean(axis=1)
        np.testing.assert_allclose(result.losses, windows, rtol=1e-6)  # float32 losses

    def test_bf16_mixed_autocasts_and_restores(self):
        """precision='bf16-mixed' runs training_step under bfloat16 autocast and still restores."""
        torch.manual_seed(0)
        module = Regression()
        before = weights(module)

        result = ll.lr_find(
            make_trainer(precision="bf16-mixed"),
            module,
            train_dataloaders=make_data(),
            num_steps=10,
        )

        assert set(module.output_dtypes) == {torch.bfloat16}
        assert result.metadata["precision"] == "bf16-mixed"
        assert_same_weights(weights(module), before)

    def test_16_mixed_uses_the_plugins_grad_scaler(self):
        """With a 16-mixed plugin, steps run in float16 through its GradScaler; overflowing
        updates are retried at the same lr, and the scaler's state is restored."""
        from lightning.pytorch.plugins import MixedPrecision

        scaler = torch.amp.GradScaler("cpu", init_scale=2.0**40)  # overflows at first
        trainer = make_trainer(plugins=[MixedPrecision("16-mixed", "cpu", scaler=scaler)])
        torch.manual_seed(0)
        module = Regression()
        before, scaler_state = weights(module), scaler.state_dict()

        result = ll.lr_find(
            trainer, module, train_dataloaders=make_data(), num_steps=10, runs=1
        )  # skipped_updates is a per-run fact

        assert set(module.output_dtypes) == {torch.float16}
        assert result.metadata["skipped_updates"] > 0
        assert len(result.lrs) == 10
        assert scaler.state_dict() == scaler_state
        assert_same_weights(weights(module), before)

    def test_several_runs_see_other_batch_orders_and_restore(self):
        """runs=3: run 0 is the single run, later runs see the shuffling loader's other orders,
        and weights, RNGs and the trainer are as before."""
        torch.manual_seed(0)
        module, trainer = Regression(), make_trainer()
        before = weights(module)
        rng = torch.get_rng_state()
        ladder = {"start_lr": 1e-6, "end_lr": 1e-4, "num_steps": 8}

        single = ll.lr_find(trainer, module, train_dataloaders=make_data(), runs=1, **ladder)
        several = ll.lr_find(
            trainer, module, train_dataloaders=make_data(), runs=3, seed=2, **ladder
        )

        assert isinstance(several, lrfinder.MultiRunResult)
        assert len(several.runs) == 3
        np.testing.assert_array_equal(several.runs[0].losses, single.losses)
        assert not np.array_equal(several.runs[1].losses, single.losses)
        assert not np.array_equal(several.runs[1].losses, several.runs[2].losses)
        assert several.metadata["framework"] == "lightning"
        assert_same_weights(weights(module), before)
        assert torch.equal(torch.get_rng_state(), rng)
        assert (trainer.global_step, trainer.current_epoch) == (0, 0)

    def test_auto_reruns_a_flat_curve_but_not_a_one_shot_iterator(self):
        """By default a curve that never descends gets five runs; batches from a one-shot
        iterator keep their one run, and the note says why."""
        torch.manual_seed(0)
        flat = {"start_lr": 1e-9, "end_lr": 1e-7, "num_steps": 8}

        rerun = ll.lr_find(make_trainer(), Regression(), train_dataloaders=make_data(), **flat)
        kept = ll.lr_find(
            make_trainer(), Regression(), train_dataloaders=iter(list(make_data()) * 2), **flat
        )

        assert len(rerun.runs) == 5
        assert (
            rerun.metadata["runs_auto"] == "5 runs: the first run's curve never clearly descended"
        )
        assert type(kept) is lrfinder.RangeTestResult
        assert kept.metadata["runs_auto"].startswith(
            "1 run: its curve never clearly descended, but `data` is a one-shot iterator"
        )

    def test_suggestion_from_a_datamodule(self):
        """A datamodule is set up and read (its setup's RNG draws undone); the suggestion lies on
        the descending part."""

        class Data(pl.LightningDataModule):
            def setup(self, stage):
                self.order = torch.randperm(256)  # draws from the global RNG, as random_split does
                self.loader = make_data()

            def train_dataloader(self):
                return self.loader

        torch.manual_seed(0)
        module, trainer = Regression(), make_trainer()
        state = torch.get_rng_state()

        result = ll.lr_find(trainer, module, datamodule=Data(), num_steps=60)

        assert result.stop_reason == "diverged"
        assert 1e-4 < result.suggestion < 1.0
        assert torch.equal(torch.get_rng_state(), state)

    def test_rejects_manual_optimization(self):
        """A module with automatic_optimization=False is refused with advice."""
        module = Regression()
        module.automatic_optimization = False

        with pytest.raises(ValueError) as excinfo:
            ll.lr_find(make_trainer(), module, train_dataloaders=make_data())

        assert str(excinfo.value) == (
            "`module` must use automatic optimization, got Regression with "
            "automatic_optimization=False. Use lrfinder.lr_find(module, optimizer, data, "
            "step_fn=...) with your own step."
        )

    def test_rejects_an_unconverted_module_for_true_precision(self):
        """precision='bf16-true' with float32 parameters is refused with what to do."""
        with pytest.raises(ValueError) as excinfo:
            ll.lr_find(
                make_trainer(precision="bf16-true"), Regression(), train_dataloaders=make_data()
            )

        assert str(excinfo.value) == (
            "precision='bf16-true' needs the module's parameters in torch.bfloat16, got "
            "torch.float32: convert it first (module.to(torch.bfloat16)), or run the range test "
            "from LRFinderCallback, after fit has converted it."
        )

    def test_configure_optimizers_sees_the_trainer_or_says_what_to_do(self):
        """configure_optimizers may read self.trainer (it is attached); one that needs a running
        fit (1cycle sized by estimated_stepping_batches, -1 before it) gets advice, chained to
        its own error, and nothing has trained."""
        read = []

        class SizedByTheFit(Regression):
            def configure_optimizers(self):
                read.append(self.trainer.max_epochs)
                optimizer = torch.optim.AdamW(self.parameters(), lr=self.lr)
                total = self.trainer.estimated_stepping_batches
                schedule = torch.optim.lr_scheduler.OneCycleLR(
                    optimizer, self.lr, total_steps=total
                )
                return {"optimizer": optimizer, "lr_scheduler": schedule}

        module = SizedByTheFit()
        with pytest.raises(ValueError) as excinfo:
            ll.lr_find(make_trainer(), module, train_dataloaders=make_data())

        assert read == [make_trainer().max_epochs]
        assert str(excinfo.value).startswith(
            "configure_optimizers() failed outside trainer.fit (ValueError: Expected positive "
            "integer total_steps"
        )
        assert "optimizer=torch.optim.AdamW(module.parameters())" in str(excinfo.value)
        assert isinstance(excinfo.value.__cause__, ValueError)
        assert module.batch_losses == []

    def test_a_datamodule_that_reads_the_trainer_is_attached_as_fit_attaches_it(self):
        """setup() reading self.trainer works (fit attaches the trainer first); afterwards the
        datamodule is detached again."""
        seen = []

        class Data(pl.LightningDataModule):
            def setup(self, stage):
                seen.append(self.trainer.max_epochs)

            def train_dataloader(self):
                return make_data()

        data = Data()
        ll.lr_find(make_trainer(max_epochs=3), Regression(), datamodule=data, num_steps=10)

        assert seen == [3]
        assert data.trainer is None

    def test_a_gradient_accumulation_scheduler_sets_the_accumulation(self):
        """Lightning 2 varies accumulation by epoch with a callback: its value for the epoch is
        the one fit uses, and the range test's."""
        from lightning.pytorch.callbacks import GradientAccumulationScheduler

        trainer = make_trainer(callbacks=[GradientAccumulationScheduler({0: 4})])

        result = ll.lr_find(trainer, Regression(), train_dataloaders=make_data(), num_steps=6)

        assert result.metadata["accumulation_steps"] == 4

    def test_rejects_missing_data(self):
        """Without any training data the error says where data can come from."""
        with pytest.raises(ValueError) as excinfo:
            ll.lr_find(make_trainer(), Regression())

        assert str(excinfo.value) == (
            "no training data: pass train_dataloaders=... or datamodule=..., or define "
            "Regression.train_dataloader()."
        )


class TestAgainstLightningTuner:
    def test_same_ladder_as_tuner(self):
        """Tuner(min_lr, max_lr, num_training=N) sweeps our num_steps=N+1 ladder less its rung 1."""
        from lightning.pytorch.tuner import Tuner

        torch.manual_seed(0)
        module, trainer, data = Regression(), make_trainer(max_epochs=10), make_data()
        theirs = Tuner(trainer).lr_find(
            module,
            train_dataloaders=data,
            min_lr=1e-6,
            max_lr=1.0,
            num_training=20,
            early_stop_threshold=None,
            update_attr=False,
        )

        ours = ll.lr_find(
            trainer,
            module,
            train_dataloaders=data,
            start_lr=1e-6,
            end_lr=1.0,
            num_steps=21,
            stop_factor=None,
        )

        # Lightning skips the exponent 1/N (its first ratio is the square of the others).
        np.testing.assert_allclose(ours.lrs[[0, *range(2, 21)]], theirs.results["lr"], rtol=1e-12)

    def test_mid_training_run_leaves_training_unchanged(self):
        """At epoch 1 ours records the full curve and training ends bit-identical to no finder;
        Lightning's LearningRateFinder records one point (issue #4846) and changes training."""
        from lightning.pytorch.callbacks import LearningRateFinder

        class TheirsAtEpoch1(LearningRateFinder):
            points = None

            def on_fit_start(self, *args):
                pass

            def on_train_epoch_start(self, trainer, pl_module):
                if trainer.current_epoch == 1:
                    self.lr_find(trainer, pl_module)
                    self.points = len(self.optimal_lr.results["lr"])

        def fit(finder):
            torch.manual_seed(0)
            module, counter = Regression(scheduler=True), CountingCallback()
            callbacks = [counter] + ([finder] if finder else [])
            trainer = make_trainer(max_epochs=3, callbacks=callbacks)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                trainer.fit(module, make_data())
            return weights(module), trainer.global_step, counter.batches

        plain = fit(None)
        ours_finder = ll.LRFinderCallback(epochs=(1,), start_lr=1e-6, end_lr=1.0, num_steps=20)
        ours = fit(ours_finder)
        theirs_finder = TheirsAtEpoch1(
            min_lr=1e-6, max_lr=1.0, num_training_steps=20, update_attr=False
        )
        theirs = fit(theirs_finder)

        assert_same_weights(ours[0], plain[0])
        assert ours[1:] == plain[1:] == (24, 24)
        assert len(ours_finder.results[1].lrs) == 20
        assert theirs_finder.points == 1
        assert not all(torch.equal(a, b) for a, b in zip(theirs[0], plain[0], strict=True))


class TestLRFinderCallback:
    def test_runs_at_the_given_epochs_and_reports(self):
        """The callback runs once per listed epoch and passes each result to on_result."""
        seen = []
        finder = ll.LRFinderCallback(
            epochs=(0, 2),
            num_steps=8,
            on_result=lambda trainer, module, result: seen.append(
                (trainer.current_epoch, trainer.global_step, len(result.lrs))
            ),
        )
        torch.manual_seed(0)

        make_trainer(max_epochs=3, callbacks=[finder]).fit(Regression(), make_data())

        assert seen == [(0, 0, 8), (2, 16, 8)]
        assert sorted(finder.results) == [0, 2]

    def test_rejects_fit_arguments(self):
        """Arguments that the running fit provides are refused."""
        with pytest.raises(TypeError) as excinfo:
            ll.LRFinderCallback(optimizer=None)

        assert str(excinfo.value) == (
            "`optimizer` is taken from the running fit, got optimizer= in LRFinderCallback()."
        )

    def test_refuses_the_fits_persistent_workers(self):
        """The fit's loader with persistent workers is refused (its epoch iterator is live)."""
        data = make_data()
        loader = torch.utils.data.DataLoader(
            data.dataset, batch_size=32, num_workers=1, persistent_workers=True
        )
        finder = ll.LRFinderCallback(num_steps=4)

        with pytest.raises(ValueError) as excinfo:
            make_trainer(callbacks=[finder]).fit(Regression(), loader)

        assert str(excinfo.value) == (
            "the fit's training DataLoader has persistent_workers=True: the range test would "
            "reset the workers' iterator of the epoch under way. Pass "
            "LRFinderCallback(train_dataloaders=...) a loader of its own."
        )


class WithHparams(Regression):
    """Reads its rate from ``self.hparams.learning_rate``, as save_hyperparameters() leaves it."""

    def __init__(self, learning_rate: float = 0.05) -> None:
        super().__init__()
        del self.lr
        self.save_hyperparameters()

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=self.hparams.learning_rate)
        optimizer.register_step_pre_hook(
            lambda opt, args, kwargs: self.seen_lrs.append([g["lr"] for g in opt.param_groups])
        )
        return optimizer


class TestApply:
    def test_fit_then_trains_at_the_suggestion_with_group_ratios(self):
        torch.manual_seed(0)
        module = Regression(head_ratio=10.0)
        result = ll.lr_find(make_trainer(), module, train_dataloaders=make_data(), runs=1)
        module.seen_lrs.clear()

        rate = ll.apply(module, result)
        make_trainer(max_steps=2).fit(module, train_dataloaders=make_data())

        assert rate == result.suggestion
        assert module.lr == rate
        assert module.seen_lrs[0] == pytest.approx([rate, 10 * rate])

    def test_finds_learning_rate_in_hparams(self):
        torch.manual_seed(0)
        module = WithHparams()
        result = ll.lr_find(make_trainer(), module, train_dataloaders=make_data(), runs=1)
        module.seen_lrs.clear()

        ll.apply(module, result)
        make_trainer(max_steps=1).fit(module, train_dataloaders=make_data())

        assert module.hparams.learning_rate == result.suggestion
        assert module.seen_lrs[0] == pytest.approx([result.suggestion])

    def test_a_missing_attribute_is_named(self):
        result = lrfinder.RangeTestResult(
            np.logspace(-6, 0, 61), np.linspace(2, 1, 61), "completed", 1e-6, 1.0, 61, "exp"
        )
        with pytest.raises(AttributeError, match="no attribute `lr` or `learning_rate`"):
            ll.apply(pl.LightningModule(), result)
        with pytest.raises(AttributeError, match="no attribute `base_lr`"):
            ll.apply(Regression(), result, attr="base_lr")

    def test_a_number_is_not_a_result(self):
        with pytest.raises(TypeError, match="got result=float"):
            ll.apply(Regression(), 0.01)
