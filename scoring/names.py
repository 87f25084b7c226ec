"""One normaliser for every match of a name or a code: redaction and the privacy guard use it alike.

Text and the terms looked for are compared after :func:`fold`: NFKC (full-width ``Ｅ５１`` is
``E51``), format characters removed (zero-width spaces and joiners, bidi controls), combining
marks dropped (``Regnbågen``, ``Regnbagen`` and ``Regnba\\u030agen`` are one word) and case folded.
A match is found in the folded text and mapped back to the original characters, so a
redaction replaces exactly what the reader saw.

* A **code** (``E51``) matches as a whole token, also before a Swedish genitive (``E51s``,
  ``E51:s``; the ending stays where it is).
* A **name** matches word by word with any white space, dash or punctuation between its words, and its
  last word also before a Swedish ending (genitive ``-s``, definite ``-en``, ``-et``, ``-n``,
  ``-na``, and their genitives; the ending stays where it is). :func:`name_forms` gives the forms of an entry's or a
  district's name worth looking for: the whole name, without its parenthesised parts, before
  its first comma, each part of a dashed compound, and each distinctive word; generic words
  (``Förskolan``, ``Lokalvården``, ``enheten``) are never a form of their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping

__all__ = ["GENERIC", "Matcher", "fold", "name_forms", "place_key", "redact"]

#: Words that name a kind of unit, not a unit: never looked for on their own (folded).
GENERIC = frozenset(
    "förskola förskolan förskolor förskolorna skola skolan skolor grundskola grundskolan gymnasium "
    "gymnasiet grundsärskola grundsärskolan fritidshem fritidshemmet enhet enheten enheter enheterna "
    "lokalvård lokalvården hemtjänst hemtjänsten boende boendet äldreboende äldreboendet servicehus "
    "servicehuset gruppbostad gruppbostaden gruppbostäder daglig dagliga verksamhet verksamheten "
    "familjerätt familjerätten socialtjänst socialtjänsten stadsdel stadsdelen stadsdelsförvaltning "
    "stadsdelsförvaltningen förvaltning förvaltningen avdelning avdelningen kontor kontoret mottagning "
    "mottagningen center centret centrum fiktiv fiktivt fiktiva stockholm stockholms stad staden "
    "norra södra östra västra nya gamla stora lilla administrativa administrativt kommunala kommunal "
    "centrala central"
    .split()
)

#: Swedish endings of a name's last word: genitive, definite singular and plural, and their genitives.
_ENDINGS = ("s", "en", "ens", "et", "ets", "n", "ns", "t", "ts", "na", "nas", "arna", "arnas", "erna", "ernas")
_WORD = re.compile(r"[^\W_]+")
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_SEPARATOR = r"[\W_]+"  # between a name's words: any white space, dash or punctuation
_LETTER_OR_DIGIT = r"[^\W_]"


def _fold_char(c: str) -> str:
    if unicodedata.category(c) == "Cf":  # zero-width space/joiner, soft hyphen, bidi controls
        return ""
    decomposed = unicodedata.normalize("NFKD", c)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold(text: str) -> tuple[str, list[int]]:
    """``(folded text, where each folded character came from in text)``."""
    out: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        f = c if c.isascii() and not c.isupper() else _fold_char(c)
        out.append(f)
        where.extend([i] * len(f))
    return "".join(out), where


def _folded(text: str) -> str:
    return fold(text)[0]


def place_key(name: str) -> str:
    """A district's or administration's name as compared (the conflicts of interest): folded,
    any dash one ``-``, spacing ignored: "Spånga–Tensta" and "spanga - tensta" are one district."""
    text = re.sub(rf"\s*[{re.escape(_DASHES)}]+\s*", "-", _folded(str(name or "")))
    return " ".join(text.split())


def name_forms(name: str) -> list[str]:
    """The forms of a unit's or a district's name to look for (longest first; see the module)."""
    name = " ".join(str(name).split())
    if not name:
        return []
    bare = " ".join(re.sub(r"\([^)]*\)", " ", name).split()).strip(" ,;:" + _DASHES)
    forms = [name, bare, bare.split(",")[0].strip()]
    forms += [p.strip() for p in re.split(rf"[{re.escape(_DASHES)}]", bare) if p.strip()]
    words = [w for w in re.split(rf"[\s,;:{re.escape(_DASHES)}]+", bare) if w]
    forms += [w for w in words if len(w) >= 4 and not _is_generic(w)]
    forms = [f for f in forms if len(_folded(f)) >= 3 and not _is_generic(f)]
    return sorted(dict.fromkeys(forms), key=lambda f: (-len(f), f))


def _is_generic(text: str) -> bool:
    words = _WORD.findall(_folded(text))
    return not words or all(w in _GENERIC_FOLDED for w in words)


def _code_regex(code: str) -> str:
    """The code, then the end of the token or a genitive (left in place: ``E51:s`` -> ``[x]:s``)."""
    return re.escape(_folded(code).strip()) + rf"(?=(?::?s)?(?!{_LETTER_OR_DIGIT}))"


def _name_regex(name: str) -> str:
    folded = _folded(name).strip()
    words = _WORD.findall(folded)
    if not words:
        return ""
    closing = re.search(r"[)\]}»”\"']+$", folded)  # "(fiktiv)": the bracket goes with the name
    *head, last = words
    stem = last[:-1] if last.endswith("s") and len(last) > 4 else last  # "solrosens" -> "solrosen"
    endings = "|".join(sorted(_ENDINGS, key=len, reverse=True))
    # the ending is looked at, not taken: "Solrosens" -> "As", as a reader would write it
    tail = rf"{re.escape(stem)}(?=(?:{endings})?(?!{_LETTER_OR_DIGIT}))"
    if closing:
        tail += rf"(?:{re.escape(closing.group())})?"
    return _SEPARATOR.join([*(re.escape(w) for w in head), tail])


_GENERIC_FOLDED = frozenset(_folded(w) for w in GENERIC)


class Matcher:
    """Finds codes and names in text after :func:`fold`.

    Parameters
    ----------
    codes : ``{code: value}`` (or an iterable of codes, each its own value): whole tokens,
        any case, with or without a genitive.
    names : ``{name: value}`` (or an iterable): each matched word by word, its last word
        inflected. Pass :func:`name_forms` of a unit's name to find its short forms too.

    ``value`` is what :meth:`find` reports and :meth:`sub` may use for a match. Longer terms win.
    """

    def __init__(self, codes: Mapping[str, object] | Iterable[str] = (),
                 names: Mapping[str, object] | Iterable[str] = ()):
        codes = dict(codes) if isinstance(codes, Mapping) else {str(c): str(c) for c in codes}
        names = dict(names) if isinstance(names, Mapping) else {str(n): str(n) for n in names}
        terms: list[tuple[str, str, object]] = []
        terms += [(str(c), _code_regex(str(c)), v) for c, v in codes.items() if str(c).strip()]
        terms += [(str(n), _name_regex(str(n)), v) for n, v in names.items() if _folded(str(n)).strip()]
        terms = [t for t in terms if t[1]]
        terms.sort(key=lambda t: (-len(_folded(t[0])), t[0]))
        self._values = [(term, value) for term, _, value in terms]
        self._pattern = (
            re.compile(rf"(?<!{_LETTER_OR_DIGIT})(?:" + "|".join(f"({rx})" for _, rx, _ in terms) + ")")
            if terms else None
        )

    def __bool__(self) -> bool:
        return self._pattern is not None

    def find(self, text: str) -> Iterator[tuple[int, int, str, object]]:
        """``(start, end, term, value)`` of every match, in ``text``'s own positions."""
        if self._pattern is None or not text:
            return
        folded, where = fold(text)
        for m in self._pattern.finditer(folded):
            if m.end() == m.start():
                continue
            term, value = self._values[m.lastindex - 1]
            start, end = where[m.start()], where[m.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):  # a dropped mark goes with its letter
                end += 1
            yield start, end, term, value

    def sub(self, text: str, replacement: Callable[[str, object], str] | str) -> str:
        """``text`` with every match replaced (by ``replacement`` or ``replacement(term, value)``)."""
        if not isinstance(text, str):
            return text
        out, last = [], 0
        for start, end, term, value in self.find(text):
            out.append(text[last:start])
            out.append(replacement if isinstance(replacement, str) else replacement(term, value))
            last = end
        out.append(text[last:])
        return "".join(out)


_REDACTORS: dict[frozenset, Matcher] = {}


def redact(text, codes: Iterable[str], replacement: str) -> str:
    """``text`` with every code of ``codes`` replaced by ``replacement``, found as the privacy guard
    finds them (whole tokens in any case, width or spelling, before a genitive); non-text as it is."""
    codes = frozenset(str(c) for c in codes)
    if not isinstance(text, str) or not codes:
        return text
    if codes not in _REDACTORS:
        _REDACTORS.clear()  # one set of codes per report
        _REDACTORS[codes] = Matcher(codes=codes)
    return _REDACTORS[codes].sub(text, replacement)
