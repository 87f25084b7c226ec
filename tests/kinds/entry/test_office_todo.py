"""The award office's to-do list for the letters (``scoring.kinds.entry.todo``, shown in the index
and after a run): every gap named while there are few, counted per criterion when there are many."""

from __future__ import annotations

import pandas as pd
from demo_copy import demo_copy

from scoring.kinds.entry import TODO_LISTED, todo


def test_few_gaps_are_named_one_by_one(tmp_path):
    data = demo_copy(tmp_path / "data", (2023,), training=False)
    raw = pd.read_csv(data / "2023" / "scores.csv", dtype=str, keep_default_na=False)
    consensus = raw[raw["stage"] == "consensus"]
    gaps = consensus[(consensus["strengths"] == "") | (consensus["improvements"] == "")]
    items = todo(2023, data)
    assert 0 < len(gaps) <= TODO_LISTED and len(items) == len(gaps)
    assert all(f"Konsensustext saknas för {r.entry_id}, " in "\n".join(items) for r in gaps.itertuples())


def test_many_gaps_are_counted_per_criterion_with_the_first_codes(tmp_path):
    data = demo_copy(tmp_path / "data", (2023,), training=False)
    raw = pd.read_csv(data / "2023" / "scores.csv", dtype=str, keep_default_na=False)
    raw.loc[raw["stage"] == "consensus", ["strengths", "improvements"]] = ""
    raw.to_csv(data / "2023" / "scores.csv", index=False)
    consensus = raw[raw["stage"] == "consensus"]
    entries = list(dict.fromkeys(consensus["entry_id"]))
    criteria = consensus["criterion"].nunique()
    items = todo(2023, data)
    assert len(consensus) > TODO_LISTED and len(items) == 2 * criteria  # strengths and improvements
    first = ", ".join(entries[:3])
    assert all(f"Konsensustext saknas för {len(entries)} bidrag, " in t and f"({first} och {len(entries) - 3} till)"
               in t for t in items), items[:2]
