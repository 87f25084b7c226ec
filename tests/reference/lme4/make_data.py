"""Write the data sets that fit_lme4.R fits (run from the project root:
``python tests/reference/lme4/make_data.py``). Each CSV: entry_id, examiner_id, criterion, score.

* demo2023.csv: the individual scores of the demo year 2023 (data/2023/scores.csv).
* disconnected.csv: two groups of examiners that share no entries (A1-A7 and A9 on
  A-01..A-10, B1-B5 on B-01..B-06), three scores missing (incomplete scorebooks), a
  cell with one score (B-02 staff), an examiner on one entry (A9).
* unbiased_seed7.csv: ``simulate_year(Settings().unbiased(), seed=7)``.
* boundary.csv: ``simulate_year(Settings(n_entries=20, n_examiners=25).unbiased(), seed=4)``,
  whose examiner variance has its REML estimate at 0.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from scoring.data import load_year
from scoring.simulate import CRITERIA, Settings, simulate_year

OUT = Path(__file__).parent
COLUMNS = ["entry_id", "examiner_id", "criterion", "score"]


def disconnected() -> pd.DataFrame:
    rng = np.random.default_rng(20240907)
    groups = {"A": [f"A{i}" for i in range(1, 8)], "B": [f"B{i}" for i in range(1, 6)]}
    bias = {x: rng.normal(0, 8) for members in groups.values() for x in members}
    rows = []
    for g, members in groups.items():
        for j in range(10 if g == "A" else 6):
            eid = f"{g}-{j + 1:02d}"
            quality = rng.normal(55, 10)
            for x in rng.choice(members, size=int(rng.integers(2, 5)), replace=False):
                impression = rng.normal(0, 5)
                for c in CRITERIA:
                    s = quality + bias[x] + impression + rng.normal(0, 8)
                    rows.append((eid, x, c, float(np.clip(np.round(s / 10) * 10, 0, 100))))
    df = pd.DataFrame(rows, columns=COLUMNS).drop(index=[3, 40, 41]).reset_index(drop=True)
    first_b02 = df.loc[df["entry_id"] == "B-02", "examiner_id"].iloc[0]
    df = df[~((df["entry_id"] == "B-02") & (df["criterion"] == "staff") & (df["examiner_id"] != first_b02))]
    once = [("A-03", "A9", c, float(v)) for c, v in zip(CRITERIA, [60, 50, 70, 60, 40, 50], strict=True)]
    return pd.concat([df, pd.DataFrame(once, columns=COLUMNS)], ignore_index=True)


def main() -> None:
    yd = load_year(2023)
    yd.scores.loc[yd.scores["stage"] == "individual", COLUMNS].to_csv(OUT / "demo2023.csv", index=False)
    disconnected().to_csv(OUT / "disconnected.csv", index=False)
    simulate_year(Settings().unbiased(), seed=7).scores[COLUMNS].to_csv(OUT / "unbiased_seed7.csv", index=False)
    sim = simulate_year(Settings(n_entries=20, n_examiners=25).unbiased(), seed=4)
    sim.scores[COLUMNS].to_csv(OUT / "boundary.csv", index=False)


if __name__ == "__main__":
    main()
