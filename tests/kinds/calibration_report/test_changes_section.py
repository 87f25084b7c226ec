"""The calibration report's section "Ändringar i poängen": the year's change log in Swedish."""

from __future__ import annotations

import json

import pytest
from demo_copy import demo_copy

from scoring.data.changes import CHANGE_LOG_COLUMNS, ScoreChange, changes_text, log_rows, sha256_file
from scoring.kinds.calibration_report.changes import score_changes
from scoring.paths import NOTEBOOKS_DIR
from scoring.scorebook import correct_score

YEAR = 2023


@pytest.fixture
def data(tmp_path):
    data = demo_copy(tmp_path / "data", (YEAR,), training=False)
    (data / str(YEAR) / "changes.csv").unlink()  # the demo's own log: these tests write their own
    return data


def first_individual(data) -> tuple[str, str, str, float]:
    line = (data / str(YEAR) / "scores.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    return line[1], line[2], line[3], float(line[4])


def test_no_log_or_an_empty_one_says_no_changes(data):
    assert str(score_changes(YEAR, data)) == "Inga ändringar registrerade."
    (data / str(YEAR) / "changes.csv").write_text(",".join(CHANGE_LOG_COLUMNS) + "\n", encoding="utf-8")
    assert str(score_changes(YEAR, data)) == "Inga ändringar registrerade."


def test_a_correction_is_listed_with_when_who_why_and_old_to_new(data):
    entry, examiner, criterion, old = first_individual(data)
    new = 100.0 if old < 100 else 90.0
    correct_score(YEAR, entry=entry, examiner=examiner, criterion=criterion, score=new, by="Karin <Kansliet>",
                  reason="Felinmatning i protokollet, <rättad> efter kontroll", data_dir=data)
    block = score_changes(YEAR, data)
    text, html = str(block), block.html
    for header in ("När", "Vem", "Varför", "Ändring", "Bidrag", "Examinator", "Kriterium", "Poäng, gammal → ny"):
        assert f">{header}</th>" in html
    assert f"{old:g} → {new:g}" in text and "rättelse" in text and "Målgrupp" in text
    assert "Karin <Kansliet>" in text and "Karin &lt;Kansliet&gt;" in html and "<Kansliet>" not in html
    assert "&lt;rättad&gt;" in html and "changes.csv: 1 rättelse." in text
    assert f'<span class="code">{entry}</span>' in html and f'<span class="code">{examiner}</span>' in html
    assert "utanför scoring" not in text


def test_a_hand_edit_is_a_warning(data):
    entry, examiner, criterion, old = first_individual(data)
    correct_score(YEAR, entry=entry, examiner=examiner, criterion=criterion, score=0 if old else 10, reason="x",
                  by="a", data_dir=data)
    path = data / str(YEAR) / "scores.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    block = score_changes(YEAR, data)
    assert '<p class="warning">' in block.html
    assert "har ändrats utanför scoring (import och rättelse) efter" in str(block)


def test_scores_added_by_an_import_are_summed_up_per_workbook(data):
    year_dir = data / str(YEAR)
    after = sha256_file(year_dir / "scores.csv")
    changes = [ScoreChange("2023-01", "E99", c, "individual", None, 50.0, source="E99.xlsx", source_sha256="ab" * 32)
               for c in ("staff", "results", "leadership")]
    replaced = [ScoreChange("2023-01", "E99", "staff", "individual", 50.0, None, source="E99-v2.xlsx")]
    (year_dir / "changes.csv").write_text(changes_text(
        log_rows(changes, by="anna", action="import", reason="", before="0" * 64, after="1" * 64,
                 time="2024-03-01T09:00:00+01:00")
        + log_rows(replaced, by="anna", action="import --replace", reason="", before="1" * 64, after=after,
                   time="2024-03-02T09:00:00+01:00")), encoding="utf-8")
    text = str(score_changes(YEAR, data))
    assert "2024-03-01 09:00, anna: 3 nya poäng från E99.xlsx (E99)" in text
    assert "1 ändrad eller borttagen poäng vid import som ersätter och 3 nya poäng från import." in text
    assert "50 → –" in text and "import som ersätter" in text


def test_a_malformed_log_is_named_row_and_column(data):
    (data / str(YEAR) / "changes.csv").write_text(
        ",".join(CHANGE_LOG_COLUMNS) + "\n" + "igår,anna,correct,,2023-01,E01,staff,,individual,40,50,"
        "scoring correct,,,\n", encoding="utf-8")
    block = score_changes(YEAR, data)
    assert '<p class="warning">' in block.html and "har fel" in str(block)
    assert "changes.csv:2, kolumn time" in str(block) and "kolumn reason" in str(block)


def test_the_notebook_shows_the_section():
    nb = json.loads((NOTEBOOKS_DIR / "calibration_report.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in nb["cells"]]
    assert any(s.startswith("## Ändringar i poängen") for s in sources)
    assert "score_changes(year, data_dir or None, rubric)" in sources
