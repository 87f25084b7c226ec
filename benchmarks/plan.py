"""Benchmark of the team planner (issue 20): speed, precision against random plans, rules checked.

Run from the project root::

    python benchmarks/plan.py [--rosters 5] [--first-seed 1] [--examiners 40] [--entries 30]

Plans synthetic rosters (``scoring.plan.synthetic.synthetic_roster``: fictitious entries in
several classes, districts and administrations, 20-40 % new examiners, some max_entries, a few
declared conflicts) with teams of 4-6 and prints, per roster:

- **wall s**: ``plan_teams`` as the CLI calls it (search and the 20 random plans it is compared
  with), ``time.perf_counter``; **search s**: the same without the random plans
  (``n_random=0``). Target: under 10 s on 2 cores.
- **mean se**: the mean posterior standard error of the examiner effects (score points) of the
  plan, against the 20 random plans with the same team sizes (**random min / median**) and the
  plan's gain over the median.
- **checks**: the checks ``check_plan`` makes on the plan (per rule, see
  ``scoring.plan.check.checks_made``), and the violations found in the plan and in each of the
  20 random plans (rebuilt with ``random_plan(..., seed=(seed, i))``): all must be 0.

Exit status 1 when a target is missed (a plan slower than 10 s, a violation, or a random plan
at least as precise as the plan).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import scipy  # noqa: E402

from scoring.plan import check_plan, plan_teams, precision, random_plan  # noqa: E402
from scoring.plan.check import checks_made  # noqa: E402
from scoring.plan.rules import roster  # noqa: E402
from scoring.plan.synthetic import synthetic_roster  # noqa: E402

TARGET_S = 10.0


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on Linux
        return "n/a"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rosters", type=int, default=5, help="rosters to plan (seeds first-seed, first-seed + 1, ...)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--examiners", type=int, default=40)
    ap.add_argument("--entries", type=int, default=30)
    args = ap.parse_args(argv)

    print("Team planner benchmark (scoring.plan, issue 20)")
    print(f"CPython {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"pandas {pd.__version__}; {os.cpu_count()} CPUs; load average at start {_load()}")
    print(f"rosters: {args.rosters} x ({args.examiners} examiners, {args.entries} entries, teams 4-6), "
          f"synthetic_roster seeds {args.first_seed}..{args.first_seed + args.rosters - 1}; plan seed = roster seed\n")
    head = (f"{'seed':>4} {'new':>4} {'limited':>7} {'confl':>5} {'wall s':>7} {'search s':>8} {'mean se':>8} "
            f"{'rand min':>8} {'rand med':>8} {'gain':>6} {'sizes':>12} {'checks':>6} {'viol':>4} {'rand viol':>9}")
    print(head)
    failed = []
    walls = []
    n_checked = n_random_checked = n_violations = 0
    for seed in range(args.first_seed, args.first_seed + args.rosters):
        entries, examiners, conflicts = synthetic_roster(seed, args.examiners, args.entries)
        t0 = time.perf_counter()
        plan = plan_teams(entries, examiners, conflicts, seed=seed)
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        plan_teams(entries, examiners, conflicts, seed=seed, n_random=0)
        search = time.perf_counter() - t0
        walls.append(wall)

        violations = check_plan(plan.assignments, entries, examiners, conflicts)
        r = roster(entries, examiners, conflicts)
        X = np.zeros((r.n_entries, r.n_examiners), dtype=bool)
        e_of, k_of = r.entry_index(), r.examiner_index()
        for e, k in zip(plan.assignments["entry_id"], plan.assignments["examiner_id"], strict=True):
            X[e_of[e], k_of[k]] = True
        checks = checks_made(X, r)
        random_violations = 0
        n_checked += 1
        n_random_checked += len(plan.random_mean_se)
        for i in range(len(plan.random_mean_se)):
            rp = random_plan(entries, examiners, conflicts, sizes=plan.sizes, seed=(seed, i))
            random_violations += len(check_plan(rp, entries, examiners, conflicts))
            se = precision(rp, examiners, plan.components)["se"].mean()
            if abs(se - plan.random_mean_se[i]) > 1e-9:
                failed.append(f"seed {seed}: random plan {i} gives {se}, the plan recorded {plan.random_mean_se[i]}")
        rand = np.array(plan.random_mean_se)
        gain = 1 - plan.mean_se / np.median(rand)
        sizes = plan.assignments.groupby("entry_id").size().value_counts().sort_index()
        size_text = " ".join(f"{n}:{c}" for n, c in sizes.items())
        n_new = int((~examiners["experienced"].astype(bool)).sum())
        print(f"{seed:>4} {n_new:>4} {int(examiners['max_entries'].notna().sum()):>7} {len(conflicts):>5} "
              f"{wall:>7.2f} {search:>8.2f} {plan.mean_se:>8.3f} {rand.min():>8.3f} {np.median(rand):>8.3f} "
              f"{gain:>6.1%} {size_text:>12} {sum(checks.values()):>6} {len(violations):>4} {random_violations:>9}")
        n_violations += len(violations) + random_violations
        if wall > TARGET_S:
            failed.append(f"seed {seed}: {wall:.1f} s > {TARGET_S} s")
        if violations or random_violations:
            failed.append(f"seed {seed}: {len(violations)} violations in the plan, {random_violations} in random plans")
        if not plan.mean_se < rand.min():
            failed.append(f"seed {seed}: a random plan is as precise as the plan ({rand.min()} <= {plan.mean_se})")
    by_rule = ", ".join(f"{k}: {v}" for k, v in checks.items())
    print(f"\nrules checked: all 5 rules of scoring.plan.rules, {sum(checks.values())} checks per plan "
          f"(last roster: {by_rule}); {n_checked} plans and {n_random_checked} random plans checked, "
          f"{n_violations} violations")
    print(f"wall time: median {np.median(walls):.2f} s, max {max(walls):.2f} s (target < {TARGET_S:.0f} s)")
    print(f"load average at the end {_load()}")
    for f in failed:
        print(f"FAILED {f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
