"""Cheap checks of an ``.xlsx`` file before openpyxl parses it.

A workbook is a zip of XML parts. A file of a hundred kilobytes can unpack to millions of
cells, and openpyxl makes an object of every one of them (about 350 bytes and 10 µs
each), also of every cell of a merged range and of a range under a link. A scorebook is
small: tens of rows per sheet, a few thousand cells in all, well under a megabyte
unpacked. So before anything is parsed, :func:`check_xlsx` reads the zip's directory (the
unpacked size of every part, which is also the most the zip module will ever unpack of
it) and then streams each XML part through expat, counting elements, cells and the cells
of merged and linked ranges, and stops at the first limit passed: a hostile file costs a
fraction of a second and a few megabytes, whatever it unpacks to. What passes costs
openpyxl at most about two seconds: cells and their values take about 10 µs each, other
elements (styles, charts, rich text) up to 0.1 ms, hence their lower limit.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.parsers import expat

from openpyxl.utils.cell import range_boundaries

__all__ = [
    "MAX_BYTES", "MAX_UNPACKED", "MAX_PARTS", "MAX_CELLS", "MAX_ELEMENTS", "MAX_OTHER_ELEMENTS", "Refusal",
    "check_xlsx",
]  # fmt: skip

#: The file as sent (a scorebook is a few tens of kilobytes).
MAX_BYTES = 20_000_000
#: All its parts unpacked (a scorebook of all 28 entries of the demo's 2024, per question: 0.44 MB).
MAX_UNPACKED = 20_000_000
#: Parts in the zip (a scorebook has a dozen plus one per sheet).
MAX_PARTS = 1_000
#: Cells over all sheets, counting every cell of a merged range and of a range under a link
#: (openpyxl makes each of them); that scorebook of 28 entries per question has 7,400.
MAX_CELLS = 100_000
#: XML elements over all parts (that scorebook has 20,000: a cell is two or three).
MAX_ELEMENTS = 250_000
#: XML elements over all parts but cells, rows and their values and texts: styles, charts,
#: comments, rich text, the sheets' settings (a scorebook has a few hundred; that of 28 entries 1,100).
MAX_OTHER_ELEMENTS = 10_000

_CHUNK = 1 << 16
#: The namespaces of SpreadsheetML (transitional and strict), and its elements that are cheap
#: to read (cells, rows, their values and plain texts); expat names them "namespace local".
_MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_CHEAP = frozenset(f"{ns} {local}" for ns in _MAIN_NS for local in ("c", "v", "f", "is", "t", "row", "si"))
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
_SPREADSHEET_RELS = "xl/_rels/workbook.xml.rels"


@dataclass(frozen=True)
class Refusal:
    """Why a file is not opened: the message, and the sheet and cell where that is known."""

    message: str
    sheet: str | None = None
    cell: str | None = None


class _Stop(Exception):
    def __init__(self, refusal: Refusal):
        self.refusal = refusal


def check_xlsx(path: str | Path) -> Refusal | None:
    """None when the workbook is small enough to open, else why it is refused.

    Checked, in this order and without parsing anything but the zip's directory first:
    the number of parts and their unpacked size; then, part by part, a DOCTYPE or entity
    declaration (which no workbook has), the number of XML elements and the number of
    cells, merged cells and cells under a link. A file that is not a zip archive, or a
    damaged one, is left to the workbook reader to describe (None).
    """
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_PARTS:
                return Refusal(f"far too large for a scorebook: {len(infos):,} parts in the archive "
                               "(a scorebook has a few dozen); nothing read")
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_UNPACKED:
                return Refusal(f"far too large for a scorebook: it unpacks to {unpacked / 1e6:.0f} MB (a scorebook "
                               "unpacks to well under 1 MB); nothing read. Is it the right file?")
            sheets = _sheet_names(z)
            count = _Count()
            try:
                for info in infos:
                    if not info.is_dir():
                        _scan(z, info, count, sheets.get(info.filename))
            except _Stop as stop:
                return stop.refusal
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
        return None  # the reader says what is wrong with the file
    return None


@dataclass
class _Count:
    cells: int = 0
    elements: int = 0
    others: int = 0


def _scan(z: zipfile.ZipFile, info: zipfile.ZipInfo, count: _Count, sheet: str | None) -> None:
    """Stream one part through expat, counting; raise :class:`_Stop` at a limit."""
    part = info.filename
    parser = expat.ParserCreate(namespace_separator=" ")

    def over(message: str, cell: str | None = None) -> _Stop:
        return _Stop(Refusal(message, sheet, cell))

    def start(name: str, attrs: dict) -> None:
        count.elements += 1
        if name not in _CHEAP:
            count.others += 1
        local = name.rpartition(" ")[2]  # in any namespace: counting too much is safe, too little is not
        if local in ("c", "comment"):  # a comment is bound to a cell, made if missing
            count.cells += 1
        elif local in ("mergeCell", "hyperlink") and attrs.get("ref"):
            ref = attrs["ref"]
            n = _area(ref)
            count.cells += n
            if n > MAX_CELLS // 10:
                first = ref.split(":")[0].replace("$", "")
                what = f"cells {ref} are merged" if local == "mergeCell" else f"a link over cells {ref}"
                raise over(f"{what} ({n:,} cells), far more than a scorebook has; nothing read", first)
        if count.cells > MAX_CELLS:
            raise over(f"far too large for a scorebook: more than {MAX_CELLS:,} cells (a scorebook has a few "
                       "thousand); nothing read")
        if count.elements > MAX_ELEMENTS:
            raise over(f"far too large for a scorebook: more than {MAX_ELEMENTS:,} XML elements (in part {part}); "
                       "nothing read")
        if count.others > MAX_OTHER_ELEMENTS:
            raise over(f"far too large for a scorebook: more than {MAX_OTHER_ELEMENTS:,} XML elements other than "
                       f"cells (styles, drawings, comments, formatting; in part {part}); nothing read")

    def declaration(*_args) -> None:
        raise over(f"not an Excel workbook, or a damaged one: part {part} declares a DOCTYPE or entities, which a "
                   "workbook never does; nothing read")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = declaration
    parser.EntityDeclHandler = declaration
    with z.open(info) as f:
        chunk = f.read(_CHUNK)
        if not _looks_like_xml(chunk):
            return  # an image or other binary part: its size is counted, it is not parsed as XML
        parsing = True
        while chunk:
            if parsing:
                try:
                    parser.Parse(chunk, False)
                except expat.ExpatError:
                    parsing = False  # not well-formed (Excel's VML, say): every '<' might be a cell
                    count.cells += chunk.count(b"<")
            else:
                count.cells += chunk.count(b"<")
            if not parsing and count.cells > MAX_CELLS:
                raise over(f"far too large for a scorebook: more than {MAX_CELLS:,} cells (a scorebook has a few "
                           "thousand); nothing read")
            chunk = f.read(_CHUNK)
        if parsing:
            try:
                parser.Parse(b"", True)
            except expat.ExpatError:
                pass  # the workbook reader says the file is damaged, if it reads this part


def _looks_like_xml(head: bytes) -> bool:
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<"


def _area(ref: str) -> int:
    """The number of cells a range reference covers (a whole column or row counts in full)."""
    total = 0
    for part in ref.split():
        try:
            min_col, min_row, max_col, max_row = range_boundaries(part.replace("$", ""))
        except (ValueError, TypeError):
            continue  # not a range: the workbook reader refuses it, or ignores it
        rows = (max_row or _MAX_ROW) - (min_row or 1) + 1
        cols = (max_col or _MAX_COL) - (min_col or 1) + 1
        total += max(rows, 1) * max(cols, 1)
    return total


def _sheet_names(z: zipfile.ZipFile) -> dict[str, str]:
    """Zip part -> sheet name, from the workbook's sheet list and relationships (best effort:
    {} when they are missing, large or odd)."""
    try:
        book = _small_text(z, "xl/workbook.xml")
        rels = _small_text(z, _SPREADSHEET_RELS)
    except KeyError:
        return {}
    if book is None or rels is None:
        return {}
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if rid and target:
            t = target.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
    names = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = re.search(r'\bname="([^"]*)"', tag), re.search(r'\b\w+:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = _unescape(name.group(1))
    return names


def _small_text(z: zipfile.ZipFile, name: str) -> str | None:
    info = z.getinfo(name)
    if info.file_size > 1_000_000:
        return None
    return z.read(info).decode("utf-8", errors="replace")


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))
