"""The year at a glance: entries per class, examiners, team sizes, scorebook completeness.

All functions take criterion-level scores as returned by ``scoring.data.load_year``
(columns ``entry_id, examiner_id, criterion, score, stage``).
"""

from __future__ import annotations

import pandas as pd

from .data.scores import individual  # also ``overview.individual``, as the notebooks call it
from .rubric import Rubric


def team_sizes(scores: pd.DataFrame) -> pd.Series:
    """Number of examiners who scored each entry individually, indexed by entry_id."""
    return individual(scores).groupby("entry_id")["examiner_id"].nunique().rename("team_size")


def classes_overview(scores: pd.DataFrame, entries: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """One row per competition class (and a total): entries, examiners, team sizes, site visits.

    Columns: class (the class id, "total" for the total row), entries, examiners,
    team_min, team_median, team_max, site_visits. Classes of the rubric with no entries
    are listed with 0 entries.
    """
    ind = individual(scores).merge(entries[["entry_id", "class"]], on="entry_id", how="left")
    sizes = team_sizes(scores)
    visited = set(scores.loc[scores["stage"] == "site_visit", "entry_id"])
    rows = []
    groups = [(c.id, entries["class"] == c.id) for c in rubric.classes]
    groups.append(("total", pd.Series(True, index=entries.index)))
    for cid, mask in groups:
        ids = entries.loc[mask, "entry_id"]
        s = sizes.reindex(ids).dropna()
        rows.append(
            {
                "class": cid,
                "entries": len(ids),
                "examiners": ind.loc[ind["entry_id"].isin(ids), "examiner_id"].nunique(),
                "team_min": int(s.min()) if len(s) else 0,
                "team_median": float(s.median()) if len(s) else float("nan"),
                "team_max": int(s.max()) if len(s) else 0,
                "site_visits": int(ids.isin(visited).sum()),
            }
        )
    return pd.DataFrame(rows)


def scorebook_completeness(scores: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Per examiner: how complete the individual scorebooks are.

    An examiner's scorebook for an entry is complete when every rubric criterion has a
    score. Columns: examiner_id, entries, expected (entries x criteria), scored,
    complete_share, missing (text listing "entry: criterion" pairs without a score).
    Sorted with the least complete first.
    """
    ind = individual(scores)
    crit = rubric.criterion_ids
    rows = []
    for examiner, g in ind.groupby("examiner_id", sort=True):
        entries = sorted(g["entry_id"].unique())
        have = set(zip(g["entry_id"], g["criterion"], strict=True))
        missing = [f"{e}: {rubric.criterion_label(c)}" for e in entries for c in crit if (e, c) not in have]
        expected = len(entries) * len(crit)
        rows.append(
            {
                "examiner_id": examiner,
                "entries": len(entries),
                "expected": expected,
                "scored": expected - len(missing),
                "complete_share": (expected - len(missing)) / expected,
                "missing": "; ".join(missing),
            }
        )
    out = pd.DataFrame(rows, columns=["examiner_id", "entries", "expected", "scored", "complete_share", "missing"])
    return out.sort_values(["complete_share", "examiner_id"], kind="stable").reset_index(drop=True)
