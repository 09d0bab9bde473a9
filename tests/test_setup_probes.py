"""Tests for lrfinder.refine_setup: probes built from a factory, ranked by held-out loss."""

from __future__ import annotations

import random

import numpy as np
import pytest

import lrfinder

torch = pytest.importorskip("torch")
from lrfinder.cli import main  # noqa: E402 - after the importorskip
from lrfinder.user_setup import Setup  # noqa: E402

CALLS = {"factory": 0}


def factory() -> Setup:
    """Linear regression on 96 seeded points, SGD with momentum, held-out batch of 32."""
    CALLS["factory"] += 1
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(96, 4, generator=generator)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = torch.nn.Linear(4, 1)
    return Setup(
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        train_data=torch.utils.data.DataLoader(
            list(zip(X[:64], y[:64], strict=True)), batch_size=16
        ),
        loss_fn=torch.nn.functional.mse_loss,
        val_data=[(X[64:], y[64:])],
    )


def without_val_data() -> Setup:
    setup = factory()
    setup.val_data = None
    return setup


def untrainable() -> Setup:
    """A loss that no update can change: every probe ends where it started."""
    setup = factory()
    setup.loss_fn = None
    setup.step_fn = lambda model, batch: (model(batch[0]) * 0.0).sum() + 1.0
    return setup


@pytest.fixture
def result() -> lrfinder.RangeTestResult:
    """A synthetic range test from 1e-6 to 1 whose knee lies between 1e-3 and 1e-1."""
    lrs = np.logspace(-6, 0, 61)
    losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
    return lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")


class TestRefineSetup:
    def test_picks_the_probe_with_the_lowest_held_out_loss(self, result):
        """The winner is the last round's lowest val_loss; every trial is a real training run."""
        refined = lrfinder.refine_setup(factory, result, budget_steps=40)

        last_round = [t for t in refined.trials if t.steps == max(u.steps for u in refined.trials)]
        assert refined.lr == min(last_round, key=lambda t: t.loss).lr
        assert refined.learned is True
        assert refined.initial_lr == result.suggestion
        assert refined.cost_steps <= 40
        assert len({t.loss for t in refined.trials}) > 1

    def test_probes_start_from_the_same_weights(self, result):
        """The same lr and length gives the same held-out loss: each probe is seeded alike."""
        first = lrfinder.refine_setup(factory, result, budget_steps=40)
        again = lrfinder.refine_setup(factory, result, budget_steps=40)

        assert first.trials == again.trials

    def test_keeps_the_suggestion_when_nothing_learns(self, result):
        """On a loss no update can move, the suggestion stands and learned is False."""
        refined = lrfinder.refine_setup(untrainable, result, budget_steps=40)

        assert refined.learned is False
        assert refined.lr == result.suggestion

    def test_runs_the_range_test_when_given_none(self):
        """Without a result, a range test on a fresh setup gives the suggestion to refine."""
        refined = lrfinder.refine_setup(
            factory, budget_steps=40, range_test_kwargs={"num_steps": 40}
        )

        assert 1e-7 <= refined.initial_lr <= 10.0
        assert refined.trials

    def test_leaves_the_global_random_state_as_it_was(self, result):
        """Building setups seeds Python, NumPy and torch; their state comes back afterwards."""
        random.seed(5)
        np.random.seed(5)
        torch.manual_seed(5)
        expected = (random.random(), np.random.rand(), float(torch.rand(1)))
        random.seed(5)
        np.random.seed(5)
        torch.manual_seed(5)

        lrfinder.refine_setup(factory, result, budget_steps=40)

        assert (random.random(), np.random.rand(), float(torch.rand(1))) == expected

    def test_refuses_a_setup_without_val_data_before_training(self, result):
        """Probes are ranked on held-out data: a setup without it is refused at once."""
        with pytest.raises(ValueError) as excinfo:
            lrfinder.refine_setup(without_val_data, result, budget_steps=40)

        assert str(excinfo.value) == (
            "the factory's setup has no val_data: probes are ranked by their loss on held-out "
            "data. Return val_data=<a DataLoader of validation batches> from the factory."
        )

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            (
                {"budget_steps": 0},
                ValueError,
                "`budget_steps` must be an integer >= 1, got budget_steps=0.",
            ),
            (
                {"budget_steps": 5},
                ValueError,
                "`budget_steps` must be at least 22 for 5 candidates with eta=3, got "
                "budget_steps=5: the first round's probes would get one step each, which a "
                "1cycle schedule takes at its floor, not near the rate probed. Raise the budget "
                "or use fewer candidates.",
            ),
            (
                {"budget_steps": 21},
                ValueError,
                "`budget_steps` must be at least 22 for 5 candidates with eta=3, got "
                "budget_steps=21: the first round's probes would get one step each, which a "
                "1cycle schedule takes at its floor, not near the rate probed. Raise the budget "
                "or use fewer candidates.",
            ),
            (
                {"budget_steps": 40, "result": "run.json"},
                TypeError,
                "`result` must be a RangeTestResult, got result=str. Pass what lrfinder.lr_find "
                "or lrfinder.load returned, or None to run one here.",
            ),
        ],
    )
    def test_rejects_bad_arguments_before_building_anything(self, kwargs, error, message):
        """Bad arguments are named before the factory is called."""
        CALLS["factory"] = 0
        with pytest.raises(error) as excinfo:
            lrfinder.refine_setup(factory, **kwargs)

        assert str(excinfo.value) == message
        assert CALLS["factory"] == 0


_FACTORY_SOURCE = """
import torch
from lrfinder.user_setup import Setup


def factory():
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(96, 4, generator=generator)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = torch.nn.Linear(4, 1)
    return Setup(
        model,
        torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        torch.utils.data.DataLoader(list(zip(X[:64], y[:64], strict=True)), batch_size=16),
        torch.nn.functional.mse_loss,
        val_data=[(X[64:], y[64:])],
    )
"""


class TestRefineCommand:
    def test_prints_every_probe_and_the_refined_lr(self, tmp_path, result, capsys):
        """`lrfinder refine FILE.py:factory --result RUN.json` prints the trials and the winner."""
        path = tmp_path / "my_setup.py"
        path.write_text(_FACTORY_SOURCE)
        saved = tmp_path / "run.json"
        result.save(saved)

        code = main(["refine", f"{path}:factory", "--budget-steps", "40", "--result", str(saved)])

        out = capsys.readouterr().out
        refined = lrfinder.refine_setup(f"{path}:factory", result, budget_steps=40)
        assert code == 0
        assert f"suggestion: {result.suggestion:.3g}" in out
        assert out.count("\n") == 5 + len(refined.trials)
        assert "probes (successive halving, each round's best go on, longer): " in out
        assert out.rstrip().endswith(
            f"refined lr: {refined.lr:.3g} ({refined.cost_steps} probe steps)"
        )

    def test_a_rate_capped_at_the_floor_is_marked(self, tmp_path, capsys):
        """A candidate the curve's floor capped (it would sit far past the loss's minimum)
        shows as such, so two rates a few percent apart do not puzzle the reader."""
        path = tmp_path / "my_setup.py"
        path.write_text(_FACTORY_SOURCE)
        lrs = np.logspace(-6, 0, 61)  # falls near 1e-3, drifts lower to 0.25, then climbs
        x = np.log10(lrs)
        losses = 2 - np.tanh(x + 3) - 0.05 * (x + 3) + np.where(x > -0.5, 10 * (x + 0.5) ** 2, 0)
        run = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61)
        saved = tmp_path / "run.json"
        run.save(saved)

        main(["refine", f"{path}:factory", "--budget-steps", "40", "--result", str(saved)])

        out = capsys.readouterr().out.splitlines()
        rows = [line for line in out if line.endswith("(capped at the range test's loss floor)")]
        capped = lrfinder.probe._floor_lr(run)
        assert rows
        assert all(line.split()[0] == f"{capped:.3g}" for line in rows)

    def test_a_missing_budget_is_a_usage_error(self, capsys):
        """--budget-steps is required: argparse says so and exits with 2."""
        with pytest.raises(SystemExit) as excinfo:
            main(["refine", "lrfinder.data:digits_demo"])

        assert excinfo.value.code == 2
        assert "--budget-steps" in capsys.readouterr().err
