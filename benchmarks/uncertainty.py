"""Is the uncertainty the reports state honest? Three checks on simulated data with known truth
(issue 17, point 4).

Run from the project root::

    .venv/bin/python benchmarks/uncertainty.py            # full run (about 5-10 minutes)
    .venv/bin/python benchmarks/uncertainty.py --quick    # fewer seeds and replicates, < 1 min

1. **Decision study** (:func:`scoring.calibration.decision_study_uncertainty`). Years drawn
   exactly from the examiner model with known variance components (entry quality var 100 +
   criterion deviation var 36, examiner 56, examiner x entry 38, residual 58: about the demo's)
   on the reference simulation's design (35 entries, 45 examiners, teams of 4-6), so the true
   reliability of a team of 5 and the true smallest team reaching 0.8 are known. Per year the
   parametric bootstrap runs; printed: the truth, the mean point estimate, the mean of the
   replicates' medians (they should centre on the truth), the sd of the point estimates across
   years beside the mean sd of the replicates (the bootstrap's spread should match the real
   one), how often the 90 % interval holds the true reliability and how often the stated range
   of smallest teams holds the true one (beside the share of replicates it claims). Then the
   demo years: the figures the report prints, the time per year, and the Monte Carlo error (the
   same year with other seeds).
2. **Drift false alarms** (:func:`scoring.calibration.examiner_drift`). Six-year histories
   with examiners returning (a pool of 60, 40 active each year, persistent leniency, no drift):
   the share of examiners with two or more years flagged at least once, under the rule before
   (the 95 % interval of a change excludes 0: a 5 % test per comparison), under ``flagged``
   (:data:`scoring.calibration.FALSE_ALARM` per examiner over all their years) and, for
   comparison, Šidák over the comparisons in the history (not stable from one year's report to
   the next). Beside it "in any yearly report": the share flagged in at least one of the six
   reports as each year's report would have shown it. Then recall: six examiners drifting
   3 points a year.
3. **The examiner interval** (the model's ``ci_low``, ``ci_high`` around the shrunken
   estimate). The reference simulation (``scoring.simulate``), true biases known (relative to
   the examiner's group, as the model estimates them): the share of examiners whose 95 %
   interval holds the truth, over all examiners and seeds, by number of scores and by how far
   the examiner is from the average.

Monte Carlo errors are printed beside the shares (binomial, or between seeds where seeds share
a design). Nothing is read from disk except the demo data (part 1, demo years).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring import calibration  # noqa: E402
from scoring.calibration import FALSE_ALARM, decision_study_uncertainty, examiner_drift, fit_examiner_model  # noqa: E402
from scoring.calibration.decision import N_BOOT  # noqa: E402
from scoring.data import load_year  # noqa: E402
from scoring.simulate import CRITERIA, Settings, simulate_year  # noqa: E402

DEMO_YEARS = range(2019, 2025)

# --------------------------------------------------------------------------- 1. decision study

#: Known variance components (score points squared) of part 1.
KNOWN = {"quality": 100.0, "criterion": 36.0, "examiner": 56.0, "examiner_entry": 38.0, "residual": 58.0}
TEAM = 5
TARGET = 0.8
SIZES = np.arange(1, 11)


def known_year(seed: int, known: dict = KNOWN, settings: Settings | None = None) -> pd.DataFrame:
    """Scores drawn from the examiner model with ``known`` components on the reference design
    (who scored what from ``simulate_year``); unrounded, so the model is exactly true."""
    design = simulate_year(settings or Settings(), seed=seed).scores[["entry_id", "examiner_id", "criterion"]]
    rng = np.random.default_rng(1_000_003 + seed)
    e, entries = pd.factorize(design["entry_id"])
    k, examiners = pd.factorize(design["examiner_id"])
    c = pd.Index(CRITERIA).get_indexer(design["criterion"])
    n_e, n_k = len(entries), len(examiners)
    true = (rng.normal(0, np.sqrt(known["quality"]), n_e)[:, None]
            + rng.normal(0, np.sqrt(known["criterion"]), (n_e, len(CRITERIA))))
    b = rng.normal(0, np.sqrt(known["examiner"]), n_k)
    u = rng.normal(0, np.sqrt(known["examiner_entry"]), (n_e, n_k))
    score = 50 + true[e, c] + b[k] + u[e, k] + rng.normal(0, np.sqrt(known["residual"]), len(design))
    return design.assign(score=score, stage="individual")


def true_study(known: dict = KNOWN, n_criteria: int = len(CRITERIA)) -> dict:
    """True reliability of a team of TEAM and true smallest team, per criterion and for the total."""
    out = {}
    for name, w in (("criterion", np.eye(n_criteria)[0]), ("total", np.full(n_criteria, 1 / n_criteria))):
        sigma = known["quality"] * np.ones((n_criteria, n_criteria)) + known["criterion"] * np.eye(n_criteria)
        true = float(w @ sigma @ w)
        err = w.sum() ** 2 * (known["examiner"] + known["examiner_entry"]) + float(w @ w) * known["residual"]
        rel = true / (true + err / SIZES)
        reach = SIZES[rel >= TARGET]
        out[name] = {"reliability": true / (true + err / TEAM),
                     "smallest": int(reach.min()) if len(reach) else int(SIZES.max()) + 1}
    return out


def _pm(p: float, n: int) -> str:
    return f"{100 * p:5.1f} % ± {100 * np.sqrt(p * (1 - p) / max(n, 1)):.1f}"


def decision_honesty(n_years: int, n_boot: int) -> dict:
    print(f"\n## 1. Decision study: parametric bootstrap on {n_years} simulated years with known components "
          f"({n_boot} replicates each)")
    print("components:", ", ".join(f"{k} {v:g}" for k, v in KNOWN.items()), f"| team of {TEAM}, target {TARGET}")
    truth = true_study()
    rows = []
    t0 = time.perf_counter()
    for seed in range(n_years):
        scores = known_year(seed)
        u = decision_study_uncertainty(scores, team_sizes=SIZES, team_size=TEAM, n_boot=n_boot, seed=seed)
        s = u.summary.set_index("criterion")
        med = u.replicates.groupby("criterion")["reliability"].median()
        sd = u.replicates.groupby("criterion")["reliability"].std()
        for name in s.index:
            kind = "total" if name == "total" else "criterion"
            t = truth[kind]
            r = s.loc[name]
            rows.append({"seed": seed, "kind": kind, "point": r["reliability"], "median": med[name],
                         "boot_sd": sd[name],
                         "covered": r["reliability_low"] <= t["reliability"] <= r["reliability_high"],
                         "width": r["reliability_high"] - r["reliability_low"],
                         "range_holds": r["smallest_low"] <= t["smallest"] <= r["smallest_high"],
                         "range_share": r["smallest_share"], "point_smallest": r["smallest_team"]})
    df = pd.DataFrame(rows)
    print(f"({time.perf_counter() - t0:.0f} s)")
    print(f"{'':<10} {'truth':>6} {'mean point':>10} {'mean median':>11} {'sd points':>9} {'mean boot sd':>12} "
          f"{'90 % interval covers':>22} {'width':>6} {'true smallest':>13} {'range holds it':>18} {'claims':>7}")
    out = {}
    for kind in ("total", "criterion"):
        d = df[df["kind"] == kind]
        n_indep = d["seed"].nunique()
        t = truth[kind]
        # criteria within a year share the design and the examiners: count years as independent units
        cov = d.groupby("seed")["covered"].mean()
        holds = d.groupby("seed")["range_holds"].mean()
        cov_se = cov.std(ddof=1) / np.sqrt(n_indep) if n_indep > 1 else np.nan
        holds_se = holds.std(ddof=1) / np.sqrt(n_indep) if n_indep > 1 else np.nan
        label = "total" if kind == "total" else "criteria"
        print(f"{label:<10} {t['reliability']:>6.3f} {d['point'].mean():>10.3f} {d['median'].mean():>11.3f} "
              f"{d['point'].std():>9.3f} {d['boot_sd'].mean():>12.3f} {100 * cov.mean():>13.1f} % ± "
              f"{100 * cov_se:3.1f} {d['width'].mean():>6.3f} "
              f"{t['smallest']:>13d} {100 * holds.mean():>10.1f} % ± {100 * holds_se:3.1f} "
              f"{100 * d['range_share'].mean():>6.1f} %")
        out[kind] = {"coverage": cov.mean(), "holds": holds.mean(), "bias_point": d["point"].mean() - t["reliability"],
                     "bias_median": d["median"].mean() - t["reliability"]}
    print("(point = the year's estimate; median = of the year's replicates; coverage and 'range holds' averaged over "
          "years, ± one standard error between years; 'claims' = the share of replicates the stated range holds)")
    return out


def decision_demo(n_boot: int, mc_seeds: int) -> None:
    print(f"\n### Demo years ({n_boot} replicates, seed 0): weighted total, as the report prints it")
    print(f"{'year':>4} {'point':>5} {'range (share)':>18} {'distribution of the smallest team':<60} "
          f"{'median team: rel. (90 % interval)':>34} {'wall s':>7} {'cpu s':>6}")
    for year in DEMO_YEARS:
        yd = load_year(year)
        model = fit_examiner_model(yd.scores, rubric=yd.rubric)
        t0, c0 = time.perf_counter(), time.process_time()
        u = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=n_boot)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        s = u.summary.set_index("criterion").loc["total"]
        sh = u.shares[u.shares["criterion"] == "total"]
        dist = ", ".join(f"{n if n <= u.largest else '>' + str(u.largest)}: {100 * p:.0f}"
                         for n, p in zip(sh["smallest_team"], sh["share"], strict=True))
        lo, hi, point = int(s["smallest_low"]), int(s["smallest_high"]), int(s["smallest_team"])
        rng = f"{lo}-{hi if hi <= u.largest else '>' + str(u.largest)}"
        point = point if point <= u.largest else f">{u.largest}"
        stated = f"{rng} ({100 * s['smallest_share']:.0f} %)"
        print(f"{year:>4} {point!s:>5} {stated:>18} {dist:<60} "
              f"{s['reliability']:>12.3f} ({s['reliability_low']:.3f}-{s['reliability_high']:.3f}) "
              f"{'':>3}{dt:>7.2f} {dc:>6.2f}")
    print(f"\n### Monte Carlo error: demo 2023, seeds 0-{mc_seeds - 1}, {n_boot} replicates each")
    yd = load_year(2023)
    model = fit_examiner_model(yd.scores, rubric=yd.rubric)
    rows = []
    for seed in range(mc_seeds):
        u = decision_study_uncertainty(model=model, rubric=yd.rubric, n_boot=n_boot, seed=seed)
        s = u.summary.set_index("criterion")
        sh = u.shares[(u.shares["criterion"] == "total")].set_index("smallest_team")["share"]
        rows.append({"low": s.loc["total", "reliability_low"], "high": s.loc["total", "reliability_high"],
                     "share_point": sh.get(int(s.loc["total", "smallest_team"]), 0.0),
                     "range": f"{s.loc['total', 'smallest_low']}-{s.loc['total', 'smallest_high']}",
                     "stated_se_ends": s.loc["total", "reliability_mc_se"]})
    d = pd.DataFrame(rows)
    print(f"total: interval ends {d['low'].mean():.3f} (sd {d['low'].std():.3f}) - {d['high'].mean():.3f} "
          f"(sd {d['high'].std():.3f}); stated Monte Carlo se of the ends {d['stated_se_ends'].mean():.3f}; "
          f"share of the point's team {100 * d['share_point'].mean():.1f} % (sd {100 * d['share_point'].std():.1f}, "
          f"binomial {100 * np.sqrt(d['share_point'].mean() * (1 - d['share_point'].mean()) / n_boot):.1f}); "
          f"ranges {', '.join(d['range'])}")


# --------------------------------------------------------------------------- 2. drift


def drift_history(seed: int, n_years: int = 6, pool: int = 60, active: int = 40, n_entries: int = 35,
                  drift: float = 0.0, n_drifting: int = 6) -> tuple[pd.DataFrame, set[str]]:
    """Six years of the reference simulation with persistent examiners: each year ``active`` of a
    ``pool`` score (so examiners return for a varying number of years); ``n_drifting`` of them
    (when ``drift`` != 0) move ``drift`` points a year, up or down. Returns the scores with a
    ``year`` column and the drifting examiners' codes."""
    rng = np.random.default_rng(seed)
    bias = rng.normal(0, 8, pool)
    halo = rng.uniform(0, 0.6, pool)
    noise = rng.uniform(5, 12, pool)
    slope = np.zeros(pool)
    moving = rng.choice(pool, n_drifting, replace=False) if drift else np.array([], dtype=int)
    slope[moving] = drift * rng.choice([-1, 1], len(moving))
    frames = []
    for t in range(n_years):
        now = np.sort(rng.choice(pool, active, replace=False))
        true = rng.normal(55, 10, n_entries)[:, None] + rng.normal(0, 6, (n_entries, len(CRITERIA)))
        rows_e, rows_k, values = [], [], []
        for e in range(n_entries):
            team = rng.choice(now, int(rng.integers(4, 7)), replace=False)
            impression = rng.normal(0, 8, len(team))
            for j, k in enumerate(team):
                x = true[e] + bias[k] + slope[k] * t + halo[k] * impression[j] + rng.normal(0, noise[k], len(CRITERIA))
                rows_e.append(e)
                rows_k.append(k)
                values.append(np.clip(np.round(x / 10) * 10, 0, 100))
        n_c = len(CRITERIA)
        frames.append(pd.DataFrame({
            "year": 2019 + t,
            "entry_id": [f"S{t}{e:03d}" for e in np.repeat(rows_e, n_c)],
            "examiner_id": [f"X{k:03d}" for k in np.repeat(rows_k, n_c)],
            "criterion": np.tile(CRITERIA, len(rows_e)),
            "score": np.concatenate(values),
            "stage": "individual",
        }))
    return pd.concat(frames, ignore_index=True), {f"X{k:03d}" for k in moving}


def drift_rules(d: pd.DataFrame, false_alarm: float = FALSE_ALARM) -> pd.DataFrame:
    """Per examiner with a comparison: flagged at least once by each rule, in the history and in
    any yearly report (the flag the report of that year shows for its own year)."""
    c = d[d["change"].notna()].copy()
    m = c.groupby("examiner_id")["change"].transform("size")
    j = c.groupby("examiner_id").cumcount() + 1
    sidak_hist = c["p_value"] < 1 - (1 - false_alarm) ** (1 / m)
    sidak_report = c["p_value"] < 1 - (1 - false_alarm) ** (1 / j)  # the report of year j knows j comparisons
    rules = pd.DataFrame({
        "examiner_id": c["examiner_id"],
        "before": (c["change_low"] > 0) | (c["change_high"] < 0),
        "flagged": c["flagged"].astype(bool),
        "sidak_history": sidak_hist,
        "sidak_reports": sidak_report,
    })
    return rules.groupby("examiner_id").any()


def drift_false_alarms(n_seeds: int, n_power: int) -> dict:
    print(f"\n## 2. Drift: share of examiners (2+ years) flagged at least once; FALSE_ALARM = {FALSE_ALARM:g}")
    t0 = time.perf_counter()
    null = []
    per_comparison = []
    for seed in range(n_seeds):
        h, _ = drift_history(seed)
        d = examiner_drift(h)
        null.append(drift_rules(d).assign(seed=seed))
        c = d[d["change"].notna()]
        per_comparison.append(((c["change_low"] > 0) | (c["change_high"] < 0)).to_numpy())
    null = pd.concat(null)
    power = []
    for seed in range(10_000, 10_000 + n_power):
        h, moving = drift_history(seed, drift=3.0)
        r = drift_rules(examiner_drift(h))
        power.append(r[r.index.isin(moving)])
    power = pd.concat(power)
    print(f"({time.perf_counter() - t0:.0f} s; {n_seeds} histories without drift, {len(null)} examiners; "
          f"{n_power} with 6 examiners drifting 3 points a year, {len(power)} drifting examiners with 2+ years)")
    comparisons = np.concatenate(per_comparison)
    print(f"per comparison, 95 % interval excludes 0 without drift: {_pm(comparisons.mean(), len(comparisons))}")
    labels = {"before": "before: 95 % interval excludes 0 (5 % per comparison)",
              "flagged": f"now: flagged (FALSE_ALARM {FALSE_ALARM:g} per examiner, spent 6/(pi^2 j^2))",
              "sidak_history": "Sidak over the history's comparisons (flags change as years are added)"}
    seeds = null.groupby("seed")
    print(f"{'rule':<75} {'false alarm in the history':>28} {'in any yearly report':>22} {'recall':>16}")
    out = {}
    for rule, text in labels.items():
        fa = null[rule].mean()
        se = seeds[rule].mean().std(ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else np.nan
        in_reports = null["sidak_reports" if rule == "sidak_history" else rule].mean()
        rec = power[rule].mean()
        print(f"{text:<75} {100 * fa:>19.1f} % ± {100 * se:.1f} {100 * in_reports:>20.1f} % {_pm(rec, len(power)):>16}")
        out[rule] = {"false_alarm": fa, "in_reports": in_reports, "recall": rec}
    print("(± one standard error between histories; 'in any yearly report': flagged in the report of at least one "
          "year, each report knowing only the years up to it; the same as the history for rules whose flag never "
          "depends on later years)")
    return out


# --------------------------------------------------------------------------- 3. examiner interval


def examiner_coverage(n_seeds: int) -> dict:
    print(f"\n## 3. The examiner interval (95 %, shrunken estimate): coverage on {n_seeds} reference simulations")
    t0 = time.perf_counter()
    frames = []
    for seed in range(n_seeds):
        sim = simulate_year(Settings(), seed=20_000 + seed)
        e = calibration.fit_examiner_model(sim.scores).effects.merge(sim.examiners, on="examiner_id",
                                                                      suffixes=("", "_true"))
        e["truth"] = e["bias_true"] - e.groupby("group")["bias_true"].transform("mean")
        e["covered"] = (e["ci_low"] <= e["truth"]) & (e["truth"] <= e["ci_high"])
        frames.append(e[e["se"].notna()].assign(seed=seed))
    e = pd.concat(frames, ignore_index=True)
    per_seed = e.groupby("seed")["covered"].mean()
    se = per_seed.std(ddof=1) / np.sqrt(n_seeds) if n_seeds > 1 else np.nan
    print(f"({time.perf_counter() - t0:.0f} s) all examiners: {100 * e['covered'].mean():.1f} % ± {100 * se:.1f} "
          f"({len(e)} examiners; ± one standard error between seeds)")
    by_n = e.groupby(pd.cut(e["n_scores"], [0, 11, 23, 35, 10_000], labels=["< 12", "12-23", "24-35", "36+"]),
                     observed=True)["covered"].agg(["mean", "size"])
    by_t = e.groupby(pd.qcut(e["truth"].abs(), 4, labels=["nearest quarter", "2nd", "3rd", "farthest quarter"]),
                     observed=True)["covered"].agg(["mean", "size"])
    print("by number of scores:   " + "; ".join(f"{k} {_pm(r['mean'], r['size'])} (n {r['size']})"
                                                for k, r in by_n.iterrows()))
    print("by |true bias|:        " + "; ".join(f"{k} {_pm(r['mean'], r['size'])}" for k, r in by_t.iterrows()))
    print(f"mean width {np.mean(e['ci_high'] - e['ci_low']):.1f} points; true bias sd "
          f"{e['truth'].std():.1f}, estimates' sd {e['bias'].std():.1f} (shrunk)")
    return {"coverage": e["covered"].mean(), "by_n": by_n["mean"].to_dict(), "by_truth": by_t["mean"].to_dict()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer seeds and replicates (< 1 min)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    print(f"# benchmarks/uncertainty.py{' --quick' if args.quick else ''}: Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start")
    if args.quick:
        decision_honesty(n_years=4, n_boot=40)
        decision_demo(n_boot=40, mc_seeds=2)
        drift_false_alarms(n_seeds=15, n_power=5)
        examiner_coverage(n_seeds=20)
    else:
        decision_honesty(n_years=80, n_boot=N_BOOT)
        decision_demo(n_boot=N_BOOT, mc_seeds=10)
        drift_false_alarms(n_seeds=200, n_power=60)
        examiner_coverage(n_seeds=200)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s; load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
