"""The one normaliser for names and codes (scoring.names): every spelling a reader would
recognise is found, in the original text's positions, and generic words are left alone.

The cases are issue 15's: spellings that passed redaction and the guard before."""

import unicodedata

import pytest

from scoring.names import GENERIC, Matcher, fold, name_forms


def test_fold_maps_back_to_the_original_characters():
    text = "Ｅ\u200b５Å"
    folded, where = fold(text)
    assert folded == "e5a"
    assert [text[i] for i in where] == ["Ｅ", "５", "Å"]
    assert fold("Regnba\u030agen")[0] == fold("Regnbågen")[0] == fold("REGNBAGEN")[0] == "regnbagen"
    assert fold("stra\u00dfe")[0] == "strasse"  # casefold can lengthen a character


@pytest.mark.parametrize("text", ["E51", "e51", "E51s", "E51:s", "e51:s", "\uff25\uff15\uff11",
                                  "E\u200b51", "E\u200d51", "\u202aE51\u202c", "(E51)", "examiners/E51.html",
                                  # between its letters and digits: a space, dash, dot or underscore
                                  "E 51", "E-51", "E\u00a051", "E\u201351", "E_51", "E.51", "e - 51", "E 51:s",
                                  "E/51", "E:51", "E \u00b7 51", "E -- 51", "E\u2e3a51",
                                  # marks, blank letters and lookalikes (issue 22's review: all passed before)
                                  "E\u034f51", "E\ufe0f51", "E\u316451", "E\u280051", "\u041551", "\u039551",
                                  "\u0415\u0665\u0661", "\u038851", "\u040051", "\u04d651", "\u1d0751"])
def test_a_code_in_any_spelling(text):
    found = [(text[a:b], value) for a, b, _, value in Matcher(codes=["E51"]).find(text)]
    assert len(found) == 1 and found[0][1] == "E51", found
    redacted = Matcher(codes=["E51"]).sub(text, "[x]")
    assert "[x]" in redacted and "51" not in redacted and not [*Matcher(codes=["E51"]).find(redacted)], redacted


@pytest.mark.parametrize("text", ["E510", "TE51", "E51x", "E5 1", "E52", "E, 51", "E 510", "TE 51", "E     51",
                                  "1E-51", "E;51"])
def test_not_another_code(text):
    assert list(Matcher(codes=["E51"]).find(text)) == []


def test_a_name_in_lookalike_letters():
    """Cyrillic and Greek letters drawn as Latin ones, a mark that draws nothing: the name as written."""
    m = Matcher(names=name_forms("Märta Ljungstedt"))
    for text in ["Ljungst\u0435dt", "M\u0430rta Ljungstedt", "Ljung\u034fstedt", "LJUNGSTΕDT", "Ljungstedt\ufe0fs",
                 "Ljungst\u0450dt"]:  # the last: a Cyrillic e with an accent
        assert m.sub(f"Enligt {text} i år", "[x]") in ("Enligt [x] i år", "Enligt [x]s i år"), text
    assert Matcher(names=["Granlöf"]).sub("R. G\u0433anlöf", "[x]") == "R. [x]"


def test_forms_of_a_units_name():
    assert name_forms("Solrosens förskola (fiktiv)") == ["Solrosens förskola (fiktiv)", "Solrosens förskola",
                                                         "Solrosens"]
    assert name_forms("Förskolan Regnbågen (fiktiv)") == ["Förskolan Regnbågen (fiktiv)", "Förskolan Regnbågen",
                                                          "Regnbågen"]
    assert name_forms("Spånga–Tensta") == ["Spånga–Tensta", "Spånga", "Tensta"]
    assert {"Parkenheten, Spånga-Tensta", "Parkenheten", "Spånga", "Tensta"} <= set(
        name_forms("Parkenheten, Spånga-Tensta (fiktiv)"))
    assert name_forms("Lokalvården") == [] and name_forms("Förskolan") == []  # generic words alone: never


def test_a_name_in_any_spelling_and_inflection():
    forms = {f: "S" for f in name_forms("Solrosens förskola (fiktiv)")}
    forms |= {f: "R" for f in name_forms("Förskolan Regnbågen (fiktiv)")}
    forms |= {f: "D" for f in name_forms("Spånga–Tensta")}
    m = Matcher(names=forms)
    text = ("Solrosen, Solrosens, SOLROSENS förskola (fiktiv); Regnbagen, Regnba\u030agen, Regnbågens; "
            "Tensta, Spånga, Spånga-Tensta, Spånga — Tensta; Förskolan, enheten, Lokalvården, solrosor")
    assert m.sub(text, lambda _t, v: f"<{v}>") == (
        "<S>, <S>s, <S>; <R>, <R>, <R>s; <D>, <D>, <D>, <D>; Förskolan, enheten, Lokalvården, solrosor")


def test_generic_words_are_folded_like_the_text():
    assert {"förskolan", "lokalvården", "enheten"} <= GENERIC
    assert Matcher(names=name_forms("Förskolan Ängen")).sub("Förskolan och FÖRSKOLAN ängens", "[x]") == (
        "Förskolan och [x]s")


# ------------------------------------------------------------------ a number alone is not a name


def test_a_number_alone_is_not_a_form_of_a_name():
    """ "3498" of "Enhet 3498 (fiktiv)" is in every entry code 2030-3498, year and count: not a form.
    With a word beside it, the number names the unit: "Enhet 3498" is a form, though "Enhet" is generic."""
    assert name_forms("Enhet 3498 (fiktiv)") == ["Enhet 3498 (fiktiv)", "Enhet 3498"]
    assert name_forms("Kvarteret 1912") == ["Kvarteret 1912", "Kvarteret"]
    assert name_forms("Hus 12–3498") == ["Hus 12–3498", "Hus 12"]
    assert name_forms("3498") == [] and name_forms("2030-3498") == []
    assert name_forms("Enhet 34E8") == ["Enhet 34E8", "34E8"]  # a letter makes it a word of a name
    m = Matcher(names={f: "U" for f in name_forms("Enhet 3498 (fiktiv)")})
    assert m.sub("2030-3498 i 2030, 3498 poäng, bidrag 3498:s", "[x]") == "2030-3498 i 2030, 3498 poäng, bidrag 3498:s"
    assert m.sub("Enhet 3498, ENHET-3498:s och enhet 3498 (fiktiv).", "[x]") == "[x], [x]:s och [x]."
    assert m.sub("Enheten 3498 och Enhet 34980", "[x]") == "Enheten 3498 och Enhet 34980"


# ------------------------------------------------------------------ the index against one alternation


def _one_alternation(codes: dict, names: dict):
    """The matcher as it was: one regular expression, every term an alternative, longest first
    (an independent search with the same term patterns), run over the folded text."""
    import re

    from scoring import names as n

    terms = [(c, n._code_regex(c), v) for c, v in codes.items() if c.strip()]
    terms += [(t, n._name_regex(t), v) for t, v in names.items() if n.folded(t).strip()]
    terms = [t for t in terms if t[1]]
    terms.sort(key=lambda t: (-len(n.folded(t[0])), t[0]))
    if not terms:
        return lambda text: []
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(f"({rx})" for _, rx, _ in terms) + ")")

    def find(text):
        folded, where = fold(text)
        out = []
        for m in pattern.finditer(folded):
            if m.end() > m.start():
                end = where[m.end() - 1] + 1
                while end < len(text) and unicodedata.category(text[end]) in ("Mn", "Me"):
                    end += 1
                term, value = terms[m.lastindex - 1][0], terms[m.lastindex - 1][2]
                out.append((where[m.start()], end, term, value))
        return out

    return find


_WORDS = ["solrosen", "Solrosens", "förskola", "Förskolan", "Regnbågen", "Spånga", "Tensta", "enhet", "Enhet",
          "3498", "2030", "34", "E07", "e", "07", "Ödmark", "ab", "abs", "abcde", "abcdes", "straße", "strasse",
          "Ｅ０７", "fiktiv", "x", "s", "en", "na", "Tekla"]
_SEPS = [" ", "-", "–", ", ", "_", "  ", "\u200b", ":", "(", ")", "/", "", "\n", ".", "@", "'"]
_ENDS = ["", "s", "en", "ens", "et", ":s", "arna", "x", "0"]


def _random_word(r):
    w = r.choice(_WORDS)
    w = w.upper() if r.random() < 0.2 else w
    return w.replace("å", "a\u030a") if r.random() < 0.1 else w


def _random_term(r, code):
    t = r.choice(_SEPS[:6]).join(_random_word(r) for _ in range(r.choice([1, 1, 2, 3])))
    if code and r.random() < 0.2:
        t = r.choice(["#", "<", "(", "-"]) + t  # a code that starts with punctuation
    if not code and r.random() < 0.3:
        t += " (fiktiv)"
    return t


@pytest.mark.parametrize("seed", range(4))
def test_the_index_finds_what_one_alternation_finds(seed):
    """Random codes and names (words that start one another, numbers, endings, punctuation first,
    accents decomposed, full width) in random texts made of their pieces: the same matches, term,
    value and positions as the one regular expression the matcher was before (issue 22)."""
    import random

    r = random.Random(seed)
    compared = matched = 0
    for _ in range(150):
        codes = {_random_term(r, True): f"c{i}" for i in range(r.randint(0, 4))}
        names = {_random_term(r, False): f"n{i}" for i in range(r.randint(0, 8))}
        matcher, reference = Matcher(codes=codes, names=names), _one_alternation(codes, names)
        pieces = [*codes, *names]
        for _ in range(10):
            parts = []
            for _ in range(r.randint(1, 30)):
                piece = r.choice(pieces) if pieces and r.random() < 0.4 else _random_word(r)
                parts += [(piece.lower() if r.random() < 0.3 else piece) + r.choice(_ENDS), r.choice(_SEPS)]
            text = "".join(parts)
            expected = reference(text)
            assert list(matcher.find(text)) == expected, (codes, names, text)
            compared, matched = compared + 1, matched + len(expected)
    assert matched > compared  # the texts are full of matches, not a comparison of empty lists


def test_fold_is_the_fold_of_each_character():
    """The fast paths of :func:`fold` and :func:`folded` (ASCII at once, each other character folded
    once) give what folding character by character gives."""
    from scoring.names import _fold_char, folded

    for text in ["Plain ASCII, E07 & 2030-3498.", "Förskolan Ｅ０７\u200bÅ straße ﬁ A\u030a", "ÅÄÖ", "", "a\u0301b",
                 "İSTANBUL \U0001d400\u2126 \ufeff\u202e", "Ǆ ǅ ǆ ΣΑΣ ﬀ"]:
        by_char = "".join(_fold_char(c) for c in text)
        assert fold(text)[0] == folded(text) == by_char
        assert fold(text)[1] == [i for i, c in enumerate(text) for _ in _fold_char(c)]
