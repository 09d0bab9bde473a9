"""Shared pytest set-up: Keras must pick its backend before it is first imported anywhere."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")
