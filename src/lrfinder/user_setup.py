"""The user's own training setup, built by a factory: ``lrfinder run`` and ``lrfinder verify``.

A *factory* is a function with no arguments that builds a fresh training setup and returns a
:class:`Setup` (or a dict with the same keys, or a ``(model, optimizer, train_data[, loss_fn])``
tuple). lrfinder seeds Python, NumPy and torch with ``seed`` before every call, so each call gives
the same initial weights. From the shell it is named ``FILE.py:NAME`` or ``MODULE:NAME``::

    # my_setup.py
    import torch, lrfinder.user_setup

    def factory():
        model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 2))
        ...
        return lrfinder.user_setup.Setup(model, optimizer, train_loader, loss_fn, val_data=val_loader)

    $ lrfinder run my_setup.py:factory --out runs/

``lrfinder.data:digits_demo`` (the demo's setup) is a factory too. This module imports torch only
inside the functions that train.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import importlib.util
import random
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .result import RangeTestResult

Factory = Callable[[], Any]

#: Files loaded by :func:`load_object`, by the module name given to them: worker processes
#: reload a factory from its file, since they cannot import that name.
_LOADED_FILES: dict[str, Path] = {}

_ALIASES = {
    "train_loader": "train_data",
    "data": "train_data",
    "val_loader": "val_data",
    "valid_loader": "val_data",
    "eval_data": "val_data",
}


@dataclass
class Setup:
    """What a factory returns: everything needed to train from scratch.

    Attributes:
        model: A fresh ``torch.nn.Module`` on the device to train on.
        optimizer: An optimizer over the model's parameters, with each group's intended lr (the
            ratios between groups are kept).
        train_data: An iterable of training batches, e.g. a DataLoader (restarted when exhausted).
        loss_fn: ``loss_fn(outputs, targets) -> scalar tensor`` for ``(inputs, targets)`` batches.
        step_fn: ``step_fn(model, batch) -> scalar loss`` for models that compute their own loss.
        val_data: Held-out batches; ``lrfinder verify`` reports the validation metric on them.
        evaluate: ``evaluate(model, data) -> float | dict[str, float]``: the metric(s) ``verify``
            reports (default: the mean loss on ``val_data``).
    """

    model: Any
    optimizer: Any
    train_data: Any
    loss_fn: Callable[..., Any] | None = None
    step_fn: Callable[..., Any] | None = None
    val_data: Any = None
    evaluate: Callable[..., Any] | None = None


# --- loading a factory ---------------------------------------------------------------------------


def load_object(spec: str, *, name: str = "factory") -> Callable[..., Any]:
    """Returns the callable named by ``FILE.py:NAME`` or ``MODULE:NAME`` (``NAME`` may be dotted).

    A file is loaded under a private module name, and its folder is put on ``sys.path`` so that it
    can import its neighbours (as ``python FILE.py`` would).

    Raises:
        ValueError: If ``spec`` has no ``:NAME`` part, or the module has no such attribute.
        FileNotFoundError: If the file does not exist.
        ImportError: If the module cannot be imported (its own error is chained).
        TypeError: If the object is not callable.
    """
    if not isinstance(spec, str) or spec.count(":") < 1 or not spec.rpartition(":")[2]:
        msg = (
            f"`{name}` must be FILE.py:NAME or MODULE:NAME, got {name}={spec!r}. "
            "Example: my_setup.py:factory"
        )
        raise ValueError(msg)
    where, _, attribute = spec.rpartition(":")
    if where.endswith(".py") or "/" in where or "\\" in where:
        module = _import_file(Path(where), spec)
    else:
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as error:
            if error.name != where.split(".")[0] and error.name != where:
                raise
            msg = (
                f"cannot import module {where!r} (from {spec!r}): {error}. Give a path ending in "
                ".py, or run from the folder that holds the module."
            )
            raise ImportError(msg) from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            defined = sorted(
                key
                for key, value in vars(module).items()
                if callable(value) and not key.startswith("_")
            )
            msg = (
                f"{where!r} has no attribute {attribute!r} (from {spec!r}). "
                f"Callables it defines: {', '.join(defined) or 'none'}."
            )
            raise ValueError(msg)
        target = getattr(target, part)
    if not callable(target):
        kind = type(target).__name__
        article = "an" if kind[:1].lower() in "aeiou" else "a"
        msg = f"`{name}` must name a callable, got {spec!r}, {article} {kind}."
        raise TypeError(msg)
    return target


def _import_file(path: Path, spec: str) -> Any:
    path = path.expanduser().resolve()
    if not path.is_file():
        msg = f"no such file: {str(path)!r} (from {spec!r})."
        raise FileNotFoundError(msg)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    module_name = f"_lrfinder_user_{path.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    loader_spec = importlib.util.spec_from_file_location(module_name, path)
    if loader_spec is None or loader_spec.loader is None:
        msg = f"cannot load {str(path)!r} as Python (from {spec!r})."
        raise ImportError(msg)
    module = importlib.util.module_from_spec(loader_spec)
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    _LOADED_FILES[module_name] = path
    return module


def portable(obj: Any) -> Any:
    """Returns ``obj`` in a form a spawned worker process can load: a spec string or ``obj``.

    A callable from a file loaded by :func:`load_object` becomes ``"/abs/FILE.py:NAME"``; a spec
    string stays as it is; any other callable is returned unchanged (it must be picklable).
    """
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)  # a callable instance has none: keep it
    if callable(obj) and module in _LOADED_FILES and qualname is not None:
        return f"{_LOADED_FILES[module]}:{qualname}"
    return obj


def resolve(obj: Any, *, name: str) -> Callable[..., Any]:
    """Returns ``obj`` if callable, the loaded object if it is a spec string, else raises."""
    if isinstance(obj, str):
        return load_object(obj, name=name)
    if not callable(obj):
        msg = (
            f"`{name}` must be a callable or a 'FILE.py:NAME' string, got {name}={obj!r} "
            f"({type(obj).__name__})."
        )
        raise TypeError(msg)
    return obj


# --- building a setup ----------------------------------------------------------------------------


def build(factory: Factory | str, *, seed: int = 0) -> Setup:
    """Seeds Python, NumPy and torch with ``seed``, calls the factory, returns its :class:`Setup`.

    Raises:
        TypeError: If the factory returns something that is not a setup (see :func:`as_setup`).
    """
    function = resolve(factory, name="factory")
    seed_everything(seed)
    return as_setup(function(), source=f"{_name_of(function)}()")


def as_setup(value: Any, *, source: str = "the factory") -> Setup:
    """Returns ``value`` as a :class:`Setup`: a Setup, a dict, or a 3- or 4-tuple.

    Dict keys are :class:`Setup`'s field names, plus the aliases ``train_loader``/``data`` for
    ``train_data`` and ``val_loader`` for ``val_data`` (the demo's dict works as it is).

    Raises:
        TypeError: If ``value`` is none of these, or ``model``/``optimizer`` have the wrong type.
    """
    if isinstance(value, Setup):
        setup = value
    elif isinstance(value, Mapping):
        known = {f.name for f in fields(Setup)}
        kwargs = {_ALIASES.get(key, key): item for key, item in value.items()}
        unknown = sorted(set(kwargs) - known)
        missing = sorted({"model", "optimizer", "train_data"} - set(kwargs))
        if unknown or missing:
            problem = f"unknown keys {unknown}" if unknown else f"missing keys {missing}"
            msg = (
                f"{source} returned a dict with {problem}; the keys are {sorted(known)} "
                "(train_loader and val_loader are accepted too)."
            )
            raise TypeError(msg)
        setup = Setup(**kwargs)
    elif isinstance(value, (tuple, list)) and len(value) in (3, 4):
        setup = Setup(*value)
    else:
        msg = (
            f"{source} must return an lrfinder.user_setup.Setup, a dict or a "
            f"(model, optimizer, train_data[, loss_fn]) tuple, got {_describe(value)}."
        )
        raise TypeError(msg)
    _check_types(setup, source)
    return setup


def _check_types(setup: Setup, source: str) -> None:
    import torch

    if not isinstance(setup.model, torch.nn.Module):
        msg = f"{source} returned model={_describe(setup.model)}; it must be a torch.nn.Module."
        raise TypeError(msg)
    if not isinstance(setup.optimizer, torch.optim.Optimizer):
        msg = (
            f"{source} returned optimizer={_describe(setup.optimizer)}; it must be a "
            "torch.optim.Optimizer over the model's parameters."
        )
        raise TypeError(msg)
    for key in ("loss_fn", "step_fn", "evaluate"):
        value = getattr(setup, key)
        if value is not None and not callable(value):
            msg = f"{source} returned {key}={_describe(value)}; it must be callable or None."
            raise TypeError(msg)


@contextlib.contextmanager
def kept_rng() -> Iterator[None]:
    """Puts Python's, NumPy's and torch's global random state back as it was on exit (also on
    an error): building setups with :func:`build` seeds them."""
    from .torch_state import _capture_rng, _restore_rng

    saved = _capture_rng()
    try:
        yield
    finally:
        _restore_rng(saved)


def seed_everything(seed: int) -> None:
    """Seeds Python's, NumPy's and torch's global generators (CUDA included)."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@kept_rng()
def range_test_setup(
    factory: Factory | str, *, seed: int = 0, **lr_find_kwargs: Any
) -> RangeTestResult:
    """Builds the setup and runs :func:`lrfinder.lr_find` on it; returns the result.

    ``lr_find_kwargs`` (``start_lr``, ``end_lr``, ``num_steps``, ``method``, ``progress``...) go
    to ``lr_find``. The factory's name is added to the result's metadata. The global random
    state is put back afterwards.
    """
    from .torch import lr_find

    setup = build(factory, seed=seed)
    result = lr_find(
        setup.model,
        setup.optimizer,
        setup.train_data,
        setup.loss_fn,
        step_fn=setup.step_fn,
        **lr_find_kwargs,
    )
    result.metadata["factory"] = factory if isinstance(factory, str) else _name_of(factory)
    result.metadata["seed"] = seed
    return result


def batch_loss(setup: Setup, batch: Any) -> Any:
    """The loss of one batch, with ``lr_find``'s batch conventions (tuple, dict or ``step_fn``)."""
    if setup.step_fn is not None:
        return setup.step_fn(setup.model, batch)
    if isinstance(batch, Mapping):
        output = setup.model(**batch)
        if setup.loss_fn is not None:
            return setup.loss_fn(output, batch)
        return output["loss"] if isinstance(output, Mapping) else output.loss
    if isinstance(batch, Sequence) and len(batch) >= 2 and setup.loss_fn is not None:
        *inputs, targets = batch
        return setup.loss_fn(setup.model(*inputs), targets)
    msg = (
        f"cannot compute a loss from a batch of type {type(batch).__name__}: give the setup a "
        "loss_fn for (inputs, targets) batches, or a step_fn(model, batch) -> loss."
    )
    raise TypeError(msg)


def _name_of(function: Any) -> str:
    module = getattr(function, "__module__", "") or ""
    if module in _LOADED_FILES:
        module = _LOADED_FILES[module].name
    return f"{module}:{getattr(function, '__qualname__', repr(function))}"


def _describe(value: Any) -> str:
    """A short description: a tuple or list by its items' types (a model's repr runs to many
    lines), anything else by its type and the start of its repr."""
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        kinds = ", ".join(type(item).__name__ for item in value[:6])
        more = ", ..." if len(value) > 6 else ""
        return f"a {type(value).__name__} of {len(value)} ({kinds}{more})"
    text = " ".join(repr(value).split())
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value).__name__} {text}"


# --- the `lrfinder run` command ------------------------------------------------------------------


def add_run_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``lrfinder run FILE.py:factory --out DIR``."""
    from .cli import non_negative_int
    from .suggest import DEFAULT_METHOD, SUGGESTERS

    run = subparsers.add_parser(
        "run",
        help="run the range test on your own setup (FILE.py:factory or module:factory)",
        description=(
            "Run the LR range test on the setup built by FACTORY, a function with no arguments "
            "that returns an lrfinder.user_setup.Setup (model, optimizer, train_data, loss_fn, "
            "...) or a dict with those keys. Writes DIR/lrfinder-run.json and .png."
        ),
    )
    run.add_argument("factory", metavar="FACTORY", help="FILE.py:NAME or MODULE:NAME")
    run.add_argument(
        "--out", type=Path, default=Path("lrfinder-run"), metavar="DIR", help="output folder"
    )
    run.add_argument("--start-lr", type=float, default=1e-7)
    run.add_argument("--end-lr", type=float, default=10.0)
    run.add_argument("--num-steps", type=int, default=100, help="steps of the range test")
    run.add_argument(
        "--method", choices=sorted(SUGGESTERS), default=DEFAULT_METHOD, help="suggestion rule"
    )
    run.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed set before calling the factory"
    )
    run.add_argument(
        "--runs",
        default="auto",
        metavar="N",
        help=(
            "range tests from the same start with different batch orders (lr_find(runs=N)): "
            "the suggestion is the median of theirs, with their 10%%-90%% interval. 'auto' (the "
            "default): one run, and five when its curve never clearly descended or is too noisy"
        ),
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.set_defaults(handler=run_command)


def run_command(args: argparse.Namespace) -> int:
    """``lrfinder run``: the range test on the user's setup, with the demo's outputs."""
    from .cli import _write_outputs, output_folder

    # Checked before the factory runs: a bad count should not cost the user a model build.
    runs = run_count(args.runs)
    output_folder(args.out)
    factory = load_object(args.factory)
    print(f"lrfinder run: {args.factory}")
    started = time.perf_counter()
    result = range_test_setup(
        factory,
        seed=args.seed,
        start_lr=args.start_lr,
        end_lr=args.end_lr,
        num_steps=args.num_steps,
        method=args.method,
        progress=not args.no_progress,
        runs=runs,  # later runs' batch orders follow from --seed
    )
    meta = result.metadata
    print(
        f"{meta.get('model')} ({meta.get('num_parameters', 0):,} parameters), "
        f"{meta.get('optimizer')}, batch {meta.get('batch_size')}, device {meta.get('device')}"
    )
    print(f"range test: {time.perf_counter() - started:.1f} s")
    print(result.summary())
    for path in _write_outputs(result, args.out, "lrfinder-run"):
        print(f"wrote {path}")
    return 0


def run_count(text: str) -> int | str:
    """``--runs``: a count >= 1 or ``auto``, or a ValueError that says which."""
    if text == "auto":
        return text
    with contextlib.suppress(ValueError):
        if int(text) >= 1:
            return int(text)
    msg = (
        f"`--runs` must be an integer >= 1 or 'auto', got --runs={text!r}. Use 1 for a single "
        "range test, 5 for an uncertainty band, auto for five only when one cannot be read."
    )
    raise ValueError(msg)
