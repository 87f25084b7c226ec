"""Swedish words common to every report kind: column headers, rubric labels, intervals,
the demo note, input problems and the plain-language reading of an examiner's measures.

Everything here goes through :mod:`scoring.presentation.render`, the one rendering path:
tables come back as :class:`~scoring.presentation.render.Table`, prose as
:class:`~scoring.presentation.render.Block`, so every string from the data is escaped and
every number written the Swedish way. A kind's own words live in its package
(``scoring/kinds/<kind>/words.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..notes import Note
from ..paths import PROJECT_ROOT
from ..problems import Problem, display_path
from ..rubric import Rubric
from . import glossary, render

COLUMNS_SV = {
    "year": "År",
    "entry_id": "Bidrag",
    "name": "Verksamhet",
    "class": "Klass",
    "examiner_id": "Examinator",
    "criterion": "Kriterium",
    "coefficient": "Mått",
    "stage": "Steg",
    "score": "Poäng",
    "entries": "Bidrag",
    "examiners": "Examinatorer",
    "team_min": "Lag min",
    "team_median": "Lag median",
    "team_max": "Lag max",
    "site_visits": "Platsbesök",
    "expected": "Förväntade poäng",
    "scored": "Givna poäng",
    "complete_share": "Andel ifyllt",
    "missing": "Saknas",
    "n_examiners": "Antal examinatorer",
    "low": "Lägst",
    "high": "Högst",
    "spread": glossary.term("spread"),
    "mean": "Medel",
    "scores": "Individuella poäng",
    "individual_mean": "Medel individuellt",
    "consensus": "Konsensus",
    "shift": "Förflyttning",
    "mean_shift": "Medelförflyttning",
    "mean_abs_shift": "Medel av absolut förflyttning",
    "closest_examiner": glossary.term("nearest_consensus"),
    "n": "Antal",
    "pairs": "Bedömda bidrag × kriterier",
    "nearest": glossary.term("nearest_consensus") + ", antal",
    "share": glossary.term("nearest_consensus") + ", andel",
    "bias": glossary.label("generosity"),
    "se": "Medelfel",
    "bias_ci": glossary.label("generosity") + ", " + glossary.term("shrunken_interval"),
    "adjusted": "Justeras för",
    "group": "Grupp",
    "range": glossary.term("scale_use"),
    "halo": glossary.term("halo"),
    "inconsistency": glossary.label("inconsistency"),
    "n_compared": "Poäng med medbedömare",
    "reading": "Tolkning",
    "team_size": "Lagstorlek",
    "reliability": glossary.term("reliability"),
    "smallest_team": "Minsta lag för målet",
    "decisions": "Beslut",
    "nearest_share": glossary.term("nearest_consensus") + ", andel",
    "expected_share": "Förväntad andel",
    "movement": "Förflyttning till beslutet",
    "abs_movement": "Absolut förflyttning",
    "dominance": "Dominans",
    "earlier_years": "Tidigare år",
    "earlier_bias": "Generositet tidigare år",
    "change": glossary.term("drift"),
    "change_low": "95 % intervall, nedre",
    "change_high": "95 % intervall, övre",
    "flagged": "Säker förändring",
    "consensus_shift": "Konsensus − individuellt",
    "site_visit_shift": "Platsbesök − individuellt",
    "ci_low": "95 % intervall, nedre",
    "ci_high": "95 % intervall, övre",
    "estimate": "Skattning",
    "n_entries": "Antal bidrag",
    "n_units": "Antal bidrag",
    "n_raters": "Antal examinatorer",
    "n_ratings": "Antal poäng",
    "n_scores": "Antal poäng",
    "comment": "Kommentar",
    "district": "Stadsdel",
    "staff_count": "Antal medarbetare",
    "budget_in_balance": "Budget i balans",
    "question": "Fråga",
    # examiner training (scoring.kinds.training.session)
    "reference": "Referens",
    "sd": "Standardavvikelse",
    "n_trainees": "Antal deltagare",
    "difference": "Skillnad mot referensen",
    "distance": "Avstånd till referensen",
    "elevation": "Nivå",
    "differential_elevation": "Differentiell nivå",
    "stereotype_accuracy": "Profil över kriterier",
    "differential_accuracy": "Differentiell profil",
    "profile_error": "Profilfel",
    "within_one_step": "Andel inom ett steg",
    "n_reference": "Antal referenspoäng",
    "note": "Anmärkning",
    "file": "Fil",
    "codes": "Kod",
    "status": "Status",
    "problems": "Problem",
    "other_trainees": "Övriga deltagare",
    "questions": "Frågor",
    "rank": "Placering",
    "entry": "Bidrag",
    "rank_interval": glossary.term("rank_interval"),
    "p_first": glossary.term("chance_to_win"),
    "site_visit": "Platsbesök",
    # an examiner's own feedback (scoring.kinds.examiner.feedback)
    "measure": "Mått",
    "own_value": "Ditt värde",
    "pool_median": "Övrigas median",
    "pool_middle": "Övrigas mittersta hälft",
    "share_below": "Andel under dig",
    "own_score": "Din poäng",
    "others": "Övriga i laget",
    "others_mean": "Övrigas medel",
    "others_difference": "Övrigas medel − referens",
    "shown": "Visas om övriga",
    "consensus_diff": "Konsensus − din",
    "change_ci": glossary.term("drift") + " (95 % intervall)",
    # the jury's overview, the site-visit shortlist and the decision (scoring.kinds.jury, scoring.kinds.decision)
    "leader": "Ledare",
    "runner_up": "Närmast efter",
    "other_leaders": "Annan ledare med",
    "decision": "Beslut",
    "reason": "Varför",
    "method": "Sätt att räkna",
    "method_dependent": "Beror på sättet att räkna",
    "same_as_decision": "Samma som beslutet",
    # the letter to each entrant (scoring.kinds.entry) and the award office's checklist
    "band": "Nivå",
    "strengths": "Styrkor",
    "improvements": "Utvecklingsområden",
}


#: Columns holding one code per cell (never wrapped in a table).
CODE_COLUMNS = ("entry_id", "examiner_id")


#: Columns holding comma-separated codes ("E01, E07" or "E01 60, E07 80").
CODE_LIST_COLUMNS = ("closest_examiner", "scores")


COEFFICIENTS_SV = {
    "alpha_nominal": "Krippendorffs alfa (nominal)",
    "alpha_ordinal": "Krippendorffs alfa (ordinal)",
    "alpha_interval": "Krippendorffs alfa (intervall)",
    "alpha_ratio": "Krippendorffs alfa (kvot)",
    "fleiss_kappa": "Fleiss kappa",
    "gwet_ac1": "Gwets AC1",
    "gwet_ac2": "Gwets AC2 (kvadratiska vikter)",
    "percent_agreement": "Andel par med samma poäng",
    "percent_within_step": "Andel par inom ett skalsteg",
}


#: The Swedish words of every note a statistic gives (:class:`scoring.notes.Note`), by code.
NOTES_SV = {
    # rank_entries, per entry
    "not_eligible": "budget inte i balans: kan inte vinna",
    "budget_unknown": "uppgift om budget i balans saknas: räknas som behörig",
    "one_examiner": "en examinator: osäkerheten kan inte skattas",
    "no_individual_scores": "inga individuella poäng: osäkerheten kan inte skattas",
    "not_adjusted": "inte justerat för {examiners} (för få poäng)",
    "other_group": "examinatorerna hör till sammanhängande grupp {groups}, inte grupp 1: poängen kan inte "
                   "jämföras med bidrag bedömda i grupp 1",
    "no_zscore": "z-poäng saknas för {examiners} (för få eller lika poäng): räknas som medel",
    "site_visit_scores": "platsbesökspoäng för {k} av {n} kriterier",
    "not_ranked": "inga poäng med denna metod: rangordnas inte",
    "criteria_missing": "saknar poäng för {criteria}: vikterna omräknade över övriga kriterier",
    "trim_few_examiners": "färre än {min} examinatorer: medelvärde i stället för trimmat medelvärde",
    "trim_few_scores": "{k} kriterier med färre än {min} poäng: medelvärde där",
    # the examiner-effect model
    "no_shared_entries": "Ingen examinator delar bidrag med någon annan (en examinator per bidrag): "
                         "examinatorernas stränghet kan inte skattas och poängen justeras inte.",
    "no_differences": "Alla examinatorer gav samma poäng inom varje bidrag och kriterium: inga skillnader att skatta.",
    "no_examiner_entry_term": "Varje examinator gav varje bidrag bara en poäng: examinator x bidrag-termen kan "
                              "inte skiljas från slumpfelet och utelämnas.",
    "no_examiner_variance": "Modellen finner inga skillnader i stränghet mellan examinatorerna (variansen "
                            "skattas till 0).",
    "few_scores": "{n} examinator(er) har färre än {min_scores} poäng: de redovisas men deras poäng justeras inte.",
    "separate_groups": "Examinatorerna bildar {n} grupper utan gemensamma bidrag; effekterna jämförs bara inom "
                       "en grupp.",
    # agreement_table, per group and coefficient
    "undefined": "kan inte beräknas för dessa poäng",
    "identical_ratings": "alla poäng är lika (ingen spridning): måttet är 0/0",
    "icc_undefined": "vissa värden saknas: för få frihetsgrader, eller ingen restvarians för ett intervall",
    "no_ratings": "inga poäng (alla saknas eller tabellen är tom)",
    "non_numeric": "poängkolumnen har värden som inte är tal",
    "infinite_ratings": "poängkolumnen har oändliga värden",
    "off_scale": "poäng som inte ligger på skalans steg",
    "one_rating_per_unit": "inget bidrag har två eller fler poäng: samstämmighet kräver minst två bedömare per bidrag",
    "too_few_units": "minst två bedömda bidrag behövs",
    "too_few_raters": "minst två bedömare behövs",
    "not_two_raters": "exakt två bedömare behövs",
    "no_common_units": "de två bedömarna har inget bidrag gemensamt",
    "replicate_ratings": "en bedömare har gett samma bidrag mer än en poäng",
    "negative_ratio": "kvotnivån kräver icke-negativa kategorier (en kvotskala har en absolut nollpunkt)",
    "error": "kan inte beräknas för dessa poäng",
    # reference_accuracy, per examiner
    "no_scores_on_reference": "inga poäng på referensens fall och kriterier",
    "reference_incomplete": "referensen har inte poäng för alla fall och kriterier: profildelarna beräknas inte",
    "incomplete": "ofullständig: {missing} av {n} poäng saknas, profildelarna beräknas inte",
}


def note_text(notes, rubric: Rubric | None = None) -> str:
    """A note, or a tuple of notes joined by "; ", in Swedish ("" for none). Criteria are
    named by the rubric's labels, lists joined by ", "."""
    if notes is None or (not isinstance(notes, Note) and not isinstance(notes, tuple | list)):
        return ""
    if not isinstance(notes, Note):
        return "; ".join(note_text(n, rubric) for n in notes)

    def word(key, value) -> str:
        if key == "criteria" and rubric is not None:
            value = tuple(rubric.criterion_label(c) for c in value)
        return ", ".join(map(str, value)) if isinstance(value, tuple) else str(value)

    return NOTES_SV[notes.code].format(**{k: word(k, v) for k, v in notes.values.items()})


def _labelled(df: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """A copy with criterion, class and coefficient ids and notes replaced by their Swedish words."""
    out = df.copy()
    if "criterion" in out.columns:
        out["criterion"] = out["criterion"].map(rubric.criterion_label)
    if "class" in out.columns:
        out["class"] = out["class"].map(lambda c: "Totalt" if c == "total" else rubric.class_label(c))
    if "coefficient" in out.columns:
        out["coefficient"] = out["coefficient"].map(lambda c: COEFFICIENTS_SV.get(c, c))
    if "note" in out.columns:
        out["note"] = out["note"].map(lambda n: note_text(n, rubric) if n is None or isinstance(n, Note | tuple)
                                      else n)
    return out


def swedish(df: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """A copy with Swedish headers and criterion/class ids replaced by their Swedish labels."""
    return _labelled(df, rubric).rename(columns=COLUMNS_SV | COEFFICIENTS_SV)


def show(df: pd.DataFrame, rubric: Rubric, precision: int | dict | None = None, *,
         caption: str | None = None, right=()) -> render.Table:
    """A table for a report: Swedish headers and labels, no index, Swedish numbers.

    Parameters
    ----------
    df : the table (its index is not shown).
    rubric : for the Swedish criterion and class labels.
    precision : decimals, for all float columns or per column (see :class:`render.Table`);
        default 2, and none for columns of whole numbers.
    caption : a caption above the table.
    right : extra columns (by their English name) to right-align.

    Returns
    -------
    render.Table
        Every cell escaped; entry ids and examiner codes as codes that never wrap.
    """
    return render.Table(
        _labelled(df, rubric),
        headers=COLUMNS_SV | COEFFICIENTS_SV,
        precision=precision,
        codes=[c for c in CODE_COLUMNS if c in df.columns],
        code_lists=[c for c in CODE_LIST_COLUMNS if c in df.columns],
        right=right,
        caption=caption,
    )


def interval(estimate: float, low: float, high: float, precision: int = 2) -> str:
    """An estimate with its interval as plain text, e.g. ``"0,45 (0,29–0,64)"``; ``–`` if missing."""
    if pd.isna(estimate):
        return render.MISSING
    n = render.number
    return f"{n(estimate, precision)} ({n(low, precision)}–{n(high, precision)})"


def _project_path(source: str) -> str:
    """A path shown relative to the project folder when inside it."""
    return display_path(source, PROJECT_ROOT)


def source_paths(source: str) -> render.Inline:
    """Rubric source(s) ("a + b") as codes."""
    return render.join([render.code(_project_path(p)) for p in source.split(" + ")], " + ")


def is_demo(entries: pd.DataFrame) -> bool:
    """True when the entries are the synthetic demo's (``scoring demo`` names them "... (fiktiv)")."""
    return bool(entries["name"].str.contains("fiktiv", case=False).any())


def demo_note() -> render.Block:
    """The line a report made from the demo data carries under its heading."""
    return render.paragraph("{note}", note=render.em("Demodata: syntetiska, fiktiva bidrag och examinatorer."))


def problem(p: Problem) -> render.Inline:
    """One input problem for a report: file and row as a code, the column, the message (escaped)."""
    where = render.code(_project_path(p.file) + (f":{p.row}" if p.row is not None else ""))
    if p.column:
        return render.text("{where}, kolumn {column}: {message}", where=where, column=render.code(p.column),
                           message=p.message)
    return render.text("{where}: {message}", where=where, message=p.message)


def left_out_years(history, shown: int = 3) -> render.Block:
    """Which earlier years a trend leaves out because their data has errors, and why.

    ``history`` is ``data.load_history(...)``. One warning per left-out year naming the
    file, row and column of its first ``shown`` problems; nothing when no year is left out.
    The output's metadata lists the years (``{"scoring": {"left_out": [...]}}``) so the
    report run can list them in its summary.
    """
    blocks = []
    listed = []
    for left in history.left_out:
        first = left.problems[:shown]
        more = len(left.problems) - len(first)
        located = [str(Problem(_project_path(p.file), p.row, p.column, p.message)) for p in first]
        listed.append({"year": int(left.year), "problems": located,
                       "n_problems": len(left.problems)})
        if len(first) == 1 and not more:
            blocks.append(render.paragraph("{year:d} ingår inte i trenden: årets data har ett fel, {what}.",
                                           css="warning", year=left.year, what=problem(first[0])))
            continue
        blocks.append(render.paragraph(
            "{year:d} ingår inte i trenden: årets data har {n} fel. " + ("De första:" if more else "Felen:"),
            css="warning", year=left.year, n=len(left.problems)))
        items = [problem(p) for p in first]
        if more:
            items.append(render.em("… och {more} till (se scoring validate).", more=more))
        blocks.append(render.bullets(items))
    out = render.group(*blocks)
    return render.Block(out.html, out.text, {"left_out": listed})


#: Thresholds of the plain-language readings of the rater measures (:func:`examiner_reading`,
#: and an examiner's own feedback): range below / above, halo above, inconsistency above
#: this multiple of the model's residual sd.
RANGE_LOW, RANGE_HIGH = 0.75, 1.25


HALO_HIGH = 0.4


INCONSISTENCY_HIGH = 1.1


def _points(x: float) -> str:
    """A number of score points without its sign, with one decimal (the sentence says the direction)."""
    return render.number(abs(x), 1)


def examiner_reading(row, residual_sd: float | None = None) -> str:
    """A plain-language Swedish reading of one examiner's row of ``examiner_effects``.

    Also importable as ``scoring.calibration.reading``.

    Parameters
    ----------
    row : mapping or Series
        With bias, ci_low, ci_high, adjusted, n_scores, range, halo, inconsistency and
        optionally group, min_scores.
    residual_sd : float, optional
        The model's residual sd (``sqrt(variances["residual"])``); inconsistency is read
        against it. Default: the row's ``residual_sd`` when present.

    Returns
    -------
    str
        A few sentences, e.g. "Generösare än genomsnittet i gruppen: i medel 6,2 poäng
        högre (95 % KI 2,1 till 10,3). Använder skalan ungefär som medbedömarna. ..."
    """
    get = row.get if hasattr(row, "get") else (lambda k, default=None: getattr(row, k, default))
    parts = []
    bias, lo, hi = get("bias"), get("ci_low"), get("ci_high")
    if bias is None or not np.isfinite(bias):
        parts.append("Stränghet kan inte skattas: examinatorn delar inga bidrag med andra.")
    elif np.isfinite(lo) and lo > 0:
        parts.append(
            f"Generösare än genomsnittet i gruppen: i medel {_points(bias)} poäng högre "
            f"(95 % KI {_points(lo)} till {_points(hi)})."
        )
    elif np.isfinite(hi) and hi < 0:
        parts.append(
            f"Strängare än genomsnittet i gruppen: i medel {_points(bias)} poäng lägre "
            f"(95 % KI {_points(-hi)} till {_points(-lo)})."
        )
    else:
        signed = ("+" if bias >= 0 else render.MINUS) + _points(bias)
        parts.append(f"Skiljer sig inte säkert från genomsnittet i gruppen ({signed} poäng).")
    if get("adjusted") is False or get("adjusted") is np.False_:
        parts.append(f"Har bara {int(get('n_scores'))} poäng: för få för att justeras för i rangordningen.")
    rng = get("range")
    if rng is not None and np.isfinite(rng):
        if rng < RANGE_LOW:
            parts.append(
                f"Använder en smalare del av skalan än medbedömarna (spridning {render.number(rng, 2)} av deras)."
            )
        elif rng > RANGE_HIGH:
            parts.append(f"Sprider poängen mer än medbedömarna ({render.number(rng, 2)} gånger deras spridning).")
        else:
            parts.append("Använder skalan ungefär som medbedömarna.")
    halo = get("halo")
    if halo is not None and np.isfinite(halo):
        if halo > HALO_HIGH:
            parts.append("Ger ofta ungefär samma poäng på alla kriterier för ett bidrag (haloeffekt).")
        else:
            parts.append("Skiljer mellan bidragets starka och svaga kriterier ungefär som medbedömarna.")
    sd = residual_sd if residual_sd is not None else get("residual_sd")
    inc = get("inconsistency")
    if inc is not None and np.isfinite(inc) and sd is not None and np.isfinite(sd) and sd > 0:
        if inc > INCONSISTENCY_HIGH * sd:
            parts.append(
                f"Poängen har stor oförklarad spridning ({_points(inc)} poäng mot {_points(sd)} i genomsnitt)."
            )
        else:
            parts.append("Poängen är ungefär lika samstämmiga som andras.")
    return " ".join(parts)
