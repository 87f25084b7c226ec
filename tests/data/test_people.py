"""``data/people.csv`` (issue 21, point 6): read and checked with file, row and column; the demo's people."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from demo_copy import demo_copy

from scoring.data.people import (
    PEOPLE_COLUMNS,
    SHARED,
    check_people,
    email_problem,
    load_people,
    personal_data,
    read_people,
)
from scoring.demo_people import FIRST_NAMES, SURNAMES, email_address, people
from scoring.kinds import REPORT_KINDS
from scoring.paths import DATA_DIR, NOTEBOOKS_DIR, PROJECT_ROOT
from scoring.problems import InputError
from scoring.reports.privacy import Forbidden

GOOD = """\
code,name,email
E07,Tekla Vinterskog,tekla.vinterskog@example.org
grundutbildning/T03,Alrik Ödmark,alrik.odmark@example.org
2024/grundutbildning/T03,Agda Myrbäck,agda.myrback@example.org
2024-07,Gösta Näverlund,gosta.naverlund@example.org
jury,,juryn@example.org
"""


def _write(tmp_path: Path, text: str, name: str = "people.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _where(problems) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in problems if p.is_error]


def test_good_file(tmp_path):
    frame, problems = read_people(_write(tmp_path, GOOD))
    assert problems == []
    assert list(frame.columns) == list(PEOPLE_COLUMNS)
    assert frame["code"].tolist() == ["E07", "grundutbildning/T03", "2024/grundutbildning/T03", "2024-07", "jury"]
    assert frame.loc[4, "name"] == "" and frame.loc[0, "line"] == 2


def test_excel_export_is_read(tmp_path):
    """Semicolons, a BOM and the header ``E-mail``, as Swedish Excel writes them."""
    text = "\ufeffCode;Name;E-mail\r\nE07;Tekla  Vinterskog;tekla.vinterskog@example.org\r\n"
    frame, problems = read_people(_write(tmp_path, text))
    assert [p for p in problems if p.is_error] == []
    assert frame[["code", "name", "email"]].values.tolist() == [["E07", "Tekla Vinterskog",
                                                                 "tekla.vinterskog@example.org"]]


@pytest.mark.parametrize(("row", "column", "says"), [
    (",Tekla Vinterskog,t@example.org", "code", "code is blank"),
    ("Tekla Vinterskog,Tekla Vinterskog,t@example.org", "code", "looks like a person's name"),
    ("t@example.org,Tekla Vinterskog,t@example.org", "code", "looks like an e-mail address"),
    ("TEAM,Tekla Vinterskog,t@example.org", "code", "reserved word"),
    ("EVA,Tekla Vinterskog,t@example.org", "code", "has no digit"),
    ("2024,Tekla Vinterskog,t@example.org", "code", "looks like a year"),
    ("grund/,Tekla Vinterskog,t@example.org", "code", "is not <session>/<trainee code>"),
    ("/T03,Tekla Vinterskog,t@example.org", "code", "is not <session>/<trainee code>"),
    ("grund/T 03,Tekla Vinterskog,t@example.org", "code", "the trainee code of 'grund/T 03'"),
    ("grund/REF,Tekla Vinterskog,t@example.org", "code", "reserved word"),
    ("20x4/grund/T03,Tekla Vinterskog,t@example.org", "code", "'20x4' is not a year"),
    ("a/b/c/T03,Tekla Vinterskog,t@example.org", "code", "is not <session>/<trainee code>"),
    ("E08,Tekla Vinterskog,", "email", "email is blank"),
    ("E08,Tekla Vinterskog,tekla.example.org", "email", "is not an e-mail address"),
    ("E08,Tekla Vinterskog,tekla@localhost", "email", "is not an e-mail address"),
    ("E08,Tekla Vinterskog,tekla@@example.org", "email", "is not an e-mail address"),
    ("E08,Tekla Vinterskog,.tekla@example.org", "email", "is not an e-mail address"),
    ("E08,Tekla Vinterskog,Tekla <tekla@example.org>", "email", "write the address alone"),
    ("E08,Tekla Vinterskog,=HYPERLINK(1)@example.org", "email", "a spreadsheet reads as a formula"),
    ("E08,=HYPERLINK(\"x\"),tekla@example.org", "name", "a spreadsheet reads as a formula"),
])
def test_each_problem_is_named_by_row_and_column(tmp_path, row, column, says):
    path = _write(tmp_path, f"code,name,email\nE01,Agda Myrbäck,agda.myrback@example.org\n{row}\n")
    frame, problems = read_people(path)
    errors = [p for p in problems if p.is_error]
    assert [(p.row, p.column) for p in errors] == [(3, column)], errors
    assert says in errors[0].message
    assert str(errors[0]).startswith(f"{errors[0].file}:3: {column}: ")
    assert frame["code"].tolist() == ["E01"]  # the row with an error is left out


def test_a_repeated_code_names_the_first_line(tmp_path):
    text = GOOD + "E07,Alrik Granlöf,alrik.granlof@example.org\ne07,Alrik Granlöf,alrik.granlof@example.org\n"
    frame, problems = read_people(_write(tmp_path, text))
    assert _where(problems) == [(7, "code"), (8, "code")]
    assert problems[0].message == "code 'E07' is already on line 2"
    assert "as 'E07' (codes are compared ignoring case)" in problems[1].message
    assert frame["code"].tolist().count("E07") == 1


def test_the_same_address_for_two_codes_is_fine(tmp_path):
    """An examiner may also be a unit's contact: one person, one address, two codes."""
    text = "code,name,email\nE07,Tekla Vinterskog,t@example.org\n2024-07,Tekla Vinterskog,t@example.org\n"
    assert read_people(_write(tmp_path, text))[1] == []


def test_entry_ids_of_any_shape_are_codes_when_known(tmp_path):
    path = _write(tmp_path, "code,name,email\nENHET SOL,Tekla Vinterskog,t@example.org\n")
    assert _where(read_people(path)[1]) == [(2, "code")]
    problem = read_people(path, entry_ids=["OTHER"])[1][0]
    assert problem.message.endswith("nor is it an entry id of any year")
    assert read_people(path, entry_ids=["ENHET SOL"])[1] == []


def test_missing_columns_and_unreadable_files(tmp_path):
    problems = read_people(_write(tmp_path, "code,name\nE07,Tekla Vinterskog\n"))[1]
    assert [(p.row, p.column, p.message.split(" (")[0]) for p in problems] == [
        (1, "email", "missing required column 'email'")]
    assert read_people(tmp_path / "nowhere.csv")[1][0].message == "file not found"
    with pytest.raises(InputError, match="missing column 'name'"):
        personal_data(_write(tmp_path, "code,email\nE07,t@example.org\n", "no-name.csv"))
    (tmp_path / "binary.csv").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(InputError, match="not a CSV text file"):
        personal_data(tmp_path / "binary.csv")


def test_personal_data_holds_rows_with_errors_too(tmp_path):
    """The privacy guard looks for every name and address in the file, also of a row with an error."""
    text = GOOD + "Tekla Hagelqvist,Tekla Hagelqvist,not-an-address\n"
    names, emails = personal_data(_write(tmp_path, text))
    assert "Tekla Hagelqvist" in names and "not-an-address" in emails
    assert "Alrik Ödmark" in names and "juryn@example.org" in emails and "" not in names


@pytest.mark.parametrize("address", ["tekla.vinterskog@example.org", "t+award@mail.example.org",
                                     "o'hara@example.org", "tekla@exämple.se", "T.V@EXAMPLE.ORG"])
def test_addresses_that_are_addresses(address):
    assert email_problem(address) is None


def test_check_people_accepts_the_data_s_entry_ids(tmp_path):
    data = demo_copy(tmp_path / "data", (2024,), training=False)
    assert check_people(data) == []  # no file: nothing to say
    entry = (data / "2024/entries.csv").read_text(encoding="utf-8").splitlines()[1].split(",")[0]
    (data / "people.csv").write_text(f"code,name,email\n{entry},Tekla Vinterskog,t@example.org\n"
                                     "E07,,\n", encoding="utf-8")
    problems = check_people(data)
    assert [(p.file.endswith("people.csv"), p.row, p.column) for p in problems] == [(True, 3, "email")]
    frame, _ = load_people(data)
    assert frame["code"].tolist() == [entry]
    with pytest.raises(FileNotFoundError):
        load_people(tmp_path)


def test_every_shared_zip_has_a_recipient_code():
    """``jury.zip`` goes to the code ``jury``: each kind's shared zip's name is a code people.csv takes."""
    shared = {Path(k.bundle).stem for k in REPORT_KINDS.values() if k.bundle}
    assert shared and shared <= SHARED


# ------------------------------------------------------------------ the demo's people


def _demo_people(seed: int = 7):
    return people(np.random.default_rng(seed), ["E01", "E02", "E79"], [("grundutbildning", "T01"),
                  ("2024/grundutbildning", "T01")], ["2024-01", "2024-02"])


def test_demo_people_are_fictional_unique_and_valid(tmp_path):
    rows = _demo_people()
    assert [c for c, _, _ in rows] == ["E01", "E02", "E79", "grundutbildning/T01", "2024/grundutbildning/T01",
                                       "2024-01", "2024-02", "jury"]
    assert len({n for _, n, _ in rows}) == len(rows) and len({e for _, _, e in rows}) == len(rows)
    for _, name, email in rows:
        first, last = name.split(" ")
        assert first in FIRST_NAMES and last in SURNAMES
        assert email == email_address(name) and email.endswith("@example.org")
        assert email_problem(email) is None
    assert email_address("Gösta Ödmark") == "gosta.odmark@example.org"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([("code", "name", "email"), *rows])
    assert read_people(_write(tmp_path, text.getvalue()))[1] == []


def test_demo_people_are_seeded():
    assert _demo_people(7) == _demo_people(7)
    assert _demo_people(7) != _demo_people(8)
    assert people(np.random.default_rng(1), ["E01"], [], [], jury=False)[0][0] == "E01"


def test_demo_people_enough_names_for_the_demo_or_a_clear_error():
    many = [f"E{i:03d}" for i in range(len(FIRST_NAMES) * len(SURNAMES) + 1)]
    with pytest.raises(ValueError, match="different names"):
        people(np.random.default_rng(0), many, [], [], jury=False)
    assert len(FIRST_NAMES) * len(SURNAMES) >= 2 * 330  # the demo has about 330 codes


def _texts_reports_are_made_from():
    """Every text a report of the demo shows comes from here: the package's words and labels, the
    notebooks, the demo's data (entries, districts, comments; the workbooks' cells)."""
    own = {"demo_people.py", "people.csv", "utskick.csv"}
    files = [*(PROJECT_ROOT / "scoring").rglob("*.py"), *(PROJECT_ROOT / "scoring").rglob("*.css"),
             *NOTEBOOKS_DIR.glob("*.ipynb"), *(p for p in DATA_DIR.rglob("*") if p.suffix in (".csv", ".toml"))]
    for path in sorted(files):
        if path.name not in own:
            yield path.relative_to(PROJECT_ROOT).as_posix(), path.read_text(encoding="utf-8-sig", errors="replace")
    for book in sorted(DATA_DIR.rglob("*.xlsx")):
        with zipfile.ZipFile(book) as z:
            for member in z.namelist():
                if member.endswith(".xml"):
                    yield f"{book.relative_to(PROJECT_ROOT)}!{member}", z.read(member).decode("utf-8", "replace")


def test_no_demo_name_is_a_word_reports_show():
    """The guard looks for each name whole and for its distinctive words alone, in any inflection:
    none of them may be a word a report of the demo can show, or every report would be withheld."""
    every = Forbidden(names=[f"{f} {s}" for f in FIRST_NAMES for s in SURNAMES])
    found = [(where, token, text[max(0, a - 20):b + 20]) for where, text in _texts_reports_are_made_from()
             for token, a, b in every.search(text)]
    assert found == []


def test_the_word_check_can_fail():
    every = Forbidden(names=[f"{f} {s}" for f in FIRST_NAMES for s in SURNAMES])
    hits = [t for t, _, _ in every.search("Enligt VINTERSKOGENS plan och Teklas ord")]
    assert len(hits) == 2 and all(t.endswith("Vinterskog") or t.startswith("Tekla") for t in hits)
