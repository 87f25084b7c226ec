"""Do the rankings find the true leaders, and is their uncertainty honest? Simulated award
years with known truth (``scoring.simulate``), many fresh seeds.

Run from the project root::

    .venv/bin/python benchmarks/calibration.py            # full run (400 seeds per scenario)
    .venv/bin/python benchmarks/calibration.py --quick    # 4 seeds, 300 draws, < 1 min
    .venv/bin/python benchmarks/calibration.py --no-model # only the methods without the examiner model

Scenarios: the reference simulation of issue 7 (35 entries in 5 classes, 45 examiners, teams
of 4-6 drawn at random, bias sd 8), ``circles`` (teams drawn mostly within circles of about 20
examiners that share a severity) and ``unbiased`` (every bias 0).

Methods: ``rank_entries`` with ``mean`` (raw means), ``median``, ``trimmed``, ``zscore``,
``adjusted`` (the examiner model) and an ``oracle``: the mean of the scores minus each
examiner's true bias (ranked the same way, so it has intervals and P(first) too).

Per scenario and method it prints: how often the method's leader (best entry of the class by
its score) is the true leader (ties share the credit); the RMSE of entry scores (equal weights)
against the true quality, and its ratio to raw means'; the coverage of the 90 % rank intervals
(share of entries whose true within-class rank lies inside) and their median width
(rank_high - rank_low); the Brier score of P(first) against the true leader (per class, the
sum over its entries of (p - truth)², averaged over classes) beside the baseline that gives the
raw-mean leader probability 1; and a reliability table (P(first) in bins against how often
those entries truly lead), with its calibration error. For the model it also prints how well
the examiner effects correlate with the true biases (examiners with >= 10 scores) beside the old
estimate, each examiner's mean deviation from co-examiners on the same entry and criterion.

Paired comparisons (issue 17): the adjusted method against raw means and z-scores on the same
simulated classes and entries: the difference in leader found (with the classes won and lost,
an exact sign test, i.e. McNemar's, on them and a paired t test over the years), the difference
in the Brier score of P(first) and the ratio of the RMSEs, each with a 95 % interval from a
bootstrap of whole years (the classes of a year share their examiners).

The targets (issue 7, points 6 and 9; issue 17: :data:`PROMISES`) are printed beside the
figures; the run exits 1 when a target is missed, else 0. With ``--no-model`` the model's
figures are skipped deliberately and only the other targets count.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import binomtest, ttest_1samp

from scoring.calibration import fit_examiner_model
from scoring.ranking import CORRECTIONS, rank_entries
from scoring.simulate import Settings, simulate_year

SCENARIOS = {
    "reference": Settings(),
    "circles": Settings(circle_size=20),
    "unbiased": Settings().unbiased(),
}
PLAIN = ("mean", "median", "trimmed", "zscore")
ORDER = ("mean", "median", "trimmed", "zscore", "adjusted", "oracle")
LABEL = {"mean": "raw mean", "median": "median", "trimmed": "trimmed", "zscore": "zscore",
         "adjusted": "adjusted", "oracle": "oracle"}
BINS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)
# targets of issue 7
RMSE = {"reference": 0.70, "unbiased": 1.02}  # adjusted RMSE / raw means' (circles: no target)
ORACLE_RMSE = 0.55
CORR = {"reference": 0.93, "circles": 0.95}
COVERAGE = 0.85  # every method's 90 % rank intervals
CAL_ERROR = 0.02  # adjusted: calibration error of P(first) at most this
# What the adjusted method promises against raw means and z-scores on the same simulated classes
# (issue 17): (scenario, other method, measure, promise). "more": the true leader first in more
# classes, with p < ALPHA by the sign test and by the years; "lower": the upper end of the 95 %
# interval of the Brier difference below 0, or of the RMSE ratio below 1; "not worse": the lower
# end of the leader difference above -LEADER_MARGIN, the upper end of the Brier difference below
# BRIER_MARGIN. Set on a pilot run (seeds 5000..5199) before the recorded run (benchmarks/README.md).
PROMISES = (
    ("reference", "mean", "leader", "more"), ("reference", "zscore", "leader", "more"),
    ("reference", "mean", "brier", "lower"), ("reference", "zscore", "brier", "lower"),
    ("reference", "zscore", "rmse", "lower"),
    ("circles", "mean", "leader", "more"), ("circles", "zscore", "leader", "more"),
    ("circles", "mean", "brier", "lower"), ("circles", "zscore", "brier", "lower"),
    ("circles", "mean", "rmse", "lower"), ("circles", "zscore", "rmse", "lower"),
    ("unbiased", "mean", "leader", "not worse"), ("unbiased", "zscore", "leader", "more"),
    ("unbiased", "mean", "brier", "not worse"), ("unbiased", "zscore", "brier", "lower"),
    ("unbiased", "zscore", "rmse", "lower"),
)
ALPHA = 0.05
LEADER_MARGIN = 0.01  # 1 percentage point of the classes
BRIER_MARGIN = 0.01
MIN_EFFECT_SCORES = 10
PAIRED = ("mean", "zscore")  # the methods the adjusted one is compared with, class by class
BOOTSTRAP = 4000  # resamples of the years behind the paired 95 % intervals
BOOTSTRAP_SEED = 7
NOT_MEASURED = "not measured (--no-model)"


@dataclass
class Tally:
    """What one method gathered over the seeds of one scenario."""

    first: float = 0.0  # classes whose true leader the method puts first (ties share)
    classes: int = 0
    credit: list[float] = field(default_factory=list)  # per class: its share of ``first``
    keys: list[tuple[int, str]] = field(default_factory=list)  # per class: (seed, class), for pairing
    sq_error: list[float] = field(default_factory=list)
    entry_seed: list[int] = field(default_factory=list)  # per entry of sq_error: its year's seed
    covered: list[bool] = field(default_factory=list)
    score_covered: list[bool] = field(default_factory=list)
    width: list[float] = field(default_factory=list)
    brier: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)  # raw-mean leader with probability 1
    p: list[float] = field(default_factory=list)
    leads: list[bool] = field(default_factory=list)


@dataclass
class Paired:
    """The adjusted method against one other on the same simulated classes and entries.

    Pairs of (adjusted, other); ``*_ci`` are 95 % percentile intervals of a bootstrap that
    resamples whole years (the classes of a year share their examiners, so they are not
    independent); ``p_*_years`` is the paired t test over the years' mean differences."""

    other: str
    years: int
    classes: int
    first: tuple[float, float]  # share of the classes in which the method finds the true leader
    first_diff: float  # adjusted - other, as a share of the classes
    first_ci: tuple[float, float]
    won: int  # classes where adjusted gets more credit for the true leader than the other
    lost: int  # ... less credit
    p_sign: float  # exact two-sided sign test (McNemar) on the won and lost classes
    p_first_years: float
    brier: tuple[float, float]  # mean Brier of P(first) per class
    brier_diff: float  # adjusted - other
    brier_ci: tuple[float, float]
    p_brier_years: float
    rmse: tuple[float, float]
    ratio: float  # adjusted RMSE / other's
    ratio_ci: tuple[float, float]


@dataclass
class Check:
    name: str
    value: str
    target: str
    ok: bool | None  # None: not evaluated


def paired(a: Tally, b: Tally, other: str, resamples: int = BOOTSTRAP, seed: int = BOOTSTRAP_SEED) -> Paired:
    """Compare ``a`` (adjusted) with ``b`` (``other``), tallied over the same years and classes."""
    if a.keys != b.keys or sorted(a.entry_seed) != sorted(b.entry_seed):
        raise ValueError(f"adjusted and {other} were not tallied over the same classes and entries")
    years = sorted({k[0] for k in a.keys})
    index = {s: i for i, s in enumerate(years)}
    n = len(years)
    of_class = np.array([index[k[0]] for k in a.keys])

    def by_year(values, where) -> np.ndarray:
        return np.bincount(where, weights=np.asarray(values, dtype=float), minlength=n)

    classes = np.bincount(of_class, minlength=n).astype(float)
    ca, cb = np.asarray(a.credit), np.asarray(b.credit)
    first = by_year(ca - cb, of_class)
    brier = by_year(np.subtract(a.brier, b.brier), of_class)
    sq_a = by_year(a.sq_error, np.array([index[s] for s in a.entry_seed]))
    sq_b = by_year(b.sq_error, np.array([index[s] for s in b.entry_seed]))
    won, lost = int((ca > cb).sum()), int((ca < cb).sum())
    rows = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    shown = classes[rows].sum(axis=1)

    def interval(x: np.ndarray) -> tuple[float, float]:
        lo, hi = np.percentile(x, [2.5, 97.5])
        return float(lo), float(hi)

    def t_test(x: np.ndarray) -> float:
        return float(ttest_1samp(x, 0.0).pvalue) if np.ptp(x) > 0 else float("nan")

    total = classes.sum()
    return Paired(
        other=other, years=n, classes=int(total),
        first=(float(ca.mean()), float(cb.mean())), first_diff=float(first.sum() / total),
        first_ci=interval(first[rows].sum(axis=1) / shown), won=won, lost=lost,
        p_sign=float(binomtest(won, won + lost, 0.5).pvalue) if won + lost else 1.0,
        p_first_years=t_test(first / classes),
        brier=(float(np.mean(a.brier)), float(np.mean(b.brier))), brier_diff=float(brier.sum() / total),
        brier_ci=interval(brier[rows].sum(axis=1) / shown), p_brier_years=t_test(brier / classes),
        rmse=(rmse(a), rmse(b)), ratio=float(np.sqrt(sq_a.sum() / sq_b.sum())),
        ratio_ci=interval(np.sqrt(sq_a[rows].sum(axis=1) / sq_b[rows].sum(axis=1))),
    )


def oracle_scores(y) -> pd.DataFrame:
    bias = y.examiners.set_index("examiner_id")["bias"]
    return y.scores.assign(score=y.scores["score"] - y.scores["examiner_id"].map(bias).to_numpy())


def co_examiner_deviation(scores: pd.DataFrame) -> pd.Series:
    """The old estimate: an examiner's mean deviation from the other examiners' mean on the same
    entry and criterion (scores without a co-examiner are not used), by examiner_id."""
    g = scores.groupby(["entry_id", "criterion"])["score"]
    total, count = g.transform("sum"), g.transform("count")
    ok = count > 1
    dev = scores["score"][ok] - (total[ok] - scores["score"][ok]) / (count[ok] - 1)
    return dev.groupby(scores["examiner_id"][ok]).mean()


def tally(t: Tally, r: pd.DataFrame, y, baseline_leader: pd.Series, seed: int) -> None:
    """Add one ranked year (simulated with ``seed``) to ``t``; ``baseline_leader`` is the raw-mean
    ``leader`` column."""
    quality = y.quality
    truth = y.entries.assign(q=y.entries["entry_id"].map(quality))
    true_rank = dict(zip(truth["entry_id"], truth.groupby("class")["q"].rank(ascending=False, method="min"),
                         strict=True))
    eligible = truth[truth["budget_in_balance"] != "nej"]
    true_leader = set(eligible.loc[eligible.groupby("class")["q"].idxmax(), "entry_id"])
    r = r.assign(truth=r["entry_id"].isin(true_leader).astype(float), true_rank=r["entry_id"].map(true_rank),
                 base=baseline_leader.reindex(r["entry_id"]).to_numpy(dtype=float))
    r["error"] = r["score"] - r["entry_id"].map(quality)
    t.sq_error += list(r["error"] ** 2)
    t.entry_seed += [seed] * len(r)
    t.covered += list((r["rank_low"] <= r["true_rank"]) & (r["true_rank"] <= r["rank_high"]))
    t.width += list((r["rank_high"] - r["rank_low"]).astype(float))
    q = r["entry_id"].map(quality)
    t.score_covered += list((r["score_low"] <= q) & (q <= r["score_high"]))
    for cls, c in r.groupby("class"):
        c = c[c["eligible"]]
        credit = float((c["leader"] & (c["truth"] == 1)).sum() / max(int(c["leader"].sum()), 1))
        t.classes += 1
        t.first += credit
        t.credit.append(credit)
        t.keys.append((seed, str(cls)))
        t.brier.append(float(((c["p_first"] - c["truth"]) ** 2).sum()))
        base = c["base"] / max(c["base"].sum(), 1.0)
        t.baseline.append(float(((base - c["truth"]) ** 2).sum()))
        t.p += list(c["p_first"])
        t.leads += list(c["truth"] == 1)


def run(args) -> int:
    fit = None if args.no_model else fit_examiner_model
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    methods = [m for m in ORDER if m != "adjusted" or fit is not None]
    print_parameters(args, seeds, fit)
    start = time.perf_counter()
    results: dict[str, dict[str, Tally]] = {}
    effects: dict[str, dict[str, list[float]]] = {}
    comparisons: dict[str, list[Paired]] = {}
    for name, settings in SCENARIOS.items():
        tallies = {m: Tally() for m in methods}
        variants = {c: Tally() for c in CORRECTIONS} if name == "reference" else {}
        corr: dict[str, list[float]] = {"model": [], "co-examiner deviation": []}
        for seed in seeds:
            y = simulate_year(settings, seed)
            tables = {}
            for m in PLAIN:
                tables[m] = rank_entries(y.scores, m, y.entries, n_draws=args.draws, seed=seed)
            tables["oracle"] = rank_entries(oracle_scores(y), "mean", y.entries, n_draws=args.draws, seed=seed)
            if fit is not None:
                model = fit(y.scores, min_scores=args.min_scores)
                tables["adjusted"] = rank_entries(y.scores, "adjusted", y.entries, n_draws=args.draws, seed=seed,
                                                  model=model)
            base = tables["mean"].set_index("entry_id")["leader"]
            for m in methods:
                tally(tallies[m], tables[m], y, base, seed)
            for c, t in variants.items():
                r = tables["mean"] if c == "variance" else rank_entries(y.scores, "mean", y.entries, seed=seed,
                                                                        n_draws=args.draws, correction=c)
                tally(t, r, y, base, seed)
            if settings.bias_sd > 0:
                truth = y.examiners.set_index("examiner_id")["bias"]
                n = y.scores.groupby("examiner_id").size()
                many = n.index[n >= MIN_EFFECT_SCORES]
                old = co_examiner_deviation(y.scores).reindex(many)
                corr["co-examiner deviation"].append(float(np.corrcoef(old, truth[many])[0, 1]))
                if fit is not None:
                    e = model.effects.set_index("examiner_id")
                    e = e[e["n_scores"] >= MIN_EFFECT_SCORES]
                    corr["model"].append(float(np.corrcoef(e["bias"], truth[e.index])[0, 1]))
        results[name], effects[name] = tallies, corr
        if fit is not None:
            comparisons[name] = [paired(tallies["adjusted"], tallies[m], m) for m in PAIRED]
        print_scenario(name, settings, tallies, corr, len(seeds), comparisons.get(name))
        if variants:
            print_corrections(variants)
    checks = evaluate(results, effects, comparisons)
    print_checks(checks)
    print(f"\ntotal wall time {time.perf_counter() - start:.0f} s; load average at the end "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    failed = [c for c in checks if c.ok is False]
    if failed:
        print(f"\nFAILED: {len(failed)} target(s) missed: " + "; ".join(c.name for c in failed))
        return 1
    skipped = sum(c.ok is None for c in checks)
    print("\nall targets met" if not skipped else f"\nall targets that were run met; {skipped} not run (--no-model)")
    return 0


def print_parameters(args, seeds, fit) -> None:
    print("Calibration benchmark: rankings on simulated award years with known truth (scoring.simulate)")
    print(f"CPython {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
          f"{os.cpu_count()} CPUs; load average at start {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"run: {'quick' if args.quick else 'full'}; seeds {seeds.start}..{seeds.stop - 1} ({len(seeds)} per "
          f"scenario); {args.draws} resampling draws per ranking (seed = the year's seed); rank interval 90 %; "
          f"model min_scores {args.min_scores}; "
          f"model: {'skipped (--no-model)' if args.no_model else 'fitted'}")
    base = asdict(Settings())
    for name, s in SCENARIOS.items():
        diff = {k: v for k, v in asdict(s).items() if v != base[k]}
        print(f"  scenario {name}: " + (", ".join(f"{k}={v}" for k, v in diff.items()) or "the reference "
                                        "simulation: " + ", ".join(f"{k}={v}" for k, v in base.items())))


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def rmse(t: Tally) -> float:
    return float(np.sqrt(np.mean(t.sq_error)))


def print_scenario(name, settings, tallies, corr, n_seeds, comparisons: list[Paired] | None) -> None:
    raw = rmse(tallies["mean"])
    biased = settings.bias_sd > 0
    print(f"\n== {name}: {n_seeds} seeds, {tallies['mean'].classes} classes, {len(tallies['mean'].covered)} entries ==")
    print(f"{'method':<10} {'leader first':>18} {'RMSE':>6} {'/raw':>6} {'target':>8}   {'score cov':>9}   "
          f"{'rank cov':>8} {'width':>5}   {'Brier':>6} {'baseline':>8} {'cal err':>7}")
    for m in ORDER:
        if m not in tallies:
            print(f"{LABEL[m]:<10} " + NOT_MEASURED)
            continue
        t = tallies[m]
        target = ""
        if m == "adjusted" and name in RMSE:
            target = f"<= {RMSE[name]:.2f}"
        elif m == "oracle" and name == "reference":
            target = f"~{ORACLE_RMSE:.2f}"
        first = f"{t.first:.0f}/{t.classes} ({pct(t.first / t.classes)})"
        print(f"{LABEL[m]:<10} {first:>18} {rmse(t):6.2f} {rmse(t) / raw:6.3f} {target:>8}   "
              f"{pct(np.mean(t.score_covered)):>9}   {pct(np.mean(t.covered)):>8} {np.median(t.width):5.1f}   "
              f"{np.mean(t.brier):6.3f} {np.mean(t.baseline):8.3f} {calibration_error(t):7.4f}")
    print("score cov: share of entries whose 90 % score interval holds the true quality (for information); "
          "rank cov: whose 90 % rank interval holds the true within-class rank; width: median rank_high - rank_low; "
          "cal err: calibration error of P(first) (see the small-team correction)")
    print("targets: " + targets_line(name))
    if comparisons:
        print_paired(comparisons)
    else:
        print("adjusted against raw mean and zscore, paired: " + NOT_MEASURED)
    if biased:
        print(f"examiner effects vs true bias, examiners with >= {MIN_EFFECT_SCORES} scores (mean [min] over seeds; "
              f"target >= {CORR[name]:.2f} for the model):")
        for who, r in corr.items():
            if who == "model" and not r:
                print(f"  {who:<24} " + NOT_MEASURED)
            else:
                print(f"  {who:<24} {np.mean(r):.3f} [{np.min(r):.3f}]")
    print_reliability({LABEL[m]: tallies[m] for m in ORDER if m in tallies})


def p_value(p: float) -> str:
    return "-" if np.isnan(p) else "<0.001" if p < 0.001 else f"{p:.3f}"


def print_paired(rows: list[Paired]) -> None:
    r0 = rows[0]
    print(f"adjusted against raw mean and zscore, paired on the same {r0.classes} classes of {r0.years} years; "
          f"[95 %]: bootstrap of whole years ({BOOTSTRAP} resamples); p sign: exact two-sided sign test (McNemar) "
          "on the classes where one method gives the true leader more credit than the other; p years: paired t "
          "test over the years' mean differences")
    print(f"  {'leader first':<14} {'adjusted':>8} {'other':>8} {'difference [95 %]':>28} {'won/lost':>9} "
          f"{'p sign':>7} {'p years':>7}")
    for r in rows:
        d = f"{100 * r.first_diff:+.1f} [{100 * r.first_ci[0]:+.1f}, {100 * r.first_ci[1]:+.1f}] pp"
        print(f"  vs {LABEL[r.other]:<11} {pct(r.first[0]):>8} {pct(r.first[1]):>8} {d:>28} "
              f"{f'{r.won}/{r.lost}':>9} {p_value(r.p_sign):>7} {p_value(r.p_first_years):>7}")
    print(f"  {'Brier P(first)':<14} {'adjusted':>8} {'other':>8} {'difference [95 %]':>28} {'':>9} {'':>7} "
          f"{'p years':>7}")
    for r in rows:
        d = f"{r.brier_diff:+.3f} [{r.brier_ci[0]:+.3f}, {r.brier_ci[1]:+.3f}]"
        print(f"  vs {LABEL[r.other]:<11} {r.brier[0]:8.3f} {r.brier[1]:8.3f} {d:>28} {'':>9} {'':>7} "
              f"{p_value(r.p_brier_years):>7}")
    print(f"  {'RMSE':<14} {'adjusted':>8} {'other':>8} {'ratio [95 %]':>28}")
    for r in rows:
        d = f"{r.ratio:.3f} [{r.ratio_ci[0]:.3f}, {r.ratio_ci[1]:.3f}]"
        print(f"  vs {LABEL[r.other]:<11} {r.rmse[0]:8.2f} {r.rmse[1]:8.2f} {d:>28}")


def print_corrections(variants: dict[str, Tally]) -> None:
    print("\nsmall-team correction of the examiner bootstrap (reference scenario, raw mean; "
          "rank_entries(correction=...)):")
    print(f"{'correction':<10} {'score cov':>9}   {'rank cov':>8} {'width':>5}   {'Brier':>6}   "
          f"{'calibration error':>17}")
    for c, t in variants.items():
        print(f"{c:<10} {pct(np.mean(t.score_covered)):>9}   {pct(np.mean(t.covered)):>8} {np.median(t.width):5.1f}   "
              f"{np.mean(t.brier):6.3f}   {calibration_error(t):17.4f}")
    print("calibration error: mean over entries of |P(first) - share that truly lead| in its bin (bins as below)")
    print_reliability(variants)


def reliability(t: Tally) -> pd.DataFrame:
    cuts = pd.IntervalIndex.from_breaks(BINS, closed="left")
    d = pd.DataFrame({"p": t.p, "y": t.leads})
    d["bin"] = pd.cut(d["p"].clip(upper=BINS[-1] - 1e-12), cuts)
    return d.groupby("bin", observed=False).agg(n=("p", "size"), p=("p", "mean"), y=("y", "mean"))


def calibration_error(t: Tally) -> float:
    g = reliability(t).dropna()
    return float((g["n"] * (g["p"] - g["y"]).abs()).sum() / g["n"].sum())


def print_reliability(tallies: dict[str, Tally]) -> None:
    print("reliability of P(first) (eligible entries): n, mean P(first), share that truly lead")
    print(f"  {'P(first)':<12}" + "".join(f"{m:>24}" for m in tallies))
    rows = {m: reliability(t) for m, t in tallies.items()}
    cuts = pd.IntervalIndex.from_breaks(BINS, closed="left")
    for b in cuts:
        label = f"[{b.left:.2f}, {b.right:.2f}{']' if b.right == BINS[-1] else ')'}"
        cells = []
        for g in rows.values():
            n, p, y = g.loc[b, "n"], g.loc[b, "p"], g.loc[b, "y"]
            cells.append(f"{n:>6} {p:5.2f} {y:5.2f}   " if n else f"{'-':>6} {'':5} {'':5}   ")
        print(f"  {label:<12}" + "".join(f"{c:>24}" for c in cells))


def targets_line(name: str) -> str:
    """The scenario's targets in one line."""
    adjusted = [f"Brier below the baseline, calibration error <= {CAL_ERROR}"]
    if name in RMSE:
        adjusted.append(f"RMSE / raw <= {RMSE[name]:.2f}")
    promised = [f"{WHAT[measure]} {kind} than {LABEL[other]}" for s, other, measure, kind in PROMISES if s == name]
    return (f"rank coverage >= {pct(COVERAGE)} (every method); adjusted: " + ", ".join(adjusted)
            + "; paired: " + ", ".join(promised) + " (see PROMISES)")


WHAT = {"leader": "leader first", "brier": "Brier", "rmse": "RMSE"}


def promise(name: str, p: Paired | None, other: str, measure: str, kind: str) -> Check:
    """The check of one of :data:`PROMISES` on the paired comparison ``p`` (None: not measured)."""
    label = f"{name}: adjusted vs {LABEL[other]}, {WHAT[measure]}"
    if measure == "leader" and kind == "more":
        target = f"more, p < {ALPHA} (sign, years)"
        value = None if p is None else (f"{100 * p.first_diff:+.1f} pp, p {p_value(p.p_sign)}, "
                                        f"{p_value(p.p_first_years)}")
        ok = None if p is None else bool(p.first_diff > 0 and p.p_sign < ALPHA and p.p_first_years < ALPHA)
    elif measure == "leader":
        target = f"95 % low > {-100 * LEADER_MARGIN:+.0f} pp"
        value = None if p is None else (f"{100 * p.first_diff:+.1f} [{100 * p.first_ci[0]:+.1f}, "
                                        f"{100 * p.first_ci[1]:+.1f}] pp")
        ok = None if p is None else bool(p.first_ci[0] > -LEADER_MARGIN)
    elif measure == "brier":
        bound = 0.0 if kind == "lower" else BRIER_MARGIN
        target = f"95 % high < {bound:+.2f}"
        value = None if p is None else f"{p.brier_diff:+.3f} [{p.brier_ci[0]:+.3f}, {p.brier_ci[1]:+.3f}]"
        ok = None if p is None else bool(p.brier_ci[1] < bound)
    else:
        target = "ratio, 95 % high < 1"
        value = None if p is None else f"{p.ratio:.3f} [{p.ratio_ci[0]:.3f}, {p.ratio_ci[1]:.3f}]"
        ok = None if p is None else bool(p.ratio_ci[1] < 1)
    return Check(label, "not measured" if value is None else value, target, ok)


def evaluate(results, effects, comparisons: dict[str, list[Paired]]) -> list[Check]:
    """The targets: every method's rank-interval coverage; the adjusted method's Brier against
    the baseline, calibration error and RMSE ratio; the model's effects; :data:`PROMISES`.
    Without the model (``--no-model``) its checks are listed as not run."""
    checks = []
    for name, tallies in results.items():
        raw = rmse(tallies["mean"])
        for m, t in tallies.items():
            if m == "oracle":
                continue
            cov = float(np.mean(t.covered))
            checks.append(Check(f"{name}: {m} rank-interval coverage", pct(cov), f">= {pct(COVERAGE)}",
                                cov >= COVERAGE))
        a = tallies.get("adjusted")
        b, base = (float(np.mean(a.brier)), float(np.mean(a.baseline))) if a else (0.0, 0.0)
        checks.append(Check(f"{name}: adjusted Brier of P(first)", f"{b:.3f}" if a else "not measured",
                            f"< baseline {base:.3f}" if a else "< baseline", b < base if a else None))
        err = calibration_error(a) if a else 0.0
        checks.append(Check(f"{name}: adjusted calibration error of P(first)", f"{err:.4f}" if a else "not measured",
                            f"<= {CAL_ERROR}", err <= CAL_ERROR if a else None))
        oracle = rmse(tallies["oracle"]) / raw
        if name in RMSE:
            ratio = rmse(a) / raw if a else 0.0
            checks.append(Check(f"{name}: adjusted RMSE / raw means' (oracle {oracle:.3f})",
                                f"{ratio:.3f}" if a else "not measured", f"<= {RMSE[name]:.2f}",
                                ratio <= RMSE[name] if a else None))
        if name in CORR:
            r = effects[name]["model"]
            checks.append(Check(f"{name}: model effects vs true bias (co-examiner deviation "
                                f"{np.mean(effects[name]['co-examiner deviation']):.3f})",
                                f"{np.mean(r):.3f}" if r else "not measured", f">= {CORR[name]:.2f}",
                                bool(np.mean(r) >= CORR[name]) if r else None))
        pairs = {p.other: p for p in comparisons.get(name, [])}
        checks += [promise(name, pairs.get(other), other, measure, kind)
                   for s, other, measure, kind in PROMISES if s == name]
    return checks


def print_checks(checks: list[Check]) -> None:
    print("\n== targets ==")
    width = max(len(c.name) for c in checks)
    value = max(len(c.value) for c in checks)
    target = max(len(c.target) for c in checks)
    for c in checks:
        verdict = "NOT RUN" if c.ok is None else "ok" if c.ok else "MISSED"
        print(f"  {c.name:<{width}}  {c.value:>{value}}  {c.target:<{target}} {verdict}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="4 seeds, 300 draws (< 1 min)")
    p.add_argument("--seeds", type=int, help="seeds per scenario (default 400; 4 with --quick)")
    p.add_argument("--first-seed", type=int, default=1000, help="first seed (default 1000)")
    p.add_argument("--draws", type=int, help="resampling draws per ranking (default 1000; 300 with --quick)")
    p.add_argument("--min-scores", type=int, default=12, help="the model's min_scores (default 12)")
    p.add_argument("--no-model", action="store_true", help="skip the examiner model's figures deliberately")
    args = p.parse_args(argv)
    if args.seeds is None:
        args.seeds = 4 if args.quick else 400
    if args.draws is None:
        args.draws = 300 if args.quick else 1000
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
