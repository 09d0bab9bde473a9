"""Tests for lrfinder.batch_noise: the knee is lowered half a decade at batches of 32 or less,
and half a decade for optimizers without momentum."""

from __future__ import annotations

import numpy as np
import pytest

from curves import plateau_then_climb
from lrfinder import RangeTestResult, load
from lrfinder.batch_noise import (
    NO_MOMENTUM_FACTOR,
    SMALL_BATCH_FACTOR,
    correction,
    effective_batch,
    small_batch,
    without_momentum,
)
from lrfinder.multirun import aggregate
from lrfinder.suggest import knee, steepest

LRS = np.logspace(-6, 0, 61)
LOSSES = 2.0 - np.tanh(np.log10(LRS) + 3.0) + np.exp(3.0 * (np.log10(LRS) + 0.5))


def sgd(batch_size, momentum=0.9, **extra):
    return {
        "optimizer": "SGD",
        "optimizer_hyperparameters": {"momentum": momentum},
        "batch_size": batch_size,
        "accumulation_steps": 1,
        **extra,
    }


def result_with(metadata, lrs=LRS, losses=LOSSES):
    return RangeTestResult(
        lrs, losses, "completed", lrs[0], lrs[-1], len(lrs), "exp", metadata=metadata
    )


class TestSmallBatch:
    @pytest.mark.parametrize(
        ("metadata", "expected"),
        [
            (sgd(16), True),
            (sgd(32), True),
            (sgd(33), False),
            (sgd(64), False),
            (sgd(8, accumulation_steps=4), True),  # 32 examples per update
            (sgd(16, accumulation_steps=4), False),  # 64 examples per update
            (sgd(4, global_batch_size=16), True),  # torch.distributed: the global batch counts
            (sgd(16, global_batch_size=128), False),
            (sgd(16, momentum=0.0), True),  # plain SGD too
            ({**sgd(16), "optimizer": "Adam"}, True),  # and every other optimizer
            ({"batch_size": 16}, True),
            ({"optimizer": "SGD", "optimizer_hyperparameters": {"momentum": 0.9}}, False),
            (sgd(True), False),  # a bool is not a batch size
            (sgd(0), False),
            ({}, False),
        ],
    )
    def test_which_setups_count(self, metadata, expected):
        """Only an effective batch of 32 or less counts, whatever the optimizer."""
        assert small_batch(metadata) is expected

    def test_effective_batch(self):
        """Batch x accumulation, or the global batch when torch.distributed recorded one."""
        assert effective_batch(sgd(8, accumulation_steps=4)) == 32
        assert effective_batch(sgd(8, accumulation_steps=4, global_batch_size=64)) == 64
        assert effective_batch({"optimizer": "SGD"}) is None

    def test_only_the_knee_is_corrected(self):
        """The factor was measured for knee; other rules get (1, '')."""
        assert correction("knee", sgd(16)) == (SMALL_BATCH_FACTOR, "x0.32 for batch 16")
        assert correction("steepest", sgd(16)) == (1.0, "")
        assert correction("knee", sgd(64)) == (1.0, "")


class TestWithoutMomentum:
    @pytest.mark.parametrize(
        ("metadata", "expected"),
        [
            (sgd(64, momentum=0), True),  # plain SGD
            (sgd(64, momentum=0.0), True),
            ({"optimizer": "RMSprop", "optimizer_hyperparameters": {"momentum": 0}}, True),
            (sgd(64), False),
            ({"optimizer": "Adam", "optimizer_hyperparameters": {"betas": [0.9, 0.999]}}, False),
            ({"optimizer": "Adam", "optimizer_hyperparameters": {"beta_1": 0.9}}, False),  # Keras
            (sgd(64, momentum=False), False),  # a bool is not a momentum
            ({"optimizer": "SGD"}, False),  # not recorded: unknown, left alone
            ({"optimizer_hyperparameters": None}, False),
            ({}, False),
        ],
    )
    def test_which_setups_count(self, metadata, expected):
        """Only a recorded momentum of exactly 0 counts."""
        assert without_momentum(metadata) is expected

    def test_the_factors_multiply_and_the_note_names_both(self):
        """Without momentum at batch 64: x0.32; at batch 16: x0.10; other rules: nothing."""
        assert correction("knee", sgd(64, momentum=0)) == (
            NO_MOMENTUM_FACTOR,
            "x0.32 without momentum",
        )
        factor, note = correction("knee", sgd(16, momentum=0))
        np.testing.assert_allclose(factor, SMALL_BATCH_FACTOR * NO_MOMENTUM_FACTOR)
        assert note == "x0.10 for batch 16, without momentum"
        assert correction("steepest", sgd(16, momentum=0)) == (1.0, "")

    def test_result_suggestion_takes_it(self):
        """result.suggestion of an RMSprop run at batch 64 is the knee x10**-0.5, with a note."""
        metadata = {
            "optimizer": "RMSprop",
            "optimizer_hyperparameters": {"momentum": 0},
            "batch_size": 64,
        }

        suggestion = result_with(metadata).suggest()

        np.testing.assert_allclose(suggestion.lr, knee(LRS, LOSSES).lr * 10**-0.5, rtol=1e-12)
        assert suggestion.note == "x0.32 without momentum"


class TestResultSuggestion:
    def test_lowers_the_knee_half_a_decade_and_says_so(self):
        """result.suggestion is the knee times 10**-0.5, with a note; the bare rule is not."""
        plain = knee(LRS, LOSSES).lr
        result = result_with(sgd(16))

        suggestion = result.suggest()
        np.testing.assert_allclose(suggestion.lr, plain * 10**-0.5, rtol=1e-12)
        assert suggestion.note == "x0.32 for batch 16"
        assert result.suggestion == suggestion.lr
        assert "suggested lr (knee, x0.32 for batch 16): " in result.summary()

    def test_same_through_every_way_of_asking_for_the_knee(self):
        """suggest(), suggest('knee') and suggest('knee', skip_start=0) agree."""
        result = result_with(sgd(16))

        lrs = {
            result.suggest().lr,
            result.suggest("knee").lr,
            result.suggest("knee", skip_start=0).lr,
        }

        assert len(lrs) == 1

    def test_leaves_other_setups_and_rules_alone(self):
        """A batch of 64, an unknown batch and the steepest rule keep the curve's own reading."""
        assert result_with(sgd(64)).suggestion == knee(LRS, LOSSES).lr
        assert result_with({"optimizer": "SGD"}).suggestion == knee(LRS, LOSSES).lr
        assert result_with(sgd(16)).suggest("steepest") == steepest(LRS, LOSSES)
        assert result_with({}).suggest().note == ""

    @pytest.mark.parametrize(
        ("metadata", "decades"),
        [(sgd(16), 0.5), (sgd(16, momentum=0), 1.0), (sgd(64, momentum=0), 0.75), (sgd(64), 0.25)],
    )
    def test_on_a_quiet_plateau_only_the_no_momentum_correction_stacks(self, metadata, decades):
        """A GRU-like curve that never descends: a small batch's correction replaces the
        quarter-decade back-off below the climb (batch 16: half a decade), the no-momentum one
        multiplies whatever that leaves (alone: three quarters of a decade; with a small batch:
        a decade). Measured with 20 seeds per task (``benchmarks/STACKING.md``)."""
        lrs, losses = plateau_then_climb(0)
        plain = result_with({}, lrs, losses)
        assert not plain.curve.clearly_descends
        assert not plain.curve.late_climb
        climb = plain.curve.lrs[plain.curve.climb_index]

        corrected = result_with(metadata, lrs, losses)

        assert np.log10(climb / corrected.suggestion) == pytest.approx(decades, abs=0.051)
        assert corrected.suggest("knee", skip_start=0).lr == corrected.suggestion

    def test_on_a_noisy_plateau_the_correction_stacks_on_the_back_off(self):
        """A noisy regression's curve that never clearly descends: its climb is seen late, so
        the batch correction multiplies the quarter-decade back-off."""
        lrs, losses = plateau_then_climb(0, noise=0.46)
        plain = result_with({}, lrs, losses)
        assert not plain.curve.clearly_descends
        assert plain.curve.late_climb
        climb = plain.curve.lrs[plain.curve.climb_index]

        corrected = result_with(sgd(16), lrs, losses)

        assert np.log10(climb / corrected.suggestion) == pytest.approx(0.75, abs=0.051)

    def test_stays_inside_the_swept_range(self):
        """A suggestion near the start is clipped to the first rung, not moved below the sweep."""
        lrs = np.logspace(-3, 1, 41)
        noise = 0.01 * np.random.default_rng(0).standard_normal(lrs.size)
        losses = 1.0 + noise + np.where(np.log10(lrs) > -2.8, 5 * (np.log10(lrs) + 2.8), 0.0)
        assert knee(lrs, losses).lr * 10**-0.5 < lrs[0]  # the climb comes 2.5x above the start

        suggestion = result_with(sgd(16), lrs, losses).suggest()

        assert suggestion.lr == lrs[0]
        assert suggestion.index == 0

    def test_survives_save_and_load(self, tmp_path):
        """The metadata travels with the saved result, and so does the correction."""
        result = result_with(sgd(16))

        again = load(result.save(tmp_path / "run.json"))

        assert again.suggest() == result.suggest()

    def test_several_runs_aggregate_the_corrected_suggestions(self):
        """runs=N: the median of the runs' corrected suggestions, with their note."""
        runs = [result_with(sgd(16), LRS, LOSSES * scale) for scale in (1.0, 1.1, 1.2)]

        combined = aggregate(runs)

        assert combined.suggest().note == "x0.32 for batch 16"
        np.testing.assert_allclose(
            combined.suggestion, np.median([r.suggestion for r in runs]), rtol=1e-9
        )
