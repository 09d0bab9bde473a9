"""Tests of the lrfinder command, run in-process."""

import json

import numpy as np
import pytest

import lrfinder
from lrfinder import RangeTestResult
from lrfinder.cli import main


@pytest.fixture
def saved_run(tmp_path):
    lrs = np.logspace(-6, 0, 61)
    x = np.log10(lrs)
    losses = 2.0 - np.tanh(x + 3.0) + np.exp(3.0 * (x + 0.5))
    result = RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61)
    return result, result.save(tmp_path / "run.json")


class TestSuggest:
    def test_prints_the_suggestion(self, saved_run, capsys):
        """`lrfinder suggest RUN.json` prints the default suggestion and exits 0."""
        result, path = saved_run

        code = main(["suggest", str(path)])

        assert code == 0
        assert capsys.readouterr().out == f"{result.suggestion:.6g}\n"

    def test_other_method(self, saved_run, capsys):
        """--method picks another rule."""
        result, path = saved_run

        main(["suggest", str(path), "--method", "minimum"])

        assert capsys.readouterr().out == f"{result.suggest('minimum').lr:.6g}\n"

    def test_missing_file_is_a_clean_error(self, tmp_path, capsys):
        """A missing file gives exit code 1 and a one-line message, not a traceback."""
        code = main(["suggest", str(tmp_path / "nope.json")])

        assert code == 1
        assert capsys.readouterr().err == (
            f"lrfinder suggest: error: {str(tmp_path / 'nope.json')!r}: No such file or directory\n"
        )

    def test_a_folder_is_a_clean_error(self, tmp_path, capsys):
        """Any path that cannot be read (here a folder) is one line naming it, not a traceback."""
        code = main(["suggest", str(tmp_path)])

        assert code == 1
        assert capsys.readouterr().err == (
            f"lrfinder suggest: error: {str(tmp_path)!r}: Is a directory\n"
        )


class TestPlot:
    def test_writes_a_png(self, saved_run, tmp_path, capsys):
        """`lrfinder plot RUN.json -o PNG` writes the image and says where."""
        pytest.importorskip("matplotlib")
        _, path = saved_run
        png = tmp_path / "out.png"

        code = main(["plot", str(path), "-o", str(png), "--method", "valley"])

        assert code == 0
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert capsys.readouterr().out == f"wrote {png}\n"

    def test_names_the_file_it_really_writes(self, saved_run, tmp_path, capsys):
        """An output without a suffix gets ".png", and the message names that file."""
        pytest.importorskip("matplotlib")
        _, path = saved_run

        code = main(["plot", str(path), "-o", str(tmp_path / "curve")])

        assert code == 0
        assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert capsys.readouterr().out == f"wrote {tmp_path / 'curve.png'}\n"


class TestDemo:
    def test_runs_on_the_bundled_digits(self, tmp_path, capsys):
        """The demo runs the range test on the digits, prints the suggestion and writes PNG + JSON."""
        pytest.importorskip("torch")
        pytest.importorskip("matplotlib")

        code = main(
            [
                "demo",
                "--out",
                str(tmp_path),
                "--num-steps",
                "60",
                "--train-epochs",
                "0",
                "--no-progress",
            ]
        )

        out = capsys.readouterr().out
        assert code == 0
        # AdamW has a step-size constant, so the knee is blended (lrfinder.step_size).
        assert (
            f"suggested lr ({lrfinder.DEFAULT_METHOD}, blended with the step-size reading " in out
        )
        assert "lr range for cyclical schedules: " in out
        saved = json.loads((tmp_path / "lrfinder-demo.json").read_text())
        assert saved["metadata"]["optimizer"] == "AdamW"
        assert saved["metadata"]["update_sensitivity"] > 0
        assert (tmp_path / "lrfinder-demo.png").stat().st_size > 10_000

    def test_several_runs_draw_the_band(self, tmp_path, capsys):
        """`--runs 2` runs the demo's range test twice and saves both runs."""
        pytest.importorskip("torch")
        pytest.importorskip("matplotlib")
        args = ["demo", "--out", str(tmp_path), "--num-steps", "40", "--train-epochs", "0"]

        code = main([*args, "--runs", "2", "--no-progress"])

        out = capsys.readouterr().out
        assert code == 0
        assert "range test: 2 runs, " in out
        assert len(lrfinder.load(tmp_path / "lrfinder-demo.json").runs) == 2

    def test_a_bad_run_count_stops_before_the_data_loads(self, tmp_path, capsys):
        """`--runs 0` is refused with the flag's name, and nothing is written."""
        code = main(["demo", "--out", str(tmp_path / "out"), "--runs", "0"])

        captured = capsys.readouterr()
        assert code == 1
        assert captured.err.startswith(
            "lrfinder demo: error: `--runs` must be an integer >= 1 or 'auto', got --runs='0'."
        )
        assert not (tmp_path / "out").exists()

    def test_an_output_path_that_is_a_file_stops_before_the_run(self, tmp_path, capsys):
        """`--out` naming an existing file is refused at once, before the range test runs."""
        taken = tmp_path / "taken"
        taken.write_text("mine")

        code = main(["demo", "--out", str(taken), "--train-epochs", "0", "--no-progress"])

        captured = capsys.readouterr()
        assert code == 1
        assert captured.out == ""  # not even the banner: no data loaded, no range test run
        assert captured.err == (
            f"lrfinder demo: error: --out {str(taken)!r} is a file, not a folder: pass a folder "
            "for the outputs.\n"
        )
        assert taken.read_text() == "mine"

    @pytest.mark.parametrize("flag", ["--seed", "--train-epochs"])
    def test_negative_counts_are_usage_errors(self, flag, capsys):
        """A negative seed or epoch count is refused by the parser (exit code 2), by name."""
        with pytest.raises(SystemExit) as excinfo:
            main(["demo", flag, "-1"])

        assert excinfo.value.code == 2
        assert f"argument {flag}: must be >= 0, got -1" in capsys.readouterr().err


class TestUsage:
    def test_no_command_prints_help(self, capsys):
        """Without a command the help is printed and the exit code is 2."""
        assert main([]) == 2
        assert "usage: lrfinder" in capsys.readouterr().out
