"""Drift: each examiner's effect year by year, and its change from their earlier years."""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist

import numpy as np
import pandas as pd

from .model import ExaminerModel, fit_examiner_model

#: The largest share of examiners without real drift that may be flagged at least once over
#: all their years (a per-examiner false-alarm rate). ``flagged`` in :func:`examiner_drift`
#: is decided so that this holds; the report states this rate wherever it says "flaggad".
FALSE_ALARM = 0.05


def _two_sided(z: np.ndarray) -> np.ndarray:
    """P(|Z| >= z) for a standard normal Z, elementwise: erfc(z / sqrt 2), as scipy.special.ndtr computes
    its tail (without scipy's import in an examiner's kernel)."""
    return np.array([math.erfc(x / math.sqrt(2.0)) for x in np.ravel(z)], dtype=float).reshape(np.shape(z))


def comparison_level(j, false_alarm: float = FALSE_ALARM):
    """The false-alarm level of an examiner's j-th comparison with their earlier years
    (j = 1, 2, ...): ``false_alarm * 6 / (pi^2 j^2)``.

    The levels of all of an examiner's comparisons sum to ``false_alarm`` (sum of 1/j^2 =
    pi^2 / 6), however many years follow, so by Bonferroni's inequality an examiner without
    real drift is flagged at least once with probability at most ``false_alarm``: the first
    comparison gets 61 % of it (3.0 % at 0.05), the second 15 %, the fifth 2.4 %. A
    comparison's level depends only on how many came before it, so a flag once made stays
    the same in every later year's report.
    """
    j = np.asarray(j, dtype=float)
    return false_alarm * 6.0 / (np.pi**2 * j**2)


COLUMNS = (
    "examiner_id", "year", "bias", "se", "ci_low", "ci_high", "n_scores", "adjusted", "group",
    "earlier_years", "earlier_bias", "change", "change_low", "change_high", "p_value", "level", "flagged",
)  # fmt: skip


def examiner_drift(
    history: pd.DataFrame, *, min_scores: int = 12, confidence: float = 0.95, rubric=None,
    false_alarm: float = FALSE_ALARM, models: Mapping[int, ExaminerModel] | None = None,
) -> pd.DataFrame:
    """Each examiner's effect per year and its change from their earlier years.

    Parameters
    ----------
    history : DataFrame
        Criterion-level scores of several years with a ``year`` column (entry_id,
        examiner_id, criterion, score, stage, year).
    min_scores, confidence, rubric : as for :func:`scoring.calibration.fit_examiner_model`,
        fitted to each year separately; ``confidence`` is also the level of the change's
        interval.
    false_alarm : float
        The per-examiner false-alarm rate ``flagged`` keeps to (default :data:`FALSE_ALARM`).
    models : mapping, optional
        Year -> that year's model of the same scores, already fitted (e.g.
        :func:`scoring.calibration.year_model`, kept on disk): used instead of fitting the year again
        when fitted with the same ``min_scores`` and ``confidence`` (a national year's fit: 0.5-1 s).

    Returns
    -------
    DataFrame
        One row per examiner and year: examiner_id, year, bias, se, ci_low, ci_high,
        n_scores, adjusted, group (that year's model); earlier_years (how many earlier
        years have an estimate), earlier_bias (their inverse-variance weighted mean),
        change = bias - earlier_bias with its interval change_low, change_high
        (variance se^2 + 1 / sum of the earlier years' 1/se^2, normal, at ``confidence``),
        p_value (two-sided, normal, of change = 0), level (the comparison's false-alarm
        level, :func:`comparison_level` of its number j among the examiner's comparisons)
        and flagged (p_value < level). Sorted by examiner and year.

    Notes
    -----
    Each year's effects are relative to that year's examiners (of the same connected
    group), so a change says the examiner moved relative to their colleagues. Years are
    treated as independent.

    ``flagged`` is not "the 95 % interval excludes 0": tested at 5 % per comparison, an
    examiner without real drift over six years is flagged at least once about 15 % of the
    time (14.8 % in benchmarks/uncertainty.py). Each comparison is instead tested at its
    share of ``false_alarm`` (:func:`comparison_level`, shares summing to 1), so that an examiner
    without real drift is flagged at least once over all their years with probability at
    most ``false_alarm``; measured on 200 simulated six-year histories without drift: 4.5 %
    at 0.05, and 60 % of examiners drifting 3 points a year flagged (84 % with the 5 % test
    per comparison; benchmarks/uncertainty.py). A change whose 95 % interval excludes 0 may
    therefore be unflagged.
    """
    if "year" not in history.columns:
        raise KeyError("history needs a 'year' column (scores of several years)")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)  # scipy.stats.norm.ppf's, without scipy's import
    frames = []
    for year, scores in history.groupby("year", sort=True):
        model = (models or {}).get(int(year))
        if model is None or model.min_scores != min_scores or model.confidence != confidence:
            model = fit_examiner_model(scores, min_scores=min_scores, rubric=rubric, confidence=confidence)
        e = model.effects[["examiner_id", "bias", "se", "ci_low", "ci_high", "n_scores", "adjusted", "group"]]
        frames.append(e.assign(year=year))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    out = pd.concat(frames, ignore_index=True).sort_values(["examiner_id", "year"]).reset_index(drop=True)

    ok = out["bias"].notna() & (out["se"] > 0)
    w = np.where(ok, 1.0 / out["se"].where(ok) ** 2, 0.0)
    wb = np.where(ok, w * out["bias"].fillna(0.0), 0.0)
    # sums over the examiner's earlier years (exclusive cumulative sums)
    w_before = pd.Series(w).groupby(out["examiner_id"]).cumsum().to_numpy() - w
    wb_before = pd.Series(wb).groupby(out["examiner_id"]).cumsum().to_numpy() - wb
    known = out["bias"].notna().astype(int)
    n_before = known.groupby(out["examiner_id"]).cumsum() - known  # earlier years with an estimate
    has = (w_before > 0) & ok.to_numpy()
    earlier = np.where(w_before > 0, wb_before / np.where(w_before > 0, w_before, 1.0), np.nan)
    change = np.where(has, out["bias"] - earlier, np.nan)
    se_change = np.where(has, np.sqrt(out["se"] ** 2 + 1.0 / np.where(w_before > 0, w_before, 1.0)), np.nan)
    out["earlier_years"] = n_before
    out["earlier_bias"] = earlier
    out["change"] = change
    out["change_low"] = change - z * se_change
    out["change_high"] = change + z * se_change
    out["p_value"] = np.where(has, _two_sided(np.abs(change) / np.where(has, se_change, 1.0)), np.nan)
    j = pd.Series(has.astype(int)).groupby(out["examiner_id"]).cumsum().to_numpy()
    out["level"] = np.where(has, comparison_level(np.maximum(j, 1), false_alarm), np.nan)
    out["flagged"] = has & (out["p_value"] < out["level"])
    return out[list(COLUMNS)]
