"""Writing files atomically: a temporary file in the same folder, then ``os.replace``, so a
reader (or a crash) never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .problems import InputError, Problem, display_path, os_reason

__all__ = ["write_atomically"]


def write_atomically(path: str | Path, data: bytes | str) -> Path:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one step; returns the path.

    Raises
    ------
    InputError
        Naming the file and why it cannot be written (a folder in its place, no permission, a full
        disk); the file is then as it was.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as e:
        raise InputError([Problem(display_path(path), None, None, f"{os_reason(e, 'write')}; not written")]) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    return path
