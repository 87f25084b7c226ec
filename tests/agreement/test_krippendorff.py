"""Krippendorff's alpha: published values, reference cases, cross-checks, edge cases, scale.

Reference numbers come from tests/reference/cases.json (fixture ``cases``; sources in
tests/reference/README.md); each entry below names the call that produced it. Data are read
from tests/reference and reshaped to long format here.
"""

from __future__ import annotations

import doctest
import math
import tracemalloc

import krippendorff as kd  # test-only cross-check (fast-krippendorff)
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from reference_formats import COLS, distribution_to_long, table_to_long, wide_to_long
from scipy import stats

from scoring.agreement import _coding as coding
from scoring.agreement import agreement_weights
from scoring.agreement import krippendorff as krippendorff_module
from scoring.agreement.chance import gwet_ac, percent_agreement
from scoring.agreement.krippendorff import krippendorff_alpha, krippendorff_alpha_estimate

LEVELS = ("nominal", "ordinal", "interval", "ratio")


# --------------------------------------------------------------------------------------
# reference data -> long format
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ref(reference_dir):
    class Ref:
        r5 = wide_to_long(reference_dir / "gwet_cac_raw5obser.csv")  # categories 0..3, missing
        anx = wide_to_long(reference_dir / "irr_anxiety.csv")  # categories 1..6
        fleiss = wide_to_long(reference_dir / "fleiss_1971_diagnoses.csv")  # 1..5
        d6 = distribution_to_long(reference_dir / "gwet_distrib_6raters.csv")  # 1..5
        c3 = table_to_long(reference_dir / "gwet_cont3x3abstractors.csv")  # 1..3
        gender = wide_to_long(reference_dir / "gwet_cac_raw_gender.csv").replace(
            {"score": {"a": 1, "b": 2, "c": 3}}
        )

    return Ref


R5, ANX, FL5, C3 = [0, 1, 2, 3], list(range(1, 7)), list(range(1, 6)), [1, 2, 3]


# --------------------------------------------------------------------------------------
# Krippendorff (2011): the published worked example
# --------------------------------------------------------------------------------------
# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, section C:
# reliability data matrix of 4 observers x 12 units, values 1..5, "." = missing.
NA = np.nan
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    "C": [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
}


@pytest.fixture(scope="module")
def k2011():
    d = pd.DataFrame(KRIPPENDORFF_2011).reset_index(names="unit")
    return d.melt("unit", var_name="rater", value_name="score")


@pytest.mark.parametrize("categories", [FL5, None], ids=["declared 1..5", "no categories"])
@pytest.mark.parametrize(
    "level, published",
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_example(k2011, level, published, categories):
    # published to 3 decimals; without categories the 1..5 ratings (off the rubric's
    # 0, 10, ..., 100) are taken as they are: alpha's levels need no declared scale
    assert krippendorff_alpha(k2011, *COLS, level, categories) == pytest.approx(published, abs=5e-4)


def test_issue_6_reproduction(k2011):
    """An analyst's call on Krippendorff's 1..5 data with the award's rubric (0..100) around."""
    d = k2011.rename(columns={"score": "rating"})
    assert krippendorff_alpha(d, "unit", "rater", "rating", level="nominal") == pytest.approx(0.743, abs=5e-4)
    assert percent_agreement(d, "unit", "rater", "rating") == pytest.approx(9 / 11, abs=1e-15)


def test_percent_agreement_on_the_2011_example_by_hand(k2011):
    """Krippendorff (2011) data counted by hand: agreeing ordered pairs / all ordered pairs
    per unit with two or more ratings (units 1..11; unit 12 has one rating)."""
    exact = [1, 6 / 12, 1, 1, 1, 0, 1, 6 / 12, 1, 1, 1]  # unit 2: 2,2,3,2; 6: 1,2,3,4; 8: 1,1,2,1
    within_1 = [1, 1, 1, 1, 1, 6 / 12, 1, 1, 1, 1, 1]  # unit 6: 1-2, 2-3, 3-4 of six pairs
    all_exact = [1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1]  # irr::agree's rule: every rating the same
    assert percent_agreement(k2011, *COLS) == pytest.approx(np.mean(exact), abs=1e-15)
    assert percent_agreement(k2011, *COLS, 1) == pytest.approx(np.mean(within_1), abs=1e-15)
    assert percent_agreement(k2011, *COLS, method="units") == pytest.approx(np.mean(all_exact), abs=1e-15)


@pytest.mark.parametrize("call", [
    lambda d: gwet_ac(d, *COLS, weights="quadratic"),
    lambda d: gwet_ac(d, *COLS),
    lambda d: krippendorff_alpha(d, *COLS, weights="quadratic"),
    lambda d: krippendorff_alpha_estimate(d, *COLS, weights="ordinal"),
], ids=["AC2 quadratic", "AC1", "alpha with weights", "alpha estimate with weights"])
def test_scale_dependent_coefficients_still_refuse_the_2011_data(k2011, call):
    """Without categories these use the rubric's scale, and 1..5 is not on it: today's message."""
    with pytest.raises(ValueError) as err:
        call(k2011)
    assert str(err.value) == ("ratings 1, 2, 3, 4, 5 not on the declared scale (0, 10, ..., 100); "
                              "pass categories=[...] to declare another scale")


def test_all_levels_at_once_equal_single_calls(k2011):
    both = krippendorff_alpha(k2011, *COLS, LEVELS, FL5)
    assert isinstance(both, pd.Series) and list(both.index) == list(LEVELS)
    for lv in LEVELS:
        assert both[lv] == krippendorff_alpha(k2011, *COLS, lv, FL5)


# --------------------------------------------------------------------------------------
# every *kripp* case in cases.json
# --------------------------------------------------------------------------------------
def _gwet_alpha(d, cats, weights):
    return lambda ref: krippendorff_alpha(getattr(ref, d), *COLS, "nominal", cats, weights=weights)


def _se(d, cats, se_method, weights=None):
    return lambda ref: krippendorff_alpha_estimate(
        getattr(ref, d), *COLS, "nominal", cats, weights=weights, se_method=se_method
    ).se


KRIPP_CASES = {
    # krippendorff (PyPI) alpha(level_of_measurement='nominal'); R irrCAC krippen.alpha.raw
    "fleiss71.kripp_nominal": lambda ref: krippendorff_alpha(ref.fleiss, *COLS, "nominal", FL5),
    # krippendorff (PyPI) alpha(...) at each level; R irr::kripp.alpha (data with NA)
    "r5.kripp.nominal": lambda ref: krippendorff_alpha(ref.r5, *COLS, "nominal", R5),
    "r5.kripp.ordinal": lambda ref: krippendorff_alpha(ref.r5, *COLS, "ordinal", R5),
    "r5.kripp.interval": lambda ref: krippendorff_alpha(ref.r5, *COLS, "interval", R5),
    "r5.kripp.ratio": lambda ref: krippendorff_alpha(ref.r5, *COLS, "ratio", R5),
    # krippendorff (PyPI); R irr::kripp.alpha is off here (complete-data bug)
    "anx.kripp.nominal": lambda ref: krippendorff_alpha(ref.anx, *COLS, "nominal", ANX),
    "anx.kripp.ordinal": lambda ref: krippendorff_alpha(ref.anx, *COLS, "ordinal", ANX),
    "anx.kripp.interval": lambda ref: krippendorff_alpha(ref.anx, *COLS, "interval", ANX),
    "anx.kripp.ratio": lambda ref: krippendorff_alpha(ref.anx, *COLS, "ratio", ANX),
    # R irrCAC krippen.alpha.raw(cac.raw5obser, weights=...): Gwet's weighted alpha
    "gwet.r5.kripp.unweighted": _gwet_alpha("r5", R5, None),
    "gwet.r5.kripp.linear": _gwet_alpha("r5", R5, "linear"),
    "gwet.r5.kripp.quadratic": _gwet_alpha("r5", R5, "quadratic"),
    "gwet.r5.kripp.ordinal": _gwet_alpha("r5", R5, "ordinal"),  # Gwet's ordinal weights
    # R irrCAC krippen.alpha.raw(anxiety, weights=..., categ.labels=1:6)
    "anx.irrCAC.kripp.unweighted": _gwet_alpha("anx", ANX, None),
    "anx.irrCAC.kripp.linear": _gwet_alpha("anx", ANX, "linear"),
    "anx.irrCAC.kripp.quadratic": _gwet_alpha("anx", ANX, "quadratic"),
    # R irrCAC krippen.alpha.dist(distrib.6raters[, weights = quadratic.weights(1:5)])
    "gwet.d6.kripp": _gwet_alpha("d6", FL5, None),
    "gwet.d6.kripp.se": _se("d6", FL5, "gwet_dist"),
    "gwet.d6.kripp.quadratic": _gwet_alpha("d6", FL5, "quadratic"),
    # R irrCAC krippen2.table(cont3x3abstractors[, weights = ...])
    "gwet.c3.krippendorff": _gwet_alpha("c3", C3, None),
    "gwet.c3.krippendorff.se": _se("c3", C3, "gwet_table"),
    "gwet.c3.krippendorff.linear": _gwet_alpha("c3", C3, "linear"),
    "gwet.c3.krippendorff.quadratic": _gwet_alpha("c3", C3, "quadratic"),
}


@pytest.mark.parametrize("case_id", sorted(KRIPP_CASES))
def test_reference_case(case_id, cases, ref):
    case = cases[case_id]
    got = KRIPP_CASES[case_id](ref)
    assert got == pytest.approx(case["expected"], abs=case["tol"]), case["source"]


def test_every_krippendorff_case_is_covered(cases):
    ids = {i for i, c in cases.items() if "kripp" in i or "krippendorff" in c["statistic"].lower()}
    assert ids <= set(KRIPP_CASES), sorted(ids - set(KRIPP_CASES))


# --------------------------------------------------------------------------------------
# standard errors with missing ratings (beyond cases.json)
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "dataset, cats, alpha, se, lo, hi",
    [
        # irrCAC Python port tests (github.com/afergadis/irrCAC, test/unit/irrCAC/raw/
        # test_krippendorff.py), printed to 3 decimals = R irrCAC krippen.alpha.raw
        ("r5", R5, 0.481, 0.114, 0.237, 0.724),
        ("gender", C3, 0.143, 0.141, -0.158, 0.445),
    ],
)
def test_se_and_interval_with_missing_ratings(ref, dataset, cats, alpha, se, lo, hi):
    e = krippendorff_alpha_estimate(getattr(ref, dataset), *COLS, "nominal", cats)
    got = (e.estimate, e.se, e.ci_low, e.ci_high)
    assert got == pytest.approx((alpha, se, lo, hi), abs=5e-4)


def test_interval_is_t_interval_capped_at_one(ref):
    e = krippendorff_alpha_estimate(ref.r5, *COLS, "interval", R5)
    t = stats.t.ppf(0.975, e.n_units - 1)
    assert e.ci_low == pytest.approx(e.estimate - t * e.se)
    assert e.ci_high == pytest.approx(min(1.0, e.estimate + t * e.se))
    assert (e.n_units, e.n_raters, e.n_ratings) == (15, 5, 58)


@pytest.mark.parametrize("level", LEVELS)
def test_gwet_formula_alpha_equals_krippendorff(ref, level):
    """Gwet's p_a/p_e form with w = 1 - d/max d reproduces alpha, so the SE belongs to it."""
    from scoring.agreement._coding import _code
    from scoring.agreement.krippendorff import _delta, _pairable

    c = _code(ref.r5, *COLS, R5)
    p = _pairable(c)
    delta = _delta(level, c.cats, p, None)
    w = 1 - delta / delta.max()
    # Gwet-weighted alpha with the equivalent weight matrix
    got = krippendorff_alpha(ref.r5, *COLS, categories=R5, weights=w)
    assert got == pytest.approx(krippendorff_alpha(ref.r5, *COLS, level, R5), abs=1e-12)


def test_bootstrap_is_seeded_and_near_the_analytic_se(ref):
    a = krippendorff_alpha_estimate(ref.fleiss, *COLS, "nominal", FL5, se_method="bootstrap", n_boot=300, seed=1)
    b = krippendorff_alpha_estimate(ref.fleiss, *COLS, "nominal", FL5, se_method="bootstrap", n_boot=300, seed=1)
    g = krippendorff_alpha_estimate(ref.fleiss, *COLS, "nominal", FL5)
    assert a == b
    assert a.estimate == g.estimate
    assert a.ci_low < a.estimate < a.ci_high
    assert a.se == pytest.approx(g.se, rel=0.35)
    assert "bootstrap" in a.method


# --------------------------------------------------------------------------------------
# cross-check against the krippendorff package on random data with missing ratings
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("level", LEVELS)
def test_matches_krippendorff_package(level, seed):
    rng = np.random.default_rng(seed)
    n_units, n_raters, cats = 40, 6, np.arange(0, 11)
    truth = rng.integers(2, 9, n_units)
    m = np.clip(truth[None, :] + rng.integers(-2, 3, (n_raters, n_units)), 0, 10).astype(float)
    m[rng.random(m.shape) < 0.4] = np.nan  # raters x units, 40 % missing
    long = pd.DataFrame(m.T).reset_index(names="unit").melt("unit", var_name="rater", value_name="score")
    ours = krippendorff_alpha(long, *COLS, level, cats)
    theirs = kd.alpha(reliability_data=m, level_of_measurement=level, value_domain=cats)
    assert ours == pytest.approx(theirs, abs=1e-10)


# --------------------------------------------------------------------------------------
# weights, declared scale
# --------------------------------------------------------------------------------------
def test_identity_and_quadratic_weights_are_nominal_and_interval(ref):
    a = krippendorff_alpha(ref.anx, *COLS, "nominal", ANX)
    assert krippendorff_alpha(ref.anx, *COLS, categories=ANX, weights="identity") == pytest.approx(a, abs=1e-12)
    b = krippendorff_alpha(ref.anx, *COLS, "interval", ANX)
    assert krippendorff_alpha(ref.anx, *COLS, categories=ANX, weights="quadratic") == pytest.approx(b, abs=1e-12)
    assert krippendorff_alpha(ref.anx, *COLS, categories=ANX, weights=agreement_weights("linear", ANX)) == (
        pytest.approx(krippendorff_alpha(ref.anx, *COLS, categories=ANX, weights="linear"), abs=1e-12)
    )


def test_unused_categories_do_not_move_krippendorff_levels(ref):
    """An unused category has frequency 0: no level changes, nor its standard error, and no
    categories at all gives the same (Gwet's rank-based 'ordinal' weights do change when a
    category is inserted between used ones)."""
    wider = [0, 1, 2, 3, 4, 5]
    for lv in LEVELS:
        for cats in (wider, None):
            assert krippendorff_alpha(ref.r5, *COLS, lv, cats) == pytest.approx(
                krippendorff_alpha(ref.r5, *COLS, lv, R5), abs=1e-12
            )
            for se_method in ("gwet", "gwet_table", "gwet_dist"):
                assert krippendorff_alpha_estimate(ref.r5, *COLS, lv, cats, se_method=se_method).se == (
                    pytest.approx(krippendorff_alpha_estimate(ref.r5, *COLS, lv, R5, se_method=se_method).se,
                                  abs=1e-12))
    gapped = [0, 0.5, 1, 2, 3]
    assert krippendorff_alpha(ref.r5, *COLS, categories=gapped, weights="ordinal") != pytest.approx(
        krippendorff_alpha(ref.r5, *COLS, categories=R5, weights="ordinal"), abs=1e-6
    )


@pytest.mark.parametrize("level", LEVELS)
def test_any_numeric_ratings_without_categories(level):
    """No categories: the ratings as they are (a 55 off the rubric's steps, a negative, a
    decimal); the same as the krippendorff package with the observed values as its domain."""
    d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4, 4], "rater": ["A", "B"] * 3 + ["A", "B", "C"],
                      "score": [10, 10, 20, 55, 40, 40, 7.5, 10, 20]})
    if level == "ratio":
        d = d.assign(score=d["score"] + 100)
    m = d.pivot(index="rater", columns="unit", values="score").to_numpy()
    theirs = kd.alpha(reliability_data=m, level_of_measurement=level, value_domain=np.unique(d["score"]))
    assert krippendorff_alpha(d, *COLS, level) == pytest.approx(theirs, abs=1e-12)
    assert krippendorff_alpha(d, *COLS, level) == pytest.approx(
        krippendorff_alpha(d, *COLS, level, np.arange(0, 301, 2.5)), abs=1e-12)


def test_weights_default_to_the_rubric_scale():
    d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["A", "B"] * 3, "score": [10, 10, 20, 30, 40, 40]})
    assert krippendorff_alpha(d, *COLS, weights="ordinal") == pytest.approx(
        krippendorff_alpha(d, *COLS, categories=range(0, 101, 10), weights="ordinal"))
    with pytest.raises(ValueError, match=r"\b55\b.*declared scale"):
        krippendorff_alpha(d.assign(score=[10, 10, 20, 55, 40, 40]), *COLS, weights="linear")


def test_rating_outside_declared_categories_is_named(ref):
    with pytest.raises(ValueError, match=r"rating 3 not on the declared scale"):
        krippendorff_alpha(ref.r5, *COLS, "nominal", [0, 1, 2])


def test_bad_arguments():
    d = pd.DataFrame({"unit": [1, 1], "rater": ["A", "B"], "score": [1, 2]})
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(d, *COLS, "metric", [1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha(d.assign(score=[-1, 2]), *COLS, "ratio", [-1, 2])
    with pytest.raises(ValueError, match="se_method"):
        krippendorff_alpha_estimate(d, *COLS, "nominal", [1, 2], se_method="jackknife")
    with pytest.raises(ValueError, match="single level"):
        krippendorff_alpha(d, *COLS, LEVELS, [1, 2], weights="linear")
    with pytest.raises(KeyError, match="grade"):
        krippendorff_alpha(d, "unit", "rater", "grade", "nominal", [1, 2])


# --------------------------------------------------------------------------------------
# degenerate input
# --------------------------------------------------------------------------------------
def test_one_rater_is_an_error():
    d = pd.DataFrame({"unit": [1, 2, 3], "rater": "A", "score": [1, 2, 3]})
    with pytest.raises(ValueError, match="two or more ratings"):
        krippendorff_alpha(d, *COLS, "interval", [1, 2, 3])


@pytest.mark.parametrize("level", LEVELS)
def test_all_ratings_identical_is_undefined(level):
    """D_e = 0: alpha = 1 - 0/0, NaN (no variation, nothing to say about reliability)."""
    d = pd.DataFrame({"unit": [1, 1, 2, 2], "rater": ["A", "B"] * 2, "score": [3, 3, 3, 3]})
    assert math.isnan(krippendorff_alpha(d, *COLS, level, [1, 2, 3]))
    assert math.isnan(krippendorff_alpha_estimate(d, *COLS, level, [1, 2, 3]).se)


@pytest.mark.parametrize("level", LEVELS)
def test_single_unit_gives_zero(level):
    """With one unit all disagreement is within it: D_o = D_e, alpha = 0."""
    d = pd.DataFrame({"unit": [1, 1, 1], "rater": ["A", "B", "C"], "score": [1, 2, 2]})
    assert krippendorff_alpha(d, *COLS, level, [1, 2, 3]) == pytest.approx(0.0, abs=1e-12)


def test_units_with_one_rating_and_nan_ratings_are_ignored(k2011):
    base = krippendorff_alpha(k2011, *COLS, LEVELS, FL5)  # unit 12 has a single rating
    dropped = k2011[(k2011.unit != 11) & k2011.score.notna()]
    assert krippendorff_alpha(dropped, *COLS, LEVELS, FL5).to_numpy() == pytest.approx(base.to_numpy(), abs=1e-14)


# --------------------------------------------------------------------------------------
# scale: memory grows with the ratings, not with units x values x values
# --------------------------------------------------------------------------------------
def test_fine_scale_does_not_build_units_by_values_squared():
    """5000 units x 5 raters on 0..1000 in steps of 1 (1001 categories): a units x
    values x values tensor would need 5000 * 1001**2 * 8 B = 40 GB."""
    rng = np.random.default_rng(0)
    n_units, n_raters = 5000, 5
    truth = rng.integers(100, 900, n_units)
    y = np.clip(truth[:, None] + rng.integers(-50, 51, (n_units, n_raters)), 0, 1000)
    d = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_raters),
                      "rater": np.tile(np.arange(n_raters), n_units), "score": y.ravel().astype(float)})
    tracemalloc.start()
    alphas = krippendorff_alpha(d, *COLS, LEVELS, np.arange(1001))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20  # the 1001 x 1001 coincidence matrix is 8 MB
    assert (alphas[["ordinal", "interval", "ratio"]] > 0.9).all()  # exact hits are rare on 1001 values
    assert 0 <= alphas["nominal"] < 0.1


# --------------------------------------------------------------------------------------
# one alpha however the rows come: the pair layout, the count matrix and the coincidence
# matrix give the same value (the layout and the lookup tables are the fast path)
# --------------------------------------------------------------------------------------
def _grouped(seed=4, n_units=300, n_raters=5, missing=0.0, lo=0, hi=20):
    """Long ratings with each unit's rows together (the usual order), integer ids and scores."""
    rng = np.random.default_rng(seed)
    y = np.clip(rng.integers(lo + 3, hi - 2, n_units)[:, None] + rng.integers(-3, 4, (n_units, n_raters)), lo, hi)
    d = pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_raters), "rater": np.tile(np.arange(n_raters), n_units),
                      "score": y.ravel()})
    return d[rng.random(len(d)) >= missing].reset_index(drop=True)


@pytest.mark.parametrize("missing", [0.0, 0.3])
@pytest.mark.parametrize("level", LEVELS)
def test_same_alpha_whatever_the_row_order_ids_and_types(level, missing):
    """Rows grouped by unit go through the pair layout; shuffled rows (units not contiguous)
    through the count matrix; the value is the same, and so with string, categorical or
    scattered ids, float scores, and against the krippendorff package."""
    d = _grouped(missing=missing)
    ref = krippendorff_alpha(d, *COLS, level)
    shuffled = d.sample(frac=1.0, random_state=1).reset_index(drop=True)
    variants = [
        shuffled,
        d.assign(unit=[f"U{u:04d}" for u in d["unit"]], rater=[f"E{r}" for r in d["rater"]]),
        d.assign(unit=pd.Categorical(d["unit"].astype(str)), rater=pd.Categorical(d["rater"])),
        d.assign(unit=d["unit"] * 10**12 - 7, score=d["score"].astype(float)),
        shuffled.assign(unit=shuffled["unit"] * 3 + 11, score=shuffled["score"].astype(np.int32)),
    ]
    for v in variants:
        assert krippendorff_alpha(v, *COLS, level) == pytest.approx(ref, rel=1e-12, abs=1e-14)
    wide = d.pivot(index="rater", columns="unit", values="score").to_numpy(dtype=float)
    assert ref == pytest.approx(kd.alpha(reliability_data=wide, level_of_measurement=level), abs=1e-10)


@pytest.mark.parametrize("level", ["nominal", "ratio"])
def test_layout_equals_the_coincidence_matrix(monkeypatch, level):
    """Nominal and ratio alpha from the pairs within units equal the count-matrix
    (nominal) and coincidence-matrix (ratio) computations they replace, on complete and
    ragged units, and with more categories than the ratio's lookup table takes."""
    cases = [_grouped(), _grouped(seed=5, missing=0.35), _grouped(seed=6, missing=0.2, hi=3000)]
    fast = [krippendorff_alpha(d, *COLS, level) for d in cases]
    monkeypatch.setattr(krippendorff_module, "_MAX_PAIR_WIDTH", 0)  # neither layout is taken
    monkeypatch.setattr(krippendorff_module, "_code_layout", lambda c: None)
    slow = [krippendorff_alpha(d, *COLS, level) for d in cases]
    assert fast == pytest.approx(slow, rel=1e-12)


@pytest.mark.parametrize("weights", ["linear", "quadratic", "ordinal"])
def test_count_matrix_pairs_equal_the_coincidence_matrix_with_weights(monkeypatch, ref, weights):
    fast = krippendorff_alpha(ref.anx, *COLS, categories=ANX, weights=weights)
    monkeypatch.setattr(krippendorff_module, "_MAX_PAIR_WIDTH", 0)
    assert fast == pytest.approx(krippendorff_alpha(ref.anx, *COLS, categories=ANX, weights=weights), rel=1e-12)


def test_a_unit_with_many_values_takes_the_coincidence_matrix(monkeypatch):
    """One unit with 300 ratings (more distinct values than a unit's row of the pair layout
    takes) beside 49 pairs: the layout would be mostly empty, so the coincidence matrix is
    used (the value agrees with the krippendorff package)."""
    rng = np.random.default_rng(2)
    d = pd.DataFrame({"unit": np.r_[np.zeros(300, int), np.repeat(np.arange(1, 50), 2)],
                      "rater": np.r_[np.arange(300), np.tile([0, 1], 49)],
                      "score": rng.integers(0, 2001, 398)})
    assert d.loc[d["unit"] == 0, "score"].nunique() > krippendorff_module._MAX_PAIR_WIDTH
    calls = []
    real = krippendorff_module._coincidence
    monkeypatch.setattr(krippendorff_module, "_coincidence", lambda p: calls.append(1) or real(p))
    ours = krippendorff_alpha(d, *COLS, "ratio")
    assert calls
    wide = d.pivot(index="rater", columns="unit", values="score").to_numpy(dtype=float)
    assert ours == pytest.approx(kd.alpha(reliability_data=wide, level_of_measurement="ratio"), abs=1e-10)


@pytest.mark.parametrize("level", LEVELS)
def test_a_call_on_grouped_rows_builds_no_count_or_coincidence_matrix(monkeypatch, level):
    """What makes the five calls fast: alpha at each level on rows grouped by unit needs
    neither the units x values count matrix nor the values x values coincidence matrix."""
    def fail(*args):
        raise AssertionError("built")

    monkeypatch.setattr(coding, "_count_matrix", fail)
    monkeypatch.setattr(krippendorff_module, "_coincidence", fail)
    d = _grouped(missing=0.2)
    assert np.isfinite(krippendorff_alpha(d, units="unit", raters="rater", ratings="score", level=level))


def test_fast_factorisation_equals_pandas():
    """Unit and rater codes (first-seen order) and the distinct ratings are pandas' own."""
    rng = np.random.default_rng(0)
    tiled = np.tile(np.arange(6)[::-1], 1000)
    cases = [np.sort(rng.integers(-5, 50, 1000)), rng.integers(-5, 50, 1000), rng.integers(0, 10**13, 1000),
             np.array([3], dtype=np.uint8), np.array([5, 3, 3, 9], dtype=np.uint16), tiled,
             np.r_[np.tile([3, 1], 400), [7]],  # a label first seen after the first rows
             np.sort(rng.integers(0, 5, 100)).astype(np.uint32)[::-1].copy(), rng.permutation(5000),
             np.array(["b", "a", "b"], dtype=object), rng.integers(0, 100, 1000).astype(float)]
    for x in cases:
        codes, labels = coding._factorize(x)
        want_codes, want_labels = pd.factorize(x)
        assert np.array_equal(codes, want_codes) and np.array_equal(labels, np.asarray(want_labels))
        assert labels.dtype == np.asarray(want_labels).dtype
    for y in [rng.integers(-3, 40, 500), rng.integers(0, 7, 500).astype(float), rng.normal(0, 1, 500),
              rng.integers(0, 10**15, 50), np.array([2.0**53 + 2, 1.0, 2.0**53 + 2])]:
        cats, k = coding._distinct_codes(y)
        first_seen, distinct = pd.factorize(np.asarray(y, dtype=float))
        order = np.argsort(distinct)
        assert np.array_equal(cats, np.asarray(distinct, dtype=float)[order])
        assert np.array_equal(cats[k], np.asarray(y, dtype=float))


def test_count_matrix_is_the_canonical_sum_of_the_pairs():
    rng = np.random.default_rng(1)
    unit, cat = rng.integers(0, 50, 2000), rng.integers(0, 9, 2000)
    want = sp.csr_matrix((np.ones(unit.size), (unit, cat)), shape=(50, 9))
    want.sum_duplicates()
    got = coding._count_matrix(unit, cat, 50, 9)
    assert got.has_canonical_format
    assert np.array_equal(got.indptr, want.indptr) and np.array_equal(got.indices, want.indices)
    assert np.array_equal(got.data, want.data)


def test_docstring_examples():
    assert doctest.testmod(krippendorff_module).failed == 0
