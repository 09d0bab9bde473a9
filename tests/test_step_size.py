"""The step-size reading (lrfinder.step_size) and how the default suggestion blends it in."""

import math

import numpy as np
import pytest

import lrfinder
from lrfinder import RangeTestResult
from lrfinder.multirun import aggregate
from lrfinder.step_size import (
    LINEAR_BAND,
    TYPICAL_STEP_LOG10,
    SensitivityMeter,
    blend,
    momentum_lag,
    optimizer_family,
    scale_rate,
)

LRS = np.logspace(-6, 0, 61)
# A clean descent whose knee sits near 1e-3.
CLEAN = 2 - np.tanh(np.log10(LRS) + 3)


def adam(k, **extra):
    return {"optimizer": "Adam", "update_sensitivity": k, **extra}


class TestSensitivityMeter:
    def test_reads_the_median_ratio_inside_the_band(self):
        meter = SensitivityMeter()
        for lr, k in ((1e-4, 2.0), (2e-4, 3.0), (4e-4, 2.4), (1e-3, 100.0), (2e-3, 100.0)):
            meter.add(lr, weight_norm=1.0, update_norm=k * lr)
        # The last two steps' relative updates (0.1, 0.2) are past the band: ignored, and
        # measuring ends.
        assert meter.value() == 2.4
        assert not meter.measuring

    def test_ignores_steps_below_the_band_and_keeps_measuring(self):
        meter = SensitivityMeter()
        low, _ = LINEAR_BAND
        for lr in (1e-9, 1e-8, 1e-7):
            meter.add(lr, weight_norm=1.0, update_norm=low * lr)  # relative update ~1e-13
        assert meter.value() is None
        assert meter.measuring

    def test_needs_three_steps_in_the_band(self):
        meter = SensitivityMeter()
        for lr in (1e-4, 2e-4):
            meter.add(lr, weight_norm=1.0, update_norm=lr)
        assert meter.value() is None

    @pytest.mark.parametrize(("weight", "update"), [(0.0, 1e-4), (1.0, math.nan), (1.0, math.inf)])
    def test_skips_steps_it_cannot_read(self, weight, update):
        meter = SensitivityMeter()
        for _ in range(5):
            meter.add(1e-4, weight_norm=weight, update_norm=update)
        assert meter.value() is None
        assert meter.measuring

    def test_one_noisy_step_above_the_band_does_not_end_it(self):
        meter = SensitivityMeter()
        meter.add(1e-3, weight_norm=1.0, update_norm=5e-3)  # above the band
        assert meter.measuring
        meter.add(1e-4, weight_norm=1.0, update_norm=1e-4)  # back in it
        meter.add(2e-3, weight_norm=1.0, update_norm=1e-2)
        assert meter.measuring
        meter.add(3e-3, weight_norm=1.0, update_norm=2e-2)
        assert not meter.measuring


class TestScaleRate:
    @pytest.mark.parametrize(
        ("metadata", "family"),
        [
            ({"optimizer": "SGD", "optimizer_hyperparameters": {"momentum": 0.9}}, "SGD"),
            (
                {"optimizer": "SGD", "optimizer_hyperparameters": {"momentum": 0}},
                "SGD, no momentum",
            ),
            ({"optimizer": "AdamW"}, "AdamW"),
            ({"optimizer": "RMSprop", "optimizer_hyperparameters": {"alpha": 0.99}}, "RMSprop"),
            ({"optimizer": "RMSprop", "optimizer_hyperparameters": {"rho": 0.99}}, "RMSprop"),
            (
                {"optimizer": "RMSprop", "optimizer_hyperparameters": {"alpha": 0.9}},
                "RMSprop, other settings",
            ),
            (  # Keras' default
                {"optimizer": "RMSprop", "optimizer_hyperparameters": {"rho": 0.9}},
                "RMSprop, other settings",
            ),
            (
                {"optimizer": "RMSprop", "optimizer_hyperparameters": {"momentum": 0.5}},
                "RMSprop, other settings",
            ),
            (
                {
                    "framework": "keras",
                    "optimizer": "SGD",
                    "optimizer_hyperparameters": {"momentum": 0.9},
                },
                "SGD, velocity form",
            ),
            (  # on the exponential ladder the Keras adapter records the lag: back on torch's scale
                {
                    "framework": "keras",
                    "optimizer": "SGD",
                    "optimizer_hyperparameters": {"momentum": 0.9},
                    "momentum_lag": 0.4,
                },
                "SGD",
            ),
            (
                {"framework": "keras", "optimizer": "SGD", "optimizer_hyperparameters": {}},
                "SGD, no momentum",
            ),
            ({}, ""),
        ],
    )
    def test_families(self, metadata, family):
        assert optimizer_family(metadata) == family

    def test_is_the_typical_step_over_the_sensitivity(self):
        assert scale_rate(adam(50.0)) == pytest.approx(10 ** TYPICAL_STEP_LOG10["Adam"] / 50.0)

    @pytest.mark.parametrize(
        "metadata",
        [
            {"optimizer": "Adam"},  # not measured (Keras, JAX, a result from before)
            adam(math.nan),
            adam(0.0),
            adam("3"),
            {"optimizer": "Adagrad", "update_sensitivity": 5.0},  # no fitted constant
            {  # measured, on another scale than the constant's
                "optimizer": "RMSprop",
                "optimizer_hyperparameters": {"rho": 0.9},
                "update_sensitivity": 5.0,
            },
        ],
    )
    def test_none_where_it_cannot_say(self, metadata):
        assert scale_rate(metadata) is None
        assert blend(1e-3, metadata) == (1e-3, "")

    def test_blend_is_the_geometric_mean(self):
        k = 10 ** TYPICAL_STEP_LOG10["Adam"] / 1e-2  # the scale alone says 1e-2
        lr, note = blend(1e-4, adam(k))
        assert lr == pytest.approx(1e-3)
        assert note == "blended with the step-size reading 0.01"


class TestMomentumLag:
    @pytest.mark.parametrize("lag", [None, 0.0, -0.5, 1.5, math.nan, "0.4", True])
    def test_only_a_factor_in_the_unit_interval_counts(self, lag):
        assert momentum_lag({"momentum_lag": lag}) == 1.0

    def test_the_reading_is_divided_by_the_lag(self):
        keras_sgd = {
            "framework": "keras",
            "optimizer": "SGD",
            "optimizer_hyperparameters": {"momentum": 0.9},
            "update_sensitivity": 4.0,
        }
        assert scale_rate(keras_sgd) is None  # no lag recorded: another scale, no blend
        lagged = keras_sgd | {"momentum_lag": 0.4}
        assert scale_rate(lagged) == pytest.approx(10 ** TYPICAL_STEP_LOG10["SGD"] * 0.4 / 4.0)

    def test_the_knee_is_multiplied_by_the_lag_before_the_blend(self):
        knee = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61).suggest("knee").lr
        meta = {
            "framework": "keras",
            "optimizer": "SGD",
            "optimizer_hyperparameters": {"momentum": 0.9},
            "momentum_lag": 0.4,
        }
        lagged = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=meta)
        assert lagged.suggestion == pytest.approx(knee * 0.4, rel=1e-9)
        assert lagged.suggest().note == "x0.40 for Keras' momentum lag on the ladder"
        k = 10 ** TYPICAL_STEP_LOG10["SGD"] * 0.4 / 1e-2  # the scale alone says 1e-2
        both = RangeTestResult(
            LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=meta | {"update_sensitivity": k}
        )
        assert both.suggestion == pytest.approx(math.sqrt(knee * 0.4 * 1e-2), rel=1e-9)
        for method in ("steepest", "minimum", "valley"):  # the peers' readings stay as read
            assert lagged.suggest(method).lr == pytest.approx(
                RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61).suggest(method).lr
            )

    def test_several_runs_keep_the_lag_in_their_note(self):
        meta = {
            "framework": "keras",
            "optimizer": "SGD",
            "optimizer_hyperparameters": {"momentum": 0.9},
            "momentum_lag": 0.4,
        }
        runs = [
            RangeTestResult(
                LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=meta | {"update_sensitivity": k}
            )
            for k in (5.0, 10.0, 20.0)
        ]
        scale = scale_rate(runs[1].metadata)
        assert aggregate(runs).suggest().note == (
            f"x0.40 for Keras' momentum lag on the ladder; blended with the step-size reading "
            f"{scale:.3g}"
        )


class TestDefaultSuggestion:
    def test_the_knee_is_blended_and_the_other_rules_are_not(self):
        plain = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61)
        k = 10 ** TYPICAL_STEP_LOG10["Adam"] / 1e-1  # the scale alone says 0.1
        blended = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=adam(k))

        knee = plain.suggest("knee").lr
        assert blended.suggestion == pytest.approx(math.sqrt(knee * 0.1), rel=1e-9)
        assert blended.suggest().note == "blended with the step-size reading 0.1"
        for method in ("steepest", "minimum", "valley"):
            assert blended.suggest(method) == plain.suggest(method)

    def test_the_blend_stays_within_the_tested_range(self):
        k = 10 ** TYPICAL_STEP_LOG10["Adam"] / 1e6  # an absurd scale reading: 1e6
        result = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=adam(k))
        assert result.suggestion == LRS[-1]

    def test_the_small_batch_correction_comes_first(self):
        k = 10 ** TYPICAL_STEP_LOG10["Adam"] / 1e-2
        small = adam(k, batch_size=16)
        result = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=small)
        knee = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61).suggest("knee").lr
        assert result.suggestion == pytest.approx(math.sqrt(knee * 10**-0.5 * 1e-2), rel=1e-9)
        assert result.suggest().note == (
            "x0.32 for batch 16; blended with the step-size reading 0.01"
        )

    def test_the_reading_survives_a_save_and_load(self, tmp_path):
        result = RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=adam(12.5))
        result.save(tmp_path / "r.json")
        loaded = lrfinder.load(tmp_path / "r.json")
        assert loaded.metadata["update_sensitivity"] == 12.5
        assert loaded.suggestion == result.suggestion

    def test_several_runs_take_the_median_and_name_it(self):
        runs = [
            RangeTestResult(LRS, CLEAN, "completed", 1e-6, 1.0, 61, metadata=adam(k))
            for k in (5.0, 10.0, 20.0)
        ]
        result = aggregate(runs)
        assert result.suggestion == pytest.approx(runs[1].suggestion, rel=1e-9)
        scale = scale_rate(runs[1].metadata)
        assert result.suggest().note == f"blended with the step-size reading {scale:.3g}"


class TestPlateauWarning:
    def test_says_the_plateau_reading_was_blended(self):
        flat = 2.3 + 0.01 * np.sin(np.arange(61))
        flat[-8:] = 2.3 + np.linspace(0.2, 3, 8)  # flat, then a climb
        k = 10 ** TYPICAL_STEP_LOG10["Adam"] / 1e-3
        result = RangeTestResult(LRS, flat, "diverged", 1e-6, 1.0, 61, metadata=adam(k))
        plain = RangeTestResult(LRS, flat, "diverged", 1e-6, 1.0, 61)

        message = next(w for w in result.warnings if w.startswith("The loss never clearly"))
        assert "blended with the step size the optimizer took early in the test" in message
        assert f"lr={result.suggestion:.3g}" in message
        old = next(w for w in plain.warnings if w.startswith("The loss never clearly"))
        assert "as an upper bound" in old
