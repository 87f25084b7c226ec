"""The demo's register (:mod:`scoring.demo`): the entries' administrations and units (a few return
across years), the examiners of each year (``examiners.csv``) and a few declared conflicts of
interest (``conflicts.csv``).

Drawn from a random stream of its own, after the scores, so adding it changed no score. Every
register is consistent with the demo's teams: no examiner sat on an entry of their own
administration or district, or one they have declared a conflict with, and no examiner took more
entries than their ``max_entries``.
"""

from __future__ import annotations

import numpy as np

from .names import place_key

__all__ = ["CENTRAL", "administration", "conflicts", "examiners", "units"]

#: City administrations that are not a district's (fackförvaltningar): the examiners who work
#: there have no district of their own.
CENTRAL = (
    "Utbildningsförvaltningen", "Socialförvaltningen", "Kulturförvaltningen", "Stadsledningskontoret",
    "Trafikkontoret", "Miljöförvaltningen", "Stadsbyggnadskontoret", "Fastighetskontoret", "Äldreförvaltningen",
    "Serviceförvaltningen", "Exploateringskontoret",
)  # fmt: skip
_BY_NAME = (("Biblioteket", "Kulturförvaltningen"), ("Kulturhuset", "Kulturförvaltningen"),
            ("Parkenheten", "Trafikkontoret"), ("Kontaktcenter", "Stadsledningskontoret"))
_REASONS_ENTRY = ("Make/maka arbetar på enheten", "Tidigare chef för enheten", "Sitter i enhetens brukarråd",
                  "Har anhörig som bor på enheten")
_REASONS_DISTRICT = ("Förtroendevald i stadsdelsnämnden", "Ny tjänst i stadsdelen från hösten")


def district_administration(district: str) -> str:
    return f"{district} stadsdelsförvaltning"


def administration(entry: dict) -> str:
    """The city administration an entry's unit belongs to: schools the education administration,
    libraries and culture houses the culture administration, and so on; else its district's."""
    if entry["class"] == "skola":
        return "Utbildningsförvaltningen"
    for start, admin in _BY_NAME:
        if entry["name"].startswith(start):
            return admin
    return district_administration(entry["district"])


def _workplace(rng: np.random.Generator, districts: tuple[str, ...], avoid: set[str]) -> tuple[str, str]:
    """(administration, district) of an examiner whose entries lie in ``avoid`` (folded names)."""
    options = [(district_administration(d), d) for d in districts] + [(a, "") for a in CENTRAL]
    free = [(a, d) for a, d in options if place_key(a) not in avoid and (not d or place_key(d) not in avoid)]
    return free[int(rng.integers(len(free)))]


def examiners(rng: np.random.Generator, generated, pool, districts: tuple[str, ...]) -> dict[int, list[tuple]]:
    """Per year, the rows of ``examiners.csv``: ``examiner_id, experienced, administration, district,
    max_entries``. An examiner keeps one workplace over the years, never one of an entry they scored."""
    entries = {e["entry_id"]: e for g in generated for e in g.entries}
    loads: dict[tuple[int, str], int] = {}
    avoid: dict[str, set[str]] = {}
    for g in generated:
        for eid, team in g.teams.items():
            for x in team:
                loads[g.year, x] = loads.get((g.year, x), 0) + 1
                e = entries[eid]
                avoid.setdefault(x, set()).update({place_key(e["district"]), place_key(e["administration"])})
    place = {e.id: _workplace(rng, districts, avoid.get(e.id, set())) for e in pool}
    most = {e.id: int(rng.choice((4, 5, 5, 6))) for e in pool}
    rows: dict[int, list[tuple]] = {}
    for g in generated:
        rows[g.year] = [
            (e.id, "nej" if g.year == e.first_year else "ja", *place[e.id],
             max(most[e.id], loads.get((g.year, e.id), 0)))
            for e in sorted(pool, key=lambda e: e.id) if g.year in e.years
        ]  # fmt: skip
    return rows


def conflicts(rng: np.random.Generator, generated, pool, districts: tuple[str, ...], n: int = 6) -> list[tuple]:
    """A few declared conflicts (``examiner_id, entry_id, unit_id, district, reason``): with an entry of
    a year the examiner served but did not score, or with a district none of their entries lay in."""
    rows = []
    scored: dict[str, set[str]] = {}
    places: dict[str, set[str]] = {}
    for g in generated:
        for eid, team in g.teams.items():
            for x in team:
                scored.setdefault(x, set()).add(eid)
                places.setdefault(x, set()).add(next(e["district"] for e in g.entries if e["entry_id"] == eid))
    chosen = [pool[i] for i in sorted(rng.choice(len(pool), size=min(n, len(pool)), replace=False))]
    for k, e in enumerate(chosen):
        if k % 3 == 2:
            free = [d for d in districts if d not in places.get(e.id, set())]
            if free:
                rows.append((e.id, "", "", free[int(rng.integers(len(free)))],
                             _REASONS_DISTRICT[int(rng.integers(len(_REASONS_DISTRICT)))]))
                continue
        options = [x["entry_id"] for g in generated if g.year in e.years for x in g.entries
                   if x["entry_id"] not in scored.get(e.id, set())]
        if options:
            rows.append((e.id, options[int(rng.integers(len(options)))], "", "",
                         _REASONS_ENTRY[int(rng.integers(len(_REASONS_ENTRY)))]))
    return sorted(rows)


#: Entries the tests name: never turned into a returning unit (their names stay as generated).
_KEEP_NAMES = ("Solrosen", "Regnbågen")


def units(rng: np.random.Generator, generated, n_return: int = 3) -> None:
    """Give every entry a ``unit_id`` (``U001`` …), and in every year after the first make a few
    entries units that took part before: the same unit id, name, district and administration as
    an earlier entry of the same class (as Familjerätt Sydväst took part in 2018 and 2019)."""
    next_id = 1
    for k, g in enumerate(generated):
        if k:
            earlier = [e for h in generated[:k] for e in h.entries]
            names = {e["name"] for e in g.entries}
            candidates = [e for e in g.entries if not any(w in e["name"] for w in _KEEP_NAMES)]
            taken: set[str] = set()
            for i in sorted(rng.choice(len(candidates), size=min(n_return, len(candidates)), replace=False)):
                e = candidates[i]
                options = [x for x in earlier if x["class"] == e["class"] and x["unit_id"] not in taken
                           and x["name"] not in names]
                if not options:
                    continue
                x = options[int(rng.integers(len(options)))]
                names.discard(e["name"])
                e.update(name=x["name"], district=x["district"], administration=x["administration"],
                         unit_id=x["unit_id"])
                names.add(x["name"])
                taken.add(x["unit_id"])
        for e in g.entries:
            if "unit_id" not in e:
                e["unit_id"] = f"U{next_id:03d}"
                next_id += 1
