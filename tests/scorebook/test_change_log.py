"""Every change to a year's scores is logged in ``changes.csv``: ``scoring import`` (also with
``--replace``) and ``scoring correct``, which changes exactly one score, byte for byte, or
nothing; and the demo's corrections (``demo_changes``), whose checksums chain."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
import test_scorebook as sb
from demo_copy import demo_copy

from scoring.cli import main
from scoring.data.changes import CHANGE_LOG_COLUMNS, changes_text, check_changes
from scoring.data.validate import validate_paths
from scoring.paths import DATA_DIR
from scoring.problems import InputError, display_path
from scoring.rubric import load_rubric
from scoring.scorebook import correct_score, import_scorebooks
from scoring.scorebook.correct import DEMO_REASONS, demo_changes

RUBRIC = load_rubric()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def log_of(year_dir: Path) -> list[dict]:
    path = year_dir / "changes.csv"
    if not path.exists():
        return []
    reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    header = next(reader)
    assert tuple(header) == CHANGE_LOG_COLUMNS
    return [dict(zip(header, r, strict=True)) for r in reader]


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The small year 2023 of test_scorebook: three entries, a few scores."""
    d = tmp_path / "data"
    (d / "2023").mkdir(parents=True)
    shutil.copy(DATA_DIR / "rubric.toml", d / "rubric.toml")
    (d / "2023" / "entries.csv").write_text(sb.ENTRIES, encoding="utf-8")
    (d / "2023" / "scores.csv").write_text(sb.SCORES, encoding="utf-8")
    return d


def import_cli(data_dir, *files, replace=False, by="anna") -> int:
    args = ["import", *map(str, files), "--year", "2023", "--data", str(data_dir), "--by", by]
    return main(args + (["--replace"] if replace else []))


def correct_cli(data_dir, *extra, year="2023", entry="A1", examiner="E01", criterion="target_group", score="70",
                reason="Felinmatning i protokollet", by="kansliet") -> int:
    args = ["correct", "--year", year, "--entry", entry, "--examiner", examiner, "--criterion", criterion,
            "--score", score, "--reason", reason, "--data", str(data_dir)]
    return main(args + (["--by", by] if by is not None else []) + list(extra))


# ---------------------------------------------------------------------------------------
# scoring import
def test_an_import_logs_every_row_it_adds_with_the_files_checksums(data_dir, tmp_path, capsys):
    year = data_dir / "2023"
    book = sb.fill(sb.template(data_dir, tmp_path), sb.FILLED)
    before = (year / "scores.csv").read_bytes()
    assert import_cli(data_dir, book) == 0
    assert f"logged: 5 change(s) in {display_path(year / 'changes.csv')}" in capsys.readouterr().err
    after = (year / "scores.csv").read_bytes()
    log = log_of(year)
    assert len(log) == len(sb.FILLED)
    assert {(r["entry_id"], r["criterion"]): (r["old_score"], r["new_score"]) for r in log} == {
        k: ("", f"{float(v):g}") for k, v in sb.FILLED.items()}
    for r in log:
        assert (r["by"], r["action"], r["examiner_id"], r["stage"], r["reason"]) == ("anna", "import", "E99",
                                                                                      "individual", "")
        assert r["source"] == display_path(book) and r["source_sha256"] == sha(book.read_bytes())
        assert (r["scores_sha256_before"], r["scores_sha256_after"]) == (sha(before), sha(after))
        assert r["time"] == log[0]["time"] and r["time"][-6] in "+-"  # ISO 8601 with its time zone
    assert check_changes(year) == []
    # the same workbook again changes nothing and logs nothing
    logged = (year / "changes.csv").read_bytes()
    assert import_cli(data_dir, book) == 0
    assert "logged:" not in capsys.readouterr().err
    assert (year / "changes.csv").read_bytes() == logged and (year / "scores.csv").read_bytes() == after


def test_an_import_with_replace_logs_added_changed_and_removed_rows(data_dir, tmp_path, capsys):
    year = data_dir / "2023"
    assert import_cli(data_dir, sb.fill(sb.template(data_dir, tmp_path), sb.FILLED, sb.COMMENTS)) == 0
    first_log = (year / "changes.csv").read_bytes()
    middle = (year / "scores.csv").read_bytes()
    changed = dict(sb.FILLED)
    changed[("A1", "target_group")] = 80
    del changed[("A2", "development")]
    changed[("A2", "results")] = 50
    second = sb.fill(sb.template(data_dir, tmp_path, name="e99-v2.xlsx"), changed, sb.COMMENTS)
    assert import_cli(data_dir, second) == 1  # refused without --replace: nothing logged
    assert (year / "changes.csv").read_bytes() == first_log
    assert import_cli(data_dir, second, replace=True, by="Bo Ek") == 0
    after = (year / "scores.csv").read_bytes()
    log = (year / "changes.csv").read_bytes()
    assert log.startswith(first_log)  # appended, never rewritten
    new = log_of(year)[len(sb.FILLED):]
    assert {(r["entry_id"], r["criterion"], r["old_score"], r["new_score"]) for r in new} == {
        ("A1", "target_group", "70", "80"), ("A2", "development", "100", ""), ("A2", "results", "", "50")}
    for r in new:
        assert (r["action"], r["by"], r["source"]) == ("import --replace", "Bo Ek", display_path(second))
        assert (r["scores_sha256_before"], r["scores_sha256_after"]) == (sha(middle), sha(after))
    assert check_changes(year) == []


def test_an_import_into_a_year_without_scores_starts_the_chain_from_nothing(data_dir, tmp_path):
    year = data_dir / "2023"
    (year / "scores.csv").unlink()
    assert import_cli(data_dir, sb.fill(sb.template(data_dir, tmp_path), sb.FILLED)) == 0
    assert {r["scores_sha256_before"] for r in log_of(year)} == {""}
    assert check_changes(year) == []


def test_an_import_that_fails_to_write_scores_logs_nothing(data_dir, tmp_path, monkeypatch):
    import scoring.scorebook.scores_csv as sc

    year = data_dir / "2023"
    book = sb.fill(sb.template(data_dir, tmp_path), sb.FILLED)
    assert import_cli(data_dir, book) == 0
    log, scores = (year / "changes.csv").read_bytes(), (year / "scores.csv").read_bytes()
    again = sb.fill(sb.template(data_dir, tmp_path, name="v2.xlsx"), {**sb.FILLED, ("A1", "staff"): 30})

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        import_scorebooks([again], 2023, data_dir=data_dir, by="anna")
    assert (year / "changes.csv").read_bytes() == log and (year / "scores.csv").read_bytes() == scores


# ---------------------------------------------------------------------------------------
# scoring correct
def test_a_correction_changes_one_row_byte_for_byte_and_logs_it(data_dir, capsys):
    year = data_dir / "2023"
    before = (year / "scores.csv").read_bytes()
    assert correct_cli(data_dir) == 0
    cap = capsys.readouterr()
    assert f"{display_path(year / 'scores.csv')}:2: A1 E01 target_group (individual): changed 60 -> 70" in cap.out
    after = (year / "scores.csv").read_bytes()
    assert after == before.replace(b"2023,A1,E01,target_group,60,", b"2023,A1,E01,target_group,70,")
    [r] = log_of(year)
    assert r == {"time": r["time"], "by": "kansliet", "action": "correct", "reason": "Felinmatning i protokollet",
                 "entry_id": "A1", "examiner_id": "E01", "criterion": "target_group", "question": "",
                 "stage": "individual", "old_score": "60", "new_score": "70", "source": "scoring correct",
                 "source_sha256": "", "scores_sha256_before": sha(before), "scores_sha256_after": sha(after)}
    assert check_changes(year) == [] and not [p for p in validate_paths([year]) if p.file.endswith("changes.csv")]
    # a second change appends; the first row's bytes stay
    first = (year / "changes.csv").read_bytes()
    assert correct_cli(data_dir, "--stage", "konsensus", examiner="TEAM", score="50", reason="Lagets beslut") == 0
    assert (year / "changes.csv").read_bytes().startswith(first)
    second = log_of(year)[1]
    assert (second["stage"], second["old_score"], second["new_score"]) == ("consensus", "60", "50")
    assert second["scores_sha256_before"] == sha(after) and check_changes(year) == []
    assert (year / "scores.csv").read_text() == sb.SCORES.replace("E01,target_group,60", "E01,target_group,70") \
        .replace("TEAM,target_group,60", "TEAM,target_group,50")


def test_a_correction_keeps_the_swedish_excel_format(tmp_path, capsys):
    """2021 of the demo: semicolons, a BOM and decimal commas ("80,0")."""
    data = demo_copy(tmp_path / "data", (2021,), training=False)
    (data / "2021" / "changes.csv").unlink()  # the demo's own log: this test reads the one it writes
    path = data / "2021" / "scores.csv"
    original = path.read_bytes()
    line = original.split(b"\n")[1]
    assert original.startswith(b"\xef\xbb\xbf") and line.startswith(b"2021;2021-01;E03;target_group;80,0;")
    assert correct_cli(data, year="2021", entry="2021-01", examiner="E03", criterion="Målgrupp", score="70,0") == 0
    assert path.read_bytes() == original.replace(line, line.replace(b";80,0;", b";70,0;"), 1)
    [r] = log_of(data / "2021")
    assert (r["criterion"], r["old_score"], r["new_score"]) == ("target_group", "80", "70")
    assert validate_paths([data / "2021"]) == []


def test_a_correction_rewrites_only_the_score_cell_of_a_quoted_multiline_row(data_dir):
    path = data_dir / "2023" / "scores.csv"
    text = sb.HEADER.replace(",", ";") + '2023;A1;E01;staff;"50,0" ;;;"Bra;\nmen ""kort"""\r\n2023;A1;E02;staff;60;;;\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert correct_cli(data_dir, criterion="staff", score="40") == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + text.replace('"50,0" ;', '"40,0" ;').encode()


@pytest.mark.parametrize("extra, kwargs, message", [
    ((), {"entry": "A9"}, "entry_id: no score row for entry 'A9'; nothing changed"),
    ((), {"examiner": "E05"}, "examiner_id: no score row of E05 for entry A1; nothing changed"),
    ((), {"criterion": "results"}, "criterion: no score of E01 on results for entry A1; nothing changed"),
    (("--stage", "site_visit"), {}, "stage: no site_visit score of E01 on target_group for entry A1 (its stages: "
                                    "individual; give --stage)"),
    (("--question", "1"), {}, "question: no score of E01 for question 1 of entry A1 (it has a criterion-level "
                              "score only)"),
    ((), {"score": "60"}, "score: the score already is 60; nothing changed"),
    ((), {"score": "137"}, "error: --score 137 is outside the scale 0–100"),
    ((), {"score": "65"}, "error: --score 65 is not on the scale's step of 10"),
    ((), {"score": "mycket"}, "error: --score 'mycket' is not a number"),
    ((), {"reason": "  "}, "error: --reason is blank"),
    ((), {"reason": "rad ett\nrad två"}, "holds a control character or a line break"),
    ((), {"by": ""}, "error: --by is blank"),
    ((), {"criterion": "kvalitet"}, "error: --criterion 'kvalitet' is not a criterion"),
    ((), {"examiner": "Anna Berg"}, "error: --examiner 'Anna Berg' looks like a person's name"),
    ((), {"year": "2022"}, "no data for 2022: folder not found"),
])
def test_a_refused_correction_changes_nothing(data_dir, capsys, extra, kwargs, message):
    year = data_dir / "2023"
    before = (year / "scores.csv").read_bytes()
    assert correct_cli(data_dir, *extra, **kwargs) == 1
    assert message in capsys.readouterr().err
    assert (year / "scores.csv").read_bytes() == before
    assert sorted(p.name for p in year.iterdir()) == ["entries.csv", "scores.csv"]  # no log, no lock, no temp file


def test_question_scores_are_corrected_by_question_and_duplicates_are_refused(data_dir, capsys):
    path = data_dir / "2023" / "scores.csv"
    path.write_text(sb.SCORES + "2023,A2,E05,results,40,,14,\n2023,A2,E05,results,50,,15,\n"
                                "2023,A3,E06,staff,30,,,\n2023,A3,E06,staff,30,,,\n")
    assert correct_cli(data_dir, entry="A2", examiner="E05", criterion="results", score="60") == 1
    assert "E05 scored results of entry A2 per question (14, 15): give --question" in capsys.readouterr().err
    assert correct_cli(data_dir, "--question", "15", entry="A2", examiner="E05", criterion="results",
                       score="60") == 0
    assert "2023,A2,E05,results,60,,15,\n" in path.read_text() and log_of(data_dir / "2023")[0]["question"] == "15"
    before = path.read_bytes()
    assert correct_cli(data_dir, entry="A3", examiner="E06", criterion="staff", score="60") == 1
    assert "2 rows (lines 8, 9) hold this score" in capsys.readouterr().err and path.read_bytes() == before


def test_a_correction_refuses_a_scores_file_with_errors(data_dir, capsys):
    path = data_dir / "2023" / "scores.csv"
    path.write_text(sb.SCORES + "2023,A1,E03,staff,55,,,\n")
    before = path.read_bytes()
    assert correct_cli(data_dir) == 1
    assert "nothing changed: fix this file first" in capsys.readouterr().err and path.read_bytes() == before


def test_a_correction_waits_for_the_years_lock_then_refuses(data_dir, capsys, monkeypatch):
    import scoring.scorebook.lock as lock

    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    lock_file = data_dir / "2023" / lock.IMPORT_LOCK
    lock_file.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": "an import into 2023"}))
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    assert correct_cli(data_dir) == 1
    err = capsys.readouterr().err
    assert f"{display_path(lock_file)}: -: an import into 2023 is running" in err and "nothing changed" in err
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before and not (data_dir / "2023/changes.csv").exists()
    lock_file.unlink()
    assert correct_cli(data_dir) == 0


def test_a_correction_that_fails_to_write_logs_nothing(data_dir, monkeypatch):
    import scoring.scorebook.scores_csv as sc

    year = data_dir / "2023"
    before = (year / "scores.csv").read_bytes()

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        correct_score(2023, entry="A1", examiner="E01", criterion="target_group", score=70, reason="x", by="a",
                      data_dir=data_dir)
    assert (year / "scores.csv").read_bytes() == before
    assert sorted(p.name for p in year.iterdir()) == ["entries.csv", "scores.csv"]


def test_an_interruption_after_scores_csv_was_replaced_keeps_its_log_row(data_dir, monkeypatch):
    import scoring.scorebook.scores_csv as sc

    real = os.replace

    def replace_then_stop(*a, **k):
        real(*a, **k)
        raise KeyboardInterrupt

    monkeypatch.setattr(sc.os, "replace", replace_then_stop)
    with pytest.raises(KeyboardInterrupt):
        correct_score(2023, entry="A1", examiner="E01", criterion="target_group", score=70, reason="x", by="a",
                      data_dir=data_dir)
    assert "E01,target_group,70" in (data_dir / "2023" / "scores.csv").read_text()
    assert len(log_of(data_dir / "2023")) == 1 and check_changes(data_dir / "2023") == []


def test_a_crash_between_the_log_and_scores_csv_is_told_apart_from_a_hand_edit(data_dir, monkeypatch):
    import scoring.data.changes as ch
    import scoring.scorebook.scores_csv as sc

    real_append = ch.append_changes
    monkeypatch.setattr(ch, "append_changes", lambda *a: (real_append(*a), lambda: None)[1])  # a killed process
    monkeypatch.setattr(sc.os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))  # undoes nothing
    before = (data_dir / "2023" / "scores.csv").read_bytes()
    with pytest.raises(KeyboardInterrupt):
        correct_score(2023, entry="A1", examiner="E01", criterion="target_group", score=70, reason="x", by="a",
                      data_dir=data_dir)
    assert (data_dir / "2023" / "scores.csv").read_bytes() == before
    [note] = check_changes(data_dir / "2023")
    assert note.severity == "note" and "never reached scores.csv" in note.message


def test_a_correction_is_made_by_the_login_name_by_default(data_dir, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "kansli01")
    assert correct_cli(data_dir, by=None) == 0
    assert log_of(data_dir / "2023")[0]["by"] == "kansli01"


def test_validate_names_a_hand_edit_after_a_logged_correction(data_dir, capsys):
    year = data_dir / "2023"
    assert correct_cli(data_dir) == 0
    path = year / "scores.csv"
    path.write_bytes(path.read_bytes().replace(b"E02,results,70", b"E02,results,80"))
    capsys.readouterr()
    assert main(["validate", str(year)]) == 0
    out = capsys.readouterr().out
    assert "changes.csv:2: scores_sha256_after: note: scores.csv was changed outside scoring (import/correct) " \
           "after " in out
    # a correction after the hand edit: the log now names the edit between the two changes
    assert correct_cli(data_dir, score="80") == 0
    [note] = check_changes(year)
    assert note.row == 3 and note.column == "scores_sha256_before" and "between" in note.message


# ---------------------------------------------------------------------------------------
# the demo's corrections
@pytest.mark.parametrize("year", [2021, 2022, 2023])
def test_the_demos_corrections_chain_and_replay_to_the_committed_file(tmp_path, year):
    final = (DATA_DIR / str(year) / "scores.csv").read_bytes()
    rows = demo_changes(np.random.default_rng([1, year]), year, final.decode("utf-8"), n=3)
    assert rows == demo_changes(np.random.default_rng([1, year]), year, final, n=3)  # the same from the bytes
    assert len(rows) == 3 and all(len(r) == len(CHANGE_LOG_COLUMNS) for r in rows)
    log = [dict(zip(CHANGE_LOG_COLUMNS, r, strict=True)) for r in rows]
    assert log[-1]["scores_sha256_after"] == sha(final)
    for a, b in zip(log, log[1:], strict=False):
        assert a["scores_sha256_after"] == b["scores_sha256_before"] and a["time"] < b["time"]
    for r in log:
        assert r["action"] == "correct" and r["source"] == "scoring correct" and r["reason"] in DEMO_REASONS
        assert r["old_score"] != r["new_score"] and r["time"].startswith(f"{year}-")
    # the file before the first correction: every old score put back; replaying the corrections
    # with `scoring correct` gives the committed file byte for byte, with the same checksums
    data = demo_copy(tmp_path / "data", (year,), training=False)
    path, log_path = data / str(year) / "scores.csv", data / str(year) / "changes.csv"

    def correct(r, score):
        correct_score(year, entry=r["entry_id"], examiner=r["examiner_id"], criterion=r["criterion"],
                      question=int(r["question"]) if r["question"] else None, stage=r["stage"], score=score,
                      reason=r["reason"], by=r["by"], data_dir=data)

    for r in reversed(log):  # back to the file before the first correction
        correct(r, r["old_score"])
        assert sha(path.read_bytes()) == r["scores_sha256_before"]
    log_path.unlink()
    for r in log:  # and forward again, as the office did
        correct(r, r["new_score"])
    assert path.read_bytes() == final
    replayed = log_of(data / str(year))
    assert [(r["scores_sha256_before"], r["scores_sha256_after"]) for r in replayed] == [
        (r["scores_sha256_before"], r["scores_sha256_after"]) for r in log]
    # the demo's log as the demo writes it is clean beside the committed scores
    (data / str(year) / "changes.csv").write_text(changes_text(rows), encoding="utf-8")
    assert check_changes(data / str(year)) == []


def test_demo_changes_is_pure_and_follows_its_random_stream():
    text = (DATA_DIR / "2023" / "scores.csv").read_text(encoding="utf-8")
    a = demo_changes(np.random.default_rng(5), 2023, text)
    assert a == demo_changes(np.random.default_rng(5), 2023, text)
    assert a != demo_changes(np.random.default_rng(6), 2023, text)
    assert demo_changes(np.random.default_rng(5), 2023, text, n=1)[0][-1] == sha(text.encode("utf-8"))


def test_a_correction_raises_input_error_for_the_api(data_dir):
    with pytest.raises(InputError, match="no score row for entry 'A9'"):
        correct_score(2023, entry="A9", examiner="E01", criterion="staff", score=10, reason="x", by="a",
                      data_dir=data_dir)


def test_a_correction_a_hair_off_a_step_writes_and_prints_the_step(data_dir, capsys):
    year = data_dir / "2023"
    before = (year / "scores.csv").read_bytes()
    assert correct_cli(data_dir, score="70.00000001") == 0
    assert "changed 60 -> 70" in capsys.readouterr().out
    assert (year / "scores.csv").read_bytes() == before.replace(b"2023,A1,E01,target_group,60,",
                                                                 b"2023,A1,E01,target_group,70,")
    assert log_of(year)[0]["new_score"] == "70"
