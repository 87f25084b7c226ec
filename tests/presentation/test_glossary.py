"""The reports' glossary: terms, signed differences, and a probability's words chosen from the
value as printed (issue 17: 0.9535 and 0.9475 both print as 95 % and were called "mycket säker"
and "ganska säker" on two pages)."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.presentation import glossary
from scoring.presentation.labels import COLUMNS_SV

NBSP = "\u00a0"


# --------------------------------------------------------------------------- chances


@pytest.mark.parametrize(
    "p, printed",
    [
        (0.0, "0 %"),
        (0.004, "< 1 %"),  # small but not nil: never "0 %"
        (0.0049, "< 1 %"),
        (0.005, "< 1 %"),  # rounds half to even to "0": still not nil
        (0.0051, "1 %"),
        (0.2349, "23 %"),
        (0.9475, "95 %"),
        (0.9535, "95 %"),
        (0.9949, "99 %"),
        (0.99499999, "99 %"),
        (0.995, "> 99 %"),  # nearly but not certain: never "100 %"
        (0.996, "> 99 %"),
        (1.0, "100 %"),
    ],
)
def test_chance_prints_as_a_juror_reads_it(p, printed):
    assert glossary.chance(p) == printed.replace(" ", NBSP)


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan])
def test_a_missing_chance_prints_as_missing_and_has_no_words(missing):
    assert glossary.chance(missing) == "–"
    assert glossary.chance_percent(missing) is None
    assert glossary.chance_reading(missing) == ""


@pytest.mark.parametrize("p, percent", [(0.0, 0), (0.004, 0), (0.0051, 1), (0.4449, 44), (0.9475, 95),
                                        (0.9535, 95), (0.996, 99), (1.0, 100)])
def test_chance_percent_is_the_whole_per_cent_printed(p, percent):
    assert glossary.chance_percent(p) == percent


def test_two_chances_that_print_the_same_get_the_same_words():
    # issue 17: P = 0.9535 was "mycket säker" in 2023 and P = 0.9475 "ganska säker" in 2024; both print 95 %
    assert glossary.chance(0.9535) == glossary.chance(0.9475)
    assert glossary.chance_reading(0.9535) == glossary.chance_reading(0.9475) == "mycket säker"
    # and on a fine grid: the words are a function of the printed value
    words: dict[str, set[str]] = {}
    for p in np.linspace(0, 1, 20001):
        words.setdefault(glossary.chance(p), set()).add(glossary.chance_reading(p))
    assert all(len(w) == 1 for w in words.values())


@pytest.mark.parametrize(
    "p, words",
    [
        # the scale, by the whole per cent printed (independent of CHANCE_WORDS' table)
        (1.0, "mycket säker"), (0.996, "mycket säker"), (0.9451, "mycket säker"),
        (0.9449, "ganska säker"), (0.80, "ganska säker"), (0.7951, "ganska säker"),
        (0.7949, "osäker"), (0.50, "osäker"), (0.4951, "osäker"),
        (0.4949, "mycket osäker"), (0.004, "mycket osäker"), (0.0, "mycket osäker"),
    ],
)
def test_chance_reading_thresholds(p, words):
    assert glossary.chance_reading(p) == words


def test_chance_thresholds_state_the_scale_in_one_sentence():
    sentence = glossary.chance_thresholds().replace(NBSP, " ")
    assert sentence == ("Orden för hur säker ledningen är följer chansen att vinna som den skrivs: mycket säker från "
                        "95 %, ganska säker 80–94 %, osäker 50–79 %, mycket osäker under 50 %.")
    # every word of the scale is in it, with the floor it starts at
    for floor, words in glossary.CHANCE_WORDS:
        assert words in sentence
        if floor:
            assert f"{floor} %" in sentence or f"{floor}–" in sentence


# --------------------------------------------------------------------------- differences


@pytest.mark.parametrize(
    "x, decimals, written",
    [(7.06, 1, "+7,1"), (-3.0, 1, "−3,0"), (0.0, 1, "0,0"), (-0.04, 1, "0,0"), (0.04, 1, "0,0"),
     (2.345, 2, "+2,35"), (-12.5, 0, "−12"), (3, 1, "+3")],
)
def test_signed_writes_the_sign_of_a_difference(x, decimals, written):
    # "−" is the minus sign U+2212; a value that rounds to zero gets no sign; -12.5 rounds half to even
    assert glossary.signed(x, decimals) == written


def test_signed_interval():
    assert glossary.signed_interval(-3.24, 4.06) == "−3,2 till +4,1"
    assert glossary.signed_interval(1, 2.5, 2) == "+1 till +2,50"


# --------------------------------------------------------------------------- terms


def test_term_and_label():
    assert glossary.term("generosity") == "Generositet"
    assert glossary.label("generosity") == "Generositet (poäng)"  # with its unit
    assert glossary.label("halo") == glossary.term("halo") == "Halo"  # no unit
    assert glossary.term("rank_interval") == "Möjlig placering"
    assert glossary.term("chance_to_win") == "Chans att vinna"
    with pytest.raises(KeyError):
        glossary.term("nonsense")


def test_the_ranking_terms_say_among_which_entries_they_count():
    rank = glossary.TERMS["rank_interval"].definition
    assert "bland klassens bidrag som kan vinna" in rank and "inte kan vinna" in rank
    chance = glossary.TERMS["chance_to_win"].definition
    assert "kan vinna" in chance and "ingen chans" in chance
    assert COLUMNS_SV["rank_interval"] == "Möjlig placering" and COLUMNS_SV["p_first"] == "Chans att vinna"


def test_definitions_list_the_terms():
    block = glossary.definitions(["generosity", "chance_to_win"])
    assert block.text.splitlines()[0].startswith("- Generositet: Hur många poäng") or "Generositet:" in block.text
    assert "Chans att vinna: Hur ofta bidraget blir bäst" in block.text
    assert "<strong>Generositet</strong>" in block.html
