"""The award office's register (issue 20): examiners.csv, conflicts.csv and assignments.csv read,
validated with file, row and column, and the hand-in status against the plan."""

from __future__ import annotations

import pandas as pd
import pytest
from demo_copy import demo_copy

from scoring.cli import main
from scoring.data.register import hand_in_status, load_register, read_conflicts, read_examiners
from scoring.paths import DATA_DIR
from scoring.problems import InputError
from scoring.rubric import load_rubric

RUBRIC = load_rubric()


def test_examiners_read_with_types(tmp_path):
    f = tmp_path / "examiners.csv"
    f.write_text("examiner_id,experienced,administration,district,max_entries\n"
                 "E01,ja,Bromma stadsdelsförvaltning,Bromma,5\nE02,nej,Utbildningsförvaltningen,,\n", encoding="utf-8")
    ex, problems = read_examiners(f)
    assert problems == []
    assert ex["examiner_id"].tolist() == ["E01", "E02"] and ex["experienced"].tolist() == [True, False]
    assert ex["max_entries"].iloc[0] == 5 and pd.isna(ex["max_entries"].iloc[1])
    assert ex["district"].tolist() == ["Bromma", ""]


@pytest.mark.parametrize("row, column, words", [
    ("E01,kanske,,,", "experienced", "is not ja/nej"),
    ("Anna K,ja,,,", "examiner_id", "looks like a person's name"),
    ("2024,ja,,,", "examiner_id", "looks like a year"),
    ("E01,ja,,,0", "max_entries", "at least 1"),
    ("E01,ja,,,fem", "max_entries", "not a whole number"),
])
def test_examiners_problems_name_row_and_column(tmp_path, capsys, row, column, words):
    year = demo_copy(tmp_path / "data", (2024,), training=False) / "2024"
    (year / "examiners.csv").write_text("examiner_id,experienced,administration,district,max_entries\n"
                                        f"E02,ja,,,\n{row}\n", encoding="utf-8")
    assert main(["validate", str(year)]) == 1
    out = capsys.readouterr().out
    assert f"examiners.csv:3: {column}:" in out and words in out


def test_a_repeated_examiner_is_named_with_its_first_line(tmp_path):
    f = tmp_path / "examiners.csv"
    f.write_text("examiner_id,experienced\nE01,ja\nE01,nej\n", encoding="utf-8")
    ex, problems = read_examiners(f)
    assert len(ex) == 1 and [str(p) for p in problems] == [f"{f}:3: examiner_id: examiner 'E01' is already on line 2"
                                                           .replace(str(f), problems[0].file)]


def test_conflicts_need_one_target_and_a_reason(tmp_path):
    f = tmp_path / "conflicts.csv"
    f.write_text("examiner_id,entry_id,unit_id,district,reason\nE01,2024-01,,,Make arbetar där\n"
                 "E01,,,,Ingen\nE01,2024-01,,Bromma,Två\nE02,2024-02,,,\n", encoding="utf-8")
    c, problems = read_conflicts(f)
    assert c["entry_id"].tolist() == ["2024-01"]
    found = {(p.row, p.column) for p in problems}
    assert found == {(3, "entry_id"), (4, "entry_id"), (5, "reason")}


def test_unknown_codes_entries_and_districts_are_named(tmp_path, capsys):
    data = demo_copy(tmp_path / "data", (2024,), training=False)
    (data / "conflicts.csv").write_text(
        "examiner_id,entry_id,unit_id,district,reason\n"
        "E999,,,Bromma,okänd examinator\n"
        "E14,2024-99,,,okänt bidrag\n"
        "E14,,,Brooma,felstavad stadsdel\n"
        "E14,,,Spånga–Tensta,tankstreck: samma stadsdel\n", encoding="utf-8")
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    assert "conflicts.csv:2: examiner_id: examiner (in no year's examiners.csv) 'E999' is not known" in out
    assert "conflicts.csv:3: entry_id: entry (in no year's entries.csv) '2024-99' is not known" in out
    assert "conflicts.csv:4: district: district (in no entries.csv or examiners.csv) 'Brooma' is not known" in out
    assert "conflicts.csv:5" not in out  # "Spånga–Tensta" with an en dash is the demo's Spånga-Tensta


def test_assignments_are_checked_against_entries_and_examiners(tmp_path, capsys):
    year = demo_copy(tmp_path / "data", (2024,), training=False) / "2024"
    with open(year / "assignments.csv", "a", encoding="utf-8") as f:
        f.write("2024-77,E14\n2024-01,E9999\n2024-01,E14\n")
    assert main(["validate", str(year)]) == 1
    out = capsys.readouterr().out
    n = len((year / "assignments.csv").read_text(encoding="utf-8").splitlines())
    assert f"assignments.csv:{n - 2}: entry_id: entry (not in entries.csv) '2024-77'" in out
    assert f"assignments.csv:{n - 1}: examiner_id: examiner (not in examiners.csv) 'E9999'" in out


def test_the_demo_register_loads_clean():
    reg = load_register(2024, DATA_DIR, RUBRIC)
    assert reg.problems == [] and len(reg.examiners) >= 32 and len(reg.conflicts) >= 4
    assert set(reg.assignments["examiner_id"]) == set(reg.examiners["examiner_id"])


def test_a_plan_needs_examiners_csv(tmp_path):
    data = demo_copy(tmp_path / "data", (2024,), training=False)
    (data / "2024" / "examiners.csv").unlink()
    with pytest.raises(InputError, match="examiners.csv: .*file not found: the team plan needs examiners.csv"):
        load_register(2024, data, RUBRIC)


def test_hand_in_status_against_the_plan(tmp_path, capsys):
    data = demo_copy(tmp_path / "data", (2024,), training=False)
    # independently: each planned (entry, examiner) is complete when scores.csv holds all six criteria
    scores = pd.read_csv(data / "2024" / "scores.csv", dtype=str, keep_default_na=False)
    scores = scores[scores["stage"].isin(["", "individual"])]
    crit = scores.assign(c=[RUBRIC.question_criterion[int(q)] if q else RUBRIC.criterion(x).id
                            for x, q in zip(scores["criterion"], scores["question"], strict=True)])
    n = crit.drop_duplicates(["entry_id", "examiner_id", "c"]).groupby(["entry_id", "examiner_id"]).size()
    plan = pd.read_csv(data / "2024" / "assignments.csv", dtype=str)
    plan["done"] = [n.get((e, x), 0) == 6 for e, x in zip(plan["entry_id"], plan["examiner_id"], strict=True)]
    expected = set(plan.loc[~plan["done"], "examiner_id"])
    status = hand_in_status(2024, data, RUBRIC)
    assert set(status.loc[status["status"] != "done", "examiner_id"]) == expected == {"E64"}  # the planted gap
    assert status.iloc[0]["examiner_id"] == "E64" and status.iloc[0]["missing"] == "2024-18"
    # an examiner who has handed in nothing comes first, "not started"
    kept = scores[scores["examiner_id"] != "E14"]
    full = pd.read_csv(data / "2024" / "scores.csv", dtype=str, keep_default_na=False)
    full[full.index.isin(kept.index) | ~full["stage"].isin(["", "individual"])].to_csv(
        data / "2024" / "scores.csv", index=False)
    assert main(["status", "--year", "2024", "--data", str(data)]) == 0
    captured = capsys.readouterr()
    first = captured.out.splitlines()[1].split()
    assert first[0] == "E14" and first[-2:] == ["not", "started"]
    assert "remind: E14, E64" in captured.err


def test_status_without_a_plan_says_so(tmp_path, capsys):
    data = demo_copy(tmp_path / "data", (2024,), training=False)
    (data / "2024" / "assignments.csv").unlink()
    assert main(["status", "--year", "2024", "--data", str(data)]) == 1
    assert "file not found: no team plan for this year" in capsys.readouterr().err
