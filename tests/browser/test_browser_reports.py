"""Every report kind opened in Chromium: loads whole and offline, names what it is about,
runs nothing from the data, reads well on a laptop's first screen, and is accessible.

Cases are (kind, data set): ``demo`` is the demo year, ``hostile`` the copy of it whose
names, codes and comments hold markup (``hostile_data.hostile_copy``). A kind that cannot
be made fails its cases (see ``report_kinds.py``).
"""

from __future__ import annotations

import re

import pytest
from browser_support import SCREEN, VARIANTS, artifacts_dir
from report_kinds import KINDS

ALL = [(k.id, v) for k in KINDS for v in VARIANTS]
DEMO = [(k.id, "demo") for k in KINDS]
HOSTILE = [(k.id, "hostile") for k in KINDS]


def _id(case) -> str:
    return "-".join(case)


def _flat(text: str) -> str:
    return " ".join(str(text).split())


@pytest.mark.parametrize("sample", ALL, indirect=True, ids=_id)
def test_every_image_loaded(sample, read_page):
    o = read_page(sample.page)
    images = o.page.evaluate(
        "[...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,"
        " src: i.currentSrc.slice(0, 22)}))"
    )
    assert len(images) >= sample.kind.figures, f"expected at least {sample.kind.figures} figures, found {len(images)}"
    assert [i["alt"][:50] for i in images if not i["ok"]] == [], "broken images"
    assert all(i["src"] == "data:image/png;base64," for i in images)
    # every figure says in words what it shows, numbers included
    assert [i["alt"][:50] for i in images if len(i["alt"]) < 40 or not re.search(r"\d", i["alt"])] == []


@pytest.mark.parametrize("sample", ALL, indirect=True, ids=_id)
def test_no_console_error_and_no_request_leaves_the_page(sample, read_page):
    o = read_page(sample.page)
    o.page.wait_for_timeout(100)
    assert [text for kind, text in o.console if kind in ("error", "warning")] == []
    assert o.errors == []
    assert [u for u in o.requests if u != o.url and not u.startswith("data:")] == []
    assert o.blocked == []
    assert o.requests[0] == o.url


@pytest.mark.parametrize("sample", ALL, indirect=True, ids=_id)
def test_title_and_first_heading_name_the_report(sample, read_page):
    o = read_page(sample.page)
    title = o.page.title()
    assert title == sample.title
    first = o.page.evaluate(
        "(() => { const h = document.querySelector('h1, h2, h3, h4, h5, h6');"
        " return h && {tag: h.tagName, text: h.innerText}; })()"
    )
    assert first is not None and first["tag"] == "H1", "the page opens with its <h1>"
    for name in sample.names:
        assert _flat(name) in _flat(title), f"the title does not name {name!r}: {title!r}"
        assert _flat(name) in _flat(first["text"]), f"the first heading does not name {name!r}: {first['text']!r}"
    assert o.page.evaluate("document.documentElement.lang") == "sv"


@pytest.mark.parametrize("sample", HOSTILE, indirect=True, ids=_id)
def test_hostile_text_is_shown_literally_and_runs_nothing(sample, open_page):
    """With the page's CSP switched off, so that the escaping alone must hold: no script
    from the data runs (title unchanged, no dialog), no element or handler came from the
    data, and every hostile string reads as text."""
    o = open_page(sample.page, bypass_csp=True)
    o.page.wait_for_timeout(300)  # time for an onerror handler to fire, had one come through
    assert o.page.title() == sample.title
    assert "XSS" not in o.page.title()
    assert o.dialogs == []
    assert o.errors == []
    dom = o.page.evaluate("""(() => ({
        active: document.querySelectorAll('script, iframe, frame, object, embed, form, base, link, svg, math').length,
        handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
            .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
        images: [...document.images].filter(i => !i.src.startsWith('data:image/png;base64,')).length,
    }))()""")
    assert dom == {"active": 0, "handlers": [], "images": 0}
    text = _flat(o.page.inner_text("body"))
    shown = [_flat(s) for s in sample.shows]
    assert [s[:50] for s in shown if s not in text] == [], "hostile text not shown literally"


def test_csp_refuses_script_and_requests_in_the_browser(made, open_page):
    """The second line of defence, as the browser enforces it: a script added to a report
    does not run, and an image from elsewhere is never requested."""
    sample = made.samples[("calibration", "demo")]
    o = open_page(sample.check())
    with pytest.raises(Exception, match="Content Security Policy"):
        o.page.add_script_tag(content="document.title = 'XSS'")
    o.page.evaluate("(() => { const i = new Image(); i.src = 'https://example.invalid/x.png';"
                    " document.body.append(i); })()")
    o.page.wait_for_timeout(300)
    assert o.page.title() == sample.title
    assert o.blocked == []  # refused by the CSP before any request was made
    assert sum("Content Security Policy" in text for _, text in o.console) >= 2


@pytest.mark.parametrize("sample", DEMO, indirect=True, ids=_id)
def test_first_screen_reads_well_at_1280_px(sample, read_page):
    o = read_page(sample.page)  # at SCREEN's size
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"{sample.kind.id}-first-screen-1280.png"
    o.page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    m = o.page.evaluate("""(() => {
        const h1 = document.querySelector('h1').getBoundingClientRect();
        const main = document.querySelector('main').getBoundingClientRect();
        const size = e => parseFloat(getComputedStyle(e).fontSize);
        const prose = [...document.querySelectorAll('main > p')];
        return {
            scrollWidth: document.documentElement.scrollWidth,
            h1: [h1.left, h1.top, h1.right, h1.bottom],
            body: size(document.body),
            smallest: Math.min(...[...document.querySelectorAll('main p, main li, main td, main th')].map(size)),
            measure: Math.max(...prose.map(p => p.getBoundingClientRect().width / size(p))),
            wide: [...document.querySelectorAll('table, img')]
                .filter(e => e.getBoundingClientRect().right > main.right + 0.5).length,
        };
    })()""")
    assert m["scrollWidth"] <= SCREEN["width"], "the page is wider than the screen"
    left, top, right, bottom = m["h1"]
    assert left >= 0 and top >= 0 and right <= SCREEN["width"] and bottom <= SCREEN["height"] / 3
    assert m["body"] >= 16
    assert m["smallest"] >= 13, "text smaller than 13 px"
    assert m["measure"] <= 45, "prose lines longer than about 80 characters"
    assert m["wide"] == 0, "a table or figure reaches past the text column"


@pytest.mark.parametrize("sample", DEMO, indirect=True, ids=_id)
def test_numbers_are_swedish_in_the_text(sample, read_page):
    """Every number on the page has a decimal comma and a real minus sign (tables and prose)."""
    o = read_page(sample.page)
    text = o.page.inner_text("main")
    assert re.findall(r".{0,20}\d\.\d.{0,20}", text) == [], "decimal points"
    assert re.findall(r".{0,20}(?<![\w\-–])-\d.{0,20}", text) == [], "hyphens as minus signs"


@pytest.mark.parametrize("sample", ALL, indirect=True, ids=_id)
def test_codes_never_wrap(sample, read_page):
    """Entry ids and examiner codes stay on one line, on screen and on paper."""
    o = read_page(sample.page)
    try:
        for media in ("screen", "print"):
            o.page.emulate_media(media=media)
            wrapped = o.page.evaluate("[...document.querySelectorAll('.code')]"
                                      ".filter(e => e.getClientRects().length > 1).map(e => e.textContent)")
            assert wrapped == [], f"codes broken over lines ({media})"
    finally:
        o.page.emulate_media(media="null")  # as loaded, for the next test that reads it


@pytest.mark.parametrize("sample", ALL, indirect=True, ids=_id)
def test_no_serious_accessibility_violation(sample, read_page):
    """axe-core (shipped by axe-playwright-python) finds nothing serious or critical.

    axe is injected with ``page.evaluate``, which runs through the DevTools protocol and is
    not subject to the page's Content-Security-Policy (the CSP governs what the page itself
    loads and runs); so the page is checked exactly as shipped, CSP on. axe reads the page and
    changes nothing of it: the session's one load of the page serves.
    """
    from axe_playwright_python.sync_playwright import Axe

    o = read_page(sample.page)
    before = o.page.evaluate("document.documentElement.outerHTML")
    violations = Axe().run(o.page).response["violations"]
    bad = [f"{v['id']} ({v['impact']}): {v['help']}: {[n['target'] for n in v['nodes'][:3]]}"
           for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == []
    assert o.page.evaluate("document.documentElement.outerHTML") == before, "axe changed the shared page"


def test_index_is_accessible(made, open_page):
    """The index the demo run wrote shares the stylesheet; axe finds nothing serious there either."""
    from axe_playwright_python.sync_playwright import Axe

    run = made.demo_run
    assert run is not None and run.index is not None, "the demo run wrote no index"
    o = open_page(run.index)
    violations = Axe().run(o.page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    assert [u for u in o.requests if u != o.url and not u.startswith("data:")] == []


def test_calibration_report_is_one_small_file(made):
    """Figures inline, nothing beside it: a yearly calibration report stays under 2 MB."""
    page = made.samples[("calibration", "demo")].check()
    assert page.stat().st_size < 2_000_000
    assert sorted(p.suffix for p in page.parent.iterdir() if p.stem == page.stem) == [".html", ".ipynb", ".pdf"]
