"""The jury's decision as data (issue 21, point 1): ``decisions.csv`` read and checked.

Every problem names file, row and column; an invalid decision (a winner from another class, a
winner whose budget is not in balance without a reason, two winners in a class, a winner and no
prize in one class) is refused naming its row. The demo's decisions (``scoring.demo_decisions``)
are valid and read as the published ones do.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from demo_copy import demo_copy

from scoring.data import (
    AWARDS,
    DECISION_COLUMNS,
    check_decisions,
    load_decisions,
    load_year,
    paragraphs,
    read_decisions,
    read_entries,
)
from scoring.data.decisions import PARAGRAPH
from scoring.demo_decisions import NO_PRIZE_EVERY, decisions, motivation, no_prize_class
from scoring.problems import InputError, display_path
from scoring.rubric import load_rubric

ENTRIES = """entry_id,name,class,budget_in_balance
F1,Förskolan Ett (fiktiv),forskola,ja
F2,Förskolan Två (fiktiv),forskola,ja
S1,Skolan Ett (fiktiv),skola,ja
S2,Skolan Två (fiktiv),skola,nej
A1,Hemtjänst Ett (fiktiv),aldreomsorg,ja
"""
HEADER = "class,award,entry_id,motivation,override_reason\n"
GOOD = [
    "forskola,vinnare,F1,Ett systematiskt arbete.,",
    "Förskola,Hedersomnämnande,F2,Ett aktivt medarbetarskap.,",
    "skola,vinnare,S1,En röd tråd från mål till resultat.,",
    "Äldreomsorg,Inget pris,,Juryn har inte funnit något bidrag som i år når upp till nivån.,",
]


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "entries.csv").write_text(ENTRIES, encoding="utf-8")
    return tmp_path


def _read(folder, rows, **kw):
    path = folder / "decisions.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    rubric = load_rubric()
    entries, problems = read_entries(folder / "entries.csv", rubric)
    assert problems == []
    return read_decisions(path, entries, rubric, **kw)


def _errors(problems):
    return [p for p in problems if p.is_error]


def _where(folder) -> str:
    return display_path(folder / "decisions.csv")


# --------------------------------------------------------------------------- a valid decision


def test_a_valid_decision_is_read_with_ids_for_labels(folder):
    d, problems = _read(folder, GOOD)
    assert problems == []
    assert tuple(d.columns) == DECISION_COLUMNS
    assert list(d["class"]) == ["forskola", "forskola", "skola", "aldreomsorg"]
    assert list(d["award"]) == ["vinnare", "hedersomnamnande", "vinnare", "inget_pris"]
    assert list(d["entry_id"].fillna("-")) == ["F1", "F2", "S1", "-"]
    assert list(d["line"]) == [2, 3, 4, 5]
    assert d["override_reason"].isna().all()
    assert set(d["award"]) <= set(AWARDS)


def test_swedish_excel_csv_is_read(folder):
    path = folder / "decisions.csv"
    text = HEADER.replace(",", ";") + "\n".join(r.replace(",", ";") for r in GOOD) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    d, problems = read_decisions(path, read_entries(folder / "entries.csv", load_rubric())[0], load_rubric())
    assert problems == [] and len(d) == 4


def test_paragraphs_split_at_line_breaks_and_the_pilcrow():
    assert paragraphs(f"Ett.  {PARAGRAPH} Två\n\nTre  fyra.{PARAGRAPH}") == ["Ett.", "Två", "Tre fyra."]
    assert paragraphs(None) == [] and paragraphs("  ") == []


# --------------------------------------------------------------------------- refused, naming the row


def test_a_winner_from_another_class_is_refused_naming_its_row(folder):
    rows = list(GOOD)
    rows[2] = "skola,vinnare,F2,Bra.,"  # F2 is a preschool
    d, problems = _read(folder, [r for i, r in enumerate(rows) if i != 1])
    (p,) = _errors(problems)
    assert (p.row, p.column) == (3, "entry_id")
    assert str(p) == (f"{_where(folder)}:3: entry_id: entry 'F2' is in class Förskola, not in Skola: an award goes "
                      "to an entry of its own class")
    assert "skola" not in set(d["class"])  # the refused row is not used


def test_a_winner_whose_budget_is_not_in_balance_needs_a_reason(folder):
    rows = list(GOOD)
    rows[2] = "skola,vinnare,S2,En röd tråd.,"
    _, problems = _read(folder, rows)
    (p,) = _errors(problems)
    assert str(p).startswith(f"{_where(folder)}:4: override_reason: the budget of entry 'S2' is not in balance")
    assert "unless override_reason says why" in p.message

    rows[2] = "skola,vinnare,S2,En röd tråd.,Underskottet beror på en engångskostnad som staden har beslutat om"
    d, problems = _read(folder, rows)
    assert problems == []
    assert d.loc[d["entry_id"] == "S2", "override_reason"].iloc[0].startswith("Underskottet")


def test_an_override_reason_where_none_is_needed_is_a_note(folder):
    rows = list(GOOD)
    rows[0] = "forskola,vinnare,F1,Bra.,Ingen anledning"
    d, problems = _read(folder, rows)
    (p,) = problems
    assert (p.severity, p.row, p.column) == ("note", 2, "override_reason")
    assert len(d) == 4


def test_two_winners_in_a_class_are_refused_naming_the_second(folder):
    d, problems = _read(folder, [*GOOD, "forskola,vinnare,F2,Också bra.,"])
    errors = _errors(problems)
    assert [(p.row, p.column) for p in errors] == [(6, "entry_id"), (6, "award")]  # F2 had a mention too
    assert errors[1].message == ("class Förskola already has a winner on line 2: one outcome per class (one winner "
                                 "or inget_pris), not a second winner too")
    assert list(d.loc[d["award"] == "vinnare", "entry_id"]) == ["F1", "S1"]


def test_a_winner_and_no_prize_in_one_class_are_refused(folder):
    _, problems = _read(folder, [*GOOD, "aldreomsorg,vinnare,A1,Bra.,"])
    (p,) = _errors(problems)
    assert str(p) == (f"{_where(folder)}:6: award: class Äldreomsorg (inkl. myndighetsutövning) already has "
                      "inget_pris on line 5: one outcome per class (one winner or inget_pris), not vinnare too")


def test_a_class_with_a_mention_but_no_outcome_and_a_class_without_a_decision(folder):
    rows = [GOOD[1], GOOD[2]]  # a preschool mention without a winner; no row for elderly care
    _, problems = _read(folder, rows)
    assert [str(p) for p in _errors(problems)] == [  # the whole file's problem first, as every reader sorts them
        f"{_where(folder)}: class: no decision for class Äldreomsorg (inkl. myndighetsutövning) (1 entry): add a "
        "vinnare row, or an inget_pris row when no prize is given",
        f"{_where(folder)}:2: award: class Förskola has no outcome: add a vinnare row, or an inget_pris row when no "
        "prize is given",
    ]


@pytest.mark.parametrize(("row", "column", "message"), [
    ("forskola,vinnare,F1,,", "motivation", "motivation is blank: every award needs one"),
    ("forskola,pris,F1,Bra.,", "award", "'pris' is not an award; write one of: vinnare, hedersomnamnande, inget_pris"),
    ("simhall,vinnare,F1,Bra.,", "class", "'simhall' is not a class"),
    (",vinnare,F1,Bra.,", "class", "class is blank"),
    ("forskola,,F1,Bra.,", "award", "award is blank"),
    ("forskola,vinnare,,Bra.,", "entry_id", "entry_id is blank: a vinnare row needs the entry_id of the winner"),
    ("forskola,vinnare,X9,Bra.,", "entry_id", "entry_id 'X9' is not in "),
    ("forskola,vinnare,F1,E07 tyckte att det var bra.,", "motivation",
     "the motivation names the examiner code 'E07': a published decision names no examiner"),
])
def test_each_problem_names_its_row_and_column(folder, row, column, message):
    _, problems = _read(folder, [row, *GOOD[1:]], codes=["E07", "E12"])
    errors = [p for p in _errors(problems) if p.row == 2 and p.column == column]
    assert errors, [str(p) for p in problems]
    assert message in errors[0].message
    assert str(errors[0]).startswith(f"{_where(folder)}:2: {column}: ")


def test_no_prize_names_no_entry_and_an_entry_gets_one_award(folder):
    rows = list(GOOD)
    rows[3] = "aldreomsorg,inget_pris,A1,Ingen nådde nivån.,"
    _, problems = _read(folder, rows + ["forskola,hedersomnamnande,F2,Igen.,"])
    assert [(p.row, p.column) for p in _errors(problems)] == [(5, "entry_id"), (6, "entry_id")]
    assert "inget_pris names no entry: leave entry_id blank" in _errors(problems)[0].message
    assert "entry 'F2' already has an award on line 3: one award per entry" in _errors(problems)[1].message


def test_a_code_inside_a_word_is_no_code(folder):
    rows = list(GOOD)
    rows[0] = "forskola,vinnare,F1,Arbetet enligt BE07-modellen är gott.,"
    assert _read(folder, rows, codes=["E07"])[1] == []


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary", b"class,award\n", b"PK\x03\x04xl/"])
def test_bad_files_are_problems_never_exceptions(folder, content):
    path = folder / "decisions.csv"
    path.write_bytes(content)
    d, problems = read_decisions(path, None, load_rubric())
    assert d.empty and _errors(problems)
    d, problems = read_decisions(folder / "missing.csv", None, load_rubric())
    assert [p.message for p in problems] == ["file not found"]


def test_a_motivation_over_several_lines_keeps_its_paragraphs(folder):
    """Alt+Enter in Excel: a quoted motivation over several lines is one value, its lines paragraphs."""
    path = folder / "decisions.csv"
    path.write_text(HEADER + 'forskola,vinnare,F1,"Ett.\n\nTvå.",\n' + "\n".join(GOOD[1:]) + "\n", encoding="utf-8")
    frame, problems = read_decisions(path, None, load_rubric())
    assert not [p for p in _errors(problems) if p.row == 2]
    assert paragraphs(frame.set_index("entry_id").loc["F1", "motivation"]) == ["Ett.", "Två."]


def test_a_missing_column_is_named(folder):
    path = folder / "decisions.csv"
    path.write_text("class,award,entry_id\nforskola,vinnare,F1\n", encoding="utf-8")
    _, problems = read_decisions(path, None, load_rubric())
    (p,) = _errors(problems)
    assert (p.row, p.column) == (1, "motivation") and p.message.startswith("missing required column 'motivation'")


# --------------------------------------------------------------------------- a year folder


def test_check_decisions_of_a_year_folder(folder):
    rubric = load_rubric()
    assert check_decisions(folder, rubric) == []  # no decisions.csv: no decision yet, no problem
    (folder / "scores.csv").write_text("year,entry_id,examiner_id,criterion,score\n2024,F1,E07,staff,50\n"
                                       "2024,F1,TEAM,staff,50\n", encoding="utf-8")
    (folder / "decisions.csv").write_text(HEADER + "\n".join([*GOOD, "skola,vinnare,F1,E07 och TEAM såg det.,"])
                                          + "\n", encoding="utf-8")
    problems = check_decisions(folder, rubric)
    assert [(p.row, p.column) for p in problems] == [(6, "motivation"), (6, "entry_id"), (6, "entry_id"),
                                                     (6, "award")]
    assert "'E07'" in problems[0].message and "TEAM" not in problems[0].message

    other = folder / "decisions-utkast.csv"  # another decisions file of the folder, named
    other.write_text(HEADER + "\n".join(GOOD) + "\n", encoding="utf-8")
    assert check_decisions(folder, rubric, other) == []

    (folder / "entries.csv").write_text("entry_id\n", encoding="utf-8")  # unusable: entries not checked
    problems = check_decisions(folder, rubric)
    assert problems[0].severity == "note" and problems[0].message.startswith("entries not checked")


def test_load_decisions_of_a_demo_year(tmp_path):
    data = demo_copy(tmp_path / "data", (2023,), training=False)
    (data / "2023" / "decisions.csv").unlink()  # the demo's own; made again below
    assert load_decisions(2023, data) is None
    yd = load_year(2023, data)
    rows = decisions(np.random.default_rng(0), 2023, _entry_dicts(yd), _totals(yd))
    _write(data / "2023" / "decisions.csv", rows)
    d = load_decisions(2023, data)
    assert set(d["class"]) == set(yd.entries["class"])
    _write(data / "2023" / "decisions.csv", [*rows, rows[0]])
    with pytest.raises(InputError, match=r"decisions.csv:\d+: "):
        load_decisions(2023, data)


# --------------------------------------------------------------------------- the demo's decisions


def _entry_dicts(yd) -> list[dict]:
    e = yd.entries
    return [{"entry_id": i, "name": n, "class": c, "budget_in_balance": "nej" if pd.notna(b) and not b else "ja"}
            for i, n, c, b in zip(e["entry_id"], e["name"], e["class"], e["budget_in_balance"], strict=True)]


def _totals(yd) -> dict[str, float]:
    """Each entry's consensus total (the site-visit score where there is one), as the demo weighs it."""
    s = yd.scores
    team = s[s["stage"].isin(["consensus", "site_visit"])]
    final = team.sort_values("stage").groupby(["entry_id", "criterion"])["score"].last()  # site_visit after
    w = pd.Series(yd.rubric.weights)
    return {eid: float((g.droplevel(0) * w[g.index.get_level_values(1)].to_numpy()).sum())
            for eid, g in final.groupby(level=0)}


def _write(path, rows) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["class", "award", "entry_id", "motivation", "override_reason"])
        w.writerows(rows)


@pytest.fixture(scope="module")
def demo_years(tmp_path_factory):
    data = demo_copy(tmp_path_factory.mktemp("decisions") / "data", range(2019, 2025), training=False)
    out = {}
    for year in range(2019, 2025):
        yd = load_year(year, data)
        rows = decisions(np.random.default_rng([21, year]), year, _entry_dicts(yd), _totals(yd))
        _write(data / str(year) / "decisions.csv", rows)
        out[year] = (yd, rows)
    return data, out


def test_the_demo_decisions_are_valid_every_year(demo_years):
    data, years = demo_years
    for year, (yd, rows) in years.items():
        assert check_decisions(data / str(year), yd.rubric) == [], year
        d = load_decisions(year, data)
        assert set(d["class"]) == set(yd.entries["class"])
        assert all(len(r) == 5 for r in rows)


def test_the_demo_winner_is_the_best_eligible_by_consensus_and_one_year_has_no_prize(demo_years):
    _, years = demo_years
    without = []
    for year, (yd, rows) in years.items():
        totals = _totals(yd)
        eligible = yd.entries[yd.entries["budget_in_balance"].fillna(True).astype(bool)]
        for cls, award, eid, _, reason in rows:
            assert reason == ""
            if award == "vinnare":
                mine = eligible[eligible["class"] == cls]["entry_id"]
                assert totals[eid] == max(totals[e] for e in mine if e in totals)
            if award == "inget_pris":
                without.append((year, cls))
                assert eid == ""
    assert [y for y, _ in without] == [y for y in years if y % NO_PRIZE_EVERY == 0] == [2022]
    yd = years[2022][0]
    counts = yd.entries["class"].value_counts()
    assert counts[without[0][1]] == counts.min()  # the smallest class
    assert no_prize_class(2023, _entry_dicts(years[2023][0])) is None


def test_the_demo_motivations_read_as_the_published_ones(demo_years):
    _, years = demo_years
    codes = set()
    texts = []
    for yd, rows in years.values():
        codes |= set(yd.scores["examiner_id"].astype(str))
        names = set(yd.entries["name"])
        for _cls, award, _eid, text, _ in rows:
            parts = paragraphs(text)
            assert 2 <= len(parts) <= 4, text
            assert not re.search(r"\d", text)  # no number, no code
            assert not any(n in text or n.split(" (")[0] in text for n in names)  # never names the unit
            if award == "hedersomnamnande":
                assert parts[-1].startswith("Enheten belönas med ett hedersomnämnande för att ")
            if award == "inget_pris":
                assert parts[0].startswith("Juryn har inte funnit något bidrag som i år når upp till nivån för en "
                                           "utmärkelse")
            texts.append(text)
    assert len(set(texts)) == len(texts)  # varied
    assert not any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", t) for c in codes for t in texts)
    kinds = {a for _, (_, rows) in years.items() for _, a, *_ in rows}
    assert kinds == set(AWARDS)


def test_the_demo_decisions_are_reproducible():
    entries = [{"entry_id": f"X{i}", "name": f"N{i}", "class": c, "budget_in_balance": b}
               for i, (c, b) in enumerate([("forskola", "ja"), ("forskola", "nej"), ("skola", "ja")])]
    totals = {"X0": 60.0, "X1": 70.0, "X2": 50.0}
    a = decisions(np.random.default_rng(5), 2023, entries, totals)
    assert a == decisions(np.random.default_rng(5), 2023, entries, totals)
    assert [(r[0], r[1], r[2]) for r in a if r[1] == "vinnare"] == [("forskola", "vinnare", "X0"),
                                                                     ("skola", "vinnare", "X2")]
    assert [r[1] for r in decisions(np.random.default_rng(5), 2022, entries, totals) if r[0] == "skola"][0] == \
        "inget_pris"  # 2022: the smallest class gets no prize
    assert motivation(np.random.default_rng(1), "forskola").count(PARAGRAPH) in (1, 2, 3)
