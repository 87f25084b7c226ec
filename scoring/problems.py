"""Input problems: one located, human-readable message per thing wrong with a file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Invisible characters that change the order in which text around them is shown (Unicode's
#: bidirectional controls): the Arabic letter mark, the left-to-right and right-to-left marks, the
#: embeddings and overrides with their pop (U+202A–U+202E) and the isolates with theirs (U+2066–U+2069).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: What a terminal must not receive from the data: C0 and C1 control characters (ESC starts the
#: escape sequences that recolour, move or retitle a terminal), DEL, the bidi controls and the
#: Unicode line and paragraph separators.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text) -> str:
    r"""``text`` safe to print on a terminal: every control character shown as a visible escape.

    C0 and C1 controls and DEL become ``\x1b``-style escapes, bidi controls and line or
    paragraph separators ``\u202e``-style ones; everything else (å, ä, ö, emoji, right-to-left
    letters) is kept. Backslashes are kept as they are, so escaping twice changes nothing.

    >>> printable("data/\x1b[31mröd/scores.csv"), printable("Sol\u202erosen")
    ('data/\\x1b[31mröd/scores.csv', 'Sol\\u202erosen')
    """
    text = str(text)
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, printed as ``file:row: column: message``.

    ``row`` is the 1-based line number in the file (the header is line 1), or
    None when the problem concerns the whole file. ``severity`` is "error" (the
    input is refused) or "note" (accepted, but the user should know, e.g. an exact
    duplicate row that was counted once).

    In a workbook the place is a ``sheet`` and, within it, a ``cell`` ("D7");
    such a problem prints as ``file: sheet 'S', cell D7: message`` (``row`` and
    ``column`` stay None).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"
    sheet: str | None = None
    cell: str | None = None

    @property
    def location(self) -> str:
        """Where in the file, as printed: ``row: column`` (CSV) or ``sheet 'S', cell D7`` (workbook)."""
        if self.sheet is not None:
            return f"sheet '{self.sheet}'" + (f", cell {self.cell}" if self.cell else "")
        column = self.column if self.column else "-"
        return f"{self.row}: {column}" if self.row is not None else column

    def __str__(self) -> str:
        """The problem as printed, control characters from the data (a file name, a quoted value)
        shown as visible escapes (:func:`printable`): a message never drives the terminal."""
        prefix = "note: " if self.severity == "note" else ""
        if self.sheet is not None:
            return printable(f"{self.file}: {self.location}: {prefix}{self.message}")
        where = f"{self.file}:{self.row}" if self.row is not None else str(self.file)
        column = self.column if self.column else "-"
        return printable(f"{where}: {column}: {prefix}{self.message}")

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def os_reason(error: OSError, doing: str = "read") -> str:
    """Why a file could not be read (``doing="read"``), written or otherwise used, as a message: "file not
    found" (reading), "is a folder, not a file", or "cannot <doing> the file: " with the OS's reason."""
    if isinstance(error, FileNotFoundError) and doing == "read":
        return "file not found"
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a file"
    if isinstance(error, PermissionError):
        return f"cannot {doing} the file: permission denied"
    return f"cannot {doing} the file: {error.strerror or error}"


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file a command needs.

    Raises
    ------
    InputError
        Naming the file and why it cannot be read (:func:`os_reason`): missing, a folder, unreadable.
    """
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise InputError([Problem(display_path(path), None, None, os_reason(e))]) from None


class InputError(Exception):
    """Raised when input files have problems; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = [p for p in problems if p.is_error] or list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: str | Path, base: str | Path | None = None) -> str:
    """A path as the user would recognise it: relative to ``base`` (default: the working
    directory) when it lies inside it, else absolute."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(Path(base or Path.cwd()).resolve()))
    except ValueError:
        return str(p)
