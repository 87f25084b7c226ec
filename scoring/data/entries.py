"""Entries: reading and checking ``entries.csv``, and naming a class."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..problems import Problem, display_path
from ..rubric import Rubric
from .tables import _WHOLE, _header_problems, _show, read_csv_table

__all__ = ["ENTRY_COLUMNS", "YES_NO", "class_id_for", "read_entries"]

#: Columns of the DataFrame returned by :func:`read_entries`, in order.
ENTRY_COLUMNS = ("entry_id", "name", "class", "district", "staff_count", "budget_in_balance", "aliases",
                 "administration", "unit_id", "line")
_ENTRY_INPUT = ENTRY_COLUMNS[:-1]
_ENTRY_REQUIRED = ("entry_id", "name", "class")

#: Words read as yes and no (``budget_in_balance``), case-folded.
YES_NO = {
    "ja": True, "yes": True, "true": True, "1": True, "sant": True,
    "nej": False, "no": False, "false": False, "0": False, "falskt": False,
}


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
            "aliases": pd.Series(col["aliases"], dtype="str"),
            "administration": pd.Series(col["administration"], dtype="str"),
            "unit_id": pd.Series(col["unit_id"], dtype="str"),
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
        sant/falskt), ``aliases`` (other names the unit goes by, ``;``-separated as written; NA
        when blank: redacted in blind packs like the name), ``administration`` (the city
        administration the unit belongs to) and ``unit_id`` (the same unit across years; both NA
        when blank), ``line``.
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

        rec = {"line": line, "entry_id": get("entry_id"), "name": get("name"), "district": get("district") or None,
               "aliases": "; ".join(a.strip() for a in get("aliases").split(";") if a.strip()) or None,
               "administration": " ".join(get("administration").split()) or None,
               "unit_id": get("unit_id") or None}
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

