"""Hostile text in input files and folder names (issue 16, point 4), through the public functions:
bidi controls and control characters in values are noted by file, row and column; a folder whose
name reads as a year but is not one in the digits 0–9 is refused by name, never taken for a year.
(What the command line prints: tests/test_cli.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.data import available_years, load_year, read_scores
from scoring.data.validate import validate_paths
from scoring.problems import InputError
from scoring.rubric import load_rubric

SCORES = """\
year,entry_id,examiner_id,criterion,score,stage,question,comment
2024,007,E01,target_group,60,individual,,Tydlig målgruppsanalys
2024,007,E02,target_group,50,individual,,
"""
ENTRIES = """\
entry_id,name,class,district,staff_count,budget_in_balance
007,Förskolan Solen,forskola,Södermalm,12,ja
"""

#: a year in other digits, with spaces or invisible characters: each reads as 2024 and is none
OTHER_DIGITS = {
    "full-width": "２０２４",
    "Arabic-Indic": "٢٠٢٤",
    "extended Arabic-Indic": "۲۰۲۴",
    "Devanagari": "२०२४",
    "superscript": "²⁰²⁴",
    "mathematical bold": "𝟐𝟎𝟐𝟒",
    "trailing space": "2024 ",
    "right-to-left mark": "2024\u200f",
    "zero-width space inside": "20\u200b24",
}


def write_year(folder: Path, scores: str = SCORES, entries: str = ENTRIES) -> Path:
    folder.mkdir(parents=True)
    (folder / "scores.csv").write_text(scores, encoding="utf-8")
    (folder / "entries.csv").write_text(entries, encoding="utf-8")
    return folder


def refusals(problems, name: str) -> list:
    return [p for p in problems if p.is_error and Path(p.file).name == name and "not a year folder" in p.message]


@pytest.mark.parametrize("name", OTHER_DIGITS.values(), ids=list(OTHER_DIGITS))
def test_a_folder_named_by_a_year_in_other_digits_is_refused_by_name(tmp_path, name):
    data = tmp_path / "data"
    folder = write_year(data / name)
    assert available_years(data) == []  # never taken for a year
    for path in (data, folder, folder / "scores.csv"):  # validate names it, whatever is given
        problems = validate_paths([path])
        assert len(refusals(problems, name)) == 1, [str(p) for p in problems]
        assert "rename it 2024" in refusals(problems, name)[0].message
    with pytest.raises(InputError) as e:  # asked for 2024, the loader names the folder that is not it
        load_year(2024, data)
    assert refusals(e.value.problems, name)


@pytest.mark.parametrize("name", ["２０２４", "٢٠٢٤", "²⁰²⁴"])
def test_a_year_given_in_other_digits_is_refused_by_name(tmp_path, name):
    data = tmp_path / "data"
    write_year(data / "2024")
    write_year(data / name)
    assert available_years(data) == [2024]
    assert load_year("2024", data).year == 2024
    with pytest.raises(InputError) as e:
        load_year(name, data)
    assert refusals(e.value.problems, name)


@pytest.mark.parametrize("name", ["archive", "2024-old", "20245", "training", "２０２"])
def test_other_folders_are_left_alone_as_before(tmp_path, name):
    data = tmp_path / "data"
    write_year(data / "2024")
    (data / name).mkdir()
    assert available_years(data) == [2024]
    assert validate_paths([data]) == []


def test_a_year_value_in_other_digits_is_an_error(tmp_path):
    path = write_year(tmp_path / "2024", SCORES.replace("\n2024,007,E02", "\n２０２４,007,E02")) / "scores.csv"
    _, problems = read_scores(path, load_rubric(), year=2024)
    assert [(p.row, p.column) for p in problems if p.is_error] == [(3, "year")]
    assert "is not a 4-digit year" in problems[0].message


HIDDEN = {
    **{f"U+{ord(c):04X}": c for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"},
    "ESC": "\x1b",
    "CSI (C1)": "\x9b",
    "BEL": "\x07",
    "DEL": "\x7f",
}


@pytest.mark.parametrize("char", HIDDEN.values(), ids=list(HIDDEN))
def test_validate_notes_a_bidi_control_or_control_character_by_file_row_and_column(tmp_path, char):
    folder = write_year(tmp_path / "data" / "2024",
                        SCORES.replace("Tydlig målgruppsanalys", f"Tydlig{char} målgruppsanalys"),
                        ENTRIES.replace("Förskolan Solen", f"Förskolan Solen{char}"))
    problems = validate_paths([folder])
    assert not [p for p in problems if p.is_error]  # noted, not refused
    located = {(Path(p.file).name, p.row, p.column) for p in problems if f"U+{ord(char):04X}" in p.message}
    assert located == {("scores.csv", 2, "comment"), ("entries.csv", 2, "name")}
    assert all(p.severity == "note" for p in problems)
    assert load_year(2024, folder.parent).problems  # the loader keeps the notes too


def test_the_note_names_the_character():
    from scoring.data.tables import hidden_characters

    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in hidden_characters("Solrosen\u202e")
    assert "U+001B" in hidden_characters("\x1b[2J")
    assert hidden_characters("Förskolan Ängsö 🌻 روضة\tflik\nrad") is None  # right-to-left letters are text
