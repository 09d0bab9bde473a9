"""An endless stream of batches over the user's data, shared by every adapter (no framework)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
        #: Examples in the first batch drawn (:func:`leading_dimension`), for the metadata the
        #: suggestion's small-batch correction reads; None before the first batch or if unknown.
        self.first_batch_size: int | None = None

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
        if self.count == 0:
            self.first_batch_size = leading_dimension(batch)
        self.count += 1
        return batch


def leading_dimension(batch: Any) -> int | None:
    """Examples in a batch: the leading dimension its arrays share, in any framework.

    An array is anything with a non-empty ``shape`` (torch, NumPy, JAX, TensorFlow); a batch is
    an array or a tuple, list or dict of them (nested). None when no array has a dimension, or
    when the arrays' leading dimensions disagree: sequence-first inputs (``[time, batch, ...]``)
    beside batch-first targets, say, where guessing would read the sequence length as the batch.

    Example:
        >>> import numpy as np
        >>> leading_dimension({"x": np.zeros((16, 3)), "y": np.zeros(16)})
        16
        >>> leading_dimension((np.float64(1.0), [np.zeros((8, 2))])), leading_dimension("text")
        (8, None)
        >>> leading_dimension((np.zeros((20, 8, 3)), np.zeros(8)))  # sequence-first inputs
    """
    sizes = set(_leading_dimensions(batch))
    return sizes.pop() if len(sizes) == 1 else None


def _leading_dimensions(batch: Any) -> list[int]:
    shape = getattr(batch, "shape", None)
    if shape is not None:
        return [int(shape[0])] if len(shape) else []
    if isinstance(batch, Mapping):
        batch = list(batch.values())
    if isinstance(batch, (list, tuple)):
        return [size for item in batch for size in _leading_dimensions(item)]
    return []
