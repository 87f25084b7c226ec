"""The report kinds the browser tests open: one entry per kind.

Each entry says which runner kind makes it (``scoring.reports.REPORT_KINDS``), how to
pick one sample (a class, an examiner, a session ...) from a year's data, where the
sample's page lands, what its title and first heading must name besides the year, and
which hostile strings it must show literally. A kind that cannot be made (no such runner
kind, or its notebook missing) fails its cases, never skips them.

To turn a kind on or adapt it: edit its entry below; nothing else in the tests names a
kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scoring.paths import NOTEBOOKS_DIR
from scoring.reports import REPORT_KINDS


def _hostile_first(values) -> str | None:
    """The sample to make: one whose text holds markup if any (so the hostile run puts it
    in the title and heading), else the first in sorted order."""
    values = sorted({str(v) for v in values if str(v).strip() and str(v) != "TEAM"})
    marked = [v for v in values if "<" in v]
    return (marked or values or [None])[0]


def _examiners(year) -> list[str]:
    s = year.scores
    return list(s.loc[s["stage"] == "individual", "examiner_id"].astype(str).unique())


def _class_with_hostile_names(year) -> str | None:
    """The class holding the most entry names with markup (any class on clean data)."""
    e = year.entries
    marked = e[e["name"].astype(str).str.contains("<", regex=False)]
    if len(marked):
        return str(marked["class"].value_counts().index[0])
    return _hostile_first(e["class"])


def _sessions(year, data_dir: Path) -> list[str]:
    folder = Path(data_dir) / str(year.year) / "training"
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def _first_trainee(year, data_dir: Path) -> str | None:
    """``session/code`` of the first trainee of the year's first session."""
    from scoring.kinds.training.session import load_session

    for session in _sessions(year, data_dir):
        trainees = sorted(load_session(year.year, session, data_dir).trainees)
        if trainees:
            return f"{session}/{trainees[0]}"
    return None


def _leaders(hostile) -> set[str]:
    """Each class's leader by the adjusted score, as the overview names them."""
    from scoring.kinds.jury.pack import year_tables

    ranking = year_tables(hostile["year"].year, hostile["data"])[0]
    return set(ranking.loc[ranking["leader"].astype(bool), "entry_id"])


def _entry_with_consensus(year) -> str | None:
    """An entry with a consensus (the letter is written for those only): one whose name holds
    markup if any (so the hostile run puts it in the title and heading), else the first."""
    s = year.scores
    e = year.entries[year.entries["entry_id"].isin(s.loc[s["stage"] == "consensus", "entry_id"])]
    marked = e[e["name"].astype(str).str.contains("<", regex=False)]
    ids = sorted((marked if len(marked) else e)["entry_id"].astype(str))
    return ids[0] if ids else None


def _entry_name(year, entry_id) -> str:
    e = year.entries
    return str(e.loc[e["entry_id"] == entry_id, "name"].iloc[0])


@dataclass(frozen=True)
class Kind:
    """One kind of report as the browser tests see it.

    Attributes
    ----------
    id : the test id.
    runner : the kind's name in ``scoring.reports.REPORT_KINDS``.
    pick : ``f(year_data, data_dir) -> name`` of the one sample to make (None: one report a year).
    output : the sample's page: ``f(out_dir, year, name) -> Path`` (default: where the
        runner's own registry puts it).
    options : ``f(name) -> dict`` of keyword arguments for ``run_reports`` that make it.
    names : ``f(year_data, name) -> [str]``: what the title and first heading must name
        besides the year (the class label, the examiner code ...).
    shows : ``f(hostile, name) -> [str]``: hostile strings (from ``hostile_data.hostile_copy``)
        the sample must show literally.
    figures : how many figures the sample shows at least.
    """

    id: str
    runner: str
    pick: Callable = field(default=lambda year, data_dir: None)
    output: Callable | None = None
    options: Callable = field(default=lambda name: {})
    names: Callable = field(default=lambda year, name: [])
    shows: Callable = field(default=lambda hostile, name: [])
    figures: int = 0

    def missing(self) -> str | None:
        """Why the kind cannot be made (None when it can)."""
        kind = REPORT_KINDS.get(self.runner)
        if kind is None:
            return f"{self.id} reports cannot be made: no '{self.runner}' kind in scoring.reports.REPORT_KINDS"
        notebook = kind.notebook_path(NOTEBOOKS_DIR)
        if not notebook.is_file():
            return f"{self.id} reports cannot be made: notebooks/{notebook.name} is missing"
        return None

    def page(self, out_dir: Path, year: int, name: str | None) -> Path:
        """Where the sample's page is written."""
        if self.output is not None:
            return Path(self.output(out_dir, year, name))
        return REPORT_KINDS[self.runner].output_html(out_dir, year, name)


def _calibration_shows(hostile, name) -> list[str]:
    # the consensus agenda names the entries and who gave which score
    return [*hostile["names"].values(), *hostile["codes"].values()]


def _jury_shows(hostile, name) -> list[str]:
    entries = hostile["year"].entries
    in_class = set(entries.loc[entries["class"] == name, "entry_id"])
    return [n for eid, n in hostile["names"].items() if eid in in_class]


KINDS: tuple[Kind, ...] = (
    Kind(
        id="calibration", runner="calibration",
        shows=_calibration_shows, figures=4,
    ),
    Kind(
        id="jury", runner="jury",
        pick=lambda year, data_dir: _class_with_hostile_names(year),
        options=lambda name: {"names": {"jury": [name]}},
        names=lambda year, name: [year.rubric.class_label(name)],
        shows=_jury_shows,
    ),
    Kind(
        id="examiner", runner="examiner",
        pick=lambda year, data_dir: _hostile_first(_examiners(year)),
        options=lambda name: {"names": {"examiner": [name]}},
        names=lambda year, name: [name],
        shows=lambda hostile, name: [name],
    ),
    # the jury's overview across the classes, jury.html: names every class's leader
    Kind(
        id="jury_overview", runner="jury_overview",
        shows=lambda hostile, name: [n for eid, n in hostile["names"].items() if eid in _leaders(hostile)],
    ),
    # the published decision, beslut.html, and the jury's record beside it
    Kind(id="decision", runner="decision", pick=lambda year, data_dir: "beslut"),
    Kind(id="decision_record", runner="decision_record", pick=lambda year, data_dir: "beslut-underlag"),
    # the trainer's page of a training session, training/<session>.html
    Kind(
        id="training", runner="training",
        pick=lambda year, data_dir: (_sessions(year, data_dir) or [None])[0],
        options=lambda name: {"names": {"training": [name]}},
        names=lambda year, name: [name],
        figures=2,
    ),
    # one trainee's page, training/<session>/<code>.html
    Kind(
        id="trainee", runner="trainee",
        pick=lambda year, data_dir: _first_trainee(year, data_dir),
        options=lambda name: {"names": {"trainee": [name]}},
        names=lambda year, name: name.split("/", 1),
        figures=1,
    ),
    # the letter to one entrant, entries/<entry_id>.html: names its own unit, no one else
    Kind(
        id="entry", runner="entry",
        pick=lambda year, data_dir: _entry_with_consensus(year),
        options=lambda name: {"names": {"entry": [name]}},
        names=lambda year, name: [name, _entry_name(year, name)],
        shows=lambda hostile, name: [hostile["names"][name]] if name in hostile["names"] else [],
    ),
)
