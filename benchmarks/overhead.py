"""How much more than a hand-written loop does `lrfinder.lr_find` cost on CPU?

Both sides run the same updates on the same batches: set the ladder's lr, forward, backward,
step, read the loss. `lr_find` adds its snapshot and restore, the stop rule and its bookkeeping.
The divergence stop is off so both run every step. Prints one row per model: best wall time
over repeats and the ratio (target: <= 1.05).
Times are CPU time of this process (`time.process_time`, one torch thread), which other jobs on a
busy machine disturb far less than wall time; the ratio of bests compares the least disturbed runs.

    python benchmarks/overhead.py            # about a minute on 2 CPU cores
    python benchmarks/overhead.py --repeats 3 --num-steps 50
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F

import lrfinder
from lrfinder.data import digits_demo, load_digits


def hand_written_loop(model, optimizer, loader, lrs):
    """The loop a user would write: one update per rung, loss read back every step."""
    losses = []
    iterator = iter(loader)
    model.train()
    for lr in lrs:
        try:
            inputs, targets = next(iterator)
        except StopIteration:
            iterator = iter(loader)
            inputs, targets = next(iterator)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def mlp_setup(width):
    images, labels = load_digits()
    X, y = torch.from_numpy(images).flatten(1), torch.from_numpy(labels)
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(64, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 10)
    )
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True
    )
    return model, torch.optim.AdamW(model.parameters(), lr=1e-3), loader


def cnn_setup(_):
    setup = digits_demo(seed=0)
    return setup["model"], setup["optimizer"], setup["train_loader"]


def measure(make_setup, size, num_steps, repeats):
    lrs = lrfinder.ladder(1e-7, 10.0, num_steps).tolist()
    hand, ours = [], []
    for _ in range(repeats):  # interleaved, so drifts in machine load hit both alike
        model, optimizer, loader = make_setup(size)
        started = time.process_time()
        hand_written_loop(model, optimizer, loader, lrs)
        hand.append(time.process_time() - started)

        model, optimizer, loader = make_setup(size)
        started = time.process_time()
        lrfinder.lr_find(
            model, optimizer, loader, F.cross_entropy, num_steps=num_steps, stop_factor=None,
            runs=1,  # one range test against one hand-written loop
        )  # fmt: skip
        ours.append(time.process_time() - started)
    # The minimum is the run least disturbed by other processes; the median shows the spread.
    return min(hand), min(ours), statistics.median(hand), statistics.median(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1 = steadier timings)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    cases = [
        ("MLP 64-256-256-10", mlp_setup, 256),
        ("MLP 64-1024-1024-10", mlp_setup, 1024),
        ("demo CNN (digits)", cnn_setup, None),
    ]
    print(
        f"{args.num_steps} steps, batch 64, AdamW, {args.repeats} interleaved repeats, {args.threads} thread(s)\n"
    )
    print(
        "| model | hand-written loop, best (s) | lr_find, best (s) | ratio of bests | ratio of medians |"
    )
    print("|---|---|---|---|---|")
    for name, make_setup, size in cases:
        hand, ours, hand_median, ours_median = measure(
            make_setup, size, args.num_steps, args.repeats
        )
        print(
            f"| {name} | {hand:.3f} | {ours:.3f} | {ours / hand:.3f} | {ours_median / hand_median:.3f} |"
        )


if __name__ == "__main__":
    main()
