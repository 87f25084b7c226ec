"""The letter to one entrant (återföringsrapport): what the unit's letter holds, and nothing about
any other entry or any examiner.

One letter per entry with a consensus and year (``notebooks/entry_letter.ipynb``); its Swedish
words are in :mod:`.words`. What the letter holds:

* per criterion the named band (``rubric.scale.lower_band``) of the entry's final score: the
  site-visit score where there is one, else the consensus (a mean between two bands takes the
  lower); the scores themselves never reach the page (the rubric has no setting that shows them);
* the overall band, by the same rule, of the weighted total of those final scores (the rubric's
  weights over the criteria with a score: the total the class position is counted from);
* the team's strengths and areas for development from the consensus rows (``strengths`` and
  ``improvements`` of ``scores.csv``, one point per line; a missing column is no text), with
  every examiner code, other entry's code and name (aliases too) and other district in them
  replaced (:class:`Others`);
* where the entry stands in its class, as a quarter of the other entries' final totals, only
  from :data:`scoring.disclosure.POOL_FROM` others (:func:`class_position`): no other entry's
  name, code or score;
* its development since its last participation: the bands of the unit's latest earlier entry
  with final scores (linked by ``unit_id`` in ``entries.csv``) beside this year's;
* the rubric's questions of its two weakest criteria, with their wording where the rubric
  gives it.

Nothing of other entries leaves this module but the quarter; the executed notebook stores only
what the page shows.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from ...data import NOT_PEOPLE, available_years, examiner_codes, load_year, read_entries
from ...data.years import YearData
from ...disclosure import POOL_FROM, pool_position
from ...names import Matcher, code_head, folded, name_forms
from ...paths import DATA_DIR
from ...presentation.labels import is_demo
from ...problems import InputError
from ...rubric import Rubric, load_rubric

__all__ = [
    "POOL_FROM",
    "TEXTS",
    "ClassPosition",
    "Development",
    "EntryLetter",
    "Others",
    "class_position",
    "consensus_texts",
    "development",
    "entry_letter",
    "final_scores",
    "has_consensus",
    "others",
    "weakest",
]

logger = logging.getLogger(__name__)

#: The consensus rows' text columns: the team's strengths and areas for development.
TEXTS = ("strengths", "improvements")
#: What replaces an examiner's code, another entry's code or name, and another district in a text.
EXAMINER, ENTRY, DISTRICT = "[examinator]", "[verksamhet]", "[stadsdel]"
#: How many of the weakest criteria the letter points to.
WEAKEST = 2

_BULLET = re.compile(r"^\s*(?:[-–•*·]|\d+[.)])\s+")


# --------------------------------------------------------------------------- scores and texts


def final_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """Each entry's final score per criterion: the site-visit score where there is one, else the consensus.

    Parameters
    ----------
    scores : criterion-level scores of a year (``load_year(...).scores``).

    Returns
    -------
    DataFrame
        entry_id, criterion, score (the mean of the stage's rows: one row per team as a rule),
        stage (``site_visit`` or ``consensus``); one row per entry and criterion with either.
    """
    rows = []
    for stage in ("site_visit", "consensus"):
        s = scores.loc[scores["stage"] == stage]
        rows.append(s.groupby(["entry_id", "criterion"], as_index=False)["score"].mean().assign(stage=stage))
    both = pd.concat(rows, ignore_index=True)
    out = both.drop_duplicates(["entry_id", "criterion"], keep="first")  # the site visit's first
    return out[["entry_id", "criterion", "score", "stage"]].astype({"score": float}).reset_index(drop=True)


def has_consensus(year_data: YearData) -> list[str]:
    """The year's entries (of ``entries.csv``) with at least one consensus score, in file order."""
    agreed = set(year_data.scores.loc[year_data.scores["stage"] == "consensus", "entry_id"].astype(str).tolist())
    return [e for e in year_data.entries["entry_id"].astype(str).tolist() if e in agreed]


def _points(text) -> list[str]:
    """One point per line of a text cell: blank lines dropped, a leading bullet or number removed."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    points = []
    for line in str(text).splitlines():
        line = " ".join(_BULLET.sub("", line).split())
        if line:
            points.append(line)
    return points


def consensus_texts(year_data: YearData) -> pd.DataFrame:
    """The team's strengths and areas for development per entry and criterion, as written.

    Read from the consensus rows' ``strengths`` and ``improvements`` columns of
    ``year_data.raw_scores`` (question rows of a criterion joined), else of ``year_data.scores``;
    a column that neither has gives no text.

    Returns
    -------
    DataFrame
        entry_id, criterion, strengths, improvements: each a tuple of points (one per line, in
        the order written, repeated points once); one row per entry and criterion with a
        consensus row.
    """
    frame = next((f for f in (year_data.raw_scores, year_data.scores)
                  if f is not None and any(c in f.columns for c in TEXTS)), year_data.scores)
    rows = frame.loc[frame["stage"] == "consensus"]
    if "question" in rows.columns:
        rows = rows.sort_values("question", kind="stable", na_position="first")
    rows = rows.loc[rows["entry_id"].notna() & rows["criterion"].notna()]
    # one pass over the rows (a national year has tens of thousands of groups): each entry and
    # criterion in the order of its first row, each distinct cell split into points once
    cells = {c: rows[c].tolist() if c in rows.columns else [None] * len(rows) for c in TEXTS}
    split: dict[object, list[str]] = {}
    groups: dict[tuple[str, str], dict[str, dict[str, None]]] = {}
    for i, key in enumerate(zip(rows["entry_id"].astype(str).tolist(), rows["criterion"].astype(str).tolist(),
                                strict=True)):
        points = groups.setdefault(key, {c: {} for c in TEXTS})
        for column in TEXTS:
            cell = cells[column][i]
            found = split.get(cell) if isinstance(cell, str) else None
            if found is None:
                found = _points(cell)
                if isinstance(cell, str):
                    split[cell] = found
            points[column].update(dict.fromkeys(found))
    out = [{"entry_id": e, "criterion": c, **{col: tuple(p[col]) for col in TEXTS}} for (e, c), p in groups.items()]
    return pd.DataFrame(out, columns=["entry_id", "criterion", *TEXTS])


# --------------------------------------------------------------------------- the others


def _entries_of(year: int, data_dir: Path) -> pd.DataFrame:
    """``entries.csv`` of a year as far as it can be read (never raises: an unreadable file is no rows)."""
    path = Path(data_dir) / str(year) / "entries.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["entry_id", "name", "district", "aliases", "unit_id"])
    try:
        rubric = load_rubric(year=year, data_dir=data_dir)
    except InputError:
        rubric = load_rubric()
    return read_entries(path, rubric)[0]


def _all_entries(data_dir: Path) -> pd.DataFrame:
    """Every year's entries: year, entry_id, name, district, aliases, unit_id."""
    frames = [_entries_of(y, data_dir).assign(year=y) for y in available_years(data_dir)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["year", "entry_id", "name", "district", "aliases", "unit_id"])
    return pd.concat(frames, ignore_index=True)[["year", "entry_id", "name", "district", "aliases", "unit_id"]]


def _texts(values) -> list[str]:
    return [str(v) for v in values if isinstance(v, str) and v.strip()]


def _aliases(values) -> list[str]:
    return [a.strip() for v in _texts(values) for a in v.split(";") if a.strip()]


@dataclass(frozen=True)
class Others:
    """Everyone and everything a letter must not name, and the redaction of a text that does.

    Attributes
    ----------
    examiners : every examiner code of the data (any year, training folders too).
    entries : every other entry's code (any year).
    names : the forms (:func:`scoring.names.name_forms`) of every other entry's name and alias,
        any year, but those of the unit's own entries (the same ``unit_id``).
    districts : the forms of every district of any year's entries but the unit's own.

    A form that the letter's own words hold (the unit's name, aliases and district, a criterion's,
    band's or class's label, a question's wording) is left out: the letter shows those words, and
    they cannot be told apart. The longer forms that hold it stay (``Hemtjänst Rönnhagen`` in the
    letter to ``Daglig verksamhet Rönnhagen``), looked for as they are (``Forbidden(forms=...)``).
    """

    examiners: frozenset[str]
    entries: frozenset[str]
    names: frozenset[str]
    districts: frozenset[str]

    @property
    def codes(self) -> frozenset[str]:
        return self.examiners | self.entries

    def forbidden(self):
        """The :class:`scoring.reports.privacy.Forbidden` the privacy guard checks the letter's files with."""
        from ...reports.privacy import Forbidden

        return Forbidden(codes=self.codes, forms=self.names | self.districts)

    def redact(self, text: str) -> str:
        """``text`` with every examiner code, other entry's code or name and other district replaced
        (:data:`EXAMINER`, :data:`ENTRY`, :data:`DISTRICT`), found as the privacy guard finds them."""
        if not isinstance(text, str) or not text:
            return text
        words = _words(text)
        present = frozenset(t for t, head in self._heads.items() if head is None or _starts(words, head))
        if not present:
            return text
        if present not in self._matchers:
            codes = {c: v for c, v in self._terms.items() if c in present and c in self.codes}
            names = {n: v for n, v in self._terms.items() if n in present and n not in self.codes}
            self._matchers[present] = Matcher(codes=codes, names=names)
        return self._matchers[present].sub(text, lambda _term, value: value)

    @cached_property
    def _terms(self) -> dict[str, str]:
        """Every term to replace and what replaces it (a district's form before an entry name's)."""
        terms = {n: ENTRY for n in self.names} | {n: DISTRICT for n in self.districts}
        return terms | {c: ENTRY for c in self.entries} | {c: EXAMINER for c in self.examiners}

    @cached_property
    def _heads(self) -> dict[str, str | None]:
        return {t: code_head(t) if t in self.codes else _head(t) for t in self._terms}

    @cached_property
    def _matchers(self) -> dict[frozenset, Matcher]:
        return {}


def _rubric_words(rubric: Rubric) -> list[str]:
    words = [c.label_sv for c in rubric.criteria] + [b.label_sv for b in rubric.scale.bands]
    words += [c.label_sv for c in rubric.classes] + [t for c in rubric.criteria for _, t in c.question_texts]
    return words


_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    """The distinct words of ``text`` as the matcher sees them (folded), sorted."""
    return sorted(set(_WORD.findall(folded(text))))


def _head(term: str) -> str | None:
    """What a match of ``term`` starts with (its first folded word, without a last "s" as the
    matcher stems it); None when it has no word (always looked for)."""
    first = _WORD.findall(folded(term))
    if not first:
        return None
    return first[0][:-1] if first[0].endswith("s") and len(first[0]) > 4 else first[0]


def _starts(words: list[str], head: str) -> bool:
    """Whether a word of ``words`` (sorted) starts with ``head``."""
    i = bisect.bisect_left(words, head)
    return i < len(words) and words[i].startswith(head)


def _forms_not_in(names: list[str], shown: str) -> frozenset[str]:
    """The forms of ``names`` that ``shown`` does not hold."""
    forms = {f for name in names for f in name_forms(name)}
    words = _words(shown)
    # only a form whose first word starts a word of ``shown`` can be in it
    candidates = {f for f in forms if (h := _head(f)) is None or _starts(words, h)}
    found: set[str] = set()
    while candidates - found:  # a matcher finds the longest match at a place: look again without it
        new = {term for _s, _e, term, _v in Matcher(names=candidates - found).find(shown)}
        if not new:
            break
        found |= new
    return frozenset(forms - found)


def _page_words() -> str:
    """The words every letter's files hold whatever the data: the page's head, stylesheet and
    Content-Security-Policy, the markup the rendering path writes, and the notebook's own prose.
    A name made of such words cannot be told from the page itself (the guard would refuse every
    letter), so it is left out like the letter's own words."""
    import json

    from ...paths import NOTEBOOKS_DIR
    from ...reports.page import RENDER_TAGS, document

    markup = " ".join([*RENDER_TAGS, *(a for attrs in RENDER_TAGS.values() for a in attrs)])
    try:
        cells = json.loads((NOTEBOOKS_DIR / "entry_letter.ipynb").read_text(encoding="utf-8"))["cells"]
        prose = " ".join("".join(c["source"]) for c in cells)
    except (OSError, ValueError, KeyError):
        prose = ""
    return "\n".join([document("", ""), markup, prose])


def others(year: int, entry_id: str, data_dir: str | Path | None = None) -> Others:
    """What the letter to ``entry_id`` of ``year`` must not name (see :class:`Others`)."""
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    every = _all_entries(data_dir)
    every["entry_id"] = every["entry_id"].astype(str)
    this = (every["year"] == int(year)) & (every["entry_id"] == str(entry_id))
    units = set(_texts(every.loc[this, "unit_id"]))
    own = every.loc[this | every["unit_id"].isin(units)]
    rest = every.drop(index=own.index)
    shown = [*_texts(own["name"]), *_aliases(own["aliases"]), *_texts(own["district"])]
    try:
        shown += _rubric_words(load_rubric(year=year, data_dir=data_dir))
    except InputError:
        pass
    text = "\n".join([*shown, _page_words()])
    return Others(
        examiners=frozenset(examiner_codes(data_dir) - NOT_PEOPLE),
        entries=frozenset(rest["entry_id"]) - {str(entry_id)},
        names=_forms_not_in([*_texts(rest["name"]), *_aliases(rest["aliases"])], text),
        districts=_forms_not_in(sorted(set(_texts(rest["district"]))), text),
    )


# --------------------------------------------------------------------------- the class


@dataclass(frozen=True)
class ClassPosition:
    """Where the entry stands in its class.

    others : how many other entries of the class have a final score.
    quarter : 1 (the top quarter of them) to 4 (the bottom quarter); None when there are fewer
        than :data:`POOL_FROM` others or the entry has no final total.
    """

    others: int
    quarter: int | None


def _totals(final: pd.DataFrame, rubric: Rubric) -> pd.Series:
    """Each entry's weighted total of its final scores (weights over the criteria it has)."""
    w = final["criterion"].map(rubric.weights).astype(float)
    scored = final.assign(_w=w, _ws=w * final["score"]).dropna(subset=["_w"])
    sums = scored.groupby("entry_id")[["_w", "_ws"]].sum()
    sums = sums[sums["_w"] > 0]
    return (sums["_ws"] / sums["_w"]).astype(float)


def class_position(entry_id: str, year_data: YearData, final: pd.DataFrame | None = None) -> ClassPosition:
    """The entry's quarter among the other entries of its class with a final score (see :class:`ClassPosition`).

    The quarter comes from the share of the others whose weighted total of final scores is
    below the entry's (ties counted as half; :func:`scoring.disclosure.pool_position`): at least
    three quarters below is the top quarter, at least half the second, at least a quarter the third.
    """
    final = final_scores(year_data.scores) if final is None else final
    totals = _totals(final, year_data.rubric)
    entries = year_data.entries.assign(entry_id=year_data.entries["entry_id"].astype(str))
    cls = entries.loc[entries["entry_id"] == str(entry_id), "class"]
    if cls.empty:
        return ClassPosition(0, None)
    same = set(entries.loc[entries["class"] == cls.iloc[0], "entry_id"]) - {str(entry_id)}
    pool = totals[totals.index.isin(same)].to_numpy(dtype=float)
    own = totals.get(str(entry_id), np.nan)
    if len(pool) < POOL_FROM or not np.isfinite(own):
        return ClassPosition(len(pool), None)
    share = pool_position(float(own), pool)["share_below"]
    quarter = 1 if share >= 0.75 else 2 if share >= 0.5 else 3 if share >= 0.25 else 4
    return ClassPosition(len(pool), quarter)


# --------------------------------------------------------------------------- development


@dataclass
class Development:
    """The unit's development since its last participation.

    Attributes
    ----------
    earlier_year : the year of the unit's latest earlier entry with final scores (None: none known).
    rows : one row per criterion of this year's rubric: criterion, earlier_band and band (Swedish
        labels, None where there is none), change (``higher``, ``same``, ``lower``; None when it
        cannot be told: a criterion or band missing in either year, or the bands changed).
    unreadable : later participations whose data could not be read (years, newest first).
    """

    earlier_year: int | None
    rows: pd.DataFrame
    unreadable: list[int] = field(default_factory=list)


def _band_index(rubric: Rubric, score) -> int | None:
    band = rubric.scale.lower_band(score)
    return None if band is None else rubric.scale.bands.index(band)


def development(year: int, entry_id: str, year_data: YearData, data_dir: str | Path | None = None,
                final: pd.DataFrame | None = None) -> Development:
    """The unit's bands in its latest earlier participation (by ``unit_id``) beside this year's."""
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    empty = Development(None, pd.DataFrame(columns=["criterion", "earlier_band", "band", "change"]))
    own = year_data.entries.loc[year_data.entries["entry_id"].astype(str) == str(entry_id), "unit_id"]
    unit = next(iter(_texts(own)), None)
    if unit is None:
        return empty
    final = final_scores(year_data.scores) if final is None else final
    mine = final.loc[final["entry_id"] == str(entry_id)].set_index("criterion")["score"]
    unreadable = []
    for earlier in sorted((y for y in available_years(data_dir) if y < int(year)), reverse=True):
        entries = _entries_of(earlier, data_dir)
        ids = entries.loc[entries["unit_id"].fillna("").astype(str) == unit, "entry_id"].astype(str).tolist()
        if not ids:
            continue
        try:
            then = load_year(earlier, data_dir)
        except InputError:
            unreadable.append(earlier)
            continue
        before = final_scores(then.scores)
        before = before.loc[before["entry_id"].isin(ids)]
        if before.empty:
            continue
        before = before.groupby("criterion")["score"].mean()
        same_bands = [b.label_sv for b in then.rubric.scale.bands] == [b.label_sv for b in year_data.rubric.scale.bands]
        rows = []
        for c in year_data.rubric.criterion_ids:
            old, new = before.get(c, np.nan), mine.get(c, np.nan)
            old_band = then.rubric.scale.lower_band(old) if c in then.rubric.criterion_ids else None
            new_band = year_data.rubric.scale.lower_band(new)
            change = None
            if same_bands and old_band is not None and new_band is not None:
                i, j = _band_index(then.rubric, old), _band_index(year_data.rubric, new)
                change = "higher" if j > i else "lower" if j < i else "same"
            rows.append({"criterion": c, "earlier_band": old_band.label_sv if old_band else None,
                         "band": new_band.label_sv if new_band else None, "change": change})
        return Development(earlier, pd.DataFrame(rows, columns=empty.rows.columns), unreadable)
    return Development(None, empty.rows, unreadable)


# --------------------------------------------------------------------------- the letter


def weakest(criteria: pd.DataFrame, rubric: Rubric, n: int = WEAKEST) -> list[str]:
    """The ``n`` criteria with the lowest final score (ties in the rubric's order); criteria without one never."""
    order = {c: i for i, c in enumerate(rubric.criterion_ids)}
    scored = criteria.dropna(subset=["score"]).assign(_order=lambda d: d["criterion"].map(order))
    return scored.sort_values(["score", "_order"], kind="stable")["criterion"].head(n).tolist()


@dataclass
class EntryLetter:
    """Everything one entrant's letter shows, and nothing about another entry or any examiner.

    Attributes
    ----------
    year, entry_id, name, class_id, rubric : whom the letter is to, and the year's rubric.
    criteria : one row per criterion of the rubric, in its order: criterion, score (the final
        score, never shown), stage (``site_visit``, ``consensus`` or None), band (the Swedish label
        of its band, None without one), strengths and improvements (tuples of points, redacted).
    position : :class:`ClassPosition` in the class.
    development : :class:`Development` since the last participation.
    weakest : the two weakest criteria (ids), for where to look next.
    demo : the entries are the synthetic demo's.
    overall : the Swedish label of the band of the weighted total of the final scores (None when
        the rubric has no bands or the entry no final score).
    """

    year: int
    entry_id: str
    name: str
    class_id: str
    rubric: Rubric
    criteria: pd.DataFrame
    position: ClassPosition
    development: Development
    weakest: list[str]
    demo: bool = False
    overall: str | None = None

    def __repr__(self) -> str:
        return f"<EntryLetter {self.entry_id} {self.year}>"


def entry_letter(year: int, entry_id: str = "", data_dir: str | Path | None = None) -> EntryLetter:
    """Gather the letter to one entrant.

    Parameters
    ----------
    year : the award year.
    entry_id : the entry; empty: the year's first entry (in ``entries.csv``) with a consensus,
        so that the notebook runs as committed (its default names nobody).
    data_dir : the data folder (default :data:`scoring.paths.DATA_DIR`).

    Raises
    ------
    ValueError
        When the entry is not in the year's entries or has no consensus score: no letter is
        written for an entry the team has not agreed on.
    InputError
        When the year's data has errors.
    """
    year = int(year)
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    yd = load_year(year, data_dir)
    agreed = has_consensus(yd)
    code = str(entry_id if entry_id is not None else "").strip()
    if not code:
        if not agreed:
            raise ValueError(f"no entry of {year} has a consensus score, so there is no letter to write")
        code = agreed[0]
    entries = yd.entries.assign(entry_id=yd.entries["entry_id"].astype(str))
    row = entries.loc[entries["entry_id"] == code]
    if row.empty:
        raise ValueError(f"entry {code!r} is not among the entries of {year}")
    if code not in agreed:
        raise ValueError(f"entry {code} has no consensus score in {year}: no letter is written for it")
    row = row.iloc[0]

    final = final_scores(yd.scores)
    mine = final.loc[final["entry_id"] == code].set_index("criterion")
    texts = consensus_texts(yd)
    texts = texts.loc[texts["entry_id"] == code].set_index("criterion")
    hidden = others(year, code, data_dir)
    rows = []
    for c in yd.rubric.criterion_ids:
        score = float(mine["score"].get(c, np.nan))
        band = yd.rubric.scale.lower_band(score)
        rec = {"criterion": c, "score": score, "stage": mine["stage"].get(c), "band": band.label_sv if band else None}
        for column in TEXTS:
            points = texts[column].get(c, ()) if c in texts.index else ()
            rec[column] = tuple(hidden.redact(p) for p in points)
        rows.append(rec)
    criteria = pd.DataFrame(rows, columns=["criterion", "score", "stage", "band", *TEXTS])
    overall = yd.rubric.scale.lower_band(_totals(final.loc[final["entry_id"] == code], yd.rubric).get(code, np.nan))
    return EntryLetter(
        year=year, entry_id=code, name=str(row["name"]), class_id=str(row["class"]), rubric=yd.rubric,
        criteria=criteria, position=class_position(code, yd, final),
        development=development(year, code, yd, data_dir, final), weakest=weakest(criteria, yd.rubric),
        demo=is_demo(yd.entries), overall=overall.label_sv if overall else None,
    )
