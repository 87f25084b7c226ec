"""The index (``reports/index.html``) opened in Chromium, at the size of the demo's: six years of
every kind of report, their inputs, PDFs, the blind packs and the zips to send (issue 18, point 4).

The folder is built without running a notebook: a small page per report of the demo (the names
each kind declares for each demo year), recorded as a run records it (``manifest.record``), the
zips planned for two years (``bundle_contents``), then ``write_index``. So the page has the demo's rows,
headings and file lists, and only the reports' own pages are stand-ins.

Before issue 18 the intro line was one unbroken line (1255 px wide), so the page scrolled
sideways at 1024 and at 1280 px, and the line was cut at the edge of the screen.
"""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from browser_support import artifacts_dir
from tiny_pdf import one_page_pdf

from scoring.paths import DATA_DIR
from scoring.reports import REPORT_KINDS, manifest, write_index
from scoring.reports.bundle import SEND_DIR, bundle_contents
from scoring.reports.execute import static_inputs

YEARS = range(2019, 2025)
WIDTHS = (1024, 1280)


def _names(kind, year: int) -> list[str | None]:
    if kind.per is None:
        return [None]
    return sorted(str(n) for n in kind.names(year, DATA_DIR)) if kind.names is not None else []




@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    """A demo-sized output folder and its index (see the module docstring)."""
    out = tmp_path_factory.mktemp("index") / "reports"
    every_year = tuple(manifest.describe_inputs([f for y in YEARS for f in static_inputs(DATA_DIR, y)], DATA_DIR))
    made = []
    for year in YEARS:
        own = tuple(manifest.describe_inputs(static_inputs(DATA_DIR, year), DATA_DIR))
        for kind in REPORT_KINDS.values():
            names = _names(kind, year)
            variants = [False, True] if kind.blind is not None else [False]
            for name in names:
                for blind in variants:
                    html = kind.output_html(out, year, name)
                    if blind:
                        html = html.with_name(f"{html.stem}{kind.blind.suffix}.html")
                    html.parent.mkdir(parents=True, exist_ok=True)
                    html.write_text(f"<html><body>{html.stem}</body></html>", encoding="utf-8")
                    html.with_suffix(".ipynb").write_text("{}", encoding="utf-8")
                    pdf = None
                    if kind.per is None or kind.bundle:  # as --pdf for the year's and the jury's reports
                        pdf = html.with_suffix(".pdf")
                        pdf.write_bytes(one_page_pdf(html.stem))
                    made.append(manifest.Made(
                        html=html, ipynb=html.with_suffix(".ipynb"), year=year, kind=kind.name, name=name,
                        parameters={"year": year, "blind": blind}, seconds=1.0, finished=time.time(),
                        inputs=every_year if kind.private else own, pdf=pdf))
    manifest.record(out, DATA_DIR, made)
    for year in (2023, 2024):  # zipped as --bundle plans them (the privacy guard is tested elsewhere)
        for name, (_, _, files) in bundle_contents(out, year).items():
            target = out / str(year) / SEND_DIR / name
            target.parent.mkdir(exist_ok=True)
            with zipfile.ZipFile(target, "w") as z:
                for f in files:
                    z.write(f, f"{year}-{f.name}")
            manifest.write_zip_record(out, target, target, files)
    index = write_index(out, data_dir=DATA_DIR)
    assert len(made) > 500  # the demo's size: some 90 reports a year
    return index


@pytest.mark.parametrize("width", WIDTHS)
def test_the_index_never_scrolls_sideways(demo_index, open_page, width):
    """Not with its years closed, nor with every list of files opened."""
    o = open_page(demo_index, viewport={"width": width, "height": 800})
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    o.page.screenshot(path=str(folder / f"index-first-screen-{width}.png"))
    wide = "document.documentElement.scrollWidth"
    assert o.page.evaluate(wide) <= width
    o.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert o.page.evaluate("document.querySelectorAll('details:not([open])').length") == 0
    assert o.page.evaluate(wide) <= width
    past = o.page.evaluate("""(() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
        .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 40)))()""")
    assert past == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_intro_is_read_whole(demo_index, open_page, width):
    """The lines above the first year wrap inside the text column: none is cut or hidden."""
    o = open_page(demo_index, viewport={"width": width, "height": 800})
    lines = o.page.evaluate("""(() => [...document.querySelectorAll('main > p')].map(p => ({
        text: p.innerText, scroll: p.scrollWidth, client: p.clientWidth,
        right: p.getBoundingClientRect().right})))()""")
    for line in lines:
        assert line["scroll"] <= line["client"], line["text"][:60]
        assert line["right"] <= width, line["text"][:60]
    assert "sidan skapad" in lines[0]["text"] and any("SHA-256" in line["text"] for line in lines)


def test_each_year_opens_and_closes_without_a_script(demo_index, open_page):
    """Every year is a <details> (the newest open); a click on a closed year's heading opens it.
    The page has no script, and its Content-Security-Policy allows none."""
    o = open_page(demo_index)
    years = o.page.evaluate("""(() => [...document.querySelectorAll('section[id^="ar-"]')].map(s => {
        const d = s.querySelector(':scope > details.year');
        return d && {year: d.querySelector(':scope > summary h2').textContent, open: d.open};
    }))()""")
    assert years == [{"year": str(y), "open": y == max(YEARS)} for y in sorted(YEARS, reverse=True)]
    assert o.page.evaluate("document.scripts.length") == 0
    csp = o.page.evaluate("document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content")
    assert "script-src 'none'" in csp or "default-src 'none'" in csp
    table = o.page.locator("#ar-2023 table.reports").first
    assert not table.is_visible()
    o.page.click("#ar-2023 > details > summary")
    assert table.is_visible()
    assert o.errors == [] and o.dialogs == []


def test_the_index_is_accessible_with_its_lists_open(demo_index, open_page):
    """axe finds nothing serious, the newest year's lists of files and zip contents open."""
    from axe_playwright_python.sync_playwright import Axe

    o = open_page(demo_index)
    o.page.evaluate(f"document.querySelectorAll('#ar-{max(YEARS)} details').forEach(d => d.open = true)")
    violations = Axe().run(o.page).response["violations"]
    assert [f"{v['id']}: {v['help']}" for v in violations if v["impact"] in ("serious", "critical")] == []
