"""A broken year stays in its own report: later years' trends leave it out and say so."""

from __future__ import annotations

import pytest
from demo_copy import demo_copy
from earlier_report import earlier_report

from scoring.cli import main
from scoring.data import History, load_history, load_year
from scoring.problems import InputError

BROKEN = 2022


@pytest.fixture
def data(tmp_path):
    """A copy of the demo data with a score of 999 in 2022 (returns the folder and the line)."""
    d = demo_copy(tmp_path / "data", range(2019, 2025))
    path = d / str(BROKEN) / "scores.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[4].split(",")  # line 5 of the file
    assert cells[0] == str(BROKEN) and cells[4].isdigit(), lines[4]
    cells[4] = "999"
    lines[4] = ",".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    return d


def test_load_history_leaves_a_broken_earlier_year_out(data):
    history = load_history(2023, data)
    assert isinstance(history, History)
    assert history.years == [2019, 2020, 2021, 2023]
    (left,) = history.left_out
    assert left.year == BROKEN
    first = left.problems[0]
    assert (first.file.endswith("2022/scores.csv"), first.row, first.column) == (True, 5, "score")
    assert "999" in first.message
    scores, left_out = history  # unpacks
    assert len(scores) == sum(len(load_year(y, data).scores) for y in (2019, 2020, 2021, 2023))
    assert {"class", "year", "score"} <= set(scores.columns)


def test_load_history_of_the_broken_year_itself_raises(data):
    with pytest.raises(InputError, match="scores.csv:5: score"):
        load_history(BROKEN, data)
    assert load_history(2021, data).left_out == []


def test_load_history_without_any_usable_year(tmp_path):
    d = demo_copy(tmp_path / "data", (2019,))
    (d / "2019" / "entries.csv").write_text("entry_id,name,class\n", encoding="utf-8")
    with pytest.raises(InputError, match="no usable year folders up to 2020 \\(years with errors: 2019\\)"):
        load_history(2020, d)


@pytest.mark.slow
def test_report_run_with_a_broken_year(data, tmp_path, capsys):
    """`scoring report --years 2022-2024`: 2023 and 2024 written, each saying 2022 is left out; exit 1."""
    out = tmp_path / "out"
    good = earlier_report(out, f"{BROKEN}/calibration.html", "<html>last good 2022 report</html>").parent
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in good.iterdir()}

    code = main(["report", "--years", "2022-2024", "--data", str(data), "--out", str(out)])

    err = capsys.readouterr().err
    assert code == 1
    assert "failed: 2022 calibration: InputError:" in err and "scores.csv:5: score:" in err
    assert "Traceback" not in err
    assert "left out: 2022 is not in the trends of 2023 calibration, 2024 calibration" in err
    assert "2022/scores.csv:5: score: score 999 is outside the scale 0–100" in err
    assert "2 report(s) written" in err
    for year in (2023, 2024):
        page = (out / str(year) / "calibration.html").read_text(encoding="utf-8")
        assert "2022 ingår inte i trenden: årets data har ett fel" in page
        assert '2022/scores.csv:5</span>, kolumn <span class="code">score</span>: score 999 is outside' in page
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in good.iterdir()}
    assert after == before  # the last good 2022 report stays
    assert "2022/calibration.html" in (out / "index.html").read_text(encoding="utf-8")
