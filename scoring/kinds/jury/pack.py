"""The jury's pack for one class: who leads, how sure that is, what would change the answer,
and what the examiners scored and wrote.

:func:`load_pack` gathers one class's numbers: the ranking under the examiner-effect model
(``scoring.ranking.rank_entries(method="adjusted")``: places, rank intervals and P(first),
counted among the class's entries that can win; the entries that cannot win in a table of
their own with the place they would have had), the leader under every method
(``method_sensitivity``) and every entry's place and total under every method
(``method_places``), the model's adjusted score per criterion, the class's scores and
comments. With ``blind=True`` the pack holds no entry name and no district at all
(:class:`Blinder`): names are dropped from the tables and replaced by the entry's code in
every free text, districts removed. The other functions show a pack through
:mod:`scoring.presentation.render` in plain Swedish; the figure is
:func:`scoring.kinds.jury.figures.criterion_profiles`.

A named pack says where the jury's overview across the classes is (:func:`overview_note`,
``jury.html``: :mod:`scoring.kinds.jury.overview`); a blind pack never does.

The year's model is :func:`scoring.calibration.year_model` (fitted once per data), and the
year's ranking, sensitivity table and places are kept in memory per data checksum, so a worker
that makes every class's pack computes them once.

A class of more than :data:`FULL_PACK_MAX` entries (a national or multi-city programme's,
a thousand or more) gets the full treatment (profile panels, site-visit changes, agenda rows,
comments) only for its entries in contention (:attr:`JuryPack.focus`: the entries that can win
and whose 90 % rank interval reaches place :data:`FOCUS_PLACE`); the others are in a compact
table, and the pack says so (:func:`compact_note`). A city class is far below the threshold and
its pack is unchanged.

A probability is put into words by the glossary (:func:`scoring.presentation.glossary.chance`,
:func:`~scoring.presentation.glossary.chance_reading`), from the value as printed. The runner-up
is defined once (:func:`runner_up`) and named once in the summary.
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
from ...names import Matcher, folded, name_forms
from ...overview import individual
from ...presentation import glossary, render
from ...presentation.labels import COLUMNS_SV, demo_note, is_demo, note_text, show
from ...rubric import Rubric

__all__ = [
    "N_DRAWS",
    "METHODS_SV",
    "STAGES_SV",
    "Blinder",
    "JuryPack",
    "load_pack",
    "class_pack",
    "heading",
    "summary",
    "runner_up",
    "lead_reading",
    "method_sentence",
    "interval_sentence",
    "ranking_table",
    "budget_gate",
    "sensitivity_table",
    "agenda",
    "site_visit_changes",
    "site_visit_table",
    "comments",
    "comments_table",
    "METHOD_PHRASES",
    "OVERVIEW_FILE",
    "year_tables",
    "rank_interval",
    "overview_note",
    "FULL_PACK_MAX",
    "FOCUS_PLACE",
    "compact_note",
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

#: The year's tables (``("tables", key)``) and :class:`Blinder` (``("blinder", key)``), kept per
#: data checksum so that a worker making every class's pack computes them once.
_MEMORY: dict[tuple, object] = {}

#: The jury's overview across the classes (``scoring.kinds.jury.overview``), beside the packs.
OVERVIEW_FILE = "jury.html"

#: A class with more entries than this gets the full treatment only for its entries in
#: contention (:attr:`JuryPack.focus`), the others in a compact table: a pack a person can read
#: for a class of a thousand entries. Far above any class of the city's award (at most about
#: ten entries), whose packs show every entry.
FULL_PACK_MAX = 40
#: The entries in contention: those that can win and whose rank interval reaches this place.
FOCUS_PLACE = 3


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
        taken = {folded(d) for d in districts}
        forms: dict[str, str] = {}
        for eid, name, aliases in zip(entries["entry_id"].astype(str), _column(entries, "name"),
                                      _column(entries, "aliases"), strict=True):
            for other in [name, *aliases.split(";")]:
                for form in name_forms(other):
                    if folded(form) not in taken:
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
    ranking : ``rank_entries(method="adjusted")`` rows of the class: the entries that can win by
        place, then those that cannot (no ``name`` when blind).
    sensitivity : ``method_sensitivity`` rows of the class (leader per method).
    places : ``method_places`` rows of the class (every entry's place and total under every
        method, the adjusted first).
    cells : the model's adjusted score per entry and criterion (``entry_id, criterion,
        adjusted, raw_mean, n_scores``) of the class's entries.
    n_draws, seed : the resampling behind ``ranking``.
    demo : True when the entries are the synthetic demo's ("(fiktiv)" in the names).
    focus : the entries given the full treatment, in ranking order, when the class has more
        than :data:`FULL_PACK_MAX` entries: those that can win and whose 90 % rank interval
        reaches place :data:`FOCUS_PLACE` (``rank_low`` <= 3); None (every entry) otherwise.
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
    places: pd.DataFrame | None = None
    focus: tuple[str, ...] | None = None

    def shown(self, entry_ids: Iterable[str]) -> list[str]:
        """Those of ``entry_ids`` given the full treatment (all of them unless the pack has a :attr:`focus`)."""
        if self.focus is None:
            return list(entry_ids)
        focus = set(self.focus)
        return [e for e in entry_ids if e in focus]

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
    return class_pack(load_year(year, data_dir), class_id, data_dir, blind=blind, n_draws=n_draws, seed=seed)


def class_pack(yd, class_id: str, data_dir: str | Path | None = None, *, blind: bool = False,
               n_draws: int = N_DRAWS, seed: int = 0) -> JuryPack:
    """:func:`load_pack` of an already loaded year (:class:`scoring.data.YearData`, as
    ``load_year(year, data_dir)`` gives it): the overview makes every class's pack of one read."""
    from ...calibration import year_model

    rubric = yd.rubric
    class_id = _class_id(class_id, rubric, yd.entries)
    model = year_model(yd, data_dir)
    ranking, sensitivity, places = _year_tables(yd, model, data_dir, n_draws, seed)

    mine = yd.entries[yd.entries["class"] == class_id]
    ids = set(mine["entry_id"])
    entries = mine[["entry_id", "name", "budget_in_balance"]].reset_index(drop=True)
    scores = yd.scores[yd.scores["entry_id"].isin(ids)].reset_index(drop=True)
    ranking = ranking[ranking["class"] == class_id].reset_index(drop=True)
    if blind:
        blinder = _blinder(yd, data_dir)
        entries = entries.drop(columns="name")
        said: dict = {}  # each distinct text blinded once
        scores = scores.assign(comment=scores["comment"].map(
            lambda t: said[t] if t in said else said.setdefault(t, blinder(t))))
        ranking = ranking.drop(columns=["name"], errors="ignore")
    cells = model.cells[model.cells["entry_id"].isin(ids)].reset_index(drop=True)
    return JuryPack(
        year=yd.year, class_id=class_id, rubric=rubric, blind=blind, entries=entries, scores=scores,
        ranking=ranking, sensitivity=sensitivity[sensitivity["class"] == class_id].reset_index(drop=True),
        cells=cells, n_draws=n_draws, seed=seed,
        demo=is_demo(yd.entries), places=places[places["class"] == class_id].reset_index(drop=True),
        focus=_focus(ranking, len(entries)),
    )


def _blinder(yd, data_dir) -> Blinder:
    """The year's :class:`Blinder`, made once per data in a process (for a national year's 6,000
    entries it takes seconds: every pack of a kernel shares it)."""
    from ...cache import cache_key

    key = ("blinder", cache_key(year=yd.year, data_dir=data_dir))
    if key not in _MEMORY:
        for k in [k for k in _MEMORY if k[0] == "blinder"]:  # one year at a time is enough
            del _MEMORY[k]
        _MEMORY[key] = Blinder(yd.entries)
    return _MEMORY[key]


def _focus(ranking: pd.DataFrame, n_entries: int) -> tuple[str, ...] | None:
    """The entries in contention of a class above :data:`FULL_PACK_MAX` entries (see :attr:`JuryPack.focus`)."""
    if n_entries <= FULL_PACK_MAX:
        return None
    near = ranking["eligible"].astype(bool) & (ranking["rank_low"] <= FOCUS_PLACE).fillna(False)
    return tuple(ranking.loc[near, "entry_id"].astype(str))


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
    return _year_tables(yd, year_model(yd, data_dir), data_dir, n_draws, seed)[:2]


def _year_tables(yd, model, data_dir, n_draws: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The year's ranking (adjusted), sensitivity table and places under every method (the
    adjusted first), computed once per data and settings."""
    from ...cache import cache_key
    from ...ranking import method_tables

    key = ("tables", cache_key(n_draws, seed, year=yd.year, data_dir=data_dir))
    if key not in _MEMORY:
        for k in [k for k in _MEMORY if k[0] == "tables"]:  # one year at a time is enough
            del _MEMORY[k]
        _MEMORY[key] = method_tables(yd.scores, yd.entries, chosen="adjusted", rubric=yd.rubric, n_draws=n_draws,
                                     seed=seed, model=model)
    ranking, sensitivity, places = _MEMORY[key]
    return ranking.copy(), sensitivity.copy(), places.copy()


# --------------------------------------------------------------------------- numbers in words


#: What the summary adds to the words of a lead that is not sure (by the words of
#: :data:`scoring.presentation.glossary.CHANCE_WORDS`).
_LEAD_MORE = {"osäker": "ett annat bidrag kan mycket väl vara bäst",
              "mycket osäker": "inget bidrag är en klar favorit"}


def lead_reading(p: float) -> str:
    """How sure a lead with chance to win ``p`` is, as a sentence ("Ledningen är mycket säker."):
    the glossary's words for the chance as printed (:func:`scoring.presentation.glossary.chance_reading`)."""
    words = glossary.chance_reading(p)
    if not words:
        return ""
    more = _LEAD_MORE.get(words)
    return f"Ledningen är {words}" + (f": {more}." if more else ".")


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
            "Här nedan svaren på juryns tre första frågor, räknade ur poängen längre ner.",
            n=len(pack.entries), label=pack.class_label, k=ind["examiner_id"].nunique(), scores=len(ind)),
    ]
    if pack.blind:
        blocks.append(render.paragraph(
            "{note}", css="warning",
            note=render.strong("Anonymiserad version för gallring: bidragen visas bara med sina koder. Namn och "
                               "stadsdelar är borttagna överallt, också där en kommentar nämner verksamheten.")))
    if pack.demo:
        blocks.append(demo_note())
    blocks.append(compact_note(pack))
    return render.group(*blocks)


def compact_note(pack: JuryPack) -> render.Block | None:
    """What a pack of a class above :data:`FULL_PACK_MAX` entries leaves compact and why (None
    for a pack that shows every entry in full)."""
    if pack.focus is None:
        return None
    r = pack.ranking
    can_win = int(r["eligible"].astype(bool).sum())
    return render.paragraph(
        "{q} Klassen har {n} bidrag, för många för att visa allt om vart och ett. Fullständigt underlag – "
        "profilen per kriterium, förändringarna efter platsbesöket, konsensusagendans rader och "
        "examinatorernas kommentarer – visas bara för {k} av dem: de som kan vinna och vars {interval} når "
        "plats {place}, alltså de som kan höra till de {place} främsta. Övriga {rest} bidrag som kan vinna "
        "står i en kompakt tabell efter rangordningen, med placering, poäng, möjlig placering och chans att "
        "vinna; bidragen som inte kan vinna står som vanligt under Budget i balans. Fullständigt underlag för "
        "alla ges i klasser med högst {max} bidrag.",
        q=render.strong("Stor klass:"), n=len(r), k=len(pack.focus), interval=render.em("möjliga placering"),
        place=FOCUS_PLACE, rest=can_win - len(pack.focus), max=FULL_PACK_MAX)


def _shown_note(pack: JuryPack, what: str) -> render.Block | None:
    """In a section of a compact pack: whose ``what`` (e.g. "kommentarer") the section shows."""
    if pack.focus is None:
        return None
    return render.paragraph(
        "Här visas {what} bara för de {k} bidrag som kan vinna och vars möjliga placering når plats {place} "
        "(se Stor klass överst).", what=what, k=len(pack.focus), place=FOCUS_PLACE)


def _leader_ids(pack: JuryPack) -> list[str]:
    """The ranking's leader: the best eligible entry of the class (every entry of a tie)."""
    r = pack.ranking
    return list(r.loc[r["score"].notna() & r["leader"].astype(bool), "entry_id"].astype(str))


def runner_up(pack: JuryPack) -> list[str]:
    """The runner-up, defined once for every page that names it: the eligible entry with the
    highest adjusted score after the leader, i.e. the best placed eligible entry that does not
    lead (every entry of a tie; [] when the class has no other scored eligible entry)."""
    r = pack.ranking
    others = r[r["score"].notna() & r["eligible"].astype(bool) & ~r["leader"].astype(bool)]
    if others.empty:
        return []
    return list(others.loc[others["rank"] == others["rank"].min(), "entry_id"].astype(str))


def summary(pack: JuryPack) -> render.Block:
    """The three answers a jury member needs first, in plain words made from the numbers:
    who leads the class, how sure that is (and the runner-up, :func:`runner_up`, named once with
    its chance), and what would change the answer (another way of counting, and where the leader
    then stands; the lead over the runner-up; a better-scored entry that cannot win)."""
    r = pack.ranking
    scored = r[r["score"].notna()]
    ids = _leader_ids(pack)
    if not ids:
        why = ("inget bidrag har budget i balans" if len(scored) and not scored["eligible"].any()
               else "inget bidrag har poäng")
        return render.group(render.paragraph("{who} Inget bidrag i klassen kan vinna: {why}.",
                                             who=render.strong("Vem leder?"), why=why))
    by_id = scored.set_index("entry_id")
    score = float(by_id.loc[ids[0], "score"])
    blocks = []
    if len(ids) == 1:
        blocks.append(render.paragraph(
            "{q} {who} leder klassen med {score:.1f} poäng av {top} möjliga.",
            q=render.strong("Vem leder?"), who=pack.label(ids[0]), score=score, top=pack.rubric.scale.max))
    else:
        blocks.append(render.paragraph(
            "{q} Delad ledning: {who} har samma poäng, {score:.1f} av {top} möjliga.",
            q=render.strong("Vem leder?"), who=pack.labels(ids), score=score, top=pack.rubric.scale.max))

    # how sure, and the runner-up (named here, once)
    p = float(by_id.loc[ids, "p_first"].sum())
    sure = [render.text("Sannolikheten att {who} är bäst av de bidrag som kan vinna är {p}. {reading}",
                        who=render.text("ledaren") if len(ids) == 1 else render.text("någon av dem"),
                        p=glossary.chance(p), reading=lead_reading(p))]
    runners = runner_up(pack)
    if runners:
        chances = [glossary.chance(by_id.loc[e, "p_first"]) for e in runners]
        if len(runners) == 1:
            sure.append(render.text("Närmast efter kommer {who} med {p} chans att vinna.",
                                    who=pack.label(runners[0]), p=chances[0]))
        else:
            sure.append(render.text("Närmast efter kommer {who}, med samma poäng och {p} chans att vinna.",
                                    who=pack.labels(runners), p=" och ".join(chances)))
        others = scored[scored["eligible"].astype(bool) & ~scored["entry_id"].isin([*ids, *runners])]
        if len(others):
            best = others.sort_values(["p_first", "score"], ascending=False).iloc[0]
            runner_p = max(glossary.chance_percent(by_id.loc[e, "p_first"]) for e in runners)
            if glossary.chance_percent(best["p_first"]) > runner_p:
                sure.append(render.text("Bland de övriga bidragen har {who} störst chans att vinna, {p}, trots "
                                        "lägre poäng.", who=pack.label(best["entry_id"]),
                                        p=glossary.chance(best["p_first"])))
    blocks.append(render.paragraph("{q} {text}", q=render.strong("Hur säkert är det?"), text=render.join(sure, " ")))

    # what would change the answer
    changes = []
    s = pack.sensitivity
    differ = s[s["differs"].astype(bool) & ~s["chosen"].astype(bool)]
    for _, row in differ.iterrows():
        who = [w for w in str(row["leader"]).split(", ") if w]
        how = METHOD_PHRASES.get(row["method"], row["method"])
        standing = _standing(pack, row["method"], ids)
        if len(who) == 1:
            changes.append(render.text("Om rangordningen görs {how} i stället leder {who}; {standing}.", how=how,
                                       who=pack.label(who[0]), standing=standing))
        elif who:
            changes.append(render.text("Om rangordningen görs {how} i stället delar {who} ledningen; {standing}.",
                                       how=how, who=pack.labels(who), standing=standing))
    same = s[~s["differs"].astype(bool)]
    if differ.empty:
        changes.append(render.text("Alla {n} sätt att räkna poängen ger samma ledare.", n=len(s)))
    elif len(same) > 1:
        changes.append(render.text("Med övriga {n} sätt att räkna leder samma bidrag.", n=len(same) - 1))
    if runners:
        margin = score - float(by_id.loc[runners[0], "score"])
        changes.append(render.text("Försprånget till närmast efter är {d:.1f} poäng{steps}.", d=margin,
                                   steps=_steps(margin, pack.rubric)))
    blocked = scored[~scored["eligible"].astype(bool) & (scored["score"] > score)]
    for _, row in blocked.iterrows():
        changes.append(render.text("{who} har högre poäng ({s:.1f}) men kan inte vinna eftersom budgeten inte är i "
                                   "balans.", who=pack.label(row["entry_id"]), s=float(row["score"])))
    blocks.append(render.paragraph("{q} {text}", q=render.strong("Vad skulle ändra svaret?"),
                                   text=render.join(changes, " ")))
    return render.group(*blocks)


def _standing(pack: JuryPack, method: str, ids: list[str]) -> render.Inline:
    """Where the ranking's leader (each of a tie) stands under another way of counting:
    "ledaren hamnar då på plats 3 med 56,7 poäng"."""
    p = _places(pack, method)
    parts = []
    for eid in ids:
        rank, score = (p.loc[eid, "rank"], p.loc[eid, "score"]) if eid in p.index else (pd.NA, np.nan)
        if pd.isna(rank):
            parts.append(render.text("{who} har då ingen poäng", who=_who_of(ids, eid)))
        else:
            parts.append(render.text("{who} hamnar då på plats {rank} med {score:.1f} poäng", who=_who_of(ids, eid),
                                     rank=int(rank), score=float(score)))
    return render.join(parts, " och ")


def _who_of(ids: list[str], eid: str) -> render.Inline:
    return render.text("ledaren") if len(ids) == 1 else render.code(eid)


def _places(pack: JuryPack, method: str) -> pd.DataFrame:
    """``method_places`` rows of one method, by entry id (empty without places)."""
    p = pack.places
    if p is None or p.empty:
        return pd.DataFrame(columns=["rank", "would_rank", "score"])
    return p[p["method"] == method].set_index("entry_id")


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
    if k == len(weights):
        return render.text(": det motsvarar ett skalsteg ({step} poäng) högre på alla {n} kriterierna", step=step,
                           n=k)
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


def interval_sentence() -> str:
    """How often the rank intervals held the true place in simulations with known truth, from
    :data:`scoring.ranking.RANK_INTERVAL_COVERAGE` (the figures of ``benchmarks/README.md``)."""
    from ...ranking import RANK_INTERVAL_COVERAGE

    low, high = (round(100 * x) for x in RANK_INTERVAL_COVERAGE)
    share = f"{low}" if low == high else f"{low}–{high}"
    return (f"i simuleringar med känd sanning låg rätt placering inom intervallet för {share} av 100 bidrag")


def method_sentence(pack: JuryPack) -> render.Block:
    """The method in words a jury member understands, and what the interval and P(first) mean.

    Each claim is one that ``benchmarks/README.md`` records: the rank intervals' coverage
    (:func:`interval_sentence`) and that the adjusted scores came nearer the true quality than
    raw means in simulations where examiners differ in generosity; no claim that the adjustment
    finds the winner more often.
    """
    scale = pack.rubric.scale
    return render.group(
        render.paragraph(
            "Poängen är examinatorernas individuella poäng, justerade för hur generös eller sträng varje "
            "examinator är, och vägda samman över de {n} kriterierna till en totalpoäng på skalan {lo}–{hi}. "
            "Justeringen jämför examinatorerna bara på bidrag som de bedömt tillsammans: den som i medel satt "
            "högre poäng än kollegorna på samma bidrag räknas som generös, och hens poäng räknas ned så mycket. "
            "I simuleringar med känd sanning, där examinatorerna var olika generösa, låg de justerade poängen "
            "närmare bidragens sanna nivå än medelvärdet av examinatorernas poäng.",
            n=len(pack.rubric.criteria), lo=scale.min, hi=scale.max),
        render.paragraph(
            "Ingen poäng är exakt: med andra examinatorer hade den blivit något annorlunda. Därför räknas "
            "rangordningen om i {n} slumpade varianter av poängen. {interval} är det intervall av placeringar "
            "som 90 % av varianterna ger, räknat bland klassens bidrag som kan vinna; {measured}. {p} är hur ofta "
            "bidraget i varianterna blir bäst av de bidrag som kan vinna. Ett bidrag vars budget inte är i balans "
            "kan inte vinna: det står i en egen tabell under rangordningen, med den placering det hade fått med "
            "budget i balans. {words}",
            interval=render.em("Möjlig placering"), p=render.em("Chans att vinna"), n=pack.n_draws,
            measured=interval_sentence(), words=glossary.chance_thresholds()),
    )


def _entry_cell(pack: JuryPack, entry_id: str, notes) -> render.Inline:
    """An entry with its notes (the budget gate left out: said by the table it is in)."""
    who = pack.label(entry_id)
    note = note_text(tuple(n for n in notes if n.code != "not_eligible"), pack.rubric)
    return render.text("{who} – {note}", who=who, note=render.em("{n}", n=note)) if note.strip() else who


def ranking_table(pack: JuryPack) -> render.Block:
    """The class's ranking of the entries that can win: place, entry (code, name and notes),
    score, the 90 % interval of the place, chance to win. Places and intervals count only the
    class's entries that can win; those that cannot are in :func:`budget_gate`'s table.

    An entry's notes (``rank_entries``' ``note``: examiners not adjusted for, missing
    criteria) follow its name in the same cell, so the table keeps five columns and fits an
    A4 page. The output metadata carries the exact numbers of every entry of the class, both
    tables' (``{"scoring": {"jury_ranking": [...]}}``: entry_id, score, rank, rank_low,
    rank_high, would_rank, p_first, eligible) for checks.
    """
    r = pack.ranking
    ok = r[r["eligible"].astype(bool)]
    rest = ok.iloc[:0]
    if pack.focus is not None:
        near = ok["entry_id"].isin(set(pack.focus))
        ok, rest = ok[near], ok[~near]
    t = pd.DataFrame({
        "rank": ok["rank"],
        "entry": [_entry_cell(pack, e, n) for e, n in zip(ok["entry_id"], ok["note"], strict=True)],
        "score": ok["score"],
        "rank_interval": [rank_interval(lo, hi) for lo, hi in zip(ok["rank_low"], ok["rank_high"], strict=True)],
        "p_first": [glossary.chance(p) for p in ok["p_first"]],
    })
    records = [
        {"entry_id": str(e), "score": _float(score), "rank": _int(rank), "rank_low": _int(low),
         "rank_high": _int(high), "would_rank": _int(would), "p_first": _float(p), "eligible": bool(eligible)}
        for e, score, rank, low, high, would, p, eligible in zip(
            r["entry_id"], r["score"], r["rank"], r["rank_low"], r["rank_high"], r["would_rank"], r["p_first"],
            r["eligible"], strict=True)
    ]
    table = show(t, pack.rubric, precision={"score": 1}, right=["rank_interval", "p_first"])
    if pack.focus is None:
        return render.Block(table.html, table.text, {"jury_ranking": records})
    return render.group(
        render.paragraph("De {k} bidrag som kan vinna och vars möjliga placering når plats {place}, med "
                         "anmärkningar:", k=len(ok), place=FOCUS_PLACE),
        render.Block(table.html, table.text, {"jury_ranking": records}),
        render.paragraph("Övriga {n} bidrag som kan vinna, i kompakt form (utan anmärkningar):", n=len(rest)),
        _compact_table(pack, rest),
    )


def _compact_table(pack: JuryPack, rows: pd.DataFrame) -> render.Table:
    """Entries in one line each: place, code, name (not in a blind pack), score, possible place, chance to win."""
    names = pack.names
    t = pd.DataFrame({
        "rank": rows["rank"],
        "entry_id": rows["entry_id"].astype(str),
        **({} if pack.blind else {"name": [names.get(e, "") for e in rows["entry_id"]]}),
        "score": rows["score"],
        "rank_interval": [rank_interval(lo, hi) for lo, hi in zip(rows["rank_low"], rows["rank_high"], strict=True)],
        "p_first": [glossary.chance(p) for p in rows["p_first"]],
    })
    return show(t, pack.rubric, precision={"score": 1}, right=["rank_interval", "p_first"])


def _float(x) -> float | None:
    return None if pd.isna(x) else float(x)


def _int(x) -> int | None:
    return None if pd.isna(x) else int(x)


#: The header of the place an entry that cannot win would have had.
WOULD_RANK = "Placering med budget i balans"


def budget_gate(pack: JuryPack) -> render.Block:
    """Which entries cannot win because their budget is not in balance, in a table of their own:
    their place and its interval among the class's entries that cannot win, their score, and the
    place each would have had among the entries that can win had its budget been in balance
    (``would_rank``); and whose budget is unknown."""
    r = pack.ranking
    budget = dict(zip(pack.entries["entry_id"], pack.entries["budget_in_balance"], strict=True))
    out = r[~r["eligible"].astype(bool)]
    unknown = [e for e in r["entry_id"] if pd.isna(budget.get(e))]
    blocks = []
    if len(out):
        they = ("Det kan inte vinna och står därför inte i rangordningen ovan, utan här med sin poäng." if len(out) == 1
                else "De kan inte vinna och står därför inte i rangordningen ovan, utan här med sina poäng.")
        blocks.append(render.paragraph(
            "Budgeten är inte i balans för {n} av klassens {total} bidrag. {they} Placering och möjlig placering "
            "räknas här bland klassens bidrag som inte kan vinna; kolumnen {would} visar den placering bidraget hade "
            "fått bland dem som kan vinna om budgeten varit i balans.", n=len(out), total=len(r), they=they,
            would=render.em("{w}", w=WOULD_RANK)))
        t = pd.DataFrame({
            "rank": out["rank"],
            "entry": [_entry_cell(pack, e, n) for e, n in zip(out["entry_id"], out["note"], strict=True)],
            "score": out["score"],
            "rank_interval": [rank_interval(lo, hi) for lo, hi in zip(out["rank_low"], out["rank_high"],
                                                                      strict=True)],
            "would_rank": out["would_rank"],
        })
        blocks.append(render.Table(t, headers=COLUMNS_SV | {"would_rank": WOULD_RANK}, precision={"score": 1},
                                   right=["rank_interval"]))
    else:
        blocks.append(render.paragraph("Alla {n} bidrag i klassen har budget i balans och kan vinna.",
                                       n=len(r) - len(unknown)) if not unknown else None)
    if unknown:
        blocks.append(render.paragraph("Uppgift om budget i balans saknas för {who}: räknas som att de kan vinna.",
                                       css="warning", who=pack.labels(unknown)))
    return render.group(*blocks)


#: How many entries of the adjusted ranking the sensitivity table follows: the leader and the next two.
FOLLOWED = 3


def sensitivity_table(pack: JuryPack) -> render.Block:
    """Where the leader and the next two of the ranking (eligible entries, by place) stand under
    every way of counting the scores: per way of counting its leader, whether that is the
    ranking's, and for each of the three its place among the class's entries that can win with
    its total ("3 (56,7)"). The output metadata carries the numbers (``{"scoring":
    {"jury_standing": [{method, entry_id, rank, score}, ...]}}``)."""
    s = pack.sensitivity
    r = pack.ranking
    followed = list(r.loc[r["eligible"].astype(bool) & r["score"].notna(), "entry_id"].astype(str))[:FOLLOWED]
    columns = {
        "method": [METHODS_SV.get(m, m) for m in s["method"]],
        "leader": s["leader"].replace("", render.MISSING),
        "same_leader": ["rangordningens sätt" if c else ("nej" if d else "ja")
                        for c, d in zip(s["chosen"], s["differs"], strict=True)],
    }
    records = []
    for eid in followed:
        cells = []
        for m in s["method"]:
            p = _places(pack, m)
            rank, score = (p.loc[eid, "rank"], p.loc[eid, "score"]) if eid in p.index else (pd.NA, np.nan)
            cells.append(render.MISSING if pd.isna(rank) else f"{int(rank)} ({render.number(float(score), 1)})")
            records.append({"method": str(m), "entry_id": eid, "rank": _int(rank), "score": _float(score)})
        columns[eid] = cells
    differ = int((s["differs"] & ~s["chosen"]).sum())
    sentence = (render.paragraph("Med alla {n} sätt att räkna poängen leder samma bidrag.", n=len(s)) if not differ
                else render.paragraph("Med {k} av de {n} andra sätten att räkna poängen leder ett annat bidrag.",
                                      k=differ, n=len(s) - 1))
    blocks = [sentence]
    if followed:
        who = (render.text("rangordningens ledare {a}", a=pack.label(followed[0])) if len(followed) == 1 else
               render.text("de {n} första i rangordningen, {all},", n="två" if len(followed) == 2 else "tre",
                           all=pack.labels(followed)))
        blocks.append(render.paragraph(
            "Tabellen visar var {who} hamnar med varje sätt att räkna: i varje ruta bidragets placering bland "
            "klassens bidrag som kan vinna och, inom parentes, dess totalpoäng med det sättet.", who=who))
    table = render.Table(
        pd.DataFrame(columns),
        headers={"method": "Sätt att räkna", "leader": "Ledare", "same_leader": "Samma ledare som rangordningen"},
        code_lists=["leader"], right=followed, meta={"jury_standing": records})
    blocks.append(table)
    return render.group(*blocks)


def agenda(pack: JuryPack) -> render.Block:
    """This class's consensus-agenda items: where the examiners' individual scores differed most."""
    scores = pack.scores
    if pack.focus is not None:
        scores = scores[scores["entry_id"].isin(set(pack.focus))]
    a = consensus_agenda(scores, pack.rubric)
    threshold = pack.rubric.spread_threshold
    if a.empty:
        return render.group(_shown_note(pack, "konsensusagendans rader"), render.paragraph(
            "Inga bidrag och kriterier i klassen där examinatorernas poäng skilde sig mer än {t} poäng.",
            t=threshold))
    # codes only: the ranking table above names every entry, and names here wrapped each row to two lines
    columns = ["entry_id", "criterion", "low", "high", "spread", "scores"]
    return render.group(
        _shown_note(pack, "konsensusagendans rader"),
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
    if pack.focus is not None:
        visited = t["entry_id"].nunique()
        t = t[t["entry_id"].isin(set(pack.focus))]
        if t.empty:
            return render.group(_shown_note(pack, "förändringarna efter platsbesöket"), render.paragraph(
                "{n} av klassens {total} bidrag fick platsbesök, inget av dem bland de {k}.", n=visited,
                total=len(pack.ranking), k=len(pack.focus)))
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
                                 "({diff}); {k} av {n} kriterier ändrade.", who=pack.label(eid), before=before,
                                 after=after, diff=glossary.signed(after - before), k=changed, n=len(g)))
    n_entries = len(lines)
    return render.group(
        _shown_note(pack, "förändringarna efter platsbesöket"),
        render.paragraph("{n} av klassens {total} bidrag fick platsbesök. Totalpoäng (vägd över kriterierna) före "
                         "och efter:", n=n_entries if pack.focus is None else visited, total=len(pack.ranking)),
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
    examiner code, the team's comments at consensus and site visit as the team's ("Laget vid
    konsensus:"), with no examiner's code."""
    shown = pack.shown(pack.ranking["entry_id"])
    c = comments_table(pack)
    if pack.focus is not None:
        c = c[c["entry_id"].isin(set(shown))]
    by_entry = dict(tuple(c.groupby("entry_id", sort=False)))
    blocks = [_shown_note(pack, "kommentarer")]
    for eid in shown:
        blocks.append(render.heading("{who}", level=3, who=pack.label(eid)))
        mine = by_entry.get(eid)
        if mine is None or mine.empty:
            blocks.append(render.paragraph("Inga kommentarer."))
            continue
        for criterion, g in mine.groupby("criterion", sort=False):
            blocks.append(render.paragraph("{c}", c=render.strong("{c}", c=pack.rubric.criterion_label(criterion))))
            blocks.append(render.bullets(_who(row) for _, row in g.iterrows()))
    return render.group(*blocks)


_TEAM_SV = {"consensus": "Laget vid konsensus", "site_visit": "Laget vid platsbesöket"}


def _who(row) -> render.Inline:
    """One comment: "E07: text" for an examiner's own, "Laget vid konsensus: text" for the team's.

    A consensus or site-visit row carries the code of the examiner who typed the team's text
    (or ``TEAM``); the text is the team's, so no code is shown with it."""
    if row["stage"] == "individual":
        return render.text("{who}: {comment}", who=render.code(row["examiner_id"]), comment=row["comment"])
    team = _TEAM_SV.get(row["stage"], STAGES_SV.get(row["stage"], row["stage"]))
    return render.text("{team}: {comment}", team=team, comment=row["comment"])
