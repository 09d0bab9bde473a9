"""Runs the fuzz properties of tests/test_fuzz.py with many more examples than CI does.

Usage::

    python benchmarks/fuzz_long.py                 # 10,000 examples per property
    python benchmarks/fuzz_long.py --examples 50000
    python benchmarks/fuzz_long.py --only MultiRun     # one class (or test name) only

Prints one line per property (examples run, seconds, outcome), the numpy RuntimeWarnings seen
(by source line: they are not errors, but a user running with ``-W error`` would see them), and
exits non-zero if any property failed. The numbers go into benchmarks/RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="examples per property")
    parser.add_argument("--only", default="", help="run the properties whose name contains this")
    args = parser.parse_args(argv)
    os.environ["LRFINDER_FUZZ_EXAMPLES"] = str(args.examples)  # read when test_fuzz is imported
    sys.path.insert(0, str(TESTS))
    import test_fuzz

    classes = [value for key, value in vars(test_fuzz).items() if key.startswith("Test")]
    properties = [
        (cls.__name__, name, getattr(cls(), name))
        for cls in classes
        for name in sorted(vars(cls))
        if name.startswith("test_") and args.only in f"{cls.__name__}.{name}"
    ]
    seen: Counter[str] = Counter()

    def count(message: Any, category: Any, filename: str, lineno: int, *rest: Any) -> None:
        seen[f"{category.__name__} at {Path(filename).name}:{lineno}: {message}"] += 1

    failures = 0
    print(f"{'property':<60} {'examples':>9} {'seconds':>8}  outcome")
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = count
        for owner, name, prop in properties:
            before = dict(test_fuzz.EXAMPLES_RUN)
            started = time.perf_counter()
            try:
                prop()
                outcome = "passed"
            except Exception:  # report every property, then fail the run
                failures += 1
                outcome = "FAILED"
                traceback.print_exc()
            elapsed = time.perf_counter() - started
            ran = sum(test_fuzz.EXAMPLES_RUN.values()) - sum(before.values())
            print(f"{owner + '.' + name:<60} {ran:>9} {elapsed:>8.1f}  {outcome}", flush=True)
    print(f"total examples: {sum(test_fuzz.EXAMPLES_RUN.values())}")
    for line in sorted(seen):  # each source line once ("default" filter)
        print(f"warning: {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
