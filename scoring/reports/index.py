"""``reports/index.html``: one page for the administrator linking every report of the output folder.

Per year (newest first, each year a ``<details>`` that opens without a script, the newest open)
and kind of report (the order of :data:`~scoring.kinds.REPORT_KINDS`, each under its Swedish
heading; kinds that share a heading share it), one row per report: the link (class by its
Swedish label, examiner and trainee by code only) and, where ``--pdf`` made one from this very
page, its PDF; when it was made; and from which data: the input files and the start of each
one's SHA-256, from the reports' records (:mod:`scoring.reports.manifest`). Every row says
it: inputs shared by every report of a table are listed once above it and each row gives
their count, so rows made from the same files read the same. The executed notebook beside each
report is mentioned once, at the top: the page is for the administrator, who sends reports and
checks their data, not for the analyst who opens a notebook (and knows where it lies).

Only reports this tool made are listed (a file of someone else's in the folder never is). The
zips of ``<year>/send/`` this tool wrote are listed under the year, a shared zip with what it
holds, and a zip that no longer holds what it should (:func:`scoring.reports.bundle.out_of_date`)
says so; where the year has a team plan, who has not yet handed in everything
(:func:`scoring.data.register.hand_in_status`). Every link is relative, so the folder can be
moved or zipped as it is. An ``index.html`` this tool did not write is never replaced.

:class:`Listing` keeps ``manifest.json`` and ``index.html`` true while a run publishes.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from ..kinds import REPORT_KINDS
from ..paths import REPORTS_DIR
from ..presentation import glossary
from ..presentation.render import isolate_value
from ..problems import display_path
from . import manifest
from .bundle import SEND_DIR, out_of_date, report_label, report_name
from .kind import ReportKind
from .page import check_page, document

__all__ = ["write_index", "find_reports", "Listing"]

#: Characters of a SHA-256 shown in the index (the manifest keeps all of it).
SHORT_SHA = 12

#: In every index this tool writes (how it knows an ``index.html`` for its own).
FOOTER = "<footer>Genererad av <code>scoring report</code>."

#: Where a report's data is not known (being made again, or made before the records).
UNKNOWN = "okänd (rapporten görs om eller gjordes före körningsloggen)"


def find_reports(out_dir: str | Path, made: Mapping[str, dict] | None = None
                 ) -> list[tuple[int, str, str | None, Path]]:
    """(year, kind, name, html) for every report this tool made under ``out_dir``, newest year first.

    ``made``: the manifest's entries (default: from the records, :func:`manifest.entries`).
    """
    out_dir = Path(out_dir)
    made = manifest.entries(out_dir) if made is None else made
    found = []
    for rel, info in made.items():
        kind = REPORT_KINDS.get(str(info.get("kind")))
        html = out_dir / rel
        parts = Path(rel).parts
        if kind is None or len(parts) < 2 or not re.fullmatch(r"[0-9]{4}", parts[0]) or not html.is_file():
            continue
        name = report_name(kind, Path(*parts[1:]))
        found.append((int(parts[0]), kind.name, info.get("name") if name is False else name, html))
    order = {name: i for i, name in enumerate(REPORT_KINDS)}  # read now: kinds may be added later
    return sorted(found, key=lambda r: (-r[0], order[r[1]], (r[2] or "").casefold()))


def write_index(out_dir: str | Path | None = None, *, data_dir: str | Path | None = None,
                made: Mapping[str, dict] | None = None) -> Path:
    """Write ``<out_dir>/index.html`` linking every report this tool made under ``out_dir``.

    A self-contained page with the reports' stylesheet and Content-Security-Policy and
    relative links. Written atomically. ``made``: the reports with their provenance, as the
    manifest's entries; by default they are read from the records on disk
    (:func:`manifest.entries`) and ``manifest.json`` is written from them too (in a folder
    that carries this tool's manifest or records), so the two agree.
    Raises ValueError if ``index.html`` exists and this tool did not write it.
    """
    out_dir = Path(out_dir if out_dir is not None else REPORTS_DIR).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "index.html"
    if index.exists() and not _ours(index):
        raise ValueError(f"{display_path(index)}: scoring report did not write this file, so it is left as it "
                         f"is; move it away to have the index written (the reports are listed in {manifest.FILE})")
    now = datetime.now().astimezone()
    if made is None:
        made = manifest.entries(out_dir)
        if manifest.is_ours(out_dir):
            manifest.write(out_dir, made)
    made = dict(made)
    reports = find_reports(out_dir, made)
    zips = manifest.zips(out_dir)

    parts = [
        "<h1>Rapporter</h1>",
        f'<p class="meta">Stockholms stads kvalitetsutmärkelse · sidan skapad '
        f'<time datetime="{now.isoformat(timespec="seconds")}">{now:%Y-%m-%d %H:%M}</time></p>',
        "<p>Varje rapport visar när den gjordes och från vilka datafiler, med början av varje fils "
        "SHA-256-kontrollsumma. Där en PDF gjordes (<code>scoring report --pdf</code>) länkas den bredvid "
        "rapporten. Bredvid varje rapport ligger också den körda notebooken, med samma namn och ändelsen "
        "<code>.ipynb</code>, för den som vill granska beräkningarna.</p>",
    ]
    if not reports:
        parts.append('<p class="empty">Inga rapporter ännu. Skapa dem med '
                     "<code>scoring report --year 2024</code>.</p>")
    years = sorted({r[0] for r in reports} | {int(z.split("/")[0]) for z in zips if re.match(r"[0-9]{4}/", z)},
                   reverse=True)
    for year in years:
        body = []
        for heading, kinds in _headings():
            tables = [_group(kind, group, made, out_dir, data_dir) for kind in kinds
                      if (group := [r for r in reports if r[0] == year and r[1] == kind.name])]
            if tables:
                body.append(f"<h3>{escape(heading)}</h3>\n" + "\n".join(tables))
        body += [_send(out_dir, year, zips, made, data_dir), *office_notes(data_dir, year)]
        opened = " open" if year == years[0] else ""
        parts.append(f'<section id="ar-{year}"><details class="year"{opened}><summary><h2>{year}</h2></summary>\n'
                     + "\n".join(b for b in body if b) + "\n</details></section>")
    if reports:
        parts.append('<section id="ordlista"><h2>Ordlista</h2><p>Samma ord betyder samma sak i alla '
                     "rapporter:</p>" + glossary.definitions(glossary.TERMS).html + "</section>")
    log = (f'Uppgifterna om källdata finns också i <a href="{manifest.FILE}">{manifest.FILE}</a>. '
           if (out_dir / manifest.FILE).is_file() else "")
    parts.append(
        f"{FOOTER} Mappen kan flyttas eller zippas och "
        "skickas som den är: alla länkar är relativa och sidorna hämtar inget från internet. "
        f"{log}Återkopplingen till examinatorer och deltagare är personlig: skicka var och en "
        "bara sin egen zip-fil ur mappen <code>send</code>.</footer>"
    )
    page = document("Rapporter – Kvalitetsutmärkelsen", "\n".join(p for p in parts if p), body_class="index")
    check_page(page)
    tmp = out_dir / f".index.{uuid.uuid4().hex[:8]}.tmp.html"
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, index)
    finally:
        tmp.unlink(missing_ok=True)
    return index


def _headings() -> list[tuple[str, list[ReportKind]]]:
    """The kinds in index order under their headings; kinds in a row with the same heading share
    it (the trainer's report and the trainees' pages: one heading, a table each)."""
    out: list[tuple[str, list[ReportKind]]] = []
    for kind in REPORT_KINDS.values():  # read now: kinds may be added later
        heading = kind.section or kind.label.format(label="").strip(" –")
        if out and out[-1][0] == heading:
            out[-1][1].append(kind)
        else:
            out.append((heading, [kind]))
    return out


def _ours(index: Path) -> bool:
    try:
        return FOOTER in index.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _href(path: Path, out_dir: Path) -> str:
    return escape(quote(path.relative_to(out_dir).as_posix()))


def _group(kind: ReportKind, group, made: dict, out_dir: Path, data_dir) -> str:
    """One kind's table: a row per report; inputs every report of it shares are listed once above it."""
    rows = []
    infos = [made.get(path.relative_to(out_dir).as_posix()) for _, _, _, path in group]
    inputs = [_inputs_key(info) for info in infos]
    shared = inputs[0] if len(inputs) > 1 and inputs[0] and all(i == inputs[0] for i in inputs) else None
    out = []
    if shared:
        out.append(f'<div class="provenance">Källdata för alla rapporter nedan: {_inputs_html(infos[0])}</div>')
    session = None
    for (year, _, name, path), info in zip(group, infos, strict=True):
        if name is not None and "/" in name and name.split("/")[0] != session:
            session = name.split("/")[0]
            rows.append(f'<tr><th scope="rowgroup" colspan="3">{isolate_value(session)}</th></tr>')
        when, source = _made(info, path)
        label = kind.link_text(name, year, data_dir)
        link = f'<a href="{_href(path, out_dir)}">{isolate_value(label)}</a>' + _pdf(info, path, out_dir, label)
        data = f'<span class="same">{_count(info)}, samma som ovan</span>' if shared else source
        rows.append(f"<tr><td>{link}</td><td>{when}</td><td>{data}</td></tr>")
    out.append(
        '<table class="reports"><thead><tr><th scope="col">Rapport</th><th scope="col">Gjord</th>'
        f'<th scope="col">Källdata</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
    return "\n".join(out)


def _pdf(info: dict | None, html: Path, out_dir: Path, label: str) -> str:
    """The PDF made with this very page, linked (named for a screen reader by its report); a PDF
    beside it from an earlier version, said so."""
    if info and info.get("pdf") and (out_dir / info["pdf"]).is_file():
        return (f' <a class="pdf" href="{_href(out_dir / info["pdf"], out_dir)}" '
                f'aria-label="{escape(label)} som PDF">PDF</a>')
    if html.with_suffix(".pdf").is_file() and (info or {}).get("verified"):
        return (' <span class="meta">(PDF:en bredvid hör inte till den här versionen: gör om med '
                '<code>--pdf</code>)</span>')
    return ""


def _inputs_key(info: dict | None):
    if not info or not info.get("inputs"):
        return None
    return tuple((i.get("file"), i.get("sha256")) for i in info["inputs"])


def _count(info: dict | None) -> str:
    n = len((info or {}).get("inputs") or [])
    return f"{n} {'fil' if n == 1 else 'filer'}"


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
            f'<span class="meta">{UNKNOWN}</span>')


def _inputs_html(info: dict | None) -> str:
    inputs = (info or {}).get("inputs") or []
    if not inputs:
        return f'<span class="meta">{UNKNOWN}</span>'
    where = isolate_value(str(info.get("data_dir") or ""))
    items = "".join(
        f"<li><code>{isolate_value(str(i.get('file')))}</code> "
        f"<code class=\"sha\">{escape((i.get('sha256') or 'saknas')[:SHORT_SHA])}</code></li>"
        for i in inputs
    )
    summary = _count(info) + (f" i <code>{where}</code>" if where else "")
    return f"<details><summary>{summary}</summary><ul class=\"inputs\">{items}</ul></details>"


def _send(out_dir: Path, year: int, zips: Mapping[str, dict], made: Mapping[str, dict], data_dir) -> str:
    """The year's zips: each linked; a shared one with what it holds; one that no longer holds what
    it should, and a report that has no zip yet, said so with what to do."""
    shared = {k.bundle: k.bundle_label for k in REPORT_KINDS.values() if k.bundle}
    mine = {Path(rel).name: rec for rel, rec in zips.items() if Path(rel).parent == Path(str(year), SEND_DIR)}
    if not mine:
        return ""
    stale = out_of_date(out_dir, year, made, zips)
    again = (f' <strong class="stale">Inaktuell: gör om den med <code>scoring report --year {year} '
             "--bundle</code>.</strong>")
    items = []
    for name in sorted(mine, key=lambda n: (n not in shared, n.casefold())):
        z = out_dir / str(year) / SEND_DIR / name
        item = f'<a href="{_href(z, out_dir)}">{isolate_value(shared.get(name) or Path(name).stem)}</a>'
        if name in shared:
            item += _holds(mine[name], made, data_dir)
        items.append(f"<li>{item}{again if name in stale else ''}</li>")
    missing = [n for n in stale if n not in mine]
    lack = (f"<p>{len(missing)} {'rapport saknar' if len(missing) == 1 else 'rapporter saknar'} zip-fil: gör "
            f"dem med <code>scoring report --year {year} --bundle</code>.</p>" if missing else "")
    return (f"<h3>Att skicka ut</h3><p>En zip-fil per person med bara hens egna rapporter, "
            f"och en för juryn.</p>{lack}<ul class=\"send\">{''.join(items)}</ul>")


def _holds(record: dict, made: Mapping[str, dict], data_dir) -> str:
    """What a shared zip holds, from its record: each report by its link text (a PDF as such)."""
    labels = []
    for m in record.get("members") or []:
        rel = str(m.get("file"))
        html = Path(rel).with_suffix(".html").as_posix()
        label = report_label(html, made[html], data_dir) if html in made else Path(rel).name
        labels.append(label + (" (PDF)" if rel.endswith(".pdf") else ""))
    n = len(labels)
    items = "".join(f"<li>{isolate_value(label)}</li>" for label in labels)
    return (f' <details class="holds"><summary>innehåller {n} {"fil" if n == 1 else "filer"}</summary>'
            f'<ul class="holds">{items}</ul></details>')


def office_notes(data_dir: str | Path | None, year: int) -> tuple[str, str]:
    """The year's hand-ins (:func:`_hand_ins`) and to-do list (:func:`_todo`), made once per state
    of the data's files and of the code (:func:`scoring.cache.cached`): a run rewrites the index
    as its reports are published, and the next run finds them in the cache."""
    from ..cache import cache_key, cached, folder_state
    from ..paths import DATA_DIR

    folder = Path(data_dir if data_dir is not None else DATA_DIR).resolve()
    # every file of the data folder counts (a session's hand-ins, the scorebooks, people.csv ...)
    return cached("office-notes", cache_key(folder, folder_state(folder), year=year, files=[]),
                  lambda: (_hand_ins(folder, year), _todo(folder, year)), tuple)


def _todo(data_dir: str | Path | None, year: int) -> str:
    """What the office still has to do for the year, as each kind declares it (``ReportKind.todo``)."""
    from ..paths import DATA_DIR

    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    if not (data_dir / str(year)).is_dir():
        return ""
    items = []
    for kind in REPORT_KINDS.values():
        if kind.todo is not None:
            try:
                items += kind.todo(year, data_dir)
            except Exception as exc:  # the index is written whatever the data's state
                items.append(f"{kind.section}: kan inte läsas ({exc.__class__.__name__}); kör scoring validate")
    if not items:
        return ""
    return "<h3>Att göra</h3><ul>" + "".join(f"<li>{isolate_value(t)}</li>" for t in items) + "</ul>"


def _hand_ins(data_dir: str | Path | None, year: int) -> str:
    """Who has handed in what against the year's team plan (``scoring status``), when there is one."""
    from ..data.register import hand_in_status
    from ..paths import DATA_DIR
    from ..problems import InputError
    from ..rubric import load_rubric

    data_dir = Path(data_dir if data_dir is not None else DATA_DIR)
    if not (data_dir / str(year) / "assignments.csv").is_file():
        return ""
    try:
        status = hand_in_status(year, data_dir, load_rubric(year=year, data_dir=data_dir))
    except (InputError, ValueError, OSError):
        return ("<h3>Inlämning mot lagplanen</h3><p>Kan inte läsas: kör <code>scoring validate</code> på årets "
                "mapp.</p>")
    late = status[status["status"] != "done"]
    text = f"{len(status) - len(late)} av {len(status)} examinatorer har lämnat in allt enligt lagplanen."
    items = "".join(f"<li>{isolate_value(r['examiner_id'])}: saknar {isolate_value(r['missing'])}</li>"
                    for _, r in late.iterrows())
    remind = f"<p>Påminn:</p><ul class=\"send\">{items}</ul>" if items else ""
    return f"<h3>Inlämning mot lagplanen</h3><p>{text}</p>{remind}"


class Listing:
    """``manifest.json`` and ``index.html`` kept true while a run publishes its reports.

    At the start the reports the run will make again (``pending``) are listed without inputs;
    as each is published, its own record takes that place; :meth:`finish` makes both again
    from the records on disk. So at no moment, also after a kill, does either claim data a
    report was not made from. During the run the two are rewritten at most so often that
    writing them takes about a tenth of the time. Errors (an ``index.html`` someone else
    wrote) are collected in ``errors`` by file (``"manifest"``, ``"index"``), once each.
    """

    def __init__(self, out_dir: Path, data_dir: Path | None, pending: Iterable[Path]):
        self.out_dir, self.data_dir = Path(out_dir), data_dir
        self.made = manifest.entries(self.out_dir, pending)
        self.errors: dict[str, str] = {}
        self._next = 0.0
        self.write(force=True)

    def published(self, record: dict | None) -> None:
        if record is not None:
            self.made[record["html"]] = manifest.listing_entry(record, self.out_dir)
            self.write()

    def write(self, force: bool = False) -> tuple[Path | None, Path | None]:
        """Write both (unless written very recently); returns their paths (None: not written)."""
        if not force and time.monotonic() < self._next:
            return None, None
        start = time.monotonic()
        written = (self._try("manifest", lambda: manifest.write(self.out_dir, self.made)),
                   self._try("index", lambda: write_index(self.out_dir, data_dir=self.data_dir, made=self.made)))
        self._next = time.monotonic() + 9 * (time.monotonic() - start)
        return written

    def finish(self) -> tuple[Path | None, Path | None]:
        """Both again from the records on disk (``manifest.json``, ``index.html``)."""
        self.made = manifest.entries(self.out_dir)
        return self.write(force=True)

    def _try(self, what: str, write) -> Path | None:
        if what in self.errors:
            return None
        try:
            return write()
        except ValueError as exc:
            self.errors[what] = str(exc)
        except OSError as exc:
            self.errors[what] = f"could not write the {what} in {display_path(self.out_dir)}: {exc}"
        return None
