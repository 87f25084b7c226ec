"""Seeded synthetic rosters for the planner's tests and benchmark (fictitious; not the demo data).

:func:`synthetic_roster` draws entries in several classes, spread over Stockholm's districts
and administrations (district administrations and central ones), examiners from the same
administrations (20-40 % new by default, some with a ``max_entries``), and a few declared
conflicts by entry, by unit and by district. Districts are sometimes written with another dash
or case (``Spånga–Tensta``, ``spånga-tensta``) as real rosters are.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["synthetic_roster"]

DISTRICTS = ("Bromma", "Enskede-Årsta-Vantör", "Farsta", "Hägersten-Älvsjö", "Hässelby-Vällingby", "Kungsholmen",
             "Norrmalm", "Rinkeby-Kista", "Skarpnäck", "Skärholmen", "Spånga-Tensta", "Södermalm", "Östermalm")
CENTRAL = ("Utbildningsförvaltningen", "Socialförvaltningen", "Kulturförvaltningen", "Äldreförvaltningen",
           "Trafikkontoret", "Miljöförvaltningen")
CLASSES = ("förskola", "skola", "äldreomsorg", "socialtjänst", "andra")
_CLASS_ADMIN = {"skola": "Utbildningsförvaltningen", "äldreomsorg": "Äldreförvaltningen",
                "socialtjänst": "Socialförvaltningen"}


def _variant(rng: np.random.Generator, district: str) -> str:
    """The district as someone might write it: another dash, other case."""
    x = rng.random()
    if x < 0.15:
        return district.replace("-", "\u2013")
    if x < 0.25:
        return district.casefold()
    return district


def synthetic_roster(seed: int, n_examiners: int | None = None, n_entries: int | None = None, *,
                     new_share: float | None = None, limited_share: float | None = None,
                     places_per_entry: float | None = None, n_conflicts: int | None = None,
                     team_size: tuple[int, int] = (4, 6)) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(entries, examiners, conflicts) of a random roster that can be planned (by its counts, mostly).

    Sizes not given are drawn: 10-60 examiners and 8-40 entries, with entries x (the largest
    team - 1) at least examiners + 4 (room for one group). ``limited_share`` of the examiners
    (drawn: 0.3, or all of them in a third of the rosters) have a ``max_entries`` around
    ``places_per_entry`` x entries / examiners (drawn: 4.5-5.8 places per entry where all are
    limited, so that the limits bind and teams differ in size; ample otherwise).
    """
    rng = np.random.default_rng(seed)
    lo, hi = team_size
    if n_examiners is None:
        n_examiners = int(rng.integers(10, 61))
    if n_entries is None:
        least = max(8, math.ceil((n_examiners + 4) / (hi - 1)))
        n_entries = int(rng.integers(least, max(least, 40) + 1))
    if new_share is None:
        new_share = float(rng.uniform(0.2, 0.4))
    tight = rng.random() < 1 / 3
    if limited_share is None:
        limited_share = 1.0 if tight else 0.3
    if places_per_entry is None:
        places_per_entry = float(rng.uniform(lo + 0.5, hi - 0.2)) if tight else hi + 1.5
    n_classes = int(rng.integers(3, len(CLASSES) + 1))
    classes = list(CLASSES[:n_classes])
    districts = list(rng.choice(DISTRICTS, size=int(rng.integers(5, len(DISTRICTS) + 1)), replace=False))

    # entries
    rows = []
    for i in range(n_entries):
        c = classes[i % n_classes] if i < n_classes else classes[int(rng.integers(n_classes))]
        d = str(districts[int(rng.integers(len(districts)))])
        adm = _CLASS_ADMIN.get(c, f"{d} stadsdelsförvaltning")
        if c in ("förskola", "andra") and rng.random() < 0.2:
            adm = str(rng.choice(CENTRAL))
        unit = f"U{int(rng.integers(100, 999))}" if rng.random() < 0.5 else ""
        rows.append({"entry_id": f"S{seed % 1000:03d}-{i + 1:02d}", "class": c, "district": _variant(rng, d),
                     "administration": adm, "unit_id": unit})
    entries = pd.DataFrame(rows)

    # examiners: about half from a district administration, the rest central
    n_new = int(round(new_share * n_examiners))
    new = np.zeros(n_examiners, dtype=bool)
    new[rng.choice(n_examiners, n_new, replace=False)] = True
    mean_load = places_per_entry * n_entries / n_examiners
    ex = []
    for k in range(n_examiners):
        if rng.random() < 0.5:
            d = str(rng.choice(DISTRICTS))
            adm, dis = f"{d} stadsdelsförvaltning", _variant(rng, d)
        else:
            adm, dis = str(rng.choice(CENTRAL)), ""
        if rng.random() < limited_share:
            m = float(max(1, int(round(mean_load + rng.uniform(-1.0, 1.0)))))
        else:
            m = np.nan
        ex.append({"examiner_id": f"X{k + 1:02d}", "experienced": not new[k], "administration": adm,
                   "district": dis, "max_entries": m})
    examiners = pd.DataFrame(ex)
    examiners["max_entries"] = examiners["max_entries"].astype("Float64").round().astype("Int64")

    # conflicts: by entry, by unit, by district
    if n_conflicts is None:
        n_conflicts = int(rng.integers(2, 7))
    conf = []
    for _ in range(n_conflicts):
        k = examiners["examiner_id"].iloc[int(rng.integers(n_examiners))]
        e = entries.iloc[int(rng.integers(n_entries))]
        kind = rng.random()
        if kind < 0.5:
            conf.append((k, e["entry_id"], "", "", "Tidigare chef för enheten"))
        elif kind < 0.8 and e["unit_id"]:
            conf.append((k, "", e["unit_id"], "", "Make/maka arbetar på enheten"))
        else:
            conf.append((k, "", "", _variant(rng, str(rng.choice(districts))), "Förtroendevald i stadsdelsnämnden"))
    conflicts = pd.DataFrame(conf, columns=["examiner_id", "entry_id", "unit_id", "district", "reason"])
    return entries, examiners, conflicts
