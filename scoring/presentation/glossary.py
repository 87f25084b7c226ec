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
        "Examinatorsmodellens skattning av hur många poäng högre (+) eller lägre (−) en examinator sätter "
        "än en genomsnittlig examinator på samma bidrag och kriterier. Skattningen är krympt: bygger den på "
        "få poäng dras den mot 0.",
        signed=True),
    "scale_use": Term(
        "Skalanvändning", None,
        "Hur stor del av skalan en examinator använder för att skilja starka bidrag från svaga, jämfört "
        "med kollegorna på samma bidrag och kriterier: 1 som den mittersta examinatorn, under 1 en smalare "
        "del nära mitten av skalan, över 1 en större del."),
    "halo": Term(
        "Halo", None,
        "Hur lika en examinators poäng på ett bidrags olika kriterier är, jämfört med kollegornas på samma "
        "bidrag: 0 skiljer starka kriterier från svaga som den mittersta examinatorn, nära 1 ungefär samma "
        "poäng på alla kriterier, under 0 större skillnader än kollegorna."),
    "inconsistency": Term(
        "Inkonsekvens", "poäng",
        "Hur långt en examinators poäng typiskt ligger från vad modellen väntar sig av hen (kvadratiskt "
        "medelvärde), när bidragets och kriteriets nivå, examinatorns generositet och hens helhetsintryck av "
        "bidraget räknats bort."),
    "drift": Term(
        "Förändring mot tidigare år", "poäng",
        "Skillnaden mellan en examinators generositet i år och hens tidigare år (ett viktat medel av de "
        "tidigare årens skattningar), med ett 95 % intervall.",
        signed=True),
    "drift_flag": Term(
        "Flaggad förändring", None,
        "En förändring mot tidigare år som är så stor att en examinator vars generositet inte har ändrats "
        "flaggas högst 5 % av gångerna över alla sina år tillsammans (scoring.calibration.FALSE_ALARM). "
        "Varje jämförelse prövas mot sin del av de 5 %, så ett 95 % intervall som inte innehåller 0 räcker "
        "inte ensamt."),
    "interval": Term(
        "Osäkerhetsintervall", None,
        "Ett intervall som med angiven andel (till exempel 90 % eller 95 %) ska täcka det sanna värdet; "
        "andelen står vid varje intervall, och hur väl den håller är uppmätt i simuleringar med känt "
        "facit (benchmarks/)."),
    "shrunken_interval": Term(
        "95 % intervall (krympt skattning)", "poäng",
        "Generositeten skattas med krympning: en examinator med få poäng dras mot 0 (genomsnittet). "
        "Intervallet kring den krympta skattningen täcker den sanna generositeten för omkring 95 av 100 "
        "examinatorer i medel över examinatorerna (94–95 i simuleringar), inte för varje enskild: sämre "
        "för de mest avvikande (omkring 91 av 100), bättre för dem nära genomsnittet."),
    "rank_interval": Term(
        "Möjlig placering", None,
        "Mellan vilka placeringar bidraget kan hamna när osäkerheten i poängen räknas in (ett 90 % "
        "intervall), räknat bland klassens bidrag som kan vinna; för ett bidrag som inte kan vinna "
        "bland klassens bidrag som inte heller kan det."),
    "chance_to_win": Term(
        "Chans att vinna", None,
        "Hur ofta bidraget blir bäst av klassens bidrag som kan vinna när osäkerheten i poängen "
        "räknas in; ett bidrag vars budget inte är i balans kan inte vinna och har ingen chans."),
    "reliability": Term(
        "Reliabilitet", None,
        "Hur väl ett lags medelpoäng skiljer bidragen åt: 1 helt, 0 inte alls (andelen av variationen "
        "i lagets medel som är verklig skillnad mellan bidragen). Skattas ur årets poäng och är därför "
        "osäker; rapporten anger hur osäker."),
    "agreement": Term(
        "Samstämmighet", None,
        "Hur lika examinatorer som bedömt samma bidrag sätter poäng, mätt med ICC och andra mått."),
    "nearest_consensus": Term(
        "Närmast konsensus", None,
        "Hur ofta lagets gemensamma poäng (konsensus eller platsbesök) hamnade närmast just en examinators "
        "individuella poäng bland lagets, delat lika när flera låg lika nära."),
    "jury": Term(
        "Juryn", None,
        "Juryn, som utser vinnarna i varje klass; stadsdirektören är ordförande."),
    "spread": Term(
        "Spridning", "poäng",
        "Högsta minus lägsta individuella poäng på ett bidrag och kriterium."),
    # examiner training: a trainee's (or the group's mean) scores against the reference (Cronbach 1955,
    # scoring.calibration.accuracy); d = score − reference on each training case and criterion
    "trainee": Term(
        "Deltagare", None,
        "Den som går examinatorsutbildningen. Deltagarna visas bara med sina koder."),
    "elevation": Term(
        "Nivå", "poäng",
        "Medelvärdet av poäng minus referensens poäng över alla fall och kriterier: över 0 generösare än "
        "referensen, under 0 strängare.",
        signed=True),
    "profile_error": Term(
        "Profilfel", "poäng",
        "Hur väl poängen skiljer kriterierna åt som referensen gör, när nivån räknats bort: för varje "
        "kriterium medelavvikelsen från referensen minus nivån, och av det kvadratiskt medelvärde över "
        "kriterierna. 0: starka och svaga kriterier skiljs åt precis som i referensen. Räknas bara när "
        "varje kriterium har en poäng."),
    "differential_elevation": Term(
        "Fallnivåfel", "poäng",
        "Med flera övningsfall: hur mycket avvikelsen från referensen skiljer sig mellan fallen när nivån "
        "räknats bort, alltså hur väl fallen skiljs åt som i referensen. 0: samma avvikelse på alla fall."),
    "differential_accuracy": Term(
        "Samspelsfel", "poäng",
        "Med flera övningsfall: det som återstår av avståndet när nivå, fallnivåfel och profilfel räknats "
        "bort, avvikelser som gäller ett visst kriterium i ett visst fall."),
    "distance": Term(
        "Avstånd till referensen", "poäng",
        "Kvadratiskt medelvärde av poäng minus referensens poäng över alla fall och kriterier: det samlade "
        "avståndet. När varje kriterium har en poäng är avståndet i kvadrat summan av delarnas kvadrater: "
        "nivå och profilfel, och med flera övningsfall fallnivåfel och samspelsfel."),
    "within_one_step": Term(
        "Andel inom ett skalsteg", None,
        "Andelen poäng som ligger högst ett skalsteg från referensens poäng."),
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


def _printed(p: float) -> str:
    """The whole per cent a probability is written as: "< 1", "> 99" or the rounded value. A chance
    that is not nil never reads "0" and one that is not certain never "100", whatever the rounding
    (0.005 rounds to "0" with Python's round-half-to-even: it reads "< 1")."""
    whole = render.number(p * 100, 0)
    if p > 0 and whole == "0":
        return "<\u00a01"
    if p < 1 and whole == "100":
        return ">\u00a099"
    return whole


def chance_percent(p) -> int | None:
    """The whole per cent a probability is printed as (None when missing): what the words are
    chosen from. "< 1 %" counts as 0 and "> 99 %" as 99, as a reader would take them."""
    if _missing(p):
        return None
    printed = _printed(float(p))
    if printed.startswith("<"):
        return 0
    if printed.startswith(">"):
        return 99
    return int(printed.replace(render.MINUS, "-"))


def chance(p) -> str:
    """A probability as a juror reads it: "64 %", "< 1 %" rather than "0 %" for a small chance
    that is not nil, "> 99 %" rather than "100 %" when it is not certain; "–" when missing."""
    if _missing(p):
        return render.MISSING
    return _printed(float(p)) + "\u00a0%"


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
