"""The jury pack of a large class (issue 22, point 3): a national or multi-city programme has classes
of a thousand entries, and a pack showing every entry in full was 23-27 MB of HTML. Above
``FULL_PACK_MAX`` entries the pack gives the full treatment (profile panels, site-visit changes,
agenda rows, comments) only to the entries in contention, the entries that can win and whose 90 %
rank interval reaches place 3, puts the other entries that can win in a compact table, and says so.

The class is one of a small national-style year (``scoring.demo_national`` with 250 entries in
five classes of about 50) to which every entry's examiners' comments and a site visit for a few
entries are added, so that each section has something to leave out. A city class (at most about
ten entries) is far below the threshold and its pack is unchanged (``benchmarks/same_outputs.py``
checks the demo's packs byte for byte).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from scoring.demo_national import NATIONAL, generate_national
from scoring.kinds.jury import figures
from scoring.kinds.jury import pack as jury

CLASS = "skola"


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    """A class of about 50 entries, every entry with a comment, a few with a site visit."""
    root = tmp_path_factory.mktemp("large") / "data"
    generate_national(root, settings=replace(NATIONAL, n_entries=250, n_examiners=60))
    path = root / str(NATIONAL.year) / "scores.csv"
    scores = pd.read_csv(path, dtype=str, keep_default_na=False)
    individual = scores["stage"] == "individual"
    first = ~scores[individual].duplicated("entry_id")
    scores["comment"] = ""
    scores.loc[first[first].index, "comment"] = "Kommentar om " + scores.loc[first[first].index, "entry_id"]
    visited = sorted(scores["entry_id"].unique())[::10]
    visit = scores[(scores["stage"] == "consensus") & scores["entry_id"].isin(visited)].copy()
    visit["stage"] = "site_visit"
    visit["score"] = (visit["score"].astype(int) + 10).clip(upper=100).astype(str)
    pd.concat([scores, visit], ignore_index=True).to_csv(path, index=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        pack = jury.load_pack(NATIONAL.year, CLASS, root)
    return {"pack": pack, "visited": visited}


def test_the_class_is_above_the_threshold_and_its_entries_in_contention_are_those_that_can_reach_place_3(large):
    pack = large["pack"]
    r = pack.ranking
    assert len(pack.entries) > jury.FULL_PACK_MAX
    near = r[r["eligible"].astype(bool) & (r["rank_low"] <= jury.FOCUS_PLACE)]
    assert pack.focus == tuple(near["entry_id"])
    assert 3 <= len(pack.focus) < r["eligible"].sum()
    assert list(r.loc[r["entry_id"].isin(pack.focus), "rank"]) == sorted(near["rank"])  # in ranking order


def test_the_threshold():
    r = pd.DataFrame({"entry_id": ["A", "B", "C"], "eligible": [True, False, True],
                      "rank_low": pd.array([1, 1, 4], dtype="Int64")})
    assert jury._focus(r, jury.FULL_PACK_MAX) is None  # a class at the threshold shows every entry
    assert jury._focus(r, jury.FULL_PACK_MAX + 1) == ("A",)  # above it: only those that can win and reach 3


def test_the_pack_says_what_it_left_compact_and_why(large):
    pack = large["pack"]
    text = jury.heading(pack).text
    n, k = len(pack.entries), len(pack.focus)
    rest = int(pack.ranking["eligible"].sum()) - k
    assert (f"Klassen har {n} bidrag, för många för att visa allt om vart och ett. Fullständigt underlag" in text)
    assert f"visas bara för {k} av dem: de som kan vinna och vars möjliga placering når plats 3" in text
    assert f"Övriga {rest} bidrag som kan vinna står i en kompakt tabell" in text
    assert f"högst {jury.FULL_PACK_MAX} bidrag" in text
    small = replace(pack, focus=None)
    assert "Stor klass" not in jury.heading(small).text


def test_the_ranking_shows_the_entries_in_contention_in_full_and_the_others_that_can_win_in_one_line_each(large):
    pack = large["pack"]
    block = jury.ranking_table(pack)
    r = pack.ranking
    ok = r[r["eligible"].astype(bool)]
    tables = block.html.split("<table>")[1:]
    assert len(tables) == 2
    full, compact = tables
    assert all(e in full for e in pack.focus)
    others = [e for e in ok["entry_id"] if e not in pack.focus]
    assert all(e in compact and e not in full for e in others)
    assert compact.count("<tr>") == len(others) + 1  # one line each, and the header
    assert [m["entry_id"] for m in block._meta["jury_ranking"]] == list(r["entry_id"])  # every entry's numbers
    header = compact[:compact.index("</thead>")]
    for column in ("Placering", "Bidrag", "Verksamhet", "Poäng", "Möjlig placering", "Chans att vinna"):
        assert column in header
    blind = replace(pack, blind=True, entries=pack.entries.drop(columns="name"))
    assert "Verksamhet" not in jury.ranking_table(blind).html.split("<table>")[2]


def test_comments_agenda_and_site_visits_only_for_the_entries_in_contention(large):
    pack = large["pack"]
    focus = set(pack.focus)
    others = [e for e in pack.ranking["entry_id"] if e not in focus]
    comments = jury.comments(pack).text
    assert all(f"Kommentar om {e}" in comments for e in focus)
    assert not any(f"Kommentar om {e}" in comments for e in others)
    assert "bara för de" in comments
    agenda = jury.agenda(pack)
    assert "bara för de" in agenda.text
    assert not any(e in agenda.html for e in others)
    visits = jury.site_visit_changes(pack)
    visited = set(large["visited"]) & set(pack.entries["entry_id"])
    assert visited and f"{len(visited)} av klassens {len(pack.entries)} bidrag fick platsbesök" in visits.text
    assert not any(e in visits.html for e in others)
    assert all(e in visits.html for e in visited & focus)


def test_the_profile_has_a_panel_per_entry_in_contention_against_the_whole_class(large):
    pack = large["pack"]
    fig = figures.criterion_profiles(pack)
    titles = [t for t in fig.figure.axes[0].texts if (t.get_gid() or "").startswith("title-")]
    assert len(titles) == len(pack.focus)
    assert fig.alt.startswith(f"Här visas {len(pack.focus)} av klassens {len(pack.entries)} bidrag")
    every = figures.criterion_profiles(replace(pack, focus=None))
    spread = every.alt.split("Klassens spridning: ")[1].split(". ")[0]
    assert f"Klassens spridning: {spread}." in fig.alt  # the spread of the whole class, not of the panels


def test_the_pack_does_not_grow_with_the_class(large):
    """What a large pack shows beyond the compact table does not depend on how many entries the
    class has: the same pack with every other entry dropped from the class's tables (the focus
    kept) is as long but for the compact table."""
    pack = large["pack"]
    r = pack.ranking
    keep = r["entry_id"].isin(pack.focus) | (np.arange(len(r)) % 2 == 0)
    half = replace(pack, ranking=r[keep].reset_index(drop=True),
                   scores=pack.scores[pack.scores["entry_id"].isin(r.loc[keep, "entry_id"])])
    for section in (jury.comments, jury.agenda):
        assert len(section(half).html) == len(section(pack).html)
