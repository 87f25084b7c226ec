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

Kinds of report live in :data:`REPORT_KINDS`; a kind whose notebook does not
exist yet fails with a clear message instead of a traceback.

Papermill is imported only when a notebook is run, so importing this module (for
example by the command line) stays cheap.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from ..problems import display_path
from ..render import MARK

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
    per : None (one report per year), ``"class"`` or ``"examiner"``.
    parameter : the notebook parameter that receives the class id or examiner code
        (besides ``year`` and ``data_dir``, which every report notebook takes).
    """

    name: str
    notebook: str
    output: str
    label: str
    noun: str
    per: str | None = None
    parameter: str | None = None

    def output_html(self, out_dir: Path, year: int, name: str | None = None) -> Path:
        rel = self.output.format(name=_safe_name(name) if name is not None else "")
        return Path(out_dir) / str(year) / f"{rel}.html"

    def notebook_path(self, notebooks_dir: Path | None = None) -> Path:
        return Path(notebooks_dir if notebooks_dir is not None else NOTEBOOKS_DIR) / self.notebook


#: Every kind of report, in index order. Later kinds slot in by adding their notebook.
REPORT_KINDS: dict[str, ReportKind] = {
    k.name: k
    for k in (
        ReportKind(
            name="calibration",
            notebook="calibration_report.ipynb",
            output="calibration",
            label="Kalibreringsrapport",
            noun="calibration reports",
        ),
        ReportKind(
            name="jury",
            notebook="jury_pack.ipynb",
            output="jury-{name}",
            label="Jurypaket – {label}",
            noun="jury packs",
            per="class",
            parameter="class_id",
        ),
        ReportKind(
            name="examiner",
            notebook="examiner_feedback.ipynb",
            output="examiners/{name}",
            label="Återkoppling – {label}",
            noun="examiner feedback reports",
            per="examiner",
            parameter="examiner_id",
        ),
    )
}


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
            wanted.append(k)
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
    durations : seconds per HTML report produced (kernel start included).
    left_out : earlier years the written reports left out of their trends (data errors).
    """

    produced: list[Path] = field(default_factory=list)
    notebooks: list[Path] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    index: Path | None = None
    durations: dict[Path, float] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)

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
        """Every file written: each HTML report followed by its executed notebook."""
        return [f for pair in zip(self.produced, self.notebooks, strict=True) for f in pair]


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
    """One notebook run; plain data so that it can be sent to a worker process."""

    year: int
    kind: str
    name: str | None
    notebook: Path
    html: Path
    parameters: dict
    context: str  # the year and the class or examiner, for the page title
    timeout: int | None


@dataclass(frozen=True)
class _Outcome:
    html: Path
    ipynb: Path
    seconds: float
    error: str | None = None
    left_out: tuple[tuple[int, tuple[str, ...]], ...] = ()


def run_reports(
    years: Iterable[int] | int,
    kinds: str | Iterable[str] = ("calibration",),
    examiner: str | None = None,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    timeout: int | None = 600,
    workers: int = 1,
    classes: Names = None,
    examiners: Names = None,
    notebooks_dir: str | Path | None = None,
    blind: bool = False,
) -> RunResult:
    """Run the report notebooks for ``years`` × ``kinds`` and publish them as HTML.

    Parameters
    ----------
    years : the award years (see :func:`parse_years`).
    kinds : ``"calibration"``, ``"jury"``, ``"examiner"``, ``"all"`` or several of them.
        ``"all"`` means every kind whose notebook exists. A kind asked for by name
        whose notebook is missing is one failure with a clear message.
    examiner : for ``examiner`` reports, only this examiner (run whether or not the
        examiner scored that year); default every examiner of the year.
    data_dir, out_dir : default :data:`scoring.paths.DATA_DIR` / ``REPORTS_DIR``. The
        notebooks get ``data_dir`` as an absolute path string.
    progress : one overall progress bar on stderr.
    timeout : seconds any single cell may run (Papermill's ``execution_timeout``).
    workers : notebooks run at the same time (each in its own kernel process, driven
        from a thread pool when > 1). 2 suits a two-core machine; 1 by default.
    classes, examiners : the classes (for jury packs) and examiners (for examiner
        feedback) of a year, as a list or as a callable ``f(year) -> names``;
        default read from the year's data with ``scoring.data.load_year``.
    notebooks_dir : where the notebooks are (default :data:`scoring.paths.NOTEBOOKS_DIR`).
    blind : jury packs for shortlisting, written as ``jury-<class>-blind.html`` (entry codes
        only, no names or districts; the notebook gets ``blind=True``); other kinds as usual.

    Notebook parameters
    -------------------
    Every notebook gets ``year`` (int) and ``data_dir`` (str); jury packs also
    ``class_id`` (and ``blind=True`` with ``blind``) and examiner feedback also ``examiner_id``.

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
    logger.info(
        "report run: years=%s kinds=%s examiner=%s data_dir=%s out_dir=%s notebooks_dir=%s "
        "timeout=%s workers=%d blind=%s",
        years, kinds, examiner, data_dir, out_dir, nb_dir, timeout, workers, blind,
    )
    if not years:
        logger.warning("no years to report on")

    result = RunResult()
    jobs: list[_Job] = []
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
                jobs.extend(
                    _jobs_for(kind, notebook, year, examiner, data_dir, out_dir, timeout,
                              classes, examiners)
                )
            except Exception as exc:  # no data for the year, unreadable data ...
                msg = _message(exc)
                logger.warning("%s %s: %s", year, kind.name, msg)
                result.failures.append(Failure(year, kind.name, None, msg))

    if blind:
        jobs = [_blind(job) for job in jobs]
    bar = tqdm(
        total=len(jobs), desc="reports", unit="report", file=sys.stderr,
        disable=not progress or not jobs, dynamic_ncols=True,
    )
    with bar, _redirect_logging(progress), _inline_figures():
        for job, outcome in _execute_all(jobs, workers, bar):
            what = " ".join(str(x) for x in (job.year, job.kind, job.name) if x is not None)
            if outcome.error is None:
                logger.info("%s: wrote %s in %.1f s", what, outcome.html, outcome.seconds)
                result.produced.append(outcome.html)
                result.notebooks.append(outcome.ipynb)
                result.durations[outcome.html] = outcome.seconds
                for year, problems in outcome.left_out:
                    left = LeftOut(job.year, job.kind, job.name, year, problems)
                    logger.warning("%s", left)
                    result.left_out.append(left)
            else:
                logger.warning("%s failed after %.1f s: %s", what, outcome.seconds, outcome.error)
                result.failures.append(Failure(job.year, job.kind, job.name, outcome.error))

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


def _jobs_for(kind, notebook, year, examiner, data_dir, out_dir, timeout, classes, examiners):
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
            source = classes if kind.per == "class" else examiners
            names = _names(source, kind.per, year, data_dir)
        if not names:
            raise ValueError(f"no {kind.per}es in the {year} data" if kind.per == "class"
                             else f"no {kind.per}s in the {year} data")
    jobs = []
    for name in names:
        params = dict(base)
        context = str(year)
        if name is not None:
            params[kind.parameter] = name
            label = class_label(name, year, data_dir) if kind.per == "class" else name
            context = f"{label} {year}"
        jobs.append(_Job(
            year=year, kind=kind.name, name=name, notebook=notebook,
            html=kind.output_html(out_dir, year, name), parameters=params,
            context=context, timeout=timeout,
        ))
    return jobs


#: What ``blind`` adds to a jury pack's file name (``jury-<class>-blind.html``).
BLIND_SUFFIX = "-blind"


def _blind(job: _Job) -> _Job:
    """A jury pack's run made blind: ``blind=True`` and the ``-blind`` output (other kinds unchanged)."""
    if job.kind != "jury":
        return job
    from dataclasses import replace

    return replace(job, parameters={**job.parameters, "blind": True}, context=f"{job.context}, anonymiserat",
                   html=job.html.with_name(f"{job.html.stem}{BLIND_SUFFIX}.html"))


def _names(source: Names, per: str, year: int, data_dir: Path) -> list[str]:
    """The classes or examiners of a year: from the caller, else from the data."""
    if source is None:
        from ..data import load_year  # lazily: only jury packs and examiner feedback need it

        data = load_year(year, data_dir)
        if per == "class":
            values = data.entries["class"]
        else:
            scores = data.scores
            if "stage" in scores.columns:
                scores = scores[scores["stage"] == "individual"]
            values = scores["examiner_id"]
        found = values.dropna().astype(str).unique()
        found = [v for v in found if v.strip() and v != "TEAM"]
    elif callable(source):
        found = list(source(year))
    else:
        found = list(source)
    return sorted(dict.fromkeys(str(n) for n in found))


def _execute_all(jobs: list[_Job], workers: int, bar):
    """Yield (job, outcome) as runs finish, updating the progress bar.

    With ``workers > 1`` the runs share a thread pool. The work happens in the kernels,
    which are separate processes anyway; the threads only drive them, so there is no
    second interpreter to start and nothing to pickle. Papermill's ``cwd`` changes the
    working directory of the whole process and would race between threads, so threaded
    runs give the kernel its folder through nbclient's ``resources`` instead.
    """
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            bar.set_postfix_str(_short(job), refresh=True)
            _log_start(job)
            outcome = _run_job(job)
            bar.update()
            yield job, outcome
        return

    from concurrent.futures import ThreadPoolExecutor, as_completed

    import papermill  # noqa: F401  import once here rather than racing in the threads

    from . import page  # noqa: F401

    with ThreadPoolExecutor(max_workers=min(workers, len(jobs)),
                            thread_name_prefix="report") as pool:
        futures = {}
        for job in jobs:
            _log_start(job)
            futures[pool.submit(_run_job, job, threaded=True)] = job
        try:
            for future in as_completed(futures):
                job = futures[future]
                outcome = future.result()  # _run_job does not raise for a failed run
                bar.set_postfix_str(_short(job), refresh=False)
                bar.update()
                yield job, outcome
        except BaseException:  # Ctrl-C: do not start the runs still waiting
            for future in futures:
                future.cancel()
            raise


def _log_start(job: _Job) -> None:
    logger.info(
        "%s %s%s: notebook=%s parameters=%s output=%s",
        job.year, job.kind, f" {job.name}" if job.name else "",
        job.notebook, job.parameters, job.html,
    )


def _run_job(job: _Job, threaded: bool = False) -> _Outcome:
    """Execute one notebook and publish it atomically; never raises for a failed run."""
    start = time.perf_counter()
    html_path = job.html
    ipynb_path = html_path.with_suffix(".ipynb")
    tmp_ipynb = tmp_html = None
    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        tag = uuid.uuid4().hex[:8]
        tmp_ipynb = html_path.parent / f".{html_path.stem}.{tag}.tmp.ipynb"
        tmp_html = html_path.parent / f".{html_path.stem}.{tag}.tmp.html"

        import papermill

        folder = str(job.notebook.parent)
        nb = papermill.execute_notebook(
            str(job.notebook),
            str(tmp_ipynb),
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            cwd=None if threaded else folder,
            execution_timeout=job.timeout,
            request_save_on_cell_execute=False,
            progress_bar=False,
            log_output=False,
            # the kernel's working directory without a process-wide chdir (see _execute_all)
            resources={"metadata": {"path": folder}},
            # ipykernel logs harmless start/stop notices to the terminal ("running over TCP
            # without encryption", "KeyboardInterrupt caught" at shutdown), two lines per
            # run; errors in cells are captured in the notebook, not in this log
            extra_arguments=["--log-level=CRITICAL"],
        )
        from .page import notebook_to_html

        converted = time.perf_counter()
        tmp_html.write_text(notebook_to_html(nb, context=job.context), encoding="utf-8")
        logger.debug("%s: HTML page made in %.2f s", _short(job), time.perf_counter() - converted)
        os.replace(tmp_ipynb, ipynb_path)
        os.replace(tmp_html, html_path)
        return _Outcome(html_path, ipynb_path, time.perf_counter() - start, left_out=_left_out(nb))
    except Exception as exc:
        return _Outcome(html_path, ipynb_path, time.perf_counter() - start, _message(exc))
    finally:
        for tmp in (tmp_ipynb, tmp_html):
            if tmp is not None:
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass


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
    if name == "InputError":
        return str(exc)
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
