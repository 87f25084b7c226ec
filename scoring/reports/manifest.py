"""``reports/manifest.json``: when each report was made, and from which data.

For the administrator (the index shows it); it never goes into what a person is sent.
One entry per published report, keyed by the HTML file's path relative to the output
folder::

    {"format": 1,
     "reports": {"2024/examiners/E07.html": {
         "year": 2024, "kind": "examiner", "name": "E07",
         "notebook": "2024/examiners/E07.ipynb",
         "made": "2024-11-03T10:15:02+01:00", "seconds": 1.8,
         "parameters": {"year": 2024, "data_dir": "...", "examiner_id": "E07"},
         "data_dir": "data",
         "inputs": [{"file": "2024/scores.csv", "sha256": "3f2a..."}, ...]}}}

``inputs`` are the data files the notebook opened while it ran (recorded in the warm
kernel), relative to ``data_dir``, each with the SHA-256 of its content when the run
finished. Each run updates the entries of the reports it wrote, keeps the others and
drops those whose HTML no longer exists; the file is written atomically under a lock so
that two runs into one folder do not lose each other's entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..problems import display_path

__all__ = ["FILE", "Made", "load", "record", "sha256"]

logger = logging.getLogger("scoring.report")

FILE = "manifest.json"
FORMAT = 1


@dataclass(frozen=True)
class Made:
    """One report a run published (what :func:`record` writes down)."""

    html: Path
    ipynb: Path
    year: int
    kind: str
    name: str | None
    parameters: dict
    seconds: float
    finished: float  # time.time() when published
    inputs: tuple[str, ...]  # absolute paths of the data files read


def load(out_dir: str | Path) -> dict:
    """The manifest of ``out_dir`` (an empty one if there is none or it cannot be read)."""
    path = Path(out_dir) / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("reports"), dict):
            return data
        logger.warning("%s has an unknown layout; starting a new one", display_path(path))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        logger.warning("%s could not be read (%s); starting a new one", display_path(path), exc)
    return {"format": FORMAT, "reports": {}}


def sha256(path: str | Path, _cache: dict = {}) -> str:  # noqa: B006  (a cache on purpose)
    """Hex SHA-256 of a file's content (remembered per path, size and modification time)."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _cache:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _cache[key] = h.hexdigest()
    return _cache[key]


def record(out_dir: str | Path, data_dir: str | Path, made: Iterable[Made]) -> Path:
    """Add the reports of a run to ``<out_dir>/manifest.json``; returns its path."""
    out_dir = Path(out_dir)
    data_dir = Path(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = {}
    for m in made:
        inputs = []
        for f in m.inputs:
            try:
                rel = Path(f).relative_to(data_dir).as_posix()
            except ValueError:
                rel = str(f)
            try:
                inputs.append({"file": rel, "sha256": sha256(f)})
            except OSError:
                inputs.append({"file": rel, "sha256": None})
        entries[_rel(m.html, out_dir)] = {
            "year": m.year,
            "kind": m.kind,
            "name": m.name,
            "notebook": _rel(m.ipynb, out_dir),
            "made": datetime.fromtimestamp(m.finished).astimezone().isoformat(timespec="seconds"),
            "seconds": round(m.seconds, 2),
            "parameters": m.parameters,
            "data_dir": display_path(data_dir),
            "inputs": inputs,
        }
    path = out_dir / FILE
    with _locked(out_dir):
        data = load(out_dir)
        data["format"] = FORMAT
        data["reports"].update(entries)
        data["reports"] = {k: v for k, v in sorted(data["reports"].items()) if (out_dir / k).is_file()}
        tmp = out_dir / f".{FILE}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


@contextlib.contextmanager
def _locked(out_dir: Path):
    """An exclusive lock on the output folder itself (where the platform has ``fcntl``; no file is left)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the write itself is still atomic
        yield
        return
    fd = os.open(out_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
