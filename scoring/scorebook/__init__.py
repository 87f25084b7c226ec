"""Examiner scorebooks in Excel: the template the package writes, and reading it back.

* :func:`write_template` writes an examiner's (or a training session's) scorebook;
* :func:`read_scorebook` reads a filled one, checked cell by cell;
* :func:`import_scorebooks` appends examiners' scorebooks to the year's ``scores.csv``;
* :func:`put` is the one way the project writes a value into any workbook cell (text is
  never turned into a formula).
"""

from .cells import put
from .importer import ImportResult, WorkbookImport, import_scorebooks
from .reader import Scorebook, read_scorebook
from .template import UsageError, build_template, save_workbook, session_dir, write_template

__all__ = [
    "ImportResult",
    "Scorebook",
    "UsageError",
    "WorkbookImport",
    "build_template",
    "import_scorebooks",
    "put",
    "read_scorebook",
    "save_workbook",
    "session_dir",
    "write_template",
]
