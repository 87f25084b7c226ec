"""The HTML page made from an executed notebook: what reaches the page and what never does.

The notebooks here are built by hand with the outputs a kernel would have produced
(``nbformat`` plus IPython's own formatter for the render objects), so no kernel starts.
"""

from __future__ import annotations

import base64
import logging
import re

import nbformat
import pandas as pd
import pytest
from html_page import Page
from IPython.core.formatters import DisplayFormatter
from matplotlib.figure import Figure

from scoring.presentation import render
from scoring.reports import CSP, PageError, notebook_to_html
from scoring.reports.execute import left_out as _left_out
from scoring.reports.page import check_fragment, check_page, markdown

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def displayed(obj) -> nbformat.NotebookNode:
    """The display_data output IPython's formatter makes for ``obj`` (as the kernel would)."""
    data, metadata = DisplayFormatter().format(obj)
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata)


def notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for c in cells:
        if isinstance(c, str):
            nb.cells.append(nbformat.v4.new_markdown_cell(c))
        else:
            cell = nbformat.v4.new_code_cell("secret_code_1234()")
            tags = [o for o in c if isinstance(o, str)]
            cell.outputs = [o for o in c if not isinstance(o, str)]
            if tags:
                cell.metadata["tags"] = tags
            nb.cells.append(cell)
    return nb


def body(page: str) -> str:
    return page[page.index("<main>") + 6: page.index("</main>")].strip()


def test_page_head_csp_title_and_stylesheet():
    page = notebook_to_html(notebook("# Kalibrering <b>&</b> mer\n\ntext"), context="2024")
    assert page.startswith('<!DOCTYPE html>\n<html lang="sv">\n<head>\n<meta charset="utf-8">\n')
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in page
    assert "script-src" not in CSP and "default-src 'none'" in CSP
    # the title is the first heading's text (markup in it escaped) and the context
    assert "<title>Kalibrering &lt;b&gt;&amp;&lt;/b&gt; mer, 2024</title>" in page
    assert page.count("<style>") == 1 and ".code { white-space: nowrap; }" in page
    tags = {t for t, _ in Page(page).elements}
    assert tags == {"html", "head", "meta", "title", "style", "body", "main", "h1", "p"}


def test_code_hidden_stderr_dropped_stdout_escaped():
    nb = notebook([
        nbformat.v4.new_output("stream", name="stdout", text="<b>hej</b> & välkommen\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning nobody should read"),
    ])
    page = notebook_to_html(nb)
    assert "secret_code_1234" not in page
    assert "a warning nobody should read" not in page
    assert body(page) == '<pre class="text">&lt;b&gt;hej&lt;/b&gt; &amp; välkommen</pre>'


def test_rendered_html_is_used_unmarked_html_is_text(caplog):
    table = render.Table(pd.DataFrame({"name": ["Ålidhem"]}), caption="Bidrag")
    unmarked = nbformat.v4.new_output(
        "display_data", data={"text/html": "<b onclick=x()>fet</b>", "text/plain": "<Styler object>"}
    )
    markdown_out = nbformat.v4.new_output("display_data", data={"text/markdown": "**x** <img src=x>"})
    frame = displayed(pd.DataFrame({"a": ["<script>alert(1)</script>"]}))
    nb = notebook([displayed(table), unmarked, markdown_out, frame])
    with caplog.at_level(logging.WARNING, logger="scoring.report"):
        page = notebook_to_html(nb)
    html = body(page)
    assert html.startswith(table.html)
    assert "<b" not in html and "onclick" not in html and "<script" not in html
    assert "&lt;Styler object&gt;" in html  # unmarked HTML: its plain text instead
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # a stray DataFrame: its text repr, escaped
    assert "**x**" not in html  # no plain text to show: left out, with a warning
    warnings = " ".join(r.getMessage() for r in caplog.records)
    assert "text/html not from scoring.presentation.render" in warnings
    assert "text/markdown not from scoring.presentation.render" in warnings


def test_marked_html_outside_the_allow_list_stops_the_build():
    forged = nbformat.v4.new_output(
        "display_data", data={"text/html": '<p>ok</p><img src=x onerror="alert(1)">', "text/plain": ""},
        metadata={"scoring": {"rendered": True, "kind": "table"}},
    )
    forged.execution_count = None
    with pytest.raises(PageError, match="<img>"):
        notebook_to_html(notebook([forged]))
    for bad in ('<p onclick="x()">a</p>', '<p style="color:red">a</p>', '<a href="http://x">a</a>',
                "<p><!-- c --></p>", '<span class="code x;y">a</span>', '<td colspan="x">a</td>'):
        with pytest.raises(PageError):
            check_fragment(bad)
    check_fragment(render.paragraph("{x}", x="<script>").html)


def test_figure_with_alt_text_and_size():
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    shown = render.Figure(fig, "Linjediagram: från 1 till 0, \"fallande\" <kort>", dpi=200)
    page = notebook_to_html(notebook([displayed(shown)]))
    (img,) = [a for t, a in Page(page).elements if t == "img"]
    assert img["alt"] == 'Linjediagram: från 1 till 0, "fallande" <kort>'
    assert img["src"] == "data:image/png;base64," + base64.b64encode(shown.png).decode()
    w, h = shown.size
    assert (img["width"], img["height"]) == (str(w), str(h))
    assert 190 <= w <= 210  # 2 inches at 100 px per inch (bbox "tight" trims a little)


def test_figure_without_alt_text_fails_loudly():
    plain = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
    with pytest.raises(PageError, match="text alternative"):
        notebook_to_html(notebook([plain]))
    marked = nbformat.v4.new_output("display_data", data={"image/png": PNG},
                                    metadata={"scoring": {"rendered": True, "kind": "figure", "alt": "  "}})
    with pytest.raises(PageError, match="text alternative"):
        notebook_to_html(notebook([marked]))
    with pytest.raises(ValueError, match="text alternative"):
        render.Figure(Figure(), "")


def test_remove_cell_and_remove_output_tags():
    out = nbformat.v4.new_output("stream", name="stdout", text="visible")
    gone = nbformat.v4.new_output("stream", name="stdout", text="removed output")
    nb = notebook([out], [gone, "remove-output"], [gone, "remove-cell"])
    nb.cells.append(nbformat.v4.new_markdown_cell("removed markdown", metadata={"tags": ["remove-cell"]}))
    page = notebook_to_html(nb)
    assert "visible" in page and "removed" not in page


@pytest.mark.parametrize(
    "source, expected",
    [
        ("Text <script>alert(1)</script> mer", "<p>Text &lt;script&gt;alert(1)&lt;/script&gt; mer</p>"),
        ('<img src=x onerror="alert(1)">', '<p>&lt;img src=x onerror="alert(1)"&gt;</p>'),
        ("$x^2$ och \\(a\\)", "<p>$x^2$ och (a)</p>"),  # no math rendering (markdown's own escapes apply)
        ("**fet** *kursiv* `kod`", "<p><strong>fet</strong> <em>kursiv</em> <code>kod</code></p>"),
        ("[länk](javascript:alert(1))", '<p><a href="#harmful-link">länk</a></p>'),
        ("[länk](https://stockholm.se)", '<p><a href="https://stockholm.se">länk</a></p>'),
        ("![karta](https://example.com/karta.png)", '<p><span class="missing-image">[Bild: karta]</span></p>'),
        ("| a | b |\n|--:|---|\n| 1 | x |",
         '<table>\n<thead>\n<tr>\n  <th class="num">a</th>\n  <th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n'
         '  <td class="num">1</td>\n  <td>x</td>\n</tr>\n</tbody>\n</table>'),
    ],
)
def test_markdown_cells(source, expected):
    assert markdown(source).strip() == expected


def test_markdown_attachment_becomes_inline_image():
    html = markdown("![logga](attachment:logo.png)", {"logo.png": {"image/png": PNG}})
    assert f'src="data:image/png;base64,{PNG}"' in html and 'alt="logga"' in html


def test_final_check_refuses_scripts_handlers_and_remote_references():
    good = notebook_to_html(notebook("# T"))
    check_page(good)
    for bad in ("<script>x</script>", '<p onmouseover="x">a</p>', '<img src="https://x/y.png" alt="y">',
                '<link rel="stylesheet" href="https://x/y.css">', '<a href="javascript:x()">a</a>',
                '<iframe src="data:text/html,x"></iframe>', '<p style="background:url(https://x)">a</p>'):
        with pytest.raises(PageError, match="not safe"):
            check_page(good.replace("<main>", "<main>" + bad))


def test_left_out_years_are_read_from_output_metadata():
    from scoring.data import History, LeftOutYear
    from scoring.presentation.labels import left_out_years
    from scoring.problems import Problem

    problem = Problem("data/2022/scores.csv", 5, "score", "score 999 is outside the scale 0–100")
    history = History(pd.DataFrame({"year": [2023]}), [LeftOutYear(2022, [problem])])
    nb = notebook([displayed(left_out_years(history))], [displayed(render.paragraph("x"))])
    assert _left_out(nb) == ((2022, ("data/2022/scores.csv:5: score: score 999 is outside the scale 0–100",)),)
    page = notebook_to_html(nb)
    text = Page(page).text
    assert "2022 ingår inte i trenden: årets data har ett fel, data/2022/scores.csv:5, kolumn score: " \
           "score 999 is outside the scale 0–100." in text
    assert re.search(r'<span class="code">data/2022/scores.csv:5</span>', page)


def test_stylesheet_is_package_data():
    """style.css ships in a non-editable install (pyproject's package-data) and is what pages inline."""
    import tomllib

    from scoring.paths import PROJECT_ROOT
    from scoring.reports.page import stylesheet

    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "style.css" in config["tool"]["setuptools"]["package-data"]["scoring.reports"]
    css = (PROJECT_ROOT / "scoring" / "reports" / "style.css").read_text(encoding="utf-8")
    assert stylesheet() == css
    assert f"<style>\n{css}</style>" in notebook_to_html(notebook("# T"))
