"""Reading and validating the input files of a year: scores, entries and the training case.

A year's files live in ``<data_dir>/<year>/``: ``scores.csv`` and ``entries.csv`` (both
required), an optional ``rubric.toml`` override and the year's training sessions in
``training/<session>/`` (read by :mod:`scoring.kinds.training.session`; ``scoring validate`` checks them
too). A ``training.csv`` (same columns as ``scores.csv``), the layout before training
sessions, is still read. Only folders with a 4-digit name are years.

Every input row is either used or reported: each reader returns the rows it could use
and a list of :class:`~scoring.problems.Problem`, one per thing wrong, located by file,
line (the header is line 1) and column. Nothing here raises on bad input except
:func:`load_year`, which raises :class:`~scoring.problems.InputError` carrying every
error it found.

Accepted input: UTF-8 with or without BOM (a Windows-1252 file is read with a note);
comma-, semicolon- (Swedish Excel) or tab-separated, the delimiter sniffed from the
header line; a decimal comma in numbers ("4,5"); whitespace around values; blank lines.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from .paths import DATA_DIR, RUBRIC_PATH
from .problems import InputError, Problem, display_path
from .rubric import STAGES, Rubric, load_rubric

__all__ = [
    "examiner_codes",
    "SCORE_COLUMNS",
    "SCORE_INPUT_COLUMNS",
    "SCORE_REQUIRED_COLUMNS",
    "ENTRY_COLUMNS",
    "NOT_PEOPLE",
    "YES_NO",
    "CsvTable",
    "YearData",
    "History",
    "LeftOutYear",
    "available_years",
    "check_score_rows",
    "class_id_for",
    "column_name",
    "criterion_scores",
    "load_history",
    "load_year",
    "missing_entries",
    "read_csv_table",
    "read_entries",
    "read_scores",
    "rubric_for",
    "scores_frame",
    "sessions_dir",
    "sniff_delimiter",
    "validate_paths",
    "year_folder",
]

#: Columns of the DataFrame returned by :func:`read_scores`, in order.
SCORE_COLUMNS = (
    "year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment", "line",
)
#: Columns a scores file may have, in the order the project writes them.
SCORE_INPUT_COLUMNS = ("year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment")
#: Columns every scores file must have.
SCORE_REQUIRED_COLUMNS = ("year", "entry_id", "examiner_id", "criterion", "score")

#: Columns of the DataFrame returned by :func:`read_entries`, in order.
ENTRY_COLUMNS = ("entry_id", "name", "class", "district", "staff_count", "budget_in_balance", "line")
_ENTRY_INPUT = ("entry_id", "name", "class", "district", "staff_count", "budget_in_balance")
_ENTRY_REQUIRED = ("entry_id", "name", "class")

#: ``examiner_id`` values that stand for no person: a team's agreed score, the reference scores.
NOT_PEOPLE = frozenset({"TEAM", "REF"})

#: One criterion-level score is unique on these columns.
KEY = ("year", "entry_id", "examiner_id", "criterion", "stage")

_STAGE_ALIASES = {
    "individuell": "individual",
    "konsensus": "consensus",
    "sitevisit": "site_visit",
    "platsbesök": "site_visit",
    "platsbesok": "site_visit",
    "referens": "reference",
    "referensbedömning": "reference",
    "facit": "reference",
}
#: Words read as yes and no (``budget_in_balance``), case-folded.
YES_NO = {
    "ja": True, "yes": True, "true": True, "1": True, "sant": True,
    "nej": False, "no": False, "false": False, "0": False, "falskt": False,
}
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_WHOLE = re.compile(r"\d+([.,]0*)?")
_YEAR = re.compile(r"\d{4}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _show(text: str, limit: int = 40) -> str:
    """A value as quoted in a message: on one line, shortened when long."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(x: float) -> str:
    return f"{x:g}"


def _lines(lines: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (", …" if len(lines) > limit else "")


# --------------------------------------------------------------------------- reading CSV text


@dataclass
class CsvTable:
    """A CSV file split into cells (:func:`read_csv_table`).

    ``header``: column names as :func:`column_name` gives them ('' for an unnamed column) on
    line ``header_line``; ``columns``: name -> index of its first occurrence; ``rows``:
    (line, stripped cells padded to the header width) for every non-blank row that could be
    split; ``n_rows``: every non-blank data row, including those already reported by the
    reader; ``delimiter``: the one the file uses.
    """

    header: list[str]
    header_line: int
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]
    n_rows: int
    delimiter: str


def _decode(data: bytes, path: Path) -> tuple[str | None, str | None]:
    """``(text, note)`` for text, ``(None, message)`` when the bytes are not CSV text."""
    not_csv = "not a CSV text file"
    if data.startswith(b"PK\x03\x04"):
        if b"xl/" in data or path.suffix.lower() in (".xlsx", ".xlsm"):
            return None, (
                f"{not_csv}: it is an Excel workbook; read a scorebook in with "
                "`scoring import FILE.xlsx --year YEAR`, or save the sheet as 'CSV UTF-8'"
            )
        return None, f"{not_csv}: it is a zip archive"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, f"{not_csv}: it is an old Excel workbook (.xls); save the sheet as 'CSV UTF-8'"
    note = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
            note = "read as UTF-16 text; save as 'CSV UTF-8' instead"
        except UnicodeDecodeError:
            return None, f"{not_csv} (binary data)"
    elif b"\x00" in data:
        return None, f"{not_csv} (binary data)"
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                return None, f"{not_csv} (binary data, or an unknown text encoding)"
            note = (
                "not UTF-8: read as Windows-1252 (Excel's 'CSV' on Swedish Windows); "
                "check å, ä, ö and save as 'CSV UTF-8' next time"
            )
    if len(_CONTROL.findall(text)) > max(1, len(text) // 1000):
        return None, f"{not_csv} (binary data)"
    return text, note


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of , ; and tab outside quotes."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def column_name(name: str) -> str:
    """A header cell as a column name: trimmed, case-folded, spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().casefold())


def read_csv_table(path: Path, where: str) -> tuple[CsvTable | None, list[Problem]]:
    """Read a CSV file into cells: the project's one CSV reader.

    Accepts what the module docstring lists (encodings, delimiters, Excel's ``sep=`` line,
    blank lines). ``where`` names the file in the problems. Returns ``(table, problems)``,
    or ``(None, problems)`` when the file cannot be read at all; never raises.
    """

    def fail(message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(where, None, None, message)]

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return fail("file not found")
    except IsADirectoryError:
        return fail("is a folder, not a file")
    except PermissionError:
        return fail("cannot read the file: permission denied")
    except OSError as e:
        return fail(f"cannot read the file: {e.strerror or e}")
    if not data:
        return fail("the file is empty (0 bytes)")
    text, note = _decode(data, Path(path))
    if text is None:
        return fail(note)
    problems = [Problem(where, None, None, note, "note")] if note else []

    lines = text.splitlines()
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        return None, problems + [Problem(where, None, None, "the file is empty")]
    skip = 0
    m = re.fullmatch(r"\s*sep=(.)\s*", lines[first])  # Excel's delimiter hint line
    if m:
        delimiter, skip = m.group(1), first + 1
    else:
        delimiter = sniff_delimiter(lines[first])

    stream = io.StringIO(text, newline="")
    for _ in range(skip):
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    n_rows = 0
    line_before = skip
    try:
        for cells in reader:
            line = line_before + 1
            line_before = skip + reader.line_num
            cells = [c.strip() for c in cells]
            if not any(cells):
                continue  # blank line
            if header is None:
                header = [column_name(c) for c in cells]
                header_line = line
                continue
            n_rows += 1
            n = len(header)
            if len(cells) > n:
                message = f"row has {len(cells)} values but the header has {n} columns"
                split = False
                if delimiter == "," and len(cells) == n + 1 and "score" in header:
                    i = header.index("score")
                    split = cells[i].isdigit() and cells[i + 1].isdigit()
                    if split:
                        message += f"; a decimal comma must be quoted: \"{cells[i]},{cells[i + 1]}\""
                if split or any(cells[n:]):  # extra blank cells at the end are harmless
                    problems.append(Problem(where, line, None, message))
                    continue
            cells = (cells + [""] * n)[:n]
            spread = [i for i, c in enumerate(cells) if "\n" in c or "\r" in c]
            swallowed = any(
                s.count(delimiter) >= n - 1 for i in spread for s in cells[i].splitlines()[1:]
            )  # a multi-line comment holding what look like rows
            if swallowed or any(header[i] != "comment" for i in spread):
                last = line_before
                problems.append(
                    Problem(where, line, None, f"a value runs over lines {line}–{last}: is a quote (\") left open?")
                )
                continue
            rows.append((line, cells))
    except csv.Error as e:
        problems.append(Problem(where, line_before + 1, None, f"cannot split the line into values: {e}"))
    if header is None:
        return None, problems + [Problem(where, None, None, "the file is empty")]

    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in columns:
            problems.append(Problem(where, header_line, name, f"column '{name}' appears twice in the header"))
        else:
            columns[name] = i
    unnamed = [i for i, name in enumerate(header) if not name]
    if unnamed:
        kept = []
        for line, cells in rows:
            stray = next((cells[i] for i in unnamed if cells[i]), None)
            if stray is not None:
                problems.append(
                    Problem(where, line, None, f"value '{_show(stray)}' is in a column with no name in the header")
                )
            else:
                kept.append((line, cells))
        rows = kept
    if n_rows == 0:
        problems.append(Problem(where, None, None, "no rows: the file has a header but no data"))
    return CsvTable(header, header_line, columns, rows, n_rows, delimiter), problems


def _header_problems(table: CsvTable, where: str, known: tuple[str, ...], required: tuple[str, ...]) -> list[Problem]:
    problems = []
    present = list(table.columns)
    for col in required:
        if col not in table.columns:
            problems.append(
                Problem(where, table.header_line, col, f"missing required column '{col}' (the header has: "
                                                       f"{', '.join(present) or 'nothing'})")
            )
    for col in present:
        if col not in known:
            close = difflib.get_close_matches(col, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(where, table.header_line, col, f"unknown column '{col}' is ignored{hint}", "note"))
    return problems


def _parse_number(text: str) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "."))


# --------------------------------------------------------------------------- scores


def scores_frame(records: list[dict], located_by: tuple[str, ...] = ("line",)) -> pd.DataFrame:
    """Score records as a DataFrame with the project's column types.

    Parameters
    ----------
    records : dicts with the keys of :data:`SCORE_COLUMNS` before ``line`` and those in
        ``located_by`` (as :func:`check_score_rows` gives them, plus any location).
    located_by : the columns, after the score columns, that say where each score was
        read: ``("line",)`` (int) for a CSV file, ``("sheet", "cell")`` (text) for a
        scorebook.

    Returns
    -------
    DataFrame
        ``year`` int64, ``score`` float64, ``question`` Int64 (NA for a criterion-level
        score), ``line`` int64, every other column text; empty (with these columns and
        types) for no records.
    """
    col = {c: [r[c] for r in records] for c in (*SCORE_INPUT_COLUMNS, *located_by)}
    return pd.DataFrame(
        {
            "year": pd.Series(col["year"], dtype="int64"),
            "entry_id": pd.Series(col["entry_id"], dtype="str"),
            "examiner_id": pd.Series(col["examiner_id"], dtype="str"),
            "criterion": pd.Series(col["criterion"], dtype="str"),
            "score": pd.Series(col["score"], dtype="float64"),
            "stage": pd.Series(col["stage"], dtype="str"),
            "question": pd.array(col["question"], dtype="Int64"),
            "comment": pd.Series(col["comment"], dtype="str"),
            **{c: pd.Series(col[c], dtype="int64" if c == "line" else "str") for c in located_by},
        }
    )


def _score_row(
    get, present, line: int, where: str, rubric: Rubric, year: int | None
) -> tuple[dict, list[Problem]]:
    """Parse one scores row; the record is complete only when no error was found."""
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(where, line, column, message))

    rec: dict = {"line": line}
    for c in SCORE_REQUIRED_COLUMNS:
        if c in present and get(c) == "":
            bad(c, f"{c} is blank; every row needs one")

    y = get("year")
    if y:
        if not _YEAR.fullmatch(y):
            bad("year", f"year '{_show(y)}' is not a 4-digit year")
        else:
            rec["year"] = int(y)
            if year is not None and int(y) != year:
                bad("year", f"year {y} disagrees with the folder {year}; fix the year or move the row")

    if get("entry_id"):
        rec["entry_id"] = get("entry_id")

    ex = get("examiner_id")
    if ex:
        if any(ch.isspace() for ch in ex):
            bad("examiner_id", f"examiner_id '{_show(ex)}' looks like a person's name; use the examiner's "
                               "pseudonymous code (e.g. E07)")
        elif "@" in ex:
            bad("examiner_id", f"examiner_id '{_show(ex)}' looks like an e-mail address; use the examiner's "
                               "pseudonymous code (e.g. E07)")
        else:
            rec["examiner_id"] = ex

    crit = None
    cr = get("criterion")
    if cr:
        crit = rubric.criterion(cr)
        if crit is None:
            bad("criterion", f"'{_show(cr)}' is not a criterion; use one of: {', '.join(rubric.criterion_ids)} "
                             "or their Swedish labels")
        else:
            rec["criterion"] = crit.id

    sc = get("score")
    if sc:
        x = _parse_number(sc)
        scale = rubric.scale
        if x is None:
            bad("score", f"score '{_show(sc)}' is not a number")
        elif not (scale.min - 1e-9 <= x <= scale.max + 1e-9):
            bad("score", f"score {_num(x)} is outside the scale {_num(scale.min)}–{_num(scale.max)}")
        elif not scale.on_scale(x):
            bad("score", f"score {_num(x)} is not on the scale's step of {_num(scale.step)}")
        else:
            rec["score"] = x

    st = get("stage")
    if st == "":
        rec["stage"] = "individual"
    else:
        key = column_name(st)
        key = _STAGE_ALIASES.get(key, _STAGE_ALIASES.get(key.replace("_", ""), key))
        if key in STAGES:
            rec["stage"] = key
        else:
            bad("stage", f"stage '{_show(st)}' is not a stage; use one of: {', '.join(STAGES)}")

    q = get("question")
    rec["question"] = None
    if q:
        owner = rubric.question_criterion
        if not _WHOLE.fullmatch(q):
            bad("question", f"question '{_show(q)}' is not a question number")
        elif int(float(q.replace(",", "."))) not in owner:
            n = int(float(q.replace(",", ".")))
            have = f"questions {min(owner)}–{max(owner)}" if owner else "no questions; leave it blank"
            bad("question", f"question {n} is not in the rubric ({have})")
        else:
            n = int(float(q.replace(",", ".")))
            if crit is not None and owner[n] != crit.id:
                bad("question", f"question {n} belongs to {owner[n]}, not {crit.id}")
            else:
                rec["question"] = n

    rec["comment"] = get("comment")
    return rec, problems


def read_scores(
    path: str | Path, rubric: Rubric, *, year: int | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check a scores file (or a training file: same columns).

    Parameters
    ----------
    path : the CSV file.
    rubric : the year's rubric; scores are checked against its criteria, questions and scale.
    year : the year of the folder the file is in; rows with another ``year`` are problems.

    Returns
    -------
    scores : DataFrame
        One row per usable input row, columns :data:`SCORE_COLUMNS`: ``year`` (int),
        ``entry_id``, ``examiner_id``, ``criterion`` (the criterion id), ``score`` (float),
        ``stage`` (default "individual"), ``question`` (Int64, NA for a criterion-level
        score), ``comment`` ("" when blank), ``line`` (1-based line in the file).
    problems : list of Problem
        One per thing wrong. Every data row is either in ``scores`` or named by at least one
        problem; an exact duplicate row is kept once and reported as a note. Never raises.
    """
    where = display_path(path)
    year = int(year) if year is not None else None
    table, problems = read_csv_table(Path(path), where)
    if table is None:
        return scores_frame([]), problems
    problems += _header_problems(table, where, SCORE_INPUT_COLUMNS, SCORE_REQUIRED_COLUMNS)
    records, row_problems = check_score_rows(table.rows, table.columns, where, rubric, year=year)
    problems += row_problems
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return scores_frame(records), problems


def check_score_rows(
    rows, columns: dict[str, int], where: str, rubric: Rubric, *, year: int | None = None,
    duplicates: bool = True,
) -> tuple[list[dict], list[Problem]]:
    """Check score rows already split into text cells, exactly as :func:`read_scores` does.

    Parameters
    ----------
    rows : iterable of ``(line, cells)``: a number that locates the row (its line in a
        CSV file) and its cells as stripped strings.
    columns : column name (``year``, ``entry_id``, ...) -> index into ``cells``.
    where : the file as named in messages.
    rubric, year : as for :func:`read_scores`.
    duplicates : resolve repeated keys (exact duplicates kept once with a note,
        conflicting rows dropped with an error); False keeps every valid row.

    Returns
    -------
    records : list of dict
        One per row without problems, keys :data:`SCORE_COLUMNS` (``line`` is the row's number).
    problems : list of Problem
        Located by ``where``, the row's number and the column name.
    """
    complete = all(c in columns for c in SCORE_REQUIRED_COLUMNS)
    records: list[dict] = []
    problems: list[Problem] = []
    for line, cells in rows:
        def get(c, cells=cells):
            i = columns.get(c)
            return cells[i] if i is not None else ""

        rec, row_problems = _score_row(get, columns, line, where, rubric, year)
        problems += row_problems
        if complete and not row_problems:
            records.append(rec)
    if duplicates:
        records, dup_problems = _duplicates(records, where)
        problems += dup_problems
    return records, problems


def _duplicates(records: list[dict], where: str) -> tuple[list[dict], list[Problem]]:
    """Drop exact duplicates (note), conflicting rows (error) and criterion-level rows that
    clash with question rows of the same examiner and stage (error)."""
    problems: list[Problem] = []
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        groups.setdefault(tuple(r[k] for k in KEY) + (r["question"],), []).append(r)
    drop: set[int] = set()
    for key, rows in groups.items():
        if len(rows) < 2:
            continue
        what = ("entry, examiner, criterion, stage and question" if key[-1] is not None
                else "entry, examiner, criterion and stage")
        if len({r["score"] for r in rows}) == 1:
            for r in rows[1:]:
                problems.append(
                    Problem(where, r["line"], None, f"exact duplicate of line {rows[0]['line']}; counted once", "note")
                )
                drop.add(r["line"])
            continue
        for r in rows:
            others = [o for o in rows if o["score"] != r["score"]]
            named = ", ".join(f"{o['line']} (score {_num(o['score'])})" for o in others[:5])
            s = "s" if len(others) > 1 else ""
            problems.append(
                Problem(
                    where, r["line"], "score",
                    f"score {_num(r['score'])} conflicts with line{s} {named} for the same {what}; keep one",
                )
            )
            drop.add(r["line"])
    kept = [r for r in records if r["line"] not in drop]

    by_key: dict[tuple, list[dict]] = {}
    for r in kept:
        by_key.setdefault(tuple(r[k] for k in KEY), []).append(r)
    for rows in by_key.values():
        whole = [r for r in rows if r["question"] is None]
        parts = [r["line"] for r in rows if r["question"] is not None]
        if whole and parts:
            for r in whole:
                problems.append(
                    Problem(
                        where, r["line"], "question",
                        f"{r['criterion']} has both this criterion score and question scores "
                        f"(lines {_lines(parts)}) from {r['examiner_id']} at stage {r['stage']}; keep one or the other",
                    )
                )
                drop.add(r["line"])
    return [r for r in kept if r["line"] not in drop], problems


def criterion_scores(scores: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Roll question-level scores up to their criterion.

    Parameters
    ----------
    scores : long scores as returned by :func:`read_scores`. ``question``, ``stage``,
        ``comment`` and ``line`` are optional; criteria may be ids or Swedish labels.
    rubric : maps criterion labels to ids and gives the criterion order.

    Returns
    -------
    DataFrame
        One row per (year, entry_id, examiner_id, criterion, stage): ``score`` is the
        criterion-level score as given, or the mean of that examiner's question scores for
        the criterion and stage (so it may fall between the scale's steps);
        ``n_questions`` is the number of question scores behind it (0 for a score given at
        the criterion level); ``comment`` joins the question comments; ``line`` is the
        first line the score came from. Rows keep their input order.

    Raises
    ------
    ValueError
        When a key has both a criterion-level score and question scores, or two
        criterion-level scores (:func:`read_scores` reports and removes such rows).
    """
    df = scores.copy()
    keys = [k for k in KEY if k in df.columns or k == "stage"]
    if "stage" not in df.columns:
        df["stage"] = "individual"
    if "question" not in df.columns:
        df["question"] = pd.array([pd.NA] * len(df), dtype="Int64")
    if "comment" not in df.columns:
        df["comment"] = ""
    df["criterion"] = [(c.id if (c := rubric.criterion(x)) is not None else x) for x in df["criterion"]]
    df["comment"] = df["comment"].fillna("").astype("str")
    df["_order"] = range(len(df))
    has_line = "line" in df.columns
    if not has_line:
        df["line"] = pd.NA

    is_q = df["question"].notna().to_numpy()
    whole = df.loc[~is_q]
    if whole.duplicated(keys).any():
        k = whole.loc[whole.duplicated(keys), keys].iloc[0].to_dict()
        raise ValueError(f"more than one criterion-level score for {k}")
    parts = df.loc[is_q]
    if len(parts):
        rolled = (
            parts.groupby(keys, sort=False, dropna=False)
            .agg(
                score=("score", "mean"),
                n_questions=("score", "size"),
                comment=("comment", lambda s: " / ".join(c for c in s if c)),
                line=("line", "min"),
                _order=("_order", "min"),
            )
            .reset_index()
        )
        clash = rolled.merge(whole[keys], on=keys, how="inner")
        if len(clash):
            k = clash[keys].iloc[0].to_dict()
            raise ValueError(f"both a criterion-level score and question scores for {k}")
    else:
        rolled = None
    whole = whole.assign(n_questions=0)
    cols = keys + ["score", "n_questions", "comment", "line", "_order"]
    out = pd.concat([whole[cols]] + ([rolled[cols]] if rolled is not None else []), ignore_index=True)
    out = out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    out["score"] = out["score"].astype("float64")
    out["n_questions"] = out["n_questions"].astype("int64")
    out["comment"] = out["comment"].astype("str")
    if has_line:
        out["line"] = out["line"].astype(scores["line"].dtype)
    else:
        out = out.drop(columns="line")
    return out


# --------------------------------------------------------------------------- entries


def _entries_frame(records: list[dict]) -> pd.DataFrame:
    col = {c: [r[c] for r in records] for c in ENTRY_COLUMNS}
    return pd.DataFrame(
        {
            "entry_id": pd.Series(col["entry_id"], dtype="str"),
            "name": pd.Series(col["name"], dtype="str"),
            "class": pd.Series(col["class"], dtype="str"),
            "district": pd.Series(col["district"], dtype="str"),
            "staff_count": pd.array(col["staff_count"], dtype="Int64"),
            "budget_in_balance": pd.array(col["budget_in_balance"], dtype="boolean"),
            "line": pd.Series(col["line"], dtype="int64"),
        }
    )


def class_id_for(rubric: Rubric, text: str) -> str | None:
    """The id of the class ``text`` names: its id or Swedish label (case and spacing ignored,
    the label's part in parentheses optional); None when it names none."""
    k = " ".join(text.split()).casefold()
    for c in rubric.classes:
        label = " ".join(c.label_sv.split()).casefold()
        if k in (c.id.casefold(), label, label.split(" (")[0]):
            return c.id
    return None


def read_entries(path: str | Path, rubric: Rubric) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check an entries file.

    Parameters
    ----------
    path : the CSV file.
    rubric : the year's rubric; ``class`` must be one of its class ids or Swedish labels.

    Returns
    -------
    entries : DataFrame
        One row per usable entry, columns :data:`ENTRY_COLUMNS`: ``entry_id``, ``name``,
        ``class`` (the class id), ``district`` (NA when blank), ``staff_count`` (Int64),
        ``budget_in_balance`` (boolean, NA when unknown; ja/nej, yes/no, true/false, 1/0,
        sant/falskt), ``line``.
    problems : list of Problem
        One per thing wrong; a repeated entry_id is reported and only its first row kept.
        Never raises.
    """
    where = display_path(path)
    table, problems = read_csv_table(Path(path), where)
    if table is None:
        return _entries_frame([]), problems
    problems += _header_problems(table, where, _ENTRY_INPUT, _ENTRY_REQUIRED)
    complete = all(c in table.columns for c in _ENTRY_REQUIRED)

    records: list[dict] = []
    first_line: dict[str, int] = {}
    for line, cells in table.rows:
        def get(c, cells=cells):
            i = table.columns.get(c)
            return cells[i] if i is not None else ""

        row: list[Problem] = []

        def bad(column: str, message: str, row=row, line=line) -> None:
            row.append(Problem(where, line, column, message))

        rec = {"line": line, "entry_id": get("entry_id"), "name": get("name"), "district": get("district") or None}
        for c in _ENTRY_REQUIRED:
            if c in table.columns and get(c) == "":
                bad(c, f"{c} is blank; every row needs one")
        cl = get("class")
        if cl:
            rec["class"] = class_id_for(rubric, cl)
            if rec["class"] is None:
                bad("class", f"'{_show(cl)}' is not a class; use one of: {', '.join(rubric.class_ids)} or their "
                             "Swedish labels")
        sc = re.sub(r"\s", "", get("staff_count"))
        rec["staff_count"] = None
        if sc:
            if _WHOLE.fullmatch(sc):
                rec["staff_count"] = int(float(sc.replace(",", ".")))
            else:
                bad("staff_count", f"staff_count '{_show(get('staff_count'))}' is not a whole number")
        b = get("budget_in_balance")
        rec["budget_in_balance"] = YES_NO.get(b.casefold()) if b else None
        if b and rec["budget_in_balance"] is None:
            bad("budget_in_balance", f"budget_in_balance '{_show(b)}' is not ja/nej (or yes/no, true/false, "
                                     "1/0); leave it blank when unknown")
        eid = rec["entry_id"]
        if eid and eid in first_line:
            bad("entry_id", f"entry_id '{eid}' is already on line {first_line[eid]}")
        elif eid and not row:
            first_line[eid] = line
        problems += row
        if complete and not row:
            records.append(rec)
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return _entries_frame(records), problems


# --------------------------------------------------------------------------- years


@dataclass
class YearData:
    """Everything read for one year.

    Attributes
    ----------
    year : the award year.
    rubric : the year's rubric (base plus the year's override).
    scores : criterion-level scores (:func:`criterion_scores` of ``raw_scores``).
    raw_scores : the rows of scores.csv as read (question-level rows kept).
    entries : the entries (:func:`read_entries`).
    training : criterion-level scores of a ``training.csv`` (the layout before training
        sessions), or None without one; sessions are read with
        :func:`scoring.kinds.training.session.load_session`.
    problems : notes about the input (errors are raised by :func:`load_year` instead).
    raw_training : the rows of training.csv as read, or None.
    """

    year: int
    rubric: Rubric
    scores: pd.DataFrame
    raw_scores: pd.DataFrame
    entries: pd.DataFrame
    training: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    raw_training: pd.DataFrame | None = None


def _is_year_name(name: str) -> bool:
    return bool(_YEAR.fullmatch(name))


def year_folder(year: int | str, data_dir: str | Path) -> Path:
    """The folder of a year's files, ``<data_dir>/<year>/``.

    Raises
    ------
    InputError
        "no data for <year>: folder not found", naming the folder, when it does not exist.
    """
    folder = Path(data_dir) / str(int(year))
    if not folder.is_dir():
        raise InputError([Problem(display_path(folder), None, None, f"no data for {int(year)}: folder not found")])
    return folder


def sessions_dir(year: int | str, data_dir: str | Path | None = None) -> Path:
    """``<data_dir>/<year>/training/``, where a year's training sessions live (one folder each)."""
    return Path(data_dir if data_dir is not None else DATA_DIR) / str(year) / "training"


def available_years(data_dir: str | Path | None = None) -> list[int]:
    """The years in ``data_dir`` (default ``scoring.paths.DATA_DIR``): 4-digit folders holding
    a scores.csv, sorted."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    if not data_dir.is_dir():
        return []
    return sorted(
        int(p.name) for p in data_dir.iterdir() if p.is_dir() and _is_year_name(p.name) and (p / "scores.csv").is_file()
    )


def examiner_codes(data_dir: str | Path | None = None) -> frozenset[str]:
    """Every ``examiner_id`` value in any CSV file under any year folder (training folders
    included), but the codes that are no person (:data:`NOT_PEOPLE`)."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    codes: set[str] = set()
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        if not (year_dir.is_dir() and re.fullmatch(r"\d{4}", year_dir.name)):
            continue
        for path in sorted(year_dir.rglob("*.csv")):
            table, _problems = read_csv_table(path, display_path(path))
            if table is None or "examiner_id" not in table.columns:
                continue
            i = table.columns["examiner_id"]
            codes.update(cells[i] for _, cells in table.rows if cells[i])
    return frozenset(codes - NOT_PEOPLE)


def missing_entries(
    scores: pd.DataFrame, entries: pd.DataFrame, scores_where: str, entries_where: str
) -> list[Problem]:
    """One error per entry id of ``scores`` (with ``line``) that is not in ``entries``,
    located at its first line in ``scores_where`` and counting its rows."""
    known = set(entries["entry_id"])
    problems = []
    missing = scores.loc[~scores["entry_id"].isin(known)]
    for eid, lines in missing.groupby("entry_id", sort=False)["line"]:
        lines = sorted(lines)
        n = len(lines)
        problems.append(
            Problem(
                scores_where, lines[0], "entry_id",
                f"entry_id '{eid}' is not in {entries_where} ({n} row{'s' if n > 1 else ''}: "
                f"line{'s' if n > 1 else ''} {_lines(lines)})",
            )
        )
    return problems


def _check_year(
    year_dir: Path, rubric: Rubric, year: int | None
) -> tuple[dict[str, pd.DataFrame | None], list[Problem]]:
    """Read a year folder's files with cross-file checks; the frames are None when absent."""
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame | None] = {"scores": None, "entries": None, "training": None}
    paths = {k: year_dir / f"{k}.csv" for k in frames}
    entries_ok = False
    for kind, required in (("scores", True), ("entries", True), ("training", False)):
        path = paths[kind]
        if not path.exists():
            if required:
                problems.append(Problem(display_path(path), None, None, "file not found: a year folder needs "
                                                                        f"{kind}.csv"))
            continue
        if kind == "entries":
            df, probs = read_entries(path, rubric)
            entries_ok = len(df) > 0  # else its own problems say why; a cross-check would only echo them
        else:
            df, probs = read_scores(path, rubric, year=year)
        frames[kind] = df
        problems += probs

    scores, entries, training = frames["scores"], frames["entries"], frames["training"]
    if scores is not None and entries is not None:
        swhere, ewhere = display_path(paths["scores"]), display_path(paths["entries"])
        if entries_ok:
            problems += missing_entries(scores, entries, swhere, ewhere)
        if entries_ok and len(scores):
            scored = set(scores["entry_id"])
            for _, e in entries.loc[~entries["entry_id"].isin(scored)].iterrows():
                problems.append(Problem(ewhere, int(e["line"]), "entry_id", f"entry '{e['entry_id']}' has no "
                                                                            f"scores in {swhere}", "note"))
        if len(scores) and (scores["stage"] == "reference").any():
            first = int(scores.loc[scores["stage"] == "reference", "line"].min())
            problems.append(
                Problem(swhere, first, "stage", "reference rows are the training case's agreed scores; they "
                                                "belong in training/<session>/reference.csv", "note")
            )
    if training is not None and len(training) and not (training["stage"] == "reference").any():
        problems.append(
            Problem(display_path(paths["training"]), None, "stage", "no reference rows: trainees cannot be "
                                                                    "compared with agreed scores", "note")
        )
    return frames, problems


def load_year(year: int | str, data_dir: str | Path | None = None) -> YearData:
    """Read and check one year's files.

    Parameters
    ----------
    year : the award year (the folder ``<data_dir>/<year>/``).
    data_dir : default ``scoring.paths.DATA_DIR``.

    Returns
    -------
    YearData
        With notes (e.g. exact duplicates counted once) in ``problems``.

    Raises
    ------
    InputError
        Carrying every error found in the year's files (and the rubric's).
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year = int(year)
    year_dir = year_folder(year, data_dir)
    rubric, problems = _rubric_for(year, data_dir)
    if rubric is None:
        raise InputError(problems)
    key = (str(year_dir.resolve()), _stamp(year_dir, data_dir))
    if key not in _LOADED:
        frames, problems = _check_year(year_dir, rubric, year)
        if any(p.is_error for p in problems):
            raise InputError(problems)
        training = frames["training"]
        if len(_LOADED) >= 32:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = YearData(
            year=year,
            rubric=rubric,
            scores=criterion_scores(frames["scores"], rubric),
            raw_scores=frames["scores"],
            entries=frames["entries"],
            training=criterion_scores(training, rubric) if training is not None else None,
            problems=problems,
            raw_training=training,
        )
    yd = _LOADED[key]
    copy = {f: getattr(yd, f).copy() for f in ("scores", "raw_scores", "entries", "training", "raw_training")
            if getattr(yd, f) is not None}
    return replace(yd, problems=list(yd.problems), **copy)


#: years read in this process, by folder and the size and modification time of their files: a
#: warm report kernel reads each year once, and a changed file is read again
_LOADED: dict[tuple, YearData] = {}


def _stamp(year_dir: Path, data_dir: Path) -> tuple:
    files = [p for p in sorted(year_dir.iterdir()) if p.is_file()]
    files += [p for p in (data_dir / "rubric.toml", RUBRIC_PATH) if p.is_file()]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


# --------------------------------------------------------------------------- validate


class LeftOutYear(NamedTuple):
    """An earlier year left out of a trend because its data has errors.

    ``problems`` are its errors, first first (``file:row: column: message`` when printed).
    """

    year: int
    problems: list[Problem]


class History(NamedTuple):
    """What :func:`load_history` returns: the usable years' scores and the years left out.

    Unpacks as ``scores, left_out = load_history(...)``.
    """

    scores: pd.DataFrame
    left_out: list[LeftOutYear]

    @property
    def years(self) -> list[int]:
        """The years in ``scores``, sorted."""
        return sorted(int(y) for y in self.scores["year"].unique())


def load_history(until: int | str, data_dir: str | Path | None = None) -> History:
    """Criterion-level scores of every year up to and including ``until``, with each entry's class.

    Reads every available year folder (:func:`available_years`) up to ``until``. An earlier
    year whose files have errors is left out (the trend goes on without it) and listed in
    ``left_out`` with its problems, so one broken old year does not stop later reports.
    ``until`` itself must be valid: its errors raise, as :func:`load_year` does.

    Returns
    -------
    History
        ``scores``: columns as ``YearData.scores`` plus ``class``; ``left_out``: one
        :class:`LeftOutYear` per earlier year left out, oldest first.

    Raises
    ------
    InputError
        When ``until`` has errors, or no year up to ``until`` could be read.
    """
    until = int(until)
    frames = []
    left_out: list[LeftOutYear] = []
    for y in available_years(data_dir):
        if y > until:
            continue
        try:
            yd = load_year(y, data_dir)
        except InputError as e:
            if y == until:
                raise
            left_out.append(LeftOutYear(y, [p for p in e.problems if p.is_error] or list(e.problems)))
            continue
        frames.append(yd.scores.merge(yd.entries[["entry_id", "class"]], on="entry_id", how="left"))
    if not frames:
        where = display_path(data_dir or DATA_DIR)
        broken = f" (years with errors: {', '.join(str(x.year) for x in left_out)})" if left_out else ""
        raise InputError([Problem(where, None, None, f"no usable year folders up to {until}{broken}")])
    return History(pd.concat(frames, ignore_index=True), left_out)


def rubric_for(path: str | Path) -> tuple[Rubric, int | None]:
    """The rubric and year that apply to a file (or a year folder).

    A file in a 4-digit folder belongs to that year, and the data dir is the folder
    above it: the rubric is ``load_rubric(year=year, data_dir=data_dir)``. Anywhere else the
    year is None and the rubric is the default one.

    Raises
    ------
    InputError
        When the rubric cannot be loaded.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    year = int(folder.name) if _is_year_name(folder.name) else None
    rubric, problems = _rubric_for(year, folder.parent if year is not None else None)
    if rubric is None:
        raise InputError(problems)
    return rubric, year


def _rubric_for(year: int | None, data_dir: Path | None) -> tuple[Rubric | None, list[Problem]]:
    try:
        return load_rubric(year=year, data_dir=data_dir), []
    except InputError as e:
        return None, list(e.problems)
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # a malformed value in the TOML
        where = display_path(Path(data_dir or DATA_DIR) / "rubric.toml")
        return None, [Problem(where, None, None, f"cannot use the rubric: {e}")]


def _kind(path: Path) -> str | None:
    name = path.name.casefold()
    for kind in ("scores", "entries", "training"):
        if name.startswith(kind) and name.endswith(".csv"):
            return kind
    return None


def _validate_file(path: Path) -> list[Problem]:
    where = display_path(path)
    if path.suffix.casefold() == ".xlsx":  # a scorebook; any other workbook gets the CSV reader's advice
        from .scorebook import read_scorebook

        book = read_scorebook(path)
        if book.kind is not None:
            return book.problems
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
    rubric, problems = _rubric_for(year, data_dir)
    if rubric is None:
        return problems
    if kind == "entries":
        return problems + read_entries(path, rubric)[1]
    scores, probs = read_scores(path, rubric, year=year)
    problems += probs
    if kind == "scores":
        sibling = path.parent / "entries.csv"
        if sibling.is_file():
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
    from .kinds.training.session import check_session

    if not training_dir.is_dir():
        return []
    return [p for d in sorted(training_dir.iterdir()) if d.is_dir() for p in check_session(d)]


def _validate_dir(path: Path) -> list[Problem]:
    where = display_path(path)
    if path.name == "training" and _is_year_name(path.parent.name):
        return _sessions_problems(path)
    if path.parent.name == "training" and _is_year_name(path.parent.parent.name):
        from .kinds.training.session import check_session

        return check_session(path)
    names = {"scores.csv", "entries.csv", "training.csv"}
    has_files = any(_kind(f) for f in path.glob("*.csv"))
    if _is_year_name(path.name):
        year = int(path.name)
        rubric, problems = _rubric_for(year, path.parent)
        if rubric is None:
            return problems
        problems += _check_year(path, rubric, year)[1]
        for extra in sorted(path.glob("*.csv")):
            if extra.name not in names and _kind(extra):
                problems += _validate_file(extra)
        return problems + _sessions_problems(path / "training")
    if has_files:  # a folder of files that is not a year folder: check each file
        problems = []
        for f in sorted(path.glob("*.csv")):
            if _kind(f):
                problems += _validate_file(f)
        return problems
    years = sorted(p for p in path.iterdir() if p.is_dir() and _is_year_name(p.name))
    if not years:
        return [Problem(where, None, None, "no data here: expected year folders (e.g. 2024/) or scores.csv and "
                                           "entries.csv")]
    problems = []
    if (path / "rubric.toml").exists():
        problems += _rubric_for(None, path)[1]
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
        ``training*.csv``) or else its header; its year from a 4-digit folder name, and then
        the rubric from that folder's data dir (else the default rubric). A scores file's
        entry ids are checked against the ``entries.csv`` beside it.

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
        except OSError as e:
            problems.append(Problem(display_path(p), None, None, f"cannot read: {e.strerror or e}"))
    seen: set[Problem] = set()
    unique = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique
