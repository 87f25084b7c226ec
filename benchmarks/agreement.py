"""Speed and memory of our agreement coefficients beside pingouin and krippendorff.

Run from the project root::

    .venv/bin/python benchmarks/agreement.py            # full run, several minutes
    .venv/bin/python benchmarks/agreement.py --quick    # small sizes, < 30 s

For every data set (units x raters, share missing, scale) it times, in one run:

- ours: ``krippendorff_alpha`` at all four levels in one call, ``icc`` (all six forms),
  the two together (the target: 100,000 x 6 on 0..100 under 0.25 s and 300 MiB),
  the same coefficients as a user writes them (five separate calls: ``krippendorff_alpha``
  once per level and ``icc``, keyword arguments, no ``categories``, nothing shared between
  the calls; the target: 100,000 x 6 on 0..100 in at most 0.10 s, median of the timed
  calls), and for information ``fleiss_kappa``, ``gwet_ac`` (quadratic), ``percent_agreement``;
- pingouin ``intraclass_corr`` on the same long DataFrame;
- krippendorff ``alpha`` on the same ratings as a raters x units matrix, once per level;

and prints the largest difference between our values and the libraries'.

Every measurement runs in its own child process, forked from a fork server that has
imported the libraries but built no data, under an address-space limit (default 8 GiB)
and a timeout (default 300 s), so a library that hangs or runs out of memory is reported
as such and the benchmark goes on. pingouin and krippendorff are GPL: they are
development dependencies used here and in the tests, never by the ``scoring`` package.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import logging
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

log = logging.getLogger("benchmarks.agreement")

LEVELS = ("nominal", "ordinal", "interval", "ratio")
FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
PINGOUIN_FORMS = {"ICC(1,1)": "ICC1", "ICC(A,1)": "ICC2", "ICC(C,1)": "ICC3",
                  "ICC(1,k)": "ICC1k", "ICC(A,k)": "ICC2k", "ICC(C,k)": "ICC3k"}
TARGET_SECONDS = 0.25
TARGET_MIB = 300.0
USER_TARGET_SECONDS = 0.10  # the five calls as a user writes them, 100,000 x 6 on 0..100 (issue 22)
USER_REPEATS = 11  # timed calls of that row at least (its median is what the target is judged on)
AGREE_TOL = 1e-9  # |ours - library| above this is flagged
MIB = 1024.0 * 1024.0


# --------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataSpec:
    """A synthetic data set: ``n_units`` x ``n_raters``, share ``missing`` left out, integer
    ratings on ``lo..hi``."""

    n_units: int
    n_raters: int
    missing: float
    lo: int
    hi: int
    seed: int = 20240

    @property
    def label(self) -> str:
        design = "complete" if self.missing == 0 else f"{self.missing:.0%} missing"
        return f"{self.n_units:,} units x {self.n_raters} raters, {design}, scale {self.lo}..{self.hi}"

    @property
    def categories(self) -> np.ndarray:
        return np.arange(self.lo, self.hi + 1)


def ratings_matrix(spec: DataSpec) -> np.ndarray:
    """Units x raters float array (NaN = missing): unit level + rater bias + noise, rounded
    and clipped to the scale. Deterministic for a spec."""
    rng = np.random.default_rng([spec.seed, spec.n_units, spec.n_raters, spec.hi])
    span = spec.hi - spec.lo
    unit = rng.normal(spec.lo + span / 2.0, 0.2 * span, spec.n_units)
    bias = rng.normal(0.0, 0.05 * span, spec.n_raters)
    noise = rng.normal(0.0, 0.1 * span, (spec.n_units, spec.n_raters))
    y = np.clip(np.rint(unit[:, None] + bias[None, :] + noise), spec.lo, spec.hi)
    if spec.missing:
        y[rng.random(y.shape) < spec.missing] = np.nan
    return y


def long_frame(spec: DataSpec, string_ids: bool = False) -> pd.DataFrame:
    """One row per given rating (missing cells have no row): ``unit``, ``rater``, ``score``.

    Integer ids 0..n-1 (the matrix libraries' row and column numbers) or, with
    ``string_ids``, labels such as "U000123" and "E07"."""
    y = ratings_matrix(spec)
    unit = np.repeat(np.arange(spec.n_units), spec.n_raters)
    rater = np.tile(np.arange(spec.n_raters), spec.n_units)
    score = y.ravel()
    keep = ~np.isnan(score)
    unit, rater, score = unit[keep], rater[keep], score[keep].astype(np.int64)
    if string_ids:
        unit_labels = np.array([f"U{i:06d}" for i in range(spec.n_units)], dtype=object)
        rater_labels = np.array([f"E{j:02d}" for j in range(spec.n_raters)], dtype=object)
        return pd.DataFrame({"unit": unit_labels[unit].tolist(),
                             "rater": rater_labels[rater].tolist(), "score": score})
    return pd.DataFrame({"unit": unit, "rater": rater, "score": score})


def complete_units(spec: DataSpec) -> int:
    """Units rated by every rater (what pingouin keeps)."""
    return int((~np.isnan(ratings_matrix(spec))).all(axis=1).sum())


# --------------------------------------------------------------------------------------
# measurements (run in a child process)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One measurement: ``what`` is computed by ``library`` on ``spec``."""

    what: str  # alpha | icc | both | user | fleiss | gwet | pa
    library: str  # ours | krippendorff | pingouin
    spec: DataSpec
    repeats: int
    string_ids: bool = False


@dataclass
class Result:
    status: str = "ok"  # "ok" or the reason it has no figures
    seconds: float = float("nan")  # best of the timed calls
    median_seconds: float = float("nan")  # median of the timed calls
    rss_mib: float = float("nan")
    traced_mib: float = float("nan")
    values: dict = field(default_factory=dict)
    note: str = ""


def _kripp_tensor_bytes(spec: DataSpec) -> float:
    """Size of one units x values x values float64 array that krippendorff.alpha builds."""
    v = spec.hi - spec.lo + 1
    return 8.0 * spec.n_units * v * v


def _make_call(job: Job):
    """The function to time (returns {coefficient: value}) with its data already built."""
    spec, cats = job.spec, job.spec.categories
    if job.library == "krippendorff":
        import krippendorff

        matrix = np.ascontiguousarray(ratings_matrix(spec).T)  # raters x units, NaN missing

        def call():
            return {lv: float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=lv,
                                                 value_domain=cats)) for lv in LEVELS}
        return call

    df = long_frame(spec, string_ids=job.string_ids)
    if job.library == "pingouin":
        import pingouin

        def call():
            out = pingouin.intraclass_corr(df, "unit", "rater", "score", nan_policy="omit")
            return {PINGOUIN_FORMS[t]: float(v) for t, v in zip(out["Type"], out["ICC"], strict=True)}
        return call

    from scoring.agreement import fleiss_kappa, gwet_ac, icc, krippendorff_alpha, percent_agreement

    def alpha():
        a = krippendorff_alpha(df, "unit", "rater", "score", level=LEVELS, categories=cats)
        return {lv: float(a[lv]) for lv in LEVELS}

    def iccs():
        out = icc(df, "unit", "rater", "score")
        return {f: float(out.loc[f, "icc"]) for f in FORMS}

    def user():  # five separate calls as a user writes them: no categories, nothing shared
        out = {lv: float(krippendorff_alpha(df, units="unit", raters="rater", ratings="score", level=lv))
               for lv in LEVELS}
        table = icc(df, targets="unit", raters="rater", ratings="score")
        return {**out, **{f: float(table.loc[f, "icc"]) for f in FORMS}}

    calls = {
        "alpha": alpha,
        "icc": iccs,
        "both": lambda: {**alpha(), **iccs()},
        "user": user,
        "fleiss": lambda: {"fleiss": fleiss_kappa(df, "unit", "rater", "score", categories=cats)},
        "gwet": lambda: {"ac2": gwet_ac(df, "unit", "rater", "score", "quadratic", categories=cats)},
        "pa": lambda: {"pa": percent_agreement(df, "unit", "rater", "score", categories=cats)},
    }
    return calls[job.what]


def _malloc_trim() -> None:
    """Hand freed heap memory back to the OS so the RSS baseline is the live data only."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _reset_rss_peak() -> bool:
    """Reset the kernel's resident-set high-water mark (VmHWM) to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _status_kib(name: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise KeyError(name)


def _measure(job: Job, trace_limit_s: float) -> Result:
    """Build the data, then: 1st call with the RSS high-water mark reset (peak RSS growth
    and time), ``repeats - 1`` more timed calls (best time), one call under tracemalloc
    (peak of traced allocations) unless a call took over ``trace_limit_s``."""
    call = _make_call(job)
    gc.collect()
    _malloc_trim()
    exact = _reset_rss_peak()
    base = _status_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    values = call()
    best = time.perf_counter() - t0
    peak = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = Result(seconds=best, rss_mib=(peak - base) / 1024.0, values=values,
                 note="" if exact else "RSS: ru_maxrss delta (could not reset VmHWM)")
    times = [best]
    for _ in range(job.repeats - 1):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    res.seconds = min(times)
    res.median_seconds = float(np.median(times))
    if res.seconds <= trace_limit_s:
        gc.collect()
        tracemalloc.start()
        call()
        res.traced_mib = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    return res


def _child(job: Job, mem_limit_bytes: int, trace_limit_s: float, conn) -> None:
    """Child process body: limit the address space, measure, send a Result."""
    if mem_limit_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (mem_limit_bytes, mem_limit_bytes))
    warnings.simplefilter("ignore")
    try:
        res = _measure(job, trace_limit_s)
    except MemoryError:
        res = Result(status=f"out of memory (> {mem_limit_bytes / 2**30:g} GiB)")
    except Exception as exc:  # report, don't die: the row says why
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        res = Result(status=f"fails: {type(exc).__name__}: {msg}"[:160])
        if "out of memory" in msg.lower() or "unable to allocate" in msg.lower():
            res.status = f"out of memory (> {mem_limit_bytes / 2**30:g} GiB)"
    conn.send(res)
    conn.close()


def run(job: Job, ctx, timeout_s: float, mem_limit_bytes: int, trace_limit_s: float) -> Result:
    """Run one measurement in a fresh child; 'timeout' or 'out of memory' when it fails so."""
    parent_conn, child_conn = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(job, mem_limit_bytes, trace_limit_s, child_conn))
    proc.start()
    child_conn.close()
    try:
        if parent_conn.poll(timeout_s):
            res = parent_conn.recv()
        elif proc.is_alive():
            proc.kill()
            res = Result(status=f"timeout (> {timeout_s:g} s)")
        else:
            res = None
    except EOFError:
        res = None
    proc.join(10)
    if proc.is_alive():
        proc.kill()
        proc.join()
    if res is None:
        code = proc.exitcode
        res = Result(status="out of memory (killed by the OS)" if code == -9
                     else f"fails: child exited with code {code}")
    return res


# --------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------
FULL = [(1_000, 10, 0.0), (10_000, 50, 0.8), (100_000, 6, 0.0)]
QUICK = [(200, 10, 0.0), (1_000, 50, 0.8), (10_000, 6, 0.0)]
SCALES = [(1, 10), (0, 100)]
QUICK_KRIPP_MAX_BYTES = 256 * MIB  # --quick skips krippendorff above this tensor size
QUICK_PINGOUIN_MAX_UNITS = 20_000

OURS_ROWS = [("alpha", "alpha, 4 levels"), ("icc", "ICC, 6 forms"),
             ("both", "alpha 4 + ICC 6 (target)"), ("user", "as a user writes them (5)")]
INFO_ROWS = [("fleiss", "fleiss_kappa"), ("gwet", "gwet_ac (quadratic)"), ("pa", "percent_agreement")]


def _skip_reason(library: str, spec: DataSpec, quick: bool) -> str:
    if not quick:
        return ""
    if library == "krippendorff" and _kripp_tensor_bytes(spec) > QUICK_KRIPP_MAX_BYTES:
        return "skipped (--quick: units x values x values tensor)"
    if library == "pingouin" and spec.n_units > QUICK_PINGOUIN_MAX_UNITS:
        return "skipped (--quick)"
    return ""


def _fmt_s(x: float) -> str:
    return f"{x:9.3f}" if x >= 0.01 else f"{x:9.4f}"


def _fmt_mib(x: float) -> str:
    return "        -" if not np.isfinite(x) else f"{x:9.1f}"


def _diffs(ours: Result, lib: Result) -> dict:
    return {k: abs(ours.values[k] - v) for k, v in lib.values.items() if k in ours.values}


def _fmt_diff(d: dict) -> str:
    if not d:
        return "-"
    worst = max(d, key=lambda k: (np.nan_to_num(d[k], nan=np.inf)))
    flag = "" if d[worst] <= AGREE_TOL else "  DIFFERS"
    return f"{d[worst]:.1e} ({worst}){flag}"


HEADER = (f"{'function':<30}{'library':<14}{'time (s)':>9}{'RSS MiB':>10}{'traced MiB':>11}"
          f"{'lib/ours':>10}  max |ours - lib|")


def _row(what: str, library: str, r: Result, ratio: str = "", diff: str = "") -> str:
    if r.status != "ok":
        return f"{what:<30}{library:<14}{r.status}"
    return (f"{what:<30}{library:<14}{_fmt_s(r.seconds)} {_fmt_mib(r.rss_mib)}  {_fmt_mib(r.traced_mib)}"
            f"{ratio:>10}  {diff}")


def bench_dataset(spec: DataSpec, args, ctx, string_ids_too: bool) -> dict:
    """Run every measurement on one data set and print its table; returns the Results."""
    def go(what, library, repeats, string_ids=False):
        reason = "" if library == "ours" else _skip_reason(library, spec, args.quick)
        if reason:
            return Result(status=reason)
        job = Job(what, library, spec, repeats, string_ids)
        t0 = time.perf_counter()
        r = run(job, ctx, args.timeout, int(args.mem_limit_gib * 2**30), args.trace_limit)
        log.debug("%s %s %s: %s in %.1f s wall", spec.label, what, library, r.status,
                  time.perf_counter() - t0)
        return r

    res = {}
    for what, _ in OURS_ROWS + INFO_ROWS:  # the user row is cheap: more calls for a steadier median
        res[(what, "ours")] = go(what, "ours", max(args.repeats, USER_REPEATS) if what == "user" else args.repeats)
    if string_ids_too:
        res[("both", "ours, str ids")] = go("both", "ours", args.repeats, string_ids=True)
    res[("alpha", "krippendorff")] = go("alpha", "krippendorff", args.lib_repeats)
    res[("icc", "pingouin")] = go("icc", "pingouin", args.lib_repeats)

    n_ratings = int((~np.isnan(ratings_matrix(spec))).sum())
    print(f"\n== {spec.label} ({n_ratings:,} ratings) ==")
    print(HEADER)
    print("-" * len(HEADER))

    def lib_row(what, label, library):
        ours, lib = res[(what, "ours")], res[(what, library)]
        ratio = diff = ""
        if lib.status == "ok" and ours.status == "ok":
            ratio = f"{lib.seconds / ours.seconds:9.1f}x"
            diff = _fmt_diff(_diffs(ours, lib))
        print(_row(label, library, lib, ratio, diff))

    print(_row("alpha, 4 levels", "ours", res[("alpha", "ours")]))
    lib_row("alpha", "alpha, 4 levels", "krippendorff")
    print(_row("ICC, 6 forms", "ours", res[("icc", "ours")]))
    lib_row("icc", "ICC, 6 forms", "pingouin")
    print(_row("alpha 4 + ICC 6 (target)", "ours", res[("both", "ours")]))
    user, ka, pg = res[("user", "ours")], res[("alpha", "krippendorff")], res[("icc", "pingouin")]
    ratio = diff = ""
    if user.status == "ok" and ka.status == "ok" and pg.status == "ok":
        ratio = f"{(ka.seconds + pg.seconds) / user.seconds:9.1f}x"
        diff = _fmt_diff({**_diffs(user, ka), **_diffs(user, pg)})
    print(_row("as a user writes them (5)", "ours", user, ratio, diff)
          + (f"  median {user.median_seconds:.3f} s" if user.status == "ok" else ""))
    if string_ids_too:
        print(_row("alpha 4 + ICC 6, string ids", "ours", res[("both", "ours, str ids")]))
    for what, label in INFO_ROWS:
        print(_row(label, "ours", res[(what, "ours")]))

    # coefficient by coefficient
    ka, pg = res[("alpha", "krippendorff")], res[("icc", "pingouin")]
    if ka.status == "ok" and res[("alpha", "ours")].status == "ok":
        d = _diffs(res[("alpha", "ours")], ka)
        print("  |ours - krippendorff|: " + "  ".join(f"{k} {v:.1e}" for k, v in d.items()))
    if pg.status == "ok" and res[("icc", "ours")].status == "ok":
        d = _diffs(res[("icc", "ours")], pg)
        print("  |ours - pingouin|:     " + "  ".join(f"{k} {v:.1e}" for k, v in d.items()))
    if pg.status.startswith("fails") and spec.missing:
        print(f"  pingouin drops every target with a missing rating: {complete_units(spec):,} of "
              f"{spec.n_units:,} targets left (nan_policy='omit'), so it cannot compute the ICC.")
    ours_vals = {**res[("alpha", "ours")].values, **res[("icc", "ours")].values}
    if ours_vals:
        print("  ours: " + "  ".join(f"{k} {v:.4f}" for k, v in ours_vals.items()))
    if string_ids_too and res[("both", "ours, str ids")].status == "ok" and res[("both", "ours")].status == "ok":
        extra = res[("both", "ours, str ids")].seconds - res[("both", "ours")].seconds
        print(f"  string ids cost {extra:+.3f} s over integer ids (factorizing the labels)")
    sys.stdout.flush()
    return res


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _versions() -> str:
    from importlib.metadata import version

    names = ("numpy", "pandas", "scipy", "pingouin", "krippendorff")
    return ", ".join(f"{n} {version(n)}" for n in names)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="small sizes only and no pathological library calls (smoke test, < 30 s)")
    ap.add_argument("--repeats", type=int, default=3, help="timed calls of ours, best kept (3)")
    ap.add_argument("--lib-repeats", type=int, default=1, help="timed calls of the libraries (1)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per measurement (300)")
    ap.add_argument("--mem-limit-gib", type=float, default=8.0,
                    help="address-space limit of every child process, GiB (8)")
    ap.add_argument("--trace-limit", type=float, default=60.0,
                    help="skip the tracemalloc call when a call took longer, s (60)")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="set OPENBLAS_NUM_THREADS (and OMP/MKL) in the child processes; default: "
                         "leave as it is (OpenBLAS then uses every core)")
    ap.add_argument("-v", "--verbose", action="store_true", help="log every measurement")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(message)s", stream=sys.stderr)
    log.info("run parameters: %s", vars(args))

    if args.blas_threads is not None:  # read by the fork server's own numpy import
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.blas_threads)
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["numpy", "pandas", "scipy.sparse", "scipy.stats",
                                "scoring.agreement", "pingouin", "krippendorff"])
    sizes = QUICK if args.quick else FULL
    specs = [DataSpec(n, r, miss, lo, hi) for n, r, miss in sizes for lo, hi in SCALES]
    largest = max(specs, key=lambda s: s.n_units * s.n_raters * (1 - s.missing))
    t_start = time.perf_counter()

    print("Agreement benchmark: ours (scoring.agreement) vs pingouin.intraclass_corr and krippendorff.alpha")
    print(f"{platform.python_implementation()} {platform.python_version()}, {_versions()}; "
          f"{os.cpu_count()} CPUs; {'--quick' if args.quick else 'full run'}; load average at start "
          f"{_load()}; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"time: best of {args.repeats} calls (ours) / {args.lib_repeats} (libraries), time.perf_counter,"
          " data built beforehand and not timed.")
    print("RSS MiB: peak resident-set growth over the baseline during the first call, each measurement "
          "in its own fresh child process\n  (kernel VmHWM reset via /proc/self/clear_refs after "
          "malloc_trim, data already built); traced MiB: tracemalloc peak of one more call.")
    print(f"Guards: every child limited to {args.mem_limit_gib:g} GiB of address space "
          f"(RLIMIT_AS) and {args.timeout:g} s.")
    print("Inputs: ours and pingouin get the long DataFrame (integer unit and rater ids, int64 scores,"
          " no rows for missing ratings);\n  krippendorff gets the raters x units matrix (NaN = missing),"
          " built beforehand, value_domain = the full scale; ours get categories = the full scale\n"
          "  (except the row 'as a user writes them': five separate calls, keyword arguments, no categories;"
          " time: best and median of at least 11 calls).")
    print("pingouin.intraclass_corr(..., nan_policy='omit') drops every target with a missing rating;"
          " lib/ours = library time / our time.")
    sys.stdout.flush()

    results = {}
    for spec in specs:
        results[spec] = bench_dataset(spec, args, ctx, string_ids_too=(spec.n_units == largest.n_units))

    # summary
    print("\n== summary ==")
    target = DataSpec(100_000, 6, 0.0, 0, 100)
    if target in results:
        user = results[target][("user", "ours")]
        if user.status == "ok":
            met = user.median_seconds <= USER_TARGET_SECONDS
            print(f"five calls as a user writes them (100,000 x 6 on 0..100: krippendorff_alpha at each level "
                  f"+ icc, no categories) <= {USER_TARGET_SECONDS:.2f} s: {'MET' if met else 'MISSED'} "
                  f"(median {user.median_seconds:.3f} s, best {user.seconds:.3f} s of "
                  f"{max(args.repeats, USER_REPEATS)} calls; load average now {_load()})")
            for spec in (target, DataSpec(100_000, 6, 0.0, 1, 10)):  # the libraries on the same data, this run
                if spec not in results or results[spec][("user", "ours")].status != "ok":
                    continue
                ours_s = results[spec][("user", "ours")].median_seconds
                parts = []
                for what, library, label in (("alpha", "krippendorff", "krippendorff.alpha, 4 levels"),
                                             ("icc", "pingouin", "pingouin.intraclass_corr")):
                    lib = results[spec][(what, library)]
                    parts.append(f"{label} {lib.seconds:.2f} s ({lib.seconds / ours_s:.0f}x)" if lib.status == "ok"
                                 else f"{label}: {lib.status}")
                print(f"  {spec.label}: ours {ours_s:.3f} s (median); " + "; ".join(parts))
        else:
            print(f"five calls as a user writes them: MISSED ({user.status})")
        both = results[target][("both", "ours")]
        if both.status == "ok":
            met = both.seconds < TARGET_SECONDS and both.rss_mib < TARGET_MIB
            print(f"target (100,000 x 6 on 0..100, alpha at 4 levels + 6 ICCs < {TARGET_SECONDS} s and "
                  f"< {TARGET_MIB:g} MiB): {'MET' if met else 'NOT MET'} "
                  f"({both.seconds:.3f} s, {both.rss_mib:.0f} MiB RSS, {both.traced_mib:.0f} MiB traced)")
            s_ids = results[target].get(("both", "ours, str ids"))
            if s_ids is not None and s_ids.status == "ok":
                print(f"  with string ids: {s_ids.seconds:.3f} s, {s_ids.rss_mib:.0f} MiB RSS "
                      f"({'within' if s_ids.seconds < TARGET_SECONDS and s_ids.rss_mib < TARGET_MIB else 'outside'}"
                      " the target)")
        else:
            print(f"target: NOT MET ({both.status})")
    else:
        print("target (100,000 x 6 on 0..100): not measured (--quick)")
    slower, compared, failed = [], 0, []
    for spec, res in results.items():
        for what, library in (("alpha", "krippendorff"), ("icc", "pingouin")):
            lib, ours = res[(what, library)], res[(what, "ours")]
            if lib.status == "ok" and ours.status == "ok":
                compared += 1
                if lib.seconds <= ours.seconds:
                    slower.append(f"{what} vs {library} on {spec.label} ({lib.seconds / ours.seconds:.2f}x)")
            elif not lib.status.startswith("skipped"):
                failed.append(f"{library} on {spec.label}: {lib.status}")
    if slower:
        print(f"ours faster than the libraries wherever they ran: NO, slower in {len(slower)} of {compared}:")
        for s in slower:
            print("  " + s)
    else:
        print(f"ours faster than the libraries wherever they ran: YES ({compared} comparisons)")
    if failed:
        print("library calls that did not run:")
        for f in failed:
            print("  " + f)
    bad = [f"{spec.label}: {k} {v:.1e}"
           for spec, res in results.items()
           for what, library in (("alpha", "krippendorff"), ("icc", "pingouin"))
           if res[(what, library)].status == "ok" and res[(what, "ours")].status == "ok"
           for k, v in _diffs(res[(what, "ours")], res[(what, library)]).items() if not v <= AGREE_TOL]
    print(f"values agree with the libraries within {AGREE_TOL:g}: " + ("YES" if not bad else "NO"))
    for b in bad:
        print("  " + b)
    print(f"total wall time {time.perf_counter() - t_start:.0f} s; load average at the end {_load()} "
          f"(other work on the machine inflates the times)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
