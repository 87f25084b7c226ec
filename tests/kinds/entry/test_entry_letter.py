"""The letter to every entrant (återföringsrapport) and the award office's checklist.

By hand: the final score and its band, the quarter of the class (only from five others), the
consensus texts (one point per line), the redaction of other entries, districts and examiners,
and the checklist. On a copy of the demo's 2023 and 2024 (``tests/demo_copy.py``) where every
consensus row of 2024 gets texts of the test's own (a few left out, one naming others), one
2024 entry is linked to a 2023 entry by ``unit_id`` and one entry loses its consensus: the
letters' content in process, then once through ``scoring report --kind entry`` (slow), every
file of every letter searched for any other entry's name or code, any examiner code and any
other district as a determined reader would (:mod:`scoring.names`, through the privacy guard's
scan).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from demo_copy import demo_copy
from html_page import Page

from scoring.data import examiner_codes, load_year
from scoring.kinds import REPORT_KINDS
from scoring.kinds.entry import _entries, checklist, forbidden, label_of, letter, words
from scoring.names import Matcher, name_forms
from scoring.paths import DATA_DIR
from scoring.reports import privacy
from scoring.rubric import load_rubric

YEAR, EARLIER = 2024, 2023
RUBRIC = load_rubric()
BANDS = [b.label_sv for b in RUBRIC.scale.bands]
#: The examiner-effect model's and the rankings' words, which a letter never uses.
MODEL_WORDS = ("justera", "modell", "generositet", "generös", "intervall", "placering", "rangordn", "p(first)")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


# --------------------------------------------------------------------------- by hand


def _scores(*rows):
    return pd.DataFrame(rows, columns=["entry_id", "examiner_id", "criterion", "score", "stage"])


def test_final_score_is_the_site_visit_where_there_is_one_else_the_consensus():
    s = _scores(("A", "E1", "staff", 80, "individual"), ("A", "TEAM", "staff", 40, "consensus"),
                ("A", "TEAM", "staff", 50, "site_visit"), ("A", "TEAM", "results", 60, "consensus"),
                ("B", "E1", "staff", 70, "individual"))
    f = letter.final_scores(s).set_index(["entry_id", "criterion"])
    assert f.loc[("A", "staff"), "score"] == 50 and f.loc[("A", "staff"), "stage"] == "site_visit"
    assert f.loc[("A", "results"), "score"] == 60 and f.loc[("A", "results"), "stage"] == "consensus"
    assert ("B", "staff") not in f.index  # individual scores are no final score


def _year(entries: list[tuple], totals: dict[str, float]):
    """A year whose entries have the same final score on every criterion (their total)."""
    rows = [(e, "TEAM", c, totals[e], "consensus") for e in totals for c in RUBRIC.criterion_ids]
    return SimpleNamespace(scores=_scores(*rows), rubric=RUBRIC,
                           entries=pd.DataFrame(entries, columns=["entry_id", "class"]))


@pytest.mark.parametrize("own, quarter", [(90, 1), (60, 2), (45, 3), (10, 4), (70, 1)])
def test_quarter_of_the_class_from_five_others(own, quarter):
    totals = {"A": own, "B": 20, "C": 40, "D": 50, "E": 60, "F": 70, "X": 100}
    year = _year([("A", "k"), ("B", "k"), ("C", "k"), ("D", "k"), ("E", "k"), ("F", "k"), ("X", "other")], totals)
    p = letter.class_position("A", year)
    assert p == letter.ClassPosition(5, quarter)  # X is in another class: not among the others


def test_fewer_than_five_others_give_no_quarter():
    year = _year([("A", "k"), ("B", "k"), ("C", "k"), ("D", "k"), ("E", "k"), ("F", "k")],
                 {"A": 50, "B": 20, "C": 40, "D": 60, "E": 70})  # F has no final score
    assert letter.class_position("A", year) == letter.ClassPosition(4, None)


def _position_letter(others: int, quarter):
    return SimpleNamespace(position=letter.ClassPosition(others, quarter), rubric=RUBRIC, class_id="forskola")


def test_the_position_in_words():
    top = words.position(_position_letter(6, 1)).text
    assert "den översta fjärdedelen av de 6 andra bidragen i klassen Förskola" in top
    why = words.position(_position_letter(4, None)).text
    assert why.count(".") == 1 and "bara 4 andra bidrag" in why and "färre än 5" in why
    assert "inget annat bidrag" in words.position(_position_letter(0, None)).text


def test_consensus_texts_one_point_per_line():
    raw = pd.DataFrame({
        "entry_id": ["A", "A", "A", "A", "B"],
        "criterion": ["staff", "staff", "results", "results", "staff"],
        "stage": ["consensus", "consensus", "consensus", "individual", "consensus"],
        "question": pd.array([10, 13, pd.NA, pd.NA, pd.NA], dtype="Int64"),
        "strengths": ["- Värdegrund som märks\n\n• Delaktighet", "Delaktighet\nEnkäten används", "", "ej konsensus",
                      None],
        "improvements": ["", "1. Kompetensbehov", "Analysen kan fördjupas", "", np.nan],
    })
    year = SimpleNamespace(raw_scores=raw, scores=raw)
    t = letter.consensus_texts(year).set_index(["entry_id", "criterion"])
    assert t.loc[("A", "staff"), "strengths"] == ("Värdegrund som märks", "Delaktighet", "Enkäten används")
    assert t.loc[("A", "staff"), "improvements"] == ("Kompetensbehov",)
    assert t.loc[("A", "results"), "strengths"] == () and t.loc[("A", "results"), "improvements"] == (
        "Analysen kan fördjupas",)
    assert t.loc[("B", "staff"), "strengths"] == () and t.loc[("B", "staff"), "improvements"] == ()


def test_without_the_text_columns_there_is_no_text():
    raw = pd.DataFrame({"entry_id": ["A"], "criterion": ["staff"], "stage": ["consensus"]})
    t = letter.consensus_texts(SimpleNamespace(raw_scores=raw, scores=raw))
    assert t.loc[0, "strengths"] == () and t.loc[0, "improvements"] == ()


def test_checklist_lists_the_missing_texts_and_the_entries_without_a_consensus():
    crit = RUBRIC.criterion_ids
    rows = [("A", c, "consensus", "Styrka", "Område") for c in crit]
    rows[1] = ("A", crit[1], "consensus", "", "Område")
    rows[2] = ("A", crit[2], "consensus", "Styrka", "  ")
    rows += [("B", crit[0], "consensus", "Styrka", "Område"), ("C", crit[0], "individual", "x", "y")]
    raw = pd.DataFrame(rows, columns=["entry_id", "criterion", "stage", "strengths", "improvements"])
    year = SimpleNamespace(raw_scores=raw, scores=raw, rubric=RUBRIC,
                           entries=pd.DataFrame({"entry_id": ["A", "B", "C"]}))
    missing = checklist.missing_texts(year)
    assert list(missing.columns) == ["entry_id", "criterion", "missing"]
    expected = [("A", crit[1], "strengths"), ("A", crit[2], "improvements")]
    expected += [("B", c, m) for c in crit[1:] for m in ("strengths", "improvements")]  # B agreed on one criterion
    assert list(missing.itertuples(index=False, name=None)) == expected
    assert checklist.without_consensus(year) == ["C"]


def test_others_are_redacted_and_the_units_own_words_are_not_forbidden(tmp_path):
    data = tmp_path / "data"
    (data / "2024").mkdir(parents=True)
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    (data / "2024" / "entries.csv").write_text(
        "entry_id,name,class,district,aliases,unit_id\n"
        "2024-01,Förskolan Solrosen (fiktiv),forskola,Bromma,,U1\n"
        "2024-02,Förskolan Vildrosen (fiktiv),forskola,Farsta,Rosenhuset,U2\n"
        "2024-03,Solrosen Norra (fiktiv),forskola,Hägersten-Älvsjö,,U3\n", encoding="utf-8")
    (data / "2024" / "scores.csv").write_text(
        "year,entry_id,examiner_id,criterion,score\n2024,2024-01,E07,staff,50\n", encoding="utf-8")
    o = letter.others(2024, "2024-01", data)
    assert o.examiners == {"E07"} and o.entries == {"2024-02", "2024-03"}
    assert "Vildrosen" in o.names and "Rosenhuset" in o.names and "Solrosen" not in o.names  # own name's word
    # the other name that holds the own word stays, whole: it can be told apart from the own name
    assert {n for n in o.names if "Solrosen" in n} == {"Solrosen Norra", "Solrosen Norra (fiktiv)"}
    assert {"Farsta", "Hägersten", "Älvsjö"} <= o.districts and "Bromma" not in o.districts
    text = ("Som e07 sa: Vildrosens och ROSENHUSETS arbete i Farsta och Älvsjö, med Solrosen  norra; "
            "vi i Solrosen, Bromma.")
    assert o.redact(text) == ("Som [examinator] sa: [verksamhet]s och [verksamhet]S arbete i [stadsdel] och "
                              "[stadsdel], med [verksamhet]; vi i Solrosen, Bromma.")
    found = {t for t, *_ in o.forbidden().search(text)}
    assert found == {"E07", "Vildrosen", "Rosenhuset", "Farsta", "Älvsjö", "Solrosen Norra"}
    assert not list(o.forbidden().search("vi i Solrosen, Bromma; Solrosens gård"))  # the own words
    for gapped in ("E 07", "e-07", "E\u00a007:s"):  # redacted as the guard finds it, not left for it to refuse
        said = o.redact(f"Som {gapped} sa.")
        assert "[examinator]" in said and not list(o.forbidden().search(said)), said
    assert forbidden(2024, data, "2024-01").codes == o.codes


def test_the_kind_is_declared():
    kind = REPORT_KINDS["entry"]
    assert kind.private and kind.per == "entry" and kind.parameter == "entry_id"
    assert kind.output_html(Path("out"), 2024, "2024-03") == Path("out/2024/entries/2024-03.html")
    assert kind.notebook == "entry_letter.ipynb"


# --------------------------------------------------------------------------- a copy of the demo


def _other_word(entries: pd.DataFrame, own: str) -> tuple[str, str]:
    """Another entry's id and a distinctive word of its name (for a text that names it), neither the
    own name's nor a district's."""
    mine = entries.loc[entries["entry_id"] == own].iloc[0]
    own_words = {w.casefold() for w in name_forms(mine["name"])}
    own_words |= {w.casefold() for d in entries["district"].dropna() for w in name_forms(d)}
    for eid, name in zip(entries["entry_id"], entries["name"], strict=True):
        forms = [f for f in name_forms(name) if " " not in f and f.casefold() not in own_words and eid != own]
        if forms:
            return eid, forms[0]
    raise AssertionError("no other entry with a distinctive word")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's 2023 and 2024 with the test's own consensus texts, a returning unit and an entry
    without a consensus (see the module)."""
    data = demo_copy(tmp_path_factory.mktemp("entry-letters") / "data", (EARLIER, YEAR), training=False)
    shutil.copy(DATA_DIR / "people.csv", data / "people.csv")
    now, then = load_year(YEAR, data), load_year(EARLIER, data)
    classes = now.entries["class"].value_counts()
    big, small = classes.index[0], classes.index[-1]
    in_big = now.entries.loc[now.entries["class"] == big, "entry_id"].tolist()
    in_small = now.entries.loc[now.entries["class"] == small, "entry_id"].tolist()
    returning, earlier = in_big[0], then.entries["entry_id"].iloc[0]
    no_consensus = in_small[-1]
    hostile = in_big[1]
    other_id, other_word = _other_word(now.entries, hostile)
    own_district = now.entries.loc[now.entries["entry_id"] == hostile, "district"].iloc[0]
    own_name = now.entries.loc[now.entries["entry_id"] == hostile, "name"].iloc[0]
    other_district = next(d for d in now.entries["district"].dropna()
                          if d != own_district and "-" not in d and d not in own_name)
    examiner = sorted(examiner_codes(data))[0]

    # entries: only the returning unit is linked across the two years
    for year, linked in ((YEAR, returning), (EARLIER, earlier)):
        path = data / str(year) / "entries.csv"
        e = _read(path)
        e["unit_id"] = np.where(e["entry_id"] == linked, "U-TEST", "")
        _write(e, path)

    # 2024: texts on every consensus row (a few left out), one naming others; one entry without a consensus
    path = data / str(YEAR) / "scores.csv"
    s = _read(path)
    for column in letter.TEXTS:
        if column not in s.columns:
            s[column] = ""
    s = s.loc[~((s["entry_id"] == no_consensus) & s["stage"].isin(["consensus", "site_visit"]))].copy()
    agreed = s["stage"] == "consensus"
    s.loc[agreed, "strengths"] = [f"Styrka ett om {c}\nStyrka två om {c}" for c in s.loc[agreed, "criterion"]]
    s.loc[agreed, "improvements"] = [f"- Område ett om {c}\n- Område två om {c}" for c in s.loc[agreed, "criterion"]]
    crit = RUBRIC.criterion_ids
    gaps = in_big[2]
    row = (s["entry_id"] == gaps) & agreed
    s.loc[row & (s["criterion"] == crit[0]), "strengths"] = ""
    s.loc[row & (s["criterion"] == crit[1]), ["strengths", "improvements"]] = ""
    named = f"Som {examiner} sa: lär av {other_word}s arbete i {other_district}.\n<b>fet</b> & {other_id}"
    s.loc[(s["entry_id"] == hostile) & agreed & (s["criterion"] == crit[0]), "strengths"] = named
    _write(s, path)

    # 2023: the returning unit's earlier entry was agreed at 30 on every criterion, no site visit
    path = data / str(EARLIER) / "scores.csv"
    s = _read(path)
    s = s.loc[~((s["entry_id"] == earlier) & (s["stage"] == "site_visit"))].copy()
    s.loc[(s["entry_id"] == earlier) & (s["stage"] == "consensus"), "score"] = "30"
    _write(s, path)
    return SimpleNamespace(data=data, returning=returning, earlier=earlier, no_consensus=no_consensus,
                           hostile=hostile, other_id=other_id, other_word=other_word, other_district=other_district,
                           examiner=examiner, gaps=gaps, big=big, small=small, in_small=in_small,
                           year=load_year(YEAR, data))


def test_a_band_strengths_and_areas_for_every_criterion(demo):
    written = [e for e in demo.year.entries["entry_id"] if e != demo.no_consensus]
    for entry in written:
        if entry in (demo.gaps, demo.hostile):
            continue
        el = letter.entry_letter(YEAR, entry, demo.data)
        assert el.name == demo.year.entries.set_index("entry_id").loc[entry, "name"]
        assert list(el.criteria["criterion"]) == RUBRIC.criterion_ids
        assert el.criteria["band"].isin(BANDS).all(), entry
        for c, s, i in zip(el.criteria["criterion"], el.criteria["strengths"], el.criteria["improvements"],
                           strict=True):
            assert s == (f"Styrka ett om {c}", f"Styrka två om {c}")
            assert i == (f"Område ett om {c}", f"Område två om {c}")


def test_the_band_is_the_final_scores_lower_band(demo):
    el = letter.entry_letter(YEAR, demo.returning, demo.data)
    final = letter.final_scores(demo.year.scores)
    for c, band, score in zip(el.criteria["criterion"], el.criteria["band"], el.criteria["score"], strict=True):
        expected = final.loc[(final["entry_id"] == demo.returning) & (final["criterion"] == c), "score"].iloc[0]
        assert score == expected and band == RUBRIC.scale.lower_band(expected).label_sv


#: data/rubric.toml's bands by their lowest score: a total inside a band has it, one between two bands
#: (45 between 30–40 and 50–60) the lower (the rule of a criterion's level).
BAND_FROM = ((0, "Ansats saknas eller är anekdotisk"), (30, "Början till systematiskt arbetssätt"),
             (50, "Systematiskt arbetssätt, delvis utvärderat"), (70, "Väl utvecklat, utvärderat och förbättrat"),
             (90, "Förebildligt"))


def _band_by_hand(total: float) -> str:
    return [label for low, label in BAND_FROM if low <= total][-1]


def test_the_overall_level_is_the_band_of_the_weighted_total(demo):
    """Issue 18: the letter's opening names one level for the whole entry, the band of the weighted total of
    its final scores. The demo's rubric weighs the six criteria equally, so the total is their mean."""
    assert [b.label_sv for b in RUBRIC.scale.bands] == [label for _, label in BAND_FROM]
    assert set(RUBRIC.weights.values()) == {1 / 6}
    assert _band_by_hand(46.7) == BAND_FROM[1][1] and _band_by_hand(63.3) == BAND_FROM[2][1]
    seen = set()
    for entry in (e for e in demo.year.entries["entry_id"] if e != demo.no_consensus):
        el = letter.entry_letter(YEAR, entry, demo.data)
        final = letter.final_scores(demo.year.scores)
        scores = final.loc[final["entry_id"] == entry, "score"]
        assert len(scores) == 6, entry
        assert el.overall == _band_by_hand(sum(scores) / 6), entry
        assert f"ligger ert bidrag på nivån {el.overall}." in " ".join(words.heading(el).text.split())
        seen.add(el.overall)
    assert len(seen) >= 2  # the demo's letters do not all say the same


def test_no_heading_without_points(demo):
    el = letter.entry_letter(YEAR, demo.gaps, demo.data)
    html = words.criteria(el).html
    first, second = (RUBRIC.criterion_label(c) for c in RUBRIC.criterion_ids[:2])
    part = html.split(f"<h3>{first}</h3>")[1].split("<h3>")[0]
    assert "Styrkor" not in part and "Utvecklingsområden" in part
    part = html.split(f"<h3>{second}</h3>")[1].split("<h3>")[0]
    assert "<h4>" not in part and "inga skriftliga kommentarer" in part
    missing = checklist.missing_texts(demo.year)
    assert list(missing.itertuples(index=False, name=None)) == [
        (demo.gaps, RUBRIC.criterion_ids[0], "strengths"), (demo.gaps, RUBRIC.criterion_ids[1], "strengths"),
        (demo.gaps, RUBRIC.criterion_ids[1], "improvements")]


def test_others_in_the_teams_text_are_redacted(demo):
    el = letter.entry_letter(YEAR, demo.hostile, demo.data)
    points = el.criteria.loc[0, "strengths"]
    assert points == ("Som [examinator] sa: lär av [verksamhet]s arbete i [stadsdel].", "<b>fet</b> & [verksamhet]")


def test_development_since_the_earlier_year(demo):
    el = letter.entry_letter(YEAR, demo.returning, demo.data)
    d = el.development
    assert d.earlier_year == EARLIER
    assert (d.rows["earlier_band"] == BANDS[1]).all()  # agreed at 30 in 2023
    for band, change in zip(d.rows["band"], d.rows["change"], strict=True):
        i = BANDS.index(band)
        assert change == ("higher" if i > 1 else "lower" if i < 1 else "same")
    text = words.development(el).text
    assert f"Ni deltog senast {EARLIER}" in text and f"Nivå {EARLIER}" in text
    other = letter.entry_letter(YEAR, demo.hostile, demo.data)
    assert other.development.earlier_year is None
    assert "inga uppgifter om att er verksamhet har deltagit" in words.development(other).text


def test_the_two_weakest_criteria_with_their_questions(demo):
    el = letter.entry_letter(YEAR, demo.returning, demo.data)
    ranked = el.criteria.assign(o=range(len(el.criteria))).sort_values(["score", "o"])
    assert el.weakest == ranked["criterion"].head(2).tolist()
    text = words.next_steps(el).text
    for c in el.weakest:
        assert RUBRIC.criterion_label(c) in text
        for q in RUBRIC.criterion(c).questions:
            wording = RUBRIC.question_text(q)
            assert (f"Fråga {q}. {wording}" if wording else f"Fråga {q}") in text
    staff = words.question_line(el, 11).text
    assert staff == "Fråga 11"  # the seed lacks its wording: none is invented


def test_no_letter_without_a_consensus(demo, caplog):
    with caplog.at_level(logging.WARNING, logger="scoring.report"):
        names = _entries(YEAR, demo.data)
    assert demo.no_consensus not in names and len(names) == len(demo.year.entries) - 1
    assert demo.no_consensus in caplog.text and "no letter" in caplog.text
    with pytest.raises(ValueError, match="no consensus score"):
        letter.entry_letter(YEAR, demo.no_consensus, demo.data)
    with pytest.raises(ValueError, match="not among the entries"):
        letter.entry_letter(YEAR, "2024-99", demo.data)
    assert letter.entry_letter(YEAR, "", demo.data).entry_id == names[0]  # the notebook as committed
    assert label_of(demo.returning, YEAR, demo.data).startswith(f"{demo.returning} ")


# --------------------------------------------------------------------------- the run


@pytest.fixture(scope="module")
def run(demo):
    """``scoring report --year 2024 --kind entry`` on the copy, once."""
    import time

    from scoring.cli import main

    out = demo.data.parent / "out"
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logging.getLogger("scoring.report").addHandler(handler)
    start = time.perf_counter()
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            code = main(["report", "--year", str(YEAR), "--kind", "entry", "--data", str(demo.data), "--out",
                         str(out)])
    finally:
        logging.getLogger("scoring.report").removeHandler(handler)
    return SimpleNamespace(code=code, out=out, folder=out / str(YEAR) / "entries", seconds=time.perf_counter() - start,
                           log="\n".join(r.getMessage() for r in records), err=err.getvalue())


@pytest.mark.slow
def test_one_letter_per_entry_with_a_consensus(run, demo):
    print(f"\n{YEAR} entry letters: {run.seconds:.0f} s")
    assert run.code == 0
    expected = sorted(e for e in demo.year.entries["entry_id"] if e != demo.no_consensus)
    assert sorted(p.stem for p in run.folder.glob("*.html")) == expected
    assert sorted(p.stem for p in run.folder.glob("*.ipynb")) == expected
    assert f"no letter for {demo.no_consensus}" in run.log
    # the run's summary says which entry gets no letter, and which consensus texts are missing
    assert f"note: {YEAR} entry: Ingen återföringsrapport (ingen konsensuspoäng): {demo.no_consensus}" in run.err
    assert f"note: {YEAR} entry: Konsensustext saknas för {demo.gaps}, " in run.err


@pytest.mark.slow
def test_the_letter_shows_bands_texts_position_development_and_questions(run, demo):
    page = Page.read(run.folder / f"{demo.returning}.html")
    name = demo.year.entries.set_index("entry_id").loc[demo.returning, "name"]
    assert page.title.endswith(f"{demo.returning} {name} {YEAR}")
    h2 = [t for tag, t in page.headings if tag == "h2"]
    assert h2[0] == f"{name}, {YEAR}"
    h3 = [t for tag, t in page.headings if tag == "h3"]
    for c in RUBRIC.criterion_ids:
        assert RUBRIC.criterion_label(c) in h3
        assert f"Styrka ett om {c}" in page.text and f"Område två om {c}" in page.text
    assert [t for tag, t in page.headings if tag == "h4"].count("Styrkor") == len(RUBRIC.criteria)
    assert page.text.count("Nivå: ") == len(RUBRIC.criteria)
    assert "fjärdedelen av de" in page.text  # the largest class: from at least five others
    assert f"Ni deltog senast {EARLIER}" in page.text
    assert page.table("Kriterium")[0] == ["Kriterium", "Nivå"]
    assert [f"Nivå {EARLIER}", f"Nivå {YEAR}", "Förändring"] in [t[0][1:] for t in page.tables]
    el = letter.entry_letter(YEAR, demo.returning, demo.data)
    for c in el.weakest:
        q = RUBRIC.criterion(c).questions[0]
        assert f"Fråga {q}. {RUBRIC.question_text(q)}" in page.text
    small = Page.read(run.folder / f"{demo.in_small[0]}.html").text
    assert "att jämföra med" in small and "fjärdedelen av de" not in small
    lowered = page.text.casefold()
    assert not [w for w in MODEL_WORDS if w in lowered]


@pytest.mark.slow
def test_text_from_the_data_shows_literally_and_redacted(run, demo):
    page = Page.read(run.folder / f"{demo.hostile}.html")
    assert "<b>fet</b> & [verksamhet]" in page.text and "b" not in page.tags
    assert "Som [examinator] sa" in page.text


_FINDERS: dict[str, Matcher] = {}


def _holds(text: str, form: str) -> bool:
    """Whether ``text`` holds ``form`` as the privacy guard would find it."""
    if form not in _FINDERS:
        _FINDERS[form] = Matcher(names=[form])
    return next(_FINDERS[form].find(text), None) is not None


def _determined_reader(demo, entry: str) -> privacy.Forbidden:
    """What a letter must not hold, as a reader would look for it: every other entry's code, name,
    alias and district in any year (each distinctive word too), every examiner code; but the
    words of the unit's own name and district (and the rubric's) that a reader cannot tell apart."""
    every = pd.concat([_read(demo.data / str(y) / "entries.csv").assign(year=y) for y in (EARLIER, YEAR)])
    this = every.loc[(every["year"] == YEAR) & (every["entry_id"] == entry)].iloc[0]
    own = every.loc[((every["year"] == YEAR) & (every["entry_id"] == entry))
                    | ((every["unit_id"] != "") & (every["unit_id"] == this["unit_id"]))]
    rest = every.loc[~every.set_index(["year", "entry_id"]).index.isin(own.set_index(["year", "entry_id"]).index)]
    shown = " ; ".join([*own["name"], *own["district"], *(c.label_sv for c in RUBRIC.criteria),
                        *(b.label_sv for b in RUBRIC.scale.bands), *(c.label_sv for c in RUBRIC.classes),
                        *(t for c in RUBRIC.criteria for _, t in c.question_texts)])
    names = [n for n in rest["name"]] + [a for v in rest.get("aliases", pd.Series(dtype=str)) for a in v.split(";")]
    names += [d for d in set(rest["district"]) if d not in set(own["district"])]
    kept = []
    for n in (n.strip() for n in names if n.strip()):
        kept += [f for f in name_forms(n) if not any(_holds(shown, g) for g in {f, *name_forms(f)})]
    codes = (set(rest["entry_id"]) - {entry}) | set(examiner_codes(demo.data))
    return privacy.Forbidden(codes=codes, names=kept)


@pytest.mark.slow
def test_no_file_of_a_letter_names_another_entry_an_examiner_or_another_district(run, demo):
    letters = sorted(run.folder.glob("*.html"))
    assert letters
    for html in letters:
        files = [(html.name, html), (html.with_suffix(".ipynb").name, html.with_suffix(".ipynb"))]
        assert privacy.scan(files, _determined_reader(demo, html.stem)) == [], html.stem
        assert privacy.scan(files, forbidden(YEAR, demo.data, html.stem)) == [], html.stem
    nb = json.loads((run.folder / f"{demo.hostile}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["papermill"]["parameters"]["entry_id"] == demo.hostile
    # the reader does find what the letter would name: the other entry's word, in any inflection
    probe = _determined_reader(demo, demo.hostile)
    assert {t for t, *_ in probe.search(f"{demo.other_word.upper()}S i {demo.other_district}")}


@pytest.mark.slow
def test_the_index_lists_the_letters_under_the_year(run, demo):
    page = Page.read(run.out / "index.html")
    listed = {href for href, text in page.links if href.startswith(f"{YEAR}/entries/") and href.endswith(".html")}
    assert listed == {f"{YEAR}/entries/{p.name}" for p in run.folder.glob("*.html")}
    assert any(text.startswith(f"Återföringsrapport – {demo.returning} ") for _, text in page.links)
