"""Figures of the jury's pack (:mod:`scoring.kinds.jury.pack`), labelled in Swedish.

Each function returns a :class:`scoring.presentation.render.Figure` with a Swedish text alternative
that gives the numbers, as :mod:`scoring.kinds.calibration_report.figures` does.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from ...presentation import render
from ...presentation.style import COLORS

#: Lines of an entry's name in a panel title at most (then "…"); the title's first line is
#: the entry's place and code.
TITLE_LINES = 2
#: Font size of a panel's title.
TITLE_SIZE = "small"
#: Figure width (inches) and the axes' share of it: the panels' width, which the titles wrap to.
FIG_WIDTH, AXES_LEFT, AXES_WIDTH = 8.0, 0.26, 0.72
#: The gap between two columns of panels, as a share of a panel's width (the scale's "100" of one
#: panel and "0" of the next stay apart).
GAP = 0.15


def criterion_profiles(pack) -> render.Figure:
    """One panel per entry of the class, in rank order: the model's adjusted score on each
    criterion (dots) against the class's spread on that criterion (a grey bar from the lowest
    to the highest entry of the class, a tick at the class's median).

    ``pack`` is a :class:`scoring.kinds.jury.pack.JuryPack`; in a blind pack the panels carry entry
    codes only.

    Notes
    -----
    The panels are drawn in one set of axes, each at its own offset, with their labels as
    text: a grid of matplotlib subplots with their tick objects took two to four times as
    long to draw, and the figure is most of a pack's time. The PNG is cut to its content
    (:class:`scoring.presentation.render.Figure`), so the criterion labels left of the axes are
    kept, not cut.
    """
    rubric = pack.rubric
    crit = list(rubric.criterion_ids)
    labels = [rubric.criterion_label(c) for c in crit]
    with_cells = set(pack.cells["entry_id"])
    order = [e for e in pack.ranking["entry_id"] if e in with_cells]
    wide = pack.cells.pivot_table(index="entry_id", columns="criterion", values="adjusted").reindex(
        index=order, columns=crit)
    low, high, median = wide.min().to_numpy(), wide.max().to_numpy(), wide.median().to_numpy()  # the whole class
    focus = getattr(pack, "focus", None)
    if focus is not None:  # a large class: panels for its entries in contention only
        order = [e for e in order if e in set(focus)]
        wide = wide.reindex(index=order)
    rank = dict(zip(pack.ranking["entry_id"], pack.ranking["rank"], strict=True))
    eligible = dict(zip(pack.ranking["entry_id"], pack.ranking["eligible"], strict=True))

    lo, hi = float(rubric.scale.min), float(rubric.scale.max)
    span, n_c = hi - lo, len(crit)
    n = max(len(order), 1)
    ncols = 1 if n == 1 else 2 if n <= 8 else 3
    nrows = math.ceil(n / ncols)
    gap_w = GAP * span
    x_range = ncols * span + (ncols - 1) * gap_w + 0.04 * span
    panel_pt = 72 * FIG_WIDTH * AXES_WIDTH * span / x_range  # a panel's width in points
    titles = [_title(e, rank.get(e), pack.names.get(e, ""), bool(eligible.get(e, True)), panel_pt) for e in order]
    # the layout in criterion rows (1 unit = one criterion's row): each panel's title above it,
    # the scale's labels below the lowest panel of each column, axis title and legend at the foot
    lines = max((t.count("\n") + 1 for t in titles), default=1)
    title_h, ticks_h, foot_h = 0.75 * lines + 0.35, 1.8, 3.2
    head_h = 0.0 if focus is None else 2.6  # a large class: which entries the panels show, above them
    pitch = n_c + title_h + 1.2
    top = (nrows - 1) * pitch + n_c + title_h
    total = top + ticks_h + foot_h + head_h
    ticks = np.linspace(lo, hi, 6)
    fig = Figure(figsize=(FIG_WIDTH, 0.2 * total))
    ax = fig.add_axes((AXES_LEFT, foot_h / total, AXES_WIDTH, (top + ticks_h) / total))
    ax.set_axis_off()
    ax.set_xlim(-0.02 * span, x_range - 0.02 * span)
    ax.set_ylim(-ticks_h, top)

    y = np.arange(n_c)[::-1].astype(float)
    grid_x, grid_y0, grid_y1, bar_y, bar_lo, bar_hi, med_x, dot_x, row_y = ([] for _ in range(9))
    for k, eid in enumerate(order):
        r, c = divmod(k, ncols)
        x0, y0 = c * (span + gap_w), (nrows - 1 - r) * pitch
        grid_x += list(x0 + ticks - lo)
        grid_y0 += [y0 - 0.6] * len(ticks)
        grid_y1 += [y0 + n_c - 0.4] * len(ticks)
        bar_y += list(y0 + y)
        bar_lo += list(x0 + low - lo)
        bar_hi += list(x0 + high - lo)
        med_x += list(x0 + median - lo)
        dot_x += list(x0 + wide.loc[eid].to_numpy() - lo)
        row_y += list(y0 + y)
        ax.text(x0, y0 + n_c - 0.2, titles[k], fontsize=TITLE_SIZE, va="bottom", ha="left", gid=f"title-{k}",
                parse_math=False)
        if c == 0:
            for yy, label in zip(y, labels, strict=True):
                ax.text(x0 - 0.03 * span, y0 + yy, label, ha="right", va="center")
        ax.plot([x0, x0 + span], [y0 - 0.6, y0 - 0.6], color="#1d2433", lw=0.8)
        if k + ncols >= len(order):  # the lowest panel of its column: the scale below it
            for t in ticks:
                ax.text(x0 + t - lo, y0 - 0.9, render.number(t, None), ha="center", va="top", fontsize="small")
    ax.vlines(grid_x, grid_y0, grid_y1, color="#e3e6eb", lw=0.8, zorder=0)
    ax.hlines(bar_y, bar_lo, bar_hi, color="#c9ced6", lw=7, zorder=1)
    ax.plot(med_x, row_y, ls="", marker="|", color="#5b6475", ms=11, mew=1.5, zorder=2)
    ax.plot(dot_x, row_y, ls="", marker="o", color=COLORS[0], ms=6, zorder=3)

    fig.text(0.62, 2.3 / total, "Justerad poäng per kriterium", ha="center", va="center")
    if focus is not None:
        fig.text(0.5, 1 - 1.3 / total, _focus_title(len(order), len(pack.ranking)), ha="center", va="center",
                 fontsize="small")
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
    spread = ", ".join(f"{label} {render.number(a, 0)}–{render.number(b, 0)}"
                       for label, a, b in zip(labels, low, high, strict=True))
    alt = (f"Punktdiagram, en ruta per bidrag i placeringsordning: bidragets justerade poäng per kriterium mot "
           f"klassens spridning (från lägsta till högsta bidrag). Klassens spridning: {spread}. "
           f"{'; '.join(parts) or 'Inga bidrag med poäng'}.")
    if focus is not None:
        alt = f"{_focus_title(len(order), len(pack.ranking)).replace(chr(10), ' ')}. {alt}"
    return render.Figure(fig, alt)


def _focus_title(k: int, n: int) -> str:
    """The heading of a large class's figure: whose panels it shows (two lines)."""
    from .pack import FOCUS_PLACE

    return (f"Här visas {k} av klassens {render.number(n, 0)} bidrag: de som kan vinna och vars möjliga placering "
            f"når plats {FOCUS_PLACE}.\nKlassens spridning och median räknas över alla klassens bidrag.")


def _title(entry_id: str, rank, name: str, eligible: bool, width_pt: float) -> str:
    """A panel's title, wrapped to the panel's width (``width_pt`` points, measured in the
    title's font): place and code ("kan inte vinna" for an entry whose budget is not in
    balance: its place counts among the others), then the name on at most
    :data:`TITLE_LINES` lines, the last cut with "…" when the name is longer."""
    head = entry_id + " – kan inte vinna" if not eligible else (
        ("" if rank is None or pd.isna(rank) else f"{int(rank)}. ") + entry_id)
    fits = _measure(width_pt)
    lines = _wrap(head, fits, 2) + _wrap(" ".join(name.split()), fits, TITLE_LINES)
    return "\n".join(lines)


#: The resolutions a title is measured at: the page's (100 dpi) and the PNG's (150); the font's
#: hinting makes a line's width differ a little between them.
MEASURE_DPI = (100, 150)


def _measure(width_pt: float):
    """A test of whether a line fits ``width_pt`` points in the title's font, at every
    resolution of :data:`MEASURE_DPI`."""
    renderers = [RendererAgg(10, 10, dpi) for dpi in MEASURE_DPI]
    prop = FontProperties(size=TITLE_SIZE)

    def fits(line: str) -> bool:
        return all(r.get_text_width_height_descent(line, prop, ismath=False)[0] * 72 / r.dpi <= 0.98 * width_pt
                   for r in renderers)

    return fits


def _wrap(text: str, fits, max_lines: int) -> list[str]:
    """``text`` in lines that each ``fits``, broken between words (inside a word only when the word
    alone is too long), at most ``max_lines``: the last one then ends in "…"."""
    if not text:
        return []
    lines: list[str] = []
    words = text.split(" ")
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        while not fits(word):  # a word wider than the panel: break it where it must
            cut = max(1, max(i for i in range(1, len(word) + 1) if fits(word[:i]) or i == 1))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and not fits(last.rstrip() + "…"):
            last = last[:-1]
        lines = [*lines[:max_lines - 1], last.rstrip() + "…"]
    return lines
