"""From a range-test result to torch's own schedulers: 1cycle, cyclical, SGDR, or a constant lr.

torch already implements the schedules the range test was invented to feed; these functions only
configure them from a result. Every parameter group keeps its ratio to the first group (the ratio
the range test kept): group ``i`` gets ``lr * group_lr[i] / group_lr[0]``.

======================  =====================================================================
:func:`one_cycle`       ``OneCycleLR`` peaking at ``result.suggestion`` (Smith & Topin's 1cycle)
:func:`cyclic`          ``CyclicLR`` between the bounds of ``result.lr_range`` (Smith's CLR)
:func:`sgdr`            ``CosineAnnealingWarmRestarts`` restarting at ``result.suggestion``
:func:`apply`           a constant lr: ``result.suggestion`` on the first group
======================  =====================================================================

Momentum is cycled inversely to the lr (Smith's advice) only when the optimizer has a momentum
to cycle: SGD/RMSprop with ``momentum > 0`` in every group, or an Adam-family optimizer (its
``beta1``). Plain SGD is left without momentum: torch would otherwise switch it on silently.

This module imports torch; ``import lrfinder`` does not import this module.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch

from .errors import check_choice, check_int, check_real, check_result

if TYPE_CHECKING:
    from .result import RangeTestResult

CYCLIC_MODES = ("triangular", "triangular2", "exp_range")


def one_cycle(
    result: RangeTestResult,
    optimizer: torch.optim.Optimizer,
    total_steps: int,
    **overrides: Any,
) -> torch.optim.lr_scheduler.OneCycleLR:
    """Returns torch's ``OneCycleLR`` peaking at the suggestion, with Smith's momentum cycle.

    Group ``i`` peaks at ``max_lr[i] = result.suggestion * group_lr[i] / group_lr[0]``. The lr
    rises from ``max_lr / 25`` to ``max_lr`` over the first 30% of ``total_steps`` and anneals to
    ``max_lr / 2.5e5`` (torch's defaults). Momentum (SGD's ``momentum`` or Adam's ``beta1``)
    falls from 0.95 to 0.85 while the lr rises and climbs back while it falls; an optimizer
    without momentum (plain SGD) keeps none. Call ``scheduler.step()`` after every
    ``optimizer.step()``, exactly ``total_steps`` times.

    Args:
        result: A range-test result (its ``suggestion`` is the peak).
        optimizer: The optimizer you will train with, after the range test.
        total_steps: Optimizer updates in the whole training run. Must be at least 2.
        **overrides: Any other ``OneCycleLR`` argument (``pct_start``, ``div_factor``,
            ``final_div_factor``, ``three_phase``, ``anneal_strategy``, ``cycle_momentum``,
            ``base_momentum``, ``max_momentum``, even ``max_lr``); these win over the defaults.

    Returns:
        A ``torch.optim.lr_scheduler.OneCycleLR`` attached to ``optimizer``.

    Raises:
        TypeError: If ``optimizer`` is not a torch optimizer or ``result`` is not a result.
        ValueError: If ``total_steps < 2``, or the groups' lrs cannot give ratios (first is 0).
        NotEnoughPointsError: If the result has no usable curve, hence no suggestion.

    Example:
        >>> import numpy as np, torch, lrfinder
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
        >>> result = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> body, head = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
        >>> optimizer = torch.optim.SGD(
        ...     [{"params": body.parameters(), "lr": 0.01}, {"params": head.parameters(), "lr": 0.1}],
        ...     momentum=0.9)
        >>> scheduler = result.one_cycle(optimizer, total_steps=1000)
        >>> [f"{g['max_lr']:.1e}" for g in optimizer.param_groups]  # the head keeps its 10x
        ['3.2e-02', '3.2e-01']
        >>> optimizer.param_groups[0]["momentum"]  # starts at max_momentum
        0.95

    References:
        Smith & Topin, "Super-Convergence", 2017. https://arxiv.org/abs/1708.07120
        Smith, "A disciplined approach to neural network hyper-parameters", 2018.
        https://arxiv.org/abs/1803.09820
    """
    _check_optimizer(optimizer)
    total_steps = check_int("total_steps", total_steps, minimum=2)
    return one_cycle_at(_suggestion(result), optimizer, total_steps, **overrides)


def one_cycle_at(
    peak_lr: float, optimizer: torch.optim.Optimizer, total_steps: int, **overrides: Any
) -> torch.optim.lr_scheduler.OneCycleLR:
    """Returns :func:`one_cycle`'s scheduler with the first group peaking at ``peak_lr``."""
    kwargs: dict[str, Any] = {
        "max_lr": _scaled(optimizer, peak_lr),
        "total_steps": total_steps,
        "cycle_momentum": _has_momentum(optimizer),
        "base_momentum": 0.85,
        "max_momentum": 0.95,
    }
    kwargs.update(overrides)
    if isinstance(kwargs.get("pct_start"), int):  # torch rejects pct_start=1 (an int)
        kwargs["pct_start"] = float(kwargs["pct_start"])
    return torch.optim.lr_scheduler.OneCycleLR(optimizer, **kwargs)


def cyclic(
    result: RangeTestResult,
    optimizer: torch.optim.Optimizer,
    step_size_up: int,
    mode: str = "triangular",
    **overrides: Any,
) -> torch.optim.lr_scheduler.CyclicLR:
    """Returns torch's ``CyclicLR`` cycling between the bounds of ``result.lr_range``.

    With ``(low, high) = result.lr_range``, group ``i`` cycles between
    ``base_lr[i] = low * r[i]`` and ``max_lr[i] = high * r[i]``, ``r[i] = group_lr[i] / group_lr[0]``:
    up in ``step_size_up`` updates, down in as many (``triangular``), with the amplitude halved
    every cycle (``triangular2``) or scaled by ``gamma ** step`` (``exp_range``). Momentum cycles
    inversely between torch's 0.8 and 0.9 when the optimizer has momentum (SGD with momentum, or
    Adam's ``beta1``); plain SGD keeps none.

    Args:
        result: A range-test result (its ``lr_range`` gives the bounds).
        optimizer: The optimizer you will train with.
        step_size_up: Updates in the rising half of a cycle; Smith suggests 2-10 epochs' worth.
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        **overrides: Any other ``CyclicLR`` argument (``step_size_down``, ``gamma``,
            ``cycle_momentum``, ``base_momentum``, ``max_momentum``, ``base_lr``, ``max_lr``...).

    Returns:
        A ``torch.optim.lr_scheduler.CyclicLR`` attached to ``optimizer``; call ``step()`` after
        every ``optimizer.step()``.

    Raises:
        TypeError: If ``optimizer`` is not a torch optimizer or ``result`` is not a result.
        ValueError: For ``step_size_up < 1``, an unknown ``mode``, or groups whose lrs cannot
            give ratios.
        NotEnoughPointsError: If the result has no usable curve.

    Example:
        >>> import numpy as np, torch, lrfinder
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
        >>> result = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> optimizer = torch.optim.AdamW(torch.nn.Linear(2, 1).parameters())
        >>> scheduler = result.cyclic(optimizer, step_size_up=500)
        >>> low, high = result.lr_range
        >>> scheduler.base_lrs == [low], scheduler.max_lrs == [high]
        (True, True)

    References:
        Smith, "Cyclical Learning Rates for Training Neural Networks", 2015.
        https://arxiv.org/abs/1506.01186
    """
    _check_optimizer(optimizer)
    step_size_up = check_int("step_size_up", step_size_up, minimum=1)
    mode = check_choice("mode", mode, CYCLIC_MODES)
    _suggestion(result)  # the type check and a clear error before reading lr_range
    low, high = result.lr_range
    kwargs: dict[str, Any] = {
        "base_lr": _scaled(optimizer, low),
        "max_lr": _scaled(optimizer, high),
        "step_size_up": step_size_up,
        "mode": mode,
        "cycle_momentum": _has_momentum(optimizer),
    }
    kwargs.update(overrides)
    return torch.optim.lr_scheduler.CyclicLR(optimizer, **kwargs)


def sgdr(
    result: RangeTestResult,
    optimizer: torch.optim.Optimizer,
    first_cycle_steps: int,
    cycle_mult: int = 2,
    min_lr: float = 0.0,
) -> torch.optim.lr_scheduler.CosineAnnealingWarmRestarts:
    """Returns torch's ``CosineAnnealingWarmRestarts`` restarting at the suggestion (SGDR).

    Each cycle anneals group ``i`` from ``result.suggestion * r[i]`` to ``min_lr`` along half a
    cosine, then restarts; cycle ``k`` lasts ``first_cycle_steps * cycle_mult ** k`` updates
    (``eta_t = min_lr + (peak - min_lr) * (1 + cos(pi * t_cur / T_k)) / 2``).

    Args:
        result: A range-test result (its ``suggestion`` is the lr at each restart).
        optimizer: The optimizer you will train with. Its lrs are set to the restart values.
        first_cycle_steps: Updates in the first cycle (torch's ``T_0``). At least 1.
        cycle_mult: Growth of each cycle over the previous one (torch's ``T_mult``). At least 1.
        min_lr: The lr at the end of each cycle, for every group (torch's ``eta_min``).

    Returns:
        A ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``; call ``step()`` after every
        ``optimizer.step()``.

    Raises:
        TypeError, ValueError: For a bad argument, as in :func:`one_cycle`.

    Example:
        >>> import numpy as np, torch, lrfinder
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
        >>> result = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> optimizer = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
        >>> from lrfinder.schedules import sgdr
        >>> scheduler = sgdr(result, optimizer, first_cycle_steps=100)
        >>> f"{optimizer.param_groups[0]['lr']:.1e}"
        '3.2e-02'

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", 2016.
        https://arxiv.org/abs/1608.03983
    """
    _check_optimizer(optimizer)
    first_cycle_steps = check_int("first_cycle_steps", first_cycle_steps, minimum=1)
    cycle_mult = check_int("cycle_mult", cycle_mult, minimum=1)
    if not (math.isfinite(check_real("min_lr", min_lr)) and min_lr >= 0):
        msg = f"`min_lr` must be a finite number >= 0, got min_lr={min_lr!r}."
        raise ValueError(msg)
    suggestion = check_result(result, hint="Pass what lrfinder.lr_find or lrfinder.load returned.")
    peaks = [suggestion * ratio for ratio in group_ratios(optimizer) if ratio > 0]
    if peaks and min_lr >= min(peaks):
        msg = (
            f"`min_lr` must be below the lr every cycle starts from (the suggestion "
            f"{suggestion:.3g}, times each param group's ratio: the lowest is {min(peaks):.3g}), "
            f"got min_lr={min_lr!r}: the cycles would climb instead of anneal. Use a small "
            "fraction of it, or 0 (the default)."
        )
        raise ValueError(msg)
    apply(result, optimizer)
    return torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer, T_0=first_cycle_steps, T_mult=cycle_mult, eta_min=float(min_lr)
    )


def apply(result: RangeTestResult, optimizer: torch.optim.Optimizer) -> list[float]:
    """Sets a constant lr: ``result.suggestion`` on the first group, the same ratios on the others.

    Group ``i`` gets ``result.suggestion * group_lr[i] / group_lr[0]``. If a scheduler left an
    ``initial_lr`` in a group, it is updated too, so a scheduler built afterwards starts there.

    Args:
        result: A range-test result.
        optimizer: The optimizer to change in place.

    Returns:
        The new lr of each parameter group.

    Raises:
        TypeError, ValueError: For a bad argument, as in :func:`one_cycle`.

    Example:
        >>> import numpy as np, torch, lrfinder
        >>> lrs = np.logspace(-6, 0, 61)
        >>> losses = 2 - np.tanh(np.log10(lrs) + 3) + np.exp(3 * (np.log10(lrs) + 0.5))
        >>> result = lrfinder.RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61, "exp")
        >>> optimizer = torch.optim.Adam(torch.nn.Linear(2, 1).parameters(), lr=0.5)
        >>> [f"{lr:.1e}" for lr in result.apply(optimizer)]
        ['3.2e-02']
    """
    _check_optimizer(optimizer)
    values = _scaled(optimizer, _suggestion(result))
    for group, value in zip(optimizer.param_groups, values, strict=True):
        for key in ("lr", "initial_lr"):
            if key == "lr" or key in group:
                if torch.is_tensor(group[key]):
                    group[key].fill_(value)
                else:
                    group[key] = value
    return values


# --- helpers -------------------------------------------------------------------------------------


def _check_optimizer(optimizer: Any) -> None:
    if not isinstance(optimizer, torch.optim.Optimizer):
        msg = (
            f"`optimizer` must be a torch.optim.Optimizer, got optimizer={type(optimizer).__name__}."
            " Pass the optimizer itself (for Lightning, the one configure_optimizers returns)."
        )
        raise TypeError(msg)


def _suggestion(result: Any) -> float:
    return check_result(result, hint="Pass what lrfinder.lr_find or lrfinder.load returned.")


def group_ratios(optimizer: torch.optim.Optimizer) -> list[float]:
    """Returns each param group's lr divided by the first group's (``[1.0]`` for one group).

    Raises:
        ValueError: If an lr is negative or not finite, or the first group's lr is 0 while
            there are other groups (their ratios are then undefined).
    """
    lrs = [float(group["lr"]) for group in optimizer.param_groups]
    if any(not math.isfinite(lr) or lr < 0 for lr in lrs):
        msg = f"every param group's lr must be finite and >= 0, got lrs={lrs!r}."
        raise ValueError(msg)
    if len(lrs) == 1:
        return [1.0]
    if lrs[0] == 0.0:
        msg = (
            f"the first param group's lr must be > 0 to keep the groups' ratios, got lrs={lrs!r}. "
            "Give every group its intended lr before building the schedule (a frozen group may "
            "have lr 0, but not the first one)."
        )
        raise ValueError(msg)
    return [lr / lrs[0] for lr in lrs]


def _scaled(optimizer: torch.optim.Optimizer, lr: float) -> list[float]:
    return [lr * ratio for ratio in group_ratios(optimizer)]


def _has_momentum(optimizer: torch.optim.Optimizer) -> bool:
    """True for beta1 > 0 (Adam family) or momentum > 0 in every group: cycling it would
    otherwise switch on a momentum the user turned off (Adam with betas=(0.0, ...) too)."""
    if "betas" in optimizer.defaults:
        return all(float(group["betas"][0]) > 0 for group in optimizer.param_groups)
    if "momentum" not in optimizer.defaults:
        return False
    return all(float(group.get("momentum", 0.0)) > 0 for group in optimizer.param_groups)
