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

Every reading on the page (what a measure says about you, what to do, how often the team landed
near you, whether your generosity changed) follows the rules written once in
:func:`scoring.presentation.labels.measure_level` and :mod:`.words`, read from the same pool
and share of colleagues below you that the page's table shows.

The year's examiner model comes from :func:`scoring.calibration.year_model` (fitted once
per data), the year's checked data from :func:`scoring.data.year_data` (read once per
data). What the reports of a year share beyond them (the drift over the history, the codes to
redact, the tables of what a row may show) is computed once per state of
the data by :func:`shared` and kept in memory and under :data:`scoring.paths.CACHE_DIR`,
outside ``reports/``; the calibration report computes it first (its drift table is the same
table), so that with the cache of a run that made it, an examiner's report computes nothing of the
year's again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ... import disclosure as rule
from ... import names
from ...cache import cache_key, cached, year_files
from ...calibration import examiner_drift, year_data, year_model
from ...consensus import closeness_of, decisions
from ...data import NOT_PEOPLE, History, LeftOutYear, available_years, examiner_codes, load_history, load_year
from ...disclosure import POOL_FROM, pool_position
from ...overview import individual
from ...presentation import glossary, render
from ...presentation.labels import (
    COLUMNS_SV,
    READ_MEASURES,
    Level,
    colleague_pool,
    demo_note,
    is_demo,
    left_out_years,
    measure_level,
    measure_n,
)
from ...presentation.render import number
from ...problems import InputError, Problem
from ...rubric import Rubric, load_rubric
from . import words
from .words import RATE_FROM

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
    "generosity",
    "heading",
    "levels",
    "pool_of",
    "pool_position",
    "positions",
    "redact",
    "shared",
    "team_comparison",
    "team_entries",
    "team_scores",
    "trend",
]


#: What replaces another examiner's code in text shown to this examiner.
REDACTED = "[examinator]"
#: The measures of the examiner-effect model, in the report's order.
MEASURES = tuple(READ_MEASURES)
STAGES = ("consensus", "site_visit")

KEY = ["entry_id", "criterion"]
#: The measures' names on the page: the glossary's terms with their units.
MEASURE_LABELS = {m: glossary.label(key) for m, key in READ_MEASURES.items()}
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
    out["shown"] = [_disclosure(o, s, grid, limit) if o else "count"
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


def _disclosure(others, own: float, grid, threshold: float) -> str:
    """:func:`scoring.disclosure.disclosure` of one row with :func:`shown_mean`: the same level, the
    table of levels behind it (:func:`scoring.disclosure.levels`, one per number of others, own score,
    scale and threshold) kept in the cache folder as well as in memory. Enumerating a table takes up to
    0.1 s (five others on an 11-step scale: 3,003 multisets) and a page needs a dozen or more: in a
    fresh kernel that was a second of every examiner's report."""
    grid_t = tuple(sorted({float(g) for g in grid}))
    key = tuple(sorted(float(o) for o in others))
    if not key or any(o not in grid_t for o in key):
        return "count"
    return _levels_table(len(key), own, grid_t, threshold).get(key, "count")


def _levels_table(k: int, own: float, grid: tuple, threshold: float, cache_dir=None) -> dict:
    """:func:`scoring.disclosure.levels` for ``k`` others, the reader's score ``own``, the scale's
    ``grid`` (sorted floats) and the agenda's ``threshold``, with :func:`shown_mean`: from memory, the
    cache folder, or enumerated (and kept in both)."""
    config = (int(k), float(own), tuple(grid), float(threshold))
    name = hashlib.sha256(repr(config).encode()).hexdigest()[:24]
    return cached("disclosure", cache_key(name, files=[]), lambda: rule.levels(*config, shown_mean), dict, cache_dir)


def _year_levels(scores: pd.DataFrame, rubric: Rubric, cache_dir=None) -> None:
    """Every table of levels the year's examiner pages look up (:func:`_levels_table`: one per number
    of others and own score that occur), made once for all of them (the national demo year: 33 tables,
    about 1 s; each page then reads the dozen or more it needs)."""
    ind = individual(scores)
    own = ind.groupby([*KEY, "examiner_id"])["score"].agg(["mean", "size"])
    cell = ind.groupby(KEY)["score"].size()
    others = cell.reindex(own.index.droplevel("examiner_id")).to_numpy() - own["size"].to_numpy()
    grid = tuple(sorted({float(g) for g in rubric.scale.values}))
    some = others > 0
    for k, mean in sorted(set(zip(others[some].tolist(), own["mean"].to_numpy()[some].tolist(), strict=True))):
        _levels_table(k, mean, grid, rubric.spread_threshold, cache_dir)


def consensus_closeness(scores: pd.DataFrame, examiner_id: str, rubric: Rubric | None = None,
                        cache_dir=None) -> pd.DataFrame:
    """How often the team's score landed nearest the examiner's own, per stage, and whether the page may
    say it.

    :func:`scoring.consensus.closeness` of the examiner's decisions (the same credit, ties shared).
    Columns: stage (``consensus``, ``site_visit``), decisions, nearest, nearest_share, expected_share,
    movement (mean of team score - own score), abs_movement, shown; one row per stage where the
    examiner has decisions. ``shown`` is :func:`scoring.disclosure.rate_level` of the rate as the page
    prints it (:func:`_rate_said`) beside each row of :func:`team_comparison`: "rate", or "withheld" or
    "count" (nearest and nearest_share are then NaN), or "few" (fewer than :data:`RATE_FROM` decisions:
    no rate is printed). A page prints one rate at most: the site visit's only when the consensus
    stage printed nothing of its own (few decisions, or never a rate), as two rates over the same rows
    tell more together than each passes alone ("count" else).
    """
    rubric = rubric or load_rubric()
    ind = individual(scores)
    own_pairs = ind.loc[ind["examiner_id"] == examiner_id, KEY].drop_duplicates()
    mine = scores.merge(own_pairs, on=KEY)  # every stage of the pairs the examiner scored
    grid = tuple(sorted({float(g) for g in rubric.scale.values}))
    cols = ["decisions", "nearest", "nearest_share", "expected_share", "movement", "abs_movement", "shown"]
    rows = []
    for stage in STAGES:
        m = decisions(mine, stage)
        if m is None:
            continue
        own = m["examiner_id"] == examiner_id
        decided = m.loc[own].reset_index(drop=True)
        row = closeness_of(decided).drop(columns="examiner_id").iloc[0].to_dict()
        n = int(row["decisions"])
        shown = "few"
        if n >= RATE_FROM and any(r["shown"] not in ("few", "count") for r in rows):
            shown = "count"  # the consensus stage's rate (or its withholding) is on the page: one rate at most
        elif n >= RATE_FROM:
            others = m.loc[~own].groupby(KEY)["score"].agg(tuple)
            pairs = list(zip(decided["entry_id"], decided["criterion"], strict=True))
            unit = rule.share_unit(decided["team"].max())
            rate_rows = []
            for pair, s, c in zip(pairs, decided["score"], decided["consensus"], strict=True):
                o = others.get(pair, ())
                table = _levels_table(len(o), float(s), grid, rubric.spread_threshold, cache_dir) if o else {}
                rate_rows.append(rule.rate_row(table, o, float(s), float(c), grid, rubric.spread_threshold,
                                               shown_mean, unit))
            shown, _ = rule.rate_level(rate_rows, _rate_said(n, float(row["expected_share"])))
            if shown == "rate":  # the shares summed exactly, as the rule read them
                row["nearest"] = sum(r.actual for r in rate_rows) / unit
                row["nearest_share"] = row["nearest"] / n
        if shown in ("withheld", "count"):
            row["nearest"] = row["nearest_share"] = np.nan
        rows.append({"stage": stage, **row, "shown": shown})
    return pd.DataFrame(rows, columns=["stage", *cols])


def _rate_said(decisions: int, expected: float):
    """What the closeness block prints that depends on the sum of shares (``said(total)``): the share as
    printed and the comparison with chance (:func:`scoring.kinds.examiner.words.closeness_side`)."""
    side = words.closeness_sides(decisions, expected)

    def said(total) -> tuple[str, str]:
        return _percent(float(total) / decisions), side(float(total))

    return said


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
        distribution of so few would give their values away. The pool is
        :func:`scoring.presentation.labels.colleague_pool`, the same the calibration report's
        readings are read from (:func:`scoring.presentation.labels.examiner_positions`).
    """
    return colleague_pool(effects, examiner_id)


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
    """

    drift: pd.DataFrame
    left_out: list[LeftOutYear]
    codes: frozenset[str]


def shared(year: int, data_dir: str | Path | None = None, *, min_scores: int = 12,
           cache_dir: str | Path | None = None) -> Shared:
    """The year's shared computations, made once per state of the data.

    Kept in memory (for the reports one warm kernel runs in a row) and on disk under
    :data:`scoring.paths.CACHE_DIR` (``SCORING_CACHE_DIR`` overrides it; ``cache_dir``
    overrides both), keyed (:func:`scoring.cache.cache_key`) by every year's files up to ``year``, the
    package's source and ``min_scores``: changed data or changed code is never served an
    old result. Computing it also puts into the cache folder each history year's model
    (:func:`scoring.calibration.year_model`, which the drift then takes instead of fitting the year
    again) and the disclosure tables the year's pages look up (:func:`_year_levels`). The
    calibration report computes it, so an examiner's report after it reads everything.
    """
    year = int(year)
    files = [f for y in available_years(data_dir) if y <= year for f in year_files(y, data_dir)]
    key = cache_key(min_scores, year=year, files=files)

    def compute() -> Shared:
        history = load_history(year, data_dir)
        yd = year_data(year, data_dir, cache_dir=cache_dir)
        # first what needs no model: a run's runner may be fitting the year's meanwhile (runner._read_ahead)
        _year_levels(yd.scores, yd.rubric, cache_dir)  # the pages' disclosure tables, into the cache folder
        # each year's model as the year's own reports fit it (kept on disk): not fitted a second time
        models = {y: year_model(yd if y == year else y, data_dir, min_scores=min_scores, cache_dir=cache_dir)
                  for y in sorted(set(history.scores["year"].astype(int)))}
        return Shared(
            drift=examiner_drift(history.scores, min_scores=min_scores, models=models),
            left_out=list(history.left_out),
            codes=frozenset(history.scores["examiner_id"].astype(str).unique()) - NOT_PEOPLE,
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
    yd = year_data(year, data_dir)
    code = str(examiner_id if examiner_id is not None else "").strip()
    if not code:  # trying the notebook as it is: the year's first examiner
        scored = sorted(set(individual(yd.scores)["examiner_id"].astype(str)) - NOT_PEOPLE)
        if not scored:
            raise ValueError(f"no examiner scored individually in {year}")
        code = scored[0]
    if code in NOT_PEOPLE:
        raise ValueError(f"examiner_id {examiner_id!r} is not an examiner's code")
    # first what needs no model: a report run's runner may be fitting it meanwhile (runner._read_ahead)
    team = team_comparison(yd.scores, code, yd.rubric)
    ind = individual(yd.scores)
    own = ind.loc[ind["examiner_id"] == code]
    visited = set(yd.scores.loc[yd.scores["stage"] == "site_visit", "entry_id"])
    closeness = consensus_closeness(yd.scores, code, yd.rubric)
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

    entries = (team.groupby("entry_id", as_index=False)["others"].max()
               .merge(yd.entries[["entry_id", "name", "class"]], on="entry_id", how="left"))
    entries["name"] = entries["name"].map(lambda t: redact(t, others))
    entries["site_visit"] = entries["entry_id"].isin(visited)
    entries = entries[["entry_id", "name", "class", "others", "site_visit"]]
    text = own.loc[own["comment"].fillna("").str.strip() != "", KEY + ["comment"]]
    if len(text):  # a comment may name anyone the guard knows (a colleague of a later year, a trainee)
        anyone = (others | examiner_codes(data_dir)) - {code}
        text = text.assign(comment=text["comment"].map(lambda t: redact(t, anyone)))
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
        closeness=closeness, trend=trend, left_out=left_out,
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
    """The report's opening: examiner and year, what they scored, their generosity and what to do about it
    (the page's first screen, issue 18; the same reading as under the measures, :func:`generosity`),
    who the page is for and the privacy rule."""
    blocks = [render.heading("Examinator {code}, {year:d}", code=render.code(fb.examiner_id), year=fb.year)]
    if fb.scored:
        blocks.append(render.paragraph(
            "Du bedömde {entries} bidrag individuellt {year:d} och satte {scores} poäng. Sidan är bara till dig.",
            entries=len(fb.entries), year=fb.year, scores=int(fb.effect.get("n_scores", len(fb.team))),
        ))
        said, todo = generosity(fb)
        blocks.append(render.paragraph("{term} {said}", term=render.strong("{t}:", t=glossary.term("generosity")),
                                       said=said))
        if todo:
            blocks.append(render.paragraph("{what} {todo}", what=render.strong("Vad du kan göra:"), todo=todo))
    else:
        blocks.append(render.paragraph(
            "Du bedömde inga bidrag individuellt {year:d}, så det finns ingen återkoppling på årets poäng. "
            "Din utveckling över åren fram till {year:d} visas längre ned.", year=fb.year))
    blocks.append(render.paragraph("{rule}", rule=words.privacy_sentence()))
    if fb.demo:
        blocks.append(demo_note())
    return render.group(*blocks)


#: Extra explanation of a measure on the page, after the glossary's definition.
_MORE = {
    "bias": "Modellen jämför alla som bedömt samma bidrag, direkt eller via kedjor av gemensamma bidrag, och tar "
            "hänsyn till att bidragen är olika starka: den som fått starka bidrag räknas inte bara därför som generös.",
}


def positions(fb: ExaminerFeedback) -> dict[str, dict]:
    """Per measure, :func:`scoring.disclosure.pool_position` of your value among your colleagues: the
    figures the table shows and the readings are read from."""
    return {m: pool_position(fb.effect.get(m), fb.pool.get(m, np.array([]))) for m in MEASURES}


def levels(fb: ExaminerFeedback) -> dict[str, Level]:
    """Per measure, how it reads (:func:`scoring.presentation.labels.measure_level`), from the same
    positions as the table (:func:`positions`)."""
    e = fb.effect
    pos = positions(fb)
    return {m: measure_level(m, e.get(m), position=pos[m] if pos[m]["n"] else None, n=measure_n(m, e),
                             ci=(e.get("ci_low"), e.get("ci_high")), residual_sd=fb.residual_sd)
            for m in MEASURES}


def generosity(fb: ExaminerFeedback) -> tuple[str, str]:
    """(what your generosity says about you, what you can do; "" for nothing): the reading of the
    measures' table (:func:`scoring.kinds.examiner.words.measure_reading`), which the page's opening
    repeats so that its first screen holds it."""
    e = fb.effect
    return words.measure_reading(levels(fb)["bias"], (e.get("ci_low"), e.get("ci_high")))


def _digits(m: str) -> int:
    return 1 if m in ("bias", "inconsistency") else 2


def _value(m: str, x) -> str:
    return glossary.signed(x, _digits(m)) if m == "bias" else number(x, _digits(m))


def effects(fb: ExaminerFeedback) -> render.Block:
    """Your four measures beside the others' distribution (a table), then what each means, what it
    says about you and what to do, read from the table's own share of colleagues below you."""
    if not fb.scored:
        return render.paragraph("Inga poäng {year:d}: inga mått att visa.", year=fb.year)
    e = fb.effect
    pos = positions(fb)
    rows = []
    for m in MEASURES:
        p = pos[m]
        value = _value(m, e.get(m))
        name = MEASURE_LABELS[m]
        if m == "bias" and _finite(e.get(m)) and _finite(e.get("ci_low")):
            value += f" ({glossary.signed_interval(e['ci_low'], e['ci_high'], _digits(m))})"
            name += f" med {glossary.term('shrunken_interval')}"
        rows.append({
            "measure": name,
            "own_value": value,
            "pool_median": _value(m, p["median"]),
            "pool_middle": (render.MISSING if not p["n"] else f"{_value(m, p['q1'])} till {_value(m, p['q3'])}"),
            "share_below": _percent(p["share_below"]),
        })
    n_pool = max(p["n"] for p in pos.values())
    table = render.Table(
        pd.DataFrame(rows), headers=COLUMNS_SV, right=["own_value", "pool_median", "pool_middle", "share_below"],
        caption=(render.text("Dina mått jämförda med de {n} andra examinatorerna i din jämförelsegrupp (anonymt)",
                             n=n_pool) if n_pool else
                 render.text("Dina mått (din jämförelsegrupp har färre än {k} andra examinatorer: deras "
                             "fördelning visas inte)", k=POOL_FROM)),
    )
    lv = levels(fb)
    blocks: list[render.Block | None] = [table, render.paragraph("{rules}", css="note",
                                                                 rules=words.reading_rules(bool(n_pool)))]
    if e.get("adjusted") is False or e.get("adjusted") is np.False_:
        blocks.append(render.paragraph(
            "Du har bara {n} poäng i år, färre än {k}: dina poäng justeras inte för i rangordningen.",
            css="note", n=int(e.get("n_scores", 0)), k=fb.min_scores))
    for m in MEASURES:
        said, todo = words.measure_reading(lv[m], (e.get("ci_low"), e.get("ci_high")))
        key = READ_MEASURES[m]
        blocks.append(render.heading("{name}", level=3, name=MEASURE_LABELS[m]))
        blocks.append(render.paragraph("{meaning}", meaning=" ".join(
            [glossary.TERMS[key].definition, *([_MORE[m]] if m in _MORE else [])])))
        if m == "bias":
            blocks.append(render.paragraph("{term}: {meaning}", term=glossary.term("shrunken_interval"),
                                           meaning=glossary.TERMS["shrunken_interval"].definition))
        blocks.append(render.paragraph("{said}", said=render.strong("{s}", s=said)))
        if todo:
            blocks.append(render.paragraph("Vad du kan göra: {todo}", todo=todo))
    blocks.append(render.paragraph(
        "Måtten bygger på årets {n} poäng, från ett fåtal bidrag: ta dem som en fingervisning och se hur de "
        "håller över åren (längre ned).", css="note", n=int(e.get("n_scores", 0))))
    return render.group(*blocks)


def _percent(x) -> str:
    return render.MISSING if not _finite(x) else f"{number(100 * x, 0)}\u00a0%"


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
            "consensus_diff": [glossary.signed(x, None) for x in t["consensus_diff"]],
        })
        name = names.get(entry)
        caption = (render.text("{code} {name}", code=render.code(entry), name=name) if isinstance(name, str)
                   else render.text("{code}", code=render.code(entry)))
        tables.append(render.Table(df, headers=COLUMNS_SV | _TEAM_HEADERS, right=["consensus_diff"],
                                   precision={"others_mean": 1}, caption=caption))
    if ((fb.team["shown"] != "mean_flag") & (fb.team["others"] > 0)).any():
        tables.append(render.paragraph(
            "Där övrigas medel eller agendamarkering saknas skulle de avslöja en kollegas poäng.", css="note"))
    return render.group(*tables)


def comments(fb: ExaminerFeedback) -> render.Block:
    """Your own comments per entry and criterion, shown literally (others' comments are never shown)."""
    if fb.comments.empty:
        return render.paragraph("Du skrev inga kommentarer {year:d}.", year=fb.year)
    df = fb.comments.assign(criterion=fb.comments["criterion"].map(fb.rubric.criterion_label))
    return render.Table(df, headers=COLUMNS_SV, codes=["entry_id"])


def consensus_closeness_block(fb: ExaminerFeedback) -> render.Block:
    """How often the team's decision landed nearest your score, against chance, and how far you moved;
    read only from :data:`RATE_FROM` decisions, and together with your generosity."""
    if fb.closeness.empty:
        return render.paragraph("Inga konsensusbeslut att jämföra med {year:d}.", year=fb.year)
    generosity = levels(fb)["bias"] if fb.scored else None
    blocks = []
    for _, r in fb.closeness.iterrows():
        if r["shown"] in ("withheld", "count"):
            blocks.append(render.paragraph(
                "{Stage}: {n} beslut (bidrag × kriterier) som du hade bedömt. Hur ofta lagets poäng landade "
                "närmast din visas inte: tillsammans med det sidan redan visar skulle andelen säga något om vad "
                "en kollega gav.", Stage=_STAGE_SV[r["stage"]], n=int(r["decisions"])))
            continue
        if int(r["decisions"]) < RATE_FROM:
            blocks.append(render.paragraph(
                "{Stage}: {n} beslut (bidrag × kriterier) som du hade bedömt: för få beslut för att säga hur ofta "
                "lagets poäng landade närmast din (det krävs minst {k}).", Stage=_STAGE_SV[r["stage"]],
                n=int(r["decisions"]), k=RATE_FROM))
            continue
        blocks.append(render.paragraph(
            "{Stage}: av {n} beslut (bidrag × kriterier) som du hade bedömt landade lagets poäng närmast din "
            "poäng i {share} av fallen (delat när flera låg lika nära). Om den som hamnar närmast vore en "
            "slumpvis vald lagmedlem skulle det ske i {expected}. I medel låg lagets poäng {move} poäng från din "
            "(> 0: högre än din), i medel {abs} poäng bort.",
            Stage=_STAGE_SV[r["stage"]], n=int(r["decisions"]), share=_percent(r["nearest_share"]),
            expected=_percent(r["expected_share"]), move=glossary.signed(r["movement"]),
            abs=number(r["abs_movement"], 1),
        ))
        said, todo = words.closeness_reading(r, generosity)
        blocks.append(render.paragraph("{s}", s=render.em("{t}", t=said)))
        if todo:
            blocks.append(render.paragraph("Vad du kan göra: {todo}", todo=todo))
    return render.group(*blocks)


def trend(fb: ExaminerFeedback) -> render.Block:
    """Your generosity per year with its interval, the change from your earlier years and whether it
    is flagged (at the stated false-alarm rate), in a table and in words."""
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
    blocks.append(render.paragraph("{rule}", rule=words.drift_rule()))
    flags = t["flagged"].astype(bool)
    flagged = t[flags]
    outside = ~flags & ((t["change_low"] > 0) | (t["change_high"] < 0))
    if outside.any():
        blocks.append(render.paragraph(
            "Intervallen för förändringen är 95\u00a0% intervall för varje års jämförelse för sig. Att ett av dem "
            "ligger helt på ena sidan om 0 räcker inte för en flagga: flaggans felrisk delas på alla dina års "
            "jämförelser."))
    if flagged.empty:
        blocks.append(render.paragraph("Ingen {flag} mot dina tidigare år.",
                                       flag=glossary.term("drift_flag").lower()))
    for _, r in flagged.iterrows():
        blocks.append(render.paragraph("{s}", s=words.drift_flag_text(int(r["year"]), r["change"], r["change_low"],
                                                                     r["change_high"])))
    return render.group(*blocks)


def _ci(x, lo, hi) -> str:
    if not _finite(x):
        return render.MISSING
    if not (_finite(lo) and _finite(hi)):
        return glossary.signed(x)
    return f"{glossary.signed(x)} ({glossary.signed_interval(lo, hi)})"
