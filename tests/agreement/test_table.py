"""agreement_table: the same numbers as the coefficient functions, per group, with counts and notes."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.agreement import (
    COEFFICIENTS,
    NOTES,
    agreement_table,
    brennan_prediger_estimate,
    fleiss_kappa_estimate,
    gwet_ac,
    gwet_ac_estimate,
    icc,
    krippendorff_alpha,
    krippendorff_alpha_estimate,
    percent_agreement,
    percent_agreement_estimate,
)
from scoring.agreement import table as table_module
from scoring.data import load_year
from scoring.notes import Note
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
    t = agreement_table(one_rater, rubric=RUBRIC, notes="text")
    assert t["estimate"].isna().all()
    assert (t["note"].str.len() > 0).all()


def test_off_scale_scores_are_noted_for_ac1_and_ac2_only():
    d = pd.DataFrame({"entry_id": list("AABBCCDD"), "examiner_id": ["E1", "E2"] * 4,
                      "score": [15.0, 20, 30, 35, 70, 80, 50, 50], "criterion": "staff"})
    t = agreement_table(d, rubric=RUBRIC, notes="text").set_index("coefficient")
    for coef in ("gwet_ac1", "gwet_ac2"):  # depend on the declared scale
        assert np.isnan(t.loc[coef, "estimate"])
        assert "15, 35 not on the declared scale (0, 10, ..., 100)" in t.loc[coef, "note"]
    for coef in COEFFICIENTS:  # the others take the scores as they are
        if coef not in ("gwet_ac1", "gwet_ac2"):
            assert np.isfinite(t.loc[coef, "estimate"]) and t.loc[coef, "note"] == "", coef
    assert t.loc["alpha_interval", "estimate"] == krippendorff_alpha(d, "entry_id", "examiner_id", "score")
    assert t.loc["percent_agreement", "estimate"] == 1 / 4  # by hand: only D agrees exactly
    assert t.loc["percent_within_step", "estimate"] == 1.0  # every pair within 10 points


ESTIMATES = ["estimate", "ci_low", "ci_high", "se", "n_units", "n_raters", "n_ratings", "method"]


def _declared_scale_table(g: pd.DataFrame) -> pd.DataFrame:
    """The non-ICC rows as the table computed them before the scale-free coefficients stopped
    needing a scale: every coefficient with the rubric's scale declared."""
    args = (g, "entry_id", "examiner_id", "score")
    est = {
        **{f"alpha_{lv}": krippendorff_alpha_estimate(*args, lv, CATS)
           for lv in ("nominal", "ordinal", "interval", "ratio")},
        "fleiss_kappa": fleiss_kappa_estimate(*args, CATS),
        "gwet_ac1": gwet_ac_estimate(*args, None, CATS),
        "gwet_ac2": gwet_ac_estimate(*args, "quadratic", CATS),
        "percent_agreement": percent_agreement_estimate(*args, 0, categories=CATS),
        "percent_within_step": percent_agreement_estimate(*args, RUBRIC.scale.step, categories=CATS),
    }
    return pd.DataFrame([[getattr(e, c) for c in ESTIMATES] for e in est.values()], index=list(est),
                        columns=ESTIMATES)


@pytest.mark.parametrize("year", [2019, 2024])
def test_award_numbers_unchanged_to_the_last_bit(year):
    """On the award's data (every score on the rubric's scale) the table gives exactly the
    numbers of the declared-scale computation it has always used."""
    yd = load_year(year)
    scores = yd.scores[yd.scores["stage"] == "individual"]
    t = agreement_table(scores, by=("criterion",), rubric=RUBRIC)
    for crit, g in scores.groupby("criterion"):
        got = t[t["criterion"] == crit].set_index("coefficient").loc[COEFFICIENTS[6:], ESTIMATES]
        pd.testing.assert_frame_equal(got, _declared_scale_table(g), check_exact=True, check_names=False,
                                      check_dtype=False)


def test_unknown_coefficient_and_column_are_clear_errors(individual):
    with pytest.raises(ValueError, match="unknown coefficient"):
        agreement_table(individual, coefficients=["kappa_x"])
    with pytest.raises(KeyError, match="klass"):
        agreement_table(individual, by=("klass",))


def test_notes_as_codes_and_their_sentences():
    one_rater = pd.DataFrame({"entry_id": ["A", "B", "C"], "examiner_id": "E01", "score": [10.0, 20, 30],
                              "criterion": "staff"})
    text = agreement_table(one_rater, rubric=RUBRIC, notes="text").set_index("coefficient")["note"]
    notes = agreement_table(one_rater, rubric=RUBRIC).set_index("coefficient")["note"]  # codes by default
    assert all(len(n) == 1 and isinstance(n[0], Note) for n in notes) and (notes.index == text.index).all()
    code = notes.map(lambda n: n[0].code)
    assert set(code) <= set(NOTES)
    assert (code[list(COEFFICIENTS[:6])] == "too_few_raters").all()
    assert (code[list(COEFFICIENTS[6:])] == "one_rating_per_unit").all()
    assert text["fleiss_kappa"] == NOTES["one_rating_per_unit"]
    same = one_rater.assign(examiner_id=["E01", "E02", "E01"], entry_id=["A", "A", "B"], score=50.0)
    same = pd.concat([same, same.assign(entry_id=["C", "C", "D"])])
    t = agreement_table(same, rubric=RUBRIC, coefficients=["ICC1", "fleiss_kappa", "gwet_ac1"],
                        notes="text").set_index("coefficient")
    c = agreement_table(same, rubric=RUBRIC, coefficients=["ICC1", "fleiss_kappa", "gwet_ac1"],
                        notes="code").set_index("coefficient")
    assert (c.loc["ICC1", "note"], t.loc["ICC1", "note"]) == ((Note("identical_ratings"),),
                                                              NOTES["identical_ratings"])
    assert (c.loc["fleiss_kappa", "note"], t.loc["fleiss_kappa", "note"]) == ((Note("undefined"),),
                                                                              NOTES["undefined"])
    assert (c.loc["gwet_ac1", "note"], t.loc["gwet_ac1", "note"]) == ((), "")  # AC1 = 1: no note
    off = pd.DataFrame({"entry_id": list("AABB"), "examiner_id": ["E1", "E2"] * 2, "score": [15.0, 20, 30, 30],
                        "criterion": "staff"})
    assert agreement_table(off, rubric=RUBRIC, coefficients=["gwet_ac2"], notes="code")["note"].tolist() == [
        (Note("off_scale"),)]
    with pytest.raises(ValueError, match="notes"):
        agreement_table(off, rubric=RUBRIC, notes="sv")


def test_every_error_code_has_a_sentence():
    source = "".join(p.read_text(encoding="utf-8") for p in Path(table_module.__file__).parent.glob("*.py"))
    codes = set(re.findall(r"""_error\(\s*["'](\w+)["']""", source))
    assert {"off_scale", "one_rating_per_unit", "too_few_raters"} <= codes
    assert codes <= set(NOTES)


def test_registering_a_coefficient_adds_a_row(individual, monkeypatch):
    monkeypatch.setattr(table_module, "_REGISTRY", dict(table_module._REGISTRY))
    table_module._register("brennan_prediger", "declared", lambda g, cats: brennan_prediger_estimate(
        *g.columns, None, cats, confidence=g.confidence))
    t = agreement_table(individual, rubric=RUBRIC, coefficients=["ICC1", "brennan_prediger"])
    assert list(t["coefficient"]) == ["ICC1", "brennan_prediger"] * 6
    for crit, g in individual.groupby("criterion"):
        row = t[(t["criterion"] == crit) & (t["coefficient"] == "brennan_prediger")].iloc[0]
        e = brennan_prediger_estimate(g, "entry_id", "examiner_id", "score", None, CATS)
        assert (row["estimate"], row["ci_low"], row["se"], row["n_units"]) == (e.estimate, e.ci_low, e.se, e.n_units)
