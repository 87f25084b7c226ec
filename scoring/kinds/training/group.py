"""The group against the reference: what the trainer's first screen says to the room.

Everything here is about the group as a whole (the trainees' scores, and their mean per case
and criterion, against the reference): no trainee is named. The per-trainee numbers are in
:func:`scoring.kinds.training.session.trainee_accuracy`; the words in
:mod:`scoring.kinds.training.words`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ...calibration.accuracy import reference_accuracy
from ...data.sessions import TrainingSession
from .session import discussion_list, misunderstanding_list, trainee_accuracy

__all__ = ["GroupResult", "group_result"]


@dataclass
class GroupResult:
    """A session's group against the reference.

    Attributes
    ----------
    session : the session as read.
    accuracy : the group's mean scores (per case and criterion, over the trainees who scored
        it) against the reference, :func:`~scoring.calibration.reference_accuracy` with
        ``group=True``: ``elevation`` (the group's level, > 0 too generous), ``profile_error``
        (Cronbach's stereotype accuracy of the mean: how the group's mean deviation per
        criterion varies around its level), ``differential_elevation`` and
        ``differential_accuracy`` (0 with one case), ``distance``. NaN before anyone hands in.
    criteria : :func:`~scoring.kinds.training.session.misunderstanding_list` (the group's mean
        against the reference per criterion, furthest first).
    spread : :func:`~scoring.kinds.training.session.discussion_list` (the trainees'
        disagreement per criterion, largest first).
    trainees : :func:`~scoring.kinds.training.session.trainee_accuracy`, one row per trainee.
    n_scores : the trainees' scores on the reference's cases and criteria.
    within_one_step : the share of those scores at most one scale step from the reference
        (NaN without scores).
    """

    session: TrainingSession
    accuracy: pd.Series
    criteria: pd.DataFrame
    spread: pd.DataFrame
    trainees: pd.DataFrame
    n_scores: int
    within_one_step: float

    @property
    def step(self) -> float:
        return self.session.rubric.scale.step

    @property
    def several_cases(self) -> bool:
        """More than one training case: only then can the differential parts differ from 0."""
        return len(self.session.cases) > 1


def group_result(session: TrainingSession) -> GroupResult:
    """The group against the reference for a loaded session (see :class:`GroupResult`)."""
    rubric = session.rubric
    scores, reference = session.scores, session.reference
    in_scope = scores[scores["entry_id"].isin(set(reference["entry_id"]))].dropna(subset=["score"])
    group = reference_accuracy(in_scope, reference, group=True, rubric=rubric)
    columns = ["elevation", "profile_error", "differential_elevation", "differential_accuracy", "distance"]
    if len(group):
        accuracy = group.rename(columns={"stereotype_accuracy": "profile_error"}).iloc[0][columns]
    else:
        accuracy = pd.Series(math.nan, index=columns)
    each = in_scope.merge(reference.rename(columns={"score": "ref"}), on=["entry_id", "criterion"])
    within = (float((each["score"] - each["ref"]).abs().le(rubric.scale.step * (1 + 1e-9)).mean())
              if len(each) else math.nan)
    return GroupResult(session, accuracy.astype(float), misunderstanding_list(scores, reference, rubric),
                       discussion_list(scores, reference, rubric), trainee_accuracy(scores, reference, rubric),
                       len(each), within)
