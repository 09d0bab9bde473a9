"""Keras 3 adapter: ``lr_find(model, x, y)`` on a compiled model, on any Keras backend.

Each point of the range test is one ``model.train_on_batch`` (``gradient_accumulation_steps``
of them when the optimizer accumulates), so the user's ``train_step``, loss, regularization
losses, loss scaling and dtype policy all apply as in ``fit``. The learning rate is written into
the optimizer's learning-rate variable before each update. The loss recorded is the batch's own
loss: the model's metrics are reset before every batch, because Keras' ``logs["loss"]`` is a
running mean since the start of the epoch (the flaw that makes older Keras finders lag).

Restore, whatever happens: every model variable (weights, non-trainable state such as batch-norm
statistics, dropout seed-generator states), every optimizer variable (iteration count, learning
rate, slots, loss scale, gradient accumulators; the optimizer is built first if it was not),
the metrics' state, a learning-rate schedule that was swapped out for the run, and the Python,
NumPy, Keras-global and (on the torch backend) torch RNGs. :class:`LRFinderCallback` re-runs it at
chosen epochs of ``fit``, leaving the training as it would have been. ``keras`` is imported when
this module is, so set ``KERAS_BACKEND`` first, as for Keras itself.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Iterable, Iterator
from typing import Any, Literal

try:
    import keras
except ModuleNotFoundError as error:  # Keras imports its backend at once: say which to set
    if error.name not in ("tensorflow", "jax", "torch"):
        raise
    msg = (
        f"lrfinder.keras: Keras could not load its backend ({error.name} is not installed). Set "
        "KERAS_BACKEND to one you have (KERAS_BACKEND=torch or KERAS_BACKEND=jax) before "
        "importing, or install tensorflow."
    )
    raise ImportError(msg) from error
import numpy as np

from ._version import __version__
from .batches import BatchStream
from .errors import check_fraction, check_int, check_positive_finite, check_result
from .ladder import check_ladder_args
from .multirun import (
    MultiRunResult,
    auto_runs,
    base_seed,
    check_runs,
    reseed_python_and_numpy,
    runs_in_turn,
)
from .range_test import SKIPPED, check_run_options, range_test
from .result import RangeTestResult
from .step_size import SensitivityMeter
from .stopping import StopRule
from .suggest import DEFAULT_METHOD

__all__ = ["LRFinderCallback", "lr_find", "one_cycle", "one_cycle_at"]


def lr_find(
    model: keras.Model,
    x: Any,
    y: Any = None,
    *,
    batch_size: int = 32,
    sample_weight: Any = None,
    shuffle: bool = True,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    stop_factor: float | None = 0.5,
    stop_rule: StopRule | None = None,
    method: str = DEFAULT_METHOD,
    progress: bool = False,
    runs: int | Literal["auto"] = "auto",
    seed: int | None = None,
) -> RangeTestResult:
    """Runs the LR range test on a compiled Keras 3 model and puts every variable back.

    ``x``, ``y`` and ``sample_weight`` take what ``model.fit`` takes: arrays (or dicts/lists of
    arrays), batched here by ``batch_size`` and shuffled with NumPy's RNG (restored afterwards);
    or, with ``y=None``, a ``keras.utils.PyDataset``, a ``tf.data.Dataset``, a PyTorch
    ``DataLoader`` or any iterable of ``(x, y)`` / ``(x, y, sample_weight)`` batches. Data is
    restarted when exhausted (a one-shot generator ends the run with ``"data-exhausted"``).

    A ``LearningRateSchedule`` is replaced by a plain learning-rate variable for the run and put
    back afterwards (not on the JAX backend, whose compiled step cannot see the swap: compile a
    twin with a float learning rate there).

    Args:
        model: A built and compiled ``keras.Model``.
        x, y, sample_weight: Training data, as for ``model.fit``.
        batch_size: Batch size for array data (use the one you will train with).
        shuffle: Shuffle array data before each pass.
        start_lr, end_lr, num_steps, mode: The ladder (see :func:`lrfinder.ladder`).
        stop_factor, stop_rule, method, progress: As in :func:`lrfinder.range_test`.
        runs: ``"auto"`` (the default): one run, and five when its curve never clearly
            descended or is too noisy to read alone, as in :func:`lrfinder.lr_find` (the first
            run stands, with a note, when ``x`` is a one-shot iterator or the run was
            interrupted); ``result.metadata["runs_auto"]`` says which. An integer runs the test
            that many times from the same weights and optimizer state, each later run with the
            Python and NumPy RNGs (and torch's, on that backend) reseeded, so shuffled arrays
            come in another order (a dataset shuffles itself, or not): a
            :class:`lrfinder.multirun.MultiRunResult`. Dropout layers keep their own seed
            state, restored for every run, so their masks repeat.
        seed: With ``runs``: seeds the later runs (default: derived from NumPy's RNG state,
            which is left untouched).

    Returns:
        A :class:`lrfinder.RangeTestResult` (a ``MultiRunResult`` for several runs);
        ``metadata["framework"] == "keras"``.

    Raises:
        ValueError, TypeError: If the model is not compiled or built, or for bad arguments.

    Example:
        >>> import keras, numpy as np, lrfinder.keras
        >>> keras.utils.set_random_seed(0)
        >>> X = np.random.randn(512, 8).astype("float32"); y = X @ np.random.randn(8, 1)
        >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        >>> result = lrfinder.keras.lr_find(model, X, y, batch_size=32, num_steps=60)
        >>> result.stop_reason, 1e-3 < result.suggestion < 10.0
        ('diverged', True)
    """
    arguments = dict(locals())  # exactly the parameters, for several runs to call again with
    optimizer = _check_model(model)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    check_ladder_args(start_lr, end_lr, num_steps, mode)
    for name, flag in (("shuffle", shuffle), ("progress", progress)):
        if not isinstance(flag, bool):
            msg = f"`{name}` must be True or False, got {name}={flag!r}."
            raise TypeError(msg)
    check_run_options(method, stop_factor, stop_rule)
    runs = check_runs(runs, seed)
    if runs == "auto":
        one_shot = "`x` is a one-shot iterator (pass arrays, a dataset or a list to run it again)"
        return auto_runs(
            lambda count: lr_find(**{**arguments, "runs": count}),
            cannot_rerun=one_shot if isinstance(x, Iterator) else None,
        )
    if runs > 1:
        return _several_runs(arguments, runs, seed)
    stream = BatchStream(
        _batches(x, y, sample_weight, batch_size, shuffle),
        "`x` yielded no batches: pass non-empty training data.",
    )
    accumulation = int(getattr(_inner(optimizer), "gradient_accumulation_steps", None) or 1)
    raw_iterations = int(keras.ops.convert_to_numpy(_inner(optimizer)._iterations))
    if raw_iterations % accumulation:
        msg = (
            f"the optimizer is in the middle of a gradient-accumulation window ({raw_iterations} "
            f"micro-batches done, gradient_accumulation_steps={accumulation}): run the range test "
            "between windows."
        )
        raise ValueError(msg)
    if not optimizer.built:
        optimizer.build(model.trainable_variables)  # as the first train step would
    metadata = _metadata(model, optimizer, batch_size, accumulation)
    metadata |= _momentum_lag(metadata, start_lr, end_lr, num_steps, mode)
    state = _KerasState.capture(model, optimizer)
    try:
        lr_variable = _settable_lr(optimizer)
        step = _Step(model, optimizer, lr_variable, stream, accumulation)
        result = range_test(
            step,
            start_lr=start_lr,
            end_lr=end_lr,
            num_steps=num_steps,
            mode=mode,
            stop_factor=stop_factor,
            stop_rule=stop_rule,
            method=method,
            progress=progress,
            metadata=metadata,
        )
    finally:
        state.restore()
    sensitivity = step.meter.value()
    if sensitivity is not None:  # read by the default suggestion: lrfinder.step_size
        result.metadata["update_sensitivity"] = sensitivity
    return result


def _several_runs(arguments: dict[str, Any], runs: int, seed: int | None) -> MultiRunResult:
    """``runs=N``: :func:`lr_find` N times in turn, each later run reseeded; RNGs put back."""
    rng = _rng_state()
    base = base_seed(seed, rng["numpy"][1].tobytes())

    def run(run_seed: int | None) -> RangeTestResult:
        # Arrays are shuffled from NumPy's RNG: reseeded, they come in another order. (A list
        # is not permuted here: Keras reads a list as several inputs, not as batches.)
        if run_seed is not None:
            reseed_python_and_numpy(run_seed)
            if "torch" in rng:
                import torch

                torch.manual_seed(run_seed)
        return lr_find(**{**arguments, "runs": 1})

    try:
        return runs_in_turn(run, runs=runs, base=base, method=arguments["method"])
    finally:
        _set_rng_state(rng)


def one_cycle(
    result: RangeTestResult,
    total_steps: int,
    *,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> keras.optimizers.schedules.CosineDecay:
    """Returns a 1cycle schedule peaking at ``result.suggestion``, to pass as an optimizer's
    ``learning_rate``.

    It is Keras' own ``CosineDecay`` with a warm-up, set to torch's ``OneCycleLR`` defaults: the
    lr climbs from ``peak / div_factor`` to the peak over the first ``pct_start`` of
    ``total_steps``, then anneals along a cosine to ``peak / (div_factor * final_div_factor)``.
    Two differences from torch's: Keras warms up along a straight line (torch along a cosine),
    and a Keras schedule cannot cycle momentum, so momentum stays where the optimizer has it.
    ``benchmarks/quality_keras.py`` trains with this schedule. Keras serialises it with the model.

    Args:
        result: A range-test result (its ``suggestion`` is the peak).
        total_steps: Optimizer updates in the whole training run (``epochs * steps_per_epoch``,
            divided by ``gradient_accumulation_steps`` when the optimizer accumulates). At least 2.
        pct_start: Fraction of the steps spent climbing, in (0, 1).
        div_factor: The start is ``peak / div_factor``.
        final_div_factor: The end is ``start / final_div_factor``.

    Raises:
        TypeError: If ``result`` is not a range-test result.
        ValueError: For a bad ``total_steps``, ``pct_start`` or factor.

    Example:
        >>> import numpy as np, lrfinder
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
        >>> result = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> schedule = one_cycle(result, total_steps=1000)
        >>> peak = float(schedule(300))
        >>> bool(np.isclose(peak, result.suggestion)), bool(np.isclose(float(schedule(0)), peak / 25))
        (True, True)
    """
    peak = check_result(
        result,
        hint="Pass what lrfinder.keras.lr_find returned, or use one_cycle_at(peak_lr, ...).",
    )
    return one_cycle_at(
        peak,
        total_steps,
        pct_start=pct_start,
        div_factor=div_factor,
        final_div_factor=final_div_factor,
    )


def one_cycle_at(
    peak_lr: float,
    total_steps: int,
    *,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> keras.optimizers.schedules.CosineDecay:
    """:func:`one_cycle` peaking at ``peak_lr`` (for a rate you chose yourself)."""
    peak_lr = check_positive_finite("peak_lr", peak_lr)
    total_steps = check_int("total_steps", total_steps, minimum=2)
    pct_start = check_fraction("pct_start", pct_start)
    div_factor = check_positive_finite("div_factor", div_factor)
    final_div_factor = check_positive_finite("final_div_factor", final_div_factor)
    warmup_steps = min(max(1, round(pct_start * total_steps)), total_steps - 1)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak_lr / div_factor,
        decay_steps=total_steps - warmup_steps,
        alpha=1.0 / (div_factor * final_div_factor),
        warmup_target=peak_lr,
        warmup_steps=warmup_steps,
        name="OneCycle",
    )


class LRFinderCallback(keras.callbacks.Callback):
    """Runs :func:`lr_find` at the start of the given epochs of a ``model.fit``.

    The run uses the model's live optimizer state and leaves training exactly where it was. Results
    are kept in ``results`` by epoch; ``on_result(model, result)`` may act on them.

    Args:
        x, y, sample_weight: The data of the range test, as for :func:`lr_find` (usually the
            training data given to ``fit``).
        epochs: The 0-based epochs at whose start to run (default: the first only).
        on_result: Called with ``(model, result)`` after each run.
        **kwargs: Passed to :func:`lr_find` (``batch_size``, ``start_lr``, ``num_steps``...).

    Example:
        >>> finder = LRFinderCallback(np.zeros((64, 8)), np.zeros((64, 1)), epochs=(0, 5))
        >>> finder.epochs
        (0, 5)
    """

    def __init__(
        self,
        x: Any,
        y: Any = None,
        *,
        sample_weight: Any = None,
        epochs: Iterable[int] = (0,),
        on_result: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.epochs = tuple(int(epoch) for epoch in epochs)
        if any(epoch < 0 for epoch in self.epochs):
            msg = f"`epochs` must be 0-based epoch numbers >= 0, got epochs={self.epochs!r}."
            raise ValueError(msg)
        self.data = (x, y, sample_weight)
        self.on_result = on_result
        self.kwargs = kwargs
        self.results: dict[int, RangeTestResult] = {}

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if epoch not in self.epochs or epoch in self.results:
            return
        x, y, sample_weight = self.data
        result = lr_find(self.model, x, y, sample_weight=sample_weight, **self.kwargs)
        self.results[epoch] = result
        if self.on_result is not None:
            self.on_result(self.model, result)


class _Step:
    """``step(lr)``: one optimizer update (``accumulation`` batches); returns the mean batch loss.

    While :attr:`meter` measures (the early steps; :mod:`lrfinder.step_size`), it also reads how
    far the update moved the trainable weights: a copy of them on their device before the
    update, then two norms, one host read per step."""

    def __init__(
        self,
        model: keras.Model,
        optimizer: Any,
        lr_variable: Any,
        stream: BatchStream,
        accumulation: int,
    ) -> None:
        self.model = model
        self.lr_variable = lr_variable
        self.stream = stream
        self.accumulation = accumulation
        self.scale = getattr(optimizer, "dynamic_scale", None)  # LossScaleOptimizer
        self.meter = SensitivityMeter()

    def __call__(self, lr: float) -> Any:
        self.lr_variable.assign(lr)
        scale_before = self._scale()
        before = self._copy_weights() if self.meter.measuring else None
        total = 0.0
        for _ in range(self.accumulation):
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(self.stream.next())
            self.model.reset_metrics()  # logs["loss"] is a running mean: make it this batch's
            logs = self.model.train_on_batch(x, y, sample_weight, return_dict=True)
            total += float(logs["loss"])
        if self.scale is not None and self._scale() < scale_before:
            return SKIPPED  # the loss scale backed off: the update was skipped
        if before is not None:
            self._measure(lr, before)
        return total / self.accumulation

    def _copy_weights(self) -> Any:
        try:
            return _flat_weights(self.model)  # a new tensor: the update cannot touch it
        except Exception:  # a variable the ops cannot read: a reading must never fail the
            self.meter.give_up()  # user's range test, so the knee stands alone
            return None

    def _measure(self, lr: float, before: Any) -> None:
        try:
            update = keras.ops.subtract(_flat_weights(self.model), before)
            squares = keras.ops.stack(
                [keras.ops.sum(before * before), keras.ops.sum(update * update)]
            )
            weight, moved = (math.sqrt(float(v)) for v in keras.ops.convert_to_numpy(squares))
            self.meter.add(lr, weight, moved)
        except Exception:  # as in _copy_weights
            self.meter.give_up()

    def _scale(self) -> float:
        return float(keras.ops.convert_to_numpy(self.scale)) if self.scale is not None else 0.0


def _flat_weights(model: keras.Model) -> Any:
    """Every trainable weight in one float32 vector (few ops: the cost is per op, on small models)."""
    return keras.ops.concatenate(
        [
            keras.ops.reshape(keras.ops.cast(v.value, "float32"), (-1,))
            for v in model.trainable_variables
        ]
    )


class _ArrayBatches:
    """Re-iterable batches of in-memory arrays, shuffled per pass with NumPy's global RNG."""

    def __init__(self, data: Any, size: int, batch_size: int, shuffle: bool) -> None:
        self.data = data
        self.size = size
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __iter__(self) -> Iterator[Any]:
        order = np.random.permutation(self.size) if self.shuffle else np.arange(self.size)
        for start in range(0, self.size, self.batch_size):
            index = order[start : start + self.batch_size]
            yield keras.tree.map_structure(
                lambda array, index=index: _take(array, index), self.data
            )


class _PyDatasetBatches:
    """Re-iterable batches of a ``keras.utils.PyDataset``, by index."""

    def __init__(self, dataset: Any) -> None:
        self.dataset = dataset

    def __iter__(self) -> Iterator[Any]:
        for index in range(len(self.dataset)):
            yield self.dataset[index]
        self.dataset.on_epoch_end()


def _batches(x: Any, y: Any, sample_weight: Any, batch_size: int, shuffle: bool) -> Iterable[Any]:
    if x is None:
        msg = "`x` must be training data (arrays, a dataset or an iterable of batches), got x=None."
        raise TypeError(msg)
    if isinstance(x, keras.utils.PyDataset) or not _is_arrays(x):
        if y is not None or sample_weight is not None:
            msg = (
                f"`y` and `sample_weight` must be None when `x` is a dataset or iterable, got "
                f"x={type(x).__name__} and y={type(y).__name__}. Put the targets in the batches."
            )
            raise ValueError(msg)
        if isinstance(x, keras.utils.PyDataset):
            return _PyDatasetBatches(x)
        if not isinstance(x, Iterable) or isinstance(x, (str, bytes)):
            msg = f"`x` must be arrays, a dataset or an iterable of batches, got x={type(x).__name__}."
            raise TypeError(msg)
        return x
    data = x if y is None and sample_weight is None else (x, y, sample_weight)
    sizes = {int(leaf.shape[0]) for leaf in keras.tree.flatten(data) if leaf is not None}
    if len(sizes) != 1:
        msg = f"`x`, `y` and `sample_weight` must have the same number of samples, got {sorted(sizes)}."
        raise ValueError(msg)
    return _ArrayBatches(data, sizes.pop(), batch_size, shuffle)


def _is_arrays(x: Any) -> bool:
    leaves = keras.tree.flatten(x)
    return bool(leaves) and all(hasattr(leaf, "shape") and len(leaf.shape) > 0 for leaf in leaves)


def _take(array: Any, index: np.ndarray) -> Any:
    if array is None:
        return None
    if isinstance(array, np.ndarray):
        return array[index]
    return keras.ops.take(array, keras.ops.convert_to_tensor(index), axis=0)


def _inner(optimizer: Any) -> Any:
    return getattr(optimizer, "inner_optimizer", optimizer)


def _check_model(model: Any) -> Any:
    if not isinstance(model, keras.Model):
        msg = f"`model` must be a keras.Model, got model={type(model).__name__}."
        raise TypeError(msg)
    if not getattr(model, "compiled", False) or model.optimizer is None:
        msg = (
            f"`model` must be compiled, got an uncompiled {type(model).__name__}. Call "
            "model.compile(optimizer=..., loss=...) first, as for model.fit."
        )
        raise ValueError(msg)
    if not model.built or not model.trainable_variables:
        msg = (
            f"`model` must be built with trainable weights, got {type(model).__name__} with "
            f"built={model.built} and {len(model.trainable_variables)} trainable variables. Start "
            "it with keras.Input(shape) or call model.build(input_shape) first."
        )
        raise ValueError(msg)
    inner = _inner(model.optimizer)
    if keras.backend.backend() == "jax" and not isinstance(inner._learning_rate, keras.Variable):
        msg = (
            f"the optimizer's learning rate must be a float on the JAX backend, got "
            f"{type(inner._learning_rate).__name__}: the compiled step cannot see a swapped "
            "schedule. Compile a copy of the model with a float learning_rate for the range test."
        )
        raise ValueError(msg)
    return model.optimizer


def _settable_lr(optimizer: Any) -> Any:
    """The learning-rate variable to assign; a schedule is swapped for one (restored later)."""
    inner = _inner(optimizer)
    if isinstance(inner._learning_rate, keras.Variable):
        return inner._learning_rate
    variable = keras.Variable(0.0, dtype="float32", trainable=False, name="lrfinder_lr")
    # Past Keras' attribute tracking: a tracked variable would stay in optimizer.variables
    # after the restore, and checkpoints saved before the range test would no longer load.
    object.__setattr__(inner, "_learning_rate", variable)
    return variable


class _KerasState:
    """A copy of every variable a range test can change, and of the RNGs; ``restore`` puts back."""

    def __init__(self) -> None:
        self.values: list[tuple[Any, np.ndarray]] = []
        self.metrics: list[tuple[Any, np.ndarray]] = []
        self.model: Any = None
        self.inner: Any = None
        self.learning_rate: Any = None
        self.rng: dict[str, Any] = {}
        self.had_global_seed = False
        self.unbuilt: list[Any] = []

    @classmethod
    def capture(cls, model: keras.Model, optimizer: Any) -> _KerasState:
        state = cls()
        state.model = model
        state.inner = _inner(optimizer)
        state.learning_rate = state.inner._learning_rate
        seeds = _global_seed_variables()
        state.had_global_seed = bool(seeds)
        seen: set[int] = set()
        for variable in [*model.variables, *optimizer.variables, *seeds]:
            if id(variable) not in seen:
                seen.add(id(variable))
                state.values.append((variable, np.array(keras.ops.convert_to_numpy(variable))))
        state.metrics = [
            (v, np.array(keras.ops.convert_to_numpy(v))) for v in model.metrics_variables
        ]
        state.rng = _rng_state()
        # The first fit of a freshly compiled model builds its compiled loss and metrics from
        # one batch of the epoch (a draw from the RNGs); the range test's first step builds
        # them instead. Marked unbuilt again, they make that fit take the same path as without
        # the range test, so that it shuffles and drops out alike.
        state.unbuilt = [
            built
            for built in (
                getattr(model, "_compile_loss", None),
                getattr(model, "_compile_metrics", None),
            )
            if built is not None and not getattr(built, "built", True)
        ]
        return state

    def restore(self) -> None:
        object.__setattr__(self.inner, "_learning_rate", self.learning_rate)
        if getattr(self.model, "_jax_state", None) is not None:
            # The JAX backend keeps the compiled step's last state, unsynced if the step failed,
            # and writes it over the variables at the next sync (fit's callbacks): drop it.
            self.model._jax_state = None
            self.model._jax_state_synced = True
        for built in self.unbuilt:
            built.built = False
        for variable, value in self.values:
            variable.assign(value)
        self.model.reset_metrics()  # metrics built during the run start empty, as in fit
        for variable, value in self.metrics:
            variable.assign(value)
        if not self.had_global_seed:  # created during the run: let training create its own
            from keras.src.backend.common import global_state

            global_state.set_global_attribute("global_seed_generator", None)
        _set_rng_state(self.rng)


def _rng_state() -> dict[str, Any]:
    """The Python and NumPy RNGs' states, and torch's (CPU and CUDA, as the PyTorch adapter
    keeps them) on the torch backend."""
    if keras.backend.backend() == "torch" and "torch" in sys.modules:
        from .torch_state import _capture_rng

        return _capture_rng()
    return {"python": random.getstate(), "numpy": np.random.get_state()}


def _set_rng_state(rng: dict[str, Any]) -> None:
    if "torch" in rng:
        from .torch_state import _restore_rng

        _restore_rng(rng)
        return
    random.setstate(rng["python"])
    np.random.set_state(rng["numpy"])


def _global_seed_variables() -> list[Any]:
    """The state of Keras' global SeedGenerator (unseeded random ops), if it exists yet."""
    from keras.src.backend.common import global_state

    generator = global_state.get_global_attribute("global_seed_generator")
    return [generator.state] if generator is not None else []


def _metadata(
    model: keras.Model, optimizer: Any, batch_size: int, accumulation: int
) -> dict[str, Any]:
    inner = _inner(optimizer)
    return {
        "framework": "keras",
        "keras_version": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "lrfinder_version": __version__,
        "model": type(model).__name__,
        "num_parameters": int(model.count_params()),
        "optimizer": type(inner).__name__,
        "optimizer_hyperparameters": _hyperparameters(inner),
        "loss_scaling": inner is not optimizer,
        "dtype_policy": str(model.dtype_policy.name),
        "batch_size": batch_size,
        "accumulation_steps": accumulation,
        "lr_schedule_replaced": not isinstance(inner._learning_rate, keras.Variable),
    }


def _momentum_lag(
    metadata: dict[str, Any], start_lr: float, end_lr: float, num_steps: int, mode: str
) -> dict[str, float]:
    """``{"momentum_lag": lag}`` for SGD with momentum on the exponential ladder, where Keras'
    velocity lags torch's momentum (:func:`lrfinder.step_size.momentum_lag` says how, and what
    reads it); empty elsewhere. On a linear ladder the lag changes at every step: none is
    recorded, and the knee of momentum SGD stands alone, unblended."""
    hyper = metadata.get("optimizer_hyperparameters", {})
    momentum = hyper.get("momentum")
    if metadata.get("optimizer") != "SGD" or not momentum or mode != "exp":
        return {}
    q = (end_lr / start_lr) ** (1.0 / (num_steps - 1))  # the ladder's ratio per step
    m = float(momentum)
    lag = (1 - m) / (1 - m / q)
    if hyper.get("nesterov"):  # the update adds m x the velocity to the plain step
        lag *= 1 + m - m / q
    return {"momentum_lag": min(1.0, lag)}


def _hyperparameters(optimizer: Any) -> dict[str, Any]:
    """The optimizer's plain-number settings, as the torch adapter records them."""
    found = {}
    for name in ("momentum", "nesterov", "weight_decay", "beta_1", "beta_2", "epsilon", "rho"):
        value = getattr(optimizer, name, None)
        if isinstance(value, (bool, int, float)):
            found[name] = value
    return found
