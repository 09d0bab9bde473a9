"""An exact, in-memory snapshot of a PyTorch training setup, and its restore.

What is captured (and put back bit for bit, into the *same* tensor objects where they still
exist, so optimizers, DDP gradient buckets and user references keep pointing at live data):

* every parameter and buffer of the model (non-persistent buffers too) and every ``.grad``;
* parameters the optimizer holds outside the model;
* each submodule's ``training`` flag, the other plain attributes of modules you defined (flags,
  counters: a layer's "initialized on the first batch" flag), and parameters and buffers
  registered as None;
* the optimizer's per-parameter state (Adam moments, step counts...), and that of any optimizer
  it wraps (Lookahead and the like hold one as an attribute), and every param group's
  hyper-parameters (lr, betas, momentum, weight decay...; a tensor lr is put back into the same
  tensor), and the flag an LR scheduler reads to warn about calling it before the optimizer;
* a GradScaler's scale, growth tracker and per-optimizer stage;
* the RNG states of Python, NumPy, torch's CPU generator and every CUDA device's generator (or,
  before CUDA starts, the seed torch queued for it), and any ``torch.Generator`` attached to
  the data loader or its samplers.

The copies live on ``snapshot_device`` (the host by default), never doubling GPU memory, and
nothing is written to disk.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch


@dataclass
class _TensorSlot:
    """Where a tensor lives (``owner.<store>[name]``), the live object, and a saved copy."""

    owner: Any
    store: str
    name: str
    live: torch.Tensor
    saved: torch.Tensor


@dataclass
class TrainingState:
    """A snapshot taken by :meth:`capture`; :meth:`restore` puts everything back."""

    slots: list[_TensorSlot] = field(default_factory=list)
    grads: list[tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]] = field(
        default_factory=list
    )
    modes: list[tuple[torch.nn.Module, bool]] = field(default_factory=list)
    #: Each module's plain attributes (flags, counters: ActNorm's "initialized", say).
    attributes: list[tuple[torch.nn.Module, tuple[dict[str, Any], frozenset[str]]]] = field(
        default_factory=list
    )
    #: Parameters and buffers registered as None.
    empty_slots: list[tuple[torch.nn.Module, str, str]] = field(default_factory=list)
    #: The optimizer, then any optimizer it wraps (Lookahead-style wrappers keep their own).
    optimizers: list[_OptimizerCopy] = field(default_factory=list)
    scaler: Any = None
    scaler_state: dict[str, Any] | None = None
    scaler_stages: Any = None
    rng: dict[str, Any] = field(default_factory=dict)
    generators: list[tuple[torch.Generator, torch.Tensor]] = field(default_factory=list)
    #: Samplers that shuffle by epoch (``set_epoch``), and their epoch.
    epochs: list[tuple[Any, int]] = field(default_factory=list)

    @classmethod
    def capture(
        cls,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        *,
        scaler: Any = None,
        data: Any = None,
        snapshot_device: str | torch.device = "cpu",
    ) -> TrainingState:
        """Copies everything a range test can change (see the module docstring)."""
        state = cls()
        to_host = _copier(snapshot_device)
        with torch.no_grad():
            for module in model.modules():
                state.modes.append((module, module.training))
                if not type(module).__module__.startswith("torch."):
                    # Yours: torch's own modules keep no such flags of the model's state, and
                    # wrappers (DDP, FSDP) keep flags tied to hooks and reducers that a reset
                    # would put out of step (DDP's lazy init would run, and register, twice).
                    state.attributes.append((module, _plain_attributes(module)))
                for store in ("_parameters", "_buffers"):
                    for name, tensor in getattr(module, store).items():
                        if tensor is not None:
                            state.slots.append(
                                _TensorSlot(module, store, name, tensor, to_host(tensor))
                            )
                        else:  # registered empty: a forward pass may fill it
                            state.empty_slots.append((module, store, name))
            seen = {id(slot.live) for slot in state.slots}
            for group in optimizer.param_groups:
                for param in group["params"]:
                    if id(param) not in seen:  # held by the optimizer only
                        seen.add(id(param))
                        state.slots.append(_TensorSlot(None, "", "", param, to_host(param)))
            params = [slot.live for slot in state.slots if slot.store != "_buffers"]
            for param in params:
                grad = param.grad
                state.grads.append((param, grad, None if grad is None else to_host(grad)))
            state.optimizers = [
                _OptimizerCopy.capture(each, to_host) for each in _optimizers_within(optimizer)
            ]
        if scaler is not None:
            state.scaler = scaler
            state.scaler_state = scaler.state_dict()
            state.scaler_stages = copy.deepcopy(getattr(scaler, "_per_optimizer_states", None))
        state.rng = _capture_rng()
        state.generators = [(g, g.get_state()) for g in _data_generators(data)]
        state.epochs = [(sampler, sampler.epoch) for sampler in epoch_samplers(data)]
        return state

    def restore(self) -> None:
        """Puts back everything :meth:`capture` copied; safe to call more than once."""
        with torch.no_grad():
            for slot in self.slots:
                if slot.owner is not None and getattr(slot.owner, slot.store).get(
                    slot.name
                ) is not (slot.live):
                    getattr(slot.owner, slot.store)[slot.name] = slot.live  # replaced mid-run
                slot.live.copy_(slot.saved)
            for param, grad, saved in self.grads:
                if grad is None:
                    param.grad = None
                else:
                    grad.copy_(saved)
                    if param.grad is not grad:
                        param.grad = grad
            for module, training in self.modes:
                module.training = training
            for module, saved_attributes in self.attributes:
                _restore_plain_attributes(module, saved_attributes)
            for module, store, name in self.empty_slots:
                slots = getattr(module, store)
                if name in slots:
                    slots[name] = None
            for saved in self.optimizers:
                saved.restore()
        if self.scaler is not None and self.scaler_state:
            self.scaler.load_state_dict(self.scaler_state)
            if self.scaler_stages is not None:
                self.scaler._per_optimizer_states = copy.deepcopy(self.scaler_stages)
        _restore_rng(self.rng)
        for generator, generator_state in self.generators:
            generator.set_state(generator_state)
        for sampler, epoch in self.epochs:  # a full pass during the run moved it on
            sampler.set_epoch(epoch)


@dataclass
class _OptimizerCopy:
    """One optimizer's per-parameter state, param-group hyper-parameters and step flags."""

    optimizer: torch.optim.Optimizer
    flags: dict[str, Any]
    groups: list[dict[str, Any]]
    state: list[tuple[Any, dict[str, Any], dict[str, Any]]]

    @classmethod
    def capture(cls, optimizer: torch.optim.Optimizer, to_host: Any) -> _OptimizerCopy:
        state = []
        for param, param_state in optimizer.state.items():
            saved = {
                key: to_host(value) if torch.is_tensor(value) else copy.deepcopy(value)
                for key, value in param_state.items()
            }
            state.append((param, dict(param_state), saved))
        return cls(
            optimizer=optimizer,
            flags={name: optimizer.__dict__.get(name, _ABSENT) for name in _OPTIMIZER_FLAGS},
            groups=[
                {key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
                for group in optimizer.param_groups
            ],
            state=state,
        )

    def restore(self) -> None:
        optimizer = self.optimizer
        for group, saved in zip(optimizer.param_groups, self.groups, strict=True):
            live = dict(group)
            group.clear()
            for key, value in saved.items():
                group[key] = _restored_value(live.get(key), value)
            group["params"] = live["params"]
        for name, value in self.flags.items():
            if value is _ABSENT:
                optimizer.__dict__.pop(name, None)
            else:
                setattr(optimizer, name, value)
        restored: dict[Any, dict[str, Any]] = {}
        for param, live, saved in self.state:
            entry = {}
            for key, value in saved.items():
                original = live.get(key)
                if torch.is_tensor(value) and torch.is_tensor(original):
                    original.copy_(value)
                    entry[key] = original
                else:
                    entry[key] = copy.deepcopy(value)
            restored[param] = entry
        optimizer.state.clear()
        optimizer.state.update(restored)


_PLAIN = (bool, int, float, complex, str, bytes, type(None))


def _plain_attributes(module: torch.nn.Module) -> tuple[dict[str, Any], frozenset[str]]:
    """The module's attributes that hold plain values (flags, counters, sizes), which a forward
    pass may change (a data-dependent initialisation that runs once, say), and the names of all
    its attributes."""
    attributes = vars(module)
    plain = {name: value for name, value in attributes.items() if type(value) in _PLAIN}
    return plain, frozenset(attributes)


def _restore_plain_attributes(
    module: torch.nn.Module, saved: tuple[dict[str, Any], frozenset[str]]
) -> None:
    """Puts the plain values back, and removes plain attributes the run added (an "initialized"
    flag set on the first batch); an attribute that existed before is never removed, and the
    others are left alone."""
    plain, names = saved
    attributes = vars(module)
    for name in [n for n, v in attributes.items() if type(v) in _PLAIN and n not in names]:
        del attributes[name]
    for name, value in plain.items():
        if attributes.get(name, _ABSENT) is not value:
            attributes[name] = value


def _optimizers_within(optimizer: torch.optim.Optimizer) -> list[torch.optim.Optimizer]:
    """``optimizer``, then the optimizers it holds as attributes, and theirs (a Lookahead or
    other wrapper steps an inner optimizer whose moments live in that one's ``state``)."""
    found = [optimizer]
    for holder in found:  # grows as inner optimizers are found
        for value in vars(holder).values():
            if isinstance(value, torch.optim.Optimizer) and all(value is not f for f in found):
                found.append(value)
    return found


#: Attributes torch sets on an optimizer as it steps: an LR scheduler wraps ``step`` to set
#: ``_opt_called``, and warns when ``scheduler.step()`` comes before any ``optimizer.step()``;
#: the range test's steps would otherwise silence that warning for the user's own training.
_OPTIMIZER_FLAGS = ("_opt_called",)
_ABSENT = object()


def _restored_value(live: Any, saved: Any) -> Any:
    """A hyper-parameter put back: into the live tensor where the group held one (a tensor lr,
    tensor betas), so that whatever refers to it (a captured CUDA graph, a scheduler, the
    user's own variable) sees the restored value; a fresh copy of the saved value otherwise."""
    if torch.is_tensor(saved) and torch.is_tensor(live) and live.shape == saved.shape:
        with torch.no_grad():
            live.copy_(saved)
        return live
    if isinstance(saved, tuple) and isinstance(live, tuple) and len(live) == len(saved):
        return tuple(_restored_value(a, b) for a, b in zip(live, saved, strict=True))
    return copy.deepcopy(saved)


def _copier(device: str | torch.device) -> Any:
    target = torch.device(device)

    def copy_to(tensor: torch.Tensor) -> torch.Tensor:
        return tensor.detach().to(target, copy=True)

    return copy_to


def _capture_rng() -> dict[str, Any]:
    rng: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        rng["cuda"] = torch.cuda.get_rng_state_all()
    else:
        rng["cuda_seeds"] = _queued_cuda_seeds()
    return rng


def _queued_cuda_seeds() -> tuple[Any, Any, list[Any]] | None:
    """The CUDA seeds ``torch.manual_seed`` queued while CUDA is not initialised yet.

    torch seeds CUDA lazily: ``torch.manual_seed(s)`` before CUDA starts only records the call,
    and CUDA's generators are seeded with the latest one when CUDA starts. A range test that
    seeds (several runs, a setup factory) would replace the user's queued seed with its own, and
    the user's first CUDA dropout mask afterwards would differ. None where torch keeps no such
    record (the attribute is torch's own, read only if present).
    """
    tracker = getattr(torch.cuda, "_lazy_seed_tracker", None)
    if tracker is None or not hasattr(tracker, "call_order"):
        return None
    return (tracker.manual_seed_all_cb, tracker.manual_seed_cb, list(tracker.call_order))


def _restore_queued_cuda_seeds(saved: tuple[Any, Any, list[Any]] | None) -> None:
    tracker = getattr(torch.cuda, "_lazy_seed_tracker", None)
    if saved is None or tracker is None:
        return
    if torch.cuda.is_initialized():
        # CUDA started during the run (a factory moved a model to the GPU) and took the range
        # test's seed: seed it as it would have been seeded with the user's queued calls.
        for call in saved[2]:
            if call is not None:
                call[0]()
        return
    tracker.manual_seed_all_cb, tracker.manual_seed_cb = saved[0], saved[1]
    tracker.call_order = list(saved[2])


def _restore_rng(rng: dict[str, Any]) -> None:
    if not rng:
        return
    random.setstate(rng["python"])
    np.random.set_state(rng["numpy"])
    torch.set_rng_state(rng["torch"])
    if "cuda" in rng:
        torch.cuda.set_rng_state_all(rng["cuda"])
    if "cuda_seeds" in rng:
        _restore_queued_cuda_seeds(rng["cuda_seeds"])


def epoch_samplers(data: Any) -> list[Any]:
    """The samplers of a data loader that shuffle by epoch: they reseed themselves from their
    ``epoch`` at every pass (``DistributedSampler``, accelerate's ``SeedableRandomSampler``), so
    a range test that makes a full pass moves it on, and reseeding their generator does not
    change their order."""
    found: list[Any] = []
    for holder in _data_holders(data)[1:]:  # the samplers, not the loader
        if (
            callable(getattr(holder, "set_epoch", None))
            and isinstance(getattr(holder, "epoch", None), int)
            and all(holder is not f for f in found)
        ):
            found.append(holder)
    return found


def _data_generators(data: Any) -> list[torch.Generator]:
    """The torch.Generators a DataLoader (or its samplers) draws from, if any."""
    found: list[torch.Generator] = []
    for holder in _data_holders(data):
        generator = getattr(holder, "generator", None)
        if isinstance(generator, torch.Generator) and all(generator is not g for g in found):
            found.append(generator)
    return found


def _data_holders(data: Any) -> list[Any]:
    """A data loader, its sampler, its batch sampler and that one's sampler (None if absent)."""
    batch_sampler = getattr(data, "batch_sampler", None)
    return [
        data,
        getattr(data, "sampler", None),
        batch_sampler,
        getattr(batch_sampler, "sampler", None),
    ]
