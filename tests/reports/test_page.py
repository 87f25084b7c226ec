"""The HTML page made from an executed notebook: what reaches the page and what never does.

The notebooks here are built by hand with the outputs a kernel would have produced
(``nbformat`` plus IPython's own formatter for the render objects), so no kernel starts.
"""

from __future__ import annotations

import base64
import json
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


# --------------------------------------------------------------------------- hostile bidi text (issue 16)

RLO, PDF_, PDI_ = "\u202e", "\u202c", "\u2069"
#: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
BIDI_NAMES = {
    "RLO": f"Solrosen{RLO}",
    "stray PDI, then RLO": f"Sol{PDI_}{RLO}rosen",
    "RLE": "Solrosen\u202b",
    "RLI left open": "Solrosen\u2067",
    "RLM": "Solrosen\u200f",
    "ALM": "Solrosen\u061c",
    "Arabic": "روضة الأطفال",
    "Hebrew": "גן ילדים",
}


def _bidi_active(text: str) -> str:
    import unicodedata

    return "".join(c for c in text if c in BIDI_CONTROLS or unicodedata.bidirectional(c) in ("R", "AL", "AN"))


def _closed(text: str) -> bool:
    """Every isolate and embedding in ``text`` closes inside it; no pop closes an isolate it did not open."""
    stack = []
    for c in text:
        if c in "\u2066\u2067\u2068\u202a\u202b\u202d\u202e":
            stack.append(c)
        elif c == PDI_:
            if not any(s in "\u2066\u2067\u2068" for s in stack):
                return False
            while stack.pop() not in "\u2066\u2067\u2068":
                pass
        elif c == PDF_ and stack and stack[-1] not in "\u2066\u2067\u2068":
            stack.pop()  # (a pop of an embedding with none open does nothing inside an isolate)
    return not stack


def _not_isolated(page: str) -> str:
    """The bidi controls and right-to-left characters of ``page`` that are neither inside a
    ``<bdi>`` nor inside an FSI … PDI isolate (the title, alt text), each isolate checked closed."""
    from html import unescape

    def bdi(m):
        assert _closed(unescape(m[1])), f"<bdi> not closed: {m[1]!r}"
        return ""

    rest = unescape(re.sub(r"<bdi>(.*?)</bdi>", bdi, page, flags=re.S))
    out, depth, inner = [], 0, []
    for c in rest:
        if depth == 0 and c != "\u2068":
            out.append(c)
            continue
        depth += c in "\u2066\u2067\u2068"
        depth -= c == PDI_
        inner.append(c)
        if depth == 0:
            assert _closed("".join(inner[1:-1])), f"isolate not closed: {''.join(inner)!r}"
            inner = []
    assert depth == 0
    return _bidi_active("".join(out))


@pytest.mark.parametrize("name", BIDI_NAMES.values(), ids=list(BIDI_NAMES))
def test_bidi_text_from_data_is_isolated_everywhere_on_the_page(name):
    """Rendered output, plain-text output, an error's text, a figure's alt text, the <h1>'s context
    and the <title>: no bidi control or right-to-left letter from the data is left outside an isolate."""
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    nb = notebook(
        "# Jurypaket",
        [displayed(render.paragraph("{who} leder klassen med {score:.1f} poäng av 100 möjliga.", who=name,
                                    score=61.1))],
        [displayed(render.Table(pd.DataFrame({"Bidrag": [name], "Poäng": [61.1]}), codes=["Bidrag"]))],
        [displayed(render.Figure(fig, f"Stapeldiagram: {name} 61,1 poäng av 100."))],
        [nbformat.v4.new_output("stream", name="stdout", text=f"{name}: 61,1 poäng av 100\n")],
        [nbformat.v4.new_output("error", ename="KeyError", evalue=f"'{name}' saknas", traceback=[])],
    )
    page = notebook_to_html(nb, context=f"{name} 2024")
    assert name in unescape_page(page)  # shown as written
    assert _not_isolated(page) == ""
    title = Page(page).title
    assert title.startswith("Jurypaket, \u2068") and title.endswith("\u2069 2024")
    (img,) = [a for t, a in Page(page).elements if t == "img"]
    assert img["alt"].startswith("Stapeldiagram: \u2068") and img["alt"].endswith("\u2069 61,1 poäng av 100.")


def unescape_page(page: str) -> str:
    from html import unescape

    return unescape(re.sub(r"</?bdi>", "", page))


def test_ordinary_text_makes_the_same_page_as_before():
    """Without bidi characters nothing changes: no <bdi>, no isolate, title and alt as written."""
    nb = notebook("# Jurypaket", [displayed(render.paragraph("{who}: {n} poäng", who="Förskolan Ängsö 🌻", n=61.1))],
                  [nbformat.v4.new_output("stream", name="stdout", text="Ängsö <b>\n")])
    page = notebook_to_html(nb, context="Förskola 2024")
    assert "<bdi>" not in page and "\u2068" not in page
    assert "<title>Jurypaket, Förskola 2024</title>" in page
    assert body(page) == ('<h1>Jurypaket, Förskola 2024</h1>\n\n<p>Förskolan Ängsö 🌻: 61,1 poäng</p>\n'
                          '<pre class="text">Ängsö &lt;b&gt;</pre>')


#: For each paragraph, list item or cell of ``main`` holding ``needle``: the boxes (centre y,
#: height, left, right) of the characters before needle's last occurrence and of needle's own
#: characters (spaces left out), as Chromium lays them out.
_LAYOUT_JS = """(needle) => {
  const range = document.createRange();
  const box = ([n, k]) => {
    range.setStart(n, k); range.setEnd(n, k + 1);
    const b = range.getBoundingClientRect();
    return [b.top + b.height / 2, b.height, b.left, b.right];
  };
  const found = [];
  for (const el of document.querySelectorAll("main p, main li, main td")) {
    if (!el.textContent.includes(needle)) continue;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const chars = [];
    let node;
    while ((node = walk.nextNode())) for (let k = 0; k < node.data.length; k++) chars.push([node, k]);
    const text = chars.map(([n, k]) => n.data[k]).join("");
    const at = text.lastIndexOf(needle);
    const keep = (k) => text[k].trim() !== "";
    const before = [], own = [];
    for (let k = 0; k < at; k++) if (keep(k)) before.push(box(chars[k]));
    for (let k = at; k < at + needle.length; k++) if (keep(k)) own.push(box(chars[k]));
    found.push({before: before.filter(b => b[1] > 0 && b[3] > b[2]), own: own});
  }
  return found;
}"""


def _reads_in_order(before: list, own: list) -> bool:
    """True when ``own`` characters read left to right, line by line, and start after everything
    before them on their line."""
    def same_line(a, b):
        return abs(a[0] - b[0]) < 0.5 * min(a[1], b[1])

    for a, b in zip(own, own[1:], strict=False):
        if same_line(a, b) and b[2] < a[2] - 0.5 or not same_line(a, b) and b[0] < a[0]:
            return False
    first = own[0]
    return all(b[3] <= first[2] + 0.5 for b in before if same_line(b, first))


_CHROMIUM_SCRIPT = """
import json, sys
from playwright.sync_api import sync_playwright
from scoring.reports.pdf import CHROMIUM_FLAGS
chromium, page, needles, layout = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_FLAGS))
    try:
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        tab.goto(page)
        print(json.dumps([tab.evaluate(layout, needle) for needle in needles]))
    finally:
        browser.close()
"""


def chromium_order(page_path, *needles: str) -> list[tuple[int, int]]:
    """Per needle: (places holding it, places where Chromium does not show it in reading order
    after what comes before it). Chromium runs in a process of its own (Playwright's sync API
    cannot share this one with the browser tests' session); without it the test skips, or fails
    in CI (tests/browser/browser_support.py)."""
    import subprocess
    import sys

    from browser.browser_support import require_browser

    chromium = require_browser()
    run = subprocess.run([sys.executable, "-c", _CHROMIUM_SCRIPT, chromium, page_path.resolve().as_uri(),
                          json.dumps(needles), _LAYOUT_JS], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    return [(len(f), sum(not _reads_in_order(x["before"], x["own"]) for x in f)) for f in found]


def test_chromium_shows_the_page_text_after_a_hostile_name_in_order(tmp_path):
    """The issue's case as a reader sees it: after an entry name holding a right-to-left override
    (or another bidi control, or right-to-left letters), "61,1 poäng av 100" reads left to right."""
    names = list(BIDI_NAMES.values())
    who = [render.text("{code} {name}", code=render.code("J01"), name=name) for name in names]
    nb = notebook("# Jurypaket", *[[
        displayed(render.paragraph("{q} {who} leder klassen med {score:.1f} poäng av {top} möjliga.",
                                   q=render.strong("Vem leder?"), who=w, score=61.1, top=100)),
        displayed(render.paragraph("{who}: {score:.1f} poäng av {top}.", who=w, score=61.1, top=100)),
    ] for w in who])
    # a message made with the name before it reached the rendering path: a hidden control in it
    # still reorders nothing after the name
    controls = [name for name in names if any(c in BIDI_CONTROLS for c in name)]
    nb.cells += notebook([displayed(render.bullets([f"{name}: 61,1 poäng av 100!" for name in controls]))]).cells
    path = tmp_path / "page.html"
    path.write_text(notebook_to_html(nb, context="2024"), encoding="utf-8")
    n = len(names)
    in_order = chromium_order(path, "leder klassen med 61,1 poäng av 100 möjliga.", "61,1 poäng av 100.",
                              "61,1 poäng av 100!")
    assert in_order == [(n, 0), (n, 0), (len(controls), 0)]


def test_a_report_with_bidi_controls_in_entry_names_keeps_its_text_in_order(tmp_path):
    """Through the public command: the jury packs of a demo year whose entry names end in a
    right-to-left override (some comments hold a stray isolate pop and an override, a district is
    in Arabic): every such character is isolated on the page, and Chromium shows the pack's own
    sentence after the leading entry's name in order."""
    from demo_copy import demo_copy

    from scoring.cli import main

    data = demo_copy(tmp_path / "data", (2023,), training=False)
    entries = pd.read_csv(data / "2023" / "entries.csv", dtype=str, keep_default_na=False)
    entries["name"] = entries["name"] + RLO
    entries.loc[0, "district"] = "روضة الأطفال"
    entries.to_csv(data / "2023" / "entries.csv", index=False)
    scores = pd.read_csv(data / "2023" / "scores.csv", dtype=str, keep_default_na=False)
    scores.loc[scores.index[scores["stage"] == "individual"][:3], "comment"] = f"Bra{PDI_}{RLO} arbete, 61 poäng"
    scores.to_csv(data / "2023" / "scores.csv", index=False)
    out = tmp_path / "out"
    assert main(["report", "--year", "2023", "--kind", "jury", "--data", str(data), "--out", str(out)]) == 0
    packs = sorted((out / "2023").glob("jury-*.html"))
    assert packs
    for path in packs:
        page = path.read_text(encoding="utf-8")
        assert f"{RLO}{PDF_}{PDI_}" in page
        assert _not_isolated(page) == ""
    ((found, wrong),) = chromium_order(packs[0], "leder klassen med")
    assert found >= 1 and wrong == 0
