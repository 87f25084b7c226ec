"""Shared fixtures and the read guard.

The reference data (public example data sets and published values, with their sources)
live in ``tests/reference``; see its README. ``read_guard`` fails any test that reads a
file from outside the repository.
"""

import json
from pathlib import Path

import pytest
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


#: What in a test's or its fixtures' source makes whole reports (kernels, notebooks): such a test
#: is ``slow`` without saying so, and ``make test-fast`` leaves it out.
RUNS_REPORTS = ("run_reports(", 'main(["report"', "common = [\"report\"")


def _runs_reports(func) -> bool:
    import inspect

    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return False
    return any(s in source for s in RUNS_REPORTS)


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        funcs = [getattr(item, "function", None)] + [d.func for defs in fixtures.values() for d in defs]
        if any(_runs_reports(f) for f in funcs if f is not None):
            item.add_marker(pytest.mark.slow)
