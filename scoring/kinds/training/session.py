"""Examiner training sessions: the tables the trainer's notebook shows and each trainee's feedback.

A session folder (``<data_dir>/<year>/training/<session>/``: the reference scores and the
trainees' hand-ins) is read by :mod:`scoring.data.sessions`; its names (:func:`load_session`,
:class:`TrainingSession`, :func:`available_sessions` ...) are importable from here too.
Trainees appear under their codes only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...calibration.accuracy import reference_accuracy
from ...data.sessions import (
    REFERENCE_FILE,
    HandIn,
    TrainingSession,
    available_sessions,
    check_session,
    load_session,
    trainee_codes,
)
from ...data.years import examiner_codes, sessions_dir
from ...disclosure import POOL_FROM, mean_disclosure, pool_position
from ...names import redact
from ...presentation import render
from ...rubric import Rubric

__all__ = [
    "REFERENCE_FILE",
    "HandIn",
    "TraineeFeedback",
    "TrainingSession",
    "available_sessions",
    "check_session",
    "discussion_list",
    "load_session",
    "misunderstanding_list",
    "sessions_dir",
    "shown_mean",
    "trainee_accuracy",
    "trainee_against_group",
    "trainee_codes",
    "trainee_feedback",
]

#: What replaces another person's code in a trainee's own text.
REDACTED = "[deltagare]"


def _order(df: pd.DataFrame, rubric: Rubric) -> pd.Series:
    order = {c: i for i, c in enumerate(rubric.criterion_ids)}
    return df["criterion"].map(order)


def discussion_list(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """The criteria ordered by the spread of the trainees' scores, largest first.

    Parameters
    ----------
    scores : criterion-level trainees' scores (``entry_id, examiner_id, criterion, score``).
    reference : the reference scores (``entry_id, criterion, score``).
    rubric : gives the criteria.

    Returns
    -------
    DataFrame
        One row per criterion: ``criterion``, ``n_trainees`` (who scored it), ``reference``
        (mean over the cases), ``mean`` (the group's), ``sd`` (standard deviation of the
        trainees' scores within a case, ddof=1; with several cases the root mean of the
        per-case variances), ``low``, ``high``. Criteria with fewer than two scores on
        every case have ``sd`` NaN and come last.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    per_case = s.groupby(["criterion", "entry_id"])["score"].agg(var="var", n="count")
    rows = []
    for c in rubric.criterion_ids:
        g = s[s["criterion"] == c]
        ref = reference.loc[reference["criterion"] == c, "score"]
        if ref.empty:
            continue
        v = per_case.loc[c, "var"].dropna() if c in per_case.index.get_level_values(0) else pd.Series(dtype=float)
        rows.append({
            "criterion": c,
            "n_trainees": g["examiner_id"].nunique(),
            "reference": float(ref.mean()),
            "mean": float(g["score"].mean()) if len(g) else math.nan,
            "sd": float(np.sqrt(v.mean())) if len(v) else math.nan,
            "low": float(g["score"].min()) if len(g) else math.nan,
            "high": float(g["score"].max()) if len(g) else math.nan,
        })
    out = pd.DataFrame(rows, columns=["criterion", "n_trainees", "reference", "mean", "sd", "low", "high"])
    out = out.assign(_o=_order(out, rubric)).sort_values(["sd", "_o"], ascending=[False, True], na_position="last")
    return out.drop(columns="_o").reset_index(drop=True)


def misunderstanding_list(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """The criteria ordered by how far the group's mean score lies from the reference.

    The group's mean per case and criterion is compared with the reference by
    :func:`~scoring.calibration.reference_accuracy` (``group=True, by="criterion"``).

    Returns
    -------
    DataFrame
        One row per criterion: ``criterion``, ``n_trainees``, ``reference`` and ``mean``
        (over the cases), ``difference`` (the group's mean minus the reference: its
        elevation, > 0 too generous), ``distance`` (root mean square over the cases of the
        group's mean minus the reference; with one case ``|difference|``) and
        ``within_one_step`` (share of the trainees' scores within one scale step of the
        reference). Largest distance first.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    group = reference_accuracy(s, reference, by="criterion", group=True, rubric=rubric)
    each = s.merge(reference.rename(columns={"score": "ref"}), on=["entry_id", "criterion"])
    step = rubric.scale.step
    within = (each["score"] - each["ref"]).abs().le(step * (1 + 1e-9)).groupby(each["criterion"]).mean()
    base = discussion_list(scores, reference, rubric).set_index("criterion")
    out = pd.DataFrame({
        "criterion": group["criterion"],
        "n_trainees": group["criterion"].map(base["n_trainees"]).astype("int64"),
        "reference": group["criterion"].map(base["reference"]),
        "mean": group["criterion"].map(base["mean"]),
        "difference": group["elevation"],
        "distance": group["distance"],
        "within_one_step": group["criterion"].map(within),
    })
    out = out.assign(_o=_order(out, rubric)).sort_values(["distance", "_o"], ascending=[False, True],
                                                         na_position="last")
    return out.drop(columns="_o").reset_index(drop=True)


def trainee_accuracy(scores: pd.DataFrame, reference: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Each trainee's accuracy against the reference: :func:`~scoring.calibration.reference_accuracy`
    with its ``stereotype_accuracy`` named ``profile_error`` ("Profilfel").

    The profile error is Cronbach's (1955) stereotype accuracy, sqrt(mean over criteria j of
    (d[., j] − d[., .])²) with d = score − reference: how the trainee's mean deviation per
    criterion varies around their level, i.e. how well they tell the case's strong criteria
    from its weak ones. With several cases the case part (``differential_elevation``) and the
    interaction (``differential_accuracy``) are separate columns, never mixed into it. On an
    incomplete hand-in (a criterion left blank) the three parts are NaN, with a note: the
    profile is not defined over criteria that have no score.

    Returns
    -------
    DataFrame
        ``examiner_id`` (the trainee's code), ``n_scores``, ``n_reference``, ``distance``,
        ``elevation``, ``differential_elevation``, ``profile_error``,
        ``differential_accuracy``, ``within_one_step`` and ``note``, one row per trainee.
    """
    acc = reference_accuracy(scores, reference, rubric=rubric)
    return acc.rename(columns={"stereotype_accuracy": "profile_error"})


def trainee_against_group(scores: pd.DataFrame, reference: pd.DataFrame, code: str, rubric: Rubric) -> pd.DataFrame:
    """One trainee's scores against the reference and the other trainees (for their own feedback).

    The others' mean is given only where it gives no one away (:func:`scoring.disclosure.mean_disclosure`,
    with the mean as the page prints it); their lowest, highest and spread never.

    Returns
    -------
    DataFrame
        One row per case and criterion of the reference: ``entry_id``, ``criterion``,
        ``score`` (the trainee's; NaN when left blank), ``reference``, ``difference``
        (score − reference), ``other_trainees`` (how many other trainees scored it), ``shown``
        ("mean" or "count") and ``others_mean`` (NaN unless shown). No other trainee's code
        or score is in it.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))].dropna(subset=["score"])
    key = ["entry_id", "criterion"]
    lists = s[s["examiner_id"] != code].groupby(key)["score"].agg(list).rename("_others")
    own = s[s["examiner_id"] == code].groupby(key)["score"].mean()
    out = reference.rename(columns={"score": "reference"}).set_index(key)
    out = out.assign(score=own).join(lists)
    out["_others"] = out["_others"].map(lambda x: x if isinstance(x, list) else [])
    out["difference"] = out["score"] - out["reference"]
    out["other_trainees"] = out["_others"].map(len).astype("int64")
    grid = rubric.scale.values
    out["shown"] = [mean_disclosure(o, grid, shown_mean) for o in out["_others"]]
    out["others_mean"] = [float(np.mean(o)) if v == "mean" else math.nan
                          for o, v in zip(out["_others"], out["shown"], strict=True)]
    out = out.reset_index()
    out = out.assign(_o=_order(out, rubric)).sort_values(["entry_id", "_o"], kind="stable").drop(columns="_o")
    return out[["entry_id", "criterion", "score", "reference", "difference", "other_trainees", "shown",
                "others_mean"]].reset_index(drop=True)


def shown_mean(mean: float) -> str:
    """The others' mean as a trainee's page prints it (what the disclosure rule counts with)."""
    return render.number(mean, 1)


@dataclass
class TraineeFeedback:
    """What one trainee's own page shows: their scores, the reference and the anonymous others.

    Nothing in it names another trainee or gives another trainee's score: the others appear
    only as means where these give no one away (:func:`trainee_against_group`) and as quartiles
    of their level and profile error from :data:`scoring.disclosure.POOL_FROM` others.

    Attributes
    ----------
    year, session, code : the award year, the session's name and the trainee's code.
    rubric : the year's rubric.
    cases : the training cases, in the reference's order.
    scores : one row per case and criterion of the reference: the columns of
        :func:`trainee_against_group`, ``others_difference`` (others' mean − reference; NaN
        where the mean is not shown) and ``comment`` (the trainee's own, other people's
        codes redacted).
    criteria : one row per criterion (over the cases): ``criterion``, ``n_scores`` (cases
        the trainee scored), ``difference`` (mean of score − reference over those cases),
        ``within_one_step`` (share of them within one scale step), ``others_difference``
        (mean over the cases where it is shown; NaN when none), ``questions`` (the
        criterion's question numbers in the rubric).
    accuracy : the trainee's row of :func:`trainee_accuracy` (``distance``, ``elevation``,
        ``profile_error``, the differential parts, ``within_one_step``, ``note`` ...).
    group : ``n_trainees`` (everyone with an accepted hand-in), and for ``elevation`` and
        ``profile_error`` the others' :func:`scoring.disclosure.pool_position` around the
        trainee's own value (``n``, ``median``, ``q1``, ``q3``, ``share_below``), over the
        others who have a value (a profile error needs every criterion scored); ``n`` 0 and
        the rest NaN when fewer than :data:`scoring.disclosure.POOL_FROM` of them.
    """

    year: int
    session: str
    code: str
    rubric: Rubric
    cases: list[str]
    scores: pd.DataFrame
    criteria: pd.DataFrame
    accuracy: pd.Series
    group: dict[str, float]

    @property
    def step(self) -> float:
        return self.rubric.scale.step


def trainee_feedback(session: TrainingSession, code: str | None = None) -> TraineeFeedback:
    """One trainee's feedback from a loaded session (see :class:`TraineeFeedback`).

    Parameters
    ----------
    session : from :func:`load_session`.
    code : the trainee's code. None or ``""``: the session's first trainee, so that the
        feedback notebook runs with its default parameters, which name nobody (a code
        there would be in every trainee's executed notebook).

    Raises
    ------
    ValueError
        When no accepted hand-in of the session carries ``code`` (or, without a code, when
        nobody has handed in yet).
    """
    if code is None or str(code).strip() == "":
        if not session.trainees:
            raise ValueError(f"nobody has handed in a scorebook in training session {session.name} "
                             f"{session.year} yet")
        code = session.trainees[0]
    code = str(code)
    if code not in session.trainees:
        raise ValueError(f"no accepted scorebook with the code {code!r} in training session {session.name} "
                         f"{session.year} (see the trainer's report for files left out)")
    rubric = session.rubric
    scores = trainee_against_group(session.scores, session.reference, code, rubric)
    scores["others_difference"] = scores["others_mean"] - scores["reference"]
    mine = session.scores[session.scores["examiner_id"] == code]
    if "comment" in mine.columns:
        # another person's code in the trainee's own text is redacted, as in an examiner's (any spelling)
        data_dir = session.folder.parents[2]
        others = (trainee_codes(data_dir) | examiner_codes(data_dir) | set(session.trainees)) - {code}
        comments = mine.set_index(["entry_id", "criterion"])["comment"].fillna("").astype(str)
        comments = comments.map(lambda t: redact(t, others, REDACTED))
        keys = pd.MultiIndex.from_frame(scores[["entry_id", "criterion"]])
        scores["comment"] = comments.reindex(keys).fillna("").to_numpy()
    else:
        scores["comment"] = ""

    step = rubric.scale.step
    questions = {c.id: c.questions for c in rubric.criteria}
    rows = []
    for criterion, g in scores.groupby("criterion", sort=False):
        scored = g.dropna(subset=["score"])
        rows.append({
            "criterion": criterion,
            "n_scores": len(scored),
            "difference": float(scored["difference"].mean()) if len(scored) else math.nan,
            "within_one_step": float(scored["difference"].abs().le(step * (1 + 1e-9)).mean())
            if len(scored) else math.nan,
            "others_difference": float(g["others_difference"].mean()) if g["others_difference"].notna().any()
            else math.nan,
            "questions": questions.get(criterion, ()),
        })
    criteria = pd.DataFrame(rows, columns=["criterion", "n_scores", "difference", "within_one_step",
                                           "others_difference", "questions"])

    everyone = trainee_accuracy(session.scores, session.reference, rubric).set_index("examiner_id")
    accuracy = everyone.loc[code]
    peers = everyone.drop(index=code)
    group: dict = {"n_trainees": len(everyone)}
    for measure in ("elevation", "profile_error"):
        pool = peers[measure].to_numpy(dtype=float)
        pool = pool[np.isfinite(pool)]
        group[measure] = pool_position(float(accuracy[measure]), pool if len(pool) >= POOL_FROM else [])
    return TraineeFeedback(int(session.year), session.name, code, rubric, session.cases, scores, criteria,
                           accuracy, group)
