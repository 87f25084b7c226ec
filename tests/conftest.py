"""Shared fixtures and the read guard.

The reference data (public example data sets and published values, with their sources)
live in ``tests/reference``; see its README. ``read_guard`` fails any test that reads a
file from outside the repository.
"""

import functools
import json
from pathlib import Path

import pytest
import shared_run
from read_guard import ReadGuard

from scoring.paths import PROJECT_ROOT

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


def pytest_configure(config):
    ReadGuard.install(config, PROJECT_ROOT)
    config._data_files = _data_files()


def _data_files() -> set[Path]:
    return {p for p in (PROJECT_ROOT / "data").rglob("*") if p.is_file()}


def pytest_sessionfinish(session, exitstatus):
    """The project's own data folder is read, never written: a test that leaves a file there fails the run."""
    left = sorted(_data_files() - getattr(session.config, "_data_files", set()))
    if left:
        shown = ", ".join(str(p.relative_to(PROJECT_ROOT)) for p in left[:5])
        session.config.get_terminal_writer().line(f"tests wrote into the project's data folder: {shown}", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def cases() -> dict:
    """Reference cases by id: expected value, tolerance and source (reference/cases.json)."""
    with open(REFERENCE_DIR / "cases.json", encoding="utf-8") as f:
        return {c["id"]: c for c in json.load(f)["cases"]}


@pytest.fixture(scope="session")
def _year_run(tmp_path_factory) -> dict:
    from demo_copy import demo_copy

    from scoring.cli import main

    root = tmp_path_factory.mktemp("year-run")
    data = demo_copy(root / "data", shared_run.YEARS)
    commenter = shared_run.prepare(data)
    out = root / "reports"
    with pytest.MonkeyPatch.context() as mp:  # the kernels inherit it: computed afresh
        mp.setenv("SCORING_CACHE_DIR", str(root / "cache"))
        code = main(["report", "--year", str(shared_run.YEAR), "--kind", "all", "--bundle", "--data", str(data),
                     "--out", str(out)])
    assert code == 0
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    return {"code": code, "data": data, "out": out, "made": made, "commenter": commenter}


@pytest.fixture
def year_run(request, _year_run) -> dict:
    """The shared run of :mod:`shared_run`: its exit code, data, reports folder, manifest ("made") and
    the code of the examiner with the marked comment. Read it, never write into it."""
    path = request.node.nodeid.split("::", 1)[0]
    assert path in shared_run.MODULES, f"{path} reads the shared run: add it to shared_run.MODULES"
    return _year_run


#: What in a test's or its fixtures' source makes whole reports (kernels, notebooks): such a test
#: is ``slow`` without saying so, and ``make test-fast`` leaves it out.
RUNS_REPORTS = ("run_reports(", 'main(["report"', "common = [\"report\"")


@functools.cache  # a fixture's source is asked for by every test that uses it: once per function
def _source(func) -> str:
    import inspect

    try:
        return inspect.getsource(func)
    except (OSError, TypeError):
        return ""


def _report_runners(module) -> set[str]:
    """Names of the module's own functions that run reports, directly or through another of them."""
    import inspect

    funcs = {n: f for n, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__}
    runners = {n for n, f in funcs.items() if any(s in _source(f) for s in RUNS_REPORTS)}
    while True:
        more = {n for n, f in funcs.items() if n not in runners and any(f"{r}(" in _source(f) for r in runners)}
        if not more:
            return runners
        runners |= more


def _worker_group(nodeid: str) -> str:
    """The worker a test runs on under ``pytest -n``: the tests of one file together, so a
    module's fixtures (often a whole report run) are made once, and a notebook's cells in order
    in one kernel; the modules that read ``year_run`` together (:data:`shared_run.MODULES`); all
    browser tests together, as they share the session's reports and browser (``tests/browser/conftest.py``)."""
    path = nodeid.split("::", 1)[0]
    if path in shared_run.MODULES:
        return "shared year run"
    return "tests/browser" if path.startswith("tests/browser/") else path


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook; without xdist nothing asks
def pytest_xdist_make_scheduler(config, log):
    """Whole groups (:func:`_worker_group`) to a worker, in collection order: xdist's own
    ``--dist loadgroup`` reads groups from node ids that pytest 9 no longer lets it change."""
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _worker_group(nodeid)

    config.option.loadscopereorder = False  # in collection order: the long groups first (below)
    return ByGroup(config, log)


def pytest_collection_modifyitems(config, items):
    runners: dict[str, set[str]] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__ not in runners:
            runners[module.__name__] = _report_runners(module)
        names = runners.get(getattr(module, "__name__", ""), set())
        fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        funcs = [getattr(item, "function", None)] + [d.func for defs in fixtures.values() for d in defs]
        sources = [_source(f) for f in funcs if f is not None]
        if any(s in src for src in sources for s in RUNS_REPORTS) or any(
                f"{n}(" in src for src in sources for n in names):
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):  # on both cores: the longest work first, the short groups fill in at the end
        slow = {_worker_group(i.nodeid) for i in items if i.get_closest_marker("slow")}
        rank = {i.nodeid: (0 if g == "tests/browser" else 1 if g in slow else 2)
                for i in items for g in [_worker_group(i.nodeid)]}
        items.sort(key=lambda i: rank[i.nodeid])  # stable: a group's tests stay together, in order
