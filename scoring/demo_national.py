"""A national-size demo year: about 200,000 scores, so anyone can reproduce the toolkit's
figures at the scale of a national or multi-city programme (``scoring demo --scale national``).

One seeded year from :func:`scoring.simulate.simulate_year` (6,000 entries over the five
classes, 1,000 examiners, teams of 4–6 drawn mostly within overlapping circles of about 25
examiners that share a severity, a quarter of the places across circles, 10 % of the entries
without a budget in balance), plus each team's consensus score per criterion (the team's
mean pulled halfway to the truth, on the scale's steps) and the register files a year
needs. Written as a data folder that every command reads: ``rubric.toml`` and
``<year>/entries.csv``, ``examiners.csv``, ``assignments.csv``, ``scores.csv``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .demo import DISTRICTS
from .demo_register import district_administration
from .files import write_atomically
from .paths import RUBRIC_PATH
from .simulate import Settings, simulate_year

__all__ = ["NATIONAL", "generate_national"]

#: The national scenario's settings (year 2030, so it never mixes with the city demo's years).
NATIONAL = Settings(n_entries=6000, n_examiners=1000, circle_size=25, across_share=0.25, not_in_balance=0.1,
                    year=2030)


def generate_national(out_dir: str | Path, seed: int = 2030, settings: Settings = NATIONAL) -> list[Path]:
    """Write the national-size demo year to ``out_dir`` and return the files written.

    The same seed and settings give byte-identical files. ``out_dir`` must not be the
    project's own ``data/`` (the city demo lives there); it is created when missing.
    """
    out = Path(out_dir)
    year = simulate_year(settings, seed)
    rng = np.random.default_rng([seed, 1])
    folder = out / str(settings.year)
    folder.mkdir(parents=True, exist_ok=True)

    entries = year.entries.assign(entry_id=year.entries["entry_id"].map(_entry_code(settings.year)))
    codes = dict(zip(year.entries["entry_id"], entries["entry_id"], strict=True))
    district = rng.choice(np.array(DISTRICTS), len(entries))
    entries = pd.DataFrame({
        "entry_id": entries["entry_id"],
        "name": [f"Enhet {i + 1} (fiktiv)" for i in range(len(entries))],
        "class": entries["class"],
        "district": district,
        "staff_count": rng.integers(5, 120, len(entries)),
        "budget_in_balance": entries["budget_in_balance"],
        "administration": [district_administration(d) for d in district],
    })
    individual = year.scores.assign(entry_id=year.scores["entry_id"].map(codes),
                                     examiner_id=year.scores["examiner_id"].str.replace("X", "N", regex=False))
    consensus = _consensus(individual, year.truth.assign(entry_id=year.truth["entry_id"].map(codes)), settings)
    scores = pd.concat([individual, consensus], ignore_index=True)
    scores["score"] = scores["score"].round().astype(int)
    examiners = pd.DataFrame({"examiner_id": sorted(individual["examiner_id"].unique())})
    home = rng.choice(np.array(DISTRICTS), len(examiners))
    examiners = examiners.assign(experienced=np.where(rng.random(len(examiners)) < 0.6, "ja", "nej"),
                                 administration=[district_administration(d) for d in home], district=home,
                                 max_entries=40)
    assignments = individual[["entry_id", "examiner_id"]].drop_duplicates()

    written = []
    rubric = out / "rubric.toml"
    if not rubric.exists():
        shutil.copyfile(RUBRIC_PATH, rubric)
        written.append(rubric)
    for name, frame in (("entries.csv", entries), ("examiners.csv", examiners),
                        ("assignments.csv", assignments), ("scores.csv", scores)):
        written.append(write_atomically(folder / name, frame.to_csv(index=False, lineterminator="\n")))
    return written


def _entry_code(year: int):
    return lambda simulated: f"{year}-{int(simulated[1:]):04d}"


def _consensus(individual: pd.DataFrame, truth: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """The team's agreed score per entry x criterion: the team mean pulled halfway to the
    true score, on the scale's steps (recorded under ``TEAM``)."""
    team = individual.groupby(["entry_id", "criterion"], sort=False, as_index=False)["score"].mean()
    team = team.merge(truth, on=["entry_id", "criterion"], how="left")
    agreed = (team["score"] + team["true_score"]) / 2
    agreed = np.clip(np.round((agreed - s.scale_min) / s.step) * s.step + s.scale_min, s.scale_min, s.scale_max)
    return pd.DataFrame({"year": s.year, "entry_id": team["entry_id"], "examiner_id": "TEAM",
                         "criterion": team["criterion"], "score": agreed, "stage": "consensus"})
