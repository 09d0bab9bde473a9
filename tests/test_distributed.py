"""lr_find under torch.distributed: two gloo processes on CPU, each checked from the outside.

One launch starts two worker processes (this file run as a script, ``--worker``) that share a
FileStore, run every scenario in order (the one that breaks the process group last) and pickle
what they saw; the tests read the pickles. The launch runs under bounded timeouts (the process
group's and the subprocess's), so a hang fails the tests instead of stalling the suite.
"""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")
if not (torch.distributed.is_available() and torch.distributed.is_gloo_available()):
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

import numpy as np  # noqa: E402

WORLD = 2
LAUNCH_TIMEOUT_S = 90
PG_TIMEOUT_S = 20


# --- the worker side (runs in the spawned processes) ---------------------------------------------


def _setup(seed: int, *, ddp: bool) -> tuple[Any, Any]:
    """A tiny seeded MLP (BatchNorm buffers, dropout RNG) and Adam, optionally DDP-wrapped."""
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16),
        torch.nn.BatchNorm1d(16),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(16, 1),
    )
    if ddp:
        model = torch.nn.parallel.DistributedDataParallel(model, gradient_as_bucket_view=True)
    return model, torch.optim.Adam(model.parameters(), lr=0.01)


def _shard(rank: int, batches: int = 8) -> list[tuple[Any, Any]]:
    """This rank's batches: different data on every rank, as with a DistributedSampler."""
    generator = torch.Generator().manual_seed(100 + rank)
    x = torch.randn(batches * 8, 8, generator=generator)
    y = x @ torch.linspace(-1.0, 1.0, 8).unsqueeze(1) + 0.1 * torch.randn(
        batches * 8, 1, generator=generator
    )
    return [(x[i : i + 8], y[i : i + 8]) for i in range(0, batches * 8, 8)]


def _train(model: Any, optimizer: Any, data: list[Any], steps: int) -> None:
    for x, y in data[:steps]:
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def _params(model: Any) -> list[Any]:
    """Copies of the state dict's tensors; this rank's shard of a sharded (DTensor) one."""
    tensors = model.state_dict().values()
    return [(t.to_local() if hasattr(t, "to_local") else t).detach().clone() for t in tensors]


def _outcome(call: Any) -> dict[str, Any]:
    """Runs ``call`` and records its result or its exception (type, text, notes, cause)."""
    started = time.perf_counter()
    try:
        result = call()
    except BaseException as error:  # the test inspects whatever was raised
        return {
            "error": type(error).__name__,
            "message": str(error),
            "notes": list(getattr(error, "__notes__", [])),
            "cause": type(error.__cause__).__name__ if error.__cause__ else None,
            "is_lrfinder_error": isinstance(error, __import__("lrfinder").LRFinderError),
            "seconds": time.perf_counter() - started,
        }
    return {
        "lrs": result.lrs,
        "losses": result.losses,
        "stop_reason": result.stop_reason,
        "suggestion": result.suggestion if np.isfinite(result.losses).sum() >= 5 else None,
        "metadata": result.metadata,
        "seconds": time.perf_counter() - started,
    }


def _scenarios(rank: int) -> dict[str, Any]:
    import torch.distributed as dist

    import lrfinder
    import lrfinder.distributed

    out: dict[str, Any] = {}
    data = _shard(rank)
    mse = torch.nn.functional.mse_loss
    settings = {"start_lr": 1e-4, "end_lr": 1.0, "num_steps": 20, "check_every": 3}

    # 1) DDP: the averaged curve, and training afterwards against training without lr_find
    model, optimizer = _setup(0, ddp=True)
    _train(model, optimizer, data, 4)
    out["trained_without"] = _params(model)
    model, optimizer = _setup(0, ddp=True)
    kept: dict[str, Any] = {}
    # a DataLoader long enough that neither lr_find nor the replay below restarts it
    columns = zip(*_shard(rank, batches=24), strict=True)
    rows = torch.utils.data.TensorDataset(*(torch.cat(column) for column in columns))
    loader = torch.utils.data.DataLoader(rows, batch_size=8)

    def find() -> Any:
        kept["result"] = lrfinder.lr_find(model, optimizer, loader, mse, **settings)
        return kept["result"]

    out["ddp"] = _outcome(find)
    _train(model, optimizer, data, 4)
    out["trained_after"] = _params(model)
    from lrfinder.cli import _write_outputs

    folder = Path(os.environ["LRFINDER_TEST_OUT"])
    out["written"] = [p.name for p in _write_outputs(kept["result"], folder, "ddp")]

    # 2) the same ladder replayed by hand: each rank's local losses, gathered. The loader is
    # iterated as lr_find does (iter() draws a seed from torch's RNG, which dropout also uses).
    model, optimizer = _setup(0, ddp=True)
    local = []
    batches = iter(loader)
    for lr in out["ddp"]["lrs"]:
        optimizer.param_groups[0]["lr"] = float(lr)
        optimizer.zero_grad(set_to_none=True)
        x, y = next(batches)
        loss = mse(model(x), y)
        loss.backward()
        optimizer.step()
        local.append(loss.detach().double().item())
    gathered: list[Any] = [None] * WORLD
    dist.all_gather_object(gathered, local)
    out["local_losses"] = gathered

    # 2b) a model not wrapped in DDP: each rank's weights move with its own data, so each
    # reads its own step size; the suggestion, which blends that reading in, must still agree
    model, optimizer = _setup(0, ddp=False)
    out["plain"] = _outcome(lambda: lrfinder.lr_find(model, optimizer, loader, mse, **settings))

    # 3) NaN on rank 1 only, at step 4
    model, optimizer = _setup(1, ddp=True)
    before = _params(model)
    calls = {"n": 0}

    def nan_on_rank1(output: Any, target: Any) -> Any:
        calls["n"] += 1
        loss = mse(output, target)
        return loss * math.nan if rank == 1 and calls["n"] == 5 else loss

    out["nan"] = _outcome(
        lambda: lrfinder.lr_find(model, optimizer, data, nan_on_rank1, **settings)
    )
    out["nan_restored"] = all(
        torch.equal(a, b) for a, b in zip(before, _params(model), strict=True)
    )

    # 4) every rank raises at step 3 (a bug in the loss): each sees its own error, group intact
    model, optimizer = _setup(2, ddp=True)
    before = _params(model)
    calls["n"] = 0

    def broken_everywhere(output: Any, target: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 4:
            msg = f"bad target on rank {rank}"
            raise ValueError(msg)
        return mse(output, target)

    out["symmetric"] = _outcome(
        lambda: lrfinder.lr_find(model, optimizer, data, broken_everywhere, **settings)
    )
    out["symmetric_restored"] = all(
        torch.equal(a, b) for a, b in zip(before, _params(model), strict=True)
    )

    # 5) rank 1's data loader raises at step 3, no collective inside the step (no DDP)
    model, optimizer = _setup(3, ddp=False)
    before = _params(model)

    def failing_loader() -> Any:
        for index, batch in enumerate(data):
            if rank == 1 and index == 3:
                msg = "corrupt shard"
                raise OSError(msg)
            yield batch

    class Loader:
        def __iter__(self) -> Any:
            return failing_loader()

    out["one_rank"] = _outcome(
        lambda: lrfinder.lr_find(model, optimizer, Loader(), mse, **{**settings, "check_every": 1})
    )
    out["one_rank_restored"] = all(
        torch.equal(a, b) for a, b in zip(before, _params(model), strict=True)
    )

    # 6) rank 1's one-shot iterator runs out after 5 batches: both stop, same curve
    model, optimizer = _setup(4, ddp=False)
    shard = iter(data[:5]) if rank == 1 else data
    out["exhausted"] = _outcome(lambda: lrfinder.lr_find(model, optimizer, shard, mse, **settings))

    # 7) ranks given different ladders: every rank refuses before training
    model, optimizer = _setup(5, ddp=True)
    steps = 20 + rank
    out["mismatch"] = _outcome(
        lambda: lrfinder.lr_find(model, optimizer, data, mse, start_lr=1e-4, num_steps=steps)
    )

    # 8) rank 0 alone, inside rank_local(): no collective, so no hang and no world metadata
    if rank == 0:
        model, optimizer = _setup(8, ddp=False)
        with lrfinder.distributed.rank_local():
            out["rank_local"] = _outcome(
                lambda: lrfinder.lr_find(model, optimizer, data, mse, **settings)
            )

    # several runs are not averaged across ranks yet: refused up front, on every rank
    model, optimizer = _setup(9, ddp=True)
    out["runs"] = _outcome(lambda: lrfinder.lr_find(model, optimizer, data, mse, runs=2))
    # runs="auto" (the default) keeps its one run there, even when its curve asks for more: a
    # flat curve (the ladder ends far below any rate that moves the loss)
    out["runs_auto"] = _outcome(
        lambda: lrfinder.lr_find(model, optimizer, data, mse, end_lr=1e-6, num_steps=20)
    )

    # the group still works after all of the above
    probe = torch.ones(1)
    dist.all_reduce(probe)
    out["group_alive"] = float(probe) == WORLD

    # 9) FSDP2 (fully_shard, works on CPU with gloo): same curve, exact restore of the shards
    from torch.distributed.fsdp import fully_shard

    def sharded() -> tuple[Any, Any]:
        model, _ = _setup(7, ddp=False)
        fully_shard(model[0])
        fully_shard(model[4])
        fully_shard(model)
        return model, torch.optim.Adam(model.parameters(), lr=0.01)

    model, optimizer = sharded()
    _train(model, optimizer, data, 4)
    out["fsdp_trained_without"] = _params(model)
    model, optimizer = sharded()
    out["fsdp"] = _outcome(lambda: lrfinder.lr_find(model, optimizer, data, mse, **settings))
    _train(model, optimizer, data, 4)
    out["fsdp_trained_after"] = _params(model)

    # 10) last, as it leaves the group broken: rank 1 raises inside a DDP step
    out["ddp_fail"] = _ddp_one_rank_fails(rank)
    return out


def _ddp_one_rank_fails(rank: int) -> dict[str, Any]:
    import lrfinder
    import lrfinder.distributed

    lrfinder.distributed.FAILURE_GRACE_S = 1.0
    data = _shard(rank)
    model, optimizer = _setup(6, ddp=True)
    before = _params(model)
    calls = {"n": 0}

    def broken_on_rank1(output: Any, target: Any) -> Any:
        calls["n"] += 1
        if rank == 1 and calls["n"] == 4:
            msg = "bad target on rank 1"
            raise ValueError(msg)
        return torch.nn.functional.mse_loss(output, target)

    out = {
        "run": _outcome(
            lambda: lrfinder.lr_find(model, optimizer, data, broken_on_rank1, num_steps=20)
        )
    }
    out["restored"] = all(torch.equal(a, b) for a, b in zip(before, _params(model), strict=True))
    return out


SCENARIOS = {"all": _scenarios}


def _worker(scenario: str, rank: int, store_path: str, out_path: str) -> None:
    from datetime import timedelta

    import torch.distributed as dist

    torch.set_num_threads(1)
    store = dist.FileStore(store_path, WORLD)
    dist.init_process_group(
        "gloo", store=store, rank=rank, world_size=WORLD, timeout=timedelta(seconds=PG_TIMEOUT_S)
    )
    out = SCENARIOS[scenario](rank)
    Path(out_path).write_bytes(pickle.dumps(out))
    # Exit without destroying the process group, on purpose: a rank that failed must be able to
    # exit (lrfinder leaves no collective pending), which is what releases the ranks still
    # blocked in DDP's all-reduce. And exit with os._exit, skipping the interpreter's teardown:
    # there, gloo's background threads race the destructors and about 1 launch in 12 died with
    # "terminate called without an active exception" (SIGABRT) after writing its results.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# --- the test side --------------------------------------------------------------------------------


def _launch(scenario: str, tmp_path: Path) -> tuple[list[dict[str, Any]], float]:
    """Runs ``scenario`` on WORLD ranks and returns each rank's pickle and the wall time."""
    store = tmp_path / f"{scenario}.store"
    outs = [tmp_path / f"{scenario}.{rank}.pkl" for rank in range(WORLD)]
    for stale in (store, *outs):
        stale.unlink(missing_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LRFINDER_TEST_OUT": str(tmp_path / "written")}
    started = time.perf_counter()
    procs = [
        subprocess.Popen(  # our own interpreter on this file
            [sys.executable, __file__, "--worker", scenario, str(rank), str(store), str(out)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for rank, out in enumerate(outs)
    ]
    logs = []
    for proc in procs:
        try:
            logs.append(proc.communicate(timeout=LAUNCH_TIMEOUT_S)[0].decode(errors="replace"))
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            pytest.fail(f"{scenario}: a rank hung for {LAUNCH_TIMEOUT_S} s")
    elapsed = time.perf_counter() - started
    for rank, (proc, out) in enumerate(zip(procs, outs, strict=True)):
        assert proc.returncode == 0, f"rank {rank} failed:\n{logs[rank][-3000:]}"
        assert out.exists(), f"rank {rank} wrote nothing:\n{logs[rank][-3000:]}"
    return [pickle.loads(out.read_bytes()) for out in outs], elapsed  # our own pickles


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Every scenario, run once on two ranks (one launch: starting torch twice costs seconds)."""
    return _launch("all", tmp_path_factory.mktemp("distributed"))[0]


class TestAveragedCurve:
    def test_ranks_return_the_same_curve(self, ranks):
        """Both ranks return identical lrs, losses, stop reason and suggestion."""
        zero, one = ranks[0]["ddp"], ranks[1]["ddp"]

        np.testing.assert_array_equal(zero["lrs"], one["lrs"])
        np.testing.assert_array_equal(zero["losses"], one["losses"])
        assert zero["stop_reason"] == one["stop_reason"]
        assert zero["suggestion"] == one["suggestion"]
        assert zero["suggestion"] is not None

    def test_ranks_agree_on_the_step_size_reading_without_ddp(self, ranks):
        """Without DDP each rank reads the step size on its own weights; one common reading
        (their geometric mean) goes into every rank's suggestion, so the suggestions agree."""
        zero, one = ranks[0]["plain"], ranks[1]["plain"]

        assert "error" not in zero
        np.testing.assert_array_equal(zero["losses"], one["losses"])
        assert zero["metadata"]["update_sensitivity"] == one["metadata"]["update_sensitivity"]
        assert zero["suggestion"] == one["suggestion"]
        assert zero["suggestion"] is not None

    def test_loss_is_the_mean_of_the_ranks_local_losses(self, ranks):
        """Each point is the mean over ranks of the local losses of a hand-written replay."""
        result = ranks[0]["ddp"]
        local = np.array(ranks[0]["local_losses"])

        expected = (local[0] + local[1]) / 2.0
        assert len(result["losses"]) >= 10
        # float64 sum of the same two float64 values in either order: exact
        np.testing.assert_array_equal(result["losses"], expected)
        assert not np.array_equal(local[0], local[1])

    def test_training_afterwards_is_bit_identical(self, ranks):
        """Training after lr_find matches training without it, bit for bit, on every rank."""
        for rank in range(WORLD):
            after, without = ranks[rank]["trained_after"], ranks[rank]["trained_without"]

            assert len(after) == len(without)
            assert all(torch.equal(a, b) for a, b in zip(after, without, strict=True)), (
                f"rank {rank}"
            )

    def test_fsdp2_same_curve_and_exact_restore(self, ranks):
        """Under fully_shard both ranks agree, and training afterwards matches, shard by shard."""
        zero, one = ranks[0]["fsdp"], ranks[1]["fsdp"]

        np.testing.assert_array_equal(zero["losses"], one["losses"])
        assert len(zero["losses"]) >= 10
        for rank in range(WORLD):
            after, without = (
                ranks[rank]["fsdp_trained_after"],
                ranks[rank]["fsdp_trained_without"],
            )
            assert all(torch.equal(a, b) for a, b in zip(after, without, strict=True)), (
                f"rank {rank}"
            )

    def test_rank_local_runs_on_one_rank_alone(self, ranks):
        """Inside rank_local(), lr_find on rank 0 only completes without the other rank."""
        outcome = ranks[0]["rank_local"]

        assert "error" not in outcome
        assert len(outcome["losses"]) >= 10
        assert "world_size" not in outcome["metadata"]
        assert "rank_local" not in ranks[1]

    def test_only_rank_0_writes_the_cli_outputs(self, ranks):
        """The CLI's writer saves the result on rank 0 and does nothing on rank 1."""
        assert "ddp.json" in ranks[0]["written"]
        assert ranks[1]["written"] == []

    def test_metadata_records_the_world(self, ranks):
        """The result says how many ranks averaged the loss, over which backend."""
        metadata = ranks[0]["ddp"]["metadata"]

        assert metadata["world_size"] == WORLD
        assert metadata["distributed_backend"] == "gloo"
        assert metadata["loss_reduction"] == "mean over ranks"
        assert metadata["global_batch_size"] == 16  # 8 per rank, no accumulation


class TestNotDistributed:
    def test_hooks_pass_through_unchanged(self):
        """Without a process group, wrap_run hands back the very same step, hooks and flags."""
        import lrfinder.distributed

        def step(lr):
            return lr

        hooks = lrfinder.distributed.wrap_run(step, list, {"a": 1}, True, check_every=1, config={})

        assert hooks[0] is step
        assert hooks[1] is list
        assert hooks[2] == {"a": 1}
        assert hooks[3] is True
        assert lrfinder.distributed.is_main_process()

    def test_rank_local_unwinds_on_error(self):
        """rank_local() switches syncing back on even when its block raises."""
        import lrfinder.distributed

        with pytest.raises(KeyError), lrfinder.distributed.rank_local():
            raise KeyError

        assert lrfinder.distributed._rank_local["depth"] == 0


class TestOneRankGoesWrong:
    def test_nan_on_one_rank_stops_every_rank(self, ranks):
        """A NaN on rank 1 alone makes the mean NaN: both ranks stop there, restored."""
        zero, one = ranks[0]["nan"], ranks[1]["nan"]

        assert zero["stop_reason"] == one["stop_reason"] == "non-finite"
        assert len(zero["losses"]) == len(one["losses"]) == 5
        np.testing.assert_array_equal(zero["losses"], one["losses"])
        assert math.isnan(zero["losses"][-1])
        assert ranks[0]["nan_restored"]
        assert ranks[1]["nan_restored"]

    def test_error_on_every_rank_raises_each_ranks_own(self, ranks):
        """When every rank raises, each re-raises its own error, restored, group intact."""
        for rank in range(WORLD):
            outcome = ranks[rank]["symmetric"]

            assert outcome["error"] == "ValueError"
            assert outcome["message"] == f"bad target on rank {rank}"
            assert ranks[rank]["symmetric_restored"]
        assert ranks[0]["group_alive"]
        assert ranks[1]["group_alive"]

    def test_error_on_one_rank_stops_the_others(self, ranks):
        """Rank 1's loader fails at step 3: rank 1 re-raises it, rank 0 raises RankFailedError."""
        zero, one = ranks[0]["one_rank"], ranks[1]["one_rank"]

        assert one["error"] == "OSError"
        assert one["message"] == "corrupt shard"
        assert "lrfinder: the other 1 rank(s) stopped with this one." in one["notes"]
        assert zero["error"] == "RankFailedError"
        assert zero["is_lrfinder_error"]
        assert zero["message"] == (
            "rank 1 of 2 failed at step 3 (lr=0.000428) with OSError: corrupt shard; rank 0 "
            "stopped with it and restored its state."
        )
        assert ranks[0]["one_rank_restored"]
        assert ranks[1]["one_rank_restored"]

    def test_data_running_out_on_one_rank_stops_both(self, ranks):
        """Rank 1's iterator runs out after 5 steps: both ranks record 5 points, data-exhausted."""
        zero, one = ranks[0]["exhausted"], ranks[1]["exhausted"]

        assert zero["stop_reason"] == one["stop_reason"] == "data-exhausted"
        assert len(zero["losses"]) == len(one["losses"]) == 5
        np.testing.assert_array_equal(zero["losses"], one["losses"])

    def test_different_settings_are_refused_on_every_rank(self, ranks):
        """Ranks given different num_steps all raise ValueError before training."""
        for rank in range(WORLD):
            outcome = ranks[rank]["mismatch"]

            assert outcome["error"] == "ValueError"
            assert outcome["message"].startswith(
                "every rank must call lr_find with the same settings, but they differ across the "
                f"2 ranks; this rank (rank {rank}) has "
            )

    def test_several_runs_are_refused(self, ranks):
        """runs=2 raises ValueError on every rank before training, instead of diverging ranks."""
        for rank in range(WORLD):
            outcome = ranks[rank]["runs"]

            assert outcome["error"] == "ValueError"
            assert outcome["message"] == (
                "`runs` must be 1 under torch.distributed, got runs=2: several runs are not "
                "averaged across ranks yet. Use runs=1, or run them on one rank inside `with "
                "lrfinder.distributed.rank_local():`."
            )

    def test_auto_runs_keep_one_run_and_say_why(self, ranks):
        """The default runs="auto" runs once on every rank and says why it did not run again."""
        notes = {ranks[rank]["runs_auto"]["metadata"]["runs_auto"] for rank in range(WORLD)}

        assert notes == {
            "1 run: its curve never clearly descended, but several runs are not averaged across "
            "ranks under torch.distributed yet (run them on one rank inside `with "
            "lrfinder.distributed.rank_local():`)"
        }
        assert all(len(ranks[rank]["runs_auto"]["losses"]) == 20 for rank in range(WORLD))

    def test_error_inside_a_ddp_step_does_not_hang(self, ranks):
        """Rank 1 raises before DDP's all-reduce: both ranks raise within seconds, restored."""
        zero, one = ranks[0]["ddp_fail"], ranks[1]["ddp_fail"]

        assert one["run"]["error"] == "ValueError"
        assert one["run"]["message"] == "bad target on rank 1"
        assert any("did not reach the loss check within 1 s" in n for n in one["run"]["notes"])
        # the step that failed, though no loss of the run had been agreed on (it said step 0)
        assert any(n.startswith("lrfinder: the range test failed at step 3 (lr=")
                   for n in one["run"]["notes"])  # fmt: skip
        assert zero["run"]["error"] == "RankFailedError"
        assert zero["run"]["cause"] == "RuntimeError"
        assert zero["run"]["message"].startswith("rank 1 of 2 failed at step 3 (lr=")
        assert zero["run"]["message"].endswith(
            "with ValueError: bad target on rank 1; rank 0 stopped with it and restored its state."
        )
        assert zero["restored"]
        assert one["restored"]
        # released when rank 1's process exits, long before the 20 s process-group timeout
        assert zero["run"]["seconds"] < PG_TIMEOUT_S / 2


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    _worker(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
