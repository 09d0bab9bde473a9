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
