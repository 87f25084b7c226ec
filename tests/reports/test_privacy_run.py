"""Privacy of a whole ``scoring report --kind all --bundle`` run of the real notebooks.

Issue 10, point 2: for every private report of the run (each examiner's feedback, each
trainee's page), every file written for that person (the HTML page, the executed notebook
with its metadata and outputs, the figures' text, the zip to send) names nobody else: no
other examiner's or trainee's code. The runner's guard already refuses to publish a report
that does; this test checks the published result independently, so a guard that stopped
scanning would fail here. The run is the session's shared one (``year_run``, :mod:`shared_run`).
"""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile

import pytest
from published import published_findings
from shared_run import YEAR, everyone

from scoring.reports import REPORT_KINDS, privacy

pytestmark = pytest.mark.slow


def test_every_file_written_for_a_person_names_nobody_else(year_run):
    out, made = year_run["out"], year_run["made"]
    codes = everyone(year_run["data"])
    private = {rel: r for rel, r in made.items() if REPORT_KINDS[r["kind"]].private}
    kinds = {r["kind"] for r in private.values()}
    assert kinds == {"examiner", "trainee", "entry"}, kinds
    assert len(private) >= 80  # 39 examiners, 25 trainees and the entrants' letters in the demo's 2024
    for rel, report in private.items():
        own = REPORT_KINDS[report["kind"]].split(report["name"])[-1]
        html = out / rel
        bundle = out / str(YEAR) / "send" / f"{report['name'].replace('/', '-')}.zip"  # by session and code
        files = [html, html.with_suffix(".ipynb"), bundle]
        forbidden = privacy.Forbidden(codes=codes - {own})
        assert privacy.scan(files, forbidden) == [], rel
        assert re.search(rf"(?<![^\W_]){re.escape(own)}(?![^\W_])", html.read_text(encoding="utf-8")), rel
        with zipfile.ZipFile(bundle) as z:  # the zip holds this person's own reports only
            assert all(own in name for name in z.namelist()), z.namelist()


def test_the_scan_would_see_another_code(year_run, tmp_path):
    """The check above can fail: another examiner's code planted in a copy of a page is found."""
    out, made = year_run["out"], year_run["made"]
    rel = next(r for r, m in made.items() if m["kind"] == "examiner")
    own = made[rel]["name"]
    other = next(c for c in sorted(everyone(year_run["data"])) if c != own and c.startswith("E"))
    copy = tmp_path / "copy.html"
    copy.write_text((out / rel).read_text(encoding="utf-8").replace("</main>", f"<p>{other}</p></main>"),
                    encoding="utf-8")
    assert [f.token for f in privacy.scan([copy], privacy.Forbidden(codes=[other]))] == [other]


def test_no_published_file_holds_a_name_or_address_of_people_csv(year_run):
    """Issue 21, point 6: every file of the run (pages, notebooks, zips, the index, the manifest and
    the records) is free of the people's names and addresses, and no report read people.csv."""
    out, data = year_run["out"], year_run["data"]
    assert published_findings(out, data / "people.csv") == []
    for rel, report in year_run["made"].items():
        assert all("people.csv" not in i["file"] for i in report["inputs"]), rel


def test_the_send_list_names_the_person_of_every_zip(year_run):
    out, data = year_run["out"], year_run["data"]
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
