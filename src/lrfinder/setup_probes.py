"""Refine a suggestion with probes trained from your own factory: ``lrfinder.refine_setup``.

:func:`lrfinder.probe.refine` takes any ``probe(lr, steps) -> held-out loss``; writing one means
building a fresh model, training it with a 1cycle schedule and evaluating it. With a *factory*
(the function that ``lrfinder run`` and ``lrfinder verify`` take, see
:mod:`lrfinder.user_setup`) lrfinder does all of it: each probe builds a fresh setup with the same
seed (so every probe starts from the same weights), trains it under ``OneCycleLR`` exactly as
:func:`lrfinder.verify` does, and returns the mean loss on the setup's ``val_data``. The untrained
model's loss on it is the ``start_loss`` that tells a plateau from learning.

Your global random state (Python, NumPy, torch) is the same afterwards as before the call.
This module imports torch only inside the functions that train.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import check_int
from .probe import Refinement, candidates, halving_schedule, refine
from .result import RangeTestResult, load
from .user_setup import Factory, build, kept_rng, portable, range_test_setup, resolve
from .verify import _evaluate, _Job, train_one

logger = logging.getLogger("lrfinder")


def refine_setup(
    factory: Factory | str,
    result: RangeTestResult | None = None,
    *,
    budget_steps: int,
    seed: int = 0,
    num_candidates: int = 5,
    span_decades: float = 1.0,
    eta: int = 3,
    horizon_steps: int | None = None,
    horizon_exponent: float = 0.5,
    one_cycle_kwargs: Mapping[str, Any] | None = None,
    range_test_kwargs: Mapping[str, Any] | None = None,
) -> Refinement:
    """Runs :func:`lrfinder.probe.refine` with probes built from ``factory``.

    Measured on the quality benchmark (``benchmarks/RESULTS.md``, 346 tasks, a budget of half a
    training run, probes around the suggestion of ``lr_find``'s default, which is what runs here
    when ``result`` is None): 25.8% excess loss with probes against 28.4% for the suggestion
    alone on the loss tasks, and 4.06 accuracy points against 3.58 on the others. They rescue
    curves the rule cannot read; short probes on a small validation set favour high rates
    elsewhere (see ``docs/quality.md``).

    Args:
        factory: A function with no arguments returning a setup with ``val_data`` (see
            :class:`lrfinder.user_setup.Setup`), or its name as ``"FILE.py:NAME"``.
        result: The range test whose suggestion is refined. Default: run one on a fresh setup
            first (``range_test_kwargs`` go to ``lr_find``).
        budget_steps: Most training steps to spend on probes, in total (e.g. half of the run
            you plan).
        seed: Seed set before each factory call: every probe starts from the same weights.
        num_candidates, span_decades, eta, horizon_steps, horizon_exponent: As in
            :func:`lrfinder.probe.refine`.
        one_cycle_kwargs: Extra ``OneCycleLR`` arguments for the probes (``pct_start``...).
        range_test_kwargs: Extra ``lr_find`` arguments when the range test runs here.

    Returns:
        A :class:`lrfinder.probe.Refinement`: ``lr``, ``trials``, ``cost_steps``, ``learned``.

    Raises:
        ValueError, TypeError: For bad arguments, or a setup without ``val_data``, before any
            training.
    """
    budget_steps = check_int("budget_steps", budget_steps, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    _check_probe_length(num_candidates, budget_steps, eta)
    resolve(factory, name="factory")
    if result is not None and not isinstance(result, RangeTestResult):
        msg = (
            f"`result` must be a RangeTestResult, got result={type(result).__name__}. "
            "Pass what lrfinder.lr_find or lrfinder.load returned, or None to run one here."
        )
        raise TypeError(msg)
    with kept_rng():
        start_loss = _untrained_loss(factory, seed)
        if result is None:
            result = range_test_setup(factory, seed=seed, **dict(range_test_kwargs or {}))
        kwargs = dict(one_cycle_kwargs or {})
        spec = portable(factory)

        def probe(lr: float, steps: int) -> float:
            job = _Job(spec, None, steps, seed, kwargs, None, held_out_loss=True)
            row = train_one(job, lr)
            logger.info("probe: lr %.3g, %d steps, val_loss %.4g", lr, steps, row["val_loss"])
            return float(row["val_loss"])

        return refine(
            result,
            probe,
            budget_steps=budget_steps,
            num_candidates=num_candidates,
            span_decades=span_decades,
            eta=eta,
            horizon_steps=horizon_steps,
            horizon_exponent=horizon_exponent,
            start_loss=start_loss,
        )


def _check_probe_length(num_candidates: int, budget_steps: int, eta: int) -> None:
    """Every probe gets two steps or more: a 1cycle run of one step takes it at the schedule's
    floor (the peak / 25 / 10^4), so one-step probes would all score the untrained model."""
    schedule = halving_schedule(num_candidates, 10**9, eta)  # the rounds, whatever the budget
    units = sum(count * eta**k for k, (count, _) in enumerate(schedule))
    if schedule and budget_steps < 2 * units:
        msg = (
            f"`budget_steps` must be at least {2 * units} for {num_candidates} candidates with "
            f"eta={eta}, got budget_steps={budget_steps}: the first round's probes would get "
            "one step each, which a 1cycle schedule takes at its floor, not near the rate "
            "probed. Raise the budget or use fewer candidates."
        )
        raise ValueError(msg)


def _untrained_loss(factory: Factory | str, seed: int) -> float:
    """The held-out loss of a freshly built setup; refuses a setup without ``val_data``."""
    import torch

    setup = build(factory, seed=seed)
    if setup.val_data is None:
        msg = (
            "the factory's setup has no val_data: probes are ranked by their loss on held-out "
            "data. Return val_data=<a DataLoader of validation batches> from the factory."
        )
        raise ValueError(msg)
    loss = _evaluate(setup, None, torch)["val_loss"]
    if not math.isfinite(loss):
        msg = (
            f"the untrained model's loss on val_data is {loss}: check the model and the loss "
            "before probing (a NaN here makes every probe look the same)."
        )
        raise ValueError(msg)
    return loss


# --- command line --------------------------------------------------------------------------------


def add_refine_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``lrfinder refine FILE.py:factory --budget-steps N``."""
    from .cli import non_negative_int

    command = subparsers.add_parser(
        "refine",
        help="refine the suggestion with short probes on your own setup",
        description=(
            "Train short 1cycle probes of the setup built by FACTORY at rates around the "
            "suggestion (successive halving) and print the rate whose probe reached the lowest "
            "loss on the setup's val_data."
        ),
    )
    command.add_argument("factory", metavar="FACTORY", help="FILE.py:NAME or MODULE:NAME")
    command.add_argument(
        "--budget-steps",
        type=int,
        required=True,
        metavar="N",
        help="training steps to spend on probes in all (e.g. half of the run you plan)",
    )
    command.add_argument(
        "--result",
        type=Path,
        metavar="RUN.json",
        help="a saved range test to refine (default: run one first)",
    )
    command.add_argument(
        "--horizon-steps",
        type=int,
        metavar="N",
        help="length of the run you plan: carry the winner over to it",
    )
    command.add_argument("--seed", type=non_negative_int, default=0)
    command.set_defaults(handler=refine_command)


def refine_command(args: argparse.Namespace) -> int:
    """``lrfinder refine``: prints every probe and the refined rate."""
    result = load(args.result) if args.result is not None else None
    print(f"lrfinder refine: {args.factory}, a budget of {args.budget_steps} steps")
    refined = refine_setup(
        args.factory,
        result,
        budget_steps=args.budget_steps,
        seed=args.seed,
        horizon_steps=args.horizon_steps,
    )
    print(f"suggestion: {refined.initial_lr:.3g}")
    rounds = Counter(trial.steps for trial in refined.trials)  # steps -> probes, in order
    if rounds:
        plan = "; then ".join(f"{count} x {steps} steps" for steps, count in rounds.items())
        print(f"probes (successive halving, each round's best go on, longer): {plan}")
    spaced = [math.log10(lr) for lr in candidates(refined.initial_lr)]  # before any clipping
    print("       lr   steps   val_loss")
    for trial in refined.trials:
        note = ""
        if min(abs(math.log10(trial.lr) - point) for point in spaced) > 1e-6:
            note = (
                "  (capped at the range test's loss floor)"
                if trial.lr > refined.initial_lr
                else "  (raised to the range test's start_lr)"
            )
        print(f"{trial.lr:9.3g} {trial.steps:7d} {trial.loss:10.4g}{note}")
    if refined.learned is False:
        print(
            "no probe learned (none ended 1% below the untrained model's val_loss): "
            "the suggestion stands; try a larger --budget-steps"
        )
    print(f"refined lr: {refined.lr:.3g} ({refined.cost_steps} probe steps)")
    return 0
