"""Tests of the plot: assertions on the returned Axes, not on pixels."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import lrfinder  # noqa: E402
from curves import plateau_then_climb  # noqa: E402
from lrfinder import RangeTestResult  # noqa: E402
from lrfinder.suggest import knee  # noqa: E402


@pytest.fixture
def result():
    lrs = np.logspace(-6, 0, 61)
    x = np.log10(lrs)
    losses = 2.0 - np.tanh(x + 3.0) + np.exp(3.0 * (x + 0.5))
    return RangeTestResult(lrs, losses, "completed", 1e-6, 1.0, 61)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class TestPlot:
    def test_draws_raw_and_smoothed_on_a_log_axis(self, result):
        """The raw and smoothed curves are both drawn, on a log learning-rate axis."""
        ax = result.plot()

        labels = [line.get_label() for line in ax.get_lines()]
        raw = ax.get_lines()[labels.index("raw loss")]
        assert ax.get_xscale() == "log"
        np.testing.assert_array_equal(raw.get_xdata(), result.lrs)
        assert "smoothed (zero-lag)" in labels

    def test_marks_the_returned_suggestion(self, result):
        """The marker sits at the value result.suggestion returns, on the smoothed curve."""
        ax = result.plot()

        marker = next(
            line for line in ax.get_lines() if line.get_label().startswith("suggested lr")
        )
        assert marker.get_xdata()[0] == result.suggestion
        assert marker.get_label() == f"suggested lr = {result.suggestion:.2g} ({result.method})"

    def test_an_adjusted_suggestion_also_shows_the_curves_reading(self, result):
        """At batch 16 the marker is the corrected suggestion; a hollow one marks the knee."""
        result.metadata["batch_size"] = 16
        ax = result.plot()

        lines = {line.get_label(): line for line in ax.get_lines()}
        read = lrfinder.suggest.knee(result.lrs, result.losses).lr
        marker = lines[
            f"suggested lr = {result.suggestion:.2g} ({result.method}, x0.32 for batch 16)"
        ]
        hollow = lines[f"{result.method} read from the curve = {read:.2g}"]
        assert marker.get_xdata()[0] == result.suggestion
        assert hollow.get_xdata()[0] == read
        assert result.suggestion < read

    def test_a_corrected_plateau_shows_the_climb_it_was_lowered_from(self):
        """On a quiet curve that never descends, at batch 16, the hollow marker is the climb:
        the suggestion is that climb divided by 10**0.5, as the legend's note says."""
        lrs, losses = plateau_then_climb(0)
        plateau = RangeTestResult(lrs, losses, "diverged", 1e-7, 10.0, 100)
        plateau.metadata["batch_size"] = 16
        climb = float(plateau.curve.lrs[plateau.curve.climb_index])

        ax = plateau.plot()

        lines = {line.get_label(): line for line in ax.get_lines()}
        hollow = lines[f"where the loss starts to climb = {climb:.2g}"]
        assert hollow.get_xdata()[0] == climb
        assert plateau.suggestion == pytest.approx(climb * 10**-0.5, rel=1e-9)

    def test_a_plateau_without_momentum_shows_the_knee_it_was_lowered_from(self):
        """Without momentum at batch 64, the correction multiplies the knee's own reading below
        the climb (a quarter decade), and the hollow marker names that reading: the legend's
        x0.32 times it is the suggestion."""
        lrs, losses = plateau_then_climb(0)
        plateau = RangeTestResult(lrs, losses, "diverged", 1e-7, 10.0, 100)
        plateau.metadata.update(batch_size=64, optimizer_hyperparameters={"momentum": 0})
        read = knee(lrs, losses).lr

        ax = plateau.plot()

        lines = {line.get_label(): line for line in ax.get_lines()}
        hollow = lines[f"knee read from the curve = {read:.2g}"]
        assert hollow.get_xdata()[0] == read
        assert plateau.suggestion == pytest.approx(read * 10**-0.5, rel=1e-9)

    def test_shades_the_range(self, result):
        """The cyclical range is shaded between its two bounds."""
        ax = result.plot()

        low, high = result.lr_range
        (span,) = [p for p in ax.patches if p.get_label().startswith("cyclical range")]
        left, right = span.get_x(), span.get_x() + span.get_width()  # a Rectangle in data x
        assert (left, right) == pytest.approx((low, high))

    def test_other_rules_on_request(self, result):
        """methods=... adds one marker per rule, at that rule's suggestion."""
        ax = result.plot(methods=("valley", "minimum"))

        labels = [line.get_label() for line in ax.get_lines()]
        # minimum returns the lowest point divided by 10, and the legend says so.
        assert f"minimum / 10: {result.suggest('minimum').lr:.2g}" in labels
        assert any(label.startswith("valley: ") for label in labels)

    def test_draws_on_given_axes_and_shows_warnings(self, result):
        """A user's Axes is drawn on and returned; warnings appear in a text box."""
        _, ax = plt.subplots()
        short = RangeTestResult(result.lrs[:30], result.losses[:30], "interrupted", 1e-6, 1.0, 61)

        returned = short.plot(ax=ax)

        assert returned is ax
        assert any("interrupted" in text.get_text() for text in ax.texts)

    def test_on_its_own_figure_legend_and_warnings_hide_no_data(self, result):
        """On a figure of its own the legend sits below the axes and the warnings in a box above
        them, both outside the plotted area; the figure grows to hold them."""
        short = RangeTestResult(result.lrs[:30], result.losses[:30], "interrupted", 1e-6, 1.0, 61)

        ax = short.plot(methods=("steepest",))

        figure = ax.figure
        figure.canvas.draw()
        assert ax.get_legend() is None
        assert len(figure.legends) == 2
        entries, box = figure.legends
        plotted = ax.get_window_extent()
        for legend in (entries, box):
            assert not legend.get_window_extent().overlaps(plotted)
        assert entries.get_window_extent().y1 < plotted.y0  # below
        assert box.get_window_extent().y0 > plotted.y1  # above
        labels = [text.get_text() for text in entries.get_texts()]
        assert labels[0] == "raw loss"
        assert any(label.startswith("steepest: ") for label in labels)
        assert box.get_title().get_text().startswith("! The run was interrupted after 30 of 61")
        assert figure.get_size_inches()[1] > 5.0

    def test_a_maximized_objective_is_labelled_as_such(self, result):
        """The curve of an optimizer that maximizes holds the negated objective: the axis says."""
        result.metadata["recorded_loss"] = "negated objective, maximize=True"

        ax = result.plot()

        assert ax.get_ylabel() == "training loss (negated objective, maximize=True)"

    def test_a_curve_too_short_to_smooth_has_no_legend_entry_for_it(self):
        """Two points draw the raw loss only: the legend names nothing that is not drawn."""
        two = RangeTestResult([1e-3, 1e-2], [1.0, 0.9], "interrupted", 1e-3, 1.0, 10)

        ax = two.plot()

        labels = [text.get_text() for text in ax.figure.legends[0].get_texts()]
        assert labels == ["raw loss"]

    def test_every_rule_has_a_colour_of_its_own(self):
        """Rules marked together are told apart: no two share a colour, none the suggestion's."""
        from lrfinder import plot
        from lrfinder.suggest import SUGGESTERS

        colours = [plot._RULE_COLOURS[name] for name in SUGGESTERS]
        assert len(set(colours)) == len(colours)
        assert plot._SUGGESTION_COLOUR not in colours

    def test_a_file_name_for_ax_says_how_to_save(self, result, tmp_path):
        """plot("lr.png") is a common slip: the error names the value and the way to save."""
        target = tmp_path / "lr.png"

        with pytest.raises(TypeError, match=r"not a file name.*savefig") as caught:
            result.plot(str(target))

        assert repr(str(target)) in str(caught.value)
        with pytest.raises(TypeError, match="not a file name"):
            result.plot(target)
        assert not target.exists()

    def test_anything_else_for_ax_is_refused_before_drawing(self, result):
        """A wrong ax is refused before a figure is made, naming the type it got."""
        before = plt.get_fignums()

        with pytest.raises(TypeError, match=r"takes a matplotlib Axes or None, got int"):
            result.plot(3)

        assert plt.get_fignums() == before

    def test_never_shows(self, result, monkeypatch):
        """plot() never calls plt.show()."""
        monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))

        result.plot()
