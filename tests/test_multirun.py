"""Tests of several range tests read together: lrfinder.multirun and lr_find(runs=N)."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrfinder
from lrfinder import DivergedAtStartError, NotEnoughPointsError, RangeTestResult, ResultFileError
from lrfinder.multirun import (
    AUTO_RUNS,
    MultiRunResult,
    aggregate,
    auto_runs,
    needs_more_runs,
    plot_runs,
    range_test_runs,
    reordered,
    run_seeds,
    runs_in_turn,
)

LRS = np.logspace(-6, 0, 61)  # 0.1 decade per rung


def bowl(center, n=61, stop_reason="completed", noise=0.0, seed=0):
    """A run whose loss is a parabola in log10(lr) with its minimum at lr = 10**center.

    The ``minimum`` rule then suggests exactly ``10**(center - 1)`` when that is a rung.
    """
    losses = (np.log10(LRS) - center) ** 2 + 1.0
    losses = losses + noise * np.random.default_rng(seed).standard_normal(LRS.size)
    return RangeTestResult(LRS[:n], losses[:n], stop_reason, 1e-6, 1.0, 61, "exp", "minimum")


class TestMultiRunResult:
    def test_median_curve_is_the_rungwise_median(self):
        """With runs of equal length, ``losses`` is numpy's median of the raw losses at each rung."""
        runs = [bowl(-2.0, noise=0.05, seed=s) for s in range(5)]

        result = MultiRunResult(runs)

        expected = np.median([run.losses for run in runs], axis=0)
        np.testing.assert_allclose(result.losses, expected, rtol=1e-15)
        np.testing.assert_array_equal(result.lrs, LRS)

    def test_band_is_the_quantiles_of_the_smoothed_runs(self):
        """``band`` holds numpy's 10% and 90% quantiles of the runs' smoothed curves."""
        runs = [bowl(-2.0, noise=0.05, seed=s) for s in range(7)]

        low, high = MultiRunResult(runs).band

        smoothed = np.array([run.smoothed for run in runs])
        np.testing.assert_allclose(low, np.quantile(smoothed, 0.1, axis=0), rtol=1e-12)
        np.testing.assert_allclose(high, np.quantile(smoothed, 0.9, axis=0), rtol=1e-12)
        assert np.all(low <= high)

    def test_diverged_runs_count_as_infinite_after_they_stop(self):
        """A diverged run is +inf after its last rung: the median turns inf once half have gone."""
        runs = [bowl(-2.0, n=40, stop_reason="diverged"), bowl(-2.0, n=50, stop_reason="diverged")]
        runs.append(bowl(-2.0))

        result = MultiRunResult(runs)

        assert np.all(np.isfinite(result.losses[:40]))
        assert np.all(np.isinf(result.losses[50:]))
        assert result.losses[45] == runs[2].losses[45]  # one inf of three: the median is finite
        assert result.stop_reason == "diverged"

    def test_interrupted_runs_are_left_out_after_they_stop(self):
        """A run that was interrupted says nothing about the rungs it never reached."""
        runs = [bowl(-2.0, n=30, stop_reason="interrupted"), bowl(-1.9), bowl(-2.1)]

        result = MultiRunResult(runs)

        np.testing.assert_allclose(
            result.losses[30:], (runs[1].losses[30:] + runs[2].losses[30:]) / 2, rtol=1e-15
        )
        assert result.to_pandas()["runs_reached"].tolist() == [3] * 30 + [2] * 31

    def test_suggestion_is_the_median_in_log_space(self):
        """The aggregate is the middle run's suggestion for an odd count of runs."""
        result = MultiRunResult([bowl(-2.0), bowl(-3.0), bowl(-1.5)])

        lrs = [s.lr for s in result.suggestions()]

        assert lrs == pytest.approx([1e-3, 1e-4, 10**-2.5], rel=1e-12)
        assert result.suggestion == pytest.approx(1e-3, rel=1e-12)
        assert result.suggest().index == 30

    def test_even_count_takes_the_geometric_mean_of_the_middle_two(self):
        """With two runs, the aggregate is the geometric mean of their suggestions."""
        result = MultiRunResult([bowl(-2.0), bowl(-3.0)])

        assert result.suggestion == pytest.approx(10**-3.5, rel=1e-12)

    def test_interval_is_the_quantiles_of_the_suggestions_in_log_space(self):
        """``suggestion_interval`` is (10%, 90%) of the runs' log-suggestions, exponentiated."""
        centers = [-2.0, -2.3, -1.8, -2.6, -1.5]
        result = MultiRunResult([bowl(c) for c in centers])

        low, high = result.suggestion_interval

        logs = np.log([10 ** (c - 1) for c in centers])
        assert (low, high) == pytest.approx(tuple(np.exp(np.quantile(logs, [0.1, 0.9]))), rel=1e-9)
        assert result.spread_decades == pytest.approx(math.log10(high / low), rel=1e-12)

    def test_runs_that_never_descend_still_count_and_are_named(self):
        """A flat run's suggestion (its climb) counts in the median like any other; the
        warnings name the runs that never descended."""
        flat = RangeTestResult(LRS, np.ones(LRS.size), "completed", 1e-6, 1.0, 61, "exp", "minimum")
        assert not flat.curve.clearly_descends
        assert bowl(-2.0).curve.clearly_descends
        runs = [bowl(-2.0), flat, flat, bowl(-3.0)]

        result = MultiRunResult(runs)

        every = np.log([run.suggestion for run in runs])
        assert result.suggestion == pytest.approx(float(np.exp(np.median(every))), rel=1e-12)
        assert (
            "2 of 4 runs never clearly descended (runs 1, 2): those give only a rate below "
            "where the loss starts to climb, an upper bound, and the runs disagree on whether "
            "the model learns within the test: check it with five full-length runs, at it and "
            "half a decade and a decade either side (lrfinder.verify(..., steps=your training "
            "length))."
        ) in result.warnings

    def test_a_flat_median_does_not_contradict_runs_that_descend(self):
        """When most runs are flat the median curve is too, but the suggestion is the median of
        the runs' readings: no warning may claim it is the median curve's climb."""
        flat = RangeTestResult(LRS, np.ones(LRS.size), "completed", 1e-6, 1.0, 61, "exp", "minimum")

        result = MultiRunResult([bowl(-2.0), flat, flat])

        assert not result.curve.clearly_descends
        assert not any(w.startswith("The loss never clearly descended") for w in result.warnings)
        assert any(w.startswith("2 of 3 runs never clearly descended") for w in result.warnings)

    def test_when_no_run_descends_every_run_counts(self):
        """Runs that all stay flat are aggregated as they are (the knee's climb, for the default)."""
        rng = np.random.default_rng(0)
        climbing = np.maximum(0.0, np.log10(LRS) + 2.0)
        runs = [
            RangeTestResult(
                LRS, 2.3 + climbing + 0.01 * rng.standard_normal(LRS.size), "completed",
                1e-6, 1.0, 61, "exp",
            )
            for _ in range(3)
        ]  # fmt: skip

        result = MultiRunResult(runs)

        expected = np.exp(np.median(np.log([run.suggestion for run in runs])))
        assert result.suggestion == pytest.approx(expected, rel=1e-12)
        assert abs(math.log10(result.suggestion) + 2.0) <= 0.3

    def test_other_rules_aggregate_too(self):
        """``suggest(name)`` aggregates that rule's per-run suggestions."""
        result = MultiRunResult([bowl(-2.0), bowl(-3.0), bowl(-1.5)])

        steepest = result.suggest("steepest")

        expected = np.exp(np.median(np.log([run.suggest("steepest").lr for run in result.runs])))
        assert steepest.method == "steepest"
        assert steepest.lr == pytest.approx(expected, rel=1e-12)

    def test_one_run_agrees_with_itself(self):
        """A MultiRunResult of one run suggests what the run does, with a zero-width interval."""
        run = bowl(-2.0, noise=0.05)

        result = aggregate([run])

        assert result.suggestion == run.suggestion
        assert result.suggestion_interval == (run.suggestion, run.suggestion)
        assert result.runs == (run,)

    def test_nested_results_contribute_their_runs(self):
        """Aggregating a MultiRunResult with another run flattens the runs."""
        first = MultiRunResult([bowl(-2.0), bowl(-2.2)])

        result = aggregate([first, bowl(-1.8)])

        assert len(result.runs) == 3

    def test_runs_of_a_single_result_hold_itself(self):
        """A single-run result keeps working as before: its runs hold itself."""
        run = bowl(-2.0)

        assert run.runs == (run,)


class TestAggregationProperties:
    @settings(max_examples=30, deadline=None)
    @given(
        centers=st.lists(st.integers(-45, -5), min_size=1, max_size=7),
        order=st.randoms(use_true_random=False),
    )
    def test_order_free_and_inside_the_runs(self, centers, order):
        """The aggregate and its interval lie within the runs' suggestions, whatever their order."""
        runs = [bowl(c / 10.0) for c in centers]
        shuffled = list(runs)
        order.shuffle(shuffled)

        result, other = MultiRunResult(runs), MultiRunResult(shuffled)

        lrs = [s.lr for s in result.suggestions()]
        low, high = result.suggestion_interval
        assert min(lrs) <= low <= result.suggestion <= high <= max(lrs)
        assert other.suggestion == result.suggestion
        assert other.suggestion_interval == (low, high)
        np.testing.assert_array_equal(other.losses, result.losses)


class TestWarnings:
    def test_wide_spread_is_flagged(self):
        """Runs whose suggestions span more than half a decade give a warning that says how much."""
        result = MultiRunResult([bowl(-2.0), bowl(-3.0), bowl(-1.0)])

        assert result.warnings[-1] == (
            "The runs disagree by 1.6 decades (0.00016 .. 0.0063, 10%-90% of 3 runs' "
            "suggestions, median 0.001): one run alone would be a gamble. Check it with three "
            "full-length runs, at it and half a decade either side (lrfinder.verify(..., "
            "factors=(0.32, 1, 3.2), steps=your training length)), or steady the test with a "
            "larger batch, more steps or more runs."
        )

    def test_close_runs_give_no_spread_warning(self):
        """Runs that agree within a few rungs are not flagged."""
        result = MultiRunResult([bowl(-2.0), bowl(-2.1), bowl(-1.9)])

        assert not any("disagree" in w for w in result.warnings)

    def test_identical_runs_are_flagged(self):
        """Runs that recorded the very same losses mean nothing varied between them."""
        result = MultiRunResult([bowl(-2.0), bowl(-2.0)])

        assert result.warnings[-1].startswith("All 2 runs recorded exactly the same losses")

    def test_runs_without_a_suggestion_are_flagged(self):
        """A run too short to suggest anything is named, and left out of the aggregate."""
        result = MultiRunResult(
            [bowl(-2.0), bowl(-2.1, n=2, stop_reason="interrupted"), bowl(-2.0)]
        )

        assert result.suggestion == pytest.approx(1e-3, rel=1e-12)
        assert (
            "1 of 3 runs gave no minimum suggestion (runs 1); the aggregate uses the others."
            in result.warnings
        )

    def test_no_suggestion_at_all_raises(self):
        """When no run gives a suggestion, the error quotes the first run's reason."""
        result = MultiRunResult([bowl(-2.0, n=2, stop_reason="interrupted")] * 2)

        with pytest.raises(NotEnoughPointsError) as excinfo:
            result.suggest()

        assert str(excinfo.value).startswith(
            "no run of 2 gave a suggestion; run 0: minimum needs at least 3 finite losses"
        )


class TestBadArguments:
    @pytest.mark.parametrize(
        ("runs", "kwargs", "error", "message"),
        [
            ([], {}, ValueError, "`runs` must hold at least one RangeTestResult, got none."),
            (
                [1.0],
                {},
                TypeError,
                "`runs` must hold RangeTestResult objects, got float at position 0.",
            ),
            (
                None,
                {"quantiles": (0.9, 0.1)},
                ValueError,
                "`quantiles` must be (low, high) with 0 <= low < high <= 1, got quantiles=(0.9, 0.1).",
            ),
        ],
        ids=["empty", "not-a-result", "quantiles"],
    )
    def test_rejects_bad_arguments(self, runs, kwargs, error, message):
        """Each bad argument is named, with its value, in the error."""
        runs = [bowl(-2.0)] if runs is None else runs

        with pytest.raises(error) as excinfo:
            MultiRunResult(runs, **kwargs)

        assert str(excinfo.value) == message

    def test_rejects_runs_on_different_ladders(self):
        """Runs of different setups cannot share a median curve."""
        other = RangeTestResult(LRS[:10] * 2, np.ones(10), "interrupted", 2e-6, 2.0, 61, "exp")

        with pytest.raises(ValueError) as excinfo:
            MultiRunResult([bowl(-2.0), other])

        assert str(excinfo.value) == (
            "`runs` must share one ladder, got run 0 with (start_lr, end_lr, num_steps, mode)="
            "(1e-06, 1.0, 61, 'exp') and run 1 with (2e-06, 2.0, 61, 'exp'). Aggregate runs of "
            "the same setup."
        )

    def test_quantile_curve_rejects_a_bad_q(self):
        """``quantile_curve`` takes q in [0, 1]."""
        with pytest.raises(ValueError) as excinfo:
            MultiRunResult([bowl(-2.0)]).quantile_curve(1.5)

        assert str(excinfo.value) == "`q` must be a number in [0, 1], got q=1.5."


class TestSaveLoad:
    def test_json_round_trip_keeps_every_run(self, tmp_path):
        """save/load gives back a MultiRunResult with every run bit for bit."""
        runs = [bowl(-2.0, noise=0.05, seed=s) for s in range(3)]
        runs.append(bowl(-2.0, n=45, stop_reason="diverged"))
        result = MultiRunResult(runs, quantiles=(0.2, 0.8), metadata={"path": "batched"})

        loaded = lrfinder.load(result.save(tmp_path / "runs.json"))

        assert isinstance(loaded, MultiRunResult)
        assert len(loaded.runs) == 4
        for before, after in zip(result.runs, loaded.runs, strict=True):
            np.testing.assert_array_equal(after.lrs, before.lrs)
            np.testing.assert_array_equal(after.losses, before.losses)
            assert after.stop_reason == before.stop_reason
        assert loaded.quantiles == (0.2, 0.8)
        assert loaded.metadata == {"path": "batched"}
        assert loaded.suggestion == result.suggestion
        np.testing.assert_array_equal(loaded.losses, result.losses)

    def test_older_readers_see_the_median_curve(self, tmp_path):
        """The file is a valid single result too: without its runs it loads as the median curve."""
        result = MultiRunResult([bowl(-2.0), bowl(-2.2), bowl(-1.8, n=50, stop_reason="diverged")])
        data = json.loads(result.save(tmp_path / "runs.json").read_text())

        del data["runs"]
        single = RangeTestResult.from_dict(data)

        assert type(single) is RangeTestResult
        np.testing.assert_array_equal(single.losses, result.losses)

    def test_single_run_files_are_unchanged(self, tmp_path):
        """A single run's file has no runs field and loads as a plain RangeTestResult."""
        run = bowl(-2.0)

        path = run.save(tmp_path / "one.json")

        assert "runs" not in json.loads(path.read_text())
        assert type(lrfinder.load(path)) is RangeTestResult

    def test_damaged_runs_raise_result_file_error(self, tmp_path):
        """A file whose runs are damaged is reported as such, not as a crash."""
        data = MultiRunResult([bowl(-2.0), bowl(-2.2)]).to_dict()
        data["runs"][1]["losses"] = ["oops"]
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(data))

        with pytest.raises(ResultFileError) as excinfo:
            lrfinder.load(path)

        assert "is a damaged lrfinder result" in str(excinfo.value)


class TestOutputs:
    def test_to_pandas_gives_the_median_and_the_band(self):
        """The default frame has the single-run columns plus the band and the runs reached."""
        pytest.importorskip("pandas")
        result = MultiRunResult([bowl(-2.0, noise=0.05, seed=s) for s in range(3)])

        frame = result.to_pandas()

        assert list(frame.columns) == [
            "step", "lr", "loss", "smoothed", "band_low", "band_high", "runs_reached",
        ]  # fmt: skip
        np.testing.assert_array_equal(frame["loss"].to_numpy(), result.losses)

    def test_to_pandas_per_run_is_long(self):
        """``per_run=True`` gives one row per point of every run."""
        pytest.importorskip("pandas")
        result = MultiRunResult([bowl(-2.0), bowl(-2.0, n=40, stop_reason="diverged")])

        frame = result.to_pandas(per_run=True)

        assert list(frame.columns) == ["run", "step", "lr", "loss", "smoothed"]
        assert frame.groupby("run").size().tolist() == [61, 40]

    def test_summary_names_the_runs_and_the_interval(self):
        """The summary gives the aggregate, the interval and every run's suggestion."""
        result = MultiRunResult([bowl(-2.0), bowl(-3.0), bowl(-1.5)], metadata={"path": "batched"})

        lines = result.summary().splitlines()

        assert (
            lines[0] == "range test: 3 runs, batched path, 61 steps (longest), stopped: 3 completed"
        )
        assert lines[1] == "suggested lr (minimum, median of runs): 0.001"
        assert lines[3] == "each run: 0.001, 0.0001, 0.00316"

    def test_plot_draws_the_band_and_a_tick_per_suggestion(self):
        """The plot has the median line, the band, and one rug tick per run's suggestion."""
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        result = MultiRunResult([bowl(-2.0, noise=0.02, seed=s) for s in range(4)])

        ax = result.plot(methods=("steepest", "minimum"))

        labels = [line.get_label() for line in ax.get_lines()]
        ticks = [line for line in ax.get_lines() if list(line.get_ydata()) == [0.93, 1.0]]
        assert "median of runs" in labels
        # As on one run's plot: minimum returns the lowest point divided by 10, and says so.
        assert f"minimum / 10 (median): {result.suggest('minimum').lr:.2g}" in labels
        assert len(ticks) == 4
        assert any(c.get_label() == "10%-90% of runs" for c in ax.collections)
        plt.close(ax.figure)

    def test_plot_result_hands_several_runs_to_plot_runs(self):
        """lrfinder.plot.plot_result draws a multi-run result with its band, as result.plot does."""
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from lrfinder.plot import plot_result

        ax = plot_result(MultiRunResult([bowl(-2.0), bowl(-2.2)]))

        assert "median of runs" in [line.get_label() for line in ax.get_lines()]
        plt.close(ax.figure)

    def test_plot_runs_draws_a_single_run_as_before(self):
        """Given a single result, plot_runs hands it to the single-run plot."""
        matplotlib = pytest.importorskip("matplotlib")
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = plot_runs(bowl(-2.0))

        assert "raw loss" in [line.get_label() for line in ax.get_lines()]
        plt.close(ax.figure)


class TestRangeTestRuns:
    def test_runs_each_step_and_aggregates(self):
        """``make_step(i)`` is called once per run and the result holds every run."""
        calls = []

        def make_step(index):
            calls.append(index)
            return lambda lr: (math.log10(lr) + 2.0 + 0.1 * index) ** 2

        result = range_test_runs(make_step, runs=3, start_lr=1e-6, end_lr=1.0, num_steps=61)

        assert calls == [0, 1, 2]
        assert [run.metadata["run"] for run in result.runs] == [0, 1, 2]
        assert result.metadata["path"] == "sequential"

    @pytest.mark.parametrize(
        ("runs", "error", "message"),
        [
            (0, ValueError, "`runs` must be an integer >= 1, got runs=0. Use 1 for one run, 5 for an uncertainty band."),
            (2.5, TypeError, "`runs` must be an integer, got runs=2.5 (float)."),
        ],
        ids=["zero", "float"],
    )  # fmt: skip
    def test_rejects_bad_runs(self, runs, error, message):
        """A bad run count is named, with its value, before any run."""
        with pytest.raises(error) as excinfo:
            range_test_runs(lambda i: lambda lr: 1.0, runs=runs)

        assert str(excinfo.value) == message


# A drop of 1 (from 2.5 to 1.5 around 1e-3) in noise of sd 0.3: it descends, but noisily.
NOISY_DROP = (
    2 - 0.5 * np.tanh(np.log10(LRS) + 3) + 0.3 * np.random.default_rng(2).standard_normal(61)
)


class TestAutoRuns:
    @staticmethod
    def counting(results):
        """``run(n)`` that hands out ``results[n]`` and records each ``n`` it was asked for."""
        asked = []

        def run(count):
            asked.append(count)
            return results[count]

        return run, asked

    def test_a_readable_run_stands_alone(self):
        """A clean bowl is read from one run: run(1) only, returned with a note."""
        run, asked = self.counting({1: bowl(-2.0)})

        result = auto_runs(run)

        assert asked == [1]
        assert result.metadata["runs_auto"] == "1 run: its curve is readable"

    @pytest.mark.parametrize(
        ("first", "reason"),
        [
            (RangeTestResult(np.logspace(-6, 0, 61), np.full(61, 2.0), "completed", 1e-6, 1.0, 61),
             "never clearly descended"),
            (RangeTestResult(LRS, NOISY_DROP, "completed", 1e-6, 1.0, 61), "was too noisy"),
        ],
        ids=["flat", "noisy"],
    )  # fmt: skip
    def test_an_unreadable_run_asks_for_five(self, first, reason):
        """A flat or noisy first run: run(5) follows, and the note says why."""
        five = aggregate([bowl(c) for c in (-2.2, -2.1, -2.0, -1.9, -1.8)])
        run, asked = self.counting({1: first, AUTO_RUNS: five})

        result = auto_runs(run)

        assert needs_more_runs(first) == reason
        assert asked == [1, AUTO_RUNS]
        assert result is five
        assert result.metadata["runs_auto"] == f"5 runs: the first run's curve {reason}"

    @pytest.mark.parametrize(
        ("stop_reason", "cannot_rerun", "ending"),
        [
            ("interrupted", None, "but the run was interrupted"),
            ("completed", "the data is gone", "but the data is gone"),
        ],
        ids=["interrupted", "cannot-rerun"],
    )
    def test_an_unreadable_run_stands_when_it_cannot_be_run_again(
        self, stop_reason, cannot_rerun, ending
    ):
        """Ctrl-C, or a setup the caller says cannot run again: the first run is returned, with
        its warnings, and the note says why there were no more runs."""
        first = RangeTestResult(LRS, NOISY_DROP, stop_reason, 1e-6, 1.0, 61)
        run, asked = self.counting({1: first})

        result = auto_runs(run, cannot_rerun=cannot_rerun)

        assert asked == [1]
        assert result is first
        assert result.metadata["runs_auto"] == f"1 run: its curve was too noisy, {ending}"
        assert any("noisy" in w for w in result.warnings)


class TestRunsInTurn:
    def test_each_run_gets_its_seed_and_the_aggregate_says_how(self):
        """run(None) first, then one spawned seed per later run, recorded in each run's
        metadata; the aggregate keeps the shared setup facts and names the base seed."""
        seen = []

        def run(seed):
            seen.append(seed)
            return bowl(-2.0 + 0.1 * len(seen))

        result = runs_in_turn(run, runs=3, base=11)

        assert seen == run_seeds(11, 3)
        assert seen[0] is None
        assert len(set(seen[1:])) == 2
        assert [r.metadata["seed"] for r in result.runs] == seen
        assert [r.metadata["run"] for r in result.runs] == [0, 1, 2]
        assert (result.metadata["runs"], result.metadata["seed"]) == (3, 11)
        assert run_seeds(11, 3) == run_seeds(11, 3) != run_seeds(12, 3)

    def test_ctrl_c_ends_the_experiment(self):
        """A run that comes back interrupted is the last one."""
        calls = []

        def run(seed):
            calls.append(seed)
            return bowl(-2.0, stop_reason="interrupted" if len(calls) == 2 else "completed")

        result = runs_in_turn(run, runs=5, base=0)

        assert len(calls) == 2
        assert len(result.runs) == 2

    def test_only_a_plain_list_of_batches_is_permuted(self):
        """A list is permuted by the seed (the same batches); run 0 and other iterables as is."""
        batches = list(range(20))

        class Loader:  # iterable and sized, like a DataLoader, but not a sequence
            def __iter__(self):
                return iter(batches)

            def __len__(self):
                return len(batches)

        loader = Loader()

        permuted = reordered(batches, 3)

        assert sorted(permuted) == batches
        assert permuted != batches
        assert reordered(batches, 3) == permuted
        assert reordered(batches, None) is batches
        assert reordered(loader, 3) is loader
        assert reordered("abc", 3) == "abc"


def test_a_noisy_median_curve_asks_for_more_runs_not_for_several():
    """The noise warning of a multi-run result names more runs than it had, not runs=5."""
    noisy = RangeTestResult(LRS, NOISY_DROP, "completed", 1e-6, 1.0, 61)
    three = MultiRunResult([noisy, noisy, noisy])  # the median curve is that noisy curve

    message = next(w for w in three.warnings if w.startswith("The curve is noisy"))

    assert message.endswith("a larger batch, more steps, or more runs than these 3 (runs=6).")
    assert any(
        w.endswith("(lr_find(..., runs=5), or lrfinder run --runs 5).") for w in noisy.warnings
    )


class TestAutoRunsWhenTheRerunFails:
    def test_an_lrfinder_error_in_the_reruns_keeps_the_first_run(self):
        """A rerun that fails the way a range test can (its first loss non-finite) does not lose
        the first run: it is returned, and the note names the error."""
        first = RangeTestResult(LRS, NOISY_DROP, "completed", 1e-6, 1.0, 61)

        def run(count):
            if count == 1:
                return first
            raise DivergedAtStartError("range test stopped at step 0 (lr=1e-06): loss was nan.")

        result = auto_runs(run)

        assert result is first
        assert result.metadata["runs_auto"] == (
            "1 run: its curve was too noisy, but the 5 runs failed (DivergedAtStartError: range "
            "test stopped at step 0 (lr=1e-06): loss was nan.)"
        )

    def test_any_other_error_in_the_reruns_propagates(self):
        """A bug in the user's code is not swallowed: it propagates from the reruns."""
        first = RangeTestResult(LRS, NOISY_DROP, "completed", 1e-6, 1.0, 61)

        def run(count):
            if count == 1:
                return first
            raise RuntimeError("a bug in the user's step")

        with pytest.raises(RuntimeError, match="a bug in the user's step"):
            auto_runs(run)


def test_auto_keeps_a_run_too_short_for_any_reading():
    """Two points give no reading; five such runs would give none either: one run stands."""
    from lrfinder.multirun import auto_runs

    short = lrfinder.RangeTestResult([1e-3, 1e-2], [1.0, 0.9], "completed", 1e-3, 1e-2, 2)
    calls = []

    def run(count):
        calls.append(count)
        return short

    kept = auto_runs(run)

    assert kept is short
    assert calls == [1]
    assert kept.metadata["runs_auto"] == "1 run: its curve is too short for any reading"
