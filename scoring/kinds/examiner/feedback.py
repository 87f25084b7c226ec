"""An examiner's private feedback: their own effects, their scores beside their teams', their trend.

One report per examiner and year (``notebooks/examiner_feedback.ipynb``). Everything that
involves other examiners is computed here, inside the package, and only aggregates reach
the report, so that no other examiner's code (or score) can end up in anything a run
writes for this examiner (the executed notebook stores every output it displays):

* the pool of colleagues appears only as an anonymous distribution: each measure's
  values, sorted on their own (so a colleague's values cannot be linked across measures),
  without codes, and only from :data:`POOL_FROM` others in the examiner's connected group;
* beside each of the examiner's own scores the *other* team members' mean, and whether the
  team's spread went to the consensus agenda, are shown only where they give no colleague
  away (:func:`scoring.disclosure.disclosure`, on the numbers the table shows), else the
  mean alone, else their number only, with one sentence why; never their lowest or highest;
* the consensus and site-visit scores are shown, never the examiner id they are recorded
  under (in some years the team's chosen examiner);
* other examiners' comments are never shown; codes of other examiners inside the
  examiner's own text (a comment that names a colleague) are replaced by
  :data:`REDACTED`, and problems of broken earlier years are shown by place only (their
  messages may quote a code).

The year's examiner model comes from :func:`scoring.calibration.year_model` (fitted once
per data). What the reports of a year share beyond it (the drift over the history, the
consensus closeness of every examiner, the codes to redact) is computed once per state of
the data by :func:`shared` and kept in memory and under :data:`scoring.paths.CACHE_DIR`,
outside ``reports/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ... import names
from ...cache import cache_key, cached, year_files
from ...calibration import examiner_drift, year_model
from ...consensus import dominance
from ...data import NOT_PEOPLE, History, LeftOutYear, available_years, load_history, load_year
from ...disclosure import AT_LEAST, POOL_FROM, disclosure, pool_position
from ...overview import individual
from ...presentation import render
from ...presentation.labels import (
    COLUMNS_SV,
    HALO_HIGH,
    INCONSISTENCY_HIGH,
    RANGE_HIGH,
    RANGE_LOW,
    demo_note,
    is_demo,
    left_out_years,
)
from ...presentation.render import number
from ...problems import InputError, Problem
from ...rubric import Rubric, load_rubric

__all__ = [
    "MEASURES",
    "MEASURE_LABELS",
    "POOL_FROM",
    "RATE_FROM",
    "ExaminerFeedback",
    "Shared",
    "comments",
    "consensus_closeness",
    "consensus_closeness_block",
    "effects",
    "examiner_feedback",
    "heading",
    "pool_of",
    "pool_position",
    "redact",
    "shared",
    "team_comparison",
    "team_entries",
    "team_scores",
    "trend",
]


#: A rate over the team's decisions (how often the consensus landed nearest you) is shown from this
#: many decisions; below, the page says they are too few to tell.
RATE_FROM = 10
#: What replaces another examiner's code in text shown to this examiner.
REDACTED = "[examinator]"
#: The measures of the examiner-effect model, in the report's order.
MEASURES = ("bias", "range", "halo", "inconsistency")
STAGES = ("consensus", "site_visit")

KEY = ["entry_id", "criterion"]
MEASURE_LABELS = {
    "bias": "Avvikelse (poäng)",
    "range": "Spridning",
    "halo": "Halo",
    "inconsistency": "Inkonsekvens (poäng)",
}
_STAGE_SV = {"consensus": "Konsensus", "site_visit": "Platsbesök"}


# --------------------------------------------------------------------------- computations


def team_comparison(scores: pd.DataFrame, examiner_id: str, rubric: Rubric | None = None) -> pd.DataFrame:
    """The examiner's own scores beside the other team members' and the team's.

    Parameters
    ----------
    scores : criterion-level scores of one year (``entry_id, examiner_id, criterion,
        score, stage``), e.g. ``load_year(...).scores``.
    examiner_id : the examiner.
    rubric : the year's rubric (its scale and spread threshold); default the project's.

    Returns
    -------
    DataFrame
        One row per entry and criterion the examiner scored individually, sorted by entry
        and criterion: entry_id, criterion, score (their own), others (how many other
        examiners scored it individually), shown (what may be shown of them,
        :func:`scoring.disclosure.disclosure`: ``mean_flag``, ``mean`` or ``count``),
        others_mean (their mean; NaN unless shown), agenda (True when the team's spread went
        to the consensus agenda; NA unless shown), consensus and site_visit (the team's
        scores at those stages, NaN where there is none), consensus_diff (consensus - own
        score). No column names or holds another examiner, nor their lowest or highest score.
    """
    rubric = rubric or load_rubric()
    ind = individual(scores)
    mine = ind["examiner_id"] == examiner_id
    own = ind.loc[mine].groupby(KEY, as_index=False, sort=True)["score"].mean()
    others = ind.loc[~mine].merge(own[KEY], on=KEY)
    lists = others.groupby(KEY)["score"].agg(list).rename("_others")
    out = own.join(lists, on=KEY)
    out["_others"] = out["_others"].map(lambda x: x if isinstance(x, list) else [])
    out["others"] = out["_others"].map(len).astype(int)
    grid, limit = rubric.scale.values, rubric.spread_threshold
    out["shown"] = [disclosure(o, s, grid, limit, shown_mean) if o else "count"
                    for o, s in zip(out["_others"], out["score"], strict=True)]
    show_mean = out["shown"].isin(["mean_flag", "mean"])
    out["others_mean"] = [float(np.mean(o)) if m else np.nan for o, m in zip(out["_others"], show_mean, strict=True)]
    out["agenda"] = pd.array([max(o + [s]) - min(o + [s]) > limit if v == "mean_flag" else pd.NA
                              for o, s, v in zip(out["_others"], out["score"], out["shown"], strict=True)],
                             dtype="boolean")
    for stage in STAGES:
        team = scores.loc[scores["stage"] == stage].groupby(KEY)["score"].mean().rename(stage)
        out = out.join(team, on=KEY)
    out["consensus_diff"] = out["consensus"] - out["score"]
    cols = ["entry_id", "criterion", "score", "others", "shown", "others_mean", "agenda", "consensus", "site_visit",
            "consensus_diff"]
    floats = ["score", "others_mean", "consensus", "site_visit", "consensus_diff"]
    return out[cols].astype(dict.fromkeys(floats, float)).reset_index(drop=True)


def shown_mean(mean: float) -> str:
    """The others' mean as the examiner's page prints it (what the disclosure rule counts with)."""
    return number(mean, 1)


def consensus_closeness(scores: pd.DataFrame, examiner_id: str) -> pd.DataFrame:
    """How often the team's score landed nearest the examiner's own, per stage.

    From :func:`scoring.consensus.dominance` (computed over the whole year, of which only
    the examiner's own row is kept). Columns: stage (``consensus``, ``site_visit``),
    decisions, nearest, nearest_share, expected_share, movement (mean of team score -
    own score), abs_movement; one row per stage where the examiner has decisions.
    """
    return _closeness_rows({s: dominance(scores, s) for s in STAGES}, examiner_id)


def _closeness_rows(tables: dict[str, pd.DataFrame], examiner_id: str) -> pd.DataFrame:
    cols = ["decisions", "nearest", "nearest_share", "expected_share", "movement", "abs_movement"]
    rows = []
    for stage in STAGES:
        t = tables[stage]
        row = t.loc[t["examiner_id"] == examiner_id, cols]
        if len(row):
            rows.append(row.assign(stage=stage))
    if not rows:
        return pd.DataFrame(columns=["stage", *cols])
    return pd.concat(rows, ignore_index=True)[["stage", *cols]]


def pool_of(effects: pd.DataFrame, examiner_id: str) -> dict[str, np.ndarray]:
    """The other examiners' values of each measure, anonymous, for the pool's distribution.

    Parameters
    ----------
    effects : the year's model effects (``ExaminerModel.effects``: examiner_id, group and
        the :data:`MEASURES`).
    examiner_id : the examiner the report is for.

    Returns
    -------
    dict
        Measure -> the values of the *other* examiners in the examiner's connected group
        (only they are comparable), missing values dropped, each sorted on its own so that
        no colleague's values can be linked across measures. Empty when the examiner is not
        in ``effects`` or their group has fewer than :data:`POOL_FROM` others: a
        distribution of so few would give their values away.
    """
    mine = effects["examiner_id"] == examiner_id
    if not mine.any():
        return {}
    peers = effects.loc[~mine & (effects["group"] == effects.loc[mine, "group"].iloc[0])]
    if len(peers) < POOL_FROM:
        return {}
    return {m: np.sort(peers[m].dropna().to_numpy(dtype=float)) for m in MEASURES}


def redact(text, codes) -> str:
    """``text`` with every occurrence of ``codes`` replaced by :data:`REDACTED`, found as the
    privacy guard finds them (:mod:`scoring.names`: whole tokens in any case, width or spelling,
    before a genitive: ``E07``, ``e07``, ``E07:s``, ``Ｅ０７``; not ``E070``)."""
    return names.redact(text, codes, REDACTED)


# --------------------------------------------------------------------------- shared per year


@dataclass
class Shared:
    """What every examiner report of a year shares beyond the model (see :func:`shared`).

    Attributes
    ----------
    drift : :func:`scoring.calibration.examiner_drift` over the usable years up to the year.
    left_out : earlier years left out of the trend (data errors), as ``load_history`` says.
    codes : every examiner code in the usable years (to redact from text shown to one).
    closeness : per stage, :func:`scoring.consensus.dominance` of the year.
    """

    drift: pd.DataFrame
    left_out: list[LeftOutYear]
    codes: frozenset[str]
    closeness: dict[str, pd.DataFrame]


def shared(year: int, data_dir: str | Path | None = None, *, min_scores: int = 12,
           cache_dir: str | Path | None = None) -> Shared:
    """The year's shared computations, made once per state of the data.

    Kept in memory (for the reports one warm kernel runs in a row) and on disk under
    :data:`scoring.paths.CACHE_DIR` (``SCORING_CACHE_DIR`` overrides it; ``cache_dir``
    overrides both), keyed (:func:`scoring.cache.cache_key`) by every year's files up to ``year``, the
    package's source and ``min_scores``: changed data or changed code is never served an
    old result.
    """
    year = int(year)
    files = [f for y in available_years(data_dir) if y <= year for f in year_files(y, data_dir)]
    key = cache_key(min_scores, year=year, files=files)

    def compute() -> Shared:
        history = load_history(year, data_dir)
        yd = load_year(year, data_dir)
        return Shared(
            drift=examiner_drift(history.scores, min_scores=min_scores),
            left_out=list(history.left_out),
            codes=frozenset(history.scores["examiner_id"].astype(str)) - NOT_PEOPLE,
            closeness={s: dominance(yd.scores, s) for s in STAGES},
        )

    return cached("feedback", key, compute, Shared, cache_dir)


# --------------------------------------------------------------------------- the feedback


@dataclass
class ExaminerFeedback:
    """Everything one examiner's report shows, and nothing about another examiner.

    Attributes
    ----------
    year, examiner_id, rubric : the report's year, examiner and rubric.
    scored : whether the examiner scored any entry individually that year.
    effect : the examiner's own row of the year's model (bias, se, ci_low, ci_high,
        n_entries, n_scores, adjusted, range, halo, inconsistency, n_compared); empty
        when they did not score.
    residual_sd, min_scores : the model's residual sd and its minimum number of scores.
    pool : :func:`pool_of`: per measure, the other examiners' values in the examiner's
        connected group, each sorted on its own, no codes (empty for a small group).
    entries : the entries they scored: entry_id, name, class, others (most other
        examiners on one of its criteria), site_visit (whether it had one).
    team : :func:`team_comparison`.
    comments : their own comments: entry_id, criterion, comment.
    closeness : :func:`consensus_closeness`.
    trend : their own rows of :func:`scoring.calibration.examiner_drift` (no examiner_id).
    left_out : earlier years left out of the trend; the problems by place only.
    """

    year: int
    examiner_id: str
    rubric: Rubric
    scored: bool
    effect: dict
    residual_sd: float
    min_scores: int
    pool: dict[str, np.ndarray]
    entries: pd.DataFrame
    team: pd.DataFrame
    comments: pd.DataFrame
    closeness: pd.DataFrame
    trend: pd.DataFrame
    left_out: list[LeftOutYear] = field(default_factory=list)
    demo: bool = False

    def __repr__(self) -> str:
        return f"<ExaminerFeedback {self.examiner_id} {self.year}>"


def examiner_feedback(year: int, examiner_id: str, data_dir: str | Path | None = None, *,
                      min_scores: int = 12) -> ExaminerFeedback:
    """Gather one examiner's feedback for a year.

    Parameters
    ----------
    year : the award year.
    examiner_id : the examiner's code; empty: the first examiner (by code) who scored that year,
        so that the notebook runs as committed (its default must name nobody: an executed
        notebook keeps its parameters cell).
    data_dir : the data folder (default :data:`scoring.paths.DATA_DIR`).
    min_scores : below this many scores the examiner is not adjusted for (the model's rule).

    Raises
    ------
    ValueError
        When ``examiner_id`` stands for no person (``TEAM``) or appears in no year of the data
        (an examiner who joined later, or left, gets a short report for the year).
    InputError
        When the year's data has errors.
    """
    year = int(year)
    yd = load_year(year, data_dir)
    code = str(examiner_id if examiner_id is not None else "").strip()
    if not code:  # trying the notebook as it is: the year's first examiner
        scored = sorted(set(individual(yd.scores)["examiner_id"].astype(str)) - NOT_PEOPLE)
        if not scored:
            raise ValueError(f"no examiner scored individually in {year}")
        code = scored[0]
    if code in NOT_PEOPLE:
        raise ValueError(f"examiner_id {examiner_id!r} is not an examiner's code")
    common = shared(year, data_dir, min_scores=min_scores)
    if code not in common.codes and not _in_later_years(code, year, data_dir):
        raise ValueError(f"examiner {code} has no scores in any year of the data")
    others = common.codes - {code}
    model = year_model(yd, data_dir, min_scores=min_scores)
    effects_all = model.effects
    mine = effects_all["examiner_id"] == code
    scored = bool(mine.any())
    effect = effects_all.loc[mine].iloc[0].drop(labels=["examiner_id", "group"]).to_dict() if scored else {}
    pool = pool_of(effects_all, code)

    team = team_comparison(yd.scores, code, yd.rubric)
    ind = individual(yd.scores)
    own = ind.loc[ind["examiner_id"] == code]
    visited = set(yd.scores.loc[yd.scores["stage"] == "site_visit", "entry_id"])
    entries = (team.groupby("entry_id", as_index=False)["others"].max()
               .merge(yd.entries[["entry_id", "name", "class"]], on="entry_id", how="left"))
    entries["name"] = entries["name"].map(lambda t: redact(t, others))
    entries["site_visit"] = entries["entry_id"].isin(visited)
    entries = entries[["entry_id", "name", "class", "others", "site_visit"]]
    text = own.loc[own["comment"].fillna("").str.strip() != "", KEY + ["comment"]]
    text = text.assign(comment=text["comment"].map(lambda t: redact(t, others)))
    order = {c: i for i, c in enumerate(yd.rubric.criterion_ids)}
    text = text.sort_values(KEY, key=lambda s: s.map(order) if s.name == "criterion" else s).reset_index(drop=True)
    team = team.sort_values(KEY, key=lambda s: s.map(order) if s.name == "criterion" else s).reset_index(drop=True)

    drift = common.drift
    trend = drift.loc[drift["examiner_id"] == code].drop(columns="examiner_id").reset_index(drop=True)
    left_out = [
        LeftOutYear(x.year, [Problem(p.file, p.row, p.column, "felet visas inte i en personlig rapport; "
                                     "kör scoring validate", p.severity) for p in x.problems])
        for x in common.left_out
    ]
    return ExaminerFeedback(
        year=year, examiner_id=code, rubric=yd.rubric, scored=scored, effect=effect,
        residual_sd=float(np.sqrt(model.variances["residual"])), min_scores=model.min_scores, pool=pool,
        entries=entries.reset_index(drop=True), team=team, comments=text,
        closeness=_closeness_rows(common.closeness, code), trend=trend, left_out=left_out,
        demo=is_demo(yd.entries),
    )  # fmt: skip


def _in_later_years(code: str, year: int, data_dir) -> bool:
    """Whether ``code`` scored in a year after ``year`` (years whose data has errors skipped)."""
    for y in available_years(data_dir):
        if y > year:
            try:
                if (load_year(y, data_dir).scores["examiner_id"] == code).any():
                    return True
            except InputError:
                continue
    return False


# --------------------------------------------------------------------------- presentation



def _finite(x) -> bool:
    return x is not None and not pd.isna(x) and np.isfinite(float(x))


def heading(fb: ExaminerFeedback) -> render.Block:
    """The report's opening: examiner and year, what they scored, who the page is for."""
    blocks = [render.heading("Examinator {code}, {year:d}", code=render.code(fb.examiner_id), year=fb.year)]
    if fb.scored:
        blocks.append(render.paragraph(
            "Du bedömde {entries} bidrag individuellt {year:d} och satte {scores} poäng. Sidan är bara till dig: "
            "andra examinatorer visas aldrig med kod, bara som en anonym fördelning eller som medelvärden.",
            entries=len(fb.entries), year=fb.year, scores=int(fb.effect.get("n_scores", len(fb.team))),
        ))
    else:
        blocks.append(render.paragraph(
            "Du bedömde inga bidrag individuellt {year:d}, så det finns ingen återkoppling på årets poäng. "
            "Din utveckling över åren fram till {year:d} visas längre ned.", year=fb.year))
    if fb.demo:
        blocks.append(demo_note())
    return render.group(*blocks)


def _bias_text(e: dict) -> tuple[str, str]:
    """(what your bias says, what to do) in Swedish."""
    b, lo, hi = e.get("bias"), e.get("ci_low"), e.get("ci_high")
    if not _finite(b):
        return ("Din nivå kan inte skattas i år: du delade inga bidrag med andra examinatorer.", "")
    if _finite(lo) and lo > 0:
        return (f"Du är generösare än genomsnittet: i medel {number(b, 1)} poäng högre än en genomsnittlig examinator "
                f"på samma bidrag och kriterier (95 % konfidensintervall {number(lo, 1)} till {number(hi, 1)}).",
                "Läs bedömningsmallens nivåbeskrivningar igen innan du sätter poäng, och pröva varje hög poäng mot "
                "underlaget: vilka belägg i bidraget bär den?")
    if _finite(hi) and hi < 0:
        return (f"Du är strängare än genomsnittet: i medel {number(-b, 1)} poäng lägre än en genomsnittlig examinator "
                f"på samma bidrag och kriterier (95 % konfidensintervall {number(-hi, 1)} till {number(-lo, 1)}).",
                "Pröva om dina låga poäng speglar vad bidraget visar eller vad du saknar i det; utgå från "
                "bedömningsmallens nivåbeskrivningar och ge poäng för de belägg som finns.")
    return (f"Din nivå skiljer sig inte säkert från genomsnittet: {number(b, 1, sign=True)} poäng, och intervallet "
            f"{number(lo, 1, sign=True)} till {number(hi, 1, sign=True)} rymmer 0.",
            "Fortsätt som nu.")


def _range_text(e: dict) -> tuple[str, str]:
    r = e.get("range")
    if not _finite(r):
        return ("Spridningen kan inte skattas: för få av dina poäng har medbedömare.", "")
    if r < RANGE_LOW:
        return (f"Du använder en smalare del av skalan än medbedömarna (spridning {number(r, 2)}).",
                "Våga använda hela skalan: när ett bidrag är tydligt starkt eller svagt på ett kriterium, låt "
                "poängen visa det. Jämför med mallens beskrivningar av de högsta och lägsta nivåerna.")
    if r > RANGE_HIGH:
        return (f"Du sprider poängen mer än medbedömarna ({number(r, 2)} gånger deras spridning).",
                "Kontrollera att dina höga och låga poäng har stöd i underlaget; när beläggen är blandade hör "
                "poängen oftast hemma närmare mitten.")
    return (f"Du använder skalan ungefär som medbedömarna (spridning {number(r, 2)}).", "Fortsätt som nu.")


def _halo_text(e: dict) -> tuple[str, str]:
    h = e.get("halo")
    if not _finite(h):
        return ("Halo kan inte skattas: för få av dina poäng har medbedömare.", "")
    if h > HALO_HIGH:
        return (f"Du ger ofta ett bidrag ungefär samma poäng på alla kriterier (halo {number(h, 2)}).",
                "Bedöm ett kriterium i taget mot mallens frågor för just det kriteriet innan du bildar dig en "
                "helhetsbild; sätt gärna poängen kriterium för kriterium över alla dina bidrag i stället för "
                "bidrag för bidrag.")
    return (f"Du skiljer mellan bidragens starka och svaga kriterier ungefär som medbedömarna (halo {number(h, 2)}).",
            "Fortsätt som nu.")


def _inconsistency_text(e: dict, typical: float) -> tuple[str, str]:
    """Read against ``typical``: the other examiners' median (the model's residual sd without a pool)."""
    inc = e.get("inconsistency")
    if not _finite(inc) or not _finite(typical) or typical <= 0:
        return ("Inkonsekvensen kan inte skattas i år.", "")
    if inc > INCONSISTENCY_HIGH * typical:
        return (f"Dina poäng har större oförklarad spridning än andras: {number(inc, 1)} poäng mot "
                f"{number(typical, 1)} för en typisk examinator.",
                "Anteckna vilka belägg varje poäng bygger på och jämför liknande underlag mellan bidragen; ta upp "
                "de poäng du var mest osäker på i konsensusdiskussionen.")
    return (f"Dina poäng är ungefär lika samstämmiga som andras: {number(inc, 1)} poäng oförklarad spridning mot "
            f"{number(typical, 1)} för en typisk examinator.", "Fortsätt som nu.")


_MEANING = {
    "bias": "Hur mycket högre (+) eller lägre (−) poäng du i medel sätter än en genomsnittlig examinator skulle ha "
            "satt på samma bidrag och kriterier. Modellen jämför alla som bedömt samma bidrag, direkt eller via "
            "kedjor av gemensamma bidrag, och tar hänsyn till att bidragen är olika starka: den som fått starka "
            "bidrag räknas inte som generös.",
    "range": "Hur mycket du skiljer starka bidrag från svaga jämfört med medbedömarna på samma bidrag och "
             "kriterier. 1 betyder lika mycket; under 1 att du håller dig till en smalare del av skalan "
             "(centraltendens); över 1 att du sprider poängen mer.",
    "halo": "Om du ger ett bidrag ungefär samma poäng på alla kriterier. 0 betyder att du skiljer mellan "
            "bidragets starka och svaga kriterier lika mycket som medbedömarna; nära 1 att du ger nästan samma "
            "poäng överallt; under 0 att du skiljer mer än de.",
    "inconsistency": "Den oförklarade spridningen i dina poäng (i poäng): det som återstår när bidragets och "
                     "kriteriets nivå, din generella nivå och ditt helhetsintryck av bidraget räknats bort.",
}


def effects(fb: ExaminerFeedback) -> render.Block:
    """Your four measures beside the others' distribution (a table), then what each means and what to do."""
    if not fb.scored:
        return render.paragraph("Inga poäng {year:d}: inga mått att visa.", year=fb.year)
    e = fb.effect
    rows = []
    n_pool = 0
    for m in MEASURES:
        own = e.get(m)
        pos = pool_position(own, fb.pool.get(m, np.array([])))
        digits = 1 if m in ("bias", "inconsistency") else 2
        sign = m == "bias"
        value = number(own, digits, sign=sign)
        if m == "bias" and _finite(own) and _finite(e.get("ci_low")):
            value += f" ({number(e['ci_low'], digits, sign=True)} till {number(e['ci_high'], digits, sign=True)})"
        rows.append({
            "measure": MEASURE_LABELS[m],
            "own_value": value,
            "pool_median": number(pos["median"], digits, sign=sign),
            "pool_middle": (render.MISSING if not pos["n"]
                            else f"{number(pos['q1'], digits, sign=sign)} till {number(pos['q3'], digits, sign=sign)}"),
            "share_below": pos["share_below"],
        })
        n_pool = max(n_pool, pos["n"])
    table = render.Table(
        pd.DataFrame(rows).assign(share_below=[_percent(r["share_below"]) for r in rows]),
        headers=COLUMNS_SV, right=["own_value", "pool_median", "pool_middle", "share_below"],
        caption=(render.text("Dina mått jämförda med de {n} andra examinatorerna i din jämförelsegrupp (anonymt)",
                             n=n_pool) if n_pool else
                 render.text("Dina mått (din jämförelsegrupp har för få andra examinatorer för att visa deras "
                             "fördelning utan att röja enskildas värden)")),
    )
    texts = {"bias": _bias_text(e), "range": _range_text(e), "halo": _halo_text(e),
             "inconsistency": _inconsistency_text(e, _typical_inconsistency(fb))}
    blocks: list[render.Block | None] = [table]
    if e.get("adjusted") is False or e.get("adjusted") is np.False_:
        blocks.append(render.paragraph(
            "Du har bara {n} poäng i år, färre än {k}: skattningarna är osäkra, och dina poäng justeras inte "
            "för i rangordningen.", css="note", n=int(e.get("n_scores", 0)), k=fb.min_scores))
    for m in MEASURES:
        said, todo = texts[m]
        blocks.append(render.heading("{name}", level=3, name=MEASURE_LABELS[m]))
        blocks.append(render.paragraph("{meaning}", meaning=_MEANING[m]))
        blocks.append(render.paragraph("{said}", said=render.strong("{s}", s=said)))
        if todo:
            blocks.append(render.paragraph("Vad du kan göra: {todo}", todo=todo))
    blocks.append(render.paragraph(
        "Måtten bygger på årets {n} poäng, från ett fåtal bidrag: ta dem som en fingervisning och se hur de "
        "håller över åren (längre ned).", css="note", n=int(e.get("n_scores", 0))))
    return render.group(*blocks)


def _typical_inconsistency(fb: ExaminerFeedback) -> float:
    pool = fb.pool.get("inconsistency", np.array([]))
    return float(np.median(pool)) if len(pool) else fb.residual_sd


def _percent(x) -> str:
    return render.MISSING if not _finite(x) else f"{number(100 * x, 0)} %"


def team_entries(fb: ExaminerFeedback) -> render.Block:
    """The entries you scored: code, name, class, how many others scored them, site visit."""
    if fb.entries.empty:
        return render.paragraph("Du bedömde inga bidrag {year:d}.", year=fb.year)
    df = fb.entries.assign(
        **{"class": fb.entries["class"].map(lambda c: fb.rubric.class_label(c) if isinstance(c, str) else c),
           "site_visit": fb.entries["site_visit"].map(lambda v: "ja" if v else "nej")}
    )
    return render.Table(df, headers=COLUMNS_SV, codes=["entry_id"], caption="Bidragen du bedömde")


#: Headers of the team table that no other table has.
_TEAM_HEADERS = {"others": "Övriga, antal", "agenda": "På konsensusagendan"}


def team_scores(fb: ExaminerFeedback) -> render.Block:
    """Per entry, a table over its criteria: your score, how many others scored it, their mean and
    whether the team's spread went to the consensus agenda where that gives no one away, the
    consensus and site-visit scores, and how far the consensus lay from you."""
    if fb.team.empty:
        return render.paragraph("Inga poäng att jämföra {year:d}.", year=fb.year)
    names = dict(zip(fb.entries["entry_id"], fb.entries["name"], strict=True))
    tables = []
    for entry, t in fb.team.groupby("entry_id", sort=False):
        df = pd.DataFrame({
            "criterion": t["criterion"].map(fb.rubric.criterion_label).to_numpy(),
            "own_score": t["score"].to_numpy(),
            "others": t["others"].to_numpy(),
            "others_mean": t["others_mean"].to_numpy(),
            "agenda": t["agenda"].to_numpy(),
            "consensus": t["consensus"].to_numpy(),
            "site_visit": t["site_visit"].to_numpy(),
            "consensus_diff": [number(x, None, sign=True) for x in t["consensus_diff"]],
        })
        name = names.get(entry)
        caption = (render.text("{code} {name}", code=render.code(entry), name=name) if isinstance(name, str)
                   else render.text("{code}", code=render.code(entry)))
        tables.append(render.Table(df, headers=COLUMNS_SV | _TEAM_HEADERS, right=["consensus_diff"],
                                   precision={"others_mean": 1}, caption=caption))
    if ((fb.team["shown"] != "mean_flag") & (fb.team["others"] > 0)).any():
        tables.append(render.paragraph(
            "Där övrigas medel eller agendamarkering saknas skulle de avslöja en kollegas poäng: de visas bara "
            "där minst {n} olika uppsättningar av kollegernas poäng stämmer med det som står här och ingen "
            "enskild poäng är säker.", css="note", n=AT_LEAST))
    return render.group(*tables)


def comments(fb: ExaminerFeedback) -> render.Block:
    """Your own comments per entry and criterion, shown literally (others' comments are never shown)."""
    if fb.comments.empty:
        return render.paragraph("Du skrev inga kommentarer {year:d}.", year=fb.year)
    df = fb.comments.assign(criterion=fb.comments["criterion"].map(fb.rubric.criterion_label))
    return render.Table(df, headers=COLUMNS_SV, codes=["entry_id"])


def consensus_closeness_block(fb: ExaminerFeedback) -> render.Block:
    """How often the team's decision landed nearest your score, against chance, and how far you moved."""
    if fb.closeness.empty:
        return render.paragraph("Inga konsensusbeslut att jämföra med {year:d}.", year=fb.year)
    blocks = []
    for _, r in fb.closeness.iterrows():
        stage = _STAGE_SV[r["stage"]].lower()
        if int(r["decisions"]) < RATE_FROM:
            blocks.append(render.paragraph(
                "{Stage}: {n} beslut (bidrag × kriterier) som du hade bedömt är för få för att säga hur ofta lagets "
                "poäng landade närmast din (det krävs minst {k}).", Stage=_STAGE_SV[r["stage"]],
                n=int(r["decisions"]), k=RATE_FROM))
            continue
        blocks.append(render.paragraph(
            "{Stage}: av {n} beslut (bidrag × kriterier) som du hade bedömt landade lagets poäng närmast din "
            "poäng i {share} av fallen (delat när flera låg lika nära). Om den som hamnar närmast vore en "
            "slumpvis vald lagmedlem skulle det ske i {expected}. I medel låg lagets poäng {move} poäng från din "
            "(> 0: högre än din), i medel {abs} poäng bort.",
            Stage=_STAGE_SV[r["stage"]], n=int(r["decisions"]), share=_percent(r["nearest_share"]),
            expected=_percent(r["expected_share"]), move=number(r["movement"], 1, sign=True),
            abs=number(r["abs_movement"], 1),
        ))
        blocks.append(render.paragraph("{s}", s=render.em("{t}", t=_closeness_reading(r, stage))))
    return render.group(*blocks)


def _closeness_reading(r, stage: str) -> str:
    share, expected, n = r["nearest_share"], r["expected_share"], int(r["decisions"])
    # a binomial band around the share expected by chance (normal approximation, 95 %)
    band = 1.96 * np.sqrt(expected * (1 - expected) / n) if n else np.inf
    if share > expected + band:
        return (f"Lagets {stage} hamnar oftare nära dig än slumpen ger. Se till att de andras belägg får samma "
                "utrymme som dina innan laget bestämmer sig.")
    if share < expected - band:
        return (f"Lagets {stage} hamnar mer sällan nära dig än slumpen ger: du flyttar dig oftare än andra. Det "
                "är bra när argumenten övertygar; stå på dig när du har belägg.")
    return f"Lagets {stage} hamnar ungefär så ofta nära dig som slumpen ger."


def trend(fb: ExaminerFeedback) -> render.Block:
    """Your effect per year with intervals and the changes flagged, in a table and in words."""
    blocks: list[render.Block] = [left_out_years(History(pd.DataFrame(), fb.left_out))]
    t = fb.trend.dropna(subset=["bias"])
    if t.empty:
        blocks.append(render.paragraph("Det finns inga år med en skattning av din nivå."))
        return render.group(*blocks)
    df = pd.DataFrame({
        "year": t["year"].astype(int),
        "bias_ci": [_ci(b, lo, hi) for b, lo, hi in zip(t["bias"], t["ci_low"], t["ci_high"], strict=True)],
        "n_scores": t["n_scores"].astype(int),
        "change_ci": [_ci(c, lo, hi) for c, lo, hi in zip(t["change"], t["change_low"], t["change_high"],
                                                          strict=True)],
        "flagged": t["flagged"].map(lambda f: "ja" if f else "nej"),
    })
    blocks.append(render.Table(df, headers=COLUMNS_SV, right=["bias_ci", "change_ci"]))
    flagged = t[t["flagged"].astype(bool)]
    if flagged.empty:
        blocks.append(render.paragraph(
            "Ingen säker förändring: för inget år utesluter intervallet för förändringen mot dina tidigare år 0."))
    for _, r in flagged.iterrows():
        direction = "generösare" if r["change"] > 0 else "strängare"
        blocks.append(render.paragraph(
            "{year:d}: din nivå ändrades säkert jämfört med dina tidigare år: {change} poäng (95 % KI {lo} till "
            "{hi}). Du var alltså {direction} i förhållande till kollegerna än tidigare. Fundera på vad som ändrats "
            "(nya bidragstyper, ny mall, eget arbetssätt) och stäm av dina nivåer mot mallens beskrivningar.",
            year=int(r["year"]), change=number(r["change"], 1, sign=True), lo=number(r["change_low"], 1, sign=True),
            hi=number(r["change_high"], 1, sign=True), direction=direction,
        ))
    return render.group(*blocks)


def _ci(x, lo, hi) -> str:
    if not _finite(x):
        return render.MISSING
    if not (_finite(lo) and _finite(hi)):
        return number(x, 1, sign=True)
    return f"{number(x, 1, sign=True)} ({number(lo, 1, sign=True)} till {number(hi, 1, sign=True)})"
