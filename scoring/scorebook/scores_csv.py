"""A year's ``scores.csv`` as text: read once, rows removed, added or their score corrected,
written back atomically.

Rows that are kept are written back exactly as they were (byte for byte); new rows follow
the file's own format: its separator, byte-order mark, line ending and decimal comma (with
the number of decimals most of its scores have). A corrected row changes only in its score
cell, written like the score it replaces (its decimals, decimal comma and quotes). A column
the new rows need and the header lacks (``stage``, ``question``, ``comment``, ``strengths``,
``improvements``) is added at the end of the header, and then, only then, every row gets an
empty cell for it (:attr:`ScoresCsv.added_columns`). A file
that is not UTF-8 is refused: its new rows could not be written in the same encoding without
a risk to å, ä and ö. :meth:`ScoresCsv.write` can have the change logged
(:mod:`scoring.data.changes`) just before the file is replaced.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.changes import sha256_bytes
from ..data.scores import SCORE_INPUT_COLUMNS, SCORE_REQUIRED_COLUMNS, TEXT_COLUMNS, check_score_rows, read_scores
from ..data.tables import column_name, sniff_delimiter
from ..problems import InputError, Problem, display_path, read_bytes
from ..rubric import Rubric

__all__ = ["ScoresCsv"]

_BOM = b"\xef\xbb\xbf"


@dataclass
class _Chunk:
    """A piece of the file: a record (``line`` = its first line), the header, or other lines."""

    text: str
    line: int | None = None  # set for records
    header: bool = False


@dataclass
class ScoresCsv:
    """The scores file of one year, ready for rows to be removed and appended.

    Attributes
    ----------
    path : the file (it need not exist yet).
    records : the valid rows, as :func:`scoring.data.scores.check_score_rows` gives them (exact
        duplicates included), each with ``line``; rows added with :meth:`append` have
        ``line`` None.
    sha256 : the SHA-256 of the file's bytes as read ("" when it did not exist).
    """

    path: Path
    records: list[dict] = field(default_factory=list)
    delimiter: str = ","
    bom: bool = False
    newline: str = "\n"
    decimal_comma: bool = False
    decimals: int = 0
    header: list[str] = field(default_factory=lambda: [c for c in SCORE_INPUT_COLUMNS if c not in TEXT_COLUMNS])
    _chunks: list[_Chunk] = field(default_factory=list)
    _removed: set[int] = field(default_factory=set)
    _added: list[dict] = field(default_factory=list)
    _replaced: dict[int, str] = field(default_factory=dict)
    _cells: dict[int, list[str]] = field(default_factory=dict)
    _stat: tuple | None = None
    sha256: str = ""
    _doing: str = "importing"

    @classmethod
    def read(cls, path: str | Path, rubric: Rubric, year: int, *, done: str = "nothing imported",
             doing: str = "importing") -> ScoresCsv:
        """Read and check the file (a missing file is an empty one).

        ``done`` (what the refused command did instead) and ``doing`` (what it was doing, for
        a file changed meanwhile) word the messages.

        Raises
        ------
        InputError
            When the file has errors (as ``scoring validate`` reports them) or is not UTF-8.
        """
        path = Path(path)
        self = cls(path)
        self._doing = doing
        if not path.exists():
            return self
        where = display_path(path)
        st = path.stat()
        self._stat = (st.st_mtime_ns, st.st_size)
        raw = read_bytes(path)
        self.sha256 = sha256_bytes(raw)
        self.bom = raw.startswith(_BOM)
        try:
            text = raw[len(_BOM) if self.bom else 0:].decode("utf-8")
        except UnicodeDecodeError:
            again = "import again" if done == "nothing imported" else "try again"
            raise InputError([Problem(where, None, None, "not UTF-8 text: rows cannot be added in its encoding "
                                                         "without a risk to å, ä and ö; save it as 'CSV UTF-8' "
                                                         f"and {again}")]) from None
        self._parse(text)
        if any(c.line is not None for c in self._chunks):
            problems = [p for p in read_scores(path, rubric, year=year)[1] if p.is_error]
            if problems:
                raise InputError(problems + [Problem(where, None, None, f"{done}: fix this file first "
                                                                        "(scoring validate shows every problem)")])
        elif self._chunks:
            missing = [c for c in SCORE_REQUIRED_COLUMNS if c not in self.header]
            if missing:
                raise InputError([Problem(where, 1, m, f"missing required column '{m}'") for m in missing])
        self._records(rubric, year)
        return self

    @classmethod
    def parse(cls, text: str, rubric: Rubric, year: int, path: str | Path = "scores.csv") -> ScoresCsv:
        """The file from its text (a byte-order mark as a leading U+FEFF), without reading or checking
        a file: its valid rows become :attr:`records`, other rows are kept as they are."""
        self = cls(Path(path))
        self.bom = text.startswith("\ufeff")
        self.sha256 = sha256_bytes(text.encode("utf-8"))
        self._parse(text.removeprefix("\ufeff"))
        self._records(rubric, year)
        return self

    def _records(self, rubric: Rubric, year: int) -> None:
        where = display_path(self.path)
        columns = {}
        for i, name in enumerate(self.header):
            columns.setdefault(name, i)
        cells = [(c.line, self._cells[c.line]) for c in self._chunks if c.line is not None]
        self.records, _ = check_score_rows(cells, columns, where, rubric, year=year, duplicates=False)
        scores = [self._cells[ln][columns["score"]] for ln, _ in cells] if "score" in columns else []
        self.decimal_comma = any("," in s for s in scores)
        places = Counter(len(re.split(r"[.,]", s)[1]) if re.search(r"[.,]", s) else 0 for s in scores)
        self.decimals = places.most_common(1)[0][0] if places else 0

    def _parse(self, text: str) -> None:
        lines = list(io.StringIO(text, newline=""))
        i = 0
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i == len(lines):
            self._chunks = [_Chunk(text)] if text else []
            return
        self._chunks = [_Chunk("".join(lines[:i]))] if i else []
        m = re.fullmatch(r"\s*sep=(.)\s*", lines[i])
        if m:
            self.delimiter = m.group(1)
            self._chunks.append(_Chunk(lines[i]))
            i += 1
        else:
            self.delimiter = sniff_delimiter(lines[i])
        ending = re.search(r"\r\n|\n|\r$", lines[i]) if i < len(lines) else None
        self.newline = ending.group(0) if ending else "\n"
        self._cells: dict[int, list[str]] = {}
        reader = csv.reader(iter(lines[i:]), delimiter=self.delimiter)
        before = i
        header_done = False
        for cells in reader:
            start, end = before + 1, i + reader.line_num
            chunk = "".join(lines[before:end])
            before = end
            cells = [c.strip() for c in cells]
            if not any(cells):
                self._chunks.append(_Chunk(chunk))
            elif not header_done:
                self.header = [column_name(c) for c in cells]
                self._chunks.append(_Chunk(chunk, header=True))
                header_done = True
            else:
                self._cells[start] = cells
                self._chunks.append(_Chunk(chunk, line=start))

    # ------------------------------------------------------------------ changes
    def remove(self, records: list[dict]) -> None:
        """Remove rows (records of :attr:`records`)."""
        drop = {id(r) for r in records}
        for r in records:
            if r.get("line") is not None:
                self._removed.add(r["line"])
        self._added = [r for r in self._added if id(r) not in drop]
        self.records = [r for r in self.records if id(r) not in drop]

    def append(self, records: list[dict]) -> None:
        """Add rows (dicts with the score columns) at the end of the file."""
        new = [{**r, "line": None} for r in records]
        self._added += new
        self.records += new

    def set_score(self, record: dict, score: float) -> None:
        """Change the score of an existing row (a record of :attr:`records` read from the file).

        Only its score cell changes, written like the score it replaces (decimals, decimal
        comma, quotes and spaces around it); the rest of the row and every other row stay
        byte for byte.
        """
        line = record.get("line")
        if line is None or line in self._removed or line not in self._cells:
            raise ValueError("only a row read from the file can be corrected")
        chunk = next(c for c in self._chunks if c.line == line)
        text = self._replaced.get(line, chunk.text)
        self._replaced[line] = _replace_field(text, self.delimiter, self.header.index("score"),
                                              lambda old: self._score_like(old, score))
        record["score"] = score

    @property
    def changed(self) -> bool:
        return bool(self._removed or self._added or self._replaced)

    # ------------------------------------------------------------------ writing
    @property
    def added_columns(self) -> list[str]:
        """The columns the rows to be added need and the file's header lacks, in the order they
        are added at its end. Adding one rewrites every row of the file: each gets an empty
        cell per added column (its values kept). Only a column a new row needs is ever added;
        a file without a ``stage`` column holds individual scores only, as an examiner's new
        rows are."""
        tests = (
            ("stage", lambda r: (r.get("stage") or "individual") != "individual"),
            ("question", lambda r: r["question"] is not None),
            ("comment", lambda r: bool(r["comment"])),
            *((c, lambda r, c=c: bool(r.get(c))) for c in TEXT_COLUMNS),
        )
        return [c for c, test in tests if c not in self.header and any(test(r) for r in self._added)]

    @property
    def rewrites_rows(self) -> bool:
        """True when writing adds columns to a file that has rows: every row is rewritten (its
        values kept, an empty cell added per column)."""
        return bool(self.added_columns) and any(c.line is not None for c in self._chunks if c.line not in self._removed)

    def text(self) -> str:
        """The file's new content (without the byte-order mark)."""
        needed = self.added_columns
        header = self.header + needed
        extra = self.delimiter * len(needed)
        out = []
        if not any(c.header for c in self._chunks):
            out.append(self._row(header))
        for c in self._chunks:
            if c.line in self._removed:
                continue
            text = self._replaced.get(c.line, c.text) if c.line is not None else c.text
            if (c.header or c.line is not None) and extra:
                body = text.rstrip("\r\n")
                text = body + (extra if c.line is not None else self.delimiter.join([""] + needed)) + text[len(body):]
            out.append(text)
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += self.newline
        for r in self._added:
            out.append(self._row([self._value(r, name) for name in header]))
        return "".join(out)

    def _row(self, values: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, delimiter=self.delimiter, lineterminator=self.newline).writerow(values)
        return buf.getvalue()

    def _value(self, r: dict, name: str) -> str:
        if name == "score":
            return self._score(r["score"])
        if name == "question":
            return "" if r["question"] is None else str(r["question"])
        if name == "year":
            return str(r["year"])
        if name in ("entry_id", "examiner_id", "criterion", "stage", "comment", *TEXT_COLUMNS):
            return str(r.get(name) or "")
        return ""

    def _score(self, x: float) -> str:
        text = f"{x:.{self.decimals}f}"
        if float(text) != x:
            text = np.format_float_positional(x, trim="-")
        return text.replace(".", ",") if self.decimal_comma else text

    def _score_like(self, old: str, x: float) -> str:
        """``x`` written like the raw cell ``old`` (spaces, quotes, decimals, decimal comma)."""
        lead, core, trail = re.fullmatch(r"(\s*)(.*?)(\s*)", old, re.S).groups()
        quoted = len(core) >= 2 and core[0] == core[-1] == '"'
        inner = core[1:-1] if quoted else core
        sep = "," if "," in inner else "." if "." in inner else None
        places = len(re.split(r"[.,]", inner, maxsplit=1)[1]) if sep else 0
        text = f"{x:.{places}f}"
        if float(text) != x:
            text = np.format_float_positional(x, trim="-")
        if sep == "," or (sep is None and self.decimal_comma):
            text = text.replace(".", ",")
        if not quoted and self.delimiter in text:
            quoted = True
        return lead + (f'"{text}"' if quoted else text) + trail

    def data(self) -> bytes:
        """The file's new bytes (with its byte-order mark)."""
        return (_BOM if self.bom else b"") + self.text().encode("utf-8")

    def write(self, journal: Callable[[str, str], Callable[[], None]] | None = None) -> None:
        """Write the file atomically: a temporary file in the same folder, then ``os.replace``.

        ``journal(before, after)``, given the SHA-256 of the file's bytes before ("" when it
        did not exist) and after, logs the change once the new file is ready, just before it
        replaces the old one, and returns how to take the log entry back: called when the
        replacement fails (:func:`scoring.data.changes.journal`).

        Raises
        ------
        InputError
            When the file changed on disk since it was read (nothing is written or logged).
        """
        path = self.path
        data = self.data()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, (path.stat().st_mode & 0o777) if path.exists() else 0o644)
            now = path.stat() if path.exists() else None
            if (None if now is None else (now.st_mtime_ns, now.st_size)) != self._stat:
                again = "run the import again" if self._doing == "importing" else "run it again"
                raise InputError([Problem(display_path(path), None, None, f"the file changed while {self._doing}; "
                                                                          f"nothing written: {again}")])
            undo = journal(self.sha256, sha256_bytes(data)) if journal is not None else None
            try:
                os.replace(tmp, path)
            except BaseException:
                if undo is not None and not _holds(path, data):  # not replaced: take the log entry back
                    undo()
                raise
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file ``path`` holds ``data`` (False when it cannot be read)."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def _replace_field(text: str, delimiter: str, index: int, new: Callable[[str], str]) -> str:
    """``text`` (one CSV record, as the file has it) with its field ``index`` replaced by
    ``new(old)``, where ``old`` is the field's raw text (quotes and spaces included). Fields
    are split as :mod:`csv` splits them: a quote opens a quoted field only as its first
    character, ``""`` inside is a quote."""
    start, i, n, field_no = 0, 0, len(text), 0
    while True:
        if i < n and text[i] == '"':  # a quoted field: up to its closing quote
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        while i < n and text[i] != delimiter and text[i] not in "\r\n":
            i += 1
        if field_no == index:
            return text[:start] + new(text[start:i]) + text[i:]
        if i >= n or text[i] != delimiter:
            raise ValueError(f"the row has no field {index + 1}")
        i += 1
        start, field_no = i, field_no + 1
