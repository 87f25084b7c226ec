"""A year's ``scores.csv`` as text: read once, rows removed and added, written back atomically.

Rows that are kept are written back exactly as they were (byte for byte); new rows follow
the file's own format: its separator, byte-order mark, line ending and decimal comma (with
the number of decimals most of its scores have). A file that is not UTF-8 is refused: its
new rows could not be written in the same encoding without a risk to å, ä and ö.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.scores import SCORE_INPUT_COLUMNS, SCORE_REQUIRED_COLUMNS, check_score_rows, read_scores
from ..data.tables import column_name, sniff_delimiter
from ..problems import InputError, Problem, display_path
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
    """

    path: Path
    records: list[dict] = field(default_factory=list)
    delimiter: str = ","
    bom: bool = False
    newline: str = "\n"
    decimal_comma: bool = False
    decimals: int = 0
    header: list[str] = field(default_factory=lambda: list(SCORE_INPUT_COLUMNS))
    _chunks: list[_Chunk] = field(default_factory=list)
    _removed: set[int] = field(default_factory=set)
    _added: list[dict] = field(default_factory=list)
    _stat: tuple | None = None

    @classmethod
    def read(cls, path: str | Path, rubric: Rubric, year: int) -> ScoresCsv:
        """Read and check the file (a missing file is an empty one).

        Raises
        ------
        InputError
            When the file has errors (as ``scoring validate`` reports them) or is not UTF-8.
        """
        path = Path(path)
        self = cls(path)
        if not path.exists():
            return self
        where = display_path(path)
        st = path.stat()
        self._stat = (st.st_mtime_ns, st.st_size)
        raw = path.read_bytes()
        self.bom = raw.startswith(_BOM)
        try:
            text = raw[len(_BOM) if self.bom else 0:].decode("utf-8")
        except UnicodeDecodeError:
            raise InputError([Problem(where, None, None, "not UTF-8 text: rows cannot be added in its encoding "
                                                         "without a risk to å, ä and ö; save it as 'CSV UTF-8' "
                                                         "and import again")]) from None
        self._parse(text)
        if any(c.line is not None for c in self._chunks):
            problems = [p for p in read_scores(path, rubric, year=year)[1] if p.is_error]
            if problems:
                raise InputError(problems + [Problem(where, None, None, "nothing imported: fix this file first "
                                                                        "(scoring validate shows every problem)")])
        elif self._chunks:
            missing = [c for c in SCORE_REQUIRED_COLUMNS if c not in self.header]
            if missing:
                raise InputError([Problem(where, 1, m, f"missing required column '{m}'") for m in missing])
        columns = {}
        for i, name in enumerate(self.header):
            columns.setdefault(name, i)
        cells = [(c.line, self._cells[c.line]) for c in self._chunks if c.line is not None]
        self.records, _ = check_score_rows(cells, columns, where, rubric, year=year, duplicates=False)
        scores = [self._cells[ln][columns["score"]] for ln, _ in cells] if "score" in columns else []
        self.decimal_comma = any("," in s for s in scores)
        places = Counter(len(re.split(r"[.,]", s)[1]) if re.search(r"[.,]", s) else 0 for s in scores)
        self.decimals = places.most_common(1)[0][0] if places else 0
        return self

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

    @property
    def changed(self) -> bool:
        return bool(self._removed or self._added)

    # ------------------------------------------------------------------ writing
    def text(self) -> str:
        """The file's new content (without the byte-order mark)."""
        # a file without a stage column holds individual scores only, as the new rows are
        needed = [c for c, test in (("question", lambda r: r["question"] is not None),
                                    ("comment", lambda r: bool(r["comment"])))
                  if c not in self.header and any(test(r) for r in self._added)]
        header = self.header + needed
        extra = self.delimiter * len(needed)
        out = []
        if not any(c.header for c in self._chunks):
            out.append(self._row(header))
        for c in self._chunks:
            if c.line in self._removed:
                continue
            text = c.text
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
        if name in ("entry_id", "examiner_id", "criterion", "stage", "comment"):
            return str(r[name] or "")
        return ""

    def _score(self, x: float) -> str:
        text = f"{x:.{self.decimals}f}"
        if float(text) != x:
            text = np.format_float_positional(x, trim="-")
        return text.replace(".", ",") if self.decimal_comma else text

    def write(self) -> None:
        """Write the file atomically: a temporary file in the same folder, then ``os.replace``.

        Raises
        ------
        InputError
            When the file changed on disk since it was read (nothing is written).
        """
        path = self.path
        data = (_BOM if self.bom else b"") + self.text().encode("utf-8")
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
                raise InputError([Problem(display_path(path), None, None, "the file changed while importing; "
                                                                          "nothing written: run the import again")])
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
