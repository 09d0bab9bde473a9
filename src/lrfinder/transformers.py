"""Hugging Face Transformers adapter: ``lr_find(trainer)`` over a ``transformers.Trainer``.

The range test runs through :func:`lrfinder.torch.lr_find` with what the Trainer would train
with: ``trainer.model``; ``trainer.optimizer``, or the one ``trainer.create_optimizer()`` builds
(decay and no-decay groups, ``args.learning_rate``), which is discarded afterwards so that
``trainer.train()`` builds its own as usual; the batches of ``trainer.get_train_dataloader()``;
the loss of ``trainer.compute_loss`` (so a subclass's custom loss, ``compute_loss_func`` and label
smoothing apply) under the accelerator's autocast (``bf16``/``fp16``; fp16 on CUDA also uses
the accelerator's GradScaler); ``args.gradient_accumulation_steps`` (one point per update, the mean
of the micro-batch losses) and ``args.max_grad_norm``.

Everything is restored as in the PyTorch adapter (weights, optimizer state, RNGs, train/eval
mode); the Trainer's ``state`` (``global_step``...), callbacks, lr scheduler and logs are never
touched, because no training loop runs. The dataloader is read through plain PyTorch iteration,
so accelerate's gradient-sync bookkeeping never sees it.

A caution from the Transformers maintainers (huggingface/transformers#16013): range tests tend to
suggest about 1e-3 when fine-tuning a pretrained transformer, where about 1e-5 works best. When the
model was loaded with ``from_pretrained``, ``lr_find`` warns and records this in
``result.metadata["notes"]``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, Literal

import torch
import transformers

from .errors import check_result
from .result import RangeTestResult
from .stopping import StopRule
from .suggest import DEFAULT_METHOD
from .torch import lr_find as torch_lr_find
from .torch_state import _capture_rng, _restore_rng

__all__ = ["FINE_TUNING_NOTE", "apply", "lr_find"]

#: Recorded in ``result.metadata["notes"]`` (and warned) when the model is a pretrained checkpoint.
FINE_TUNING_NOTE = (
    "fine-tuning a pretrained transformer: LR range tests tend to suggest about 1e-3 where about "
    "1e-5 works best (huggingface/transformers#16013). Treat the suggestion as an upper bound and "
    "compare it with the usual 1e-5 to 5e-5."
)


def lr_find(
    trainer: transformers.Trainer,
    *,
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
    """Runs the LR range test with a Trainer's model, optimizer, data and settings; restores all.

    Args:
        trainer: A ``transformers.Trainer`` with a ``train_dataset``.
        start_lr, end_lr, num_steps, mode: The ladder (see :func:`lrfinder.ladder`).
        stop_factor, stop_rule, check_every, method, progress: As in :func:`lrfinder.torch.lr_find`.
        runs, seed: As in :func:`lrfinder.torch.lr_find`: ``"auto"`` (the default) runs once,
            and five times when that curve never clearly descended or is too noisy to read
            alone; an integer runs that many, each later one with the RNGs reseeded, so the
            Trainer's shuffling sampler gives another order.

    Returns:
        A :class:`lrfinder.RangeTestResult` (a ``MultiRunResult`` for several runs);
        ``metadata["framework"] == "transformers"``.

    Raises:
        ValueError, TypeError: For a Trainer lrfinder cannot run, before any training.

    Example:
        >>> import tempfile, torch, transformers, lrfinder.transformers
        >>> config = transformers.BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2,
        ...     num_attention_heads=2, intermediate_size=37)
        >>> _ = torch.manual_seed(0)
        >>> model = transformers.BertForSequenceClassification(config)
        >>> ids = torch.randint(1, 100, (64, 12)); labels = (ids[:, 0] > 50).long()
        >>> data = [{"input_ids": i, "labels": y} for i, y in zip(ids, labels)]
        >>> args = transformers.TrainingArguments(tempfile.mkdtemp(), report_to=[],
        ...     per_device_train_batch_size=16, use_cpu=True)
        >>> trainer = transformers.Trainer(model=model, args=args, train_dataset=data)
        >>> result = lrfinder.transformers.lr_find(trainer, num_steps=40)
        >>> len(result.lrs) > 10, trainer.optimizer is None, trainer.state.global_step
        (True, True, 0)
    """
    if not isinstance(trainer, transformers.Trainer):
        msg = f"`trainer` must be a transformers.Trainer, got trainer={type(trainer).__name__}."
        raise TypeError(msg)
    if trainer.train_dataset is None:
        msg = "`trainer` must have a train_dataset, got train_dataset=None: pass one to Trainer()."
        raise ValueError(msg)
    if trainer.args.world_size > 1:
        msg = (
            f"lrfinder.transformers runs in one process, got world_size={trainer.args.world_size}. "
            "Run it in a single-process session."
        )
        raise ValueError(msg)
    args = trainer.args
    model = trainer.model
    rng = _capture_rng()  # a custom get_train_dataloader or create_optimizer may draw from them
    created = trainer.optimizer is None
    try:  # from here on the RNGs, and the Trainer's optimizer slot, are put back whatever happens
        loader = trainer.get_train_dataloader()
        _forget_dataloader(trainer, loader)
        optimizer = trainer.create_optimizer() if created else trainer.optimizer
        notes = []
        if getattr(getattr(model, "config", None), "_name_or_path", ""):
            notes.append(FINE_TUNING_NOTE)
            warnings.warn(FINE_TUNING_NOTE, stacklevel=2)
        result = torch_lr_find(
            model,
            _inner_optimizer(optimizer),
            _plain(loader),
            start_lr=start_lr,
            end_lr=end_lr,
            num_steps=num_steps,
            mode=mode,
            step_fn=_LossStep(trainer),
            accumulation_steps=args.gradient_accumulation_steps,
            scaler=getattr(trainer.accelerator, "scaler", None),
            max_grad_norm=args.max_grad_norm or None,
            stop_factor=stop_factor,
            stop_rule=stop_rule,
            check_every=check_every,
            method=method,
            progress=progress,
            runs=runs,
            seed=seed,
        )
    finally:
        if created:
            trainer.optimizer = None  # trainer.train() builds its own, as without lr_find
        _restore_rng(rng)
    result.metadata.update(
        framework="transformers",
        transformers_version=transformers.__version__,
        model_name_or_path=getattr(getattr(model, "config", None), "_name_or_path", "") or None,
        bf16=bool(args.bf16),
        fp16=bool(args.fp16),
        max_grad_norm=args.max_grad_norm,
        batch_size=trainer._train_batch_size,
        notes=notes,
    )
    return result


class _LossStep:
    """``step_fn(model, batch)``: the Trainer's input preparation and ``compute_loss``."""

    def __init__(self, trainer: transformers.Trainer) -> None:
        self.trainer = trainer

    def __call__(self, model: torch.nn.Module, batch: Any) -> torch.Tensor:
        trainer = self.trainer
        inputs = trainer._prepare_inputs(batch)
        with trainer.compute_loss_context_manager(), trainer.accelerator.autocast():
            return trainer.compute_loss(model, inputs)


class _PlainLoader:
    """Iterates a prepared DataLoader as a plain ``torch.utils.data.DataLoader``.

    accelerate's ``DataLoaderShard.__iter__`` registers itself with the accelerator's gradient
    state until the epoch ends; a range test stops mid-epoch, so it must not go through it.
    """

    def __init__(self, loader: torch.utils.data.DataLoader) -> None:
        self.loader = loader

    def __iter__(self) -> Iterator[Any]:
        return torch.utils.data.DataLoader.__iter__(self.loader)

    def __getattr__(self, name: str) -> Any:
        if name in ("sampler", "batch_sampler", "generator", "batch_size"):
            return getattr(self.loader, name, None)
        raise AttributeError(name)


class _SizedPlainLoader(_PlainLoader):
    """A :class:`_PlainLoader` over a loader with a length (not over an IterableDataset)."""

    def __len__(self) -> int:
        return len(self.loader)


def _plain(loader: torch.utils.data.DataLoader) -> _PlainLoader:
    try:
        len(loader)
    except TypeError:
        return _PlainLoader(loader)
    return _SizedPlainLoader(loader)


def apply(trainer: transformers.Trainer, result: RangeTestResult) -> float:
    """Makes ``trainer.train()`` train at ``result.suggestion``; returns it.

    The Trainer builds its optimizer and its lr scheduler from ``args.learning_rate`` when
    ``train()`` starts, so that is set. An optimizer that is already there (yours, given as
    ``optimizers=(optimizer, None)``, or the one a previous ``train()`` built) gets the rate too,
    on its first parameter group, with the other groups keeping their ratio to it
    (:func:`lrfinder.schedules.apply`), and the scheduler ``train()`` builds then starts from it.
    The schedule's shape is the Trainer's: for one close to 1cycle, ``TrainingArguments(...,
    lr_scheduler_type="cosine", warmup_steps=0.3)`` (a float below 1 is a fraction of the steps).

    Raises:
        TypeError: If ``result`` is not a range-test result.
        ValueError: If the Trainer already holds an lr scheduler: it was built around the old
            rate and would not follow. Pass ``optimizers=(optimizer, None)`` so that ``train()``
            builds one, or build yours around the suggestion.
    """
    rate = check_result(result, hint="Pass what lrfinder.transformers.lr_find returned.")
    if trainer.lr_scheduler is not None:
        msg = (
            f"the Trainer already has an lr scheduler ({type(trainer.lr_scheduler).__name__}), "
            "built around the old learning rate: it would not follow a new one. Pass "
            "optimizers=(optimizer, None) so that trainer.train() builds one at the suggestion, "
            "or build yours around result.suggestion."
        )
        raise ValueError(msg)
    trainer.args.learning_rate = rate
    if trainer.optimizer is not None:
        from .schedules import apply as apply_to_optimizer

        apply_to_optimizer(result, _inner_optimizer(trainer.optimizer))
    return rate


def _forget_dataloader(trainer: transformers.Trainer, loader: Any) -> None:
    """Drops the accelerator's reference to a dataloader prepared only for the range test."""
    prepared = getattr(trainer.accelerator, "_dataloaders", None)
    if isinstance(prepared, list) and any(item is loader for item in prepared):
        prepared[:] = [item for item in prepared if item is not loader]


def _inner_optimizer(optimizer: Any) -> torch.optim.Optimizer:
    """The torch optimizer inside accelerate's ``AcceleratedOptimizer`` (after trainer.train())."""
    inner = getattr(optimizer, "optimizer", None)
    return inner if isinstance(inner, torch.optim.Optimizer) else optimizer
