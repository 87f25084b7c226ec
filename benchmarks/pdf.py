"""How long printing reports to PDF takes: one shared browser against a browser per page.

Makes the demo year's reports once (``--kind all``, into a temporary folder), then prints the
same pages to PDF both ways, in turn, ``--rounds`` times:

- shared: ``scoring.reports.pdf.print_pdf``, as ``scoring report --pdf`` prints: one headless
  Chromium for the process, driven over its DevTools pipe (started on the first page: its start
  is in the first round's figure);
- alone: a Chromium started for each page with ``--print-to-pdf`` (what ``print_pdf`` did before,
  and still does on Windows).

Prints the seconds per page of each round (wall clock; the browser's own processes are not this
process's children, so their CPU is not measured) and the ratio of the medians, and checks that
both ways give the same pages (count and size). Needs Chromium (``apt-get install chromium``).

Usage::

    .venv/bin/python benchmarks/pdf.py                 # 2024, 30 pages, 3 rounds
    .venv/bin/python benchmarks/pdf.py --pages 10 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.reports import pdf, run_reports  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--pages", type=int, default=30, help="pages printed per round (default 30)")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    chromium = pdf.find_chromium()
    if chromium is None:
        sys.exit(pdf.INSTALL_HINT)
    with tempfile.TemporaryDirectory(prefix="scoring-bench-pdf-") as tmp:
        out = Path(tmp)
        os.environ["SCORING_CACHE_DIR"] = str(out / "cache")
        result = run_reports([args.year], "all", out_dir=out / "reports", progress=False)
        pages = sorted(result.produced)[: args.pages]
        print(f"{len(pages)} pages of {args.year} ({sum(p.stat().st_size for p in pages) / 1e6:.1f} MB of HTML), "
              f"{os.cpu_count()} cores, {chromium}")
        times: dict[str, list[float]] = {"shared": [], "alone": []}
        for r in range(args.rounds):
            for way in times:
                start = time.perf_counter()
                for page in pages:
                    if way == "shared":
                        pdf.print_pdf(page, out / "shared.pdf", chromium=chromium)
                    else:
                        (out / "alone.pdf").write_bytes(pdf._print_alone(chromium, page, 120))
                times[way].append((time.perf_counter() - start) / len(pages))
            print(f"round {r + 1}: shared {times['shared'][-1]:.3f} s a page, alone {times['alone'][-1]:.3f} s a page")
        same = all(_boxes(pdf.print_pdf(p, out / "a.pdf", chromium=chromium).read_bytes())
                   == _boxes(pdf._print_alone(chromium, p, 120)) for p in pages)
        shared, alone = statistics.median(times["shared"]), statistics.median(times["alone"])
        print(f"median: shared {shared:.3f} s a page, alone {alone:.3f} s a page, shared/alone {shared / alone:.2f}; "
              f"same pages both ways: {same}; load average {os.getloadavg()[0]:.1f}")


def _boxes(data: bytes) -> list[bytes]:
    return re.findall(rb"/MediaBox\s*\[[^\]]*\]", data)


if __name__ == "__main__":
    main()
