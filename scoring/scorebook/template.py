"""Writing an examiner's (or a training session's) scorebook template as an Excel workbook.

The workbook has the instructions (Swedish) on its first sheet, one sheet per entry (or
training case) with one row per criterion (or question), the scale and its named bands on
the sheet ``Skala`` and, hidden, the template's identity and keys for the importer. Every
score cell accepts only the scale's values (Excel data validation), the sheets are
protected with only the score and comment cells (and a trainee's code cell) unlocked, and
the workbook's structure is locked so sheets are not renamed, moved or deleted by mistake.

An examiner's scorebook is issued: :func:`write_template` gives it an id, kept in its hidden
sheet and recorded with the examiner's code in ``<data>/scorebooks/<year>/issued.csv``
(:mod:`.issued`), and ``scoring import`` takes it only under that code.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from ..data.entries import read_entries
from ..data.register import read_assignments
from ..data.scores import check_score_rows, code_problem, individual, read_scores
from ..data.years import sessions_dir, year_folder
from ..files import write_atomically
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric, load_rubric
from .cells import put
from .issued import Issued, new_workbook_id, record_issued
from .layout import (
    AWARD,
    CODE_COL,
    CODE_ROW,
    COL_COMMENT,
    COL_CRITERION,
    COL_ENTRY,
    COL_QUESTION,
    COL_SCORE,
    FIRST_ROW,
    HEADER_ROW,
    HEADINGS,
    IDENTITY_SHEET,
    INSTRUCTIONS_SHEET,
    KEY_COLUMNS,
    KEYS_HEADING,
    MARKER,
    PROPERTIES,
    RESERVED_SHEETS,
    SCALE_SHEET,
    TRAINING,
    VERSION,
    WORKBOOK_ID,
)
from .reader import RESERVED_FOR, identity_of, is_reserved

__all__ = ["UsageError", "TemplateRow", "build_template", "save_workbook", "session_dir", "template_rows",
           "write_template"]

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_GREY = Font(color="595959")
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_KEY = PatternFill("solid", fgColor="EDEDED")
_TRAINING = PatternFill("solid", fgColor="F8CBAD")
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")
_SESSION_NAME = re.compile(r"[A-Za-z0-9ÅÄÖåäöÉé][A-Za-z0-9ÅÄÖåäöÉé_.\- ]{0,59}")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class UsageError(ValueError):
    """The command was called wrongly (exit code 2), e.g. no entries to put in a template."""


@dataclass(frozen=True)
class TemplateRow:
    """One scoring row of a template: where it is and its keys."""

    sheet: str
    row: int
    entry_id: str
    criterion: str
    question: int | None
    criterion_text: str


def session_dir(year: int | str, session: str, data_dir: str | Path | None = None) -> Path:
    """The folder of a training session: ``<data_dir>/<year>/training/<session>/``."""
    return sessions_dir(year, data_dir) / session


def write_template(
    out: str | Path,
    year: int | str,
    *,
    examiner: str | None = None,
    session: str | None = None,
    entries: list[str] | None = None,
    per_question: bool | None = None,
    data_dir: str | Path | None = None,
) -> Path:
    """Write a scorebook template for one examiner, or for a training session.

    Parameters
    ----------
    out : the ``.xlsx`` file to write (replaced atomically when it exists).
    year, examiner, session, entries, per_question, data_dir : as for :func:`build_template`.

    An examiner's scorebook is issued: it gets a new id, recorded (before the file is
    written) in ``<data_dir>/scorebooks/<year>/issued.csv`` with the examiner's code and
    a checksum of its rows; ``scoring import`` takes it only under that code. A training
    scorebook is not issued (every trainee fills in a copy of the same one).

    Returns
    -------
    The path written.

    Raises
    ------
    UsageError, InputError
        As :func:`build_template`; InputError also when a folder stands where the workbook
        goes or the list of issued scorebooks cannot be written (then nothing is written: a
        workbook already there stays).
    """
    workbook_id = new_workbook_id() if examiner is not None else None
    wb, _ = build_template(year, examiner=examiner, session=session, entries=entries, per_question=per_question,
                           data_dir=data_dir, out=out, workbook_id=workbook_id)
    if workbook_id is None:
        return save_workbook(wb, Path(out))
    it = identity_of(wb)  # recorded as the importer will read it back
    return save_issued(wb, Path(out), Issued(workbook_id, int(year), str(examiner), it["entries"], it["per_question"],
                                             it["fingerprint"], file=Path(out).name), data_dir)


def build_template(
    year: int | str,
    *,
    examiner: str | None = None,
    session: str | None = None,
    entries: list[str] | None = None,
    per_question: bool | None = None,
    data_dir: str | Path | None = None,
    out: str | Path = "scorebook.xlsx",
    workbook_id: str | None = None,
):
    """The scorebook template as an openpyxl ``Workbook``, with its scoring rows.

    Parameters
    ----------
    year : the award year.
    examiner : the examiner's code (E07); exactly one of ``examiner`` and ``session``.
    session : the training session (a folder in ``<data_dir>/<year>/training/``); the
        workbook is a training scorebook and the trainee types their code into it.
    entries : the entries (or training cases) to score. Default: for an examiner, their
        rows in ``<year>/assignments.csv``; for a session, the cases of its ``reference.csv``.
    per_question : one row per question instead of per criterion. Default: per question
        when most of the year's individual scores (or the session's reference scores)
        are given per question.
    data_dir : default the project's ``data/``.
    out : the file name used in messages.
    workbook_id : the id of an issued scorebook, kept in its hidden sheet (None: no id;
        :func:`write_template` gives one to every examiner's scorebook and records it).

    Returns
    -------
    (Workbook, list of TemplateRow)

    Raises
    ------
    UsageError
        Neither or both of ``examiner`` and ``session``; no entries given or assigned.
    InputError
        Unknown entries, an examiner code that is not a code or is reserved (``TEAM``,
        ``REF``), unreadable input files.
    """
    if (examiner is None) == (session is None):
        raise UsageError("give either an examiner (--examiner) or a training session (--session)")
    if examiner is not None and is_reserved(examiner):
        raise InputError([Problem(display_path(out), None, None, f"'{examiner}' is {RESERVED_FOR}, not an examiner's "
                                                                 "code; give the examiner's own code (e.g. E07)")])
    if examiner is not None and (problem := code_problem(examiner)):
        raise InputError([Problem(display_path(out), None, None, f"--examiner {problem}")])
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year = int(year)
    year_dir = year_folder(year, data_dir)
    rubric = load_rubric(year=year, data_dir=data_dir)
    names: dict[str, str] = {}
    if session is not None:
        if not _SESSION_NAME.fullmatch(session) or session.strip() != session:
            raise UsageError(f"session name '{session}' is not a folder name (letters, digits, - _ . and spaces)")
        ids, auto_q = _session_cases(year, session, data_dir, rubric, entries)
    else:
        ids, auto_q = _examiner_entries(year_dir, examiner, rubric, entries)
        names = _entry_names(year_dir, ids, rubric)
    if per_question is None:
        per_question = auto_q
    rows = template_rows(ids, rubric, per_question)
    _check_rows(rows, year, examiner if examiner is not None else "T00", rubric, out)
    return _workbook(rows, rubric, year, examiner, session, names, per_question, workbook_id), rows


def template_rows(entries: list[str], rubric: Rubric, per_question: bool = False) -> list[TemplateRow]:
    """The scoring rows of a template: one sheet per entry, one row per criterion (or question)."""
    rows = []
    used = {s.casefold() for s in RESERVED_SHEETS}
    for entry in entries:
        sheet = _sheet_name(entry, used)
        used.add(sheet.casefold())
        r = FIRST_ROW
        for c in rubric.criteria:
            questions = c.questions if per_question and c.questions else (None,)
            for q in questions:
                rows.append(TemplateRow(sheet, r, entry, c.id, q, c.label_sv))
                r += 1
    return rows


def _sheet_name(entry: str, used: set[str]) -> str:
    """A valid, unused sheet name for an entry id (Excel: at most 31 characters, no []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub("_", entry).strip("'") or "Bidrag"
    name, n = base[:31], 1
    while name.casefold() in used:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    return name


# --------------------------------------------------------------------------- inputs


def _split_ids(entries) -> list[str]:
    ids = [e.strip() for e in entries if e and e.strip()]
    return list(dict.fromkeys(ids))


def _examiner_entries(year_dir: Path, examiner: str, rubric: Rubric, entries) -> tuple[list[str], bool]:
    if entries:
        ids = _split_ids(entries)
    else:
        path = year_dir / "assignments.csv"
        if not path.exists():
            raise UsageError(
                f"no entries for {examiner}: give them with --entries ID,ID,... "
                f"({display_path(path)} does not exist)"
            )
        ids = _assigned(path, examiner)
        if not ids:
            raise UsageError(
                f"{examiner} has no entries in {display_path(path)}: give them with --entries ID,ID,..."
            )
    per_question = False
    scores_path = year_dir / "scores.csv"
    if scores_path.exists():
        scores, _ = read_scores(scores_path, rubric, year=int(year_dir.name))
        per_question = _mostly_per_question(individual(scores))
    return ids, per_question


def _mostly_per_question(scores) -> bool:
    """True when most of the scores are given per question (the template's default layout)."""
    return bool(len(scores)) and bool(scores["question"].notna().mean() > 0.5)


def _assigned(path: Path, examiner: str) -> list[str]:
    """The entries an examiner is assigned to in ``assignments.csv`` (``entry_id, examiner_id``)."""
    assignments, problems = read_assignments(path)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(errors)
    return _split_ids(assignments.loc[assignments["examiner_id"] == examiner, "entry_id"])


def _entry_names(year_dir: Path, ids: list[str], rubric: Rubric) -> dict[str, str]:
    """Entry id -> name from entries.csv; an id that is not there is an error."""
    path = year_dir / "entries.csv"
    if not path.exists():
        raise InputError([Problem(display_path(path), None, None, "file not found: a year folder needs entries.csv")])
    entries, problems = read_entries(path, rubric)
    if entries.empty:
        raise InputError([p for p in problems if p.is_error] or [Problem(display_path(path), None, None, "no entries")])
    names = dict(zip(entries["entry_id"], entries["name"], strict=True))
    unknown = [i for i in ids if i not in names]
    if unknown:
        raise InputError(
            [Problem(display_path(path), None, "entry_id", f"entry '{i}' is not in this file") for i in unknown]
        )
    return names


def _session_cases(year: int, session: str, data_dir: Path, rubric: Rubric, entries) -> tuple[list[str], bool]:
    folder = session_dir(year, session, data_dir)
    ref_path = folder / "reference.csv"
    if not ref_path.exists():
        if entries:
            return _split_ids(entries), False
        raise UsageError(
            f"session '{session}' has no {display_path(ref_path)}: put the reference scores there first, "
            "or name the training case(s) with --entries"
        )
    ref, problems = read_scores(ref_path, rubric, year=year)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(errors)
    ref = ref[ref["stage"] == "reference"]
    ids = _split_ids(entries) if entries else list(dict.fromkeys(ref["entry_id"]))
    if not ids:
        raise InputError([Problem(display_path(ref_path), None, "stage", "no reference rows (stage reference)")])
    return ids, _mostly_per_question(ref)


def _check_rows(rows: list[TemplateRow], year: int, examiner: str, rubric: Rubric, out) -> None:
    """Check the template's rows as the importer will check them (codes, entries, criteria)."""
    columns = {c: i for i, c in enumerate(("year", "entry_id", "examiner_id", "criterion", "score", "question"))}
    cells = [
        (i, [str(year), r.entry_id, examiner, r.criterion, f"{rubric.scale.min:g}",
             "" if r.question is None else str(r.question)])
        for i, r in enumerate(rows)
    ]  # fmt: skip
    _, problems = check_score_rows(cells, columns, display_path(out), rubric, year=year)
    messages = list(dict.fromkeys(p.message for p in problems if p.is_error))
    if messages:
        raise InputError([Problem(display_path(out), None, None, m) for m in messages])


# --------------------------------------------------------------------------- the workbook


def _workbook(rows, rubric: Rubric, year: int, examiner, session, names, per_question: bool,
              workbook_id: str | None = None) -> Workbook:
    wb = Workbook()
    training = session is not None
    intro = wb.active
    intro.title = INSTRUCTIONS_SHEET
    _instructions(intro, rubric, year, examiner, session, per_question)
    scale_rows = _scale_sheet(wb.create_sheet(SCALE_SHEET), rubric)

    by_sheet: dict[str, list[TemplateRow]] = {}
    for r in rows:
        by_sheet.setdefault(r.sheet, []).append(r)
    for i, (sheet, srows) in enumerate(by_sheet.items()):
        ws = wb.create_sheet(sheet, index=1 + i)
        _scoring_sheet(ws, srows, rubric, year, examiner, session, names, scale_rows)
        if training:
            ws.sheet_properties.tabColor = "ED7D31"
    _identity(wb.create_sheet(IDENTITY_SHEET), rows, year, examiner, session, per_question, workbook_id)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    return wb


def _protect(ws) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let people widen columns and rows
    ws.protection.formatRows = False


def _instructions(ws, rubric: Rubric, year: int, examiner, session, per_question: bool) -> None:
    s = rubric.scale
    training = session is not None
    values = ", ".join(f"{v:g}" for v in s.values[:3]) + f", …, {s.max:g}"
    if training:
        put(ws, 1, 1, f"Övningsprotokoll – examinatorsutbildning {year}", font=_TITLE)
        put(ws, 2, 1, "ÖVNINGSPROTOKOLL: poängen används bara på utbildningen och förs aldrig in i "
                      "utmärkelsens poäng.", font=_BOLD, fill=_TRAINING)
        put(ws, 3, 1, "Utbildning", font=_BOLD)
        put(ws, 3, 2, session)
    else:
        put(ws, 1, 1, f"Bedömningsprotokoll – Stockholms stads kvalitetsutmärkelse {year}", font=_TITLE)
        put(ws, 3, 1, "Examinator", font=_BOLD)
        put(ws, 3, 2, examiner)
    put(ws, 4, 1, "År", font=_BOLD)
    put(ws, 4, 2, year, alignment=Alignment(horizontal="left"))
    if training:
        put(ws, CODE_ROW, 1, "Din deltagarkod", font=_BOLD)
        put(ws, CODE_ROW, CODE_COL, None, fill=_INPUT, protection=_UNLOCKED)
        put(ws, CODE_ROW, 3, "← skriv din kod här (t.ex. T07), inte ditt namn", font=_GREY)
        code = DataValidation(type="textLength", operator="between", formula1="1", formula2="20", allow_blank=True,
                              showErrorMessage=True, errorTitle="Deltagarkod",
                              error="Skriv din deltagarkod, t.ex. T07 (högst 20 tecken).")
        ws.add_data_validation(code)
        code.add(ws.cell(CODE_ROW, CODE_COL).coordinate)

    unit = "fråga" if per_question else "kriterium"
    lines = [
        ("Så här fyller du i protokollet", _BOLD),
        (f"1. Varje {'övningsfall' if training else 'bidrag'} har ett eget blad (flikarna längst ned), "
         f"med en rad per {unit}.", None),
        (f"2. Skriv din poäng i kolumnen Poäng. Tillåtna värden är skalans steg: {values} "
         "(se nivåerna nedan och bladet Skala). Andra värden tas inte emot.", None),
        ("3. Lämna rutan tom om du inte har satt någon poäng. Tom betyder ingen poäng – inte noll.", None),
        ("4. Skriv bara siffror i poängrutorna: inga formler och inga ord.", None),
        ("5. Skriv gärna styrkor och utvecklingsområden i kolumnen Kommentar.", None),
        ("6. Ändra inte bladens namn eller kolumnerna Bidrag, Kriterium och Fråga, och lägg inte till rader "
         "eller blad. Bladen är skyddade: bara de gula rutorna går att fylla i.", None),
    ]
    if training:
        lines += [
            ("7. Skriv din deltagarkod i den gula rutan ovan – inte ditt namn.", None),
            ("8. Spara som Excel-arbetsbok (.xlsx), även i LibreOffice, och lägg filen i utbildningens mapp. "
             "Vill du ändra något sparar du igen under samma filnamn.", None),
        ]
    else:
        lines.append(("7. Spara som Excel-arbetsbok (.xlsx), även i LibreOffice, och skicka filen till "
                      "utmärkelsens administratör.", None))
    instruction_lines(ws, lines, s)


def instruction_lines(ws, lines: list[tuple[str, object]], scale) -> None:
    """The instructions sheet from row 7: the numbered ``(text, font)`` lines, then the scale and
    its named bands; the columns' widths and the sheet's protection (every workbook's own)."""
    row = 7
    for text, font in lines:
        put(ws, row, 1, text, **({"font": font} if font else {}))
        row += 1
    row += 1
    put(ws, row, 1, f"Poängskala: {scale.min:g}–{scale.max:g} i steg om {scale.step:g}", font=_BOLD)
    for b in scale.bands:
        row += 1
        put(ws, row, 1, f"{b.low:g}–{b.high:g}")
        put(ws, row, 2, b.label_sv)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions["C"].width = 45
    _protect(ws)


def _scale_sheet(ws, rubric: Rubric) -> str:
    """The scale's values and their bands; returns the range the data validation lists."""
    put(ws, 1, 1, "Poäng", font=_BOLD)
    put(ws, 1, 2, "Nivå", font=_BOLD)
    values = rubric.scale.values
    for i, v in enumerate(values, start=2):
        x = float(v)
        put(ws, i, 1, int(x) if x.is_integer() else float(np.round(x, 10)))
        band = rubric.scale.band(x)
        put(ws, i, 2, band.label_sv if band else None)
    ws.column_dimensions["B"].width = 45
    _protect(ws)
    return f"{SCALE_SHEET}!$A$2:$A${len(values) + 1}"


def _scoring_sheet(ws, rows: list[TemplateRow], rubric, year, examiner, session, names, scale_range: str) -> None:
    entry = rows[0].entry_id
    if session is not None:
        put(ws, 1, 1, f"Övningsfall {entry}", font=_TITLE)
        put(ws, 2, 1, f"ÖVNINGSPROTOKOLL – utbildningen {session} {year}. Poängen förs aldrig in i utmärkelsens "
                      "poäng.", font=_BOLD, fill=_TRAINING)
    else:
        title = f"Bidrag {entry}" + (f" – {names[entry]}" if names.get(entry) else "")
        put(ws, 1, 1, title, font=_TITLE)
        put(ws, 2, 1, f"Examinator {examiner} · {year}")
    s = rubric.scale
    put(ws, 3, 1, f"Poäng {s.min:g}–{s.max:g} i steg om {s.step:g}; tom ruta = ingen poäng.", font=_GREY)
    for col, heading in HEADINGS.items():
        put(ws, HEADER_ROW, col, heading, font=_BOLD)
    for r in rows:
        put(ws, r.row, COL_ENTRY, r.entry_id, fill=_KEY)
        put(ws, r.row, COL_CRITERION, r.criterion_text, fill=_KEY)
        put(ws, r.row, COL_QUESTION, r.question, fill=_KEY, alignment=Alignment(horizontal="center"))
        put(ws, r.row, COL_SCORE, None, fill=_INPUT, protection=_UNLOCKED, number_format="General",
            alignment=Alignment(horizontal="center"))
        put(ws, r.row, COL_COMMENT, None, fill=_INPUT, protection=_UNLOCKED, alignment=_WRAP)
    first, last = rows[0].row, rows[-1].row
    values = ", ".join(f"{v:g}" for v in s.values[:3]) + f", …, {s.max:g}"
    dv = DataValidation(
        type="list", formula1=scale_range, allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle="Ogiltig poäng", error=f"Poängen ska vara ett av skalans värden: {values}. Lämna rutan tom om "
                                          "du inte har satt någon poäng.",
        showInputMessage=True, promptTitle="Poäng", prompt=f"{values}; tom = ingen poäng",
    )  # fmt: skip
    ws.add_data_validation(dv)
    col = get_column_letter(COL_SCORE)
    dv.add(f"{col}{first}:{col}{last}")
    widths = {COL_ENTRY: 12, COL_CRITERION: 28, COL_QUESTION: 7, COL_SCORE: 8, COL_COMMENT: 70}
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = ws.cell(FIRST_ROW, 1).coordinate
    _protect(ws)


def _identity(ws, rows: list[TemplateRow], year, examiner, session, per_question: bool, workbook_id=None) -> None:
    props = {
        "kind": TRAINING if session is not None else AWARD,
        "year": year,
        "examiner_id": examiner or "",
        "session": session or "",
        "per_question": "yes" if per_question else "no",
    }
    identity_sheet(ws, rows, props, workbook_id)


def identity_sheet(ws, rows: list[TemplateRow], props: dict, workbook_id: str | None = None,
                   extra: tuple[tuple[str, object], ...] = ()) -> None:
    """The hidden identity sheet: the marker and version, the :data:`PROPERTIES` from ``props``,
    the workbook id (only when there is one: a workbook without one is written as before), any
    ``extra`` (name, value) rows, then the keys of every scoring row the importer reads."""
    put(ws, 1, 1, MARKER)
    put(ws, 1, 2, VERSION)
    r = 2
    for name in PROPERTIES:
        put(ws, r, 1, name)
        put(ws, r, 2, props[name])
        r += 1
    for name, value in ((WORKBOOK_ID, workbook_id),) * (workbook_id is not None) + tuple(extra):
        put(ws, r, 1, name)
        put(ws, r, 2, value)
        r += 1
    r += 1
    put(ws, r, 1, KEYS_HEADING)
    r += 1
    for c, name in enumerate(KEY_COLUMNS, 1):
        put(ws, r, c, name)
    for row in rows:
        r += 1
        for c, v in enumerate((row.sheet, row.row, row.entry_id, row.criterion, row.question, row.criterion_text), 1):
            put(ws, r, c, v)
    ws.sheet_state = "veryHidden"
    _protect(ws)


def save_issued(wb: Workbook, out: Path, issued: Issued, data_dir: str | Path | None) -> Path:
    """Record an issued workbook in the year's list of issued scorebooks (:func:`record_issued`), then save
    it (:func:`save_workbook`). A place it cannot go (a folder) is refused before anything is recorded,
    and a workbook already at ``out`` is replaced only once the new one is recorded."""
    out = Path(out)
    if out.exists() and not out.is_file():
        raise InputError([Problem(display_path(out), None, None, "is a folder, not a file; not written")])
    record_issued(issued, data_dir)
    return save_workbook(wb, out)


def save_workbook(wb: Workbook, out: str | Path) -> Path:
    """Save a workbook atomically (:func:`scoring.files.write_atomically`)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb.save(buf)
    return write_atomically(out, buf.getvalue())
