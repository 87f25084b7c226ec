"""Reports: run the notebooks (``runner``), make each a safe HTML page (``page``), link them (``index``).

``from scoring.reports import run_reports, parse_years, write_index`` is the public way in;
the stylesheet is ``style.css`` beside these modules (package data).
"""

from .index import write_index
from .page import CSP, PageError, notebook_to_html
from .runner import (
    REPORT_KINDS,
    Failure,
    LeftOut,
    ReportKind,
    RunResult,
    expand_kinds,
    parse_years,
    run_reports,
)

__all__ = [
    "CSP",
    "REPORT_KINDS",
    "Failure",
    "LeftOut",
    "PageError",
    "ReportKind",
    "RunResult",
    "expand_kinds",
    "notebook_to_html",
    "parse_years",
    "run_reports",
    "write_index",
]
