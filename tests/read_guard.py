"""Runtime guard: a test that reads input from outside the repository fails.

An audit hook (PEP 578, ``sys.addaudithook``) sees every ``open`` and every directory
listing in the test process. A read of a path outside the repository fails the test
during whose setup, call or teardown it happened, naming the path; a read outside any
test (collecting a module, a conftest) fails the session. Writes are not checked, so
output to temporary folders is fine.

Allowed outside the repository, because they are the machine rather than input:
the interpreter and its environment (``sys.prefix`` and friends), the system folders
(``/usr``, ``/etc``, ``/lib``, ``/lib64``, ``/proc``, ``/sys``, ``/dev``), the temporary folder
(``tempfile.gettempdir()``, and pytest's ``--basetemp`` when given: ``tmp_path`` lives
there), the user's matplotlib, Jupyter and IPython configuration and cache folders, and
``~/.pdbrc`` (read by the debugger that doctest starts).
Paths are resolved (symlinks followed) before they are judged, so a symlink inside the
repository that points outside is caught too.

Only this process is watched: notebook kernels and command-line subprocesses that tests
start are not. Their code lives in ``scoring/`` and ``notebooks/``, which the static scan in
``test_self_contained.py`` covers, and ``.ci/run`` runs the whole suite in a fresh clone
with nothing beside it.

This module imports nothing from the project, so ``test_self_contained.py`` can copy it
into a throw-away repository to show that it works.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from dataclasses import dataclass

import pytest

SYSTEM_DIRS = ("/usr", "/etc", "/lib", "/lib64", "/proc", "/sys", "/dev")
_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})
_WRITE_ONLY = os.O_WRONLY
_ACCESS_MODE = getattr(os, "O_ACCMODE", os.O_RDONLY | os.O_WRONLY | os.O_RDWR)
_busy = threading.local()  # set while a thread judges a path: no recursion into the hook


def _hook(event: str, args: tuple, _events=_EVENTS) -> None:
    """The process-wide audit hook: hands reads to the active guard. Called for every audit
    event of the process (hundreds of thousands per test file), so it returns at once for
    the others."""
    if event in _events:
        guard = ReadGuard._active
        if guard is not None and not getattr(_busy, "on", False):
            _busy.on = True
            try:
                guard.audit(event, args)
            finally:
                _busy.on = False


@dataclass(frozen=True)
class OutsideRead:
    """One read outside the repository: the resolved path and where it happened."""

    path: str
    nodeid: str | None  # None: outside any test (collection, conftest, session hooks)
    when: str | None  # "setup" | "call" | "teardown"


def user_config_paths() -> list[str]:
    """The user's matplotlib, Jupyter and IPython configuration, data and cache folders, and
    pdb's start-up file (doctest makes a ``pdb.Pdb``, which reads ``~/.pdbrc``)."""
    home = os.path.expanduser("~")
    dirs = [os.environ.get("IPYTHONDIR") or os.path.join(home, ".ipython"), os.path.join(home, ".pdbrc")]
    try:
        import matplotlib

        dirs += [matplotlib.get_configdir(), matplotlib.get_cachedir()]
    except ImportError:
        pass
    try:
        from jupyter_core import paths as jupyter_paths

        dirs += [jupyter_paths.jupyter_config_dir(), jupyter_paths.jupyter_data_dir(),
                 jupyter_paths.jupyter_runtime_dir(), *jupyter_paths.jupyter_path(),
                 *jupyter_paths.jupyter_config_path()]
    except ImportError:
        pass
    return dirs


def _prefix(path: str) -> str:
    """Resolved path with a trailing separator, so '/repo' does not match '/repository'
    (a file works too: a path is judged with a separator appended)."""
    return os.path.join(os.path.realpath(path), "")


class ReadGuard:
    """Records reads outside ``root`` (and the allowed folders); a pytest plugin.

    Parameters
    ----------
    root : the repository.
    allowed : further folders whose reads are fine (see the module docstring).
    """

    _active: ReadGuard | None = None  # the guard the process-wide audit hook reports to
    _hooked = False

    def __init__(self, root, allowed=()):
        self.root = _prefix(root)
        self.allowed = tuple(sorted({_prefix(p) for p in (root, *allowed) if p}))
        self.where: tuple[str, str] | None = None
        self.reads: list[OutsideRead] = []
        self._reported: set[int] = set()

    # ------------------------------------------------------------------ judging paths
    def is_outside(self, path) -> bool:
        """True when ``path`` (str, bytes or PathLike; relative to the working folder)
        resolves to a place outside the repository and the allowed folders."""
        p = os.path.realpath(os.fsdecode(path))
        return not (p + os.sep).startswith(self.allowed)

    @staticmethod
    def _is_read(event: str, args: tuple) -> bool:
        if event != "open":
            return True  # listing a folder reads it
        mode, flags = args[1], args[2]
        if isinstance(mode, str):
            return "r" in mode or "+" in mode
        return isinstance(flags, int) and (flags & _ACCESS_MODE) != _WRITE_ONLY

    def audit(self, event: str, args: tuple) -> None:
        path = args[0] if args else None
        if path is None or isinstance(path, int) or not self._is_read(event, args):
            return
        try:
            outside = self.is_outside(path)
        except (TypeError, ValueError, OSError):
            return
        if outside:
            nodeid, when = self.where or (None, None)
            self.reads.append(OutsideRead(os.path.realpath(os.fsdecode(path)), nodeid, when))

    # ------------------------------------------------------------------ installing
    @classmethod
    def install(cls, config: pytest.Config, root) -> ReadGuard:
        """Make a guard for ``root`` with the default allowed folders, hook it into this
        process and register it as a plugin of ``config``."""
        allowed = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                   *SYSTEM_DIRS, tempfile.gettempdir(), *user_config_paths()]
        if config.option.basetemp:
            allowed.append(str(config.option.basetemp))
        guard = cls(root, allowed)
        config.pluginmanager.register(guard, "read_guard")
        cls._active = guard
        if not cls._hooked:  # audit hooks cannot be removed: one per process
            sys.addaudithook(_hook)
            cls._hooked = True
        return guard

    # ------------------------------------------------------------------ pytest hooks
    def _phase(self, item, when):
        self.where = (item.nodeid, when)
        try:
            return (yield)
        finally:
            self.where = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item):
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item):
        return (yield from self._phase(item, "teardown"))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        rep = yield
        mine = [i for i, r in enumerate(self.reads)
                if r.nodeid == item.nodeid and r.when == call.when and i not in self._reported]
        if mine:
            self._reported.update(mine)
            paths = sorted({self.reads[i].path for i in mine})
            msg = (f"read {len(paths)} path(s) outside the repository {self.root.rstrip(os.sep)} "
                   f"during {call.when}:\n" + "\n".join(f"  {p}" for p in paths)
                   + "\nEvery input a test uses must live in the repository (tests/reference for data).")
            if rep.passed:
                rep.outcome = "failed"
                rep.longrepr = msg
            else:
                rep.sections.append(("read outside the repository", msg))
        return rep

    def pytest_sessionfinish(self, session):
        if any(r.nodeid is None for r in self.reads) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        if not self.reads:
            return
        terminalreporter.section("reads outside the repository", red=True)
        for path in sorted({r.path for r in self.reads}):
            who = sorted({r.nodeid or "outside any test (collection or a conftest)"
                          for r in self.reads if r.path == path})
            terminalreporter.line(f"{path}  <- {', '.join(who)}")
