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
executed notebooks are never sent. A shared zip also holds :data:`CONTENTS`, a text file in Swedish
saying what each file is and when it was made (the index says it too), so that the jury can
see whether the blind packs are there without opening them. Each private zip is scanned by the privacy guard
(:mod:`scoring.reports.privacy`) before it replaces the previous one; a zip that names
anyone else is not written and is reported as a failure. Every zip is written to a
temporary file, recorded, and moved into place. Zips this tool wrote for people who no
longer have a report that year are removed; a file in ``send/`` it did not write is never
touched. Every zip, the jury's too, is also scanned for the names and e-mail addresses of the
private ``data/people.csv`` (:func:`scoring.reports.audience.contacts`): reports hold codes only.

A zip is kept in step with its reports: :func:`out_of_date` names the zips of a year that no longer
hold what they should (a pack made again, blind packs made later, a report that has no zip yet), and
a run that made reports of a year with zips makes them again (:func:`scoring.reports.run_reports`),
also without ``--bundle``.

The send list
-------------
When ``data/people.csv`` exists, :func:`write_send_list` then writes ``data/<year>/utskick.csv``
(:data:`SEND_LIST`, outside the reports folder, atomically) for the office's mail merge: one row
per zip written, with ``zip`` (its path in the reports folder), ``code`` (whose it is: the
examiner's code, ``<session>/<trainee code>``, or the name of a shared zip without ``.zip``:
``jury``), the ``name`` and ``email`` that ``people.csv`` gives for that code (a trainee's
``<year>/<session>/<code>`` row first), ``sha256`` of the zip, ``made`` (when the zip with that
content was first made) and ``changed`` (``ja`` when the zip is new or its checksum differs from
the previous list's row for it, else ``nej``). A zip whose code has no row in ``people.csv`` is
listed with name and e-mail empty, and the run says so.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ..data.people import load_people, people_path
from ..data.tables import read_csv_table
from ..data.years import sessions_dir
from ..files import write_atomically
from ..kinds import REPORT_KINDS
from ..paths import DATA_DIR
from ..problems import InputError, display_path
from . import manifest, privacy
from .audience import contacts, forbidden_for
from .kind import ReportKind

__all__ = ["CONTENTS", "SEND_DIR", "SEND_LIST", "SEND_LIST_COLUMNS", "Bundles", "SendList", "write_bundles",
           "bundle_contents", "out_of_date", "recipients", "report_label", "report_name", "write_send_list"]

logger = logging.getLogger("scoring.report")

SEND_DIR = "send"
#: The text file in a shared zip that lists what the zip holds.
CONTENTS = "innehall.txt"
#: The send list's file name in ``data/<year>/``, and its columns.
SEND_LIST = "utskick.csv"
SEND_LIST_COLUMNS = ("zip", "code", "name", "email", "sha256", "made", "changed")


class Bundles(NamedTuple):
    """What :func:`write_bundles` did: the zips written, failures, and what was left out of them."""

    written: list[Path]
    failures: list[str]
    notes: list[str]


def bundle_contents(out_dir: str | Path, year: int) -> dict[str, tuple[bool, str | None, list[Path]]]:
    """What each zip of the year will hold: ``{zip name: (private, person code, files)}``."""
    return {k: (plan[0], plan[1], plan[3]) for k, plan in _plan(Path(out_dir), year)[0].items()}


def out_of_date(out_dir: str | Path, year: int, made: Mapping[str, dict] | None = None,
                zips: Mapping[str, dict] | None = None) -> list[str]:
    """The zips of the year's ``send/`` (by name) that do not hold what they should now: one with
    other files or other versions of them than its reports have now (blind packs made after it, a
    report made again), one that is missing (a report with no zip yet) or one left over (its
    reports are gone). Empty for a year that was never bundled (no zip of this tool in its ``send/``).

    ``made``: the manifest's entries and ``zips`` the zips' records, when the caller has them
    (default: read from the records, :func:`manifest.entries`, :func:`manifest.zips`).
    """
    out_dir = Path(out_dir)
    folder = Path(str(year), SEND_DIR)
    zips = manifest.zips(out_dir) if zips is None else zips
    have = {Path(rel).name: rec for rel, rec in zips.items() if Path(rel).parent == folder}
    if not have:
        return []
    plan = _plan(out_dir, year, made)[0]
    stale = []
    for name in sorted(set(plan) | set(have)):
        if name not in plan or name not in have:
            stale.append(name)
            continue
        recorded = {m.get("file"): m.get("sha256") for m in have[name].get("members") or []}
        if recorded != {f.relative_to(out_dir).as_posix(): _sha(f) for f in plan[name][3]}:
            stale.append(name)
    return stale


def _sha(path: Path) -> str | None:
    try:
        return manifest.sha256(path)
    except OSError:
        return None


def report_name(kind: ReportKind, rel: Path) -> str | None | bool:
    """The report name a path under a year's folder stands for (``jury-skola-blind.html``: the
    name ``skola-blind``); None for a kind made once a year; False if the path is not of this kind."""
    pattern = re.escape(kind.output).replace(re.escape("{name}"), "(?P<name>.+)")
    m = re.fullmatch(pattern + r"\.html", Path(rel).as_posix())
    if m is None:
        return False
    if "name" not in m.groupdict():
        return None
    name = m["name"]
    parts = len(kind.parameter) if isinstance(kind.parameter, tuple) else 1
    return name if name.count("/") == parts - 1 else False


def report_label(rel: str, info: Mapping, data_dir: str | Path | None = None) -> str:
    """The Swedish text the index links a report of the manifest with (``rel``: its HTML's path in
    the output folder; ``info``: its manifest entry), as the zips' contents files name it too."""
    kind = REPORT_KINDS.get(str(info.get("kind")))
    parts = Path(rel).parts
    if kind is None or len(parts) < 2 or not parts[0].isdigit():
        return Path(rel).name
    name = report_name(kind, Path(*parts[1:]))
    return kind.link_text(info.get("name") if name is False else name, int(parts[0]),
                          Path(data_dir) if data_dir is not None else None)


def recipients(out_dir: str | Path, year: int) -> dict[str, str]:
    """Whom each zip of the year is for: ``{zip name: code}``, the code as ``people.csv`` has it
    (``E07``, ``grundutbildning/T03``; a shared zip's name without ``.zip``: ``jury``)."""
    return {k: plan[2] for k, plan in _plan(Path(out_dir), year)[0].items()}


_Plan = dict[str, tuple[bool, str | None, str, list[Path], Callable | None]]


def _plan(out_dir: Path, year: int, made: Mapping[str, dict] | None = None) -> tuple[_Plan, list[str]]:
    """(what each zip will hold: private, the code the guard knows, the recipient's code, the
    files and what else it must not hold (the kind's ``forbidden`` for the report's name); notes
    on what was left out). ``made``: the manifest's entries (default: from the records)."""
    members: dict[str, tuple[bool, str | None, str, list[tuple[str, dict]]]] = {}
    extra: dict[str, Callable] = {}
    for rel, info in (manifest.entries(out_dir) if made is None else made).items():
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
            recipient = str(name) if name else html.stem
            if kind.forbidden is not None and name:
                extra[key] = partial(_forbidden_in, kind.forbidden, year, name)
        else:
            key, code, private = kind.bundle, None, False
            recipient = Path(kind.bundle).stem
        members.setdefault(key, (private, code, recipient, []))[3].append((rel, info))
    zips: _Plan = {}
    notes: list[str] = []
    owned = None  # read only when a PDF beside a report needs it
    for key, (private, code, recipient, reports) in sorted(members.items()):
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
            elif pdf.is_file() and pdf in (owned := owned or manifest.Owned(out_dir)):
                notes.append(f"{SEND_DIR}/{key}: {pdf.relative_to(out_dir).as_posix()} left out: it was made "
                             f"from an earlier version of {html.name}; run with --pdf to make it again")
        if files:
            zips[key] = (private, code, recipient, files, extra.get(key))
    return zips, notes


def _forbidden_in(forbidden: Callable, year: int, name: str, data_dir: Path) -> privacy.Forbidden:
    """A kind's ``forbidden(year, data_dir, name)`` with the data folder given last."""
    return forbidden(year, data_dir, name)


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
    made = manifest.entries(out_dir)
    contents, notes = _plan(out_dir, year, made)
    written: list[Path] = []
    failures: list[str] = []
    if not contents:
        return Bundles(written, failures, notes)
    try:
        everyone = contacts(data_dir)  # people.csv: no zip may hold a name or an address of it
    except InputError as exc:
        return Bundles(written, [f"{SEND_DIR}/: no zip written: {exc}: what no report may hold is not known"],
                       notes)
    owned = manifest.Owned(out_dir)
    send.mkdir(parents=True, exist_ok=True)
    for zip_name, (private, code, _, files, also) in sorted(contents.items()):
        target = send / zip_name
        if owned.foreign([target]):
            failures.append(f"{SEND_DIR}/{zip_name} not written: a file of that name is there that scoring report "
                            "did not write (or that was changed since), so it is left as it is; move it away to "
                            "have the zip written")
            continue
        tmp = send / f".{zip_name}.{uuid.uuid4().hex[:8]}.tmp"
        try:
            listing = None if private else _contents_text(zip_name, year, files, made, out_dir, data_dir)
            _write_zip(tmp, year, year_dir, files, listing)
            try:
                forbidden = forbidden_for(code, data_dir) if private else everyone
                if also is not None:
                    forbidden = forbidden | also(Path(data_dir) if data_dir is not None else DATA_DIR)
            except InputError as exc:  # people.csv changed since, and cannot be read
                failures.append(f"{SEND_DIR}/{zip_name} not written: {exc}")
                continue
            if forbidden:
                findings = privacy.scan([(f"{SEND_DIR}/{zip_name}", tmp)], forbidden)
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


def _write_zip(path: Path, year: int, year_dir: Path, files: list[Path], listing: str | None = None) -> None:
    """The zip of ``files``, each dated by its modification time; ``listing``: the text of
    :data:`CONTENTS`, dated by the newest file (so that a zip made again of the same files is the
    same bytes, and the send list marks it unchanged)."""
    def member(name: str, data: bytes, mtime: float) -> None:
        info = zipfile.ZipInfo(name, datetime.fromtimestamp(mtime).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        z.writestr(info, data)

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        if listing is not None:
            member(CONTENTS, listing.encode("utf-8"), max(f.stat().st_mtime for f in files))
        for f in files:
            member(_member_name(year, year_dir, f), f.read_bytes(), f.stat().st_mtime)


def _member_name(year: int, year_dir: Path, f: Path) -> str:
    return f"{year}-" + f.relative_to(year_dir).as_posix().replace("/", "-")


def _contents_text(zip_name: str, year: int, files: list[Path], made: Mapping[str, dict], out_dir: Path,
                   data_dir: str | Path | None) -> str:
    """What a shared zip holds, in Swedish, one line per file: its name in the zip, what it is and
    when it was made (a BOM and CRLF, so that Windows' Notepad shows it right)."""
    lines = [f"Innehåll i {zip_name}, Kvalitetsutmärkelsen {year}: {len(files)} filer.", ""]
    for f in files:
        html = f.with_suffix(".html").relative_to(out_dir).as_posix()
        info = made.get(html) or {}
        what = report_label(html, info, data_dir) if info else f.name
        if f.suffix == ".pdf":
            what += ", som PDF"
        elif when := _when(info.get("made")):
            what += f", gjord {when}"
        lines.append(f"{_member_name(year, out_dir / str(year), f)}: {what}")
    lines += ["", "Sidorna öppnas i en webbläsare och hämtar inget från internet."]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def _when(iso) -> str | None:
    try:
        return f"{datetime.fromisoformat(str(iso)):%Y-%m-%d %H:%M}" if iso else None
    except ValueError:
        return None


class SendList(NamedTuple):
    """What :func:`write_send_list` did: the list written (None if none), failures and notes."""

    path: Path | None
    failures: list[str]
    notes: list[str]


def write_send_list(out_dir: str | Path, year: int, data_dir: str | Path | None, zips: Iterable[Path]) -> SendList:
    """Write ``<data_dir>/<year>/utskick.csv`` for the zips of ``zips`` that lie in the year's
    ``send/`` (those :func:`write_bundles` just wrote), when ``<data_dir>/people.csv`` exists.

    Nothing is written without ``people.csv`` (a note says so when a list of an earlier run is
    still there, since it holds names and addresses), when ``people.csv`` has errors (each is a
    failure) or when no zip was written (the list of the last run stays as it was). A zip whose
    code has no row in ``people.csv`` is listed without name and address, with a note.
    """
    out_dir = Path(out_dir)
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    target = data_dir / str(year) / SEND_LIST
    source = people_path(data_dir)
    if not source.exists():
        kept = ([f"{display_path(target)} from an earlier run is still there and lists names and e-mail addresses; "
                 f"{display_path(source)} is gone: delete the list too if they are to go"] if target.exists() else [])
        return SendList(None, [], kept)
    listed = sorted(z for z in map(Path, zips) if z.parent == out_dir / str(year) / SEND_DIR and z.is_file())
    if not listed:
        return SendList(None, [], [])
    people, problems = load_people(data_dir)
    errors = [p for p in problems if p.is_error]
    if errors:
        shown = "; ".join(str(p) for p in errors[:5]) + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
        return SendList(None, [f"{display_path(target)} not written: {display_path(source)} has errors: {shown}"], [])
    by_code = {str(c).casefold(): (n, e) for c, n, e in people[["code", "name", "email"]].itertuples(index=False)}
    whose = recipients(out_dir, year)
    made = manifest.zips(out_dir)
    previous, notes = _previous(target)
    rows = []
    for z in listed:
        rel = z.relative_to(out_dir).as_posix()
        code = whose.get(z.name, z.stem)
        person = by_code.get(f"{year}/{code}".casefold()) if "/" in code else None
        if person is None:
            person = by_code.get(code.casefold())
            if person is not None and "/" in code and _session_in_other_years(data_dir, year, code):
                notes.append(f"{rel}: {display_path(source)} gives {code} without a year, and a session of that "
                             f"name is in other years too: write {year}/{code} to be sure it is this year's trainee")
        if person is None:
            notes.append(f"{rel}: {code} has no row in {display_path(source)}, so it is listed without name and "
                         "e-mail: add the person there, or send it by hand")
        name, email = person or ("", "")
        sha = manifest.sha256(z)
        before = previous.get(rel)
        changed = before is None or before[0] != sha
        when = (made.get(rel) or {}).get("made") or datetime.now().astimezone().isoformat(timespec="seconds")
        rows.append((rel, code, name, email, sha, when if changed else before[1], "ja" if changed else "nej"))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(SEND_LIST_COLUMNS)
    writer.writerows(rows)
    write_atomically(target, "\ufeff" + text.getvalue())  # a BOM, so that Excel reads å, ä and ö right
    logger.info("%s: send list of %d zip(s) written to %s (%d changed)", year, len(rows), display_path(target),
                sum(r[-1] == "ja" for r in rows))
    return SendList(target, [], notes)


def _previous(path: Path) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """The previous send list: ``{zip: (sha256, made)}``, and a note when it could not be read
    (then every zip counts as changed)."""
    if not path.exists():
        return {}, []
    table, problems = read_csv_table(path, display_path(path))
    if table is None or not all(c in table.columns for c in ("zip", "sha256", "made")):
        why = "; ".join(str(p) for p in problems if p.is_error) or "it lacks the columns zip, sha256 and made"
        return {}, [f"the previous {display_path(path)} could not be read ({why}): every zip is marked changed"]
    i, s, m = (table.columns[c] for c in ("zip", "sha256", "made"))
    return {cells[i]: (cells[s], cells[m]) for _, cells in table.rows}, []


def _session_in_other_years(data_dir: Path, year: int, code: str) -> bool:
    """Whether the session of a trainee's ``<session>/<code>`` has a folder in another year."""
    session = code.split("/")[-2]
    return any((sessions_dir(p.name, data_dir) / session).is_dir() for p in data_dir.iterdir()
               if p.is_dir() and p.name.isdigit() and p.name != str(year))
