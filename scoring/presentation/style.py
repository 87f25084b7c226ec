"""The reports' figure style, the same in every kind.

* numbers on the axes the Swedish way (decimal comma, real minus sign), like the tables;
* long labels (class names, criteria) wrapped onto several lines, never cut off;
* legends outside the axes (below the plot), so they never cover data.

Each kind's figure functions (``scoring/kinds/<kind>/figures.py``) start from :func:`figure`
and return a :class:`scoring.presentation.render.Figure` with a Swedish text alternative.
"""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from . import render

COLORS = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]


#: Width of every figure in inches (shown at 100 dpi: 800 CSS px before bbox trimming).
WIDTH = 8.0


#: Characters per line of a wrapped axis label (class names, criteria).
LABEL_WIDTH = 30


class SwedishFormatter(ScalarFormatter):
    """Tick labels with a decimal comma and a real minus sign (as :func:`scoring.presentation.render.number`).

    Matplotlib's own choice of decimals per axis is kept (0,0 0,2 ... 1,0); no offset and
    no scientific notation, which a reader of a printed report would miss. ``short``: each
    tick as :func:`~scoring.presentation.render.number` writes a number with at most two
    decimals and no trailing zeros (0 0,5 1; the examiner's figures).
    """

    def __init__(self, short: bool = False):
        super().__init__(useOffset=False, useMathText=False)
        self.set_scientific(False)
        self.short = short

    def __call__(self, x, pos=None) -> str:
        if self.short:
            return render.number(x, None)
        return super().__call__(x, pos).replace(".", ",").replace("-", render.MINUS)


def errors(est: pd.Series, low: pd.Series, high: pd.Series) -> list:
    """Error-bar lengths below and above each estimate (never negative)."""
    return [np.maximum(est - low, 0), np.maximum(high - est, 0)]


def figure(width: float = WIDTH, height: float = 4) -> tuple[Figure, object]:
    """A figure with one axes in the reports' look: Swedish tick labels, no top and right spines.

    Returns ``(figure, axes)``; the figure functions here and in :mod:`scoring.kinds.training.figures`
    start from it.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    ax.xaxis.set_major_formatter(SwedishFormatter())
    ax.yaxis.set_major_formatter(SwedishFormatter())
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def legend_below(fig: Figure, ax, ncols: int | None = None) -> None:
    """The legend under the axes, outside them (constrained layout makes room for it)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", frameon=False,
                   ncols=ncols or min(len(handles), 3))


def wrap(label: str, width: int = LABEL_WIDTH) -> str:
    """A label on several lines of at most ``width`` characters (words kept whole)."""
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=False, break_on_hyphens=False)) or str(label)
