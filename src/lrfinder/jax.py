"""JAX/optax helpers: ``lr_find(update, state, batches)`` and ``set_learning_rate(opt_state, lr)``.

In JAX the training state is an immutable pytree, so a range test needs no snapshot: it threads
its own copy of the state through ``update`` and the caller's ``state`` is never changed (unless
``update`` donates its input buffers; do not donate in the step you pass here). The learning rate
reaches a jitted update as an argument, through ``optax.inject_hyperparams``:
:func:`set_learning_rate` writes it into every injected ``learning_rate`` of an optimizer state
(inside ``optax.chain``, ``multi_transform``, ``MultiSteps``...), keeping their ratios. See
docs/jax.md for the whole recipe, with and without these helpers.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ._version import __version__
from .batches import BatchStream
from .errors import check_int
from .ladder import check_ladder_args
from .multirun import (
    auto_runs,
    base_seed,
    check_runs,
    reordered,
    reseed_python_and_numpy,
    runs_in_turn,
)
from .range_test import range_test
from .result import RangeTestResult
from .step_size import SensitivityMeter
from .stopping import StopRule
from .suggest import DEFAULT_METHOD

__all__ = ["learning_rates", "lr_find", "set_learning_rate"]

Update = Callable[[Any, Any, float], tuple[Any, Any]]
# Newer optax injects with InjectStatefulHyperparamsState, older versions with the other.
_INJECTED = tuple(
    getattr(optax, name)
    for name in ("InjectHyperparamsState", "InjectStatefulHyperparamsState")
    if hasattr(optax, name)
)


def lr_find(
    update: Update,
    state: Any,
    batches: Iterable[Any],
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    accumulation_steps: int = 1,
    stop_factor: float | None = 0.5,
    stop_rule: StopRule | None = None,
    check_every: int = 10,
    method: str = DEFAULT_METHOD,
    progress: bool = False,
    metadata: Mapping[str, Any] | None = None,
    runs: int | Literal["auto"] = "auto",
    seed: int | None = None,
    params: Callable[[Any], Any] | None = None,
    optimizer: str | None = None,
) -> RangeTestResult:
    """Runs the LR range test over ``update(state, batch, lr) -> (state, loss)``.

    Each point calls ``update`` ``accumulation_steps`` times at the same ``lr`` and records the
    mean of their losses (with ``optax.MultiSteps(every_k_schedule=k)``, pass
    ``accumulation_steps=k`` so that a point is one real update). ``batches`` is restarted when
    exhausted, unless it is a one-shot iterator. Losses are fetched from the device
    ``check_every`` steps at a time.

    Args:
        update: One training step: takes the state pytree, a batch and the learning rate, and
            returns the new state and the loss. Usually jitted and built on
            :func:`set_learning_rate`.
        state: The training state (parameters, optimizer state...). It is not changed.
        batches: An iterable of batches.
        start_lr, end_lr, num_steps, mode: The ladder (see :func:`lrfinder.ladder`).
        accumulation_steps: Calls of ``update`` per point.
        stop_factor, stop_rule, check_every, method, progress: As in :func:`lrfinder.range_test`.
        metadata: Extra entries for ``result.metadata``. An optax optimizer is a chain of
            functions whose momentum cannot be read, so pass
            ``{"optimizer_hyperparameters": {"momentum": 0.0}}`` for one without momentum
            (RMSprop, plain SGD) to get the suggestion's correction for it
            (:mod:`lrfinder.batch_noise`). The batch size is read from the first batch (the
            leading dimension of its first array) unless given here as ``batch_size``.
        runs: ``"auto"`` (the default): one run, and five when its curve never clearly
            descended or is too noisy to read alone, as in :func:`lrfinder.lr_find` (the first
            run stands, with a note, when ``batches`` is a one-shot iterator or the run was
            interrupted); ``result.metadata["runs_auto"]`` says which. An integer runs the test
            that many times from ``state``: a list of batches is permuted for each later run,
            and Python's and NumPy's RNGs are reseeded (for iterables that shuffle with them)
            and put back afterwards. Randomness inside ``update`` comes from ``state`` (its
            PRNG keys), the same for every run. Returns a
            :class:`lrfinder.multirun.MultiRunResult`.
        seed: With ``runs``: seeds the later runs (default: derived from NumPy's RNG state,
            which is left untouched).
        params: Where the parameters are in the state, e.g. ``lambda state: state[0]``. With it
            the range test also reads the optimizer's step size early in the test
            (:mod:`lrfinder.step_size`: two norms per early step, fetched with the losses),
            recorded as ``metadata["update_sensitivity"]``. JAX cannot tell parameters from the
            rest of a state, so without it nothing is read and the suggestion is the knee alone.
        optimizer: The optax optimizer's name: ``"adam"``, ``"adamw"``, ``"sgd"`` or
            ``"rmsprop"`` (any other name is recorded, and gets no blend). With ``params``, the
            suggestion blends the knee with the step-size reading as the PyTorch adapter does,
            for the families whose constant was fitted on PyTorch's optimizers: optax's Adam,
            AdamW and SGD (with or without momentum) read the same step size as torch's on the
            same model (``tests/adapters/test_jax.py``); RMSprop only at ``decay=0.99`` (optax's
            default 0.9 reads it on another scale, as Keras' does). The injected
            hyper-parameters (``momentum``, ``decay``...) are recorded beside it, so plain SGD
            and RMSprop also get the suggestion's correction for having no momentum.

    Returns:
        A :class:`lrfinder.RangeTestResult` (a ``MultiRunResult`` for several runs);
        ``metadata["framework"] == "jax"``.

    Example:
        >>> import jax, jax.numpy as jnp, optax, lrfinder.jax
        >>> X = jax.random.normal(jax.random.key(0), (256, 8)); y = X @ jnp.arange(8.0)
        >>> batches = [(X[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32)]
        >>> optimizer = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
        >>> @jax.jit
        ... def update(state, batch, lr):
        ...     params, opt_state = state
        ...     loss, grads = jax.value_and_grad(
        ...         lambda p: jnp.mean((batch[0] @ p - batch[1]) ** 2))(params)
        ...     updates, opt_state = optimizer.update(
        ...         grads, lrfinder.jax.set_learning_rate(opt_state, lr), params)
        ...     return (optax.apply_updates(params, updates), opt_state), loss
        >>> params = jnp.zeros(8)
        >>> result = lrfinder.jax.lr_find(update, (params, optimizer.init(params)), batches,
        ...                               start_lr=1e-5, end_lr=10.0, num_steps=60)
        >>> result.stop_reason, 1e-3 < result.suggestion < 1.0
        ('diverged', True)
    """
    arguments = dict(locals())  # exactly the parameters, for several runs to call again with
    if not callable(update):
        msg = f"`update` must be a callable update(state, batch, lr) -> (state, loss), got update={update!r}."
        raise TypeError(msg)
    accumulation_steps = check_int(
        "accumulation_steps", accumulation_steps, minimum=1, hint="Use 1 for no accumulation."
    )
    if isinstance(batches, (str, bytes)) or not isinstance(batches, Iterable):
        msg = f"`batches` must be an iterable of batches, got batches={type(batches).__name__}."
        raise TypeError(msg)
    if metadata is not None and not isinstance(metadata, Mapping):
        msg = (
            f"`metadata` must be a mapping (a dict), got metadata={type(metadata).__name__}; "
            'pass e.g. {"optimizer_hyperparameters": {"momentum": 0.0}}.'
        )
        raise TypeError(msg)
    check_ladder_args(start_lr, end_lr, num_steps, mode)
    runs = check_runs(runs, seed)
    _refuse_scheduled(_lr_nodes(state))
    facts = _optimizer_facts(state, optimizer)
    if params is not None:
        _check_params(params, state)
    if runs == "auto":
        one_shot = "`batches` is a one-shot iterator (pass a list to run it again)"
        return auto_runs(
            lambda count: lr_find(**{**arguments, "runs": count}),
            cannot_rerun=one_shot if isinstance(batches, Iterator) else None,
        )
    if runs > 1:
        return _several_runs(arguments, runs, seed)
    stream = BatchStream(batches, "`batches` yielded no batches: pass a non-empty iterable.")
    current = [state]
    reading = _StepSizeReading(params, check_every)

    def step(lr: float) -> Any:
        before = current[0]
        total = None
        for _ in range(accumulation_steps):
            current[0], loss = update(current[0], stream.next(), lr)
            total = loss if total is None else total + loss
        reading.add(lr, before, current[0])
        return total if accumulation_steps == 1 else total / accumulation_steps

    # Batches that shuffle with Python's or NumPy's RNG draw from them: put them back, as the
    # other adapters do, so that the user's next epoch is shuffled as it would have been.
    with _kept_host_rng():
        result = range_test(
            step,
            start_lr=start_lr,
            end_lr=end_lr,
            num_steps=num_steps,
            mode=mode,
            stop_factor=stop_factor,
            stop_rule=stop_rule,
            check_every=check_every,
            to_floats=_to_floats,
            method=method,
            progress=progress,
            metadata={
                "framework": "jax",
                "jax_version": jax.__version__,
                "optax_version": optax.__version__,
                "lrfinder_version": __version__,
                "backend": jax.default_backend(),
                "accumulation_steps": accumulation_steps,
                **facts,
                **(metadata or {}),
            },
        )
    # Read after the run: the suggestion's small-batch correction needs it (lrfinder.batch_noise).
    if result.metadata.get("batch_size") is None and stream.first_batch_size:
        result.metadata["batch_size"] = stream.first_batch_size
    sensitivity = reading.value()
    if sensitivity is not None:  # read by the default suggestion: lrfinder.step_size
        result.metadata["update_sensitivity"] = sensitivity
    return result


#: optax's names for the optimizers whose step-size constant was fitted on PyTorch's
#: (``lrfinder.step_size.TYPICAL_STEP_LOG10`` is keyed by torch's class names).
_TORCH_NAMES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}


def _optimizer_facts(state: Any, optimizer: str | None) -> dict[str, Any]:
    """``metadata`` entries naming the optimizer and its injected hyper-parameters."""
    if optimizer is None:
        return {}
    if not isinstance(optimizer, str) or not optimizer:
        msg = (
            f"`optimizer` must be the optax optimizer's name, such as 'adamw' or 'sgd', got "
            f"optimizer={optimizer!r}."
        )
        raise TypeError(msg)
    name = _TORCH_NAMES.get(optimizer.lower(), optimizer)
    hyper: dict[str, float] = {}
    # The first injected node with a learning rate is the optimizer the ladder drives (an
    # injected clip_by_global_norm before it has hyper-parameters too, but no learning rate).
    nodes = _lr_nodes(state)
    if nodes:
        for key, value in nodes[0].hyperparams.items():
            if key != "learning_rate" and np.ndim(value) == 0:
                hyper[key] = float(f"{float(value):.6g}")  # float32 0.99 reads 0.99, as typed
    if name in ("SGD", "RMSprop"):  # optax injects no momentum when it has none
        hyper.setdefault("momentum", 0.0)
    return {"optimizer": name, "optimizer_hyperparameters": hyper}


def _check_params(params: Any, state: Any) -> None:
    """``params(state)`` must give a pytree with floating-point arrays in it."""
    if not callable(params):
        msg = (
            f"`params` must be a function from the state to its parameters, such as "
            f"lambda state: state[0], got params={params!r}."
        )
        raise TypeError(msg)
    try:
        picked = params(state)
    except (IndexError, KeyError, AttributeError, TypeError) as error:
        msg = (
            f"`params(state)` failed with {type(error).__name__}: {error}. Pass the function "
            "that picks the parameters out of the state (for (params, opt_state), "
            "lambda state: state[0])."
        )
        raise ValueError(msg) from error
    leaves = jax.tree_util.tree_leaves(picked)
    if not any(jnp.issubdtype(jnp.result_type(leaf), jnp.floating) for leaf in leaves):
        msg = (
            "`params(state)` holds no floating-point arrays: pass the function that picks the "
            "parameters out of the state (for (params, opt_state), lambda state: state[0])."
        )
        raise ValueError(msg)


@jax.jit
def _norms(before: Any, after: Any) -> tuple[Any, Any]:
    """The L2 norms of the weights before the step and of the step itself, in float32."""
    weight = update = jnp.zeros((), jnp.float32)
    for old, new in zip(
        jax.tree_util.tree_leaves(before), jax.tree_util.tree_leaves(after), strict=True
    ):
        if not jnp.issubdtype(old.dtype, jnp.floating):
            continue
        old, new = old.astype(jnp.float32), new.astype(jnp.float32)
        weight += jnp.sum(old * old)
        update += jnp.sum((new - old) ** 2)
    return jnp.sqrt(weight), jnp.sqrt(update)


class _StepSizeReading:
    """The step-size reading (:class:`lrfinder.step_size.SensitivityMeter`) without a host sync
    per step: JAX states are immutable, so the weights before a step cost no copy; the two norms
    stay on the device and are fetched ``check_every`` steps at a time, as the losses are."""

    def __init__(self, params: Callable[[Any], Any] | None, check_every: int) -> None:
        self.params = params
        self.check_every = max(1, int(check_every))
        self.meter = SensitivityMeter()
        self.pending: list[tuple[float, Any]] = []
        if params is None:
            self.meter.give_up()

    def add(self, lr: float, before: Any, after: Any) -> None:
        if not self.meter.measuring:
            return
        try:
            self.pending.append((lr, _norms(self.params(before), self.params(after))))
        except Exception:  # reading must never fail the user's range test
            self.meter.give_up()
            self.pending.clear()
            return
        if len(self.pending) >= self.check_every:
            self._flush()

    def _flush(self) -> None:
        if not self.pending:
            return
        lrs = [lr for lr, _ in self.pending]
        norms = np.asarray(jax.device_get([pair for _, pair in self.pending]), dtype=np.float64)
        self.pending.clear()
        for lr, (weight, update) in zip(lrs, norms, strict=True):
            self.meter.add(lr, float(weight), float(update))

    def value(self) -> float | None:
        self._flush()  # the last, partial chunk
        return self.meter.value()


def _several_runs(arguments: dict[str, Any], runs: int, seed: int | None) -> RangeTestResult:
    """``runs=N``: :func:`lr_find` N times in turn, a list of batches permuted and Python's and
    NumPy's RNGs reseeded for each later run; the RNGs are put back."""

    def run(run_seed: int | None) -> RangeTestResult:
        batches = arguments["batches"]
        if run_seed is not None:
            reseed_python_and_numpy(run_seed)
            batches = reordered(batches, run_seed)
        return lr_find(**{**arguments, "batches": batches, "runs": 1})

    with _kept_host_rng() as (_, numpy_state):
        base = base_seed(seed, numpy_state[1].tobytes())
        return runs_in_turn(run, runs=runs, base=base, method=arguments["method"])


@contextlib.contextmanager
def _kept_host_rng() -> Iterator[tuple[Any, Any]]:
    """Python's and NumPy's RNG states, yielded, and put back on exit (also on an error)."""
    saved = random.getstate(), np.random.get_state()
    try:
        yield saved
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])


def set_learning_rate(opt_state: Any, lr: Any, ratios: Sequence[float] | None = None) -> Any:
    """Returns a copy of ``opt_state`` whose injected learning rates are ``lr`` times their ratio.

    Every ``optax.inject_hyperparams`` state with a ``learning_rate`` hyper-parameter is found, in
    pytree order. The first gets ``lr``; each other gets ``lr * ratio``. By default a ratio is
    the state's current ratio to the first (all 1 if the first is 0), so ratios carry over from
    step to step up to float32 rounding; for exact ratios, pass ``ratios`` computed once from
    :func:`learning_rates` of the initial state. ``opt_state`` is not modified: this works inside
    and outside ``jax.jit``.

    Raises:
        ValueError: If ``opt_state`` has no injected ``learning_rate``.

    Example:
        >>> import jax.numpy as jnp, optax
        >>> opt = optax.multi_transform(
        ...     {"body": optax.inject_hyperparams(optax.sgd)(learning_rate=0.1),
        ...      "head": optax.inject_hyperparams(optax.sgd)(learning_rate=0.01)},
        ...     {"w": "body", "b": "head"})
        >>> state = set_learning_rate(opt.init({"w": jnp.ones(2), "b": jnp.ones(1)}), 1.0)
        >>> [round(lr, 6) for lr in learning_rates(state)]
        [1.0, 0.1]
    """
    nodes = _injected(opt_state)
    if ratios is None:
        # Works on tracers too: the first lr is non-zero, or all are zero (ratio 1).
        first = nodes[0].hyperparams["learning_rate"]
        safe = jnp.where(first == 0, 1.0, first)
        ratios = [
            jnp.where(first == 0, 1.0, node.hyperparams["learning_rate"] / safe) for node in nodes
        ]
    elif len(ratios) != len(nodes):
        msg = (
            f"`ratios` must have one entry per injected learning rate ({len(nodes)}), got "
            f"ratios={list(ratios)!r}."
        )
        raise ValueError(msg)
    position = iter(range(len(nodes)))

    def replace(node: Any) -> Any:
        if not _has_lr(node):
            return node
        old = node.hyperparams["learning_rate"]
        index = next(position)
        value = lr if index == 0 else lr * ratios[index]  # the first is exactly `lr`
        new = jnp.asarray(value, dtype=jnp.result_type(old))
        return node._replace(hyperparams={**node.hyperparams, "learning_rate": new})

    return jax.tree_util.tree_map(replace, opt_state, is_leaf=_has_lr)


def learning_rates(opt_state: Any) -> list[float]:
    """The injected ``learning_rate`` hyper-parameters of ``opt_state``, in pytree order.

    Raises:
        ValueError: If ``opt_state`` has no injected ``learning_rate``.
    """
    return [float(node.hyperparams["learning_rate"]) for node in _injected(opt_state)]


def _injected(opt_state: Any) -> list[Any]:
    nodes = _lr_nodes(opt_state)
    _refuse_scheduled(nodes)
    if not nodes:
        msg = (
            "`opt_state` has no injected learning rate: build the optimizer with "
            "optax.inject_hyperparams(optax.adamw)(learning_rate=...) so that the range test can "
            "set it."
        )
        raise ValueError(msg)
    return nodes


def _refuse_scheduled(nodes: Sequence[Any]) -> None:
    """A learning rate injected as a schedule is recomputed from it at every update, over
    whatever the ladder set: the range test would record rates that were never applied."""
    for node in nodes:
        if "learning_rate" in (getattr(node, "hyperparams_states", None) or {}):
            msg = (
                "the optimizer's injected learning_rate is a schedule: optax recomputes it from "
                "the schedule at every update, so the range test could not set it. Build the "
                "optimizer for the range test with a number, "
                "optax.inject_hyperparams(optax.adamw)(learning_rate=1e-3), and keep the "
                "schedule for training."
            )
            raise ValueError(msg)


def _lr_nodes(tree: Any) -> list[Any]:
    """The ``inject_hyperparams`` states with a ``learning_rate`` in ``tree``, in pytree order."""
    return [node for node in jax.tree_util.tree_leaves(tree, is_leaf=_has_lr) if _has_lr(node)]


def _has_lr(node: Any) -> bool:
    return isinstance(node, _INJECTED) and "learning_rate" in node.hyperparams


def _to_floats(values: Sequence[Any]) -> list[float]:
    """One device-to-host transfer for a chunk of losses."""
    return [float(v) for v in np.asarray(jax.device_get(list(values)), dtype=np.float64)]
