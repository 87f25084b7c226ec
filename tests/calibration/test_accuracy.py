"""Accuracy against a reference (scoring.calibration.reference_accuracy): Cronbach's (1955)
decomposition, checked on small tables computed by hand and against a two-way ANOVA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from scoring.calibration import reference_accuracy
from scoring.calibration.accuracy import GROUP_ID
from scoring.notes import Note
from scoring.presentation.labels import note_text
from scoring.rubric import load_rubric

CRITERIA = ["target_group", "leadership", "staff"]


def long(table: dict[str, list[float]], examiner: str | None = None) -> pd.DataFrame:
    """{case: [score per CRITERIA]} as long rows; None scores are left out."""
    rows = [
        {"entry_id": case, "criterion": c, "score": x, **({"examiner_id": examiner} if examiner else {})}
        for case, xs in table.items()
        for c, x in zip(CRITERIA, xs, strict=True)
        if x is not None
    ]
    return pd.DataFrame(rows)


REFERENCE = long({"A": [60, 50, 40], "B": [30, 50, 70]})


def one(scores: pd.DataFrame, **kw) -> pd.Series:
    out = reference_accuracy(scores, REFERENCE, step=10, **kw)
    assert len(out) == 1
    return out.iloc[0]


def test_two_cases_by_hand():
    # x = [[70, 50, 60], [40, 40, 70]]; d = x - t = [[10, 0, 20], [10, -10, 0]]
    # grand mean d.. = (10 + 0 + 20 + 10 - 10 + 0) / 6 = 5
    # case means d1. = 10, d2. = 0; criterion means d.1 = 10, d.2 = -5, d.3 = 10
    # distance^2 = (100 + 0 + 400 + 100 + 100 + 0) / 6 = 700 / 6
    # differential elevation^2 = ((10 - 5)^2 + (0 - 5)^2) / 2 = 25
    # stereotype accuracy^2 = ((10 - 5)^2 + (-5 - 5)^2 + (10 - 5)^2) / 3 = 50
    # residuals d_ij - d_i. - d_.j + d.. = [[-5, 0, 5], [5, 0, -5]] -> differential accuracy^2 = 100 / 6
    # within one step (10): every |d| <= 10 except 20 -> 5 / 6
    r = one(long({"A": [70, 50, 60], "B": [40, 40, 70]}, "T01"))
    assert r["examiner_id"] == "T01"
    assert (r["n_scores"], r["n_reference"]) == (6, 6)
    assert r["distance"] == pytest.approx(math.sqrt(700 / 6))
    assert r["elevation"] == pytest.approx(5)
    assert r["differential_elevation"] == pytest.approx(5)
    assert r["stereotype_accuracy"] == pytest.approx(math.sqrt(50))
    assert r["differential_accuracy"] == pytest.approx(math.sqrt(100 / 6))
    assert r["within_one_step"] == pytest.approx(5 / 6)
    assert r["note"] is None


def test_one_case_by_hand():
    # t = [60, 50, 40], x = [80, 60, 70]: d = [20, 10, 30], d.. = 20
    # stereotype accuracy^2 = (0^2 + (-10)^2 + 10^2) / 3 = 200 / 3; both differential parts 0
    # distance^2 = (400 + 100 + 900) / 3 = 1400 / 3 = 20^2 + 200 / 3
    # within one step: only d = 10 -> 1 / 3
    ref = long({"A": [60, 50, 40]})
    out = reference_accuracy(long({"A": [80, 60, 70]}, "T01"), ref, step=10).iloc[0]
    assert out["elevation"] == pytest.approx(20)
    assert out["stereotype_accuracy"] == pytest.approx(math.sqrt(200 / 3))
    assert out["differential_elevation"] == 0 and out["differential_accuracy"] == 0
    assert out["distance"] == pytest.approx(math.sqrt(1400 / 3))
    assert out["within_one_step"] == pytest.approx(1 / 3)


def test_a_lenient_trainee_with_the_right_profile_has_only_elevation():
    # every score 10 above the reference: d = 10 everywhere
    r = one(long({"A": [70, 60, 50], "B": [40, 60, 80]}, "T01"))
    assert (r["distance"], r["elevation"]) == (pytest.approx(10), pytest.approx(10))
    assert r["differential_elevation"] == r["stereotype_accuracy"] == r["differential_accuracy"] == 0
    assert r["within_one_step"] == 1


def test_incomplete_table_gives_nan_profile_parts_with_a_note():
    # case B leadership left blank: d over the 5 cells present = [10, 0, 20, 10, 0]
    # distance^2 = (100 + 0 + 400 + 100 + 0) / 5 = 120; elevation = 40 / 5 = 8; within: 4 / 5
    r = one(long({"A": [70, 50, 60], "B": [40, None, 70]}, "T01"))
    assert (r["n_scores"], r["n_reference"]) == (5, 6)
    assert r["distance"] == pytest.approx(math.sqrt(120))
    assert r["elevation"] == pytest.approx(8)
    assert r["within_one_step"] == pytest.approx(4 / 5)
    assert all(np.isnan(r[c]) for c in ("differential_elevation", "stereotype_accuracy", "differential_accuracy"))
    assert r["note"] == Note("incomplete", {"missing": 1, "n": 6})
    assert note_text(r["note"]) == "ofullständig: 1 av 6 poäng saknas, profildelarna beräknas inte"


def test_no_scores_on_the_reference_cells():
    r = one(long({"Z": [70, 50, 60]}, "T01"))
    assert r["n_scores"] == 0 and np.isnan(r["distance"]) and np.isnan(r["elevation"])
    assert note_text(r["note"]) == "inga poäng på referensens fall och kriterier"


def test_per_criterion_by_hand():
    # d = [[10, 0, 20], [10, -10, 0]]; per criterion over the two cases (k = 1):
    # target_group d = [10, 10]: elevation 10, differential elevation 0, distance 10
    # leadership d = [0, -10]: elevation -5, differential elevation sqrt((5^2 + 5^2) / 2) = 5,
    #   distance sqrt((0 + 100) / 2)
    # staff d = [20, 0]: elevation 10, differential elevation 10, distance sqrt(400 / 2)
    out = reference_accuracy(long({"A": [70, 50, 60], "B": [40, 40, 70]}, "T01"), REFERENCE, by="criterion",
                             rubric=load_rubric())
    assert out["criterion"].tolist() == CRITERIA
    out = out.set_index("criterion")
    assert out["elevation"].tolist() == pytest.approx([10, -5, 10])
    assert out["differential_elevation"].tolist() == pytest.approx([0, 5, 10])
    assert out["distance"].tolist() == pytest.approx([10, math.sqrt(50), math.sqrt(200)])
    assert (out["stereotype_accuracy"] == 0).all() and (out["differential_accuracy"] == 0).all()
    assert out["within_one_step"].tolist() == pytest.approx([1, 1, 0.5])


def test_group_mean_by_hand():
    # T01 d = [[10, 0, 20], [10, -10, 0]], T02 d = [[-10, 0, 0], [10, 10, 20]] (x = t + d)
    # group mean d = [[0, 0, 10], [10, 0, 10]]: d.. = 30 / 6 = 5; d1. = 10/3, d2. = 20/3; d.j = [5, 0, 10]
    # differential elevation^2 = ((10/3 - 5)^2 + (20/3 - 5)^2) / 2 = 25 / 9
    # stereotype accuracy^2 = (0 + 25 + 25) / 3 = 50 / 3
    # distance^2 = (0 + 0 + 100 + 100 + 0 + 100) / 6 = 50; differential accuracy^2 by the identity
    #   = 50 - 25 - 25/9 - 50/3 = 50/9; directly: residuals [[-10/3, 5/3, 5/3], [10/3, -5/3, -5/3]]
    #   -> (2 * 100/9 + 4 * 25/9) / 6 = 50/9
    t1 = long({"A": [70, 50, 60], "B": [40, 40, 70]}, "T01")
    t2 = long({"A": [50, 50, 40], "B": [40, 60, 90]}, "T02")
    g = reference_accuracy(pd.concat([t1, t2]), REFERENCE, group=True, step=10)
    assert g["examiner_id"].tolist() == [GROUP_ID]
    r = g.iloc[0]
    assert r["elevation"] == pytest.approx(5)
    assert r["differential_elevation"] == pytest.approx(5 / 3)
    assert r["stereotype_accuracy"] == pytest.approx(math.sqrt(50 / 3))
    assert r["differential_accuracy"] == pytest.approx(math.sqrt(50 / 9))
    assert r["distance"] == pytest.approx(math.sqrt(50))
    by_crit = reference_accuracy(pd.concat([t1, t2]), REFERENCE, group=True, by="criterion", step=10)
    assert by_crit["elevation"].tolist() == pytest.approx([5, 0, 10])  # the group's mean minus the reference


def test_several_trainees_sorted_by_code_and_reference_rows_ignored():
    t1 = long({"A": [70, 50, 60], "B": [40, 40, 70]}, "T02")
    t2 = long({"A": [60, 50, 40], "B": [30, 50, 70]}, "T01")
    ref_rows = REFERENCE.assign(examiner_id="REF", stage="reference")
    out = reference_accuracy(pd.concat([t1.assign(stage="individual"), t2.assign(stage="individual"), ref_rows]),
                             REFERENCE, step=10)
    assert out["examiner_id"].tolist() == ["T01", "T02"]
    assert out.iloc[0]["distance"] == 0 and out.iloc[0]["within_one_step"] == 1


def test_incomplete_reference_is_named():
    ref = long({"A": [60, 50, 40], "B": [30, None, 70]})
    r = reference_accuracy(long({"A": [70, 50, 60], "B": [40, 40, 70]}, "T01"), ref, step=10).iloc[0]
    # the score for B leadership has no reference and is ignored: 5 cells
    assert (r["n_scores"], r["n_reference"]) == (5, 5)
    assert np.isnan(r["stereotype_accuracy"])
    assert note_text(r["note"]).startswith("referensen har inte poäng för alla fall och kriterier")


def test_duplicates_are_refused():
    t = long({"A": [70, 50, 60]}, "T01")
    with pytest.raises(ValueError, match="T01 has more than one score for A, target_group"):
        reference_accuracy(pd.concat([t, t.iloc[:1]]), REFERENCE, step=10)
    with pytest.raises(ValueError, match="more than one score for case A, target_group"):
        reference_accuracy(t, pd.concat([REFERENCE, REFERENCE.iloc[:1]]), step=10)
    with pytest.raises(ValueError, match="by must be"):
        reference_accuracy(t, REFERENCE, by="case", step=10)


def test_step_defaults_to_the_rubric():
    # project rubric: step 10; d = [10, 0, 20] on case A and nothing else -> 2 of 3 within one step
    ref = long({"A": [60, 50, 40]})
    r = reference_accuracy(long({"A": [70, 50, 60]}, "T01"), ref).iloc[0]
    assert r["within_one_step"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("n_cases", [1, 2, 5])
def test_squares_sum_to_distance_and_match_a_two_way_anova(n_cases):
    """On complete tables distance² = sum of the four squares, and the three profile parts
    are the case, criterion and residual sums of squares of a two-way ANOVA without
    replication on d, each divided by the number of cells (independent implementation:
    statsmodels' OLS and anova_lm)."""
    import statsmodels.api as sm  # a dev dependency: the cross-check runs, never skips
    import statsmodels.formula.api as smf
    rng = np.random.default_rng(n_cases)
    k = 6
    cases = [f"C{i}" for i in range(n_cases)]
    crits = [f"k{j}" for j in range(k)]
    t = rng.integers(0, 11, size=(n_cases, k)) * 10.0
    x = np.clip(t + rng.integers(-3, 4, size=(n_cases, k)) * 10.0, 0, 100)
    ref = pd.DataFrame([(c, j, t[a, b]) for a, c in enumerate(cases) for b, j in enumerate(crits)],
                       columns=["entry_id", "criterion", "score"])
    sc = pd.DataFrame([(c, j, x[a, b], "T") for a, c in enumerate(cases) for b, j in enumerate(crits)],
                      columns=["entry_id", "criterion", "score", "examiner_id"])
    r = reference_accuracy(sc, ref, step=10).iloc[0]
    parts = r[["elevation", "differential_elevation", "stereotype_accuracy", "differential_accuracy"]]
    assert r["distance"] ** 2 == pytest.approx(float((parts**2).sum()))
    d = sc.assign(d=x.ravel() - t.ravel())
    n = len(d)
    if n_cases > 1:
        fit = smf.ols("d ~ C(entry_id) + C(criterion)", data=d).fit()
        ss = sm.stats.anova_lm(fit, typ=1)["sum_sq"]
        assert r["differential_elevation"] ** 2 == pytest.approx(ss["C(entry_id)"] / n)
        assert r["stereotype_accuracy"] ** 2 == pytest.approx(ss["C(criterion)"] / n)
        assert r["differential_accuracy"] ** 2 == pytest.approx(ss["Residual"] / n, abs=1e-9)
    else:
        fit = smf.ols("d ~ C(criterion)", data=d).fit()
        with np.errstate(divide="ignore", invalid="ignore"):  # a saturated model: no residual df for its F
            ss = sm.stats.anova_lm(fit, typ=1)["sum_sq"]
        assert r["stereotype_accuracy"] ** 2 == pytest.approx(ss["C(criterion)"] / n)
        assert r["differential_elevation"] == 0 and r["differential_accuracy"] == 0
    assert r["elevation"] == pytest.approx(d["d"].mean())


@pytest.mark.parametrize("n_cases, k", [(1, 6), (2, 6), (4, 3)])
def test_components_match_cronbachs_own_formulas(n_cases, k):
    """Cronbach (1955) writes each component with the judge's scores x and the true scores t
    centred separately (not through d = x - t):

        E² = (x.. − t..)²
        DE² = (1/n) Σi [(xi. − x..) − (ti. − t..)]²
        SA² = (1/k) Σj [(x.j − x..) − (t.j − t..)]²
        DA² = (1/nk) Σij [(xij − xi. − x.j + x..) − (tij − ti. − t.j + t..)]²

    An implementation in that form, written here independently of the module's, gives the same four
    numbers (the module returns their square roots, E signed)."""
    rng = np.random.default_rng(100 * n_cases + k)
    cases = [f"C{i}" for i in range(n_cases)]
    crits = [f"k{j}" for j in range(k)]
    t = rng.integers(0, 11, size=(n_cases, k)) * 10.0
    x = np.clip(t + rng.integers(-3, 4, size=(n_cases, k)) * 10.0, 0, 100)
    ref = pd.DataFrame([(c, j, t[a, b]) for a, c in enumerate(cases) for b, j in enumerate(crits)],
                       columns=["entry_id", "criterion", "score"])
    sc = pd.DataFrame([(c, j, x[a, b], "T") for a, c in enumerate(cases) for b, j in enumerate(crits)],
                      columns=["entry_id", "criterion", "score", "examiner_id"])
    r = reference_accuracy(sc, ref, step=10).iloc[0]

    def parts(m):
        grand, rows, cols = m.mean(), m.mean(axis=1, keepdims=True), m.mean(axis=0, keepdims=True)
        return grand, rows - grand, cols - grand, m - rows - cols + grand

    xg, xr, xc, xi = parts(x)
    tg, tr, tc, ti = parts(t)
    assert r["elevation"] == pytest.approx(xg - tg)
    assert r["differential_elevation"] ** 2 == pytest.approx(np.mean((xr - tr) ** 2), abs=1e-9)
    assert r["stereotype_accuracy"] ** 2 == pytest.approx(np.mean((xc - tc) ** 2), abs=1e-9)
    assert r["differential_accuracy"] ** 2 == pytest.approx(np.mean((xi - ti) ** 2), abs=1e-9)
