"""Every agreement coefficient per group, in one tidy table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rubric import Rubric, load_rubric
from ._common import Estimate
from .chance import (
    _category_codes,
    _declared_categories,
    fleiss_kappa_estimate,
    gwet_ac_estimate,
    percent_agreement_estimate,
)
from .icc import icc
from .krippendorff import krippendorff_alpha_estimate

ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
COEFFICIENTS = ICC_FORMS + (
    "alpha_nominal",
    "alpha_ordinal",
    "alpha_interval",
    "alpha_ratio",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "percent_agreement",
    "percent_within_step",
)
COLUMNS = ["coefficient", "estimate", "ci_low", "ci_high", "se", "n_units", "n_raters", "n_ratings", "method", "note"]


def agreement_table(
    scores: pd.DataFrame,
    by=("criterion",),
    *,
    units: str = "entry_id",
    raters: str = "examiner_id",
    ratings: str = "score",
    rubric: Rubric | None = None,
    coefficients=COEFFICIENTS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Agreement between examiners per group, every coefficient with its interval and counts.

    Parameters
    ----------
    scores : long-format scores, one row per rating (filter the stage first: agreement
        is about independent ratings, normally stage ``individual``).
    by : grouping columns, e.g. ``("criterion",)``, ``("year", "criterion")``,
        ``("class",)``; ``()`` for one overall row per coefficient.
    rubric : gives the declared categories (the scale) for Gwet's AC1/AC2 and the
        step of ``percent_within_step``; default the project rubric.
    coefficients : which of ``COEFFICIENTS`` to compute.

    Returns
    -------
    DataFrame
        One row per group and coefficient: the ``by`` columns, then coefficient,
        estimate, ci_low, ci_high, se, n_units, n_raters, n_ratings, method (where the
        interval comes from) and note (why a value is missing, else "").

    Notes
    -----
    ICC1..ICC3k: :func:`scoring.agreement.icc` (variance components of the crossed
    entry x examiner design using every rating; McGraw & Wong intervals).
    alpha_*: Krippendorff's alpha at the four levels of measurement. fleiss_kappa:
    Fleiss' kappa generalised to unequal numbers of ratings per unit (Gwet 2014).
    gwet_ac1 / gwet_ac2: Gwet's AC1, and AC2 with quadratic weights on the declared
    scale. percent_agreement: share of agreeing examiner pairs within an entry;
    percent_within_step: pairs within one scale step. Intervals for the non-ICC
    coefficients are Gwet's (2014) analytic ones. Cohen's kappa is not in the table: it
    needs exactly two raters per design.
    Only AC1 and AC2 depend on the declared scale: scores off the rubric's steps give
    them NaN and a note, while the other coefficients, which cannot change with unused
    categories, are computed on the scores as they are. A coefficient that cannot be
    computed for a group (e.g. one examiner only) gets NaN and a note.
    """
    rubric = rubric or load_rubric()
    by = [by] if isinstance(by, str) else list(by)
    unknown = [c for c in coefficients if c not in COEFFICIENTS]
    if unknown:
        raise ValueError(f"unknown coefficient(s) {unknown}; choose from {', '.join(COEFFICIENTS)}")
    for col in by + [units, raters, ratings]:
        if col not in scores.columns:
            raise KeyError(f"column '{col}' not in the scores (columns: {', '.join(map(str, scores.columns))})")
    cats = rubric.scale.values
    groups = scores.groupby(by, sort=True) if by else [((), scores)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        for coef, est, note in _coefficients(g, units, raters, ratings, cats, rubric.scale.step,
                                             coefficients, confidence):
            rows.append(dict(zip(by, key, strict=True)) | {"coefficient": coef, **_row(est), "note": note})
    return pd.DataFrame(rows, columns=by + COLUMNS)


def _row(e: Estimate) -> dict:
    return {
        "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high, "se": e.se,
        "n_units": e.n_units, "n_raters": e.n_raters, "n_ratings": e.n_ratings, "method": e.method,
    }


def _on_scale(ratings: pd.Series, cats) -> bool:
    """True when every non-missing rating is one of the categories ``cats``."""
    y = pd.to_numeric(ratings, errors="coerce").dropna().to_numpy(dtype=float)
    try:
        _category_codes(y, _declared_categories(cats))
    except ValueError:
        return False
    return True


def _coefficients(g, units, raters, ratings, cats, step, wanted, confidence):
    """Yield (coefficient, Estimate, note) for one group."""
    wanted = set(wanted)
    if wanted & set(ICC_FORMS):
        try:
            t = icc(g, units, raters, ratings, confidence=confidence)
            a = t.attrs
            for form in ICC_FORMS:
                if form in wanted:
                    r = t.loc[form]
                    e = Estimate(r["icc"], np.nan, r["ci_low"], r["ci_high"], a["n_targets"], a["n_raters"],
                                 a["n_ratings"], a.get("estimator", ""))
                    yield form, e, a.get("note", "") if np.isnan(r["icc"]) else ""
        except ValueError as err:
            for form in ICC_FORMS:
                if form in wanted:
                    yield form, Estimate(np.nan), str(err)
    # Gwet's AC1/AC2 depend on the declared scale: always the rubric's. The other coefficients
    # cannot change with unused categories: they get the rubric's scale when every rating is on
    # it (as the table always has, so the award's numbers stay the same to the last bit) and
    # otherwise no categories, so off-scale ratings still get a value.
    free = cats if _on_scale(g[ratings], cats) else None
    others = {
        "alpha_nominal": lambda: krippendorff_alpha_estimate(
            g, units, raters, ratings, "nominal", free, confidence=confidence
        ),
        "alpha_ordinal": lambda: krippendorff_alpha_estimate(
            g, units, raters, ratings, "ordinal", free, confidence=confidence
        ),
        "alpha_interval": lambda: krippendorff_alpha_estimate(
            g, units, raters, ratings, "interval", free, confidence=confidence
        ),
        "alpha_ratio": lambda: krippendorff_alpha_estimate(
            g, units, raters, ratings, "ratio", free, confidence=confidence
        ),
        "fleiss_kappa": lambda: fleiss_kappa_estimate(g, units, raters, ratings, free, confidence=confidence),
        "gwet_ac1": lambda: gwet_ac_estimate(g, units, raters, ratings, None, cats, confidence=confidence),
        "gwet_ac2": lambda: gwet_ac_estimate(g, units, raters, ratings, "quadratic", cats, confidence=confidence),
        "percent_agreement": lambda: percent_agreement_estimate(g, units, raters, ratings, 0, categories=free,
                                                                confidence=confidence),
        "percent_within_step": lambda: percent_agreement_estimate(g, units, raters, ratings, step, categories=free,
                                                                  confidence=confidence),
    }
    for coef in COEFFICIENTS[len(ICC_FORMS):]:
        if coef in wanted:
            try:
                e = others[coef]()
                yield coef, e, "" if np.isfinite(e.estimate) else "undefined for these ratings"
            except ValueError as err:
                yield coef, Estimate(np.nan), str(err)
