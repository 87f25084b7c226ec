"""Print report pages to PDF with headless Chromium (``scoring report --pdf``).

Each HTML report is printed beside itself (``calibration.html`` -> ``calibration.pdf``)
by running the browser once per page::

    chromium --headless --no-sandbox --disable-gpu ... --no-pdf-header-footer \\
             --print-to-pdf=OUT file://IN

The page's own print stylesheet (``style.css``, ``@media print`` and ``@page``) decides
the paper (A4 portrait), the page breaks and the scaling; Chromium adds no header or
footer. Nothing but the browser is needed at run time (Playwright is only for the tests).

Like the HTML, a PDF is written to a hidden temporary file in the same folder and moved
into place with ``os.replace`` only when Chromium succeeded and the file is a PDF: a
failed print never replaces a good PDF and leaves nothing behind.

The browser runs with a fresh, temporary profile and without background networking,
component updates, sync or the sandbox (needed when running as root, as in CI; the
pages hold no script and a Content-Security-Policy that forbids any request, so the
browser has nothing to contain).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

__all__ = ["CHROMIUM_FLAGS", "ChromiumMissing", "PdfError", "find_chromium", "print_pdf"]

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
    timeout : seconds the browser may take for the page.

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    ChromiumMissing
        No browser found (the message says what to install).
    PdfError
        The browser failed, timed out or wrote no PDF; an existing PDF is left as it was.
    """
    html = Path(html).resolve()
    pdf = Path(pdf).resolve() if pdf is not None else html.with_suffix(".pdf")
    browser = chromium or find_chromium()
    if browser is None:
        raise ChromiumMissing(INSTALL_HINT)
    if not html.is_file():
        raise PdfError(f"cannot print {html}: no such file")
    tmp = pdf.parent / f".{pdf.stem}.{uuid.uuid4().hex[:8]}.tmp.pdf"
    try:
        with tempfile.TemporaryDirectory(prefix="scoring-chromium-") as profile:
            command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                       f"--print-to-pdf={tmp}", html.as_uri()]
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                      stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired:
                raise PdfError(f"printing {html.name} to PDF took longer than {timeout:g} s") from None
            except OSError as exc:
                raise PdfError(f"could not start {browser}: {exc.strerror or exc}") from None
        if done.returncode != 0 or not _is_pdf(tmp):
            said = _last_line(done.stderr)
            raise PdfError(f"{Path(browser).name} could not print {html.name} to PDF "
                           f"(exit {done.returncode}{': ' + said if said else ''})")
        os.replace(tmp, pdf)
        return pdf
    finally:
        tmp.unlink(missing_ok=True)


def _is_pdf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(5) == b"%PDF-"
    except OSError:
        return False


def _last_line(text: str) -> str:
    """The browser's last meaningful stderr line (its start-up chatter is noise)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "rror" in ln]
    return (errors or lines or [""])[-1][:300]
