"""Tests of RangeTestResult: reading, saving, loading."""

import json
import math

import numpy as np
import pytest

import lrfinder
from lrfinder import NotEnoughPointsError, RangeTestResult, ResultFileError


def make_result(losses=None, **kwargs):
    lrs = np.logspace(-6, 0, 61)
    if losses is None:
        x = np.log10(lrs)
        losses = 2.0 - np.tanh(x + 3.0) + np.exp(3.0 * (x + 0.5))
    fields = {"stop_reason": "completed", "start_lr": 1e-6, "end_lr": 1.0, "num_steps": 61}
    return RangeTestResult(lrs[: len(losses)], losses, **(fields | kwargs))


class TestReading:
    def test_suggestion_is_the_default_rule(self):
        """result.suggestion is the lr of result.suggest() under the result's method."""
        result = make_result()

        assert result.suggestion == result.suggest().lr == result.suggest(result.method).lr
        assert result.suggest().method == lrfinder.DEFAULT_METHOD

    def test_every_registered_rule_answers(self):
        """suggest(name) works for each rule in the registry and stays inside the ladder."""
        result = make_result()

        for name in lrfinder.SUGGESTERS:
            suggestion = result.suggest(name)
            assert suggestion.method == name
            assert result.lrs[0] <= suggestion.lr <= result.lrs[-1]

    def test_lr_range_brackets_the_suggestion(self):
        """lr_range is (low, high) with high the suggestion and low between high/25 and high/3."""
        result = make_result()

        low, high = result.lr_range

        assert high == result.suggestion
        assert high / 25 <= low <= high / 3

    def test_raw_losses_are_kept(self):
        """The raw losses are stored untouched, smoothed separately."""
        losses = np.r_[np.ones(10), 5.0, np.ones(10)]

        result = make_result(losses)

        np.testing.assert_array_equal(result.losses, losses)
        assert result.smoothed[10] < 5.0

    def test_smoothed_is_nan_after_the_first_non_finite_loss(self):
        """Nothing after a NaN means anything: the smoothed curve stops there."""
        losses = np.r_[np.linspace(2, 1, 20), np.nan, 1.0]

        result = make_result(losses, stop_reason="non-finite")

        assert np.all(np.isfinite(result.smoothed[:20]))
        assert np.all(np.isnan(result.smoothed[20:]))

    def test_too_short_a_curve_raises(self):
        """Two points are too few: the error says what was seen and what to try."""
        result = make_result(np.array([1.0, 0.9]))

        with pytest.raises(NotEnoughPointsError) as excinfo:
            result.suggestion  # noqa: B018 - the property raises

        assert str(excinfo.value) == (
            f"{lrfinder.DEFAULT_METHOD} needs at least 3 finite losses after skipping, got 2 (2 recorded, 0 at or "
            "after the first non-finite loss, 0 skipped at the start, 0 at the end). Run more "
            "steps, lower skip_start/skip_end, or lower start_lr if the loss was non-finite early."
        )

    def test_arrays_are_read_only(self):
        """A result cannot be changed by accident through its arrays."""
        result = make_result()

        with pytest.raises(ValueError, match="read-only"):
            result.losses[0] = 0.0

    def test_single_run_holds_itself(self):
        """runs of a single-run result is a one-tuple of itself."""
        result = make_result()

        assert result.runs == (result,)

    def test_summary_names_the_suggestion(self):
        """summary() gives the suggestion and the range in a line each."""
        result = make_result()

        lines = result.summary().splitlines()

        assert lines[0] == "range test: 61 steps, stopped: completed"
        assert lines[1] == f"suggested lr ({lrfinder.DEFAULT_METHOD}): {result.suggestion:.3g}"

    def test_bad_stop_reason_rejected(self):
        """An unknown stop_reason is named in the error."""
        with pytest.raises(ValueError, match="`stop_reason` must be one of"):
            make_result(stop_reason="tired")

    def test_to_pandas(self):
        """to_pandas gives one row per step with the raw and smoothed loss."""
        frame = make_result().to_pandas()

        assert list(frame.columns) == ["step", "lr", "loss", "smoothed"]
        assert len(frame) == 61


class TestSaveLoad:
    def test_round_trip_is_lossless(self, tmp_path):
        """Saving and loading gives back the same floats, NaN and inf included."""
        losses = np.r_[np.linspace(2.0, 1.0, 10), np.inf, -np.inf, np.nan, 1e-300, 1 / 3]
        result = make_result(losses, stop_reason="non-finite", metadata={"optimizer": "AdamW"})

        loaded = lrfinder.load(result.save(tmp_path / "run.json"))

        np.testing.assert_array_equal(loaded.lrs, result.lrs)
        np.testing.assert_array_equal(loaded.losses, result.losses)  # NaN == NaN here
        assert (loaded.stop_reason, loaded.metadata) == ("non-finite", {"optimizer": "AdamW"})

    def test_file_is_strict_json(self, tmp_path):
        """The file is standard JSON (no bare NaN), readable by any JSON parser."""
        path = make_result(np.r_[1.0, 0.5, math.nan]).save(tmp_path / "run.json")

        data = json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(name))

        assert data["losses"] == [1.0, 0.5, "NaN"]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('{"format": "lrfinder.RangeTestResult", "version": 1, "lrs": [', "is not valid JSON"),
            ('{"hello": 1}', "is not an lrfinder result"),
            (
                '{"format": "lrfinder.RangeTestResult", "version": 99}',
                "written by a newer lrfinder",
            ),
            (
                '{"format": "lrfinder.RangeTestResult", "version": 1}',
                "is a damaged lrfinder result",
            ),
        ],
        ids=["truncated", "not_ours", "newer", "missing_fields"],
    )
    def test_bad_files_are_rejected(self, tmp_path, text, message):
        """Corrupt, foreign, newer and incomplete files raise ResultFileError saying which."""
        path = tmp_path / "run.json"
        path.write_text(text)

        with pytest.raises(ResultFileError, match=message):
            lrfinder.load(path)

    def test_save_leaves_no_temporary_file(self, tmp_path):
        """The atomic write renames its temporary file into place."""
        make_result().save(tmp_path / "run.json")

        assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_saved_file_is_readable_like_any_other(tmp_path):
    """The atomic write gives the file the usual permissions (umask applied), not mkstemp's 0600."""
    import os

    umask = os.umask(0o022)
    try:
        path = make_result().save(tmp_path / "run.json")
    finally:
        os.umask(umask)

    assert path.stat().st_mode & 0o777 == 0o644


def test_metadata_with_non_finite_and_numpy_values_round_trips(tmp_path):
    """Metadata holding NaN, tuples and numpy scalars is saved as plain JSON, not refused."""
    result = make_result(metadata={"betas": (0.9, 0.999), "best": float("nan"), "n": np.int64(3)})

    loaded = lrfinder.load(result.save(tmp_path / "run.json"))

    assert loaded.metadata == {"betas": [0.9, 0.999], "best": "NaN", "n": 3}


def test_metadata_that_cannot_be_json_is_named(tmp_path):
    """An object in the metadata is refused with its key named, and no file is written."""
    result = make_result(metadata={"model": object})

    with pytest.raises(TypeError, match=r"`metadata\['model'\]` must hold JSON-friendly values"):
        result.save(tmp_path / "run.json")

    assert not (tmp_path / "run.json").exists()


def test_single_run_interval_is_the_suggestion_itself():
    """A single run's suggestion_interval is (suggestion, suggestion), so code reads both kinds alike."""
    result = make_result()

    assert result.suggestion_interval == (result.suggestion, result.suggestion)
