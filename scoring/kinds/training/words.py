"""Swedish prose and tables for the training reports: the trainer's and each trainee's.

The counterpart of :mod:`scoring.presentation.labels` for :mod:`scoring.kinds.training.session`: everything comes
back as :mod:`scoring.presentation.render` blocks (escaped, Swedish numbers), the measures named
by the glossary (:mod:`scoring.presentation.glossary`) and every difference written with its sign.

The trainer's report is projected to the room: it opens with the group against the reference
in large type (paragraphs of class :data:`LEAD`), names no trainee unless the trainer asks for
the per-trainee table, and shows no column that cannot vary (the parts across cases only when
there are several cases). A trainee's blocks name nobody but the trainee: the others appear
only as means where these give no one away and as quartiles (:mod:`scoring.disclosure`), and
a reading ("som de flesta", "högre än de flesta") comes from the trainee's place among them.
"""

from __future__ import annotations

import math

import pandas as pd

from ...disclosure import AT_LEAST, POOL_FROM
from ...presentation import glossary, render
from ...presentation.labels import COLUMNS_SV, note_text, show
from .group import GroupResult
from .session import TraineeFeedback

__all__ = [
    "LEAD",
    "criterion_advice",
    "disagreement_table",
    "each_trainee",
    "group_summary",
    "level_and_profile",
    "level_profile_figure_note",
    "measures",
    "misunderstanding_table",
    "own_comments",
    "position",
    "trainee_heading",
    "trainee_measures",
    "trainee_scores",
]

#: The CSS class of the trainer's opening sentences: large enough to read on a projector from
#: the back of a room (the stylesheet sets it; see tests/browser/test_browser_first_screen_training.py).
LEAD = "lead"

#: Tolerance when a value is compared with a share of the scale step (sqrt(200 - 100) is not
#: exactly 10 in floating point).
_TOL = 1e-9

#: A trainee whose share of the others below them is at least this is in the group's top
#: quarter on a measure, at most ``1 -`` this in its bottom quarter.
QUARTER = 0.75


def _within(x: float, limit: float) -> bool:
    """|x| <= limit, allowing for rounding."""
    return abs(x) <= limit * (1 + _TOL) + _TOL


def _cases(cases: list[str]) -> render.Inline:
    return render.join([render.code(c) for c in cases])


def _signed(x: float, precision: int = 1) -> str:
    return glossary.signed(x, precision)


def _lead(template: str, **values) -> render.Block:
    return render.paragraph(template, css=LEAD, **values)


def _criteria(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " och " + labels[-1]


# --------------------------------------------------------------------------- the trainer's report


def group_summary(g: GroupResult) -> render.Block:
    """The trainer's first screen: the group against the reference in a few large sentences.

    Who is in (and how many hand-ins wait for a correction), the group's level, the criteria
    furthest from the reference, the profile of the group's mean, where the trainees disagree
    most, the share of scores within a scale step, and with several cases the parts across
    cases. No trainee is named.
    """
    s, step = g.session, g.step
    scale = s.rubric.scale
    n = len(s.trainees)
    left_out = sum(not h.accepted for h in s.hand_ins)
    opening = ("{n} deltagare med, "
               + ("övningsfallen" if g.several_cases else "övningsfallet")
               + " {cases}; skala {lo}–{hi} i steg om {step} poäng.")
    if left_out:
        opening += " {k} protokoll väntar på rättning (se nedan)."
    blocks = [render.heading("Gruppen mot referensen"),
              _lead(opening, n=n, cases=_cases(s.cases), lo=scale.min, hi=scale.max, step=step, k=left_out)]
    a = g.accuracy
    if not n or math.isnan(a["elevation"]):
        blocks.append(_lead("Inga poäng att jämföra med referensen än."))
        return render.group(*blocks)

    e = float(a["elevation"])
    if _within(e, step / 2):
        level = "{lead} gruppens poäng låg i medel {e} poäng från referensen, nära referensens nivå."
    elif e > 0:
        level = "{lead} gruppens poäng låg i medel {e} poäng över referensen: gruppen bedömer generöst."
    else:
        level = "{lead} gruppens poäng låg i medel {e} poäng under referensen: gruppen bedömer strängt."
    t = g.trainees.dropna(subset=["elevation"])
    over = int((t["elevation"] > step / 2 * (1 + _TOL)).sum())
    under = int((t["elevation"] < -step / 2 * (1 + _TOL)).sum())
    level += (" {over} av {n} deltagare låg mer än ett halvt skalsteg över referensen"
              + (", {under} under." if under else "."))
    blocks.append(_lead(level, lead=render.strong("Nivå:"), e=_signed(e), over=over, under=under, n=len(t)))

    far = g.criteria[~g.criteria["difference"].map(lambda d: _within(d, step / 2))].head(3)
    if far.empty:
        blocks.append(_lead("{lead} inget kriterium låg mer än ett halvt skalsteg från referensen i gruppens medel.",
                            lead=render.strong("Kriterierna:")))
    else:
        parts = [f"{s.rubric.criterion_label(r['criterion'])} {_signed(r['difference'])}" for _, r in far.iterrows()]
        blocks.append(_lead("{lead} {parts} poäng i gruppens medel.", lead=render.strong("Längst från referensen:"),
                            parts=_criteria(parts)))

    pe = float(a["profile_error"])
    if _within(pe, step / 2):
        profile = ("{lead} gruppens medel har profilfel {pe} poäng: gruppen skiljer i stort starka kriterier från "
                   "svaga som referensen.")
    else:
        profile = ("{lead} gruppens medel har profilfel {pe} poäng: gruppen ser delvis andra starka och svaga "
                   "kriterier än referensen.")
    blocks.append(_lead(profile, lead=render.strong("Profil:"), pe=render.number(pe, 1)))
    if g.several_cases:
        de, da = float(a["differential_elevation"]), float(a["differential_accuracy"])
        blocks.append(_lead(
            "{lead} {de_term} {de} poäng (hur gruppens avvikelse skiljer sig mellan fallen), {da_term} {da} poäng "
            "(avvikelser som gäller ett kriterium i ett visst fall).", lead=render.strong("Mellan fallen:"),
            de_term=glossary.term("differential_elevation").lower(), de=render.number(de, 1),
            da_term=glossary.term("differential_accuracy").lower(), da=render.number(da, 1)))

    spread = g.spread.dropna(subset=["sd"])
    if len(spread) and not (spread["sd"] > 0).any():
        blocks.append(_lead("{lead} deltagarna gav samma poäng på varje kriterium.", lead=render.strong("Eniga:")))
    spread = spread[spread["sd"] > 0].head(2)
    if len(spread):
        labels = [s.rubric.criterion_label(c) for c in spread["criterion"]]
        sds = [render.number(float(x), 1) for x in spread["sd"]]
        blocks.append(_lead("{lead} {criteria} (standardavvikelse {sds} poäng).",
                            lead=render.strong("Mest oense:"), criteria=_criteria(labels), sds=_criteria(sds)))
    blocks.append(_lead("{lead} {share:.0%} av deltagarnas poäng låg högst ett skalsteg från referensen.",
                        lead=render.strong("Inom ett skalsteg:"), share=g.within_one_step))
    return render.group(*blocks)


def disagreement_table(g: GroupResult) -> render.Table:
    """The criteria by the trainees' disagreement (standard deviation), largest first."""
    return show(g.spread, g.session.rubric, precision={"reference": 0, "mean": 1, "sd": 1, "low": 0, "high": 0})


def misunderstanding_table(g: GroupResult) -> render.Table:
    """The criteria by how far the group's mean lies from the reference, furthest first; the
    difference signed. The distance only with several cases (with one it is |difference|)."""
    m = g.criteria
    columns = ["criterion", "n_trainees", "reference", "mean", "difference"]
    if g.several_cases:
        columns.append("distance")
    columns.append("within_one_step")
    out = m[columns].assign(difference=m["difference"].map(_signed),
                            within_one_step=m["within_one_step"].map(_percent))
    return show(out, g.session.rubric, precision={"reference": 0, "mean": 1, "distance": 1},
                right=("difference", "within_one_step"))


def _percent(x) -> str:
    return render.MISSING if pd.isna(x) else render.text("{x:.0%}", x=float(x)).text


def measures(g: GroupResult) -> render.Block:
    """What level, profile error (and with several cases the parts across cases) mean: the
    glossary's definitions, and why they are shown apart."""
    keys = ["elevation", "profile_error"]
    if g.several_cases:  # and the misunderstanding list's distance
        keys += ["differential_elevation", "differential_accuracy", "distance"]
    keys.append("within_one_step")
    return render.group(
        glossary.definitions(keys),
        render.paragraph(
            "Måtten följer Cronbach (1955). Utbildning brukar rätta till nivån snabbare än profilen, "
            "därför visas de var för sig." + ("" if g.several_cases else
                                                 " Med ett övningsfall finns inga delar mellan fall.")))


def level_profile_figure_note(g: GroupResult) -> render.Block | None:
    """Who the level-and-profile figure leaves out (a trainee without a profile error), or None."""
    missing = int(g.trainees["profile_error"].isna().sum())
    if not missing:
        return None
    return render.paragraph(
        "{k} deltagare med kriterier utan poäng har inget profilfel och finns inte i figuren.", k=missing)


def each_trainee(g: GroupResult) -> render.Block:
    """The per-trainee table (codes, level, profile error ...): for the trainer's own screen,
    shown only with the notebook's ``show_trainees``. No column that cannot vary: the parts
    across cases only with several cases, the number of scores and the notes only when a hand-in
    is incomplete (else every trainee has every reference cell)."""
    t = g.trainees
    incomplete = bool(t["note"].notna().any())
    columns = ["examiner_id", *(["n_scores"] if incomplete else []), "elevation", "profile_error"]
    if g.several_cases:
        columns += ["differential_elevation", "differential_accuracy"]
    columns += ["distance", "within_one_step"]
    if incomplete:
        columns.append("note")
    out = t[columns].assign(elevation=t["elevation"].map(lambda x: render.MISSING if pd.isna(x) else _signed(x)),
                            within_one_step=t["within_one_step"].map(_percent))
    if "note" in out.columns:
        out["note"] = t["note"].map(lambda n: note_text(n, g.session.rubric))
    table = render.Table(out, headers=COLUMNS_SV | {"examiner_id": glossary.term("trainee")}, codes=["examiner_id"],
                         precision=1, right=["elevation", "within_one_step"])
    return render.group(
        render.heading("Varje deltagare"),
        render.paragraph("Bara för utbildarens egen skärm: tabellen visar varje deltagare med kod."),
        table,
        glossary.definitions(["distance"]))


# --------------------------------------------------------------------------- a trainee's page


def trainee_heading(fb: TraineeFeedback) -> render.Block:
    """A trainee page's opening: session, year and code; first of all, an incomplete hand-in
    (before any share or reading); then what the page compares, and that it is the trainee's
    alone (the others shown only as means and quartiles: the page has no section of its own for this)."""
    a = fb.accuracy
    blocks = [render.heading("Utbildning {session} {year}: återkoppling till {code}", session=fb.session,
                             year=fb.year, code=render.code(fb.code))]
    n, k = int(a["n_scores"]), int(a["n_reference"])
    if n < k:
        blocks.append(render.paragraph(
            "Ditt protokoll är inte komplett: du satte {n} av {k} poäng, {missing} saknas. En tom cell är ingen "
            "poäng och räknas inte. Profilfelet räknas bara när varje kriterium har en poäng, och allt nedan "
            "gäller de {n} poäng du satte.", css="warning", n=n, k=k, missing=k - n))
    blocks.append(render.paragraph(
        "Din personliga återkoppling efter utbildningsdagen: dina poäng på "
        + ("övningsfallen" if len(fb.cases) > 1 else "övningsfallet")
        + " {cases} mot referensbedömningen och mot de {others} andra deltagarna. Sidan är bara till dig: de "
        "andra visas bara som medelvärden och kvartiler, utan koder, och ett medel bara där ingens poäng kan "
        "räknas ut ur det.", cases=_cases(fb.cases), others=fb.group["n_trainees"] - 1))
    return render.group(*blocks)


def position(own: float, pos: dict) -> str | None:
    """Where ``own`` lies among the others (``pos`` from :func:`scoring.disclosure.pool_position`):
    "high" (in their top quarter: above their median and at or above their upper quartile, or
    with at least :data:`QUARTER` of them below), "low" (the mirror image), "middle", or None
    without a pool or a value."""
    if not pos["n"] or own is None or math.isnan(own):
        return None
    below = pos["share_below"]
    if own > pos["median"] and (own >= pos["q3"] or below >= QUARTER):
        return "high"
    if own < pos["median"] and (own <= pos["q1"] or below <= 1 - QUARTER):
        return "low"
    return "middle"


def level_and_profile(fb: TraineeFeedback) -> render.Block:
    """The trainee's level and profile against the reference, read from their place among the
    other trainees where there are enough of them (quartiles only), and what to practise."""
    a, g, step = fb.accuracy, fb.group, fb.step
    e, pe = float(a["elevation"]), float(a["profile_error"])
    if math.isnan(e):
        return render.paragraph("Du har inte satt någon poäng som kan jämföras med referensen.")
    blocks = [render.paragraph(_level_text(e, step, position(e, g["elevation"])), lead=render.strong("Nivå:"),
                               e=_signed(e)),
              _among_others("nivå", g["elevation"], sign=True)]
    blocks.append(_profile(fb, pe))
    if not math.isnan(pe):
        blocks.append(_among_others("profilfel", g["profile_error"], sign=False))
    n = int(a["n_scores"])
    blocks.append(render.paragraph(
        "Av de {n} poäng du satte låg {share:.0%} högst ett skalsteg ({step} poäng) från referensen.",
        n=n, share=float(a["within_one_step"]), step=step))
    if len(fb.cases) > 1 and not math.isnan(float(a["differential_elevation"])):
        blocks.append(render.paragraph(
            "Mellan fallen: {de_term} {de} poäng, {da_term} {da} poäng (se förklaringarna nedan).",
            de_term=glossary.term("differential_elevation").lower(), de=render.number(a["differential_elevation"], 1),
            da_term=glossary.term("differential_accuracy").lower(), da=render.number(a["differential_accuracy"], 1)))
    return render.group(*blocks)


def _level_text(e: float, step: float, where: str | None) -> str:
    if _within(e, step / 2):
        text = ("{lead} dina poäng låg i medel {e} poäng från referensen, inom ett halvt skalsteg: nära "
                "referensens nivå.")
    elif e > 0:
        text = ("{lead} dina poäng låg i medel {e} poäng över referensen: du bedömer generöst. Öva på att hitta "
                "belägg i bidragstexten för varje poäng innan du sätter den; en hög poäng kräver att arbetssättet "
                "är utvärderat och förbättrat, inte bara beskrivet.")
    else:
        text = ("{lead} dina poäng låg i medel {e} poäng under referensen: du bedömer strängt. Öva på att ge poäng "
                "för det som bidraget faktiskt visar, och leta efter styrkor lika noga som efter "
                "utvecklingsområden.")
    return text + {None: "", "high": " Du var generösare än de flesta andra deltagare.",
                   "low": " Du var strängare än de flesta andra deltagare.",
                   "middle": " Du låg inom de andra deltagarnas mittersta hälft."}[where]


def _profile(fb: TraineeFeedback, pe: float) -> render.Block:
    """The profile error read from the trainee's place among the others (a profile error in their
    top quarter is never "liknar referensens"), else from the scale step alone."""
    step = fb.step
    lead = render.strong("Profil:")
    if math.isnan(pe):
        return render.paragraph("{lead} ditt profilfel kan inte räknas, eftersom inte varje kriterium har en poäng. "
                                "Se kriterierna nedan.", lead=lead)
    where = position(pe, fb.group["profile_error"])
    phrase = {None: "", "high": ", högre än för de flesta andra deltagare",
              "middle": ", som för de flesta andra deltagare", "low": ", lägre än för de flesta andra deltagare"}[where]
    if where == "high" or not _within(pe, step):
        if where != "high" and not _within(pe, step):
            phrase += (" men" if where == "low" else ",") + " mer än ett skalsteg"
        reading = ("du ser delvis andra starka och svaga sidor i fallet än referensen. Öva på att först rangordna "
                   "kriterierna från starkast till svagast utifrån bidragstexten och sedan sätta poäng som följer "
                   "den ordningen.")
    elif _within(pe, step / 2):
        reading = ("din profil liknar referensens. Du skiljer fallets starka kriterier från de svaga ungefär som "
                   "referensen.")
    else:
        reading = "på några kriterier ligger du annorlunda till mot referensen än på de andra. Se kriterierna nedan."
    return render.paragraph("{lead} ditt profilfel är {pe} poäng" + phrase + ": " + reading, lead=lead,
                            pe=render.number(pe, 1))


def _among_others(measure: str, pos: dict, sign: bool) -> render.Block:
    """Where the others lie on a measure: their median and middle half (quartiles only), or why not."""
    if not pos["n"]:
        return render.paragraph("De andra deltagarnas {measure} visas inte: färre än {k} andra har ett värde.",
                                css="note", measure=measure, k=POOL_FROM)
    return render.paragraph(
        "De {n} andra deltagarnas {measure}: median {median} poäng, hälften mellan {q1} och {q3}.",
        n=pos["n"], measure=measure, median=render.number(pos["median"], 1, sign=sign),
        q1=render.number(pos["q1"], 1, sign=sign), q3=render.number(pos["q3"], 1, sign=sign))


def trainee_measures(fb: TraineeFeedback) -> render.Block:
    """What level and profile error mean (the glossary's definitions), for the trainee's page."""
    keys = ["elevation", "profile_error"]
    if len(fb.cases) > 1:
        keys += ["differential_elevation", "differential_accuracy"]
    return render.group(
        glossary.definitions([*keys, "within_one_step"]),
        render.paragraph("Utbildning brukar rätta till nivån snabbare än profilen, därför visas de var för sig."))


def trainee_scores(fb: TraineeFeedback) -> render.Block:
    """The trainee's scores per case and criterion, the reference and the others' mean (a table)."""
    columns = ["criterion", "score", "reference", "difference", "others_mean", "other_trainees"]
    if len(fb.cases) > 1:
        columns = ["entry_id", *columns]
    out = fb.scores[columns].assign(
        difference=fb.scores["difference"].map(lambda x: render.MISSING if pd.isna(x) else _signed(x, 0)))
    table = show(out, fb.rubric, precision={"others_mean": 1}, right=("difference",))
    if ((fb.scores["shown"] == "count") & (fb.scores["other_trainees"] > 0)).any():
        note = render.paragraph(
            "Övrigas medel visas bara där det inte går att räkna ut någons poäng ur det: minst {k} olika "
            "uppsättningar poäng ska passa medlet och ingen poäng får vara säkert given; annars visas bara "
            "antalet.", css="note", k=AT_LEAST)
        return render.group(table, note)
    return table


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
