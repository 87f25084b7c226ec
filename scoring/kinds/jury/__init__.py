"""Jury packs: one per competition class for the jury's deliberation (``notebooks/jury_pack.ipynb``),
with a blind variant for shortlisting; and the jury's overview across the classes, one per year
(``reports/<year>/jury.html``, ``notebooks/jury_overview.ipynb``), which every named pack points
to. All of a year's packs and the overview are sent in one zip.

The pack's numbers and words are in :mod:`.pack`, its figure in :mod:`.figures`; the overview's
in :mod:`.overview`, the site-visit shortlist in :mod:`.shortlist`.
"""

from __future__ import annotations

from pathlib import Path

from ...reports.kind import Blind, ReportKind
from ...reports.privacy import Forbidden


def _classes(year: int, data_dir: Path) -> list[str]:
    """The classes with an entry in the year's data (from ``entries.csv``: the runner need not read
    the scores, 200,000 rows in a national year; a pack reads and checks them)."""
    from ...data.years import year_entries

    return list(year_entries(year, data_dir)["class"].dropna().astype(str).unique())


def class_label(class_id: str, year: int, data_dir: str | Path | None) -> str:
    """The Swedish label of a class from the year's rubric; the id if it cannot be read."""
    try:
        from ...rubric import load_rubric

        return load_rubric(year=year, data_dir=data_dir).class_label(class_id)
    except Exception:
        return class_id


def _names_and_districts(year: int, data_dir: Path) -> Forbidden:
    """A blind pack names no entry (by its name or an alias) and no district of the year."""
    from ...data.years import year_entries

    entries = year_entries(year, data_dir)
    aliases = [a for text in entries["aliases"].dropna() for a in str(text).split(";")]
    names = [*entries["name"].dropna(), *aliases, *entries["district"].dropna()]
    return Forbidden(names=[str(n) for n in names if str(n).strip()])


KINDS = (
    ReportKind(
        name="jury",
        model=True,
        notebook="jury_pack.ipynb",
        output="jury-{name}",
        label="Jurypaket – {label}",
        noun="jury packs",
        per="class",
        units="classes",
        parameter="class_id",
        names=_classes,
        label_of=class_label,
        section="Jurypaket per tävlingsklass",
        blind=Blind(suffix="-blind", context=", anonymiserat", label=" (anonymiserat)",
                    forbidden=_names_and_districts),
        bundle="jury.zip",
        bundle_label="Juryn (alla jurypaket)",
    ),
    ReportKind(
        name="jury_overview",
        model=True,
        notebook="jury_overview.ipynb",
        output="jury",
        label="Juryns översikt – alla klasser",
        noun="jury overviews",
        section="Juryns översikt",
        bundle="jury.zip",
        bundle_label="Juryn (alla jurypaket)",
    ),
)
