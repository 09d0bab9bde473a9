"""On a curve that never descends, should the step-size reading cap the knee? (A study; no.)

Usage (from the repository root)::

    python benchmarks/plateau_blend.py --train      # train the candidates' suggestions (cached)
    python benchmarks/plateau_blend.py              # the table, from the cache
    python benchmarks/plateau_blend.py --write      # and record it in PLATEAU_BLEND.md

The default blends the knee with the step-size reading by a geometric mean on every curve. On a
curve that never clearly descends (``Curve.clearly_descends`` false: the model had not started
learning within the test) the knee is read below where the loss starts to climb: an upper bound,
not a reading of where training is fastest. The step-size reading does not need the curve to
descend. Two candidates act on such runs only (each of ``lr_find(runs="auto")``'s runs, before
the runs' median), and leave every other run as it is:

* ``min``: the lower of the knee (with its corrections) and the step-size rate, i.e. the
  reading capped by the curve's upper bound;
* ``step size``: the step-size rate alone.

A screen on log distance to the grid's best (rounds 0-32, 308 such runs) favoured both over the
blend (mean |log10 error| 0.83 and 0.76 decades against 0.83; the blend over-suggests by more
than half a decade on 33% of them, ``min`` on 23%). Trained exactly, on the tasks with at least
one such run, they lose on the rounds the constants were fitted on (0-28) and win on 29-32, whose
worst task (the unnormalised digits CNN with plain SGD at batch 128) drops from 69.5 to 54.0
points. Rounds 29-32 were held out for the blend, not for these candidates, and their plateau
tasks had been read while choosing them; the fit rounds, the larger set, say no. Nothing changed.

**Decision rule for round 33**, written before its tasks were chosen or any of them trained.
Round 33 (``tasks.ROUNDS[33]``) is a fresh round chosen by name, plateau-prone regimes mixed with
ordinary ones, without reading any curve; ``min`` is scored on its tasks where it acts. ``min``
replaces the blend only if all three hold:

1. on round 33, it lowers the mean regret in each family with at least two tasks where it acts;
2. on round 33, no task is worse by more than 2 points (accuracy) or 10% (loss);
3. pooled over the rounds not read while choosing it (0-28 and 33), its mean regret over the
   tasks where it acts is no higher than the blend's in either family.

Rule 3 means the new round must outweigh the fit rounds' no (about 2.6 points over 43 accuracy
tasks), so the likeliest verdict is a second no; the round's main use is a fresh measurement of
the default on tasks no rule has seen. ``step size alone`` is reported, not eligible.

**Verdict on round 33: no, on all three counts.** ``min`` acts on 8 of its 12 tasks. Rule 1:
accuracy 9.83 points against the blend's 6.89 (5 tasks, better on 1, worse on 4), losses 11.31%
against 10.90% (3 tasks). Rule 2: the unnormalised digits CNN with plain SGD at batch 32 loses
18.8 points against 4.8. Rule 3: pooled over rounds 0-28 and 33, 9.88 against 7.24 points and
18.20% against 17.57%. The blend stays.

It replays the default as ``lr_find`` runs it (``quality.auto_result``, from the cached five-run
tests and the recorded step-size readings) and trains at each candidate's rate with the
benchmark's protocol (``quality.Runs.score``).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

import quality as q
from lrfinder.result import RangeTestResult
from lrfinder.step_size import scale_rate
from lrfinder.suggest import Suggestion
from tasks import TASKS, Task

CANDIDATES = ("blend", "min", "step size")
SPLITS = {
    "rounds 0-28 (fit)": range(29),
    "rounds 29-32": range(29, 33),
    "round 33": range(33, 34),
    "rounds 0-28 and 33 (rule 3)": [*range(29), 33],
    "all": range(34),
}


@contextmanager
def candidate(name: str) -> Iterator[None]:
    """``RangeTestResult`` suggests with the candidate on runs whose curve never descends."""
    original = RangeTestResult._corrected
    if name == "blend":
        yield
        return

    @functools.wraps(original)
    def corrected(self: RangeTestResult, suggestion: Suggestion, **kwargs: object) -> Suggestion:
        out = original(self, suggestion, **kwargs)
        scale = scale_rate(self.metadata)
        curve = self.curve
        if kwargs or suggestion.method != "knee" or scale is None or curve is None:
            return out
        if curve.clearly_descends:
            return out
        reading = self.metadata.pop("update_sensitivity")
        try:
            knee = original(self, suggestion).lr  # the knee with its corrections, unblended
        finally:
            self.metadata["update_sensitivity"] = reading
        lr = min(knee, scale) if name == "min" else scale
        moved = curve.suggestion(lr, suggestion.method)
        return Suggestion(moved.lr, moved.index, moved.method, out.note)

    RangeTestResult._corrected = corrected  # type: ignore[method-assign]
    try:
        yield
    finally:
        RangeTestResult._corrected = original  # type: ignore[method-assign]


def acts_on(task: Task) -> bool:
    """Whether some seed's first run never clearly descends (the candidates can act)."""
    for seed in q.RANGE_SEEDS:
        curve = q.task_record(task, seed).curve
        if curve is not None and not curve.clearly_descends:
            return True
    return False


def study(names: Sequence[str], *, train: bool) -> dict[str, dict[str, list[float]]]:
    """Per task the candidates can act on: each candidate's regret per seed."""
    out: dict[str, dict[str, list[float]]] = {}
    for name in names:
        task = TASKS[name]
        if not acts_on(task):
            continue
        truth = q.ground_truth(task, q.Runs(task, train_missing=False), q.GRID_SEEDS)
        runs = q.Runs(task, train_missing=train)
        out[name] = {}
        for label in CANDIDATES:
            with candidate(label):
                out[name][label] = q.score_auto(task, truth, runs, q.RANGE_SEEDS).regrets
        if train:
            q.log(f"{name}: " + ", ".join(f"{c} {np.mean(r):.2f}" for c, r in out[name].items()))
    return out


def tables(results: dict[str, dict[str, list[float]]]) -> list[str]:
    lines = [
        "Mean regret over the tasks where some seed's first run never clearly descends (accuracy "
        "points; % excess loss), worst task in brackets, and tasks better / worse than the blend "
        '(the default). `runs="auto"` as `lr_find` runs it; five range seeds per task.',
        "",
        "| tasks | family | n | blend (default) | min(knee, step size) | step size alone |",
        "|---|---|---|---|---|---|",
    ]
    lines += q.split_rows(results, SPLITS, CANDIDATES)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    return q.study_main(
        argv,
        __doc__,
        lambda names, train: tables(study(names, train=train)),
        "PLATEAU_BLEND.md",
        "Capping the knee with the step size on curves that never descend",
    )


if __name__ == "__main__":
    sys.exit(main())
