"""Privacy guard: find other people's codes and names in the files written for a private report.

A private report (an examiner's feedback, a trainee's page) must name nobody else, and no
report may hold a name or an address of ``people.csv`` (:mod:`scoring.reports.audience`). Given
the files written for one report (the HTML page, the executed ``.ipynb``, a PDF, a zip
to send out) and the codes and names that must not appear, :func:`scan` lists every
occurrence, wherever a reader or a program could see it:

* the text of HTML pages and any other text file, HTML entities and ``%``-escapes
  decoded first, markup and attributes included (an ``alt`` text counts);
* every string of an executed notebook, keys included: cell sources, outputs, the
  notebook's and each cell's metadata (Papermill records parameters and paths there);
* the text layer of every embedded image: PNG ``tEXt``, ``zTXt`` and ``iTXt`` chunks (and
  ``eXIf``), JPEG comments and ``APPn`` segments (EXIF, XMP), SVG as text. An image is
  read from its decoded bytes, never from its base64 text: random base64 holds strings
  like ``E07``, which would be false alarms;
* a PDF's document information and XMP metadata, outline, links and the text of every
  page (with :mod:`pypdf`);
* every member of a zip (its name and its content, by type), and the zip's comment.

Matching
--------
Through :mod:`scoring.names`, the one normaliser that redaction uses too: codes match as whole
tokens in any case, spelling or width and before a genitive: ``E07`` is found in ``E07``,
``(E07)``, ``e07``, ``E07s``, ``Ｅ０７``, ``E`` + zero-width space + ``07``,
``examiners/E07.html`` and ``E07_scores`` but not in ``E070`` or ``TE07`` (a token is bounded
by anything that is not a letter or a digit). A name is looked for in its short forms too
(:func:`scoring.names.name_forms`: ``Solrosen`` for ``Förskolan Solrosen (fiktiv)``, each part
of ``Spånga–Tensta``), with any case, accents and inflection. An e-mail address (the private
``people.csv``'s) is looked for whole, in any case, with any punctuation between its words (also
``%40`` for ``@`` in a link). One :class:`scoring.names.Matcher` of every term is made per
:class:`Forbidden` when it first searches (and shared by the Forbidden sets of the same terms);
it looks each term up by the words of the text (see :mod:`scoring.names`), so thousands of names
cost little more than a few: the 6,013 names and districts of a national year (12,000 forms)
against a blind jury pack of 0.4 MB of HTML and its 0.8 MB notebook take well under a second of
CPU, not minutes.

A number alone is not a form of a name (:mod:`scoring.names`): a blind jury pack of a year whose
units are called ``Enhet 3498 (fiktiv)`` shows the entry code ``2030-3498`` and the year ``2030``
without a false alarm, and is refused if it writes ``Enhet 3498``.

What cannot be checked counts against the report (the guard fails closed): an image
format whose text layer this module does not read (GIF, WebP ...), an unreadable PNG or
PDF, a file type it does not know. Such a finding has ``token=None``.

Codes split by markup (``E<b>07</b>``) and text drawn as pixels inside a figure are not
found; figures made through :mod:`scoring.presentation.render` carry their text in the ``alt``
attribute, which is scanned.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from ..names import Matcher, name_forms

__all__ = ["Forbidden", "Finding", "Person", "PrivacyError", "scan", "scan_bytes", "check"]

#: Largest decompressed size read from one compressed PNG text chunk or zip member.
MAX_INFLATE = 64 * 1024 * 1024
#: How deep zips inside zips are opened.
MAX_ZIP_DEPTH = 3



def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Person:
    """Someone a private report is about: their pseudonymous code and any names they go by."""

    code: str
    names: tuple[str, ...] = ()


class Forbidden:
    """The codes, names and e-mail addresses that must not appear, compiled for whole-token search.

    Parameters
    ----------
    codes : pseudonymous codes (``E07``, ``T03``), matched as whole tokens in any case or width.
    names : people's and units' names, matched with any case, accents, inflection and white
        space, in their short forms too (:func:`scoring.names.name_forms`).
    emails : e-mail addresses, matched whole, in any case, with any punctuation between their words.
    forms : names matched as ``names`` are, but as they are, without their short forms (a letter's
        other entries: ``Hemtjänst Rönnhagen`` is forbidden where ``Rönnhagen`` is the letter's own word).

    Forbidden sets combine with ``|``. Every search goes through one matcher of all the terms,
    made at the first search (:class:`scoring.names.Matcher`: a term is tried only where the text
    has a word it can start with), so a page of a megabyte is checked against thousands of
    names in about a second.
    """

    def __init__(self, codes: Iterable[str] = (), names: Iterable[str] = (), emails: Iterable[str] = (),
                 forms: Iterable[str] = ()):
        self.codes = frozenset(_nfc(str(c)).strip() for c in codes if str(c).strip())
        self.names = frozenset(" ".join(_nfc(str(n)).split()) for n in names if str(n).strip())
        self.emails = frozenset(_nfc(str(e)).strip() for e in emails if str(e).strip())
        self.forms = frozenset(" ".join(_nfc(str(f)).split()) for f in forms if str(f).strip())
        forms = {form: name for name in sorted(self.names) for form in name_forms(name)}
        forms.update({f: f for f in sorted(self.forms - forms.keys())})
        forms.update({e: e for e in sorted(self.emails)})
        self._codes = {c: c for c in self.codes}
        self._forms = forms
        self._matcher: Matcher | None = None

    def __bool__(self) -> bool:
        return bool(self.codes or self.names or self.emails or self.forms)

    def __or__(self, other: Forbidden) -> Forbidden:
        return Forbidden(self.codes | other.codes, self.names | other.names, self.emails | other.emails,
                         self.forms | other.forms)

    def __repr__(self) -> str:
        return (f"Forbidden(codes={sorted(self.codes)}, names={len(self.names)} name(s), "
                f"forms={len(self.forms)}, emails={len(self.emails)} address(es))")

    def search(self, text: str) -> Iterator[tuple[str, int, int]]:
        """Yield ``(token, start, end)`` for every forbidden code, name or address in ``text``
        (NFC-normalised): ``token`` the code, the whole name it is a form of, or the address."""
        if self._matcher is None:
            self._matcher = _matcher(self._codes, self._forms)
        for start, end, _term, value in self._matcher.find(_nfc(text)):
            yield str(value), start, end


#: The matchers of the last few Forbidden sets, by their terms: the runner makes a Forbidden per
#: report, and the blind packs of a year (one per class) all forbid the same names.
_MATCHERS: dict[tuple[frozenset, frozenset], Matcher] = {}


def _matcher(codes: dict[str, str], forms: dict[str, str]) -> Matcher:
    key = (frozenset(codes), frozenset(forms.items()))
    matcher = _MATCHERS.get(key)
    if matcher is None:
        matcher = Matcher(codes=codes, names=forms)
        if len(_MATCHERS) >= 8:
            _MATCHERS.clear()
        _MATCHERS[key] = matcher
    return matcher


@dataclass(frozen=True)
class Finding:
    """One place where a forbidden token occurs, or a part that could not be checked.

    Attributes
    ----------
    file : the file as the caller named it (``examiners/E07.html``; a zip member as
        ``send/E07.zip!2024-E07.html``).
    where : the place inside it (``text``, ``metadata.papermill.parameters.examiner_id``,
        ``cells[4].outputs[0].data.image/png: PNG tEXt 'Comment'``, ``PDF page 2``).
    token : the code or name found; None when the part could not be checked.
    excerpt : the text around it (or why it could not be checked).
    """

    file: str
    where: str
    token: str | None
    excerpt: str

    def __str__(self) -> str:
        if self.token is None:
            return f"{self.file}: {self.where}: not checked ({self.excerpt})"
        return f"{self.file}: {self.where}: names {self.token} (…{self.excerpt}…)"


class PrivacyError(ValueError):
    """A private report names someone else (or holds something that could not be checked)."""

    def __init__(self, findings: list[Finding], limit: int = 5):
        self.findings = list(findings)
        tokens = sorted({f.token for f in self.findings if f.token is not None})
        unchecked = sum(f.token is None for f in self.findings)
        head = []
        if tokens:
            head.append(f"names {', '.join(tokens)}")
        if unchecked:
            head.append(f"{unchecked} part(s) could not be checked")
        shown = "; ".join(str(f) for f in self.findings[:limit])
        more = f"; and {len(self.findings) - limit} more" if len(self.findings) > limit else ""
        super().__init__(f"privacy: {' and '.join(head)}: {shown}{more}")


# --------------------------------------------------------------------------- entry points


def scan(files: Iterable[str | Path | tuple[str, str | Path]], forbidden: Forbidden) -> list[Finding]:
    """Every occurrence of a forbidden code or name in ``files``.

    Parameters
    ----------
    files : paths, or ``(label, path)`` pairs to name a file in findings by its final
        name while scanning a temporary one.
    forbidden : what must not appear.

    Returns
    -------
    list of Finding, in file order; empty when the files are clean. A missing file is a
    finding (it could not be checked).
    """
    findings: list[Finding] = []
    for item in files:
        label, path = (item if isinstance(item, tuple) else (None, item))
        path = Path(path)
        label = str(label) if label is not None else str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            findings.append(Finding(label, "file", None, f"could not be read: {exc}"))
            continue
        findings += scan_bytes(data, label, forbidden)
    return findings


def check(files: Iterable[str | Path | tuple[str, str | Path]], forbidden: Forbidden) -> None:
    """Raise :class:`PrivacyError` if :func:`scan` finds anything."""
    findings = scan(files, forbidden)
    if findings:
        raise PrivacyError(findings)


def scan_bytes(data: bytes, name: str, forbidden: Forbidden, *, label: str | None = None) -> list[Finding]:
    """Scan one file's bytes; ``name`` (its file name, by whose suffix it is read) names it in findings."""
    label = label if label is not None else name
    if not forbidden:
        return []
    out = _Out(label, forbidden)
    out.text(Path(name).name, "file name")
    _scan_by_name(data, name, out, depth=0)
    return out.done()


# --------------------------------------------------------------------------- dispatch

_TEXT_SUFFIXES = {".txt", ".csv", ".md", ".json", ".css", ".xml", ".svg", ".log", ".tsv", ".toml"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                   ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}


class _Out:
    """Collects findings for one top-level file, in file order (:meth:`done`).

    The file's texts are searched together: all of them joined by line breaks, once, and one by
    one only when that search finds something, to say where. Joining them hides no match: folding
    and NFC go character by character and a line break is neither a letter nor a digit, so a term
    that matches in one text matches at its place in the joined ones, unless a match found before
    it covers that place. Either way the joined search finds something. A clean file (nearly every
    file) is searched once instead of once per text (a notebook has thousands).
    """

    def __init__(self, label: str, forbidden: Forbidden):
        self.label = label
        self.forbidden = forbidden
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str, str | None, str]] = set()
        self._steps: list[tuple[str, str, str | None, bool]] = []  # (text or why, where, file, a text?)

    def text(self, text: str, where: str, file: str | None = None) -> None:
        """Plain text: searched as it is and, when it holds escapes, decoded too."""
        self._steps.append((text, where, file, True))

    def unchecked(self, where: str, why: str, file: str | None = None) -> None:
        self._steps.append((why, where, file, False))

    def done(self) -> list[Finding]:
        """The findings, in the order the file holds them."""
        texts = [v for text, _, _, is_text in self._steps if is_text for v in _variants(text)]
        found = next(self.forbidden.search("\n".join(texts)), None) is not None
        for text, where, file, is_text in self._steps:
            if not is_text:
                self._add(where, None, text, file)
                continue
            for variant in _variants(text) if found else ():
                for token, start, end in self.forbidden.search(variant):
                    self._add(where, token, _excerpt(_nfc(variant), start, end), file)
        self._steps = []
        return self.findings

    def _add(self, where: str, token: str | None, excerpt: str, file: str | None = None) -> None:
        f = Finding(file or self.label, where, token, excerpt)
        key = (f.file, f.where, f.token, f.excerpt)
        if key not in self._seen:
            self._seen.add(key)
            self.findings.append(f)


def _variants(text: str) -> list[str]:
    """A text as it is and, when it holds escapes, decoded: HTML entities, then %-escapes."""
    variants = [text]
    if "&" in text:
        variants.append(unescape(text))
    if "%" in text:
        variants += [unquote(v) for v in list(variants)]
    return variants


def _excerpt(text: str, start: int, end: int, width: int = 30) -> str:
    return " ".join(text[max(0, start - width):end + width].split())


def _scan_by_name(data: bytes, name: str, out: _Out, depth: int, file: str | None = None) -> None:
    suffix = Path(name).suffix.lower()
    if suffix == ".ipynb":
        _scan_notebook(data, out, file)
    elif suffix in _HTML_SUFFIXES:
        _scan_html(_decode_text(data), "text", out, file)
    elif suffix == ".pdf":
        _scan_pdf(data, "PDF", out, file)
    elif suffix == ".zip":
        _scan_zip(data, out, depth, file)
    elif suffix in _IMAGE_SUFFIXES:
        _scan_image(data, _IMAGE_SUFFIXES[suffix], "image", out, file)
    elif suffix in _TEXT_SUFFIXES:
        _scan_markup(_decode_text(data), "text", out, file)
    else:
        out.unchecked("file", f"unknown file type {suffix or '(none)'!r}", file)


def _decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# --------------------------------------------------------------------------- text with data: URIs

#: A data: URI; group 1 the media type, group 2 ";base64" if present, then the payload.
_DATA_URI = re.compile(
    r"data:([a-z0-9.+-]+/[a-z0-9.+-]+)?((?:;[a-z0-9.+-]+=[^;,\"'\s]*)*)(;base64)?,"
    r"((?(3)[A-Za-z0-9+/]*={0,2}|[^\"'\s)<>]*))",
    re.IGNORECASE,
)


def _scan_markup(text: str, where: str, out: _Out, file: str | None) -> None:
    """Text that may embed ``data:`` URIs: decode each and scan the rest as text."""
    rest = []
    last = 0
    for m in _DATA_URI.finditer(text):
        rest.append(text[last:m.start()])
        rest.append(" ")  # keep tokens on either side apart
        last = m.end()
        mime = (m.group(1) or "text/plain").lower()
        payload = m.group(4)
        label = f"{where}: embedded {mime}"
        if m.group(3):
            try:
                raw = base64.b64decode("".join(payload.split()), validate=True)
            except (binascii.Error, ValueError):
                out.unchecked(label, "base64 data that does not decode", file)
                continue
            _scan_media(raw, mime, label, out, file)
        else:
            _scan_markup(unquote(payload), label, out, file)
    rest.append(text[last:])
    out.text("".join(rest), where, file)


class _HtmlParts(HTMLParser):
    """Everything an HTML page holds, entities decoded: tag and attribute names, attribute
    values, text, comments and declarations; but not the markup itself, so that a code such
    as ``</table>`` is found where the page shows it, not in every table."""

    #: Tags that never break a word: the text on both sides is one text (a name half inside a
    #: ``<bdi>`` is still the name).
    JOINING = frozenset({"bdi"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._join = False  # the next text continues the last part

    def handle_starttag(self, tag, attrs):
        if tag in self.JOINING and not attrs:
            self._join = bool(self.parts)
            return
        self._join = False
        self.parts.append(tag)
        for name, value in attrs:
            self.parts += [name, value or ""]

    def handle_startendtag(self, tag, attrs):
        self._join = False
        self.parts.append(tag)
        for name, value in attrs:
            self.parts += [name, value or ""]

    def handle_endtag(self, tag):
        if tag in self.JOINING:
            self._join = bool(self.parts)
            return
        self._join = False
        self.parts.append(tag)

    def handle_data(self, data):
        if self._join and self.parts:
            self.parts[-1] += data
        else:
            self.parts.append(data)
        self._join = True

    handle_comment = handle_decl = handle_pi = unknown_decl = handle_data


def _scan_html(text: str, where: str, out: _Out, file: str | None) -> None:
    """HTML: each part the parser finds (:class:`_HtmlParts`) scanned as text with data: URIs."""
    parser = _HtmlParts()
    parser.feed(text)
    parser.close()
    _scan_markup("\n".join(parser.parts), where, out, file)


def _scan_media(raw: bytes, mime: str, where: str, out: _Out, file: str | None) -> None:
    if mime.startswith("image/"):
        _scan_image(raw, mime, where, out, file)
    elif mime == "application/pdf":
        _scan_pdf(raw, where, out, file)
    elif mime.startswith("text/") or mime.endswith(("+xml", "/json", "/xml")):
        _scan_markup(_decode_text(raw), where, out, file)
    else:
        out.unchecked(where, f"embedded {mime} is not read", file)


# --------------------------------------------------------------------------- notebooks

_BINARY_MIME = re.compile(r"(image/(?!svg)[\w.+-]+|application/pdf|application/octet-stream)$", re.IGNORECASE)


def _scan_notebook(data: bytes, out: _Out, file: str | None) -> None:
    try:
        nb = json.loads(_decode_text(data))
    except ValueError:
        out.unchecked("notebook", "not valid JSON; scanned as text", file)
        _scan_markup(_decode_text(data), "text", out, file)
        return
    _walk(nb, "", out, file)


def _walk(node, path: str, out: _Out, file: str | None) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            key = str(key)
            out.text(key, f"{path or 'notebook'} (key)", file)
            sub = f"{path}.{key}" if path else key
            if _BINARY_MIME.match(key) and isinstance(value, str | list):
                payload = "".join(value) if isinstance(value, list) else value
                try:
                    raw = base64.b64decode("".join(payload.split()), validate=True)
                except (binascii.Error, ValueError):
                    out.unchecked(sub, "base64 data that does not decode", file)
                    continue
                _scan_media(raw, key.lower(), sub, out, file)
            elif key in ("source", "text") and isinstance(value, list):
                _scan_markup("".join(str(v) for v in value), sub, out, file)
            elif key == "text/html" and isinstance(value, list | str):
                _scan_html("".join(value) if isinstance(value, list) else value, sub, out, file)
            elif (key.startswith("text/") or key.endswith("+xml")) and isinstance(value, list):
                _scan_markup("".join(str(v) for v in value), sub, out, file)
            else:
                _walk(value, sub, out, file)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{path}[{i}]", out, file)
    elif isinstance(node, str):
        _scan_markup(node, path or "notebook", out, file)
    elif node is not None:
        out.text(str(node), path or "notebook", file)


# --------------------------------------------------------------------------- images

_PNG = b"\x89PNG\r\n\x1a\n"


def _scan_image(raw: bytes, mime: str, where: str, out: _Out, file: str | None) -> None:
    mime = mime.lower()
    if mime == "image/png" or raw.startswith(_PNG):
        _scan_png(raw, where, out, file)
    elif mime in ("image/jpeg", "image/jpg") or raw.startswith(b"\xff\xd8"):
        _scan_jpeg(raw, where, out, file)
    elif mime == "image/svg+xml":
        _scan_markup(_decode_text(raw), f"{where}: SVG", out, file)
    else:
        out.unchecked(where, f"the text layer of {mime} images is not read", file)


def _inflate(data: bytes) -> bytes:
    d = zlib.decompressobj()
    text = d.decompress(data, MAX_INFLATE)
    if d.unconsumed_tail:
        raise ValueError("compressed text larger than the limit")
    return text


def _scan_png(raw: bytes, where: str, out: _Out, file: str | None) -> None:
    """Read every text-bearing chunk of a PNG (``tEXt``, ``zTXt``, ``iTXt``, ``eXIf``)."""
    if not raw.startswith(_PNG):
        out.unchecked(where, "not a PNG image", file)
        return
    pos = len(_PNG)
    while pos < len(raw):
        if pos + 8 > len(raw):
            out.unchecked(where, "truncated PNG", file)
            return
        length, ctype = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        if len(body) < length:
            out.unchecked(where, "truncated PNG", file)
            return
        pos += 12 + length
        name = ctype.decode("latin-1")
        try:
            if ctype == b"tEXt":
                key, _, text = body.partition(b"\0")
                _chunk(out, where, name, key, text.decode("latin-1"), file)
            elif ctype == b"zTXt":
                key, _, rest = body.partition(b"\0")
                _chunk(out, where, name, key, _inflate(rest[1:]).decode("latin-1"), file)
            elif ctype == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, rest = rest[0], rest[2:]
                lang, _, rest = rest.partition(b"\0")
                translated, _, text = rest.partition(b"\0")
                text = _inflate(text) if compressed else text
                _chunk(out, where, name, key, " ".join([
                    lang.decode("latin-1"), translated.decode("utf-8"), text.decode("utf-8")]), file)
            elif ctype == b"eXIf":
                _chunk(out, where, name, b"", body.decode("latin-1"), file)
        except (ValueError, IndexError, zlib.error, UnicodeDecodeError) as exc:
            out.unchecked(f"{where}: PNG {name}", f"unreadable chunk: {exc}", file)
        if ctype == b"IEND":
            return
    out.unchecked(where, "PNG without an end chunk", file)


def _chunk(out: _Out, where: str, ctype: str, key: bytes, text: str, file: str | None) -> None:
    keyword = key.decode("latin-1")
    label = f"{where}: PNG {ctype}" + (f" {keyword!r}" if keyword else "")
    out.text(keyword, label, file)
    out.text(text, label, file)


def _scan_jpeg(raw: bytes, where: str, out: _Out, file: str | None) -> None:
    """Read a JPEG's comment (``COM``) and application (``APPn``: EXIF, XMP) segments."""
    if not raw.startswith(b"\xff\xd8"):
        out.unchecked(where, "not a JPEG image", file)
        return
    pos = 2
    while pos + 4 <= len(raw):
        if raw[pos] != 0xFF:
            out.unchecked(where, "unreadable JPEG", file)
            return
        marker = raw[pos + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no more metadata
            return
        if marker == 0xFF or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", raw[pos + 2:pos + 4])
        body = raw[pos + 4:pos + 2 + length]
        if marker == 0xFE or 0xE0 <= marker <= 0xEF:
            name = "COM" if marker == 0xFE else f"APP{marker - 0xE0}"
            out.text(_decode_text(body), f"{where}: JPEG {name}", file)
        pos += 2 + length
    out.unchecked(where, "truncated JPEG", file)


# --------------------------------------------------------------------------- PDF


def _scan_pdf(raw: bytes, where: str, out: _Out, file: str | None) -> None:
    """Document information, XMP, outline, link targets and every page's text."""
    try:
        from pypdf import PdfReader
    except ImportError:
        out.unchecked(where, "pypdf is not installed, so PDF text cannot be read", file)
        return
    try:
        reader = PdfReader(io.BytesIO(raw))
        for key, value in (reader.metadata or {}).items():
            out.text(f"{key} {value}", f"{where} document information", file)
        xmp = reader.trailer["/Root"].get("/Metadata")
        if xmp is not None:
            out.text(_decode_text(xmp.get_object().get_data()), f"{where} XMP metadata", file)
        for title in _outline_titles(reader.outline):
            out.text(title, f"{where} outline", file)
        for n, page in enumerate(reader.pages, 1):
            out.text(page.extract_text() or "", f"{where} page {n}", file)
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                action = annot.get("/A")
                action = action.get_object() if action is not None else {}
                for k in ("/URI", "/F", "/D"):
                    if k in action:
                        out.text(str(action[k]), f"{where} page {n} link", file)
                for k in ("/Contents", "/T", "/TU"):
                    if k in annot:
                        out.text(str(annot[k]), f"{where} page {n} annotation", file)
    except Exception as exc:  # pypdf raises many kinds; an unreadable PDF is not checked
        out.unchecked(where, f"unreadable PDF: {type(exc).__name__}: {exc}", file)


def _outline_titles(outline) -> Iterator[str]:
    for item in outline or []:
        if isinstance(item, list):
            yield from _outline_titles(item)
        else:
            title = getattr(item, "title", None)
            if title:
                yield str(title)


# --------------------------------------------------------------------------- zip


def _scan_zip(raw: bytes, out: _Out, depth: int, file: str | None) -> None:
    base = file or out.label
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            if z.comment:
                out.text(_decode_text(z.comment), "zip comment", file)
            for info in z.infolist():
                member = f"{base}!{info.filename}"
                out.text(info.filename, "zip member name", member)
                if info.comment:
                    out.text(_decode_text(info.comment), "zip member comment", member)
                if info.is_dir():
                    continue
                if info.file_size > MAX_INFLATE:
                    out.unchecked("zip member", "too large to check", member)
                    continue
                data = z.read(info)
                if Path(info.filename).suffix.lower() == ".zip" and depth >= MAX_ZIP_DEPTH:
                    out.unchecked("zip member", "zip nested too deep", member)
                    continue
                _scan_by_name(data, info.filename, out, depth + 1, member)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error) as exc:
        out.unchecked("zip", f"unreadable zip: {exc}", file)
