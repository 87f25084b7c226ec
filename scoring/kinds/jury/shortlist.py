"""The site-visit shortlist: per class the entries worth a visit, each with the reason.

Places count among the class's entries that can win, as in the jury packs and ``scoring rank``
(``rank_entries``' ``rank``); an entry whose budget is not in balance cannot win and is not
proposed (the jury's overview names those that would have been among the best). An eligible
entry is on the list of its class when

* it is among the ``visits`` best by the adjusted score (its rank under
  ``rank_entries(method="adjusted")`` is at most ``visits``; a tie at the last place takes
  every entry of the tie): basis ``top``;
* else its rank interval (the 90 % interval of its place, as the jury pack prints it) reaches
  place ``visits``: basis ``interval``;
* else another way of counting the scores (``consensus``, ``mean``, ``median``, ``trimmed``,
  ``zscore``) puts it among the ``visits`` best: basis ``method``.

An entry whose place among the ``visits`` best is not the same under every way of counting is
flagged (``method_dependent``), and ``methods`` names the ways of counting that decide otherwise
than the adjusted score (a way of counting that gives the entry no place, for want of its scores,
decides nothing). Ranks and intervals are those of the jury packs and ``scoring rank``
(2000 replicates, seed 0). :func:`shortlist_table` is the rule on given rankings;
:func:`shortlist` applies it to a year of the data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .pack import METHOD_PHRASES, N_DRAWS

__all__ = ["BASES", "SHORTLIST_COLUMNS", "shortlist", "shortlist_table", "method_ranks"]

#: Why an entry is on the list: by its place, by its rank interval, by another way of counting.
BASES = ("top", "interval", "method")
#: Columns of the list, in order (``name`` only when the ranking has names).
SHORTLIST_COLUMNS = ("class", "entry_id", "name", "rank", "rank_low", "rank_high", "score", "p_first", "eligible",
                     "basis", "method_dependent", "methods", "reason")


#: The ways of counting the list compares with the adjusted score.
OTHER_METHODS = ("consensus", "mean", "median", "trimmed", "zscore")


def method_ranks(scores: pd.DataFrame, entries: pd.DataFrame, *, rubric=None, model=None,
                 methods=OTHER_METHODS) -> pd.DataFrame:
    """Each entry's place in its class under each other way of counting: ``entry_id, method, rank``
    (``rank_entries``' ``rank``, among the class's eligible entries: ``scoring.ranking.method_places``)."""
    from ...ranking import method_places

    return method_places(scores, entries, methods=methods, rubric=rubric, model=model)[["entry_id", "method", "rank"]]


def _phrases(methods: list[str]) -> str:
    words = [METHOD_PHRASES.get(m, m) for m in methods]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " och " + words[-1]


def _reason(row: dict, visits: int, inside: list[str], outside: list[str]) -> str:
    rank = int(row["rank"])
    top = f"de {visits} främsta" if visits > 1 else "den främsta"
    if row["basis"] == "top":
        text = f"Plats {rank} med justerade poäng: bland {top}."
        if outside:
            text += f" Hamnar utanför {top} om rangordningen görs {_phrases(outside)}."
    elif row["basis"] == "interval":
        low, high = int(row["rank_low"]), int(row["rank_high"])
        text = (f"Plats {rank} med justerade poäng, men den möjliga placeringen {low}–{high} når plats {visits}: "
                "bidraget kan höra till de främsta.")
        if inside:
            text += f" Bland {top} om rangordningen görs {_phrases(inside)}."
    else:
        text = f"Plats {rank} med justerade poäng, men bland {top} om rangordningen görs {_phrases(inside)}."
    return text


def shortlist_table(ranking: pd.DataFrame, ranks: pd.DataFrame | None, visits: int = 3) -> pd.DataFrame:
    """The shortlist from given rankings (see the module docstring for the rule).

    Parameters
    ----------
    ranking : ``rank_entries(method="adjusted")`` rows: ``entry_id, class, score, rank, rank_low,
        rank_high, eligible, p_first`` (and ``name``), in class order; the rows of entries that
        cannot win are passed over.
    ranks : the other ways of counting, ``entry_id, method, rank`` (:func:`method_ranks`); None
        or empty: no method is compared.
    visits : how many entries of a class are visited (K), at least 1.

    Returns
    -------
    DataFrame
        Columns :data:`SHORTLIST_COLUMNS`: one row per entry on the list (all eligible), by class
        (in the ranking's order) and rank. ``basis`` is one of :data:`BASES`; ``method_dependent``
        True when some way of counting puts the entry inside the ``visits`` best and another
        outside; ``methods`` the ways of counting (ids, comma-separated) that decide otherwise
        than the adjusted score; ``reason`` why, in Swedish.
    """
    visits = int(visits)
    if visits < 1:
        raise ValueError(f"visits must be at least 1, got {visits}")
    other: dict[str, dict[str, float]] = {}
    if ranks is not None and len(ranks):
        for eid, method, rank in zip(ranks["entry_id"], ranks["method"], ranks["rank"], strict=True):
            other.setdefault(str(method), {})[str(eid)] = rank
    rows = []
    order = list(dict.fromkeys(ranking["class"]))
    for _, r in ranking.iterrows():
        if pd.isna(r["rank"]) or not bool(r["eligible"]):
            continue  # no score: no place; cannot win: not proposed
        eid = str(r["entry_id"])
        in_top = int(r["rank"]) <= visits
        ranked = {m: by[eid] for m, by in other.items() if pd.notna(by.get(eid))}  # a method may not rank it
        inside = [m for m, rank in ranked.items() if int(rank) <= visits]
        outside = [m for m, rank in ranked.items() if int(rank) > visits]
        if in_top:
            basis = "top"
        elif pd.notna(r["rank_low"]) and int(r["rank_low"]) <= visits:
            basis = "interval"
        elif inside:
            basis = "method"
        else:
            continue
        differ = outside if in_top else inside
        row = {
            "class": r["class"], "entry_id": eid, "name": r.get("name", ""), "rank": r["rank"],
            "rank_low": r["rank_low"], "rank_high": r["rank_high"], "score": r["score"], "p_first": r["p_first"],
            "eligible": bool(r["eligible"]), "basis": basis, "method_dependent": bool(differ),
            "methods": ", ".join(differ),
        }
        row["reason"] = _reason(row, visits, inside, outside)
        rows.append(row)
    columns = [c for c in SHORTLIST_COLUMNS if c != "name" or "name" in ranking.columns]
    out = pd.DataFrame(rows, columns=list(SHORTLIST_COLUMNS))[columns]
    if out.empty:
        return out
    out = out.assign(_c=out["class"].map({c: i for i, c in enumerate(order)}))
    out = out.sort_values(["_c", "rank", "entry_id"], kind="stable").drop(columns="_c").reset_index(drop=True)
    for c in ("rank", "rank_low", "rank_high"):
        out[c] = out[c].astype("Int64")
    return out


def shortlist(year: int, visits: int = 3, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The year's site-visit shortlist (:func:`shortlist_table`): per class the ``visits`` best by
    the adjusted score, any entry whose rank interval reaches place ``visits``, and any entry
    another way of counting puts there, each with the reason; the ranks as the jury packs and
    ``scoring rank`` give them.

    Raises
    ------
    InputError
        When the year's data have errors (``scoring.data.load_year``).
    ValueError
        When ``visits`` is below 1.
    """
    from ...calibration import year_model
    from ...data import load_year
    from .pack import _year_tables

    if int(visits) < 1:
        raise ValueError(f"visits must be at least 1, got {visits}")
    yd = load_year(year, data_dir)
    ranking, _, places = _year_tables(yd, year_model(yd, data_dir), data_dir, N_DRAWS, 0)
    # the other ways of counting, as method_ranks gives them: the places the packs already have
    ranks = places.loc[places["method"].isin(OTHER_METHODS), ["entry_id", "method", "rank"]].reset_index(drop=True)
    return shortlist_table(ranking, ranks, visits)
