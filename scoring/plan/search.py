"""The seeded local search: moves that keep every rule, judged by the examiners' mean standard error.

A :class:`State` holds a plan as an entries x examiners bool matrix with its counts (team
sizes, loads, experienced and new examiners per team) and the posterior covariance of the
examiner effects (:mod:`scoring.plan.precision`). Four kinds of move keep rules 1-4 by
construction (their candidates are filtered by the counts):

* **add** examiner b to entry e (a team below the largest size): never loses precision;
* **replace** a by b on entry e (a keeps another entry);
* **relocate** examiner a from entry e1 to entry e2 (team sizes within the bounds);
* **exchange** a on e1 with b on e2 (sizes and loads unchanged).

Each candidate changes the precision matrix by a term of rank 3-4, so the standard errors
after it come from one batched Woodbury update of the current covariance. A move is applied
only if the plan stays one connected group (checked on the examiner-entry graph). Pairs
marked ``fixed`` (kept assignments) are never moved.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from .precision import Precision
from .rules import Roster

_TOL = 1e-9  # a move must lower the mean se by more than this (relative) to count
ADD, REPLACE, RELOCATE, EXCHANGE = range(4)
_NONE = np.zeros((0, 5), dtype=int)


def count_groups(X: np.ndarray) -> int:
    """Connected groups of examiners (columns) linked through shared entries (rows); an examiner without one is alone.

    Breadth-first on the bool matrix (the same count as :func:`scoring.plan.rules.n_groups`).
    """
    K = X.shape[1]
    Xf = X.astype(float)
    seen = np.zeros(K, dtype=bool)
    groups = 0
    while not seen.all():
        reach = np.zeros(K, dtype=bool)
        reach[int(np.argmin(seen))] = True
        while True:
            more = (Xf.T @ (Xf @ reach > 0)) > 0
            more |= reach
            if np.array_equal(more, reach):
                break
            reach = more
        seen |= reach
        groups += 1
    return groups


class State:
    """A plan under construction (see the module)."""

    def __init__(self, r: Roster, X: np.ndarray, cap: int, prec: Precision | None,
                 fixed: np.ndarray | None = None, fixed_sizes: bool = False):
        self.r = r
        self.fixed_sizes = fixed_sizes  # True: no add or relocate (random plans keep their team sizes)
        self.X = X.copy()
        self.cap = cap
        self.prec = prec
        self.fixed = np.zeros_like(self.X) if fixed is None else fixed & self.X
        self.elig = r.eligible
        self.exp = r.experienced
        self.new = ~r.experienced
        self.max_load = r.max_load
        self.refresh()

    # ------------------------------------------------------------------ bookkeeping

    def refresh(self) -> None:
        X = self.X
        self.size = X.sum(axis=1)
        self.load = X.sum(axis=0)
        self.n_exp = X[:, self.exp].sum(axis=1)
        self.n_new = X[:, self.new].sum(axis=1)
        if self.prec is not None:
            self.S = self.prec.covariance(X.astype(float))
            self.Xf = X.astype(float)
            self.objective = float(np.mean(np.sqrt(np.clip(np.diag(self.S), 0.0, None))))
        else:
            self.objective = 0.0

    def groups(self) -> int:
        return count_groups(self.X)

    def groups_after(self, removes, adds) -> int:
        X = self.X.copy()
        for e, k in removes:
            X[e, k] = False
        for e, k in adds:
            X[e, k] = True
        return count_groups(X)

    def apply(self, removes, adds) -> None:
        for e, k in removes:
            self.X[e, k] = False
        for e, k in adds:
            self.X[e, k] = True
        self.refresh()

    def movable(self) -> np.ndarray:
        """(N, 2) assigned pairs that may move, entry-major."""
        return np.argwhere(self.X & ~self.fixed)

    # ------------------------------------------------------------------ candidates
    #
    # Candidate moves are rows [kind, e1, a, e2, b] (-1 where unused): ADD b onto e1; REPLACE a
    # by b on e1; RELOCATE a from e1 to e2; EXCHANGE a on e1 with b on e2.

    def _rows(self, kind: int, e1, a, e2, b) -> np.ndarray:
        n = max(np.size(x) for x in (e1, a, e2, b))
        out = np.empty((n, 5), dtype=int)
        out[:, 0] = kind
        for j, x in enumerate((e1, a, e2, b), start=1):
            out[:, j] = x
        return out

    def adds(self) -> np.ndarray:
        if self.fixed_sizes:
            return _NONE
        ok = self.elig & ~self.X & (self.size < self.r.hi)[:, None] & (self.load < self.max_load)[None, :]
        ok &= ~(self.new[None, :] & (self.n_new + 1 > self.cap)[:, None])
        eb = np.argwhere(ok)
        return self._rows(ADD, eb[:, 0], -1, -1, eb[:, 1]) if len(eb) else _NONE

    def replaces(self, e: int, a: int) -> np.ndarray:
        if self.load[a] < 2:
            return _NONE
        ok = self.elig[e] & ~self.X[e] & (self.load < self.max_load)
        if self.exp[a] and self.n_exp[e] == 1:
            ok &= self.exp
        if self.exp[a] and self.n_new[e] + 1 > self.cap:
            ok &= self.exp
        b = np.flatnonzero(ok)
        return self._rows(REPLACE, e, a, -1, b) if len(b) else _NONE

    def relocates(self, e: int, a: int) -> np.ndarray:
        if self.fixed_sizes or self.size[e] <= self.r.lo or (self.exp[a] and self.n_exp[e] < 2):
            return _NONE
        ok = self.elig[:, a] & ~self.X[:, a] & (self.size < self.r.hi)
        if self.new[a]:
            ok &= self.n_new + 1 <= self.cap
        e2 = np.flatnonzero(ok)
        return self._rows(RELOCATE, e, a, e2, -1) if len(e2) else _NONE

    def exchanges(self, e: int, a: int) -> np.ndarray:
        X = self.X
        ok = X & ~self.fixed & self.elig[e][None, :] & ~X[e][None, :] & (self.elig[:, a] & ~X[:, a])[:, None]
        ok[e, :] = False
        exp_a, new_a = int(self.exp[a]), int(self.new[a])
        exp_b, new_b = self.exp.astype(int)[None, :], self.new.astype(int)[None, :]
        ok &= (self.n_exp[e] - exp_a + exp_b) >= 1
        ok &= (self.n_exp[:, None] - exp_b + exp_a) >= 1
        ok &= (self.n_new[e] - new_a + new_b) <= self.cap
        ok &= (self.n_new[:, None] - new_b + new_a) <= self.cap
        eb = np.argwhere(ok)
        return self._rows(EXCHANGE, e, a, eb[:, 0], eb[:, 1]) if len(eb) else _NONE

    def moves_of(self, e: int, a: int) -> np.ndarray:
        """Every valid replace, relocate and exchange of examiner a's place on entry e."""
        return np.concatenate([self.replaces(e, a), self.relocates(e, a), self.exchanges(e, a)])

    @staticmethod
    def pairs(row) -> tuple[tuple, tuple]:
        """(removed pairs, added pairs) of one move."""
        kind, e1, a, e2, b = (int(x) for x in row)
        if kind == ADD:
            return (), ((e1, b),)
        if kind == REPLACE:
            return ((e1, a),), ((e1, b),)
        if kind == RELOCATE:
            return ((e1, a),), ((e2, a),)
        return ((e1, a), (e2, b)), ((e1, b), (e2, a))

    # ------------------------------------------------------------------ evaluation

    def values(self, rows: np.ndarray) -> np.ndarray:
        """Mean se after each move (one batched Woodbury update of the covariance)."""
        if not len(rows):
            return np.zeros(0)
        Ut, d = self._low_rank(rows)
        diag = self.prec.diag_after(self.S, Ut, d)
        return np.mean(np.sqrt(np.clip(diag, 0.0, None)), axis=1)

    def _low_rank(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """U' (N, 4, K) and d (N, 4): each move changes the precision matrix by U diag(d) U'.

        An entry's team T of n contributes (diag(1_T) - 1_T 1_T' / n) / tau^2; a move's change is
        the after-minus-before of the entries it touches (columns: after, before per entry) and,
        where an examiner's number of entries changes, the diagonal term (unit vectors).
        """
        N, K = len(rows), self.r.n_examiners
        kind, e1, a, e2, b = rows.T
        Xf = self.Xf
        Ut = np.zeros((N, 4, K))
        d = np.ones((N, 4))
        add, rep, rel, exc = (kind == ADD), (kind == REPLACE), (kind == RELOCATE), (kind == EXCHANGE)
        two = rel | exc
        Ut[:, 0:2, :] = Xf[e1][:, None, :]
        Ut[two, 2:4, :] = Xf[e2[two]][:, None, :]
        ar = np.arange(N)
        for c, k, sign, m in ((0, b, 1.0, add | rep | exc), (2, b, 1.0, add), (0, a, -1.0, rep | two),
                              (2, a, 1.0, rep | two), (3, b, 1.0, rep), (2, b, -1.0, exc)):
            Ut[ar[m], c, k[m]] += sign
        n1 = self.size[e1].astype(float)
        n2 = np.where(two, self.size[np.where(two, e2, 0)], 1).astype(float)
        # d: after (-1/n), before (+1/n) per entry; the diagonal terms (+-1) of add and replace
        d[:, 0] = -1.0 / np.where(add, n1 + 1, np.where(rel, np.maximum(n1 - 1, 1), n1))
        d[:, 1] = 1.0 / np.maximum(n1, 1)
        d[:, 2] = np.where(two, -1.0 / np.where(rel, n2 + 1, n2), np.where(rep, -1.0, 1.0))
        d[:, 3] = np.where(two, 1.0 / n2, 1.0)
        return Ut, d / self.prec.tau2

    # ------------------------------------------------------------------ steps

    def best_of(self, rows: np.ndarray, *, connect: bool = True) -> bool:
        """Apply the best move of ``rows`` that lowers the mean se and keeps one group; True if one was."""
        if not len(rows):
            return False
        vals = self.values(rows)
        limit = self.objective * (1.0 - _TOL)
        groups = None
        for i in np.argsort(vals, kind="stable"):
            if not vals[i] < limit:
                return False
            rem, add = self.pairs(rows[i])
            if connect and rem:
                groups = self.groups() if groups is None else groups
                if self.groups_after(rem, add) > groups:
                    continue
            self.apply(rem, add)
            return True
        return False

    def fill(self) -> int:
        """Add examiners to teams while a valid add exists (each one the best), in place; the number added."""
        n = 0
        while self.best_of(self.adds(), connect=False):
            n += 1
        return n

    def descend(self, rng: np.random.Generator, max_rounds: int = 50, look: np.ndarray | None = None) -> None:
        """Local search to a local optimum: rounds over the movable pairs in seeded random order.

        Don't-look marks: after the first round a pair is looked at again only when a move since
        its last look touched its entry or its examiner (any entry or examiner of the move).
        ``look``: the pairs to look at first (all when None).
        """
        look = np.ones_like(self.X) if look is None else look.copy()
        for _ in range(max_rounds):
            before = self.X.copy()
            self.fill()
            look |= self._touched(before)
            pairs = np.argwhere(self.X & ~self.fixed & look)
            if not len(pairs):
                return
            look[:] = False
            for i in rng.permutation(len(pairs)):
                e, a = (int(x) for x in pairs[i])
                if not self.X[e, a] or self.fixed[e, a]:
                    continue
                X0 = self.X.copy()
                if self.best_of(self.moves_of(e, a)):
                    look |= self._touched(X0)
                else:
                    look[e, a] = False

    def _touched(self, before: np.ndarray) -> np.ndarray:
        """Pairs whose entry or examiner differs between ``before`` and the plan now."""
        diff = before != self.X
        return diff.any(axis=1)[:, None] | diff.any(axis=0)[None, :]

    # ------------------------------------------------------------------ one group

    def connect(self, rng: np.random.Generator) -> bool:
        """Join the groups by moves that keep rules 1-4 (seeded order); True when the plan is one group.

        Each step applies the first move (adds first, the rest in seeded random order) that adds
        a link between two groups and lowers the number of groups.
        """
        groups = self.groups()
        K = self.r.n_examiners
        while groups > 1:
            label = self._labels()
            pairs = self.movable()
            rows = np.concatenate([self.moves_of(int(e), int(a)) for e, a in pairs] + [_NONE])
            rows = rows[rng.permutation(len(rows))]
            rows = np.concatenate([self.adds(), rows])
            kind, e1, a, e2, b = rows.T
            # the links a move adds: (e1, b) for add, replace, exchange; (e2, a) for relocate, exchange
            joins = np.zeros(len(rows), dtype=bool)
            has_b = kind != RELOCATE
            joins[has_b] = label[K + e1[has_b]] != label[b[has_b]]
            has_a = (kind == RELOCATE) | (kind == EXCHANGE)
            joins[has_a] |= label[K + e2[has_a]] != label[a[has_a]]
            for row in rows[joins]:
                rem, add = self.pairs(row)
                g = self.groups_after(rem, add)
                if g < groups:
                    self.apply(rem, add)
                    groups = g
                    break
            else:
                return False
        return True

    def _labels(self) -> np.ndarray:
        K, E = self.r.n_examiners, self.r.n_entries
        pe, pk = np.nonzero(self.X)
        g = sparse.coo_matrix((np.ones(len(pk)), (pk, K + pe)), shape=(K + E, K + E))
        return csgraph.connected_components(g, directed=False)[1]

    # ------------------------------------------------------------------ kicks

    def random_moves(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Apply up to n random valid moves that keep one group (for perturbation); the pairs they touched."""
        before = self.X.copy()
        done = 0
        for _ in range(4 * n):
            if done >= n:
                break
            pairs = self.movable()
            if not len(pairs):
                break
            e, a = (int(x) for x in pairs[rng.integers(len(pairs))])
            rows = self.moves_of(e, a)
            if not len(rows):
                continue
            rem, add = self.pairs(rows[rng.integers(len(rows))])
            if self.groups_after(rem, add) > 1:
                continue
            for e2, k in rem:
                self.X[e2, k] = False
            for e2, k in add:
                self.X[e2, k] = True
            self._counts_only()
            done += 1
        self.refresh()
        return self._touched(before)

    def _counts_only(self) -> None:
        X = self.X
        self.size = X.sum(axis=1)
        self.load = X.sum(axis=0)
        self.n_exp = X[:, self.exp].sum(axis=1)
        self.n_new = X[:, self.new].sum(axis=1)
