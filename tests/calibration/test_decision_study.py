"""The decision study's uncertainty (issue 17, point 4): a parametric bootstrap on the year's design.

The truth is known where the scores are drawn from the examiner model with given variance
components (``_known``): the true reliability of a team of n is w'Sigma w / (w'Sigma w +
(W^2 (s2_examiner + s2_examiner_entry) + sum w^2 s2_residual) / n) (Brennan 2001, the index of
dependability for raters nested in entries, as in :func:`scoring.calibration.decision_study`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.calibration import (
    DecisionUncertainty,
    decision_study,
    decision_study_uncertainty,
    entry_variance,
    fit_examiner_model,
)
from scoring.calibration import decision as decision_module
from scoring.calibration.decision import _criteria, _moments, _range, _refit, _SpectralRefit, _truth_covariance
from scoring.data import load_year
from scoring.simulate import CRITERIA, Settings, simulate_year

KNOWN = {"quality": 100.0, "criterion": 36.0, "examiner": 56.0, "examiner_entry": 38.0, "residual": 58.0}


def _known(seed: int, settings: Settings | None = None, known=KNOWN) -> pd.DataFrame:
    """Scores drawn from the examiner model with ``known`` components on a simulated design."""
    design = simulate_year(settings or Settings(), seed=seed).scores[["entry_id", "examiner_id", "criterion"]]
    rng = np.random.default_rng(7_000 + seed)
    e, entries = pd.factorize(design["entry_id"])
    k, examiners = pd.factorize(design["examiner_id"])
    c = pd.Index(CRITERIA).get_indexer(design["criterion"])
    true = (rng.normal(0, np.sqrt(known["quality"]), len(entries))[:, None]
            + rng.normal(0, np.sqrt(known["criterion"]), (len(entries), len(CRITERIA))))
    score = (50 + true[e, c] + rng.normal(0, np.sqrt(known["examiner"]), len(examiners))[k]
             + rng.normal(0, np.sqrt(known["examiner_entry"]), (len(entries), len(examiners)))[e, k]
             + rng.normal(0, np.sqrt(known["residual"]), len(design)))
    return design.assign(score=score, stage="individual")


def _true_total(n: float, known=KNOWN, n_criteria: int = len(CRITERIA)) -> float:
    true = known["quality"] + known["criterion"] / n_criteria
    err = known["examiner"] + known["examiner_entry"] + known["residual"] / n_criteria
    return true / (true + err / n)


@pytest.fixture(scope="module")
def demo():
    yd = load_year(2023)
    model = fit_examiner_model(yd.scores, rubric=yd.rubric)
    return yd, model


# --------------------------------------------------------------------------- the parts


def test_the_fast_refit_is_the_models_fit(demo):
    """The bootstrap refits on the year's design without rebuilding it: on the year's own scores it
    gives fit_examiner_model's variances and raw cell means."""
    _, model = demo
    d = model._design
    v, raw = _refit(d, d.y, model.theta, d.max_pair > 1)
    for k in ("examiner", "examiner_entry", "residual"):
        assert v[k] == pytest.approx(model.variances[k], rel=1e-6)
    np.testing.assert_allclose(raw, model.cells["raw_mean"].to_numpy())


def test_the_truth_covariance_is_entry_variance_in_matrix_form(demo):
    """w' Sigma w = entry_variance(model, w) for any weights (Sigma positive definite here, so
    nothing was clipped): the bootstrap draws entries with the variance the study estimates."""
    yd, model = demo
    crit = _criteria(model, yd.rubric)
    sigma = _truth_covariance(model, crit)
    assert np.linalg.eigvalsh(sigma).min() > 0
    rng = np.random.default_rng(1)
    for w in [np.full(len(crit), 1 / len(crit)), np.eye(len(crit))[2], rng.uniform(0, 1, len(crit))]:
        assert w @ sigma @ w == pytest.approx(entry_variance(model, dict(zip(crit, w, strict=True))), rel=1e-9)


def _draws(model, n: int, seed: int) -> list[np.ndarray]:
    """New scores on the model's design: its own with examiner, examiner x entry and score noise added."""
    d = model._design
    rng = np.random.default_rng(seed)
    return [d.y + rng.normal(0, 4, d.n_examiners)[d.examiner] + rng.normal(0, 3, d.team.shape)[d.entry, d.slot]
            + rng.normal(0, 6, d.n) for _ in range(n)]


@pytest.mark.parametrize("year", [2019, 2023])
def test_the_spectral_refit_is_the_refit(year):
    """On a design whose entries' blocks have one nonzero eigenvalue (the usual one) the bootstrap
    refits in O(examiners) per step (:class:`_SpectralRefit`): the same REML optimum as _refit, to the
    optimiser's tolerance, and the same raw cell means."""
    yd = load_year(year)
    model = fit_examiner_model(yd.scores, rubric=yd.rubric)
    d = model._design
    assert _SpectralRefit.usable(d)
    fast = _SpectralRefit(d)
    for y in [d.y, *_draws(model, 6, year)]:
        v0, raw0 = _refit(d, y, model.theta, d.max_pair > 1)
        v1, raw1 = fast(y, model.theta, d.max_pair > 1)
        np.testing.assert_array_equal(raw1, raw0)
        for k in ("examiner", "examiner_entry", "residual"):
            assert v1[k] == pytest.approx(v0[k], rel=1e-6), k
    # without the examiner x entry term (one score per examiner and entry), too
    v0, _ = _refit(d, d.y, model.theta, False)
    v1, _ = fast(d.y, model.theta, False)
    assert np.isnan(v0["examiner_entry"]) and np.isnan(v1["examiner_entry"])
    assert v1["examiner"] == pytest.approx(v0["examiner"], rel=1e-6)
    assert v1["residual"] == pytest.approx(v0["residual"], rel=1e-6)


def test_the_bootstrap_refits_spectrally_where_it_can(demo, monkeypatch):
    """A uniform design's replicates never go through the O(scores) refit (a national year: 5 ms a
    replicate instead of 60); a design without the one eigenvalue (2024's) still does."""
    yd, model = demo

    def refuse(*args, **kwargs):
        raise AssertionError("the slow refit")

    monkeypatch.setattr(decision_module, "_refit", refuse)
    u = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=5, seed=1)
    assert u.n_boot == 5
    y24 = load_year(2024)
    m24 = fit_examiner_model(y24.scores, rubric=y24.rubric)
    assert not _SpectralRefit.usable(m24._design)
    with pytest.raises(AssertionError, match="the slow refit"):
        decision_study_uncertainty(model=m24, rubric=y24.rubric, n_boot=2)


def test_the_truth_covariance_and_moments_are_the_dense_sums(demo):
    """_truth_covariance and _moments sum over the (entry, examiner) pairs that occur (a national year's
    entries x examiners x criteria array would be 36 million cells a criterion): the same as the dense
    sums over every entry, examiner and criterion, worked out here."""
    yd, model = demo
    crit = _criteria(model, yd.rubric)
    r = model.residuals
    entries = pd.Index(sorted(r["entry_id"].unique()))
    examiners = pd.Index(sorted(r["examiner_id"].unique()))
    n_cell = r.groupby(["entry_id", "criterion"])["score"].transform("size").to_numpy(dtype=float)
    M = np.zeros((len(crit), len(entries), len(examiners)))
    np.add.at(M, (pd.Index(crit).get_indexer(r["criterion"]), entries.get_indexer(r["entry_id"]),
                  examiners.get_indexer(r["examiner_id"])), 1.0 / n_cell)
    G, col = np.einsum("cek,dek->cd", M, M), M.sum(axis=1)
    n_e = len(entries)
    v = model.variances
    cells = model.cells
    raw = cells.pivot(index="entry_id", columns="criterion", values="raw_mean").reindex(index=entries, columns=crit)
    n_ec = cells.pivot(index="entry_id", columns="criterion", values="n_scores").reindex(index=entries, columns=crit)
    sigma = (np.cov(raw.to_numpy(dtype=float), rowvar=False) - v["examiner"] * (G - col @ col.T / n_e) / (n_e - 1)
             - v["examiner_entry"] * G / n_e - v["residual"] * np.diag((1.0 / n_ec.to_numpy()).sum(axis=0)) / n_e)
    lam, vec = np.linalg.eigh((sigma + sigma.T) / 2)
    np.testing.assert_allclose(_truth_covariance(model, crit), (vec * np.clip(lam, 0, None)) @ vec.T,
                               rtol=1e-10, atol=1e-10)
    w = {c: 1.0 / len(crit) for c in crit}
    A = np.einsum("c,cek->ek", np.full(len(crit), 1.0 / len(crit)), M)
    k = _moments(model, w).k
    assert k[0] == pytest.approx((np.sum(A**2) - A.sum(0) @ A.sum(0) / n_e) / (n_e - 1), rel=1e-12)
    assert k[1] == pytest.approx(np.sum(A**2) / n_e, rel=1e-12)


def test_the_range_grows_from_the_point_towards_the_larger_share():
    x = np.array([3] * 36 + [4] * 36 + [5] * 20 + [6] * 5 + [11] * 3)
    assert _range(x, 4, 0.9) == (3, 5, pytest.approx(0.92))
    assert _range(x, 4, 0.3) == (4, 4, pytest.approx(0.36))
    lo, hi, share = _range(x, 11, 0.9)  # a point out in the tail: the range still holds it
    assert lo <= 11 <= hi and share >= 0.9
    assert _range(np.array([2, 2, 9, 9]), 2, 0.9) == (2, 9, pytest.approx(1.0))  # jumps over sizes never seen


# --------------------------------------------------------------------------- the result


def test_summary_on_a_demo_year(demo):
    yd, model = demo
    u = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=60, seed=3)
    assert isinstance(u, DecisionUncertainty) and u.n_boot == 60 and u.largest == 10
    s = u.summary.set_index("criterion")
    assert list(s.index) == yd.rubric.criterion_ids + ["total"]
    point = decision_study(yd.scores, rubric=yd.rubric, model=model)
    # the point estimates are decision_study's (at today's median team of 5)
    smallest = point.groupby("criterion")["smallest_team"].first().fillna(11).astype(int)
    assert (s["smallest_team"] == smallest.reindex(s.index)).all()
    at5 = point[point["team_size"] == 5].set_index("criterion")["reliability"]
    np.testing.assert_allclose(s["reliability"], at5.reindex(s.index))
    assert (s["team_size"] == 5).all()
    # the range holds the point estimate and at least the level of the replicates, as it says
    assert ((s["smallest_low"] <= s["smallest_team"]) & (s["smallest_team"] <= s["smallest_high"])).all()
    assert (s["smallest_share"] >= 0.9 - 1e-9).all()
    for name, g in u.shares.groupby("criterion"):
        assert g["share"].sum() == pytest.approx(1.0)
        inside = g[g["smallest_team"].between(s.loc[name, "smallest_low"], s.loc[name, "smallest_high"])]
        assert inside["share"].sum() == pytest.approx(s.loc[name, "smallest_share"])
    assert (s["reliability_low"] < s["reliability_high"]).all()
    assert len(u.replicates) == 60 * len(s)
    assert (s["share_mc_se"] <= 0.5 / np.sqrt(60)).all() and (s["reliability_mc_se"] > 0).all()


def test_the_same_seed_gives_the_same_result_and_another_seed_another(demo):
    yd, model = demo
    a = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=25, seed=11)
    b = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=25, seed=11)
    c = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=25, seed=12)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    assert not np.allclose(a.replicates["reliability"], c.replicates["reliability"])
    # from the scores instead of a fitted model: the same
    d = decision_study_uncertainty(yd.scores, rubric=yd.rubric, n_boot=25, seed=11)
    pd.testing.assert_frame_equal(a.summary, d.summary)


def test_replicates_centre_on_the_truth_over_simulated_designs():
    """Twelve designs with known components: the replicates' median reliability (team of 5,
    weighted total) averages to the truth, and the replicates' spread matches the spread of the
    year's estimate across designs (the bootstrap is neither too narrow nor too wide).
    benchmarks/uncertainty.py does this on 80 designs and also measures coverage."""
    truth = _true_total(5)
    medians, sds, points = [], [], []
    for seed in range(12):
        u = decision_study_uncertainty(_known(seed), team_size=5, n_boot=40, seed=seed)
        r = u.replicates[u.replicates["criterion"] == "total"]["reliability"]
        medians.append(r.median())
        sds.append(r.std())
        points.append(u.summary.set_index("criterion").loc["total", "reliability"])
    assert abs(np.mean(medians) - truth) < 0.03
    assert abs(np.mean(points) - truth) < 0.03
    assert 0.6 < np.mean(sds) / np.std(points, ddof=1) < 1.7


def test_a_large_year_pins_the_truth_down():
    """With 400 entries the bootstrap is narrow and around the truth: it draws from the right model."""
    scores = _known(5, Settings(n_entries=400, n_examiners=150))
    u = decision_study_uncertainty(scores, team_size=5, n_boot=20, seed=0)
    t = u.summary.set_index("criterion").loc["total"]
    assert t["reliability_high"] - t["reliability_low"] < 0.05
    assert t["reliability_low"] - 0.01 <= _true_total(5) <= t["reliability_high"] + 0.01
    assert t["smallest_low"] <= 4 <= t["smallest_high"]  # the true smallest team for 0.8 is 4


def test_no_shared_entries_gives_no_uncertainty():
    """One examiner per entry: the model cannot be refitted, the summary says so (NaN, a note)."""
    s = pd.DataFrame([(f"P{e}", f"R{e}", c, 50.0 + e + i) for e in range(6) for i, c in enumerate("abc")],
                     columns=["entry_id", "examiner_id", "criterion", "score"])
    u = decision_study_uncertainty(s, n_boot=10)
    assert u.n_boot == 0 and u.notes == ["no_uncertainty"] and u.replicates.empty
    assert u.summary["reliability_low"].isna().all() and u.summary["smallest_low"].isna().all()
