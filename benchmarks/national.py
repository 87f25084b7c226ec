"""A national-size year: time and peak memory of every report kind, all processes together.

Generates the national demo year (``scoring demo --scale national``: about 215,000 scores,
6,000 entries, 1,000 examiners) into a temporary folder unless ``--data`` names one, then
runs ``scoring report`` for each kind as a user would (a fresh process, an empty cache) and
samples, every 50 ms, the resident memory of the runner and of every process under it (its
kernels), summed: the **peak of the whole run**, which is what has to fit in the machine
(issue 22's target: 2 GB). Prints per kind the wall time, the CPU seconds of the runner and
its kernels together (read from /proc with the memory, each process's last reading: on a shared
machine the wall time grows with the load and the CPU time hardly does; on an idle 2-core machine
the wall time is about CPU / 2 plus what runs on one core only), that peak, the largest single
process and the HTML written, against the issue's targets.

Usage::

    .venv/bin/python benchmarks/national.py                       # every kind of issue 22
    .venv/bin/python benchmarks/national.py --kinds calibration examiner
    .venv/bin/python benchmarks/national.py --data /tmp/nat       # an already generated year

``--growth`` instead measures how time and memory grow with the number of scores (1k to
200k scores: the national scenario cut to fewer entries and examiners), for the calibration
report and one examiner's report.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.demo_national import NATIONAL, generate_national  # noqa: E402

SCORING = [sys.executable, "-m", "scoring"]
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")

#: kind -> (extra arguments, target seconds or None); peak memory target 2 GB for every kind. The
#: national year has no decisions.csv (so no decision documents) and no training sessions; of the
#: 6,000 letters one is made, as of the 1,000 examiners' reports.
KINDS = {
    "calibration": ([], 30.0),
    "jury": ([], 60.0),
    "jury-blind": (["--blind"], 60.0),  # scoring report --kind jury --blind
    "jury_overview": ([], None),
    # from an empty cache: the median of REPEAT runs, each with a cache folder of its own
    "examiner": (["--examiner", "N0001"], 5.0),
    # the same with the year's work already in the cache (another report of the year made first,
    # as the calibration report is before the examiners' feedback): the median of REPEAT runs
    "examiner-warm": (["--examiner", "N0001"], 5.0),
    "entry": (["--entry", "2030-0001"], None),
}
MEMORY_TARGET = 2 * 1024**3
#: Runs of a kind whose single run takes seconds (one examiner's report), of which the median counts:
#: on a shared machine one run varies by a second from the next.
REPEAT = 5


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _cpu(pid: int) -> float | None:
    """CPU seconds (user + system, all threads) the process has used so far, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


def measure(args: list[str]) -> dict:
    """Run one command; its wall time, the CPU seconds of its process tree, the peak of its
    process tree's summed RSS and the largest single process's RSS. The CPU seconds are each
    process's last reading, every 50 ms: the ``scoring`` command kills its kernels as it ends
    without waiting for them, so no ``RUSAGE_CHILDREN`` would count them (at most 50 ms a
    process is missed)."""
    start = time.perf_counter()
    cpu: dict[int, float] = {}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:  # a pipe would fill and stop the run
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        peak_sum = peak_one = 0
        while proc.poll() is None:
            tree = _tree(proc.pid)
            sizes = [_rss(p) for p in tree]
            peak_sum, peak_one = max(peak_sum, sum(sizes)), max(peak_one, max(sizes, default=0))
            cpu.update((p, c) for p in tree if (c := _cpu(p)) is not None)
            time.sleep(0.05)
        wall = time.perf_counter() - start
        stderr.seek(0)
        err = stderr.read()
    return {"wall": wall, "cpu": sum(cpu.values()), "peak": peak_sum, "largest": peak_one, "rc": proc.returncode,
            "stderr": err}


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


def run_kinds(data: Path, kinds: list[str], work: Path) -> bool:
    ok = True
    print(f"{'kind':<14} {'wall s':>8} {'CPU s':>7} {'target':>7} {'peak, all processes':>20} "
          f"{'largest process':>16} {'HTML written':>13}  verdict")
    for kind in kinds:
        extra, target = KINDS[kind]
        out = work / f"reports-{kind}"
        env_cache = work / f"cache-{kind}"
        os.environ["SCORING_CACHE_DIR"] = str(env_cache)
        command = [*SCORING, "report", "--data", str(data), "--year", str(NATIONAL.year), "--kind",
                   kind.removesuffix("-blind").removesuffix("-warm"), "--out", str(out), *extra]
        runs = []
        if kind.endswith("-warm"):
            measure(command)  # fills the cache, not counted
            runs = [measure(command) for _ in range(REPEAT)]
        elif kind == "examiner":
            for i in range(REPEAT):
                os.environ["SCORING_CACHE_DIR"] = str(work / f"cache-{kind}-{i}")
                runs.append(measure(command))
        runs = sorted(runs, key=lambda r: r["wall"])
        m = runs[len(runs) // 2] if runs else measure(command)
        if runs:  # the median's time, the largest memory of any run, any run's failure
            failed = next((r for r in runs if r["rc"]), m)
            m = {**m, "peak": max(r["peak"] for r in runs), "largest": max(r["largest"] for r in runs),
                 "rc": failed["rc"], "stderr": failed["stderr"]}
        html = sum(p.stat().st_size for p in out.rglob("*.html") if p.name != "index.html")
        largest_html = max((p.stat().st_size for p in out.rglob("*.html") if p.name != "index.html"), default=0)
        met = m["rc"] == 0 and (target is None or m["wall"] <= target) and m["peak"] <= MEMORY_TARGET
        ok &= met
        aim = "-" if target is None else f"{target:.0f}"
        print(f"{kind:<14} {m['wall']:>8.1f} {m['cpu']:>7.1f} {aim:>7} {_gib(m['peak']):>20} "
              f"{_gib(m['largest']):>16} "
              f"{html / 1e6:>9.1f} MB  {'MET' if met else 'MISSED'}"
              + (f" (largest page {largest_html / 1e6:.1f} MB)" if kind.startswith("jury") else "")
              + (f" (median of {len(runs)}: {runs[0]['wall']:.1f}-{runs[-1]['wall']:.1f} s)" if runs else "")
              + ("" if m["rc"] == 0 else f"  exit {m['rc']}: {m['stderr'][-300:]}"))
    return ok


def growth(work: Path) -> None:
    print(f"{'scores':>8} {'entries':>8} {'examiners':>9}  {'calibration s':>13} {'peak':>10}  "
          f"{'examiner s':>10} {'peak':>10}")
    for n_entries in (30, 300, 1500, 3000, 6000):
        n_examiners = max(20, n_entries // 6)
        settings = replace(NATIONAL, n_entries=n_entries, n_examiners=n_examiners)
        data = work / f"growth-{n_entries}"
        generate_national(data, settings=settings)
        n_scores = sum(1 for _ in open(data / str(NATIONAL.year) / "scores.csv")) - 1
        row = [f"{n_scores:>8} {n_entries:>8} {n_examiners:>9}"]
        for kind, extra in (("calibration", []), ("examiner", ["--examiner", "N0001"])):
            os.environ["SCORING_CACHE_DIR"] = str(work / f"cache-growth-{n_entries}-{kind}")
            m = measure([*SCORING, "report", "--data", str(data), "--year", str(NATIONAL.year), "--kind", kind,
                         "--out", str(work / f"growth-reports-{n_entries}"), *extra])
            row.append(f"{m['wall']:>13.1f} {_gib(m['peak']):>10}" if m["rc"] == 0 else f"{'failed':>24}")
        print("  ".join(row), flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, help="an already generated national data folder")
    p.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    p.add_argument("--growth", action="store_true", help="time and memory against the number of scores")
    args = p.parse_args()
    print(f"CPython {sys.version.split()[0]}; {os.cpu_count()} CPUs; load average at start "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="national-") as tmp:
        work = Path(tmp)
        if args.growth:
            growth(work)
            return 0
        data = args.data
        if data is None:
            data = work / "data"
            t = time.perf_counter()
            generate_national(data)
            print(f"generated the national year in {time.perf_counter() - t:.1f} s: {data}")
        ok = run_kinds(data, args.kinds, work)
    print(f"load average at end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
