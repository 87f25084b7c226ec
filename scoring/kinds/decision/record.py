"""The decision beside the numbers, for the jury's record (``beslut-underlag.html``).

Per decided class: the decision; the adjusted ranking's leader and its chance to win, as the
class's jury pack and ``scoring rank`` give them; the leader under every way of counting the
scores; and a neutral note wherever the jury chose otherwise than the ranking. The jury may:
the note says so and does not judge.
"""

from __future__ import annotations

import pandas as pd

from ...presentation import glossary, render
from ...presentation.labels import COLUMNS_SV, demo_note
from ..jury.pack import METHODS_SV, JuryPack, lead_reading, rank_interval
from .decision import ClassDecision, Decision
from .words import intro as _no_decision

__all__ = ["intro", "summary_table", "classes", "FREE"]

#: What every note where the jury chose otherwise says.
FREE = ("Det står juryn fritt att göra: rangordningen är ett underlag för beslutet, inte beslutet "
        "självt.")


def intro(dec: Decision) -> render.Block:
    """What the record is, or that the year has no decision yet (short: the table of every class's decision
    follows on the first screen, issue 18)."""
    if dec.decisions is None:
        return _no_decision(dec)
    return render.group(
        render.paragraph(
            "Juryns beslut för {year} bredvid rangordningens ledare, först för alla klasser i en tabell, "
            "sedan klass för klass med de andra sätten att räkna poängen.", year=dec.year),
        demo_note() if dec.demo else None,
    )


def _leaders(pack: JuryPack) -> list[str]:
    r = pack.ranking
    return list(r.loc[r["score"].notna() & r["leader"].astype(bool), "entry_id"].astype(str))


def _outcome(pack: JuryPack, c: ClassDecision) -> render.Inline:
    if c.winner is not None:
        return render.text("vinnare {who}", who=pack.label(c.winner))
    return render.text("inget pris" if c.no_prize else render.MISSING)


def _same(c: ClassDecision, leaders: list[str]) -> str:
    if c.winner is None:
        return render.MISSING
    return "ja" if c.winner in leaders else "nej"


def summary_table(dec: Decision) -> render.Block | None:
    """One row per decided class: the decision, the ranking's leader, its chance to win, and
    whether they are the same entry (None without a decision)."""
    if dec.decisions is None:
        return None
    rows = []
    for c in dec.classes:
        pack = dec.packs[c.class_id]
        leaders = _leaders(pack)
        lead = pack.ranking[pack.ranking["entry_id"].isin(leaders)]
        rows.append({
            "class": dec.rubric.class_label(c.class_id),
            "decision": _outcome(pack, c),
            "leader": pack.labels(leaders) if leaders else render.text(render.MISSING),
            "p_first": glossary.chance(float(lead["p_first"].sum())) if len(lead) else render.MISSING,
            "same_as_decision": _same(c, leaders),
        })
    t = pd.DataFrame(rows, columns=["class", "decision", "leader", "p_first", "same_as_decision"])
    return render.Table(t, headers=COLUMNS_SV, right=["p_first"])


def _methods(pack: JuryPack, c: ClassDecision) -> render.Table:
    s = pack.sensitivity
    leaders, same = [], []
    for x in s["leader"]:
        who = [w for w in str(x).split(", ") if w]
        leaders.append(pack.labels(who) if who else render.text(render.MISSING))
        same.append(_same(c, who))
    t = pd.DataFrame({"method": [METHODS_SV.get(m, m) for m in s["method"]], "leader": leaders,
                      "same_as_decision": same})
    return render.Table(t, headers=COLUMNS_SV)


def _class(dec: Decision, c: ClassDecision) -> render.Block:
    pack = dec.packs[c.class_id]
    r = pack.ranking
    leaders = _leaders(pack)
    blocks = [render.heading("{label}", level=3, label=dec.rubric.class_label(c.class_id)),
              render.paragraph("{q} {what}.", q=render.strong("Beslut:"), what=_outcome(pack, c))]
    if c.mentions:
        blocks.append(render.paragraph("{q} {who}.", q=render.strong("Hedersomnämnande:"), who=pack.labels(c.mentions)))
    reason = c.rows[c.winner].get("override_reason") if c.winner is not None else None
    if isinstance(reason, str) and reason.strip():
        blocks.append(render.paragraph(
            "Vinnarens budget är inte i balans, så rangordningen ger bidraget ingen chans att vinna. Juryns "
            "skäl att ändå låta det vinna: {reason}", reason=reason))
    if leaders:
        p = float(r.loc[r["entry_id"].isin(leaders), "p_first"].sum())
        verb = "leder" if len(leaders) == 1 else "delar ledningen i"
        blocks.append(render.paragraph(
            "{q} {who} {verb} rangordningen med {p} chans att vinna. {reading}", q=render.strong("Underlaget:"),
            who=pack.labels(leaders), verb=verb, p=glossary.chance(p), reading=lead_reading(p)))
    else:
        blocks.append(render.paragraph("{q} inget bidrag i klassen kan vinna enligt rangordningen.",
                                       q=render.strong("Underlaget:")))
    if c.winner is not None and c.winner not in leaders:
        w = r[r["entry_id"] == c.winner]
        if len(w) and pd.notna(w["rank"].iloc[0]) and bool(w["eligible"].iloc[0]):
            x = w.iloc[0]
            blocks.append(render.paragraph(
                "Vinnaren {who} har placering {rank} i rangordningen (möjlig placering {interval}) och {p} chans att "
                "vinna.", who=pack.label(c.winner), rank=int(x["rank"]),
                interval=rank_interval(x["rank_low"], x["rank_high"]), p=glossary.chance(x["p_first"])))
        elif len(w) and pd.notna(w["would_rank"].iloc[0]):  # cannot win: its place had its budget been in balance
            blocks.append(render.paragraph(
                "Vinnaren {who} står inte i rangordningen, eftersom budgeten inte är i balans; med budget i balans "
                "hade bidraget fått placering {rank}.", who=pack.label(c.winner), rank=int(w["would_rank"].iloc[0])))
        blocks.append(render.paragraph("{note} Juryn valde ett annat bidrag än det som leder rangordningen. "
                                       "{free}", note=render.strong("Anteckning:"), free=FREE))
    elif c.winner is None and c.no_prize and leaders:
        blocks.append(render.paragraph("{note} Juryn delar inte ut något pris i klassen, fast rangordningen "
                                       "har en ledare som kan vinna. {free}", note=render.strong("Anteckning:"),
                                       free=FREE))
    blocks.append(_methods(pack, c))
    if c.winner is not None:
        s = pack.sensitivity
        others = [str(x).split(", ") for x in s["leader"]]
        k = sum(c.winner in who for who in others)
        blocks.append(render.paragraph("Vinnaren leder med {k} av de {n} sätten att räkna poängen.", k=k,
                                       n=len(others)))
    return render.group(*blocks)


def classes(dec: Decision) -> render.Block | None:
    """Every decided class: the decision, the ranking's leader and chance to win, the winner's own
    place when it is another entry, the leader per way of counting, and the neutral notes."""
    if dec.decisions is None:
        return None
    return render.group(*(_class(dec, c) for c in dec.classes))
