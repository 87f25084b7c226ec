"""An executed report notebook as one self-contained HTML page that runs no script.

The page is built here rather than by nbconvert's exporter, so that what reaches the
HTML is decided in one place:

* markdown cells (authored prose) are rendered with mistune, raw HTML inside them
  escaped, no math rendering; the result is rebuilt tag by tag from an allow-list
  (links keep ``http(s)``/``mailto``/relative targets, images only ``data:`` or the cell's
  own attachments);
* code is never shown; of the outputs, ``text/html`` is used only when the output's
  metadata carries the mark of :mod:`scoring.presentation.render`, and even then it is checked
  against a strict allow-list of tags and attributes (anything else stops the build);
* ``image/png`` becomes ``<img src="data:..." alt="...">`` with the alt text the
  :class:`scoring.presentation.render.Figure` carried; a figure without one stops the build;
* anything else (``text/plain``, a stray DataFrame, unmarked ``text/html`` or
  ``text/markdown``) is shown escaped as plain text, and a warning names the cell:
  text is harmless once escaped, and dropping it would silently hide what the author
  meant to show; stderr streams are dropped;
* cells tagged ``remove-cell`` are left out, outputs of cells tagged ``remove-output``
  dropped;
* text that may come from data and holds a bidi control or right-to-left letters is isolated
  wherever it lands, so that it cannot reorder the page's own text: ``<bdi>`` in the rendered
  output (:func:`scoring.presentation.render.isolate_value`), in plain-text output and in the
  ``<h1>``'s context (:func:`~scoring.presentation.render.isolate_html`); the Unicode isolates
  in the ``<title>`` and in a figure's alt text (:func:`~scoring.presentation.render.isolate_text`).

The page carries ``lang="sv"``, a Content-Security-Policy that allows no script and no
request (:data:`CSP`), and the stylesheet ``style.css`` inline. A last check parses the
finished page and refuses it if it holds a script, an event handler attribute or a
reference a browser would load from elsewhere.
"""

from __future__ import annotations

import logging
import re
from html import escape
from html.parser import HTMLParser
from importlib.resources import files

import mistune

from ..presentation import render

__all__ = ["CSP", "PageError", "document", "notebook_to_html", "stylesheet"]

logger = logging.getLogger("scoring.report")

#: Content-Security-Policy of every page: no script, nothing loaded but inline images and CSS.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

REMOVE_CELL = frozenset({"remove-cell", "remove_cell"})
REMOVE_OUTPUT = frozenset({"remove-output", "remove_output"})


class PageError(ValueError):
    """A notebook's output cannot be published safely (the report fails, nothing is written)."""


def stylesheet() -> str:
    """The reports' stylesheet (``scoring/reports/style.css``, shipped as package data)."""
    css = files("scoring.reports").joinpath("style.css").read_text(encoding="utf-8")
    if "</" in css:
        raise PageError("style.css must not contain '</' (it is inlined into <style>)")
    return css


def document(title: str, body: str, *, body_class: str | None = None) -> str:
    """A whole HTML page: ``lang="sv"``, charset, CSP, escaped title, inline stylesheet, ``<main>``.

    ``body`` is trusted HTML (built by this package); ``title`` is escaped here, and any
    right-to-left text or bidi control in it isolated (:func:`~scoring.presentation.render.isolate_text`).
    """
    cls = f' class="{escape(body_class)}"' if body_class else ""
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="sv">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(render.isolate_text(title))}</title>",
        f"<style>\n{stylesheet()}</style>",
        "</head>",
        f"<body{cls}>",
        "<main>",
        body,
        "</main>",
        "</body>",
        "</html>",
        "",
    ])


def notebook_to_html(nb, *, context: str | None = None, title: str | None = None) -> str:
    """The executed notebook as one self-contained page (see the module docstring).

    Parameters
    ----------
    nb : the executed notebook (``nbformat.NotebookNode`` or the same as plain dicts).
    context : what this run is about, added to the title and to the page's ``<h1>``: the
        year, and the class or examiner (``"2024"``, ``"Förskola 2024"``).
    title : the whole title instead (default: the first heading of the notebook's
        markdown, then ``context``).

    Raises
    ------
    PageError
        For a figure without a text alternative, or HTML marked as rendered that holds
        anything outside the allow-list.
    """
    parts: list[str] = []
    first_heading = None
    for i, cell in enumerate(nb.get("cells", []), 1):
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & REMOVE_CELL:
            continue
        kind = cell.get("cell_type")
        if kind == "markdown":
            html = markdown(_source(cell.get("source", "")), cell.get("attachments"))
            if first_heading is None:
                first_heading = _first_heading(html)
                if first_heading is not None and context:
                    html = _name_context(html, context)
            parts.append(html)
        elif kind == "code" and not tags & REMOVE_OUTPUT:
            where = _where(cell, i)
            for output in cell.get("outputs", []):
                html = _output(output, where)
                if html:
                    parts.append(html)
    if title is None:
        base = first_heading or "Rapport"
        title = f"{base}, {context}" if context else base
    page = document(title, "\n".join(parts))
    check_page(page)
    return page


def _source(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _where(cell, index: int) -> str:
    n = cell.get("execution_count")
    return f"cell [{n}]" if n is not None else f"cell {index}"


# --------------------------------------------------------------------------- outputs


def _output(output, where: str) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""
        return _text(_source(output.get("text", "")))
    if kind == "error":
        return _text(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    if kind not in ("display_data", "execute_result"):
        return ""
    data = output.get("data", {}) or {}
    meta = output.get("metadata", {}) or {}
    if render.is_rendered(meta):
        mark = meta[render.MARK]
        if "text/html" in data and mark.get("kind") != "figure":
            html = _source(data["text/html"])
            check_fragment(html, where)
            return html
        if "image/png" in data:
            return _figure(data["image/png"], mark.get("alt"), meta.get("image/png") or {}, where)
    elif "image/png" in data:
        raise PageError(
            f"{where}: a figure without a text alternative; show figures through a kind's figures module or "
            "scoring.presentation.render.Figure(fig, alt=...)"
        )
    rich = sorted(k for k in data if k != "text/plain")
    if rich:
        logger.warning("%s: %s not from scoring.presentation.render, shown as plain text", where, ", ".join(rich))
    if "text/plain" in data:
        return _text(_source(data["text/plain"]))
    return ""


def _text(text: str) -> str:
    return f'<pre class="text">{render.isolate_html(text.rstrip())}</pre>' if text.strip() else ""


_BASE64 = re.compile(r"[A-Za-z0-9+/=]+")


def _figure(png, alt, size: dict, where: str) -> str:
    if not isinstance(alt, str) or not alt.strip():
        raise PageError(f"{where}: a figure without a text alternative (alt)")
    png = "".join(_source(png).split())
    if not _BASE64.fullmatch(png):
        raise PageError(f"{where}: the figure's PNG data is not base64")
    dims = "".join(
        f' {k}="{int(size[k])}"' for k in ("width", "height")
        if isinstance(size.get(k), int | float) and size[k] > 0
    )
    return f'<figure><img src="data:image/png;base64,{png}" alt="{escape(render.isolate_text(alt))}"{dims}></figure>'


# --------------------------------------------------------------------------- markdown


def markdown(text: str, attachments: dict | None = None) -> str:
    """Authored markdown as HTML: raw HTML escaped, no math, tags from an allow-list only."""
    # attachment: is the cell's own image (made inline below); mistune would blank it as unknown
    renderer = mistune.HTMLRenderer(escape=True, allow_harmful_protocols=("attachment:",))
    md = mistune.create_markdown(renderer=renderer, plugins=["strikethrough", "table"])
    return _Rebuild(_MARKDOWN_TAGS, strict=False, attachments=attachments or {}).run(md(text))


def _name_context(html: str, context: str) -> str:
    """The page's ``<h1>`` names what the run is about, as the title does ("…, 2024")."""
    first = re.search(r"<h([1-6])>", html)
    if first is None or first.group(1) != "1":
        return html
    return html.replace("</h1>", f", {render.isolate_html(context)}</h1>", 1)


def _first_heading(html: str) -> str | None:
    finder = _HeadingText()
    finder.feed(html)
    finder.close()
    text = " ".join("".join(finder.text).split())
    return text or None


class _HeadingText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._depth = 0
        self._done = False

    def handle_starttag(self, tag, attrs):
        if not self._done and re.fullmatch(r"h[1-6]", tag):
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth and re.fullmatch(r"h[1-6]", tag):
            self._depth -= 1
            self._done = True

    def handle_data(self, data):
        if self._depth and not self._done:
            self.text.append(data)


# --------------------------------------------------------------------------- allow-lists

_CELL = {"class", "colspan", "rowspan", "scope"}
#: What scoring.presentation.render may produce (anything else in marked output stops the build).
RENDER_TAGS: dict[str, set[str]] = {
    "div": {"class"}, "p": {"class"}, "span": {"class"}, "h2": set(), "h3": set(), "h4": set(),
    "em": set(), "strong": set(), "ul": set(), "ol": set(), "li": set(), "br": set(),
    "table": set(), "caption": set(), "thead": set(), "tbody": set(), "tr": set(), "th": _CELL, "td": _CELL,
    "bdi": set(), "a": {"href"},
}
_MARKDOWN_TAGS: dict[str, set[str]] = {
    **{f"h{n}": set() for n in range(1, 7)},
    "p": set(), "em": set(), "strong": set(), "del": set(), "code": set(), "pre": set(),
    "ul": set(), "ol": {"start"}, "li": set(), "blockquote": set(), "hr": set(), "br": set(),
    "a": {"href", "title"}, "img": {"src", "alt", "title"},
    "table": set(), "thead": set(), "tbody": set(), "tr": set(), "th": {"style"}, "td": {"style"},
}
_VOID = {"br", "hr", "img"}
_CLASS = re.compile(r"[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*")
_NUMBER = re.compile(r"\d{1,4}")
_LINK = re.compile(r"(https?:|mailto:|#|\.{0,2}/|[\w.-]+(/|$|#))", re.IGNORECASE)
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]+")


class _Rebuild(HTMLParser):
    """Re-serialise an HTML fragment keeping only allowed tags and attributes.

    ``strict``: anything not allowed raises PageError (for the render path, whose output
    is known); otherwise it is dropped (its text kept, escaped) and logged.
    """

    def __init__(self, allowed: dict[str, set[str]], *, strict: bool, where: str = "",
                 attachments: dict | None = None):
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.strict = strict
        self.where = where
        self.attachments = attachments or {}
        self.out: list[str] = []

    def run(self, html: str) -> str:
        self.feed(html)
        self.close()
        return "".join(self.out)

    def _refuse(self, what: str) -> None:
        if self.strict:
            raise PageError(f"{self.where}: rendered HTML holds {what}; refusing to publish it")
        logger.warning("markdown: dropped %s", what)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag, attrs, closed: bool):
        if tag not in self.allowed:
            self._refuse(f"a <{tag}> element")
            return
        kept = []
        for name, value in attrs:
            value = "" if value is None else value
            if name not in self.allowed[tag]:
                self._refuse(f"a {name!r} attribute on <{tag}>")
                continue
            if name == "class" and not _CLASS.fullmatch(value):
                self._refuse(f"class {value!r}")
                continue
            if name in ("colspan", "rowspan", "start") and not _NUMBER.fullmatch(value):
                self._refuse(f"{name}={value!r}")
                continue
            if name == "scope" and value not in ("col", "row", "colgroup", "rowgroup"):
                self._refuse(f"scope={value!r}")
                continue
            if name == "style":  # mistune's table alignment, the only style it writes
                if value.replace(" ", "") == "text-align:right":
                    kept.append(("class", "num"))
                continue
            if name == "href" and self.strict and not render.SIBLING.fullmatch(value):
                self._refuse(f"a link to {value[:40]!r}")  # rendered links go to a report beside this one
                continue
            if name == "href" and not _LINK.match(value.strip()):
                self._refuse(f"a link to {value[:40]!r}")
                continue
            kept.append((name, value))
        if tag == "img":
            attrs_d = dict(kept)
            src = self._image(attrs_d.get("src", ""))
            if src is None:
                alt = attrs_d.get("alt", "")
                self.out.append(f'<span class="missing-image">[Bild: {escape(alt)}]</span>')
                return
            kept = [(k, src if k == "src" else v) for k, v in kept]
        text = "".join(f' {k}="{escape(v)}"' for k, v in kept)
        self.out.append(f"<{tag}{text}>")

    def _image(self, src: str) -> str | None:
        """A src the page may use: an inline image, or the cell's attachment made inline."""
        src = src.strip()
        if _IMAGE_DATA.fullmatch(src):
            return "".join(src.split())
        if src.startswith("attachment:"):
            bundle = self.attachments.get(src[len("attachment:"):], {})
            for mime in ("image/png", "image/jpeg", "image/gif", "image/webp"):
                if mime in bundle:
                    data = "".join(_source(bundle[mime]).split())
                    if _BASE64.fullmatch(data):
                        return f"data:{mime};base64,{data}"
        logger.warning("markdown: image %r left out (only inline images and cell attachments)", src[:60])
        return None

    def handle_endtag(self, tag):
        if tag in self.allowed and tag not in _VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(escape(data, quote=False))

    def handle_comment(self, data):
        self._refuse("a comment")

    def handle_decl(self, decl):
        self._refuse("a declaration")

    def handle_pi(self, data):
        self._refuse("a processing instruction")

    def unknown_decl(self, data):
        self._refuse("a declaration")


def check_fragment(html: str, where: str = "output") -> None:
    """Raise PageError unless ``html`` holds only what :mod:`scoring.presentation.render` produces."""
    _Rebuild(RENDER_TAGS, strict=True, where=where).run(html)


# --------------------------------------------------------------------------- final check

_FORBIDDEN_TAGS = {"script", "iframe", "frame", "object", "embed", "link", "base", "form", "meta", "svg",
                   "math", "audio", "video", "source", "track", "applet", "noscript", "template"}
_URL_ATTRS = {"src", "href", "srcset", "action", "formaction", "poster", "background", "data", "xlink:href"}


class _PageCheck(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_head = True

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self._in_head = False
        allowed_meta = tag == "meta" and self._in_head
        if tag in _FORBIDDEN_TAGS and not allowed_meta:
            self.problems.append(f"a <{tag}> element")
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.problems.append(f"an event handler attribute {name!r} on <{tag}>")
            elif name == "style":
                self.problems.append(f"a style attribute on <{tag}>")
            elif name in _URL_ATTRS:
                if name == "src" and tag == "img" and value.startswith("data:image/"):
                    continue
                scripted = value.lower().startswith(("javascript:", "data:", "vbscript:"))
                if name == "href" and tag == "a" and not scripted:
                    continue  # a link is followed only when clicked
                self.problems.append(f"{name}={value[:40]!r} on <{tag}>")

    handle_startendtag = handle_starttag


def check_page(page: str) -> None:
    """Raise PageError if a finished page holds a script, an event handler or a remote reference."""
    checker = _PageCheck()
    checker.feed(page)
    checker.close()
    if re.search(r"url\s*\(|@import", stylesheet(), re.IGNORECASE):
        checker.problems.append("a url() or @import in the stylesheet")
    if checker.problems:
        raise PageError("the page is not safe to publish: " + "; ".join(dict.fromkeys(checker.problems)))
