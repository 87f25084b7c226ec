"""Reading a filled scorebook back: exactly the cells the template made, checked like
``scoring validate`` checks a scores file, every problem named by file, sheet and cell.
An examiner's and a training scorebook are read by :func:`_scoring_cells`, a team's consensus
workbook (:mod:`.consensus`) by :func:`consensus_cells`.

A formula is never evaluated: the workbook is opened with ``data_only=False`` and a
formula in a score or comment cell is refused. A blank score cell is no score (not zero).
A file is opened only when it is small enough to be a scorebook (:mod:`.guard`), and only
the cells a sheet holds are looked at (never every cell of its used area, which one cell
at XFD1048576 makes 17 billion).
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers.expat import ExpatError

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from ..data.scores import NOT_PEOPLE, SCORE_INPUT_COLUMNS, check_score_rows, points, scores_frame
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric, load_rubric
from .guard import MAX_BYTES, Refusal, check_xlsx
from .layout import (
    AWARD,
    CODE_COL,
    CODE_ROW,
    COL_COMMENT,
    COL_CRITERION,
    COL_ENTRY,
    COL_QUESTION,
    COL_SCORE,
    CONSENSUS,
    HEADER_ROW,
    IDENTITY_SHEET,
    INSTRUCTIONS_SHEET,
    KEY_COLUMNS,
    KEYS_HEADING,
    LAST_COL,
    LAST_ROW,
    MARKER,
    MEMBERS,
    SCALE_SHEET,
    TEAM,
    TRAINING,
    WORKBOOK_ID,
    ConsensusColumns,
)

__all__ = ["Scorebook", "read_scorebook", "SCOREBOOK_COLUMNS", "MAX_BYTES", "STEP_TOLERANCE", "identity_of",
           "is_reserved", "members_of", "consensus_cells", "RESERVED_FOR"]

#: Columns of :attr:`Scorebook.scores`.
SCOREBOOK_COLUMNS = (
    "year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment", "strengths",
    "improvements", "sheet", "cell",
)  # fmt: skip
#: The columns of :data:`SCOREBOOK_COLUMNS` that locate a score (instead of a CSV file's ``line``).
_LOCATED_BY = ("sheet", "cell")

#: A number this close to one of the scale's steps is that step (a spreadsheet's 69.9999999…).
STEP_TOLERANCE = 1e-6

_COLUMN_OF = {
    "entry_id": COL_ENTRY, "criterion": COL_CRITERION, "question": COL_QUESTION,
    "score": COL_SCORE, "comment": COL_COMMENT,
}  # fmt: skip


@dataclass
class Scorebook:
    """A scorebook as read: what the template says it is, the scores filled in, the problems.

    Attributes
    ----------
    path : the file.
    kind : ``"award"``, ``"training"`` or ``"consensus"`` (a team's consensus workbook,
        :mod:`.consensus`); None when the file is not a scorebook.
    year : the award year the template was made for.
    examiner_id : the examiner's code (award), the code the trainee typed (training) or
        ``TEAM`` (consensus).
    session : the training session (training scorebooks).
    entries : the entries (or training cases) of the template, in order.
    per_question : True when the template has one row per question.
    workbook_id : the id ``scoring template`` gave an examiner's scorebook when it issued it
        (None in a training scorebook and in one made before ids were given).
    fingerprint : a checksum of what the hidden sheet says the workbook is (kind, year,
        code, rows and their keys; a consensus workbook's members), recorded with the id when
        it was issued.
    members : a consensus workbook's team, in the order of its columns (() for the others).
    scores : one row per score filled in, columns :data:`SCOREBOOK_COLUMNS` (``stage`` is
        ``individual``, in a consensus workbook ``consensus`` with the team's ``strengths``
        and ``improvements``; ``sheet`` and ``cell`` locate the score cell). Empty when there
        are errors: a scorebook with any error gives nothing.
    problems : errors and notes, each naming the file and, where it applies, sheet and cell.
    """

    path: Path
    kind: str | None = None
    year: int | None = None
    examiner_id: str | None = None
    session: str | None = None
    entries: tuple[str, ...] = ()
    per_question: bool = False
    workbook_id: str | None = None
    fingerprint: str | None = None
    members: tuple[str, ...] = ()
    scores: pd.DataFrame = field(default_factory=lambda: scores_frame([], located_by=_LOCATED_BY))
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there is no error (notes are allowed)."""
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def read_scorebook(
    path: str | Path,
    *,
    year: int | None = None,
    data_dir: str | Path | None = None,
    rubric: Rubric | None = None,
) -> Scorebook:
    """Read and check a filled scorebook; never raises on bad input.

    Parameters
    ----------
    path : the ``.xlsx`` file.
    year : the year it must be for (None: any).
    data_dir : where the year's rubric is read (default the project's ``data/``).
    rubric : the rubric to check against (default the template year's rubric).

    Returns
    -------
    Scorebook
        With ``scores`` empty and the reasons in ``problems`` when anything is wrong:
        not a workbook; not made by ``scoring template``; for another year; a sheet of the
        template renamed or deleted, or a sheet added with content; a scoring row's keys
        changed or deleted; content where the template has none; a score that is text,
        a formula, a date or off the scale's steps (a number within :data:`STEP_TOLERANCE`
        of a step is that step); a formula in a comment; merged cells where the template
        reads; a training scorebook without the trainee's code; a code reserved for no
        person (``TEAM``, ``REF``) in an examiner's scorebook; a file far larger than a
        scorebook (refused before it is parsed, see :mod:`scoring.scorebook.guard`). A
        consensus workbook (``scoring template --team``) is read by the same rules, its
        consensus cells as :func:`scoring.scorebook.consensus.consensus_cells` says.
    """
    path = Path(path)
    book = Scorebook(path)
    where = display_path(path)

    wb, refusal = _open(path)
    if wb is None:
        book.problems.append(Problem(where, None, None, refusal.message, sheet=refusal.sheet, cell=refusal.cell))
        return book
    try:
        return _read(wb, book, where, year, data_dir, rubric)
    finally:
        wb.close()


def _open(path: Path):
    """``(workbook, None)`` or ``(None, Refusal: why it cannot be read)``."""
    not_wb = "not an Excel workbook (.xlsx)"

    def no(message: str):
        return None, Refusal(message)

    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        return no("file not found")
    except IsADirectoryError:
        return no("is a folder, not a file")
    except OSError as e:
        return no(f"cannot read the file: {e.strerror or e}")
    if size == 0:
        return no(f"{not_wb}: the file is empty (0 bytes)")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return no(f"{not_wb}: an old-format (.xls) or password-protected workbook; save it as an Excel "
                  "workbook (.xlsx) without a password")
    if not head.startswith(b"PK"):
        return no(f"{not_wb}: the file is not a zip archive (is it a CSV or a PDF?)")
    if size > MAX_BYTES:
        return no(f"{not_wb}: {size / 1e6:.0f} MB is far more than a scorebook; is it the right file?")
    refusal = check_xlsx(path)
    if refusal is not None:
        return None, refusal
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Data Validation extension is not supported"
            wb = load_workbook(path, data_only=False, keep_vba=False, keep_links=False, rich_text=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ExpatError) as e:
        return no(f"{not_wb} (or a damaged one, or still being copied): {type(e).__name__}")
    except Exception as e:  # openpyxl raises many kinds on malformed parts; the user needs one message
        return no(f"{not_wb}, or a damaged one: {type(e).__name__}: {e}")
    return wb, None


def _cells(ws, min_row: int = 1) -> list:
    """The cells a sheet holds from ``min_row`` on, row by row.

    ``iter_rows`` would make (and keep) every cell of the sheet's used area; this reads
    openpyxl's own table of the cells the file has, whose size the guard has bounded.
    """
    held = ws._cells  # openpyxl: {(row, column): cell}, the cells read from the file and made since
    return sorted((c for (r, _), c in held.items() if r >= min_row), key=lambda c: (c.row, c.column))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_reserved(code) -> bool:
    """True for a code that stands for no person (``TEAM``, ``REF``, in any case)."""
    return str(code).strip().upper() in NOT_PEOPLE


#: Says what a reserved code is for, in a message.
RESERVED_FOR = f"reserved for a team's agreed scores and the reference scores ({', '.join(sorted(NOT_PEOPLE))})"


def _merged_over(ws, min_row: int, max_row: int, min_col: int, max_col: int) -> list:
    """The merged ranges of a sheet that overlap the given block of cells, top to bottom."""
    found = [r for r in ws.merged_cells.ranges
             if r.min_row <= max_row and r.max_row >= min_row and r.min_col <= max_col and r.max_col >= min_col]
    return sorted(found, key=lambda r: (r.min_row, r.min_col))


def _merged_message(rng, what: str) -> str:
    return (f"cells {rng.coord} are merged: unmerge them ({what} in a merged range is read as blank, so the "
            "template's cells must stay unmerged)")


def _identity(wb, where: str) -> tuple[dict | None, list[dict], list[Problem]]:
    """The template's properties and key rows from the identity sheet."""
    if IDENTITY_SHEET not in wb.sheetnames or wb[IDENTITY_SHEET]["A1"].value != MARKER:
        return None, [], [Problem(where, None, None, "not a scorebook made by `scoring template` (its hidden sheet "
                                                     f"'{IDENTITY_SHEET}' is missing or changed)")]
    ws = wb[IDENTITY_SHEET]
    bad = [Problem(where, None, None, f"the scorebook's hidden sheet '{IDENTITY_SHEET}' was changed; "
                                      "make a new template with `scoring template`", sheet=IDENTITY_SHEET)]
    props: dict = {}
    keys: list[dict] = []
    in_keys = False
    width = len(KEY_COLUMNS)
    table: dict[int, list] = {}
    for c in _cells(ws, min_row=2):
        if c.column <= width:
            table.setdefault(c.row, [None] * width)[c.column - 1] = c.value
    for r in sorted(table):
        row = table[r]
        first = row[0]
        if first is None:
            continue
        if first == KEYS_HEADING:
            in_keys = True
            continue
        if not in_keys:
            props[str(first)] = row[1] if len(row) > 1 else None
        elif first == KEY_COLUMNS[0]:
            continue  # the key table's header
        else:
            keys.append(dict(zip(KEY_COLUMNS, row, strict=False)))
    try:
        props["year"] = int(props["year"])
        props["per_question"] = props.get("per_question") == "yes"
        for k in keys:
            k["row"] = int(k["row"])
            k["question"] = None if k.get("question") in (None, "") else int(k["question"])
            k["entry_id"], k["sheet"] = str(k["entry_id"]), str(k["sheet"])
    except (KeyError, TypeError, ValueError):
        return None, [], bad
    if props.get("kind") not in (AWARD, TRAINING, CONSENSUS) or not keys:
        return None, [], bad
    return props, keys, []


def identity_of(wb) -> dict | None:
    """What a scorebook's hidden sheet says, as the reader sees it: ``workbook_id``,
    ``fingerprint``, ``entries`` (in order) and ``per_question``; None when the sheet is
    missing or changed. :func:`scoring.scorebook.template.write_template` records this when
    it issues a scorebook; the importer compares what it reads with what was recorded."""
    props, keys, _ = _identity(wb, "")
    if props is None:
        return None
    return {"workbook_id": _workbook_id(props), "fingerprint": _fingerprint(props, keys),
            "entries": tuple(dict.fromkeys(k["entry_id"] for k in keys)), "per_question": bool(props["per_question"])}


def members_of(props: dict) -> tuple[str, ...]:
    """A consensus workbook's members as its identity sheet lists them."""
    value = props.get(MEMBERS)
    return () if _blank(value) else tuple(str(value).split())


def _workbook_id(props: dict) -> str | None:
    value = props.get(WORKBOOK_ID)
    return None if _blank(value) else str(value).strip()


def _fingerprint(props: dict, keys: list[dict]) -> str:
    """A checksum of what the identity sheet says: kind, year, code, session, layout, every key row."""
    text = "" if props.get("examiner_id") is None else str(props.get("examiner_id"))
    rows = [[str(k["sheet"]), int(k["row"]), str(k["entry_id"]),
             "" if k.get("criterion") is None else str(k["criterion"]), k["question"],
             str(k.get("criterion_text") or "")] for k in keys]
    what = [str(props.get("kind")), int(props["year"]), text, str(props.get("session") or ""),
            bool(props.get("per_question")), rows]
    if props.get("kind") == CONSENSUS:  # its columns follow from its members; its last row is recorded
        what += [list(members_of(props)), str(props.get(LAST_ROW))]
    return hashlib.sha256(json.dumps(what, ensure_ascii=False).encode("utf-8")).hexdigest()


def _read(wb, book: Scorebook, where: str, year, data_dir, rubric) -> Scorebook:
    props, keys, problems = _identity(wb, where)
    if props is None:
        book.problems += problems
        return book
    book.kind = props["kind"]
    book.year = props["year"]
    book.session = props.get("session") or None
    book.per_question = props["per_question"]
    book.entries = tuple(dict.fromkeys(k["entry_id"] for k in keys))
    book.workbook_id = _workbook_id(props)
    book.fingerprint = _fingerprint(props, keys)
    book.members = members_of(props) if book.kind == CONSENSUS else ()
    training = book.kind == TRAINING
    if year is not None and int(year) != book.year:
        book.problems.append(Problem(where, None, None, f"this scorebook is for {book.year}, not {int(year)}; "
                                                        "import it with its own year"))
        return book
    if rubric is None:
        try:
            rubric = load_rubric(year=book.year, data_dir=data_dir if data_dir is not None else DATA_DIR)
        except InputError as e:
            book.problems += e.problems
            return book

    # sheets: the template's must all be there; an added sheet may not hold anything
    scoring_sheets = list(dict.fromkeys(k["sheet"] for k in keys))
    expected = [INSTRUCTIONS_SHEET, *scoring_sheets, SCALE_SHEET, IDENTITY_SHEET]
    missing = [s for s in expected if s not in wb.sheetnames]
    for s in missing:
        book.problems.append(Problem(where, None, None, f"sheet '{s}' of the template is missing (renamed or "
                                                        "deleted?); the sheets must keep their names"))
    for s in wb.sheetnames:
        if s not in expected:
            cell = _first_content(wb[s])
            if cell is not None:
                book.problems.append(Problem(where, None, None, "this sheet is not part of the template and is not "
                                                                "read: move its content into the template's sheets",
                                             sheet=s, cell=cell))
    if missing:
        return book

    code_problems: list[Problem] = []
    if training:
        book.examiner_id, code_problems = _trainee_code(wb[INSTRUCTIONS_SHEET], where)
    elif book.kind == CONSENSUS:  # the one workbook written under the team's code
        book.examiner_id = str(props.get("examiner_id") or "")
        if book.examiner_id != TEAM or not book.members or len(book.entries) != 1:
            code_problems.append(Problem(
                where, None, None, f"the consensus workbook's hidden sheet '{IDENTITY_SHEET}' was changed (its code, "
                                   "team or entry); nothing read. Make a new one with `scoring template --team`",
                sheet=IDENTITY_SHEET))
    else:
        book.examiner_id = str(props.get("examiner_id") or "")
        if is_reserved(book.examiner_id):
            code_problems.append(Problem(
                where, None, None, f"the scorebook is made out to '{book.examiner_id}', a code {RESERVED_FOR}, not an "
                                   "examiner's; nothing read (its hidden sheet was edited?)", sheet=IDENTITY_SHEET))
    book.problems += code_problems
    if book.kind == CONSENSUS and code_problems:
        return book

    if book.kind == CONSENSUS:
        cells, located, problems, column_of = consensus_cells(wb, keys, where, book, rubric, props)
    else:
        cells, located, problems = _scoring_cells(wb, keys, where, book, rubric)
        column_of = _COLUMN_OF
    book.problems += problems
    columns = {c: i for i, c in enumerate(SCORE_INPUT_COLUMNS)}
    records, problems = check_score_rows(cells, columns, where, rubric, year=book.year)
    for p in problems:
        sheet, cell = located[p.row] if p.row is not None else (None, None)
        if p.column == "examiner_id" and training:
            sheet, cell = INSTRUCTIONS_SHEET, _code_cell()
        elif p.column in ("examiner_id", "year"):
            sheet, cell = IDENTITY_SHEET, None
        elif p.column in column_of and sheet is not None:
            cell = f"{get_column_letter(column_of[p.column])}{_row_of(cell)}"
        book.problems.append(Problem(where, None, None, p.message, p.severity, sheet=sheet, cell=cell))
    book.problems.sort(key=lambda p: (p.sheet is not None, expected.index(p.sheet) if p.sheet in expected else -1,
                                      _cell_order(p.cell)))
    if not book.ok:
        return book
    for r in records:
        r["sheet"], r["cell"] = located[r["line"]]
    book.scores = scores_frame(records, located_by=_LOCATED_BY)
    if book.scores.empty:
        book.problems.append(Problem(where, None, None, "no scores filled in", "note"))
    return book


def _cell_order(cell: str | None) -> tuple[int, str]:
    """Sort key of a cell address: row, then column letters (``AA`` after ``Z``)."""
    if not cell:
        return (0, "")
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (_row_of(cell), f"{len(letters)}{letters}")


def _code_cell() -> str:
    return f"{get_column_letter(CODE_COL)}{CODE_ROW}"


def _row_of(cell: str) -> int:
    return int("".join(ch for ch in cell if ch.isdigit()))


def _trainee_code(ws, where: str) -> tuple[str | None, list[Problem]]:
    c = ws.cell(CODE_ROW, CODE_COL)
    value = c.value
    merged = _merged_over(ws, CODE_ROW, CODE_ROW, CODE_COL, CODE_COL)
    if merged:
        return None, [Problem(where, None, None, _merged_message(r, "your code"), sheet=ws.title,
                              cell=f"{get_column_letter(r.min_col)}{r.min_row}") for r in merged]
    if c.data_type == "f":
        return None, [Problem(where, None, None, "a formula where your code goes; type the code itself (e.g. T07)",
                              sheet=ws.title, cell=c.coordinate)]
    text = "" if value is None else (_number_text(value) if c.data_type == "n" else str(value)).strip()
    if not text:
        return None, [Problem(where, None, None, "the trainee's code is blank; type your code (e.g. T07), not "
                                                 "your name", sheet=ws.title, cell=c.coordinate)]
    if is_reserved(text):
        return None, [Problem(where, None, None, f"'{_shown(text)}' is {RESERVED_FOR}; type your own code (e.g. T07)",
                              sheet=ws.title, cell=c.coordinate)]
    return text, []


def _first_content(ws) -> str | None:
    for c in _cells(ws):
        if not _blank(c.value):
            return c.coordinate
    return None


def _number_text(x) -> str:
    return np.format_float_positional(float(x), trim="-")


def _shown(value) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 40 else text[:39] + "…"


def _scoring_cells(wb, keys: list[dict], where: str, book: Scorebook, rubric: Rubric):
    """The text cells of every filled scoring row, ready for ``check_score_rows``.

    Returns ``(rows, located, problems)``: rows as ``(n, cells)``, ``located[n]`` the
    (sheet, score cell) of row n.
    """
    problems: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    located: dict[int, tuple[str, str]] = {}

    def bad(ws, c, message: str) -> None:
        problems.append(Problem(where, None, None, message, sheet=ws.title, cell=c.coordinate))

    by_sheet: dict[str, dict[int, dict]] = {}
    for k in keys:
        by_sheet.setdefault(k["sheet"], {})[k["row"]] = k
    for sheet, krows in by_sheet.items():
        ws = wb[sheet]
        # merged cells over the scoring rows: a merged cell reads as blank, so a score
        # merged with its neighbour would silently be no score
        merged_rows: set[int] = set()
        for rng in _merged_over(ws, min(krows), max(krows), 1, LAST_COL):
            bad(ws, ws.cell(rng.min_row, rng.min_col), _merged_message(rng, "a score, comment or key"))
            merged_rows.update(range(rng.min_row, rng.max_row + 1))
        # content where the template has none: rows below the headings that are not scoring
        # rows, and anything right of the last column
        for c in _cells(ws, min_row=HEADER_ROW + 1):
            if _blank(c.value):
                continue
            if c.row not in krows or c.column > LAST_COL:
                bad(ws, c, f"content '{_shown(c.value)}' where the template has none (a row or column added?); "
                           "only the score and comment cells of the template's rows are read")
        for r, k in sorted(krows.items()):
            if r in merged_rows:
                continue
            expect = {
                COL_ENTRY: k["entry_id"],
                COL_CRITERION: str(k.get("criterion_text") or ""),
                COL_QUESTION: "" if k["question"] is None else str(k["question"]),
            }
            keys_ok = True
            for col, want in expect.items():
                c = ws.cell(r, col)
                have = "" if c.value is None else (_number_text(c.value) if c.data_type == "n" else str(c.value))
                if have.strip() != want:
                    what = "deleted" if not have.strip() else f"changed to '{_shown(have)}'"
                    bad(ws, c, f"a key of this scoring row was {what}; it must read '{want}' "
                               "(do not move, sort, insert or delete rows)")
                    keys_ok = False
            score, ok_score = _score_text(ws.cell(r, COL_SCORE), lambda c, m, ws=ws: bad(ws, c, m), rubric)
            comment, ok_comment = _comment_text(ws.cell(r, COL_COMMENT), lambda c, m, ws=ws: bad(ws, c, m))
            if not (keys_ok and ok_score and ok_comment):
                continue
            if score == "":
                if comment:
                    problems.append(Problem(where, None, None, "a comment without a score is not imported", "note",
                                            sheet=ws.title, cell=ws.cell(r, COL_COMMENT).coordinate))
                continue
            n = len(rows)
            located[n] = (ws.title, ws.cell(r, COL_SCORE).coordinate)
            question = "" if k["question"] is None else str(k["question"])
            rows.append((n, [str(book.year), k["entry_id"], book.examiner_id or "", str(k["criterion"]), score,
                             "individual", question, comment, "", ""]))
    return rows, located, problems


def _score_text(c, bad, rubric: Rubric) -> tuple[str, bool]:
    """A score cell as text for the row checker ("" = blank) and whether it can be used.

    A number within :data:`STEP_TOLERANCE` of one of the scale's steps is that step (as
    text, so it is written as the step); any other number within the scale but off its
    steps is refused here, however close (the row checker would let a near miss through).
    A number outside the scale is left to the row checker to name.
    """
    v = c.value
    if c.data_type == "f":
        bad(c, f"a formula ({_shown(v)}) in a score cell; type the score itself (formulas are never evaluated)")
        return "", False
    if v is None or (isinstance(v, str) and not v.strip()):
        return "", True
    if c.data_type == "n" and isinstance(v, (int, float)) and not isinstance(v, bool):
        return _on_step(c, v, bad, rubric)
    if c.data_type == "s":
        bad(c, f"text '{_shown(v)}' in a score cell; type a number from the scale (leave it blank for no score)")
    elif c.data_type == "d":
        bad(c, "a date in a score cell; type a number from the scale")
    elif c.data_type == "e":
        bad(c, f"an error value ({_shown(v)}) in a score cell; type a number from the scale")
    else:
        bad(c, f"'{_shown(v)}' in a score cell is not a number; type a number from the scale")
    return "", False


def _on_step(c, v, bad, rubric: Rubric) -> tuple[str, bool]:
    scale = rubric.scale
    try:
        x = float(v)
    except OverflowError:  # an integer of hundreds of digits
        x = float("nan")
    if not np.isfinite(x):
        bad(c, f"score {_shown(v)} is outside the scale {_number_text(scale.min)}–{_number_text(scale.max)}")
        return "", False
    steps = scale.values
    nearest = float(steps[int(np.argmin(np.abs(steps - x)))])
    if abs(x - nearest) <= STEP_TOLERANCE:
        return _number_text(round(nearest, 9)), True
    if scale.min < x < scale.max:
        bad(c, f"score {_number_text(x)} is not on the scale's step of {_number_text(scale.step)}")
        return "", False
    return _number_text(x), True


def _comment_text(c, bad) -> tuple[str, bool]:
    v = c.value
    if c.data_type == "f":
        bad(c, f"a formula ({_shown(v)}) in a comment cell; type the text itself (formulas are never evaluated)")
        return "", False
    if v is None:
        return "", True
    if c.data_type == "n" and not isinstance(v, bool):
        return _number_text(v), True
    if c.data_type == "d":
        return v.isoformat(), True
    return str(v).replace("\r\n", "\n").replace("\r", "\n").strip(), True


# --------------------------------------------------------------------------- consensus workbooks


def consensus_cells(wb, keys: list[dict], where: str, book, rubric: Rubric, props: dict):
    """The filled consensus rows of a consensus workbook, ready for ``check_score_rows``.

    Reads exactly the cells the template made for the team: per criterion (a key row) the
    consensus score, strengths and improvements; checks the key cells of those rows, merged
    cells over them, and content where the template has none (below its last row, right of
    its last column, or in a consensus column of a question's row).

    Returns ``(rows, located, problems, column_of)``: rows as ``(n, cells)`` in the order of
    :data:`scoring.data.scores.SCORE_INPUT_COLUMNS`, ``located[n]`` the (sheet, score cell) of
    row n, the problems (sheet and cell named) and the column of each score column, for
    locating the row checker's problems. ``props`` are the identity sheet's properties.
    """
    problems: list[Problem] = []
    rows: list[tuple[int, list[str]]] = []
    located: dict[int, tuple[str, str]] = {}
    cols = ConsensusColumns(len(book.members))
    column_of = {"criterion": cols.criterion, "question": cols.question, "score": cols.score,
                 "strengths": cols.strengths, "improvements": cols.improvements}

    def bad(ws, c, message: str) -> None:
        problems.append(Problem(where, None, None, message, sheet=ws.title, cell=c.coordinate))

    sheet = keys[0]["sheet"]
    ws = wb[sheet]
    krows = {k["row"]: k for k in keys}
    last_row = _last_row(props, max(krows))
    merged_rows: set[int] = set()
    for rng in _merged_over(ws, min(krows), max(krows), 1, cols.last):
        if any(rng.min_row <= r <= rng.max_row for r in krows):
            bad(ws, ws.cell(rng.min_row, rng.min_col), _merged_message(rng, "a consensus score, text or key"))
            merged_rows.update(range(rng.min_row, rng.max_row + 1))
    for c in _cells(ws, min_row=HEADER_ROW + 1):
        if _blank(c.value):
            continue
        if c.row > last_row or c.column > cols.last:
            bad(ws, c, f"content '{_shown(c.value)}' where the template has none (a row or column added?); only "
                       "the consensus cells of the criteria's rows are read")
        elif c.row not in krows and c.column in cols.inputs:
            bad(ws, c, f"content '{_shown(c.value)}' in a question's row: the consensus score and texts are given "
                       "per criterion, in the criterion's row (the yellow cells)")
    silent: list[str] = []
    for r, k in sorted(krows.items()):
        if r in merged_rows:
            continue
        keys_ok = True
        for col, want in ((cols.criterion, str(k.get("criterion_text") or "")), (cols.question, "")):
            c = ws.cell(r, col)
            have = "" if c.value is None else str(c.value)
            if have.strip() != want:
                what = "deleted" if not have.strip() else f"changed to '{_shown(have)}'"
                bad(ws, c, f"a key of this criterion's row was {what}; it must read '{want}' "
                           "(do not move, sort, insert or delete rows)")
                keys_ok = False
        score, ok_score = _score_text(ws.cell(r, cols.score), lambda c, m: bad(ws, c, m), rubric)
        texts = {}
        ok_texts = True
        for name, col in (("strengths", cols.strengths), ("improvements", cols.improvements)):
            text, ok = _comment_text(ws.cell(r, col),
                                     lambda c, m: bad(ws, c, m.replace("a comment cell", "a text cell")))
            texts[name] = "\n".join(points(text))
            ok_texts = ok_texts and ok
        if not (keys_ok and ok_score and ok_texts):
            continue
        if score == "":
            for name, col in (("strengths", cols.strengths), ("improvements", cols.improvements)):
                if texts[name]:
                    what = "strengths" if name == "strengths" else "areas for development"
                    score_cell = ws.cell(r, cols.score).coordinate
                    bad(ws, ws.cell(r, col), f"{what} without a consensus score: give the team's score for "
                                             f"{k.get('criterion_text')} in {score_cell}, or clear the text")
            continue
        if not texts["strengths"] and not texts["improvements"]:
            silent.append(str(k.get("criterion_text") or k["criterion"]))
        n = len(rows)
        located[n] = (ws.title, ws.cell(r, cols.score).coordinate)
        rows.append((n, [str(book.year), k["entry_id"], TEAM, str(k["criterion"]), score, CONSENSUS, "", "",
                         texts["strengths"], texts["improvements"]]))
    if silent and not any(p.is_error for p in problems):
        problems.append(Problem(where, None, None, f"scored without strengths or areas for development: "
                                                   f"{', '.join(silent)} (the entrant's letter has none for "
                                                   f"{'them' if len(silent) > 1 else 'it'})", "note", sheet=sheet))
    return rows, located, problems, column_of


def _last_row(props: dict, fallback: int) -> int:
    """The last row of the consensus sheet, as its identity sheet says (else the last key row)."""
    try:
        return max(int(props.get(LAST_ROW)), fallback)
    except (TypeError, ValueError):
        return fallback
