"""Reports on paper: A4 portrait, no table wider than the page, and the PDFs of ``--pdf``.

The print emulation uses a viewport as wide as the page's printable width, read from the
stylesheet's ``@page`` rule (A4 is 210 mm wide; the side margins come off), so the test
follows the stylesheet if its margins change.
"""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from browser_support import VARIANTS
from report_kinds import KINDS

ALL = [(k.id, v) for k in KINDS for v in VARIANTS]
A4_MM = (210.0, 297.0)
A4_PT = (595.28, 841.89)  # ISO 216 in PostScript points (1 pt = 1/72 in)
PX_PER_MM = 96 / 25.4  # CSS pixels


def _id(case) -> str:
    return "-".join(case)


def _mm(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(mm|cm|in)", value).groups()
    return float(number) * {"mm": 1, "cm": 10, "in": 25.4}[unit]


def page_rule() -> tuple[str, list[float]]:
    """The stylesheet's ``@page`` size and its margins in mm (top, right, bottom, left)."""
    css = files("scoring.reports").joinpath("style.css").read_text(encoding="utf-8")
    rule = re.search(r"@page\s*\{([^}]*)\}", css).group(1)
    size = re.search(r"size:\s*([^;]+);", rule).group(1).strip()
    margins = [_mm(v) for v in re.search(r"margin:\s*([^;]+);", rule).group(1).split()]
    margins = (margins * 4)[:4] if len(margins) == 1 else margins
    if len(margins) == 2:
        margins = margins * 2
    if len(margins) == 3:
        margins = [*margins, margins[1]]
    return size, margins


def printable_px() -> tuple[int, int]:
    _, (top, right, bottom, left) = page_rule()
    return int((A4_MM[0] - left - right) * PX_PER_MM), int((A4_MM[1] - top - bottom) * PX_PER_MM)


def test_the_stylesheet_prints_on_a4_portrait():
    size, margins = page_rule()
    assert size == "A4 portrait"
    assert all(8 <= m <= 25 for m in margins)


@pytest.mark.parametrize("sample", ALL, indirect=True, ids=_id)
def test_no_table_wider_than_the_printed_page(sample, open_page):
    width, height = printable_px()
    o = open_page(sample.page, viewport={"width": width, "height": height})
    o.page.emulate_media(media="print")
    m = o.page.evaluate("""(() => {
        const box = e => e.getBoundingClientRect();
        return {
            scrollWidth: document.documentElement.scrollWidth,
            tables: [...document.querySelectorAll('table')].map(t => ({
                head: (t.querySelector('th') || {}).textContent, left: box(t).left, right: box(t).right})),
            images: [...document.images].map(i => box(i).right),
        };
    })()""")
    wide = [t for t in m["tables"] if t["left"] < 0 or t["right"] > width + 0.5]
    assert wide == [], f"tables wider than the printable width of {width} px"
    assert all(right <= width + 0.5 for right in m["images"]), "a figure wider than the page"
    assert m["scrollWidth"] <= width


#: A table of at most this many rows is kept whole on paper (style.css, ``@media print``).
SHORT_TABLE = 15


@pytest.mark.parametrize("sample", [(k.id, "demo") for k in KINDS], indirect=True, ids=_id)
def test_print_rules_apply(sample, open_page):
    """Header rows repeat on every page, no row splits, sections flow on (issue 18: no page per
    section), what introduces something stays with it, a short table is kept whole."""
    width, height = printable_px()
    o = open_page(sample.page, viewport={"width": width, "height": height})
    o.page.emulate_media(media="print")
    m = o.page.evaluate("""(() => {
        const style = (sel, prop) => [...document.querySelectorAll(sel)].map(e => getComputedStyle(e)[prop]);
        return {
            thead: style('thead', 'display'),
            rows: style('tbody tr', 'breakInside'),
            figures: style('figure', 'breakInside'),
            sections: style('main > h2', 'breakBefore'),
            introduce: style('main :is(h1, h2, h3, h4, caption, thead)', 'breakAfter'),
            tables: [...document.querySelectorAll('table')].map(t => [t.querySelectorAll(':scope > tbody > tr').length,
                                                                       getComputedStyle(t).breakInside]),
            images: [...document.querySelectorAll('figure img')].map(i => getComputedStyle(i).maxWidth),
        };
    })()""")
    assert set(m["thead"]) <= {"table-header-group"}
    assert set(m["rows"]) <= {"avoid"} and set(m["figures"]) <= {"avoid"}
    assert set(m["images"]) <= {"100%"}
    assert set(m["sections"]) <= {"auto"}, "a section is forced onto a new page"
    assert set(m["introduce"]) <= {"avoid"}, "a heading, caption or header row may end a page"
    assert [(n, b) for n, b in m["tables"] if b != ("avoid" if n <= SHORT_TABLE else "auto")] == []


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in points, from the MediaBox entries Chromium writes."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def test_report_pdf_prints_on_a4(made):
    """``run_reports(pdf=True)`` (``scoring report --pdf``) wrote an A4 PDF beside the HTML."""
    run = made.demo_run
    assert run is not None, "no report kind could be made (see the kinds' own failures)"
    assert len(run.pdfs) == len(run.produced), [str(f) for f in run.failures]
    for html, pdf in zip(run.produced, run.pdfs, strict=True):
        assert pdf == html.with_suffix(".pdf")
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-")
        pages = _pdf_pages(data)
        assert len(pages) >= 2
        assert all(abs(w - A4_PT[0]) < 1.5 and abs(h - A4_PT[1]) < 1.5 for w, h in pages), pages
        assert [p.name for p in pdf.parent.iterdir() if ".tmp" in p.name] == []
    assert set(run.pdfs) <= set(run.files)
