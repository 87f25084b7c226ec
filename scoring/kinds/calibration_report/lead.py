"""The calibration report's first screen and its compact tables: the year's verdicts in a few
large sentences (agreement and what it means, the largest examiner differences, whether the teams
are large enough, how much went to the consensus agenda), the examiner table one line per
examiner, the agenda grouped by class, and the trend with its intervals."""

from __future__ import annotations

import pandas as pd

from ...presentation import glossary, render
from ...presentation.labels import examiner_positions, interval, measure_level, measure_n, show
from ...rubric import Rubric

#: A table of the report with more rows than this (per class for the agenda) shows its first rows
#: only, and says what it leaves out (:func:`compact_note`): a national year has thousands of agenda
#: rows, entries and missing texts, a table a person cannot read (and pages of tens of MB). A city
#: year's tables (at most about 50 rows) are shown whole, as before.
TABLE_MAX = 60

#: The CSS classes of the opening sentences: the stylesheet's ``p.lead`` (large, as on the trainer's
#: report) and ``verdict`` (a little wider and closer together, so that all of them fit the first
#: screen at 1024 × 768; see tests/browser/test_browser_first_screen_calibration.py).
LEAD = "lead verdict"

#: ICC bands (Koo & Li 2016, J Chiropr Med 15:155–163): below 0.5 poor, 0.5–0.75 moderate,
#: 0.75–0.9 good, above 0.9 excellent. The report's own method text calls below 0.4 weak.
ICC_WORDS = ((0.4, "svag"), (0.5, "svag till måttlig"), (0.75, "måttlig"), (0.9, "god"), (float("inf"), "utmärkt"))


def _lead(template: str, **values) -> render.Block:
    return render.paragraph(template, css=LEAD, **values)


def icc_words(value: float) -> str:
    """The band of an ICC in words ("svag", "måttlig" …), see :data:`ICC_WORDS`."""
    return next(words for limit, words in ICC_WORDS if value < limit)


def percent(share) -> str:
    """A share as a whole per cent: "94 %"; "–" when missing."""
    if pd.isna(share):
        return render.MISSING
    return render.number(100 * float(share), 0) + "\u00a0%"


def whole_or_half(x) -> str:
    """A count that may be a median of counts: "5" or "5,5", never "5,00"."""
    if pd.isna(x):
        return render.MISSING
    return render.number(float(x), 0 if float(x) == round(float(x)) else 1)


def _range(values: pd.Series) -> str:
    lo, hi = float(values.min()), float(values.max())
    return render.number(lo) if render.number(lo) == render.number(hi) else f"{render.number(lo)}–{render.number(hi)}"


def _bias_side(row) -> str | None:
    return measure_level("bias", row["bias"], n=row["n_scores"], ci=(row["ci_low"], row["ci_high"])).fixed


def verdicts(agreement: pd.DataFrame, model, agenda: pd.DataFrame, rubric: Rubric, uncertainty=None) -> render.Block:
    """The year's verdicts in ``lead`` paragraphs, for the report's first screen.

    ``agreement`` is ``agreement_table(..., by=("criterion",))``; ``model`` the year's examiner
    model; ``agenda`` ``consensus.consensus_agenda``; ``uncertainty``
    :func:`scoring.calibration.decision_study_uncertainty` (optional).
    """
    blocks = [render.heading("Årets resultat i korthet")]
    est = agreement.set_index(["coefficient", "criterion"])["estimate"]
    if "ICC1" in est.index.get_level_values(0):
        icc = est.loc["ICC1"].dropna()
        median = float(icc.median())
        meaning = ("en enskild examinators poäng säger lite om bidraget, lagets bedömning bär." if median < 0.5
                   else "en enskild examinators poäng säger en hel del om bidraget.")
        blocks.append(_lead(
            "{lead} ICC1 är {r} över kriterierna, {words}: " + meaning,
            lead=render.strong("Samstämmighet:"), r=_range(icc), words=icc_words(median)))
        if "gwet_ac2" in est.index.get_level_values(0):
            ac2 = est.loc["gwet_ac2"].dropna()
            blocks.append(_lead(
                "{lead} ICC mäter hur väl poängen skiljer bidragen åt, i förhållande till all variation. "
                "AC2 ({r}, kvadratiska vikter) mäter hur nära poängen ligger på skalan jämfört med slumpen över "
                "hela skalan: den blir hög när alla håller sig till mitten, även om de rangordnar bidragen olika.",
                lead=render.strong("ICC och Gwets AC2:"), r=_range(ac2)))
    e = model.effects.dropna(subset=["bias"])
    if len(e):
        sides = [_bias_side(r) for _, r in e.iterrows()]
        high = e[[s == "high" for s in sides]].sort_values("bias", ascending=False)
        low = e[[s == "low" for s in sides]].sort_values("bias")
        parts = []
        for _, r in pd.concat([high.head(1), low.head(1)]).iterrows():
            parts.append(render.text("{code} {b} ({lo})", code=render.code(r["examiner_id"]),
                                     b=glossary.signed(r["bias"]),
                                     lo=glossary.signed_interval(r["ci_low"], r["ci_high"])))
        if parts:
            blocks.append(_lead(
                "{lead} {high} av {n} är tydligt generösare, {low} tydligt strängare än genomsnittet. "
                "Störst skillnad: {parts} poäng.",
                lead=render.strong("Examinatorerna:"), high=len(high), low=len(low), n=len(e),
                parts=render.join(parts)))
        else:
            blocks.append(_lead("{lead} ingen av de {n} examinatorerna skiljer sig tydligt från genomsnittet.",
                                lead=render.strong("Examinatorerna:"), n=len(e)))
    if uncertainty is not None and uncertainty.n_boot and "total" in set(uncertainty.summary["criterion"]):
        t = uncertainty.summary.set_index("criterion").loc["total"]
        target = float(uncertainty.target)
        enough = float(t["reliability"]) >= target
        verdict = "räcker för reliabiliteten {t}" if enough else "räcker inte för reliabiliteten {t}"
        smallest = (render.text("minst {n} (omkörningarna: {lo}–{hi})", n=int(t["smallest_team"]),
                                lo=int(t["smallest_low"]), hi=int(t["smallest_high"]))
                    if pd.notna(t["smallest_team"]) else
                    render.text("fler än {m}", m=int(uncertainty.largest)))
        blocks.append(_lead(
            "{lead} medianlaget på {n} examinatorer " + verdict + " (totalpoängens reliabilitet {r}, {level} % "
            "intervall {rlo}–{rhi}); det behövs {smallest}.", level=render.number(100 * uncertainty.level, 0),
            lead=render.strong("Lagstorlek:"), n=whole_or_half(t["team_size"]), t=render.number(target, None),
            r=render.number(t["reliability"]), rlo=render.number(t["reliability_low"]),
            rhi=render.number(t["reliability_high"]), smallest=smallest))
    n_pairs = len(agenda)
    n_entries = agenda["entry_id"].nunique() if n_pairs else 0
    blocks.append(_lead(
        "{lead} {k} bidrag × kriterier i {m} bidrag spred mer än {lim} poäng och gick till konsensusagendan.",
        lead=render.strong("Konsensus:"), k=n_pairs, m=n_entries,
        lim=render.number(float(rubric.spread_threshold), None)))
    return render.group(*blocks)


def _notes(row, position) -> str:
    """The short reading of one examiner: only what is notable, "" otherwise."""
    notes = []
    bias = measure_level("bias", row["bias"], position=position.get("bias"), n=row["n_scores"],
                         ci=(row["ci_low"], row["ci_high"]))
    if bias.side == "few":
        return "få poäng"
    if bias.fixed == "high":
        notes.append("generös")
    elif bias.fixed == "low":
        notes.append("sträng")
    for measure, high, low in (("range", "bred skala", "smal skala"), ("halo", "hög halo", None),
                               ("inconsistency", "hög inkonsekvens", None)):
        level = measure_level(measure, row[measure], position=position.get(measure), n=measure_n(measure, row))
        if level.far and level.side == "high":
            notes.append(high)
        elif low and level.far and level.side == "low":
            notes.append(low)
    return ", ".join(notes)


def examiner_lines(model, rubric: Rubric) -> render.Table:
    """Every examiner on one line: code, generosity with its interval, n, scale use, halo,
    inconsistency and a short note only where something is notable ("generösast", "sträng",
    "hög halo" …); the full reading (:func:`scoring.presentation.labels.examiner_reading`) stays
    on the examiner's own page and in the CLI. Sides follow the same rules and positions
    (:func:`scoring.presentation.labels.examiner_positions`)."""
    e = model.effects.copy()
    pos = examiner_positions(e)
    notes = [_notes(r, pos.get(r["examiner_id"], {})) for _, r in e.iterrows()]
    ok = e["bias"].notna()
    if ok.any():
        top, bottom = e.loc[ok, "bias"].idxmax(), e.loc[ok, "bias"].idxmin()
        index = list(e.index)
        for i, word, superlative in ((top, "generös", "generösast"), (bottom, "sträng", "strängast")):
            k = index.index(i)
            notes[k] = notes[k].replace(word, superlative, 1) if notes[k].startswith(word) else notes[k]
    e["reading"] = notes
    e["bias_ci"] = [render.MISSING if pd.isna(b) else f"{glossary.signed(b)} ({glossary.signed_interval(lo, hi)})"
                    for b, lo, hi in zip(e["bias"], e["ci_low"], e["ci_high"], strict=True)]
    columns = ["examiner_id", "bias_ci", "n_scores", "range", "halo", "inconsistency", "reading"]
    if model.groups["group"].nunique() > 1:
        columns.insert(1, "group")
    e = e.sort_values("bias", ascending=False)
    return show(e[columns], rubric, precision={"range": 2, "halo": 2, "inconsistency": 1}, right=["bias_ci"])


def compact_note(shown: int, total: int, what: str, rest: str = "") -> render.Block | None:
    """Under a table cut to its first rows (:data:`TABLE_MAX`): how many of how many ``what`` it
    shows and that the rest are left out, with ``rest`` (a sentence) saying where they are; None
    when nothing was left out."""
    if shown >= total:
        return None
    return render.paragraph(
        "{q} tabellen visar {k} av {n} {what}; övriga {left} visas inte här, för många för att läsa i en "
        "rapport. {rest}", css="note", q=render.strong("Stort år:"), k=shown, n=total, what=what,
        left=total - shown, rest=rest)


def agenda_by_class(agenda: pd.DataFrame, rubric: Rubric, max_rows: int = TABLE_MAX) -> render.Block:
    """The consensus agenda grouped by class: a heading per class with its number of rows, then the
    entries with the largest spread first, each entry's rows together (its name on the first row):
    criterion, spread, mean and the individual scores (lowest, highest and team size read from
    the scores), without a class column.

    A class with more than ``max_rows`` rows (:data:`TABLE_MAX`; only in a year of thousands of
    entries) shows its entries with the largest spread, whole, up to that many rows, and says how
    many entries and rows it leaves out (:func:`compact_note`)."""
    if agenda.empty:
        return render.paragraph("Ingen spridning över gränsen: konsensusagendan är tom.")
    blocks = []
    order = {c: i for i, c in enumerate(rubric.class_ids)}
    for cls in sorted(agenda["class"].unique(), key=lambda c: (order.get(c, len(order)), str(c))):
        part = agenda[agenda["class"] == cls].drop(columns=["class"])
        top = part.groupby("entry_id")["spread"].transform("max")
        part = part.assign(_top=top).sort_values(["_top", "entry_id", "spread"], ascending=[False, True, False])
        n_rows, n_entries = len(part), part["entry_id"].nunique()
        if n_rows > max_rows:  # whole entries, the largest spread first, up to max_rows rows (at least one)
            sizes = part["entry_id"].value_counts().reindex(pd.unique(part["entry_id"]))
            keep = sizes.index[(sizes.cumsum() <= max_rows).to_numpy()]
            part = part[part["entry_id"].isin(keep if len(keep) else sizes.index[:1])]
        if "name" in part:
            part["name"] = part["name"].where(~part["entry_id"].duplicated(), "")
        blocks.append(render.heading("{c} ({n})", level=3, c=rubric.class_label(cls), n=n_rows))
        columns = [c for c in ("entry_id", "name", "criterion", "spread", "mean", "scores") if c in part]
        blocks.append(show(part[columns], rubric, precision={"mean": 1}))
        blocks.append(compact_note(
            part["entry_id"].nunique(), n_entries, "bidrag på agendan i klassen",
            render.text("De visade är de med störst spridning ({k} av klassens {n} rader).", k=len(part), n=n_rows)))
    return render.group(*blocks)


def trend_table(trend: pd.DataFrame, rubric: Rubric, coefficient: str = "ICC1") -> render.Table:
    """The agreement across years with its 95 % intervals: years as rows, criteria as columns."""
    t = trend[trend["coefficient"] == coefficient]
    cells = [interval(e, lo, hi) for e, lo, hi in zip(t["estimate"], t["ci_low"], t["ci_high"], strict=True)]
    wide = t.assign(cell=cells).pivot(index="year", columns="criterion", values="cell")
    wide = wide[[c for c in rubric.criterion_ids if c in wide.columns]]
    wide.columns = [rubric.criterion_label(c) for c in wide.columns]
    out = wide.reset_index().rename(columns={"year": "År"})
    out["År"] = out["År"].astype(int).astype(str)
    out.columns.name = None
    return show(out, rubric, right=list(out.columns[1:]))
