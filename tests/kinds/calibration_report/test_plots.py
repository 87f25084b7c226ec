"""Every figure of scoring.kinds.calibration_report.figures: legends never cover data, labels never cut off or run into
each other, numbers written the Swedish way.

Each public figure function is drawn on the demo year 2023; a new function without a case
here fails ``test_every_figure_function_has_a_case``.
"""

from __future__ import annotations

import inspect
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import Collection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from scoring import calibration, consensus, overview
from scoring.agreement import agreement_table
from scoring.data import load_history, load_year
from scoring.kinds.calibration_report import figures as plots
from scoring.presentation import render, style

YEAR = 2023


@pytest.fixture(scope="module")
def figures() -> dict[str, render.Figure]:
    year = load_year(YEAR)
    rubric = year.rubric
    ind = year.scores[year.scores["stage"] == "individual"]
    history = load_history(YEAR)
    trend = agreement_table(history.scores[history.scores["stage"] == "individual"], by=("year", "criterion"),
                            rubric=rubric)
    cases = {
        "entries_per_class": lambda: plots.entries_per_class(
            overview.classes_overview(year.scores, year.entries, rubric), rubric),
        "agreement_by_criterion": lambda: plots.agreement_by_criterion(
            agreement_table(ind, by=("criterion",), rubric=rubric), rubric, ["ICC1", "ICC2", "alpha_interval"]),
        "agreement_trend": lambda: plots.agreement_trend(trend, rubric, "ICC1"),
        "spread_histogram": lambda: plots.spread_histogram(consensus.individual_spread(year.scores),
                                                           rubric.spread_threshold),
        "consensus_shift": lambda: plots.consensus_shift(consensus.consensus_shift(year.scores), rubric),
        "examiner_bias": lambda: plots.examiner_bias(calibration.examiner_effects(year.scores)),
    }
    return {name: make() for name, make in cases.items()}


#: Public functions of the figures modules that draw nothing themselves (the figure functions start from them).
HELPERS = {"figure"}


def _functions() -> set[str]:
    return {name for name, f in inspect.getmembers(plots, inspect.isfunction)
            if f.__module__ == plots.__name__ and not name.startswith("_")} - HELPERS


def test_every_figure_function_has_a_case(figures):
    assert _functions() == set(figures)
    assert all(isinstance(f, render.Figure) for f in figures.values())


# --------------------------------------------------------------------------------------
# geometry, in display pixels after drawing
# --------------------------------------------------------------------------------------


def _drawn(fig: Figure):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _dense(xy: np.ndarray, n: int = 25) -> np.ndarray:
    """The points of a polyline plus ``n`` points on each of its segments."""
    xy = np.asarray(xy, dtype=float)
    if len(xy) < 2:
        return xy
    t = np.linspace(0, 1, n)[:, None, None]
    return np.concatenate([xy, (xy[:-1] + t * (xy[1:] - xy[:-1])).reshape(-1, 2)])


def data_marks(fig: Figure, renderer) -> tuple[np.ndarray, list]:
    """What the axes plot: points (lines and their segments, markers, error bars) and boxes
    (bars, histogram bins, value labels), in display pixels."""
    points, boxes = [], []
    for ax in fig.axes:
        for a in ax.get_children():
            if not a.get_visible() or a is ax.patch:
                continue
            if isinstance(a, Line2D):
                xy = a.get_xydata()
                if len(xy):
                    points.append(a.get_transform().transform(_dense(xy)))
            elif isinstance(a, PathCollection):  # scatter: a marker at each offset
                offsets = np.asarray(a.get_offsets())
                if len(offsets):
                    points.append(a.get_offset_transform().transform(offsets))
            elif isinstance(a, Collection):  # error bars and other segments in data coordinates
                for path in a.get_paths():
                    if len(path.vertices):
                        points.append(a.get_transform().transform(_dense(path.vertices)))
            elif isinstance(a, Rectangle):
                boxes.append(a.get_window_extent(renderer))
        boxes += [t.get_window_extent(renderer) for t in ax.texts if t.get_visible() and t.get_text().strip()]
    pts = np.concatenate(points) if points else np.empty((0, 2))
    return pts[np.all(np.isfinite(pts), axis=1)], boxes


def legends(fig: Figure) -> list:
    found = list(fig.legends)
    found += [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return found


def covered(fig: Figure) -> list[str]:
    """What of the data any legend covers (empty when none does)."""
    renderer = _drawn(fig)
    points, boxes = data_marks(fig, renderer)
    hits = []
    for legend in legends(fig):
        box = legend.get_window_extent(renderer)
        inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                  & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
        hits += [f"point {p.round(1).tolist()}" for p in points[inside][:3]]
        hits += [f"box {b.bounds}" for b in boxes if b.overlaps(box)]
    return hits


def test_the_overlap_check_sees_a_legend_over_data():
    """The check below can fail: a legend placed on a line's middle is caught."""
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="en linje genom mitten")
    ax.bar([0.1], [0.9], width=0.05, label="stapel")
    ax.legend(loc="center")
    assert covered(fig)


@pytest.mark.parametrize("name", sorted(_functions()))
def test_legends_never_cover_data(figures, name):
    fig = figures[name].figure
    assert covered(fig) == []
    for legend in legends(fig):  # and they speak Swedish: no coefficient ids such as alpha_interval
        assert not [t.get_text() for t in legend.get_texts() if "_" in t.get_text()]


@pytest.mark.parametrize("name", sorted(_functions()))
def test_tick_labels_do_not_run_into_each_other(figures, name):
    fig = figures[name].figure
    renderer = _drawn(fig)
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
            for i, a in enumerate(boxes):
                assert not any(a.overlaps(b) for b in boxes[i + 1:]), f"overlapping tick labels in {name}"


@pytest.mark.parametrize("name", sorted(_functions()))
def test_numbers_in_figures_are_swedish(figures, name):
    fig = figures[name].figure
    _drawn(fig)
    texts = [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert texts
    assert [t for t in texts if re.search(r"\d\.\d", t)] == [], "decimal points"
    assert [t for t in texts if re.search(r"(?<![\w\-–])-\d", t)] == [], "hyphens as minus signs"


def test_long_class_names_are_wrapped_not_cut(figures):
    """The class names of the entries-per-class chart show whole (before: cut at 45 characters)."""
    rubric = load_year(YEAR).rubric
    fig = figures["entries_per_class"].figure
    _drawn(fig)
    shown = [" ".join(t.get_text().split()) for t in fig.axes[0].get_yticklabels()]
    assert sorted(shown) == sorted(rubric.class_label(c) for c in rubric.class_ids)
    longest = max(len(rubric.class_label(c)) for c in rubric.class_ids)
    assert longest > 45  # the demo's rubric has a name that used to be cut
    assert all(len(line) <= style.LABEL_WIDTH for t in fig.axes[0].get_yticklabels()
               for line in t.get_text().split("\n"))


def test_swedish_tick_formatter():
    f = style.SwedishFormatter()
    f.set_locs([-0.5, 0.0, 0.5, 1.0])
    assert [f(x) for x in (-0.5, 0.0, 0.5, 1.0)] == ["−0,5", "0,0", "0,5", "1,0"]
    f.set_locs([0, 10000, 20000])
    assert f(20000) == "20000"  # no offset, no scientific notation on a printed axis


def test_swedish_tick_formatter_short():
    """The one tick formatter's short form writes each tick as render.number does (the examiner's figures)."""
    f = style.SwedishFormatter(short=True)
    assert [f(x) for x in (-0.5, 0.0, 0.5, 1.0, 12.25)] == ["−0,5", "0", "0,5", "1", "12,25"]
    assert [f(x) for x in (-0.5, 1.0)] == [render.number(-0.5, None), render.number(1.0, None)]


def _many_examiners(n: int = 1000) -> pd.DataFrame:
    """A national year's examiner effects (1,000 examiners), made up, with a few without an estimate."""
    rng = np.random.default_rng(3)
    bias = rng.normal(0, 4, n)
    se = rng.uniform(1, 2, n)
    e = pd.DataFrame({"examiner_id": [f"N{i:04d}" for i in range(1, n + 1)], "bias": bias, "se": se,
                      "ci_low": bias - 1.96 * se, "ci_high": bias + 1.96 * se})
    e.loc[[5, 17], ["bias", "se", "ci_low", "ci_high"]] = np.nan
    return e


def test_a_large_years_generosity_figure_shows_both_ends_and_says_what_it_leaves_out():
    """Above FIGURE_MAX examiners the figure draws the FIGURE_ENDS strictest and most generous only (a
    label each for 1,000 would make it 220 inches tall and take 5 s to draw), its title and text
    alternative say so, and it passes the checks every figure passes."""
    e = _many_examiners()
    f = plots.examiner_bias(e)
    fig = f.figure
    k = plots.FIGURE_ENDS
    known = e.dropna(subset=["bias"]).sort_values("bias")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == list(known["examiner_id"].head(k)) + list(known["examiner_id"].tail(k))
    assert fig.get_figheight() < 15
    assert f"de {k} strängaste och de {k} generösaste av {render.number(1000)}" in fig.axes[0].get_title()
    assert f"de {k} strängaste och de {k} generösaste; de 950 däremellan står i tabellen nedan" in f.alt
    assert f"{render.number(1000)} examinatorer, från" in f.alt
    assert covered(fig) == []
    renderer = _drawn(fig)
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    gap = [t for t in fig.axes[0].texts if "950 examinatorer däremellan" in t.get_text()]
    assert len(gap) == 1
    # a city year (at most FIGURE_MAX examiners) is drawn whole, as before
    small = plots.examiner_bias(e.head(plots.FIGURE_MAX))
    assert len(small.figure.axes[0].get_yticklabels()) == plots.FIGURE_MAX
    assert "visas inte" not in small.alt
