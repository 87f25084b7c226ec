"""The jury's decision of a year: what the two decision documents show.

:func:`load_decision` reads the year's ``decisions.csv`` (:func:`scoring.data.load_decisions`,
checked against the year's entries) with the entries' names and administrations. For the jury's
record (``record=True``) it also gathers every decided class's pack
(:func:`scoring.kinds.jury.pack.load_pack`): the adjusted ranking with its chance to win and the
leader under each way of counting, the numbers ``scoring rank`` and the jury packs give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...data import load_decisions, load_year
from ...data.decisions import MENTION, NO_PRIZE, WINNER, decisions_path
from ...presentation.labels import is_demo
from ...problems import InputError, Problem, display_path
from ...rubric import Rubric

__all__ = ["Decision", "load_decision", "has_decision", "ClassDecision"]


@dataclass
class ClassDecision:
    """One class's outcome: its winner (or None), whether no prize is given, its honourable
    mentions, and each award's row of ``decisions.csv`` by entry (``None`` for no prize)."""

    class_id: str
    winner: str | None
    no_prize: bool
    mentions: list[str]
    rows: dict[str | None, dict]


@dataclass
class Decision:
    """A year's decision (see :func:`load_decision`).

    Attributes
    ----------
    year, rubric : the year.
    decisions : ``decisions.csv``'s rows (:data:`scoring.data.DECISION_COLUMNS`); None without one.
    entries : the year's entries (``entry_id, name, class, administration, district, budget_in_balance``).
    packs : for the jury's record, each decided class's pack (by class id); empty otherwise.
    demo : True for the synthetic demo's entries.
    """

    year: int
    rubric: Rubric
    decisions: pd.DataFrame | None
    entries: pd.DataFrame
    packs: dict = field(default_factory=dict)
    demo: bool = False

    @property
    def classes(self) -> list[ClassDecision]:
        """The decided classes in the rubric's order (classes it does not know last)."""
        if self.decisions is None:
            return []
        d = self.decisions
        present = list(dict.fromkeys(d["class"]))
        order = [c for c in self.rubric.class_ids if c in present] + [c for c in present
                                                                      if c not in self.rubric.class_ids]
        out = []
        for cls in order:
            rows = d[d["class"] == cls]
            winner = rows.loc[rows["award"] == WINNER, "entry_id"]
            out.append(ClassDecision(
                class_id=cls,
                winner=str(winner.iloc[0]) if len(winner) else None,
                no_prize=bool((rows["award"] == NO_PRIZE).any()),
                mentions=list(rows.loc[rows["award"] == MENTION, "entry_id"].astype(str)),
                rows={(None if pd.isna(r["entry_id"]) else str(r["entry_id"])): r for r in rows.to_dict("records")},
            ))
        return out

    def name(self, entry_id: str) -> str:
        """The entry's name as published."""
        e = self.entries[self.entries["entry_id"] == entry_id]
        return str(e["name"].iloc[0]) if len(e) else entry_id

    def unit(self, entry_id: str) -> str:
        """The entry as the city publishes a winner: its name and, when known and not already in
        the name, its administration ("Resursenheten, Skärholmens stadsdelsförvaltning")."""
        name = self.name(entry_id)
        e = self.entries[self.entries["entry_id"] == entry_id]
        admin = e["administration"].iloc[0] if len(e) and "administration" in e.columns else None
        if admin is None or pd.isna(admin) or not str(admin).strip() or str(admin).casefold() in name.casefold():
            return name
        return f"{name}, {admin}"


def has_decision(year: int, data_dir: str | Path | None = None) -> bool:
    """True when the year's folder holds a ``decisions.csv``; InputError naming it when something else
    (a folder) stands in its place, which is no decision and no absence of one."""
    path = decisions_path(year, data_dir)
    if path.exists() and not path.is_file():
        raise InputError([Problem(display_path(path), None, None, "is a folder, not a file")])
    return path.is_file()


def load_decision(year: int, data_dir: str | Path | None = None, *, record: bool = False) -> Decision:
    """The year's decision with the entries' names; for the jury's record (``record=True``) also
    each decided class's pack (the adjusted ranking, its chance to win, the leader per way of counting).

    Raises
    ------
    InputError
        When the year's data or its ``decisions.csv`` have errors (a decision with errors is
        never published).
    """
    yd = load_year(year, data_dir)
    decisions = load_decisions(year, data_dir)
    dec = Decision(year=yd.year, rubric=yd.rubric, decisions=decisions, entries=yd.entries, demo=is_demo(yd.entries))
    if record and decisions is not None:
        from ..jury.pack import load_pack

        present = set(yd.entries["class"].astype(str))
        dec.packs = {c.class_id: load_pack(year, c.class_id, data_dir) for c in dec.classes if c.class_id in present}
    return dec
