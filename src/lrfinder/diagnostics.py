"""Plain-language warnings about a range-test curve: when not to trust the suggestion.

Each check is a small function ``(result) -> str | None`` so that it can be tested on a crafted
curve; :func:`diagnose` runs them all in order.

A warning names a remedy only where replaying it on the quality benchmark's cached runs lowered
the regret on the curves the warning fires on, for classifiers and regressions alike
(``benchmarks/warning_advice.py``, WARNING_ADVICE.md). Full-length runs around the suggestion
(:func:`verify_advice`) pass that test on the noisy, spiked and disagreeing curves; the probes of
:func:`lrfinder.probe.refine` pass it only where the curve's reading and the step-size reading
disagree, the one warning that names them. Remedies that change
the range test itself (a lower start_lr, a higher end_lr, more steps, a larger batch) cannot be
replayed from the cache and are named where they follow from what went wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .errors import LRFinderError
from .step_size import scale_rate
from .suggest import step_noise

if TYPE_CHECKING:
    from .result import RangeTestResult

_EDGE_FRACTION = 0.05
_EARLY_FRACTION = 0.15
_NOISE_RATIO = 0.25
_READINGS_APART_DECADES = 1.0
_FEW_STEPS = 20


def verify_advice(*, five: bool = False) -> str:
    """The check the warnings name: the best of a few full-length 1cycle runs around the
    suggestion, as :func:`lrfinder.verify` trains them. Three runs (half a decade either side)
    by default, the cheapest set that helped on the curves that name it; ``five``: verify's
    default factors, up to a decade either side, which the runs-without-descent warning needs
    (WARNING_ADVICE.md)."""
    if five:
        return (
            "check it with five full-length runs, at it and half a decade and a decade either "
            "side (lrfinder.verify(..., steps=your training length))"
        )
    return (
        "check it with three full-length runs, at it and half a decade either side "
        "(lrfinder.verify(..., factors=(0.32, 1, 3.2), steps=your training length))"
    )


def no_descent(result: RangeTestResult) -> str | None:
    """The loss around the curve's minimum is not clearly below the loss at the start.

    Two complementary tests, each in units of noise (``Curve.descent_scores``); the descent is
    clear if either passes. On curves of pure noise each passes by chance about 1% of the time.
    On the quality benchmark it fires on the plateau tasks of round 4 (a GRU, an unnormalised
    CNN with batch-16 SGD: 9 of 10 curves), whose loss stays flat until it climbs. The default
    rule then suggests a quarter decade below where the loss starts to climb
    (``Curve.climb_index``), or as far below as a small batch or a missing momentum lowers it
    (half a decade for a small batch, three quarters without momentum, a decade with both:
    ``Curve.below_climb``; see :func:`lrfinder.suggest.knee`); the warning names that rate.
    """
    curve = result.curve
    if curve is None or curve.clearly_descends:
        return None
    if _flat_throughout(result):
        return (
            "The loss neither descended nor climbed: it stayed level from "
            f"lr={result.lrs[0]:.3g} to lr={result.lrs[-1]:.3g}, so the curve says nothing "
            f"about where training works, and the suggestion ({result.suggestion:.3g}) is no "
            "reading of it. Check the loss on one batch (does a gradient reach the weights: "
            "frozen layers, a detached loss, all-constant targets?). If the model does train, "
            "either no rate here let it leave a plateau within the test's few steps each, or "
            "it needs higher rates: raise end_lr and run again."
        )
    climb = float(curve.lrs[curve.climb_index])
    knee = result.suggest("knee")  # the climb lowered as the setup's corrections say
    if all(scale_rate(run.metadata) is not None for run in result.runs):  # lrfinder.step_size:
        # every run blended its knee, so the suggestion is not a reading of the climb alone
        reading = (
            f"the knee rule's reading below it, blended with the step size the optimizer took "
            f"early in the test, is lr={knee.lr:.3g}"
        )
    else:
        decades = _decades_in_words(math.log10(climb / knee.lr))
        reading = f"the knee rule suggests {decades} below it (lr={knee.lr:.3g}) as an upper bound"
    return (
        "The loss never clearly descended: the curve shows no region where a higher learning "
        f"rate trains faster, only where the loss starts to climb (lr={climb:.3g}), and "
        f"{reading}. The model may not have started learning within "
        "the test (a plateau, common for recurrent networks and for small-batch SGD without "
        "normalisation): that rate is a guess, which neither short probes nor a slower ramp "
        "(more steps) improves on average. It may also be trained already (fine-tuning), "
        "start_lr may be too high, or the model may not learn at all: try a lower start_lr or "
        "check the loss on one batch."
    )


def _flat_throughout(result: RangeTestResult) -> bool:
    """A run that completed without a clear descent or a real climb: a level line.

    A real climb puts most points after it above the starting level's band
    (``Curve.climbed``); on a level line of noise a chance split finds only a few, and its
    chance dips and rises would otherwise be reported as a climb and as a fall still under way,
    in one breath.
    """
    curve = result.curve
    return (
        curve is not None
        and result.stop_reason == "completed"
        and not curve.clearly_descends
        and not curve.climbed
    )


def _decades_in_words(decades: float) -> str:
    """``0.25`` -> "a quarter decade", ``0.5`` -> "half a decade"; other values in figures."""
    words = {
        0.25: "a quarter decade",
        0.5: "half a decade",
        0.75: "three quarters of a decade",
        1.0: "a decade",
    }
    for value, text in words.items():
        if abs(decades - value) < 0.01:
            return text
    return f"{decades:.2g} decades"


def diverged_early(result: RangeTestResult) -> str | None:
    """The run stopped within the first steps: start_lr was already too high."""
    if result.stop_reason not in ("diverged", "non-finite") or not len(result.losses):
        return None  # an empty record (a hand-made or damaged file) is too_short's to report
    if not math.isfinite(float(result.losses[0])):
        return None  # the loss before any update: no lr caused it (too_short says what to check)
    if len(result.losses) <= max(3, int(_EARLY_FRACTION * result.num_steps)):
        return (
            f"The loss diverged ({result.stop_reason}) after only {len(result.losses)} of "
            f"{result.num_steps} steps, at lr={result.lrs[-1]:.3g}: start_lr={result.start_lr:.3g} "
            "is probably too high. Lower start_lr by a few decades and run again."
        )
    return None


def stopped_before_minimum(result: RangeTestResult) -> str | None:
    """The run ended while the smoothed loss was still falling, short of divergence.

    A run that diverged found its minimum (just before the climb); one that completed, was
    interrupted or ran out of data may not have. Nor may one whose loss turned non-finite
    straight out of a clear descent, with no climb first: the rate may be where training blows
    up, or one bad batch or a float16 overflow may have cut the run short (on the quality
    benchmark no range test ended that way; they all climbed first).
    """
    curve = result.curve
    if curve is None or result.stop_reason == "diverged" or _flat_throughout(result):
        return None  # a level line has no minimum to reach: no_descent says what it is
    at_end = curve.argmin() >= curve.hi - max(2, int(_EDGE_FRACTION * len(curve.lrs)))
    if result.stop_reason == "non-finite":
        if not (at_end and curve.clearly_descends):
            return None
        losses = np.asarray(result.losses, dtype=float)
        cut = float(result.lrs[int(np.argmin(np.isfinite(losses)))])
        return (
            f"The loss turned non-finite at lr={cut:.3g} while it was still falling, with no "
            "climb first: either training blows up that suddenly there (then the suggestion "
            "stands), or one bad batch or an overflow in float16 cut the run before its minimum "
            "(then the suggestion may be too low). Check the batches for NaN or inf, train in "
            "bfloat16 or with a GradScaler, and run again."
        )
    if at_end:
        why = {
            "completed": f"the run reached end_lr={result.end_lr:.3g}",
            "interrupted": "the run was interrupted",
            "data-exhausted": "the data ran out",
        }.get(result.stop_reason, f"the run ended ({result.stop_reason})")
        return (
            f"The loss was still falling when {why}: the minimum of the curve was not reached, so "
            "the suggestion may be too low. Raise end_lr (or run more steps) and run again."
        )
    return None


def loss_spiked(result: RangeTestResult) -> str | None:
    """The loss spiked after most of its descent, then fell lower still before diverging.

    The rules read the curve's lowest point, past the spike (``Curve.floor_index``: over the
    benchmark that trained better than stopping before the spike); this tells the user that the
    optimizer went unstable on the way, and where, and names the bottom of the valley before the
    spike as the cautious rate (it costs nothing to try), then the check with full runs.
    WARNING_ADVICE.md decides both by its committed rule: named only while, on the benchmark's
    seeds where this fires, the rate trains better than the suggestion in each family. The rate
    below the spike failed that on the classifiers through round 39 (2.54 points against 1.19,
    17 seeds) and was left out. Round 40 turned it (4.65 against 5.27, 19 seeds) by one seed:
    a fresh-head fine-tune with RMSprop whose suggestion diverged in training (76.8 points lost,
    1.0 at the rate below the spike) outweighs one with Adam where that rate lost 44.1. So it is
    back, on a margin the next rounds may turn again; the check with full runs did better on
    both families (0.26 points and 6.6% on these seeds).
    """
    curve = result.curve
    if curve is None or not curve.clearly_descends:  # no descent: no valley either (no_descent)
        return None
    first, low = curve.first_valley_index, curve.argmin()
    if first >= low:
        return None
    peak = first + int(np.nanargmax(curve.fit[first : low + 1]))
    # The plot's box shows the text before the first ": ", so that part says what happened.
    return (
        f"The loss spiked at lr={curve.lrs[peak]:.3g} and only later fell to its lowest "
        f"(lr={curve.lrs[low]:.3g}): the optimizer went unstable there and recovered. The "
        f"suggestion reads the whole descent, spike included. The cautious rate is the bottom of "
        f"the valley before the spike, lr={curve.lrs[first]:.3g}; or {verify_advice()}."
    )


def suggestion_at_edge(result: RangeTestResult) -> str | None:
    """The suggestion sits in the first or last few percent of the ladder."""
    try:
        index = result.suggest().index
    except LRFinderError:
        return None
    n = len(result.lrs)
    edge = max(1, int(_EDGE_FRACTION * n))
    if index < edge:
        return (
            f"The suggestion ({result.suggestion:.3g}) sits at the low edge of the range tested: "
            f"lower start_lr (now {result.start_lr:.3g}) and run again."
        )
    if index >= n - edge and result.stop_reason == "completed" and not _flat_throughout(result):
        return (
            f"The suggestion ({result.suggestion:.3g}) sits at the high edge of the range tested: "
            f"raise end_lr (now {result.end_lr:.3g}) and run again."
        )
    return None


def readings_disagree(result: RangeTestResult) -> str | None:
    """The curve's reading and the step-size reading, which the default suggestion is the
    geometric mean of (:mod:`lrfinder.step_size`), are more than a decade apart.

    Then the suggestion lies between two readings that each say something else, and neither
    backs it. On the quality benchmark's single range tests (1730 seeds) the two were more
    than a decade apart on 146: there the default lost 10.7 accuracy points on average against
    4.0 elsewhere (37.9% against 32.0% on the loss tasks). The decade was read from those same
    tasks, not held out. With several runs, the gap between the runs' median readings. Rerunning such a
    single run five times did not help (``benchmarks/disagree_rerun.py``, DISAGREE_RERUN.md),
    so it is no trigger for ``runs="auto"``, only a warning. The remedies are
    WARNING_ADVICE.md's, by its rule (on the 43 grid seeds where the default returns this
    warning): the probes, the cheapest, lower the regret a little on the classifiers (9.08
    points against 9.43) and much on the regressions (16.1% against 56.3%); three full-length
    runs around it more (4.08 points, 8.7%).
    """
    readings = [r for r in (run.blended_readings() for run in result.runs) if r is not None]
    if not readings:
        return None
    curve_lr, scale = (float(np.median(column)) for column in zip(*readings, strict=True))
    gap = abs(math.log10(curve_lr / scale))
    if gap <= _READINGS_APART_DECADES:
        return None
    return (
        f"The curve's reading (lr={curve_lr:.3g}) and the step-size reading "
        f"(lr={scale:.3g}) are {gap:.1f} decades "
        f"apart: the suggestion, their geometric mean, lies between two readings that each say "
        f"something else. Probe around it with short runs (lrfinder.refine_setup, half a "
        f"training run's steps), or {verify_advice()}."
    )


def too_noisy(result: RangeTestResult) -> str | None:
    """The step-to-step noise before the minimum exceeds a quarter of the curve's descent.

    On the quality benchmark this separates the two small-batch MSE regressions (noise 0.29 to
    1.1 times the descent; there the suggestion moved 5x to 10x between seeds and missed the
    grid's best) from the 13 other tasks of rounds 0-3 (0.00 to 0.24), including the 8 added
    after the threshold was set; later it fired on one curve of the batch-16 tanh regression
    (round 5, noisy as well), on one GRU curve that barely descends (round 4), on one curve of
    the AdamW regression (round 6) and on two of round 7's GroupNorm CNN, whose curves barely
    dip (one of them the seed whose suggestion read a noise dip and lost 39 points). Silent when
    the curve shows no clear descent at all: :func:`no_descent` says so instead.
    """
    curve = result.curve
    if curve is None or no_descent(result) is not None:
        return None
    fit = curve.fit[curve.window]
    drop = float(fit[0] - np.nanmin(fit))
    noise = _noise_sd(result)
    if drop > 0 and noise > _NOISE_RATIO * drop:
        ran = len(getattr(result, "runs", ()))  # a MultiRunResult: its median curve is this noisy
        remedy = (
            f"more runs than these {ran} (runs={2 * ran})"
            if ran > 1
            else "several runs (lr_find(..., runs=5), or lrfinder run --runs 5)"
        )
        return (
            f"The curve is noisy: the loss jumps by about {noise:.3g} from step to step against a "
            f"descent of {drop:.3g}, so the suggestion may move between runs: {verify_advice()}, "
            f"or steady the test with a larger batch, more steps, or {remedy}."
        )
    return None


def ended_abnormally(result: RangeTestResult) -> str | None:
    """The run was interrupted or its data ran out before end_lr."""
    if result.stop_reason == "interrupted":
        return (
            f"The run was interrupted after {len(result.losses)} of {result.num_steps} steps; "
            "the curve is partial."
        )
    if result.stop_reason == "data-exhausted":
        return (
            f"The data ran out after {len(result.losses)} of {result.num_steps} steps and could "
            "not be restarted; pass a re-iterable (a DataLoader) or fewer num_steps."
        )
    return None


def too_few_steps(result: RangeTestResult) -> str | None:
    """A ladder of fewer than :data:`_FEW_STEPS` rungs: each step jumps so far that the curve
    has too few points to read, whatever it shows."""
    if result.num_steps >= _FEW_STEPS:
        return None
    decades = math.log10(result.end_lr / result.start_lr) / max(result.num_steps - 1, 1)
    per_step = f"{decades:.2g} decades a step" if result.mode == "exp" else "a coarse step"
    return (
        f"num_steps={result.num_steps} is too few to read a curve ({per_step}): any suggestion "
        "from it is rough. Run 100 steps (the default) or more."
    )


def too_short(result: RangeTestResult) -> str | None:
    """Too few finite points to suggest anything."""
    if result.curve is None:
        losses = np.asarray(result.losses, dtype=float)
        finite = np.isfinite(losses)
        if len(losses) and not finite[0]:
            return (
                f"The first loss (at lr={result.lrs[0]:.3g}) is already non-finite: the curve is "
                "read up to the first non-finite loss, so nothing is left to suggest from. Check "
                "the model and the data on one batch (a NaN or inf in the inputs, a loss of "
                "log(0)) and run again."
            )
        return (
            f"Only {int(finite.sum())} finite losses were recorded: too few "
            "for any suggestion. Lower start_lr or run more steps."
        )
    return None


def adapter_notes(result: RangeTestResult) -> str | None:
    """Cautions an adapter recorded in ``metadata["notes"]`` (e.g. fine-tuning a transformer)."""
    notes = result.metadata.get("notes")
    if isinstance(notes, list) and notes:
        return " ".join(str(note) for note in notes)
    return None


CHECKS: tuple[Callable[[RangeTestResult], str | None], ...] = (
    too_short,
    ended_abnormally,
    diverged_early,
    too_few_steps,
    no_descent,
    stopped_before_minimum,
    loss_spiked,
    suggestion_at_edge,
    readings_disagree,
    too_noisy,
    adapter_notes,
)


def diagnose(result: RangeTestResult) -> list[str]:
    """Returns every warning that applies to ``result``, most serious first."""
    return [message for check in CHECKS if (message := check(result)) is not None]


def _noise_sd(result: RangeTestResult) -> float:
    """Robust sd of the step-to-step noise of the losses, up to the curve's minimum."""
    curve = result.curve
    if curve is None:
        return 0.0
    values = curve.y[curve.lo : curve.argmin() + 1]
    return step_noise(values) if values.size > 1 else 0.0
