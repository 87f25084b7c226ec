"""The one rendering path from data to a report: tables, prose and figures as safe HTML.

Every report notebook shows its results through the objects made here (usually via
:mod:`scoring.presentation.labels` and :mod:`scoring.kinds.calibration_report.figures`). IPython displays them through
``_repr_mimebundle_``; the report page (:mod:`scoring.reports.page`) inserts an output's
``text/html`` only when the output's metadata carries the mark this module sets
(``{"scoring": {"rendered": true, ...}}``), and shows anything else as plain text.

Rules that make the HTML safe and Swedish:

* every string that comes from data is passed through :func:`html.escape` (quotes
  included) before it touches markup; templates are escaped too, so a template built
  by mistake from data cannot add markup either;
* numbers use a decimal comma, a narrow no-break space between thousands from five
  digits on (so years stay ``2024``), a real minus sign (U+2212) and ``–`` for a missing
  value;
* codes (entry ids, examiner codes) sit in ``<span class="code">``, which the stylesheet
  keeps on one line;
* text from data that holds a bidi control (an invisible right-to-left override, a mark, an
  isolate) or right-to-left letters cannot reorder the text around it: each value is isolated
  in ``<bdi>`` (:func:`isolate_value`), and its controls are closed where their run of words
  ends, so that an override cannot reverse the rest of a message built around a value either.
  Where the pieces from data are not known, each such run of words is isolated by itself
  (:func:`isolate_html`; :func:`isolate_text` with the Unicode isolates where no markup can
  go). Text without such characters is written exactly as before.

Objects
-------
:class:`Table`, :func:`paragraph`, :func:`heading`, :func:`bullets`, :func:`group`,
inline pieces :func:`text`, :func:`em`, :func:`strong`, :func:`code`, :func:`join`, and :class:`Figure` (a matplotlib
figure as PNG with a required Swedish text alternative).
"""

from __future__ import annotations

import base64
import io
import math
import numbers
import re
import string
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from html import escape

import numpy as np
import pandas as pd

from ..problems import BIDI_CONTROLS

__all__ = [
    "MARK",
    "MISSING",
    "Rendered",
    "Inline",
    "Block",
    "Table",
    "Figure",
    "number",
    "text",
    "join",
    "em",
    "strong",
    "code",
    "link",
    "paragraph",
    "heading",
    "bullets",
    "group",
    "is_rendered",
    "isolate_html",
    "isolate_text",
    "isolate_value",
    "needs_isolation",
]

#: Key of the output metadata that marks (and describes) output from this module.
MARK = "scoring"
#: Shown for a missing value.
MISSING = "–"
MINUS = "\u2212"
#: Thousands separator: narrow no-break space (Swedish typography, never breaks a number).
THOUSANDS = "\u202f"


def is_rendered(metadata: Mapping | None) -> bool:
    """True when an output's metadata says it was made by this module."""
    mark = (metadata or {}).get(MARK)
    return isinstance(mark, Mapping) and mark.get("rendered") is True


# --------------------------------------------------------------------------- numbers


def _is_missing(x) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, float | np.floating) and math.isnan(x))
    except TypeError:  # pragma: no cover
        return False


def _is_number(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, bool | np.bool_)


def number(x, precision: int | None = 2, *, sign: bool = False) -> str:
    """A number written the Swedish way (plain text, no markup).

    Parameters
    ----------
    x : int, float or a NumPy number; None/NaN/NA give ``–``.
    precision : decimals for a non-integer type; integers are written without
        decimals. None: at most 2 decimals, trailing zeros dropped (40.0 -> "40",
        2.5 -> "2,5").
    sign : write ``+`` before a positive value (for differences).

    >>> number(-1234567.891), number(2024), number(0.5, 1), number(3, sign=True), number(40.0, None)
    ('−1\u202f234\u202f567,89', '2024', '0,5', '+3', '40')
    """
    if _is_missing(x):
        return MISSING
    if isinstance(x, bool | np.bool_):
        return "ja" if x else "nej"
    if isinstance(x, numbers.Integral):
        digits = str(abs(int(x)))
    else:
        x = float(x)
        if math.isinf(x):
            return ("" if x > 0 else MINUS) + "∞"
        digits = f"{abs(x):.{2 if precision is None else int(precision)}f}"
        if precision is None:
            digits = digits.rstrip("0").rstrip(".")
    whole, _, frac = digits.partition(".")
    if len(whole) > 4:
        head = len(whole) % 3 or 3
        whole = whole[:head] + "".join(THOUSANDS + whole[i:i + 3] for i in range(head, len(whole), 3))
    text = whole + ("," + frac if frac else "")
    nonzero = any(ch not in "0,\u202f" for ch in text)
    if x < 0 and nonzero:
        return MINUS + text
    if sign and x > 0 and nonzero:
        return "+" + text
    return text


_SPEC = re.compile(r"(?P<sign>\+)?(?:\.(?P<precision>\d+))?(?P<type>[f%d]?)")


def _format_number(x, spec: str) -> str:
    """A number under a small format spec: ``''``, ``'.2f'``, ``'+.1f'``, ``'.0%'``, ``'d'``."""
    m = _SPEC.fullmatch(spec)
    if m is None:
        raise ValueError(f"format spec {spec!r} is not supported for numbers: use '', '.2f', '+.1f', '.0%' or 'd'")
    sign = m["sign"] is not None
    precision = int(m["precision"]) if m["precision"] is not None else None
    if m["type"] == "%":
        if _is_missing(x):
            return MISSING
        return number(float(x) * 100, 0 if precision is None else precision, sign=sign) + "\u00a0%"
    if m["type"] == "d":
        return number(x if _is_missing(x) else int(x), sign=sign)
    if m["type"] == "f" and not _is_missing(x):
        x = float(x)  # "{n:.1f}" gives decimals also for an integer, as format() does
    return number(x, precision, sign=sign)


# --------------------------------------------------------------------------- bidi isolation

_EMBEDDINGS = "\u202a\u202b\u202d\u202e"  # LRE RLE LRO RLO, each ended by PDF
_PDF = "\u202c"
_ISOLATES = "\u2066\u2067\u2068"  # LRI RLI FSI, each ended by PDI
_FSI, _PDI = "\u2068", "\u2069"
_RTL = frozenset(("R", "AL", "AN"))
#: punctuation left outside an isolated run ("(", ":", "'", "," ...), where the page's text has it
_EDGE = frozenset(("ON", "CS", "ES", "ET"))
_WORD = re.compile(r"\S+")
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def needs_isolation(text: str) -> bool:
    """True when ``text`` holds a bidi control or a right-to-left character (Hebrew, Arabic …):
    shown as it is, it could reorder the text around it."""
    if not text or max(text) < "\u0590":  # nothing right-to-left comes before Hebrew
        return False
    return any(ch in BIDI_CONTROLS or unicodedata.bidirectional(ch) in _RTL for ch in text)


def _balanced(text: str) -> str:
    """``text`` with its own bidi embeddings, overrides and isolates closed at its end, and an
    isolate opened before it for each pop that closes no isolate of its own (which would close
    an isolate around it). Only added to: ``text`` stays whole inside the result. (A pop of an
    embedding that closes nothing of its own does nothing inside an isolate, so it stays.)"""
    open_: list[str] = []
    unmatched = 0
    for ch in text:
        if ch in _EMBEDDINGS:
            open_.append(_PDF)
        elif ch in _ISOLATES:
            open_.append(_PDI)
        elif ch == _PDF and open_ and open_[-1] == _PDF:
            open_.pop()
        elif ch == _PDI:
            if _PDI in open_:
                while open_.pop() != _PDI:
                    pass
            else:  # closes an isolate put before the text, and every embedding opened since
                unmatched += 1
                open_.clear()
    return _FSI * unmatched + text + "".join(reversed(open_))


def _runs(text: str) -> list[tuple[int, int]]:
    """Where ``text`` needs isolating: each run of words on one line that begins and ends with a
    word holding a bidi control or a right-to-left letter, with only such words and words without
    letters ("5", "–") between, less the punctuation at its ends."""
    runs: list[tuple[int, int]] = []
    start = end = None  # the open run
    pending = None  # the open run's end before words without letters that may not belong to it
    for m in _WORD.finditer(text):
        word = m[0]
        if needs_isolation(word):
            kind = "rtl"
        elif any(unicodedata.bidirectional(ch) == "L" for ch in word):
            kind = "ltr"
        else:
            kind = "neutral"
        if start is not None and _LINE_BREAK.search(text, end, m.start()):
            runs.append((start, pending if pending is not None else end))
            start = pending = None
        if kind == "rtl":
            if start is None:
                start = m.start()
            end, pending = m.end(), None
        elif kind == "neutral" and start is not None:
            pending = end if pending is None else pending
            end = m.end()
        elif start is not None:
            runs.append((start, pending if pending is not None else end))
            start = pending = None
    if start is not None:
        runs.append((start, pending if pending is not None else end))
    trimmed = []
    for a, b in runs:
        while unicodedata.bidirectional(text[a]) in _EDGE:
            a += 1
        while unicodedata.bidirectional(text[b - 1]) in _EDGE:
            b -= 1
        trimmed.append((a, b))
    return trimmed


def _isolate(text: str, wrap: Callable[[str], str], plain: Callable[[str], str]) -> str:
    if not needs_isolation(text):
        return plain(text)
    out, pos = [], 0
    for a, b in _runs(text):
        out += [plain(text[pos:a]), wrap(_balanced(text[a:b]))]
        pos = b
    out.append(plain(text[pos:]))
    return "".join(out)


def isolate_value(value: str) -> str:
    """One value from the data (a name, a comment, a code) as escaped HTML: in ``<bdi>`` when it
    holds a bidi control or right-to-left letters (:func:`needs_isolation`), so that it cannot
    reorder the text around it. Inside, each run of words holding a bidi control is isolated by
    itself (:func:`isolate_text`), so that a hidden override or mark in a name cannot reorder
    the rest of a message built around the name either; right-to-left words without controls
    are left as written. Anything else: just escaped.

    >>> isolate_value("Förskolan Solrosen\u202e (fiktiv)")
    '<bdi>Förskolan \u2068Solrosen\u202e\u202c\u2069 (fiktiv)</bdi>'
    """
    if not needs_isolation(value):
        return escape(value)
    return f"<bdi>{escape(_isolate(value, _isolate_controls, _identity))}</bdi>"


def _isolate_controls(run: str) -> str:
    return f"{_FSI}{run}{_PDI}" if any(ch in BIDI_CONTROLS for ch in run) else run


def _identity(text: str) -> str:
    return text


def isolate_html(text: str) -> str:
    """Text whose pieces from the data are not known (printed output, an error, a page's context)
    as escaped HTML: each run of words holding a bidi control or right-to-left letters in
    ``<bdi>`` with its own controls closed. A hidden right-to-left override in a name reverses
    at most that name, never the text after it. Text without such characters is just escaped.

    >>> isolate_html("Solrosen\u202e: 61,1 poäng <b>")
    '<bdi>Solrosen\u202e\u202c</bdi>: 61,1 poäng &lt;b&gt;'
    """
    return _isolate(text, lambda run: f"<bdi>{escape(run)}</bdi>", escape)


def isolate_text(text: str) -> str:
    """:func:`isolate_html` for where no markup can go (a page's title, a figure's alt text):
    each run between the Unicode first strong isolate and its pop (U+2068 … U+2069). Text
    without bidi controls or right-to-left letters is returned as it is.
    """
    return _isolate(text, lambda run: f"{_FSI}{run}{_PDI}", _identity)


# --------------------------------------------------------------------------- base classes


class Rendered:
    """Something a report shows: HTML made safe here, plain text, and the output metadata."""

    kind = "rendered"

    def __init__(self, html: str, text: str, meta: Mapping | None = None):
        self.html = html
        self.text = text
        self._meta = dict(meta or {})

    def metadata(self) -> dict:
        """The output metadata: the render mark plus what this object tells the report run."""
        return {MARK: {"rendered": True, "kind": self.kind, **self._meta}}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.text}, self.metadata()

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.text[:60]!r}>"


class Inline(Rendered):
    """A piece of text with safe markup, to be placed into a template's ``{field}``."""

    kind = "inline"


class Block(Rendered):
    """A block of the report: paragraph, heading, list or a group of blocks."""

    kind = "block"


def _inline(value, spec: str = "") -> Inline:
    """Any value as inline text: numbers Swedish, strings escaped, Inline kept as is."""
    if isinstance(value, Inline):
        if spec:
            raise ValueError("a format spec cannot be applied to emphasised text or a code")
        return value
    if _is_missing(value):
        return Inline(MISSING, MISSING)
    if _is_number(value):
        text = _format_number(value, spec)
        return Inline(escape(text), text)
    if isinstance(value, bool | np.bool_):
        text = "ja" if value else "nej"
    else:
        text = format(str(value), spec)
    return Inline(isolate_value(text), text)


_FORMATTER = string.Formatter()


def _fill(template: str, values: Mapping) -> Inline:
    """Fill a template's ``{name}`` / ``{name:spec}`` fields with escaped values.

    The template's own text is escaped as well; ``{{`` and ``}}`` give literal braces.
    Conversions (``!r``) and positional fields are not supported.
    """
    if not isinstance(template, str):
        raise TypeError(f"a template must be a string, not {type(template).__name__}")
    html_parts: list[str] = []
    text_parts: list[str] = []
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        html_parts.append(isolate_html(literal))
        text_parts.append(literal)
        if field is None:
            continue
        if conversion or not field or field.isdigit():
            raise ValueError(f"template field {{{field}}} is not supported: name every value, e.g. {{n}}")
        value, _ = _FORMATTER.get_field(field, (), values)
        piece = _inline(value, spec or "")
        html_parts.append(piece.html)
        text_parts.append(piece.text)
    return Inline("".join(html_parts), "".join(text_parts))


# --------------------------------------------------------------------------- prose


def text(template: str, **values) -> Inline:
    """Inline text from a template, values filled in as in :func:`paragraph` (no element around it)."""
    return _fill(template, values)


def join(pieces: Iterable, sep: str = ", ") -> Inline:
    """Inline pieces (or values, escaped) joined by a separator (escaped too)."""
    parts = [_inline(p) for p in pieces]
    return Inline(isolate_html(sep).join(p.html for p in parts), sep.join(p.text for p in parts))


def em(template: str, **values) -> Inline:
    """Emphasised text (``<em>``); values are filled in as in :func:`paragraph`."""
    t = _fill(template, values)
    return Inline(f"<em>{t.html}</em>", t.text)


def strong(template: str, **values) -> Inline:
    """Strong text (``<strong>``); values are filled in as in :func:`paragraph`."""
    t = _fill(template, values)
    return Inline(f"<strong>{t.html}</strong>", t.text)


def code(value) -> Inline:
    """A code (entry id, examiner code, file name) that never wraps: ``<span class="code">``."""
    t = _inline(value)
    return Inline(f'<span class="code">{t.html}</span>', t.text)


#: What a rendered link may point to: a report beside the page (a plain file name).
SIBLING = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(html|pdf)")


def link(template: str, href: str, **values) -> Inline:
    """A link to a report in the same folder (``href`` a plain file name such as ``jury.html``,
    never from the data); the text is filled in as in :func:`paragraph`."""
    if not SIBLING.fullmatch(href):
        raise ValueError(f"a link goes to a report beside this one, not to {href!r}")
    t = _fill(template, values)
    return Inline(f'<a href="{href}">{t.html}</a>', t.text)


def paragraph(template: str, *, css: str | None = None, meta: Mapping | None = None, **values) -> Block:
    """A paragraph of prose with values from the data filled in safely.

    Parameters
    ----------
    template : trusted prose with ``{name}`` fields, e.g. ``"{n} bidrag i {k} klasser"``;
        a field may carry a number format (``{icc:.2f}``, ``{share:.0%}``, ``{d:+.1f}``).
    css : an extra class on the ``<p>`` (e.g. ``"note"``).
    meta : extra output metadata for the report run (under the render mark).
    **values : the values. Strings are escaped; numbers are written the Swedish way;
        :func:`em`, :func:`strong` and :func:`code` pieces keep their markup.

    >>> paragraph("{name}: {x:.1f}", name="<b>", x=-0.25).html
    '<p>&lt;b&gt;: −0,2</p>'
    """
    t = _fill(template, values)
    cls = f' class="{_css_class(css)}"' if css else ""
    return Block(f"<p{cls}>{t.html}</p>", t.text, meta)


def heading(template: str, level: int = 2, **values) -> Block:
    """A heading (``<h2>`` by default) with values filled in as in :func:`paragraph`."""
    if level not in (2, 3, 4):
        raise ValueError("a heading in a report's output is level 2, 3 or 4 (the notebook's title is level 1)")
    t = _fill(template, values)
    return Block(f"<h{level}>{t.html}</h{level}>", t.text)


def bullets(items: Iterable, meta: Mapping | None = None) -> Block:
    """A bulleted list; each item is a string (escaped), a number or an :class:`Inline`."""
    pieces = [_inline(i) for i in items]
    html = "<ul>" + "".join(f"<li>{p.html}</li>" for p in pieces) + "</ul>"
    return Block(html, "\n".join(f"- {p.text}" for p in pieces), meta)


def group(*blocks: Block | None) -> Block:
    """Several blocks shown as one output (None entries are skipped); their metadata merge."""
    kept = [b for b in blocks if b is not None]
    for b in kept:
        if not isinstance(b, Block):
            raise TypeError(f"group() takes blocks (paragraph, heading, Table ...), not {type(b).__name__}")
    meta: dict = {}
    for b in kept:
        meta.update(b._meta)
    return Block("\n".join(b.html for b in kept), "\n\n".join(b.text for b in kept if b.text), meta)


def _css_class(name: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*", name):
        raise ValueError(f"bad CSS class {name!r}")
    return name


# --------------------------------------------------------------------------- tables


class Table(Block):
    """A DataFrame as a report table: escaped cells, Swedish numbers, no index.

    Parameters
    ----------
    df : the table; its index is not shown (reset it first if it holds data).
    headers : column name -> header text (e.g. ``labels.COLUMNS_SV``); other columns keep
        their names. Options below refer to the DataFrame's own column names.
    precision : decimals for float columns: one number for all, or a mapping per column.
        A float column not given a precision is shown without decimals when all its values
        are whole numbers (scores such as 40.0), else with 2. Integer columns never get
        decimals.
    codes : columns holding codes (entry ids, examiner codes): each cell in a
        ``<span class="code">`` that never wraps.
    code_lists : columns holding comma-separated codes ("E01 60, E07 80"): each item a code.
    right : extra columns to right-align (text holding numbers, e.g. "0,45 (0,29–0,64)");
        numeric columns are right-aligned anyway.
    caption : a caption above the table.
    meta : extra output metadata for the report run.

    Notes
    -----
    The HTML has a ``<thead>`` (header rows repeat on every printed page) and
    ``<th scope="col">`` headers; numeric cells get ``class="num"``.
    """

    kind = "table"

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        headers: Mapping[str, str] | None = None,
        precision: int | Mapping[str, int] | None = None,
        codes: Iterable[str] = (),
        code_lists: Iterable[str] = (),
        right: Iterable[str] = (),
        caption: str | Inline | None = None,
        meta: Mapping | None = None,
    ):
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"Table takes a DataFrame, not {type(df).__name__}")
        headers = dict(headers or {})
        codes, code_lists, right = set(codes), set(code_lists), set(right)
        columns = list(df.columns)
        head_pieces = [_inline(str(headers.get(c, c))) for c in columns]
        numeric = {c: _numeric_column(df[c]) for c in columns}
        cells: list[list[Inline]] = []
        formatted = {c: self._column(df[c], c, precision, c in codes, c in code_lists) for c in columns}
        for i in range(len(df)):
            cells.append([formatted[c][i] for c in columns])

        def cls(c) -> str:
            return ' class="num"' if numeric[c] or c in right else ""

        parts = ['<div class="table-wrap"><table>']
        cap = _inline(caption) if caption is not None else None
        if cap is not None:
            parts.append(f"<caption>{cap.html}</caption>")
        parts.append("<thead><tr>")
        parts += [f'<th scope="col"{cls(c)}>{h.html}</th>' for c, h in zip(columns, head_pieces, strict=True)]
        parts.append("</tr></thead><tbody>")
        if not cells:
            parts.append(f'<tr><td colspan="{max(1, len(columns))}" class="empty">Inga rader.</td></tr>')
        for row in cells:
            parts.append("<tr>")
            parts += [f"<td{cls(c)}>{v.html}</td>" for c, v in zip(columns, row, strict=True)]
            parts.append("</tr>")
        parts.append("</tbody></table></div>")
        text = _plain_table([h.text for h in head_pieces], [[v.text for v in row] for row in cells],
                            [numeric[c] or c in right for c in columns])
        if cap is not None:
            text = f"{cap.text}\n{text}"
        super().__init__("".join(parts), text, meta)
        self.columns = columns
        self.n_rows = len(cells)

    @staticmethod
    def _column(s: pd.Series, name, precision, is_code: bool, is_code_list: bool) -> list[Inline]:
        p = precision.get(name) if isinstance(precision, Mapping) else precision
        if p is None:
            p = 0 if _float_column(s) and _whole(s) else 2
        out = []
        for v in s.tolist():
            if _is_missing(v):
                out.append(Inline(MISSING, MISSING))
            elif is_code_list and isinstance(v, str):
                items = [i for i in (x.strip() for x in v.split(",")) if i]
                pieces = [code(i) for i in items]
                out.append(Inline(", ".join(x.html for x in pieces), ", ".join(x.text for x in pieces)))
            elif is_code:
                out.append(code(v))
            elif _is_number(v):
                text = number(v, p)
                out.append(Inline(escape(text), text))
            else:
                out.append(_inline(v))
        return out


def _numeric_column(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def _float_column(s: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(s)


def _whole(s: pd.Series) -> bool:
    v = s.dropna().to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool(np.all(v == np.round(v)))


def _plain_table(header: list[str], rows: list[list[str]], right: list[bool]) -> str:
    """A fixed-width text table (the text/plain fallback)."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(values):
        cells = (v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True))
        return "  ".join(cells).rstrip()

    return "\n".join([line(header)] + [line(r) for r in rows]) if header else ""


# --------------------------------------------------------------------------- figures


class Figure(Rendered):
    """A matplotlib figure as an inline PNG with a Swedish text alternative.

    Parameters
    ----------
    figure : a ``matplotlib.figure.Figure``.
    alt : what the figure shows, in Swedish, for a reader who cannot see it, e.g.
        ``"Stapeldiagram: antal bidrag per tävlingsklass; Förskola 9, Skola 7."``.
        Required: a report does not ship a figure without one.
    dpi : resolution of the PNG; the page shows it at 100 dpi size, so 150 is sharp on
        high-density screens.

    The output carries ``image/png`` (base64), the alt text as ``text/plain`` and in the
    metadata (``{"scoring": {"rendered": true, "kind": "figure", "alt": ...}}``), and the
    display size as IPython does (``{"image/png": {"width": ..., "height": ...}}``).
    """

    kind = "figure"

    def __init__(self, figure, alt: str, *, dpi: int = 150):
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError("a figure needs a text alternative (alt) saying what it shows")
        self.figure = figure
        self.alt = " ".join(alt.split())
        self.dpi = int(dpi)
        self._png: bytes | None = None
        super().__init__("", f"[Figur: {self.alt}]")

    @property
    def png(self) -> bytes:
        """The PNG bytes (drawn once, on first use)."""
        if self._png is None:
            import matplotlib
            from matplotlib.text import Text

            # text from data ("$x^2$", "\\(a\\)") is never read as mathtext: it would be
            # shown as a formula, or a malformed one would stop the report
            texts = self.figure.findobj(Text)
            for t in texts:
                t.set_parse_math(False)
            with matplotlib.rc_context({"text.parse_math": False}):  # tick labels made while drawing
                self._png = _png_of(self.figure, self.dpi, texts)
        return self._png

    @property
    def size(self) -> tuple[int, int]:
        """Display width and height in CSS pixels (the PNG's pixels at 100 dpi)."""
        w, h = _png_size(self.png)
        return round(w * 100 / self.dpi), round(h * 100 / self.dpi)

    def metadata(self) -> dict:
        width, height = self.size
        return {MARK: {"rendered": True, "kind": self.kind, "alt": self.alt},
                "image/png": {"width": width, "height": height}}

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.text}
        return data, self.metadata()


#: How a figure's PNG is compressed: zlib's level 3 writes the same pixels in 0.5-0.7 of the time of
#: Pillow's default (6), in files 3-6 % larger (the national examiner page's team figure: 0.10 s instead
#: of 0.20 s; benchmarks/README.md, "The tenth session").
PNG_SAVE = {"compress_level": 3}


#: Inches drawn around a figure's own area (left, bottom, right, top), for what lies outside it:
#: entry codes and labels left of the axes, a legend below them. Whole numbers, so that the
#: drawing keeps its pixel grid.
_MARGINS = (4, 2, 2, 2)


def _png_of(figure, dpi: int, texts: list) -> bytes:
    """The figure as a PNG cut to what it draws, with matplotlib's padding (``savefig.pad_inches``);
    ``texts``: its text artists (``figure.findobj(Text)``).

    ``bbox_inches="tight"`` walks the figure three times (a layout pass, the extents, the drawing).
    A figure laid out by hand (no layout engine, no legend placed on the figure's own box, which
    would move with the canvas) is drawn once instead, on a canvas :data:`_MARGINS` larger on
    every side, and cut to its painted pixels. Any other figure is saved the tight way, as is one
    with a text anchored beyond those margins or one that paints up to that canvas's edge. An
    opaque image is saved without its alpha channel; no text chunk is written.
    """
    from matplotlib import rcParams
    from matplotlib.transforms import Affine2D, Bbox, TransformedBbox
    from PIL import Image

    def tight() -> bytes:
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None},
                       pil_kwargs=PNG_SAVE)
        return png.getvalue()

    width, height = figure.get_size_inches()
    left, bottom, right, top = _MARGINS
    inside = all(-left < x < width + right and -bottom < y < height + top for x, y in _text_anchors(figure, texts))
    if not inside or figure.get_layout_engine() is not None or any(
            g.get_bbox_to_anchor() is figure.bbox for g in figure.legends):
        return tight()
    area = Bbox.from_extents(-left, -bottom, width + right, height + top)
    raw = io.BytesIO()
    figure.savefig(raw, format="rgba", dpi=dpi, bbox_inches=area)
    words = np.frombuffer(raw.getbuffer(), dtype=np.uint32)
    # the canvas's size as matplotlib computes it (and truncates it)
    w, h = (int(x) for x in TransformedBbox(Bbox.from_bounds(0, 0, *area.size), Affine2D().scale(dpi)).size)
    if w * h != len(words):
        return tight()
    painted = words.reshape(h, w) != words[0]  # the corner's colour is the background
    rows, cols = np.flatnonzero(painted.any(axis=1)), np.flatnonzero(painted.any(axis=0))
    pad = round(rcParams["savefig.pad_inches"] * dpi)
    if not len(rows) or rows[0] < pad or cols[0] < pad or rows[-1] >= h - pad or cols[-1] >= w - pad:
        return tight()
    pixels = words.view(np.uint8).reshape(h, w, 4)
    cut = pixels[rows[0] - pad:rows[-1] + 1 + pad, cols[0] - pad:cols[-1] + 1 + pad]
    opaque = bool((cut[..., 3] == 255).all())
    png = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(cut[..., :3] if opaque else cut)).save(png, format="png", dpi=(dpi, dpi),
                                                                                 **PNG_SAVE)
    return png.getvalue()


def _text_anchors(figure, texts: list) -> np.ndarray:
    """Where each visible, non-empty text of the figure is anchored, in inches from its lower left
    corner (a text that starts beyond the margins would leave no ink near the canvas's edge to be
    noticed by)."""
    points = [t.get_transform().transform(t.get_unitless_position()) for t in texts
              if t.get_visible() and t.get_text()]
    return np.reshape(points, (-1, 2)) / figure.dpi


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
