"""lrfinder: find a good learning rate in one short run, know how far to trust it, train with it.

``import lrfinder`` imports numpy and nothing heavier; the PyTorch adapter (``lr_find``) and the
plot load their framework on first use.
"""

from __future__ import annotations

from typing import Any

from . import suggest
from ._version import __version__
from .errors import (
    DivergedAtStartError,
    LRFinderError,
    NotEnoughPointsError,
    RankFailedError,
    ResultFileError,
)
from .ladder import ladder
from .multirun import MultiRunResult
from .range_test import SKIPPED, StopRangeTest, range_test
from .result import RangeTestResult, load
from .stopping import StopRule
from .suggest import DEFAULT_METHOD, SUGGESTERS, Suggestion
from .verify import VerifyReport, verify

__all__ = [
    "DEFAULT_METHOD",
    "SKIPPED",
    "SUGGESTERS",
    "DivergedAtStartError",
    "LRFinderError",
    "MultiRunResult",
    "NotEnoughPointsError",
    "RangeTestResult",
    "RankFailedError",
    "ResultFileError",
    "StopRangeTest",
    "StopRule",
    "Suggestion",
    "VerifyReport",
    "__version__",
    "ladder",
    "load",
    "lr_find",
    "range_test",
    "refine_setup",
    "suggest",
    "verify",
]


def refine_setup(*args: Any, **kwargs: Any) -> Any:
    """Refines the suggestion with probes built from a factory; see
    :func:`lrfinder.setup_probes.refine_setup`."""
    from .setup_probes import refine_setup as setup_refine

    return setup_refine(*args, **kwargs)


def lr_find(*args: Any, **kwargs: Any) -> RangeTestResult:
    """Runs the LR range test on a PyTorch model; see :func:`lrfinder.torch.lr_find`."""
    from .torch import lr_find as torch_lr_find

    return torch_lr_find(*args, **kwargs)
