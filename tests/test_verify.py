"""Tests for lrfinder.verify: short 1cycle runs around the suggestion, saved and resumable."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lrfinder

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")
from lrfinder.user_setup import Setup  # noqa: E402 - after the importorskip
from lrfinder.verify import VerifyReport, load_report, verify  # noqa: E402

STEPS = 12
CALLS = {"factory": 0}


def factory() -> Setup:
    """Linear regression on 64 seeded points, SGD with momentum, batches of 16."""
    CALLS["factory"] += 1
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(64, 4, generator=generator)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = torch.nn.Linear(4, 1)
    return Setup(
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        train_data=torch.utils.data.DataLoader(
            list(zip(X[:48], y[:48], strict=True)), batch_size=16
        ),
        loss_fn=torch.nn.functional.mse_loss,
        val_data=[(X[48:], y[48:])],
    )


def within(model, data) -> dict[str, float]:
    """Two metrics: the fraction of predictions within 1.0 of the target, and the max error."""
    inputs, targets = data[0]
    error = (model(inputs) - targets).abs()
    return {"within": float((error < 1.0).float().mean()), "max_error": float(error.max())}


@pytest.fixture
def result() -> lrfinder.RangeTestResult:
    """A synthetic range test swept from 1e-6 to 1 whose (steepest-rule) suggestion is 1e-3."""
    lrs = np.logspace(-6, 0, 61)
    losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
    return lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp", "steepest")


def _quiet(**kwargs):
    return verify(factory, steps=STEPS, progress=False, **kwargs)


class TestVerify:
    def test_one_row_per_lr_with_train_and_val_loss(self):
        """Each lr gets a row with its final training loss and validation loss."""
        report = _quiet(lrs=[0.1, 0.01])

        assert [row["lr"] for row in report.rows] == [0.01, 0.1]
        assert report.metric == "val_loss"
        assert all(math.isfinite(row["train_loss"]) for row in report.rows)
        assert report.best_lr == min(report.rows, key=lambda r: r["val_loss"])["lr"]

    def test_row_matches_a_hand_written_one_cycle_loop(self):
        """The row's training loss equals a loop over torch's OneCycleLR written by hand."""
        report = _quiet(lrs=[0.05])
        lrfinder.user_setup.seed_everything(0)
        setup = factory()
        scheduler = torch.optim.lr_scheduler.OneCycleLR(
            setup.optimizer, max_lr=0.05, total_steps=STEPS, base_momentum=0.85, max_momentum=0.95
        )
        losses = []
        while len(losses) < STEPS:
            for inputs, targets in setup.train_data:
                if len(losses) == STEPS:
                    break
                setup.optimizer.zero_grad()
                loss = setup.loss_fn(setup.model(inputs), targets)
                loss.backward()
                setup.optimizer.step()
                scheduler.step()
                losses.append(loss.item())

        assert report.rows[0]["train_loss"] == float(np.mean(losses[-1:]))  # 10% of 12 -> 1

    def test_default_lrs_are_half_decades_up_to_a_decade_around_the_suggestion(self, result):
        """Without lrs, the suggestion is tried x0.1, x0.316, x1, x3.16 and x10."""
        report = _quiet(result=result)

        half = 10**0.5
        factors = [0.1, 1 / half, 1, half, 10]
        np.testing.assert_allclose([r["factor"] for r in report.rows], factors, rtol=1e-12)
        np.testing.assert_allclose([r["lr"] for r in report.rows], np.multiply(factors, 1e-3))
        assert report.suggestion == result.suggestion

    def test_keeps_default_lrs_inside_the_swept_range(self, result):
        """Multiples of the suggestion beyond the swept range are not tried."""
        narrow = lrfinder.RangeTestResult(
            result.lrs[:41], result.losses[:41], "completed", 1e-6, 1e-2, 41, "exp", "steepest"
        )

        report = _quiet(result=narrow, factors=(0.1, 1.0, 10.0, 100.0))

        assert len(report.rows) == 3
        assert report.rows[-1]["lr"] == pytest.approx(10 * narrow.suggestion, rel=1e-12)
        assert report.skipped_lrs == [pytest.approx(100 * narrow.suggestion, rel=1e-12)]
        assert str(report).splitlines()[-1] == (
            f"not tried (outside the range the test swept): {100 * narrow.suggestion:.3g}"
        )

    def test_runs_the_range_test_when_given_neither(self, tmp_path):
        """With no result and no lrs, a range test on a fresh setup gives the suggestion."""
        report = _quiet(out_dir=tmp_path, range_test_kwargs={"num_steps": 30})

        saved = lrfinder.load(tmp_path / "verify-range-test.json")
        assert report.suggestion == saved.suggestion
        assert report.range_test is not None

    def test_writes_json_csv_and_png(self, tmp_path):
        """The JSON, CSV and PNG files appear in out_dir and the JSON reads back."""
        report = _quiet(lrs=[0.01, 0.1], out_dir=tmp_path)

        names = sorted(p.name for p in tmp_path.iterdir())
        again = load_report(tmp_path / "verify.json")
        assert names == ["verify.csv", "verify.json", "verify.png"]
        assert (tmp_path / "verify.csv").read_text().splitlines()[0] == (
            "lr,factor,train_loss,val_loss,diverged,steps_done,seconds"
        )
        assert again.rows == report.rows

    def test_resume_skips_lrs_already_done(self, tmp_path):
        """A second call in the same folder trains only the lrs it has not seen."""
        _quiet(lrs=[0.01, 0.1], out_dir=tmp_path)
        CALLS["factory"] = 0

        report = _quiet(lrs=[0.01, 0.1, 0.03], out_dir=tmp_path)

        assert CALLS["factory"] == 1
        assert [r["lr"] for r in report.rows] == [0.01, 0.03, 0.1]

    def test_resume_false_trains_again(self, tmp_path):
        """resume=False ignores the runs saved in the folder."""
        _quiet(lrs=[0.01], out_dir=tmp_path)
        CALLS["factory"] = 0

        _quiet(lrs=[0.01], out_dir=tmp_path, resume=False)

        assert CALLS["factory"] == 1

    def test_resume_refuses_a_check_with_other_settings(self, tmp_path):
        """Saved runs of another length are not mixed with new ones."""
        _quiet(lrs=[0.01], out_dir=tmp_path)

        with pytest.raises(ValueError) as excinfo:
            verify(factory, lrs=[0.01], steps=STEPS + 1, out_dir=tmp_path, progress=False)

        assert str(excinfo.value) == (
            f"{str(tmp_path)!r} holds a check made with steps=12, seed=0, not steps=13, seed=0: "
            "its runs cannot be reused. Pass resume=False (--no-resume) to start over, or use "
            "another folder."
        )

    def test_resume_refuses_runs_scored_or_scheduled_otherwise(self, tmp_path):
        """Runs saved with another evaluate function or other one_cycle_kwargs are not reused
        as if they were this check's (the table would mix metrics, or misreport the schedule)."""
        _quiet(lrs=[0.01], out_dir=tmp_path)

        with pytest.raises(ValueError, match=r"evaluate=None, not evaluate='within'"):
            _quiet(lrs=[0.01], out_dir=tmp_path, evaluate=within, metric="val_within")
        with pytest.raises(ValueError, match=r"one_cycle_kwargs=\{\}, not one_cycle_kwargs="):
            _quiet(lrs=[0.01], out_dir=tmp_path, one_cycle_kwargs={"pct_start": 0.5})

    def test_a_damaged_saved_check_names_the_file_and_the_way_out(self, tmp_path):
        """A truncated verify.json says which file and how to start over, not a bare JSON error."""
        _quiet(lrs=[0.01], out_dir=tmp_path)
        path = tmp_path / "verify.json"
        path.write_text(path.read_text()[:40])

        with pytest.raises(ValueError) as excinfo:
            _quiet(lrs=[0.01], out_dir=tmp_path)

        assert str(excinfo.value).startswith(f"{str(path)!r} is not valid JSON (truncated")
        assert str(excinfo.value).endswith(
            "Pass resume=False (--no-resume) to start over, or use another folder."
        )

    def test_an_unknown_metric_stops_after_the_first_run(self):
        """A metric no row has is reported as soon as the first run shows the columns."""
        CALLS["factory"] = 0

        with pytest.raises(ValueError, match=r"`metric` must be one of the report's columns"):
            _quiet(lrs=[0.01, 0.03, 0.1], metric="val_acc")

        assert CALLS["factory"] == 1

    def test_without_val_data_the_evaluated_metric_decides(self):
        """With no val_data the evaluate function scores the training data: its column, not the
        runs' own train_loss, is the default metric, and an evaluated "loss" gets a column of its
        own instead of overwriting train_loss."""

        def no_val() -> Setup:
            setup = factory()
            setup.val_data = None
            return setup

        def scores(model, data):
            inputs, targets = next(iter(data))
            error = (model(inputs) - targets).abs()
            return {"within": float((error < 1.0).float().mean()), "loss": 123.0}

        report = verify(no_val, scores, lrs=[1e-4, 0.05], steps=STEPS, maximize=True,
                        progress=False)  # fmt: skip

        assert report.metric == "train_within"
        assert report.best_lr == max(report.rows, key=lambda r: r["train_within"])["lr"]
        assert all(row["train_eval_loss"] == 123.0 for row in report.rows)
        assert all(row["train_loss"] != 123.0 for row in report.rows)

    def test_minimising_a_score_warns(self):
        """An accuracy minimised would pick the worst rate: verify says to pass maximize."""

        def accuracy(model, data):
            inputs, targets = data[0]
            return float(((model(inputs) - targets).abs() < 1.0).float().mean())

        with pytest.warns(UserWarning, match=r"'val_accuracy' looks like a score"):
            _quiet(lrs=[0.01], evaluate=accuracy)

    def test_maximizing_the_training_loss_is_refused(self):
        """With nothing evaluated the metric is train_loss: maximize would pick the worst run."""

        def no_val() -> Setup:
            setup = factory()
            setup.val_data = None
            return setup

        with pytest.raises(ValueError, match=r"^maximize=True but the metric is train_loss"):
            verify(no_val, lrs=[0.01, 0.1], steps=STEPS, maximize=True, progress=False)

    def test_same_seed_gives_the_same_run(self):
        """Every run starts from the same weights and data order: reruns are identical."""
        first = _quiet(lrs=[0.02]).rows[0]

        second = _quiet(lrs=[0.02]).rows[0]

        assert (first["train_loss"], first["val_loss"]) == (
            second["train_loss"],
            second["val_loss"],
        )

    def test_marks_a_diverged_run_and_never_picks_it(self):
        """A run whose loss becomes non-finite is marked, stopped early and not the best."""
        report = _quiet(lrs=[0.01, 1e8])

        diverged = report.rows[1]
        assert diverged["diverged"] is True
        assert math.isnan(diverged["train_loss"])
        assert diverged["steps_done"] < STEPS
        assert report.best_lr == 0.01

    def test_a_one_shot_iterable_ends_the_run_early(self):
        """A generator of batches that runs out ends the run; steps_done says where."""

        def one_shot():
            setup = factory()
            setup.train_data = iter(list(setup.train_data))  # 3 batches, cannot restart
            return setup

        report = verify(one_shot, lrs=[0.01], steps=STEPS, progress=False)

        assert report.rows[0]["steps_done"] == 3
        assert math.isfinite(report.rows[0]["train_loss"])

    def test_evaluate_returning_a_dict_and_maximize(self):
        """A dict of metrics becomes val_* columns; maximize picks the largest."""
        report = _quiet(lrs=[1e-4, 0.05], evaluate=within, metric="val_within", maximize=True)

        assert {"val_within", "val_max_error"} <= set(report.columns)
        assert report.best_lr == max(report.rows, key=lambda r: r["val_within"])["lr"]

    @pytest.mark.parametrize(
        ("kwargs", "error", "message"),
        [
            (
                {"steps": 1},
                ValueError,
                "`steps` must be an integer >= 2, got steps=1. Each run "
                "is a 1cycle of this many updates.",
            ),
            ({"processes": 0}, ValueError, "`processes` must be an integer >= 1, got processes=0."),
            ({"lrs": []}, ValueError, "`lrs` must hold at least one learning rate, got lrs=[]."),
            (
                {"lrs": [0.1, -1.0]},
                ValueError,
                "`lrs[1]` must be a finite number > 0, got lrs[1]=-1.0.",
            ),
            (
                {"result": 0.01, "lrs": [0.1]},
                TypeError,
                "`result` must be a RangeTestResult, got "
                "result=float. Pass what lrfinder.lr_find or lrfinder.load returned.",
            ),
            (
                {"processes": 2, "lrs": [0.1], "evaluate": lambda m, d: 0.0},
                TypeError,
                "`evaluate` must be importable to run in worker processes (processes > 1), got "
                "'TestVerify.<lambda>'. Define it at module level in a file and pass it (or "
                "'FILE.py:NAME'), or use processes=1.",
            ),
        ],
        ids=["steps", "processes", "empty-lrs", "negative-lr", "result", "lambda-in-processes"],
    )
    def test_rejects_bad_arguments(self, kwargs, error, message):
        """Each bad argument is named, with its value, before any training."""
        CALLS["factory"] = 0

        with pytest.raises(error) as excinfo:
            verify(factory, progress=False, **kwargs)

        assert str(excinfo.value) == message
        assert CALLS["factory"] == 0

    def test_rejects_a_factory_that_is_not_callable(self):
        """A factory that is neither callable nor a spec string is named."""
        with pytest.raises(TypeError) as excinfo:
            verify(42, lrs=[0.1])

        assert str(excinfo.value) == (
            "`factory` must be a callable or a 'FILE.py:NAME' string, got factory=42 (int)."
        )

    @pytest.mark.slow
    def test_parallel_runs_equal_serial_runs(self, tmp_path):
        """Two spawned worker processes give the same rows as one process."""
        path = tmp_path / "setup_for_workers.py"
        path.write_text(_FACTORY_SOURCE)
        spec = f"{path}:factory"

        serial = verify(spec, lrs=[0.01, 0.1], steps=STEPS, progress=False)
        parallel = verify(spec, lrs=[0.01, 0.1], steps=STEPS, progress=False, processes=2)

        keys = ("lr", "train_loss", "diverged", "steps_done")
        assert [[r[k] for k in keys] for r in parallel.rows] == [
            [r[k] for k in keys] for r in serial.rows
        ]


_FACTORY_SOURCE = """
import torch
from lrfinder.user_setup import Setup


def factory():
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(64, 4, generator=generator)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = torch.nn.Linear(4, 1)
    return Setup(
        model,
        torch.optim.SGD(model.parameters(), lr=0.01),
        torch.utils.data.DataLoader(list(zip(X, y, strict=True)), batch_size=16),
        torch.nn.functional.mse_loss,
    )
"""


class TestVerifyReport:
    def _report(self) -> VerifyReport:
        rows = [
            {"lr": 1e-3, "factor": 0.1, "train_loss": 0.9, "val_loss": 1.0, "diverged": False},
            {"lr": 1e-2, "factor": 1.0, "train_loss": 0.2, "val_loss": 0.3, "diverged": False},
            {
                "lr": 1e-1,
                "factor": 10.0,
                "train_loss": math.nan,
                "val_loss": math.nan,
                "diverged": True,
            },
        ]
        return VerifyReport(rows, suggestion=1e-2, metric="val_loss", steps=50)

    def test_table_marks_the_suggestion_and_the_best(self):
        """The plain-text table names the suggestion's row and the best row."""
        text = str(self._report())

        assert text.splitlines() == [
            "   lr  factor  train_loss  val_loss  diverged",
            "0.001     0.1         0.9         1        no",
            " 0.01       1         0.2       0.3        no  suggestion, best val_loss",
            "  0.1      10         nan       nan       yes",
            "best val_loss: 0.3 at lr 0.01 (the suggestion itself)",
        ]

    def test_a_best_at_the_edge_of_the_rates_tried_says_to_look_further_out(self):
        """When the best run is the lowest (or highest) rate tried, the summary says the best
        may lie beyond it instead of letting the edge pass for a peak."""
        rows = [dict(row) for row in self._report().rows]
        rows[0]["val_loss"], rows[1]["val_loss"] = 0.2, 0.3  # now the lowest rate is best
        low = VerifyReport(rows, suggestion=1e-2, metric="val_loss", steps=50)
        rows = [dict(row) for row in rows]
        rows[0]["val_loss"], rows[1]["val_loss"] = 0.5, 0.4
        inside = VerifyReport(rows, suggestion=1e-3, metric="val_loss", steps=50)

        assert low.summary() == (
            "best val_loss: 0.2 at lr 0.001 (0.1 x the suggestion 0.01), the lowest rate tried: "
            "try further out (factors= or lrs=)"
        )
        assert inside.summary() == "best val_loss: 0.4 at lr 0.01 (10 x the suggestion 0.001)"

    def test_json_round_trip_keeps_nan(self):
        """to_dict writes NaN as null and from_dict reads it back as NaN."""
        report = self._report()

        again = VerifyReport.from_dict(json.loads(json.dumps(report.to_dict(), allow_nan=False)))

        assert math.isnan(again.rows[2]["train_loss"])
        assert again.rows[:2] == report.rows[:2]
        assert (again.suggestion, again.metric, again.steps) == (1e-2, "val_loss", 50)

    def test_plot_has_log_x_the_suggestion_and_the_best(self):
        """The figure has a log lr axis, the suggestion line and the legend entries."""
        ax = self._report().plot()

        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert ax.get_xscale() == "log"
        assert labels == [
            "final training loss",
            "val loss",
            "diverged",
            "suggestion 0.01",
            "best val loss at 0.01",
        ]
        assert ax.get_xlabel() == "peak learning rate of the 1cycle run"

    def test_to_pandas_has_one_row_per_lr(self):
        """The DataFrame has the report's columns and rows."""
        pytest.importorskip("pandas")

        frame = self._report().to_pandas()

        assert list(frame.columns) == ["lr", "factor", "train_loss", "val_loss", "diverged"]
        assert frame["lr"].tolist() == [1e-3, 1e-2, 1e-1]
