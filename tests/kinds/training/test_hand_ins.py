"""The hand-ins on the trainer's projected screen (scoring.kinds.training.hand_ins): in Swedish, by
code, and never what a trainee typed (issue 18: "sheet 'TRAIN-2024', cell D5: text 'sjuttio'" was
projected in English, and a name typed where the code goes was shown to the room)."""

from __future__ import annotations

import pytest
from test_training import HEADER, hand_in, session_dir

from scoring.kinds.training import session as training
from scoring.kinds.training.hand_ins import hand_in_lines, hand_in_table, hand_ins, problem_sv
from scoring.problems import Problem

SHEETS = {"TRAIN-2024", "Instruktioner"}


@pytest.mark.parametrize("message, sheet, cell, row, column, swedish", [
    ("text 'sjuttio' in a score cell; type a number from the scale (leave it blank for no score)",
     "TRAIN-2024", "D5", None, None, "en poäng är inte ett tal (blad TRAIN-2024, cell D5)"),
    ("a formula (=A1*2) in a score cell; type the score itself (formulas are never evaluated)",
     "TRAIN-2024", "D7", None, None, "en poäng är en formel, inte ett tal (blad TRAIN-2024, cell D7)"),
    ("score 137 is outside the scale 0–100", "TRAIN-2024", "D6", None, None,
     "en poäng ligger utanför skalan (blad TRAIN-2024, cell D6)"),
    ("score 65 is not on the scale's step of 10", "TRAIN-2024", "D8", None, None,
     "en poäng ligger inte på skalans steg (blad TRAIN-2024, cell D8)"),
    ("the trainee code 'Anna Svensson' looks like a person's name; use the trainee's pseudonymous code (e.g. E07)",
     None, None, None, None, "koden ser ut som ett namn"),
    ("the trainee's code is blank; type your code (e.g. T07), not your name", "Instruktioner", "B5", None, None,
     "koden saknas (blad Instruktioner, cell B5)"),
    ("score 'sjuttio' is not a number", None, None, 4, "score", "en poäng är inte ett tal (rad 4, kolumn score)"),
    ("content 'Anna tyckte så här' where the template has none (a row or column added?)", "Mina anteckningar",
     "A1", None, None, "något är ifyllt utanför mallens celler (ett blad som inte hör till mallen)"),
    ("something no pattern knows: 'Anna'", None, None, None, None, "ett fel i protokollet"),
])
def test_each_problem_in_swedish_without_what_was_typed(message, sheet, cell, row, column, swedish):
    p = Problem("data/2024/training/kurs/Anna Svensson.xlsx", row, column, message, sheet=sheet, cell=cell)
    assert problem_sv(p, SHEETS) == swedish
    assert "Anna" not in swedish and "sjuttio" not in swedish and "137" not in swedish


def test_a_note_is_said_as_one():
    p = Problem("x.xlsx", None, None, "a comment without a score is not imported", "note", sheet="TRAIN-2024",
                cell="E7")
    assert problem_sv(p, SHEETS) == "anmärkning: en kommentar utan poäng tas inte med (blad TRAIN-2024, cell E7)"


def test_the_trainers_screen_names_a_hand_in_by_code_and_shows_nothing_typed(tmp_path):
    folder = session_dir(tmp_path)
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 70, "leadership": 50})
    hand_in(folder, "Anna Svensson.xlsx", "T03", {"target_group": "sjuttio"})  # a file named after her
    hand_in(folder, "Bertils.xlsx", "Bertil Berg", {"staff": 40})  # a name typed where the code goes
    (folder / "Cecilia.csv").write_text(HEADER + "2024,CASE,cecilia@example.se,staff,50,,,\n", encoding="utf-8")
    s = training.load_session(2024, "kurs", tmp_path / "data")
    assert s.trainees == ["T01"]

    lines = {x.who: x for x in hand_in_lines(s)}
    assert lines["T03"].problems == ("en poäng är inte ett tal (blad CASE, cell D5)",)
    assert not lines["T03"].accepted and lines["T01"].accepted
    # the left-out hand-ins come first, the ones with a code before those without
    assert [x.who for x in hand_in_lines(s)][:1] == ["T03"]

    for show_trainees in (False, True):
        block = hand_ins(s, show_trainees)
        for typed in ("sjuttio", "Anna", "Svensson", "Bertil", "Berg", "Cecilia", "cecilia", "example",
                      ".xlsx", ".csv", "sheet", "score cell"):
            assert typed not in block.text and typed not in block.html, (typed, show_trainees)
        assert "T03: en poäng är inte ett tal (blad CASE, cell D5)." in block.text
        assert "En fil utan giltig kod: koden ser ut som ett namn (blad Instruktioner, cell B5)." in block.text
        assert block.text.startswith("1 av 4 inlämnade protokoll räknas med; 3 lämnas utanför tills de är rättade.")
    # the table (with show_trainees) holds codes and Swedish only: no file column
    table = hand_in_table(s)
    assert list(table.columns) == ["codes", "n_scores", "status", "problems"]
    assert "Bertil Berg" not in table.to_string() and "T01" in set(table["codes"])


def test_all_hand_ins_counted_is_one_sentence(tmp_path):
    folder = session_dir(tmp_path)
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 70})
    s = training.load_session(2024, "kurs", tmp_path / "data")
    assert hand_ins(s).text == "Alla 1 inlämnade protokoll räknas med."
    assert "T01" not in hand_ins(s).text  # nobody named when nothing is wrong
    assert "T01" in hand_ins(s, show_trainees=True).text
