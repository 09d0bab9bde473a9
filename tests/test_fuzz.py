"""Fuzzing the core: any loss curve gives a result or a documented error, never anything else.

Curves are arbitrary (NaN, inf, negative, constant, huge, tiny, very short, step-shaped, noisy
valleys). Each is replayed through ``range_test`` and read every way the result can be read:
every rule in ``SUGGESTERS``, ``lr_range``, ``warnings``, ``summary``, a JSON round trip and
``to_pandas``. The only errors allowed are ``NotEnoughPointsError`` (too few finite points) and
``DivergedAtStartError`` (the first loss was non-finite), and every suggestion lies in
``[start_lr, end_lr]``.

CI runs 50 to 200 examples per property (a few seconds each); ``python benchmarks/fuzz_long.py``
runs the same properties with ``LRFINDER_FUZZ_EXAMPLES`` examples each (10,000 by default).
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import lrfinder
from lrfinder.multirun import MultiRunResult
from lrfinder.result import STOP_REASONS, RangeTestResult
from lrfinder.stopping import StopRule

# numpy's overflow / All-NaN RuntimeWarnings on curves near ±1e300 are known and harmless (every
# answer stays valid); benchmarks/RELIABILITY.md lists them. Errors are what these tests hunt.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

_OVERRIDE = os.environ.get("LRFINDER_FUZZ_EXAMPLES")


def _fuzz(ci_examples: int) -> settings:
    """Hypothesis settings: ``ci_examples`` in CI, or LRFINDER_FUZZ_EXAMPLES when it is set."""
    return settings(
        max_examples=int(_OVERRIDE) if _OVERRIDE else ci_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


FUZZ = _fuzz(200)  # properties that cost a few ms per example
FUZZ_HEAVY = _fuzz(100)  # properties that read a whole result every way (~15 ms per example)
FUZZ_HEAVIER = _fuzz(50)  # several runs read together

#: How many examples each property has run in this process (read by benchmarks/fuzz_long.py).
EXAMPLES_RUN: Counter[str] = Counter()

EXTREMES = [0.0, -0.0, 1e300, -1e300, 1e-300, -1e-300, 5e-324, math.nan, math.inf, -math.inf]

# --- strategies -----------------------------------------------------------------------------------

any_float = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(EXTREMES),
    st.floats(-10.0, 10.0),
)


@st.composite
def curves(draw: Any, max_size: int = 60) -> list[float]:
    """A loss curve of one of several shapes, possibly very short."""
    kind = draw(st.sampled_from(["arbitrary", "constant", "steps", "valley", "spiky"]))
    n = draw(st.integers(0, max_size))
    if kind == "arbitrary":
        return draw(st.lists(any_float, min_size=n, max_size=n))
    if kind == "constant":
        return [draw(any_float)] * n
    if kind == "steps":
        levels = draw(st.lists(any_float, min_size=1, max_size=5))
        return [levels[min(i * len(levels) // max(n, 1), len(levels) - 1)] for i in range(n)]
    # A valley (falls, then explodes), on any scale and offset, with noise.
    scale = draw(st.sampled_from([1e-300, 1e-8, 1.0, 1e8, 1e300, -1.0]))
    offset = draw(st.sampled_from([0.0, -5.0, 1e6, -1e300]))
    noise = draw(st.floats(0.0, 2.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = np.linspace(-3.0, 3.0, n)
    with np.errstate(all="ignore"):
        shape = 2.0 - np.tanh(x) + np.exp(2.0 * (x - 2.0)) + noise * rng.standard_normal(n)
        values = offset + scale * shape
    values = [float(v) for v in values]
    if kind == "spiky" and n:
        for index in draw(st.lists(st.integers(0, n - 1), max_size=3)):
            values[index] = draw(st.sampled_from(EXTREMES))
    return values


ladders = st.fixed_dictionaries(
    {
        "start_lr": st.sampled_from([1e-300, 1e-10, 1e-7, 1e-3, 0.5, 1e3]),
        "decades": st.sampled_from([1e-9, 1e-3, 0.5, 3.0, 8.0, 30.0]),
        "num_steps": st.integers(2, 80),
        "mode": st.sampled_from(["exp", "linear"]),
    }
)


def _ladder_args(spec: dict[str, Any]) -> dict[str, Any]:
    start = spec["start_lr"]
    end = start * 10.0 ** spec["decades"]
    return {"start_lr": start, "end_lr": end, "num_steps": spec["num_steps"], "mode": spec["mode"]}


def _replay(curve: list[float]) -> Any:
    """A ``step(lr)`` that returns the curve point by point, then says the data ran out."""
    points = iter(curve)

    def step(lr: float) -> float:
        try:
            return next(points)
        except StopIteration:
            raise lrfinder.StopRangeTest("data-exhausted") from None

    return step


# --- checks shared by the properties -------------------------------------------------------------


def _check_suggestion(suggestion: lrfinder.Suggestion, low: float, high: float, n: int) -> None:
    assert isinstance(suggestion, lrfinder.Suggestion)
    assert math.isfinite(suggestion.lr)
    assert low <= suggestion.lr <= high
    assert 0 <= suggestion.index < n


def _attempt(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, Exception | None]:
    """Returns ``(value, None)``, or ``(None, error)`` for the documented errors only."""
    try:
        return function(*args, **kwargs), None
    except (lrfinder.NotEnoughPointsError, lrfinder.DivergedAtStartError) as error:
        return None, error


def _read_everything(result: RangeTestResult) -> None:
    """Reads the result every way it can be read; only documented errors may come out."""
    n = len(result.lrs)
    low, high = result.start_lr, result.end_lr
    for method in lrfinder.SUGGESTERS:
        suggestion, error = _attempt(result.suggest, method)
        if error is not None:
            assert f"{method} needs at least 3 finite losses" in str(error)
        else:
            _check_suggestion(suggestion, low, high, n)
            assert suggestion.method == method
    try:
        bounds = result.lr_range
    except lrfinder.NotEnoughPointsError:
        pass
    else:
        assert low <= bounds[0] <= bounds[1] <= high
        assert bounds[1] == result.suggestion
    messages = result.warnings
    assert isinstance(messages, list)
    assert all(isinstance(message, str) and message for message in messages)
    assert isinstance(result.summary(), str)
    smoothed = result.smoothed
    assert smoothed.shape == result.losses.shape
    _check_round_trip(result)
    frame = result.to_pandas()
    assert list(frame.columns)[:4] == ["step", "lr", "loss", "smoothed"]
    np.testing.assert_array_equal(frame["loss"].to_numpy(), result.losses)


def _check_round_trip(result: RangeTestResult) -> None:
    """JSON (strict: no bare NaN) and back loses nothing: NaN, inf and -0.0 included."""
    text = json.dumps(result.to_dict(), allow_nan=False)
    back = RangeTestResult.from_dict(json.loads(text))
    for name in ("lrs", "losses"):
        before, after = getattr(result, name), getattr(back, name)
        np.testing.assert_array_equal(after, before)  # NaN == NaN here
        assert np.array_equal(np.signbit(after), np.signbit(before) & ~np.isnan(before))
    for name in ("stop_reason", "start_lr", "end_lr", "num_steps", "mode", "method", "metadata"):
        assert getattr(back, name) == getattr(result, name)


# --- properties -----------------------------------------------------------------------------------


class TestRangeTestFuzz:
    @FUZZ_HEAVY
    @given(curve=curves(), spec=ladders, stop_factor=st.sampled_from([None, 0.05, 0.5, 3.0]))
    def test_any_curve(self, curve, spec, stop_factor):
        """Any replayed curve gives a readable result or DivergedAtStartError, losing no point."""
        EXAMPLES_RUN["range_test"] += 1
        args = _ladder_args(spec)

        result, error = _attempt(
            lrfinder.range_test, _replay(curve), stop_factor=stop_factor, **args
        )

        if error is not None:
            assert isinstance(error, lrfinder.DivergedAtStartError)
            assert not math.isfinite(curve[0])
            assert str(error).startswith("range test stopped at step 0 (lr=")
            assert len(error.lrfinder_result.losses) == 1
            return

        n = len(result.losses)
        assert result.stop_reason in STOP_REASONS
        assert n <= args["num_steps"]
        assert n == min(len(curve), args["num_steps"]) or result.stop_reason in (
            "diverged",
            "non-finite",
        )
        np.testing.assert_array_equal(result.losses, np.asarray(curve[:n], dtype=np.float64))
        np.testing.assert_array_equal(result.lrs, lrfinder.ladder(**args)[:n])
        _read_everything(result)

    @FUZZ
    @given(curve=curves(), check_every=st.integers(1, 12))
    def test_check_every_keeps_the_record(self, curve, check_every):
        """Checking every k steps records the same points as checking every step, bar overshoot."""
        EXAMPLES_RUN["check_every"] += 1
        results = []
        for every in (1, check_every):
            try:
                results.append(lrfinder.range_test(_replay(curve), num_steps=50, check_every=every))
            except lrfinder.DivergedAtStartError:
                results.append(None)

        if results[0] is None:
            assert results[1] is None
            return
        first, later = results
        assert (first.stop_reason, len(first.losses)) == (later.stop_reason, len(later.losses))
        np.testing.assert_array_equal(first.losses, later.losses)


class TestSuggestersFuzz:
    @FUZZ
    @given(
        losses=st.lists(any_float, min_size=0, max_size=60),
        start=st.floats(1e-12, 1e3),
        log_steps=st.lists(st.floats(1e-6, 2.0), min_size=59, max_size=59),
        kwargs=st.fixed_dictionaries(
            {"skip_start": st.integers(0, 5), "skip_end": st.integers(0, 5)}
        ),
    )
    def test_every_rule_stays_in_range(self, losses, start, log_steps, kwargs):
        """On any increasing ladder, every rule answers inside it or raises NotEnoughPointsError."""
        EXAMPLES_RUN["suggesters"] += 1
        n = len(losses)
        lrs = start * np.exp(np.concatenate([[0.0], np.cumsum(log_steps)]))[:n]
        if n > 1 and not np.all(np.diff(lrs) > 0):  # too close to tell apart in float64
            return

        for name, rule in lrfinder.SUGGESTERS.items():
            try:
                suggestion = rule(lrs, losses, **kwargs)
            except lrfinder.NotEnoughPointsError:
                continue
            _check_suggestion(suggestion, lrs[0], lrs[-1], n)
            assert suggestion.method == name


class TestStopRuleFuzz:
    @FUZZ
    @given(
        losses=st.lists(any_float, max_size=80),
        stop_factor=st.sampled_from([None, 1e-3, 0.5, 10.0]),
        beta=st.sampled_from([0.0, 0.5, 0.9, 0.99]),
    )
    def test_answers_only_documented_reasons(self, losses, stop_factor, beta):
        """The rule says "non-finite" exactly for NaN/inf, else None or "diverged"."""
        EXAMPLES_RUN["stop_rule"] += 1
        rule = StopRule(stop_factor=stop_factor, beta=beta).for_run(len(losses))

        for loss in losses:
            reason = rule.update(loss)
            if not math.isfinite(loss):
                assert reason == "non-finite"
                break
            assert reason in (None, "diverged")
            if stop_factor is None:
                assert reason is None
            if reason is not None:
                break


class TestResultFuzz:
    @FUZZ_HEAVY
    @given(
        curve=curves(),
        spec=ladders,
        stop_reason=st.sampled_from(STOP_REASONS),
        method=st.sampled_from(list(lrfinder.SUGGESTERS)),
    )
    def test_any_recorded_curve_is_readable(self, curve, spec, stop_reason, method):
        """A result built from any curve (as a loaded file might hold) reads without surprises."""
        EXAMPLES_RUN["result"] += 1
        args = _ladder_args(spec)
        lrs = lrfinder.ladder(**args)
        n = min(len(curve), len(lrs))

        result = RangeTestResult(lrs[:n], curve[:n], stop_reason, method=method, **args)

        _read_everything(result)


class TestMultiRunFuzz:
    @FUZZ_HEAVIER
    @given(
        runs=st.lists(
            st.tuples(curves(max_size=40), st.sampled_from(STOP_REASONS)), min_size=1, max_size=4
        ),
        spec=ladders,
    )
    # Found by hypothesis: two suggestions an ulp apart gave a 10% quantile an ulp above the 90%.
    @example(
        runs=[([0.0, 0.0, 0.0], "completed"), ([1.0, 1.0, 1.0], "completed")],
        spec={"start_lr": 1e-10, "decades": 30.0, "num_steps": 3, "mode": "exp"},
    )
    def test_any_set_of_runs_is_readable(self, runs, spec):
        """Runs of any shapes read together: suggestions and their interval stay in the ladder."""
        EXAMPLES_RUN["multirun"] += 1
        args = _ladder_args(spec)
        lrs = lrfinder.ladder(**args)
        singles = [
            RangeTestResult(lrs[: len(curve)], curve[: len(lrs)], reason, **args)
            for curve, reason in runs
        ]

        result = MultiRunResult(singles)

        _read_everything(result)
        interval, error = _attempt(lambda: result.suggestion_interval)
        if error is None:
            assert result.start_lr <= interval[0] <= interval[1] <= result.end_lr
        back = MultiRunResult.from_dict(json.loads(json.dumps(result.to_dict(), allow_nan=False)))
        assert len(back.runs) == len(singles)
