"""Keras 3 must pick its backend before it is first imported: these tests use PyTorch's."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
