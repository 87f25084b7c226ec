"""The examiner page's words: what each measure says about you and what you can do, how often the
team's decisions landed near you, whether your generosity changed, and the privacy rule.

Every reading follows one set of rules, written once: a measure is read by
:func:`scoring.presentation.labels.measure_level` (the same rules as the calibration report's
:func:`~scoring.presentation.labels.examiner_reading`), from the examiner's position among their
colleagues, the share below them that the page's table prints, so a reading never contradicts its
table; a measure resting on fewer than :data:`~scoring.presentation.labels.SCORES_FROM` scores and a
rate resting on fewer than :data:`RATE_FROM` decisions are not read. The advice follows the
direction and the size: a strict examiner is never told to hold their ground, a lenient one never
to be kinder. Every term is the glossary's (:mod:`scoring.presentation.glossary`), every difference
signed by :func:`~scoring.presentation.glossary.signed`, and "säker"/"säkert" is never used for a
test: a 95 % interval that excludes 0 is "tydlig", with what that means, and a change over the years
is "flaggad" at the stated false-alarm rate :data:`scoring.calibration.drift.FALSE_ALARM`.
"""

from __future__ import annotations

import math

import numpy as np

from ...calibration.drift import FALSE_ALARM
from ...disclosure import AT_LEAST, POOL_FROM
from ...presentation import glossary, render
from ...presentation.labels import (
    HALO_HIGH,
    INCONSISTENCY_HIGH,
    POSITION_EXTREME,
    POSITION_HIGH,
    POSITION_LOW,
    RANGE_HIGH,
    RANGE_LOW,
    SCORES_FROM,
    Level,
)

__all__ = [
    "CLEAR",
    "ONE_WAY",
    "RATE_FROM",
    "closeness_reading",
    "closeness_side",
    "drift_flag_text",
    "drift_rule",
    "false_alarm_words",
    "measure_reading",
    "privacy_sentence",
    "reading_rules",
]

#: A rate over the team's decisions (how often the consensus landed nearest you) is read from this
#: many decisions; below, the page says they are too few to tell ("för få beslut för att säga").
RATE_FROM = 10
#: How often the team's score landed nearest you is called clearly more (less) often than chance
#: when so large a difference arises by chance at most this often (two-sided: half in each tail).
CLEAR = 0.05
#: The team's score lay mostly on one side of yours when the mean movement (team − you) is at least
#: this share of the mean absolute movement.
ONE_WAY = 0.75

_PCT = "\u00a0%"


def _n(x, digits=2) -> str:
    return render.number(x, digits)


def _percent(x) -> str:
    """A share (0-1) in whole per cent, as the page prints it."""
    return render.MISSING if x is None or not np.isfinite(x) else f"{render.number(100 * x, 0)}{_PCT}"


# --------------------------------------------------------------------------- the rules in words


def privacy_sentence() -> str:
    """Why others' figures are shown the way they are, in one plain sentence."""
    return (f"Andra examinatorers siffror visas bara sammanslagna och utan kod – som kvartiler när minst "
            f"{POOL_FROM} kollegor kan jämföras med dig, och som lagets medel bara där minst {AT_LEAST} olika "
            "uppsättningar poäng ger samma medel – så att ingen kollegas egen poäng går att räkna ut.")


def reading_rules(pooled: bool) -> str:
    """How the measures are read, with the thresholds; ``pooled``: the page has a pool of colleagues."""
    text = (f"Så läses måtten: ett mått som bygger på färre än {SCORES_FROM} poäng läses inte (för få poäng "
            f"för att säga). {glossary.term('generosity')} kallas tydligt högre eller lägre än en genomsnittlig "
            f"examinators bara när hela dess {glossary.term('shrunken_interval')} ligger över respektive under 0.")
    if pooled:
        text += (f" Varje mått jämförs med kollegorna genom andelen av dem som ligger under dig, samma andel som "
                 f"i tabellen: högst {POSITION_LOW}{_PCT} är lägre än de flesta, minst {POSITION_HIGH}{_PCT} "
                 f"högre än de flesta (högst {POSITION_EXTREME}{_PCT} respektive minst "
                 f"{100 - POSITION_EXTREME}{_PCT}: nästan alla).")
    text += (f" Fasta gränser säger när ett värde är stort: {glossary.term('scale_use').lower()} under "
             f"{_n(RANGE_LOW)} eller över {_n(RANGE_HIGH)}, halo över {_n(HALO_HIGH)} och "
             f"{glossary.term('inconsistency').lower()} över {_n(INCONSISTENCY_HIGH, 1)} gånger "
             + ("kollegornas median." if pooled else "modellens för alla examinatorer."))
    return text


def false_alarm_words() -> str:
    """The drift flag's false-alarm rate in words, from :data:`scoring.calibration.drift.FALSE_ALARM`."""
    return (f"en examinator utan verklig förändring flaggas i högst {render.number(100 * FALSE_ALARM, None)} "
            "fall av 100 över alla sina år")


def drift_rule() -> str:
    """What "flaggad förändring" means on the page."""
    return (f"{glossary.term('drift_flag')}: en förändring av din {glossary.term('generosity').lower()} mot dina "
            f"tidigare år flaggas bara när den är så stor att {false_alarm_words()}. Bara ett flaggat år säger att "
            "din nivå ändrades.")


# --------------------------------------------------------------------------- your measures


def _position(level: Level) -> str:
    return f"{level.percent}{_PCT} av de {level.n_pool} kollegorna i din jämförelsegrupp ligger under dig"


def _most(level: Level) -> str:
    """"nästan alla kollegor" / "de flesta kollegor" by the position, "medbedömarna" without a pool."""
    if level.percent is None:
        return "medbedömarna"
    return "nästan alla kollegor" if level.extreme else "de flesta kollegor"


def _also(level: Level, text: str) -> str:
    """``text`` (an open parenthesis) with the position added, when there is one, closed: a sentence."""
    return f"{text}; {_position(level)})." if level.percent is not None else f"{text})."


def measure_reading(level: Level, ci=(None, None)) -> tuple[str, str]:
    """(what the measure says about you, what you can do; "" for nothing) from its
    :func:`scoring.presentation.labels.measure_level`; ``ci`` the generosity's interval."""
    return {"bias": _bias, "range": _range, "halo": _halo, "inconsistency": _inconsistency}[level.measure](
        level, ci)


def _few(level: Level, name: str, what: str = "poäng") -> tuple[str, str]:
    return (f"Din {name} bygger på {level.n} {what}, färre än {SCORES_FROM}: för få poäng för att säga något "
            "om den.", "")


def _bias(level: Level, ci) -> tuple[str, str]:
    name = glossary.term("generosity").lower()
    if level.side == "missing":
        return (f"Din {name} kan inte skattas i år: du delade inga bidrag med andra examinatorer.", "")
    if level.side == "few":
        said, _ = _few(level, name)
        return (said + f" Modellens skattning, {glossary.signed(level.value)} poäng, är krympt mot 0 just för "
                "att den bygger på få poäng.", "")
    lo, hi = ci
    said = f"Modellens skattning av din {name} är {glossary.signed(level.value)} poäng"
    if level.fixed is not None:
        said += f", med {glossary.term('shrunken_interval')} {glossary.signed_interval(lo, hi)}"
    if level.fixed == "low":
        said += (": hela intervallet ligger under 0, så du sätter tydligt lägre poäng än en genomsnittlig "
                 "examinator på samma bidrag och kriterier.")
    elif level.fixed == "high":
        said += (": hela intervallet ligger över 0, så du sätter tydligt högre poäng än en genomsnittlig "
                 "examinator på samma bidrag och kriterier.")
    elif level.fixed == "middle":
        said += (". Intervallet rymmer 0: det går inte att säga att du sätter högre eller lägre poäng än en "
                 "genomsnittlig examinator.")
    else:
        said += "."
    if level.percent is not None:
        said += f" {_position(level).capitalize()}."
        if level.fixed == "middle" and level.side != "middle":
            said += (f" Skattningen ligger {'lägre' if level.side == 'low' else 'högre'} än för de flesta "
                     "kollegor, men skillnaden är inte tydlig.")
    if level.fixed == "low":
        if level.side == "low" and level.extreme:
            return said, ("Du hör till de strängaste i gruppen, och det drar ned poängen för bidragen du bedömer. "
                          "Gå före konsensus igenom dina lägsta poäng mot bedömningsmallens nivåbeskrivningar: "
                          "ge poäng för de belägg som finns i bidraget, inte avdrag för det du saknar.")
        return said, ("Pröva om dina låga poäng speglar vad bidraget visar eller vad du saknar i det; utgå från "
                      "bedömningsmallens nivåbeskrivningar och ge poäng för de belägg som finns.")
    if level.fixed == "high":
        if level.side == "high" and level.extreme:
            return said, ("Du hör till de mest generösa i gruppen, och det drar upp poängen för bidragen du "
                          "bedömer. Gå före konsensus igenom dina högsta poäng: vilka belägg i bidraget bär dem, "
                          "enligt bedömningsmallens nivåbeskrivningar?")
        return said, ("Läs bedömningsmallens nivåbeskrivningar igen innan du sätter poäng, och pröva varje hög "
                      "poäng mot underlaget: vilka belägg i bidraget bär den?")
    if level.side in ("low", "high"):
        return said, "Inget att ändra utifrån ett år; se om det håller i sig över åren (längre ned)."
    return said, "Fortsätt som nu."


def _range(level: Level, _ci) -> tuple[str, str]:
    name = glossary.term("scale_use").lower()
    if level.side == "missing":
        return (f"Din {name} kan inte skattas: för få av dina poäng har medbedömare.", "")
    if level.side == "few":
        return _few(level, name, "poäng med medbedömare")
    r = _n(level.value)
    if level.side == "low":
        said = _also(level, f"Du använder en smalare del av skalan än {_most(level)} ({name} {r}")
        if level.far:
            return (said + f" Värdet är under {_n(RANGE_LOW)}: tydligt smalare än medbedömarnas.",
                    "Våga använda hela skalan: när ett bidrag är tydligt starkt eller svagt på ett kriterium, låt "
                    "poängen visa det. Jämför med mallens beskrivningar av de högsta och lägsta nivåerna.")
        return (said, "Fundera på om du håller dig närmare mitten av skalan än underlaget motiverar när ett bidrag "
                      "är tydligt starkt eller svagt.")
    if level.side == "high":
        said = _also(level, f"Du använder en större del av skalan än {_most(level)} ({name} {r}")
        if level.far:
            return (said + f" Värdet är över {_n(RANGE_HIGH)}: tydligt större än medbedömarnas.",
                    "Kontrollera att dina höga och låga poäng har stöd i underlaget; när beläggen är blandade hör "
                    "poängen oftast hemma närmare mitten.")
        return said, "Kontrollera att dina högsta och lägsta poäng har stöd i underlaget."
    if level.percent is None:
        return (f"Din {name}, {r}, ligger inom {_n(RANGE_LOW)}–{_n(RANGE_HIGH)}: ingen tydlig skillnad mot "
                "medbedömarna.", "Fortsätt som nu.")
    said = _also(level, f"Du använder skalan som de flesta kollegor ({name} {r}")
    if level.fixed in ("low", "high"):
        said += (f" Värdet är {'under' if level.fixed == 'low' else 'över'} "
                 f"{_n(RANGE_LOW if level.fixed == 'low' else RANGE_HIGH)}, men det gäller en del kollegor också.")
    return said, "Fortsätt som nu."


def _halo(level: Level, _ci) -> tuple[str, str]:
    if level.side == "missing":
        return ("Din halo kan inte skattas: för få av dina poäng har medbedömare.", "")
    if level.side == "few":
        return _few(level, "halo", "poäng med medbedömare")
    h = _n(level.value)
    if level.side == "high":
        said = _also(level, f"Du ger ett bidrag mer lika poäng över kriterierna än {_most(level)} (halo {h}")
        if level.far:
            return (said + f" Värdet är över {_n(HALO_HIGH)}: du ger ofta ungefär samma poäng på alla kriterier.",
                    "Bedöm ett kriterium i taget mot mallens frågor för just det kriteriet innan du bildar dig en "
                    "helhetsbild; sätt gärna poängen kriterium för kriterium över alla dina bidrag i stället för "
                    "bidrag för bidrag.")
        return (said, "Pröva för varje bidrag om kriterierna verkligen är lika starka: läs mallens frågor för varje "
                      "kriterium för sig innan du sätter poängen.")
    if level.side == "low":
        return (_also(level, f"Du skiljer mer mellan ett bidrags starka och svaga kriterier än {_most(level)} "
                             f"(halo {h}"),
                "Kontrollera att de stora skillnaderna mellan kriterierna har stöd i underlaget.")
    if level.percent is None:
        return (f"Din halo, {h}, är inte över {_n(HALO_HIGH)}: ingen tydlig haloeffekt.", "Fortsätt som nu.")
    said = _also(level, f"Du skiljer mellan ett bidrags starka och svaga kriterier som de flesta kollegor (halo {h}")
    if level.fixed == "high":
        said += f" Värdet är över {_n(HALO_HIGH)}, men det gäller en del kollegor också."
    return said, "Fortsätt som nu."


def _inconsistency(level: Level, _ci) -> tuple[str, str]:
    name = glossary.term("inconsistency").lower()
    if level.side == "few":
        return _few(level, name)
    if level.side == "missing" or level.fixed is None:
        return (f"Din {name} kan inte skattas i år.", "")
    inc, typical = _n(level.value, 1), _n(level.typical, 1)
    against = (f"kollegornas median {typical} poäng" if level.percent is not None
               else f"{typical} poäng för modellen som helhet")
    where = f" ({_position(level)})" if level.percent is not None else ""
    if level.side == "high":
        said = (f"Dina poäng ligger längre från vad modellen väntar sig än {_most(level)}s: {name} {inc} poäng "
                f"mot {against}{where}.")
        if level.far:
            return (said + f" Det är mer än {_n(INCONSISTENCY_HIGH, 1)} gånger så mycket.",
                    "Anteckna vilka belägg varje poäng bygger på och jämför liknande underlag mellan bidragen; ta "
                    "upp de poäng du var mest osäker på i konsensusdiskussionen.")
        return said, "Anteckna vilka belägg varje poäng bygger på, så att liknande underlag får liknande poäng."
    if level.side == "low":
        return (f"Dina poäng ligger närmare vad modellen väntar sig än {_most(level)}s: {name} {inc} poäng mot "
                f"{against}{where}.", "Fortsätt som nu.")
    if level.percent is None:
        return (f"Din {name}, {inc} poäng, är inte mer än {_n(INCONSISTENCY_HIGH, 1)} gånger {against}.",
                "Fortsätt som nu.")
    said = f"Din {name} är som de flesta kollegors: {inc} poäng mot {against}{where}."
    if level.fixed == "high":
        said += f" Det är mer än {_n(INCONSISTENCY_HIGH, 1)} gånger medianen, men det gäller en del kollegor också."
    return said, "Fortsätt som nu."


# --------------------------------------------------------------------------- the team's decisions


def closeness_side(nearest: float, decisions: int, expected: float) -> str:
    """"more", "less" or "unclear": whether the team's score landed nearest you clearly more or less
    often than if the nearest were a team member chosen at random.

    An exact binomial test, two-sided at :data:`CLEAR` (each tail at half of it), of ``nearest``
    (ties counted as shares) out of ``decisions`` against the mean chance ``expected``. The chances
    differ between decisions (teams differ in size): the count is then Poisson-binomial, and the
    binomial with the mean chance bounds its tails from above (Hoeffding 1956, Theorem 4), so the test
    is conservative. A count with ties is taken at the whole number on the side that is less extreme.
    """
    return closeness_sides(decisions, expected)(nearest)


def closeness_sides(decisions: int, expected: float):
    """:func:`closeness_side` for any ``nearest`` of ``decisions`` at the chance ``expected``, the
    binomial's terms summed once (for every sum of shares a page could print)."""
    n = int(decisions)
    if n < 1 or not (0 < expected < 1):
        return lambda nearest: "unclear"
    cumulative, scale = _binomial_cumulative(n, expected)

    def side(nearest: float) -> str:
        if not np.isfinite(nearest):
            return "unclear"
        low, high = math.ceil(nearest - 1e-9), math.floor(nearest + 1e-9)
        below = 1.0 if low >= n else cumulative[low] / scale if low >= 0 else 0.0  # P(X <= ceil(nearest))
        above = 1.0 if high <= 0 else (cumulative[n] - cumulative[high - 1]) / scale if high <= n else 0.0
        if above <= CLEAR / 2:  # P(X >= floor(nearest))
            return "more"
        if below <= CLEAR / 2:
            return "less"
        return "unclear"

    return side


def _binomial_cumulative(n: int, p: float) -> tuple[list[int], int]:
    """P(X <= i) for X binomial (n, p), i = 0..n, as exact integers over a common ``scale`` (each divided
    once rounds correctly: ``scipy.stats.binom.cdf``, without scipy in the kernel). With p = a / b, the
    term of i is C(n, i) a^i (b - a)^(n - i), each from the one before it."""
    a, b = float(p).as_integer_ratio()
    c = b - a
    term, total, out = c ** n, 0, []
    for i in range(n + 1):
        total += term
        out.append(total)
        term = term // c * a * (n - i) // (i + 1)  # C(n, i + 1) a^(i + 1) c^(n - i - 1), exactly
    return out, b ** n


_TEAM_SCORE = {"consensus": "Lagets konsensuspoäng", "site_visit": "Lagets poäng efter platsbesöket"}


def closeness_reading(r, generosity: Level | None = None) -> tuple[str, str]:
    """(what the rate says, what you can do) for one stage's row of
    :func:`scoring.kinds.examiner.feedback.consensus_closeness` with at least :data:`RATE_FROM`
    decisions; ``generosity`` the examiner's :func:`~scoring.presentation.labels.measure_level` of
    their generosity, so that a team landing above a strict examiner is read as their level, not as
    giving in."""
    team = _TEAM_SCORE[r["stage"]]
    n, share, expected = int(r["decisions"]), float(r["nearest_share"]), float(r["expected_share"])
    side = closeness_side(float(r["nearest"]), n, expected)
    move, abs_move = float(r["movement"]), float(r["abs_movement"])
    one_way = abs_move > 0 and abs(move) >= ONE_WAY * abs_move
    clear_gen = generosity.fixed if generosity is not None and generosity.side not in ("missing", "few") else None
    matches = one_way and ((move > 0 and clear_gen == "low") or (move < 0 and clear_gen == "high"))
    meaning = (f"(tydligt: så stor skillnad mot slumpen uppstår av en slump i högst {render.number(100 * CLEAR, None)} "
               "fall av 100)")
    if side == "more":
        said = (f"{team} hamnade tydligt oftare närmast din poäng än slumpen ger: {_percent(share)} mot "
                f"{_percent(expected)} {meaning}.")
    elif side == "less":
        said = (f"{team} hamnade tydligt mer sällan närmast din poäng än slumpen ger: {_percent(share)} mot "
                f"{_percent(expected)} {meaning}.")
    else:
        said = (f"Med {n} beslut skiljer sig {_percent(share)} inte tydligt från slumpens {_percent(expected)}: en "
                "sådan skillnad kan uppstå av en slump.")
    if one_way:
        said += (f" {team} låg oftast {'över' if move > 0 else 'under'} din: i medel "
                 f"{glossary.signed(move)} poäng.")
    if matches:
        said += (f" Det hänger ihop med din {glossary.term('generosity').lower()}: du sätter tydligt "
                 f"{'lägre' if clear_gen == 'low' else 'högre'} poäng än en genomsnittlig examinator "
                 f"(se {glossary.term('generosity')} ovan).")
        return said, (f"Det är dina poäng före konsensus, inte hur du diskuterar, som gör skillnaden: se råden under "
                      f"{glossary.term('generosity')}.")
    if side == "more":
        return said, "Se till att de andras belägg får samma utrymme som dina innan laget bestämmer sig."
    if side == "less" and one_way:
        return said, (f"Laget landade oftast {'över' if move > 0 else 'under'} dina poäng: jämför dina poäng med "
                      "bedömningsmallens nivåbeskrivningar innan konsensus.")
    if side == "less" and clear_gen not in ("low", "high"):
        return said, ("Du flyttar dig oftare än andra mot lagets poäng, åt båda hållen. Det är bra när argumenten "
                      "övertygar; se till att dina belägg kommer fram i diskussionen innan laget bestämmer sig.")
    return said, ""


# --------------------------------------------------------------------------- your years


def drift_flag_text(year: int, change: float, low: float, high: float) -> str:
    """The sentence for a flagged year (only a flagged year says the level changed)."""
    return (f"{year}: {glossary.term('drift_flag').lower()}. Din {glossary.term('generosity').lower()} ändrades "
            f"jämfört med dina tidigare år: {glossary.signed(change)} poäng (95\u00a0% intervall "
            f"{glossary.signed_interval(low, high)}). "
            f"Du satte alltså {'högre' if change > 0 else 'lägre'} poäng i förhållande till kollegorna än tidigare. "
            "Fundera på vad som ändrats (nya bidragstyper, ny mall, eget arbetssätt) och stäm av dina nivåer mot "
            "mallens beskrivningar.")
