"""``reports/index.html``: one page for the administrator linking every report under the output folder.

Per year (newest first) and kind of report (the order of
:data:`~scoring.reports.runner.REPORT_KINDS`, each under its Swedish heading), one row
per report: the link (class by its Swedish label, examiner and trainee by code only),
when it was made, and from which data: the input files and the start of each one's
SHA-256, from ``manifest.json`` (:mod:`scoring.reports.manifest`). Inputs shared by every
report of a group are shown once above its table. The zips of ``<year>/send/`` are
listed under the year. Every link is relative, so the folder can be moved or zipped as
it is.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..kinds import REPORT_KINDS
from ..paths import REPORTS_DIR
from . import manifest
from .bundle import SEND_DIR
from .kind import ReportKind
from .page import check_page, document

__all__ = ["write_index", "find_reports"]

#: Characters of a SHA-256 shown in the index (the manifest keeps all of it).
SHORT_SHA = 12


def find_reports(out_dir: str | Path) -> list[tuple[int, str, str | None, Path]]:
    """(year, kind, name, html) for every report HTML under ``out_dir``, newest year first."""
    out_dir = Path(out_dir)
    found: dict[Path, tuple[int, str, str | None, Path]] = {}
    for year_dir in out_dir.iterdir() if out_dir.is_dir() else ():
        if not (year_dir.is_dir() and re.fullmatch(r"\d{4}", year_dir.name)):
            continue
        year = int(year_dir.name)
        for kind in REPORT_KINDS.values():
            for f in year_dir.glob(kind.glob()):
                rel = f.relative_to(year_dir)
                if f in found or any(p.startswith(".") for p in rel.parts) or not f.is_file():
                    continue
                name = _name_of(kind, rel)
                if name is not False:
                    found[f] = (year, kind.name, name, f)
    order = {name: i for i, name in enumerate(REPORT_KINDS)}  # read now: kinds may be added later
    return sorted(found.values(), key=lambda r: (-r[0], order[r[1]], (r[2] or "").casefold()))


def _name_of(kind: ReportKind, rel: Path) -> str | None | bool:
    """The report name a path of this kind stands for; False if the path is not of this kind."""
    pattern = re.escape(kind.output).replace(re.escape("{name}"), "(?P<name>.+)")
    m = re.fullmatch(pattern + r"\.html", rel.as_posix())
    if m is None:
        return False
    if "name" not in m.groupdict():
        return None
    name = m["name"]
    parts = len(kind.parameter) if isinstance(kind.parameter, tuple) else 1
    return name if name.count("/") == parts - 1 else False


def write_index(out_dir: str | Path | None = None, *, data_dir: str | Path | None = None) -> Path:
    """Write ``<out_dir>/index.html`` linking every report HTML found under ``out_dir``.

    A self-contained page with the reports' stylesheet and Content-Security-Policy and
    relative links. Written atomically.
    """
    out_dir = Path(out_dir if out_dir is not None else REPORTS_DIR).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now().astimezone()
    reports = find_reports(out_dir)
    made = manifest.load(out_dir)["reports"]

    def label_of(kind: ReportKind, name: str | None, year: int) -> str:
        return kind.link_text(name, year, data_dir)

    parts = [
        "<h1>Rapporter</h1>",
        '<p class="meta">Stockholms stads kvalitetsutmärkelse · '
        f'sidan skapad <time datetime="{now.isoformat(timespec="seconds")}">'
        f"{now:%Y-%m-%d %H:%M}</time>. Varje rapport visar när den gjordes och från vilka "
        "datafiler (med början av filens SHA-256-kontrollsumma).</p>",
    ]
    if not reports:
        parts.append('<p class="empty">Inga rapporter ännu. Skapa dem med '
                     "<code>scoring report --year 2024</code>.</p>")
    years = sorted({r[0] for r in reports} | set(_years_with_send(out_dir)), reverse=True)
    for year in years:
        parts.append(f'<section id="ar-{year}"><h2>{year}</h2>')
        for kind_name in REPORT_KINDS:
            group = [r for r in reports if r[0] == year and r[1] == kind_name]
            if group:
                parts.append(_group(REPORT_KINDS[kind_name], group, made, out_dir, label_of))
        parts.append(_send(out_dir, year))
        parts.append("</section>")
    log = (f'Uppgifterna om källdata finns också i <a href="{manifest.FILE}">{manifest.FILE}</a>. '
           if (out_dir / manifest.FILE).is_file() else "")
    parts.append(
        "<footer>Genererad av <code>scoring report</code>. Mappen kan flyttas eller zippas och "
        "skickas som den är: alla länkar är relativa och sidorna hämtar inget från internet. "
        f"{log}Återkopplingen till examinatorer och deltagare är personlig: skicka var och en "
        "bara sin egen zip-fil ur mappen <code>send</code>.</footer>"
    )
    page = document("Rapporter – Kvalitetsutmärkelsen", "\n".join(p for p in parts if p), body_class="index")
    check_page(page)
    index = out_dir / "index.html"
    tmp = out_dir / f".index.{uuid.uuid4().hex[:8]}.tmp.html"
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, index)
    finally:
        tmp.unlink(missing_ok=True)
    return index


def _href(path: Path, out_dir: Path) -> str:
    return escape(quote(path.relative_to(out_dir).as_posix()))


def _group(kind: ReportKind, group, made: dict, out_dir: Path, label_of) -> str:
    heading = kind.section or kind.label.format(label="").strip(" –")
    rows = []
    infos = [made.get(path.relative_to(out_dir).as_posix()) for _, _, _, path in group]
    inputs = [_inputs_key(info) for info in infos]
    shared = inputs[0] if len(inputs) > 1 and inputs[0] and all(i == inputs[0] for i in inputs) else None
    out = [f"<h3>{escape(heading)}</h3>"]
    if shared:
        out.append(f'<div class="provenance">Källdata för alla rapporter nedan: {_inputs_html(infos[0])}</div>')
    session = None
    for (year, _, name, path), info in zip(group, infos, strict=True):
        if name is not None and "/" in name and name.split("/")[0] != session:
            session = name.split("/")[0]
            rows.append(f'<tr><th scope="rowgroup" colspan="3">{escape(session)}</th></tr>')
        when, source = _made(info, path)
        link = f'<a href="{_href(path, out_dir)}">{escape(label_of(kind, name, year))}</a>'
        nb = path.with_suffix(".ipynb")
        if nb.is_file():
            link += f' <span class="meta">(<a href="{_href(nb, out_dir)}">notebook</a>)</span>'
        data = "" if shared else source
        rows.append(f"<tr><td>{link}</td><td>{when}</td><td>{data}</td></tr>")
    out.append(
        '<table class="reports"><thead><tr><th scope="col">Rapport</th><th scope="col">Gjord</th>'
        f'<th scope="col">Källdata</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    return "\n".join(out)


def _inputs_key(info: dict | None):
    if not info or not info.get("inputs"):
        return None
    return tuple((i.get("file"), i.get("sha256")) for i in info["inputs"])


def _made(info: dict | None, path: Path) -> tuple[str, str]:
    """(when made, its data as HTML) from the manifest, else the file's time and 'okänd'."""
    if info and info.get("made"):
        try:
            when = datetime.fromisoformat(info["made"])
        except ValueError:
            when = None
        if when is not None:
            return (f'<time datetime="{escape(info["made"])}">{when:%Y-%m-%d %H:%M}</time>',
                    _inputs_html(info))
    mtime = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    return (f'<time datetime="{mtime.isoformat(timespec="seconds")}">{mtime:%Y-%m-%d %H:%M}</time>',
            '<span class="meta">okänd (gjord före körningsloggen)</span>')


def _inputs_html(info: dict | None) -> str:
    inputs = (info or {}).get("inputs") or []
    if not inputs:
        return '<span class="meta">okänd</span>'
    where = escape(str(info.get("data_dir") or ""))
    items = "".join(
        f"<li><code>{escape(str(i.get('file')))}</code> "
        f"<code class=\"sha\">{escape((i.get('sha256') or 'saknas')[:SHORT_SHA])}</code></li>"
        for i in inputs
    )
    n = len(inputs)
    summary = f"{n} {'fil' if n == 1 else 'filer'}" + (f" i <code>{where}</code>" if where else "")
    return f"<details><summary>{summary}</summary><ul class=\"inputs\">{items}</ul></details>"


def _years_with_send(out_dir: Path) -> Iterable[int]:
    for year_dir in out_dir.iterdir() if out_dir.is_dir() else ():
        if re.fullmatch(r"\d{4}", year_dir.name) and any((year_dir / "send").glob("*.zip")):
            yield int(year_dir.name)


def _send(out_dir: Path, year: int) -> str:
    shared = {k.bundle: k.bundle_label for k in REPORT_KINDS.values() if k.bundle}
    zips = sorted((out_dir / str(year) / SEND_DIR).glob("*.zip"))
    zips = [z for z in zips if not z.name.startswith(".")]
    if not zips:
        return ""
    items = []
    for z in sorted(zips, key=lambda z: (z.name not in shared, z.name.casefold())):
        text = shared.get(z.name) or z.stem
        items.append(f'<li><a href="{_href(z, out_dir)}">{escape(text)}</a></li>')
    return (f"<h3>Att skicka ut</h3><p>En zip-fil per person med bara hens egna rapporter, "
            f"och en för juryn.</p><ul class=\"send\">{''.join(items)}</ul>")
