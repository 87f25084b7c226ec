"""What the browser tests share (the conftest and the test modules import it from here)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from scoring.paths import PROJECT_ROOT
from scoring.reports.pdf import find_chromium

YEAR = 2023
#: The first screen a reader sees on a laptop.
SCREEN = {"width": 1280, "height": 800}
INSTALL = ("browser tests (tests/browser) need Chromium, Playwright and axe-playwright-python: "
           "apt-get install chromium && pip install -e '.[dev]'")
VARIANTS = ("demo", "hostile")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def artifacts_dir() -> Path:
    return Path(os.environ.get("SCORING_TEST_ARTIFACTS") or PROJECT_ROOT / "tests" / "artifacts" / "browser")


def missing_tools() -> list[str]:
    """What the browser tests need and this machine lacks."""
    missing = [] if find_chromium() else ["chromium"]
    for module, package in (("playwright", "playwright"), ("axe_playwright_python", "axe-playwright-python")):
        if importlib.util.find_spec(module) is None:
            missing.append(package)
    return missing


def require_browser() -> str:
    """The Chromium executable, or skip (fail in CI) with the one line saying what to install."""
    missing = missing_tools()
    if missing:
        message = f"{INSTALL} (missing: {', '.join(missing)})"
        if in_ci():
            pytest.fail(f"CI=true, so the browser tests must run: {message}", pytrace=False)
        pytest.skip(message)
    return find_chromium()


def require_kind(kind_id: str) -> None:
    """Fail a case whose report kind cannot be made (every kind of ``report_kinds.KINDS`` exists)."""
    from report_kinds import KINDS

    why = next(k for k in KINDS if k.id == kind_id).missing()
    if why:
        pytest.fail(why, pytrace=False)
