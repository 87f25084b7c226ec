"""Chance-corrected agreement coefficients and percent agreement.

Long-format ratings in (one row per rating: unit, rater, rating), an
:class:`~scoring.agreement.Estimate` or a float out. The coefficients share one frame
(Gwet 2014, ch. 2-5): a percent agreement ``p_a`` over the rater pairs within a unit and
a chance agreement ``p_e``; the coefficient is ``(p_a - p_e) / (1 - p_e)``. They differ
in ``p_e`` only:

===========================  ===============================================
coefficient                  chance agreement ``p_e``
===========================  ===============================================
Fleiss' kappa (Scott's pi)   ``sum_kl w_kl pi_k pi_l``
Conger's kappa               ``sum_kl w_kl (pbar_k pbar_l - s2_kl / r)``
Cohen's kappa                ``sum_kl w_kl p_k. p_.l`` (two raters)
Gwet's AC1 / AC2             ``T_w / (q (q-1)) * sum_k pi_k (1 - pi_k)``
Brennan-Prediger             ``T_w / q**2``
percent agreement            ``0``
===========================  ===============================================

``w`` is the agreement-weight matrix over the ``q`` categories (identity for the
unweighted coefficients) and ``T_w`` its sum.

**Which scale a coefficient uses.** A category that nobody used adds nothing to ``p_a``,
to the shares ``pi_k``, ``pbar_k``, ``p_k.`` or to any sum over them, so with identity
weights Fleiss', Conger's, Cohen's and Light's kappa and percent agreement (exact or
within a tolerance) cannot change with it. These take any numeric ratings: with
``categories=None`` the distinct ratings are the categories and the rubric is never
consulted. Everything else depends on the declared scale: AC1/AC2 and Brennan-Prediger
through ``q`` and ``T_w``, and every weighted coefficient (``weights`` other than
identity) because its weights are defined on the declared categories (Gwet's ordinal
weights count the categories between two ratings, a matrix has one row per category;
value-based linear and quadratic weights happen to leave the kappas unchanged, but not
weighted percent agreement). For these the categories are ``categories`` or, when it is
None, the rubric's scale (``load_rubric().scale.values``) when every rating is on it,
never the values that happen to occur. Declared ``categories`` are checked in both groups:
a rating off them is a ``ValueError`` naming it.

Each coefficient is one ``*_estimate`` function returning an :class:`Estimate` with a
standard error and a 95 % interval ``estimate +/- t(n-1) SE`` (upper limit capped at 1,
as irrCAC does), from Gwet's linearised variance (irrCAC formulas) or, on request, a
seeded bootstrap over units (:func:`bootstrap_units`); ``se_method=None`` gives the value
only. The float function of the same name without ``_estimate`` returns that value.

Coding on the declared scale lives in :mod:`scoring.agreement._coding`, the inference in
:mod:`scoring.agreement._inference`; Krippendorff's alpha in
:mod:`scoring.agreement.krippendorff`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._coding import (
    _code,
    _Coded,
    _error,
    _is_unweighted,
    _quad_forms,
    _tolerance_weights,
    _weights,
    agreement_weights,
)
from ._inference import (
    _METHOD_GWET,
    _SE_METHODS,
    Estimate,
    _analytic,
    _boot,
    _check_se_method,
    _method_text,
    _point,
    _variance,
    bootstrap_units,
)

__all__ = [
    "agreement_weights",
    "percent_agreement",
    "percent_agreement_estimate",
    "fleiss_kappa",
    "fleiss_kappa_estimate",
    "fleiss_kappa_by_category",
    "cohen_kappa",
    "cohen_kappa_estimate",
    "gwet_ac",
    "gwet_ac_estimate",
    "brennan_prediger",
    "brennan_prediger_estimate",
    "conger_kappa",
    "conger_kappa_estimate",
    "light_kappa",
    "light_kappa_estimate",
    "bootstrap_units",
]

_NO_PAIRS = "no unit has two or more ratings: agreement needs at least two raters on a unit"


# --------------------------------------------------------------------------------------
# shared Gwet machinery
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Parts:
    """Percent-agreement pieces (irrCAC notation).

    ``n`` units with >= 1 rating, ``n2`` units with >= 2; ``r`` (n,) ratings per unit;
    ``two`` (n,) bool r >= 2; ``pa_i`` (n,) weighted agreement of unit i over its rater
    pairs (0 where r < 2); ``pa`` mean of ``pa_i`` over units with r >= 2; ``pi`` (V,)
    category shares, mean over units of ``a_ik / r_i``.
    """

    n: int
    n2: int
    r: np.ndarray
    two: np.ndarray
    pa_i: np.ndarray
    pa: float
    pi: np.ndarray


def _parts(c: _Coded, w: np.ndarray) -> _Parts:
    """Agreement pieces of coded ratings ``c`` under weights ``w`` (V, V)."""
    r = c.m
    two = r >= 2
    n2 = int(two.sum())
    if n2 == 0:
        raise _error("one_rating_per_unit", _NO_PAIRS)
    sumq = _quad_forms(c.counts, w) - r
    den = np.where(two, r * (r - 1.0), 1.0)
    pa_i = np.where(two, sumq / den, 0.0)
    pa = float(pa_i.sum() / n2)
    pi = np.bincount(c.counts.indices, weights=c.counts.data / r[c.rows], minlength=c.cats.size) / c.n_units
    return _Parts(c.n_units, n2, r, two, pa_i, pa, pi)


def _ratio(num: float, den: float) -> float:
    """num / den, NaN when den is 0 (undefined coefficient) without a warning."""
    return float(num / den) if den != 0 else float("nan")


def _kappa_like(p: _Parts, pe: float) -> float:
    return _ratio(p.pa - pe, 1.0 - pe)


def _linearised(p: _Parts, pe: float, coeff: float, pe_i: np.ndarray | None) -> np.ndarray:
    """Gwet's per-unit linearised values ``kappa_i*`` (n,) whose spread gives the variance.

    ``kappa_i = (n / n2) (pa_i - pe 1[r_i >= 2]) / (1 - pe)`` and, when the chance
    agreement depends on the data, ``kappa_i* = kappa_i - 2 (1 - kappa) (pe_i - pe) / (1 - pe)``.
    """
    if not pe < 1.0:  # chance agreement 1: the coefficient is 0/0
        return np.full(p.n, np.nan)
    k_i = (p.n / p.n2) * (p.pa_i - pe * p.two) / (1.0 - pe)
    if pe_i is not None:
        k_i = k_i - 2.0 * (1.0 - coeff) * (pe_i - pe) / (1.0 - pe)
    return k_i



# --------------------------------------------------------------------------------------
# percent agreement
# --------------------------------------------------------------------------------------
def _pa_weights(c: _Coded, tolerance: float, weights) -> np.ndarray:
    if weights is not None and tolerance:
        raise ValueError("give either tolerance or weights, not both")
    if weights is not None:
        return _weights(weights, c.cats)
    if tolerance:
        return _tolerance_weights(float(tolerance), c.cats)
    return np.eye(c.cats.size)


def _unit_rule(c: _Coded, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Per unit with >= 2 ratings: 1.0 when max - min <= tolerance, else 0.0 -> (n2,), mask (U,)."""
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance}")
    ip = c.counts.indptr
    two = c.m >= 2
    if not two.any():
        raise _error("one_rating_per_unit", _NO_PAIRS)
    lo = c.cats[c.counts.indices[ip[:-1][two]]]
    hi = c.cats[c.counts.indices[ip[1:][two] - 1]]
    tol = 1e-9 * max(1.0, float(np.abs(c.cats).max()))
    return ((hi - lo) <= tolerance + tol).astype(float), two


def percent_agreement_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, tolerance: float = 0, *,
                               weights=None, categories=None, method: str = "pairs", se_method: str | None = "gwet",
                               confidence: float = 0.95, n_boot: int = 2000, seed: int = 0) -> Estimate:
    """Percent agreement (share of agreeing rater pairs within a unit) with its interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings, one row per rating; missing (NaN) ratings are ignored.
    units, raters, ratings : str
        Column names.
    tolerance : float, default 0
        Two ratings agree when they differ by at most this many scale points
        (0 = exact agreement).
    weights : None, str or array_like, optional
        Weighted percent agreement (Gwet's ``p_a``) with these agreement weights (see
        :func:`agreement_weights`); not together with ``tolerance``.
    categories : sequence of numbers, optional
        Declared categories; every rating must be one of them. Exact agreement and
        agreement within a tolerance cannot change with a category nobody used, so without
        ``weights`` None takes any numeric ratings as they are and never consults the
        rubric. Weights are defined on the declared scale (weighted ``p_a`` changes with
        its range), so with ``weights`` None means the rubric's scale, and a rating off it
        is an error.
    method : {"pairs", "units"}, default "pairs"
        ``"pairs"``: Gwet's ``p_a``, per unit the share of agreeing ordered rater pairs,
        averaged over units with two or more ratings. ``"units"``: the share of units
        (with two or more ratings) on which ALL ratings lie within ``tolerance``
        (R ``irr::agree``, which reports it as a percentage: multiply by 100).
    se_method : {"gwet", "gwet_table", "bootstrap"} or None, default "gwet"
        See Notes; None: the value only (what the float function returns), without
        standard error, interval or rater count.
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate
        A proportion in [0, 1]; interval clipped to [0, 1]. ``n_units`` counts every unit
        with a rating (``method="units"``: every unit with two or more).

    Raises
    ------
    ValueError
        A rating outside the declared categories (or, with ``weights`` and no
        ``categories``, off the rubric's scale); no unit with two or more ratings.

    Notes
    -----
    ``p_a = (1/n2) sum_{i: r_i >= 2} sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))`` with
    ``r*_ik = sum_l w_kl r_il`` (Gwet 2014, eq. 2.8), where ``r_ik`` counts the raters
    who put unit i in category k. A unit with a single rating has no pair and is left
    out. ``irr::agree`` drops every unit with a missing rating; ``method="units"``
    instead uses every unit with two or more ratings (the same on complete data).

    ``"gwet"``: ``v = 1/(n(n-1)) sum_i (p_a,i* - p_a)^2`` with
    ``p_a,i* = (n/n2) p_a,i`` (irrCAC ``pa.coeff.raw``); for ``method="units"`` the
    same with ``p_a,i`` the 0/1 unit indicator (the binomial variance). ``"gwet_table"``:
    divisor ``n^2`` (irrCAC ``pa2.table``, two raters). Interval
    ``p_a +/- t(n-1) sqrt(v)`` clipped to [0, 1].

    References
    ----------
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 2, 5.
    Advanced Analytics. Gamer, M. et al. R package irr, ``agree``.
    """
    _check_se_method(se_method)
    c = _code(data, units, raters, ratings, categories, se_method is not None, scale_free=_is_unweighted(weights))
    if se_method == "bootstrap":
        return _boot(
            lambda d: percent_agreement_estimate(d, units, raters, ratings, tolerance, weights=weights,
                                                 categories=c.cats, method=method, se_method=None).estimate,
            data, units, raters, ratings, c, n_boot, seed, confidence)
    if method == "units":
        if weights is not None:
            raise ValueError("weights apply to method='pairs' only")
        x, _ = _unit_rule(c, float(tolerance))
        est = float(x.mean())
        if se_method is None:
            return _point(est, c, x.size)
        return _analytic(est, _variance(x, est, se_method), c, x.size, confidence,
                         _method_text(se_method), lower=0.0)
    if method != "pairs":
        raise ValueError(f"method must be 'pairs' or 'units', got {method!r}")
    p = _parts(c, _pa_weights(c, tolerance, weights))
    if se_method is None:
        return _point(p.pa, c, p.n)
    x = (p.n / p.n2) * p.pa_i
    return _analytic(p.pa, _variance(x, p.pa, se_method), c, p.n, confidence,
                     _method_text(se_method), lower=0.0)



def percent_agreement(data: pd.DataFrame, units: str, raters: str, ratings: str, tolerance: float = 0, *, weights=None,
                      categories=None, method: str = "pairs") -> float:
    """Percent agreement as a float: :func:`percent_agreement_estimate` without the interval.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"entry_id": list("AAABBBCCCDD"),
    ...                   "examiner_id": ["E01", "E02", "E03"] * 3 + ["E01", "E03"],
    ...                   "score": [60, 60, 70, 30, 40, 40, 80, 80, 80, 50, 70]})
    >>> round(percent_agreement(d, "entry_id", "examiner_id", "score"), 3)
    0.417
    >>> round(percent_agreement(d, "entry_id", "examiner_id", "score", tolerance=10), 3)
    0.75
    """
    return percent_agreement_estimate(data, units, raters, ratings, tolerance, weights=weights,
                                      categories=categories, method=method, se_method=None).estimate


# --------------------------------------------------------------------------------------
# Fleiss
# --------------------------------------------------------------------------------------
def _fleiss_fit(c: _Coded, w: np.ndarray):
    p = _parts(c, w)
    pe = float(p.pi @ w @ p.pi)
    kappa = _kappa_like(p, pe)
    return p, pe, kappa


def fleiss_kappa_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, categories=None, *, weights=None,
                          se_method: str | None = "gwet", confidence: float = 0.95, n_boot: int = 2000,
                          seed: int = 0) -> Estimate:
    """Fleiss' kappa for several raters, generalised to missing ratings (Gwet 2014).

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings, one row per rating; missing (NaN) ratings are ignored. Raters
        need not be the same people across units (Fleiss' design).
    units, raters, ratings : str
        Column names.
    categories : sequence of numbers, optional
        Declared categories; every rating must be one of them. Unweighted kappa cannot
        change with a category nobody used (its ``pi_k`` is 0 and adds nothing to
        ``p_e``), so without ``weights`` None takes any numeric ratings as they are and
        never consults the rubric. With ``weights`` None means the rubric's scale (the
        weights are defined on the declared scale), and a rating off it is an error.
    weights : None, str or array_like, optional
        Agreement weights (see :func:`agreement_weights`); None = unweighted.
    se_method : {"gwet", "gwet_table", "fleiss_null", "bootstrap"} or None
        None: the value only (what :func:`fleiss_kappa` returns), without standard
        error, interval or rater count. See Notes for the others.
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate
        Kappa, NaN when chance agreement is 1 (every rating in one category); interval
        ``kappa +/- t(n-1) se``, upper limit capped at 1.

    Raises
    ------
    ValueError
        A rating outside the declared categories (or, with ``weights`` and no
        ``categories``, off the rubric's scale); no unit with two or more ratings
        (e.g. a single rater).

    Notes
    -----
    ``kappa = (p_a - p_e) / (1 - p_e)`` with ``p_a`` as in :func:`percent_agreement`
    and ``p_e = sum_kl w_kl pi_k pi_l``, ``pi_k = (1/n) sum_i r_ik / r_i`` averaged over
    all n units with a rating (a unit rated once adds to ``pi`` but not to ``p_a``).
    With the same number of ratings on every unit this is Fleiss (1971); with two
    raters rating every unit it is Scott's (1955) pi. The irrCAC
    ``fleiss.kappa.raw`` definitions.

    - ``"gwet"`` (default): Gwet's linearised variance (irrCAC ``fleiss.kappa.raw``),
      ``v = 1/(n(n-1)) sum_i (kappa_i* - kappa)^2`` with
      ``kappa_i* = (n/n2)(p_a,i - p_e 1[r_i>=2])/(1-p_e) - 2(1-kappa)(p_e,i - p_e)/(1-p_e)``,
      ``p_e,i = sum_k r_ik pibar_k / r_i``, ``pibar = (W + W') pi / 2``.
    - ``"gwet_table"``: the same with divisor ``n^2`` (irrCAC ``scott2.table``; two raters).
    - ``"fleiss_null"``: the standard error under H0 kappa = 0 (Fleiss, Nee & Landis
      1979; R ``irr::kappam.fleiss``), unweighted and the same number of ratings on
      every unit only. It is for the z test ``estimate / se``, not for intervals.
    - ``"bootstrap"``: :func:`bootstrap_units`.

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin*, 76, 378-382.
    Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of
    kappa in the case of different sets of raters. *Psychological Bulletin*, 86, 974-977.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 2, 5.
    """
    _check_se_method(se_method, _SE_METHODS + ("fleiss_null",))
    c = _code(data, units, raters, ratings, categories, se_method is not None, scale_free=_is_unweighted(weights))
    w = _weights(weights, c.cats)
    if se_method == "bootstrap":
        return _boot(lambda d: fleiss_kappa_estimate(d, units, raters, ratings, c.cats, weights=weights,
                                                     se_method=None).estimate,
                     data, units, raters, ratings, c, n_boot, seed, confidence)
    p, pe, kappa = _fleiss_fit(c, w)
    if se_method is None:
        return _point(kappa, c, p.n)
    if se_method == "fleiss_null":
        if not np.array_equal(w, np.eye(c.cats.size)):
            raise ValueError("se_method='fleiss_null' is for unweighted kappa only")
        if np.unique(c.m).size != 1:
            raise ValueError("se_method='fleiss_null' needs the same number of ratings on every unit")
        m = float(c.m[0])
        pj = p.pi
        pq = pj * (1 - pj)
        s = pq.sum()
        var = 2.0 / (s**2 * p.n * m * (m - 1)) * (s**2 - np.sum(pq * ((1 - pj) - pj))) if s > 0 else np.nan
        return _analytic(kappa, var, c, p.n, confidence,
                         "SE under H0 kappa = 0 (Fleiss, Nee & Landis 1979); for z tests")
    pibar = ((w + w.T) / 2.0) @ p.pi
    pe_i = np.asarray(c.counts @ pibar).ravel() / p.r
    if not np.isfinite(kappa):
        return _analytic(kappa, np.nan, c, p.n, confidence, _method_text(se_method))
    x = _linearised(p, pe, kappa, pe_i)
    return _analytic(kappa, _variance(x, kappa, se_method), c, p.n, confidence, _method_text(se_method))


def fleiss_kappa(data: pd.DataFrame, units: str, raters: str, ratings: str, categories=None, *, weights=None) -> float:
    """Fleiss' kappa as a float: :func:`fleiss_kappa_estimate` without the interval.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"entry_id": list("AAABBBCCCDD"),
    ...                   "examiner_id": ["E01", "E02", "E03"] * 3 + ["E01", "E03"],
    ...                   "score": [60, 60, 70, 30, 40, 40, 80, 80, 80, 50, 70]})
    >>> round(fleiss_kappa(d, "entry_id", "examiner_id", "score"), 3)
    0.285
    """
    return fleiss_kappa_estimate(data, units, raters, ratings, categories, weights=weights,
                                 se_method=None).estimate


def fleiss_kappa_by_category(data: pd.DataFrame, units: str, raters: str, ratings: str, categories=None) -> pd.Series:
    """Fleiss' kappa of each category against all others (Fleiss 1971, eq. 17).

    Parameters
    ----------
    data, units, raters, ratings, categories
        As in :func:`fleiss_kappa` (unweighted): each category's kappa cannot change with
        another category that nobody used, so None takes the distinct ratings as the
        categories and never consults the rubric.

    Returns
    -------
    pandas.Series
        Indexed by category (the declared ones, else the distinct ratings); NaN for a
        declared category nobody (or everybody) used.

    Notes
    -----
    The unweighted Fleiss kappa of the ratings dichotomised into "category j" versus
    "any other": with complete data ``kappa_j = 1 - sum_i x_ij (m - x_ij) /
    (n m (m - 1) p_j q_j)`` (R ``irr::kappam.fleiss(detail = TRUE)``); with unequal
    numbers of ratings the generalised form of :func:`fleiss_kappa`.

    References
    ----------
    Fleiss, J. L. (1971). *Psychological Bulletin*, 76, 378-382.
    """
    c = _code(data, units, raters, ratings, categories, scale_free=True)
    r = c.m
    two = r >= 2
    n2 = int(two.sum())
    if n2 == 0:
        raise _error("one_rating_per_unit", _NO_PAIRS)
    rows = c.rows
    x = c.counts.data
    rr = r[rows]
    # disagreement share per (unit, category) cell: 2 x (r - x) / (r (r - 1)), only nonzero cells
    dis = np.where(rr >= 2, 2.0 * x * (rr - x) / np.where(rr >= 2, rr * (rr - 1.0), 1.0), 0.0)
    v = c.cats.size
    pa = 1.0 - np.bincount(c.counts.indices, weights=dis, minlength=v) / n2
    pi = np.bincount(c.counts.indices, weights=x / rr, minlength=v) / c.n_units
    pe = pi**2 + (1 - pi) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kj = np.where(pe < 1, (pa - pe) / np.where(pe < 1, 1 - pe, 1.0), np.nan)
    return pd.Series(kj, index=pd.Index(c.cats, name="category"), name="kappa")


# --------------------------------------------------------------------------------------
# Gwet AC1/AC2 and Brennan-Prediger
# --------------------------------------------------------------------------------------
def _gwet_fit(c: _Coded, w: np.ndarray):
    p = _parts(c, w)
    q = c.cats.size
    tw = float(w.sum())
    scale = tw / (q * (q - 1.0)) if q > 1 else 0.0
    pe = scale * float(np.sum(p.pi * (1 - p.pi)))
    return p, pe, _kappa_like(p, pe), scale


def gwet_ac_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None, *,
                     se_method: str | None = "gwet", confidence: float = 0.95, n_boot: int = 2000,
                     seed: int = 0) -> Estimate:
    """Gwet's AC1 (unweighted) or AC2 (weighted) for any number of raters, with its interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings; missing (NaN) ratings allowed.
    units, raters, ratings : str
        Column names.
    weights : None, str or array_like, optional
        None: AC1. ``"linear"``, ``"quadratic"``, ``"ordinal"`` (Gwet's ordinal
        weights) or a matrix: AC2 (see :func:`agreement_weights`).
    categories : sequence of numbers, optional
        Declared categories; default the rubric's scale, and a rating off it is an error
        (pass ``categories`` to declare another scale). Their number ``q`` (and, for AC2,
        the weights) enter the chance agreement, so an unused category matters: AC1/AC2
        always need the declared scale, never the values that happen to occur.
    se_method : {"gwet", "gwet_table", "bootstrap"} or None, default "gwet"
        See Notes; None: the value only (what the float function returns), without
        standard error, interval or rater count.
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate
        AC1/AC2, defined even when every rating is the same (then 1).

    Raises
    ------
    ValueError
        A rating outside the declared categories (the rubric's scale when
        ``categories`` is None); no unit with two or more ratings.

    Notes
    -----
    ``AC = (p_a - p_e) / (1 - p_e)``, ``p_e = T_w / (q (q - 1)) sum_k pi_k (1 - pi_k)``,
    ``T_w = sum_kl w_kl``; ``p_a``, ``pi_k`` as in :func:`fleiss_kappa` (irrCAC
    ``gwet.ac1.raw``).

    ``"gwet"`` (irrCAC ``gwet.ac1.raw``): ``v = 1/(n(n-1)) sum_i (AC_i* - AC)^2`` with
    ``AC_i* = (n/n2)(p_a,i - p_e 1[r_i>=2])/(1-p_e) - 2(1-AC)(p_e,i - p_e)/(1-p_e)`` and
    ``p_e,i = T_w/(q(q-1)) sum_k r_ik (1 - pi_k) / r_i``. ``"gwet_table"``: divisor
    ``n^2`` (irrCAC ``gwet.ac1.table``, two raters). ``"bootstrap"``: :func:`bootstrap_units`.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the
    presence of high agreement. *British Journal of Mathematical and Statistical
    Psychology*, 61, 29-48.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 4-5.
    """
    _check_se_method(se_method)
    c = _code(data, units, raters, ratings, categories, se_method is not None)
    if se_method == "bootstrap":
        return _boot(lambda d: gwet_ac_estimate(d, units, raters, ratings, weights, c.cats, se_method=None).estimate,
                     data, units, raters, ratings, c, n_boot, seed, confidence)
    w = _weights(weights, c.cats)
    p, pe, ac, scale = _gwet_fit(c, w)
    if se_method is None:
        return _point(ac, c, p.n)
    pe_i = scale * np.asarray(c.counts @ (1.0 - p.pi)).ravel() / p.r
    x = _linearised(p, pe, ac, pe_i)
    return _analytic(ac, _variance(x, ac, se_method), c, p.n, confidence, _method_text(se_method))



def gwet_ac(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None) -> float:
    """Gwet's AC1/AC2 as a float: :func:`gwet_ac_estimate` without the interval.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"entry_id": list("AAABBBCCCDD"),
    ...                   "examiner_id": ["E01", "E02", "E03"] * 3 + ["E01", "E03"],
    ...                   "score": [60, 60, 70, 30, 40, 40, 80, 80, 80, 50, 70]})
    >>> round(gwet_ac(d, "entry_id", "examiner_id", "score"), 3)  # AC1
    0.365
    >>> round(gwet_ac(d, "entry_id", "examiner_id", "score", "quadratic"), 3)  # AC2
    0.953
    """
    return gwet_ac_estimate(data, units, raters, ratings, weights, categories, se_method=None).estimate


def brennan_prediger_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None,
                              *, se_method: str | None = "gwet", confidence: float = 0.95, n_boot: int = 2000,
                              seed: int = 0) -> Estimate:
    """Brennan-Prediger coefficient (Randolph's free-marginal kappa), several raters.

    Parameters
    ----------
    data, units, raters, ratings, weights, categories
        As in :func:`gwet_ac_estimate`: the chance agreement ``T_w / q^2`` depends on the
        number of declared categories, so ``categories`` defaults to the rubric's scale
        and a rating off it is an error.
    se_method : {"gwet", "gwet_table", "bootstrap"} or None, default "gwet"
        See Notes; None: the value only (what the float function returns), without
        standard error, interval or rater count.
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate

    Notes
    -----
    ``BP = (p_a - p_e) / (1 - p_e)`` with ``p_e = T_w / q^2`` over the ``q`` declared
    categories (irrCAC ``bp.coeff.raw``).

    ``"gwet"`` (irrCAC ``bp.coeff.raw``): ``v = 1/(n(n-1)) sum_i (BP_i - BP)^2``,
    ``BP_i = (n/n2)(p_a,i - p_e 1[r_i>=2])/(1-p_e)`` (``p_e`` is fixed, so no
    correction term). ``"gwet_table"``: divisor ``n^2`` (irrCAC ``bp2.table``).

    References
    ----------
    Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: some uses, misuses,
    and alternatives. *Educational and Psychological Measurement*, 41, 687-699.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 5.
    """
    _check_se_method(se_method)
    c = _code(data, units, raters, ratings, categories, se_method is not None)
    if se_method == "bootstrap":
        return _boot(lambda d: brennan_prediger_estimate(d, units, raters, ratings, weights, c.cats,
                                                         se_method=None).estimate,
                     data, units, raters, ratings, c, n_boot, seed, confidence)
    w = _weights(weights, c.cats)
    p = _parts(c, w)
    pe = float(w.sum()) / c.cats.size**2
    bp = _kappa_like(p, pe)
    if se_method is None:
        return _point(bp, c, p.n)
    x = _linearised(p, pe, bp, None)
    return _analytic(bp, _variance(x, bp, se_method), c, p.n, confidence, _method_text(se_method))



def brennan_prediger(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None) -> float:
    """Brennan-Prediger coefficient as a float: :func:`brennan_prediger_estimate` without the interval."""
    return brennan_prediger_estimate(data, units, raters, ratings, weights, categories, se_method=None).estimate


# --------------------------------------------------------------------------------------
# Conger
# --------------------------------------------------------------------------------------
def _check_no_replicates(c: _Coded, units: str, raters: str) -> None:
    cell = c.unit * c.n_raters + c.rater
    if np.unique(cell).size != cell.size:
        raise _error("replicate_ratings", f"a rater ('{raters}') rated the same unit ('{units}') more than once")


def _conger_fit(c: _Coded, w: np.ndarray):
    """Conger's kappa pieces: parts, p_e, kappa, per-rater shares p_gk (R, V), n_g (R,)."""
    p = _parts(c, w)
    nr, v = c.n_raters, c.cats.size
    classif = np.bincount(c.rater * v + c.cat, minlength=nr * v).reshape(nr, v)
    n_g = classif.sum(axis=1).astype(float)
    p_gk = classif / n_g[:, None]
    pbar = p_gk.mean(axis=0)
    s2 = (p_gk.T @ p_gk - nr * np.outer(pbar, pbar)) / (nr - 1.0)
    pe = float(np.sum(w * (np.outer(pbar, pbar) - s2 / nr)))
    return p, pe, _kappa_like(p, pe), p_gk, n_g, pbar


def conger_kappa_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None, *,
                          se_method: str | None = "gwet", confidence: float = 0.95, n_boot: int = 2000,
                          seed: int = 0) -> Estimate:
    """Conger's (1980) generalised kappa for several raters (Cohen's kappa for two).

    Parameters
    ----------
    data, units, raters, ratings, weights
        As in :func:`gwet_ac_estimate`. Each rater rates a unit at most once.
    categories : sequence of numbers, optional
        Declared categories; every rating must be one of them. Unweighted, a category
        nobody used has ``p_gk = 0`` for every rater and adds nothing to ``p_e``, so
        without ``weights`` None takes any numeric ratings as they are and never consults
        the rubric. With ``weights`` None means the rubric's scale (the weights are
        defined on the declared scale), and a rating off it is an error.
    se_method : {"gwet", "gwet_table", "bootstrap"} or None, default "gwet"
        See Notes; None: the value only (what the float function returns).
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate

    Raises
    ------
    ValueError
        Fewer than two raters; a rater rating a unit twice; a rating outside the
        declared categories (or, with ``weights`` and no ``categories``, off the
        rubric's scale).

    Notes
    -----
    ``p_e = sum_kl w_kl (pbar_k pbar_l - s2_kl / r)``, where ``p_gk`` is the share of
    rater g's ratings in category k, ``pbar_k`` its mean over the r raters and
    ``s2_kl`` the covariance of ``p_gk`` and ``p_gl`` over raters (irrCAC
    ``conger.kappa.raw``; R ``irr::kappam.fleiss(exact = TRUE)``).

    ``"gwet"``: irrCAC ``conger.kappa.raw``: ``kappa_i*`` as for Fleiss but with
    ``p_e,i = (1/(r(r-1))) sum_g lambda_ig``,
    ``lambda_ig = (n/n_g) sum_k (r pbar_k - p_gk) sum_l w_kl (delta_igl - (eps_ig - n_g/n) p_gl)``
    (``eps_ig`` = 1 when rater g rated unit i, ``delta_igl`` = 1 when in category l).
    Computed in O(ratings): the missing cells contribute ``sum_k (r pbar_k - p_gk)(W p_g)_k``.
    ``"gwet_table"``: divisor ``n^2``.

    References
    ----------
    Conger, A. J. (1980). Integration and generalization of kappas for multiple
    raters. *Psychological Bulletin*, 88, 322-328.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 5.
    """
    _check_se_method(se_method)
    c = _code(data, units, raters, ratings, categories, scale_free=_is_unweighted(weights))
    if c.n_raters < 2:
        raise _error("too_few_raters", "Conger's kappa needs at least two raters")
    _check_no_replicates(c, units, raters)
    if se_method == "bootstrap":
        return _boot(lambda d: conger_kappa_estimate(d, units, raters, ratings, weights, c.cats,
                                                     se_method=None).estimate,
                     data, units, raters, ratings, c, n_boot, seed, confidence)
    w = _weights(weights, c.cats)
    p, pe, kappa, p_gk, n_g, pbar = _conger_fit(c, w)
    if se_method is None:
        return _point(kappa, c, p.n)
    nr, n = c.n_raters, p.n
    cg = nr * pbar[None, :] - p_gk  # (R, V)
    cw = cg @ w  # (R, V): sum_k c_gk w_kl
    cwp = np.sum(cw * p_gk, axis=1)  # (R,): c_g' W p_g
    obs = (n / n_g[c.rater]) * (cw[c.rater, c.cat] - cwp[c.rater])
    lam = cwp.sum() + np.bincount(c.unit, weights=obs, minlength=n)
    pe_i = lam / (nr * (nr - 1.0))
    x = _linearised(p, pe, kappa, pe_i)
    return _analytic(kappa, _variance(x, kappa, se_method), c, n, confidence, _method_text(se_method))



def conger_kappa(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None) -> float:
    """Conger's kappa as a float: :func:`conger_kappa_estimate` without the interval."""
    return conger_kappa_estimate(data, units, raters, ratings, weights, categories, se_method=None).estimate


# --------------------------------------------------------------------------------------
# Cohen (two raters) and Light (mean pairwise Cohen)
# --------------------------------------------------------------------------------------
def _pair_codes(c: _Coded, units: str, raters: str) -> np.ndarray:
    """Category code per unit and rater, (U, R) int, -1 where missing."""
    _check_no_replicates(c, units, raters)
    codes = np.full((c.n_units, c.n_raters), -1, dtype=np.int64)
    codes[c.unit, c.rater] = c.cat
    return codes


def _cohen_table(k1: np.ndarray, k2: np.ndarray, v: int) -> np.ndarray:
    """V x V table of proportions from paired codes k1, k2 (n,)."""
    t = np.bincount(k1 * v + k2, minlength=v * v).reshape(v, v).astype(float)
    return t / t.sum()


def _cohen_from_table(p: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """(kappa, pa, pe) of a V x V proportion table ``p`` under weights ``w``."""
    pa = float(np.sum(w * p))
    pe = float(p.sum(axis=1) @ w @ p.sum(axis=0))
    return _ratio(pa - pe, 1.0 - pe), pa, pe


def _cohen_pairs(c: _Coded, units, raters):
    if c.n_raters != 2:
        raise _error("not_two_raters", f"Cohen's kappa needs exactly two raters, got {c.n_raters}")
    codes = _pair_codes(c, units, raters)
    both = (codes >= 0).all(axis=1)
    if not both.any():
        raise _error("no_common_units", "the two raters have no unit in common")
    return codes[both, 0], codes[both, 1]


def cohen_kappa_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None, *,
                         se_method: str | None = "gwet_table", confidence: float = 0.95, n_boot: int = 2000,
                         seed: int = 0) -> Estimate:
    """Cohen's kappa for exactly two raters, unweighted or weighted, with its interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings of exactly two raters. Units rated by only one of them are left out.
    units, raters, ratings : str
        Column names.
    weights : None, "linear", "quadratic", "ordinal" or array_like, optional
        None: Cohen (1960). ``"linear"`` (vcd's "Equal-Spacing") and ``"quadratic"``
        (Fleiss-Cohen) weights on the declared category values (Cohen 1968).
    categories : sequence of numbers, optional
        Declared categories; every rating must be one of them. Unweighted kappa cannot
        change with a category neither rater used (its row and column of the table are 0),
        so without ``weights`` None takes any numeric ratings as they are and never
        consults the rubric. Weights are defined on the declared scale, so with
        ``weights`` None means the rubric's scale and a rating off it is an error; the
        declared categories are never collapsed to the used ones (R ``irr::kappa2`` and
        sklearn drop an unused category and space the remaining ones equally).
    se_method : {"gwet_table", "gwet", "bootstrap"} or None, default "gwet_table"
        None: the value only (what :func:`cohen_kappa` returns). See Notes for the others.
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate
        Kappa, NaN when chance agreement is 1; ``n_units`` = units rated by both raters.

    Raises
    ------
    ValueError
        Not exactly two raters; a rater rating a unit twice; no unit rated by both;
        a rating outside the declared categories (or, with ``weights`` and no
        ``categories``, off the rubric's scale).

    Notes
    -----
    ``kappa = (p_a - p_e) / (1 - p_e)``, ``p_a = sum_kl w_kl p_kl``,
    ``p_e = sum_kl w_kl p_k. p_.l`` over the V x V table of the declared categories.

    - ``"gwet_table"`` (default): the large-sample variance of Fleiss, Cohen & Everitt
      (1969), ``v = [sum_kl p_kl (w_kl - (1-kappa)(wbar_k. + wbar_.l))^2
      - (kappa - p_e(1-kappa))^2] / (n (1-p_e)^2)`` with ``wbar_k. = sum_l w_kl p_.l``
      and ``wbar_.l = sum_k w_kl p_k.``. This is the ASE of R ``vcd::Kappa`` and
      statsmodels and, written differently, Gwet's two-rater formula (irrCAC
      ``kappa2.table``): the same number.
    - ``"gwet"``: the same linearisation with the raw-data divisor ``n(n-1)`` instead
      of ``n^2`` (as the multi-rater ``*_estimate`` functions use); larger by
      ``sqrt(n/(n-1))``.
    - ``"bootstrap"``: :func:`bootstrap_units`.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement*, 20, 37-46.
    Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70, 213-220.
    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of
    kappa and weighted kappa. *Psychological Bulletin*, 72, 323-327.
    """
    _check_se_method(se_method)
    c = _code(data, units, raters, ratings, categories, scale_free=_is_unweighted(weights))
    k1, k2 = _cohen_pairs(c, units, raters)
    if se_method == "bootstrap":
        return _boot(lambda d: cohen_kappa_estimate(d, units, raters, ratings, weights, c.cats,
                                                    se_method=None).estimate,
                     data, units, raters, ratings, c, n_boot, seed, confidence)
    w = _weights(weights, c.cats)
    v = c.cats.size
    p = _cohen_table(k1, k2, v)
    kappa, pa, pe = _cohen_from_table(p, w)
    n = k1.size
    if se_method is None:
        return _point(kappa, c, n)
    if not np.isfinite(kappa):
        return _analytic(kappa, np.nan, c, n, confidence, "undefined (chance agreement is 1)")
    wk = w @ p.sum(axis=0)  # (V,) row category k against rater 2's margin
    wl = w.T @ p.sum(axis=1)  # (V,) column category l against rater 1's margin
    z = w[k1, k2] - (1.0 - kappa) * (wk[k1] + wl[k2])  # (n,)
    x = kappa + (z - (pa - 2.0 * (1.0 - kappa) * pe)) / (1.0 - pe)
    method = (
        "Fleiss-Cohen-Everitt (1969) ASE = Gwet two-rater formula (divisor n^2); CI est +/- t(n-1) SE"
        if se_method == "gwet_table" else _METHOD_GWET
    )
    return _analytic(kappa, _variance(x, kappa, se_method), c, n, confidence, method)


def cohen_kappa(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None) -> float:
    """Cohen's kappa as a float: :func:`cohen_kappa_estimate` without the interval.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"entry_id": list("AAABBBCCCDD"),
    ...                   "examiner_id": ["E01", "E02", "E03"] * 3 + ["E01", "E03"],
    ...                   "score": [60, 60, 70, 30, 40, 40, 80, 80, 80, 50, 70]})
    >>> two = d[d["examiner_id"].isin(["E01", "E03"])]
    >>> round(cohen_kappa(two, "entry_id", "examiner_id", "score", "linear"), 3)
    0.529
    """
    return cohen_kappa_estimate(data, units, raters, ratings, weights, categories, se_method=None).estimate


def light_kappa_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None, *,
                         se_method: str | None = "bootstrap", confidence: float = 0.95, n_boot: int = 2000,
                         seed: int = 0) -> Estimate:
    """Light's kappa: the mean of Cohen's kappa over all pairs of raters, with its interval.

    Parameters
    ----------
    data, units, raters, ratings, weights, categories
        As in :func:`cohen_kappa_estimate`, with two or more raters: unweighted, any
        numeric ratings without ``categories`` (no rubric); weighted, the declared scale.
    se_method : {"bootstrap"} or None, default "bootstrap"
        No closed-form variance is in common use, so the standard error and percentile
        interval always come from :func:`bootstrap_units`; None: the value only.
    confidence : float, default 0.95
    n_boot, seed : int
        Resamples and seed of the bootstrap.

    Returns
    -------
    Estimate
        Mean over the rater pairs that share at least one unit and whose kappa is
        defined; NaN when there is none.

    Notes
    -----
    Each pair's kappa uses the units both raters rated and the declared categories
    (R ``irr::kappam.light`` uses complete units and the observed categories; the same
    for unweighted kappa on complete data).

    References
    ----------
    Light, R. J. (1971). Measures of response agreement for qualitative data: some
    generalizations and alternatives. *Psychological Bulletin*, 76, 365-377.
    """
    _check_se_method(se_method, ("bootstrap",))
    c = _code(data, units, raters, ratings, categories, scale_free=_is_unweighted(weights))
    if se_method == "bootstrap":
        return _boot(lambda d: light_kappa_estimate(d, units, raters, ratings, weights, c.cats,
                                                    se_method=None).estimate,
                     data, units, raters, ratings, c, n_boot, seed, confidence)
    if c.n_raters < 2:
        raise _error("too_few_raters", "Light's kappa needs at least two raters")
    codes = _pair_codes(c, units, raters)
    w = _weights(weights, c.cats)
    v = c.cats.size
    kappas = []
    for g in range(c.n_raters - 1):
        for h in range(g + 1, c.n_raters):
            both = (codes[:, g] >= 0) & (codes[:, h] >= 0)
            if both.any():
                kappas.append(_cohen_from_table(_cohen_table(codes[both, g], codes[both, h], v), w)[0])
    kappas = np.asarray(kappas)
    kappas = kappas[np.isfinite(kappas)]
    return _point(float(kappas.mean()) if kappas.size else float("nan"), c, c.n_units)


def light_kappa(data: pd.DataFrame, units: str, raters: str, ratings: str, weights=None, categories=None) -> float:
    """Light's kappa as a float: :func:`light_kappa_estimate` without the bootstrap."""
    return light_kappa_estimate(data, units, raters, ratings, weights, categories, se_method=None).estimate
