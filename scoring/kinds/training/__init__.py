"""Examiner training: the trainer's report per session (``notebooks/examiner_training.ipynb``) and a
private page per trainee (``notebooks/trainee_feedback.ipynb``); ``--kind training`` makes both.

The session's numbers are in :mod:`.session`, its words in :mod:`.words`, its figures in
:mod:`.figures`. A trainee's page may name that trainee only.
"""

from __future__ import annotations

from pathlib import Path

from ...reports.kind import ReportKind
from ...reports.privacy import Person


def _sessions(year: int, data_dir: Path) -> list[str]:
    """The year's training sessions (folders with a ``reference.csv``)."""
    from ...data.sessions import available_sessions

    return available_sessions(year, data_dir)


def _trainees(year: int, data_dir: Path) -> list[str]:
    """``session/code`` for every trainee with an accepted hand-in in each of the year's sessions."""
    from ...data.sessions import available_sessions, load_session

    return [f"{session}/{code}" for session in available_sessions(year, data_dir)
            for code in load_session(year, session, data_dir).trainees]


def _people(data_dir: Path) -> dict[str, Person]:
    """Every trainee of any session of any year (workbook codes included, which no CSV holds)."""
    from ...data.sessions import trainee_codes

    return {code: Person(code) for code in trainee_codes(data_dir)}


KINDS = (
    ReportKind(
        name="training",
        notebook="examiner_training.ipynb",
        output="training/{name}",
        label="Examinatorsutbildning {label} – utbildarens rapport",
        noun="trainer's reports",
        per="session",
        units="sessions",
        parameter="session",
        names=_sessions,
        none_ok=True,
        section="Examinatorsutbildning",
    ),
    ReportKind(
        name="trainee",
        notebook="trainee_feedback.ipynb",
        output="training/{name}",
        label="Återkoppling efter utbildning {label}",
        noun="trainee feedback pages",
        per="trainee",
        units="trainees",
        parameter=("session", "trainee"),
        names=_trainees,
        none_ok=True,
        section="Examinatorsutbildning",
        group="training",
        private=True,
        people=_people,
    ),
)
