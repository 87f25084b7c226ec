"""Text from data that could reorder the report's own text (issue 16, point 4): an invisible
right-to-left override in an entry name must not turn "61,1 poäng av 100" into "001 va gnäop 1,16".

Every value holding a bidi control or right-to-left letters goes into ``<bdi>``, each control
in it closed in an isolate of its own run of words; text of unknown pieces has each such run
isolated; nothing else changes. (The page as a browser shows it: tests/reports/test_page.py.)
"""

from __future__ import annotations

import re
import unicodedata
from html import escape, unescape

import pandas as pd
import pytest

from scoring.presentation import render
from scoring.reports.page import check_fragment

RLO = "\u202e"
#: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: every bidi control, each alone and in a name; right-to-left letters; a pop that would close
#: the isolate around the value; controls left open
HOSTILE_NAMES = {
    **{f"U+{ord(c):04X}": f"Solrosen{c} (fiktiv)" for c in BIDI_CONTROLS},
    "override first": f"{RLO}Förskolan Solrosen",
    "stray PDI, then RLO": f"Sol\u2069{RLO}rosen",
    "stray PDF, then RLO": f"Sol\u202c{RLO}rosen",
    "RLI left open": "Sol\u2067rosen",
    "many overrides": f"{RLO}a\u202db{RLO}c\u2068d",
    "Hebrew": "גן ילדים 5",
    "Arabic": "روضة الأطفال",
    "Arabic-Indic digits": "٣٤",
    "RLM only": "\u200f",
}
ISOLATE_OPEN, ISOLATE_CLOSE = "\u2066\u2067\u2068", "\u2069"
EMBED_OPEN, EMBED_CLOSE = "\u202a\u202b\u202d\u202e", "\u202c"


def bidi_active(text: str) -> str:
    """The characters of ``text`` that can reorder text around them."""
    return "".join(c for c in text if c in BIDI_CONTROLS or unicodedata.bidirectional(c) in ("R", "AL", "AN"))


def closed(text: str) -> bool:
    """True when ``text``'s isolates and embeddings all close inside it and no pop closes an
    isolate it did not open (that would end the isolate around it). A pop of an embedding with
    none open is harmless inside an isolate."""
    stack = []
    for c in text:
        if c in ISOLATE_OPEN or c in EMBED_OPEN:
            stack.append(c)
        elif c == ISOLATE_CLOSE:
            if not any(s in ISOLATE_OPEN for s in stack):
                return False
            while stack.pop() not in ISOLATE_OPEN:
                pass
        elif c == EMBED_CLOSE and stack and stack[-1] in EMBED_OPEN:
            stack.pop()
    return not stack


def strip_isolates(text: str) -> str:
    """``text`` without its outermost FSI … PDI isolates, each checked to close what it opens."""
    out, depth, inner = [], 0, []
    for c in text:
        if depth == 0 and c != "\u2068":
            out.append(c)
            continue
        depth += c in ISOLATE_OPEN
        depth -= c == ISOLATE_CLOSE
        inner.append(c)
        if depth == 0:
            assert closed("".join(inner[1:-1])), f"isolate not closed: {''.join(inner)!r}"
            inner = []
    assert depth == 0, f"isolate left open: {text!r}"
    return "".join(out)


def outside_bdi(html: str) -> str:
    """``html`` without its ``<bdi>`` elements, after checking that each one's text closes what it
    opens and holds its bidi controls only inside isolates of their own."""
    def check(m):
        inner = unescape(m[1])
        assert closed(inner), f"<bdi> text not closed: {inner!r}"
        assert not any(c in BIDI_CONTROLS for c in strip_isolates(inner)), f"control not isolated: {inner!r}"
        return ""
    return re.sub(r"<bdi>(.*?)</bdi>", check, html, flags=re.S)


def test_an_override_in_a_name_does_not_reverse_the_sentence_after_it():
    """The issue's case: the name is isolated and its override closed; the sentence is as written."""
    name = f"Förskolan Solrosen{RLO}"
    p = render.paragraph("{who} leder klassen med {score:.1f} poäng av {top} möjliga.", who=name, score=61.1, top=100)
    assert p.html == (f"<p><bdi>Förskolan \u2068Solrosen{RLO}\u202c\u2069</bdi> leder klassen med 61,1 poäng av "
                      "100 möjliga.</p>")
    assert p.text == f"{name} leder klassen med 61,1 poäng av 100 möjliga."  # the plain text keeps the data
    check_fragment(p.html)


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=list(HOSTILE_NAMES))
def test_every_place_data_text_reaches_isolates_it(name):
    """Prose, inline pieces, codes, lists, headings, table cells, headers and captions, and a
    message built around a name before it reached the rendering path: no bidi control or
    right-to-left letter is left outside a <bdi>, each <bdi> closes what it opens, and inside it
    every control sits in an isolate of its own run of words."""
    df = pd.DataFrame({"entry_id": [name], "name": [name], "codes": [f"E01 60, {name}"], "n": [1.5]})
    shown = render.group(
        render.paragraph("{who}: {n} poäng av 100.", who=name, n=61.1),
        render.paragraph("{q} {who} och {code}", q=render.strong("{x}", x=name), who=render.em("{x}", x=name),
                         code=render.code(name)),
        render.paragraph("{x}", x=render.join([name, render.code(name)], " och ")),
        render.heading("Bidraget {x}", x=name),
        render.bullets([name, render.text("{x} ledde", x=name), f"entry_id '{name}' is not in entries.csv"]),
        render.Table(df, headers={"name": name}, codes=["entry_id"], code_lists=["codes"], caption=name),
    )
    check_fragment(shown.html)
    assert "<bdi>" in shown.html
    assert bidi_active(unescape(outside_bdi(shown.html))) == ""


def test_a_value_stays_whole():
    """Only closing controls are added to a value: a name is found in the page as it is written
    (as the privacy check looks for it), also a name mixing scripts or holding a stray pop."""
    for name in ["Förskolan روضة الأطفال", f"Sol\u2069{RLO}rosen", "Solrosen\u2067"]:
        assert name in unescape(render.paragraph("{x}: 61,1", x=name).html)


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=list(HOSTILE_NAMES))
def test_isolate_text_closes_every_run_in_unicode_isolates(name):
    """Where no markup can go (title, alt text): FSI … PDI around each run, closed inside."""
    text = render.isolate_text(f"Jurypaket – {name}, 2024: 61,1 poäng")
    outside = strip_isolates(text)
    assert bidi_active(outside) == ""
    assert outside.endswith(", 2024: 61,1 poäng") and outside.startswith("Jurypaket – ")


def test_right_to_left_names_stay_whole_and_the_punctuation_around_them_stays_outside():
    assert render.isolate_html("Förskolan (روضة الأطفال 5 النور): 61,1") == \
        "Förskolan (<bdi>روضة الأطفال 5 النور</bdi>): 61,1"
    assert render.isolate_html("גן 5") == "<bdi>גן</bdi> 5"  # a number after the name is the page's
    assert render.isolate_html(f"a{RLO}\nb") == f"<bdi>a{RLO}\u202c</bdi>\nb"  # a run ends at a line break


@pytest.mark.parametrize("text", [
    "Förskolan Ängsö 🌻 – ”citat” & 'enkelt' <b>",
    "Åsa🙂 $x^2$ \\(a\\) **bold** – 61,1 poäng av 100",
    "Ελληνικά и кириллица, 2024",
    "",
], ids=["swedish", "markup", "greek-cyrillic", "empty"])
def test_text_without_bidi_characters_is_written_as_before(text):
    """Ordinary data: exactly the escaped text, no <bdi> (every demo page stays byte for byte)."""
    assert not render.needs_isolation(text)
    assert render.isolate_html(text) == escape(text)
    assert render.isolate_text(text) == text
    assert render.paragraph("{x}: {n}", x=text, n=61.1).html == f"<p>{escape(text)}: 61,1</p>"
    assert render.Table(pd.DataFrame({"a": [text]})).html.count("<bdi>") == 0
