"""Every rule a plan breaks, in Swedish sentences that name the entry and the examiner."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .milp import min_new_cap, new_cap_bound
from .rules import OK, Roster, n_groups, reason_text, roster

__all__ = ["check_plan"]


def _matrix(assignments: pd.DataFrame, r: Roster) -> tuple[np.ndarray, list[str]]:
    """The plan as an entries x examiners bool matrix, and messages for rows it cannot place."""
    out: list[str] = []
    X = np.zeros((r.n_entries, r.n_examiners), dtype=bool)
    e_of, k_of = r.entry_index(), r.examiner_index()
    seen: set[tuple[str, str]] = set()
    if assignments is None or not len(assignments):
        return X, out
    for e_id, k_id in zip(assignments["entry_id"].astype(str).str.strip(),
                          assignments["examiner_id"].astype(str).str.strip(), strict=True):
        if (e_id, k_id) in seen:
            out.append(f"{k_id} står mer än en gång i laget för {e_id}")
            continue
        seen.add((e_id, k_id))
        e, k = e_of.get(e_id), k_of.get(k_id)
        if e is None:
            out.append(f"{e_id} (med {k_id} i laget) finns inte bland årets bidrag")
        elif k is None:
            out.append(f"{k_id} (i laget för {e_id}) finns inte bland examinatorerna")
        else:
            X[e, k] = True
    return X, out


def violations(X: np.ndarray, r: Roster, *, new_cap: int | None = None) -> list[str]:
    """The rules the plan X (entries x examiners) breaks; ``new_cap``, when known, is the least possible cap."""
    out: list[str] = []
    ents, exs = r.entry_ids, r.examiner_ids
    size = X.sum(axis=1)
    # 1. team sizes
    for e in np.flatnonzero((size < r.lo) | (size > r.hi)):
        span = f"{r.lo}" if r.lo == r.hi else f"mellan {r.lo} och {r.hi}"
        have = "inget lag" if size[e] == 0 else f"ett lag på {size[e]} examinator" + ("er" if size[e] != 1 else "")
        out.append(f"{ents[e]} har {have}; laget ska ha {span} examinatorer")
    # 2. own administration or district, declared conflicts
    for e, k in np.argwhere(X & (r.reason != OK)):
        out.append(f"{exs[k]} bedömer {ents[e]} men {reason_text(r, e, k)}")
    # 3. max_entries
    load = X.sum(axis=0)
    for k in np.flatnonzero(r.limited & (load > r.max_load)):
        out.append(f"{exs[k]} har {load[k]} bidrag men högst {r.max_load[k]}")
    # 4. an experienced examiner per team, new examiners spread out
    n_exp = X[:, r.experienced].sum(axis=1)
    for e in np.flatnonzero((n_exp == 0) & (size > 0)):
        out.append(f"{ents[e]} har ingen erfaren examinator i laget; varje lag ska ha minst en")
    n_new = X[:, r.new].sum(axis=1)
    worst = int(n_new.max()) if len(n_new) else 0
    if worst > new_cap_bound(r):
        cap = new_cap if new_cap is not None else min_new_cap(r)
        if cap is not None and worst > cap:
            for e in np.flatnonzero(n_new > cap):
                out.append(f"{ents[e]} har {n_new[e]} nya examinatorer i laget; de nya går att sprida så att "
                           f"varje lag har högst {cap}")
    # 5. every examiner an entry, one group
    for k in np.flatnonzero(load == 0):
        out.append(f"{exs[k]} har inget bidrag; varje examinator ska ha minst ett")
    active = np.flatnonzero(load > 0)
    if len(active) > 1:
        pe, pk = np.nonzero(X[:, active])
        g = n_groups(len(active), r.n_entries, pe, pk)
        if g > 1:
            out.append(f"Examinatorerna med bidrag bildar {g} grupper som inte delar något bidrag med varandra; "
                       f"alla ska hänga ihop i en grupp (genom gemensamma bidrag)")
    return out


def checks_made(X: np.ndarray, r: Roster) -> dict[str, int]:
    """How many checks :func:`violations` makes on a plan, per rule (for the benchmark's report).

    1: one per entry (team size); 2: one per assignment (administration, district, conflicts);
    3: one per examiner (max_entries); 4: two per entry (an experienced examiner, the new ones);
    5: one per examiner (an entry) and one for the whole plan (one group).
    """
    n_pairs = int(X.sum())
    return {"1 lagstorlek": r.n_entries, "2 jäv": n_pairs, "3 max antal bidrag": r.n_examiners,
            "4 erfarna och nya": 2 * r.n_entries, "5 minst ett bidrag, en grupp": r.n_examiners + 1}


def check_plan(assignments: pd.DataFrame, entries: pd.DataFrame, examiners: pd.DataFrame,
               conflicts: pd.DataFrame | None = None, team_size=(4, 6)) -> list[str]:
    """Every rule the plan breaks (Swedish sentences naming the entry and the examiner); [] for a valid plan.

    The rules are those of :mod:`scoring.plan.rules`. Rule 4's spreading of new examiners is
    judged against the least possible largest number of new examiners in a team: the counts'
    bound max(1, ceil(new examiners / entries)) or, when the plan has more, the least cap under
    which the other rules (connectivity aside) still admit a plan.
    """
    r = roster(entries, examiners, conflicts, team_size)
    X, out = _matrix(assignments, r)
    return out + violations(X, r)
