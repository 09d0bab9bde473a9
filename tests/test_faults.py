"""Faults during a run: whatever breaks, the model, optimizer, scaler and RNG come back bit for bit.

An exception from the model, the loss, the data loader, the user's step_fn or an optimizer hook at
step k is re-raised as it is (a user catching ``torch.OutOfMemoryError`` still catches it), with a
note naming the step and learning rate and the partial curve attached as
``error.lrfinder_result``. Ctrl-C returns the partial curve instead. Every test compares a
fingerprint of the whole training state (see ``_reliability.py``) before and after.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import lrfinder

torch = pytest.importorskip("torch")

from _reliability import Setup, make_setup  # noqa: E402 - after the torch check

MSE = torch.nn.functional.mse_loss
NUM_STEPS = 12
LADDER = lrfinder.ladder(1e-7, 10.0, NUM_STEPS)


class _UserError(RuntimeError):
    """The user's own error."""


def _counter(k: int, error: BaseException) -> Callable[[], None]:
    """Returns a function that raises ``error`` on its (k+1)-th call."""
    calls = [0]

    def tick() -> None:
        calls[0] += 1
        if calls[0] == k + 1:
            raise error

    return tick


class _FlakyDataset(torch.utils.data.Dataset):
    """Serves ``pairs``, raising ``error`` once the loader asks for batch ``k``."""

    def __init__(self, pairs: list[Any], k: int, batch_size: int, error: BaseException) -> None:
        self.pairs = pairs
        self.tick = _counter(k * batch_size, error)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> Any:
        self.tick()
        return self.pairs[index]


def _inject(setup: Setup, where: str, k: int, error: BaseException) -> dict[str, Any]:
    """Arranges for ``error`` to be raised at step ``k`` by ``where``; returns lr_find's kwargs."""
    kwargs: dict[str, Any] = {"loss_fn": MSE, "data": setup.data}
    if where == "model":
        tick = _counter(k, error)
        setup.model.register_forward_pre_hook(lambda module, args: tick())
    elif where == "loss":
        tick = _counter(k, error)
        kwargs["loss_fn"] = lambda output, target: (tick(), MSE(output, target))[1]
    elif where == "data":
        pairs = list(setup.data.dataset)
        dataset = _FlakyDataset(pairs, k, setup.data.batch_size, error)
        kwargs["data"] = torch.utils.data.DataLoader(
            dataset, batch_size=setup.data.batch_size, shuffle=True, generator=setup.data.generator
        )
    elif where == "step_fn":
        tick = _counter(k, error)

        def step_fn(model: torch.nn.Module, batch: Any) -> torch.Tensor:
            tick()
            return MSE(model(batch[0]), batch[1])

        kwargs |= {"loss_fn": None, "step_fn": step_fn}
    elif where == "backward":  # a gradient hook: half the gradients are already written
        tick = _counter(k, error)
        setup.model[0].weight.register_hook(lambda grad: (tick(), grad)[1])
    elif where == "optimizer-hook":  # after backward: the gradients are already overwritten
        tick = _counter(k, error)
        setup.optimizer.register_step_pre_hook(lambda optimizer, args, kw: tick())
    return kwargs


def _run(setup: Setup, **kwargs: Any) -> lrfinder.RangeTestResult:
    kwargs.setdefault("data", setup.data)
    # One run: a fault counted in calls must land in the run under test, not in a rerun that
    # runs="auto" (the default) adds when the first curve cannot be read.
    kwargs.setdefault("runs", 1)
    return lrfinder.lr_find(
        setup.model, setup.optimizer, scaler=setup.scaler, num_steps=NUM_STEPS, **kwargs
    )


def _note(k: int) -> str:
    return (
        f"lrfinder: the range test failed at step {k} (lr={LADDER[k]:.3g}); partial curve attached."
    )


SOURCES = ["model", "loss", "data", "step_fn", "backward", "optimizer-hook"]


class TestErrorAtStepK:
    @pytest.mark.parametrize("k", [0, 5])
    @pytest.mark.parametrize("where", SOURCES)
    def test_reraised_with_note_and_partial_curve(self, where, k):
        """The user's error comes back as it was, says where, carries the curve, changes nothing."""
        setup = make_setup(scaler=True)
        error = _UserError(f"{where} broke")
        kwargs = _inject(setup, where, k, error)
        before = setup.fingerprint()

        with pytest.raises(_UserError) as excinfo:
            _run(setup, **kwargs)

        assert excinfo.value is error
        assert str(error) == f"{where} broke"
        assert error.__notes__ == [_note(k)]
        partial = error.lrfinder_result
        assert (partial.stop_reason, len(partial.losses)) == ("error", k)
        np.testing.assert_array_equal(partial.lrs, LADDER[:k])
        assert np.isfinite(partial.losses).all()
        assert setup.fingerprint() == before

    @pytest.mark.parametrize(
        "error_type", [torch.OutOfMemoryError, torch.cuda.OutOfMemoryError, MemoryError]
    )
    def test_out_of_memory_is_catchable_as_itself(self, error_type):
        """A simulated out-of-memory error keeps its type, so ``except OutOfMemoryError`` works."""
        setup = make_setup(scaler=True)
        error = error_type("CUDA out of memory. Tried to allocate 2.00 GiB")
        kwargs = _inject(setup, "model", 4, error)
        before = setup.fingerprint()

        with pytest.raises(error_type) as excinfo:
            _run(setup, **kwargs)

        assert excinfo.value is error
        assert error.__notes__ == [_note(4)]
        assert len(error.lrfinder_result.losses) == 4
        assert setup.fingerprint() == before

    def test_system_exit(self):
        """``sys.exit()`` from the user's code at step 3 still restores everything first."""
        setup = make_setup(scaler=True)
        kwargs = _inject(setup, "step_fn", 3, SystemExit(2))
        before = setup.fingerprint()

        with pytest.raises(SystemExit) as excinfo:
            _run(setup, **kwargs)

        assert excinfo.value.code == 2
        assert excinfo.value.__notes__ == [_note(3)]
        assert setup.fingerprint() == before

    def test_error_mid_accumulation(self):
        """An error in the second micro-batch of step 3 names step 3 and undoes the first one."""
        setup = make_setup(scaler=True)
        error = _UserError("second micro-batch")
        tick = _counter(3 * 2 + 1, error)
        setup.model.register_forward_pre_hook(lambda module, args: tick())
        before = setup.fingerprint()

        with pytest.raises(_UserError):
            _run(setup, loss_fn=MSE, accumulation_steps=2)

        assert error.__notes__ == [_note(3)]
        assert len(error.lrfinder_result.losses) == 3
        assert setup.fingerprint() == before

    def test_pending_losses_are_kept(self):
        """With ``check_every=4``, the losses not yet converted still reach the partial curve."""
        setup = make_setup()
        error = _UserError("late")
        kwargs = _inject(setup, "model", 6, error)
        before = setup.fingerprint()

        with pytest.raises(_UserError):
            _run(setup, check_every=4, **kwargs)

        assert error.__notes__ == [_note(6)]
        assert len(error.lrfinder_result.losses) == 6
        assert setup.fingerprint() == before


class TestInterrupt:
    @pytest.mark.parametrize("where", ["model", "data", "step_fn"])
    def test_ctrl_c_returns_the_partial_curve(self, where):
        """Ctrl-C at step 5 returns the 5 points recorded, stop_reason "interrupted", all restored."""
        setup = make_setup(scaler=True)
        kwargs = _inject(setup, where, 5, KeyboardInterrupt())
        before = setup.fingerprint()

        result = _run(setup, **kwargs)

        assert (result.stop_reason, len(result.losses)) == ("interrupted", 5)
        assert result.warnings[0] == (
            f"The run was interrupted after 5 of {NUM_STEPS} steps; the curve is partial."
        )
        assert setup.fingerprint() == before

    def test_ctrl_c_during_the_restore_still_restores(self, monkeypatch):
        """A second Ctrl-C that lands mid-restore is honoured only after the restore finishes."""
        setup = make_setup(scaler=True)
        real_restore = lrfinder.torch_state.TrainingState.restore
        calls = []

        def restore(self: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise KeyboardInterrupt
            real_restore(self)

        monkeypatch.setattr(lrfinder.torch_state.TrainingState, "restore", restore)
        before = setup.fingerprint()

        with pytest.raises(KeyboardInterrupt):
            _run(setup, loss_fn=MSE)

        assert len(calls) == 2
        assert setup.fingerprint() == before


class TestNonFinite:
    def test_nan_at_step_0(self):
        """A NaN first loss raises DivergedAtStartError with the one-point curve, all restored."""
        setup = make_setup(scaler=True)
        before = setup.fingerprint()

        with pytest.raises(lrfinder.DivergedAtStartError) as excinfo:
            _run(setup, loss_fn=lambda output, target: MSE(output, target) * math.nan)

        assert str(excinfo.value) == (
            "range test stopped at step 0 (lr=1e-07): loss was nan. Check the loss on one batch "
            "at a tiny lr before sweeping."
        )
        partial = excinfo.value.lrfinder_result
        assert (partial.stop_reason, len(partial.losses)) == ("non-finite", 1)
        assert setup.fingerprint() == before

    def test_inf_at_step_k(self):
        """An inf loss at step 6 ends the run there and returns the curve, inf included."""
        setup = make_setup(scaler=True)
        calls = []

        def loss_fn(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            calls.append(1)
            loss = MSE(output, target)
            return loss * math.inf if len(calls) == 7 else loss

        before = setup.fingerprint()

        result = _run(setup, loss_fn=loss_fn)

        assert (result.stop_reason, len(result.losses)) == ("non-finite", 7)
        assert result.losses[-1] == math.inf
        assert setup.fingerprint() == before


class TestMultiRun:
    def test_error_in_a_later_run(self):
        """An error in run 2 of 3 comes back as itself, with its note, and everything restored."""
        setup = make_setup(scaler=True)
        error = torch.OutOfMemoryError("CUDA out of memory")
        kwargs = _inject(setup, "model", NUM_STEPS + 4, error)
        before = setup.fingerprint()

        with pytest.raises(torch.OutOfMemoryError) as excinfo:
            _run(setup, runs=3, **kwargs)

        assert excinfo.value is error
        assert error.__notes__ == [_note(4)]
        # The finished first run whole, and the failing run's partial curve.
        assert [len(run.losses) for run in error.lrfinder_result.runs] == [NUM_STEPS, 4]
        assert setup.fingerprint() == before

    def test_ctrl_c_in_a_later_run(self):
        """Ctrl-C in run 2 of 3 returns the finished run and the partial one, all restored."""
        setup = make_setup(scaler=True)
        kwargs = _inject(setup, "model", NUM_STEPS + 4, KeyboardInterrupt())
        before = setup.fingerprint()

        result = _run(setup, runs=3, stop_factor=None, **kwargs)

        assert [run.stop_reason for run in result.runs] == ["completed", "interrupted"]
        assert [len(run.losses) for run in result.runs] == [NUM_STEPS, 4]
        assert setup.fingerprint() == before


class TestRestoreFailure:
    def test_does_not_hide_the_original_error(self, monkeypatch):
        """If restoring fails after the run failed, the error names both and chains the original.

        The restore failure wins (the model may now be modified, so a handler written for the
        original error must not run as if nothing happened), but the original error is named in
        the message, is the ``__cause__``, and its partial curve is attached.
        """
        setup = make_setup()
        error = _UserError("model broke")
        kwargs = _inject(setup, "model", 2, error)

        def restore(self: Any) -> None:
            raise OSError("snapshot unreadable")

        monkeypatch.setattr(lrfinder.torch_state.TrainingState, "restore", restore)

        with pytest.raises(RuntimeError) as excinfo:
            _run(setup, **kwargs)

        assert str(excinfo.value) == (
            "lrfinder could not restore the model, optimizer and RNG after the range test failed "
            "with _UserError: model broke. Restoring failed with OSError: snapshot unreadable. The "
            "model and optimizer may be left modified: reload them (e.g. from a checkpoint) before "
            "training."
        )
        assert excinfo.value.__cause__ is error
        assert excinfo.value.lrfinder_result is error.lrfinder_result

    def test_after_a_clean_run_raises_as_is(self, monkeypatch):
        """If restoring fails after a clean run, that failure is raised unchanged."""
        setup = make_setup()
        failure = OSError("snapshot unreadable")

        def restore(self: Any) -> None:
            raise failure

        monkeypatch.setattr(lrfinder.torch_state.TrainingState, "restore", restore)

        with pytest.raises(OSError) as excinfo:
            _run(setup, loss_fn=MSE)

        assert excinfo.value is failure


class TestFingerprint:
    def test_sees_one_training_step(self):
        """The fingerprint changes after a single optimizer step: the checks above can fail."""
        setup = make_setup(scaler=True)
        before = setup.fingerprint()
        x, y = next(iter(setup.data))

        setup.model.train()
        setup.scaler.scale(MSE(setup.model(x), y)).backward()
        setup.scaler.step(setup.optimizer)
        setup.scaler.update()

        after = setup.fingerprint()
        changed = {key for key in before if before[key] != after[key]}
        assert changed == {"tensors", "training", "optimizer", "scaler", "rng_torch", "data"}

    def test_clean_run_restores(self):
        """A run with no fault restores everything too (the baseline for the tests above)."""
        setup = make_setup(scaler=True)
        before = setup.fingerprint()

        result = _run(setup, loss_fn=MSE)

        assert len(result.losses) >= 2
        assert setup.fingerprint() == before


def _result(**overrides: Any) -> lrfinder.RangeTestResult:
    """A result holding every float JSON cannot write plainly: NaN, inf, -inf, -0.0, denormals."""
    losses = [2.5, -0.0, 5e-324, 1e300, 0.1 + 0.2, -1.5, math.inf, -math.inf, math.nan]
    fields = {
        "lrs": lrfinder.ladder(1e-7, 10.0, len(losses)),
        "losses": losses,
        "stop_reason": "error",
        "start_lr": 1e-7,
        "end_lr": 10.0,
        "num_steps": 20,
        "metadata": {"optimizer": "AdamW", "betas": [0.9, 0.999], "nested": {"k": None}},
    }
    return lrfinder.RangeTestResult(**(fields | overrides))


def _strict_json(text: str) -> Any:
    """Parses JSON, refusing the bare NaN/Infinity tokens that only Python accepts."""

    def refuse(token: str) -> None:
        raise ValueError(token)

    return json.loads(text, parse_constant=refuse)


class TestSavedResults:
    def test_round_trip_is_lossless(self, tmp_path):
        """Save then load gives back every bit: NaN, inf, -0.0, denormals, the metadata."""
        result = _result()

        loaded = lrfinder.load(result.save(tmp_path / "run.json"))

        for name in ("lrs", "losses"):
            before, after = getattr(result, name), getattr(loaded, name)
            np.testing.assert_array_equal(after, before)
            assert np.signbit(after).tolist() == np.signbit(before).tolist()
        for name in (
            "stop_reason",
            "start_lr",
            "end_lr",
            "num_steps",
            "mode",
            "method",
            "metadata",
        ):
            assert getattr(loaded, name) == getattr(result, name)

    def test_file_is_standard_json(self, tmp_path):
        """Non-finite losses are written as strings, so any JSON reader can open the file."""
        path = _result().save(tmp_path / "run.json")

        data = _strict_json(path.read_text(encoding="utf-8"))

        assert data["losses"][-3:] == ["Infinity", "-Infinity", "NaN"]

    @pytest.mark.parametrize("crash", ["os.replace", "os.fsync", "write"])
    @pytest.mark.parametrize("signal", [OSError("disk full"), KeyboardInterrupt()])
    def test_crash_mid_save_keeps_the_old_file(self, tmp_path, monkeypatch, crash, signal):
        """A crash (or Ctrl-C) while saving leaves the previous file whole and no temporary file."""
        path = _result().save(tmp_path / "run.json")
        old_text = path.read_text(encoding="utf-8")
        _arm(monkeypatch, crash, signal)

        with pytest.raises(type(signal)):
            _result(stop_reason="completed").save(path)

        assert path.read_text(encoding="utf-8") == old_text
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
        assert lrfinder.load(path).stop_reason == "error"

    @pytest.mark.parametrize(
        ("metadata", "error_type"),
        [({"model": object()}, TypeError), ({"weights": {"w": b"bytes"}}, TypeError)],
        ids=["object", "nested_bytes"],
    )
    def test_unwritable_metadata_fails_before_writing(self, tmp_path, metadata, error_type):
        """Metadata JSON cannot hold is refused before the old file is touched."""
        path = _result().save(tmp_path / "run.json")
        old_text = path.read_text(encoding="utf-8")

        with pytest.raises(error_type):
            _result(metadata=metadata).save(path)

        assert path.read_text(encoding="utf-8") == old_text
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


def _arm(monkeypatch: pytest.MonkeyPatch, crash: str, signal: BaseException) -> None:
    """Makes the save fail at ``crash``: the rename, the flush to disk, or half-way through writing."""
    import lrfinder.result as result_module

    def fail(*args: Any, **kwargs: Any) -> None:
        raise signal

    if crash == "os.replace":
        monkeypatch.setattr(result_module.os, "replace", fail)
    elif crash == "os.fsync":
        monkeypatch.setattr(result_module.os, "fsync", fail)
    else:
        real_fdopen = result_module.os.fdopen

        def fdopen(*args: Any, **kwargs: Any) -> Any:
            file = real_fdopen(*args, **kwargs)
            real_write = file.write

            def write(text: str) -> int:
                real_write(text[: len(text) // 2])
                file.flush()
                raise signal

            file.write = write
            return file

        monkeypatch.setattr(result_module.os, "fdopen", fdopen)
