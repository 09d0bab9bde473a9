"""A matplotlib figure of a range test that a person can read at a glance.

Raw losses (thin, grey) and the zero-lag smoothed curve (bold) on a log learning-rate axis; the
suggestion marked at the value that is returned; the range for cyclical schedules shaded; other
rules' picks on request; the run's warnings in a box. matplotlib is imported here only.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .batch_noise import correction_factors
from .errors import LRFinderError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .result import RangeTestResult

_RULE_COLOURS = {  # one per rule of lrfinder.suggest.SUGGESTERS, none the suggestion's red
    "minimum": "#8c564b",
    "valley": "#9467bd",
    "slide": "#e377c2",
    "steepest": "#ff7f0e",
    "knee": "#17becf",
    "descent_end": "#bcbd22",
}
_SUGGESTION_COLOUR = "#d62728"
#: Legend names where the rule's name alone would mislead: fastai's ``minimum`` rule returns the
#: curve's minimum divided by 10, so its marker sits a decade left of the lowest point.
_RULE_LEGEND = {"minimum": "minimum / 10"}
_RANGE_COLOUR = "#2ca02c"
_SMOOTH_COLOUR = "#1f77b4"


def plot_result(
    result: RangeTestResult,
    ax: Axes | None = None,
    *,
    methods: Sequence[str] = (),
    show_range: bool = True,
    show_warnings: bool = True,
    title: str | None = None,
) -> Axes:
    """Draws ``result`` and returns the Axes. Never calls ``plt.show()``.

    Args:
        result: A range-test result.
        ax: Axes to draw on; a new 8x5-inch figure if None.
        methods: Other rules to mark as well (e.g. ``("valley", "minimum")``).
        show_range: Shade ``result.lr_range``.
        show_warnings: Print ``result.warnings`` in a box inside the axes.
        title: The title; a default one names the steps and the stop reason.
    """
    _check_axes(ax)
    if len(result.runs) > 1:  # several runs: band and spread, see lrfinder.multirun.plot_runs
        from .multirun import plot_runs

        return plot_runs(result, ax, methods=methods, show_warnings=show_warnings, title=title)
    own = ax is None
    if ax is None:
        ax = new_axes()
    lrs, losses, smoothed = result.lrs, result.losses, result.smoothed
    finite = np.isfinite(losses)

    ax.plot(lrs[finite], losses[finite], color="0.6", lw=0.8, marker=".", ms=3, label="raw loss")
    if np.isfinite(smoothed).any():  # too short a curve has none: no legend entry for it
        ax.plot(lrs, smoothed, color=_SMOOTH_COLOUR, lw=2.2, label="smoothed (zero-lag)")
    if not finite.all():
        first_bad = int(np.flatnonzero(~finite)[0])
        ax.axvline(lrs[first_bad], color="k", ls=":", lw=1)
        ax.annotate(
            "non-finite loss",
            (lrs[first_bad], 0.98),
            xycoords=("data", "axes fraction"),
            ha="right",
            va="top",
            fontsize=8,
            rotation=90,
        )

    for method in methods:
        _mark_rule(ax, result, method)
    _mark_suggestion(ax, result, show_range)
    _set_limits(ax, result, headroom=0.12 if own else 0.35)  # room for a legend inside
    ax.set_xscale("log" if result.mode == "exp" else "linear")
    ax.set_xlabel("learning rate" + (" (log scale)" if result.mode == "exp" else ""))
    ax.set_ylabel(_loss_label(result))
    ax.grid(True, which="major", alpha=0.3)
    finish(
        ax,
        title
        if title is not None
        else f"LR range test: {len(lrs)} of {result.num_steps} steps, stopped: {result.stop_reason}",
        result.warnings if show_warnings else [],
        own=own,
    )
    return ax


def _loss_label(result: RangeTestResult) -> str:
    """The y-axis: the training loss, or the negated objective an optimizer maximized."""
    recorded = result.metadata.get("recorded_loss")
    return f"training loss ({recorded})" if recorded else "training loss"


def new_axes() -> Axes:
    """The Axes of a new figure, sized by :func:`finish` once the legend is known."""
    _, ax = _pyplot().subplots(figsize=(8, 5), dpi=120, layout="constrained")
    return ax


def finish(ax: Axes, title: str, warnings: Sequence[str], *, own: bool) -> None:
    """Titles the plot, and places its legend and warnings where they hide no data.

    On a figure of our own they go outside the axes: the warnings in a box at the top, where
    they are read first, the legend below the plot; the figure grows to hold them. On
    the user's Axes (whose figure is theirs to lay out) the legend goes where matplotlib
    finds the least data, and the warnings in a box inside the axes.
    """
    if not own:
        ax.set_title(title)
        ax.legend(loc="best", fontsize=8, framealpha=0.9)
        warning_box(ax, list(warnings))
        return
    figure = ax.figure
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    columns = 2 if labels and max(len(label) for label in labels) <= 50 else 1
    rows = -(-len(labels) // columns)
    figure.legend(
        handles, labels, loc="outside lower center", ncols=columns, fontsize=8, frameon=False
    )
    lines = warning_lines(list(warnings), width=110)
    if lines:
        box = figure.legend(
            [],
            [],
            loc="outside upper center",
            title="\n".join(lines),
            title_fontsize=8,
            alignment="left",
            framealpha=0.95,
        )
        box.get_title().set_color(_WARNING_COLOURS["text"])
        box.get_frame().set_facecolor(_WARNING_COLOURS["face"])
        box.get_frame().set_edgecolor(_WARNING_COLOURS["edge"])
    width, height = figure.get_size_inches()
    extra = 0.2 * rows + (0.16 * len(lines) + 0.3 if lines else 0.0)
    figure.set_size_inches(width, height + extra)


def _mark_suggestion(ax: Axes, result: RangeTestResult, show_range: bool) -> None:
    try:
        suggestion = result.suggest()
        lr = suggestion.lr
        low, high = result.lr_range
    except LRFinderError:
        return
    if show_range:
        ax.axvspan(
            low,
            high,
            color=_RANGE_COLOUR,
            alpha=0.12,
            label=f"cyclical range {low:.2g} – {high:.2g}",
        )
    ax.axvline(lr, color=_SUGGESTION_COLOUR, ls="--", lw=1.2)
    ax.plot(
        [lr],
        [_smoothed_at(result, lr)],
        "o",
        color=_SUGGESTION_COLOUR,
        ms=9,
        zorder=5,
        label=f"suggested lr = {lr:.2g} ({suggestion.source})",
    )
    if suggestion.note:  # adjusted for the setup (lrfinder.batch_noise): show the curve's reading
        read, label = _reading_before_correction(result, suggestion.method)
        ax.plot(
            [read],
            [_smoothed_at(result, read)],
            "o",
            mfc="none",
            mec=_SUGGESTION_COLOUR,
            mew=1.5,
            ms=9,
            zorder=5,
            label=f"{label} = {read:.2g}",
        )


def _reading_before_correction(result: RangeTestResult, method: str) -> tuple[float, str]:
    """The rate the setup's correction lowered, and its legend label: the rule's own reading,
    or, on a quiet curve that never clearly descends with a small batch, where the loss starts
    to climb (there the small-batch correction replaces the back-off below it,
    :meth:`lrfinder.suggest.Curve.below_climb`)."""
    from .suggest import get_suggester

    curve = result.curve
    small, _ = correction_factors(method, result.metadata)
    if small != 1.0 and curve is not None and not curve.clearly_descends and not curve.late_climb:
        return float(curve.lrs[curve.climb_index]), "where the loss starts to climb"
    return get_suggester(method)(result.lrs, result.losses).lr, f"{method} read from the curve"


def _mark_rule(ax: Axes, result: RangeTestResult, method: str) -> None:
    try:
        suggestion = result.suggest(method)
    except LRFinderError:
        return
    ax.plot(
        [suggestion.lr],
        [_smoothed_at(result, suggestion.lr)],
        "D",
        color=_RULE_COLOURS.get(method, "0.3"),
        ms=6,
        zorder=4,
        label=f"{_RULE_LEGEND.get(method, method)}: {suggestion.lr:.2g}",
    )


def _smoothed_at(result: RangeTestResult, lr: float) -> float:
    """The smoothed curve at ``lr``, interpolated in log-lr (the suggestion need not be a rung)."""
    smoothed = result.smoothed
    ok = np.isfinite(smoothed)
    return float(np.interp(np.log(lr), np.log(result.lrs[ok]), smoothed[ok]))


def _set_limits(ax: Axes, result: RangeTestResult, headroom: float) -> None:
    """Keeps the interesting part in view: a diverged tail must not squash the descent."""
    losses = result.losses[np.isfinite(result.losses)]
    smoothed = result.smoothed[np.isfinite(result.smoothed)]
    if losses.size < 2 or smoothed.size < 2:
        return
    bottom = min(float(losses.min()), float(smoothed.min()))
    start = float(np.median(losses[: max(3, losses.size // 10)]))
    if result.stop_reason in ("diverged", "non-finite"):  # keep the blow-up from squashing it
        top = max(start, float(smoothed[: int(np.argmin(smoothed)) + 1].max()))
    else:  # no blow-up to leave out: all of the smoothed curve in view
        top = max(start, float(smoothed.max()))
    span = top - bottom if top > bottom else max(abs(top), 1.0) * 0.1
    ax.set_ylim(bottom - 0.08 * span, top + headroom * span)
    low, high = float(result.lrs[0]), float(result.lrs[-1])
    try:  # a blended suggestion can lie past the rates the run reached (a short run)
        suggestion = result.suggestion
        low, high = min(low, suggestion), max(high, suggestion)
    except LRFinderError:
        pass
    ax.set_xlim(low, high)


_WARNING_COLOURS = {"text": "#7f2704", "face": "#fff5eb", "edge": "#fdae6b"}


def warning_lines(warnings: list[str], *, width: int = 70) -> list[str]:
    """The first clause of up to three warnings (the whole of a short one), wrapped."""
    lines = []
    for message in warnings[:3]:
        first_clause = message.split(": ")[0] if len(message) > 110 else message
        lines.extend(textwrap.wrap("! " + first_clause, width=width))
    return lines


def warning_box(ax: Axes, warnings: list[str], *, top: bool = False, width: int = 70) -> None:
    """Prints the first clause of up to three warnings in a box at the right of the axes."""
    lines = warning_lines(warnings, width=width)
    if not lines:
        return
    ax.text(
        0.99,
        0.90 if top else 0.02,
        "\n".join(lines),
        transform=ax.transAxes,
        ha="right",
        va="top" if top else "bottom",
        fontsize=7.5,
        color=_WARNING_COLOURS["text"],
        bbox={
            "boxstyle": "round",
            "facecolor": _WARNING_COLOURS["face"],
            "edgecolor": _WARNING_COLOURS["edge"],
            "alpha": 0.95,
        },
    )


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt  # falls back to Agg by itself where there is no display
    except ImportError:
        msg = "plotting needs matplotlib: pip install 'lrfinder[plot]'"
        raise ImportError(msg) from None
    return plt


def _check_axes(ax: object) -> None:
    """Refuses anything but a matplotlib Axes (or None) before drawing: ``result.plot("lr.png")``
    would otherwise fail deep in matplotlib with "'str' object has no attribute 'plot'"."""
    if ax is None:
        return
    from matplotlib.axes import Axes

    if isinstance(ax, Axes):
        return
    if isinstance(ax, (str, os.PathLike)):
        msg = (
            f"plot(ax={ax!r}): ax is the matplotlib Axes to draw on, not a file name; to save "
            f"the picture, call result.plot().figure.savefig({str(ax)!r})"
        )
    else:
        msg = (
            f"plot(ax=...) takes a matplotlib Axes or None, got {type(ax).__name__}; pass "
            "ax=None for a new figure"
        )
    raise TypeError(msg)


def save_figure(ax: Axes, path: Any) -> None:
    """Saves the figure of ``ax`` as PNG and closes it (the CLI's use)."""
    figure = ax.figure
    figure.savefig(path, dpi=150)
    _pyplot().close(figure)
