"""The change log of a year's scores, ``<year>/changes.csv``: appended, never rewritten.

Every change to ``scores.csv`` that the package makes (``scoring import``, ``scoring
correct``) appends one row per changed score row (:data:`CHANGE_LOG_COLUMNS`): when, who ran
it, what and why, which row, old → new, the source file and its checksum, and the SHA-256 of
``scores.csv``'s bytes before and after the write. The rows of one write share its time and
checksums.

Order of writing: the log rows are appended (in one write, then flushed to disk) *before*
``scores.csv`` is replaced, and removed again (the file cut back to its earlier length) only
when that replacement fails in the same process. So ``scores.csv`` never holds a change the
log does not; a run killed between the two leaves a logged change that never reached
``scores.csv``, which :func:`check_changes` recognises (the file's checksum is the last
row's *before*) and reports as such.

:func:`check_changes` (wired into ``scoring validate``) reports a malformed log as errors
naming row and column, and as notes: ``scores.csv`` changed outside the package after the
last logged change (its checksum differs from the log's last ``scores_sha256_after``) or
between two logged changes, and a logged change that never reached the file. No log means
no history yet: nothing is said.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import BIDI_CONTROLS, InputError, Problem, display_path, os_reason
from ..rubric import STAGES
from .tables import _WHOLE, _header_problems, _parse_number, _show, read_csv_table

__all__ = [
    "CHANGE_LOG",
    "CHANGE_LOG_COLUMNS",
    "ChangeLog",
    "Gap",
    "ScoreChange",
    "append_changes",
    "changes_text",
    "check_changes",
    "journal",
    "log_rows",
    "now",
    "read_change_log",
    "sha256_bytes",
    "sha256_file",
    "text_value",
    "who",
]

#: The change log's file name in a year folder.
CHANGE_LOG = "changes.csv"
#: The change log's columns, in order (design.md, "Change log").
CHANGE_LOG_COLUMNS = (
    "time", "by", "action", "reason", "entry_id", "examiner_id", "criterion", "question", "stage",
    "old_score", "new_score", "source", "source_sha256", "scores_sha256_before", "scores_sha256_after",
)
_REQUIRED = ("time", "by", "action", "entry_id", "examiner_id", "criterion", "source", "scores_sha256_after")
_SHA = re.compile(r"[0-9a-f]{64}")
#: What a one-line value from the command line must not hold: control characters, line and
#: paragraph separators and bidi controls (a log row is one line, shown as it is in reports).
_UNFIT = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")


@dataclass(frozen=True)
class ScoreChange:
    """One changed score row: ``old_score`` None for an added row, ``new_score`` None for a
    removed one; ``source`` the workbook (as named in messages) or ``"scoring correct"``,
    ``source_sha256`` the workbook's checksum ("" for a correction)."""

    entry_id: str
    examiner_id: str
    criterion: str
    stage: str
    old_score: float | None
    new_score: float | None
    question: int | None = None
    source: str = ""
    source_sha256: str = ""


# --------------------------------------------------------------------------- writing
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, "" when it does not exist."""
    try:
        return sha256_bytes(Path(path).read_bytes())
    except FileNotFoundError:
        return ""


def now() -> str:
    """The time now as the log writes it: ISO 8601 with the local time zone, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def text_value(value: str | None, what: str, *, required: bool = True) -> str:
    """A one-line text for the log (``by``, ``reason``), trimmed.

    Raises
    ------
    ValueError
        Naming ``what``, when it is blank (and ``required``) or holds a control character,
        a line break or a bidi control.
    """
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValueError(f"{what} is blank: the change log records it")
    if _UNFIT.search(text):
        raise ValueError(f"{what} '{_show(_UNFIT.sub('?', text))}' holds a control character or a line break: "
                         "write it on one line, as plain text")
    return text


def who(by: str | None = None) -> str:
    """Who runs the change: ``by`` as given, else the login name (``getpass.getuser()``).

    Raises
    ------
    ValueError
        When ``by`` is blank or not one line of text, or no login name can be found.
    """
    if by is None:
        try:
            by = getpass.getuser()
        except Exception:  # no login name in the environment or the user database
            raise ValueError("cannot tell who runs this (no login name): give --by NAME") from None
    return text_value(by, "--by")


def _number(x: float | None) -> str:
    return "" if x is None or pd.isna(x) else np.format_float_positional(float(x), trim="-")


def log_rows(changes: Iterable[ScoreChange], *, by: str, action: str, reason: str, before: str, after: str,
             time: str | None = None) -> list[list[str]]:
    """The log rows of one write, each a list of text in :data:`CHANGE_LOG_COLUMNS` order.

    ``before`` and ``after``: the SHA-256 of ``scores.csv``'s bytes before ("" when it did not
    exist) and after the write; ``time`` default :func:`now`.
    """
    time = time or now()
    return [[time, by, action, reason, c.entry_id, c.examiner_id, c.criterion,
             "" if c.question is None or pd.isna(c.question) else str(int(c.question)), c.stage,
             _number(c.old_score), _number(c.new_score), c.source, c.source_sha256, before, after]
            for c in changes]


def changes_text(rows: Iterable[Iterable[str]], *, header: bool = True, newline: str = "\n") -> str:
    """Log rows as CSV text (comma-separated, quoted where needed), with the header first."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    if header:
        writer.writerow(CHANGE_LOG_COLUMNS)
    writer.writerows(rows)
    return buf.getvalue()


def append_changes(path: str | Path, rows: list[list[str]]) -> Callable[[], None]:
    """Append rows to the log at ``path`` in one write, flushed to disk; the header only when
    the file is new (or empty).

    Returns an ``undo`` that takes this append back (cuts the file back to its length before,
    or removes a file it created): for the caller whose own write then fails. Bytes that were
    there before are never touched. A write that fails is taken back at once.

    Raises
    ------
    InputError
        When the file's first line is not the log's header (rows would land under other
        columns): nothing is appended.
    """
    path = Path(path)
    existed = path.exists()
    size = path.stat().st_size if existed else 0
    newline, lead = "\n", b""
    if size:
        try:
            with open(path, "rb") as f:
                first = f.readline()
                f.seek(size - 1)
                last = f.read(1)
        except OSError as e:
            raise InputError([Problem(display_path(path), None, None, f"{os_reason(e)}; nothing changed")]) from None
        head = first.decode("utf-8", "replace").removeprefix("\ufeff")
        if head.rstrip("\r\n") != ",".join(CHANGE_LOG_COLUMNS):
            raise InputError([Problem(display_path(path), 1, None, "this is not the change log's header "
                                                                   f"({', '.join(CHANGE_LOG_COLUMNS)}); nothing "
                                                                   "changed: restore the log from a backup")])
        newline = "\r\n" if head.endswith("\r\n") else "\n"
        lead = b"" if last in (b"\n", b"\r") else newline.encode()  # end a last line left open
    data = lead + changes_text(rows, header=not size, newline=newline).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)

    def undo() -> None:
        if existed:
            os.truncate(path, size)
        else:
            path.unlink(missing_ok=True)

    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as e:
        why = f"{os_reason(e, 'write')}; nothing changed"
        raise InputError([Problem(display_path(path), None, None, why)]) from None
    try:
        view = memoryview(data)
        while view:  # one call; a regular file takes it whole, or raises
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        undo()
        raise
    os.close(fd)
    return undo


def journal(path: str | Path, changes: list[ScoreChange], *, by: str, action: str, reason: str = "",
            time: str | None = None) -> Callable[[str, str], Callable[[], None]]:
    """What a writer of ``scores.csv`` calls with the checksums before and after its write,
    just before it replaces the file: appends the changes to the log at ``path`` and returns
    the ``undo`` of :func:`append_changes`."""

    def write(before: str, after: str) -> Callable[[], None]:
        return append_changes(path, log_rows(changes, by=by, action=action, reason=reason, before=before,
                                             after=after, time=time))

    return write


# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Gap:
    """A place where ``scores.csv`` and the log part ways.

    kind : ``"edited"``: the file was changed outside the package (after the log's last
        change when ``next_time`` is None, else between two logged changes); ``"missing"``:
        ``scores.csv`` is gone though the log records changes; ``"interrupted"``: the change
        logged at ``time`` never reached the file (the run stopped between the two writes).
    line : the log row the gap is found at.
    time : the logged change before the gap (``"interrupted"``: the change that was lost).
    next_time : the next logged change, None at the end of the log.
    action : the logged change's action.
    """

    kind: str
    line: int
    time: str
    next_time: str | None = None
    action: str = ""


@dataclass
class ChangeLog:
    """A year's change log as read: ``rows`` (the valid rows, :data:`CHANGE_LOG_COLUMNS` plus
    ``line``; ``old_score``/``new_score`` float, NaN when blank; ``question`` Int64), the
    file's ``problems`` and the ``gaps`` between the log and ``scores.csv`` (found only when the
    log has no errors)."""

    path: Path
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def _empty_rows() -> pd.DataFrame:
    return _frame([])


def _frame(records: list[dict]) -> pd.DataFrame:
    cols = {c: [r[c] for r in records] for c in (*CHANGE_LOG_COLUMNS, "line")}
    df = pd.DataFrame({c: pd.Series(cols[c], dtype="str") for c in CHANGE_LOG_COLUMNS})
    df["question"] = pd.array(cols["question"], dtype="Int64")
    for c in ("old_score", "new_score"):
        df[c] = pd.Series(cols[c], dtype="float64")
    df["line"] = pd.Series(cols["line"], dtype="int64")
    return df


def _check_row(line: int, get, where: str) -> tuple[dict, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(where, line, column, message))

    rec = {c: get(c) for c in CHANGE_LOG_COLUMNS}
    rec["line"] = line
    for c in _REQUIRED:
        if not rec[c]:
            bad(c, f"{c} is blank; every change needs one")
    if rec["time"]:
        try:
            t = datetime.fromisoformat(rec["time"])
        except ValueError:
            bad("time", f"time '{_show(rec['time'])}' is not an ISO 8601 time (e.g. 2024-05-02T10:11:12+02:00)")
        else:
            if t.tzinfo is None:
                bad("time", f"time '{_show(rec['time'])}' has no time zone (e.g. 2024-05-02T10:11:12+02:00)")
    if rec["action"] == "correct" and not rec["reason"]:
        bad("reason", "reason is blank; a correction needs one")
    q = rec["question"]
    rec["question"] = None
    if q:
        if _WHOLE.fullmatch(q):
            rec["question"] = int(float(q.replace(",", ".")))
        else:
            bad("question", f"question '{_show(q)}' is not a question number")
    if rec["stage"] and rec["stage"] not in STAGES:
        bad("stage", f"stage '{_show(rec['stage'])}' is not a stage; use one of: {', '.join(STAGES)}")
    for c in ("old_score", "new_score"):
        text = rec[c]
        rec[c] = None
        if text:
            rec[c] = _parse_number(text)
            if rec[c] is None:
                bad(c, f"{c} '{_show(text)}' is not a number")
    if not get("old_score") and not get("new_score"):
        bad("new_score", "old_score and new_score are both blank; a change has at least one")
    for c in ("source_sha256", "scores_sha256_before", "scores_sha256_after"):
        if rec[c] and not _SHA.fullmatch(rec[c]):
            bad(c, f"{c} '{_show(rec[c], 20)}' is not a SHA-256 checksum (64 characters 0-9, a-f)")
    return rec, problems


def read_change_log(year_dir: str | Path, path: str | Path | None = None) -> ChangeLog | None:
    """Read and check the change log ``path`` (default ``<year_dir>/changes.csv``) against the
    ``scores.csv`` beside it; None when there is no log (no history yet). Never raises on bad
    input."""
    path = Path(path) if path is not None else Path(year_dir) / CHANGE_LOG
    if not path.exists():
        return None
    if path.is_file() and path.stat().st_size == 0:  # an empty log: no history yet either
        return ChangeLog(path, _empty_rows())
    where = display_path(path)
    table, problems = read_csv_table(path, where)
    if table is None:
        return ChangeLog(path, _empty_rows(), problems)
    if table.n_rows == 0:  # a header without rows: no change logged yet
        problems = [p for p in problems if not p.message.startswith("no rows:")]
    problems += _header_problems(table, where, CHANGE_LOG_COLUMNS, CHANGE_LOG_COLUMNS)
    if any(p.is_error for p in problems):
        return ChangeLog(path, _empty_rows(), problems)
    records = []
    for line, cells in table.rows:
        rec, row_problems = _check_row(line, lambda c, cells=cells: cells[table.columns[c]], where)
        problems += row_problems
        if not row_problems:
            records.append(rec)
    log = ChangeLog(path, _frame(records), problems)
    scores = path.parent / "scores.csv"
    if log.ok and records and (scores.is_file() or not scores.exists()):  # a folder is named by its own check
        log.gaps = _gaps(records, sha256_file(scores) if scores.exists() else None)
    return log


def _gaps(records: list[dict], current: str | None) -> list[Gap]:
    """Where the chain of checksums breaks: between writes, and between the last one and the file."""
    writes: list[dict] = []  # one per write: its first row, with the line of its last
    for r in records:
        w = writes[-1] if writes else None
        if w is not None and all(w[k] == r[k] for k in ("time", "scores_sha256_before", "scores_sha256_after")):
            w["last"] = r["line"]
        else:
            writes.append({**r, "last": r["line"]})
    gaps = []
    for prev, cur in zip(writes, writes[1:], strict=False):
        if cur["scores_sha256_before"] == prev["scores_sha256_after"]:
            continue
        if cur["scores_sha256_before"] == prev["scores_sha256_before"]:
            gaps.append(Gap("interrupted", prev["line"], prev["time"], cur["time"], prev["action"]))
        else:
            gaps.append(Gap("edited", cur["line"], prev["time"], cur["time"], cur["action"]))
    last = writes[-1]
    if current == last["scores_sha256_after"]:
        return gaps
    if (current or "") == last["scores_sha256_before"]:
        gaps.append(Gap("interrupted", last["line"], last["time"], None, last["action"]))
    else:
        gaps.append(Gap("missing" if current is None else "edited", last["last"], last["time"], None,
                        last["action"]))
    return gaps


def _gap_problem(gap: Gap, where: str) -> Problem:
    if gap.kind == "interrupted":
        then = ("; run it again if it is still wanted" if gap.next_time is None
                else f"; the next change ({gap.next_time}) starts from the file as it was before it")
        return Problem(where, gap.line, "scores_sha256_after", f"the change of {gap.time} ({gap.action}) never reached "
                                                               "scores.csv: the run stopped after logging it, and "
                                                               f"scores.csv is as before it{then}", "note")
    if gap.kind == "missing":
        return Problem(where, gap.line, "scores_sha256_after", "scores.csv is missing, though the change log records "
                                                               f"changes up to {gap.time}", "note")
    outside = "scores.csv was changed outside scoring (import/correct)"
    if gap.next_time is None:
        return Problem(where, gap.line, "scores_sha256_after", f"{outside} after {gap.time}: its checksum differs "
                                                               "from the change log's last entry", "note")
    return Problem(where, gap.line, "scores_sha256_before", f"{outside} between {gap.time} and {gap.next_time}: "
                                                            "this change starts from another file than the one the "
                                                            "change before it left", "note")


def check_changes(year_dir: str | Path, path: str | Path | None = None) -> list[Problem]:
    """Check a year's change log, as ``scoring validate`` does.

    Parameters
    ----------
    year_dir : the year folder; its ``changes.csv`` is checked against its ``scores.csv``.
    path : another log file to check instead (``changes*.csv`` given alone), against the
        ``scores.csv`` beside it.

    Returns
    -------
    list of Problem
        Errors naming row and column for a malformed log; notes for ``scores.csv`` changed
        outside the package (a hand edit), missing, or a logged change that never reached
        it. Empty without a log (no history yet). Never raises on bad input.
    """
    log = read_change_log(year_dir, path)
    if log is None:
        return []
    where = display_path(log.path)
    return log.problems + [_gap_problem(g, where) for g in log.gaps]
