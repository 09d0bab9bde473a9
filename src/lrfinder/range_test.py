"""The range test over any framework: ``step(lr) -> loss``, the ladder, the stop rule, the record.

Nothing here knows about PyTorch. An adapter turns a training setup into ``step(lr)``, which runs
one optimizer update at learning rate ``lr`` and returns the loss of that update:

* a float, or anything ``to_floats`` can turn into floats (a PyTorch adapter returns 0-d device
  tensors and converts them a chunk at a time, so the GPU never waits for the host);
* ``SKIPPED`` when the update did not happen (an AMP GradScaler skipped it): the ladder does not
  advance and the same learning rate is tried again;
* or it raises :class:`StopRangeTest` to end the run early and cleanly (data exhausted).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any

import numpy as np

from .errors import DivergedAtStartError, check_int
from .ladder import check_ladder_args, ladder
from .result import RangeTestResult
from .stopping import StopRule
from .suggest import DEFAULT_METHOD, get_suggester

logger = logging.getLogger("lrfinder")

#: Returned by ``step(lr)`` when the update was skipped (e.g. AMP overflow): retry the same lr.
SKIPPED = object()
_MAX_CONSECUTIVE_SKIPS = 100


class StopRangeTest(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a ``step`` to end the run early; ``reason`` becomes the result's stop_reason."""

    def __init__(self, reason: str = "data-exhausted", message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


Step = Callable[[float], Any]
ToFloats = Callable[[Sequence[Any]], Iterable[float]]


def _losses_as_floats(values: Sequence[Any]) -> list[float]:
    """The default ``to_floats``: each loss a plain float, or a TypeError saying what step gave."""
    return [_loss_as_float(value) for value in values]


def _loss_as_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        shape = getattr(value, "shape", None)
        if value is None:
            got = "None"
        elif shape is not None:
            got = f"an array of shape {tuple(shape)}"
        else:
            got = f"{type(value).__name__} {value!r}"[:80]
        msg = (
            f"`step(lr)` must return the loss as one number (a float, or a 0-d tensor or array), "
            f"got {got}."
            + (" Did the step function forget to `return loss`?" if value is None else "")
            + (" Reduce it to one value (loss.mean()) first." if shape is not None else "")
        )
        raise TypeError(msg) from None


def check_run_options(method: str, stop_factor: float | None, stop_rule: Any) -> None:
    """Validates the rule and stop settings every adapter passes on to :func:`range_test`, so
    that an adapter can check them before its own set-up work (building an optimizer...)."""
    get_suggester(method)
    if stop_rule is not None and not isinstance(stop_rule, StopRule):
        msg = (
            f"`stop_rule` must be a lrfinder.StopRule, got stop_rule={stop_rule!r}. Build one "
            "with StopRule(stop_factor=...), or subclass it."
        )
        raise TypeError(msg)
    if stop_rule is None:
        StopRule(stop_factor=stop_factor)  # its constructor checks stop_factor


def range_test(
    step: Step,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    stop_factor: float | None = 0.5,
    stop_rule: StopRule | None = None,
    check_every: int = 1,
    to_floats: ToFloats | None = None,
    method: str = DEFAULT_METHOD,
    progress: bool = False,
    metadata: dict[str, Any] | None = None,
) -> RangeTestResult:
    """Runs an LR range test over ``step(lr) -> loss`` and returns the recorded curve.

    The learning rate climbs the :func:`~lrfinder.ladder.ladder` one rung per update; the raw loss
    of every update is recorded; the run stops at ``end_lr``, at the first non-finite loss, or when
    the :class:`~lrfinder.stopping.StopRule` sees the loss diverge.

    Args:
        step: Runs one optimizer update at the given learning rate and returns its loss (see the
            module docstring for the protocol).
        start_lr, end_lr, num_steps, mode: The ladder (see :func:`~lrfinder.ladder.ladder`).
        stop_factor: Divergence threshold of the default stop rule; None turns it off.
        stop_rule: A custom :class:`~lrfinder.stopping.StopRule` (overrides ``stop_factor``).
        check_every: Convert and check losses every this many steps. With device tensors, a
            larger value avoids a host-device sync per step; the run then overshoots a divergence
            by at most ``check_every - 1`` updates, which are discarded from the record.
        to_floats: Turns a list of what ``step`` returned into floats (default: ``float`` each).
        method: The rule behind ``result.suggestion``.
        progress: Show a progress bar (needs tqdm; without it, progress goes to the log).
        metadata: JSON-friendly facts stored in ``result.metadata``.

    Returns:
        A :class:`~lrfinder.result.RangeTestResult`. On KeyboardInterrupt the partial curve is
        returned with ``stop_reason="interrupted"``.

    Raises:
        ValueError, TypeError: For a bad argument, before ``step`` is ever called.
        DivergedAtStartError: If the very first loss is non-finite.
        Exception: Whatever ``step`` raised, with a note naming the step and learning rate and the
            partial result attached as ``error.lrfinder_result``.

    Example:
        >>> import math
        >>> def step(lr):  # falls around lr=1e-3, lowest near 3e-2, explodes past 0.3
        ...     x = math.log10(lr)
        ...     return 2.0 - math.tanh(x + 3.0) + math.exp(3.0 * (x + 0.5))
        >>> result = range_test(step, start_lr=1e-6, end_lr=1.0, num_steps=61)
        >>> result.stop_reason, f"{result.suggestion:.1e}"
        ('diverged', '3.2e-02')
    """
    start_lr, end_lr, num_steps, mode = check_ladder_args(start_lr, end_lr, num_steps, mode)
    if not callable(step):
        msg = f"`step` must be a callable step(lr) -> loss, got step={step!r}."
        raise TypeError(msg)
    check_every = check_int("check_every", check_every, minimum=1)
    check_run_options(method, stop_factor, stop_rule)
    if to_floats is not None and not callable(to_floats):
        msg = f"`to_floats` must be callable, got to_floats={to_floats!r}."
        raise TypeError(msg)
    if metadata is not None and not isinstance(metadata, dict):
        msg = (
            f"`metadata` must be a dict of JSON-friendly facts, got metadata={metadata!r}. "
            "Pass e.g. metadata={'model': 'resnet18'}."
        )
        raise TypeError(msg)
    rule = (stop_rule if stop_rule is not None else StopRule(stop_factor=stop_factor)).for_run(
        num_steps
    )
    convert: ToFloats = to_floats or _losses_as_floats
    record = _Record(ladder(start_lr, end_lr, num_steps, mode), rule, convert)
    bar = _progress_bar(num_steps) if progress else None
    stop_reason = "completed"
    started = time.perf_counter()
    try:
        while record.next_index < num_steps and stop_reason == "completed":
            lr = record.next_lr
            loss = step(lr)
            if loss is SKIPPED:
                record.skip(lr)
                continue
            record.add(loss)
            if record.pending_count >= check_every or record.next_index == num_steps:
                stop_reason = record.flush() or stop_reason
                if bar is not None:
                    bar.update(record.next_index - bar.n)
                    bar.set_postfix_str(record.postfix(), refresh=False)
    except KeyboardInterrupt:
        # Pending losses are judged too, so the record does not depend on check_every.
        stop_reason = record.flush(tolerant=True) or "interrupted"
    except StopRangeTest as signal:
        stop_reason = record.flush() or signal.reason
    except BaseException as error:
        # The user's own error: keep its type, say where it happened, attach the partial curve.
        # Where: read before the flush, which can drop pending losses it cannot convert (under
        # torch.distributed, once another rank failed, no further all-reduce is made).
        where = f"step {record.next_index} (lr={record.next_lr:.3g})"
        record.flush(judge=False, tolerant=True)
        partial = record.result("error", start_lr, end_lr, num_steps, mode, method, metadata)
        _add_note(error, f"lrfinder: the range test failed at {where}; partial curve attached.")
        error.lrfinder_result = partial  # type: ignore[attr-defined]
        raise
    finally:
        if bar is not None:
            bar.close()
    elapsed = time.perf_counter() - started
    result = record.result(stop_reason, start_lr, end_lr, num_steps, mode, method, metadata)
    result.metadata.setdefault("elapsed_s", round(elapsed, 4))
    if stop_reason == "non-finite" and len(result.losses) == 1:
        msg = (
            f"range test stopped at step 0 (lr={start_lr:.3g}): loss was {result.losses[0]}. "
            "Check the loss on one batch at a tiny lr before sweeping."
        )
        error = DivergedAtStartError(msg)
        error.lrfinder_result = result  # type: ignore[attr-defined]
        raise error
    logger.info("range test %s after %d steps", stop_reason, len(result.losses))
    return result


class _Record:
    """The ladder position, the raw losses recorded so far, and the ones not yet converted."""

    def __init__(self, lrs: np.ndarray, rule: StopRule, convert: ToFloats) -> None:
        self.lrs = lrs
        self.rule = rule
        self.convert = convert
        self.losses: list[float] = []
        self.pending: list[Any] = []
        self.overshoot = 0
        self.skipped = 0
        self._consecutive_skips = 0

    @property
    def next_index(self) -> int:
        return len(self.losses) + len(self.pending)

    @property
    def next_lr(self) -> float:
        return float(self.lrs[min(self.next_index, len(self.lrs) - 1)])

    @property
    def pending_count(self) -> int:
        return len(self.pending)

    def add(self, loss: Any) -> None:
        self.pending.append(loss)
        self._consecutive_skips = 0

    def skip(self, lr: float) -> None:
        self.skipped += 1
        self._consecutive_skips += 1
        if self._consecutive_skips > _MAX_CONSECUTIVE_SKIPS:
            msg = (
                f"{_MAX_CONSECUTIVE_SKIPS} updates in a row were skipped at lr={lr:.3g} (step "
                f"{self.next_index}): the gradients keep overflowing. Check the model in full "
                "precision, or lower the GradScaler's init_scale."
            )
            raise RuntimeError(msg)

    def flush(self, *, judge: bool = True, tolerant: bool = False) -> str | None:
        """Converts the pending losses; with ``judge``, returns a stop reason if the rule fires."""
        if not self.pending:
            return None
        try:
            values = [float(v) for v in self.convert(self.pending)]
        except Exception:
            if not tolerant:
                raise
            values = []  # the device is in a bad state: keep what was already converted
        self.pending = []
        for position, value in enumerate(values):
            self.losses.append(value)
            reason = self.rule.update(value) if judge else None
            if reason is not None:
                self.overshoot += len(values) - position - 1
                return reason
        return None

    def postfix(self) -> str:
        last = self.losses[-1] if self.losses else math.nan
        return f"lr={self.lrs[len(self.losses) - 1]:.2e} loss={last:.4g}"

    def result(
        self,
        stop_reason: str,
        start_lr: float,
        end_lr: float,
        num_steps: int,
        mode: str,
        method: str,
        metadata: dict[str, Any] | None,
    ) -> RangeTestResult:
        count = len(self.losses)
        facts = dict(metadata or {})
        facts.update(overshoot_steps=self.overshoot, skipped_updates=self.skipped)
        return RangeTestResult(
            lrs=self.lrs[:count],
            losses=np.asarray(self.losses, dtype=np.float64),
            stop_reason=stop_reason,
            start_lr=start_lr,
            end_lr=end_lr,
            num_steps=num_steps,
            mode=mode,
            method=method,
            metadata=facts,
        )


# What the progress bar calls the run: several runs label theirs ("run 2 of 5").
_PROGRESS_LABEL: ContextVar[str] = ContextVar("lrfinder_progress_label", default="lr range test")


@contextlib.contextmanager
def progress_label(label: str) -> Iterator[None]:
    """Progress bars started inside the block are labelled ``label``."""
    token = _PROGRESS_LABEL.set(label)
    try:
        yield
    finally:
        _PROGRESS_LABEL.reset(token)


def _progress_bar(total: int) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        logger.info("progress bar needs tqdm: pip install 'lrfinder[progress]'")
        return None
    label = _PROGRESS_LABEL.get()
    return tqdm(total=total, desc=label, unit="step", leave=True, dynamic_ncols=True)


def _add_note(error: BaseException, note: str) -> None:
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)
