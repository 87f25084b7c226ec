"""Simulated award years with known truth, for testing and benchmarking the examiner model.

The reference simulation (issue "Fair decisions", point 9), in score points on a 0–100
scale in steps of 10:

* an entry's true score on a criterion = its quality N(55, 10) + a criterion deviation
  N(0, 6); the entry's *true quality* is the mean of its criterion scores;
* each examiner has a bias N(0, 8) (> 0 = lenient), a halo weight U(0, 0.6) on a
  per-entry impression N(0, 8), and a noise sd U(5, 12);
* an individual score = true score + bias + halo weight × impression + noise, rounded
  to the scale's step and clipped to the scale;
* teams of 4–6 examiners per entry, drawn at random from the pool, or, with
  ``circles``, mostly from the entry's own circle of examiners (a circle shares a
  severity on top of each member's own bias) with a minority of places drawn across.

Everything is seeded: the same settings and seed give the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

CRITERIA = ("target_group", "leadership", "staff", "results", "goals_follow_up", "development")
CLASSES = ("forskola", "skola", "aldreomsorg", "socialtjanst", "andra")


@dataclass(frozen=True)
class Settings:
    """What to simulate; the defaults are the reference simulation."""

    n_entries: int = 35
    n_examiners: int = 45
    team_min: int = 4
    team_max: int = 6
    quality_mean: float = 55.0
    quality_sd: float = 10.0
    criterion_sd: float = 6.0
    bias_sd: float = 8.0
    halo_max: float = 0.6
    impression_sd: float = 8.0
    noise_min: float = 5.0
    noise_max: float = 12.0
    scale_min: float = 0.0
    scale_max: float = 100.0
    step: float = 10.0
    #: examiners per circle (0: teams drawn at random from the whole pool)
    circle_size: int = 0
    #: sd of the severity shared by a circle's members (added to each member's bias)
    circle_sd: float = 8.0
    #: share of team places drawn from outside the entry's circle
    across_share: float = 0.25
    #: share of entries whose budget is not in balance (not eligible to win)
    not_in_balance: float = 0.0
    year: int = 2030

    def unbiased(self) -> Settings:
        """The same design with every examiner bias (and circle severity) set to 0."""
        return replace(self, bias_sd=0.0, circle_sd=0.0)


@dataclass
class SimulatedYear:
    """One simulated year.

    scores : year, entry_id, examiner_id, criterion, score, stage ("individual").
    entries : entry_id, name, class, budget_in_balance ("ja"/"nej").
    examiners : examiner_id, bias (the examiner's total severity shift, circle's
        included), halo, noise_sd, circle (-1 without circles).
    truth : entry_id, criterion, true_score.
    quality : the entry's true quality (mean of its true criterion scores), by entry_id.
    """

    scores: pd.DataFrame
    entries: pd.DataFrame
    examiners: pd.DataFrame
    truth: pd.DataFrame
    quality: pd.Series
    settings: Settings


def simulate_year(settings: Settings | None = None, seed: int = 0) -> SimulatedYear:
    """Simulate one award year under ``settings`` (default: the reference simulation)."""
    s = settings or Settings()
    rng = np.random.default_rng(seed)
    n_e, n_k, n_c = s.n_entries, s.n_examiners, len(CRITERIA)

    entry_ids = np.array([f"S{i + 1:04d}" for i in range(n_e)])
    classes = np.array([CLASSES[i % len(CLASSES)] for i in range(n_e)])
    rng.shuffle(classes)
    quality = rng.normal(s.quality_mean, s.quality_sd, n_e)
    true = quality[:, None] + rng.normal(0.0, s.criterion_sd, (n_e, n_c))
    budget_ok = rng.random(n_e) >= s.not_in_balance

    examiner_ids = np.array([f"X{k + 1:04d}" for k in range(n_k)])
    bias = rng.normal(0.0, s.bias_sd, n_k) if s.bias_sd > 0 else np.zeros(n_k)
    halo = rng.uniform(0.0, s.halo_max, n_k)
    noise_sd = rng.uniform(s.noise_min, s.noise_max, n_k)
    if s.circle_size > 0:
        n_circles = max(1, round(n_k / s.circle_size))
        circle = np.arange(n_k) % n_circles
        rng.shuffle(circle)
        severity = rng.normal(0.0, s.circle_sd, n_circles) if s.circle_sd > 0 else np.zeros(n_circles)
        bias = bias + severity[circle]
        entry_circle = rng.integers(0, n_circles, n_e)
    else:
        circle = np.full(n_k, -1)
        entry_circle = None

    teams = _teams(rng, s, circle, entry_circle)
    rows_e, rows_k, rows_c, values = [], [], [], []
    for e, team in enumerate(teams):
        impression = rng.normal(0.0, s.impression_sd, len(team))
        for j, k in enumerate(team):
            x = true[e] + bias[k] + halo[k] * impression[j] + rng.normal(0.0, noise_sd[k], n_c)
            rows_e += [e] * n_c
            rows_k += [k] * n_c
            rows_c += list(range(n_c))
            values.append(x)
    x = np.concatenate(values) if values else np.empty(0)
    x = np.clip(np.round((x - s.scale_min) / s.step) * s.step + s.scale_min, s.scale_min, s.scale_max)

    criteria = np.array(CRITERIA)
    scores = pd.DataFrame(
        {
            "year": s.year,
            "entry_id": entry_ids[rows_e],
            "examiner_id": examiner_ids[rows_k],
            "criterion": criteria[rows_c],
            "score": x,
            "stage": "individual",
        }
    )
    entries = pd.DataFrame(
        {
            "entry_id": entry_ids,
            "name": [f"Simulerad enhet {i + 1}" for i in range(n_e)],
            "class": classes,
            "budget_in_balance": np.where(budget_ok, "ja", "nej"),
        }
    )
    examiners = pd.DataFrame(
        {"examiner_id": examiner_ids, "bias": bias, "halo": halo, "noise_sd": noise_sd, "circle": circle}
    )
    truth = pd.DataFrame(
        {
            "entry_id": np.repeat(entry_ids, n_c),
            "criterion": np.tile(criteria, n_e),
            "true_score": true.ravel(),
        }
    )
    return SimulatedYear(
        scores=scores,
        entries=entries,
        examiners=examiners,
        truth=truth,
        quality=pd.Series(true.mean(axis=1), index=pd.Index(entry_ids, name="entry_id"), name="quality"),
        settings=s,
    )


def _teams(rng: np.random.Generator, s: Settings, circle: np.ndarray, entry_circle) -> list[np.ndarray]:
    """Each entry's team: distinct examiner indices, random or mostly within the entry's circle."""
    n_k = len(circle)
    teams = []
    for e in range(s.n_entries):
        size = int(rng.integers(s.team_min, s.team_max + 1))
        size = min(size, n_k)
        if entry_circle is None:
            teams.append(rng.choice(n_k, size, replace=False))
            continue
        inside = np.flatnonzero(circle == entry_circle[e])
        outside = np.flatnonzero(circle != entry_circle[e])
        n_out = int(rng.binomial(size, s.across_share))
        n_out = min(n_out, len(outside))
        n_in = min(size - n_out, len(inside))
        n_out = min(size - n_in, len(outside))
        team = np.concatenate(
            [rng.choice(inside, n_in, replace=False), rng.choice(outside, n_out, replace=False)]
        ).astype(int)
        teams.append(team)
    return teams
