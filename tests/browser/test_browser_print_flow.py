"""Print that flows (issue 18, point 3): no page per section, no heading or caption left at the foot
of a page, short tables kept whole, and reports that take few pages.

Two parts, both printed by Chromium the way ``scoring report --pdf`` prints
(:func:`scoring.reports.pdf.print_pdf`) and read back with pypdf, page by page:

* the print stylesheet's rules on made-up pages. Each page holds many copies of one case, each
  copy on its own sheet after a blank block of another height, so that some copy lands where the
  rule decides (a heading just above the foot of a page, a table across it). Every case is printed
  twice: with the stylesheet as it is, where the rule must hold in every copy, and with the rule
  switched off, where some copy must break the way the rule prevents (else the case tests nothing);
* the demo's 2024 reports, made with ``run_reports(pdf=True)`` once for the session: the jury pack of
  the class with the most entries (the socialtjänst class, 9 entries) takes at most 4 A4 pages before
  its comments, a trainee's page at most 2 (T09, whose page is the longest of the session, and T01),
  and no page of them, of an examiner's page or of an entrant's letter ends with a heading, a caption,
  a table's header row or a paragraph of bold words alone (a pseudo-heading).
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from demo_pages import Wanted

from scoring.paths import DATA_DIR

YEAR = 2024
#: The pages made for the module: the jury pack of the largest class is added by the fixture.
EXAMINER, TRAINEES, ENTRY = "E39", ("grundutbildning/T09", "grundutbildning/T01"), "2024-01"


def _norm(text: str) -> str:
    """Text as compared between a page and its PDF: ligatures and no-break spaces undone
    (NFKC), whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def pdf_lines(pdf: Path) -> list[list[str]]:
    """The text lines of each page of a PDF, in reading order."""
    from pypdf import PdfReader

    return [[_norm(line) for line in page.extract_text().splitlines() if line.strip()]
            for page in PdfReader(str(pdf)).pages]


# --------------------------------------------------------------------------------------
# the rules, on made-up pages
# --------------------------------------------------------------------------------------


def _table(tag: str, rows: int, caption: bool = False) -> str:
    body = "".join(f'<tr><td>{tag}-rad-{i:02d}</td><td class="num">{i}</td></tr>' for i in range(1, rows + 1))
    cap = f"<caption>Tabell {tag}.</caption>" if caption else ""
    return (f'<div class="table-wrap"><table>{cap}<thead><tr><th>Huvud {tag}.</th><th>Tal</th></tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _print_cases(folder: Path, name: str, case, blanks, off: str = "") -> list[str]:
    """Print one page holding ``case(tag)`` after a blank block of each height in ``blanks`` (mm),
    each copy starting a new sheet; ``off``: CSS that switches a rule off. The text of each page."""
    from scoring.reports.page import document
    from scoring.reports.pdf import print_pdf

    body = "".join(f'<div style="break-before: page; height: {mm}mm"></div>{case(f"k{i:02d}")}'
                   for i, mm in enumerate(blanks))
    html = document("Utskriftsprov", body)
    if off:
        html = html.replace("</style>", "@media print { " + off + " }\n</style>", 1)
    page = folder / f"{name}{'-off' if off else ''}.html"
    page.write_text(html, encoding="utf-8")
    return [" ".join(lines) for lines in pdf_lines(print_pdf(page))]


def _on(pages: list[str], text: str) -> list[int]:
    """The pages (0-based) whose text holds ``text``."""
    return [i for i, t in enumerate(pages) if text in t]


def _copies(blanks) -> list[str]:
    return [f"k{i:02d}" for i in range(len(blanks))]


def test_a_heading_stays_with_what_follows(chromium, tmp_path):
    """A section heading followed by a short table: never the heading alone at the foot of a page."""
    blanks = range(180, 252, 3)

    def case(tag):
        return f"<h2>Rubrik {tag}.</h2>{_table(tag, 10)}"

    def apart(pages):
        return [t for t in _copies(blanks) if _on(pages, f"Rubrik {t}.") != _on(pages, f"{t}-rad-01")]

    assert apart(_print_cases(tmp_path, "heading", case, blanks)) == []
    assert apart(_print_cases(tmp_path, "heading", case, blanks, off="h2 { break-after: auto !important; }")), \
        "no copy put the heading at the foot of a page: the case does not test the rule"


def test_a_short_table_is_kept_whole(chromium, tmp_path):
    """A table of 10 rows is printed on one page, its header and caption with it."""
    blanks = range(180, 252, 3)

    def case(tag):
        return _table(tag, 10, caption=True)

    def split(pages):
        return [t for t in _copies(blanks)
                if len({p for i in range(1, 11) for p in _on(pages, f"{t}-rad-{i:02d}")}
                       | set(_on(pages, f"Tabell {t}."))) != 1]

    assert split(_print_cases(tmp_path, "short", case, blanks)) == []
    assert split(_print_cases(tmp_path, "short", case, blanks, off="table { break-inside: auto !important; }")), \
        "no copy straddled a page: the case does not test the rule"


def test_a_long_table_splits_between_rows_with_its_header_on_every_page(chromium, tmp_path):
    """A table of 40 rows may split, between rows, its header row on every page it reaches; its
    caption and header never stand at the foot of a page with one row, nor is its last row alone."""
    blanks = [*range(36, 76, 2), *range(216, 256, 2)]

    def case(tag):
        return _table(tag, 40, caption=True)

    def faults(pages):
        out = []
        for t in _copies(blanks):
            rows = [_on(pages, f"{t}-rad-{i:02d}") for i in range(1, 41)]
            if any(len(r) != 1 for r in rows):
                out.append((t, "a row missing or on two pages"))
                continue
            rows = [r[0] for r in rows]
            if rows != sorted(rows) or any(f"Huvud {t}." not in pages[p] for p in set(rows)):
                out.append((t, "rows out of order or a page without the header row"))
            if rows[0] != rows[1] or _on(pages, f"Tabell {t}.") != [rows[0]]:
                out.append((t, "the caption and header with one row at the foot of a page"))
            if rows[-1] != rows[-2]:
                out.append((t, "the last row alone"))
        return out

    pages = _print_cases(tmp_path, "long", case, blanks)
    assert faults(pages) == []
    assert any(len(set(_on(pages, f"{t}-rad-{i:02d}")[0] for i in range(1, 41))) > 1 for t in _copies(blanks)), \
        "no long table split at all"
    off = ("tbody > tr:first-child { break-after: auto !important; } "
           "tbody > tr:last-child { break-before: auto !important; }")
    said = {why for _, why in faults(_print_cases(tmp_path, "long", case, blanks, off=off))}
    assert said == {"the caption and header with one row at the foot of a page", "the last row alone"}, said


# --------------------------------------------------------------------------------------
# the demo's reports
# --------------------------------------------------------------------------------------


def _largest_class() -> str:
    import pandas as pd

    entries = pd.read_csv(DATA_DIR / str(YEAR) / "entries.csv", dtype=str)
    return str(entries["class"].value_counts().index[0])


#: The pages opened here, with their PDFs printed by the run: made with the other modules' pages
#: (conftest.py, ``demo_pages``).
DEMO_PAGES = Wanted(YEAR, {"jury": [_largest_class()], "examiner": [EXAMINER], "trainee": list(TRAINEES),
                           "entry": [ENTRY]}, pdf=True)


@pytest.fixture(scope="module")
def printed(demo_pages) -> dict[str, Path]:
    """The 2024 reports above as HTML with their PDFs beside them, by name ("jury", an examiner code,
    a trainee's session/code, an entry id)."""
    pages = {("jury" if kind == "jury" else name): page for (kind, name), page in demo_pages.of(DEMO_PAGES).items()}
    assert all(p.with_suffix(".pdf").is_file() for p in pages.values())
    return pages


class _Introducers(HTMLParser):
    """The texts of a page's headings, captions, header rows and paragraphs of bold words alone."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[list] = []  # [tag, text] of the elements being read
        self._p: list | None = None  # a paragraph's text and the tags inside it

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4", "caption", "thead"):
            self._open.append([tag, ""])
        if tag == "p":
            self._p = ["", []]
        elif self._p is not None:
            self._p[1].append(tag)

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            kind, text = self._open.pop()
            self.found.append((kind, _norm(text)))
        if tag == "p" and self._p is not None:
            text, children = self._p
            if children == ["strong"]:
                self.found.append(("p strong", _norm(text)))
            self._p = None

    def handle_data(self, data):
        for element in self._open:  # a header row's cells are read with a space between them
            element[1] += data + (" " if element[0] == "thead" else "")
        if self._p is not None:
            self._p[0] += data


def introducers(html: str) -> list[tuple[str, str]]:
    """(what, text) of every heading, caption, header row and pseudo-heading of a page."""
    parser = _Introducers()
    parser.feed(html[html.index("<main"):])
    return [(k, t) for k, t in parser.found if t]


def _ends_with(line: str, text: str) -> bool:
    """Whether a page's last line is ``text``, or its last line when it wraps (two words or more)."""
    return line == text or (len(line.split()) >= 2 and text.endswith(" " + line))


def test_no_page_ends_with_a_heading_a_caption_or_a_header_row(printed):
    for name, page in printed.items():
        found = introducers(page.read_text(encoding="utf-8"))
        assert found, name
        lines = pdf_lines(page.with_suffix(".pdf"))
        ends = [(n, what, p[-1]) for n, p in enumerate(lines[:-1], 1) for what, text in found
                if p and _ends_with(p[-1], text)]
        assert ends == [], f"{name}: page, what and the line that ends it"


def _pages_before(lines: list[list[str]], heading: str) -> int:
    """How many pages the content before ``heading`` takes (the heading's page counts when
    something stands above it)."""
    at = next(n for n, p in enumerate(lines) if heading in p)
    return at if lines[at][0] == heading else at + 1


def test_a_jury_pack_takes_at_most_four_pages_before_the_comments(printed):
    page = printed["jury"]
    heading = next(t for what, t in introducers(page.read_text(encoding="utf-8"))
                   if what == "h2" and "kommentarer" in t)
    lines = pdf_lines(page.with_suffix(".pdf"))
    assert _pages_before(lines, heading) <= 4, f"{len(lines)} pages, the comments on page " \
        f"{next(n for n, p in enumerate(lines, 1) if heading in p)}"


@pytest.mark.parametrize("trainee", TRAINEES)
def test_a_trainees_page_takes_at_most_two_pages(printed, trainee):
    lines = pdf_lines(printed[trainee].with_suffix(".pdf"))
    assert len(lines) <= 2, [p[:2] for p in lines]


def test_sections_flow_on_the_page(printed):
    """No section starts a page of its own: the examiner's page and the letter each have a page
    that holds the end of one section and the heading of the next (the examples of issue 18)."""
    for name in (EXAMINER, ENTRY):
        page = printed[name]
        h2 = [t for what, t in introducers(page.read_text(encoding="utf-8")) if what == "h2"]
        lines = pdf_lines(page.with_suffix(".pdf"))
        shared = [n for n, p in enumerate(lines, 1) for t in h2[1:] if t in p and p[0] != t]
        assert shared, f"{name}: every section starts its own page"
