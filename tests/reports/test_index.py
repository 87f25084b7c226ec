"""A whole ``--kind all --bundle`` run of stand-in notebooks: privacy of every file, the send-out zips, the index.

The index (issue 18): every row says which data it was made from (the same words for the same
files), a PDF made with a report is linked beside it, the notebooks are named once at the top,
each year folds in a ``<details>``; the jury's zip says what it holds, inside and on the index,
and is made again when a later run adds blind packs. Its layout in a browser:
``tests/browser/test_browser_index.py``.

The run covers every kind in the registry plus a private per-trainee kind registered
for the test (the real trainee pages are still being written); when the real private
kinds land, their notebooks join the run through ``kinds="all"`` and the whole-run
privacy scan below covers them unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import zipfile
from html import escape
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from html_page import Page
from tiny_pdf import one_page_pdf

from scoring.paths import RUBRIC_PATH
from scoring.presentation import glossary
from scoring.reports import REPORT_KINDS, ReportKind, manifest, privacy, run_reports, stop_kernels, write_index
from scoring.reports.audience import forbidden_for
from scoring.reports.bundle import CONTENTS, out_of_date, write_bundles
from scoring.reports.kind import Blind

YEARS = (2020, 2021)
EXAMINERS = ("E01", "E02", "E03")
TRAINEES = {"T01": "Tina Testsson", "T02": "Tor Testsson"}
CLASSES = ("forskola", "skola")

TRAINEE_KIND = ReportKind(
    name="trainee",
    notebook="training_trainee.ipynb",
    output="training/{name}",
    label="Deltagare {label}",
    noun="trainee pages",
    per="trainee",
    parameter=("session", "trainee_id"),
    section="Examinatorsutbildning – deltagarna",
    private=True,
    names=lambda year, data_dir: [f"grund/{code}" for code in TRAINEES],
    people=lambda data_dir: {c: privacy.Person(c, (n,)) for c, n in TRAINEES.items()},
)

BODY = """\
import os
from matplotlib.figure import Figure
from scoring.presentation import render
scores = open(os.path.join(data_dir, str(year), "scores.csv"), encoding="utf-8").read()
fig = Figure(figsize=(2, 1.5))
fig.add_subplot().bar([1, 2], [2, 1])
display(render.Figure(fig, alt=f"Staplar {WHO}"))
print("Rapport för", WHO, year)"""


def _notebook(path: Path, parameters: str, who: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Testrapport"), params,
                nbformat.v4.new_code_cell(BODY.replace("WHO", who))]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("all")
    nbs = root / "notebooks"
    nbs.mkdir()
    base = 'year = 2024\ndata_dir = ""'
    _notebook(nbs / "calibration_report.ipynb", base, "'alla'")
    _notebook(nbs / "jury_pack.ipynb", base + '\nclass_id = ""', "class_id")
    _notebook(nbs / "examiner_feedback.ipynb", base + '\nexaminer_id = ""', "examiner_id")
    _notebook(nbs / "training_trainee.ipynb", base + '\nsession = ""\ntrainee_id = ""', "trainee_id")
    data = root / "data"
    data.mkdir()
    shutil.copy(RUBRIC_PATH, data / "rubric.toml")
    for year in YEARS:
        (data / str(year)).mkdir()
        rows = [f"{year},B1,{c},staff,50" for c in EXAMINERS]
        (data / str(year) / "scores.csv").write_text(
            "year,entry_id,examiner_id,criterion,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = root / "reports"
    stop_kernels()  # the run starts its own (a kernel of an earlier run of this process would serve it)
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(REPORT_KINDS, "trainee", TRAINEE_KIND)
        result = run_reports(list(YEARS), kinds="all", data_dir=data, out_dir=out, notebooks_dir=nbs,
                             names={"jury": list(CLASSES), "examiner": list(EXAMINERS)}, bundle=True,
                             progress=False, timeout=120)
        yield {"root": root, "data": data, "out": out, "result": result}


def test_every_kind_ran(run):
    result = run["result"]
    assert result.ok, result.failures
    assert len(result.reports) == len(YEARS) * (1 + len(CLASSES) + len(EXAMINERS) + len(TRAINEES))
    assert 1 <= len(result.warmup) <= 2  # two workers, each one warm kernel


def test_whole_run_private_files_name_nobody_else(run):
    """Every file written for every private report of a ``--kind all`` run, zips included."""
    out, data = run["out"], run["data"]
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    private = [(k, v) for k, v in made.items() if REPORT_KINDS[v["kind"]].private]
    assert sorted({v["name"] for _, v in private}) == [*EXAMINERS, *(f"grund/{c}" for c in TRAINEES)]
    checked = 0
    for rel, entry in private:
        code = entry["name"].split("/")[-1]
        forbidden = forbidden_for(code, data)
        others = (set(EXAMINERS) | set(TRAINEES)) - {code}
        assert forbidden.codes == others and code not in forbidden.codes
        html = out / rel
        zip_name = entry["name"].replace("/", "-")  # a trainee's zip is keyed by session and code
        files = [html, html.with_suffix(".ipynb"), out / str(entry["year"]) / "send" / f"{zip_name}.zip"]
        files += [html.with_suffix(".pdf")] if html.with_suffix(".pdf").exists() else []
        for f in files:
            assert f.is_file(), f
        assert privacy.scan(files, forbidden) == [], rel
        checked += len(files)
        assert code in html.read_text(encoding="utf-8")  # the scan looked at a page about someone
    assert checked >= len(private) * 3


def test_trainee_names_are_forbidden_to_others(run):
    forbidden = forbidden_for("T01", run["data"])
    assert forbidden.names == {"Tor Testsson"} and "T02" in forbidden.codes
    assert "Tina Testsson" not in forbidden.names


def test_send_zips_hold_only_their_own_reports(run):
    send = run["out"] / "2021" / "send"
    zips = sorted(p.name for p in send.iterdir())
    assert zips == sorted([*(f"{c}.zip" for c in EXAMINERS), *(f"grund-{c}.zip" for c in TRAINEES), "jury.zip"])
    with zipfile.ZipFile(send / "E02.zip") as z:
        assert z.namelist() == ["2021-examiners-E02.html"]
        assert z.read("2021-examiners-E02.html") == (run["out"] / "2021/examiners/E02.html").read_bytes()
    with zipfile.ZipFile(send / "grund-T01.zip") as z:
        assert z.namelist() == ["2021-training-grund-T01.html"]
    with zipfile.ZipFile(send / "jury.zip") as z:
        assert z.namelist() == [CONTENTS, *(f"2021-jury-{c}.html" for c in CLASSES)]
        listing = z.read(CONTENTS).decode("utf-8-sig").splitlines()
    assert listing[0] == "Innehåll i jury.zip, Kvalitetsutmärkelsen 2021: 2 filer."
    assert [line.split(", gjord ")[0] for line in listing[2:4]] == [
        "2021-jury-forskola.html: Jurypaket – Förskola", "2021-jury-skola.html: Jurypaket – Skola"]
    assert sorted(p.name for p in run["result"].bundles if p.parent == send) == zips


def test_bundle_guard_scans_the_pdf_too(run, tmp_path):
    """A PDF beside a private report (as ``--pdf`` writes) that names someone else stops that zip."""
    out = tmp_path / "reports"
    shutil.copytree(run["out"], out)
    before = (out / "2021/send/E02.zip").read_bytes()
    html = out / "2021/examiners/E02.html"
    html.with_suffix(".pdf").write_bytes(one_page_pdf("Jämfört med E01"))
    entry = manifest.load(out)["reports"]["2021/examiners/E02.html"]
    manifest.record(out, run["data"], [manifest.Made(  # as a run with --pdf records it
        html=html, ipynb=html.with_suffix(".ipynb"), pdf=html.with_suffix(".pdf"), year=2021, kind="examiner",
        name="E02", parameters=entry["parameters"], seconds=1.0, finished=time.time(), inputs=())])
    written, failures, _ = write_bundles(out, 2021, data_dir=run["data"])
    assert len(failures) == 1 and failures[0].startswith("send/E02.zip not written: privacy: names E01")
    assert "send/E02.zip!2021-examiners-E02.pdf" in failures[0]
    assert (out / "2021/send/E02.zip").read_bytes() == before  # the earlier zip stays
    assert out / "2021/send/E01.zip" in written and out / "2021/send/E02.zip" not in written
    assert [p for p in (out / "2021/send").iterdir() if p.name.startswith(".")] == []




def test_index_links_resolve_in_a_copy_of_the_folder(run, tmp_path):
    copy = tmp_path / "elsewhere" / "kopia"
    shutil.copytree(run["out"], copy)
    parser = Page.read(copy / "index.html")
    hrefs = [h for h, _ in parser.links]
    assert hrefs
    for href in hrefs:
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|/|\\)", href, re.IGNORECASE), href  # relative
        assert (copy / unquote(href)).is_file(), href
    linked = {unquote(h) for h in hrefs}
    every_report = {p.relative_to(copy).as_posix() for p in copy.rglob("*.html") if p.name != "index.html"}
    assert every_report <= linked  # every report is listed
    zips = {p.relative_to(copy).as_posix() for p in copy.rglob("send/*.zip")}
    assert zips and zips <= linked
    assert "manifest.json" in linked


def test_index_in_swedish_with_codes_only_and_provenance(run):
    page = (run["out"] / "index.html").read_text(encoding="utf-8")
    parser = Page(page)
    assert page.index("<h2>2021</h2>") < page.index("<h2>2020</h2>")
    for heading in ("Kalibrering", "Jurypaket per tävlingsklass", "Återkoppling till examinatorerna",
                    "Examinatorsutbildning – deltagarna", "grund", "Att skicka ut"):
        assert heading in [text for _, text in parser.headings], heading
    texts = dict(parser.links)
    assert texts["2021/examiners/E02.html"] == "Återkoppling – E02"  # by code only
    assert texts["2021/jury-forskola.html"] == "Jurypaket – Förskola"  # the class's Swedish label
    assert texts["2021/training/grund/T01.html"] == "Deltagare grund, T01"
    assert texts["2021/send/jury.zip"] == "Juryn (alla jurypaket)"
    assert "Testsson" not in page  # names never reach the index
    sha = hashlib.sha256((run["data"] / "2021/scores.csv").read_bytes()).hexdigest()
    assert f"<code>2021/scores.csv</code> <code class=\"sha\">{sha[:12]}</code>" in page
    # inputs shared by a group are shown once above it (jury, examiner, trainee groups of both
    # years); a group of one report shows them in its row
    assert page.count("Källdata för alla rapporter nedan") == 2 * 3
    # the notebooks are named once, at the top: the page is for the administrator
    assert "(notebook)" not in page and not [h for h, _ in parser.links if h.endswith(".ipynb")]
    assert page.count(".ipynb") == 1
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+[+-]\d\d:\d\d">\d{4}-\d\d-\d\d \d\d:\d\d</time>',
                     page)
    # the one glossary: every term of scoring.presentation.glossary, defined once, at the end
    assert "Ordlista" in [text for _, text in parser.headings]
    for t in glossary.TERMS.values():
        assert page.count(escape(t.definition)) == 1, t.name


def test_manifest_is_for_the_administrator_only(run):
    made = json.loads((run["out"] / "manifest.json").read_text(encoding="utf-8"))
    assert made["format"] == 1
    assert len(made["reports"]) == len(run["result"].reports)
    for z in (run["out"] / "2021/send").glob("*.zip"):
        with zipfile.ZipFile(z) as f:
            assert all(n.endswith(".html") or n == CONTENTS for n in f.namelist())  # no manifest, no notebook


def test_pdfs_are_scanned_before_anything_is_published(run, tmp_path, monkeypatch):
    """With ``pdf=True`` the PDF is printed in the worker and guarded with the HTML and notebook.

    The printer here is a stand-in for ``scoring.reports.pdf.print_pdf`` (headless Chromium,
    tested with the browser tests) that writes a PDF naming E03 into E01's report.
    """
    import sys
    import types

    printed = []

    def print_pdf(html, pdf):
        code = re.search(r"Rapport för (\w+)", Path(html).read_text(encoding="utf-8"))[1]
        Path(pdf).write_bytes(one_page_pdf(f"Jämfört med {'E03' if code == 'E01' else code}"))
        printed.append(code)
        return Path(pdf)

    monkeypatch.setitem(sys.modules, "scoring.reports.pdf", types.SimpleNamespace(print_pdf=print_pdf))
    out = tmp_path / "out"
    result = run_reports([2021], kinds="examiner", names={"examiner": list(EXAMINERS)}, data_dir=run["data"],
                         out_dir=out, notebooks_dir=run["root"] / "notebooks", progress=False,
                         timeout=120, pdf=True, bundle=True)
    assert sorted(printed) == list(EXAMINERS)
    assert [(f.name, f.message.split(":")[0]) for f in result.failures] == [("E01", "privacy")]
    assert "2021/examiners/E01.pdf: PDF page 1: names E03" in result.failures[0].message
    assert sorted(p.name for p in (out / "2021/examiners").iterdir()) == [
        "E02.html", "E02.ipynb", "E02.pdf", "E03.html", "E03.ipynb", "E03.pdf"]
    assert sorted(result.pdfs) == [out / "2021/examiners/E02.pdf", out / "2021/examiners/E03.pdf"]
    with zipfile.ZipFile(out / "2021/send/E02.zip") as z:
        assert z.namelist() == ["2021-examiners-E02.html", "2021-examiners-E02.pdf"]
    # issue 18: the index links each PDF made with its report (76 PDFs were not linked)
    links = Page.read(out / "index.html").links
    assert [(h, t) for h, t in links if h.endswith(".pdf")] == [("2021/examiners/E02.pdf", "PDF"),
                                                                ("2021/examiners/E03.pdf", "PDF")]
    # made again, changed, without --pdf: the PDF beside it is of the earlier version, and not linked
    changed = tmp_path / "changed"
    changed.mkdir()
    _notebook(changed / "examiner_feedback.ipynb", 'year = 2024\ndata_dir = ""\nexaminer_id = ""',
              "examiner_id + ' igen'")
    again = run_reports([2021], kinds="examiner", names={"examiner": ["E02"]}, data_dir=run["data"], out_dir=out,
                        notebooks_dir=changed, progress=False, timeout=120)
    assert again.ok, again.failures
    page = (out / "index.html").read_text(encoding="utf-8")
    assert [h for h, _ in Page(page).links if h.endswith(".pdf")] == ["2021/examiners/E03.pdf"]
    row = re.search(r'<tr><td><a href="2021/examiners/E02.html">.*?</tr>', page)[0]
    assert "PDF:en bredvid hör inte till den här versionen" in row


def test_two_sessions_numbering_from_t01_never_share_a_zip(tmp_path):
    """Issue 15: two sessions that both number from T01 put both T03 pages into send/T03.zip.
    A trainee's zip is keyed by session and code."""
    from dataclasses import replace

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "training_trainee.ipynb", 'year = 2024\ndata_dir = ""\nsession = ""\ntrainee_id = ""',
              "session + ' ' + trainee_id")
    data = tmp_path / "data"
    (data / "2024").mkdir(parents=True)
    shutil.copy(RUBRIC_PATH, data / "rubric.toml")
    (data / "2024" / "scores.csv").write_text("year,entry_id,examiner_id,criterion,score\n2024,B1,E01,staff,50\n",
                                              encoding="utf-8")
    kind = replace(TRAINEE_KIND, names=lambda year, data_dir: ["grund/T03", "fort/T03"],
                   people=lambda data_dir: {"T03": privacy.Person("T03")})
    out = tmp_path / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(REPORT_KINDS, "trainee", kind)
        result = run_reports([2024], kinds="trainee", data_dir=data, out_dir=out, notebooks_dir=nbs, bundle=True,
                             progress=False, timeout=120)
    assert result.ok, result.failures
    send = out / "2024" / "send"
    assert sorted(p.name for p in send.glob("*.zip")) == ["fort-T03.zip", "grund-T03.zip"]
    for session in ("grund", "fort"):
        with zipfile.ZipFile(send / f"{session}-T03.zip") as z:
            assert z.namelist() == [f"2024-training-{session}-T03.html"]


def test_the_index_says_who_has_not_handed_in(tmp_path):
    """Issue 20: under a year with a team plan, the index lists who to remind and what is missing."""
    from demo_copy import demo_copy

    from scoring.data.register import hand_in_status
    from scoring.reports.index import _hand_ins
    from scoring.rubric import load_rubric

    data = demo_copy(tmp_path / "data", (2024,), training=False)
    status = hand_in_status(2024, data, load_rubric())
    html = _hand_ins(data, 2024)
    done = int((status["status"] == "done").sum())
    assert f"{done} av {len(status)} examinatorer har lämnat in allt enligt lagplanen." in html
    assert "<li>E64: saknar 2024-18</li>" in html  # the demo's planted gap
    (data / "2024" / "assignments.csv").unlink()
    assert _hand_ins(data, 2024) == ""  # no plan, nothing to say


def _rows(page: str) -> dict[str, str]:
    """Each report row of the index: its link, and the text of its Källdata cell."""
    rows = re.findall(r'<tr><td><a href="([^"]+\.html)">.*?</td><td>.*?</td><td>(.*?)</td></tr>', page, re.DOTALL)
    return {href: re.sub(r"<[^>]+>", "", cell).strip() for href, cell in rows}


def test_every_row_says_its_data_and_the_same_files_read_the_same(run):
    """Issue 18: Källdata was empty for every row of a group whose inputs were listed above it,
    and read "27 filer" in one row, nothing in the next. Now every row names the count, and rows
    made from the same files say the same (the files themselves are listed once)."""
    page = (run["out"] / "index.html").read_text(encoding="utf-8")
    made = manifest.load(run["out"])["reports"]
    rows = _rows(page)
    assert sorted(rows) == sorted(made)
    assert [h for h, cell in rows.items() if not cell] == []
    said: dict[tuple, set[str]] = {}
    for href, cell in rows.items():
        files = tuple((i["file"], i["sha256"]) for i in made[href]["inputs"])
        n = len(files)
        assert re.match(rf"{n} {'fil' if n == 1 else 'filer'}\b", cell), (href, cell)
        said.setdefault(files, set()).add(cell.split(" i ")[0].split(",")[0])
    assert all(len(words) == 1 for words in said.values()), said
    assert page.count("1 fil, samma som ovan") == len(rows) - 2  # all but the calibration report of each year


def test_each_year_folds_the_newest_open(run):
    """Issue 18: a <details> per year, no script needed (the page's CSP forbids scripts)."""
    page = (run["out"] / "index.html").read_text(encoding="utf-8")
    years = re.findall(r'<section id="ar-(\d{4})"><details class="year"( open)?><summary><h2>(\d{4})</h2></summary>',
                       page)
    assert years == [("2021", " open", "2021"), ("2020", "", "2020")]
    assert page.count("<details class=\"year\"") == 2 and "<script" not in page
    assert page.index("</details></section>") < page.index('<section id="ar-2020">')
    assert page.index('<section id="ordlista">') > page.rindex("</details></section>")  # the glossary: last


def test_blind_packs_made_later_go_into_the_jury_zip(run, tmp_path):
    """Issue 18: blind packs made after the jury's zip (a run with --blind, without --bundle) were
    not in it, and nothing said so. The run makes the zip again; the zip and the index list them."""
    from dataclasses import replace

    from scoring.reports.privacy import Forbidden

    out = tmp_path / "reports"
    shutil.copytree(run["out"], out)
    blind = Blind(suffix="-blind", context=", anonymiserat", label=" (anonymiserat)",
                  forbidden=lambda year, data_dir: Forbidden())  # the stand-in data has no entries.csv
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(REPORT_KINDS, "trainee", TRAINEE_KIND)
        mp.setitem(REPORT_KINDS, "jury", replace(REPORT_KINDS["jury"], blind=blind))
        result = run_reports([2021], kinds="jury", names={"jury": list(CLASSES)}, data_dir=run["data"], out_dir=out,
                             notebooks_dir=run["root"] / "notebooks", blind=True, progress=False, timeout=120)
        assert result.ok, result.failures
        assert out / "2021/send/jury.zip" in result.bundles
        assert result.notes == ["2021 send: made again, as this run changed what they hold: jury.zip"]
        packs = [f"2021-jury-{c}{b}.html" for c in CLASSES for b in ("-blind", "")]
        with zipfile.ZipFile(out / "2021/send/jury.zip") as z:
            assert z.namelist() == [CONTENTS, *packs]
            listing = z.read(CONTENTS).decode("utf-8-sig")
        assert "2021-jury-skola-blind.html: Jurypaket – Skola (anonymiserat), gjord " in listing
        page = (out / "index.html").read_text(encoding="utf-8")
        send = page[page.index("<h3>Att skicka ut</h3>"):]
        assert "innehåller 4 filer" in send
        assert "<li>Jurypaket – Förskola (anonymiserat)</li><li>Jurypaket – Förskola</li>" in send
        assert "Inaktuell" not in page and out_of_date(out, 2021) == []


def test_the_index_says_which_zip_is_out_of_date(run, tmp_path):
    """A pack made again, and an examiner's report with no zip yet, after the last run that zipped."""
    out = tmp_path / "reports"
    shutil.copytree(run["out"], out)
    for rel, kind, name in (("2021/jury-skola.html", "jury", "skola"), ("2021/examiners/E04.html", "examiner",
                                                                         "E04")):
        html = out / rel
        html.write_text(f"<html>{name} igen</html>", encoding="utf-8")
        manifest.record(out, run["data"], [manifest.Made(
            html=html, ipynb=html.with_suffix(".ipynb"), year=2021, kind=kind, name=name,
            parameters={"year": 2021}, seconds=1.0, finished=time.time(), inputs=())])
    assert out_of_date(out, 2021) == ["E04.zip", "jury.zip"]
    assert out_of_date(out, 2020) == []
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(REPORT_KINDS, "trainee", TRAINEE_KIND)
        page = write_index(out, data_dir=run["data"]).read_text(encoding="utf-8")
    after = dict(re.findall(r'<li><a href="2021/send/([^"]+)">[^<]*</a>((?:\s*<details class="holds">.*?</details>)?'
                            r'.*?)</li>', page))
    assert sorted(after) == ["E01.zip", "E02.zip", "E03.zip", "grund-T01.zip", "grund-T02.zip", "jury.zip"]
    assert [z for z, item in after.items() if "Inaktuell" in item] == ["jury.zip"]
    assert after["jury.zip"].endswith('<strong class="stale">Inaktuell: gör om den med <code>scoring report --year '
                                      '2021 --bundle</code>.</strong>')
    assert "<p>1 rapport saknar zip-fil: gör dem med <code>scoring report --year 2021 --bundle</code>.</p>" in page
