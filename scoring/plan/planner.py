"""The team planner: a plan that keeps every rule and makes the examiner effects as precise as it can.

:func:`plan_teams`:

1. the count checks (:func:`scoring.plan.rules.feasibility`): a roster that cannot be planned
   raises :class:`PlanError` with one Swedish sentence per binding constraint;
2. the least cap on new examiners per team that admits a plan (mixed-integer feasibility,
   :mod:`scoring.plan.milp`);
3. a start from the MILP: as many kept assignments as the rules allow, then as many places as
   the rules allow, ties broken by seeded random costs;
4. connectivity repaired by moves that keep the other rules (:meth:`State.connect`);
5. a seeded local search (:meth:`State.descend`) on the mean standard error of the examiner
   effects, restarted from ``kicks`` random perturbations of the best plan (iterated local
   search: a perturbed plan is kept only when its local optimum is better).

Same inputs and seed give the same plan (no clock decides anything).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .milp import FAMILIES, diagnose, experienced_cover, min_new_cap, pairs_of, solve
from .precision import Precision, _terms, components_or_default
from .rules import PlanError, Roster, count_messages, roster
from .search import State

__all__ = ["N_RANDOM", "Plan", "plan_teams", "random_plan"]

#: How many random plans a plan is compared with.
N_RANDOM = 20


@dataclass
class Plan:
    """A team plan (see :func:`plan_teams`).

    Attributes
    ----------
    assignments : DataFrame entry_id, examiner_id, sorted.
    kept : DataFrame entry_id, examiner_id: the rows of ``keep`` that stayed.
    changes : DataFrame entry_id, examiner_id, change ("tillagd": in the plan, not in keep;
        "borttagen": in keep, not in the plan); empty without keep.
    components : dict, the variance components used.
    mean_se : float, the mean posterior standard error of the examiner effects over all roster examiners.
    random_mean_se : list of float, the same for :data:`N_RANDOM` random plans with the plan's team sizes
        (random plan i: ``random_plan(..., sizes=<the plan's>, seed=(seed, i))``).
    loads : DataFrame examiner_id, experienced, n_entries, max_entries.
    groups : int, connected groups of examiners (1 for a valid plan).
    seed : int.
    new_cap : int, the largest number of new examiners in a team (the least the roster allows).
    """

    assignments: pd.DataFrame
    kept: pd.DataFrame
    changes: pd.DataFrame
    components: dict
    mean_se: float
    random_mean_se: list[float]
    loads: pd.DataFrame
    groups: int
    seed: int
    new_cap: int = 1

    @property
    def sizes(self) -> dict[str, int]:
        """Team size per entry."""
        return self.assignments.groupby("entry_id").size().astype(int).to_dict()


def _frame(r: Roster, X: np.ndarray) -> pd.DataFrame:
    e, k = np.nonzero(X)
    df = pd.DataFrame({"entry_id": r.entry_ids[e].astype(str), "examiner_id": r.examiner_ids[k].astype(str)})
    return df.sort_values(["entry_id", "examiner_id"], kind="stable").reset_index(drop=True)


def _pairs_frame(pairs) -> pd.DataFrame:
    df = pd.DataFrame(sorted(pairs), columns=["entry_id", "examiner_id"])
    return df.astype({"entry_id": str, "examiner_id": str})


def _no_plan(r: Roster) -> PlanError:
    """Why no plan exists although the counts allow one: the rules whose relaxation alone admits a plan."""
    first = "Reglerna går inte att uppfylla samtidigt, fast antalen räcker var för sig"
    found = diagnose(r)
    if not found:
        names = ", ".join(t.format(lo=r.lo, hi=r.hi) for t in FAMILIES.values())
        return PlanError([f"{first}; ingen enskild regel att släppa räcker ({names}, jäv)"])
    out = [f"{first}. Utan någon av de här reglerna skulle en plan finnas: {'; '.join(found)}"]
    if FAMILIES["experienced"] in found:
        cover = experienced_cover(r)
        if cover < r.n_entries:
            out.append(f"Högst {cover} av de {r.n_entries} lagen kan få en erfaren examinator (med jäv och de "
                       f"erfarnas max antal bidrag); varje lag ska ha minst en")
    return PlanError(out)


def _start(r: Roster, cap: int, rng: np.random.Generator, keep: np.ndarray | None) -> np.ndarray:
    pe, pk = pairs_of(r)
    cost = -1.0 - rng.uniform(0.0, 0.1, len(pe))
    if keep is not None:
        cost -= (len(pe) + 1.0) * keep[pe, pk]
    sol = solve(r, cap, cost=cost)
    if sol is None:  # pragma: no cover - cap was found feasible
        raise _no_plan(r)
    X = np.zeros((r.n_entries, r.n_examiners), dtype=bool)
    X[sol] = True
    return X


def _keep_matrix(keep: pd.DataFrame | None, r: Roster) -> tuple[np.ndarray | None, set[tuple[str, str]]]:
    if keep is None:
        return None, set()
    pairs = set(zip(keep["entry_id"].astype(str).str.strip(), keep["examiner_id"].astype(str).str.strip(),
                    strict=True))
    e_of, k_of = r.entry_index(), r.examiner_index()
    M = np.zeros((r.n_entries, r.n_examiners), dtype=bool)
    for e_id, k_id in pairs:
        if e_id in e_of and k_id in k_of:
            M[e_of[e_id], k_of[k_id]] = True
    return M & r.eligible, pairs


def _loads(r: Roster, X: np.ndarray, examiners: pd.DataFrame) -> pd.DataFrame:
    ex = examiners.assign(examiner_id=examiners["examiner_id"].astype(str).str.strip()).set_index("examiner_id")
    raw = pd.to_numeric(ex["max_entries"], errors="coerce") if "max_entries" in ex else pd.Series(np.nan, ex.index)
    raw = raw.reindex(r.examiner_ids)
    return pd.DataFrame({
        "examiner_id": r.examiner_ids.astype(str),
        "experienced": r.experienced,
        "n_entries": X.sum(axis=0).astype(int),
        "max_entries": pd.array(raw.to_numpy(dtype=float, na_value=np.nan), dtype="Float64").round().astype("Int64"),
    })


def _search(state: State, rng: np.random.Generator, kicks: int) -> State:
    """Local search, then ``kicks`` perturb-and-descend restarts from the best plan (kept when better)."""
    state.descend(rng)
    best_X, best_value = state.X.copy(), state.objective
    n_moves = max(3, int(round(0.02 * state.X.sum())))
    for _ in range(kicks):
        touched = state.random_moves(rng, n_moves)
        state.descend(rng, look=touched)
        if state.objective < best_value * (1.0 - 1e-12):
            best_X, best_value = state.X.copy(), state.objective
        else:
            state.X = best_X.copy()
            state.refresh()
    return state


def plan_teams(entries: pd.DataFrame, examiners: pd.DataFrame, conflicts: pd.DataFrame | None = None, *,
               team_size=(4, 6), seed: int = 0, keep: pd.DataFrame | None = None, components: dict | None = None,
               n_criteria: int = 6, kicks: int = 2, n_random: int = N_RANDOM) -> Plan:
    """Plan the examiner teams of a year (see the module and :mod:`scoring.plan.rules` for the rules).

    Parameters
    ----------
    entries : DataFrame entry_id, class, district, administration (and optionally unit_id).
    examiners : DataFrame examiner_id, experienced, administration, district, max_entries (NaN: no limit).
    conflicts : DataFrame examiner_id, entry_id, unit_id, district, reason, or None.
    team_size : (min, max) examiners per entry, inclusive (an int: exactly that many).
    seed : the search's seed; the same inputs and seed give the same plan.
    keep : DataFrame entry_id, examiner_id of an earlier plan, or None. Every kept row that
        still satisfies the rules (the examiner is on the roster, may score the entry, and the
        counts allow it) stays; the rest of the plan is planned around them.
    components : variance components (:data:`scoring.plan.DEFAULT_COMPONENTS` where missing).
    n_criteria : criteria per entry (the precision model's C).
    kicks : perturbation restarts of the local search (more: slower, rarely better).
    n_random : how many random plans the plan is compared with (``random_mean_se``).

    Raises
    ------
    PlanError
        When no plan exists: the :func:`scoring.plan.feasibility` messages, else the rule the
        search could not satisfy.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only stall on a busy machine
        return _plan_teams(entries, examiners, conflicts, team_size=team_size, seed=seed, keep=keep,
                           components=components, n_criteria=n_criteria, kicks=kicks, n_random=n_random)


def _plan_teams(entries, examiners, conflicts, *, team_size, seed, keep, components, n_criteria, kicks,
                n_random) -> Plan:
    r = roster(entries, examiners, conflicts, team_size)
    messages = count_messages(r)
    if messages:
        raise PlanError(messages)
    cap = min_new_cap(r)
    if cap is None:
        raise _no_plan(r)
    comps = components_or_default(components)
    s_b2, tau2 = _terms(comps, n_criteria)
    prec = Precision(r.n_examiners, s_b2, tau2) if s_b2 > 0 else None  # 0: every plan is as precise
    rng = np.random.default_rng(seed)
    keep_M, keep_pairs = _keep_matrix(keep, r)

    X = _start(r, cap, rng, keep_M)
    fixed = keep_M & X if keep_M is not None else None
    state = State(r, X, cap, prec, fixed)
    if not state.connect(rng):
        state.fixed[:] = False  # kept rows stand in the way of one group: let them move
        if not state.connect(rng):
            raise PlanError([f"Examinatorerna går inte att knyta ihop till en grupp genom gemensamma bidrag "
                             f"(planen har {state.groups()} grupper) med lagstorlek {r.lo}-{r.hi}, jäv och "
                             f"max antal bidrag"])
    if prec is not None:
        state = _search(state, rng, kicks)

    assignments = _frame(r, state.X)
    plan_pairs = set(zip(assignments["entry_id"], assignments["examiner_id"], strict=True))
    rows = [(e, k, "tillagd") for e, k in plan_pairs - keep_pairs] if keep is not None else []
    rows += [(e, k, "borttagen") for e, k in keep_pairs - plan_pairs]
    changes = pd.DataFrame(rows, columns=["entry_id", "examiner_id", "change"], dtype=str)
    changes = changes.sort_values(["entry_id", "examiner_id"], kind="stable").reset_index(drop=True)
    sizes = state.X.sum(axis=1)
    random_se = [_mean_se(_random_X(r, sizes, cap, np.random.default_rng((seed, i))), prec)
                 for i in range(n_random)]
    return Plan(
        assignments=assignments,
        kept=_pairs_frame(plan_pairs & keep_pairs),
        changes=changes,
        components=comps,
        mean_se=float(state.objective),
        random_mean_se=random_se,
        loads=_loads(r, state.X, examiners),
        groups=state.groups(),
        seed=seed,
        new_cap=cap,
    )


def _mean_se(X: np.ndarray, prec: Precision | None) -> float:
    if prec is None:
        return 0.0
    S = prec.covariance(X.astype(float))
    return float(np.mean(np.sqrt(np.clip(np.diag(S), 0.0, None))))


def _random_X(r: Roster, sizes: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    """A random plan with the given team sizes: the MILP with seeded random costs, then joined into one group."""
    pe, _ = pairs_of(r)
    sol = solve(r, cap, sizes=np.asarray(sizes), cost=rng.uniform(0.0, 1.0, len(pe)))
    if sol is None:
        raise PlanError([f"Ingen plan med de givna lagstorlekarna uppfyller reglerna (högst {cap} nya per lag)"])
    X = np.zeros((r.n_entries, r.n_examiners), dtype=bool)
    X[sol] = True
    state = State(r, X, cap, None, fixed_sizes=True)
    if not state.connect(rng):
        raise PlanError([f"En slumpad plan med de givna lagstorlekarna gick inte att knyta ihop till en grupp "
                         f"({state.groups()} grupper)"])
    return state.X


def random_plan(entries: pd.DataFrame, examiners: pd.DataFrame, conflicts: pd.DataFrame | None = None,
                sizes: dict[str, int] | int | None = None, seed=0) -> pd.DataFrame:
    """One random plan that keeps the rules, with the given team size for every entry (for comparison).

    ``sizes`` maps entry_id to team size (an int: the same for every entry; None: 4). The plan
    is the optimum of the MILP of :mod:`scoring.plan.milp` under seeded random costs, joined into
    one group by random moves that keep the sizes; nothing in it looks at precision. ``seed``
    is anything :func:`numpy.random.default_rng` takes. Raises :class:`PlanError` when no plan
    has these sizes. Returns DataFrame entry_id, examiner_id, sorted.
    """
    ids = sorted(str(x).strip() for x in entries["entry_id"])
    if sizes is None or isinstance(sizes, int | np.integer):
        size_of = dict.fromkeys(ids, 4 if sizes is None else int(sizes))
    else:
        size_of = {str(k).strip(): int(v) for k, v in sizes.items()}
        missing = [e for e in ids if e not in size_of]
        if missing:
            raise ValueError(f"sizes has no team size for {', '.join(missing[:5])}")
    arr = np.array([size_of[e] for e in ids])
    lo, hi = (int(arr.min()), int(arr.max())) if len(arr) else (1, 1)
    r = roster(entries, examiners, conflicts, (lo, hi))
    messages = count_messages(r)
    if messages:
        raise PlanError(messages)
    with threadpool_limits(limits=1, user_api="blas"):
        cap = min_new_cap(r, arr)
        if cap is None:
            raise PlanError(["Ingen plan med de givna lagstorlekarna uppfyller reglerna"])
        return _frame(r, _random_X(r, arr, cap, np.random.default_rng(seed)))
