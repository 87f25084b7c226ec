"""The national-size demo year (scoring.demo_national, ``scoring demo --scale national``)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from scoring.cli import main
from scoring.data.validate import validate_paths
from scoring.demo_national import NATIONAL, generate_national
from scoring.rubric import load_rubric

SMALL = replace(NATIONAL, n_entries=300, n_examiners=60)


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    out = tmp_path_factory.mktemp("national")
    generate_national(out)
    folder = out / str(NATIONAL.year)
    return {name: pd.read_csv(folder / f"{name}.csv", dtype={"entry_id": str}) for name in
            ("entries", "examiners", "assignments", "scores")}


def test_the_national_year_has_the_size_the_issue_asks_for(national):
    scores, entries = national["scores"], national["entries"]
    assert 190_000 <= len(scores) <= 230_000
    assert len(entries) == 6000 and entries["entry_id"].is_unique
    assert len(national["examiners"]) == 1000
    individual = scores[scores["stage"] == "individual"]
    teams = individual.groupby("entry_id")["examiner_id"].nunique()
    assert teams.between(4, 6).all() and set(teams) == {4, 5, 6}
    assert set(individual["examiner_id"]) == set(national["examiners"]["examiner_id"])
    # one consensus score per entry and criterion, on the scale's steps
    consensus = scores[scores["stage"] == "consensus"]
    assert len(consensus) == 6000 * len(load_rubric().criterion_ids)
    assert (scores["score"] % 10 == 0).all() and scores["score"].between(0, 100).all()
    # every class and ineligible entries present; the register matches the teams
    assert set(entries["class"]) == set(load_rubric().class_ids)
    assert 0.05 < (entries["budget_in_balance"] == "nej").mean() < 0.15
    pairs = individual[["entry_id", "examiner_id"]].drop_duplicates()
    assert len(pairs) == len(national["assignments"])


def test_circles_overlap_so_the_year_is_one_connected_design(national):
    """Teams are drawn mostly within circles but a quarter of the places across: every examiner
    is linked to every other through shared entries (one connected group)."""
    pairs = national["scores"].query("stage == 'individual'")[["entry_id", "examiner_id"]].drop_duplicates()
    by_entry = pairs.groupby("entry_id")["examiner_id"].apply(list)
    parent = {x: x for x in pairs["examiner_id"]}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for team in by_entry:
        for other in team[1:]:
            parent[find(other)] = find(team[0])
    assert len({find(x) for x in parent}) == 1


def test_same_seed_same_bytes_and_the_folder_validates(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    files_a = generate_national(a, settings=SMALL)
    generate_national(b, settings=SMALL)
    for f in files_a:
        assert f.read_bytes() == (b / f.relative_to(a)).read_bytes(), f.name
    assert validate_paths([a]) == []
    generate_national(b, seed=7, settings=SMALL)
    assert (a / "2030/scores.csv").read_bytes() != (b / "2030/scores.csv").read_bytes()


def test_cli_writes_to_a_folder_of_its_own_only(tmp_path, capsys):
    assert main(["demo", "--scale", "national"]) == 1
    assert "--out" in capsys.readouterr().err
