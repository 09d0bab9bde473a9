"""lrfinder.transformers against a real transformers.Trainer and a tiny BERT built from a config."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")  # the Trainer needs it

from torch.optim.optimizer import register_optimizer_step_pre_hook  # noqa: E402

import lrfinder  # noqa: E402
import lrfinder.transformers as lt  # noqa: E402


class RecordingTrainer(transformers.Trainer):
    """A Trainer whose compute_loss records each batch's loss and the logits' dtype."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.batch_losses: list[float] = []
        self.logits_dtypes: list[torch.dtype] = []

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
        self.batch_losses.append(float(loss.detach()))
        self.logits_dtypes.append(outputs.logits.dtype)
        return (loss, outputs) if return_outputs else loss


class TokenData(torch.utils.data.Dataset):
    """Synthetic token sequences; the label says whether the first token is above 50."""

    def __init__(self, n: int = 128, length: int = 12) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(1, 100, (n, length), generator=generator)
        self.labels = (self.ids[:, 0] > 50).long()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        return {"input_ids": self.ids[index], "labels": self.labels[index]}


def make_trainer(tmp_path, optimizer=None, **kwargs):
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=100,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=16,
    )
    model = transformers.BertForSequenceClassification(config)
    options = {
        "output_dir": str(tmp_path),
        "per_device_train_batch_size": 16,
        "learning_rate": 5e-5,
        "report_to": [],
        "use_cpu": True,
        "save_strategy": "no",
        "logging_strategy": "no",
        "disable_tqdm": True,
        "seed": 0,
    }
    args = transformers.TrainingArguments(**(options | kwargs))
    return RecordingTrainer(
        model=model, args=args, train_dataset=TokenData(), optimizers=(optimizer, None)
    )


def weights(model):
    return [t.detach().clone() for t in model.state_dict().values()]


def assert_same(actual, expected):
    assert len(actual) == len(expected)
    for a, b in zip(actual, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.fixture
def seen_lrs():
    """Records the param groups' lrs at every optimizer step of any optimizer."""
    record: list[list[float]] = []
    handle = register_optimizer_step_pre_hook(
        lambda opt, args, kwargs: record.append([g["lr"] for g in opt.param_groups])
    )
    yield record
    handle.remove()


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class TestLrFind:
    def test_created_optimizer_sees_the_ladder_and_is_discarded(self, tmp_path, seen_lrs):
        """The optimizer create_optimizer builds steps at the ladder in both groups, and the
        Trainer has no optimizer again afterwards."""
        trainer = make_trainer(tmp_path)

        result = lt.lr_find(
            trainer, start_lr=1e-5, end_lr=1.0, num_steps=8, stop_factor=None, runs=1
        )  # the hook's record holds one run's steps

        ladder = lrfinder.ladder(1e-5, 1.0, 8)
        np.testing.assert_array_equal(np.array(seen_lrs), np.stack([ladder, ladder], axis=1))
        np.testing.assert_array_equal(result.lrs, ladder)
        assert trainer.optimizer is None
        assert result.metadata["framework"] == "transformers"

    def test_restores_weights_rng_and_state(self, tmp_path):
        """Weights, RNGs and the Trainer's global_step are as before."""
        trainer = make_trainer(tmp_path)
        before = weights(trainer.model)
        states = torch.get_rng_state(), random.getstate(), np.random.get_state()[1].copy()

        lt.lr_find(trainer, num_steps=10)

        assert_same(weights(trainer.model), before)
        assert torch.equal(torch.get_rng_state(), states[0])
        assert random.getstate() == states[1]
        np.testing.assert_array_equal(np.random.get_state()[1], states[2])
        assert trainer.state.global_step == 0

    def test_training_afterwards_is_identical(self, tmp_path):
        """trainer.train() after lr_find ends with the same weights as without it."""
        plain = make_trainer(tmp_path / "plain", max_steps=4)
        plain.train()
        trainer = make_trainer(tmp_path / "finder", max_steps=4)

        lt.lr_find(trainer, num_steps=10)
        trainer.train()

        assert_same(weights(trainer.model), weights(plain.model))

    def test_after_training_restores_the_live_optimizer(self, tmp_path):
        """After trainer.train(), the Trainer's own optimizer is swept and its state restored."""
        trainer = make_trainer(tmp_path, max_steps=3)
        trainer.train()
        optimizer = trainer.optimizer.optimizer  # inside accelerate's AcceleratedOptimizer
        before = {
            k: v.clone() for k, v in optimizer.state[optimizer.param_groups[0]["params"][0]].items()
        }
        lrs = [g["lr"] for g in optimizer.param_groups]

        result = lt.lr_find(trainer, num_steps=10)

        after = optimizer.state[optimizer.param_groups[0]["params"][0]]
        assert_same(list(after.values()), list(before.values()))
        assert [g["lr"] for g in optimizer.param_groups] == lrs
        assert len(result.lrs) == 10
        assert trainer.state.global_step == 3

    def test_accumulation_gives_one_point_per_update(self, tmp_path, seen_lrs):
        """With gradient_accumulation_steps=2 each point is one update and the mean of 2 losses."""
        trainer = make_trainer(tmp_path, gradient_accumulation_steps=2)

        result = lt.lr_find(trainer, start_lr=1e-5, end_lr=1e-3, num_steps=5, runs=1)

        assert len(seen_lrs) == len(result.lrs) == 5
        pairs = np.array(trainer.batch_losses).reshape(5, 2).mean(axis=1)
        np.testing.assert_allclose(result.losses, pairs, rtol=1e-6)  # float32 losses

    def test_several_runs_see_other_batch_orders_and_restore(self, tmp_path):
        """runs=3: run 0 is the single run, later runs see the sampler's other orders, and the
        weights, RNGs and the Trainer are as before."""
        trainer = make_trainer(tmp_path)
        before = weights(trainer.model)
        rng = torch.get_rng_state()
        ladder = {"start_lr": 1e-7, "end_lr": 1e-5, "num_steps": 6}

        single = lt.lr_find(trainer, runs=1, **ladder)
        several = lt.lr_find(trainer, runs=3, seed=4, **ladder)

        assert isinstance(several, lrfinder.MultiRunResult)
        np.testing.assert_array_equal(several.runs[0].losses, single.losses)
        assert not np.array_equal(several.runs[1].losses, single.losses)
        assert several.metadata["framework"] == "transformers"
        assert_same(weights(trainer.model), before)
        assert torch.equal(torch.get_rng_state(), rng)
        assert trainer.optimizer is None
        assert trainer.state.global_step == 0

    def test_bf16_autocasts(self, tmp_path):
        """bf16=True runs the forward pass under bfloat16 autocast on CPU."""
        trainer = make_trainer(tmp_path, bf16=True)
        before = weights(trainer.model)

        result = lt.lr_find(trainer, num_steps=5)

        assert set(trainer.logits_dtypes) == {torch.bfloat16}
        assert result.metadata["bf16"] is True
        assert_same(weights(trainer.model), before)

    def test_suggestion(self, tmp_path):
        """The run diverges and suggests an lr on the descent."""
        trainer = make_trainer(tmp_path, max_grad_norm=0.0)

        result = lt.lr_find(trainer, start_lr=1e-5, end_lr=10.0, num_steps=40)

        assert result.stop_reason == "diverged"
        assert 1e-5 < result.suggestion < 1.0

    def test_pretrained_model_gets_the_fine_tuning_note(self, tmp_path):
        """A model loaded from a checkpoint name warns that suggestions run high for fine-tuning."""
        trainer = make_trainer(tmp_path)
        trainer.model.config._name_or_path = "bert-base-uncased"

        with pytest.warns(UserWarning, match="transformers#16013") as record:
            result = lt.lr_find(trainer, num_steps=5)

        assert [str(w.message) for w in record] == [lt.FINE_TUNING_NOTE]
        assert result.metadata["notes"] == [lt.FINE_TUNING_NOTE]

    def test_model_from_a_config_gets_no_note(self, tmp_path):
        """A model built from a config (pre-training) gets no fine-tuning note."""
        trainer = make_trainer(tmp_path)

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result = lt.lr_find(trainer, num_steps=5)

        assert result.metadata["notes"] == []

    def test_rejects_a_trainer_without_data(self, tmp_path):
        """A Trainer without a train_dataset is refused before any work."""
        trainer = make_trainer(tmp_path)
        trainer.train_dataset = None

        with pytest.raises(ValueError) as excinfo:
            lt.lr_find(trainer)

        assert str(excinfo.value) == (
            "`trainer` must have a train_dataset, got train_dataset=None: pass one to Trainer()."
        )


class TestApply:
    def test_train_then_runs_at_the_suggestion(self, tmp_path, seen_lrs):
        """After apply, the optimizer train() builds takes its first step at the suggestion (the
        default linear schedule, no warm-up, starts at its peak), in both weight-decay groups."""
        trainer = make_trainer(tmp_path, max_steps=2)
        result = lt.lr_find(trainer, num_steps=20, runs=1)
        seen_lrs.clear()

        rate = lt.apply(trainer, result)
        trainer.train()

        assert rate == result.suggestion
        assert trainer.args.learning_rate == rate
        assert seen_lrs[0] == pytest.approx([rate, rate])

    def test_a_users_optimizer_gets_it_with_group_ratios_kept(self, tmp_path, seen_lrs):
        torch.manual_seed(0)
        trainer = make_trainer(tmp_path, max_steps=1)
        body = [p for n, p in trainer.model.named_parameters() if "classifier" not in n]
        head = [p for n, p in trainer.model.named_parameters() if "classifier" in n]
        trainer.optimizer = torch.optim.AdamW(
            [{"params": body, "lr": 1e-4}, {"params": head, "lr": 1e-3}]
        )
        result = lt.lr_find(trainer, num_steps=20, runs=1)
        seen_lrs.clear()

        rate = lt.apply(trainer, result)
        trainer.train()

        assert seen_lrs[0] == pytest.approx([rate, 10 * rate])

    def test_refuses_a_scheduler_built_for_the_old_rate(self, tmp_path):
        optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
        trainer = make_trainer(tmp_path)
        trainer.optimizer = optimizer
        trainer.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
        result = lrfinder.RangeTestResult(
            np.logspace(-6, 0, 61), np.linspace(2, 1, 61), "completed", 1e-6, 1.0, 61, "exp"
        )

        with pytest.raises(ValueError, match="already has an lr scheduler \\(LambdaLR\\)"):
            lt.apply(trainer, result)
        assert trainer.args.learning_rate == 5e-5
        assert optimizer.param_groups[0]["lr"] == 0.1

    def test_a_number_is_not_a_result(self, tmp_path):
        with pytest.raises(TypeError, match="got result=float"):
            lt.apply(make_trainer(tmp_path), 0.01)
