"""The team's texts in scores.csv: the optional columns ``strengths`` and ``improvements`` of
consensus rows (scoring.data.scores, ``scoring validate``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.cli import main
from scoring.data import SCORE_COLUMNS, criterion_scores, load_year, read_scores
from scoring.data.scores import TEXT_COLUMNS, join_points, points
from scoring.data.validate import validate_paths
from scoring.problems import display_path
from scoring.rubric import load_rubric

RUBRIC = load_rubric()
HEADER = "year,entry_id,examiner_id,criterion,score,stage,question,comment,strengths,improvements\n"
ENTRIES = "entry_id,name,class\n007,Förskolan Solen,forskola\nB12,Hemtjänst Norr,aldreomsorg\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


def year_dir(tmp_path: Path, scores: str) -> Path:
    d = tmp_path / "data" / "2024"
    write(d / "scores.csv", scores)
    write(d / "entries.csv", ENTRIES)
    return d


def test_points_one_per_line():
    assert points(" • Tydlig analys \r\n- Delaktiga brukare\r\rnästa\n\n* stjärna\n-5 % frånvaro\n–  tankstreck ") == [
        "Tydlig analys", "Delaktiga brukare", "nästa", "stjärna", "-5 % frånvaro", "tankstreck"]
    assert points("") == points(None) == points(float("nan")) == []
    assert join_points(["a\nb", "", "b\nc", "a"]) == "a\nb\nc"


def test_consensus_texts_are_read(tmp_path):
    path = write(tmp_path / "scores.csv", HEADER + (
        "2024,007,E01,staff,60,,,Bra,,\n"
        '2024,007,TEAM,staff,60,consensus,,,"• Värdegrund\r\n• Delaktighet\r\n","Följ upp, oftare"\n'
        "2024,007,E07,leadership,50,konsensus,,,Tydligt ledarskap,\n"
    ))
    df, problems = read_scores(path, RUBRIC, year=2024)
    assert problems == []
    assert list(df.columns) == list(SCORE_COLUMNS) and SCORE_COLUMNS[-3:-1] == TEXT_COLUMNS
    assert list(df["strengths"]) == ["", "Värdegrund\nDelaktighet", "Tydligt ledarskap"]
    assert list(df["improvements"]) == ["", "Följ upp, oftare", ""]
    # a file without the columns reads them as ""
    old = write(tmp_path / "old.csv", "year,entry_id,examiner_id,criterion,score,stage\n2024,007,TEAM,staff,60,"
                                      "consensus\n")
    df, problems = read_scores(old, RUBRIC, year=2024)
    assert problems == [] and (df["strengths"] == "").all() and (df["improvements"] == "").all()


@pytest.mark.parametrize("stage", ["", "individual", "site_visit", "reference", "platsbesök"])
def test_texts_on_a_row_that_is_not_a_consensus_row_are_an_error(tmp_path, stage):
    d = year_dir(tmp_path, HEADER + "2024,007,E01,staff,60,consensus,,,,\n"
                                   f"2024,007,E01,staff,60,{stage},,,,Mer dialog\n"
                                   f'2024,007,E02,results,60,{stage},,,"Bra\nmätning",\n')
    problems = validate_paths([d])
    where = display_path(d / "scores.csv")
    shown = [str(p) for p in problems if p.is_error]
    want = {"": "individual", "platsbesök": "site_visit"}.get(stage, stage)
    assert shown == [
        f"{where}:3: improvements: improvements: only a consensus row carries the team's areas for development "
        f"(this row's stage is {want}); move the text to the entry's consensus row for the criterion, or into comment",
        f"{where}:4: strengths: strengths: only a consensus row carries the team's strengths (this row's stage is "
        f"{want}); move the text to the entry's consensus row for the criterion, or into comment",
    ]
    with pytest.raises(Exception, match="only a consensus row carries"):
        load_year(2024, data_dir=d.parent)


def test_validate_command_names_file_row_and_column(tmp_path, capsys):
    d = year_dir(tmp_path, HEADER + "2024,007,E01,staff,60,,,,Mer dialog,\n")
    assert main(["validate", str(d / "scores.csv")]) == 1
    assert f"{display_path(d / 'scores.csv')}:2: strengths: strengths: only a consensus row" in capsys.readouterr().out
    d = year_dir(tmp_path / "ok", HEADER + "2024,007,TEAM,staff,60,consensus,,,Mer dialog,\n")
    assert main(["validate", str(d)]) == 0


def test_criterion_scores_keep_the_texts(tmp_path):
    path = write(tmp_path / "scores.csv", HEADER + (
        "2024,007,E01,staff,60,,10,a,,\n"
        "2024,007,E01,staff,70,,11,,,\n"
        '2024,007,TEAM,staff,60,consensus,10,,"Värdegrund\nDelaktighet","Mer dialog"\n'
        '2024,007,TEAM,staff,70,consensus,11,,"Delaktighet\nKompetens",\n'
        "2024,007,TEAM,staff,80,consensus,12,,,Mer dialog\n"
        '2024,007,TEAM,results,40,consensus,,,"Mäter\nAnalyserar","Trender"\n'
    ))
    df, problems = read_scores(path, RUBRIC, year=2024)
    assert problems == []
    out = criterion_scores(df, RUBRIC)
    assert list(out.columns) == ["year", "entry_id", "examiner_id", "criterion", "stage", "score", "n_questions",
                                 "comment", "strengths", "improvements", "line"]
    rows = {(r.examiner_id, r.criterion): r for r in out.itertuples()}
    team = rows[("TEAM", "staff")]
    assert (team.score, team.n_questions) == (70.0, 3)
    assert team.strengths == "Värdegrund\nDelaktighet\nKompetens" and team.improvements == "Mer dialog"
    assert (rows[("TEAM", "results")].strengths, rows[("TEAM", "results")].improvements) == ("Mäter\nAnalyserar",
                                                                                            "Trender")
    assert (rows[("E01", "staff")].strengths, rows[("E01", "staff")].improvements) == ("", "")
    # a frame without the columns (an analyst's own) gets them empty
    bare = df.drop(columns=list(TEXT_COLUMNS))
    assert (criterion_scores(bare, RUBRIC)[list(TEXT_COLUMNS)] == "").all().all()


def test_load_year_has_the_texts_columns(tmp_path):
    d = year_dir(tmp_path, "year,entry_id,examiner_id,criterion,score,stage\n2024,007,E01,staff,60,\n"
                           "2024,007,E01,staff,60,consensus\n")
    year = load_year(2024, data_dir=d.parent)
    for frame in (year.scores, year.raw_scores):
        assert {"strengths", "improvements"} <= set(frame.columns)
        assert (frame["strengths"] == "").all()
