"""The examiner-effect model: entry x criterion quality + examiner + examiner x entry + noise.

In lme4's notation the model is::

    score ~ 0 + entry:criterion + (1 | examiner) + (1 | examiner:entry)

fitted by REML on every individual-stage score of a year. ``b_k ~ N(0, s2_examiner)`` is
examiner k's leniency (> 0 lenient), ``u_ke ~ N(0, s2_examiner_entry)`` the examiner's
overall impression of entry e (shared by the entry's criteria: the source of halo), and
the residual ``N(0, s2_residual)`` the rest.

How it is computed (no dense design matrix; see :func:`fit_examiner_model`, Notes): the
cell fixed effects are absorbed (every quantity is demeaned within entry x criterion
cells); the examiner x entry block of the random-effects cross-product is block-diagonal
by entry (one team per entry) and is eliminated entry by entry, leaving an examiners x
examiners Schur complement that is factored by Cholesky. This is lme4's penalised
least-squares formulation (Bates, Maechler, Bolker & Walker 2015, J. Stat. Softw. 67(1),
sec. 3.4-3.6) rearranged for this design. When every entry's block has one nonzero
eigenvalue (each examiner of an entry scored each of its criteria once, the usual design),
the Schur complement is ``I + a M`` for one fixed matrix ``M`` and a scalar ``a``: one
eigendecomposition of ``M`` then serves every step of the optimiser (:class:`_Spectrum`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ..data.scores import individual
from ..notes import Note
from .measures import rater_measures

VARIANCE_NAMES = ("examiner", "examiner_entry", "residual")


# --------------------------------------------------------------------------- design


@dataclass
class _Design:
    """The absorbed design of one year's individual scores.

    Row arrays have shape (n,); ``team`` (E, m) holds examiner indices per entry, padded
    with ``K`` (a dummy index); ``G`` (E, m, m) is the examiner x entry block of
    Z~'Z~ per entry and ``g`` (E, m) the matching block of Z~'y~ (Z~, y~: demeaned within
    cells); ``Q``, ``gamma`` its eigen-decomposition (gamma >= 0). ``spectrum`` is built
    on first use (:meth:`uniform_spectrum`); it depends on ``team`` and ``G`` only, so a
    copy with other scores (``dataclasses.replace(d, y=..., g=...)``) shares it.
    """

    y: np.ndarray
    cell: np.ndarray
    examiner: np.ndarray
    entry: np.ndarray
    slot: np.ndarray
    cell_n: np.ndarray
    cell_entry: np.ndarray
    cell_crit: np.ndarray
    cell_mean: np.ndarray
    team: np.ndarray
    G: np.ndarray
    g: np.ndarray
    Q: np.ndarray
    gamma: np.ndarray
    yty: float
    examiners: pd.Index
    entries: pd.Index
    cells: pd.DataFrame  # entry_id, criterion (one row per cell, in cell order)
    spectrum: list = field(default_factory=list, repr=False)  # [] or [_Spectrum or None], filled on first use

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def n_cells(self) -> int:
        return len(self.cell_n)

    @property
    def n_examiners(self) -> int:
        return len(self.examiners)

    @property
    def max_pair(self) -> int:
        """Largest number of scores one examiner gave one entry."""
        if self.n == 0:
            return 0
        m = self.team.shape[1]
        return int(np.bincount(self.entry * m + self.slot).max())

    def uniform_spectrum(self) -> _Spectrum | None:
        """The eigendecomposition behind the one-eigenvalue shortcut (:class:`_Spectrum`), or
        None when the entries' blocks have more than one nonzero eigenvalue (or none)."""
        if not self.spectrum:
            self.spectrum.append(_Spectrum.of(self))
        return self.spectrum[0]


def _design(ind: pd.DataFrame) -> _Design:
    """Build the absorbed design from individual scores (entry_id, examiner_id, criterion, score)."""
    entry, entries = pd.factorize(ind["entry_id"], sort=True)
    examiner, examiners = pd.factorize(ind["examiner_id"], sort=True)
    crit_codes, crit_labels = pd.factorize(ind["criterion"], sort=True)
    y = ind["score"].to_numpy(dtype=float)
    n_e, n_k = len(entries), len(examiners)

    cell_key = entry.astype(np.int64) * len(crit_labels) + crit_codes
    cell, cell_keys = _sorted_codes(cell_key)
    n_cells = len(cell_keys)
    cell_n = np.bincount(cell, minlength=n_cells).astype(float)
    cell_mean = np.bincount(cell, y, n_cells) / cell_n
    cell_entry = (cell_keys // len(crit_labels)).astype(int)
    cell_crit = (cell_keys % len(crit_labels)).astype(int)
    yt = y - cell_mean[cell]

    # each entry's team: slot = position of the examiner in the entry's sorted team
    pair_key = entry.astype(np.int64) * n_k + examiner
    pair_of, pairs = _sorted_codes(pair_key)
    pair_entry, pair_exam = pairs // n_k, pairs % n_k
    first = np.searchsorted(pair_entry, np.arange(n_e))
    pair_slot = np.arange(len(pairs)) - first[pair_entry]
    m = int(pair_slot.max()) + 1 if len(pairs) else 1
    team = np.full((n_e, m), n_k, dtype=int)
    team[pair_entry, pair_slot] = pair_exam
    slot = pair_slot[pair_of]

    # G_e = sum over the entry's cells of diag(N_c) - N_c N_c' / n_c, N_c = counts per slot
    # (sums by bincount, each in row order: the same as adding the rows one by one)
    counts = np.bincount(cell * m + slot, minlength=n_cells * m).astype(float).reshape(n_cells, m)
    outer = counts[:, :, None] * counts[:, None, :] / cell_n[:, None, None]
    cell_block = (cell_entry[:, None] * (m * m) + np.arange(m * m)).ravel()
    G = np.bincount(cell_block, -outer.ravel(), n_e * m * m).reshape(n_e, m, m)
    diag = np.bincount(entry * m + slot, minlength=n_e * m).astype(float).reshape(n_e, m)
    G[:, np.arange(m), np.arange(m)] += diag
    g = np.bincount(entry * m + slot, yt, n_e * m).reshape(n_e, m)
    gamma, Q = np.linalg.eigh(G)
    gamma = np.clip(gamma, 0.0, None)
    cells = pd.DataFrame({"entry_id": entries[cell_entry], "criterion": crit_labels[cell_crit]})
    return _Design(
        y=y, cell=cell, examiner=examiner, entry=entry, slot=slot, cell_n=cell_n,
        cell_entry=cell_entry, cell_crit=cell_crit, cell_mean=cell_mean, team=team, G=G, g=g, Q=Q, gamma=gamma,
        yty=float(yt @ yt), examiners=pd.Index(examiners), entries=pd.Index(entries), cells=cells,
    )  # fmt: skip


def _sorted_codes(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(key, sort=True)`` for non-negative int keys: each key's index among the
    distinct keys, and the distinct keys ascending (a presence table when the keys' range is
    at most a few times their number, else ``np.unique``)."""
    if key.size and int(key.max()) < max(8 * key.size, 1 << 20):
        present = np.zeros(int(key.max()) + 1, dtype=bool)
        present[key] = True
        rank = np.cumsum(present) - 1
        return rank[key], np.flatnonzero(present)
    distinct, codes = np.unique(key, return_inverse=True)
    return codes.reshape(-1), distinct


# --------------------------------------------------------------------------- solver


class _Spectrum:
    """``M_G = sum_e P_e' G_e P_e = V diag(mu) V'`` (K, K) when every nonzero eigenvalue of
    every entry's block ``G_e`` is one number ``c``.

    Then ``H_e = G_e (I + psi_u G_e)^-1 = G_e / (1 + psi_u c)``, so with one relative sd
    for every examiner (``lam = theta_b``) the Schur complement is ``S = I + a M_G``,
    ``a = psi_b / (1 + psi_u c)``: ``S^-1``, ``log det S`` and the traces of the gradient
    follow from ``mu`` and ``V`` at every (psi_b, psi_u) without another factorisation.
    """

    #: eigenvalues of the entries' blocks within this relative distance of 0 or ``c`` count as such
    TOLERANCE = 1e-12

    def __init__(self, c: float, V: np.ndarray, mu: np.ndarray):
        self.c, self.V, self.mu = c, V, mu

    @classmethod
    def of(cls, d: _Design) -> _Spectrum | None:
        c = float(d.gamma.max()) if d.gamma.size else 0.0
        if not c > 0:
            return None
        off = (d.gamma > cls.TOLERANCE * c) & (np.abs(d.gamma - c) > cls.TOLERANCE * c)
        if off.any():
            return None
        mu, V = np.linalg.eigh(_scatter_matrix(d, d.G))
        return cls(c, V, mu)


class _CholeskySchur:
    """The Schur complement ``S`` (K, K) factored by Cholesky; ``H`` (E, m, m) the blocks
    ``G_e (I + theta_u^2 G_e)^-1`` it was built from (:func:`_schur_matrix`)."""

    def __init__(self, S: np.ndarray, H: np.ndarray):
        from scipy import linalg

        self.chol = linalg.cholesky(S, lower=True, check_finite=False)
        self.H = H

    def solve(self, x: np.ndarray) -> np.ndarray:
        from scipy import linalg

        return linalg.cho_solve((self.chol, True), x, check_finite=False)

    def logdet(self) -> float:
        return 2.0 * float(np.sum(np.log(np.diag(self.chol))))

    def inverse_lower(self) -> np.ndarray:
        """S^-1 (K, K) in its lower triangle (the upper one holds the factor's zeros)."""
        from scipy.linalg import lapack

        inv, info = lapack.dpotri(self.chol, lower=1)
        if info != 0:  # pragma: no cover - S = I + PSD is always positive definite
            raise np.linalg.LinAlgError(f"dpotri failed ({info})")
        return inv

    def inverse(self) -> np.ndarray:
        """S^-1 (K, K) from the Cholesky factor."""
        inv = self.inverse_lower()
        inv += inv.T
        inv[np.diag_indices_from(inv)] *= 0.5
        return inv

    def inverse_diagonal(self) -> np.ndarray:
        return np.diag(self.inverse_lower()).copy()


class _SpectralSchur:
    """``S = I + a V diag(mu) V'`` through :class:`_Spectrum`; its Cholesky factor (for
    :meth:`ExaminerModel.draw_cells`) is built on first use, as :func:`_schur_matrix` builds S."""

    def __init__(self, spectrum: _Spectrum, a: float, d: _Design, lam: np.ndarray, theta_u: float):
        self.spectrum, self.a = spectrum, a
        self.scale = 1.0 / (1.0 + a * spectrum.mu)  # the eigenvalues of S^-1
        self._rebuild = (d, lam, theta_u)

    def solve(self, x: np.ndarray) -> np.ndarray:
        V = self.spectrum.V
        return V @ (self.scale * (V.T @ x))

    def logdet(self) -> float:
        return float(np.sum(np.log1p(self.a * self.spectrum.mu)))

    def inverse(self) -> np.ndarray:
        V = self.spectrum.V
        return (V * self.scale) @ V.T

    def inverse_diagonal(self) -> np.ndarray:
        V = self.spectrum.V
        return (V * V) @ self.scale

    def trace_inverse_times(self) -> float:
        """tr(S^-1 M_G) = sum mu / (1 + a mu)."""
        return float(np.sum(self.spectrum.mu * self.scale))

    @cached_property
    def chol(self) -> np.ndarray:
        from scipy import linalg

        return linalg.cholesky(_schur_matrix(*self._rebuild)[0], lower=True, check_finite=False)


@dataclass
class _Solution:
    """The penalised least-squares solution at given relative sds.

    ``lam`` (K,) examiner relative sds (theta_b, 0 for examiners not adjusted for),
    ``theta_u`` the examiner x entry relative sd; ``schur`` the Schur complement S (K, K)
    ready to solve with (:class:`_CholeskySchur` or :class:`_SpectralSchur`), ``chol`` its
    lower Cholesky factor; ``vb`` (K,), ``vu`` (E, m) the spherical modes and
    ``b = lam vb``, ``u = theta_u vu`` the conditional modes in score points; ``r2`` the
    penalised residual sum of squares; ``logdet`` log det of I + Lambda' Z~'Z~ Lambda;
    ``Dinv`` (E, m, m) the per-entry inverses of I + theta_u^2 G_e; ``w`` (K,)
    ``sum_e P_e' D_e^-1 g_e`` and ``wu`` (E, m) ``D_e^-1 (g_e - G_e b_e)`` (vu / theta_u).
    """

    lam: np.ndarray
    theta_u: float
    schur: _CholeskySchur | _SpectralSchur
    vb: np.ndarray
    vu: np.ndarray
    b: np.ndarray
    u: np.ndarray
    r2: float
    logdet: float
    Dinv: np.ndarray
    w: np.ndarray
    wu: np.ndarray

    @property
    def chol(self) -> np.ndarray:
        return self.schur.chol

    def s_inverse(self) -> np.ndarray:
        """S^-1 (K, K)."""
        return self.schur.inverse()


def _scatter_matrix(d: _Design, H: np.ndarray) -> np.ndarray:
    """sum_e P_e' H_e P_e: (E, m, m) per-entry blocks onto the examiners (K, K)."""
    k = d.n_examiners
    idx = d.team[:, :, None] * (k + 1) + d.team[:, None, :]
    flat = np.bincount(idx.ravel(), H.ravel(), (k + 1) ** 2)
    return flat.reshape(k + 1, k + 1)[:k, :k]


def _scatter_vector(d: _Design, h: np.ndarray) -> np.ndarray:
    """sum_e P_e' h_e: (E, m) onto the examiners (K,)."""
    k = d.n_examiners
    return np.bincount(d.team.ravel(), h.ravel(), k + 1)[:k]


def _team_values(d: _Design, x: np.ndarray) -> np.ndarray:
    """x (K, ...) gathered per entry and slot (E, m, ...), 0 on padded slots."""
    pad = np.zeros((1,) + x.shape[1:])
    return np.concatenate([x, pad])[d.team]


def _blocks(d: _Design, theta_u: float, power: int) -> np.ndarray:
    """Q diag(f(gamma)) Q' per entry with f = gamma^power / (1 + theta_u^2 gamma) (power 0, 1)."""
    f = (d.gamma if power else 1.0) / (1.0 + theta_u * theta_u * d.gamma)
    return np.einsum("eij,ej,ekj->eik", d.Q, f, d.Q, optimize=True)


def _schur_matrix(d: _Design, lam: np.ndarray, theta_u: float) -> tuple[np.ndarray, np.ndarray]:
    """``(S, H)``: S = I + diag(lam) M diag(lam) (K, K) with M = sum_e P_e' H_e P_e and
    H_e = G_e (I + theta_u^2 G_e)^-1 (E, m, m)."""
    H = _blocks(d, theta_u, 1)  # G (I + t2 G)^-1
    M = _scatter_matrix(d, H)
    S = M * (lam[0] * lam[0]) if lam.size and lam.min() == lam.max() else M * np.outer(lam, lam)
    S[np.diag_indices_from(S)] += 1.0
    return S, H


def _solve(d: _Design, lam: np.ndarray, theta_u: float) -> _Solution:
    """Solve the absorbed penalised least-squares system at (lam, theta_u).

    With one relative sd for every examiner and entries' blocks with one nonzero
    eigenvalue, through the design's spectrum (:class:`_Spectrum`, computed once per
    design; not for lam = 0 before it exists, where S = I); otherwise by Cholesky.
    """
    t2 = theta_u * theta_u
    Dinv = _blocks(d, theta_u, 0)
    one_lam = lam.size > 0 and lam.min() == lam.max()
    spectrum = d.uniform_spectrum() if one_lam and (lam[0] > 0 or d.spectrum) else None
    if spectrum is not None:
        schur = _SpectralSchur(spectrum, lam[0] * lam[0] / (1.0 + t2 * spectrum.c), d, lam, theta_u)
    else:
        schur = _CholeskySchur(*_schur_matrix(d, lam, theta_u))
    h = np.einsum("eij,ej->ei", Dinv, d.g)
    w = _scatter_vector(d, h)
    rb = lam * w
    vb = schur.solve(rb)
    b = lam * vb
    wu = np.einsum("eij,ej->ei", Dinv, d.g - np.einsum("eij,ej->ei", d.G, _team_values(d, b)))
    vu = theta_u * wu
    r2 = d.yty - t2 * float(np.sum(d.g * h)) - float(rb @ vb)
    logdet = float(np.sum(np.log1p(t2 * d.gamma))) + schur.logdet()
    return _Solution(
        lam=lam, theta_u=theta_u, schur=schur, vb=vb, vu=vu, b=b, u=theta_u * vu, r2=max(r2, 0.0),
        logdet=logdet, Dinv=Dinv, w=w, wu=wu,
    )  # fmt: skip


def _deviance(d: _Design, sol: _Solution) -> float:
    """lme4's profiled REML deviance (Bates et al. 2015, eq. 42), constants included."""
    df = d.n - d.n_cells
    return sol.logdet + df * (1.0 + np.log(2.0 * np.pi * sol.r2 / df)) + float(np.sum(np.log(d.cell_n)))


def _gradient(d: _Design, sol: _Solution, psi_b: float) -> np.ndarray:
    """Exact gradient of the profiled REML deviance in psi = (theta_b^2, theta_u^2).

    The deviance depends on theta only through theta^2, so in theta every boundary point
    is stationary; in psi the gradient is informative at 0. With M = sum_e P_e' H_e P_e,
    H_e = G_e (I + psi_u G_e)^-1, S = I + psi_b M and w = sum_e P_e' (I + psi_u G_e)^-1 g_e:
    d log det / d psi_b = tr(S^-1 M); d log det / d psi_u = sum gamma / (1 + psi_u gamma)
    - psi_b sum_e tr(S^-1[team_e] Q_e diag(gamma^2 / (1 + psi_u gamma)^2) Q_e');
    d r2 / d psi_b = -(S^-1 w)' rho_b and d r2 / d psi_u = -sum_e (D_e^-1 (g_e - G_e b_e))'
    rho_e (envelope theorem), rho = Z~'(y~ - Z~ Lambda v) by entry and examiner.
    """
    psi_u = sol.theta_u**2
    df = d.n - d.n_cells
    denom = 1.0 + psi_u * d.gamma
    if isinstance(sol.schur, _SpectralSchur):  # H_e = G_e / (1 + psi_u c): both traces from tr(S^-1 M_G)
        c = sol.schur.spectrum.c
        trace = sol.schur.trace_inverse_times()
        dlog_b = trace / (1.0 + psi_u * c)
        dH_trace = c * trace / (1.0 + psi_u * c) ** 2
    else:
        k = d.n_examiners
        Sinv = sol.schur.inverse_lower()
        filled = d.team < k
        team = np.where(filled, d.team, 0)
        pad = filled[:, :, None] & filled[:, None, :]
        a, b = team[:, :, None], team[:, None, :]  # (S^-1)_ab read from the lower triangle
        Sinv_team = np.where(pad, Sinv[np.maximum(a, b), np.minimum(a, b)], 0.0)  # (E, m, m)
        f = d.gamma**2 / denom**2
        dH_trace = float(np.einsum("eij,eik,ek,ejk->", Sinv_team, d.Q, f, d.Q, optimize=True))
        dlog_b = float(np.sum(Sinv_team * sol.schur.H))  # tr(S^-1 M), M = sum_e P_e' H_e P_e
    dlog_u = float(np.sum(d.gamma / denom)) - psi_b * dH_trace
    rho = d.g - np.einsum("eij,ej->ei", d.G, _team_values(d, sol.b) + sol.u)
    Sw = sol.schur.solve(sol.w)
    dr2_b = -float(Sw @ _scatter_vector(d, rho))
    dr2_u = -float(np.sum(sol.wu * rho))
    scale = df / sol.r2
    return np.array([dlog_b + scale * dr2_b, dlog_u + scale * dr2_u])


def _optimise(d: _Design, with_u: bool, start: tuple[float, float]) -> tuple[float, float]:
    """theta = (theta_b, theta_u) >= 0 minimising the profiled REML deviance.

    L-BFGS-B with the exact gradient, over psi = theta^2 >= 0 (see :func:`_gradient`).
    """
    ones = np.ones(d.n_examiners)

    def f(psi):
        sol = _solve(d, np.sqrt(psi[0]) * ones, np.sqrt(psi[1]) if with_u else 0.0)
        grad = _gradient(d, sol, psi[0])
        if not with_u:
            grad[1] = 0.0
        return _deviance(d, sol), grad

    from scipy import optimize

    x0 = np.array([start[0] ** 2, start[1] ** 2 if with_u else 0.0])
    bounds = [(0.0, None), (0.0, None) if with_u else (0.0, 0.0)]
    res = optimize.minimize(
        f, x0, jac=True, method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 500}
    )
    psi = np.clip(res.x, 0.0, None)
    return float(np.sqrt(psi[0])), float(np.sqrt(psi[1])) if with_u else 0.0


# --------------------------------------------------------------------------- the model


@dataclass
class ExaminerModel:
    """A fitted examiner-effect model (see :func:`fit_examiner_model`).

    Attributes
    ----------
    variances : dict
        REML variance estimates ``examiner``, ``examiner_entry``, ``residual`` (score
        points squared); NaN when the data hold no information on them.
    theta : tuple
        The relative sds (examiner, examiner x entry) at the optimum (lme4's ``getME(, "theta")``).
    deviance : float
        lme4's REML criterion at the optimum.
    effects : DataFrame
        One row per examiner: examiner_id, bias, se, ci_low, ci_high, n_entries,
        n_scores, adjusted, group (see :func:`scoring.calibration.examiner_effects`).
    groups : DataFrame
        examiner_id, group (connected group number, 1 = largest).
    entry_groups : DataFrame
        entry_id, group (the group of the examiners who scored the entry).
    cells : DataFrame
        entry_id, criterion, raw_mean, adjusted, n_scores: ``adjusted`` is the model's
        estimate of the entry's quality on the criterion (the cell's fixed effect), with
        examiners below ``min_scores`` not adjusted for.
    residuals : DataFrame
        The individual scores used, with ``fitted`` (cell + examiner + examiner x entry)
        and ``residual``.
    notes : list of str
        What the reader should know (no information, a term dropped, a variance at 0).
    """

    variances: dict[str, float]
    theta: tuple[float, float]
    deviance: float
    effects: pd.DataFrame
    groups: pd.DataFrame
    entry_groups: pd.DataFrame
    cells: pd.DataFrame
    residuals: pd.DataFrame
    min_scores: int
    confidence: float
    notes: list[Note] = field(default_factory=list)
    _design: _Design | None = field(default=None, repr=False)
    _cells_solution: _Solution | None = field(default=None, repr=False)

    @property
    def sigma2(self) -> float:
        return self.variances["residual"]

    def draw_cells(self, n_draws: int, rng: np.random.Generator) -> np.ndarray:
        """Joint draws of the adjusted cell values from their posterior given the variances.

        Parameters
        ----------
        n_draws : number of draws.
        rng : a NumPy random generator (seed it for reproducible draws).

        Returns
        -------
        ndarray, shape (n_draws, len(cells))
            Column j is a draw of ``cells.adjusted[j]``. Exact: examiner effects are drawn
            from their Gaussian (Schur complement), then each entry's examiner x entry
            effects given them, then each cell given both (a flat prior on the cells,
            variance components at their REML estimates). Examiners below ``min_scores``
            are not adjusted for, as in ``cells``. When the data hold no information on
            the variances (no examiner shares an entry with another; see ``notes``), every
            draw equals ``cells.adjusted`` (the raw means): no uncertainty can be estimated.
        """
        d, sol = self._design, self._cells_solution
        if d is None or sol is None:
            return np.repeat(self.cells["adjusted"].to_numpy(dtype=float)[None, :], n_draws, axis=0)
        sigma = np.sqrt(self.sigma2) if np.isfinite(self.sigma2) else 0.0
        from scipy import linalg

        k = d.n_examiners
        # b = lam * v_b, v_b ~ N(v_hat, sigma^2 S^-1)
        z = rng.standard_normal((k, n_draws))
        vb = linalg.solve_triangular(sol.chol, z, lower=True, trans="T", check_finite=False) * sigma
        b = sol.b[:, None] + sol.lam[:, None] * vb  # (K, D)
        # u_e | b: mean t2 Dinv (g - G b_team), covariance sigma^2 t2 Dinv
        t2 = sol.theta_u**2
        bteam = np.vstack([b, np.zeros((1, n_draws))])[d.team]  # (E, m, D)
        mean_u = t2 * np.einsum("eij,ejd->eid", sol.Dinv, d.g[:, :, None] - np.einsum("eij,ejd->eid", d.G, bteam))
        root = np.linalg.cholesky(sol.Dinv)
        u = mean_u + sol.theta_u * sigma * np.einsum("eij,ejd->eid", root, rng.standard_normal(mean_u.shape))
        # beta_c | b, u: mean over the cell of y - b - u, variance sigma^2 / n_c
        bu = b[d.examiner] + u[d.entry, d.slot]  # (n, D)
        sums = np.zeros((d.n_cells, n_draws))
        np.add.at(sums, d.cell, bu)
        beta = d.cell_mean[:, None] - sums / d.cell_n[:, None]
        beta += sigma / np.sqrt(d.cell_n)[:, None] * rng.standard_normal(beta.shape)
        return beta.T.copy()


def connected_groups(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Connected groups of the examiner-entry graph of the individual scores.

    Two examiners are connected when they scored a common entry, directly or through a
    chain of others; only examiners in the same group can be compared. Groups are
    numbered 1, 2, ... from the largest (most examiners; ties: the group of the first
    examiner id).

    Returns
    -------
    (examiner_groups, entry_groups) : DataFrames ``examiner_id, group`` and ``entry_id, group``.
    """
    ind = individual(scores)
    entry, entries = pd.factorize(ind["entry_id"], sort=True)
    examiner, examiners = pd.factorize(ind["examiner_id"], sort=True)
    examiner_group, entry_group = _group_numbers(examiner, entry, len(examiners), len(entries))
    return (
        pd.DataFrame({"examiner_id": examiners, "group": examiner_group}),
        pd.DataFrame({"entry_id": entries, "group": entry_group}),
    )


def _group_numbers(examiner: np.ndarray, entry: np.ndarray, n_k: int, n_e: int) -> tuple[np.ndarray, np.ndarray]:
    """Group number (:func:`connected_groups`) of every examiner (n_k,) and entry (n_e,), from
    the codes of the scores' examiners and entries (0-based, in sorted label order)."""
    from scipy import sparse
    from scipy.sparse import csgraph

    graph = sparse.coo_matrix((np.ones(len(entry)), (examiner, n_k + entry)), shape=(n_k + n_e, n_k + n_e))
    _, label = csgraph.connected_components(graph, directed=False)
    size = np.bincount(label[:n_k], minlength=label.max() + 1)
    first = np.full(label.max() + 1, n_k)
    np.minimum.at(first, label[:n_k], np.arange(n_k))
    order = np.lexsort((first, -size))  # labels, largest group first
    number = np.empty_like(order)
    number[order] = np.arange(1, len(order) + 1)
    return number[label[:n_k]], number[label[n_k:]]


def fit_examiner_model(
    scores: pd.DataFrame, *, min_scores: int = 12, rubric=None, confidence: float = 0.95
) -> ExaminerModel:
    """Fit the examiner-effect model to a year's individual scores by REML.

    Parameters
    ----------
    scores : DataFrame
        Long, criterion-level scores (``entry_id, examiner_id, criterion, score`` and
        optionally ``stage``; question-level scores rolled up first, e.g. by
        :func:`scoring.data.criterion_scores`). Only stage ``individual`` is used.
    min_scores : int
        Examiners with fewer individual scores are reported (estimate and interval) but
        flagged ``adjusted=False`` and not adjusted for in ``cells`` and ``draw_cells``.
    rubric : Rubric, optional
        When given, criterion labels are mapped to the rubric's ids.
    confidence : float
        Level of the examiners' intervals.

    Returns
    -------
    ExaminerModel

    Notes
    -----
    With X the cell indicators (entry x criterion), M_X the projection that subtracts
    cell means, Z = [Z_b, Z_u] the examiner and examiner x entry indicators and
    Lambda = diag(theta_b I, theta_u I), lme4's profiled REML deviance is::

        d(theta) = log det(I + Lambda' Z~'Z~ Lambda) + log det(X'X)
                   + (n - p) [1 + log(2 pi r2 / (n - p))]

    with Z~ = M_X Z, y~ = M_X y and r2 = min_u ||y~ - Z~ Lambda u||^2 + ||u||^2 (the cell
    effects minimised out), p the number of cells. The examiner x entry block of
    Z~'Z~ is block-diagonal by entry (G_e = sum over the entry's cells of
    diag(N_c) - N_c N_c'/n_c) and is eliminated per entry, leaving the Schur complement
    S = I + theta_b^2 sum_e P_e' G_e (I + theta_u^2 G_e)^-1 P_e (examiners x examiners).
    sigma^2 = r2 / (n - p). The conditional modes b = Lambda u_hat are lme4's
    ``ranef``. An examiner's interval uses the prediction-error variance
    sigma^2 theta_b^2 [S^-1]_kk of the absorbed system, which includes the uncertainty of
    the cell means, less the part along the group's mean (not identified by the data:
    the effects are relative to the examiner's connected group, and sum to 0 in it).
    """
    ind = individual(scores) if "stage" in scores.columns else scores
    ind = ind[["entry_id", "examiner_id", "criterion", "score"]].copy()
    if ind.empty:
        raise ValueError("no individual scores to fit the examiner model to")
    if rubric is not None:  # each distinct label looked up once (a national year has 200,000 scores)
        ids = {x: (c.id if (c := rubric.criterion(x)) is not None else x) for x in pd.unique(ind["criterion"])}
        ind["criterion"] = ind["criterion"].map(ids)
    ind["score"] = pd.to_numeric(ind["score"], errors="raise").astype(float)
    ind = ind[ind["score"].notna()].reset_index(drop=True)
    for col in ("entry_id", "examiner_id", "criterion"):
        ind[col] = ind[col].astype(str)

    with threadpool_limits(limits=1, user_api="blas"):  # BLAS threads stall on a busy machine
        return _fit(ind, min_scores=min_scores, confidence=confidence)


def _fit(ind: pd.DataFrame, *, min_scores: int, confidence: float) -> ExaminerModel:
    d = _design(ind)
    group_of, entry_group = _group_numbers(d.examiner, d.entry, d.n_examiners, len(d.entries))
    groups = pd.DataFrame({"examiner_id": d.examiners, "group": group_of})  # = connected_groups(ind)
    entry_groups = pd.DataFrame({"entry_id": d.entries, "group": entry_group})
    notes: list[Note] = []
    df = d.n - d.n_cells
    has_pairs_info = bool(np.any(d.gamma > 1e-12))

    per_exam_scores = np.bincount(d.examiner, minlength=d.n_examiners)
    per_exam_entries = np.bincount(d.team.ravel(), minlength=d.n_examiners + 1)[: d.n_examiners]
    adjusted = per_exam_scores >= min_scores

    if df <= 0 or not has_pairs_info or d.yty <= 0:
        if df <= 0 or not has_pairs_info:
            notes.append(Note("no_shared_entries"))
        else:
            notes.append(Note("no_differences"))
        theta_b = theta_u = 0.0
        variances = {
            "examiner": 0.0 if d.yty <= 0 and df > 0 else np.nan,
            "examiner_entry": 0.0 if d.yty <= 0 and df > 0 else np.nan,
            "residual": 0.0 if d.yty <= 0 and df > 0 else np.nan,
        }
        sol = _solve(d, np.zeros(d.n_examiners), 0.0)
        deviance = np.nan
        identified = False
    else:
        with_u = d.max_pair > 1
        if not with_u:
            notes.append(Note("no_examiner_entry_term"))
        theta_b, theta_u = _optimise(d, with_u, (0.5, 0.5))
        sol = _solve(d, np.full(d.n_examiners, theta_b), theta_u)
        sigma2 = sol.r2 / df
        variances = {
            "examiner": sigma2 * theta_b**2,
            "examiner_entry": sigma2 * theta_u**2 if with_u else np.nan,
            "residual": sigma2,
        }
        deviance = _deviance(d, sol)
        identified = True
        if theta_b < 1e-6:
            notes.append(Note("no_examiner_variance"))

    # examiner effects and intervals (relative to the connected group)
    n_in_group = np.bincount(group_of)[group_of]
    if identified:
        Sinv_diag = sol.schur.inverse_diagonal()
        pev = variances["residual"] * theta_b**2 * np.clip(Sinv_diag - 1.0 / n_in_group, 0.0, None)
        se = np.sqrt(pev)
    else:
        se = np.full(d.n_examiners, np.nan)
    bias = sol.b.copy() if identified else np.full(d.n_examiners, np.nan)
    se[n_in_group < 2] = np.nan
    bias[n_in_group < 2] = np.nan
    from scipy import special

    z = special.ndtri(0.5 + confidence / 2)  # the normal quantile, as scipy.stats.norm.ppf computes it
    effects = pd.DataFrame(
        {
            "examiner_id": d.examiners,
            "bias": bias,
            "se": se,
            "ci_low": bias - z * se,
            "ci_high": bias + z * se,
            "n_entries": per_exam_entries,
            "n_scores": per_exam_scores,
            "adjusted": adjusted & identified & (n_in_group >= 2),
            "group": group_of,
        }
    )
    if (~adjusted).any():
        notes.append(Note("few_scores", {"n": int((~adjusted).sum()), "min_scores": min_scores}))
    if groups["group"].nunique() > 1:
        notes.append(Note("separate_groups", {"n": int(groups["group"].nunique())}))

    # the cells: the same variances, examiners below min_scores not adjusted for
    lam_cells = np.where(effects["adjusted"].to_numpy(), theta_b, 0.0)
    same = not identified or np.array_equal(lam_cells, sol.lam)  # every examiner adjusted for: the same solve
    csol = sol if same else _solve(d, lam_cells, theta_u)
    beta = _cell_effects(d, csol)
    cells = d.cells.assign(raw_mean=d.cell_mean, adjusted=beta, n_scores=d.cell_n.astype(int))

    fitted = sol.b[d.examiner] + sol.u[d.entry, d.slot] + (beta if same else _cell_effects(d, sol))[d.cell]
    residuals = ind.assign(fitted=fitted, residual=d.y - fitted)
    # the measures on integer codes (sorted like the labels): the same groups and sums, faster
    coded = pd.DataFrame({"entry_id": d.entry, "examiner_id": d.examiner, "criterion": d.cell_crit[d.cell],
                          "score": d.y, "residual": residuals["residual"].to_numpy()})
    measures = rater_measures(coded, pd.Series(sol.b))
    measures.index = pd.Index(d.examiners[measures.index.to_numpy()], name="examiner_id")
    effects = effects.merge(measures, left_on="examiner_id", right_index=True, how="left")
    return ExaminerModel(
        variances=variances, theta=(theta_b, theta_u), deviance=deviance, effects=effects,
        groups=groups, entry_groups=entry_groups, cells=cells, residuals=residuals,
        min_scores=min_scores, confidence=confidence, notes=notes, _design=d,
        _cells_solution=csol if identified else None,
    )  # fmt: skip


def _cell_effects(d: _Design, sol: _Solution) -> np.ndarray:
    """beta_c = mean over the cell of (y - b - u) at the solution."""
    bu = sol.b[d.examiner] + sol.u[d.entry, d.slot]
    return d.cell_mean - np.bincount(d.cell, bu, d.n_cells) / d.cell_n
