"""Tests for lrfinder.diagnostics: each warning on a crafted curve, and silence on good ones."""

from __future__ import annotations

import numpy as np
import pytest

import lrfinder
from curves import CURVES, ladder, plateau_then_climb, truncate_at_blowup
from lrfinder import RangeTestResult
from lrfinder import diagnostics as d
from lrfinder.suggest import prepare_curve


def result(losses, stop_reason="diverged", num_steps=100, start_lr=1e-7, end_lr=10.0):
    lrs = ladder(start_lr, end_lr, num_steps)[: len(losses)]
    return RangeTestResult(lrs, losses, stop_reason, start_lr, end_lr, num_steps, "exp")


def good_curve(seed=0, noise=0.02):
    """The first analytic curve with a little noise, cut where a stop rule would cut it."""
    lrs = ladder()
    losses = CURVES[0].losses(lrs) + noise * np.random.default_rng(seed).standard_normal(lrs.size)
    return truncate_at_blowup(lrs, losses)[1]


class TestGoodCurves:
    @pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
    def test_no_warning_on_clean_curves(self, curve):
        """A clean curve that falls, bottoms out and diverges raises no warning."""
        losses = truncate_at_blowup(ladder(), curve.losses(ladder()))[1]

        assert result(losses).warnings == []

    @pytest.mark.parametrize("seed", range(10))
    def test_no_warning_on_mildly_noisy_curves(self, seed):
        """Noise at 2% of the drop raises no warning, whatever the seed."""
        assert result(good_curve(seed)).warnings == []


class TestNoDescent:
    def test_flat_noise_is_flagged_as_level(self):
        """A curve of pure noise neither descends nor climbs: one warning says it is level
        (not a chance climb and a chance fall still under way, as its noise would suggest)."""
        losses = 1.0 + 0.1 * np.random.default_rng(0).standard_normal(100)

        flat = result(losses, "completed")

        assert flat.warnings == [d.no_descent(flat)]
        assert flat.warnings[0].startswith("The loss neither descended nor climbed: ")
        assert "probe.refine" not in flat.warnings[0]

    def test_a_plateau_that_climbs_names_the_climb(self):
        """Flat, then a climb well above the noise, without a descent: the warning names where
        the climb starts, and no remedy the benchmark found unhelpful (WARNING_ADVICE.md)."""
        _, losses = plateau_then_climb(0)
        plateau = result(losses[:90], "completed")

        message = d.no_descent(plateau)

        climb = plateau.curve.lrs[plateau.curve.climb_index]
        assert message.startswith("The loss never clearly descended: ")
        assert f"starts to climb (lr={climb:.3g})" in message
        assert "that rate is a guess" in message
        assert "verify" not in message

    def test_names_the_rate_where_a_plateau_starts_to_climb(self):
        """On a flat curve that climbs from lr=0.01, the warning names that rate, and the
        suggestion is a quarter decade below it."""
        lrs = ladder()
        past = np.maximum(0.0, np.log10(lrs) + 2.0)
        losses = 2.3 + past + past**2 + 0.02 * np.random.default_rng(3).standard_normal(lrs.size)
        plateau = result(losses[: int(np.flatnonzero(losses > 4.6)[0]) + 1])

        message = d.no_descent(plateau)

        assert message is not None
        climb = float(message.split("starts to climb (lr=")[1].split(")")[0])
        assert 10**-2.25 <= climb <= 10**-1.75
        assert plateau.suggestion == pytest.approx(climb * 10**-0.25, rel=0.01)
        assert f"a quarter decade below it (lr={plateau.suggestion:.3g})" in message

    @pytest.mark.parametrize(
        ("metadata", "words", "decades"),
        [
            ({"batch_size": 16}, "half a decade", 0.5),
            ({"batch_size": 16, "optimizer_hyperparameters": {"momentum": 0}}, "a decade", 1.0),
            ({"batch_size": 64}, "a quarter decade", 0.25),
            (
                {"batch_size": 64, "optimizer_hyperparameters": {"momentum": 0}},
                "three quarters of a decade",
                0.75,
            ),
        ],
    )
    def test_names_the_suggestion_the_setup_gets_on_a_quiet_plateau(self, metadata, words, decades):
        """With a small batch or no momentum, the warning names the corrected suggestion, the
        one `result.suggestion` returns, and how far below the climb it is."""
        plateau = result(plateau_then_climb(3)[1])
        plateau.metadata.update(metadata)

        message = d.no_descent(plateau)

        climb = plateau.curve.lrs[plateau.curve.climb_index]
        assert plateau.suggestion == pytest.approx(climb * 10**-decades, rel=0.01)
        assert f"{words} below it (lr={plateau.suggestion:.3g})" in message

    def test_most_noise_curves_are_flagged(self):
        """At least 95% of 100 pure-noise curves are flagged (the tests err on the side of silence)."""
        rng = np.random.default_rng(1)

        flagged = [
            d.no_descent(result(1.0 + 0.1 * rng.standard_normal(100), "completed")) is not None
            for _ in range(100)
        ]

        assert sum(flagged) >= 95

    def test_pure_noise_rarely_passes_for_a_descent(self):
        """Over 2000 flat noise curves the descent test passes by chance at most 2% of the time
        (each of its two scores is set to pass about 1%). Measured after the blow-up cap, the
        head's noise shrank on curves whose first losses were low, and 2.5% passed."""
        lrs = ladder()

        passed = sum(
            prepare_curve(
                lrs, 1.0 + 0.1 * np.random.default_rng(seed).standard_normal(lrs.size)
            ).clearly_descends
            for seed in range(2000)
        )

        assert passed <= 40

    def test_a_brief_quiet_drop_counts(self):
        """A quiet curve that falls only in its last few points before diverging has descended."""
        rng = np.random.default_rng(2)
        losses = 2.3 + 0.01 * rng.standard_normal(72)
        losses[62:71] = [2.27, 2.24, 2.2, 2.13, 2.13, 2.2, 2.05, 1.96, 2.02]
        losses[71] = 3.3

        assert d.no_descent(result(losses)) is None

    def test_a_noisy_but_real_drop_counts(self):
        """A noisy curve whose average falls by three noise widths has descended."""
        rng = np.random.default_rng(3)
        x = np.linspace(-7, 1, 90)
        losses = 1.0 - 0.45 / (1 + np.exp(-(x + 2.5) / 0.3)) + 0.15 * rng.standard_normal(90)
        losses[-4:] = [1.5, 2.5, 4.0, 9.0]

        assert d.no_descent(result(losses)) is None


class TestDivergedEarly:
    def test_flags_a_run_that_blew_up_at_once(self):
        """A run that turned non-finite in its first steps blames start_lr, with the numbers."""
        losses = [2.0, 3.0, 40.0, np.nan]

        message = d.diverged_early(result(losses, "non-finite"))

        assert message == (
            "The loss diverged (non-finite) after only 4 of 100 steps, at lr=1.75e-07: "
            "start_lr=1e-07 is probably too high. Lower start_lr by a few decades and run again."
        )

    def test_silent_after_a_normal_run(self):
        """A run that diverged late is not flagged."""
        assert d.diverged_early(result(good_curve())) is None


class TestStoppedBeforeMinimum:
    def test_flags_a_completed_run_still_falling(self):
        """A run that reached end_lr while the loss still fell asks for a higher end_lr."""
        x = np.linspace(-7, -2, 100)
        losses = 2.0 - np.tanh(x + 3.0)

        message = d.stopped_before_minimum(result(losses, "completed", start_lr=1e-7, end_lr=1e-2))

        assert message == (
            "The loss was still falling when the run reached end_lr=0.01: the minimum of the "
            "curve was not reached, so the suggestion may be too low. Raise end_lr (or run more "
            "steps) and run again."
        )

    def test_flags_a_loss_that_turned_non_finite_while_falling(self):
        """NaN straight out of a clear descent, with no climb first, may be a bad batch or a
        float16 overflow that cut the run short: the warning says so, hedged, at the cut."""
        x = np.linspace(-7, -2, 60)
        losses = np.append(2.0 - np.tanh(x + 3.0), np.nan)
        run = result(losses, "non-finite")

        message = d.stopped_before_minimum(run)

        assert message == (
            f"The loss turned non-finite at lr={run.lrs[60]:.3g} while it was still falling, "
            "with no climb first: either training blows up that suddenly there (then the "
            "suggestion stands), or one bad batch or an overflow in float16 cut the run before "
            "its minimum (then the suggestion may be too low). Check the batches for NaN or inf, "
            "train in bfloat16 or with a GradScaler, and run again."
        )

    def test_silent_when_the_loss_climbed_before_turning_non_finite(self):
        """A run that climbed out of its minimum, then blew up to NaN, found its minimum."""
        losses = np.append(good_curve(), np.nan)

        assert d.stopped_before_minimum(result(losses, "non-finite")) is None


def spiked_curve(spike: float) -> np.ndarray:
    """Falls from 2.3 to 0.5 near 1e-2, rises by ``spike`` and falls to 0.2 near 0.15, diverges."""
    x = np.log10(ladder())
    first = 1.8 * 0.5 * (1 + np.tanh((x + 2.4) / 0.3))
    bump = spike * np.exp(-0.5 * ((x + 1.5) / 0.15) ** 2)
    second = 0.3 * 0.5 * (1 + np.tanh((x + 1.1) / 0.1))
    rise = np.where(x > -0.7, 20.0 * (x + 0.7) ** 2, 0.0)
    return truncate_at_blowup(ladder(), 2.3 - first + bump - second + rise)[1]


class TestLossSpiked:
    def test_flags_a_spike_between_two_valleys(self):
        """A spike after most of the descent names the valley before it and the minimum after."""
        message = d.loss_spiked(result(spiked_curve(spike=0.8)))

        assert message is not None
        assert message.startswith("The loss spiked at lr=0.0")
        assert "only later fell to its lowest (lr=0.1" in message
        assert "the optimizer went unstable there and recovered" in message
        # the first valley's bottom, then the check with full runs (WARNING_ADVICE.md's order)
        curve = result(spiked_curve(spike=0.8)).curve
        below = f"{curve.lrs[curve.first_valley_index]:.3g}"
        assert float(below) < 0.05
        assert message.endswith(
            f"The cautious rate is the bottom of the valley before the spike, lr={below}; "
            f"or {d.verify_advice()}."
        )

    def test_silent_on_a_single_valley(self):
        """A curve with one valley has nothing to report."""
        assert d.loss_spiked(result(good_curve())) is None

    def test_silent_on_a_small_wiggle(self):
        """A rise of a few percent of the descent is a wiggle, not a spike."""
        assert d.loss_spiked(result(spiked_curve(spike=0.05))) is None


class TestTooFewSteps:
    def test_a_coarse_ladder_is_named_with_its_step(self):
        """Five rungs over eight decades: the warning says how coarse, and what to run."""
        lrs = ladder(1e-7, 10.0, 5)
        five = RangeTestResult(lrs, [2.0, 2.0, 1.5, 1.0, 3.0], "completed", 1e-7, 10.0, 5)

        assert d.too_few_steps(five) == (
            "num_steps=5 is too few to read a curve (2 decades a step): any suggestion from it "
            "is rough. Run 100 steps (the default) or more."
        )
        assert d.too_few_steps(result(good_curve())) is None


class TestReadingsDisagree:
    def _blended(self, decades):
        """The clean curve, with a step-size reading ``decades`` above its own knee reading."""
        from lrfinder.step_size import TYPICAL_STEP_LOG10

        plain = result(good_curve())
        knee = lrfinder.suggest.knee(plain.lrs, plain.losses).lr
        sensitivity = 10 ** TYPICAL_STEP_LOG10["Adam"] / (knee * 10**decades)
        meta = {"optimizer": "Adam", "batch_size": 128, "update_sensitivity": sensitivity}
        return RangeTestResult(plain.lrs, plain.losses, "diverged", 1e-7, 10.0, 100, "exp",
                               metadata=meta), knee  # fmt: skip

    def test_names_both_readings_when_a_decade_and_more_apart(self):
        """Two readings 1.5 decades apart: the suggestion between them is backed by neither."""
        blended, knee = self._blended(1.5)

        message = d.readings_disagree(blended)

        assert message is not None
        assert message.startswith(f"The curve's reading (lr={knee:.3g}) and the step-size reading")
        assert "are 1.5 decades apart" in message
        assert "lrfinder.refine_setup" in message
        assert message.endswith(f"{d.verify_advice()}.")
        assert message in blended.warnings

    def test_silent_when_they_agree_within_a_decade(self):
        """Half a decade apart is the blend doing its job: no warning."""
        assert d.readings_disagree(self._blended(0.5)[0]) is None

    def test_silent_without_a_step_size_reading(self):
        """Nothing blended, nothing to disagree."""
        assert d.readings_disagree(result(good_curve())) is None


class TestLevelCurve:
    def test_a_level_line_gets_one_warning_that_says_so(self):
        """A loss that neither falls nor climbs over the whole range: one warning that says the
        curve shows nothing, not a climb that never happened nor a separate edge warning."""
        flat = result(np.ones(100), "completed")

        assert flat.warnings == [
            "The loss neither descended nor climbed: it stayed level from lr=1e-07 to lr=10, so "
            f"the curve says nothing about where training works, and the suggestion "
            f"({flat.suggestion:.3g}) is no reading of it. Check the loss on one batch (does a "
            "gradient reach the weights: frozen layers, a detached loss, all-constant targets?). "
            "If the model does train, either no rate here let it leave a plateau within the "
            "test's few steps each, or it needs higher rates: raise end_lr and run again."
        ]


class TestSuggestionAtEdge:
    def test_flags_the_high_edge(self):
        """A completed run whose suggestion is the last rungs asks for a higher end_lr."""
        x = np.linspace(-7, 1, 100)
        losses = 2.0 - np.exp(x)

        message = d.suggestion_at_edge(result(losses, "completed"))

        assert message is not None
        assert message.endswith(
            "sits at the high edge of the range tested: raise end_lr (now 10) and run again."
        )

    def test_flags_the_low_edge(self):
        """A curve that only rises suggests the first rungs and asks for a lower start_lr."""
        losses = np.linspace(1.0, 5.0, 100)

        message = d.suggestion_at_edge(result(losses, "completed"))

        assert message is not None
        assert message.endswith(
            "sits at the low edge of the range tested: lower start_lr (now 1e-07) and run again."
        )


class TestTooNoisy:
    def test_flags_noise_larger_than_a_quarter_of_the_drop(self):
        """Noise of over a quarter of the descent is flagged, with both sizes in the message."""
        rng = np.random.default_rng(5)
        x = np.linspace(-7, 0, 180)
        losses = 2.0 - np.tanh(2 * (x + 3.0)) + 1.2 * rng.standard_normal(180)
        losses[-3:] = [8.0, 12.0, 30.0]

        message = d.too_noisy(result(losses, num_steps=200))

        assert message is not None
        assert message.startswith("The curve is noisy: the loss jumps by about ")
        assert message.endswith(
            f"may move between runs: {d.verify_advice()}, or steady the test with a larger "
            "batch, more steps, or several runs (lr_find(..., runs=5), or lrfinder run --runs 5)."
        )

    def test_silent_on_a_quiet_curve(self):
        """A curve with 2% noise is not flagged."""
        assert d.too_noisy(result(good_curve())) is None


class TestDiagnose:
    def test_too_short_comes_first(self):
        """With too few finite points, the only useful warning says so."""
        warnings = d.diagnose(result([1.0, np.nan], "non-finite"))

        assert warnings[0] == (
            "Only 1 finite losses were recorded: too few for any suggestion. Lower start_lr or "
            "run more steps."
        )

    def test_a_first_loss_that_is_not_finite_blames_the_setup_not_start_lr(self):
        """The first loss is taken before any update: no lr made it NaN, so the warning points
        at the model and data, and the early-divergence warning (lower start_lr) stays silent."""
        warnings = d.diagnose(result([np.nan, 1.0, 0.9], "non-finite"))

        assert warnings == [
            "The first loss (at lr=1e-07) is already non-finite: the curve is read up to the "
            "first non-finite loss, so nothing is left to suggest from. Check the model and the "
            "data on one batch (a NaN or inf in the inputs, a loss of log(0)) and run again."
        ]


class TestAdapterNotes:
    def test_notes_recorded_by_an_adapter_become_a_warning(self):
        """A caution an adapter put in metadata['notes'] (fine-tuning a transformer) is shown."""
        import numpy as np

        from lrfinder import RangeTestResult

        lrs = np.logspace(-6, 0, 61)
        losses = 2.0 - np.tanh(np.log10(lrs) + 3.0) + np.exp(3.0 * (np.log10(lrs) + 0.5))
        note = "Range tests tend to over-suggest when fine-tuning a pretrained transformer."

        result = RangeTestResult(
            lrs, losses, "completed", 1e-6, 1.0, 61, metadata={"notes": [note]}
        )

        assert result.warnings[-1] == note
