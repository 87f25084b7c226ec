"""What a private page may show about other people's scores on one row, provably.

A private page (an examiner's, a trainee's) may show, per entry and criterion, the others' mean
and whether the team's spread went to the consensus agenda, only where that gives no one away.
The reader knows what the page shows for the row (how many others, the mean as printed, the
flag), their own score, the scale and the rule itself. :func:`disclosure` enumerates every
multiset of the others' scores on the scale that the reader cannot tell apart from the true
one, and allows a level only when at least :data:`AT_LEAST` multisets fit and no score value is
in all of them (no value is certain to have been given by one of them):

* ``"mean_flag"``: the mean and the agenda flag;
* ``"mean"``: the mean alone (the flag would give someone away);
* ``"count"``: the number of others only.

What the reader sees when something is withheld passes the same test: the multisets that
would be shown at a higher level are not among those that fit a withheld row, and when the
withheld rows themselves would give someone away, nothing but the count is shown for any
row of that shape. The others' lowest and highest scores are never shown (each is one
colleague's score).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import reduce
from itertools import combinations_with_replacement
from math import comb

__all__ = ["AT_LEAST", "LEVELS", "MAX_MULTISETS", "disclosure", "levels"]

#: At least this many multisets of the others' scores must fit what a row shows.
AT_LEAST = 3
#: From most to least shown.
LEVELS = ("mean_flag", "mean", "count")
#: Above this many multisets of the others' scores, no mean is shown (the count only).
MAX_MULTISETS = 250_000

def _flag(team: Sequence[float], threshold: float) -> bool:
    return max(team) - min(team) > threshold


def _ok(members: list[tuple]) -> bool:
    if len(members) < AT_LEAST:
        return False
    return not reduce(set.intersection, (set(m) for m in members))


def levels(k: int, own: float, grid: Sequence[float], threshold: float,
           shown: Callable[[float], str]) -> dict[tuple, str]:
    """The level of every multiset of ``k`` others' scores (sorted tuples) for a reader whose own
    score is ``own``: see the module. ``grid`` is every score the others can have given,
    ``threshold`` the consensus agenda's spread threshold, ``shown(mean)`` the mean as printed."""
    grid = sorted(set(grid))
    if k < 1 or comb(len(grid) + k - 1, k) > MAX_MULTISETS:
        return {}
    multisets = list(combinations_with_replacement(grid, k))
    text = {m: shown(sum(m) / k) for m in multisets}
    flag = {m: _flag((*m, own), threshold) for m in multisets}
    by_mean_flag: dict[tuple, list] = {}
    for m in multisets:
        by_mean_flag.setdefault((text[m], flag[m]), []).append(m)
    level = {m: "mean_flag" if _ok(by_mean_flag[text[m], flag[m]]) else "" for m in multisets}
    by_mean: dict[str, list] = {}
    for m in multisets:
        if not level[m]:
            by_mean.setdefault(text[m], []).append(m)
    for members in by_mean.values():
        for m in members:
            level[m] = "mean" if _ok(members) else "count"
    if not _ok([m for m in multisets if level[m] == "count"]) and any(v == "count" for v in level.values()):
        level = dict.fromkeys(multisets, "count")  # a withheld row would give someone away: withhold all
    return level


def disclosure(others: Sequence[float], own: float, grid: Sequence[float], threshold: float,
               shown: Callable[[float], str], _cache: dict = {}) -> str:  # noqa: B006  (a cache on purpose)
    """The level (:data:`LEVELS`) at which a private page may show the ``others``' scores on one row.

    Parameters
    ----------
    others : the other examiners' (or trainees') scores on the row.
    own : the reader's own score on it.
    grid : every score one of them could have given (the scale's steps).
    threshold : the consensus agenda's spread threshold (the flag: team spread > threshold).
    shown : how the page prints the mean (``lambda m: render.number(m, 1)``).

    "count" for a score off the grid or too many multisets to enumerate (:data:`MAX_MULTISETS`).
    """
    grid_t = tuple(sorted(set(float(g) for g in grid)))
    key = tuple(sorted(float(o) for o in others))
    if not key or any(o not in grid_t for o in key):
        return "count"
    config = (len(key), float(own), grid_t, float(threshold), shown)
    if config not in _cache:
        if len(_cache) > 256:
            _cache.clear()
        _cache[config] = levels(len(key), float(own), grid_t, float(threshold), shown)
    return _cache[config].get(key, "count")
