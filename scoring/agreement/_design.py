"""The two-way layout of a targets x raters design, complete or not, and its sums of squares.

Private to :mod:`scoring.agreement.icc`: the counts per target, rater and cell, computed once
per data set (sparse, so 100,000 targets cost no dense matrix), and the mean squares the
ICC estimators and their intervals are built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from ._coding import _error, _extract


def dot(a: np.ndarray, b: np.ndarray) -> np.float64:
    """Single-threaded dot product of two 1-D arrays (BLAS threads stall on a busy machine).

    ``a @ b`` on long vectors goes through multithreaded OpenBLAS, which waits several ms
    for a second thread when the cores are busy; ``einsum`` sums in NumPy's own loop.
    """
    return np.einsum("i,i->", a, b)


@dataclass(frozen=True)
class Design:
    """Sufficient statistics of a crossed target x rater design.

    Ratings are centred on their mean (every estimator here is location invariant; this
    only avoids cancellation in the uncorrected sums). Shapes: per rating ``(M,)``:
    ``u`` target code, ``v`` rater code, ``y``, ``key`` = u r + v; per target ``(n,)``:
    ``m_i`` count, ``y_i`` sum; per rater ``(r,)``: ``m_j``, ``y_j``; per non-empty cell
    ``(L,)`` (``n_cells`` of them): ``cells`` sorted keys, ``m_ij`` count, and ``ci``,
    ``cj`` target and rater code, ``y_ij`` sum (all built on first use; a complete
    design's cells are its ratings, so it stores none). ``u`` is built on first use too
    when the ratings come target by target (``_u_starts``: where each target's start).
    ``constant``: all ratings are equal.
    """

    _u: np.ndarray | None  # None: from ``_u_starts``
    v: np.ndarray
    y: np.ndarray
    m_i: np.ndarray
    y_i: np.ndarray
    m_j: np.ndarray
    y_j: np.ndarray
    n_cells: int
    constant: bool
    _cell_keys: np.ndarray | None = None  # sorted keys of the non-empty cells (None: complete)
    _cell_counts: np.ndarray | None = None  # ratings per non-empty cell (None: complete)
    _u_starts: np.ndarray | None = None  # (n + 1,) start of each target's ratings, and the end

    @cached_property
    def u(self) -> np.ndarray:
        if self._u is not None:
            return self._u
        return np.repeat(np.arange(self.n), np.diff(self._u_starts))

    n = property(lambda self: len(self.m_i))
    r = property(lambda self: len(self.m_j))
    M = property(lambda self: len(self.y))

    @cached_property
    def key(self) -> np.ndarray:
        return np.multiply(self.u, self.r, dtype=np.int64) + self.v

    @cached_property
    def cells(self) -> np.ndarray:
        return np.arange(self.M) if self._cell_keys is None else self._cell_keys

    @cached_property
    def m_ij(self) -> np.ndarray:
        return np.ones(self.M) if self._cell_counts is None else self._cell_counts

    @property
    def complete(self) -> bool:
        """Every target rated exactly once by every rater."""
        return self.n_cells == self.n * self.r == self.M

    @property
    def replicates(self) -> bool:
        """Some rater rated some target more than once."""
        return self.M > self.n_cells

    @cached_property
    def ci(self) -> np.ndarray:
        return self.cells // self.r

    @cached_property
    def cj(self) -> np.ndarray:
        return self.cells % self.r

    @cached_property
    def y_ij(self) -> np.ndarray:
        return np.bincount(np.searchsorted(self.cells, self.key), self.y, minlength=self.n_cells)

    @cached_property
    def Ty(self) -> float:
        return np.float64(self.y.sum())

    @cached_property
    def T2y(self) -> float:
        return dot(self.y, self.y)

    @cached_property
    def T2s(self) -> float:
        return dot(self.y_i, self.y_i / self.m_i)

    @cached_property
    def T2r(self) -> float:
        return dot(self.y_j, self.y_j / self.m_j)

    @cached_property
    def T2sr(self) -> float:
        return dot(self.y_ij, self.y_ij / self.m_ij)

    @cached_property
    def k3(self) -> float:
        """sum_ij m_ij^2 / m_i. (= n without replicates)."""
        if not self.replicates:
            return np.float64(self.n)
        return dot(self.m_ij, self.m_ij / self.m_i[self.ci])

    @cached_property
    def k4(self) -> float:
        """sum_ij m_ij^2 / m_.j (= r without replicates)."""
        if not self.replicates:
            return np.float64(self.r)
        return dot(self.m_ij, self.m_ij / self.m_j[self.cj])

    @cached_property
    def k5(self) -> float:
        """sum_ij m_ij^2 (= M without replicates)."""
        if self._cell_counts is None:  # complete: every m_ij is 1
            return np.float64(self.M)
        return dot(self.m_ij, self.m_ij)

    @cached_property
    def adjusted(self) -> tuple:
        """``rater_adjusted(self, with_f=False)``, computed once for Models 2 and 3."""
        return rater_adjusted(self, with_f=False)

    @cached_property
    def adjusted_f(self) -> tuple:
        """``rater_adjusted(self, with_f=True)`` (with k*), computed once."""
        return rater_adjusted(self, with_f=True)


def design(u: np.ndarray | None, v: np.ndarray, y: np.ndarray, *, own_y: bool = False,
           starts: np.ndarray | None = None) -> Design:
    """Build :class:`Design` from 0-based codes ``u``, ``v`` and ratings ``y``, all (M,).

    ``own_y``: ``y`` is a float array of the caller's that may be centred in place.
    ``starts``: instead of ``u``, where each target's ratings start (and the end), (n + 1,),
    when they come target by target.
    """
    n = len(starts) - 1 if u is None else int(u.max()) + 1
    r, M = int(v.max()) + 1, len(y)
    constant = bool(y.min() == y.max())
    if own_y:
        y -= y.mean()
    else:
        y = y - y.mean()
    if u is None:
        m_i = np.diff(starts).astype(float)
        y_i = np.add.reduceat(y, starts[:-1])
    else:
        m_i, y_i = np.bincount(u, minlength=n).astype(float), np.bincount(u, y, minlength=n)
    cell_keys = cell_counts = None
    if M == n * r and (u is not None or (m_i == r).all()):  # complete when no cell is filled twice
        filled = np.zeros((n, r), dtype=bool)
        if u is None:  # r ratings per target, in order: row i of v.reshape(n, r) is target i's
            filled[np.arange(n)[:, None], v.reshape(n, r)] = True
        else:
            filled[u, v] = True
        complete = bool(filled.all())
    else:
        complete = False
    if not complete:
        if u is None:
            u = np.repeat(np.arange(n), np.diff(starts))
        key = np.multiply(u, r, dtype=np.int64) + v
        if n * r <= max(4 * M, 1 << 20):  # dense cell index: bincount, no sort
            counts = np.bincount(key, minlength=n * r)
            cell_keys = np.flatnonzero(counts)
            cell_counts = counts[cell_keys].astype(float)
        else:
            cell_keys, cnt = np.unique(key, return_counts=True)
            cell_counts = cnt.astype(float)
    return Design(
        _u=u, v=v, y=y, m_i=m_i, y_i=y_i,
        m_j=np.bincount(v, minlength=r).astype(float), y_j=np.bincount(v, y, minlength=r),
        n_cells=M if complete else len(cell_counts), constant=constant,
        _cell_keys=cell_keys, _cell_counts=cell_counts, _u_starts=starts,
    )


def check(d: Design) -> None:
    """Raise ``ValueError`` for designs on which no ICC is defined."""
    if d.n < 2:
        raise _error("too_few_units", f"ICC needs at least 2 targets; got {d.n}")
    if d.r < 2:
        raise _error("too_few_raters", f"ICC needs at least 2 raters; got {d.r}")
    if d.M == d.n:
        raise _error("one_rating_per_unit",
                     "every target has a single rating: within-target variance cannot be estimated")


def from_frame(data: pd.DataFrame, targets: str, raters: str, ratings: str,
                confidence: float = 0.95) -> Design:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1; got {confidence}")
    u, v, y, _, _, starts = _extract(data, targets, raters, ratings, unit_runs=True)
    if len(y) == 0:
        raise _error("no_ratings", f"no ratings in column '{ratings}'")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise _error("infinite_ratings", f"column '{ratings}' holds infinite ratings")
    own = y.dtype.kind != "f" or not np.may_share_memory(y, data[ratings].to_numpy())  # never centre the caller's
    d = design(u, v, y.astype(float, copy=False), own_y=own, starts=starts)
    check(d)
    return d


def ms_targets(d: Design) -> float:
    """MSS = sum_i m_i (ybar_i - ybar)^2 / (n - 1)."""
    return (d.T2s - d.Ty**2 / d.M) / (d.n - 1)


def ms_raters(d: Design) -> float:
    """MSR = sum_j m_j (ybar_j - ybar)^2 / (r - 1)."""
    return (d.T2r - d.Ty**2 / d.M) / (d.r - 1)


def ss_additive_residual(d: Design) -> float:
    """sum over ratings of (y - ybar_i - ybar_j + ybar)^2 (Gwet's Model 2/3 MSE numerator)."""
    if d.complete:
        return d.T2y - d.T2s - d.T2r + d.Ty**2 / d.M
    e = d.y - (d.y_i / d.m_i)[d.u] - (d.y_j / d.m_j)[d.v] + d.Ty / d.M
    return dot(e, e)


def ms_interaction(d: Design) -> float:
    """MSI = sum_cells m_ij (ybar_ij - ybar_i - ybar_j + ybar)^2 / ((r - 1)(n - 1))."""
    e = d.y_ij / d.m_ij - (d.y_i / d.m_i)[d.ci] - (d.y_j / d.m_j)[d.cj] + d.Ty / d.M
    return dot(d.m_ij, e**2) / ((d.r - 1) * (d.n - 1))


def rater_adjusted(d: Design, with_f: bool, shortcut: bool = True):
    """Normal equations of the raters after absorbing the target effects.

    Returns ``(RSS, rank, k_star)``: RSS = T2s + b' C^+ b is the fitted sum of squares of
    the additive model, with C (r, r) = diag(m_j) - N' diag(1/m_i) N, b (r,) =
    y_.j - N' ybar_i and N (n, r) the cell counts; ``rank`` = rank(C) = r - c (r - 1 when
    the design is connected); ``k_star`` = sum_i lambda_i + tr(C^+ F) (Gwet 2014, eq.
    10.2.7; NaN unless ``with_f``) with lambda_i = sum_j m_ij^2 / m_i.

    c = connected groups of the target-rater graph (raters in different groups share no
    target). Every target joins the group of its raters, so c is counted on the r x r rater
    graph N' diag(1/m_i) N (> 0 exactly where two raters share a target: a sum of positive
    terms), an integer never read from rounding noise (``pinv`` and ``matrix_rank`` counted
    or inverted noise at the zero eigenvalues: ICC2/ICC3 moved in the 4th decimal and df1
    by one with the order of the rows). C 1_g = 0 for each group's indicator 1_g, and C
    less one rater of each group (any one) is positive definite; so G, its inverse
    (Cholesky) bordered with zeros, is a generalised inverse of C, and b sums to 0 within
    every group (b is in the range of C): b' G b = b' C^+ b. C^+ = P G P with P the
    projection off the groups' indicators (C C^+ = P), so tr(C^+ F) = tr(G P F P). A
    Cholesky factor of an r x r matrix costs a ninth of the eigendecomposition used before
    (1,000 raters: ~0.05 s instead of ~0.5 s, more on a busy machine); both agree to
    rounding (tests/agreement/test_icc.py).
    """
    n, r = d.n, d.r
    if shortcut and d.complete:  # balanced and connected: b' C^+ b = T2r - Ty^2/M
        return d.T2s + d.T2r - d.Ty**2 / d.M, r - 1, np.nan
    N = sparse.csr_matrix((d.m_ij, (d.ci, d.cj)), shape=(n, r))
    Winv = sparse.diags(1.0 / d.m_i)
    shared = (N.T @ Winv @ N).tocsr()  # > 0 exactly where two raters share a target
    c, group = connected_components(shared, directed=False)
    C = np.diag(d.m_j) - shared.toarray()
    b = d.y_j - np.bincount(d.cj, d.m_ij * (d.y_i / d.m_i)[d.ci], minlength=r)
    first = np.zeros(r, dtype=bool)
    first[np.unique(group, return_index=True)[1]] = True  # one rater of each group left out
    keep = np.flatnonzero(~first)
    with threadpool_limits(limits=1, user_api="blas"):  # BLAS threads stall on a busy machine
        factor = linalg.cho_factor(C[np.ix_(keep, keep)], lower=True, check_finite=False)
        x = linalg.cho_solve(factor, b[keep], check_finite=False)
        rss = d.T2s + dot(b[keep], x)
        k_star = np.nan
        if with_f:
            lam = np.bincount(d.ci, d.m_ij**2, minlength=n) / d.m_i
            N2 = sparse.csr_matrix((d.m_ij**2, (d.ci, d.cj)), shape=(n, r))
            G2 = (N.T @ Winv @ N2).toarray()
            F = (N.T @ sparse.diags(lam / d.m_i) @ N).toarray() - G2 - G2.T + np.diag(np.asarray(N2.sum(0)).ravel())
            # P F P: each group's row and column means taken out of F
            size = np.bincount(group, minlength=c).astype(float)
            rows = np.zeros((c, r))
            np.add.at(rows, group, F)  # (c, r): F's rows summed per group
            F = F - (rows / size[:, None])[group]
            cols = np.zeros((r, c))
            np.add.at(cols.T, group, F.T)
            F = F - (cols / size[None, :])[:, group]
            Ginv = linalg.cho_solve(factor, np.eye(len(keep)), check_finite=False)
            k_star = np.float64(lam.sum() + np.sum(Ginv * F[np.ix_(keep, keep)]))
    return rss, r - c, k_star
