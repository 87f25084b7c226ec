"""The ranking at national size: ``rank_entries`` with 2,000 draws for one class of 1,200 entries.

Issue 22, point 2: "Ranking with 2,000 draws for a class of 1,200 entries in under 10 s
(``scoring.ranking.rank_entries``)", for the adjusted and the mean method, in bounded memory.

The class is one class of the national demo year (``scoring demo --scale national``: 6,000
entries in five classes of 1,200, about 215,000 scores), generated into a temporary folder
unless ``--data`` names one. Each row runs in a fresh child process that reads the year, keeps
the class's entries and scores (every stage), then times one call as a user writes it::

    rank_entries(scores, method, entries, rubric=rubric, n_draws=2000, seed=0)

Rows:

* ``adjusted``: the examiner model fitted inside the call (``fit_examiner_model`` on the
  class's individual scores) and its 2,000 joint draws: the target row;
* ``adjusted, model given``: the same with the class's model fitted beforehand (``model=``):
  the ranking's own work;
* ``mean``: the examiner bootstrap (2,000 resamplings of each entry's team): the target row;
* ``adjusted, whole year``: the year's 6,000 entries with the year's model given, what each
  report kernel computes once for the jury packs (for information; no target).

Printed per row: wall seconds (``time.perf_counter``) and CPU seconds (``time.process_time``)
of the call, and its memory: ``peak RSS`` is the resident set's high-water mark during the call
over the resident set before it (the kernel's mark reset through ``/proc/self/clear_refs``
after ``malloc_trim``), ``traced`` the ``tracemalloc`` peak of a second call (NumPy buffers and
Python objects). The load average is printed at the start and the end: on a shared 2-core
machine wall times grow with the load, CPU times hardly do. Exit status 1 when a target row
takes 10 s or more.

Usage::

    .venv/bin/python benchmarks/ranking.py --data /tmp/nat          # an already generated national year
    .venv/bin/python benchmarks/ranking.py                          # generates it first (about a minute)
    .venv/bin/python benchmarks/ranking.py --data /tmp/nat --class skola --no-year
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 10.0
N_DRAWS = 2000
ROWS = (  # (label, method, scope, model given, target)
    ("adjusted", "adjusted", "class", False, True),
    ("adjusted, model given", "adjusted", "class", True, False),
    ("mean", "mean", "class", False, True),
    ("adjusted, whole year", "adjusted", "year", True, False),
)


def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    """Hand freed memory back (glibc) and reset the kernel's high-water mark of the resident set."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(data: Path, year: int, cls: str, method: str, scope: str, given: bool) -> dict:
    """One measurement, in this (fresh) process."""
    import tracemalloc

    from scoring.calibration import fit_examiner_model
    from scoring.data import load_year
    from scoring.data.scores import individual
    from scoring.ranking import rank_entries

    yd = load_year(year, data)
    entries, scores = yd.entries, yd.scores
    if scope == "class":
        entries = entries[entries["class"] == cls].reset_index(drop=True)
        scores = scores[scores["entry_id"].isin(set(entries["entry_id"]))].reset_index(drop=True)
    model = fit_examiner_model(individual(scores), rubric=yd.rubric) if given else None

    def call():
        return rank_entries(scores, method, entries, rubric=yd.rubric, n_draws=N_DRAWS, seed=0, model=model)

    reset = _reset_peak()
    before = _status("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    table = call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _status("VmHWM") - before if reset else None
    del table
    tracemalloc.start()
    call()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"wall": wall, "cpu": cpu, "peak": peak, "traced": traced, "entries": len(entries),
            "scores": len(scores)}


def _mib(n) -> str:
    return "n/a" if n is None else f"{n / 2**20:.0f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, help="an already generated national data folder")
    p.add_argument("--class", dest="cls", default="forskola", help="the class to rank (default forskola)")
    p.add_argument("--no-year", action="store_true", help="leave out the whole-year row")
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    from scoring.demo_national import NATIONAL, generate_national

    if args.child:
        a = json.loads(args.child)
        print(json.dumps(child(Path(a["data"]), NATIONAL.year, a["cls"], a["method"], a["scope"], a["given"])))
        return 0

    import numpy
    import pandas

    print("rank_entries at national size (issue 22, point 2): one class, 2,000 draws, each row in a fresh process")
    print(f"CPython {sys.version.split()[0]}, numpy {numpy.__version__}, pandas {pandas.__version__}; "
          f"{os.cpu_count()} CPUs; load average at start {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="ranking-") as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "data"
            t = time.perf_counter()
            generate_national(data)
            print(f"generated the national year in {time.perf_counter() - t:.1f} s: {data}")
        print(f"\n{'row':<24} {'entries':>8} {'scores':>8} {'wall s':>8} {'CPU s':>7} {'peak RSS MiB':>13} "
              f"{'traced MiB':>11}  target")
        for label, method, scope, given, target in ROWS:
            if scope == "year" and args.no_year:
                continue
            spec = {"data": str(data), "cls": args.cls, "method": method, "scope": scope, "given": given}
            run = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True,
                                 text=True)
            if run.returncode:
                print(f"{label:<24} failed: {run.stderr.strip().splitlines()[-1] if run.stderr.strip() else ''}")
                ok = False
                continue
            m = json.loads(run.stdout.strip().splitlines()[-1])
            verdict = ""
            if target:
                met = m["wall"] < TARGET_S
                ok &= met
                verdict = f"< {TARGET_S:.0f} s: {'MET' if met else 'MISSED'}"
            print(f"{label:<24} {m['entries']:>8,} {m['scores']:>8,} {m['wall']:>8.2f} {m['cpu']:>7.2f} "
                  f"{_mib(m['peak']):>13} {_mib(m['traced']):>11}  {verdict}", flush=True)
    print(f"\nload average at end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
