"""Shared plumbing for the agreement coefficients: long format in, arrays out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def long_arrays(data: pd.DataFrame, units: str, raters: str, ratings: str):
    """Integer codes for units and raters and the float ratings, NaN ratings removed.

    Returns ``(unit_codes, rater_codes, y, unit_labels, rater_labels)``; codes are
    0-based, labels in first-seen order. Raises ``KeyError`` naming a missing column
    and ``ValueError`` for non-numeric ratings.
    """
    for col in (units, raters, ratings):
        if col not in data.columns:
            raise KeyError(f"column '{col}' not in data (columns: {', '.join(map(str, data.columns))})")
    y = pd.to_numeric(data[ratings], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(y) & data[ratings].notna().to_numpy()
    if bad.any():
        raise ValueError(f"column '{ratings}' holds non-numeric ratings, e.g. {data[ratings][bad].iloc[0]!r}")
    keep = ~np.isnan(y)
    u_codes, u_labels = pd.factorize(data[units].to_numpy()[keep])
    r_codes, r_labels = pd.factorize(data[raters].to_numpy()[keep])
    return u_codes, r_codes, y[keep], np.asarray(u_labels), np.asarray(r_labels)


@dataclass(frozen=True)
class Estimate:
    """A coefficient with its uncertainty and the counts behind it.

    ``method`` says where the interval comes from (e.g. "McGraw-Wong F", "Gwet 2014
    analytic SE", "bootstrap over units (2000, seed 0)").
    """

    estimate: float
    se: float = float("nan")
    ci_low: float = float("nan")
    ci_high: float = float("nan")
    n_units: int = 0
    n_raters: int = 0
    n_ratings: int = 0
    method: str = ""
