"""Input problems: one located, human-readable message per thing wrong with a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
        prefix = "note: " if self.severity == "note" else ""
        if self.sheet is not None:
            return f"{self.file}: {self.location}: {prefix}{self.message}"
        where = f"{self.file}:{self.row}" if self.row is not None else str(self.file)
        column = self.column if self.column else "-"
        return f"{where}: {column}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


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
