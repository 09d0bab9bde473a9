"""Wall time of ``lr_find(runs=N)``: the batched path (one vmapped model) against sequential runs.

For each task and N in (1, 5, 10), times a 100-step range test with ``batched=True`` and with
``batched=False`` (N=1 is the plain single run, the same for both), and checks that the two paths
recorded the same curves. Prints a table; ``--write`` also writes it into ``benchmarks/RUNS.md``.

Usage::

    python benchmarks/runs.py                      # CPU, one thread, 3 repeats
    python benchmarks/runs.py --device cuda        # on a GPU machine
    python benchmarks/runs.py --write              # and record the table in RUNS.md
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lrfinder
import tasks as bench

TASKS = ("cancer_mlp", "mnist1d_cnn", "digits_cnn")
RUN_COUNTS = (1, 5, 10)
NUM_STEPS = 100


def time_find(task: bench.Task, runs: int, batched: bool, device: str):
    """Wall time of one lr_find(runs=...) from fresh seeded weights, and its result."""
    data = task.data()
    dataset = torch.utils.data.TensorDataset(data.x_train, data.y_train)
    model = task.model(0).to(device)
    optimizer = bench.make_optimizer(task, model.parameters(), 1e-3)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=task.batch_size, shuffle=True, drop_last=True
    )
    loader = [(x.to(device), y.to(device)) for x, y in loader]  # measure training, not I/O
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = lrfinder.lr_find(
        model, optimizer, loader, task.loss, runs=runs, batched=batched, seed=0,
        start_lr=1e-6, end_lr=10.0, num_steps=NUM_STEPS,
    )  # fmt: skip
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - started, result


def measure(task: bench.Task, runs: int, device: str, repeats: int):
    """Best-of-``repeats`` times of both paths, interleaved so both see the same machine load."""
    slow_times, fast_times = [], []
    slow = fast = None
    for _ in range(repeats):
        elapsed, slow = time_find(task, runs, False, device)
        slow_times.append(elapsed)
        if runs > 1:
            elapsed, fast = time_find(task, runs, True, device)
            fast_times.append(elapsed)
    return min(slow_times), min(fast_times or slow_times), slow, fast or slow


def max_relative_difference(a: lrfinder.RangeTestResult, b: lrfinder.RangeTestResult) -> float:
    """Largest relative loss difference between the paths' runs over the rungs both recorded,
    before either run's last 10 steps (where the divergence amplifies rounding)."""
    worst = 0.0
    for fast, slow in zip(a.runs, b.runs, strict=True):
        n = min(len(fast.losses), len(slow.losses)) - 10
        if n > 0:
            diff = np.abs(fast.losses[:n] - slow.losses[:n]) / np.abs(slow.losses[:n])
            worst = max(worst, float(np.max(diff)))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--write", action="store_true", help="write the table into RUNS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device_name = (
        torch.cuda.get_device_name(args.device)
        if args.device.startswith("cuda")
        else f"{platform.processor() or platform.machine()} CPU, {args.threads} thread(s)"
    )
    header = (
        "| task | N | sequential s | batched s | speed-up | s per run, batched | "
        "max rel. diff | path |"
    )
    rows = [header, "|---|---:|---:|---:|---:|---:|---:|---|"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"lr_find(runs=N), {NUM_STEPS} steps, best of {args.repeats}, {device_name}, torch "
          f"{torch.__version__}, load average {load:.1f} at start")  # fmt: skip
    print(header)
    for name in args.tasks:
        task = bench.TASKS[name]
        for runs in RUN_COUNTS:
            slow, fast, slow_result, fast_result = measure(task, runs, args.device, args.repeats)
            path = fast_result.metadata.get("path", "single run")
            diff = max_relative_difference(fast_result, slow_result) if runs > 1 else 0.0
            row = (
                f"| {name} | {runs} | {slow:.2f} | {fast:.2f} | {slow / fast:.2f}x | "
                f"{fast / runs:.3f} | {diff:.1e} | {path} |"
            )
            rows.append(row)
            print(row, flush=True)
    if args.write:
        _write(rows, device_name, args)
    return 0


def _write(rows: list[str], device_name: str, args: argparse.Namespace) -> None:
    path = Path(__file__).resolve().parent / "RUNS.md"
    marker = f"<!-- table: {args.device} -->"
    table = "\n".join(
        [
            marker,
            f"`python benchmarks/runs.py --device {args.device} --threads {args.threads}` "
            f"({device_name}, torch {torch.__version__}, {NUM_STEPS} steps, best of "
            f"{args.repeats}, load average {os.getloadavg()[0]:.1f} at the end):",
            "",
            *rows,
            f"<!-- end: {args.device} -->",
        ]
    )
    text = path.read_text() if path.exists() else ""
    if marker in text:
        start = text.index(marker)
        end = text.index(f"<!-- end: {args.device} -->") + len(f"<!-- end: {args.device} -->")
        text = text[:start] + table + text[end:]
    else:
        text = text.rstrip() + "\n\n" + table + "\n"
    path.write_text(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    raise SystemExit(main())
