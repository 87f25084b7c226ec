"""The calibration report's figures, labelled in Swedish.

Each function returns a :class:`scoring.presentation.render.Figure`: the matplotlib figure
(pyplot does not track it, so a notebook cell ending with the call shows it exactly once, as
an inline PNG) with a Swedish text alternative saying what the figure shows, numbers
included. The look is :mod:`scoring.presentation.style`'s
(``tests/kinds/calibration_report/test_plots.py`` checks that no legend covers data on every
figure function here).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...presentation import glossary, render
from ...presentation.labels import COEFFICIENTS_SV
from ...presentation.render import number
from ...presentation.style import COLORS, WIDTH, errors, figure, legend_below, wrap
from ...rubric import Rubric


def _coefficient(c: str) -> str:
    return COEFFICIENTS_SV.get(c, c)


def entries_per_class(classes: pd.DataFrame, rubric: Rubric) -> render.Figure:
    """Horizontal bars: entries per class (from ``overview.classes_overview``).

    Class names are wrapped onto several lines, never cut off.
    """
    c = classes[classes["class"] != "total"].iloc[::-1]
    labels = [wrap(rubric.class_label(k)) for k in c["class"]]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig, ax = figure(WIDTH, 0.3 * lines + 0.25 * len(labels) + 1.2)
    y = np.arange(len(c))
    ax.barh(y, c["entries"], color=COLORS[0])
    ax.set_yticks(y, labels)
    for yi, n in zip(y, c["entries"], strict=True):
        ax.text(n, yi, f" {number(int(n))}", va="center")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Antal bidrag")
    ax.set_title("Bidrag per tävlingsklass")
    counts = "; ".join(f"{rubric.class_label(k)} {number(int(n))}" for k, n in zip(c["class"][::-1], c["entries"][::-1],
                                                                                 strict=True))
    return render.Figure(fig, f"Stapeldiagram: antal bidrag per tävlingsklass. {counts}.")


def agreement_by_criterion(table: pd.DataFrame, rubric: Rubric, coefficients: list[str]) -> render.Figure:
    """Estimates with 95 % intervals per criterion, one marker colour per coefficient.

    ``table`` is ``agreement_table(..., by=("criterion",))``. The legend (the coefficients'
    Swedish names) sits below the axes.
    """
    crit = [c for c in rubric.criterion_ids if c in set(table["criterion"])]
    fig, ax = figure(WIDTH, 0.22 * len(crit) * max(1, len(coefficients)) + 1.6)
    offsets = np.linspace(0.25, -0.25, len(coefficients)) if len(coefficients) > 1 else [0.0]
    for k, (coef, off) in enumerate(zip(coefficients, offsets, strict=True)):
        t = table[table["coefficient"] == coef].set_index("criterion").reindex(crit)
        y = np.arange(len(crit))[::-1] + off
        ax.errorbar(
            t["estimate"], y,
            xerr=errors(t["estimate"], t["ci_low"], t["ci_high"]),
            fmt="o", color=COLORS[k % len(COLORS)], capsize=3, label=_coefficient(coef),
        )
    ax.set_yticks(np.arange(len(crit))[::-1], [wrap(rubric.criterion_label(c)) for c in crit])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlim(min(-0.1, np.nanmin(table["ci_low"]) - 0.05) if len(table) else -0.1, 1)
    ax.set_xlabel("Samstämmighet (skattning med 95 % konfidensintervall)")
    ax.set_title("Samstämmighet mellan examinatorer per kriterium")
    legend_below(fig, ax)
    parts = []
    for c in crit:
        t = table[table["criterion"] == c].set_index("coefficient")
        values = [f"{_coefficient(k)} {_interval(t, k)}" for k in coefficients if k in t.index]
        parts.append(f"{rubric.criterion_label(c)}: {', '.join(values)}")
    alt = (f"Punktdiagram med 95 % konfidensintervall: samstämmighet mellan examinatorer per kriterium "
           f"({', '.join(_coefficient(k) for k in coefficients)}). {'; '.join(parts)}.")
    return render.Figure(fig, alt)


def _interval(t: pd.DataFrame, k: str) -> str:
    est, low, high = t.loc[k, ["estimate", "ci_low", "ci_high"]]
    return render.MISSING if pd.isna(est) else f"{number(est)} ({number(low)}–{number(high)})"


def agreement_trend(table: pd.DataFrame, rubric: Rubric, coefficient: str) -> render.Figure:
    """One line per criterion over the years (``agreement_table(..., by=("year", "criterion"))``)."""
    t = table[table["coefficient"] == coefficient]
    fig, ax = figure(WIDTH, 4.4)
    for k, c in enumerate(rubric.criterion_ids):
        s = t[t["criterion"] == c].sort_values("year")
        if len(s):
            ax.plot(s["year"].astype(int), s["estimate"], marker="o", color=COLORS[k % len(COLORS)],
                    label=rubric.criterion_label(c))
    years = sorted(t["year"].astype(int).unique())
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel(_coefficient(coefficient))
    ax.set_title(f"Samstämmighet över åren ({_coefficient(coefficient)})")
    legend_below(fig, ax)
    parts = []
    for c in rubric.criterion_ids:
        s = t[t["criterion"] == c].sort_values("year")
        if len(s):
            values = ", ".join(f"{int(y)} {number(e)}" for y, e in zip(s["year"], s["estimate"], strict=True))
            parts.append(f"{rubric.criterion_label(c)}: {values}")
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "inga år")
    alt = f"Linjediagram: {_coefficient(coefficient)} per kriterium och år, {span}. {'; '.join(parts)}."
    return render.Figure(fig, alt)


def spread_histogram(spread: pd.DataFrame, threshold: float) -> render.Figure:
    """Distribution of the individual spread per entry x criterion, with the agenda threshold."""
    fig, ax = figure(WIDTH, 3.8)
    s = spread.loc[spread["n_examiners"] >= 2, "spread"]
    step = np.diff(np.unique(s)).min() if s.nunique() > 1 else 1.0
    bins = np.arange(s.min() - step / 2, s.max() + step, step) if len(s) else 10
    ax.hist(s, bins=bins, color=COLORS[0], edgecolor="white")
    ax.axvline(threshold, color=COLORS[3], ls="--",
               label=f"Gräns för konsensusagendan ({number(float(threshold), None)})")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Spridning mellan examinatorernas individuella poäng (högsta − lägsta)")
    ax.set_ylabel("Antal bidrag × kriterier")
    legend_below(fig, ax)
    if len(s):
        summary = (f"{number(len(s))} bidrag × kriterier, median {number(float(s.median()), None)}, största "
                   f"{number(float(s.max()), None)}; {number(int((s > threshold).sum()), 2)} över gränsen "
                   f"{number(float(threshold), None)} för konsensusagendan")
    else:
        summary = "inga bidrag × kriterier med minst två examinatorer"
    alt = f"Histogram: spridning mellan examinatorernas individuella poäng (högsta minus lägsta). {summary}."
    return render.Figure(fig, alt)


def consensus_shift(shift: pd.DataFrame, rubric: Rubric) -> render.Figure:
    """Per criterion, the consensus score minus the mean of the individual scores."""
    crit = [c for c in rubric.criterion_ids if c in set(shift["criterion"])]
    fig, ax = figure(8, 0.5 * len(crit) + 1.5)
    data = [shift.loc[shift["criterion"] == c, "shift"].to_numpy() for c in crit[::-1]]
    # every point is drawn on top, so the boxes draw no outliers of their own
    ax.boxplot(data, orientation="horizontal", widths=0.6, showfliers=False)
    rng = np.random.default_rng(0)
    for y, d in enumerate(data, 1):
        ax.scatter(d, y + rng.uniform(-0.15, 0.15, len(d)), s=10, alpha=0.5, color=COLORS[0])
    ax.set_yticks(range(1, len(crit) + 1), [wrap(rubric.criterion_label(c)) for c in crit[::-1]])
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel("Konsensus minus medel av individuella poäng (poäng)")
    ax.set_title("Hur långt konsensus flyttade sig från de individuella bedömningarna")
    parts = [f"{rubric.criterion_label(c)} median {number(float(np.median(d)), 1, sign=True)} ({number(len(d))} bidrag)"
             for c, d in zip(crit[::-1], data, strict=True) if len(d)][::-1]
    alt = ("Lådagram: konsensuspoäng minus medel av de individuella poängen, per kriterium. "
           f"{'; '.join(parts) or 'Inga konsensuspoäng'}.")
    return render.Figure(fig, alt)


#: Above this many examiners the generosity figure shows only the :data:`FIGURE_ENDS` most generous
#: and strictest (a national year has a thousand: one label each would make a figure metres tall);
#: every examiner stays in the report's examiner table. A city year has about 40.
FIGURE_MAX = 60
#: How many examiners at each end the generosity figure of a large year shows.
FIGURE_ENDS = 25


def examiner_bias(effects: pd.DataFrame) -> render.Figure:
    """Forest plot: each examiner's effect from the examiner-effect model with its 95 % interval around the
    shrunken estimate (the glossary's ``shrunken_interval``, named so in the text alternative and the axis).

    Above :data:`FIGURE_MAX` examiners only the :data:`FIGURE_ENDS` strictest and most generous are drawn,
    with a gap between them that says how many are left out (the title and text alternative say it too)."""
    e = effects.sort_values("bias")
    known = e.dropna(subset=["bias"])
    compact = len(e) > FIGURE_MAX and len(known) > 2 * FIGURE_ENDS
    shown = pd.concat([known.head(FIGURE_ENDS), known.tail(FIGURE_ENDS)]) if compact else e
    left_out = len(e) - len(shown)
    fig, ax = figure(8, 0.22 * (len(shown) + (2 if compact else 0)) + 1.5)
    y = np.arange(len(shown))
    if compact:  # a gap of two rows between the two ends, for the words on what is left out
        y = np.where(y < FIGURE_ENDS, y, y + 2)
    ax.errorbar(shown["bias"], y, xerr=errors(shown["bias"], shown["ci_low"], shown["ci_high"]),
                fmt="o", color=COLORS[0], ecolor="lightgrey", capsize=2, ms=4)
    ax.set_yticks(y, shown["examiner_id"], fontsize="small")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlabel(f"{glossary.term('generosity')} i poäng, jämfört med genomsnittet i gruppen (> 0 = generösare)\n"
                  f"linjerna: {glossary.term('shrunken_interval')}")
    if compact:
        ax.set_title(f"Examinatorernas generositet och stränghet: de {FIGURE_ENDS} strängaste och de "
                     f"{FIGURE_ENDS} generösaste av {number(len(e))}")
        ax.text(0.5, FIGURE_ENDS + 0.5, f"… {number(left_out)} examinatorer däremellan visas inte här; alla står "
                "i tabellen nedan …", transform=ax.get_yaxis_transform(), ha="center", va="center",
                fontsize="small", style="italic")
    else:
        ax.set_title("Examinatorernas generositet och stränghet")
    if len(known):
        low, high = known.iloc[0], known.iloc[-1]
        above = int((known["ci_low"] > 0).sum())
        below = int((known["ci_high"] < 0).sum())
        summary = (f"{number(len(e))} examinatorer, från {low['examiner_id']} {number(low['bias'], 1, sign=True)} till "
                   f"{high['examiner_id']} {number(high['bias'], 1, sign=True)} poäng; {number(above)} med intervall "
                   "helt "
                   f"över 0 (generösare), {number(below)} helt under 0 (strängare)")
        if compact:
            summary += (f". Figuren visar de {FIGURE_ENDS} strängaste och de {FIGURE_ENDS} generösaste; de "
                        f"{number(left_out)} däremellan står i tabellen nedan")
    else:
        summary = "inga examinatorer med medbedömare"
    alt = (f"Punktdiagram med {glossary.term('shrunken_interval')}: varje examinators generositet enligt modellen, "
           f"jämfört med genomsnittet i gruppen. {summary}.")
    return render.Figure(fig, alt)
