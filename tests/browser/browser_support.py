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


#: The text nodes of ``<main>`` that start above a height (the first screen), with the computed
#: font size of their element and where they lie (CSS px from the top of the page).
_TEXT_ABOVE = """(height) => {
    const out = [];
    const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
        if (!rects.length) continue;
        const top = Math.min(...rects.map(r => r.top)) + window.scrollY;
        if (top >= height) continue;
        const e = n.parentElement;
        out.push({text: n.textContent.trim(), tag: e.tagName, size: parseFloat(getComputedStyle(e).fontSize),
                  top: top, bottom: Math.max(...rects.map(r => r.bottom)) + window.scrollY});
    }
    return out;
}"""


def text_above(page, height: float) -> list[dict]:
    """Every piece of text in a Playwright page's ``<main>`` that starts above ``height`` CSS px
    (``text``, ``tag``, computed font ``size`` in px, ``top`` and ``bottom``), in document order."""
    return page.evaluate(_TEXT_ABOVE, height)


def block_boxes(page, selector: str) -> list[dict]:
    """The text and box (``top``, ``bottom`` in CSS px from the top of the page) of every element
    matching ``selector`` in a Playwright page, in document order."""
    return page.evaluate("""(selector) => [...document.querySelectorAll(selector)].map(e => {
        const r = e.getBoundingClientRect();
        return {text: e.innerText, top: r.top + window.scrollY, bottom: r.bottom + window.scrollY,
                size: parseFloat(getComputedStyle(e).fontSize)};
    })""", selector)
