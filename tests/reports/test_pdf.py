"""``scoring report --pdf`` without a working browser: a clear message, nothing half-written.

(Printing with the real browser is tested in tests/browser, which need Chromium.)
"""

from __future__ import annotations

import shutil

import pytest

from scoring.cli import main
from scoring.reports.pdf import CHROMIUM_ENV, ChromiumMissing, PdfError, find_chromium, print_pdf


@pytest.fixture
def page(tmp_path):
    html = tmp_path / "calibration.html"
    html.write_text("<!DOCTYPE html><html lang=\"sv\"><title>T</title><h1>T</h1></html>", encoding="utf-8")
    return html


def test_no_chromium_is_a_clear_error(page, monkeypatch):
    monkeypatch.setenv(CHROMIUM_ENV, "no-such-browser-here")
    assert find_chromium() is None
    with pytest.raises(ChromiumMissing, match="apt-get install chromium"):
        print_pdf(page)
    assert not page.with_suffix(".pdf").exists()


def test_cli_says_what_to_install_and_runs_no_report(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CHROMIUM_ENV, "no-such-browser-here")
    out = tmp_path / "reports"
    assert main(["report", "--year", "2023", "--pdf", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "--pdf needs Chromium" in err and "apt-get install chromium" in err
    assert "Traceback" not in err
    assert not out.exists()  # checked before any notebook ran


def test_a_failed_print_keeps_the_good_pdf_and_leaves_nothing_behind(page):
    failing = shutil.which("false")
    good = page.with_suffix(".pdf")
    good.write_bytes(b"%PDF-1.4 the good one")
    with pytest.raises(PdfError, match=r"could not print calibration\.html to PDF \(exit 1"):
        print_pdf(page, chromium=failing)
    assert good.read_bytes() == b"%PDF-1.4 the good one"
    assert sorted(p.name for p in page.parent.iterdir()) == ["calibration.html", "calibration.pdf"]


def test_a_browser_that_writes_no_pdf_is_an_error(page, tmp_path):
    fake = tmp_path / "fake-chromium"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do case $a in --print-to-pdf=*) echo no > "${a#*=}";; esac; done\n')
    fake.chmod(0o755)
    with pytest.raises(PdfError, match="could not print"):
        print_pdf(page, chromium=str(fake))
    assert sorted(p.name for p in page.parent.iterdir()) == ["calibration.html", "fake-chromium"]
