"""Krippendorff's alpha in O(ratings) time and memory.

Long ratings in (unit, rater, rating; missing ratings allowed), alpha out (an
:class:`~scoring.agreement.Estimate` from :func:`krippendorff_alpha_estimate`, a float from
:func:`krippendorff_alpha`), at Krippendorff's nominal, ordinal, interval and ratio levels,
or with Gwet's agreement weights. Nothing of size units x values x values is ever built (the memory trap of the
``krippendorff`` package, its issue #38):

- nominal: from the per-unit value counts (a sparse units x values matrix);
- interval: from per-unit sums and sums of squares of the ratings (no count matrix);
- ordinal: Krippendorff's ordinal metric is the interval metric on the mid-ranks of
  the pairable values, so the same per-unit sums on mid-ranks;
- ratio and weighted: the disagreement of every pair of values within a unit, from the
  pairs of each unit's stored counts (a units x values-per-unit layout); when units hold
  many distinct values, the values x values coincidence matrix instead, accumulated as
  ``N' D N`` with the sparse count matrix ``N`` (units x values) and
  ``D = diag(1 / (m_u - 1))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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


def _check_pairable(c: _Coded) -> np.ndarray:
    """Which units (U,) have two or more ratings; ``ValueError`` when none has."""
    keep = c.m >= 2
    if not keep.any():
        raise _error(
            "one_rating_per_unit",
            "Krippendorff's alpha needs at least one unit with two or more ratings "
            "(units with a single rating carry no pairable values)",
        )
    return keep


def _of_ratings(c: _Coded, per_unit: np.ndarray) -> np.ndarray:
    """A per-unit array (U,) spread to the ratings (N,)."""
    if c.unit_starts is not None:
        return np.repeat(per_unit, np.diff(c.unit_starts))
    return per_unit[c.unit]


def _pairable(c: _Coded) -> _Pairable:
    keep = _check_pairable(c)
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


def _alpha_squared_difference(c: _Coded, ordinal: bool) -> float:
    """Alpha for the metric (v_c - v_k)^2 from per-unit sums of the ratings, O(ratings).

    ``v`` are the categories (interval) or their mid-ranks among the pairable values
    (ordinal). Within unit u: ``sum_{i != j} (x_i - x_j)^2 = 2 (m_u S2_u - S1_u^2)``.
    """
    keep = _check_pairable(c)
    every = bool(keep.all())
    cat = c.cat if every else c.cat[_of_ratings(c, keep)]
    n_c = np.bincount(cat, minlength=c.cats.size).astype(float)
    m = c.m if every else c.m[keep]
    n = float(m.sum())
    v = _midranks(n_c) if ordinal else c.cats
    v = v - (n_c @ v) / n  # centre: less cancellation
    vu = v[c.cat]  # every rating; the sums of units with one rating are dropped below
    if c.unit_starts is not None:  # each unit's ratings together: sums over runs
        s1 = np.add.reduceat(vu, c.unit_starts[:-1])
        s2 = np.add.reduceat(np.square(vu, out=vu), c.unit_starts[:-1])
    else:
        s1 = np.bincount(c.unit, weights=vu, minlength=c.n_units)
        s2 = np.bincount(c.unit, weights=np.square(vu, out=vu), minlength=c.n_units)
    if not every:
        s1, s2 = s1[keep], s2[keep]
    do_sum = float(np.sum(2.0 * (m * s2 - s1 * s1) / (m - 1.0)))
    de_sum = 2.0 * n * float(n_c @ (v * v))
    return _alpha(do_sum, de_sum, n)


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


#: the pair layouts (:func:`_code_layout`, :func:`_observed_disagreement`) are used up to
#: this many places in a unit's row
_MAX_PAIR_WIDTH = 256


def _few_pairs(n_rows: int, width: int, n_values: int) -> bool:
    """Whether a rows x width layout holds few enough pairs of places (at most about four per
    value laid out) that going through them beats the count or coincidence matrix."""
    return width <= _MAX_PAIR_WIDTH and n_rows * width * (width - 1) // 2 <= 4 * n_values + (1 << 16)


def _observed_disagreement(p: _Pairable, delta) -> float:
    """``sum_ck o_ck d_ck`` for a metric with ``d_cc = 0``, from the pairs within units.

    ``delta(a, b)`` gives ``d`` for arrays of category codes. Each unit's stored counts
    (distinct values ``c`` with counts ``n_uc``) are laid out in a row of a units x
    (most distinct values in a unit) array, so every pair of them is a column pair
    ``(j, j + lag)``: ``sum_u 2 / (m_u - 1) sum_{j < l} n_uj n_ul d(c_uj, c_ul)``, time
    O(units x width^2). A wide or ragged layout (units with many distinct values, or a
    few such units among many small ones: :func:`_few_pairs`) takes the coincidence matrix
    instead (:func:`_coincidence`, which also needs ``delta`` as a (V, V) matrix:
    ``delta(None, None)``).
    """
    counts = p.counts
    width = int(np.diff(counts.indptr).max())
    if not _few_pairs(p.n_units, width, counts.nnz):
        return float(np.sum(_coincidence(p) * delta(None, None)))
    pos = np.arange(counts.nnz) - counts.indptr[p.rows]
    cat = np.zeros((p.n_units, width), dtype=np.int64)
    cat[p.rows, pos] = counts.indices
    x = np.zeros((p.n_units, width))  # 0 on unused places: they add nothing
    x[p.rows, pos] = counts.data
    per_unit = np.zeros(p.n_units)
    for lag in range(1, width):
        d = delta(cat[:, :-lag], cat[:, lag:])
        per_unit += np.sum(x[:, :-lag] * x[:, lag:] * d, axis=1)
    return float(np.sum(2.0 * per_unit / (p.m - 1.0)))


def _ratio_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ratio metric ((a - b) / (a + b))^2 elementwise; 0 where a + b = 0."""
    s = a + b
    d = a - b
    return np.divide(d, s, out=np.zeros_like(d), where=s > 0) ** 2


def _ratio_delta(cats: np.ndarray) -> np.ndarray:
    """Ratio metric ((c - k) / (c + k))^2, (V, V); 0 where c = k = 0."""
    if cats.min() < 0:
        raise _error("negative_ratio",
                     "the ratio level needs non-negative categories (a ratio scale has an absolute zero)")
    return _ratio_difference(cats[:, None], cats[None, :])


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


def _code_layout(c: _Coded) -> np.ndarray | None:
    """Every unit's category codes in a row, (U, most ratings in a unit), V after its last.

    Only when the rows of a unit are contiguous (unit codes, in first-seen order, never
    decrease) and the layout holds few pairs of places (:func:`_few_pairs`: many raters
    per unit, or a ragged layout, go through the count matrix instead); None otherwise.
    Complete data (every unit with the same number of ratings) is a reshape.
    """
    n = c.n_ratings
    width = int(c.m.max())
    if not _few_pairs(c.n_units, width, n):
        return None
    if c.unit_starts is None and (c.unit[1:] < c.unit[:-1]).any():
        return None
    if c.n_units * width == n:
        return c.cat.reshape(c.n_units, width)
    m = c.m.astype(np.int64)
    pos = np.arange(n) - _of_ratings(c, np.cumsum(m) - m)
    layout = np.full((c.n_units, width), c.cats.size, dtype=np.int64)
    layout[c.unit, pos] = c.cat
    return layout


#: pairs of categories are looked up in a (V + 1) x (V + 1) table up to this many categories
_MAX_TABLE_CATEGORIES = 2047


def _alpha_from_layout(level: str, c: _Coded, layout: np.ndarray) -> float:
    """Nominal or ratio alpha from the pairs of ratings within units (:func:`_code_layout`).

    Every pair of ratings of a unit is a column pair ``(j, j + lag)`` of its row, so
    ``sum_ck o_ck d_ck = sum_u 2 / (m_u - 1) sum_{i < j} d(c_i, c_j)`` in O(units x
    width^2) with no count matrix; nominal alpha takes ``sum_c o_cc`` from the equal
    pairs. The ratio metric comes from a (V + 1) x (V + 1) table whose last row and
    column (the empty places, code V) are 0, or, with more categories, from the values.
    """
    keep = _check_pairable(c)
    every = bool(keep.all())
    v = c.cats.size
    expected = _ratio_delta(c.cats) if level == "ratio" else None
    cat = c.cat if every else c.cat[_of_ratings(c, keep)]
    n_c = np.bincount(cat, minlength=v).astype(float)
    m = c.m if every else c.m[keep]
    n = float(m.sum())
    width = layout.shape[1]
    same = c.n_units * width == c.n_ratings  # no empty places, every unit weighs 2 / (width - 1)
    if expected is not None and v <= _MAX_TABLE_CATEGORIES:
        table = np.zeros((v + 1, v + 1))
        table[:v, :v] = expected
        table = table.ravel()
        row = layout * (v + 1)
        keys = np.empty(layout.size, dtype=np.int64)  # reused by every lag
        found = np.empty(layout.size)

        def pair(lag):
            k = keys[: c.n_units * (width - lag)].reshape(c.n_units, width - lag)
            np.add(row[:, :-lag], layout[:, lag:], out=k)
            return table.take(k, out=found[: k.size].reshape(k.shape), mode="clip")
    elif expected is not None:
        values = np.append(c.cats, np.nan)  # the ratio metric is 0 against NaN

        def pair(lag):
            return _ratio_difference(values[layout[:, :-lag]], values[layout[:, lag:]])
    else:
        equal = np.empty(layout.size, dtype=bool)

        def pair(lag):
            a, b = layout[:, :-lag], layout[:, lag:]
            e = np.equal(a, b, out=equal[: a.size].reshape(a.shape))
            return e if same else e & (b < v)
    if same:
        pairs = 2.0 * float(sum(float(np.sum(pair(lag))) for lag in range(1, width))) / (width - 1.0)
    else:
        per_unit = np.zeros(c.n_units)
        for lag in range(1, width):
            per_unit += np.sum(pair(lag), axis=1)
        pairs = float(np.sum(2.0 * (per_unit if every else per_unit[keep]) / (m - 1.0)))
    if expected is None:  # pairs = sum_c o_cc
        return _alpha(n - pairs, n * n - float(np.sum(n_c**2)), n)
    return _alpha(pairs, float(n_c @ expected @ n_c), n)


class _Levels:
    """Alpha at any level from one coding of the ratings: the value layout and the count
    matrix are built on first use and shared by the levels."""

    def __init__(self, c: _Coded):
        self.c = c

    @cached_property
    def layout(self) -> np.ndarray | None:
        return _code_layout(self.c)

    @cached_property
    def pairable(self) -> _Pairable:
        return _pairable(self.c)

    def alpha(self, level: str, weights=None) -> float:
        """Alpha at ``level`` (or with Gwet's ``weights``)."""
        c = self.c
        if weights is None and level in ("interval", "ordinal"):
            return _alpha_squared_difference(c, level == "ordinal")
        if weights is None and level in ("nominal", "ratio") and self.layout is not None:
            return _alpha_from_layout(level, c, self.layout)
        p = self.pairable
        if weights is None and level == "nominal":
            return _alpha_nominal(p)
        expected = _delta(level, c.cats, p, weights)  # (V, V)
        ratio = weights is None and level == "ratio"

        def delta(a, b):
            if a is None:
                return expected
            return _ratio_difference(c.cats[a], c.cats[b]) if ratio else expected[a, b]
        return _alpha(_observed_disagreement(p, delta), float(p.n_c @ expected @ p.n_c), p.n)


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
    n_pairable = int(_check_pairable(c).sum())
    if weights is None:
        _check_level(level)
    levels = _Levels(c)
    alpha = levels.alpha(level, weights)
    if se_method is None:
        return _point(alpha, c, n_pairable)
    p = levels.pairable
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
    _check_pairable(c)
    if weights is not None:
        raise ValueError("weights define one metric: give a single level (it is ignored) or no weights")
    levels = list(level)
    for lv in levels:
        _check_level(lv)
    by_level = _Levels(c)
    return pd.Series(
        [by_level.alpha(lv) for lv in levels],
        index=pd.Index(levels, name="level"), name="alpha",
    )
