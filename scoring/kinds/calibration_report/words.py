"""The calibration report's words: its heading, agreement intervals, the examiner model,
the examiner table, drift and the decision study, in Swedish through the one rendering path."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...agreement import REPORTED
from ...calibration.drift import FALSE_ALARM, comparison_level
from ...overview import individual
from ...presentation import glossary, render
from ...presentation.labels import (
    demo_note,
    examiner_positions,
    examiner_reading,
    interval,
    is_demo,
    note_text,
    show,
    source_paths,
)
from ...rubric import Rubric
from .lead import TABLE_MAX, compact_note, percent, whole_or_half


def incomplete_scorebooks(completeness: pd.DataFrame, rubric: Rubric) -> render.Block:
    """The examiners whose scorebooks miss scores, or one sentence when none do.

    ``completeness`` is ``overview.scorebook_completeness``.
    """
    missing = completeness[completeness["scored"] < completeness["expected"]]
    if missing.empty:
        return render.paragraph("Alla {n} examinatorers protokoll är fullständiga.", n=len(completeness))
    return show(missing.assign(complete_share=missing["complete_share"].map(percent)), rubric,
                right=["complete_share"])


def classes_table(classes: pd.DataFrame, rubric: Rubric) -> render.Table:
    """``overview.classes_overview`` with counts as whole numbers and the median team as "5" or "5,5"."""
    return show(classes.assign(team_median=classes["team_median"].map(whole_or_half)), rubric,
                right=["team_median"])


def dominance_table(dominance: pd.DataFrame, rubric: Rubric) -> render.Table:
    """``consensus.dominance`` with shares as per cent, the (tie-split) count nearest consensus as a
    whole number, movements in points with one decimal and dominance with two."""
    d = dominance.assign(nearest_share=dominance["nearest_share"].map(percent),
                         expected_share=dominance["expected_share"].map(percent),
                         movement=dominance["movement"].map(glossary.signed))
    return show(d, rubric, precision={"nearest": 0, "abs_movement": 1, "dominance": 2},
                right=["nearest_share", "expected_share", "movement"])


#: The columns of the per-entry table of consensus and site-visit shifts.
ENTRY_SHIFT_COLUMNS = ["entry_id", "individual_mean", "consensus", "consensus_shift", "site_visit", "site_visit_shift"]


def entry_shift_table(shift: pd.DataFrame, rubric: Rubric, max_rows: int = TABLE_MAX) -> render.Block:
    """``consensus.entry_shift`` per entry, one decimal: individual mean, consensus, its shift, site visit
    and its shift. With more than ``max_rows`` entries (:data:`~.lead.TABLE_MAX`; a national year) the
    entries whose consensus moved furthest from the individual scores (largest absolute shift) are
    shown, furthest first, and the table says how many it leaves out (:func:`~.lead.compact_note`)."""
    t = shift[ENTRY_SHIFT_COLUMNS]
    if len(t) <= max_rows:
        return show(t, rubric, precision=1)
    order = np.lexsort((t["entry_id"].astype(str).to_numpy(), -t["consensus_shift"].abs().fillna(-1).to_numpy()))
    return render.group(
        show(t.iloc[order[:max_rows]], rubric, precision=1),
        compact_note(max_rows, len(t), "bidrag",
                     "De visade är de där konsensus flyttade sig längst från de individuella poängen, längst först."))


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
    positions = examiner_positions(e)
    e["reading"] = [examiner_reading(r, residual_sd, position=positions.get(r["examiner_id"]))
                    for _, r in e.iterrows()]
    e["adjusted"] = e["adjusted"].map({True: "ja", False: "nej"})
    n = render.number
    e["bias_ci"] = [render.MISSING if pd.isna(b) else f"{n(b, 1, sign=True)} ({n(lo, 1)} till {n(hi, 1)})"
                    for b, lo, hi in zip(e["bias"], e["ci_low"], e["ci_high"], strict=True)]
    columns = ["examiner_id", "bias_ci", "n_scores", "adjusted", "range", "halo", "inconsistency", "reading"]
    if model.groups["group"].nunique() > 1:
        columns.insert(1, "group")
    return show(e[columns], rubric, precision={"range": 2, "halo": 2, "inconsistency": 1}, right=["bias_ci"])


def _team(n: int, largest: int) -> str:
    """A smallest team as the report writes it: "4", or "fler än 10" past the largest size studied."""
    return f"fler än {largest}" if n > largest else str(int(n))


def _team_range(lo: int, hi: int, largest: int) -> str:
    """A range of smallest teams: "3–5", "4", "minst 8" (up to past the largest), "fler än 10"."""
    if lo == hi:
        return _team(lo, largest)
    if hi > largest:
        return f"minst {int(lo)}"
    return f"{int(lo)}–{int(hi)}"


def _shares(shares: pd.DataFrame, lo: int, hi: int, largest: int) -> str:
    """How often each smallest team in the range came out, the rest summed below and above:
    "2 eller färre: 3 %, 3: 22 %, 4: 25 %, 5: 23 %, 6 eller fler: 27 %"."""
    s = shares.set_index("smallest_team")["share"]
    parts = []
    below = float(s[s.index < lo].sum())
    if below > 0:
        parts.append(f"{int(lo) - 1} eller färre: {glossary.chance(below)}")
    parts += [f"{_team(n, largest)}: {glossary.chance(float(s.get(n, 0.0)))}" for n in range(int(lo), int(hi) + 1)
              if n <= largest + 1]
    above = float(s[s.index > hi].sum())
    if above > 0:
        parts.append(f"{int(hi) + 1} eller fler: {glossary.chance(above)}" if hi + 1 <= largest
                     else f"fler än {largest}: {glossary.chance(above)}")
    return ", ".join(parts)


def decision_table(study: pd.DataFrame, rubric: Rubric, uncertainty=None, target: float | None = None) -> render.Block:
    """The decision study: a sentence on the weighted total, then team sizes as rows, the criteria
    and the weighted total as columns, and last rows with the smallest team reaching the target.

    With ``uncertainty`` (:func:`scoring.calibration.decision_study_uncertainty`) the smallest team
    is given as the range of the replicates with how often it came out, and today's median team's
    reliability with its interval, in the sentence and in the table's last rows. ``target`` is the
    reliability ``study`` was computed for (default the uncertainty's, else 0.8).
    """
    criteria = [c for c in [*rubric.criterion_ids, "total"] if c in set(study["criterion"])]
    names = {c: "Viktad totalpoäng" if c == "total" else rubric.criterion_label(c) for c in criteria}
    wide = study.pivot_table(index="team_size", columns="criterion", values="reliability")[criteria]
    smallest = study.groupby("criterion")["smallest_team"].first()[criteria]
    largest = int(study["team_size"].max())
    if target is None:
        target = uncertainty.target if uncertainty is not None else 0.8
    target = render.number(target, None)
    first = "Examinatorer per bidrag"
    out = wide.reset_index().rename(columns={"team_size": first} | names)
    out = out.astype({first: object} | dict.fromkeys(names.values(), object))
    out.loc[len(out)] = [f"Minsta lag för {target}", *[("–" if pd.isna(n) else str(int(n))) for n in smallest]]
    total = smallest.get("total", float("nan"))
    if uncertainty is None or uncertainty.n_boot == 0:
        sentence = (render.paragraph("För den viktade totalpoängen behövs minst {n:d} examinatorer per bidrag för en "
                                     "reliabilitet på {t}.", n=int(total), t=target) if pd.notna(total) else
                    render.paragraph("Den viktade totalpoängen når inte reliabiliteten {t} med upp till {m:d} "
                                     "examinatorer.", t=target, m=largest))
        if uncertainty is not None:
            sentence = render.group(sentence, render.paragraph(
                "Hur osäker skattningen är går inte att räkna ut för det här året: modellen kan inte skattas "
                "om, eftersom inga examinatorer delar bidrag."))
        return render.group(sentence, show(out, rubric, precision=2, right=list(names.values())))

    u = uncertainty.summary.set_index("criterion")
    n_team = float(u["team_size"].iloc[0])
    team_words = render.number(n_team, None)
    ranges = [_team_range(int(u.loc[c, "smallest_low"]), int(u.loc[c, "smallest_high"]), largest)
              + f" ({glossary.chance(u.loc[c, 'smallest_share'])})" for c in criteria]
    rels = [interval(u.loc[c, "reliability"], u.loc[c, "reliability_low"], u.loc[c, "reliability_high"])
            for c in criteria]
    level = render.number(uncertainty.level * 100, 0)
    out.loc[len(out)] = [f"Minsta lag för {target}, spann (andel av omkörningarna)", *ranges]
    out.loc[len(out)] = [f"{glossary.term('reliability')} med dagens medianlag ({team_words}), {level} % intervall",
                         *rels]
    blocks = []
    if "total" in u.index:
        t = u.loc["total"]
        lo, hi = int(t["smallest_low"]), int(t["smallest_high"])
        shares = uncertainty.shares[uncertainty.shares["criterion"] == "total"]
        point = (render.text("För den viktade totalpoängen räcker enligt årets skattning {n} examinatorer per bidrag "
                             "för en reliabilitet på {t}.", n=int(total), t=target)
                 if pd.notna(total) else
                 render.text("Den viktade totalpoängen når enligt årets skattning inte reliabiliteten {t} med upp "
                             "till {m:d} examinatorer per bidrag.", t=target, m=largest))
        blocks.append(render.paragraph(
            "{point} Skattningen bygger på årets bidrag och examinatorer och är därför osäker: när årets upplägg "
            "(samma bidrag, examinatorer och lag) fick nya poäng dragna ur den skattade modellen och modellen "
            "skattades om, {b} gånger, blev minsta laget {range} examinatorer i {share} av omkörningarna ({dist}).",
            point=point, b=uncertainty.n_boot, range=_team_range(lo, hi, largest),
            share=glossary.chance(t["smallest_share"]), dist=_shares(shares, lo, hi, largest)))
        blocks.append(render.paragraph(
            "Med dagens medianlag på {n} examinatorer per bidrag är reliabiliteten för den viktade totalpoängen "
            "{r} ({level} % intervall {lo}–{hi}).", n=team_words, r=render.number(t["reliability"]), level=level,
            lo=render.number(t["reliability_low"]), hi=render.number(t["reliability_high"])))
    blocks.append(render.paragraph(
        "Att omkörningarna är {b} till antalet ger andelarna ett slumpfel på högst {mc} procentenheter (en "
        "standardavvikelse, 0,5 / √{b}) och intervallens gränser ett på omkring {rmc}.", b=uncertainty.n_boot,
        mc=render.number(50 / np.sqrt(uncertainty.n_boot), 0),
        rmc=render.number(float(uncertainty.summary["reliability_mc_se"].median()))))
    return render.group(*blocks, show(out, rubric, precision=2, right=list(names.values())))


def drift_table(drift: pd.DataFrame, year: int, rubric: Rubric, false_alarm: float = FALSE_ALARM) -> render.Block:
    """This year's examiners whose generosity changed from their earlier years (flagged at the
    per-examiner false-alarm rate ``false_alarm``, :data:`scoring.calibration.FALSE_ALARM`), then
    everyone with earlier years; one sentence when nobody has any. The rule and its rate are
    stated under the table."""
    rate = glossary.chance(false_alarm)
    rule = render.paragraph(
        "{flag}: en förändring flaggas bara när den är så stor att en examinator vars generositet inte har ändrats "
        "flaggas högst {rate} av gångerna över alla sina år tillsammans. Varje jämförelse prövas mot sin del av "
        "de {rate} (den första jämförelsen mot {first}, den andra mot {second} och så vidare), så en förändring "
        "vars 95 % intervall inte innehåller 0 flaggas inte alltid. Med 5 % per jämförelse i stället skulle "
        "ungefär var sjunde examinator utan verklig förändring flaggas någon gång på sex år.",
        flag=render.strong("{t}", t=glossary.term("drift_flag")), rate=rate,
        first=_percent(comparison_level(1, false_alarm)), second=_percent(comparison_level(2, false_alarm)))
    d = drift[(drift["year"] == year) & (drift["earlier_years"] > 0)].copy()
    if d.empty:
        return render.paragraph("Ingen av årets examinatorer har bedömt tidigare år i datamappen.")
    d = d.iloc[np.lexsort((-d["change"].abs().to_numpy(), ~d["flagged"].to_numpy(dtype=bool)))]
    flagged = d.loc[d["flagged"], "examiner_id"]
    sentence = (render.paragraph("{n} av {m} examinatorer med tidigare år har fått sin förändring i generositet "
                                 "jämfört med sina tidigare år flaggad: {codes}.", n=len(flagged), m=len(d),
                                 codes=render.join(render.code(c) for c in flagged))
                if len(flagged) else
                render.paragraph("Ingen av de {m} examinatorerna med tidigare år har fått sin förändring i "
                                 "generositet flaggad.", m=len(d)))
    d["flagged"] = d["flagged"].map({True: "ja", False: "nej"})
    d["change_ci"] = [f"{glossary.signed(c)} ({glossary.signed_interval(lo, hi)})"
                      for c, lo, hi in zip(d["change"], d["change_low"], d["change_high"], strict=True)]
    d["earlier_bias"] = d["earlier_bias"].map(glossary.signed)
    d["bias"] = d["bias"].map(glossary.signed)
    columns = ["examiner_id", "earlier_years", "earlier_bias", "bias", "change_ci", "flagged"]
    return render.group(sentence, show(d[columns], rubric, right=["earlier_bias", "bias", "change_ci"]), rule)


def _percent(p: float) -> str:
    """A small rate as a per cent with one decimal: "3,0 %"."""
    return render.number(100 * float(p), 1) + "\u00a0%"


def examiner_interval() -> render.Block:
    """What the examiner figure's and table's interval is: the glossary's shrunken interval."""
    return glossary.definitions(["generosity", "shrunken_interval"])
