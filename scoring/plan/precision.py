"""How precisely a plan lets the examiner-effect model estimate each examiner's effect.

The model (:mod:`scoring.calibration.model`): examiner k's mean over the C criteria of entry
e is ``mu_e + b_k + u_ke + mean residual`` with ``b_k ~ N(0, s_b^2)`` (``components["examiner"]``),
``u_ke ~ N(0, s_u^2)`` (``components["examiner_entry"]``, NaN taken as 0) and residual variance
``s^2`` (``components["residual"]``); the entries' levels (entry x criterion cells) are fixed
and absorbed. With ``tau^2 = s_u^2 + s^2 / C`` the precision matrix of ``b`` is::

    P = I / s_b^2 + sum_e (1 / tau^2) P_e' (I - J / n_e) P_e

(``P_e`` selects entry e's team of n_e examiners, ``J`` the matrix of ones), the posterior
covariance is ``P^-1`` and examiner k's standard error ``se_k = sqrt([P^-1]_kk)``: the
prediction-error sd of the BLUP of b_k. An examiner with no entry keeps the prior sd s_b.
``tests/plan/test_precision.py`` checks this against the BLUP computed from the full mixed
model (GLS with V = Z G Z' + R).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import linalg

__all__ = ["DEFAULT_COMPONENTS", "precision"]

#: Variance components in score points squared: the examiner-effect model
#: (``scoring.calibration.model.fit_examiner_model``) fitted to the demo's 2024 scores,
#: ``fit_examiner_model(load_year(2024).scores).variances`` (89.446, 32.852, 44.379), rounded
#: to one decimal. ``tests/plan/test_precision.py`` refits and compares.
DEFAULT_COMPONENTS: dict[str, float] = {"examiner": 89.4, "examiner_entry": 32.9, "residual": 44.4}


def components_or_default(components: dict | None) -> dict[str, float]:
    """The components to use: ``components`` over :data:`DEFAULT_COMPONENTS` (missing keys filled in)."""
    out = dict(DEFAULT_COMPONENTS)
    if components:
        out.update({k: float(v) for k, v in components.items() if k in out})
    return out


def _terms(components: dict, n_criteria: int) -> tuple[float, float]:
    """(s_b^2, tau^2); s_b^2 may be 0 (examiners do not differ: every effect is known to be 0)."""
    c = components_or_default(components)
    s_b2 = c["examiner"]
    s_u2 = c["examiner_entry"]
    s_u2 = 0.0 if s_u2 is None or math.isnan(s_u2) else s_u2
    if math.isnan(s_b2) or s_b2 < 0:
        raise ValueError(f"components['examiner'] must be >= 0, got {s_b2}")
    if n_criteria < 1:
        raise ValueError("n_criteria must be >= 1")
    tau2 = s_u2 + c["residual"] / n_criteria
    if not tau2 > 0:
        raise ValueError("components['examiner_entry'] + components['residual'] / n_criteria must be > 0")
    return s_b2, tau2


class Precision:
    """The precision matrix of a plan on K examiners and its inverse, with batched low-rank what-ifs.

    ``teams`` is a list of index arrays (one per entry).
    """

    def __init__(self, n_examiners: int, s_b2: float, tau2: float):
        self.K = n_examiners
        self.s_b2 = s_b2
        self.tau2 = tau2

    def matrix(self, teams: list[np.ndarray]) -> np.ndarray:
        """P = I / s_b^2 + sum_e (diag(1_T) - 1_T 1_T' / n_e) / tau^2 (teams: examiner indices per entry)."""
        X = np.zeros((len(teams), self.K))
        for i, t in enumerate(teams):
            X[i, np.asarray(t, dtype=int)] = 1.0
        return self.matrix_of(X)

    def matrix_of(self, X: np.ndarray) -> np.ndarray:
        """P from the plan as an entries x examiners 0/1 matrix."""
        n = X.sum(axis=1)
        W = X / np.maximum(n, 1.0)[:, None]
        P = -(X.T @ W)
        P[np.diag_indices(self.K)] += X.sum(axis=0)
        P /= self.tau2
        P[np.diag_indices(self.K)] += 1.0 / self.s_b2
        return P

    def covariance(self, teams: list[np.ndarray] | np.ndarray) -> np.ndarray:
        """P^-1; ``teams`` as for :meth:`matrix` or an entries x examiners 0/1 matrix."""
        P = self.matrix_of(teams) if isinstance(teams, np.ndarray) and teams.ndim == 2 else self.matrix(teams)
        c, low = linalg.cho_factor(P, lower=True, check_finite=False)
        return linalg.cho_solve((c, low), np.eye(self.K), check_finite=False)

    def diag_after(self, S: np.ndarray, Ut: np.ndarray, d: np.ndarray) -> np.ndarray:
        """diag((P + U diag(d) U')^-1) for a batch: U' (N, r, K), d (N, r), S = P^-1; returns (N, K).

        Woodbury: (P + U D U')^-1 = S - S U (D^-1 + U' S U)^-1 U' S. A zero column of U
        changes nothing, whatever its d.
        """
        N, r, K = Ut.shape
        SUt = (Ut.reshape(N * r, K) @ S).reshape(N, r, K)  # (S U)' (S symmetric), one product
        inner = np.matmul(Ut, SUt.transpose(0, 2, 1))
        idx = np.arange(r)
        inner[:, idx, idx] += 1.0 / d
        T = np.matmul(np.linalg.inv(inner), SUt)
        return np.diag(S)[None, :] - np.einsum("nrk,nrk->nk", T, SUt)


def teams_from_pairs(pairs_e: np.ndarray, pairs_k: np.ndarray, n_entries: int) -> list[np.ndarray]:
    order = np.lexsort((pairs_k, pairs_e))
    pe, pk = np.asarray(pairs_e)[order], np.asarray(pairs_k)[order]
    bounds = np.searchsorted(pe, np.arange(n_entries + 1))
    return [pk[bounds[i]:bounds[i + 1]] for i in range(n_entries)]


def se_of_teams(teams: list[np.ndarray], n_examiners: int, components: dict | None = None,
                n_criteria: int = 6) -> np.ndarray:
    """se (K,) of the examiner effects under teams (lists of examiner indices); 0 when s_b^2 is 0."""
    s_b2, tau2 = _terms(components, n_criteria)
    if s_b2 == 0:
        return np.zeros(n_examiners)
    S = Precision(n_examiners, s_b2, tau2).covariance(teams)
    return np.sqrt(np.clip(np.diag(S), 0.0, None))


def precision(assignments: pd.DataFrame, examiners: pd.DataFrame, components: dict | None = None,
              n_criteria: int = 6) -> pd.DataFrame:
    """The posterior standard error of each roster examiner's effect under a plan (see the module).

    Parameters
    ----------
    assignments : DataFrame entry_id, examiner_id (one row per examiner on an entry's team).
        Rows of examiners not in ``examiners`` are left out.
    examiners : DataFrame with examiner_id: the roster.
    components : dict ``examiner``, ``examiner_entry``, ``residual`` (score points squared);
        :data:`DEFAULT_COMPONENTS` where missing.
    n_criteria : int, the number of criteria each examiner scores per entry (C).

    Returns
    -------
    DataFrame examiner_id, n_entries, se (roster order). An examiner with no entry has
    ``se = sqrt(components["examiner"])``; with ``components["examiner"] == 0`` every se is 0.
    """
    ids = [str(x).strip() for x in examiners["examiner_id"].tolist()]
    k_of = {k: i for i, k in enumerate(ids)}
    a = assignments[["entry_id", "examiner_id"]].astype(str).apply(lambda s: s.str.strip())
    a = a[a["examiner_id"].isin(k_of)].drop_duplicates()
    entry_codes, _ = pd.factorize(a["entry_id"], sort=True)
    ks = np.array([k_of[k] for k in a["examiner_id"]], dtype=int)
    teams = teams_from_pairs(entry_codes, ks, int(entry_codes.max()) + 1 if len(a) else 0)
    se = se_of_teams(teams, len(ids), components, n_criteria)
    return pd.DataFrame({"examiner_id": ids, "n_entries": np.bincount(ks, minlength=len(ids)), "se": se})
