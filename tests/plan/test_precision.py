"""The precision model of scoring.plan against the full mixed model, and its default components."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.plan import DEFAULT_COMPONENTS, precision
from scoring.plan.precision import Precision


def _blup_pev(teams: list[list[int]], n_examiners: int, n_criteria: int, s_b2: float, s_u2: float,
              s2: float) -> np.ndarray:
    """Prediction-error covariance of the examiner effects, straight from the linear mixed model.

    y = X beta + Z_b b + Z_u u + e with one row per examiner x entry x criterion, beta the
    entry x criterion cells (fixed), b ~ N(0, s_b2 I), u ~ N(0, s_u2 I) per examiner x entry,
    e ~ N(0, s2 I). V = Z_b G_b Z_b' + Z_u G_u Z_u' + s2 I; with
    Q = V^-1 - V^-1 X (X' V^-1 X)^-1 X' V^-1 the BLUP's prediction-error covariance is
    Var(b_hat - b) = G_b - G_b Z_b' Q Z_b G_b (Henderson 1975).
    """
    rows = [(e, k, c) for e, team in enumerate(teams) for k in team for c in range(n_criteria)]
    n = len(rows)
    cells = {(e, c): i for i, (e, c) in enumerate(sorted({(e, c) for e, _, c in rows}))}
    pairs = {p: i for i, p in enumerate(sorted({(e, k) for e, k, _ in rows}))}
    X = np.zeros((n, len(cells)))
    Zb = np.zeros((n, n_examiners))
    Zu = np.zeros((n, len(pairs)))
    for i, (e, k, c) in enumerate(rows):
        X[i, cells[(e, c)]] = 1.0
        Zb[i, k] = 1.0
        Zu[i, pairs[(e, k)]] = 1.0
    V = s_b2 * Zb @ Zb.T + s_u2 * Zu @ Zu.T + s2 * np.eye(n)
    Vi = np.linalg.inv(V)
    Q = Vi - Vi @ X @ np.linalg.inv(X.T @ Vi @ X) @ X.T @ Vi
    G = s_b2 * np.eye(n_examiners)
    return G - G @ Zb.T @ Q @ Zb @ G


def _formula(teams, n_examiners, n_criteria, s_b2, s_u2, s2) -> np.ndarray:
    tau2 = s_u2 + s2 / n_criteria
    return Precision(n_examiners, s_b2, tau2).covariance([np.array(t) for t in teams])


@pytest.mark.parametrize(
    ("teams", "n_examiners", "n_criteria", "comps"),
    [
        ([[0, 1, 2], [1, 2, 3], [0, 3]], 4, 2, (2.0, 0.7, 1.3)),
        ([[0, 1], [2, 3], [1, 2, 4]], 6, 3, (89.4, 32.9, 44.4)),  # examiner 5 has no entry
        ([[0, 1, 2, 3], [0, 4], [3, 4, 5], [1, 5]], 6, 6, (5.0, 0.0, 3.0)),  # no examiner x entry term
        ([[0, 1, 2, 3, 4], [2, 3, 4, 5, 6], [0, 6, 7], [7, 1]], 8, 1, (0.3, 2.0, 0.5)),
    ],
)
def test_the_formula_is_the_blup_prediction_error(teams, n_examiners, n_criteria, comps):
    direct = _blup_pev(teams, n_examiners, n_criteria, *comps)
    formula = _formula(teams, n_examiners, n_criteria, *comps)
    np.testing.assert_allclose(formula, direct, rtol=0, atol=1e-10 * max(1.0, comps[0]))


def test_random_designs_agree_with_the_blup():
    rng = np.random.default_rng(20)
    for _ in range(5):
        K = int(rng.integers(4, 9))
        teams = [sorted(rng.choice(K, size=int(rng.integers(2, min(K, 5) + 1)), replace=False).tolist())
                 for _ in range(int(rng.integers(2, 6)))]
        comps = tuple(rng.uniform(0.2, 5.0, 3))
        C = int(rng.integers(1, 5))
        np.testing.assert_allclose(_formula(teams, K, C, *comps), _blup_pev(teams, K, C, *comps), atol=1e-10 * 5)


def test_precision_frame():
    examiners = pd.DataFrame({"examiner_id": ["A", "B", "C", "D"]})
    assignments = pd.DataFrame({"entry_id": ["e1", "e1", "e1", "e2", "e2", "e2"],
                                "examiner_id": ["A", "B", "C", "A", "B", "Z"]})  # Z: not on the roster
    comps = {"examiner": 4.0, "examiner_entry": float("nan"), "residual": 3.0}
    out = precision(assignments, examiners, comps, n_criteria=3)
    assert out.columns.tolist() == ["examiner_id", "n_entries", "se"]
    assert out["n_entries"].tolist() == [2, 2, 1, 0]
    assert out["se"].iloc[3] == pytest.approx(2.0)  # no entry: the prior sd
    # NaN examiner x entry variance is taken as 0: tau^2 = 3 / 3 = 1
    expected = _formula([[0, 1, 2], [0, 1]], 4, 3, 4.0, 0.0, 3.0)
    np.testing.assert_allclose(out["se"], np.sqrt(np.diag(expected)), atol=1e-12)
    assert out["se"].iloc[0] < out["se"].iloc[2] < out["se"].iloc[3]


def test_precision_uses_the_default_components():
    examiners = pd.DataFrame({"examiner_id": ["A", "B"]})
    out = precision(pd.DataFrame({"entry_id": ["e"] * 2, "examiner_id": ["A", "B"]}), examiners)
    tau2 = DEFAULT_COMPONENTS["examiner_entry"] + DEFAULT_COMPONENTS["residual"] / 6
    s_b2 = DEFAULT_COMPONENTS["examiner"]
    # two examiners on one entry: P = I / s_b2 + (I - J / 2) / tau2; eigenvalues 1/s_b2 and 1/s_b2 + 1/tau2
    var = 0.5 * s_b2 + 0.5 / (1 / s_b2 + 1 / tau2)
    assert out["se"].tolist() == pytest.approx([math.sqrt(var)] * 2, abs=1e-12)


def test_default_components_are_the_model_fitted_to_the_2024_demo():
    from scoring.calibration.model import fit_examiner_model
    from scoring.data import load_year

    fitted = fit_examiner_model(load_year(2024).scores).variances
    assert set(fitted) == set(DEFAULT_COMPONENTS)
    for name, value in DEFAULT_COMPONENTS.items():
        assert abs(fitted[name] - value) <= 0.05 + 1e-9, (name, fitted[name], value)
