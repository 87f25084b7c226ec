"""Examiner calibration: how each examiner scores compared with co-examiners on the same entries."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..overview import individual


def examiner_effects(scores: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Each examiner's leniency measured against co-examiners on the same entries.

    For every individual score, the deviation is the score minus the mean of the other
    examiners' individual scores on the same entry and criterion (scores without a
    co-examiner are not used). ``bias`` is the examiner's mean deviation in score points
    (> 0: more lenient than peers, < 0: more severe). Comparing only within the same
    entry means an examiner who happened to draw strong entries is not called lenient
    (the trap of per-examiner z-scores).

    The interval treats entries, not scores, as independent: the deviations are first
    averaged per entry, and a t interval is taken over those per-entry means (scores
    of one examiner on one entry are correlated through halo).

    Returns one row per examiner: examiner_id, bias, ci_low, ci_high, n_entries,
    n_scores, spread_ratio (SD of the examiner's scores / SD of the co-examiners'
    individual scores on the same entries and criteria; well below 1 suggests use of only
    the middle of the scale), sorted from most lenient to most severe.
    """
    ind = individual(scores)[["entry_id", "examiner_id", "criterion", "score"]]
    g = ind.groupby(["entry_id", "criterion"])["score"]
    total, count = g.transform("sum"), g.transform("count")
    d = ind.assign(peers=count - 1)
    d = d[d["peers"] > 0].copy()
    d["peer_mean"] = (total[d.index] - d["score"]) / d["peers"]
    d["deviation"] = d["score"] - d["peer_mean"]

    per_entry = d.groupby(["examiner_id", "entry_id"])["deviation"].mean()
    e = per_entry.groupby("examiner_id")
    n_ent = e.count()
    bias = d.groupby("examiner_id")["deviation"].mean()
    se = e.std(ddof=1) / np.sqrt(n_ent)
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(n_ent - 1, 1))
    half = np.where(n_ent > 1, t * se, np.nan)
    pairs = d[["entry_id", "criterion", "examiner_id"]].merge(
        ind.rename(columns={"examiner_id": "peer", "score": "peer_score"}), on=["entry_id", "criterion"]
    )
    peer_sd = pairs[pairs["peer"] != pairs["examiner_id"]].groupby("examiner_id")["peer_score"].std(ddof=1)
    spread_ratio = d.groupby("examiner_id")["score"].std(ddof=1) / peer_sd
    out = pd.DataFrame(
        {
            "bias": bias,
            "ci_low": bias - half,
            "ci_high": bias + half,
            "n_entries": n_ent,
            "n_scores": d.groupby("examiner_id").size(),
            "spread_ratio": spread_ratio.replace([np.inf, -np.inf], np.nan),
        }
    )
    out.index.name = "examiner_id"
    return out.reset_index().sort_values(["bias", "examiner_id"], ascending=[False, True]).reset_index(drop=True)
