"""The year's examiner-effect model, fitted once per data and code and shared by every report
(the year as read and checked, kept the same way, is :func:`scoring.data.year_data`)."""

from __future__ import annotations

from pathlib import Path

from ..cache import cache_key, cached
from ..data.years import YearData, year_data
from .model import ExaminerModel, fit_examiner_model


def year_model(
    year: int | YearData, data_dir: str | Path | None = None, *, min_scores: int = 12,
    cache_dir: str | Path | None = None, ahead: bool = False,
) -> ExaminerModel | None:
    """The examiner-effect model of a year's individual scores, fitted at most once per state
    of the year's files and of the package's code (:func:`scoring.cache.cached`).

    Parameters
    ----------
    year : the award year, or its already loaded :class:`~scoring.data.YearData`.
    data_dir : the data folder (default :data:`scoring.paths.DATA_DIR`).
    min_scores : passed to :func:`~scoring.calibration.fit_examiner_model`.
    cache_dir : where fits are kept on disk (see :func:`scoring.cache.cached`).
    ahead : only into the cache (None when it is there already).
    """
    yd = year if isinstance(year, YearData) else None
    number = yd.year if yd is not None else int(year)
    key = cache_key(min_scores, year=number, data_dir=data_dir)

    def fit() -> ExaminerModel:
        data = yd or year_data(number, data_dir, cache_dir=cache_dir)
        return fit_examiner_model(data.scores, min_scores=min_scores, rubric=data.rubric)

    return cached("model", key, fit, ExaminerModel, cache_dir, ahead=ahead)
