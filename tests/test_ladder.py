"""Tests of the learning-rate ladder."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrfinder import ladder
from lrfinder.ladder import lr_axis

start_lrs = st.floats(1e-9, 1.0)
ratios = st.floats(1.5, 1e9)
lengths = st.integers(2, 2000)


class TestLadder:
    @given(start_lr=start_lrs, ratio=ratios, num_steps=lengths)
    def test_exp_endpoints_are_exact(self, start_lr, ratio, num_steps):
        """The first rung is start_lr and the last is end_lr, bit for bit."""
        end_lr = start_lr * ratio

        lrs = ladder(start_lr, end_lr, num_steps)

        assert lrs[0] == start_lr
        assert lrs[-1] == end_lr
        assert lrs.shape == (num_steps,)

    @given(start_lr=start_lrs, ratio=ratios, num_steps=st.integers(3, 2000))
    def test_exp_is_geometric(self, start_lr, ratio, num_steps):
        """Consecutive rungs of the exponential ladder share one ratio."""
        lrs = ladder(start_lr, start_lr * ratio, num_steps)

        steps = np.diff(np.log(lrs))

        np.testing.assert_allclose(steps, np.log(ratio) / (num_steps - 1), rtol=1e-6)
        assert np.all(steps > 0)

    @given(start_lr=start_lrs, ratio=ratios, num_steps=st.integers(3, 2000))
    def test_linear_is_evenly_spaced(self, start_lr, ratio, num_steps):
        """The linear ladder has equal steps and exact endpoints."""
        end_lr = start_lr * ratio

        lrs = ladder(start_lr, end_lr, num_steps, mode="linear")

        assert (lrs[0], lrs[-1]) == (start_lr, end_lr)
        np.testing.assert_allclose(np.diff(lrs), (end_lr - start_lr) / (num_steps - 1), rtol=1e-6)

    def test_formula_matches_design(self):
        """The exp ladder is start * (end / start) ** (i / (n - 1)), as DESIGN.md promises."""
        i = np.arange(5)

        expected = 1e-7 * (10.0 / 1e-7) ** (i / 4)

        np.testing.assert_allclose(ladder(1e-7, 10.0, 5), expected, rtol=1e-15)

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            (
                {"start_lr": 0.0},
                ValueError,
                "`start_lr` must be a finite number > 0, got start_lr=0.0. Use a tiny learning rate such as 1e-7.",
            ),
            (
                {"start_lr": float("nan")},
                ValueError,
                "`start_lr` must be a finite number > 0, got start_lr=nan. Use a tiny learning rate such as 1e-7.",
            ),
            (
                {"end_lr": 1e-8},
                ValueError,
                "`end_lr` must be greater than `start_lr`, got start_lr=1e-07, end_lr=1e-08. The ladder climbs from start_lr to end_lr.",
            ),
            (
                {"num_steps": 1},
                ValueError,
                "`num_steps` must be an integer >= 2, got num_steps=1. A range test needs at least 2 steps; 100 is usual.",
            ),
            (
                {"num_steps": 2.5},
                TypeError,
                "`num_steps` must be an integer, got num_steps=2.5 (float).",
            ),
            ({"mode": "log"}, ValueError, "`mode` must be one of 'exp', 'linear', got mode='log'."),
            (
                {"start_lr": "1e-7"},
                TypeError,
                "`start_lr` must be a real number, got start_lr='1e-7' (str).",
            ),
        ],
        ids=[
            "start_zero",
            "start_nan",
            "end_below_start",
            "one_step",
            "float_steps",
            "mode",
            "string",
        ],
    )
    def test_rejects_bad_arguments(self, kwargs, error, message):
        """Each bad argument is named, with its value and a way out, in the error."""
        arguments = {"start_lr": 1e-7, "end_lr": 10.0, "num_steps": 100} | kwargs

        with pytest.raises(error) as excinfo:
            ladder(**arguments)

        assert str(excinfo.value) == message


class TestLrAxis:
    def test_recognises_each_ladder(self):
        """Geometric ladders are 'log', evenly spaced ones 'linear'."""
        assert lr_axis(ladder(1e-6, 1.0, 50)) == "log"
        assert lr_axis(ladder(1e-6, 1.0, 50, mode="linear")) == "linear"
