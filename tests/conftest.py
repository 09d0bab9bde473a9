"""Shared test configuration (one conftest for all tests: --doctest-modules imports it by name).

* Keras 3 must pick its backend before it is first imported: the adapter tests use PyTorch's.
* Hypothesis draws new random examples on every run, which is how it finds edge cases locally.
  CI must not fail on a fresh draw that no commit caused, so `.ci/run` sets
  HYPOTHESIS_PROFILE=ci: the same (derandomized) examples on every run there.
"""

import os

from hypothesis import settings

os.environ.setdefault("KERAS_BACKEND", "torch")

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
