"""The examiner scorebooks ``scoring template`` issued: ``<data>/scorebooks/<year>/issued.csv``.

Every examiner's scorebook gets an id when it is made; the id is written into the
workbook's hidden sheet and recorded here with the code it was made out to and a checksum
of what the hidden sheet says (entries, rows, keys). ``scoring import`` takes a workbook
only under the code it was issued for: a workbook whose id is not here, whose code or
checksum differ from what was recorded, is refused. The hidden sheet can be edited by
anyone who opens the file (its protection has no password); this list cannot, it lives
in the data folder.

The list lives outside the year's folder, beside it: the year's folder holds the data
that reports are made from, and an issued scorebook is no data yet.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..files import write_atomically
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from .lock import hold

__all__ = ["ISSUED_COLUMNS", "Issued", "issued_path", "new_workbook_id", "read_issued", "record_issued"]

#: Columns of ``issued.csv``.
ISSUED_COLUMNS = ("workbook_id", "year", "examiner_id", "entries", "per_question", "fingerprint", "issued_at", "file")
_LOCK = ".issued.lock"


@dataclass(frozen=True)
class Issued:
    """One issued scorebook: its id, for whom, what (entries as a note for people; the
    ``fingerprint`` is what is compared), when, and the file name it was written to."""

    workbook_id: str
    year: int
    examiner_id: str
    entries: tuple[str, ...]
    per_question: bool
    fingerprint: str
    issued_at: str = ""
    file: str = ""


def issued_path(year: int | str, data_dir: str | Path | None = None) -> Path:
    """``<data_dir>/scorebooks/<year>/issued.csv``."""
    return Path(data_dir if data_dir is not None else DATA_DIR) / "scorebooks" / str(int(year)) / "issued.csv"


def new_workbook_id() -> str:
    """A new, unguessable workbook id (16 hexadecimal digits)."""
    return secrets.token_hex(8)


def read_issued(year: int | str, data_dir: str | Path | None = None) -> dict[str, Issued]:
    """The scorebooks issued for a year, by id ({} when none was).

    Raises
    ------
    InputError
        Naming the file and line, when the list is damaged (it is written by ``scoring
        template`` only).
    """
    path = issued_path(year, data_dir)
    if not path.exists():
        return {}
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(where, None, None, f"cannot read the list of issued scorebooks: {e}")]) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return {}
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ISSUED_COLUMNS if c not in header]
    if missing:
        raise InputError([Problem(where, 1, m, f"missing column '{m}' (the file is written by `scoring template`; "
                                               "restore it)") for m in missing])
    col = {c: header.index(c) for c in ISSUED_COLUMNS}
    issued: dict[str, Issued] = {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            raise InputError([Problem(where, line, None, f"{len(cells)} cells where the header has {len(header)} "
                                                         "(the file is written by `scoring template`; restore it)")])
        get = {c: cells[i].strip() for c, i in col.items()}
        try:
            y = int(get["year"])
        except ValueError:
            raise InputError([Problem(where, line, "year", f"year '{get['year']}' is not a year")]) from None
        if get["workbook_id"] and get["workbook_id"] not in issued:
            issued[get["workbook_id"]] = Issued(
                get["workbook_id"], y, get["examiner_id"], tuple(get["entries"].split()), get["per_question"] == "yes",
                get["fingerprint"], get["issued_at"], get["file"])
    return issued


def record_issued(issued: Issued, data_dir: str | Path | None = None) -> Path:
    """Add an issued scorebook to the year's list (created when missing); written atomically,
    one writer at a time. Returns the list's path."""
    path = issued_path(issued.year, data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    row = [issued.workbook_id, str(issued.year), issued.examiner_id, " ".join(issued.entries),
           "yes" if issued.per_question else "no", issued.fingerprint,
           issued.issued_at or datetime.now().isoformat(timespec="seconds"), issued.file]
    with hold(path.parent / _LOCK, f"`scoring template` for {issued.year}", done="no scorebook written"):
        old = path.read_bytes() if path.is_file() else b""
        if old and not old.endswith((b"\n", b"\r")):
            old += b"\n"
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        if not old:
            writer.writerow(ISSUED_COLUMNS)
        writer.writerow(row)
        write_atomically(path, old + buf.getvalue().encode("utf-8"))
    return path
