"""From individual scores to consensus: the agenda of disagreements and how far consensus moved."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .overview import individual
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
    listing = g.apply(
        lambda d: ", ".join(f"{e} {s:g}" for e, s in zip(d["examiner_id"], d["score"], strict=True)),
        include_groups=False,
    )
    out["scores"] = listing.to_numpy()
    return out[["entry_id", "criterion", "n_examiners", "low", "high", "spread", "mean", "scores"]]


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
    closest = merged[nearest].groupby(KEY)["examiner_id"].agg(lambda x: ", ".join(sorted(x)))
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
