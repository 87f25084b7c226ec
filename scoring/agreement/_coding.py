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
from functools import cached_property

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


#: integer labels spanning at most this many times their count (or 2**16) are factorised
#: through a lookup table instead of a hash table
_TABLE_SPAN = 4


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)``: int64 codes in first-seen order and the distinct labels.

    Codes and labels are pandas' (0-based, in order of first appearance), found faster
    for integers: sorted ones (rows grouped by unit) number their runs; others spanning
    a range of at most a few times their number go through a lookup table over that
    range, with each label's first appearance taken from the first rows when every
    label occurs there (raters repeating unit after unit), else from all of them.
    Anything else is ``pd.factorize``.
    """
    n = values.size
    if values.dtype.kind in "iu" and n > 1:
        if not (values[1:] < values[:-1]).any():  # sorted (rows grouped by unit): a new label at each change
            change = values[1:] != values[:-1]
            codes = np.empty(n, dtype=np.int64)
            codes[0] = 0
            np.cumsum(change, out=codes[1:])
            return codes, values[np.concatenate(([0], np.flatnonzero(change) + 1))]
        lo, hi = int(values.min()), int(values.max())
        span = hi - lo + 1
        if span <= max(_TABLE_SPAN * n, 1 << 16) and -(1 << 62) < lo and hi < (1 << 62):
            off = values.astype(np.int64) - lo if lo else values.astype(np.int64, copy=False)
            present = np.zeros(span, dtype=bool)
            present[off] = True
            n_labels = int(np.count_nonzero(present))
            seen = _first_seen(off[: 8 * n_labels + 64], span)
            if seen.size < n_labels:  # some label first appears further down
                seen = _first_seen(off, span)
            lookup = np.empty(span, dtype=np.int64)
            lookup[seen] = np.arange(seen.size, dtype=np.int64)
            return lookup[off], (seen + lo).astype(values.dtype)
    codes, labels = pd.factorize(values)
    return codes.astype(np.int64, copy=False), np.asarray(labels)


def _first_seen(off: np.ndarray, span: int) -> np.ndarray:
    """The distinct values of ``off`` (ints in [0, span)) in order of first appearance."""
    first = np.full(span, off.size, dtype=np.int64)
    np.minimum.at(first, off, np.arange(off.size, dtype=np.int64))
    seen = np.flatnonzero(first < off.size)
    return seen[np.argsort(first[seen], kind="stable")]


def _run_starts(values: np.ndarray) -> np.ndarray | None:
    """Where each run of equal labels starts, and the end, (U + 1,) int64, when ``values`` are
    sorted integers (each label's rows together; its code is its run's number); else None."""
    if values.dtype.kind not in "iu" or values.size < 2 or (values[1:] < values[:-1]).any():
        return None
    return np.concatenate(([0], np.flatnonzero(values[1:] != values[:-1]) + 1, [values.size]))


def _label_codes(column: pd.Series, keep: np.ndarray | None, runs: bool = False):
    """``(codes, n_labels, starts)`` of ``column[keep]`` (all rows when ``keep`` is None).

    Codes are in first-seen order. A categorical column is coded from its integer
    category codes (the same first-seen order as its values); every other column from its
    values (:func:`_factorize`). With ``runs``, sorted integer labels come as their runs
    instead (:func:`_run_starts`; codes None); otherwise ``starts`` is None.
    """
    values = None
    if isinstance(column.dtype, pd.CategoricalDtype):
        cat = column.cat.codes.to_numpy()
        if not (cat.size and cat.min() < 0):  # no missing label (pandas codes those -1)
            values = cat
    values = column.to_numpy() if values is None else values
    values = values if keep is None else values[keep]
    starts = _run_starts(values) if runs else None
    if starts is not None:
        return None, starts.size - 1, starts
    codes, labels = _factorize(values)
    return codes, len(labels), None


def _numeric_ratings(data: pd.DataFrame, ratings: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The ratings with the missing ones removed, and which rows were kept (None: all).

    The ratings are the column's own integers when it holds NumPy integers (no rating
    can be missing), else floats. Raises ``ValueError`` (code ``non_numeric``) for a
    value that is present but not a number. A column of NumPy integers or floats is read
    as it is (a float column's missing values are its NaN); anything else goes through
    ``pd.to_numeric``.
    """
    col = data[ratings]
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":
        return col.to_numpy(), None
    if isinstance(col.dtype, np.dtype) and col.dtype.kind == "f":
        y = col.to_numpy(dtype=float)
    else:
        y = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(y) & col.notna().to_numpy()
        if bad.any():
            raise _non_numeric(data, ratings, bad)
    missing = np.isnan(y)
    if not missing.any():
        return y, None
    keep = ~missing
    return y[keep], keep


def _extract(data: pd.DataFrame, units: str, raters: str, ratings: str, with_raters: bool = True,
             unit_runs: bool = False):
    """``(unit_codes, rater_codes, y, n_units, n_raters, unit_starts)``: :func:`long_arrays`,
    but ``y`` as :func:`_numeric_ratings` gives it (integers when the column holds them).

    ``with_raters=False`` leaves the raters uncoded (codes all 0, ``n_raters`` 0). With
    ``unit_runs``, units whose labels are sorted integers come as the starts of their runs
    (:func:`_run_starts`) and ``unit_codes`` is None; otherwise ``unit_starts`` is None.
    """
    _check_columns(data, units, raters, ratings)
    y, keep = _numeric_ratings(data, ratings)
    u, n_u, starts = _label_codes(data[units], keep, runs=unit_runs)
    if not with_raters:
        return u, np.zeros(y.size, dtype=np.int64), y, n_u, 0, starts
    r, n_r, _ = _label_codes(data[raters], keep)
    return u, r, y, n_u, n_r, starts


def long_arrays(data: pd.DataFrame, units: str, raters: str, ratings: str):
    """Integer codes for units and raters and the float ratings, NaN ratings removed.

    Returns ``(unit_codes, rater_codes, y, n_units, n_raters)``; codes are int64,
    0-based, in first-seen order. Raises ``KeyError`` naming a missing column and
    ``ValueError`` for non-numeric ratings.
    """
    u, r, y, n_u, n_r, _ = _extract(data, units, raters, ratings)
    return u, r, y.astype(float, copy=False), n_u, n_r


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
    see :func:`_code`); ``unit``, ``rater``, ``cat`` (N,) int64 codes of every
    non-missing rating (units and raters 0-based, first-seen order); ``m`` (U,) ratings
    per unit; ``unit_starts`` (U + 1,) where each unit's rows start (and the end) when
    they are together in unit order, else None; ``counts`` CSR (U, V): how many ratings
    unit u got in category c (canonical format: column indices sorted within a row, no
    duplicates). ``unit`` and ``counts`` are built on first use.
    """

    cats: np.ndarray
    unit_codes: np.ndarray | None  # None: built from ``unit_starts``
    rater: np.ndarray
    cat: np.ndarray
    m: np.ndarray
    n_raters: int
    unit_starts: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return int(self.m.size)

    @property
    def n_ratings(self) -> int:
        return int(self.cat.size)

    @cached_property
    def unit(self) -> np.ndarray:
        if self.unit_codes is not None:
            return self.unit_codes
        return np.repeat(np.arange(self.n_units), np.diff(self.unit_starts))

    @cached_property
    def counts(self) -> sp.csr_matrix:
        return _count_matrix(self.unit, self.cat, self.n_units, self.cats.size)

    @property
    def rows(self) -> np.ndarray:
        """Unit index of every stored count of ``counts``, shape (nnz,)."""
        return np.repeat(np.arange(self.n_units), np.diff(self.counts.indptr))


def _count_matrix(unit: np.ndarray, cat: np.ndarray, n_units: int, n_cats: int) -> sp.csr_matrix:
    """Canonical CSR (n_units, n_cats) of how many of the (unit, cat) pairs fall in each cell.

    The pairs are put in category order first (a stable radix sort when the codes fit
    16 bits), so the conversion to rows, a stable counting sort, leaves every row's
    columns sorted and scipy only has to add up the repeats.
    """
    if n_cats <= 1 << 16:
        order = np.argsort(cat.astype(np.uint16), kind="stable")
        unit, cat = unit[order], cat[order]
    counts = sp.csr_matrix((np.ones(cat.size), (unit, cat)), shape=(n_units, n_cats))
    counts.sum_duplicates()
    return counts


def _distinct_codes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ratings ascending (V,) as floats and each rating's index among them (N,) int64.

    Whole-number ratings (integers, or floats that are all whole) in a range of at most
    a few times their number are ranked through a lookup table over that range; others
    by hashing (``pd.factorize``) and sorting the distinct values. Both give the same
    result.
    """
    y_int = y if y.dtype.kind in "iu" else None
    if y_int is None and np.abs(y).max() < 2.0**52:
        as_int = y.astype(np.int64)
        y_int = as_int if np.array_equal(as_int, y) else None
    if y_int is not None:
        lo, hi = int(y_int.min()), int(y_int.max())
        if hi - lo <= max(_TABLE_SPAN * y.size, 1 << 16) and -(1 << 52) < lo and hi < (1 << 52):
            off = y_int - lo if lo else y_int
            present = np.zeros(hi - lo + 1, dtype=bool)
            present[off] = True
            rank = np.cumsum(present) - 1
            return (np.flatnonzero(present) + lo).astype(float), rank[off]
    y = y.astype(float, copy=False)
    first_seen, distinct = pd.factorize(y)
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return np.asarray(distinct, dtype=float)[order], rank[first_seen]


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
    u, r, y, n_units, n_raters, starts = _extract(data, units, raters, ratings, with_raters, unit_runs=True)
    if y.size == 0:
        raise _error("no_ratings", "no ratings (every rating is missing or the data are empty)")
    if scale_free and categories is None:  # the distinct ratings, ascending
        cats, k = _distinct_codes(y)
    else:
        cats = _declared_categories(categories)
        k = _category_codes(y.astype(float, copy=False), cats)
    m = np.diff(starts).astype(float) if u is None else np.bincount(u, minlength=n_units).astype(float)
    return _Coded(cats, u, r, k, m, n_raters, starts)


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
