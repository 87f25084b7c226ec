"""Training sessions (scoring.kinds.training.session): reading a session folder as trainees hand in, the
trainer's tables (computed by hand here), and the notebook re-run as workbooks arrive."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from scoring.data.validate import validate_paths
from scoring.kinds.training import session as training
from scoring.kinds.training import words as training_labels
from scoring.paths import DATA_DIR, NOTEBOOKS_DIR
from scoring.presentation import labels
from scoring.presentation.labels import note_text
from scoring.problems import InputError, display_path
from scoring.rubric import load_rubric
from scoring.scorebook import build_template, save_workbook, write_template
from scoring.scorebook import layout as L

RUBRIC = load_rubric()
HEADER = "year,entry_id,examiner_id,criterion,score,stage,question,comment\n"
REFERENCE = {"target_group": 60, "leadership": 40, "staff": 50, "results": 60, "goals_follow_up": 50, "development": 30}


# ---------------------------------------------------------------------------------------
# helpers
def session_dir(tmp_path, name="kurs", reference=None) -> Path:
    data = tmp_path / "data"
    folder = data / "2024" / "training" / name
    folder.mkdir(parents=True)
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    rows = "".join(f"2024,CASE,REF,{c},{x},reference,,\n" for c, x in (reference or REFERENCE).items())
    (folder / "reference.csv").write_text(HEADER + rows, encoding="utf-8")
    return folder


def hand_in(folder: Path, name: str, code: str | None, scores: dict, session="kurs") -> Path:
    """A trainee's training scorebook made from the template and filled in with openpyxl."""
    data_dir = folder.parent.parent.parent
    path = write_template(folder / name, 2024, session=session, data_dir=data_dir)
    wb = load_workbook(path)
    ws = wb.worksheets[1]  # the training case
    label = {c.id: c.label_sv for c in RUBRIC.criteria}
    for crit, x in scores.items():
        row = next(r for r in range(L.FIRST_ROW, ws.max_row + 1) if ws.cell(r, L.COL_CRITERION).value == label[crit])
        ws.cell(row, L.COL_SCORE).value = x
    if code is not None:
        wb[L.INSTRUCTIONS_SHEET].cell(L.CODE_ROW, L.CODE_COL).value = code
    wb.save(path)
    return path


def long(rows: dict[str, dict[str, dict[str, float | None]]]) -> pd.DataFrame:
    """{examiner: {case: {criterion: score}}} as long rows (None left out)."""
    return pd.DataFrame([
        {"entry_id": case, "examiner_id": ex, "criterion": c, "score": float(x)}
        for ex, cases in rows.items() for case, crit in cases.items() for c, x in crit.items() if x is not None
    ])


def reference(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"entry_id": case, "criterion": c, "score": float(x)}
                         for case, crit in rows.items() for c, x in crit.items()])


# ---------------------------------------------------------------------------------------
# the demo session
def test_demo_session_loads_clean():
    assert training.available_sessions(2024) == ["grundutbildning"]
    s = training.load_session(2024, "grundutbildning")
    assert s.trainees == [f"T{i:02d}" for i in range(1, 26)]
    assert s.cases == ["TRAIN-2024"] and len(s.reference) == len(RUBRIC.criteria)
    assert all(h.accepted and h.kind == "workbook" for h in s.hand_ins) and not s.problems
    per_trainee = s.scores.groupby("examiner_id").size()
    assert (per_trainee < len(RUBRIC.criteria)).sum() == 4  # four left criteria blank (blank = no score)
    assert training_labels.summary(s).text.startswith("Utbildning grundutbildning 2024\n\n25 inlämnade filer, 25 "
                                                      "deltagare med. Övningsfallet: TRAIN-2024;")
    older = training.load_session(2021, "grundutbildning")
    assert [Path(h.file).name for h in older.hand_ins] == ["trainees.csv"] and len(older.trainees) >= 8


# ---------------------------------------------------------------------------------------
# a session as trainees hand in
def test_hand_ins_with_errors_are_listed_and_left_out(tmp_path):
    folder = session_dir(tmp_path)
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 70, "leadership": 50})
    hand_in(folder, "T02.xlsx", "T02", {"target_group": 137})
    hand_in(folder, "kopia.xlsx", "T01", {"target_group": 60})  # the same code twice
    hand_in(folder, "T06.xlsx", "T06", {"staff": 40, "results": 50})
    hand_in(folder, "utan kod.xlsx", None, {"staff": 40})
    (folder / "T03.csv").write_text(HEADER + "2024,CASE,T03,staff,50,,,\n2024,CASE,T04,staff,60,individual,,\n")
    (folder / "T05.csv").write_text(HEADER + "2024,CASE,T05,staff,50,reference,,\n2024,OTHER,T05,staff,50,,,\n")
    (folder / "~$T01.xlsx").write_bytes(b"\x07owner lock")  # Excel's lock file while T01.xlsx is open
    (folder / ".~lock.T01.xlsx#").write_text("LibreOffice lock")
    (folder / "T07.ods").write_bytes(b"PK\x03\x04")
    (folder / "notes.txt").write_text("agenda")
    # an award scorebook (built, not issued: issuing records it in the data folder's register)
    book, _ = build_template(2024, examiner="E99", entries=["2024-01"], data_dir=DATA_DIR)
    award = save_workbook(book, folder / "E99.xlsx")

    s = training.load_session(2024, "kurs", tmp_path / "data")
    by_name = {Path(h.file).name: h for h in s.hand_ins}
    assert sorted(by_name) == sorted(["E99.xlsx", "kopia.xlsx", "T01.xlsx", "T02.xlsx", "T03.csv", "T05.csv",
                                      "T06.xlsx", "T07.ods", "utan kod.xlsx"])
    assert s.trainees == ["T03", "T04", "T06"]
    accepted = {n for n, h in by_name.items() if h.accepted}
    assert accepted == {"T03.csv", "T06.xlsx"}

    def messages(name):
        return [str(p) for p in by_name[name].problems]

    t02 = display_path(folder / "T02.xlsx")
    assert messages("T02.xlsx") == [f"{t02}: sheet 'CASE', cell D5: score 137 is outside the scale 0–100"]
    assert "code T01 is also in kopia.xlsx" in messages("T01.xlsx")[0]
    assert "code T01 is also in T01.xlsx" in messages("kopia.xlsx")[0]
    assert f"sheet '{L.INSTRUCTIONS_SHEET}', cell B5: the trainee's code is blank" in messages("utan kod.xlsx")[0]
    assert "reference.csv holds" not in " ".join(messages("T05.csv"))
    assert any("a trainee's file holds individual scores only" in m for m in messages("T05.csv"))
    assert any("training case 'OTHER' is not in reference.csv" in m for m in messages("T05.csv"))
    assert "not read: save it as an Excel workbook (.xlsx)" in messages("T07.ods")[0]
    assert any("an examiner's award scorebook, not a training scorebook" in m for m in messages("E99.xlsx"))
    assert award.is_file()

    table = training.hand_in_table(s)
    assert list(table.columns) == ["file", "codes", "n_scores", "status", "problems"]
    row = table.set_index("file").loc["T02.xlsx"]
    assert row["status"] == "utelämnad" and row["problems"] == "sheet 'CASE', cell D5: score 137 is outside the " \
                                                                "scale 0–100"
    assert table.set_index("file").loc["T06.xlsx", "status"] == "med"
    # scoring validate reports the same problems, with sheet and cell
    problems = [str(p) for p in validate_paths([folder])]
    assert f"{t02}: sheet 'CASE', cell D5: score 137 is outside the scale 0–100" in problems
    assert set(problems) <= {str(p) for p in validate_paths([tmp_path / "data" / "2024"])}


def test_a_session_without_reference_or_folder_is_an_input_error(tmp_path):
    folder = session_dir(tmp_path)
    with pytest.raises(InputError, match="no such training session"):
        training.load_session(2024, "annan", tmp_path / "data")
    (folder / "reference.csv").write_text(HEADER + "2024,CASE,REF,staff,50,individual,,\n")
    with pytest.raises(InputError, match="reference.csv holds only the agreed scores"):
        training.load_session(2024, "kurs", tmp_path / "data")
    (folder / "reference.csv").unlink()
    with pytest.raises(InputError, match="a training session needs the reference scores"):
        training.load_session(2024, "kurs", tmp_path / "data")
    assert training.available_sessions(2024, tmp_path / "data") == []


def test_per_question_hand_ins_roll_up_to_criteria(tmp_path):
    folder = session_dir(tmp_path)
    (folder / "T09.csv").write_text(HEADER + "2024,CASE,T09,results,60,,14,\n2024,CASE,T09,results,70,,15,\n")
    s = training.load_session(2024, "kurs", tmp_path / "data")
    assert s.scores[["examiner_id", "criterion", "score"]].values.tolist() == [["T09", "results", 65.0]]


# ---------------------------------------------------------------------------------------
# the trainer's tables, by hand
ONE_CASE = long({
    "T1": {"C": {"target_group": 70, "leadership": 50}},
    "T2": {"C": {"target_group": 50, "leadership": 60}},
    "T3": {"C": {"target_group": 60, "leadership": None}},
})
ONE_REF = reference({"C": {"target_group": 60, "leadership": 40}})


def test_discussion_list_by_hand():
    # target_group: 70, 50, 60 -> mean 60, variance (10² + 10² + 0) / 2 = 100, sd 10
    # leadership: 50, 60 -> mean 55, variance (5² + 5²) / 1 = 50, sd sqrt(50); so target_group first
    d = training.discussion_list(ONE_CASE, ONE_REF, RUBRIC)
    assert d["criterion"].tolist() == ["target_group", "leadership"]
    assert d["sd"].tolist() == pytest.approx([10, math.sqrt(50)])
    assert d["mean"].tolist() == pytest.approx([60, 55])
    assert d["n_trainees"].tolist() == [3, 2]
    assert d[["reference", "low", "high"]].values.tolist() == [[60, 50, 70], [40, 50, 60]]


def test_misunderstanding_list_by_hand():
    # leadership: group mean 55 - reference 40 = 15; within one step: |50-40| = 10 yes, |60-40| = 20 no -> 1/2
    # target_group: 60 - 60 = 0; within: 10, 10, 0 -> 3/3
    m = training.misunderstanding_list(ONE_CASE, ONE_REF, RUBRIC)
    assert m["criterion"].tolist() == ["leadership", "target_group"]
    assert m["difference"].tolist() == pytest.approx([15, 0])
    assert m["distance"].tolist() == pytest.approx([15, 0])
    assert m["within_one_step"].tolist() == pytest.approx([0.5, 1])


def test_tables_with_two_cases_by_hand():
    scores = pd.concat([ONE_CASE, long({
        "T1": {"D": {"target_group": 60, "leadership": 40}},
        "T2": {"D": {"target_group": 40, "leadership": 40}},
        "T3": {"D": {"target_group": 50, "leadership": 60}},
    })])
    ref = pd.concat([ONE_REF, reference({"D": {"target_group": 50, "leadership": 50}})])
    # sd pooled over cases = sqrt(mean of the per-case variances)
    # target_group: C 70, 50, 60 -> 100; D 60, 40, 50 -> 100; sd = 10
    # leadership: C 50, 60 -> 50; D 40, 40, 60 -> mean 46.67, ((20/3)² * 2 + (40/3)²) / 2 = 400/3;
    #   sd = sqrt((50 + 400/3) / 2)
    d = training.discussion_list(scores, ref, RUBRIC).set_index("criterion")
    assert d.loc["target_group", "sd"] == pytest.approx(10)
    assert d.loc["leadership", "sd"] == pytest.approx(math.sqrt((50 + 400 / 3) / 2))
    assert d.loc["leadership", "reference"] == pytest.approx(45)  # mean over the cases
    # group mean minus reference: leadership C 55 - 40 = 15, D 140/3 - 50 = -10/3
    # difference (elevation) = (15 - 10/3) / 2 = 35/6; distance = sqrt((15² + (10/3)²) / 2)
    m = training.misunderstanding_list(scores, ref, RUBRIC).set_index("criterion")
    assert m.loc["leadership", "difference"] == pytest.approx(35 / 6)
    assert m.loc["leadership", "distance"] == pytest.approx(math.sqrt((225 + 100 / 9) / 2))
    assert m.loc["target_group", "distance"] == pytest.approx(0)
    assert m.index.tolist() == ["leadership", "target_group"]


def test_trainee_accuracy_profile_error_by_hand():
    # T1: d = (10, 10) -> distance 10, elevation 10, profile 0
    # T2: d = (-10, 20) -> distance sqrt(250), elevation 5, profile sqrt(250 - 25) = 15
    #     (= stereotype accuracy: criterion deviations -15 and 15)
    # T3: d = (0) on the one criterion scored -> 0, incomplete
    a = training.trainee_accuracy(ONE_CASE, ONE_REF, RUBRIC).set_index("examiner_id")
    assert a["profile_error"].tolist() == pytest.approx([0, 15, 0])
    assert a.loc["T2", "stereotype_accuracy"] == pytest.approx(15)
    assert note_text(a.loc["T3", "note"]).startswith("ofullständig")


def test_every_training_table_has_swedish_headers(tmp_path):
    folder = session_dir(tmp_path)
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 70})
    s = training.load_session(2024, "kurs", tmp_path / "data")
    tables = [training.hand_in_table(s), training.discussion_list(ONE_CASE, ONE_REF, RUBRIC),
              training.misunderstanding_list(ONE_CASE, ONE_REF, RUBRIC),
              training.trainee_accuracy(ONE_CASE, ONE_REF, RUBRIC),
              training.trainee_feedback(s, "T01").scores, training.trainee_feedback(s, "T01").criteria]
    for t in tables:
        missing = set(t.columns) - set(labels.COLUMNS_SV)
        assert not missing, f"no Swedish header for {sorted(missing)}"
        html = labels.show(t, RUBRIC).html
        assert all(f">{labels.COLUMNS_SV[c]}</th>" in html for c in t.columns)


def test_one_trainee_against_the_anonymous_others_by_hand():
    # T2: target_group 50 (reference 60 -> -10); the others 70 and 60: mean 65,0, which four pairs
    #     on the 0-100 scale in steps of 10 fit (30+100, 40+90, 50+80, 60+70), sharing no value: shown
    #     leadership 60 (reference 40 -> +20); one other (50): their mean is their score: the count only
    # T3 left leadership blank: score NaN there
    t = training.trainee_against_group(ONE_CASE, ONE_REF, "T2", RUBRIC)
    assert t["criterion"].tolist() == ["target_group", "leadership"]
    assert t[["score", "reference", "difference", "other_trainees"]].values.tolist() == [
        [50, 60, -10, 2], [60, 40, 20, 1]]
    assert t["shown"].tolist() == ["mean", "count"]
    assert t["others_mean"].iloc[0] == 65 and math.isnan(t["others_mean"].iloc[1])
    assert not {"examiner_id", "low", "high", "sd", "mean"} & set(t.columns)
    t3 = training.trainee_against_group(ONE_CASE, ONE_REF, "T3", RUBRIC)
    assert t3["score"].isna().tolist() == [False, True]


# ---------------------------------------------------------------------------------------
# a trainee's own feedback, by hand
#: {code: {criterion: score}}; reference target_group 60, leadership 40, staff 50 (REFERENCE)
SIX = {
    "T1": {"target_group": 70, "leadership": 50},
    "T2": {"target_group": 50, "leadership": 40},
    "T3": {"target_group": 60, "leadership": 60},
    "T4": {"target_group": 80, "leadership": 30},
    "T5": {"target_group": 60},
    "T6": {"staff": 30},
}


def six_trainees(tmp_path) -> training.TrainingSession:
    folder = session_dir(tmp_path)
    for code, scores in SIX.items():
        comment = {"target_group": '"<b>Tydlig</b> målgrupp, se `kod` & $x^2$"'} if code == "T1" else {}
        rows = "".join(f"2024,CASE,{code},{c},{x},,,{comment.get(c, '')}\n" for c, x in scores.items())
        (folder / f"{code}.csv").write_text(HEADER + rows, encoding="utf-8")
    return training.load_session(2024, "kurs", tmp_path / "data")


def test_trainee_feedback_by_hand(tmp_path):
    s = six_trainees(tmp_path)
    fb = training.trainee_feedback(s, "T1")
    t = fb.scores.set_index("criterion")
    # target_group: T1 70 - 60 = +10; the others 50, 60, 80, 60: mean 62,5 (many sets of four fit): shown
    assert t.loc["target_group", ["score", "reference", "difference", "other_trainees"]].tolist() == [70, 60, 10, 4]
    assert t.loc["target_group", "others_mean"] == pytest.approx(62.5)
    assert t.loc["target_group", "others_difference"] == pytest.approx(2.5)
    # leadership: the others 40, 60, 30: mean 43,3 (130 in three scores: many sets): shown
    assert t.loc["leadership", "other_trainees"] == 3 and t.loc["leadership", "others_mean"] == pytest.approx(130 / 3)
    # staff: T1 left it blank and one other (T6) scored it: the count only
    assert math.isnan(t.loc["staff", "score"]) and t.loc["staff", "other_trainees"] == 1
    assert t.loc["staff", "shown"] == "count" and math.isnan(t.loc["staff", "others_mean"])
    assert not {"group_mean", "group_sd", "low", "high"} & set(fb.scores.columns)
    assert t.loc["target_group", "comment"] == "<b>Tydlig</b> målgrupp, se `kod` & $x^2$"
    assert t.loc["leadership", "comment"] == ""
    assert "examiner_id" not in fb.scores.columns and "examiner_id" not in fb.criteria.columns
    c = fb.criteria.set_index("criterion")
    assert c.loc["target_group", ["n_scores", "difference", "within_one_step"]].tolist() == [1, 10, 1]
    assert c.loc["leadership", "difference"] == 10
    assert c.loc["leadership", "others_difference"] == pytest.approx(130 / 3 - 40)
    assert math.isnan(c.loc["staff", "others_difference"])
    assert c.loc["staff", "n_scores"] == 0 and c.loc["leadership", "questions"] == (5, 6, 7, 8, 9)
    # T1: d = (+10, +10) -> elevation 10, profile error 0
    assert fb.accuracy["elevation"] == pytest.approx(10) and fb.accuracy["profile_error"] == pytest.approx(0)
    # elevations: T1 10, T2 (-10 + 0) / 2 = -5, T3 (0 + 20) / 2 = 10, T4 (20 - 10) / 2 = 5, T5 0, T6 -20;
    # the five others sorted -20, -5, 0, 5, 10: median 0, quartiles (linear) -5 and 5; below T1's 10:
    # four, and one tie counted half: 4,5 / 5
    # profile errors sqrt(distance² - elevation²): T1 0, T2 sqrt(50 - 25) = 5, T3 sqrt(200 - 100) = 10,
    # T4 sqrt(250 - 25) = 15, T5 0, T6 0; the others sorted 0, 0, 5, 10, 15: median 5, quartiles 0 and 10
    assert fb.group["n_trainees"] == 6
    assert fb.group["elevation"] == pytest.approx({"n": 5, "median": 0, "q1": -5, "q3": 5, "share_below": 0.9})
    assert fb.group["profile_error"] == pytest.approx({"n": 5, "median": 5, "q1": 0, "q3": 10, "share_below": 0.2})
    assert training.trainee_feedback(s, "").code == "T1"  # the notebook's default: the first trainee
    with pytest.raises(ValueError, match="no accepted scorebook with the code 'T9'"):
        training.trainee_feedback(s, "T9")


def test_trainee_feedback_hides_a_small_group(tmp_path):
    folder = session_dir(tmp_path)
    for code, x in (("T1", 70), ("T2", 50), ("T3", 60), ("T4", 100)):
        (folder / f"{code}.csv").write_text(HEADER + f"2024,CASE,{code},target_group,{x},,,\n", encoding="utf-8")
    session = training.load_session(2024, "kurs", tmp_path / "data")
    fb = training.trainee_feedback(session, "T2")
    # the three others 70, 60, 100: mean 76,7 (230 in three scores: many sets fit): shown
    assert fb.scores["others_mean"].iloc[0] == pytest.approx(230 / 3)
    # three others are too few for quartiles of their level and profile
    assert fb.group["n_trainees"] == 4 and fb.group["elevation"]["n"] == fb.group["profile_error"]["n"] == 0
    page = " ".join(b.text for b in (training_labels.trainee_heading(fb), training_labels.trainee_scores(fb),
                                     training_labels.level_and_profile(fb), training_labels.criterion_advice(fb)))
    assert "färre än 5 andra har lämnat in" in page and "median" not in page
    assert not any(code in page for code in ("T1", "T3", "T4"))
    # T4's others are 70, 50, 60 (mean 60); T1's 50, 60, 100 (mean 70): both shown; T3 alone with
    # 100 beside two others at the scale's top would be given away: two others at 100 have mean 100
    (folder / "T5.csv").write_text(HEADER + "2024,CASE,T5,target_group,100,,,\n", encoding="utf-8")
    (folder / "T1.csv").write_text(HEADER + "2024,CASE,T1,target_group,100,,,\n", encoding="utf-8")
    (folder / "T2.csv").unlink()
    top = training.load_session(2024, "kurs", tmp_path / "data")
    fb3 = training.trainee_feedback(top, "T3")  # the others: 100, 100, 100
    assert fb3.scores["other_trainees"].iloc[0] == 3 and fb3.scores["shown"].iloc[0] == "count"
    text = training_labels.trainee_scores(fb3).text
    assert "100" not in text  # the others' mean is not on the page
    assert "Övrigas medel visas bara där det inte går att räkna ut någons poäng" in text


def test_trainee_prose_says_what_to_practise(tmp_path):
    s = six_trainees(tmp_path)

    def text(code, block):
        return block(training.trainee_feedback(s, code)).text

    level = training_labels.level_and_profile
    # T1: level +10 (more than half a step of 10): generous; profile error 0: like the reference
    assert "+10,0 poäng över referensen: du bedömer generöst" in text("T1", level)
    assert "ungefär som referensen (profilfel 0,0 poäng)" in text("T1", level)
    # T4: level +5 (half a step): near; profile error 15 (more than a step): clearly different
    assert "+5,0 poäng från referensen, alltså nära referensens nivå" in text("T4", level)
    assert "skiljer sig tydligt från referensens (profilfel 15,0 poäng)" in text("T4", level)
    assert "Öva på att först rangordna kriterierna" in text("T4", level)
    # T3: profile error 10 (one step): similar, some criteria off; T6: -20 strict
    assert "liknar referensens" in text("T3", level)
    assert "−20,0 poäng under referensen: du bedömer strängt" in text("T6", level)
    # the five others' levels: median 0, middle half -5 to +5; their profile errors: 5, 0 to 10
    assert "De 5 andra deltagarnas nivå: median 0,0 poäng, hälften mellan −5,0 och +5,0." in text("T1", level)
    assert "De 5 andra deltagarnas profilfel: median 5,0 poäng, hälften mellan 0,0 och 10,0." in text("T1", level)
    assert "standardavvikelse" not in text("T1", level)
    advice = text("T3", training_labels.criterion_advice).splitlines()
    # T3 leadership 60 against 40: two steps over; bands 50–60 and 30–40 of the rubric
    assert advice[1] == ("- Chef- och ledarskap: +20 poäng, över referensen med mer än ett skalsteg. Läs frågorna "
                         "5–9 i bedömningsmallen igen och pröva vilka belägg bidraget ger för var och en. Du valde "
                         "nivån ”Systematiskt arbetssätt, delvis utvärderat”, referensen ligger på ”Början till "
                         "systematiskt arbetssätt”. Övrigas medel låg på referensen.")
    # target_group 60 = reference; the others' (70, 50, 80, 60) mean 65 is shown
    assert advice[0] == "- Målgrupp: samma som referensen. Övrigas medel låg +5,0 poäng från referensen."
    assert advice[2].startswith("- Medarbetare: du satte ingen poäng.")
    # T4 target_group 80: +20 over, and the group is over too but by less than half a step: no joint note
    assert "ta gärna upp" not in text("T4", training_labels.criterion_advice)
    comments = training_labels.own_comments(training.trainee_feedback(s, "T1"))
    assert "&lt;b&gt;Tydlig&lt;/b&gt; målgrupp, se `kod` &amp; $x^2$" in comments.html
    assert "<b>" not in comments.html
    assert training_labels.own_comments(training.trainee_feedback(s, "T2")).text == \
        "Du skrev inga kommentarer i protokollet."


def test_a_changed_workbook_is_read_again(tmp_path):
    folder = session_dir(tmp_path)
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 70})
    first = training.load_session(2024, "kurs", tmp_path / "data")
    first.scores.loc[:, "score"] = -1  # what a caller does to its copy never reaches the cache
    again = training.load_session(2024, "kurs", tmp_path / "data")
    assert again.scores["score"].tolist() == [70]
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 40, "staff": 50})  # saved again with other scores
    changed = training.load_session(2024, "kurs", tmp_path / "data")
    assert sorted(changed.scores["score"].tolist()) == [40, 50]


def test_a_session_before_anyone_hands_in(tmp_path):
    session_dir(tmp_path)
    s = training.load_session(2024, "kurs", tmp_path / "data")
    assert s.hand_ins == [] and s.trainees == [] and s.scores.empty
    d = training.discussion_list(s.scores, s.reference, RUBRIC)
    assert d["criterion"].tolist() == RUBRIC.criterion_ids and d["sd"].isna().all() and (d["n_trainees"] == 0).all()
    assert training.misunderstanding_list(s.scores, s.reference, RUBRIC).empty
    assert training.trainee_accuracy(s.scores, s.reference, RUBRIC).empty
    assert training_labels.summary(s).text.endswith("0 inlämnade filer, 0 deltagare med. Övningsfallet: CASE; "
                                                    "6 kriterier; skala 0–100 i steg om 10.")


# ---------------------------------------------------------------------------------------
# the notebook, as trainees hand in
def _outputs(nb) -> str:
    text = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                raise AssertionError(f"{o['ename']}: {o['evalue']}")
            data = o.get("data", {})
            text.append("".join(data.get("text/html", data.get("text/markdown", data.get("text/plain", "")))))
            text.append("".join(o.get("text", "")))
    return "\n".join(text)


@pytest.mark.slow
def test_notebook_runs_and_reruns_after_one_more_hand_in(tmp_path):
    import papermill
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    folder = data / "2024" / "training" / "grundutbildning"
    shutil.copytree(DATA_DIR / "2024" / "training" / "grundutbildning", folder)
    params = {"year": 2024, "session": "grundutbildning", "data_dir": str(data)}

    def run(name):
        out = tmp_path / name
        papermill.execute_notebook(str(NOTEBOOKS_DIR / "examiner_training.ipynb"), str(out), parameters=params,
                                   kernel_name="python3", cwd=str(NOTEBOOKS_DIR), progress_bar=False)
        nb = json.loads(out.read_text(encoding="utf-8"))
        images = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
        return _outputs(nb), images

    first, images = run("first.ipynb")
    assert images == 2
    assert "25 inlämnade filer, 25 deltagare med" in first and "T25" in first and "T26" not in first
    hand_in(folder, "T26.xlsx", "T26", {c: 80 for c in REFERENCE}, session="grundutbildning")
    hand_in(folder, "T27.xlsx", "T27", {"staff": "åtta"}, session="grundutbildning")  # an error: left out
    second, images = run("second.ipynb")
    assert images == 2
    assert "27 inlämnade filer, 26 deltagare med, 1 fil utelämnad" in second
    assert "T26" in second and "T27.xlsx" in second and "åtta" in second and "in a score cell" in second
    # T26 scored 80 everywhere: elevation = 80 - the mean of the reference (60, 50, 40, 60, 60, 40 in the
    # demo: 170 / 6), and the profile error is the reference's own spread around its mean
    s = training.load_session(2024, "grundutbildning", data)
    acc = training.trainee_accuracy(s.scores, s.reference, RUBRIC).set_index("examiner_id")
    ref = s.reference["score"]
    assert acc.loc["T26", "elevation"] == pytest.approx(80 - ref.mean())
    assert acc.loc["T26", "profile_error"] == pytest.approx(ref.std(ddof=0))


def test_a_trainees_comment_naming_another_is_redacted_not_refused(tmp_path):
    """Issue 15: a trainee's comment naming another trainee blocked their own page; now the other's
    code is redacted as in an examiner's comments, in any spelling."""
    import shutil

    data = tmp_path / "data"
    folder = data / "2024" / "training" / "grundutbildning"
    data.mkdir()
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    shutil.copytree(DATA_DIR / "2024" / "training" / "grundutbildning", folder)
    case = training.load_session(2024, "grundutbildning", data).cases[0]
    (folder / "T98.csv").write_text(
        "year,entry_id,examiner_id,criterion,score,comment\n"
        f"2024,{case},T98,staff,50,\"Som T01 sa, och t01:s och \uff34\uff10\uff12 poäng\"\n", encoding="utf-8")
    s = training.load_session(2024, "grundutbildning", data)
    fb = training.trainee_feedback(s, "T98")
    shown = fb.scores.loc[fb.scores["comment"] != "", "comment"].tolist()
    assert shown == ["Som [deltagare] sa, och [deltagare]:s och [deltagare] poäng"]
