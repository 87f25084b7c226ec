"""The report page names what it is about in its first heading, and the stylesheet carries
the rules for paper. (How the pages look and print in a browser: tests/browser.)"""

from __future__ import annotations

import re

import nbformat

from scoring.reports import notebook_to_html
from scoring.reports.page import stylesheet


def _notebook(markdown: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(markdown)])


def _h1(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page).group(1)


def test_first_heading_names_the_year_and_class_as_the_title_does():
    page = notebook_to_html(_notebook("# Jurypaket\n\ntext\n\n# Andra"), context="Förskola <b> 2024")
    assert _h1(page) == "Jurypaket, Förskola &lt;b&gt; 2024"
    assert "<title>Jurypaket, Förskola &lt;b&gt; 2024</title>" in page
    assert page.count("2024") == 2  # the title and the first heading; the second <h1> is left alone


def test_no_context_and_no_h1_are_left_alone():
    assert _h1(notebook_to_html(_notebook("# Rapport"))) == "Rapport"
    page = notebook_to_html(_notebook("## Avsnitt\n\ntext"), context="2024")
    assert "<h2>Avsnitt</h2>" in page and "<title>Avsnitt, 2024</title>" in page


def test_stylesheet_prints_on_a4_with_headers_repeated_and_rows_whole():
    css = " ".join(stylesheet().split())
    assert "@page { size: A4 portrait;" in css
    print_rules = css[css.index("@media print"):]
    assert "thead { display: table-header-group; }" in print_rules
    assert re.search(r"tr, img, figure \{ break-inside: avoid; \}", print_rules)
    assert "break-before: page" not in print_rules  # sections flow on (issue 18)
    assert "h1, h2, h3, h4, caption, thead" in print_rules and "break-after: avoid" in print_rules
    assert ".code { white-space: nowrap; }" in css
