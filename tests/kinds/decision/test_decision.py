"""The decision documents (issue 21, point 2): ``beslut.html``, publishable, and ``beslut-underlag.html``,
the decision beside the numbers for the jury's record.

On a copy of the demo years 2022 and 2023, 2023 with a ``decisions.csv`` written here: in the
preschool class the ranking's leader wins (its name holds markup, a runner-up gets an honourable
mention); in the school class the jury chose another entry than the leader; elderly care gets no
prize but a mention; in social services an entry whose budget is not in balance wins with a
stated reason; the leader wins the last class. 2022 has no decision: no document, no error. The
numbers are checked against ``scoring.ranking`` computed here from a fresh fit of the model.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from demo_copy import demo_copy
from html_page import Page

from scoring.data import load_year
from scoring.data.decisions import PARAGRAPH
from scoring.kinds import REPORT_KINDS
from scoring.kinds.decision import decision, record, words
from scoring.kinds.jury.pack import METHODS_SV, N_DRAWS
from scoring.ranking import method_sensitivity, rank_entries
from scoring.reports import run_reports

YEAR, UNDECIDED = 2023, 2022
HOSTILE_NAME = "<b>Förskolan</b> Kotten & <script>x</script> (fiktiv)"
MOTIVATION = (f"Verksamhetens styrka är värdegrunden <i>som</i> genomsyrar allt. {PARAGRAPH} De tydliga målen lever i "
              f"verksamheten. {PARAGRAPH} Reflektion ses som en viktig del av arbetet.")
REASON = "Underskottet beror på en engångskostnad för nya lokaler som nämnden har godkänt."


def _eligible(ranking: pd.DataFrame, cls: str) -> pd.DataFrame:
    r = ranking[(ranking["class"] == cls) & ranking["score"].notna()]
    return r[r["eligible"].astype(bool)].sort_values("rank")


def _decisions(ranking: pd.DataFrame) -> list[tuple]:
    """One row per award: see the module docstring."""
    pre, school, care, andra = (_eligible(ranking, c) for c in ("forskola", "skola", "aldreomsorg", "andra"))
    out = ranking[(ranking["class"] == "socialtjanst") & ~ranking["eligible"].astype(bool)]
    return [
        ("forskola", "vinnare", pre["entry_id"].iloc[0], MOTIVATION, ""),
        ("Förskola", "Hedersomnämnande", pre["entry_id"].iloc[1], "Ett aktivt medarbetarskap utöver det vanliga.", ""),
        ("skola", "vinnare", school["entry_id"].iloc[1], "En röd tråd från mål till resultat.", ""),
        ("aldreomsorg", "inget_pris", "", f"Juryn har inte funnit något bidrag som i år når upp till nivån. "
                                          f"{PARAGRAPH} Juryn uppmuntrar verksamheterna att delta igen.", ""),
        ("aldreomsorg", "hedersomnamnande", care["entry_id"].iloc[0], "Ett föredömligt arbete med delaktighet.", ""),
        ("socialtjanst", "vinnare", out["entry_id"].iloc[0], "Ett modigt ledarskap.", REASON),
        ("andra", "vinnare", andra["entry_id"].iloc[0], "Kvalitetsarbetet genomsyrar hela verksamheten.", ""),
    ]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Demo years 2022 (no decision) and 2023 (the decision above, a winner's name with markup)."""
    root = demo_copy(tmp_path_factory.mktemp("decision") / "data", (UNDECIDED, YEAR), training=False)
    (root / str(UNDECIDED) / "decisions.csv").unlink()  # the demo decides every year: not this copy
    yd = load_year(YEAR, root)
    ranking = rank_entries(yd.scores, "adjusted", entries=yd.entries, n_draws=N_DRAWS, seed=0)
    rows = _decisions(ranking)
    entries = pd.read_csv(root / str(YEAR) / "entries.csv", dtype=str, keep_default_na=False)
    entries.loc[entries["entry_id"] == rows[0][2], "name"] = HOSTILE_NAME
    entries.to_csv(root / str(YEAR) / "entries.csv", index=False)
    with open(root / str(YEAR) / "decisions.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["class", "award", "entry_id", "motivation", "override_reason"])
        w.writerows(rows)
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # the year's model is kept here, not in the project
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="module")
def expected(data):
    """The year as read, the decision's rows, and the numbers from a fresh fit of the model."""
    yd = load_year(YEAR, data)
    with open(data / str(YEAR) / "decisions.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {
        "year": yd, "rows": rows,
        "ranking": rank_entries(yd.scores, "adjusted", entries=yd.entries, n_draws=N_DRAWS, seed=0),
        "sensitivity": method_sensitivity(yd.scores, yd.entries),
    }


def _winner(expected, cls: str) -> str:
    return next(r["entry_id"] for r in expected["rows"] if r["class"] == cls and r["award"] == "vinnare")


def _percent(p: float) -> str:
    """The chance to win as the pages should show it (independent of the glossary; no-break spaces as
    spaces): never "0 %" for a chance that is not nil, never "100 %" for one that is not sure."""
    whole = round(p * 100)
    if p > 0 and whole == 0:
        return "< 1 %"
    if p < 1 and whole == 100:
        return "> 99 %"
    return f"{whole} %"


def _reading(p: float) -> str:
    """The words for the lead's chance, by the whole per cent printed (independent of the glossary)."""
    printed = _percent(p)
    whole = 0 if printed.startswith("<") else 99 if printed.startswith(">") else int(printed.split()[0])
    return ("mycket säker" if whole >= 95 else "ganska säker" if whole >= 80 else "osäker" if whole >= 50
            else "mycket osäker")


# --------------------------------------------------------------------------- declared, and only with a decision


def test_the_kinds_and_their_names(data):
    published, kept = REPORT_KINDS["decision"], REPORT_KINDS["decision_record"]
    assert published.names(YEAR, data) == ["beslut"] and kept.names(YEAR, data) == ["beslut-underlag"]
    assert published.names(UNDECIDED, data) == [] == kept.names(UNDECIDED, data)
    assert published.none_ok and kept.none_ok and kept.group == "decision"
    assert published.output_html(data, YEAR, "beslut") == data / str(YEAR) / "beslut.html"
    assert kept.output_html(data, YEAR, "beslut-underlag") == data / str(YEAR) / "beslut-underlag.html"
    assert not published.private and published.bundle == "jury.zip"


def test_a_folder_in_place_of_the_decision_is_named_not_taken_for_none(data, tmp_path):
    """A folder named decisions.csv is no decision and no absence of one: the run names it and fails."""
    import shutil

    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    path = copy / str(YEAR) / "decisions.csv"
    path.unlink()
    path.mkdir()
    result = run_reports(YEAR, "decision", copy, tmp_path / "out", progress=False)
    assert not result.produced
    assert any("decisions.csv" in f.message and "is a folder, not a file" in f.message for f in result.failures)


def test_no_decision_yet_says_so(data, cache):
    dec = decision.load_decision(UNDECIDED, data, record=True)
    assert dec.decisions is None and dec.classes == [] and dec.packs == {}
    assert words.intro(dec).text == (f"Inget beslut är registrerat för {UNDECIDED}: årets datamapp har ingen "
                                     "decisions.csv.")
    assert words.awards(dec) is None and record.classes(dec) is None and record.summary_table(dec) is None
    assert words.summary(dec) is None


# --------------------------------------------------------------------------- the published decision, in process


def test_published_decision_in_the_citys_words(data, expected, cache):
    dec = decision.load_decision(YEAR, data)
    text = words.awards(dec).text
    e = expected["year"].entries.set_index("entry_id")
    labels = [expected["year"].rubric.class_label(c) for c in ("forskola", "skola", "aldreomsorg", "socialtjanst",
                                                               "andra")]
    assert [x for x in text.split("\n\n") if x in labels] == labels  # every class, in the rubric's order
    pre = _winner(expected, "forskola")
    assert f"Vinnare: {HOSTILE_NAME}, {e.loc[pre, 'administration']}" in text
    assert ("Motivering: Verksamhetens styrka är värdegrunden <i>som</i> genomsyrar allt.\n\nDe tydliga målen lever i "
            "verksamheten.\n\nReflektion ses som en viktig del av arbetet.") in text
    assert "Hedersomnämnande: " + e.loc[expected["rows"][1]["entry_id"], "name"] in text
    assert ("Ingen vinnare: Juryn delar inte ut något pris i klassen Äldreomsorg (inkl. "
            "myndighetsutövning) i år.\n\nMotivering: Juryn har inte funnit något bidrag") in text
    html = words.awards(dec).html
    assert "<script>" not in html and "<i>" not in html and "&lt;script&gt;" in html  # text from data is text


def test_published_decision_in_one_list_first(data, expected, cache):
    """Issue 18: the page's first screen holds every class's decision, in the rubric's order, by name."""
    dec = decision.load_decision(YEAR, data)
    e = expected["year"].entries.set_index("entry_id")
    label = expected["year"].rubric.class_label
    rows = expected["rows"]
    assert words.summary(dec).text.splitlines() == [
        "Beslutet klass för klass, med motiveringarna längre ned:",
        "",
        f"- {label('forskola')}: vinnare {HOSTILE_NAME}; hedersomnämnande: {e.loc[rows[1]['entry_id'], 'name']}",
        f"- {label('skola')}: vinnare {e.loc[rows[2]['entry_id'], 'name']}",
        f"- {label('aldreomsorg')}: inget pris; hedersomnämnande: {e.loc[rows[4]['entry_id'], 'name']}",
        f"- {label('socialtjanst')}: vinnare {e.loc[rows[5]['entry_id'], 'name']}",
        f"- {label('andra')}: vinnare {e.loc[rows[6]['entry_id'], 'name']}",
    ]
    assert "<script>" not in words.summary(dec).html and "&lt;script&gt;" in words.summary(dec).html


def test_published_decision_shows_no_number_code_or_reason(data, expected, cache):
    dec = decision.load_decision(YEAR, data)
    text = "\n".join(b.text for b in (words.intro(dec), words.summary(dec), words.awards(dec), words.committee(dec)))
    codes = set(expected["year"].scores["examiner_id"]) | set(expected["year"].entries["entry_id"])
    assert not [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    assert "%" not in text and not re.search(r"\d+,\d", text)  # no chance to win, no score
    assert REASON not in text  # why an entry out of balance may win is for the record


# --------------------------------------------------------------------------- the record, in process


def test_record_beside_the_ranking(data, expected, cache):
    dec = decision.load_decision(YEAR, data, record=True)
    r = expected["ranking"]
    sections = _sections(record.classes(dec).text.replace("\xa0", " "), expected)
    for cls, text in sections.items():
        lead = r[(r["class"] == cls) & r["leader"]]
        eid = lead["entry_id"].iloc[0]
        assert f"Underlaget: {eid} " in text
        assert (f"leder rangordningen med {_percent(lead['p_first'].iloc[0])} chans att vinna. Ledningen är "
                f"{_reading(lead['p_first'].iloc[0])}") in text
        s = expected["sensitivity"]
        for _, m in s[s["class"] == cls].iterrows():
            assert re.search(rf"{re.escape(METHODS_SV[m['method']])}\s+{re.escape(m['leader'].split(', ')[0])} ", text)
    notes = {cls for cls, text in sections.items() if "Anteckning:" in text}
    assert notes == {"skola", "socialtjanst", "aldreomsorg"}  # where the jury chose otherwise than the ranking
    assert ("Anteckning: Juryn valde ett annat bidrag än det som leder rangordningen. Det står "
            "juryn fritt att göra: rangordningen är ett underlag för beslutet, inte beslutet självt.") in \
        sections["skola"]
    school = r[r["entry_id"] == _winner(expected, "skola")].iloc[0]
    low, high = school["rank_low"], school["rank_high"]
    assert (f"Vinnaren {school['entry_id']} {school['name']} har placering {school['rank']} i rangordningen "
            f"(möjlig placering {low if low == high else f'{low}–{high}'}) och {_percent(school['p_first'])} chans "
            "att vinna.") in sections["skola"]
    assert f"Juryns skäl att ändå låta det vinna: {REASON}" in sections["socialtjanst"]
    # a winner that cannot win has no place among those that can: the place it would have had
    out = r[r["entry_id"] == _winner(expected, "socialtjanst")].iloc[0]
    ok = r[(r["class"] == "socialtjanst") & r["eligible"]]
    would = 1 + int((ok["score"] > out["score"]).sum())
    assert out["would_rank"] == would
    assert (f"Vinnaren {out['entry_id']} {out['name']} står inte i rangordningen, eftersom budgeten inte är i "
            f"balans; med budget i balans hade bidraget fått placering {would}.") in sections["socialtjanst"]
    assert "Vinnaren " + out["entry_id"] + " " + out["name"] + " har placering" not in sections["socialtjanst"]
    assert "delar inte ut något pris i klassen, fast rangordningen har en ledare som kan vinna" in \
        sections["aldreomsorg"]
    s = expected["sensitivity"]
    for cls in ("forskola", "skola"):
        k = sum(_winner(expected, cls) in str(x).split(", ") for x in s.loc[s["class"] == cls, "leader"])
        assert f"Vinnaren leder med {k} av de 6 sätten att räkna poängen." in sections[cls]


def _sections(text: str, expected) -> dict[str, str]:
    """The record's text per class (from its heading to the next)."""
    rubric = expected["year"].rubric
    labels = {rubric.class_label(c): c for c in rubric.class_ids}
    out, current = {}, None
    for part in text.split("\n\n"):
        if part in labels:
            current = labels[part]
            out[current] = ""
        elif current:
            out[current] += part + "\n\n"
    return out


def test_record_summary_table(data, expected, cache):
    dec = decision.load_decision(YEAR, data, record=True)
    lines = record.summary_table(dec).text.replace("\xa0", " ").splitlines()
    r = expected["ranking"]
    assert lines[0].split("  ")[0] == "Klass"
    assert len(lines) == 6
    same = {ln.split()[0]: ln.rsplit(None, 1)[-1] for ln in lines[1:]}
    assert same["Förskola"] == "ja" and same["Skola"] == "nej" and same["Äldreomsorg"] == "–"
    for cls in ("forskola", "skola"):
        lead = r[(r["class"] == cls) & r["leader"]].iloc[0]
        assert _percent(lead["p_first"]) in next(ln for ln in lines if ln.startswith(dec.rubric.class_label(cls)))


# --------------------------------------------------------------------------- the reports, made by the notebooks


@pytest.fixture(scope="module")
def made(data, tmp_path_factory):
    """``scoring report --years 2022-2023 --kind decision``: both documents for 2023, none for 2022."""
    out = tmp_path_factory.mktemp("decision-out")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCORING_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        result = run_reports([UNDECIDED, YEAR], "decision", data_dir=data, out_dir=out, progress=False, timeout=300)
    return {"out": out, "result": result}


def test_both_documents_for_the_decided_year_only(made):
    result, out = made["result"], made["out"]
    assert result.ok, result.failures
    assert sorted(p.relative_to(out).as_posix() for p in result.reports) == [
        f"{YEAR}/beslut-underlag.html", f"{YEAR}/beslut.html"]
    assert not (out / str(UNDECIDED)).exists() or not any((out / str(UNDECIDED)).glob("beslut*"))
    links = Page.read(out / "index.html").links
    assert (f"{YEAR}/beslut.html", "Juryns beslut") in links
    assert (f"{YEAR}/beslut-underlag.html", "Beslutet bredvid underlaget (för juryns akt)") in links


def test_published_page(made, expected):
    page = Page.read(made["out"] / str(YEAR) / "beslut.html")
    assert page.title == f"Juryns beslut, Kvalitetsutmärkelsen {YEAR}"
    assert [h for h in page.headings if h[0] == "h2"][0] == ("h2", "Förskola")
    every = page.text.index(f"Förskola: vinnare {HOSTILE_NAME}; hedersomnämnande: ")  # the list, before the classes
    assert every < page.text.index(f"Vinnare: {HOSTILE_NAME}")
    assert f"Vinnare: {HOSTILE_NAME}" in page.text and "script" not in page.tags
    assert "Motivering: Verksamhetens styrka är värdegrunden <i>som</i> genomsyrar allt." in page.text
    notebook = (made["out"] / str(YEAR) / "beslut.ipynb").read_text(encoding="utf-8")
    for text in (page.text, notebook):
        codes = set(expected["year"].scores["examiner_id"]) - {"TEAM"}
        assert not [c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)]
    html = (made["out"] / str(YEAR) / "beslut.html").read_text(encoding="utf-8")
    main = Page(html[html.index("<main>"):]).text  # what a reader sees, not the stylesheet
    assert "%" not in main and not re.search(r"\d+,\d", main)


def test_record_page(made, expected):
    page = Page.read(made["out"] / str(YEAR) / "beslut-underlag.html")
    assert page.title == f"Beslutet bredvid underlaget, Kvalitetsutmärkelsen {YEAR}"
    rows = page.table("Klass")
    assert rows[0] == ["Klass", "Beslut", "Ledare", "Chans att vinna", "Samma som beslutet"]
    r = expected["ranking"]
    for row in rows[1:]:
        cls = next(c for c in expected["year"].rubric.class_ids if expected["year"].rubric.class_label(c) == row[0])
        lead = r[(r["class"] == cls) & r["leader"]].iloc[0]
        assert row[2].split()[0] == lead["entry_id"] and row[3] == _percent(lead["p_first"])
    assert page.text.count("Anteckning:") == 3
    assert REASON in page.text
