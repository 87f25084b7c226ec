"""Inference for the agreement coefficients: the result type and where its interval comes from.

:class:`Estimate` (a coefficient with standard error, interval, counts and method), the
checks of ``se_method``, Gwet's variance of linearised per-unit values with its
``t(n-1)`` interval (:func:`_analytic`), and the seeded bootstrap over units
(:func:`bootstrap_units`, :func:`_boot`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from ._coding import _Coded


@dataclass(frozen=True)
class Estimate:
    """A coefficient with its uncertainty and the counts behind it.

    ``method`` says where the interval comes from (e.g. "McGraw-Wong F", "Gwet 2014
    analytic SE", "bootstrap over units (2000, seed 0)"); "" when none was computed.
    """

    estimate: float
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    n_units: int = 0
    n_raters: int = 0
    n_ratings: int = 0
    method: str = ""


_SE_METHODS = ("gwet", "gwet_table", "bootstrap")

_METHOD_GWET = "Gwet (2014) linearised variance, irrCAC raw-data formula; CI est +/- t(n-1) SE"
_METHOD_TABLE = "Gwet (2014) two-rater table variance (divisor n^2), irrCAC *2.table; CI est +/- t(n-1) SE"


def _check_se_method(se_method: str | None, allowed=_SE_METHODS) -> None:
    """Raise ``ValueError`` unless ``se_method`` is allowed or None (the value only)."""
    if se_method is not None and se_method not in allowed:
        raise ValueError(f"se_method must be one of {', '.join(allowed)}, got {se_method!r}")


def _method_text(se_method: str) -> str:
    return _METHOD_TABLE if se_method == "gwet_table" else _METHOD_GWET


def _variance(x: np.ndarray, centre: float, se_method: str) -> float:
    """Gwet's variance from linearised values ``x`` (n,): divisor n(n-1) or n**2 (table)."""
    n = x.size
    if n < 2 or not np.isfinite(centre):
        return float("nan")
    ss = float(np.sum((x - centre) ** 2))
    return ss / (n * n) if se_method == "gwet_table" else ss / (n * (n - 1.0))


def _t_interval(est: float, se: float, n_units: int, confidence: float, upper=1.0, lower=None):
    """est +/- t(n_units - 1) se, capped at ``upper`` (and ``lower``)."""
    if not (np.isfinite(est) and np.isfinite(se)) or n_units < 2:
        return float("nan"), float("nan")
    t = stats.t.ppf(0.5 + confidence / 2.0, n_units - 1)
    lo, hi = est - t * se, est + t * se
    if upper is not None:
        hi = min(upper, hi)
    if lower is not None:
        lo = max(lower, lo)
    return float(lo), float(hi)


def _point(est, c: _Coded, n_units: int) -> Estimate:
    """The value and counts only (``se_method=None``): no standard error, no interval."""
    return Estimate(float(est), n_units=int(n_units), n_raters=c.n_raters, n_ratings=c.n_ratings)


def _analytic(est, var, c: _Coded, n_units: int, confidence: float, method: str, lower=None) -> Estimate:
    """Estimate with ``se = sqrt(var)`` and the interval ``est +/- t(n_units - 1) se``."""
    se = float(np.sqrt(var)) if np.isfinite(var) and var >= 0 else float("nan")
    lo, hi = _t_interval(est, se, n_units, confidence, lower=lower)
    return Estimate(float(est), se, lo, hi, int(n_units), c.n_raters, c.n_ratings, method)


def _boot(stat: Callable[[pd.DataFrame], float], data, units, raters, ratings, c: _Coded,
          n_boot: int, seed: int, confidence: float) -> Estimate:
    """:func:`bootstrap_units` of ``stat`` with the counts of the coded ratings ``c``."""
    b = bootstrap_units(stat, data, units, n_boot=n_boot, seed=seed, confidence=confidence, ratings=ratings)
    return replace(b, n_units=c.n_units, n_raters=c.n_raters, n_ratings=c.n_ratings)


def bootstrap_units(
    statistic: Callable[[pd.DataFrame], float],
    data: pd.DataFrame,
    units: str,
    *,
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    ratings: str | None = None,
) -> Estimate:
    """Seeded nonparametric bootstrap over units for any statistic of long data.

    Parameters
    ----------
    statistic : callable
        ``statistic(frame) -> float`` on a long DataFrame shaped like ``data``.
    data : pandas.DataFrame
        Long ratings, one row per rating.
    units : str
        Column naming the unit (the resampling unit).
    n_boot : int, default 2000
        Number of resamples.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same seed gives the same answer.
    confidence : float, default 0.95
        Level of the percentile interval.
    ratings : str, optional
        Rating column; when given, rows with a missing rating are dropped first and
        ``n_ratings`` is filled in.

    Returns
    -------
    Estimate
        ``estimate`` = ``statistic(data)``; ``se`` = standard deviation of the
        replicates (ddof 1); ``ci_low``, ``ci_high`` = percentile interval;
        ``n_units`` = number of units. ``n_raters`` is left 0 (the statistic knows its
        columns; the ``*_estimate`` functions fill it in).

    Notes
    -----
    Each replicate draws ``n_units`` units with replacement and keeps all their rows; a
    unit drawn twice enters as two distinct units (its ``units`` value is replaced by
    the draw number). Replicates on which the statistic is undefined (NaN, or it raises
    ``ValueError``, e.g. no unit with two ratings) are left out; the method text says
    how many were used.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 6, 13.
    """
    if units not in data.columns:
        raise KeyError(f"column '{units}' not in data")
    frame = data
    if ratings is not None:
        frame = data[pd.to_numeric(data[ratings], errors="coerce").notna()]
    estimate = float(statistic(frame))
    codes, labels = pd.factorize(frame[units].to_numpy())
    n_units = len(labels)
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes, minlength=n_units)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rng = np.random.default_rng(seed)
    reps = np.full(n_boot, np.nan)
    for b in range(n_boot):
        draw = rng.integers(0, n_units, n_units)
        lens = sizes[draw]
        total = int(lens.sum())
        # positions of the drawn units' rows: start of each draw plus 0..len-1
        offs = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
        rows = order[np.repeat(starts[draw], lens) + offs]
        sample = frame.iloc[rows].reset_index(drop=True)
        sample[units] = np.repeat(np.arange(n_units), lens)
        try:
            reps[b] = float(statistic(sample))
        except ValueError:
            pass
    ok = reps[np.isfinite(reps)]
    if ok.size >= 2:
        se = float(np.std(ok, ddof=1))
        lo, hi = np.quantile(ok, [0.5 - confidence / 2.0, 0.5 + confidence / 2.0])
    else:
        se, lo, hi = float("nan"), float("nan"), float("nan")
    return Estimate(
        estimate, se, float(lo), float(hi), n_units, 0, int(len(frame)) if ratings else 0,
        f"bootstrap over units ({ok.size} of {n_boot} resamples, seed {seed}, percentile CI)",
    )
