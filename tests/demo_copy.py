"""A copy of the demo data in a temporary folder, for tests that change it or write beside it."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from scoring.paths import DATA_DIR


def demo_copy(data: Path, years: Iterable[int] = (2023,), *, training: bool = True) -> Path:
    """Copy the project's ``rubric.toml`` and the demo ``years`` into the folder ``data``.

    ``training=False`` leaves out the years' ``training/`` folders (the session workbooks).
    Returns ``data``, created when it does not exist.
    """
    data = Path(data)
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    ignore = None if training else shutil.ignore_patterns("training")
    for year in years:
        shutil.copytree(DATA_DIR / str(year), data / str(year), ignore=ignore)
    return data
