"""The rules of a team plan: who may score what, and the counts checked before searching.

A plan assigns examiners to entries. Its rules (all hard):

1. every entry gets a team whose size is within ``team_size`` (inclusive);
2. no examiner scores an entry of their own administration or district (non-empty values,
   compared after :func:`norm`), nor an entry with a declared conflict (by entry_id, by the
   entry's unit_id or by the entry's district);
3. no examiner gets more entries than ``max_entries`` (NaN: no limit);
4. every team has an experienced examiner, and new examiners are spread out: the largest number
   of new examiners in one team is as small as the roster allows (1 where possible);
5. every examiner of the roster gets at least one entry, and all of them form one connected
   group (examiners linked through shared entries).

This module holds what needs no search: the normaliser, the eligibility matrix
(:func:`eligible`), the per-pair reasons an examiner may not score an entry, the connected
groups of a plan and the count checks (:func:`feasibility`). Messages are Swedish: the award
office reads them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import csgraph

from ..names import place_key

__all__ = ["PlanError", "eligible", "feasibility", "norm"]


class PlanError(ValueError):
    """No plan satisfies the rules; ``messages`` says why (Swedish, one sentence each)."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("\n".join(self.messages))


# --------------------------------------------------------------------------- normalising



def norm(text) -> str:
    """A value as compared: :func:`scoring.names.place_key` (folded, any dash ``-``, spacing
    ignored): ``"Spånga–Tensta"``, ``"spånga - tensta"`` and ``"ＳＰÅＮＧＡ-TENSTA"`` are one district.
    Missing values (None, NaN) are ``""``.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    return place_key(str(text))


def _col(df: pd.DataFrame, name: str) -> list[str]:
    """A column as stripped strings ("" where missing or absent)."""
    if df is None or name not in df.columns:
        return [""] * (0 if df is None else len(df))
    return ["" if norm(v) == "" else str(v).strip() for v in df[name].tolist()]


# --------------------------------------------------------------------------- the roster

#: Why an examiner may not score an entry (codes of :attr:`Roster.reason`).
OK, OWN_ADMINISTRATION, OWN_DISTRICT, CONFLICT_ENTRY, CONFLICT_UNIT, CONFLICT_DISTRICT = range(6)


@dataclass
class Roster:
    """The inputs as arrays, entries and examiners sorted by id.

    ``reason`` (E, K) is :data:`OK` where examiner k may score entry e, else the first rule
    that forbids it; ``conflict_text`` the declared reason of a conflict by (e, k).
    ``max_load`` (K,) is ``max_entries`` (the number of entries where there is no limit).
    """

    entry_ids: np.ndarray
    examiner_ids: np.ndarray
    classes: np.ndarray
    districts: np.ndarray
    administrations: np.ndarray
    examiner_districts: np.ndarray
    examiner_administrations: np.ndarray
    experienced: np.ndarray
    max_load: np.ndarray
    limited: np.ndarray
    reason: np.ndarray
    lo: int
    hi: int
    conflict_text: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def n_entries(self) -> int:
        return len(self.entry_ids)

    @property
    def n_examiners(self) -> int:
        return len(self.examiner_ids)

    @property
    def eligible(self) -> np.ndarray:
        return self.reason == OK

    @property
    def new(self) -> np.ndarray:
        return ~self.experienced

    def entry_index(self) -> dict[str, int]:
        return {e: i for i, e in enumerate(self.entry_ids)}

    def examiner_index(self) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.examiner_ids)}

    def capacity(self, mask: np.ndarray | None = None, entries: np.ndarray | None = None) -> int:
        """sum over examiners (``mask``) of min(max_entries, entries among ``entries`` they may score)."""
        elig = self.eligible if entries is None else self.eligible[entries]
        counts = elig.sum(axis=0)
        cap = np.minimum(counts, self.max_load)
        return int(cap[mask].sum() if mask is not None else cap.sum())


def _team_size(team_size) -> tuple[int, int]:
    if isinstance(team_size, int | np.integer):
        lo = hi = int(team_size)
    else:
        lo, hi = (int(x) for x in team_size)
    if lo < 1 or hi < lo:
        raise ValueError(f"team_size must be 1 <= min <= max, got {team_size!r}")
    return lo, hi


def _experienced(values) -> np.ndarray:
    out = []
    for v in values:
        if isinstance(v, str):
            out.append(norm(v) in ("ja", "yes", "true", "1", "j", "y", "x"))
        elif v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out.append(False)
        else:
            out.append(bool(v))
    return np.array(out, dtype=bool)


def roster(entries: pd.DataFrame, examiners: pd.DataFrame, conflicts: pd.DataFrame | None = None,
           team_size=(4, 6)) -> Roster:
    """Build the :class:`Roster` (entries and examiners sorted by id)."""
    lo, hi = _team_size(team_size)
    entries = entries.assign(entry_id=entries["entry_id"].astype(str).str.strip()).sort_values(
        "entry_id", kind="stable").reset_index(drop=True)
    examiners = examiners.assign(examiner_id=examiners["examiner_id"].astype(str).str.strip()).sort_values(
        "examiner_id", kind="stable").reset_index(drop=True)
    if entries["entry_id"].duplicated().any() or examiners["examiner_id"].duplicated().any():
        raise ValueError("entry_id and examiner_id must be unique")
    n_e, n_k = len(entries), len(examiners)
    e_ids = np.array(entries["entry_id"].tolist(), dtype=object)
    k_ids = np.array(examiners["examiner_id"].tolist(), dtype=object)
    e_adm = np.array([norm(x) for x in _col(entries, "administration")], dtype=object)
    e_dis = np.array([norm(x) for x in _col(entries, "district")], dtype=object)
    e_unit = [norm(x) for x in _col(entries, "unit_id")]
    k_adm = np.array([norm(x) for x in _col(examiners, "administration")], dtype=object)
    k_dis = np.array([norm(x) for x in _col(examiners, "district")], dtype=object)

    reason = np.full((n_e, n_k), OK, dtype=np.int8)
    conflict_text: dict[tuple[int, int], str] = {}
    if conflicts is not None and len(conflicts):
        k_of = {norm(k): i for i, k in enumerate(k_ids)}
        e_of = {norm(e): i for i, e in enumerate(e_ids)}
        c_exam = _col(conflicts, "examiner_id")
        c_entry, c_unit, c_dis, c_reason = (_col(conflicts, c) for c in ("entry_id", "unit_id", "district", "reason"))
        for ex, en, un, di, why in zip(c_exam, c_entry, c_unit, c_dis, c_reason, strict=True):
            k = k_of.get(norm(ex))
            if k is None:
                continue
            if en:
                hits, code = ([e_of[norm(en)]] if norm(en) in e_of else []), CONFLICT_ENTRY
            elif un:
                hits, code = [i for i, u in enumerate(e_unit) if u and u == norm(un)], CONFLICT_UNIT
            elif di:
                hits, code = [i for i, d in enumerate(e_dis) if d and d == norm(di)], CONFLICT_DISTRICT
            else:
                continue
            for e in hits:
                if reason[e, k] == OK:
                    reason[e, k] = code
                    conflict_text[(e, k)] = why
    same_dis = (e_dis[:, None] == k_dis[None, :]) & (e_dis[:, None] != "") & (k_dis[None, :] != "")
    same_adm = (e_adm[:, None] == k_adm[None, :]) & (e_adm[:, None] != "") & (k_adm[None, :] != "")
    reason[same_dis] = OWN_DISTRICT
    reason[same_adm] = OWN_ADMINISTRATION

    raw_max = pd.to_numeric(examiners["max_entries"], errors="coerce") if "max_entries" in examiners else None
    if raw_max is None:
        limited = np.zeros(n_k, dtype=bool)
        max_load = np.full(n_k, n_e, dtype=int)
    else:
        vals = raw_max.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        limited = ~np.isnan(vals)
        max_load = np.where(limited, np.minimum(np.nan_to_num(vals), n_e), n_e).astype(int)
    return Roster(
        entry_ids=e_ids, examiner_ids=k_ids,
        classes=np.array(_col(entries, "class"), dtype=object),
        districts=np.array(_col(entries, "district"), dtype=object),
        administrations=np.array(_col(entries, "administration"), dtype=object),
        examiner_districts=np.array(_col(examiners, "district"), dtype=object),
        examiner_administrations=np.array(_col(examiners, "administration"), dtype=object),
        experienced=_experienced(examiners["experienced"].tolist()) if "experienced" in examiners
        else np.zeros(n_k, dtype=bool),
        max_load=max_load, limited=limited, reason=reason, lo=lo, hi=hi, conflict_text=conflict_text,
    )  # fmt: skip


def eligible(entries: pd.DataFrame, examiners: pd.DataFrame, conflicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Who may score what: a bool DataFrame, index entry_id, columns examiner_id (both sorted).

    True where the examiner belongs neither to the entry's administration nor to its district
    and has declared no conflict with the entry (by entry_id, by its unit_id or by its district).
    """
    r = roster(entries, examiners, conflicts)
    return pd.DataFrame(r.eligible, index=pd.Index(r.entry_ids, name="entry_id"),
                        columns=pd.Index(r.examiner_ids, name="examiner_id"))


def reason_text(r: Roster, e: int, k: int) -> str:
    """Why examiner k may not score entry e, in Swedish (a clause after "men")."""
    code = int(r.reason[e, k])
    why = r.conflict_text.get((e, k), "")
    why = f": {why}" if why else ""
    if code == OWN_ADMINISTRATION:
        return f"hör till samma förvaltning ({r.administrations[e]})"
    if code == OWN_DISTRICT:
        return f"hör till samma stadsdel ({r.districts[e]})"
    if code == CONFLICT_ENTRY:
        return f"har anmält jäv mot bidraget{why}"
    if code == CONFLICT_UNIT:
        return f"har anmält jäv mot enheten{why}"
    if code == CONFLICT_DISTRICT:
        return f"har anmält jäv mot stadsdelen {r.districts[e]}{why}"
    return "får bedöma bidraget"


# --------------------------------------------------------------------------- groups


def n_groups(n_examiners: int, n_entries: int, pairs_e: np.ndarray, pairs_k: np.ndarray) -> int:
    """Connected groups of examiners linked through shared entries (examiners without an entry count alone).

    Entries without an examiner are not counted.
    """
    if n_examiners == 0:
        return 0
    n = n_examiners + n_entries
    g = sparse.coo_matrix((np.ones(len(pairs_k)), (np.asarray(pairs_k), n_examiners + np.asarray(pairs_e))),
                          shape=(n, n))
    _, label = csgraph.connected_components(g, directed=False)
    return len(np.unique(label[:n_examiners]))


# --------------------------------------------------------------------------- count checks


def _places(n: int) -> str:
    return f"{n} examinatorsplats" + ("" if n == 1 else "er")


def _examiners(n: int) -> str:
    return f"{n} examinator" + ("" if n == 1 else "er")


def _entries(n: int) -> str:
    return f"{n} bidrag"


def count_messages(r: Roster) -> list[str]:
    """The count checks of :func:`feasibility` on a built roster."""
    out: list[str] = []
    lo, hi = r.lo, r.hi
    n_e, n_k = r.n_entries, r.n_examiners
    elig = r.eligible
    if n_e == 0:
        return ["Det finns inga bidrag att bemanna"]
    if n_k == 0:
        return ["Det finns inga examinatorer att bemanna lagen med"]

    # per class, then the whole year
    classes = list(dict.fromkeys(r.classes.tolist()))
    for c in classes:
        rows = np.flatnonzero(r.classes == c)
        need, cap = len(rows) * lo, r.capacity(entries=rows)
        if cap < need:
            name = c or "(ingen klass)"
            out.append(f"{name} behöver {_places(need)} ({len(rows)} bidrag × minst {lo}); utan jäv och inom "
                       f"examinatorernas max antal bidrag finns {cap}")
    need, cap = n_e * lo, r.capacity()
    if cap < need:
        out.append(f"Året behöver {_places(need)} ({n_e} bidrag × minst {lo}); utan jäv och inom examinatorernas "
                   f"max antal bidrag finns {cap} (summan av max antal bidrag är {int(r.max_load.sum())})")

    # per entry
    n_elig = elig.sum(axis=1)
    n_elig_exp = elig[:, r.experienced].sum(axis=1)
    for e in range(n_e):
        if n_elig[e] == 0:
            out.append(f"{r.entry_ids[e]} kan inte bedömas av någon examinator utan jäv; laget ska vara minst {lo}")
        elif n_elig[e] < lo:
            out.append(f"{r.entry_ids[e]} kan bara bedömas av {_examiners(int(n_elig[e]))} utan jäv; "
                       f"laget ska vara minst {lo}")
        if n_elig[e] > 0 and n_elig_exp[e] == 0:
            out.append(f"{r.entry_ids[e]} kan inte bedömas av någon erfaren examinator utan jäv; "
                       f"varje lag ska ha minst en erfaren")

    # experienced examiners against the number of teams
    n_exp = int(r.experienced.sum())
    if n_exp == 0:
        out.append(f"Det finns ingen erfaren examinator; vart och ett av de {n_e} lagen ska ha minst en")
    else:
        cap_exp = r.capacity(mask=r.experienced)
        if cap_exp < n_e:
            out.append(f"De {n_exp} erfarna examinatorerna räcker till {cap_exp} lag (utan jäv och inom max antal "
                       f"bidrag); {n_e} bidrag behöver minst en erfaren examinator var")

    # per examiner: at least one entry
    for k in np.flatnonzero(elig.sum(axis=0) == 0):
        out.append(f"{r.examiner_ids[k]} kan inte bedöma något bidrag utan jäv; varje examinator ska ha minst ett")
    for k in np.flatnonzero(r.max_load < 1):
        out.append(f"{r.examiner_ids[k]} har max {int(r.max_load[k])} bidrag; varje examinator ska ha minst ett")

    # the conflicts must leave one connected roster
    out += _split_messages(r)

    # every examiner gets an entry, and all of them hang together
    places = n_e * hi
    if places < n_k:
        out.append(f"{_examiners(n_k)} ska ha minst ett bidrag var, men {_entries(n_e)} med högst {hi} i laget "
                   f"ger bara {_places(places)}: alla kan inte få ett bidrag")
    else:
        need_links = n_k + n_e - 1
        total = min(places, r.capacity())
        if total < need_links:
            out.append(f"För att alla {_examiners(n_k)} ska hänga ihop i en grupp (genom gemensamma bidrag) behövs "
                       f"minst {_places(need_links)} ({n_k} examinatorer + {n_e} bidrag − 1); lagen rymmer högst "
                       f"{total}")
    return out


def _names(ids, limit: int = 4) -> str:
    ids = [str(x) for x in ids]
    shown = ", ".join(ids[:limit])
    return shown + (f" och {len(ids) - limit} till" if len(ids) > limit else "")


def _split_messages(r: Roster) -> list[str]:
    """Parts of the roster that no plan can link: examiners and entries with no eligible pair across."""
    pe, pk = np.nonzero(r.eligible)
    K, E = r.n_examiners, r.n_entries
    g = sparse.coo_matrix((np.ones(len(pk)), (pk, K + pe)), shape=(K + E, K + E))
    _, label = csgraph.connected_components(g, directed=False)
    parts = [np.flatnonzero(label[:K] == lab) for lab in dict.fromkeys(label[:K].tolist())]
    parts = [p for p in parts if r.eligible[:, p].any()]  # an examiner with no entry at all is said elsewhere
    if len(parts) < 2:
        return []
    shown = "; ".join(f"{_names(r.examiner_ids[p])} ({len(p)} st.)" for p in parts)
    return [f"Jäven delar examinatorerna i {len(parts)} grupper som inte kan bedöma något gemensamt bidrag "
            f"({shown}); alla ska hänga ihop i en grupp genom gemensamma bidrag"]


def feasibility(entries: pd.DataFrame, examiners: pd.DataFrame, conflicts: pd.DataFrame | None = None,
                team_size=(4, 6)) -> list[str]:
    """The counts checked before searching: one Swedish sentence per rule that cannot be met, [] when they allow a plan.

    Per class and for the whole year: the places needed (entries × the smallest team) against the
    capacity of the examiners who may score them (sum over examiners of min(max_entries, the
    entries they may score)); per entry: fewer examiners without a conflict than the smallest
    team, no experienced one; the experienced examiners' capacity against the number of teams;
    an examiner who can have no entry; more examiners than places (entries × the largest team),
    or too few places to link every examiner into one group (examiners + entries − 1), or
    conflicts that split the roster into parts with no entry in common.
    The counts are necessary, not sufficient: :func:`scoring.plan.plan_teams` can still fail.
    """
    return count_messages(roster(entries, examiners, conflicts, team_size))
