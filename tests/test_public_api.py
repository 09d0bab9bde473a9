"""The public surface, and what `import lrfinder` costs."""

import subprocess
import sys

import lrfinder


def test_public_names_are_pinned():
    """__all__ is exactly the documented public surface (changing it is a decision)."""
    assert sorted(lrfinder.__all__) == sorted(
        [
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
    )
    assert all(hasattr(lrfinder, name) for name in lrfinder.__all__)


def test_import_is_light():
    """`import lrfinder` loads numpy only: no torch, matplotlib, keras, jax, pandas."""
    code = (
        "import sys, lrfinder; "
        "print(sorted(m for m in ('torch', 'matplotlib', 'keras', 'jax', 'pandas', 'tqdm', 'lightning', 'transformers') if m in sys.modules))"
    )

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
