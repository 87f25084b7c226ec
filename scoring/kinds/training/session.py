"""Examiner training sessions: the tables the trainer's notebook shows and each trainee's feedback.

A session folder (``<data_dir>/<year>/training/<session>/``: the reference scores and the
trainees' hand-ins) is read by :mod:`scoring.data.sessions`; its names (:func:`load_session`,
:class:`TrainingSession`, :func:`available_sessions` ...) are importable from here too.
Trainees appear under their codes only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

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
from ...names import redact
from ...rubric import Rubric

__all__ = [
    "MIN_GROUP",
    "REFERENCE_FILE",
    "HandIn",
    "TraineeFeedback",
    "TrainingSession",
    "available_sessions",
    "check_session",
    "discussion_list",
    "hand_in_table",
    "load_session",
    "misunderstanding_list",
    "sessions_dir",
    "trainee_accuracy",
    "trainee_against_group",
    "trainee_codes",
    "trainee_feedback",
]

#: A trainee's own page shows the group's mean and spread on a case and criterion only when
#: at least this many trainees scored it: with fewer, the others' scores could be worked out
#: from the mean, the spread and one's own score.
MIN_GROUP = 5
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
    """Each trainee's accuracy against the reference (:func:`~scoring.calibration.reference_accuracy`)
    plus ``profile_error`` = sqrt(distance² − elevation²): the part of the distance that is
    not the overall level (on a complete table with one case, the stereotype accuracy). It
    is defined for incomplete tables too, so every trainee can be placed in the figure.
    """
    acc = reference_accuracy(scores, reference, rubric=rubric)
    profile = np.sqrt(np.maximum(acc["distance"] ** 2 - acc["elevation"] ** 2, 0))
    return acc.assign(profile_error=profile)


def trainee_against_group(scores: pd.DataFrame, reference: pd.DataFrame, code: str, rubric: Rubric) -> pd.DataFrame:
    """One trainee's scores against the reference and the anonymous group (for their own feedback).

    Returns
    -------
    DataFrame
        One row per case and criterion of the reference: ``entry_id``, ``criterion``,
        ``score`` (the trainee's; NaN when left blank), ``reference``, ``difference``
        (score − reference), and the group's ``mean``, ``sd`` (standard deviation, ddof=1),
        ``low``, ``high`` and ``n_trainees`` over every trainee (the trainee included). No
        other trainee's code is in it.
    """
    s = scores[scores["entry_id"].isin(set(reference["entry_id"]))]
    group = s.groupby(["entry_id", "criterion"])["score"].agg(mean="mean", sd="std", low="min", high="max")
    group["n_trainees"] = s.groupby(["entry_id", "criterion"])["examiner_id"].nunique()
    own = s[s["examiner_id"] == code].set_index(["entry_id", "criterion"])["score"]
    out = reference.rename(columns={"score": "reference"}).set_index(["entry_id", "criterion"])
    out = out.assign(score=own).join(group)
    out["difference"] = out["score"] - out["reference"]
    out["n_trainees"] = out["n_trainees"].fillna(0).astype("int64")
    out = out.reset_index()
    out = out.assign(_o=_order(out, rubric)).sort_values(["entry_id", "_o"], kind="stable").drop(columns="_o")
    return out[["entry_id", "criterion", "score", "reference", "difference", "mean", "sd", "low", "high",
                "n_trainees"]].reset_index(drop=True)


@dataclass
class TraineeFeedback:
    """What one trainee's own page shows: their scores, the reference and the anonymous group.

    Nothing in it names another trainee or gives another trainee's score: the group appears
    only as means and spreads, and only where at least :data:`MIN_GROUP` trainees scored.

    Attributes
    ----------
    year, session, code : the award year, the session's name and the trainee's code.
    rubric : the year's rubric.
    cases : the training cases, in the reference's order.
    scores : one row per case and criterion of the reference: ``entry_id``, ``criterion``,
        ``score`` (the trainee's; NaN when left blank), ``reference``, ``difference``
        (score − reference), ``group_mean``, ``group_sd`` and ``group_difference`` (group
        mean − reference) over every trainee who scored it (this one included; NaN when
        fewer than :data:`MIN_GROUP`), ``n_trainees``, ``comment`` (the trainee's own).
    criteria : one row per criterion (over the cases): ``criterion``, ``n_scores`` (cases
        the trainee scored), ``difference`` (mean of score − reference over those cases),
        ``within_one_step`` (share of them within one scale step), ``group_difference``
        (mean over the cases where it is shown; NaN when none), ``questions`` (the
        criterion's question numbers in the rubric).
    accuracy : the trainee's row of :func:`trainee_accuracy` (distance, elevation,
        stereotype accuracy, ``profile_error``, ``within_one_step``, ``note`` ...).
    group : the group's level and profile over every trainee: ``n_trainees``,
        ``elevation`` and ``elevation_sd`` (mean and standard deviation of the trainees'
        elevations), ``profile_error`` (their mean); NaN when fewer than
        :data:`MIN_GROUP` trainees.
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
    own = trainee_against_group(session.scores, session.reference, code, rubric)
    hidden = own["n_trainees"] < MIN_GROUP
    scores = own.drop(columns=["low", "high"]).rename(columns={"mean": "group_mean", "sd": "group_sd"})
    scores.loc[hidden, ["group_mean", "group_sd"]] = math.nan
    scores["group_difference"] = scores["group_mean"] - scores["reference"]
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
            "group_difference": float(g["group_difference"].mean()) if g["group_difference"].notna().any()
            else math.nan,
            "questions": questions.get(criterion, ()),
        })
    criteria = pd.DataFrame(rows, columns=["criterion", "n_scores", "difference", "within_one_step",
                                           "group_difference", "questions"])

    everyone = trainee_accuracy(session.scores, session.reference, rubric)
    accuracy = everyone.set_index("examiner_id").loc[code]
    n = len(everyone)
    enough = n >= MIN_GROUP
    group = {
        "n_trainees": n,
        "elevation": float(everyone["elevation"].mean()) if enough else math.nan,
        "elevation_sd": float(everyone["elevation"].std()) if enough else math.nan,
        "profile_error": float(everyone["profile_error"].mean()) if enough else math.nan,
    }
    return TraineeFeedback(int(session.year), session.name, code, rubric, session.cases, scores, criteria,
                           accuracy, group)


def hand_in_table(session: TrainingSession) -> pd.DataFrame:
    """One row per file in the session folder: ``file`` (its name), ``codes``, ``n_scores``,
    ``status`` (Swedish: "med" or "utelämnad") and ``problems`` (each on its own line)."""
    rows = [{
        "file": Path(h.file).name,
        "codes": ", ".join(h.codes),
        "n_scores": h.n_scores,
        "status": "med" if h.accepted else "utelämnad",
        "problems": "\n".join(f"{p.location}: {'note: ' if not p.is_error else ''}{p.message}"
                              if (p.sheet or p.row) else p.message for p in h.problems),
    } for h in session.hand_ins]
    return pd.DataFrame(rows, columns=["file", "codes", "n_scores", "status", "problems"])
