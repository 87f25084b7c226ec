"""Results shared between reports, computed once per state of the data and of the code.

A year's examiner model, and the history an examiner's feedback stands on, are needed by
dozens of reports. :func:`cached` keeps such a result in memory (for the reports a warm
kernel runs one after another) and on disk under :data:`scoring.paths.CACHE_DIR` (for the
other workers and later runs), under a key the caller builds from :func:`data_checksum`,
:func:`code_checksum` and its settings, so that changed data or changed code is never served
an old result. The cache lives outside ``reports/`` and is never part of a report.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from . import __version__
from .paths import CACHE_DIR, DATA_DIR, RUBRIC_PATH

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MEMORY: dict[tuple[str, str], object] = {}


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


def code_checksum(*modules: ModuleType) -> str:
    """The package version and a sha256 (12 hex digits) of the modules' source files."""
    h = hashlib.sha256()
    for module in modules:
        h.update(Path(module.__file__).read_bytes())
    return f"{__version__}-{h.hexdigest()[:12]}"


def cached(name: str, key: str, compute: Callable[[], T], expected: type,
           cache_dir: str | Path | None = None) -> T:
    """``compute()``, or its result from memory or from ``<cache_dir>/<name>-<key>.pickle``.

    ``cache_dir`` defaults to :data:`scoring.paths.CACHE_DIR`; the environment variable
    ``SCORING_CACHE_DIR`` overrides that. A file that cannot be read, or that holds anything
    but an ``expected``, is recomputed; a file that cannot be written only costs a
    recomputation later.
    """
    if (name, key) in _MEMORY:
        return _MEMORY[name, key]
    folder = Path(cache_dir or os.environ.get("SCORING_CACHE_DIR") or CACHE_DIR)
    path = folder / f"{name}-{key}.pickle"
    value = _read(path, expected)
    if value is None:
        value = compute()
        _write(path, value)
    _MEMORY[name, key] = value
    return value


def _read(path: Path, expected: type):
    try:
        with open(path, "rb") as f:
            value = pickle.load(f)  # our own cache folder, written by _write below
    except FileNotFoundError:
        return None
    except Exception as exc:  # a cache from another version or a broken file: recompute
        logger.info("ignoring cached %s: %s", path, exc)
        return None
    return value if isinstance(value, expected) else None


def _write(path: Path, value) -> None:
    """Write atomically (temporary file, then rename)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        logger.info("could not cache %s: %s", path, exc)
    finally:
        tmp.unlink(missing_ok=True)
