"""Score rows: reading and checking a scores file, and the frames the analysis takes.

:func:`read_scores` reads ``scores.csv`` (or a training file: same columns) with
:func:`~scoring.data.tables.read_csv_table`; :func:`check_score_rows` checks rows already
split into cells (a scorebook's too); :func:`criterion_scores` rolls question scores up to
their criterion; :func:`individual` keeps the examiners' own scores.

A consensus row may carry the team's texts for the entrant, :data:`TEXT_COLUMNS`
(``strengths``, ``improvements``): one point per line, read as :func:`points` gives them
(each line trimmed, a leading bullet and blank lines dropped, "" when absent). Any other row
carrying them is an error.
"""

from __future__ import annotations

import re
from itertools import compress
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Problem, display_path
from ..rubric import STAGES, Rubric
from .tables import (
    _WHOLE,
    _YEAR,
    CsvTable,
    _header_problems,
    _lines,
    _num,
    _parse_number,
    _show,
    collector_paused,
    column_name,
    read_csv_table,
)

__all__ = [
    "code_problem",
    "KEY",
    "NOT_PEOPLE",
    "SCORE_COLUMNS",
    "SCORE_INPUT_COLUMNS",
    "SCORE_REQUIRED_COLUMNS",
    "TEXT_COLUMNS",
    "check_score_rows",
    "criterion_scores",
    "individual",
    "join_points",
    "points",
    "read_scores",
    "scores_frame",
]

#: Columns of the DataFrame returned by :func:`read_scores`, in order.
SCORE_COLUMNS = (
    "year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment", "strengths",
    "improvements", "line",
)
#: Columns a scores file may have, in the order the project writes them.
SCORE_INPUT_COLUMNS = (
    "year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment", "strengths",
    "improvements",
)
#: The team's texts for the entrant, carried by consensus rows only: its strengths and its areas
#: for development for the criterion, one point per line.
TEXT_COLUMNS = ("strengths", "improvements")
#: Columns every scores file must have.
SCORE_REQUIRED_COLUMNS = ("year", "entry_id", "examiner_id", "criterion", "score")

#: ``examiner_id`` values that stand for no person: a team's agreed score, the reference scores.
NOT_PEOPLE = frozenset({"TEAM", "REF"})

_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
#: A bullet someone typed before a point ("• ", "- ", "– ", "* "): the point is the text after it.
_BULLET = re.compile(r"^(?:[•·▪◦‣]|[-–—*](?=\s))\s*")


def points(text) -> list[str]:
    """The points of a strengths or improvements text: one per line, each trimmed, a leading
    bullet (``•``, ``-``, ``–``, ``*`` …) dropped, blank lines left out. Any line break (``\\n``,
    ``\\r\\n``, ``\\r``, Excel's and LibreOffice's) ends a point."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    out = []
    for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _BULLET.sub("", line.strip()).strip()
        if line:
            out.append(line)
    return out


def join_points(texts) -> str:
    """The points of several texts as one text, one point per line, each point once (in order)."""
    return "\n".join(dict.fromkeys(p for t in texts for p in points(t)))


def code_problem(code: str, *, reserved_ok: bool = False, person: str = "examiner") -> str | None:
    """Why ``code`` is not an examiner's or trainee's code, or None when it is one.

    A code is letters (A-Z), digits, ``-`` and ``_``, 1–16 characters, with at least one digit,
    and is not a year or a reserved word (:data:`NOT_PEOPLE`; ``reserved_ok`` allows those, as
    in ``scores.csv``'s consensus and reference rows). Checked wherever a code enters; ``person``
    names whose code it is in the message.
    """
    code = str(code)
    if code in NOT_PEOPLE:
        return None if reserved_ok else f"'{code}' is a reserved word ({', '.join(sorted(NOT_PEOPLE))}), not a code"
    if any(ch.isspace() for ch in code):
        return f"'{_show(code)}' looks like a person's name; use the {person}'s pseudonymous code (e.g. E07)"
    if "@" in code:
        return f"'{_show(code)}' looks like an e-mail address; use the {person}'s pseudonymous code (e.g. E07)"
    if not _CODE.fullmatch(code):
        return f"'{_show(code)}' is not a code: use letters A-Z, digits, - and _ (1-16 characters, e.g. E07)"
    if not any(ch.isdigit() for ch in code):
        return f"'{code}' has no digit: a code has at least one (e.g. E07), so that it is never a word"
    if re.fullmatch(r"[0-9]{4}", code):
        return f"'{code}' looks like a year; a code is not one (e.g. E07)"
    return None


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
    col = {c: [r.get(c, "") if c in TEXT_COLUMNS else r[c] for r in records]
           for c in (*SCORE_INPUT_COLUMNS, *located_by)}
    return _frame(col, located_by)


def _frame(col: dict[str, list], located_by: tuple[str, ...] = ("line",)) -> pd.DataFrame:
    """:func:`scores_frame` of the records' columns."""
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
            **{c: pd.Series(col[c], dtype="str") for c in TEXT_COLUMNS},
            **{c: pd.Series(col[c], dtype="int64" if c == "line" else "str") for c in located_by},
        }
    )


class _Memo(dict):
    """``f`` remembered per argument within one file's check (a year repeats a few codes,
    criteria and scores over thousands of rows): ``memo[x]`` is ``f(x)``, computed once."""

    def __init__(self, f):
        self.f = f

    def __missing__(self, x):
        self[x] = y = self.f(x)
        return y


def _score_row(
    get, present, line: int, where: str, rubric: Rubric, year: int | None, memo=None
) -> tuple[dict, list[Problem]]:
    """Parse one scores row; the record is complete only when no error was found. ``memo``:
    remembered lookups (:func:`_lookups`) shared by the rows of one file."""
    memo = memo or _lookups(rubric)
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
        problem = memo["code"][ex]
        if problem:
            bad("examiner_id", f"examiner_id {problem}")
        else:
            rec["examiner_id"] = ex

    crit = None
    cr = get("criterion")
    if cr:
        crit = memo["criterion"][cr]
        if crit is None:
            bad("criterion", f"'{_show(cr)}' is not a criterion; use one of: {', '.join(rubric.criterion_ids)} "
                             "or their Swedish labels")
        else:
            rec["criterion"] = crit.id

    sc = get("score")
    if sc:
        x = memo["number"][sc]
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
        key = memo["stage"][st]
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
    for c in TEXT_COLUMNS:
        text = get(c)
        rec[c] = "\n".join(points(text)) if text else ""
        stage = rec.get("stage")
        if rec[c] and stage is not None and stage != "consensus":
            what = "strengths" if c == "strengths" else "areas for development"
            bad(c, f"{c}: only a consensus row carries the team's {what} (this row's stage is {stage}); move the "
                   "text to the entry's consensus row for the criterion, or into comment")
    return rec, problems


def _lookups(rubric: Rubric) -> dict:
    return {"code": _Memo(lambda ex: code_problem(ex, reserved_ok=True)), "criterion": _Memo(rubric.criterion),
            "number": _Memo(_parse_number), "stage": _Memo(_stage_key)}


def _stage_key(text: str) -> str:
    key = column_name(text)
    return _STAGE_ALIASES.get(key, _STAGE_ALIASES.get(key.replace("_", ""), key))


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
        score), ``comment`` ("" when blank), ``strengths`` and ``improvements`` (consensus rows:
        one point per line as :func:`points` gives them; "" when blank or the file has no such
        column), ``line`` (1-based line in the file).
    problems : list of Problem
        One per thing wrong. Every data row is either in ``scores`` or named by at least one
        problem; an exact duplicate row is kept once and reported as a note. Never raises.
    """
    where = display_path(path)
    year = int(year) if year is not None else None
    with collector_paused():
        table, problems = read_csv_table(Path(path), where)
        if table is None:
            return scores_frame([]), problems
        problems += _header_problems(table, where, SCORE_INPUT_COLUMNS, SCORE_REQUIRED_COLUMNS)
        col, row_problems = _checked_columns(table, where, rubric, year)
        # the rows' two million cells freed while the collector is paused: alive when it resumes, its
        # first pass would walk every one of them (0.2 s for a national year)
        del table
        problems += row_problems
        problems.sort(key=lambda p: (p.row is not None, p.row or 0))
        return _frame(col), problems


_BAD = object()  # a value that needs the full check of its row


def _checked_columns(table: CsvTable, where: str, rubric: Rubric, year: int | None):
    """:func:`check_score_rows`' records (duplicates resolved) as columns, and its problems: the
    same rows, values and problems, without a Python call per row where none is needed (a
    national year has 200,000 rows). Each distinct value of a column is checked once; a row
    whose values all pass and that has no question and no team text is taken as it is, any
    other row is checked by :func:`_score_row` as :func:`check_score_rows` checks every row."""
    rows, columns = table.rows, table.columns
    if not rows or not all(c in columns for c in SCORE_REQUIRED_COLUMNS):
        records, problems = check_score_rows(rows, columns, where, rubric, year=year)
        return {c: [r.get(c, "") for r in records] for c in SCORE_COLUMNS}, problems
    memo, scale = _lookups(rubric), rubric.scale
    by_column = table.by_column or list(zip(*(cells for _, cells in rows), strict=True))
    recheck: set[int] = set()  # the rows a value of which needs its row's full check

    def each(name: str, check) -> list:
        i, seen = columns.get(name), _Memo(check)
        values = list(map(seen.__getitem__, by_column[i])) if i is not None else [seen[""]] * len(rows)
        if _BAD in seen.values():
            recheck.update(k for k, v in enumerate(values) if v is _BAD)
        return values

    def score(v):
        x = memo["number"][v] if v else None
        return x if x is not None and scale.min - 1e-9 <= x <= scale.max + 1e-9 and scale.on_scale(x) else _BAD

    col = {
        "year": each("year", lambda v: int(v) if _YEAR.fullmatch(v) and (year is None or int(v) == year) else _BAD),
        "entry_id": each("entry_id", lambda v: v or _BAD),
        "examiner_id": each("examiner_id", lambda v: v if v and memo["code"][v] is None else _BAD),
        "criterion": each("criterion", lambda v: c.id if v and (c := memo["criterion"][v]) is not None else _BAD),
        "score": each("score", score),
        "stage": each("stage", lambda v: "individual" if v == "" else k if (k := memo["stage"][v]) in STAGES
                      else _BAD),
        "question": each("question", lambda v: None if v == "" else _BAD),
        "comment": each("comment", lambda v: v),
        **{c: each(c, lambda v: "" if v == "" else _BAD) for c in TEXT_COLUMNS},
        "line": [line for line, _ in rows],
    }
    problems: list[Problem] = []
    keep = [True] * len(rows)
    for i in sorted(recheck):
        line, cells = rows[i]
        rec, row_problems = _score_row(lambda c, cells=cells: cells[columns[c]] if c in columns else "", columns,
                                       line, where, rubric, year, memo)
        problems += row_problems
        keep[i] = not row_problems
        for c, values in col.items():
            values[i] = rec.get(c)  # a row with problems is left out below
    if problems:
        col = {c: list(compress(values, keep)) for c, values in col.items()}
    if _clashes(col):  # repeated keys, or criterion and question scores of one key: resolve them row by row
        records, dup_problems = _duplicates([dict(zip(col, r, strict=True)) for r in zip(*col.values(), strict=True)],
                                            where)
        problems += dup_problems
        col = {c: [r[c] for r in records] for c in col}
    return col, problems


def _clashes(col: dict[str, list]) -> bool:
    """Whether :func:`_duplicates` would change these records: a key given twice, or a key with
    both a criterion-level score and question scores."""
    keys = pd.DataFrame({k: col[k] for k in (*KEY, "question")}, dtype=object)
    if keys.duplicated().any():
        return True
    has_q = keys["question"].notna()
    if not has_q.any() or has_q.all():
        return False
    parts = pd.MultiIndex.from_frame(keys.loc[has_q, list(KEY)])
    return bool(pd.MultiIndex.from_frame(keys.loc[~has_q, list(KEY)]).isin(parts).any())


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
    memo = _lookups(rubric)
    for line, cells in rows:
        def get(c, cells=cells):
            i = columns.get(c)
            return cells[i] if i is not None else ""

        rec, row_problems = _score_row(get, columns, line, where, rubric, year, memo)
        problems += row_problems
        if complete and not row_problems:
            records.append(rec)
    if duplicates:
        records, dup_problems = _duplicates(records, where)
        problems += dup_problems
    return records, problems


def _duplicates(records: list[dict], where: str) -> tuple[list[dict], list[Problem]]:
    """Drop exact duplicates (every column equal: note), conflicting rows (another score or text: error)
    and criterion-level rows that clash with question rows of the same examiner and stage (error)."""
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
        if len({r["score"] for r in rows}) == 1:  # an exact duplicate only when every column is equal
            first, clash = rows[0], False
            for r in rows[1:]:
                c = next((c for c in SCORE_COLUMNS if c != "line" and r.get(c, "") != first.get(c, "")), None)
                clash |= c is not None
                problems.append(Problem(where, r["line"], None, f"exact duplicate of line {first['line']}; counted "
                                                                "once", "note") if c is None else
                                Problem(where, r["line"], c, f"{c} differs from line {first['line']}'s, the same "
                                                             f"{what} with the same score; keep one"))
            drop.update(r["line"] for r in rows[0 if clash else 1:])
            continue
        for r in rows:
            others = [o for o in rows if o["score"] != r["score"]]
            named = ", ".join(f"{o['line']} (score {_num(o['score'])})" for o in others[:5])
            s = "s" if len(others) > 1 else ""
            problems.append(Problem(where, r["line"], "score", f"score {_num(r['score'])} conflicts with line{s} "
                                                                f"{named} for the same {what}; keep one"))
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
        the criterion level); ``comment`` joins the question comments; ``strengths`` and
        ``improvements`` (:data:`TEXT_COLUMNS`, "" when the input has none) are a
        criterion-level row's texts, or the points of the question rows' texts, one per line,
        each point once; ``line`` is the first line the score came from. Rows keep their
        input order.

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
    to_id = _Memo(lambda x: c.id if (c := rubric.criterion(x)) is not None else x)  # once per label
    codes, labels = pd.factorize(df["criterion"], use_na_sentinel=False)  # each label looked up once
    df["criterion"] = np.array([to_id[x] for x in labels], dtype=object)[codes]
    df["comment"] = df["comment"].fillna("").astype("str")
    for c in TEXT_COLUMNS:
        df[c] = df[c].fillna("").astype("str") if c in df.columns else ""
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
                strengths=("strengths", join_points),
                improvements=("improvements", join_points),
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
    cols = keys + ["score", "n_questions", "comment", *TEXT_COLUMNS, "line", "_order"]
    out = pd.concat([whole[cols]] + ([rolled[cols]] if rolled is not None else []), ignore_index=True)
    out = out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
    out["score"] = out["score"].astype("float64")
    out["n_questions"] = out["n_questions"].astype("int64")
    out["comment"] = out["comment"].astype("str")
    for c in TEXT_COLUMNS:
        out[c] = out[c].astype("str")
    if has_line:
        out["line"] = out["line"].astype(scores["line"].dtype)
    else:
        out = out.drop(columns="line")
    return out



def individual(scores: pd.DataFrame) -> pd.DataFrame:
    """The examiners' own scores (stage ``individual``)."""
    return scores[scores["stage"] == "individual"]
