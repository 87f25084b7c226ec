"""Everything a report run published, searched for the names and addresses of ``people.csv``.

Two searches over every file under the reports folder (hidden ones, the manifest and the index
included; zips opened): the privacy guard's, and plain text with case and accents ignored, which
knows nothing of the guard. Shared by the send-list tests and the whole run of the real notebooks.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

from scoring.data.people import personal_data
from scoring.reports import privacy

_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _unmarked(m: re.Match) -> str:
    return "".join(c for c in m.group() if not unicodedata.combining(c))


def fold(text: str) -> str:
    """NFKD, combining marks dropped, case folded (not the guard's own :func:`scoring.names.fold`)."""
    return _NOT_ASCII.sub(_unmarked, unicodedata.normalize("NFKD", text)).casefold()


def _texts(path: Path):
    """Every text of a file, a zip's members opened: (where, text)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                yield f"{path}!{member}", member + "\n" + z.read(member).decode("utf-8", "replace")
    else:
        yield str(path), path.read_bytes().decode("utf-8", "replace")


def published_findings(out: Path, people_csv: Path) -> list[str]:
    """What of ``people_csv`` any file under ``out`` holds: each finding as a line naming the file."""
    names, emails = personal_data(people_csv)
    forbidden = privacy.Forbidden(names=names, emails=emails)
    # whole names, addresses and surnames (a short first name could be in random base64 by chance)
    words = {fold(w) for w in [*names, *emails]} | {fold(n.split()[-1]) for n in names}
    files = sorted(p for p in Path(out).rglob("*") if p.is_file())
    assert files, out
    found = []
    for path in files:
        found += [str(f) for f in privacy.scan([path], forbidden)]
        for where, text in _texts(path):
            folded = fold(text)
            found += [f"{where}: {w}" for w in sorted(words) if w in folded]
    return found
