"""An endless stream of batches over the user's data, shared by every adapter (no framework)."""

from __future__ import annotations

from collections import Counter
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
    an array or a tuple, list or dict of them (nested). The batch's own arrays decide by
    majority (inputs, targets and weights agree; a class-weight vector beside them does not
    count); when they split evenly (sequence-first inputs ``[time, batch, ...]`` beside targets
    ``[batch]``) the size is unknown, None, rather than a guess that reads the sequence length as
    the batch. A batch with no arrays of its own is searched inside, in order (images beside a
    list of per-image targets). None when no array has a dimension.

    Example:
        >>> import numpy as np
        >>> leading_dimension({"x": np.zeros((16, 3)), "y": np.zeros(16)})
        16
        >>> leading_dimension((np.float64(1.0), [np.zeros((8, 2))])), leading_dimension("text")
        (8, None)
        >>> leading_dimension((np.zeros((20, 8, 3)), np.zeros(8)))  # sequence-first inputs
        >>> leading_dimension((np.zeros((4, 3)), np.zeros(4), np.zeros(10)))  # + class weights
        4
        >>> leading_dimension((np.zeros((4, 3, 8, 8)), [{"boxes": np.zeros((2, 4))}] * 4))
        4
    """
    shape = getattr(batch, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) else None
    if isinstance(batch, Mapping):
        items = list(batch.values())
    elif isinstance(batch, (list, tuple)):
        items = list(batch)
    else:
        return None
    own = [
        int(s[0])
        for s in (getattr(item, "shape", None) for item in items)
        if s is not None and len(s)
    ]
    if own:
        counts = Counter(own).most_common(2)
        if len(counts) > 1 and counts[0][1] == counts[1][1]:
            return None
        return counts[0][0]
    for item in items:
        size = leading_dimension(item)
        if size is not None:
            return size
    return None
