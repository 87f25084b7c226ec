"""From individual scores to consensus: the agenda of disagreements and how far consensus moved."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .data.scores import individual
from .rubric import Rubric

KEY = ["entry_id", "criterion"]


def individual_spread(scores: pd.DataFrame) -> pd.DataFrame:
    """Per entry x criterion: the examiners' individual scores and their spread.

    Columns: entry_id, criterion, n_examiners, low, high, spread (high - low), mean,
    scores (text "E01 60, E07 80, ..." so the agenda shows who said what).
    """
    ind = individual(scores).sort_values(["entry_id", "criterion", "examiner_id"])
    g = ind.groupby(KEY, sort=True)
    out = g["score"].agg(n_examiners="count", low="min", high="max", mean="mean").reset_index()
    out["spread"] = out["high"] - out["low"]
    ind = ind.dropna(subset=KEY)  # as the groups: a row without a key is in none
    shown = {s: f"{s:g}" for s in pd.unique(ind["score"])}  # each score value written once
    said = ind["examiner_id"].astype(str) + " " + ind["score"].map(shown).astype(str)
    out["scores"] = _join_runs(said.to_numpy(dtype=object), _run_starts(ind))  # the groups' order: sorted
    return out[["entry_id", "criterion", "n_examiners", "low", "high", "spread", "mean", "scores"]]


def _run_starts(rows: pd.DataFrame) -> np.ndarray:
    """Where each run of equal (entry_id, criterion) starts in ``rows`` (sorted by them)."""
    if rows.empty:
        return np.zeros(0, dtype=np.intp)
    new = np.zeros(len(rows), dtype=bool)
    new[0] = True
    for k in KEY:
        v = rows[k].to_numpy(dtype=object)
        new[1:] |= v[1:] != v[:-1]
    return np.flatnonzero(new)


def _join_runs(text: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """``", ".join`` of each run of ``text`` (an object array of str), the runs starting at ``starts``:
    the same strings as a join per group, in one pass (a national year has 36,000 groups)."""
    if len(text) == 0:
        return np.array([], dtype=object)
    sep = np.full(len(text), ", ", dtype=object)
    sep[starts[1:] - 1] = ""
    sep[-1] = ""
    return np.add.reduceat(text + sep, starts)


def consensus_agenda(
    scores: pd.DataFrame,
    rubric: Rubric,
    threshold: float | None = None,
    entries: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Entry x criterion pairs whose individual spread exceeds the threshold, largest first.

    ``threshold`` defaults to the rubric's ``spread_threshold`` (scale points); a pair is
    on the agenda when its spread is strictly greater. Only pairs with at least two
    individual scores can have a spread. With ``entries``, each row also gets the
    entry's name and class.
    """
    limit = rubric.spread_threshold if threshold is None else threshold
    s = individual_spread(scores)
    agenda = s[(s["n_examiners"] >= 2) & (s["spread"] > limit)]
    agenda = agenda.sort_values(["spread", "entry_id", "criterion"], ascending=[False, True, True])
    if entries is not None:
        agenda = agenda.merge(entries[["entry_id", "name", "class"]], on="entry_id", how="left")
        first = ["entry_id", "name", "class"]
        agenda = agenda[first + [c for c in agenda.columns if c not in first]]
    return agenda.reset_index(drop=True)


def consensus_shift(scores: pd.DataFrame, stage: str = "consensus") -> pd.DataFrame:
    """How far the team's score (``stage``) moved from the examiners' individual scores.

    Per entry x criterion with both: individual_mean, consensus, shift (consensus -
    individual mean), and closest_examiner: the examiner whose individual score lies
    nearest the consensus (ties: all of them, comma-separated), a hint of anchoring.
    """
    team = scores[scores["stage"] == stage]
    if team.duplicated(KEY).any():
        team = team.groupby(KEY, as_index=False)["score"].mean()
    ind = individual(scores)
    merged = ind.merge(team[KEY + ["score"]].rename(columns={"score": "consensus"}), on=KEY)
    if merged.empty:
        return pd.DataFrame(columns=KEY + ["individual_mean", "consensus", "shift", "closest_examiner"])
    merged["distance"] = (merged["score"] - merged["consensus"]).abs()
    nearest = merged["distance"] == merged.groupby(KEY)["distance"].transform("min")
    near = merged.loc[nearest, KEY + ["examiner_id"]].sort_values([*KEY, "examiner_id"])
    starts = _run_starts(near)
    closest = pd.Series(_join_runs(near["examiner_id"].to_numpy(dtype=object), starts),
                        index=pd.MultiIndex.from_frame(near[KEY].iloc[starts]))  # ties: all, sorted
    out = merged.groupby(KEY).agg(individual_mean=("score", "mean"), consensus=("consensus", "first"))
    out["shift"] = out["consensus"] - out["individual_mean"]
    out["closest_examiner"] = closest
    return out.reset_index()


def shift_by_criterion(shift: pd.DataFrame) -> pd.DataFrame:
    """Summary of ``consensus_shift`` per criterion: mean shift, mean absolute shift, n."""
    return (
        shift.groupby("criterion")["shift"]
        .agg(mean_shift="mean", mean_abs_shift=lambda x: np.abs(x).mean(), n="count")
        .reset_index()
    )


def closest_to_consensus(scores: pd.DataFrame, stage: str = "consensus") -> pd.DataFrame:
    """How often each examiner's individual score was the one nearest the team's score.

    Per examiner: pairs (entry x criterion pairs the examiner scored that have a
    ``stage`` score), nearest (how many of them the examiner's score was nearest to it,
    ties counted for each tied examiner), share = nearest / pairs. An examiner who is
    nearest far more often than the team size suggests may be anchoring the team.
    Sorted by share, largest first.
    """
    shift = consensus_shift(scores, stage)
    team = scores.loc[scores["stage"] == stage, KEY].drop_duplicates()
    pairs = individual(scores).merge(team, on=KEY).groupby("examiner_id").size()
    nearest = shift["closest_examiner"].str.split(", ").explode().value_counts()
    out = pd.DataFrame({"pairs": pairs, "nearest": nearest.reindex(pairs.index, fill_value=0)})
    out["share"] = out["nearest"] / out["pairs"]
    out.index.name = "examiner_id"
    return out.reset_index().sort_values(["share", "examiner_id"], ascending=[False, True]).reset_index(drop=True)


def entry_shift(scores: pd.DataFrame, rubric: Rubric | None = None) -> pd.DataFrame:
    """Per entry: how far consensus and the site visit moved from the individual scores.

    Built on :func:`consensus_shift` (per entry x criterion) for both stages. Columns:
    entry_id, criteria (with a consensus score), individual_mean (mean over those criteria
    of the examiners' mean), consensus (mean consensus score), consensus_shift (consensus
    - individual_mean), consensus_abs_shift (mean over criteria of |shift|), and the same
    for the site visit (site_visit, site_visit_shift, site_visit_abs_shift: NaN for
    entries without one; the site visit's shift is measured from the individual scores
    too). With ``rubric``, the means over criteria use its weights (renormalised over the
    criteria present) instead of equal weights.
    """
    parts = []
    for stage in ("consensus", "site_visit"):
        s = consensus_shift(scores, stage)
        if rubric is not None:
            s = s.assign(w=s["criterion"].map(rubric.weights).fillna(0.0))
        else:
            s = s.assign(w=1.0)
        s = s.assign(abs_shift=s["shift"].abs())
        sums = s[["individual_mean", "consensus", "shift", "abs_shift"]].mul(s["w"], axis=0)
        g = sums.groupby(s["entry_id"]).sum().div(s.groupby("entry_id")["w"].sum(), axis=0)
        g = g.rename(columns={"consensus": stage, "shift": f"{stage}_shift", "abs_shift": f"{stage}_abs_shift"})
        g[f"{stage}_criteria"] = s.groupby("entry_id").size()
        parts.append(g if stage == "consensus" else g.drop(columns="individual_mean"))
    out = parts[0].join(parts[1], how="outer")
    out = out.rename(columns={"consensus_criteria": "criteria"}).drop(columns="site_visit_criteria")
    cols = ["criteria", "individual_mean", "consensus", "consensus_shift", "consensus_abs_shift",
            "site_visit", "site_visit_shift", "site_visit_abs_shift"]
    return out[cols].rename_axis("entry_id").reset_index()


def dominance(scores: pd.DataFrame, stage: str = "consensus") -> pd.DataFrame:
    """Whose individual scores the team's score lands on, and who always moves.

    Parameters
    ----------
    scores : DataFrame
        Criterion-level scores with individual and ``stage`` rows.
    stage : str
        The team's score to compare with: ``consensus`` (default) or ``site_visit``.

    Returns
    -------
    DataFrame
        One row per examiner with at least one decision, most dominant first:

        decisions
            Entry x criterion pairs with a ``stage`` score that the examiner scored
            individually (the number behind every other figure).
        nearest, nearest_share
            Decisions where the team's score was nearest to the examiner's own (ties
            shared: 1/k each of k tied examiners), and their share of ``decisions``.
        expected_share
            The share expected if the nearest examiner were a random team member (mean of
            1/team size over the decisions).
        movement, abs_movement
            Mean of (team score - own score) and of its absolute value: how far the
            examiner had to move to the decision; a large abs_movement = "always moves".
        dominance
            How much the team's score is pulled towards the examiner's own score, beyond
            the average team member: the examiner's weight w_k in the least-squares fit
            of (team score - team mean) = sum over the team of w_k (own score - team mean)
            over all decisions, centred to mean 0 (only differences between examiners
            are identified). 0.2 means the decision moves 20 % of the way from the team
            mean towards the examiner's score more than it does for a typical member.
    """
    m = decisions(scores, stage)
    if m is None:
        return pd.DataFrame(columns=[*_CLOSENESS, "dominance"])
    out = closeness_of(m)
    out["dominance"] = _dominance_weights(m).reindex(out["examiner_id"]).to_numpy()
    return out.sort_values(["dominance", "examiner_id"], ascending=[False, True]).reset_index(drop=True)


_CLOSENESS = ["examiner_id", "decisions", "nearest", "nearest_share", "expected_share", "movement", "abs_movement"]


def closeness(scores: pd.DataFrame, stage: str = "consensus") -> pd.DataFrame:
    """:func:`dominance` without its ``dominance`` column, by examiner code: how often the team's score
    landed nearest each examiner's own, and how far they moved (what an examiner's own report reads;
    the weights' least-squares fit is a second's work of a national year, with scipy.sparse's import)."""
    return closeness_by_stage(scores, [stage])[stage]


def closeness_by_stage(scores: pd.DataFrame, stages: Iterable[str]) -> dict[str, pd.DataFrame]:
    """:func:`closeness` for each of ``stages``, the individual scores and their pairs found once."""
    keys = _individual_pairs(scores)
    out = {}
    for stage in stages:
        m = decisions(scores, stage, keys)
        out[stage] = pd.DataFrame(columns=_CLOSENESS) if m is None else closeness_of(m)
    return out


def _individual_pairs(scores: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, pd.Index, pd.Index]:
    """The individual scores, one integer per (entry, criterion) pair of each (-1 for a missing key), and
    the entries and criteria the integers count."""
    ind = individual(scores)[KEY + ["examiner_id", "score"]]
    entry, entries = pd.factorize(ind["entry_id"])
    criterion, criteria = pd.factorize(ind["criterion"])
    pair = np.where((entry >= 0) & (criterion >= 0), entry.astype(np.int64) * max(len(criteria), 1) + criterion, -1)
    return ind, pair, pd.Index(entries), pd.Index(criteria)


def decisions(scores: pd.DataFrame, stage: str, pairs=None) -> pd.DataFrame | None:
    """Each individual score of a decision (an entry and criterion with a ``stage`` score) beside the
    decision: the team's size and mean, how far the examiner moved to it, and their share of being
    nearest (ties shared); None when there is no decision. The rows and values of
    ``individual(scores).merge(consensus_shift(scores, stage))``, grouped by one integer per pair
    instead of two columns of text (a national year has 180,000 individual scores); ``pairs``:
    :func:`_individual_pairs` of ``scores``, when already found."""
    ind, pair, entries, criteria = pairs or _individual_pairs(scores)
    team = scores[scores["stage"] == stage]
    entry, criterion = entries.get_indexer(team["entry_id"]), criteria.get_indexer(team["criterion"])
    on_team = (entry >= 0) & (criterion >= 0)  # a pair nobody scored alone is no decision of theirs
    team_pair = entry[on_team].astype(np.int64) * max(len(criteria), 1) + criterion[on_team]
    consensus = pd.Series(team["score"].to_numpy()[on_team]).groupby(team_pair).mean()  # a mean if repeated
    has = (pair >= 0) & np.isin(pair, consensus.index.to_numpy())
    if not has.any():
        return None
    m = ind[has].reset_index(drop=True)
    code = pair[has]
    g = m["score"].groupby(code)
    m["individual_mean"] = g.transform("mean")
    m["consensus"] = consensus.reindex(code).to_numpy()
    m["move"] = m["consensus"] - m["score"]
    m["distance"] = m["move"].abs()
    m["team"] = g.transform("size")
    nearest = m["distance"] == m["distance"].groupby(code).transform("min")
    m["credit"] = nearest / nearest.groupby(code).transform("sum")
    return m


def closeness_of(m: pd.DataFrame) -> pd.DataFrame:
    """The :data:`_CLOSENESS` columns from :func:`decisions`, one row per examiner, by code."""
    by = m.groupby("examiner_id")
    out = pd.DataFrame(
        {
            "decisions": by.size(),
            "nearest": by["credit"].sum(),
            "expected_share": (1.0 / m["team"]).groupby(m["examiner_id"]).mean(),
            "movement": by["move"].mean(),
            "abs_movement": by["distance"].mean(),
        }
    )
    out["nearest_share"] = out["nearest"] / out["decisions"]
    out.index.name = "examiner_id"
    return out.reset_index()[_CLOSENESS]


def _dominance_weights(m: pd.DataFrame) -> pd.Series:
    """Least-squares weights w (one per examiner, centred) in
    consensus - mean = sum_k w_k (score_k - mean), over decisions with 2+ team members."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.linalg import lsqr

    m = m[m["team"] > 1]
    if m.empty:
        return pd.Series(dtype=float)
    entry, _ = pd.factorize(m["entry_id"])
    criterion, criteria = pd.factorize(m["criterion"])
    row, _ = pd.factorize(entry.astype(np.int64) * len(criteria) + criterion)  # the pairs, as they first occur
    col, examiners = pd.factorize(m["examiner_id"])
    x = (m["score"] - m["individual_mean"]).to_numpy(dtype=float)
    A = csr_matrix((x, (row, col)), shape=(row.max() + 1, len(examiners)))
    target = m.groupby(row)["consensus"].first().to_numpy() - m.groupby(row)["individual_mean"].first().to_numpy()
    w = lsqr(A, target, atol=1e-12, btol=1e-12, iter_lim=10_000)[0]  # minimum norm
    return pd.Series(w - w.mean(), index=examiners)
