"""Examiner effects for reports and the command line: the model's estimates and measures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ExaminerModel, fit_examiner_model


def effects_table(model: ExaminerModel) -> pd.DataFrame:
    """The model's examiner table, most lenient first (within each connected group).

    ``attrs`` carries ``variances``, ``residual_sd``, ``notes`` and ``min_scores``.
    """
    out = model.effects.sort_values(["group", "bias", "examiner_id"], ascending=[True, False, True], na_position="last")
    out = out.reset_index(drop=True)
    out.attrs.update(
        variances=dict(model.variances),
        residual_sd=float(np.sqrt(model.variances["residual"])),
        notes=list(model.notes),
        min_scores=model.min_scores,
    )
    return out


def examiner_effects(
    scores: pd.DataFrame, *, min_scores: int = 12, confidence: float = 0.95, rubric=None
) -> pd.DataFrame:
    """Each examiner's leniency from the examiner-effect model, with interval and measures.

    Fits ``score ~ 0 + entry:criterion + (1 | examiner) + (1 | examiner:entry)`` by REML on
    the individual scores (:func:`scoring.calibration.fit_examiner_model`). Comparing
    examiners through the entries they share means that one who drew strong entries is
    not called lenient, and one in a harsh circle of colleagues is not called normal.

    Parameters
    ----------
    scores : DataFrame
        Criterion-level scores (entry_id, examiner_id, criterion, score, stage).
    min_scores : int
        Examiners with fewer individual scores are reported but ``adjusted=False``.
    confidence : float
        Level of the intervals.
    rubric : Rubric, optional
        Maps criterion labels to ids.

    Returns
    -------
    DataFrame
        One row per examiner: examiner_id, bias (score points; > 0 more lenient than the
        group's average examiner), se, ci_low, ci_high, n_entries, n_scores, adjusted,
        group (connected group; effects compare only within a group), range, halo,
        inconsistency, n_compared (see :func:`scoring.calibration.measures.rater_measures`).
        Sorted by group, then most lenient first. ``attrs``: variances, residual_sd,
        notes, min_scores. :func:`scoring.presentation.labels.examiner_reading` turns a row into Swedish.
    """
    model = fit_examiner_model(scores, min_scores=min_scores, rubric=rubric, confidence=confidence)
    return effects_table(model)
