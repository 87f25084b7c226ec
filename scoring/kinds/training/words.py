"""Swedish prose and tables for the training reports: the trainer's and each trainee's.

The counterpart of :mod:`scoring.presentation.labels` for :mod:`scoring.kinds.training.session`: everything comes
back as :mod:`scoring.presentation.render` blocks (escaped, Swedish numbers). A trainee's blocks name
nobody but the trainee: the others appear only as means where these give no one away and as
quartiles (:mod:`scoring.disclosure`).
"""

from __future__ import annotations

import math

from ...disclosure import AT_LEAST, POOL_FROM
from ...presentation import render
from ...presentation.labels import show
from .session import TraineeFeedback, TrainingSession

__all__ = ["summary", "trainee_heading", "trainee_scores", "level_and_profile", "criterion_advice",
           "own_comments"]


#: Tolerance when a value is compared with a share of the scale step (sqrt(200 - 100) is not
#: exactly 10 in floating point).
_TOL = 1e-9


def _within(x: float, limit: float) -> bool:
    """|x| <= limit, allowing for rounding."""
    return abs(x) <= limit * (1 + _TOL) + _TOL


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _cases(cases: list[str]) -> render.Inline:
    return render.join([render.code(c) for c in cases])


def summary(session: TrainingSession) -> render.Block:
    """The trainer's opening: the session and year, what has been handed in so far."""
    s = session.rubric.scale
    files = len(session.hand_ins)
    left_out = files - sum(h.accepted for h in session.hand_ins)
    text = ("{files} " + _plural(files, "inlämnad fil", "inlämnade filer") + ", {trainees} deltagare med")
    if left_out:
        text += ", {left_out} " + _plural(left_out, "fil utelämnad", "filer utelämnade") + " (se nedan)"
    text += (". " + ("Övningsfall" if len(session.cases) > 1 else "Övningsfallet")
             + ": {cases}; {criteria} kriterier; skala {lo}–{hi} i steg om {step}.")
    return render.group(
        render.heading("Utbildning {session} {year}", session=session.name, year=session.year),
        render.paragraph(text, files=files, trainees=len(session.trainees), left_out=left_out,
                         cases=_cases(session.cases), criteria=session.reference["criterion"].nunique(),
                         lo=s.min, hi=s.max, step=s.step),
    )


def trainee_heading(fb: TraineeFeedback) -> render.Block:
    """A trainee page's opening: session, year and the trainee's code; what the page compares."""
    a = fb.accuracy
    blocks = [
        render.heading("Utbildning {session} {year}: återkoppling till {code}", session=fb.session, year=fb.year,
                       code=render.code(fb.code)),
        render.paragraph(
            "Dina poäng på " + ("övningsfallen" if len(fb.cases) > 1 else "övningsfallet")
            + " {cases} jämförda med referensbedömningen, som erfarna examinatorer har enats om, och med "
            "de {n} andra deltagarna. De visas bara som medelvärden och kvartiler, aldrig med någon annans kod "
            "eller poäng.",
            cases=_cases(fb.cases), n=fb.group["n_trainees"] - 1),
    ]
    if int(a["n_scores"]) < int(a["n_reference"]):
        blocks.append(render.paragraph(
            "Du satte poäng på {n} av {k} kriterier; de tomma räknas inte (en tom cell är ingen poäng).",
            css="note", n=int(a["n_scores"]), k=int(a["n_reference"])))
    return render.group(*blocks)


def trainee_scores(fb: TraineeFeedback) -> render.Block:
    """The trainee's scores per case and criterion, the reference and the others' mean (a table)."""
    columns = ["criterion", "score", "reference", "difference", "others_mean", "other_trainees"]
    if len(fb.cases) > 1:
        columns = ["entry_id", *columns]
    table = show(fb.scores[columns], fb.rubric, precision={"others_mean": 1, "difference": 0})
    if ((fb.scores["shown"] == "count") & (fb.scores["other_trainees"] > 0)).any():
        note = render.paragraph(
            "Övrigas medel visas bara där det inte går att räkna ut någons poäng ur det: minst {k} olika "
            "uppsättningar poäng ska passa medlet och ingen poäng får vara säkert given; annars visas bara "
            "antalet.", css="note", k=AT_LEAST)
        return render.group(table, note)
    return table


def _signed(x: float, precision: int = 1) -> str:
    return render.number(x, precision, sign=True)


def level_and_profile(fb: TraineeFeedback) -> render.Block:
    """The trainee's level (elevation) and profile accuracy in plain Swedish: what each
    means, where the trainee stands against the group, and what to practise."""
    a, g, step = fb.accuracy, fb.group, fb.step
    e, pe = float(a["elevation"]), float(a["profile_error"])
    blocks = []
    if math.isnan(e):
        return render.paragraph("Du har inte satt någon poäng som kan jämföras med referensen.")
    if _within(e, step / 2):
        level = ("{lead} dina poäng låg i medel {e} poäng från referensen, alltså nära referensens nivå "
                 "(inom ett halvt skalsteg). Du varken höjer eller sänker generellt.")
    elif e > 0:
        level = ("{lead} dina poäng låg i medel {e} poäng över referensen: du bedömer generöst. Öva på att hitta "
                 "belägg i bidragstexten för varje poäng innan du sätter den, och jämför med skalans "
                 "nivåbeskrivningar: en hög poäng kräver att arbetssättet är utvärderat och förbättrat, inte "
                 "bara beskrivet.")
    else:
        level = ("{lead} dina poäng låg i medel {e} poäng under referensen: du bedömer strängt. Öva på att ge "
                 "poäng för det som bidraget faktiskt visar, och jämför med skalans nivåbeskrivningar: leta "
                 "efter styrkor lika noga som efter utvecklingsområden.")
    blocks.append(render.paragraph(level, lead=render.strong("Nivå:"), e=_signed(e)))
    blocks.append(_among_others("nivå", g["elevation"], sign=True))

    if _within(pe, step / 2):
        profile = ("{lead} du skiljer fallets starka kriterier från de svaga ungefär som referensen (profilfel "
                   "{pe} poäng). Fortsätt att jämföra kriterierna med varandra innan du bestämmer dig.")
    elif _within(pe, step):
        profile = ("{lead} din profil över kriterierna liknar referensens, men på några kriterier ligger du "
                   "annorlunda till än på de andra (profilfel {pe} poäng). Se kriterierna nedan.")
    else:
        profile = ("{lead} din profil skiljer sig tydligt från referensens (profilfel {pe} poäng): du ser inte "
                   "riktigt samma starka och svaga sidor i fallet som referensen. Öva på att först rangordna "
                   "kriterierna från starkast till svagast utifrån bidragstexten och sedan sätta poäng som "
                   "följer den ordningen.")
    blocks.append(render.paragraph(profile, lead=render.strong("Profil:"), pe=render.number(pe, 1)))
    blocks.append(render.paragraph(
        "Nivån är medelvärdet av dina avvikelser från referensen (över 0: generösare, under 0: strängare). "
        "Profilfelet är det som återstår av avståndet till referensen när nivån räknats bort, det vill säga hur "
        "väl du skiljer fallets starka kriterier från de svaga. Utbildning brukar rätta till nivån snabbare än "
        "profilen, därför visas de var för sig."))
    blocks.append(_among_others("profilfel", g["profile_error"], sign=False))
    blocks.append(render.paragraph(
        "{share:.0%} av dina poäng låg högst ett skalsteg ({step} poäng) från referensen.",
        share=float(a["within_one_step"]), step=step))
    return render.group(*blocks)


def _among_others(measure: str, pos: dict, sign: bool) -> render.Block:
    """Where the others lie on a measure: their median and middle half (quartiles only), or why not."""
    if not pos["n"]:
        return render.paragraph("De andra deltagarnas {measure} visas inte: färre än {k} andra har lämnat in.",
                                css="note", measure=measure, k=POOL_FROM)
    return render.paragraph(
        "De {n} andra deltagarnas {measure}: median {median} poäng, hälften mellan {q1} och {q3}.",
        n=pos["n"], measure=measure, median=render.number(pos["median"], 1, sign=sign),
        q1=render.number(pos["q1"], 1, sign=sign), q3=render.number(pos["q3"], 1, sign=sign))


def _questions(qs) -> str:
    qs = list(qs)
    if not qs:
        return ""
    if qs == list(range(qs[0], qs[-1] + 1)) and len(qs) > 2:
        return f"frågorna {qs[0]}–{qs[-1]}"
    if len(qs) == 1:
        return f"fråga {qs[0]}"
    return "frågorna " + ", ".join(str(q) for q in qs[:-1]) + f" och {qs[-1]}"


def criterion_advice(fb: TraineeFeedback) -> render.Block:
    """Per criterion, in plain Swedish: how the trainee's scores lie against the reference,
    the others' mean where it is shown, and what to look at again."""
    step, rubric = fb.step, fb.rubric
    one_case = len(fb.cases) == 1
    items = []
    for _, c in fb.criteria.iterrows():
        label = render.strong("{label}", label=rubric.criterion_label(c["criterion"]))
        qs = _questions(c["questions"])
        d, gd = c["difference"], c["others_difference"]
        values = {"label": label, "d": _signed(d, 0 if one_case else 1), "qs": qs}
        if c["n_scores"] == 0:
            items.append(render.text("{label}: du satte ingen poäng. Varje kriterium behöver en poäng, även när "
                                     "underlaget är tunt.", **values))
            continue
        if _within(d, 0):
            text = "{label}: samma som referensen."
        elif _within(d, step):
            text = "{label}: {d} poäng mot referensen, inom ett skalsteg."
        else:
            side = "över" if d > 0 else "under"
            text = "{label}: {d} poäng, " + side + " referensen med mer än ett skalsteg."
            if qs:
                text += " Läs {qs} i bedömningsmallen igen och pröva vilka belägg bidraget ger för var och en."
        if one_case:
            row = fb.scores[fb.scores["criterion"] == c["criterion"]].iloc[0]
            own, ref = rubric.scale.band(float(row["score"])), rubric.scale.band(float(row["reference"]))
            if own is not None and ref is not None and own != ref:
                text += " Du valde nivån ”{own}”, referensen ligger på ”{ref}”."
                values.update(own=own.label_sv, ref=ref.label_sv)
        if not math.isnan(gd):
            values["gd"] = _signed(gd)
            if not _within(d, step) and not _within(gd, step / 2) and (gd > 0) == (d > 0):
                text += (" De andra låg också " + ("över" if gd > 0 else "under")
                         + " referensen (i medel {gd}): ta gärna upp kriteriet i diskussionen.")
            elif _within(gd, 0):
                text += " Övrigas medel låg på referensen."
            else:
                text += " Övrigas medel låg {gd} poäng från referensen."
        items.append(render.text(text, **values))
    return render.bullets(items)


def own_comments(fb: TraineeFeedback) -> render.Block:
    """The trainee's own comments beside their scores, or one sentence when there are none."""
    c = fb.scores[fb.scores["comment"].str.strip() != ""]
    if c.empty:
        return render.paragraph("Du skrev inga kommentarer i protokollet.")
    columns = ["criterion", "score", "reference", "comment"]
    if len(fb.cases) > 1:
        columns = ["entry_id", *columns]
    return show(c[columns], fb.rubric)

