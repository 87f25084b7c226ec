"""A seeded, synthetic, multi-year demo data set (fictional entries and examiners).

``generate()`` writes, per award year, ``<out>/<year>/entries.csv``, ``examiners.csv``, ``scores.csv``,
``assignments.csv`` and the year's training session ``training/grundutbildning/``
(``reference.csv`` plus the trainees' scores: a ``trainees.csv``, or in the last year about
25 filled Excel scorebooks), the generator's true values in ``<out>/demo_truth/`` and a
``<out>/README.md`` describing it all, and the register of conflicts of interest
``<out>/conflicts.csv`` (:mod:`scoring.demo_register`). The same seed gives byte-identical CSV files and
workbooks with identical cells (a workbook's zip bytes record when it was written).

The model, in fractions of the rubric scale's span (so any scale works):

* an entry's true score on a criterion = the entry's overall quality + a
  criterion-specific deviation;
* an examiner's individual score = true score seen through the examiner: an
  impression of the entry that differs from examiner to examiner, a range factor
  around the scale's midpoint (below 1 = central tendency), persistent leniency
  (some drifting across years), halo (mixing each criterion towards the examiner's
  mean over the entry's criteria) and noise; then clipped to the scale and rounded
  to its step;
* consensus = team mean, moved a little towards the truth and towards the scores
  of the team's most dominant member (anchoring);
* site visit for the strongest third of each class: consensus, at most one step
  off, usually towards the truth;
* each year a training case: reference scores plus the new examiners' and a couple
  of experienced examiners' individual scores; in the last year instead a training day
  of about 25 trainees who hand in Excel scorebooks made from the template (most of them
  too lenient, as new examiners are; some leave a criterion blank).

A few messy but valid inputs are planted in given years (see ``MESSY_INPUTS``).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import demo_register
from .data.changes import CHANGE_LOG, CHANGE_LOG_COLUMNS
from .data.decisions import DECISION_COLUMNS
from .data.people import PEOPLE_COLUMNS
from .demo_decisions import decisions as demo_decisions
from .demo_feedback import team_texts
from .demo_people import people as demo_people
from .paths import DATA_DIR
from .rubric import Rubric, load_rubric
from .scorebook.correct import demo_changes

DEFAULT_SEED = 2024
DEFAULT_YEARS = range(2019, 2025)

#: The name of every year's demo training session (its folder in ``<year>/training/``).
TRAINING_SESSION = "grundutbildning"

SCORE_COLUMNS = ("year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment", "strengths",
                 "improvements")
TRAINING_COLUMNS = SCORE_COLUMNS[:8]  # a training session's files: no consensus, no team texts
ENTRY_COLUMNS = ("entry_id", "name", "class", "district", "staff_count", "budget_in_balance", "administration",
                 "unit_id")
EXAMINER_COLUMNS = ("examiner_id", "experienced", "administration", "district", "max_entries")
CONFLICT_COLUMNS = ("examiner_id", "entry_id", "unit_id", "district", "reason")

#: The planted messy-but-valid inputs, by award year.
MESSY_INPUTS = {
    2020: "swedish_labels",  # some examiners' rows use the Swedish criterion labels
    2021: "swedish_excel",  # scores.csv: semicolons, UTF-8 BOM, decimal commas ("70,0")
    2022: "question_level",  # two examiners scored the questions, not the criteria
    2023: "blank_stage",  # some examiners' rows leave the stage empty (= individual)
    2024: "incomplete_scorebook",  # one examiner left one criterion of one entry unscored
}

# ---------------------------------------------------------------------------------------
# Model parameters (fractions of the scale's span unless said otherwise)
_QUALITY_MEAN, _QUALITY_SD = 0.55, 0.11  # entry overall quality
_CRITERION_SD = 0.07  # criterion-specific deviation of an entry
_IMPRESSION_SD = 0.06  # examiner x entry impression (shared by the entry's criteria)
_LENIENCY_SD = 0.08
_TEAM_SIZES, _TEAM_SIZE_P = (4, 5, 6), (0.3, 0.45, 0.25)
_LOAD_MIN, _LOAD_MAX = 3, 5  # entries per examiner and year
_ACTIVE_MIN, _ACTIVE_MAX = 36, 40  # examiners active per year
_NEW_MIN, _NEW_MAX = 6, 9  # new examiners (trainees) per year
_MIN_TENURE = 3  # years an examiner serves before leaving
_N_DRIFTING = 5
_CONSENSUS_W_TRUTH, _CONSENSUS_W_DOMINANT = 0.15, 0.25
_CLASS_SHARE = {"forskola": 0.3, "skola": 0.2, "aldreomsorg": 0.15, "socialtjanst": 0.2, "andra": 0.15}
# The last year's training day: trainees who hand in Excel scorebooks
_N_TRAINEES = 25
_TRAINEE_LENIENCY_MEAN, _TRAINEE_LENIENCY_SD = 0.07, 0.05  # new examiners start too lenient
_TRAINEE_BLANKS = (1, 1, 1, 2)  # criteria left blank by a few trainees
_TRAINEE_COMMENT_P = 0.3

DISTRICTS = (
    "Rinkeby-Kista", "Spånga-Tensta", "Hässelby-Vällingby", "Bromma", "Kungsholmen",
    "Norrmalm", "Östermalm", "Södermalm", "Enskede-Årsta-Vantör", "Skarpnäck", "Farsta",
    "Hägersten-Älvsjö", "Skärholmen",
)  # fmt: skip
_PLACE_HEAD = (
    "Ask", "Björk", "Ek", "Hassel", "Lind", "Rönn", "Sjö", "Sol", "Ljung", "Al", "Gran",
    "Tall", "Hägg", "Sälg", "Vass", "Ängs", "Mos", "Strand", "Lönn", "Kvarn", "Berg", "Måns",
)  # fmt: skip
_PLACE_TAIL = ("dal", "backen", "ängen", "vik", "hagen", "holmen", "sund", "lunden", "näs", "torp")
_SCHOOL_TAIL = ("dals", "backs", "ängs", "viks", "hags", "holms", "sunds", "lunds", "näs", "torps")
_PRESCHOOL = (
    "Solrosen", "Blåklinten", "Ekorren", "Humlan", "Lönnlövet", "Myrstigen", "Trollsländan",
    "Snäckan", "Vitsippan", "Kotten", "Skogsgläntan", "Regnbågen", "Fjärilen", "Tallkotten",
    "Måsen", "Lärkan", "Nyckelpigan", "Sjöstjärnan", "Vildrosen", "Mullvaden", "Gläntan",
)  # fmt: skip
_NAME_PATTERNS = {
    "forskola": ("Förskolan {preschool}", "Förskoleenheten {place}"),
    "skola": ("{school}skolan", "{school}skolan, grundsärskola"),
    "aldreomsorg": (
        "Vård- och omsorgsboendet {place}", "Hemtjänst {place}", "Biståndsenheten, {district}",
        "Dagverksamheten {place}",
    ),
    "socialtjanst": (
        "Gruppbostaden {place}", "Daglig verksamhet {place}", "Barn och ungdom, {district}",
        "Boendestöd {place}", "Ekonomiskt bistånd, {district}",
    ),
    "andra": (
        "Parkenheten, {district}", "Biblioteket {place}", "Kontaktcenter {place}",
        "Administrativa enheten, {district}", "Lokalvården {place}", "Kulturhuset {place}",
    ),
}  # fmt: skip
_FALLBACK_PATTERNS = ("Enheten {place}", "Verksamheten {place}, {district}")

_STRENGTHS = {
    "target_group": "Brukarnas behov kartläggs systematiskt, bl.a. genom samtal och enkäter.",
    "leadership": 'Chefen beskrivs som "närvarande och lyssnande", och ledarskapet utvärderas årligen.',
    "staff": "Gemensam värdegrund som märks i det dagliga arbetet.",
    "results": "Resultaten redovisas över flera år, med analys och jämförelser.",
    "goals_follow_up": "Verksamhetsplanen tas fram tillsammans med medarbetarna.",
    "development": "Risker identifieras och hanteras systematiskt.",
}
_AREAS = {
    "target_group": "Brukarundersökningens resultat redovisas men analyseras inte.",
    "leadership": "Oklart hur ledarskapet utvärderas och utvecklas.",
    "staff": "Medarbetarenkätens resultat används inte i förbättringsarbetet.",
    "results": "Prognosen mot budget saknar analys av avvikelser.",
    "goals_follow_up": "Förväntade resultat, arbetssätt och uppföljning av målen är otydliga.",
    "development": "Beskriv hur ni lär av andra, t.ex. genom omvärldsbevakning.",
}
_GENERIC_STRENGTHS = (
    "Tydlig koppling mellan mål, aktiviteter och uppföljning.",
    "Arbetssättet är väl beskrivet, systematiskt och känt av alla medarbetare.",
    'Goda exempel på förbättringar, t.ex. "veckans lärande" på arbetsplatsträffarna.',
    "Engagerade medarbetare.\nBrukarnas synpunkter tas tillvara i förbättringsarbetet.",
)
_GENERIC_AREAS = (
    "Beskriv hur arbetssättet utvärderas och förbättras.",
    "Analysen kan fördjupas, särskilt trender över tid.",
    'Otydligt hur "delaktighet" mäts; ange mått och målnivåer.',
    "Koppla aktiviteterna till målen.\nVisa hur uppföljningen leder till åtgärder.",
)
_COMMENT_P = {"individual": 0.12, "consensus": 0.5, "site_visit": 0.3}


@dataclass
class _Examiner:
    """One examiner of the pool; trait values in fractions of the scale's span."""

    id: str
    first_year: int
    leniency: float
    range_factor: float
    halo: float
    noise: float
    dominance: float
    drift: float = 0.0  # change of leniency per year
    years: list[int] = field(default_factory=list)  # years active in the data

    def leniency_in(self, year: int) -> float:
        return self.leniency + self.drift * (year - self.years[0]) if self.years else self.leniency


@dataclass
class _Year:
    """Everything generated for one award year, before writing."""

    year: int
    rubric: Rubric
    entries: list[dict]
    truth: dict[tuple[str, str], float]  # (entry_id, criterion) -> true score, points
    teams: dict[str, list[str]]
    scores: list[dict] = field(default_factory=list)
    training: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the messy inputs planted, for the README
    # the training day handed in as workbooks (last year only): trainee traits and hand-ins
    trainees: list[_Examiner] = field(default_factory=list)
    hand_ins: list[dict] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
def generate(
    out_dir: str | Path | None = None,
    seed: int = DEFAULT_SEED,
    years=DEFAULT_YEARS,
) -> list[Path]:
    """Write the synthetic demo data set and return the files written.

    Parameters
    ----------
    out_dir : the data folder; default the project's ``data/``. The rubric is read from
        ``<out_dir>/rubric.toml`` (with per-year overrides), falling back to the
        project's rubric.
    seed : the random seed; the same seed gives byte-identical files.
    years : the award years to generate.

    Returns
    -------
    The paths written: per year ``entries.csv``, ``examiners.csv``, ``scores.csv``, ``assignments.csv``,
    ``training/<session>/reference.csv`` and ``trainees.csv`` (or, in the last year, one
    ``<code>.xlsx`` per trainee); then ``conflicts.csv``, ``demo_truth/entries.csv``, ``examiners.csv``,
    ``trainees.csv`` and ``README.md``. A ``<year>/training.csv`` of the old layout is removed.
    """
    out = Path(out_dir) if out_dir is not None else DATA_DIR
    years = sorted(int(y) for y in years)
    pool = _examiner_pool(np.random.default_rng([seed, 0]), years)
    generated = [
        _year(np.random.default_rng([seed, y]), y, pool, out,
              np.random.default_rng([seed, y, 1]) if y == years[-1] else None)
        for y in years
    ]  # fmt: skip
    for g in generated:
        for e in g.entries:
            e["administration"] = demo_register.administration(e)
    demo_register.units(np.random.default_rng([seed, 0, 3]), generated)  # a stream of its own
    for g in generated:
        _team_texts(np.random.default_rng([seed, g.year, 4]), g, gaps=len(generated) > 1 and g is generated[-2])
    register_rng = np.random.default_rng([seed, 0, 1])  # the register's own stream: no score changes
    roster = demo_register.examiners(register_rng, generated, pool, DISTRICTS)

    written: list[Path] = []
    for g in generated:
        folder = out / str(g.year)
        written.append(_write_csv(folder / "entries.csv", ENTRY_COLUMNS, _entry_records(g)))
        written.append(_write_csv(folder / "examiners.csv", EXAMINER_COLUMNS, roster[g.year]))
        excel = MESSY_INPUTS.get(g.year) == "swedish_excel"
        written.append(
            _write_csv(
                folder / "scores.csv", SCORE_COLUMNS, _score_records(g.scores, g.rubric, excel, texts=True),
                sep=";" if excel else ",", bom=excel,
            )
        )  # fmt: skip
        teams = [(eid, x) for eid, team in g.teams.items() for x in team]
        written.append(_write_csv(folder / "assignments.csv", ("entry_id", "examiner_id"), teams))
        session = folder / "training" / TRAINING_SESSION
        reference = [r for r in g.training if r["stage"] == "reference"]
        written.append(_write_csv(session / "reference.csv", TRAINING_COLUMNS, _score_records(reference, g.rubric)))
        if g.hand_ins:
            written += _write_scorebooks(g, session, out)
        else:
            trainees = [r for r in g.training if r["stage"] != "reference"]
            written.append(_write_csv(session / "trainees.csv", TRAINING_COLUMNS, _score_records(trainees, g.rubric)))
        (folder / "training.csv").unlink(missing_ok=True)  # the layout before training sessions
    for g in generated:
        folder = out / str(g.year)
        rows = demo_decisions(np.random.default_rng([seed, g.year, 2]), g.year, g.entries, _final_totals(g))
        written.append(_write_csv(folder / "decisions.csv", DECISION_COLUMNS[:-1], rows))
        scores_text = (folder / "scores.csv").read_bytes()
        log = demo_changes(np.random.default_rng([seed, g.year, 3]), g.year, scores_text, rubric=g.rubric)
        written.append(_write_csv(folder / CHANGE_LOG, CHANGE_LOG_COLUMNS, log))
    written.append(_write_csv(out / "people.csv", PEOPLE_COLUMNS[:-1], demo_people(
        np.random.default_rng([seed, 0, 2]), [e.id for e in sorted(pool, key=lambda e: e.id)],
        [(f"{g.year}/{TRAINING_SESSION}", code) for g in generated for code in _trainee_codes(g)],
        [e["entry_id"] for g in generated for e in g.entries])))
    written.append(_write_csv(out / "conflicts.csv", CONFLICT_COLUMNS,
                              demo_register.conflicts(register_rng, generated, pool, DISTRICTS)))
    written.append(_write_csv(out / "demo_truth" / "entries.csv", *_truth_entries(generated)))
    written.append(_write_csv(out / "demo_truth" / "examiners.csv", *_truth_examiners(generated, pool)))
    written.append(_write_csv(out / "demo_truth" / "trainees.csv", *_truth_trainees(generated)))
    written.append(_write_text(out / "README.md", _readme(generated, pool, seed)))
    return written


def _year(
    rng: np.random.Generator, year: int, pool: list[_Examiner], out: Path,
    session_rng: np.random.Generator | None = None,
) -> _Year:
    """Generate one award year: entries, truth, teams, all score stages, training, mess.

    With ``session_rng`` the year's training session is a training day handed in as
    workbooks (drawn from its own stream, so the rest of the year is the same either way).
    """
    rubric = load_rubric(year=year, data_dir=out)
    active = [e for e in pool if year in e.years]
    entries = _entries(rng, year, rubric)
    truth = _true_scores(rng, entries, rubric)
    teams = _teams(rng, [e["entry_id"] for e in entries], active)
    g = _Year(year, rubric, entries, truth, teams)
    by_id = {e.id: e for e in pool}
    individual = _individual_scores(rng, g, by_id)
    consensus = _consensus(rng, g, individual, by_id)
    g.scores = individual + consensus + _site_visit(rng, g, consensus)
    g.training = _training(rng, g, active)
    _plant_mess(rng, g)
    if session_rng is not None:
        _training_day(session_rng, g)
    return g


# ---------------------------------------------------------------------------------------
# Examiner pool
def _examiner_pool(rng: np.random.Generator, years: list[int]) -> list[_Examiner]:
    """The examiners over all years: who serves when, and their persistent traits.

    About 36-40 examiners are active each year; 6-9 new ones join each year (the year's
    trainees) and as many of those who have served at least three years leave.
    """
    if not years:
        return []
    y0 = years[0]
    drafted: list[_Examiner] = []  # in order of joining; ids assigned at the end

    def join(first_year: int) -> _Examiner:
        e = _Examiner(
            id="",
            first_year=first_year,
            leniency=rng.normal(0, _LENIENCY_SD),
            range_factor=rng.uniform(0.4, 0.65) if rng.random() < 0.2 else rng.uniform(0.85, 1.15),
            halo=rng.uniform(0.65, 0.9) if rng.random() < 0.15 else rng.uniform(0.0, 0.25),
            noise=rng.uniform(0.14, 0.2) if rng.random() < 0.1 else rng.uniform(0.04, 0.08),
            dominance=rng.normal(),
        )
        drafted.append(e)
        return e

    n_new = int(rng.integers(_NEW_MIN, _NEW_MAX + 1))
    target = int(rng.integers(_ACTIVE_MIN, _ACTIVE_MAX + 1))
    veterans = sorted(int(y) for y in rng.integers(y0 - 7, y0, size=target - n_new))
    active = [join(y) for y in veterans] + [join(y0) for _ in range(n_new)]
    for year in years:
        if year != y0:
            n_new = int(rng.integers(_NEW_MIN, _NEW_MAX + 1))
            target = int(rng.integers(_ACTIVE_MIN, _ACTIVE_MAX + 1))
            served = [e for e in active if year - e.first_year >= _MIN_TENURE]
            n_leave = min(max(len(active) + n_new - target, 0), len(served))
            leaving = [served[i] for i in rng.choice(len(served), size=n_leave, replace=False)]
            active = [e for e in active if not any(e is x for x in leaving)]
            active += [join(year) for _ in range(n_new)]
        for e in active:
            e.years.append(year)

    width = max(2, len(str(len(drafted))))
    for i, e in enumerate(drafted, 1):
        e.id = f"E{i:0{width}d}"
    mean = float(np.mean([e.leniency for e in drafted]))
    for e in drafted:
        e.leniency -= mean

    long_serving = [e for e in drafted if len(e.years) >= 4]
    for i in rng.choice(len(long_serving), size=min(_N_DRIFTING, len(long_serving)), replace=False):
        long_serving[i].drift = float(rng.choice([-1, 1]) * rng.uniform(0.025, 0.04))
    return drafted


# ---------------------------------------------------------------------------------------
# Entries and their true scores
def _entries(rng: np.random.Generator, year: int, rubric: Rubric) -> list[dict]:
    """About 30 fictional entries over the rubric's classes, at least 3 in each."""
    classes = rubric.class_ids
    share = np.array([_CLASS_SHARE.get(c, 0.2) for c in classes])
    n_total = int(rng.integers(28, 33))
    counts = 3 + rng.multinomial(max(n_total - 3 * len(classes), 0), share / share.sum())
    order = [c for c, n in zip(classes, counts, strict=True) for _ in range(n)]
    order = [order[i] for i in rng.permutation(len(order))]  # registration order

    names: set[str] = set()
    entries = []
    for i, cls in enumerate(order, 1):
        district = str(rng.choice(DISTRICTS))
        name = _unit_name(rng, cls, district)
        while name in names:
            name = _unit_name(rng, cls, district)
        names.add(name)
        entries.append(
            {
                "entry_id": f"{year}-{i:02d}",
                "name": f"{name} (fiktiv)",
                "class": cls,
                "district": district,
                "staff_count": int(np.clip(round(rng.lognormal(np.log(25), 0.6)), 5, 250)),
                "budget_in_balance": "nej" if rng.random() < 0.1 else "ja",
            }
        )
    if all(e["budget_in_balance"] == "ja" for e in entries):
        entries[int(rng.integers(len(entries)))]["budget_in_balance"] = "nej"
    return entries


def _unit_name(rng: np.random.Generator, cls: str, district: str) -> str:
    pattern = str(rng.choice(_NAME_PATTERNS.get(cls, _FALLBACK_PATTERNS)))
    head = str(rng.choice(_PLACE_HEAD))
    return pattern.format(
        preschool=str(rng.choice(_PRESCHOOL)),
        place=head + str(rng.choice(_PLACE_TAIL)),
        school=head + str(rng.choice(_SCHOOL_TAIL)),
        district=district,
    )


def _true_scores(rng: np.random.Generator, entries: list[dict], rubric: Rubric) -> dict:
    """True score per entry x criterion, in scale points (continuous, within the scale)."""
    s = rubric.scale
    span = s.max - s.min
    truth = {}
    for e in entries:
        quality = rng.normal(_QUALITY_MEAN, _QUALITY_SD)
        for c in rubric.criterion_ids:
            t = quality + rng.normal(0, _CRITERION_SD)
            truth[e["entry_id"], c] = s.min + span * float(np.clip(t, 0.02, 0.98))
    return truth


# ---------------------------------------------------------------------------------------
# Teams
def _teams(rng: np.random.Generator, entry_ids: list[str], active: list[_Examiner]) -> dict:
    """Teams of 4-6 examiners per entry; each active examiner sits on 3-5 entries.

    Team sizes and examiner loads are drawn first (with equal totals); then each entry,
    in random order, takes the examiners with the most entries still to assign (ties
    broken at random), which always realises the loads (Gale-Ryser).
    """
    n, m = len(active), len(entry_ids)
    sizes = rng.choice(_TEAM_SIZES, size=m, p=_TEAM_SIZE_P)
    while sizes.sum() < _LOAD_MIN * n and (sizes < max(_TEAM_SIZES)).any():
        sizes[rng.choice(np.flatnonzero(sizes < max(_TEAM_SIZES)))] += 1
    while sizes.sum() > _LOAD_MAX * n and (sizes > min(_TEAM_SIZES)).any():
        sizes[rng.choice(np.flatnonzero(sizes > min(_TEAM_SIZES)))] -= 1
    loads = np.full(n, _LOAD_MIN)
    for _ in range(int(sizes.sum()) - _LOAD_MIN * n):
        loads[rng.choice(np.flatnonzero(loads < _LOAD_MAX))] += 1

    remaining = loads.copy()
    teams: dict[str, list[str]] = {}
    for j in rng.permutation(m):
        key = remaining + rng.uniform(0, 0.5, size=n)  # most remaining first, ties at random
        chosen = np.argsort(-key, kind="stable")[: sizes[j]]
        if (remaining[chosen] <= 0).any():
            raise RuntimeError("team assignment failed")  # cannot happen with feasible loads
        remaining[chosen] -= 1
        teams[entry_ids[j]] = sorted(active[i].id for i in chosen)
    return {eid: teams[eid] for eid in entry_ids}


# ---------------------------------------------------------------------------------------
# Scores
def _to_scale(x: float, rubric: Rubric) -> float:
    """Clip to the scale and round to its step (halves up)."""
    s = rubric.scale
    k = math.floor((float(np.clip(x, s.min, s.max)) - s.min) / s.step + 0.5)
    return s.min + k * s.step


def _examiner_scores(
    rng: np.random.Generator, ex: _Examiner, year: int, truth: dict[str, float], rubric: Rubric
) -> dict[str, float]:
    """One examiner's scores of one entry, criterion -> score on the scale."""
    s = rubric.scale
    span = s.max - s.min
    mid = (s.min + s.max) / 2
    impression = rng.normal(0, _IMPRESSION_SD) * span
    raw = {
        c: mid
        + ex.range_factor * (t + impression - mid)
        + ex.leniency_in(year) * span
        + rng.normal(0, ex.noise) * span
        for c, t in truth.items()
    }
    overall = float(np.mean(list(raw.values())))
    return {c: _to_scale((1 - ex.halo) * x + ex.halo * overall, rubric) for c, x in raw.items()}


def _row(year, entry_id, examiner_id, criterion, score, stage, question=None, comment=""):
    return {
        "year": year, "entry_id": entry_id, "examiner_id": examiner_id, "criterion": criterion,
        "score": score, "stage": stage, "question": question, "comment": comment,
    }  # fmt: skip


def _comment(rng: np.random.Generator, stage: str, criterion: str, score: float, rubric: Rubric) -> str:
    """A short Swedish strength or area for development, on some rows only."""
    if rng.random() >= _COMMENT_P.get(stage, 0.1):
        return ""
    mid = (rubric.scale.min + rubric.scale.max) / 2
    strength = score > mid or (score == mid and rng.random() < 0.5)
    specific, generic = (_STRENGTHS, _GENERIC_STRENGTHS) if strength else (_AREAS, _GENERIC_AREAS)
    options = ((specific[criterion],) if criterion in specific else ()) + generic
    text = str(options[int(rng.integers(len(options)))])
    if stage != "individual":
        text = ("Styrka: " if strength else "Utvecklingsområde: ") + text
    return text


def _individual_scores(rng: np.random.Generator, g: _Year, by_id: dict[str, _Examiner]) -> list[dict]:
    rows = []
    for e in g.entries:
        eid = e["entry_id"]
        truth = {c: g.truth[eid, c] for c in g.rubric.criterion_ids}
        for xid in g.teams[eid]:
            scores = _examiner_scores(rng, by_id[xid], g.year, truth, g.rubric)
            for c, x in scores.items():
                comment = _comment(rng, "individual", c, x, g.rubric)
                rows.append(_row(g.year, eid, xid, c, x, "individual", comment=comment))
    return rows


def _team_lead(team: list[str], by_id: dict[str, _Examiner]) -> str:
    """The team's chosen examiner (sammankallande): the longest-serving member."""
    return min(team, key=lambda x: (by_id[x].first_year, x))


def _consensus_id(year: int, team: list[str], by_id: dict[str, _Examiner]) -> str:
    """Odd years record consensus as ``TEAM``, even years under the team's chosen examiner."""
    return "TEAM" if year % 2 else _team_lead(team, by_id)


def _consensus(
    rng: np.random.Generator, g: _Year, individual: list[dict], by_id: dict[str, _Examiner]
) -> list[dict]:
    """One consensus score per entry x criterion: team mean, pulled towards truth and the
    team's most dominant member (anchoring)."""
    given = {(r["entry_id"], r["examiner_id"], r["criterion"]): r["score"] for r in individual}
    rows = []
    for e in g.entries:
        eid = e["entry_id"]
        team = g.teams[eid]
        dominant = max(team, key=lambda x: (by_id[x].dominance, x))
        who = _consensus_id(g.year, team, by_id)
        for c in g.rubric.criterion_ids:
            mean = float(np.mean([given[eid, x, c] for x in team]))
            x = (
                (1 - _CONSENSUS_W_TRUTH - _CONSENSUS_W_DOMINANT) * mean
                + _CONSENSUS_W_TRUTH * g.truth[eid, c]
                + _CONSENSUS_W_DOMINANT * given[eid, dominant, c]
            )
            x = _to_scale(x, g.rubric)
            rows.append(_row(g.year, eid, who, c, x, "consensus", comment=_comment(rng, "consensus", c, x, g.rubric)))
    return rows


def _weighted_totals(rows: list[dict], rubric: Rubric) -> dict[str, float]:
    w = rubric.weights
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["entry_id"]] = totals.get(r["entry_id"], 0.0) + w[r["criterion"]] * r["score"]
    return totals


def _team_texts(rng: np.random.Generator, g: _Year, gaps: bool) -> None:
    """The team's strengths and areas for development on every consensus row (:mod:`scoring.demo_feedback`);
    with ``gaps`` (the year before the last) two entries leave one criterion's texts out (the office's
    checklist finds them; the last year's letters are complete)."""
    s = g.rubric.scale
    questions = {c.id: tuple(c.questions) for c in g.rubric.criteria}
    rows = [r for r in g.scores if r["stage"] == "consensus" and r["criterion"] in questions]
    for r in rows:
        r["strengths"], r["improvements"] = team_texts(rng, r["criterion"], r["score"], s.min, s.max,
                                                       questions[r["criterion"]])
    if gaps and rows:
        for i in rng.choice(len(rows), size=min(2, len(rows)), replace=False):
            rows[int(i)]["strengths" if i % 2 else "improvements"] = ""


def _final_totals(g: _Year) -> dict[str, float]:
    """Each entry's weighted total at its last stage: the site visit where there is one, else the consensus."""
    final = {(r["entry_id"], r["criterion"]): r for r in g.scores if r["stage"] == "consensus"}
    final.update({(r["entry_id"], r["criterion"]): r for r in g.scores if r["stage"] == "site_visit"})
    return _weighted_totals([r for r in final.values() if r["criterion"] in g.rubric.weights], g.rubric)


def _trainee_codes(g: _Year) -> list[str]:
    """The codes of the year's training session: the hand-ins' or the trainees' rows'."""
    if g.hand_ins:
        return [h["code"] for h in g.hand_ins]
    return list(dict.fromkeys(r["examiner_id"] for r in g.training if r["stage"] != "reference"))


def _site_visit(rng: np.random.Generator, g: _Year, consensus: list[dict]) -> list[dict]:
    """Site-visit scores for the strongest third of each class (by consensus total):
    consensus, or one step off (usually towards the truth)."""
    totals = _weighted_totals(consensus, g.rubric)
    visited = set()
    for cls in g.rubric.class_ids:
        members = [e["entry_id"] for e in g.entries if e["class"] == cls]
        members.sort(key=lambda eid: (-totals[eid], eid))
        visited.update(members[: math.ceil(len(members) / 3)])
    step = g.rubric.scale.step
    rows = []
    for r in consensus:
        if r["entry_id"] not in visited:
            continue
        gap = g.truth[r["entry_id"], r["criterion"]] - r["score"]
        u = rng.random()
        if abs(gap) >= step / 2 and u < 0.5:
            move = math.copysign(step, gap)
        elif u > 0.88:
            move = step if rng.random() < 0.5 else -step
        else:
            move = 0.0
        x = _to_scale(r["score"] + move, g.rubric)
        comment = _comment(rng, "site_visit", r["criterion"], x, g.rubric)
        rows.append(_row(g.year, r["entry_id"], r["examiner_id"], r["criterion"], x, "site_visit", comment=comment))
    return rows


def _training(rng: np.random.Generator, g: _Year, active: list[_Examiner]) -> list[dict]:
    """The year's training case: reference scores (the rounded truth) and the scores of
    the year's new examiners plus two experienced ones."""
    case = f"TRAIN-{g.year}"
    s = g.rubric.scale
    quality = rng.normal(_QUALITY_MEAN, _QUALITY_SD * 0.5)
    truth = {
        c: s.min + (s.max - s.min) * float(np.clip(quality + rng.normal(0, _CRITERION_SD), 0.02, 0.98))
        for c in g.rubric.criterion_ids
    }
    for c, t in truth.items():
        g.truth[case, c] = t
    rows = [_row(g.year, case, "REF", c, _to_scale(t, g.rubric), "reference") for c, t in truth.items()]
    new = [e for e in active if e.first_year == g.year]
    experienced = [e for e in active if e.first_year < g.year]
    picked = sorted(rng.choice(len(experienced), size=min(2, len(experienced)), replace=False))
    for ex in new + [experienced[i] for i in picked]:
        for c, x in _examiner_scores(rng, ex, g.year, truth, g.rubric).items():
            comment = _comment(rng, "individual", c, x, g.rubric)
            rows.append(_row(g.year, case, ex.id, c, x, "individual", comment=comment))
    return rows


def _training_day(rng: np.random.Generator, g: _Year) -> None:
    """The training case scored by about 25 trainees (codes T01 ...), handed in as
    workbooks: most too lenient, with varying range, halo and noise; some leave a
    criterion blank; some comment in bullets starting with + or -."""
    case = f"TRAIN-{g.year}"
    criteria = g.rubric.criterion_ids
    truth = {c: g.truth[case, c] for c in criteria}
    g.training = [r for r in g.training if r["stage"] == "reference"]
    blanks = dict(zip(rng.choice(_N_TRAINEES, size=len(_TRAINEE_BLANKS), replace=False) + 1, _TRAINEE_BLANKS,
                      strict=True))
    for i in range(1, _N_TRAINEES + 1):
        t = _Examiner(
            id=f"T{i:02d}",
            first_year=g.year,
            leniency=rng.normal(_TRAINEE_LENIENCY_MEAN, _TRAINEE_LENIENCY_SD),
            range_factor=rng.uniform(0.45, 1.15),
            halo=rng.uniform(0.0, 0.7),
            noise=rng.uniform(0.03, 0.08),
            dominance=0.0,
        )
        scores: dict[str, float | None] = dict(_examiner_scores(rng, t, g.year, truth, g.rubric))
        for j in rng.choice(len(criteria), size=blanks.get(i, 0), replace=False):
            scores[criteria[j]] = None
        comments = {}
        mid = (g.rubric.scale.min + g.rubric.scale.max) / 2
        for c, x in scores.items():
            if x is not None and rng.random() < _TRAINEE_COMMENT_P:
                strength = x > mid
                texts, generic = (_STRENGTHS, _GENERIC_STRENGTHS) if strength else (_AREAS, _GENERIC_AREAS)
                comments[c] = ("+ " if strength else "- ") + texts.get(c, generic[0])
        g.trainees.append(t)
        g.hand_ins.append({"code": t.id, "case": case, "scores": scores, "comments": comments})


# ---------------------------------------------------------------------------------------
# Messy but valid inputs
def _plant_mess(rng: np.random.Generator, g: _Year) -> None:
    kind = MESSY_INPUTS.get(g.year)
    if kind == "swedish_labels":
        _swedish_labels(rng, g)
    elif kind == "swedish_excel":
        g.notes.append(
            f"`{g.year}/scores.csv` is saved as Swedish Excel does: semicolon-separated, with a "
            'UTF-8 byte-order mark and decimal commas in the scores ("70,0").'
        )
    elif kind == "question_level":
        _question_level(rng, g)
    elif kind == "blank_stage":
        _blank_stage(rng, g)
    elif kind == "incomplete_scorebook":
        _incomplete_scorebook(rng, g)


def _individual_examiners(g: _Year) -> list[str]:
    return sorted({r["examiner_id"] for r in g.scores if r["stage"] == "individual"})


def _pick(rng: np.random.Generator, items: list[str], k: int) -> list[str]:
    return sorted(items[i] for i in rng.choice(len(items), size=min(k, len(items)), replace=False))


def _swedish_labels(rng: np.random.Generator, g: _Year) -> None:
    """Some examiners wrote the criteria's Swedish labels; so did the site-visit rows."""
    chosen = _pick(rng, _individual_examiners(g), 6)
    for r in g.scores:
        if r["stage"] == "site_visit" or (r["stage"] == "individual" and r["examiner_id"] in chosen):
            r["criterion"] = g.rubric.criterion_label(r["criterion"], "sv")
    g.notes.append(
        f"`{g.year}/scores.csv` uses the Swedish criterion labels (e.g. \"Chef- och ledarskap\") "
        f"instead of the ids in the individual rows of {', '.join(chosen)} and in all "
        "site-visit rows."
    )


def _question_level(rng: np.random.Generator, g: _Year) -> None:
    """Two examiners scored each question; their question scores (each on the scale)
    average exactly to the criterion score the model gave them."""
    chosen = _pick(rng, _individual_examiners(g), 2)
    step = g.rubric.scale.step
    questions = {c.id: c.questions for c in g.rubric.criteria}
    rows = []
    for r in g.scores:
        if r["stage"] != "individual" or r["examiner_id"] not in chosen or not questions[r["criterion"]]:
            rows.append(r)
            continue
        qs = questions[r["criterion"]]
        for q, x in zip(qs, _spread_on_step(rng, r["score"], len(qs), step, g.rubric), strict=True):
            rows.append({**r, "score": x, "question": q, "comment": r["comment"] if q == qs[0] else ""})
    g.scores = rows
    g.notes.append(
        f"`{g.year}/scores.csv`: {' and '.join(chosen)} scored the questions (column `question`, "
        "1-23) instead of the criteria; each question score is on the scale and their mean per "
        "criterion is the criterion score."
    )


def _spread_on_step(rng, score: float, k: int, step: float, rubric: Rubric) -> list[float]:
    """k on-scale scores around ``score`` whose mean is exactly ``score``."""
    offsets = np.zeros(k, dtype=int)
    for _ in range(int(rng.integers(0, k // 2 + 1))):
        i, j = rng.choice(k, size=2, replace=False)
        offsets[i] += 1
        offsets[j] -= 1
    values = [score + o * step for o in offsets]
    if not all(rubric.scale.on_scale(v) for v in values):
        values = [score] * k
    return values


def _blank_stage(rng: np.random.Generator, g: _Year) -> None:
    chosen = _pick(rng, _individual_examiners(g), 4)
    for r in g.scores:
        if r["stage"] == "individual" and r["examiner_id"] in chosen:
            r["stage"] = ""
    g.notes.append(
        f"`{g.year}/scores.csv`: the individual rows of {', '.join(chosen)} leave `stage` "
        "empty (which means `individual`)."
    )


def _incomplete_scorebook(rng: np.random.Generator, g: _Year) -> None:
    individual = [i for i, r in enumerate(g.scores) if r["stage"] == "individual"]
    r = g.scores.pop(individual[int(rng.integers(len(individual)))])
    g.notes.append(
        f"`{g.year}/scores.csv`: {r['examiner_id']} left `{r['criterion']}` of entry "
        f"{r['entry_id']} unscored (an incomplete scorebook: the row is missing; consensus "
        "and the other examiners' scores are there)."
    )


# ---------------------------------------------------------------------------------------
# Writing
def _fmt(x: float, decimal_comma: bool = False) -> str:
    if decimal_comma:
        return f"{x:.1f}".replace(".", ",")
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _entry_records(g: _Year) -> list[tuple]:
    return [tuple(e[c] for c in ENTRY_COLUMNS) for e in g.entries]


def _score_records(rows: list[dict], rubric: Rubric, decimal_comma: bool = False, texts: bool = False) -> list[tuple]:
    """The rows as written; ``texts``: with the consensus rows' strengths and improvements columns."""
    return [
        (
            r["year"], r["entry_id"], r["examiner_id"], r["criterion"],
            _fmt(r["score"], decimal_comma), r["stage"],
            "" if r["question"] is None else r["question"], r["comment"],
        ) + ((r.get("strengths", ""), r.get("improvements", "")) if texts else ())  # fmt: skip
        for r in rows
    ]


def _truth_entries(generated: list[_Year]):
    records = [
        (g.year, eid, c, f"{t:.2f}")
        for g in generated
        for (eid, c), t in sorted(g.truth.items(), key=lambda kv: (kv[0][0], g.rubric.criterion_ids.index(kv[0][1])))
    ]
    return ("year", "entry_id", "criterion", "true_score"), records


def _truth_trainees(generated: list[_Year]):
    """The training day's trainees: their true traits (points), and what they left blank."""
    records = []
    for g in generated:
        span = g.rubric.scale.max - g.rubric.scale.min
        for t, h in zip(g.trainees, g.hand_ins, strict=True):
            blank = " ".join(c for c, x in h["scores"].items() if x is None)
            records.append(
                (g.year, TRAINING_SESSION, t.id, f"{t.leniency * span:.2f}", f"{t.range_factor:.2f}",
                 f"{t.halo:.2f}", f"{t.noise * span:.2f}", blank)
            )  # fmt: skip
    return ("year", "session", "code", "leniency", "range_factor", "halo", "noise_sd", "blank"), records


def _write_scorebooks(g: _Year, folder: Path, data_dir: Path) -> list[Path]:
    """One filled training scorebook per trainee, made from the template as a trainee would fill it."""
    from .scorebook import build_template, put, save_workbook
    from .scorebook import layout as L
    from .scorebook.cells import workbook_cells

    written = []
    for h in g.hand_ins:
        wb, rows = build_template(g.year, session=TRAINING_SESSION, data_dir=data_dir)
        put(wb[L.INSTRUCTIONS_SHEET], L.CODE_ROW, L.CODE_COL, h["code"])
        for r in rows:
            x = h["scores"].get(r.criterion)
            if x is not None:
                put(wb[r.sheet], r.row, L.COL_SCORE, int(x) if float(x).is_integer() else float(x))
            if h["comments"].get(r.criterion):
                put(wb[r.sheet], r.row, L.COL_COMMENT, h["comments"][r.criterion])
        path = folder / f"{h['code']}.xlsx"
        buf = io.BytesIO()
        wb.save(buf)
        # rewrite only when the content changed: a workbook's zip bytes differ on every save
        if not (path.is_file() and workbook_cells(path) == workbook_cells(buf)):
            save_workbook(wb, path)
        written.append(path)
    return written


def _truth_examiners(generated: list[_Year], pool: list[_Examiner]):
    records = []
    for g in generated:
        span = g.rubric.scale.max - g.rubric.scale.min
        for e in pool:
            if g.year in e.years:
                records.append(
                    (
                        g.year, e.id, f"{e.leniency_in(g.year) * span:.2f}", f"{e.range_factor:.2f}",
                        f"{e.halo:.2f}", f"{e.noise * span:.2f}", "ja" if e.drift else "nej",
                        f"{e.dominance:.2f}", e.first_year,
                    )
                )  # fmt: skip
    columns = (
        "year", "examiner_id", "leniency", "range_factor", "halo", "noise_sd", "drifting",
        "dominance", "first_year",
    )  # fmt: skip
    return columns, records


def _write_csv(path: Path, columns, records, sep: str = ",", bom: bool = False) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(records)
    return _write_text(path, ("\ufeff" if bom else "") + buf.getvalue())


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return path


_FILES = (
    ("`<year>/entries.csv`", "`entry_id, name, class, district, staff_count, budget_in_balance, administration, "
     "unit_id` (optional `aliases`): a few units return across years under the same `unit_id` and name"),
    ("`<year>/examiners.csv`", "`examiner_id, experienced, administration, district, max_entries`: the year's "
     "examiners (the register the team plan reads; `experienced` is `nej` in an examiner's first year)"),
    ("`conflicts.csv`", "`examiner_id, entry_id, unit_id, district, reason`: a few declared conflicts of interest "
     "(jäv), none of them broken by the demo's teams"),
    ("`<year>/scores.csv`", "`year, entry_id, examiner_id, criterion, score, stage, question, comment, strengths, "
     "improvements`: individual, consensus and site-visit scores; the consensus rows carry the team's strengths "
     "and areas for development, one point per line (two criteria of the year before the last have one of them "
     "left out)"),
    ("`<year>/decisions.csv`", "`class, award, entry_id, motivation, override_reason`: the jury's decision, in "
     "the style of the city's published motivations (one class of one year without a prize)"),
    ("`<year>/changes.csv`", "the change log: a few corrections already made in `scores.csv` (old → new, who, "
     "why, the checksums before and after)"),
    ("`people.csv`", "`code, name, email`: fictional people (example.org) for the send list of `--bundle`; "
     "never read into a report"),
    ("`<year>/assignments.csv`", "`entry_id, examiner_id`: the teams (used by `scoring template` and "
     "`scoring status`; `scoring plan` writes one)"),
    (f"`<year>/training/{TRAINING_SESSION}/reference.csv`", "the year's training case `TRAIN-<year>` (not an entry): "
     "its `reference` rows (examiner `REF`)"),
    (f"`<year>/training/{TRAINING_SESSION}/trainees.csv`", "the trainees' `individual` rows (the new examiners and "
     "two experienced ones); not in the last year, whose trainees handed in workbooks:"),
    (f"`<year>/training/{TRAINING_SESSION}/T01.xlsx` …", "the last year's training day: each trainee's filled "
     "training scorebook, made with `scoring template --session`"),
    ("`demo_truth/entries.csv`", "`year, entry_id, criterion, true_score`: the generator's true score per entry "
     "(and training case) and criterion"),
    ("`demo_truth/examiners.csv`", "`year, examiner_id, leniency, range_factor, halo, noise_sd, drifting, dominance, "
     "first_year`: each active examiner's true traits that year"),
    ("`demo_truth/trainees.csv`", "`year, session, code, leniency, range_factor, halo, noise_sd, blank`: the "
     "training day's trainees' true traits and the criterion they left blank"),
)
_FILES_TABLE = "\n".join(f"| {name} | {what} |" for name, what in _FILES)


# ---------------------------------------------------------------------------------------
def _n_blank(g: _Year) -> int:
    return sum(any(x is None for x in h["scores"].values()) for h in g.hand_ins)


def _readme(generated: list[_Year], pool: list[_Examiner], seed: int) -> str:
    rows = []
    for g in generated:
        n_ind = sum(r["stage"] in ("individual", "") for r in g.scores)
        n_cons = sum(r["stage"] == "consensus" for r in g.scores)
        n_sv = sum(r["stage"] == "site_visit" for r in g.scores)
        n_ex = len({r["examiner_id"] for r in g.scores if r["stage"] in ("individual", "")})
        n_tr = len(g.hand_ins) or len({r["examiner_id"] for r in g.training if r["stage"] == "individual"})
        rows.append(
            f"| {g.year} | {len(g.entries)} | {n_ex} | {n_ind} | {n_cons} | {n_sv} | {n_tr} |"
        )
    notes = [f"- {n}" for g in generated for n in g.notes]
    drifting = ", ".join(e.id for e in pool if e.drift)
    text = f"""# Data

`rubric.toml` is the rubric (criteria, weights, questions, scale, classes). Everything else
here is the **demo data set: synthetic and fictional**. The entries, their names (all ending
in "(fiktiv)") and the examiner codes are invented; no real unit, person or score is in them.
District names are Stockholm's, used only as labels.

The files are written by `scoring/demo.py` and are regenerated, byte for byte (workbooks:
cell for cell), by

    scoring demo --seed {seed}

(`tests/test_demo.py` fails when the committed files differ from a fresh run.) Do not edit
them by hand: change the generator and rerun it.

## Files
| file | contents |
|---|---|
{_FILES_TABLE}

| year | entries | examiners | individual rows | consensus rows | site-visit rows | trainees |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## How the data are generated
Scores are on the rubric's scale (demo: 0–100 in steps of 10); the trait values below are
in scale points.

- **Entries**: about 30 a year over the five classes (at least 3 per class); a few have
  their budget not in balance (`nej`). An entry's true score on a criterion is its overall
  quality plus a criterion-specific deviation.
- **Examiners**: {len(pool)} codes over the years, {_ACTIVE_MIN}–{_ACTIVE_MAX} active in
  any one year; {_NEW_MIN}–{_NEW_MAX} new ones join each year (that year's trainees) and
  examiners leave after at least {_MIN_TENURE} years. Each has a persistent leniency
  (sd about {_LENIENCY_SD * 100:g} % of the scale; > 0 = lenient), a range factor (below 1 =
  central tendency), halo (0–1: pulls all criteria of an entry towards the same score) and
  a noise sd (a few are inconsistent). The leniency of {drifting} drifts across years.
- **Teams** of 4–6 examiners per entry; each examiner sits on 3–5 entries a year.
- **Individual score** = true score + the examiner's impression of the entry, stretched
  by the range factor around the scale's midpoint, + leniency + noise, mixed towards the
  examiner's mean over the entry's criteria by halo, clipped to the scale and rounded to
  its step.
- **Consensus** (one row per entry and criterion): the team mean, moved slightly towards
  the truth and towards the scores of the team's most dominant member (anchoring; see
  `dominance`). Odd years record it under `TEAM`, even years under the team's chosen
  examiner (its longest-serving member).
- **Site visit** for the strongest third of each class by consensus total: the consensus
  score or one step off it, usually towards the truth.
- **Training case**: the reference scores are the case's true scores rounded to the scale.
  Each year's session `training/{TRAINING_SESSION}/` holds them and the trainees' scores: the
  year's new examiners and two experienced ones, in one `trainees.csv`. In {generated[-1].year} it is
  a training day instead: {len(generated[-1].hand_ins)} trainees (codes T01 …) each handed in a filled
  Excel scorebook; most are too lenient (mean leniency {_TRAINEE_LENIENCY_MEAN * 100:g} % of the
  scale), with varying range, halo and noise; {_n_blank(generated[-1])} left one or two criteria
  blank, and some comments start with + or - (stored as text, not formulas).
- **Comments** (Swedish strengths and areas for development) on some rows; some contain
  commas, quotes or a line break.

## Messy but valid inputs (on purpose)
{chr(10).join(notes) if notes else "- none in these years"}

None of them is an error: there are no conflicting duplicates and no off-scale scores.
"""
    return text
