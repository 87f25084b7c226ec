"""The team plan as the award office uses it: the variance components it is planned with and the
summary ``scoring plan`` prints."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["components_for", "plan_summary"]


def components_for(year: int, data_dir: str | Path) -> tuple[dict[str, float], str]:
    """The variance components to plan ``year`` with, and where they come from: the examiner
    model fitted to the latest earlier year with individual scores, else the demo's
    (:data:`scoring.plan.DEFAULT_COMPONENTS`)."""
    from ..calibration.model import fit_examiner_model
    from ..data import available_years, load_year
    from . import DEFAULT_COMPONENTS

    for earlier in sorted((y for y in available_years(data_dir) if y < year), reverse=True):
        try:
            variances = fit_examiner_model(load_year(earlier, data_dir).scores).variances
        except (ValueError, OSError):
            continue
        if all(math.isfinite(variances.get(k, math.nan)) for k in ("examiner", "residual")):
            return dict(variances), f"the examiner model of {earlier}"
    return dict(DEFAULT_COMPONENTS), "the demo's (no earlier year to fit)"


def _f(x: float) -> str:
    return f"{x:.2f}"


def plan_summary(plan, entries: pd.DataFrame, source: str) -> str:
    """What ``scoring plan`` prints: teams per class, each examiner's load, the connected group,
    the precision of the examiner effects against random plans under the same rules, and the
    changes against the kept plan."""
    a = plan.assignments.merge(entries[["entry_id", "class"]], on="entry_id", how="left")
    sizes = a.groupby(["class", "entry_id"]).size()
    per_class = sizes.groupby(level=0).agg(entries="size", smallest="min", largest="max", places="sum")
    lines = ["Teams per class:", per_class.reset_index().to_string(index=False), ""]
    loads = plan.loads.copy()
    loads["experienced"] = loads["experienced"].map({True: "yes", False: "no"})
    lines += ["Examiners' loads:", loads.to_string(index=False), ""]
    n = len(plan.loads)
    lines.append(f"Connected: all {n} examiners in one group" if plan.groups == 1
                 else f"Connected: {plan.groups} separate groups")
    c = plan.components
    ci = ", ".join(f"{k} {v:.1f}" for k, v in c.items() if isinstance(v, float) and math.isfinite(v))
    random = np.asarray(plan.random_mean_se, dtype=float)
    lines.append(f"Precision: mean standard error of the examiner effects {_f(plan.mean_se)} points over all {n} "
                 f"examiners (variance components, points²: {ci}; from {source})")
    if len(random):
        lines.append(f"  {len(random)} random plans with the same rules and team sizes: {_f(random.min())} to "
                     f"{_f(random.max())} (median {_f(float(np.median(random)))})")
    if plan.changes is not None and len(plan.changes):
        lines += ["", f"Changes against the kept plan ({len(plan.kept)} assignments kept):"]
        for _, ch in plan.changes.sort_values(["entry_id", "change", "examiner_id"]).iterrows():
            lines.append(f"  {ch['entry_id']}: {ch['examiner_id']} {ch['change']}")
    elif plan.changes is not None and len(plan.kept):
        lines += ["", f"No changes: all {len(plan.kept)} assignments kept."]
    return "\n".join(lines)
