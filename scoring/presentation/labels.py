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
    "flagged": glossary.term("drift_flag"),
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
    "sd": "Standardavvikelse (poäng)",
    "n_trainees": "Antal deltagare",
    "difference": "Skillnad mot referensen (poäng)",
    "distance": glossary.label("distance"),
    "elevation": glossary.label("elevation"),
    "differential_elevation": glossary.label("differential_elevation"),
    "stereotype_accuracy": glossary.label("profile_error"),
    "differential_accuracy": glossary.label("differential_accuracy"),
    "profile_error": glossary.label("profile_error"),
    "within_one_step": glossary.term("within_one_step"),
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
    "others_difference": "Övrigas medel − referens (poäng)",
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


#: The rater measures an examiner is read on (the model's column names) and their glossary keys.
READ_MEASURES = {"bias": "generosity", "range": "scale_use", "halo": "halo", "inconsistency": "inconsistency"}


#: A measure is read from the examiner's position among colleagues: the share of the other examiners of
#: their connected group (shown only from :data:`scoring.disclosure.POOL_FROM` of them) whose value lies
#: below theirs, in whole per cent as the page prints it. At most POSITION_LOW: lower than most
#: colleagues; at least POSITION_HIGH: higher than most; at most POSITION_EXTREME (or at least 100 minus
#: it): lower (higher) than nearly all.
POSITION_LOW, POSITION_HIGH = 25, 75


POSITION_EXTREME = 10


#: A measure resting on fewer scores than this is not read ("för få poäng för att säga"): the
#: examiner's scores for generosity and inconsistency, their scores with a colleague on the same entry
#: and criterion (``n_compared``) for scale use and halo.
SCORES_FROM = 12


#: The fixed thresholds, used where there is no pool of colleagues to read a position from and to tell
#: a large value in the same direction: scale use below / above, halo above, inconsistency above this
#: multiple of the typical examiner's (the colleagues' median, else the model's residual sd).
RANGE_LOW, RANGE_HIGH = 0.75, 1.25


HALO_HIGH = 0.4


INCONSISTENCY_HIGH = 1.1


def _points(x: float) -> str:
    """A number of score points without its sign, with one decimal."""
    return render.number(abs(x), 1)


def _finite(x) -> bool:
    try:
        return x is not None and x is not pd.NA and bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False


def share_percent(share) -> int | None:
    """A share of colleagues (0-1) in whole per cent as the page prints it (None when missing): what
    the position is read from, so that a reading never disagrees with the printed figure."""
    if not _finite(share):
        return None
    return int(render.number(100 * float(share), 0).replace(render.MINUS, "-"))


class Level:
    """How one of an examiner's measures reads (:func:`measure_level`).

    Attributes
    ----------
    side : "missing" (no value), "few" (fewer than :data:`SCORES_FROM` scores behind it), "low",
        "middle" or "high": from the position among colleagues where there is a pool, else from
        the fixed rule.
    fixed : the side by the fixed rule alone ("low", "middle", "high"; None when it cannot be
        told): for generosity whether its 95 % interval lies wholly below / above 0, for the
        others :data:`RANGE_LOW`/:data:`RANGE_HIGH`, :data:`HALO_HIGH`, :data:`INCONSISTENCY_HIGH`.
    percent : the share of colleagues below, as printed (None without a pool).
    n_pool : how many colleagues the share is out of (0 without a pool).
    n : the number of scores the measure rests on (None when not known).
    typical : for inconsistency, what it is compared with (colleagues' median or the residual sd).
    """

    __slots__ = ("fixed", "measure", "n", "n_pool", "percent", "side", "typical", "value")

    def __init__(self, measure, value, side, fixed=None, percent=None, n_pool=0, n=None, typical=None):
        self.measure, self.value, self.side, self.fixed = measure, value, side, fixed
        self.percent, self.n_pool, self.n, self.typical = percent, n_pool, n, typical

    @property
    def extreme(self) -> bool:
        """Lower or higher than nearly all colleagues (:data:`POSITION_EXTREME`)."""
        return self.percent is not None and (self.percent <= POSITION_EXTREME
                                             or self.percent >= 100 - POSITION_EXTREME)

    @property
    def far(self) -> bool:
        """The position and the fixed rule agree on a side other than the middle (a large value)."""
        return self.side in ("low", "high") and self.fixed == self.side

    def __repr__(self) -> str:
        return (f"Level({self.measure}: {self.side}, fixed={self.fixed}, percent={self.percent}, "
                f"n_pool={self.n_pool}, n={self.n})")


def measure_level(measure: str, value, *, position=None, n=None, ci=(None, None), residual_sd=None) -> Level:
    """Read one rater measure of an examiner: the rules behind every reading of it.

    Parameters
    ----------
    measure : "bias", "range", "halo" or "inconsistency" (:data:`READ_MEASURES`).
    value : the examiner's value.
    position : :func:`scoring.disclosure.pool_position` of the value among the colleagues (n,
        median, q1, q3, share_below), or None without a pool (fewer than
        :data:`scoring.disclosure.POOL_FROM` colleagues).
    n : the number of scores behind the measure; below :data:`SCORES_FROM` the side is "few".
    ci : for generosity, its 95 % interval (of the shrunken estimate).
    residual_sd : for inconsistency without a pool, the model's residual sd to compare with.

    Rules (in this order): no value: "missing"; fewer than :data:`SCORES_FROM` scores: "few";
    with a pool, the share of colleagues below as printed: at most :data:`POSITION_LOW` per cent
    "low", at least :data:`POSITION_HIGH` "high", else "middle"; without a pool the fixed rule
    decides (see :class:`Level`).
    """
    if not _finite(value):
        return Level(measure, value, "missing")
    value = float(value)
    pos = position if position is not None and position.get("n", 0) else None
    percent = share_percent(pos["share_below"]) if pos is not None else None
    n_pool = int(pos["n"]) if pos is not None else 0
    typical = None
    if measure == "bias":
        lo, hi = ci
        fixed = ("high" if _finite(lo) and lo > 0 else "low" if _finite(hi) and hi < 0
                 else "middle" if _finite(lo) and _finite(hi) else None)
    elif measure == "range":
        fixed = "low" if value < RANGE_LOW else "high" if value > RANGE_HIGH else "middle"
    elif measure == "halo":
        fixed = "high" if value > HALO_HIGH else "middle"
    elif measure == "inconsistency":
        typical = float(pos["median"]) if pos is not None else residual_sd
        fixed = (None if not _finite(typical) or typical <= 0
                 else "high" if value > INCONSISTENCY_HIGH * typical else "middle")
    else:
        raise ValueError(f"unknown measure {measure!r}; expected one of {', '.join(READ_MEASURES)}")
    n = int(n) if _finite(n) else None
    if n is not None and n < SCORES_FROM:
        side = "few"
    elif percent is not None:
        side = "low" if percent <= POSITION_LOW else "high" if percent >= POSITION_HIGH else "middle"
    else:
        side = fixed or "missing"
    return Level(measure, value, side, fixed, percent, n_pool, n, typical)


def measure_n(measure: str, row) -> float | None:
    """How many scores ``measure`` rests on in an examiner's row: ``n_compared`` (scores with a
    colleague on the same entry and criterion) for scale use and halo, ``n_scores`` otherwise."""
    get = row.get if hasattr(row, "get") else (lambda k, default=None: getattr(row, k, default))
    return get("n_compared") if measure in ("range", "halo") else get("n_scores")


def colleague_pool(effects: pd.DataFrame, examiner_id: str) -> dict[str, np.ndarray]:
    """The other examiners' values of each measure, anonymous: those of the examiner's connected
    group, missing values dropped, each sorted on its own (no colleague's values can be linked across
    measures). Empty when the examiner is not in ``effects`` or has fewer than
    :data:`scoring.disclosure.POOL_FROM` colleagues in the group."""
    from ..disclosure import POOL_FROM

    mine = effects["examiner_id"] == examiner_id
    if not mine.any():
        return {}
    peers = effects.loc[~mine & (effects["group"] == effects.loc[mine, "group"].iloc[0])]
    if len(peers) < POOL_FROM:
        return {}
    return {m: np.sort(peers[m].dropna().to_numpy(dtype=float)) for m in READ_MEASURES}


def examiner_positions(effects: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """Every examiner's position among their colleagues, for :func:`examiner_reading`'s ``position``.

    Examiner id -> measure -> :func:`scoring.disclosure.pool_position` of their value in
    :func:`colleague_pool` (the pool an examiner's own page shows); an empty dict for an examiner
    without a pool. The same numbers from one sort per group and measure instead of a pool built
    and sorted per examiner (1,000 examiners: 0.01 s instead of 1.7): each examiner's pool is the
    group's sorted values less one copy of their own (when they have one), so the count below is
    the group's, the count equal one less, and the median and quartiles are read from the sorted
    array with that one left out (as NumPy's, linear between neighbours).
    """
    from ..disclosure import POOL_FROM

    out: dict[str, dict[str, dict]] = {}
    ids = effects["examiner_id"].to_numpy()
    group = effects["group"].to_numpy()
    for g in pd.unique(group):
        rows = np.flatnonzero(group == g)
        if len(rows) - 1 < POOL_FROM:
            out |= {ids[i]: {} for i in rows}
            continue
        per = {ids[i]: {} for i in rows}
        for m in READ_MEASURES:
            own = effects[m].to_numpy(dtype=float)[rows]
            finite = np.isfinite(own)
            s = np.sort(own[finite])
            below = np.searchsorted(s, own, side="left")
            equal = np.searchsorted(s, own, side="right") - below
            n = len(s) - finite  # one's own value is not in one's pool
            for k, i in enumerate(rows):
                size, j = int(n[k]), int(below[k]) if finite[k] else -1
                pos = {"n": size, "median": np.nan, "q1": np.nan, "q3": np.nan, "share_below": np.nan}
                if size:
                    pos.update(median=_quantile_without(s, j, size, 0.5), q1=_quantile_without(s, j, size, 0.25),
                               q3=_quantile_without(s, j, size, 0.75))
                    if finite[k]:
                        pos["share_below"] = float((below[k] + 0.5 * (equal[k] - 1)) / size)
                per[ids[i]][m] = pos
        out |= per
    return out


def _quantile_without(s: np.ndarray, j: int, n: int, q: float) -> float:
    """NumPy's quantile ``q`` (the median as ``np.median``) of the sorted ``s`` with its element ``j``
    left out (``j`` = -1: none), ``n`` values."""
    def at(k: int) -> float:
        return s[k] if j < 0 or k < j else s[k + 1]

    if q == 0.5:
        half = n // 2
        return float(at(half)) if n % 2 else float(np.mean(np.array([at(half - 1), at(half)])))
    index = q * (n - 1)
    lo = int(np.floor(index))
    t = index - lo
    a, b = at(lo), at(min(lo + 1, n - 1))
    return float(a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t))  # numpy's _lerp


def _among(level: Level) -> str:
    """Where the examiner lies in the group, e.g. "82 % av de 38 övriga i gruppen ligger under"."""
    return f"{level.percent}\u00a0% av de {level.n_pool} övriga i gruppen ligger under"


def _bias_reading(level: Level, lo, hi) -> str:
    b = level.value
    if level.side == "missing":
        return "Generositeten kan inte skattas: examinatorn delar inga bidrag med andra."
    interval = (f", {glossary.term('shrunken_interval')} {glossary.signed_interval(lo, hi)}"
                if _finite(lo) and _finite(hi) else "")
    if level.side == "few":
        return (f"För få poäng för att säga något om generositeten: {level.n} poäng, minst {SCORES_FROM} "
                f"behövs. Skattningen är {glossary.signed(b)} poäng, krympt mot 0{interval}.")
    if level.fixed == "high":
        text = f"Generösare än genomsnittet i gruppen: {glossary.signed(b)} poäng{interval}, helt över 0."
    elif level.fixed == "low":
        text = f"Strängare än genomsnittet i gruppen: {glossary.signed(b)} poäng{interval}, helt under 0."
    else:
        text = (f"Skiljer sig inte tydligt från genomsnittet i gruppen: {glossary.signed(b)} poäng{interval}"
                + (", som rymmer 0." if interval else "."))
    if level.percent is not None:
        words = {"low": "Lägre än de flesta", "high": "Högre än de flesta", "middle": "I mitten av gruppen"}
        text += f" {words[level.side]}: {_among(level)}"
        text += (", men skillnaden mot genomsnittet är inte tydlig." if level.fixed == "middle"
                 and level.side != "middle" else ".")
    return text


def _range_reading(level: Level) -> str:
    r = render.number(level.value, 2)
    if level.percent is not None:
        among = _among(level)
        if level.side == "low":
            return (f"Använder en smalare del av skalan än de flesta i gruppen ({glossary.term('scale_use').lower()} "
                    f"{r}; {among})" + (f", under {render.number(RANGE_LOW, 2)}." if level.far else "."))
        if level.side == "high":
            return (f"Använder en större del av skalan än de flesta i gruppen ({glossary.term('scale_use').lower()} "
                    f"{r}; {among})" + (f", över {render.number(RANGE_HIGH, 2)}." if level.far else "."))
        return f"Använder skalan som de flesta i gruppen ({glossary.term('scale_use').lower()} {r}; {among})."
    if level.side == "low":
        return (f"Använder en smalare del av skalan än medbedömarna ({glossary.term('scale_use').lower()} {r}, "
                f"under {render.number(RANGE_LOW, 2)}).")
    if level.side == "high":
        return (f"Använder en större del av skalan än medbedömarna ({glossary.term('scale_use').lower()} {r}, "
                f"över {render.number(RANGE_HIGH, 2)}).")
    return (f"{glossary.term('scale_use')} {r}: inom {render.number(RANGE_LOW, 2)}–{render.number(RANGE_HIGH, 2)}, "
            "ingen tydlig skillnad mot medbedömarna.")


def _halo_reading(level: Level) -> str:
    h = render.number(level.value, 2)
    effect = f"över {render.number(HALO_HIGH, 2)}: ofta ungefär samma poäng på alla kriterier (haloeffekt)"
    if level.percent is not None:
        among = _among(level)
        if level.side == "high":
            return (f"Ger ett bidrag mer lika poäng över kriterierna än de flesta i gruppen (halo {h}; {among})"
                    + (f", {effect}." if level.far else "."))
        if level.side == "low":
            return (f"Skiljer mer mellan ett bidrags starka och svaga kriterier än de flesta i gruppen "
                    f"(halo {h}; {among}).")
        return f"Skiljer mellan ett bidrags starka och svaga kriterier som de flesta i gruppen (halo {h}; {among})."
    if level.side == "high":
        return (f"Ger ofta ungefär samma poäng på alla kriterier för ett bidrag (halo {h}, över "
                f"{render.number(HALO_HIGH, 2)}: haloeffekt).")
    return f"Halo {h}: inte över {render.number(HALO_HIGH, 2)}, ingen tydlig haloeffekt."


def _inconsistency_reading(level: Level) -> str:
    inc = _points(level.value)
    if level.percent is not None:
        among = _among(level)
        median = f"gruppens median {_points(level.typical)}"
        if level.side == "high":
            return (f"Högre {glossary.term('inconsistency').lower()} än de flesta i gruppen ({inc} poäng mot {median}; "
                    f"{among})" + (f", över {render.number(INCONSISTENCY_HIGH, 1)} gånger medianen." if level.far
                                   else "."))
        if level.side == "low":
            return (f"Lägre {glossary.term('inconsistency').lower()} än de flesta i gruppen "
                    f"({inc} poäng mot {median}; {among}).")
        return f"{glossary.term('inconsistency')} som de flesta i gruppen ({inc} poäng mot {median}; {among})."
    typical = f"{_points(level.typical)} poäng för modellen som helhet"
    if level.side == "high":
        return (f"Hög {glossary.term('inconsistency').lower()}: {inc} poäng mot {typical}, över "
                f"{render.number(INCONSISTENCY_HIGH, 1)} gånger.")
    return (f"{glossary.term('inconsistency')} {inc} poäng mot {typical}: inte över "
            f"{render.number(INCONSISTENCY_HIGH, 1)} gånger.")


def examiner_reading(row, residual_sd: float | None = None, position=None) -> str:
    """A plain-language Swedish reading of one examiner's row of ``examiner_effects``.

    Also importable as ``scoring.calibration.reading``. The rules are :func:`measure_level`'s, the
    same as on the examiner's own page: a measure resting on fewer than :data:`SCORES_FROM` scores is
    not read; with ``position`` each measure is read from the share of colleagues below the examiner
    (the figure the examiner's page shows), so a reading never contradicts it; generosity is
    "Generösare"/"Strängare" only when the 95 % interval of the shrunken estimate lies wholly above /
    below 0 ("tydlig"), and the interval is named for what it is.

    Parameters
    ----------
    row : mapping or Series
        With bias, ci_low, ci_high, adjusted, n_scores, range, halo, inconsistency and
        optionally n_compared, residual_sd.
    residual_sd : float, optional
        The model's residual sd (``sqrt(variances["residual"])``); inconsistency is read
        against it when there is no position. Default: the row's ``residual_sd`` when present.
    position : mapping, optional
        Measure -> :func:`scoring.disclosure.pool_position` of the examiner's value among their
        colleagues, e.g. ``examiner_positions(effects)[examiner_id]``; an empty mapping (or a
        measure missing from it) reads that measure by the fixed thresholds.

    Returns
    -------
    str
        A few sentences, e.g. "Generösare än genomsnittet i gruppen: +6,2 poäng, 95 % intervall
        (krympt skattning) +2,1 till +10,3, helt över 0. ..." (the interval named by the glossary's
        ``shrunken_interval``).
    """
    get = row.get if hasattr(row, "get") else (lambda k, default=None: getattr(row, k, default))
    position = position or {}
    sd = residual_sd if residual_sd is not None else get("residual_sd")
    levels = {m: measure_level(m, get(m), position=position.get(m), n=measure_n(m, row),
                               ci=(get("ci_low"), get("ci_high")), residual_sd=sd)
              for m in READ_MEASURES}
    parts = [_bias_reading(levels["bias"], get("ci_low"), get("ci_high"))]
    adjusted = get("adjusted")
    if (adjusted is False or adjusted is np.False_) and _finite(get("n_scores")):
        parts.append(f"Har bara {int(get('n_scores'))} poäng: för få för att justeras för i rangordningen.")
    few = [m for m in ("range", "halo") if levels[m].side == "few"]
    if few:
        parts.append(f"För få poäng med medbedömare för att säga något om {glossary.term('scale_use').lower()} "
                     f"och halo: {levels[few[0]].n}, minst {SCORES_FROM} behövs.")
    if levels["range"].side not in ("missing", "few"):
        parts.append(_range_reading(levels["range"]))
    if levels["halo"].side not in ("missing", "few"):
        parts.append(_halo_reading(levels["halo"]))
    inc = levels["inconsistency"]
    if inc.side == "few":
        parts.append(f"För få poäng för att säga något om {glossary.term('inconsistency').lower()}: "
                     f"{inc.n}, minst {SCORES_FROM} behövs.")
    elif inc.side != "missing":
        parts.append(_inconsistency_reading(inc))
    return " ".join(parts)
