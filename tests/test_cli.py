"""The command line as a user runs it: exit codes, one line per problem, no tracebacks."""

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from scoring.cli import main
from scoring.paths import DATA_DIR, PROJECT_ROOT
from scoring.problems import display_path
from scoring.rubric import load_rubric

HEADER = "year,entry_id,examiner_id,criterion,score\n"


@pytest.fixture
def year_dir(tmp_path):
    d = tmp_path / "2024"
    d.mkdir()
    (d / "entries.csv").write_text("entry_id,name,class\nA,Alfa,skola\nB,Beta,forskola\n", encoding="utf-8")
    return d


def test_validate_demo_data_is_clean(capsys):
    assert main(["validate", str(DATA_DIR)]) == 0


@pytest.mark.parametrize(
    "body, where, column",
    [
        ("2024,A,E01,target_group,105\n", ":2:", "score"),
        ("2024,A,E01,target_group,75\n", ":2:", "score"),
        ("2024,A,E01,target_group,sextio\n", ":2:", "score"),
        ("2024,A,E01,Ledarskap,60\n", ":2:", "criterion"),
        ("2024,A,E01,staff,60\n2024,A,E01,staff,70\n", ":3:", "score"),
        ("2024,X,E01,staff,60\n", ":2:", "entry_id"),
        ("2023,A,E01,staff,60\n", ":2:", "year"),
    ],
)
def test_validate_names_file_row_and_column(year_dir, capsys, body, where, column):
    f = year_dir / "scores.csv"
    f.write_text(HEADER + body, encoding="utf-8")
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out
    assert f"scores.csv{where} {column}:" in out
    assert "Traceback" not in out


def test_validate_missing_column_empty_and_binary_files(year_dir, capsys):
    (year_dir / "scores.csv").write_text("year,entry_id,examiner_id,criterion\n2024,A,E01,staff\n", encoding="utf-8")
    assert main(["validate", str(year_dir / "scores.csv")]) == 1
    assert "score: missing required column 'score'" in capsys.readouterr().out
    (year_dir / "scores.csv").write_bytes(b"")
    assert main(["validate", str(year_dir)]) == 1
    assert "empty" in capsys.readouterr().out
    (year_dir / "scores.csv").write_bytes(b"PK\x03\x04\x14\x00\x00\x00binary\x00\xff")
    assert main(["validate", str(year_dir)]) == 1
    assert "not a CSV text file" in capsys.readouterr().out


def test_no_traceback_and_exit_1_from_a_subprocess(year_dir):
    (year_dir / "scores.csv").write_text(HEADER + "2024,A,E01,staff,999\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "scoring", "validate", str(year_dir)], capture_output=True,
                       text=True, cwd=PROJECT_ROOT)
    assert r.returncode == 1
    assert "scores.csv:2: score:" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["agreement"])
    assert e.value.code == 2


def test_agreement_json_one_record_per_criterion_and_coefficient(capsys):
    from scoring.agreement import COEFFICIENTS

    assert main(["agreement", str(DATA_DIR / "2023" / "scores.csv"), "--by", "criterion", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    pairs = {(r["criterion"], r["coefficient"]) for r in records}
    assert len(records) == len(pairs) == len(load_rubric().criteria) * len(COEFFICIENTS)
    assert {"estimate", "ci_low", "ci_high", "n_units", "n_raters", "n_ratings"} <= set(records[0])


def test_agreement_by_class_and_csv(capsys):
    assert main(["agreement", str(DATA_DIR / "2021" / "scores.csv"), "--by", "class", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("class,coefficient,estimate")
    assert any(line.startswith("forskola,ICC1,") for line in lines)


def test_agreement_unknown_group_column_is_a_clear_error(capsys):
    assert main(["agreement", str(DATA_DIR / "2023" / "scores.csv"), "--by", "klass"]) == 1
    assert "--by klass: no such column" in capsys.readouterr().err


def test_examiners_table(capsys):
    assert main(["examiners", str(DATA_DIR / "2024" / "scores.csv"), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {"examiner_id", "bias", "ci_low", "ci_high", "n_entries", "n_scores"} <= set(records[0])


def test_demo_writes_the_committed_data(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "2024" / "scores.csv").read_bytes() == (DATA_DIR / "2024" / "scores.csv").read_bytes()


# --------------------------------------------------------------------------- hostile text (issue 16)

#: what must never reach a terminal as it is: ESC sequences (clear the screen, set the window
#: title, ring the bell), a C1 CSI, bidi controls (an override, an isolate) and a line separator
CONTROL_SEQUENCES = {
    "ESC clear screen": "\x1b[2J",
    "ESC set title + BEL": "\x1b]0;pwned\x07",
    "C1 CSI": "\x9b31m",
    "RLO": "\u202e",
    "RLI": "\u2067",
    "line separator": "\u2028",
}


def _raw_controls(text: str) -> list[str]:
    import re

    return re.findall("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text)


@pytest.mark.parametrize("seq", CONTROL_SEQUENCES.values(), ids=list(CONTROL_SEQUENCES))
def test_validate_prints_no_control_character_from_a_file_name_or_a_value(year_dir, capsys, seq):
    f = year_dir / f"scores{seq}.csv"
    value = seq if len(_raw_controls(seq)) == 1 else seq[:1]  # a file with more is not read as text at all
    f.write_text(HEADER + f"2024,A,E01,x{value}y,60\n", encoding="utf-8")  # the criterion is quoted in the error
    assert main(["validate", str(f)]) == 1
    out, err = capsys.readouterr()
    assert _raw_controls(out + err) == []

    def escaped(text):
        return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
                       for c in text)

    assert f"scores{escaped(seq)}.csv:2: criterion:" in out
    assert f"'x{escaped(value)}y' is not a criterion" in out or "'x y' is not a criterion" in out  # U+2028: a space


def test_validate_warns_about_a_bidi_control_or_an_escape_by_file_row_and_column(year_dir, capsys):
    (year_dir / "entries.csv").write_text("entry_id,name,class\nA,Alfa\u202e,skola\nB,Beta,forskola\n",
                                          encoding="utf-8")
    (year_dir / "scores.csv").write_text(HEADER.replace("\n", ",comment\n") + "2024,A,E01,staff,60,\n"
                                         "2024,B,E01,staff,60,Bra\x1b[2J arbete\n", encoding="utf-8")
    assert main(["validate", str(year_dir)]) == 0  # notes, not errors
    out = capsys.readouterr().out
    assert "entries.csv:2: name: note: the value holds the invisible bidi control U+202E RIGHT-TO-LEFT " \
           "OVERRIDE" in out
    assert "scores.csv:3: comment: note: the value holds the control character U+001B" in out
    assert _raw_controls(out) == []


@pytest.mark.parametrize("name", ["２０２４", "٢٠٢٤", "²⁰²⁴"])
def test_validate_and_report_refuse_a_year_folder_in_other_digits_by_name(year_dir, capsys, name):
    (year_dir / "scores.csv").write_text(HEADER + "2024,A,E01,staff,60\n2024,B,E01,staff,60\n", encoding="utf-8")
    data = year_dir.parent
    year_dir.rename(data / name)
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    assert f"{name}: -: not a year folder: its name is not a year written in the digits 0–9; rename it 2024" in out
    command = ["report", "--data", str(data), "--out", str(data / "out")]  # every year: there is none
    assert main(command) == 1
    err = capsys.readouterr().err
    assert f"skipped: {display_path(data / name)}: -: not a year folder" in err
    assert "error: no year folders with scores.csv in" in err
    assert not (data / "out").exists()


def test_error_messages_and_log_lines_escape_control_characters(tmp_path, capsys):
    import shutil

    assert main(["agreement", str(DATA_DIR / "2023" / "scores.csv"), "--by", "klass\x1b[2J"]) == 1
    err = capsys.readouterr().err
    assert "error: --by klass\\x1b[2J: no such column" in err and _raw_controls(err) == []
    folder = tmp_path / "x\x1b]0;pwned\x07\u202e"
    folder.mkdir()
    for f in ("scores.csv", "entries.csv"):
        shutil.copy(DATA_DIR / "2023" / f, folder / f)
    r = subprocess.run([sys.executable, "-m", "scoring", "rank", str(folder / "scores.csv"), "--method", "mean",
                        "--draws", "10"], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert r.returncode == 0, r.stderr
    assert "rank: scores=" in r.stderr and "x\\x1b]0;pwned\\x07\\u202e" in r.stderr  # the log line
    assert _raw_controls(r.stderr) == []


@pytest.mark.parametrize("code", ["2024", "{}", "TEAM", "." * 2, "E1/2", "<b>E1</b>"])
def test_a_code_that_is_no_identifier_is_refused_by_report_and_template(code, tmp_path, capsys):
    """Issue 15: a code '2024' blocked every examiner report of 2024 and one with braces crashed its
    report; report and template now refuse such a code with a clear message, exit 1, nothing written."""
    out = tmp_path / "out"
    assert main(["report", "--year", "2024", "--kind", "examiner", "--examiner", code, "--out", str(out)]) == 1
    assert "--examiner" in capsys.readouterr().err and not out.exists()
    book = tmp_path / "book.xlsx"
    assert main(["template", "--year", "2024", "--examiner", code, "--out", str(book)]) == 1
    assert code in capsys.readouterr().err and not book.exists()


def test_shortlist_command_prints_the_overview_s_list(capsys):
    """Issue 21: `scoring shortlist` gives the list the jury's overview shows, as JSON too."""
    from scoring.kinds.jury.shortlist import shortlist

    assert main(["shortlist", "--year", "2024", "--visits", "2", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    expected = shortlist(2024, 2)
    assert [r["entry_id"] for r in rows] == expected["entry_id"].tolist()
    assert all(sum(r["class"] == c and r["rank"] <= 2 for r in rows) == 2 for c in set(expected["class"]))
    assert main(["shortlist", "--year", "2024", "--visits", "0"]) == 2
    assert "--visits must be at least 1" in capsys.readouterr().err


def test_report_help_lists_every_kind_once(capsys):
    """A kind that is also a group's name (``training``, ``decision``) is offered once."""
    import re

    with pytest.raises(SystemExit):
        main(["report", "--help"])
    offered = re.search(r"--kind \{([^}]*)\}", capsys.readouterr().out).group(1).split(",")
    assert len(offered) == len(set(offered)) and {"training", "decision", "all"} <= set(offered)


def test_entry_and_examiner_pick_one_report(monkeypatch, tmp_path, capsys):
    """``--entry`` makes one entry's letter (as ``--examiner`` one examiner's reports); a code that
    cannot be one is refused before anything runs."""
    import scoring.reports

    asked = {}

    def run_reports(years, kinds, *, names=None, **_):
        asked.update(years=years, kinds=kinds, names=names)
        return SimpleNamespace(failures=[], notes=[], left_out_years={}, warnings=[], produced=[], pdfs=[],
                               bundles=[])

    monkeypatch.setattr(scoring.reports, "run_reports", run_reports)
    main(["report", "--year", "2024", "--kind", "entry", "--entry", "2024-08", "--out", str(tmp_path / "out")])
    assert asked["names"] == {"entry": ["2024-08"]}
    main(["report", "--year", "2024", "--kind", "all", "--examiner", "E07", "--entry", "2024-08",
          "--out", str(tmp_path / "out")])
    assert asked["names"] == {"entry": ["2024-08"], "examiner": ["E07"]}
    asked.clear()
    assert main(["report", "--year", "2024", "--kind", "entry", "--entry", "<b>x</b>", "--out",
                 str(tmp_path / "out")]) == 1
    assert "--entry" in capsys.readouterr().err and not asked


def test_a_year_left_out_lists_the_reports_in_their_order_not_their_finishing(tmp_path, capsys, monkeypatch):
    """Two workers finish in either order; the "left out" line lists the reports by year, kind and name."""
    from scoring.reports import runner

    def run_reports(*args, **kwargs):
        result = runner.RunResult()
        result.left_out += [runner.LeftOut(2024, "calibration", None, 2022, ("scores.csv:5: score",)),
                            runner.LeftOut(2023, "calibration", None, 2022, ("scores.csv:5: score",))]
        return result

    monkeypatch.setattr(runner, "run_reports", run_reports)
    data = tmp_path / "data"
    data.mkdir()
    assert main(["report", "--years", "2023-2024", "--data", str(data), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "left out: 2022 is not in the trends of 2023 calibration, 2024 calibration (its data has errors: " \
           "scores.csv:5: score)" in err


# --------------------------------------------------------------------------- files that cannot be read or written
def _demo_2024(tmp_path):
    """A copy of the demo's 2024 with the data folder's conflicts.csv, and an issued scorebook of E37."""
    import shutil

    from demo_copy import demo_copy

    data = demo_copy(tmp_path / "data", (2024,), training=False)
    shutil.copy(DATA_DIR / "conflicts.csv", data / "conflicts.csv")
    return data


def _folder_in_place_of(path):
    path.unlink(missing_ok=True)
    path.mkdir()


def _correct(data):
    return ["correct", "--year", "2024", "--entry", "2024-01", "--examiner", "E37", "--criterion", "target_group",
            "--score", "50", "--reason", "test", "--data", str(data)]


@pytest.mark.parametrize("rubric", ["rubric.toml", "2024/rubric.toml"])
@pytest.mark.parametrize("command", ["status", "plan", "shortlist", "correct", "template", "rank"])
def test_a_folder_in_place_of_the_rubric_is_named_for_every_command(tmp_path, capsys, monkeypatch, rubric, command):
    monkeypatch.setenv("SCORING_CACHE_DIR", str(tmp_path / "cache"))
    data = _demo_2024(tmp_path)
    _folder_in_place_of(data / rubric)
    args = {"correct": _correct(data),
            "template": ["template", "--year", "2024", "--examiner", "E37", "--out", str(tmp_path / "E37.xlsx"),
                         "--data", str(data)],
            "rank": ["rank", str(data / "2024" / "scores.csv")]}.get(command, [command, "--year", "2024",
                                                                              "--data", str(data)])
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert f"{display_path(data / rubric)}: -: is a folder, not a file" in out + err
    assert "scores.csv" not in out + err


@pytest.mark.parametrize("name", ["scores.csv", "changes.csv"])
def test_a_folder_in_place_of_scores_or_the_change_log_refuses_import_and_correct(tmp_path, capsys, name):
    data = _demo_2024(tmp_path)
    book = tmp_path / "E37.xlsx"
    assert main(["template", "--year", "2024", "--examiner", "E37", "--out", str(book), "--data", str(data)]) == 0
    _folder_in_place_of(data / "2024" / name)
    for args in (["import", str(book), "--year", "2024", "--data", str(data), "--replace"], _correct(data)):
        assert main(args) == 1
        assert f"{display_path(data / '2024' / name)}: -: is a folder, not a file" in capsys.readouterr().err


def test_plan_names_a_folder_in_place_of_assignments(tmp_path, capsys):
    data = _demo_2024(tmp_path)
    _folder_in_place_of(data / "2024" / "assignments.csv")
    assert main(["plan", "--year", "2024", "--data", str(data)]) == 1
    assert f"{display_path(data / '2024' / 'assignments.csv')}: -: is a folder, not a file" in capsys.readouterr().err


def test_template_onto_a_folder_writes_and_records_nothing(tmp_path, capsys):
    data = _demo_2024(tmp_path)
    out = tmp_path / "isdir.xlsx"
    out.mkdir()
    assert main(["template", "--year", "2024", "--examiner", "E37", "--out", str(out), "--data", str(data)]) == 1
    assert f"{display_path(out)}: -: is a folder, not a file" in capsys.readouterr().err
    assert not (data / "scorebooks" / "2024" / "issued.csv").exists()
    assert list(out.iterdir()) == []


def test_any_other_os_error_is_one_line_naming_the_file(monkeypatch, capsys):
    def unreadable(args):
        raise PermissionError(13, "Permission denied", "data/2024/scores.csv")

    monkeypatch.setattr("scoring.cli._status", unreadable)
    assert main(["status", "--year", "2024"]) == 1
    assert capsys.readouterr().err.strip() == "data/2024/scores.csv: -: cannot use the file: permission denied"

    def full(args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("scoring.cli._status", full)
    assert main(["status", "--year", "2024"]) == 1
    assert capsys.readouterr().err.strip() == "error: No space left on device"  # the reason, not its number


def test_a_rubric_in_windows_1252_is_named_by_line_and_column_in_every_command(tmp_path, capsys):
    data = _demo_2024(tmp_path)
    rubric = data / "rubric.toml"
    rubric.write_bytes(b"# fine\n# \xe4ndrad\n" + rubric.read_bytes())
    for args in (["status", "--year", "2024", "--data", str(data)], ["validate", str(data)],
                 ["rank", str(data / "2024" / "scores.csv")], _correct(data)):
        assert main(args) == 1
        out, err = capsys.readouterr()
        assert f"{display_path(rubric)}:2: column 3: byte 0xE4 is not UTF-8" in out + err, args


def test_a_folder_in_place_of_an_optional_file_is_an_error_not_an_absence(tmp_path, capsys):
    data = _demo_2024(tmp_path)
    for name in ("conflicts.csv", "2024/examiners.csv", "2024/decisions.csv"):
        _folder_in_place_of(data / name)
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    for name in ("conflicts.csv", "2024/examiners.csv", "2024/decisions.csv"):
        assert f"{display_path(data / name)}: -: is a folder, not a file" in out
    assert main(["plan", "--year", "2024", "--keep", "--data", str(data)]) == 1
    assert f"{display_path(data / 'conflicts.csv')}: -: is a folder, not a file" in capsys.readouterr().err


def test_validate_names_a_folder_scores_csv_and_goes_on_checking(tmp_path, capsys):
    data = _demo_2024(tmp_path)
    _folder_in_place_of(data / "2024" / "scores.csv")
    with (data / "2024" / "entries.csv").open("a", encoding="utf-8") as f:
        f.write("2024-99,Ny enhet,ingen_klass\n")
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    assert f"{display_path(data / '2024' / 'scores.csv')}: -: is a folder, not a file" in out
    assert "entries.csv:" in out and "ingen_klass" in out
    assert "cannot read" not in out
