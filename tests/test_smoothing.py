"""Tests of the causal EMA and the zero-lag analysis smoother."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrfinder.smoothing import CausalEMA, default_sigma_points, ema, local_linear

finite = st.floats(-1e6, 1e6, allow_nan=False)


class TestEma:
    @given(value=finite, length=st.integers(1, 200), beta=st.floats(0.0, 0.999))
    def test_debiased_constant_stays_constant(self, value, length, beta):
        """A debiased EMA of a constant curve is that constant from the first point on."""
        smoothed = ema(np.full(length, value), beta=beta)

        np.testing.assert_allclose(smoothed, value, rtol=1e-9, atol=1e-9)

    def test_matches_running_form(self):
        """The array form and the running form agree point by point."""
        losses = np.random.default_rng(0).normal(size=50)
        running = CausalEMA(0.9)

        streamed = [running.update(x) for x in losses]

        np.testing.assert_allclose(ema(losses, beta=0.9), streamed, rtol=1e-12)

    def test_lag_of_fastai_ema(self):
        """fastai's EMA (beta 0.98) trails a unit step by dozens of points; that is why analysis does not use it."""
        step = np.r_[np.zeros(50), np.ones(50)]

        smoothed = ema(step, beta=0.98)

        # Closed form: (1 - 0.98**50) / (1 - 0.98**100); 50 points after the step, still 27% short.
        assert smoothed[-1] == pytest.approx((1 - 0.98**50) / (1 - 0.98**100), rel=1e-12)
        assert smoothed[-1] < 0.75


class TestLocalLinear:
    @given(a=st.floats(0.01, 100.0), b=finite)
    def test_equivariant_to_affine_maps(self, a, b):
        """Smoothing a * y + b gives a * fit + b and a * slope."""
        x = np.linspace(0.0, 5.0, 60)
        y = np.sin(x) + np.random.default_rng(1).normal(scale=0.1, size=60)

        fit, slope = local_linear(x, y, 3.0)
        fit_t, slope_t = local_linear(x, a * y + b, 3.0)

        np.testing.assert_allclose(fit_t, a * fit + b, rtol=1e-7, atol=1e-6 * (abs(b) + a))
        # Subtracting b back out costs about eps * |b| times the local fit's conditioning.
        np.testing.assert_allclose(slope_t, a * slope, rtol=1e-6, atol=1e-7 * a + 1e-13 * abs(b))

    def test_has_no_lag(self):
        """On a symmetric bump the smoothed peak stays where the true peak is."""
        x = np.linspace(-3.0, 3.0, 121)
        y = np.exp(-(x**2))

        fit, _ = local_linear(x, y, 4.0)

        assert int(np.argmax(fit)) == 60

    def test_recovers_a_quadratic_exactly(self):
        """A local quadratic reproduces a parabola; the slope is its derivative in the interior."""
        x = np.linspace(-2.0, 2.0, 41)

        fit, slope = local_linear(x, x**2, 2.0)

        np.testing.assert_allclose(fit, x**2, atol=1e-9)
        np.testing.assert_allclose(slope[10:31], 2 * x[10:31], atol=1e-9)

    def test_ignores_non_finite_points(self):
        """NaN and inf get zero weight: the curve around them is still smooth and finite."""
        x = np.linspace(0.0, 1.0, 30)
        y = 2.0 * x
        y[10], y[20] = np.nan, np.inf

        fit, _ = local_linear(x, y, 2.0)

        np.testing.assert_allclose(fit, 2.0 * x, atol=1e-9)

    def test_rejects_bad_width(self):
        """The kernel width is named in the error."""
        with pytest.raises(ValueError) as excinfo:
            local_linear([0.0, 1.0], [1.0, 2.0], 0.0)

        assert (
            str(excinfo.value)
            == "`sigma_points` must be a finite number > 0, got sigma_points=0.0."
        )


class TestDefaultSigma:
    def test_same_width_in_decades_for_any_density(self):
        """100 and 1000 steps over the same range smooth over the same span of learning rate."""
        coarse = np.log(np.logspace(-7, 1, 100))
        fine = np.log(np.logspace(-7, 1, 1000))

        ratio = default_sigma_points(fine, "log") / default_sigma_points(coarse, "log")

        assert ratio == pytest.approx(999 / 99)
