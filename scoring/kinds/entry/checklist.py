"""The award office's checklist before the letters go out: which consensus texts are missing, and
which entries get no letter.

* :func:`missing_texts`: per entry with a consensus, the criteria whose consensus has no
  strengths (*styrkor*) or no areas for development (*utvecklingsområden*). The letter shows no
  empty heading for them (it shows the points there are, or one neutral sentence), so the list is
  what the office asks the teams to complete.
* :func:`without_consensus`: the entries without any consensus score; no letter is written for
  them (the kind's ``names`` leaves them out and the run's log names them).
"""

from __future__ import annotations

import pandas as pd

from ...data.years import YearData
from .letter import TEXTS, consensus_texts, has_consensus

__all__ = ["MISSING_COLUMNS", "missing_texts", "without_consensus"]

#: Columns of :func:`missing_texts`.
MISSING_COLUMNS = ("entry_id", "criterion", "missing")


def missing_texts(year_data: YearData) -> pd.DataFrame:
    """The consensus texts the year's letters lack.

    Parameters
    ----------
    year_data : the year (``scoring.data.load_year``); the texts are read as the letter reads them
        (:func:`scoring.kinds.entry.letter.consensus_texts`: no ``strengths``/``improvements``
        column is no text).

    Returns
    -------
    DataFrame
        entry_id, criterion (the id), missing (``strengths`` or ``improvements``): one row per
        entry with a consensus, criterion of the rubric and text it lacks (a criterion without a
        consensus row lacks both), by entry in ``entries.csv`` order, criteria in the rubric's
        order, strengths first. Empty (with these columns) when nothing is missing.
    """
    texts = consensus_texts(year_data)
    keys = list(zip(texts["entry_id"].tolist(), texts["criterion"].tolist(), strict=True))
    written = {column: dict(zip(keys, texts[column].tolist(), strict=True)) for column in TEXTS}
    rows = []
    for entry in has_consensus(year_data):
        for criterion in year_data.rubric.criterion_ids:
            for column in TEXTS:
                if not written[column].get((entry, criterion)):
                    rows.append({"entry_id": entry, "criterion": criterion, "missing": column})
    return pd.DataFrame(rows, columns=list(MISSING_COLUMNS))


def without_consensus(year_data: YearData) -> list[str]:
    """The year's entries (``entries.csv`` order) without a consensus score: they get no letter."""
    agreed = set(has_consensus(year_data))
    return [e for e in year_data.entries["entry_id"].astype(str).tolist() if e not in agreed]
