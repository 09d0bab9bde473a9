"""A small JSON cache for benchmark results: one file per task and kind, merged on every write.

Keys are plain strings such as ``"onecycle|lr=0.001|seed=0|steps=300|split=test"``; values are
JSON-friendly dicts. Writes re-read the file and merge, then replace it atomically, so two
processes working on different keys of the same file lose nothing but a race on one key.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).resolve().parent / "cache"


def lr_key(lr: float, decades: float = 0.02) -> float:
    """Rounds ``lr`` to a grid of ``decades`` in log10 and to 4 significant digits."""
    rounded = 10 ** (round(math.log10(lr) / decades) * decades)
    return float(f"{rounded:.4g}")


class Store:
    """A dict-like JSON file under ``benchmarks/cache``."""

    def __init__(self, name: str) -> None:
        self.path = CACHE_DIR / f"{name}.json"
        self.data: dict[str, Any] = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def put(self, key: str, value: Any) -> None:
        self.data = self._read() | self.data
        self.data[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(dict(sorted(self.data.items())), file, indent=0)
            file.write("\n")
        os.replace(tmp, self.path)
