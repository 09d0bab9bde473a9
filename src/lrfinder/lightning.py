"""Lightning adapter: ``lr_find(trainer, module)`` and a callback that re-runs it mid-training.

Design: we drive the module's ``training_step`` ourselves, through :func:`lrfinder.torch.lr_find`,
instead of running ``trainer.fit`` with a callback as Lightning's own ``Tuner.lr_find`` does. The
trainer lends its configuration (precision plugin, ``accumulate_grad_batches``, gradient clipping,
device, data) and is otherwise never run. Running ``fit`` instead would mean saving and reloading
a checkpoint (a writable directory, loop state swapped in and out, user callbacks replaced) and
cannot nest inside a running ``fit`` without rewinding its loops. Not running it is what makes the
guarantees cheap and exact:

* **restore** is the PyTorch adapter's in-memory snapshot (parameters, buffers, train/eval flags,
  optimizer state and per-group hyper-parameters, the precision plugin's GradScaler, the RNGs), with
  no checkpoint written to disk and nothing read back from one;
* **the trainer is untouched by construction**: no loop runs, so ``global_step``,
  ``current_epoch``, the loops' progress counters, the logger, the lr schedulers and every callback
  (and its state) stay as they were; ``self.log`` is silenced for the run, and a module not yet
  attached to the trainer is attached for the run only (so ``self.trainer`` works in
  ``training_step``);
* **mid-training use works**: the callback calls the same function with the live optimizer at the
  start of an epoch, and nothing depends on ``global_step`` being 0 (Lightning's finder stops after
  one step there, issue #4846).

What we do not replay: the module's backward/optimizer hooks (``on_before_backward``,
``on_after_backward``, ``on_before_optimizer_step``, a custom ``backward``) and other callbacks'
hooks; ``gradient_clip_algorithm="value"`` (warned); manual optimization; more than one training
dataloader; multi-process strategies; a ``"-true"`` precision before ``fit`` has converted the
module (refused with advice). Metric objects updated inside ``training_step`` (torchmetrics
states are not module buffers) see the range test's batches.

Batches pass through the module's ``on_before_batch_transfer``, ``transfer_batch_to_device`` and
``on_after_batch_transfer`` hooks, then ``training_step(batch, batch_idx)`` runs inside the
precision plugin's ``train_step_context()`` (``"bf16-mixed"`` autocasts, ``"16-mixed"`` also uses
the plugin's GradScaler). The loss of each micro-batch is divided by ``accumulate_grad_batches``
as Lightning does; a point's loss is the mean over the window, one point per optimizer step.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import lightning.pytorch as pl
import torch

from .errors import check_result
from .result import RangeTestResult
from .stopping import StopRule
from .suggest import DEFAULT_METHOD
from .torch import lr_find as torch_lr_find
from .torch_state import _capture_rng, _restore_rng

__all__ = ["LRFinderCallback", "apply", "lr_find"]


def lr_find(
    trainer: pl.Trainer,
    module: pl.LightningModule,
    *,
    datamodule: pl.LightningDataModule | None = None,
    train_dataloaders: Any = None,
    optimizer: torch.optim.Optimizer | None = None,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    stop_factor: float | None = 0.5,
    stop_rule: StopRule | None = None,
    check_every: int | None = None,
    method: str = DEFAULT_METHOD,
    progress: bool = False,
    runs: int | Literal["auto"] = "auto",
    seed: int | None = None,
) -> RangeTestResult:
    """Runs the LR range test on a LightningModule with the trainer's settings, then restores all.

    The optimizer is the one ``module.configure_optimizers()`` builds (as ``trainer.fit`` would;
    it is thrown away afterwards), or ``optimizer`` (the callback passes the live one). The ladder
    drives its first parameter group; every other group keeps its ratio to the first. The lr
    schedulers are built but never stepped.

    Data, first found: ``train_dataloaders``; ``datamodule`` (``prepare_data()`` and
    ``setup("fit")`` are called, as ``fit`` does); the dataloader of a running fit; the trainer's
    datamodule; ``module.train_dataloader()``.

    Args:
        trainer: A ``lightning.pytorch.Trainer``; its ``precision``, ``accumulate_grad_batches``,
            ``gradient_clip_val`` and device are used. It is not run.
        module: The LightningModule (automatic optimization, one optimizer).
        datamodule: A LightningDataModule providing ``train_dataloader()``.
        train_dataloaders: A DataLoader (or any iterable of batches).
        optimizer: Use this optimizer instead of building one (its state is restored).
        start_lr, end_lr, num_steps, mode: The ladder (see :func:`lrfinder.ladder`).
        stop_factor, stop_rule, check_every, method, progress: As in :func:`lrfinder.torch.lr_find`.
        runs, seed: As in :func:`lrfinder.torch.lr_find`: ``"auto"`` (the default) runs once,
            and five times when that curve never clearly descended or is too noisy to read
            alone; an integer runs that many, each later one with the dataloader reseeded (so a
            shuffling loader gives another order). A one-shot iterator of batches keeps one run.

    Returns:
        A :class:`lrfinder.RangeTestResult` (a ``MultiRunResult`` for several runs);
        ``metadata["framework"] == "lightning"``.

    Raises:
        ValueError, TypeError: For a setup lrfinder cannot run, before any training.

    Example:
        >>> import lightning.pytorch as pl, torch, lrfinder.lightning
        >>> class Regression(pl.LightningModule):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.layer = torch.nn.Linear(8, 1)
        ...     def training_step(self, batch, batch_idx):
        ...         x, y = batch
        ...         return torch.nn.functional.mse_loss(self.layer(x), y)
        ...     def configure_optimizers(self):
        ...         return torch.optim.SGD(self.parameters(), lr=0.1)
        >>> _ = torch.manual_seed(0)
        >>> X = torch.randn(256, 8); y = X @ torch.randn(8, 1)
        >>> data = torch.utils.data.DataLoader(list(zip(X, y)), batch_size=32, shuffle=True)
        >>> trainer = pl.Trainer(max_epochs=1, logger=False, enable_progress_bar=False,
        ...                      enable_checkpointing=False, enable_model_summary=False)
        >>> result = lrfinder.lightning.lr_find(trainer, Regression(), train_dataloaders=data)
        >>> result.stop_reason, 1e-3 < result.suggestion < 1.0, trainer.global_step
        ('diverged', True, 0)
    """
    _check_setup(trainer, module, optimizer)
    _check_true_precision(trainer, module)
    rng = _capture_rng()  # datamodule.setup and configure_optimizers may draw from the RNGs
    try:
        # Attached, as fit attaches them: setup(), train_dataloader() and configure_optimizers()
        # may read self.trainer (max_epochs...).
        with _attached(module, trainer):
            data = _train_data(trainer, module, datamodule, train_dataloaders)
            if optimizer is None:
                optimizer = _build_optimizer(module)
        clip_val = trainer.gradient_clip_val
        max_grad_norm = None
        if clip_val:
            if trainer.gradient_clip_algorithm == "norm":
                max_grad_norm = float(clip_val)
            else:
                warnings.warn(
                    f"gradient_clip_algorithm={trainer.gradient_clip_algorithm!r} is not applied during "
                    "the range test; only 'norm' clipping is.",
                    stacklevel=2,
                )
        plugin = trainer.precision_plugin
        scaler = getattr(plugin, "scaler", None)
        device = trainer.strategy.root_device
        home = next(module.parameters()).device
        step = _TrainingStep(module, device, plugin.train_step_context)
        with _attached(module, trainer), contextlib.ExitStack() as stack:
            if home != device:
                module.to(device)
                stack.callback(
                    module.to, home
                )  # runs after the restore below, which is on `device`
            result = torch_lr_find(
                module,
                optimizer,
                _opaque(data),
                start_lr=start_lr,
                end_lr=end_lr,
                num_steps=num_steps,
                mode=mode,
                step_fn=step,
                accumulation_steps=_accumulation(trainer),
                scaler=scaler,
                max_grad_norm=max_grad_norm,
                stop_factor=stop_factor,
                stop_rule=stop_rule,
                check_every=check_every,
                method=method,
                progress=progress,
                runs=runs,
                seed=seed,
            )
    finally:
        _restore_rng(rng)
    result.metadata.update(
        framework="lightning",
        lightning_version=pl.__version__,
        precision=str(trainer.precision),
        global_step=int(trainer.global_step),
        current_epoch=int(trainer.current_epoch),
    )
    return result


def apply(module: pl.LightningModule, result: RangeTestResult, attr: str | None = None) -> float:
    """Writes ``result.suggestion`` where ``configure_optimizers`` reads the learning rate, so
    that the next ``trainer.fit`` trains at it; returns it.

    The attribute is ``attr``, or else the first of ``lr`` and ``learning_rate`` the module has
    (the names Lightning's ``Tuner.lr_find(update_attr=True)`` looks for), found and written by
    Lightning's own ``lightning_setattr``: on the module, in ``module.hparams`` and on an attached
    datamodule that has it.

    Raises:
        TypeError: If ``result`` is not a range-test result.
        AttributeError: If the module holds no such attribute (say which with ``attr=``).
    """
    from lightning.pytorch.utilities.parsing import lightning_hasattr, lightning_setattr

    rate = check_result(result, hint="Pass what lrfinder.lightning.lr_find returned.")
    names = [attr] if attr is not None else ["lr", "learning_rate"]
    found = next((name for name in names if lightning_hasattr(module, name)), None)
    if found is None:
        listed = " or ".join(f"`{name}`" for name in names)
        msg = (
            f"{type(module).__name__} has no attribute {listed} (on the module, in its hparams or "
            "its datamodule): pass attr= with the name configure_optimizers reads the learning "
            "rate from, or set it yourself from result.suggestion."
        )
        raise AttributeError(msg)
    lightning_setattr(module, found, rate)
    return rate


class LRFinderCallback(pl.Callback):
    """Runs :func:`lr_find` at the start of the given epochs of a ``trainer.fit``.

    The run uses the live optimizer (with its state) and the fit's training dataloader, and leaves
    training exactly where it was: the epoch goes on as if the callback were not there. Results are
    kept in ``results`` by epoch; ``on_result(trainer, module, result)`` may act on them, e.g. set
    a new lr for the remaining epochs.

    Args:
        epochs: The 0-based epochs at whose start to run (default: the first only).
        on_result: Called with ``(trainer, module, result)`` after each run.
        **kwargs: Passed to :func:`lr_find` (``start_lr``, ``end_lr``, ``num_steps``...);
            ``train_dataloaders=`` replaces the fit's training dataloader (needed when that one
            has persistent workers, whose iterator the epoch under way is using).

    Example:
        >>> finder = LRFinderCallback(epochs=(0, 5), num_steps=50)
        >>> finder.epochs
        (0, 5)
    """

    def __init__(
        self,
        epochs: Iterable[int] = (0,),
        *,
        on_result: Callable[[pl.Trainer, pl.LightningModule, RangeTestResult], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.epochs = tuple(int(epoch) for epoch in epochs)
        if any(epoch < 0 for epoch in self.epochs):
            msg = f"`epochs` must be 0-based epoch numbers >= 0, got epochs={self.epochs!r}."
            raise ValueError(msg)
        for name in ("trainer", "module", "optimizer", "datamodule"):
            if name in kwargs:
                msg = f"`{name}` is taken from the running fit, got {name}= in LRFinderCallback()."
                raise TypeError(msg)
        self.on_result = on_result
        self.kwargs = kwargs
        self.results: dict[int, RangeTestResult] = {}

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        epoch = int(trainer.current_epoch)
        if epoch not in self.epochs or epoch in self.results:
            return
        kwargs = dict(self.kwargs)
        data = kwargs.pop("train_dataloaders", None)
        if data is None:
            data = trainer.train_dataloader
            if getattr(data, "persistent_workers", False) and getattr(data, "num_workers", 0):
                msg = (
                    "the fit's training DataLoader has persistent_workers=True: the range test "
                    "would reset the workers' iterator of the epoch under way. Pass "
                    "LRFinderCallback(train_dataloaders=...) a loader of its own."
                )
                raise ValueError(msg)
        result = lr_find(
            trainer, pl_module, optimizer=trainer.optimizers[0], train_dataloaders=data, **kwargs
        )
        self.results[epoch] = result
        if self.on_result is not None:
            self.on_result(trainer, pl_module, result)


class _TrainingStep:
    """``step_fn(model, batch)``: Lightning's batch transfer hooks, then ``training_step``."""

    def __init__(
        self,
        module: pl.LightningModule,
        device: torch.device,
        context: Callable[[], contextlib.AbstractContextManager[Any]],
    ) -> None:
        self.module = module
        self.device = device
        self.context = context
        self.batch_idx = 0

    def __call__(self, model: torch.nn.Module, wrapped: _Wrapped) -> Any:
        module = self.module
        batch = module.on_before_batch_transfer(wrapped.batch, 0)
        batch = module.transfer_batch_to_device(batch, self.device, 0)
        batch = module.on_after_batch_transfer(batch, 0)
        with self.context():
            output = module.training_step(batch, self.batch_idx)
        self.batch_idx += 1
        if isinstance(output, Mapping):
            if "loss" not in output:
                msg = (
                    f"training_step returned a dict without 'loss' (keys: {sorted(output)}): "
                    "return the loss tensor, or a dict with a 'loss' entry."
                )
                raise TypeError(msg)
            return output["loss"]
        if output is None:
            msg = (
                f"training_step returned None at batch_idx={self.batch_idx - 1}: the range test "
                "needs a loss for every batch. Skip batches in your data, not in training_step."
            )
            raise TypeError(msg)
        return output


class _Wrapped:
    """A batch hidden from the PyTorch adapter's device move (Lightning's hooks move it)."""

    __slots__ = ("batch",)

    def __init__(self, batch: Any) -> None:
        self.batch = batch


class _Opaque:
    """Iterates the user's loader, wrapping each batch; its loader's attributes show through.

    ``sampler``, ``batch_sampler``, ``generator`` and ``batch_size`` are read by the snapshot (to
    restore a seeded sampler's generator) and by the result's metadata.
    """

    def __init__(self, data: Iterable[Any]) -> None:
        self.data = data

    def __iter__(self) -> Iterator[_Wrapped]:
        return (_Wrapped(batch) for batch in self.data)

    def __getattr__(self, name: str) -> Any:
        if name in ("sampler", "batch_sampler", "generator", "batch_size"):
            return getattr(self.data, name, None)
        raise AttributeError(name)


class _SizedOpaque(_Opaque):
    """An :class:`_Opaque` over a loader that has a length."""

    def __len__(self) -> int:
        return len(self.data)  # type: ignore[arg-type]


def _opaque(data: Iterable[Any]) -> Iterable[Any]:
    if isinstance(data, Iterator):  # one-shot: stays one, so runs="auto" knows not to rerun it
        return (_Wrapped(batch) for batch in data)
    try:
        len(data)  # type: ignore[arg-type]
    except TypeError:  # no __len__, or a DataLoader over an IterableDataset
        return _Opaque(data)
    return _SizedOpaque(data)


@contextlib.contextmanager
def _attached(module: pl.LightningModule, trainer: pl.Trainer) -> Iterator[None]:
    """Attaches ``module`` to ``trainer`` and silences ``self.log`` for the run; undoes both."""
    previous = module._trainer
    shadowed = {name: name in vars(module) for name in ("log", "log_dict")}
    module.trainer = trainer
    for name, present in shadowed.items():
        if not present:
            setattr(module, name, _no_log)
    try:
        yield
    finally:
        for name, present in shadowed.items():
            if not present:
                delattr(module, name)
        module.trainer = previous


def _no_log(*args: Any, **kwargs: Any) -> None:
    """Stands in for ``LightningModule.log`` during the range test: its steps are not training."""


def _check_setup(trainer: Any, module: Any, optimizer: Any) -> None:
    if not isinstance(trainer, pl.Trainer):
        msg = (
            f"`trainer` must be a lightning.pytorch.Trainer, got trainer={type(trainer).__name__}."
        )
        raise TypeError(msg)
    if not isinstance(module, pl.LightningModule):
        msg = (
            f"`module` must be a lightning.pytorch.LightningModule, got "
            f"module={type(module).__name__}. For a plain torch.nn.Module use lrfinder.lr_find."
        )
        raise TypeError(msg)
    if not module.automatic_optimization:
        msg = (
            f"`module` must use automatic optimization, got {type(module).__name__} with "
            "automatic_optimization=False. Use lrfinder.lr_find(module, optimizer, data, "
            "step_fn=...) with your own step."
        )
        raise ValueError(msg)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        msg = f"`optimizer` must be a torch.optim.Optimizer, got optimizer={type(optimizer).__name__}."
        raise TypeError(msg)
    if trainer.world_size > 1:
        msg = (
            f"lrfinder.lightning runs in one process, got a trainer with world_size="
            f"{trainer.world_size}. Run it in a single-device session, or see lrfinder's "
            "torch.distributed support."
        )
        raise ValueError(msg)


_TRUE_PRECISIONS = {"16-true": torch.float16, "bf16-true": torch.bfloat16, "64-true": torch.float64}


def _check_true_precision(trainer: pl.Trainer, module: pl.LightningModule) -> None:
    """A "-true" precision needs the module already converted (``fit`` does it at set-up)."""
    dtype = _TRUE_PRECISIONS.get(str(trainer.precision))
    have = next(module.parameters()).dtype
    if dtype is not None and have != dtype:
        msg = (
            f"precision={trainer.precision!r} needs the module's parameters in {dtype}, got "
            f"{have}: convert it first (module.to({dtype})), or run the range test from "
            "LRFinderCallback, after fit has converted it."
        )
        raise ValueError(msg)


def _build_optimizer(module: pl.LightningModule) -> torch.optim.Optimizer:
    """The optimizer ``configure_optimizers`` returns (in any of Lightning's accepted shapes)."""
    from lightning.pytorch.core.optimizer import _configure_optimizers

    try:
        configured = module.configure_optimizers()
    except Exception as error:
        msg = (
            f"configure_optimizers() failed outside trainer.fit ({type(error).__name__}: "
            f"{error}). It may read what only a running fit knows, such as "
            "self.trainer.estimated_stepping_batches for a 1cycle schedule: pass the optimizer "
            "itself (lr_find(trainer, module, optimizer=torch.optim.AdamW(module.parameters()), "
            "...)), or use lrfinder.lightning.LRFinderCallback, which runs inside fit."
        )
        raise ValueError(msg) from error
    optimizers, _schedulers, _monitor = _configure_optimizers(configured)
    if len(optimizers) != 1:
        msg = (
            f"configure_optimizers must return one optimizer, got {len(optimizers)}: pass "
            "optimizer=... to choose the one to sweep."
        )
        raise ValueError(msg)
    optimizer = optimizers[0]
    for group in optimizer.param_groups:
        # A warm-up scheduler may have set lr to 0 at construction; the group ratios come from
        # the lrs the groups were configured with.
        group["lr"] = group.get("initial_lr", group["lr"])
    return optimizer


def _accumulation(trainer: pl.Trainer) -> int:
    """The micro-batches per update fit uses now: a ``GradientAccumulationScheduler``'s value for
    the current epoch (it sets the trainer's only when the epoch starts, and a callback that runs
    before it would read the last epoch's), else the trainer's own."""
    from lightning.pytorch.callbacks import GradientAccumulationScheduler

    for callback in trainer.callbacks:
        if isinstance(callback, GradientAccumulationScheduler):
            return int(callback.get_accumulate_grad_batches(trainer.current_epoch))
    return int(trainer.accumulate_grad_batches)


def _train_data(
    trainer: pl.Trainer, module: pl.LightningModule, datamodule: Any, train_dataloaders: Any
) -> Iterable[Any]:
    if train_dataloaders is not None and datamodule is not None:
        msg = "pass `train_dataloaders` or `datamodule`, not both (as in trainer.fit)."
        raise ValueError(msg)
    if train_dataloaders is not None:
        data = train_dataloaders
    elif datamodule is not None:
        previous = getattr(datamodule, "trainer", None)
        datamodule.trainer = trainer  # as fit attaches it: setup() may read self.trainer
        try:
            datamodule.prepare_data()
            datamodule.setup("fit")
            data = datamodule.train_dataloader()
        finally:
            datamodule.trainer = previous
    elif trainer.train_dataloader is not None:
        data = trainer.train_dataloader
    elif trainer.datamodule is not None:
        data = trainer.datamodule.train_dataloader()
    elif type(module).train_dataloader is not pl.LightningModule.train_dataloader:
        data = module.train_dataloader()
    else:
        msg = (
            "no training data: pass train_dataloaders=... or datamodule=..., or define "
            f"{type(module).__name__}.train_dataloader()."
        )
        raise ValueError(msg)
    if isinstance(data, Sequence) and len(data) == 1 and not torch.is_tensor(data):
        data = data[0]
    if isinstance(data, (Mapping, Sequence)) and not isinstance(data, torch.utils.data.Dataset):
        msg = (
            f"lrfinder.lightning takes one training dataloader, got a {type(data).__name__} of "
            f"{len(data)}. Pass train_dataloaders= the one to sweep."
        )
        raise ValueError(msg)
    return data
