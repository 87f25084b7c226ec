"""The disclosure rule (scoring.disclosure), checked as a determined reader would: for every
multiset of the others' scores, the multisets that a page showing it cannot be told apart from
(same count, same printed mean, same flag, or the same withheld fields) are at least three and
share no score value. Checked by enumeration here, independently of the module's own classes."""

from itertools import combinations_with_replacement

import pandas as pd
import pytest

from scoring import disclosure as rule
from scoring.data import load_year
from scoring.kinds.examiner import feedback
from scoring.presentation.render import number

STEPS = tuple(range(0, 101, 10))


def shown(mean: float) -> str:
    return number(mean, 1)


def view(others: tuple, own: float, threshold: float, level: str) -> tuple:
    """What a page shows of one row at a level (the count is always shown)."""
    if level == "count":
        return (len(others), level)
    mean = shown(sum(others) / len(others))
    if level == "mean":
        return (len(others), level, mean)
    return (len(others), level, mean, max((*others, own)) - min((*others, own)) > threshold)


def reader_can_tell(k: int, own: float, grid=STEPS, threshold: float = 30) -> list[tuple]:
    """Every multiset whose page view fits fewer than 3 multisets or makes a score value certain."""
    multisets = list(combinations_with_replacement(grid, k))
    views: dict[tuple, list] = {}
    for m in multisets:
        level = rule.disclosure(m, own, grid, threshold, shown)
        views.setdefault(view(m, own, threshold, level), []).append(m)
    bad = []
    for members in views.values():
        certain = set(members[0]).intersection(*map(set, members[1:]))
        if len(members) < 3 or certain:
            bad += members
    return bad


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("own", [0, 30, 50, 100])
def test_no_page_view_gives_a_colleague_away(k, own):
    assert reader_can_tell(k, own) == []


@pytest.mark.parametrize("threshold", [0, 10, 20])
def test_other_thresholds_and_a_small_scale(threshold):
    for k in (1, 2, 3, 4):
        for own in (0, 1, 2, 3):
            assert reader_can_tell(k, own, grid=(0, 1, 2, 3), threshold=threshold) == []


def test_what_is_shown_and_what_is_withheld():
    # one colleague: their mean is their score
    assert rule.disclosure([90], 70, STEPS, 30, shown) == "count"
    # all at the scale's end: the mean gives every score away
    assert rule.disclosure([100, 100, 100], 90, STEPS, 30, shown) == "count"
    assert rule.disclosure([0, 0, 0, 0], 50, STEPS, 30, shown) == "count"
    # 20 and 40 beside 10: two pairs fit "30,0, not on the agenda" and two "30,0, on it": the flag is
    # withheld, and a withheld flag leaves all four pairs summing to 60, which share no value
    assert rule.disclosure([20, 40], 10, STEPS, 30, shown) == "mean"
    assert rule.disclosure([40, 50, 60, 80], 50, STEPS, 30, shown) == "mean_flag"
    # off the scale (a criterion averaged over questions): nothing to enumerate, the count only
    assert rule.disclosure([45, 50], 50, STEPS, 30, shown) == "count"


def test_the_demo_examiner_pages_show_no_lowest_or_highest_and_give_nobody_away():
    """Issue 15: in the demo's 2024, 14 examiners' pages showed a team range whose lowest and
    highest were equal (E37, entry 2024-01, Chef- och ledarskap: 50-50: all four colleagues gave 50).
    Now every row of every page passes the reader's check, on the numbers the page is given."""
    yd = load_year(2024)
    ind = yd.scores[yd.scores["stage"] == "individual"]
    examiners = sorted(set(ind["examiner_id"]) - {"TEAM"})
    shown_rows = rows = 0
    for code in examiners:
        t = feedback.team_comparison(yd.scores, code, yd.rubric)
        assert not {"others_low", "others_high"} & set(t.columns)
        for _, row in t.iterrows():
            others = tuple(sorted(ind[(ind["entry_id"] == row["entry_id"]) & (ind["criterion"] == row["criterion"])
                                      & (ind["examiner_id"] != code)]["score"]))
            assert row["others"] == len(others)
            assert (pd.notna(row["others_mean"])) == (row["shown"] in ("mean", "mean_flag"))
            shown_rows += pd.notna(row["others_mean"])
            rows += len(others) >= 2
    e37 = feedback.team_comparison(yd.scores, "E37", yd.rubric).set_index(["entry_id", "criterion"])
    row = e37.loc[("2024-01", "leadership")]
    assert row["others"] == 4 and row["others_mean"] == 50
    assert reader_can_tell(4, float(row["score"])) == []  # and so this row's view fits at least three multisets
    assert shown_rows / rows > 0.9  # the rule withholds the few rows that would give someone away, not all
