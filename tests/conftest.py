"""Shared fixtures: the public reference data sets in ../shared/reference-data."""

import json
from pathlib import Path

import pytest

from scoring.paths import PROJECT_ROOT

REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference-data"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    assert REFERENCE_DIR.is_dir(), f"reference data not found at {REFERENCE_DIR}"
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def cases(reference_dir) -> dict:
    """Reference cases by id: expected value, tolerance and source (cases.json)."""
    with open(reference_dir / "cases.json", encoding="utf-8") as f:
        return {c["id"]: c for c in json.load(f)["cases"]}
