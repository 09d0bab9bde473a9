"""Tests for lrfinder.probe: candidates, the successive-halving schedule and refine."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curves import CURVES, ladder, truncate_at_blowup
from lrfinder import RangeTestResult
from lrfinder.probe import Refinement, candidates, halving_schedule, refine


def bowl(best: float):
    """A probe whose held-out loss is a parabola in log10(lr), lowest at ``best``."""

    def probe(lr: float, steps: int) -> float:
        return (math.log10(lr) - math.log10(best)) ** 2 + 1.0 / steps

    return probe


class TestCandidates:
    def test_spaced_evenly_in_log(self):
        """Candidates are spaced evenly in log(lr) around the centre, which is kept exactly."""
        rates = candidates(1e-3, num_candidates=5, span_decades=1.0)

        np.testing.assert_allclose(np.log10(rates), [-4.0, -3.5, -3.0, -2.5, -2.0], rtol=1e-12)
        assert 1e-3 in rates.tolist()

    def test_clipped_and_deduplicated(self):
        """Candidates outside [low, high] are clipped there, and duplicates merged."""
        rates = candidates(1e-3, num_candidates=5, span_decades=1.0, high=2e-3)

        assert rates[-1] == 2e-3
        assert rates.size == 4

    def test_rejects_a_bad_centre(self):
        """A non-positive centre is named in a ValueError."""
        with pytest.raises(ValueError) as excinfo:
            candidates(0.0)

        assert str(excinfo.value).startswith("`center` must be")


class TestHalvingSchedule:
    def test_rounds_for_five_candidates(self):
        """Five candidates with eta=3: five short probes, then two three times longer."""
        assert halving_schedule(5, 110) == [(5, 10), (2, 30)]

    def test_one_candidate_needs_no_probe(self):
        """A single candidate is the answer: no rounds."""
        assert halving_schedule(1, 100) == []

    def test_budget_too_small(self):
        """A budget that cannot give each candidate one step is refused, with the minimum."""
        with pytest.raises(ValueError) as excinfo:
            halving_schedule(5, 10)

        assert str(excinfo.value) == (
            "`budget_steps` must be at least 11 for 5 candidates with eta=3, got "
            "budget_steps=10. Raise the budget or use fewer candidates."
        )

    @settings(max_examples=60, deadline=None)
    @given(n=st.integers(1, 30), budget=st.integers(200, 10_000), eta=st.integers(2, 5))
    def test_never_exceeds_the_budget(self, n, budget, eta):
        """The steps of all rounds together never exceed the budget, and survivors shrink."""
        schedule = halving_schedule(n, budget, eta)

        assert sum(count * steps for count, steps in schedule) <= budget
        counts = [count for count, _ in schedule]
        assert counts == sorted(counts, reverse=True)


class TestRefine:
    def test_finds_the_best_candidate(self):
        """On a parabola the refinement returns the candidate nearest the true best."""
        refined = refine(1e-2, bowl(best=3e-3), budget_steps=110)

        np.testing.assert_allclose(refined.lr, 10**-2.5, rtol=1e-12)
        assert refined.initial_lr == 1e-2

    def test_counts_every_step(self):
        """cost_steps is the sum of the trials' steps and stays within the budget."""
        refined = refine(1e-2, bowl(best=3e-3), budget_steps=115)

        assert refined.cost_steps == sum(t.steps for t in refined.trials) == 110
        assert len(refined.trials) == 5 + 2

    def test_non_finite_probe_loses(self):
        """A probe that returns NaN or inf is never chosen."""

        def probe(lr: float, steps: int) -> float:
            return math.nan if lr > 2e-2 else bowl(best=1.0)(lr, steps)

        refined = refine(1e-2, probe, budget_steps=110)

        assert refined.lr == 1e-2

    def test_centres_on_a_result_and_stays_in_its_range(self):
        """Given a result, the probes centre on its suggestion and stay inside its lrs."""
        lrs, losses = truncate_at_blowup(ladder(), CURVES[0].losses(ladder()))
        result = RangeTestResult(lrs, losses, "diverged", 1e-7, 10.0, 100, "exp")

        refined = refine(result, bowl(best=1e-7), budget_steps=110)

        assert refined.initial_lr == result.suggestion
        assert all(lrs[0] <= t.lr <= lrs[-1] for t in refined.trials)

    def test_never_probes_past_the_minimum_of_the_curve(self):
        """Given a result, no probe runs above the lr at the minimum of its smoothed curve."""
        lrs, losses = truncate_at_blowup(ladder(), CURVES[0].losses(ladder()))
        result = RangeTestResult(lrs, losses, "diverged", 1e-7, 10.0, 100, "exp")
        floor = result.curve.lrs[result.curve.argmin()]

        refined = refine(result, bowl(best=10.0), budget_steps=110)

        assert max(t.lr for t in refined.trials) == floor
        assert refined.lr == floor

    def test_at_small_batches_the_cap_is_lowered_like_the_suggestion(self):
        """Batch 16: no probe runs above the floor x10**-0.5 (or the suggestion, if higher)."""
        lrs, losses = truncate_at_blowup(ladder(), CURVES[0].losses(ladder()))
        result = RangeTestResult(
            lrs, losses, "diverged", 1e-7, 10.0, 100, "exp", metadata={"batch_size": 16}
        )
        floor = result.curve.lrs[result.curve.floor_index]
        cap = max(floor * 10**-0.5, result.suggestion)

        refined = refine(result, bowl(best=10.0), budget_steps=110)

        assert cap < floor
        np.testing.assert_allclose(max(t.lr for t in refined.trials), cap, rtol=1e-12)

    def test_without_momentum_at_a_small_batch_the_cap_takes_both_factors(self):
        """RMSprop (momentum 0) at batch 16: the cap is the floor x10**-1, like the suggestion."""
        lrs, losses = truncate_at_blowup(ladder(), CURVES[0].losses(ladder()))
        metadata = {"batch_size": 16, "optimizer_hyperparameters": {"momentum": 0}}
        result = RangeTestResult(lrs, losses, "diverged", 1e-7, 10.0, 100, "exp", metadata=metadata)
        floor = result.curve.lrs[result.curve.floor_index]
        cap = max(floor * 0.1, result.suggestion)

        refined = refine(result, bowl(best=10.0), budget_steps=110)

        assert cap < floor * 10**-0.5
        np.testing.assert_allclose(max(t.lr for t in refined.trials), cap, rtol=1e-12)

    def test_rejects_a_non_callable_probe(self):
        """A probe that is not callable is named in a TypeError."""
        with pytest.raises(TypeError) as excinfo:
            refine(1e-2, 3, budget_steps=110)

        assert str(excinfo.value) == (
            "`probe` must be a callable probe(lr, steps) -> loss, got probe=3."
        )

    def test_returns_a_refinement(self):
        """The result is a Refinement that converts to its lr."""
        refined = refine(1e-2, bowl(best=1e-2), budget_steps=110)

        assert isinstance(refined, Refinement)
        assert float(refined) == refined.lr == 1e-2

    def test_carries_the_winner_over_to_the_planned_horizon(self):
        """With horizon_steps, the winner is scaled by (probe steps / horizon) ** exponent."""
        refined = refine(1e-2, bowl(best=1e-2), budget_steps=110, horizon_steps=120)

        assert refined.probe_lr == 1e-2
        np.testing.assert_allclose(refined.lr, 1e-2 * (30 / 120) ** 0.5, rtol=1e-12)

    def test_rejects_a_negative_horizon_exponent(self):
        """A negative horizon_exponent is named in a ValueError."""
        with pytest.raises(ValueError) as excinfo:
            refine(1e-2, bowl(best=1e-2), budget_steps=110, horizon_exponent=-1.0)

        assert str(excinfo.value) == (
            "`horizon_exponent` must be finite and >= 0, got horizon_exponent=-1.0."
        )


def plateau(start_loss: float):
    """A probe on a plateau: nothing learns; higher rates only shake the loss up a little."""

    def probe(lr: float, steps: int) -> float:
        return start_loss * (1.0 + 1e-3 * lr)

    return probe


class TestStartLoss:
    def test_a_single_candidate_measures_nothing(self):
        """One candidate needs no probe: nothing was measured, so learned is None, not True."""
        refined = refine(0.1, plateau(2.3), budget_steps=10, num_candidates=1, start_loss=2.3)

        assert refined.trials == ()
        assert refined.learned is None

    def test_keeps_the_suggestion_when_no_probe_learned(self):
        """On a plateau the lowest rate would win by moving least: the suggestion stands."""
        refined = refine(0.1, plateau(2.3), budget_steps=110, start_loss=2.3)

        assert refined.lr == refined.initial_lr == 0.1
        assert refined.learned is False
        assert math.isnan(refined.probe_lr)

    def test_a_round_that_learned_nothing_passes_on_the_rates_nearest_the_suggestion(self):
        """Short first probes that all stay flat do not hand the next round the lowest rates."""

        def probe(lr: float, steps: int) -> float:  # learns only in long probes, best at 0.1
            if steps < 30:
                return 2.3 * (1.0 + 1e-3 * lr)
            return 1.0 + (math.log10(lr) - math.log10(0.1)) ** 2

        refined = refine(0.1, probe, budget_steps=110, start_loss=2.3)

        second_round = sorted(t.lr for t in refined.trials if t.steps == 30)
        np.testing.assert_allclose(second_round, [10**-1.5, 0.1], rtol=1e-12)  # tie: the lower
        assert refined.lr == 0.1
        assert refined.learned is True

    def test_runs_every_round_on_a_plateau(self):
        """The budget is spent as planned: every round runs even when nothing learns."""
        refined = refine(0.1, plateau(2.3), budget_steps=110, start_loss=2.3)

        assert len(refined.trials) == 5 + 2
        assert refined.cost_steps == 110

    def test_a_drop_under_one_percent_is_not_learning(self):
        """Ending 0.5% below the untrained loss counts as a plateau, 2% below as learning."""

        def probe_with(drop: float):
            return lambda lr, steps: 2.0 * (1.0 - drop) + 1e-6 * lr

        barely = refine(0.1, probe_with(0.005), budget_steps=110, start_loss=2.0)
        clearly = refine(0.1, probe_with(0.02), budget_steps=110, start_loss=2.0)

        assert barely.learned is False
        assert barely.lr == 0.1
        assert clearly.learned is True
        assert clearly.lr == pytest.approx(0.01)

    def test_changes_nothing_when_a_probe_learned(self):
        """With a start loss the probes beat, the result is the one without start_loss."""
        probe = bowl(best=3e-3)

        plain = refine(1e-2, probe, budget_steps=110)
        checked = refine(1e-2, probe, budget_steps=110, start_loss=10.0)

        assert (checked.lr, checked.trials, checked.cost_steps) == (
            plain.lr,
            plain.trials,
            plain.cost_steps,
        )
        assert checked.learned is True
        assert plain.learned is None

    @pytest.mark.parametrize("bad", [math.nan, math.inf])
    def test_rejects_a_non_finite_start_loss(self, bad):
        """A NaN or infinite start_loss is named in a ValueError before any probe runs."""
        calls = []

        def probe(lr: float, steps: int) -> float:
            calls.append(lr)
            return 1.0

        with pytest.raises(ValueError) as excinfo:
            refine(1e-2, probe, budget_steps=110, start_loss=bad)

        assert str(excinfo.value) == (
            f"`start_loss` must be finite, got start_loss={bad!r}: pass the held-out loss of "
            "the untrained model, or None to skip the check."
        )
        assert calls == []
