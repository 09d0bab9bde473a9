"""Shared pytest set-up.

* Keras must pick its backend before it is first imported anywhere.
* Hypothesis draws new random examples on every run, which is how it finds edge cases locally.
  CI must not fail on a fresh draw that no commit caused, so `.ci/run` sets
  HYPOTHESIS_PROFILE=ci: the same (derandomized) examples on every run there.
"""

import os

from hypothesis import settings

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


try:  # Two busy cores: one thread per test process is faster and steadier than oversubscribing.
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass
