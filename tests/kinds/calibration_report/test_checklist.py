"""The award office's checklist in the calibration report and the index (issue 19, point 4): the
consensus texts missing and the entries that get no letter."""

from __future__ import annotations

import pandas as pd
from demo_copy import demo_copy

from scoring.data import load_year
from scoring.kinds.calibration_report.changes import consensus_checklist
from scoring.reports.index import _todo


def test_the_demo_s_missing_texts_are_listed_and_an_entry_without_consensus_is_named(tmp_path):
    data = demo_copy(tmp_path / "data", (2023,), training=False)
    # independently: the consensus rows of scores.csv with an empty strengths or improvements text
    raw = pd.read_csv(data / "2023" / "scores.csv", dtype=str, keep_default_na=False)
    consensus = raw[raw["stage"] == "consensus"]
    gaps = consensus[(consensus["strengths"] == "") | (consensus["improvements"] == "")]
    assert len(gaps) == 2  # the demo leaves two out
    text = consensus_checklist(load_year(2023, data)).text
    assert f"{len(gaps)} konsensustexter saknas" in text
    for r in gaps.itertuples():
        assert r.entry_id in text
    index = _todo(data, 2023)
    assert index.count("<li>Konsensustext saknas för ") == len(gaps)
    # an entry whose consensus rows are gone gets no letter, and both places say so
    first = consensus["entry_id"].iloc[0]
    raw[~((raw["entry_id"] == first) & (raw["stage"] == "consensus"))].to_csv(data / "2023" / "scores.csv",
                                                                           index=False)
    assert f"Ingen återföringsrapport skrivs för {first}" in consensus_checklist(load_year(2023, data)).text
    assert f"Ingen återföringsrapport (ingen konsensuspoäng): {first}" in _todo(data, 2023)
