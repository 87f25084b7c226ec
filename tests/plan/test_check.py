"""check_plan names every broken rule: hand-made plans, one fault at a time."""

from __future__ import annotations

import pandas as pd
import pytest

from scoring.plan import check_plan

ENTRIES = pd.DataFrame({
    "entry_id": [f"2030-0{i}" for i in range(1, 7)],
    "class": ["skola", "förskola"] * 3,
    "district": ["Farsta"] * 5 + ["Bromma"],
    "administration": ["Farsta stadsdelsförvaltning"] * 5 + ["Bromma stadsdelsförvaltning"],
    "unit_id": [f"U{i}" for i in range(1, 7)],
})
EXAMINERS = pd.DataFrame({
    "examiner_id": list("ABCDEFGHIJKL"),
    "experienced": [True] * 8 + [False] * 4,
    "administration": ["Kulturförvaltningen"] * 12,
    "district": [""] * 12,
    "max_entries": pd.array([2] + [None] * 11, dtype="Int64"),
})
TEAMS = {  # one chain of shared entries; A has 2 entries (its max); one new examiner (I-L) per team
    "2030-01": "ABI", "2030-02": "BCJ", "2030-03": "CDK", "2030-04": "DEL", "2030-05": "EFG", "2030-06": "FHA",
}
SIZE = (3, 4)


def _plan(teams: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([(e, k) for e, team in teams.items() for k in team], columns=["entry_id", "examiner_id"])


def _check(teams=None, examiners=None, conflicts=None, plan=None):
    plan = _plan(teams or TEAMS) if plan is None else plan
    return check_plan(plan, ENTRIES, EXAMINERS if examiners is None else examiners, conflicts, team_size=SIZE)


def _conflicts(rows):
    return pd.DataFrame(rows, columns=["examiner_id", "entry_id", "unit_id", "district", "reason"])


def test_the_valid_plan_passes():
    assert _check() == []
    assert _check(conflicts=_conflicts([])) == []


def test_team_sizes():
    assert _check({**TEAMS, "2030-02": "BC", "2030-05": "EFGJ"}) == [
        "2030-02 har ett lag på 2 examinatorer; laget ska ha mellan 3 och 4 examinatorer"]
    found = _check({**TEAMS, "2030-02": "BCJGH"})
    assert found == ["2030-02 har ett lag på 5 examinatorer; laget ska ha mellan 3 och 4 examinatorer"]
    found = _check({k: v for k, v in TEAMS.items() if k != "2030-03"} | {"2030-04": "DELK"})
    assert "2030-03 har inget lag; laget ska ha mellan 3 och 4 examinatorer" in found


def test_own_administration_and_district():
    ex = EXAMINERS.copy()
    ex.loc[ex["examiner_id"] == "C", "administration"] = "farsta  stadsdelsförvaltning"
    ex.loc[ex["examiner_id"] == "H", "district"] = "BROMMA"
    assert _check(examiners=ex) == [
        "C bedömer 2030-02 men hör till samma förvaltning (Farsta stadsdelsförvaltning)",
        "C bedömer 2030-03 men hör till samma förvaltning (Farsta stadsdelsförvaltning)",
        "H bedömer 2030-06 men hör till samma stadsdel (Bromma)",
    ]


def test_declared_conflicts_by_entry_unit_and_district():
    conflicts = _conflicts([
        ("E", "2030-05", "", "", "Tidigare chef för enheten"),
        ("B", "", "U2", "", "Make/maka arbetar på enheten"),
        ("H", "", "", "bromma", "Förtroendevald i stadsdelsnämnden"),
        ("K", "2030-01", "", "", "Inte på det bidraget"),
    ])
    assert _check(conflicts=conflicts) == [
        "B bedömer 2030-02 men har anmält jäv mot enheten: Make/maka arbetar på enheten",
        "E bedömer 2030-05 men har anmält jäv mot bidraget: Tidigare chef för enheten",
        "H bedömer 2030-06 men har anmält jäv mot stadsdelen Bromma: Förtroendevald i stadsdelsnämnden",
    ]


def test_max_entries():
    assert _check({**TEAMS, "2030-03": "CDKA"}) == ["A har 3 bidrag men högst 2"]


def test_no_experienced_examiner_and_new_ones_bunched():
    found = _check({**TEAMS, "2030-01": "IJK", "2030-06": "FHAB"})
    assert "2030-01 har ingen erfaren examinator i laget; varje lag ska ha minst en" in found
    assert ("2030-01 har 3 nya examinatorer i laget; de nya går att sprida så att varje lag har högst 1"
            in found)
    assert _check({**TEAMS, "2030-01": "AIJ", "2030-02": "BCG"}) == [
        "2030-01 har 2 nya examinatorer i laget; de nya går att sprida så att varje lag har högst 1"]


def test_two_new_per_team_is_right_when_the_roster_forces_it():
    """4 entries x 4 places; the experienced can take 8 at most: every team needs 2 new examiners."""
    entries = ENTRIES.iloc[:4]
    examiners = pd.DataFrame({
        "examiner_id": ["X1", "X2", "X3", "X4", "N1", "N2", "N3", "N4"],
        "experienced": [True] * 4 + [False] * 4,
        "administration": ["Kulturförvaltningen"] * 8, "district": [""] * 8,
        "max_entries": pd.array([2, 2, 2, 2, None, None, None, None], dtype="Int64"),
    })
    teams = {"2030-01": ["X1", "X2", "N1", "N2"], "2030-02": ["X2", "X3", "N2", "N3"],
             "2030-03": ["X3", "X4", "N3", "N4"], "2030-04": ["X4", "X1", "N4", "N1"]}
    assert check_plan(_plan(teams), entries, examiners, team_size=4) == []
    teams["2030-01"] = ["X1", "N1", "N2", "N3"]
    teams["2030-02"] = ["X2", "X3", "N3", "N4"]  # 3 new on one team: 2 would do
    assert check_plan(_plan(teams), entries, examiners, team_size=4) == [
        "2030-01 har 3 nya examinatorer i laget; de nya går att sprida så att varje lag har högst 2"]


def test_every_examiner_an_entry_and_one_group():
    assert _check({**TEAMS, "2030-05": "EFH"}) == ["G har inget bidrag; varje examinator ska ha minst ett"]
    two = {"2030-01": "ABI", "2030-02": "BCJ", "2030-03": "CAK", "2030-04": "DEL", "2030-05": "EFG",
           "2030-06": "FHD"}
    assert _check(two) == ["Examinatorerna med bidrag bildar 2 grupper som inte delar något bidrag med varandra; "
                           "alla ska hänga ihop i en grupp (genom gemensamma bidrag)"]


def test_rows_that_name_no_entry_or_examiner_or_repeat():
    plan = pd.concat([_plan(TEAMS), pd.DataFrame({"entry_id": ["2030-99", "2030-01", "2030-01"],
                                                  "examiner_id": ["A", "Z", "A"]})])
    assert _check(plan=plan) == [
        "2030-99 (med A i laget) finns inte bland årets bidrag",
        "Z (i laget för 2030-01) finns inte bland examinatorerna",
        "A står mer än en gång i laget för 2030-01",
    ]


@pytest.mark.parametrize("empty", [None, pd.DataFrame(columns=["entry_id", "examiner_id"])])
def test_an_empty_plan_breaks_everything_it_can(empty):
    found = check_plan(empty, ENTRIES, EXAMINERS, team_size=SIZE)
    assert sum("har inget lag" in m for m in found) == 6
    assert sum("har inget bidrag" in m for m in found) == 12
