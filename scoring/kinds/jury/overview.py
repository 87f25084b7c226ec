"""The jury's overview across the classes (``reports/<year>/jury.html``): each class's leader, how
sure that is and what would change it, in the words of the class's pack; the decision's status
once ``decisions.csv`` exists; and the site-visit shortlist (:mod:`.shortlist`).

:func:`load_overview` gathers every class's pack (:func:`scoring.kinds.jury.pack.load_pack`: the
numbers ``scoring rank`` prints), the decision and the shortlist; the other functions show them
through :mod:`scoring.presentation.render`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...data import load_year
from ...data.decisions import DECISIONS_FILE, MENTION, NO_PRIZE, WINNER, load_decisions
from ...presentation import glossary, render
from ...presentation.labels import COLUMNS_SV, demo_note, is_demo, problem
from ...problems import InputError, Problem
from ...reports.kind import safe_name
from ...rubric import Rubric
from . import pack as jury
from .shortlist import shortlist

__all__ = ["DECISION_FILE", "Overview", "load_overview", "heading", "leaders_table", "decision_status",
           "shortlist_section", "classes", "class_decision"]

#: The published decision (``scoring.kinds.decision``), beside the overview.
DECISION_FILE = "beslut.html"


@dataclass
class Overview:
    """The year's classes for the jury (see :func:`load_overview`).

    Attributes
    ----------
    year, rubric : what the overview is about.
    packs : each class's pack (:class:`~scoring.kinds.jury.pack.JuryPack`, named), in the rubric's order.
    decisions : the decision (``scoring.data.load_decisions``), None when there is none yet or it has errors.
    problems : the errors of ``decisions.csv`` when it has any.
    shortlist : the site-visit shortlist (:func:`scoring.kinds.jury.shortlist.shortlist`).
    visits : how many entries per class the shortlist visits.
    demo : True for the synthetic demo's entries.
    """

    year: int
    rubric: Rubric
    packs: dict[str, jury.JuryPack]
    decisions: pd.DataFrame | None
    shortlist: pd.DataFrame
    visits: int
    problems: list[Problem] = field(default_factory=list)
    demo: bool = False

    def label(self, class_id: str, entry_id: str) -> render.Inline:
        """An entry by its code and name."""
        return self.packs[class_id].label(entry_id)


def load_overview(year: int, data_dir: str | Path | None = None, *, visits: int = 3) -> Overview:
    """Gather every class's pack, the decision (if any) and the site-visit shortlist.

    Raises
    ------
    InputError
        When the year's data have errors (``decisions.csv``'s errors are shown, not raised).
    ValueError
        When ``visits`` is below 1.
    """
    yd = load_year(year, data_dir)
    present = list(dict.fromkeys(yd.entries["class"].astype(str)))
    order = [c for c in yd.rubric.class_ids if c in present] + [c for c in present if c not in yd.rubric.class_ids]
    packs = {c: jury.class_pack(yd, c, data_dir) for c in order}
    problems: list[Problem] = []
    try:
        decisions = load_decisions(year, data_dir)
    except InputError as e:
        decisions, problems = None, [p for p in e.problems if p.is_error]
    return Overview(year=yd.year, rubric=yd.rubric, packs=packs, decisions=decisions,
                    shortlist=shortlist(year, visits, data_dir), visits=int(visits), problems=problems,
                    demo=is_demo(yd.entries))


# --------------------------------------------------------------------------- blocks


def heading(ov: Overview) -> render.Block:
    """The overview's first heading and what it holds."""
    n = sum(len(p.entries) for p in ov.packs.values())
    files = [render.code(f"jury-{safe_name(cls)}.html") for cls in ov.packs]
    return render.group(
        render.heading("Alla klasser {year} i korthet", year=ov.year),
        render.paragraph(
            "{n} bidrag i {k} tävlingsklasser. Siffrorna och orden är desamma som i klassernas jurypaket, som finns i "
            "samma mapp: {files}.", n=n, k=len(ov.packs), files=render.join(files)),
        demo_note() if ov.demo else None,
    )


def _leaders(p: jury.JuryPack) -> list[str]:
    r = p.ranking
    return list(r.loc[r["score"].notna() & r["leader"].astype(bool), "entry_id"])


def _runner_up(p: jury.JuryPack, leaders: list[str]) -> render.Inline:
    """The pack's runner-up (:func:`scoring.kinds.jury.pack.runner_up`) and how far behind."""
    runners = jury.runner_up(p)
    if not leaders or not runners:
        return render.text(render.MISSING)
    score = p.ranking.set_index("entry_id")["score"]
    return render.text("{who}, {d:.1f} poäng efter", who=p.labels(runners),
                       d=float(score[leaders[0]]) - float(score[runners[0]]))


def _other_leaders(p: jury.JuryPack) -> str:
    s = p.sensitivity
    k = int((s["differs"].astype(bool) & ~s["chosen"].astype(bool)).sum())
    n = int((~s["chosen"].astype(bool)).sum())
    return f"{k} av {n} sätt" if k else "inget"


def leaders_table(ov: Overview) -> render.Block:
    """One row per class: the leader, its chance to win (as the pack prints it), the runner-up and
    how far behind, how many other ways of counting name another leader, and the decision."""
    rows = []
    for cls, p in ov.packs.items():
        leaders = _leaders(p)
        lead = p.ranking[p.ranking["entry_id"].isin(leaders)]
        chance = float(lead["p_first"].sum()) if len(lead) else None
        rows.append({
            "class": ov.rubric.class_label(cls),
            "leader": p.labels(leaders) if leaders else render.text(render.MISSING),
            "p_first": glossary.chance(chance),
            "runner_up": _runner_up(p, leaders),
            "other_leaders": _other_leaders(p),
            "decision": _decision_short(ov, cls),
        })
    t = pd.DataFrame(rows, columns=["class", "leader", "p_first", "runner_up", "other_leaders", "decision"])
    return render.Table(t, headers=COLUMNS_SV, right=["p_first"])


def _decision_rows(ov: Overview, cls: str) -> pd.DataFrame | None:
    if ov.decisions is None:
        return None
    return ov.decisions[ov.decisions["class"] == cls]


def _decision_short(ov: Overview, cls: str) -> render.Inline:
    rows = _decision_rows(ov, cls)
    if rows is None:
        return render.text("har fel" if ov.problems else "inte fattat")
    winner = rows[rows["award"] == WINNER]
    if len(winner):
        return render.text("vinnare {who}", who=render.code(winner["entry_id"].iloc[0]))
    if (rows["award"] == NO_PRIZE).any():
        return render.text("inget pris")
    return render.text("inte fattat")


def decision_status(ov: Overview) -> render.Block:
    """Where the decision stands: none yet, refused for its errors (each named), or made (and where
    the published decision is)."""
    if ov.problems:
        return render.group(
            render.paragraph("{what} Beslutet i {file} har fel och visas inte förrän de är rättade:", css="warning",
                             what=render.strong("Beslutet kan inte läsas."), file=render.code(DECISIONS_FILE)),
            render.bullets(problem(p) for p in ov.problems),
        )
    if ov.decisions is None:
        return render.paragraph(
            "Inget beslut är registrerat för {year} ännu. När juryn har beslutat skrivs beslutet in i "
            "{file} i årets datamapp: en rad per utmärkelse med motivering. Då visar översikten beslutet klass för "
            "klass.", year=ov.year, file=render.code(DECISIONS_FILE))
    d = ov.decisions
    winners = int((d["award"] == WINNER).sum())
    none = int((d["award"] == NO_PRIZE).sum())
    mentions = int((d["award"] == MENTION).sum())
    return render.paragraph(
        "Juryns beslut är registrerat: vinnare i {w} av {n} klasser, inget pris i {none} och {m} "
        "hedersomnämnanden. Det publicerbara beslutet med motiveringarna finns i {file} i samma mapp.",
        w=winners, n=len(ov.packs), none=none, m=mentions, file=render.code(DECISION_FILE))


def class_decision(ov: Overview, cls: str) -> render.Block:
    """A class's decision in one paragraph, with a neutral word where the jury chose another entry
    than the ranking's leader (it may)."""
    q = render.strong("Beslut:")
    rows = _decision_rows(ov, cls)
    if rows is None:
        what = "beslutet har fel (se ovan)." if ov.problems else "inte fattat ännu."
        return render.paragraph("{q} {what}", q=q, what=what)
    p = ov.packs[cls]
    pieces = []
    winner = rows[rows["award"] == WINNER]
    leaders = _leaders(p)
    if len(winner):
        eid = str(winner["entry_id"].iloc[0])
        pieces.append(render.text("vinnare {who}.", who=p.label(eid)))
        if leaders and eid not in leaders:
            pieces.append(render.text("Juryn valde ett annat bidrag än rangordningens ledare, vilket "
                                      "den är fri att göra."))
    elif (rows["award"] == NO_PRIZE).any():
        pieces.append(render.text("inget pris delas ut i klassen."))
    else:
        pieces.append(render.text("inte fattat ännu."))
    mentions = list(rows.loc[rows["award"] == MENTION, "entry_id"].astype(str))
    if mentions:
        pieces.append(render.text("Hedersomnämnande: {who}.", who=p.labels(mentions)))
    return render.paragraph("{q} {text}", q=q, text=render.join(pieces, " "))


def classes(ov: Overview) -> render.Block:
    """Class by class: the pack's three answers (who leads, how sure, what would change it) and the decision."""
    blocks = []
    for cls, p in ov.packs.items():
        blocks += [render.heading("{label}", level=3, label=ov.rubric.class_label(cls)), jury.summary(p),
                   class_decision(ov, cls)]
    return render.group(*blocks)


def shortlist_section(ov: Overview) -> render.Block:
    """The site-visit shortlist per class, each entry with the reason; entries whose place on the list
    depends on the way of counting flagged."""
    s = ov.shortlist
    k = ov.visits
    top = f"de {k} främsta" if k > 1 else "den främsta"
    intro = render.paragraph(
        "Förslag till platsbesök: i varje klass {top} med justerade poäng, och dessutom varje bidrag vars möjliga "
        "placering (90 % intervall) når plats {k}, eller som hamnar bland {top} med ett annat sätt att räkna "
        "poängen. Placeringarna räknas bland klassens bidrag som kan vinna, som i jurypaketen; ett bidrag vars "
        "budget inte är i balans kan inte vinna och föreslås inte. {flag} betyder att bidragets plats på listan "
        "beror på hur poängen räknas.",
        top=top, k=k, flag=render.em("Beror på sättet att räkna"))
    gated = _gated(ov)
    if s.empty:
        return render.group(intro, render.paragraph("Inga bidrag med poäng."), gated)
    n = len(s)
    flagged = int(s["method_dependent"].sum())
    blocks = [intro, render.paragraph("{n} bidrag på listan, {f} av dem med en plats som beror på sättet att räkna.",
                                      n=n, f=flagged, meta={"shortlist": _records(s)}), gated]
    for cls in dict.fromkeys(s["class"]):
        mine = s[s["class"] == cls]
        t = pd.DataFrame({
            "entry": [ov.label(cls, e) for e in mine["entry_id"]],
            "rank": mine["rank"],
            "rank_interval": [jury.rank_interval(lo, hi) for lo, hi in zip(mine["rank_low"], mine["rank_high"],
                                                                           strict=True)],
            "method_dependent": ["ja" if x else "" for x in mine["method_dependent"]],
            "reason": mine["reason"],
        })
        blocks += [render.heading("{label}", level=3, label=ov.rubric.class_label(cls)),
                   render.Table(t, headers=COLUMNS_SV, right=["rank_interval"])]
    return render.group(*blocks)


def _gated(ov: Overview) -> render.Block | None:
    """The entries left off the list because their budget is not in balance although they would
    have been among the best visited had it been (their ``would_rank``); None when there are none."""
    k = ov.visits
    items = []
    for cls, p in ov.packs.items():
        r = p.ranking
        out = r[~r["eligible"].astype(bool) & r["would_rank"].notna()]
        out = out[out["would_rank"] <= k]
        items += [render.text("{label}: {who}, plats {rank} med budget i balans", label=ov.rubric.class_label(cls),
                              who=p.label(e), rank=int(w)) for e, w in zip(out["entry_id"], out["would_rank"],
                                                                           strict=True)]
    if not items:
        return None
    return render.group(
        render.paragraph("Inte på listan eftersom budgeten inte är i balans, fast bidraget hade hamnat bland {top} "
                         "med budget i balans:", top=f"de {k} främsta" if k > 1 else "den främsta"),
        render.bullets(items))


def _records(s: pd.DataFrame) -> list[dict]:
    """The list's numbers for checks, in the output's metadata."""
    return [{"class": str(r["class"]), "entry_id": str(r["entry_id"]), "basis": str(r["basis"]),
             "method_dependent": bool(r["method_dependent"]), "rank": None if pd.isna(r["rank"]) else int(r["rank"])}
            for _, r in s.iterrows()]
