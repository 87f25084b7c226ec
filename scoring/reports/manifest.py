"""What the output folder holds: each report's record, ``reports/manifest.json``, and which files are this tool's.

For the administrator (the index shows it); it never goes into what a person is sent.

The folder is owned
-------------------
:func:`claim` lets a run write into a folder only if the folder is new or empty, carries this
tool's manifest (or its records), or holds nothing but a README (the repository's own
``reports/``); any other folder is refused with a message saying how to go on. Inside an
owned folder, a file is this tool's only if a record says the tool wrote it with exactly that
content (:class:`Owned`); any other file is never overwritten, deleted, listed or zipped.

Records
-------
Before a report's files are moved into place, its record is written atomically to
``<out>/.provenance/<path of its HTML>.json``::

    {"format": 1, "generator": "scoring report", "report": "2024/examiners/E07.html",
     "records": [{"html": "2024/examiners/E07.html", "year": 2024, "kind": "examiner",
                  "name": "E07", "notebook": "2024/examiners/E07.ipynb", "pdf": null,
                  "made": "2024-11-03T10:15:02+01:00", "seconds": 1.8,
                  "parameters": {"year": 2024, "data_dir": "...", "examiner_id": "E07"},
                  "data_dir": "data",
                  "inputs": [{"file": "2024/scores.csv", "sha256": "3f2a..."}, ...],
                  "files": {"2024/examiners/E07.html": "9c1e...", ...}},
                 {... the record before ...}],
     "stale": {"2024/examiners/E07.pdf": "77ab..."}}

``inputs`` are the data files the notebook read (recorded in the warm kernel), each the
real file behind any symlink (relative to ``data_dir`` when it lies there, else absolute;
``via`` the path the report opened, when that differs) with the SHA-256 of its content;
``files`` the SHA-256 of each file published. The record before is kept, so that a run
killed between a record and its files leaves every file matching one of the two;
``stale`` holds files an earlier record published that the newer one does not replace (the
PDF of a report made again without ``--pdf``): still this tool's, but never sent with the
newer page. The zips of ``send/`` have records too (``"zip"``, with each record's
``sha256`` and ``members``).

manifest.json
-------------
Made from the records (:func:`entries`): one entry per report whose HTML is as one of its
records says, keyed by the HTML's path relative to the output folder, with that record's
fields (``pdf`` only when the PDF beside it is the one made with this HTML). A report the
current run is about to make again is listed without inputs (``"verified": false``) until
it is published, so neither the manifest nor the index ever claims data a report was not
made from, even if the run is killed at any point. Entries of a manifest written before
records existed are kept, and trusted only if their files are not newer than the entry.
The file is written atomically under a lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..problems import display_path

__all__ = ["FILE", "RECORDS", "Made", "Owned", "claim", "describe_inputs", "entries", "is_ours", "listing_entry",
           "load", "new_record", "record", "sha256", "write", "write_record", "write_zip_record", "zips"]

logger = logging.getLogger("scoring.report")

FILE = "manifest.json"
FORMAT = 1
#: What this tool writes into its manifest and records, to know them for its own.
GENERATOR = "scoring report"
#: The hidden folder of the records inside the output folder.
RECORDS = ".provenance"
#: Records kept per report or zip: the newest and the one before.
KEEP = 2

_README = re.compile(r"read[ _-]?me(\.[a-z0-9]+)?", re.IGNORECASE)
_HARMLESS = frozenset({".DS_Store", ".gitkeep", ".gitignore"})  # made by git and Finder, not by users
_ENTRY = ("year", "kind", "name", "notebook", "pdf", "made", "seconds", "parameters", "data_dir", "inputs",
          "files")


@dataclass(frozen=True)
class Made:
    """One report a run published (what :func:`new_record` writes down)."""

    html: Path
    ipynb: Path
    year: int
    kind: str
    name: str | None
    parameters: dict
    seconds: float
    finished: float  # time.time() when published
    inputs: tuple  # the data files read: paths, or items from describe_inputs
    pdf: Path | None = None


# ------------------------------------------------------------------ the folder


def claim(out_dir: str | Path) -> Path:
    """Make sure a run may write into ``out_dir``; create it if needed.

    Raises ValueError, with what to do, for a file, or for a folder that holds files this
    tool did not write (anything but a README) and carries no manifest of its own.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{display_path(out_dir)} is a file, not a folder: give --out a folder for the reports")
    if out_dir.is_dir() and not is_ours(out_dir):
        others = _other_files(out_dir, 3)
        if others:
            shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            raise ValueError(
                f"{display_path(out_dir)} holds files scoring report did not write ({shown}), so it writes "
                "nothing there: give --out a new or empty folder, or one an earlier run wrote (it carries "
                f"{FILE}), or move those files away")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def is_ours(out_dir: str | Path) -> bool:
    """Whether ``out_dir`` carries this tool's manifest (or, without a manifest, its records)."""
    out_dir = Path(out_dir)
    try:
        return _our_manifest(json.loads((out_dir / FILE).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return any(_read_json(p).get("generator") == GENERATOR for p in _record_files(out_dir))
    except (OSError, ValueError):
        return False


def _our_manifest(data) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
        return False
    if data.get("generator") == GENERATOR:
        return True
    # written before the generator was named: nothing but the format and the reports
    return (data.get("format") == FORMAT and set(data) <= {"format", "reports"}
            and all(isinstance(v, dict) and "kind" in v and "year" in v for v in data["reports"].values()))


def _other_files(out_dir: Path, limit: int) -> list[str]:
    """Up to ``limit + 1`` files under ``out_dir`` other than a README at its top (and git's or Finder's)."""
    found: list[str] = []
    for root, dirs, files in os.walk(out_dir):
        here = Path(root)
        dirs.sort()
        links = [d for d in dirs if (here / d).is_symlink()]
        for name in sorted(files) + links:
            if name in _HARMLESS or (here == out_dir and _README.fullmatch(name) and name not in links):
                continue
            found.append((here / name).relative_to(out_dir).as_posix())
            if len(found) > limit:
                return found
    return found


class Owned:
    """The files of an output folder this tool wrote, as it wrote them (read once, when made).

    ``path in owned`` holds for a file a record (or the manifest) names with the file's
    current checksum; :meth:`foreign` lists the paths that exist and are not this tool's.
    """

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self._shas: dict[str, set[str | None]] = {}
        for path in _record_files(self.out_dir):
            data = _read_json(path)
            if data.get("generator") != GENERATOR:
                continue
            for r in _records(data):
                for f, sha in (r.get("files") or {}).items():
                    self._add(f, sha)
                if "zip" in data and r.get("sha256"):
                    self._add(data["zip"], r["sha256"])
            for f, sha in (data.get("stale") or {}).items():
                self._add(f, sha)
        for rel, e in load(self.out_dir)["reports"].items():  # a manifest without records: by its paths
            if not isinstance(e, dict):
                continue
            if isinstance(e.get("files"), dict):
                for f, sha in e["files"].items():
                    self._add(f, sha)
                continue
            for f in (rel, e.get("notebook"), Path(rel).with_suffix(".pdf").as_posix()):
                if f:
                    self._add(f, None)

    def _add(self, rel: str, sha: str | None) -> None:
        self._shas.setdefault(rel, set()).add(sha)

    def __contains__(self, path) -> bool:
        shas = self._shas.get(_rel(Path(path), self.out_dir))
        if not shas:
            return False
        if None in shas:
            return True
        try:
            return sha256(path) in shas
        except OSError:
            return False

    def foreign(self, paths: Iterable[Path]) -> list[Path]:
        """The paths that exist and are not this tool's files."""
        return [p for p in paths if os.path.lexists(p) and p not in self]


# ------------------------------------------------------------------ what a report read


def describe_inputs(paths: Iterable, data_dir: str | Path) -> list[dict]:
    """The files read, each as the real file behind any symlink with the SHA-256 of its content.

    ``file`` is relative to ``data_dir`` when the real file lies there, else absolute; ``via``
    the path as opened, when that differs. Items that are already described are kept.
    """
    data_dir = Path(data_dir).resolve()
    found: dict[str, dict] = {}
    for p in paths:
        if isinstance(p, dict):
            found.setdefault(str(p.get("file")), p)
            continue
        opened = Path(os.path.abspath(p))
        real = opened.resolve()
        item = {"file": _rel(real, data_dir)}
        try:
            item["sha256"] = sha256(real)
        except OSError:
            item["sha256"] = None
        via = _rel(opened, data_dir)
        if via != item["file"]:
            item["via"] = via
        found.setdefault(item["file"], item)
    return [found[k] for k in sorted(found)]


def data_state(data_dir: str | Path) -> dict[str, tuple[int, int]]:
    """(size, modification time) of every file under ``data_dir`` by its real path, through symlinks."""
    state: dict[str, tuple[int, int]] = {}
    seen: set[str] = set()
    for root, dirs, files in os.walk(data_dir, followlinks=True):
        real_root = os.path.realpath(root)
        if real_root in seen:  # a symlink loop
            dirs[:] = []
            continue
        seen.add(real_root)
        for f in files:
            real = os.path.realpath(os.path.join(root, f))
            with contextlib.suppress(OSError):
                st = os.stat(real)
                state[real] = (st.st_size, st.st_mtime_ns)
    return state


def changed(paths: Iterable, before: Mapping[str, tuple[int, int]]) -> list[str]:
    """The files among ``paths`` that are not as they were in ``before`` (:func:`data_state`)."""
    out = []
    for p in paths:
        real = os.path.realpath(p)
        try:
            st = os.stat(real)
            now = (st.st_size, st.st_mtime_ns)
        except OSError:
            now = None
        if before.get(real) != now:
            out.append(display_path(real))
    return out


# ------------------------------------------------------------------ records


def new_record(out_dir: str | Path, data_dir: str | Path, made: Made,
               contents: Mapping[Path, Path] | None = None) -> dict:
    """The record of one report: what it is, when it was made, from which data, and the
    SHA-256 of each of its files (``contents``: what will be published at each final path,
    by default the files there now; files that do not exist are left out)."""
    out_dir = Path(out_dir)
    contents = dict(contents or {})
    files = {}
    for final in (made.html, made.ipynb, made.pdf):
        if final is not None and Path(contents.get(final, final)).is_file():
            files[_rel(final, out_dir)] = sha256(contents.get(final, final))
    return {
        "html": _rel(made.html, out_dir),
        "year": made.year,
        "kind": made.kind,
        "name": made.name,
        "notebook": _rel(made.ipynb, out_dir),
        "pdf": _rel(made.pdf, out_dir) if made.pdf is not None else None,
        "made": datetime.fromtimestamp(made.finished).astimezone().isoformat(timespec="seconds"),
        "seconds": round(made.seconds, 2),
        "parameters": made.parameters,
        "data_dir": display_path(data_dir),
        "inputs": describe_inputs(made.inputs, data_dir),
        "files": files,
    }


def write_record(out_dir: str | Path, record: dict) -> Path:
    """Write a report's record atomically, keeping the one before (and what older ones made, as stale)."""
    out_dir = Path(out_dir)
    path = _record_path(out_dir, record["html"])
    old = _read_json(path)
    kept = [record, *_records(old)][:KEEP]
    current = {f for r in kept for f in r.get("files", {})}
    stale: dict[str, str] = {}
    earlier = [r.get("files") or {} for r in _records(old)] + [old.get("stale") or {}]
    if not old and isinstance(before := load(out_dir)["reports"].get(record["html"]), dict):
        # the first record of a report a manifest without records names: its files stay this tool's
        names = [record["html"], before.get("notebook"), Path(record["html"]).with_suffix(".pdf").as_posix()]
        earlier.append({f: _sha_or_none(out_dir / f) for f in names if f and (out_dir / f).is_file()})
    for files in earlier:
        for f, sha in files.items():
            if f not in current and f not in stale and (out_dir / f).is_file():
                stale[f] = sha
    _write_json(path, {"format": FORMAT, "generator": GENERATOR, "report": record["html"], "records": kept,
                       "stale": stale})
    return path


def write_zip_record(out_dir: str | Path, zip_path: Path, content: Path, members: Iterable[Path]) -> Path:
    """Record a zip of ``send/`` (``content``: the file about to be moved to ``zip_path``)."""
    out_dir = Path(out_dir)
    rel = _rel(zip_path, out_dir)
    path = _record_path(out_dir, rel)
    rec = {"sha256": sha256(content), "made": datetime.now().astimezone().isoformat(timespec="seconds"),
           "members": [{"file": _rel(m, out_dir), "sha256": sha256(m)} for m in members]}
    _write_json(path, {"format": FORMAT, "generator": GENERATOR, "zip": rel,
                       "records": [rec, *_records(_read_json(path))][:KEEP]})
    return path


def forget(out_dir: str | Path, path: Path) -> None:
    """Drop the record of a file this tool removed."""
    _record_path(Path(out_dir), _rel(path, Path(out_dir))).unlink(missing_ok=True)


def zips(out_dir: str | Path) -> dict[str, dict]:
    """The zips of ``send/`` as this tool wrote them: ``{path: record}``."""
    out_dir = Path(out_dir)
    found = {}
    for path in _record_files(out_dir):
        data = _read_json(path)
        rel = data.get("zip")
        if data.get("generator") != GENERATOR or not rel or not (out_dir / rel).is_file():
            continue
        actual = _sha_or_none(out_dir / rel)
        for r in _records(data):
            if r.get("sha256") == actual:
                found[rel] = r
                break
    return dict(sorted(found.items()))


def entries(out_dir: str | Path, pending: Iterable = ()) -> dict[str, dict]:
    """The manifest's entries, from the records: every report whose HTML is as a record of it says.

    ``pending``: reports (paths) about to be made again, listed without their inputs. A report
    whose HTML matches none of its records was changed by someone else: it is not listed.
    """
    out_dir = Path(out_dir)
    pending = {_rel(Path(p), out_dir) for p in pending}
    found: dict[str, dict] = {}
    for path in _record_files(out_dir):
        data = _read_json(path)
        rel = data.get("report")
        if data.get("generator") != GENERATOR or not rel:
            continue
        matching = _matching(_records(data), rel, out_dir)
        if matching:
            found[rel] = _unknown(matching[0]) if rel in pending else _entry(matching, out_dir)
    for rel, e in load(out_dir)["reports"].items():  # a manifest without records (older, or records lost)
        if rel in found or not isinstance(e, dict) or not (out_dir / rel).is_file():
            continue
        if "files" in e:
            matching = _matching([e], rel, out_dir)
            if matching:
                found[rel] = _unknown(e) if rel in pending else _entry(matching, out_dir)
        elif rel in pending or not e.get("made"):
            found[rel] = _unknown(e)
        else:
            found[rel] = _trusted(e, rel, out_dir)
    return dict(sorted(found.items()))


def listing_entry(record: dict, out_dir: str | Path) -> dict:
    """The manifest entry of a report just published with ``record``."""
    return _entry([record], Path(out_dir))


def _matching(records: list[dict], rel: str, out_dir: Path) -> list[dict]:
    actual = _sha_or_none(out_dir / rel)
    return [r for r in records if actual is not None and (r.get("files") or {}).get(rel) == actual]


def _entry(matching: list[dict], out_dir: Path) -> dict:
    """The entry of the first record; the PDF only if it is the one made with this HTML."""
    rec, pdf = matching[0], None
    for r in matching:
        p = r.get("pdf")
        if p and (r.get("files") or {}).get(p) and _sha_or_none(out_dir / p) == r["files"][p]:
            rec, pdf = r, p
            break
    e = {k: rec.get(k) for k in _ENTRY}
    e.update(pdf=pdf, verified=True)
    return e


def _unknown(rec: dict) -> dict:
    """An entry that names no inputs: the report's data is not known (it is being made again)."""
    e = {k: rec.get(k) for k in ("year", "kind", "name", "notebook", "parameters", "data_dir")}
    e.update(pdf=None, made=None, seconds=None, inputs=[], verified=False)
    return e


def _trusted(e: dict, rel: str, out_dir: Path) -> dict:
    """An entry of a manifest written before records: trusted only if no file of it is newer."""
    try:
        made = datetime.fromisoformat(e["made"]).timestamp() + 1  # "made" is cut to the second
        html = (out_dir / rel).stat().st_mtime
        nb = out_dir / str(e.get("notebook") or "")
        if html > made or (e.get("notebook") and nb.is_file() and nb.stat().st_mtime > made):
            return _unknown(e)
        pdf = (out_dir / rel).with_suffix(".pdf")
        ok = pdf.is_file() and html <= pdf.stat().st_mtime <= made  # printed from this page
    except (KeyError, TypeError, ValueError, OSError):
        return _unknown(e)
    return {**e, "pdf": Path(rel).with_suffix(".pdf").as_posix() if ok else None, "verified": True}


# ------------------------------------------------------------------ manifest.json


def load(out_dir: str | Path) -> dict:
    """The manifest of ``out_dir`` as written (an empty one if there is none, or it is not this tool's)."""
    path = Path(out_dir) / FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if _our_manifest(data):
            return data
        logger.warning("%s is not a manifest of scoring report; reading none", display_path(path))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        logger.warning("%s could not be read (%s); reading none", display_path(path), exc)
    return {"format": FORMAT, "reports": {}}


def write(out_dir: str | Path, made: Mapping[str, dict]) -> Path:
    """Write ``<out_dir>/manifest.json`` holding ``made`` (see :func:`entries`); returns its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE
    with _locked(out_dir):
        if path.exists() and not is_ours(out_dir):
            raise ValueError(f"{display_path(path)}: scoring report did not write this file, so it is left "
                             "as it is; move it away to have the manifest written")
        _write_json(path, {"format": FORMAT, "generator": GENERATOR, "reports": dict(sorted(made.items()))})
    return path


def record(out_dir: str | Path, data_dir: str | Path, made: Iterable[Made]) -> Path:
    """Record reports whose files are in place (a record each), then write the manifest; returns its path."""
    out_dir = Path(out_dir)
    for m in made:
        write_record(out_dir, new_record(out_dir, data_dir, m))
    return write(out_dir, entries(out_dir))


def sha256(path: str | Path, _cache: dict = {}) -> str:  # noqa: B006  (a cache on purpose)
    """Hex SHA-256 of a file's content (remembered per path, size and modification time)."""
    st = os.stat(path)
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _cache:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _cache[key] = h.hexdigest()
    return _cache[key]


# ------------------------------------------------------------------ helpers


def _sha_or_none(path: Path) -> str | None:
    try:
        return sha256(path) if path.is_file() else None
    except OSError:
        return None


def _records(data: dict) -> list[dict]:
    return [r for r in data.get("records") or [] if isinstance(r, dict)]


def _record_path(out_dir: Path, rel: str) -> Path:
    return out_dir / RECORDS / f"{rel}.json"


def _record_files(out_dir: Path) -> list[Path]:
    root = Path(out_dir) / RECORDS
    return sorted(root.rglob("*.json")) if root.is_dir() else []


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning("%s could not be read (%s)", display_path(path), exc)
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data) -> None:
    """Write JSON atomically: a hidden temporary file beside it, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
