"""The exceptions lrfinder raises, and the argument checks that raise them.

Bad arguments raise the built-in ``ValueError`` or ``TypeError`` before any work starts, with a
message of the form `` `name` must be <constraint>, got name=<value>. <what to do>``.
When the method itself cannot give an answer, one of these is raised::

    LRFinderError                      base of everything lrfinder raises on its own
    ├── NotEnoughPointsError           too few finite losses to apply a rule
    ├── DivergedAtStartError           the loss was non-finite or exploding from the first steps
    ├── RankFailedError                another rank of a distributed run failed; this one stopped too
    └── ResultFileError                a saved result is corrupt, truncated, from a newer version or not ours

``NotEnoughPointsError``, ``DivergedAtStartError`` and ``ResultFileError`` also subclass
``ValueError`` so that code catching the usual "bad value" error keeps working.

An exception raised by the user's own code during a run (the model, the loss, the data, an
out-of-memory error) is re-raised as it is, with a note naming the step and learning rate, and
the curve recorded so far attached as ``error.lrfinder_result``: a user who catches
``torch.cuda.OutOfMemoryError`` still catches it.
"""

from __future__ import annotations

import math
from typing import Any


class LRFinderError(Exception):
    """Base class of the errors raised by lrfinder when the method cannot give an answer."""


class NotEnoughPointsError(LRFinderError, ValueError):
    """A suggestion rule got too few finite losses to work with."""


class DivergedAtStartError(LRFinderError, ValueError):
    """The loss was non-finite, or blew up, within the first steps of the range test."""


class RankFailedError(LRFinderError, RuntimeError):
    """Another rank failed during a distributed range test; this rank stopped with it.

    Attributes:
        rank: The rank that failed first (None if unknown).
        step: The step at which it failed (None if unknown).
    """

    def __init__(self, message: str, *, rank: int | None = None, step: int | None = None) -> None:
        super().__init__(message)
        self.rank = rank
        self.step = step


class ResultFileError(LRFinderError, ValueError):
    """A saved result file cannot be read: corrupt, truncated, from a newer version, or not ours."""


# --- argument checks shared by every module -------------------------------------------------------


def check_positive_finite(name: str, value: Any, *, hint: str = "") -> float:
    """Returns ``float(value)``, or raises if it is not a finite number greater than zero."""
    number = check_real(name, value)
    if not (math.isfinite(number) and number > 0):
        msg = f"`{name}` must be a finite number > 0, got {name}={value!r}.{_tail(hint)}"
        raise ValueError(msg)
    return number


def check_real(name: str, value: Any) -> float:
    """Returns ``float(value)``, or raises TypeError for bools, strings and other non-numbers."""
    if isinstance(value, bool) or not _is_real(value):
        msg = f"`{name}` must be a real number, got {name}={value!r} ({type(value).__name__})."
        raise TypeError(msg)
    return float(value)


def check_int(name: str, value: Any, *, minimum: int, hint: str = "") -> int:
    """Returns ``int(value)``, or raises if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not _is_integral(value):
        msg = f"`{name}` must be an integer, got {name}={value!r} ({type(value).__name__})."
        raise TypeError(msg)
    if int(value) < minimum:
        msg = f"`{name}` must be an integer >= {minimum}, got {name}={value!r}.{_tail(hint)}"
        raise ValueError(msg)
    return int(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Returns ``value``, or raises if it is not one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        msg = f"`{name}` must be one of {listed}, got {name}={value!r}."
        raise ValueError(msg)
    return str(value)


def check_fraction(name: str, value: Any, *, low_open: bool = True) -> float:
    """Returns ``float(value)``, or raises if it is not in (0, 1) (or [0, 1) if not ``low_open``)."""
    number = check_real(name, value)
    low_ok = number > 0 if low_open else number >= 0
    if not (low_ok and number < 1):
        interval = "(0, 1)" if low_open else "[0, 1)"
        msg = f"`{name}` must be in {interval}, got {name}={value!r}."
        raise ValueError(msg)
    return number


def check_result(value: Any, *, hint: str) -> float:
    """Returns ``value.suggestion`` as a float, or raises TypeError if ``value`` is not a
    range-test result (what the schedules and the adapters' hand-offs take); ``hint`` says where
    to get one."""
    if not (hasattr(value, "suggestion") and hasattr(value, "lr_range")):
        msg = (
            f"`result` must be an lrfinder RangeTestResult, got result={type(value).__name__}. "
            f"{hint}"
        )
        raise TypeError(msg)
    return float(value.suggestion)


def _is_real(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, (str, bytes, complex))


def _is_integral(value: Any) -> bool:
    if not _is_real(value):
        return False
    try:
        return int(value) == value
    except (TypeError, ValueError, OverflowError):
        return False


def _tail(hint: str) -> str:
    return f" {hint}" if hint else ""
