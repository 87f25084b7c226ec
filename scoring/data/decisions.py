"""The jury's decision: reading and checking ``decisions.csv``.

``data/<year>/decisions.csv`` holds one row per award: ``class, award, entry_id, motivation,
override_reason``. ``award`` is ``vinnare`` (the winner), ``hedersomnamnande`` (an honourable
mention) or ``inget_pris`` (no prize in the class; ``entry_id`` blank). ``class`` is a class id
or its Swedish label, as in ``entries.csv``. Every award carries its ``motivation`` (published
with the decision); ``override_reason`` says why an entry whose budget is not in balance may
still win.

A motivation of several paragraphs separates them by a line of its own, or, on one line, by
:data:`PARAGRAPH` ("¶"); :func:`paragraphs` splits them.

Nothing here raises on bad input except :func:`load_decisions`, which raises
:class:`~scoring.problems.InputError` carrying every error, for the reports that show a decision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..names import Matcher
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric
from .entries import class_id_for, read_entries
from .tables import _header_problems, _show, read_csv_table

__all__ = [
    "AWARDS",
    "DECISION_COLUMNS",
    "DECISIONS_FILE",
    "PARAGRAPH",
    "award_for",
    "check_decisions",
    "decisions_path",
    "load_decisions",
    "paragraphs",
    "read_decisions",
]

#: The file of a year's decision, in the year's folder.
DECISIONS_FILE = "decisions.csv"
#: The awards, as ``award`` spells them: the winner, an honourable mention, no prize in the class.
AWARDS = ("vinnare", "hedersomnamnande", "inget_pris")
WINNER, MENTION, NO_PRIZE = AWARDS
#: Columns of the DataFrame returned by :func:`read_decisions`, in order.
DECISION_COLUMNS = ("class", "award", "entry_id", "motivation", "override_reason", "line")
_INPUT = DECISION_COLUMNS[:-1]
_REQUIRED = ("class", "award", "entry_id", "motivation")
#: Separates a motivation's paragraphs written on one line.
PARAGRAPH = "¶"


def _fold(text: str) -> str:
    """Case, accents, spaces and dashes ignored: "Hedersomnämnande" and "inget pris" as ids."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", bare)


def award_for(text: str) -> str | None:
    """The award ``text`` names (one of :data:`AWARDS`; case, å/ä/ö and spaces ignored), or None."""
    folded = _fold(text)
    return folded if folded in AWARDS else None


def paragraphs(text) -> list[str]:
    """A motivation's paragraphs: split at line breaks and at :data:`PARAGRAPH`, each on one line."""
    if not isinstance(text, str):
        return []
    parts = re.split(rf"[\r\n]+|{PARAGRAPH}", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


def _frame(records: list[dict]) -> pd.DataFrame:
    col = {c: [r[c] for r in records] for c in DECISION_COLUMNS}
    return pd.DataFrame({
        **{c: pd.Series(col[c], dtype="str") for c in DECISION_COLUMNS[:-1]},
        "line": pd.Series(col["line"], dtype="int64"),
    })


def read_decisions(
    path: str | Path, entries: pd.DataFrame | None, rubric: Rubric, *,
    entries_where: str | None = None, codes: Iterable[str] = (),
) -> tuple[pd.DataFrame, list[Problem]]:
    """Read and check a decisions file.

    Parameters
    ----------
    path : the CSV file.
    entries : the year's entries (:func:`~scoring.data.read_entries`); None leaves out the
        checks against them (that an entry exists, is in the row's class and may win, and that
        every class with entries has a decision).
    rubric : the year's rubric; ``class`` is one of its class ids or Swedish labels.
    entries_where : the entries file as messages name it (default ``entries.csv`` beside ``path``).
    codes : examiner codes of the year: a motivation naming one is refused (a published
        decision names no examiner).

    Returns
    -------
    decisions : DataFrame
        One row per usable award, columns :data:`DECISION_COLUMNS`: ``class`` (the class id),
        ``award`` (one of :data:`AWARDS`), ``entry_id`` (NA for ``inget_pris``), ``motivation``,
        ``override_reason`` (NA when blank), ``line``.
    problems : list of Problem
        One per thing wrong, naming file, row and column: an unknown class or award, an entry
        not in the entries or in another class, a winner whose budget is not in balance without
        an ``override_reason``, a class with two outcomes (two winners, a winner and
        ``inget_pris``) or none, an entry awarded twice, a blank motivation. A row with an
        error of its own is left out of ``decisions``. Never raises.
    """
    path = Path(path)
    where = display_path(path)
    ewhere = entries_where or display_path(path.parent / "entries.csv")
    table, problems = read_csv_table(path, where)
    if table is None:
        return _frame([]), problems
    problems += _header_problems(table, where, _INPUT, _REQUIRED)
    complete = all(c in table.columns for c in _REQUIRED)
    known = _entry_lookup(entries)
    matcher = Matcher(codes={str(c): str(c) for c in codes if str(c).strip()})

    records: list[dict] = []
    # what the rows say, rows refused for another reason too: entry id -> line of its first award;
    # class -> (award, line) of its first winner or inget_pris; class -> its first row
    awarded: dict[str, int] = {}
    outcome: dict[str, tuple[str, int]] = {}
    first_line: dict[str, int] = {}
    for line, cells in table.rows:
        def get(c, cells=cells):
            i = table.columns.get(c)
            return cells[i] if i is not None else ""

        row: list[Problem] = []

        def bad(column: str, message: str, severity: str = "error", row=row, line=line) -> None:
            row.append(Problem(where, line, column, message, severity))

        cls_text, award_text, eid = get("class"), get("award"), get("entry_id")
        motivation, reason = get("motivation"), get("override_reason")
        cls = class_id_for(rubric, cls_text) if cls_text else None
        if "class" in table.columns and not cls_text:
            bad("class", "class is blank; every row needs one")
        elif cls_text and cls is None:
            bad("class", f"'{_show(cls_text)}' is not a class; use one of: {', '.join(rubric.class_ids)} or their "
                         "Swedish labels")
        award = award_for(award_text) if award_text else None
        if "award" in table.columns and not award_text:
            bad("award", f"award is blank; write one of: {', '.join(AWARDS)}")
        elif award_text and award is None:
            bad("award", f"'{_show(award_text)}' is not an award; write one of: {', '.join(AWARDS)}")
        if "motivation" in table.columns and not motivation.strip():
            bad("motivation", "motivation is blank: every award needs one (it is published with the decision)")
        for _start, _end, term, _value in matcher.find(motivation):
            bad("motivation", f"the motivation names the examiner code '{term}': a published decision names no "
                              "examiner")
            break
        if award == NO_PRIZE and eid:
            bad("entry_id", f"inget_pris names no entry: leave entry_id blank (it is '{_show(eid)}')")
        elif award in (WINNER, MENTION) and "entry_id" in table.columns and not eid:
            what = "the winner" if award == WINNER else "the entry"
            bad("entry_id", f"entry_id is blank: a {award} row needs the entry_id of {what}")
        entry = known.get(eid) if eid and award != NO_PRIZE else None
        if eid and award != NO_PRIZE and entries is not None:
            if entry is None:
                bad("entry_id", f"entry_id '{_show(eid)}' is not in {ewhere}")
            elif cls is not None and entry["class"] != cls:
                bad("entry_id", f"entry '{eid}' is in class {rubric.class_label(entry['class'])}, not in "
                                f"{rubric.class_label(cls)}: an award goes to an entry of its own class")
        out_of_balance = entry is not None and entry["budget_in_balance"] is False
        if award == WINNER and out_of_balance and not reason.strip():
            bad("override_reason", f"the budget of entry '{eid}' is not in balance ({ewhere}), so it cannot win "
                                   "unless override_reason says why the jury lets it win")
        elif reason.strip() and not (award == WINNER and out_of_balance) and entries is not None:
            bad("override_reason", "override_reason is only read for a winner whose budget is not in balance; it "
                                   "is ignored here", "note")
        if eid and award in (WINNER, MENTION):
            if eid in awarded:
                bad("entry_id", f"entry '{eid}' already has an award on line {awarded[eid]}: one award per entry")
            awarded.setdefault(eid, line)
        if cls is not None and award in (WINNER, NO_PRIZE):
            if cls in outcome:
                earlier, at = outcome[cls]
                what = "a winner" if earlier == WINNER else "inget_pris"
                also = "a second winner" if award == WINNER and earlier == WINNER else award
                bad("award", f"class {rubric.class_label(cls)} already has {what} on line {at}: one outcome per "
                             f"class (one winner or inget_pris), not {also} too")
            outcome.setdefault(cls, (award, line))
        problems += row
        if cls is not None:
            first_line.setdefault(cls, line)
        if not complete or any(p.is_error for p in row):
            continue
        records.append({"line": line, "class": cls, "award": award, "entry_id": eid or None,
                        "motivation": motivation.strip(), "override_reason": reason.strip() or None})
    if complete:
        problems += _missing_outcomes(where, rubric, first_line, set(outcome), entries, table.n_rows)
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    return _frame(records), problems


def _entry_lookup(entries: pd.DataFrame | None) -> dict[str, dict]:
    if entries is None or entries.empty:
        return {}
    budget = entries["budget_in_balance"] if "budget_in_balance" in entries.columns else pd.Series(pd.NA,
                                                                                                  index=entries.index)
    return {str(e): {"class": str(c), "budget_in_balance": None if pd.isna(b) else bool(b)}
            for e, c, b in zip(entries["entry_id"], entries["class"], budget, strict=True)}


def _missing_outcomes(where: str, rubric: Rubric, first_line: dict[str, int], decided: set[str],
                      entries: pd.DataFrame | None, n_rows: int) -> list[Problem]:
    """A class with honourable mentions but neither a winner nor inget_pris, and (given the
    entries) a class with entries but no decision at all."""
    problems = []
    for cls, line in first_line.items():
        if cls not in decided:
            problems.append(Problem(where, line, "award", f"class {rubric.class_label(cls)} has no outcome: add a "
                                                          "vinnare row, or an inget_pris row when no prize is given"))
    if entries is not None and not entries.empty and n_rows:
        counts = entries["class"].astype(str).value_counts()
        for cls in [c for c in rubric.class_ids if c in counts.index] + [c for c in counts.index
                                                                          if c not in rubric.class_ids]:
            if cls not in first_line:
                n = int(counts[cls])
                problems.append(Problem(where, None, "class", f"no decision for class {rubric.class_label(cls)} "
                                                              f"({n} entr{'ies' if n > 1 else 'y'}): add a vinnare "
                                                              "row, or an inget_pris row when no prize is given"))
    return problems


def decisions_path(year: int | str, data_dir: str | Path | None = None) -> Path:
    """``<data_dir>/<year>/decisions.csv`` (whether or not it exists)."""
    return Path(data_dir if data_dir is not None else DATA_DIR) / str(year) / DECISIONS_FILE


def _codes_in(scores_path: Path) -> list[str]:
    """The examiner codes of a scores file (TEAM and REF are no examiner)."""
    if not scores_path.is_file():  # a folder in its place is named by its own check
        return []
    table, _ = read_csv_table(scores_path, display_path(scores_path))
    if table is None or "examiner_id" not in table.columns:
        return []
    i = table.columns["examiner_id"]
    return sorted({cells[i] for _, cells in table.rows if cells[i]} - {"TEAM", "REF"})


def check_decisions(year_dir: str | Path, rubric: Rubric, path: str | Path | None = None) -> list[Problem]:
    """The problems of a year folder's ``decisions.csv`` (none without one: a decision is optional),
    checked against the folder's ``entries.csv`` and the examiner codes of its ``scores.csv``.

    ``path``: another decisions file of the folder to check instead (``scoring validate FILE``).
    For ``scoring validate``; never raises.
    """
    year_dir = Path(year_dir)
    path = Path(path) if path is not None else year_dir / DECISIONS_FILE
    if not path.exists():
        return []
    entries_path = year_dir / "entries.csv"
    entries, notes = None, []
    if entries_path.exists():
        entries, _ = read_entries(entries_path, rubric)
    if entries is None or entries.empty:
        entries = None
        notes.append(Problem(display_path(path), None, "entry_id", f"entries not checked: "
                                                                    f"{display_path(entries_path)} has no usable rows "
                                                                    "(validate it)", "note"))
    _, problems = read_decisions(path, entries, rubric, entries_where=display_path(entries_path),
                                 codes=_codes_in(year_dir / "scores.csv"))
    return notes + problems


def load_decisions(year: int | str, data_dir: str | Path | None = None) -> pd.DataFrame | None:
    """The year's decision (:func:`read_decisions`, checked against the year's entries and
    examiner codes), or None when the year has no ``decisions.csv``.

    Raises
    ------
    InputError
        Carrying every error of the year's files (:func:`~scoring.data.load_year`) or of
        ``decisions.csv``.
    """
    from .years import load_year

    path = decisions_path(year, data_dir)
    if not path.exists():
        return None
    yd = load_year(year, data_dir)
    codes = set(yd.scores["examiner_id"].dropna().astype(str)) - {"TEAM", "REF"}
    decisions, problems = read_decisions(path, yd.entries, yd.rubric, codes=codes)
    if any(p.is_error for p in problems):
        raise InputError(problems)
    return decisions
