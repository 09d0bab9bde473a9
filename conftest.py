"""Shared pytest set-up: Keras must pick its backend before it is first imported anywhere."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")


try:  # Two busy cores: one thread per test process is faster and steadier than oversubscribing.
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass
