"""One whole ``scoring report --kind all --bundle`` run of a demo year, shared by the modules that read it.

The run (``year_run`` in ``tests/conftest.py``) is made once per session, on a copy of the demo data
prepared here: a hostile comment of an examiner's own, another examiner's marked comment, consensus and
site-visit rows under a team member's code, and a ``people.csv`` of everyone. :data:`MODULES` run on
one worker under ``pytest -n`` (``_worker_group``), so the run is made once for all of them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from scoring import demo_people
from scoring.kinds.training.session import available_sessions, load_session, trainee_codes

#: The year reported; the earlier years are there for the trends and for runs of their own.
YEAR = 2024
YEARS = (2022, 2023, YEAR)
#: The test modules that read the run: one worker group.
MODULES = ("tests/reports/test_privacy_run.py", "tests/kinds/examiner/test_feedback.py")

#: The examiner whose own comment is hostile.
COMMENTER = "E39"
HOSTILE = ('Se <b>fet</b> & <script>alert("x")</script> $x^2$ **md** – åäö, som E07 sa; '
           'e07, E07s, \uff25\uff10\uff17 och E\u200b07 höll med')  # other spellings (issue 15)
#: HOSTILE as the examiner's own page shows it: every spelling of another's code redacted
HOSTILE_SHOWN = ('Se <b>fet</b> & <script>alert("x")</script> $x^2$ **md** – åäö, som [examinator] sa; '
                 '[examinator], [examinator]s, [examinator] och [examinator] höll med')
OTHERS_COMMENT = "ANDRAS-KOMMENTAR-7f3a <i>hemlig</i>"


def prepare(data: Path) -> str:
    """Edit the copy's scores (:func:`edit_scores`) and write its ``people.csv``; returns the code of the
    examiner with the marked comment."""
    other = edit_scores(data / str(YEAR) / "scores.csv", COMMENTER)
    write_people(data)
    return other


def edit_scores(path: Path, examiner: str) -> str:
    """Give ``examiner`` a hostile own comment, another examiner a marked comment, and record
    every consensus and site-visit row under a team member's code (as even demo years do).
    Returns the other examiner's code."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0])
    first = {}
    for r in rows:
        if r["stage"] in ("individual", ""):
            first.setdefault(r["entry_id"], r["examiner_id"])
    own = next(r for r in rows if r["examiner_id"] == examiner and r["stage"] in ("individual", ""))
    own["comment"] = HOSTILE
    other = next(r for r in rows if r["examiner_id"] not in (examiner, "TEAM") and r["stage"] in ("individual", ""))
    other["comment"] = OTHERS_COMMENT
    for r in rows:
        if r["stage"] in ("consensus", "site_visit"):
            r["examiner_id"] = first[r["entry_id"]]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return other["examiner_id"]


def write_people(data: Path) -> None:
    """A ``people.csv`` of the demo's fictional people for everyone of the data (issue 21, point 6)."""
    entries = [line.split(",")[0] for line in (data / str(YEAR) / "entries.csv").read_text(
        encoding="utf-8-sig").splitlines()[1:]]
    trainees = [(f"{YEAR}/{s}", c) for s in available_sessions(YEAR, data)
                for c in sorted(load_session(YEAR, s, data).trainees)]
    examiners = sorted(everyone(data) - {c for _, c in trainees})  # an earlier year's trainee too
    rows = demo_people.people(np.random.default_rng(21), examiners, trainees, entries)
    with open(data / "people.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([("code", "name", "email"), *rows])


def everyone(data: Path) -> set[str]:
    """Every examiner and trainee code of the data (any CSV of any year, training sessions included),
    found independently of the runner."""
    codes = set()
    for path in data.glob("[0-9][0-9][0-9][0-9]/**/*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            codes |= {row.get("examiner_id") or "" for row in csv.DictReader(f)}
    return (codes | trainee_codes(data)) - {"TEAM", "REF", ""}
