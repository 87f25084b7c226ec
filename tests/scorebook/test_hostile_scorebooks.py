"""Hostile scorebooks (issue 16, point 3): refused cheaply and completely, through the public
commands (``scoring template``, ``scoring import``) and functions.

* a workbook that unpacks to millions of cells is refused before it is parsed;
* merged cells where the template reads are refused, naming them;
* a score within 1e-6 of a step is the step; anything else off the steps is refused;
* a workbook imports only under the code it was issued for (never TEAM or REF);
* two imports into one year at once: the second waits, or refuses naming the lock file.

Every refusal leaves ``scores.csv`` byte for byte as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import test_scorebook as sb
from openpyxl import load_workbook

from scoring.cli import main
from scoring.data.sessions import load_session
from scoring.paths import DATA_DIR
from scoring.problems import display_path
from scoring.scorebook import import_scorebooks, read_scorebook
from scoring.scorebook import layout as L


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """The small year 2023 of test_scorebook: three entries, a few scores."""
    d = tmp_path / "data"
    (d / "2023").mkdir(parents=True)
    shutil.copy(DATA_DIR / "rubric.toml", d / "rubric.toml")
    (d / "2023" / "entries.csv").write_text(sb.ENTRIES, encoding="utf-8")
    (d / "2023" / "scores.csv").write_text(sb.SCORES, encoding="utf-8")
    return d


def scores_bytes(data_dir) -> bytes:
    return (data_dir / "2023" / "scores.csv").read_bytes()


def refused(data_dir, capsys, *files, replace=False) -> str:
    """Import, expect a refusal that changes nothing, and return what was printed on stderr."""
    before = scores_bytes(data_dir)
    capsys.readouterr()
    assert sb.import_cli(data_dir, *files, replace=replace) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert scores_bytes(data_dir) == before
    return err


# ---------------------------------------------------------------------------------------
# a workbook's parts, rewritten as a hostile sender would (the zip itself, not through openpyxl)
def sheet_part(z: zipfile.ZipFile, sheet: str) -> str:
    """The zip member holding a sheet, from the workbook's sheet list and its relationships."""
    book = z.read("xl/workbook.xml").decode()
    rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', book).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    target = target.group(1)
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def rewrite(path: Path, out: Path, sheet: str, *, before_end: str = "", after_data=(), rows=()) -> Path:
    """Copy a workbook, changing one sheet: ``rows`` (an iterable of XML strings, streamed)
    added at the end of its sheetData, ``before_end`` inserted before ``</worksheet>``."""
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        part = sheet_part(z, sheet)
        for info in z.infolist():
            data = z.read(info)
            if info.filename != part:
                w.writestr(info, data)
                continue
            xml = data.decode()
            head, tail = xml.split("</sheetData>")
            with w.open(part, "w") as f:
                f.write(head.encode())
                for chunk in rows:
                    f.write(chunk.encode())
                f.write(b"</sheetData>")
                tail = tail.replace("</worksheet>", before_end + "</worksheet>")
                f.write(tail.encode())
    return out


def measured(run):
    """``run()``'s result, CPU seconds and peak Python memory (bytes). CPU time, not wall time: the
    bound says the file was refused before it was parsed (parsing takes many CPU seconds), which
    holds however busy the machine is."""
    tracemalloc.start()
    t = time.process_time()
    try:
        result = run()
        elapsed = time.process_time() - t
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, elapsed, peak


@pytest.fixture
def book(data_dir, tmp_path) -> Path:
    """E99's filled scorebook for A1 and A2, issued by `scoring template`."""
    return sb.fill(sb.template(data_dir, tmp_path), sb.FILLED)


# ---------------------------------------------------------------------------------------
# size: checked on the unpacked size and the number of cells, before parsing
def test_a_workbook_unpacking_to_four_million_cells_is_refused_in_two_seconds(data_dir, tmp_path, book, capsys):
    row = "<row>" + '<c t="n"><v>1</v></c>' * 1000 + "</row>"
    bomb = rewrite(book, tmp_path / "bomb.xlsx", "A1", rows=(row for _ in range(4000)))
    assert bomb.stat().st_size < 1_000_000  # small as sent
    before = scores_bytes(data_dir)
    rc, seconds, peak = measured(lambda: sb.import_cli(data_dir, bomb))
    err = capsys.readouterr().err
    assert rc == 1 and seconds < 2 and peak < 200e6, (seconds, peak / 1e6)
    assert re.search(rf"{re.escape(display_path(bomb))}: -: far too large for a scorebook: it unpacks to \d\d MB", err)
    assert "Traceback" not in err and scores_bytes(data_dir) == before


def test_many_cells_within_the_size_limit_are_refused_before_parsing(data_dir, tmp_path, book, capsys):
    row = "<row>" + "<c/>" * 1000 + "</row>"
    bomb = rewrite(book, tmp_path / "cells.xlsx", "A2", rows=(row for _ in range(1500)))  # 1.5 million, 6 MB
    before = scores_bytes(data_dir)
    rc, seconds, peak = measured(lambda: sb.import_cli(data_dir, bomb))
    err = capsys.readouterr().err
    assert rc == 1 and seconds < 2 and peak < 200e6, (seconds, peak / 1e6)
    assert (f"{display_path(bomb)}: sheet 'A2': far too large for a scorebook: more than 100,000 cells "
            "(a scorebook has a few thousand); nothing read") in err
    assert scores_bytes(data_dir) == before


@pytest.mark.parametrize("what, xml, message", [
    ("merged", '<mergeCells count="1"><mergeCell ref="G1:CV40000"/></mergeCells>',
     "sheet 'A1', cell G1: cells G1:CV40000 are merged (3,760,000 cells), far more than a scorebook has"),
    ("linked", '<hyperlinks><hyperlink ref="G1:CV40000" location="\'A2\'!A1" display="x"/></hyperlinks>',
     "sheet 'A1', cell G1: a link over cells G1:CV40000 (3,760,000 cells), far more than a scorebook has"),
])
def test_a_huge_merged_or_linked_range_is_refused_before_parsing(data_dir, tmp_path, book, capsys, what, xml,
                                                                 message):
    bomb = rewrite(book, tmp_path / f"{what}.xlsx", "A1", before_end=xml)
    assert bomb.stat().st_size < 20_000
    rc, seconds, peak = measured(lambda: sb.import_cli(data_dir, bomb))
    err = capsys.readouterr().err
    assert rc == 1 and seconds < 2 and peak < 200e6, (seconds, peak / 1e6)
    assert f"{display_path(bomb)}: {message}" in err


def test_a_bloated_style_sheet_is_refused_before_parsing(data_dir, tmp_path, book, capsys):
    """100,000 cell formats: openpyxl takes about 0.1 ms for each."""
    with zipfile.ZipFile(book) as z, zipfile.ZipFile(tmp_path / "styles.xlsx", "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "xl/styles.xml":
                xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                data = data.replace(b"</cellXfs>", xf * 100_000 + b"</cellXfs>")
            w.writestr(info, data)
    rc, seconds, peak = measured(lambda: sb.import_cli(data_dir, tmp_path / "styles.xlsx"))
    err = capsys.readouterr().err
    assert rc == 1 and seconds < 2 and peak < 200e6, (seconds, peak / 1e6)
    assert ("far too large for a scorebook: more than 10,000 XML elements other than cells (styles, drawings, "
            "comments, formatting; in part xl/styles.xml); nothing read") in err


def test_one_cell_far_away_is_named_without_reading_the_empty_cells_before_it(data_dir, tmp_path, book, capsys):
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    bomb = rewrite(book, tmp_path / "far.xlsx", "A2", rows=[far])
    rc, seconds, peak = measured(lambda: sb.import_cli(data_dir, bomb))
    err = capsys.readouterr().err
    assert rc == 1 and seconds < 2 and peak < 200e6, (seconds, peak / 1e6)
    assert f"{display_path(bomb)}: sheet 'A2', cell XFD1048576: content 'x' where the template has none" in err


def test_entity_declarations_are_refused(data_dir, tmp_path, book, capsys):
    with zipfile.ZipFile(book) as z, zipfile.ZipFile(tmp_path / "dtd.xlsx", "w", zipfile.ZIP_DEFLATED) as w:
        part = sheet_part(z, "A1")
        for info in z.infolist():
            data = z.read(info)
            if info.filename == part:
                data = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + data
            w.writestr(info, data)
    err = refused(data_dir, capsys, tmp_path / "dtd.xlsx")
    assert (f"sheet 'A1': not an Excel workbook, or a damaged one: part {part} declares a DOCTYPE or entities, "
            "which a workbook never does") in err


def test_a_hostile_workbook_in_a_training_session_is_listed_and_left_out(data_dir, tmp_path):
    folder = data_dir / "2023" / "training" / "kurs"
    folder.mkdir(parents=True)
    (folder / "reference.csv").write_text(sb.HEADER + "2023,CASE,REF,staff,50,reference,,\n")
    path = sb.template(data_dir, tmp_path, "--session", "kurs", examiner=None, entries=None)
    sb.fill(path, {("CASE", "staff"): 60}, code="T01")
    rewrite(path, folder / "T02.xlsx", "CASE", rows=["<row>" + "<c/>" * 1000 + "</row>"] * 200)
    shutil.copy(path, folder / "T01.xlsx")
    (s, seconds, _) = measured(lambda: load_session(2023, "kurs", data_dir))
    assert seconds < 2
    (t02,) = [h for h in s.hand_ins if h.file.endswith("T02.xlsx")]
    assert not t02.accepted and "more than 100,000 cells" in str(t02.problems[0])
    assert s.trainees == ["T01"]


def test_a_real_scorebook_is_far_below_every_limit(data_dir, tmp_path):
    """The largest scorebook a year could need (every entry, per question) reads as before."""
    entries = ",".join(f"X{i:02d}" for i in range(40))
    (data_dir / "2023" / "entries.csv").write_text(
        sb.ENTRIES + "".join(f"X{i:02d},Enhet {i},skola\n" for i in range(40)), encoding="utf-8")
    path = sb.template(data_dir, tmp_path, "--per-question", entries=entries)
    book = read_scorebook(sb.fill(path, {("X39", ("results", 14)): 60}), data_dir=data_dir)
    assert book.ok and len(book.scores) == 1


# ---------------------------------------------------------------------------------------
# merged cells where the template reads
@pytest.mark.parametrize("cells", ["C5:D5", "D5:E5", "D5:D6", "A9:E10"])
def test_merged_cells_in_the_scoring_rows_are_refused_naming_them(data_dir, tmp_path, book, capsys, cells):
    wb = load_workbook(book)
    wb["A1"].merge_cells(cells)
    wb.save(book)
    err = refused(data_dir, capsys, book)
    first = cells.split(":")[0]
    assert f"{display_path(book)}: sheet 'A1', cell {first}: cells {cells} are merged" in err
    assert "unmerge them" in err


def test_merged_cells_outside_the_scoring_rows_are_harmless(data_dir, tmp_path, book):
    wb = load_workbook(book)
    wb["A1"].merge_cells("A1:E1")  # the title
    wb["A1"].merge_cells("G5:H6")  # beside the rows, empty
    wb.save(book)
    assert sb.import_cli(data_dir, book) == 0
    assert len(sb.imported(data_dir)) == len(sb.FILLED)


def test_a_merged_trainee_code_cell_is_refused(data_dir, tmp_path):
    folder = data_dir / "2023" / "training" / "kurs"
    folder.mkdir(parents=True)
    (folder / "reference.csv").write_text(sb.HEADER + "2023,CASE,REF,staff,50,reference,,\n")
    path = sb.template(data_dir, tmp_path, "--session", "kurs", examiner=None, entries=None)
    sb.fill(path, {("CASE", "staff"): 60}, code="T01")
    wb = load_workbook(path)
    wb[L.INSTRUCTIONS_SHEET].merge_cells("A5:B5")
    wb.save(path)
    book = read_scorebook(path, data_dir=data_dir)
    assert not book.ok and f"sheet '{L.INSTRUCTIONS_SHEET}', cell A5: cells A5:B5 are merged" in str(book.errors[0])


# ---------------------------------------------------------------------------------------
# scores on the scale's steps
def test_a_score_within_a_millionth_of_a_step_is_written_as_the_step(data_dir, tmp_path, capsys):
    path = sb.fill(sb.template(data_dir, tmp_path), {("A1", "target_group"): 50.0000001,
                                                     ("A1", "staff"): 69.9999995, ("A2", "results"): 100.000001})
    before = scores_bytes(data_dir)
    assert sb.import_cli(data_dir, path) == 0
    new = scores_bytes(data_dir)[len(before):].decode()
    assert new == ("2023,A1,E99,target_group,50,individual,,\n2023,A1,E99,staff,70,individual,,\n"
                   "2023,A2,E99,results,100,individual,,\n")
    assert sorted(sb.imported(data_dir)["score"]) == [50.0, 70.0, 100.0]


@pytest.mark.parametrize("value, shown", [(50.000005, "50.000005"), (50.0000011, "50.0000011"), (49.99999, "49.99999"),
                                          (0.5, "0.5")])
def test_any_other_score_off_the_steps_is_refused(data_dir, tmp_path, capsys, value, shown):
    path = sb.fill(sb.template(data_dir, tmp_path), {**sb.FILLED, ("A1", "staff"): value})
    err = refused(data_dir, capsys, path)
    assert f"sheet 'A1', cell D7: score {shown} is not on the scale's step of 10" in err


def test_a_number_of_hundreds_of_digits_is_refused_without_a_traceback(data_dir, tmp_path, book, capsys):
    with zipfile.ZipFile(book) as z, zipfile.ZipFile(tmp_path / "huge.xlsx", "w", zipfile.ZIP_DEFLATED) as w:
        part = sheet_part(z, "A1")
        for info in z.infolist():
            data = z.read(info)
            if info.filename == part:
                data = data.replace(b"<v>70</v>", b"<v>1" + b"0" * 400 + b"</v>", 1)
            w.writestr(info, data)
    err = refused(data_dir, capsys, tmp_path / "huge.xlsx")
    shown = "1" + "0" * 38 + "…"  # shortened to 40 characters
    assert f"sheet 'A1', cell D5: score {shown} is outside the scale 0–100" in err


# ---------------------------------------------------------------------------------------
# a workbook imports only under the code it was issued for
def identity_row(ws, name: str) -> int:
    for r in range(1, 20):
        if ws.cell(r, 1).value == name:
            return r
    raise LookupError(name)


def claim(path: Path, **props) -> Path:
    """Edit the scorebook's hidden identity sheet (as anyone can: its protection has no password)."""
    wb = load_workbook(path)
    ws = wb[L.IDENTITY_SHEET]
    for name, value in props.items():
        ws.cell(identity_row(ws, name), 2).value = value
    wb.save(path)
    return path


def test_template_records_what_it_issued(data_dir, tmp_path):
    a = sb.template(data_dir, tmp_path, name="a.xlsx")
    b = sb.template(data_dir, tmp_path, name="b.xlsx", examiner="E37", entries="A3")
    ida, idb = read_scorebook(a).workbook_id, read_scorebook(b).workbook_id
    assert ida and idb and ida != idb
    issued = (data_dir / "scorebooks" / "2023" / "issued.csv").read_text(encoding="utf-8").splitlines()
    assert issued[0].startswith("workbook_id,year,examiner_id,entries,per_question,fingerprint,issued_at,file")
    assert issued[1].startswith(f"{ida},2023,E99,A1 A2,no,") and issued[2].startswith(f"{idb},2023,E37,A3,no,")
    assert len(issued) == 3
    assert sorted(p.name for p in (data_dir / "2023").iterdir()) == ["entries.csv", "scores.csv"]  # nothing new there


def test_templates_made_at_once_are_all_recorded(data_dir, tmp_path):
    out = {}

    def make(code):
        out[code] = sb.template(data_dir, tmp_path, name=f"{code}.xlsx", examiner=code)

    threads = [threading.Thread(target=make, args=(f"E{i:02d}",)) for i in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    issued = (data_dir / "scorebooks" / "2023" / "issued.csv").read_text(encoding="utf-8")
    assert sorted(line.split(",")[2] for line in issued.splitlines()[1:]) == ["E01", "E02", "E03", "E04"]
    assert all(read_scorebook(p).workbook_id in issued for p in out.values())


def test_a_damaged_list_of_issued_scorebooks_imports_nothing(data_dir, tmp_path, book, capsys):
    registry = data_dir / "scorebooks" / "2023" / "issued.csv"
    registry.write_text("workbook_id;examiner\n", encoding="utf-8")
    err = refused(data_dir, capsys, book)
    assert f"{display_path(registry)}:1: year: missing column 'year'" in err


@pytest.mark.parametrize("code", ["TEAM", "REF", "team"])
def test_an_examiner_scorebook_never_writes_under_a_reserved_code(data_dir, tmp_path, book, capsys, code):
    err = refused(data_dir, capsys, claim(book, examiner_id=code))
    assert (f"{display_path(book)}: sheet '{L.IDENTITY_SHEET}': the scorebook is made out to '{code}', a code "
            "reserved for a team's agreed scores and the reference scores") in err
    assert len(sb.imported(data_dir, code.upper())) == (code.upper() == "TEAM")  # the one consensus row of SCORES


@pytest.mark.parametrize("code", ["TEAM", "REF"])
def test_no_template_is_made_out_to_a_reserved_code(data_dir, tmp_path, capsys, code):
    out = tmp_path / "x.xlsx"
    assert main(["template", "--year", "2023", "--examiner", code, "--entries", "A1", "--out", str(out),
                 "--data", str(data_dir)]) == 1
    assert f"'{code}' is reserved for a team's agreed scores and the reference scores" in capsys.readouterr().err
    assert not out.exists() and not (data_dir / "scorebooks").exists()


def test_a_workbook_claiming_another_examiner_replaces_nothing(data_dir, tmp_path, capsys):
    e37 = sb.fill(sb.template(data_dir, tmp_path, name="e37.xlsx", examiner="E37"), sb.FILLED)
    assert sb.import_cli(data_dir, e37) == 0
    forged = sb.fill(sb.template(data_dir, tmp_path, name="e05.xlsx", examiner="E05"),
                     {("A1", "target_group"): 0, ("A2", "staff"): 100})
    claim(forged, examiner_id="E37")
    for replace in (False, True):
        err = refused(data_dir, capsys, forged, replace=replace)
        assert (f"{display_path(forged)}: sheet '{L.IDENTITY_SHEET}': this scorebook was issued to E05, but its "
                "hidden sheet now says E37; nothing imported (a scorebook imports only under the code it was issued "
                "for)") in err
    got = sb.imported(data_dir, "E37")
    assert {(r.entry_id, r.criterion): r.score for r in got.itertuples()} == {k: float(v) for k, v in sb.FILLED.items()}


def test_a_workbook_with_an_unknown_id_is_refused(data_dir, tmp_path, book, capsys):
    err = refused(data_dir, capsys, claim(book, workbook_id="0123456789abcdef"))
    registry = display_path(data_dir / "scorebooks" / "2023" / "issued.csv")
    assert (f"{display_path(book)}: sheet '{L.IDENTITY_SHEET}': this scorebook was not issued for 2023 by `scoring "
            f"template` from this data folder (its id 0123456789abcdef is not in {registry}); nothing imported") in err


def test_a_workbook_issued_from_another_data_folder_is_refused(data_dir, tmp_path, book, capsys):
    other = tmp_path / "other"
    shutil.copytree(data_dir, other, ignore=shutil.ignore_patterns("scorebooks"))
    before = (other / "2023" / "scores.csv").read_bytes()
    assert sb.import_cli(other, book) == 1
    assert "this scorebook was not issued for 2023" in capsys.readouterr().err
    assert (other / "2023" / "scores.csv").read_bytes() == before


def test_a_workbook_without_an_id_is_refused(data_dir, tmp_path, book, capsys):
    wb = load_workbook(book)
    ws = wb[L.IDENTITY_SHEET]
    r = identity_row(ws, "workbook_id")
    ws.delete_rows(r)
    wb.save(book)
    err = refused(data_dir, capsys, book)
    assert (f"{display_path(book)}: sheet '{L.IDENTITY_SHEET}': this scorebook carries no issue id: it was made "
            "before `scoring template` recorded the scorebooks it issues, or its hidden sheet was edited") in err


def test_a_workbook_whose_entries_were_changed_in_its_hidden_sheet_is_refused(data_dir, tmp_path, book, capsys):
    """E99 was issued A1 and A2; the keys (hidden and shown) are changed to A3 consistently."""
    wb = load_workbook(book)
    ws = wb[L.IDENTITY_SHEET]
    for row in ws.iter_rows():
        for c in row:
            if c.value == "A2" and c.column == 3:  # the key table's entry_id
                c.value = "A3"
    for r in range(L.FIRST_ROW, L.FIRST_ROW + 6):
        wb["A2"].cell(r, L.COL_ENTRY).value = "A3"
    wb.save(book)
    assert read_scorebook(book, data_dir=data_dir).ok  # a consistent workbook, but not the one issued
    err = refused(data_dir, capsys, book)
    assert (f"sheet '{L.IDENTITY_SHEET}': this scorebook's entries or rows differ from those issued to E99 "
            "(A1 A2); nothing imported") in err


def test_a_scorebook_made_before_issue_ids_imports_only_when_allowed(tmp_path):
    """The LibreOffice fixture (made before this change) carries no id."""
    from demo_copy import demo_copy

    data = demo_copy(tmp_path / "data", training=False)
    before = (data / "2023" / "scores.csv").read_bytes()
    fixture = sb.FIXTURES / "scorebook_libreoffice.xlsx"
    result = import_scorebooks([fixture], 2023, data_dir=data)
    assert not result.ok and not result.written
    assert any("carries no issue id" in str(p) for p in result.workbooks[0].problems)
    assert (data / "2023" / "scores.csv").read_bytes() == before
    result = import_scorebooks([fixture], 2023, data_dir=data, allow_unissued=True)
    assert result.ok and result.written
    assert any("no issue id" in str(p) and p.severity == "note" for p in result.workbooks[0].problems)


# ---------------------------------------------------------------------------------------
# one import at a time per year
def test_two_imports_at_once_both_land(data_dir, tmp_path, monkeypatch):
    """Two imports into one year at once (a shared drive): the second waits for the first."""
    import scoring.scorebook.importer as imp

    real = imp.read_scorebook

    def slow(*a, **k):
        time.sleep(0.4)
        return real(*a, **k)

    monkeypatch.setattr(imp, "read_scorebook", slow)
    a = sb.fill(sb.template(data_dir, tmp_path, name="a.xlsx"), sb.FILLED)
    b = sb.fill(sb.template(data_dir, tmp_path, name="b.xlsx", examiner="E98"), sb.FILLED)
    results = {}

    def run(name, path):
        results[name] = import_scorebooks([path], 2023, data_dir=data_dir)

    threads = [threading.Thread(target=run, args=(n, p)) for n, p in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["a"].ok and results["b"].ok, [str(p) for r in results.values() for w in r.workbooks
                                                 for p in w.problems]
    assert len(sb.imported(data_dir, "E99")) == len(sb.imported(data_dir, "E98")) == len(sb.FILLED)
    assert scores_bytes(data_dir).startswith(sb.SCORES.encode())
    assert not list((data_dir / "2023").glob(".*lock*"))


def test_an_import_while_another_runs_refuses_naming_the_lock(data_dir, tmp_path, book, capsys, monkeypatch):
    import scoring.scorebook.lock as lock

    monkeypatch.setattr(lock, "WAIT_SECONDS", 0.3)
    lock_file = data_dir / "2023" / lock.IMPORT_LOCK
    with lock.hold(lock_file, "an import into 2023"):
        err = refused(data_dir, capsys, book)
    assert f"{display_path(lock_file)}: -: an import into 2023 is running (process {os.getpid()} on " in err
    assert "nothing imported" in err and "If none is running, delete" in err
    assert not lock_file.exists()
    assert sb.import_cli(data_dir, book) == 0  # once it is over


def test_a_lock_left_by_a_process_that_died_is_taken_over(data_dir, tmp_path, book):
    import scoring.scorebook.lock as lock

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_file = data_dir / "2023" / lock.IMPORT_LOCK
    lock_file.write_text(f'{{"pid": {int(dead.stdout)}, "host": "{socket.gethostname()}", "what": "an import"}}')
    assert sb.import_cli(data_dir, book) == 0
    assert not lock_file.exists()
    old = data_dir / "2023" / lock.IMPORT_LOCK  # another computer's, an hour old
    old.write_text('{"pid": 1, "host": "another-computer", "what": "an import"}')
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    assert sb.import_cli(data_dir, book) == 0 and not old.exists()


def test_the_lock_is_released_when_the_import_fails(data_dir, tmp_path, book, monkeypatch):
    import scoring.scorebook.lock as lock
    import scoring.scorebook.scores_csv as sc

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(sc.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        import_scorebooks([book], 2023, data_dir=data_dir)
    assert not (data_dir / "2023" / lock.IMPORT_LOCK).exists()
