"""The demo's report pages that the browser modules open, each made once per session.

A module names the pages of the demo data (``scoring.paths.DATA_DIR``) it opens in a module
constant ``DEMO_PAGES``, a :class:`Wanted`: the year, the names by kind, and whether it reads
their PDFs. The session fixture ``demo_pages`` (conftest.py) makes what the session's modules
want together (:meth:`DemoPages.make`), and each module takes its own pages from it
(:meth:`DemoPages.of`): a page two modules open is made once.

``run_reports`` prints every report of a call to PDF or none, and printing adds to the time of
every page, so a year's pages are made in at most two calls: the pages some module reads the PDF
of with ``pdf=True``, the others without.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scoring.paths import DATA_DIR

#: (year, kind, name): one page; name None for a kind made once a year (the calibration report).
Page = tuple[int, str, str | None]


@dataclass(frozen=True)
class Wanted:
    """The demo pages a module opens: by kind the names (None for a kind made once a year), all of
    ``year``; ``pdf``: the module reads their PDFs as well, printed by the run (``scoring report --pdf``)."""

    year: int
    names: Mapping[str, Sequence[str] | None]
    pdf: bool = False

    def pages(self) -> list[Page]:
        return [(self.year, kind, name) for kind, names in self.names.items() for name in (names or [None])]


@dataclass
class Run:
    """One ``run_reports`` call of the session: its folder, its result and how long it took."""

    out: Path
    result: object  # scoring.reports.RunResult
    seconds: float


@dataclass
class DemoPages:
    runs: dict[tuple[int, bool], Run] = field(default_factory=dict)  # by (year, pdf)
    made_by: dict[Page, tuple[int, bool]] = field(default_factory=dict)  # each page's run

    @classmethod
    def make(cls, wants: Iterable[Wanted], out: Path) -> DemoPages:
        """Every page of ``wants`` made once into folders under ``out``: one ``run_reports`` call a
        year for the pages whose PDF is read (``pdf=True``), one for the others."""
        from scoring.reports import run_reports

        wants = list(wants)
        printed = {p for w in wants if w.pdf for p in w.pages()}
        made = cls()
        calls: dict[tuple[int, bool], dict[str, set]] = {}  # by run, the names by kind
        for page in dict.fromkeys(p for w in wants for p in w.pages()):
            year, kind, name = page
            made.made_by[page] = key = (year, page in printed)
            calls.setdefault(key, {}).setdefault(kind, set()).add(name)
        for (year, pdf), kinds in sorted(calls.items()):
            folder = out / f"{year}{'-pdf' if pdf else ''}"
            start = time.perf_counter()
            result = run_reports([year], list(kinds), data_dir=DATA_DIR, out_dir=folder, progress=False, workers=2,
                                 pdf=pdf, names={k: sorted(v) for k, v in kinds.items() if None not in v})
            made.runs[year, pdf] = Run(folder, result, time.perf_counter() - start)
        return made

    def of(self, wanted: Wanted) -> dict[tuple[str, str | None], Path]:
        """The module's pages by (kind, name), each checked to be written (with its PDF when the
        module reads it), after checking that no run that made them failed at them or as a whole."""
        from scoring.reports import REPORT_KINDS

        pages = wanted.pages()
        runs = {self.made_by[p] for p in pages}
        failures = [f for key in runs for f in self.runs[key].result.failures
                    if f.kind not in REPORT_KINDS  # the whole run: its index, the zips ...
                    or (wanted.year, f.kind, f.name) in pages or (f.name is None and f.kind in wanted.names)]
        assert failures == [], failures
        found = {}
        for page in pages:
            year, kind, name = page
            found[kind, name] = html = REPORT_KINDS[kind].output_html(self.runs[self.made_by[page]].out, year, name)
            assert html.is_file(), (kind, name)
            assert not wanted.pdf or html.with_suffix(".pdf").is_file(), (kind, name, "no PDF")
        return found
