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


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def cases() -> dict:
    """Reference cases by id: expected value, tolerance and source (reference/cases.json)."""
    with open(REFERENCE_DIR / "cases.json", encoding="utf-8") as f:
        return {c["id"]: c for c in json.load(f)["cases"]}
