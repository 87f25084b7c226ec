"""How long the report runs take: warm kernels against a fresh kernel per report.

Runs the real calibration notebook and, for the kinds whose notebooks are still being
written, stand-in notebooks of the same shape (load the year, one cached per-year
computation, two figures through ``scoring.render``, a table), as many as a real run
makes: per year one calibration report, one jury pack per class, one feedback report
per examiner who scored, one trainer's report and one page per trainee of the year's
training case. Kinds whose real notebook exists in ``notebooks/`` are run from it.

The stand-ins' per-year computation (``examiner_effects`` of the year) sits behind an
in-process cache in a helper module beside them, the way the examiner model's cache
will: a warm kernel keeps it between reports, a fresh kernel computes it again.

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
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.data import available_years, load_year  # noqa: E402
from scoring.paths import DATA_DIR, NOTEBOOKS_DIR  # noqa: E402
from scoring.reports import REPORT_KINDS, ReportKind, run_reports  # noqa: E402

log = logging.getLogger("benchmark")

CACHE_MODULE = '''\
"""Stand-in for the examiner model's in-process cache (one fit per year and data)."""
from functools import lru_cache


@lru_cache(maxsize=None)
def effects(data_dir, year):
    from scoring.calibration import examiner_effects
    from scoring.data import load_year
    return examiner_effects(load_year(year, data_dir).scores)
'''

STANDIN = '''\
import _bench_cache
from matplotlib.figure import Figure
from scoring import render
from scoring.data import load_year
from scoring.labels import show
yd = load_year(year, data_dir or None)
effects = _bench_cache.effects(data_dir, year)
mine = effects.head(5) if not WHO else effects[effects["examiner_id"] == WHO]
show(mine if len(mine) else effects.head(3), yd.rubric)
for i in range(2):
    fig = Figure(figsize=(6, 3.5))
    ax = fig.add_subplot()
    ax.barh(effects["examiner_id"].astype(str).str.len(), effects["bias"])
    ax.set_title(f"Figur {i + 1}")
    display(render.Figure(fig, alt=f"Stapeldiagram {i + 1} för {year}"))'''

TRAINEE_KIND = ReportKind(
    name="trainee", notebook="bench_trainee.ipynb", output="training/{name}", label="Deltagare {label}",
    noun="trainee pages", per="trainee", parameter=("session", "trainee_id"),
    section="Examinatorsutbildning – deltagarna", private=True,
)
TRAINER_KIND = ReportKind(
    name="training", notebook="bench_training.ipynb", output="training/{name}", label="Utbildning {label}",
    noun="trainer's reports", per="session", parameter="session", section="Examinatorsutbildning",
)


def _standin(path: Path, parameters: str, who: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Stand-in"), params,
                nbformat.v4.new_code_cell(STANDIN.replace("WHO", who))]
    nbformat.write(nb, path)


def _trainees(year: int) -> list[str]:
    training = load_year(year).training
    if training is None:
        return []
    return sorted(training["examiner_id"].astype(str).unique())


def prepare_notebooks(folder: Path) -> None:
    """The real notebooks where they exist, stand-ins for the others."""
    base = 'year = 2024\ndata_dir = ""'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "_bench_cache.py").write_text(CACHE_MODULE, encoding="utf-8")
    for kind in REPORT_KINDS.values():
        real = NOTEBOOKS_DIR / kind.notebook
        if real.is_file():
            shutil.copy(real, folder / kind.notebook)
            log.info("%s: the real notebook %s", kind.name, kind.notebook)
        else:
            param = f'\n{kind.parameter} = ""' if isinstance(kind.parameter, str) else ""
            who = kind.parameter if kind.per == "examiner" else '""'
            _standin(folder / kind.notebook, base + param, who)
            log.info("%s: a stand-in notebook", kind.name)
    _standin(folder / TRAINER_KIND.notebook, base + '\nsession = ""', '""')
    _standin(folder / TRAINEE_KIND.notebook, base + '\nsession = ""\ntrainee_id = ""', '""')


def run(years: list[int], mode: str, workers: int, notebooks: Path, out: Path) -> dict:
    REPORT_KINDS.setdefault("training", TRAINER_KIND)
    REPORT_KINDS.setdefault("trainee", TRAINEE_KIND)
    names = {
        "training": lambda y: ["grundutbildning"],
        "trainee": lambda y: [f"grundutbildning/{c}" for c in _trainees(y)],
    }
    kids0 = _children_cpu()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = run_reports(years, kinds="all", notebooks_dir=notebooks, out_dir=out, names=names,
                         warm=mode == "warm", workers=workers, progress=False, timeout=600)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    kernels_cpu = _children_cpu() - kids0
    by_kind: dict[str, list[float]] = {}
    phases: dict[str, list[float]] = {}
    for path, seconds in result.durations.items():
        by_kind.setdefault(_kind_of(path.relative_to(out).as_posix()), []).append(seconds)
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
        notebooks = Path(tmp) / "notebooks"
        prepare_notebooks(notebooks)
        for years in scenarios:
            for mode in args.modes:
                show(run(years, mode, args.workers, notebooks, Path(tmp) / f"out-{mode}-{len(years)}"))
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average at the end {load} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
