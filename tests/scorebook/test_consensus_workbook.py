"""The team leader's consensus workbook: ``scoring template --team ENTRY`` and importing it as
the entry's consensus (scoring.scorebook.consensus, scoring.scorebook.importer)."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from demo_copy import demo_copy
from openpyxl import load_workbook

from scoring.cli import main
from scoring.consensus import consensus_agenda
from scoring.data import criterion_scores, individual, load_year, read_scores
from scoring.problems import display_path
from scoring.rubric import load_rubric
from scoring.scorebook import import_scorebooks, read_scorebook
from scoring.scorebook import layout as L
from scoring.scorebook.consensus import AGENDA_FILL, ON_AGENDA, SPREAD_FILL
from scoring.scorebook.issued import read_issued

RUBRIC = load_rubric()
LABEL = {c.id: c.label_sv for c in RUBRIC.criteria}
HEADER = "year,entry_id,examiner_id,criterion,score,stage,question,comment\n"
SCORES = HEADER + (
    '2023,A1,E01,target_group,60,,,"Bra analys"\n'
    "2023,A1,E02,target_group,70,,,\n"
    "2023,A1,E03,target_group,20,,,Saknar mål\n"
    "2023,A1,E01,leadership,50,,,\n"
    "2023,A1,E02,leadership,60,,,\n"
    "2023,A1,E01,staff,40,,,\n"
    "2023,A1,E02,staff,50,,,\n"
    "2023,A1,E03,staff,60,,10,=Fråga tio\n"
    "2023,A1,E03,staff,70,,11,\n"
    "2023,A1,E05,staff,10,,10,\n"
    "2023,A1,E05,results,90,,,\n"
    "2023,A2,E04,staff,50,,,\n"
)
ENTRIES = "entry_id,name,class\nA1,Solen (fiktiv),forskola\nA2,Månen (fiktiv),skola\nA3,Stjärnan,andra\n"
ASSIGNMENTS = "entry_id,examiner_id\nA1,E01\nA1,E02\nA1,E03\nA2,E04\nA2,E02\n"
#: A1's team: the planned members, then E05 who scored without being planned.
TEAM_A1 = ["E01", "E02", "E03", "E05"]


# ---------------------------------------------------------------------------------------
# helpers
@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A small year 2023: entry A1 with four members (one scoring staff per question), A2 with
    two (one without scores), A3 without a team."""
    d = tmp_path / "data"
    (d / "2023").mkdir(parents=True)
    shutil.copy(Path(__file__).resolve().parents[2] / "data" / "rubric.toml", d / "rubric.toml")
    (d / "2023" / "entries.csv").write_text(ENTRIES, encoding="utf-8")
    (d / "2023" / "scores.csv").write_text(SCORES, encoding="utf-8")
    (d / "2023" / "assignments.csv").write_text(ASSIGNMENTS, encoding="utf-8")
    return d


def template(data_dir, tmp_path, entry="A1", name="konsensus.xlsx", year=2023) -> Path:
    out = tmp_path / name
    assert main(["template", "--year", str(year), "--team", entry, "--out", str(out), "--data", str(data_dir)]) == 0
    return out


def import_cli(data_dir, *files, replace=False, year=2023) -> int:
    args = ["import", *map(str, files), "--year", str(year), "--data", str(data_dir)]
    return main(args + (["--replace"] if replace else []))


def column(ws, heading: str) -> int:
    """The column a user finds by reading the headings (row 4)."""
    for c in range(1, ws.max_column + 1):
        if ws.cell(L.HEADER_ROW, c).value == heading:
            return c
    raise LookupError(heading)


def row_of(ws, criterion: str, question: int | None = None) -> int:
    """The row a user finds by reading the criterion (and question) column."""
    for r in range(L.FIRST_ROW, ws.max_row + 1):
        if ws.cell(r, 1).value == LABEL[criterion] and ws.cell(r, 2).value == question:
            return r
    raise LookupError(criterion)


SCORE, STRENGTHS, IMPROVEMENTS = "Konsensuspoäng", "Styrkor (en punkt per rad)", "Utvecklingsområden (en punkt per rad)"


def fill(path, filled: dict, out=None, sheet="A1") -> Path:
    """Type the team's consensus into the workbook, as a team leader would:
    {criterion: (score, strengths, improvements)}; None leaves a cell blank."""
    wb = load_workbook(path)
    ws = wb[sheet]
    for crit, values in filled.items():
        r = row_of(ws, crit)
        for heading, v in zip((SCORE, STRENGTHS, IMPROVEMENTS), values, strict=True):
            c = ws.cell(r, column(ws, heading))
            c.value = v
            if isinstance(v, str):
                c.data_type = "s"  # typed as text (Excel keeps '=...' text with a leading apostrophe)
    out = Path(out or path)
    wb.save(out)
    return out


def consensus_rows(data_dir, year=2023) -> pd.DataFrame:
    df, problems = read_scores(data_dir / str(year) / "scores.csv", load_rubric(data_dir=data_dir), year=year)
    assert not [p for p in problems if p.is_error], [str(p) for p in problems]
    return df[df["stage"] == "consensus"]


FILLED = {
    "target_group": (70, "• Tydlig bild av målgruppen\n- Brukarna är delaktiga\n\n", "Följ upp oftare"),
    "leadership": (50, None, None),  # a score without texts is allowed
    "staff": (60.0, "Kompetensplan för alla", "=Mät effekten\r\n+ sprid goda exempel"),
    "results": (40, None, "Analysera trender"),
}
EXPECTED = {  # criterion: (score, strengths, improvements) as stored
    "target_group": (70.0, "Tydlig bild av målgruppen\nBrukarna är delaktiga", "Följ upp oftare"),
    "leadership": (50.0, "", ""),
    "staff": (60.0, "Kompetensplan för alla", "=Mät effekten\n+ sprid goda exempel"),
    "results": (40.0, "", "Analysera trender"),
}


def stored(data_dir) -> dict:
    rows = consensus_rows(data_dir)
    rows = rows[rows["entry_id"] == "A1"]
    assert set(rows["examiner_id"]) <= {"TEAM"} and rows["question"].isna().all()
    return {r.criterion: (r.score, r.strengths, r.improvements) for r in rows.itertuples()}


# ---------------------------------------------------------------------------------------
# the template
def test_template_layout(data_dir, tmp_path, capsys):
    path = template(data_dir, tmp_path)
    assert capsys.readouterr().out.strip() == display_path(path)
    wb = load_workbook(path)
    assert wb.sheetnames == [L.INSTRUCTIONS_SHEET, "A1", L.SCALE_SHEET, L.IDENTITY_SHEET]
    assert wb.security.lockStructure and wb[L.IDENTITY_SHEET].sheet_state == "veryHidden"
    for name in wb.sheetnames:
        assert wb[name].protection.sheet, name
    intro = "\n".join(str(c.value) for row in wb[L.INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "Konsensusprotokoll" in intro and "en punkt per rad i rutan" in intro and "TEAM" in intro
    assert "Tom ruta betyder ingen poäng – inte noll" in intro and "Ansats saknas eller är anekdotisk" in intro

    ws = wb["A1"]
    assert ws["A1"].value == "Konsensus – bidrag A1 – Solen (fiktiv)"
    assert "Laget: E01, E02, E03, E05" in ws["A2"].value
    headings = [ws.cell(L.HEADER_ROW, c).value for c in range(1, ws.max_column + 1)]
    assert headings == ["Kriterium", "Fråga", *TEAM_A1, "Spridning", "Konsensusagenda", SCORE, STRENGTHS, IMPROVEMENTS,
                        *(f"Kommentar {m}" for m in TEAM_A1)]
    # a row per criterion; below staff, a row per question a member scored (10 and 11)
    labels = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(L.FIRST_ROW, ws.max_row + 1)]
    assert labels == [(LABEL["target_group"], None), (LABEL["leadership"], None), (LABEL["staff"], None),
                      (LABEL["staff"], 10), (LABEL["staff"], 11), (LABEL["results"], None),
                      (LABEL["goals_follow_up"], None), (LABEL["development"], None)]

    def members(r):
        return [ws.cell(r, column(ws, m)).value for m in TEAM_A1]

    def comments(r):
        return [ws.cell(r, column(ws, f"Kommentar {m}")).value for m in TEAM_A1]

    assert members(row_of(ws, "target_group")) == [60, 70, 20, None]
    assert comments(row_of(ws, "target_group")) == ["Bra analys", None, "Saknar mål", None]
    assert members(row_of(ws, "leadership")) == [50, 60, None, None]
    assert members(row_of(ws, "staff")) == [40, 50, 65, 10]  # E03's mean of questions 10 and 11
    assert members(row_of(ws, "staff", 10)) == [None, None, 60, 10]
    assert members(row_of(ws, "staff", 11)) == [None, None, 70, None]
    c = ws.cell(row_of(ws, "staff", 10), column(ws, "Kommentar E03"))
    assert (c.value, c.data_type) == ("=Fråga tio", "s")  # a comment is never a formula
    assert members(row_of(ws, "results")) == [None, None, None, 90]

    # the spread, highlighted above the rubric's threshold (30), on criterion and question rows
    spread, agenda = column(ws, "Spridning"), column(ws, "Konsensusagenda")
    want = {("target_group", None): 50, ("leadership", None): 10, ("staff", None): 55, ("staff", 10): 50,
            ("staff", 11): None, ("results", None): None, ("development", None): None}
    for (crit, q), value in want.items():
        cell = ws.cell(row_of(ws, crit, q), spread)
        assert cell.value == value, (crit, q)
        wide = value is not None and value > RUBRIC.spread_threshold
        assert (cell.fill.fgColor.rgb == SPREAD_FILL.fgColor.rgb) == wide, (crit, q)
    # the agenda: the calibration report's rule (scoring.consensus.consensus_agenda)
    raw, _ = read_scores(data_dir / "2023" / "scores.csv", RUBRIC, year=2023)
    rule = consensus_agenda(criterion_scores(individual(raw), RUBRIC), RUBRIC)
    on = set(rule.loc[rule["entry_id"] == "A1", "criterion"])
    assert on == {"target_group", "staff"}
    for crit in RUBRIC.criterion_ids:
        cell = ws.cell(row_of(ws, crit), agenda)
        assert (cell.value == ON_AGENDA) == (crit in on)
        assert (cell.fill.fgColor.rgb == AGENDA_FILL.fgColor.rgb) == (crit in on)

    # only the consensus cells of the criteria's rows are unlocked; the scale's validation on the scores
    inputs = [column(ws, h) for h in (SCORE, STRENGTHS, IMPROVEMENTS)]
    criterion_rows = [row_of(ws, c) for c in RUBRIC.criterion_ids]
    for r in range(L.FIRST_ROW, ws.max_row + 1):
        for c in range(1, ws.max_column + 1):
            unlocked = r in criterion_rows and c in inputs
            assert ws.cell(r, c).protection.locked != unlocked, ws.cell(r, c).coordinate
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == f"{L.SCALE_SHEET}!$A$2:$A$12" and dv.allow_blank
    assert dv.showErrorMessage and dv.errorStyle == "stop"
    letter = ws.cell(1, inputs[0]).column_letter
    assert sorted(str(dv.sqref).split()) == sorted(f"{letter}{r}" for r in criterion_rows)

    # issued under TEAM, for the one entry
    (issued,) = read_issued(2023, data_dir).values()
    assert (issued.examiner_id, issued.entries, issued.file) == ("TEAM", ("A1",), path.name)
    book = read_scorebook(path, data_dir=data_dir)
    assert book.ok and book.kind == L.CONSENSUS and book.examiner_id == "TEAM" and book.members == tuple(TEAM_A1)
    assert book.workbook_id == issued.workbook_id and book.fingerprint == issued.fingerprint
    assert book.scores.empty


def test_members_come_from_the_scores_without_a_plan(data_dir, tmp_path):
    (data_dir / "2023" / "assignments.csv").unlink()
    ws = load_workbook(template(data_dir, tmp_path))["A1"]
    assert [ws.cell(L.HEADER_ROW, c).value for c in range(3, 7)] == ["E01", "E02", "E03", "E05"]
    ws = load_workbook(template(data_dir, tmp_path, entry="A2", name="a2.xlsx"))["A2"]
    assert [ws.cell(L.HEADER_ROW, c).value for c in range(3, 5)] == ["E04", "Spridning"]


def test_a_planned_member_without_scores_is_shown(data_dir, tmp_path):
    ws = load_workbook(template(data_dir, tmp_path, entry="A2"))["A2"]
    assert [ws.cell(L.HEADER_ROW, c).value for c in range(3, 5)] == ["E04", "E02"]
    assert ws["A2"].value.endswith("inga individuella poäng ännu från E02")
    assert ws.cell(row_of(ws, "staff"), 3).value == 50 and ws.cell(row_of(ws, "staff"), 4).value is None


def test_template_usage_and_input_errors(data_dir, tmp_path, capsys):
    out = tmp_path / "k.xlsx"
    base = ["template", "--year", "2023", "--out", str(out), "--data", str(data_dir)]
    assert main([*base, "--team", "A3"]) == 2  # no team: neither planned nor scored
    err = capsys.readouterr().err
    assert f"entry A3 has no team: it has no rows in {display_path(data_dir / '2023' / 'assignments.csv')}" in err
    assert f"no individual scores in {display_path(data_dir / '2023' / 'scores.csv')}" in err
    assert main([*base, "--team", "A9"]) == 1
    assert "entry 'A9' is not in this file" in capsys.readouterr().err
    assert main([*base, "--team", "A1", "--entries", "A1"]) == 2
    assert "--entries does not go with --team" in capsys.readouterr().err
    assert main([*base, "--team", "A1", "--per-question"]) == 2
    with pytest.raises(SystemExit) as e:  # one kind of workbook at a time
        main([*base, "--team", "A1", "--examiner", "E01"])
    assert e.value.code == 2
    capsys.readouterr()
    assert main([*base[:4], str(tmp_path / "k.csv"), *base[5:], "--team", "A1"]) == 2
    assert main([*base, "--examiner", "TEAM", "--entries", "A1"]) == 1  # TEAM stays no examiner's code
    assert "reserved" in capsys.readouterr().err
    assert not out.exists() and read_issued(2023, data_dir) == {}


# ---------------------------------------------------------------------------------------
# filling in and importing
def test_filled_workbook_imports_as_the_entrys_consensus(data_dir, tmp_path, capsys):
    path = fill(template(data_dir, tmp_path), FILLED)
    scores_csv = data_dir / "2023" / "scores.csv"
    original = scores_csv.read_bytes()
    result = import_scorebooks([path], 2023, data_dir=data_dir, by="kansliet")
    assert result.ok and result.written, [str(p) for w in result.workbooks for p in w.problems]
    (w,) = result.workbooks
    assert (w.status, w.kind, w.examiner_id, w.entries) == ("imported", "consensus", "TEAM", ("A1",))
    assert w.counts() == {"added": 4, "changed": 0, "removed": 0}
    assert stored(data_dir) == EXPECTED
    # the file lacked the texts' columns: added at the end, every earlier value kept, and said so
    assert result.columns_added == ("strengths", "improvements")
    notes = [str(p) for p in w.problems if not p.is_error]
    assert any("strengths, improvements added to the header" in n and "every row" in n for n in notes)
    old = list(csv.reader(io.StringIO(original.decode("utf-8"))))
    new = list(csv.reader(io.StringIO(scores_csv.read_text(encoding="utf-8"))))
    assert new[0] == old[0][:-1] + ["comment", "strengths", "improvements"]
    assert [r[: len(old[0])] for r in new[1: len(old)]] == old[1:] and all(r[-2:] == ["", ""] for r in new[1:len(old)])
    assert new[len(old)] == ["2023", "A1", "TEAM", "target_group", "70", "consensus", "", "",
                             "Tydlig bild av målgruppen\nBrukarna är delaktiga", "Följ upp oftare"]
    # the change log: one row per added consensus row, action import
    log = list(csv.DictReader(io.StringIO((data_dir / "2023" / "changes.csv").read_text(encoding="utf-8"))))
    assert [(r["action"], r["by"], r["examiner_id"], r["stage"], r["criterion"], r["old_score"], r["new_score"])
            for r in log] == [("import", "kansliet", "TEAM", "consensus", c, "", f"{EXPECTED[c][0]:g}")
                              for c in FILLED]
    assert {r["source"] for r in log} == {display_path(path)}

    # the analysis sees the texts on the criterion-level rows
    year = load_year(2023, data_dir=data_dir)
    team = year.scores[(year.scores["stage"] == "consensus") & (year.scores["entry_id"] == "A1")]
    assert dict(zip(team["criterion"], team["strengths"], strict=True))["target_group"] == EXPECTED["target_group"][1]
    assert {"strengths", "improvements"} <= set(year.raw_scores.columns)
    assert (year.scores.loc[year.scores["stage"] != "consensus", ["strengths", "improvements"]] == "").all().all()

    # the same workbook twice changes nothing, byte for byte (scores.csv and the change log)
    before = scores_csv.read_bytes(), (data_dir / "2023" / "changes.csv").read_bytes()
    capsys.readouterr()
    assert import_cli(data_dir, path) == 0
    assert "(TEAM): unchanged: 0 added, 0 changed, 0 removed" in capsys.readouterr().out
    assert (scores_csv.read_bytes(), (data_dir / "2023" / "changes.csv").read_bytes()) == before


def test_a_file_with_the_texts_columns_keeps_every_row_byte_for_byte(data_dir, tmp_path):
    scores_csv = data_dir / "2023" / "scores.csv"
    text = SCORES.replace("comment\n", "comment,strengths,improvements\n").replace("\n2023", ",,\n2023")
    text = text.rstrip("\n") + ",,\r\n"  # the last row with the other ending: kept as it is
    scores_csv.write_bytes(b"\xef\xbb\xbf" + text.replace(",", ";").encode("utf-8"))
    original = scores_csv.read_bytes()
    result = import_scorebooks([fill(template(data_dir, tmp_path), FILLED)], 2023, data_dir=data_dir)
    assert result.ok and result.columns_added == ()
    assert not [p for w in result.workbooks for p in w.problems if "added to the header" in p.message]
    data = scores_csv.read_bytes()
    assert data.startswith(original)
    new = data[len(original):].decode("utf-8")
    assert new.startswith('2023;A1;TEAM;target_group;70;consensus;;;"Tydlig bild av målgruppen\nBrukarna är delaktiga";'
                          "Följ upp oftare")
    assert stored(data_dir) == EXPECTED


def test_a_file_without_a_stage_column_gets_one(data_dir, tmp_path):
    scores_csv = data_dir / "2023" / "scores.csv"
    scores_csv.write_text("year,entry_id,examiner_id,criterion,score\n2023,A1,E01,staff,40\n2023,A1,E02,staff,60\n")
    assert import_cli(data_dir, fill(template(data_dir, tmp_path), {"leadership": (50, None, None)})) == 0
    assert scores_csv.read_text().split("\n") == [
        "year,entry_id,examiner_id,criterion,score,stage", "2023,A1,E01,staff,40,", "2023,A1,E02,staff,60,",
        "2023,A1,TEAM,leadership,50,consensus", ""]


def test_a_new_consensus_needs_replace_and_lists_the_changes(data_dir, tmp_path, capsys):
    # an earlier consensus, under the team's chosen examiner id (as the demo's are)
    scores_csv = data_dir / "2023" / "scores.csv"
    scores_csv.write_text(SCORES + "2023,A1,E01,target_group,70,consensus,,\n2023,A1,E01,development,30,consensus,,\n"
                                   "2023,A2,E04,staff,50,consensus,,\n")
    path = fill(template(data_dir, tmp_path), FILLED)
    before = scores_csv.read_bytes()
    assert import_cli(data_dir, path) == 1
    err = capsys.readouterr()
    assert ("entry A1 already has another consensus in " in err.err and "(1 changed, 1 removed, 3 added by this "
            "workbook); nothing imported. To replace the entry's earlier consensus, run the import again with "
            "--replace" in err.err)
    assert scores_csv.read_bytes() == before and not (data_dir / "2023" / "changes.csv").exists()

    result = import_scorebooks([path], 2023, data_dir=data_dir, replace=True, by="kansliet")
    assert result.ok and result.written
    (w,) = result.workbooks
    assert [(c.criterion, c.change, None if pd.isna(c.old) else c.old, None if pd.isna(c.new) else c.new)
            for c in w.changes.itertuples()] == [
        ("target_group", "changed", 70, 70), ("leadership", "added", None, 50), ("staff", "added", None, 60),
        ("results", "added", None, 40), ("development", "removed", 30, None)]
    assert stored(data_dir) == EXPECTED
    other = consensus_rows(data_dir)
    assert list(other.loc[other["entry_id"] == "A2", "examiner_id"]) == ["E04"]  # another entry's stays
    log = list(csv.DictReader(io.StringIO((data_dir / "2023" / "changes.csv").read_text(encoding="utf-8"))))
    assert {r["action"] for r in log} == {"import --replace"}
    assert [(r["examiner_id"], r["criterion"], r["old_score"], r["new_score"]) for r in log] == [
        ("E01", "target_group", "70", ""), ("TEAM", "target_group", "", "70"), ("TEAM", "leadership", "", "50"),
        ("TEAM", "staff", "", "60"), ("TEAM", "results", "", "40"), ("E01", "development", "30", "")]

    # the team changes its mind: a text and a score; only those change
    again = dict(FILLED, staff=(70, "Kompetensplan för alla", None), leadership=(50, "Tydligt ledarskap", None))
    second = fill(template(data_dir, tmp_path, name="v2.xlsx"), again)
    assert import_cli(data_dir, second) == 1
    capsys.readouterr()
    assert import_cli(data_dir, second, replace=True) == 0
    out = capsys.readouterr().out
    assert "(TEAM): imported: 0 added, 2 changed, 0 removed" in out
    assert "A1 leadership: changed 50 -> 50" in out and "A1 staff: changed 60 -> 70" in out
    assert stored(data_dir)["staff"] == (70.0, "Kompetensplan för alla", "")
    assert stored(data_dir)["leadership"] == (50.0, "Tydligt ledarskap", "")


def test_a_blank_workbook_changes_nothing(data_dir, tmp_path, capsys):
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, template(data_dir, tmp_path), replace=True) == 0
    assert "no scores filled in" in capsys.readouterr().err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


# ---------------------------------------------------------------------------------------
# broken workbooks: refused naming sheet and cell, scores.csv unchanged
def _cell(ws, crit, heading, question=None):
    return ws.cell(row_of(ws, crit, question), column(ws, heading))


def _off_scale(ws):
    _cell(ws, "staff", SCORE).value = 137


def _off_step(ws):
    _cell(ws, "staff", SCORE).value = 55


def _text_score(ws):
    _cell(ws, "staff", SCORE).value = "sextio"


def _formula_score(ws):
    _cell(ws, "staff", SCORE).value = "=50+10"


def _formula_text(ws):
    _cell(ws, "staff", STRENGTHS).value = "=A1"


def _text_without_score(ws):
    _cell(ws, "goals_follow_up", IMPROVEMENTS).value = "Följ upp målen"


def _key_changed(ws):
    _cell(ws, "staff", "Kriterium").value = "Personal"


def _question_in_key_row(ws):
    _cell(ws, "staff", "Fråga").value = 12


def _consensus_in_question_row(ws):
    _cell(ws, "staff", SCORE, 10).value = 60


def _row_added(ws):
    ws.cell(ws.max_row + 1, 1).value = "Ny rad"


def _column_added(ws):
    ws.cell(L.FIRST_ROW, ws.max_column + 1).value = "mer text"


def _merged(ws):
    r = row_of(ws, "staff")
    ws.merge_cells(start_row=r, start_column=column(ws, STRENGTHS), end_row=r, end_column=column(ws, IMPROVEMENTS))


BROKEN = [  # (change, cell, message); the staff row is row 7, its consensus cells I, J and K
    (_off_scale, "I7", "score 137 is outside the scale 0–100"),
    (_off_step, "I7", "score 55 is not on the scale's step of 10"),
    (_text_score, "I7", "text 'sextio' in a score cell"),
    (_formula_score, "I7", "a formula (=50+10) in a score cell"),
    (_formula_text, "J7", "a formula (=A1) in a text cell"),
    (_text_without_score, "K11", "areas for development without a consensus score: give the team's score for "
                                 "Från mål till uppföljning in I11, or clear the text"),
    (_key_changed, "A7", "a key of this criterion's row was changed to 'Personal'; it must read 'Medarbetare'"),
    (_question_in_key_row, "B7", "a key of this criterion's row was changed to '12'"),
    (_consensus_in_question_row, "I8", "content '60' in a question's row: the consensus score and texts are given "
                                       "per criterion"),
    (_row_added, "A13", "content 'Ny rad' where the template has none"),
    (_column_added, "P5", "content 'mer text' where the template has none"),
    (_merged, "J7", "cells J7:K7 are merged"),
]


@pytest.mark.parametrize("mutate, cell, message", BROKEN, ids=[m.__name__.strip("_") for m, _, _ in BROKEN])
def test_broken_workbooks_are_refused_naming_sheet_and_cell(data_dir, tmp_path, capsys, mutate, cell, message):
    path = fill(template(data_dir, tmp_path), FILLED)
    wb = load_workbook(path)
    mutate(wb["A1"])
    wb.save(path)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 1
    captured = capsys.readouterr()
    assert f"{display_path(path)}: sheet 'A1', cell {cell}: {message}" in captured.err
    assert "(TEAM): refused, nothing imported" in captured.out and "Traceback" not in captured.err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before
    assert not (data_dir / "2023" / "changes.csv").exists()
    assert main(["validate", str(path)]) == 1  # validate says the same without importing
    assert f"sheet 'A1', cell {cell}: {message}" in capsys.readouterr().out


def _identity_cell(wb, name):
    ws = wb[L.IDENTITY_SHEET]
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == name:
            return ws.cell(r, 2)
    raise LookupError(name)


def _other_entry(wb):  # the hidden keys say another entry
    ws = wb[L.IDENTITY_SHEET]
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 3).value == "A1":
            ws.cell(r, 3).value = "A2"


def _other_team(wb):
    _identity_cell(wb, L.MEMBERS).value = "E01 E02 E03 E04"


def _examiner_code(wb):
    _identity_cell(wb, "examiner_id").value = "E01"


def _award_kind(wb):  # an examiner's scorebook made out to TEAM: refused as before
    _identity_cell(wb, "kind").value = L.AWARD


def _deleted_sheet(wb):
    wb.security.lockStructure = False
    del wb["A1"]


WORKBOOK_REFUSALS = [
    (_other_entry, "sheet '_scoring': this scorebook's entries or rows differ from those issued to TEAM (A1)"),
    (_other_team, "sheet '_scoring': this scorebook's entries or rows differ from those issued to TEAM (A1)"),
    (_examiner_code, "sheet '_scoring': the consensus workbook's hidden sheet '_scoring' was changed"),
    (_award_kind, "sheet '_scoring': the scorebook is made out to 'TEAM', a code reserved"),
    (_deleted_sheet, "sheet 'A1' of the template is missing"),
]


@pytest.mark.parametrize("mutate, message", WORKBOOK_REFUSALS,
                         ids=[m.__name__.strip("_") for m, _ in WORKBOOK_REFUSALS])
def test_changed_workbooks_are_refused(data_dir, tmp_path, capsys, mutate, message):
    path = fill(template(data_dir, tmp_path), FILLED)
    wb = load_workbook(path)
    mutate(wb)
    wb.save(path)
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 1
    assert message in capsys.readouterr().err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


def test_a_workbook_for_another_year_or_entry_is_refused(data_dir, tmp_path, capsys):
    shutil.copytree(data_dir / "2023", data_dir / "2022")
    (data_dir / "2022" / "scores.csv").write_text(SCORES.replace("2023", "2022"))
    path = fill(template(data_dir, tmp_path), FILLED)
    before = (data_dir / "2022" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path, year=2022) == 1
    assert "this scorebook is for 2023, not 2022; import it with its own year" in capsys.readouterr().err
    assert (data_dir / "2022" / "scores.csv").read_bytes() == before
    # an entry that left entries.csv since the workbook was made
    (data_dir / "2023" / "entries.csv").write_text(ENTRIES.replace("A1,Solen (fiktiv),forskola\n", ""))
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, path) == 1
    assert "entry 'A1' is not in" in capsys.readouterr().err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before


def test_validate_a_filled_workbook(data_dir, tmp_path, capsys):
    path = fill(template(data_dir, tmp_path), FILLED)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "scored without strengths or areas for development: Chef- och ledarskap" in out


# ---------------------------------------------------------------------------------------
# the demo's year, and LibreOffice
def test_done_when_on_the_demo_year(tmp_path, capsys):
    data = demo_copy(tmp_path / "data", years=(2024,), training=False)
    path = tmp_path / "2024-03.xlsx"
    assert main(["template", "--year", "2024", "--team", "2024-03", "--out", str(path), "--data", str(data)]) == 0
    wb = load_workbook(path)
    ws = wb["2024-03"]
    filled = {c: (60, f"Styrka för {LABEL[c]}\nEn till", f"Utveckla {LABEL[c]}") for c in RUBRIC.criterion_ids}
    fill(path, filled, sheet="2024-03")
    scores_csv = data / "2024" / "scores.csv"
    earlier = consensus_rows(data, 2024)
    had = earlier[earlier["entry_id"] == "2024-03"]
    assert len(had)  # the demo's consensus, under the team's chosen examiner: replaced only with --replace
    assert import_cli(data, path, year=2024) == 1
    assert import_cli(data, path, year=2024, replace=True) == 0
    before = scores_csv.read_bytes()
    assert import_cli(data, path, year=2024) == 0 and scores_csv.read_bytes() == before
    year = load_year(2024, data_dir=data)
    team = year.scores[(year.scores["entry_id"] == "2024-03") & (year.scores["stage"] == "consensus")]
    assert set(team["examiner_id"]) == {"TEAM"} and len(team) == len(RUBRIC.criteria)
    assert all(s.split("\n")[1] == "En till" for s in team["strengths"])
    assert ws.cell(row_of(ws, "staff"), column(ws, SCORE)).protection.locked is False


@pytest.mark.slow
def test_libreoffice_saved_consensus_workbook_imports_and_reimports(data_dir, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        message = "LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI must run this test)")
        pytest.skip(message)
    path = fill(template(data_dir, tmp_path), FILLED)
    out = tmp_path / "lo"
    run = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "xlsx", "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr
    resaved = out / path.name
    book = read_scorebook(resaved, data_dir=data_dir)
    assert book.ok, [str(p) for p in book.problems]
    wb = load_workbook(resaved)
    ws = wb["A1"]
    assert ws.protection.sheet  # (LibreOffice drops the workbook's structure lock, as for examiners' books)
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == f"{L.SCALE_SHEET}!$A$2:$A$12"
    assert not _cell(ws, "staff", STRENGTHS).protection.locked and _cell(ws, "staff", "E01").protection.locked
    assert wb[L.IDENTITY_SHEET].sheet_state in ("hidden", "veryHidden")  # LibreOffice keeps it hidden
    # its issue id and hidden sheet survive LibreOffice: it imports, and again without change
    assert import_cli(data_dir, resaved) == 0
    assert stored(data_dir) == EXPECTED
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert import_cli(data_dir, resaved) == 0
    assert import_cli(data_dir, path) == 0  # the workbook before LibreOffice: the same consensus
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before
