"""The jury's pack for one class: who leads, how sure that is, what would change the answer,
and what the examiners scored and wrote.

:func:`load_pack` gathers one class's numbers: the ranking under the examiner-effect model
(``scoring.ranking.rank_entries(method="adjusted")``: rank intervals and P(first)), the leader
under every method (``method_sensitivity``), the model's adjusted score per criterion, the
class's scores and comments. With ``blind=True`` the pack holds no entry name and no
district at all (:class:`Blinder`): names are dropped from the tables and replaced by the
entry's code in every free text, districts removed. The other functions show a pack through
:mod:`scoring.presentation.render` in plain Swedish; the figure is
:func:`scoring.kinds.jury.figures.criterion_profiles`.

A named pack says where the jury's overview across the classes is (:func:`overview_note`,
``jury.html``: :mod:`scoring.kinds.jury.overview`); a blind pack never does.

The year's model is :func:`scoring.calibration.year_model` (fitted once per data), and the
year's ranking and sensitivity table are kept in memory per data checksum, so a worker that
makes every class's pack computes them once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ...consensus import consensus_agenda
from ...data import class_id_for, load_year
from ...names import Matcher, fold, name_forms
from ...overview import individual
from ...presentation import render
from ...presentation.labels import demo_note, is_demo, note_text, show
from ...rubric import Rubric

__all__ = [
    "N_DRAWS",
    "METHODS_SV",
    "STAGES_SV",
    "Blinder",
    "JuryPack",
    "load_pack",
    "heading",
    "summary",
    "method_sentence",
    "ranking_table",
    "budget_gate",
    "sensitivity_table",
    "agenda",
    "site_visit_changes",
    "site_visit_table",
    "comments",
    "comments_table",
    "percent",
    "certainty",
    "METHOD_PHRASES",
    "OVERVIEW_FILE",
    "year_tables",
    "rank_interval",
    "overview_note",
]

#: Resampling replicates behind the rank intervals and P(first): the default of
#: ``rank_entries`` and ``scoring rank``, so the pack shows the numbers the command line prints.
N_DRAWS = 2000

#: The aggregation methods of ``scoring.ranking`` as the jury reads them.
METHODS_SV = {
    "adjusted": "Justerat för examinatorernas generositet (modell)",
    "consensus": "Lagets konsensuspoäng (platsbesökspoäng där sådana finns)",
    "mean": "Medelvärde av examinatorernas poäng",
    "median": "Median av examinatorernas poäng",
    "trimmed": "Trimmat medelvärde (högsta och lägsta poäng strukna)",
    "zscore": "z-poäng per examinator",
}
#: The same, as a phrase after "Om rangordningen görs ...".
METHOD_PHRASES = {
    "adjusted": "med poäng justerade för examinatorernas generositet",
    "consensus": "med lagets konsensuspoäng",
    "mean": "med medelvärdet av examinatorernas poäng",
    "median": "med medianen av examinatorernas poäng",
    "trimmed": "med trimmat medelvärde",
    "zscore": "med z-poäng per examinator",
}
#: Score stages as the jury reads them.
STAGES_SV = {"individual": "Individuell", "consensus": "Konsensus", "site_visit": "Platsbesök"}
_STAGE_ORDER = {s: i for i, s in enumerate(STAGES_SV)}

_MEMORY: dict[tuple, tuple[pd.DataFrame, pd.DataFrame]] = {}

#: The jury's overview across the classes (``scoring.kinds.jury.overview``), beside the packs.
OVERVIEW_FILE = "jury.html"


# --------------------------------------------------------------------------- blinding


class Blinder:
    """Replaces entry names by entry codes and removes districts in free text.

    Parameters
    ----------
    entries : the entries table (``entry_id``, ``name`` and optionally ``district`` and
        ``aliases``, other names the unit goes by, ``;``-separated); use
        every entry of the year, so that a comment naming a unit of another class is
        caught too.

    Notes
    -----
    Names, and aliases alike, are found as the privacy guard finds them (:mod:`scoring.names`): in the forms of
    :func:`scoring.names.name_forms` (the whole name, without parenthesised parts, before the
    first comma, each part of a dashed name, each distinctive word: "Solrosen" for "Förskolan
    Solrosen (fiktiv)", never a generic word such as "Förskolan"), in any case, accents or
    spelling, before a Swedish ending ("Solrosens" becomes "As"). A district (the ``district``
    column), and each part of a dashed one, becomes "[stadsdel]", also where it is part of a name.
    """

    DISTRICT = "[stadsdel]"
    name_forms = staticmethod(name_forms)

    def __init__(self, entries: pd.DataFrame):
        districts = {}
        if "district" in entries.columns:
            districts = {form: self.DISTRICT for d in entries["district"].dropna().astype(str)
                         for form in name_forms(d)}
        taken = {fold(d)[0] for d in districts}
        forms: dict[str, str] = {}
        for eid, name, aliases in zip(entries["entry_id"].astype(str), _column(entries, "name"),
                                      _column(entries, "aliases"), strict=True):
            for other in [name, *aliases.split(";")]:
                for form in name_forms(other):
                    if fold(form)[0] not in taken:
                        forms.setdefault(form, eid)
        self._matcher = Matcher(names={**forms, **districts})

    def __call__(self, text):
        """``text`` with names replaced by entry codes and districts removed (non-strings as they are)."""
        if not isinstance(text, str):
            return text
        return self._matcher.sub(text, lambda _term, value: value)


def _column(entries: pd.DataFrame, name: str) -> list[str]:
    return entries[name].fillna("").astype(str).tolist() if name in entries.columns else [""] * len(entries)


# --------------------------------------------------------------------------- the pack


@dataclass
class JuryPack:
    """One class's numbers for the jury (see :func:`load_pack`).

    Attributes
    ----------
    year, class_id, rubric, blind : what the pack is about.
    entries : the class's entries (``entry_id``, ``budget_in_balance``, and ``name`` unless blind).
    scores : the class's criterion-level scores of every stage, comments blinded when blind.
    ranking : ``rank_entries(method="adjusted")`` rows of the class, by rank (no ``name`` when blind).
    sensitivity : ``method_sensitivity`` rows of the class (leader per method).
    cells : the model's adjusted score per entry and criterion (``entry_id, criterion,
        adjusted, raw_mean, n_scores``) of the class's entries.
    n_draws, seed : the resampling behind ``ranking``.
    demo : True when the entries are the synthetic demo's ("(fiktiv)" in the names).
    """

    year: int
    class_id: str
    rubric: Rubric
    blind: bool
    entries: pd.DataFrame
    scores: pd.DataFrame
    ranking: pd.DataFrame
    sensitivity: pd.DataFrame
    cells: pd.DataFrame
    n_draws: int
    seed: int
    demo: bool = False

    @property
    def class_label(self) -> str:
        """The class's Swedish label."""
        return self.rubric.class_label(self.class_id)

    @property
    def names(self) -> dict[str, str]:
        """Entry id -> name ({} when blind)."""
        if self.blind or "name" not in self.entries.columns:
            return {}
        return dict(zip(self.entries["entry_id"], self.entries["name"].fillna(""), strict=True))

    def label(self, entry_id: str) -> render.Inline:
        """An entry as the jury reads it: its code, and its name unless the pack is blind."""
        name = self.names.get(entry_id, "")
        if name:
            return render.text("{code} {name}", code=render.code(entry_id), name=name)
        return render.code(entry_id)

    def labels(self, entry_ids: Iterable[str]) -> render.Inline:
        """Several entries: "A, B och C"."""
        items = [self.label(e) for e in entry_ids]
        if len(items) <= 1:
            return items[0] if items else render.text("")
        return render.join([render.join(items[:-1]), items[-1]], " och ")


def load_pack(
    year: int, class_id: str, data_dir: str | Path | None = None, *, blind: bool = False,
    n_draws: int = N_DRAWS, seed: int = 0,
) -> JuryPack:
    """Gather one class's numbers for the jury.

    Parameters
    ----------
    year : the award year.
    class_id : the class (its id, or its Swedish label).
    data_dir : the data folder (default the project's ``data/``).
    blind : leave out every entry name and district (see :class:`Blinder`).
    n_draws, seed : the resampling of ``rank_entries`` (default 2000 replicates, seed 0).

    Returns
    -------
    JuryPack

    Raises
    ------
    InputError
        When the year's data have errors (``scoring.data.load_year``).
    ValueError
        When the year has no entry in the class.
    """
    from ...calibration import year_model

    yd = load_year(year, data_dir)
    rubric = yd.rubric
    class_id = _class_id(class_id, rubric, yd.entries)
    model = year_model(yd, data_dir)
    ranking, sensitivity = _year_tables(yd, model, data_dir, n_draws, seed)

    mine = yd.entries[yd.entries["class"] == class_id]
    ids = set(mine["entry_id"])
    entries = mine[["entry_id", "name", "budget_in_balance"]].reset_index(drop=True)
    scores = yd.scores[yd.scores["entry_id"].isin(ids)].reset_index(drop=True)
    ranking = ranking[ranking["class"] == class_id].reset_index(drop=True)
    if blind:
        blinder = Blinder(yd.entries)
        entries = entries.drop(columns="name")
        scores = scores.assign(comment=scores["comment"].map(blinder))
        ranking = ranking.drop(columns=["name"], errors="ignore")
    cells = model.cells[model.cells["entry_id"].isin(ids)].reset_index(drop=True)
    return JuryPack(
        year=yd.year, class_id=class_id, rubric=rubric, blind=blind, entries=entries, scores=scores,
        ranking=ranking, sensitivity=sensitivity[sensitivity["class"] == class_id].reset_index(drop=True),
        cells=cells, n_draws=n_draws, seed=seed,
        demo=is_demo(yd.entries),
    )


def _class_id(class_id: str, rubric: Rubric, entries: pd.DataFrame) -> str:
    present = list(dict.fromkeys(entries["class"].astype(str)))
    if class_id in present:
        return class_id
    named = class_id_for(rubric, str(class_id))
    if named in present:
        return named
    raise ValueError(f"no entries of class '{class_id}' in the data (classes there: {', '.join(present)})")


def year_tables(year: int, data_dir: str | Path | None = None, *, n_draws: int = N_DRAWS,
                seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's ranking and sensitivity table as every pack shows them: ``rank_entries(method=
    "adjusted")`` (``n_draws`` replicates, ``seed``; the numbers ``scoring rank`` prints) and
    ``method_sensitivity``, all classes, with the year's model (:func:`scoring.calibration.year_model`).

    Raises InputError when the year's data have errors (``scoring.data.load_year``).
    """
    from ...calibration import year_model

    yd = load_year(year, data_dir)
    return _year_tables(yd, year_model(yd, data_dir), data_dir, n_draws, seed)


def _year_tables(yd, model, data_dir, n_draws: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year's ranking (adjusted) and sensitivity table, computed once per data and settings."""
    from ...cache import cache_key
    from ...ranking import method_sensitivity, rank_entries

    key = cache_key(n_draws, seed, year=yd.year, data_dir=data_dir)
    if key not in _MEMORY:
        ranking = rank_entries(yd.scores, "adjusted", entries=yd.entries, rubric=yd.rubric, n_draws=n_draws,
                               seed=seed, model=model)
        sensitivity = method_sensitivity(yd.scores, yd.entries, rubric=yd.rubric, model=model)
        _MEMORY.clear()  # one year at a time is enough
        _MEMORY[key] = (ranking, sensitivity)
    ranking, sensitivity = _MEMORY[key]
    return ranking.copy(), sensitivity.copy()


# --------------------------------------------------------------------------- numbers in words


def percent(p: float) -> str:
    """A probability as the jury reads it: "64 %", "< 1 %" rather than "0 %" for a small
    chance that is not nil, "> 99 %" rather than "100 %" when it is not certain; "–" when missing."""
    if p is None or (isinstance(p, float) and math.isnan(p)) or p is pd.NA:
        return render.MISSING
    p = float(p)
    if 0 < p < 0.005:
        return "<\u00a01\u00a0%"
    if 0.995 <= p < 1:
        return ">\u00a099\u00a0%"
    return render.number(p * 100, 0) + "\u00a0%"


def certainty(p: float) -> str:
    """How sure a lead with chance to win ``p`` is, in the words of the pack's summary."""
    if p >= 0.95:
        return "Ledningen är mycket säker."
    if p >= 0.8:
        return "Ledningen är ganska säker."
    if p >= 0.5:
        return "Ledningen är osäker: ett annat bidrag kan mycket väl vara bäst."
    return "Ledningen är mycket osäker: inget bidrag är en klar favorit."


def rank_interval(low, high) -> str:
    """A rank's interval as the pack prints it: "2–5", or "3" when it is one place."""
    if pd.isna(low) or pd.isna(high):
        return render.MISSING
    return str(int(low)) if int(low) == int(high) else f"{int(low)}–{int(high)}"


# --------------------------------------------------------------------------- blocks


def heading(pack: JuryPack) -> render.Block:
    """The pack's first heading (class and year, "... i korthet": the summary follows) and what the class holds."""
    ind = individual(pack.scores)
    blocks = [
        render.heading("{label} {year} i korthet", label=pack.class_label, year=pack.year),
        render.paragraph(
            "{n} bidrag i tävlingsklassen {label}, bedömda av {k} examinatorer ({scores} individuella poäng). "
            "Här nedan svaren på domarkommitténs tre första frågor, räknade ur poängen längre ner.",
            n=len(pack.entries), label=pack.class_label, k=ind["examiner_id"].nunique(), scores=len(ind)),
    ]
    if pack.blind:
        blocks.append(render.paragraph(
            "{note}", css="warning",
            note=render.strong("Anonymiserad version för gallring: bidragen visas bara med sina koder. Namn och "
                               "stadsdelar är borttagna överallt, också där en kommentar nämner verksamheten.")))
    if pack.demo:
        blocks.append(demo_note())
    return render.group(*blocks)


def summary(pack: JuryPack) -> render.Block:
    """The three answers a jury member needs first, in plain words made from the numbers:
    who leads the class, how sure that is, and what would change the answer."""
    r = pack.ranking
    scored = r[r["score"].notna()]
    lead = scored[scored["leader"].astype(bool)]
    blocks = []
    if lead.empty:
        why = ("inget bidrag har budget i balans" if len(scored) and not scored["eligible"].any()
               else "inget bidrag har poäng")
        return render.group(render.paragraph("{who} Inget bidrag i klassen kan vinna: {why}.",
                                             who=render.strong("Vem leder?"), why=why))
    ids = list(lead["entry_id"])
    score = float(lead["score"].iloc[0])
    if len(ids) == 1:
        blocks.append(render.paragraph(
            "{q} {who} leder klassen med {score:.1f} poäng av {top} möjliga.",
            q=render.strong("Vem leder?"), who=pack.label(ids[0]), score=score, top=pack.rubric.scale.max))
    else:
        blocks.append(render.paragraph(
            "{q} Delad ledning: {who} har samma poäng, {score:.1f} av {top} möjliga.",
            q=render.strong("Vem leder?"), who=pack.labels(ids), score=score, top=pack.rubric.scale.max))

    # how sure
    p = float(lead["p_first"].sum()) if len(ids) > 1 else float(lead["p_first"].iloc[0])
    others = scored[scored["eligible"].astype(bool) & ~scored["entry_id"].isin(ids)]
    others = others.sort_values(["p_first", "score"], ascending=False)
    sure = render.text("Sannolikheten att {who} är bäst av de bidrag som kan vinna är {p}. {reading}",
                       who=render.text("ledaren") if len(ids) == 1 else render.text("någon av dem"),
                       p=percent(p), reading=certainty(p))
    if len(others) and others["p_first"].iloc[0] > 0:
        nxt = others.iloc[0]
        sure = render.join([sure, render.text("Näst störst chans har {who}: {p}.", who=pack.label(nxt["entry_id"]),
                                              p=percent(nxt["p_first"]))], " ")
    blocks.append(render.paragraph("{q} {text}", q=render.strong("Hur säkert är det?"), text=sure))

    # what would change the answer
    changes = []
    s = pack.sensitivity
    differ = s[s["differs"].astype(bool) & ~s["chosen"].astype(bool)]
    for _, row in differ.iterrows():
        who = [w for w in str(row["leader"]).split(", ") if w]
        how = METHOD_PHRASES.get(row["method"], row["method"])
        if len(who) == 1:
            changes.append(render.text("Om rangordningen görs {how} i stället leder {who}.", how=how,
                                       who=pack.label(who[0])))
        elif who:
            changes.append(render.text("Om rangordningen görs {how} i stället delar {who} ledningen.", how=how,
                                       who=pack.labels(who)))
    same = s[~s["differs"].astype(bool)]
    if differ.empty:
        changes.append(render.text("Alla {n} sätt att räkna poängen ger samma ledare.", n=len(s)))
    elif len(same) > 1:
        changes.append(render.text("Med övriga {n} sätt att räkna leder samma bidrag.", n=len(same) - 1))
    if len(others):
        runner = others.sort_values("score", ascending=False).iloc[0]
        margin = score - float(runner["score"])
        changes.append(render.text("Avståndet till {who} är {d:.1f} poäng{steps}.", who=pack.label(runner["entry_id"]),
                                   d=margin, steps=_steps(margin, pack.rubric)))
    blocked = scored[~scored["eligible"].astype(bool) & (scored["score"] > score)]
    for _, row in blocked.iterrows():
        changes.append(render.text("{who} har högre poäng ({s:.1f}) men kan inte vinna eftersom budgeten inte är i "
                                   "balans.", who=pack.label(row["entry_id"]), s=float(row["score"])))
    blocks.append(render.paragraph("{q} {text}", q=render.strong("Vad skulle ändra svaret?"),
                                   text=render.join(changes, " ")))
    return render.group(*blocks)


def _steps(margin: float, rubric: Rubric) -> render.Inline:
    """The margin in the rubric's terms: how many criteria one scale step higher would close it."""
    if not margin > 0:
        return render.text("")
    step, weights = float(rubric.scale.step), np.array(list(rubric.weights.values()), dtype=float)
    weights = weights / weights.sum()
    k = int(math.ceil(margin / (step * weights.max()) - 1e-9))
    if k > len(weights):
        return render.text(": mer än ett skalsteg ({step} poäng) högre på varje kriterium", step=step)
    if k == 1:
        return render.text(": ett skalsteg ({step} poäng) högre på ett enda kriterium skulle räcka", step=step)
    return render.text(": det motsvarar ett skalsteg ({step} poäng) högre på {k} av de {n} kriterierna",
                       step=step, k=k, n=len(weights))


def overview_note(pack: JuryPack) -> render.Block | None:
    """Where the jury's overview across the classes is (:data:`OVERVIEW_FILE`, beside the packs);
    None for a blind pack, which never points to the overview (it names the entries)."""
    if pack.blind:
        return None
    return render.paragraph(
        "{q} {overview}, med ledarna sida vid sida, förslaget till platsbesök och beslutets status (filen {file} "
        "i samma mapp som det här jurypaketet).",
        q=render.strong("Alla klasser:"), overview=render.link("Juryns översikt över alla klasser {year}",
                                                               OVERVIEW_FILE, year=pack.year),
        file=render.code(OVERVIEW_FILE))


def method_sentence(pack: JuryPack) -> render.Block:
    """The method in words a jury member understands, and what the interval and P(first) mean."""
    scale = pack.rubric.scale
    return render.group(
        render.paragraph(
            "Poängen är examinatorernas individuella poäng, justerade för hur generös eller sträng varje "
            "examinator är jämfört med kollegor som bedömt samma bidrag, och vägda samman över de {n} kriterierna "
            "till en totalpoäng på skalan {lo}–{hi}. På så sätt missgynnas inget bidrag av att ha fått stränga "
            "examinatorer.", n=len(pack.rubric.criteria), lo=scale.min, hi=scale.max),
        render.paragraph(
            "Ingen poäng är exakt: med andra examinatorer hade den blivit något annorlunda. {interval} visar mellan "
            "vilka placeringar bidraget hamnar i 90 fall av 100 när den osäkerheten räknas in (ett 90 % "
            "intervall). {p} är hur ofta bidraget då blir bäst av de bidrag som kan vinna (i {n} simuleringar); "
            "ett bidrag vars budget inte är i balans får ingen chans att vinna ({missing}).",
            interval=render.em("Möjlig placering"), p=render.em("Chans att vinna"), n=pack.n_draws,
            missing=render.MISSING),
    )


def ranking_table(pack: JuryPack) -> render.Block:
    """The class's ranking: rank, entry (code, name and notes), score, the 90 % interval of the rank,
    chance to win.

    An entry's notes (``rank_entries``' ``note``: the budget gate, examiners not adjusted for,
    missing criteria) follow its name in the same cell, so the table keeps five columns and
    fits an A4 page. The output metadata carries the exact numbers (``{"scoring":
    {"jury_ranking": [...]}}``: entry_id, score, rank, rank_low, rank_high, p_first, eligible)
    for checks.
    """
    r = pack.ranking
    entry = []
    for eid, notes in zip(r["entry_id"], r["note"], strict=True):
        who = pack.label(eid)
        note = note_text(notes, pack.rubric)
        entry.append(render.text("{who} – {note}", who=who, note=render.em("{n}", n=note)) if note.strip() else who)
    t = pd.DataFrame({
        "rank": r["rank"],
        "entry": entry,
        "score": r["score"],
        "rank_interval": [rank_interval(lo, hi) for lo, hi in zip(r["rank_low"], r["rank_high"], strict=True)],
        "p_first": [percent(p) if ok else render.MISSING for p, ok in zip(r["p_first"], r["eligible"], strict=True)],
    })
    records = [
        {"entry_id": str(x["entry_id"]), "score": _float(x["score"]), "rank": _int(x["rank"]),
         "rank_low": _int(x["rank_low"]), "rank_high": _int(x["rank_high"]), "p_first": _float(x["p_first"]),
         "eligible": bool(x["eligible"])}
        for _, x in r.iterrows()
    ]
    table = show(t, pack.rubric, precision={"score": 1}, right=["rank_interval", "p_first"])
    return render.Block(table.html, table.text, {"jury_ranking": records})


def _float(x) -> float | None:
    return None if pd.isna(x) else float(x)


def _int(x) -> int | None:
    return None if pd.isna(x) else int(x)


def budget_gate(pack: JuryPack) -> render.Block:
    """Which entries cannot win because their budget is not in balance (and whose budget is unknown)."""
    r = pack.ranking
    budget = dict(zip(pack.entries["entry_id"], pack.entries["budget_in_balance"], strict=True))
    out = list(r.loc[~r["eligible"].astype(bool), "entry_id"])
    unknown = [e for e in r["entry_id"] if pd.isna(budget.get(e))]
    blocks = []
    if out:
        blocks.append(render.paragraph(
            "Budgeten är inte i balans för {n} av klassens {total} bidrag. De står kvar i rangordningen med sina "
            "poäng men kan inte vinna: chansen att vinna räknas bara bland bidragen med budget i balans.",
            n=len(out), total=len(r)))
        rank = dict(zip(r["entry_id"], r["rank"], strict=True))
        blocks.append(render.bullets(
            render.text("{who}: placering {rank} på poäng, kan inte vinna", who=pack.label(e), rank=rank[e])
            for e in out))
    else:
        blocks.append(render.paragraph("Alla {n} bidrag i klassen har budget i balans och kan vinna.",
                                       n=len(r) - len(unknown)) if not unknown else None)
    if unknown:
        blocks.append(render.paragraph("Uppgift om budget i balans saknas för {who}: räknas som att de kan vinna.",
                                       css="warning", who=pack.labels(unknown)))
    return render.group(*blocks)


def sensitivity_table(pack: JuryPack) -> render.Block:
    """The leader under each way of counting the scores, and whether it differs from the ranking's."""
    s = pack.sensitivity
    names = pack.names
    t = pd.DataFrame({
        "method": [METHODS_SV.get(m, m) for m in s["method"]],
        "leader": s["leader"].replace("", render.MISSING),
        **({"name": [", ".join(names.get(w, "") for w in str(x).split(", ") if w) for x in s["leader"]]}
           if names else {}),
        "score": s["score"],
        "same_leader": ["rangordningens sätt" if c else ("nej" if d else "ja")
                        for c, d in zip(s["chosen"], s["differs"], strict=True)],
    })
    differ = int((s["differs"] & ~s["chosen"]).sum())
    sentence = (render.paragraph("Med alla {n} sätt att räkna poängen leder samma bidrag.", n=len(s)) if not differ
                else render.paragraph("Med {k} av de {n} andra sätten att räkna poängen leder ett annat bidrag.",
                                      k=differ, n=len(s) - 1))
    table = render.Table(
        t, headers={"method": "Sätt att räkna", "leader": "Ledare", "name": "Verksamhet", "score": "Ledarens poäng",
                    "same_leader": "Samma ledare som rangordningen"},
        precision={"score": 1}, code_lists=["leader"])
    return render.group(sentence, table)


def agenda(pack: JuryPack) -> render.Block:
    """This class's consensus-agenda items: where the examiners' individual scores differed most."""
    a = consensus_agenda(pack.scores, pack.rubric)
    threshold = pack.rubric.spread_threshold
    if a.empty:
        return render.paragraph("Inga bidrag och kriterier i klassen där examinatorernas poäng skilde sig mer än "
                                "{t} poäng.", t=threshold)
    names = pack.names
    columns = ["entry_id", *(["name"] if names else []), "criterion", "low", "high", "spread", "scores"]
    a = a.assign(name=a["entry_id"].map(names)) if names else a
    return render.group(
        render.paragraph("{n} bidrag × kriterier där examinatorernas individuella poäng skilde sig mer än {t} poäng "
                         "(högsta minus lägsta), störst spridning först. Individuella poäng visar vem som gav vad.",
                         n=len(a), t=threshold),
        show(a[columns], pack.rubric),
    )


def site_visit_table(scores: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Consensus against site-visit score per entry and criterion, for the entries with a site visit.

    Returns ``entry_id, criterion, consensus, site_visit, change`` (site visit minus consensus;
    NaN where a criterion has only one of the two), criteria in the rubric's order. Several
    rows of one stage for the same entry and criterion are averaged.
    """
    team = scores[scores["stage"].isin(["consensus", "site_visit"])]
    visited = set(team.loc[team["stage"] == "site_visit", "entry_id"])
    team = team[team["entry_id"].isin(visited)]
    cols = ["entry_id", "criterion", "consensus", "site_visit", "change"]
    if team.empty:
        return pd.DataFrame(columns=cols)
    wide = team.pivot_table(index=["entry_id", "criterion"], columns="stage", values="score", aggfunc="mean")
    wide = wide.reindex(columns=["consensus", "site_visit"]).reset_index()
    wide.columns.name = None
    wide["change"] = wide["site_visit"] - wide["consensus"]
    order = {c: i for i, c in enumerate(rubric.criterion_ids)}
    wide = wide.sort_values(["entry_id", "criterion"], key=lambda s: s.map(order) if s.name == "criterion" else s)
    return wide[cols].reset_index(drop=True)


def site_visit_changes(pack: JuryPack) -> render.Block:
    """What changed after the site visit: per entry the weighted total before and after, and per criterion."""
    t = site_visit_table(pack.scores, pack.rubric)
    if t.empty:
        return render.paragraph("Inget bidrag i klassen fick platsbesök.")
    order = list(pack.ranking["entry_id"])
    t = t.sort_values("entry_id", key=lambda s: s.map({e: i for i, e in enumerate(order)}), kind="stable")
    w = pack.rubric.weights
    lines = []
    for eid, g in t.groupby("entry_id", sort=False):
        weight = g["criterion"].map(w)
        before = float((g["consensus"] * weight).sum() / weight[g["consensus"].notna()].sum())
        final = g["site_visit"].fillna(g["consensus"])
        after = float((final * weight).sum() / weight[final.notna()].sum())
        changed = int((g["change"].fillna(0) != 0).sum())
        lines.append(render.text("{who}: {before:.1f} poäng efter konsensus, {after:.1f} efter platsbesöket "
                                 "({diff:+.1f}); {k} av {n} kriterier ändrade.", who=pack.label(eid), before=before,
                                 after=after, diff=after - before, k=changed, n=len(g)))
    n_entries = len(lines)
    return render.group(
        render.paragraph("{n} av klassens {total} bidrag fick platsbesök. Totalpoäng (vägd över kriterierna) före "
                         "och efter:", n=n_entries, total=len(pack.ranking)),
        render.bullets(lines),
        show(t.assign(change=[render.number(x, None, sign=True) for x in t["change"]])
             .rename(columns={"change": "Förändring"}), pack.rubric,
             precision={"consensus": 0, "site_visit": 0}, right=["Förändring"]),
    )


def comments_table(pack: JuryPack) -> pd.DataFrame:
    """Every comment of the class: ``entry_id, criterion, stage, examiner_id, comment``,
    entries in rank order, then criteria in the rubric's order, individual before consensus before site visit."""
    s = pack.scores
    c = s[s["comment"].fillna("").str.strip() != ""]
    order = {e: i for i, e in enumerate(pack.ranking["entry_id"])}
    crit = {k: i for i, k in enumerate(pack.rubric.criterion_ids)}
    c = c.assign(_e=c["entry_id"].map(order), _c=c["criterion"].map(crit), _s=c["stage"].map(_STAGE_ORDER))
    c = c.sort_values(["_e", "_c", "_s", "examiner_id"], kind="stable")
    return c[["entry_id", "criterion", "stage", "examiner_id", "comment"]].reset_index(drop=True)


def comments(pack: JuryPack) -> render.Block:
    """The examiners' comments per entry (rank order) and criterion, as text: who wrote what by
    examiner code, the team's comments at consensus and site visit marked as such."""
    c = comments_table(pack)
    blocks = []
    for eid in pack.ranking["entry_id"]:
        blocks.append(render.heading("{who}", level=3, who=pack.label(eid)))
        mine = c[c["entry_id"] == eid]
        if mine.empty:
            blocks.append(render.paragraph("Inga kommentarer."))
        for criterion, g in mine.groupby("criterion", sort=False):
            blocks.append(render.paragraph("{c}", c=render.strong("{c}", c=pack.rubric.criterion_label(criterion))))
            blocks.append(render.bullets(_who(row) for _, row in g.iterrows()))
    return render.group(*blocks)


_TEAM_SV = {"consensus": "Laget vid konsensus", "site_visit": "Laget vid platsbesöket"}


def _who(row) -> render.Inline:
    """One comment: "E07: text", or "Laget vid konsensus (TEAM): text"."""
    who = render.code(row["examiner_id"])
    if row["stage"] == "individual":
        return render.text("{who}: {comment}", who=who, comment=row["comment"])
    team = _TEAM_SV.get(row["stage"], STAGES_SV.get(row["stage"], row["stage"]))
    return render.text("{team} ({who}): {comment}", team=team, who=who, comment=row["comment"])
