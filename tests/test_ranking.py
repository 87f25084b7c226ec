"""Aggregation and ranking: every method on hand-computed cases, ties, eligibility, the
resampling against an exact enumeration, the command line, and coverage in simulation."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scoring.cli import main
from scoring.data import load_year
from scoring.notes import Note
from scoring.paths import DATA_DIR
from scoring.presentation.labels import note_text
from scoring.ranking import (
    METHODS,
    PLACE_COLUMNS,
    RANK_COLUMNS,
    RANK_INTERVAL_COVERAGE,
    method_places,
    method_sensitivity,
    rank_entries,
)
from scoring.rubric import CompetitionClass, Criterion, Rubric, Scale
from scoring.simulate import Settings, simulate_year

# three criteria with unequal weights on a 0-10 scale, two classes
RUBRIC = Rubric(
    criteria=(
        Criterion("a", "Alfa", "Alpha", 0.5, ()),
        Criterion("b", "Beta", "Beta", 0.3, ()),
        Criterion("c", "Gamma", "Gamma", 0.2, ()),
    ),
    scale=Scale(0.0, 10.0, 1.0),
    classes=(CompetitionClass("x", "Klass X"), CompetitionClass("y", "Klass Y")),
    spread_threshold=3.0,
)
ONE = Rubric(  # one criterion of weight 1: the total is the cell value
    criteria=(Criterion("a", "Alfa", "Alpha", 1.0, ()),),
    scale=Scale(0.0, 10.0, 1.0),
    classes=(CompetitionClass("x", "Klass X"),),
    spread_threshold=3.0,
)
NON_MODEL = [m for m in METHODS if m != "adjusted"]


def long(table: dict, stage: str = "individual") -> pd.DataFrame:
    """{(entry, examiner): [score per criterion of RUBRIC]} -> long scores."""
    rows = [
        {"entry_id": e, "examiner_id": k, "criterion": c, "score": float(s), "stage": stage}
        for (e, k), values in table.items()
        for c, s in zip("abc", values, strict=False)
        if s is not None
    ]
    return pd.DataFrame(rows)


def entries_of(classes: dict, budget: dict | None = None) -> pd.DataFrame:
    e = pd.DataFrame({"entry_id": list(classes), "name": [f"Enhet {x}" for x in classes],
                      "class": list(classes.values())})
    if budget is not None:
        e["budget_in_balance"] = [budget.get(x, "ja") for x in classes]
    return e


def by_entry(table: pd.DataFrame, rubric: Rubric | None = None) -> pd.DataFrame:
    """By entry id, with each entry's notes as the reports write them (Swedish, "; " between)."""
    rubric = rubric or RUBRIC
    return table.set_index("entry_id").assign(note=lambda t: [note_text(n, rubric) for n in t["note"]])


# --------------------------------------------------------------------------- methods by hand

SMALL = long({
    ("A", "E1"): [8, 6, 4], ("A", "E2"): [6, 6, 2], ("A", "E3"): [7, 3, 9], ("A", "E4"): [9, 5, 5],
    ("B", "E1"): [5, 5, 5], ("B", "E2"): [7, 4, 6], ("B", "E5"): [6, 9, 1],
})
SMALL_ENTRIES = entries_of({"A": "x", "B": "x"})


def test_mean_is_the_weighted_total_of_cell_means():
    # by hand: A cells (8+6+7+9)/4 = 7.5, (6+6+3+5)/4 = 5, (4+2+9+5)/4 = 5 -> .5*7.5 + .3*5 + .2*5 = 6.25
    #          B cells 6, 6, 4 -> .5*6 + .3*6 + .2*4 = 5.6
    r = by_entry(rank_entries(SMALL, "mean", SMALL_ENTRIES, rubric=RUBRIC, n_draws=50))
    assert r.loc["A", "score"] == pytest.approx(6.25)
    assert r.loc["B", "score"] == pytest.approx(5.6)
    assert list(r["rank"]) == [1, 2]
    assert list(r["n_examiners"]) == [4, 3]
    assert r.loc["A", "name"] == "Enhet A" and (r["method"] == "mean").all()


def test_median_by_hand():
    # A: median(6,7,8,9) = 7.5, median(3,5,6,6) = 5.5, median(2,4,5,9) = 4.5 -> 3.75 + 1.65 + 0.9 = 6.3
    # B: 6, 5, 5 -> 3 + 1.5 + 1 = 5.5
    r = by_entry(rank_entries(SMALL, "median", SMALL_ENTRIES, rubric=RUBRIC, n_draws=50))
    assert r.loc["A", "score"] == pytest.approx(6.3)
    assert r.loc["B", "score"] == pytest.approx(5.5)


def test_trimmed_drops_highest_and_lowest_from_five_examiners_only():
    five = long({("F", f"E{i}"): [v, v, v] for i, v in enumerate([1, 5, 6, 7, 10])})
    four = long({("G", f"E{i}"): [v, v, v] for i, v in enumerate([1, 5, 6, 10])})
    r = by_entry(rank_entries(pd.concat([five, four]), "trimmed", entries_of({"F": "x", "G": "x"}),
                              rubric=RUBRIC, n_draws=50))
    # independent: scipy's trimmed mean cutting one score at each end of five
    assert r.loc["F", "score"] == pytest.approx(stats.trim_mean([1, 5, 6, 7, 10], 0.2)) == 6.0
    assert r.loc["G", "score"] == pytest.approx(np.mean([1, 5, 6, 10]))  # 5.5, not trimmed
    assert "färre än 5 examinatorer: medelvärde i stället för trimmat medelvärde" in r.loc["G", "note"]
    assert r.loc["F", "note"] == ""


def test_zscore_against_an_independent_computation():
    s = SMALL
    z = s.groupby("examiner_id")["score"].transform(lambda v: stats.zscore(v, ddof=1))
    mapped = s["score"].mean() + s["score"].std(ddof=1) * z
    cells = s.assign(v=mapped).groupby(["entry_id", "criterion"])["v"].mean().unstack()
    expected = cells[["a", "b", "c"]] @ np.array([0.5, 0.3, 0.2])
    r = by_entry(rank_entries(s, "zscore", SMALL_ENTRIES, rubric=RUBRIC, n_draws=50))
    assert r.loc["A", "score"] == pytest.approx(expected["A"])
    assert r.loc["B", "score"] == pytest.approx(expected["B"])


def test_zscore_trap_an_examiner_who_drew_strong_entries_is_taken_for_a_lenient_one():
    # No examiner is biased: every score is the entry's true level (S* 8, W* 3, A 7, B 6).
    # E1 and E2 scored A and the strong S1, S2; E3 and E4 scored B and the weak W1, W2.
    t = {}
    for k in ("E1", "E2"):
        t |= {("A", k): [7, 7, 8], ("S1", k): [8, 9, 8], ("S2", k): [9, 8, 8]}
    for k in ("E3", "E4"):
        t |= {("B", k): [6, 6, 5], ("W1", k): [3, 2, 3], ("W2", k): [2, 3, 3]}
    ent = entries_of({"A": "x", "B": "x", "S1": "y", "S2": "y", "W1": "y", "W2": "y"})
    mean = by_entry(rank_entries(long(t), "mean", ent, rubric=RUBRIC, n_draws=20))
    z = by_entry(rank_entries(long(t), "zscore", ent, rubric=RUBRIC, n_draws=20))
    assert mean.loc["A", "rank"] == 1 and mean.loc["B", "rank"] == 2
    assert z.loc["B", "rank"] == 1 and z.loc["A", "rank"] == 2  # the better entry loses


def test_consensus_takes_the_site_visit_score_over_the_consensus_score():
    ind = long({("A", "E1"): [5, 5, 5], ("A", "E2"): [7, 7, 7], ("B", "E3"): [6, 6, 6]})
    cons = long({("A", "TEAM"): [6, 6, 6], ("B", "TEAM"): [6, 6, 6]}, stage="consensus")
    visit = long({("A", "TEAM"): [9, None, None]}, stage="site_visit")
    r = by_entry(rank_entries(pd.concat([ind, cons, visit]), "consensus", SMALL_ENTRIES, rubric=RUBRIC,
                              n_draws=200))
    assert r.loc["A", "score"] == pytest.approx(0.5 * 9 + 0.3 * 6 + 0.2 * 6)  # 7.5
    assert r.loc["B", "score"] == pytest.approx(6.0)
    assert "platsbesökspoäng för 1 av 3 kriterier" in r.loc["A", "note"]
    assert "en examinator: osäkerheten kan inte skattas" in r.loc["B", "note"]


def test_consensus_uncertainty_is_the_teams_sampling_error():
    # A's team mean is 6 (E1 5, E2 7); its bootstrap totals are 5, 6 or 7, widened by sqrt(2):
    # consensus 6.5 moves by -1.41, 0 or +1.41; B (one examiner, 6.0) does not move.
    ind = long({("A", "E1"): [5, 5, 5], ("A", "E2"): [7, 7, 7], ("B", "E3"): [6, 6, 6]})
    cons = long({("A", "TEAM"): [6.5, 6.5, 6.5], ("B", "TEAM"): [6, 6, 6]}, stage="consensus")
    r = by_entry(rank_entries(pd.concat([ind, cons]), "consensus", SMALL_ENTRIES, rubric=RUBRIC, n_draws=4000))
    # A is first unless its replicate total is 6.5 - 1.41 < 6 (both resampled examiners E1: 1/4)
    assert r.loc["A", "p_first"] == pytest.approx(0.75, abs=0.03)
    assert (r.loc["A", "rank_low"], r.loc["A", "rank_high"]) == (1, 2)
    # replicate totals 6.5 - sqrt(2), 6.5, 6.5 + sqrt(2) with probabilities 1/4, 1/2, 1/4
    assert (r.loc["A", "score_low"], r.loc["A", "score_high"]) == pytest.approx((6.5 - np.sqrt(2), 6.5 + np.sqrt(2)))
    assert r.loc["B", "score_low"] == r.loc["B", "score_high"] == 6.0


def test_missing_criteria_renormalise_the_weights_with_a_note():
    s = long({("A", "E1"): [8, None, 4], ("A", "E2"): [6, None, 2], ("B", "E3"): [5, 5, 5]})
    r = by_entry(rank_entries(s, "mean", SMALL_ENTRIES, rubric=RUBRIC, n_draws=50))
    assert r.loc["A", "score"] == pytest.approx((0.5 * 7 + 0.2 * 3) / 0.7)
    assert r.loc["A", "n_criteria"] == 2 and r.loc["B", "n_criteria"] == 3
    assert "saknar poäng för Beta: vikterna omräknade över övriga kriterier" in r.loc["A", "note"]


def test_entries_without_scores_are_listed_not_dropped():
    ent = entries_of({"A": "x", "B": "x", "C": "x"})
    r = by_entry(rank_entries(SMALL, "mean", ent, rubric=RUBRIC, n_draws=50))
    assert len(r) == 3 and np.isnan(r.loc["C", "score"]) and pd.isna(r.loc["C", "rank"])
    assert np.isnan(r.loc["C", "p_first"]) and "rangordnas inte" in r.loc["C", "note"]
    assert r["p_first"].sum() == pytest.approx(1.0)
    # the consensus method has nothing for any of them here
    c = rank_entries(SMALL, "consensus", ent, rubric=RUBRIC, n_draws=50)
    assert c["score"].isna().all() and c["rank"].isna().all() and not c["leader"].any()


def test_question_scores_roll_up_and_swedish_labels_are_accepted():
    s = SMALL.assign(criterion=SMALL["criterion"].map({"a": "Alfa", "b": "beta", "c": "c"}))
    r = rank_entries(s, "mean", SMALL_ENTRIES, rubric=RUBRIC, n_draws=50)
    assert by_entry(r).loc["A", "score"] == pytest.approx(6.25)


# --------------------------------------------------------------------------- ties, eligibility, P(first)


def test_ties_are_reported_as_ties():
    s = long({("A", "E1"): [6, 6, 6], ("B", "E2"): [6, 6, 6], ("C", "E3"): [4, 4, 4]})
    r = by_entry(rank_entries(s, "mean", entries_of({"A": "x", "B": "x", "C": "x"}), rubric=RUBRIC,
                              n_draws=100))
    # one examiner each: no spread, so every replicate ties A and B and shares first place
    assert list(r.loc[["A", "B", "C"], "rank"]) == [1, 1, 3]
    assert list(r.loc[["A", "B"], "rank_low"]) == [1, 1] and list(r.loc[["A", "B"], "rank_high"]) == [2, 2]
    assert list(r.loc[["A", "B", "C"], "p_first"]) == [0.5, 0.5, 0.0]
    assert list(r.loc[["A", "B", "C"], "leader"]) == [True, True, False]
    lead = method_sensitivity(s, entries_of({"A": "x", "B": "x", "C": "x"}), chosen="mean",
                              methods=["median"], rubric=RUBRIC)
    assert list(lead["leader"]) == ["A, B", "A, B"]


def test_an_entry_with_budget_not_in_balance_is_ranked_but_cannot_lead():
    ent = entries_of({"A": "x", "B": "x"}, budget={"A": "nej"})
    r = by_entry(rank_entries(SMALL, "mean", ent, rubric=RUBRIC, n_draws=200))
    # A has the higher score (6.25 against 5.6) but cannot win: B is first among the eligible,
    # A first among those that cannot win, and would have been first had it been eligible
    assert r.loc["B", "rank"] == 1 and (r.loc["B", "rank_low"], r.loc["B", "rank_high"]) == (1, 1)
    assert r.loc["A", "rank"] == 1 and not r.loc["A", "eligible"] and r.loc["A", "would_rank"] == 1
    assert r.loc["B", "would_rank"] == 1
    assert r.loc["A", "p_first"] == 0 and not r.loc["A", "leader"]
    assert r.loc["B", "p_first"] == 1 and r.loc["B", "leader"]
    assert r.loc["A", "note"].startswith("budget inte i balans")


# one examiner per entry: no resampling spread, so every interval is the point's place
GATED = long({("A", "E1"): [9, 9, 9], ("B", "E2"): [8, 8, 8], ("C", "E3"): [7, 7, 7], ("D", "E4"): [6, 6, 6],
              ("F", "E5"): [5, 5, 5], ("G", "E6"): [8, 8, 8]})
GATED_ENTRIES = entries_of({"A": "x", "B": "x", "C": "x", "D": "x", "F": "x", "G": "y"},
                           budget={"A": "nej", "D": "nej"})


def test_places_count_only_the_eligible_entries_and_those_that_cannot_win_have_their_own():
    # class x by score: A 9 (cannot win), B 8, C 7, D 6 (cannot win), F 5; class y: G alone.
    # Among the eligible B, C, F are 1, 2, 3 (A's higher score moves none of them); among those
    # that cannot win A, D are 1, 2; had they been eligible A would be 1st and D 3rd (after B, C).
    t = rank_entries(GATED, "mean", GATED_ENTRIES, rubric=RUBRIC, n_draws=100)
    assert list(t.columns) == list(RANK_COLUMNS)
    assert list(t["entry_id"]) == ["B", "C", "F", "A", "D", "G"]  # eligible by place, then the others
    r = by_entry(t)
    assert list(r.loc[["B", "C", "F", "A", "D", "G"], "rank"]) == [1, 2, 3, 1, 2, 1]
    assert list(r.loc[["B", "C", "F", "A", "D", "G"], "rank_low"]) == [1, 2, 3, 1, 2, 1]
    assert list(r.loc[["B", "C", "F", "A", "D", "G"], "rank_high"]) == [1, 2, 3, 1, 2, 1]
    assert list(r.loc[["B", "C", "F", "A", "D", "G"], "would_rank"]) == [1, 2, 3, 1, 3, 1]
    assert list(r.loc[["B", "C", "F", "A", "D", "G"], "p_first"]) == [1, 0, 0, 0, 0, 1]
    assert list(r.loc[["B", "G"], "leader"]) == [True, True] and r["leader"].sum() == 2


def test_a_tie_with_an_entry_that_cannot_win_shares_the_place_it_would_have_had():
    s = long({("A", "E1"): [8, 8, 8], ("B", "E2"): [8, 8, 8], ("C", "E3"): [9, 9, 9]})
    r = by_entry(rank_entries(s, "mean", entries_of({"A": "x", "B": "x", "C": "x"}, budget={"A": "nej"}),
                              rubric=RUBRIC, n_draws=50))
    assert (r.loc["C", "rank"], r.loc["B", "rank"], r.loc["A", "rank"]) == (1, 2, 1)
    assert r.loc["A", "would_rank"] == 2  # tied with B: the best place of the tie


def test_method_places_are_rank_entries_places_for_every_method():
    yd = load_year(2023)
    places = method_places(yd.scores, yd.entries, methods=NON_MODEL, rubric=yd.rubric)
    assert list(places.columns) == list(PLACE_COLUMNS) and list(dict.fromkeys(places["method"])) == NON_MODEL
    assert (~places["eligible"]).any()  # the demo year has entries that cannot win
    for m in NON_MODEL:
        want = rank_entries(yd.scores, m, yd.entries, rubric=yd.rubric, n_draws=1).set_index("entry_id")
        got = places[places["method"] == m].set_index("entry_id").reindex(want.index)
        for c in ("rank", "would_rank"):
            assert got[c].equals(want[c]), (m, c)
        np.testing.assert_allclose(got["score"], want["score"])
    with pytest.raises(ValueError, match="unknown method 'best'"):
        method_places(SMALL, SMALL_ENTRIES, methods=["best"], rubric=RUBRIC)


@pytest.mark.parametrize("method", NON_MODEL)
def test_p_first_of_eligible_entries_sums_to_one_per_class_on_a_demo_year(method):
    yd = load_year(2023)
    r = rank_entries(yd.scores, method, yd.entries, rubric=yd.rubric, n_draws=300)
    assert len(r) == len(yd.entries)
    assert (~r["eligible"]).sum() == (yd.entries["budget_in_balance"] == False).sum()  # noqa: E712
    assert (r.loc[~r["eligible"], "p_first"] == 0).all()
    sums = r[r["eligible"]].groupby("class")["p_first"].sum()
    assert np.allclose(sums, 1.0) and len(sums) == r["class"].nunique()
    assert (r.groupby("class")["leader"].sum() >= 1).all()
    assert ((r["rank_low"] <= r["rank"]) & (r["rank"] <= r["rank_high"])).all()
    eligible = r[r["eligible"]]
    assert eligible.groupby("class")["rank"].min().eq(1).all()
    assert (eligible.loc[eligible["leader"], "rank"] == 1).all()  # the leader is first, whatever cannot win
    assert (eligible["would_rank"] == eligible["rank"]).all()
    assert eligible["rank_high"].le(eligible.groupby("class")["entry_id"].transform("size")).all()


@pytest.mark.parametrize(
    "correction, f",
    [
        ("none", 1.0),
        ("variance", np.sqrt(3 / 2)),
        # Student t table, 2 degrees of freedom, one-sided 0.05: 2.920; normal 0.95 quantile 1.6449
        ("t", np.sqrt(3 / 2) * 2.919986 / 1.644854),
    ],
)
def test_p_first_matches_an_exact_enumeration_of_the_bootstrap(correction, f):
    # Two entries of three examiners, one criterion: enumerate all 27 x 27 resamples, widen each
    # entry's deviation from its mean by the correction's factor and count who is first (a tie shares).
    a, b = [4.0, 6.0, 8.0], [5.0, 6.0, 6.0]
    s = pd.DataFrame(
        [{"entry_id": "A", "examiner_id": f"E{i}", "criterion": "a", "score": v} for i, v in enumerate(a)]
        + [{"entry_id": "B", "examiner_id": f"F{i}", "criterion": "a", "score": v} for i, v in enumerate(b)]
    )
    ta = [np.mean(a) + f * (np.mean(p) - np.mean(a)) for p in itertools.product(a, repeat=3)]
    tb = [np.mean(b) + f * (np.mean(p) - np.mean(b)) for p in itertools.product(b, repeat=3)]
    ta, tb = np.round(ta, 9)[:, None], np.round(tb, 9)[None, :]
    exact = ((ta > tb) + 0.5 * (ta == tb)).mean()
    r = by_entry(rank_entries(s, "mean", entries_of({"A": "x", "B": "x"}), rubric=ONE, n_draws=20000, seed=3,
                              correction=correction))
    assert r.loc["A", "p_first"] == pytest.approx(exact, abs=0.01)
    assert r.loc["A", "p_first"] + r.loc["B", "p_first"] == pytest.approx(1.0)


def test_same_seed_same_table_other_seed_other_draws():
    yd = load_year(2022)
    one = rank_entries(yd.scores, "trimmed", yd.entries, rubric=yd.rubric, n_draws=200, seed=5)
    two = rank_entries(yd.scores, "trimmed", yd.entries, rubric=yd.rubric, n_draws=200, seed=5)
    other = rank_entries(yd.scores, "trimmed", yd.entries, rubric=yd.rubric, n_draws=200, seed=6)
    pd.testing.assert_frame_equal(one, two)
    assert one["score"].equals(other["score"]) and not one["p_first"].equals(other["p_first"])


def test_class_from_a_class_column_without_entries():
    s = SMALL.assign(**{"class": SMALL["entry_id"].map({"A": "x", "B": "y"})})
    r = by_entry(rank_entries(s, "mean", rubric=RUBRIC, n_draws=50))
    assert list(r.loc[["A", "B"], "class"]) == ["x", "y"] and list(r.loc[["A", "B"], "rank"]) == [1, 1]
    assert (r["p_first"] == 1).all() and (r["note"] == "").all()


def test_clear_errors():
    with pytest.raises(ValueError, match="unknown method 'best'"):
        rank_entries(SMALL, "best", SMALL_ENTRIES, rubric=RUBRIC)
    with pytest.raises(ValueError, match="not in the entries table: B"):
        rank_entries(SMALL, "mean", entries_of({"A": "x"}), rubric=RUBRIC)
    with pytest.raises(ValueError, match="no class"):
        rank_entries(SMALL, "mean", rubric=RUBRIC)
    with pytest.raises(ValueError, match="'d' is not in the rubric"):
        rank_entries(SMALL.replace({"criterion": {"c": "d"}}), "mean", SMALL_ENTRIES, rubric=RUBRIC)


def test_sensitivity_names_the_leader_under_each_method():
    # A leads on the mean (one examiner's 10s), B on the median
    s = long({("A", "E1"): [10, 10, 10], ("A", "E2"): [4, 4, 4], ("A", "E3"): [4, 4, 4],
              ("B", "E4"): [5, 5, 5], ("B", "E5"): [5, 5, 5], ("B", "E6"): [5, 5, 5]})
    t = method_sensitivity(s, SMALL_ENTRIES, chosen="median", methods=["mean", "median", "trimmed"], rubric=RUBRIC)
    t = t.set_index("method")
    assert t.loc["median", "leader"] == "B" and t.loc["median", "chosen"] and not t.loc["median", "differs"]
    assert t.loc["mean", "leader"] == "A" and t.loc["mean", "differs"]
    assert t.loc["mean", "score"] == pytest.approx(6.0)
    assert t.loc["trimmed", "leader"] == "A"  # fewer than 5 examiners: the plain mean


# --------------------------------------------------------------------------- the adjusted method


class KnownModel:
    """A fitted model with known cells and draws, in the interface of fit_examiner_model's result."""

    def __init__(self, cells: pd.DataFrame, sd: float):
        self.cells, self.sd = cells, sd

    def draw_cells(self, n_draws, rng):
        return self.cells["adjusted"].to_numpy() + self.sd * rng.standard_normal((n_draws, len(self.cells)))


def test_adjusted_uses_the_models_cells_and_joint_draws():
    cells = pd.DataFrame({"entry_id": list("AAABBB"), "criterion": list("abcabc"),
                          "adjusted": [7.0, 5.0, 5.0, 6.0, 6.0, 4.0]})
    model = KnownModel(cells, sd=1.0)
    r = by_entry(rank_entries(SMALL, "adjusted", SMALL_ENTRIES, rubric=RUBRIC, model=model, n_draws=500, seed=2))
    assert r.loc["A", "score"] == pytest.approx(0.5 * 7 + 0.3 * 5 + 0.2 * 5)
    assert r.loc["B", "score"] == pytest.approx(0.5 * 6 + 0.3 * 6 + 0.2 * 4)
    d = model.draw_cells(500, np.random.default_rng(2)).reshape(500, 2, 3) @ np.array([0.5, 0.3, 0.2])
    assert r.loc["A", "p_first"] == pytest.approx((d[:, 0] > d[:, 1]).mean())


def test_adjusted_notes_examiners_not_adjusted_for_and_other_connected_groups():
    cells = pd.DataFrame({"entry_id": list("AAABBB"), "criterion": list("abcabc"), "adjusted": [6.0] * 6})
    model = KnownModel(cells, sd=1.0)
    model.effects = pd.DataFrame({"examiner_id": ["E1", "E2", "E3", "E4", "E5"],
                                  "adjusted": [True, False, True, True, True], "group": [1, 1, 1, 1, 2]})
    raw = rank_entries(SMALL, "adjusted", SMALL_ENTRIES, rubric=RUBRIC, model=model, n_draws=20)
    notes = raw.set_index("entry_id")["note"]  # codes and values: the statistic writes no words
    assert notes["A"] == (Note("not_adjusted", {"examiners": ("E2",)}),)
    assert Note("other_group", {"groups": (2,)}) in notes["B"]
    r = by_entry(raw)
    assert r.loc["A", "note"] == "inte justerat för E2 (för få poäng)"
    assert "inte justerat för E2" in r.loc["B", "note"] and "sammanhängande grupp 2" in r.loc["B", "note"]


def _model_totals(model, year_data, n_draws: int, seed: int) -> np.ndarray:
    """Totals (draws, entries of the entries table) of ``model.draw_cells`` as the adjusted method
    took them before its draws came in chunks: every draw of every cell in one array."""
    weights = np.array([year_data.rubric.weights[c] for c in year_data.rubric.criterion_ids])
    ids = list(year_data.entries["entry_id"])
    d = model.draw_cells(n_draws, np.random.default_rng(seed))
    cells = np.full((n_draws, len(ids), len(weights)), np.nan)
    e = pd.Index(ids).get_indexer(model.cells["entry_id"])
    c = pd.Index(year_data.rubric.criterion_ids).get_indexer(model.cells["criterion"])
    cells[:, e, c] = d
    have = ~np.isnan(cells)
    w = np.where(have, weights, 0.0)
    return (np.where(have, cells, 0.0) * w).sum(axis=-1) / w.sum(axis=-1)


@pytest.mark.parametrize("chunk", [1_000_000, 5_000])
def test_adjusted_draws_in_chunks_are_the_models_joint_draws_bit_for_bit(monkeypatch, chunk):
    """The adjusted method draws the model's cells a chunk of entries at a time (issue 22: 2.9 GB
    for a national year at once); the totals are those of ``ExaminerModel.draw_cells``, bit for bit,
    whether the year fits in one chunk (the demo) or in many."""
    import scoring.ranking as ranking
    from scoring.calibration import fit_examiner_model
    from scoring.data.scores import individual

    yd = load_year(2024)
    model = fit_examiner_model(individual(yd.scores), rubric=yd.rubric)
    monkeypatch.setattr(ranking, "_DRAW_CHUNK", chunk)
    year = ranking._Year.build(yd.scores, yd.entries, yd.rubric)
    where = ranking._adjusted_cells(year, 12, model)[2]
    rng = np.random.default_rng(4)
    got = ranking._adjusted_draws(year, model, 300, rng, where)
    want = _model_totals(model, yd, 300, 4)
    assert np.array_equal(got, want, equal_nan=True)
    ahead = np.random.default_rng(4)
    model.draw_cells(300, ahead)
    assert rng.random() == ahead.random()  # the generator moved on exactly as draw_cells moves it
    if chunk == 5_000:
        assert len(list(ranking._cell_draws(model, 300, np.random.default_rng(0)))) > 10
        monkeypatch.setattr(ranking, "_DRAW_CHUNK", 1_000_000)
        one = rank_entries(yd.scores, "adjusted", yd.entries, rubric=yd.rubric, model=model, n_draws=300)
        monkeypatch.setattr(ranking, "_DRAW_CHUNK", chunk)
        pd.testing.assert_frame_equal(
            one, rank_entries(yd.scores, "adjusted", yd.entries, rubric=yd.rubric, model=model, n_draws=300))


def test_the_resampling_holds_no_draws_by_scores_array():
    """Memory does not grow with draws x scores (issue 22: 8.7 GB in one kernel for a national
    year): 2000 draws of a year of 500 entries and 15,000 individual scores stay under 100 MiB
    traced (the resampling works in chunks of a few million values), where one draws x scores
    array alone is 230 MiB."""
    import tracemalloc

    from scoring.calibration import fit_examiner_model
    from scoring.data.scores import individual

    y = simulate_year(Settings(n_entries=500, n_examiners=100), seed=3)
    model = fit_examiner_model(individual(y.scores))
    assert len(individual(y.scores)) * 2000 * 8 > 200 * 2**20
    for method, given in (("adjusted", model), ("mean", None)):
        tracemalloc.start()
        rank_entries(y.scores, method, y.entries, n_draws=2000, model=given)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 100 * 2**20, (method, peak / 2**20)


def test_rank_bounds_are_scipys_min_and_max_ranks():
    from scoring.ranking import _rank_bounds

    rng = np.random.default_rng(8)
    for _ in range(200):
        d = rng.integers(0, rng.integers(1, 6), (rng.integers(1, 20), rng.integers(1, 30))).astype(float)
        if rng.random() < 0.5:
            d += rng.random(d.shape) * (rng.random() < 0.5)
        low, high = _rank_bounds(d)
        assert np.array_equal(low, stats.rankdata(-d, method="min", axis=1))
        assert np.array_equal(high, stats.rankdata(-d, method="max", axis=1))


@pytest.mark.parametrize("chosen, methods", [("adjusted", METHODS), ("mean", ("median", "adjusted"))])
def test_method_tables_are_the_three_tables(chosen, methods):
    from scoring.ranking import method_tables

    yd = load_year(2023)
    ranking, sensitivity, places = method_tables(yd.scores, yd.entries, chosen=chosen, methods=methods,
                                                 rubric=yd.rubric, n_draws=300, seed=2)
    pd.testing.assert_frame_equal(
        ranking, rank_entries(yd.scores, chosen, yd.entries, rubric=yd.rubric, n_draws=300, seed=2))
    pd.testing.assert_frame_equal(
        sensitivity, method_sensitivity(yd.scores, yd.entries, chosen=chosen, methods=methods, rubric=yd.rubric))
    pd.testing.assert_frame_equal(
        places, method_places(yd.scores, yd.entries, methods=[chosen, *methods], rubric=yd.rubric))


def test_adjusted_fits_the_examiner_model():
    y = simulate_year(seed=11)
    r = rank_entries(y.scores, "adjusted", y.entries, n_draws=200)
    q = y.quality.reindex(r["entry_id"]).to_numpy()
    assert np.corrcoef(r["score"], q)[0, 1] > 0.9
    assert np.allclose(r.groupby("class")["p_first"].sum(), 1.0)


# --------------------------------------------------------------------------- honest uncertainty


def _coverage(settings: Settings, seeds, method: str = "mean", n_draws: int = 200) -> float:
    """Share of entries whose rank interval holds their true place: within the class, among the
    eligible entries (or among those that cannot win), by the simulation's true quality."""
    hits = []
    for seed in seeds:
        y = simulate_year(settings, seed=seed)
        truth = y.entries.assign(q=y.entries["entry_id"].map(y.quality), ok=y.entries["budget_in_balance"] != "nej")
        true_rank = truth.groupby(["class", "ok"])["q"].rank(ascending=False, method="min")
        true_rank = dict(zip(truth["entry_id"], true_rank, strict=True))
        r = rank_entries(y.scores, method, y.entries, n_draws=n_draws, seed=seed)
        t = r["entry_id"].map(true_rank)
        hits += list((r["rank_low"] <= t) & (t <= r["rank_high"]))
    return float(np.mean(hits))


def test_the_stated_rank_interval_coverage_still_holds_in_simulation():
    """The jury pack says the rank intervals held the true place for RANK_INTERVAL_COVERAGE of the
    entries (benchmarks/README.md: 92-99 %). Re-measured here on fresh seeds of the benchmark's three
    scenarios with raw means and fewer draws (20 seeds x 35 entries each; the benchmark runs 100
    seeds at 1000 draws): each must lie in the stated range, within 2.5 points below it (about two
    binomial standard errors at 700 entries), so the sentence cannot silently become false."""
    low, high = RANK_INTERVAL_COVERAGE
    for settings in (Settings(), Settings(circle_size=20), Settings().unbiased()):
        got = _coverage(settings, range(5000, 5020))
        assert low - 0.025 <= got <= high + 0.01, (settings, got)


def test_rank_intervals_among_the_eligible_cover_the_true_place_when_some_cannot_win():
    # A third of the entries cannot win: places and true places are counted within each group.
    got = _coverage(Settings(not_in_balance=1 / 3), range(6000, 6020))
    assert got >= RANK_INTERVAL_COVERAGE[0] - 0.025


# --------------------------------------------------------------------------- command line


SCORES_2023 = str(DATA_DIR / "2023" / "scores.csv")


def test_cli_json_one_record_per_entry(capsys):
    assert main(["rank", SCORES_2023, "--method", "mean", "--draws", "200", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == len(load_year(2023).entries)
    assert {"entry_id", "class", "score", "rank", "rank_low", "rank_high", "would_rank", "p_first",
            "eligible"} <= set(records[0])
    # the places of rank_entries: among the eligible entries, the others by themselves
    want = rank_entries(load_year(2023).scores, "mean", load_year(2023).entries, n_draws=200).set_index("entry_id")
    for r in records:
        w = want.loc[r["entry_id"]]
        assert (r["rank"], r["rank_low"], r["rank_high"], r["would_rank"], r["eligible"]) == (
            w["rank"], w["rank_low"], w["rank_high"], w["would_rank"], w["eligible"])
    assert {r["rank"] for r in records if r["eligible"] and r["leader"]} == {1}


def test_cli_csv_and_table_with_one_class(capsys):
    args = ["rank", SCORES_2023, "--entries", str(DATA_DIR / "2023" / "entries.csv"), "--method", "median",
            "--draws", "200", "--class", "Skola"]
    assert main(args + ["--format", "csv"]) == 0
    csv = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert set(csv["class"]) == {"skola"} and csv["rank"].min() == 1
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["entry_id", "name", "class"] and "skola" in out


def test_cli_errors(tmp_path, capsys):
    assert main(["rank", SCORES_2023, "--method", "mean", "--class", "kommun"]) == 1
    assert "--class kommun: no such class" in capsys.readouterr().err
    assert main(["rank", SCORES_2023, "--method", "mean", "--entries", str(tmp_path / "none.csv")]) == 1
    assert "none.csv: -: entries file not found" in capsys.readouterr().err
    lone = tmp_path / "scores.csv"
    lone.write_bytes((DATA_DIR / "2023" / "scores.csv").read_bytes())
    assert main(["rank", str(lone), "--method", "mean"]) == 1
    assert "entries file not found (no --entries given" in capsys.readouterr().err
    few = tmp_path / "entries.csv"
    few.write_text("entry_id,name,class\n2023-01,Kontaktcenter,andra\n", encoding="utf-8")
    assert main(["rank", SCORES_2023, "--method", "mean", "--entries", str(few)]) == 1
    err = capsys.readouterr().err
    assert "scores.csv:" in err and "entry_id: entry_id '2023-02' is not in" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as e:
        main(["rank", SCORES_2023, "--method", "best"])
    assert e.value.code == 2
    try:
        from scoring.calibration import fit_examiner_model  # noqa: F401
    except ImportError:
        assert main(["rank", SCORES_2023]) == 1
        assert "needs the examiner model" in capsys.readouterr().err
