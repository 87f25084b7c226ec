"""Executing one report: a worker thread per kernel takes jobs from a queue, runs the notebook
with Papermill (in a warm kernel or a fresh one), makes the HTML page, prints the PDF, runs the
privacy guard and publishes the files atomically (:class:`Pool`, :func:`run_job`).

A failed run never replaces or deletes a good report and leaves no temporary files behind;
its error comes back as one line for the user (:func:`message`), never a traceback.

Before a report's files are moved into place, its record (:mod:`scoring.reports.manifest`: the
data files it read, the real files behind symlinks, with their checksums, and the checksum of
each file about to be published) is written atomically: whenever the run stops, every
published file matches a record of it. A report whose data files changed while it ran fails.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..cache import OUTPUTS
from ..presentation.render import MARK
from . import manifest, privacy

logger = logging.getLogger("scoring.report")

#: Kernel every report notebook runs in (the notebooks carry kernelspec ``python3``).
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class Job:
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
    # set for private kinds: what no file of the report may hold, or a function that finds it
    forbidden: privacy.Forbidden | Callable[[], privacy.Forbidden] | None = None
    pdf: bool = False


@dataclass(frozen=True)
class Outcome:
    html: Path
    ipynb: Path
    seconds: float
    error: str | None = None
    left_out: tuple[tuple[int, tuple[str, ...]], ...] = ()
    inputs: tuple[str, ...] = ()  # files the report opened for reading (warm kernels)
    finished: float = 0.0  # time.time() when published
    phases: tuple[tuple[str, float], ...] = ()  # (phase, seconds): prepare, execute, page, pdf, privacy
    pdf: Path | None = None
    record: dict | None = None  # what was written down for it (manifest.new_record)


class Pool:
    """Worker threads that take report jobs from a queue, from the moment the pool starts.

    Each thread drives its own kernel process (with ``warm``, one kernel for all its
    reports, started at once, so it warms up while the run still plans its jobs), so there
    is no second interpreter to start and nothing to pickle. Papermill's ``cwd`` changes
    the working directory of the whole process and would race between threads, so the
    kernel gets its folder from :func:`warm.prepare` (warm) or nbclient's ``resources``
    (cold) instead. Used as a context manager: on leaving, nothing new starts and the
    threads end; on an exception (Ctrl-C) the kernels at work are stopped. ``imports``: what a
    warm kernel imports at start (default :data:`scoring.reports.warm.WARM_IMPORTS`).
    """

    def __init__(self, workers: int, warm: bool, warmup: list[float], imports: Iterable[str] | None = None):
        self.todo: queue.Queue[Job | None] = queue.Queue()
        self.done: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.kernels: list = []
        self.submitted = 0
        # reports run from the start, but none is published before release() (the run lists what it
        # will make again first); a run that ends in an exception publishes nothing more
        self.publish = threading.Event()
        self.cancelled = False
        # set by each worker once its kernel process is started (or could not be, or is reused)
        self.launched = [threading.Event() for _ in range(max(0, workers))]
        self.threads = [
            threading.Thread(target=_worker, args=(self, warm, warmup, None if imports is None else tuple(imports),
                                                   launched), name=f"report-{i + 1}", daemon=True)
            for i, launched in enumerate(self.launched)
        ]
        for t in self.threads:
            t.start()

    def wait_launched(self, timeout: float = 30) -> None:
        """Wait (at most ``timeout`` seconds) until every worker's kernel process is started: work
        of the runner's own begun after this no longer delays the kernels' start."""
        deadline = time.monotonic() + timeout
        for event in self.launched:
            event.wait(max(0.0, deadline - time.monotonic()))

    def submit(self, job: Job) -> None:
        self.todo.put(job)
        self.submitted += 1

    def release(self) -> None:
        """Let the reports be published (each as soon as it is made)."""
        self.publish.set()

    def may_publish(self) -> bool:
        """Wait until :meth:`release` (or the end of the run); whether to publish."""
        self.publish.wait()
        return not self.cancelled

    def outcomes(self):
        """Yield (job, outcome) for every job submitted, as runs finish."""
        for _ in self.threads:
            self.todo.put(None)  # no more jobs: a worker ends when it takes this
        if self.submitted:
            from . import page  # noqa: F401  (while the kernels work)
        for _ in range(self.submitted):
            yield self.done.get()

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        self.stop.set()
        for _ in self.threads:
            self.todo.put(None)
        if exc is not None or not self.publish.is_set():  # nothing more is published
            self.cancelled = True
        self.publish.set()
        if exc is not None:  # Ctrl-C or an error while planning: stop the kernels at work
            for kernel in list(self.kernels):
                kernel.kill()
        for t in self.threads:
            t.join(timeout=60)
        return False


def _worker(pool: Pool, warm: bool, warmup: list[float], imports: tuple[str, ...] | None,
            launched: threading.Event) -> None:
    """One worker thread: start its kernel (``launched`` set once its process runs), then take jobs
    until told there are no more."""
    todo, done, stop, kernels = pool.todo, pool.done, pool.stop, pool.kernels
    kernel = None
    if warm:
        from .warm import WARM_IMPORTS, WarmKernel

        wanted = WARM_IMPORTS if imports is None else imports
        kernel = WarmKernel.reuse(KERNEL_NAME, wanted) or WarmKernel(KERNEL_NAME, wanted)
        kernels.append(kernel)
    try:
        while not stop.is_set():
            problem = None
            if kernel is not None and kernel.km is None and not kernel.starts:  # at once, while jobs are planned
                # (a kernel stopped after a failed report is started again by the next report, if any)
                try:
                    kernel.start(launched=launched.set)
                    warmup.append(kernel.warmup_seconds)
                except Exception as exc:
                    problem = f"could not start a kernel: {message(exc)}"
            launched.set()  # also without a kernel to start, or when it failed
            job = todo.get()
            if job is None:
                break
            _log_start(job)
            if problem is not None:
                done.put((job, Outcome(job.html, job.html.with_suffix(".ipynb"), 0.0, problem)))
                continue
            starts = kernel.starts if kernel is not None else 0
            try:
                outcome = run_job(job, kernel, pool.may_publish)
            except BaseException as exc:  # never leave the run waiting for this job's outcome
                outcome = Outcome(job.html, job.html.with_suffix(".ipynb"), 0.0, message(exc))
            if kernel is not None and kernel.starts > starts:  # started again after a failed report
                warmup.append(kernel.warmup_seconds)
            done.put((job, outcome))
    finally:
        if kernel is not None:
            if pool.cancelled:
                kernel.shutdown()
            else:  # for the next run of this process, if any
                kernel.park()


def _log_start(job: Job) -> None:
    logger.info(
        "%s %s%s: notebook=%s parameters=%s output=%s",
        job.year, job.kind, f" {job.name}" if job.name else "",
        job.notebook, job.parameters, job.html,
    )


def run_job(job: Job, kernel=None, may_publish: Callable[[], bool] | None = None) -> Outcome:
    """Execute one notebook and publish it atomically; never raises for a failed run.

    ``may_publish()``, asked (and waited for) once the report is made and checked, says
    whether to publish it (a stopped run does not).

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
        before = manifest.data_state(job.data_dir)
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
            from .warm import load_papermill

            nb = load_papermill().execute_notebook(
                str(job.notebook),
                str(tmp_ipynb),
                kernel_name=KERNEL_NAME,
                execution_timeout=job.timeout,
                # the kernel's working directory without a process-wide chdir (see Pool)
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
            forbidden = job.forbidden() if callable(job.forbidden) else job.forbidden
            privacy.check([(_rel(final, job.out_dir), tmp) for final, tmp in files], forbidden)
            lap("privacy")
        if may_publish is not None and not may_publish():
            raise RuntimeError("the run was stopped before this report was published")
        inputs = inputs or static_inputs(job.data_dir, job.year)
        described = manifest.describe_inputs(inputs, job.data_dir)
        if moved := manifest.changed(inputs, before):
            raise ValueError(f"{moved[0]} changed while the report ran, so it was not published: run it again")
        record = manifest.new_record(job.out_dir, job.data_dir, manifest.Made(
            html=html_path, ipynb=ipynb_path, year=job.year, kind=job.kind, name=job.name,
            parameters=job.parameters, seconds=time.perf_counter() - start, finished=time.time(),
            inputs=tuple(described), pdf=pdf_path if job.pdf else None), contents=dict(files))
        manifest.write_record(job.out_dir, record)  # first: every file published matches a record
        for final, tmp in [files[1], *files[2:], files[0]]:  # the HTML last: it is what links find
            os.replace(tmp, final)
        logger.debug("%s: %s", short(job), ", ".join(f"{k} {v:.2f} s" for k, v in phases))
        return Outcome(html_path, ipynb_path, time.perf_counter() - start, left_out=left_out(nb),
                        inputs=inputs, finished=time.time(), phases=tuple(phases),
                        pdf=pdf_path if job.pdf else None, record=record)
    except Exception as exc:
        return Outcome(html_path, ipynb_path, time.perf_counter() - start, message(exc))
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
    """The files opened under ``root``, as opened (a symlink under ``root`` counts, wherever it
    points; so does a real file under ``root`` opened through a symlink), sorted, without duplicates."""
    found = set()
    for p in paths:
        opened = Path(os.path.abspath(p))
        try:
            real = opened.resolve()
        except OSError:
            continue
        if (opened.is_relative_to(root) or real.is_relative_to(root)) and real.is_file():
            found.add(str(opened))
    return tuple(sorted(found))


def static_inputs(data_dir: Path, year: int) -> tuple[str, ...]:
    """The year's files and the rubric, for a report whose reads were not recorded."""
    files = [data_dir / "rubric.toml"] + sorted((data_dir / str(year)).rglob("*"))
    return tuple(str(f) for f in files if f.is_file() and not f.name.startswith(".") and f.name not in OUTPUTS)


class inline_figures:
    """Make sure the kernel draws pyplot figures inline even if ``MPLBACKEND`` says otherwise.

    The reports' own figures (:class:`scoring.presentation.render.Figure`) do not depend on the
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


def left_out(nb) -> tuple[tuple[int, tuple[str, ...]], ...]:
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


def message(exc: BaseException) -> str:
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


def short(job: Job) -> str:
    return " ".join(str(x) for x in (job.year, job.kind, job.name) if x is not None)


# --------------------------------------------------------------------------- the run's log


class WarningLog:
    """Every warning (or worse) logged while a run runs, by any logger: ``messages``, in order.

    The command line prints them once, counted, after the run (``scoring report`` shows only the
    progress bar while it runs, and its log lines with ``-v``). Where nothing configured logging
    (a notebook calling :func:`~scoring.reports.run_reports`), they are also printed as Python
    would print them (``logging.lastResort``), through the progress bar.
    """

    def __init__(self):
        self.messages: list[str] = []
        self._handlers: list[logging.Handler] = []

    def __enter__(self):
        root = logging.getLogger()
        printed = _configured(logging.getLogger(__name__)) or logging.lastResort is None
        self._handlers = [_Collect(self.messages)] + ([] if printed else [_ThroughBar(logging.lastResort)])
        for h in self._handlers:
            root.addHandler(h)
        return self

    def __exit__(self, *exc):
        for h in self._handlers:
            logging.getLogger().removeHandler(h)
        return False


class through_bar:
    """While the progress bar is shown, the console's log lines are written through tqdm, so that
    they do not tear the bar; each console handler keeps its level, filters and format (the
    command line hides INFO lines without ``-v`` by the level of its handler)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._swapped: list[tuple[logging.Handler, logging.Handler]] = []

    def __enter__(self):
        root = logging.getLogger()
        for h in list(root.handlers) if self.enabled else ():
            if _is_console(h):
                wrapper = _ThroughBar(h)
                root.removeHandler(h)
                root.addHandler(wrapper)
                self._swapped.append((h, wrapper))
        return self

    def __exit__(self, *exc):
        root = logging.getLogger()
        for h, wrapper in self._swapped:
            root.removeHandler(wrapper)
            root.addHandler(h)
        return False


class _Collect(logging.Handler):
    def __init__(self, messages: list[str]):
        super().__init__(logging.WARNING)
        self.messages = messages

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a bad format string: the record says so itself
            self.handleError(record)


class _ThroughBar(logging.Handler):
    """A console handler's lines written with ``tqdm.write`` (its level, filters and format kept)."""

    def __init__(self, inner: logging.Handler):
        super().__init__(inner.level)
        self.inner = inner
        self.filters = list(inner.filters)
        self.setFormatter(inner.formatter)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=getattr(self.inner, "stream", None) or sys.stderr)
        except Exception:
            self.handleError(record)


def _is_console(h: logging.Handler) -> bool:
    return (isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
            and h.stream in (sys.stdout, sys.stderr))


def _configured(logger: logging.Logger) -> bool:
    """Whether a record of ``logger`` reaches any handler (else Python prints warnings itself)."""
    current: logging.Logger | None = logger
    while current is not None:
        if current.handlers:
            return True
        current = current.parent if current.propagate else None
    return False
