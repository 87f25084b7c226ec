"""Swedish presentation of result tables: column headers and rubric labels."""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from .paths import PROJECT_ROOT
from .problems import display_path
from .rubric import Rubric

COLUMNS_SV = {
    "year": "År",
    "entry_id": "Bidrag",
    "name": "Verksamhet",
    "class": "Klass",
    "examiner_id": "Examinator",
    "criterion": "Kriterium",
    "coefficient": "Mått",
    "stage": "Steg",
    "score": "Poäng",
    "entries": "Bidrag",
    "examiners": "Examinatorer",
    "team_min": "Lag min",
    "team_median": "Lag median",
    "team_max": "Lag max",
    "site_visits": "Platsbesök",
    "expected": "Förväntade poäng",
    "scored": "Givna poäng",
    "complete_share": "Andel ifyllt",
    "missing": "Saknas",
    "n_examiners": "Antal examinatorer",
    "low": "Lägst",
    "high": "Högst",
    "spread": "Spridning",
    "mean": "Medel",
    "scores": "Individuella poäng",
    "individual_mean": "Medel individuellt",
    "consensus": "Konsensus",
    "shift": "Förflyttning",
    "mean_shift": "Medelförflyttning",
    "mean_abs_shift": "Medel av absolut förflyttning",
    "closest_examiner": "Närmast konsensus",
    "n": "Antal",
    "pairs": "Bedömda bidrag × kriterier",
    "nearest": "Närmast konsensus, antal",
    "share": "Närmast konsensus, andel",
    "bias": "Avvikelse mot medbedömare",
    "ci_low": "95 % KI, nedre",
    "ci_high": "95 % KI, övre",
    "estimate": "Skattning",
    "n_entries": "Antal bidrag",
    "n_units": "Antal bidrag",
    "n_raters": "Antal examinatorer",
    "n_ratings": "Antal poäng",
    "n_scores": "Antal poäng",
    "spread_ratio": "Spridningskvot",
}

COEFFICIENTS_SV = {
    "alpha_nominal": "Krippendorffs alfa (nominal)",
    "alpha_ordinal": "Krippendorffs alfa (ordinal)",
    "alpha_interval": "Krippendorffs alfa (intervall)",
    "alpha_ratio": "Krippendorffs alfa (kvot)",
    "fleiss_kappa": "Fleiss kappa",
    "gwet_ac1": "Gwets AC1",
    "gwet_ac2": "Gwets AC2 (kvadratiska vikter)",
    "percent_agreement": "Andel par med samma poäng",
    "percent_within_step": "Andel par inom ett skalsteg",
}


def swedish(df: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """A copy with Swedish headers and criterion/class ids replaced by their Swedish labels."""
    out = df.copy()
    if "criterion" in out.columns:
        out["criterion"] = out["criterion"].map(rubric.criterion_label)
    if "class" in out.columns:
        out["class"] = out["class"].map(lambda c: "Totalt" if c == "total" else rubric.class_label(c))
    if "coefficient" in out.columns:
        out["coefficient"] = out["coefficient"].map(lambda c: COEFFICIENTS_SV.get(c, c))
    return out.rename(columns=COLUMNS_SV | COEFFICIENTS_SV)


def show(df: pd.DataFrame, rubric: Rubric, precision: int = 2):
    """A table for a report: Swedish headers and labels, no index, rounded numbers."""
    return (
        swedish(df, rubric)
        .style.hide(axis="index")
        .format(precision=precision, na_rep="–", decimal=",", thousands="\u00a0")
    )


def incomplete_scorebooks(completeness: pd.DataFrame, rubric: Rubric):
    """The examiners whose scorebooks miss scores, or one sentence when none do.

    ``completeness`` is ``overview.scorebook_completeness``.
    """
    missing = completeness[completeness["scored"] < completeness["expected"]]
    if missing.empty:
        return Markdown(f"Alla {len(completeness)} examinatorers protokoll är fullständiga.")
    return show(missing, rubric)


def intervals(table: pd.DataFrame, rubric: Rubric, coefficients: list[str], row: str = "criterion"):
    """Agreement table as criteria x coefficients, each cell "0,45 (0,29–0,64)", with counts.

    ``table`` is an ``agreement_table`` grouped by ``row`` alone.
    """
    t = table[table["coefficient"].isin(coefficients)]

    def cell(r) -> str:
        if pd.isna(r["estimate"]):
            return "–"
        text = f"{r['estimate']:.2f} ({r['ci_low']:.2f}–{r['ci_high']:.2f})"
        return text.replace(".", ",")

    wide = t.assign(cell=t.apply(cell, axis=1)).pivot(index=row, columns="coefficient", values="cell")
    wide = wide[[c for c in coefficients if c in wide.columns]]
    counts = t.groupby(row)[["n_units", "n_raters", "n_ratings"]].max()
    out = wide.join(counts).reset_index()
    if row == "criterion":
        order = {c: i for i, c in enumerate(rubric.criterion_ids)}
        out = out.sort_values("criterion", key=lambda s: s.map(order))
    return show(out, rubric)


def _project_path(source: str) -> str:
    """Rubric source(s) shown relative to the project folder when inside it."""
    return " + ".join(display_path(part, PROJECT_ROOT) for part in source.split(" + "))


def heading(year_data) -> Markdown:
    """The report's opening line: year, data folder and what the year holds."""
    s = year_data.scores
    ind = s[s["stage"] == "individual"]
    text = (
        f"## År {year_data.year}\n\n"
        f"{len(year_data.entries)} bidrag i {year_data.entries['class'].nunique()} tävlingsklasser, "
        f"{ind['examiner_id'].nunique()} examinatorer, {len(ind)} individuella poäng. "
        f"Bedömningsmall: `{_project_path(year_data.rubric.source)}`, skala {year_data.rubric.scale.min:g}–"
        f"{year_data.rubric.scale.max:g} i steg om {year_data.rubric.scale.step:g}."
    )
    if year_data.entries["name"].str.contains("fiktiv", case=False).any():
        text += "\n\n*Demodata: syntetiska, fiktiva bidrag och examinatorer.*"
    return Markdown(text)
