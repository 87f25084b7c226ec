"""The award office's register: examiners (``examiners.csv``), conflicts of interest
(``conflicts.csv``) and the planned teams (``assignments.csv``).

``<data_dir>/<year>/examiners.csv``: ``examiner_id, experienced`` (ja/nej) and optionally
``administration``, ``district``, ``max_entries`` (the most entries the examiner takes).
``<data_dir>/conflicts.csv``: ``examiner_id``, one of ``entry_id``, ``unit_id``, ``district``,
and ``reason``: the declared conflicts of interest (jäv), besides the examiner's own
administration and district. ``<data_dir>/<year>/assignments.csv``: ``entry_id, examiner_id``.

Every reader returns ``(frame, problems)`` and never raises on bad input; :func:`load_register`
reads a year's register with the cross-file checks (unknown codes, entries and districts named
with file, row and column) and raises :class:`~scoring.problems.InputError` on an error.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..files import write_atomically
from ..names import place_key
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric
from .entries import YES_NO, read_entries
from .scores import _Memo, code_problem
from .tables import _WHOLE, _header_problems, _show, read_csv_table

__all__ = [
    "ASSIGNMENT_COLUMNS",
    "CONFLICT_COLUMNS",
    "EXAMINER_COLUMNS",
    "Register",
    "STATUS",
    "check_assignments",
    "check_conflicts",
    "check_register",
    "conflicts_path",
    "load_register",
    "read_assignments",
    "read_conflicts",
    "read_examiners",
    "hand_in_status",
    "write_assignments",
]

EXAMINER_COLUMNS = ("examiner_id", "experienced", "administration", "district", "max_entries", "line")
CONFLICT_COLUMNS = ("examiner_id", "entry_id", "unit_id", "district", "reason", "line")
ASSIGNMENT_COLUMNS = ("entry_id", "examiner_id", "line")
_CONFLICT_TARGETS = ("entry_id", "unit_id", "district")


def conflicts_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / "conflicts.csv"


def _rows(path: Path, known: tuple[str, ...], required: tuple[str, ...], empty_ok: bool = False):
    """The table's rows as (line, get, problems) with the header checked; None when unreadable.
    ``empty_ok``: a header without rows is a file with nothing in it yet, not a problem."""
    where = display_path(path)
    table, problems = read_csv_table(path, where)
    if table is None:
        return None, problems
    if empty_ok and table.n_rows == 0:
        problems = [p for p in problems if not p.message.startswith("no rows:")]
    problems += _header_problems(table, where, known, required)
    if not all(c in table.columns for c in required):
        return None, problems

    def rows():
        for line, cells in table.rows:
            yield line, (lambda c, cells=cells: cells[table.columns[c]] if c in table.columns else "")

    return rows(), problems


def _code_problem(code: str) -> str | None:
    """Why a row's ``examiner_id`` is no examiner's code (blank included), or None."""
    return code_problem(code) if code else "examiner_id is blank; every row needs one"


def read_examiners(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The year's examiners (:data:`EXAMINER_COLUMNS`): ``experienced`` boolean,
    ``administration`` and ``district`` text ("" when blank), ``max_entries`` Int64 (NA: no limit)."""
    path = Path(path)
    where = display_path(path)
    rows, problems = _rows(path, EXAMINER_COLUMNS[:-1], ("examiner_id", "experienced"))
    records, first = [], {}
    for line, get in rows or ():
        bad = []
        code = get("examiner_id")
        why = _code_problem(code)
        if why:
            bad.append(Problem(where, line, "examiner_id", why))
        elif code in first:
            bad.append(Problem(where, line, "examiner_id", f"examiner '{code}' is already on line {first[code]}"))
        experienced = YES_NO.get(get("experienced").casefold())
        if experienced is None:
            bad.append(Problem(where, line, "experienced", f"experienced '{_show(get('experienced'))}' is not ja/nej "
                                                           "(or yes/no, true/false, 1/0)"))
        most = re.sub(r"\s", "", get("max_entries"))
        if most and not (_WHOLE.fullmatch(most) and int(float(most.replace(",", "."))) >= 1):
            bad.append(Problem(where, line, "max_entries", f"max_entries '{_show(most)}' is not a whole number of "
                                                           "at least 1; leave it blank for no limit"))
        problems += bad
        if not bad:
            first[code] = line
            records.append({"examiner_id": code, "experienced": experienced,
                            "administration": " ".join(get("administration").split()),
                            "district": " ".join(get("district").split()),
                            "max_entries": int(float(most.replace(",", "."))) if most else None, "line": line})
    frame = pd.DataFrame(records, columns=list(EXAMINER_COLUMNS))
    frame = frame.astype({"examiner_id": str, "experienced": bool, "administration": str, "district": str,
                          "line": "int64"})
    frame["max_entries"] = pd.array(frame["max_entries"].tolist(), dtype="Int64")
    return frame, problems


def read_conflicts(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The declared conflicts of interest (:data:`CONFLICT_COLUMNS`; "" where a column is not used)."""
    path = Path(path)
    where = display_path(path)
    rows, problems = _rows(path, CONFLICT_COLUMNS[:-1], ("examiner_id", "reason"), empty_ok=True)
    records = []
    for line, get in rows or ():
        bad = []
        code = get("examiner_id")
        why = _code_problem(code)
        if why:
            bad.append(Problem(where, line, "examiner_id", why))
        targets = [c for c in _CONFLICT_TARGETS if get(c)]
        if len(targets) != 1:
            bad.append(Problem(where, line, "entry_id", "give exactly one of entry_id, unit_id and district (the "
                                                        f"row has {len(targets) or 'none'})"))
        if not get("reason"):
            bad.append(Problem(where, line, "reason", "reason is blank: say why the examiner has a conflict of "
                                                      "interest (jäv)"))
        problems += bad
        if not bad:
            records.append({c: " ".join(get(c).split()) for c in CONFLICT_COLUMNS[:-1]} | {"line": line})
    frame = pd.DataFrame(records, columns=list(CONFLICT_COLUMNS)).astype({"line": "int64"})
    return frame, problems


def read_assignments(path: str | Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The planned teams (:data:`ASSIGNMENT_COLUMNS`); a repeated pair is reported and kept once."""
    path = Path(path)
    where = display_path(path)
    rows, problems = _rows(path, ASSIGNMENT_COLUMNS[:-1], ASSIGNMENT_COLUMNS[:-1])
    records, first = [], {}
    why_not = _Memo(_code_problem)  # a national year's plan: 30,000 rows, 1,000 codes
    for line, get in rows or ():
        pair = (get("entry_id"), get("examiner_id"))
        why = why_not[pair[1]]
        if not pair[0]:
            problems.append(Problem(where, line, "entry_id", "entry_id is blank; every row needs one"))
        elif why:
            problems.append(Problem(where, line, "examiner_id", why))
        elif pair in first:
            problems.append(Problem(where, line, "examiner_id", f"{pair[1]} on {pair[0]} is already on line "
                                                                f"{first[pair]}"))
        else:
            first[pair] = line
            records.append({"entry_id": pair[0], "examiner_id": pair[1], "line": line})
    return pd.DataFrame(records, columns=list(ASSIGNMENT_COLUMNS)).astype({"line": "int64"}), problems


def _unknown(where: str, line: int, column: str, value: str, known, what: str) -> Problem:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return Problem(where, line, column, f"{what} '{_show(value)}' is not known{hint}")


def check_register(data_dir: Path, entries: dict[int, pd.DataFrame], examiners: dict[int, pd.DataFrame],
                   conflicts: pd.DataFrame) -> list[Problem]:
    """Cross-file checks of the conflicts register against every year's entries and examiners:
    an unknown examiner code, entry, unit or district is named with file, row and column."""
    where = display_path(conflicts_path(data_dir))
    codes = {c for df in examiners.values() for c in df["examiner_id"]}
    entry_ids = {e for df in entries.values() for e in df["entry_id"]}
    units = {u for df in entries.values() if "unit_id" in df for u in df["unit_id"].dropna() if u}
    districts = {place_key(d) for df in [*entries.values(), *examiners.values()] for d in df["district"].dropna() if d}
    problems = []
    for _, c in conflicts.iterrows():
        line = int(c["line"])
        if codes and c["examiner_id"] not in codes:
            problems.append(_unknown(where, line, "examiner_id", c["examiner_id"], codes,
                                     "examiner (in no year's examiners.csv)"))
        if c["entry_id"] and c["entry_id"] not in entry_ids:
            problems.append(_unknown(where, line, "entry_id", c["entry_id"], entry_ids, "entry (in no year's "
                                                                                        "entries.csv)"))
        if c["unit_id"] and c["unit_id"] not in units:
            problems.append(_unknown(where, line, "unit_id", c["unit_id"], units, "unit (in no year's entries.csv)"))
        if c["district"] and place_key(c["district"]) not in districts:
            problems.append(_unknown(where, line, "district", c["district"], districts, "district (in no "
                                                                                        "entries.csv or "
                                                                                        "examiners.csv)"))
    return problems


def _all_years(data_dir: Path, rubric: Rubric) -> tuple[dict, dict, list[Problem]]:
    """Every year's entries and examiners (frames by year) and their problems, by year."""
    entries, examiners, problems = {}, {}, {}
    for y in _years(data_dir):
        for name, reader, store in (("entries.csv", lambda p: read_entries(p, rubric), entries),
                                    ("examiners.csv", read_examiners, examiners)):
            path = data_dir / str(y) / name
            if path.exists():  # a folder in its place is named by the reader
                store[y], probs = reader(path)
                problems.setdefault(y, []).extend(probs)
    return entries, examiners, problems


def check_conflicts(data_dir: str | Path, rubric: Rubric) -> list[Problem]:
    """Every problem of ``<data_dir>/conflicts.csv``, checked against every year's entries and examiners."""
    data_dir = Path(data_dir)
    conflicts, problems = read_conflicts(conflicts_path(data_dir))
    entries, examiners, _ = _all_years(data_dir, rubric)
    return problems + check_register(data_dir, entries, examiners, conflicts)


def check_assignments(year_dir: Path, rubric: Rubric) -> list[Problem]:
    """Every problem of a year's ``assignments.csv``, its entries and examiners checked against the
    year's ``entries.csv`` and ``examiners.csv`` (where these exist)."""
    path = year_dir / "assignments.csv"
    where = display_path(path)
    assignments, problems = read_assignments(path)
    checks = []
    if (year_dir / "entries.csv").exists():
        checks.append(("entry_id", set(read_entries(year_dir / "entries.csv", rubric)[0]["entry_id"]), "entry",
                       "entries.csv"))
    if (year_dir / "examiners.csv").exists():
        checks.append(("examiner_id", set(read_examiners(year_dir / "examiners.csv")[0]["examiner_id"]),
                       "examiner", "examiners.csv"))
    for column, known, what, name in checks:
        for _, r in assignments.iterrows():
            if known and r[column] not in known:
                problems.append(_unknown(where, int(r["line"]), column, r[column], known, f"{what} (not in {name})"))
    return problems


@dataclass
class Register:
    """A year's register as the team plan reads it (see the module)."""

    year: int
    entries: pd.DataFrame
    examiners: pd.DataFrame
    conflicts: pd.DataFrame
    assignments: pd.DataFrame | None
    problems: list[Problem]


def _years(data_dir: Path) -> list[int]:
    return sorted(int(p.name) for p in data_dir.iterdir() if p.is_dir() and re.fullmatch(r"[0-9]{4}", p.name))


def load_register(year: int, data_dir: str | Path, rubric: Rubric) -> Register:
    """The year's entries, examiners, the conflicts register and the assignments (None when there
    are none), checked across files; notes in ``problems``.

    Raises
    ------
    InputError
        Naming file, row and column of every error (a missing ``examiners.csv`` included).
    """
    data_dir = Path(data_dir)
    folder = data_dir / str(year)
    problems: list[Problem] = []
    for name in ("entries.csv", "examiners.csv"):
        if not (folder / name).exists():
            problems.append(Problem(display_path(folder / name), None, None, "file not found: the team plan needs "
                                                                             f"{name} in the year's folder"))
    if problems:
        raise InputError(problems)
    entries, examiners, by_year = _all_years(data_dir, rubric)
    problems += by_year.get(year, [])
    path = conflicts_path(data_dir)
    conflicts, probs = read_conflicts(path) if path.exists() else (pd.DataFrame(columns=list(CONFLICT_COLUMNS)), [])
    problems += probs + check_register(data_dir, entries, examiners, conflicts)
    assignments = None
    path = folder / "assignments.csv"
    if path.exists():
        assignments, probs = read_assignments(path)
        problems += probs
    if any(p.is_error for p in problems):
        raise InputError([p for p in problems if p.is_error])
    return Register(year, entries[year], examiners[year], conflicts, assignments, problems)


def write_assignments(path: str | Path, assignments: pd.DataFrame) -> Path:
    """Write ``assignments.csv`` (``entry_id, examiner_id``, sorted) atomically."""
    rows = assignments[["entry_id", "examiner_id"]].sort_values(["entry_id", "examiner_id"])
    return write_atomically(path, rows.to_csv(index=False, lineterminator="\n"))


#: What :func:`hand_in_status` says of an examiner, most urgent first.
STATUS = ("not started", "incomplete", "done")


def _criterion_scores(year: int, data_dir: str | Path, rubric: Rubric) -> pd.DataFrame:
    """The year's scores per criterion: the checked year's when it reads cleanly with this rubric
    (read once per state of the files, :func:`scoring.data.year_data`), else ``scores.csv`` alone."""
    from .scores import criterion_scores, read_scores
    from .years import year_data

    try:
        yd = year_data(year, data_dir)
    except InputError:
        yd = None
    if yd is not None and yd.rubric == rubric:
        return yd.scores
    scores, problems = read_scores(Path(data_dir) / str(year) / "scores.csv", rubric, year=year)
    if any(p.is_error for p in problems):
        raise InputError([p for p in problems if p.is_error])
    return criterion_scores(scores, rubric)


def hand_in_status(year: int, data_dir: str | Path, rubric: Rubric) -> pd.DataFrame:
    """Who has handed in what, against ``assignments.csv``: one row per planned examiner.

    Columns ``examiner_id``, ``planned`` (entries in the plan), ``complete`` (planned entries
    with an individual score on every criterion in ``scores.csv``), ``started`` (with at least
    one), ``missing`` (the planned entries not complete, comma-separated) and ``status``
    (:data:`STATUS`). Sorted most urgent first. Raises InputError when the files are unusable.
    """
    from .scores import individual

    folder = Path(data_dir) / str(year)
    path = folder / "assignments.csv"
    if not path.exists():
        raise InputError([Problem(display_path(path), None, None, "file not found: no team plan for this year "
                                                                  "(write one with `scoring plan`)")])
    assignments, problems = read_assignments(path)
    if any(p.is_error for p in problems):
        raise InputError([p for p in problems if p.is_error])
    scored = pd.DataFrame(columns=["entry_id", "examiner_id", "criterion"])
    if (folder / "scores.csv").exists():
        scored = individual(_criterion_scores(year, data_dir, rubric))[["entry_id", "examiner_id", "criterion"]]
    sizes = scored.drop_duplicates().groupby(["entry_id", "examiner_id"]).size()
    n_criteria = dict(zip(sizes.index, sizes.tolist(), strict=True))
    plan: dict[str, list[str]] = {}  # each examiner's planned entries, as lists (a national year: 30,000 rows)
    for entry, code in zip(assignments["entry_id"].tolist(), assignments["examiner_id"].tolist(), strict=True):
        plan.setdefault(code, []).append(entry)
    rows = []
    for code in sorted(plan):
        planned = plan[code]
        counts = [n_criteria.get((e, code), 0) for e in planned]
        complete = [n >= len(rubric.criterion_ids) for n in counts]
        missing = [e for e, ok in zip(planned, complete, strict=True) if not ok]
        started = sum(n > 0 for n in counts)
        rows.append({"examiner_id": code, "planned": len(planned), "complete": sum(complete), "started": started,
                     "missing": ", ".join(sorted(missing)),
                     "status": STATUS[2] if not missing else STATUS[1] if started else STATUS[0]})
    out = pd.DataFrame(rows, columns=["examiner_id", "planned", "complete", "started", "missing", "status"])
    return out.sort_values(["status", "examiner_id"], key=lambda c: c.map(STATUS.index) if c.name == "status"
                           else c, kind="stable").reset_index(drop=True)
