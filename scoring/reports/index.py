"""``reports/index.html``: one page linking every report found under the output folder."""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..paths import REPORTS_DIR
from .page import check_page, document
from .runner import BLIND_SUFFIX, REPORT_KINDS, class_label

__all__ = ["write_index"]

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
    from the year's rubric when it can be read). A self-contained page with the
    reports' stylesheet and Content-Security-Policy and relative links, so the folder
    can be zipped and mailed. Written atomically.
    """
    out_dir = Path(out_dir if out_dir is not None else REPORTS_DIR).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now().astimezone()
    reports = _find_reports(out_dir)
    labels: dict[tuple[str, int], str] = {}

    parts = [
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
            blind = name.endswith(BLIND_SUFFIX)
            cls = name[:-len(BLIND_SUFFIX)] if blind else name
            if (cls, year) not in labels:
                labels[cls, year] = class_label(cls, year, data_dir)
            label = labels[cls, year] + (" (anonymiserat)" if blind else "")
        text = REPORT_KINDS[kind].label.format(label=label)
        href = quote(path.relative_to(out_dir).as_posix())
        mtime = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        extra = f"uppdaterad {mtime:%Y-%m-%d %H:%M}"
        nb = path.with_suffix(".ipynb")
        if nb.is_file():
            nb_href = quote(nb.relative_to(out_dir).as_posix())
            extra += f' · <a href="{escape(nb_href)}">notebook</a>'
        parts.append(
            f'<li><a href="{escape(href)}">{escape(text)}</a>'
            f'<span class="meta">{extra}</span></li>'
        )
    if current_year is not None:
        parts.append("</ul></section>")
    parts.append(
        "<footer>Genererad av <code>scoring report</code>. Mappen kan zippas och skickas "
        "som den är: alla länkar är relativa och sidorna hämtar inget från internet.</footer>"
    )
    page = document("Rapporter – Kvalitetsutmärkelsen", "\n".join(parts), body_class="index")
    check_page(page)
    index = out_dir / "index.html"
    tmp = out_dir / f".index.{uuid.uuid4().hex[:8]}.tmp.html"
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, index)
    finally:
        tmp.unlink(missing_ok=True)
    return index
