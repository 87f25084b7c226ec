"""Plans that satisfy the count rules, found by linear and mixed-integer programming (scipy's HiGHS).

One binary variable per pair an examiner may score; constraints: team sizes, every examiner
between 1 and max_entries entries, an experienced examiner per team, at most ``new_cap`` new
examiners per team. Connectivity (one group) is not a linear constraint here: the search
repairs it (:mod:`scoring.plan.search`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from .rules import Roster

#: HiGHS limits: deterministic ones (nodes), and a wall-clock guard far above what the rosters need.
_OPTIONS = {"node_limit": 20_000, "time_limit": 60.0, "presolve": True}


def pairs_of(r: Roster) -> tuple[np.ndarray, np.ndarray]:
    """The eligible pairs (entry index, examiner index), entry-major."""
    pe, pk = np.nonzero(r.eligible)
    return pe, pk


def solve(r: Roster, new_cap: int | None, *, sizes: np.ndarray | None = None, cost: np.ndarray | None = None,
          drop: frozenset = frozenset(), options: dict | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """A plan as (entry indices, examiner indices) minimising ``cost`` (per eligible pair), or None if none exists.

    ``sizes`` (E,) fixes each team's size (else ``r.lo``-``r.hi``); ``new_cap`` caps the new
    examiners per team (None: no cap); ``drop`` leaves rule families out (see :data:`FAMILIES`).
    """
    pe, pk = pairs_of(r)
    n = len(pe)
    if n == 0:
        return None
    E, K = r.n_entries, r.n_examiners
    cols = np.arange(n)

    def rows(index, mask, n_rows):
        return sparse.csr_matrix((np.ones(int(mask.sum())), (index[mask], cols[mask])), shape=(n_rows, n))

    everyone = np.ones(n, dtype=bool)
    exp = r.experienced[pk]
    cons = []
    if "size" not in drop:
        lo = np.full(E, r.lo) if sizes is None else np.asarray(sizes)
        hi = np.full(E, r.hi) if sizes is None else np.asarray(sizes)
        cons.append(LinearConstraint(rows(pe, everyone, E), lo, hi))
    load_lo = np.zeros(K) if "one_each" in drop else np.ones(K)
    load_hi = np.full(K, np.inf) if "max_entries" in drop else r.max_load.astype(float)
    cons.append(LinearConstraint(rows(pk, everyone, K), load_lo, load_hi))
    if "experienced" not in drop:
        cons.append(LinearConstraint(rows(pe, exp, E), 1, np.inf))
    if new_cap is not None and (~exp).any():
        cons.append(LinearConstraint(rows(pe, ~exp, E), -np.inf, new_cap))
    c = np.zeros(n) if cost is None else np.asarray(cost, dtype=float)
    feasible, x = _vertex(c, cons)
    if not feasible:
        return None
    if x is None:
        res = milp(c, integrality=np.ones(n), bounds=Bounds(0, 1), constraints=cons,
                   options={**_OPTIONS, **(options or {})})
        if res.x is None:
            return None
        x = np.round(res.x).astype(bool)
    return pe[x], pk[x]


def _vertex(c: np.ndarray, cons: list[LinearConstraint]) -> tuple[bool, np.ndarray | None]:
    """(feasible, the LP relaxation's optimal vertex as bool when it is integral, else None).

    Every column has a 1 in its entry's rows (all, experienced or new: a laminar family) and in
    its examiner's row (a partition): the union of two laminar families is totally unimodular,
    so the LP's vertices are integral and the dual simplex (HiGHS) returns an integral plan,
    about three times faster than branch and bound. An infeasible LP means no plan; anything
    else falls back to :func:`scipy.optimize.milp`.
    """
    blocks, bounds = [], []
    for con in cons:
        A = sparse.csr_matrix(con.A)
        lo = np.broadcast_to(np.asarray(con.lb, dtype=float), (A.shape[0],))
        hi = np.broadcast_to(np.asarray(con.ub, dtype=float), (A.shape[0],))
        if np.isfinite(hi).any():
            keep = np.isfinite(hi)
            blocks.append(A[keep])
            bounds.append(hi[keep])
        if np.isfinite(lo).any():
            keep = np.isfinite(lo)
            blocks.append(-A[keep])
            bounds.append(-lo[keep])
    res = linprog(c, A_ub=sparse.vstack(blocks).tocsr(), b_ub=np.concatenate(bounds), bounds=(0, 1),
                  method="highs-ds")
    if res.status == 2:  # infeasible: by total unimodularity no integral plan either
        return False, None
    if res.status != 0 or res.x is None or np.abs(res.x - np.round(res.x)).max() > 1e-6:
        return True, None  # pragma: no cover - let branch and bound decide
    return True, np.round(res.x).astype(bool)


def new_cap_bound(r: Roster) -> int:
    """The least possible largest number of new examiners in a team by the counts: max(1, ceil(new / entries))."""
    n_new = int(r.new.sum())
    return max(1, math.ceil(n_new / max(r.n_entries, 1)))


def min_new_cap(r: Roster, sizes: np.ndarray | None = None) -> int | None:
    """The smallest cap on new examiners per team that admits a plan (connectivity aside); None if none does."""
    for cap in range(new_cap_bound(r), max(r.hi, new_cap_bound(r)) + 1):
        if solve(r, cap, sizes=sizes) is not None:
            return cap
    return None


#: The rule families, in the order they are relaxed to find the binding one, and their Swedish names.
FAMILIES = {
    "size": "lagstorleken ({lo}-{hi} examinatorer per bidrag)",
    "max_entries": "examinatorernas max antal bidrag",
    "experienced": "minst en erfaren examinator per lag",
    "one_each": "minst ett bidrag per examinator",
}


def diagnose(r: Roster) -> list[str]:
    """The rules whose relaxation alone admits a plan (Swedish), when no plan exists at all."""
    found = []
    for fam, text in FAMILIES.items():
        if solve(r, None, drop=frozenset({fam})) is not None:
            found.append(text.format(lo=r.lo, hi=r.hi))
    return found


def experienced_cover(r: Roster) -> int:
    """The most teams that can have an experienced examiner (eligibility and max_entries; a b-matching, by LP)."""
    pe, pk = np.nonzero(r.eligible[:, r.experienced])
    if not len(pe):
        return 0
    n = len(pe)
    cols = np.arange(n)
    n_exp = int(r.experienced.sum())
    A = sparse.vstack([sparse.csr_matrix((np.ones(n), (pe, cols)), shape=(r.n_entries, n)),
                       sparse.csr_matrix((np.ones(n), (pk, cols)), shape=(n_exp, n))]).tocsr()
    b = np.concatenate([np.ones(r.n_entries), r.max_load[r.experienced].astype(float)])
    res = linprog(-np.ones(n), A_ub=A, b_ub=b, bounds=(0, 1), method="highs-ds")
    return int(round(-res.fun)) if res.status == 0 else 0
