"""The demo's decisions (``<year>/decisions.csv``, :mod:`scoring.demo`): per class a winner with a
motivation in the style of the city's published ones, sometimes an honourable mention, and in one
chosen year one class without a prize.

Drawn from a random stream of its own (the caller's ``rng``), so adding it changes no score. The
motivations are built from phrase pools: two to four short paragraphs (separated by
:data:`scoring.data.decisions.PARAGRAPH`), never naming an examiner, a number or the unit itself,
as the published texts do.
"""

from __future__ import annotations

import numpy as np

from .data.decisions import PARAGRAPH

__all__ = ["NO_PRIZE_EVERY", "decisions", "motivation", "no_prize_class"]

#: A demo year divisible by this has one class without a prize (2022 among 2019–2024).
NO_PRIZE_EVERY = 6
#: Chance that a class gets an honourable mention (higher when a better-scored entry cannot win).
MENTION_CHANCE, MENTION_CHANCE_BLOCKED = 0.35, 0.7
_CLASS_ORDER = ("forskola", "skola", "aldreomsorg", "socialtjanst", "andra")

#: Who a class's units are for: (the group, the group with the people around it, the group's).
_GROUPS = {
    "forskola": ("barnen", "barnen och vårdnadshavarna", "barnens"),
    "skola": ("eleverna", "eleverna och vårdnadshavarna", "elevernas"),
    "aldreomsorg": ("de äldre", "de äldre och deras anhöriga", "de äldres"),
    "socialtjanst": ("brukarna", "brukarna och deras närstående", "brukarnas"),
    "andra": ("stockholmarna", "kunderna och samarbetspartnerna", "kundernas"),
}
_OTHER_GROUP = ("dem verksamheten är till för", "dem verksamheten är till för och deras närstående",
                "målgruppens")

_OPENINGS = (
    "Verksamhetens styrka är det systematiska kvalitetsarbete som genomsyrar hela organisationen.",
    "Ett medvetet och målinriktat kvalitetsarbete genomsyrar verksamheten.",
    "Genomgående i verksamhetens arbete är förmågan att utgå från {gens} behov och bygga vidare på det som fungerar.",
    "Verksamhetens tydliga organisation är av stor betydelse för systematik och kvalitet.",
    "Här finns en stark gemensam värdegrund som märks i det dagliga arbetet.",
    "Verksamheten präglas av ett långsiktigt och uthålligt förbättringsarbete där alla är delaktiga.",
)
_FOLLOW = (
    "Det finns en röd tråd från mål till arbetssätt, resultat och analys.",
    "Här hittar man många goda exempel på hur {group_and} ges möjlighet till inflytande och delaktighet.",
    "Arbetet utgår genomgående från {gens} perspektiv.",
    "Engagemanget och stoltheten hos såväl ledning som medarbetare är hög.",
)
_THEMES = (
    (  # leadership
        "Ledarskapet kännetecknas av stor tillit och en tydlig riktning. Medarbetarna ges både ansvar och utrymme "
        "att utveckla verksamheten.",
        "Ett modigt och närvarande ledarskap stöttar ett aktivt medarbetarskap. Man vågar pröva nytt, lyfta "
        "misstagen och lära av dem.",
        "Ledningen ser medarbetarna som verksamhetens viktigaste resurs och skapar förutsättningar för delaktighet "
        "på alla nivåer.",
    ),
    (  # staff and learning
        "En struktur för reflektion och analys finns för samtliga medarbetare, något som skapar möjlighet till "
        "kollegialt lärande och ett gott arbetsklimat.",
        "Medarbetarna involveras i utvecklingsarbetet och tar ett gemensamt ansvar för resultaten.",
        "Kompetensutvecklingen planeras utifrån verksamhetens mål och följs upp systematiskt.",
    ),
    (  # goals and follow-up
        "De tydliga målen lever i verksamheten och följs kontinuerligt upp på olika nivåer.",
        "Det finns genomtänkta arbetssätt kopplade till mätbara och uppföljningsbara mål.",
        "Verksamhetsplanen tas fram tillsammans med medarbetarna, och uppföljningen är en naturlig del av vardagen.",
    ),
    (  # results and analysis
        "Resultaten analyseras över tid, och analysen leder till konkreta förbättringar.",
        "Verksamhetsnära mätmetoder ger resultat på individnivå som sedan systematiseras på gruppnivå.",
        "Arbetet har gett goda resultat, både i {gens} svar på enkäter och i medarbetarundersökningen.",
    ),
    (  # the target group
        "{Group} är delaktiga i att forma verksamheten, och deras synpunkter tas till vara i förbättringsarbetet.",
        "Metoder för att öka {gens} delaktighet har utvecklats och följs upp.",
        "Bemötandet präglas av respekt och nyfikenhet på varje individs behov.",
    ),
    (  # development and cooperation
        "Ett väl fungerande samarbete har utvecklats med såväl interna som externa aktörer för att möta {gens} "
        "behov.",
        "Verksamheten delar gärna med sig av sina goda exempel och lär av andra.",
        "Risker och utmaningar identifieras tidigt, och verksamheten har en tydlig plan för hur den ska möta "
        "framtiden.",
    ),
)
_CLOSINGS = (
    "Kvalitetsarbetet genomsyrar hela verksamheten. Allt som medarbetare och chefer gör utgår från viljan att ta "
    "nästa steg framåt, för dem man är till för.",
    "Verksamheten lever upp till sitt uppdrag och ser såväl {group} som medarbetare och samarbetspartner som sina "
    "viktigaste resurser.",
)
_MENTION_REASONS = (
    "med ett aktivt medarbetarskap, utöver det vanliga, ha skapat ett konstruktivt och framgångsrikt "
    "utvecklingsarbete",
    "ha utvecklat ett föredömligt arbete med {gens} delaktighet",
    "med uthållighet och systematik ha byggt upp en tydlig kedja från mål till resultat",
    "ha visat hur analysen av resultat kan bli konkreta förbättringar i vardagen",
)
_NO_PRIZE = (
    "Juryn har inte funnit något bidrag som i år når upp till nivån för en utmärkelse i klassen. Flera bidrag "
    "visar ett engagerat utvecklingsarbete, men sambandet mellan mål, resultat och analys behöver bli tydligare.",
    "Juryn har inte funnit något bidrag som i år når upp till nivån för en utmärkelse i klassen. Bidragen "
    "beskriver många goda arbetssätt, men hur de följs upp och leder till förbättringar framgår ännu inte.",
)
_NO_PRIZE_CLOSINGS = (
    "Juryn uppmuntrar verksamheterna i klassen att fortsätta sitt utvecklingsarbete och att delta igen.",
    "Återkopplingen till varje verksamhet pekar ut styrkor att bygga vidare på och områden att utveckla inför "
    "kommande år.",
)


def _words(cls: str) -> dict[str, str]:
    group, group_and, gens = _GROUPS.get(cls, _OTHER_GROUP)
    return {"group": group, "Group": group[:1].upper() + group[1:], "group_and": group_and, "gens": gens}


def _pick(rng: np.random.Generator, pool) -> str:
    return pool[int(rng.integers(len(pool)))]


def motivation(rng: np.random.Generator, cls: str, award: str = "vinnare") -> str:
    """A motivation for an award in class ``cls``: 2–4 short paragraphs joined by
    :data:`~scoring.data.decisions.PARAGRAPH` (``award``: ``vinnare``, ``hedersomnamnande`` or
    ``inget_pris``)."""
    words = _words(cls)
    if award == "inget_pris":
        paragraphs = [_pick(rng, _NO_PRIZE), _pick(rng, _NO_PRIZE_CLOSINGS)]
    else:
        first = _pick(rng, _OPENINGS)
        if rng.random() < 0.7:
            first += " " + _pick(rng, _FOLLOW)
        n_themes = int(rng.integers(1, 3)) if award == "vinnare" else 1
        themes = [_THEMES[int(i)] for i in rng.permutation(len(_THEMES))[:n_themes]]
        paragraphs = [first, *(_pick(rng, t) for t in themes)]
        if award == "vinnare" and rng.random() < 0.4:
            paragraphs.append(_pick(rng, _CLOSINGS))
        elif award == "hedersomnamnande":
            paragraphs.append(f"Enheten belönas med ett hedersomnämnande för att {_pick(rng, _MENTION_REASONS)}.")
    return f" {PARAGRAPH} ".join(p.format(**words) for p in paragraphs)


def no_prize_class(year: int, entries: list[dict]) -> str | None:
    """The class without a prize in ``year``: the smallest class (fewest entries; the first in the
    usual order among equals) in a year divisible by :data:`NO_PRIZE_EVERY`, else None."""
    if year % NO_PRIZE_EVERY:
        return None
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["class"]] = counts.get(e["class"], 0) + 1
    if not counts:
        return None
    order = {c: i for i, c in enumerate(_CLASS_ORDER)}
    return min(counts, key=lambda c: (counts[c], order.get(c, len(order)), c))


def decisions(rng: np.random.Generator, year: int, entries: list[dict], totals: dict[str, float]) -> list[tuple]:
    """The demo year's ``decisions.csv`` rows: ``(class, award, entry_id, motivation, override_reason)``.

    Per class (in the usual order) the entry with the best consensus total (``totals``) whose
    budget is in balance (``budget_in_balance == "ja"``) wins; sometimes the best other entry gets
    an honourable mention (more often when it scored above the winner but cannot win); in the
    class :func:`no_prize_class` names, and in a class where no entry can win, ``inget_pris``
    (sometimes with an honourable mention). ``entry_id`` is "" for ``inget_pris``;
    ``override_reason`` is always "" (every demo winner's budget is in balance).
    """
    by_class: dict[str, list[dict]] = {}
    for e in entries:
        by_class.setdefault(e["class"], []).append(e)
    order = {c: i for i, c in enumerate(_CLASS_ORDER)}
    none_class = no_prize_class(year, entries)
    rows: list[tuple] = []
    for cls in sorted(by_class, key=lambda c: (order.get(c, len(order)), c)):
        scored = sorted((e for e in by_class[cls] if e["entry_id"] in totals),
                        key=lambda e: (-totals[e["entry_id"]], e["entry_id"]))
        eligible = [e for e in scored if e.get("budget_in_balance") == "ja"]
        if cls == none_class or not eligible:
            rows.append((cls, "inget_pris", "", motivation(rng, cls, "inget_pris"), ""))
            if scored and rng.random() < 0.5:
                best = scored[0]["entry_id"]
                rows.append((cls, "hedersomnamnande", best, motivation(rng, cls, "hedersomnamnande"), ""))
            continue
        winner = eligible[0]["entry_id"]
        rows.append((cls, "vinnare", winner, motivation(rng, cls, "vinnare"), ""))
        others = [e for e in scored if e["entry_id"] != winner]
        if not others:
            continue
        blocked = totals[others[0]["entry_id"]] > totals[winner]
        if rng.random() < (MENTION_CHANCE_BLOCKED if blocked else MENTION_CHANCE):
            rows.append((cls, "hedersomnamnande", others[0]["entry_id"], motivation(rng, cls, "hedersomnamnande"),
                         ""))
    return rows
