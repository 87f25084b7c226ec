"""Run the parameterised report notebooks with Papermill and publish them as HTML.

One *run* executes one notebook for one year (and, for jury packs and examiner
feedback, one class or one examiner), writes the executed notebook and an HTML
page made from it (:mod:`scoring.reports.page`: code hidden, self-contained, no
script) beside each other under ``reports/<year>/``, and finally rebuilds
``reports/index.html`` (:mod:`scoring.reports.index`).

Guarantees
----------
* A run writes both files to hidden temporary files in the target folder and
  moves them into place (``os.replace``) only after both succeeded: a failed run
  never replaces or deletes a good report and leaves no temporary files behind.
* A failing run does not stop the others; every failure is collected in
  :class:`RunResult` with the notebook's exception name and message.
* Paths come from :mod:`scoring.paths`, never from the working directory. The
  notebook runs with its own folder as working directory and receives
  ``data_dir`` as an absolute path.
* What a report says the run should know (earlier years it left out of a trend
  because their data has errors) comes back in the executed notebook's output
  metadata and is listed in :attr:`RunResult.left_out`.

* Private kinds (``ReportKind.private``: examiner feedback, trainee pages) are scanned
  by :mod:`scoring.reports.privacy` before they are published: a report that names any
  other person of the data (a code from any year, or a name) fails and is not published.
* Reports run in warm kernels (:mod:`scoring.reports.warm`): each worker thread keeps
  one kernel that has imported the libraries and resets it to a fresh state before each
  report; ``warm=False`` starts a new kernel per report instead.
* Each report's provenance (when it was made, which data files it read and their
  SHA-256) goes into ``<out>/manifest.json`` (:mod:`scoring.reports.manifest`), which the
  index shows; ``bundle=True`` writes ``<out>/<year>/send/`` (:mod:`scoring.reports.bundle`).

Kinds of report live in :data:`REPORT_KINDS`; a kind whose notebook is missing
fails with a clear message instead of a traceback.

Papermill is imported only when a notebook is run, so importing this module (for
example by the command line) stays cheap.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from ..data import NOT_PEOPLE, load_year, read_csv_table
from ..overview import individual
from ..paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from ..problems import display_path
from ..render import MARK
from . import privacy

__all__ = [
    "REPORT_KINDS",
    "ReportKind",
    "Failure",
    "LeftOut",
    "RunResult",
    "run_reports",
    "parse_years",
    "expand_kinds",
    "class_label",
    "people",
    "forbidden_for",
]

logger = logging.getLogger("scoring.report")

#: Kernel every report notebook runs in (the notebooks carry kernelspec ``python3``).
KERNEL_NAME = "python3"


# --------------------------------------------------------------------------------------
# The registry of report kinds
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportKind:
    """One kind of report: which notebook makes it and where its output goes.

    Attributes
    ----------
    name : the kind as the command line spells it (``calibration``, ``jury``, ...).
    notebook : the notebook's file name inside the notebooks folder.
    output : output path relative to ``<out>/<year>/``, without suffix; ``{name}`` is
        replaced by the class or examiner for per-class / per-examiner kinds.
    label : Swedish link text in the index; ``{label}`` is the class's Swedish label
        or the examiner code.
    noun : plural English noun for messages ("jury packs are not available yet").
    per : None (one report per year), ``"class"``, ``"examiner"``, or another unit
        (``"session"``, ``"trainee"``) whose names come from ``names``.
    parameter : the notebook parameter that receives the class id or examiner code
        (besides ``year`` and ``data_dir``, which every report notebook takes). A tuple
        of parameters takes a name of as many parts joined by ``/`` (``"grund/T03"`` gives
        ``session="grund"``, ``trainee_id="T03"``); the output path keeps the parts as
        folders.
    section : Swedish heading of the kind's group in the index.
    private : the report is for one person only: before it is published, every file
        written for it is scanned for anyone else's code or name (:func:`forbidden_for`),
        and ``--bundle`` sends it to that person alone.
    names : ``f(year, data_dir) -> names`` for a per-unit kind (default: the classes or
        the examiners who scored individually, read from the year's data).
    people : for a private kind, ``f(data_dir) -> {name: Person}``: everyone its reports
        are about, over every year of the data (their codes and names); a private report
        may name only its own person. Default (examiner codes): every ``examiner_id`` in
        any CSV file of any year.
    """

    name: str
    notebook: str
    output: str
    label: str
    noun: str
    per: str | None = None
    parameter: str | tuple[str, ...] | None = None
    section: str = ""
    private: bool = False
    names: Callable[[int, Path], Iterable[str]] | None = None
    people: Callable[[Path], Mapping[str, privacy.Person]] | None = None

    def output_html(self, out_dir: Path, year: int, name: str | None = None) -> Path:
        rel = self.output.format(name=self.safe_name(name) if name is not None else "")
        return Path(out_dir) / str(year) / f"{rel}.html"

    def safe_name(self, name: str) -> str:
        """The name as it appears in the output path (parts kept as folders for tuple parameters)."""
        if isinstance(self.parameter, tuple):
            return "/".join(_safe_name(p) for p in self.split(name))
        return _safe_name(name)

    def split(self, name: str) -> list[str]:
        """The name's parts, one per parameter."""
        if not isinstance(self.parameter, tuple):
            return [name]
        parts = str(name).split("/", len(self.parameter) - 1)  # the last part (a code) may hold a "/"
        if len(parts) != len(self.parameter):
            raise ValueError(f"{self.name} report name {name!r}: expected {'/'.join(self.parameter)}")
        return parts

    def parameters(self, name: str) -> dict:
        """The notebook parameters that identify one report of this kind."""
        if self.parameter is None:
            return {}
        params = self.parameter if isinstance(self.parameter, tuple) else (self.parameter,)
        return dict(zip(params, self.split(name), strict=True))

    def glob(self) -> str:
        """A pattern matching this kind's HTML files under a year folder (for the index)."""
        stars = "/".join("*" for _ in self.parameter) if isinstance(self.parameter, tuple) else "*"
        return self.output.format(name=stars) + ".html"

    def notebook_path(self, notebooks_dir: Path | None = None) -> Path:
        return Path(notebooks_dir if notebooks_dir is not None else NOTEBOOKS_DIR) / self.notebook


def _training_sessions(year: int, data_dir: Path) -> list[str]:
    """The year's training sessions (folders with a ``reference.csv``)."""
    from ..training import available_sessions  # lazily: only training reports need it

    return available_sessions(year, data_dir)


def _training_trainees(year: int, data_dir: Path) -> list[str]:
    """``session/code`` for every trainee with an accepted hand-in in each of the year's sessions."""
    from ..training import available_sessions, load_session

    return [f"{session}/{code}" for session in available_sessions(year, data_dir)
            for code in load_session(year, session, data_dir).trainees]


def _trainee_people(data_dir: Path) -> dict[str, privacy.Person]:
    """Every trainee of any session of any year (workbook codes included, which no CSV holds)."""
    from ..training import trainee_codes

    return {code: privacy.Person(code) for code in trainee_codes(data_dir)}


#: Every kind of report, in index order.
REPORT_KINDS: dict[str, ReportKind] = {
    k.name: k
    for k in (
        ReportKind(
            name="calibration",
            notebook="calibration_report.ipynb",
            output="calibration",
            label="Kalibreringsrapport",
            noun="calibration reports",
            section="Kalibrering",
        ),
        ReportKind(
            name="jury",
            notebook="jury_pack.ipynb",
            output="jury-{name}",
            label="Jurypaket – {label}",
            noun="jury packs",
            per="class",
            parameter="class_id",
            section="Jurypaket per tävlingsklass",
        ),
        ReportKind(
            name="examiner",
            notebook="examiner_feedback.ipynb",
            output="examiners/{name}",
            label="Återkoppling – {label}",
            noun="examiner feedback reports",
            per="examiner",
            parameter="examiner_id",
            section="Återkoppling till examinatorerna",
            private=True,
        ),
        ReportKind(
            name="training",
            notebook="examiner_training.ipynb",
            output="training/{name}",
            label="Examinatorsutbildning {label} – utbildarens rapport",
            noun="trainer's reports",
            per="session",
            parameter="session",
            section="Examinatorsutbildning",
            names=_training_sessions,
        ),
        ReportKind(
            name="trainee",
            notebook="trainee_feedback.ipynb",
            output="training/{name}",
            label="Återkoppling efter utbildning {label}",
            noun="trainee feedback pages",
            per="trainee",
            parameter=("session", "trainee"),
            section="Examinatorsutbildning",
            private=True,
            names=_training_trainees,
            people=_trainee_people,
        ),
    )
}

#: Kinds the command line asks for by one name: ``--kind training`` makes the trainer's
#: report and every trainee's page.
KIND_GROUPS: dict[str, tuple[str, ...]] = {"training": ("training", "trainee")}


def expand_kinds(kinds: str | Iterable[str], notebooks_dir: str | Path | None = None) -> list[str]:
    """Kinds as a list in registry order; ``"all"`` means every kind whose notebook exists.

    Raises ValueError for an unknown kind.
    """
    if isinstance(kinds, str):
        kinds = [kinds]
    wanted: list[str] = []
    for k in kinds:
        k = str(k).strip().lower()
        if k == "all":
            for name, kind in REPORT_KINDS.items():
                notebook = kind.notebook_path(notebooks_dir)
                if notebook.is_file():
                    wanted.append(name)
                else:
                    logger.info("--kind all: skipping %s, %s is missing", kind.noun,
                                display_path(notebook))
        elif k in REPORT_KINDS:
            wanted.extend(KIND_GROUPS.get(k, (k,)))
        else:
            choices = ", ".join([*REPORT_KINDS, "all"])
            raise ValueError(f"unknown report kind {k!r}: choose from {choices}")
    return [k for k in REPORT_KINDS if k in wanted]


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


class Failure(NamedTuple):
    """One run that did not produce its report.

    ``year`` and ``name`` are None when the failure concerns a whole kind (its
    notebook is missing) or the whole run (the index could not be written).
    """

    year: int | None
    kind: str
    name: str | None
    message: str

    def __str__(self) -> str:
        what = " ".join(str(x) for x in (self.year, self.kind, self.name) if x is not None)
        return f"{what}: {self.message}" if self.year is not None else self.message


class LeftOut(NamedTuple):
    """An earlier year a written report left out of its trend because that year's data has errors.

    ``year``, ``kind``, ``name``: the report; ``left_out``: the year left out;
    ``problems``: its first problems as ``file:row: column: message``.
    """

    year: int
    kind: str
    name: str | None
    left_out: int
    problems: tuple[str, ...]

    def __str__(self) -> str:
        what = " ".join(str(x) for x in (self.year, self.kind, self.name) if x is not None)
        first = f": {self.problems[0]}" if self.problems else ""
        return f"{what}: {self.left_out} left out of the trend{first}"


@dataclass
class RunResult:
    """What :func:`run_reports` did.

    Attributes
    ----------
    produced : the HTML reports written, one per successful run.
    notebooks : the executed notebooks written beside them (same order).
    failures : the runs that failed, in order.
    index : the rebuilt ``index.html`` (None if it could not be written).
    durations : seconds per HTML report produced: from taking the job to publishing it
        (with warm kernels the kernel's start is not included: see ``warmup``).
    left_out : earlier years the written reports left out of their trends (data errors).
    warmup : seconds each warm kernel took to start and import (one per kernel started).
    phases : per HTML report produced, seconds per phase: ``prepare`` (resetting the warm
        kernel), ``execute`` (Papermill), ``page`` (the HTML page), ``privacy`` (the guard).
    pdfs : the PDFs printed beside the HTML reports (with ``pdf=True``).
    manifest : the updated ``manifest.json`` (None if it could not be written).
    bundles : the zips written to ``<year>/send/`` (with ``bundle=True``).
    """

    produced: list[Path] = field(default_factory=list)
    notebooks: list[Path] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    index: Path | None = None
    durations: dict[Path, float] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)
    warmup: list[float] = field(default_factory=list)
    phases: dict[Path, dict[str, float]] = field(default_factory=dict)
    pdfs: list[Path] = field(default_factory=list)
    manifest: Path | None = None
    bundles: list[Path] = field(default_factory=list)

    @property
    def left_out_years(self) -> dict[int, list[str]]:
        """Each year left out of some trend, with its first problems (oldest year first)."""
        years: dict[int, list[str]] = {}
        for x in sorted(self.left_out, key=lambda x: x.left_out):
            years.setdefault(x.left_out, list(x.problems))
        return years

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def reports(self) -> list[Path]:
        """The HTML reports produced (the same as ``produced``)."""
        return list(self.produced)

    @property
    def files(self) -> list[Path]:
        """Every file written: each HTML report followed by its executed notebook, then the PDFs."""
        return [f for pair in zip(self.produced, self.notebooks, strict=True) for f in pair] + list(self.pdfs)


# --------------------------------------------------------------------------------------
# Years
# --------------------------------------------------------------------------------------

_YEAR = r"\d{4}"
_HELP = "write a year (2024), a range (2019-2024) or a list (2019,2021)"


def parse_years(text: str | int) -> list[int]:
    """Parse the command line's year selection into a sorted list without duplicates.

    >>> parse_years("2024"), parse_years("2019-2021"), parse_years("2019,2021")
    ([2024], [2019, 2020, 2021], [2019, 2021])

    Ranges and single years can be mixed ("2015-2017,2024"); spaces and an en dash
    are accepted. Anything else raises ValueError with a message meant for the user.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"no year given: {_HELP}")
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"bad year list {text.strip()!r}: empty item; {_HELP}")
        if m := re.fullmatch(rf"({_YEAR})\s*[-–]\s*({_YEAR})", part):
            first, last = int(m[1]), int(m[2])
            if first > last:
                raise ValueError(f"bad year range {part!r}: {first} comes after {last}")
            years.update(range(first, last + 1))
        elif re.fullmatch(_YEAR, part):
            years.add(int(part))
        else:
            raise ValueError(f"bad year {part!r}: {_HELP}")
    return sorted(years)


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------

Names = Sequence[str] | Callable[[int], Iterable[str]] | None


@dataclass(frozen=True)
class _Job:
    """One notebook run: plain data, shared with a worker thread."""

    year: int
    kind: str
    name: str | None
    notebook: Path
    html: Path
    parameters: dict
    context: str  # the year and the class or examiner, for the page title
    timeout: int | None
    out_dir: Path
    data_dir: Path
    forbidden: privacy.Forbidden | None = None  # set for private kinds
    pdf: bool = False


@dataclass(frozen=True)
class _Outcome:
    html: Path
    ipynb: Path
    seconds: float
    error: str | None = None
    left_out: tuple[tuple[int, tuple[str, ...]], ...] = ()
    inputs: tuple[str, ...] = ()  # files the report opened for reading (warm kernels)
    finished: float = 0.0  # time.time() when published
    phases: tuple[tuple[str, float], ...] = ()  # (phase, seconds): prepare, execute, page, pdf, privacy
    pdf: Path | None = None


def run_reports(
    years: Iterable[int] | int,
    kinds: str | Iterable[str] = ("calibration",),
    examiner: str | None = None,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    timeout: int | None = 600,
    workers: int = 2,
    classes: Names = None,
    examiners: Names = None,
    names: Mapping[str, Names] | None = None,
    notebooks_dir: str | Path | None = None,
    warm: bool = True,
    bundle: bool = False,
    pdf: bool = False,
    blind: bool = False,
) -> RunResult:
    """Run the report notebooks for ``years`` × ``kinds`` and publish them as HTML.

    Parameters
    ----------
    years : the award years (see :func:`parse_years`).
    kinds : ``"calibration"``, ``"jury"``, ``"examiner"``, ``"training"`` (the trainer's
        report and every trainee's page; ``"trainee"`` for the pages alone), ``"all"`` or
        several of them. ``"all"`` means every kind whose notebook exists. A kind asked for by name
        whose notebook is missing is one failure with a clear message.
    examiner : for ``examiner`` reports, only this examiner (run whether or not the
        examiner scored that year); default every examiner of the year.
    data_dir, out_dir : default :data:`scoring.paths.DATA_DIR` / ``REPORTS_DIR``. The
        notebooks get ``data_dir`` as an absolute path string.
    progress : one overall progress bar on stderr.
    timeout : seconds any single cell may run (Papermill's ``execution_timeout``).
    workers : notebooks run at the same time: worker threads, each driving its own
        kernel process (2 suits a two-core machine).
    classes, examiners : the classes (for jury packs) and examiners (for examiner
        feedback) of a year, as a list or as a callable ``f(year) -> names``;
        default read from the year's data with ``scoring.data.load_year``.
    names : the same for any kind, by kind name (``{"trainee": f}``).
    notebooks_dir : where the notebooks are (default :data:`scoring.paths.NOTEBOOKS_DIR`).
    warm : run the reports in warm kernels, one per worker, reset before each report
        (:mod:`scoring.reports.warm`); False starts a new kernel for every report.
    bundle : also write ``<out>/<year>/send/`` for every year of the run: one zip per
        person with only their own reports, and one for the jury
        (:func:`scoring.reports.bundle.write_bundles`).
    pdf : also print each report to a PDF beside it (``scoring.reports.pdf.print_pdf``),
        in the worker, before anything is published: the privacy guard scans the PDF with
        the HTML and the notebook, and a report is published whole or not at all.
    blind : jury packs for shortlisting, written as ``jury-<class>-blind.html`` (entry codes
        only, no names or districts; the notebook gets ``blind=True``); other kinds as usual.

    Notebook parameters
    -------------------
    Every notebook gets ``year`` (int) and ``data_dir`` (str); jury packs also
    ``class_id`` (and ``blind=True`` with ``blind``), examiner feedback also ``examiner_id``, the
    trainer's report ``session`` and a trainee's page ``session`` and ``trainee``.

    Returns
    -------
    RunResult
        files produced, failures (year, kind, name, message) and the index, which is
        rebuilt at the end also when some runs failed.
    """
    from tqdm.auto import tqdm

    years = [years] if isinstance(years, int) else list(dict.fromkeys(int(y) for y in years))
    kinds = expand_kinds(kinds, notebooks_dir)
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    out_dir = Path(out_dir if out_dir is not None else REPORTS_DIR).resolve()
    nb_dir = Path(notebooks_dir if notebooks_dir is not None else NOTEBOOKS_DIR).resolve()
    workers = max(1, int(workers))
    sources: dict[str, Names] = {"jury": classes, "examiner": examiners, **dict(names or {})}
    logger.info(
        "report run: years=%s kinds=%s examiner=%s data_dir=%s out_dir=%s notebooks_dir=%s "
        "timeout=%s workers=%d warm=%s bundle=%s pdf=%s blind=%s",
        years, kinds, examiner, data_dir, out_dir, nb_dir, timeout, workers, warm, bundle, pdf, blind,
    )
    if not years:
        logger.warning("no years to report on")

    result = RunResult()
    available = [k for k in kinds if REPORT_KINDS[k].notebook_path(nb_dir).is_file()]
    # workers (and their warm kernels) start now, while the jobs are planned below
    expected = len(years) * sum(1 if REPORT_KINDS[k].per is None else workers for k in available)
    made: list[tuple[_Job, _Outcome]] = []
    with _inline_figures(), _Pool(min(workers, expected), warm, result) as pool, tqdm(
        total=0, desc="reports", unit="report", file=sys.stderr,
        disable=not progress or not expected, dynamic_ncols=True,
    ) as bar, _redirect_logging(progress):
        for kind_name in kinds:
            kind = REPORT_KINDS[kind_name]
            notebook = kind.notebook_path(nb_dir)
            if not notebook.is_file():
                msg = f"{kind.noun} are not available yet: {display_path(notebook)} is missing"
                logger.warning(msg)
                result.failures.append(Failure(None, kind.name, None, msg))
                continue
            for year in years:
                try:
                    planned = _jobs_for(kind, notebook, year, examiner, data_dir, out_dir, timeout,
                                        sources.get(kind.name), pdf)
                except Exception as exc:  # no data for the year, unreadable data ...
                    msg = _message(exc)
                    logger.warning("%s %s: %s", year, kind.name, msg)
                    result.failures.append(Failure(year, kind.name, None, msg))
                    continue
                for job in planned:
                    pool.submit(_blind(job) if blind else job)
                bar.total = pool.submitted
                bar.refresh()
        for job, outcome in pool.outcomes():
            bar.set_postfix_str(_short(job), refresh=False)
            bar.update()
            what = _short(job)
            if outcome.error is None:
                logger.info("%s: wrote %s in %.1f s", what, outcome.html, outcome.seconds)
                result.produced.append(outcome.html)
                result.notebooks.append(outcome.ipynb)
                result.durations[outcome.html] = outcome.seconds
                result.phases[outcome.html] = dict(outcome.phases)
                if outcome.pdf is not None:
                    result.pdfs.append(outcome.pdf)
                made.append((job, outcome))
                for year, problems in outcome.left_out:
                    left = LeftOut(job.year, job.kind, job.name, year, problems)
                    logger.warning("%s", left)
                    result.left_out.append(left)
            else:
                logger.warning("%s failed after %.1f s: %s", what, outcome.seconds, outcome.error)
                result.failures.append(Failure(job.year, job.kind, job.name, outcome.error))

    from . import manifest

    try:
        result.manifest = manifest.record(out_dir, data_dir, [
            manifest.Made(html=o.html, ipynb=o.ipynb, year=j.year, kind=j.kind, name=j.name,
                          parameters=j.parameters, seconds=o.seconds, finished=o.finished,
                          inputs=o.inputs or _static_inputs(data_dir, j.year))
            for j, o in made
        ])
    except OSError as exc:
        msg = f"could not write the manifest in {out_dir}: {exc}"
        logger.warning(msg)
        result.failures.append(Failure(None, "manifest", None, msg))

    if bundle:
        from .bundle import write_bundles

        for year in years:
            try:
                written, failures = write_bundles(out_dir, year, data_dir=data_dir)
            except OSError as exc:
                written, failures = [], [f"could not write the bundles: {exc}"]
            result.bundles.extend(written)
            for msg in failures:
                logger.warning("%s send: %s", year, msg)
                result.failures.append(Failure(year, "send", None, msg))

    from .index import write_index  # index.py imports this module's registry

    try:
        result.index = write_index(out_dir, data_dir=data_dir)
        logger.info("index: %s", result.index)
    except OSError as exc:
        msg = f"could not write the index in {out_dir}: {exc}"
        logger.warning(msg)
        result.failures.append(Failure(None, "index", None, msg))
    logger.info(
        "report run finished: %d report(s) written, %d failure(s)",
        len(result.reports), len(result.failures),
    )
    return result


def _jobs_for(kind, notebook, year, examiner, data_dir, out_dir, timeout, source, pdf=False):
    base = {"year": year, "data_dir": str(data_dir)}
    year_dir = data_dir / str(year)
    if not year_dir.is_dir():  # say so at once instead of starting a kernel to find out
        raise FileNotFoundError(f"no data for {year}: {display_path(year_dir)} does not exist")
    if kind.per is None:
        names: list[str | None] = [None]
    else:
        if kind.per == "examiner" and examiner is not None:
            names = [str(examiner)]
        else:
            names = _names(kind, source, year, data_dir)
        if not names and kind.names is not None:  # e.g. no training session that year
            logger.info("%s: no %ss, so no %s", year, kind.per, kind.noun)
        elif not names:
            raise ValueError(f"no {kind.per}es in the {year} data" if kind.per == "class"
                             else f"no {kind.per}s in the {year} data")
    jobs = []
    for name in names:
        params = dict(base)
        context = str(year)
        forbidden = None
        if name is not None:
            params.update(kind.parameters(name))
            label = class_label(name, year, data_dir) if kind.per == "class" else " ".join(kind.split(name))
            context = f"{label} {year}"
        if kind.private:
            forbidden = forbidden_for(kind.split(name)[-1], data_dir)
        jobs.append(_Job(
            year=year, kind=kind.name, name=name, notebook=notebook,
            html=kind.output_html(out_dir, year, name), parameters=params,
            context=context, timeout=timeout, out_dir=out_dir, data_dir=data_dir,
            forbidden=forbidden, pdf=pdf,
        ))
    return jobs


#: What ``blind`` adds to a jury pack's file name (``jury-<class>-blind.html``).
BLIND_SUFFIX = "-blind"


def _blind(job: _Job) -> _Job:
    """A jury pack's run made blind: ``blind=True``, the ``-blind`` output, and the privacy guard
    set to refuse the pack if any file written for it names an entry or a district of the
    year (other kinds unchanged)."""
    if job.kind != "jury":
        return job
    from dataclasses import replace

    entries = load_year(job.year, job.data_dir).entries
    names = [*entries["name"].dropna(), *entries["district"].dropna()]
    return replace(job, parameters={**job.parameters, "blind": True}, context=f"{job.context}, anonymiserat",
                   html=job.html.with_name(f"{job.html.stem}{BLIND_SUFFIX}.html"),
                   forbidden=privacy.Forbidden(names=[str(n) for n in names if str(n).strip()]))


def _names(kind: ReportKind, source: Names, year: int, data_dir: Path) -> list[str]:
    """The classes, examiners ... of a year: from the caller, else from the kind or the data."""
    if source is not None:
        found = list(source(year)) if callable(source) else list(source)
    elif kind.names is not None:
        found = list(kind.names(year, data_dir))
    else:
        data = load_year(year, data_dir)
        values = data.entries["class"] if kind.per == "class" else individual(data.scores)["examiner_id"]
        found = values.dropna().astype(str).unique()
        found = [v for v in found if v.strip() and v not in NOT_PEOPLE]
    return sorted(dict.fromkeys(str(n) for n in found))


# --------------------------------------------------------------------------------------
# Who a private report must not name
# --------------------------------------------------------------------------------------


def people(data_dir: str | Path | None = None) -> dict[str, privacy.Person]:
    """Everyone the private kinds' reports are about, over every year of the data.

    The union of each private kind's ``people`` (default: every ``examiner_id`` in any
    CSV file of any year folder, training folders included), keyed by code; worked out once
    per state of the data files.
    """
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    return dict(_people(data_dir, _data_stamp(data_dir)))


@cache
def _people(data_dir: Path, stamp: tuple) -> tuple[tuple[str, privacy.Person], ...]:
    found: dict[str, privacy.Person] = {}
    for kind in REPORT_KINDS.values():
        if kind.private:
            source = kind.people or _examiner_people
            for key, person in source(data_dir).items():
                found.setdefault(str(key), person)
    return tuple(found.items())


def forbidden_for(person: str | None, data_dir: str | Path | None = None) -> privacy.Forbidden:
    """What a private report for ``person`` (a code: ``E07``, ``T03``) must not contain:
    everyone else's codes and names."""
    everyone = people(data_dir)
    own_key = str(person) if person is not None else None
    own = everyone.get(own_key, privacy.Person(own_key or ""))
    codes = {p.code for k, p in everyone.items() if k != own_key} - {own.code}
    names = {n for k, p in everyone.items() if k != own_key for n in p.names} - set(own.names)
    return privacy.Forbidden(codes=codes, names=names)


def _examiner_people(data_dir: Path) -> dict[str, privacy.Person]:
    return {code: privacy.Person(code) for code in _codes_in_data(data_dir, _data_stamp(data_dir))}


@cache
def _codes_in_data(data_dir: Path, stamp: tuple) -> frozenset[str]:
    """Every ``examiner_id`` value in any CSV file under a year folder (cached per state of the files)."""
    codes: set[str] = set()
    for path, _, _ in stamp:
        if not path.endswith(".csv"):
            continue
        table, _problems = read_csv_table(Path(path), display_path(path))
        if table is None or "examiner_id" not in table.columns:
            continue
        i = table.columns["examiner_id"]
        codes.update(cells[i] for _, cells in table.rows if cells[i])
    return frozenset(codes - NOT_PEOPLE)


def _data_stamp(data_dir: Path) -> tuple:
    """(path, size, mtime) of every CSV and workbook under a year folder: the cache key of the people."""
    stamp = []
    for year_dir in sorted(data_dir.iterdir()) if data_dir.is_dir() else ():
        if year_dir.is_dir() and re.fullmatch(r"\d{4}", year_dir.name):
            for f in sorted(p for p in year_dir.rglob("*") if p.suffix in (".csv", ".xlsx")):
                st = f.stat()
                stamp.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(stamp)


def _static_inputs(data_dir: Path, year: int) -> tuple[str, ...]:
    """The year's files and the rubric, for a report whose reads were not recorded."""
    files = [data_dir / "rubric.toml"] + sorted((data_dir / str(year)).rglob("*"))
    return tuple(str(f) for f in files if f.is_file() and not f.name.startswith("."))


# --------------------------------------------------------------------------------------
# Executing
# --------------------------------------------------------------------------------------


class _Pool:
    """Worker threads that take report jobs from a queue, from the moment the pool starts.

    Each thread drives its own kernel process (with ``warm``, one kernel for all its
    reports, started at once, so it warms up while the run still plans its jobs), so there
    is no second interpreter to start and nothing to pickle. Papermill's ``cwd`` changes
    the working directory of the whole process and would race between threads, so the
    kernel gets its folder from :func:`warm.prepare` (warm) or nbclient's ``resources``
    (cold) instead. Used as a context manager: on leaving, nothing new starts and the
    threads end; on an exception (Ctrl-C) the kernels at work are stopped.
    """

    def __init__(self, workers: int, warm: bool, result: RunResult):
        self.todo: queue.Queue[_Job | None] = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.kernels: list = []
        self.submitted = 0
        self.threads = [
            threading.Thread(target=_worker, args=(self.todo, self.done, self.stop, warm, self.kernels, result),
                             name=f"report-{i + 1}", daemon=True)
            for i in range(max(0, workers))
        ]
        for t in self.threads:
            t.start()

    def submit(self, job: _Job) -> None:
        self.todo.put(job)
        self.submitted += 1

    def outcomes(self):
        """Yield (job, outcome) for every job submitted, as runs finish."""
        for _ in self.threads:
            self.todo.put(None)  # no more jobs: a worker ends when it takes this
        if self.submitted:
            # while the kernels work: Papermill's import alone takes seconds (nbformat's
            # schema validation pulls in a grammar compiled at import time)
            import papermill  # noqa: F401

            from . import page  # noqa: F401
        for _ in range(self.submitted):
            yield self.done.get()

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        self.stop.set()
        for _ in self.threads:
            self.todo.put(None)
        if exc is not None:  # Ctrl-C or an error while planning: stop the kernels at work
            for kernel in list(self.kernels):
                kernel.kill()
        for t in self.threads:
            t.join(timeout=60)
        return False


def _worker(todo: queue.Queue, done: queue.Queue, stop: threading.Event, warm: bool,
            kernels: list, result: RunResult) -> None:
    """One worker thread: start its kernel, then take jobs until told there are no more."""
    kernel = None
    if warm:
        from .warm import WarmKernel

        kernel = WarmKernel(KERNEL_NAME)
        kernels.append(kernel)
    try:
        while not stop.is_set():
            problem = None
            if kernel is not None and kernel.km is None:  # before taking a job: start at once
                try:
                    kernel.start()
                    result.warmup.append(kernel.warmup_seconds)
                except Exception as exc:
                    problem = f"could not start a kernel: {_message(exc)}"
            job = todo.get()
            if job is None:
                break
            _log_start(job)
            if problem is not None:
                done.put((job, _Outcome(job.html, job.html.with_suffix(".ipynb"), 0.0, problem)))
                continue
            done.put((job, _run_job(job, kernel)))
    finally:
        if kernel is not None:
            kernel.shutdown()


def _log_start(job: _Job) -> None:
    logger.info(
        "%s %s%s: notebook=%s parameters=%s output=%s",
        job.year, job.kind, f" {job.name}" if job.name else "",
        job.notebook, job.parameters, job.html,
    )


def _run_job(job: _Job, kernel=None) -> _Outcome:
    """Execute one notebook and publish it atomically; never raises for a failed run.

    With a warm ``kernel`` the notebook runs there after :meth:`WarmKernel.prepare`; a
    failure makes the kernel be replaced before the next report. Without, Papermill
    starts (and stops) a kernel of its own.
    """
    start = time.perf_counter()
    html_path = job.html
    ipynb_path = html_path.with_suffix(".ipynb")
    pdf_path = html_path.with_suffix(".pdf")
    tmp_ipynb = tmp_html = tmp_pdf = None
    inputs: tuple[str, ...] = ()
    phases: list[tuple[str, float]] = []

    def lap(phase: str, since: list[float] = [start]) -> None:  # noqa: B006  (one list per call)
        now = time.perf_counter()
        phases.append((phase, now - since[0]))
        since[0] = now

    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        tmp_ipynb = html_path.parent / f".{html_path.stem}.{tag}.tmp.ipynb"
        tmp_html = html_path.parent / f".{html_path.stem}.{tag}.tmp.html"
        tmp_pdf = html_path.parent / f".{html_path.stem}.{tag}.tmp.pdf"

        folder = str(job.notebook.parent)
        common = dict(
            parameters=job.parameters,
            request_save_on_cell_execute=False,
            progress_bar=False,
            log_output=False,
        )
        if kernel is not None:
            kernel.prepare(folder)
            lap("prepare")
            try:
                nb = kernel.run(str(job.notebook), str(tmp_ipynb), timeout=job.timeout, **common)
                inputs = _under(kernel.opened(), job.data_dir)
            except BaseException:
                kernel.shutdown()  # a new kernel for the next report: only this one fails
                raise
        else:
            import papermill

            nb = papermill.execute_notebook(
                str(job.notebook),
                str(tmp_ipynb),
                kernel_name=KERNEL_NAME,
                execution_timeout=job.timeout,
                # the kernel's working directory without a process-wide chdir (see _Pool)
                resources={"metadata": {"path": folder}},
                # ipykernel logs harmless start/stop notices to the terminal ("running over TCP
                # without encryption", "KeyboardInterrupt caught" at shutdown), two lines per
                # run; errors in cells are captured in the notebook, not in this log
                extra_arguments=["--log-level=CRITICAL"],
                **common,
            )
        lap("execute")
        from .page import notebook_to_html

        tmp_html.write_text(notebook_to_html(nb, context=job.context), encoding="utf-8")
        lap("page")
        files = [(html_path, tmp_html), (ipynb_path, tmp_ipynb)]
        if job.pdf:
            from .pdf import print_pdf  # headless Chromium (issue 10, point 5)

            print_pdf(tmp_html, tmp_pdf)
            files.append((pdf_path, tmp_pdf))
            lap("pdf")
        if job.forbidden is not None:
            privacy.check([(_rel(final, job.out_dir), tmp) for final, tmp in files], job.forbidden)
            lap("privacy")
        for final, tmp in [files[1], *files[2:], files[0]]:  # the HTML last: it is what links find
            os.replace(tmp, final)
        logger.debug("%s: %s", _short(job), ", ".join(f"{k} {v:.2f} s" for k, v in phases))
        return _Outcome(html_path, ipynb_path, time.perf_counter() - start, left_out=_left_out(nb),
                        inputs=inputs, finished=time.time(), phases=tuple(phases),
                        pdf=pdf_path if job.pdf else None)
    except Exception as exc:
        return _Outcome(html_path, ipynb_path, time.perf_counter() - start, _message(exc))
    finally:
        for tmp in (tmp_ipynb, tmp_html, tmp_pdf):
            if tmp is not None:
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _under(paths: Iterable[str], root: Path) -> tuple[str, ...]:
    """The paths that lie under ``root`` (resolved), sorted, without duplicates."""
    found = set()
    for p in paths:
        try:
            resolved = Path(p).resolve()
            resolved.relative_to(root)
        except (OSError, ValueError):
            continue
        if resolved.is_file():
            found.add(str(resolved))
    return tuple(sorted(found))


class _inline_figures:
    """Make sure the kernel draws pyplot figures inline even if ``MPLBACKEND`` says otherwise.

    The reports' own figures (:class:`scoring.render.Figure`) do not depend on the
    backend. A stray pyplot figure should still reach the page, where it stops the
    build for lack of a text alternative, rather than vanish because a CI job or
    shell exported ``MPLBACKEND=Agg`` (ipykernel picks the inline backend only when
    ``MPLBACKEND`` is unset). The kernels inherit this process's environment at start.
    """

    _INLINE = "module://matplotlib_inline.backend_inline"

    def __enter__(self):
        self._saved = os.environ.get("MPLBACKEND")
        if self._saved and "inline" not in self._saved:
            os.environ["MPLBACKEND"] = self._INLINE
        return self

    def __exit__(self, *exc):
        if self._saved and "inline" not in self._saved:
            os.environ["MPLBACKEND"] = self._saved
        return False


def _left_out(nb) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Years the report says it left out (``{"scoring": {"left_out": [...]}}`` in output metadata)."""
    found: dict[int, tuple[str, ...]] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else ():
            mark = (output.get("metadata") or {}).get(MARK) or {}
            for item in mark.get("left_out", []) if isinstance(mark, dict) else ():
                try:
                    found.setdefault(int(item["year"]), tuple(str(p) for p in item.get("problems", [])))
                except (KeyError, TypeError, ValueError):
                    logger.warning("unreadable left_out note in a report: %r", item)
    return tuple(sorted(found.items()))


def _message(exc: BaseException) -> str:
    """One line for the user: the notebook's own exception, not a traceback."""
    from_papermill = type(exc).__name__ == "PapermillExecutionError" and hasattr(exc, "ename")
    if from_papermill:
        cell = f" (notebook cell [{exc.exec_count}])" if exc.exec_count is not None else ""
        return f"{exc.ename}: {exc.evalue}{cell}"
    name = type(exc).__name__
    if name == "NoSuchKernel":
        return (f"no Jupyter kernel named {KERNEL_NAME!r}: install ipykernel in this "
                f"environment (python -m ipykernel install --sys-prefix)")
    if name == "CellTimeoutError":
        return f"a notebook cell ran longer than the timeout: {_first_line(exc)}"
    if name == "DeadKernelError":
        return f"the notebook's kernel died: {_first_line(exc)}"
    if isinstance(exc, (FileNotFoundError, ValueError)) and exc.__class__.__module__ == "builtins":
        return _first_line(exc)
    if name in ("InputError", "PrivacyError"):
        return str(exc)
    if name == "PdfError":
        return f"PDF: {_first_line(exc)}"
    return f"{name}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _short(job: _Job) -> str:
    return " ".join(str(x) for x in (job.year, job.kind, job.name) if x is not None)


class _redirect_logging:
    """While the bar is shown, route console logging through tqdm so lines do not tear it."""

    def __init__(self, enabled: bool):
        self._cm = None
        if enabled:
            from tqdm.contrib.logging import logging_redirect_tqdm

            self._cm = logging_redirect_tqdm()

    def __enter__(self):
        if self._cm is not None:
            self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        if self._cm is not None:
            return self._cm.__exit__(*exc)
        return False


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def _safe_name(name: str) -> str:
    """A class id or examiner code usable as a file name (separators and spaces -> '-')."""
    safe = _UNSAFE.sub("-", str(name).strip()).strip("-.")
    if not safe:
        raise ValueError(f"cannot use {name!r} in a file name")
    return safe


def class_label(class_id: str, year: int, data_dir: str | Path | None) -> str:
    """The Swedish label of a class from the year's rubric; the id if it cannot be read."""
    try:
        from ..rubric import load_rubric

        return load_rubric(year=year, data_dir=data_dir).class_label(class_id)
    except Exception:
        return class_id
