"""Figures for the reports, labelled in Swedish.

Each function returns a ``matplotlib.figure.Figure`` that pyplot does not track, so a
notebook cell that ends with the call shows the figure exactly once.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .rubric import Rubric

COLORS = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]


def _enable_notebook_display() -> None:
    """Inside IPython/Jupyter, show a returned Figure as a PNG image."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, dpi=100, bbox_inches="tight")


_enable_notebook_display()


def _errors(est: pd.Series, low: pd.Series, high: pd.Series) -> list:
    """Error-bar lengths below and above each estimate (never negative)."""
    return [np.maximum(est - low, 0), np.maximum(high - est, 0)]


def _figure(width: float = 8, height: float = 4) -> tuple[Figure, object]:
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def entries_per_class(classes: pd.DataFrame, rubric: Rubric) -> Figure:
    """Horizontal bars: entries per class (from ``overview.classes_overview``)."""
    c = classes[classes["class"] != "total"].iloc[::-1]
    fig, ax = _figure(8, 0.5 * len(c) + 1.2)
    labels = [rubric.class_label(k)[:45] for k in c["class"]]
    ax.barh(labels, c["entries"], color=COLORS[0])
    for y, n in enumerate(c["entries"]):
        ax.text(n, y, f" {n}", va="center")
    ax.set_xlabel("Antal bidrag")
    ax.set_title("Bidrag per tävlingsklass")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def agreement_by_criterion(table: pd.DataFrame, rubric: Rubric, coefficients: list[str]) -> Figure:
    """Estimates with 95 % intervals per criterion, one marker colour per coefficient.

    ``table`` is ``agreement_table(..., by=("criterion",))``.
    """
    crit = [c for c in rubric.criterion_ids if c in set(table["criterion"])]
    fig, ax = _figure(8, 0.55 * len(crit) * max(1, len(coefficients)) / 1.5 + 1.5)
    offsets = np.linspace(-0.25, 0.25, len(coefficients)) if len(coefficients) > 1 else [0.0]
    for k, (coef, off) in enumerate(zip(coefficients, offsets, strict=True)):
        t = table[table["coefficient"] == coef].set_index("criterion").reindex(crit)
        y = np.arange(len(crit))[::-1] + off
        ax.errorbar(
            t["estimate"], y,
            xerr=_errors(t["estimate"], t["ci_low"], t["ci_high"]),
            fmt="o", color=COLORS[k % len(COLORS)], capsize=3, label=coef,
        )
    ax.set_yticks(np.arange(len(crit))[::-1], [rubric.criterion_label(c) for c in crit])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlim(min(-0.1, np.nanmin(table["ci_low"]) - 0.05) if len(table) else -0.1, 1)
    ax.set_xlabel("Samstämmighet (skattning med 95 % konfidensintervall)")
    ax.set_title("Samstämmighet mellan examinatorer per kriterium")
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def agreement_trend(table: pd.DataFrame, rubric: Rubric, coefficient: str) -> Figure:
    """One line per criterion over the years (``agreement_table(..., by=("year", "criterion"))``)."""
    t = table[table["coefficient"] == coefficient]
    fig, ax = _figure(8, 4)
    for k, c in enumerate(rubric.criterion_ids):
        s = t[t["criterion"] == c].sort_values("year")
        if len(s):
            ax.plot(s["year"].astype(int), s["estimate"], marker="o", color=COLORS[k % len(COLORS)],
                    label=rubric.criterion_label(c))
    years = sorted(t["year"].astype(int).unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel(coefficient)
    ax.set_title(f"Samstämmighet över åren ({coefficient})")
    ax.legend(fontsize="small", frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def spread_histogram(spread: pd.DataFrame, threshold: float) -> Figure:
    """Distribution of the individual spread per entry x criterion, with the agenda threshold."""
    fig, ax = _figure(8, 3.5)
    s = spread.loc[spread["n_examiners"] >= 2, "spread"]
    step = np.diff(np.unique(s)).min() if s.nunique() > 1 else 1.0
    bins = np.arange(s.min() - step / 2, s.max() + step, step) if len(s) else 10
    ax.hist(s, bins=bins, color=COLORS[0], edgecolor="white")
    ax.axvline(threshold, color=COLORS[3], ls="--", label=f"Gräns för konsensusagendan ({threshold:g})")
    ax.set_xlabel("Spridning mellan examinatorernas individuella poäng (högsta − lägsta)")
    ax.set_ylabel("Antal bidrag × kriterier")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def consensus_shift(shift: pd.DataFrame, rubric: Rubric) -> Figure:
    """Per criterion, the consensus score minus the mean of the individual scores."""
    crit = [c for c in rubric.criterion_ids if c in set(shift["criterion"])]
    fig, ax = _figure(8, 0.5 * len(crit) + 1.5)
    data = [shift.loc[shift["criterion"] == c, "shift"].to_numpy() for c in crit[::-1]]
    ax.boxplot(data, orientation="horizontal", widths=0.6)
    rng = np.random.default_rng(0)
    for y, d in enumerate(data, 1):
        ax.scatter(d, y + rng.uniform(-0.15, 0.15, len(d)), s=10, alpha=0.5, color=COLORS[0])
    ax.set_yticks(range(1, len(crit) + 1), [rubric.criterion_label(c) for c in crit[::-1]])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("Konsensus minus medel av individuella poäng (poäng)")
    ax.set_title("Hur långt konsensus flyttade sig från de individuella bedömningarna")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def examiner_bias(effects: pd.DataFrame) -> Figure:
    """Forest plot: each examiner's mean deviation from co-examiners with its 95 % interval."""
    e = effects.sort_values("bias")
    fig, ax = _figure(8, 0.22 * len(e) + 1.5)
    y = np.arange(len(e))
    ax.errorbar(e["bias"], y, xerr=_errors(e["bias"], e["ci_low"], e["ci_high"]),
                fmt="o", color=COLORS[0], ecolor="lightgrey", capsize=2, ms=4)
    ax.set_yticks(y, e["examiner_id"], fontsize="small")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("Medelavvikelse mot medbedömare på samma bidrag (poäng; > 0 = generösare)")
    ax.set_title("Examinatorernas generositet och stränghet")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
