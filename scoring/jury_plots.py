"""Figures of the jury's pack (:mod:`scoring.jury`), labelled in Swedish.

Each function returns a :class:`scoring.render.Figure` with a Swedish text alternative
that gives the numbers, as :mod:`scoring.plots` does.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from . import render
from .plots import COLORS

#: Characters per line of an entry's name in a panel title (two lines at most, then "…").
TITLE_CHARS = 36


def criterion_profiles(pack) -> render.Figure:
    """One panel per entry of the class, in rank order: the model's adjusted score on each
    criterion (dots) against the class's spread on that criterion (a grey bar from the lowest
    to the highest entry of the class, a tick at the class's median).

    ``pack`` is a :class:`scoring.jury.JuryPack`; in a blind pack the panels carry entry
    codes only.
    """
    rubric = pack.rubric
    crit = list(rubric.criterion_ids)
    order = [e for e in pack.ranking["entry_id"] if e in set(pack.cells["entry_id"])]
    wide = pack.cells.pivot_table(index="entry_id", columns="criterion", values="adjusted").reindex(
        index=order, columns=crit)
    low, high, median = wide.min(), wide.max(), wide.median()
    rank = dict(zip(pack.ranking["entry_id"], pack.ranking["rank"], strict=True))
    eligible = dict(zip(pack.ranking["entry_id"], pack.ranking["eligible"], strict=True))
    names = pack.names

    n = max(len(order), 1)
    ncols = 1 if n == 1 else 2 if n <= 8 else 3
    nrows = math.ceil(n / ncols)
    # the layout by hand (constrained layout costs a second here); the page's PNG is cut to its
    # content with bbox_inches="tight", so labels reaching past these margins are kept, not cut
    titles = {eid: _title(eid, rank.get(eid), names.get(eid, ""), bool(eligible.get(eid, True))) for eid in order}
    lines = max((t.count("\n") + 1 for t in titles.values()), default=1)
    panel, title, bottom = 1.25, 0.15 + 0.17 * lines, 0.95
    height = nrows * (panel + title) + bottom
    fig = Figure(figsize=(8, height))
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    fig.subplots_adjust(left=0.27, right=0.98, top=1 - title / height, bottom=bottom / height, wspace=0.06,
                        hspace=title / panel)
    y = np.arange(len(crit))[::-1]
    labels = [rubric.criterion_label(c) for c in crit]
    for k, ax in enumerate(axes.flat):
        if k >= len(order):
            ax.set_visible(False)
            continue
        eid = order[k]
        ax.hlines(y, low.to_numpy(), high.to_numpy(), color="#c9ced6", lw=7, zorder=1)
        ax.plot(median.to_numpy(), y, "|", color="#5b6475", ms=11, mew=1.5, zorder=2)
        ax.plot(wide.loc[eid].to_numpy(), y, "o", color=COLORS[0], ms=6, zorder=3)
        ax.set_title(titles[eid], loc="left", fontsize="small")
        ax.set_xlim(rubric.scale.min, rubric.scale.max)
        ax.set_xticks(np.linspace(rubric.scale.min, rubric.scale.max, 6))
        ax.set_yticks(y, labels)
        ax.set_ylim(-0.6, len(crit) - 0.4)
        ax.grid(axis="x", color="#e3e6eb", lw=0.8)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[-2, len(order) - (nrows - 1) * ncols:] if nrows > 1 else ():
        ax.xaxis.set_tick_params(labelbottom=True)  # above an empty place of the last row
    fig.supxlabel("Justerad poäng per kriterium", fontsize="medium", y=0.45 / height)
    handles = [
        Line2D([], [], ls="", marker="o", color=COLORS[0], label="Bidragets poäng"),
        Line2D([], [], color="#c9ced6", lw=7, label="Klassens spridning (lägsta till högsta bidrag)"),
        Line2D([], [], ls="", marker="|", color="#5b6475", ms=11, mew=1.5, label="Klassens median"),
    ]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0), ncols=3, frameon=False,
               fontsize="small")

    parts = []
    for eid in order:
        values = ", ".join(f"{label} {render.number(v, 0)}" for label, v in zip(labels, wide.loc[eid], strict=True))
        parts.append(f"{eid}: {values}")
    spread = ", ".join(f"{label} {render.number(lo, 0)}–{render.number(hi, 0)}"
                       for label, lo, hi in zip(labels, low, high, strict=True))
    alt = (f"Punktdiagram, en ruta per bidrag i placeringsordning: bidragets justerade poäng per kriterium mot "
           f"klassens spridning (från lägsta till högsta bidrag). Klassens spridning: {spread}. "
           f"{'; '.join(parts) or 'Inga bidrag med poäng'}.")
    return render.Figure(fig, alt)


def _title(entry_id: str, rank, name: str, eligible: bool) -> str:
    """A panel's title: rank and code (and "kan inte vinna"), then the name on at most two lines."""
    head = ("" if rank is None or pd.isna(rank) else f"{int(rank)}. ") + entry_id
    if not eligible:
        head += " – kan inte vinna"
    lines = textwrap.wrap(name, TITLE_CHARS)
    if len(lines) > 2:
        lines = [lines[0], lines[1][:TITLE_CHARS - 1].rstrip() + "…"]
    return "\n".join([head, *lines])
