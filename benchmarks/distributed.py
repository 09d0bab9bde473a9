"""Overhead of lr_find's distributed path: 2 gloo processes on CPU vs 1 process, equal global batch.

For each ``check_every`` it times, median of ``--repeats`` after a warm-up:

* ``single``: ``lr_find`` in one process on the global batch, and a plain training loop over the
  same ladder (same steps, no lrfinder);
* ``ddp``: ``lr_find`` on a DDP-wrapped copy in each of 2 processes, each on half the batch,
  and the same plain loop under DDP (time = the slowest rank).

It prints two ratios: ``lr_find / plain loop`` in each setting (what lrfinder itself adds: the
snapshot, the restore, the chunked loss conversion and, under DDP, one small all-reduce per
chunk), and ``ddp lr_find / single lr_find`` (what going distributed costs at equal global batch,
DDP's own gradient all-reduce included). Run::

    python benchmarks/distributed.py [--steps 100] [--repeats 5] [--write benchmarks/DISTRIBUTED.md]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pickle
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import lrfinder
import lrfinder.distributed

GLOBAL_BATCH = 256
WORLD = 2
CHECK_EVERY = (1, 10)


def _task(batch: int, rank: int, seed: int = 0) -> tuple[Any, Any, list[Any]]:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    generator = torch.Generator().manual_seed(1000 + rank)
    x = torch.randn(16 * batch, 64, generator=generator)
    y = torch.randint(0, 10, (16 * batch,), generator=generator)
    data = [(x[i : i + batch], y[i : i + batch]) for i in range(0, 16 * batch, batch)]
    return model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), data


def _plain_loop(model: Any, optimizer: Any, data: list[Any], lrs: Any) -> None:
    for index, lr in enumerate(lrs):
        optimizer.param_groups[0]["lr"] = float(lr)
        optimizer.zero_grad(set_to_none=True)
        x, y = data[index % len(data)]
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss.detach().double().cpu()  # the per-step read a loop that logs its loss would do


def _timed(run: Any, *, distributed: bool) -> float:
    """Wall time of ``run()``; under DDP, the slowest rank's."""
    if distributed:
        dist.barrier()
    started = time.perf_counter()
    run()
    elapsed = torch.tensor([time.perf_counter() - started], dtype=torch.float64)
    if distributed:
        dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    return float(elapsed)


def _measure(batch: int, rank: int, steps: int, repeats: int, *, distributed: bool) -> dict:
    """Best time of each variant over ``repeats`` rounds, interleaved so that load hits all alike.

    The best, not the median: on a shared machine the spread is other people's work, and the
    best of several runs is the closest to what the code itself costs (as ``timeit`` reports).
    """
    model, optimizer, data = _task(batch, rank)
    if distributed:
        model = torch.nn.parallel.DistributedDataParallel(model)
    lrs = lrfinder.ladder(1e-5, 1.0, steps)

    def finder(check_every: int, *, synced: bool = True) -> Any:
        def run() -> None:
            with contextlib.ExitStack() as stack:
                if not synced:
                    stack.enter_context(lrfinder.distributed.rank_local())
                lrfinder.lr_find(
                    model,
                    optimizer,
                    data,
                    torch.nn.functional.cross_entropy,
                    start_lr=1e-5,
                    end_lr=1.0,
                    num_steps=steps,
                    stop_factor=None,
                    check_every=check_every,
                    runs=1,  # one range test per timing, synced or not
                )

        return run

    variants = {"plain": lambda: _plain_loop(model, optimizer, data, lrs)}
    variants.update({c: finder(c) for c in CHECK_EVERY})
    if distributed:
        variants["unsynced"] = finder(max(CHECK_EVERY), synced=False)
    times: dict[Any, list[float]] = {name: [] for name in variants}
    for round_ in range(repeats + 1):
        for name, run in variants.items():
            elapsed = _timed(run, distributed=distributed)
            if round_:  # round 0 warms up
                times[name].append(elapsed)
    return {name: min(values) for name, values in times.items()}


def _agreement_cost(check_every: int, count: int = 500) -> float:
    """Microseconds per chunk agreement: the one all-reduce lr_find adds, on its own group."""
    from lrfinder.distributed import _NUM_STATUS, _control_group

    group = _control_group()
    buffer = torch.zeros(2 * check_every + _NUM_STATUS, dtype=torch.float64)
    dist.barrier()
    started = time.perf_counter()
    for _ in range(count):
        dist.all_reduce(buffer, group=group)
    return (time.perf_counter() - started) / count * 1e6


def _rank(rank: int, store_path: str, out_path: str, steps: int, repeats: int) -> None:
    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo",
        store=dist.FileStore(store_path, WORLD),
        rank=rank,
        world_size=WORLD,
        timeout=timedelta(seconds=120),
    )
    out = _measure(GLOBAL_BATCH // WORLD, rank, steps, repeats, distributed=True)
    out["agreement_us"] = _agreement_cost(max(CHECK_EVERY))
    if rank == 0:
        Path(out_path).write_bytes(pickle.dumps(out))
    dist.destroy_process_group()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", type=Path, default=None, help="also write a markdown report")
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    single = _measure(GLOBAL_BATCH, 0, args.steps, args.repeats, distributed=False)
    with tempfile.TemporaryDirectory() as tmp:
        store, out = os.path.join(tmp, "store"), os.path.join(tmp, "out.pkl")
        mp.spawn(_rank, args=(store, out, args.steps, args.repeats), nprocs=WORLD)
        ddp = pickle.loads(Path(out).read_bytes())  # written just above

    rows = [
        "| setting | plain loop (s) | lr_find, check_every=1 (s) | lr_find, check_every=10 (s) "
        "| lr_find / plain (1) | lr_find / plain (10) |",
        "|---|---|---|---|---|---|",
    ]
    for name, timings in (("1 process, batch 256", single), ("2 gloo ranks, DDP, 128 each", ddp)):
        rows.append(
            f"| {name} | {timings['plain']:.3f} | {timings[1]:.3f} | {timings[10]:.3f} "
            f"| {timings[1] / timings['plain']:.2f} | {timings[10] / timings['plain']:.2f} |"
        )
    big = max(CHECK_EVERY)
    ratios = [
        f"distributed path alone (DDP lr_find, check_every={big}, synced / the same inside "
        f"rank_local(), {ddp['unsynced']:.3f} s): {ddp[big] / ddp['unsynced']:.2f}",
        f"one chunk agreement (all-reduce of {2 * big + 4} float64 on lrfinder's gloo group): "
        f"{ddp['agreement_us']:.0f} us, i.e. {ddp['agreement_us'] / big:.0f} us per step at "
        f"check_every={big}",
    ]
    ratios += [
        f"2-rank DDP lr_find / 1-process lr_find at equal global batch, check_every={c}: "
        f"{ddp[c] / single[c]:.2f}"
        for c in CHECK_EVERY
    ]
    table = "\n".join(rows)
    print(table)
    print("\n".join(ratios))
    if args.write is not None:
        command = "python benchmarks/distributed.py " + " ".join(sys.argv[1:])
        args.write.write_text(_report(table, ratios, command, args.steps, args.repeats))


def _report(table: str, ratios: list[str], command: str, steps: int, repeats: int) -> str:
    lines = "\n".join("- " + r for r in ratios)
    return f"""# Distributed lr_find: overhead

Command: `{command.strip()}` (torch {torch.__version__}, CPU, 1 thread per process,
{steps} steps with `stop_factor=None`, best of {repeats} interleaved rounds after a warm-up; the
DDP times are the slowest rank's). Measured on the shared 2-core development machine while
other jobs ran (load average about 7): the spread between rounds was up to 2x, so read ratios
near 1 as "no measurable difference".

Task: a 64-256-256-10 MLP, SGD with momentum, cross-entropy, global batch {GLOBAL_BATCH} (one
process on {GLOBAL_BATCH}, or {WORLD} gloo processes on {GLOBAL_BATCH // WORLD} each).
The "plain loop" is the same ladder trained by hand, with one loss read per step.

{table}

{lines}

How to read it: `lr_find / plain` is what lrfinder adds on top of the training it has to do
(snapshot, restore, the chunked loss reads and, under DDP, one all-reduce of
`2 * check_every + 4` float64 values per chunk on its own gloo group). "Distributed path
alone" compares the same DDP run with and without lrfinder's cross-rank averaging. The last
lines compare 2 ranks with 1 process at equal global batch: DDP's own gradient all-reduce is
in there, and the two ranks share the machine's 2 cores with other jobs, so they say nothing
about multi-GPU speed.
"""


if __name__ == "__main__":
    main()
