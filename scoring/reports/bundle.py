"""``reports/<year>/send/``: one zip per person with only their own reports, one for the jury.

``scoring report --bundle`` writes, for every year of the run, from the reports published
in that year's folder:

* ``send/<code>.zip`` for every person with a private report (an examiner's feedback, a
  trainee's page): only that person's reports, the HTML and the PDF if one was made;
* a shared zip for a kind that declares one (:attr:`scoring.reports.kind.ReportKind.bundle`):
  ``send/jury.zip``, the jury packs of every class (and their PDFs).

Members are named ``<year>-<path with / as ->``, e.g. ``2024-examiners-E07.html``. The
executed notebooks are never sent. Each private zip is scanned by the privacy guard
(:mod:`scoring.reports.privacy`) before it replaces the previous one; a zip that names
anyone else is not written and is reported as a failure. Every zip is written to a
temporary file and moved into place, and zips of people who no longer have a report
that year are removed.
"""

from __future__ import annotations

import logging
import os
import uuid
import zipfile
from datetime import datetime
from pathlib import Path

from ..kinds import REPORT_KINDS
from . import manifest, privacy
from .audience import forbidden_for

__all__ = ["SEND_DIR", "write_bundles", "bundle_contents"]

logger = logging.getLogger("scoring.report")

SEND_DIR = "send"


def bundle_contents(out_dir: str | Path, year: int) -> dict[str, tuple[bool, str | None, list[Path]]]:
    """What each zip of the year will hold: ``{zip name: (private, person code, files)}``."""
    year_dir = Path(out_dir) / str(year)
    names = {rel: r.get("name") for rel, r in manifest.load(out_dir).get("reports", {}).items()}
    zips: dict[str, tuple[bool, str | None, list[Path]]] = {}
    for kind in REPORT_KINDS.values():
        if not (kind.private or kind.bundle):
            continue
        for html in sorted(year_dir.glob(kind.glob())):
            rel = html.relative_to(year_dir)
            if any(part.startswith(".") for part in rel.parts) or rel.parts[0] == SEND_DIR:
                continue
            files = [html] + [p for p in (html.with_suffix(".pdf"),) if p.is_file()]
            if kind.private:
                # the person's code: the last part of the report's name (the file name is its safe form)
                name = names.get(html.relative_to(year_dir.parent).as_posix())
                code = kind.split(name)[-1] if name else html.stem
                key, private = f"{html.stem}.zip", True
            else:
                key, code, private = kind.bundle, None, False
            zips.setdefault(key, (private, code, []))[2].extend(files)
    return zips


def write_bundles(out_dir: str | Path, year: int, *, data_dir: str | Path | None = None
                  ) -> tuple[list[Path], list[str]]:
    """Write ``<out_dir>/<year>/send/``; returns (zips written, failure messages)."""
    out_dir = Path(out_dir)
    year_dir = out_dir / str(year)
    send = year_dir / SEND_DIR
    contents = bundle_contents(out_dir, year)
    written: list[Path] = []
    failures: list[str] = []
    if not contents:
        return written, failures
    send.mkdir(parents=True, exist_ok=True)
    for zip_name, (private, code, files) in sorted(contents.items()):
        target = send / zip_name
        tmp = send / f".{zip_name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            _write_zip(tmp, year, year_dir, files)
            if private:
                findings = privacy.scan([(f"{SEND_DIR}/{zip_name}", tmp)], forbidden_for(code, data_dir))
                if findings:
                    failures.append(f"{SEND_DIR}/{zip_name} not written: {privacy.PrivacyError(findings)}")
                    continue
            os.replace(tmp, target)
            written.append(target)
        finally:
            tmp.unlink(missing_ok=True)
    for old in send.glob("*.zip"):
        if old.name not in contents:
            logger.info("%s: removed, no reports for it any more", old)
            old.unlink()
    logger.info("%s: %d zip(s) written to %s", year, len(written), send)
    return written, failures


def _write_zip(path: Path, year: int, year_dir: Path, files: list[Path]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in files:
            arcname = f"{year}-" + f.relative_to(year_dir).as_posix().replace("/", "-")
            info = zipfile.ZipInfo(arcname, datetime.fromtimestamp(f.stat().st_mtime).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, f.read_bytes())
