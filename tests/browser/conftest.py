"""Browser tests: every kind of report opened in headless Chromium, driven by Playwright.

What they need: Debian's ``chromium`` (``apt-get install chromium``; Playwright's own
browser download is never used: the browser is launched by ``executable_path``) and the
``dev`` extra's ``playwright`` and ``axe-playwright-python``. Without them the tests are
skipped with one line saying what to install, except in CI (``CI=true``), where a missing
piece fails every test instead.

Each report kind (``report_kinds.KINDS``) is produced once per session for two data sets:
the demo year (``demo``) and a copy of it holding hostile text (``hostile``, built by
``hostile_data.hostile_copy``). The demo run also prints its reports to PDF. One browser
serves every test; a test opens its page in a context of its own that records every request,
console message and dialog of that load (``open_page``: a context is given back after the test and
navigated to the next test's page), or, when it only reads the page, shares the session's one load
of it (``read_page``).

The modules that open other pages of the demo data (the 2024 jury packs, letters ...) name them
in ``DEMO_PAGES``; ``demo_pages`` makes what the session's modules name, each page once
(``demo_pages.py``).

Screenshots go to ``tests/artifacts/browser/`` (git-ignored; ``SCORING_TEST_ARTIFACTS``
names another folder); the session's last line says where.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_support import SCREEN, YEAR, artifacts_dir, require_browser, require_kind
from demo_pages import DemoPages
from report_kinds import KINDS, Kind

from scoring.paths import DATA_DIR
from scoring.reports.pdf import CHROMIUM_FLAGS

# --------------------------------------------------------------------------------------
# session: the browser and the reports
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    return require_browser()


@pytest.fixture(scope="session")
def browser(chromium):
    """One headless Chromium for the session (Playwright gives it a fresh temporary profile)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=list(CHROMIUM_FLAGS))
        yield b
        b.close()


@dataclass
class Sample:
    """One report page made for the browser tests."""

    kind: Kind
    variant: str
    name: str | None = None
    page: Path | None = None
    error: str | None = None
    names: list[str] = field(default_factory=list)  # besides the year, what title and heading name
    shows: list[str] = field(default_factory=list)  # hostile strings it must show literally
    title: str | None = None  # the <title> as written

    def check(self) -> Path:
        """The page, or fail with why it was not made."""
        if self.error:
            pytest.fail(f"{self.kind.id} ({self.variant}) was not made: {self.error}", pytrace=False)
        return self.page


@dataclass
class Made:
    samples: dict[tuple[str, str], Sample]
    seconds: dict[str, float]  # per variant, the whole run_reports call
    hostile: dict  # what hostile_data.hostile_copy put where
    demo_run: object  # the demo run's RunResult (its PDFs among them), None if no kind could be made


def _make(variant: str, data_dir: Path, out_dir: Path, hostile: dict | None):
    """Run every available kind once for ``variant``; the demo run prints PDFs as well."""
    from scoring.data import load_year
    from scoring.reports import run_reports

    year = load_year(YEAR, data_dir)
    ready = [k for k in KINDS if k.missing() is None]
    samples, options = [], {"names": {}}
    for kind in ready:
        name = kind.pick(year, data_dir)
        for key, value in kind.options(name).items():  # each kind's names beside the others'
            options[key] = {**options[key], **value} if key == "names" else value
        samples.append(Sample(kind, variant, name, kind.page(out_dir, YEAR, name),
                              names=[str(YEAR), *kind.names(year, name)],
                              shows=list(kind.shows(hostile, name)) if hostile else []))
    if not ready:
        return samples, None
    result = run_reports([YEAR], [k.runner for k in ready], data_dir=data_dir, out_dir=out_dir, progress=False,
                         timeout=600, workers=2, pdf=variant == "demo", **options)
    for s in samples:
        failed = [f.message for f in result.failures if f.kind == s.kind.runner and not f.message.startswith("PDF:")]
        if failed or not s.page.is_file():
            s.error = "; ".join(failed) or f"{s.page} was not written"
        else:
            s.title = _title(s.page.read_text(encoding="utf-8"))
    return samples, result


def _title(page: str) -> str:
    from html import unescape

    return unescape(page[page.index("<title>") + len("<title>"): page.index("</title>")])


@pytest.fixture(scope="session")
def made(chromium, tmp_path_factory) -> Made:
    """Every available kind's sample page, for the demo data and for the hostile copy."""
    from hostile_data import hostile_copy

    hostile = hostile_copy(tmp_path_factory.mktemp("browser-hostile") / "data")
    samples, seconds, runs = {}, {}, {}
    for variant, data_dir, h in (("demo", DATA_DIR, None), ("hostile", hostile["data"], hostile)):
        start = time.perf_counter()
        made, runs[variant] = _make(variant, data_dir, tmp_path_factory.mktemp(f"browser-{variant}"), h)
        seconds[variant] = _TIMES[f"reports made ({variant})"] = time.perf_counter() - start
        samples.update({(s.kind.id, variant): s for s in made})
    return Made(samples, seconds, hostile, runs["demo"])


@pytest.fixture(scope="session")
def demo_pages(chromium, request, tmp_path_factory) -> DemoPages:
    """The demo pages that the session's modules name in ``DEMO_PAGES``, each made once: in one
    ``run_reports(pdf=True)`` call a year for those whose PDF a module reads, one without for the rest."""
    modules = {item.module for item in request.session.items if getattr(item, "module", None) is not None}
    wants = [m.DEMO_PAGES for m in sorted(modules, key=lambda m: m.__name__) if hasattr(m, "DEMO_PAGES")]
    pages = DemoPages.make(wants, tmp_path_factory.mktemp("browser-demo-pages"))
    for (year, pdf), run in pages.runs.items():
        _TIMES[f"demo {year} pages made{' with PDFs' if pdf else ''}"] = run.seconds
    return pages


def pytest_runtest_setup(item):
    """Before any fixture: skip (fail in CI) without the tools; fail a kind that cannot be made.

    Skipping here rather than in a fixture makes pytest fold the skips into one line saying
    what to install.
    """
    require_browser()
    params = getattr(item, "callspec", None)
    if params is not None and "sample" in params.params:
        require_kind(params.params["sample"][0])


@pytest.fixture
def sample(request, made) -> Sample:
    """The sample for the test's ``(kind, variant)`` parameter."""
    kind, variant = request.param
    s = made.samples[(kind, variant)]
    s.check()
    return s


# --------------------------------------------------------------------------------------
# a page opened in a context of its own, recording what its load does
# --------------------------------------------------------------------------------------


@dataclass
class Opened:
    page: object  # playwright Page
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


class _Tab:
    """A context of ``browser`` with one page, whose records go to the load under way: every request
    is routed through a handler (the page's own file goes through, any other URL is recorded and
    aborted, so nothing leaves the machine even when a test fails); dialogs are recorded and dismissed."""

    def __init__(self, browser, viewport: dict, options: dict):
        self.page = browser.new_context(viewport=viewport, **options).new_page()
        self.opened: Opened | None = None
        self.page.context.route("**/*", self._route)
        self.page.on("request", lambda r: self.opened.requests.append(r.url) if r.url not in self.opened.requests
                     else None)
        self.page.on("console", lambda m: self.opened.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.opened.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _route(self, r):
        opened = self.opened
        opened.requests.append(r.request.url)
        if r.request.url == opened.url or r.request.url.startswith("data:"):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    def _dialog(self, d):
        self.opened.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def load(self, path: Path) -> Opened:
        """``path`` loaded, as on the screen (media emulation off), recorded afresh."""
        self.page.emulate_media(media="null")
        self.opened = Opened(self.page, Path(path).resolve().as_uri())
        self.page.goto(self.opened.url, wait_until="load")
        return self.opened


def _open(browser, path: Path, *, viewport=None, **options) -> Opened:
    """The page loaded in a new context of ``browser`` (:class:`_Tab`; closed with
    ``opened.page.context.close()``)."""
    return _Tab(browser, viewport or SCREEN, options).load(path)


@pytest.fixture(scope="session")
def _tabs(browser):
    """The session's tabs by their context's options, each free for the next ``open_page``."""
    tabs: dict[str, list[_Tab]] = {}
    yield tabs
    for tab in [t for free in tabs.values() for t in free]:
        tab.page.context.close()


@pytest.fixture
def open_page(browser, _tabs):
    """``open_page(path, **context_options) -> Opened``: the page loaded in a context of its own with those
    options, recording what this load does: a new one, or one an earlier test opened with the same options
    and gave back, its page navigated to ``path`` (a new context and its renderer process cost Chromium
    0.4-0.6 s of CPU; a navigation in the renderer at hand 0.1 s). Given back after the test."""
    taken: list[tuple[str, _Tab]] = []

    def _open_one(path: Path, *, viewport=None, **options) -> Opened:
        viewport = viewport or SCREEN
        key = repr((sorted(viewport.items()), sorted(options.items())))
        free = _tabs.setdefault(key, [])
        tab = free.pop() if free else _Tab(browser, viewport, options)
        taken.append((key, tab))
        return tab.load(path)

    yield _open_one
    for key, tab in taken:
        if tab.page.is_closed():
            continue
        _tabs[key].append(tab)


@pytest.fixture(scope="session")
def _read_only_pages(browser):
    pages: dict[Path, Opened] = {}
    yield pages
    for o in pages.values():
        o.page.context.close()


@pytest.fixture
def read_page(_read_only_pages, browser):
    """``read_page(path) -> Opened``: the page loaded once for the session in a context of its own at
    the screen's size (:func:`_open`), for the tests that only read it; its records are those of that
    one load, and every test of it sees them. A test that changes the page (another viewport, a script,
    the CSP off) opens its own with ``open_page``; one that switches the media back puts it back."""

    def _get(path: Path) -> Opened:
        path = Path(path).resolve()
        if path not in _read_only_pages:
            _read_only_pages[path] = _open(browser, path)
        return _read_only_pages[path]

    return _get


#: Seconds the session spent making the reports, shown at the end of the run.
_TIMES: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say where the screenshots are, once, when a browser test ran, and how long the reports took."""
    if _TIMES:
        terminalreporter.write_line("browser tests: " + ", ".join(f"{k} {v:.1f} s" for k, v in _TIMES.items()))
    folder = artifacts_dir()
    ran = any(getattr(r, "when", None) == "call" and r.passed and "tests/browser/" in r.nodeid
              for reports in terminalreporter.stats.values() for r in reports)
    if ran and folder.is_dir():
        terminalreporter.write_line(f"browser screenshots: {folder}")
