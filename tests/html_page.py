"""One parser for the report pages the tests read: elements, title, headings, links, tables, text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path


def _flat(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


class Page(HTMLParser):
    """A parsed page; every text below is whitespace-normalised.

    ``elements``: (tag, attributes) of every start tag; ``headings``: (tag, text) of h1–h6 and of
    row-group header cells (``<th scope="rowgroup">``); ``links``: (href, text); ``tables``: the cell
    texts of each table, row by row.
    """

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.headings: list[tuple[str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.tables: list[list[list[str]]] = []
        self.title = ""
        self._texts: list[str] = []
        self._open: dict[str, list[str]] = {}  # tag of an open title/heading/link/cell → its text
        self._href: str | None = None
        self.feed(html)
        self.close()

    @classmethod
    def read(cls, path: Path) -> Page:
        return cls(Path(path).read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        if tag == "a":
            self._href = attrs.get("href")
        if tag == "th" and attrs.get("scope") == "rowgroup":
            self._open["rowgroup"] = []
        if tag in ("title", "a", "td", "th") or re.fullmatch(r"h[1-6]", tag):
            self._open[tag] = []

    def handle_endtag(self, tag):
        if tag == "th" and "rowgroup" in self._open:
            self.headings.append(("th", _flat(self._open.pop("rowgroup"))))
        text = self._open.pop(tag, None)
        if text is None:
            return
        if tag == "title":
            self.title = _flat(text)
        elif tag == "a":
            if self._href is not None:
                self.links.append((self._href, _flat(text)))
            self._href = None
        elif tag in ("td", "th"):
            if self.tables and self.tables[-1]:
                self.tables[-1][-1].append(_flat(text))
        else:
            self.headings.append((tag, _flat(text)))

    def handle_data(self, data):
        self._texts.append(data)
        for parts in self._open.values():
            parts.append(data)

    @property
    def tags(self) -> list[str]:
        return [tag for tag, _ in self.elements]

    @property
    def text(self) -> str:
        return _flat(self._texts)

    def images(self) -> list[dict]:
        return [attrs for tag, attrs in self.elements if tag == "img"]

    def table(self, first_header: str) -> list[list[str]]:
        """The first table whose first cell is ``first_header``."""
        return next(t for t in self.tables if t and t[0] and t[0][0] == first_header)
