"""Who may score what, and the count checks that refuse an impossible roster before searching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.plan import PlanError, eligible, feasibility, plan_teams
from scoring.plan.rules import norm


def _entries(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["entry_id", "class", "district", "administration", "unit_id"])


def _examiners(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["examiner_id", "experienced", "administration", "district", "max_entries"])
    df["max_entries"] = pd.array(df["max_entries"], dtype="Int64")
    return df


def _conflicts(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["examiner_id", "entry_id", "unit_id", "district", "reason"])


def _roster(n_entries=8, n_examiners=14, classes=("förskola", "skola"), new=(), max_entries=None):
    """Entries in two districts of their own, examiners from central administrations: everyone eligible."""
    entries = _entries([(f"2030-{i + 1:02d}", classes[i % len(classes)], "Farsta", "Farsta stadsdelsförvaltning",
                         f"U{i}") for i in range(n_entries)])
    examiners = _examiners([(f"E{k + 1:02d}", f"E{k + 1:02d}" not in new, "Kulturförvaltningen", "",
                             max_entries) for k in range(n_examiners)])
    return entries, examiners


# --------------------------------------------------------------------------- normalising and eligibility


def test_norm_folds_case_width_and_dashes():
    assert norm("Spånga-Tensta") == norm("spånga–tensta") == norm("SPÅNGA — Tensta") == norm("Spånga\u2212Tensta")
    assert norm("ＳＰÅＮＧＡ-ＴＥＮＳＴＡ") == "spanga-tensta"  # full width (NFKC), accents dropped
    assert norm("  Norrmalm  stadsdelsförvaltning ") == "norrmalm stadsdelsforvaltning"
    assert norm("Spa\u030anga-Tensta") == norm("Spånga-Tensta")  # a combining ring: the names' normaliser
    assert norm(None) == norm(float("nan")) == norm(pd.NA) == ""
    assert norm("Spånga-Tensta") != norm("Spånga")


def test_eligible_applies_administration_district_and_conflicts():
    entries = _entries([
        ("e1", "skola", "Spånga-Tensta", "Utbildningsförvaltningen", "U1"),
        ("e2", "förskola", "Bromma", "Bromma stadsdelsförvaltning", "U2"),
        ("e3", "förskola", "Farsta", "Farsta stadsdelsförvaltning", ""),
        ("e4", "andra", "", "", ""),
    ])
    examiners = _examiners([
        ("A", True, "utbildningsförvaltningen", "", None),  # own administration of e1 (case)
        ("B", True, "Spånga-Tensta stadsdelsförvaltning", "Spånga–Tensta", None),  # own district of e1 (dash)
        ("C", False, "Kulturförvaltningen", "", None),  # conflicts by entry, unit, district
        ("D", True, "", "", None),  # empty values never match
        ("E", True, "Trafikkontoret", "", 3),
    ])
    conflicts = _conflicts([
        ("C", "e1", "", "", "Tidigare chef"),
        ("C", "", "u2", "", "Make arbetar där"),  # unit ids compared folded too
        ("C", "", "", "FARSTA", "Förtroendevald"),
        ("Z", "e4", "", "", "Inte i rostern: ignoreras"),
    ])
    m = eligible(entries, examiners, conflicts)
    assert m.index.tolist() == ["e1", "e2", "e3", "e4"]
    assert m.columns.tolist() == ["A", "B", "C", "D", "E"]
    assert m.loc["e1"].tolist() == [False, False, False, True, True]
    assert m.loc["e2"].tolist() == [True, True, False, True, True]
    assert m.loc["e3"].tolist() == [True, True, False, True, True]
    assert m.loc["e4"].all()
    assert m.to_numpy().dtype == bool


# --------------------------------------------------------------------------- count checks


def test_a_plannable_roster_passes_the_counts():
    entries, examiners = _roster()
    assert feasibility(entries, examiners) == []


def test_too_few_examiners_without_conflict_in_a_class():
    entries, examiners = _roster(n_entries=8, n_examiners=14, max_entries=3)
    # 12 of the 14 examiners have a conflict with every förskola
    conflicts = _conflicts([(f"E{k:02d}", e, "", "", "Jäv") for k in range(1, 13)
                            for e in entries.loc[entries["class"] == "förskola", "entry_id"]])
    msgs = feasibility(entries, examiners, conflicts)
    # förskola: 4 entries x 4 = 16 places; without conflict 2 examiners x min(3, 4) = 6
    assert any(m.startswith("förskola behöver 16 examinatorsplatser") and m.endswith("finns 6") for m in msgs), msgs
    assert any("2030-01 kan bara bedömas av 2 examinatorer utan jäv; laget ska vara minst 4" == m for m in msgs), msgs
    with pytest.raises(PlanError) as err:
        plan_teams(entries, examiners, conflicts)
    assert err.value.messages == msgs
    assert "förskola behöver 16 examinatorsplatser" in str(err.value)


def test_an_entry_everyone_has_a_conflict_with():
    entries, examiners = _roster()
    conflicts = _conflicts([(k, "2030-03", "", "", "Jäv") for k in examiners["examiner_id"]])
    msgs = feasibility(entries, examiners, conflicts)
    assert "2030-03 kan inte bedömas av någon examinator utan jäv; laget ska vara minst 4" in msgs
    with pytest.raises(PlanError, match="2030-03 kan inte bedömas av någon examinator utan jäv"):
        plan_teams(entries, examiners, conflicts)


def test_no_experienced_examiner_left_for_an_entry():
    entries, examiners = _roster(new=("E01", "E02", "E03"))
    experienced = examiners.loc[examiners["experienced"], "examiner_id"]
    conflicts = _conflicts([(k, "", "U5", "", "Jäv") for k in experienced])  # 2030-06 is unit U5
    msgs = feasibility(entries, examiners, conflicts)
    assert msgs == ["2030-06 kan bara bedömas av 3 examinatorer utan jäv; laget ska vara minst 4",
                    "2030-06 kan inte bedömas av någon erfaren examinator utan jäv; varje lag ska ha minst en erfaren"]
    with pytest.raises(PlanError, match="någon erfaren examinator"):
        plan_teams(entries, examiners, conflicts)


def test_experienced_capacity_against_the_number_of_teams():
    entries, examiners = _roster(n_entries=10, n_examiners=20, new=[f"E{k:02d}" for k in range(4, 21)])
    examiners.loc[examiners["experienced"], "max_entries"] = 2  # 3 experienced x 2 = 6 teams < 10
    msgs = feasibility(entries, examiners)
    assert "De 3 erfarna examinatorerna räcker till 6 lag (utan jäv och inom max antal bidrag); 10 bidrag behöver " \
           "minst en erfaren examinator var" in msgs


def test_max_entries_too_low_overall():
    entries, examiners = _roster(n_entries=10, n_examiners=12, max_entries=3)
    msgs = feasibility(entries, examiners)
    # 10 x 4 = 40 places needed; 12 examiners x 3 = 36
    assert any(m.startswith("Året behöver 40 examinatorsplatser (10 bidrag × minst 4)") and "finns 36" in m
               and "summan av max antal bidrag är 36" in m for m in msgs), msgs
    with pytest.raises(PlanError, match="Året behöver 40 examinatorsplatser"):
        plan_teams(entries, examiners)


def test_more_examiners_than_places_is_said_the_right_way_round():
    entries, examiners = _roster(n_entries=3, n_examiners=20)
    msgs = feasibility(entries, examiners)
    assert msgs == ["20 examinatorer ska ha minst ett bidrag var, men 3 bidrag med högst 6 i laget ger bara "
                    "18 examinatorsplatser: alla kan inte få ett bidrag"]
    # fewer places by max_entries than examiners is no error: every examiner needs one place only
    entries, examiners = _roster(n_entries=8, n_examiners=14, max_entries=3)
    assert feasibility(entries, examiners) == []


def test_too_few_places_for_one_group():
    entries, examiners = _roster(n_entries=4, n_examiners=22)  # 24 places; one group needs 22 + 4 - 1 = 25
    msgs = feasibility(entries, examiners)
    assert msgs == ["För att alla 22 examinatorer ska hänga ihop i en grupp (genom gemensamma bidrag) behövs minst "
                    "25 examinatorsplatser (22 examinatorer + 4 bidrag − 1); lagen rymmer högst 24"]


def test_conflicts_that_split_the_roster():
    entries, examiners = _roster(n_entries=8, n_examiners=16)
    first, second = entries["entry_id"][:4], entries["entry_id"][4:]
    conflicts = _conflicts([(k, e, "", "", "Jäv") for k in examiners["examiner_id"][:8] for e in second]
                           + [(k, e, "", "", "Jäv") for k in examiners["examiner_id"][8:] for e in first])
    msgs = feasibility(entries, examiners, conflicts)
    assert msgs == ["Jäven delar examinatorerna i 2 grupper som inte kan bedöma något gemensamt bidrag "
                    "(E01, E02, E03, E04 och 4 till (8 st.); E09, E10, E11, E12 och 4 till (8 st.)); alla ska "
                    "hänga ihop i en grupp genom gemensamma bidrag"]


def test_an_examiner_who_can_have_no_entry():
    entries, examiners = _roster()
    conflicts = _conflicts([("E07", "", "", "farsta", "Bor i stadsdelen")])
    assert feasibility(entries, examiners, conflicts) == [
        "E07 kan inte bedöma något bidrag utan jäv; varje examinator ska ha minst ett"]


def test_the_search_names_the_rule_the_counts_miss():
    """Counts pass, but the experienced examiners cannot cover every team (a matching, not a count)."""
    entries = _entries([(e, "skola", "Farsta", "Farsta stadsdelsförvaltning", "") for e in "ABCD"])
    examiners = _examiners(
        [("X1", True, "Kulturförvaltningen", "", 1), ("X2", True, "Kulturförvaltningen", "", 5),
         ("X3", True, "Kulturförvaltningen", "", 5), ("X4", True, "Kulturförvaltningen", "", 1)]
        + [(f"N{i}", False, "Kulturförvaltningen", "", None) for i in range(1, 9)])
    # X2 and X3 may score only A: B, C and D need three experienced examiners from X1 and X4 (one entry each)
    conflicts = _conflicts([(k, e, "", "", "Jäv") for k in ("X2", "X3") for e in "BCD"])
    assert feasibility(entries, examiners, conflicts, team_size=(3, 4)) == []
    with pytest.raises(PlanError) as err:
        plan_teams(entries, examiners, conflicts, team_size=(3, 4))
    msg = str(err.value)
    assert "Reglerna går inte att uppfylla samtidigt" in msg
    assert "minst en erfaren examinator per lag" in msg and "max antal bidrag" in msg
    assert "Högst 3 av de 4 lagen kan få en erfaren examinator" in msg


def test_team_size_is_checked():
    entries, examiners = _roster()
    with pytest.raises(ValueError):
        feasibility(entries, examiners, team_size=(5, 4))
    assert np.all(eligible(entries, examiners).to_numpy())
