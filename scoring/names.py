"""One normaliser for every match of a name or a code: redaction and the privacy guard use it alike.

Text and the terms looked for are compared after :func:`fold`: NFKC (full-width ``Ｅ５１`` is
``E51``), format characters removed (zero-width spaces and joiners, bidi controls), marks dropped
(``Regnbågen``, ``Regnbagen`` and ``Regnba\\u030agen`` are one word; variation selectors and the
grapheme joiner too), blank letters removed (the Hangul fillers, the blank Braille cell), Greek and
Cyrillic letters that look like Latin ones read as those (:data:`LOOKALIKES`: a Cyrillic ``Е28`` is
``E28``), digits of any script as ASCII digits, and case folded. A match is found in the folded
text and mapped back to the original characters, so a redaction replaces exactly what the reader saw.

* A **code** (``E51``) matches as a whole token, also before a Swedish genitive (``E51s``,
  ``E51:s``; the ending stays where it is), and with up to four spaces, dashes, dots, underscores,
  slashes or colons between its letters and its digits (``E 51``, ``E-51``, ``E/51``, ``N\\u00a00001``).
* A **name** matches word by word with any white space, dash or punctuation between its words, and its
  last word also before a Swedish ending (genitive ``-s``, definite ``-en``, ``-et``, ``-n``,
  ``-na``, and their genitives; the ending stays where it is). :func:`name_forms` gives the forms of an entry's or a
  district's name worth looking for: the whole name, without its parenthesised parts, before
  its first comma, each part of a dashed compound, and each distinctive word; generic words
  (``Förskolan``, ``Lokalvården``, ``enheten``) are never a form of their own.
* **A number alone is not a form of a name.** A form whose words are all digits (``3498`` of
  ``Enhet 3498 (fiktiv)``, ``1912`` of ``Kvarteret 1912``) is not looked for: numbers are
  everywhere in a report (years, counts, entry codes such as ``2030-3498``, times, CSS sizes),
  and a number names nothing until a word stands beside it. The number stays in the forms that
  have a word too: ``Enhet 3498`` is still a form (found as ``enhet 3498``, ``Enhet-3498``,
  ``ENHET 3498:s``), though ``Enhet`` alone is generic, so a page that writes ``Enhet 3498`` is
  refused while one that shows the entry code ``2030-3498`` is not.

How a :class:`Matcher` searches: each term is looked for only where the folded text has a word
that it could start with (an index of the terms by their first word, and by their second when
they have more), and there the term's own pattern decides, the longest term first. The result is
exactly that of one regular expression with every term as an alternative, longest first (what
the matcher was before, and what the tests compare it with), but a text is read once whatever
the number of terms: the 12,000 forms of 6,000 names cost little more than a few.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping

__all__ = ["GENERIC", "LOOKALIKES", "Matcher", "code_head", "fold", "folded", "name_forms", "place_key", "redact"]

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


#: Greek and Cyrillic letters drawn like a Latin letter, read as that letter (the pairs of Unicode's
#: confusables, TR39, between these scripts and Latin, both cases; a lower case letter only where it
#: looks like the Latin lower case one).
LOOKALIKES = {
    **dict(zip("АВЕЅІЈКМНОРСТХУԚԜӀ", "ABESIJKMHOPCTXYQWI", strict=True)),
    **dict(zip("аегіјопрсѕухԁԛԝһӏ", "aerijonpcsyxdqwhl", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    **dict(zip("αγικνοπρυχϲϳ", "ayikvonpuxcj", strict=True)),
    **dict(zip("ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ", "abcdefghijklmnoprstuvwyz", strict=True)),  # small capitals
}
#: Letters drawn as nothing: the Hangul fillers and the blank Braille cell.
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_MARKS = frozenset({"Mn", "Me"})
_DROPPED = _MARKS | {"Cf"}  # marks, and format characters (zero-width, soft hyphen, bidi controls)


def _fold_char(c: str) -> str:
    if c in _BLANK or unicodedata.category(c) in _DROPPED:
        return ""
    if unicodedata.category(c) == "Nd":  # a digit of any script: "٥" is "5"
        return str(unicodedata.decimal(c))
    decomposed = unicodedata.normalize("NFKD", c)  # marks dropped, then lookalikes read: "Έ" is "E"
    return "".join(LOOKALIKES.get(ch, ch) for ch in decomposed if unicodedata.category(ch) not in _DROPPED).casefold()


_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


class _FoldTable(dict):
    """Each character's fold by code point, made on first sight (ASCII: its lower case; the
    characters of a language are few): the table :meth:`str.translate` folds a text with."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        if len(self) > 65536:
            self.clear()
        f = self[code] = c.lower() if code < 128 else _fold_char(c)
        return f


_FOLD_TABLE = _FoldTable()


def folded(text: str) -> str:
    """``text`` folded (:func:`fold` without the positions)."""
    return text.lower() if text.isascii() else text.translate(_FOLD_TABLE)


def fold(text: str) -> tuple[str, list[int]]:
    """``(folded text, where each folded character came from in text)``."""
    if text.isascii():  # ASCII folds to its lower case, character for character
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    last = 0
    for m in _NOT_ASCII.finditer(text):
        a, b = m.span()
        if a > last:
            out.append(text[last:a].lower())
            where.extend(range(last, a))
        for i in range(a, b):
            f = _FOLD_TABLE[ord(text[i])]
            out.append(f)
            where.extend([i] * len(f))
        last = b
    if last < len(text):
        out.append(text[last:].lower())
        where.extend(range(last, len(text)))
    return "".join(out), where


def place_key(name: str) -> str:
    """A district's or administration's name as compared (the conflicts of interest): folded,
    any dash one ``-``, spacing ignored: "Spånga–Tensta" and "spanga - tensta" are one district."""
    text = re.sub(rf"\s*[{re.escape(_DASHES)}]+\s*", "-", folded(str(name or "")))
    return " ".join(text.split())


#: The forms of each name asked for so far: a year's names are asked for by every report's guard.
_FORMS: dict[str, tuple[str, ...]] = {}


def name_forms(name: str) -> list[str]:
    """The forms of a unit's or a district's name to look for (longest first; see the module)."""
    name = " ".join(str(name).split())
    forms = _FORMS.get(name)
    if forms is None:
        if len(_FORMS) > 200_000:
            _FORMS.clear()
        forms = _FORMS[name] = tuple(_name_forms(name))
    return list(forms)


def _name_forms(name: str) -> list[str]:
    if not name:
        return []
    bare = " ".join(re.sub(r"\([^)]*\)", " ", name).split()).strip(" ,;:" + _DASHES)
    forms = [name, bare, bare.split(",")[0].strip()]
    forms += [p.strip() for p in re.split(rf"[{re.escape(_DASHES)}]", bare) if p.strip()]
    words = [w for w in re.split(rf"[\s,;:{re.escape(_DASHES)}]+", bare) if w]
    forms += [w for w in words if len(w) >= 4 and not _is_generic(w)]
    forms = [f for f in forms if len(folded(f)) >= 3 and not _is_generic(f) and not _is_number(f)]
    return sorted(dict.fromkeys(forms), key=lambda f: (-len(f), f))


def _is_generic(text: str) -> bool:
    words = _WORD.findall(folded(text))
    return not words or all(w in _GENERIC_FOLDED for w in words)


def _is_number(text: str) -> bool:
    """Whether every word of ``text`` is digits only (``3498``, ``12-14``): a number, not a name."""
    words = _WORD.findall(folded(text))
    return bool(words) and all(w.isdigit() for w in words)


def _stem(word: str) -> str:
    """A name's last word as matched: without a last ``s`` from five letters up ("solrosens" -> "solrosen")."""
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


#: What may stand between a code's letters and its digits (``E 51``, ``E-51``, ``E._51``, ``E/51``, ``E:51``,
#: ``E·51``), up to four of them.
_CODE_GAP = rf"[\s._/:\u00b7\u2027\u2e3a\u2e3b{re.escape(_DASHES)}]{{0,4}}"


def _split(literal: str) -> tuple[str, str] | None:
    """A folded code that starts with letters and then digits (``e51``, ``n0001a``): its letters and
    the rest; None for any other (``2024-08``, ``#7``)."""
    m = re.match(r"([^\W\d_]+)(\d.*)", literal, re.DOTALL)
    return (m.group(1), m.group(2)) if m else None


def _code_regex(code: str) -> str:
    """The code (a gap allowed between its first letters and its digits: :data:`_CODE_GAP`), then the
    end of the token or a genitive (left in place: ``E51:s`` -> ``[x]:s``)."""
    literal = folded(code).strip()
    split = _split(literal)
    body = re.escape(literal) if split is None else re.escape(split[0]) + _CODE_GAP + re.escape(split[1])
    return body + rf"(?=(?::?s)?(?!{_LETTER_OR_DIGIT}))"


def code_head(code: str) -> str | None:
    """The word a match of ``code`` starts with, folded: its letters when digits follow them (``E 51``
    starts with ``e``), else its first word; None for a code without a word."""
    literal = folded(code).strip()
    if (split := _split(literal)) is not None:
        return split[0]
    first = _WORD.match(literal)
    return first.group() if first else None


def _code_keys(code: str) -> list[tuple]:
    """Where a match of the code can start (see :meth:`Matcher._spots`): ``("word", w)`` a word that
    starts with ``w``; ``("pair", w, v)`` the word ``w`` followed by a word that starts with ``v``
    (also a code's letters apart from its digits: ``E 51``); ``("literal", text)`` wherever the folded
    text holds ``text`` (a code that starts with punctuation); none for a code that folds to nothing
    (it matches nothing)."""
    literal = folded(code).strip()
    if not literal:
        return []
    if not _WORD.match(literal):
        return [("literal", literal)]
    words = _WORD.findall(literal)
    keys = [("pair", words[0], words[1]) if len(words) > 1 else ("word", words[0])]
    if (split := _split(literal)) is not None:
        keys.append(("pair", split[0], _WORD.match(split[1]).group()))
    return keys


def _name_regex(name: str) -> str:
    name_folded = folded(name).strip()
    words = _WORD.findall(name_folded)
    if not words:
        return ""
    closing = re.search(r"[)\]}»”\"']+$", name_folded)  # "(fiktiv)": the bracket goes with the name
    *head, last = words
    stem = _stem(last)  # "solrosens" -> "solrosen"
    endings = "|".join(sorted(_ENDINGS, key=len, reverse=True))
    # the ending is looked at, not taken: "Solrosens" -> "As", as a reader would write it
    tail = rf"{re.escape(stem)}(?=(?:{endings})?(?!{_LETTER_OR_DIGIT}))"
    if closing:
        tail += rf"(?:{re.escape(closing.group())})?"
    return _SEPARATOR.join([*(re.escape(w) for w in head), tail])


def _name_keys(name: str) -> list[tuple]:
    """Where a match of the name can start, as :func:`_code_keys`: its first word exactly and the
    start of its second (the stem when that is the last), or the start of its only word (its stem)."""
    words = _WORD.findall(folded(name).strip())
    if not words:
        return []
    if len(words) == 1:
        return [("word", _stem(words[0]))]
    return [("pair", words[0], words[1] if len(words) > 2 else _stem(words[1]))]


_GENERIC_FOLDED = frozenset(folded(w) for w in GENERIC)


class Matcher:
    """Finds codes and names in text after :func:`fold`.

    Parameters
    ----------
    codes : ``{code: value}`` (or an iterable of codes, each its own value): whole tokens,
        any case, with or without a genitive.
    names : ``{name: value}`` (or an iterable): each matched word by word, its last word
        inflected. Pass :func:`name_forms` of a unit's name to find its short forms too.

    ``value`` is what :meth:`find` reports and :meth:`sub` may use for a match. Longer terms win.

    A match starts where the folded text has a word (or, for a code that starts with punctuation,
    the code itself) that the term can start with: the terms are indexed by their first word (by
    the first two when they have more), each place of the text is looked up there, and the
    terms found are tried there with their own patterns, longest first, the first that matches
    taken; the search goes on after it. That is how one regular expression with every term as
    an alternative (longest first) finds them, so the matches are the same (see the module);
    a term's pattern is compiled when it is first tried.
    """

    def __init__(self, codes: Mapping[str, object] | Iterable[str] = (),
                 names: Mapping[str, object] | Iterable[str] = ()):
        codes = dict(codes) if isinstance(codes, Mapping) else {str(c): str(c) for c in codes}
        names = dict(names) if isinstance(names, Mapping) else {str(n): str(n) for n in names}
        terms: list[tuple[int, str, bool, list[tuple], object]] = []  # (length, term, a code?, keys, value)
        for c, v in codes.items():
            if str(c).strip():
                terms.append((len(folded(str(c))), str(c), True, _code_keys(str(c)), v))
        for n, v in names.items():
            name_folded = folded(str(n))
            if name_folded.strip():
                terms.append((len(name_folded), str(n), False, _name_keys(str(n)), v))
        terms = [t for t in terms if t[3]]  # a term without a word or a character matches nothing
        terms.sort(key=lambda t: (-t[0], t[1]))
        self._values = [(term, value) for _, term, _, _, value in terms]
        self._codes = [is_code for _, _, is_code, _, _ in terms]
        self._compiled: list[re.Pattern | None] = [None] * len(terms)
        self._word: dict[str, list[int]] = {}  # first word's start -> terms (in order)
        self._pair: dict[str, dict[str, list[int]]] = {}  # first word -> second word's start -> terms
        self._literal: dict[str, list[int]] = {}  # the code, folded -> terms
        for i, (_, _, _, keys, _) in enumerate(terms):
            for key in keys:
                if key[0] == "word":
                    self._word.setdefault(key[1], []).append(i)
                elif key[0] == "pair":
                    self._pair.setdefault(key[1], {}).setdefault(key[2], []).append(i)
                else:
                    self._literal.setdefault(key[1], []).append(i)
        self._word_lengths = sorted({len(w) for w in self._word})
        self._pair_lengths = sorted({len(v) for inner in self._pair.values() for v in inner})
        self._by_word: dict[str, list[int]] = {}  # a text's word -> the "word" terms it can start

    def __bool__(self) -> bool:
        return bool(self._values)

    def find(self, text: str) -> Iterator[tuple[int, int, str, object]]:
        """``(start, end, term, value)`` of every match, in ``text``'s own positions."""
        if not self._values or not text:
            return
        text_folded, where = folded(text), None
        last = 0
        for pos, candidates in self._spots(text_folded):
            if pos < last:
                continue
            for i in candidates:
                m = self._pattern(i).match(text_folded, pos)
                if m is None or m.end() == pos:
                    continue
                term, value = self._values[i]
                if where is None:  # the positions in text, made for a text that holds a term
                    where = fold(text)[1]
                start, end = where[pos], where[m.end() - 1] + 1
                while end < len(text) and unicodedata.category(text[end]) in _MARKS:  # a mark goes with its letter
                    end += 1
                yield start, end, term, value
                last = m.end()
                break

    def _pattern(self, i: int) -> re.Pattern:
        p = self._compiled[i]
        if p is None:
            term = self._values[i][0]
            source = _code_regex(term) if self._codes[i] else _name_regex(term)
            p = self._compiled[i] = re.compile(rf"(?<!{_LETTER_OR_DIGIT})(?:{source})")
        return p

    def _starting(self, word: str) -> list[int]:
        """The one-word-key terms a text's ``word`` can start (kept per word), in order."""
        found = self._by_word.get(word)
        if found is None:
            found = []
            for n in self._word_lengths:
                if n > len(word):
                    break
                found += self._word.get(word[:n], ())
            found.sort()
            if len(self._by_word) > 100_000:
                self._by_word.clear()
            self._by_word[word] = found
        return found

    def _spots(self, folded: str) -> list[tuple[int, list[int]]]:
        """``(position, terms)`` of every place in ``folded`` where a term can start, in order, each
        place's terms in the order they are tried: every term that matches there is among them."""
        spots: list[tuple[int, list[int]]] = []
        runs = []
        # the words' places are found only in a text with a word that a term can start with
        if (self._word or self._pair) and any(w in self._pair or self._starting(w)
                                              for w in set(_WORD.findall(folded))):
            runs = [(m.start(), m.group()) for m in _WORD.finditer(folded)]
        for k, (pos, word) in enumerate(runs):
            found = self._starting(word)
            inner = self._pair.get(word)
            if inner and k + 1 < len(runs):
                second = runs[k + 1][1]
                more = [i for n in self._pair_lengths if n <= len(second) for i in inner.get(second[:n], ())]
                if more:
                    found = sorted(found + more)
            if found:
                spots.append((pos, found))
        if self._literal:
            at: dict[int, list[int]] = {}
            for literal, terms in self._literal.items():
                pos = folded.find(literal)
                while pos >= 0:
                    at.setdefault(pos, []).extend(terms)
                    pos = folded.find(literal, pos + 1)
            if at:
                for pos, found in spots:
                    at.setdefault(pos, []).extend(found)
                spots = [(pos, sorted(set(found))) for pos, found in sorted(at.items())]
        return spots

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
