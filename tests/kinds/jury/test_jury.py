"""The jury's pack per class (issue 8): made by the real notebook through ``scoring report``.

One module-wide run makes every class's pack of a copy of the demo year 2023, once as is and
once with ``--blind``. In the copy one entry of the preschool class has a name holding markup,
and comments hold markup, name their own unit (without "(fiktiv)", in lower case, in the
genitive) and name a district. The tests read what the runs wrote; the numbers are checked
against ``scoring.ranking.rank_entries`` computed here from a fresh fit of the model (not the
cache the notebooks used).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from demo_copy import demo_copy
from html_page import Page

from scoring.cli import main
from scoring.data import load_year
from scoring.kinds.jury import pack as jury
from scoring.paths import NOTEBOOKS_DIR
from scoring.ranking import METHODS, method_places, method_sensitivity, rank_entries
from scoring.reports import REPORT_KINDS, privacy

YEAR = 2023
CLASS = "forskola"
HOSTILE_ENTRY = "2023-22"
HOSTILE_NAME = "<b>Förskolan</b> <script>x</script>"
HOSTILE_COMMENT = "<script>alert(1)</script> & <i>kursiv</i> </table>"
NAMED_ENTRY = "2023-17"  # Förskolan Solrosen (fiktiv)
# other spellings too (issue 15): upper case, a combining accent, a zero-width space, the genitive
NAMING_COMMENT = ("förskolan solrosen visar tydliga mål; Solrosens personal är engagerad, som på SOLROSEN, "
                  "Solro\u0301sen och Sol\u200brosen.")
DISTRICT_ENTRY = "2023-08"  # in Rinkeby-Kista
DISTRICT_COMMENT = "Samarbetet med stadsdelen Rinkeby-Kista är gott, i Rinkeby som i Kista och i Rinkeby–Kista."


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _first_row(scores: pd.DataFrame, entry: str, stage: str) -> int:
    return scores.index[(scores["entry_id"] == entry) & (scores["stage"] == stage)][0]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A copy of the demo year with hostile text in the preschool class."""
    root = demo_copy(tmp_path_factory.mktemp("jury") / "data", (YEAR,))
    entries = _read(root / str(YEAR) / "entries.csv")
    entries.loc[entries["entry_id"] == HOSTILE_ENTRY, "name"] = HOSTILE_NAME
    entries.to_csv(root / str(YEAR) / "entries.csv", index=False)
    scores = _read(root / str(YEAR) / "scores.csv")
    scores.loc[_first_row(scores, HOSTILE_ENTRY, "individual"), "comment"] = HOSTILE_COMMENT
    scores.loc[_first_row(scores, NAMED_ENTRY, "individual"), "comment"] = NAMING_COMMENT
    scores.loc[_first_row(scores, DISTRICT_ENTRY, "individual"), "comment"] = DISTRICT_COMMENT
    scores.to_csv(root / str(YEAR) / "scores.csv", index=False)
    return root


@pytest.fixture(scope="module")
def made(data, tmp_path_factory):
    """``scoring report --year 2023 --kind jury`` and the same with ``--blind``, into one folder."""
    out = tmp_path_factory.mktemp("jury-out")
    common = ["report", "--year", str(YEAR), "--kind", "jury", "--data", str(data), "--out", str(out),
              "--workers", "2"]
    with pytest.MonkeyPatch.context() as mp:  # the kernels keep the year's model here, not in the project
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        codes = (main(common), main([*common, "--blind"]))
    yd = load_year(YEAR, data)
    return {"out": out, "codes": codes, "year": yd, "classes": sorted(yd.entries["class"].unique())}


@pytest.fixture(scope="module")
def expected(made):
    """rank_entries and method_sensitivity of the copied year, from a fresh fit of the model."""
    yd = made["year"]
    return {
        "ranking": rank_entries(yd.scores, "adjusted", entries=yd.entries, n_draws=jury.N_DRAWS, seed=0),
        "sensitivity": method_sensitivity(yd.scores, yd.entries),
        "places": method_places(yd.scores, yd.entries, methods=["adjusted", *METHODS]),
    }


def _page(made, cls: str, blind: bool = False) -> Page:
    name = f"jury-{cls}{'-blind' if blind else ''}.html"
    return Page.read(made["out"] / str(YEAR) / name)


def _notebook(made, cls: str, blind: bool = False) -> dict:
    name = f"jury-{cls}{'-blind' if blind else ''}.ipynb"
    return json.loads((made["out"] / str(YEAR) / name).read_text(encoding="utf-8"))


def _meta(nb: dict, key: str) -> list[dict]:
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            mark = (output.get("metadata") or {}).get("scoring") or {}
            if key in mark:
                return mark[key]
    raise AssertionError(f"no {key} in the notebook")


def _ranking_meta(nb: dict) -> list[dict]:
    return _meta(nb, "jury_ranking")


def _between(text: str, start: str, end: str) -> str:
    """The part of a page's text from ``start`` to ``end``."""
    i = text.index(start)
    return text[i:text.index(end, i)]


# --------------------------------------------------------------------------- the runs


def test_a_pack_for_every_class_and_a_blind_one(made):
    assert made["codes"] == (0, 0)
    folder = made["out"] / str(YEAR)
    assert len(made["classes"]) == 5
    for cls in made["classes"]:
        for stem in (f"jury-{cls}", f"jury-{cls}-blind"):
            assert (folder / f"{stem}.html").is_file() and (folder / f"{stem}.ipynb").is_file()
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_title_and_first_headings_name_year_and_class(made):
    rubric = made["year"].rubric
    for cls in made["classes"]:
        for blind in (False, True):
            page = _page(made, cls, blind)
            label = rubric.class_label(cls)
            assert label in page.title and str(YEAR) in page.title
            assert page.headings[0][0] == "h1" and page.headings[0][1].startswith("Jurypaket")
            assert page.headings[1] == ("h2", f"{label} {YEAR} i korthet")


def test_index_lists_the_packs_and_the_blind_packs(made):
    index = (made["out"] / "index.html").read_text(encoding="utf-8")
    assert 'href="2023/jury-forskola.html">Jurypaket – Förskola</a>' in index
    assert 'href="2023/jury-forskola-blind.html">Jurypaket – Förskola (anonymiserat)</a>' in index
    assert index.count("(anonymiserat)</a>") == len(made["classes"])


def test_named_packs_point_to_the_overview_and_blind_packs_never(made):
    """Every named pack says where the jury's overview across the classes is (jury.html, beside it);
    a blind pack never does: the overview names the entries."""
    for cls in made["classes"]:
        named, blind = _page(made, cls), _page(made, cls, blind=True)
        assert f"Alla klasser: Juryns översikt över alla klasser {YEAR}" in named.text
        assert "jury.html" in named.text and ("jury.html", f"Juryns översikt över alla klasser {YEAR}") in named.links
        assert "jury.html" not in blind.text and "Juryns översikt" not in blind.text
        assert not [href for href, _ in blind.links if "jury.html" in href]
        notebook = json.dumps(_notebook(made, cls, blind=True), ensure_ascii=False)
        assert "jury.html" not in notebook


def test_blind_run_records_its_parameter(made):
    nb = _notebook(made, CLASS, blind=True)
    assert nb["metadata"]["papermill"]["parameters"]["blind"] is True
    assert "blind" not in _notebook(made, CLASS)["metadata"]["papermill"]["parameters"]


# --------------------------------------------------------------------------- the numbers


def _percent(p: float, eligible: bool) -> str:
    """The chance to win as the pack should show it (independent of the glossary): never "0 %" for a
    chance that is not nil (0.005 rounds half to even to 0), never "100 %" for one that is not sure."""
    if not eligible:
        return "–"
    whole = round(p * 100)
    if p > 0 and whole == 0:
        return "< 1 %"
    if p < 1 and whole == 100:
        return "> 99 %"
    return f"{whole} %"


def _interval(low, high) -> str:
    return str(int(low)) if int(low) == int(high) else f"{int(low)}–{int(high)}"


def test_ranking_table_matches_rank_entries_and_scoring_rank(made, expected, data, capsys):
    """The pack prints the numbers of rank_entries and of ``scoring rank`` (issue 17: places, intervals
    and chances among the class's eligible entries; would_rank for the others)."""
    assert main(["rank", str(data / str(YEAR) / "scores.csv"), "--format", "json"]) == 0
    cli = pd.DataFrame(json.loads(capsys.readouterr().out)).set_index("entry_id")
    r = expected["ranking"]
    for cls in made["classes"]:
        want = r[r["class"] == cls].reset_index(drop=True)
        for blind in (False, True):
            meta = pd.DataFrame(_ranking_meta(_notebook(made, cls, blind)))
            assert list(meta["entry_id"]) == list(want["entry_id"])
            for c in ("rank", "rank_low", "rank_high", "would_rank", "eligible"):
                assert list(meta[c]) == list(want[c]), c
                assert list(meta[c]) == list(cli.loc[meta["entry_id"], c]), c  # scoring rank says the same
            np.testing.assert_allclose(meta["p_first"], want["p_first"], rtol=0, atol=1e-12)
            np.testing.assert_allclose(meta["p_first"], cli.loc[meta["entry_id"], "p_first"], rtol=0, atol=1e-12)
            np.testing.assert_allclose(meta["score"], want["score"], rtol=0, atol=1e-9)

            ok = want[want["eligible"]]
            rows = _page(made, cls, blind).table("Placering")
            assert rows[0] == ["Placering", "Bidrag", "Poäng", "Möjlig placering", "Chans att vinna"]
            assert len(rows) == 1 + len(ok)  # the entries that can win only
            for row, (_, w) in zip(rows[1:], ok.iterrows(), strict=True):
                assert row[0] == str(w["rank"])
                assert row[1].split()[0] == w["entry_id"]
                assert row[2] == f"{w['score']:.1f}".replace(".", ",")
                assert row[3] == _interval(w["rank_low"], w["rank_high"])
                assert row[4] == _percent(w["p_first"], True)
                assert "kan inte vinna" not in row[1]
            # the leader is first, with place 1 whatever an entry that cannot win scored
            assert rows[1][1].split()[0] == want.loc[want["leader"], "entry_id"].iloc[0] and rows[1][0] == "1"


def _reading(p: float) -> str:
    """The words for a lead's chance, from the whole per cent printed (independent of the glossary)."""
    printed = _percent(p, True)
    whole = 0 if printed.startswith("<") else 99 if printed.startswith(">") else int(printed.split()[0])
    return ("mycket säker" if whole >= 95 else "ganska säker" if whole >= 80 else "osäker" if whole >= 50
            else "mycket osäker")


def test_summary_names_the_leader_the_certainty_and_what_would_change(made, expected):
    r, s, places = expected["ranking"], expected["sensitivity"], expected["places"]
    names = dict(zip(made["year"].entries["entry_id"], made["year"].entries["name"], strict=True))
    for cls in made["classes"]:
        text = _page(made, cls).text
        lead = r[(r["class"] == cls) & r["leader"]]
        assert len(lead) == 1
        eid = lead["entry_id"].iloc[0]
        p = lead["p_first"].iloc[0]
        assert f"Vem leder? {eid} {' '.join(names[eid].split())} leder klassen med" in text
        assert (f"Sannolikheten att ledaren är bäst av de bidrag som kan vinna är {_percent(p, True)}. "
                f"Ledningen är {_reading(p)}") in text
        other = s[(s["class"] == cls) & s["differs"]]
        if other.empty:
            assert "Alla 6 sätt att räkna poängen ger samma ledare." in text
        for _, row in other.iterrows():
            for who in row["leader"].split(", "):
                assert re.search(rf"Vad skulle ändra svaret\?.*Om rangordningen görs .* {who} ", text)
            # where the leader then stands
            mine = places[(places["method"] == row["method"]) & (places["entry_id"] == eid)].iloc[0]
            score = f"{mine['score']:.1f}".replace(".", ",")
            assert f"ledaren hamnar då på plats {mine['rank']} med {score} poäng." in text


def test_summary_names_one_runner_up_once_with_its_chance_and_the_gap(made, expected):
    """Issue 17: the summary named two different runners-up ("Näst störst chans" and "Avståndet till").
    The runner-up is the eligible entry with the second-highest score; it is named once, with its chance;
    another entry with a larger chance is said to have it, without being called the runner-up."""
    r = expected["ranking"]
    for cls in made["classes"]:
        text = _page(made, cls).text
        summary = _between(text, "Vem leder?", "Alla klasser:")
        ok = r[(r["class"] == cls) & r["eligible"] & r["score"].notna()].sort_values("score", ascending=False)
        lead, runner = ok.iloc[0], ok.iloc[1]
        assert "Näst störst chans" not in summary and "Avståndet till" not in summary
        assert summary.count("Närmast efter kommer") == 1
        assert f"Närmast efter kommer {runner['entry_id']} " in summary
        assert f" med {_percent(runner['p_first'], True)} chans att vinna." in summary
        gap = f"{lead['score'] - runner['score']:.1f}".replace(".", ",")
        assert f"Försprånget till närmast efter är {gap} poäng" in summary
        rest = ok.iloc[2:]
        more = rest[[_percent(p, True) != _percent(runner["p_first"], True) and p > runner["p_first"]
                     for p in rest["p_first"]]]
        if len(more):
            best = more.sort_values(["p_first", "score"], ascending=False).iloc[0]
            assert (f"Bland de övriga bidragen har {best['entry_id']} ") in summary
            assert f"störst chans att vinna, {_percent(best['p_first'], True)}, trots lägre poäng." in summary
        else:
            assert "Bland de övriga bidragen" not in summary


def test_entries_that_cannot_win_have_their_own_table_with_the_place_they_would_have_had(made, expected):
    r = expected["ranking"]
    out = r[~r["eligible"]]
    assert len(out) >= 2  # the demo year has entries whose budget is not in balance
    for cls, mine in out.groupby("class"):
        page = _page(made, cls)
        rows = next(t for t in page.tables if t and t[0][-1] == "Placering med budget i balans")
        assert rows[0] == ["Placering", "Bidrag", "Poäng", "Möjlig placering", "Placering med budget i balans"]
        assert [row[1].split()[0] for row in rows[1:]] == list(mine["entry_id"])
        # independent: 1 + the number of the class's eligible entries with a higher score
        ok = r[(r["class"] == cls) & r["eligible"]]
        for row, (_, w) in zip(rows[1:], mine.iterrows(), strict=True):
            assert row[0] == str(w["rank"]) and row[3] == _interval(w["rank_low"], w["rank_high"])
            assert row[4] == str(1 + int((ok["score"] > w["score"]).sum())) == str(w["would_rank"])
            assert "budget inte i balans" not in row[1]  # the table says it
        assert f"Budgeten är inte i balans för {len(mine)} av klassens" in page.text
    # the table of who cannot win counts its places among them: 1, 2, ...
    assert (out.groupby("class")["rank"].min() == 1).all()


# --------------------------------------------------------------------------- text from data is text


def test_names_and_comments_with_markup_show_literally(made):
    page = _page(made, CLASS)
    assert HOSTILE_NAME in page.text
    assert " ".join(HOSTILE_COMMENT.split()) in page.text
    assert not {"script", "b", "i"} & set(page.tags)
    assert NAMING_COMMENT in page.text  # not blind: the comment as written


def test_pack_shows_comments_per_criterion_with_their_authors(made):
    yd = made["year"]
    s = yd.scores
    row = s.loc[(s["entry_id"] == DISTRICT_ENTRY) & (s["comment"] == DISTRICT_COMMENT)].iloc[0]
    text = _page(made, CLASS).text
    label = yd.rubric.criterion_label(row["criterion"])
    assert re.search(rf"{label} .*{row['examiner_id']}: {DISTRICT_COMMENT}", text)


def test_team_comments_show_as_the_teams_without_an_examiner_code(made):
    """Issue 17: the team's consensus comments showed as "(E41)", the examiner who typed them."""
    s = made["year"].scores
    team = s[s["stage"].isin(["consensus", "site_visit"]) & (s["comment"].fillna("").str.strip() != "")]
    assert len(team)  # 2023's are typed as TEAM; 2024's under an examiner's code: the test below
    checked = 0
    for cls in made["classes"]:
        ids = set(made["year"].entries.loc[made["year"].entries["class"] == cls, "entry_id"])
        mine = team[team["entry_id"].isin(ids)]
        text = _page(made, cls).text
        comments = text[text.index("Examinatorernas kommentarer"):]
        for _, row in mine.iterrows():
            who = "Laget vid konsensus" if row["stage"] == "consensus" else "Laget vid platsbesöket"
            assert f"{who}: {' '.join(row['comment'].split())}" in comments
            checked += 1
        assert not re.search(r"Laget vid (konsensus|platsbesöket) \(", comments)  # no code after the team
    assert checked == len(team)


def test_method_sentence_says_only_what_the_benchmark_measured(made):
    """Issue 17: the rank intervals said "i 90 fall av 100" (measured: 92-99 %), and the adjustment
    was said to mean that no entry is disadvantaged by severe examiners (not measured)."""
    from scoring.ranking import RANK_INTERVAL_COVERAGE

    low, high = (round(100 * x) for x in RANK_INTERVAL_COVERAGE)
    for cls in made["classes"]:
        for blind in (False, True):
            text = _page(made, cls, blind).text.replace("\xa0", " ")
            assert "i 90 fall av 100" not in text and "missgynnas" not in text
            assert (f"i simuleringar med känd sanning låg rätt placering inom intervallet för {low}–{high} av 100 "
                    "bidrag") in text
            assert "Justeringen jämför examinatorerna bara på bidrag som de bedömt tillsammans" in text
            assert "oftare" not in _between(text, "Poängen är examinatorernas", "Ingen poäng är exakt")
            assert ("Orden för hur säker ledningen är följer chansen att vinna som den skrivs: mycket säker från "
                    "95 %, ganska säker 80–94 %, osäker 50–79 %, mycket osäker under 50 %.") in text


def test_standing_table_shows_the_first_three_under_every_method(made, expected):
    """Where the leader and the next two stand under every way of counting: their place among the
    eligible entries and their total, as method_places gives them."""
    r, places = expected["ranking"], expected["places"]
    for cls in made["classes"]:
        nb = _notebook(made, cls)
        meta = pd.DataFrame(_meta(nb, "jury_standing"))
        first = list(r.loc[(r["class"] == cls) & r["eligible"] & r["score"].notna(), "entry_id"])[:3]
        assert list(dict.fromkeys(meta["entry_id"])) == first
        assert list(dict.fromkeys(meta["method"])) == ["adjusted", *[m for m in METHODS if m != "adjusted"]]
        for _, m in meta.iterrows():
            want = places[(places["method"] == m["method"]) & (places["entry_id"] == m["entry_id"])].iloc[0]
            assert m["rank"] == want["rank"]
            np.testing.assert_allclose(m["score"], want["score"], rtol=0, atol=1e-9)
        rows = _page(made, cls).table("Sätt att räkna")
        assert rows[0] == ["Sätt att räkna", "Ledare", "Samma ledare som rangordningen", *first]
        adjusted = rows[1]
        assert [c.split()[0] for c in adjusted[3:]] == [str(k) for k in range(1, len(first) + 1)]


# --------------------------------------------------------------------------- blind


def _written_text(path) -> str:
    """A file's text as a reader (or a search) sees it, inline images left out."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for output in cell.get("outputs", []):
                output.get("data", {}).pop("image/png", None)
        return json.dumps(nb, ensure_ascii=False)
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", path.read_text(encoding="utf-8"))


def test_blind_files_hold_no_entry_name_and_no_district(made, data):
    entries = made["year"].entries
    forbidden = set()
    for name in entries["name"]:
        forbidden |= {name, name.replace("(fiktiv)", "").strip()}
    forbidden |= set(entries["district"].dropna())
    forbidden |= {part for d in entries["district"].dropna() for part in re.split(r"[-–]", d)}  # Rinkeby, Kista
    forbidden |= {"Solrosen", "<script>x</script>", "<b>Förskolan</b>", "Solro\u0301sen", "Sol\u200brosen"}
    files = sorted((made["out"] / str(YEAR)).glob("jury-*-blind.*"))
    assert len(files) == 2 * len(made["classes"])
    for path in files:
        text = _written_text(path).casefold()
        found = sorted(f for f in forbidden if f.casefold() in text)
        assert found == [], f"{path.name} names {found}"


def test_blind_pack_keeps_the_comments_with_codes_for_names(made):
    text = _page(made, CLASS, blind=True).text
    assert (f"{NAMED_ENTRY} visar tydliga mål; {NAMED_ENTRY}s personal är engagerad, som på {NAMED_ENTRY}, "
            f"{NAMED_ENTRY} och {NAMED_ENTRY}.") in text
    assert "Samarbetet med stadsdelen [stadsdel] är gott, i [stadsdel] som i [stadsdel] och i [stadsdel]." in text
    assert " ".join(HOSTILE_COMMENT.split()) in text


def test_blind_pack_has_the_same_numbers(made):
    for cls in made["classes"]:
        assert _ranking_meta(_notebook(made, cls, True)) == _ranking_meta(_notebook(made, cls))


# --------------------------------------------------------------------------- pieces, without a notebook


def test_blinder_finds_the_forms_of_a_name():
    entries = pd.DataFrame({
        "entry_id": ["A", "B", "C"],
        "name": ["Förskolan Solrosen (fiktiv)", "Vassdalsskolan, grundsärskola (fiktiv)",
                 "Administrativa enheten, Farsta (fiktiv)"],
        "district": ["Bromma", "Östermalm", "Farsta"],
    })
    assert jury.Blinder.name_forms("Förskolan Solrosen (fiktiv)") == [
        "Förskolan Solrosen (fiktiv)", "Förskolan Solrosen", "Solrosen"]
    blind = jury.Blinder(entries)
    assert blind("FÖRSKOLAN SOLROSEN (fiktiv) och solrosens gård") == "A och As gård"
    assert blind("Vassdalsskolan, grundsärskola har mål; på Vassdalsskolan") == "B har mål; på B"
    assert blind("Administrativa enheten, Farsta (fiktiv) i Farsta, nära Bromma") == \
        "C i [stadsdel], nära [stadsdel]"
    assert blind("Solrosor och skolan i stan") == "Solrosor och skolan i stan"  # no form of a name
    assert blind(None) is None
    # issue 15: other spellings, a name's genitive first word, dashed districts, generic words kept
    blind = jury.Blinder(pd.DataFrame({
        "entry_id": ["S", "R"], "name": ["Solrosens förskola (fiktiv)", "Förskolan Regnbågen (fiktiv)"],
        "district": ["Spånga-Tensta", "Norrmalm"]}))
    assert blind("Solrosen, Solrosens och SOLROSENS gård") == "S, Ss och SS gård"  # the ending as written
    assert blind("Regnbagen, Regnba\u030agen, Regnbå\u200bgen och Regnbågens") == "R, R, R och Rs"
    assert blind("i Tensta, Spånga, Spånga–Tensta och Spånga - Tensta") == (
        "i [stadsdel], [stadsdel], [stadsdel] och [stadsdel]")
    assert blind("Förskolan och enheten, förskolans lokalvården") == "Förskolan och enheten, förskolans lokalvården"
    # an entry's aliases (entries.csv, ";"-separated) are names too
    blind = jury.Blinder(pd.DataFrame({"entry_id": ["S"], "name": ["Solrosens förskola (fiktiv)"],
                                       "aliases": ["Blomman; Lilla huset på hörnet"]}))
    assert blind("Blommans barn och lilla huset på hörnet") == "Ss barn och S"


def test_the_lead_is_put_into_words_from_the_chance_as_printed():
    # issue 17: 0.9535 (2023) was "mycket säker" and 0.9475 (2024) "ganska säker"; both print as 95 %
    assert jury.lead_reading(0.9535) == jury.lead_reading(0.9475) == "Ledningen är mycket säker."
    assert jury.lead_reading(0.9449) == "Ledningen är ganska säker."
    assert jury.lead_reading(0.56) == "Ledningen är osäker: ett annat bidrag kan mycket väl vara bäst."
    assert jury.lead_reading(0.3) == "Ledningen är mycket osäker: inget bidrag är en klar favorit."
    assert jury.lead_reading(float("nan")) == ""
    assert not hasattr(jury, "percent") and not hasattr(jury, "certainty")  # one function for the words


def test_site_visit_table_against_hand_computed_changes():
    scores = pd.DataFrame({
        "entry_id": ["X"] * 5 + ["Y"] * 2,
        "examiner_id": ["TEAM"] * 7,
        "criterion": ["leadership", "target_group", "target_group", "staff", "leadership", "staff", "staff"],
        "stage": ["consensus", "consensus", "site_visit", "consensus", "site_visit", "consensus", "individual"],
        "score": [50.0, 60.0, 70.0, 40.0, 40.0, 30.0, 20.0],
    })
    from scoring.rubric import load_rubric

    t = jury.site_visit_table(scores, load_rubric())
    assert list(t["entry_id"]) == ["X", "X", "X"]  # Y had no site visit
    assert list(t["criterion"]) == ["target_group", "leadership", "staff"]  # the rubric's order
    assert list(t["change"].fillna(-1)) == [10.0, -10.0, -1]  # staff: no site-visit score


def test_margin_in_scale_steps():
    from scoring.rubric import load_rubric

    rubric = load_rubric()  # six criteria of equal weight, step 10: one step on one criterion = 10/6
    assert "2 av de 6 kriterierna" in jury._steps(3.2, rubric).text
    assert "ett enda kriterium" in jury._steps(1.6, rubric).text
    assert "varje kriterium" in jury._steps(10.5, rubric).text
    assert "alla 6 kriterierna" in jury._steps(9.0, rubric).text  # 6 x 10/6 = 10 closes 9, 5 x 10/6 does not


def test_load_pack_takes_the_swedish_label_and_refuses_an_unknown_class():
    pack = jury.load_pack(YEAR, "Förskola", n_draws=50)
    assert pack.class_id == "forskola" and set(pack.ranking["class"]) == {"forskola"}
    with pytest.raises(ValueError, match="no entries of class 'simhall'"):
        jury.load_pack(YEAR, "simhall", n_draws=50)


def test_blind_is_for_jury_packs_only(capsys):
    assert main(["report", "--year", "2023", "--kind", "calibration", "--blind"]) == 2
    assert "--blind applies to jury packs" in capsys.readouterr().err


def test_the_runner_refuses_a_blind_pack_that_names_an_entry_or_a_district(data):
    """Defence in depth: besides the notebook's blinding, the runner's privacy guard scans every file
    written for a blind pack for the year's entry names and districts before publishing it."""
    from scoring.reports.runner import _blind, _jobs_for

    kind = REPORT_KINDS["jury"]
    job = _jobs_for(kind, kind.notebook_path(NOTEBOOKS_DIR), YEAR, data, data / "out", 60, None)[0]
    blind = _blind(job, kind)
    entries = load_year(YEAR, data).entries
    name, district = entries["name"].iloc[0], entries["district"].dropna().iloc[0]
    assert blind.html.name.endswith("-blind.html") and blind.parameters["blind"] is True
    found = {f.token for f in privacy.scan_bytes(f"<p>{name} i {district}</p>".encode(), "x.html", blind.forbidden)}
    assert found == {name, district}


# --------------------------------------------------------------------------- issue 17's examples (demo year 2024)


@pytest.fixture(scope="module")
def y2024(tmp_path_factory):
    """Every class's pack of a copy of the demo year 2024, in process."""
    root = demo_copy(tmp_path_factory.mktemp("jury2024") / "data", (2024,), training=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        packs = {c: jury.load_pack(2024, c, root) for c in ("forskola", "skola", "socialtjanst", "andra")}
    return {"data": root, "packs": packs, "year": load_year(2024, root)}


def _team_totals(yd, stage_order=("consensus", "site_visit")) -> pd.Series:
    """The team's final weighted total per entry (site visit over consensus, criterion by criterion),
    computed here independently of scoring.ranking."""
    s = yd.scores[yd.scores["stage"].isin(stage_order)]
    cells = {}
    for stage in stage_order:  # the later stage overrides
        for (e, c), v in s[s["stage"] == stage].groupby(["entry_id", "criterion"])["score"].mean().items():
            cells[e, c] = v
    t = pd.Series(cells).rename_axis(["entry_id", "criterion"]).reset_index(name="score")
    w = t["criterion"].map(yd.rubric.weights)
    return (t["score"] * w).groupby(t["entry_id"]).sum() / w.groupby(t["entry_id"]).sum()


def test_2024_the_ranking_starts_with_the_leader_and_those_that_cannot_win_stand_apart(y2024):
    """Förskola 2024: place 1 was 2024-14 ("kan inte vinna") and the leader 2024-08 was row 2 with
    "Möjlig placering 1–4" beside "Chans att vinna 99 %"; Skola had the same."""
    for cls, leader, gated in (("forskola", "2024-08", ["2024-14", "2024-19", "2024-24"]),
                               ("skola", "2024-10", ["2024-01"])):
        pack = y2024["packs"][cls]
        table = jury.ranking_table(pack).text.replace("\xa0", " ").splitlines()
        first = table[1].split()
        assert first[0] == "1" and first[1] == leader
        r = pack.ranking.set_index("entry_id")
        assert r.loc[leader, "rank_low"] == 1
        assert not [g for g in gated if g in "\n".join(table)]
        gate = jury.budget_gate(pack).text
        ok = r[r["eligible"]]
        for g in gated:
            line = next(ln for ln in gate.splitlines() if f" {g} " in f" {ln} ")
            assert line.split()[-1] == str(1 + int((ok["score"] > r.loc[g, "score"]).sum()))
        assert "kan inte vinna" not in jury.ranking_table(pack).text


def test_2024_what_would_change_says_where_the_leader_stands_under_consensus(y2024):
    """Andra 2024: the consensus puts 2024-02 and 2024-06 first while the leader 2024-07 has a consensus
    total of 56,7; the pack showed who leads under each method, not where the leader stands."""
    pack = y2024["packs"]["andra"]
    totals = _team_totals(y2024["year"])
    ids = list(pack.entries["entry_id"])
    mine = totals.reindex(ids).round(9)
    place = 1 + int((mine > mine["2024-07"]).sum())  # every entry of the class can win
    assert set(mine[mine == mine.max()].index) == {"2024-02", "2024-06"}  # a shared lead under consensus
    text = jury.summary(pack).text
    score = f"{totals['2024-07']:.1f}".replace(".", ",")
    assert score == "56,7"
    assert (f"Om rangordningen görs med lagets konsensuspoäng i stället delar 2024-02 Lokalvården Tallnäs (fiktiv) "
            f"och 2024-06 Biblioteket Strandholmen (fiktiv) ledningen; ledaren hamnar då på plats {place} med "
            f"{score} poäng.") in text
    standing = jury.sensitivity_table(pack)
    consensus = next(ln for ln in standing.text.splitlines() if ln.startswith("Lagets konsensuspoäng"))
    assert f"{place} ({score})" in consensus


def test_2024_and_2023_leads_that_print_as_95_percent_get_the_same_words(y2024, data):
    """P = 0.9535 (Förskola 2023) was "mycket säker" and P = 0.9475 (Socialtjänst 2024) "ganska säker"."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORING_CACHE_DIR", str(data.parent / "cache2023"))
        p2023 = jury.load_pack(YEAR, CLASS, data)
    p2024 = y2024["packs"]["socialtjanst"]
    texts = []
    for pack in (p2023, p2024):
        lead = pack.ranking[pack.ranking["leader"]]
        assert _percent(lead["p_first"].iloc[0], True) == "95 %"
        texts.append(jury.summary(pack).text.replace("\xa0", " "))
    for text in texts:
        assert "kan vinna är 95 %. Ledningen är mycket säker." in text


def test_2024_profile_titles_of_a_class_of_nine_do_not_run_into_each_other(y2024):
    """Socialtjänst 2024 (nine entries, three columns): "Skarpnäck (fiktiv)" ran into "Daglig verksamhet
    Rönnhagen"."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from scoring.kinds.jury import figures

    fig = figures.criterion_profiles(y2024["packs"]["socialtjanst"]).figure
    for dpi in (100, 150):
        fig.set_dpi(dpi)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        titles = [t for t in fig.axes[0].texts if (t.get_gid() or "").startswith("title-")]
        assert len(titles) == 9
        boxes = [t.get_window_extent(canvas.get_renderer()) for t in titles]
        assert not [(i, j) for i in range(9) for j in range(i + 1, 9) if boxes[i].overlaps(boxes[j])]
    shown = " ".join(t.get_text().replace("\n", " ") for t in titles)
    assert "Skarpnäck" in shown and "Rönnhagen" in shown


def test_2024_team_comments_typed_under_an_examiners_code_show_as_the_teams(y2024):
    """In 2024 the team's texts are typed under the code of the examiner who wrote them down ("E41")."""
    checked = 0
    for pack in y2024["packs"].values():
        s = pack.scores
        team = s[s["stage"].isin(["consensus", "site_visit"]) & (s["comment"].fillna("").str.strip() != "")]
        text = jury.comments(pack).text
        for _, row in team.iterrows():
            assert row["examiner_id"] != "TEAM"
            who = "Laget vid konsensus" if row["stage"] == "consensus" else "Laget vid platsbesöket"
            assert f"{who}: {row['comment']}" in text
            assert f"({row['examiner_id']})" not in text
            checked += 1
        html = jury.comments(pack).html
        assert not re.search(r"Laget vid [a-zåäö]+ \(", html)
    assert checked > 0


# --------------------------------------------------------------------------- the summary's words on hand-made packs


def _hand_pack(rows, sensitivity=(("adjusted", "A", True, False),), places=()) -> jury.JuryPack:
    """A pack of class x from (entry, score, rank, eligible, p_first, leader) rows; ``sensitivity`` as
    (method, leader, chosen, differs); ``places`` as (method, entry, rank, score)."""
    from scoring.rubric import load_rubric

    ranking = pd.DataFrame(rows, columns=["entry_id", "score", "rank", "eligible", "p_first", "leader"])
    ranking = ranking.assign(**{"class": "x", "rank_low": ranking["rank"], "rank_high": ranking["rank"],
                                "would_rank": ranking["rank"], "note": [()] * len(ranking)})
    for c in ("rank", "rank_low", "rank_high", "would_rank"):
        ranking[c] = ranking[c].astype("Int64")
    sens = pd.DataFrame([{"class": "x", "method": m, "leader": who, "score": 0.0, "chosen": c, "differs": d}
                         for m, who, c, d in sensitivity])
    pl = pd.DataFrame([{"class": "x", "entry_id": e, "method": m, "score": s, "rank": r, "would_rank": r,
                        "eligible": True} for m, e, r, s in places],
                      columns=["class", "entry_id", "method", "score", "rank", "would_rank", "eligible"])
    entries = pd.DataFrame({"entry_id": ranking["entry_id"], "budget_in_balance": True})
    return jury.JuryPack(year=2030, class_id="x", rubric=load_rubric(), blind=True, entries=entries,
                         scores=pd.DataFrame(), ranking=ranking, sensitivity=sens, cells=pd.DataFrame(),
                         n_draws=2000, seed=0, places=pl)


def _text(block) -> str:
    return block.text.replace("\xa0", " ")


def test_a_tied_runner_up_is_named_together_and_a_larger_chance_said_apart():
    pack = _hand_pack([("A", 70.0, 1, True, 0.60, True), ("B", 65.0, 2, True, 0.15, False),
                       ("C", 65.0, 2, True, 0.05, False), ("D", 60.0, 4, True, 0.20, False)])
    text = _text(jury.summary(pack))
    assert jury.runner_up(pack) == ["B", "C"]
    assert "Närmast efter kommer B och C, med samma poäng och 15 % och 5 % chans att vinna." in text
    assert "Bland de övriga bidragen har D störst chans att vinna, 20 %, trots lägre poäng." in text
    assert "Försprånget till närmast efter är 5,0 poäng" in text
    assert "Ledningen är osäker: ett annat bidrag kan mycket väl vara bäst." in text


def test_a_shared_lead_and_where_it_stands_under_another_way_of_counting():
    pack = _hand_pack(
        [("A", 70.0, 1, True, 0.45, True), ("B", 70.0, 1, True, 0.45, True), ("C", 60.0, 3, True, 0.10, False),
         ("Z", 80.0, 1, False, 0.0, False)],
        sensitivity=(("adjusted", "A, B", True, False), ("consensus", "C", False, True)),
        places=(("consensus", "A", 2, 61.0), ("consensus", "B", pd.NA, np.nan), ("consensus", "C", 1, 66.0)))
    text = _text(jury.summary(pack))
    assert "Delad ledning: A och B har samma poäng, 70,0 av 100 möjliga." in text
    assert ("Sannolikheten att någon av dem är bäst av de bidrag som kan vinna är 90 %. Ledningen är ganska "
            "säker.") in text
    assert "Närmast efter kommer C med 10 % chans att vinna." in text
    assert ("Om rangordningen görs med lagets konsensuspoäng i stället leder C; A hamnar då på plats 2 med 61,0 poäng "
            "och B har då ingen poäng.") in text
    assert "Z har högre poäng (80,0) men kan inte vinna eftersom budgeten inte är i balans." in text


def test_a_class_with_one_entry_that_can_win_has_no_runner_up():
    pack = _hand_pack([("A", 70.0, 1, True, 1.0, True), ("Z", 50.0, 1, False, 0.0, False)])
    text = _text(jury.summary(pack))
    assert jury.runner_up(pack) == []
    assert "Närmast efter" not in text and "Försprånget" not in text
    assert "är 100 %. Ledningen är mycket säker." in text
    table = _text(jury.sensitivity_table(pack))
    assert "Tabellen visar var rangordningens ledare A hamnar" in table
