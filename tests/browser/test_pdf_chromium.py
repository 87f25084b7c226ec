"""``scoring.reports.pdf`` with the real browser: a page printed to A4, atomically."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser_print import A4_PT, _pdf_pages

from scoring.reports import pdf as pdf_module
from scoring.reports.page import document
from scoring.reports.pdf import PdfError, print_pdf


def _page(folder: Path) -> Path:
    rows = "".join(f"<tr><td>{i}</td><td class=\"num\">{i},5</td></tr>" for i in range(120))
    html = folder / "rapport.html"
    html.write_text(document("Rapport, 2023", f"<h1>Rapport, 2023</h1><h2>Del</h2><table><thead><tr>"
                                              f"<th>A</th><th>B</th></tr></thead><tbody>{rows}</tbody></table>"),
                    encoding="utf-8")
    return html


def test_print_pdf_writes_an_a4_pdf_beside_the_page(chromium, tmp_path):
    html = _page(tmp_path)
    pdf = print_pdf(html, chromium=chromium)
    assert pdf == tmp_path / "rapport.pdf"
    pages = _pdf_pages(pdf.read_bytes())
    assert len(pages) >= 2  # 120 rows do not fit one page
    assert all(abs(w - A4_PT[0]) < 1.5 and abs(h - A4_PT[1]) < 1.5 for w, h in pages)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.html", "rapport.pdf"]


def test_a_missing_page_is_a_clear_error(chromium, tmp_path):
    with pytest.raises(PdfError, match="no such file"):
        print_pdf(tmp_path / "nothing.html", chromium=chromium)


def test_the_shared_browser_prints_what_a_browser_of_its_own_prints(chromium, made, tmp_path):
    """The print through the process's one browser (the pipe) is the print of ``chromium --print-to-pdf`` with
    ``--no-pdf-header-footer``: the same bytes but the dates and the ids of the structure tree's elements (and
    the references to them), for a report of many pages with figures and tables. Chromium numbers a page's
    nodes per renderer process, and the one browser prints page after page in one tab."""
    import re
    import shutil

    html = Path(shutil.copy(made.samples["calibration", "demo"].check(), tmp_path / "calibration.html"))
    shared = print_pdf(html, chromium=chromium).read_bytes()
    alone = pdf_module._print_alone(chromium, html, 120)
    assert len(_pdf_pages(shared)) >= 2 and _pdf_pages(shared) == _pdf_pages(alone)
    varying = re.compile(rb"\(D:\d{14}[^)]*\)|\(node\d+\)")
    assert varying.sub(b"", shared) == varying.sub(b"", alone)
    assert re.search(rb"\(D:\d{14}", shared) and re.search(rb"/ID \(node\d+\)", shared)  # what is left out is there
