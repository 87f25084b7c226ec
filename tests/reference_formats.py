"""Reshape the reference data sets (tests/reference) to long format for the tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLS = ("unit", "rater", "score")


def wide_to_long(path) -> pd.DataFrame:
    """Wide file (id column + one column per rater; blanks = missing) -> long, unit = row."""
    d = pd.read_csv(path)
    d = d.drop(columns=d.columns[0]).reset_index(names="unit")
    return d.melt("unit", var_name="rater", value_name="score")


def distribution_to_long(path) -> pd.DataFrame:
    """Distribution format (id + count of raters per category, categories 1..q) -> long.

    Rater labels are arbitrary (Fleiss design): the j-th rating of a unit gets rater j.
    """
    counts = pd.read_csv(path).iloc[:, 1:].to_numpy(dtype=int)
    rows = []
    for unit, row in enumerate(counts):
        values = np.repeat(np.arange(1, counts.shape[1] + 1), row)
        rows += [(unit, j, v) for j, v in enumerate(values)]
    return pd.DataFrame(rows, columns=list(COLS))


def table_to_long(path) -> pd.DataFrame:
    """Two-rater q x q contingency table (rows rater 1, columns rater 2) -> long, categories 1..q."""
    t = pd.read_csv(path).iloc[:, 1:].to_numpy(dtype=int)
    rows, unit = [], 0
    for a in range(t.shape[0]):
        for b in range(t.shape[1]):
            for _ in range(t[a, b]):
                rows += [(unit, "r1", a + 1), (unit, "r2", b + 1)]
                unit += 1
    return pd.DataFrame(rows, columns=list(COLS))
