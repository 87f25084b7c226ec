"""The disclosure rule (scoring.disclosure), checked as a determined reader would: for every
multiset of the others' scores, the multisets that a page showing it cannot be told apart from
(same count, same printed mean, same flag, or the same withheld fields) are at least three and
share no score value. Checked by enumeration here, independently of the module's own classes."""

from fractions import Fraction
from itertools import combinations_with_replacement

import numpy as np
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


def listed_levels(k: int, own: float, grid, threshold: float) -> dict[tuple, str]:
    """The rule of scoring.disclosure.levels written out as the module docstring states it, one
    multiset at a time with Python sets (the module counts with arrays): the reference it must equal."""

    def ok(members: list[tuple]) -> bool:
        return len(members) >= rule.AT_LEAST and not set(members[0]).intersection(*map(set, members[1:]))

    multisets = list(combinations_with_replacement(sorted(set(grid)), k))
    view = {m: (shown(sum(m) / k), max((*m, own)) - min((*m, own)) > threshold) for m in multisets}
    by_view: dict[tuple, list] = {}
    for m in multisets:
        by_view.setdefault(view[m], []).append(m)
    level = {m: "mean_flag" for members in by_view.values() if ok(members) for m in members}
    by_mean: dict[str, list] = {}
    for m in multisets:
        if m not in level:
            by_mean.setdefault(view[m][0], []).append(m)
    for members in by_mean.values():
        level.update(dict.fromkeys(members, "mean" if ok(members) else "count"))
    withheld = [m for m in multisets if level[m] == "count"]
    if withheld and not ok(withheld):
        return dict.fromkeys(multisets, "count")
    return {m: level[m] for m in multisets}


@pytest.mark.parametrize("grid", [STEPS, (0, 1, 2, 3), (1, 2, 3, 4, 5, 6, 7), tuple(range(0, 101, 25))])
def test_levels_equal_the_rule_written_out(grid):
    tried = set()
    for k in (1, 2, 3, 4, 5):
        for own in (grid[0], grid[len(grid) // 2], grid[-1], 2.5):
            for threshold in (0, 2, 10, 30):
                got = rule.levels(k, own, grid, threshold, shown)
                assert got == listed_levels(k, own, grid, threshold), (k, own, threshold)
                tried |= set(got.values())
    assert tried == set(rule.LEVELS)  # every level occurs: the comparison is not of all-"count" tables


# ------------------------------------------------------------------ the mean alone, for any number


@pytest.mark.parametrize("grid", [STEPS, (0, 1, 2, 3), tuple(range(0, 101, 25)), (1, 2, 3, 4, 5)])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_the_counted_mean_rule_equals_the_enumerated_one(grid, k):
    """mean_disclosure counts multisets by their sum; levels() lists them. Without a flag (a
    threshold no spread exceeds) levels() gives "mean_flag" exactly where the mean may be shown."""
    listed = rule.levels(k, 0, grid, threshold=10**9, shown=shown)
    assert listed
    for m, level in listed.items():
        expected = "mean" if level == "mean_flag" else "count"
        assert rule.mean_disclosure(m, grid, shown) == expected, m


def reader_can_tell_the_mean(k: int, grid) -> list[tuple]:
    """Every multiset whose view (count and the mean as printed, or the count alone) fits fewer
    than 3 multisets or makes a score value certain: listed, independently of the module."""
    views: dict[tuple, list] = {}
    for m in combinations_with_replacement(grid, k):
        level = rule.mean_disclosure(m, grid, shown)
        views.setdefault((level, shown(sum(m) / k)) if level == "mean" else (level,), []).append(m)
    return [m for members in views.values()
            if len(members) < 3 or set(members[0]).intersection(*map(set, members[1:])) for m in members]


@pytest.mark.parametrize("k", [7, 10, 14, 20])
def test_a_large_group_gives_nobody_away(k):
    # beyond what levels() lists (MAX_MULTISETS) on a 0-100 scale: checked here on a small scale
    # and on a few means of a large one, as a reader listing them would
    assert reader_can_tell_the_mean(k, (0, 1, 2, 3)) == []
    assert reader_can_tell_the_mean(min(k, 8), STEPS) == []


def test_a_large_group_shows_its_mean_but_not_at_the_scale_ends():
    grid = range(0, 101, 5)
    # 29 others (a room of 30 trainees): a mean of 60 fits countless multisets
    assert rule.mean_disclosure([60] * 29, grid, shown) == "mean"
    assert rule.mean_disclosure([55, 65] * 14 + [60], grid, shown) == "mean"
    # everyone at 0 or 100: the mean gives each score away; one step above 0 (sum 5) fits one multiset
    assert rule.mean_disclosure([0] * 29, grid, shown) == "count"
    assert rule.mean_disclosure([100] * 29, grid, shown) == "count"
    assert rule.mean_disclosure([5] + [0] * 28, grid, shown) == "count"
    # a score off the scale or an uneven scale: nothing to count with
    assert rule.mean_disclosure([62.5] * 5, grid, shown) == "count"
    assert rule.mean_disclosure([0, 10, 30], (0, 10, 30), shown) == "count"


def test_pool_position_by_hand():
    pos = rule.pool_position(3.0, np.array([6, 1, 3, 2, 5, 4, np.nan]))
    # median of 1..6 = 3.5; linear quantiles at positions 1.25 and 3.75: 2.25 and 4.75;
    # below 3: two values, one tie counted half: 2.5 / 6
    assert pos == pytest.approx({"n": 6, "median": 3.5, "q1": 2.25, "q3": 4.75, "share_below": 2.5 / 6})
    assert np.isnan(rule.pool_position(np.nan, np.array([1.0]))["share_below"])
    assert rule.pool_position(1.0, np.array([]))["n"] == 0
    assert rule.POOL_FROM == 5


def _witnesses(k: int, total: int, values: list[int], limit: int) -> list[tuple]:
    """Up to ``limit`` multisets of ``k`` of ``values`` (integers) summing to ``total``: a plain
    depth-first search, independent of the module's counting."""
    found: list[tuple] = []
    values = sorted(values, reverse=True)

    def search(i: int, left: int, rest: int, acc: tuple) -> None:
        if len(found) >= limit:
            return
        if left == 0:
            if rest == 0:
                found.append(acc)
            return
        if i == len(values) or rest > left * values[i] or rest < left * values[-1]:
            return
        for n in range(min(left, rest // values[i] if values[i] else left), -1, -1):
            search(i + 1, left - n, rest - n * values[i], acc + (values[i],) * n)

    search(0, k, total, ())
    return found


def test_the_demo_trainee_pages_give_nobody_away():
    """Every trainee page of the demo's first and last session: the others' mean is shown only where a reader
    who knows the count and the mean as printed can name three sets of scores that fit it and,
    for every score on the scale, a fitting set without it (found by a search of our own)."""
    from scoring.kinds.training import session as training

    checked = 0
    for year in (2019, 2024):
        for name in training.available_sessions(year):
            s = training.load_session(year, name)
            grid = s.rubric.scale.values
            lo, step = float(grid[0]), float(grid[1] - grid[0])
            steps = list(range(len(grid)))
            for code in s.trainees:
                fb = training.trainee_feedback(s, code)
                assert not {"group_mean", "group_sd", "low", "high"} & set(fb.scores.columns)
                for _, row in fb.scores[fb.scores["shown"] == "mean"].iterrows():
                    others = s.scores[(s.scores["entry_id"] == row["entry_id"])
                                      & (s.scores["criterion"] == row["criterion"])
                                      & (s.scores["examiner_id"] != code)]["score"]
                    k, text = len(others), shown(row["others_mean"])
                    assert k == row["other_trainees"] and text == shown(others.mean())
                    totals = [t for t in range(k * (len(grid) - 1) + 1) if shown(lo + step * t / k) == text]
                    fitting = [m for t in totals for m in _witnesses(k, t, steps, 3)]
                    assert len(set(fitting)) >= 3, (year, code, row["criterion"])
                    for v in steps:
                        without = [x for x in steps if x != v]
                        assert any(_witnesses(k, t, without, 1) for t in totals), (year, code, v)
                    checked += 1
    assert checked > 100  # the rule shows the demo's ordinary rows, not nothing


# ------------------------------------------------------------------ a rate over decisions


def _nearest_share(others: tuple, own: float, target: float) -> Fraction:
    """The reader's share of being nearest the team's decision, ties shared (written out)."""
    distances = [abs(target - x) for x in (own, *others)]
    least = min(distances)
    return Fraction(1, distances.count(least)) if distances[0] == least else Fraction(0)


def _brute_rate(rows, grid, threshold, said):
    """Per printed text, per row, the multisets some joint choice of every row's multisets (each fitting
    what its row shows) printing that text leaves possible: the determined reader's knowledge, by
    enumerating every joint choice."""
    from itertools import product

    fitting = []
    for others, own, _target in rows:
        seen = view(others, own, threshold, rule.disclosure(others, own, grid, threshold, shown))
        fitting.append([m for m in combinations_with_replacement(grid, len(others))
                        if view(m, own, threshold, rule.disclosure(m, own, grid, threshold, shown)) == seen])
    possible: dict = {}
    for choice in product(*fitting):
        total = sum(_nearest_share(m, own, t) for m, (_, own, t) in zip(choice, rows, strict=True))
        per_row = possible.setdefault(said(total), [set() for _ in rows])
        for row_set, m in zip(per_row, choice, strict=True):
            row_set.add(m)
    return possible


def _gives_away(multisets) -> bool:
    return len(multisets) < 3 or bool(set.intersection(*(set(m) for m in multisets)))


@pytest.mark.parametrize("seed", range(6))
def test_a_printed_rate_leaves_every_row_as_the_rule_wants(seed):
    """rate_level against a reader who enumerates every joint choice of the rows' multisets: where it
    prints the rate, each row's multisets that the printed text leaves possible are at least three and
    share no value; where it withholds, the same holds for the texts it withholds taken together; its
    answer depends on what the rows show, never on which multisets they hold (issue 22's review: a rate
    of 0 % over teams of two gave every colleague's score away)."""
    from itertools import product

    r = np.random.default_rng(seed)
    grid, threshold = (0.0, 10.0, 20.0, 30.0, 40.0), 20.0
    n = int(r.integers(3, 5))
    rows = []
    for _ in range(n):
        k, own = int(r.integers(1, 3)), float(r.choice(grid))
        others = tuple(sorted(float(x) for x in r.choice(grid, k)))
        rows.append((others, own, float(r.choice([own, *others]))))
    said = lambda total: number(100 * float(total) / n, 0)  # noqa: E731
    possible = _brute_rate(rows, grid, threshold, said)
    seen_levels = set()
    fitting = [[m for m in combinations_with_replacement(grid, len(o))
                if view(m, own, threshold, rule.disclosure(m, own, grid, threshold, shown))
                == view(o, own, threshold, rule.disclosure(o, own, grid, threshold, shown))]
               for o, own, _ in rows]
    for choice in product(*fitting):  # every state of the rows that shows the same page
        rate_rows = [rule.rate_row(rule.levels(len(m), own, grid, threshold, shown), m, own, t, grid, threshold,
                                   shown) for m, (_, own, t) in zip(choice, rows, strict=True)]
        level, allowed = rule.rate_level(rate_rows, said)
        total = sum(_nearest_share(m, own, t) for m, (_, own, t) in zip(choice, rows, strict=True))
        if level == "rate":
            assert not any(_gives_away(s) for s in possible[said(total)]), (rows, choice)
            # the shares it says the reader can still think possible are the enumerated ones
            assert [{Fraction(int(a), 60) for a in row} for row in allowed] == [
                {_nearest_share(m, own, t) for m in ms} for ms, (_, own, t) in zip(possible[said(total)], rows,
                                                                                      strict=True)]
        seen_levels.add("count" if level == "count" else "some")
    assert len(seen_levels) == 1  # never a rate for these rows, or a rate or its withholding for every state
    withheld = [t for t, sets in possible.items() if any(_gives_away(s) for s in sets)]
    if seen_levels == {"some"} and withheld:  # what the withholding tells passes too
        together = [set().union(*(possible[t][i] for t in withheld)) for i in range(n)]
        assert not any(_gives_away(s) for s in together), rows


def test_a_rate_over_teams_of_two_is_never_printed_when_it_would_name_them():
    """Eighteen decisions each with one colleague, who gave the team's decision while the reader was 10
    away: 0 % would name all eighteen scores, so it is withheld; and so is what the withholding tells."""
    grid, threshold = STEPS, 30.0
    said = lambda total: number(100 * float(total) / 18, 0)  # noqa: E731
    pairs = [rule.rate_row(rule.levels(1, 50.0, grid, threshold, shown), (60.0,), 50.0, 60.0, grid, threshold, shown)
             for _ in range(18)]
    assert rule.rate_level(pairs, said)[0] == "count"


def test_shares_are_whole_in_the_unit_of_the_largest_team():
    """Seven tied at the decision: each has a seventh, whole in share_unit(7) (in sixtieths it is not)."""
    assert rule.share_unit(6) == 60 and rule.share_unit(7) == 420 and rule.share_unit(1) == 1
    others = (40.0,) * 6
    table = rule.levels(6, 60.0, STEPS, 30.0, shown)
    row = rule.rate_row(table, others, 60.0, 50.0, STEPS, 30.0, shown, unit=rule.share_unit(7))
    assert Fraction(row.actual, row.unit) == Fraction(1, 7) and set(row.shares) <= {0, 60, 70, 84, 105, 140, 210, 420}


def test_whether_a_rate_is_never_shown_does_not_depend_on_the_scores():
    """Issue 22's review: ten decisions with one colleague each, the reader 10 from the decision. The page
    shows the same for every score the colleague gave; "not shown" for some of them and a rate for the
    others told which. Now every state gets the same answer: never a rate for these rows."""
    grid, threshold = STEPS, 30.0
    said = lambda total: number(100 * float(total) / 10, 0)  # noqa: E731
    answers = set()
    for colleague in grid:
        rows = [rule.rate_row(rule.levels(1, 50.0, grid, threshold, shown), (colleague,), 50.0, 60.0, grid,
                              threshold, shown) for _ in range(10)]
        answers.add(rule.rate_level(rows, said)[0] == "count")
    assert answers == {True}


def test_a_rate_over_a_huge_team_is_not_checked_and_not_printed():
    """The unit of shares grows with the largest team (lcm 1..n): a team of 19 would need sums of 1.6
    billion; such a rate is not printed, and nothing is allocated for it."""
    grid = (0.0, 50.0, 100.0)
    table = rule.levels(1, 50.0, grid, 30.0, shown)
    rows = [rule.rate_row(table, (0.0,), 50.0, 50.0, grid, 30.0, shown, unit=rule.share_unit(19))] * 10
    assert rule.rate_level(rows, lambda total: str(total)) == ("count", [])


def test_a_decimal_scale_holds_the_scores_as_written():
    """A scale of tenths: 0.3 read from a file is one of its values (not 0.1 * 3), so the row is listed."""
    from scoring.rubric import Scale

    grid = tuple(float(v) for v in Scale(0.0, 1.0, 0.1).values)
    assert 0.3 in grid and 0.7 in grid
    table = rule.levels(1, 0.5, grid, 0.3, shown)
    assert rule.rate_row(table, (0.3,), 0.5, 0.4, grid, 0.3, shown).present is not None
