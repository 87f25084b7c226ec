"""The published decision (``beslut.html``) in the words the city publishes its winners with:
per class "Vinnare: …" or that no prize is given, "Hedersomnämnande: …", each followed by
"Motivering: …" in its paragraphs, after the outcome of every class in one list (the page's first
screen, issue 18). No number from the model and no examiner's code: the page shows only what
``decisions.csv`` and the entries' names say.
"""

from __future__ import annotations

from ...data.decisions import DECISIONS_FILE, paragraphs
from ...presentation import render
from ...presentation.labels import demo_note
from .decision import ClassDecision, Decision

__all__ = ["intro", "summary", "awards", "committee"]


def intro(dec: Decision) -> render.Block:
    """What the document is, or that the year has no decision yet."""
    if dec.decisions is None:
        return render.paragraph(
            "Inget beslut är registrerat för {year}: årets datamapp har ingen {file}.", year=dec.year,
            file=render.code(DECISIONS_FILE))
    return render.group(
        render.paragraph(
            "Juryn har utsett vinnarna i Stockholms stads kvalitetsutmärkelse {year}. Här följer "
            "juryns beslut klass för klass: vinnaren, eller att inget pris delas ut, och de "
            "hedersomnämnanden som juryn har beslutat om, var och en med sin motivering.", year=dec.year),
        demo_note() if dec.demo else None,
    )


def _outcome(dec: Decision, c: ClassDecision) -> render.Inline:
    """"Förskola: vinnare Förskolan X; hedersomnämnande: Förskolan Y" (names only, as published)."""
    label = render.strong("{label}:", label=dec.rubric.class_label(c.class_id))
    won = (render.text("vinnare {name}", name=dec.name(c.winner)) if c.winner is not None
           else "inget pris" if c.no_prize else render.MISSING)
    if not c.mentions:
        return render.text("{label} {won}", label=label, won=won)
    return render.text("{label} {won}; {mention}: {names}", label=label, won=won,
                       mention="hedersomnämnanden" if len(c.mentions) > 1 else "hedersomnämnande",
                       names=render.join([dec.name(e) for e in c.mentions]))


def summary(dec: Decision) -> render.Block | None:
    """The decision of every class in one list, in the rubric's order: the winner or "inget pris",
    and the honourable mentions (None without a decision)."""
    if dec.decisions is None:
        return None
    return render.group(render.paragraph("Beslutet klass för klass, med motiveringarna längre ned:"),
                        render.bullets([_outcome(dec, c) for c in dec.classes]))


def _motivation(text: str) -> list[render.Block]:
    """"Motivering: " before the first paragraph, the others as they are."""
    parts = paragraphs(text)
    if not parts:
        return []
    first = render.paragraph("{m} {text}", m=render.strong("Motivering:"), text=parts[0])
    return [first, *(render.paragraph("{text}", text=p) for p in parts[1:])]


def _class(dec: Decision, c: ClassDecision) -> render.Block:
    label = dec.rubric.class_label(c.class_id)
    blocks = [render.heading("{label}", label=label)]
    if c.winner is not None:
        blocks.append(render.paragraph("{w} {unit}", w=render.strong("Vinnare:"), unit=dec.unit(c.winner)))
        blocks += _motivation(c.rows[c.winner]["motivation"])
    elif c.no_prize:
        blocks.append(render.paragraph("{w} Juryn delar inte ut något pris i klassen {label} i år.",
                                       w=render.strong("Ingen vinnare:"), label=label))
        blocks += _motivation(c.rows[None]["motivation"])
    for eid in c.mentions:
        blocks.append(render.paragraph("{h} {unit}", h=render.strong("Hedersomnämnande:"), unit=dec.unit(eid)))
        blocks += _motivation(c.rows[eid]["motivation"])
    return render.group(*blocks)


def awards(dec: Decision) -> render.Block | None:
    """Every decided class in the rubric's order: its winner or that no prize is given, its
    honourable mentions, each with its motivation (None without a decision)."""
    if dec.decisions is None:
        return None
    return render.group(*(_class(dec, c) for c in dec.classes))


def committee(dec: Decision) -> render.Block | None:
    """Who decided (None without a decision)."""
    if dec.decisions is None:
        return None
    return render.paragraph(
        "Beslutet är fattat av juryn (domarkommittén) för Stockholms stads kvalitetsutmärkelse {year}. Juryn "
        "består av förvaltnings- och bolagschefer samt representanter för organisationer eller högskola. "
        "Stadsdirektören är ordförande i juryn.", year=dec.year)
