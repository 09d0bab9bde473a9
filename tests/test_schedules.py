"""Tests for lrfinder.schedules: torch's schedulers configured from a range-test result."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrfinder

torch = pytest.importorskip("torch")
schedules = pytest.importorskip("lrfinder.schedules")


@pytest.fixture
def result() -> lrfinder.RangeTestResult:
    """A synthetic curve whose steepest descent is at lr = 1e-3."""
    lrs = np.logspace(-6, 0, 61)
    losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
    return lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")


def _sgd(lrs=(0.01,), momentum=0.9):
    """An SGD optimizer with one small linear layer per lr in ``lrs``, one group each."""
    torch.manual_seed(0)
    groups = [{"params": torch.nn.Linear(2, 1).parameters(), "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, momentum=momentum)


def _trace(optimizer, scheduler, steps, key="lr"):
    """The value of ``key`` in every group before each of ``steps`` scheduler steps."""
    values = []
    for _ in range(steps):
        values.append([_first(group[key]) for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return values


def _first(value):
    return value[0] if isinstance(value, tuple) else value


class TestOneCycle:
    def test_matches_torch_built_by_hand(self, result):
        """The lr and momentum at every step equal a OneCycleLR built with the same numbers."""
        ours_opt, ref_opt = _sgd(), _sgd()
        ours = schedules.one_cycle(result, ours_opt, total_steps=50)
        ref = torch.optim.lr_scheduler.OneCycleLR(
            ref_opt, max_lr=result.suggestion, total_steps=50, base_momentum=0.85, max_momentum=0.95
        )

        lrs = (_trace(ours_opt, ours, 50), _trace(ref_opt, ref, 50))
        momenta = (ours_opt.param_groups[0]["momentum"], ref_opt.param_groups[0]["momentum"])

        assert lrs[0] == lrs[1]
        assert momenta[0] == momenta[1]

    def test_peak_is_the_suggestion_and_ratios_are_kept(self, result):
        """Each group peaks at suggestion x its lr ratio to the first group."""
        optimizer = _sgd(lrs=(0.01, 0.1, 0.0))

        scheduler = schedules.one_cycle(result, optimizer, total_steps=100)
        peaks = np.max(_trace(optimizer, scheduler, 100), axis=0)

        np.testing.assert_allclose(peaks, [result.suggestion * r for r in (1, 10, 0)], rtol=1e-12)
        assert [g["max_lr"] for g in optimizer.param_groups] == [
            result.suggestion,
            result.suggestion * 10.0,
            0.0,
        ]

    def test_cycles_adam_beta1(self, result):
        """With Adam, beta1 cycles 0.95 -> 0.85 -> 0.95 and beta2 is left alone."""
        optimizer = torch.optim.Adam(torch.nn.Linear(2, 1).parameters(), betas=(0.9, 0.99))

        scheduler = schedules.one_cycle(result, optimizer, total_steps=20)
        betas = _trace(optimizer, scheduler, 20, key="betas")

        assert betas[0] == [0.95]
        assert min(b[0] for b in betas) == 0.85
        assert optimizer.param_groups[0]["betas"][1] == 0.99

    def test_leaves_plain_sgd_without_momentum(self, result):
        """SGD built without momentum keeps momentum 0 (torch would switch it on)."""
        optimizer = _sgd(momentum=0.0)

        scheduler = schedules.one_cycle(result, optimizer, total_steps=10)
        _trace(optimizer, scheduler, 10)

        assert scheduler.cycle_momentum is False
        assert optimizer.param_groups[0]["momentum"] == 0.0

    def test_leaves_adam_without_beta1_without_momentum(self, result):
        """Adam built with beta1 = 0 keeps it at 0, as plain SGD keeps momentum 0."""
        optimizer = torch.optim.Adam(torch.nn.Linear(2, 1).parameters(), betas=(0.0, 0.99))

        scheduler = schedules.one_cycle(result, optimizer, total_steps=10)
        _trace(optimizer, scheduler, 10)

        assert scheduler.cycle_momentum is False
        assert optimizer.param_groups[0]["betas"] == (0.0, 0.99)

    def test_overrides_win(self, result):
        """Keyword overrides reach OneCycleLR and replace the defaults."""
        optimizer = _sgd()

        schedules.one_cycle(result, optimizer, 10, div_factor=10.0, max_momentum=0.9, pct_start=1)

        assert optimizer.param_groups[0]["initial_lr"] == result.suggestion / 10.0
        assert optimizer.param_groups[0]["momentum"] == 0.9

    def test_method_on_the_result_delegates(self, result):
        """result.one_cycle builds the same scheduler as schedules.one_cycle."""
        optimizer = _sgd()

        scheduler = result.one_cycle(optimizer, total_steps=10)

        assert isinstance(scheduler, torch.optim.lr_scheduler.OneCycleLR)
        assert optimizer.param_groups[0]["max_lr"] == result.suggestion

    @pytest.mark.parametrize(
        ("call", "error", "message"),
        [
            (
                lambda r: schedules.one_cycle(r, _sgd(), total_steps=1),
                ValueError,
                "`total_steps` must be an integer >= 2, got total_steps=1.",
            ),
            (
                lambda r: schedules.one_cycle(r, "sgd", total_steps=10),
                TypeError,
                "`optimizer` must be a torch.optim.Optimizer, got optimizer=str. Pass the "
                "optimizer itself (for Lightning, the one configure_optimizers returns).",
            ),
            (
                lambda r: schedules.one_cycle(r, _sgd(lrs=(0.0, 0.1)), total_steps=10),
                ValueError,
                "the first param group's lr must be > 0 to keep the groups' ratios, got "
                "lrs=[0.0, 0.1]. Give every group its intended lr before building the schedule "
                "(a frozen group may have lr 0, but not the first one).",
            ),
            (
                lambda r: schedules.one_cycle(0.01, _sgd(), total_steps=10),
                TypeError,
                "`result` must be an lrfinder RangeTestResult, got result=float. Pass what "
                "lrfinder.lr_find or lrfinder.load returned.",
            ),
        ],
        ids=["total_steps", "optimizer", "zero-first-group", "result"],
    )
    def test_rejects_bad_arguments(self, result, call, error, message):
        """Each bad argument is named, with its value, before anything is built."""
        with pytest.raises(error) as excinfo:
            call(result)

        assert str(excinfo.value) == message


class TestCyclic:
    def test_bounds_come_from_lr_range(self, result):
        """base_lr and max_lr are lr_range's bounds, scaled by each group's ratio."""
        optimizer = _sgd(lrs=(0.01, 0.05))
        low, high = result.lr_range

        scheduler = schedules.cyclic(result, optimizer, step_size_up=5)

        assert scheduler.base_lrs == [low, low * 5.0]
        assert scheduler.max_lrs == [high, high * 5.0]

    def test_matches_torch_built_by_hand(self, result):
        """Every lr of two triangular2 cycles equals a CyclicLR built with the same numbers."""
        ours_opt, ref_opt = _sgd(), _sgd()
        low, high = result.lr_range
        ours = schedules.cyclic(result, ours_opt, 4, mode="triangular2")
        ref = torch.optim.lr_scheduler.CyclicLR(ref_opt, low, high, 4, mode="triangular2")

        lrs = (_trace(ours_opt, ours, 16), _trace(ref_opt, ref, 16))

        assert lrs[0] == lrs[1]
        assert lrs[0][4] == [high]

    def test_cycles_adam_beta1_and_not_plain_sgd(self, result):
        """Adam's beta1 is cycled; plain SGD is given no momentum."""
        adam = torch.optim.Adam(torch.nn.Linear(2, 1).parameters())
        plain = _sgd(momentum=0.0)

        on_adam = schedules.cyclic(result, adam, 3)
        on_plain = schedules.cyclic(result, plain, 3)

        assert on_adam.cycle_momentum is True
        assert adam.param_groups[0]["betas"][0] == 0.9
        assert on_plain.cycle_momentum is False
        assert plain.param_groups[0]["momentum"] == 0.0

    def test_method_on_the_result_delegates(self, result):
        """result.cyclic passes the mode and overrides through."""
        optimizer = _sgd()

        scheduler = result.cyclic(optimizer, 3, mode="exp_range", gamma=0.99)

        assert (scheduler.mode, scheduler.gamma) == ("exp_range", 0.99)

    def test_rejects_an_unknown_mode(self, result):
        """An unknown mode is named with the choices."""
        with pytest.raises(ValueError) as excinfo:
            schedules.cyclic(result, _sgd(), 3, mode="cosine")

        assert str(excinfo.value) == (
            "`mode` must be one of 'triangular', 'triangular2', 'exp_range', got mode='cosine'."
        )


class TestSgdr:
    def test_matches_torch_built_by_hand(self, result):
        """The lrs equal CosineAnnealingWarmRestarts started from the suggestion."""
        ours_opt, ref_opt = _sgd(), _sgd()
        ref_opt.param_groups[0]["lr"] = result.suggestion
        ours = schedules.sgdr(result, ours_opt, first_cycle_steps=3, cycle_mult=2, min_lr=1e-5)
        ref = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(ref_opt, 3, 2, eta_min=1e-5)

        lrs = (_trace(ours_opt, ours, 12), _trace(ref_opt, ref, 12))

        assert lrs[0] == lrs[1]
        assert lrs[0][3] == [result.suggestion]  # the first restart


class TestSgdrArguments:
    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            (
                {"min_lr": -1.0},
                ValueError,
                "`min_lr` must be a finite number >= 0, got min_lr=-1.0.",
            ),
            ({"min_lr": "0"}, TypeError, "`min_lr` must be a real number, got min_lr='0' (str)."),
            (
                {"cycle_mult": 0},
                ValueError,
                "`cycle_mult` must be an integer >= 1, got cycle_mult=0.",
            ),
        ],
        ids=["negative-min_lr", "string-min_lr", "cycle_mult"],
    )
    def test_rejects_bad_arguments(self, result, kwargs, error, message):
        """Each bad argument is named, with its value, before the optimizer is touched."""
        optimizer = _sgd()

        with pytest.raises(error) as excinfo:
            schedules.sgdr(result, optimizer, 10, **kwargs)

        assert str(excinfo.value) == message
        assert optimizer.param_groups[0]["lr"] == 0.01


class TestApply:
    @settings(max_examples=30, deadline=None)
    @given(lrs=st.lists(st.floats(1e-6, 10.0), min_size=1, max_size=4))
    def test_keeps_every_group_ratio(self, lrs):
        """For any group lrs, the first group gets the suggestion and every ratio is unchanged."""
        curve = np.logspace(-6, 0, 61)
        losses = 2 - np.tanh(np.log10(curve) + 3) + np.exp(3 * (np.log10(curve) + 0.5))
        result = lrfinder.RangeTestResult(curve, losses, "completed", 1e-6, 1.0, 61, "exp")
        optimizer = _sgd(lrs=tuple(lrs))

        values = schedules.apply(result, optimizer)

        assert values[0] == result.suggestion
        np.testing.assert_allclose(np.array(values) / values[0], np.array(lrs) / lrs[0], rtol=1e-12)

    def test_sets_the_suggestion_with_ratios(self, result):
        """The first group gets the suggestion; the others keep their ratios."""
        optimizer = _sgd(lrs=(0.02, 0.2))

        values = result.apply(optimizer)

        assert values == [result.suggestion, result.suggestion * 10.0]
        assert [g["lr"] for g in optimizer.param_groups] == values

    def test_updates_a_left_over_initial_lr(self, result):
        """A scheduler built after apply starts from the applied lr, not an old initial_lr."""
        optimizer = _sgd()
        torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)

        schedules.apply(result, optimizer)
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)

        assert scheduler.base_lrs == [result.suggestion]

    def test_fills_tensor_lrs_in_place(self, result):
        """A tensor lr (capturable/fused optimizers) is filled, not replaced."""
        optimizer = torch.optim.Adam(torch.nn.Linear(2, 1).parameters(), lr=torch.tensor(0.1))
        tensor = optimizer.param_groups[0]["lr"]

        schedules.apply(result, optimizer)

        assert optimizer.param_groups[0]["lr"] is tensor
        assert float(tensor) == pytest.approx(result.suggestion, rel=1e-6)  # float32 tensor


def test_sgdr_refuses_a_floor_above_any_groups_peak():
    """A second group at a tenth of the first peaks at a tenth of the suggestion: a min_lr
    above that would make its cycles climb, and is refused, naming the lowest peak."""
    lrs = np.logspace(-6, 0, 61)
    losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
    result = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
    body, head = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    optimizer = torch.optim.SGD(
        [{"params": body.parameters(), "lr": 0.1}, {"params": head.parameters(), "lr": 0.01}]
    )
    floor = result.suggestion * 0.5  # below the first group's peak, above the second's

    with pytest.raises(ValueError, match=r"the lowest is "):
        schedules.sgdr(result, optimizer, first_cycle_steps=10, min_lr=floor)
