"""Accuracy against a reference: Cronbach's (1955) decomposition of the distance between a
trainee's scores and the agreed reference scores of one or more training cases.

Trainers need two different things from it: the overall level (*elevation*: does the
trainee score too high or too low?) and the profile (*stereotype accuracy*: can the
trainee tell the case's strong criteria from its weak ones?). Training fixes the first
more easily than the second, so the two are kept apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..notes import Note
from ..rubric import Rubric, load_rubric

__all__ = ["reference_accuracy", "GROUP_ID", "ACCURACY_COLUMNS"]

#: ``examiner_id`` of the row(s) for the group's mean scores (``group=True``); it holds a
#: space, so it can never be an examiner's code.
GROUP_ID = "group mean"

#: The measures, in output order (after the id columns).
ACCURACY_COLUMNS = (
    "n_scores", "n_reference", "distance", "elevation", "differential_elevation",
    "stereotype_accuracy", "differential_accuracy", "within_one_step", "note",
)  # fmt: skip


def reference_accuracy(
    scores: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    by: str = "examiner",
    group: bool = False,
    rubric: Rubric | None = None,
    step: float | None = None,
) -> pd.DataFrame:
    """Each trainee's distance from the reference, split the way Cronbach (1955) does.

    Parameters
    ----------
    scores : long criterion-level scores with columns ``entry_id`` (the training case),
        ``examiner_id`` (the trainee's code), ``criterion``, ``score``. Rows with
        ``stage == "reference"`` are ignored when a ``stage`` column is present; scores on
        cells the reference does not have are ignored.
    reference : the agreed scores, columns ``entry_id``, ``criterion``, ``score`` (one per
        case and criterion).
    by : ``"examiner"`` (one row per trainee, over every case and criterion) or
        ``"criterion"`` (one row per trainee and criterion, over the cases).
    group : when True, the trainees' scores are first averaged per case and criterion and
        the result is given for that mean under ``examiner_id`` :data:`GROUP_ID`.
    rubric, step : the scale step for ``within_one_step``: ``step`` if given, else the
        rubric's (default: the project's rubric).

    Returns
    -------
    DataFrame
        ``examiner_id`` (and ``criterion`` with ``by="criterion"``), then
        ``n_scores`` (reference cells the trainee scored), ``n_reference`` (reference
        cells in scope), ``distance``, ``elevation``, ``differential_elevation``,
        ``stereotype_accuracy``, ``differential_accuracy``, ``within_one_step`` and
        ``note`` (a :class:`scoring.notes.Note`; None when the table is complete). All in score points except
        ``within_one_step`` (a share). Sorted by ``examiner_id`` (and criterion in the
        rubric's order when ``rubric`` is given, else the reference's).

    Raises
    ------
    ValueError
        When a column is missing or a case and criterion has more than one reference
        score or more than one score from the same trainee (roll question scores up with
        :func:`scoring.data.criterion_scores` first).

    Notes
    -----
    For one trainee, with d[i, j] = score − reference on case i (n cases) and criterion j
    (k criteria), and a dot for the mean over an index:

    * ``distance`` = sqrt(mean d²), the root mean squared distance;
    * ``elevation`` = d[., .], signed: > 0 the trainee scores higher than the reference;
    * ``differential_elevation`` = sqrt(mean_i (d[i, .] − d[., .])²): telling the cases apart;
    * ``stereotype_accuracy`` = sqrt(mean_j (d[., j] − d[., .])²): the profile across
      criteria (the case's strong criteria from its weak ones);
    * ``differential_accuracy`` = sqrt(mean_ij (d[i, j] − d[i, .] − d[., j] + d[., .])²).

    On a complete table (every reference cell scored) distance² is exactly the sum of the
    four squares. On an incomplete one ``distance``, ``elevation`` and ``within_one_step``
    use the cells present and the other three are NaN, with a note. With one case the two
    differential parts are 0; per criterion (``by="criterion"``, k = 1) stereotype and
    differential accuracy are 0. ``within_one_step`` is the share of scores at most one
    scale step from the reference.

    References
    ----------
    Cronbach, L. J. (1955). Processes affecting scores on "understanding of others" and
    "assumed similarity". *Psychological Bulletin*, 52(3), 177–193.
    """
    if by not in ("examiner", "criterion"):
        raise ValueError(f"by must be 'examiner' or 'criterion', not {by!r}")
    _need(scores, ("entry_id", "examiner_id", "criterion", "score"), "scores")
    _need(reference, ("entry_id", "criterion", "score"), "reference")
    if step is None:
        step = (rubric or load_rubric()).scale.step

    ref = reference.dropna(subset=["score"])
    if ref.duplicated(["entry_id", "criterion"]).any():
        k = ref.loc[ref.duplicated(["entry_id", "criterion"]), ["entry_id", "criterion"]].iloc[0]
        raise ValueError(f"the reference has more than one score for case {k['entry_id']}, {k['criterion']}")
    cases = list(dict.fromkeys(ref["entry_id"].astype(str)))
    criteria = list(dict.fromkeys(ref["criterion"].astype(str)))
    if rubric is not None:
        order = {c: i for i, c in enumerate(rubric.criterion_ids)}
        criteria.sort(key=lambda c: order.get(c, len(order)))
    t = _grid(ref, cases, criteria)

    s = scores.dropna(subset=["score"])
    if "stage" in s.columns:
        s = s[s["stage"] != "reference"]
    if group:
        s = s.groupby(["entry_id", "criterion"], as_index=False)["score"].mean().assign(examiner_id=GROUP_ID)
    elif s.duplicated(["examiner_id", "entry_id", "criterion"]).any():
        k = s.loc[s.duplicated(["examiner_id", "entry_id", "criterion"])].iloc[0]
        raise ValueError(
            f"{k['examiner_id']} has more than one score for {k['entry_id']}, {k['criterion']}; "
            "roll question scores up with scoring.data.criterion_scores first"
        )

    rows = []
    for examiner, g in s.groupby("examiner_id", sort=True):
        d = _grid(g, cases, criteria) - t
        if by == "examiner":
            rows.append({"examiner_id": examiner, **_decompose(d, t, step)})
        else:
            for j, c in enumerate(criteria):
                rows.append({"examiner_id": examiner, "criterion": c, **_decompose(d[:, [j]], t[:, [j]], step)})
    ids = ["examiner_id"] + (["criterion"] if by == "criterion" else [])
    out = pd.DataFrame(rows, columns=ids + list(ACCURACY_COLUMNS))
    return out.astype({"n_scores": "int64", "n_reference": "int64", "note": "object"})


def _need(df: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def _grid(df: pd.DataFrame, cases: list[str], criteria: list[str]) -> np.ndarray:
    """Scores as a cases x criteria array, NaN where there is none."""
    wide = df.assign(entry_id=df["entry_id"].astype(str), criterion=df["criterion"].astype(str)).pivot(
        index="entry_id", columns="criterion", values="score"
    )
    return wide.reindex(index=cases, columns=criteria).to_numpy(dtype="float64")


def _decompose(d: np.ndarray, t: np.ndarray, step: float) -> dict:
    """Cronbach's components of ``d`` (cases x criteria differences, NaN = no score; ``t``
    the reference on the same grid, NaN where the reference has no score)."""
    in_ref = ~np.isnan(t)
    present = ~np.isnan(d)
    n_ref, n = int(in_ref.sum()), int(present.sum())
    out = dict.fromkeys(ACCURACY_COLUMNS[2:-1], np.nan) | {"n_scores": n, "n_reference": n_ref, "note": None}
    if n == 0:
        out["note"] = Note("no_scores_on_reference")
        return out
    v = d[present]
    out["distance"] = float(np.sqrt(np.mean(v**2)))
    out["elevation"] = float(np.mean(v))
    out["within_one_step"] = float(np.mean(np.abs(v) <= step * (1 + 1e-9)))
    if not in_ref.all():
        out["note"] = Note("reference_incomplete")
    elif n < n_ref:
        out["note"] = Note("incomplete", {"missing": n_ref - n, "n": n_ref})
    else:
        n_cases, k = d.shape
        grand = d.mean()
        row = d.mean(axis=1, keepdims=True)
        col = d.mean(axis=0, keepdims=True)
        # with one case (or one criterion) the parts across cases (criteria) are 0 by
        # definition; set them so, not to a rounding error
        de = np.sqrt(np.mean((row - grand) ** 2)) if n_cases > 1 else 0.0
        sa = np.sqrt(np.mean((col - grand) ** 2)) if k > 1 else 0.0
        da = np.sqrt(np.mean((d - row - col + grand) ** 2)) if n_cases > 1 and k > 1 else 0.0
        out["differential_elevation"] = float(de)
        out["stereotype_accuracy"] = float(sa)
        out["differential_accuracy"] = float(da)
    return out
