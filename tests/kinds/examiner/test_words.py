"""The examiner page's reading rules (scoring.kinds.examiner.words): the closeness test against
binomial tails computed by hand, the advice by direction and size of every measure, the thresholds
at their boundaries, and the drift flag's false-alarm rate in words."""

from __future__ import annotations

import math
import re
from math import comb

import pytest

from scoring.calibration import drift
from scoring.kinds.examiner import words
from scoring.presentation.labels import (
    HALO_HIGH,
    INCONSISTENCY_HIGH,
    RANGE_HIGH,
    RANGE_LOW,
    SCORES_FROM,
    measure_level,
)

#: Words a reading may never use: "säker"/"säkert" for a test, the old names of the interval and
#: of the measures, and the readings issue 17 found.
FORBIDDEN = re.compile(r"\bsäker(t)?\b|konfidens|\bKI\b|avvikelse|stå på dig|ungefär så ofta|ungefär som",
                       re.IGNORECASE)


def _pos(share: float, median: float = 0.0, n: int = 200) -> dict:
    """A pool position of ``n`` colleagues with ``share`` of them below."""
    return {"n": n, "median": median, "q1": median, "q3": median, "share_below": round(share * n) / n}


# --------------------------------------------------------------------------- the closeness test


def _binom_tail_low(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Bin(n, p), summed by hand."""
    return sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


def test_closeness_side_against_binomial_tails_by_hand():
    # 0 of 18 decisions: P(X = 0) = (1 - p)^18; 0,815^18 = 0,02517 > 0,025 but 0,81^18 = 0,02253
    assert 0.815**18 == pytest.approx(0.025167, abs=1e-6) and 0.81**18 == pytest.approx(0.022528, abs=1e-6)
    assert words.closeness_side(0, 18, 0.185) == "unclear"
    assert words.closeness_side(0, 18, 0.19) == "less"
    # issue 17: 0 % against chance 17 % is not even that from 10 decisions (0,83^10 = 0,155)
    assert words.closeness_side(0, 10, 0.17) == "unclear"
    # upper tail, 10 decisions at chance 0,1: P(X >= 4) = 0,0128, P(X >= 3) = 0,0702
    assert 1 - _binom_tail_low(3, 10, 0.1) == pytest.approx(0.012795, abs=1e-6)
    assert 1 - _binom_tail_low(2, 10, 0.1) == pytest.approx(0.070191, abs=1e-6)
    assert words.closeness_side(4, 10, 0.1) == "more"
    assert words.closeness_side(3, 10, 0.1) == "unclear"
    # a count with ties is taken on its less extreme side: 3,5 as 3 above, 0,5 as 1 below
    assert words.closeness_side(3.5, 10, 0.1) == "unclear"
    assert _binom_tail_low(1, 18, 0.19) > 0.025 and words.closeness_side(0.5, 18, 0.19) == "unclear"
    assert words.CLEAR == 0.05 and words.RATE_FROM == 10


def _cdf(k, n, p):
    cumulative, scale = words._binomial_cumulative(n, p)
    return 0.0 if k < 0 else 1.0 if k >= n else cumulative[k] / scale


def _sf(k, n, p):
    cumulative, scale = words._binomial_cumulative(n, p)
    return 1.0 if k < 0 else 0.0 if k >= n else (cumulative[n] - cumulative[k]) / scale


def test_the_binomial_tails_are_scipy_stats_own():
    """closeness_side's tails (summed exactly, without scipy.stats' import in the kernel) are
    scipy.stats.binom's, at the edges too (a count below 0 or at n)."""
    from scipy import stats

    for n in (1, 2, 7, 18, 60):
        for p in (0.05, 0.19, 0.5, 0.83):
            for k in range(-2, n + 2):
                assert _cdf(k, n, p) == pytest.approx(stats.binom.cdf(k, n, p), rel=1e-12, abs=1e-15)
                assert _sf(k, n, p) == pytest.approx(stats.binom.sf(k, n, p), rel=1e-12, abs=1e-15)
    assert _cdf(3, 10, 0.1) == pytest.approx(_binom_tail_low(3, 10, 0.1), rel=1e-12)
    for k in (0, 150, 340, 500, 1999):  # an examiner with thousands of decisions, deep in both tails
        assert _cdf(k, 2000, 0.17) == pytest.approx(stats.binom.cdf(k, 2000, 0.17), rel=1e-11)
        assert _sf(k, 2000, 0.17) == pytest.approx(stats.binom.sf(k, 2000, 0.17), rel=1e-11)


def test_the_side_of_every_sum_is_the_test_at_that_sum():
    """closeness_sides (one table of tails for every sum a page could print) says what the binomial
    test at each sum says: scipy.stats.binom's tails at the whole numbers beside the sum."""
    from scipy import stats

    for n, p in ((10, 0.1), (18, 0.19), (60, 0.3), (174, 0.21)):
        side = words.closeness_sides(n, p)
        for twelfths in range(0, 12 * n + 1, 5):
            x = twelfths / 12
            low, high = math.ceil(x - 1e-9), math.floor(x + 1e-9)
            expected = ("more" if stats.binom.sf(high - 1, n, p) <= words.CLEAR / 2 else
                        "less" if stats.binom.cdf(low, n, p) <= words.CLEAR / 2 else "unclear")
            assert side(x) == words.closeness_side(x, n, p) == expected, (n, p, x)


def _row(stage="consensus", n=18, nearest=0.0, expected=0.18, move=22.2, abs_move=22.2):
    return {"stage": stage, "decisions": n, "nearest": nearest, "nearest_share": nearest / n,
            "expected_share": expected, "movement": move, "abs_movement": abs_move}


def test_a_team_above_a_strict_examiner_is_read_as_their_level():
    """Issue 17: the strictest examiner (E39, −23 points) was told "stå på dig när du har belägg"."""
    strict = measure_level("bias", -23.2, position=_pos(0.0), n=18, ci=(-30.5, -15.9))
    said, todo = words.closeness_reading(_row(expected=0.19), strict)  # clearly less often than chance
    assert said.startswith("Lagets konsensuspoäng hamnade tydligt mer sällan närmast din poäng än slumpen ger: "
                           "0\u00a0% mot 19\u00a0% (tydligt: så stor skillnad mot slumpen uppstår av en slump i "
                           "högst 5 fall av 100).")
    assert "låg oftast över din: i medel +22,2 poäng" in said and "du sätter tydligt lägre poäng" in said
    assert todo == ("Det är dina poäng före konsensus, inte hur du diskuterar, som gör skillnaden: se råden under "
                    "Generositet.")
    lenient = measure_level("bias", 15.0, position=_pos(0.97), n=24, ci=(8.0, 22.0))
    said, todo = words.closeness_reading(_row(move=-15.0, abs_move=16.0, expected=0.19), lenient)
    assert "låg oftast under din: i medel −15,0 poäng" in said and "tydligt högre poäng" in said
    assert "se råden under Generositet" in todo
    for s, t in (words.closeness_reading(_row(expected=0.19), strict),
                 words.closeness_reading(_row(move=-15.0, abs_move=16.0, expected=0.19), lenient)):
        assert not FORBIDDEN.search(s + t) and "belägg kommer fram" not in t


def test_closeness_readings_by_side():
    average = measure_level("bias", 0.5, position=_pos(0.5), n=24, ci=(-3.0, 4.0))
    said, todo = words.closeness_reading(_row(n=20, nearest=12, expected=0.25, move=1.0, abs_move=8.0), average)
    assert "tydligt oftare närmast din poäng" in said and "de andras belägg" in todo
    said, todo = words.closeness_reading(_row(n=30, nearest=1, expected=0.25, move=0.5, abs_move=9.0), average)
    assert "tydligt mer sällan" in said and "åt båda hållen" in todo and "låg oftast" not in said
    said, todo = words.closeness_reading(_row(n=10, nearest=0, expected=0.17, move=0.5, abs_move=9.0), average)
    assert said == ("Med 10 beslut skiljer sig 0\u00a0% inte tydligt från slumpens 17\u00a0%: en sådan skillnad "
                    "kan uppstå av en slump.") and todo == ""
    # a strict examiner whose team's score lay on both sides gets no advice to argue
    strict = measure_level("bias", -12.0, position=_pos(0.1), n=24, ci=(-18.0, -6.0))
    said, todo = words.closeness_reading(_row(n=30, nearest=1, expected=0.25, move=0.5, abs_move=9.0), strict)
    assert todo == ""
    # one-way movement at the boundary: |mean| >= 0,75 x mean |movement|
    said, _ = words.closeness_reading(_row(n=10, move=7.5, abs_move=10.0), average)
    assert "låg oftast över din" in said
    said, _ = words.closeness_reading(_row(n=10, move=7.4, abs_move=10.0), average)
    assert "låg oftast" not in said


# --------------------------------------------------------------------------- your measures


@pytest.mark.parametrize("value, ci, share, says, advice, never", [
    # very strict (0 % below): the strongest advice for the strict, never to hold their ground
    (-23.2, (-30.5, -15.9), 0.0, "tydligt lägre poäng", "Du hör till de strängaste", "högsta poäng"),
    (-6.0, (-10.0, -2.0), 0.2, "tydligt lägre poäng", "Pröva om dina låga poäng", "strängaste"),
    # very lenient: never told to be kinder
    (15.0, (8.0, 22.0), 0.97, "tydligt högre poäng", "Du hör till de mest generösa", "låga poäng"),
    (6.0, (2.0, 10.0), 0.8, "tydligt högre poäng", "pröva varje hög poäng", "generösa i gruppen"),
    # an interval holding 0: no "tydligt", whatever the position
    (-4.0, (-9.0, 1.0), 0.2, "rymmer 0", "Inget att ändra utifrån ett år", "Pröva"),
    (0.5, (-3.0, 4.0), 0.5, "rymmer 0", "Fortsätt som nu.", "Pröva"),
])
def test_generosity_advice_by_direction_and_size(value, ci, share, says, advice, never):
    level = measure_level("bias", value, position=_pos(share), n=24, ci=ci)
    said, todo = words.measure_reading(level, ci)
    assert says in said and advice in todo and never not in todo
    assert "Modellens skattning av din generositet är" in said and "95 % intervall (krympt skattning)" in said
    assert not FORBIDDEN.search(said + todo)


def test_measures_read_from_the_position_with_size_from_the_fixed_thresholds():
    # issue 17: halo 0,21 with 82 % of colleagues below reads as higher than most
    said, todo = words.measure_reading(measure_level("halo", 0.21, position=_pos(0.82, n=38), n=18))
    assert said.startswith("Du ger ett bidrag mer lika poäng över kriterierna än de flesta kollegor (halo 0,21; "
                           "82\u00a0% av de 38 kollegorna i din jämförelsegrupp ligger under dig).")
    assert "Pröva för varje bidrag" in todo
    said, todo = words.measure_reading(measure_level("halo", 0.55, position=_pos(0.95), n=18))
    assert "nästan alla kollegor" in said and f"över {str(HALO_HIGH).replace('.', ',')}0" in said
    assert "Bedöm ett kriterium i taget" in todo
    said, todo = words.measure_reading(measure_level("halo", -0.3, position=_pos(0.1), n=18))
    assert "Du skiljer mer mellan" in said and "stora skillnaderna" in todo
    # scale use: narrow / wide, large beyond the fixed thresholds
    said, todo = words.measure_reading(measure_level("range", RANGE_LOW - 0.05, position=_pos(0.05), n=18))
    assert "smalare del av skalan än nästan alla" in said and "Våga använda hela skalan" in todo
    said, todo = words.measure_reading(measure_level("range", RANGE_LOW + 0.05, position=_pos(0.2), n=18))
    assert "smalare del av skalan än de flesta" in said and "Fundera på" in todo
    said, todo = words.measure_reading(measure_level("range", RANGE_HIGH + 0.05, position=_pos(0.8), n=18))
    assert "större del av skalan" in said and "närmare mitten" in todo
    # inconsistency against the colleagues' median
    level = measure_level("inconsistency", 8.0, position=_pos(0.9, median=5.0), n=18)
    said, todo = words.measure_reading(level)
    assert "längre från vad modellen väntar sig än nästan alla kollegors" in said
    assert "kollegornas median 5,0 poäng" in said and "Anteckna vilka belägg" in todo
    assert 8.0 > INCONSISTENCY_HIGH * 5.0 and "Det är mer än 1,1 gånger så mycket." in said
    said, todo = words.measure_reading(measure_level("inconsistency", 4.0, position=_pos(0.1, median=5.0), n=18))
    assert "närmare vad modellen väntar sig" in said and todo == "Fortsätt som nu."


def test_without_a_pool_the_fixed_thresholds_decide():
    said, _ = words.measure_reading(measure_level("halo", 0.21, n=18))
    assert said == "Din halo, 0,21, är inte över 0,40: ingen tydlig haloeffekt."
    said, todo = words.measure_reading(measure_level("halo", 0.41, n=18))
    assert "(halo 0,41). Värdet är över 0,40" in said and "Bedöm ett kriterium i taget" in todo
    said, _ = words.measure_reading(measure_level("range", 1.0, n=18))
    assert said == "Din skalanvändning, 1,00, ligger inom 0,75–1,25: ingen tydlig skillnad mot medbedömarna."
    said, _ = words.measure_reading(measure_level("inconsistency", 5.4, n=18, residual_sd=5.0))
    assert said == "Din inkonsekvens, 5,4 poäng, är inte mer än 1,1 gånger 5,0 poäng för modellen som helhet."
    said, _ = words.measure_reading(measure_level("inconsistency", 5.6, n=18, residual_sd=5.0))  # over 1,1 x 5
    assert said == ("Dina poäng ligger längre från vad modellen väntar sig än medbedömarnas: inkonsekvens 5,6 poäng "
                    "mot 5,0 poäng för modellen som helhet. Det är mer än 1,1 gånger så mycket.")


@pytest.mark.parametrize("measure, value", [("bias", -9.0), ("range", 0.5), ("halo", 0.7), ("inconsistency", 9.0)])
def test_too_few_scores_below_the_stated_number(measure, value):
    few = measure_level(measure, value, position=_pos(0.0 if measure == "bias" else 1.0, median=5.0),
                        n=SCORES_FROM - 1, ci=(-15.0, -3.0))
    said, todo = words.measure_reading(few, (-15.0, -3.0))
    assert f"bygger på {SCORES_FROM - 1} " in said and f"färre än {SCORES_FROM}: för få poäng för att säga" in said
    assert todo == ""
    enough = measure_level(measure, value, position=_pos(0.0 if measure == "bias" else 1.0, median=5.0),
                           n=SCORES_FROM, ci=(-15.0, -3.0))
    assert enough.side in ("low", "high") and "för få" not in words.measure_reading(enough, (-15.0, -3.0))[0]


def test_no_reading_uses_a_forbidden_word():
    for measure, values in (("bias", (-20.0, -2.0, 0.0, 2.0, 20.0)), ("range", (0.5, 0.9, 1.0, 1.1, 1.6)),
                            ("halo", (-0.5, 0.0, 0.21, 0.5)), ("inconsistency", (2.0, 5.0, 9.0))):
        for value in values:
            for position in (None, *(_pos(s, median=5.0) for s in (0.0, 0.1, 0.3, 0.5, 0.8, 1.0))):
                for n in (6, 24):
                    for ci in ((value - 3, value + 3), (value - 30, value + 30)):
                        level = measure_level(measure, value, position=position, n=n, ci=ci, residual_sd=5.0)
                        said, todo = words.measure_reading(level, ci)
                        assert said and not FORBIDDEN.search(said + " " + todo), (level, said, todo)


# --------------------------------------------------------------------------- rules, privacy, drift


def test_the_rules_state_their_numbers():
    text = words.reading_rules(True)
    for number in (f"färre än {SCORES_FROM} poäng", "högst 25\u00a0%", "minst 75\u00a0%", "högst 10\u00a0%",
                   "minst 90\u00a0%", "under 0,75 eller över 1,25", "halo över 0,40", "över 1,1 gånger kollegornas"):
        assert number in text, number
    assert "andelen" not in words.reading_rules(False) and "modellens för alla" in words.reading_rules(False)


def test_privacy_rule_in_one_sentence():
    from scoring.disclosure import AT_LEAST, POOL_FROM

    sentence = words.privacy_sentence()
    assert sentence.count(".") == 1 and sentence.endswith(".")
    assert f"minst {POOL_FROM} kollegor" in sentence and f"minst {AT_LEAST} olika" in sentence
    assert len(sentence) < 300


def test_drift_flag_is_stated_at_its_false_alarm_rate(monkeypatch):
    """Issue 17: "din nivå ändrades säkert" for a 5 % test per comparison; now the rate is per examiner
    over all their years, from scoring.calibration.drift.FALSE_ALARM."""
    assert drift.FALSE_ALARM == 0.05
    assert "en examinator utan verklig förändring flaggas i högst 5 fall av 100 över alla sina år" in words.drift_rule()
    monkeypatch.setattr(words, "FALSE_ALARM", 0.1)
    assert "högst 10 fall av 100" in words.drift_rule()
    text = words.drift_flag_text(2024, -15.4, -23.3, -7.4)
    assert text.startswith("2024: flaggad förändring. Din generositet ändrades jämfört med dina tidigare år: "
                           "−15,4 poäng (95\u00a0% intervall −23,3 till −7,4). Du satte alltså lägre poäng")
    assert "högre poäng" in words.drift_flag_text(2024, 8.0, 2.0, 14.0)
    assert not FORBIDDEN.search(text + words.drift_rule())
