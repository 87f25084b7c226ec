"""Whom a report must not name: everyone else the private kinds' reports are about, and every
person of the private ``data/people.csv``.

Each private kind declares its people (:attr:`scoring.reports.kind.ReportKind.people`: the
examiners of every year, the trainees of every session); a report for one person may name
that person only. Worked out once per state of the data files and of the code.

``data/people.csv`` (:mod:`scoring.data.people`) holds names and e-mail addresses; reports hold
codes only, so no file any report publishes may hold any of them (:func:`contacts`): a private
report's files are checked before they are published (:func:`forbidden_for`), every zip before
it is written (:mod:`scoring.reports.bundle`), and the files of the other kinds right after
they are published, a report that holds one being withdrawn (:func:`withdraw_naming_contacts`).
The file is read here, in the process that runs the reports, never in a report's kernel.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from ..cache import cache_key, cached, folder_state
from ..data.people import people_path, personal_data
from ..kinds import REPORT_KINDS
from ..paths import DATA_DIR
from ..problems import InputError, display_path
from . import manifest, privacy

__all__ = ["Withdrawn", "contacts", "people", "forbidden_for", "withdraw_naming_contacts"]

_CONTACTS: dict[tuple, privacy.Forbidden] = {}


def people(data_dir: str | Path | None = None) -> dict[str, privacy.Person]:
    """Everyone the private kinds' reports are about, over every year of the data, by code."""
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR).resolve()

    def find() -> dict[str, privacy.Person]:
        found: dict[str, privacy.Person] = {}
        for kind in REPORT_KINDS.values():
            if kind.private and kind.people is not None:
                for code, person in kind.people(data_dir).items():
                    found.setdefault(str(code), person)
        return found

    # every file of every year is read: kept in the cache (scoring.cache) by the state of every file of the data
    return dict(cached("people", cache_key(data_dir, folder_state(data_dir), files=[]), find, dict))


def contacts(data_dir: str | Path | None = None) -> privacy.Forbidden:
    """Every name and e-mail address of ``<data_dir>/people.csv``, of every row (an empty set when
    there is no such file): what no report may hold.

    Raises :class:`~scoring.problems.InputError` when the file is there but they cannot be known
    (it cannot be read, or lacks the ``name`` or ``email`` column): the guard fails closed.
    """
    path = people_path(Path(data_dir if data_dir is not None else DATA_DIR))
    try:
        st = path.stat()
    except FileNotFoundError:
        return privacy.Forbidden()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _CONTACTS:
        names, emails = personal_data(path)
        _CONTACTS.clear()
        _CONTACTS[key] = privacy.Forbidden(names=names, emails=emails)
    return _CONTACTS[key]


def forbidden_for(person: str | None, data_dir: str | Path | None = None) -> privacy.Forbidden:
    """What a private report for ``person`` (a code: ``E07``, ``T03``) must not contain:
    everyone else's codes and names, and every name and address of ``people.csv``
    (:func:`contacts`; raises InputError when that file cannot be read)."""
    everyone = people(data_dir)
    own_key = str(person) if person is not None else None
    own = everyone.get(own_key, privacy.Person(own_key or ""))
    codes = {p.code for k, p in everyone.items() if k != own_key} - {own.code}
    names = {n for k, p in everyone.items() if k != own_key for n in p.names} - set(own.names)
    return privacy.Forbidden(codes=codes, names=names) | contacts(data_dir)


class Withdrawn(NamedTuple):
    """A published report that held a name or an address of ``people.csv`` (or could not be
    checked against it) and was taken back: its files removed, its record forgotten."""

    year: int | None
    kind: str
    name: str | None
    html: Path
    message: str


def withdraw_naming_contacts(out_dir: str | Path, reports: list[Path],
                             data_dir: str | Path | None = None) -> list[Withdrawn]:
    """Check the files of ``reports`` (HTML pages just published) against :func:`contacts`:
    the page, its executed notebook and the PDF beside it. A report that holds any of them, or whose
    files could not be checked (people.csv unreadable: the guard fails closed), is withdrawn:
    its files are removed and its record forgotten, so no index, manifest or zip has it.

    Private reports are skipped: their files were checked against the same names before they
    were published (:func:`forbidden_for`). Returns the reports withdrawn, each with a message
    naming the file and the word found.
    """
    out_dir = Path(out_dir)
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    where = display_path(people_path(data_dir))
    if not reports or not people_path(data_dir).exists():
        return []
    try:
        forbidden, unreadable = contacts(data_dir), None
    except InputError as exc:
        forbidden, unreadable = privacy.Forbidden(), f"could not be checked against {where} ({exc})"
    if not forbidden and unreadable is None:
        return []
    made = manifest.entries(out_dir)
    owned = manifest.Owned(out_dir)
    withdrawn = []
    for html in reports:
        rel = _rel(html, out_dir)
        info = made.get(rel) or {}
        kind = REPORT_KINDS.get(str(info.get("kind")))
        if kind is not None and kind.private and unreadable is None:
            continue
        files = [f for f in (html, html.with_suffix(".ipynb"), html.with_suffix(".pdf")) if f.is_file()]
        if unreadable is None:
            findings = privacy.scan([(_rel(f, out_dir), f) for f in files], forbidden)
            if not findings:
                continue
            why = f"{privacy.PrivacyError(findings)}"
        else:
            why = unreadable
        for f in files:
            if f in owned:
                f.unlink(missing_ok=True)
        manifest.forget(out_dir, html)
        withdrawn.append(Withdrawn(info.get("year"), str(info.get("kind") or "report"), info.get("name"), html,
                                   f"{why}; the report was withdrawn: reports hold codes only, never a name or "
                                   f"an address of {where}"))
    return withdrawn


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)
