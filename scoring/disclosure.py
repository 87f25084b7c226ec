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

A rate over decisions (how often the team's decision landed nearest the reader's own score, ties
shared) tells something of every row it counts: a rate of 0 % says that on each row a colleague was
nearer. :func:`rate_level` allows the rate as printed only when, for every row, each share of being
nearest that the printed rate leaves possible still leaves the multisets that fit the row passing
the same test; what the reader sees when the rate is withheld passes it too.

Where there is no flag (a trainee's page), :func:`mean_disclosure` applies the same rule to the
mean alone for any number of others: it counts the multisets by their sum instead of listing
them. Distributions of others (a pool of colleagues' measures, a group of trainees) are shown
only as quartile positions, from at least :data:`POOL_FROM` others (:func:`pool_position`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import combinations_with_replacement
from math import comb

import numpy as np

__all__ = ["AT_LEAST", "LEVELS", "MAX_MULTISETS", "POOL_FROM", "disclosure", "levels", "mean_disclosure",
           "mean_levels", "pool_position", "rate_level", "rate_row", "share_unit", "MAX_SUMS"]

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


@dataclass(frozen=True)
class RateRow:
    """One decision as :func:`rate_level` reads it.

    shares : per multiset of the others' scores that fits what the page shows of the row, the
        reader's share of being nearest the team's decision, in 1 / ``unit`` (0 when a colleague was
        nearer; ``unit`` when the reader alone was nearest).
    present : those multisets x the grid's values: 1 where the multiset holds the value; None for a
        row whose multisets cannot be listed (a score off the grid, too many): it may then tell nothing.
    actual : the reader's share on this row, in the same units.
    unit : :func:`share_unit` of the largest team among the rows.
    """

    shares: np.ndarray
    present: np.ndarray | None
    actual: int
    unit: int
    _passes: dict = field(default_factory=dict, compare=False, repr=False)

    def passes(self, allowed: np.ndarray) -> bool:
        """Whether the multisets whose share ``allowed`` keeps pass the rule of :func:`levels`."""
        key = allowed.tobytes()
        if key not in self._passes:
            self._passes[key] = self._check(allowed)
        return self._passes[key]

    def _check(self, allowed: np.ndarray) -> bool:
        fits = np.isin(self.shares, allowed)
        if self.present is None:
            return bool(fits.all())
        if self.present.shape[1] == 0:  # nobody else on the row: nothing to give away
            return True
        return bool(fits.sum() >= AT_LEAST and not self.present[fits].all(axis=0).any())


#: Above this many sums of shares (decisions x :func:`share_unit`) a rate is not checked, and not printed.
MAX_SUMS = 2_000_000


def share_unit(team: int) -> int:
    """The unit shares of being nearest are counted in, for teams of up to ``team`` (every 1 / ties whole)."""
    return math.lcm(*range(1, max(int(team), 1) + 1))


def rate_row(table: dict[tuple, str], others: Sequence[float], own: float, target: float, grid: Sequence[float],
             threshold: float, shown: Callable[[float], str], unit: int = 60) -> RateRow:
    """The :class:`RateRow` of a decision: the reader scored ``own``, the ``others`` theirs, the team
    decided ``target``; ``table`` is the row's :func:`levels` (what the page shows of the others). Shares
    are counted as :func:`scoring.consensus.decisions` counts them (the least distance, ties shared), in
    1 / ``unit`` (:func:`share_unit` of the largest team, one for all the rows of a rate)."""
    others = tuple(sorted(float(o) for o in others))

    def share(values: np.ndarray) -> np.ndarray:  # values: multisets x k
        distance, own_distance = np.abs(target - values), abs(target - own)
        least = np.minimum(distance.min(axis=1, initial=np.inf), own_distance)
        ties = (distance == least[:, None]).sum(axis=1) + 1
        return np.where(own_distance == least, unit // ties, 0).astype(np.int64)

    actual = int(share(np.array([others], dtype=float).reshape(1, len(others)))[0])
    if not others:
        return RateRow(np.array([unit]), np.zeros((1, 0), dtype=np.int64), unit, unit)
    if others not in table:  # off the grid or not listed: any share it could have
        return RateRow(np.array([0, *(unit // j for j in range(1, len(others) + 2))]), None, actual, unit)
    seen, groups = _seen(table, own, tuple(sorted(set(float(g) for g in grid))), float(threshold), shown)
    values, present = groups[seen[others]]
    return RateRow(share(values), present, actual, unit)


def _seen(table: dict[tuple, str], own: float, grid: tuple, threshold: float, shown: Callable[[float], str],
          _cache: dict = {}) -> tuple[dict, dict]:  # noqa: B006  (a cache on purpose)
    """What the page shows of each multiset of ``table`` (its level, and the mean and flag where shown), and
    per thing shown the multisets that show it (values, and present: multisets x ``grid``)."""
    k = len(next(iter(table)))
    config = (k, own, grid, threshold, shown)
    if config not in _cache:
        if len(_cache) > 512:
            _cache.clear()
        texts: dict[float, str] = {}
        seen = {m: (lv, texts.setdefault(sum(m), shown(sum(m) / k)) if lv != "count" else "",
                    lv == "mean_flag" and _flag((*m, own), threshold)) for m, lv in table.items()}
        members: dict[tuple, list[tuple]] = {}
        for m, v in seen.items():
            members.setdefault(v, []).append(m)
        groups = {}
        for v, ms in members.items():
            values = np.array(ms, dtype=float).reshape(len(ms), k)
            present = np.zeros((len(ms), len(grid)), dtype=np.int64)
            present[np.arange(len(ms))[:, None], np.searchsorted(grid, values)] = 1
            groups[v] = (values, present)
        _cache[config] = (seen, groups)
    return _cache[config]


def rate_level(rows: Sequence[RateRow], said: Callable[[Fraction], object]) -> tuple[str, list[np.ndarray]]:
    """Whether a page may print a rate over ``rows`` (:class:`RateRow`), and what it then tells of each.

    ``said(S)`` is what the page prints for a sum of shares ``S`` (a :class:`fractions.Fraction` of
    decisions). For every text the page could print, each row's shares that some sum giving that text
    leaves possible (the other rows taking any of theirs) must keep the row passing
    (:meth:`RateRow.passes`). When the sums of every text that fails, taken together, do not pass (the
    page's "not shown" would tell too much), or there are more than :data:`MAX_SUMS` sums to check:
    ``("count", [])``, never a rate for these rows, whatever their sum. Else ``("rate", allowed)`` when
    the text of the actual sum passes, and ``("withheld", allowed)`` when it does not (the page says it
    withholds the rate). ``allowed`` holds, per row, the shares the reader can still think possible."""
    if not rows:
        return "rate", []
    unit = rows[0].unit
    if any(r.unit != unit for r in rows):
        raise ValueError("the rows of one rate count their shares in one unit")
    if len(rows) * unit > MAX_SUMS:
        return "count", []
    choices = [np.unique(r.shares) for r in rows]
    pre = [np.ones(1, dtype=bool)]
    for c in choices:
        pre.append(_add(pre[-1], c))
    post = [np.ones(1, dtype=bool)]
    for c in reversed(choices):
        post.append(_add(post[-1], c))
    post.reverse()
    sums = np.flatnonzero(pre[-1])
    texts: dict[object, int] = {}
    text = np.array([texts.setdefault(said(Fraction(int(s), unit)), len(texts)) for s in sums], dtype=np.intp)
    # per row and share: the texts some sum with that share gives (the other rows taking any of theirs)
    possible = []
    for i, c in enumerate(choices):
        rest = _convolve(pre[i], post[i + 1])
        reach = np.zeros((len(c), len(texts)), dtype=bool)
        for j, x in enumerate(c):
            ok = (sums >= x) & (sums - x < len(rest))
            reach[j, text[ok][rest[sums[ok] - x]]] = True
        possible.append(reach)

    def allowed_by(chosen: np.ndarray) -> list[np.ndarray]:
        return [c[reach[:, chosen].any(axis=1)] for c, reach in zip(choices, possible, strict=True)]

    def passing(chosen: np.ndarray) -> bool:
        return all(r.passes(a) for r, a in zip(rows, allowed_by(chosen), strict=True))

    fine = np.array([passing(np.array([t])) for t in range(len(texts))], dtype=bool)
    failing = np.flatnonzero(~fine)
    if len(failing) and not passing(failing):  # decided by what the page shows, never by the sum
        return "count", []
    actual = texts[said(Fraction(sum(r.actual for r in rows), unit))]
    if fine[actual]:
        return "rate", allowed_by(np.array([actual]))
    return "withheld", allowed_by(failing)


def _add(sums: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """The sums reachable with one more row whose share is any of ``shares`` (booleans by sum)."""
    out = np.zeros(len(sums) + int(shares.max()), dtype=bool)
    for x in shares:
        out[x:x + len(sums)] |= sums
    return out


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sums of one reachable in ``a`` and one in ``b`` (booleans by sum), by FFT."""
    n = len(a) + len(b) - 1
    size = 1 << (n - 1).bit_length()
    c = np.fft.irfft(np.fft.rfft(a.astype(float), size) * np.fft.rfft(b.astype(float), size), size)[:n]
    return c > 0.5


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
