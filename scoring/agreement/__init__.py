"""Agreement between examiners (filled in as the coefficient modules land)."""
