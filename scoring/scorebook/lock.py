"""One writer at a time: a lock file created with ``O_EXCL`` beside what it guards.

``scoring import`` holds ``<data>/<year>/.scoring-import.lock`` from reading the year's
``scores.csv`` until it has written it, so two imports into one year at once (two
administrators on a shared drive) cannot lose each other's rows: the second waits a
little, then refuses, naming the lock file. ``scoring template`` holds a lock beside the
list of issued scorebooks while it adds to it. A lock left by a process that died is
taken over: when it is older than :data:`STALE_SECONDS`, or names a process of this
computer that no longer runs.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ..problems import InputError, Problem, display_path

__all__ = ["IMPORT_LOCK", "WAIT_SECONDS", "STALE_SECONDS", "hold"]

#: The lock file of a year's imports, in the year's folder (hidden: no report reads it).
IMPORT_LOCK = ".scoring-import.lock"
#: How long a second writer waits for the first before it refuses.
WAIT_SECONDS = 10.0
#: A lock older than this is left by a process that died (an import takes seconds).
STALE_SECONDS = 30 * 60
_POLL = 0.1

log = logging.getLogger(__name__)


@contextmanager
def hold(path: str | Path, what: str, *, done: str = "nothing imported", wait: float | None = None):
    """Hold the lock file ``path`` while the block runs; removed afterwards, whatever happens.

    Parameters
    ----------
    path : the lock file (its folder must exist).
    what : what the holder does, for the message another writer gets ("an import into 2024").
    done : what the refused writer did instead, for its message.
    wait : seconds to wait for another holder (default :data:`WAIT_SECONDS`).

    Raises
    ------
    InputError
        Naming the lock file, when another process still holds it after ``wait`` seconds,
        or the lock file cannot be created.
    """
    path = Path(path)
    wait = WAIT_SECONDS if wait is None else wait
    token = uuid.uuid4().hex
    me = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now().isoformat(timespec="seconds"),
          "what": what, "token": token}
    deadline = time.monotonic() + wait
    waiting = False
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if _stale(path, holder):
                _break(path)
                continue
            if time.monotonic() >= deadline:
                raise InputError([Problem(display_path(path), None, None, _busy(holder, done))]) from None
            if not waiting:
                log.info("waiting up to %.0f s for %s to finish (%s)", wait, holder.get("what") or "another process",
                         display_path(path))
                waiting = True
            time.sleep(_POLL)
            continue
        except OSError as e:
            raise InputError([Problem(display_path(path), None, None, f"cannot create the lock file: "
                                                                      f"{e.strerror or e}; {done}")]) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(json.dumps(me) + "\n")
        except BaseException:
            try:
                os.remove(path)  # ours: created a moment ago
            except OSError:
                pass
            raise
        break
    try:
        yield path
    finally:
        _release(path, token)


def _holder(path: Path) -> dict:
    """What the lock file says about its holder ({} when it is unreadable or being written)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _stale(path: Path, holder: dict) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False  # just released: try again
    except OSError:
        return False
    if age > STALE_SECONDS:
        return True
    pid = holder.get("pid")
    if os.name == "posix" and holder.get("host") == socket.gethostname() and isinstance(pid, int) and pid > 0:
        try:
            os.kill(pid, 0)  # signal 0: is it running?
        except ProcessLookupError:
            return True
        except OSError:
            return False  # running under another user
    return False


def _break(path: Path) -> None:
    """Remove a stale lock: renamed first, so that of two processes breaking it only one removes it."""
    aside = path.with_name(f"{path.name}.stale-{uuid.uuid4().hex}")
    try:
        os.replace(path, aside)
        os.remove(aside)
    except OSError:
        pass  # someone else broke or released it first


def _release(path: Path, token: str) -> None:
    """Remove the lock file if it is still ours (not if it was broken as stale and retaken)."""
    if _holder(path).get("token") == token:
        try:
            os.remove(path)
        except OSError:
            pass


def _busy(holder: dict, done: str) -> str:
    what = holder.get("what") or "another import or template"
    by = f" (process {holder['pid']} on {holder.get('host', '?')}, since {holder.get('since', '?')})" \
        if "pid" in holder else ""
    return (f"{what} is running{by}; {done}: run it again when that has finished. If none is running, delete "
            "this file")
