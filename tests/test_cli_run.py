"""Tests for `lrfinder run` / `lrfinder verify` on the user's own setup, and how a factory loads."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("matplotlib")
import lrfinder  # noqa: E402 - after the importorskip
from lrfinder import user_setup  # noqa: E402
from lrfinder.cli import main  # noqa: E402

SETUP_SOURCE = """
import torch
from lrfinder.user_setup import Setup


def factory():
    generator = torch.Generator().manual_seed(1)
    X = torch.randn(96, 4, generator=generator)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]])
    model = torch.nn.Linear(4, 1)
    return Setup(
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        train_data=torch.utils.data.DataLoader(list(zip(X[:64], y[:64])), batch_size=16),
        loss_fn=torch.nn.functional.mse_loss,
        val_data=[(X[64:], y[64:])],
    )


def as_dict():
    setup = factory()
    return {"model": setup.model, "optimizer": setup.optimizer,
            "train_loader": setup.train_data, "loss_fn": setup.loss_fn}


def as_tuple():
    setup = factory()
    return setup.model, setup.optimizer, setup.train_data, setup.loss_fn


def bad():
    return 42


def pair():
    setup = factory()
    return setup.model, setup.optimizer


def typo():
    return {"model": None, "optimiser": None, "train_data": None}


NOT_CALLABLE = 3
"""


@pytest.fixture
def setup_file(tmp_path):
    """A factory file like a user's, written to a fresh folder."""
    path = tmp_path / "user_setup_file.py"
    path.write_text(SETUP_SOURCE)
    return path


class TestRunCommand:
    def test_runs_the_range_test_and_writes_the_outputs(self, setup_file, tmp_path, capsys):
        """`lrfinder run FILE.py:factory` prints the suggestion and writes JSON and PNG."""
        out = tmp_path / "out"

        code = main(
            [
                "run",
                f"{setup_file}:factory",
                "--out",
                str(out),
                "--num-steps",
                "40",
                "--runs",
                "1",
                "--no-progress",
            ]
        )
        lines = capsys.readouterr().out.splitlines()

        assert code == 0
        assert lines[0] == f"lrfinder run: {setup_file}:factory"
        assert lines[1] == "Linear (5 parameters), SGD, batch 16, device cpu"
        assert lines[2].startswith("range test: ")
        assert lines[4].startswith(
            f"suggested lr ({lrfinder.DEFAULT_METHOD}, x0.10 for batch 16, without momentum; "
            "blended with the step-size reading "
        )
        assert lines[-2:] == [
            f"wrote {out / 'lrfinder-run.json'}",
            f"wrote {out / 'lrfinder-run.png'}",
        ]
        saved = json.loads((out / "lrfinder-run.json").read_text())
        assert saved["metadata"]["factory"] == "user_setup_file.py:factory"

    def test_runs_several_range_tests(self, setup_file, tmp_path, capsys):
        """`--runs N` runs lr_find(runs=N): the summary and the saved file hold every run."""
        out = tmp_path / "out"

        args = ["run", f"{setup_file}:factory", "--runs", "2", "--num-steps", "30"]

        code = main([*args, "--out", str(out), "--no-progress"])
        lines = capsys.readouterr().out.splitlines()

        assert code == 0
        assert lines[3].startswith("range test: 2 runs, ")
        assert any(line.startswith("runs' suggestions 10%-90%: ") for line in lines)
        saved = lrfinder.load(out / "lrfinder-run.json")
        assert isinstance(saved, lrfinder.MultiRunResult)
        assert len(saved.runs) == 2
        assert (out / "lrfinder-run.png").exists()

    @pytest.mark.parametrize("count", ["0", "five", "2.5"])
    def test_a_bad_run_count_stops_before_the_factory(self, setup_file, tmp_path, capsys, count):
        """A bad `--runs` is refused with the flag's name before the factory is even loaded."""
        out = tmp_path / "out"

        code = main(["run", f"{setup_file}:factory", "--runs", count, "--out", str(out)])
        captured = capsys.readouterr()

        assert code == 1
        assert captured.out == ""
        assert captured.err == (
            f"lrfinder run: error: `--runs` must be an integer >= 1 or 'auto', got --runs="
            f"'{count}'. Use 1 for a single range test, 5 for an uncertainty band, auto for five "
            "only when one cannot be read.\n"
        )
        assert not out.exists()

    def test_auto_runs_five_when_the_first_curve_is_unreadable(self, setup_file, tmp_path, capsys):
        """By default (`--runs auto`) on this small, noisy setup: the first run is too noisy to
        read alone, so five run, and the output says why."""
        out = tmp_path / "out"

        code = main(
            [
                "run",
                f"{setup_file}:factory",
                "--num-steps",
                "60",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        lines = capsys.readouterr().out.splitlines()

        assert code == 0
        assert "runs='auto': 5 runs: the first run's curve was too noisy" in lines
        saved = lrfinder.load(out / "lrfinder-run.json")
        assert isinstance(saved, lrfinder.MultiRunResult)
        assert len(saved.runs) == 5

    @pytest.mark.parametrize("name", ["as_dict", "as_tuple"])
    def test_accepts_a_dict_or_a_tuple(self, setup_file, tmp_path, name, capsys):
        """A factory may return a dict (train_loader alias) or a 4-tuple."""
        code = main(
            [
                "run",
                f"{setup_file}:{name}",
                "--out",
                str(tmp_path / name),
                "--num-steps",
                "20",
                "--no-progress",
            ]
        )

        assert code == 0
        assert (tmp_path / name / "lrfinder-run.json").exists()

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            ("missing.py:factory", "no such file: '{cwd}/missing.py' (from 'missing.py:factory')."),
            (
                "{file}",
                "`factory` must be FILE.py:NAME or MODULE:NAME, got factory='{file}'. "
                "Example: my_setup.py:factory",
            ),
            (
                "{file}:fctory",
                "'{file}' has no attribute 'fctory' (from '{file}:fctory'). "
                "Callables it defines: Setup, as_dict, as_tuple, bad, factory, pair, typo.",
            ),
            (
                "{file}:NOT_CALLABLE",
                "`factory` must name a callable, got '{file}:NOT_CALLABLE', an int.",
            ),
            (
                "{file}:bad",
                "user_setup_file.py:bad() must return an lrfinder.user_setup.Setup, a "
                "dict or a (model, optimizer, train_data[, loss_fn]) tuple, got int 42.",
            ),
            (
                "{file}:pair",
                "user_setup_file.py:pair() must return an lrfinder.user_setup.Setup, a "
                "dict or a (model, optimizer, train_data[, loss_fn]) tuple, got a tuple of 2 "
                "(Linear, SGD).",
            ),
            (
                "{file}:typo",
                "user_setup_file.py:typo() returned a dict with unknown keys "
                "['optimiser']; the keys are ['evaluate', 'loss_fn', 'model', 'optimizer', "
                "'step_fn', 'train_data', 'val_data'] (train_loader and val_loader are accepted "
                "too).",
            ),
            (
                "no_such_module_xyz:factory",
                "cannot import module 'no_such_module_xyz' (from "
                "'no_such_module_xyz:factory'): No module named 'no_such_module_xyz'. Give a path "
                "ending in .py, or run from the folder that holds the module.",
            ),
        ],
        ids=[
            "missing-file",
            "no-name",
            "missing-name",
            "not-callable",
            "wrong-return",
            "model-and-optimizer-only",
            "typo",
            "missing-module",
        ],
    )
    def test_explains_a_bad_factory(self, setup_file, tmp_path, monkeypatch, capsys, spec, message):
        """A factory that cannot be loaded or returns the wrong thing exits 1 with the reason."""
        monkeypatch.chdir(tmp_path)
        spec = spec.format(file=setup_file)

        code = main(["run", spec, "--out", str(tmp_path / "out"), "--no-progress"])
        err = capsys.readouterr().err

        assert code == 1
        expected = message.format(file=setup_file, cwd=tmp_path.resolve())
        assert err == f"lrfinder run: error: {expected}\n"


class TestVerifyCommand:
    def test_prints_the_table_and_resumes(self, setup_file, tmp_path, capsys):
        """`lrfinder verify` prints a row per lr; a rerun reuses them and prints the same table."""
        args = [
            "verify",
            f"{setup_file}:factory",
            "--lrs",
            "0.01,0.1",
            "--steps",
            "6",
            "--out",
            str(tmp_path / "v"),
            "--no-progress",
        ]

        first = (main(args), capsys.readouterr().out)
        second = (main(args), capsys.readouterr().out)

        assert first == second
        lines = first[1].splitlines()
        assert first[0] == 0
        assert lines[0] == f"lrfinder verify: {setup_file}:factory, 6-step 1cycle runs"
        assert lines[1].split() == ["lr", "factor", "train_loss", "val_loss", "diverged"]
        assert [line.split()[0] for line in lines[2:4]] == ["0.01", "0.1"]
        assert lines[4].startswith("best val_loss: ")
        assert lines[5:] == [
            f"wrote {tmp_path / 'v' / name}" for name in ("verify.json", "verify.csv", "verify.png")
        ]

    def test_checks_a_saved_range_test(self, setup_file, tmp_path, capsys):
        """--result takes the suggestion from a saved run; the lrs are multiples of it."""
        main(
            [
                "run",
                f"{setup_file}:factory",
                "--out",
                str(tmp_path),
                "--num-steps",
                "30",
                "--no-progress",
            ]
        )
        capsys.readouterr()

        code = main(
            [
                "verify",
                f"{setup_file}:factory",
                "--result",
                str(tmp_path / "lrfinder-run.json"),
                "--steps",
                "4",
                "--out",
                str(tmp_path / "v"),
                "--no-progress",
            ]
        )
        lines = capsys.readouterr().out.splitlines()

        assert code == 0
        assert any(line.split()[1:2] == ["1"] and "suggestion" in line for line in lines[2:])


class TestLoadObject:
    def test_loads_a_module_attribute(self):
        """MODULE:NAME imports the module and returns the attribute."""
        function = user_setup.load_object("lrfinder.data:digits_demo")

        assert function.__name__ == "digits_demo"

    def test_the_same_file_loads_once(self, setup_file):
        """Loading a file twice returns the same function object."""
        first = user_setup.load_object(f"{setup_file}:factory")

        second = user_setup.load_object(f"{setup_file}:factory")

        assert first is second
        assert user_setup.portable(first) == f"{setup_file}:factory"

    def test_a_callable_instance_from_a_file_stays_as_it_is(self, tmp_path):
        """An instance with __call__ has no __qualname__ to name it by: portable() keeps it
        (it runs in this process) instead of failing."""
        path = tmp_path / "instance_setup.py"
        path.write_text("class Make:\n    def __call__(self):\n        return 1\n\nmake = Make()\n")
        instance = user_setup.load_object(f"{path}:make")

        assert user_setup.portable(instance) is instance
