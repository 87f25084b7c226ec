"""Examiner calibration: how each examiner scores compared with the others, and accuracy against a reference."""

from .accuracy import reference_accuracy
from .effects import examiner_effects

__all__ = ["examiner_effects", "reference_accuracy"]
