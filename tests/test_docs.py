"""The docs' interactive examples run and print what the docs say they print."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_schedules_page_example(monkeypatch):
    """docs/schedules.md's walk-through on examples/my_setup.py: range test, 1cycle, 5 epochs."""
    pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    monkeypatch.delitem(sys.modules, "my_setup", raising=False)

    outcome = doctest.testfile(
        str(ROOT / "docs" / "schedules.md"), module_relative=False, verbose=False, report=True
    )

    assert outcome.attempted >= 10
    assert outcome.failed == 0
