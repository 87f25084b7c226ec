"""``scoring.reports.pdf`` with the real browser: a page printed to A4, atomically."""

from __future__ import annotations

import pytest
from test_browser_print import A4_PT, _pdf_pages

from scoring.reports.page import document
from scoring.reports.pdf import PdfError, print_pdf


def test_print_pdf_writes_an_a4_pdf_beside_the_page(chromium, tmp_path):
    rows = "".join(f"<tr><td>{i}</td><td class=\"num\">{i},5</td></tr>" for i in range(120))
    html = tmp_path / "rapport.html"
    html.write_text(document("Rapport, 2023", f"<h1>Rapport, 2023</h1><h2>Del</h2><table><thead><tr>"
                                              f"<th>A</th><th>B</th></tr></thead><tbody>{rows}</tbody></table>"),
                    encoding="utf-8")
    pdf = print_pdf(html, chromium=chromium)
    assert pdf == tmp_path / "rapport.pdf"
    pages = _pdf_pages(pdf.read_bytes())
    assert len(pages) >= 2  # 120 rows do not fit one page
    assert all(abs(w - A4_PT[0]) < 1.5 and abs(h - A4_PT[1]) < 1.5 for w, h in pages)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.html", "rapport.pdf"]


def test_a_missing_page_is_a_clear_error(chromium, tmp_path):
    with pytest.raises(PdfError, match="no such file"):
        print_pdf(tmp_path / "nothing.html", chromium=chromium)
