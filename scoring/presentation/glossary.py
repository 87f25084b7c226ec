"""The reports' glossary: one Swedish term per measure and concept, defined once, and the
words that turn a probability into prose.

Every kind, the index and the column headers (:data:`scoring.presentation.labels.COLUMNS_SV`)
take their terms from :data:`TERMS`, so a measure has the same name on a juror's pack, an
examiner's page and the calibration report. Differences (generosity, change, a shift) are
printed with their sign everywhere (:func:`signed`), so "+7,1" on one page is never "7,1"
on the next.

A probability is put into words from the value *as printed* (:func:`chance`,
:func:`chance_reading`): two chances that both print as 95 % always get the same words, and
the thresholds are stated in the method sentence (:func:`chance_thresholds`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from . import render

__all__ = [
    "CHANCE_WORDS",
    "TERMS",
    "Term",
    "chance",
    "chance_percent",
    "chance_reading",
    "chance_thresholds",
    "definitions",
    "label",
    "signed",
    "signed_interval",
    "term",
]


@dataclass(frozen=True)
class Term:
    """A measure or concept: its Swedish ``name`` (as a column header or a label), the
    ``unit`` it is counted in (None: none), a one-sentence ``definition`` for the reader and
    whether its values are differences printed with their sign."""

    name: str
    unit: str | None
    definition: str
    signed: bool = False


#: The glossary, by key. Keys are the package's English names of the measures.
TERMS: dict[str, Term] = {
    "generosity": Term(
        "Generositet", "poäng",
        "Hur många poäng högre (+) eller lägre (−) en examinator i medel sätter än kollegor som bedömt "
        "samma bidrag och kriterier, enligt examinatorsmodellen.",
        signed=True),
    "scale_use": Term(
        "Skalanvändning", None,
        "Hur mycket en examinator sprider bidragen jämfört med kollegorna på samma bidrag: 1 är som "
        "kollegorna, under 1 närmare mitten av skalan, över 1 mer utspritt."),
    "halo": Term(
        "Halo", None,
        "Hur lika en examinators poäng på ett bidrags sex kriterier är, utöver vad bidraget förklarar: "
        "nära 1 ungefär samma poäng på alla kriterier, nära 0 tydlig skillnad mellan starka och svaga."),
    "inconsistency": Term(
        "Inkonsekvens", "poäng",
        "Hur långt en examinators poäng i medel ligger från vad modellen väntar sig av hen, när "
        "generositet och skalanvändning räknats bort."),
    "drift": Term(
        "Förändring mot tidigare år", "poäng",
        "Skillnaden mellan en examinators generositet i år och hens tidigare år.",
        signed=True),
    "interval": Term(
        "Osäkerhetsintervall", None,
        "Ett intervall som med angiven andel (till exempel 95 %) täcker det sanna värdet; andelen är "
        "uppmätt i simuleringar och står vid varje intervall."),
    "shrunken_interval": Term(
        "95 % intervall (krympt skattning)", "poäng",
        "Generositeten skattas med krympning: en examinator med få poäng dras mot 0 (genomsnittet). "
        "Intervallet kring den krympta skattningen täcker den sanna generositeten för 95 av 100 "
        "examinatorer i medel över examinatorerna, inte för varje enskild."),
    "rank_interval": Term(
        "Möjlig placering", None,
        "Mellan vilka placeringar bland klassens bidrag som kan vinna bidraget hamnar när "
        "osäkerheten i poängen räknas in (90 % intervall)."),
    "chance_to_win": Term(
        "Chans att vinna", None,
        "Hur ofta bidraget blir bäst av klassens bidrag som kan vinna när osäkerheten i poängen "
        "räknas in."),
    "reliability": Term(
        "Reliabilitet", None,
        "Hur väl ett lags medelpoäng skiljer bidragen åt: 1 helt, 0 inte alls (andelen av variationen "
        "i lagets medel som är verklig skillnad mellan bidragen)."),
    "agreement": Term(
        "Samstämmighet", None,
        "Hur lika examinatorer som bedömt samma bidrag sätter poäng, mätt med ICC och andra mått."),
    "nearest_consensus": Term(
        "Närmast konsensus", None,
        "Hur ofta lagets gemensamma poäng hamnade närmast just din individuella poäng."),
    "spread": Term(
        "Spridning", "poäng",
        "Högsta minus lägsta individuella poäng på ett bidrag och kriterium."),
}


def term(key: str) -> str:
    """The Swedish term of a measure or concept (e.g. ``"Generositet"``)."""
    return TERMS[key].name


def label(key: str) -> str:
    """The term with its unit, as a column header (e.g. ``"Generositet (poäng)"``)."""
    t = TERMS[key]
    return f"{t.name} ({t.unit})" if t.unit else t.name


def definitions(keys) -> render.Block:
    """The definitions of the given terms as a bulleted list ("Generositet: ...")."""
    return render.bullets([render.text("{t}: {d}", t=render.strong("{n}", n=TERMS[k].name),
                                       d=TERMS[k].definition) for k in keys])


def signed(x, decimals: int = 1) -> str:
    """A difference written with its sign, the same way on every page: "+7,1", "−3,0", "0,0"."""
    return render.number(x, decimals, sign=True)


def signed_interval(low, high, decimals: int = 1) -> str:
    """An interval of a difference: "−3,2 till +4,1"."""
    return f"{signed(low, decimals)} till {signed(high, decimals)}"


# --------------------------------------------------------------------------- chances


def _missing(p) -> bool:
    return p is None or p is pd.NA or (isinstance(p, float) and math.isnan(p))


def chance_percent(p) -> int | None:
    """The whole per cent a probability is printed as (None when missing): what the words are
    chosen from. "< 1 %" counts as 0 and "> 99 %" as 99, as a reader would take them."""
    if _missing(p):
        return None
    p = float(p)
    if 0 < p < 0.005:
        return 0
    if 0.995 <= p < 1:
        return 99
    return int(render.number(p * 100, 0).replace(render.MINUS, "-"))


def chance(p) -> str:
    """A probability as a juror reads it: "64 %", "< 1 %" rather than "0 %" for a small chance
    that is not nil, "> 99 %" rather than "100 %" when it is not certain; "–" when missing."""
    if _missing(p):
        return render.MISSING
    p = float(p)
    if 0 < p < 0.005:
        return "<\u00a01\u00a0%"
    if 0.995 <= p < 1:
        return ">\u00a099\u00a0%"
    return render.number(p * 100, 0) + "\u00a0%"


#: How sure a lead is, by the chance to win as printed (whole per cent, at least this): the
#: one scale of words every kind uses for a probability.
CHANCE_WORDS = (
    (95, "mycket säker"),
    (80, "ganska säker"),
    (50, "osäker"),
    (0, "mycket osäker"),
)


def chance_reading(p) -> str:
    """The words for a lead whose chance to win is ``p``, chosen from the value as printed
    (:func:`chance_percent`): "mycket säker", "ganska säker", "osäker" or "mycket osäker"."""
    printed = chance_percent(p)
    if printed is None:
        return ""
    return next(words for floor, words in CHANCE_WORDS if printed >= floor)


def chance_thresholds() -> str:
    """The thresholds of :data:`CHANCE_WORDS` in one sentence for the method text."""
    parts = []
    upper = None
    for floor, words in CHANCE_WORDS:
        if upper is None:
            parts.append(f"{words} från {floor}\u00a0%")
        elif floor == 0:
            parts.append(f"{words} under {upper}\u00a0%")
        else:
            parts.append(f"{words} {floor}–{upper - 1}\u00a0%")
        upper = floor
    return ("Orden för hur säker ledningen är följer chansen att vinna som den skrivs: "
            + ", ".join(parts) + ".")
