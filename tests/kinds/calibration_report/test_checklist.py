"""The award office's checklist in the calibration report and the index (issue 19, point 4): the
consensus texts missing and the entries that get no letter."""

from __future__ import annotations

import pandas as pd
from demo_copy import demo_copy
from html_page import Page

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


def test_a_year_missing_many_texts_counts_them_per_criterion_and_lists_the_first(tmp_path):
    """More missing texts than TABLE_MAX (a national year without texts misses 72,000): the count, a
    table per criterion, the first TABLE_MAX rows and a note on the rest, instead of every row."""
    from scoring.kinds.calibration_report.lead import TABLE_MAX

    data = demo_copy(tmp_path / "data", (2023,), training=False)
    raw = pd.read_csv(data / "2023" / "scores.csv", dtype=str, keep_default_na=False)
    raw.loc[raw["stage"] == "consensus", "strengths"] = ""
    raw.to_csv(data / "2023" / "scores.csv", index=False)
    consensus = raw[raw["stage"] == "consensus"]
    n = len(consensus) + int((consensus["improvements"] == "").sum())
    assert n > TABLE_MAX
    yd = load_year(2023, data)
    page = Page(consensus_checklist(yd).html)
    assert f"{n} konsensustexter saknas" in page.text
    per_criterion, rows = page.tables
    assert per_criterion[0] == ["Kriterium", "Bidrag utan styrkor", "Bidrag utan utvecklingsområden"]
    entries = consensus.groupby("criterion")["entry_id"].nunique()
    assert [r[1] for r in per_criterion[1:]] == [str(entries[c]) for c in yd.rubric.criterion_ids]
    assert len(rows) - 1 == TABLE_MAX
    assert f"tabellen visar {TABLE_MAX} av {n} saknade texter; övriga {n - TABLE_MAX} visas inte här" in page.text
    assert "hur många som saknas per kriterium står i tabellen ovan" in page.text
