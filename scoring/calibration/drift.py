"""Drift: each examiner's effect year by year, and its change from their earlier years."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .model import fit_examiner_model

COLUMNS = (
    "examiner_id", "year", "bias", "se", "ci_low", "ci_high", "n_scores", "adjusted", "group",
    "earlier_years", "earlier_bias", "change", "change_low", "change_high", "flagged",
)  # fmt: skip


def examiner_drift(
    history: pd.DataFrame, *, min_scores: int = 12, confidence: float = 0.95, rubric=None
) -> pd.DataFrame:
    """Each examiner's effect per year and its change from their earlier years.

    Parameters
    ----------
    history : DataFrame
        Criterion-level scores of several years with a ``year`` column (entry_id,
        examiner_id, criterion, score, stage, year).
    min_scores, confidence, rubric : as for :func:`scoring.calibration.fit_examiner_model`,
        fitted to each year separately.

    Returns
    -------
    DataFrame
        One row per examiner and year: examiner_id, year, bias, se, ci_low, ci_high,
        n_scores, adjusted, group (that year's model); earlier_years (how many earlier
        years have an estimate), earlier_bias (their inverse-variance weighted mean),
        change = bias - earlier_bias with its interval change_low, change_high
        (variance se^2 + 1 / sum of the earlier years' 1/se^2, normal), and flagged (the
        interval excludes 0). Sorted by examiner and year.

    Notes
    -----
    Each year's effects are relative to that year's examiners (of the same connected
    group), so a change says the examiner moved relative to their colleagues. Years are
    treated as independent; with several years per examiner some flags are expected by
    chance (about 5 % per comparison).
    """
    if "year" not in history.columns:
        raise KeyError("history needs a 'year' column (scores of several years)")
    z = stats.norm.ppf(0.5 + confidence / 2)
    frames = []
    for year, scores in history.groupby("year", sort=True):
        model = fit_examiner_model(scores, min_scores=min_scores, rubric=rubric, confidence=confidence)
        e = model.effects[["examiner_id", "bias", "se", "ci_low", "ci_high", "n_scores", "adjusted", "group"]]
        frames.append(e.assign(year=year))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    out = pd.concat(frames, ignore_index=True).sort_values(["examiner_id", "year"]).reset_index(drop=True)

    ok = out["bias"].notna() & (out["se"] > 0)
    w = np.where(ok, 1.0 / out["se"].where(ok) ** 2, 0.0)
    wb = np.where(ok, w * out["bias"].fillna(0.0), 0.0)
    g = out.groupby("examiner_id", sort=False)
    # sums over the examiner's earlier years (exclusive cumulative sums)
    w_before = pd.Series(w).groupby(out["examiner_id"]).cumsum().to_numpy() - w
    wb_before = pd.Series(wb).groupby(out["examiner_id"]).cumsum().to_numpy() - wb
    n_before = g["bias"].transform(lambda s: s.notna().cumsum().shift(fill_value=0)).astype(int)
    has = (w_before > 0) & ok.to_numpy()
    earlier = np.where(w_before > 0, wb_before / np.where(w_before > 0, w_before, 1.0), np.nan)
    change = np.where(has, out["bias"] - earlier, np.nan)
    se_change = np.where(has, np.sqrt(out["se"] ** 2 + 1.0 / np.where(w_before > 0, w_before, 1.0)), np.nan)
    out["earlier_years"] = n_before
    out["earlier_bias"] = earlier
    out["change"] = change
    out["change_low"] = change - z * se_change
    out["change_high"] = change + z * se_change
    out["flagged"] = has & ((out["change_low"] > 0) | (out["change_high"] < 0))
    return out[list(COLUMNS)]
