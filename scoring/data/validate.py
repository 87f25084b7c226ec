"""Validation: every problem of input files and folders, as ``scoring validate PATH...`` reports them.

Checks scores, entries and training files, the register (examiners, conflicts of interest,
assignments), the jury's decisions, rubric overrides, scorebooks and training sessions, with the cross-file checks
of a year folder; never raises on bad input.
"""

from __future__ import annotations

from pathlib import Path

from ..problems import InputError, Problem, display_path, os_reason
from ..rubric import load_rubric
from .changes import check_changes
from .decisions import check_decisions
from .entries import read_entries
from .people import check_people
from .register import check_assignments, check_conflicts, read_examiners
from .scores import read_scores
from .sessions import check_session
from .tables import hidden_characters, read_csv_table
from .years import (
    _check_year,
    _is_year_name,
    _misnamed,
    _rubric_for,
    copied_years,
    misnamed_years,
    missing_entries,
)

__all__ = ["validate_paths"]


def _kind(path: Path) -> str | None:
    name = path.name.casefold()
    for kind in ("scores", "entries", "training", "examiners", "conflicts", "assignments", "decisions"):
        if name.startswith(kind) and name.endswith(".csv"):
            return kind
    return None


def _refused(folder: Path) -> list[Problem]:
    """The refusal of a folder whose name reads as a year but is not one in the digits 0–9."""
    refusal = _misnamed(folder)
    return [refusal] if refusal is not None else []


def _scorebook_notes(book) -> list[Problem]:
    """A note per score row of a scorebook whose text holds a bidi control or a control character."""
    notes = []
    for _, row in book.scores.iterrows():
        for column in ("entry_id", "examiner_id", "criterion", "comment", "strengths", "improvements"):
            value = row.get(column)
            what = hidden_characters(value) if isinstance(value, str) and value else None
            if what:
                notes.append(Problem(display_path(book.path), None, column, f"{column}: {what}", "note",
                                     sheet=row["sheet"], cell=row["cell"]))
    return notes


def _validate_file(path: Path) -> list[Problem]:
    return _refused(path.parent) + _check_file(path)


def _check_file(path: Path) -> list[Problem]:
    where = display_path(path)
    if path.suffix.casefold() == ".xlsx":  # a scorebook; any other workbook gets the CSV reader's advice
        from ..scorebook import read_scorebook

        book = read_scorebook(path)
        if book.kind is not None:
            return book.problems + _scorebook_notes(book)
    name = path.name.casefold()
    if name.startswith("changes") and name.endswith(".csv"):  # a change log, against the scores.csv beside it
        return check_changes(path.parent, path)
    in_year = _is_year_name(path.parent.name)
    year = int(path.parent.name) if in_year else None
    data_dir = path.parent.parent if in_year else None
    if path.suffix.casefold() == ".toml":
        if in_year and path.name == "rubric.toml":
            return _rubric_for(year, data_dir)[1]
        try:
            load_rubric(path)
            return []
        except InputError as e:
            return list(e.problems)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            return [Problem(where, None, None, f"cannot use the rubric: {e}")]
    kind = _kind(path)
    if kind is None:
        table, problems = read_csv_table(path, where)
        if table is None:
            return problems
        if "score" in table.columns:
            kind = "scores"
        elif "class" in table.columns or "name" in table.columns:
            kind = "entries"
        else:
            return [
                Problem(where, None, None, "cannot tell what this file holds: name it scores*.csv, entries*.csv "
                                           "or training*.csv")
            ]
    if kind == "examiners":
        return read_examiners(path)[1]
    rubric, problems = _rubric_for(year, data_dir)
    if rubric is None:
        return problems
    if kind == "conflicts":
        return problems + check_conflicts(path.parent, rubric)
    if kind == "assignments":
        return problems + check_assignments(path.parent, rubric)
    if kind == "decisions":
        return problems + check_decisions(path.parent, rubric, path)
    if kind == "entries":
        return problems + read_entries(path, rubric)[1]
    scores, probs = read_scores(path, rubric, year=year)
    problems += probs
    if kind == "scores":
        sibling = path.parent / "entries.csv"
        if sibling.exists():
            entries, _ = read_entries(sibling, rubric)
            if entries.empty:
                problems.append(
                    Problem(where, None, "entry_id", f"entry ids not checked: {display_path(sibling)} has no "
                                                     "usable rows (validate it)", "note")
                )
            else:
                problems += missing_entries(scores, entries, where, display_path(sibling))
        elif in_year:
            problems.append(Problem(display_path(sibling), None, None, "file not found: a year folder needs "
                                                                       "entries.csv next to scores.csv"))
    return problems


def _sessions_problems(training_dir: Path) -> list[Problem]:
    """Problems of every training session in a year's ``training/`` folder."""
    if not training_dir.is_dir():
        return []
    return [p for d in sorted(training_dir.iterdir()) if d.is_dir() for p in check_session(d)]


def _validate_dir(path: Path) -> list[Problem]:
    where = display_path(path)
    if path.name == "training" and _is_year_name(path.parent.name):
        return _sessions_problems(path)
    if path.parent.name == "training" and _is_year_name(path.parent.parent.name):
        return check_session(path)
    names = {"scores.csv", "entries.csv", "training.csv"}
    has_files = any(_kind(f) not in (None, "conflicts") for f in path.glob("*.csv"))
    if _is_year_name(path.name):
        year = int(path.name)
        rubric, problems = _rubric_for(year, path.parent)
        if rubric is None:
            return problems
        problems += _check_year(path, rubric, year)[1] + check_changes(path)
        for extra in sorted(path.glob("*.csv")):
            if extra.name not in names and _kind(extra):
                problems += _validate_file(extra)
        return problems + _sessions_problems(path / "training")
    if has_files or _refused(path):  # a folder of files that is not a year folder: check each file
        problems = _refused(path)
        for f in sorted(path.glob("*.csv")):
            if _kind(f):
                problems += _validate_file(f)
        return problems
    years = sorted(p for p in path.iterdir() if p.is_dir() and _is_year_name(p.name))
    problems = misnamed_years(path) + copied_years(path)
    if not years:
        empty = Problem(where, None, None, "no data here: expected year folders (e.g. 2024/) or scores.csv and "
                                           "entries.csv")
        return problems + ([] if any(p.is_error for p in problems) else [empty])
    if (path / "rubric.toml").exists():
        problems += _rubric_for(None, path)[1]
    if (path / "conflicts.csv").exists():
        problems += _validate_file(path / "conflicts.csv")
    problems += check_people(path)
    for y in years:
        problems += _validate_dir(y)
    return problems


def validate_paths(paths) -> list[Problem]:
    """Check input files and folders, as ``scoring validate PATH...`` does.

    Parameters
    ----------
    paths : files or folders. A folder is a data dir (holding year folders) or one year
        folder; every scores, entries and training file in it is checked, with cross-file
        checks. A file's kind comes from its name (``scores*.csv``, ``entries*.csv``,
        ``training*.csv``) or else its header; its year from a folder named by a year in the
        digits 0–9, and then the rubric from that folder's data dir (else the default rubric).
        A folder whose name reads as a year but is not written in the digits 0–9 ("２０２４")
        is refused by name. A scores file's entry ids are checked against the ``entries.csv``
        beside it. Every value holding a bidi control or a control character gets a note.
        A year's change log (``changes.csv``, or a ``changes*.csv`` given alone) is checked
        against the ``scores.csv`` beside it (:func:`scoring.data.changes.check_changes`): a
        malformed log is an error, a hand edit of ``scores.csv`` a note, no log nothing.

    Returns
    -------
    list of Problem
        Errors and notes, without repeats; empty when everything is clean. Never raises on
        bad input (missing paths, unreadable files and empty folders are problems).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    problems: list[Problem] = []
    for p in paths:
        p = Path(p)
        try:
            if not p.exists():
                problems.append(Problem(display_path(p), None, None, "no such file or folder"))
            elif p.is_dir():
                problems += _validate_dir(p)
            else:
                problems += _validate_file(p)
        except OSError as e:  # a file no check read through its reader: named, and the other paths still checked
            problems.append(Problem(display_path(e.filename or p), None, None, os_reason(e)))
    seen: set[Problem] = set()
    unique = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique
