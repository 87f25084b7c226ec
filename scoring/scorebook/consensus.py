"""The team leader's consensus workbook: ``scoring template --team ENTRY`` and its import.

One workbook per entry, for the team's consensus meeting. Its sheet (named by the entry id)
has a row per criterion and, below it, a row per question where members scored the criterion
per question. Each row shows every member's individual score side by side (one column per
member, in the order of the team), the spread (highest minus lowest, filled orange where it
exceeds the rubric's ``spread_threshold``), the consensus-agenda flag (the rule of
:func:`scoring.consensus.consensus_agenda`) and, to the right, every member's comment. All of
that is read-only. Per criterion, the criterion's row has three yellow, unlocked cells the team
fills in: the consensus score (only the scale's values), the team's strengths and its areas for
development, one point per line inside the cell (Alt+Enter in Excel, Ctrl+Enter in
LibreOffice; a leading bullet is dropped, :func:`scoring.data.scores.points`).

The workbook is issued like an examiner's scorebook (:mod:`.issued`), under the team's code
``TEAM``, with the same protections, hidden identity sheet and keys, and it is read by
:func:`scoring.scorebook.read_scorebook` (:func:`scoring.scorebook.reader.consensus_cells`
reads its cells). ``scoring
import`` stores it as the entry's consensus (:func:`consensus_changes`): rows with
``stage=consensus``, ``examiner_id=TEAM`` and the texts in ``strengths`` and ``improvements``.
A criterion may be scored without texts; a text without a score is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from ..consensus import consensus_agenda
from ..data.changes import ScoreChange
from ..data.register import read_assignments
from ..data.scores import criterion_scores, individual, read_scores, scores_frame
from ..data.years import year_folder
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric, load_rubric
from .cells import put
from .issued import Issued, new_workbook_id
from .layout import (
    CONSENSUS,
    FIRST_ROW,
    HEADER_ROW,
    IDENTITY_SHEET,
    INSTRUCTIONS_SHEET,
    LAST_ROW,
    MEMBERS,
    RESERVED_SHEETS,
    SCALE_SHEET,
    TEAM,
    ConsensusColumns,
)
from .reader import identity_of
from .template import (
    TemplateRow,
    UsageError,
    _check_rows,
    _entry_names,
    _protect,
    _scale_sheet,
    _sheet_name,
    identity_sheet,
    instruction_lines,
    save_issued,
)

__all__ = ["ConsensusChanges", "build_consensus_template", "consensus_changes", "write_consensus_template"]

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_GREY = Font(color="595959")
_INPUT = PatternFill("solid", fgColor="FFF2CC")
_KEY = PatternFill("solid", fgColor="EDEDED")
#: The spread of a row whose highest and lowest score lie more than the threshold apart.
SPREAD_FILL = PatternFill("solid", fgColor="F4B183")
#: A criterion on the consensus agenda.
AGENDA_FILL = PatternFill("solid", fgColor="FF9B9B")
#: What the agenda column says of a criterion on the agenda.
ON_AGENDA = "Ja – diskutera"
_UNLOCKED = Protection(locked=False)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="top")


@dataclass(frozen=True)
class _Row:
    """One row of the consensus sheet: a criterion's (``question`` None: the consensus cells) or
    one of its questions'."""

    row: int
    criterion: str
    label: str
    question: int | None


# --------------------------------------------------------------------------- the template


def write_consensus_template(out: str | Path, year: int | str, entry: str, *,
                             data_dir: str | Path | None = None) -> Path:
    """Write the team leader's consensus workbook for one entry, and issue it under ``TEAM``.

    Parameters
    ----------
    out : the ``.xlsx`` file to write (replaced atomically when it exists).
    year, entry, data_dir : as for :func:`build_consensus_template`.

    The workbook gets a new id, recorded (before the file is written) in
    ``<data_dir>/scorebooks/<year>/issued.csv`` with the code ``TEAM``, the entry and a
    checksum of its rows and team; ``scoring import`` takes it only as that.

    Returns
    -------
    The path written.

    Raises
    ------
    UsageError, InputError
        As :func:`build_consensus_template`; InputError also when a folder stands where the workbook
        goes or the list of issued scorebooks cannot be written (then nothing is written: a
        workbook already there stays).
    """
    workbook_id = new_workbook_id()
    wb = build_consensus_template(year, entry, data_dir=data_dir, out=out, workbook_id=workbook_id)
    it = identity_of(wb)
    return save_issued(wb, Path(out), Issued(workbook_id, int(year), TEAM, it["entries"], it["per_question"],
                                             it["fingerprint"], file=Path(out).name), data_dir)


def build_consensus_template(year: int | str, entry: str, *, data_dir: str | Path | None = None,
                             out: str | Path = "konsensus.xlsx", workbook_id: str | None = None) -> Workbook:
    """The consensus workbook of one entry as an openpyxl ``Workbook``.

    Parameters
    ----------
    year : the award year.
    entry : the entry id (it must be in the year's ``entries.csv``).
    data_dir : default the project's ``data/``.
    out : the file name used in messages.
    workbook_id : the id of an issued workbook, kept in its hidden sheet (None: no id).

    The team is the entry's examiners in ``<year>/assignments.csv`` (in its order), then anyone
    else who handed in individual scores for the entry in ``<year>/scores.csv`` (by code); without
    ``assignments.csv`` (or without rows for the entry there), the examiners of those scores.

    Raises
    ------
    UsageError
        The entry has no team: neither rows in ``assignments.csv`` nor individual scores in
        ``scores.csv`` (both files named).
    InputError
        An entry not in ``entries.csv``; errors in ``scores.csv`` or ``assignments.csv``; a
        missing year folder or rubric.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year = int(year)
    entry = str(entry).strip()
    if not entry:
        raise UsageError("give the entry with --team ENTRY (e.g. --team 2024-03)")
    year_dir = year_folder(year, data_dir)
    rubric = load_rubric(year=year, data_dir=data_dir)
    names = _entry_names(year_dir, [entry], rubric)

    scores_path = year_dir / "scores.csv"
    raw = None
    if scores_path.exists():
        raw, problems = read_scores(scores_path, rubric, year=year)
        errors = [p for p in problems if p.is_error]
        if errors:
            raise InputError(errors + [Problem(display_path(scores_path), None, None, "no consensus workbook "
                                               "written: fix this file first (scoring validate shows every problem)")])
        raw = individual(raw)
        raw = raw[raw["entry_id"] == entry]
    assignments_path = year_dir / "assignments.csv"
    planned: list[str] = []
    if assignments_path.exists():
        assignments, problems = read_assignments(assignments_path)
        errors = [p for p in problems if p.is_error]
        if errors:
            raise InputError(errors)
        planned = list(dict.fromkeys(assignments.loc[assignments["entry_id"] == entry, "examiner_id"]))
    scored = sorted(set(raw["examiner_id"])) if raw is not None else []
    members = planned + [e for e in scored if e not in planned]
    if not members:
        raise UsageError(
            f"entry {entry} has no team: it has no rows in {display_path(assignments_path)}"
            f"{'' if assignments_path.is_file() else ' (no such file)'} and no individual scores in "
            f"{display_path(scores_path)}{'' if scores_path.is_file() else ' (no such file)'}; plan the teams "
            f"(`scoring plan --year {year}`) or import the examiners' scorebooks first"
        )
    if raw is None:
        raw = scores_frame([])
    sheet = _sheet_name(entry, {s.casefold() for s in RESERVED_SHEETS})
    rows = _rows(raw, rubric)
    keys = [TemplateRow(sheet, r.row, entry, r.criterion, None, r.label) for r in rows if r.question is None]
    _check_rows(keys, year, TEAM, rubric, out)

    wb = Workbook()
    intro = wb.active
    intro.title = INSTRUCTIONS_SHEET
    per_question = any(r.question is not None for r in rows)
    _instructions(intro, rubric, year, entry, names.get(entry, ""), members, per_question)
    scale_range = _scale_sheet(wb.create_sheet(SCALE_SHEET), rubric)
    ws = wb.create_sheet(sheet, index=1)
    _consensus_sheet(ws, rows, raw, rubric, year, entry, names.get(entry, ""), members, scale_range)
    last_row = rows[-1].row
    _identity(wb.create_sheet(IDENTITY_SHEET), keys, year, per_question, members, last_row, workbook_id)
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    return wb


def _rows(raw: pd.DataFrame, rubric: Rubric) -> list[_Row]:
    """A row per criterion, each followed by a row per question some member scored."""
    asked = set(raw["question"].dropna().astype(int))
    rows, r = [], FIRST_ROW
    for c in rubric.criteria:
        rows.append(_Row(r, c.id, c.label_sv, None))
        r += 1
        for q in c.questions:
            if q in asked:
                rows.append(_Row(r, c.id, c.label_sv, q))
                r += 1
    return rows


def _number(x: float):
    """A score as shown: whole numbers as int, a criterion's mean of question scores to one decimal."""
    x = round(float(x), 1)
    return int(x) if x.is_integer() else x


def _consensus_sheet(ws, rows: list[_Row], raw: pd.DataFrame, rubric: Rubric, year: int, entry: str, name: str,
                     members: list[str], scale_range: str) -> None:
    cols = ConsensusColumns(len(members))
    threshold = rubric.spread_threshold
    rolled = criterion_scores(raw, rubric) if len(raw) else None
    crit_score: dict[tuple[str, str], float] = {}
    if rolled is not None:
        crit_score = {(r.examiner_id, r.criterion): r.score for r in rolled.itertuples()}
    whole = raw[raw["question"].isna()]
    crit_comment = {(r.examiner_id, r.criterion): r.comment for r in whole.itertuples()}
    parts = raw[raw["question"].notna()]
    q_score = {(r.examiner_id, int(r.question)): r.score for r in parts.itertuples()}
    q_comment = {(r.examiner_id, int(r.question)): r.comment for r in parts.itertuples()}
    agenda = set(consensus_agenda(rolled, rubric)["criterion"]) if rolled is not None else set()

    put(ws, 1, 1, f"Konsensus – bidrag {entry}" + (f" – {name}" if name else ""), font=_TITLE)
    silent = [m for m in members if m not in set(raw["examiner_id"])]
    team = f"Laget: {', '.join(members)} · {year}"
    if silent:
        team += f" · inga individuella poäng ännu från {', '.join(silent)}"
    put(ws, 2, 1, team)
    s = rubric.scale
    put(ws, 3, 1, f"Spridning = högsta minus lägsta poäng, orange när den är större än {threshold:g}. Fyll i de gula "
                  f"rutorna: konsensuspoäng {s.min:g}–{s.max:g} i steg om {s.step:g}, styrkor och "
                  "utvecklingsområden med en punkt per rad.", font=_GREY)
    headings = {cols.criterion: "Kriterium", cols.question: "Fråga", cols.spread: "Spridning",
                cols.agenda: "Konsensusagenda", cols.score: "Konsensuspoäng",
                cols.strengths: "Styrkor (en punkt per rad)",
                cols.improvements: "Utvecklingsområden (en punkt per rad)"}
    for i, m in enumerate(members):
        headings[cols.member(i)] = m
        headings[cols.comment(i)] = f"Kommentar {m}"
    for col, heading in headings.items():
        put(ws, HEADER_ROW, col, heading, font=_BOLD, alignment=Alignment(wrap_text=True, vertical="bottom"))

    score_cells = []
    for r in rows:
        criterion_row = r.question is None
        label_font = _BOLD if criterion_row else _GREY
        put(ws, r.row, cols.criterion, r.label, fill=_KEY, font=label_font, alignment=_WRAP)
        put(ws, r.row, cols.question, r.question, fill=_KEY, alignment=_CENTRE)
        given = []
        for i, m in enumerate(members):
            if criterion_row:
                x, text = crit_score.get((m, r.criterion)), crit_comment.get((m, r.criterion), "")
            else:
                x, text = q_score.get((m, r.question)), q_comment.get((m, r.question), "")
            if x is not None and not pd.isna(x):
                given.append(float(x))
            put(ws, r.row, cols.member(i), None if x is None or pd.isna(x) else _number(x), alignment=_CENTRE,
                font=label_font if criterion_row else Font())
            put(ws, r.row, cols.comment(i), text or None, alignment=_WRAP)
        spread = max(given) - min(given) if len(given) >= 2 else None
        wide = spread is not None and spread > threshold
        put(ws, r.row, cols.spread, None if spread is None else _number(spread), alignment=_CENTRE,
            **({"fill": SPREAD_FILL, "font": _BOLD} if wide else {}))
        if criterion_row:
            on = r.criterion in agenda
            put(ws, r.row, cols.agenda, ON_AGENDA if on else None, alignment=_CENTRE,
                **({"fill": AGENDA_FILL, "font": _BOLD} if on else {}))
            put(ws, r.row, cols.score, None, fill=_INPUT, protection=_UNLOCKED, number_format="General",
                alignment=_CENTRE)
            put(ws, r.row, cols.strengths, None, fill=_INPUT, protection=_UNLOCKED, alignment=_WRAP)
            put(ws, r.row, cols.improvements, None, fill=_INPUT, protection=_UNLOCKED, alignment=_WRAP)
            score_cells.append(ws.cell(r.row, cols.score).coordinate)
    values = ", ".join(f"{v:g}" for v in s.values[:3]) + f", …, {s.max:g}"
    dv = DataValidation(
        type="list", formula1=scale_range, allow_blank=True, showErrorMessage=True, errorStyle="stop",
        errorTitle="Ogiltig poäng", error=f"Konsensuspoängen ska vara ett av skalans värden: {values}. Lämna rutan "
                                          "tom om laget inte har satt någon poäng.",
        showInputMessage=True, promptTitle="Konsensuspoäng", prompt=f"{values}; tom = ingen poäng",
    )  # fmt: skip
    ws.add_data_validation(dv)
    for cell in score_cells:
        dv.add(cell)
    widths = {cols.criterion: 26, cols.question: 7, cols.spread: 10, cols.agenda: 15, cols.score: 14,
              cols.strengths: 48, cols.improvements: 48}
    for i in range(len(members)):
        widths[cols.member(i)] = 8
        widths[cols.comment(i)] = 36
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = w
    ws.freeze_panes = ws.cell(FIRST_ROW, cols.question + 1).coordinate
    _protect(ws)


def _instructions(ws, rubric: Rubric, year: int, entry: str, name: str, members: list[str],
                  per_question: bool) -> None:
    s = rubric.scale
    put(ws, 1, 1, f"Konsensusprotokoll – Stockholms stads kvalitetsutmärkelse {year}", font=_TITLE)
    put(ws, 3, 1, "Bidrag", font=_BOLD)
    put(ws, 3, 2, f"{entry} – {name}" if name else entry)
    put(ws, 4, 1, "År", font=_BOLD)
    put(ws, 4, 2, year, alignment=Alignment(horizontal="left"))
    put(ws, 5, 1, "Laget", font=_BOLD)
    put(ws, 5, 2, ", ".join(members))
    values = ", ".join(f"{v:g}" for v in s.values[:3]) + f", …, {s.max:g}"
    q = " och, under varje kriterium, per fråga där de har satt poäng per fråga" if per_question else ""
    lines = [
        ("Så här fyller du i konsensusprotokollet", _BOLD),
        (f"1. Bladet {entry} visar lagets individuella poäng per kriterium{q}, sida vid sida, och till höger "
         "varje examinators kommentar. De kan inte ändras här.", None),
        (f"2. Spridning är högsta minus lägsta poäng. Den är orange när den är större än "
         f"{rubric.spread_threshold:g} poäng; då står kriteriet på konsensusagendan ('{ON_AGENDA}').", None),
        (f"3. Skriv lagets konsensuspoäng per kriterium i kolumnen Konsensuspoäng. Tillåtna värden är skalans "
         f"steg: {values}. Tom ruta betyder ingen poäng – inte noll.", None),
        ("4. Skriv lagets styrkor och utvecklingsområden för kriteriet i sina kolumner, en punkt per rad i rutan "
         "(ny rad i rutan: Alt+Enter i Excel, Ctrl+Enter i LibreOffice). Ett tecken som • eller - först på "
         "raden behövs inte. Texterna går till bidragets återföringsrapport.", None),
        ("5. Ett kriterium kan få poäng utan text, men text utan konsensuspoäng tas inte emot.", None),
        ("6. Ändra inte bladens namn eller kolumnerna Kriterium och Fråga, och lägg inte till rader eller blad. "
         "Bladen är skyddade: bara de gula rutorna går att fylla i.", None),
        ("7. Spara som Excel-arbetsbok (.xlsx), även i LibreOffice, och skicka filen till utmärkelsens "
         "administratör. Den läses in som bidragets konsensus (under koden TEAM).", None),
    ]
    instruction_lines(ws, lines, s)


def _identity(ws, keys: list[TemplateRow], year: int, per_question: bool, members: list[str], last_row: int,
              workbook_id: str | None) -> None:
    props = {"kind": CONSENSUS, "year": year, "examiner_id": TEAM, "session": "",
             "per_question": "yes" if per_question else "no"}
    identity_sheet(ws, keys, props, workbook_id, ((MEMBERS, " ".join(members)), (LAST_ROW, last_row)))


# --------------------------------------------------------------------------- importing


@dataclass
class ConsensusChanges:
    """What importing a consensus workbook changes in ``scores.csv``.

    ``changes``: one tuple per key ``(entry_id, criterion, question, change, old, new)``;
    ``log``: the change log's rows (a row under another code that the team's row replaces is
    logged as removed under that code); ``remove``/``add``: the records to remove and append.
    """

    changes: list[tuple]
    log: list[ScoreChange]
    remove: list[dict]
    add: list[dict]

    @property
    def destructive(self) -> bool:
        return any(c[3] in ("changed", "removed") for c in self.changes)


def _key(r) -> tuple:
    q = r["question"]
    return (r["entry_id"], r["criterion"], None if q is None or pd.isna(q) else int(q))


def _same(old: dict, new: dict) -> bool:
    return (old["examiner_id"] == TEAM and old["score"] == new["score"] and not (old.get("comment") or "")
            and all((old.get(c) or "") == (new.get(c) or "") for c in ("strengths", "improvements")))


def consensus_changes(book, records: list[dict], rubric: Rubric, source: str = "",
                      source_sha256: str = "") -> ConsensusChanges:
    """Compare a consensus workbook's rows with the entry's consensus rows in ``records``.

    The entry's earlier consensus is every ``stage=consensus`` row of the entry, under any
    code (a team's chosen examiner id, or ``TEAM``). A key (criterion, question) is unchanged
    when its one earlier row is the team's with the same score and texts; else it is changed
    (an earlier row under another code is replaced by the team's), added or removed (an
    earlier row the workbook has no score for).
    """
    entry = book.entries[0]
    new = [{**r, "question": None} for r in book.scores.drop(columns=["sheet", "cell"]).to_dict("records")]
    old = [r for r in records if r["stage"] == CONSENSUS and r["entry_id"] == entry]
    old_by_key: dict[tuple, list[dict]] = {}
    for r in old:
        old_by_key.setdefault(_key(r), []).append(r)
    new_by_key = {_key(r): r for r in new}

    def logged(r: dict, examiner: str, before, after) -> ScoreChange:
        return ScoreChange(r["entry_id"], examiner, r["criterion"], CONSENSUS, before, after, _key(r)[2], source,
                           source_sha256)

    changes, log, remove, add = [], [], [], []
    for k, r in new_by_key.items():
        olds = old_by_key.get(k, [])
        if not olds:
            changes.append((*k, "added", None, r["score"]))
            log.append(logged(r, TEAM, None, r["score"]))
            add.append(r)
            continue
        if len(olds) == 1 and _same(olds[0], r):
            continue
        team = next((o for o in olds if o["examiner_id"] == TEAM), None)
        changes.append((*k, "changed", (team or olds[0])["score"], r["score"]))
        for o in olds:
            if o is not team:
                log.append(logged(o, o["examiner_id"], o["score"], None))
        log.append(logged(r, TEAM, None if team is None else team["score"], r["score"]))
        remove += olds
        add.append(r)
    for k, olds in old_by_key.items():
        if k not in new_by_key:
            changes.append((*k, "removed", olds[0]["score"], None))
            log += [logged(o, o["examiner_id"], o["score"], None) for o in olds]
            remove += olds
    crit = {c: i for i, c in enumerate(rubric.criterion_ids)}
    changes.sort(key=lambda c: (crit.get(c[1], 0), c[2] or 0))
    return ConsensusChanges(changes, log, remove, add)
