"""Print report pages to PDF with headless Chromium (``scoring report --pdf``).

Each HTML report is printed beside itself (``calibration.html`` -> ``calibration.pdf``). One
browser serves every page a process prints: it is started on the first page and driven over its
DevTools pipe (``--remote-debugging-pipe``: commands on its file descriptor 3, replies on 4), its one
tab navigated to each page in turn and the page printed with ``Page.printToPDF`` (a tab of its own
for each page would start a renderer process for each: about 0.3 s more of CPU a page). The print is
the one of a browser started for the page alone::

    chromium --headless --no-sandbox --disable-gpu ... --no-pdf-header-footer \\
             --print-to-pdf=OUT file://IN

(``printBackground`` and ``preferCSSPageSize`` on, no header or footer: the same bytes but the
dates and the ids Chromium gives the nodes of the PDF's structure tree, which count on through the
pages a renderer has shown, ``tests/browser/test_pdf_chromium.py``), in a fifth of the time a page,
as the browser starts once instead of once per page (``benchmarks/pdf.py``). On Windows, where the pipe
would need handles instead, each page is printed by a browser of its own, as above.

The page's own print stylesheet (``style.css``, ``@media print`` and ``@page``) decides
the paper (A4 portrait), the page breaks and the scaling. Nothing but the browser is needed at
run time (Playwright is only for the tests).

Like the HTML, a PDF is written to a hidden temporary file in the same folder and moved
into place with ``os.replace`` only when Chromium succeeded and the file is a PDF: a
failed print never replaces a good PDF and leaves nothing behind. A browser that fails or takes
longer than the page's ``timeout`` is stopped; the next page starts a new one.

The browser runs with a fresh, temporary profile and without background networking,
component updates, sync or the sandbox (needed when running as root, as in CI; the
pages hold no script and a Content-Security-Policy that forbids any request, so the
browser has nothing to contain).
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

__all__ = ["CHROMIUM_FLAGS", "ChromiumMissing", "PdfError", "find_chromium", "print_pdf", "stop_browsers"]

#: Flags of every Chromium run (headless, no network of its own, nothing to update or sync).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Names the browser goes by on Debian, Ubuntu and elsewhere, tried in this order.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Environment variable naming the browser explicitly (a path or a command name).
CHROMIUM_ENV = "SCORING_CHROMIUM"
#: What to tell a user who has no Chromium.
INSTALL_HINT = (
    "--pdf needs Chromium: install it (Debian/Ubuntu: apt-get install chromium) "
    f"or name the browser in {CHROMIUM_ENV}"
)
#: What ``--print-to-pdf`` asks of ``Page.printToPDF`` (with ``--no-pdf-header-footer``).
PRINT = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False}


class PdfError(RuntimeError):
    """A page could not be printed to PDF (the message says which and why)."""


class ChromiumMissing(PdfError):
    """No Chromium to print with."""


def find_chromium() -> str | None:
    """The Chromium executable: ``$SCORING_CHROMIUM`` if set, else the first of
    :data:`CHROMIUM_NAMES` on the ``PATH``; None when there is none."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        return shutil.which(named)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: str | Path, pdf: str | Path | None = None, *, chromium: str | None = None,
              timeout: float = 120) -> Path:
    """Print one HTML page to PDF with headless Chromium, atomically.

    Parameters
    ----------
    html : the page (a report written by the runner).
    pdf : where the PDF goes (default: beside the page, suffix ``.pdf``).
    chromium : the browser executable (default :func:`find_chromium`).
    timeout : seconds the browser may take for the page (its start included).

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    ChromiumMissing
        No browser found (the message says what to install).
    PdfError
        The browser failed, timed out or gave no PDF; an existing PDF is left as it was.
    """
    html = Path(html).resolve()
    pdf = Path(pdf).resolve() if pdf is not None else html.with_suffix(".pdf")
    browser = chromium or find_chromium()
    if browser is None:
        raise ChromiumMissing(INSTALL_HINT)
    if not html.is_file():
        raise PdfError(f"cannot print {html} to PDF: no such file")
    data = _print_alone(browser, html, timeout) if os.name == "nt" else _Browser.shared(browser).print(html, timeout)
    if not data.startswith(b"%PDF-"):
        raise _could_not(browser, html, " (what came back is no PDF)")
    tmp = pdf.parent / f".{pdf.stem}.{uuid.uuid4().hex[:8]}.tmp.pdf"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, pdf)
        return pdf
    finally:
        tmp.unlink(missing_ok=True)


#: Started by Python with the pipes' ends as arguments: puts them on 3 and 4, then becomes the browser.
_LAUNCHER = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
             "os.execvp(sys.argv[3], sys.argv[3:])")


class _Browser:
    """One headless Chromium printing page after page over its DevTools pipe, one page at a time."""

    _running: dict[str, _Browser] = {}
    _lock = threading.Lock()

    @classmethod
    def shared(cls, executable: str) -> _Browser:
        """The process's browser for ``executable``, started on first use."""
        with cls._lock:
            if executable not in cls._running:
                cls._running[executable] = cls(executable)
            return cls._running[executable]

    def __init__(self, executable: str):
        self.executable = executable
        self.profile = tempfile.mkdtemp(prefix="scoring-chromium-")
        self.log = open(Path(self.profile) / "output.txt", "w+b")  # noqa: SIM115 (closed in close())
        self.lock = threading.Lock()
        self.buffer = bytearray()
        self.events: list[dict] = []
        self.last_id = 0
        self.tab: str | None = None  # the DevTools session of the tab every page is printed in
        self.closed = False
        self.exit: int | None = None
        self.said = ""
        commands, self.commands = os.pipe()  # the browser reads its commands on 3, writes its replies on 4
        self.replies, replies = os.pipe()
        commands, replies = _above_four(commands), _above_four(replies)  # clear of where the launcher puts them
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(commands), str(replies), executable, *CHROMIUM_FLAGS,
                 f"--user-data-dir={self.profile}", "--remote-debugging-pipe"],
                pass_fds=(commands, replies), stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        except OSError as exc:
            self.close()
            raise PdfError(f"could not start {executable}: {exc.strerror or exc}") from None
        finally:
            os.close(commands)
            os.close(replies)

    def print(self, html: Path, timeout: float) -> bytes:
        """The page printed (``Page.printToPDF`` with :data:`PRINT`); a browser that fails or takes longer
        than ``timeout`` seconds is stopped, and :class:`PdfError` says why."""
        deadline = time.monotonic() + timeout
        with self.lock:
            if self.closed:  # stopped after another page's failure while this one waited
                return _Browser.shared(self.executable).print(html, timeout)
            self.events.clear()
            try:
                if self.tab is None:  # the browser's one tab, kept: a new tab is a new renderer process
                    target = self._call("Target.createTarget", {"url": "about:blank"}, deadline)["targetId"]
                    session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline)
                    self._call("Page.enable", {}, deadline, session["sessionId"])
                    self.tab = session["sessionId"]
                self._call("Page.navigate", {"url": html.as_uri()}, deadline, self.tab)
                self._event("Page.loadEventFired", self.tab, deadline)
                return base64.b64decode(self._call("Page.printToPDF", PRINT, deadline, self.tab)["data"])
            except TimeoutError:
                self.stop(kill=True)
                raise PdfError(f"printing {html.name} to PDF took longer than {timeout:g} s") from None
            except (EOFError, OSError):
                self.stop()
                raise _could_not(self.executable, html, _exit(self.exit, self.said)) from None
            except (KeyError, TypeError, ValueError) as exc:  # an error reply, or a reply without what it should hold
                self.stop()
                raise _could_not(self.executable, html, f": {exc}") from None

    def _call(self, method: str, params: dict, deadline: float, session: str | None = None) -> dict:
        """Send one command and return its result (events meanwhile are kept for :meth:`_event`)."""
        self.last_id += 1
        ident = self.last_id
        message = {"id": ident, "method": method, "params": params, **({"sessionId": session} if session else {})}
        self._send(message)
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise ValueError(f"{method}: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def _send(self, message: dict) -> None:
        """Write one message to the browser (each ends in a NUL byte)."""
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.commands, data):]

    def _event(self, method: str, session: str, deadline: float) -> dict:
        """Wait for the event ``method`` of ``session``."""
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self.events[: i + 1]
                    return event
            self.events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict:
        """The browser's next message (each ends in a NUL byte)."""
        while (end := self.buffer.find(b"\0")) < 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.replies], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self.replies, 1 << 20)
            if not chunk:
                raise EOFError
            self.buffer += chunk
        message = json.loads(self.buffer[:end])
        del self.buffer[: end + 1]
        return message

    def stop(self, *, kill: bool = False) -> None:
        """Stop this browser (``kill``: at once); the next page starts a new one."""
        with _Browser._lock:
            if _Browser._running.get(self.executable) is self:
                del _Browser._running[self.executable]
        self.close(kill=kill)

    def close(self, *, kill: bool = False) -> None:
        """Ask the browser to end (kill it after 5 s, or at once with ``kill``), keep its exit code and last
        output line (``exit``, ``said``), and remove its profile."""
        if self.closed:
            return
        self.closed = True
        process = getattr(self, "process", None)
        if process is not None and kill:
            process.kill()
        if process is not None and process.poll() is None:
            try:
                self._send({"id": 0, "method": "Browser.close", "params": {}})
            except OSError:
                pass
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.exit = process.returncode if process is not None else None
        os.close(self.commands)
        os.close(self.replies)
        self.log.seek(0)
        self.said = _last_line(self.log.read().decode("utf-8", "replace"))
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def _above_four(fd: int) -> int:
    """``fd`` moved to a number above 4 (closed on exec, like every pipe of ours)."""
    import fcntl  # not on Windows, which prints each page alone

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return moved


def stop_browsers() -> int:
    """Stop the process's browsers (at the latest when the process ends; the ``scoring`` command, which
    ends without the interpreter's tear-down, calls it first) and remove their profiles; how many."""
    with _Browser._lock:
        running = list(_Browser._running.values())
    for browser in running:
        browser.stop()
    return len(running)


atexit.register(stop_browsers)


def _print_alone(browser: str, html: Path, timeout: float) -> bytes:
    """The page printed by a browser of its own (``--print-to-pdf``), for where the pipe is not used."""
    with tempfile.TemporaryDirectory(prefix="scoring-chromium-") as profile:
        out = Path(profile) / "page.pdf"
        command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                   f"--print-to-pdf={out}", html.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"printing {html.name} to PDF took longer than {timeout:g} s") from None
        except OSError as exc:
            raise PdfError(f"could not start {browser}: {exc.strerror or exc}") from None
        if done.returncode != 0 or not out.is_file():
            said = _last_line(done.stderr)
            raise _could_not(browser, html, _exit(done.returncode, said))
        return out.read_bytes()


def _could_not(browser: str, html: Path, detail: str) -> PdfError:
    return PdfError(f"{Path(browser).name} could not print {html.name} to PDF{detail}")


def _exit(code: int | None, said: str) -> str:
    """`` (exit 1: the browser's last line)``, for :func:`_could_not`."""
    return f" (exit {code}{': ' + said if said else ''})"


def _last_line(text: str) -> str:
    """The browser's last meaningful output line (its start-up chatter is noise)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "rror" in ln]
    return (errors or lines or [""])[-1][:300]
