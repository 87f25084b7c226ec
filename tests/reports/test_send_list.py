"""Who was sent what (issue 21, point 6): the send list ``data/<year>/utskick.csv`` and the guard that
keeps every name and address of the private ``data/people.csv`` out of every published file.

Whole runs of stand-in notebooks (as in ``test_index.py``: much faster than real reports) with a
``people.csv`` beside the data: the send list names every zip's person with the zip's checksum, a
run made again marks exactly the zips that changed, and no published file holds anything from
``people.csv``; a run whose reports print a person's name (in spellings the name matcher knows)
or address fails, naming the file and the word, and publishes none of them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
from published import published_findings

from scoring.names import Matcher, name_forms
from scoring.paths import RUBRIC_PATH
from scoring.problems import InputError
from scoring.reports import REPORT_KINDS, ReportKind, manifest, privacy, run_reports
from scoring.reports.audience import contacts, forbidden_for, withdraw_naming_contacts
from scoring.reports.bundle import CONTENTS, SEND_LIST, SEND_LIST_COLUMNS, write_send_list

YEARS = (2020, 2021)
EXAMINERS = ("E01", "E02", "E03")
TRAINEES = ("T01", "T02")
CLASSES = ("forskola", "skola")
#: E03 has no row: its zips are listed without name and address
PEOPLE = [
    ("E01", "Tekla Vinterskog", "tekla.vinterskog@example.org"),
    ("E02", "Alrik Ödmark", "alrik.odmark@example.org"),
    ("grund/T01", "Agda Myrbäck", "agda.myrback@example.org"),
    ("grund/T02", "Hjalmar Lommeby", "hjalmar.lommeby@example.org"),
    ("2021/grund/T02", "Gunvor Ormåker", "gunvor.ormaker@example.org"),  # 2021's T02, not 2020's
    ("B1", "Isidor Näverlund", "isidor.naverlund@example.org"),  # the unit's contact
    ("jury", "Signhild Tjärnkvist", "jury.sekreterare@example.org"),
]

TRAINEE_KIND = ReportKind(
    name="trainee", notebook="training_trainee.ipynb", output="training/{name}", label="Deltagare {label}",
    noun="trainee pages", per="trainee", parameter=("session", "trainee_id"),
    section="Examinatorsutbildning – deltagarna", private=True,
    names=lambda year, data_dir: [f"grund/{code}" for code in TRAINEES],
    people=lambda data_dir: {c: privacy.Person(c) for c in TRAINEES},
)

BODY = """\
import os
scores = open(os.path.join(data_dir, str(year), "scores.csv"), encoding="utf-8").read()
print("Rapport för", WHO, year, "rader:", len(scores.splitlines()))
EXTRA"""


def _notebook(path: Path, parameters: str, who: str, extra: str = "") -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Testrapport"), params,
                nbformat.v4.new_code_cell(BODY.replace("WHO", who).replace("EXTRA", extra))]
    nbformat.write(nb, path)


def _notebooks(folder: Path, extra: dict[str, str] | None = None) -> Path:
    """Stand-ins of the calibration report, the jury packs, examiner feedback and trainee pages;
    ``extra``: code a notebook runs besides (by file name)."""
    extra = extra or {}
    folder.mkdir(parents=True)
    base = 'year = 2024\ndata_dir = ""'
    for name, params, who in (("calibration_report.ipynb", base, "'alla'"),
                              ("jury_pack.ipynb", base + '\nclass_id = ""', "class_id"),
                              ("examiner_feedback.ipynb", base + '\nexaminer_id = ""', "examiner_id"),
                              ("training_trainee.ipynb", base + '\nsession = ""\ntrainee_id = ""', "trainee_id")):
        _notebook(folder / name, params, who, extra.get(name, ""))
    return folder


def _data(folder: Path, people=PEOPLE) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(RUBRIC_PATH, folder / "rubric.toml")
    for year in YEARS:
        (folder / str(year)).mkdir()
        rows = [f"{year},B1,{c},staff,50" for c in EXAMINERS]
        (folder / str(year) / "scores.csv").write_text(
            "year,entry_id,examiner_id,criterion,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    if people is not None:
        _write_people(folder, people)
    return folder


def _write_people(data: Path, rows) -> None:
    with open(data / "people.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([("code", "name", "email"), *rows])


def _run(data: Path, out: Path, notebooks: Path, years=YEARS, kinds="all", names=None, bundle=True):
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(REPORT_KINDS, "trainee", TRAINEE_KIND)
        return run_reports(list(years), kinds=kinds, data_dir=data, out_dir=out, notebooks_dir=notebooks,
                           names=names or {"jury": list(CLASSES), "examiner": list(EXAMINERS)}, bundle=bundle,
                           progress=False, timeout=120)


def _send_list(data: Path, year: int) -> list[dict]:
    with open(data / str(year) / SEND_LIST, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("send")
    notebooks = _notebooks(root / "notebooks")
    data = _data(root / "data")
    out = root / "reports"
    result = _run(data, out, notebooks)
    return {"root": root, "data": data, "out": out, "notebooks": notebooks, "result": result}


# ------------------------------------------------------------------ the send list


def test_the_run_succeeds_and_reads_people_csv_in_no_report(run):
    result = run["result"]
    assert result.ok, result.failures
    assert len(result.reports) == len(YEARS) * (1 + len(CLASSES) + len(EXAMINERS) + len(TRAINEES))
    for rel, info in manifest.entries(run["out"]).items():
        assert info["inputs"], rel
        assert all("people.csv" not in i["file"] for i in info["inputs"]), rel


def test_the_send_list_names_every_zip_s_person_and_checksum(run):
    out, data = run["out"], run["data"]
    people = {code: (name, email) for code, name, email in PEOPLE}
    for year in YEARS:
        path = data / str(year) / SEND_LIST
        assert path.read_bytes().startswith(b"\xef\xbb\xbfzip,code,name,email,sha256,made,changed\n")
        rows = _send_list(data, year)
        assert list(rows[0]) == list(SEND_LIST_COLUMNS)
        zips = sorted(p.relative_to(out).as_posix() for p in (out / str(year) / "send").glob("*.zip"))
        assert [r["zip"] for r in rows] == zips and len(zips) == len(EXAMINERS) + len(TRAINEES) + 1
        expected = {f"{year}/send/{c}.zip": c for c in EXAMINERS}
        expected |= {f"{year}/send/grund-{t}.zip": f"grund/{t}" for t in TRAINEES}
        expected[f"{year}/send/jury.zip"] = "jury"
        for r in rows:
            code = expected[r["zip"]]
            assert r["code"] == code
            person = people.get(f"{year}/{code}") or people.get(code) or ("", "")
            assert (r["name"], r["email"]) == person, r
            assert r["sha256"] == hashlib.sha256((out / r["zip"]).read_bytes()).hexdigest()
            assert datetime.fromisoformat(r["made"]).tzinfo is not None
            assert r["changed"] == "ja"  # every zip is new
    # 2021's T02 is the year's own row; 2020's the row without a year
    assert {r["code"]: r["name"] for r in _send_list(data, 2021)}["grund/T02"] == "Gunvor Ormåker"
    assert {r["code"]: r["name"] for r in _send_list(data, 2020)}["grund/T02"] == "Hjalmar Lommeby"


def test_a_zip_without_a_person_is_listed_and_named_in_the_summary(run):
    for year in YEARS:
        row = next(r for r in _send_list(run["data"], year) if r["code"] == "E03")
        assert (row["name"], row["email"]) == ("", "")
        assert any(n.startswith(f"{year} send: {year}/send/E03.zip: E03 has no row in ") for n in run["result"].notes)
    assert len(run["result"].notes) == len(YEARS)  # nothing else to say


def test_a_rerun_marks_exactly_the_changed_zips(run, tmp_path):
    data, out = tmp_path / "data", tmp_path / "reports"
    shutil.copytree(run["data"], data)
    shutil.copytree(run["out"], out)
    first = {r["zip"]: r for r in _send_list(data, 2021)}
    before_2020 = (data / "2020" / SEND_LIST).read_bytes()
    with open(data / "2021/scores.csv", "a", encoding="utf-8") as f:  # E02's page will say one row more
        f.write("2021,B2,E02,staff,60\n")
    result = _run(data, out, run["notebooks"], years=[2021], kinds="examiner", names={"examiner": ["E02"]})
    assert result.ok, result.failures
    assert [p.name for p in result.reports] == ["E02.html"]
    again = {r["zip"]: r for r in _send_list(data, 2021)}
    assert set(again) == set(first)
    assert {z for z, r in again.items() if r["changed"] == "ja"} == {"2021/send/E02.zip"}
    for z, r in again.items():
        assert r["sha256"] == hashlib.sha256((out / z).read_bytes()).hexdigest()
        if z != "2021/send/E02.zip":
            assert r == {**first[z], "changed": "nej"}  # same checksum, made when first made
    assert again["2021/send/E02.zip"]["sha256"] != first["2021/send/E02.zip"]["sha256"]
    assert again["2021/send/E02.zip"]["made"] >= first["2021/send/E02.zip"]["made"]
    assert (data / "2020" / SEND_LIST).read_bytes() == before_2020  # a year not in the run is left as it is


def test_a_run_without_bundle_makes_the_zips_it_changed_again(run, tmp_path):
    """Issue 18: a report made again after the zips were made (here without --bundle) left its zip
    holding the old version. The run makes the year's zips again, and the send list marks the one
    that changed; a year the run did not touch is left as it is."""
    data, out = tmp_path / "data", tmp_path / "reports"
    shutil.copytree(run["data"], data)
    shutil.copytree(run["out"], out)
    first = {r["zip"]: r for r in _send_list(data, 2021)}
    before_2020 = _snapshot(out / "2020" / "send")
    with open(data / "2021/scores.csv", "a", encoding="utf-8") as f:  # E02's page will say one row more
        f.write("2021,B2,E02,staff,60\n")
    result = _run(data, out, run["notebooks"], years=[2021], kinds="examiner", names={"examiner": ["E02"]},
                  bundle=False)
    assert result.ok, result.failures
    assert result.notes[0] == "2021 send: made again, as this run changed what they hold: E02.zip"
    with zipfile.ZipFile(out / "2021/send/E02.zip") as z:
        assert z.read("2021-examiners-E02.html") == (out / "2021/examiners/E02.html").read_bytes()
    again = {r["zip"]: r for r in _send_list(data, 2021)}
    assert {z for z, r in again.items() if r["changed"] == "ja"} == {"2021/send/E02.zip"}
    assert set(again) == set(first)
    assert _snapshot(out / "2020" / "send") == before_2020
    # nothing changed since: a run without --bundle leaves the zips alone
    stamp = {p: p.stat().st_mtime_ns for p in (out / "2021/send").iterdir()}
    result = _run(data, out, run["notebooks"], years=[2021], kinds="calibration", bundle=False)
    assert result.ok and result.notes == [] and result.bundles == []
    assert {p: p.stat().st_mtime_ns for p in (out / "2021/send").iterdir()} == stamp


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_no_people_csv_no_send_list(run, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(run["data"], data)
    (data / "people.csv").unlink()
    zips = sorted((run["out"] / "2021/send").glob("*.zip"))
    (data / "2021" / SEND_LIST).unlink()
    assert write_send_list(run["out"], 2021, data, zips) == (None, [], [])
    assert not (data / "2021" / SEND_LIST).exists()
    sent = write_send_list(run["out"], 2020, data, sorted((run["out"] / "2020/send").glob("*.zip")))
    assert sent.path is None and "2020/utskick.csv from an earlier run is still there" in sent.notes[0]


def test_people_csv_with_errors_writes_no_send_list(run, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(run["data"], data)
    _write_people(data, [*PEOPLE, ("E01", "Tekla Granlöf", "tekla.granlof@example.org")])
    before = (data / "2021" / SEND_LIST).read_bytes()
    sent = write_send_list(run["out"], 2021, data, sorted((run["out"] / "2021/send").glob("*.zip")))
    assert sent.path is None and len(sent.failures) == 1
    assert "people.csv has errors: " in sent.failures[0]
    assert f"people.csv:{len(PEOPLE) + 2}: code: code 'E01' is already on line 2" in sent.failures[0]
    assert (data / "2021" / SEND_LIST).read_bytes() == before


def test_a_trainee_row_without_a_year_is_noted_when_the_session_comes_back(run, tmp_path):
    """``grund/T01`` names a trainee of every year with a session ``grund``: the run says so."""
    data = tmp_path / "data"
    shutil.copytree(run["data"], data)
    for year in YEARS:
        (data / str(year) / "training" / "grund").mkdir(parents=True)
    sent = write_send_list(run["out"], 2021, data, sorted((run["out"] / "2021/send").glob("*.zip")))
    about = [n for n in sent.notes if "without a year" in n]
    assert len(about) == 1 and about[0].startswith("2021/send/grund-T01.zip: ")  # T02 has 2021's own row
    assert "write 2021/grund/T01 to be sure" in about[0]


# ------------------------------------------------------------------ nothing of people.csv in any published file


def _published_findings(out: Path, data: Path) -> list[str]:
    return published_findings(out, data / "people.csv")


def test_nothing_from_people_csv_is_in_any_published_file(run):
    out = run["out"]
    kinds = {p.suffix for p in out.rglob("*") if p.is_file()}
    assert {".html", ".ipynb", ".zip", ".json"} <= kinds
    assert _published_findings(out, run["data"]) == []


def test_the_whole_run_check_can_fail(run, tmp_path):
    """The check above finds a name planted in a copy, as a reader would write it, inside a zip too."""
    out = tmp_path / "reports"
    shutil.copytree(run["out"], out)
    page = out / "2021/calibration.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</main>", "<p>VINTERSKOGS</p></main>"),
                    encoding="utf-8")
    with zipfile.ZipFile(out / "2021/send/E02.zip", "a") as z:
        z.writestr("note.txt", "Skicka till ALRIK.ODMARK@EXAMPLE.ORG")
    found = _published_findings(out, run["data"])
    assert any("2021/calibration.html" in f and "Tekla Vinterskog" in f for f in found)
    assert any("E02.zip!note.txt" in f and "alrik.odmark@example.org" in f.casefold() for f in found)


# ------------------------------------------------------------------ the guard refuses a report naming a person

LEAKS = {
    # the calibration report: a name in the genitive, in capitals
    "calibration_report.ipynb": 'print("Kontaktperson:", "TEK" + "LA VINTER" + "SKOGS" if year == 2021 else "ingen")',
    # a jury pack: the surname alone, inflected, with an accent and a zero-width space
    "jury_pack.ipynb": 'print("Enligt", "Ödmar\\u200bkens" if class_id == "skola" else "ingen", "plan")',
    # an examiner's page: an address in a link, escaped as a URL
    "examiner_feedback.ipynb": ('from IPython.display import HTML\n'
                                'if examiner_id.endswith("1"):\n'
                                '    display(HTML("<a href=\'mailto:Ag" + "da.Myr" + "back%40Example.org\'>"\n'
                                '                 "skriv</a>"))'),
}


@pytest.fixture(scope="module")
def leaky(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaky")
    notebooks = _notebooks(root / "notebooks", LEAKS)
    data = _data(root / "data")
    out = root / "reports"
    result = _run(data, out, notebooks, years=[2021])
    return {"data": data, "out": out, "result": result}


def test_a_report_naming_a_person_fails_naming_the_file_and_the_word(leaky):
    failures = {(f.kind, f.name): f.message for f in leaky["result"].failures}
    assert set(failures) == {("calibration", None), ("jury", "skola"), ("examiner", "E01")}, failures
    assert failures["calibration", None].startswith("privacy: names Tekla Vinterskog: 2021/calibration.")
    assert "Kontaktperson: TEKLA VINTERSKOGS" in failures["calibration", None]
    assert failures["jury", "skola"].startswith("privacy: names Alrik Ödmark: 2021/jury-skola.")
    assert "the report was withdrawn" in failures["jury", "skola"]
    # the address, and the name in its first part
    assert failures["examiner", "E01"].startswith("privacy: names Agda Myrbäck, agda.myrback@example.org: "
                                                  "2021/examiners/E01.")


def test_a_report_naming_a_person_is_not_published(leaky):
    out = leaky["out"]
    for gone in ("2021/calibration", "2021/jury-skola", "2021/examiners/E01"):
        assert not any(out.glob(f"{gone}.*")), gone
        assert f"{gone}.html" not in manifest.entries(out)
        assert f"{gone}.html" not in (out / "index.html").read_text(encoding="utf-8")
    assert (out / "2021/jury-forskola.html").is_file() and (out / "2021/examiners/E02.html").is_file()
    with zipfile.ZipFile(out / "2021/send/jury.zip") as z:
        assert z.namelist() == [CONTENTS, "2021-jury-forskola.html"]
    listed = {r["zip"] for r in _send_list(leaky["data"], 2021)}
    assert "2021/send/E01.zip" not in listed and "2021/send/E02.zip" in listed
    assert {p.name for p in leaky["result"].reports} == {"jury-forskola.html", "E02.html", "E03.html", "T01.html",
                                                         "T02.html"}
    assert _published_findings(out, leaky["data"]) == []


def test_a_people_csv_that_cannot_be_read_publishes_nothing_unchecked(tmp_path):
    """Fail closed: with a ``people.csv`` the guard cannot read, no private report is made, the
    others are withdrawn, no zip and no send list is written; each failure names the file."""
    root = tmp_path
    notebooks = _notebooks(root / "notebooks")
    data = _data(root / "data")
    (data / "people.csv").write_bytes(b"\x00\x01" * 200)
    out = root / "reports"
    result = _run(data, out, notebooks, years=[2021], kinds=["calibration", "examiner"])
    failures = {(f.kind, f.name): f.message for f in result.failures}
    assert set(failures) == {("examiner", None), ("calibration", None)}, failures
    assert all("people.csv" in m for m in failures.values())
    assert "could not be checked against" in failures["calibration", None]
    assert result.reports == [] and not list(out.glob("2021/**/*.html"))
    assert not (data / "2021" / SEND_LIST).exists()


# ------------------------------------------------------------------ the guard's parts


def test_contacts_and_forbidden_for(run, tmp_path):
    everyone = contacts(run["data"])
    assert everyone.names == {n for _, n, _ in PEOPLE} and everyone.emails == {e for _, _, e in PEOPLE}
    own = forbidden_for("E01", run["data"])
    # reports hold codes only: even one's own name and address are forbidden
    assert "Tekla Vinterskog" in own.names and "tekla.vinterskog@example.org" in own.emails
    assert "E02" in own.codes and "E01" not in own.codes
    assert not contacts(tmp_path)  # no people.csv: nothing to look for
    (tmp_path / "people.csv").write_text("code;namn\nE01;Tekla\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'name'"):
        forbidden_for("E01", tmp_path)


@pytest.mark.parametrize("text", [
    "Tekla Vinterskog", "TEKLA VINTERSKOG", "tekla  vinterskog", "Tekla-Vinterskog", "Vinterskogs", "Vinterskogen",
    "Vínterskog", "Ｖｉｎｔｅｒｓｋｏｇ", "Vinter\u200bskog", "Teklas", "tekla.vinterskog@example.org",
    "TEKLA.VINTERSKOG@EXAMPLE.ORG", "jury.sekreterare@example.org", "Ödmarks", "Odmark",
])
def test_the_guard_finds_every_spelling(text):
    forbidden = privacy.Forbidden(names=[n for _, n, _ in PEOPLE], emails=[e for _, _, e in PEOPLE])
    assert [t for t, _, _ in forbidden.search(f"Det var {text}, inte någon annan.")], text


@pytest.mark.parametrize("text", ["Vinterskogsskolan", "Teklaskolan", "Vinter skog", "jury.sekreterare", "E01"])
def test_the_guard_does_not_find_other_words(text):
    forbidden = privacy.Forbidden(names=[n for _, n, _ in PEOPLE], emails=[e for _, _, e in PEOPLE])
    assert list(forbidden.search(f"Det var {text}.")) == []


def test_how_short_and_common_words_of_a_name_are_treated():
    """A word of a name is looked for alone from four letters up, as a whole word with a Swedish
    ending: why the demo's names are unusual ones (a real "Berg" stops a page about "Berget")."""
    short = privacy.Forbidden(names=["Bo Ek"])
    assert [t for t, _, _ in short.search("Bo Ek och Bo  ek")] == ["Bo Ek", "Bo Ek"]
    assert list(short.search("Eken vid Ekbacken, bo där")) == []
    berg = privacy.Forbidden(names=["Ingrid Berg"])
    assert len(list(berg.search("Berget, Bergs och Ingrid"))) == 3
    assert list(berg.search("Bergsskolan och Ingridskolan")) == []


def test_the_guard_finds_what_the_matcher_finds():
    """Looking only for the terms whose first word is in the text changes nothing the matcher finds."""
    names = [n for _, n, _ in PEOPLE] + ["Förskolan Solrosen (fiktiv)", "Spånga–Tensta"]
    codes = ["E01", "E-07", "</table>", "T03"]
    forbidden = privacy.Forbidden(codes=codes, names=names)
    plain = Matcher(codes=codes, names={f: n for n in sorted(names) for f in name_forms(n)})
    texts = ["E01s och e-07 i </table>, Solrosens gård", "SPÅNGA-TENSTA: Tekla Vinterskogs och T03:s",
             "Förskolan Solrosen (fiktiv) och Agda", "ingenting här", "Hjalmar\u00a0Lommebys E070 TE01"]
    for text in texts:
        assert [(t, a, b) for t, a, b in forbidden.search(text)] == [
            (str(v), a, b) for a, b, _, v in plain.find(text)], text
    assert all(list(forbidden.search(t)) for t in texts[:3])


def test_unreadable_people_csv_withdraws_what_it_cannot_check(run, tmp_path):
    """Fail closed: reports published while people.csv cannot be read are withdrawn."""
    out, data = tmp_path / "reports", tmp_path / "data"
    shutil.copytree(run["out"], out)
    shutil.copytree(run["data"], data)
    (data / "people.csv").write_bytes(b"\x00\x01" * 200)
    reports = [out / "2021/calibration.html", out / "2021/jury-skola.html"]
    withdrawn = withdraw_naming_contacts(out, reports, data)
    assert [(w.kind, w.name) for w in withdrawn] == [("calibration", None), ("jury", "skola")]
    assert all("could not be checked against" in w.message for w in withdrawn)
    assert not any(p.exists() for r in reports for p in (r, r.with_suffix(".ipynb")))
    made = json.dumps(manifest.entries(out))
    assert "2021/calibration.html" not in made and "2021/jury-forskola.html" in made


def test_clean_reports_are_not_withdrawn(run, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(run["out"], out)
    assert withdraw_naming_contacts(out, sorted(out.rglob("*.html")), run["data"]) == []
