"""The bad-input catalogue: every mistake gets an error the user can act on, and nothing is trained.

Each case calls ``lr_find`` (or the core, or ``load``) with one thing wrong and checks the exact
message and, through a fingerprint of parameters, buffers, gradients, train flags, optimizer state
and RNG states, that the model was left exactly as it was.
"""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lrfinder

torch = pytest.importorskip("torch")

from _reliability import Setup, fingerprint, make_setup  # noqa: E402 - after the torch check

NOTE_AT_STEP_0 = "lrfinder: the range test failed at step 0 (lr=1e-07); partial curve attached."
MSE = torch.nn.functional.mse_loss


class _DictModel(torch.nn.Module):
    """Takes ``model(**batch)`` and returns a tuple, which has no ``loss``."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor]:
        return (self.linear(x),)


class _Batch:
    """A batch type lr_find cannot look into, so its tensors are not moved to the model's device."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y


def _frozen(setup: Setup) -> dict[str, Any]:
    model = torch.nn.Linear(4, 1).requires_grad_(False)
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1)}


def _meta(setup: Setup) -> dict[str, Any]:
    model = torch.nn.Linear(4, 1, device="meta")
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1)}


def _foreign_optimizer(setup: Setup) -> dict[str, Any]:
    return {"optimizer": torch.optim.SGD(torch.nn.Linear(4, 1).parameters(), lr=0.1)}


def _no_parameters(setup: Setup) -> dict[str, Any]:
    return {"model": torch.nn.ReLU()}


def _group_lrs(first: float, second: float) -> Callable[[Setup], dict[str, Any]]:
    def build(setup: Setup) -> dict[str, Any]:
        model = setup.model
        groups = [
            {"params": list(model[0].parameters()), "lr": first},
            {"params": list(model[4].parameters()), "lr": second},
        ]
        return {"optimizer": torch.optim.SGD(groups, lr=0.1)}

    return build


def _dict_model(setup: Setup) -> dict[str, Any]:
    model = _DictModel()
    batch = {"x": torch.randn(4, 4), "y": torch.randn(4, 1)}
    return {
        "model": model,
        "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
        "data": [batch],
        "loss_fn": None,
    }


X4, Y4 = torch.randn(4, 4), torch.randn(4, 1)
META_X = torch.randn(4, 4, device="meta")

# (id, what to change, error type, exact message, note added by the range test or None)
LR_FIND_CASES: list[tuple[str, Any, type[BaseException], str, str | None]] = [
    (
        "start_lr-zero",
        {"start_lr": 0},
        ValueError,
        "`start_lr` must be a finite number > 0, got start_lr=0. Use a tiny learning rate such "
        "as 1e-7.",
        None,
    ),
    (
        "start_lr-negative",
        {"start_lr": -1e-3},
        ValueError,
        "`start_lr` must be a finite number > 0, got start_lr=-0.001. Use a tiny learning rate "
        "such as 1e-7.",
        None,
    ),
    (
        "start_lr-nan",
        {"start_lr": math.nan},
        ValueError,
        "`start_lr` must be a finite number > 0, got start_lr=nan. Use a tiny learning rate such "
        "as 1e-7.",
        None,
    ),
    (
        "start_lr-string",
        {"start_lr": "1e-7"},
        TypeError,
        "`start_lr` must be a real number, got start_lr='1e-7' (str).",
        None,
    ),
    (
        "end_lr-inf",
        {"end_lr": math.inf},
        ValueError,
        "`end_lr` must be a finite number > 0, got end_lr=inf. Use a large learning rate such "
        "as 10.",
        None,
    ),
    (
        "start_lr-above-end_lr",
        {"start_lr": 1.0, "end_lr": 0.1},
        ValueError,
        "`end_lr` must be greater than `start_lr`, got start_lr=1.0, end_lr=0.1. The ladder climbs "
        "from start_lr to end_lr.",
        None,
    ),
    (
        "start_lr-equals-end_lr",
        {"start_lr": 0.1, "end_lr": 0.1},
        ValueError,
        "`end_lr` must be greater than `start_lr`, got start_lr=0.1, end_lr=0.1. The ladder climbs "
        "from start_lr to end_lr.",
        None,
    ),
    (
        "num_steps-one",
        {"num_steps": 1},
        ValueError,
        "`num_steps` must be an integer >= 2, got num_steps=1. A range test needs at least 2 "
        "steps; 100 is usual.",
        None,
    ),
    (
        "num_steps-float",
        {"num_steps": 2.5},
        TypeError,
        "`num_steps` must be an integer, got num_steps=2.5 (float).",
        None,
    ),
    (
        "num_steps-bool",
        {"num_steps": True},
        TypeError,
        "`num_steps` must be an integer, got num_steps=True (bool).",
        None,
    ),
    (
        "mode-unknown",
        {"mode": "log"},
        ValueError,
        "`mode` must be one of 'exp', 'linear', got mode='log'.",
        None,
    ),
    (
        "method-unknown",
        {"method": "fastai"},
        ValueError,
        f"`method` must be one of {', '.join(map(repr, lrfinder.SUGGESTERS))}, got method='fastai'.",
        None,
    ),
    (
        "stop_factor-zero",
        {"stop_factor": 0},
        ValueError,
        "`stop_factor` must be a finite number > 0, got stop_factor=0. Use None to turn "
        "divergence stopping off.",
        None,
    ),
    (
        "stop_factor-negative",
        {"stop_factor": -0.5},
        ValueError,
        "`stop_factor` must be a finite number > 0, got stop_factor=-0.5. Use None to turn "
        "divergence stopping off.",
        None,
    ),
    (
        "check_every-zero",
        {"check_every": 0},
        ValueError,
        "`check_every` must be an integer >= 1, got check_every=0.",
        None,
    ),
    (
        "accumulation_steps-zero",
        {"accumulation_steps": 0},
        ValueError,
        "`accumulation_steps` must be an integer >= 1, got accumulation_steps=0. Use 1 for no "
        "accumulation.",
        None,
    ),
    (
        "accumulation_steps-float",
        {"accumulation_steps": 1.5},
        TypeError,
        "`accumulation_steps` must be an integer, got accumulation_steps=1.5 (float).",
        None,
    ),
    (
        "max_grad_norm-zero",
        {"max_grad_norm": 0.0},
        ValueError,
        "`max_grad_norm` must be a finite number > 0, got max_grad_norm=0.0.",
        None,
    ),
    (
        "amp_dtype-string",
        {"amp": True, "amp_dtype": "float16"},
        TypeError,
        "`amp_dtype` must be a torch.dtype, got amp_dtype='float16'. Pass e.g. "
        "amp_dtype=torch.bfloat16.",
        None,
    ),
    (
        "amp_dtype-not-a-float-type",
        {"amp": True, "amp_dtype": torch.int32},
        ValueError,
        "`amp_dtype` must be torch.float16 or torch.bfloat16, got amp_dtype=torch.int32: "
        "autocast runs in no other precision (it would silently stay off).",
        None,
    ),
    (
        "train_mode-string",
        {"train_mode": "no"},
        TypeError,
        "`train_mode` must be True or False, got train_mode='no'.",
        None,
    ),
    (
        "progress-string",
        {"progress": "yes"},
        TypeError,
        "`progress` must be True or False, got progress='yes'.",
        None,
    ),
    (
        "snapshot_device-unknown",
        {"snapshot_device": "gpu"},
        ValueError,
        "`snapshot_device` must be a device torch knows, got snapshot_device='gpu'. Use \"cpu\" "
        "(the default, which keeps the snapshot off the accelerator) or a device such as "
        '"cuda:0".',
        None,
    ),
    (
        "runs-zero",
        {"runs": 0},
        ValueError,
        "`runs` must be an integer >= 1, got runs=0. Use 1 for one run, 5 for an uncertainty band.",
        None,
    ),
    (
        "runs-float",
        {"runs": 1.5},
        TypeError,
        "`runs` must be an integer, got runs=1.5 (float).",
        None,
    ),
    (
        "init_fn-not-callable",
        {"runs": 2, "init_fn": "xavier"},
        TypeError,
        "`init_fn` must be callable as init_fn(model), got init_fn='xavier'.",
        None,
    ),
    (
        "seed-negative",
        {"runs": 2, "seed": -1},
        ValueError,
        "`seed` must be >= 0, got seed=-1.",
        None,
    ),
    (
        "batched-not-a-bool",
        {"runs": 2, "batched": "yes"},
        TypeError,
        "`batched` must be True, False or None (automatic), got batched='yes'.",
        None,
    ),
    (
        "batched-impossible",
        {"runs": 2, "batched": True},
        ValueError,
        "`batched` is True but the batched path cannot run this setup: BatchNorm1d '1' updates "
        "running statistics, which the batched path does not update per copy. Use batched=None "
        "to fall back to sequential runs.",
        None,
    ),
    (
        "model-not-a-module",
        {"model": "resnet"},
        TypeError,
        "`model` must be a torch.nn.Module, got model=str.",
        None,
    ),
    (
        "optimizer-not-an-optimizer",
        {"optimizer": {"lr": 0.1}},
        TypeError,
        "`optimizer` must be a torch.optim.Optimizer, got optimizer=dict.",
        None,
    ),
    (
        "optimizer-needs-a-closure",
        lambda setup: {"optimizer": torch.optim.LBFGS(setup.model.parameters(), lr=0.1)},
        TypeError,
        "`optimizer` must step without a closure, got optimizer=LBFGS, whose step(closure) "
        "re-evaluates the loss itself. A line-search optimizer picks its own step size, so an lr "
        "range test does not apply to it.",
        None,
    ),
    (
        "model-without-parameters",
        _no_parameters,
        ValueError,
        "`model` has no parameters: there is nothing to train.",
        None,
    ),
    (
        "model-without-trainable-parameters",
        _frozen,
        ValueError,
        "`model` has no trainable parameters (requires_grad is False for all of them). Unfreeze "
        "the layers you will train (param.requires_grad_(True)) before the range test.",
        None,
    ),
    (
        "optimizer-without-the-models-parameters",
        _foreign_optimizer,
        ValueError,
        "`optimizer` holds none of the model's parameters (2 tensors in 1 param groups, none of "
        "them in `model`). Build it with optimizer = torch.optim.AdamW(model.parameters(), ...) "
        "from this model.",
        None,
    ),
    (
        "model-on-meta-device",
        _meta,
        ValueError,
        "`model` has parameters on the meta device (shapes only, no data). Materialize it first: "
        "model.to_empty(device=...) and load its weights.",
        None,
    ),
    (
        "first-group-lr-zero",
        _group_lrs(0.0, 0.1),
        ValueError,
        "the first param group's lr must be > 0 when other groups have one, got "
        "param_groups[0]['lr']=0.0: the ladder drives the first group and the others keep their "
        "ratio to it.",
        None,
    ),
    (
        "group-lr-nan",
        _group_lrs(0.1, math.nan),
        ValueError,
        "every param group's lr must be finite and >= 0, got [0.1, nan].",
        None,
    ),
    (
        "data-not-iterable",
        {"data": 5},
        TypeError,
        "`data` must be an iterable of batches (a DataLoader), got data=int.",
        None,
    ),
    (
        "data-empty",
        {"data": []},
        ValueError,
        "`data` is empty (len(data) == 0): pass a DataLoader with at least one batch.",
        None,
    ),
    (
        "data-exhausted-at-once",
        lambda setup: {"data": iter([])},
        ValueError,
        "`data` yielded no batches: pass a non-empty DataLoader or iterable.",
        NOTE_AT_STEP_0,
    ),
    (
        "data-empty-generator",
        lambda setup: {"data": (batch for batch in [])},
        ValueError,
        "`data` yielded no batches: pass a non-empty DataLoader or iterable.",
        NOTE_AT_STEP_0,
    ),
    (
        "loss_fn-a-class",
        {"loss_fn": torch.nn.MSELoss},
        TypeError,
        "`loss_fn` is the class MSELoss, not a function: pass an instance, loss_fn=MSELoss().",
        None,
    ),
    (
        "loss_fn-not-callable",
        {"loss_fn": "mse"},
        TypeError,
        "`loss_fn` must be callable, got loss_fn='mse'.",
        None,
    ),
    (
        "loss_fn-missing",
        {"loss_fn": None},
        TypeError,
        "`loss_fn` is required for (inputs, targets) batches, got loss_fn=None. Pass "
        "loss_fn=torch.nn.functional.cross_entropy (or your loss), or step_fn=lambda model, "
        "batch: ... for a model that computes its own loss.",
        NOTE_AT_STEP_0,
    ),
    (
        "step_fn-not-callable",
        {"step_fn": 3},
        TypeError,
        "`step_fn` must be callable, got step_fn=3.",
        None,
    ),
    (
        "scaler-not-a-scaler",
        {"scaler": "fp16"},
        TypeError,
        "`scaler` must be a torch.amp.GradScaler, got scaler=str.",
        None,
    ),
    (
        "batch-a-bare-tensor",
        {"data": [X4]},
        TypeError,
        "cannot tell inputs from targets in a batch of type Tensor: batches must be (inputs, "
        "targets) tuples or dicts. Pass step_fn=lambda model, batch: loss to compute the loss "
        "yourself.",
        NOTE_AT_STEP_0,
    ),
    (
        "batch-a-one-tuple",
        {"data": [(X4,)]},
        TypeError,
        "cannot tell inputs from targets in a batch of type tuple: batches must be (inputs, "
        "targets) tuples or dicts. Pass step_fn=lambda model, batch: loss to compute the loss "
        "yourself.",
        NOTE_AT_STEP_0,
    ),
    (
        "batch-a-string",
        {"data": ["some text"]},
        TypeError,
        "cannot tell inputs from targets in a batch of type str: batches must be (inputs, "
        "targets) tuples or dicts. Pass step_fn=lambda model, batch: loss to compute the loss "
        "yourself.",
        NOTE_AT_STEP_0,
    ),
    (
        "batch-of-the-wrong-shape",
        {"data": [(torch.randn(4, 3), Y4)]},
        RuntimeError,
        "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x8)",  # torch's own message
        NOTE_AT_STEP_0,
    ),
    (
        "output-without-loss",
        _dict_model,
        TypeError,
        "the model's output (tuple) has no `loss`: pass loss_fn=... (called as loss_fn(output, "
        "batch)) or step_fn=...",
        NOTE_AT_STEP_0,
    ),
    (
        "loss-not-a-scalar",
        {"loss_fn": lambda output, target: (output - target) ** 2},
        ValueError,
        "the loss must be a scalar, got a tensor of shape (16, 1): reduce it (reduction='mean') "
        "before returning it.",
        NOTE_AT_STEP_0,
    ),
    (
        "loss-without-grad",
        {"loss_fn": lambda output, target: MSE(output.detach(), target)},
        ValueError,
        "the loss does not require grad: is the forward pass under torch.no_grad(), or are all "
        "the parameters it uses frozen?",
        NOTE_AT_STEP_0,
    ),
    (
        "loss-a-python-float",
        {"loss_fn": lambda output, target: MSE(output, target).item()},
        TypeError,
        "the loss must be a scalar torch.Tensor, got float: return the tensor itself, not "
        "loss.item().",
        NOTE_AT_STEP_0,
    ),
    (
        # A CPU-only machine has one real device; "meta" stands in for the other one. Batches in
        # tuples, lists and dicts are moved to the model's device (here: a meta tensor cannot be).
        "batch-on-another-device",
        {"data": [(META_X, Y4)]},
        NotImplementedError,
        "Cannot copy out of meta tensor; no data!",  # torch's own message
        NOTE_AT_STEP_0,
    ),
    (
        # A batch type lr_find cannot look into reaches step_fn as it is, on its own device.
        "batch-on-another-device-in-step_fn",
        {
            "data": [_Batch(META_X, Y4)],
            "loss_fn": None,
            "step_fn": lambda model, batch: MSE(model(batch.x), batch.y),
        },
        RuntimeError,
        "Tensor on device cpu is not on the expected device meta!",  # torch's own message
        NOTE_AT_STEP_0,
    ),
]


class TestLrFindRejects:
    @pytest.mark.parametrize(
        ("change", "error_type", "message", "note"),
        [case[1:] for case in LR_FIND_CASES],
        ids=[case[0] for case in LR_FIND_CASES],
    )
    def test_names_the_mistake_and_trains_nothing(self, change, error_type, message, note):
        """Each bad input raises its exact message, and the model, optimizer and RNG are untouched."""
        setup = make_setup()
        kwargs = {"model": setup.model, "optimizer": setup.optimizer, "data": setup.data}
        kwargs |= {"loss_fn": MSE, "num_steps": 10}
        kwargs |= change(setup) if callable(change) else change
        watched = _watched(kwargs, setup)
        before = fingerprint(*watched)

        with pytest.raises(error_type) as excinfo:
            lrfinder.lr_find(**kwargs)

        assert str(excinfo.value) == message
        assert getattr(excinfo.value, "__notes__", None) == (None if note is None else [note])
        assert fingerprint(*watched) == before

    def test_lazy_parameters_are_named_before_any_work(self):
        """A model with uninitialised lazy layers gets our message, not torch's from deep inside
        the snapshot (its parameters cannot be copied or compared, hence a test of its own)."""
        setup = make_setup()
        model = torch.nn.Sequential(torch.nn.LazyLinear(1))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

        with pytest.raises(ValueError) as excinfo:
            lrfinder.lr_find(model, optimizer, setup.data, MSE, num_steps=10)

        assert str(excinfo.value) == (
            "`model` has lazy parameters that are not initialised yet (torch.nn.LazyLinear and "
            "the like): run one forward pass on a batch, model(inputs), then build the optimizer "
            "and call lr_find."
        )
        assert isinstance(model[0].weight, torch.nn.parameter.UninitializedParameter)

    def test_catalogue_is_large(self):
        """The catalogue holds at least 25 distinct lr_find mistakes."""
        ids = [case[0] for case in LR_FIND_CASES]

        assert len(set(ids)) == len(ids) >= 25

    def test_error_during_the_run_carries_the_partial_curve(self):
        """A mistake found at the first step attaches an empty partial result to the error."""
        setup = make_setup()

        with pytest.raises(ValueError) as excinfo:
            lrfinder.lr_find(setup.model, setup.optimizer, setup.data, lambda o, t: (o - t) ** 2)

        partial = excinfo.value.lrfinder_result
        assert (partial.stop_reason, len(partial.losses)) == ("error", 0)


def _watched(kwargs: dict[str, Any], setup: Setup) -> tuple[Any, ...]:
    """What to fingerprint: the model and optimizer passed (where readable), and the data loader."""
    model, optimizer = kwargs["model"], kwargs["optimizer"]
    usable = isinstance(model, torch.nn.Module) and isinstance(optimizer, torch.optim.Optimizer)
    if not usable or any(p.is_meta for p in model.parameters()):
        model, optimizer = setup.model, setup.optimizer
    return model, optimizer, None, setup.data


class TestLrFindOddButValid:
    def test_one_shot_iterator_ends_the_run_cleanly(self):
        """Data that runs out after one batch gives a one-point result, flagged, with no suggestion."""
        setup = make_setup()
        before = setup.fingerprint()

        result = lrfinder.lr_find(setup.model, setup.optimizer, iter([(X4, Y4)]), MSE, num_steps=10)

        assert (result.stop_reason, len(result.losses)) == ("data-exhausted", 1)
        assert result.warnings[:2] == [
            "Only 1 finite losses were recorded: too few for any suggestion. Lower start_lr or run "
            "more steps.",
            "The data ran out after 1 of 10 steps and could not be restarted; pass a re-iterable "
            "(a DataLoader) or fewer num_steps.",
        ]
        with pytest.raises(
            lrfinder.NotEnoughPointsError, match=rf"^{lrfinder.DEFAULT_METHOD} needs at least 3 "
        ):
            _ = result.suggestion
        assert setup.fingerprint() == before

    @pytest.mark.parametrize("kind", ["StepLR", "OneCycleLR"])
    def test_attached_scheduler_is_harmless(self, kind):
        """With a scheduler attached, training after lr_find matches training without it.

        lr_find restores every param group exactly (``initial_lr`` and the current lr included)
        and never calls ``scheduler.step()``, so the scheduler's own state is untouched: no
        warning is needed. The only trace is torch's private ``optimizer._opt_called`` flag, which
        only silences torch's "scheduler.step() before optimizer.step()" warning.
        """
        trained = []
        for run_lr_find in (False, True):
            setup = make_setup()
            scheduler = _scheduler(kind, setup.optimizer)
            if run_lr_find:
                lrfinder.lr_find(setup.model, setup.optimizer, setup.data, MSE, num_steps=20)
            trained.append(_train(setup, scheduler))

        assert trained[0] == trained[1]


def _scheduler(kind: str, optimizer: Any) -> Any:
    if kind == "StepLR":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, total_steps=50)


def _train(setup: Setup, scheduler: Any) -> tuple[Any, list[float]]:
    """Five scheduled training steps; returns the final fingerprint and the lrs seen."""
    setup.model.train()
    lrs = []
    for step, (x, y) in enumerate(setup.data):
        if step == 5:
            break
        setup.optimizer.zero_grad()
        MSE(setup.model(x), y).backward()
        setup.optimizer.step()
        scheduler.step()
        lrs.append(setup.optimizer.param_groups[0]["lr"])
    state = setup.fingerprint()
    state["tensors"] = {name: data for name, (_, *data) in state["tensors"].items()}  # no ids
    del state["optimizer_params"]
    return state, lrs


class TestRangeTestRejects:
    @pytest.mark.parametrize(
        ("kwargs", "error_type", "message"),
        [
            (
                {"stop_rule": "diverged"},
                TypeError,
                "`stop_rule` must be a lrfinder.StopRule, got stop_rule='diverged'. Build one "
                "with StopRule(stop_factor=...), or subclass it.",
            ),
            (
                {"to_floats": "float"},
                TypeError,
                "`to_floats` must be callable, got to_floats='float'.",
            ),
            (
                {"metadata": ["run 1"]},
                TypeError,
                "`metadata` must be a dict of JSON-friendly facts, got metadata=['run 1']. Pass "
                "e.g. metadata={'model': 'resnet18'}.",
            ),
            (
                {"check_every": 1.5},
                TypeError,
                "`check_every` must be an integer, got check_every=1.5 (float).",
            ),
        ],
        ids=["stop_rule", "to_floats", "metadata", "check_every"],
    )
    def test_rejects_before_the_first_step(self, kwargs, error_type, message):
        """A bad core argument is reported before ``step`` is ever called."""
        calls = []

        with pytest.raises(error_type) as excinfo:
            lrfinder.range_test(lambda lr: calls.append(lr) or 1.0, **kwargs)

        assert str(excinfo.value) == message
        assert calls == []

    def test_rejects_a_step_that_is_not_callable(self):
        """``step`` must be a function of the learning rate."""
        with pytest.raises(TypeError) as excinfo:
            lrfinder.range_test(0.5)

        assert str(excinfo.value) == "`step` must be a callable step(lr) -> loss, got step=0.5."


def _saved(tmp_path: Path) -> tuple[Path, str]:
    """A real saved result with NaN and inf losses, and its text."""
    lrs = np.logspace(-4, 0, 9)
    losses = [2.0, 1.9, 1.5, 1.0, 0.7, 0.9, 1.8, math.inf, math.nan]
    result = lrfinder.RangeTestResult(lrs, losses, "non-finite", 1e-4, 1.0, 9)
    path = result.save(tmp_path / "run.json")
    return path, path.read_text(encoding="utf-8")


def _rewritten(tmp_path: Path, **fields: Any) -> Path:
    """The saved result with some fields replaced."""
    path, text = _saved(tmp_path)
    data = json.loads(text) | fields
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


class TestLoadRejects:
    def test_corrupt_bytes(self, tmp_path):
        """Binary garbage is reported as not JSON, not as a decoding traceback."""
        path = tmp_path / "run.json"
        path.write_bytes(b"\x80\x04\x95garbage")

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is not valid JSON (truncated or corrupt?): 'utf-8' codec can't decode "
            "byte 0x80 in position 0: invalid start byte."
        )

    def test_truncated_file(self, tmp_path):
        """A file cut short mid-write is reported as truncated, with where it ends."""
        path, text = _saved(tmp_path)
        cut = text[: text.index('"losses"')]
        path.write_text(cut, encoding="utf-8")
        line, column = cut.count("\n") + 1, len(cut) - cut.rindex("\n")

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is not valid JSON (truncated or corrupt?): Expecting property name "
            f"enclosed in double quotes: line {line} column {column} (char {len(cut)})."
        )

    def test_absurd_nesting(self, tmp_path):
        """JSON nested past Python's recursion limit is reported as corrupt, not a RecursionError."""
        path = tmp_path / "run.json"
        path.write_text("[" * 100_000, encoding="utf-8")

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is not valid JSON (truncated or corrupt?): maximum recursion depth "
            "exceeded while decoding a JSON array from a unicode string."
        )

    def test_newer_version(self, tmp_path):
        """A file from a newer format version asks for an upgrade."""
        path = _rewritten(tmp_path, version=99)

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} was written by a newer lrfinder (format version 99; this is lrfinder "
            f"{lrfinder.__version__}, which reads up to 1). Upgrade lrfinder."
        )

    @pytest.mark.parametrize("version", [True, 0, "1", None])
    def test_invalid_version(self, tmp_path, version):
        """A version that is not a positive integer marks the file as damaged."""
        path = _rewritten(tmp_path, version=version)

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is a damaged lrfinder result: its 'version' is {version!r}."
        )

    @pytest.mark.parametrize(
        "text", ['{"lrs": [1e-3], "losses": [1.0]}', "[1, 2, 3]", '"lrfinder"', "null"]
    )
    def test_not_ours(self, tmp_path, text):
        """Valid JSON of another shape is named as not an lrfinder result."""
        path = tmp_path / "other.json"
        path.write_text(text, encoding="utf-8")

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is not an lrfinder result (no 'format': 'lrfinder.RangeTestResult' "
            "field)."
        )

    @pytest.mark.parametrize(
        ("fields", "reason"),
        [
            ({"num_steps": "9"}, "`num_steps` must be an integer, got num_steps='9' (str)"),
            ({"num_steps": 8.5}, "`num_steps` must be an integer, got num_steps=8.5 (float)"),
            ({"start_lr": True}, "`start_lr` must be a real number, got start_lr=True (bool)"),
            (
                {"end_lr": -1.0},
                "`end_lr` must be a finite number > 0, got end_lr=-1.0",
            ),
            ({"mode": 5}, "`mode` must be one of 'exp', 'linear', got mode=5"),
            ({"lrs": "abc"}, "unexpected string 'a' among the numbers"),
            ({"losses": [1.0, [2.0]]}, "unexpected list [2.0] among the numbers"),
            ({"losses": [10**400]}, "int too large to convert to float"),
            (
                {"stop_reason": "exploded"},
                "`stop_reason` must be one of 'completed', 'diverged', 'non-finite', "
                "'interrupted', 'data-exhausted', 'error', got stop_reason='exploded'",
            ),
            (
                {"metadata": [1]},
                "cannot convert dictionary update sequence element #0 to a sequence",
            ),
            ({"lrs": None}, "'NoneType' object is not iterable"),
        ],
        ids=[
            "num_steps-str",
            "num_steps-float",
            "start_lr-bool",
            "end_lr-negative",
            "mode-int",
            "lrs-str",
            "losses-nested",
            "losses-overflow",
            "stop_reason",
            "metadata-list",
            "lrs-null",
        ],
    )
    def test_wrong_type_field(self, tmp_path, fields, reason):
        """A field of the wrong type or value marks the file as damaged, naming the field."""
        path = _rewritten(tmp_path, **fields)

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == f"{str(path)!r} is a damaged lrfinder result: {reason}."

    def test_missing_field(self, tmp_path):
        """A missing field is named."""
        path, text = _saved(tmp_path)
        data = json.loads(text)
        del data["losses"]
        path.write_text(json.dumps(data), encoding="utf-8")

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is a damaged lrfinder result: its 'losses' field is missing."
        )

    def test_missing_file(self, tmp_path):
        """A path that does not exist raises the usual FileNotFoundError."""
        path = tmp_path / "nowhere.json"

        with pytest.raises(FileNotFoundError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == f"[Errno 2] No such file or directory: {str(path)!r}"

    def test_pickle_is_rejected_unrun(self, tmp_path):
        """A pickle whose payload would run code is rejected as not JSON, and nothing runs."""
        marker = tmp_path / "pwned"
        path = tmp_path / "run.json"
        path.write_bytes(pickle.dumps(_Payload(str(marker))))

        with pytest.raises(lrfinder.ResultFileError, match="is not valid JSON"):
            lrfinder.load(path)

        assert not marker.exists()

    def test_yaml_python_tag_is_rejected(self, tmp_path):
        """A YAML-style ``!!python/object`` document is not JSON, so it is rejected as such."""
        marker = tmp_path / "pwned"
        path = tmp_path / "run.json"
        path.write_text(f"!!python/object/apply:pathlib.Path.touch [{str(marker)!r}]\n")

        with pytest.raises(lrfinder.ResultFileError) as excinfo:
            lrfinder.load(path)

        assert str(excinfo.value) == (
            f"{str(path)!r} is not valid JSON (truncated or corrupt?): Expecting value: line 1 "
            "column 1 (char 0)."
        )
        assert not marker.exists()

    def test_jsonpickle_tags_stay_inert_data(self, tmp_path):
        """jsonpickle-style tags inside a valid file load as plain strings; nothing is rebuilt."""
        marker = tmp_path / "pwned"
        tags = {"py/reduce": [{"py/function": "pathlib.Path.touch"}, [str(marker)]]}
        path = _rewritten(tmp_path, metadata={"payload": tags})

        loaded = lrfinder.load(path)

        assert loaded.metadata == {"payload": tags}
        assert not marker.exists()


class _Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(self.marker),))
