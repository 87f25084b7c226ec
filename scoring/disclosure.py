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

Where there is no flag (a trainee's page), :func:`mean_disclosure` applies the same rule to the
mean alone for any number of others: it counts the multisets by their sum instead of listing
them. Distributions of others (a pool of colleagues' measures, a group of trainees) are shown
only as quartile positions, from at least :data:`POOL_FROM` others (:func:`pool_position`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations_with_replacement
from math import comb

import numpy as np

__all__ = ["AT_LEAST", "LEVELS", "MAX_MULTISETS", "POOL_FROM", "disclosure", "levels", "mean_disclosure",
           "mean_levels", "pool_position"]

#: At least this many multisets of the others' scores must fit what a row shows.
AT_LEAST = 3
#: From most to least shown.
LEVELS = ("mean_flag", "mean", "count")
#: Above this many multisets of the others' scores, no mean is shown (the count only).
MAX_MULTISETS = 250_000
#: A distribution of others is shown (as quartiles) only from this many others.
POOL_FROM = 5

def _flag(team: Sequence[float], threshold: float) -> bool:
    return max(team) - min(team) > threshold


def _ok_groups(group: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per group (``group``: each multiset's group number) whether its multisets are at least
    :data:`AT_LEAST` and no score value is in all of them (``present``: multisets x grid values)."""
    n = int(group.max()) + 1 if len(group) else 0
    size = np.bincount(group, minlength=n)
    holding = np.zeros((n, present.shape[1]), dtype=np.int64)  # per group and value: multisets holding it
    np.add.at(holding, group, present)
    return (size >= AT_LEAST) & ~(holding == size[:, None]).any(axis=1)


def levels(k: int, own: float, grid: Sequence[float], threshold: float,
           shown: Callable[[float], str]) -> dict[tuple, str]:
    """The level of every multiset of ``k`` others' scores (sorted tuples) for a reader whose own
    score is ``own``: see the module. ``grid`` is every score the others can have given,
    ``threshold`` the consensus agenda's spread threshold, ``shown(mean)`` the mean as printed."""
    grid = sorted(set(grid))
    if k < 1 or comb(len(grid) + k - 1, k) > MAX_MULTISETS:
        return {}
    multisets = list(combinations_with_replacement(grid, k))
    steps = np.array(list(combinations_with_replacement(range(len(grid)), k)), dtype=np.intp).reshape(-1, k)
    present = np.zeros((len(multisets), len(grid)), dtype=np.int64)
    present[np.arange(len(multisets))[:, None], steps] = 1
    sums = [sum(m) for m in multisets]
    texts = {t: shown(t / k) for t in set(sums)}  # the mean as printed depends on the sum alone
    text = [texts[t] for t in sums]
    flag = [_flag((*m, own), threshold) for m in multisets]
    by_mean_flag: dict[tuple, int] = {}
    group = np.array([by_mean_flag.setdefault(key, len(by_mean_flag)) for key in zip(text, flag, strict=True)])
    level = np.where(_ok_groups(group, present)[group], "mean_flag", "")
    rest = np.flatnonzero(level == "")
    by_mean: dict[str, int] = {}
    group = np.array([by_mean.setdefault(text[i], len(by_mean)) for i in rest], dtype=np.intp)
    level[rest] = np.where(_ok_groups(group, present[rest])[group], "mean", "count")
    withheld = level == "count"
    if withheld.any() and not _ok_groups(np.zeros(int(withheld.sum()), dtype=np.intp), present[withheld])[0]:
        return dict.fromkeys(multisets, "count")  # a withheld row would give someone away: withhold all
    return dict(zip(multisets, level.tolist(), strict=True))


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


def _arithmetic(grid: Sequence[float]) -> tuple[float, float, int] | None:
    """(lowest, step, number of steps) of an evenly spaced grid; None otherwise."""
    g = np.array(sorted(set(float(x) for x in grid)))
    if len(g) < 2:
        return (float(g[0]), 1.0, 1) if len(g) else None
    d = np.diff(g)
    return (float(g[0]), float(d[0]), len(g)) if np.allclose(d, d[0]) else None


def mean_levels(k: int, grid: Sequence[float], shown: Callable[[float], str]) -> dict[str, str]:
    """The level ("mean" or "count") of every mean as printed, for ``k`` others on an evenly
    spaced ``grid`` without a flag: the rule of :func:`levels`, for any ``k``.

    A multiset of ``k`` scores on the grid is known by its sum in steps ``t`` (the printed mean
    depends on nothing else), so the multisets that fit a printed mean are those whose ``t`` gives
    that text. They are counted (up to :data:`AT_LEAST`) by dynamic programming over the grid's
    values, once with every value and once without each value ``v`` (when some multiset without
    ``v`` fits, ``v`` is not certain to have been given). {} for an uneven grid."""
    spec = _arithmetic(grid)
    if k < 1 or spec is None:
        return {}
    lo, step, m = spec
    top = k * (m - 1)
    # counts[s, j, t]: multisets of j values with step sum t, drawn from the grid without value s
    # (s = m: from the whole grid), capped at AT_LEAST
    counts = np.zeros((m + 1, k + 1, top + 1), dtype=np.int64)
    counts[:, 0, 0] = 1
    for a in range(m):
        use = np.arange(m + 1) != a
        for j in range(1, k + 1):
            counts[use, j, a:] += counts[use, j - 1, :top + 1 - a]
            np.minimum(counts[:, j], AT_LEAST, out=counts[:, j])
    fits = counts[:, k, :]                           # (m + 1, top + 1)
    text = [shown(lo + step * t / k) for t in range(top + 1)]
    by_text: dict[str, list[int]] = {}
    for t, x in enumerate(text):
        by_text.setdefault(x, []).append(t)

    def ok(ts: list[int]) -> bool:
        some = fits[:, ts]
        return bool(min(int(some[m].sum()), AT_LEAST) >= AT_LEAST and (some[:m] > 0).any(axis=1).all())

    level = {x: "mean" if ok(ts) else "count" for x, ts in by_text.items()}
    withheld = [t for t in range(top + 1) if level[text[t]] == "count"]
    if withheld and not ok(withheld):
        level = dict.fromkeys(level, "count")  # a withheld row would give someone away: withhold all
    return level


def mean_disclosure(others: Sequence[float], grid: Sequence[float], shown: Callable[[float], str],
                    _cache: dict = {}) -> str:  # noqa: B006  (a cache on purpose)
    """"mean" when a private page may show the ``others``' mean on a row without a flag, else
    "count" (also for a score off the grid or an uneven grid): :func:`mean_levels`."""
    spec = _arithmetic(grid)
    if not others or spec is None:
        return "count"
    lo, step, m = spec
    idx = [(float(o) - lo) / step for o in others]
    if any(abs(i - round(i)) > 1e-9 or not 0 <= round(i) < m for i in idx):
        return "count"
    k, t = len(idx), sum(round(i) for i in idx)
    config = (k, lo, step, m, shown)
    if config not in _cache:
        if len(_cache) > 64:
            _cache.clear()
        _cache[config] = mean_levels(k, grid, shown)
    return _cache[config].get(shown(lo + step * t / k), "count")


def pool_position(own: float, pool: Sequence[float]) -> dict:
    """Where a value lies in the others' distribution: n, median, q1, q3, share below.

    ``share_below`` counts ties as half (a mid-rank); NaN without a value or a pool. The caller
    shows a pool only from :data:`POOL_FROM` others.
    """
    pool = np.asarray(pool, dtype=float)
    pool = pool[np.isfinite(pool)]
    out = {"n": len(pool), "median": np.nan, "q1": np.nan, "q3": np.nan, "share_below": np.nan}
    if len(pool):
        out.update(median=float(np.median(pool)), q1=float(np.quantile(pool, 0.25)),
                   q3=float(np.quantile(pool, 0.75)))
        if own is not None and np.isfinite(own):
            out["share_below"] = float((np.sum(pool < own) + 0.5 * np.sum(pool == own)) / len(pool))
    return out
