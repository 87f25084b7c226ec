"""Generalizability theory: the G and D study of a persons x (raters : tasks) design."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["g_study_p_x_r_in_t"]


def g_study_p_x_r_in_t(data: pd.DataFrame, person: str, task: str, rater: str, score: str,
                       n_tasks: int | None = None, n_raters: int | None = None) -> pd.Series:
    """G study and D study of the balanced persons x (raters : tasks) design.

    Parameters
    ----------
    data : DataFrame
        Long format, one score per person, task and rater; every person scored by every
        rater of every task, the same number of raters per task.
    person, task, rater, score : str
        Column names. Raters are nested in tasks: a rater id is read within its task.
    n_tasks, n_raters : int, optional
        D-study sizes n'_t and n'_r (raters per task); default the G-study sizes.

    Returns
    -------
    Series
        Variance components ``p, t, r:t, pt, pr:t`` (EMS / ANOVA estimates, negative values
        kept) and ``Erho2`` (generalizability coefficient) and ``Phi`` (dependability).

    Notes
    -----
    With n_p persons, n_t tasks, n_r raters per task (Brennan 2001, sec. 3.2)::

        EMS(pr:t) = s2(pr:t)
        EMS(pt)   = s2(pr:t) + n_r s2(pt)
        EMS(r:t)  = s2(pr:t) + n_p s2(r:t)
        EMS(t)    = s2(pr:t) + n_r s2(pt) + n_p s2(r:t) + n_p n_r s2(t)
        EMS(p)    = s2(pr:t) + n_r s2(pt) + n_t n_r s2(p)

    delta = s2(pt)/n'_t + s2(pr:t)/(n'_t n'_r), Delta = delta + s2(t)/n'_t +
    s2(r:t)/(n'_t n'_r), E rho^2 = s2(p)/(s2(p) + delta), Phi = s2(p)/(s2(p) + Delta).

    References
    ----------
    Brennan, R. L. (2001). Generalizability Theory. Springer, ch. 3-4 (synthetic data set
    No. 4).
    """
    for col in (person, task, rater, score):
        if col not in data.columns:
            raise KeyError(f"column '{col}' not in data")
    y = pd.to_numeric(data[score], errors="raise").to_numpy(dtype=float)
    if np.isnan(y).any():
        raise ValueError("the p x (r:t) G study needs a balanced design: missing scores")
    p, _ = pd.factorize(data[person])
    t, _ = pd.factorize(data[task])
    rt, rt_labels = pd.factorize(pd.MultiIndex.from_arrays([data[task], data[rater]]))
    n_p, n_t, n_rt = p.max() + 1, t.max() + 1, len(rt_labels)
    n_r = n_rt // n_t
    task_of_rt = np.zeros(n_rt, dtype=int)
    task_of_rt[rt] = t
    if (n_rt % n_t or np.any(np.bincount(task_of_rt, minlength=n_t) != n_r)
            or len(y) != n_p * n_rt
            or np.any(np.bincount(p * n_rt + rt, minlength=n_p * n_rt) != 1)):
        raise ValueError("the p x (r:t) G study needs a balanced design: every person scored "
                         "once by every rater, the same number of raters in every task")
    if min(n_p, n_t, n_r) < 2:
        raise ValueError(f"the p x (r:t) G study needs at least 2 persons, 2 tasks and 2 raters "
                         f"per task; got {n_p}, {n_t}, {n_r}")
    y = y - y.mean()

    def mean(idx, size):
        """Means of ``y`` (N,) over groups ``idx`` (N,) -> (size,)."""
        return np.bincount(idx, y, size) / np.bincount(idx, minlength=size)

    yp, yt, yrt = mean(p, n_p), mean(t, n_t), mean(rt, n_rt)
    ypt = mean(p * n_t + t, n_p * n_t)
    ss_p = n_t * n_r * np.sum(yp**2)
    ss_t = n_p * n_r * np.sum(yt**2)
    ss_rt = n_p * np.sum((yrt - yt[task_of_rt]) ** 2)
    ss_pt = n_r * np.sum((ypt.reshape(n_p, n_t) - yp[:, None] - yt[None, :]) ** 2)
    e = y - ypt[p * n_t + t] - yrt[rt] + yt[t]
    ss_prt = float(np.einsum("i,i->", e, e))  # NumPy's own loop: no BLAS threads to wait for
    ms_p, ms_t = ss_p / (n_p - 1), ss_t / (n_t - 1)
    ms_rt, ms_pt = ss_rt / (n_t * (n_r - 1)), ss_pt / ((n_p - 1) * (n_t - 1))
    ms_prt = ss_prt / ((n_p - 1) * n_t * (n_r - 1))
    v_prt = ms_prt
    v_pt = (ms_pt - ms_prt) / n_r
    v_rt = (ms_rt - ms_prt) / n_p
    v_t = (ms_t - ms_rt - ms_pt + ms_prt) / (n_p * n_r)
    v_p = (ms_p - ms_pt) / (n_t * n_r)
    nt, nr = n_tasks or n_t, n_raters or n_r
    delta = v_pt / nt + v_prt / (nt * nr)
    Delta = delta + v_t / nt + v_rt / (nt * nr)
    out = pd.Series({"p": v_p, "t": v_t, "r:t": v_rt, "pt": v_pt, "pr:t": v_prt,
                     "Erho2": v_p / (v_p + delta), "Phi": v_p / (v_p + Delta)}, name="p x (r:t)")
    out.attrs.update(n_persons=n_p, n_tasks=n_t, n_raters=n_r, d_study=(nt, nr))
    return out
