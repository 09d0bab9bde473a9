"""A training setup for ``lrfinder run`` and ``lrfinder verify``: copy it and put your model in.

    lrfinder run examples/my_setup.py:factory --out runs/
    lrfinder verify examples/my_setup.py:factory --evaluate examples/my_setup.py:accuracy \\
        --maximize --out runs/verify --processes 2

``factory()`` takes no arguments and builds everything from scratch; lrfinder seeds Python, NumPy
and torch before each call, so every call starts from the same weights. Here: a small MLP with
SGD + momentum on the handwritten digits bundled with lrfinder (1,400 train / 397 held out).
"""

from __future__ import annotations

import torch
from torch import nn

from lrfinder.data import load_digits
from lrfinder.user_setup import Setup


def factory() -> Setup:
    """Builds a fresh MLP, its optimizer and the digits loaders."""
    images, labels = load_digits()
    X = torch.from_numpy(images).flatten(1)
    y = torch.from_numpy(labels)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))  # fixed split
    train, val = order[:1400], order[1400:]
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    return Setup(
        model=model,
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
        train_data=torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(X[train], y[train]), batch_size=64, shuffle=True
        ),
        loss_fn=nn.functional.cross_entropy,
        val_data=torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(X[val], y[val]), batch_size=512
        ),
    )


def accuracy(model: nn.Module, data: torch.utils.data.DataLoader) -> float:
    """Fraction of correctly classified examples in ``data`` (lrfinder calls it under no_grad)."""
    correct = total = 0
    for inputs, targets in data:
        correct += int((model(inputs).argmax(dim=1) == targets).sum())
        total += len(targets)
    return correct / total
