"""Figures for the examiner training day, labelled in Swedish and readable on a projector.

Each function returns a :class:`scoring.presentation.render.Figure` (a matplotlib figure that pyplot
does not track, with a Swedish text alternative saying what it shows, numbers included),
as in :mod:`scoring.kinds.calibration_report.figures`.

The trainer's report is shown on a projector at 1024 × 768: every text in these figures is
:data:`TEXT_PT` points, and every figure at most :data:`WIDTH` inches wide, so that shown at its
size (the page shows a figure at 100 px per inch) its text is at least 18 px high
(14 pt × 100 / 72 = 19,4 px) and it fits the page's column at 1024 px without being scaled down.
The trainer's figures name no trainee unless asked (``codes=True``, the trainer's own screen);
a trainee's own figure names nobody at all.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...presentation import render
from ...presentation.render import number
from ...presentation.style import COLORS, SwedishFormatter, wrap
from ...rubric import Rubric

__all__ = ["TEXT_PT", "WIDTH", "scores_against_reference", "level_against_profile", "trainee_against_reference"]

#: Size in points of every text in the training figures (19,4 px on the page).
TEXT_PT = 14
#: Width of every training figure in inches: about 930 px on the page, inside the text column at a
#: 1024 px wide screen (1024 px less the page's padding of 2 × 24 px, and room for a scroll bar).
WIDTH = 9.2
#: A trainee's own figure is read on a page, not projected, and printed: narrower and lower than the
#: trainer's (about 780 × 520 px for one case of six criteria, issue 18), with the same text size.
TRAINEE_WIDTH = 7.7
#: Inches per criterion and below the panels (title, axis, one row of legend) in a trainee's figure.
TRAINEE_ROW, TRAINEE_EXTRA_HEIGHT = 0.55, 0.9
#: Characters per line of a criterion's label on the y axis.
_LABEL_CHARS = 18

_REFERENCE_COLOR = COLORS[3]
_OWN_COLOR = COLORS[0]


def _case_axes(cases: list[str], crit: list[str], extra_height: float = 2.0, *, width: float = WIDTH,
               row: float = 0.75):
    """A figure ``width`` inches wide with one panel per case (two per row) sharing the criterion axis,
    ``row`` inches per criterion; y positions per criterion."""
    ncols = min(len(cases), 2)
    nrows = math.ceil(len(cases) / ncols)
    fig = Figure(figsize=(width, nrows * (row * len(crit) + 1.0) + extra_height), layout="constrained")
    grid = fig.subplots(nrows, ncols, sharey=True, sharex=True, squeeze=False)
    axes = list(grid.ravel())
    for ax in axes[len(cases):]:  # an odd number of cases: the last row's empty panel goes
        ax.remove()
    y_of = {c: len(crit) - 1 - i for i, c in enumerate(crit)}
    return fig, axes[:len(cases)], y_of


def _finish_case_axes(axes, crit: list[str], rubric: Rubric) -> None:
    s = rubric.scale
    values = np.asarray(s.values, dtype=float)
    narrow = len(axes) > 1
    for ax in axes:
        ax.set_xlim(s.min - s.step, s.max + s.step)
        shown = values
        while len(shown) > (6 if narrow else 11):  # every other step until the labels fit the panel
            shown = shown[::2]
        ax.set_xticks(shown, [number(float(v), None) for v in shown])
        ax.tick_params(labelsize=TEXT_PT)
        ax.set_xlabel("Poäng", fontsize=TEXT_PT)
        ax.grid(axis="y", color="#eeeeee", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(range(len(crit)), [wrap(rubric.criterion_label(c), _LABEL_CHARS) for c in crit[::-1]])
    axes[0].set_ylim(-0.75, len(crit) - 0.4)


def _legend(fig: Figure, handles: list, ncols: int = 2) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), ncols), frameon=False,
               fontsize=TEXT_PT)


def scores_against_reference(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> render.Figure:
    """Per criterion, how many trainees gave each score (circle area and the count), and under the
    row the reference score (triangle) and the group's mean (bar); one panel per training case.
    Names nobody.

    Parameters
    ----------
    scores : criterion-level trainees' scores (``entry_id, examiner_id, criterion, score``).
    reference : the reference scores (``entry_id, criterion, score``).
    rubric : the criteria (rows, in its order) and the scale (x axis).
    """
    cases = list(dict.fromkeys(reference["entry_id"]))
    crit = [c for c in rubric.criterion_ids if c in set(reference["criterion"])]
    fig, axes, y_of = _case_axes(cases, crit)
    biggest = max(1, int(scores.groupby(["entry_id", "criterion", "score"]).size().max()) if len(scores) else 1)
    alt_cases = []
    for ax, case in zip(axes, cases, strict=True):
        sc = scores[scores["entry_id"] == case]
        counts = sc.groupby(["criterion", "score"]).size().reset_index(name="n")
        counts = counts[counts["criterion"].isin(y_of)]
        ax.scatter(counts["score"], counts["criterion"].map(y_of), s=250 + 650 * counts["n"] / biggest,
                   color=COLORS[0], alpha=0.3, edgecolor=COLORS[0], zorder=2)
        for _, r in counts.iterrows():
            ax.text(r["score"], y_of[r["criterion"]], str(r["n"]), ha="center", va="center", fontsize=TEXT_PT,
                    zorder=6)
        means = sc.groupby("criterion")["score"].mean()
        for c, m in means.items():
            if c in y_of:
                # under the row beside the reference's triangle, never through a count
                ax.plot([m, m], [y_of[c] - 0.56, y_of[c] - 0.26], color="black", lw=3, zorder=4)
        ref = reference[reference["entry_id"] == case]
        ref = ref[ref["criterion"].isin(y_of)]
        # the reference as a triangle under its score, so that it never covers a count
        ax.scatter(ref["score"], ref["criterion"].map(y_of) - 0.4, marker="^", s=230, color=_REFERENCE_COLOR,
                   zorder=5)
        ax.set_title(f"Övningsfall {case}" if len(cases) > 1 else "Deltagarnas poäng mot referensen",
                     fontsize=TEXT_PT)
        ref_of = ref.set_index("criterion")["score"]
        parts = []
        for c in crit:
            g = sc.loc[sc["criterion"] == c, "score"]
            spread = (f"{number(float(g.min()), None)}–{number(float(g.max()), None)}" if len(g) else "inga poäng")
            parts.append(f"{rubric.criterion_label(c)}: referens {number(float(ref_of[c]), None)}, gruppens medel "
                         f"{number(float(g.mean()), 1) if len(g) else render.MISSING}, poäng {spread}")
        n = sc["examiner_id"].nunique()
        alt_cases.append((f"Övningsfall {case}, " if len(cases) > 1 else "") + f"{number(n)} deltagare. "
                         + "; ".join(parts) + ".")
    _finish_case_axes(axes, crit, rubric)
    _legend(fig, [
        Line2D([], [], marker="o", ls="", color=COLORS[0], alpha=0.3, ms=16, label="Antal deltagare med poängen"),
        Line2D([], [], color="black", lw=3, label="Gruppens medel"),
        Line2D([], [], marker="^", ls="", ms=14, color=_REFERENCE_COLOR, label="Referens"),
    ])
    alt = ("Punktdiagram: hur många deltagare som gav varje poäng per kriterium, med referensen och gruppens "
           "medel. " + " ".join(alt_cases))
    return render.Figure(fig, alt)


def level_against_profile(accuracy: pd.DataFrame, step: float = 10, *, codes: bool = False) -> render.Figure:
    """Each trainee's overall level (elevation) against their profile error, one point each.

    ``accuracy`` is :func:`scoring.kinds.training.session.trainee_accuracy`: x is ``elevation`` (the
    mean of score − reference; > 0 too generous), y ``profile_error`` (Cronbach's stereotype
    accuracy: how the mean deviation per criterion varies around the level). A trainee who
    left a criterion blank has no profile error and is not drawn (the text alternative counts
    them). The points name nobody unless ``codes`` (the trainer's own screen): then each
    carries its trainee's code. ``step`` (the scale step) sets what the text alternative counts
    as clearly too generous or too strict (more than half a step from the reference).
    """
    a = accuracy.dropna(subset=["elevation", "profile_error"])
    left_out = int(accuracy["elevation"].notna().sum()) - len(a)
    fig = Figure(figsize=(WIDTH, 6.2), layout="constrained")
    ax = fig.add_subplot()
    ax.xaxis.set_major_formatter(SwedishFormatter())
    ax.yaxis.set_major_formatter(SwedishFormatter())
    ax.scatter(a["elevation"], a["profile_error"], s=90, color=COLORS[0], alpha=0.75, zorder=3)
    if codes:
        at_point = a.assign(x=a["elevation"].round(9), y=a["profile_error"].round(9)).groupby(["x", "y"], sort=False)
        for (x, y), g in at_point:  # trainees at the same point share one label
            ax.annotate(", ".join(g["examiner_id"].astype(str)), (x, y), xytext=(5, 4), textcoords="offset points",
                        fontsize=TEXT_PT)
    ax.axvline(0, color="grey", lw=1)
    if len(a):
        ax.axvline(a["elevation"].mean(), color=COLORS[1], ls="--", lw=1.5)
        reach = max(10.0, float(a["elevation"].abs().max()) * 1.15)
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-0.3, max(10.0, float(a["profile_error"].max()) * 1.15))
    ax.text(0.99, 0.99, "för generös →", transform=ax.transAxes, ha="right", va="top", color="#555555",
            fontsize=TEXT_PT)
    ax.text(0.01, 0.99, "← för sträng", transform=ax.transAxes, ha="left", va="top", color="#555555",
            fontsize=TEXT_PT)
    ax.set_xlabel("Nivå: medel av (poäng − referens), poäng", fontsize=TEXT_PT)
    ax.set_ylabel("Profilfel, poäng", fontsize=TEXT_PT)
    ax.set_title("Nivå och profil per deltagare", fontsize=TEXT_PT)
    ax.tick_params(labelsize=TEXT_PT)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(fig, [Line2D([], [], marker="o", ls="", color=COLORS[0], alpha=0.75, ms=9, label="En deltagare"),
                  Line2D([], [], color=COLORS[1], ls="--", lw=1.5, label="Gruppens medelnivå")])
    if len(a):
        generous = int((a["elevation"] > step / 2).sum())
        strict = int((a["elevation"] < -step / 2).sum())
        level = float(a["elevation"].mean())
        if codes:
            by_level = a.sort_values(["elevation", "examiner_id"])
            by_profile = a.sort_values(["profile_error", "examiner_id"])
            low, high = by_level.iloc[0], by_level.iloc[-1]
            best, worst = by_profile.iloc[0], by_profile.iloc[-1]
            ranges = (f"nivå från {low['examiner_id']} {number(float(low['elevation']), 1, sign=True)} till "
                      f"{high['examiner_id']} {number(float(high['elevation']), 1, sign=True)}; ")
            profiles = (f"Profilfel från {best['examiner_id']} {number(float(best['profile_error']), 1)} till "
                        f"{worst['examiner_id']} {number(float(worst['profile_error']), 1)} poäng")
        else:
            ranges = (f"nivå från {number(float(a['elevation'].min()), 1, sign=True)} till "
                      f"{number(float(a['elevation'].max()), 1, sign=True)}; ")
            profiles = (f"Profilfel från {number(float(a['profile_error'].min()), 1)} till "
                        f"{number(float(a['profile_error'].max()), 1)} poäng")
        summary = (f"{number(len(a))} deltagare. Gruppens medelnivå {number(level, 1, sign=True)} poäng; {ranges}"
                   f"{number(generous)} mer än ett halvt skalsteg för generösa, {number(strict)} för stränga. "
                   f"{profiles}, i medel {number(float(a['profile_error'].mean()), 1)}")
    else:
        summary = "Inga deltagare med profilfel ännu"
    if left_out:
        summary += f". {number(left_out)} deltagare med kriterier utan poäng har inget profilfel och saknas i figuren"
    alt = ("Spridningsdiagram: varje deltagares nivå (medel av poäng minus referens; över 0 för generös) mot "
           f"profilfel (hur avvikelsen per kriterium varierar kring nivån). {summary}.")
    return render.Figure(fig, alt)


def trainee_against_reference(feedback) -> render.Figure:
    """One trainee's own scores (dot) against the reference (diamond) and the other trainees'
    mean (bar), per criterion; one panel per case.

    ``feedback`` is :func:`scoring.kinds.training.session.trainee_feedback`. Nobody is named: not the
    trainee, not the others. The others' mean is drawn only where the page shows it (the
    disclosure rule); no spread, lowest or highest.
    """
    f = feedback
    rubric = f.rubric
    crit = [c for c in rubric.criterion_ids if c in set(f.scores["criterion"])]
    fig, axes, y_of = _case_axes(f.cases, crit, TRAINEE_EXTRA_HEIGHT, width=TRAINEE_WIDTH, row=TRAINEE_ROW)
    alt_cases = []
    for ax, case in zip(axes, f.cases, strict=True):
        t = f.scores[(f.scores["entry_id"] == case) & f.scores["criterion"].isin(y_of)]
        y = t["criterion"].map(y_of)
        g = t.dropna(subset=["others_mean"])
        gy = g["criterion"].map(y_of)
        ax.vlines(g["others_mean"], gy - 0.35, gy + 0.35, color="black", lw=2.5, zorder=3)
        ax.scatter(t["reference"], y, marker="D", s=260, facecolor="none", linewidth=2.5, edgecolor=_REFERENCE_COLOR,
                   zorder=4)
        own = t.dropna(subset=["score"])
        ax.scatter(own["score"], own["criterion"].map(y_of), s=120, color=_OWN_COLOR, zorder=5)
        ax.set_title(f"Övningsfall {case}" if len(f.cases) > 1 else "Dina poäng mot referensen och övrigas medel",
                     fontsize=TEXT_PT)
        parts = []
        for _, r in t.iterrows():
            you = number(float(r["score"]), None) if pd.notna(r["score"]) else "ingen poäng"
            others = f", övrigas medel {number(float(r['others_mean']), 1)}" if pd.notna(r["others_mean"]) else ""
            parts.append(f"{rubric.criterion_label(r['criterion'])}: du {you}, referens "
                         f"{number(float(r['reference']), None)}{others}")
        alt_cases.append((f"Övningsfall {case}: " if len(f.cases) > 1 else "") + "; ".join(parts) + ".")
    _finish_case_axes(axes, crit, rubric)
    _legend(fig, [
        Line2D([], [], marker="o", ls="", color=_OWN_COLOR, ms=11, label="Din poäng"),
        Line2D([], [], marker="D", ls="", markerfacecolor="none", markeredgewidth=2.5, ms=12, color=_REFERENCE_COLOR,
               label="Referens"),
        Line2D([], [], color="black", lw=2.5, label="Övrigas medel"),
    ], ncols=3)  # three short labels: one row
    alt = ("Punktdiagram: dina poäng per kriterium mot referensen och övrigas medel. "
           + " ".join(alt_cases))
    return render.Figure(fig, alt)
