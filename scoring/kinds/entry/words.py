"""The letter's Swedish words: plain prose addressed to the unit, as
:mod:`scoring.presentation.render` blocks (every text from the data escaped).

No score numbers (the rubric's named bands only), no examiner code, no other entry, no ranking
place and none of the examiner-effect model's words: the letter speaks of levels (*nivå*), the
team's strengths (*styrkor*) and areas for development (*utvecklingsområden*), and the quarter of
the class the entry is in.
"""

from __future__ import annotations

from ...disclosure import POOL_FROM
from ...presentation import render
from ...presentation.labels import COLUMNS_SV, demo_note
from .letter import EntryLetter

__all__ = ["CHANGE_SV", "QUARTER_SV", "bands", "criteria", "development", "heading", "next_steps", "position",
           "question_line", "summary"]

#: The development of a criterion's level since the last participation.
CHANGE_SV = {"higher": "högre nivå", "same": "samma nivå", "lower": "lägre nivå"}
#: Where the entry stands among the others of its class (1: the top quarter).
QUARTER_SV = {1: "den översta fjärdedelen", 2: "den näst översta fjärdedelen", 3: "den näst nedersta fjärdedelen",
              4: "den nedersta fjärdedelen"}


def _label(letter: EntryLetter, criterion: str) -> str:
    return letter.rubric.criterion_label(criterion)


def _and(items: list) -> render.Inline:
    """``a``, ``a och b``, ``a, b och c`` (values escaped)."""
    items = list(items)
    if len(items) <= 1:
        return render.join(items)
    return render.text("{head} och {last}", head=render.join(items[:-1]), last=items[-1])


def _visited(letter: EntryLetter) -> bool:
    return bool((letter.criteria["stage"] == "site_visit").any())


def heading(letter: EntryLetter) -> render.Block:
    """The letter's opening (its first screen, issue 18): to whom, for which year, what it holds and the
    overall level (:attr:`EntryLetter.overall`)."""
    blocks = [
        render.heading("{name}, {year:d}", name=letter.name, year=letter.year),
        render.paragraph(
            "Tack för ert bidrag {code} till Stockholms stads kvalitetsutmärkelse {year:d}, i klassen {cls}. "
            "Examinatorerna har bedömt bidraget, först var för sig och sedan tillsammans i ett lag"
            + (", och besökt er verksamhet" if _visited(letter) else "") + ". Det här är lagets skriftliga "
            "återföring till er.",
            year=letter.year, code=render.code(letter.entry_id), cls=letter.rubric.class_label(letter.class_id)),
    ]
    if letter.overall is not None:
        blocks.append(render.paragraph(
            "Sammantaget, med alla kriterier vägda samman enligt bedömningsmallen, ligger ert bidrag på nivån "
            "{band}. Nivån på varje kriterium, med lagets styrkor och utvecklingsområden, står här nedanför.",
            band=render.strong("{b}", b=letter.overall)))
    if letter.demo:
        blocks.append(demo_note())
    return render.group(*blocks)


def bands(letter: EntryLetter) -> render.Block:
    """The rubric's named levels, lowest first."""
    levels = [b.label_sv for b in letter.rubric.scale.bands]
    if not levels:
        return render.paragraph("Bedömningsmallen har inga namngivna nivåer.")
    return render.group(
        render.paragraph("Varje kriterium bedöms på en skala med {n} nivåer, från den lägsta till den högsta:",
                         n=len(levels)),
        render.bullets(levels),
    )


def summary(letter: EntryLetter) -> render.Block:
    """A table of the level per criterion, with where the level comes from."""
    df = letter.criteria.assign(criterion=letter.criteria["criterion"].map(letter.rubric.criterion_label))
    blocks: list[render.Block] = [render.Table(df[["criterion", "band"]], headers=COLUMNS_SV,
                                               caption="Nivå per kriterium")]
    if _visited(letter):
        blocks.append(render.paragraph(
            "Där laget har bedömt ett kriterium igen efter platsbesöket är det den bedömningen som gäller här.",
            css="note"))
    return render.group(*blocks)


def _band_sentence(band) -> render.Block:
    if band is None or not isinstance(band, str):
        return render.paragraph("Laget har inte gett det här kriteriet någon nivå.")
    return render.paragraph("Nivå: {band}.", band=render.strong("{b}", b=band))


def criteria(letter: EntryLetter) -> render.Block:
    """Per criterion: its level, then the team's strengths and areas for development, one point each.

    A heading is shown only above points: where the team wrote neither, one neutral sentence says so."""
    blocks: list[render.Block] = []
    for _, row in letter.criteria.iterrows():
        blocks.append(render.heading("{label}", level=3, label=_label(letter, row["criterion"])))
        blocks.append(_band_sentence(row["band"]))
        for column in ("strengths", "improvements"):
            if row[column]:
                blocks.append(render.heading("{h}", level=4, h=COLUMNS_SV[column]))
                blocks.append(render.bullets(list(row[column])))
        if not row["strengths"] and not row["improvements"]:
            blocks.append(render.paragraph("Laget har inga skriftliga kommentarer till det här kriteriet."))
    return render.group(*blocks)


def position(letter: EntryLetter) -> render.Block:
    """The quarter of the class the entry is in, or one sentence why it is not shown."""
    p = letter.position
    cls = letter.rubric.class_label(letter.class_id)
    if p.quarter is not None:
        return render.group(
            render.paragraph(
                "Räknat på alla kriterier tillsammans ligger ert bidrag i {quarter} av de {n} andra bidragen i "
                "klassen {cls}.", quarter=render.strong("{q}", q=QUARTER_SV[p.quarter]), n=p.others, cls=cls),
            render.paragraph("Vi visar bara vilken fjärdedel ni hör till, aldrig andra bidrags namn eller "
                             "bedömningar.", css="note"),
        )
    if p.others == 0:
        return render.paragraph("I klassen {cls} finns i år inget annat bidrag att jämföra med, så ert läge i "
                                "klassen visas inte.", cls=cls)
    return render.paragraph(
        "I klassen {cls} finns i år bara {n} " + ("annat bidrag" if p.others == 1 else "andra bidrag")
        + " att jämföra med, färre än {k}, och med så få skulle ert läge i klassen kunna avslöja andras "
        "bedömningar, så det visas inte.", cls=cls, n=p.others, k=POOL_FROM)


def development(letter: EntryLetter) -> render.Block:
    """The level per criterion at the last participation beside this year's, and the change in words."""
    d = letter.development
    blocks: list[render.Block] = []
    if d.earlier_year is None:
        if d.unreadable:
            blocks.append(render.paragraph(
                "Ni deltog också {years}, men uppgifterna från det året kan inte läsas just nu, så er utveckling "
                "visas inte.", years=_and([str(y) for y in d.unreadable])))
        else:
            blocks.append(render.paragraph(
                "Vi har inga uppgifter om att er verksamhet har deltagit i utmärkelsen tidigare år, så det finns "
                "ingen tidigare bedömning att jämföra med."))
        return render.group(*blocks)
    blocks.append(render.paragraph("Ni deltog senast {y0:d}. Så här har nivån på varje kriterium ändrats sedan dess.",
                                   y0=d.earlier_year))
    df = d.rows.assign(criterion=d.rows["criterion"].map(letter.rubric.criterion_label),
                       change=d.rows["change"].map(lambda c: CHANGE_SV.get(c) if isinstance(c, str) else None))
    # "change" is the level's change here, not the glossary's change of an examiner's generosity
    headers = COLUMNS_SV | {"earlier_band": f"Nivå {d.earlier_year}", "band": f"Nivå {letter.year}",
                            "change": "Förändring"}
    blocks.append(render.Table(df[["criterion", "earlier_band", "band", "change"]], headers=headers,
                               caption=render.text("Nivå per kriterium {y0:d} och {y:d}", y0=d.earlier_year,
                                                   y=letter.year)))
    said = []
    for change, words in (("higher", "Högre nivå än {y0:d}: {which}."), ("same", "Samma nivå som {y0:d}: {which}."),
                          ("lower", "Lägre nivå än {y0:d}: {which}.")):
        which = [_label(letter, c) for c in d.rows.loc[d.rows["change"] == change, "criterion"]]
        if which:
            said.append(render.text(words, y0=d.earlier_year, which=_and(which)))
    if said:
        blocks.append(render.paragraph("{s}", s=render.join(said, " ")))
    if d.rows["change"].isna().any():
        blocks.append(render.paragraph("Där förändringen saknas (–) kan nivåerna inte jämföras: ett av åren saknar "
                                       "nivå för kriteriet, eller nivåerna har ändrats sedan dess.", css="note"))
    if d.unreadable:
        blocks.append(render.paragraph("Ni deltog också {years}, men uppgifterna från det året kan inte läsas just "
                                       "nu.", css="note", years=_and([str(y) for y in d.unreadable])))
    return render.group(*blocks)


def question_line(letter: EntryLetter, question: int) -> render.Inline:
    """"Fråga 5. Våra ledarskapsbeteenden …" where the rubric gives the wording, else "Fråga 11"."""
    text = letter.rubric.question_text(question)
    if text:
        return render.text("Fråga {q:d}. {text}", q=question, text=text)
    return render.text("Fråga {q:d}", q=question)


def next_steps(letter: EntryLetter) -> render.Block:
    """The rubric's questions of the two weakest criteria, as where to look next."""
    weakest = letter.weakest
    if not weakest:
        return render.paragraph("Inget kriterium har fått någon nivå, så det finns inget att peka ut här.")
    names = [_label(letter, c) for c in weakest]
    lead = ("Ert kriterium med lägst nivå i år är {which}." if len(weakest) == 1
            else "Era två kriterier med lägst nivå i år är {which}.")
    blocks = [render.paragraph(lead + " Tävlingsunderlagets frågor till " + ("det" if len(weakest) == 1 else "dem")
                               + " är en bra utgångspunkt för ert fortsatta arbete: vad svarar ni på dem i dag, och "
                               "vad skulle ni vilja kunna svara om ett år?", which=_and(names))]
    bands = dict(zip(letter.criteria["criterion"], letter.criteria["band"], strict=True))
    wording_missing = False
    for c in weakest:
        band = bands.get(c)
        if isinstance(band, str):
            blocks.append(render.heading("{label} – {band}", level=3, label=_label(letter, c), band=band))
        else:
            blocks.append(render.heading("{label}", level=3, label=_label(letter, c)))
        questions = letter.rubric.criterion(c).questions
        wording_missing |= any(letter.rubric.question_text(q) is None for q in questions)
        if questions:
            blocks.append(render.bullets([question_line(letter, q) for q in questions]))
    if wording_missing:
        blocks.append(render.paragraph("Där frågans lydelse inte står här, se frågan med samma nummer i "
                                       "tävlingsunderlaget.", css="note"))
    return render.group(*blocks)
