"""The calibration report: one per year for the award office (``notebooks/calibration_report.ipynb``).

Its words are in :mod:`.words`, its figures in :mod:`.figures`; the statistics it shows come
from :mod:`scoring.agreement`, :mod:`scoring.consensus` and :mod:`scoring.calibration`.
"""

from ...reports.kind import ReportKind

KINDS = (
    ReportKind(
        name="calibration",
        model=True,
        notebook="calibration_report.ipynb",
        output="calibration",
        label="Kalibreringsrapport",
        noun="calibration reports",
        section="Kalibrering",
    ),
)
