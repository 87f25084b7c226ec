"""Where things are in a scorebook: shared by the template writer and the reader."""

from __future__ import annotations

from dataclasses import dataclass

#: The hidden, protected sheet that records the template's identity and keys.
IDENTITY_SHEET = "_scoring"
INSTRUCTIONS_SHEET = "Instruktioner"
SCALE_SHEET = "Skala"
#: Sheet names the project uses for itself (never an entry's sheet).
RESERVED_SHEETS = (IDENTITY_SHEET, INSTRUCTIONS_SHEET, SCALE_SHEET, "History")

#: Cell A1 of the identity sheet; B1 holds :data:`VERSION`.
MARKER = "scoring-scorebook"
VERSION = 1

#: The kinds of scorebook: an examiner's, a training session's, a team's consensus workbook.
AWARD, TRAINING, CONSENSUS = "award", "training", "consensus"
#: The code a consensus workbook's rows are written under (it is the one workbook that does).
TEAM = "TEAM"

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

# A consensus workbook (``scoring template --team``): one scoring sheet for its entry, with the
# same title rows, heading row and first row as an examiner's. Its identity sheet also lists the
# team's members (MEMBERS: their codes, space-separated, in the order of their columns); the key
# table has one row per criterion (the rows whose consensus cells are read), question None.
MEMBERS = "members"
#: The identity property holding the last row of a consensus sheet (the rows below it hold nothing).
LAST_ROW = "last_row"

@dataclass(frozen=True)
class ConsensusColumns:
    """The columns of a consensus workbook's sheet for a team of ``n`` members: the criterion
    and question (keys), each member's score, the spread, the agenda flag, the consensus score,
    strengths and areas for development (the cells the team fills in), each member's comment."""

    n: int

    criterion: int = 1
    question: int = 2

    def member(self, i: int) -> int:
        """The score column of member ``i`` (0-based)."""
        return 3 + i

    @property
    def spread(self) -> int:
        return 3 + self.n

    @property
    def agenda(self) -> int:
        return 4 + self.n

    @property
    def score(self) -> int:
        return 5 + self.n

    @property
    def strengths(self) -> int:
        return 6 + self.n

    @property
    def improvements(self) -> int:
        return 7 + self.n

    def comment(self, i: int) -> int:
        """The comment column of member ``i`` (0-based)."""
        return 8 + self.n + i

    @property
    def last(self) -> int:
        return 7 + 2 * self.n

    @property
    def inputs(self) -> tuple[int, int, int]:
        """The columns the team fills in: score, strengths, improvements."""
        return (self.score, self.strengths, self.improvements)
