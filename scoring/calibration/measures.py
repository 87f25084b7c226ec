"""Rater-effect measures beside the bias: range use, halo, inconsistency.

Each measure compares an examiner with the co-examiners who scored the same entries and
criteria, after the model's examiner effects (:mod:`scoring.calibration.model`) are taken
out of the co-examiners' scores, so that a lenient colleague does not distort the
comparison. They describe an examiner's scores of one year; with 3-5 entries a year
they are noisy. Their plain-language Swedish reading is presentation:
:func:`scoring.presentation.labels.examiner_reading`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rater_measures(residuals: pd.DataFrame, bias: pd.Series) -> pd.DataFrame:
    """Range use, halo and inconsistency per examiner.

    Parameters
    ----------
    residuals : DataFrame
        The model's individual scores with residuals (``ExaminerModel.residuals``):
        entry_id, examiner_id, criterion, score, residual.
    bias : Series
        The examiners' effects (score points), indexed by examiner_id.

    Returns
    -------
    DataFrame indexed by examiner_id with columns

    range
        Slope of the examiner's scores on the co-examiners' mean score of the same entry
        and criterion (each co-examiner's effect removed), over the examiner's scores that
        have a co-examiner. 1: the examiner spreads the entries as much as the others do;
        below 1: a narrower part of the scale (central tendency); above 1: wider. The
        co-examiners' mean is itself noisy, so values are pulled a little towards 0 for
        everybody alike.
    halo
        1 - (spread of the examiner's scores across the criteria of an entry) / (spread of
        the co-examiners' means across the same criteria), spreads as root mean squares of
        deviations from the entry's mean over its criteria, pooled over the examiner's
        entries. 0: the examiner tells an entry's strong criteria from its weak ones as much
        as the others do; near 1: about the same score on every criterion; below 0: more
        spread than the others.
    inconsistency
        Root mean square of the examiner's residuals from the model (score points): the
        unexplained scatter of their scores once entry, criterion, examiner effect and
        their impression of the entry are accounted for. Compare with the model's
        residual sd.
    n_compared
        Number of the examiner's scores that have a co-examiner (behind range and halo).
    """
    r = residuals[["entry_id", "examiner_id", "criterion", "score", "residual"]].copy()
    r["adj"] = r["score"] - r["examiner_id"].map(bias).fillna(0.0).to_numpy()
    cell = r.groupby(["entry_id", "criterion"], sort=False)
    r["n_cell"] = cell["adj"].transform("size")
    r["cell_sum"] = cell["adj"].transform("sum")
    inconsistency = np.sqrt((r["residual"] ** 2).groupby(r["examiner_id"]).mean())

    c = r[r["n_cell"] > 1].copy()
    c["peers"] = (c["cell_sum"] - c["adj"]) / (c["n_cell"] - 1)
    by_exam = c.groupby("examiner_id")
    yc = c["score"] - by_exam["score"].transform("mean")
    pc = c["peers"] - by_exam["peers"].transform("mean")
    sxy = (yc * pc).groupby(c["examiner_id"]).sum()
    sxx = (pc * pc).groupby(c["examiner_id"]).sum()
    n = by_exam.size()
    slope = (sxy / sxx.where(sxx > 0)).where(n >= 3)
    slope = slope / slope.median()

    entry = c.groupby(["examiner_id", "entry_id"])
    yw = c["score"] - entry["score"].transform("mean")
    pw = c["peers"] - entry["peers"].transform("mean")
    own = (yw**2).groupby(c["examiner_id"]).sum()
    peers = (pw**2).groupby(c["examiner_id"]).sum()
    ratio = np.sqrt(own / peers.where(peers > 0))
    halo = 1.0 - ratio / ratio.median()

    out = pd.DataFrame({"range": slope, "halo": halo}).reindex(inconsistency.index)
    out["inconsistency"] = inconsistency
    out["n_compared"] = n.reindex(out.index).fillna(0).astype(int)
    out.index.name = "examiner_id"
    return out
