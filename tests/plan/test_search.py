"""The local search's building blocks: the Woodbury what-ifs, the moves' rule filters, the group count."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.plan.check import violations
from scoring.plan.milp import min_new_cap, solve
from scoring.plan.precision import Precision, _terms
from scoring.plan.rules import n_groups, roster
from scoring.plan.search import State, count_groups
from scoring.plan.synthetic import synthetic_roster


def _state(seed: int, **kw) -> State:
    entries, examiners, conflicts = synthetic_roster(seed, **kw)
    r = roster(entries, examiners, conflicts)
    cap = min_new_cap(r)
    pe, pk = solve(r, cap, cost=np.random.default_rng(seed).uniform(-0.5, 0.5, int(r.eligible.sum())))
    X = np.zeros(r.eligible.shape, dtype=bool)
    X[pe, pk] = True
    s_b2, tau2 = _terms(None, 6)
    return State(r, X, cap, Precision(r.n_examiners, s_b2, tau2))


def _direct(state: State, row) -> float:
    rem, add = state.pairs(row)
    X = state.X.copy()
    for e, k in rem:
        X[e, k] = False
    for e, k in add:
        X[e, k] = True
    S = state.prec.covariance(X.astype(float))
    return float(np.mean(np.sqrt(np.diag(S))))


@pytest.mark.parametrize("seed", [3, 8, 12])
def test_batched_what_ifs_equal_recomputing(seed):
    state = _state(seed, n_examiners=20, n_entries=12, limited_share=0.5, places_per_entry=5.5)
    rows = [state.adds()]
    for e, a in state.movable()[::3]:
        rows.append(state.moves_of(int(e), int(a)))
    rows = np.concatenate(rows)
    kinds = set(rows[:, 0].tolist())
    assert kinds == {0, 1, 2, 3}, kinds  # every kind of move is exercised
    got = state.values(rows)
    want = np.array([_direct(state, row) for row in rows])
    np.testing.assert_allclose(got, want, rtol=1e-11)


@pytest.mark.parametrize("seed", [1, 5])
def test_every_candidate_move_keeps_rules_1_to_4(seed):
    state = _state(seed, n_examiners=18, n_entries=10, limited_share=1.0, places_per_entry=5.0)
    r = state.r
    assert violations(state.X, r, new_cap=state.cap) == [] or state.groups() > 1
    rows = [state.adds()] + [state.moves_of(int(e), int(a)) for e, a in state.movable()]
    for row in np.concatenate(rows):
        rem, add = state.pairs(row)
        X = state.X.copy()
        for e, k in rem:
            X[e, k] = False
        for e, k in add:
            X[e, k] = True
        found = [v for v in violations(X, r, new_cap=state.cap) if "grupp" not in v]
        assert found == [], (row.tolist(), found)


def test_the_group_count_agrees_with_the_graph():
    rng = np.random.default_rng(7)
    for _ in range(50):
        X = rng.random((int(rng.integers(3, 9)), int(rng.integers(3, 12)))) < rng.uniform(0.05, 0.4)
        pe, pk = np.nonzero(X)
        assert count_groups(X) == n_groups(X.shape[1], X.shape[0], pe, pk)


def test_fixed_pairs_never_move():
    state = _state(4, n_examiners=16, n_entries=10)
    fixed = np.zeros_like(state.X)
    fixed[np.nonzero(state.X)[0][:8], np.nonzero(state.X)[1][:8]] = True
    state.fixed = fixed & state.X
    state.connect(np.random.default_rng(0))
    state.descend(np.random.default_rng(0))
    assert (state.X[fixed]).all()
