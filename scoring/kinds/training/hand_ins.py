"""The trainees' hand-ins as the trainer's screen shows them: in Swedish, by code, and never
with what a trainee typed.

The trainer's report is projected to the room. A problem in a hand-in is therefore said by
the trainee's code (``T03``) and the place in the template (sheet and cell, or row and
column of a CSV file), never with the cell's text, a typed value or the file's name (a file
may be named after a person, and a code cell may hold a name). The full messages, file names
included, are what ``scoring validate`` prints on the trainer's own terminal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ...data.scores import code_problem
from ...data.sessions import HandIn, TrainingSession
from ...presentation import render
from ...problems import Problem

__all__ = ["HandInLine", "hand_in_lines", "hand_in_table", "hand_ins", "problem_sv", "who"]

#: (pattern in the reader's English message, the problem in Swedish). The first that matches
#: is used; none of the Swedish texts holds anything from the file.
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"a formula .*in a score cell", "en poäng är en formel, inte ett tal"),
    (r"in a score cell|score '.*' is not a number", "en poäng är inte ett tal"),
    (r"is outside the scale", "en poäng ligger utanför skalan"),
    (r"is not on the scale's step", "en poäng ligger inte på skalans steg"),
    (r"in a comment cell", "en kommentar är en formel"),
    (r"the trainee's code is blank|examiner_id is blank", "koden saknas"),
    (r"a formula where your code goes", "koden är en formel"),
    (r"looks like a person's name", "koden ser ut som ett namn"),
    (r"looks like an e-mail address", "koden ser ut som en e-postadress"),
    (r"is reserved for|reserved word", "koden är ett reserverat ord, inte en deltagares kod"),
    (r"the trainee code|is not a code", "koden är inte en giltig kod"),
    (r"code .* is also in", "samma kod finns i ett annat protokoll: båda lämnas utanför tills det ena är borttaget"),
    (r"award scorebook", "filen är ett protokoll för utmärkelsen, inte för utbildningen"),
    (r"save it as an Excel workbook", "filen är inte sparad som Excel-arbetsbok, .xlsx"),
    (r"is not in reference\.csv", "poäng på ett övningsfall som inte finns i referensen"),
    (r"holds individual scores only", "filen har andra poäng än deltagarens egna"),
    (r"not a scorebook made by|hidden sheet .* was changed", "filen är inte ett oförändrat protokoll från mallen"),
    (r"this scorebook is for", "protokollet är gjort för ett annat år"),
    (r"of the template is missing", "ett av mallens blad saknas eller har bytt namn"),
    (r"not part of the template", "ett blad som inte hör till mallen läses inte"),
    (r"are merged", "sammanfogade celler där mallen läser"),
    (r"content .* where the template has none", "något är ifyllt utanför mallens celler"),
    (r"a key of this scoring row", "en rad i mallen har ändrats"),
    (r"no scores filled in", "inga poäng ifyllda"),
    (r"made for session", "protokollet gjordes för en annan utbildning"),
    (r"a comment without a score", "en kommentar utan poäng tas inte med"),
)
#: When no pattern matches.
_OTHER = "ett fel i protokollet"


@dataclass(frozen=True)
class HandInLine:
    """One hand-in as the trainer's screen shows it.

    ``who``: the trainee's code(s), or a Swedish phrase for a file without a usable code;
    ``accepted``: whether it counts; ``n_scores``: scores read; ``problems``: each problem in
    Swedish with its place, errors first.
    """

    who: str
    has_code: bool
    accepted: bool
    n_scores: int
    problems: tuple[str, ...]


def who(h: HandIn) -> tuple[str, bool]:
    """The hand-in's valid trainee codes joined by ", " and True; or "en fil utan giltig kod"
    and False (a code that is no valid code may be a name: it is never shown)."""
    codes = [c for c in h.codes if code_problem(c, person="trainee") is None]
    if codes:
        return ", ".join(codes), True
    return "en fil utan giltig kod", False


def problem_sv(p: Problem, sheets: set[str]) -> str:
    """One problem in Swedish with its place in the template, nothing from the file.

    ``sheets`` are the sheet names that may be shown (the template's own: the training
    cases and the instructions); a sheet by any other name is a sheet the trainee added
    and is not named.
    """
    text = next((sv for pattern, sv in _MESSAGES if re.search(pattern, p.message)), _OTHER)
    if p.severity == "note":
        text = "anmärkning: " + text
    where = ""
    if p.sheet is not None and p.sheet in sheets:
        where = f"blad {p.sheet}" + (f", cell {p.cell}" if p.cell and re.fullmatch(r"[A-Z]{1,3}[0-9]{1,7}", p.cell)
                                    else "")
    elif p.sheet is not None:
        where = "ett blad som inte hör till mallen"
    elif p.row is not None:
        where = f"rad {p.row}" + (f", kolumn {p.column}" if p.column and re.fullmatch(r"[a-z_]{1,30}", p.column)
                                  else "")
    return f"{text} ({where})" if where else text


def hand_in_lines(session: TrainingSession) -> list[HandInLine]:
    """Every hand-in of the session, left-out ones first, then by code (see :class:`HandInLine`)."""
    from ...scorebook.layout import INSTRUCTIONS_SHEET  # the scorebook package only when it is needed

    sheets = {*map(str, session.cases), INSTRUCTIONS_SHEET}
    lines = []
    for h in session.hand_ins:
        name, has_code = who(h)
        said = list(dict.fromkeys(problem_sv(p, sheets) for p in sorted(h.problems, key=lambda p: not p.is_error)))
        # a problem said without a place is left out when the same is said with one (the reader and the
        # session may both name a bad code)
        placed = {t.split(" (")[0] for t in said if t.endswith(")")}
        said = [t for t in said if t.endswith(")") or t not in placed]
        lines.append(HandInLine(name, has_code, h.accepted, h.n_scores, tuple(said)))
    return sorted(lines, key=lambda x: (x.accepted, not x.has_code, x.who))


def hand_in_table(session: TrainingSession) -> pd.DataFrame:
    """One row per hand-in: ``codes``, ``n_scores``, ``status`` ("med" or "utelämnad") and
    ``problems`` (Swedish, one per line). No file name and nothing the trainee typed."""
    rows = [{"codes": x.who, "n_scores": x.n_scores, "status": "med" if x.accepted else "utelämnad",
             "problems": "\n".join(x.problems)} for x in hand_in_lines(session)]
    return pd.DataFrame(rows, columns=["codes", "n_scores", "status", "problems"])


def hand_ins(session: TrainingSession, show_trainees: bool = False) -> render.Block:
    """The trainer's section on the hand-ins: how many count, and each problem by code.

    Without ``show_trainees`` only the hand-ins with a problem are listed; with it, every
    hand-in (a table). Nothing the trainee typed is shown (see the module docstring).
    """
    lines = hand_in_lines(session)
    left_out = [x for x in lines if not x.accepted]
    noted = [x for x in lines if x.accepted and x.problems]
    n = len(lines)
    if not n:
        return render.paragraph("Inga protokoll inlämnade än. Deltagarna lägger sina ifyllda övningsprotokoll i "
                                "utbildningens mapp; kör om rapporten så kommer de med.")
    blocks = []
    if not left_out:
        blocks.append(render.paragraph("Alla {n} inlämnade protokoll räknas med.", n=n))
    else:
        blocks.append(render.paragraph(
            "{ok} av {n} inlämnade protokoll räknas med; {k} lämnas utanför tills "
            + ("de är rättade" if len(left_out) > 1 else "det är rättat")
            + ". Rätta protokollet, lägg det i mappen igen och kör om rapporten.",
            ok=n - len(left_out), n=n, k=len(left_out)))
    listed: dict[tuple, int] = {}  # the same code's two files with the same problem: one line
    for x in left_out + noted:
        key = (x.who, x.has_code, x.problems)
        listed[key] = listed.get(key, 0) + 1
    if listed:
        blocks.append(render.bullets([
            render.text("{who}" + (" ({k} filer)" if k > 1 else "") + ": {problems}.", who=_who(name, has_code), k=k,
                        problems="; ".join(problems) or _OTHER)
            for (name, has_code, problems), k in listed.items()]))
    if left_out:
        blocks.append(render.paragraph(
            "Filnamnen och felen i detalj visar {cmd} med utbildningens mapp, på utbildarens egen dator. Här "
            "visas de inte: ett filnamn eller en kodcell kan innehålla ett namn.", css="note",
            cmd=render.code("scoring validate")))
    if show_trainees:
        from ...presentation.labels import show

        blocks.append(show(hand_in_table(session), session.rubric))
    return render.group(*blocks)


def _who(name: str, has_code: bool) -> render.Inline:
    if has_code:
        return render.join([render.code(c) for c in name.split(", ")])
    return render.text("{w}", w=name[0].upper() + name[1:])
