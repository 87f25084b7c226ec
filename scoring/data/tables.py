"""Reading CSV text: the project's one CSV reader (:func:`read_csv_table`) and its helpers.

Accepted input: UTF-8 with or without BOM (a Windows-1252 file is read with a note);
comma-, semicolon- (Swedish Excel) or tab-separated, the delimiter sniffed from the
header line; a decimal comma in numbers ("4,5"); whitespace around values; blank lines.
Nothing here raises on bad input: every reader returns a list of
:class:`~scoring.problems.Problem`.
"""

from __future__ import annotations

import csv
import difflib
import gc
import io
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import BIDI_CONTROLS, Problem, os_reason

__all__ = ["CsvTable", "column_name", "read_csv_table", "sniff_delimiter"]

_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_WHOLE = re.compile(r"\d+([.,]0*)?")
_YEAR = re.compile(r"[0-9]{4}")  # not \d, which is also "２０２４" and "٢٠٢٤"
_CONTROL_CHARS = "".join(map(chr, (*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f)))
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # where the csv reader ends a row (str.splitlines ends more)
#: What str.strip takes from a cell, but the line breaks: every other character str.isspace is true for.
_SPACES = ("\t\x0b\x0c\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
           "\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


#: Columns whose values may run over several lines (Alt+Enter in Excel): free text.
MULTILINE = ("comment", "motivation", "strengths", "improvements")


def _show(text: str, limit: int = 40) -> str:
    """A value as quoted in a message: on one line, shortened when long."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _num(x: float) -> str:
    return f"{x:g}"


def _lines(lines: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (", …" if len(lines) > limit else "")


@dataclass
class CsvTable:
    """A CSV file split into cells (:func:`read_csv_table`).

    ``header``: column names as :func:`column_name` gives them ('' for an unnamed column) on
    line ``header_line``; ``columns``: name -> index of its first occurrence; ``rows``:
    (line, stripped cells padded to the header width) for every non-blank row that could be
    split; ``n_rows``: every non-blank data row, including those already reported by the
    reader; ``delimiter``: the one the file uses; ``by_column``: the cells of ``rows`` column by column
    when the reader split them so (a file without quotes whose rows all have the header's width), else None.
    """

    header: list[str]
    header_line: int
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]
    n_rows: int
    delimiter: str
    by_column: list[list[str]] | None = field(default=None, compare=False, repr=False)


def _decode(data: bytes, path: Path) -> tuple[str | None, str | None, int | None]:
    """``(text, note, None)`` for text; ``(None, message, line)`` when the bytes are not CSV text
    (``line``: where, when one line is to blame).

    The encoding is decided per file, never guessed line by line: valid UTF-8 (with or without
    a BOM) is UTF-8; UTF-16 with its BOM is read with a note; a file that is not all UTF-8 is
    read as Windows-1252, with a note, only when no line of it is valid multi-byte UTF-8, and
    else refused at its first byte that is not UTF-8.
    """
    not_csv = "not a CSV text file"
    if data.startswith(b"PK\x03\x04"):
        if b"xl/" in data or path.suffix.lower() in (".xlsx", ".xlsm"):
            return None, (
                f"{not_csv}: it is an Excel workbook; read a scorebook in with "
                "`scoring import FILE.xlsx --year YEAR`, or save the sheet as 'CSV UTF-8'"
            ), None
        return None, f"{not_csv}: it is a zip archive", None
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None, f"{not_csv}: it is an old Excel workbook (.xls); save the sheet as 'CSV UTF-8'", None
    note = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
            note = "read as UTF-16 text; save as 'CSV UTF-8' instead"
        except UnicodeDecodeError:
            return None, f"{not_csv} (binary data)", None
    elif b"\x00" in data:
        return None, f"{not_csv} (binary data)", None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            bad = _first_non_utf8(data)
            if bad is not None:
                line, byte, value = bad
                return None, (
                    f"byte {byte} of this line (0x{value:02X}) is not UTF-8, while the rest of the file is: "
                    "retype that character, or save the file again as 'CSV UTF-8'"
                ), line
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                return None, f"{not_csv} (binary data, or an unknown text encoding)", None
            note = (
                "not UTF-8: read as Windows-1252 (Excel's 'CSV' on Swedish Windows); "
                "check å, ä, ö and save as 'CSV UTF-8' next time"
            )
    if _holds_any(text, _CONTROL_CHARS) and len(_CONTROL.findall(text)) > max(1, len(text) // 1000):
        return None, f"{not_csv} (binary data)", None
    return text, note, None


def _holds_any(text: str, chars: str) -> bool:
    """Whether ``text`` holds one of ``chars``: a search per character, which in a file of one-byte characters
    (ASCII, Latin-1) takes a tenth of a regex's time (one wider than all of the text's is not even searched for)."""
    return any(ch in text for ch in chars)


def _first_non_utf8(data: bytes) -> tuple[int, int, int] | None:
    """``(line, byte in the line, its value)`` of the first byte that is not UTF-8, in a file
    that has at least one line of valid multi-byte UTF-8 (so it is UTF-8 with a few bad bytes);
    None when no line is valid multi-byte UTF-8 (a whole file in a single-byte encoding)."""
    first_bad = None
    utf8_lines = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError as e:
            if first_bad is None:
                first_bad = (number, e.start + 1, line[e.start])
    return first_bad if utf8_lines else None


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of , ; and tab outside quotes."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def column_name(name: str) -> str:
    """A header cell as a column name: trimmed, case-folded, spaces and hyphens as ``_``."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().casefold())


@contextmanager
def collector_paused():
    """The cyclic garbage collector paused while a file is read (then as it was). A national year's
    200,000 rows make two million cells, no cycle among them, and the collector kept walking them all:
    reading and checking took 2.4 s of CPU with it, 1.2 s without. Reference counting frees them.
    :func:`read_csv_table` reads with it paused; a caller checking the cells may pause it too."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@collector_paused()
def read_csv_table(path: Path, where: str) -> tuple[CsvTable | None, list[Problem]]:
    """Read a CSV file into cells: the project's one CSV reader.

    Accepts what the module docstring lists (encodings, delimiters, Excel's ``sep=`` line,
    blank lines). ``where`` names the file in the problems. Returns ``(table, problems)``,
    or ``(None, problems)`` when the file cannot be read at all; never raises.
    """

    def fail(message: str, line: int | None = None) -> tuple[None, list[Problem]]:
        return None, [Problem(where, line, None, message)]

    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return fail(os_reason(e))
    if not data:
        return fail("the file is empty (0 bytes)")
    text, note, line = _decode(data, Path(path))
    if text is None:
        return fail(note, line)
    problems = [Problem(where, None, None, note, "note")] if note else []

    lines = text.splitlines()
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        return None, problems + [Problem(where, None, None, "the file is empty")]
    skip = 0
    m = re.fullmatch(r"\s*sep=(.)\s*", lines[first])  # Excel's delimiter hint line
    if m:
        delimiter, skip = m.group(1), first + 1
    else:
        delimiter = sniff_delimiter(lines[first])

    header: list[str] = []
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    n_rows = 0

    def take(line: int, last: int, cells: list[str]) -> None:
        """One row read from lines ``line`` to ``last``, its cells stripped: the header, a data row or
        a problem."""
        nonlocal header, header_line, n_rows
        if not any(cells):
            return  # blank line
        if not header:
            header, header_line = [column_name(c) for c in cells], line
            return
        n_rows += 1
        n = len(header)
        if len(cells) > n:
            message = f"row has {len(cells)} values but the header has {n} columns"
            split = False
            if delimiter == "," and len(cells) == n + 1 and "score" in header:
                i = header.index("score")
                split = cells[i].isdigit() and cells[i + 1].isdigit()
                if split:
                    message += f"; a decimal comma must be quoted: \"{cells[i]},{cells[i + 1]}\""
            if split or any(cells[n:]):  # extra blank cells at the end are harmless
                problems.append(Problem(where, line, None, message))
                return
        if len(cells) != n:
            cells = (cells + [""] * n)[:n]
        if last > line:  # a row read from one line holds no line break (the reader splits on every kind)
            spread = [i for i, c in enumerate(cells) if "\n" in c or "\r" in c]
            swallowed = any(
                s.count(delimiter) >= n - 1 for i in spread for s in cells[i].splitlines()[1:]
            )  # a multi-line comment holding what look like rows
            if swallowed or any(header[i] not in MULTILINE for i in spread):
                message = f"a value runs over lines {line}–{last}: is a quote (\") left open?"
                problems.append(Problem(where, line, None, message))
                return
        rows.append((line, cells))

    plain = '"' not in text and "\x00" not in text
    physical = (text.split("\n") if "\r" not in text else _LINE_BREAK.split(text))[skip:] if plain else []
    by_column = None
    if plain and max(map(len, physical), default=0) <= csv.field_size_limit():
        # nothing quoted: every line is one row, split at the delimiter as the csv reader splits it (and
        # stripped only where a cell can hold a space)
        space = _holds_any(text, _SPACES)

        def cut(s: str) -> list[str]:
            return list(map(str.strip, s.split(delimiter))) if space else s.split(delimiter)

        numbered = enumerate(physical, start=skip + 1)
        for number, s in numbered:  # up to the header
            take(number, number, cut(s))
            if header:
                break
        body = physical[number - skip:] if header else []
        while body and not body[-1]:
            body.pop()  # the empty lines at the end
        n = len(header)
        if body and delimiter.isascii() and {s.count(delimiter) for s in body if s} == {n - 1}:
            # every data row has the header's width (the usual file): pandas' C parser (which splits at a byte)
            # splits them at once, column by column, and makes one string per distinct value of a column (a national
            # year's 1.3 million cells are a few thousand strings: quicker to make, check and free). It is given the
            # lines as split here, the header line first and skipped (pandas would drop a byte order mark opening
            # its input, and its skipping miscounts lines ended by a lone CR).
            data = "\n".join(physical[number - skip - 1:number - skip + len(body)]).encode()
            frame = pd.read_csv(io.BytesIO(data), sep=delimiter, header=None, names=range(n), skiprows=1, dtype=object,
                                na_filter=False, quoting=csv.QUOTE_NONE, skip_blank_lines=False)
            by_column = [list(map(str.strip, c)) if space else c.tolist() for _, c in frame.items()]
            rows = list(zip(range(number + 1, number + 1 + len(body)), map(list, zip(*by_column, strict=True)),
                            strict=True))
            if "" in by_column[0]:  # a row without a first value may be blank
                rows = [(line, cells) for line, cells in rows if any(cells)]
            n_rows = len(rows)
            if n_rows < len(body):
                by_column = None
        else:
            for number, s in numbered:
                take(number, number, cut(s))
    else:
        stream = io.StringIO(text, newline="")
        for _ in range(skip):
            stream.readline()
        reader = csv.reader(stream, delimiter=delimiter)
        line_before = skip
        try:
            for cells in reader:
                line = line_before + 1
                line_before = skip + reader.line_num
                take(line, line_before, list(map(str.strip, cells)))
        except csv.Error as e:
            problems.append(Problem(where, line_before + 1, None, f"cannot split the line into values: {e}"))
    if not header:
        return None, problems + [Problem(where, None, None, "the file is empty")]

    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in columns:
            problems.append(Problem(where, header_line, name, f"column '{name}' appears twice in the header"))
        else:
            columns[name] = i
    unnamed = [i for i, name in enumerate(header) if not name]
    if unnamed:
        kept = []
        for line, cells in rows:
            stray = next((cells[i] for i in unnamed if cells[i]), None)
            if stray is not None:
                problems.append(
                    Problem(where, line, None, f"value '{_show(stray)}' is in a column with no name in the header")
                )
            else:
                kept.append((line, cells))
        if len(kept) < len(rows):
            rows, by_column = kept, None
    if n_rows == 0:
        problems.append(Problem(where, None, None, "no rows: the file has a header but no data"))
    problems += _hidden_character_notes(text, header, header_line, rows, where)
    return CsvTable(header, header_line, columns, rows, n_rows, delimiter, by_column), problems


#: Control characters a value should not hold (tab, and the line breaks of a multi-line comment, are text).
_CONTROL_IN_VALUE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_HIDDEN = re.compile(_CONTROL_IN_VALUE.pattern[:-1] + "".join(sorted(BIDI_CONTROLS)) + "]")


def hidden_characters(text: str) -> str | None:
    """What a value holds that is invisible and changes how it, or the text around it, is
    shown: a message naming the characters ("U+202E RIGHT-TO-LEFT OVERRIDE"), or None."""
    bidi = sorted({ch for ch in text if ch in BIDI_CONTROLS})
    control = sorted(set(_CONTROL_IN_VALUE.findall(text)))
    parts = []
    if bidi:
        names = ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch)}" for ch in bidi)
        parts.append(f"the invisible bidi control{'s' * (len(bidi) > 1)} {names}, which can change the order in "
                     "which text is shown (a report keeps it to the value); remove "
                     f"{'them' if len(bidi) > 1 else 'it'} unless the text is meant to be right-to-left")
    if control:
        names = ", ".join(f"U+{ord(ch):04X}" for ch in control)
        parts.append(f"the control character{'s' * (len(control) > 1)} {names}, which is not text; remove "
                     f"{'them' if len(control) > 1 else 'it'}")
    return "the value holds " + "; and ".join(parts) if parts else None


def _hidden_character_notes(text: str, header: list[str], header_line: int, rows: list[tuple[int, list[str]]],
                            where: str) -> list[Problem]:
    """A note per header name or value holding a bidi control or a control character
    (:func:`hidden_characters`), naming its line and column; ``text`` is the whole file's."""
    if not (_holds_any(text, _CONTROL_CHARS) if text.isascii() else _HIDDEN.search(text)):
        return []  # (in ASCII text the control characters are the only hidden ones)
    notes = []
    for line, cells in [(header_line, header), *rows]:
        for i, cell in enumerate(cells):
            what = hidden_characters(cell) if cell else None
            if what:
                name = header[i] if i < len(header) and header[i] else f"column {i + 1}"
                notes.append(Problem(where, line, name, what, "note"))
    return notes


def _header_problems(table: CsvTable, where: str, known: tuple[str, ...], required: tuple[str, ...]) -> list[Problem]:
    problems = []
    present = list(table.columns)
    for col in required:
        if col not in table.columns:
            problems.append(
                Problem(where, table.header_line, col, f"missing required column '{col}' (the header has: "
                                                       f"{', '.join(present) or 'nothing'})")
            )
    for col in present:
        if col not in known:
            close = difflib.get_close_matches(col, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(Problem(where, table.header_line, col, f"unknown column '{col}' is ignored{hint}", "note"))
    return problems


def _parse_number(text: str) -> float | None:
    if not _NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "."))

