"""Decision study: how reliable an entry's mean score is for a given team size."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ExaminerModel, fit_examiner_model

TOTAL = "total"


def entry_variance(model: ExaminerModel, weights: dict[str, float]) -> float:
    """Variance across entries of the true weighted score sum_c w_c quality[e, c].

    A method-of-moments estimate given the model's variance components: the sample
    variance s^2 over entries (those with every weighted criterion scored) of the raw
    weighted cell means, less the part the examiners put there. With a_ek = sum_c w_c
    [k scored (e, c)] / n_ec, the errors of the entries' weighted means have covariance
    V = s2_examiner A A' + diag(s2_examiner_entry sum_k a_ek^2 + s2_residual
    sum_c w_c^2 / n_ec), so E[s^2] = true variance + (tr V - 1'V1 / E) / (E - 1) for E
    entries (examiners shared between entries count as they were shared).
    """
    cells = model.cells
    crit = [c for c, w in weights.items() if w != 0]
    if not crit:
        raise ValueError("weights: no criterion with a non-zero weight")
    res = model.residuals[model.residuals["criterion"].isin(crit)]
    have = cells[cells["criterion"].isin(crit)].groupby("entry_id")["criterion"].nunique()
    entries = have.index[have == len(crit)]
    if len(entries) < 2:
        return np.nan
    c = cells[cells["entry_id"].isin(entries) & cells["criterion"].isin(crit)]
    w = c["criterion"].map(weights).to_numpy(dtype=float)
    e_idx = pd.Index(entries)
    total = np.bincount(e_idx.get_indexer(c["entry_id"]), w * c["raw_mean"].to_numpy(), len(entries))
    s2 = float(np.var(total, ddof=1))

    r = res[res["entry_id"].isin(entries)]
    n_cell = r.groupby(["entry_id", "criterion"])["score"].transform("size").to_numpy(dtype=float)
    a = r.assign(a=r["criterion"].map(weights).to_numpy(dtype=float) / n_cell)
    a = a.groupby(["entry_id", "examiner_id"])["a"].sum()
    A = a.unstack(fill_value=0.0).reindex(entries).to_numpy()
    v = model.variances
    s2_u = v["examiner_entry"] if np.isfinite(v["examiner_entry"]) else 0.0
    diag = s2_u * np.sum(A**2, axis=1) + v["residual"] * np.bincount(
        e_idx.get_indexer(c["entry_id"]), w**2 / c["n_scores"].to_numpy(dtype=float), len(entries)
    )
    colsum = A.sum(axis=0)
    tr_v = v["examiner"] * float(np.sum(A**2)) + float(diag.sum())
    one_v_one = v["examiner"] * float(colsum @ colsum) + float(diag.sum())
    n_e = len(entries)
    return s2 - (tr_v - one_v_one / n_e) / (n_e - 1)


def decision_study(
    scores: pd.DataFrame,
    team_sizes=range(1, 11),
    *,
    rubric=None,
    target: float = 0.8,
    model: ExaminerModel | None = None,
) -> pd.DataFrame:
    """Reliability of an entry's mean score for each team size, per criterion and in total.

    Parameters
    ----------
    scores : DataFrame
        Criterion-level scores of one year (individual stage used).
    team_sizes : iterable of int
        Team sizes n' to project to.
    rubric : Rubric, optional
        Its weights define the weighted total (normalised to sum 1); default equal weights
        over the criteria in the data.
    target : float
        The reliability to reach; ``smallest_team`` is the smallest size in
        ``team_sizes`` reaching it (missing when none does).
    model : ExaminerModel, optional
        An already fitted model of ``scores`` (saves refitting).

    Returns
    -------
    DataFrame
        One row per criterion (and ``total``) and team size: criterion, team_size,
        reliability, true_variance, error_variance, smallest_team.

    Notes
    -----
    For a team of n' examiners drawn at random, each scoring every criterion, the error
    of the entry's mean on a criterion has variance (s2_examiner + s2_examiner_entry +
    s2_residual) / n' (an examiner's leniency counts as error: each entry gets its own
    team); for the weighted total (weights w summing to W) it is (W^2 (s2_examiner +
    s2_examiner_entry) + sum w^2 s2_residual) / n'. Reliability = true variance /
    (true variance + error variance), the true (entry) variance from
    :func:`entry_variance`; this is Brennan's (2001) index of dependability Phi for the
    design where raters are nested in entries.
    """
    if model is None:
        model = fit_examiner_model(scores, rubric=rubric)
    criteria = list(pd.unique(model.cells["criterion"]))
    if rubric is not None:
        order = [c for c in rubric.criterion_ids if c in criteria]
        criteria = order + [c for c in criteria if c not in order]
        raw = {c: float(rubric.weights.get(c, 0.0)) for c in criteria}
    else:
        raw = dict.fromkeys(criteria, 1.0)
    total_w = sum(raw.values())
    weights = {c: w / total_w for c, w in raw.items()}
    v = model.variances
    s2_u = v["examiner_entry"] if np.isfinite(v["examiner_entry"]) else 0.0
    sizes = [int(n) for n in team_sizes]
    rows = []
    for name, w in [(c, {c: 1.0}) for c in criteria] + [(TOTAL, weights)]:
        true = entry_variance(model, w)
        big_w = sum(w.values())
        per_examiner = big_w**2 * (v["examiner"] + s2_u) + sum(x * x for x in w.values()) * v["residual"]
        rel = [(n, true / (true + per_examiner / n), per_examiner / n) for n in sizes]
        reach = [n for n, r, _ in rel if r >= target]
        for n, r, err in rel:
            rows.append(
                {
                    "criterion": name, "team_size": n, "reliability": r, "true_variance": true,
                    "error_variance": err, "smallest_team": min(reach) if reach else pd.NA,
                }
            )  # fmt: skip
    out = pd.DataFrame(rows)
    out["smallest_team"] = out["smallest_team"].astype("Int64")
    return out
