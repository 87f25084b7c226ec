"""``scoring report --pdf`` without a working browser: a clear message, nothing half-written; and the one
browser a process prints with, played by a fake that speaks its pipe.

(Printing with the real browser is tested in tests/browser, which need Chromium.)
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from scoring.cli import main
from scoring.reports import pdf as pdf_module
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


#: A browser speaking the DevTools pipe (commands on 3, replies on 4) that answers every command, loads every
#: page at once and prints it as the bytes ``printed``; with ``FAKE_HANG`` set it answers nothing and sleeps.
FAKE = """#!{python}
import base64, json, os, sys, time
pid = os.getpid()
if os.environ.get("FAKE_HANG"):
    time.sleep(60)
buffer = b""
while True:
    chunk = os.read(3, 1 << 16)
    if not chunk:
        sys.exit(0)
    buffer += chunk
    while b"\\0" in buffer:
        line, _, buffer = buffer.partition(b"\\0")
        m = json.loads(line)
        if m["method"] == "Browser.close":
            sys.exit(0)
        result = {{"targetId": f"T{{pid}}", "sessionId": "S", "data": base64.b64encode({printed!r}).decode()}}
        os.write(4, json.dumps({{"id": m["id"], "result": result}}).encode() + b"\\0")
        if m["method"] == "Page.navigate":
            loaded = {{"method": "Page.loadEventFired", "sessionId": "S", "params": {{}}}}
            os.write(4, json.dumps(loaded).encode() + b"\\0")
"""


def _fake(tmp_path, printed: bytes):
    fake = tmp_path / "fake-chromium"
    fake.write_text(FAKE.format(python=sys.executable, printed=printed), encoding="utf-8")
    fake.chmod(0o755)
    return str(fake)


@pytest.fixture
def pages(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.html").write_text(f"<!DOCTYPE html><title>{name}</title>", encoding="utf-8")
    return folder


def test_one_browser_prints_page_after_page_in_one_tab(pages, tmp_path, monkeypatch):
    fake = _fake(tmp_path, b"%PDF-1.4 fake")
    sent = []
    send = pdf_module._Browser._send
    monkeypatch.setattr(pdf_module._Browser, "_send", lambda self, m: sent.append(m["method"]) or send(self, m))
    first = print_pdf(pages / "a.html", chromium=fake)
    browser = pdf_module._Browser._running[fake]
    second = print_pdf(pages / "b.html", chromium=fake)
    assert pdf_module._Browser._running[fake] is browser and browser.process.poll() is None
    assert first.read_bytes() == second.read_bytes() == b"%PDF-1.4 fake"
    # the tab is opened once and navigated to each page (a new tab would be a new renderer process)
    assert sent == ["Target.createTarget", "Target.attachToTarget", "Page.enable",
                    "Page.navigate", "Page.printToPDF", "Page.navigate", "Page.printToPDF"]
    browser.stop()
    assert browser.process.poll() == 0 and fake not in pdf_module._Browser._running


def test_a_browser_that_gives_no_pdf_is_an_error(page, tmp_path):
    with pytest.raises(PdfError, match="could not print calibration.html to PDF .what came back is no PDF"):
        print_pdf(page, chromium=_fake(tmp_path, b"no"))
    assert sorted(p.name for p in page.parent.iterdir()) == ["calibration.html", "fake-chromium"]


def test_a_browser_that_ends_without_printing_is_an_error(page, tmp_path):
    quits = tmp_path / "quits"
    quits.write_text("#!/bin/sh\necho 'ERROR: no display' >&2\nexit 3\n", encoding="utf-8")
    quits.chmod(0o755)
    with pytest.raises(PdfError, match=r"quits could not print calibration.html to PDF \(exit 3: ERROR: no display\)"):
        print_pdf(page, chromium=str(quits))
    assert sorted(p.name for p in page.parent.iterdir()) == ["calibration.html", "quits"]


def test_a_browser_that_takes_too_long_is_stopped_and_the_next_page_starts_another(pages, tmp_path, monkeypatch):
    fake = _fake(tmp_path, b"%PDF-1.4 fake")
    monkeypatch.setenv("FAKE_HANG", "1")
    with pytest.raises(PdfError, match=r"printing a.html to PDF took longer than 0.5 s"):
        print_pdf(pages / "a.html", chromium=fake, timeout=0.5)
    assert fake not in pdf_module._Browser._running
    monkeypatch.delenv("FAKE_HANG")
    assert print_pdf(pages / "b.html", chromium=fake).read_bytes() == b"%PDF-1.4 fake"
    assert sorted(p.name for p in pages.iterdir()) == ["a.html", "b.html", "b.pdf"]
    pdf_module._Browser._running[fake].stop()


def test_two_threads_print_through_one_browser(pages, tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    fake = _fake(tmp_path, b"%PDF-1.4 fake")
    started = []
    start = pdf_module._Browser.__init__
    monkeypatch.setattr(pdf_module._Browser, "__init__", lambda self, exe: started.append(exe) or start(self, exe))
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda n: print_pdf(pages / f"{n}.html", chromium=fake), ["a", "b"] * 4))
    assert {p.name for p in done} == {"a.pdf", "b.pdf"}
    assert len([b for b in pdf_module._Browser._running if b == fake]) == 1
    assert started == [fake]  # one browser started for the eight pages of both threads
    pdf_module._Browser._running[fake].stop()


def test_the_command_stops_the_browser_and_removes_its_profile_before_it_exits(page, tmp_path):
    """``scoring`` ends with ``os._exit`` (no interpreter tear-down, so no ``atexit``): it stops the browser that
    printed first, or the browser's profile would stay in the temporary folder after every ``--pdf`` run."""
    import subprocess

    fake = _fake(tmp_path, b"%PDF-1.4 fake")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    script = ("from scoring import cli\nfrom scoring.reports.pdf import print_pdf\n"
              f"cli.main = lambda: print_pdf({str(page)!r}, chromium={fake!r}) and 0\ncli.console()\n")
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, "TMPDIR": str(temporary)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert page.with_suffix(".pdf").read_bytes() == b"%PDF-1.4 fake"
    assert list(temporary.iterdir()) == []  # the profile (scoring-chromium-...) is gone
