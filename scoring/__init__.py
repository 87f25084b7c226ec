"""Scoring and calibration toolkit for Stockholms stads Kvalitetsutmärkelsen."""

__version__ = "0.1.0"
