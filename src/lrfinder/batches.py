"""An endless stream of batches over the user's data, shared by every adapter (no framework)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .range_test import StopRangeTest


class BatchStream:
    """Yields batches forever, restarting ``source`` each time it is exhausted.

    The iterator is made on the first :meth:`next`, so an adapter can take its RNG snapshot first
    (a shuffling DataLoader draws its seed when ``iter()`` is called). A one-shot iterator cannot
    be restarted: when it runs out the range test ends cleanly as ``"data-exhausted"``.

    Args:
        source: A re-iterable of batches (a DataLoader, a list) or a one-shot iterator.
        empty_message: The ValueError's text when ``source`` yields nothing at all.

    Example:
        >>> stream = BatchStream([1, 2])
        >>> [stream.next() for _ in range(5)]
        [1, 2, 1, 2, 1]
    """

    def __init__(
        self,
        source: Iterable[Any],
        empty_message: str = "`data` yielded no batches: pass a non-empty iterable.",
    ) -> None:
        self.source = source
        self.empty_message = empty_message
        self.iterator: Iterator[Any] | None = None
        self.count = 0

    def next(self) -> Any:
        """Returns the next batch; raises StopRangeTest when a one-shot iterator runs out."""
        if self.iterator is None:
            self.iterator = iter(self.source)
        try:
            batch = next(self.iterator)
        except StopIteration:
            if self.count == 0:
                raise ValueError(self.empty_message) from None
            if isinstance(self.source, Iterator):
                raise StopRangeTest(reason="data-exhausted") from None
            self.iterator = iter(self.source)
            try:
                batch = next(self.iterator)
            except StopIteration:  # a re-iterable that is empty the second time round
                raise StopRangeTest(reason="data-exhausted") from None
        self.count += 1
        return batch
