"""Examiner calibration: the examiner-effect model, rater measures, drift and the decision study."""

from ..data.years import year_data  # the checked year the calibration notebook reads, kept the same way
from .accuracy import reference_accuracy
from .cache import year_model
from .decision import DecisionUncertainty, decision_study, decision_study_uncertainty, entry_variance
from .drift import FALSE_ALARM, comparison_level, examiner_drift
from .effects import effects_table, examiner_effects
from .measures import rater_measures
from .model import ExaminerModel, connected_groups, fit_examiner_model

__all__ = [
    "DecisionUncertainty",
    "ExaminerModel",
    "FALSE_ALARM",
    "comparison_level",
    "connected_groups",
    "decision_study",
    "decision_study_uncertainty",
    "effects_table",
    "entry_variance",
    "examiner_drift",
    "examiner_effects",
    "fit_examiner_model",
    "rater_measures",
    "reading",
    "reference_accuracy",
    "year_data",
    "year_model",
]


def __getattr__(name: str):
    # ``reading`` (Swedish sentences about an examiner) is presentation and lives in
    # scoring.presentation.labels; the name stays here for existing callers, looked up on first use so
    # that importing this package never imports the presentation layer.
    if name == "reading":
        from ..presentation.labels import examiner_reading

        return examiner_reading
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
