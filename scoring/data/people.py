"""The private list of people: ``data/people.csv``, who each code is and where their reports go.

``<data_dir>/people.csv``: ``code, name, email``, one row per person the award office sends
reports to. ``code`` is one of

* an examiner's code (``E07``), checked by :func:`scoring.data.scores.code_problem`;
* a trainee's ``<session>/<trainee code>`` (``grundutbildning/T03``), or, because a session's
  name often comes back every year, ``<year>/<session>/<trainee code>``
  (``2024/grundutbildning/T03``), which wins over the form without a year for that year;
* an entry id (``2024-07``): the unit's contact;
* ``jury`` (:data:`SHARED`): whoever receives the jury's zip (the jury's secretary).

``name`` may be blank (a function mailbox); ``email`` is required. The file is personal data:
it is read only to write the send list (``data/<year>/utskick.csv``, with ``scoring report
--bundle``) and by the privacy guard, which proves that no report holds a name or an address
from it. It is never read into a report or a notebook, and no report shows anything from it.

:func:`read_people` returns ``(frame, problems)`` and never raises on bad input;
:func:`load_people` reads a data folder's file (the entry ids of every year accepted as codes) and
:func:`check_people` gives its problems, as ``scoring validate`` would;
:func:`personal_data` gives every name and address of the file, also of rows with errors,
for the privacy guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from ..problems import InputError, Problem, display_path
from .scores import code_problem
from .tables import _YEAR, _header_problems, _show, read_csv_table

__all__ = [
    "PEOPLE_COLUMNS",
    "PEOPLE_FILE",
    "SHARED",
    "check_people",
    "email_problem",
    "load_people",
    "people_path",
    "personal_data",
    "read_people",
]

#: The file's name in the data folder (one file for all years).
PEOPLE_FILE = "people.csv"
#: Columns of the frame :func:`read_people` returns.
PEOPLE_COLUMNS = ("code", "name", "email", "line")
#: Codes of recipients who are no single report's person: the zip of a kind's shared reports
#: goes to the code that is its name without ``.zip`` (``jury.zip`` to ``jury``).
SHARED = frozenset({"jury"})

#: Header names accepted for the columns (``E-mail`` reads as ``e_mail``).
_ALIASES = {"e_mail": "email"}
#: An e-mail address: a local part of the characters addresses use (no leading, trailing or double
#: dot), ``@``, and a domain of labels (letters, digits, inner hyphens) ending in a name of letters.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(rf"{_LOCAL}@(?:{_LABEL}\.)+[^\W\d_]{{2,}}")
#: What a spreadsheet reads as the start of a formula.
_FORMULA = ("=", "+", "-", "@")


def people_path(data_dir: str | Path) -> Path:
    """``<data_dir>/people.csv``."""
    return Path(data_dir) / PEOPLE_FILE


def email_problem(email: str) -> str | None:
    """Why ``email`` is not an e-mail address, or None when it is one."""
    email = str(email)
    if not email:
        return "email is blank: give the address the reports are sent to"
    if "<" in email or " " in email.strip():
        return f"'{_show(email)}' is not an e-mail address: write the address alone (name@example.org)"
    if email.startswith(_FORMULA):
        return f"'{_show(email)}' starts with {email[0]}, which a spreadsheet reads as a formula"
    if not _EMAIL.fullmatch(email):
        return f"'{_show(email)}' is not an e-mail address (name@example.org)"
    return None


def _code_problem(code: str, entry_ids: frozenset[str]) -> str | None:
    """Why ``code`` is no recipient's code (see the module), or None."""
    if not code:
        return "code is blank: every row needs one (an examiner's code, <session>/<trainee code>, an entry id or jury)"
    if code.casefold() in SHARED or code in entry_ids:
        return None
    if "/" in code:
        parts = code.split("/")
        if len(parts) == 3 and not _YEAR.fullmatch(parts[0]):
            return f"'{_show(code)}' is not <year>/<session>/<trainee code>: '{_show(parts[0])}' is not a year"
        session, trainee = parts[-2:]
        if len(parts) > 3 or not session or not session.strip(".") or session != session.strip() or not trainee:
            return f"'{_show(code)}' is not <session>/<trainee code> (e.g. grundutbildning/T03)"
        why = code_problem(trainee, person="trainee")
        return f"the trainee code of '{_show(code)}': {why}" if why else None
    why = code_problem(code)
    if why and entry_ids:
        why += "; nor is it an entry id of any year"
    return why


def read_people(path: str | Path, entry_ids: Iterable[str] = ()) -> tuple[pd.DataFrame, list[Problem]]:
    """The people of ``people.csv`` (:data:`PEOPLE_COLUMNS`, ``name`` "" when blank) and its problems.

    Every problem is named by file, row and column: a blank or malformed code (an examiner's or a
    trainee's code is checked as everywhere, :func:`~scoring.data.scores.code_problem`), a code
    given twice (compared ignoring case, as the privacy guard compares codes), an ``email`` that
    is not an address, a name or address a spreadsheet would read as a formula. ``entry_ids``:
    the entry ids of the data, accepted as codes whatever they look like. A row with an error
    is left out of the frame.
    """
    path = Path(path)
    where = display_path(path)
    known = frozenset(str(e) for e in entry_ids)
    table, problems = read_csv_table(path, where)
    records: list[dict] = []
    if table is not None:
        columns = {_ALIASES.get(c, c): i for c, i in table.columns.items()}
        renamed = [_ALIASES.get(c, c) for c in table.columns]
        problems += _header_problems(replace(table, header=renamed, columns=columns), where, PEOPLE_COLUMNS[:-1],
                                     ("code", "email"))
        if "code" in columns and "email" in columns:
            first: dict[str, tuple[int, str]] = {}
            for line, cells in table.rows:
                code, name, email = (cells[columns[c]] if c in columns else "" for c in ("code", "name", "email"))
                name = " ".join(name.split())
                bad = []
                why = _code_problem(code, known)
                if why:
                    bad.append(Problem(where, line, "code", why))
                elif code.casefold() in first:
                    earlier, spelled = first[code.casefold()]
                    same = "" if spelled == code else f" as '{spelled}' (codes are compared ignoring case)"
                    bad.append(Problem(where, line, "code", f"code '{code}' is already on line {earlier}{same}"))
                if name.startswith(_FORMULA):
                    bad.append(Problem(where, line, "name", f"name '{_show(name)}' starts with {name[0]}, which "
                                                            "a spreadsheet reads as a formula"))
                why = email_problem(email)
                if why:
                    bad.append(Problem(where, line, "email", why))
                problems += bad
                if not bad:
                    first[code.casefold()] = (line, code)
                    records.append({"code": code, "name": name, "email": email, "line": line})
    frame = pd.DataFrame(records, columns=list(PEOPLE_COLUMNS)).astype(
        {"code": str, "name": str, "email": str, "line": "int64"})
    return frame, problems


def personal_data(path: str | Path) -> tuple[list[str], list[str]]:
    """Every name and every e-mail address in ``people.csv``, of every row, also of rows with
    errors (the privacy guard looks for all of them).

    Raises :class:`~scoring.problems.InputError` when they cannot be known: the file cannot be
    read, or it has no ``email`` column or names without a ``name`` column.
    """
    path = Path(path)
    where = display_path(path)
    table, problems = read_csv_table(path, where)
    if table is None:
        raise InputError(problems)
    columns = {_ALIASES.get(c, c): i for c, i in table.columns.items()}
    missing = [c for c in ("name", "email") if c not in columns]
    if missing:
        raise InputError([Problem(where, table.header_line, c, f"missing column '{c}': without it the privacy "
                                                                "guard cannot know what no report may hold")
                          for c in missing])
    names = [" ".join(cells[columns["name"]].split()) for _, cells in table.rows]
    emails = [cells[columns["email"]].strip() for _, cells in table.rows]
    return [n for n in names if n], [e for e in emails if e]


def load_people(data_dir: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """``<data_dir>/people.csv`` read by :func:`read_people`, every year's entry ids accepted as codes.

    Raises FileNotFoundError when there is no such file.
    """
    data_dir = Path(data_dir)
    path = people_path(data_dir)
    if not path.exists():
        raise FileNotFoundError(f"{display_path(path)} does not exist")
    return read_people(path, entry_ids=_entry_ids(data_dir))


def check_people(data_dir: str | Path) -> list[Problem]:
    """The problems of ``<data_dir>/people.csv`` as :func:`load_people` finds them (none when
    there is no such file): what ``scoring validate`` reports for it."""
    if not people_path(data_dir).exists():
        return []
    return load_people(data_dir)[1]


def _entry_ids(data_dir: Path) -> set[str]:
    """Every entry id of every year's ``entries.csv`` (read as text: the ids only)."""
    ids: set[str] = set()
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        entries = year_dir / "entries.csv"
        if _YEAR.fullmatch(year_dir.name) and entries.is_file():
            table, _ = read_csv_table(entries, display_path(entries))
            if table is not None and "entry_id" in table.columns:
                ids.update(cells[table.columns["entry_id"]] for _, cells in table.rows)
    return ids - {""}
