"""Tests of the divergence stop rule."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrfinder import StopRule


def first_stop(rule, losses):
    """Feeds losses to a fresh copy of the rule; returns (index, reason) of the first stop."""
    rule = rule.for_run(len(losses))
    for index, loss in enumerate(losses):
        reason = rule.update(float(loss))
        if reason is not None:
            return index, reason
    return None, None


def typical_curve(n=100, noise=0.02, seed=0):
    """Plateau, descent, then divergence, on a 1e-7 -> 10 ladder."""
    x = np.log10(np.logspace(-7, 1, n))
    clean = 2.3 - 2.0 / (1 + np.exp(-(x + 3) / 0.3)) + np.exp((x + 0.5) / 0.25)
    return clean + np.random.default_rng(seed).normal(scale=noise, size=n)


class TestStopRule:
    def test_non_finite_stops_at_once(self):
        """A NaN or inf loss stops the run at that very step, whatever the settings."""
        for bad in (math.nan, math.inf, -math.inf):
            index, reason = first_stop(StopRule(stop_factor=None), [2.0, 1.9, bad, 1.0])

            assert (index, reason) == (2, "non-finite")

    def test_fires_after_the_minimum_on_a_typical_curve(self):
        """On plateau, descent and blow-up, the rule fires after the minimum, once the loss has clearly climbed."""
        losses = typical_curve()

        index, reason = first_stop(StopRule(), losses)

        assert reason == "diverged"
        assert index > int(np.argmin(losses))
        assert losses[index] > losses.min() + 0.5 * (2.3 - losses.min())

    @given(a=st.floats(0.001, 1000.0), b=st.floats(-1000.0, 1000.0), seed=st.integers(0, 50))
    @settings(max_examples=60, deadline=None)
    def test_invariant_to_affine_maps(self, a, b, seed):
        """Scaling and shifting the losses (a > 0) never moves the stop, so negative losses work."""
        losses = typical_curve(seed=seed)

        assert first_stop(StopRule(), a * losses + b) == first_stop(StopRule(), losses)

    @given(seed=st.integers(0, 200), noise=st.floats(0.001, 1.0))
    @settings(max_examples=80, deadline=None)
    def test_quiet_on_a_noisy_plateau(self, seed, noise):
        """Pure noise around a constant never looks like divergence."""
        losses = 2.3 + np.random.default_rng(seed).normal(scale=noise, size=100)

        assert first_stop(StopRule(), losses) == (None, None)

    def test_can_be_switched_off(self):
        """With stop_factor=None a blow-up is recorded to the end."""
        assert first_stop(StopRule(stop_factor=None), typical_curve()) == (None, None)

    def test_larger_factor_stops_later(self):
        """The threshold is tunable: a larger stop_factor lets the loss climb further."""
        losses = typical_curve()

        early, _ = first_stop(StopRule(stop_factor=0.2), losses)
        late, _ = first_stop(StopRule(stop_factor=2.0), losses)

        assert early < late

    def test_quiet_before_min_steps(self):
        """No divergence stop during the first min_steps points, even if the loss shoots up."""
        losses = [1.0, 1.0, 1.0] + [2.0**k for k in range(1, 40)]

        default_index, _ = first_stop(StopRule(), losses)
        index, reason = first_stop(StopRule(min_steps=25), losses)

        assert reason == "diverged"
        assert default_index < 24 <= index

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            (
                {"stop_factor": 0.0},
                "`stop_factor` must be a finite number > 0, got stop_factor=0.0. Use None to turn divergence stopping off.",
            ),
            ({"beta": 1.0}, "`beta` must be in [0, 1), got beta=1.0."),
            ({"min_steps": 0}, "`min_steps` must be an integer >= 1, got min_steps=0."),
        ],
        ids=["stop_factor", "beta", "min_steps"],
    )
    def test_rejects_bad_arguments(self, kwargs, message):
        """Each bad setting is named, with its value, in the error."""
        with pytest.raises(ValueError) as excinfo:
            StopRule(**kwargs)

        assert str(excinfo.value) == message
