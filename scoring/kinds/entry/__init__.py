"""The letter to every entrant (återföringsrapport): one private letter per entry with a consensus
and year, ``reports/<year>/entries/<entry_id>.html`` (``notebooks/entry_letter.ipynb``; with
``--pdf`` a PDF beside it, with ``--bundle`` ``send/<entry_id>.zip`` for the unit alone).

What the letter holds is gathered in :mod:`.letter`, its Swedish words are in :mod:`.words`, and
the award office's checklist (consensus texts missing, entries without a consensus) in
:mod:`.checklist`. An entry without a consensus score gets no letter: :func:`_entries` leaves it
out and the run's log names it.

A letter names its own unit only. Being private, its files are checked before they are published
against every examiner's and trainee's code and every name and address of ``people.csv``
(:func:`scoring.reports.audience.forbidden_for`); what it must not name beyond people (every
other entry's code, name and alias, every other district) is :func:`forbidden`, which the
runner does not read yet (see its docstring).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ...reports.kind import ReportKind
from ...reports.privacy import Forbidden

logger = logging.getLogger("scoring.report")


def _entries(year: int, data_dir: Path) -> list[str]:
    """The year's entries with a consensus score; the log names those left without a letter."""
    from ...data import year_data
    from .checklist import without_consensus
    from .letter import has_consensus

    yd = year_data(year, data_dir)
    left = without_consensus(yd)
    if left:
        logger.warning("%s entry: no letter for %s: no consensus score (the team's agreed score) in scores.csv",
                       year, ", ".join(left))
    return has_consensus(yd)


def label_of(entry_id: str, year: int, data_dir: str | Path | None) -> str:
    """``<entry_id> <name>`` as the letter's title and the index show it; the id if the name cannot be read."""
    try:
        from ...data import year_data

        entries = year_data(year, data_dir).entries
        name = entries.loc[entries["entry_id"].astype(str) == str(entry_id), "name"]
        return f"{entry_id} {name.iloc[0]}" if len(name) else str(entry_id)
    except Exception:
        return str(entry_id)


def forbidden(year: int, data_dir: Path, entry_id: str) -> Forbidden:
    """What no file of the letter to ``entry_id`` may hold besides other people: every examiner code,
    every other entry's code, name and alias of any year (but the unit's own entries, linked by
    ``unit_id``), every district but the unit's own, matched as the privacy guard matches
    (:mod:`scoring.names`; :class:`.letter.Others`).

    The runner joins it to :func:`scoring.reports.audience.forbidden_for` (people) for every file
    of the letter and for its zip (:attr:`scoring.reports.kind.ReportKind.forbidden`).
    """
    from .letter import others

    return others(year, entry_id, data_dir).forbidden()


def todo(year: int, data_dir: Path) -> list[str]:
    """The award office's checklist for the letters (shown in the index): the consensus texts
    missing and the entries that get no letter (:mod:`.checklist`)."""
    from ...data import year_data
    from ...presentation.labels import COLUMNS_SV
    from .checklist import missing_texts, without_consensus

    yd = year_data(year, data_dir)
    missing = missing_texts(yd)
    if len(missing) <= TODO_LISTED:
        items = [f"Konsensustext saknas för {r.entry_id}, {yd.rubric.criterion_label(r.criterion)}: "
                 f"{COLUMNS_SV[r.missing].lower()}" for r in missing.itertuples()]
    else:  # a year with many gaps (a national one without texts: 72,000): a count per criterion and text
        items = [f"Konsensustext saknas för {_count(len(rows))} bidrag, {yd.rubric.criterion_label(criterion)}: "
                 f"{COLUMNS_SV[what].lower()} ({_first(rows['entry_id'].tolist())})"
                 for (criterion, what), rows in missing.groupby(["criterion", "missing"], sort=False)]
    none = without_consensus(yd)
    if none:
        items.append("Ingen återföringsrapport (ingen konsensuspoäng): " + _first(none, TODO_LISTED))
    return items


#: The to-do list names every gap up to this many; past it, it counts them per criterion.
TODO_LISTED = 20


def _count(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _first(ids: list[str], n: int = 3) -> str:
    """The first ``n`` codes, and how many more."""
    return ", ".join(ids[:n]) + (f" och {_count(len(ids) - n)} till" if len(ids) > n else "")


KINDS = (
    ReportKind(
        name="entry",
        notebook="entry_letter.ipynb",
        output="entries/{name}",
        label="Återföringsrapport – {label}",
        noun="entry letters",
        per="entry",
        units="entries with a consensus",
        parameter="entry_id",
        names=_entries,
        none_ok=True,
        label_of=label_of,
        section="Återföringsrapporter till de tävlande",
        private=True,
        forbidden=forbidden,
        todo=todo,
    ),
)
