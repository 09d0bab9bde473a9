"""Several range tests of one PyTorch setup: one after another, or all at once as one batched model.

``lrfinder.lr_find(..., runs=N)`` lands here. Every run starts from the same weights and optimizer
state (the user's); run 0 is the single run ``lr_find`` would make (bit for bit on the sequential
path; on the batched one up to float rounding, as a vmapped model sums in another order), and
each later run
``i`` first reseeds Python, NumPy, torch and the data's generators with a seed derived from
``seed`` (so a shuffling DataLoader yields another batch order), permutes a plain list of batches,
and calls ``init_fn(model)`` if given. Everything is restored afterwards, RNGs included.

Two paths give the same runs:

* **batched**: the N copies' parameters are stacked (leading dimension N) and trained as one model
  with ``torch.func`` (``functional_call`` + ``vmap(grad_and_value)``); the user's own optimizer
  class is rebuilt over the stacked tensors. That is exact for elementwise optimizers (SGD, Adam,
  AdamW, RMSprop...): every copy sits on the same ladder rung, so one scalar lr per group is right
  for all of them, and an elementwise update treats each copy's slice as it would a tensor of its
  own. Gradient clipping is done per copy. Each copy draws its batches from its own stream with its
  own RNG state, so it sees the very batches its sequential run would see.
* **sequential**: ``lr_find`` N times, restoring in between. Used when the batched path cannot
  be exact: BatchNorm running statistics, randomness in the model (dropout), ``step_fn``, dict
  batches, AMP, other optimizers, one-shot iterators, trained parameters that get no gradient,
  or anything ``vmap`` rejects on the first step. Also chosen automatically (``batched=None``)
  where the batched path is slower (``benchmarks/RUNS.md``): convolutional models on CPU
  (``vmap``'s grouped convolutions), recurrent models (RNN, LSTM, GRU: ``vmap`` has no batching
  rule for their fused kernels and loops over the copies, 1.4x-2.5x slower) and attention on CPU
  (the same for its backward, 0.84x-0.97x). ``result.metadata["path"]`` says which ran, and
  ``metadata["fallback_reason"]`` why not batched.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import torch

from . import torch as adapter
from .batches import BatchStream
from .errors import DivergedAtStartError, check_int
from .ladder import check_ladder_args, ladder
from .multirun import (
    MultiRunResult,
    base_seed,
    check_runs,
    reordered,
    reseed_python_and_numpy,
    run_seeds,
)
from .range_test import _add_note, _progress_bar, _Record, progress_label
from .result import RangeTestResult
from .stopping import StopRule
from .suggest import DEFAULT_METHOD
from .torch_state import TrainingState, _data_generators, epoch_samplers

logger = logging.getLogger("lrfinder")

#: Optimizers whose update is elementwise given one lr per group: the batched path rebuilds them
#: over the stacked copies. Others (LBFGS, anything with per-tensor norms) run sequentially.
ELEMENTWISE_OPTIMIZERS: tuple[type[torch.optim.Optimizer], ...] = (
    torch.optim.SGD,
    torch.optim.Adam,
    torch.optim.AdamW,
    torch.optim.RMSprop,
    torch.optim.Adagrad,
    torch.optim.Adamax,
    torch.optim.NAdam,
    torch.optim.RAdam,
)
# Optimizer state entries that are one number per tensor, not one per element.
_SCALAR_STATE = ("step", "mu_product")

InitFn = Callable[[torch.nn.Module], Any]


class _BatchedUnsupportedError(Exception):
    """The batched path cannot run this setup exactly; the message says why."""


def lr_find_runs(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Iterable[Any],
    loss_fn: Any,
    *,
    runs: int,
    init_fn: InitFn | None = None,
    seed: int | None = None,
    batched: bool | None = None,
    **settings: Any,
) -> MultiRunResult:
    """Runs ``runs`` range tests of one setup and reads them together (see the module docstring).

    ``settings`` are :func:`lrfinder.torch.lr_find`'s keyword arguments for a single run.

    Raises:
        ValueError, TypeError: For a bad argument, or ``batched=True`` where the batched path
            cannot run; before any training.
    """
    runs = check_run_args(runs, init_fn, seed, batched)
    check_ladder_args(
        settings.get("start_lr", 1e-7),
        settings.get("end_lr", 10.0),
        settings.get("num_steps", 100),
        settings.get("mode", "exp"),
    )
    plan = _Plan(runs, init_fn, _base_seed(seed), data)
    blocker = (
        None if batched is False else batched_blocker(model, optimizer, data, loss_fn, settings)
    )
    if batched is None and blocker is None:
        blocker = _slower_batched(model)
    if batched is True and blocker is not None:
        msg = f"`batched` is True but the batched path cannot run this setup: {blocker}. {_HINT}"
        raise ValueError(msg)

    started = time.perf_counter()
    state = TrainingState.capture(
        model,
        optimizer,
        scaler=settings.get("scaler"),
        data=data,
        snapshot_device=settings.get("snapshot_device", "cpu"),
    )
    failure: BaseException | None = None
    try:
        results: list[RangeTestResult] | None = None
        if blocker is None and batched is not False:
            try:
                results = _BatchedRuns(model, optimizer, data, loss_fn, settings, plan, state).run()
            except torch.OutOfMemoryError:
                # N copies need N times the memory of one: one at a time may still fit.
                if batched is True:
                    raise
                blocker = f"the {plan.runs} copies did not fit in memory together"
                state.restore()
            except _BatchedUnsupportedError as error:
                if batched is True:
                    msg = f"`batched` is True but the batched path cannot run this setup: {error}. {_HINT}"
                    raise ValueError(msg) from error
                blocker = str(error)
                state.restore()
        if results is None:
            _free_accelerator_cache()  # what a batched attempt that ran out of memory left cached
            results = _sequential(model, optimizer, data, loss_fn, settings, plan, state)
    except BaseException as raised:
        failure = raised
        raise
    finally:
        # As the single run restores: finished even if Ctrl-C lands during it, and a failed
        # restore named beside the run's own error.
        adapter._restore(state, failure)

    path = "batched" if blocker is None and batched is not False else "sequential"
    facts: dict[str, Any] = {
        key: value
        for key, value in results[0].metadata.items()
        if key not in ("elapsed_s", "overshoot_steps", "skipped_updates", "run", "seed", "path")
    }
    facts.update(
        runs=runs,
        path=path,
        seed=plan.base_seed,
        init_fn=None if init_fn is None else getattr(init_fn, "__qualname__", repr(init_fn)),
        elapsed_s=round(time.perf_counter() - started, 4),
    )
    if path == "sequential":
        facts["fallback_reason"] = "batched=False" if batched is False else blocker
        logger.info("lr_find(runs=%d) ran sequentially: %s", runs, facts["fallback_reason"])
    return MultiRunResult(results, method=settings.get("method"), metadata=facts)


_HINT = "Use batched=None to fall back to sequential runs."


def _free_accelerator_cache() -> None:
    """Hands cached, now unused GPU memory back, so the sequential runs start from a clean slate."""
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def check_run_args(runs: Any, init_fn: Any, seed: Any, batched: Any) -> int:
    """Validates ``lr_find``'s multi-run arguments (whatever ``runs`` is); returns ``runs``."""
    runs = check_runs(runs, seed)
    if init_fn is not None and not callable(init_fn):
        msg = f"`init_fn` must be callable as init_fn(model), got init_fn={init_fn!r}."
        raise TypeError(msg)
    if batched is not None and not isinstance(batched, bool):
        msg = f"`batched` must be True, False or None (automatic), got batched={batched!r}."
        raise TypeError(msg)
    return runs


def _slower_batched(model: torch.nn.Module) -> str | None:
    """Why the batched path would be exact but slower here (automatic mode only), or None."""
    if any(isinstance(module, torch.nn.RNNBase) for module in model.modules()):
        return (
            "vmap has no batching rule for the fused RNN/LSTM/GRU kernels and loops over the "
            "copies, slower than separate runs (benchmarks/RUNS.md); pass batched=True to batch "
            "anyway"
        )
    on_cpu = adapter._model_device(model).type == "cpu"
    if on_cpu and any(
        isinstance(module, torch.nn.MultiheadAttention) for module in model.modules()
    ):
        return (
            "on CPU, vmap has no batching rule for the backward of the fused attention kernel and "
            "loops over the copies, no faster than separate runs (benchmarks/RUNS.md); pass "
            "batched=True to batch anyway"
        )
    if on_cpu and any(
        isinstance(module, torch.nn.modules.conv._ConvNd) for module in model.modules()
    ):
        return (
            "on CPU, vmap turns convolutions into grouped ones, slower than separate runs "
            "(benchmarks/RUNS.md); pass batched=True to batch anyway"
        )
    return None


def batched_blocker(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Any,
    loss_fn: Any,
    settings: dict[str, Any],
) -> str | None:
    """Returns why the batched path cannot run this setup exactly, or None if it can (so far).

    Some reasons only show on the first step (a model that ``vmap`` rejects); those fall back too.
    """
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return "torch.distributed is initialized (the runs go through the distributed step)"
    if settings.get("step_fn") is not None:
        return "a step_fn is given (the batched path needs (inputs, targets) batches and loss_fn)"
    if loss_fn is None:
        return "no loss_fn is given (the batched path needs (inputs, targets) batches and loss_fn)"
    if settings.get("amp") or settings.get("scaler") is not None:
        return "autocast / GradScaler (amp) runs sequentially"
    if any(group.get("maximize", False) for group in optimizer.param_groups):
        return "the optimizer maximizes (maximize=True): the single run records its curve"
    if type(optimizer) not in ELEMENTWISE_OPTIMIZERS:
        names = ", ".join(cls.__name__ for cls in ELEMENTWISE_OPTIMIZERS)
        return (
            f"{type(optimizer).__name__} is not an elementwise optimizer the batched path knows "
            f"({names})"
        )
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    in_model = {id(p) for p in model.parameters()}
    if not held <= in_model:
        return "the optimizer holds parameters that are not in the model"
    train_mode = settings.get("train_mode", True)
    for name, module in model.named_modules():
        if (
            isinstance(module, torch.nn.modules.batchnorm._NormBase)
            and module.track_running_stats
            and (train_mode or module.training)
        ):
            return (
                f"{type(module).__name__} {name!r} updates running statistics, which the batched "
                "path does not update per copy"
            )
    if isinstance(data, Iterator):  # not iter(data): that would draw a DataLoader's seed
        return "`data` is a one-shot iterator (each run draws the next batches from it)"
    if getattr(data, "persistent_workers", False):
        return "the DataLoader has persistent_workers=True (one live iterator at a time)"
    return None


class _Plan:
    """What varies between runs: seeds, batch order of plain lists, ``init_fn``."""

    def __init__(self, runs: int, init_fn: InitFn | None, base_seed: int, data: Any) -> None:
        self.runs = runs
        self.init_fn = init_fn
        self.base_seed = base_seed
        self.seeds = run_seeds(base_seed, runs)
        self.generators = _data_generators(data)
        self.epoch_samplers = [(sampler, sampler.epoch) for sampler in epoch_samplers(data)]

    def prepare(self, index: int, model: torch.nn.Module) -> None:
        """Sets up run ``index`` > 0 after a restore: reseeds, then re-initialises if asked."""
        seed = self.seeds[index]
        assert seed is not None  # run 0 is never prepared
        reseed_python_and_numpy(seed)
        torch.manual_seed(seed)
        for generator in self.generators:
            generator.manual_seed(seed)
        for sampler, epoch in self.epoch_samplers:  # they reseed from their epoch, not ours
            sampler.set_epoch(epoch + 1 + seed % 1_000_003)
        if self.init_fn is not None:
            self.init_fn(model)

    def data_for(self, index: int, data: Any) -> Any:
        """Run ``index``'s data: a plain list of batches is permuted, anything else shuffles itself."""
        return reordered(data, self.seeds[index])


def _base_seed(seed: int | None) -> int:
    """``seed``, or one derived from torch's RNG state without drawing from it."""
    return base_seed(seed, torch.get_rng_state().numpy().tobytes())


def _sequential(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Any,
    loss_fn: Any,
    settings: dict[str, Any],
    plan: _Plan,
    state: TrainingState,
) -> list[RangeTestResult]:
    results = []
    for index in range(plan.runs):
        if index > 0:
            state.restore()
            plan.prepare(index, model)
        try:
            with progress_label(f"lr range test, run {index + 1} of {plan.runs}"):
                result = adapter.lr_find(
                    model, optimizer, plan.data_for(index, data), loss_fn, runs=1, **settings
                )
        except Exception as error:
            # The single run attached its partial curve; attach the earlier runs' curves too.
            partial = getattr(error, "lrfinder_result", None)
            if isinstance(partial, RangeTestResult):
                partial.metadata.update(run=index, seed=plan.seeds[index], path="sequential")
                error.lrfinder_result = MultiRunResult(  # type: ignore[attr-defined]
                    [*results, partial],
                    method=settings.get("method"),
                    metadata={"runs": plan.runs, "path": "sequential"},
                )
            raise
        result.metadata.update(run=index, seed=plan.seeds[index], path="sequential")
        results.append(result)
        if result.stop_reason == "interrupted":  # Ctrl-C ends the whole experiment
            break
    return results


class _Stream:
    """One copy's batches: its own iterator over ``data`` and its own RNG states.

    Before each draw the copy's RNG states are swapped in, and after it swapped out, so the copy
    draws exactly what its sequential run would. torch's state is cheap to swap and always is;
    Python's and NumPy's cost about 0.1 ms each, so they are swapped only where the data may use
    them: at every epoch start (a sampler may shuffle with them), always for data of unknown
    length, and on every draw once a probe of the first draws saw them change. A plain list of
    batches draws no random numbers and swaps nothing.
    """

    _PROBE_DRAWS = 3

    def __init__(
        self, data: Any, generators: list[torch.Generator], samplers: Sequence[Any] = ()
    ) -> None:
        self.generators = generators
        # Samplers that shuffle by epoch: each copy keeps the epoch its run set (_Plan.prepare)
        self.samplers = list(samplers)
        self.sampler_epochs = [sampler.epoch for sampler in self.samplers]
        self.plain = isinstance(data, Sequence) and not isinstance(data, (str, bytes))
        try:
            self.epoch: int | None = len(data) if not self.plain else None
        except TypeError:
            self.epoch = None
        self.uses_host_rng = not self.plain  # until the probe shows otherwise
        self.seen_host_rng = False
        self.draws = 0
        self.batches = BatchStream(data)  # iter(data) happens on the first draw, under our RNGs
        self.host_rng = (random.getstate(), np.random.get_state())
        self.torch_rng = _torch_rng()
        self.generator_states = [g.get_state() for g in generators]

    def next(self) -> Any:
        if self.plain:
            return self.batches.next()
        epoch_start = self.epoch is None or self.draws % max(self.epoch, 1) == 0
        host = self.uses_host_rng or epoch_start
        probing = self.draws < self._PROBE_DRAWS and not epoch_start
        _set_torch_rng(self.torch_rng)
        for generator, saved in zip(self.generators, self.generator_states, strict=True):
            generator.set_state(saved)
        for sampler, epoch in zip(self.samplers, self.sampler_epochs, strict=True):
            sampler.set_epoch(epoch)
        if host:
            random.setstate(self.host_rng[0])
            np.random.set_state(self.host_rng[1])
        try:
            return self.batches.next()
        finally:
            self.draws += 1
            self.torch_rng = _torch_rng()
            self.generator_states = [g.get_state() for g in self.generators]
            self.sampler_epochs = [sampler.epoch for sampler in self.samplers]
            if host:
                before = self.host_rng
                self.host_rng = (random.getstate(), np.random.get_state())
                if probing and (
                    before[0] != self.host_rng[0]
                    or not _same_numpy_state(before[1], self.host_rng[1])
                ):
                    self.seen_host_rng = True
            if self.draws == self._PROBE_DRAWS:
                self.uses_host_rng = self.seen_host_rng


def _floats(values: Sequence[Any]) -> list[float]:
    return [float(v) for v in values]


def _torch_rng() -> tuple[torch.Tensor, list[torch.Tensor] | None]:
    cuda = torch.cuda.is_available() and torch.cuda.is_initialized()
    return torch.get_rng_state(), torch.cuda.get_rng_state_all() if cuda else None


def _set_torch_rng(state: tuple[torch.Tensor, list[torch.Tensor] | None]) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state_all(state[1])


def _same_numpy_state(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:])


class _BatchedRuns:
    """The N runs as one model: stacked parameters, ``vmap``, the user's optimizer class."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        data: Any,
        loss_fn: Any,
        settings: dict[str, Any],
        plan: _Plan,
        state: TrainingState,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.data = data
        self.loss_fn = loss_fn
        self.settings = settings
        self.plan = plan
        self.copies = plan.runs
        self.device = adapter._model_device(model)
        self.accumulation_steps = check_int(
            "accumulation_steps", settings.get("accumulation_steps", 1), minimum=1
        )
        self.max_grad_norm = settings.get("max_grad_norm")
        self.ratios = adapter._group_ratios(optimizer)
        held = {id(p) for group in optimizer.param_groups for p in group["params"]}
        named = dict(model.named_parameters())
        self.train_names = [n for n, p in named.items() if p.requires_grad and id(p) in held]
        self.name_of = {id(p): n for n, p in named.items()}
        # Every copy's starting point and batch stream, built as its sequential run would be;
        # the copies are written straight into the stacked tensors (no second full copy).
        stacked: dict[str, torch.Tensor] = {}
        self.streams: list[_Stream] = []
        for index in range(self.copies):
            if index > 0:
                state.restore()
                plan.prepare(index, model)
            with torch.no_grad():
                for name, tensor in _named_tensors(model).items():
                    if name not in stacked:
                        stacked[name] = tensor.new_empty((self.copies, *tensor.shape))
                    stacked[name][index].copy_(tensor)
            samplers = [sampler for sampler, _ in plan.epoch_samplers]
            self.streams.append(_Stream(plan.data_for(index, data), plan.generators, samplers))
        state.restore()
        self.train = {n: stacked[n].requires_grad_(True) for n in self.train_names}
        self.const = {n: t for n, t in stacked.items() if n not in self.train}
        self.batched_optimizer = self._rebuild_optimizer()
        self.vstep = torch.func.vmap(torch.func.grad_and_value(self._loss))
        self.sensitivity = adapter.StepSizeMeter(self.copies, squares=_per_copy_squares)
        if not adapter.room_for_a_copy(list(self.train.values())):
            self.sensitivity.give_up()

    def _rebuild_optimizer(self) -> torch.optim.Optimizer:
        groups = []
        for group in self.optimizer.param_groups:
            params = [
                self.train[self.name_of[id(p)]]
                for p in group["params"]
                if self.name_of.get(id(p)) in self.train
            ]
            hyper = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            groups.append({"params": params, **hyper})
        try:
            batched = type(self.optimizer)(groups)
        except Exception as error:  # e.g. a constructor that rejects an empty group
            msg = f"cannot rebuild {type(self.optimizer).__name__} over the copies ({error})"
            raise _BatchedUnsupportedError(msg) from error
        for group in self.optimizer.param_groups:
            for param in group["params"]:
                saved = self.optimizer.state.get(param)
                name = self.name_of.get(id(param))
                if saved and name in self.train:
                    batched.state[self.train[name]] = self._stack_state(param, saved)
        return batched

    def _stack_state(self, param: torch.Tensor, saved: dict[str, Any]) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        for key, value in saved.items():
            if not torch.is_tensor(value) or key in _SCALAR_STATE:
                entry[key] = copy.deepcopy(value)
            elif value.shape == param.shape:
                entry[key] = value.detach().unsqueeze(0).repeat_interleave(self.copies, 0)
            else:
                msg = f"optimizer state {key!r} of shape {tuple(value.shape)} is not per element"
                raise _BatchedUnsupportedError(msg)
        return entry

    def _loss(
        self,
        train: dict[str, torch.Tensor],
        const: dict[str, torch.Tensor],
        inputs: tuple[torch.Tensor, ...],
        targets: torch.Tensor,
    ) -> torch.Tensor:
        output = torch.func.functional_call(self.model, (train, const), inputs)
        loss = self.loss_fn(output, targets)
        # As the sequential step: the point's loss is the mean over the micro-batches.
        return loss / self.accumulation_steps if self.accumulation_steps > 1 else loss

    def run(self) -> list[RangeTestResult]:
        settings = self.settings
        start_lr = float(settings.get("start_lr", 1e-7))
        end_lr = float(settings.get("end_lr", 10.0))
        num_steps = int(settings.get("num_steps", 100))
        mode = settings.get("mode", "exp")
        method = settings.get("method") or DEFAULT_METHOD
        rule = settings.get("stop_rule") or StopRule(stop_factor=settings.get("stop_factor", 0.5))
        check_every = settings.get("check_every") or (10 if self.device.type == "cuda" else 1)
        lrs = ladder(start_lr, end_lr, num_steps, mode)
        records = [_Record(lrs, rule.for_run(num_steps), _floats) for _ in range(self.copies)]
        reasons = ["completed"] * self.copies
        alive = list(range(self.copies))
        pending: list[torch.Tensor] = []  # each step's [N] losses, not yet on the host

        def flush(*, judge: bool = True) -> None:
            """Moves the pending losses to the host in one transfer and judges every copy."""
            table = torch.stack(pending).double().cpu().tolist() if pending else []
            pending.clear()
            for copy_index in list(alive):
                for row in table:
                    records[copy_index].add(row[copy_index])
                reason = records[copy_index].flush(judge=judge)
                if reason is not None:
                    reasons[copy_index] = reason
                    alive.remove(copy_index)

        if settings.get("train_mode", True):
            self.model.train()
        with progress_label(f"lr range test, {self.copies} runs at once"):
            bar = _progress_bar(num_steps) if settings.get("progress") else None
        started = time.perf_counter()
        try:
            while alive:
                index = records[alive[0]].next_index + len(pending)
                if index >= num_steps:
                    break
                pending.append(self._step(float(lrs[index]), alive, first=index == 0))
                if len(pending) >= check_every or index + 1 == num_steps:
                    flush()
                    if bar is not None:
                        bar.update(index + 1 - bar.n)
        except KeyboardInterrupt:
            flush(judge=False)
            for copy_index in alive:
                reasons[copy_index] = "interrupted"
        except _BatchedUnsupportedError:
            raise
        except Exception as error:
            # The user's own error (a loss that raises, a batch of the wrong shape...): as in a
            # single run, keep its type, say where it happened and attach every partial curve.
            step = records[alive[0]].next_index + len(pending) if alive else num_steps
            with contextlib.suppress(Exception):  # the device may be in a bad state: keep what
                flush(judge=False)  # was already on the host
            partial = [
                record.result("error", start_lr, end_lr, num_steps, mode, method, {"run": i})
                for i, record in enumerate(records)
            ]
            where = f"step {step} (lr={lrs[min(step, num_steps - 1)]:.3g})"
            _add_note(
                error,
                f"lrfinder: the batched range test ({self.copies} runs) failed at {where}; "
                "partial curves attached.",
            )
            error.lrfinder_result = MultiRunResult(  # type: ignore[attr-defined]
                partial, method=method, metadata={"runs": self.copies, "path": "batched"}
            )
            raise
        finally:
            if bar is not None:
                bar.close()
        elapsed = round(time.perf_counter() - started, 4)
        metadata = adapter._metadata(
            self.model,
            self.optimizer,
            self.data,
            self.accumulation_steps,
            contextlib.nullcontext,
            self.device,
        )
        results = []
        for copy_index, record in enumerate(records):
            facts = dict(metadata, run=copy_index, seed=self.plan.seeds[copy_index])
            facts.update(path="batched", elapsed_s=elapsed)
            sensitivity = self.sensitivity.value(copy_index)
            if sensitivity is not None:  # as the single run records it: lrfinder.step_size
                facts["update_sensitivity"] = sensitivity
            result = record.result(
                reasons[copy_index], start_lr, end_lr, num_steps, mode, method, facts
            )
            if result.stop_reason == "non-finite" and len(result.losses) == 1:
                msg = (
                    f"range test stopped at step 0 (lr={start_lr:.3g}): loss was "
                    f"{result.losses[0]}. Check the loss on one batch at a tiny lr before sweeping."
                )
                error = DivergedAtStartError(msg)
                error.lrfinder_result = result  # type: ignore[attr-defined]
                raise error
            results.append(result)
        return results

    def _step(self, lr: float, alive: list[int], *, first: bool) -> torch.Tensor:
        """One optimizer update of every copy at ``lr``; returns the copies' losses, shape [N]."""
        for group, ratio in zip(self.batched_optimizer.param_groups, self.ratios, strict=True):
            if torch.is_tensor(group["lr"]):
                group["lr"].fill_(lr * ratio)
            else:
                group["lr"] = lr * ratio
        grads: dict[str, torch.Tensor] | None = None
        total: torch.Tensor | None = None
        for _ in range(self.accumulation_steps):
            batches = self._next_batches(alive)
            try:
                step_grads, losses = self._grads(batches)
            except _BatchedUnsupportedError:
                raise
            except Exception as error:
                if not first:
                    raise
                # The first step is where vmap meets the model: anything it rejects (dropout,
                # .item(), data-dependent shapes) falls back to exact sequential runs.
                reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
                msg = f"torch.func.vmap cannot run the model ({type(error).__name__}: {reason})"
                raise _BatchedUnsupportedError(msg) from error
            if first and grads is None:
                self._check_every_parameter_learns(batches[0])
            losses = losses.detach().float()
            if grads is None:
                grads, total = step_grads, losses
            else:
                grads = {n: grads[n] + step_grads[n] for n in grads}
                total = total + losses  # type: ignore[operator]
        assert grads is not None
        assert total is not None
        if self.max_grad_norm is not None:
            _clip_per_copy(list(grads.values()), float(self.max_grad_norm))
        for name, param in self.train.items():
            param.grad = grads[name]
        if not self.sensitivity.measuring:
            self.batched_optimizer.step()
            return total
        before = [p.detach().clone() for p in self.train.values()]
        self.batched_optimizer.step()
        try:
            self.sensitivity.add(lr, before, list(self.train.values()))
        except Exception:  # a reading must never fail the range test
            self.sensitivity.give_up()
        return total

    def _check_every_parameter_learns(self, batch: Any) -> None:
        """Falls back if a trained parameter gets no gradient (the sequential optimizer skips it,
        while vmap would hand it zeros, which momentum and weight decay still act on), or if the
        forward pass replaces a buffer. One real forward pass on the model tells both."""
        inputs, targets = _inputs_targets(batch)
        named = dict(self.model.named_parameters())
        params = [named[name] for name in self.train_names]
        buffers = dict(self.model.named_buffers())
        with torch.enable_grad():
            loss = self.loss_fn(self.model(*inputs), targets)
            grads = torch.autograd.grad(loss, params, allow_unused=True)
        # A buffer the forward replaces (self.mean = ... rather than self.mean.mul_(...)) is
        # dropped by functional_call: the copies would run without the update the model makes.
        replaced = [n for n, b in self.model.named_buffers() if buffers.get(n) is not b]
        if replaced:
            msg = (
                f"the forward pass replaces buffer(s) {', '.join(replaced[:3])} instead of "
                "updating them in place, which the batched path would drop"
            )
            raise _BatchedUnsupportedError(msg)
        unused = [name for name, grad in zip(self.train_names, grads, strict=True) if grad is None]
        if unused:
            msg = (
                f"{len(unused)} trained parameter(s) get no gradient ({', '.join(unused[:3])}), "
                "which the batched path cannot tell from a zero gradient"
            )
            raise _BatchedUnsupportedError(msg)

    def _next_batches(self, alive: list[int]) -> list[Any]:
        """A batch per copy; a stopped copy (still computed, then ignored) reuses another's."""
        drawn = {i: adapter._to_device(self.streams[i].next(), self.device) for i in alive}
        spare = drawn[alive[0]]
        return [drawn.get(i, spare) for i in range(self.copies)]

    def _grads(self, batches: list[Any]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        split = [_inputs_targets(batch) for batch in batches]
        shapes = {tuple(tuple(t.shape) for t in (*inputs, targets)) for inputs, targets in split}
        train = {n: t.detach() for n, t in self.train.items()}
        if len(shapes) == 1:
            inputs = tuple(torch.stack(parts) for parts in zip(*(s[0] for s in split), strict=True))
            targets = torch.stack([s[1] for s in split])
            return self.vstep(train, self.const, inputs, targets)
        # Batches of different shapes at this step (a short last batch): copy by copy.
        single = torch.func.grad_and_value(self._loss)
        grads, losses = [], []
        for index, (inputs, targets) in enumerate(split):
            grad, loss = single(
                {n: t[index] for n, t in train.items()},
                {n: t[index] for n, t in self.const.items()},
                inputs,
                targets,
            )
            grads.append(grad)
            losses.append(loss)
        stacked = {n: torch.stack([g[n] for g in grads]) for n in train}
        return stacked, torch.stack(losses)


def _per_copy_squares(stacked: Sequence[torch.Tensor]) -> torch.Tensor:
    """Each copy's sum of squares over all the stacked tensors, shape [N], in float32."""
    return torch.stack([t.detach().flatten(1).float().pow(2).sum(1) for t in stacked]).sum(0)


def _named_tensors(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter and buffer by name (tied ones once), as ``functional_call`` takes them."""
    tensors = dict(model.named_parameters())
    tensors.update(dict(model.named_buffers()))
    return tensors


def _inputs_targets(batch: Any) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
    if (
        isinstance(batch, (tuple, list))
        and len(batch) >= 2
        and all(torch.is_tensor(part) for part in batch)
    ):
        *inputs, targets = batch
        return tuple(inputs), targets
    msg = (
        f"batches must be (inputs, targets) tuples of tensors for the batched path, got "
        f"{type(batch).__name__}"
    )
    raise _BatchedUnsupportedError(msg)


def _clip_per_copy(grads: list[torch.Tensor], max_norm: float) -> None:
    """``clip_grad_norm_`` applied to each copy on its own (leading dimension = copy)."""
    copies = grads[0].shape[0]
    norms = torch.stack([torch.linalg.vector_norm(g.reshape(copies, -1), 2, dim=1) for g in grads])
    total = torch.linalg.vector_norm(norms, 2, dim=0)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for grad in grads:
        grad.mul_(coef.view(copies, *([1] * (grad.dim() - 1))))
