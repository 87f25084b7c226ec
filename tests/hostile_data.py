"""The demo year with hostile text wherever a report shows data: names, districts, codes and
comments holding markup, Markdown, LaTeX-looking text, a very long text, emoji and Swedish
characters (tests/kinds/calibration_report/test_hostile.py and the browser tests use it)."""

from __future__ import annotations

import csv

import pandas as pd
from demo_copy import demo_copy

from scoring import consensus
from scoring.data import load_year

YEAR = 2023
LONG = "Mycket lång text om verksamhetens systematiska kvalitetsarbete " * 40
NAMES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=\"document.title='XSS'\">",
    "</table>",
    "**bold** [link](http://example.com)",
    "$x^2$ och \\(a\\)",
    LONG.strip(),
    "Förskolan Ängsö 🌻 – ”citat” & 'enkelt'",
]
#: Codes are identifiers (letters, digits, - and _, with a digit): markup can never be a code
#: (tests/data/test_data.py checks that the validator refuses it). These are valid but unusual.
CODES = ["E_1-x", "X-99", "A0_0", "Q1-q", "Z9"]
COMMENTS = [*NAMES, "Styrkor:\n- <b>tydlig</b>\n- `kod` | tabell |"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _write(df: pd.DataFrame, path) -> None:
    df.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def hostile_copy(data) -> dict:
    """Write the demo year with hostile text where the report shows it into the empty folder
    ``data``; return what was put where (also used by the browser tests, tests/browser)."""
    demo_copy(data, (YEAR,))
    clean = load_year(YEAR, data)
    agenda = consensus.consensus_agenda(clean.scores, clean.rubric, entries=clean.entries)

    # entry names on the consensus agenda (the report shows them there), districts everywhere
    named = list(dict.fromkeys(agenda["entry_id"]))[: len(NAMES)]
    assert len(named) == len(NAMES)
    entries = _read(data / str(YEAR) / "entries.csv")
    for eid, name in zip(named, NAMES, strict=True):
        entries.loc[entries["entry_id"] == eid, "name"] = name
    entries["district"] = [NAMES[i % len(NAMES)] for i in range(len(entries))]
    _write(entries, data / str(YEAR) / "entries.csv")

    # examiner codes of examiners on the agenda's first rows, comments on scores
    scored = [s.split(" ")[0] for s in ", ".join(agenda["scores"]).split(", ")]
    renamed = dict(zip(list(dict.fromkeys(scored))[: len(CODES)], CODES, strict=True))
    scores = _read(data / str(YEAR) / "scores.csv")
    scores["examiner_id"] = scores["examiner_id"].replace(renamed)
    rows = scores.index[scores["stage"].isin(["", "individual"])][: len(COMMENTS)]
    scores.loc[rows, "comment"] = COMMENTS
    _write(scores, data / str(YEAR) / "scores.csv")
    year = load_year(YEAR, data)  # the validator accepts all of it
    assert set(CODES) <= set(year.scores["examiner_id"])
    return {"data": data, "year": year, "codes": renamed, "names": dict(zip(named, NAMES, strict=True))}
