"""Text from data is text: a calibration report of hostile data shows it literally and runs nothing.

A copy of the demo year 2023 (in a temporary folder) gets entry names, districts, comments
and examiner codes holding markup, Markdown, LaTeX-looking text, a very long text, emoji
and Swedish characters. The real calibration notebook is run on it through the report
runner; the HTML is parsed and every element and attribute must come from the
allow-list below (the structure a clean report has), never from the data.
"""

from __future__ import annotations

import pytest
from hostile_data import CODES, COMMENTS, YEAR, _flat, hostile_copy
from html_page import Page

from scoring.presentation import labels
from scoring.reports import CSP, run_reports
from scoring.reports.page import check_fragment

#: Every element and attribute a calibration report may hold (its clean structure).
ALLOWED = {
    "html": {"lang"}, "head": set(), "meta": {"charset", "http-equiv", "content", "name"}, "title": set(),
    "style": set(), "body": set(), "main": set(), "h1": set(), "h2": set(), "h3": set(), "p": {"class"},
    "em": set(), "strong": set(), "div": {"class"}, "table": set(), "caption": set(), "thead": set(),
    "tbody": set(), "tr": set(), "th": {"scope", "class"}, "td": {"class", "colspan"}, "span": {"class"},
    "figure": set(), "img": {"src", "alt", "width", "height"}, "ul": set(), "li": set(), "pre": {"class"},
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo year with hostile text where the report shows it, and what was put where."""
    return hostile_copy(tmp_path_factory.mktemp("hostile") / "data")


@pytest.fixture(scope="module")
def page(hostile, tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-out")
    result = run_reports([YEAR], data_dir=hostile["data"], out_dir=out, progress=False, timeout=300)
    assert result.ok, [str(f) for f in result.failures]
    return (out / str(YEAR) / "calibration.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_no_element_or_attribute_comes_from_the_data(page):
    parsed = Page(page)
    for tag, attrs in parsed.elements:
        assert tag in ALLOWED, f"<{tag}> in the report"
        assert set(attrs) <= ALLOWED[tag], f"<{tag} {sorted(attrs)}> in the report"
    assert not any(t == "script" for t, _ in parsed.elements)
    assert not any(a.startswith("on") for _, attrs in parsed.elements for a in attrs)
    values = [v or "" for _, attrs in parsed.elements for v in attrs.values()]
    assert not any(v.startswith(("http:", "https:")) for v in values)
    assert all(a["src"].startswith("data:image/png;base64,") for t, a in parsed.elements if t == "img")
    assert [a["content"] for t, a in parsed.elements if t == "meta" and "http-equiv" in a] == [CSP]
    assert [t for t, _ in parsed.elements].count("style") == 1
    assert [t for t, _ in parsed.elements].count("title") == 1
    assert "Kalibreringsrapport – Stockholms stads kvalitetsutmärkelse, 2023" in page


@pytest.mark.slow
def test_hostile_names_and_codes_are_shown_literally(page, hostile):
    text = Page(page).text
    for name in hostile["names"].values():
        assert _flat(name) in text, f"entry name not shown literally: {name[:40]}"
    for code in hostile["codes"].values():
        assert code in text, f"examiner code not shown literally: {code}"
    # the consensus agenda lists who gave which score, the hostile codes among them
    assert any(f"{code} " in text for code in CODES)
    # alt texts of figures are attribute values: escaped there, read back literally
    alts = " ".join(a["alt"] for t, a in Page(page).elements if t == "img")
    assert "Punktdiagram" in alts


def test_comments_and_districts_through_the_table_path(hostile):
    year = hostile["year"]
    commented = year.scores[year.scores["comment"] != ""]
    commented = commented[commented["comment"].isin([_flat(c) for c in COMMENTS] + COMMENTS)]
    assert len(commented) == len(COMMENTS)
    for frame in (commented[["entry_id", "examiner_id", "criterion", "comment"]],
                  year.entries[["entry_id", "name", "class", "district"]]):
        table = labels.show(frame, year.rubric)
        check_fragment(table.html)
        parsed = Page(table.html)
        assert {t for t, _ in parsed.elements} <= {"div", "table", "thead", "tbody", "tr", "th", "td", "span"}
        for column in frame.columns:
            for value in frame[column]:
                if column in ("criterion", "class"):
                    continue
                assert _flat(str(value)) in parsed.text
