"""Tests of the framework-free range test over step(lr) -> loss."""

import math

import numpy as np
import pytest

import lrfinder
from lrfinder import SKIPPED, DivergedAtStartError, StopRangeTest, ladder, range_test


def bowl(lr):
    """A clean range-test curve: flat, falls around lr=1e-3, explodes past lr=0.3."""
    x = math.log10(lr)
    return 2.0 - math.tanh(x + 3.0) + math.exp(3.0 * (x + 0.5))


class Recorder:
    """A step that records the learning rates it was called with."""

    def __init__(self, loss=bowl):
        self.lrs = []
        self.loss = loss

    def __call__(self, lr):
        self.lrs.append(lr)
        return self.loss(lr)


class TestRangeTest:
    def test_one_point_per_step_on_the_ladder(self):
        """Each recorded point is one call of step, at the ladder's rung, ending exactly at end_lr."""
        step = Recorder(loss=lambda lr: 1.0)

        result = range_test(step, start_lr=1e-4, end_lr=1.0, num_steps=20, stop_factor=None)

        np.testing.assert_array_equal(result.lrs, ladder(1e-4, 1.0, 20))
        assert step.lrs == result.lrs.tolist()
        assert result.stop_reason == "completed"
        assert result.lrs[-1] == 1.0

    def test_stops_on_divergence(self):
        """A blow-up ends the run early with stop_reason 'diverged'."""
        result = range_test(bowl, start_lr=1e-6, end_lr=10.0, num_steps=100)

        assert result.stop_reason == "diverged"
        assert len(result.losses) < 100
        assert result.lrs[-1] > 0.3

    def test_stops_at_the_first_nan(self):
        """A NaN loss stops the run at that step and is kept in the raw record."""
        result = range_test(
            lambda lr: math.nan if lr > 1e-2 else 1.0, start_lr=1e-4, end_lr=1.0, num_steps=30
        )

        assert result.stop_reason == "non-finite"
        assert math.isnan(result.losses[-1])
        assert np.all(np.isfinite(result.losses[:-1]))

    def test_nan_at_step_zero_raises(self):
        """A non-finite first loss cannot give a curve: DivergedAtStartError says what to try."""
        with pytest.raises(DivergedAtStartError) as excinfo:
            range_test(lambda lr: math.nan, num_steps=10)

        assert str(excinfo.value) == (
            "range test stopped at step 0 (lr=1e-07): loss was nan. "
            "Check the loss on one batch at a tiny lr before sweeping."
        )

    def test_skipped_updates_do_not_advance_the_ladder(self):
        """A step that returns SKIPPED is retried at the same lr and leaves no point."""
        calls = []

        def step(lr):
            calls.append(lr)
            return SKIPPED if len(calls) in (1, 2, 5) else 1.0

        result = range_test(step, start_lr=1e-3, end_lr=1.0, num_steps=4, stop_factor=None)

        lrs = ladder(1e-3, 1.0, 4).tolist()
        assert calls == [lrs[0], lrs[0], lrs[0], lrs[1], lrs[2], lrs[2], lrs[3]]
        assert result.lrs.tolist() == lrs
        assert result.metadata["skipped_updates"] == 3

    def test_chunked_checks_discard_the_overshoot(self):
        """With check_every=10 the record still ends at the step where the rule fired."""
        per_step = range_test(bowl, start_lr=1e-6, end_lr=10.0, num_steps=100)

        chunked = range_test(bowl, start_lr=1e-6, end_lr=10.0, num_steps=100, check_every=10)

        np.testing.assert_array_equal(chunked.losses, per_step.losses)
        assert 0 <= chunked.metadata["overshoot_steps"] <= 9

    def test_to_floats_converts_a_chunk_at_once(self):
        """to_floats receives whole chunks of what step returned."""
        chunks = []

        def to_floats(values):
            chunks.append(len(values))
            return [float(v) for v in values]

        range_test(
            lambda lr: 1.0, num_steps=25, check_every=10, to_floats=to_floats, stop_factor=None
        )

        assert chunks == [10, 10, 5]

    def test_keyboard_interrupt_returns_the_partial_curve(self):
        """Ctrl-C ends the run cleanly: the points so far come back, marked 'interrupted'."""

        def step(lr):
            if lr > 1e-3:
                raise KeyboardInterrupt
            return 1.0

        result = range_test(step, start_lr=1e-6, end_lr=1.0, num_steps=61)

        assert result.stop_reason == "interrupted"
        assert len(result.losses) == 31
        assert "interrupted" in result.warnings[0]

    def test_stop_signal_ends_the_run(self):
        """A step may raise StopRangeTest to end the run with its own reason."""

        def step(lr):
            if lr > 1e-3:
                raise StopRangeTest("data-exhausted")
            return 1.0

        result = range_test(step, start_lr=1e-6, end_lr=1.0, num_steps=61)

        assert result.stop_reason == "data-exhausted"

    def test_user_errors_keep_their_type_and_carry_the_partial_curve(self):
        """An error in the user's step is re-raised as is, with a note and the curve so far."""

        def step(lr):
            if lr > 1e-3:
                raise RuntimeError("CUDA out of memory")
            return 1.0

        with pytest.raises(RuntimeError, match="CUDA out of memory") as excinfo:
            range_test(step, start_lr=1e-6, end_lr=1.0, num_steps=61)

        partial = excinfo.value.lrfinder_result
        assert len(partial.losses) == 31  # rungs 0..30 are <= 1e-3; rung 31 raised
        assert partial.stop_reason == "error"
        assert excinfo.value.__notes__ == [
            "lrfinder: the range test failed at step 31 (lr=0.00126); partial curve attached."
        ]

    def test_bad_step_is_rejected_before_running(self):
        """A step that is not callable is named in the error."""
        with pytest.raises(TypeError) as excinfo:
            range_test(42)

        assert str(excinfo.value) == "`step` must be a callable step(lr) -> loss, got step=42."

    @pytest.mark.parametrize(
        ("returned", "got"),
        [
            (None, "got None. Did the step function forget to `return loss`?"),
            (np.ones(3), "got an array of shape (3,). Reduce it to one value (loss.mean()) first."),
            ("0.5x", "got str '0.5x'."),
        ],
        ids=["none", "array", "text"],
    )
    def test_a_step_that_returns_no_number_is_told_so(self, returned, got):
        """The most common slip, a step that forgets to return its loss, gets our message
        (naming what came back), not float()'s."""
        with pytest.raises(TypeError) as excinfo:
            range_test(lambda lr: returned)

        assert str(excinfo.value) == (
            "`step(lr)` must return the loss as one number (a float, or a 0-d tensor or array), "
            + got
        )

    def test_unknown_method_is_rejected_before_running(self):
        """An unknown suggestion rule fails before any step runs."""
        step = Recorder()

        with pytest.raises(ValueError, match="`method` must be one of"):
            range_test(step, method="best")

        assert step.lrs == []

    def test_public_entry_point(self):
        """lrfinder.range_test is the function documented in DESIGN.md."""
        assert lrfinder.range_test is range_test
