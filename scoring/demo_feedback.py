"""The demo's consensus texts (:mod:`scoring.demo`): per entry and criterion, the team's strengths
(*styrkor*) and areas for development (*utvecklingsområden*), one point per line, in the
``strengths`` and ``improvements`` columns of the consensus rows of ``scores.csv``.

Built from the rubric's questions and the consensus score: more strengths where the score is
high, more areas where it is low, each point naming the question it answers. Drawn from a random
stream of its own (no score changes). A few criteria of the year before the last are left without a text,
so the award office's checklist has something to find.
"""

from __future__ import annotations

import numpy as np

__all__ = ["team_texts"]

#: Per criterion: strengths, then areas for development ("{q}": the question the point answers).
_POINTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "target_group": (
        ("Målgruppens behov kartläggs systematiskt med enkäter och samtal ({q}).",
         "Brukarnas synpunkter tas tillvara och leder till förändringar i arbetssätten ({q}).",
         "Verksamheten följer hur nöjda målgrupperna är över flera år ({q}).",
         "Tydliga rutiner för synpunkter och klagomål som alla medarbetare känner till ({q})."),
        ("Beskriv hur kunskapen om målgruppens behov används när verksamheten planeras ({q}).",
         "Brukarundersökningens resultat redovisas men analyseras inte ({q}).",
         "Visa hur målgruppen görs delaktig i utvecklingen av verksamheten ({q}).",
         "Det framgår inte hur synpunkter och klagomål följs upp och återkopplas ({q})."),
    ),
    "leadership": (
        ("Chefernas ledarskap märks i vardagen och utvärderas årligen ({q}).",
         "Ledningen skapar förutsättningar för lärande och tar vara på medarbetarnas kompetens ({q}).",
         "Verksamhetens syfte och mål är väl förankrade hos medarbetarna ({q})."),
        ("Beskriv hur ledarskapet utvärderas och vad som har ändrats efter utvärderingen ({q}).",
         "Oklart hur cheferna säkerställer att medarbetarna förstår målen ({q}).",
         "Visa hur medarbetarnas delaktighet i utvecklingsarbetet leds och följs upp ({q})."),
    ),
    "staff": (
        ("Medarbetarna är delaktiga i planering och uppföljning av verksamheten ({q}).",
         "Kompetensutvecklingen utgår från verksamhetens mål och följs upp ({q}).",
         "Gemensam värdegrund som märks i det dagliga arbetet ({q})."),
        ("Medarbetarenkätens resultat används inte i förbättringsarbetet ({q}).",
         "Beskriv hur kompetensbehoven tas fram och prioriteras ({q}).",
         "Det framgår inte hur medarbetarnas idéer tas om hand ({q})."),
    ),
    "results": (
        ("Resultaten redovisas över flera år med analys av trender ({q}).",
         "Verksamheten jämför sina resultat med andra verksamheter ({q}).",
         "Ekonomin följs upp löpande och avvikelser analyseras ({q})."),
        ("Resultaten redovisas men jämförs inte över tid eller med andra ({q}).",
         "Analysen av varför resultaten ser ut som de gör kan fördjupas ({q}).",
         "Prognosen mot budget saknar analys av avvikelserna ({q})."),
    ),
    "goals_follow_up": (
        ("Tydlig röd tråd från mål till aktiviteter, uppföljning och analys ({q}).",
         "Målen bryts ned så att varje arbetsgrupp vet vad den ska bidra med ({q}).",
         "Uppföljningen leder till beslut om åtgärder ({q})."),
        ("Förväntade resultat och hur de ska mätas behöver bli tydligare ({q}).",
         "Visa hur uppföljningen av målen leder till förändringar ({q}).",
         "Koppla aktiviteterna tydligare till verksamhetens mål ({q})."),
    ),
    "development": (
        ("Verksamheten lär av andra genom nätverk och omvärldsbevakning ({q}).",
         "Risker identifieras och hanteras systematiskt ({q}).",
         "Förbättringar provas i liten skala, utvärderas och sprids ({q})."),
        ("Beskriv hur verksamheten lär av andra och tar in ny kunskap ({q}).",
         "Det framgår inte hur förbättringsarbetet prioriteras och följs upp ({q}).",
         "Visa hur verksamheten arbetar med innovation och nya arbetssätt ({q})."),
    ),
}


def _q(question: int) -> str:
    return f"fråga {question}"


def team_texts(rng: np.random.Generator, criterion: str, score: float, lo: float, hi: float,
               questions: tuple[int, ...]) -> tuple[str, str]:
    """``(strengths, improvements)`` of one consensus row, one point per line: two or three
    strengths and one area where the score is in the top third of the scale ``lo``–``hi``, the
    other way round in the bottom third, two of each between."""
    strengths, areas = _POINTS.get(criterion, _POINTS["development"])
    level = (score - lo) / (hi - lo) if hi > lo else 0.5
    n_s, n_a = (int(rng.integers(2, 4)), 1) if level >= 2 / 3 else (1, int(rng.integers(2, 4))) \
        if level < 1 / 3 else (2, 2)
    qs = list(questions) or [0]

    def points(pool: tuple[str, ...], n: int) -> str:
        picked = rng.choice(len(pool), size=min(n, len(pool)), replace=False)
        return "\n".join(pool[i].format(q=_q(int(rng.choice(qs)))) for i in sorted(picked))

    return points(strengths, n_s), points(areas, n_a)
