"""The year's examiner-effect model, fitted once per data and shared by every report of the year.

A jury pack per class and a private report per examiner all stand on the same fit. The
fit is kept in memory (for the reports a warm kernel runs one after another) and on disk
under :data:`scoring.paths.CACHE_DIR` (for the other workers), keyed by a checksum of the
year's input files, the rubric, the package version and the fit's settings: changed data
can never reuse an old fit. The cache lives outside ``reports/`` and is never part of a
report.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import uuid
from pathlib import Path

from .. import __version__
from ..data import YearData, load_year
from ..paths import CACHE_DIR, DATA_DIR, RUBRIC_PATH
from .model import ExaminerModel, fit_examiner_model

logger = logging.getLogger(__name__)

_MEMORY: dict[str, ExaminerModel] = {}


def data_checksum(year: int, data_dir: str | Path | None = None) -> str:
    """sha256 over the year's CSV and rubric files (names and bytes) and the general rubric."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year_dir = data_dir / str(int(year))
    files = sorted(p for p in year_dir.glob("*") if p.is_file() and p.suffix in (".csv", ".toml"))
    files += [p for p in (data_dir / "rubric.toml", RUBRIC_PATH) if p.is_file()]
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def year_model(
    year: int | YearData, data_dir: str | Path | None = None, *, min_scores: int = 12,
    cache_dir: str | Path | None = None,
) -> ExaminerModel:
    """The examiner-effect model of a year's individual scores, fitted at most once per data.

    Parameters
    ----------
    year : the award year, or its already loaded :class:`~scoring.data.YearData`.
    data_dir : the data folder (default :data:`scoring.paths.DATA_DIR`).
    min_scores : passed to :func:`~scoring.calibration.fit_examiner_model`.
    cache_dir : where fits are kept on disk (default :data:`scoring.paths.CACHE_DIR`;
        the environment variable ``SCORING_CACHE_DIR`` overrides it).
    """
    yd = year if isinstance(year, YearData) else None
    number = yd.year if yd is not None else int(year)
    key = f"{number}-{data_checksum(number, data_dir)[:32]}-{__version__}-{min_scores}"
    if key in _MEMORY:
        return _MEMORY[key]
    folder = Path(cache_dir or os.environ.get("SCORING_CACHE_DIR") or CACHE_DIR)
    path = folder / f"model-{key}.pickle"
    model = _read(path)
    if model is None:
        yd = yd or load_year(number, data_dir)
        model = fit_examiner_model(yd.scores, min_scores=min_scores, rubric=yd.rubric)
        _write(path, model)
    _MEMORY[key] = model
    return model


def _read(path: Path) -> ExaminerModel | None:
    try:
        with open(path, "rb") as f:
            model = pickle.load(f)  # our own cache folder, written by _write below
    except FileNotFoundError:
        return None
    except Exception as exc:  # a cache from another version or a broken file: refit
        logger.info("ignoring cached model %s: %s", path, exc)
        return None
    return model if isinstance(model, ExaminerModel) else None


def _write(path: Path, model: ExaminerModel) -> None:
    """Write atomically; a cache that cannot be written only costs a refit later."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        logger.info("could not cache the model in %s: %s", path, exc)
    finally:
        tmp.unlink(missing_ok=True)
