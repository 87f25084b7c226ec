"""The change log ``<year>/changes.csv`` (scoring.data.changes): appended, never rewritten, and
checked by ``scoring validate`` against ``scores.csv``."""

from __future__ import annotations

import hashlib
import os

import pytest

from scoring.cli import main
from scoring.data.changes import (
    CHANGE_LOG_COLUMNS,
    ScoreChange,
    append_changes,
    changes_text,
    check_changes,
    log_rows,
    read_change_log,
    text_value,
    who,
)
from scoring.data.validate import validate_paths
from scoring.problems import InputError

HEADER = ",".join(CHANGE_LOG_COLUMNS) + "\n"
TIME = "2024-09-12T10:41:00+02:00"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rows(before: str, after: str, time: str = TIME, n: int = 1, action: str = "correct") -> list[list[str]]:
    changes = [ScoreChange("2024-01", "E07", "staff", "individual", 40, 50 + 10 * i, source="scoring correct")
               for i in range(n)]
    return log_rows(changes, by="anna", action=action, reason="Felinmatning, rättad", before=before, after=after,
                    time=time)


@pytest.fixture
def year(tmp_path):
    """A year folder with a scores.csv (its content does not matter to the log)."""
    d = tmp_path / "2024"
    d.mkdir()
    (d / "scores.csv").write_bytes(b"v1\n")
    return d


def test_no_log_is_no_history_and_nothing_is_said(year):
    assert check_changes(year) == [] and read_change_log(year) is None


def test_log_rows_have_the_contract_columns():
    [row] = rows("a" * 64, "b" * 64)
    assert dict(zip(CHANGE_LOG_COLUMNS, row, strict=True)) == {
        "time": TIME, "by": "anna", "action": "correct", "reason": "Felinmatning, rättad", "entry_id": "2024-01",
        "examiner_id": "E07", "criterion": "staff", "question": "", "stage": "individual", "old_score": "40",
        "new_score": "50", "source": "scoring correct", "source_sha256": "", "scores_sha256_before": "a" * 64,
        "scores_sha256_after": "b" * 64}
    assert changes_text([row]).startswith(HEADER) and '"Felinmatning, rättad"' in changes_text([row])


def test_appending_writes_the_header_once_and_never_touches_earlier_bytes(year):
    log = year / "changes.csv"
    append_changes(log, rows(sha(b"v0\n"), sha(b"v1\n")))
    first = log.read_bytes()
    assert first.decode().startswith(HEADER) and first.decode().count("time,by") == 1
    append_changes(log, rows(sha(b"v1\n"), sha(b"v2\n"), n=2))
    second = log.read_bytes()
    assert second.startswith(first) and second.decode().count("time,by") == 1
    assert len(second.decode().splitlines()) == 4
    assert read_change_log(year).rows["new_score"].tolist() == [50, 50, 60]


def test_undo_takes_back_only_its_own_append(year):
    log = year / "changes.csv"
    undo = append_changes(log, rows("", sha(b"v1\n")))
    undo()
    assert not log.exists()  # it created the file: removed
    append_changes(log, rows("", sha(b"v1\n")))
    before = log.read_bytes()
    append_changes(log, rows(sha(b"v1\n"), sha(b"v2\n")))()
    assert log.read_bytes() == before


def test_a_failed_append_leaves_no_half_row(year, monkeypatch):
    import scoring.data.changes as ch

    log = year / "changes.csv"
    append_changes(log, rows("", sha(b"v1\n")))
    before = log.read_bytes()
    real = os.write
    calls = []

    def half_then_fail(fd, data):
        calls.append(len(data))
        if len(calls) == 1:
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ch.os, "write", half_then_fail)
    with pytest.raises(OSError):
        append_changes(log, rows(sha(b"v1\n"), sha(b"v2\n"), n=3))
    assert log.read_bytes() == before and len(calls) == 2  # the rows went in one call; the rest after a short write


def test_the_rows_of_one_change_go_in_one_write_call(year, monkeypatch):
    import scoring.data.changes as ch

    real, calls = os.write, []
    monkeypatch.setattr(ch.os, "write", lambda fd, data: calls.append(bytes(data)) or real(fd, data))
    append_changes(year / "changes.csv", rows("", sha(b"v1\n"), n=5))
    assert len(calls) == 1 and calls[0].decode().count("\n") == 6


def test_a_log_with_another_header_is_refused_and_left_alone(year):
    log = year / "changes.csv"
    log.write_text("time;by;action\n", encoding="utf-8")
    with pytest.raises(InputError, match="not the change log's header"):
        append_changes(log, rows("", sha(b"v1\n")))
    assert log.read_text(encoding="utf-8") == "time;by;action\n"


def test_a_last_line_left_open_is_ended_before_the_new_rows(year):
    log = year / "changes.csv"
    log.write_bytes((changes_text(rows("", sha(b"v0\n")))).encode().rstrip(b"\n"))
    before = log.read_bytes()
    append_changes(log, rows(sha(b"v0\n"), sha(b"v1\n")))
    assert log.read_bytes().startswith(before + b"\n")
    assert check_changes(year) == []


def test_by_and_reason_are_one_line_of_text(monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "kansliet")
    assert who() == "kansliet" and who("  Anna A  ") == "Anna A"
    for bad in ("", "   ", "a\nb", "x\u202ey", "\x1b[31m"):
        with pytest.raises(ValueError):
            who(bad)
    with pytest.raises(ValueError, match="--reason is blank"):
        text_value(" ", "--reason")

    def nobody():
        raise OSError("no login name")

    monkeypatch.setattr("getpass.getuser", nobody)
    with pytest.raises(ValueError, match="give --by NAME"):
        who()


# ---------------------------------------------------------------------------------------
# validate: the log against scores.csv
def write_log(year, *groups):
    (year / "changes.csv").write_text(HEADER + "".join(changes_text(g, header=False) for g in groups),
                                      encoding="utf-8")


def test_a_consistent_log_is_clean(year):
    write_log(year, rows("", sha(b"v0\n"), time="2024-09-01T10:00:00+02:00", n=2),
              rows(sha(b"v0\n"), sha(b"v1\n")))
    assert check_changes(year) == []
    assert [p for p in validate_paths([year / "changes.csv"])] == []


def test_a_hand_edit_after_the_last_change_is_a_note(year, capsys):
    write_log(year, rows(sha(b"v0\n"), sha(b"v1\n")))
    (year / "scores.csv").write_bytes(b"v1 edited by hand\n")
    [p] = check_changes(year)
    assert p.severity == "note" and p.row == 2 and p.column == "scores_sha256_after"
    assert p.message == (f"scores.csv was changed outside scoring (import/correct) after {TIME}: its checksum "
                         "differs from the change log's last entry")
    assert main(["validate", str(year / "changes.csv")]) == 0
    assert "scores.csv was changed outside scoring" in capsys.readouterr().out


def test_a_hand_edit_between_two_changes_is_a_note(year):
    write_log(year, rows(sha(b"v0\n"), sha(b"v1\n"), time="2024-09-01T10:00:00+02:00"),
              rows(sha(b"v1 by hand\n"), sha(b"v1\n")))
    [p] = check_changes(year)
    assert p.severity == "note" and p.row == 3 and p.column == "scores_sha256_before"
    assert "between 2024-09-01T10:00:00+02:00 and 2024-09-12T10:41:00+02:00" in p.message


def test_a_logged_change_that_never_reached_scores_csv_is_named_as_such(year):
    (year / "scores.csv").write_bytes(b"v0\n")
    write_log(year, rows(sha(b"v0\n"), sha(b"v1\n")))
    [p] = check_changes(year)
    assert p.severity == "note" and "never reached scores.csv" in p.message and "changed outside" not in p.message
    (year / "scores.csv").unlink()
    [p] = check_changes(year)
    assert p.severity == "note" and "scores.csv is missing" in p.message


def test_a_malformed_log_is_an_error_naming_row_and_column(year):
    good = changes_text(rows(sha(b"v0\n"), sha(b"v1\n")), header=False)
    bad = good.replace(TIME, "12/9 2024").replace(",40,", ",fyrtio,").replace(sha(b"v1\n"), "abc")
    (year / "changes.csv").write_text(HEADER + good + bad + good.replace(TIME, "2024-09-12T10:41:00"),
                                      encoding="utf-8")
    problems = check_changes(year)
    assert all(p.is_error for p in problems)
    assert {(p.row, p.column) for p in problems} == {(3, "time"), (3, "old_score"), (3, "scores_sha256_after"),
                                                     (4, "time")}
    assert any("no time zone" in p.message for p in problems)
    (year / "changes.csv").write_text(HEADER.replace(",source_sha256", "") + good, encoding="utf-8")
    assert any(p.is_error and p.row == 1 and p.column == "source_sha256" for p in check_changes(year))


def test_validate_reads_the_log_of_a_year_folder(tmp_path, capsys):
    from demo_copy import demo_copy

    data = demo_copy(tmp_path / "data", training=False)
    year = data / "2023"
    scores = (year / "scores.csv").read_bytes()
    write_log(year, rows(sha(b"earlier"), sha(scores)))
    assert validate_paths([year]) == validate_paths([data]) == []
    (year / "scores.csv").write_bytes(scores.replace(b",40,individual", b",50,individual", 1))
    notes = [p for p in validate_paths([year]) if "changed outside scoring" in p.message]
    assert len(notes) == 1 and notes[0].severity == "note"
    assert main(["validate", str(data)]) == 0
    assert "changed outside scoring (import/correct)" in capsys.readouterr().out


def test_a_log_without_rows_is_no_history_yet(year):
    (year / "changes.csv").write_text(HEADER, encoding="utf-8")
    assert check_changes(year) == [] and read_change_log(year).rows.empty
    (year / "changes.csv").write_bytes(b"")
    assert check_changes(year) == []
    append_changes(year / "changes.csv", rows("", sha(b"v1\n")))
    assert (year / "changes.csv").read_text(encoding="utf-8").startswith(HEADER)
