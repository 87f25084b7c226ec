"""Rater-effect measures beside the bias: range use, halo, inconsistency, and their reading.

Each measure compares an examiner with the co-examiners who scored the same entries and
criteria, after the model's examiner effects (:mod:`scoring.calibration.model`) are taken
out of the co-examiners' scores, so that a lenient colleague does not distort the
comparison. They describe an examiner's scores of one year; with 3-5 entries a year
they are noisy, and the plain-language reading (:func:`reading`) says so where it matters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: reading thresholds (see :func:`reading`): range below / above, halo above,
#: inconsistency above this multiple of the model's residual sd
RANGE_LOW, RANGE_HIGH = 0.75, 1.25
HALO_HIGH = 0.4
INCONSISTENCY_HIGH = 1.1


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


def _dec(x: float, digits: int = 1) -> str:
    """A number in Swedish notation (decimal comma, minus sign)."""
    return f"{x:.{digits}f}".replace(".", ",").replace("-", "−")


def _points(x: float) -> str:
    return _dec(abs(x))


def reading(row, residual_sd: float | None = None) -> str:
    """A plain-language Swedish reading of one examiner's row of ``examiner_effects``.

    Parameters
    ----------
    row : mapping or Series
        With bias, ci_low, ci_high, adjusted, n_scores, range, halo, inconsistency and
        optionally group, min_scores.
    residual_sd : float, optional
        The model's residual sd (``sqrt(variances["residual"])``); inconsistency is read
        against it. Default: the row's ``residual_sd`` when present.

    Returns
    -------
    str
        A few sentences, e.g. "Generösare än genomsnittet i gruppen: i medel 6,2 poäng
        högre (95 % KI 2,1 till 10,3). Använder skalan ungefär som medbedömarna. ..."
    """
    get = row.get if hasattr(row, "get") else (lambda k, default=None: getattr(row, k, default))
    parts = []
    bias, lo, hi = get("bias"), get("ci_low"), get("ci_high")
    if bias is None or not np.isfinite(bias):
        parts.append("Stränghet kan inte skattas: examinatorn delar inga bidrag med andra.")
    elif np.isfinite(lo) and lo > 0:
        parts.append(
            f"Generösare än genomsnittet i gruppen: i medel {_points(bias)} poäng högre "
            f"(95 % KI {_points(lo)} till {_points(hi)})."
        )
    elif np.isfinite(hi) and hi < 0:
        parts.append(
            f"Strängare än genomsnittet i gruppen: i medel {_points(bias)} poäng lägre "
            f"(95 % KI {_points(-hi)} till {_points(-lo)})."
        )
    else:
        sign = "+" if bias >= 0 else ""
        parts.append(f"Skiljer sig inte säkert från genomsnittet i gruppen ({sign}{_dec(bias)} poäng).")
    if get("adjusted") is False or get("adjusted") is np.False_:
        parts.append(f"Har bara {int(get('n_scores'))} poäng: för få för att justeras för i rangordningen.")
    rng = get("range")
    if rng is not None and np.isfinite(rng):
        if rng < RANGE_LOW:
            parts.append(f"Använder en smalare del av skalan än medbedömarna (spridning {_dec(rng, 2)} av deras).")
        elif rng > RANGE_HIGH:
            parts.append(f"Sprider poängen mer än medbedömarna ({_dec(rng, 2)} gånger deras spridning).")
        else:
            parts.append("Använder skalan ungefär som medbedömarna.")
    halo = get("halo")
    if halo is not None and np.isfinite(halo):
        if halo > HALO_HIGH:
            parts.append("Ger ofta ungefär samma poäng på alla kriterier för ett bidrag (haloeffekt).")
        else:
            parts.append("Skiljer mellan bidragets starka och svaga kriterier ungefär som medbedömarna.")
    sd = residual_sd if residual_sd is not None else get("residual_sd")
    inc = get("inconsistency")
    if inc is not None and np.isfinite(inc) and sd is not None and np.isfinite(sd) and sd > 0:
        if inc > INCONSISTENCY_HIGH * sd:
            parts.append(
                f"Poängen har stor oförklarad spridning ({_points(inc)} poäng mot {_points(sd)} i genomsnitt)."
            )
        else:
            parts.append("Poängen är ungefär lika samstämmiga som andras.")
    return " ".join(parts)
