"""Project paths, derived from this file and never from the working directory."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
RUBRIC_PATH = DATA_DIR / "rubric.toml"
#: fits shared between reports (e.g. the year's examiner model); never part of a report
CACHE_DIR = PROJECT_ROOT / ".cache"
