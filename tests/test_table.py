"""agreement_table: the same numbers as the coefficient functions, per group, with counts and notes."""

import numpy as np
import pandas as pd
import pytest

from scoring.agreement import (
    COEFFICIENTS,
    agreement_table,
    gwet_ac,
    icc,
    krippendorff_alpha,
    percent_agreement,
)
from scoring.data import load_year
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
CATS = RUBRIC.scale.values


@pytest.fixture(scope="module")
def individual():
    yd = load_year(2022)
    return yd.scores[yd.scores["stage"] == "individual"]


def test_table_matches_the_functions_it_summarises(individual):
    t = agreement_table(individual, by=("criterion",), rubric=RUBRIC)
    assert len(t) == 6 * len(COEFFICIENTS)
    for crit, g in individual.groupby("criterion"):
        row = t[t["criterion"] == crit].set_index("coefficient")
        forms = icc(g, "entry_id", "examiner_id", "score")
        for form in ("ICC1", "ICC2", "ICC3k"):
            assert row.loc[form, "estimate"] == pytest.approx(forms.loc[form, "icc"])
            assert row.loc[form, "ci_low"] == pytest.approx(forms.loc[form, "ci_low"])
        assert row.loc["alpha_interval", "estimate"] == pytest.approx(
            krippendorff_alpha(g, "entry_id", "examiner_id", "score", "interval", CATS))
        assert row.loc["gwet_ac2", "estimate"] == pytest.approx(
            gwet_ac(g, "entry_id", "examiner_id", "score", "quadratic", CATS))
        assert row.loc["percent_within_step", "estimate"] == pytest.approx(
            percent_agreement(g, "entry_id", "examiner_id", "score", 10, categories=CATS))
        assert (row["n_units"] == g["entry_id"].nunique()).all()
        assert (row["n_ratings"] == len(g)).all()
        assert (row["ci_low"] <= row["estimate"] + 1e-12).all() and (row["estimate"] <= row["ci_high"] + 1e-12).all()


def test_overall_and_several_grouping_columns(individual):
    overall = agreement_table(individual, by=(), rubric=RUBRIC, coefficients=["ICC1", "alpha_interval"])
    assert list(overall["coefficient"]) == ["ICC1", "alpha_interval"]
    two = agreement_table(individual.assign(year=2022), by=("year", "criterion"), rubric=RUBRIC,
                          coefficients=["ICC1"])
    assert list(two.columns[:3]) == ["year", "criterion", "coefficient"] and len(two) == 6


def test_a_group_that_cannot_be_computed_gets_nan_and_a_note():
    one_rater = pd.DataFrame({"entry_id": ["A", "B", "C"], "examiner_id": "E01", "score": [10.0, 20, 30],
                              "criterion": "staff"})
    t = agreement_table(one_rater, rubric=RUBRIC)
    assert t["estimate"].isna().all()
    assert (t["note"].str.len() > 0).all()


def test_off_scale_scores_are_noted_not_fatal():
    d = pd.DataFrame({"entry_id": list("AABBCC"), "examiner_id": ["E1", "E2"] * 3,
                      "score": [15.0, 20, 30, 35, 70, 80], "criterion": "staff"})
    t = agreement_table(d, rubric=RUBRIC).set_index("coefficient")
    assert np.isfinite(t.loc["ICC1", "estimate"])  # the ICC needs no declared categories
    for coef in ("alpha_interval", "fleiss_kappa", "gwet_ac2"):
        assert np.isnan(t.loc[coef, "estimate"])
        assert "15, 35 not on the declared scale" in t.loc[coef, "note"]


def test_unknown_coefficient_and_column_are_clear_errors(individual):
    with pytest.raises(ValueError, match="unknown coefficient"):
        agreement_table(individual, coefficients=["kappa_x"])
    with pytest.raises(KeyError, match="klass"):
        agreement_table(individual, by=("klass",))
