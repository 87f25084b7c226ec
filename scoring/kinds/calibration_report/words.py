"""The calibration report's words: its heading, agreement intervals, the examiner model,
the examiner table, drift and the decision study, in Swedish through the one rendering path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...agreement import REPORTED
from ...overview import individual
from ...presentation import render
from ...presentation.labels import (
    demo_note,
    examiner_reading,
    interval,
    is_demo,
    note_text,
    show,
    source_paths,
)
from ...rubric import Rubric


def incomplete_scorebooks(completeness: pd.DataFrame, rubric: Rubric) -> render.Block:
    """The examiners whose scorebooks miss scores, or one sentence when none do.

    ``completeness`` is ``overview.scorebook_completeness``.
    """
    missing = completeness[completeness["scored"] < completeness["expected"]]
    if missing.empty:
        return render.paragraph("Alla {n} examinatorers protokoll är fullständiga.", n=len(completeness))
    return show(missing, rubric, precision={"complete_share": 2})


def intervals(table: pd.DataFrame, rubric: Rubric, coefficients=REPORTED, row: str = "criterion") -> render.Table:
    """Agreement table as criteria x coefficients, each cell "0,45 (0,29–0,64)", with counts.

    ``table`` is an ``agreement_table`` grouped by ``row`` alone; ``coefficients`` default the
    ones registered for the report (:data:`scoring.agreement.REPORTED`).
    """
    t = table[table["coefficient"].isin(coefficients)]
    cells = [interval(e, lo, hi) for e, lo, hi in zip(t["estimate"], t["ci_low"], t["ci_high"], strict=True)]
    wide = t.assign(cell=cells).pivot(index=row, columns="coefficient", values="cell")
    wide = wide[[c for c in coefficients if c in wide.columns]]
    counts = t.groupby(row)[["n_units", "n_raters", "n_ratings"]].max()
    out = wide.join(counts).reset_index()
    if row == "criterion":
        order = {c: i for i, c in enumerate(rubric.criterion_ids)}
        out = out.sort_values("criterion", key=lambda s: s.map(order))
    out.columns.name = None
    return show(out, rubric, right=[c for c in coefficients if c in out.columns])


def heading(year_data) -> render.Block:
    """The report's opening: year, what the year holds, the rubric used."""
    s = year_data.scores
    ind = individual(s)
    scale = year_data.rubric.scale
    blocks = [
        render.heading("År {year}", year=year_data.year),
        render.paragraph(
            "{entries} bidrag i {classes} tävlingsklasser, {examiners} examinatorer, {scores} individuella "
            "poäng. Bedömningsmall: {rubric}, skala {lo}–{hi} i steg om {step}.",
            entries=len(year_data.entries), classes=year_data.entries["class"].nunique(),
            examiners=ind["examiner_id"].nunique(), scores=len(ind), rubric=source_paths(year_data.rubric.source),
            lo=scale.min, hi=scale.max, step=scale.step,
        ),
    ]
    if is_demo(year_data.entries):
        blocks.append(demo_note())
    return render.group(*blocks)


def examiner_model(model) -> render.Block:
    """What the examiner-effect model found, in plain Swedish: how much examiners differ, the
    connected groups (who can be compared with whom), who is too thinly observed to be
    adjusted for, and the model's own notes."""
    v = model.variances
    sd = {k: float(v[k]) ** 0.5 if v.get(k) == v.get(k) else float("nan") for k in v}
    blocks = [render.paragraph(
        "Modellen skattar att examinatorernas generositet skiljer sig med en standardavvikelse på "
        "{b:.1f} poäng. En examinators helhetsintryck av ett bidrag, som drar alla kriterier åt samma håll "
        "(halo), varierar med {u:.1f} poäng, och det som återstår (brus) med {e:.1f} poäng.",
        b=sd["examiner"], u=sd["examiner_entry"], e=sd["residual"])]
    groups = model.groups.groupby("group")["examiner_id"].apply(sorted)
    if len(groups) > 1:
        blocks.append(render.paragraph(
            "Examinatorerna bildar {n} grupper som inte delar något bidrag, varken direkt eller via kollegor. "
            "Generositet jämförs bara inom en grupp; examinatorer i olika grupper kan inte jämföras.",
            css="warning", n=len(groups)))
        blocks.append(render.bullets(
            render.text("Grupp {g}: {codes}", g=g, codes=render.join(render.code(c) for c in codes))
            for g, codes in groups.items()))
    else:
        blocks.append(render.paragraph("Alla examinatorer hänger ihop via gemensamma bidrag och kan jämföras."))
    thin = model.effects.loc[~model.effects["adjusted"].astype(bool), "examiner_id"]
    if len(thin):
        blocks.append(render.paragraph(
            "Färre än {k} poäng: {codes}. De visas men justeras inte för i rangordningen.",
            k=model.min_scores, codes=render.join(render.code(c) for c in sorted(thin))))
    blocks += [render.paragraph("{note}", note=note_text(n)) for n in model.notes]
    return render.group(*blocks)


def examiner_table(model, rubric: Rubric) -> render.Table:
    """Every examiner's effect with its interval, the measures and their reading (the administrator's view)."""
    e = model.effects.copy()
    residual_sd = float(model.variances["residual"]) ** 0.5
    e["reading"] = [examiner_reading(r, residual_sd) for _, r in e.iterrows()]
    e["adjusted"] = e["adjusted"].map({True: "ja", False: "nej"})
    n = render.number
    e["bias_ci"] = [render.MISSING if pd.isna(b) else f"{n(b, 1, sign=True)} ({n(lo, 1)} till {n(hi, 1)})"
                    for b, lo, hi in zip(e["bias"], e["ci_low"], e["ci_high"], strict=True)]
    columns = ["examiner_id", "bias_ci", "n_scores", "adjusted", "range", "halo", "inconsistency", "reading"]
    if model.groups["group"].nunique() > 1:
        columns.insert(1, "group")
    return show(e[columns], rubric, precision={"range": 2, "halo": 2, "inconsistency": 1}, right=["bias_ci"])


def decision_table(study: pd.DataFrame, rubric: Rubric) -> render.Block:
    """The decision study: team sizes as rows, the criteria and the weighted total as columns,
    and a last row with the smallest team reaching the target."""
    criteria = [c for c in [*rubric.criterion_ids, "total"] if c in set(study["criterion"])]
    names = {c: "Viktad totalpoäng" if c == "total" else rubric.criterion_label(c) for c in criteria}
    wide = study.pivot_table(index="team_size", columns="criterion", values="reliability")[criteria]
    smallest = study.groupby("criterion")["smallest_team"].first()[criteria]
    out = wide.reset_index().rename(columns={"team_size": "Examinatorer per bidrag"} | names)
    out = out.astype({"Examinatorer per bidrag": object})
    out.loc[len(out)] = ["Minsta lag för 0,8", *[("–" if pd.isna(n) else int(n)) for n in smallest]]
    total = smallest.get("total", float("nan"))
    sentence = (render.paragraph("För den viktade totalpoängen behövs minst {n:d} examinatorer per bidrag för en "
                                 "reliabilitet på 0,8.", n=int(total)) if total == total else
                render.paragraph("Den viktade totalpoängen når inte reliabiliteten 0,8 med upp till {m:d} "
                                 "examinatorer.", m=int(study["team_size"].max())))
    return render.group(sentence, show(out, rubric, precision=2, right=list(names.values())))


def drift_table(drift: pd.DataFrame, year: int, rubric: Rubric) -> render.Block:
    """This year's examiners whose generosity changed from their earlier years (interval of the
    change excludes 0), then everyone with earlier years; one sentence when nobody has any."""
    d = drift[(drift["year"] == year) & (drift["earlier_years"] > 0)].copy()
    if d.empty:
        return render.paragraph("Ingen av årets examinatorer har bedömt tidigare år i datamappen.")
    d = d.iloc[np.lexsort((-d["change"].abs().to_numpy(), ~d["flagged"].to_numpy(dtype=bool)))]
    flagged = d.loc[d["flagged"], "examiner_id"]
    sentence = (render.paragraph("{n} av {m} examinatorer med tidigare år har säkert ändrat sin generositet jämfört "
                                 "med sina tidigare år: {codes}.", n=len(flagged), m=len(d),
                                 codes=render.join(render.code(c) for c in flagged))
                if len(flagged) else
                render.paragraph("Ingen av de {m} examinatorerna med tidigare år har säkert ändrat sin generositet.",
                                 m=len(d)))
    d["flagged"] = d["flagged"].map({True: "ja", False: "nej"})
    columns = ["examiner_id", "earlier_years", "earlier_bias", "bias", "change", "change_low", "change_high",
               "flagged"]
    return render.group(sentence, show(d[columns], rubric, precision=1))
