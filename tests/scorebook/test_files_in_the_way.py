"""A folder in place of a file a scorebook command writes: named, exit 1, and nothing half done."""

from __future__ import annotations

import pytest
from demo_copy import demo_copy

from scoring.cli import main
from scoring.problems import display_path


@pytest.fixture
def data(tmp_path):
    return demo_copy(tmp_path / "data", (2024,), training=False)


@pytest.mark.parametrize("who", [["--examiner", "E37"], ["--team", "2024-01"]])
def test_a_scorebook_not_written_is_not_recorded_as_issued(data, tmp_path, capsys, who):
    out = tmp_path / "isdir.xlsx"
    out.mkdir()
    assert main(["template", "--year", "2024", *who, "--out", str(out), "--data", str(data)]) == 1
    assert f"{display_path(out)}: -: is a folder, not a file; not written" in capsys.readouterr().err
    assert not (data / "scorebooks" / "2024" / "issued.csv").exists()


def test_a_scorebook_that_cannot_be_recorded_is_not_left_behind(data, tmp_path, capsys):
    issued = data / "scorebooks" / "2024" / "issued.csv"
    issued.mkdir(parents=True)
    out = tmp_path / "E37.xlsx"
    assert main(["template", "--year", "2024", "--examiner", "E37", "--out", str(out), "--data", str(data)]) == 1
    assert f"{display_path(issued)}: -: is a folder, not a file" in capsys.readouterr().err
    assert not out.exists()
