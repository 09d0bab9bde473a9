"""Shared by the reliability tests: a tiny training setup and a fingerprint of everything in it.

``fingerprint(setup)`` captures, as plain bytes and values, every parameter, buffer and gradient
of the model (and the tensor objects themselves), each module's train/eval flag, the optimizer's
state and param groups, the GradScaler's state, the Python, NumPy and torch RNG states and the
data loader's shuffling generator.
Two fingerprints compare equal only if a run changed nothing at all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

# Two shared CPU cores: torch's thread pool only adds contention for models this small (25 ms per
# BatchNorm call with the default pool, 0.1 ms with one thread).
torch.set_num_threads(1)


@dataclass
class Setup:
    """A seeded tiny model with BatchNorm and Dropout, an Adam optimizer with state, and data."""

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    data: torch.utils.data.DataLoader
    scaler: Any = None

    def fingerprint(self) -> dict[str, Any]:
        return fingerprint(self.model, self.optimizer, self.scaler, self.data)


def make_setup(*, scaler: bool = False, batch_size: int = 16) -> Setup:
    """Builds the setup and takes one real step, so gradients and Adam moments exist."""
    torch.manual_seed(0)
    X = torch.randn(128, 4)
    y = X @ torch.randn(4, 1) + 0.1 * torch.randn(128, 1)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.BatchNorm1d(8),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(8, 1),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(1)
    data = torch.utils.data.DataLoader(
        list(zip(X, y, strict=True)), batch_size=batch_size, shuffle=True, generator=generator
    )
    torch.nn.functional.mse_loss(model(X[:16]), y[:16]).backward()
    optimizer.step()
    model.eval()  # the run switches to train mode: the restore must switch back
    # growth_interval=3: the scale doubles every 3 clean steps, so a run does change the scaler.
    grad_scaler = torch.amp.GradScaler("cpu", growth_interval=3) if scaler else None
    random.seed(2)
    np.random.seed(3)
    torch.manual_seed(4)
    return Setup(model, optimizer, data, grad_scaler)


def fingerprint(
    model: torch.nn.Module, optimizer: torch.optim.Optimizer, scaler: Any = None, data: Any = None
) -> dict[str, Any]:
    """Returns everything a range test could change, as comparable plain values."""
    tensors = {}
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        grad = getattr(tensor, "grad", None)
        tensors[name] = (id(tensor), _bytes(tensor), None if grad is None else _bytes(grad))
    numpy_state = np.random.get_state()
    return {
        "tensors": tensors,
        "training": [module.training for module in model.modules()],
        "optimizer_params": [id(p) for group in optimizer.param_groups for p in group["params"]],
        "optimizer": _plain(optimizer.state_dict()),
        "scaler": None if scaler is None else _plain(scaler.state_dict()),
        "rng_python": random.getstate(),
        "rng_numpy": (numpy_state[0], numpy_state[1].tobytes(), *numpy_state[2:]),
        "rng_torch": torch.get_rng_state().numpy().tobytes(),
        "data": _bytes(data.generator.get_state()) if data is not None else None,
    }


def _bytes(tensor: torch.Tensor) -> tuple[str, tuple[int, ...], bytes]:
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    return str(tensor.dtype), tuple(tensor.shape), flat.view(torch.uint8).numpy().tobytes()


def _plain(value: Any) -> Any:
    if torch.is_tensor(value):
        return _bytes(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
