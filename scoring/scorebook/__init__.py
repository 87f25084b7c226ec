"""Examiner scorebooks in Excel: the template the package writes, and reading it back.

* :func:`write_template` writes an examiner's (or a training session's) scorebook;
* :func:`write_consensus_template` writes a team leader's consensus workbook for one entry
  (:mod:`.consensus`), imported as the entry's consensus under ``TEAM``;
* :func:`read_scorebook` reads a filled one, checked cell by cell;
* :func:`import_scorebooks` appends examiners' scorebooks to the year's ``scores.csv``;
* :func:`correct_score` changes one score of it, with a reason (both log every change in
  the year's ``changes.csv``: :mod:`scoring.data.changes`);
* :func:`put` is the one way the project writes a value into any workbook cell (text is
  never turned into a formula).

Hostile files are refused cheaply and completely: a workbook far larger than a scorebook
before it is parsed (:mod:`.guard`); an examiner's scorebook imports only under the code
``scoring template`` issued it for (:mod:`.issued`); one import into a year at a time
(:mod:`.lock`).
"""

from .cells import put
from .consensus import build_consensus_template, write_consensus_template
from .correct import Correction, correct_score
from .importer import ImportResult, WorkbookImport, import_scorebooks
from .reader import Scorebook, read_scorebook
from .template import UsageError, build_template, save_workbook, session_dir, write_template

__all__ = [
    "Correction",
    "ImportResult",
    "Scorebook",
    "UsageError",
    "WorkbookImport",
    "build_consensus_template",
    "build_template",
    "correct_score",
    "import_scorebooks",
    "put",
    "read_scorebook",
    "save_workbook",
    "session_dir",
    "write_consensus_template",
    "write_template",
]
