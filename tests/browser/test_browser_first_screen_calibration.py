"""The calibration report's first screen in Chromium at 1024 × 768, and its length on A4 (issue 18).

The award office opens the report on a laptop: its top 768 px hold the year's verdicts (agreement
and what it means, why AC2 is higher than ICC, the largest examiner differences, whether the teams
are large enough, how much went to the consensus agenda) in ``p.lead`` sentences, before any table
or figure. Printed, the demo's 2024 report is at most 12 A4 pages.
"""

from __future__ import annotations

import pytest
from browser_support import artifacts_dir, block_boxes, text_above
from demo_pages import Wanted
from test_browser_print import A4_PT, _pdf_pages

LAPTOP = {"width": 1024, "height": 768}
YEAR = 2024
MAX_PAGES = 12


#: The page opened here and its PDF, printed by the run: made with the other modules' pages
#: (conftest.py, ``demo_pages``).
DEMO_PAGES = Wanted(YEAR, {"calibration": None}, pdf=True)


@pytest.fixture(scope="module")
def report(demo_pages):
    html = demo_pages.of(DEMO_PAGES)["calibration", None]
    return html, html.with_suffix(".pdf")


def test_the_first_screen_is_the_years_verdicts(report, open_page):
    o = open_page(report[0], viewport=LAPTOP)
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    o.page.screenshot(path=str(folder / "calibration-first-screen-1024.png"))
    lead = block_boxes(o.page, "main p.lead")
    assert len(lead) >= 5
    on_screen = [p for p in lead if p["bottom"] <= LAPTOP["height"]]
    assert on_screen == lead, "the year's verdicts run past the first screen"
    said = " ".join(p["text"] for p in lead)
    for words in ("Samstämmighet:", "ICC och Gwets AC2:", "Examinatorerna:", "Lagstorlek:", "Konsensus:",
                  "ICC1 är", "Störst skillnad:", "konsensusagendan"):
        assert words in said, words
    # nothing comes before them but the title and the section's heading: no table, no figure
    first = text_above(o.page, lead[0]["top"])
    assert {t["tag"] for t in first} <= {"H1", "H2"}, first


def test_the_printed_report_is_at_most_12_a4_pages(report):
    pages = _pdf_pages(report[1].read_bytes())
    assert all(abs(w - A4_PT[0]) < 1.5 and abs(h - A4_PT[1]) < 1.5 for w, h in pages)
    assert len(pages) <= MAX_PAGES, f"{len(pages)} A4 pages, at most {MAX_PAGES}"
