"""Run the parameterised report notebooks with Papermill and publish them as HTML.

One *run* executes one notebook for one year (and, for jury packs and examiner
feedback, one class or one examiner), writes the executed notebook and an HTML
version with the code hidden beside each other under ``reports/<year>/``, and
finally rebuilds ``reports/index.html``.

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

Kinds of report live in :data:`REPORT_KINDS`; a kind whose notebook does not
exist yet fails with a clear message instead of a traceback.

Papermill and nbconvert are imported only when a notebook is run, so importing
this module (for example by the command line) stays cheap.
"""

from __future__ import annotations

import html
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from .paths import DATA_DIR, NOTEBOOKS_DIR, REPORTS_DIR
from .problems import display_path

__all__ = [
    "REPORT_KINDS",
    "ReportKind",
    "Failure",
    "RunResult",
    "run_reports",
    "write_index",
    "parse_years",
    "expand_kinds",
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
    """

    produced: list[Path] = field(default_factory=list)
    notebooks: list[Path] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    index: Path | None = None
    durations: dict[Path, float] = field(default_factory=dict)

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
    title: str
    timeout: int | None


@dataclass(frozen=True)
class _Outcome:
    html: Path
    ipynb: Path
    seconds: float
    error: str | None = None


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

    Notebook parameters
    -------------------
    Every notebook gets ``year`` (int) and ``data_dir`` (str); jury packs also
    ``class_id`` and examiner feedback also ``examiner_id``.

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
        "timeout=%s workers=%d",
        years, kinds, examiner, data_dir, out_dir, nb_dir, timeout, workers,
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
            else:
                logger.warning("%s failed after %.1f s: %s", what, outcome.seconds, outcome.error)
                result.failures.append(Failure(job.year, job.kind, job.name, outcome.error))

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
        label = None
        if name is not None:
            params[kind.parameter] = name
            label = _class_label(name, year, data_dir) if kind.per == "class" else name
        title = kind.label.format(label=label)
        jobs.append(_Job(
            year=year, kind=kind.name, name=name, notebook=notebook,
            html=kind.output_html(out_dir, year, name), parameters=params,
            title=f"{title} {year}", timeout=timeout,
        ))
    return jobs


def _names(source: Names, per: str, year: int, data_dir: Path) -> list[str]:
    """The classes or examiners of a year: from the caller, else from the data."""
    if source is None:
        from .data import load_year  # lazily: only jury packs and examiner feedback need it

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

    import nbconvert  # noqa: F401  import once here rather than racing in the threads
    import papermill  # noqa: F401

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
        tmp_html.write_text(_to_html(nb, job.title), encoding="utf-8")
        os.replace(tmp_ipynb, ipynb_path)
        os.replace(tmp_html, html_path)
        return _Outcome(html_path, ipynb_path, time.perf_counter() - start)
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
    """Make sure the kernel draws figures inline even if ``MPLBACKEND`` says otherwise.

    ipykernel picks the inline backend only when ``MPLBACKEND`` is unset; a CI job or
    shell that exports ``MPLBACKEND=Agg`` would silently give reports without figures.
    The kernels inherit this process's environment at start, so set it for the batch.
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


def _to_html(nb, title: str) -> str:
    """The executed notebook as HTML: code, prompts and stderr output hidden.

    Cells tagged ``remove-cell`` are left out and outputs of cells tagged
    ``remove-output`` are dropped (the executed ``.ipynb`` keeps everything).
    """
    import copy

    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        log=_nbconvert_log,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags=("remove-cell", "remove_cell"),
            remove_all_outputs_tags=("remove-output", "remove_output"),
            enabled=True,
        ),
        enabled=True,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    # nbconvert gives every figure this English alt text (and warns about it each run)
    return body.replace('alt="No description has been provided for this image"', 'alt="Figur"')


class _DropAltTextWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Alternative text is missing")


_nbconvert_log = logging.getLogger("scoring.report.nbconvert")
_nbconvert_log.addFilter(_DropAltTextWarning())


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
# Index
# --------------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: #1d2433; background: #fff; margin: 0; line-height: 1.5; }
main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; padding-bottom: .25rem;
     border-bottom: 1px solid #d6dbe4; }
ul { list-style: none; padding: 0; margin: 0; }
li { padding: .3rem 0; display: flex; justify-content: space-between; gap: 1rem; }
a { color: #0b5cad; text-decoration: none; }
a:hover, a:focus { text-decoration: underline; }
.meta { color: #5b6475; font-size: .875rem; white-space: nowrap; }
.empty { color: #5b6475; }
footer { margin-top: 3rem; color: #5b6475; font-size: .8rem; }
"""

_KIND_ORDER = {name: i for i, name in enumerate(REPORT_KINDS)}


def _find_reports(out_dir: Path) -> list[tuple[int, str, str | None, Path]]:
    """(year, kind, name, html) for every report HTML under ``out_dir``."""
    found = []
    for year_dir in out_dir.iterdir() if out_dir.is_dir() else ():
        if not (year_dir.is_dir() and re.fullmatch(r"\d{4}", year_dir.name)):
            continue
        year = int(year_dir.name)
        for f in year_dir.glob("*.html"):
            if f.name.startswith("."):
                continue
            if f.name == "calibration.html":
                found.append((year, "calibration", None, f))
            elif f.name.startswith("jury-") and len(f.stem) > 5:
                found.append((year, "jury", f.stem[5:], f))
        for f in (year_dir / "examiners").glob("*.html"):
            if not f.name.startswith("."):
                found.append((year, "examiner", f.stem, f))
    found.sort(key=lambda r: (-r[0], _KIND_ORDER[r[1]], (r[2] or "").casefold()))
    return found


def write_index(out_dir: str | Path | None = None, *, data_dir: str | Path | None = None) -> Path:
    """Write ``<out_dir>/index.html`` linking every report HTML found under ``out_dir``.

    Grouped by year (newest first), then by kind; Swedish link texts (class labels
    from the year's rubric when it can be read). A plain self-contained page with
    relative links, so the folder can be zipped and mailed. Written atomically.
    """
    out_dir = Path(out_dir if out_dir is not None else REPORTS_DIR).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now().astimezone()
    reports = _find_reports(out_dir)
    labels: dict[tuple[str, int], str] = {}

    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Rapporter – Kvalitetsutmärkelsen</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        "<h1>Rapporter</h1>",
        '<p class="meta">Stockholms stads kvalitetsutmärkelse · '
        f'skapad <time datetime="{now.isoformat(timespec="seconds")}">'
        f"{now:%Y-%m-%d %H:%M}</time></p>",
    ]
    if not reports:
        parts.append('<p class="empty">Inga rapporter ännu. Skapa dem med '
                     "<code>scoring report --year 2024</code>.</p>")
    current_year = None
    for year, kind, name, path in reports:
        if year != current_year:
            if current_year is not None:
                parts.append("</ul></section>")
            parts.append(f'<section id="ar-{year}"><h2>{year}</h2><ul>')
            current_year = year
        label = name
        if kind == "jury" and name is not None:
            if (name, year) not in labels:
                labels[name, year] = _class_label(name, year, data_dir)
            label = labels[name, year]
        text = REPORT_KINDS[kind].label.format(label=label)
        href = quote(path.relative_to(out_dir).as_posix())
        mtime = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        extra = f"uppdaterad {mtime:%Y-%m-%d %H:%M}"
        nb = path.with_suffix(".ipynb")
        if nb.is_file():
            nb_href = quote(nb.relative_to(out_dir).as_posix())
            extra += f' · <a href="{html.escape(nb_href)}">notebook</a>'
        parts.append(
            f'<li><a href="{html.escape(href)}">{html.escape(text)}</a>'
            f'<span class="meta">{extra}</span></li>'
        )
    if current_year is not None:
        parts.append("</ul></section>")
    parts += [
        "<footer>Genererad av <code>scoring report</code>. Mappen kan zippas och skickas "
        "som den är: alla länkar är relativa.</footer>",
        "</main>",
        "</body>",
        "</html>",
        "",
    ]
    index = out_dir / "index.html"
    tmp = out_dir / f".index.{uuid.uuid4().hex[:8]}.tmp.html"
    try:
        tmp.write_text("\n".join(parts), encoding="utf-8")
        os.replace(tmp, index)
    finally:
        tmp.unlink(missing_ok=True)
    return index


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


def _class_label(class_id: str, year: int, data_dir: str | Path | None) -> str:
    """The Swedish label of a class from the year's rubric; the id if it cannot be read."""
    try:
        from .rubric import load_rubric

        return load_rubric(year=year, data_dir=data_dir).class_label(class_id)
    except Exception:
        return class_id
