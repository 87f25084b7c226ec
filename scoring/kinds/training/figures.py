"""Figures for the examiner training day, labelled in Swedish.

Each function returns a :class:`scoring.presentation.render.Figure` (a matplotlib figure that pyplot
does not track, with a Swedish text alternative saying what it shows, numbers included),
as in :mod:`scoring.kinds.calibration_report.figures`. The trainer's figures show trainees under their codes only;
a trainee's own figure names nobody at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...presentation import render
from ...presentation.render import number
from ...presentation.style import COLORS, figure
from ...rubric import Rubric

__all__ = ["scores_against_reference", "level_against_profile", "trainee_against_reference"]

_REFERENCE_COLOR = COLORS[3]
_OWN_COLOR = COLORS[0]


def _case_axes(cases: list[str], crit: list[str], extra_height: float = 1.8):
    """A figure with one panel per case sharing the criterion axis; y positions per criterion."""
    fig = Figure(figsize=(4.2 * len(cases) + 3.5, 0.6 * len(crit) + extra_height), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(cases), sharey=True, squeeze=False)[0])
    y_of = {c: len(crit) - 1 - i for i, c in enumerate(crit)}
    return fig, axes, y_of


def _finish_case_axes(axes, crit: list[str], rubric: Rubric) -> None:
    s = rubric.scale
    for ax in axes:
        ax.set_xlim(s.min - s.step, s.max + s.step)
        values = s.values
        if len(values) <= 21:
            ax.set_xticks(values, [number(float(v), None) for v in values], fontsize="small")
        ax.set_xlabel("Poäng")
        ax.grid(axis="y", color="#eeeeee", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(range(len(crit)), [rubric.criterion_label(c) for c in crit[::-1]])
    axes[0].set_ylim(-0.7, len(crit) - 0.3)


def scores_against_reference(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> render.Figure:
    """Per criterion, how many trainees gave each score (circle area), with the reference
    score (diamond) and the group's mean (bar); one panel per training case.

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
        ax.scatter(counts["score"], counts["criterion"].map(y_of), s=600 * counts["n"] / biggest,
                   color=COLORS[0], alpha=0.35, edgecolor=COLORS[0], zorder=2)
        for _, r in counts.iterrows():
            ax.text(r["score"], y_of[r["criterion"]], str(r["n"]), ha="center", va="center", fontsize="small",
                    zorder=3)
        means = sc.groupby("criterion")["score"].mean()
        for c, m in means.items():
            if c in y_of:
                ax.plot([m, m], [y_of[c] - 0.35, y_of[c] + 0.35], color="black", lw=2, zorder=4)
        ref = reference[reference["entry_id"] == case]
        ref = ref[ref["criterion"].isin(y_of)]
        ax.scatter(ref["score"], ref["criterion"].map(y_of), marker="D", s=160, facecolor="none", linewidth=2,
                   edgecolor=_REFERENCE_COLOR, zorder=5)
        ax.set_title(f"Övningsfall {case}" if len(cases) > 1 else "Deltagarnas poäng mot referensen")
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
    handles = [
        Line2D([], [], marker="o", ls="", color=COLORS[0], alpha=0.35, ms=12, label="Antal deltagare med poängen"),
        Line2D([], [], color="black", lw=2, label="Gruppens medel"),
        Line2D([], [], marker="D", ls="", markerfacecolor="none", markeredgewidth=2, color=_REFERENCE_COLOR,
               label="Referens"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    alt = ("Punktdiagram: hur många deltagare som gav varje poäng per kriterium, med referensen och gruppens "
           "medel. " + " ".join(alt_cases))
    return render.Figure(fig, alt)


def level_against_profile(accuracy: pd.DataFrame, step: float = 10) -> render.Figure:
    """Each trainee's overall level (elevation) against their profile error.

    ``accuracy`` is :func:`scoring.kinds.training.session.trainee_accuracy`: x is ``elevation`` (the
    mean of score − reference; > 0 too generous), y ``profile_error`` (the distance that
    is left once the level is taken out). Trainees whose scorebook misses scores are drawn
    hollow. Codes only. ``step`` (the scale step) sets what the text alternative counts as
    clearly too generous or too strict (more than half a step from the reference).
    """
    a = accuracy.dropna(subset=["elevation", "profile_error"])
    fig, ax = figure(8, 5.5)
    complete = a["note"].isna()
    ax.scatter(a.loc[complete, "elevation"], a.loc[complete, "profile_error"], s=45, color=COLORS[0], zorder=3,
               label="Alla kriterier bedömda")
    if (~complete).any():
        ax.scatter(a.loc[~complete, "elevation"], a.loc[~complete, "profile_error"], s=45, facecolor="white",
                   edgecolor=COLORS[0], zorder=3, label="Poäng saknas")
    at_point = a.assign(x=a["elevation"].round(9), y=a["profile_error"].round(9)).groupby(["x", "y"], sort=False)
    for (x, y), g in at_point:  # trainees at the same point share one label
        ax.annotate(", ".join(g["examiner_id"].astype(str)), (x, y), xytext=(4, 3), textcoords="offset points",
                    fontsize="small")
    ax.axvline(0, color="grey", lw=0.8)
    if len(a):
        ax.axvline(a["elevation"].mean(), color=COLORS[1], ls="--", lw=1, label="Gruppens medelnivå")
        reach = max(10.0, float(a["elevation"].abs().max()) * 1.15)
        ax.set_xlim(-reach, reach)
        ax.set_ylim(-0.3, max(10.0, float(a["profile_error"].max()) * 1.15))
    ax.text(0.99, 0.99, "för generös →", transform=ax.transAxes, ha="right", va="top", color="grey")
    ax.text(0.01, 0.99, "← för sträng", transform=ax.transAxes, ha="left", va="top", color="grey")
    ax.set_xlabel("Nivå: medel av (poäng − referens), poäng")
    ax.set_ylabel("Profilfel: avstånd till referensen utöver nivån, poäng")
    ax.set_title("Nivå och profil per deltagare")
    ax.legend(frameon=False, loc="lower right", fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)
    if len(a):
        by_level = a.sort_values(["elevation", "examiner_id"])
        by_profile = a.sort_values(["profile_error", "examiner_id"])
        low, high = by_level.iloc[0], by_level.iloc[-1]
        best, worst = by_profile.iloc[0], by_profile.iloc[-1]
        generous = int((a["elevation"] > step / 2).sum())
        strict = int((a["elevation"] < -step / 2).sum())
        level = float(a["elevation"].mean())
        summary = (f"{number(len(a))} deltagare. Gruppens medelnivå {number(level, 1, sign=True)} "
                   f"poäng; nivå från {low['examiner_id']} {number(float(low['elevation']), 1, sign=True)} till "
                   f"{high['examiner_id']} {number(float(high['elevation']), 1, sign=True)}; {number(generous)} mer "
                   f"än ett halvt skalsteg för generösa, {number(strict)} för stränga. Profilfel från "
                   f"{best['examiner_id']} {number(float(best['profile_error']), 1)} till {worst['examiner_id']} "
                   f"{number(float(worst['profile_error']), 1)} poäng, i medel "
                   f"{number(float(a['profile_error'].mean()), 1)}")
        missing = int((~complete).sum())
        if missing:
            summary += f"; {number(missing)} med poäng som saknas (ofylld punkt)"
    else:
        summary = "Inga deltagare ännu"
    alt = ("Spridningsdiagram: varje deltagares nivå (medel av poäng minus referens; över 0 för generös) mot "
           f"profilfel (avståndet till referensen utöver nivån). {summary}.")
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
    fig, axes, y_of = _case_axes(f.cases, crit, extra_height=2.0)
    alt_cases = []
    for ax, case in zip(axes, f.cases, strict=True):
        t = f.scores[(f.scores["entry_id"] == case) & f.scores["criterion"].isin(y_of)]
        y = t["criterion"].map(y_of)
        g = t.dropna(subset=["others_mean"])
        gy = g["criterion"].map(y_of)
        ax.vlines(g["others_mean"], gy - 0.3, gy + 0.3, color="black", lw=2, zorder=3)
        ax.scatter(t["reference"], y, marker="D", s=160, facecolor="none", linewidth=2, edgecolor=_REFERENCE_COLOR,
                   zorder=4)
        own = t.dropna(subset=["score"])
        ax.scatter(own["score"], own["criterion"].map(y_of), s=80, color=_OWN_COLOR, zorder=5)
        ax.set_title(f"Övningsfall {case}" if len(f.cases) > 1 else "Dina poäng mot referensen och övrigas medel")
        parts = []
        for _, r in t.iterrows():
            you = number(float(r["score"]), None) if pd.notna(r["score"]) else "ingen poäng"
            others = f", övrigas medel {number(float(r['others_mean']), 1)}" if pd.notna(r["others_mean"]) else ""
            parts.append(f"{rubric.criterion_label(r['criterion'])}: du {you}, referens "
                         f"{number(float(r['reference']), None)}{others}")
        alt_cases.append((f"Övningsfall {case}: " if len(f.cases) > 1 else "") + "; ".join(parts) + ".")
    _finish_case_axes(axes, crit, rubric)
    handles = [
        Line2D([], [], marker="o", ls="", color=_OWN_COLOR, ms=9, label="Din poäng"),
        Line2D([], [], marker="D", ls="", markerfacecolor="none", markeredgewidth=2, color=_REFERENCE_COLOR,
               label="Referens"),
        Line2D([], [], color="black", lw=2, label="Övrigas medel"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    alt = ("Punktdiagram: dina poäng per kriterium mot referensen och övrigas medel. "
           + " ".join(alt_cases))
    return render.Figure(fig, alt)
