"""Ratings coded on a scale: long format in, integer codes, counts and weights out.

Shared by every agreement coefficient: the long-format columns as arrays
(:func:`long_arrays`), the declared categories and the codes of the ratings on them
(:func:`_code`, :class:`_Coded`), agreement weights (:func:`agreement_weights`) and the
per-unit quadratic forms built from them. A ``ValueError`` about the ratings carries a
stable ``code`` attribute (see :func:`_error`), which the agreement table turns into its
note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

_NAMED_WEIGHTS = ("identity", "linear", "quadratic", "ordinal")


def _error(code: str, message: str) -> ValueError:
    """A ``ValueError`` with ``message`` and a stable ``code`` attribute naming the reason."""
    err = ValueError(message)
    err.code = code
    return err


# --------------------------------------------------------------------------------------
# long format -> arrays
# --------------------------------------------------------------------------------------
def _check_columns(data: pd.DataFrame, *cols: str) -> None:
    for col in cols:
        if col not in data.columns:
            raise KeyError(f"column '{col}' not in data (columns: {', '.join(map(str, data.columns))})")


def _non_numeric(data: pd.DataFrame, ratings: str, bad: np.ndarray) -> ValueError:
    return _error("non_numeric",
                  f"column '{ratings}' holds non-numeric ratings, e.g. {data[ratings][bad].iloc[0]!r}")


def long_arrays(data: pd.DataFrame, units: str, raters: str, ratings: str):
    """Integer codes for units and raters and the float ratings, NaN ratings removed.

    Returns ``(unit_codes, rater_codes, y, unit_labels, rater_labels)``; codes are
    0-based, labels in first-seen order. Raises ``KeyError`` naming a missing column
    and ``ValueError`` for non-numeric ratings.
    """
    _check_columns(data, units, raters, ratings)
    y = pd.to_numeric(data[ratings], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(y) & data[ratings].notna().to_numpy()
    if bad.any():
        raise _non_numeric(data, ratings, bad)
    keep = ~np.isnan(y)
    u_codes, u_labels = pd.factorize(data[units].to_numpy()[keep])
    r_codes, r_labels = pd.factorize(data[raters].to_numpy()[keep])
    return u_codes, r_codes, y[keep], np.asarray(u_labels), np.asarray(r_labels)


def _long_without_raters(data: pd.DataFrame, units: str, raters: str, ratings: str):
    """As :func:`long_arrays` but without coding the raters (alpha does not need them).

    Returns ``(unit_codes, rater_codes (all 0), y, unit_labels, [])``; same errors.
    """
    _check_columns(data, units, raters, ratings)
    y = pd.to_numeric(data[ratings], errors="coerce").to_numpy(dtype=float)
    missing = np.isnan(y)
    if missing.any():
        bad = missing & data[ratings].notna().to_numpy()
        if bad.any():
            raise _non_numeric(data, ratings, bad)
        u_codes, u_labels = pd.factorize(data[units].to_numpy()[~missing])
        y = y[~missing]
    else:
        u_codes, u_labels = pd.factorize(data[units].to_numpy())
    return u_codes, np.zeros(y.size, dtype=np.int64), y, np.asarray(u_labels), []


# --------------------------------------------------------------------------------------
# the declared scale
# --------------------------------------------------------------------------------------
def _declared_categories(categories) -> np.ndarray:
    """The declared categories as a sorted float array, shape (V,).

    ``None`` means the rubric's scale. Raises ``ValueError`` for an empty list,
    non-numeric or repeated categories.
    """
    if categories is None:
        from ..rubric import load_rubric

        return np.asarray(load_rubric().scale.values, dtype=float)
    try:
        cats = np.asarray(list(categories), dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"categories must be numbers, got {categories!r}") from None
    if cats.ndim != 1 or cats.size == 0:
        raise ValueError("categories must be a non-empty list of numbers")
    if np.isnan(cats).any():
        raise ValueError("categories must not contain NaN")
    cats = np.sort(cats)
    if cats.size > 1 and np.any(np.diff(cats) <= 1e-9 * max(1.0, np.abs(cats).max())):
        raise ValueError("categories are repeated")
    return cats


def _describe_scale(cats: np.ndarray) -> str:
    """Short text for a scale, e.g. '0, 10, ..., 100' (shape (V,) in)."""
    show = [f"{c:g}" for c in cats]
    return ", ".join(show) if len(show) <= 6 else f"{show[0]}, {show[1]}, ..., {show[-1]}"


def _category_codes(y: np.ndarray, cats: np.ndarray) -> np.ndarray:
    """Index into ``cats`` (V,) of every rating ``y`` (N,) -> int64 (N,).

    Raises ``ValueError`` naming the ratings that are not declared categories.
    """
    v = cats.size
    tol = 1e-9 * max(1.0, float(np.abs(cats).max()))
    if v == 1:
        k = np.zeros(y.size, dtype=np.int64)
    else:
        step = np.diff(cats)
        if np.all(np.abs(step - step[0]) <= tol):  # evenly spaced: arithmetic, O(N)
            k = np.rint((y - cats[0]) / step[0])
            k = np.clip(k, 0, v - 1).astype(np.int64)
        else:
            k = np.clip(np.searchsorted(cats, y), 1, v - 1)
            k = np.where(np.abs(cats[k - 1] - y) <= np.abs(cats[k] - y), k - 1, k).astype(np.int64)
    bad = np.abs(cats[k] - y) > tol
    if bad.any():
        wrong = np.unique(y[bad])
        listed = ", ".join(f"{x:g}" for x in wrong[:5]) + (", ..." if wrong.size > 5 else "")
        raise _error(
            "off_scale",
            f"rating{'s' if wrong.size > 1 else ''} {listed} not on the declared scale "
            f"({_describe_scale(cats)}); pass categories=[...] to declare another scale",
        )
    return k


# --------------------------------------------------------------------------------------
# agreement weights
# --------------------------------------------------------------------------------------
def agreement_weights(weights, categories=None) -> np.ndarray:
    """Agreement-weight matrix over the declared categories (Gwet 2014; irrCAC).

    Parameters
    ----------
    weights : None, str or array_like
        None, ``"identity"`` or ``"unweighted"``: identity (unweighted coefficients).
        ``"linear"``: ``1 - |x_k - x_l| / (x_max - x_min)``.
        ``"quadratic"``: ``1 - (x_k - x_l)**2 / (x_max - x_min)**2``.
        ``"ordinal"``: Gwet's ordinal weights on the category RANKS,
        ``1 - M_kl / max(M)`` with ``M_kl = n_kl (n_kl - 1) / 2`` and
        ``n_kl = |k - l| + 1`` (this is not Krippendorff's ordinal metric, which uses
        the observed marginal frequencies).
        A (V, V) array: custom weights; the diagonal must be 1 and every weight in [0, 1].
    categories : sequence of numbers, optional
        The declared categories; default the rubric's scale.

    Returns
    -------
    numpy.ndarray
        (V, V) weights, rows and columns in ascending category order.

    Notes
    -----
    Linear and quadratic weights use the category VALUES (irrCAC does the same for
    numeric categories), so unequal spacing and unused categories count.

    References
    ----------
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.), ch. 3.
    Advanced Analytics. R package irrCAC, ``weights.gen.r``.
    """
    return _weights(weights, _declared_categories(categories))


def _is_unweighted(weights) -> bool:
    """True for the identity weights (``None``, ``"identity"``, ``"unweighted"``)."""
    return weights is None or (isinstance(weights, str) and weights in ("identity", "unweighted"))


def _weights(weights, cats: np.ndarray) -> np.ndarray:
    """Weight matrix (V, V) for ``weights`` over sorted categories ``cats`` (V,)."""
    v = cats.size
    if _is_unweighted(weights):
        return np.eye(v)
    if isinstance(weights, str):
        if weights not in _NAMED_WEIGHTS:
            raise ValueError(
                f"weights must be None, one of {', '.join(_NAMED_WEIGHTS)} or a square matrix, got {weights!r}"
            )
        if v == 1:
            return np.ones((1, 1))
        span = cats[-1] - cats[0]
        d = np.abs(np.subtract.outer(cats, cats))
        if weights == "linear":
            return 1.0 - d / span
        if weights == "quadratic":
            return 1.0 - (d / span) ** 2
        idx = np.arange(v)
        nkl = np.abs(np.subtract.outer(idx, idx)) + 1.0
        m = nkl * (nkl - 1.0) / 2.0
        return 1.0 - m / m.max()
    w = np.asarray(weights, dtype=float)
    if w.shape != (v, v):
        raise ValueError(f"weights matrix must be {v} x {v} (one row per declared category), got {w.shape}")
    if not np.allclose(np.diag(w), 1.0) or w.min() < -1e-12 or w.max() > 1 + 1e-12:
        raise ValueError("weights matrix must have ones on the diagonal and values in [0, 1]")
    return w


def _tolerance_weights(tolerance: float, cats: np.ndarray) -> np.ndarray:
    """(V, V) 0/1 weights: 1 where two categories lie within ``tolerance`` scale points."""
    if tolerance < 0:
        raise ValueError(f"tolerance must not be negative, got {tolerance}")
    tol = 1e-9 * max(1.0, float(np.abs(cats).max()))
    return (np.abs(np.subtract.outer(cats, cats)) <= tolerance + tol).astype(float)


# --------------------------------------------------------------------------------------
# coded ratings
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Coded:
    """Long ratings coded against their categories.

    ``cats`` (V,) categories ascending (declared, the rubric's, or the distinct ratings:
    see :func:`_code`); ``unit``, ``rater``, ``cat`` (N,) int
    codes of every non-missing rating (units and raters 0-based, first-seen order);
    ``counts`` CSR (U, V): how many ratings unit u got in category c (canonical format:
    column indices sorted within a row); ``m`` (U,) ratings per unit.
    """

    cats: np.ndarray
    unit: np.ndarray
    rater: np.ndarray
    cat: np.ndarray
    counts: sp.csr_matrix
    m: np.ndarray
    n_raters: int

    @property
    def n_units(self) -> int:
        return int(self.m.size)

    @property
    def n_ratings(self) -> int:
        return int(self.cat.size)

    @property
    def rows(self) -> np.ndarray:
        """Unit index of every stored count of ``counts``, shape (nnz,)."""
        return np.repeat(np.arange(self.n_units), np.diff(self.counts.indptr))


def _code(data: pd.DataFrame, units: str, raters: str, ratings: str, categories,
          with_raters: bool = True, *, scale_free: bool = False) -> _Coded:
    """Code long ratings (NaN ratings dropped) against the categories.

    Declared ``categories`` are always checked: a rating off them is a ``ValueError``
    naming it. When ``categories`` is None, ``scale_free`` decides where they come from:
    False (coefficients that depend on the declared scale) takes the rubric's scale;
    True (coefficients whose value cannot depend on a category nobody used) takes the
    distinct ratings and never consults the rubric. ``with_raters=False`` skips coding
    the raters (``rater`` all 0, ``n_raters`` 0).
    """
    extract = long_arrays if with_raters else _long_without_raters
    u, r, y, ul, rl = extract(data, units, raters, ratings)
    if y.size == 0:
        raise _error("no_ratings", "no ratings (every rating is missing or the data are empty)")
    if scale_free and categories is None:  # the distinct ratings, ascending; O(N) hashing
        first_seen, distinct = pd.factorize(y)
        order = np.argsort(distinct, kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        cats, k = np.asarray(distinct, dtype=float)[order], rank[first_seen]
    else:
        cats = _declared_categories(categories)
        k = _category_codes(y, cats)
    n_units = len(ul)
    counts = sp.csr_matrix(
        (np.ones(y.size), (u.astype(np.int64), k)), shape=(n_units, cats.size)
    )
    counts.sum_duplicates()
    m = np.bincount(u, minlength=n_units).astype(float)
    return _Coded(cats, u.astype(np.int64), r.astype(np.int64), k, counts, m, len(rl))


def _quad_forms(counts: sp.csr_matrix, w: np.ndarray) -> np.ndarray:
    """Per-unit ``a_u' W a_u`` for count rows ``a_u`` of ``counts`` (U, V); W (V, V) -> (U,).

    Works in row blocks so no (U, V) dense array is held at once (memory O(block x V)).
    """
    n_u, v = counts.shape
    out = np.empty(n_u)
    if np.array_equal(w, np.eye(v)):
        rows = np.repeat(np.arange(n_u), np.diff(counts.indptr))
        return np.bincount(rows, weights=counts.data**2, minlength=n_u)
    block = max(1, 2_000_000 // max(v, 1))
    for start in range(0, n_u, block):
        a = counts[start : start + block]
        aw = np.asarray(a @ w)  # (block, V) dense
        out[start : start + a.shape[0]] = np.asarray(a.multiply(aw).sum(axis=1)).ravel()
    return out
