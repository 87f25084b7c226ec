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
from scoring.kinds.training.group import group_result
from scoring.kinds.training.hand_ins import hand_in_table, hand_ins
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
    assert training_labels.group_summary(group_result(s)).text.startswith(
        "Gruppen mot referensen\n\n25 deltagare med, övningsfallet TRAIN-2024; skala 0–100 i steg om 10 poäng.")
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

    # the trainer's screen (projected): in Swedish, by code, no file name and nothing the trainee typed
    table = hand_in_table(s)
    assert list(table.columns) == ["codes", "n_scores", "status", "problems"]
    by_code = table.set_index("codes")
    assert by_code.loc["T02", "status"] == "utelämnad"
    assert by_code.loc["T02", "problems"] == "en poäng ligger utanför skalan (blad CASE, cell D5)"
    assert by_code.loc["T06", "status"] == "med"
    shown = hand_ins(s, show_trainees=True).text + hand_ins(s).text
    for typed in ("kopia", "utan kod.", "T07.ods", "T02.xlsx", "137", "sheet", "cell D5:"):
        assert typed not in shown, typed
    assert "T02: en poäng ligger utanför skalan (blad CASE, cell D5)." in hand_ins(s).text
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
    # the profile error is Cronbach's stereotype accuracy, sqrt(mean_j (d.j - d..)^2):
    # T1: d = (10, 10) -> elevation 10, profile 0
    # T2: d = (-10, 20) -> elevation 5, criterion deviations -15 and 15: profile 15
    # T3: one criterion of two scored: no profile (NaN), incomplete
    a = training.trainee_accuracy(ONE_CASE, ONE_REF, RUBRIC).set_index("examiner_id")
    assert a.loc[["T1", "T2"], "profile_error"].tolist() == pytest.approx([0, 15])
    assert math.isnan(a.loc["T3", "profile_error"]) and "stereotype_accuracy" not in a.columns
    assert note_text(a.loc["T3", "note"]).startswith("ofullständig")


def test_profile_error_with_two_cases_keeps_the_case_parts_apart():
    # Issue 18: sqrt(distance² - elevation²) mixed the case part and the interaction into the profile.
    # T1 on cases C and D (reference C: 60, 40; D: 50, 50):
    #   d = [[+10, +10], [-10, -10]]: the whole deviation is the case level (one case too high, one too low)
    #   elevation 0; case means +10, -10 -> differential elevation 10; criterion means 0, 0 -> profile 0;
    #   interaction 0; distance 10. The old profile error was sqrt(100 - 0) = 10.
    # T2: d = [[+10, -10], [-10, +10]]: all interaction: profile 0, differential accuracy 10
    # T3: d = [[+10, -10], [+10, -10]]: the same profile on both cases: profile 10, the rest 0
    ref = reference({"C": {"target_group": 60, "leadership": 40}, "D": {"target_group": 50, "leadership": 50}})
    scores = long({
        "T1": {"C": {"target_group": 70, "leadership": 50}, "D": {"target_group": 40, "leadership": 40}},
        "T2": {"C": {"target_group": 70, "leadership": 30}, "D": {"target_group": 40, "leadership": 60}},
        "T3": {"C": {"target_group": 70, "leadership": 30}, "D": {"target_group": 60, "leadership": 40}},
    })
    a = training.trainee_accuracy(scores, ref, RUBRIC).set_index("examiner_id")
    assert a["distance"].tolist() == pytest.approx([10, 10, 10])
    assert a["profile_error"].tolist() == pytest.approx([0, 0, 10])
    assert a["differential_elevation"].tolist() == pytest.approx([10, 0, 0])
    assert a["differential_accuracy"].tolist() == pytest.approx([0, 10, 0])


def test_every_training_table_has_swedish_headers(tmp_path):
    folder = session_dir(tmp_path)
    hand_in(folder, "T01.xlsx", "T01", {"target_group": 70})
    s = training.load_session(2024, "kurs", tmp_path / "data")
    tables = [hand_in_table(s), training.discussion_list(ONE_CASE, ONE_REF, RUBRIC),
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
    # T1: d = (+10, +10) on the two of six criteria scored -> elevation 10; no profile error (incomplete)
    assert fb.accuracy["elevation"] == pytest.approx(10) and math.isnan(fb.accuracy["profile_error"])
    # elevations: T1 10, T2 (-10 + 0) / 2 = -5, T3 (0 + 20) / 2 = 10, T4 (20 - 10) / 2 = 5, T5 0, T6 -20;
    # the five others sorted -20, -5, 0, 5, 10: median 0, quartiles (linear) -5 and 5; below T1's 10:
    # four, and one tie counted half: 4,5 / 5
    assert fb.group["n_trainees"] == 6
    assert fb.group["elevation"] == pytest.approx({"n": 5, "median": 0, "q1": -5, "q3": 5, "share_below": 0.9})
    # nobody scored every criterion: no profile errors to place anyone among
    assert fb.group["profile_error"]["n"] == 0
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
    assert "färre än 5 andra har ett värde" in page and "median" not in page
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


#: {code: (target_group, leadership)} against the reference 60, 40 (every trainee scores both criteria).
#: d = score - reference; elevation = (d1 + d2) / 2; with two criteria the profile error (stereotype
#: accuracy) is |d1 - d2| / 2.
COMPLETE = {
    "T1": (70, 50),  # d (+10, +10): elevation +10, profile error 0
    "T2": (50, 40),  # d (-10, 0): -5, 5
    "T3": (60, 60),  # d (0, +20): +10, 10
    "T4": (80, 30),  # d (+20, -10): +5, 15
    "T5": (60, 40),  # d (0, 0): 0, 0
    "T6": (40, 40),  # d (-20, 0): -10, 10
    "T7": (60, 50),  # d (0, +10): +5, 5
}


def complete_session(tmp_path, scores=COMPLETE) -> training.TrainingSession:
    folder = session_dir(tmp_path, reference={"target_group": 60, "leadership": 40})
    for code, (a, b) in scores.items():
        (folder / f"{code}.csv").write_text(HEADER + f"2024,CASE,{code},target_group,{a},,,\n"
                                                     f"2024,CASE,{code},leadership,{b},,,\n", encoding="utf-8")
    return training.load_session(2024, "kurs", tmp_path / "data")


def test_the_profile_is_read_from_the_trainees_place_in_the_group(tmp_path):
    """Issue 18: the second-worst profile of the group read "liknar referensens" (a profile error of one
    scale step was read as similar, whatever the others had). Now the reading comes from the trainee's
    place among the others' quartiles: a profile error in their top quarter never reads as similar."""
    s = complete_session(tmp_path)
    fb = {c: training.trainee_feedback(s, c) for c in COMPLETE}
    assert {c: f.accuracy["profile_error"] for c, f in fb.items()} == pytest.approx(
        {"T1": 0, "T2": 5, "T3": 10, "T4": 15, "T5": 0, "T6": 10, "T7": 5})
    # T3 (10, second worst with T6): the others 0, 5, 15, 0, 10, 5 sorted 0, 0, 5, 5, 10, 15: median 5,
    # quartiles (linear, 6 values) 0 + 0.25 * 5 = 1,25 and 5 + 0.75 * 5 = 8,75; 10 is above both
    assert fb["T3"].group["profile_error"] == pytest.approx(
        {"n": 6, "median": 5, "q1": 1.25, "q3": 8.75, "share_below": 4.5 / 6})
    assert training_labels.position(10, fb["T3"].group["profile_error"]) == "high"

    def text(code):
        return training_labels.level_and_profile(fb[code]).text

    for code in ("T3", "T4", "T6"):  # the worst quarter: never similar
        assert "liknar referensens" not in text(code), code
        assert "högre än för de flesta andra deltagare" in text(code), code
        assert "Öva på att först rangordna kriterierna" in text(code), code
    assert "Profil: ditt profilfel är 10,0 poäng, högre än för de flesta andra deltagare: du ser delvis andra " \
           "starka och svaga sidor i fallet än referensen." in text("T3")
    # T7 (5): the others 0, 5, 10, 15, 0, 10 sorted 0, 0, 5, 10, 10, 15: median 7,5, quartiles 1,25 and 10;
    # 5 lies between: as most others, and within half a step: similar
    assert "ditt profilfel är 5,0 poäng, som för de flesta andra deltagare: din profil liknar referensens." \
        in text("T7")
    # T1 (0): the others 5, 10, 15, 0, 10, 5 sorted 0, 5, 5, 10, 10, 15: q1 5; 0 lies below
    assert "ditt profilfel är 0,0 poäng, lägre än för de flesta andra deltagare: din profil liknar referensens." \
        in text("T1")
    # the others' quartiles as the page shows them (T3's)
    assert "De 6 andra deltagarnas profilfel: median 5,0 poäng, hälften mellan 1,2 och 8,8." in text("T3")


def test_the_level_is_read_against_the_reference_and_the_group(tmp_path):
    s = complete_session(tmp_path)

    def text(code):
        return training_labels.level_and_profile(training.trainee_feedback(s, code)).text

    # T1 +10: more than half a step over the reference (generous); the others' levels -5, 10, 5, 0, -10, 5
    # sorted -10, -5, 0, 5, 5, 10: median 2,5, quartiles -3,75 and 5; +10 is above: more generous than most
    assert "Nivå: dina poäng låg i medel +10,0 poäng över referensen: du bedömer generöst." in text("T1")
    assert "Du var generösare än de flesta andra deltagare." in text("T1")
    # T6 -10: strict, and below the others' quartiles (-5 ... +10 around it)
    assert "−10,0 poäng under referensen: du bedömer strängt." in text("T6")
    assert "Du var strängare än de flesta andra deltagare." in text("T6")
    # T5 0: near the reference, in the middle of the others
    assert "0,0 poäng från referensen, inom ett halvt skalsteg: nära referensens nivå. Du låg inom de andra " \
           "deltagarnas mittersta hälft." in text("T5")


def test_with_too_few_others_the_profile_is_read_from_the_scale_step(tmp_path):
    # four trainees: three others are too few for quartiles; the reading falls back on the scale step
    s = complete_session(tmp_path, {c: COMPLETE[c] for c in ("T1", "T2", "T3", "T4")})

    def text(code):
        return training_labels.level_and_profile(training.trainee_feedback(s, code)).text

    assert "ditt profilfel är 0,0 poäng: din profil liknar referensens." in text("T1")  # 0: within half a step
    assert "ditt profilfel är 10,0 poäng: på några kriterier ligger du annorlunda till" in text("T3")  # one step
    assert "ditt profilfel är 15,0 poäng, mer än ett skalsteg: du ser delvis andra" in text("T4")
    assert "De andra deltagarnas profilfel visas inte: färre än 5 andra har ett värde." in text("T4")
    assert "för de flesta" not in text("T4")


def test_an_incomplete_hand_in_is_said_first(tmp_path):
    """Issue 18: a trainee who scored 4 of 6 criteria read "100 % av dina poäng inom ett skalsteg" before
    the gap was mentioned. The gap now comes first, before any share or reading."""
    folder = session_dir(tmp_path)
    four = dict(list(REFERENCE.items())[:4])  # 4 of the 6 criteria, each on the reference: 100 % within a step
    rows = "".join(f"2024,CASE,T1,{c},{x},,,\n" for c, x in four.items())
    (folder / "T1.csv").write_text(HEADER + rows, encoding="utf-8")
    (folder / "T2.csv").write_text(HEADER + "".join(f"2024,CASE,T2,{c},{x},,,\n" for c, x in REFERENCE.items()),
                                   encoding="utf-8")
    s = training.load_session(2024, "kurs", tmp_path / "data")
    fb = training.trainee_feedback(s, "T1")
    page = training_labels.trainee_heading(fb).text + "\n" + training_labels.level_and_profile(fb).text
    gap = page.index("Ditt protokoll är inte komplett: du satte 4 av 6 poäng, 2 saknas.")
    assert gap < page.index("%") and gap < page.index("Nivå:") and gap < page.index("Profil:")
    assert "Profil: ditt profilfel kan inte räknas, eftersom inte varje kriterium har en poäng." in page
    assert "Av de 4 poäng du satte låg 100\u00a0% högst ett skalsteg (10 poäng) från referensen." in page
    # the warning is the page's first paragraph after its heading (class warning)
    html = training_labels.trainee_heading(fb).html
    assert html.index('<p class="warning">Ditt protokoll är inte komplett') < html.index("<p>")
    # a complete hand-in has no such sentence
    assert "inte komplett" not in training_labels.trainee_heading(training.trainee_feedback(s, "T2")).text


def test_trainee_prose_says_what_to_practise(tmp_path):
    s = six_trainees(tmp_path)

    def text(code, block):
        return block(training.trainee_feedback(s, code)).text

    level = training_labels.level_and_profile
    # T1: level +10 (more than half a step of 10): generous
    assert "+10,0 poäng över referensen: du bedömer generöst" in text("T1", level)
    # T4: level +5 (half a step): near; T6: -20 strict
    assert "+5,0 poäng från referensen, inom ett halvt skalsteg: nära referensens nivå" in text("T4", level)
    assert "−20,0 poäng under referensen: du bedömer strängt" in text("T6", level)
    # the five others' levels: median 0, middle half -5 to +5
    assert "De 5 andra deltagarnas nivå: median 0,0 poäng, hälften mellan −5,0 och +5,0." in text("T1", level)
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
    assert training_labels.group_summary(group_result(s)).text == (
        "Gruppen mot referensen\n\n0 deltagare med, övningsfallet CASE; skala 0–100 i steg om 10 poäng.\n\n"
        "Inga poäng att jämföra med referensen än.")
    assert hand_ins(s).text.startswith("Inga protokoll inlämnade än.")


def test_a_session_read_again_is_a_copy_and_sees_every_change(tmp_path, monkeypatch):
    """load_session keeps what it read per state of the session's files and the rubric's: a caller's
    change to what it got reaches no later call, and a changed file or rubric is read again."""
    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "cache"))
    folder = session_dir(tmp_path)
    hand_in(folder, "a.xlsx", "T01", REFERENCE)
    first = training.load_session(2024, "kurs", tmp_path / "data")
    first.scores["score"] = -1.0
    first.hand_ins.clear()
    again = training.load_session(2024, "kurs", tmp_path / "data")
    assert again.trainees == ["T01"] and len(again.hand_ins) == 1 and (again.scores["score"] >= 0).all()
    hand_in(folder, "a.xlsx", "T02", REFERENCE)  # the same file, another trainee's now
    assert training.load_session(2024, "kurs", tmp_path / "data").trainees == ["T02"]
    rubric = (tmp_path / "data" / "rubric.toml").read_text(encoding="utf-8")
    scale = rubric[rubric.index("[scale]"):rubric.index("\n[", rubric.index("[scale]") + 1)]
    (tmp_path / "data" / "2024" / "rubric.toml").write_text(  # a year's rubric: a scale of its own
        scale.replace("step = 10", "step = 5"), encoding="utf-8")
    assert training.load_session(2024, "kurs", tmp_path / "data").rubric.scale.step == 5


def test_everyones_trainee_codes_are_read_again_when_a_hand_in_arrives(tmp_path, monkeypatch):
    """trainee_codes is kept per state of the data folder's files: a workbook handed in later
    (whose code is in no CSV file) is found at the next call."""
    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "cache"))
    folder = session_dir(tmp_path)
    hand_in(folder, "a.xlsx", "T01", REFERENCE)
    assert training.trainee_codes(tmp_path / "data") == {"T01"}
    hand_in(folder, "b.xlsx", "T02", REFERENCE)
    assert training.trainee_codes(tmp_path / "data") == {"T01", "T02"}
    (folder / "a.xlsx").unlink()
    assert training.trainee_codes(tmp_path / "data") == {"T02"}


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
    """The trainer's notebook as the session runs it in JupyterLab: run, then run again in the same
    kernel after more hand-ins came in, then once more with every trainee shown."""
    import copy

    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    folder = data / "2024" / "training" / "grundutbildning"
    shutil.copytree(DATA_DIR / "2024" / "training" / "grundutbildning", folder)
    params = {"year": 2024, "session": "grundutbildning", "data_dir": str(data)}
    notebook = load_notebook_node(str(NOTEBOOKS_DIR / "examiner_training.ipynb"))
    kernel = KernelManager(kernel_name="python3")  # started by the first run, kept for the others

    def run(name, **extra):
        nb = parameterize_notebook(copy.deepcopy(notebook), params | extra)
        NotebookClient(nb, km=kernel, resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
        nbformat.write(nb, tmp_path / name)
        nb = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        images = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
        return _outputs(nb), images

    try:
        first, images = run("first.ipynb")
        assert images == 2
        assert "25 deltagare med, övningsfallet" in first and "Alla 25 inlämnade protokoll räknas med." in first
        assert "T25" not in first  # the room sees the group: no trainee by default (issue 18)
        hand_in(folder, "T26.xlsx", "T26", {c: 80 for c in REFERENCE}, session="grundutbildning")
        hand_in(folder, "T27.xlsx", "T27", {"staff": "åtta"}, session="grundutbildning")  # an error: left out
        second, images = run("second.ipynb")
        assert images == 2
        assert "26 deltagare med" in second and "1 protokoll väntar på rättning" in second
        assert "26 av 27 inlämnade protokoll räknas med; 1 lämnas utanför tills det är rättat." in second
        # the left-out hand-in by its code, in Swedish, without what was typed or the file's name
        assert '<span class="code">T27</span>: en poäng är inte ett tal (blad TRAIN-2024, cell D' in second
        assert "åtta" not in second and "T27.xlsx" not in second and "in a score cell" not in second
        assert "T26" not in second
        # the trainer's own screen: every trainee with their code (show_trainees)
        own, images = run("third.ipynb", show_trainees=True)
        assert images == 2 and "Varje deltagare" in own and "T26" in own and ">Deltagare</th>" in own
    finally:
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
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
