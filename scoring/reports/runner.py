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
* The output folder is owned (:func:`scoring.reports.manifest.claim`): a run writes only into
  a new or empty folder, one an earlier run wrote (it carries ``manifest.json``) or one that
  holds nothing but a README, and raises ValueError for any other. It never overwrites,
  deletes, lists or zips a file it did not write: a report whose file is someone else's fails.
* Each report's provenance (when it was made, the real data files it read and their SHA-256)
  is written atomically before its files are published (:mod:`scoring.reports.execute`);
  ``<out>/manifest.json`` and the index are made from these records and list the reports the
  run makes again without inputs until each is published (:class:`scoring.reports.index.Listing`),
  so they never claim data a report was not made from, even after a kill.
  ``bundle=True`` writes ``<out>/<year>/send/`` (:mod:`scoring.reports.bundle`): a zip never
  holds a PDF made with another version of its HTML (the run says so in ``notes``). A year
  whose ``send/`` holds zips gets them made again when the run changed what they should hold
  (:func:`scoring.reports.bundle.out_of_date`), also without ``bundle=True``.
* What went wrong is in :class:`RunResult` (``failures``, ``notes``, ``left_out``); any other
  warning logged while the run ran is in ``warnings``. The log itself says every step at INFO
  level, through the progress bar so that it stays whole.

Kinds of report live in :data:`REPORT_KINDS`; a kind whose notebook is missing
fails with a clear message instead of a traceback.

Papermill is imported only when a notebook is run, so importing this module (for
example by the command line) stays cheap.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

from ..kinds import DEFAULT_KIND, KIND_GROUPS, KIND_PACKAGES, REPORT_KINDS
from ..paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from ..problems import display_path
from .audience import contacts, forbidden_for
from .execute import Job, Pool, WarningLog, inline_figures, message, short, through_bar
from .kind import ReportKind
from .warm import LIBRARIES

__all__ = [
    "REPORT_KINDS",
    "ReportKind",
    "Failure",
    "LeftOut",
    "RunResult",
    "run_reports",
    "parse_years",
    "expand_kinds",
]


logger = logging.getLogger("scoring.report")


def expand_kinds(kinds: str | Iterable[str], notebooks_dir: str | Path | None = None) -> list[str]:
    """Kinds as a list in registry order; ``"all"`` means every kind whose notebook exists.

    Raises ValueError for an unknown kind.
    """
    if isinstance(kinds, str):
        kinds = [kinds]
    nb_dir = Path(notebooks_dir if notebooks_dir is not None else NOTEBOOKS_DIR)
    wanted: list[str] = []
    for k in kinds:
        k = str(k).strip().lower()
        if k == "all":
            for name, kind in REPORT_KINDS.items():
                notebook = kind.notebook_path(nb_dir)
                if notebook.is_file():
                    wanted.append(name)
                else:
                    logger.info("--kind all: skipping %s, %s is missing", kind.noun,
                                display_path(notebook))
        elif k in REPORT_KINDS or k in KIND_GROUPS:
            wanted.extend(KIND_GROUPS.get(k, (k,)))
        else:
            choices = ", ".join([*REPORT_KINDS, *(g for g in KIND_GROUPS if g not in REPORT_KINDS), "all"])
            raise ValueError(f"unknown report kind {k!r}: choose from {choices}")
    return [k for k in REPORT_KINDS if k in wanted]


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
    bundles : the zips written to ``<year>/send/`` (with ``bundle=True``, or made again because
        the run changed what they hold).
    notes : what the user should know that is no failure (a PDF left out of a zip because it
        was made with an older version of the report).
    warnings : every other warning logged while the run ran (by this package or a library), in
        order; a repeated one as often as it came.
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
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

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


_YEAR = r"[0-9]{4}"


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


Names = Sequence[str] | Callable[[int], Iterable[str]] | None


def run_reports(
    years: Iterable[int] | int,
    kinds: str | Iterable[str] = DEFAULT_KIND,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    timeout: int | None = 600,
    workers: int = 2,
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
    data_dir, out_dir : default :data:`scoring.paths.DATA_DIR` / ``REPORTS_DIR``. The
        notebooks get ``data_dir`` as an absolute path string.
    progress : one overall progress bar on stderr.
    timeout : seconds any single cell may run (Papermill's ``execution_timeout``).
    workers : notebooks run at the same time: worker threads, each driving its own
        kernel process (2 suits a two-core machine).
    names : by kind name, the names to make reports for (``{"examiner": ["E07"]}``: only
        E07's feedback, whether or not E07 scored that year), as a list or as a callable
        ``f(year) -> names``; default each kind's own (:attr:`ReportKind.names`).
    notebooks_dir : where the notebooks are (default :data:`scoring.paths.NOTEBOOKS_DIR`).
    warm : run the reports in warm kernels, one per worker, reset before each report
        (:mod:`scoring.reports.warm`); False starts a new kernel for every report.
    bundle : also write ``<out>/<year>/send/`` for every year of the run: one zip per
        person with only their own reports, and one for the jury
        (:func:`scoring.reports.bundle.write_bundles`). Without it, a year that has zips gets
        them made again only where the run changed what they should hold.
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
        rebuilt at the end also when some runs failed; the warnings logged meanwhile.
    """
    with WarningLog() as log:
        result = _run(years, kinds, data_dir, out_dir, progress=progress, timeout=timeout, workers=workers,
                      names=names, notebooks_dir=notebooks_dir, warm=warm, bundle=bundle, pdf=pdf, blind=blind)
    result.warnings = log.messages
    return result


def _run(years, kinds, data_dir, out_dir, *, progress, timeout, workers, names, notebooks_dir, warm, bundle, pdf,
         blind) -> RunResult:
    from tqdm.auto import tqdm

    years = [years] if isinstance(years, int) else list(dict.fromkeys(int(y) for y in years))
    kinds = expand_kinds(kinds, notebooks_dir)
    data_dir = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    out_dir = Path(out_dir if out_dir is not None else REPORTS_DIR).resolve()
    nb_dir = Path(notebooks_dir if notebooks_dir is not None else NOTEBOOKS_DIR).resolve()
    workers = max(1, int(workers))
    sources: dict[str, Names] = dict(names or {})
    logger.info(
        "report run: years=%s kinds=%s names=%s data_dir=%s out_dir=%s notebooks_dir=%s "
        "timeout=%s workers=%d warm=%s bundle=%s pdf=%s blind=%s",
        years, kinds, {k: v for k, v in sources.items() if not callable(v)}, data_dir, out_dir, nb_dir, timeout,
        workers, warm, bundle, pdf, blind,
    )
    if not years:
        logger.warning("no years to report on")

    from . import manifest
    from .index import Listing  # index.py imports the kinds' registry

    manifest.claim(out_dir)  # ValueError for a folder of other files, before anything starts
    owned = manifest.Owned(out_dir)
    result = RunResult()
    available = [k for k in kinds if REPORT_KINDS[k].notebook_path(nb_dir).is_file()]
    # workers (and their warm kernels) start now, while the jobs are planned below
    # kernels worth starting: one per report a year at most (a kind made per unit may have many,
    # unless the caller named the units: --examiner E07 is one report, so one kernel)
    expected = len(years) * sum(1 if REPORT_KINDS[k].per is None
                                else len(list(sources[k])) if k in sources and not callable(sources[k])
                                else workers for k in available)
    # what the kernels import while the jobs are planned: the libraries and the run's kinds
    imports = (*LIBRARIES, *dict.fromkeys(KIND_PACKAGES[k] for k in available))
    jobs: list[Job] = []
    with inline_figures(), Pool(min(workers, expected), warm, result.warmup, imports) as pool, tqdm(
        total=0, desc="reports", unit="report", file=sys.stderr,
        disable=not progress or not expected, dynamic_ncols=True,
    ) as bar, through_bar(progress and bool(expected)):
        pool.wait_launched()  # the kernels' processes first: the work below would slow their start
        done = threading.Event()  # the reports are made: what is not read ahead by then is not needed ahead
        reading = _read_ahead(years, data_dir, done, model=any(REPORT_KINDS[k].model for k in available),
                              private=any(REPORT_KINDS[k].private for k in available))
        for kind_name in kinds:
            kind = REPORT_KINDS[kind_name]
            notebook = kind.notebook_path(nb_dir)
            if not notebook.is_file():
                msg = f"{kind.noun} are not available yet: {display_path(notebook)} is missing"
                logger.info(msg)
                result.failures.append(Failure(None, kind.name, None, msg))
                continue
            for year in years:
                try:
                    planned = _jobs_for(kind, notebook, year, data_dir, out_dir, timeout,
                                        sources.get(kind.name), pdf)
                except Exception as exc:  # no data for the year, unreadable data ...
                    msg = message(exc)
                    logger.info("%s %s: %s", year, kind.name, msg)
                    result.failures.append(Failure(year, kind.name, None, msg))
                    continue
                for job in planned:
                    job = _blind(job, kind) if blind else job
                    if foreign := owned.foreign(_targets(job)):
                        msg = (f"{_rel(foreign[0], out_dir)} is there but was not written by scoring report (or "
                               "was changed since), so it is left as it is: move it away to make this report")
                        logger.info("%s: %s", short(job), msg)
                        result.failures.append(Failure(job.year, job.kind, job.name, msg))
                    else:
                        jobs.append(job)
                        pool.submit(job)  # at once: a kernel need not wait for the other kinds' planning
        # while they run, and before any is published: the reports to be made again are listed
        # without inputs
        listing = Listing(out_dir, data_dir, [j.html for j in jobs])
        pool.release()
        bar.total = pool.submitted
        bar.refresh()
        for job, outcome in pool.outcomes():
            bar.set_postfix_str(short(job), refresh=False)
            bar.update()
            what = short(job)
            if outcome.error is None:
                logger.info("%s: wrote %s in %.1f s", what, outcome.html, outcome.seconds)
                result.produced.append(outcome.html)
                result.notebooks.append(outcome.ipynb)
                result.durations[outcome.html] = outcome.seconds
                result.phases[outcome.html] = dict(outcome.phases)
                if outcome.pdf is not None:
                    result.pdfs.append(outcome.pdf)
                listing.published(outcome.record)
                for year, problems in outcome.left_out:
                    left = LeftOut(job.year, job.kind, job.name, year, problems)
                    logger.info("%s", left)
                    result.left_out.append(left)
            else:
                logger.info("%s failed after %.1f s: %s", what, outcome.seconds, outcome.error)
                result.failures.append(Failure(job.year, job.kind, job.name, outcome.error))
        done.set()

    # no report holds a name or an address of data/people.csv (private ones were checked before publishing)
    from .audience import withdraw_naming_contacts

    for w in withdraw_naming_contacts(out_dir, result.produced, data_dir):
        logger.info("%s %s: %s", w.year, w.kind, w.message)
        result.failures.append(Failure(w.year, w.kind, w.name, w.message))
        i = result.produced.index(w.html)
        del result.produced[i], result.notebooks[i]
        result.pdfs = [p for p in result.pdfs if p != w.html.with_suffix(".pdf")]

    from .bundle import out_of_date, write_bundles, write_send_list

    for year in years:  # with --bundle every year; else a year whose zips no longer hold what they should
        stale = [] if bundle else out_of_date(out_dir, year)
        if bundle or stale:
            try:
                written, failures, notes = write_bundles(out_dir, year, data_dir=data_dir)
            except OSError as exc:
                written, failures, notes = [], [f"could not write the bundles: {exc}"], []
            try:  # data/<year>/utskick.csv, when data/people.csv exists
                sent = write_send_list(out_dir, year, data_dir, written)
                failures, notes = failures + sent.failures, notes + sent.notes
            except OSError as exc:
                failures = [*failures, f"could not write the send list: {exc}"]
            result.bundles.extend(written)
            if stale:
                notes = [f"made again, as this run changed what they hold: {', '.join(stale)}", *notes]
            for msg in failures:
                logger.info("%s send: %s", year, msg)
                result.failures.append(Failure(year, "send", None, msg))
            for msg in notes:
                logger.info("%s send: %s", year, msg)
                result.notes.append(f"{year} send: {msg}")

    for kind_name in available:  # what the award office still has to do, as the kinds declare it
        kind = REPORT_KINDS[kind_name]
        for year in years if kind.todo is not None else ():
            try:
                todo = kind.todo(year, data_dir)
            except Exception as exc:  # the run's reports stand; the to-do could not be read
                todo = [f"kan inte läsas: {message(exc)}"]
            result.notes += [f"{year} {kind.name}: {t}" for t in todo]

    reading.join()  # nothing of the run goes on after it (the step under way ends)
    result.manifest, result.index = listing.finish()  # again from the records on disk
    for what, msg in listing.errors.items():
        logger.info(msg)
        result.failures.append(Failure(None, what, None, msg))
    if result.index is not None:
        logger.info("index: %s", result.index)
    logger.info(
        "report run finished: %d report(s) written, %d failure(s)",
        len(result.reports), len(result.failures),
    )
    return result


def _read_ahead(years: list[int], data_dir: Path, done: threading.Event, model: bool = False,
                private: bool = False) -> threading.Thread:
    """Start reading, in a thread of the runner, what the run's reports and its index will need: of each
    year the checked year (:func:`scoring.data.year_data`), with ``model`` the year's examiner model
    (:func:`scoring.calibration.year_model`, fitted on the year just read), after the first year's with
    ``private`` everyone the privacy guard keeps out of a private report (:func:`scoring.reports.audience.people`,
    every code of every year), and the index's office notes (:func:`scoring.reports.index.office_notes`),
    all kept in the cache folder. It runs while the kernels warm up (their threads load Papermill meanwhile:
    :meth:`scoring.reports.warm.WarmKernel.start`) and the reports run, on the core a kernel leaves free; a
    kernel that needs one of them meanwhile waits for it instead of making it a second time
    (:func:`scoring.cache.cached`). Once ``done`` is set it starts nothing more (a report made what it needed
    itself). What fails here is left to fail, and be reported, where it is needed."""

    def read() -> None:
        from ..data import year_data
        from .audience import people
        from .index import office_notes
        just_read: dict[int, object] = {}  # with model, each year read here (not found in the cache) until fitted

        def read_year(year: int) -> None:
            if (value := year_data(year, data_dir, ahead=True)) is not None and model:
                just_read[year] = value

        def fit(year: int) -> None:
            from ..calibration import year_model

            year_model(just_read.pop(year, year), data_dir, ahead=True)

        steps = []  # (what, step); what is in the cache already is left there
        for i, year in enumerate(years):
            steps += [(year, partial(read_year, year)),
                      *([(year, partial(fit, year))] if model else []),
                      *([(year, partial(people, data_dir))] if private and i == 0 else []),
                      (year, partial(office_notes, data_dir, year))]
        for what, step in steps:
            if done.is_set():
                return
            try:
                step()
            except Exception as exc:
                logger.debug("%s: reading ahead failed: %s", what, message(exc))

    thread = threading.Thread(target=read, name="scoring-read-ahead", daemon=True)
    thread.start()
    return thread


def _jobs_for(kind: ReportKind, notebook, year, data_dir, out_dir, timeout, source, pdf=False) -> list[Job]:
    base = {"year": year, "data_dir": str(data_dir)}
    year_dir = data_dir / str(year)
    if not year_dir.is_dir():  # say so at once instead of starting a kernel to find out
        raise FileNotFoundError(f"no data for {year}: {display_path(year_dir)} does not exist")
    if kind.per is None:
        names: list[str | None] = [None]
    else:
        names = _names(kind, source, year, data_dir)
        if not names and kind.none_ok:  # e.g. no training session that year
            logger.info("%s: no %s, so no %s", year, kind.units, kind.noun)
        elif not names:
            raise ValueError(f"no {kind.units} in the {year} data")
    jobs = []
    for name in names:
        params = dict(base)
        context = str(year)
        forbidden = None
        if name is not None:
            params.update(kind.parameters(name))
            context = f"{kind.title(name, year, data_dir)} {year}"
        if kind.private:
            contacts(data_dir)  # people.csv that cannot be read fails the kind now (the guard fails closed)
            forbidden = partial(_forbidden, kind, name, year, data_dir)
        jobs.append(Job(
            year=year, kind=kind.name, name=name, notebook=notebook,
            html=kind.output_html(out_dir, year, name), parameters=params,
            context=context, timeout=timeout, out_dir=out_dir, data_dir=data_dir,
            forbidden=forbidden, pdf=pdf,
        ))
    return jobs


def _forbidden(kind: ReportKind, name: str | None, year: int, data_dir: Path):
    """What a private kind's report for ``name`` must not hold, asked for by the worker once the report
    is made: finding every other person's code of every year reads every CSV file of the data (0.7 s for a
    national year), which the read-ahead does (:func:`_read_ahead`) while the kernel makes the report."""
    forbidden = forbidden_for(kind.split(name)[-1], data_dir)
    if kind.forbidden is not None and name is not None:
        forbidden = forbidden | kind.forbidden(year, data_dir, name)
    return forbidden


def _blind(job: Job, kind: ReportKind) -> Job:
    """A run made blind, for a kind that has a blind variant: ``blind=True``, the variant's
    output name, and the privacy guard set to refuse it if any file written for it holds what
    the variant forbids (other kinds unchanged)."""
    if kind.blind is None:
        return job
    from dataclasses import replace

    b = kind.blind
    return replace(job, parameters={**job.parameters, "blind": True}, context=f"{job.context}{b.context}",
                   html=job.html.with_name(f"{job.html.stem}{b.suffix}.html"),
                   forbidden=b.forbidden(job.year, job.data_dir))


def _names(kind: ReportKind, source: Names, year: int, data_dir: Path) -> list[str]:
    """The names of a per-unit kind's reports of a year: from the caller, else from the kind."""
    if source is not None:
        found = list(source(year)) if callable(source) else list(source)
    elif kind.names is not None:
        found = [n for n in kind.names(year, data_dir) if str(n).strip()]
    else:
        raise ValueError(f"{kind.name}: a kind made per {kind.per} declares its names")
    return sorted(dict.fromkeys(str(n) for n in found))


def _targets(job: Job) -> list[Path]:
    """The files a job publishes."""
    return [job.html, job.html.with_suffix(".ipynb")] + ([job.html.with_suffix(".pdf")] if job.pdf else [])


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
