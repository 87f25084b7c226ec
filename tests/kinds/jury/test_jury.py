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
from scoring.ranking import method_sensitivity, rank_entries
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
    }


def _page(made, cls: str, blind: bool = False) -> Page:
    name = f"jury-{cls}{'-blind' if blind else ''}.html"
    return Page.read(made["out"] / str(YEAR) / name)


def _notebook(made, cls: str, blind: bool = False) -> dict:
    name = f"jury-{cls}{'-blind' if blind else ''}.ipynb"
    return json.loads((made["out"] / str(YEAR) / name).read_text(encoding="utf-8"))


def _ranking_meta(nb: dict) -> list[dict]:
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            mark = (output.get("metadata") or {}).get("scoring") or {}
            if "jury_ranking" in mark:
                return mark["jury_ranking"]
    raise AssertionError("no ranking table in the notebook")


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
    """The chance to win as the pack should show it (independent of jury.percent)."""
    if not eligible:
        return "–"
    if 0 < p < 0.005:
        return "< 1 %"
    if 0.995 <= p < 1:
        return "> 99 %"
    return f"{round(p * 100):.0f} %"


def test_ranking_table_matches_rank_entries(made, expected):
    r = expected["ranking"]
    for cls in made["classes"]:
        want = r[r["class"] == cls].reset_index(drop=True)
        for blind in (False, True):
            meta = pd.DataFrame(_ranking_meta(_notebook(made, cls, blind)))
            assert list(meta["entry_id"]) == list(want["entry_id"])
            assert list(meta["rank"]) == list(want["rank"])
            assert list(meta["rank_low"]) == list(want["rank_low"])
            assert list(meta["rank_high"]) == list(want["rank_high"])
            assert list(meta["eligible"]) == list(want["eligible"])
            np.testing.assert_allclose(meta["p_first"], want["p_first"], rtol=0, atol=1e-12)
            np.testing.assert_allclose(meta["score"], want["score"], rtol=0, atol=1e-9)

            rows = _page(made, cls, blind).table("Placering")
            assert rows[0] == ["Placering", "Bidrag", "Poäng", "Möjlig placering", "Chans att vinna"]
            for row, (_, w) in zip(rows[1:], want.iterrows(), strict=True):
                low, high = int(w["rank_low"]), int(w["rank_high"])
                assert row[0] == str(w["rank"])
                assert row[1].split()[0] == w["entry_id"]
                assert row[2] == f"{w['score']:.1f}".replace(".", ",")
                assert row[3] == (str(low) if low == high else f"{low}–{high}")
                assert row[4] == _percent(w["p_first"], w["eligible"])
                assert ("budget inte i balans: kan inte vinna" in row[1]) == (not w["eligible"])


def test_summary_names_the_leader_the_certainty_and_what_would_change(made, expected):
    r, s = expected["ranking"], expected["sensitivity"]
    names = dict(zip(made["year"].entries["entry_id"], made["year"].entries["name"], strict=True))
    for cls in made["classes"]:
        text = _page(made, cls).text
        lead = r[(r["class"] == cls) & r["leader"]]
        assert len(lead) == 1
        eid = lead["entry_id"].iloc[0]
        assert f"Vem leder? {eid} {' '.join(names[eid].split())} leder klassen med" in text
        assert (f"Sannolikheten att ledaren är bäst av de bidrag som kan vinna är "
                f"{_percent(lead['p_first'].iloc[0], True)}.") in text
        other = s[(s["class"] == cls) & s["differs"]]
        if other.empty:
            assert "Alla 6 sätt att räkna poängen ger samma ledare." in text
        for leader in other["leader"]:
            for who in leader.split(", "):
                assert re.search(rf"Vad skulle ändra svaret\?.*Om rangordningen görs .* {who} ", text)
        assert "Avståndet till" in text


def test_budget_gate_said_by_the_entry(made, expected):
    r = expected["ranking"]
    out = r[~r["eligible"]]
    assert len(out) >= 2  # the demo year has entries whose budget is not in balance
    for _, row in out.iterrows():
        text = _page(made, row["class"]).text
        assert f"{row['entry_id']}" in text
        assert re.search(rf"{row['entry_id']} [^–]*– budget inte i balans: kan inte vinna", text)
        assert f"placering {row['rank']} på poäng, kan inte vinna" in text


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


def test_percent_never_shows_a_chance_as_nil_or_certain_when_it_is_not():
    assert [jury.percent(p) for p in (0.0, 0.004, 0.2349, 0.996, 1.0)] == [
        "0\u00a0%", "<\u00a01\u00a0%", "23\u00a0%", ">\u00a099\u00a0%", "100\u00a0%"]
    assert jury.percent(float("nan")) == "–"


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
