"""Chance-corrected coefficients: reference cases, cross-checks, declared scale, edge cases.

Reference numbers come from tests/reference/cases.json (fixture ``cases``; sources in
tests/reference/README.md); each entry below names the R (or Python) call that produced it.
Contingency tables and distribution-format counts are expanded to long format here and fed
to the long-format functions with the categories declared.
"""

from __future__ import annotations

import doctest
import functools
import math

import numpy as np
import pandas as pd
import pytest
from reference_formats import COLS, distribution_to_long, table_to_long, wide_to_long
from scipy import stats
from statsmodels.stats.inter_rater import cohens_kappa as sm_cohens_kappa  # test-only
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa  # test-only

from scoring.agreement import Estimate, agreement_weights, bootstrap_units
from scoring.agreement import chance as chance_module
from scoring.agreement.chance import (
    brennan_prediger,
    brennan_prediger_estimate,
    cohen_kappa,
    cohen_kappa_estimate,
    conger_kappa,
    conger_kappa_estimate,
    fleiss_kappa,
    fleiss_kappa_by_category,
    fleiss_kappa_estimate,
    gwet_ac,
    gwet_ac_estimate,
    light_kappa,
    light_kappa_estimate,
    percent_agreement,
    percent_agreement_estimate,
)
from scoring.agreement.krippendorff import krippendorff_alpha, krippendorff_alpha_estimate

R5, ANX, FL5, C3, VID = [0, 1, 2, 3], list(range(1, 7)), list(range(1, 6)), [1, 2, 3], list(range(1, 6))
WEIGHT_NAMES = {"unweighted": None, "linear": "linear", "quadratic": "quadratic", "ordinal": "ordinal"}



# --------------------------------------------------------------------------------------
# reference data -> long format
# --------------------------------------------------------------------------------------


def raters(d: pd.DataFrame, *names) -> pd.DataFrame:
    return d[d["rater"].isin(names)]


@pytest.fixture(scope="module")
def ref(reference_dir):
    class Ref:
        fleiss = wide_to_long(reference_dir / "fleiss_1971_diagnoses.csv")  # 1..5, 6 raters
        r5 = wide_to_long(reference_dir / "gwet_cac_raw5obser.csv")  # 0..3, missing
        anx = wide_to_long(reference_dir / "irr_anxiety.csv")  # 1..6, 3 raters
        video = wide_to_long(reference_dir / "irr_video.csv")  # 1..5, 4 raters
        gender = wide_to_long(reference_dir / "gwet_cac_raw_gender.csv").replace(
            {"score": {"a": 1, "b": 2, "c": 3}}
        )
        d6 = distribution_to_long(reference_dir / "gwet_distrib_6raters.csv")  # 1..5
        dist4 = distribution_to_long(reference_dir / "gwet_cac_dist4cat.csv")  # a,b,c -> 1..3
        c3 = table_to_long(reference_dir / "gwet_cont3x3abstractors.csv")  # 1..3
        mammo = table_to_long(reference_dir / "kundel_polansky_2003_mammograms.csv")  # 1..4
        vision = table_to_long(reference_dir / "stuart_1953_vision_table.csv")  # 1..4

    return Ref


# --------------------------------------------------------------------------------------
# the reference cases, one entry per id
# --------------------------------------------------------------------------------------
def _fleiss71_pe(ref):
    # chance agreement from the public pieces: p_e = (p_a - kappa) / (1 - kappa)
    pa = percent_agreement(ref.fleiss, *COLS, categories=FL5)
    k = fleiss_kappa(ref.fleiss, *COLS, FL5)
    return (pa - k) / (1 - k)


def _fleiss71_z(ref):
    e = fleiss_kappa_estimate(ref.fleiss, *COLS, FL5, se_method="fleiss_null")
    return e.estimate / e.se


def _category(j):
    return lambda ref: fleiss_kappa_by_category(ref.fleiss, *COLS, FL5)[j]


def _irr_collapsed(pair, weights):
    """R irr::kappa2 keeps only the categories the two raters used and spaces them
    equally (factor levels): reproduce that by recoding to their ranks."""

    def f(ref):
        d = raters(ref.anx, *pair)
        used = np.sort(d["score"].unique())
        d = d.assign(score=d["score"].map({v: i + 1 for i, v in enumerate(used)}))
        return cohen_kappa(d, *COLS, weights, range(1, len(used) + 1))

    return f


def _custom_irr_weights():
    # irr::kappa2(anxiety[,1:2], weight = c(0,1,2,4,7,11)): disagreement by level distance
    v = np.array([0, 1, 2, 4, 7, 11.0])
    idx = np.arange(6)
    return 1 - v[np.abs(np.subtract.outer(idx, idx))] / v.max()


CHANCE_CASES = {
    # --- Fleiss (1971) diagnoses: R irr::kappam.fleiss / statsmodels / irrCAC *.raw ---
    "fleiss71.kappa.published": lambda ref: fleiss_kappa(ref.fleiss, *COLS, FL5),
    "fleiss71.kappa.exact": lambda ref: fleiss_kappa(ref.fleiss, *COLS, FL5),
    "fleiss71.P_bar": lambda ref: percent_agreement(ref.fleiss, *COLS, categories=FL5),  # irrCAC pa
    "fleiss71.Pe_bar": _fleiss71_pe,  # irrCAC fleiss.kappa.raw pe
    # irr::kappam.fleiss(diagnoses, detail = TRUE)
    "fleiss71.category.1. Depression": _category(1),
    "fleiss71.category.2. Personality Disorder": _category(2),
    "fleiss71.category.3. Schizophrenia": _category(3),
    "fleiss71.category.4. Neurosis": _category(4),
    "fleiss71.category.5. Other": _category(5),
    "fleiss71.z": _fleiss71_z,  # irr::kappam.fleiss(diagnoses)$statistic
    "fleiss71.conger_exact": lambda ref: conger_kappa(ref.fleiss, *COLS, None, FL5),  # kappam.fleiss(exact=TRUE)
    "fleiss71.light": lambda ref: light_kappa(ref.fleiss, *COLS, None, FL5),  # irr::kappam.light
    "fleiss71.ac1": lambda ref: gwet_ac(ref.fleiss, *COLS, None, FL5),  # irrCAC gwet.ac1.raw
    "fleiss71.bp": lambda ref: brennan_prediger(ref.fleiss, *COLS, None, FL5),  # irrCAC bp.coeff.raw
    "fleiss71.kappa_raters1to4": lambda ref: fleiss_kappa(  # irr::kappam.fleiss(diagnoses[,1:4])
        raters(ref.fleiss, "rater1", "rater2", "rater3", "rater4"), *COLS, FL5),
    "fleiss71.agree": lambda ref: 100 * percent_agreement(  # irr::agree(diagnoses)
        ref.fleiss, *COLS, categories=FL5, method="units"),
    # --- irrCAC README, distrib.6raters: *.dist functions ---
    "gwet.d6.ac1": lambda ref: gwet_ac(ref.d6, *COLS, None, FL5),
    "gwet.d6.ac1.se": lambda ref: gwet_ac_estimate(ref.d6, *COLS, None, FL5).se,
    "gwet.d6.ac1.quadratic": lambda ref: gwet_ac(ref.d6, *COLS, "quadratic", FL5),
    "gwet.d6.fleiss": lambda ref: fleiss_kappa(ref.d6, *COLS, FL5),
    "gwet.d6.fleiss.se": lambda ref: fleiss_kappa_estimate(ref.d6, *COLS, FL5).se,
    "gwet.d6.fleiss.quadratic": lambda ref: fleiss_kappa(ref.d6, *COLS, FL5, weights="quadratic"),
    "gwet.d6.bp": lambda ref: brennan_prediger(ref.d6, *COLS, None, FL5),
    "gwet.d6.bp.se": lambda ref: brennan_prediger_estimate(ref.d6, *COLS, None, FL5).se,
    "gwet.d6.bp.quadratic": lambda ref: brennan_prediger(ref.d6, *COLS, "quadratic", FL5),
    # --- irrCAC README, cont3x3abstractors: kappa2/scott2/gwet.ac1/bp2/pa2 .table ---
    "gwet.c3.cohen": lambda ref: cohen_kappa(ref.c3, *COLS, None, C3),
    "gwet.c3.cohen.se": lambda ref: cohen_kappa_estimate(ref.c3, *COLS, None, C3).se,
    "gwet.c3.cohen.linear": lambda ref: cohen_kappa(ref.c3, *COLS, "linear", C3),
    "gwet.c3.cohen.quadratic": lambda ref: cohen_kappa(ref.c3, *COLS, "quadratic", C3),
    # Scott's pi = Fleiss' kappa with two raters on every unit
    "gwet.c3.scott": lambda ref: fleiss_kappa(ref.c3, *COLS, C3),
    "gwet.c3.scott.se": lambda ref: fleiss_kappa_estimate(ref.c3, *COLS, C3, se_method="gwet_table").se,
    "gwet.c3.scott.linear": lambda ref: fleiss_kappa(ref.c3, *COLS, C3, weights="linear"),
    "gwet.c3.scott.quadratic": lambda ref: fleiss_kappa(ref.c3, *COLS, C3, weights="quadratic"),
    "gwet.c3.gwet": lambda ref: gwet_ac(ref.c3, *COLS, None, C3),
    "gwet.c3.gwet.se": lambda ref: gwet_ac_estimate(ref.c3, *COLS, None, C3, se_method="gwet_table").se,
    "gwet.c3.gwet.linear": lambda ref: gwet_ac(ref.c3, *COLS, "linear", C3),
    "gwet.c3.gwet.quadratic": lambda ref: gwet_ac(ref.c3, *COLS, "quadratic", C3),
    "gwet.c3.bp": lambda ref: brennan_prediger(ref.c3, *COLS, None, C3),
    "gwet.c3.bp.se": lambda ref: brennan_prediger_estimate(ref.c3, *COLS, None, C3, se_method="gwet_table").se,
    "gwet.c3.bp.linear": lambda ref: brennan_prediger(ref.c3, *COLS, "linear", C3),
    "gwet.c3.bp.quadratic": lambda ref: brennan_prediger(ref.c3, *COLS, "quadratic", C3),
    "gwet.c3.pa2": lambda ref: percent_agreement(ref.c3, *COLS, categories=C3),
    "gwet.c3.pa2.se": lambda ref: percent_agreement_estimate(ref.c3, *COLS, categories=C3, se_method="gwet_table").se,
    "gwet.c3.pa2.linear": lambda ref: percent_agreement(ref.c3, *COLS, weights="linear", categories=C3),
    "gwet.c3.pa2.quadratic": lambda ref: percent_agreement(ref.c3, *COLS, weights="quadratic", categories=C3),
    # --- R irrCAC *.raw(cac.raw5obser, weights = ...) ---
    **{f"gwet.r5.ac1.{k}": (lambda w: lambda ref: gwet_ac(ref.r5, *COLS, w, R5))(w) for k, w in WEIGHT_NAMES.items()},
    **{f"gwet.r5.fleiss.{k}": (lambda w: lambda ref: fleiss_kappa(ref.r5, *COLS, R5, weights=w))(w)
       for k, w in WEIGHT_NAMES.items()},
    **{f"gwet.r5.conger.{k}": (lambda w: lambda ref: conger_kappa(ref.r5, *COLS, w, R5))(w)
       for k, w in WEIGHT_NAMES.items()},
    **{f"gwet.r5.bp.{k}": (lambda w: lambda ref: brennan_prediger(ref.r5, *COLS, w, R5))(w)
       for k, w in WEIGHT_NAMES.items()},
    **{f"gwet.r5.pa.{k}": (lambda w: lambda ref: percent_agreement(ref.r5, *COLS, weights=w, categories=R5))(w)
       for k, w in WEIGHT_NAMES.items()},
    # --- R irr on anxiety ---
    "anx.irr.kappam.fleiss": lambda ref: fleiss_kappa(ref.anx, *COLS, ANX),
    "anx.irr.kappam.fleiss.exact": lambda ref: conger_kappa(ref.anx, *COLS, None, ANX),
    "anx.irr.kappam.light": lambda ref: light_kappa(ref.anx, *COLS, None, ANX),
    "anx.irr.agree0": lambda ref: 100 * percent_agreement(ref.anx, *COLS, 0, categories=ANX, method="units"),
    "anx.irr.agree1": lambda ref: 100 * percent_agreement(ref.anx, *COLS, 1, categories=ANX, method="units"),
    # irr::kappa2(anxiety[, c(i, j)], weight = "unweighted" | "equal" | "squared")
    "anx.kappa2.r12.none": lambda ref: cohen_kappa(raters(ref.anx, "rater1", "rater2"), *COLS, None, ANX),
    "anx.kappa2.r12.linear": lambda ref: cohen_kappa(raters(ref.anx, "rater1", "rater2"), *COLS, "linear", ANX),
    "anx.kappa2.r12.quadratic": lambda ref: cohen_kappa(raters(ref.anx, "rater1", "rater2"), *COLS, "quadratic", ANX),
    "anx.kappa2.r23.none": lambda ref: cohen_kappa(raters(ref.anx, "rater2", "rater3"), *COLS, None, ANX),
    # irr collapses raters 2 & 3's scale (category 5 unused): see test_unused_category_*
    "anx.kappa2.r23.linear": _irr_collapsed(("rater2", "rater3"), "linear"),
    "anx.kappa2.r23.quadratic": _irr_collapsed(("rater2", "rater3"), "quadratic"),
    "anx.kappa2.r12.custom": lambda ref: cohen_kappa(
        raters(ref.anx, "rater1", "rater2"), *COLS, _custom_irr_weights(), ANX),
    # R irrCAC *.raw(anxiety, weights = ..., categ.labels = 1:6)
    **{f"anx.irrCAC.ac1.{k}": (lambda w: lambda ref: gwet_ac(ref.anx, *COLS, w, ANX))(w)
       for k, w in list(WEIGHT_NAMES.items())[:3]},
    **{f"anx.irrCAC.fleiss.{k}": (lambda w: lambda ref: fleiss_kappa(ref.anx, *COLS, ANX, weights=w))(w)
       for k, w in list(WEIGHT_NAMES.items())[:3]},
    **{f"anx.irrCAC.conger.{k}": (lambda w: lambda ref: conger_kappa(ref.anx, *COLS, w, ANX))(w)
       for k, w in list(WEIGHT_NAMES.items())[:3]},
    # irr::agree(video[, tolerance = 1])
    "video.agree0": lambda ref: 100 * percent_agreement(ref.video, *COLS, 0, categories=VID, method="units"),
    "video.agree1": lambda ref: 100 * percent_agreement(ref.video, *COLS, 1, categories=VID, method="units"),
    # vcd::Kappa(Mammograms) (kappa, ASE; "Equal-Spacing" = linear, "Fleiss-Cohen" = quadratic)
    "mammo.kappa": lambda ref: cohen_kappa(ref.mammo, *COLS, None, [1, 2, 3, 4]),
    "mammo.kappa.ase": lambda ref: cohen_kappa_estimate(ref.mammo, *COLS, None, [1, 2, 3, 4]).se,
    "mammo.wkappa_linear": lambda ref: cohen_kappa(ref.mammo, *COLS, "linear", [1, 2, 3, 4]),
    "mammo.wkappa_linear.ase": lambda ref: cohen_kappa_estimate(ref.mammo, *COLS, "linear", [1, 2, 3, 4]).se,
    "mammo.wkappa_quadratic": lambda ref: cohen_kappa(ref.mammo, *COLS, "quadratic", [1, 2, 3, 4]),
    # irr vision table; statsmodels / sklearn / vcd agree
    "vision.unweighted": lambda ref: cohen_kappa(ref.vision, *COLS, None, [1, 2, 3, 4]),
    "vision.linear": lambda ref: cohen_kappa(ref.vision, *COLS, "linear", [1, 2, 3, 4]),
    "vision.quadratic": lambda ref: cohen_kappa(ref.vision, *COLS, "quadratic", [1, 2, 3, 4]),
    # irrCAC README: gwet.ac1.dist(cac.dist4cat[, 2:4]); fleiss.kappa.dist
    "gwet.dist4cat.ac1": lambda ref: gwet_ac(ref.dist4, *COLS, None, C3),
    "gwet.dist4cat.fleiss": lambda ref: fleiss_kappa(ref.dist4, *COLS, C3),
}

# statistics that belong to this module (ICC, Finn, Kendall, correlations: elsewhere)
MINE = ("kappa", "ac1", "ac2", "brennan", "scott", "percent", "agreement", "conger", "light", "cohen")


@pytest.mark.parametrize("case_id", sorted(CHANCE_CASES))
def test_reference_case(case_id, cases, ref):
    case = cases[case_id]
    got = CHANCE_CASES[case_id](ref)
    assert got == pytest.approx(case["expected"], abs=case["tol"]), case["source"]


def test_every_chance_corrected_case_is_covered(cases):
    ids = {
        i for i, c in cases.items()
        if any(m in c["statistic"].lower() for m in MINE)
        and "kripp" not in i and "krippendorff" not in c["statistic"].lower()
    }
    assert ids <= set(CHANCE_CASES), sorted(ids - set(CHANCE_CASES))


# --------------------------------------------------------------------------------------
# standard errors and intervals with missing ratings (beyond cases.json)
# --------------------------------------------------------------------------------------
# irrCAC Python port tests (github.com/afergadis/irrCAC, test/unit/irrCAC/raw/test_*.py),
# printed to 3 decimals; the same formulas as R irrCAC *.raw.
IRRCAC_RAW_3DP = [
    ("gwet", "r5", R5, (0.497, 0.122, 0.235, 0.758)),
    ("gwet", "gender", C3, (0.208, 0.091, 0.014, 0.403)),
    ("fleiss", "r5", R5, (0.458, 0.120, 0.199, 0.716)),
    ("fleiss", "gender", C3, (0.129, 0.141, -0.172, 0.430)),
    ("conger", "r5", R5, (0.469, 0.117, 0.219, 0.719)),
    ("conger", "gender", C3, (0.166, 0.121, -0.094, 0.426)),
]
ESTIMATORS = {
    "gwet": lambda d, cats: gwet_ac_estimate(d, *COLS, None, cats),
    "fleiss": lambda d, cats: fleiss_kappa_estimate(d, *COLS, cats),
    "conger": lambda d, cats: conger_kappa_estimate(d, *COLS, None, cats),
}


@pytest.mark.parametrize("coef, dataset, cats, expected", IRRCAC_RAW_3DP)
def test_irrcac_se_and_interval_with_missing_ratings(ref, coef, dataset, cats, expected):
    e = ESTIMATORS[coef](getattr(ref, dataset), cats)
    assert (e.estimate, e.se, e.ci_low, e.ci_high) == pytest.approx(expected, abs=5e-4)


def test_interval_is_estimate_plus_minus_t_se_capped_at_one(ref):
    e = gwet_ac_estimate(ref.r5, *COLS, "quadratic", R5)
    t = stats.t.ppf(0.975, e.n_units - 1)
    assert e.ci_low == pytest.approx(e.estimate - t * e.se)
    assert e.ci_high == pytest.approx(min(1.0, e.estimate + t * e.se))
    assert (e.n_units, e.n_raters, e.n_ratings) == (15, 5, 58)
    high = percent_agreement_estimate(ref.c3, *COLS, weights="quadratic", categories=C3)
    assert high.ci_high <= 1.0
    wide = gwet_ac_estimate(ref.r5, *COLS, None, R5, confidence=0.99)
    assert wide.ci_low < gwet_ac_estimate(ref.r5, *COLS, None, R5).ci_low


def test_table_divisor_is_raw_divisor_times_n_minus_1_over_n(ref):
    n = 100  # units in cont3x3abstractors
    raw = gwet_ac_estimate(ref.c3, *COLS, None, C3).se
    table = gwet_ac_estimate(ref.c3, *COLS, None, C3, se_method="gwet_table").se
    assert table == pytest.approx(raw * math.sqrt((n - 1) / n), rel=1e-12)


def test_conger_se_with_two_raters_is_cohens(ref):
    """Conger's kappa is Cohen's for two raters; irrCAC's Conger variance then equals
    Cohen's with the raw-data divisor."""
    d = raters(ref.anx, "rater1", "rater2")
    for w in (None, "linear", "quadratic"):
        a = conger_kappa_estimate(d, *COLS, w, ANX)
        b = cohen_kappa_estimate(d, *COLS, w, ANX, se_method="gwet")
        assert (a.estimate, a.se) == pytest.approx((b.estimate, b.se), abs=1e-12)


def test_fleiss_category_kappa_is_dichotomised_fleiss(ref):
    by_cat = fleiss_kappa_by_category(ref.r5, *COLS, R5)
    for j in R5:
        d = ref.r5.assign(score=(ref.r5["score"] == j).astype(float).where(ref.r5["score"].notna()))
        assert by_cat[j] == pytest.approx(fleiss_kappa(d, *COLS, [0, 1]), abs=1e-12)


def test_light_is_mean_pairwise_cohen(ref):
    pairs = [("rater1", "rater2"), ("rater1", "rater3"), ("rater2", "rater3")]
    mean = np.mean([cohen_kappa(raters(ref.anx, *p), *COLS, "linear", ANX) for p in pairs])
    assert light_kappa(ref.anx, *COLS, "linear", ANX) == pytest.approx(mean, abs=1e-12)
    e = light_kappa_estimate(ref.anx, *COLS, None, ANX, n_boot=100, seed=3)
    assert e.estimate == light_kappa(ref.anx, *COLS, None, ANX) and e.se > 0 and e.n_raters == 3


# --------------------------------------------------------------------------------------
# cross-checks against statsmodels on random data
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fleiss_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n_units, n_raters, q = 40, 5, 6
    truth = rng.integers(0, q, n_units)
    y = np.where(rng.random((n_units, n_raters)) < 0.6, truth[:, None], rng.integers(0, q, (n_units, n_raters)))
    long = pd.DataFrame(y).reset_index(names="unit").melt("unit", var_name="rater", value_name="score")
    counts = np.stack([(y == k).sum(axis=1) for k in range(q)], axis=1)  # units x categories
    assert fleiss_kappa(long, *COLS, range(q)) == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
    # without categories: ratings 1..5 are off the rubric's 0, 10, ..., 100; unweighted kappa
    # needs no scale
    assert fleiss_kappa(long, *COLS) == pytest.approx(sm_fleiss_kappa(counts), abs=1e-12)
    assert brennan_prediger(long, *COLS, None, range(q)) == pytest.approx(
        sm_fleiss_kappa(counts, method="randolph"), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("wt", [None, "linear", "quadratic"])
def test_cohen_matches_statsmodels(seed, wt):
    rng = np.random.default_rng(seed)
    n_units, q = 80, 5
    a = rng.integers(0, q, n_units)
    b = np.clip(a + rng.integers(-1, 2, n_units), 0, q - 1)
    long = pd.DataFrame({"unit": np.tile(np.arange(n_units), 2), "rater": np.repeat(["x", "y"], n_units),
                         "score": np.concatenate([a, b])})
    table = np.zeros((q, q))
    np.add.at(table, (a, b), 1)
    sm = sm_cohens_kappa(table, wt=wt)
    e = cohen_kappa_estimate(long, *COLS, wt, range(q))
    assert e.estimate == pytest.approx(sm.kappa, abs=1e-12)
    assert e.se == pytest.approx(sm.std_kappa, abs=1e-12)  # Fleiss-Cohen-Everitt ASE
    if wt is None:  # unweighted: no scale needed (ratings 1..4 are off the rubric's scale)
        free = cohen_kappa_estimate(long, *COLS)
        assert (free.estimate, free.se) == pytest.approx((sm.kappa, sm.std_kappa), abs=1e-12)


# --------------------------------------------------------------------------------------
# the declared scale
# --------------------------------------------------------------------------------------
def test_unused_category_counts_in_weighted_kappa(ref, cases):
    """Raters 2 and 3 never use category 5. Declared 1..6: the full-scale numbers
    (statsmodels on the 6 x 6 table: 0.1262 linear, 0.2298 quadratic). irr/sklearn drop
    the unused level and space the rest equally (reproduced in anx.kappa2.r23.*)."""
    d = raters(ref.anx, "rater2", "rater3")
    table = pd.crosstab(d[d.rater == "rater2"].set_index("unit").score,
                        d[d.rater == "rater3"].set_index("unit").score).reindex(
        index=ANX, columns=ANX, fill_value=0).to_numpy()
    for wt, full in (("linear", 0.1262), ("quadratic", 0.2298)):
        ours = cohen_kappa(d, *COLS, wt, ANX)
        assert ours == pytest.approx(sm_cohens_kappa(table, wt=wt).kappa, abs=1e-12)
        assert ours == pytest.approx(full, abs=5e-5)
        irr = cases[f"anx.kappa2.r23.{wt}"]["expected"]
        assert abs(ours - irr) > 0.01  # the declared scale matters
        # declaring only the used VALUES 1,2,3,4,6 keeps their spacing (6 - 4 = 2 steps):
        # still the full-scale number, because weights use category values
        assert cohen_kappa(d, *COLS, wt, [1, 2, 3, 4, 6]) == pytest.approx(ours, abs=1e-12)
        # irr's number needs the levels re-spaced 1..5 (what irr does)
        assert _irr_collapsed(("rater2", "rater3"), wt)(ref) == pytest.approx(irr, abs=1e-9)
    # unweighted kappa does not depend on unused categories
    assert cohen_kappa(d, *COLS, None, ANX) == pytest.approx(cohen_kappa(d, *COLS, None, [1, 2, 3, 4, 6]))


def test_unused_category_counts_in_ac1_and_bp(ref):
    """AC1 and Brennan-Prediger use the number of declared categories q."""
    assert gwet_ac(ref.r5, *COLS, None, R5) != pytest.approx(gwet_ac(ref.r5, *COLS, None, R5 + [4]), abs=1e-6)
    assert brennan_prediger(ref.r5, *COLS, None, R5) != pytest.approx(
        brennan_prediger(ref.r5, *COLS, None, R5 + [4]), abs=1e-6)


# Which scale a coefficient uses. Ratings 10..70 lie on the rubric's scale 0, 10, ..., 100;
# OFF has a 55, which does not.
ON = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5], "rater": ["A", "B"] * 4 + ["A", "B", "C"],
                   "score": [10, 10, 20, 30, 40, 40, 70, 60, 30, 30, 40]})
OFF = ON.assign(score=ON["score"].replace({30: 55}))
RUBRIC_SCALE = np.arange(0, 101, 10)

# depend on the declared scale: categories, else the rubric's scale when every rating is on it
NEEDS_SCALE = {
    "gwet_ac1": lambda d, cats=None: gwet_ac(d, *COLS, None, cats),
    "gwet_ac2": lambda d, cats=None: gwet_ac_estimate(d, *COLS, "quadratic", cats).se,
    "brennan_prediger": lambda d, cats=None: brennan_prediger(d, *COLS, None, cats),
    "fleiss_quadratic": lambda d, cats=None: fleiss_kappa(d, *COLS, cats, weights="quadratic"),
    "conger_linear": lambda d, cats=None: conger_kappa(d, *COLS, "linear", cats),
    "cohen_ordinal": lambda d, cats=None: cohen_kappa(raters(d, "A", "B"), *COLS, "ordinal", cats),
    "light_quadratic": lambda d, cats=None: light_kappa(d, *COLS, "quadratic", cats),
    "percent_weighted": lambda d, cats=None: percent_agreement(d, *COLS, weights="linear", categories=cats),
}
# cannot depend on a category nobody used: any numeric ratings, no rubric
SCALE_FREE = {
    "fleiss": lambda d, cats=None: fleiss_kappa(d, *COLS, cats),
    "fleiss_se": lambda d, cats=None: fleiss_kappa_estimate(d, *COLS, cats).se,
    "fleiss_by_category": lambda d, cats=None: fleiss_kappa_by_category(d, *COLS, cats).dropna().to_numpy(),
    "conger": lambda d, cats=None: conger_kappa(d, *COLS, None, cats),
    "conger_se": lambda d, cats=None: conger_kappa_estimate(d, *COLS, None, cats).se,
    "cohen": lambda d, cats=None: cohen_kappa(raters(d, "A", "B"), *COLS, None, cats),
    "cohen_se": lambda d, cats=None: cohen_kappa_estimate(raters(d, "A", "B"), *COLS, None, cats).se,
    "light": lambda d, cats=None: light_kappa(d, *COLS, None, cats),
    "percent": lambda d, cats=None: percent_agreement(d, *COLS, categories=cats),
    "percent_se": lambda d, cats=None: percent_agreement_estimate(d, *COLS, categories=cats).se,
    "percent_within_10": lambda d, cats=None: percent_agreement(d, *COLS, 10, categories=cats),
    "percent_units": lambda d, cats=None: percent_agreement(d, *COLS, 10, categories=cats, method="units"),
}


@pytest.mark.parametrize("name", sorted(NEEDS_SCALE))
def test_scale_dependent_coefficients_use_the_rubric_or_refuse(name):
    f = NEEDS_SCALE[name]
    assert f(ON) == pytest.approx(f(ON, RUBRIC_SCALE), abs=1e-15)
    with pytest.raises(ValueError, match=r"^rating 55 not on the declared scale \(0, 10, \.\.\., 100\); "
                                         r"pass categories=\[\.\.\.\] to declare another scale$"):
        f(OFF)
    assert np.isfinite(f(OFF, range(0, 101, 5)))  # declared: fine


@pytest.mark.parametrize("name", sorted(SCALE_FREE))
def test_scale_free_coefficients_take_any_ratings(name, monkeypatch):
    f = SCALE_FREE[name]
    monkeypatch.setattr("scoring.rubric.load_rubric", lambda *a, **k: pytest.fail("the rubric was consulted"))
    for d in (ON, OFF):
        free = f(d)
        observed = np.unique(d["score"])
        assert np.all(np.isfinite(free))
        # the same value with the used values, the rubric's or any wider scale declared
        for cats in (observed, np.union1d(observed, RUBRIC_SCALE), np.arange(-50, 151, 5)):
            assert free == pytest.approx(f(d, cats), abs=1e-14)
    with pytest.raises(ValueError, match=r"^rating 55 not on the declared scale \(0, 10, \.\.\., 100\)"):
        f(OFF, RUBRIC_SCALE)  # declared categories are still checked


def test_the_rubric_is_consulted_only_for_the_scale_dependent_ones(monkeypatch):
    consulted = []
    real = __import__("scoring.rubric", fromlist=["load_rubric"]).load_rubric
    monkeypatch.setattr("scoring.rubric.load_rubric", lambda *a, **k: consulted.append(1) or real(*a, **k))
    for f in SCALE_FREE.values():
        f(ON)
    assert consulted == []
    for f in NEEDS_SCALE.values():
        f(ON)
    assert len(consulted) >= len(NEEDS_SCALE)


def test_agreement_weights():
    w = agreement_weights("linear", [0, 10, 20, 40])
    assert w[0] == pytest.approx([1, 0.75, 0.5, 0.0])  # values, not ranks
    assert agreement_weights("quadratic", [0, 1, 2])[0] == pytest.approx([1, 0.75, 0])
    assert agreement_weights("ordinal", [0, 1, 2, 3])[0] == pytest.approx([1, 5 / 6, 0.5, 0])  # Gwet
    assert (agreement_weights(None, [1, 2]) == np.eye(2)).all()
    with pytest.raises(ValueError, match="weights"):
        agreement_weights("cubic", [1, 2])
    with pytest.raises(ValueError, match="2 x 2"):
        agreement_weights(np.eye(3), [1, 2])
    with pytest.raises(ValueError, match="diagonal"):
        agreement_weights(np.zeros((2, 2)), [1, 2])
    with pytest.raises(ValueError, match="repeated"):
        agreement_weights(None, [1, 1, 2])


# --------------------------------------------------------------------------------------
# percent agreement
# --------------------------------------------------------------------------------------
def test_percent_agreement_tolerance_by_hand():
    d = pd.DataFrame({"unit": [1, 1, 1, 2, 2], "rater": ["A", "B", "C", "A", "B"],
                      "score": [10, 20, 40, 0, 0]})
    cats = range(0, 101, 10)
    # unit 1 pairs (10,20) (10,40) (20,40): exact 0/3, within 10: 1/3, within 20: 2/3; unit 2: 1
    assert percent_agreement(d, *COLS, categories=cats) == pytest.approx((0 + 1) / 2)
    assert percent_agreement(d, *COLS, 10, categories=cats) == pytest.approx((1 / 3 + 1) / 2)
    assert percent_agreement(d, *COLS, 20, categories=cats) == pytest.approx((2 / 3 + 1) / 2)
    # irr::agree rule: all ratings of a unit within the tolerance
    assert percent_agreement(d, *COLS, 10, categories=cats, method="units") == 0.5
    assert percent_agreement(d, *COLS, 30, categories=cats, method="units") == 1.0
    e = percent_agreement_estimate(d, *COLS, 10, categories=cats)
    assert e.n_units == 2 and 0 <= e.ci_low <= e.estimate <= e.ci_high <= 1
    with pytest.raises(ValueError, match="tolerance or weights"):
        percent_agreement(d, *COLS, 10, weights="linear", categories=cats)
    with pytest.raises(ValueError, match="method"):
        percent_agreement(d, *COLS, categories=cats, method="all")


# --------------------------------------------------------------------------------------
# degenerate input
# --------------------------------------------------------------------------------------
ONE_RATER = pd.DataFrame({"unit": [1, 2, 3], "rater": "A", "score": [1, 2, 3]})
SAME = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["A", "B"] * 3, "score": [2] * 6})


@pytest.mark.parametrize("f", [fleiss_kappa, gwet_ac, brennan_prediger, percent_agreement, conger_kappa])
def test_one_rater_is_an_error(f):
    with pytest.raises(ValueError, match="two"):
        f(ONE_RATER, *COLS, categories=[1, 2, 3])


def test_cohen_needs_exactly_two_raters(ref):
    with pytest.raises(ValueError, match="exactly two raters, got 3"):
        cohen_kappa(ref.anx, *COLS, None, ANX)
    with pytest.raises(ValueError, match="exactly two raters, got 1"):
        cohen_kappa(ONE_RATER, *COLS, None, [1, 2, 3])
    twice = pd.DataFrame({"unit": [1, 1, 1], "rater": ["A", "A", "B"], "score": [1, 2, 2]})
    with pytest.raises(ValueError, match="more than once"):
        cohen_kappa(twice, *COLS, None, [1, 2, 3])


def test_identical_ratings():
    """Every rating the same: chance agreement 1 for kappas (0/0, NaN); AC1, BP and
    percent agreement are defined (1)."""
    cats = [1, 2, 3]
    assert math.isnan(fleiss_kappa(SAME, *COLS, cats))
    assert math.isnan(cohen_kappa(SAME, *COLS, None, cats))
    assert math.isnan(conger_kappa(SAME, *COLS, None, cats))
    assert math.isnan(fleiss_kappa_estimate(SAME, *COLS, cats).se)
    assert math.isnan(cohen_kappa_estimate(SAME, *COLS, None, cats).se)
    assert math.isnan(conger_kappa_estimate(SAME, *COLS, None, cats).se)
    assert math.isnan(brennan_prediger_estimate(SAME, *COLS, np.ones((3, 3)), cats).se)  # p_e = 1
    ac1 = gwet_ac_estimate(SAME, *COLS, None, cats)
    assert (ac1.estimate, ac1.se, ac1.ci_low, ac1.ci_high) == (1.0, 0.0, 1.0, 1.0)
    assert gwet_ac(SAME, *COLS, None, cats) == 1.0
    assert brennan_prediger(SAME, *COLS, None, cats) == 1.0
    assert percent_agreement(SAME, *COLS, categories=cats) == 1.0


def test_one_unit():
    d = pd.DataFrame({"unit": [1, 1, 1], "rater": ["A", "B", "C"], "score": [1, 1, 2]})
    assert percent_agreement(d, *COLS, categories=[1, 2]) == pytest.approx(1 / 3)
    e = gwet_ac_estimate(d, *COLS, None, [1, 2])
    assert np.isfinite(e.estimate) and math.isnan(e.se) and math.isnan(e.ci_low)


def test_single_rating_units_and_nan_ratings(ref):
    """A unit with one rating has no pair: it is left out of p_a but (irrCAC) counts in
    the category shares pi; NaN ratings are ignored like absent rows."""
    extra = pd.concat([ref.r5, pd.DataFrame({"unit": [99], "rater": ["Observer1"], "score": [3]})])
    assert percent_agreement(extra, *COLS, categories=R5) == pytest.approx(
        percent_agreement(ref.r5, *COLS, categories=R5), abs=1e-15)
    assert fleiss_kappa(extra, *COLS, R5) != pytest.approx(fleiss_kappa(ref.r5, *COLS, R5), abs=1e-6)
    assert ref.r5["score"].isna().any()
    dropped = ref.r5.dropna(subset=["score"])
    for f in (fleiss_kappa, gwet_ac, conger_kappa):
        assert f(dropped, *COLS, categories=R5) == f(ref.r5, *COLS, categories=R5)


def test_bad_se_method(ref):
    with pytest.raises(ValueError, match="se_method"):
        gwet_ac_estimate(ref.r5, *COLS, None, R5, se_method="delta")
    with pytest.raises(ValueError, match="same number of ratings"):
        fleiss_kappa_estimate(ref.r5, *COLS, R5, se_method="fleiss_null")


# --------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------
def test_bootstrap_units_resamples_whole_units():
    d = pd.DataFrame({"unit": list("aabbcc"), "rater": ["A", "B"] * 3, "score": [1, 2, 3, 4, 5, 6]})
    # a unit drawn twice enters as two units: the number of units never changes
    e = bootstrap_units(lambda s: s["unit"].nunique(), d, "unit", n_boot=50)
    assert (e.estimate, e.se, e.ci_low, e.ci_high, e.n_units) == (3, 0, 3, 3, 3)
    # every unit keeps its own rows: per-unit sums stay in {3, 7, 11}
    sums = bootstrap_units(lambda s: s.groupby("unit")["score"].sum().isin([3, 7, 11]).all(), d, "unit",
                           n_boot=50)
    assert sums.ci_low == 1


def test_bootstrap_is_seeded_and_skips_undefined_replicates(ref):
    a = fleiss_kappa_estimate(ref.fleiss, *COLS, FL5, se_method="bootstrap", n_boot=200, seed=7)
    b = fleiss_kappa_estimate(ref.fleiss, *COLS, FL5, se_method="bootstrap", n_boot=200, seed=7)
    g = fleiss_kappa_estimate(ref.fleiss, *COLS, FL5)
    assert a == b and a.estimate == g.estimate and a.n_raters == 6
    assert a.se == pytest.approx(g.se, rel=0.35)

    m0 = ref.fleiss["score"].mean()

    def picky(s):  # "undefined" on about half of the resamples
        if s["score"].mean() > m0:
            raise ValueError("undefined here")
        return float(s["score"].mean())

    e = bootstrap_units(picky, ref.fleiss, "unit", n_boot=100, seed=0)
    assert "of 100 resamples" in e.method and not e.method.startswith("bootstrap over units (100 ")


# --------------------------------------------------------------------------------------
# one function per coefficient: the float function is its Estimate's value
# --------------------------------------------------------------------------------------
SCALE = list(range(0, 101, 10))
ONE_FUNCTION = {  # float function, the *_estimate function, how both are called (data, weights)
    "percent_agreement": (percent_agreement, percent_agreement_estimate,
                          lambda f, d, w: f(d, *COLS, weights=w, categories=SCALE)),
    "percent_within_10_units": (percent_agreement, percent_agreement_estimate,
                                lambda f, d, w: f(d, *COLS, 10, categories=SCALE, method="units")),
    "fleiss_kappa": (fleiss_kappa, fleiss_kappa_estimate, lambda f, d, w: f(d, *COLS, SCALE, weights=w)),
    "cohen_kappa": (cohen_kappa, cohen_kappa_estimate, lambda f, d, w: f(raters(d, "A", "B"), *COLS, w, SCALE)),
    "gwet_ac": (gwet_ac, gwet_ac_estimate, lambda f, d, w: f(d, *COLS, w, SCALE)),
    "brennan_prediger": (brennan_prediger, brennan_prediger_estimate, lambda f, d, w: f(d, *COLS, w, SCALE)),
    "conger_kappa": (conger_kappa, conger_kappa_estimate, lambda f, d, w: f(d, *COLS, w, SCALE)),
    "light_kappa": (light_kappa, functools.partial(light_kappa_estimate, n_boot=50),
                    lambda f, d, w: f(d, *COLS, w, SCALE)),
    **{f"krippendorff_alpha_{lv}": (krippendorff_alpha, krippendorff_alpha_estimate,
                                    lambda f, d, w, lv=lv: f(d, *COLS, lv, SCALE, weights=w))
       for lv in ("nominal", "ordinal", "interval", "ratio")},
}


@pytest.mark.parametrize("weights", [None, "quadratic"])
@pytest.mark.parametrize("name", sorted(ONE_FUNCTION))
def test_float_function_is_the_estimates_value(name, weights):
    value, estimate, call = ONE_FUNCTION[name]
    for d in (ON, SAME.assign(score=20)):  # SAME: every rating the same, kappas undefined
        e = call(estimate, d, weights)
        got = call(value, d, weights)
        assert isinstance(got, float) and isinstance(e, Estimate)
        assert got == e.estimate or (math.isnan(got) and math.isnan(e.estimate)), d
        only = call(functools.partial(estimate, se_method=None), d, weights)  # the value only
        assert only.estimate == e.estimate or math.isnan(only.estimate) and math.isnan(e.estimate)
        assert math.isnan(only.se) and math.isnan(only.ci_low) and only.method == ""
        assert (only.n_units, only.n_ratings) == (e.n_units, e.n_ratings)


def test_docstring_examples():
    assert doctest.testmod(chance_module).failed == 0
