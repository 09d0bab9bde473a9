"""PyTorch adapter: ``lr_find(model, optimizer, data, loss_fn)`` runs the range test and restores.

It turns a training setup into the core's ``step(lr) -> loss`` (one optimizer update, with
gradient accumulation, autocast and a GradScaler when asked), hands it to
:func:`lrfinder.range_test`, and restores the model, optimizer, scaler and RNG whatever happens.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import torch

from . import distributed
from ._version import __version__
from .batches import BatchStream, leading_dimension
from .errors import check_int, check_positive_finite
from .multirun import auto_runs, check_runs
from .range_test import SKIPPED, range_test
from .result import RangeTestResult
from .step_size import SensitivityMeter
from .stopping import StopRule
from .suggest import DEFAULT_METHOD
from .torch_state import TrainingState

LossFn = Callable[[Any, Any], torch.Tensor]
StepFn = Callable[[torch.nn.Module, Any], torch.Tensor]
_CUDA_CHECK_EVERY = 10


def lr_find(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Iterable[Any],
    loss_fn: LossFn | None = None,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    step_fn: StepFn | None = None,
    accumulation_steps: int = 1,
    amp: bool = False,
    amp_dtype: torch.dtype | None = None,
    scaler: Any = None,
    max_grad_norm: float | None = None,
    stop_factor: float | None = 0.5,
    stop_rule: StopRule | None = None,
    check_every: int | None = None,
    method: str = DEFAULT_METHOD,
    train_mode: bool = True,
    progress: bool = False,
    snapshot_device: str | torch.device = "cpu",
    runs: int | Literal["auto"] = "auto",
    init_fn: Callable[[torch.nn.Module], Any] | None = None,
    seed: int | None = None,
    batched: bool | None = None,
) -> RangeTestResult:
    """Runs the LR range test on a PyTorch model and puts everything back as it was.

    The learning rate of the optimizer's first parameter group climbs from ``start_lr`` to
    ``end_lr`` over ``num_steps`` optimizer updates (every other group keeps its ratio to the
    first); the raw loss of every update is recorded; the run stops at ``end_lr``, on a
    non-finite loss, or when the loss clearly diverges. Then the model's parameters, buffers,
    gradients and train/eval flags, the optimizer's state and hyper-parameters, the GradScaler and
    the RNGs are restored exactly: training afterwards is bit-identical to training without
    ``lr_find``. The same holds when the run raises or is interrupted (Ctrl-C returns the partial
    curve).

    Batches: ``(inputs, targets)`` gives ``loss_fn(model(inputs), targets)`` (a longer tuple
    ``(x1, x2, ..., targets)`` calls ``model(x1, x2, ...)``); a dict gives ``model(**batch)`` and the
    loss from the output's ``loss`` (or ``loss_fn(output, batch)`` if ``loss_fn`` is given);
    anything else needs ``step_fn(model, batch) -> loss``. Tensors are moved to the model's device.
    ``data`` is restarted when exhausted.

    Args:
        model: The model to train, on the device it will train on.
        optimizer: An optimizer holding (some of) the model's parameters. With
            ``maximize=True`` (every group) the curve records the negated objective, so that
            it falls as training works, and ``metadata["recorded_loss"]`` says so.
        data: An iterable of batches, e.g. a DataLoader. Use the batch size you will train with.
        loss_fn: ``loss_fn(outputs, targets) -> scalar tensor``.
        start_lr, end_lr, num_steps, mode: The ladder (see :func:`lrfinder.ladder`).
        step_fn: ``step_fn(model, batch) -> scalar loss`` for models that compute their own loss.
        accumulation_steps: Micro-batches per optimizer update; the point's loss is their mean.
        amp: Run forward passes under ``torch.autocast``: float16 with a GradScaler on CUDA,
            bfloat16 on CPU. An update the scaler skips does not advance the ladder.
        amp_dtype: Override the autocast dtype.
        scaler: Your ``torch.amp.GradScaler``, if you train with one (its state is restored).
        max_grad_norm: Clip the gradient norm to this before each update, as in your training.
        stop_factor: Divergence threshold (see :class:`lrfinder.StopRule`); None turns it off.
        stop_rule: A custom stop rule (overrides ``stop_factor``).
        check_every: Check the loss every this many steps (default 1 on CPU, 10 on CUDA or under
            torch.distributed, so the GPU never waits for the host and the ranks meet once per
            10 steps; a divergence is then overshot by at most 9 updates, which are discarded and
            undone by the restore).
        method: The rule behind ``result.suggestion``.
        train_mode: Call ``model.train()`` for the run (its modes are restored afterwards).
        progress: Show a progress bar (needs tqdm).
        snapshot_device: Where the snapshot is kept (the host by default).
        runs: ``"auto"`` (the default): one run, and five (``runs=5``'s result, for one run
            more) when its curve never clearly descended or is too noisy to read alone; on the
            quality benchmark (346 tasks) that cuts the regret from 4.57 to 3.58 accuracy points
            and from 32.6% to 28.4% excess loss, for 3.02 range tests on average
            (``benchmarks/RESULTS.md``). The first run stands, with its warnings, when it was
            interrupted, when ``data`` is a one-shot iterator, or under torch.distributed.
            ``result.metadata["runs_auto"]`` says which happened and why (see
            :func:`lrfinder.multirun.auto_runs`). An integer runs the test that many times from
            the same weights, each later run with another batch order, and reads them together:
            a :class:`lrfinder.multirun.MultiRunResult` with a median curve, a 10%-90% band, the
            median of the runs' suggestions and ``result.suggestion_interval`` (see
            :mod:`lrfinder.torch_batched`). ``runs=1`` is always exactly one run.
        init_fn: With ``runs``: ``init_fn(model)`` re-initialises the model in place (e.g. each
            layer's ``reset_parameters()``) before each run after the first, so the runs also
            vary the initial weights; the model's own weights come back afterwards.
        seed: With ``runs``: seeds the later runs' batch orders (default: derived from torch's
            RNG state, which is left untouched).
        batched: With ``runs``: train the copies as one ``torch.func.vmap``-ed model (True),
            one after another (False), or batched where that is exact (None, the default).

    Returns:
        A :class:`lrfinder.RangeTestResult` (a ``MultiRunResult`` for several runs).

    Raises:
        ValueError, TypeError: For bad arguments, before any training.

    Example:
        >>> import torch, lrfinder
        >>> _ = torch.manual_seed(0)
        >>> X = torch.randn(256, 8); y = X @ torch.randn(8, 1)
        >>> data = torch.utils.data.DataLoader(list(zip(X, y)), batch_size=32, shuffle=True)
        >>> model = torch.nn.Linear(8, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> result = lrfinder.lr_find(model, optimizer, data, torch.nn.functional.mse_loss)
        >>> result.stop_reason, 1e-3 < result.suggestion < 1.0
        ('diverged', True)
    """
    arguments = dict(locals())  # exactly the parameters, for runs="auto" to call again with
    from .torch_batched import check_run_args, lr_find_runs

    if isinstance(runs, str) and check_runs(runs, seed) == "auto":
        return auto_runs(
            lambda count: lr_find(**{**arguments, "runs": count}),
            cannot_rerun=_why_not_rerun(data),
        )
    _check_setup(model, optimizer, data, loss_fn, step_fn, scaler)
    _check_options(amp=amp, train_mode=train_mode, progress=progress)
    _check_snapshot_device(snapshot_device)
    accumulation_steps = check_int(
        "accumulation_steps", accumulation_steps, minimum=1, hint="Use 1 for no accumulation."
    )
    if max_grad_norm is not None:
        max_grad_norm = check_positive_finite("max_grad_norm", max_grad_norm)
    if check_every is not None:
        check_every = check_int("check_every", check_every, minimum=1)
    device = _model_device(model)
    autocast, scaler = _precision(device, amp, amp_dtype, scaler)
    ratios = _group_ratios(optimizer)
    sign = _loss_sign(optimizer)
    if check_run_args(runs, init_fn, seed, batched) > 1:  # several runs: lrfinder.torch_batched
        _refuse_several_runs_when_distributed(runs)
        return lr_find_runs(
            model,
            optimizer,
            data,
            loss_fn,
            runs=runs,
            init_fn=init_fn,
            seed=seed,
            batched=batched,
            start_lr=start_lr,
            end_lr=end_lr,
            num_steps=num_steps,
            mode=mode,
            step_fn=step_fn,
            accumulation_steps=accumulation_steps,
            amp=amp,
            amp_dtype=amp_dtype,
            scaler=scaler,
            max_grad_norm=max_grad_norm,
            stop_factor=stop_factor,
            stop_rule=stop_rule,
            check_every=check_every,
            method=method,
            train_mode=train_mode,
            progress=progress,
            snapshot_device=snapshot_device,
        )

    _warn_about_step_hooks(optimizer)
    state = TrainingState.capture(
        model, optimizer, scaler=scaler, data=data, snapshot_device=snapshot_device
    )
    source = _OwnIterators(data) if _keeps_workers(data) else data
    try:
        if train_mode:
            model.train()
        stream = BatchStream(
            source, "`data` yielded no batches: pass a non-empty DataLoader or iterable."
        )
        trainer = _Trainer(
            model,
            optimizer,
            stream,
            loss_fn,
            step_fn,
            device,
            ratios,
            accumulation_steps,
            autocast,
            scaler,
            max_grad_norm,
            sign,
        )
        chunked = device.type == "cuda" or distributed.is_synchronized()
        check_every = check_every or (_CUDA_CHECK_EVERY if chunked else 1)
        # Under torch.distributed: losses averaged across ranks, one chunk all-reduce each.
        step, to_floats, metadata, progress = distributed.wrap_run(
            trainer.step,
            _losses_to_floats,
            _metadata(model, optimizer, data, accumulation_steps, autocast, device)
            | ({"recorded_loss": "negated objective, maximize=True"} if sign < 0 else {}),
            progress,
            check_every=check_every,
            config={
                "start_lr": start_lr,
                "end_lr": end_lr,
                "num_steps": num_steps,
                "mode": mode,
                "stop_factor": stop_factor,
                "stop_rule": type(stop_rule).__name__,
                "check_every": check_every,
                "accumulation_steps": accumulation_steps,
                "method": method,
            },
        )
        result = range_test(
            step,
            start_lr=start_lr,
            end_lr=end_lr,
            num_steps=num_steps,
            mode=mode,
            stop_factor=stop_factor,
            stop_rule=stop_rule,
            check_every=check_every,
            to_floats=to_floats,
            method=method,
            progress=progress,
            metadata=metadata,
        )
    except BaseException as error:
        _close(source)
        _restore(state, error)
        raise
    _close(source)
    _restore(state, None)
    _fill_in_batch_size(result.metadata, trainer.stream.first_batch_size)
    # Each rank read its own weights: one value for all, so every rank suggests the same.
    sensitivity = distributed.common_reading(trainer.sensitivity.value())
    if sensitivity is not None:  # read by the default suggestion: lrfinder.step_size
        result.metadata["update_sensitivity"] = sensitivity
    return result


def _warn_about_step_hooks(optimizer: torch.optim.Optimizer) -> None:
    """Hooks on ``optimizer.step`` run at every update of the range test too, and what they
    change outside the model and optimizer (an EMA of the weights, a step counter) is not
    lrfinder's to restore: say so."""
    from torch.optim import optimizer as torch_optimizer

    hooks = (
        len(getattr(optimizer, "_optimizer_step_pre_hooks", ()))
        + len(getattr(optimizer, "_optimizer_step_post_hooks", ()))
        + len(getattr(torch_optimizer, "_global_optimizer_pre_hooks", ()))
        + len(getattr(torch_optimizer, "_global_optimizer_post_hooks", ()))
    )
    if hooks:
        warnings.warn(
            f"the optimizer has {hooks} step hook(s): they run at each of the range test's "
            "updates. lrfinder restores the model, the optimizer and the RNGs, not what a hook "
            "changes elsewhere (an EMA of the weights kept outside the model, say): reset that "
            "after lr_find, or register the hook after it.",
            UserWarning,
            stacklevel=3,
        )


def _keeps_workers(data: Any) -> bool:
    """A DataLoader whose worker processes outlive its iterators (``persistent_workers``)."""
    return (
        isinstance(data, torch.utils.data.DataLoader)
        and bool(data.persistent_workers)
        and data.num_workers > 0
    )


class _OwnIterators:
    """A DataLoader with persistent workers, read through iterators of the range test's own.

    Such a loader keeps one iterator, and its worker processes, for its whole life: the first
    ``iter()`` makes it, drawing a seed from torch's RNG, and every later one resets it, drawing
    differently. A range test going through ``iter(loader)`` would leave that iterator behind
    (or reset the user's), so the user's next epoch would be shuffled differently and the
    workers' random state would have moved on. Iterators made the way a loader without
    persistent workers makes them, and shut down after the run, leave the user's loader as it
    was. ``_get_iterator`` is what ``DataLoader.__iter__`` itself calls.
    """

    def __init__(self, loader: torch.utils.data.DataLoader[Any]) -> None:
        self.loader = loader
        self.made: list[Any] = []

    def __iter__(self) -> Iterator[Any]:
        self.close()  # the stream asks again only once the last one ran out: stop its workers
        iterator = self.loader._get_iterator()
        self.made.append(iterator)
        return iterator

    def __len__(self) -> int:
        return len(self.loader)

    def close(self) -> None:
        for iterator in self.made:
            shutdown = getattr(iterator, "_shutdown_workers", None)
            if shutdown is not None:
                shutdown()
        self.made.clear()


def _close(source: Any) -> None:
    if isinstance(source, _OwnIterators):
        source.close()


def _why_not_rerun(data: Any) -> str | None:
    """Why ``runs="auto"`` must keep its first run however unreadable, in words for its note."""
    if distributed.is_synchronized():
        return (
            "several runs are not averaged across ranks under torch.distributed yet (run them "
            "on one rank inside `with lrfinder.distributed.rank_local():`)"
        )
    if isinstance(data, Iterator):  # not iter(data): that would draw a DataLoader's seed
        return "`data` is a one-shot iterator (pass a DataLoader or a list to run it again)"
    return None


def _refuse_several_runs_when_distributed(runs: int | str) -> None:
    if distributed.is_synchronized():
        msg = (
            f"`runs` must be 1 under torch.distributed, got runs={runs!r}: several runs are "
            "not averaged across ranks yet. Use runs=1, or run them on one rank inside "
            "`with lrfinder.distributed.rank_local():`."
        )
        raise ValueError(msg)


def _fill_in_batch_size(metadata: dict[str, Any], seen: int | None) -> None:
    """Records the batch size seen in the run when the data did not declare one (a generator):
    the suggestion's small-batch correction reads it (:mod:`lrfinder.batch_noise`)."""
    if metadata.get("batch_size") is not None or seen is None:
        return
    metadata["batch_size"] = seen
    world = metadata.get("world_size")
    accumulation = metadata.get("accumulation_steps", 1)
    if isinstance(world, int) and isinstance(accumulation, int):
        metadata["global_batch_size"] = seen * accumulation * world


def _restore(state: TrainingState, error: BaseException | None) -> None:
    """Restores ``state``, finishing even if Ctrl-C arrives mid-restore; never hides ``error``.

    A failed restore outranks the run's own error (the model may now be modified, and a handler
    for the original error would assume it was not), so it is raised, naming the original error,
    chained to it, and carrying its partial curve.
    """
    try:
        try:
            state.restore()
        except KeyboardInterrupt:
            state.restore()  # restore is idempotent: finish it, then honour the Ctrl-C
            raise
    except Exception as restore_error:
        if error is None:
            raise
        msg = (
            f"lrfinder could not restore the model, optimizer and RNG after the range test "
            f"failed with {type(error).__name__}: {error}. Restoring failed with "
            f"{type(restore_error).__name__}: {restore_error}. The model and optimizer may be "
            "left modified: reload them (e.g. from a checkpoint) before training."
        )
        failure = RuntimeError(msg)
        failure.lrfinder_result = getattr(error, "lrfinder_result", None)  # type: ignore[attr-defined]
        raise failure from error


class _Trainer:
    """The ``step(lr)`` the core drives: one optimizer update over ``accumulation_steps`` batches."""

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        stream: BatchStream,
        loss_fn: LossFn | None,
        step_fn: StepFn | None,
        device: torch.device,
        ratios: list[float],
        accumulation_steps: int,
        autocast: Callable[[], contextlib.AbstractContextManager[Any]],
        scaler: Any,
        max_grad_norm: float | None,
        sign: float = 1.0,
    ) -> None:
        self.model = model
        self.sign = sign  # -1: the optimizer maximizes; the curve records the negated objective
        self.optimizer = optimizer
        self.stream = stream
        self.loss_fn = loss_fn
        self.step_fn = step_fn
        self.device = device
        self.ratios = ratios
        self.accumulation_steps = accumulation_steps
        self.autocast = autocast
        self.scaler = scaler
        self.max_grad_norm = max_grad_norm
        self.checked = False
        self.sensitivity = StepSizeMeter()
        if not room_for_a_copy(self._params()):
            self.sensitivity.give_up()
        self.lr = 0.0

    def step(self, lr: float) -> Any:
        self.lr = lr
        self._set_lr(lr)
        self.optimizer.zero_grad(set_to_none=True)
        total: torch.Tensor | None = None
        for micro in range(self.accumulation_steps):
            batch = _to_device(self.stream.next(), self.device)
            # DDP: all-reduce gradients once per update, on the last micro-batch, as training does.
            last = micro == self.accumulation_steps - 1
            no_sync = getattr(self.model, "no_sync", None)
            with contextlib.nullcontext() if last or no_sync is None else no_sync():
                with self.autocast():
                    loss = self._loss(batch)
                if not self.checked:
                    loss = _check_loss(loss)
                    self.checked = True
                scaled = loss / self.accumulation_steps if self.accumulation_steps > 1 else loss
                (self.scaler.scale(scaled) if self.scaler is not None else scaled).backward()
            detached = scaled.detach().float() * self.sign
            total = detached if total is None else total + detached
        return self._update(total)

    def _update(self, total: torch.Tensor | None) -> Any:
        if not self.sensitivity.measuring:
            return self._optimizer_step(total)
        before = [p.detach().clone() for p in self._params()]
        outcome = self._optimizer_step(total)
        if outcome is not SKIPPED:
            try:
                self.sensitivity.add(self.lr, before, self._params())
            except Exception:  # tensors the norms cannot read (sharded, meta...): a
                self.sensitivity.give_up()  # reading must never fail the user's range test
        return outcome

    def _optimizer_step(self, total: torch.Tensor | None) -> Any:
        if self.scaler is None:
            if self.max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(self._params(), self.max_grad_norm)
            self.optimizer.step()
            return total
        if self.max_grad_norm is not None:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self._params(), self.max_grad_norm)
        scale_before = self.scaler.get_scale()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        # GradScaler backs its scale off exactly when it found inf/NaN and skipped the update.
        # Retry only if the loss itself was finite: a non-finite loss is a divergence (or a bug),
        # and retrying it would spin until the 100-skip limit with a misleading message.
        overflowed = self.scaler.get_scale() < scale_before
        if overflowed and total is not None and bool(torch.isfinite(total)):
            return SKIPPED
        return total

    def _loss(self, batch: Any) -> Any:
        if self.step_fn is not None:
            return self.step_fn(self.model, batch)
        if isinstance(batch, Mapping):
            try:
                output = self.model(**batch)
            except TypeError as error:
                if _takes_keywords(self.model, batch):
                    raise  # the model's forward takes these keys: an error from deeper down
                msg = (
                    f"a dict batch (keys {sorted(map(str, batch))}) is passed as "
                    f"model(**batch), Hugging Face style, and the model refused it: {error}. For "
                    "a model that takes tensors, pass step_fn=lambda model, batch: "
                    "loss_fn(model(batch['inputs']), batch['targets']) with your keys, or yield "
                    "(inputs, targets) tuples."
                )
                raise TypeError(msg) from error
            return self.loss_fn(output, batch) if self.loss_fn else _loss_from_output(output)
        if isinstance(batch, Sequence) and not isinstance(batch, str) and len(batch) >= 2:
            if self.loss_fn is None:
                msg = (
                    "`loss_fn` is required for (inputs, targets) batches, got loss_fn=None. Pass "
                    "loss_fn=torch.nn.functional.cross_entropy (or your loss), or step_fn="
                    "lambda model, batch: ... for a model that computes its own loss."
                )
                raise TypeError(msg)
            *inputs, targets = batch
            return self.loss_fn(self.model(*inputs), targets)
        msg = (
            f"cannot tell inputs from targets in a batch of type {type(batch).__name__}: batches "
            "must be (inputs, targets) tuples or dicts. Pass step_fn=lambda model, batch: loss "
            "to compute the loss yourself."
        )
        raise TypeError(msg)

    def _set_lr(self, lr: float) -> None:
        for group, ratio in zip(self.optimizer.param_groups, self.ratios, strict=True):
            value = lr * ratio
            if torch.is_tensor(group["lr"]):
                group["lr"].fill_(value)
            else:
                group["lr"] = value

    def _params(self) -> list[torch.Tensor]:
        return [p for group in self.optimizer.param_groups for p in group["params"]]


#: Measure the step size only if a copy of the trained weights takes at most this share of the
#: accelerator's free memory (the range test must not run out where training does not).
COPY_SHARE_OF_FREE_MEMORY = 0.25


def room_for_a_copy(params: Sequence[torch.Tensor]) -> bool:
    """Whether one copy of ``params`` fits in :data:`COPY_SHARE_OF_FREE_MEMORY` of the free
    memory of their CUDA device (always on the host and other devices, whose free memory torch
    does not report)."""
    on_cuda = [p for p in params if p.device.type == "cuda"]
    if not on_cuda:
        return True
    size = sum(p.numel() * p.element_size() for p in on_cuda)
    free, _ = torch.cuda.mem_get_info(on_cuda[0].device)
    return size <= COPY_SHARE_OF_FREE_MEMORY * free


def _squared_norm(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    """The squared L2 norm of all of ``tensors`` together, as a float32 scalar on the first
    tensor's device (half-precision tensors are upcast first: their norm would overflow)."""
    wide, parts = [], []
    for tensor in tensors:
        if tensor.is_complex():
            tensor = torch.view_as_real(tensor)
        if not tensor.is_floating_point():
            continue
        if tensor.element_size() < 4:
            parts.append(torch.linalg.vector_norm(tensor.float()))
        else:
            wide.append(tensor)
    if wide:  # one fused call for the usual float32 weights
        parts += [n.float() for n in torch._foreach_norm(wide)]
    if not parts:
        return torch.zeros(())
    device = parts[0].device
    return (torch.stack([n.to(device) for n in parts]) ** 2).sum()


class StepSizeMeter:
    """:class:`lrfinder.step_size.SensitivityMeter` fed with tensors, for one run or for
    ``copies`` runs stacked on a leading dimension (the batched path, whose ``squares`` returns
    each copy's sum of squares). On an accelerator the norms stay on the device and are read
    (one host sync) every :attr:`READ_EVERY` steps, so the run does not wait for the host at
    every step while the early steps are measured.

    Measuring costs one copy of the trained weights on their device during those steps (about
    half the test on the quality benchmark's ladders); the overhead benchmark
    (``benchmarks/overhead.py``) includes it."""

    READ_EVERY = 10

    def __init__(
        self,
        copies: int = 1,
        squares: Callable[[Sequence[torch.Tensor]], torch.Tensor] = _squared_norm,
    ) -> None:
        self.meters = [SensitivityMeter() for _ in range(copies)]
        self.squares = squares
        self.pending: list[tuple[float, torch.Tensor, torch.Tensor]] = []

    @property
    def measuring(self) -> bool:
        return any(meter.measuring for meter in self.meters)

    def add(self, lr: float, before: list[torch.Tensor], after: list[torch.Tensor]) -> None:
        weight = self.squares(before)
        with torch.no_grad():  # before -= after, in place: the update's norm without a new copy
            torch._foreach_sub_(before, [a.detach() for a in after])
        update = self.squares(before)
        self.pending.append((lr, weight, update))
        if len(self.pending) >= self.READ_EVERY or weight.device.type == "cpu":  # no sync there
            self._read()

    def value(self, copy_index: int = 0) -> float | None:
        self._read()
        return self.meters[copy_index].value()

    def give_up(self) -> None:
        """No reading at all (no room for a copy, or tensors the norms cannot read): the
        samples so far are dropped, and the knee stands alone."""
        self.pending.clear()
        for meter in self.meters:
            meter.give_up()

    def _read(self) -> None:
        for lr, weight, update in self.pending:
            weights, updates = weight.reshape(-1).tolist(), update.reshape(-1).tolist()
            for meter, w, u in zip(self.meters, weights, updates, strict=True):
                meter.add(lr, math.sqrt(w), math.sqrt(u))
        self.pending.clear()


def _check_setup(
    model: Any, optimizer: Any, data: Any, loss_fn: Any, step_fn: Any, scaler: Any
) -> None:
    if not isinstance(model, torch.nn.Module):
        msg = f"`model` must be a torch.nn.Module, got model={type(model).__name__}."
        raise TypeError(msg)
    if not isinstance(optimizer, torch.optim.Optimizer):
        msg = f"`optimizer` must be a torch.optim.Optimizer, got optimizer={type(optimizer).__name__}."
        raise TypeError(msg)
    closure = inspect.signature(optimizer.step).parameters.get("closure")
    if closure is not None and closure.default is inspect.Parameter.empty:
        msg = (
            f"`optimizer` must step without a closure, got optimizer={type(optimizer).__name__}, "
            "whose step(closure) re-evaluates the loss itself. A line-search optimizer picks its "
            "own step size, so an lr range test does not apply to it."
        )
        raise TypeError(msg)
    model_params = {id(p) for p in model.parameters()}
    if not model_params:
        msg = "`model` has no parameters: there is nothing to train."
        raise ValueError(msg)
    if not any(p.requires_grad for p in model.parameters()):
        msg = (
            "`model` has no trainable parameters (requires_grad is False for all of them). "
            "Unfreeze the layers you will train (param.requires_grad_(True)) before the range test."
        )
        raise ValueError(msg)
    if any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in model.parameters()):
        msg = (
            "`model` has lazy parameters that are not initialised yet (torch.nn.LazyLinear and "
            "the like): run one forward pass on a batch, model(inputs), then build the optimizer "
            "and call lr_find."
        )
        raise ValueError(msg)
    if any(p.is_meta for p in model.parameters()):
        msg = (
            "`model` has parameters on the meta device (shapes only, no data). Materialize it "
            "first: model.to_empty(device=...) and load its weights."
        )
        raise ValueError(msg)
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not model_params & held:
        msg = (
            f"`optimizer` holds none of the model's parameters ({len(held)} tensors in "
            f"{len(optimizer.param_groups)} param groups, none of them in `model`). Build it with "
            "optimizer = torch.optim.AdamW(model.parameters(), ...) from this model."
        )
        raise ValueError(msg)
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        msg = (
            f"`data` must be an iterable of batches (a DataLoader), got data={type(data).__name__}."
        )
        raise TypeError(msg)
    if _known_length(data) == 0:
        msg = "`data` is empty (len(data) == 0): pass a DataLoader with at least one batch."
        raise ValueError(msg)
    for name, function in (("loss_fn", loss_fn), ("step_fn", step_fn)):
        if function is not None and not callable(function):
            msg = f"`{name}` must be callable, got {name}={function!r}."
            raise TypeError(msg)
        if isinstance(function, type):  # nn.CrossEntropyLoss instead of nn.CrossEntropyLoss()
            msg = (
                f"`{name}` is the class {function.__name__}, not a function: pass an instance, "
                f"{name}={function.__name__}()."
            )
            raise TypeError(msg)
    if loss_fn is not None and step_fn is not None:
        warnings.warn(
            "both loss_fn and step_fn are given: step_fn computes the loss, and loss_fn is not "
            "used. Pass one of them.",
            UserWarning,
            stacklevel=3,
        )
    if scaler is not None and not all(
        hasattr(scaler, attr) for attr in ("scale", "step", "update", "state_dict")
    ):
        msg = f"`scaler` must be a torch.amp.GradScaler, got scaler={type(scaler).__name__}."
        raise TypeError(msg)


def _check_options(**flags: Any) -> None:
    """Flags must be True or False: a string such as "no" would otherwise count as True."""
    for name, value in flags.items():
        if not isinstance(value, bool):
            msg = f"`{name}` must be True or False, got {name}={value!r}."
            raise TypeError(msg)


def _check_snapshot_device(device: Any) -> None:
    """``snapshot_device`` names a device this torch can copy to (checked before the copy,
    whose own error would not name the argument)."""
    try:
        target = torch.device(device)
    except (TypeError, RuntimeError, ValueError):
        msg = (
            f"`snapshot_device` must be a device torch knows, got snapshot_device={device!r}. "
            'Use "cpu" (the default, which keeps the snapshot off the accelerator) or a device '
            'such as "cuda:0".'
        )
        raise ValueError(msg) from None
    if target.type == "cuda" and not torch.cuda.is_available():
        msg = (
            f"`snapshot_device` is {device!r}, but this torch sees no CUDA device. Use "
            '"cpu" (the default).'
        )
        raise ValueError(msg)


def _known_length(data: Any) -> int | None:
    """``len(data)`` where it is defined (a DataLoader over an IterableDataset has none)."""
    try:
        return len(data)
    except TypeError:
        return None


def _model_device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def _precision(
    device: torch.device, amp: bool, amp_dtype: torch.dtype | None, scaler: Any
) -> tuple[Callable[[], contextlib.AbstractContextManager[Any]], Any]:
    """Returns the autocast context factory and the GradScaler to use (or None)."""
    if amp_dtype is not None and not isinstance(amp_dtype, torch.dtype):
        msg = (
            f"`amp_dtype` must be a torch.dtype, got amp_dtype={amp_dtype!r}. Pass e.g. "
            "amp_dtype=torch.bfloat16."
        )
        raise TypeError(msg)
    if amp_dtype is not None and amp_dtype not in (torch.float16, torch.bfloat16):
        msg = (
            f"`amp_dtype` must be torch.float16 or torch.bfloat16, got amp_dtype={amp_dtype}: "
            "autocast runs in no other precision (it would silently stay off)."
        )
        raise ValueError(msg)
    if not amp:
        return contextlib.nullcontext, scaler
    dtype = amp_dtype or (torch.float16 if device.type == "cuda" else torch.bfloat16)
    if scaler is None and dtype == torch.float16 and device.type == "cuda":
        scaler = torch.amp.GradScaler("cuda")

    def autocast() -> contextlib.AbstractContextManager[Any]:
        return torch.autocast(device_type=device.type, dtype=dtype)

    return autocast, scaler


def _loss_sign(optimizer: torch.optim.Optimizer) -> float:
    """-1 for an optimizer that maximizes its objective (``maximize=True`` in every group), so
    that the recorded curve falls as the objective rises and every rule reads it the right way
    up; 1 otherwise. A mix of groups has no one curve to read."""
    flags = [bool(group.get("maximize", False)) for group in optimizer.param_groups]
    if any(flags) and not all(flags):
        msg = (
            f"`optimizer` maximizes in some param groups and minimizes in others (maximize="
            f"{flags}): the range test reads one loss curve. Give every group the same maximize."
        )
        raise ValueError(msg)
    return -1.0 if all(flags) else 1.0


def _group_ratios(optimizer: torch.optim.Optimizer) -> list[float]:
    """Each param group's lr divided by the first group's (all 1.0 if every lr is 0)."""
    lrs = [float(group["lr"]) for group in optimizer.param_groups]
    if lrs[0] == 0.0:
        if any(lr != 0.0 for lr in lrs):
            msg = (
                f"the first param group's lr must be > 0 when other groups have one, got "
                f"param_groups[0]['lr']={lrs[0]!r}: the ladder drives the first group and the "
                "others keep their ratio to it."
            )
            raise ValueError(msg)
        return [1.0] * len(lrs)
    if any(not math.isfinite(lr) or lr < 0 for lr in lrs):
        msg = f"every param group's lr must be finite and >= 0, got {lrs!r}."
        raise ValueError(msg)
    return [lr / lrs[0] for lr in lrs]


def _check_loss(loss: Any) -> torch.Tensor:
    if not torch.is_tensor(loss):
        msg = (
            f"the loss must be a scalar torch.Tensor, got {type(loss).__name__}: return the "
            "tensor itself, not loss.item()."
        )
        raise TypeError(msg)
    if loss.numel() != 1:
        msg = (
            f"the loss must be a scalar, got a tensor of shape {tuple(loss.shape)}: reduce it "
            "(reduction='mean') before returning it."
        )
        raise ValueError(msg)
    if not loss.requires_grad:
        msg = (
            "the loss does not require grad: is the forward pass under torch.no_grad(), or are all "
            "the parameters it uses frozen?"
        )
        raise ValueError(msg)
    return loss.reshape(())


def _takes_keywords(model: torch.nn.Module, batch: Mapping[str, Any]) -> bool:
    """Whether ``model.forward`` accepts the batch's keys as keyword arguments."""
    try:
        inspect.signature(model.forward).bind_partial(**batch)
    except TypeError:
        return False
    except ValueError:  # a forward without a signature to read: give it the benefit of the doubt
        return True
    return True


def _loss_from_output(output: Any) -> Any:
    if isinstance(output, Mapping) and "loss" in output:
        return output["loss"]
    if hasattr(output, "loss"):
        return output.loss
    if torch.is_tensor(output):
        return output
    msg = (
        f"the model's output ({type(output).__name__}) has no `loss`: pass loss_fn=... "
        "(called as loss_fn(output, batch)) or step_fn=..."
    )
    raise TypeError(msg)


def _to_device(batch: Any, device: torch.device) -> Any:
    if torch.is_tensor(batch):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        moved = {key: _to_device(value, device) for key, value in batch.items()}
        try:
            return type(batch)(moved)  # keeps dict subclasses and HF BatchEncoding
        except TypeError:
            return moved
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # namedtuple
        return type(batch)(*(_to_device(v, device) for v in batch))
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def _batch_size(data: Any) -> int | None:
    """Examples per batch: a DataLoader's ``batch_size``, else the size of a list's first batch
    (read without drawing from the data); None when neither says."""
    size = getattr(data, "batch_size", None)
    if isinstance(size, int):
        return size
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)) and len(data) > 0:
        return leading_dimension(data[0])
    return None


def _losses_to_floats(values: Sequence[Any]) -> list[float]:
    """One host-device transfer for a whole chunk of 0-d loss tensors."""
    if all(torch.is_tensor(v) for v in values):
        return torch.stack(list(values)).double().cpu().tolist()
    return [float(v) for v in values]


def optimizer_metadata(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """``{"optimizer": class name, "optimizer_hyperparameters": {...}}`` as ``lr_find`` records
    them (the first group's momentum, betas, weight decay, eps, nesterov, and RMSprop's alpha)."""
    group = optimizer.param_groups[0]
    hyper = {
        key: (list(value) if isinstance(value, tuple) else value)
        for key, value in group.items()
        if key in ("momentum", "betas", "weight_decay", "eps", "nesterov", "alpha")
    }
    return {"optimizer": type(optimizer).__name__, "optimizer_hyperparameters": hyper}


def _metadata(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Any,
    accumulation_steps: int,
    autocast: Callable[[], Any],
    device: torch.device,
) -> dict[str, Any]:
    return {
        "framework": "torch",
        "torch_version": torch.__version__,
        "lrfinder_version": __version__,
        "model": type(model).__name__,
        "num_parameters": int(sum(p.numel() for p in model.parameters())),
        **optimizer_metadata(optimizer),
        "param_groups": len(optimizer.param_groups),
        "batch_size": _batch_size(data),
        "accumulation_steps": accumulation_steps,
        "amp": autocast is not contextlib.nullcontext,
        "device": str(device),
    }
