"""Krippendorff's alpha in O(ratings) time and memory.

Long ratings in (unit, rater, rating; missing ratings allowed), alpha out (an
:class:`~scoring.agreement.Estimate` from :func:`krippendorff_alpha_estimate`, a float from
:func:`krippendorff_alpha`), at Krippendorff's nominal, ordinal, interval and ratio levels,
or with Gwet's agreement weights. Nothing of size units x values x values is ever built (the memory trap of the
``krippendorff`` package, its issue #38):

- nominal: from the per-unit value counts (a sparse units x values matrix);
- interval: from per-unit sums and sums of squares;
- ordinal: Krippendorff's ordinal metric is the interval metric on the mid-ranks of
  the pairable values, so the same per-unit sums on mid-ranks;
- ratio and weighted: the values x values coincidence matrix, accumulated as
  ``N' D N`` with the sparse count matrix ``N`` (units x values) and
  ``D = diag(1 / (m_u - 1))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._coding import _code, _Coded, _error, _is_unweighted, _quad_forms, _weights
from ._inference import Estimate, _analytic, _boot, _check_se_method, _point

__all__ = ["krippendorff_alpha", "krippendorff_alpha_estimate"]

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True)
class _Pairable:
    """The pairable values: units with two or more ratings.

    ``counts`` CSR (U2, V) values per unit and category; ``m`` (U2,) values per unit;
    ``rows`` (nnz,) unit of every stored count; ``n_c`` (V,) marginal frequencies of
    the categories; ``n`` number of pairable values.
    """

    counts: sp.csr_matrix
    m: np.ndarray
    rows: np.ndarray
    n_c: np.ndarray
    n: float

    @property
    def n_units(self) -> int:
        return int(self.m.size)


def _pairable(c: _Coded) -> _Pairable:
    keep = c.m >= 2
    if not keep.any():
        raise _error(
            "one_rating_per_unit",
            "Krippendorff's alpha needs at least one unit with two or more ratings "
            "(units with a single rating carry no pairable values)",
        )
    counts = c.counts[keep] if not keep.all() else c.counts
    m = c.m[keep]
    rows = np.repeat(np.arange(m.size), np.diff(counts.indptr))
    n_c = np.bincount(counts.indices, weights=counts.data, minlength=c.cats.size)
    return _Pairable(counts, m, rows, n_c, float(m.sum()))


def _alpha(do_sum: float, de_sum: float, n: float) -> float:
    """alpha = 1 - (n - 1) sum_ck o_ck d_ck / sum_ck n_c n_k d_ck; NaN when D_e = 0."""
    if not de_sum > 0:
        return float("nan")
    return float(1.0 - (n - 1.0) * do_sum / de_sum)


def _alpha_nominal(p: _Pairable) -> float:
    """Nominal alpha from the per-unit counts, O(nnz)."""
    x = p.counts.data
    o_diag = float(np.sum(x * (x - 1.0) / (p.m[p.rows] - 1.0)))  # sum_c o_cc
    return _alpha(p.n - o_diag, p.n * p.n - float(np.sum(p.n_c**2)), p.n)


def _alpha_squared_difference(p: _Pairable, v: np.ndarray) -> float:
    """Alpha for the metric (v_c - v_k)^2 with values v (V,), from per-unit sums, O(nnz).

    Within unit u: ``sum_{i != j} (x_i - x_j)^2 = 2 (m_u S2_u - S1_u^2)``.
    """
    v = v - (p.n_c @ v) / p.n  # centre: less cancellation
    x = p.counts.data
    vu = v[p.counts.indices]
    s1 = np.bincount(p.rows, weights=x * vu, minlength=p.n_units)
    s2 = np.bincount(p.rows, weights=x * vu * vu, minlength=p.n_units)
    do_sum = float(np.sum(2.0 * (p.m * s2 - s1 * s1) / (p.m - 1.0)))
    de_sum = 2.0 * p.n * float(p.n_c @ (v * v))
    return _alpha(do_sum, de_sum, p.n)


def _midranks(n_c: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal positions (V,): ``sum_{g<c} n_g + n_c / 2``.

    The ordinal metric ``(sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2`` equals
    ``(M_k - M_c)^2`` with these mid-ranks ``M``.
    """
    return np.cumsum(n_c) - n_c / 2.0


def _coincidence(p: _Pairable) -> np.ndarray:
    """Coincidence matrix without its diagonal correction, (V, V) dense.

    ``sum_u n_uc n_uk / (m_u - 1)``; off the diagonal this is Krippendorff's ``o_ck``
    (the diagonal differs, which no metric with ``d_cc = 0`` sees).
    """
    scaled = p.counts.copy()
    scaled.data = scaled.data / (p.m[p.rows] - 1.0)
    return np.asarray((p.counts.T.tocsr() @ scaled).toarray())


def _ratio_delta(cats: np.ndarray) -> np.ndarray:
    """Ratio metric ((c - k) / (c + k))^2, (V, V); 0 where c = k = 0."""
    if cats.min() < 0:
        raise _error("negative_ratio",
                     "the ratio level needs non-negative categories (a ratio scale has an absolute zero)")
    s = np.add.outer(cats, cats)
    d = np.subtract.outer(cats, cats)
    return np.divide(d, s, out=np.zeros_like(d), where=s > 0) ** 2


def _delta(level: str, cats: np.ndarray, p: _Pairable, weights) -> np.ndarray:
    """The metric (V, V) for a level, or 1 - w for Gwet weights."""
    if weights is not None:
        return 1.0 - _weights(weights, cats)
    if level == "nominal":
        return 1.0 - np.eye(cats.size)
    if level == "interval":
        return np.subtract.outer(cats, cats) ** 2
    if level == "ordinal":
        mr = _midranks(p.n_c)
        return np.subtract.outer(mr, mr) ** 2
    return _ratio_delta(cats)


def _alpha_level(level: str, cats: np.ndarray, p: _Pairable, weights) -> float:
    if weights is None and level == "nominal":
        return _alpha_nominal(p)
    if weights is None and level == "interval":
        return _alpha_squared_difference(p, cats)
    if weights is None and level == "ordinal":
        return _alpha_squared_difference(p, _midranks(p.n_c))
    delta = _delta(level, cats, p, weights)
    return _alpha(float(np.sum(_coincidence(p) * delta)), float(p.n_c @ delta @ p.n_c), p.n)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, got {level!r}")


def krippendorff_alpha_estimate(data: pd.DataFrame, units: str, raters: str, ratings: str, level: str = "interval",
                                categories=None, *, weights=None, se_method: str | None = "gwet",
                                confidence: float = 0.95, n_boot: int = 2000, seed: int = 0) -> Estimate:
    """Krippendorff's alpha for any number of raters and missing ratings, with its interval.

    Parameters
    ----------
    data : pandas.DataFrame
        Long ratings, one row per rating; missing (NaN) ratings are ignored.
    units, raters, ratings : str
        Column names. Rater identity does not enter alpha.
    level : str, default "interval"
        ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"`` (Krippendorff's
        difference functions).
    categories : sequence of numbers, optional
        Declared categories; every rating must be one of them. At Krippendorff's four
        levels alpha cannot change with a category nobody used (its frequency ``n_c`` is
        0: it adds no coincidence, no expected disagreement and no mid-rank), so None
        takes any numeric ratings as they are and never consults the rubric. With
        ``weights`` the weights are defined on the declared categories (Gwet's ordinal
        weights count the categories between two values; a matrix has one row per
        category), so None then means the rubric's scale, and a rating off it is an
        error.
    weights : None, str or array_like, optional
        Gwet's weighted alpha (irrCAC ``krippen.alpha.raw(weights=...)``): the metric is
        ``1 - w`` with agreement weights ``w`` from :func:`agreement_weights`
        (``"identity"``, ``"linear"``, ``"quadratic"``, ``"ordinal"`` or a matrix) on
        the declared categories. ``level`` is then ignored. ``"quadratic"`` gives the
        interval level and ``"identity"`` the nominal one (identity weights, like no
        weights, need no declared scale); Gwet's ``"ordinal"`` weights (category ranks)
        are NOT Krippendorff's ordinal metric (observed frequencies).
    se_method : {"gwet", "gwet_table", "gwet_dist", "bootstrap"} or None, default "gwet"
        ``"gwet"``: Gwet's linearised variance, irrCAC ``krippen.alpha.raw``.
        ``"gwet_table"``: the same with divisor ``n^2`` (irrCAC ``krippen2.table``,
        two raters on every unit). ``"gwet_dist"``: irrCAC ``krippen.alpha.dist`` (its
        correction term lacks the factor 2 of the other formulas; kept to reproduce
        irrCAC's published output for distribution-format data).
        ``"bootstrap"``: :func:`bootstrap_units` (``n_boot`` resamples, ``seed``).
        None: the value only (what :func:`krippendorff_alpha` returns), without
        standard error, interval or rater count.
    confidence : float, default 0.95

    Returns
    -------
    Estimate
        ``n_units`` = units with two or more ratings; interval
        ``alpha +/- t(n_units - 1) se``, upper limit capped at 1. Alpha is NaN when the
        expected disagreement ``D_e`` is 0, i.e. all pairable values are equal: alpha
        is then 0/0, undefined (Krippendorff 2011 treats such data as carrying no
        information about reliability).

    Raises
    ------
    ValueError
        No unit with two or more ratings (one rater, or one rating per unit); a rating
        outside the declared categories (or, with ``weights`` and no ``categories``,
        off the rubric's scale); an unknown level; a negative value at the ratio level.

    Notes
    -----
    Units with fewer than two ratings are dropped. With ``n_uc`` the number of values
    c in unit u, ``m_u`` its number of values, the coincidences
    ``o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)``, marginals ``n_c`` and
    ``n = sum_c n_c``,

    ``alpha = 1 - D_o / D_e = 1 - (n - 1) sum_ck o_ck d_ck / sum_ck n_c n_k d_ck``

    with ``d_ck`` = ``[c != k]`` (nominal), ``(sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2``
    (ordinal), ``(c - k)^2`` (interval), ``((c - k)/(c + k))^2`` (ratio).
    Time and memory are O(ratings) (plus V x V for the ratio level and weights).

    The analytic variances treat the metric as fixed weights ``w = 1 - d / max d`` on
    the categories (alpha is unchanged by rescaling ``d``, and so are the three variances,
    so a declared but unused category, which only changes ``max d``, does not move them).
    Over the n units with ``r_i >= 2`` values, ``rbar`` their mean, ``eps = 1 / sum r_i``,
    ``p_a,i = sum_k r_ik (r*_ik - 1) / (rbar (r_i - 1))``, ``p_a' = mean p_a,i``,
    ``pi_k = n_k / sum r_i``, ``p_e = pi' W pi``, ``alpha' = (p_a' - p_e)/(1 - p_e)``:

    ``"gwet"``: ``alpha_i* = (p_a,i - p_a' (r_i - rbar)/rbar - p_e)/(1 - p_e)
    - 2 (1 - alpha') (p_e,i - p_e)/(1 - p_e)``,
    ``p_e,i = sum_k r_ik pibar_k / rbar - p_e (r_i - rbar)/rbar``,
    ``v = sum_i (alpha_i* - alpha')^2 / (n (n - 1))``.

    For the ordinal level the weights come from the observed mid-ranks; their sampling
    variation is ignored (use the bootstrap if that matters).

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg
    School for Communication, University of Pennsylvania.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 2-3, 5.
    R package irrCAC (Gwet), ``krippen.alpha.raw``, ``krippen.alpha.dist``,
    ``krippen2.table``.
    """
    _check_se_method(se_method, ("gwet", "gwet_table", "gwet_dist", "bootstrap"))
    c = _code(data, units, raters, ratings, categories, se_method is not None, scale_free=_is_unweighted(weights))
    p = _pairable(c)
    if weights is None:
        _check_level(level)
    alpha = _alpha_level(level, c.cats, p, weights)
    if se_method is None:
        return _point(alpha, c, p.n_units)
    if se_method == "bootstrap":
        est = _boot(
            lambda d: krippendorff_alpha_estimate(d, units, raters, ratings, level, c.cats, weights=weights,
                                                  se_method=None).estimate,
            data, units, raters, ratings, c, n_boot, seed, confidence,
        )
        return Estimate(alpha, est.se, est.ci_low, est.ci_high, p.n_units, c.n_raters,
                        c.n_ratings, est.method)
    delta = _delta(level, c.cats, p, weights)
    dmax = float(delta.max())
    if not (np.isfinite(alpha) and dmax > 0):
        return _analytic(alpha, np.nan, c, p.n_units, confidence, "undefined (alpha is NaN or D_e = 0)")
    w = 1.0 - delta / dmax
    a = p.counts
    ri = p.m
    n = p.n_units
    rm = float(ri.mean())
    eps = 1.0 / float(ri.sum())
    pa_i0 = (_quad_forms(a, w) - ri) / (rm * (ri - 1.0))
    pap = float(pa_i0.mean())
    pi = p.n_c / float(ri.sum())
    pe = float(pi @ w @ pi)
    piw = ((w + w.T) / 2.0) @ pi
    a_piw = np.asarray(a @ piw).ravel()
    if se_method == "gwet_dist":
        pa_i = (1.0 - eps) * (pa_i0 - pap * (ri - rm) / rm) + eps
        pe_i = a_piw / rm - pi.sum() * (ri - rm) / rm
        x = (pa_i - pe) / (1.0 - pe) - (1.0 - alpha) * (pe_i - pe) / (1.0 - pe)
        centre = alpha
        method = "Gwet (2014) variance as irrCAC krippen.alpha.dist"
    else:
        alpha_p = (pap - pe) / (1.0 - pe)
        pa_i = pa_i0 - pap * (ri - rm) / rm
        pe_i = a_piw / rm - pe * (ri - rm) / rm
        x = (pa_i - pe) / (1.0 - pe) - 2.0 * (1.0 - alpha_p) * (pe_i - pe) / (1.0 - pe)
        centre = alpha_p
        method = (
            "Gwet (2014) variance as irrCAC krippen2.table (divisor n^2)"
            if se_method == "gwet_table" else "Gwet (2014) variance as irrCAC krippen.alpha.raw"
        )
    ss = float(np.sum((x - centre) ** 2))
    var = (ss / (n * n) if se_method == "gwet_table" else ss / (n * (n - 1.0))) if n >= 2 else np.nan
    return _analytic(alpha, var, c, n, confidence, method + "; CI est +/- t(n-1) SE")


def krippendorff_alpha(data: pd.DataFrame, units: str, raters: str, ratings: str, level="interval", categories=None,
                       *, weights=None):
    """Krippendorff's alpha as a float: :func:`krippendorff_alpha_estimate` without the interval.

    ``level`` may also be a sequence, e.g. ``("nominal", "ordinal", "interval", "ratio")``:
    every level from one pass over the data, as a Series indexed by level (not with
    ``weights``, which define one metric).

    Examples
    --------
    >>> import pandas as pd
    >>> from scoring.agreement.krippendorff import krippendorff_alpha
    >>> d = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "rater": ["A", "B"] * 3,
    ...                   "score": [10, 10, 20, 30, 40, 40]})
    >>> round(krippendorff_alpha(d, "unit", "rater", "score"), 3)
    0.912
    >>> round(krippendorff_alpha(d.assign(score=[1, 1, 2, 3, 4, 4]), "unit", "rater", "score", "nominal"), 3)
    0.615
    """
    if isinstance(level, str):
        return krippendorff_alpha_estimate(data, units, raters, ratings, level, categories, weights=weights,
                                           se_method=None).estimate
    c = _code(data, units, raters, ratings, categories, with_raters=False, scale_free=_is_unweighted(weights))
    p = _pairable(c)
    if weights is not None:
        raise ValueError("weights define one metric: give a single level (it is ignored) or no weights")
    levels = list(level)
    for lv in levels:
        _check_level(lv)
    return pd.Series(
        [_alpha_level(lv, c.cats, p, weights) for lv in levels],
        index=pd.Index(levels, name="level"), name="alpha",
    )
