"""The registry of report kinds: one package per kind, each holding its numbers, its Swedish
words and its figures, and declaring in its ``__init__`` what it contributes (``KINDS``: a
:class:`scoring.reports.kind.ReportKind` each).

A new kind is a new package here, listed below, and its notebook; the runner, index,
bundles and privacy guard (:mod:`scoring.reports`) read only these declarations.
"""

from __future__ import annotations

from ..reports.kind import ReportKind
from . import calibration_report, decision, entry, examiner, jury, training

__all__ = ["REPORT_KINDS", "KIND_PACKAGES", "KIND_GROUPS", "DEFAULT_KIND", "ReportKind"]

_PACKAGES = (calibration_report, jury, decision, examiner, training, entry)  # in index order

#: Every kind of report, in index order.
REPORT_KINDS: dict[str, ReportKind] = {k.name: k for package in _PACKAGES for k in package.KINDS}

#: The package that declares each kind: what a warm kernel imports for a run of that kind.
KIND_PACKAGES: dict[str, str] = {k.name: package.__name__ for package in _PACKAGES for k in package.KINDS}

#: The kind made when none is named (``scoring report --year 2024``).
DEFAULT_KIND = "calibration"

#: Names the command line takes for several kinds at once: ``--kind training`` makes the
#: trainer's report and every trainee's page.
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    group: tuple(k.name for k in REPORT_KINDS.values() if group in (k.name, k.group))
    for group in {k.group for k in REPORT_KINDS.values() if k.group}
}
