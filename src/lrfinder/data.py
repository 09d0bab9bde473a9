"""Bundled demo data: the handwritten digits of UCI/scikit-learn, shipped inside the package.

``digits.npz`` holds the 1,797 8x8 grey-level images (values 0..16) and their labels, as
distributed by scikit-learn (``sklearn.datasets.load_digits``; UCI "Optical Recognition of
Handwritten Digits", CC BY 4.0). Shipping them keeps ``lrfinder demo`` free of downloads and of a
scikit-learn dependency.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray


def load_digits() -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Returns ``(images, labels)``: images shaped (1797, 1, 8, 8) scaled to [0, 1], labels 0..9.

    Example:
        >>> images, labels = load_digits()
        >>> images.shape, labels[:5].tolist()
        ((1797, 1, 8, 8), [0, 1, 2, 3, 4])
    """
    with resources.files("lrfinder.datasets").joinpath("digits.npz").open("rb") as file:
        archive = np.load(file)
        images = archive["images"].astype(np.float32)[:, None] / 16.0
        labels = archive["labels"].astype(np.int64)
    return images, labels


def digits_demo(*, seed: int = 0, batch_size: int = 64) -> dict[str, Any]:
    """Builds the demo's setup: a small CNN, AdamW and shuffled loaders over the bundled digits.

    Returns a dict with ``model``, ``optimizer``, ``train_loader``, ``val_loader`` and
    ``loss_fn``. Needs torch.
    """
    import torch
    from torch import nn

    images, labels = load_digits()
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(labels), generator=generator)
    X, y = torch.from_numpy(images)[order], torch.from_numpy(labels)[order]
    split = 1400  # 1400 to train on, 397 held out
    train = torch.utils.data.TensorDataset(X[:split], y[:split])
    val = torch.utils.data.TensorDataset(X[split:], y[split:])
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )
    return {
        "model": model,
        "optimizer": torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01),
        "train_loader": torch.utils.data.DataLoader(
            train, batch_size=batch_size, shuffle=True, generator=generator
        ),
        "val_loader": torch.utils.data.DataLoader(val, batch_size=256),
        "loss_fn": nn.functional.cross_entropy,
    }
