"""The group against the reference (scoring.kinds.training.group) and the trainer's first screen
(scoring.kinds.training.words): computed by hand on small sessions (issue 18: the trainer's first
screen was a table of files; the per-trainee table was headed "Examinator", explained as "Cronbachs
uppdelning… differentiell nivå", and had two columns that are 0 for every trainee with one case)."""

from __future__ import annotations

import math

import pytest
from test_training import COMPLETE, HEADER, complete_session, session_dir

from scoring.kinds.training import session as training
from scoring.kinds.training import words
from scoring.kinds.training.group import group_result
from scoring.presentation.labels import COLUMNS_SV


def test_the_first_screen_by_hand(tmp_path):
    # COMPLETE against the reference 60, 40 (seven trainees, both criteria each):
    # target_group 70, 50, 60, 80, 60, 40, 60: mean 60, difference 0; sd = sqrt(1000 / 6) = 12,9
    # leadership 50, 40, 60, 30, 40, 40, 50: mean 310 / 7, difference 30 / 7 = +4,3; sd = sqrt(571,43 / 6) = 9,8
    # the group's level (mean of the two differences) 15 / 7 = +2,1; its profile error (two criteria)
    # |0 - 30 / 7| / 2 = 15 / 7 = 2,1
    # levels +10, -5, +10, +5, 0, -10, +5: more than half a step (5) over: 2, under: 1
    # within one step: 14 scores, 3 off by 20: 11 / 14 = 79 %
    g = group_result(complete_session(tmp_path))
    assert g.accuracy["elevation"] == pytest.approx(15 / 7)
    assert g.accuracy["profile_error"] == pytest.approx(15 / 7)
    assert g.accuracy["differential_elevation"] == 0 and g.accuracy["differential_accuracy"] == 0
    assert g.within_one_step == pytest.approx(11 / 14) and g.n_scores == 14
    assert not g.several_cases
    text = words.group_summary(g).text
    assert text == (
        "Gruppen mot referensen\n\n"
        "7 deltagare med, övningsfallet CASE; skala 0–100 i steg om 10 poäng.\n\n"
        "Nivå: gruppens poäng låg i medel +2,1 poäng från referensen, nära referensens nivå. 2 av 7 deltagare låg "
        "mer än ett halvt skalsteg över referensen, 1 under.\n\n"
        "Kriterierna: inget kriterium låg mer än ett halvt skalsteg från referensen i gruppens medel.\n\n"
        "Profil: gruppens medel har profilfel 2,1 poäng: gruppen skiljer i stort starka kriterier från svaga som "
        "referensen.\n\n"
        "Mest oense: Målgrupp och Chef- och ledarskap (standardavvikelse 12,9 och 9,8 poäng).\n\n"
        "Inom ett skalsteg: 79\u00a0% av deltagarnas poäng låg högst ett skalsteg från referensen.")
    # large type: every paragraph of the first screen carries the class the stylesheet enlarges
    html = words.group_summary(g).html
    assert html.count(f'<p class="{words.LEAD}">') == 6 and "<p>" not in html
    # the room sees the group, never a trainee
    assert not any(code in text for code in COMPLETE)


def test_criteria_far_from_the_reference_are_named_with_their_signed_difference(tmp_path):
    # everyone 20 over on leadership (reference 40): the group's difference +20, more than half a step
    scores = {code: (60, 60) for code in ("T1", "T2", "T3")}
    g = group_result(complete_session(tmp_path, scores))
    text = words.group_summary(g).text
    assert "Längst från referensen: Chef- och ledarskap +20,0 poäng i gruppens medel." in text
    assert "Nivå: gruppens poäng låg i medel +10,0 poäng över referensen: gruppen bedömer generöst." in text
    assert "Profil: gruppens medel har profilfel 10,0 poäng: gruppen ser delvis andra starka och svaga" in text
    # nobody disagreed (every standard deviation 0): no criterion is "most disagreed on"
    assert "Mest oense" not in text and "Eniga: deltagarna gav samma poäng på varje kriterium." in text


def two_cases(tmp_path) -> training.TrainingSession:
    """Three trainees on cases C (reference 60, 40) and D (50, 50), every cell scored."""
    folder = session_dir(tmp_path)
    ref = [("C", "target_group", 60), ("C", "leadership", 40), ("D", "target_group", 50), ("D", "leadership", 50)]
    (folder / "reference.csv").write_text(HEADER + "".join(f"2024,{c},REF,{k},{x},reference,,\n" for c, k, x in ref),
                                          encoding="utf-8")
    scores = {"T1": (70, 50, 40, 40), "T2": (70, 30, 40, 60), "T3": (70, 30, 60, 40)}
    for code, xs in scores.items():
        rows = "".join(f"2024,{c},{code},{k},{x},,,\n" for (c, k, _), x in zip(ref, xs, strict=True))
        (folder / f"{code}.csv").write_text(HEADER + rows, encoding="utf-8")
    return training.load_session(2024, "kurs", tmp_path / "data")


def test_several_cases_show_the_parts_across_cases_apart(tmp_path):
    # the group's mean minus the reference: C (+10, -10/3), D (-10/3, -10/3); grand mean 0;
    # case means +10/3, -10/3 -> differential elevation 10/3; criterion means +10/3, -10/3 -> profile
    # error 10/3; residuals ±10/3 -> differential accuracy 10/3; distance sqrt((100 + 3 · 100/9) / 4)
    g = group_result(two_cases(tmp_path))
    assert g.several_cases
    a = g.accuracy
    assert a["elevation"] == pytest.approx(0, abs=1e-12)
    assert [a["differential_elevation"], a["profile_error"], a["differential_accuracy"]] == pytest.approx([10 / 3] * 3)
    assert a["distance"] == pytest.approx(math.sqrt((100 + 300 / 9) / 4))
    text = words.group_summary(g).text
    assert "övningsfallen C, D" in text
    assert "Mellan fallen: fallnivåfel 3,3 poäng (hur gruppens avvikelse skiljer sig mellan fallen), samspelsfel " \
           "3,3 poäng (avvikelser som gäller ett kriterium i ett visst fall)." in text
    headers = words.each_trainee(g).text.splitlines()[4]
    assert "Fallnivåfel (poäng)" in headers and "Samspelsfel (poäng)" in headers
    assert "Avstånd till referensen (poäng)" in words.misunderstanding_table(g).text
    defined = words.measures(g).text
    assert "Fallnivåfel:" in defined and "Samspelsfel:" in defined and "Med ett övningsfall" not in defined


def test_one_case_shows_no_column_that_cannot_vary(tmp_path):
    g = group_result(complete_session(tmp_path))
    table = words.each_trainee(g)
    header = table.text.splitlines()[4]
    # no differential parts (0 for everyone with one case), no count of reference cells (the same for all)
    for gone in ("Fallnivåfel", "Samspelsfel", "Differentiell", "Antal referenspoäng", "Antal poäng", "Examinator",
                 "Anmärkning"):
        assert gone not in table.text, gone
    assert header.split()[0] == "Deltagare"
    assert [h for h in ("Nivå (poäng)", "Profilfel (poäng)", "Avstånd till referensen (poäng)",
                        "Andel inom ett skalsteg") if h not in header] == []
    # levels signed, shares in per cent
    assert "T1" in table.text and "+10,0" in table.text and "100\u00a0%" in table.text
    # the misunderstanding list: with one case the distance is |difference|: left out
    mis = words.misunderstanding_table(g).text
    assert "Avstånd" not in mis and "+4,3" in mis
    defined = words.measures(g).text
    assert "Cronbachs uppdelning" not in defined and "differentiell" not in defined.lower()
    assert "Fallnivåfel" not in defined and "Med ett övningsfall finns inga delar mellan fall." in defined


def test_an_incomplete_hand_in_gets_a_note_column_and_no_profile(tmp_path):
    s = complete_session(tmp_path)
    folder = s.folder
    (folder / "T8.csv").write_text(HEADER + "2024,CASE,T8,target_group,60,,,\n", encoding="utf-8")
    g = group_result(training.load_session(2024, "kurs", s.folder.parents[2]))
    table = words.each_trainee(g).text
    assert "Anmärkning" in table and "ofullständig: 1 av 2 poäng saknas" in table and "Antal poäng" in table
    assert words.level_profile_figure_note(g).text == (
        "1 deltagare med kriterier utan poäng har inget profilfel och finns inte i figuren.")
    assert words.level_profile_figure_note(group_result(complete_session(tmp_path / "b"))) is None


def test_the_training_terms_come_from_the_glossary():
    from scoring.presentation import glossary

    assert COLUMNS_SV["profile_error"] == COLUMNS_SV["stereotype_accuracy"] == glossary.label("profile_error")
    assert glossary.label("profile_error") == "Profilfel (poäng)"
    assert COLUMNS_SV["elevation"] == "Nivå (poäng)" and glossary.TERMS["elevation"].signed
    assert COLUMNS_SV["differential_elevation"] == "Fallnivåfel (poäng)"
    assert COLUMNS_SV["differential_accuracy"] == "Samspelsfel (poäng)"
    assert COLUMNS_SV["within_one_step"] == "Andel inom ett skalsteg"
    # the profile error is explained as the criterion profile only (not what is left of the distance)
    profile = glossary.TERMS["profile_error"].definition
    assert "för varje kriterium medelavvikelsen från referensen minus nivån" in profile
    assert "återstår" not in profile
