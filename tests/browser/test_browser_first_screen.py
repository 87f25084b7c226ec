"""The first screen of the reports other than the training's and the calibration report (issue 18):
in Chromium, the top 768 px of the page at 1024 px wide, and at 1280 px, hold the sentences its
reader opens it for, and the page never scrolls sideways.

=================  ==============================================================================
kind               on the first screen
=================  ==============================================================================
jury               "Vem leder?", "Hur säkert är det?", "Vad skulle ändra svaret?" with their answers
                   (every class of 2024)
jury_overview      each class's leader: its row of the table of leaders, naming the leader
examiner           their generosity and what to do about it (E14, read as average; E39, among the
                   strictest, the longest advice; E45, the longest reading)
decision           the decision of every class: winner or no prize, honourable mentions
decision_record    the decision of every class: its row of the table of all classes
entry              whom the letter is for (the unit's name, "Tack för ert bidrag <code>") and the
                   overall level (2024-01; 2024-16, visited; 2024-26, of the longest class name)
=================  ==============================================================================

What must stand there is read from the data here (the classes, the decisions, the leaders) or from
the package's own reading (the examiner's generosity), so that a page that drops or moves it fails.
The training kinds' first screens are tested in ``test_browser_first_screen_training.py``.
Screenshots of every first screen go to the browser artifacts folder.
"""

from __future__ import annotations

import csv

import pytest
from browser_support import artifacts_dir, block_boxes
from demo_pages import Wanted

from scoring.paths import DATA_DIR

YEAR = 2024
HEIGHT = 768
WIDTHS = (1024, 1280)
EXAMINERS = ("E14", "E39", "E45")
ENTRIES = ("2024-01", "2024-16", "2024-26")
QUESTIONS = ("Vem leder?", "Hur säkert är det?", "Vad skulle ändra svaret?")


def _classes() -> list[str]:
    with open(DATA_DIR / str(YEAR) / "entries.csv", encoding="utf-8") as f:
        return sorted({r["class"] for r in csv.DictReader(f)})


CLASSES = _classes()


#: The pages opened here, made with the other modules' (conftest.py, ``demo_pages``).
DEMO_PAGES = Wanted(YEAR, {"jury": CLASSES, "jury_overview": None, "examiner": EXAMINERS, "decision": ["beslut"],
                           "decision_record": ["beslut-underlag"], "entry": ENTRIES})


@pytest.fixture(scope="module")
def pages(demo_pages) -> dict[tuple[str, str], object]:
    """The 2024 pages by (kind, name)."""
    return demo_pages.of(DEMO_PAGES)


def _open(open_page, path, width: int, shot: str):
    """The page at ``width`` × 768, its screenshot written, after checking it never scrolls sideways."""
    o = open_page(path, viewport={"width": width, "height": HEIGHT})
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    o.page.screenshot(path=str(folder / f"{shot}-first-screen-{width}.png"))
    scroll, inner = o.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{shot} scrolls sideways at {width} px: {scroll} px wide"
    return o


def _above(boxes: list[dict], what: str) -> dict:
    """The first box whose text starts with ``what`` (in document order: the table of every class comes
    before the sections), checked to end on the first screen."""
    found = [b for b in boxes if " ".join(b["text"].split()).startswith(what)]
    assert found, f"nothing starts with {what!r}"
    assert found[0]["bottom"] <= HEIGHT, f"{what!r} ends at {found[0]['bottom']:.0f} px, below the first screen"
    return found[0]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("cls", CLASSES)
def test_a_jury_pack_answers_the_three_questions_on_its_first_screen(pages, open_page, cls, width):
    o = _open(open_page, pages[("jury", cls)], width, f"jury-{cls}")
    paragraphs = block_boxes(o.page, "main > p")
    for question in QUESTIONS:
        answer = _above(paragraphs, question)["text"]
        assert len(answer.split()) > len(question.split()) + 3, f"{question} has no answer: {answer!r}"


def _leaders() -> dict[str, str]:
    from scoring.kinds.jury.pack import year_tables

    ranking = year_tables(YEAR, DATA_DIR)[0]
    lead = ranking[ranking["leader"].astype(bool)]
    return dict(zip(lead["class"], lead["entry_id"], strict=True))


@pytest.mark.parametrize("width", WIDTHS)
def test_the_jury_overview_names_every_leader_on_its_first_screen(pages, open_page, width):
    from scoring.rubric import load_rubric

    rubric = load_rubric(year=YEAR)
    o = _open(open_page, pages[("jury_overview", None)], width, "jury-overview")
    rows = block_boxes(o.page, "main table tbody tr")
    for cls, leader in _leaders().items():
        row = _above(rows, rubric.class_label(cls))
        assert leader in row["text"], (cls, row["text"])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("code", EXAMINERS)
def test_an_examiners_first_screen_holds_their_generosity_and_what_to_do(pages, open_page, code, width):
    from scoring.kinds.examiner import feedback

    said, todo = feedback.generosity(feedback.examiner_feedback(YEAR, code, DATA_DIR))
    o = _open(open_page, pages[("examiner", code)], width, f"examiner-{code}")
    paragraphs = block_boxes(o.page, "main > p")
    assert " ".join(said.split()) in " ".join(_above(paragraphs, "Generositet:")["text"].split())
    assert todo, "every examiner of the sample has advice"
    assert " ".join(todo.split()) in " ".join(_above(paragraphs, "Vad du kan göra:")["text"].split())


def _decisions() -> list[dict]:
    with open(DATA_DIR / str(YEAR) / "decisions.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _entry_names() -> dict[str, str]:
    with open(DATA_DIR / str(YEAR) / "entries.csv", encoding="utf-8") as f:
        return {r["entry_id"]: r["name"] for r in csv.DictReader(f)}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_decisions_first_screen_holds_every_classs_decision(pages, open_page, width):
    from scoring.rubric import load_rubric

    rubric, names = load_rubric(year=YEAR), _entry_names()
    o = _open(open_page, pages[("decision", "beslut")], width, "beslut")
    items = block_boxes(o.page, "main li")
    decided = _decisions()
    for cls in dict.fromkeys(r["class"] for r in decided):
        text = " ".join(_above(items, rubric.class_label(cls) + ":")["text"].split())
        for r in (r for r in decided if r["class"] == cls):
            said = {"vinnare": f"vinnare {names.get(r['entry_id'])}", "inget_pris": "inget pris",
                    "hedersomnamnande": names.get(r["entry_id"])}[r["award"]]
            assert said in text, (cls, said, text)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_records_first_screen_holds_every_classs_decision(pages, open_page, width):
    from scoring.rubric import load_rubric

    rubric = load_rubric(year=YEAR)
    o = _open(open_page, pages[("decision_record", "beslut-underlag")], width, "beslut-underlag")
    rows = block_boxes(o.page, "main table tbody tr")
    decided = _decisions()
    for cls in dict.fromkeys(r["class"] for r in decided):
        text = _above(rows, rubric.class_label(cls))["text"]
        winner = next((r["entry_id"] for r in decided if r["class"] == cls and r["award"] == "vinnare"), None)
        assert (f"vinnare {winner}" if winner else "inget pris") in text, (cls, text)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("entry", ENTRIES)
def test_a_letters_first_screen_says_whom_it_is_for_and_the_overall_level(pages, open_page, entry, width):
    from scoring.rubric import load_rubric

    bands = [b.label_sv for b in load_rubric(year=YEAR).scale.bands]
    o = _open(open_page, pages[("entry", entry)], width, f"entry-{entry}")
    _above(block_boxes(o.page, "main > h2"), _entry_names()[entry])
    paragraphs = block_boxes(o.page, "main > p")
    _above(paragraphs, f"Tack för ert bidrag {entry} ")
    overall = _above(paragraphs, "Sammantaget")["text"]
    assert [b for b in bands if f"nivån {b}." in overall], overall
