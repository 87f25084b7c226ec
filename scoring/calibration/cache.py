"""The year's examiner-effect model, fitted once per data and code and shared by every report, and
the year's data as read, kept on disk for the reports that read it after the first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..cache import cache_key, cached
from ..data.years import YearData, load_year
from .model import ExaminerModel, fit_examiner_model


def year_model(
    year: int | YearData, data_dir: str | Path | None = None, *, min_scores: int = 12,
    cache_dir: str | Path | None = None,
) -> ExaminerModel:
    """The examiner-effect model of a year's individual scores, fitted at most once per state
    of the year's files and of the package's code (:func:`scoring.cache.cached`).

    Parameters
    ----------
    year : the award year, or its already loaded :class:`~scoring.data.YearData`.
    data_dir : the data folder (default :data:`scoring.paths.DATA_DIR`).
    min_scores : passed to :func:`~scoring.calibration.fit_examiner_model`.
    cache_dir : where fits are kept on disk (see :func:`scoring.cache.cached`).
    """
    yd = year if isinstance(year, YearData) else None
    number = yd.year if yd is not None else int(year)
    key = cache_key(min_scores, year=number, data_dir=data_dir)

    def fit() -> ExaminerModel:
        data = yd or load_year(number, data_dir)
        return fit_examiner_model(data.scores, min_scores=min_scores, rubric=data.rubric)

    return cached("model", key, fit, ExaminerModel, cache_dir)


def year_data(year: int, data_dir: str | Path | None = None, *, cache_dir: str | Path | None = None) -> YearData:
    """:func:`scoring.data.load_year`, read and checked at most once per state of the year's files
    and of the package's code (:func:`scoring.cache.cached`, the key :func:`load_year`'s own
    in-memory cache uses): a report after the first reads the checked year from the cache folder
    (0.2 s for a national year of 200,000 scores instead of 2-3 s). The year's files are still
    read, for their checksum. Raises :class:`~scoring.problems.InputError` as ``load_year`` does
    (a year with errors is never cached). Each call gets its own copies of the tables, as from
    ``load_year``.
    """
    number = int(year)
    yd = cached("year", cache_key(year=number, data_dir=data_dir), lambda: load_year(number, data_dir), YearData,
                cache_dir)
    copy = {f: getattr(yd, f).copy() for f in ("scores", "raw_scores", "entries", "training", "raw_training")
            if getattr(yd, f) is not None}
    return replace(yd, problems=list(yd.problems), **copy)
