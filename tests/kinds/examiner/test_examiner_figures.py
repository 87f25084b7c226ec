"""The examiner's figures (``scoring/kinds/examiner/figures.py``)."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scoring.kinds.examiner import figures


def _pixels(fig: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_the_rows_labels_are_the_pixels_the_y_axis_draws():
    """The criteria drawn by hand beside the team figure's rows (fast) look exactly as the y axis's
    ticks and labels would: the same pixels."""
    labels = ["Målgrupp", "Chef- och ledarskap", "Från mål till uppföljning", "Utveckling", "Åäö <b>"] * 3
    ys = list(range(len(labels) - 1, -1, -1))

    def figure(by_hand: bool) -> np.ndarray:
        fig = Figure(figsize=(6, 5), dpi=150)
        ax = fig.add_axes((0.4, 0.05, 0.55, 0.9))
        ax.scatter([50, 20], [3, 7])
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.7, len(labels) - 0.3)
        if by_hand:
            figures._row_labels(ax, ys, labels)
        else:
            ax.set_yticks(ys, labels, fontsize="small")
        return _pixels(fig)

    by_axis, by_hand = figure(False), figure(True)
    assert by_axis.shape == by_hand.shape
    assert int((by_axis != by_hand).any(axis=-1).sum()) == 0
    assert int((by_hand[:, :300] != 255).any(axis=-1).sum()) > 1000  # the labels are drawn at all
