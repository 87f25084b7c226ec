"""The site-visit shortlist (issue 21, point 4): the rule by hand on a small example, and on a copy
of a demo year against rankings computed here from a fresh fit of the model."""

from __future__ import annotations

import pandas as pd
import pytest
from demo_copy import demo_copy

from scoring.data import load_year
from scoring.kinds.jury.pack import N_DRAWS
from scoring.kinds.jury.shortlist import SHORTLIST_COLUMNS, shortlist, shortlist_table
from scoring.ranking import rank_entries

YEAR = 2023
NA = pd.NA


def _ranking() -> pd.DataFrame:
    """Two classes as ``rank_entries`` gives them: A with six entries that can win and a3 that cannot
    (first among those that cannot win: its own place, which is no place among the others), B with
    two and one entry without a score."""
    rows = [
        # entry, class, rank, low, high, eligible
        ("a1", "A", 1, 1, 1, True), ("a2", "A", 2, 1, 3, True), ("a7", "A", 3, 2, 4, True),
        ("a4", "A", 4, 3, 5, True), ("a5", "A", 5, 5, 6, True), ("a6", "A", 6, 4, 6, True),
        ("a3", "A", 1, 1, 1, False),
        ("b1", "B", 1, 1, 2, True), ("b2", "B", 2, 1, 2, True), ("b3", "B", NA, NA, NA, True),
    ]
    r = pd.DataFrame(rows, columns=["entry_id", "class", "rank", "rank_low", "rank_high", "eligible"])
    for c in ("rank", "rank_low", "rank_high"):
        r[c] = r[c].astype("Int64")
    return r.assign(name=[f"Enhet {e}" for e in r["entry_id"]], score=[80 - i for i in range(len(r))],
                    p_first=0.1)


def _ranks() -> pd.DataFrame:
    """Places under two other ways of counting (B's entries are not ranked by them)."""
    consensus = {"a1": 1, "a2": 2, "a7": 4, "a4": 3, "a5": 5, "a6": 6, "a3": 1}
    mean = {"a1": 1, "a2": 4, "a7": 3, "a4": 5, "a5": 2, "a6": 6, "a3": 1}
    return pd.DataFrame([(e, m, r) for m, ranks in (("consensus", consensus), ("mean", mean))
                         for e, r in ranks.items()], columns=["entry_id", "method", "rank"])


def test_the_rule_by_hand():
    s = shortlist_table(_ranking(), _ranks(), visits=3)
    assert list(s.columns) == list(SHORTLIST_COLUMNS)
    got = [(r.entry_id, r.basis, r.method_dependent, r.methods) for r in s.itertuples()]
    assert got == [
        ("a1", "top", False, ""),  # first under every way of counting
        ("a2", "top", True, "mean"),  # fourth by the mean
        ("a7", "top", True, "consensus"),  # fourth by consensus
        ("a4", "interval", True, "consensus"),  # place 4, its interval 3-5 reaches place 3; third by consensus
        ("a5", "method", True, "mean"),  # place 5, interval 5-6, but second by the mean
        ("b1", "top", False, ""),  # no other way of counting ranks B: it decides nothing
        ("b2", "top", False, ""),
    ]  # a6 (place 6, interval 4-6, never in the three best), b3 (no score) and a3 (cannot win, though
    # first among those that cannot) are not on the list
    reasons = dict(zip(s["entry_id"], s["reason"], strict=True))
    assert reasons["a1"] == "Plats 1 med justerade poäng: bland de 3 främsta."
    assert reasons["a2"] == ("Plats 2 med justerade poäng: bland de 3 främsta. Hamnar utanför de 3 främsta om "
                             "rangordningen görs med medelvärdet av examinatorernas poäng.")
    assert reasons["a7"] == ("Plats 3 med justerade poäng: bland de 3 främsta. Hamnar utanför de 3 främsta om "
                             "rangordningen görs med lagets konsensuspoäng.")
    assert reasons["a4"] == ("Plats 4 med justerade poäng, men den möjliga placeringen 3–5 når plats 3: bidraget kan "
                             "höra till de främsta. Bland de 3 främsta om rangordningen görs med lagets "
                             "konsensuspoäng.")
    assert reasons["a5"] == ("Plats 5 med justerade poäng, men bland de 3 främsta om rangordningen görs med "
                             "medelvärdet av examinatorernas poäng.")
    assert list(s["rank"]) == [1, 2, 3, 4, 5, 1, 2] and s["rank"].dtype == "Int64"


def test_the_number_of_visits_moves_the_line():
    s = shortlist_table(_ranking(), _ranks(), visits=1)
    assert [(r.entry_id, r.basis) for r in s.itertuples()] == [
        ("a1", "top"), ("a2", "interval"), ("b1", "top"), ("b2", "interval")]
    s = shortlist_table(_ranking(), None, visits=5)  # no other way of counting: nothing flagged
    assert list(s["entry_id"]) == ["a1", "a2", "a7", "a4", "a5", "a6", "b1", "b2"]
    assert s["eligible"].all()
    assert not s["method_dependent"].any()
    with pytest.raises(ValueError, match="visits must be at least 1"):
        shortlist_table(_ranking(), None, visits=0)


def test_a_tie_at_the_last_place_takes_every_entry_of_the_tie():
    r = _ranking()
    r.loc[r["entry_id"] == "a4", "rank"] = 3
    s = shortlist_table(r, None, visits=3)
    assert s.loc[s["entry_id"] == "a4", "basis"].iloc[0] == "top"


# --------------------------------------------------------------------------- a demo year


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    data = demo_copy(tmp_path_factory.mktemp("shortlist") / "data", (YEAR,), training=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        lists = {k: shortlist(YEAR, k, data) for k in (1, 3)}
    yd = load_year(YEAR, data)
    fresh = {m: rank_entries(yd.scores, m, entries=yd.entries, n_draws=N_DRAWS if m == "adjusted" else 1, seed=0)
             for m in ("adjusted", "consensus", "mean", "median", "trimmed", "zscore")}
    return {"lists": lists, "ranking": fresh}


@pytest.mark.parametrize("visits", [1, 3])
def test_the_demo_list_follows_the_rule_on_independent_rankings(year, visits):
    s = year["lists"][visits].set_index("entry_id")
    r = year["ranking"]["adjusted"].set_index("entry_id")
    others = {m: t.set_index("entry_id")["rank"] for m, t in year["ranking"].items() if m != "adjusted"}
    assert (~r["eligible"]).any()  # the demo year has entries that cannot win: never proposed
    for eid, x in r.iterrows():
        if pd.isna(x["rank"]) or not x["eligible"]:
            assert eid not in s.index
            continue
        inside = {m for m, ranks in others.items() if pd.notna(ranks[eid]) and ranks[eid] <= visits}
        outside = {m for m, ranks in others.items() if pd.notna(ranks[eid]) and ranks[eid] > visits}
        on = x["rank"] <= visits or x["rank_low"] <= visits or bool(inside)
        assert (eid in s.index) == on, eid
        if not on:
            continue
        row = s.loc[eid]
        assert (row["rank"], row["rank_low"], row["rank_high"]) == (x["rank"], x["rank_low"], x["rank_high"])
        assert row["basis"] == ("top" if x["rank"] <= visits else "interval" if x["rank_low"] <= visits else "method")
        differ = outside if x["rank"] <= visits else inside
        assert row["method_dependent"] == bool(differ)
        assert set(filter(None, row["methods"].split(", "))) == differ
        assert row["reason"].startswith(f"Plats {x['rank']} med justerade poäng")
        assert row["name"] == x["name"] and row["class"] == x["class"]


def test_the_demo_year_has_a_list_in_every_class_and_some_flags(year):
    s = year["lists"][3]
    assert set(s["class"]) == set(year["ranking"]["adjusted"]["class"])
    assert (s.groupby("class")["basis"].apply(lambda b: (b == "top").sum()) >= 3).all()
    assert s["method_dependent"].any()  # the demo year has entries whose place depends on the counting
