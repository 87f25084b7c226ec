"""Results shared between reports, computed once per state of the data and of the code.

A year's examiner model, and the history an examiner's feedback stands on, are needed by
dozens of reports. :func:`cached` keeps such a result in memory (for the reports a warm
kernel runs one after another) and on disk under :data:`scoring.paths.CACHE_DIR` (for the
other workers and later runs), under the key :func:`cache_key` makes from the data's
checksum, the whole package's source and the settings, so that changed data or changed code
is never served an old result. Of the processes that miss a result at once, one computes it and
the others wait for it. The cache lives outside ``reports/`` and is never part of a
report.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from . import __version__
from .paths import CACHE_DIR, DATA_DIR, RUBRIC_PATH

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: The package whose source is part of every cache key, and which of its files count.
PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_SUFFIXES = (".py", ".css", ".toml")

_MEMORY: dict[tuple[str, str], object] = {}


def files_checksum(files: Iterable[str | Path]) -> str:
    """sha256 over the files' names and bytes, in the order given."""
    h = hashlib.sha256()
    for p in map(Path, files):
        h.update(p.name.encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


#: Files a run writes into a year's data folder: never an input.
OUTPUTS = frozenset({"utskick.csv"})


def folder_state(folder: str | Path) -> str:
    """sha256 over every file under ``folder`` (at any depth, of any kind, but :data:`OUTPUTS`):
    its path, size and modification time. For results read from many files (everyone's codes,
    the office's notes) whose every file counts, where hashing the bytes at every lookup would
    cost more than the result: any file added, removed, replaced or written changes it."""
    folder = Path(folder)
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.name not in OUTPUTS and p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def year_files(year: int, data_dir: str | Path | None = None) -> list[Path]:
    """The files a year's results depend on: its CSV and rubric files and the general rubric (not
    the send list ``utskick.csv``, which a report run writes)."""
    data_dir = Path(data_dir) if data_dir is not None else DATA_DIR
    year_dir = data_dir / str(int(year))
    files = sorted(p for p in year_dir.glob("*")
                   if p.is_file() and p.suffix in (".csv", ".toml") and p.name not in OUTPUTS)
    return files + [p for p in (data_dir / "rubric.toml", RUBRIC_PATH) if p.is_file()]


def data_checksum(year: int, data_dir: str | Path | None = None) -> str:
    """sha256 over the year's files (:func:`year_files`), names and bytes."""
    return files_checksum(year_files(year, data_dir))


def code_checksum(package_dir: str | Path = PACKAGE_DIR) -> str:
    """The package version and a sha256 (12 hex digits) of every source file of the ``scoring``
    package (each file's path inside the package and its bytes): any change of code changes it.

    This process's own package is hashed once, when first asked: the code that runs is the code
    that was imported, and every cache lookup asks (a training session asks once per workbook).
    """
    package_dir = Path(package_dir)
    if package_dir == PACKAGE_DIR and _OWN_CODE:
        return _OWN_CODE[0]
    h = hashlib.sha256()
    for p in sorted(package_dir.rglob("*")):
        if p.suffix in SOURCE_SUFFIXES and p.is_file() and "__pycache__" not in p.parts:
            h.update(p.relative_to(package_dir).as_posix().encode())
            h.update(b"\0")
            h.update(p.read_bytes())
    checksum = f"{__version__}-{h.hexdigest()[:12]}"
    if package_dir == PACKAGE_DIR:
        _OWN_CODE.append(checksum)
    return checksum


#: :func:`code_checksum` of this process's package, once computed.
_OWN_CODE: list[str] = []


def cache_key(*settings, year: int | None = None, data_dir: str | Path | None = None,
              files: Iterable[str | Path] | None = None) -> str:
    """The key of every cache: the data's checksum (the year's files, or ``files``), the
    package's source (:func:`code_checksum`) and the settings the result depends on.

    >>> cache_key(12, year=2024)  # doctest: +SKIP
    '2024-3f…-0.1.0-9a…-12'
    """
    data = data_checksum(year, data_dir) if files is None else files_checksum(files)
    head = [str(int(year))] if year is not None else []
    return "-".join([*head, data[:32], code_checksum(), *(_in_a_name(str(s)) for s in settings)])


def _in_a_name(setting: str) -> str:
    """A setting as it may stand in a file name: itself when short and plain (``12``), else a
    sha256 of it (a folder's path: its slashes would make folders in the cache)."""
    if re.fullmatch(r"[A-Za-z0-9_.]{1,40}", setting):
        return setting
    return hashlib.sha256(setting.encode()).hexdigest()[:24]


def cached(name: str, key: str, compute: Callable[[], T], expected: type,
           cache_dir: str | Path | None = None, *, ahead: bool = False) -> T | None:
    """``compute()``, or its result from memory or from ``<cache_dir>/<name>-<key>.pickle``.

    ``cache_dir`` defaults to :data:`scoring.paths.CACHE_DIR`; the environment variable
    ``SCORING_CACHE_DIR`` overrides that. A file that cannot be read, or that holds anything
    but an ``expected``, is recomputed; a file that cannot be written only costs a
    recomputation later. ``ahead``: only make sure the result is there for whoever needs it next
    (a run's read-ahead): a file already there is not read, and None is returned; a result computed
    is written, returned and not kept in memory.
    """
    if (name, key) in _MEMORY:
        return _MEMORY[name, key]
    folder = Path(cache_dir or os.environ.get("SCORING_CACHE_DIR") or CACHE_DIR)
    path = folder / f"{name}-{key}.pickle"
    if ahead and path.is_file():
        return None
    value = None if ahead else _read(path, expected)
    if value is None:
        with _one_at_a_time(path):  # another process computing it: wait and read its result
            if ahead and path.is_file():
                return None
            value = _read(path, expected)
            if value is None:
                value = compute()
                _write(path, value)
                if ahead:
                    return value
    _MEMORY[name, key] = value
    return value


@contextmanager
def _one_at_a_time(path: Path):
    """Held while ``path`` is computed: an exclusive lock (``flock``) on a file beside it in
    ``.locks/``, so that of the processes (a run's kernels, the runner itself) that miss the same
    result at once one computes it and the others read it. The operating system releases the lock
    of a process that dies. Without ``fcntl`` (Windows), a writable folder or locks on its file
    system: no lock."""
    lock = None
    try:
        import fcntl

        lock_path = path.parent / ".locks" / f"{path.name}.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path, "ab")  # noqa: SIM115  (closed below, after the lock is released)
    except (ImportError, OSError):
        pass
    if lock is None:
        yield
        return
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            locked = True
        except OSError:  # a file system without locks (some network shares): compute without
            locked = False
        try:
            yield
        finally:
            if locked:
                fcntl.flock(lock, fcntl.LOCK_UN)


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
