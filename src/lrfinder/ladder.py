"""The learning-rate ladder of a range test: one rung per optimizer update, endpoints exact."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .errors import check_choice, check_int, check_positive_finite

MODES = ("exp", "linear")


def ladder(
    start_lr: float, end_lr: float, num_steps: int, mode: str = "exp"
) -> NDArray[np.float64]:
    """Returns the ``num_steps`` learning rates of a range test, from ``start_lr`` to ``end_lr``.

    * ``mode="exp"``: ``lr_i = start_lr * (end_lr / start_lr) ** (i / (num_steps - 1))``, evenly
      spaced in ``log(lr)`` (the fastai / Smith "LR finder" ladder).
    * ``mode="linear"``: ``lr_i = (1 - w) * start_lr + w * end_lr`` with ``w = i / (num_steps - 1)``
      (Smith's original CLR range test).

    ``lrs[0] == start_lr`` and ``lrs[-1] == end_lr`` exactly, unlike fastai (whose last rung is
    ``end_lr ** ((n-1)/n)``) or Lightning (whose first step is twice as long as the others).

    Args:
        start_lr: First learning rate, a finite number > 0.
        end_lr: Last learning rate, finite and > ``start_lr``.
        num_steps: Number of rungs (optimizer updates), at least 2.
        mode: ``"exp"`` or ``"linear"``.

    Returns:
        A 1-D float64 array of length ``num_steps``, strictly increasing.

    Raises:
        ValueError, TypeError: If an argument is outside the range given above.

    Example:
        >>> ladder(1e-3, 1e-1, 3).tolist()
        [0.001, 0.01, 0.1]
        >>> ladder(0.1, 0.5, 5, mode="linear").tolist()
        [0.1, 0.2, 0.3, 0.4, 0.5]
    """
    start_lr, end_lr, num_steps, mode = check_ladder_args(start_lr, end_lr, num_steps, mode)
    weight = np.arange(num_steps, dtype=np.float64) / (num_steps - 1)
    if mode == "exp":
        lrs = start_lr * (end_lr / start_lr) ** weight
    else:
        lrs = (1.0 - weight) * start_lr + weight * end_lr
    # A power can land one ulp off the end: the endpoints are promised exactly.
    lrs[0], lrs[-1] = start_lr, end_lr
    return lrs


def check_ladder_args(
    start_lr: float, end_lr: float, num_steps: int, mode: str
) -> tuple[float, float, int, str]:
    """Validates the ladder's arguments (shared by every entry point) and returns them normalised."""
    start = check_positive_finite(
        "start_lr", start_lr, hint="Use a tiny learning rate such as 1e-7."
    )
    end = check_positive_finite("end_lr", end_lr, hint="Use a large learning rate such as 10.")
    if not end > start:
        msg = (
            f"`end_lr` must be greater than `start_lr`, got start_lr={start_lr!r}, "
            f"end_lr={end_lr!r}. The ladder climbs from start_lr to end_lr."
        )
        raise ValueError(msg)
    steps = check_int(
        "num_steps", num_steps, minimum=2, hint="A range test needs at least 2 steps; 100 is usual."
    )
    return start, end, steps, check_choice("mode", mode, MODES)


def lr_axis(lrs: NDArray[np.float64]) -> str:
    """Returns ``"log"`` if the learning rates are geometric, ``"linear"`` if evenly spaced.

    Slopes are taken against ``log(lr)`` for geometric ladders and ``lr`` for linear ones; any other
    spacing (a custom grid) is treated as ``"log"``, the scale on which learning rates act.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    if lrs.size < 3 or np.any(lrs <= 0):
        return "log"
    log_steps = np.diff(np.log(lrs))
    if np.allclose(log_steps, log_steps[0], rtol=1e-6, atol=0.0):
        return "log"
    steps = np.diff(lrs)
    if np.allclose(steps, steps[0], rtol=1e-6, atol=0.0):
        return "linear"
    return "log"


def lr_coordinate(lrs: NDArray[np.float64], axis: str) -> NDArray[np.float64]:
    """Returns the coordinate slopes are taken against: ``log(lr)`` or ``lr``."""
    lrs = np.asarray(lrs, dtype=np.float64)
    return np.log(lrs) if axis == "log" else lrs
