"""Training reports through ``scoring report``: the trainer's report and every trainee's page.

One module-scoped run of both notebooks (Papermill, through ``run_reports``, as
``scoring report --kind training`` does) on a copy of the demo's 2024 session, plus one
more trainee who handed in a CSV whose code and comment hold markup. Checked: where the
files go, that title and first heading name the year, the session and the trainee, that
text from the data shows literally, the index, and privacy: for every trainee, no file
written for them (the HTML page, the executed notebook with Papermill's metadata, the
figures' PNG text chunks) holds another trainee's code.

The privacy scan is the runner's own guard, :mod:`scoring.reports.privacy`: codes match as
whole tokens, HTML is read as text, attributes and comments with entities decoded, and
images are read from their decoded bytes (PNG text chunks), never from their base64 text.
"""

from __future__ import annotations

import base64
import csv
import json
import shutil
import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from html_page import Page

from scoring.kinds import REPORT_KINDS
from scoring.kinds.training import session as training
from scoring.paths import DATA_DIR
from scoring.reports import expand_kinds, privacy, run_reports

YEAR = 2024
SESSION = "grundutbildning"
#: One more trainee (a CSV hand-in): the validator accepts a code without spaces or "@".
HOSTILE_CODE = "T-99_x"  # a valid code, unusual (codes are identifiers: markup in one is refused, below)
MARKUP_CODE = "<b>T98</b>"
HOSTILE_COMMENT = "<img src=x onerror=\"document.title='XSS'\"> **fett** [länk](http://example.com) $x^2$ </table> 🌻"


# ---------------------------------------------------------------------------------------
# the privacy scan
def other_codes_in(files: list[Path], codes: set[str]) -> list[str]:
    """Every occurrence of one of ``codes`` in ``files`` (empty when there is none)."""
    return [str(f) for f in privacy.scan(files, privacy.Forbidden(codes=set(codes)))]


def _png_with(title: str, private_bytes: bytes = b"") -> bytes:
    """A real PNG (matplotlib) with ``title`` in a tEXt chunk and optional bytes in a private chunk."""
    from matplotlib.figure import Figure

    buf = BytesIO()
    Figure(figsize=(1, 1)).savefig(buf, format="png", metadata={"Title": title} if title else {"Software": None})
    png = buf.getvalue()
    if private_bytes:
        chunk = b"prVt" + private_bytes
        extra = struct.pack(">I", len(private_bytes)) + chunk + struct.pack(">I", zlib.crc32(chunk))
        png = png[:-12] + extra + png[-12:]  # before IEND
    return png


def test_the_privacy_scan_finds_codes_where_a_reader_could_and_nowhere_else(tmp_path):
    # a code as base64 text of an image is no code: find bytes whose base64 holds "+T07/"
    for pad in range(3):
        png = _png_with("", b"\0" * pad + base64.b64decode("A+T07/AA"))
        if "+T07/" in base64.b64encode(png).decode():
            break
    else:  # pragma: no cover
        raise AssertionError("could not place the code in the base64 text")
    clean = base64.b64encode(png).decode()
    tagged = base64.b64encode(_png_with("Deltagare T07")).decode()

    def page(name: str, body: str) -> Path:
        (tmp_path / name).write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
        return tmp_path / name

    def notebook(name: str, nb: dict) -> Path:
        (tmp_path / name).write_text(json.dumps(nb), encoding="utf-8")
        return tmp_path / name

    def image(png: str) -> dict:
        return {"cells": [{"cell_type": "code", "source": "", "metadata": {},
                           "outputs": [{"output_type": "display_data", "metadata": {}, "data": {"image/png": png}}]}],
                "metadata": {}}

    clean_files = [page("clean.html", f'<p>T070 and XT07 are other codes</p><img src="data:image/png;base64,'
                                      f'{clean}" alt="x">'),
                   notebook("clean.ipynb", image(clean))]
    assert other_codes_in(clean_files, {"T07"}) == []
    # ... but a code escaped in HTML, in an image's text layer or in the notebook's metadata is found
    leaks = [page("escaped.html", "<p>&lt;T07&gt;</p>"),
             page("layer.html", f'<img src="data:image/png;base64,{tagged}" alt="x">'),
             notebook("metadata.ipynb", {**image(clean), "metadata": {"papermill": {"parameters": {"t": "T07"}}}}),
             notebook("layer.ipynb", image(tagged))]
    for leak in leaks:
        assert other_codes_in([leak], {"T07"}), leak.name


# ---------------------------------------------------------------------------------------
# one run of both notebooks
@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("training-reports")
    data = root / "data"
    folder = data / str(YEAR) / "training" / SESSION
    folder.parent.mkdir(parents=True)
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    shutil.copytree(DATA_DIR / str(YEAR) / "training" / SESSION, folder)
    with open(folder / "sent by mail.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "entry_id", "examiner_id", "criterion", "score", "comment"])
        for criterion, score in (("target_group", 60), ("leadership", 70), ("staff", 40)):
            w.writerow([YEAR, f"TRAIN-{YEAR}", HOSTILE_CODE, criterion, score,
                        HOSTILE_COMMENT if criterion == "leadership" else ""])
    with open(folder / "markup code.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["year", "entry_id", "examiner_id", "criterion", "score"])
        w.writerow([YEAR, f"TRAIN-{YEAR}", MARKUP_CODE, "staff", 50])
    session = training.load_session(YEAR, SESSION, data)
    out = root / "reports"
    result = run_reports([YEAR], "training", data_dir=data, out_dir=out, progress=False, workers=2)
    return {"result": result, "out": out, "session": session, "year_dir": out / str(YEAR) / "training",
            "data": data}


def _trainee_files(run, code: str) -> list[Path]:
    html_path = REPORT_KINDS["trainee"].output_html(run["out"], YEAR, f"{SESSION}/{code}")
    return [html_path, html_path.with_suffix(".ipynb")]


@pytest.mark.slow
def test_the_trainers_report_and_one_page_per_trainee(run):
    result, session = run["result"], run["session"]
    assert result.ok, result.failures
    codes = session.trainees
    assert len(codes) == 26 and HOSTILE_CODE in codes  # the demo's 25 and the one above
    trainer = run["year_dir"] / f"{SESSION}.html"
    pages = [_trainee_files(run, c)[0] for c in codes]
    assert sorted(result.produced) == sorted([trainer, *pages])
    assert all(p.is_file() and p.with_suffix(".ipynb").is_file() for p in [trainer, *pages])
    assert MARKUP_CODE not in codes  # refused: a code is an identifier (issue 15)
    refused = next(h for h in session.hand_ins if h.file.endswith("markup code.csv"))
    assert not refused.accepted and [(p.row, p.column) for p in refused.problems if p.is_error] == [(2, "examiner_id")]
    assert "is not a code" in refused.problems[0].message
    left = [p for p in run["out"].rglob("*") if p.name.startswith(".") and p.is_file()]
    assert not left, left
    seconds = sorted(result.durations[p] for p in pages)
    print(f"\ntrainee pages: median {seconds[len(seconds) // 2]:.1f} s, trainer's report "
          f"{result.durations[trainer]:.1f} s (kernel start included)")


@pytest.mark.slow
def test_title_and_first_heading_name_year_session_and_trainee(run):
    trainer = Page.read(run["year_dir"] / f"{SESSION}.html")
    assert SESSION in trainer.title and str(YEAR) in trainer.title
    assert trainer.headings[0][0] == "h1"
    assert trainer.headings[1] == ("h2", "Gruppen mot referensen")  # the group first (issue 18)
    for code in run["session"].trainees:
        page = Page.read(_trainee_files(run, code)[0])
        assert page.title.startswith("Återkoppling från examinatorsutbildningen")
        assert all(x in page.title for x in (SESSION, code, str(YEAR))), page.title
        assert page.headings[1] == ("h2", f"Utbildning {SESSION} {YEAR}: återkoppling till {code}")


@pytest.mark.slow
def test_no_trainee_file_holds_another_trainees_code(run):
    codes = training.trainee_codes(run["data"])  # everyone who handed in
    assert codes == set(run["session"].trainees)
    for code in sorted(codes):
        files = _trainee_files(run, code)
        assert other_codes_in(files, {code}), f"{code}: the scan must find the page's own code"
        assert other_codes_in(files, codes - {code}) == [], code
    # the trainer's report is projected to the room: by default it names no trainee either (issue 18)
    trainer = run["year_dir"] / f"{SESSION}.html"
    assert other_codes_in([trainer, trainer.with_suffix(".ipynb")], codes) == []


@pytest.mark.slow
def test_text_from_the_data_shows_literally(run):
    for path in (_trainee_files(run, HOSTILE_CODE)[0], run["year_dir"] / f"{SESSION}.html"):
        page = Page.read(path)
        assert (HOSTILE_CODE in page.text) == (path.parent.name == SESSION), path.name  # on the trainee's page only
        assert not any(tag in ("b", "a", "script", "link") for tag, _ in page.elements), path.name
        assert not any(k.startswith("on") for _, attrs in page.elements for k in attrs), path.name
        assert all(a["src"].startswith("data:image/png;base64,") and a["alt"] for a in page.images())
    own = Page.read(_trainee_files(run, HOSTILE_CODE)[0])
    assert " ".join(HOSTILE_COMMENT.split()) in own.text
    assert len(own.images()) == 1


@pytest.mark.slow
def test_the_trainee_page_shows_their_scores_against_reference_and_group(run):
    s = run["session"]
    code = "T03"
    page = Page.read(_trainee_files(run, code)[0])
    (alt,) = [a["alt"] for a in page.images()]
    own = s.scores[s.scores["examiner_id"] == code].set_index("criterion")["score"]
    reference = s.reference.set_index("criterion")["score"]
    for criterion in ("target_group", "staff"):
        others = s.scores.loc[(s.scores["criterion"] == criterion) & (s.scores["examiner_id"] != code), "score"]
        mean = f"{others.mean():.1f}".replace(".", ",")
        label = s.rubric.criterion_label(criterion)
        assert f"{label}: du {own[criterion]:.0f}, referens {reference[criterion]:.0f}, övrigas medel {mean}" in alt
    assert "Nivå:" in page.text and "Profil:" in page.text
    # the others appear as means and quartiles only: no spread, lowest or highest
    assert "standardavvikelse" not in page.text and "median" in page.text


@pytest.mark.slow
def test_the_page_says_it_is_the_trainees_alone_in_its_opening(run):
    """Issue 18 (print on at most 2 A4 pages): the privacy sentence is part of the opening, before the
    level and profile, not a section "Om sidan" of its own after the comments."""
    page = Page.read(_trainee_files(run, "T03")[0])
    said = page.text.index("Sidan är bara till dig: de andra visas bara som medelvärden och kvartiler, utan koder")
    assert said < page.text.index("Nivå:")
    assert not any(text == "Om sidan" for _, text in page.headings), page.headings


@pytest.mark.slow
def test_the_index_lists_the_training_reports_under_the_year(run):
    index = Page.read(run["out"] / "index.html")
    links = dict(index.links)
    assert links[f"{YEAR}/training/{SESSION}.html"] == f"Examinatorsutbildning {SESSION} – utbildarens rapport"
    for code in run["session"].trainees:
        assert _trainee_files(run, code)[0].relative_to(run["out"]).as_posix() in links, code
    assert links[f"{YEAR}/training/{SESSION}/T03.html"] == f"Återkoppling efter utbildning {SESSION}, T03"
    assert ("h2", str(YEAR)) in index.headings


# ---------------------------------------------------------------------------------------
# without running notebooks
def test_kind_training_makes_the_trainers_report_and_the_trainee_pages():
    assert expand_kinds("training") == ["training", "trainee"]
    assert expand_kinds("trainee") == ["trainee"]
    assert {"training", "trainee"} <= set(expand_kinds("all"))
    trainee = REPORT_KINDS["trainee"]
    assert trainee.private and not REPORT_KINDS["training"].private
    assert trainee.parameters(f"{SESSION}/{HOSTILE_CODE}") == {"session": SESSION, "trainee": HOSTILE_CODE}


def test_every_demo_year_has_training_reports_from_its_session():
    # 2024's session holds workbooks; the earlier years' a CSV of the trainees' scores
    for year in range(2019, 2025):
        trainees = REPORT_KINDS["trainee"].names(year, DATA_DIR)
        session = training.load_session(year, SESSION)
        assert trainees == [f"{SESSION}/{c}" for c in session.trainees] and len(trainees) >= 8, year
        assert REPORT_KINDS["training"].names(year, DATA_DIR) == [SESSION]
        assert {t.split("/")[1] for t in trainees} <= training.trainee_codes()


def test_a_year_without_a_training_session_has_no_training_reports(tmp_path):
    (tmp_path / "data" / "2023").mkdir(parents=True)
    result = run_reports([2023], "training", data_dir=tmp_path / "data", out_dir=tmp_path / "out", progress=False)
    assert result.ok and result.produced == []
