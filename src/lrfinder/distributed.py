"""Range tests under ``torch.distributed``: one averaged curve, one decision, on every rank.

When a process group is initialised (``torchrun``, ``torch.multiprocessing``, Accelerate...),
:func:`lrfinder.lr_find` runs the same range test on every rank, each on its own shard of the
data, and this module makes the ranks act as one:

* **One loss per point, averaged across ranks.** Each rank converts a chunk of ``check_every``
  losses to host floats (as it does alone), then the chunk is summed across ranks by *one*
  ``all_reduce`` and divided by the world size. Nothing else is synchronised per step (one
  more all-reduce at the start checks that every rank was given the same settings).
* **One decision.** Every rank feeds the same averaged losses to the same stop rule, so every
  rank stops at the same step and returns the same lrs, losses, stop reason and suggestion.
  A loss that is NaN on one rank only makes the average NaN: every rank stops with
  ``"non-finite"`` at that step.
* **One outcome for failures.** The chunk's ``all_reduce`` carries status counters too. A rank
  whose step raises (or whose data ran out) joins that collective with its status before
  re-raising, so the other ranks learn of it at their next chunk boundary and stop together:
  the failing rank re-raises its own exception, the others raise :class:`RankFailedError`
  naming the rank, the step and the error. Every rank restores its state.

lrfinder's collectives run on a dedicated gloo group on the host (created once, collectively,
on first use), never on the group your model trains on. A rank that fails in the middle of a
step can therefore never post a collective that does not match what the others are waiting in
(a mismatch aborts the process under gloo and hangs under NCCL).

What no library can do is pull the other ranks out of a collective of *your model* that the
failing rank will never join (DDP's gradient all-reduce when one rank raised in its forward).
The failing rank then waits :data:`FAILURE_GRACE_S` seconds for the others (the wait is a
timeout on the operation itself, so nothing of lrfinder's stays pending and the process can
exit), and re-raises; the others are released when that process exits (gloo sees the peer
close; ``torchrun`` and ``torch.multiprocessing`` stop the other workers) or when the process
group's own timeout expires, whereupon they raise :class:`RankFailedError` naming the rank
that failed first.

Only rank 0 should write files or draw: guard ``result.save`` and ``result.plot`` with
:func:`is_main_process`. lrfinder does not make them no-ops on other ranks, because a path
can legitimately differ per rank (node-local disks, one file per rank).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import RankFailedError
from .range_test import SKIPPED, StopRangeTest

logger = logging.getLogger("lrfinder")

#: Seconds a rank whose step raised waits for the other ranks to reach the agreement before it
#: re-raises on its own (they may be blocked in a collective of the model; see the module doc).
FAILURE_GRACE_S = 10.0

# status counters appended to every chunk's all-reduce (summed across ranks)
_FAILED, _STOPPED, _INTERRUPTED, _NONFINITE = range(4)
_NUM_STATUS = 4
_HASH_BITS = 20  # config hash in [0, 2**20): world * hash**2 stays exact in float64
_control: dict[str, Any] = {}  # the default group -> lrfinder's own gloo group (one per process)
_runs = {"count": 0}  # per-process run counter: identical on every rank when calls are lockstep
_rank_local = {"depth": 0}  # > 0 inside `rank_local()`


def is_initialized() -> bool:
    """Whether ``torch.distributed`` is available and a default process group is initialised.

    Never imports torch itself: if torch was not imported, nothing can be initialised.

    Example:
        >>> is_initialized()
        False
    """
    import sys

    if "torch" not in sys.modules:
        return False
    import torch.distributed as dist

    return bool(dist.is_available() and dist.is_initialized())


def rank_and_world_size() -> tuple[int, int]:
    """Returns ``(rank, world_size)``: ``(0, 1)`` when not running distributed.

    Example:
        >>> rank_and_world_size()
        (0, 1)
    """
    if not is_initialized():
        return 0, 1
    import torch.distributed as dist

    return dist.get_rank(), dist.get_world_size()


def is_main_process() -> bool:
    """Whether this process should write files, draw and print: rank 0, or not distributed.

    Example:
        >>> is_main_process()
        True
    """
    return rank_and_world_size()[0] == 0


def is_synchronized() -> bool:
    """Whether a range test started here averages across ranks (distributed, not rank-local).

    Example:
        >>> is_synchronized()
        False
    """
    return rank_and_world_size()[1] > 1 and not _rank_local["depth"]


@contextlib.contextmanager
def rank_local() -> Iterator[None]:
    """Runs the range tests started inside the block on this rank alone, without averaging.

    Under ``torch.distributed``, :func:`lrfinder.lr_find` is collective: every rank must call
    it. To run it on some ranks only (say, rank 0, on a model that is *not* wrapped in DDP or
    FSDP), or to let each rank run its own independent test, wrap the call::

        if lrfinder.distributed.is_main_process():
            with lrfinder.distributed.rank_local():
                result = lrfinder.lr_find(model, optimizer, loader, loss_fn)

    Example:
        >>> with rank_local():
        ...     rank_and_world_size()  # the world is unchanged; only lr_find's syncing is off
        (0, 1)
    """
    _rank_local["depth"] += 1
    try:
        yield
    finally:
        _rank_local["depth"] -= 1


def synchronizer(
    step: Callable[[float], Any],
    to_floats: Callable[[Sequence[Any]], Sequence[float]],
    *,
    check_every: int,
    config: dict[str, Any],
) -> RankSync | None:
    """Returns the cross-rank synchroniser of one run, or None when not distributed.

    Collective: every rank must call it, with the same ``check_every`` and ``config`` (the
    ladder and the stop settings); a mismatch raises ``ValueError`` on every rank.

    Args:
        step: The run's ``step(lr) -> loss``.
        to_floats: Converts a chunk of local losses to host floats (no communication).
        check_every: The core's chunk length (the largest chunk ``to_floats`` will see).
        config: Settings that must be identical on every rank, shown in the mismatch error.
    """
    rank, world_size = rank_and_world_size()
    if world_size == 1 or _rank_local["depth"]:
        return None
    _runs["count"] += 1
    try:
        sync = RankSync(step, to_floats, check_every, rank, world_size, _runs["count"])
        sync.check_config(config)
    except RuntimeError as error:
        msg = (
            f"lr_find on rank {rank} could not reach the other {world_size - 1} rank(s): under "
            "torch.distributed it is collective (the loss is averaged across ranks), so every "
            "rank must call it. To run it on some ranks only, wrap the call in `with "
            f"lrfinder.distributed.rank_local():`. ({error})"
        )
        raise RankFailedError(msg) from error
    return sync


def common_reading(value: float | None) -> float | None:
    """One number every rank measured for itself (the step-size reading), made the same on
    every rank: the geometric mean of the ranks' values, or None on every rank if any rank has
    none. Each rank reads its own weights; without DDP (or under FSDP, where a rank sees its
    shard) those differ, and the suggestion, which blends the reading in, would differ too.
    Collective when synchronised (every rank calls it after the same run); the value itself
    otherwise.
    """
    if not is_synchronized():
        return value
    import torch
    import torch.distributed as dist

    usable = value is not None and math.isfinite(value) and value > 0
    total = torch.tensor(
        [math.log(value) if usable else 0.0, 1.0 if usable else 0.0], dtype=torch.float64
    )
    dist.all_reduce(total, group=_control_group())
    ranks = rank_and_world_size()[1]
    if round(float(total[1])) != ranks:
        return None
    return math.exp(float(total[0]) / ranks)


def wrap_run(
    step: Callable[[float], Any],
    to_floats: Callable[[Sequence[Any]], Sequence[float]],
    metadata: dict[str, Any],
    progress: bool,
    *,
    check_every: int,
    config: dict[str, Any],
) -> tuple[
    Callable[[float], Any], Callable[[Sequence[Any]], Sequence[float]], dict[str, Any], bool
]:
    """Returns ``(step, to_floats, metadata, progress)`` for the core, synchronised if distributed.

    Not distributed (or a world of one): everything comes back unchanged. Otherwise the hooks
    average across ranks (see :class:`RankSync`), the metadata gains the world size (and the
    global batch, ``batch_size * accumulation_steps * world_size``, when the batch size is
    known), and only rank 0 shows a progress bar.
    """
    sync = synchronizer(step, to_floats, check_every=check_every, config=config)
    if sync is None:
        return step, to_floats, metadata, progress
    facts = {**metadata, **sync.metadata()}
    batch_size, accumulation = metadata.get("batch_size"), metadata.get("accumulation_steps", 1)
    if isinstance(batch_size, int) and isinstance(accumulation, int):
        facts["global_batch_size"] = batch_size * accumulation * sync.world_size
    return sync.step, sync.to_floats, facts, progress and sync.rank == 0


class RankSync:
    """Wraps a run's ``step`` and ``to_floats`` so that every rank sees the same losses.

    Built by :func:`synchronizer`; pass :meth:`step` and :meth:`to_floats` to
    :func:`lrfinder.range_test` in place of the local ones.
    """

    def __init__(
        self,
        step: Callable[[float], Any],
        to_floats: Callable[[Sequence[Any]], Sequence[float]],
        check_every: int,
        rank: int,
        world_size: int,
        run: int,
    ) -> None:
        import torch
        import torch.distributed as dist

        self._torch = torch
        self._dist = dist
        self._step = step
        self._local = to_floats
        self.slots = check_every
        self.rank = rank
        self.world_size = world_size
        self.group = _control_group()
        self._key = f"lrfinder/run{run}/first-failure"
        self._pending: list[Any] = []  # losses returned since the last agreement
        self._agreed = 0  # points agreed so far (the index of the next one)
        self._ended: list[float] | None = None  # the final chunk, once an agreement ended the run

    def metadata(self) -> dict[str, Any]:
        """Facts about the process group, for ``result.metadata``."""
        return {
            "world_size": self.world_size,
            "distributed_backend": str(self._dist.get_backend()),
            "loss_reduction": "mean over ranks",
        }

    def check_config(self, config: dict[str, Any]) -> None:
        """Raises ValueError on every rank if the ranks were given different settings."""
        text = repr(sorted(config.items()))
        code = float(zlib.crc32(text.encode()) % (1 << _HASH_BITS))
        total = self._torch.tensor([code, code * code], dtype=self._torch.float64)
        self._dist.all_reduce(total, group=self.group)
        spread = self.world_size * float(total[1]) - float(total[0]) ** 2
        if spread != 0.0:
            msg = (
                f"every rank must call lr_find with the same settings, but they differ across "
                f"the {self.world_size} ranks; this rank (rank {self.rank}) has {text}. Pass the "
                "same start_lr, end_lr, num_steps, mode, check_every and stop settings everywhere."
            )
            raise ValueError(msg)

    # --- the two hooks the core calls -------------------------------------------------------------

    def step(self, lr: float) -> Any:
        """Runs the local step; if it raises, tells the other ranks before re-raising."""
        try:
            loss = self._step(lr)
        except BaseException as error:
            replacement = self._fail_locally(error, lr)
            if replacement is not None:
                raise replacement from error
            raise
        if loss is not SKIPPED:
            self._pending.append(loss)
        return loss

    def to_floats(self, values: Sequence[Any]) -> list[float]:
        """Converts a chunk locally, then averages it across ranks with one all-reduce."""
        if self._ended is not None:  # the run already ended by agreement: no more collectives
            return self._ended[: len(values)]
        local = [float(v) for v in self._local(values)]
        for offset, value in enumerate(local):
            if not math.isfinite(value):
                logger.warning(
                    "rank %d: local loss was %s at step %d; the mean across ranks is non-finite "
                    "and every rank stops there",
                    self.rank,
                    value,
                    self._agreed + offset,
                )
                break
        try:
            means, status = self._agree(local, None, wait=None)
        except KeyboardInterrupt:
            self._ended = []  # the core flushes again on Ctrl-C: that must not be a collective
            raise
        except RuntimeError as error:
            self._ended = []
            first = self._first_failure()
            if first is not None:
                raise self._failure_error(first) from error
            msg = (
                f"the loss all-reduce across ranks failed at step {self._agreed} (rank "
                f"{self.rank} of {self.world_size}): another rank probably crashed or left the "
                f"run. {error}"
            )
            raise RankFailedError(msg, step=self._agreed) from error
        if status[_FAILED] or status[_STOPPED] or status[_INTERRUPTED]:
            self._ended = means
            self._raise_for_others(status)
        if len(means) != len(local):
            self._ended = means
            msg = (
                f"ranks reached the loss check with different numbers of steps (this rank "
                f"{len(local)}, common {len(means)}): pass the same num_steps and check_every "
                "on every rank."
            )
            raise RankFailedError(msg, step=self._agreed)
        self._agreed += len(means)
        self._pending = []
        return means

    # --- the agreement ----------------------------------------------------------------------------

    def _agree(
        self, local: Sequence[float], code: int | None, *, wait: float | None
    ) -> tuple[list[float], list[float]]:
        """One all-reduce of [loss sums | counts | status]; returns (common means, status sums)."""
        torch = self._torch
        size = self.slots
        if len(local) > size:  # never with the core's chunking; keep the collective's shape fixed
            msg = f"a chunk of {len(local)} losses exceeds check_every={size}."
            raise RuntimeError(msg)
        buffer = torch.zeros(2 * size + _NUM_STATUS, dtype=torch.float64)
        if local:
            buffer[: len(local)] = torch.tensor(local, dtype=torch.float64)
            buffer[size : size + len(local)] = 1.0
            if not all(math.isfinite(v) for v in local):
                buffer[2 * size + _NONFINITE] = 1.0
        if code is not None:
            buffer[2 * size + code] = 1.0
        if wait is None:
            self._dist.all_reduce(buffer, group=self.group)
        else:
            # A timeout on the operation itself, not just on waiting for it: an operation left
            # pending would keep this process from exiting (and so from releasing the others).
            options = self._dist.AllreduceOptions()
            options.reduceOp = self._dist.ReduceOp.SUM
            options.timeout = datetime.timedelta(seconds=wait)
            self.group.allreduce([buffer], options).wait()
        values = buffer.tolist()
        counts = values[size : 2 * size]
        common = 0
        while common < size and counts[common] == self.world_size:
            common += 1
        means = [total / self.world_size for total in values[:common]]
        return means, values[2 * size :]

    def _fail_locally(self, error: BaseException, lr: float) -> RankFailedError | None:
        """This rank's step raised: post the cause, join the agreement, annotate the error.

        Returns a :class:`RankFailedError` to raise instead when the error is a consequence of
        another rank's earlier failure (a collective of the model broke because that rank left).
        """
        step = self._agreed + len(self._pending)
        if self._ended is not None:
            return None
        try:
            local = [float(v) for v in self._local(self._pending)] if self._pending else []
        except Exception:  # a broken device: agree on the status alone
            local = []
        if isinstance(error, StopRangeTest):
            code = _STOPPED
        elif isinstance(error, KeyboardInterrupt):
            code = _INTERRUPTED
        else:
            code = _FAILED
            description = f"{type(error).__name__}: {error}"
            self._post_first_failure(f"{self.rank}|{step}|{lr!r}|{description}")
        try:
            means, status = self._agree(local, code, wait=FAILURE_GRACE_S)
        except RuntimeError:
            means, status = [], None
        self._ended = means
        if code != _FAILED:
            return None
        first = self._first_failure()
        if first is not None and first[0] != self.rank:
            if isinstance(error, RuntimeError):
                return self._failure_error(first)
            _add_note(
                error, f"lrfinder: rank {first[0]} failed first, at step {first[1]} ({first[3]})."
            )
        elif status is None:
            _add_note(
                error,
                f"lrfinder: rank {self.rank} of {self.world_size} failed at step {step} "
                f"(lr={lr:.3g}); the other ranks did not reach the loss check within "
                f"{FAILURE_GRACE_S:g} s: they are probably waiting in a collective of the model "
                "(e.g. DDP's gradient all-reduce) that this rank will not join. They stop when "
                "this process exits, or at the process group's timeout.",
            )
        elif status[_FAILED] > 1:
            others = int(status[_FAILED]) - 1
            _add_note(error, f"lrfinder: {others} other rank(s) failed at the same check too.")
        else:
            others = self.world_size - 1
            _add_note(error, f"lrfinder: the other {others} rank(s) stopped with this one.")
        return None

    def _raise_for_others(self, status: list[float]) -> None:
        """The agreement says another rank failed or stopped: end this rank's run to match."""
        if status[_FAILED]:
            first = self._first_failure()
            if first is None:
                msg = (
                    f"{int(status[_FAILED])} other rank(s) failed during the range test near "
                    f"step {self._agreed}; rank {self.rank} stopped with them and restored its "
                    "state. See the failing rank's traceback for the cause."
                )
                raise RankFailedError(msg, step=self._agreed)
            raise self._failure_error(first)
        reason = "interrupted" if status[_INTERRUPTED] else "data-exhausted"
        raise StopRangeTest(reason, f"another rank stopped the range test ({reason})")

    def _failure_error(self, first: tuple[int, int, float, str]) -> RankFailedError:
        rank, step, lr, description = first
        msg = (
            f"rank {rank} of {self.world_size} failed at step {step} (lr={lr:.3g}) with "
            f"{description}; rank {self.rank} stopped with it and restored its state."
        )
        return RankFailedError(msg, rank=rank, step=step)

    # --- the store carries the first failure's description (on the failure path only) -------------

    def _post_first_failure(self, text: str) -> None:
        try:
            self._store().compare_set(self._key, "", text)
        except Exception:  # the description is a courtesy; the flag still goes out
            logger.debug("could not post the failure to the store", exc_info=True)

    def _first_failure(self) -> tuple[int, int, float, str] | None:
        try:
            store = self._store()
            if not store.check([self._key]):
                return None
            raw = store.get(self._key).decode()
            rank, step, lr, description = raw.split("|", 3)
            return int(rank), int(step), float(lr), description
        except Exception:  # no description posted, or no store
            return None

    def _store(self) -> Any:
        from torch.distributed import distributed_c10d

        return distributed_c10d._get_default_store()


def _control_group() -> Any:
    """lrfinder's own gloo group over all ranks, created collectively once per default group."""
    import torch
    import torch.distributed as dist

    world = dist.group.WORLD
    if _control.get("world") is world:
        return _control["group"]
    group = dist.new_group(backend="gloo", timeout=_world_timeout(world, torch))
    _control.update(world=world, group=group)
    return group


def _world_timeout(world: Any, torch: Any) -> datetime.timedelta | None:
    """The timeout the user gave the default group, so lrfinder's group never waits longer."""
    for device in ("cpu", "cuda"):
        try:
            return world._get_backend(torch.device(device)).options._timeout
        except Exception:  # private API: fall back to torch's default
            continue
    return None


def _add_note(error: BaseException, note: str) -> None:
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(note)
