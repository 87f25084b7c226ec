"""Where things are in a scorebook: shared by the template writer and the reader."""

from __future__ import annotations

#: The hidden, protected sheet that records the template's identity and keys.
IDENTITY_SHEET = "_scoring"
INSTRUCTIONS_SHEET = "Instruktioner"
SCALE_SHEET = "Skala"
#: Sheet names the project uses for itself (never an entry's sheet).
RESERVED_SHEETS = (IDENTITY_SHEET, INSTRUCTIONS_SHEET, SCALE_SHEET, "History")

#: Cell A1 of the identity sheet; B1 holds :data:`VERSION`.
MARKER = "scoring-scorebook"
VERSION = 1

#: The two kinds of scorebook.
AWARD, TRAINING = "award", "training"

# Scoring sheets: rows 1-3 title and notes, row 4 the column headings, scoring rows from 5.
HEADER_ROW = 4
FIRST_ROW = 5
COL_ENTRY, COL_CRITERION, COL_QUESTION, COL_SCORE, COL_COMMENT = 1, 2, 3, 4, 5
LAST_COL = COL_COMMENT
HEADINGS = {
    COL_ENTRY: "Bidrag",
    COL_CRITERION: "Kriterium",
    COL_QUESTION: "Fråga",
    COL_SCORE: "Poäng",
    COL_COMMENT: "Kommentar (styrkor och utvecklingsområden)",
}

#: In a training scorebook the trainee types their code here (on the instructions sheet).
CODE_ROW, CODE_COL = 5, 2

# The identity sheet: properties as (name, value) rows from row 2, the key table after
# a row whose first cell is KEYS_HEADING.
PROPERTIES = ("kind", "year", "examiner_id", "session", "per_question")
#: The property after :data:`PROPERTIES` holding the id ``scoring template`` gave an examiner's
#: scorebook when it issued it (recorded in ``<data>/scorebooks/<year>/issued.csv``); training
#: scorebooks, and those made before ids were given, have none.
WORKBOOK_ID = "workbook_id"
KEYS_HEADING = "keys"
KEY_COLUMNS = ("sheet", "row", "entry_id", "criterion", "question", "criterion_text")
