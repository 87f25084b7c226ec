"""Privacy of a whole ``scoring report --kind all --bundle`` run of the real notebooks.

Issue 10, point 2: for every private report of the run (each examiner's feedback, each
trainee's page), every file written for that person (the HTML page, the executed notebook
with its metadata and outputs, the figures' text, the zip to send) names nobody else: no
other examiner's or trainee's code. The runner's guard already refuses to publish a report
that does; this test checks the published result independently, so a guard that stopped
scanning would fail here.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import zipfile

import numpy as np
import pytest
from published import published_findings

from scoring import demo_people
from scoring.cli import main
from scoring.kinds.training.session import available_sessions, load_session, trainee_codes
from scoring.paths import DATA_DIR
from scoring.reports import REPORT_KINDS, privacy

YEAR = 2024  # the demo year with a training session of workbooks as well as examiners

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy-run")
    data = root / "data"
    data.mkdir()
    shutil.copy(DATA_DIR / "rubric.toml", data / "rubric.toml")
    shutil.copytree(DATA_DIR / str(YEAR), data / str(YEAR))
    _people(data)
    out = root / "reports"
    code = main(["report", "--year", str(YEAR), "--kind", "all", "--bundle", "--data", str(data), "--out", str(out)])
    assert code == 0
    made = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"]
    return {"data": data, "out": out, "made": made}


def _people(data) -> None:
    """A ``people.csv`` of the demo's fictional people for everyone of the year (issue 21, point 6)."""
    entries = [line.split(",")[0] for line in (data / str(YEAR) / "entries.csv").read_text(
        encoding="utf-8-sig").splitlines()[1:]]
    examiners = sorted(_everyone(data) - trainee_codes(data))
    trainees = [(f"{YEAR}/{s}", c) for s in available_sessions(YEAR, data)
                for c in sorted(load_session(YEAR, s, data).trainees)]
    rows = demo_people.people(np.random.default_rng(21), examiners, trainees, entries)
    with open(data / "people.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([("code", "name", "email"), *rows])


def _everyone(data) -> set[str]:
    """Every examiner and trainee code of the data, found independently of the runner."""
    codes = set()
    for path in data.rglob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            codes |= {row.get("examiner_id") or "" for row in csv.DictReader(f)}
    return (codes | trainee_codes(data)) - {"TEAM", "REF", ""}


def test_every_file_written_for_a_person_names_nobody_else(run):
    out, made = run["out"], run["made"]
    everyone = _everyone(run["data"])
    private = {rel: r for rel, r in made.items() if REPORT_KINDS[r["kind"]].private}
    kinds = {r["kind"] for r in private.values()}
    assert kinds == {"examiner", "trainee", "entry"}, kinds
    assert len(private) >= 80  # 39 examiners, 25 trainees and the entrants' letters in the demo's 2024
    for rel, report in private.items():
        own = REPORT_KINDS[report["kind"]].split(report["name"])[-1]
        html = out / rel
        bundle = out / str(YEAR) / "send" / f"{report['name'].replace('/', '-')}.zip"  # by session and code
        files = [html, html.with_suffix(".ipynb"), bundle]
        forbidden = privacy.Forbidden(codes=everyone - {own})
        assert privacy.scan(files, forbidden) == [], rel
        assert re.search(rf"(?<![^\W_]){re.escape(own)}(?![^\W_])", html.read_text(encoding="utf-8")), rel
        with zipfile.ZipFile(bundle) as z:  # the zip holds this person's own reports only
            assert all(own in name for name in z.namelist()), z.namelist()


def test_the_scan_would_see_another_code(run):
    """The check above can fail: another examiner's code planted in a copy of a page is found."""
    out, made = run["out"], run["made"]
    rel = next(r for r, m in made.items() if m["kind"] == "examiner")
    own = made[rel]["name"]
    other = next(c for c in sorted(_everyone(run["data"])) if c != own and c.startswith("E"))
    copy = out / "copy.html"
    copy.write_text((out / rel).read_text(encoding="utf-8").replace("</main>", f"<p>{other}</p></main>"),
                    encoding="utf-8")
    assert [f.token for f in privacy.scan([copy], privacy.Forbidden(codes=[other]))] == [other]


def test_no_published_file_holds_a_name_or_address_of_people_csv(run):
    """Issue 21, point 6: every file of the run (pages, notebooks, zips, the index, the manifest and
    the records) is free of the people's names and addresses, and no report read people.csv."""
    out, data = run["out"], run["data"]
    assert published_findings(out, data / "people.csv") == []
    for rel, report in run["made"].items():
        assert all("people.csv" not in i["file"] for i in report["inputs"]), rel


def test_the_send_list_names_the_person_of_every_zip(run):
    out, data = run["out"], run["data"]
    with open(data / "people.csv", encoding="utf-8", newline="") as f:
        people = {r["code"]: r for r in csv.DictReader(f)}
    with open(data / str(YEAR) / "utskick.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    zips = sorted(p.relative_to(out).as_posix() for p in (out / str(YEAR) / "send").glob("*.zip"))
    assert [r["zip"] for r in rows] == zips and len(zips) >= 60
    for r in rows:
        person = people.get(f"{YEAR}/{r['code']}") or people[r["code"]]
        assert (r["name"], r["email"]) == (person["name"], person["email"]) and r["name"]
        assert r["changed"] == "ja"
        assert r["sha256"] == hashlib.sha256((out / r["zip"]).read_bytes()).hexdigest()
