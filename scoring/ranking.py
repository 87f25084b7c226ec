"""Aggregation and ranking: each entry's weighted total under a named method, its place within
its class, a 90 % interval of that place and its probability of being the best eligible entry.

Places are counted among the class's eligible entries (budget in balance), since only they can
win; an entry that cannot win gets its place among the class's entries that cannot win, and
``would_rank``, the place it would have had among the eligible entries had its budget been in
balance. A class's ranking therefore starts at 1 for its best eligible entry, whatever an entry
that cannot win scored.

Methods (``METHODS``), each giving one value per entry x criterion that the rubric's weights
turn into a weighted total on the rubric's scale:

* ``consensus``: the team's final agreed score: the site-visit score where there is one,
  else the consensus score;
* ``mean``, ``median`` of the examiners' individual scores;
* ``trimmed``: the mean after dropping the highest and the lowest individual score, where the
  criterion has 5 or more scores (an entry with 5 or more examiners); else the plain mean,
  with a note;
* ``zscore``: each examiner's individual scores standardised over all their scores of the
  year, averaged per entry x criterion and mapped back to the scale with the mean and
  standard deviation of all individual scores of the year (the commercial judging
  platforms' method). Its trap: an examiner who happened to draw strong entries has a high
  mean, so their scores are pulled down as if they were lenient (and the entries they
  scored with them), and one who drew weak entries is taken for a severe one;
* ``adjusted``: the examiner-effect model's entry x criterion estimates
  (``scoring.calibration.fit_examiner_model``), which compares examiners only on entries
  they scored together.

Uncertainty comes from a seeded resampling (``n_draws`` replicates). For ``adjusted`` the
replicates are the model's joint draws of its cell estimates. For the other methods each
entry's examiners are resampled with replacement (an examiner's scores of the entry stay
together, which keeps halo honest) and the method is recomputed. With teams of 4 to 6 that
bootstrap is too narrow: resampling n examiners out of n gives a mean the variance
(n - 1)/n x s²/n, a quarter too small for n = 4. Each entry's replicate deviations from its
point estimate are therefore widened by ``sqrt(n / (n - 1))`` (``correction="variance"``,
the variance-corrected bootstrap). Of the three corrections measured in the reference
simulation (``benchmarks/calibration.py``; figures in ``benchmarks/README.md``) it gives the
best calibrated P(first): without it (``"none"``) P(first) is overconfident, and widening
further to Student t quantiles (``"t"``: ``sqrt(n / (n - 1)) * t(n - 1) / z`` at the
interval's level, which turns a mean's interval into the t interval and gives the score
intervals their nominal coverage) makes P(first) underconfident. The rank intervals cover the
true rank for more than 90 % of the entries under all three (ranks are discrete, so a 90 %
rank interval holds at least 90 % of the replicates); the measured range under every method
and scenario is :data:`RANK_INTERVAL_COVERAGE`, which the jury pack states. What no resampling within a
team can see is a severity its members share (teams drawn within a circle of like-minded
examiners): that is the examiner model's job. ``consensus`` has one agreed score per
criterion and nothing to resample: it is given the sampling error of its team, i.e. each
replicate moves the consensus total by the (widened) bootstrap deviation of the team's
individual mean.

Entries with criteria missing (under the method) are scored on the criteria present, with
the weights renormalised over them, and say so in ``note``; entries with no score at all are
listed with a NaN score and no rank.

At the size of a national programme (6,000 entries, 180,000 individual scores, 2,000 draws)
no draws x scores array is ever held: the examiner bootstrap resamples a few million values at
a time, and the model's joint draws are made and totalled a chunk of entries at a time, the
same numbers bit for bit as the model's ``draw_cells`` gives at once (``_model_cell_draws``).
A year's ranking then takes about 7 s of CPU and 230 MB, a class of 1,200 entries about 2 s
(``benchmarks/ranking.py``). :func:`method_tables` gives the ranking with the leader and every
entry's place under each method in one pass, as the jury packs need them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .data.entries import YES_NO
from .data.scores import criterion_scores, individual
from .notes import Note
from .rubric import Rubric, load_rubric

__all__ = ["CORRECTIONS", "METHODS", "PLACE_COLUMNS", "RANK_COLUMNS", "RANK_INTERVAL_COVERAGE", "method_places",
           "method_sensitivity", "method_tables", "rank_entries"]

METHODS = ("consensus", "mean", "median", "trimmed", "zscore", "adjusted")
#: Small-team corrections of the examiner bootstrap (``rank_entries(correction=...)``).
CORRECTIONS = ("variance", "t", "none")

#: Columns of the DataFrame returned by :func:`rank_entries`, in order (``name`` only when
#: ``entries`` has names).
RANK_COLUMNS = (
    "entry_id", "name", "class", "method", "score", "score_low", "score_high", "rank", "rank_low", "rank_high",
    "would_rank", "eligible", "p_first", "leader", "n_examiners", "n_criteria", "note",
)
#: Columns of the DataFrame returned by :func:`method_places`, in order.
PLACE_COLUMNS = ("class", "entry_id", "method", "score", "rank", "would_rank", "eligible")

#: The measured coverage of the 90 % rank intervals: the lowest and the highest share of
#: entries whose interval held their true within-class rank, over every method and scenario
#: of the reference simulation (``benchmarks/calibration.py``, 400 seeds per scenario, 1000
#: draws; figures in ``benchmarks/README.md``, "Latest figures" of calibration.py: rank cov
#: 92.6 % to 99.1 % over all methods; 97.2-98.1 % for ``adjusted``). The jury pack writes its
#: sentence on the rank intervals from it, and ``tests/test_ranking.py`` re-measures it on a
#: few seeds.
RANK_INTERVAL_COVERAGE = (0.92, 0.99)

#: Teams with at least this many examiners have their highest and lowest scores dropped
#: by the ``trimmed`` method.
TRIM_MIN = 5

_DECIMALS = 9  # totals are compared after rounding, so that equal totals tie exactly
_CHUNK = 4_000_000  # values per resampling chunk (draws x entries x examiners x criteria)
#: Values per chunk of the examiner model's draws (draws x the scores of a chunk of entries):
#: what bounds the adjusted method's memory at any size of year.
_DRAW_CHUNK = 1_000_000


# --------------------------------------------------------------------------- public API


def rank_entries(
    scores: pd.DataFrame,
    method: str = "adjusted",
    entries: pd.DataFrame | None = None,
    *,
    rubric: Rubric | None = None,
    n_draws: int = 2000,
    seed: int = 0,
    level: float = 0.90,
    correction: str = "variance",
    min_scores: int = 12,
    model=None,
) -> pd.DataFrame:
    """Rank the entries of each class under a named aggregation method, with uncertainty.

    Parameters
    ----------
    scores : long scores (``entry_id, examiner_id, criterion, score`` and optionally
        ``stage`` (default individual), ``question``, ``class``); question scores are rolled
        up to their criterion, Swedish criterion labels are accepted.
    method : one of :data:`METHODS` (see the module docstring).
    entries : the entries table (``entry_id, class`` and optionally ``name``,
        ``budget_in_balance``); without it the class comes from a ``class`` column in
        ``scores`` and every entry counts as eligible.
    rubric : gives the criteria, their weights and the scale; default the project's rubric.
    n_draws : number of resampling replicates behind ``rank_low``, ``rank_high``, ``p_first``.
    seed : seed of the resampling; the same inputs and seed give the same table.
    level : coverage of the score and rank intervals (default 0.90).
    correction : how the examiner bootstrap of the non-model methods is widened for small
        teams: ``"variance"`` (default) by sqrt(n/(n-1)), ``"t"`` further to Student t
        quantiles, ``"none"`` not at all (see the module docstring).
    min_scores : passed to the examiner model (``adjusted`` only): examiners with fewer
        individual scores are reported by the model but not adjusted for.
    model : an already fitted examiner model to use for ``adjusted`` instead of fitting one
        (anything with ``cells`` and ``draw_cells`` as ``fit_examiner_model`` returns).

    Returns
    -------
    DataFrame
        One row per entry, columns :data:`RANK_COLUMNS`, sorted by class, then the eligible
        entries by rank, then the entries that cannot win by rank (entries without a score
        last in each): ``score`` is the weighted total on the rubric's scale (NaN when the
        entry has no score under the method); ``score_low``/``score_high`` the ``level``
        interval of the score over the replicates; ``rank`` the entry's place among the
        class's eligible entries, 1 = best, ties share the best rank of the tie (1, 2, 2, 4),
        and for an entry that cannot win its place among the class's entries that cannot
        win; ``rank_low``/``rank_high`` the ``level`` interval of that place over the
        replicates, counted among the same entries (a tie counts as every rank it spans, and
        the interval always holds ``rank``); ``would_rank`` the place the entry would have
        had among the class's eligible entries had it been eligible (1 + the number of
        eligible entries with a higher score; equal to ``rank`` for an eligible entry, NA
        without a score); ``eligible`` False when the budget is not in
        balance (``budget_in_balance`` = nej); ``p_first`` the share of replicates in which
        the entry is the best eligible entry of its class (a tie shares the replicate), 0
        for ineligible entries and NaN for entries without a score, so that the eligible
        entries' ``p_first`` sum to 1 in every class that has a scored eligible entry;
        ``leader`` True for the best eligible entry of the class (all of a tie);
        ``n_examiners`` the examiners with individual scores on the entry; ``n_criteria``
        the criteria behind the score; ``note`` what the jury should know: a tuple of
        :class:`scoring.notes.Note` (codes; :func:`scoring.presentation.labels.note_text`
        writes them in Swedish).

    Raises
    ------
    ValueError
        For an unknown method, a criterion not in the rubric, an entry without a class, or
        an entry in ``scores`` that is not in ``entries``.
    """
    _check_ranking(method, n_draws, level, correction)
    year = _Year.build(scores, entries, rubric or load_rubric())
    return _rank(year, method, n_draws, seed, level, correction, min_scores, model)


def _check_ranking(method: str, n_draws: int, level: float, correction: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method '{method}'; use one of: {', '.join(METHODS)}")
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, got {n_draws}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1, got {level}")
    if correction not in CORRECTIONS:
        raise ValueError(f"unknown correction '{correction}'; use one of: {', '.join(CORRECTIONS)}")


def _rank(year: _Year, method: str, n_draws: int, seed: int, level: float, correction: str, min_scores: int,
          model) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    widen = _widening(year.n_examiners, correction, level)
    cells, point, draws, notes = _method_totals(year, method, n_draws, rng, min_scores, model, widen)
    return _rank_table(year, method, cells, point, draws, notes, level)


def method_sensitivity(
    scores: pd.DataFrame,
    entries: pd.DataFrame | None = None,
    *,
    chosen: str = "adjusted",
    methods: Sequence[str] = METHODS,
    rubric: Rubric | None = None,
    min_scores: int = 12,
    model=None,
) -> pd.DataFrame:
    """Per class, the leader (best eligible entry) under each method, and whether it differs
    from the leader under the chosen method.

    Parameters
    ----------
    scores, entries, rubric, min_scores, model : as for :func:`rank_entries`.
    chosen : the method the jury's table uses; it is added to ``methods`` when missing.
    methods : the methods to compare.

    Returns
    -------
    DataFrame
        One row per class and method: ``class``, ``method``, ``leader`` (entry id; a tie
        lists its entries comma-separated; "" when the class has no scored eligible entry),
        ``score`` (the leader's weighted total), ``chosen`` (True on the chosen method's
        row), ``differs`` (True when the leader is not the chosen method's leader).

    Raises
    ------
    ValueError
        As :func:`rank_entries`.
    """
    _check_methods((chosen, *methods))
    year = _Year.build(scores, entries, rubric or load_rubric())
    return _sensitivity(year, chosen, _points(year, [chosen, *methods], min_scores, model))


def _check_methods(methods: Sequence[str]) -> None:
    for m in methods:
        if m not in METHODS:
            raise ValueError(f"unknown method '{m}'; use one of: {', '.join(METHODS)}")


def _points(year: _Year, methods: Sequence[str], min_scores: int, model) -> dict[str, np.ndarray]:
    """Each method's point totals (E,), computed once per method (the examiner model fitted at
    most once)."""
    methods = list(dict.fromkeys(methods))
    if model is None and "adjusted" in methods:
        model = _adjusted_cells(year, min_scores, None)[1]
    return {m: _method_totals(year, m, 0, None, min_scores, model, None)[1] for m in methods}


def _sensitivity(year: _Year, chosen: str, points: dict[str, np.ndarray]) -> pd.DataFrame:
    """:func:`method_sensitivity`'s table from the methods' point totals (``chosen`` first)."""
    methods = list(dict.fromkeys([chosen, *points]))
    leaders = {m: _leaders(year, points[m]) for m in methods}
    rows = []
    for cls in year.class_order:
        base = leaders[chosen][cls][0]
        for m in methods:
            who, score = leaders[m][cls]
            rows.append({"class": cls, "method": m, "leader": who, "score": score, "chosen": m == chosen,
                         "differs": who != base})
    return pd.DataFrame(rows, columns=["class", "method", "leader", "score", "chosen", "differs"])


def method_places(
    scores: pd.DataFrame,
    entries: pd.DataFrame | None = None,
    *,
    methods: Sequence[str] = METHODS,
    rubric: Rubric | None = None,
    min_scores: int = 12,
    model=None,
) -> pd.DataFrame:
    """Every entry's place and total under each method, as :func:`rank_entries` gives them
    (``rank`` and ``would_rank`` do not depend on the resampling, so none is done).

    Parameters
    ----------
    scores, entries, rubric, min_scores, model : as for :func:`rank_entries`.
    methods : the methods, in the order of the rows.

    Returns
    -------
    DataFrame
        Columns :data:`PLACE_COLUMNS`, one row per method and entry (methods in the given
        order, entries in the order of the entries table): ``score`` the entry's weighted
        total under the method (NaN without a score); ``rank`` its place among the class's
        eligible entries (for an entry that cannot win: among those that cannot win);
        ``would_rank`` its place among the class's eligible entries had it been eligible
        (``rank`` for an eligible entry); both NA without a score.

    Raises
    ------
    ValueError
        As :func:`rank_entries`.
    """
    _check_methods(methods)
    year = _Year.build(scores, entries, rubric or load_rubric())
    return _places_table(year, _points(year, methods, min_scores, model))


def _places_table(year: _Year, points: dict[str, np.ndarray]) -> pd.DataFrame:
    """:func:`method_places`' table from the methods' point totals, in their order."""
    frames = []
    for m, point in points.items():
        rank, would = _places(year, np.round(point, _DECIMALS))
        frames.append(pd.DataFrame({"class": year.classes, "entry_id": year.entry_ids, "method": m, "score": point,
                                    "rank": _int(rank), "would_rank": _int(would), "eligible": year.eligible}))
    if not frames:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(PLACE_COLUMNS)]


def method_tables(
    scores: pd.DataFrame,
    entries: pd.DataFrame | None = None,
    *,
    chosen: str = "adjusted",
    methods: Sequence[str] = METHODS,
    rubric: Rubric | None = None,
    n_draws: int = 2000,
    seed: int = 0,
    level: float = 0.90,
    correction: str = "variance",
    min_scores: int = 12,
    model=None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ranking under the chosen method with the leader and every entry's place under each
    method: ``(rank_entries(scores, chosen, entries, ...), method_sensitivity(..., chosen=chosen,
    methods=methods), method_places(..., methods=[chosen, *methods]))``, the same tables value
    for value, with the scores read into arrays once, each method's totals computed once and the
    examiner model fitted at most once (a national year's jury packs need all three).

    Parameters and errors as for the three functions.
    """
    _check_ranking(chosen, n_draws, level, correction)
    _check_methods(methods)
    year = _Year.build(scores, entries, rubric or load_rubric())
    if model is None and "adjusted" in (chosen, *methods):
        model = _adjusted_cells(year, min_scores, None)[1]
    points = _points(year, [chosen, *methods], min_scores, model)
    ranking = _rank(year, chosen, n_draws, seed, level, correction, min_scores, model)
    return ranking, _sensitivity(year, chosen, points), _places_table(year, points)


# --------------------------------------------------------------------------- the year's data


class _Year:
    """The inputs in array form.

    ``entry_ids`` (E,), ``classes`` (E,), ``eligible`` (E,) bool, ``budget_known`` (E,) bool,
    ``names`` (E,) or None; ``criteria`` (C,) ids, ``weights`` (C,); ``scores`` the
    criterion-level scores; ``x`` (E, K, C) the individual scores of each entry's K examiner
    slots (NaN where an examiner gave no score or the team is smaller than K), ``n_examiners``
    (E,); ``examiners`` (E, K) the examiner ids in those slots ("" when empty).
    """

    @classmethod
    def build(cls, scores: pd.DataFrame, entries: pd.DataFrame | None, rubric: Rubric) -> _Year:
        self = cls()
        self.rubric = rubric
        for col in ("entry_id", "examiner_id", "criterion", "score"):
            if col not in scores.columns:
                raise ValueError(f"scores have no '{col}' column")
        scores = scores.assign(entry_id=scores["entry_id"].astype(str), examiner_id=scores["examiner_id"].astype(str))
        classes = scores[["entry_id", "class"]] if "class" in scores.columns else None
        scores = criterion_scores(scores, rubric)
        unknown = sorted(set(scores["criterion"]) - set(rubric.criterion_ids))
        if unknown:
            raise ValueError(f"criterion {', '.join(map(repr, unknown))} is not in the rubric "
                             f"({', '.join(rubric.criterion_ids)})")
        self.scores = scores
        self.criteria = np.array(rubric.criterion_ids)
        self.weights = np.array([rubric.weights[c] for c in self.criteria], dtype=float)
        self._entries(scores, entries, classes)
        self._individual(scores)
        return self

    def _entries(self, scores: pd.DataFrame, entries: pd.DataFrame | None, classes: pd.DataFrame | None) -> None:
        scored = pd.unique(scores["entry_id"])
        if entries is not None:
            if "entry_id" not in entries.columns or "class" not in entries.columns:
                raise ValueError("entries need the columns entry_id and class")
            e = entries.assign(entry_id=entries["entry_id"].astype(str)).drop_duplicates("entry_id")
            known = set(e["entry_id"])
            missing = [x for x in scored if x not in known]
            if missing:
                shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
                raise ValueError(f"{len(missing)} entr{'y' if len(missing) == 1 else 'ies'} in the scores "
                                 f"not in the entries table: {shown}")
        else:
            if classes is None:
                raise ValueError("no class for the entries: give the entries table or a 'class' column in scores")
            e = classes.dropna().drop_duplicates()
            two = e["entry_id"][e["entry_id"].duplicated()]
            if len(two):
                raise ValueError(f"entry {two.iloc[0]} has more than one class in the scores")
            e = pd.DataFrame({"entry_id": scored}).merge(e, on="entry_id", how="left")
        no_class = e.loc[e["class"].isna() | (e["class"].astype(str).str.strip() == ""), "entry_id"]
        if len(no_class):
            raise ValueError(f"entry {no_class.iloc[0]} has no class")
        self.entry_ids = e["entry_id"].to_numpy(dtype=object)
        self.classes = e["class"].astype(str).to_numpy(dtype=object)
        self.names = e["name"].astype(str).to_numpy(dtype=object) if "name" in e.columns else None
        budget = e["budget_in_balance"] if "budget_in_balance" in e.columns else pd.Series(pd.NA, index=e.index)
        ok = [_budget(v) for v in budget]
        # a blank budget_in_balance gets a note; no such column at all does not
        self.budget_known = np.array([v is not None or "budget_in_balance" not in e.columns for v in ok])
        self.eligible = np.array([v is not False for v in ok])
        order = [c.id for c in self.rubric.classes]
        present = list(dict.fromkeys(self.classes))
        self.class_order = [c for c in order if c in present] + sorted(c for c in present if c not in order)

    def _individual(self, scores: pd.DataFrame) -> None:
        ind = individual(scores) if "stage" in scores.columns else scores
        ind = ind[ind["entry_id"].isin(set(self.entry_ids))]
        e_pos = pd.Index(self.entry_ids).get_indexer(ind["entry_id"])
        c_pos = pd.Index(self.criteria).get_indexer(ind["criterion"])
        team = ind[["entry_id", "examiner_id"]].drop_duplicates()
        team = team.assign(slot=team.groupby("entry_id", sort=False).cumcount())
        k_pos = ind[["entry_id", "examiner_id"]].merge(team, on=["entry_id", "examiner_id"], how="left")["slot"]
        k_pos = k_pos.to_numpy(dtype=int)
        slot = team["slot"]
        n = team.groupby("entry_id").size().reindex(self.entry_ids, fill_value=0).to_numpy()
        n_e, n_k, n_c = len(self.entry_ids), max(int(n.max(initial=0)), 1), len(self.criteria)
        x = np.full((n_e, n_k, n_c), np.nan)
        x[e_pos, k_pos, c_pos] = ind["score"].to_numpy(dtype=float)
        examiners = np.full((n_e, n_k), "", dtype=object)
        examiners[pd.Index(self.entry_ids).get_indexer(team["entry_id"]), slot.to_numpy()] = team["examiner_id"]
        self.x, self.n_examiners, self.examiners = x, n, examiners


def _budget(value) -> bool | None:
    """``budget_in_balance`` as True/False, None when unknown (blank or NA)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().casefold()
    if not text:
        return None
    if text not in YES_NO:
        raise ValueError(f"budget_in_balance '{value}' is not ja/nej")
    return YES_NO[text]


# --------------------------------------------------------------------------- methods


def _method_totals(
    year: _Year, method: str, n_draws: int, rng: np.random.Generator | None, min_scores: int, model,
    widen: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[list[Note]]]:
    """Cell values (E, C), point totals (E,), replicate totals (n_draws, E) (None when n_draws
    is 0) and notes per entry; ``widen`` (E,) multiplies each entry's bootstrap deviations."""
    notes: list[list[Note]] = [[] for _ in year.entry_ids]
    if method == "adjusted":
        cells, model, where = _adjusted_cells(year, min_scores, model)
        point = _totals(cells, year.weights)
        draws = _adjusted_draws(year, model, n_draws, rng, where) if n_draws else None
        _missing_notes(year, cells, notes)
        _model_notes(year, model, notes)
        return cells, point, draws, notes

    x = year.x
    if method == "zscore":
        x = _zscore_scores(year, notes)
    stat = _median if method == "median" else _trimmed if method == "trimmed" else _mean
    if method == "trimmed":
        _trim_notes(year, notes)

    if method == "consensus":
        cells = _team_cells(year, notes)
        point = _totals(cells, year.weights)
        base = _totals(_mean(x), year.weights)  # the team's individual mean, for the deviations
    else:
        cells = stat(x)
        point = base = _totals(cells, year.weights)
    _missing_notes(year, cells, notes)
    n = year.n_examiners
    for i in np.flatnonzero((n == 1) | ((n == 0) & np.isfinite(point))):
        notes[i].append(Note("one_examiner") if n[i] == 1 else Note("no_individual_scores"))
    if not n_draws:
        return cells, point, None, notes

    boot = _bootstrap_totals(x, year.n_examiners, year.weights, _mean if method == "consensus" else stat,
                             n_draws, rng)
    dev = np.where(np.isfinite(base), boot - base, 0.0) * widen
    return cells, point, point + dev, notes


def _adjusted_cells(year: _Year, min_scores: int, model) -> tuple[np.ndarray, object, tuple]:
    """The examiner model's cell estimates (E, C), the model, and where its cells go: the year's
    entry and criterion position of each model cell and which of them are the year's.

    ``model`` is a fitted :class:`~scoring.calibration.ExaminerModel` of these scores (for
    example the year's cached fit); without it the individual scores are fitted here.
    """
    if model is None:
        from .calibration import fit_examiner_model

        model = fit_examiner_model(individual(year.scores), min_scores=min_scores, rubric=year.rubric)
    cells = model.cells
    e_pos = pd.Index(year.entry_ids).get_indexer(cells["entry_id"].astype(str))
    c_pos = pd.Index(year.criteria).get_indexer(cells["criterion"])
    keep = (e_pos >= 0) & (c_pos >= 0)
    point = np.full((len(year.entry_ids), len(year.criteria)), np.nan)
    point[e_pos[keep], c_pos[keep]] = cells["adjusted"].to_numpy(dtype=float)[keep]
    return point, model, (e_pos, c_pos, keep)


def _adjusted_draws(year: _Year, model, n_draws: int, rng: np.random.Generator, where: tuple) -> np.ndarray:
    """Totals (n_draws, E) of the model's joint draws of its cells (NaN for an entry without cells).

    The cells are drawn and totalled a chunk of entries at a time (:func:`_cell_draws`), so
    that no draws x cells array is ever held: the totals are the same, bit for bit, as those of
    ``model.draw_cells(n_draws, rng)`` set into a draws x entries x criteria array.
    """
    e_pos, c_pos, keep = where
    totals = np.full((n_draws, len(year.entry_ids)), np.nan)
    for c0, c1, beta in _cell_draws(model, n_draws, rng):
        k = keep[c0:c1]
        e, c = e_pos[c0:c1][k], c_pos[c0:c1][k]
        if not len(e):
            continue
        touched, local = np.unique(e, return_inverse=True)
        block = np.full((n_draws, len(touched), len(year.criteria)), np.nan)
        block[:, local, c] = beta[:, k]
        totals[:, touched] = _totals(block, year.weights)
    return totals


def _cell_draws(model, n_draws: int, rng: np.random.Generator):
    """The model's joint draws of its cells as ``(c0, c1, draws of cells c0..c1-1 (n_draws, c1 - c0))``,
    in the order of ``model.cells``: all at once from ``model.draw_cells`` for any model in that
    interface, a chunk of entries at a time (:func:`_model_cell_draws`) for a fitted
    :class:`~scoring.calibration.ExaminerModel`."""
    if getattr(model, "_design", None) is not None and getattr(model, "_cells_solution", None) is not None:
        yield from _model_cell_draws(model, n_draws, rng)
        return
    n_cells = len(model.cells)
    d = np.asarray(model.draw_cells(n_draws, rng), dtype=float)
    if d.shape != (n_draws, n_cells):
        raise ValueError(f"the model's draw_cells gave shape {d.shape}, expected {(n_draws, n_cells)}")
    yield 0, n_cells, d


def _model_cell_draws(model, n_draws: int, rng: np.random.Generator):
    """``ExaminerModel.draw_cells(n_draws, rng)``, bit for bit, a chunk of entries at a time.

    ``draw_cells`` draws the examiner effects (examiners x draws), then every entry's examiner x
    entry effects (entries x team x draws normals), then every cell (cells x draws normals), and
    holds draws x scores arrays on the way: 2.9 GB at 180,000 scores and 2000 draws. Here the
    same normals are taken from the same stream in the same order, the entry effects' normals
    from a copy of the generator, the cells' after the generator has been moved past them, and
    each chunk's cells are summed in the order of their scores, as ``np.add.at`` sums them, so
    that every value is the same; a chunk holds about :data:`_DRAW_CHUNK` values.
    (This belongs beside ``draw_cells`` in :mod:`scoring.calibration.model`, which could then
    be built on it.)
    """
    import copy

    from scipy import linalg

    d, sol = model._design, model._cells_solution
    sigma = np.sqrt(model.sigma2) if np.isfinite(model.sigma2) else 0.0
    z = rng.standard_normal((d.n_examiners, n_draws))
    vb = linalg.solve_triangular(sol.chol, z, lower=True, trans="T", check_finite=False) * sigma
    b = sol.b[:, None] + sol.lam[:, None] * vb  # (K, D)
    bpad = np.vstack([b, np.zeros((1, n_draws))])
    t2 = sol.theta_u**2
    n_e, m = d.team.shape
    step = max(1, _DRAW_CHUNK // (n_draws * max(m, -(-d.n // max(n_e, 1)))))
    u_rng = copy.deepcopy(rng)
    for s in range(0, n_e, step):  # the entry effects' normals come first in the stream
        rng.standard_normal((min(step, n_e - s), m, n_draws))
    by_cell = np.argsort(d.cell, kind="stable")  # the scores by cell, in their order within it
    cell_start = np.searchsorted(d.cell[by_cell], np.arange(d.n_cells + 1))
    position = np.arange(d.n) - cell_start[d.cell[by_cell]]  # of each score (by_cell order) in its cell
    entry_cells = np.searchsorted(d.cell_entry, np.arange(n_e + 1))  # cells are sorted by entry
    for s in range(0, n_e, step):
        e1 = min(n_e, s + step)
        c0, c1 = int(entry_cells[s]), int(entry_cells[e1])
        bteam = bpad[d.team[s:e1]]  # (chunk, m, D)
        dinv = sol.Dinv[s:e1]
        mean_u = t2 * np.einsum("eij,ejd->eid", dinv, d.g[s:e1, :, None] - np.einsum("eij,ejd->eid", d.G[s:e1], bteam))
        root = np.linalg.cholesky(dinv)
        u = mean_u + sol.theta_u * sigma * np.einsum("eij,ejd->eid", root, u_rng.standard_normal(mean_u.shape))
        bu = (bteam + u).reshape(-1, n_draws)  # b + u of each team member, as each of their scores has it
        rows, pos = by_cell[cell_start[c0]:cell_start[c1]], position[cell_start[c0]:cell_start[c1]]
        sums = np.zeros((c1 - c0, n_draws))
        for p in range(int(pos.max(initial=-1)) + 1):  # one score of each cell at a time, in order
            r = rows[pos == p]
            sums[d.cell[r] - c0] += bu[(d.entry[r] - s) * m + d.slot[r]]
        beta = d.cell_mean[c0:c1, None] - sums / d.cell_n[c0:c1, None]
        beta += sigma / np.sqrt(d.cell_n[c0:c1])[:, None] * rng.standard_normal(beta.shape)
        yield c0, c1, beta.T


def _model_notes(year: _Year, model, notes: list[list[Note]]) -> None:
    """Notes from the model's ``effects`` (examiner_id, adjusted, group), when it has them: the
    examiners not adjusted for, and entries whose examiners are not in the largest connected
    group (group 1), whose adjusted scores cannot be compared with the others'."""
    effects = getattr(model, "effects", None)
    if not isinstance(effects, pd.DataFrame) or "examiner_id" not in effects.columns:
        return
    ids = effects["examiner_id"].astype(str)
    adjusted = dict(zip(ids, effects["adjusted"], strict=True)) if "adjusted" in effects.columns else {}
    group = dict(zip(ids, effects["group"], strict=True)) if "group" in effects.columns else {}
    for i, team in enumerate(year.examiners):
        few = sorted(k for k in team if k in adjusted and not bool(adjusted[k]))
        if few:
            notes[i].append(Note("not_adjusted", {"examiners": tuple(few)}))
        groups = sorted({int(group[k]) for k in team if k in group} - {1})
        if groups:
            notes[i].append(Note("other_group", {"groups": tuple(groups)}))


def _mean(x: np.ndarray) -> np.ndarray:
    """Mean over the examiner axis (-2), ignoring NaN; NaN where there is no score."""
    have = ~np.isnan(x)
    n = have.sum(axis=-2)
    total = np.where(have, x, 0.0).sum(axis=-2)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def _sorted(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores sorted along the examiner axis (NaN last) and their count per cell."""
    return np.sort(x, axis=-2), (~np.isnan(x)).sum(axis=-2)


def _at(s: np.ndarray, i: np.ndarray) -> np.ndarray:
    return np.take_along_axis(s, np.expand_dims(np.maximum(i, 0), -2), axis=-2).squeeze(-2)


def _median(x: np.ndarray) -> np.ndarray:
    s, n = _sorted(x)
    m = (_at(s, (n - 1) // 2) + _at(s, n // 2)) / 2
    return np.where(n > 0, m, np.nan)


def _trimmed(x: np.ndarray) -> np.ndarray:
    """Mean without the highest and the lowest score where a cell has TRIM_MIN or more scores."""
    s, n = _sorted(x)
    total = np.where(np.isnan(s), 0.0, s).sum(axis=-2)
    trim = n >= TRIM_MIN
    total = np.where(trim, total - s[..., 0, :] - _at(s, n - 1), total)
    k = np.where(trim, n - 2, n)
    return np.where(n > 0, total / np.maximum(k, 1), np.nan)


def _zscore_scores(year: _Year, notes: list[list[Note]]) -> np.ndarray:
    """Individual scores as grand mean + grand sd x (the examiner's z-score over the year).

    An examiner with fewer than two scores or with the same score everywhere has no z-score:
    their scores count as the grand mean (z = 0), with a note on the entries they scored.
    """
    ind = individual(year.scores) if "stage" in year.scores.columns else year.scores
    ind = ind[ind["entry_id"].isin(set(year.entry_ids))]
    g = ind.groupby("examiner_id")["score"]
    mu, sd = g.mean(), g.std(ddof=1)
    grand_mu, grand_sd = ind["score"].mean(), ind["score"].std(ddof=1)
    flat = set(sd.index[~(sd > 0)])
    ex = year.examiners.ravel()
    mu_k = pd.Series(ex).map(mu).to_numpy(dtype=float).reshape(year.examiners.shape)
    sd_k = pd.Series(ex).map(sd).to_numpy(dtype=float).reshape(year.examiners.shape)
    usable = sd_k > 0
    z = np.where(usable[..., None], (year.x - mu_k[..., None]) / np.where(usable, sd_k, 1.0)[..., None], 0.0)
    z = np.where(np.isnan(year.x), np.nan, z)
    for i, team in enumerate(year.examiners):
        who = sorted(k for k in team if k in flat)
        if who:
            notes[i].append(Note("no_zscore", {"examiners": tuple(who)}))
    sd_g = grand_sd if grand_sd > 0 else 0.0
    return grand_mu + sd_g * z


def _team_cells(year: _Year, notes: list[list[Note]]) -> np.ndarray:
    """The team's final score per entry x criterion: site visit where there is one, else consensus."""
    cells = np.full((len(year.entry_ids), len(year.criteria)), np.nan)
    s = year.scores
    if "stage" not in s.columns:
        return cells
    e_index, c_index = pd.Index(year.entry_ids), pd.Index(year.criteria)
    visited = np.zeros(cells.shape, dtype=bool)
    for stage in ("consensus", "site_visit"):  # site visit last: it overrides consensus
        t = s[(s["stage"] == stage) & s["entry_id"].isin(set(year.entry_ids))]
        t = t.groupby(["entry_id", "criterion"], as_index=False)["score"].mean()
        e, c = e_index.get_indexer(t["entry_id"]), c_index.get_indexer(t["criterion"])
        cells[e, c] = t["score"].to_numpy(dtype=float)
        if stage == "site_visit":
            visited[e, c] = True
    for i in range(len(cells)):
        k = int(visited[i].sum())
        if k:
            notes[i].append(Note("site_visit_scores", {"k": k, "n": len(year.criteria)}))
    return cells


def _totals(cells: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted totals over the last axis, the weights renormalised over the criteria present."""
    have = ~np.isnan(cells)
    w = np.where(have, weights, 0.0)
    wsum = w.sum(axis=-1)
    total = (np.where(have, cells, 0.0) * w).sum(axis=-1)
    return np.where(wsum > 0, total / np.where(wsum > 0, wsum, 1.0), np.nan)


def _missing_notes(year: _Year, cells: np.ndarray, notes: list[list[Note]]) -> None:
    missing = np.isnan(cells) & (year.weights > 0)
    for i in np.flatnonzero(missing.any(axis=1)):
        gone = list(year.criteria[missing[i]])
        if len(gone) == len(year.criteria):
            notes[i].append(Note("not_ranked"))
        elif gone:
            notes[i].append(Note("criteria_missing", {"criteria": tuple(gone)}))


def _trim_notes(year: _Year, notes: list[list[Note]]) -> None:
    n_cell = (~np.isnan(year.x)).sum(axis=1)  # (E, C)
    for i, n in enumerate(year.n_examiners):
        if 0 < n < TRIM_MIN:
            notes[i].append(Note("trim_few_examiners", {"min": TRIM_MIN}))
        elif n >= TRIM_MIN and ((n_cell[i] > 0) & (n_cell[i] < TRIM_MIN)).any():
            k = int(((n_cell[i] > 0) & (n_cell[i] < TRIM_MIN)).sum())
            notes[i].append(Note("trim_few_scores", {"k": k, "min": TRIM_MIN}))


# --------------------------------------------------------------------------- resampling


def _widening(n: np.ndarray, correction: str, level: float) -> np.ndarray:
    """Factor on each entry's bootstrap deviations (1 for teams of fewer than 2).

    ``"variance"``: sqrt(n / (n - 1)); resampling n examiners out of n gives a mean the
    variance (n - 1)/n x s²/n, and the factor restores s²/n. ``"t"``: that times
    t_{n-1}(q) / z(q), q = (1 + level)/2, so that a mean's interval is the t interval.
    ``"none"``: 1.
    """
    from scipy import stats  # here, not at the top: the command line imports METHODS from this module

    n = np.asarray(n, dtype=float)
    df = np.maximum(n - 1, 1)
    if correction == "none":
        f = np.ones_like(n)
    else:
        f = np.sqrt(n / df)
        if correction == "t":
            q = (1 + level) / 2
            f = f * stats.t.ppf(q, df) / stats.norm.ppf(q)
    return np.where(n >= 2, f, 1.0)


def _bootstrap_totals(
    x: np.ndarray, n: np.ndarray, weights: np.ndarray, stat, n_draws: int, rng: np.random.Generator
) -> np.ndarray:
    """Totals (n_draws, E) of ``stat`` over each entry's examiners resampled with replacement.

    ``x`` (E, K, C): an examiner's scores of an entry (a row of K) are drawn together;
    replicate b draws n[e] examiner slots of entry e, the remaining K - n[e] slots are empty.
    """
    n_e, n_k, n_c = x.shape
    padded = np.concatenate([x, np.full((n_e, 1, n_c), np.nan)], axis=1)  # slot K is empty
    rows = np.arange(n_e)[None, :, None]
    slots = np.arange(n_k)[None, None, :]
    out = np.empty((n_draws, n_e))
    chunk = max(1, _CHUNK // max(1, n_e * n_k * n_c))
    for start in range(0, n_draws, chunk):
        b = min(chunk, n_draws - start)
        pick = np.floor(rng.random((b, n_e, n_k)) * n[None, :, None]).astype(int)
        pick = np.where(slots < n[None, :, None], pick, n_k)
        out[start:start + b] = _totals(stat(padded[rows, pick]), weights)
    return out


# --------------------------------------------------------------------------- ranking


def _leader_mask(year: _Year, point: np.ndarray) -> np.ndarray:
    """True for the best eligible scored entry of each class (every entry of a tie)."""
    total = np.round(point, _DECIMALS)
    ok = year.eligible & np.isfinite(total)
    lead = np.zeros(len(total), dtype=bool)
    for cls in year.class_order:
        m = ok & (year.classes == cls)
        if m.any():
            lead |= m & (total == total[m].max())
    return lead


def _leaders(year: _Year, point: np.ndarray) -> dict[str, tuple[str, float]]:
    """Per class: the best eligible entry (ties comma-separated) and its total."""
    lead = _leader_mask(year, point)
    out = {}
    for cls in year.class_order:
        m = lead & (year.classes == cls)
        out[cls] = (", ".join(sorted(year.entry_ids[m])), float(point[m][0])) if m.any() else ("", np.nan)
    return out


def _groups(year: _Year, total: np.ndarray):
    """Per class, the positions of its scored eligible entries and of its scored entries that
    cannot win: the two groups within which places are counted."""
    scored = np.isfinite(total)
    for cls in year.class_order:
        in_class = (year.classes == cls) & scored
        yield np.flatnonzero(in_class & year.eligible), np.flatnonzero(in_class & ~year.eligible)


def _places(year: _Year, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``rank`` (place within the entry's group: the class's eligible entries, or its entries
    that cannot win) and ``would_rank`` (place among the class's eligible entries had the entry
    been eligible) of the rounded totals; NaN without a score. Ties share the best place."""
    rank, would = np.full(len(total), np.nan), np.full(len(total), np.nan)
    for ok, out in _groups(year, total):
        for idx in (ok, out):
            t = total[idx]
            rank[idx] = 1 + (t[None, :] > t[:, None]).sum(axis=1)
        would[ok] = rank[ok]
        would[out] = 1 + (total[ok][None, :] > total[out][:, None]).sum(axis=1)
    return rank, would


def _rank_table(
    year: _Year, method: str, cells: np.ndarray, point: np.ndarray, draws: np.ndarray, notes: list[list[Note]],
    level: float,
) -> pd.DataFrame:
    n_e = len(year.entry_ids)
    low, high = np.full(n_e, np.nan), np.full(n_e, np.nan)
    p_first = np.where(year.eligible, np.nan, 0.0)
    leader = _leader_mask(year, point)
    total = np.round(point, _DECIMALS)
    draws = np.round(draws, _DECIMALS, out=draws)  # the caller's own array: rounded where it is
    alpha = (1 - level) / 2
    score_low, score_high = np.full(n_e, np.nan), np.full(n_e, np.nan)
    rank, would = _places(year, total)
    for ok, out in _groups(year, total):
        for idx in (ok, out):  # places and their intervals within the group
            if not len(idx):
                continue
            t = total[idx]
            d = draws[:, idx]
            d = np.where(np.isnan(d), t[None, :], d)  # an entry the draws miss keeps its point value
            score_low[idx], score_high[idx] = np.quantile(d, [alpha, 1 - alpha], axis=0)
            r_min, r_max = _rank_bounds(d)
            low[idx] = np.minimum(np.quantile(r_min, alpha, axis=0, method="inverted_cdf"), rank[idx])
            high[idx] = np.maximum(np.quantile(r_max, 1 - alpha, axis=0, method="inverted_cdf"), rank[idx])
        if len(ok):  # the chance of being the best eligible entry of the class
            d = draws[:, ok]
            d = np.where(np.isnan(d), total[ok][None, :], d)
            best = d == d.max(axis=1, keepdims=True)
            p_first[ok] = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
    for i in range(n_e):
        if not year.eligible[i]:
            notes[i].insert(0, Note("not_eligible"))
        elif not year.budget_known[i]:
            notes[i].insert(0, Note("budget_unknown"))
    out = pd.DataFrame(
        {
            "entry_id": year.entry_ids,
            "name": year.names if year.names is not None else "",
            "class": year.classes,
            "method": method,
            "score": point,
            "score_low": score_low,
            "score_high": score_high,
            "rank": _int(rank),
            "rank_low": _int(low),
            "rank_high": _int(high),
            "would_rank": _int(would),
            "eligible": year.eligible,
            "p_first": p_first,
            "leader": leader,
            "n_examiners": year.n_examiners.astype(int),
            "n_criteria": (~np.isnan(cells)).sum(axis=1),
            "note": [tuple(n) for n in notes],
        }
    )
    if year.names is None:
        out = out.drop(columns="name")
    order = {c: i for i, c in enumerate(year.class_order)}
    out = out.assign(_c=out["class"].map(order), _g=~out["eligible"].astype(bool),
                     _r=out["rank"].astype("Float64").fillna(np.inf))
    return (out.sort_values(["_c", "_g", "_r", "entry_id"], kind="stable").drop(columns=["_c", "_g", "_r"])
            .reset_index(drop=True))


def _rank_bounds(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each replicate's places (rows of ``d``, 1 = highest value): the best and the worst place
    a tie spans, as ``scipy.stats.rankdata(-d, method="min" / "max", axis=1)`` give them, from
    one sort of each row (a block of rows at a time)."""
    n = d.shape[1]
    r_min, r_max = np.empty(d.shape), np.empty(d.shape)
    step = max(1, _CHUNK // 8 // max(n, 1))  # rows of a block: about _CHUNK / 8 values
    for b in range(0, len(d), step):
        x = -d[b:b + step]
        order = np.argsort(x, axis=1, kind="stable")
        s = np.take_along_axis(x, order, axis=1)
        at = np.broadcast_to(np.arange(n), s.shape)
        first = np.ones(s.shape, dtype=bool)
        first[:, 1:] = s[:, 1:] != s[:, :-1]
        last = np.ones(s.shape, dtype=bool)
        last[:, :-1] = first[:, 1:]
        start = np.maximum.accumulate(np.where(first, at, 0), axis=1)  # where the tie begins
        end = np.minimum.accumulate(np.where(last, at, n - 1)[:, ::-1], axis=1)[:, ::-1]  # and ends
        np.put_along_axis(r_min[b:b + len(x)], order, start + 1.0, axis=1)
        np.put_along_axis(r_max[b:b + len(x)], order, end + 1.0, axis=1)
    return r_min, r_max


def _int(x: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array([pd.NA if np.isnan(v) else int(v) for v in x], dtype="Int64")
