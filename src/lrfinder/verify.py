"""Check a suggestion the way a careful user would: short 1cycle runs around it, side by side.

:func:`verify` builds a fresh setup from the user's factory for each learning rate (same seed,
same initial weights), trains ``steps`` updates with ``OneCycleLR`` peaking at that lr, and reports
the final training loss and the validation metric of each run. The lrs default to the suggestion
times 0.1, 0.316, 1, 3.16 and 10 (half a decade apart, up to a decade either side), kept inside
the range the test swept. If the suggestion is good, its run is at or near the best, and the run
10x above it is clearly worse or diverges; a best at the edge of the rates tried says to look
further out (``factors=`` or ``lrs=``).

Outputs in ``out_dir``: ``verify.json`` (rewritten after every run, so an interrupted check
resumes where it stopped), ``verify.csv``, ``verify.png`` and ``verify-range-test.json`` (the
range test behind the suggestion, when :func:`verify` ran it).

This module imports torch only inside the functions that train.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import numbers
import os
import pickle
import re
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import check_int, check_positive_finite
from .result import RangeTestResult, atomic_write_text, load
from .user_setup import (
    Factory,
    Setup,
    batch_loss,
    build,
    kept_rng,
    portable,
    range_test_setup,
    resolve,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

logger = logging.getLogger("lrfinder")

#: Multiples of the suggestion tried by default: half a decade apart, up to a decade either side.
#: Replayed on the quality benchmark's two grid seeds (benchmarks/WARNING_ADVICE.md; full-length
#: runs, the best picked on the other seed's score), the best of these five runs lost 2.35 points
#: on the classifiers and 5.5% on the regressions, against 3.37 and 15.1% for the whole decades
#: 0.01 to 100 (the default before) and 4.25 and 26.8% for the suggestion alone (after round 41).
#: Where no warning spoke these five lost 1.52 points against the suggestion's 2.06 and the
#: decades' 1.92 (when the default changed, the decades lost to the suggestion there; round 40's
#: fine-tunes, read low with no warning, turned that).
DEFAULT_FACTORS = (0.1, 10**-0.5, 1.0, 10**0.5, 10.0)
FORMAT_NAME = "lrfinder.VerifyReport"
FORMAT_VERSION = 1
_FILES = ("verify.json", "verify.csv", "verify.png")
_RANGE_TEST_FILE = "verify-range-test.json"


@dataclass
class VerifyReport:
    """The runs of :func:`verify`: one row per learning rate, and which one did best.

    Attributes:
        rows: One dict per lr, sorted by lr: ``lr``, ``factor`` (lr / suggestion),
            ``train_loss`` (mean loss of the last 10% of updates), the evaluated metrics
            (``val_loss``, ``val_<name>``...), ``diverged``, ``steps_done``, ``seconds``.
        suggestion: The suggested lr that was checked (None if only ``lrs`` were given).
        metric: The column that decides the best lr.
        maximize: Whether a larger ``metric`` is better.
        steps: Optimizer updates per run.
        seed: Seed set before each call of the factory.
        range_test: The range-test result behind the suggestion, if known.
        skipped_lrs: Default lrs not tried because they lie outside the range the test swept.
    """

    rows: list[dict[str, Any]]
    suggestion: float | None
    metric: str
    maximize: bool = False
    steps: int = 0
    seed: int = 0
    range_test: RangeTestResult | None = field(default=None, repr=False)
    skipped_lrs: list[float] = field(default_factory=list)
    #: What else shaped the runs (the evaluate function's name, ``one_cycle_kwargs``): a resumed
    #: check reuses saved runs only if these match.
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> dict[str, Any] | None:
        """The row with the best finite ``metric`` among runs that did not diverge, or None."""
        usable = [row for row in self.rows if not row["diverged"] and _finite(row.get(self.metric))]
        if not usable:
            return None
        sign = -1.0 if self.maximize else 1.0
        return min(usable, key=lambda row: sign * float(row[self.metric]))

    @property
    def best_lr(self) -> float | None:
        """The lr of :attr:`best`, or None when every run diverged."""
        best = self.best
        return None if best is None else float(best["lr"])

    @property
    def columns(self) -> list[str]:
        """The column names, in table order."""
        names: list[str] = []
        for row in self.rows:
            names.extend(key for key in row if key not in names)
        return names

    def table(self) -> str:
        """The rows as a plain-text table, the suggestion's row and the best row marked."""
        columns = [c for c in self.columns if c not in ("steps_done", "seconds")]
        header = [*columns, ""]
        lines = [header]
        best = self.best
        for row in self.rows:
            marks = []
            if self.suggestion is not None and math.isclose(row["lr"], self.suggestion):
                marks.append("suggestion")
            if row is best:
                marks.append(f"best {self.metric}")
            lines.append([_cell(row.get(c)) for c in columns] + [", ".join(marks)])
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        return "\n".join(
            "  ".join(
                cell.rjust(w) if i < len(columns) else cell
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
            for line in lines
        )

    def summary(self) -> str:
        """One sentence: the best lr and how far it is from the suggestion."""
        best = self.best
        if best is None:
            if self.rows and all(row["diverged"] for row in self.rows):
                return "every run diverged: try lower learning rates."
            return (
                f"no run gave a finite {self.metric} (every one that did not diverge gave NaN "
                "or inf): check the evaluate function, or try lower learning rates."
            )
        text = f"best {self.metric}: {_cell(best[self.metric])} at lr {best['lr']:.3g}"
        if self.suggestion is None:
            return text
        ratio = best["lr"] / self.suggestion
        if math.isclose(ratio, 1.0, rel_tol=1e-6):
            return text + " (the suggestion itself)"
        text += f" ({ratio:.3g} x the suggestion {self.suggestion:.3g})"
        tried = [row["lr"] for row in self.rows]
        if len(tried) > 2 and best["lr"] in (min(tried), max(tried)):
            # the best may lie further out: say so rather than let the edge pass for a peak
            side = "lowest" if best["lr"] == min(tried) else "highest"
            text += f", the {side} rate tried: try further out (factors= or lrs=)"
        return text

    def __str__(self) -> str:
        text = f"{self.table()}\n{self.summary()}"
        if self.skipped_lrs:
            listed = ", ".join(f"{lr:.3g}" for lr in self.skipped_lrs)
            text += f"\nnot tried (outside the range the test swept): {listed}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Returns a JSON-ready dict (non-finite numbers as None)."""
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "suggestion": self.suggestion,
            "metric": self.metric,
            "maximize": self.maximize,
            "steps": self.steps,
            "seed": self.seed,
            "settings": self.settings,
            "rows": [{k: _json_value(v) for k, v in row.items()} for row in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "the data") -> VerifyReport:
        """Rebuilds a report written by :meth:`to_dict`."""
        if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
            msg = f"{source} is not an lrfinder verify report (no 'format': {FORMAT_NAME!r})."
            raise ValueError(msg)
        rows = [
            {k: (math.nan if v is None and k not in ("diverged",) else v) for k, v in row.items()}
            for row in data.get("rows", [])
        ]
        return cls(
            rows=rows,
            suggestion=data.get("suggestion"),
            metric=str(data.get("metric", "train_loss")),
            maximize=bool(data.get("maximize", False)),
            steps=int(data.get("steps", 0)),
            seed=int(data.get("seed", 0)),
            settings=dict(data.get("settings") or {}),
        )

    def to_csv(self) -> str:
        """The rows as CSV text (the same columns as :meth:`to_pandas`)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return buffer.getvalue()

    def to_pandas(self) -> pd.DataFrame:
        """Returns the rows as a DataFrame, one row per lr."""
        try:
            import pandas as pd
        except ImportError:
            msg = "to_pandas needs pandas: pip install 'lrfinder[pandas]'"
            raise ImportError(msg) from None
        return pd.DataFrame(self.rows, columns=self.columns)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draws the final metrics against lr (log axis), the suggestion and the best lr marked.

        The training loss is drawn on ``ax``; a validation metric that is not a loss gets its own
        axis on the right. Runs that diverged are marked with a cross at the top. Never shows.
        """
        return _plot(self, ax)

    def save(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Writes ``verify.json``, ``verify.csv`` and (with matplotlib) ``verify.png``."""
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        json_path, csv_path, png_path = (folder / name for name in _FILES)
        atomic_write_text(json_path, json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")
        atomic_write_text(csv_path, self.to_csv())
        written = [json_path, csv_path]
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            return written
        ax = self.plot()
        ax.figure.savefig(png_path, dpi=150, bbox_inches="tight")
        plt.close(ax.figure)
        return [*written, png_path]


@kept_rng()  # building each setup seeds the global generators; the caller's state comes back
def verify(
    factory: Factory | str,
    evaluate: Callable[[Any, Any], Any] | str | None = None,
    *,
    lrs: Sequence[float] | None = None,
    result: RangeTestResult | None = None,
    factors: Sequence[float] = DEFAULT_FACTORS,
    steps: int = 200,
    metric: str | None = None,
    maximize: bool = False,
    processes: int = 1,
    out_dir: str | os.PathLike[str] | None = None,
    resume: bool = True,
    progress: bool = True,
    seed: int = 0,
    one_cycle_kwargs: Mapping[str, Any] | None = None,
    range_test_kwargs: Mapping[str, Any] | None = None,
) -> VerifyReport:
    """Trains short 1cycle runs at and around the suggestion and reports which lr did best.

    For each lr: seed everything with ``seed``, build a fresh setup with ``factory()``, train
    ``steps`` updates under ``OneCycleLR(max_lr=lr)`` (Smith's momentum cycle, group ratios kept,
    as :func:`lrfinder.schedules.one_cycle`), stop early if the loss becomes non-finite, then
    record the mean training loss of the last 10% of updates and ``evaluate(model, val_data)``.

    Args:
        factory: A function with no arguments returning a :class:`~lrfinder.user_setup.Setup`
            (or a dict / tuple, see :func:`~lrfinder.user_setup.as_setup`), or its name as
            ``"FILE.py:NAME"`` / ``"MODULE:NAME"``.
        evaluate: ``evaluate(model, data) -> float | dict[str, float]`` on the setup's
            ``val_data`` (on ``train_data`` if there is none; the columns are then ``train_*``).
            Default: the setup's own ``evaluate``, else the mean loss on ``val_data``. A float is
            named after the function (``def accuracy`` gives ``val_accuracy``).
        lrs: The learning rates to try. Default: ``factors`` times the suggestion, keeping those
            inside the range the range test swept.
        result: The range-test result whose suggestion is checked. Default: run the range test on
            a fresh setup first (``range_test_kwargs`` go to ``lr_find``).
        factors: Multiples of the suggestion tried when ``lrs`` is None.
        steps: Optimizer updates per run (at least 2).
        metric: The column that picks the best lr (default: the first validation metric, else
            ``train_loss``).
        maximize: True when a larger ``metric`` is better (accuracy).
        processes: Runs in parallel in this many spawned processes. The factory (and
            ``evaluate``) must then be importable: a module-level function, or a spec string.
        out_dir: Folder for verify.json/.csv/.png; with ``resume``, lrs already there are skipped.
        resume: Reuse the runs (and the range test) already saved in ``out_dir``.
        progress: Show a progress bar over the runs (needs tqdm).
        seed: Seed set before each factory call (every run starts from the same weights).
        one_cycle_kwargs: Extra ``OneCycleLR`` arguments (``pct_start``, ``div_factor``...).
        range_test_kwargs: Extra ``lr_find`` arguments when the range test runs here.

    Returns:
        A :class:`VerifyReport`; ``print(report)`` shows the table and the verdict.

    Raises:
        ValueError, TypeError: For bad arguments, or a saved check in ``out_dir`` made with other
            settings (pass ``resume=False`` or another folder).
    """
    steps = check_int("steps", steps, minimum=2, hint="Each run is a 1cycle of this many updates.")
    processes = check_int("processes", processes, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    factory_fn = resolve(factory, name="factory")
    if evaluate is not None:
        resolve(evaluate, name="evaluate")
    if lrs is not None:
        lrs = [check_positive_finite(f"lrs[{i}]", lr) for i, lr in enumerate(lrs)]
        if not lrs:
            msg = "`lrs` must hold at least one learning rate, got lrs=[]."
            raise ValueError(msg)
    else:
        factors = [check_positive_finite(f"factors[{i}]", f) for i, f in enumerate(factors)]
    if result is not None and not isinstance(result, RangeTestResult):
        msg = (
            f"`result` must be a RangeTestResult, got result={type(result).__name__}. "
            "Pass what lrfinder.lr_find or lrfinder.load returned."
        )
        raise TypeError(msg)
    if processes > 1:
        for name, value in (("factory", factory), ("evaluate", evaluate)):
            _check_portable(name, portable(value))
    folder = Path(out_dir) if out_dir is not None else None
    settings = _run_settings(evaluate, one_cycle_kwargs)
    saved = _load_saved(folder, steps, seed, settings) if folder is not None and resume else None

    if result is None and lrs is None:
        result = _range_test(factory_fn, folder, resume, seed, progress, range_test_kwargs)
    if result is not None:
        suggestion: float | None = float(result.suggestion)
    else:  # only lrs were given: keep the suggestion of a check saved in out_dir, if any
        suggestion = saved.suggestion if saved else None
    skipped: list[float] = []
    if lrs is None:
        lrs, skipped = _around(suggestion, factors, result)

    rows = list(saved.rows) if saved else []  # runs saved earlier stay in the report
    for row in rows:
        row["factor"] = row["lr"] / suggestion if suggestion else math.nan
    todo = sorted(lr for lr in lrs if not _matches_any(lr, [r["lr"] for r in rows]))
    if saved and rows:
        logger.info("verify: %d of %d lrs already done in %s", len(rows), len(lrs), folder)

    report = VerifyReport(
        rows=rows,
        suggestion=suggestion,
        metric=metric or "",
        maximize=bool(maximize),
        steps=steps,
        seed=seed,
        range_test=result,
        skipped_lrs=skipped,
        settings=settings,
    )
    job = _Job(
        portable(factory), portable(evaluate), steps, seed, dict(one_cycle_kwargs or {}), suggestion
    )
    warned = False

    def settle_metric() -> None:
        """As soon as rows show the columns, not after every run has trained: the metric, its
        check, and (once) the warning for a score that is minimised."""
        nonlocal warned
        report.metric = metric or _default_metric(report.rows)
        _check_metric(report, metric)
        if not warned:
            _warn_if_a_score_is_minimised(report)
            warned = True

    if report.rows:
        settle_metric()
    for row in _run_all(job, todo, processes, progress):
        report.rows.append(row)
        report.rows.sort(key=lambda r: r["lr"])
        settle_metric()
        if folder is not None:
            _save_state(report, folder)
    settle_metric()
    if folder is not None:
        report.save(folder)
    return report


def load_report(path: str | os.PathLike[str]) -> VerifyReport:
    """Reads a ``verify.json`` written by :meth:`VerifyReport.save`."""
    source = Path(path)
    hint = "Pass resume=False (--no-resume) to start over, or use another folder."
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:  # bad UTF-8 or JSON
        msg = f"{str(source)!r} is not valid JSON (truncated or corrupt?): {error}. {hint}"
        raise ValueError(msg) from None
    report = VerifyReport.from_dict(data, source=repr(str(source)))
    for index, row in enumerate(report.rows):
        missing = [key for key in ("lr", "train_loss", "diverged") if key not in row]
        if missing:
            msg = f"{str(source)!r} is damaged: its row {index} has no {', '.join(missing)}. {hint}"
            raise ValueError(msg)
    return report


# --- one run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs to train one lr (picklable: specs or importable callables)."""

    factory: Any
    evaluate: Any
    steps: int
    seed: int
    one_cycle_kwargs: dict[str, Any]
    suggestion: float | None
    held_out_loss: bool = False  # report only the mean loss on val_data (the probes' score)


def train_one(job: _Job, lr: float) -> dict[str, Any]:
    """Trains one 1cycle run at peak ``lr`` and returns its row (see :class:`VerifyReport`)."""
    import torch

    from .batches import BatchStream
    from .range_test import StopRangeTest
    from .schedules import one_cycle_at
    from .torch import _to_device

    started = time.perf_counter()
    setup = build(job.factory, seed=job.seed)
    evaluate = resolve(job.evaluate, name="evaluate") if job.evaluate is not None else None
    model, optimizer = setup.model, setup.optimizer
    device = next(model.parameters()).device
    scheduler = one_cycle_at(lr, optimizer, job.steps, **job.one_cycle_kwargs)
    stream = BatchStream(setup.train_data)
    losses: list[float] = []
    diverged = False
    model.train()
    for _ in range(job.steps):
        optimizer.zero_grad(set_to_none=True)
        try:
            batch = stream.next()
        except StopRangeTest:  # a one-shot iterable ran out: the run ends early (see steps_done)
            break
        loss = batch_loss(setup, _to_device(batch, device))
        value = float(loss.detach())
        losses.append(value)
        if not math.isfinite(value):
            diverged = True
            break
        loss.backward()
        optimizer.step()
        scheduler.step()
    tail = losses[-max(1, len(losses) // 10) :]
    row: dict[str, Any] = {
        "lr": float(lr),
        "factor": float(lr / job.suggestion) if job.suggestion else math.nan,
        "train_loss": math.nan if diverged or not tail else float(sum(tail) / len(tail)),
    }
    metric_fn = None if job.held_out_loss else evaluate or setup.evaluate
    for name, value in _evaluate(setup, metric_fn, torch).items():
        row[name] = math.nan if diverged else value
    row.update(
        diverged=diverged, steps_done=len(losses), seconds=round(time.perf_counter() - started, 2)
    )
    return row


def _evaluate(setup: Setup, evaluate: Callable[..., Any] | None, torch: Any) -> dict[str, float]:
    data, prefix = (
        (setup.val_data, "val_") if setup.val_data is not None else (setup.train_data, "train_")
    )
    model = setup.model
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if evaluate is not None:
                value = evaluate(model, data)
                name = getattr(evaluate, "__name__", "metric")
                name = name if name.isidentifier() and name != "evaluate" else "metric"
                values = value if isinstance(value, Mapping) else {name: value}
                # On the training data "train_loss" is taken (the run's own last losses).
                return {_evaluated_column(prefix, str(k)): float(v) for k, v in values.items()}
            if setup.val_data is None:
                return {}
            from .torch import _to_device

            device = next(model.parameters()).device
            total, count = 0.0, 0
            for batch in setup.val_data:
                total += float(batch_loss(setup, _to_device(batch, device)))
                count += 1
            return {"val_loss": total / count if count else math.nan}
    finally:
        model.train(was_training)


def _evaluated_column(prefix: str, name: str) -> str:
    column = f"{prefix}{name}"
    return f"{prefix}eval_{name}" if column in _RUN_COLUMNS else column


#: The columns every run's row has, whatever is evaluated.
_RUN_COLUMNS = ("lr", "factor", "train_loss", "diverged", "steps_done", "seconds")


# --- running many --------------------------------------------------------------------------------


def _run_all(job: _Job, lrs: list[float], processes: int, progress: bool) -> Any:
    """Yields the row of each lr as it finishes (in order when serial)."""
    if not lrs:
        return
    bar = _progress_bar(len(lrs), progress)
    try:
        if processes == 1 or len(lrs) == 1:
            for lr in lrs:
                _describe_bar(bar, lr)
                row = train_one(job, lr)
                _advance(bar, row)
                yield row
            return
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        context = multiprocessing.get_context("spawn")
        workers = min(processes, len(lrs))
        threads = max(1, (os.cpu_count() or 1) // workers)
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(threads,)
        )
        try:
            pending = {pool.submit(train_one, job, lr) for lr in lrs}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    row = future.result()
                    _advance(bar, row)
                    yield row
        finally:  # on an error or Ctrl-C, runs not started yet are dropped (resume redoes them)
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if bar is not None:
            bar.close()


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _progress_bar(total: int, progress: bool) -> Any:
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="verify", unit="run")


def _describe_bar(bar: Any, lr: float) -> None:
    if bar is not None:
        bar.set_postfix_str(f"lr={lr:.3g}")
    logger.info("verify: training at lr=%.3g", lr)


def _advance(bar: Any, row: dict[str, Any]) -> None:
    if bar is not None:
        bar.update(1)
    logger.info("verify: lr=%.3g done (train_loss %.4g)", row["lr"], row["train_loss"])


# --- helpers -------------------------------------------------------------------------------------


def _range_test(
    factory: Factory,
    folder: Path | None,
    resume: bool,
    seed: int,
    progress: bool,
    kwargs: Mapping[str, Any] | None,
) -> RangeTestResult:
    path = folder / _RANGE_TEST_FILE if folder is not None else None
    if path is not None and resume and path.exists():
        return load(path)
    result = range_test_setup(factory, seed=seed, **{"progress": progress, **(kwargs or {})})
    if path is not None:
        result.save(path)
    return result


def _around(
    suggestion: float, factors: Sequence[float], result: RangeTestResult
) -> tuple[list[float], list[float]]:
    """``factors`` x ``suggestion``, keeping the lrs inside the range the test swept."""
    low, high = min(result.start_lr, result.end_lr), max(result.start_lr, result.end_lr)
    lrs = [suggestion * f for f in factors]
    kept = [lr for lr in lrs if low * (1 - 1e-9) <= lr <= high * (1 + 1e-9)]
    dropped = [lr for lr in lrs if lr not in kept]
    if dropped:
        logger.info("verify: skipping lrs outside the swept range: %s", dropped)
    return (kept or [suggestion]), dropped


def _run_settings(evaluate: Any, one_cycle_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """What besides steps and seed decides a run's row: the evaluate function, by name (the
    same whether given as ``FILE.py:name`` or as the function), and the schedule's arguments."""
    if evaluate is None:
        name = None
    elif isinstance(evaluate, str):
        name = evaluate.rsplit(":", 1)[-1]
    else:
        name = getattr(evaluate, "__name__", type(evaluate).__name__)
    schedule = {str(k): _plain(v) for k, v in sorted((one_cycle_kwargs or {}).items())}
    return {"evaluate": name, "one_cycle_kwargs": schedule}


def _plain(value: Any) -> Any:
    """A setting as JSON keeps it: a NumPy number as the number it is, anything else exotic
    by its repr."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return repr(value)


def _load_saved(
    folder: Path, steps: int, seed: int, settings: dict[str, Any]
) -> VerifyReport | None:
    path = folder / _FILES[0]
    if not path.exists():
        return None
    saved = load_report(path)
    mismatch = []
    if (saved.steps, saved.seed) != (steps, seed):
        mismatch.append(f"steps={saved.steps}, seed={saved.seed}, not steps={steps}, seed={seed}")
    for key, value in settings.items():
        if key in saved.settings and saved.settings[key] != value:  # older files lack them
            mismatch.append(f"{key}={saved.settings[key]!r}, not {key}={value!r}")
    if mismatch:
        msg = (
            f"{str(folder)!r} holds a check made with {'; '.join(mismatch)}: its runs cannot be "
            "reused. Pass resume=False (--no-resume) to start over, or use another folder."
        )
        raise ValueError(msg)
    return saved


def _save_state(report: VerifyReport, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.to_dict(), indent=1, allow_nan=False) + "\n"
    atomic_write_text(folder / _FILES[0], text)


def _matches_any(lr: float, lrs: Sequence[float]) -> bool:
    return any(math.isclose(lr, other) for other in lrs)


def _default_metric(rows: list[dict[str, Any]]) -> str:
    """The first evaluated column (``val_loss``, ``val_<name>``, or ``train_<name>`` when there
    is no held-out data), else the runs' own training loss."""
    for row in rows:
        for key in row:
            if key not in _RUN_COLUMNS:
                return key
    return "train_loss"


#: Metric names that say "higher is better": minimising one picks the worst run.
_SCORE_WORDS = re.compile(r"acc|f1|auc|precision|recall|score|iou|bleu|r2", re.IGNORECASE)


def _warn_if_a_score_is_minimised(report: VerifyReport) -> None:
    if not report.maximize and _SCORE_WORDS.search(report.metric.split("_", 1)[-1]):
        warnings.warn(
            f"verify: the metric {report.metric!r} looks like a score (higher is better), but "
            "maximize is False, so the best lr is the one with the lowest. Pass maximize=True "
            "(--maximize) if higher is better.",
            UserWarning,
            stacklevel=3,
        )


def _check_metric(report: VerifyReport, metric: str | None) -> None:
    """Once the first rows exist: the metric is one of their columns, and a loss is not
    maximised. Checked before the other runs train, not after all of them."""
    if report.metric not in report.columns:
        msg = (
            f"`metric` must be one of the report's columns {report.columns}, got metric={metric!r}."
        )
        raise ValueError(msg)
    if report.maximize and report.metric == "train_loss":
        msg = (
            "maximize=True but the metric is train_loss (nothing else was evaluated): the best "
            "lr would be the one that trained worst. Pass evaluate= (or val_data in the setup) "
            "for the metric to maximise, or drop maximize."
        )
        raise ValueError(msg)


def _check_portable(name: str, value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    try:
        pickle.dumps(value)
    except Exception:  # pickle raises many types; all mean the same here
        msg = (
            f"`{name}` must be importable to run in worker processes (processes > 1), got "
            f"{getattr(value, '__qualname__', value)!r}. Define it at module level in a file and "
            "pass it (or 'FILE.py:NAME'), or use processes=1."
        )
        raise TypeError(msg) from None


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return "" if value is None else str(value)


def _plot(report: VerifyReport, ax: Axes | None) -> Axes:
    try:
        import matplotlib.pyplot as plt  # falls back to Agg by itself where there is no display
    except ImportError:
        msg = "VerifyReport.plot needs matplotlib: pip install 'lrfinder[plot]'"
        raise ImportError(msg) from None
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.5))
    rows = report.rows
    lrs = [row["lr"] for row in rows]
    ax.set_xscale("log")
    ok = [r for r in rows if _finite(r["train_loss"])]
    ax.plot(
        [r["lr"] for r in ok],
        [r["train_loss"] for r in ok],
        "o-",
        color="C0",
        label="final training loss",
    )
    ax.set_xlabel("peak learning rate of the 1cycle run")
    ax.set_ylabel("training loss")
    metric_axes = ax
    handles, labels = ax.get_legend_handles_labels()
    val_names = [c for c in report.columns if c.startswith("val_")]
    if val_names:
        name = report.metric if report.metric in val_names else val_names[0]
        same_axis = name.endswith("loss")
        metric_axes = ax if same_axis else ax.twinx()
        good = [r for r in rows if _finite(r.get(name))]
        metric_axes.plot(
            [r["lr"] for r in good],
            [r[name] for r in good],
            "s--",
            color="C1",
            label=name.replace("_", " "),
        )
        if same_axis:
            ax.set_ylabel("loss")
        else:
            metric_axes.set_ylabel(name.replace("_", " "), color="C1")
        extra_h, extra_l = metric_axes.get_legend_handles_labels()
        if not same_axis:
            handles, labels = handles + extra_h, labels + extra_l
        else:
            handles, labels = extra_h, extra_l
    diverged = [r["lr"] for r in rows if r["diverged"]]
    if diverged:
        top = ax.get_ylim()[1] if ok else 1.0
        handles.append(
            ax.scatter(
                diverged,
                [top] * len(diverged),
                marker="x",
                color="C3",
                s=60,
                zorder=5,
                clip_on=False,
                label="diverged",
            )
        )
        labels.append("diverged")
    if report.suggestion is not None:
        handles.append(ax.axvline(report.suggestion, color="C2", linestyle=":", linewidth=2))
        labels.append(f"suggestion {report.suggestion:.2g}")
    best = report.best
    if best is not None:
        handles.append(
            metric_axes.scatter(
                [best["lr"]],
                [best[report.metric]],
                marker="*",
                s=250,
                color="C3",
                zorder=6,
                edgecolor="black",
            )
        )
        labels.append(f"best {report.metric.replace('_', ' ')} at {best['lr']:.2g}")
    if lrs:
        ax.set_xlim(min(lrs) / 2, max(lrs) * 2)
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(f"Check of the suggestion: {report.steps}-step 1cycle runs, seed {report.seed}")
    ax.legend(handles, labels, loc="best", fontsize="small")
    return ax


# --- the `lrfinder verify` command ---------------------------------------------------------------


def add_verify_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registers ``lrfinder verify FILE.py:factory --out DIR``."""
    from .cli import non_negative_int

    command = subparsers.add_parser(
        "verify",
        help="check the suggestion: short 1cycle runs at and around it on your own setup",
        description=(
            "Train short 1cycle runs on the setup built by FACTORY at the suggestion and half a "
            "decade and a decade either side of it (--steps: best the length you will train "
            "for); print a table of the final training loss and "
            "validation metric per lr and write DIR/verify.{json,csv,png}. Rerunning with the "
            "same DIR resumes: lrs already done are skipped."
        ),
    )
    command.add_argument("factory", metavar="FACTORY", help="FILE.py:NAME or MODULE:NAME")
    command.add_argument(
        "--evaluate",
        metavar="FILE.py:NAME",
        help="evaluate(model, val_data) -> float or dict (default: val loss)",
    )
    command.add_argument(
        "--out", type=Path, default=Path("lrfinder-verify"), metavar="DIR", help="output folder"
    )
    command.add_argument(
        "--result",
        type=Path,
        metavar="RUN.json",
        help="a saved range test to check (default: run one first)",
    )
    command.add_argument(
        "--lrs",
        type=_float_list,
        metavar="LR,LR,...",
        help="learning rates to try (default: the suggestion x 0.1..10, half a decade apart)",
    )
    command.add_argument(
        "--factors",
        type=_float_list,
        default=DEFAULT_FACTORS,
        metavar="F,F,...",
        help="multiples of the suggestion to try (default: 0.1,0.316,1,3.16,10)",
    )
    command.add_argument("--steps", type=int, default=200, help="optimizer updates per run")
    command.add_argument("--metric", help="column that picks the best lr")
    command.add_argument("--maximize", action="store_true", help="a larger metric is better")
    command.add_argument("--processes", type=int, default=1, help="runs in parallel")
    command.add_argument("--seed", type=non_negative_int, default=0)
    command.add_argument("--no-resume", action="store_true", help="ignore runs saved in --out")
    command.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    command.set_defaults(handler=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    """``lrfinder verify``: prints the table and the verdict, writes the files."""
    from .cli import output_folder

    result = load(args.result) if args.result is not None else None
    output_folder(args.out)
    print(f"lrfinder verify: {args.factory}, {args.steps}-step 1cycle runs")
    report = verify(
        args.factory,
        args.evaluate,
        lrs=args.lrs,
        result=result,
        factors=args.factors,
        steps=args.steps,
        metric=args.metric,
        maximize=args.maximize,
        processes=args.processes,
        out_dir=args.out,
        resume=not args.no_resume,
        progress=not args.no_progress,
        seed=args.seed,
    )
    if report.range_test is not None and args.result is None:
        print(report.range_test.summary())
    print(report)
    for name in (*_FILES, _RANGE_TEST_FILE):
        if (args.out / name).exists():
            print(f"wrote {args.out / name}")
    return 0


def _float_list(text: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        msg = f"expected comma-separated numbers such as 1e-3,1e-2, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
