"""Consensus dominance and per-entry shifts: a case worked by hand and the demo generator's truth."""

import numpy as np
import pandas as pd
import pytest

from scoring import consensus
from scoring.data import load_year
from scoring.paths import DATA_DIR
from scoring.rubric import load_rubric

CRIT = ("target_group", "leadership", "staff")


def _frame(rows):
    return pd.DataFrame(rows, columns=["entry_id", "examiner_id", "criterion", "score", "stage"])


def _anchored():
    """Teams of three; the consensus always lands on BOSS's score."""
    rng = np.random.default_rng(4)
    rows = []
    for e in range(12):
        team = ["BOSS"] + list(rng.choice(["A", "B", "C", "D"], 2, replace=False))
        for c in CRIT:
            given = {x: float(rng.choice([30, 40, 50, 60, 70])) for x in team}
            rows += [(f"X{e}", x, c, s, "individual") for x, s in given.items()]
            rows.append((f"X{e}", "TEAM", c, given["BOSS"], "consensus"))
    return _frame(rows)


def test_dominance_finds_the_examiner_the_consensus_lands_on():
    data = _anchored()
    d = consensus.dominance(data).set_index("examiner_id")
    assert d.index[0] == "BOSS"
    boss = d.loc["BOSS"]
    assert boss["decisions"] == 36 and boss["movement"] == 0 and boss["abs_movement"] == 0
    assert boss["expected_share"] == pytest.approx(1 / 3)
    # ties with a co-examiner who gave the same score share the credit
    ind = data[data["stage"] == "individual"]
    boss_score = ind[ind["examiner_id"] == "BOSS"].set_index(["entry_id", "criterion"])["score"]
    same = ind.join(boss_score.rename("boss"), on=["entry_id", "criterion"]).query("score == boss")
    assert boss["nearest_share"] == pytest.approx(np.mean(1 / same.groupby(["entry_id", "criterion"]).size()))
    # consensus - mean = (2/3) BOSS - (1/3)(others): weights 1 for BOSS and 0 for the rest, centred
    w = d["dominance"]
    assert w["BOSS"] - w.drop("BOSS").max() == pytest.approx(1.0, abs=1e-6)
    assert w.sum() == pytest.approx(0.0, abs=1e-9)
    assert (d.drop("BOSS")["abs_movement"] > 0).all()


def test_dominance_counts_by_hand():
    rows = [
        ("A", "E1", "staff", 60, "individual"), ("A", "E2", "staff", 80, "individual"),
        ("A", "E3", "staff", 40, "individual"), ("A", "TEAM", "staff", 70, "consensus"),
        ("A", "E1", "results", 50, "individual"), ("A", "E2", "results", 70, "individual"),
        ("A", "E3", "results", 60, "individual"), ("A", "TEAM", "results", 60, "consensus"),
    ]  # fmt: skip
    d = consensus.dominance(_frame(rows)).set_index("examiner_id")
    # staff: E1 and E2 tie (distance 10) -> 1/2 each; results: E3 exact -> 1
    assert d.loc["E1", "nearest"] == 0.5 and d.loc["E2", "nearest"] == 0.5 and d.loc["E3", "nearest"] == 1.0
    assert d.loc["E3", "movement"] == pytest.approx((30 + 0) / 2)
    assert d.loc["E2", "abs_movement"] == pytest.approx((10 + 10) / 2)
    assert (d["decisions"] == 2).all()


def test_dominance_on_the_demo_data():
    """The generator pulls consensus towards the team's most dominant member; the estimate
    correlates with the true `dominance` at least 0.4 in every year (0.48-0.61 observed)."""
    truth = pd.read_csv(DATA_DIR / "demo_truth" / "examiners.csv", dtype={"examiner_id": str})
    for year in range(2019, 2025):
        d = consensus.dominance(load_year(year).scores).set_index("examiner_id")
        t = truth[truth["year"] == year].set_index("examiner_id")["dominance"]
        j = d.join(t.rename("true"), how="inner")
        assert len(j) >= 30
        assert j["dominance"].corr(j["true"]) >= 0.4, year


def test_closeness_is_dominance_without_its_weights():
    """consensus.closeness (what an examiner's page reads) is dominance's table, row for row, without
    the least-squares column, also where the stages are counted together (closeness_by_stage); both are
    empty alike for a stage without decisions."""
    scores = load_year(2023).scores
    together = consensus.closeness_by_stage(scores, ("consensus", "site_visit"))
    for stage in ("consensus", "site_visit"):
        d = consensus.dominance(scores, stage).drop(columns="dominance").set_index("examiner_id").sort_index()
        c = consensus.closeness(scores, stage)
        pd.testing.assert_frame_equal(together[stage], c)
        assert list(c["examiner_id"]) == sorted(c["examiner_id"]) and len(c) >= 20
        pd.testing.assert_frame_equal(c.set_index("examiner_id"), d)
    none = scores[scores["stage"] == "individual"]
    assert consensus.closeness(none).empty and list(consensus.closeness(none).columns) == list(
        consensus.dominance(none).columns.drop("dominance"))


def test_the_decisions_are_the_individual_scores_beside_the_consensus_shift():
    """The rows dominance and closeness count (``decisions``, grouped by one integer per pair) are the
    individual scores merged with :func:`consensus_shift`'s means, in their order, also where a pair
    has two consensus rows (their mean is the decision)."""
    scores = load_year(2023).scores
    again = scores[scores["stage"] == "consensus"].iloc[[0, 5]].assign(score=lambda d: d["score"] - 20)
    scores = pd.concat([scores, again], ignore_index=True)
    key = ["entry_id", "criterion"]
    pairs = consensus._individual_pairs(scores)  # found once for both stages, as closeness_by_stage does
    for stage in ("consensus", "site_visit"):
        shift = consensus.consensus_shift(scores, stage)
        ind = scores[scores["stage"] == "individual"][[*key, "examiner_id", "score"]]
        expected = ind.merge(shift[[*key, "individual_mean", "consensus"]], on=key)
        got = consensus.decisions(scores, stage, pairs)
        pd.testing.assert_frame_equal(got[expected.columns], expected, check_exact=True)
        assert (got["team"] == expected.groupby(key)["score"].transform("size")).all()
    assert consensus.decisions(scores[scores["stage"] == "individual"], "consensus") is None


def test_entry_shift_for_consensus_and_site_visit():
    rows = [
        ("A", "E1", "target_group", 60, "individual"), ("A", "E2", "target_group", 80, "individual"),
        ("A", "E1", "leadership", 50, "individual"), ("A", "E2", "leadership", 50, "individual"),
        ("A", "TEAM", "target_group", 80, "consensus"), ("A", "TEAM", "leadership", 40, "consensus"),
        ("A", "TEAM", "target_group", 90, "site_visit"),
        ("B", "E1", "target_group", 30, "individual"), ("B", "TEAM", "target_group", 30, "consensus"),
    ]  # fmt: skip
    s = consensus.entry_shift(_frame(rows)).set_index("entry_id")
    assert s.loc["A", "criteria"] == 2
    assert s.loc["A", "individual_mean"] == pytest.approx((70 + 50) / 2)
    assert s.loc["A", "consensus_shift"] == pytest.approx((10 - 10) / 2)
    assert s.loc["A", "consensus_abs_shift"] == pytest.approx(10)
    assert s.loc["A", "site_visit_shift"] == pytest.approx(20)  # only target_group visited: 90 - 70
    assert np.isnan(s.loc["B", "site_visit"]) and s.loc["B", "consensus_shift"] == 0
    # rubric weights (equal in the demo rubric) give the same means
    w = consensus.entry_shift(_frame(rows), load_rubric()).set_index("entry_id")
    assert np.allclose(w["consensus_shift"], s["consensus_shift"])


def test_the_joined_texts_are_one_join_per_pair():
    """individual_spread's ``scores`` and consensus_shift's ``closest_examiner`` are built in one pass over
    the sorted rows (36,000 pairs in a national year): the same texts as a join per pair, worked out
    here row by row, on shuffled rows with ties and on every demo year."""
    rows = [("B", "E2", "staff", 60, "individual"), ("A", "E3", "staff", 40, "individual"),
            ("A", "E1", "staff", 60, "individual"), ("A", "E2", "staff", 80, "individual"),
            ("B", "E1", "staff", 60, "individual"), ("A", "TEAM", "staff", 70, "consensus"),
            ("B", "TEAM", "staff", 60, "consensus"), ("B", "E9", "results", 55, "individual"),
            ("B", "TEAM", "results", 50, "consensus")]  # fmt: skip
    frames = [_frame(rows)] + [load_year(y).scores for y in (2019, 2024)]
    for data in frames:
        ind = data[data["stage"] == "individual"]
        spread = consensus.individual_spread(data)
        for r in spread.itertuples():
            g = ind[(ind["entry_id"] == r.entry_id) & (ind["criterion"] == r.criterion)].sort_values("examiner_id")
            assert r.scores == ", ".join(f"{e} {s:g}" for e, s in zip(g["examiner_id"], g["score"], strict=True))
        shift = consensus.consensus_shift(data)
        team = data[data["stage"] == "consensus"].set_index(["entry_id", "criterion"])["score"]
        for r in shift.itertuples():
            g = ind[(ind["entry_id"] == r.entry_id) & (ind["criterion"] == r.criterion)]
            dist = (g["score"] - team[r.entry_id, r.criterion]).abs()
            assert r.closest_examiner == ", ".join(sorted(g.loc[dist == dist.min(), "examiner_id"]))
    shift = consensus.consensus_shift(frames[0]).set_index(["entry_id", "criterion"])["closest_examiner"]
    assert shift["A", "staff"] == "E1, E2" and shift["B", "staff"] == "E1, E2" and shift["B", "results"] == "E9"


def test_the_weights_are_the_least_squares_solution_of_least_norm():
    """The dominance weights against a dense solve written out: one row per entry x criterion decided by
    two or more, (consensus - team mean) = sum_k w_k (score_k - team mean); numpy's lstsq gives the
    solution of least norm, centred as dominance centres it (demo year 2023)."""
    scores = load_year(2023, DATA_DIR).scores
    ind = scores[scores["stage"] == "individual"]
    team = scores[scores["stage"] == "consensus"].set_index(["entry_id", "criterion"])["score"]
    examiners = sorted(set(ind["examiner_id"]))
    rows, target = [], []
    for (entry, criterion), group in ind.groupby(["entry_id", "criterion"]):
        if len(group) < 2 or (entry, criterion) not in team.index:
            continue
        mean = group["score"].mean()
        row = np.zeros(len(examiners))
        for code, score in zip(group["examiner_id"], group["score"], strict=True):
            row[examiners.index(code)] = score - mean
        rows.append(row)
        target.append(team[(entry, criterion)] - mean)
    w = np.linalg.lstsq(np.array(rows), np.array(target), rcond=None)[0]
    used = np.abs(np.array(rows)).sum(axis=0) > 0  # an examiner in no such row has no weight
    expected = pd.Series(w[used] - w[used].mean(), index=np.array(examiners)[used])
    got = consensus.dominance(scores).set_index("examiner_id")["dominance"]
    pd.testing.assert_series_equal(got.reindex(expected.index), expected, check_names=False, atol=1e-6)
