"""How long the report runs take: warm kernels against a fresh kernel per report.

Runs the report notebooks of ``notebooks/`` through ``scoring.reports.run_reports`` with
``--kind all``, as ``scoring report`` does: per year one calibration report, one jury pack
per class, one feedback report per examiner who scored, one trainer's report per training
session and one page per trainee. The cache of results shared between reports
(``scoring.cache``: the year's examiner model, the examiner history) goes to a fresh
temporary folder for each run, so every run computes them once.

Usage::

    .venv/bin/python benchmarks/reports.py                      # 2024 --kind all, warm and cold
    .venv/bin/python benchmarks/reports.py --scenario make      # every demo year, warm only
    .venv/bin/python benchmarks/reports.py --scenario both --modes warm cold --workers 2

Prints per kind the number of reports and the seconds per report (mean, median, max:
from taking the job to publishing the page, as ``RunResult.durations``), the mean time
per phase, the wall time of each run, the kernels' warm-up, and the CPU time of the
runner process and of its kernels (``RUSAGE_CHILDREN``). Other work on a shared machine
inflates every wall-clock figure but hardly the CPU seconds: their sum divided by the
cores in use estimates the wall time on an idle machine. The load average is printed
at the end.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.data import available_years  # noqa: E402
from scoring.paths import DATA_DIR  # noqa: E402
from scoring.reports import run_reports  # noqa: E402

log = logging.getLogger("benchmark")


def run(years: list[int], mode: str, workers: int, out: Path) -> dict:
    os.environ["SCORING_CACHE_DIR"] = str(out / "cache")  # the kernels inherit it: computed afresh
    kids0 = _children_cpu()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = run_reports(years, kinds="all", out_dir=out / "reports", warm=mode == "warm", workers=workers,
                         progress=False, timeout=600)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    kernels_cpu = _children_cpu() - kids0
    by_kind: dict[str, list[float]] = {}
    phases: dict[str, list[float]] = {}
    for path, seconds in result.durations.items():
        by_kind.setdefault(_kind_of(path.relative_to(out / "reports").as_posix()), []).append(seconds)
        for phase, s in result.phases.get(path, {}).items():
            phases.setdefault(phase, []).append(s)
    return {"mode": mode, "years": years, "wall": wall, "cpu": cpu, "kernels_cpu": kernels_cpu,
            "workers": workers, "by_kind": by_kind, "phases": phases,
            "warmup": result.warmup, "failures": [str(f) for f in result.failures],
            "reports": len(result.reports)}


def _children_cpu() -> float:
    """CPU seconds (user + system) of the kernels this process started and has reaped."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _kind_of(rel: str) -> str:
    name = rel.split("/", 1)[1]
    if name.startswith("calibration"):
        return "calibration"
    if name.startswith("jury-"):
        return "jury"
    if name.startswith("examiners/"):
        return "examiner"
    return "trainee" if name.count("/") == 2 else "training"


def show(r: dict) -> None:
    years = r["years"]
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}"
    print(f"\n== {r['mode']}: {span}, {r['reports']} reports ==")
    print(f"{'kind':<12}{'n':>5}{'mean s':>9}{'median s':>10}{'max s':>8}{'sum s':>9}")
    for kind in ("calibration", "jury", "examiner", "training", "trainee"):
        xs = r["by_kind"].get(kind)
        if xs:
            print(f"{kind:<12}{len(xs):>5}{statistics.mean(xs):>9.2f}{statistics.median(xs):>10.2f}"
                  f"{max(xs):>8.2f}{sum(xs):>9.1f}")
    parts = ", ".join(f"{k} {statistics.mean(v):.2f}" for k, v in r["phases"].items())
    print(f"mean seconds per report by phase: {parts}")
    warm = ", ".join(f"{w:.1f}" for w in r["warmup"]) or "-"
    print(f"wall {r['wall']:.1f} s; kernel warm-ups {warm} s")
    total = r["cpu"] + r["kernels_cpu"]
    cores = min(r["workers"], os.cpu_count() or 1)
    print(f"CPU: runner process {r['cpu']:.1f} s, kernels {r['kernels_cpu']:.1f} s; "
          f"total / {cores} cores = {total / cores:.1f} s (the wall time on an otherwise idle machine, "
          "if the run keeps every core busy)")
    for f in r["failures"]:
        print(f"  failed: {f}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", choices=["year", "make", "both"], default="year",
                   help="year: --year 2024 --kind all; make: every demo year (as make report)")
    p.add_argument("--year", type=int, default=2024)
    p.add_argument("--modes", nargs="+", choices=["warm", "cold"], default=["warm", "cold"])
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("benchmark").setLevel(logging.INFO)
    log.info("benchmark: %s", vars(args))
    scenarios = {"year": [[args.year]], "make": [available_years(DATA_DIR)],
                 "both": [[args.year], available_years(DATA_DIR)]}[args.scenario]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        for years in scenarios:
            for mode in args.modes:
                show(run(years, mode, args.workers, Path(tmp) / f"out-{mode}-{len(years)}"))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average at the end {load} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
