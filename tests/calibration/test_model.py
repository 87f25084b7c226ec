"""The examiner-effect model against lme4, a dense implementation, simulation truth and edge cases."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring import calibration
from scoring.calibration import fit_examiner_model
from scoring.calibration import model as model_module
from scoring.data import load_year
from scoring.presentation.labels import note_text
from scoring.simulate import Settings, simulate_year

LME4 = Path(__file__).parents[1] / "reference" / "lme4"
SETS = ("demo2023", "disconnected", "unbiased_seed7", "boundary")


def _read(name: str) -> pd.DataFrame:
    d = pd.read_csv(LME4 / f"{name}.csv", dtype=str)
    return d.assign(score=d["score"].astype(float))


# --------------------------------------------------------------------------- lme4


@pytest.mark.parametrize("name", SETS)
def test_agrees_with_lme4(name):
    """lmer(score ~ 0 + entry:criterion + (1 | examiner) + (1 | examiner:entry), REML = TRUE)
    in R 4.2.2 / lme4 1.1.31 (tests/reference/lme4/fit_lme4.R; versions.txt)."""
    m = fit_examiner_model(_read(name))
    ref = pd.read_csv(LME4 / f"{name}_variances.csv").set_index("component")["variance"]
    for comp, value in ref.items():
        if value < 1e-8:  # lme4 at the boundary (singular fit): ~1e-18
            assert m.variances[comp] == pytest.approx(0.0, abs=1e-6), comp
        else:
            assert m.variances[comp] == pytest.approx(value, rel=1e-4), comp
    ranef = pd.read_csv(LME4 / f"{name}_effects.csv", dtype={"examiner_id": str}).set_index("examiner_id")["effect"]
    ours = m.effects.set_index("examiner_id")["bias"].reindex(ranef.index)
    ours = ours.fillna(0.0)  # an examiner alone in a group: lme4's mode is 0, ours is "not estimable"
    assert np.max(np.abs(ours - ranef)) < 1e-3
    crit = pd.read_csv(LME4 / f"{name}_fit.csv")["REMLcrit"].iloc[0]
    assert m.deviance == pytest.approx(crit, abs=1e-5)


# --------------------------------------------------------------------------- dense reference


def _dense(scores: pd.DataFrame, lam_b: np.ndarray, theta_u: float, sigma2: float):
    """GLS cell estimates, their covariance and the examiners' posterior covariance from dense
    matrices: V = I + Z Lambda Lambda' Z' (Henderson's equations with a flat prior on cells)."""
    cell = pd.factorize(scores["entry_id"] + "|" + scores["criterion"], sort=True)[0]
    ex, exams = pd.factorize(scores["examiner_id"], sort=True)
    pair = pd.factorize(scores["examiner_id"] + "|" + scores["entry_id"], sort=True)[0]
    n = len(scores)
    X = np.zeros((n, cell.max() + 1))
    X[np.arange(n), cell] = 1
    Zb = np.zeros((n, len(exams)))
    Zb[np.arange(n), ex] = 1
    Zu = np.zeros((n, pair.max() + 1))
    Zu[np.arange(n), pair] = 1
    Z = np.hstack([Zb * lam_b, Zu * theta_u])
    y = scores["score"].to_numpy(float)
    p = X.shape[1]
    C = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + np.eye(Z.shape[1])]])
    Cinv = np.linalg.inv(C)
    sol = Cinv @ np.concatenate([X.T @ y, Z.T @ y])
    beta, cov_beta = sol[:p], sigma2 * Cinv[:p, :p]
    kb = len(exams)
    cov_b = sigma2 * Cinv[p : p + kb, p : p + kb] * np.outer(lam_b, lam_b)
    return beta, cov_beta, lam_b * sol[p : p + kb], cov_b


def test_cells_intervals_and_draws_match_a_dense_computation():
    d = _read("disconnected")
    m = fit_examiner_model(d)
    theta_b, theta_u = m.theta
    K = m.effects["examiner_id"].to_numpy()
    lam_full = np.full(len(K), theta_b)
    _, _, b, cov_b = _dense(d, lam_full, theta_u, m.sigma2)
    e = m.effects.set_index("examiner_id").loc[K]
    assert np.allclose(e["bias"].fillna(0.0), b, atol=1e-6)
    # interval: variance of the effect relative to its group's mean
    for g in e["group"].unique():
        idx = np.flatnonzero(e["group"].to_numpy() == g)
        if len(idx) < 2:
            continue
        c = np.eye(len(idx)) - 1.0 / len(idx)
        var = np.diag(c @ cov_b[np.ix_(idx, idx)] @ c)
        assert np.allclose(e["se"].to_numpy()[idx] ** 2, var, rtol=1e-6, atol=1e-9)
    # cells: examiners below min_scores (A9) are not adjusted for
    lam_cells = np.where(e["adjusted"].to_numpy(), theta_b, 0.0)
    assert not e.loc["A9", "adjusted"]
    beta, cov_beta, _, _ = _dense(d, lam_cells, theta_u, m.sigma2)
    assert np.allclose(m.cells["adjusted"].to_numpy(), beta, atol=1e-6)
    # joint draws: mean and covariance of the exact posterior
    draws = m.draw_cells(20_000, np.random.default_rng(5))
    assert draws.shape == (20_000, len(m.cells))
    se = np.sqrt(np.diag(cov_beta))
    assert np.max(np.abs(draws.mean(axis=0) - beta) / se) < 0.05
    emp = np.cov(draws.T)
    assert np.max(np.abs(emp - cov_beta)) / np.max(np.diag(cov_beta)) < 0.03


def test_draws_on_the_spectral_path_match_a_dense_computation():
    """demo2023 (every examiner of an entry scored each criterion once) is solved through the
    spectrum of the Schur complement; its cells and joint draws are the dense posterior's."""
    d = _read("demo2023")
    m = fit_examiner_model(d)
    assert isinstance(m._cells_solution.schur, model_module._SpectralSchur)
    theta_b, theta_u = m.theta
    lam = np.where(m.effects.set_index("examiner_id").loc[pd.factorize(d["examiner_id"], sort=True)[1],
                                                          "adjusted"].to_numpy(), theta_b, 0.0)
    beta, cov_beta, _, _ = _dense(d, lam, theta_u, m.sigma2)
    assert np.allclose(m.cells["adjusted"].to_numpy(), beta, atol=1e-6)
    draws = m.draw_cells(20_000, np.random.default_rng(6))
    se = np.sqrt(np.diag(cov_beta))
    assert np.max(np.abs(draws.mean(axis=0) - beta) / se) < 0.05
    assert np.max(np.abs(np.cov(draws.T) - cov_beta)) / np.max(np.diag(cov_beta)) < 0.03


def _prepared(scores: pd.DataFrame) -> pd.DataFrame:
    ind = scores[scores["stage"] == "individual"] if "stage" in scores.columns else scores
    return ind[["entry_id", "examiner_id", "criterion", "score"]].astype({"score": float}).reset_index(drop=True)


def test_design_blocks_equal_a_direct_construction():
    """G_e = sum over the entry's cells of diag(N_c) - N_c N_c' / n_c and g_e = sum of the
    cell-demeaned scores per slot, built here score by score (np.add.at), as the design had them."""
    ind = _prepared(load_year(2024).scores)  # a missing score: blocks with unequal eigenvalues
    d = model_module._design(ind)
    n_e, m = d.team.shape
    counts = np.zeros((d.n_cells, m))
    np.add.at(counts, (d.cell, d.slot), 1.0)
    G = np.zeros((n_e, m, m))
    np.add.at(G, d.cell_entry, -counts[:, :, None] * counts[:, None, :] / d.cell_n[:, None, None])
    diag = np.zeros((n_e, m))
    np.add.at(diag, (d.entry, d.slot), 1.0)
    G[:, np.arange(m), np.arange(m)] += diag
    g = np.zeros((n_e, m))
    np.add.at(g, (d.entry, d.slot), d.y - d.cell_mean[d.cell])
    assert np.array_equal(d.G, G) and np.array_equal(d.g, g)
    assert np.array_equal(d.team[d.entry, d.slot], d.examiner)  # each score's slot holds its examiner
    cells = ind.groupby(["entry_id", "criterion"])["score"].agg(["mean", "size"])
    assert np.allclose(d.cell_mean, cells["mean"]) and np.array_equal(d.cell_n, cells["size"])
    assert d.uniform_spectrum() is None  # 2024's blocks: the Cholesky path


@pytest.mark.parametrize("name", ["demo2023", "unbiased_seed7"])
def test_spectral_and_cholesky_paths_agree(monkeypatch, name):
    """At the same relative sds the spectral shortcut gives the Cholesky path's solution,
    REML deviance and gradient; the fitted model is the same."""
    d = model_module._design(_prepared(_read(name)))
    assert d.uniform_spectrum() is not None
    k = d.n_examiners
    for theta_b, theta_u in [(0.9, 0.7), (0.3, 0.0), (1.4, 2.0), (0.0, 0.5)]:
        lam = np.full(k, theta_b)
        fast = model_module._solve(d, lam, theta_u)
        monkeypatch.setattr(d, "spectrum", [None])  # as if the blocks had several eigenvalues
        slow = model_module._solve(d, lam, theta_u)
        monkeypatch.undo()
        assert isinstance(fast.schur, model_module._SpectralSchur) or theta_b == 0.0
        assert isinstance(slow.schur, model_module._CholeskySchur)
        assert fast.logdet == pytest.approx(slow.logdet, rel=1e-12, abs=1e-12)
        assert fast.r2 == pytest.approx(slow.r2, rel=1e-12)
        assert np.allclose(fast.b, slow.b, rtol=1e-10, atol=1e-12)
        g_fast = model_module._gradient(d, fast, theta_b**2)
        g_slow = model_module._gradient(d, slow, theta_b**2)
        assert np.allclose(g_fast, g_slow, rtol=1e-9, atol=1e-9)
        assert np.allclose(fast.schur.inverse_diagonal(), slow.schur.inverse_diagonal(), rtol=1e-12)
        assert np.allclose(fast.chol, slow.chol, rtol=1e-12, atol=1e-14)
    fast_model = fit_examiner_model(_read(name))
    monkeypatch.setattr(model_module._Spectrum, "of", classmethod(lambda cls, d: None))
    slow_model = fit_examiner_model(_read(name))
    assert not isinstance(slow_model._cells_solution.schur, model_module._SpectralSchur)
    for comp, value in slow_model.variances.items():
        assert fast_model.variances[comp] == pytest.approx(value, rel=1e-7, abs=1e-9), comp
    assert np.allclose(fast_model.effects["bias"], slow_model.effects["bias"], rtol=1e-6, atol=1e-8)
    assert np.allclose(fast_model.cells["adjusted"], slow_model.cells["adjusted"], rtol=1e-9)


def test_a_copy_with_other_scores_shares_the_spectrum():
    """What the decision study's bootstrap refits rely on: the spectrum depends on the teams
    and the blocks only, so a copy of the design with new scores reuses it."""
    from dataclasses import replace

    d = model_module._design(_prepared(_read("demo2023")))
    spectrum = d.uniform_spectrum()
    new = replace(d, y=d.y + 1.0)
    assert new.uniform_spectrum() is spectrum


def test_raw_means_are_kept_beside_the_adjusted_values():
    d = _read("disconnected")
    cells = fit_examiner_model(d).cells.set_index(["entry_id", "criterion"])
    raw = d.groupby(["entry_id", "criterion"])["score"].agg(["mean", "size"])
    assert np.allclose(cells["raw_mean"], raw.loc[cells.index, "mean"])
    assert (cells["n_scores"] == raw.loc[cells.index, "size"]).all()
    assert cells.loc[("B-02", "staff"), "n_scores"] == 1  # a cell with one score


# --------------------------------------------------------------------------- recovery


def _pooled_correlation(settings: Settings, seeds) -> float:
    """Correlation of estimated and true effects (examiners with >= 10 scores), truth centred
    within each simulated year's connected group (only differences are identified)."""
    est, true = [], []
    for seed in seeds:
        sim = simulate_year(settings, seed=seed)
        e = fit_examiner_model(sim.scores).effects.merge(sim.examiners, on="examiner_id", suffixes=("", "_true"))
        e["t"] = e["bias_true"] - e.groupby("group")["bias_true"].transform("mean")
        e = e[e["n_scores"] >= 10]
        est.append(e["bias"].to_numpy())
        true.append(e["t"].to_numpy())
    return float(np.corrcoef(np.concatenate(est), np.concatenate(true))[0, 1])


def test_recovers_simulated_effects_reference_design():
    """Issue 7, point 9: r >= 0.93 (reference simulation; fresh seeds)."""
    assert _pooled_correlation(Settings(), range(9001, 9013)) >= 0.93


def test_does_not_mistake_a_harsh_circle_for_a_normal_one():
    """Teams mostly within circles of ~20 examiners sharing a severity: r >= 0.95."""
    assert _pooled_correlation(Settings(circle_size=20), range(9101, 9113)) >= 0.95


def test_intervals_cover_the_truth():
    inside = []
    for seed in range(9201, 9206):
        sim = simulate_year(Settings(), seed=seed)
        e = fit_examiner_model(sim.scores).effects.merge(sim.examiners, on="examiner_id", suffixes=("", "_true"))
        t = e["bias_true"] - e.groupby("group")["bias_true"].transform("mean")
        inside.append(((e["ci_low"] <= t) & (t <= e["ci_high"])).to_numpy())
    assert 0.88 <= np.concatenate(inside).mean() <= 0.99


def test_an_examiner_who_drew_strong_entries_is_not_called_lenient():
    rng = np.random.default_rng(1)
    bias = {f"E{i}": rng.normal(0, 5) for i in range(20)} | {"LUCKY": 0.0}
    rows = []
    for entry in range(60):
        quality = 80 if entry < 10 else 40
        team = (["LUCKY"] if entry < 10 else []) + list(rng.choice([f"E{i}" for i in range(20)], 4, replace=False))
        for ex in team:
            for c in ("target_group", "staff"):
                rows.append((f"X{entry}", ex, c, quality + bias[ex] + rng.normal(0, 5), "individual"))
    d = pd.DataFrame(rows, columns=["entry_id", "examiner_id", "criterion", "score", "stage"])
    e = calibration.examiner_effects(d).set_index("examiner_id")
    assert abs(e.loc["LUCKY", "bias"]) < 3
    assert e.loc["LUCKY", "ci_low"] < 0 < e.loc["LUCKY", "ci_high"]


# --------------------------------------------------------------------------- groups and edge cases


def test_connected_groups_and_effects_relative_to_the_group():
    m = fit_examiner_model(_read("disconnected"))
    g = m.groups.set_index("examiner_id")["group"]
    assert set(g[g.index.str.startswith("A")]) == {1} and set(g[g.index.str.startswith("B")]) == {2}
    eg = m.entry_groups.set_index("entry_id")["group"]
    assert eg["A-05"] == 1 and eg["B-03"] == 2
    sums = m.effects.groupby("group")["bias"].sum()
    assert np.allclose(sums, 0.0, atol=1e-8)
    assert any("2 grupper" in note_text(n) for n in m.notes)


def test_examiner_on_one_entry_is_reported_but_not_adjusted():
    e = calibration.examiner_effects(_read("disconnected")).set_index("examiner_id")
    a9 = e.loc["A9"]
    assert a9["n_entries"] == 1 and a9["n_scores"] == 6 and not a9["adjusted"]
    assert np.isfinite(a9["bias"]) and a9["ci_low"] < a9["bias"] < a9["ci_high"]
    assert e.drop("A9")["adjusted"].all()


def test_variance_at_the_boundary():
    m = fit_examiner_model(_read("boundary"))
    assert m.theta[0] == 0.0 and m.variances["examiner"] == 0.0
    assert np.allclose(m.effects["bias"], 0.0)
    assert any("inga skillnader" in note_text(n) for n in m.notes)
    draws = m.draw_cells(10, np.random.default_rng(0))
    assert np.isfinite(draws).all()


def test_one_examiner_per_entry_says_so_and_does_not_crash():
    rows = [(f"X{e}", f"E{e}", c, 50.0 + 10 * (e % 3)) for e in range(8) for c in ("staff", "results")]
    d = pd.DataFrame(rows, columns=["entry_id", "examiner_id", "criterion", "score"])
    m = fit_examiner_model(d)
    assert m.effects["bias"].isna().all() and not m.effects["adjusted"].any()
    assert np.isnan(m.variances["examiner"])
    assert any("en examinator per bidrag" in note_text(n) for n in m.notes)
    assert np.allclose(m.cells["adjusted"], m.cells["raw_mean"])
    assert np.allclose(m.draw_cells(3, np.random.default_rng(0)), m.cells["adjusted"].to_numpy())


def test_question_level_scores_rolled_up_and_incomplete_scorebooks():
    """2022: two examiners scored questions (rolled up by load_year); 2024: a missing score."""
    for year in (2022, 2024):
        yd = load_year(year)
        m = fit_examiner_model(yd.scores, rubric=yd.rubric)
        ind = yd.scores[yd.scores["stage"] == "individual"]
        assert m.effects["n_scores"].sum() == len(ind)
        assert m.cells["n_scores"].sum() == len(ind)
        assert np.isfinite(m.effects["bias"]).all()


def test_single_criterion_drops_the_examiner_entry_term():
    d = _read("disconnected")
    m = fit_examiner_model(d[d["criterion"] == "staff"])
    assert np.isnan(m.variances["examiner_entry"]) and m.theta[1] == 0.0
    assert any("utelämnas" in note_text(n) for n in m.notes)


def test_no_individual_scores_is_an_error():
    d = _read("disconnected").assign(stage="consensus")
    with pytest.raises(ValueError, match="no individual scores"):
        fit_examiner_model(d)


def test_examiner_effects_table_for_the_report():
    e = calibration.examiner_effects(load_year(2023).scores)
    cols = ["examiner_id", "bias", "ci_low", "ci_high", "n_entries", "n_scores", "adjusted", "group", "range",
            "halo", "inconsistency"]
    assert set(cols) <= set(e.columns)
    assert e["bias"].is_monotonic_decreasing  # one group: most lenient first
    assert (e["ci_low"] < e["bias"]).all() and (e["bias"] < e["ci_high"]).all()
    assert set(e.attrs) >= {"variances", "residual_sd", "notes"}


# --------------------------------------------------------------------------- command line


def test_examiners_command_prints_the_model(capsys):
    import json

    from scoring.cli import main
    from scoring.paths import DATA_DIR

    assert main(["examiners", str(DATA_DIR / "2023" / "scores.csv"), "--format", "json", "--reading"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == load_year(2023).scores.query("stage == 'individual'")["examiner_id"].nunique()
    need = {"examiner_id", "bias", "ci_low", "ci_high", "n_scores", "adjusted", "group", "range", "halo",
            "inconsistency", "reading"}
    assert need <= set(records[0])
    assert records[0]["reading"].startswith(("Generösare", "Skiljer"))


def test_examiners_command_on_a_year_without_shared_entries(tmp_path, capsys):
    from scoring.cli import main

    rows = ["year,entry_id,examiner_id,criterion,score,stage"]
    rows += [f"2030,X{e},E{e},{c},{50 + 10 * (e % 3)},individual" for e in range(6) for c in ("staff", "results")]
    path = tmp_path / "scores.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["examiners", str(path), "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert "en examinator per bidrag" in out.err
    assert len(out.out.strip().splitlines()) == 7
