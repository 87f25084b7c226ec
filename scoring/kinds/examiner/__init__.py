"""Examiner feedback: one private report per examiner and year (``notebooks/examiner_feedback.ipynb``).

Its numbers and blocks are in :mod:`.feedback`, its readings, advice and rules in words in
:mod:`.words`, its figures in :mod:`.figures`. A report may
name its own examiner only: every other examiner code of any year is forbidden in it.
"""

from __future__ import annotations

from pathlib import Path

from ...reports.kind import ReportKind
from ...reports.privacy import Person


def _examiners(year: int, data_dir: Path) -> list[str]:
    """The examiners who scored individually that year."""
    from ...data import NOT_PEOPLE, year_data
    from ...overview import individual

    codes = individual(year_data(year, data_dir).scores)["examiner_id"].dropna().astype(str).unique()
    return [c for c in codes if c not in NOT_PEOPLE]


def _people(data_dir: Path) -> dict[str, Person]:
    """Every examiner code in any CSV file of any year folder, training folders included."""
    from ...data import examiner_codes

    return {code: Person(code) for code in examiner_codes(data_dir)}


KINDS = (
    ReportKind(
        name="examiner",
        model=True,
        notebook="examiner_feedback.ipynb",
        output="examiners/{name}",
        label="Återkoppling – {label}",
        noun="examiner feedback reports",
        per="examiner",
        units="examiners",
        parameter="examiner_id",
        names=_examiners,
        section="Återkoppling till examinatorerna",
        private=True,
        people=_people,
    ),
)
