"""The team planner (issue 20): which examiners score which entry.

A plan gives every entry a team within ``team_size`` and keeps every rule of
:mod:`scoring.plan.rules` (conflicts of interest, ``max_entries``, an experienced examiner per
team with the new ones spread out, every examiner at least one entry and all of them one
connected group); among such plans it looks for one that makes the examiner effects as
precise as possible (:mod:`scoring.plan.precision`), by a seeded local search from a MILP
start (:mod:`scoring.plan.planner`, :mod:`scoring.plan.search`).

Pure: data in, DataFrames out; no file is read or written here.
"""

from .check import check_plan
from .planner import N_RANDOM, Plan, plan_teams, random_plan
from .precision import DEFAULT_COMPONENTS, precision
from .rules import PlanError, eligible, feasibility

__all__ = [
    "DEFAULT_COMPONENTS",
    "N_RANDOM",
    "Plan",
    "PlanError",
    "check_plan",
    "eligible",
    "feasibility",
    "plan_teams",
    "precision",
    "random_plan",
]
