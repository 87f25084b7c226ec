"""Reading and validating scores, entries and training files (scoring.data)."""

from __future__ import annotations

import dataclasses
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from scoring.data import (
    ENTRY_COLUMNS,
    SCORE_COLUMNS,
    YearData,
    available_years,
    criterion_scores,
    load_year,
    read_entries,
    read_scores,
)
from scoring.data.validate import validate_paths
from scoring.problems import InputError, display_path
from scoring.rubric import Scale, load_rubric

HEADER = "year,entry_id,examiner_id,criterion,score,stage,question,comment"

CLEAN_SCORES = """\
year,entry_id,examiner_id,criterion,score,stage,question,comment
2024,007,E01,target_group,60,individual,,Tydlig målgruppsanalys
2024,007,E01,leadership,70,individual,,
2024,007,E02,target_group,50,,,
2024,007,E02,leadership,80,,,
2024,B12,E01,staff,40,individual,,
2024,B12,TEAM,staff,50,consensus,,"Styrkor: värdegrund, delaktighet"
"""

CLEAN_ENTRIES = """\
entry_id,name,class,district,staff_count,budget_in_balance
007,Förskolan Solen,forskola,Södermalm,12,ja
B12,Hemtjänst Norr,aldreomsorg,,40,
"""

CLEAN_TRAINING = """\
year,entry_id,examiner_id,criterion,score,stage,question,comment
2024,CASE1,REF,target_group,60,reference,,
2024,CASE1,T01,target_group,70,individual,,
"""


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture
def half_rubric(rubric):
    """The default rubric on a 1-5 scale in steps of 0.5 (to exercise decimal commas)."""
    return dataclasses.replace(rubric, scale=Scale(1, 5, 0.5))


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode(encoding))
    return path


def scores_file(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "scores.csv") -> Path:
    return write(tmp_path / name, "\n".join([header, *rows]) + "\n")


def year_dir(tmp_path: Path, scores: str = CLEAN_SCORES, entries: str | None = CLEAN_ENTRIES,
             training: str | None = CLEAN_TRAINING, year: int = 2024) -> Path:
    d = tmp_path / "data" / str(year)
    write(d / "scores.csv", scores)
    if entries is not None:
        write(d / "entries.csv", entries)
    if training is not None:
        write(d / "training.csv", training)
    return d


def messages(problems, row=None, column=None):
    return [p.message for p in problems
            if (row is None or p.row == row) and (column is None or p.column == column)]


def one_problem(path, rubric, *, year=None, column=None):
    """Read a scores file that should have exactly one problem; return it."""
    df, problems = read_scores(path, rubric, year=year)
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert p.file == display_path(path)
    if column is not None:
        assert p.column == column
    return df, p


# ---------------------------------------------------------------- clean input


def test_clean_scores_have_no_problems_and_the_contract_columns(tmp_path, rubric):
    path = write(tmp_path / "scores.csv", CLEAN_SCORES)
    df, problems = read_scores(path, rubric, year=2024)
    assert problems == []
    assert list(df.columns) == list(SCORE_COLUMNS)
    assert len(df) == 6
    assert df["entry_id"].tolist()[:2] == ["007", "007"]  # never 7
    assert df["year"].dtype == "int64" and df["score"].dtype == "float64"
    assert df["question"].dtype == "Int64" and df["question"].isna().all()
    assert df["stage"].tolist() == ["individual"] * 5 + ["consensus"]  # blank -> individual
    assert df["line"].tolist() == [2, 3, 4, 5, 6, 7]
    assert df["comment"].tolist()[0] == "Tydlig målgruppsanalys"
    assert df["comment"].tolist()[1] == ""
    assert df["comment"].tolist()[5] == "Styrkor: värdegrund, delaktighet"


def test_clean_year_loads_and_validates(tmp_path):
    d = year_dir(tmp_path)
    data = load_year(2024, data_dir=d.parent)
    assert isinstance(data, YearData)
    assert data.problems == []
    assert data.year == 2024
    assert len(data.raw_scores) == 6 and len(data.scores) == 6
    assert set(data.entries["entry_id"]) == {"007", "B12"}
    assert data.training is not None and len(data.training) == 2
    assert validate_paths([d.parent]) == []
    assert validate_paths([d]) == []
    assert validate_paths([d / "scores.csv", d / "entries.csv", d / "training.csv"]) == []


def test_clean_entries(tmp_path, rubric):
    path = write(tmp_path / "entries.csv", CLEAN_ENTRIES)
    df, problems = read_entries(path, rubric)
    assert problems == []
    assert list(df.columns) == list(ENTRY_COLUMNS)
    assert df["entry_id"].tolist() == ["007", "B12"]
    assert df["staff_count"].dtype == "Int64" and df["staff_count"].tolist() == [12, 40]
    assert df["budget_in_balance"].dtype == "boolean"
    assert df["budget_in_balance"].iloc[0] is True or df["budget_in_balance"].iloc[0] == True  # noqa: E712
    assert pd.isna(df["budget_in_balance"].iloc[1])
    assert pd.isna(df["district"].iloc[1])


# ---------------------------------------------------------------- formats


def test_semicolon_bom_decimal_comma_and_swedish_labels_read_like_clean_csv(tmp_path, half_rubric):
    clean = write(tmp_path / "clean.csv", HEADER + "\n"
                  "2024,007,E01,target_group,4.5,individual,,ok\n"
                  "2024,007,E01,leadership,3,consensus,,\n"
                  "2024,007,E01,staff,2.5,site_visit,10,\n")
    excel = write(tmp_path / "excel.csv", ";".join(HEADER.split(",")) + "\r\n"
                  "2024 ; 007 ;E01;Målgrupp;4,5;individual;;ok \r\n"
                  "2024;007;E01;chef- och  LEDARSKAP;3;Consensus;;\r\n"
                  "2024;007;E01;Medarbetare;2,5;site visit;10;\r\n", encoding="utf-8-sig")
    quoted = write(tmp_path / "quoted.csv", HEADER + "\n"
                   '2024,007,E01,Målgrupp,"4,5",individual,,ok\n'
                   "2024,007,E01,Chef- och ledarskap,3,consensus,,\n"
                   '2024,007,E01,Medarbetare,"2,5",site_visit,10,\n')
    expected, problems = read_scores(clean, half_rubric, year=2024)
    assert problems == []
    for path in (excel, quoted):
        df, problems = read_scores(path, half_rubric, year=2024)
        assert problems == []
        pd.testing.assert_frame_equal(df, expected)
    assert expected["score"].tolist() == [4.5, 3.0, 2.5]


def test_blank_lines_and_whitespace_are_skipped_silently(tmp_path, rubric):
    path = write(tmp_path / "scores.csv", HEADER + "\n\n"
                 "2024, 007 ,E01 ,target_group , 60 ,,,\n"
                 "   \n"
                 ",,,,,,,\n"
                 "2024,007,E01,leadership,70,,,\n\n")
    df, problems = read_scores(path, rubric)
    assert problems == []
    assert df["line"].tolist() == [3, 6]
    assert df["entry_id"].tolist() == ["007", "007"]
    assert df["criterion"].tolist() == ["target_group", "leadership"]


def test_one_stray_byte_in_a_utf8_file_is_refused_naming_its_line_and_byte(tmp_path, rubric, capsys):
    """Issue 15: one Latin-1 byte in an otherwise UTF-8 entries.csv used to make the whole file read
    as Windows-1252 with only a note, garbling every å, ä and ö. The file is UTF-8 with a bad byte:
    refused at that line and byte, by the reader and by `scoring validate`."""
    from scoring.cli import main

    text = "entry_id,name,class\nA1,Förskolan Älgen,forskola\nA2,Solrosen,forskola\nA3,Åldersro,aldreomsorg\n"
    data = text.encode("utf-8").replace("Solrosen".encode(), "Solr\xf6sen".encode("latin-1"))
    path = tmp_path / "entries.csv"
    path.write_bytes(data)
    df, problems = read_entries(path, rubric)
    assert [(p.row, p.severity) for p in problems] == [(3, "error")]
    assert "byte 8 of this line (0xF6) is not UTF-8" in problems[0].message  # "A2,Solr" is 7 bytes
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert ":3:" in out and "0xF6" in out and "Windows-1252" not in out
    # a BOM says UTF-8 too: a BOM and one bad byte is refused, not read as Windows-1252
    path.write_bytes(b"\xef\xbb\xbf" + "entry_id,name,class\nA1,Solr".encode() + b"\xf6sen,forskola\n")
    _, problems = read_entries(path, rubric)
    assert [(p.row, p.severity) for p in problems] == [(2, "error")]


def test_aliases_are_read_as_written(tmp_path, rubric):
    path = write(tmp_path / "entries.csv", "entry_id,name,class,aliases\nA1,Solrosens förskola,forskola,"
                 "\" Blomman ;Huset;; \"\nA2,Åldersro,aldreomsorg,\n")
    df, problems = read_entries(path, rubric)
    assert problems == []
    assert df["aliases"].tolist()[0] == "Blomman; Huset" and pd.isna(df["aliases"].tolist()[1])


@pytest.mark.parametrize("code, why", [
    ("<script>alert(1)</script>", "is not a code"), ("</table>", "is not a code"), ("$x^2$", "is not a code"),
    ("Åsa🙂", "is not a code"), ("." * 2, "is not a code"), ("E{1}", "is not a code"), ("E1/2", "is not a code"),
    ("2024", "looks like a year"), ("ABC", "has no digit"), ("E" + "1" * 16, "is not a code"),
    ("Anna Berg", "looks like a person's name"), ("a@b.se1", "looks like an e-mail address"),
])
def test_codes_are_identifiers(tmp_path, rubric, code, why):
    """Issue 15: a code of two dots lost a year's trainee pages, '2024' blocked every examiner report of
    2024, '{}' crashed its report. An examiner code is an identifier, checked where it enters."""
    from scoring.data import read_scores

    path = write(tmp_path / "scores.csv", "year,entry_id,examiner_id,criterion,score\n"
                 f"2024,A1,\"{code}\",target_group,50\n2024,A1,E02,target_group,60\n")
    df, problems = read_scores(path, rubric, year=2024)
    assert [(p.row, p.column) for p in problems] == [(2, "examiner_id")] and why in problems[0].message
    assert df["examiner_id"].tolist() == ["E02"]


def test_reserved_words_are_no_ones_code():
    from scoring.data.scores import code_problem

    assert code_problem("TEAM", reserved_ok=True) is None and code_problem("E07") is None
    assert "reserved word" in code_problem("TEAM") and "reserved word" in code_problem("REF", person="trainee")
    assert code_problem("T-03_b") is None and code_problem("e7") is None


def test_windows_1252_file_is_read_with_a_note(tmp_path, rubric):
    path = write(tmp_path / "entries.csv", "entry_id;name;class\r\n"
                 "A1;Förskolan Älgen;Förskola\r\nA2;Åldersro;Äldreomsorg\r\n", encoding="cp1252")
    df, problems = read_entries(path, rubric)
    assert [p.severity for p in problems] == ["note"]
    assert "Windows-1252" in problems[0].message
    assert df["name"].tolist() == ["Förskolan Älgen", "Åldersro"]
    assert df["class"].tolist() == ["forskola", "aldreomsorg"]


def test_multiline_quoted_comment_keeps_line_numbers(tmp_path, rubric):
    path = scores_file(tmp_path, '2024,007,E01,target_group,60,,,"rad ett\nrad två"',
                       "2024,007,E01,leadership,700,,,")
    df, problems = read_scores(path, rubric)
    assert df["comment"].tolist() == ["rad ett\nrad två"]
    assert [p.row for p in problems] == [4]


# ---------------------------------------------------------------- one test per problem


def test_missing_required_column(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,target_group,60", header="year,entry_id,examiner_id,criterion,scor")
    df, problems = read_scores(path, rubric)
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1
    assert (errors[0].row, errors[0].column) == (1, "score")
    assert errors[0].message.startswith("missing required column 'score'")
    assert "did you mean 'score'" in messages(problems, column="scor")[0]
    assert df.empty and list(df.columns) == list(SCORE_COLUMNS)


def test_unknown_criterion(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,Ledarskap,60,,,")
    _, p = one_problem(path, rubric, column="criterion")
    assert p.row == 2
    assert p.message == ("'Ledarskap' is not a criterion; use one of: target_group, leadership, staff, "
                         "results, goals_follow_up, development or their Swedish labels")


def test_score_outside_the_scale(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,105,,,")
    df, p = one_problem(path, rubric, column="score")
    assert str(p) == f"{display_path(path)}:2: score: score 105 is outside the scale 0–100"
    assert df.empty


def test_score_off_the_step(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,75,,,")
    _, p = one_problem(path, rubric, column="score")
    assert p.message == "score 75 is not on the scale's step of 10"


def test_non_numeric_score(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,sextio,,,", "2024,007,E02,staff,nan,,,")
    df, problems = read_scores(path, rubric)
    assert messages(problems) == ["score 'sextio' is not a number", "score 'nan' is not a number"]
    assert df.empty


def test_unquoted_decimal_comma_in_a_comma_file(tmp_path, half_rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,4,5,,,")
    _, p = one_problem(path, half_rubric)
    assert p.row == 2 and 'quoted: "4,5"' in p.message


def test_blank_required_value(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,,staff,60,,,")
    _, p = one_problem(path, rubric, column="examiner_id")
    assert p.message == "examiner_id is blank; every row needs one"


def test_unknown_stage(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,60,jury,,", "2024,007,E01,results,60,Konsensus,,")
    df, p = one_problem(path, rubric, column="stage")
    assert p.message == "stage 'jury' is not a stage; use one of: individual, consensus, site_visit, reference"
    assert df["stage"].tolist() == ["consensus"]  # the Swedish name is accepted


def test_question_not_in_the_rubric(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,development,60,,24,")
    _, p = one_problem(path, rubric, column="question")
    assert p.message == "question 24 is not in the rubric (questions 1–23)"


def test_question_of_another_criterion(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,target_group,60,,7,")
    _, p = one_problem(path, rubric, column="question")
    assert p.message == "question 7 belongs to leadership, not target_group"


def test_conflicting_duplicates_report_both_lines(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,60,,,", "2024,007,E02,staff,60,,,",
                       "2024,007,E01,Medarbetare,70,individual,,")
    df, problems = read_scores(path, rubric)
    assert [(p.row, p.column, p.severity) for p in problems] == [(2, "score", "error"), (4, "score", "error")]
    assert problems[1].message == ("score 70 conflicts with line 2 (score 60) for the same entry, examiner, "
                                   "criterion and stage; keep one")
    assert "line 4 (score 70)" in problems[0].message
    assert df["line"].tolist() == [3]


def test_exact_duplicate_is_counted_once_with_a_note(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,60,,,", "2024,007,E01,Medarbetare,60,individual,,")
    df, p = one_problem(path, rubric)
    assert (p.row, p.severity) == (3, "note")
    assert p.message == "exact duplicate of line 2; counted once"
    assert str(p) == f"{display_path(path)}:3: -: note: exact duplicate of line 2; counted once"
    assert df["line"].tolist() == [2]


@pytest.mark.parametrize("column, row", [
    ("comment", "2024,007,E01,staff,60,,,another text"),
    ("strengths", "2024,007,TEAM,staff,60,consensus,,,Tydliga mål"),
])
def test_a_duplicate_key_and_score_with_another_text_is_an_error_naming_both_lines(tmp_path, rubric, column, row):
    first = "2024,007,E01,staff,60,,,same" if column == "comment" else "2024,007,TEAM,staff,60,consensus,,,"
    path = scores_file(tmp_path, first, first, row, header=HEADER + ",strengths")
    df, problems = read_scores(path, rubric)
    assert [(p.row, p.column, p.severity) for p in problems] == [(3, None, "note"), (4, column, "error")]
    assert problems[1].message.startswith(f"{column} differs from line 2's, the same entry, examiner, criterion and "
                                          "stage with the same score")
    assert df.empty  # neither text is taken for the other


def test_entry_missing_from_entries(tmp_path):
    scores = CLEAN_SCORES + "2024,X99,E01,staff,60,,,\n2024,X99,E02,staff,60,,,\n"
    d = year_dir(tmp_path, scores=scores)
    problems = validate_paths([d / "scores.csv"])
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.row, p.column) == (display_path(d / "scores.csv"), 8, "entry_id")
    assert p.message == f"entry_id 'X99' is not in {display_path(d / 'entries.csv')} (2 rows: lines 8, 9)"
    with pytest.raises(InputError) as e:
        load_year(2024, data_dir=d.parent)
    assert e.value.problems == [p]


def test_training_entries_need_not_be_in_entries(tmp_path):
    d = year_dir(tmp_path)
    assert "CASE1" not in (d / "entries.csv").read_text()
    assert validate_paths([d / "training.csv", d]) == []


def test_year_disagrees_with_the_folder(tmp_path):
    d = year_dir(tmp_path, scores=CLEAN_SCORES + "2023,007,E03,staff,60,,,\n")
    problems = validate_paths([d])
    assert [(p.row, p.column, p.message) for p in problems] == [
        (8, "year", "year 2023 disagrees with the folder 2024; fix the year or move the row")]
    df, problems = read_scores(d / "scores.csv", load_rubric())  # no folder year: no check
    assert problems == [] and len(df) == 7


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty (0 bytes)"),
    (b"\n  \n", "the file is empty"),
    (HEADER.encode() + b"\n", "no rows: the file has a header but no data"),
    (b"\xef\xbb\xbf" + HEADER.replace(",", ";").encode() + b"\r\n\r\n", "no rows: the file has a header but no data"),
])
def test_empty_file(tmp_path, rubric, content, message):
    path = write(tmp_path / "scores.csv", content)
    df, p = one_problem(path, rubric)
    assert (p.row, p.column, p.message) == (None, None, message)
    assert df.empty and list(df.columns) == list(SCORE_COLUMNS)


def test_xlsx_is_not_csv(tmp_path, rubric):
    path = tmp_path / "scores.csv"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    _, p = one_problem(path, rubric)
    assert p.message.startswith("not a CSV text file: it is an Excel workbook")
    assert "scoring import" in p.message
    problems = validate_paths([path.rename(tmp_path / "E07.xlsx")])
    assert len(problems) == 1 and "scoring import" in problems[0].message


def test_binary_file_is_not_csv(tmp_path, rubric):
    path = write(tmp_path / "scores.csv", bytes(range(256)) * 4)
    _, p = one_problem(path, rubric)
    assert p.message.startswith("not a CSV text file")


def test_examiner_name_instead_of_code(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,Anna Berg,staff,60,,,", "2024,007,anna@stad.se,staff,60,,,")
    df, problems = read_scores(path, rubric)
    assert messages(problems, column="examiner_id") == [
        "examiner_id 'Anna Berg' looks like a person's name; use the examiner's pseudonymous code (e.g. E07)",
        "examiner_id 'anna@stad.se' looks like an e-mail address; use the examiner's pseudonymous code (e.g. E07)",
    ]
    assert df.empty


def test_criterion_score_and_question_scores_together(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,60,,10,", "2024,007,E01,staff,70,,,",
                       "2024,007,E01,staff,60,,11,", "2024,007,E01,staff,70,consensus,,")
    df, p = one_problem(path, rubric, column="question")
    assert p.row == 3
    assert p.message == ("staff has both this criterion score and question scores (lines 2, 4) "
                         "from E01 at stage individual; keep one or the other")
    assert df["line"].tolist() == [2, 4, 5]


def test_every_row_is_used_or_reported(tmp_path, rubric):
    rows = [
        "2024,007,E01,target_group,60,,,",       # ok
        "2024,007,E01,target_group,60,,,",       # exact duplicate (note)
        "2024,007,E02,target_group,60,,,",       # conflicts with ...
        "2024,007,E02,target_group,70,,,",       # ... this one
        "2024,007,E03,Ledarskap,60,,,",          # unknown criterion
        "2024,007,E03,staff,61,,,",              # off step
        "2024,007,E03,results,,,,",              # blank score
        "2024,007,E03,results,60,,,,extra",      # too many values
        "2024,007,E03,development,60,,4,",       # wrong question
        "2024,007,E04,staff,60,,10,",            # ok (question)
        "2024,007,E04,staff,60,,,",              # clashes with the question row
        "24,007,E05,staff,60,,,",                # bad year
        "2024,007,E05,staff,60,vote,,",          # bad stage
        "2024,007,E05,staff,60,individual,,ok",  # ok
        "2024,007,E06 X,staff,60,,,",            # name-like examiner
    ]
    path = scores_file(tmp_path, *rows)
    df, problems = read_scores(path, rubric)
    used = set(df["line"])
    reported = {p.row for p in problems if p.row is not None}
    assert used.isdisjoint(reported)
    assert used | reported == set(range(2, 2 + len(rows)))
    assert len(df) + len(reported) == len(rows)
    assert sorted(used) == [2, 11, 15]


# ---------------------------------------------------------------- entries


def test_entries_problems(tmp_path, rubric):
    path = write(tmp_path / "entries.csv",
                 "entry_id,name,class,staff_count,budget_in_balance\n"
                 "A1,Solen,Förskola,12,JA\n"
                 "A2,Månen,Äldreomsorg (inkl. myndighetsutövning),1 200,Nej\n"
                 "A3,Stjärnan,gymnasium,5,sant\n"
                 "A1,Solen igen,skola,5,0\n"
                 "A4,,skola,tolv,kanske\n")
    df, problems = read_entries(path, rubric)
    assert df["entry_id"].tolist() == ["A1", "A2"]
    assert df["class"].tolist() == ["forskola", "aldreomsorg"]
    assert df["staff_count"].tolist() == [12, 1200]
    assert df["budget_in_balance"].tolist() == [True, False]
    assert [(p.row, p.column) for p in problems] == [
        (4, "class"), (5, "entry_id"), (6, "name"), (6, "staff_count"), (6, "budget_in_balance")]
    assert problems[0].message.startswith("'gymnasium' is not a class; use one of: forskola, skola")
    assert problems[1].message == "entry_id 'A1' is already on line 2"


def test_entries_missing_required_column(tmp_path, rubric):
    path = write(tmp_path / "entries.csv", "entry_id,name\nA1,Solen\n")
    df, problems = read_entries(path, rubric)
    assert [(p.row, p.column) for p in problems] == [(1, "class")]
    assert df.empty


# ---------------------------------------------------------------- roll-up


def test_question_scores_roll_up_to_the_mean(tmp_path, rubric):
    path = scores_file(tmp_path,
                       "2024,007,E01,staff,60,,10,a",
                       "2024,007,E01,staff,70,,11,",
                       "2024,007,E01,staff,90,,13,b",
                       "2024,007,E01,staff,40,consensus,12,",
                       "2024,007,E02,staff,50,,,",
                       "2024,007,E01,results,30,,14,")
    df, problems = read_scores(path, rubric)
    assert problems == []
    out = criterion_scores(df, rubric)
    assert list(out.columns) == ["year", "entry_id", "examiner_id", "criterion", "stage",
                                 "score", "n_questions", "comment", "strengths", "improvements", "line"]
    rows = {(r.examiner_id, r.criterion, r.stage): r for r in out.itertuples()}
    assert len(out) == 4
    staff = rows[("E01", "staff", "individual")]
    assert staff.score == pytest.approx(220 / 3) and staff.n_questions == 3
    assert staff.comment == "a / b" and staff.line == 2
    assert rows[("E01", "staff", "consensus")].score == 40
    assert rows[("E02", "staff", "individual")].n_questions == 0
    assert rows[("E01", "results", "individual")].score == 30
    assert not out.duplicated(["year", "entry_id", "examiner_id", "criterion", "stage"]).any()


def test_criterion_scores_refuses_mixed_levels(rubric):
    df = pd.DataFrame({"year": [2024, 2024], "entry_id": ["1", "1"], "examiner_id": ["E1", "E1"],
                       "criterion": ["staff", "Medarbetare"], "score": [60.0, 70.0],
                       "question": pd.array([pd.NA, 10], dtype="Int64")})
    with pytest.raises(ValueError, match="both"):
        criterion_scores(df, rubric)


# ---------------------------------------------------------------- years and paths


def test_available_years_ignores_other_folders(tmp_path):
    year_dir(tmp_path, year=2024)
    year_dir(tmp_path, year=2022)
    write(tmp_path / "data" / "demo_truth" / "scores.csv", CLEAN_SCORES)
    (tmp_path / "data" / "2030").mkdir()
    assert available_years(tmp_path / "data") == [2022, 2024]
    assert available_years(tmp_path / "nowhere") == []


def test_load_year_raises_with_every_error(tmp_path):
    d = year_dir(tmp_path, scores=CLEAN_SCORES + "2024,007,E05,staff,55,,,\n2024,007,E06,Ledarskap,60,,,\n")
    with pytest.raises(InputError) as e:
        load_year(2024, data_dir=d.parent)
    assert [(p.row, p.column) for p in e.value.problems] == [(8, "score"), (9, "criterion")]
    with pytest.raises(InputError, match="folder not found"):
        load_year(1999, data_dir=d.parent)


def test_load_year_keeps_notes_and_rolls_up(tmp_path):
    scores = CLEAN_SCORES + (
        "2024,007,E01,leadership,70,,,\n2024,B12,E03,results,50,,14,\n2024,B12,E03,results,60,,15,\n"
    )
    d = year_dir(tmp_path, scores=scores)
    data = load_year("2024", data_dir=d.parent)
    assert [(p.row, p.severity) for p in data.problems] == [(8, "note")]
    assert len(data.raw_scores) == 8 and len(data.scores) == 7
    row = data.scores.query("examiner_id == 'E03'").iloc[0]
    assert (row["score"], row["n_questions"]) == (55.0, 2)


def test_year_rubric_override_is_used(tmp_path):
    d = year_dir(tmp_path, scores=HEADER + "\n2024,007,E01,staff,4,,,\n", training=None,
                 entries="entry_id,name,class\n007,Solen,forskola\n")
    write(d / "rubric.toml", "[scale]\nmin = 1\nmax = 5\nstep = 1\n")
    assert validate_paths([d]) == []
    assert validate_paths([d / "scores.csv"]) == []
    assert load_year(2024, data_dir=d.parent).scores["score"].tolist() == [4.0]


def test_missing_entries_file_in_a_year_folder(tmp_path):
    d = year_dir(tmp_path, entries=None)
    for target in (d, d / "scores.csv"):
        problems = validate_paths([target])
        assert [(p.file, p.message) for p in problems] == [
            (display_path(d / "entries.csv"), "file not found: a year folder needs entries.csv next to scores.csv")
            if target != d else
            (display_path(d / "entries.csv"), "file not found: a year folder needs entries.csv")]


def test_validate_paths_never_raises(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    odd = write(tmp_path / "notes.csv", "a,b\n1,2\n")
    problems = validate_paths([tmp_path / "missing.csv", empty, odd, tmp_path / "data" / "2024"])
    assert [p.message for p in problems] == [
        "no such file or folder",
        "no data here: expected year folders (e.g. 2024/) or scores.csv and entries.csv",
        "cannot tell what this file holds: name it scores*.csv, entries*.csv or training*.csv",
        "no such file or folder",
    ]
    assert all(p.is_error for p in problems)


def test_validate_recognises_files_by_header(tmp_path):
    scores = write(tmp_path / "export.csv", HEADER + "\n2024,007,E01,staff,65,,,\n")
    entries = write(tmp_path / "list.csv", "entry_id,name,class\nA1,Solen,nope\n")
    problems = validate_paths([scores, entries])
    assert [(p.file, p.row, p.column) for p in problems] == [
        (display_path(scores), 2, "score"), (display_path(entries), 2, "class")]


def test_validate_a_data_dir_reports_each_year(tmp_path):
    year_dir(tmp_path, year=2023, scores=CLEAN_SCORES.replace("2024", "2023"),
             training=CLEAN_TRAINING.replace("2024", "2023"))
    bad = year_dir(tmp_path, year=2024, scores=CLEAN_SCORES + "2024,007,E09,staff,75,,,\n")
    (tmp_path / "data" / "demo_truth").mkdir()
    problems = validate_paths([tmp_path / "data"])
    assert [(p.file, p.row) for p in problems] == [(display_path(bad / "scores.csv"), 8)]
    problems = validate_paths([tmp_path / "data", bad / "scores.csv"])  # no repeats
    assert len(problems) == 1


def test_unscored_entry_and_training_without_reference_are_notes(tmp_path):
    entries = CLEAN_ENTRIES + "C3,Biblioteket,andra,,,\n"
    training = HEADER + "\n2024,CASE1,T01,staff,60,,,\n"
    d = year_dir(tmp_path, entries=entries, training=training)
    problems = validate_paths([d])
    assert [(p.row, p.severity) for p in problems] == [(4, "note"), (None, "note")]
    assert problems[0].message.startswith("entry 'C3' has no scores")
    assert load_year(2024, data_dir=d.parent).problems == problems


def test_open_quote_is_reported_not_swallowed(tmp_path, rubric):
    path = scores_file(tmp_path, "2024,007,E01,staff,60,,,", '2024,007,E02,"staff,70,,,', "2024,007,E03,staff,80,,,")
    df, p = one_problem(path, rubric)
    assert (p.row, p.message) == (3, 'a value runs over lines 3–4: is a quote (") left open?')
    assert df["line"].tolist() == [2]


def test_excel_sep_line_tabs_and_utf16(tmp_path, rubric):
    sep = write(tmp_path / "a.csv", "sep=;\r\nyear;entry_id;examiner_id;criterion;score\r\n2024;007;E01;staff;60\r\n")
    tab = write(tmp_path / "b.csv", "year\tentry_id\texaminer_id\tcriterion\tscore\n\n2024\t007\tE01\tstaff\t60\n",
                encoding="utf-16")
    df, problems = read_scores(sep, rubric)
    assert problems == [] and df["line"].tolist() == [3] and df["entry_id"].tolist() == ["007"]
    df, problems = read_scores(tab, rubric)
    assert [p.severity for p in problems] == ["note"] and df["line"].tolist() == [3]


def test_broken_rubric_override_is_a_problem(tmp_path):
    d = year_dir(tmp_path)
    write(d / "rubric.toml", "[scale]\nmin = 0\nmax = 100\nstep = 'ten'\n")
    problems = validate_paths([d, d / "scores.csv"])
    assert problems and all(p.is_error and p.row is None for p in problems)
    write(d / "rubric.toml", "[scale\n")
    assert "not valid TOML" in validate_paths([d])[0].message


def test_rubric_for_a_file(tmp_path):
    from scoring.data import rubric_for

    d = year_dir(tmp_path)
    write(d / "rubric.toml", "[scale]\nmin = 1\nmax = 5\nstep = 1\n")
    rubric, year = rubric_for(d / "scores.csv")
    assert (year, rubric.scale.max) == (2024, 5)
    rubric, year = rubric_for(write(tmp_path / "loose.csv", CLEAN_SCORES))
    assert (year, rubric.scale.max) == (None, 100)
    write(d / "rubric.toml", "[scale\n")
    with pytest.raises(InputError, match="not valid TOML"):
        rubric_for(d / "scores.csv")


def test_open_quote_in_the_last_column_does_not_swallow_rows(tmp_path, rubric):
    path = scores_file(
        tmp_path, '2024,007,E01,staff,60,,,"oops', "2024,007,E02,staff,70,,,", "2024,007,E03,staff,80,,,"
    )
    df, p = one_problem(path, rubric)
    assert p.row == 2 and "left open" in p.message
    assert df.empty


def test_header_after_blank_lines_is_located(tmp_path, rubric):
    path = write(tmp_path / "scores.csv", "\n\nyear,entry_id,examiner_id,criterion\n2024,007,E01,staff\n")
    _, p = one_problem(path, rubric, column="score")
    assert p.row == 3


def test_broken_entries_file_is_not_echoed_by_the_cross_check(tmp_path):
    d = year_dir(tmp_path, entries="entry_id,name\n007,Solen\n")
    problems = validate_paths([d / "scores.csv"])
    assert [(p.severity, p.column) for p in problems] == [("note", "entry_id")]
    problems = validate_paths([d])
    assert [(p.file, p.row, p.column) for p in problems] == [(display_path(d / "entries.csv"), 1, "class")]


def test_load_year_reads_a_year_once_and_again_when_a_file_changes(tmp_path, monkeypatch):
    """A warm report kernel reads each year once; a changed file is read again, and callers get
    their own copies of the tables."""
    import shutil

    from scoring.data import years as data_module
    from scoring.paths import DATA_DIR

    d = tmp_path / "data"
    shutil.copytree(DATA_DIR / "2023", d / "2023", ignore=shutil.ignore_patterns("training"))
    reads = []
    real = data_module._check_year
    monkeypatch.setattr(data_module, "_check_year", lambda *a: reads.append(1) or real(*a))
    first = load_year(2023, d)
    first.scores.loc[:, "score"] = -1  # a caller changing its copy changes nobody else's
    second = load_year(2023, d)
    assert len(reads) == 1 and (second.scores["score"] >= 0).all()
    scores = d / "2023" / "scores.csv"
    scores.write_text(scores.read_text(encoding="utf-8") + "2023,2023-01,E99,staff,50,individual,,\n",
                      encoding="utf-8")
    third = load_year(2023, d)
    assert len(reads) == 2 and "E99" in set(third.scores["examiner_id"])


def test_reading_scores_leaves_the_garbage_collector_as_it_was(tmp_path):
    """read_scores pauses the cyclic collector while it reads (a national year reads in half the CPU)
    and restores it afterwards, on, or off if it was off, also for a file that cannot be read."""
    import gc

    from scoring.data.scores import read_scores

    rubric = load_rubric()
    good = Path(__file__).resolve().parents[2] / "data" / "2024" / "scores.csv"
    for was_on in (True, False):
        (gc.enable if was_on else gc.disable)()
        try:
            for path in (good, tmp_path / "missing.csv"):
                read_scores(path, rubric, year=2024)
                assert gc.isenabled() is was_on
        finally:
            gc.enable()


@pytest.mark.parametrize("text", [
    "year,entry_id,examiner_id,criterion,score\n2024,A,E01,staff,50\n2024,B,E02,staff,60\n",
    "year;entry_id;score\r\n2024;A;4,5\r\n\r\n2024;B; 5 \r\n",  # CRLF, a blank line, spaces, decimal comma
    "sep=;\nyear;entry_id\r2024;A\r2024;B;\n",  # Excel's hint line, lone CR, a blank extra cell
    "year,entry_id,score\n2024,A,4,5\n2024,B,5,,x\n2024,C\n,,\n2024,D,5",  # too many, too few, blank, no end
    "year,,score\n2024,x,5\n2024,,6\n",  # a value in a column without a name
    "a,b\n2024,2\n" + "1,2\n" * 3 + "1,2,3\n",
    "year,entry_id\n2024,A\n\n,B\n,\n2024,C\n",  # a blank line, a row without a first value, a blank row
    "year;x\r2024;a\r2024;\u3000b\u3000\r",  # lone CRs, a value in ideographic spaces
])
def test_a_file_without_quotes_is_read_as_the_csv_reader_reads_it(tmp_path, text):
    """Without a quote the reader splits the lines itself (no csv call per row); with one it goes
    through the csv module. Quoting the first data row's first value (2024), which changes no cell,
    gives the same table and problems either way."""
    from scoring.data import read_csv_table

    plain, quoted = tmp_path / "plain.csv", tmp_path / "quoted.csv"
    plain.write_bytes(text.encode())
    quoted.write_bytes(text.replace("2024", '"2024"', 1).encode())
    assert '"' in quoted.read_text() and '"' not in plain.read_text()
    assert read_csv_table(plain, "f") == read_csv_table(quoted, "f")
    table, _ = read_csv_table(plain, "f")  # its cells column by column, when kept so, are those of its rows
    assert table.by_column in (None, [list(c) for c in zip(*(cells for _, cells in table.rows), strict=True)])


def test_the_usual_file_is_split_column_by_column_as_written(tmp_path):
    """A file without quotes whose rows all have the header's width is split at once, and its cells are kept
    column by column too: every value as written (a byte order mark opening a row, "NaN", "#"), stripped, on the
    line the csv reader numbers it, whatever ends the lines."""
    from scoring.data import read_csv_table

    table, problems = read_csv_table(write(tmp_path / "f.csv", "sep=;\r\rid;x\r\ufeff1;NaN\r\n2;#\n3; null \n\n"), "f")
    assert problems == [] and (table.header, table.header_line) == (["id", "x"], 3)
    assert table.rows == [(4, ["\ufeff1", "NaN"]), (5, ["2", "#"]), (6, ["3", "null"])]
    assert table.by_column == [["\ufeff1", "2", "3"], ["NaN", "#", "null"]]


def test_every_white_space_around_a_value_is_stripped(tmp_path):
    """The reader strips a value of what str.strip takes, whichever white space it is."""
    from scoring.data import read_csv_table

    for ch in (ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace() and ch not in "\r\n"):
        table, _ = read_csv_table(write(tmp_path / "f.csv", f"a,b\n1,{ch}2\n"), "f")
        assert table.rows == [(2, ["1", "2"])], repr(ch)


def test_scores_of_the_usual_file_are_checked_as_any_others(tmp_path, rubric):
    """read_scores checks the cells of a file split column by column as those of any other file: the same scores
    and problems for a file without quotes as for the same file with a value quoted."""
    rows = ["2024,007,E01,target_group,60,,", "2024,007,E01,target_group,60,,", "2024,007,E02,staff,61,,",
            "2024,007,E02,results,60,konsensus,", "2024,007,E04,staff,60,,10", "2024,007,E04,staff,60,,",
            "24,007,E05,staff,60,,", "2024,007,E06,staff,50,,"]
    plain = scores_file(tmp_path / "plain", *rows, header=HEADER.removesuffix(",comment"))
    quoted = write(tmp_path / "quoted" / "scores.csv", plain.read_text(encoding="utf-8").replace("E06", '"E06"'))
    (df, problems), (df_quoted, problems_quoted) = read_scores(plain, rubric), read_scores(quoted, rubric)
    pd.testing.assert_frame_equal(df, df_quoted)
    assert [dataclasses.replace(p, file="") for p in problems] == [dataclasses.replace(p, file="") for p in
                                                                    problems_quoted]
    assert list(df["line"]) == [2, 5, 6, 9] and {p.row for p in problems} == {3, 4, 7, 8}


def test_everyones_codes_are_read_again_when_a_file_of_the_folder_changes(tmp_path, monkeypatch):
    """examiner_codes is kept per state of the folder's files: a code added to any file is found."""
    from scoring.data import examiner_codes

    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "cache"))
    year = tmp_path / "data" / "2024"
    year.mkdir(parents=True)
    (year / "scores.csv").write_text("year,entry_id,examiner_id,criterion,score\n2024,A,E01,staff,50\n",
                                     encoding="utf-8")
    assert examiner_codes(tmp_path / "data") == {"E01"}
    (year / "training").mkdir()
    (year / "training" / "hand_in.csv").write_text("examiner_id,score\nT07,50\n", encoding="utf-8")
    assert examiner_codes(tmp_path / "data") == {"E01", "T07"}
    with open(year / "scores.csv", "a", encoding="utf-8") as f:
        f.write("2024,A,E02,staff,60\n")
    assert examiner_codes(tmp_path / "data") == {"E01", "E02", "T07"}


def test_validate_notes_folders_that_are_not_read(tmp_path):
    """A copy of a year folder under another name, and a hand-in in a folder within a session, are named."""
    import shutil

    from demo_copy import demo_copy

    data = demo_copy(tmp_path / "data", (2024,))
    for name in ("2025 (kopia)", "2024.bak"):
        shutil.copytree(data / "2024", data / name, ignore=shutil.ignore_patterns("training"))
    session = next(p for p in (data / "2024" / "training").iterdir() if p.is_dir())
    (session / "inlämnat").mkdir()
    book = next(session.glob("*.xlsx"))
    shutil.copy(book, session / "inlämnat" / "T26.xlsx")
    notes = {(p.file, p.message) for p in validate_paths([data]) if p.severity == "note"}
    assert (display_path(data / "2025 (kopia)"), "not read: only a folder named by the year alone (2025) is read "
                                                 "as a year") in notes
    assert (display_path(data / "2024.bak"), "not read: only a folder named by the year alone (2024) is read as "
                                             "a year") in notes
    assert (display_path(session / "inlämnat" / "T26.xlsx"), f"not read: a hand-in goes in the session folder "
            f"{display_path(session)}/ itself, not in a folder within it") in notes
    assert not [p for p in validate_paths([data]) if p.is_error]
