"""The jury's decision: the published decision (``reports/<year>/beslut.html``, from
``notebooks/decision.ipynb``) and the decision beside the numbers for the jury's record
(``reports/<year>/beslut-underlag.html``, from ``notebooks/decision_record.ipynb``);
``--kind decision`` makes both.

Both are made only for a year whose folder holds a ``decisions.csv``: a year without one has no
decision documents, and that is no error. What the documents hold is in :mod:`.decision`, the
published words in :mod:`.words`, the record's in :mod:`.record`. Both go to the jury's zip.
"""

from __future__ import annotations

from pathlib import Path

from ...reports.kind import ReportKind

#: The documents' file names in ``reports/<year>/`` (without ``.html``).
PUBLISHED, RECORD = "beslut", "beslut-underlag"


def _published(year: int, data_dir: Path) -> list[str]:
    """``beslut`` when the year has a decision, else nothing."""
    from .decision import has_decision

    return [PUBLISHED] if has_decision(year, data_dir) else []


def _record(year: int, data_dir: Path) -> list[str]:
    """``beslut-underlag`` when the year has a decision, else nothing."""
    from .decision import has_decision

    return [RECORD] if has_decision(year, data_dir) else []


def _context(name: str, year: int, data_dir: Path | None) -> str:
    return "Kvalitetsutmärkelsen"


KINDS = (
    ReportKind(
        name="decision",
        model=True,
        notebook="decision.ipynb",
        output="{name}",
        label="Juryns beslut",
        noun="decision documents",
        per="decision",
        units="decisions",
        names=_published,
        none_ok=True,
        label_of=_context,
        section="Juryns beslut",
        bundle="jury.zip",
        bundle_label="Juryn (alla jurypaket)",
    ),
    ReportKind(
        name="decision_record",
        model=True,
        notebook="decision_record.ipynb",
        output="{name}",
        label="Beslutet bredvid underlaget (för juryns akt)",
        noun="decision records",
        per="decision",
        units="decisions",
        names=_record,
        none_ok=True,
        label_of=_context,
        section="Beslutet och underlaget",
        group="decision",
        bundle="jury.zip",
        bundle_label="Juryn (alla jurypaket)",
    ),
)
