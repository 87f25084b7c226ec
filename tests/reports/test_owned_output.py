"""Issue 16, points 1 and 2: the output folder is owned, and bundles and provenance tell the truth.

* ``--out`` into a folder of other files is refused with a message, and nothing in it changes;
  in a folder the tool owns, files it did not write are never deleted, overwritten, listed or
  zipped.
* A zip never holds a PDF made from other data than the HTML beside it.
* After a run killed between two reports, ``manifest.json`` and ``index.html`` claim for every
  report only the data it was made from.
* Provenance names the real files behind symlinks, with their checksums.

The notebooks are small stand-ins that print the SHA-256 of the ``scores.csv`` they read, so
a test can tell which data each published page was made from.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
import types
import zipfile
from pathlib import Path

import nbformat
import pytest
from html_page import Page
from tiny_pdf import one_page_pdf

from scoring.cli import main
from scoring.reports import execute, manifest, run_reports, write_index
from scoring.reports.bundle import CONTENTS, write_bundles

YEAR = 2024
EXAMINERS = ("E01", "E02", "E03")

BODY = """\
import hashlib, os
from matplotlib.figure import Figure
from scoring.presentation import render
raw = open(os.path.join(data_dir, str(year), "scores.csv"), "rb").read()
print("data", hashlib.sha256(raw).hexdigest())
fig = Figure(figsize=(2, 1.5))
fig.add_subplot().bar([1, 2], [2, 1])
display(render.Figure(fig, alt="Staplar"))
print("Rapport för", WHO, year)"""


def _notebook(path: Path, parameters: str, who: str, first: str = "") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Testrapport"), params,
                nbformat.v4.new_code_cell(first + BODY.replace("WHO", who))]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _scores(year_dir: Path, year: int, score: int = 50) -> None:
    year_dir.mkdir(parents=True, exist_ok=True)
    rows = [f"{year},B1,{c},staff,{score}" for c in EXAMINERS]
    (year_dir / "scores.csv").write_text("year,entry_id,examiner_id,criterion,score\n" + "\n".join(rows) + "\n",
                                         encoding="utf-8")


@pytest.fixture
def ws(tmp_path):
    nbs = tmp_path / "notebooks"
    base = 'year = 2024\ndata_dir = ""'
    _notebook(nbs / "calibration_report.ipynb", base, "'alla'")
    _notebook(nbs / "examiner_feedback.ipynb", base + '\nexaminer_id = ""', "examiner_id")
    data = tmp_path / "data"
    data.mkdir()
    _scores(data / str(YEAR), YEAR)
    (data / str(YEAR) / "entries.csv").write_text("entry_id,name,class\nB1,Bidrag,skola\n", encoding="utf-8")
    return {"root": tmp_path, "nbs": nbs, "data": data, "out": tmp_path / "out"}


def _run(ws, kinds="examiner", names=EXAMINERS, **kw):
    kw = {"progress": False, "timeout": 120, "workers": 1, **kw}
    return run_reports([YEAR], kinds=kinds, names={"examiner": list(names)}, data_dir=ws["data"],
                       out_dir=ws["out"], notebooks_dir=ws["nbs"], **kw)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _made_from(html: Path) -> str:
    """The SHA-256 of the scores.csv a stand-in report read, as it printed it."""
    return re.search(r"data ([0-9a-f]{64})", html.read_text(encoding="utf-8"))[1]


# --------------------------------------------------------------------------------------
# 1. The output folder is owned
# --------------------------------------------------------------------------------------

FOREIGN = {
    "index.html": b"<html><body>Our team's own start page</body></html>",
    "manifest.json": b'{"name": "our web app", "start_url": "/"}\n',
    f"{YEAR}/send/keep.zip": b"PK\x05\x06" + b"\0" * 18,
    f"{YEAR}/examiners/README.html": b"<html><body>How to read the feedback</body></html>",
    "notes/plan.txt": b"do not lose this\n",
}


def _foreign(out: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(content)


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(ws):
    out = ws["out"]
    _foreign(out, FOREIGN)
    before = _snapshot(out)
    with pytest.raises(ValueError) as refused:
        _run(ws, bundle=True)
    msg = str(refused.value)
    assert str(out) in msg and "--out" in msg and "did not write" in msg
    assert _snapshot(out) == before  # byte for byte, and nothing added


def test_the_command_refuses_it_with_a_message(ws, capsys):
    out = ws["out"]
    _foreign(out, FOREIGN)
    before = _snapshot(out)
    code = main(["report", "--year", str(YEAR), "--kind", "examiner", "--examiner", "E01", "--bundle",
                 "--data", str(ws["data"]), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"^error: .*did not write.*--out", err, re.MULTILINE), err
    assert _snapshot(out) == before


def test_a_new_folder_and_one_holding_only_a_readme_are_taken(ws):
    readme = b"# reports\nGenerated files land here.\n"
    (ws["out"]).mkdir()
    (ws["out"] / "README.md").write_bytes(readme)
    result = _run(ws, names=("E01",))
    assert result.ok, result.failures
    assert (ws["out"] / "README.md").read_bytes() == readme
    assert (ws["out"] / "index.html").is_file() and (ws["out"] / "manifest.json").is_file()
    ws["out"] = ws["root"] / "new" / "deeper"
    assert _run(ws, names=("E01",)).ok


def test_files_the_tool_did_not_write_are_never_touched_listed_or_sent(ws):
    """The issue's case inside a folder the tool owns: a user's zip in send/, a README.html among
    the examiners' reports, a page of their own where a report would go."""
    assert _run(ws, kinds=["calibration", "examiner"], bundle=True).ok
    out = ws["out"]
    mine = {
        f"{YEAR}/send/keep.zip": FOREIGN[f"{YEAR}/send/keep.zip"],
        f"{YEAR}/examiners/README.html": FOREIGN[f"{YEAR}/examiners/README.html"],
        f"{YEAR}/examiners/E09.html": b"<html><body>a page the tool never made</body></html>",
        f"{YEAR}/notes.txt": b"meeting notes\n",
    }
    _foreign(out, mine)
    (out / f"{YEAR}/calibration.html").unlink()
    (out / f"{YEAR}/calibration.html").write_bytes(b"<html><body>my own calibration page</body></html>")
    mine[f"{YEAR}/calibration.html"] = (out / f"{YEAR}/calibration.html").read_bytes()

    result = _run(ws, kinds=["calibration", "examiner"], names=("E01",), bundle=True)

    for rel, content in mine.items():
        assert (out / rel).read_bytes() == content, rel  # byte for byte
    failed = {(f.kind, f.name): f.message for f in result.failures}
    assert list(failed) == [("calibration", None)]
    assert f"{YEAR}/calibration.html" in failed[("calibration", None)]
    assert "not written by scoring report" in failed[("calibration", None)]
    send = sorted(p.name for p in (out / str(YEAR) / "send").iterdir())
    assert send == ["E01.zip", "E02.zip", "E03.zip", "keep.zip"]  # no README.zip, no E09.zip
    hrefs = [h for h, _ in Page.read(out / "index.html").links]
    assert f"{YEAR}/examiners/README.html" not in hrefs and f"{YEAR}/examiners/E09.html" not in hrefs
    assert f"{YEAR}/send/keep.zip" not in hrefs and f"{YEAR}/calibration.html" not in hrefs
    assert f"{YEAR}/examiners/E01.html" in hrefs and f"{YEAR}/send/E01.zip" in hrefs
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    assert sorted(made) == [f"{YEAR}/examiners/{c}.html" for c in EXAMINERS]

    # the run that would remove a zip of someone with no report removes only its own zips
    (out / f"{YEAR}/examiners/E03.html").unlink()
    written, failures, _ = write_bundles(out, YEAR, data_dir=ws["data"])
    assert failures == []
    assert sorted(p.name for p in (out / str(YEAR) / "send").iterdir()) == ["E01.zip", "E02.zip", "keep.zip"]
    assert (out / f"{YEAR}/send/keep.zip").read_bytes() == mine[f"{YEAR}/send/keep.zip"]


def test_an_index_the_tool_did_not_write_is_not_replaced(ws):
    assert _run(ws, names=("E01",)).ok
    own = b"<html><body>my index</body></html>"
    (ws["out"] / "index.html").write_bytes(own)
    result = _run(ws, names=("E01",))
    assert (ws["out"] / "index.html").read_bytes() == own
    assert [f.kind for f in result.failures] == ["index"]
    assert "index.html" in result.failures[0].message and "did not write" in result.failures[0].message


# --------------------------------------------------------------------------------------
# 2. Bundles and provenance tell the truth
# --------------------------------------------------------------------------------------




@pytest.fixture
def printer(monkeypatch):
    """A stand-in for headless Chromium: the PDF says which data its HTML was made from."""

    def print_pdf(html, pdf):
        Path(pdf).write_bytes(one_page_pdf("data " + _made_from(Path(html))[:16]))
        return Path(pdf)

    monkeypatch.setitem(sys.modules, "scoring.reports.pdf", types.SimpleNamespace(print_pdf=print_pdf))


def test_a_zip_never_holds_a_pdf_older_than_its_html(ws, printer):
    """--pdf, a data correction, then --bundle without --pdf: E01.zip holds the corrected HTML
    and no PDF of the old data, and the run says so."""
    assert _run(ws, names=("E01",), pdf=True).ok
    pdf = ws["out"] / f"{YEAR}/examiners/E01.pdf"
    old_pdf = pdf.read_bytes()
    _scores(ws["data"] / str(YEAR), YEAR, score=70)  # the correction
    result = _run(ws, names=("E01",), bundle=True)
    assert result.ok, result.failures
    html = ws["out"] / f"{YEAR}/examiners/E01.html"
    assert _made_from(html) == _sha(ws["data"] / str(YEAR) / "scores.csv")
    with zipfile.ZipFile(ws["out"] / f"{YEAR}/send/E01.zip") as z:
        assert z.namelist() == [f"{YEAR}-examiners-E01.html"]
        assert z.read(f"{YEAR}-examiners-E01.html") == html.read_bytes()
    assert any("E01.pdf" in n and "--pdf" in n for n in result.notes), result.notes
    assert pdf.read_bytes() == old_pdf  # not deleted: the next --pdf run makes it again
    entry = json.loads((ws["out"] / "manifest.json").read_text(encoding="utf-8"))["reports"][
        f"{YEAR}/examiners/E01.html"]
    assert entry["pdf"] is None

    again = _run(ws, names=("E01",), pdf=True, bundle=True)  # made again: the zip holds both
    assert again.ok, again.failures
    with zipfile.ZipFile(ws["out"] / f"{YEAR}/send/E01.zip") as z:
        assert z.namelist() == [f"{YEAR}-examiners-E01.html", f"{YEAR}-examiners-E01.pdf"]
    assert pdf.read_bytes() != old_pdf


class Killed(Exception):
    """Stands for the process being killed: raised in the middle of the run."""


def _claims(page: str) -> dict[str, set[str]]:
    """Per report link in the index, the checksums (first 12 characters) it shows for its data."""
    sha = re.compile(r'class="sha">([0-9a-f]{12})<')
    claims = {}
    for group in page.split("<h3>")[1:]:
        shared = set(sha.findall(group.split("<table")[0])) if "Källdata för alla" in group else set()
        for row in re.findall(r"<tr><td>(.*?)</tr>", group, re.DOTALL):
            href = re.search(r'<a href="([^"]+\.html)"', row)[1]
            claims[href] = set(sha.findall(row)) | shared
    return claims


def _check_truthful(out: Path) -> dict[str, str]:
    """manifest.json and index.html claim for every report only the data it was made from."""
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    truth = {}
    for rel, entry in made.items():
        actual = _made_from(out / rel)
        truth[rel] = actual
        claimed = {i["sha256"] for i in entry["inputs"] if i["file"].endswith("scores.csv")}
        assert claimed <= {actual}, (rel, claimed, actual)
    for href, shown in _claims((out / "index.html").read_text(encoding="utf-8")).items():
        assert shown <= {_made_from(out / href)[:12]}, (href, shown)
    return truth


def test_a_killed_run_leaves_no_false_provenance(ws, monkeypatch):
    """Reports from the new data, the run killed before it finished: the manifest and the index
    never name the old scores.csv checksum for them."""
    assert _run(ws).ok
    old = _sha(ws["data"] / str(YEAR) / "scores.csv")
    _scores(ws["data"] / str(YEAR), YEAR, score=70)
    new = _sha(ws["data"] / str(YEAR) / "scores.csv")
    real = execute.Pool.outcomes

    killed_at = []

    def outcomes(self):
        for n, item in enumerate(real(self)):
            yield item
            if n == 1:  # two reports published from the new data, the third not
                killed_at.append(time.monotonic())
                raise Killed

    monkeypatch.setattr(execute.Pool, "outcomes", outcomes)
    _notebook(ws["nbs"] / "examiner_feedback.ipynb", 'year = 2024\ndata_dir = ""\nexaminer_id = ""', "examiner_id",
              first="import time\nif examiner_id.endswith('3'):\n    time.sleep(20)\n")  # running at the kill
    with pytest.raises(Killed):
        _run(ws)
    # the kernel at work was stopped, not waited for (its report sleeps 20 s; the workers
    # once waited up to 60 s for a killed kernel's answer)
    assert time.monotonic() - killed_at[0] < 15
    monkeypatch.undo()
    out = ws["out"]
    truth = _check_truthful(out)
    assert sorted(truth.values()) == sorted([new, new, old])  # the kill happened where meant
    # built again from each report's own record: every report names its own data
    write_index(out, data_dir=ws["data"])
    made = manifest.load(out)["reports"]
    for rel, actual in truth.items():
        assert [i["sha256"] for i in made[rel]["inputs"]] == [actual], rel
    page = (out / "index.html").read_text(encoding="utf-8")
    assert new[:12] in page and old[:12] in page
    _check_truthful(out)


def test_reports_made_before_the_run_has_listed_them_wait_and_a_failed_listing_publishes_none(ws, monkeypatch):
    """The reports run while the run writes its listing, but none is published before it: the
    listing fails once the first report is made and waits to be published, and nothing is."""
    from scoring.reports import index

    def listing(self, out_dir, *args):
        deadline = time.monotonic() + 120
        while not list(out_dir.rglob("*.tmp.html")):  # a report made, not published
            assert time.monotonic() < deadline, "no report was made while the run listed them"
            time.sleep(0.05)
        raise Killed

    monkeypatch.setattr(index.Listing, "__init__", listing)
    with pytest.raises(Killed):
        _run(ws, names=("E01",))
    assert not [p for p in ws["out"].rglob("*") if p.is_file() and p.name != "manifest.json"]


def test_a_run_killed_while_publishing_a_report_claims_nothing_false(ws, monkeypatch):
    """Killed between the files of one report (the notebook replaced, the page not yet)."""
    assert _run(ws, names=("E01",)).ok
    _scores(ws["data"] / str(YEAR), YEAR, score=70)
    real = execute.os.replace

    def replace(src, dst, *a, **kw):
        if str(dst).endswith("examiners/E01.html"):
            raise Killed
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(execute.os, "replace", replace)
    result = _run(ws, names=("E01",))
    monkeypatch.undo()
    assert [f.name for f in result.failures] == ["E01"]
    truth = _check_truthful(ws["out"])
    assert list(truth) == [f"{YEAR}/examiners/E01.html"]
    write_index(ws["out"], data_dir=ws["data"])
    _check_truthful(ws["out"])


def test_provenance_names_the_real_files_behind_symlinks(ws):
    """A year folder that is a symlink to another place, a data file that is a symlink to another
    file: the manifest names the real files and their content's checksums, and only what was read."""
    data, elsewhere = ws["data"], ws["root"] / "elsewhere" / "2023-final"
    _scores(elsewhere, 2023)
    (elsewhere / "entries.csv").write_text("entry_id,name,class\n", encoding="utf-8")  # not read
    (data / "2023").symlink_to(elsewhere, target_is_directory=True)
    corrected = data / "corrections" / "scores-2024-v2.csv"
    corrected.parent.mkdir()
    _scores(corrected.parent, YEAR, score=60)
    (corrected.parent / "scores.csv").rename(corrected)
    (data / str(YEAR) / "scores.csv").unlink()
    (data / str(YEAR) / "scores.csv").symlink_to(corrected)
    result = run_reports([2023, YEAR], data_dir=data, out_dir=ws["out"], notebooks_dir=ws["nbs"],
                         progress=False, timeout=120)
    assert result.ok, result.failures
    made = json.loads((ws["out"] / "manifest.json").read_text(encoding="utf-8"))["reports"]
    real_2023 = (elsewhere / "scores.csv").resolve()
    assert [(i["file"], i["sha256"]) for i in made["2023/calibration.html"]["inputs"]] == [
        (str(real_2023), _sha(real_2023))]
    assert made["2023/calibration.html"]["inputs"][0]["via"] == "2023/scores.csv"
    assert [(i["file"], i["sha256"]) for i in made[f"{YEAR}/calibration.html"]["inputs"]] == [
        ("corrections/scores-2024-v2.csv", _sha(corrected))]
    page = (ws["out"] / "index.html").read_text(encoding="utf-8")
    assert "corrections/scores-2024-v2.csv" in page and _sha(corrected)[:12] in page


def test_a_folder_from_before_records_is_still_the_tools(ws, printer):
    """A folder an earlier version wrote (its manifest without records): its reports are made again
    in place, and an entry is trusted only if its files are not newer than the entry."""
    from datetime import datetime, timedelta

    out = ws["out"]
    scores = ws["data"] / str(YEAR) / "scores.csv"
    reports = {}
    for code in EXAMINERS:
        html = out / f"{YEAR}/examiners/{code}.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(f"<html><body>data {_sha(scores)} {code}</body></html>", encoding="utf-8")
        html.with_suffix(".ipynb").write_text("{}", encoding="utf-8")
        made = datetime.now().astimezone() - (timedelta(hours=1) if code == "E03" else timedelta())
        reports[f"{YEAR}/examiners/{code}.html"] = {
            "year": YEAR, "kind": "examiner", "name": code, "notebook": f"{YEAR}/examiners/{code}.ipynb",
            "made": made.isoformat(timespec="seconds"), "seconds": 1.0, "parameters": {"year": YEAR},
            "data_dir": "data", "inputs": [{"file": f"{YEAR}/scores.csv", "sha256": _sha(scores)}]}
    (out / f"{YEAR}/examiners/E01.pdf").write_bytes(one_page_pdf("old"))
    (out / "manifest.json").write_text(json.dumps({"format": 1, "reports": reports}), encoding="utf-8")
    (out / "index.html").write_text("<html><footer>Genererad av <code>scoring report</code>. Mappen</footer>",
                                    encoding="utf-8")
    _scores(scores.parent, YEAR, score=70)

    result = _run(ws, names=("E01",))

    assert result.ok, result.failures
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    assert made[f"{YEAR}/examiners/E01.html"]["inputs"][0]["sha256"] == _sha(scores)  # made again
    assert made[f"{YEAR}/examiners/E02.html"]["inputs"] == reports[f"{YEAR}/examiners/E02.html"]["inputs"]
    assert made[f"{YEAR}/examiners/E03.html"]["inputs"] == []  # its page is newer than its entry
    _check_truthful(out)
    again = _run(ws, names=("E01",), pdf=True)  # the old version's PDF is still the tool's to replace
    assert again.ok, again.failures
    assert (out / f"{YEAR}/examiners/E01.pdf").read_bytes() != one_page_pdf("old")


def test_a_shared_zip_holds_reports_of_one_state_of_the_data(tmp_path):
    """Two jury packs, one made again after a correction of scores.csv: jury.zip holds only the
    pack of the newest data, and the notes say which was left out."""
    import time

    out, data = tmp_path / "out", tmp_path / "data"
    _scores(data / str(YEAR), YEAR)
    for n, cls in enumerate(("skola", "forskola")):
        if n:
            _scores(data / str(YEAR), YEAR, score=70)
        html = out / f"{YEAR}/jury-{cls}.html"
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(f"<html>{cls}</html>", encoding="utf-8")
        manifest.record(out, data, [manifest.Made(
            html=html, ipynb=html.with_suffix(".ipynb"), year=YEAR, kind="jury", name=cls,
            parameters={"year": YEAR, "class_id": cls}, seconds=1.0, finished=time.time() + n,
            inputs=(str(data / str(YEAR) / "scores.csv"),))])
    written, failures, notes = write_bundles(out, YEAR, data_dir=data)
    assert failures == [] and written == [out / f"{YEAR}/send/jury.zip"]
    with zipfile.ZipFile(written[0]) as z:
        assert z.namelist() == [CONTENTS, f"{YEAR}-jury-forskola.html"]
    assert len(notes) == 1 and f"{YEAR}/jury-skola.html left out" in notes[0] and "scores.csv" in notes[0]
