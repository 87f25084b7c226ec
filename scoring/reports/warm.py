"""Warm kernels: one long-lived Jupyter kernel per worker, reset to a fresh state before each report.

Starting a kernel and importing pandas, matplotlib and this package takes about 2.5 s,
often more than the report itself. A :class:`WarmKernel` pays that once: it starts one
``python3`` kernel, imports the libraries the reports use (:data:`WARM_IMPORTS`) and then
runs report after report in it through Papermill (the ``scoring-warm`` engine below
hands nbclient the running kernel, which nbclient then neither starts nor shuts down).

Before each report :func:`prepare` (run *inside* the kernel) puts back what a fresh kernel
would have:

* the user namespace exactly as the kernel had it at start (IPython's ``reset``: no
  variable, no import alias, no ``Out`` history; execution count back to 1);
* no open pyplot figure; matplotlib's ``rcParams``, pandas' options, the warning
  filters (and every module's warning registry), ``sys.path``, ``os.environ``, the root
  logger, numpy's error settings, the recursion limit and IPython's display formatters
  as they were after the warm-up imports;
* the working directory: the notebook's own folder; fresh random seeds.

The objects the warm-up imports made are frozen out of garbage collection
(``gc.freeze``): IPython's reset collects garbage, and walking everything pandas, scipy
and matplotlib hold took 0.5 s per report; with the freeze a reset takes about 0.05 s.

What survives on purpose is the imported modules and their state: an in-process cache of
expensive per-year work (the year's examiner model, say) is reused by every report the
worker runs, while nothing a report assigned survives it.

While a report runs, the kernel records which files it opened (an audit hook on
``open``), so the run can say which data each report was made from.

A failed report (an exception in a cell, a timeout, a dead kernel) makes the worker start
a new kernel before its next report: only that report fails.

When a run ends, its healthy kernels are kept, idle, for the next run of the same process
(:meth:`WarmKernel.park`, at most :data:`PARK_MAX`): a notebook or a test session that makes
report after report starts them once. A kernel is reused only under the conditions it was
started in (the environment, this package's source files: :func:`_context`), reset like
before any report, importing then what the new run needs beyond what it imported;
:func:`stop_kernels` (and the end of the process) stops the kept ones. The cache folder
(:data:`PER_RUN_ENV`) is the one thing of the environment a kept kernel takes from the run that
reuses it; under another folder it forgets what it kept in memory.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import queue
import sys
import threading
import time
import warnings
from collections.abc import Callable

__all__ = ["LIBRARIES", "WARM_IMPORTS", "WarmKernel", "load_jsonschema", "load_papermill", "stop_kernels", "prepare",
           "setup", "warmed", "opened"]

logger = logging.getLogger("scoring.report")

#: Libraries every warm kernel imports once (each report then finds them loaded). Not scipy: a kind
#: whose reports use it imports it with its package (an examiner's report does without scipy.stats,
#: a second of a kernel's start).
LIBRARIES = ("numpy", "pandas", "matplotlib", "matplotlib.figure", "mistune")

#: What a warm kernel imports by default: the libraries and every ``scoring`` module (a
#: ``scoring`` package named here stands for every module in it: a run of one kind's reports
#: imports that kind's package alone, :func:`scoring.reports.execute.Pool`).
WARM_IMPORTS = (*LIBRARIES, "scoring")

_IMPORTING = threading.Lock()


def load_jsonschema():
    """jsonschema, imported without its optional IRI checker.

    nbformat validates notebooks with jsonschema, and jsonschema's import compiles the grammar of
    ``rfc3987_syntax`` when that package is installed (jupyter-events asks for it): 1.2-1.7 s of CPU
    (under the interpreter lock the runner's reading needs) for the ``iri`` format that no notebook
    schema uses. A process that has not imported jsonschema yet imports it with that package hidden
    (its IRI formats go unchecked); the package itself stays importable.
    """
    with _IMPORTING:
        return _jsonschema()


def load_papermill():
    """Papermill, its jsonschema imported as :func:`load_jsonschema` does."""
    with _IMPORTING:
        _jsonschema()
        import papermill
    return papermill


def _jsonschema():
    """jsonschema, with ``rfc3987_syntax`` hidden while it is first imported; the caller holds ``_IMPORTING``."""
    if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # importing it raises ImportError
        try:
            import jsonschema
        finally:
            del sys.modules["rfc3987_syntax"]
    import jsonschema

    return jsonschema


# --------------------------------------------------------------------------------------
# Inside the kernel
# --------------------------------------------------------------------------------------

_STATE: dict = {}


def _ipython():
    from IPython import get_ipython

    ip = get_ipython()
    if ip is None:
        raise RuntimeError("not inside an IPython kernel")
    return ip


def _audit(event: str, args) -> None:
    """Record files opened for reading while a report runs (``sys.addaudithook``)."""
    if event != "open" or not _STATE.get("recording"):
        return
    path, mode, flags = args
    if isinstance(path, int):
        return
    if mode is not None:
        if any(c in str(mode) for c in "wax+"):
            return
    elif flags is not None and flags & (os.O_WRONLY | os.O_RDWR):
        return
    try:
        path = os.fsdecode(path)
        _STATE["opened"].add(path if os.path.isabs(path) else os.path.join(os.getcwd(), path))
    except Exception:  # never disturb the report for the sake of the record
        pass


def _scoring_modules(package: str = "scoring") -> list[str]:
    """The modules of a ``scoring`` package, itself first (all of them for ``scoring``, but the runner's)."""
    import pkgutil

    names = [package]
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), f"{package}."):
        if info.name.endswith("__main__") or info.name.startswith("scoring.reports"):
            continue
        names.append(info.name)
    return names


def _pandas_options() -> dict:
    import pandas as pd

    values = {}

    def walk(prefix, wrapper):
        for key in dir(wrapper):
            full = f"{prefix}.{key}" if prefix else key
            try:
                value = getattr(wrapper, key)
            except Exception:
                continue
            if type(value).__name__ == "DictWrapper":
                walk(full, value)
            else:
                values[full] = value

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        walk("", pd.options)
    return values


def setup(imports=WARM_IMPORTS) -> str:
    """Warm up a new kernel: import, then remember the state :func:`prepare` restores (called again,
    after :func:`prepare`, for a kept kernel that is to import more: :meth:`WarmKernel.reuse`).

    Returns a JSON summary (seconds, modules that failed to import) for the log.
    """
    start = time.perf_counter()
    ip = _ipython()
    _STATE["user_ns"] = dict(ip.user_ns)
    failed = {}
    for name in imports:
        try:
            # a package of this one with every module in it (``scoring``: all of them)
            for module in _scoring_modules(name) if name.split(".")[0] == "scoring" else [name]:
                try:
                    importlib.import_module(module)
                except Exception as exc:
                    failed[module] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a broken optional module must not stop the reports
            failed[name] = f"{type(exc).__name__}: {exc}"

    import matplotlib
    import numpy as np

    _STATE.update(
        rc=matplotlib.rcParams.copy(),
        pandas=_pandas_options() if "pandas" in sys.modules else {},
        warnings=list(warnings.filters),
        showwarning=warnings.showwarning,
        sys_path=list(sys.path),
        environ=dict(os.environ),
        numpy_err=np.geterr(),
        logging=_logging_state(),
        formatters={
            name: (f.enabled, dict(f.type_printers), dict(f.deferred_printers))
            for name, f in ip.display_formatter.formatters.items()
        },
        recursion=sys.getrecursionlimit(),
        opened=set(),
        recording=False,
    )
    if not _STATE.get("hooked"):
        sys.addaudithook(_audit)
        _STATE["hooked"] = True
    # what the imports made lives as long as the kernel: keep it out of every later
    # collection (IPython's reset collects garbage, which would walk all of it each time)
    import gc

    gc.collect()
    gc.freeze()
    _STATE["summary"] = json.dumps({"seconds": round(time.perf_counter() - start, 3), "failed": failed})
    return _STATE["summary"]


def warmed(imports=WARM_IMPORTS) -> str:
    """:func:`setup`'s summary, run as the kernel started (``exec_lines``: the kernel imports before it
    answers, whatever the runner is doing meanwhile); run now if it was not."""
    return _STATE.get("summary") or setup(imports)


def _logging_state():
    root = logging.getLogger()
    return root.level, list(root.handlers), list(root.filters)


def prepare(cwd: str, run_env: dict[str, str | None] | None = None) -> None:
    """Give the next report the state of a fresh kernel (see the module docstring); ``run_env``: the
    run's values of :data:`PER_RUN_ENV` (None: unset)."""
    _STATE["recording"] = False
    ip = _ipython()
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    ip.reset(new_session=True)
    fresh = _STATE["user_ns"]
    for key in [k for k in ip.user_ns if k not in fresh]:
        del ip.user_ns[key]
    for key, value in fresh.items():
        if key not in ip.user_ns:
            ip.user_ns[key] = value

    import matplotlib
    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = matplotlib.rcParams
        changed = {k: v for k, v in _STATE["rc"].items() if k != "backend" and _differs(rc.get(k), v)}
        if changed:
            rc.update(changed)
    if _STATE["pandas"]:
        import pandas as pd

        now = _pandas_options()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for key, value in _STATE["pandas"].items():
                if key in now and _differs(now[key], value):
                    pd.set_option(key, value)
    warnings.filters[:] = _STATE["warnings"]
    warnings.showwarning = _STATE["showwarning"]
    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    sys.path[:] = _STATE["sys_path"]
    if dict(os.environ) != _STATE["environ"]:
        for key in [k for k in os.environ if k not in _STATE["environ"]]:
            del os.environ[key]
        for key, value in _STATE["environ"].items():
            if os.environ.get(key) != value:
                os.environ[key] = value
    if run_env is not None:
        for key, value in run_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if run_env != _STATE.setdefault("run_env", run_env):
            from scoring import cache

            cache._MEMORY.clear()
            _STATE["run_env"] = run_env
    np.seterr(**_STATE["numpy_err"])
    level, handlers, filters = _STATE["logging"]
    root = logging.getLogger()
    root.setLevel(level)
    root.handlers[:] = handlers
    root.filters[:] = filters
    for name, (enabled, types, deferred) in _STATE["formatters"].items():
        f = ip.display_formatter.formatters.get(name)
        if f is not None:
            f.enabled = enabled
            f.type_printers.clear()
            f.type_printers.update(types)
            f.deferred_printers.clear()
            f.deferred_printers.update(deferred)
    sys.setrecursionlimit(_STATE["recursion"])
    os.chdir(cwd)
    import random

    random.seed()
    np.random.seed()  # noqa: NPY002  (the legacy global state a fresh kernel seeds from entropy)
    _STATE["opened"] = set()
    _STATE["recording"] = True


def _differs(a, b) -> bool:
    try:
        return bool(a != b)
    except Exception:  # values that do not compare (arrays): restore to be sure
        return True


def opened() -> str:
    """Stop recording; the files the report opened for reading, as a JSON list."""
    _STATE["recording"] = False
    return json.dumps(sorted(_STATE.get("opened", ())))


# --------------------------------------------------------------------------------------
# In the runner
# --------------------------------------------------------------------------------------

ENGINE = "scoring-warm"
_KERNEL_SIDE = "__import__('scoring.reports.warm', fromlist=['warm'])"


class KernelError(RuntimeError):
    """The warm kernel could not be started or prepared."""


#: Environment variables a kept kernel takes from each run that reuses it instead of from its start:
#: read at each call, never at import (the cache folder). A kernel given another cache folder than its
#: last report's forgets the results it kept in memory, as a new kernel would have none.
PER_RUN_ENV = ("SCORING_CACHE_DIR",)


def _context(kernel_name: str) -> tuple:
    """What a kept kernel must share with the run that reuses it, as a fresh kernel would: the
    kernel, the interpreter, the environment the kernel inherited (but the variable pytest sets
    for each test and :data:`PER_RUN_ENV`, which :func:`prepare` sets for each report) and the state of
    this package's source files (a kernel holding other code is never reused)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = tuple((str(p), st.st_mtime_ns, st.st_size) for p in sorted(root.rglob("*.py")) for st in [p.stat()])
    environ = tuple(sorted((k, v) for k, v in os.environ.items()
                           if k != "PYTEST_CURRENT_TEST" and k not in PER_RUN_ENV))
    return kernel_name, sys.executable, environ, files


def _run_env() -> dict[str, str | None]:
    """This run's values of :data:`PER_RUN_ENV`, for :func:`prepare` in its kernels."""
    return {key: os.environ.get(key) for key in PER_RUN_ENV}


def _covers(imported, wanted) -> bool:
    """Whether a kernel that imported ``imported`` has everything of ``wanted`` (a ``scoring``
    package stands for every module in it: :func:`setup`)."""
    scoring = [m for m in imported if m.split(".")[0] == "scoring"]
    return all(w in imported or any(w.startswith(f"{m}.") for m in scoring) for w in wanted)


#: Idle kernels of finished runs of this process, the most recent last (:meth:`WarmKernel.park`):
#: the next run (a notebook or a test session making report after report) skips their start.
_PARKED: list[WarmKernel] = []
_PARK_LOCK = threading.Lock()
#: At most this many are kept (each holds what its reports loaded: the year's model, say).
PARK_MAX = 2


def stop_kernels(*, wait: bool = True) -> int:
    """Stop the kernels kept for the next run (at the latest when the process ends); how many.
    ``wait=False`` (a command that ends now): each is killed without waiting for it to end."""
    with _PARK_LOCK:
        parked = list(_PARKED)
        _PARKED.clear()
    for kernel in parked:
        kernel.shutdown(wait=wait)
    return len(parked)


atexit.register(stop_kernels)


def _register_engine() -> None:
    """Register the Papermill engine that runs a notebook in a given, running kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import remove_args

    if ENGINE in papermill_engines._engines:
        return

    class WarmEngine(NBClientEngine):
        """nbclient with a kernel manager and client that outlive the run."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     km=None, kc=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
            )
            client.kc = kc  # the worker's client: nbclient neither opens nor closes channels
            return client.execute()

    papermill_engines.register(ENGINE, WarmEngine)


class WarmKernel:
    """One worker's kernel: started and warmed once, prepared before each report.

    Use from one thread only (the kernel client lives on that thread's event loop).

    Parameters
    ----------
    kernel_name : the Jupyter kernel (``python3``).
    imports : modules to import at warm-up (:data:`WARM_IMPORTS`).
    startup_timeout : seconds to wait for the kernel to start and warm up.
    """

    def __init__(self, kernel_name: str = "python3", imports=WARM_IMPORTS, startup_timeout: float = 120):
        self.kernel_name = kernel_name
        self.imports = tuple(imports)
        self.startup_timeout = startup_timeout
        self.km = None
        self.kc = None
        self.starts = 0
        self.reports = 0
        self.warmup_seconds: float | None = None
        self.killed = False  # by kill(): the run is stopping, no kernel is started again
        self.context: tuple | None = None  # _context() when started: what a later run must share to reuse it

    # -- life cycle

    @property
    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self._alive)())

    async def _alive(self):
        from jupyter_core.utils import ensure_async

        return await ensure_async(self.km.is_alive())

    def start(self, launched: Callable[[], None] | None = None) -> None:
        """Start a new kernel and warm it up (imports, state snapshot); ``launched()`` is called
        as soon as its process runs, before the warm-up."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        begin = time.perf_counter()
        self.context = _context(self.kernel_name)
        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        # ipykernel's start/stop notices ("running over TCP without encryption") are noise
        # and the input history stays in memory (nbclient does the same for the kernels it starts);
        # the warm-up runs as the kernel starts, before it answers (no statement's value is shown)
        run_sync(self.km.start_kernel)(
            extra_arguments=["--log-level=CRITICAL", "--HistoryManager.hist_file=:memory:",
                             f"--IPKernelApp.exec_lines=if True: {_KERNEL_SIDE}.setup({self.imports!r})"])
        if launched is not None:
            launched()
        load_papermill()  # while the kernel warms up: every report through it needs Papermill
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            seconds = self._warm_up(self.imports, started=True)
        except Exception:
            self.shutdown()
            raise
        self.kc.allow_stdin = False
        self.starts += 1
        self.reports = 0
        self.warmup_seconds = time.perf_counter() - begin
        logger.debug("warm kernel %d ready in %.1f s (imports %.1f s)", self.starts, self.warmup_seconds, seconds)

    def _warm_up(self, imports, *, started: bool = False) -> float:
        """Import ``imports`` in the kernel and remember its state (:func:`setup`; ``started``: as the
        kernel started, :func:`warmed`); the seconds it took."""
        call = "warmed" if started else "setup"
        info = json.loads(self._call(f"{_KERNEL_SIDE}.{call}({tuple(imports)!r})", self.startup_timeout))
        for name, why in info.get("failed", {}).items():
            logger.warning("warm kernel: could not import %s: %s", name, why)
        return info.get("seconds", 0)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the kernel (immediately) and close the client; safe to call twice. ``wait=False``: kill
        its process and go on (jupyter_client waits for it to end in steps of 0.1 s)."""
        from jupyter_core.utils import run_sync

        kc, km, self.kc, self.km = self.kc, self.km, None, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        if km is not None:
            try:
                if wait or km.provisioner is None:
                    run_sync(km.shutdown_kernel)(now=True)
                else:
                    run_sync(km.provisioner.kill)()
            except Exception as exc:
                logger.debug("warm kernel shutdown: %s", exc)
            try:
                run_sync(km.cleanup_resources)()
            except Exception:
                pass

    def park(self) -> None:
        """Keep this kernel, idle, for the next run of this process (:func:`reuse`); one that
        died, was killed or cannot be detached is stopped instead. The client is closed: the
        next run's thread opens its own."""
        if self.km is None or self.killed or not self.alive:
            self.shutdown()
            return
        try:
            self.kc.stop_channels()
        except Exception:
            self.shutdown()
            return
        self.kc = None
        with _PARK_LOCK:
            _PARKED.append(self)
            evicted = _PARKED[:max(0, len(_PARKED) - PARK_MAX)]
            del _PARKED[:len(evicted)]
        for kernel in evicted:
            kernel.shutdown()

    @classmethod
    def reuse(cls, kernel_name: str, imports) -> WarmKernel | None:
        """A kernel a finished run of this process left (:meth:`park`), if one started under the
        same conditions (:func:`_context`); None otherwise. One that imported at least ``imports``
        is taken first; another is reset and imports the rest now, as a kernel started for both runs
        would have at its start (a second of imports instead of a new kernel's few seconds)."""
        from jupyter_core.utils import run_sync

        if not _PARKED:
            return None
        context = _context(kernel_name)
        with _PARK_LOCK:
            same = [k for k in _PARKED if k.context == context]
            found = next((k for k in same if _covers(k.imports, imports)), same[-1] if same else None)
            if found is None:
                return None
            _PARKED.remove(found)
        try:  # a client of this thread's own
            found.kc = found.km.client()
            found.kc.start_channels()
            run_sync(found.kc.wait_for_ready)(timeout=30)
            missing = tuple(m for m in imports if not _covers(found.imports, (m,)))
            if missing:
                found._call(f"{_KERNEL_SIDE}.prepare({os.getcwd()!r}, {_run_env()!r})", 60)  # fresh, then imports
                found._warm_up(missing)
                found.imports = (*found.imports, *missing)
        except Exception as exc:
            logger.debug("a kept kernel could not be reused: %s", exc)
            found.shutdown()
            return None
        logger.debug("warm kernel %d reused%s", found.starts, f", importing {', '.join(missing)}" if missing else "")
        return found

    def kill(self) -> None:
        """Kill the kernel process at once (from any thread: on Ctrl-C while a report runs)."""
        self.killed = True
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None:
            try:
                process.kill()
            except OSError:
                pass

    def restart(self) -> None:
        self.shutdown()
        self.start()

    # -- reports

    def prepare(self, cwd: str) -> None:
        """Reset the kernel for the next report (starting or replacing it when needed)."""
        for attempt in (1, 2):
            if self.killed:
                raise KernelError("the run was stopped")
            try:
                if self.km is None or not self.alive:
                    if self.km is not None:
                        logger.warning("warm kernel died; starting a new one")
                    self.shutdown()
                    self.start()
                self._call(f"{_KERNEL_SIDE}.prepare({cwd!r}, {_run_env()!r})", 60)
                return
            except Exception as exc:
                if attempt == 2:
                    raise KernelError(f"could not prepare a kernel: {type(exc).__name__}: {exc}") from exc
                logger.warning("warm kernel could not be prepared (%s); starting a new one", exc)
                self.shutdown()

    def run(self, notebook: str, output: str, parameters: dict, timeout: int | None, **kwargs):
        """Execute one notebook with Papermill in this kernel; returns the executed notebook."""
        papermill = load_papermill()
        _register_engine()
        self.reports += 1
        return papermill.execute_notebook(
            notebook, output, parameters=parameters, engine_name=ENGINE,
            kernel_name=self.kernel_name, km=self.km, kc=self.kc,
            execution_timeout=timeout, start_timeout=self.startup_timeout,
            **kwargs,
        )

    def opened(self) -> list[str]:
        """The files the last report opened for reading."""
        return json.loads(self._call(f"{_KERNEL_SIDE}.opened()", 30))

    def _call(self, expression: str, timeout: float) -> str:
        """Evaluate ``expression`` in the kernel without touching its history; its value as str."""
        from jupyter_core.utils import run_sync

        return run_sync(self._acall)(expression, timeout)

    async def _acall(self, expression: str, timeout: float) -> str:
        import ast

        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"value": expression}, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the kernel did not answer within {timeout} s")
            try:  # a second at a time, so that a kernel that died (or was killed) is noticed
                reply = await self.kc.get_shell_msg(timeout=min(remaining, 1.0))
            except queue.Empty:
                if not await self._alive():
                    raise KernelError("the kernel died") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        value = content.get("user_expressions", {}).get("value", {})
        if content.get("status") != "ok" or value.get("status") != "ok":
            err = value if value.get("status") == "error" else content
            raise KernelError(f"{err.get('ename', 'error')}: {err.get('evalue', '')}")
        text = value["data"]["text/plain"]
        return ast.literal_eval(text) if text[:1] in "'\"" else text

