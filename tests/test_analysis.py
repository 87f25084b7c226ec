"""Overview, consensus and examiner calibration on a small data set worked out by hand."""

import numpy as np
import pandas as pd
import pytest

from scoring import calibration, consensus, overview
from scoring.rubric import load_rubric

RUBRIC = load_rubric()

# entry A: E1, E2, E3; entry B: E1, E2 (E2 left leadership unscored)
ROWS = [
    ("A", "E1", "target_group", 60, "individual"),
    ("A", "E2", "target_group", 80, "individual"),
    ("A", "E3", "target_group", 40, "individual"),
    ("A", "E1", "leadership", 50, "individual"),
    ("A", "E2", "leadership", 50, "individual"),
    ("A", "E3", "leadership", 50, "individual"),
    ("B", "E1", "target_group", 70, "individual"),
    ("B", "E2", "target_group", 30, "individual"),
    ("B", "E1", "leadership", 60, "individual"),
    ("A", "TEAM", "target_group", 70, "consensus"),
    ("A", "TEAM", "leadership", 50, "consensus"),
    ("B", "E1", "target_group", 50, "consensus"),
    ("B", "TEAM", "target_group", 60, "site_visit"),
]


@pytest.fixture
def scores():
    return pd.DataFrame(ROWS, columns=["entry_id", "examiner_id", "criterion", "score", "stage"]).assign(
        score=lambda d: d["score"].astype(float)
    )


@pytest.fixture
def entries():
    return pd.DataFrame({"entry_id": ["A", "B"], "name": ["Alfa", "Beta"], "class": ["forskola", "skola"]})


def test_classes_overview(scores, entries):
    c = overview.classes_overview(scores, entries, RUBRIC).set_index("class")
    assert list(c.index) == RUBRIC.class_ids + ["total"]
    assert c.loc["forskola", ["entries", "examiners", "team_min", "team_max"]].tolist() == [1, 3, 3, 3]
    assert c.loc["skola", ["entries", "examiners", "team_min", "site_visits"]].tolist() == [1, 2, 2, 1]
    assert c.loc["andra", "entries"] == 0
    assert c.loc["total", ["entries", "examiners", "team_min", "team_median", "team_max"]].tolist() == [
        2, 3, 2, 2.5, 3
    ]


def test_scorebook_completeness(scores):
    c = overview.scorebook_completeness(scores, RUBRIC).set_index("examiner_id")
    assert c.loc["E1", ["entries", "expected", "scored"]].tolist() == [2, 12, 4]
    assert c.loc["E2", "scored"] == 3
    assert c.loc["E3", "complete_share"] == pytest.approx(2 / 6)
    assert "B: Chef- och ledarskap" in c.loc["E2", "missing"]
    assert "B: Chef- och ledarskap" not in c.loc["E1", "missing"]


def test_consensus_agenda_largest_spread_first(scores, entries):
    agenda = consensus.consensus_agenda(scores, RUBRIC, entries=entries)
    assert agenda[["entry_id", "criterion", "spread"]].values.tolist() == [
        ["A", "target_group", 40.0],
        ["B", "target_group", 40.0],
    ]
    assert agenda.loc[0, "scores"] == "E1 60, E2 80, E3 40"
    assert agenda.loc[0, "name"] == "Alfa"
    # the threshold is strict and configurable
    assert consensus.consensus_agenda(scores, RUBRIC, threshold=40).empty
    assert len(consensus.consensus_agenda(scores, RUBRIC, threshold=0)) == 2


def test_consensus_shift_and_closest_examiner(scores):
    s = consensus.consensus_shift(scores).set_index(["entry_id", "criterion"])
    assert s.loc[("A", "target_group"), "shift"] == 10
    assert s.loc[("A", "target_group"), "closest_examiner"] == "E1, E2"
    assert s.loc[("B", "target_group"), "shift"] == 0
    assert ("B", "leadership") not in s.index
    site = consensus.consensus_shift(scores, stage="site_visit").set_index(["entry_id", "criterion"])
    assert site.loc[("B", "target_group"), "shift"] == 10
    by = consensus.shift_by_criterion(s.reset_index()).set_index("criterion")
    assert by.loc["target_group", "mean_abs_shift"] == 5
    c = consensus.closest_to_consensus(scores).set_index("examiner_id")
    # E1 nearest in all 3 pairs, E2 in 3 of 3, E3 in 1 (A leadership) of 2
    assert c.loc["E1", ["pairs", "nearest"]].tolist() == [3, 3]
    assert c.loc["E3", "share"] == 0.5


def test_examiner_effects_on_the_hand_case(scores):
    """The model on the tiny case: every examiner reported, sums to 0 in the group; E3 (2 scores)
    is below min_scores and not adjusted. Values are checked against lme4 in test_model.py."""
    e = calibration.examiner_effects(scores).set_index("examiner_id")
    assert sorted(e.index) == ["E1", "E2", "E3"]
    assert e.loc["E1", ["n_entries", "n_scores"]].tolist() == [2, 4]
    assert not e["adjusted"].any()  # fewer than 12 scores each
    assert e["bias"].sum() == pytest.approx(0.0, abs=1e-9)
    assert (e["group"] == 1).all()


@pytest.mark.parametrize("year", range(2019, 2025))
def test_examiner_effects_recover_the_demo_generators_true_leniency(year):
    """The demo data's true leniency (data/demo_truth) is recovered: r > 0.6 in every year."""
    from scoring.data import load_year
    from scoring.paths import DATA_DIR

    truth = pd.read_csv(DATA_DIR / "demo_truth" / "examiners.csv", dtype={"examiner_id": str})
    truth = truth[truth["year"] == year].set_index("examiner_id")["leniency"]
    e = calibration.examiner_effects(load_year(year).scores).set_index("examiner_id")
    both = e.join(truth, how="inner")
    assert len(both) >= 30
    assert np.corrcoef(both["bias"], both["leniency"])[0, 1] > 0.6
    # most true values lie inside the 95 % intervals
    inside = (both["ci_low"] <= both["leniency"]) & (both["leniency"] <= both["ci_high"])
    assert inside.mean() > 0.75
