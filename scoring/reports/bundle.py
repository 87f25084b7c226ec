"""``reports/<year>/send/``: one zip per person with only their own reports, one for the jury.

``scoring report --bundle`` writes, for every year of the run, from the reports this tool
published in that year's folder (as their records say, :mod:`scoring.reports.manifest`):

* ``send/<code>.zip`` for every person with a private report (an examiner's feedback, a
  trainee's page): only that person's reports, the HTML and the PDF if one was made;
* a shared zip for a kind that declares one (:attr:`scoring.reports.kind.ReportKind.bundle`):
  ``send/jury.zip``, the jury packs of every class (and their PDFs).

A zip holds only files made from the same data in the same state: a PDF goes in only if it
was made with the very HTML beside it (a PDF of an earlier version, left from a run with
``--pdf`` before the report was made again without it, stays out); of reports that read the
same data file in different states (one made again after a correction, one not), only those
made from the newest state go in; a report whose provenance is unknown stays out. Each one
left out is named in the notes :func:`write_bundles` returns, with what to do.

Members are named ``<year>-<path with / as ->``, e.g. ``2024-examiners-E07.html``. The
executed notebooks are never sent. Each private zip is scanned by the privacy guard
(:mod:`scoring.reports.privacy`) before it replaces the previous one; a zip that names
anyone else is not written and is reported as a failure. Every zip is written to a
temporary file, recorded, and moved into place. Zips this tool wrote for people who no
longer have a report that year are removed; a file in ``send/`` it did not write is never
touched.
"""

from __future__ import annotations

import logging
import os
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from ..kinds import REPORT_KINDS
from . import manifest, privacy
from .audience import forbidden_for

__all__ = ["SEND_DIR", "Bundles", "write_bundles", "bundle_contents"]

logger = logging.getLogger("scoring.report")

SEND_DIR = "send"


class Bundles(NamedTuple):
    """What :func:`write_bundles` did: the zips written, failures, and what was left out of them."""

    written: list[Path]
    failures: list[str]
    notes: list[str]


def bundle_contents(out_dir: str | Path, year: int) -> dict[str, tuple[bool, str | None, list[Path]]]:
    """What each zip of the year will hold: ``{zip name: (private, person code, files)}``."""
    return _plan(Path(out_dir), year)[0]


def _plan(out_dir: Path, year: int) -> tuple[dict[str, tuple[bool, str | None, list[Path]]], list[str]]:
    """(what each zip will hold, notes on what was left out)."""
    members: dict[str, tuple[bool, str | None, list[tuple[str, dict]]]] = {}
    for rel, info in manifest.entries(out_dir).items():
        kind = REPORT_KINDS.get(str(info.get("kind")))
        if info.get("year") != year or kind is None or not (kind.private or kind.bundle):
            continue
        html = out_dir / rel
        if kind.private:
            # one zip per report name (a trainee's is keyed by session and code, so that two sessions'
            # T03 never meet); the person's code is the last part of the name
            name = info.get("name")
            key = f"{kind.safe_name(name).replace('/', '-')}.zip" if name else f"{html.stem}.zip"
            code, private = (kind.split(name)[-1] if name else html.stem), True
        else:
            key, code, private = kind.bundle, None, False
        members.setdefault(key, (private, code, []))[2].append((rel, info))
    zips: dict[str, tuple[bool, str | None, list[Path]]] = {}
    notes: list[str] = []
    owned = manifest.Owned(out_dir) if members else None
    for key, (private, code, reports) in sorted(members.items()):
        files: list[Path] = []
        newest = max((info for _, info in reports if info.get("verified")), key=_made, default=None)
        for rel, info in sorted(reports):
            html, pdf = out_dir / rel, (out_dir / rel).with_suffix(".pdf")
            if not info.get("verified"):
                notes.append(f"{SEND_DIR}/{key}: {rel} left out: which data it was made from is not known "
                             "(a run was stopped while making it); make the report again")
                continue
            other = _differs(info, newest)
            if other:
                notes.append(f"{SEND_DIR}/{key}: {rel} left out: it was made from another state of {other} "
                             "than the newest report in this zip; make it again")
                continue
            files.append(html)
            if info.get("pdf"):
                files.append(out_dir / info["pdf"])
            elif pdf.is_file() and pdf in owned:
                notes.append(f"{SEND_DIR}/{key}: {pdf.relative_to(out_dir).as_posix()} left out: it was made "
                             f"from an earlier version of {html.name}; run with --pdf to make it again")
        if files:
            zips[key] = (private, code, files)
    return zips, notes


def _made(info: dict) -> float:
    try:
        return datetime.fromisoformat(info["made"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0


def _differs(info: dict, newest: dict | None) -> str | None:
    """A data file both reports read, in different states (None if there is none)."""
    if newest is None or info is newest:
        return None
    theirs = {i.get("file"): i.get("sha256") for i in newest.get("inputs") or []}
    for i in info.get("inputs") or []:
        if i.get("file") in theirs and theirs[i.get("file")] != i.get("sha256"):
            return str(i.get("file"))
    return None


def write_bundles(out_dir: str | Path, year: int, *, data_dir: str | Path | None = None) -> Bundles:
    """Write ``<out_dir>/<year>/send/``; returns (zips written, failure messages, notes)."""
    out_dir = Path(out_dir)
    year_dir = out_dir / str(year)
    send = year_dir / SEND_DIR
    contents, notes = _plan(out_dir, year)
    written: list[Path] = []
    failures: list[str] = []
    if not contents:
        return Bundles(written, failures, notes)
    owned = manifest.Owned(out_dir)
    send.mkdir(parents=True, exist_ok=True)
    for zip_name, (private, code, files) in sorted(contents.items()):
        target = send / zip_name
        if owned.foreign([target]):
            failures.append(f"{SEND_DIR}/{zip_name} not written: a file of that name is there that scoring report "
                            "did not write (or that was changed since), so it is left as it is; move it away to "
                            "have the zip written")
            continue
        tmp = send / f".{zip_name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            _write_zip(tmp, year, year_dir, files)
            if private:
                findings = privacy.scan([(f"{SEND_DIR}/{zip_name}", tmp)], forbidden_for(code, data_dir))
                if findings:
                    failures.append(f"{SEND_DIR}/{zip_name} not written: {privacy.PrivacyError(findings)}")
                    continue
            manifest.write_zip_record(out_dir, target, tmp, files)  # first: the zip matches a record
            os.replace(tmp, target)
            written.append(target)
        finally:
            tmp.unlink(missing_ok=True)
    for old in sorted(send.glob("*.zip")):
        if old.name not in contents and old in owned:
            logger.info("%s: removed, no reports for it any more", old)
            old.unlink()
            manifest.forget(out_dir, old)
    logger.info("%s: %d zip(s) written to %s", year, len(written), send)
    return Bundles(written, failures, notes)


def _write_zip(path: Path, year: int, year_dir: Path, files: list[Path]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in files:
            arcname = f"{year}-" + f.relative_to(year_dir).as_posix().replace("/", "-")
            info = zipfile.ZipInfo(arcname, datetime.fromtimestamp(f.stat().st_mtime).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, f.read_bytes())
