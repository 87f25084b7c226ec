"""Reading the input files of a year: scores, entries and the training case.

Every input row is either used or reported: each reader returns the rows it could use
and a list of :class:`~scoring.problems.Problem`, one per thing wrong, located by file,
line (the header is line 1) and column. Nothing here raises on bad input except
:func:`load_year`, which raises :class:`~scoring.problems.InputError` carrying every
error it found.

By concern: :mod:`.tables` reads CSV text, :mod:`.scores` the score rows, :mod:`.entries`
the entries, :mod:`.decisions` the jury's decision, :mod:`.years` a year's folder and the
years before it, :mod:`.sessions` a training session's folder and :mod:`.validate` checks
files and folders as ``scoring validate`` does. This package re-exports the names of the first five; import
:mod:`.sessions` and :mod:`.validate` (which read scorebooks) by their own names.
:mod:`.people` reads the private ``people.csv`` (names and e-mail addresses, for the send list
only); its names are re-exported too.
"""

from .decisions import AWARDS, DECISION_COLUMNS, check_decisions, load_decisions, paragraphs, read_decisions
from .entries import ENTRY_COLUMNS, YES_NO, class_id_for, read_entries
from .people import PEOPLE_COLUMNS, check_people, load_people, people_path, read_people
from .scores import (
    KEY,
    NOT_PEOPLE,
    SCORE_COLUMNS,
    SCORE_INPUT_COLUMNS,
    SCORE_REQUIRED_COLUMNS,
    check_score_rows,
    criterion_scores,
    individual,
    read_scores,
    scores_frame,
)
from .tables import CsvTable, column_name, read_csv_table, sniff_delimiter
from .years import (
    History,
    LeftOutYear,
    YearData,
    available_years,
    examiner_codes,
    load_history,
    load_year,
    missing_entries,
    rubric_for,
    sessions_dir,
    year_data,
    year_folder,
)

__all__ = [
    "examiner_codes",
    "year_data",
    "AWARDS",
    "DECISION_COLUMNS",
    "KEY",
    "SCORE_COLUMNS",
    "SCORE_INPUT_COLUMNS",
    "SCORE_REQUIRED_COLUMNS",
    "ENTRY_COLUMNS",
    "NOT_PEOPLE",
    "PEOPLE_COLUMNS",
    "YES_NO",
    "CsvTable",
    "YearData",
    "History",
    "LeftOutYear",
    "available_years",
    "check_decisions",
    "check_people",
    "check_score_rows",
    "class_id_for",
    "column_name",
    "criterion_scores",
    "individual",
    "load_decisions",
    "load_history",
    "load_people",
    "load_year",
    "missing_entries",
    "people_path",
    "paragraphs",
    "read_csv_table",
    "read_decisions",
    "read_entries",
    "read_people",
    "read_scores",
    "rubric_for",
    "scores_frame",
    "sessions_dir",
    "sniff_delimiter",
    "year_folder",
]
