"""The jury's overview across the classes (issue 21, point 3) with the site-visit shortlist (point 4).

On a copy of the demo year 2023: each class's leader, its chance to win and what would change
it in the words of the class's pack; the decision's status before ``decisions.csv`` exists,
with one that has errors, and with a valid one in which the jury chose another entry than the
leader in one class; the shortlist section; the pointer from every named pack and never from a
blind one. One module-wide run makes ``jury.html`` through the real notebook.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from demo_copy import demo_copy
from html_page import Page

from scoring.data import load_year
from scoring.kinds import REPORT_KINDS
from scoring.kinds.jury import overview
from scoring.kinds.jury import pack as jury
from scoring.kinds.jury.shortlist import shortlist
from scoring.presentation import glossary
from scoring.ranking import rank_entries
from scoring.reports import run_reports

YEAR = 2023
HEADER = ["class", "award", "entry_id", "motivation", "override_reason"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return demo_copy(tmp_path_factory.mktemp("overview") / "data", (YEAR,), training=False)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # the year's model is kept here, not in the project
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def ranking(data):
    """The adjusted ranking from a fresh fit of the model (not the cache the overview uses)."""
    yd = load_year(YEAR, data)
    return rank_entries(yd.scores, "adjusted", entries=yd.entries, n_draws=jury.N_DRAWS, seed=0)


def _leader(ranking, cls) -> str:
    return ranking.loc[(ranking["class"] == cls) & ranking["leader"], "entry_id"].iloc[0]


def _decisions(ranking) -> list[list[str]]:
    """Leaders win, but in the school class the jury chose the second eligible entry; no prize in elderly care."""
    rows = []
    for cls in ("forskola", "skola", "socialtjanst", "andra"):
        r = ranking[(ranking["class"] == cls) & ranking["eligible"] & ranking["score"].notna()].sort_values("rank")
        eid = r["entry_id"].iloc[1 if cls == "skola" else 0]
        rows.append([cls, "vinnare", eid, "Ett systematiskt kvalitetsarbete.", ""])
    rows.append(["aldreomsorg", "inget_pris", "", "Juryn har inte funnit något bidrag som når upp till nivån.", ""])
    return rows


def _write(data, rows) -> None:
    with open(data / str(YEAR) / "decisions.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])


# --------------------------------------------------------------------------- in process


def test_the_kind():
    kind = REPORT_KINDS["jury_overview"]
    assert kind.per is None and kind.output_html(Path("r"), YEAR) == Path(f"r/{YEAR}/jury.html")
    assert kind.bundle == REPORT_KINDS["jury"].bundle and kind.blind is None


def test_before_a_decision(data, cache, ranking):
    (data / str(YEAR) / "decisions.csv").unlink(missing_ok=True)
    ov = overview.load_overview(YEAR, data)
    assert ov.decisions is None and ov.problems == []
    assert overview.decision_status(ov).text.startswith(f"Inget beslut är registrerat för {YEAR} ännu.")
    assert overview.class_decision(ov, "forskola").text == "Beslut: inte fattat ännu."
    # each class as its pack says it: the same words and the same chance to win
    text = overview.classes(ov).text
    for p in ov.packs.values():
        assert jury.summary(p).text in text
    table = overview.leaders_table(ov).text.replace("\xa0", " ").splitlines()
    assert table[0].split("  ")[0] == "Klass" and len(table) == 1 + len(ov.packs)
    for cls in ov.packs:
        lead = ranking[(ranking["class"] == cls) & ranking["leader"]].iloc[0]
        line = next(ln for ln in table if ln.startswith(ov.rubric.class_label(cls)))
        assert f" {lead['entry_id']} " in line and glossary.chance(lead["p_first"]).replace("\xa0", " ") in line
        assert line.rstrip().endswith("inte fattat")
        # the runner-up is the pack's: the eligible entry with the second-highest score, and its gap
        ok = ranking[(ranking["class"] == cls) & ranking["eligible"]].sort_values("score", ascending=False)
        runner = ok.iloc[1]
        gap = f"{ok['score'].iloc[0] - runner['score']:.1f}".replace(".", ",")
        assert f" {runner['entry_id']} " in line and f"{gap} poäng efter" in line
        assert jury.runner_up(ov.packs[cls]) == [runner["entry_id"]]
        assert f"Närmast efter kommer {runner['entry_id']} " in jury.summary(ov.packs[cls]).text


def test_a_decision_with_errors_is_shown_not_raised(data, cache, ranking):
    rows = _decisions(ranking)
    _write(data, [*rows, rows[0]])  # the preschool winner twice
    ov = overview.load_overview(YEAR, data)
    assert ov.decisions is None and ov.problems
    status = overview.decision_status(ov)
    assert status.text.startswith("Beslutet kan inte läsas. Beslutet i decisions.csv har fel")
    assert f"decisions.csv:{len(rows) + 2}" in status.text and 'class="warning"' in status.html
    assert overview.class_decision(ov, "forskola").text == "Beslut: beslutet har fel (se ovan)."


def test_a_decision_beside_the_leaders(data, cache, ranking):
    rows = _decisions(ranking)
    _write(data, rows)
    ov = overview.load_overview(YEAR, data, visits=2)
    assert overview.decision_status(ov).text.startswith(
        "Juryns beslut är registrerat: vinnare i 4 av 5 klasser, inget pris i 1 och 0 hedersomnämnanden.")
    school = overview.class_decision(ov, "skola").text
    assert school.startswith(f"Beslut: vinnare {rows[1][2]} ")
    assert school.endswith("Juryn valde ett annat bidrag än rangordningens ledare, vilket den är fri att "
                           "göra.")
    assert "annat bidrag" not in overview.class_decision(ov, "forskola").text
    assert overview.class_decision(ov, "aldreomsorg").text == "Beslut: inget pris delas ut i klassen."
    table = overview.leaders_table(ov).text.splitlines()
    assert next(ln for ln in table if ln.startswith("Skola")).rstrip().endswith(f"vinnare {rows[1][2]}")
    assert next(ln for ln in table if ln.startswith("Äldreomsorg")).rstrip().endswith("inget pris")


def test_the_shortlist_section(data, cache):
    ov = overview.load_overview(YEAR, data, visits=2)
    s = shortlist(YEAR, 2, data)
    pd.testing.assert_frame_equal(ov.shortlist, s)
    block = overview.shortlist_section(ov)
    assert block.text.startswith("Förslag till platsbesök: i varje klass de 2 främsta med justerade poäng")
    assert f"{len(s)} bidrag på listan, {int(s['method_dependent'].sum())} av dem" in block.text
    for reason in s["reason"]:
        assert reason in block.text
    meta = block.metadata()["scoring"]["shortlist"]
    assert [m["entry_id"] for m in meta] == list(s["entry_id"])
    # places count among the entries that can win: those that cannot are never proposed, and the ones that
    # would have been among the two best with their budget in balance are named apart
    r = pd.concat([p.ranking for p in ov.packs.values()])
    out = r[~r["eligible"]]
    assert len(out) and not set(out["entry_id"]) & set(s["entry_id"])
    assert not (out["would_rank"] <= 2).any() and "Inte på listan" not in block.text
    ov3 = overview.load_overview(YEAR, data, visits=3)
    assert not set(out["entry_id"]) & set(ov3.shortlist["entry_id"])
    text = overview.shortlist_section(ov3).text
    near = out[out["would_rank"] <= 3]
    assert len(near)  # the demo year has such entries
    tail = text[text.index("Inte på listan eftersom budgeten inte är i balans, fast bidraget hade hamnat bland de "
                           "3 främsta med budget i balans:"):]
    for _, x in near.iterrows():
        assert f"{x['entry_id']} " in tail and f"plats {x['would_rank']} med budget i balans" in tail
    for eid in set(out["entry_id"]) - set(near["entry_id"]):
        assert eid not in tail


def test_named_packs_point_to_the_overview_and_blind_ones_never(data, cache):
    named = jury.overview_note(jury.load_pack(YEAR, "skola", data, n_draws=50))
    assert "jury.html" in named.text and named.text.startswith("Alla klasser: Juryns översikt över alla klasser")
    assert jury.overview_note(jury.load_pack(YEAR, "skola", data, n_draws=50, blind=True)) is None


# --------------------------------------------------------------------------- the page, made by the notebook


@pytest.fixture(scope="module")
def made(data, ranking, tmp_path_factory):
    """``scoring report --year 2023 --kind jury_overview`` with the decision above."""
    _write(data, _decisions(ranking))
    out = tmp_path_factory.mktemp("overview-out")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        result = run_reports([YEAR], "jury_overview", data_dir=data, out_dir=out, progress=False, timeout=300)
        listed = shortlist(YEAR, 3, data)
    return {"out": out, "result": result, "shortlist": listed}


def test_the_overview_page(made, ranking, data):
    assert made["result"].ok, made["result"].failures
    page = Page.read(made["out"] / str(YEAR) / "jury.html")
    assert page.title == f"Juryns översikt, {YEAR}"
    assert [h for h in page.headings if h[0] == "h2"] == [
        ("h2", "Ledarna sida vid sida"), ("h2", f"Alla klasser {YEAR} i korthet"), ("h2", "Beslutets status"),
        ("h2", "Förslag till platsbesök"), ("h2", "Klass för klass")]
    leaders = page.table("Klass")
    assert leaders[0] == ["Klass", "Ledare", "Chans att vinna", "Närmast efter", "Annan ledare med", "Beslut"]
    rubric = load_year(YEAR, data).rubric
    for row in leaders[1:]:
        cls = next(c for c in ranking["class"].unique() if row[0] == rubric.class_label(c))
        lead = ranking[(ranking["class"] == cls) & ranking["leader"]].iloc[0]
        assert row[1].split()[0] == lead["entry_id"]
        assert row[2] == " ".join(glossary.chance(lead["p_first"]).split())
    s = made["shortlist"]
    tables = [t for t in page.tables if t and t[0][:2] == ["Bidrag", "Placering"]]  # one per class
    assert len(tables) == s["class"].nunique()
    rows = [r for t in tables for r in t[1:]]
    assert [r[0].split()[0] for r in rows] == list(s["entry_id"])
    assert [r[-1] for r in rows] == list(s["reason"])
    assert [r[3] for r in rows] == ["ja" if x else "" for x in s["method_dependent"]]
    assert "Juryn valde ett annat bidrag än rangordningens ledare" in page.text
    assert (f"{YEAR}/jury.html", "Juryns översikt – alla klasser") in Page.read(made["out"] / "index.html").links

