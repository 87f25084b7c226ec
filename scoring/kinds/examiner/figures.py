"""Figures for an examiner's private feedback, labelled in Swedish.

Each function takes a :class:`scoring.kinds.examiner.feedback.ExaminerFeedback`, which holds nothing
about another examiner but anonymous distributions and the team's aggregates, and
returns a :class:`scoring.presentation.render.Figure` with a Swedish text alternative (or None when
there is nothing to draw). No figure carries another examiner's code: the pool is drawn
as its quartiles only (never a colleague's value), teams as the others' mean where it gives
no one away (:func:`scoring.disclosure.disclosure`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import TICKLEFT
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import ScaledTranslation

from ...presentation import glossary, render
from ...presentation.render import number
from ...presentation.style import COLORS, SwedishFormatter
from .feedback import MEASURE_LABELS, MEASURES, ExaminerFeedback, pool_position

__all__ = ["effects_against_pool", "scores_beside_team", "trend"]

_OWN = COLORS[0]
_POOL = "#b8b8b8"
_CONSENSUS = COLORS[3]
_SITE = COLORS[2]
#: where "like the others" lies on each measure's axis
_NEUTRAL = {"bias": 0.0, "range": 1.0, "halo": 0.0}
_GENEROSITY = glossary.term("generosity").lower()
#: tick labels of a generosity axis: signed, as every difference on the page ("+10", "−20", "0")
_SIGNED = FuncFormatter(lambda x, _pos: glossary.signed(x, None))


def _value(m: str, x) -> str:
    """A measure's value as the page's table writes it (generosity signed)."""
    digits = 1 if m in ("bias", "inconsistency") else 2
    return glossary.signed(x, digits) if m == "bias" else number(x, digits)


def _share(x) -> str:
    return render.MISSING if x is None or not np.isfinite(x) else f"{number(100 * x, 0)}\u00a0%"



def effects_against_pool(fb: ExaminerFeedback) -> render.Figure | None:
    """Your four measures (line) against the other examiners' quartiles (the middle half and the median)."""
    if not fb.scored:
        return None
    fig = Figure(figsize=(9, 5.6))  # no layout engine and no count axis: 3 times faster to draw
    axes = fig.subplots(2, 2, gridspec_kw={"hspace": 0.45, "wspace": 0.12}).ravel()
    e = fb.effect
    parts = []
    n_pool = 0
    for ax, m in zip(axes, MEASURES, strict=True):
        pool = fb.pool.get(m, np.array([]))
        own = float(e.get(m)) if e.get(m) is not None and pd.notna(e.get(m)) else np.nan
        n_pool = max(n_pool, len(pool))
        pos = pool_position(own, pool)
        if pos["n"]:
            ax.axvspan(pos["q1"], pos["q3"], ymin=0.25, ymax=0.75, color=_POOL, lw=0)
            ax.plot([pos["median"]] * 2, [0.25, 0.75], color="black", lw=1.5)
            ci = (e.get("ci_low"), e.get("ci_high")) if m == "bias" else ()
            seen = [x for x in (pos["q1"], pos["q3"], own, _NEUTRAL.get(m), *ci) if x is not None and np.isfinite(x)]
            pad = max((max(seen) - min(seen)) * 0.15, 0.05 if m != "bias" else 1.0)
            ax.set_xlim(min(seen) - pad, max(seen) + pad)
        ax.set_ylim(0, 1)
        if m in _NEUTRAL:
            ax.axvline(_NEUTRAL[m], color="grey", lw=0.8, ls=":")
        if m == "bias" and np.isfinite(own) and pd.notna(e.get("ci_low")):
            ax.axvspan(e["ci_low"], e["ci_high"], color=_OWN, alpha=0.15, lw=0)
        if np.isfinite(own):
            ax.axvline(own, color=_OWN, lw=2.5)
        ax.set_title(MEASURE_LABELS[m])
        ax.set_yticks([])
        ax.xaxis.set_major_formatter(_SIGNED if m == "bias" else SwedishFormatter(short=True))
        ax.spines[["top", "right", "left"]].set_visible(False)
        mine = _value(m, own)
        if m == "bias" and np.isfinite(own) and pd.notna(e.get("ci_low")):
            mine += f" ({glossary.term('shrunken_interval')} {glossary.signed_interval(e['ci_low'], e['ci_high'])})"
        others = ("inga andra" if not pos["n"] else
                  f"de andras median {_value(m, pos['median'])}, mittersta hälften "
                  f"{_value(m, pos['q1'])} till {_value(m, pos['q3'])}, {_share(pos['share_below'])} under dig")
        parts.append(f"{MEASURE_LABELS[m]}: du {mine}; {others}")
    handles = [Patch(color=_POOL, label="Andra examinatorer: mittersta hälften"),
               Line2D([], [], color="black", lw=1.5, label="Deras median"),
               Line2D([], [], color=_OWN, lw=2.5, label="Du"),
               Patch(color=_OWN, alpha=0.15, label=f"{glossary.term('generosity')}: ditt "
                                                   f"{glossary.term('shrunken_interval')}")]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.06), ncols=2, frameon=False)
    pool_text = (f"mot kvartilerna hos de {n_pool} andra examinatorerna i din jämförelsegrupp, utan koder"
                 if n_pool else "(för få andra examinatorer i din jämförelsegrupp för att visa deras fördelning)")
    alt = f"Fyra diagram: dina mått (linje) {pool_text}. {'. '.join(parts)}."
    return render.Figure(fig, alt)


def scores_beside_team(fb: ExaminerFeedback) -> render.Figure | None:
    """Per entry you scored and criterion: your score beside the others' mean (where shown), consensus, site visit.

    One row per entry and criterion in one panel (entries separated by lines, their codes
    at the left), which draws several times faster than a panel per entry.
    """
    if fb.team.empty:
        return None
    rubric = fb.rubric
    t = fb.team
    entries = list(dict.fromkeys(t["entry_id"]))
    order = {c: i for i, c in enumerate(rubric.criterion_ids)}
    rows = []  # (entry, criterion) from the top
    for entry in entries:
        crit = t.loc[t["entry_id"] == entry, "criterion"]
        rows += [(entry, c) for c in sorted(crit, key=lambda c: (order.get(c, len(order)), c))]
    y_of = {r: len(rows) - 1 - i for i, r in enumerate(rows)}
    y = np.array([y_of[(e, c)] for e, c in zip(t["entry_id"], t["criterion"], strict=True)], dtype=float)
    fig = Figure(figsize=(8, 0.24 * len(rows) + 1.6))
    ax = fig.add_subplot()
    ax.scatter(t["others_mean"], y, marker="|", s=120, linewidths=2, color="black", zorder=2)
    ax.scatter(t["consensus"], y, marker="D", s=40, facecolor="none", edgecolor=_CONSENSUS, linewidths=1.4,
               zorder=3)
    ax.scatter(t["site_visit"], y, marker="s", s=70, facecolor="none", edgecolor=_SITE, linewidths=1.4, zorder=3)
    ax.scatter(t["score"], y, marker="o", s=30, color=_OWN, zorder=4)
    s = rubric.scale
    ax.set_xlim(s.min - s.step / 2, s.max + s.step / 2)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    _row_labels(ax, [y_of[r] for r in rows], [rubric.criterion_label(c) for _, c in rows])
    start = 0
    for entry in entries:  # the entry's code left of its block of criteria, a line between blocks
        n = sum(1 for e, _ in rows if e == entry)
        top, bottom = len(rows) - 1 - start, len(rows) - start - n
        ax.annotate(str(entry), xy=(0, (top + bottom) / 2), xycoords=("axes fraction", "data"),
                    xytext=(-150, 0), textcoords="offset points", ha="right", va="center", fontweight="bold")
        if start:
            ax.axhline(top + 0.5, color="#cccccc", lw=0.8)
        start += n
    ax.set_xlabel("Poäng")
    ax.xaxis.set_major_formatter(SwedishFormatter(short=True))
    ax.grid(axis="x", color="#eeeeee", zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Line2D([], [], marker="o", ls="", color=_OWN, label="Din poäng"),
               Line2D([], [], marker="|", ls="", ms=10, mew=2, color="black", label="Övrigas medel"),
               Line2D([], [], marker="D", ls="", markerfacecolor="none", mew=1.4, color=_CONSENSUS,
                      label="Konsensus"),
               Line2D([], [], marker="s", ls="", markerfacecolor="none", mew=1.4, color=_SITE, label="Platsbesök")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.9 / (0.24 * len(rows) + 1.6)),
              ncols=3, frameon=False, fontsize="small")
    parts = [_entry_alt(entry, t[t["entry_id"] == entry]) for entry in entries]
    alt = ("Punktdiagram med en rad per bidrag och kriterium du bedömde: din poäng bredvid de övriga "
           "lagmedlemmarnas medel (där det visas), lagets konsensus och platsbesök. I medel över "
           f"kriterierna: {'; '.join(parts)}.")
    return render.Figure(fig, alt)


def _row_labels(ax, ys: list[float], labels: list[str]) -> None:
    """The y axis's ticks and labels ``ax.set_yticks(ys, labels, fontsize="small")`` would draw, drawn as
    one line of tick marks and plain texts: the axis's tick objects took a third of the time of a
    figure of 132 rows (the same pixels: tests/kinds/examiner/test_examiner_figures.py)."""
    ax.set_yticks([])
    at_axis = ax.get_yaxis_transform()
    ax.plot(np.zeros(len(ys)), ys, ls="", marker=TICKLEFT, ms=3.5, mew=0.8, color="black", transform=at_axis,
            clip_on=False)  # matplotlib's tick: 3.5 pt long, 0.8 pt wide
    beside = at_axis + ScaledTranslation(-7 / 72, 0, ax.figure.dpi_scale_trans)  # the tick, then the pad: 3.5 pt each
    for y, label in zip(ys, labels, strict=True):
        ax.text(0, y, label, transform=beside, ha="right", va="center_baseline", fontsize="small")


def _entry_alt(entry: str, d: pd.DataFrame) -> str:
    bits = [f"din poäng {number(d['score'].mean(), None)}"]
    if d["others_mean"].notna().any():
        bits.append(f"övrigas medel {number(d['others_mean'].mean(), None)}")
    if d["consensus"].notna().any():
        bits.append(f"konsensus {number(d['consensus'].mean(), None)}")
    if d["site_visit"].notna().any():
        bits.append(f"platsbesök {number(d['site_visit'].mean(), None)}")
    return f"{entry}: {', '.join(bits)}"


def trend(fb: ExaminerFeedback) -> render.Figure | None:
    """Your generosity per year with its interval (of the shrunken estimate); flagged years marked."""
    t = fb.trend.dropna(subset=["bias"])
    if t.empty:
        return None
    fig = Figure(figsize=(8, 3.6))  # no layout engine: the page crops to the drawing
    ax = fig.add_subplot()
    years = t["year"].astype(int).to_numpy()
    low = np.where(t["ci_low"].notna(), t["bias"] - t["ci_low"], 0.0)
    high = np.where(t["ci_high"].notna(), t["ci_high"] - t["bias"], 0.0)
    ax.errorbar(years, t["bias"], yerr=[np.maximum(low, 0), np.maximum(high, 0)], fmt="o-", color=_OWN,
                ecolor="#9bbbd9", capsize=4,
                label=f"Din {_GENEROSITY} med {glossary.term('shrunken_interval')}")
    flagged = t["flagged"].astype(bool).to_numpy()
    if flagged.any():
        ax.scatter(years[flagged], t["bias"][flagged], s=140, facecolor="none", edgecolor=_CONSENSUS,
                   linewidths=2, zorder=5, label=f"{glossary.term('drift_flag')} mot dina tidigare år")
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    ax.yaxis.set_major_formatter(_SIGNED)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
    ax.set_ylabel(f"{glossary.label('generosity')}; > 0 högre")
    ax.set_title(f"Din {_GENEROSITY} år för år, jämfört med årets genomsnittliga examinator")
    ax.legend(frameon=False, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)
    ax.spines[["top", "right"]].set_visible(False)
    values = "; ".join(
        f"{y} {glossary.signed(b)}" + (f" ({glossary.signed_interval(lo, hi)})" if pd.notna(lo) else "")
        for y, b, lo, hi in zip(years, t["bias"], t["ci_low"], t["ci_high"], strict=True)
    )
    marks = [str(y) for y, f in zip(years, flagged, strict=True) if f]
    flag = glossary.term("drift_flag")
    flag_text = (f"{flag} mot tidigare år: {', '.join(marks)}." if marks else f"Ingen {flag.lower()} mellan åren.")
    alt = (f"Punktdiagram med {glossary.term('shrunken_interval')}: din {_GENEROSITY} i poäng per år. {values}. "
           f"{flag_text}")
    return render.Figure(fig, alt)
