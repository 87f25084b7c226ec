"""Excel scorebooks: the template, filling it in as a user would, and importing it back
(scoring.scorebook, ``scoring template`` and ``scoring import``)."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from demo_copy import demo_copy
from openpyxl import Workbook, load_workbook

from scoring.cli import main
from scoring.data import read_scores
from scoring.paths import DATA_DIR, PROJECT_ROOT
from scoring.problems import Problem, display_path
from scoring.rubric import load_rubric
from scoring.scorebook import import_scorebooks, put, read_scorebook
from scoring.scorebook import layout as L

RUBRIC = load_rubric()
LABEL = {c.id: c.label_sv for c in RUBRIC.criteria}
HEADER = "year,entry_id,examiner_id,criterion,score,stage,question,comment\n"
SCORES = HEADER + (
    "2023,A1,E01,target_group,60,individual,,\n"
    "2023,A1,E01,staff,50,individual,,Bra\n"
    "2023,A2,E02,results,70,,,\n"
    "2023,A1,TEAM,target_group,60,consensus,,\n"
)
ENTRIES = "entry_id,name,class\nA1,Solen (fiktiv),forskola\nA2,=Månen (fiktiv),skola\nA3,Stjärnan,andra\n"


# ---------------------------------------------------------------------------------------
# helpers
@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A small year 2023: three entries, a few scores (one entry name starts with '=')."""
    d = tmp_path / "data"
    (d / "2023").mkdir(parents=True)
    shutil.copy(DATA_DIR / "rubric.toml", d / "rubric.toml")
    (d / "2023" / "entries.csv").write_text(ENTRIES, encoding="utf-8")
    (d / "2023" / "scores.csv").write_text(SCORES, encoding="utf-8")
    return d


def template(data_dir, tmp_path, *extra, name="e99.xlsx", examiner="E99", entries="A1,A2") -> Path:
    out = tmp_path / name
    args = ["template", "--year", "2023", "--out", str(out), "--data", str(data_dir)]
    args += ["--examiner", examiner] if examiner else []
    args += ["--entries", entries] if entries else []
    assert main(args + list(extra)) == 0
    return out


def row_of(ws, criterion: str, question: int | None = None) -> int:
    """The row a user finds by reading the criterion (and question) column."""
    for r in range(L.FIRST_ROW, ws.max_row + 1):
        if ws.cell(r, L.COL_CRITERION).value == LABEL[criterion] and ws.cell(r, L.COL_QUESTION).value == question:
            return r
    raise LookupError(criterion)


def fill(path, scores: dict, comments: dict | None = None, out=None, code=None) -> Path:
    """Type scores (and comments) into a template, as a user would: {(sheet, criterion): value}.

    A comment is typed as text (in Excel a leading apostrophe keeps '=...' text).
    """
    wb = load_workbook(path)
    for (sheet, crit), v in scores.items():
        ws = wb[sheet]
        q = None
        if isinstance(crit, tuple):
            crit, q = crit
        ws.cell(row_of(ws, crit, q), L.COL_SCORE).value = v
    for (sheet, crit), text in (comments or {}).items():
        c = wb[sheet].cell(row_of(wb[sheet], crit), L.COL_COMMENT)
        c.value = text
        c.data_type = "s"
    if code is not None:
        wb[L.INSTRUCTIONS_SHEET].cell(L.CODE_ROW, L.CODE_COL).value = code
    out = Path(out or path)
    wb.save(out)
    return out


def imported(data_dir, examiner="E99"):
    df, problems = read_scores(data_dir / "2023" / "scores.csv", RUBRIC, year=2023)
    assert not [p for p in problems if p.is_error]
    return df[df["examiner_id"] == examiner]


def import_cli(data_dir, *files, replace=False) -> int:
    args = ["import", *map(str, files), "--year", "2023", "--data", str(data_dir)]
    return main(args + (["--replace"] if replace else []))


FILLED = {("A1", "target_group"): 70, ("A1", "leadership"): 60, ("A1", "results"): 40.0,
          ("A2", "staff"): 0, ("A2", "development"): 100}
COMMENTS = {("A1", "target_group"): "=Tydlig analys", ("A1", "results"): "- saknar trender\n+ bra mått",
            ("A2", "staff"): "@team, \"citat\""}


def test_problem_names_sheet_and_cell_and_keeps_the_csv_format():
    csv = Problem("a.csv", 3, "score", "score 137 is outside the scale 0–100")
    assert str(csv) == "a.csv:3: score: score 137 is outside the scale 0–100" and csv.location == "3: score"
    assert str(Problem("a.csv", None, None, "empty", "note")) == "a.csv: -: note: empty"
    xl = Problem("b.xlsx", None, None, "score 137 is outside the scale 0–100", sheet="2023-02", cell="D7")
    assert str(xl) == "b.xlsx: sheet '2023-02', cell D7: score 137 is outside the scale 0–100"
    assert xl.location == "sheet '2023-02', cell D7" and xl.is_error
    note = Problem("b.xlsx", None, None, "extra sheet", "note", sheet="X")
    assert str(note) == "b.xlsx: sheet 'X': note: extra sheet"


# ---------------------------------------------------------------------------------------
# text is never a formula: one helper, used everywhere
@pytest.mark.parametrize("text", ["=SUM(A1:A3)", "+46 8 508 290 00", "-5 poäng", "@E07", "=", "vanlig text"])
def test_put_stores_text_as_text(tmp_path, text):
    wb = Workbook()
    put(wb.active, 1, 1, text)
    put(wb.active, 2, 1, 70)
    put(wb.active, 3, 1, "a\x07b")  # a control character a workbook cannot hold is dropped
    wb.save(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx").active
    assert (ws["A1"].value, ws["A1"].data_type) == (text, "s")
    assert ws["A1"].quotePrefix == text.startswith(("=", "+", "-", "@"))
    assert (ws["A2"].value, ws["A2"].data_type) == (70, "n")
    assert ws["A3"].value == "ab"
    assert load_workbook(tmp_path / "t.xlsx", data_only=True).active["A1"].value == text  # no formula to evaluate


def test_every_cell_the_package_writes_goes_through_put():
    """No module but scorebook/cells.py assigns cell values or appends rows itself."""
    offenders = []
    for path in (PROJECT_ROOT / "scoring").rglob("*.py"):
        if path.name == "cells.py" and path.parent.name == "scorebook":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\.value\s*=[^=]", r"\.cell\([^)]*value\s*=", r"\bws\.append\(", r"\._value\s*=[^=]"):
            offenders += [f"{path.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert not offenders


def test_entry_names_and_comments_starting_with_formula_characters_stay_text(data_dir, tmp_path):
    path = template(data_dir, tmp_path)
    ws = load_workbook(path)["A2"]
    assert ws["A1"].value == "Bidrag A2 – =Månen (fiktiv)" and ws["A1"].data_type == "s"


# ---------------------------------------------------------------------------------------
# the template
def test_template_layout(data_dir, tmp_path):
    path = template(data_dir, tmp_path)
    wb = load_workbook(path)
    assert wb.sheetnames == [L.INSTRUCTIONS_SHEET, "A1", "A2", L.SCALE_SHEET, L.IDENTITY_SHEET]
    intro = wb[L.INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in intro.iter_rows() for c in row if c.value is not None)
    assert "Så här fyller du i protokollet" in text and "Tom betyder ingen poäng – inte noll" in text
    assert "E99" in text and "Ansats saknas eller är anekdotisk" in text  # examiner, and the named bands
    assert "ÖVNINGSPROTOKOLL" not in text
    assert wb[L.IDENTITY_SHEET].sheet_state == "veryHidden"
    assert wb.security.lockStructure
    values = [wb[L.SCALE_SHEET].cell(r, 1).value for r in range(2, 13)]
    assert values == list(range(0, 101, 10))
    assert wb[L.SCALE_SHEET]["B2"].value == "Ansats saknas eller är anekdotisk"
    for name in wb.sheetnames:
        assert wb[name].protection.sheet, name
    for sheet in ("A1", "A2"):
        ws = wb[sheet]
        rows = range(L.FIRST_ROW, L.FIRST_ROW + len(RUBRIC.criteria))
        # every scoring row carries its keys; only score and comment cells are unlocked
        assert [ws.cell(r, L.COL_ENTRY).value for r in rows] == [sheet] * 6
        assert [ws.cell(r, L.COL_CRITERION).value for r in rows] == [c.label_sv for c in RUBRIC.criteria]
        assert all(ws.cell(r, L.COL_QUESTION).value is None for r in rows)
        for r in rows:
            assert not ws.cell(r, L.COL_SCORE).protection.locked and not ws.cell(r, L.COL_COMMENT).protection.locked
            assert ws.cell(r, L.COL_ENTRY).protection.locked and ws.cell(r, L.COL_CRITERION).protection.locked
        assert ws.cell(2, 1).protection.locked
        # data validation: only the scale's values on every score cell
        (dv,) = ws.data_validations.dataValidation
        assert dv.type == "list" and dv.formula1 == f"{L.SCALE_SHEET}!$A$2:$A$12" and dv.allow_blank
        assert dv.showErrorMessage and dv.errorStyle == "stop"
        assert str(dv.sqref) == f"D{rows[0]}:D{rows[-1]}"
        assert ws.max_row == rows[-1]


def test_template_per_question(data_dir, tmp_path):
    path = template(data_dir, tmp_path, "--per-question", entries="A1")
    ws = load_workbook(path)["A1"]
    n = sum(len(c.questions) for c in RUBRIC.criteria)
    assert ws.max_row == L.FIRST_ROW + n - 1
    assert [ws.cell(r, L.COL_QUESTION).value for r in range(L.FIRST_ROW, L.FIRST_ROW + n)] == list(range(1, 24))
    assert ws.cell(L.FIRST_ROW + 4, L.COL_CRITERION).value == LABEL["leadership"]  # question 5


def test_template_entries_from_assignments(data_dir, tmp_path, capsys):
    (data_dir / "2023" / "assignments.csv").write_text("entry_id;examiner_id\nA3;E99\nA1;E98\nA2;E99\n")
    path = template(data_dir, tmp_path, entries=None)
    assert load_workbook(path).sheetnames[1:3] == ["A3", "A2"]
    assert main(["template", "--year", "2023", "--examiner", "E42", "--out", str(tmp_path / "x.xlsx"),
                 "--data", str(data_dir)]) == 2
    assert "E42 has no entries in" in capsys.readouterr().err


def test_scorebooks_for_the_whole_plan_in_one_command(data_dir, tmp_path, capsys):
    """Issue 20: one issued scorebook per examiner of assignments.csv, each with their entries."""
    from scoring.scorebook.issued import read_issued

    (data_dir / "2023" / "assignments.csv").write_text("entry_id,examiner_id\nA3,E99\nA1,E98\nA2,E99\n")
    out = tmp_path / "books"
    assert main(["template", "--year", "2023", "--planned", "--out", str(out), "--data", str(data_dir)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["E98.xlsx", "E99.xlsx"]
    assert load_workbook(out / "E99.xlsx").sheetnames[1:3] == ["A3", "A2"]
    issued = {(i.examiner_id, i.entries) for i in read_issued(2023, data_dir).values()}
    assert issued == {("E98", ("A1",)), ("E99", ("A3", "A2"))}
    assert main(["template", "--year", "2023", "--planned", "--out", str(tmp_path / "x.xlsx"),
                 "--data", str(data_dir)]) == 2
    assert "with --planned, --out is a folder" in capsys.readouterr().err
    (data_dir / "2023" / "assignments.csv").unlink()
    assert main(["template", "--year", "2023", "--planned", "--out", str(out), "--data", str(data_dir)]) == 1
    assert "plan the teams first with `scoring plan --year 2023`" in capsys.readouterr().err


def test_template_usage_and_input_errors(data_dir, tmp_path, capsys):
    base = ["template", "--year", "2023", "--data", str(data_dir)]
    out = ["--out", str(tmp_path / "x.xlsx")]
    assert main(base + ["--examiner", "E99"] + out) == 2  # no --entries and no assignments.csv
    assert "give them with --entries" in capsys.readouterr().err
    assert main(base + ["--examiner", "E99", "--entries", "A1", "--out", str(tmp_path / "x.csv")]) == 2
    with pytest.raises(SystemExit) as e:
        main(base + ["--examiner", "E99", "--session", "s"] + out)
    assert e.value.code == 2
    assert main(base + ["--examiner", "E99", "--entries", "A1,A9"] + out) == 1
    assert "entry 'A9' is not in this file" in capsys.readouterr().err
    assert main(base + ["--examiner", "Anna Svensson", "--entries", "A1"] + out) == 1
    assert "looks like a person's name" in capsys.readouterr().err
    assert main(base + ["--session", "kurs"] + out) == 2  # a session needs its reference.csv
    assert "has no" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_training_template_is_marked(data_dir, tmp_path):
    folder = data_dir / "2023" / "training" / "kurs"
    folder.mkdir(parents=True)
    (folder / "reference.csv").write_text(HEADER + "".join(
        f"2023,CASE,REF,{c},50,reference,,\n" for c in RUBRIC.criterion_ids))
    path = template(data_dir, tmp_path, "--session", "kurs", examiner=None, entries=None)
    wb = load_workbook(path)
    assert wb.sheetnames[1] == "CASE"
    assert "ÖVNINGSPROTOKOLL" in wb[L.INSTRUCTIONS_SHEET]["A2"].value
    assert "ÖVNINGSPROTOKOLL" in wb["CASE"]["A2"].value
    code = wb[L.INSTRUCTIONS_SHEET].cell(L.CODE_ROW, L.CODE_COL)
    assert code.value is None and not code.protection.locked
    book = read_scorebook(path, data_dir=data_dir)
    assert (book.kind, book.session, book.year) == ("training", "kurs", 2023)
    assert "the trainee's code is blank" in book.errors[0].message


# ---------------------------------------------------------------------------------------
# filled in and imported back
def test_filled_template_imports_exactly_the_scores_entered(data_dir, tmp_path, capsys):
    path = fill(template(data_dir, tmp_path), FILLED, COMMENTS)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 0
    out = capsys.readouterr().out
    assert "imported: 5 added, 0 changed, 0 removed" in out and "A1 target_group: added 70" in out
    got = imported(data_dir)
    assert {(r.entry_id, r.criterion): r.score for r in got.itertuples()} == {k: float(v) for k, v in FILLED.items()}
    assert {(r.entry_id, r.criterion): r.comment for r in got.itertuples() if r.comment} == COMMENTS
    assert set(got["stage"]) == {"individual"} and got["question"].isna().all()
    after = (data_dir / "2023" / "scores.csv").read_bytes()
    assert after.startswith(before)  # appended; earlier rows untouched
    # importing the same workbook again changes nothing
    assert import_cli(data_dir, path) == 0
    assert "unchanged: 0 added, 0 changed, 0 removed" in capsys.readouterr().out
    assert (data_dir / "2023" / "scores.csv").read_bytes() == after


def test_per_question_scores_import_and_roll_up(data_dir, tmp_path):
    path = template(data_dir, tmp_path, "--per-question", entries="A3")
    path = fill(path, {("A3", ("results", 14)): 60, ("A3", ("results", 15)): 70, ("A3", ("staff", 10)): 50})
    assert import_cli(data_dir, path) == 0
    got = imported(data_dir).sort_values("question")
    assert got["question"].tolist() == [10, 14, 15] and got["score"].tolist() == [50, 60, 70]
    assert import_cli(data_dir, path) == 0


def test_done_when_commands_on_the_demo_year(tmp_path, capsys):
    """The issue's "done when", as a new user would type it (on a copy of the demo's 2023)."""
    data = demo_copy(tmp_path / "data", training=False)
    out = tmp_path / "e99.xlsx"
    assert main(["template", "--year", "2023", "--examiner", "E99", "--entries", "2023-01,2023-02",
                 "--out", str(out), "--data", str(data)]) == 0
    scores = {(e, c.id): 10 * ((i + j) % 11) for i, e in enumerate(["2023-01", "2023-02"])
              for j, c in enumerate(RUBRIC.criteria)}
    fill(out, scores)
    before = (data / "2023" / "scores.csv").read_bytes()
    assert main(["import", str(out), "--year", "2023", "--data", str(data)]) == 0
    df, _ = read_scores(data / "2023" / "scores.csv", RUBRIC, year=2023)
    e99 = df[df["examiner_id"] == "E99"]
    assert {(r.entry_id, r.criterion): r.score for r in e99.itertuples()} == scores
    once = (data / "2023" / "scores.csv").read_bytes()
    assert once.startswith(before) and len(df) == len(read_scores(DATA_DIR / "2023" / "scores.csv", RUBRIC)[0]) + 12
    assert main(["import", str(out), "--year", "2023", "--data", str(data)]) == 0  # again: nothing changes
    assert (data / "2023" / "scores.csv").read_bytes() == once
    bad = fill(out, {("2023-02", "staff"): 137}, out=tmp_path / "e99-137.xlsx")
    capsys.readouterr()
    assert main(["import", str(bad), "--year", "2023", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert f"{display_path(bad)}: sheet '2023-02', cell D7: score 137 is outside the scale 0–100" in err
    assert (data / "2023" / "scores.csv").read_bytes() == once


# ---------------------------------------------------------------------------------------
# every refusal imports nothing
def _mutate_score(ws):
    ws["D5"] = 137


def _off_step(ws):
    ws["D5"] = 65


def _text(ws):
    ws["D5"] = "sju"


def _number_as_text(ws):
    ws["D5"] = "70"


def _formula(ws):
    ws["D5"] = "=60+10"


def _formula_in_comment(ws):
    ws["E6"] = "=A1"


def _date(ws):
    ws["D5"] = datetime(2023, 5, 1)


def _boolean(ws):
    ws["D5"] = True


def _key_changed(ws):
    ws["B6"] = "Ledarskap"


def _key_deleted(ws):
    ws["A7"] = None


def _entry_changed(ws):
    ws["A5"] = "A3"


def _question_added(ws):
    ws["C5"] = 3


def _row_added(ws):
    ws["B11"] = LABEL["staff"]
    ws["D11"] = 80


def _column_added(ws):
    ws["F5"] = "extra"


def _row_inserted(ws):
    ws.insert_rows(7)


REFUSALS = [
    (_mutate_score, "D5", "score 137 is outside the scale 0–100"),
    (_off_step, "D5", "score 65 is not on the scale's step of 10"),
    (_text, "D5", "text 'sju' in a score cell"),
    (_number_as_text, "D5", "text '70' in a score cell"),
    (_formula, "D5", "a formula (=60+10) in a score cell; type the score itself (formulas are never evaluated)"),
    (_formula_in_comment, "E6", "a formula (=A1) in a comment cell"),
    (_date, "D5", "a date in a score cell"),
    (_boolean, "D5", "'True' in a score cell is not a number"),
    (_key_changed, "B6", "a key of this scoring row was changed to 'Ledarskap'; it must read 'Chef- och ledarskap'"),
    (_key_deleted, "A7", "a key of this scoring row was deleted; it must read 'A1'"),
    (_entry_changed, "A5", "a key of this scoring row was changed to 'A3'; it must read 'A1'"),
    (_question_added, "C5", "a key of this scoring row was changed to '3'; it must read ''"),
    (_row_added, "B11", "content 'Medarbetare' where the template has none"),
    (_column_added, "F5", "content 'extra' where the template has none"),
    (_row_inserted, "A7", "a key of this scoring row was deleted; it must read 'A1'"),
]


@pytest.mark.parametrize("mutate, cell, message", REFUSALS, ids=[m.__name__.strip("_") for m, _, _ in REFUSALS])
def test_refused_naming_sheet_and_cell(data_dir, tmp_path, capsys, mutate, cell, message):
    path = fill(template(data_dir, tmp_path), FILLED)
    wb = load_workbook(path)
    mutate(wb["A1"])
    wb.save(path)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 1
    err = capsys.readouterr().err
    assert f"{display_path(path)}: sheet 'A1', cell {cell}: {message}" in err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


def _rename(wb):
    wb["A2"].title = "Bidrag A2"


def _delete(wb):
    del wb["A2"]


def _delete_scale(wb):
    del wb[L.SCALE_SHEET]


def _add_sheet(wb):
    wb.create_sheet("Anteckningar")["A1"] = 80


WORKBOOK_REFUSALS = [
    (_rename, "sheet 'A2' of the template is missing (renamed or deleted?)"),
    (_delete, "sheet 'A2' of the template is missing (renamed or deleted?)"),
    (_delete_scale, f"sheet '{L.SCALE_SHEET}' of the template is missing"),
    (_add_sheet, "sheet 'Anteckningar', cell A1: this sheet is not part of the template and is not read"),
]


@pytest.mark.parametrize("mutate, message", WORKBOOK_REFUSALS,
                         ids=[m.__name__.strip("_") for m, _ in WORKBOOK_REFUSALS])
def test_sheet_changes_are_refused(data_dir, tmp_path, capsys, mutate, message):
    path = fill(template(data_dir, tmp_path), FILLED)
    wb = load_workbook(path)
    wb.security.lockStructure = False
    mutate(wb)
    wb.save(path)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 1
    assert message in capsys.readouterr().err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


def test_other_year_not_a_workbook_and_not_a_scorebook_are_refused(data_dir, tmp_path, capsys):
    other = data_dir / "2022"
    shutil.copytree(data_dir / "2023", other)
    (other / "scores.csv").write_text(SCORES.replace("2023", "2022"))
    wrong_year = fill(template(data_dir, tmp_path, name="y.xlsx"), FILLED)
    assert main(["import", str(wrong_year), "--year", "2022", "--data", str(data_dir)]) == 1
    assert "this scorebook is for 2023, not 2022; import it with its own year" in capsys.readouterr().err
    csv = tmp_path / "scores.xlsx"
    csv.write_text(SCORES)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    zipped = tmp_path / "zip.xlsx"
    shutil.make_archive(str(tmp_path / "zip"), "zip", data_dir / "2023")
    (tmp_path / "zip.zip").rename(zipped)
    plain = tmp_path / "plain.xlsx"
    Workbook().save(plain)
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, csv, empty, zipped, plain, xls, tmp_path / "missing.xlsx") == 1
    err = capsys.readouterr().err
    assert f"{display_path(csv)}: -: not an Excel workbook (.xlsx): the file is not a zip archive" in err
    assert f"{display_path(empty)}: -: not an Excel workbook (.xlsx): the file is empty (0 bytes)" in err
    assert f"{display_path(zipped)}: -: not an Excel workbook (.xlsx) (or a damaged one" in err
    assert f"{display_path(plain)}: -: not a scorebook made by `scoring template`" in err
    assert f"{display_path(xls)}: -: not an Excel workbook (.xlsx): an old-format (.xls) or password-protected" in err
    assert f"{display_path(tmp_path / 'missing.xlsx')}: -: file not found" in err
    assert "Traceback" not in err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


def test_training_scorebook_is_refused_with_where_it_belongs(data_dir, tmp_path, capsys):
    folder = data_dir / "2023" / "training" / "kurs"
    folder.mkdir(parents=True)
    (folder / "reference.csv").write_text(HEADER + "2023,CASE,REF,staff,50,reference,,\n")
    path = template(data_dir, tmp_path, "--session", "kurs", examiner=None, entries=None)
    fill(path, {("CASE", "staff"): 60}, code="T01")
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 1
    err = capsys.readouterr().err
    assert ("a training scorebook (session 'kurs'): training scores never enter scores.csv; put the file in "
            f"{display_path(folder)}/ instead") in err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


def test_entry_not_in_entries_csv_is_refused(data_dir, tmp_path, capsys):
    path = fill(template(data_dir, tmp_path, entries="A3"), {("A3", "staff"): 50})
    (data_dir / "2023" / "entries.csv").write_text(ENTRIES.replace("A3,Stjärnan,andra\n", ""))
    assert import_cli(data_dir, path) == 1
    assert f"sheet 'A3', cell A7: entry 'A3' is not in {display_path(data_dir / '2023' / 'entries.csv')}" in \
        capsys.readouterr().err


def test_one_bad_workbook_does_not_stop_the_others(data_dir, tmp_path, capsys):
    good = fill(template(data_dir, tmp_path, name="good.xlsx"), FILLED)
    bad = fill(template(data_dir, tmp_path, name="bad.xlsx", examiner="E98"), {("A1", "staff"): 55})
    assert import_cli(data_dir, bad, good) == 1
    assert len(imported(data_dir)) == len(FILLED) and imported(data_dir, "E98").empty


# ---------------------------------------------------------------------------------------
# replacing earlier scores
def test_a_changed_workbook_needs_replace_and_replaces_only_that_examiners_rows(data_dir, tmp_path, capsys):
    first = fill(template(data_dir, tmp_path), FILLED, COMMENTS)
    other = fill(template(data_dir, tmp_path, name="a3.xlsx", entries="A3"), {("A3", "results"): 30})
    assert import_cli(data_dir, first, other) == 0
    changed = dict(FILLED)
    changed[("A1", "target_group")] = 80  # changed
    del changed[("A2", "development")]  # removed (left blank)
    changed[("A2", "results")] = 50  # added
    second = fill(template(data_dir, tmp_path, name="e99-v2.xlsx"), changed)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    capsys.readouterr()
    assert import_cli(data_dir, second) == 1
    cap = capsys.readouterr()
    assert "E99 already has other scores for these entries" in cap.err and "--replace" in cap.err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before
    assert import_cli(data_dir, second, replace=True) == 0
    out = capsys.readouterr().out
    assert "imported: 1 added, 3 changed, 1 removed" in out  # A1 results and A2 staff lost their comments
    for line in ("A1 target_group: changed 70 -> 80", "A2 development: removed (was 100)", "A2 results: added 50",
                 "A1 results: changed 40 -> 40"):
        assert line in out
    got = imported(data_dir)
    assert {(r.entry_id, r.criterion): r.score for r in got.itertuples()} == {
        **{k: float(v) for k, v in changed.items()}, ("A3", "results"): 30.0}
    df, _ = read_scores(data_dir / "2023" / "scores.csv", RUBRIC, year=2023)
    assert len(df[df["examiner_id"].isin(["E01", "E02", "TEAM"])]) == 4  # everyone else untouched
    text = (data_dir / "2023" / "scores.csv").read_text()
    assert text.startswith(SCORES)


def test_adding_scores_to_an_earlier_import_needs_no_replace(data_dir, tmp_path, capsys):
    part = {k: v for k, v in FILLED.items() if k[0] == "A1"}
    assert import_cli(data_dir, fill(template(data_dir, tmp_path), part)) == 0
    assert import_cli(data_dir, fill(template(data_dir, tmp_path, name="all.xlsx"), FILLED)) == 0
    assert "imported: 2 added, 0 changed, 0 removed" in capsys.readouterr().out
    assert len(imported(data_dir)) == len(FILLED)


# ---------------------------------------------------------------------------------------
# scores.csv keeps its format and is written atomically
def test_swedish_excel_format_is_kept(data_dir, tmp_path):
    text = "\ufeff" + SCORES.replace(",", ";").replace(";60;", ";60,0;").replace(";50;", ";50,0;") \
        .replace(";70;", ";70,0;")
    path = data_dir / "2023" / "scores.csv"
    original = text.replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(original)
    assert import_cli(data_dir, fill(template(data_dir, tmp_path), FILLED, COMMENTS)) == 0
    raw = path.read_bytes()
    assert raw.startswith(original)  # BOM and every earlier row kept byte for byte
    new = raw[len(original):].decode("utf-8")
    assert new.startswith("2023;A1;E99;target_group;70,0;individual;;=Tydlig analys\r\n")
    assert '2023;A1;E99;results;40,0;individual;;"- saknar trender\n+ bra mått"\r\n' in new
    assert len(imported(data_dir)) == len(FILLED)


def test_missing_columns_are_added_and_a_missing_final_newline_is_mended(data_dir, tmp_path):
    path = data_dir / "2023" / "scores.csv"
    path.write_text("year,entry_id,examiner_id,criterion,score\n2023,A1,E01,staff,50")
    assert import_cli(data_dir, fill(template(data_dir, tmp_path), FILLED, COMMENTS)) == 0
    lines = path.read_text().split("\n")
    assert lines[0] == "year,entry_id,examiner_id,criterion,score,comment"
    assert lines[1] == "2023,A1,E01,staff,50,"
    assert lines[2] == "2023,A1,E99,target_group,70,=Tydlig analys"
    assert len(imported(data_dir)) == len(FILLED)


def test_a_new_scores_file_is_created(data_dir, tmp_path):
    (data_dir / "2023" / "scores.csv").unlink()
    assert import_cli(data_dir, fill(template(data_dir, tmp_path), FILLED)) == 0
    assert (data_dir / "2023" / "scores.csv").read_text().startswith(HEADER + "2023,A1,E99,target_group,70,")


def test_a_broken_or_non_utf8_scores_file_imports_nothing(data_dir, tmp_path, capsys):
    path = data_dir / "2023" / "scores.csv"
    book = fill(template(data_dir, tmp_path), FILLED)
    path.write_text(SCORES + "2023,A1,E03,staff,55,,,\n")
    before = path.read_bytes()
    assert import_cli(data_dir, book) == 1
    err = capsys.readouterr().err
    assert "score 55 is not on the scale's step of 10" in err and "nothing imported: fix this file first" in err
    assert path.read_bytes() == before
    path.write_bytes(SCORES.replace("Bra", "Bra å").encode("cp1252"))
    before = path.read_bytes()
    assert import_cli(data_dir, book) == 1
    assert "not UTF-8 text" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_an_interrupted_write_leaves_the_old_file_whole(data_dir, tmp_path, monkeypatch):
    import scoring.scorebook.scores_csv as sc

    path = data_dir / "2023" / "scores.csv"
    before = path.read_bytes()
    book = fill(template(data_dir, tmp_path), FILLED)

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        import_scorebooks([book], 2023, data_dir=data_dir)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["entries.csv", "scores.csv"]  # no temporary file left


def test_a_scores_file_changed_during_the_import_is_not_overwritten(data_dir, tmp_path, capsys, monkeypatch):
    import scoring.scorebook.importer as imp

    path = data_dir / "2023" / "scores.csv"
    real = imp.read_scorebook

    def slow_read(*a, **k):  # someone saves scores.csv while the workbook is being read
        path.write_text(SCORES + "2023,A3,E05,staff,40,,,\n")
        return real(*a, **k)

    monkeypatch.setattr(imp, "read_scorebook", slow_read)
    assert import_cli(data_dir, fill(template(data_dir, tmp_path), FILLED)) == 1
    assert "the file changed while importing; nothing written" in capsys.readouterr().err
    assert path.read_text() == SCORES + "2023,A3,E05,staff,40,,,\n"


# ---------------------------------------------------------------------------------------
# LibreOffice
FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_libreoffice_saved_fixture_imports(tmp_path):
    """tests/fixtures/scorebook_libreoffice.xlsx: filled in and saved by LibreOffice Calc
    (the commands are in tests/fixtures/README.md); the expected scores beside it."""
    import json

    expected = json.loads((FIXTURES / "scorebook_libreoffice.json").read_text(encoding="utf-8"))
    data = demo_copy(tmp_path / "data", training=False)
    with zipfile.ZipFile(FIXTURES / "scorebook_libreoffice.xlsx") as z:
        assert b"<Application>LibreOffice" in z.read("docProps/app.xml")
    # made before `scoring template` gave each scorebook an id (tests/scorebook/test_hostile_scorebooks.py)
    result = import_scorebooks([FIXTURES / "scorebook_libreoffice.xlsx"], 2023, data_dir=data, allow_unissued=True)
    assert result.ok and result.written, [str(p) for w in result.workbooks for p in w.problems]
    df, _ = read_scores(data / "2023" / "scores.csv", RUBRIC, year=2023)
    got = df[df["examiner_id"] == expected["examiner_id"]]
    assert sorted([r.entry_id, r.criterion, r.score, r.comment] for r in got.itertuples()) == \
        sorted([r["entry_id"], r["criterion"], r["score"], r["comment"]] for r in expected["scores"])


@pytest.mark.slow
def test_libreoffice_opens_and_resaves_a_template_without_repair(data_dir, tmp_path):
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        message = "LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run this test)")
        pytest.skip(message)
    path = fill(template(data_dir, tmp_path), FILLED, COMMENTS)
    out = tmp_path / "lo"
    run = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr
    resaved = out / path.name
    assert resaved.is_file()
    book = read_scorebook(resaved, data_dir=data_dir)
    assert book.ok, [str(p) for p in book.problems]
    assert {(r.entry_id, r.criterion): r.score for r in book.scores.itertuples()} == \
        {k: float(v) for k, v in FILLED.items()}
    assert {(r.entry_id, r.criterion): r.comment for r in book.scores.itertuples() if r.comment} == COMMENTS
    wb = load_workbook(resaved)
    for sheet in ("A1", "A2"):
        ws = wb[sheet]
        assert ws.protection.sheet
        (dv,) = ws.data_validations.dataValidation
        assert dv.type == "list" and dv.formula1 == f"{L.SCALE_SHEET}!$A$2:$A$12"
        assert not ws["D5"].protection.locked and ws["A5"].protection.locked
    # its issue id and hidden sheet survive LibreOffice: it imports under the code it was issued for
    assert import_cli(data_dir, resaved) == 0
    assert len(imported(data_dir)) == len(FILLED)
