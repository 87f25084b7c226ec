"""Figures for the examiner training day (the trainer's screen), labelled in Swedish.

Each function returns a ``matplotlib.figure.Figure`` that pyplot does not track, as in
:mod:`scoring.plots`. Trainees appear under their codes only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .plots import COLORS, _figure
from .rubric import Rubric

__all__ = ["scores_against_reference", "level_against_profile"]

_REFERENCE_COLOR = COLORS[3]


def scores_against_reference(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> Figure:
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
    s = rubric.scale
    fig = Figure(figsize=(4.2 * len(cases) + 3.5, 0.6 * len(crit) + 1.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(cases), sharey=True, squeeze=False)[0])
    y_of = {c: len(crit) - 1 - i for i, c in enumerate(crit)}
    biggest = max(1, int(scores.groupby(["entry_id", "criterion", "score"]).size().max()) if len(scores) else 1)
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
        ax.set_xlim(s.min - s.step, s.max + s.step)
        values = s.values
        if len(values) <= 21:
            ax.set_xticks(values, [f"{v:g}" for v in values], fontsize="small")
        ax.set_xlabel("Poäng")
        ax.set_title(f"Övningsfall {case}" if len(cases) > 1 else "Deltagarnas poäng mot referensen")
        ax.grid(axis="y", color="#eeeeee", zorder=0)
        ax.spines[["top", "right"]].set_visible(False)
    axes[0].set_yticks(range(len(crit)), [rubric.criterion_label(c) for c in crit[::-1]])
    axes[0].set_ylim(-0.7, len(crit) - 0.3)
    handles = [
        Line2D([], [], marker="o", ls="", color=COLORS[0], alpha=0.35, ms=12, label="Antal deltagare med poängen"),
        Line2D([], [], color="black", lw=2, label="Gruppens medel"),
        Line2D([], [], marker="D", ls="", markerfacecolor="none", markeredgewidth=2, color=_REFERENCE_COLOR,
               label="Referens"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return fig


def level_against_profile(accuracy: pd.DataFrame) -> Figure:
    """Each trainee's overall level (elevation) against their profile error.

    ``accuracy`` is :func:`scoring.training.trainee_accuracy`: x is ``elevation`` (the
    mean of score − reference; > 0 too generous), y ``profile_error`` (the distance that
    is left once the level is taken out). Trainees whose scorebook misses scores are drawn
    hollow. Codes only.
    """
    a = accuracy.dropna(subset=["elevation", "profile_error"])
    fig, ax = _figure(8, 5.5)
    complete = a["note"].eq("")
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
    return fig
