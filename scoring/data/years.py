"""Years: a year's folder read and checked as a whole (:func:`load_year`), and the years before it.

A year's files live in ``<data_dir>/<year>/``: ``scores.csv`` and ``entries.csv`` (both
required), an optional ``rubric.toml`` override and the year's training sessions in
``training/<session>/`` (:func:`sessions_dir`; read by :mod:`scoring.data.sessions`). A
``training.csv`` (same columns as ``scores.csv``), the layout before training sessions, is
still read. Only folders named by a year in the digits 0–9 are years; a folder whose name
reads as a year written otherwise ("２０２４", "٢٠٢٤", "²⁰²⁴", "2024 ") is refused by name
(:func:`misnamed_years`), never taken for one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..cache import cache_key, cached, folder_state
from ..paths import DATA_DIR
from ..problems import InputError, Problem, display_path
from ..rubric import Rubric, load_rubric
from .entries import read_entries
from .scores import NOT_PEOPLE, criterion_scores, read_scores
from .tables import _YEAR, _lines, collector_paused, read_csv_table

__all__ = [
    "History",
    "LeftOutYear",
    "YearData",
    "available_years",
    "copied_years",
    "examiner_codes",
    "load_history",
    "load_year",
    "misnamed_years",
    "missing_entries",
    "rubric_for",
    "sessions_dir",
    "year_entries",
    "year_folder",
]


@dataclass
class YearData:
    """Everything read for one year.

    Attributes
    ----------
    year : the award year.
    rubric : the year's rubric (base plus the year's override).
    scores : criterion-level scores (:func:`criterion_scores` of ``raw_scores``).
    raw_scores : the rows of scores.csv as read (question-level rows kept).
    entries : the entries (:func:`read_entries`).
    training : criterion-level scores of a ``training.csv`` (the layout before training
        sessions), or None without one; sessions are read with
        :func:`scoring.data.sessions.load_session`.
    problems : notes about the input (errors are raised by :func:`load_year` instead).
    raw_training : the rows of training.csv as read, or None.
    """

    year: int
    rubric: Rubric
    scores: pd.DataFrame
    raw_scores: pd.DataFrame
    entries: pd.DataFrame
    training: pd.DataFrame | None
    problems: list[Problem] = field(default_factory=list)
    raw_training: pd.DataFrame | None = None


#: A year within a folder's name ("2025 (kopia)").
_YEAR_IN = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")


def _is_year_name(name: str) -> bool:
    """True for a year written in the digits 0–9 ("2024"), the only names of year folders."""
    return bool(_YEAR.fullmatch(name))


def _other_digits_year(name: str) -> int | None:
    """The year a name means when it is not a plain year but reads as one: four digits of
    another script or form ("２０２４", "٢٠٢٤", "²⁰²⁴"), or a year with spaces or invisible
    characters around or in it. None for a plain year and for a name that is no year at all."""
    if _is_year_name(name):
        return None
    kept = [ch for ch in name if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf"))]
    digits = [unicodedata.digit(ch, None) for ch in kept]
    if len(digits) != 4 or None in digits:
        return None
    return int("".join(str(d) for d in digits))


def _misnamed(folder: Path) -> Problem | None:
    """The refusal of a folder whose name reads as a year but is not written in the digits 0–9."""
    year = _other_digits_year(folder.name)
    if year is None:
        return None
    return Problem(display_path(folder), None, None, f"not a year folder: its name is not a year written in the "
                                                     f"digits 0–9; rename it {year} if it holds {year}'s files")


def misnamed_years(data_dir: str | Path | None = None) -> list[Problem]:
    """An error per folder of ``data_dir`` whose name reads as a year but is not one written in
    the digits 0–9 ("２０２４", "٢٠٢٤", "²⁰²⁴", "2024 "), naming it: such a folder is not a year
    (:func:`available_years` leaves it out), and this says why."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    if not data_dir.is_dir():
        return []
    return [p for f in sorted(data_dir.iterdir()) if f.is_dir() and (p := _misnamed(f)) is not None]


def copied_years(data_dir: str | Path) -> list[Problem]:
    """A note per folder of ``data_dir`` whose name holds a year but is none ("2025 (kopia)", "2024.bak") and
    that holds CSV files: not read as a year, and this says so by name."""
    folders = sorted(f for f in Path(data_dir).iterdir() if f.is_dir() and not _is_year_name(f.name)
                     and _other_digits_year(f.name) is None and _YEAR_IN.search(f.name) and any(f.glob("*.csv")))
    return [Problem(display_path(f), None, None, "not read: only a folder named by the year alone "
                                                 f"({_YEAR_IN.search(f.name)[0]}) is read as a year", "note")
            for f in folders]


def _year(year: int | str, data_dir: str | Path) -> int:
    """``year`` as a number; a text that is not a year written in the digits 0–9 is refused by name."""
    if isinstance(year, str) and not _is_year_name(year.strip()):
        folder = Path(data_dir) / year
        raise InputError([_misnamed(folder) or Problem(display_path(folder), None, None,
                                                       "not a year: write it in the digits 0–9, e.g. 2024")])
    return int(year)


def year_folder(year: int | str, data_dir: str | Path) -> Path:
    """The folder of a year's files, ``<data_dir>/<year>/``.

    Raises
    ------
    InputError
        "no data for <year>: folder not found", naming the folder, when it does not exist
        (and naming a folder that reads as that year but is not written in the digits 0–9);
        a ``year`` given as text that is not a year in the digits 0–9 is refused by name.
    """
    year = _year(year, data_dir)
    folder = Path(data_dir) / str(year)
    if not folder.is_dir():
        problems = [Problem(display_path(folder), None, None, f"no data for {year}: folder not found")]
        problems += [p for p in misnamed_years(data_dir) if _other_digits_year(Path(p.file).name) == year]
        raise InputError(problems)
    return folder


def sessions_dir(year: int | str, data_dir: str | Path | None = None) -> Path:
    """``<data_dir>/<year>/training/``, where a year's training sessions live (one folder each)."""
    return Path(data_dir if data_dir is not None else DATA_DIR) / str(year) / "training"


def available_years(data_dir: str | Path | None = None) -> list[int]:
    """The years in ``data_dir`` (default ``scoring.paths.DATA_DIR``): folders named by a year in
    the digits 0–9 holding a scores.csv, sorted (:func:`misnamed_years` names the folders that
    read as years but are not)."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    if not data_dir.is_dir():
        return []
    return sorted(
        int(p.name) for p in data_dir.iterdir() if p.is_dir() and _is_year_name(p.name) and (p / "scores.csv").is_file()
    )


def examiner_codes(data_dir: str | Path | None = None) -> frozenset[str]:
    """Every ``examiner_id`` value in any CSV file under any year folder (training folders
    included), but the codes that are no person (:data:`NOT_PEOPLE`). Read once per state of the
    folder's files (:func:`scoring.cache.folder_state`; every letter of a run asks)."""
    folder = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    return cached("codes", cache_key(folder, folder_state(folder), files=[]), lambda: _read_codes(folder), frozenset)


@collector_paused()  # each file's cells freed before the collector resumes (read_scores says why)
def _read_codes(data_dir: Path) -> frozenset[str]:
    codes: set[str] = set()
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        if not (year_dir.is_dir() and _is_year_name(year_dir.name)):
            continue
        for path in sorted(year_dir.rglob("*.csv")):
            table, _problems = read_csv_table(path, display_path(path))
            if table is None or "examiner_id" not in table.columns:
                continue
            i = table.columns["examiner_id"]
            codes.update(cells[i] for _, cells in table.rows if cells[i])
    return frozenset(codes - NOT_PEOPLE)


def missing_entries(
    scores: pd.DataFrame, entries: pd.DataFrame, scores_where: str, entries_where: str
) -> list[Problem]:
    """One error per entry id of ``scores`` (with ``line``) that is not in ``entries``,
    located at its first line in ``scores_where`` and counting its rows."""
    known = set(entries["entry_id"])
    problems = []
    missing = scores.loc[~scores["entry_id"].isin(known)]
    for eid, lines in missing.groupby("entry_id", sort=False)["line"]:
        lines = sorted(lines)
        n = len(lines)
        problems.append(
            Problem(
                scores_where, lines[0], "entry_id",
                f"entry_id '{eid}' is not in {entries_where} ({n} row{'s' if n > 1 else ''}: "
                f"line{'s' if n > 1 else ''} {_lines(lines)})",
            )
        )
    return problems


def _check_year(
    year_dir: Path, rubric: Rubric, year: int | None
) -> tuple[dict[str, pd.DataFrame | None], list[Problem]]:
    """Read a year folder's files with cross-file checks; the frames are None when absent."""
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame | None] = {"scores": None, "entries": None, "training": None}
    paths = {k: year_dir / f"{k}.csv" for k in frames}
    entries_ok = False
    for kind, required in (("scores", True), ("entries", True), ("training", False)):
        path = paths[kind]
        if not path.exists():
            if required:
                problems.append(Problem(display_path(path), None, None, "file not found: a year folder needs "
                                                                        f"{kind}.csv"))
            continue
        if kind == "entries":
            df, probs = read_entries(path, rubric)
            entries_ok = len(df) > 0  # else its own problems say why; a cross-check would only echo them
        else:
            df, probs = read_scores(path, rubric, year=year)
        frames[kind] = df
        problems += probs

    scores, entries, training = frames["scores"], frames["entries"], frames["training"]
    if scores is not None and entries is not None:
        swhere, ewhere = display_path(paths["scores"]), display_path(paths["entries"])
        if entries_ok:
            problems += missing_entries(scores, entries, swhere, ewhere)
        if entries_ok and len(scores):
            scored = set(scores["entry_id"].unique())
            for _, e in entries.loc[~entries["entry_id"].isin(scored)].iterrows():
                problems.append(Problem(ewhere, int(e["line"]), "entry_id", f"entry '{e['entry_id']}' has no "
                                                                            f"scores in {swhere}", "note"))
        if len(scores) and (scores["stage"] == "reference").any():
            first = int(scores.loc[scores["stage"] == "reference", "line"].min())
            problems.append(
                Problem(swhere, first, "stage", "reference rows are the training case's agreed scores; they "
                                                "belong in training/<session>/reference.csv", "note")
            )
    if training is not None and len(training) and not (training["stage"] == "reference").any():
        problems.append(
            Problem(display_path(paths["training"]), None, "stage", "no reference rows: trainees cannot be "
                                                                    "compared with agreed scores", "note")
        )
    return frames, problems


def load_year(year: int | str, data_dir: str | Path | None = None) -> YearData:
    """Read and check one year's files.

    Parameters
    ----------
    year : the award year (the folder ``<data_dir>/<year>/``).
    data_dir : default ``scoring.paths.DATA_DIR``.

    Returns
    -------
    YearData
        With notes (e.g. exact duplicates counted once) in ``problems``.

    Raises
    ------
    InputError
        Carrying every error found in the year's files (and the rubric's).
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year_dir = year_folder(year, data_dir)
    year = int(year)
    rubric, problems = _rubric_for(year, data_dir)
    if rubric is None:
        raise InputError(problems)
    key = (str(year_dir.resolve()), cache_key(year=year, data_dir=data_dir))
    if key not in _LOADED:
        frames, problems = _check_year(year_dir, rubric, year)
        if any(p.is_error for p in problems):
            raise InputError(problems)
        training = frames["training"]
        if len(_LOADED) >= 32:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = YearData(
            year=year,
            rubric=rubric,
            scores=criterion_scores(frames["scores"], rubric),
            raw_scores=frames["scores"],
            entries=frames["entries"],
            training=criterion_scores(training, rubric) if training is not None else None,
            problems=problems,
            raw_training=training,
        )
        del frames
        _give_back_memory()
    yd = _LOADED[key]
    copy = {f: getattr(yd, f).copy() for f in ("scores", "raw_scores", "entries", "training", "raw_training")
            if getattr(yd, f) is not None}
    return replace(yd, problems=list(yd.problems), **copy)


def year_data(year: int, data_dir: str | Path | None = None, *, cache_dir: str | Path | None = None,
              ahead: bool = False) -> YearData | None:
    """:func:`scoring.data.load_year`, read and checked at most once per state of the year's files
    and of the package's code (:func:`scoring.cache.cached`, the key :func:`load_year`'s own
    in-memory cache uses): a report after the first reads the checked year from the cache folder
    (0.2 s for a national year of 200,000 scores instead of 1.5 s). The year's files are still
    read, for their checksum. Raises :class:`~scoring.problems.InputError` as ``load_year`` does
    (a year with errors is never cached). Each call gets its own copies of the tables, as from
    ``load_year``. Kept per data folder: a copy of the same files elsewhere is read for itself, its
    notes and rubric naming its own files. ``ahead``: only into the cache (None when it is there
    already: :func:`scoring.cache.cached`).
    """
    number = int(year)
    folder = Path(data_dir if data_dir is not None else DATA_DIR).resolve()  # its notes name its files
    yd = cached("year", cache_key(folder, year=number, data_dir=data_dir), lambda: load_year(number, data_dir),
                YearData, cache_dir, ahead=ahead)
    if yd is None:
        return None
    copy = {f: getattr(yd, f).copy() for f in ("scores", "raw_scores", "entries", "training", "raw_training")
            if getattr(yd, f) is not None}
    return replace(yd, problems=list(yd.problems), **copy)


def _give_back_memory() -> None:
    """Hand the memory freed after reading a year back to the operating system (glibc's
    ``malloc_trim``; nothing elsewhere). Reading a national year's 200,000 rows goes through
    two million cell strings, and glibc keeps the 150 MB they took for the process unless
    asked: in a report kernel that stays for the kernel's life."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def year_entries(year: int | str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """A year's entries (``entries.csv``, checked against the year's rubric) without reading its
    scores: what listing a year's classes or its entries' names needs (a national year's
    ``scores.csv`` has 200,000 rows). :func:`load_year` checks the rest.

    Raises
    ------
    InputError
        Carrying the errors of ``entries.csv`` and of the rubric, as :func:`load_year` would.
    """
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year_dir = year_folder(year, data_dir)
    rubric, problems = _rubric_for(int(year), data_dir)
    if rubric is None:
        raise InputError(problems)
    path = year_dir / "entries.csv"
    if not path.exists():
        raise InputError([Problem(display_path(path), None, None, "file not found: a year folder needs entries.csv")])
    entries, problems = read_entries(path, rubric)
    if any(p.is_error for p in problems):
        raise InputError(problems)
    return entries


#: years read in this process, by folder and :func:`scoring.cache.cache_key` (the files' bytes and
#: the package's source): a warm report kernel reads each year once, and a changed file is read again
_LOADED: dict[tuple, YearData] = {}


class LeftOutYear(NamedTuple):
    """An earlier year left out of a trend because its data has errors.

    ``problems`` are its errors, first first (``file:row: column: message`` when printed).
    """

    year: int
    problems: list[Problem]


class History(NamedTuple):
    """What :func:`load_history` returns: the usable years' scores and the years left out.

    Unpacks as ``scores, left_out = load_history(...)``.
    """

    scores: pd.DataFrame
    left_out: list[LeftOutYear]

    @property
    def years(self) -> list[int]:
        """The years in ``scores``, sorted."""
        return sorted(int(y) for y in self.scores["year"].unique())


def load_history(until: int | str, data_dir: str | Path | None = None) -> History:
    """Criterion-level scores of every year up to and including ``until``, with each entry's class.

    Reads every available year folder (:func:`available_years`) up to ``until``. An earlier
    year whose files have errors is left out (the trend goes on without it) and listed in
    ``left_out`` with its problems, so one broken old year does not stop later reports.
    ``until`` itself must be valid: its errors raise, as :func:`load_year` does.

    Returns
    -------
    History
        ``scores``: columns as ``YearData.scores`` plus ``class``; ``left_out``: one
        :class:`LeftOutYear` per earlier year left out, oldest first.

    Raises
    ------
    InputError
        When ``until`` has errors, or no year up to ``until`` could be read.
    """
    until = int(until)
    frames = []
    left_out: list[LeftOutYear] = []
    for y in available_years(data_dir):
        if y > until:
            continue
        try:
            yd = year_data(y, data_dir)  # from the cache folder when a report or the runner read it
        except InputError as e:
            if y == until:
                raise
            left_out.append(LeftOutYear(y, [p for p in e.problems if p.is_error] or list(e.problems)))
            continue
        frames.append(yd.scores.merge(yd.entries[["entry_id", "class"]], on="entry_id", how="left"))
    if not frames:
        where = display_path(data_dir or DATA_DIR)
        broken = f" (years with errors: {', '.join(str(x.year) for x in left_out)})" if left_out else ""
        raise InputError([Problem(where, None, None, f"no usable year folders up to {until}{broken}")])
    return History(pd.concat(frames, ignore_index=True), left_out)


def rubric_for(path: str | Path) -> tuple[Rubric, int | None]:
    """The rubric and year that apply to a file (or a year folder).

    A file in a 4-digit folder belongs to that year, and the data dir is the folder
    above it: the rubric is ``load_rubric(year=year, data_dir=data_dir)``. Anywhere else the
    year is None and the rubric is the default one.

    Raises
    ------
    InputError
        When the rubric cannot be loaded.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    year = int(folder.name) if _is_year_name(folder.name) else None
    rubric, problems = _rubric_for(year, folder.parent if year is not None else None)
    if rubric is None:
        raise InputError(problems)
    return rubric, year


def _rubric_for(year: int | None, data_dir: Path | None) -> tuple[Rubric | None, list[Problem]]:
    try:
        return load_rubric(year=year, data_dir=data_dir), []
    except InputError as e:
        return None, list(e.problems)
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # a malformed value in the TOML
        where = display_path(Path(data_dir or DATA_DIR) / "rubric.toml")
        return None, [Problem(where, None, None, f"cannot use the rubric: {e}")]

