"""Reports: run the notebooks (``runner``), make each a safe HTML page (``page``), link them (``index``).

``from scoring.reports import run_reports, parse_years, write_index`` is the public way in;
the stylesheet is ``style.css`` beside these modules (package data). The kinds of report are
declared in :mod:`scoring.kinds` (each with a :class:`~scoring.reports.kind.ReportKind`);
nothing here knows a kind by name. The names below are looked up on first use, so that a
kind's declaration can import :mod:`scoring.reports.kind` without loading the runner.
"""

from importlib import import_module

_WHERE = {
    "CSP": "page",
    "PageError": "page",
    "notebook_to_html": "page",
    "write_index": "index",
    "Failure": "runner",
    "LeftOut": "runner",
    "RunResult": "runner",
    "expand_kinds": "runner",
    "parse_years": "runner",
    "run_reports": "runner",
    "ReportKind": "kind",
    "stop_kernels": "warm",
}

__all__ = ["REPORT_KINDS", *_WHERE]


def __getattr__(name: str):
    if name == "REPORT_KINDS":
        return import_module("scoring.kinds").REPORT_KINDS
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
