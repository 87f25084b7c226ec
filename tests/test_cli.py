"""The command line as a user runs it: exit codes, one line per problem, no tracebacks."""

import json
import subprocess
import sys

import pytest

from scoring.cli import main
from scoring.paths import DATA_DIR, PROJECT_ROOT
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
