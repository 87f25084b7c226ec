"""Whom a private report must not name: everyone else the private kinds' reports are about.

Each private kind declares its people (:attr:`scoring.reports.kind.ReportKind.people`: the
examiners of every year, the trainees of every session); a report for one person may name
that person only. Worked out once per state of the data files and of the code.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..cache import cache_key
from ..kinds import REPORT_KINDS
from ..paths import DATA_DIR
from . import privacy

__all__ = ["people", "forbidden_for"]

_PEOPLE: dict[tuple[Path, str], dict[str, privacy.Person]] = {}


def people(data_dir: str | Path | None = None) -> dict[str, privacy.Person]:
    """Everyone the private kinds' reports are about, over every year of the data, by code."""
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    key = (data_dir, cache_key(files=_data_files(data_dir)))
    if key not in _PEOPLE:
        found: dict[str, privacy.Person] = {}
        for kind in REPORT_KINDS.values():
            if kind.private and kind.people is not None:
                for code, person in kind.people(data_dir).items():
                    found.setdefault(str(code), person)
        _PEOPLE.clear()
        _PEOPLE[key] = found
    return dict(_PEOPLE[key])


def forbidden_for(person: str | None, data_dir: str | Path | None = None) -> privacy.Forbidden:
    """What a private report for ``person`` (a code: ``E07``, ``T03``) must not contain:
    everyone else's codes and names."""
    everyone = people(data_dir)
    own_key = str(person) if person is not None else None
    own = everyone.get(own_key, privacy.Person(own_key or ""))
    codes = {p.code for k, p in everyone.items() if k != own_key} - {own.code}
    names = {n for k, p in everyone.items() if k != own_key for n in p.names} - set(own.names)
    return privacy.Forbidden(codes=codes, names=names)


def _data_files(data_dir: Path) -> list[Path]:
    """Every CSV file and workbook under a year folder: what the people are read from."""
    files: list[Path] = []
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        if year_dir.is_dir() and re.fullmatch(r"[0-9]{4}", year_dir.name):
            files += sorted(p for p in year_dir.rglob("*") if p.suffix in (".csv", ".xlsx") and p.is_file())
    return files
