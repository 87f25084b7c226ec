"""The synthetic demo data set: deterministic, committed up to date, realistic, valid."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from scoring.demo import DEFAULT_SEED, DEFAULT_YEARS, MESSY_INPUTS, TRAINING_SESSION, generate
from scoring.paths import DATA_DIR
from scoring.rubric import load_rubric
from scoring.scorebook.cells import workbook_cells

YEARS = list(DEFAULT_YEARS)
WORKBOOK_YEAR = YEARS[-1]  # the year whose training day is handed in as workbooks


def session(out, year):
    return out / str(year) / "training" / TRAINING_SESSION


def same_content(a, b) -> bool:
    """Same bytes, or for workbooks the same cells (a workbook's zip records when it was saved)."""
    if a.suffix == ".xlsx":
        return workbook_cells(a) == workbook_cells(b)
    return a.read_bytes() == b.read_bytes()


# ---------------------------------------------------------------------------------------
# helpers
def read_table(path) -> pd.DataFrame:
    """A demo CSV as strings: comma- or (Swedish Excel) semicolon-separated, BOM or not."""
    with open(path, encoding="utf-8-sig") as f:
        header = f.readline()
    sep = ";" if header.count(";") > header.count(",") else ","
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def tidy_scores(path, rubric) -> pd.DataFrame:
    """Scores with numeric scores, criterion ids, blank stage = individual, and question
    scores rolled up (mean) to their criterion."""
    s = read_table(path)
    s["score"] = s["score"].str.replace(",", ".", regex=False).astype(float)
    s["criterion"] = [rubric.criterion(c).id for c in s["criterion"]]
    s["stage"] = s["stage"].replace("", "individual")
    keys = ["year", "entry_id", "examiner_id", "criterion", "stage"]
    return s.groupby(keys, as_index=False, sort=True).agg(score=("score", "mean"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out)


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture(scope="module")
def data(generated, rubric):
    """Per year: entries, tidy scores, tidy training scores (reference and trainees); plus
    the truth tables."""
    from scoring.kinds.training.session import load_session

    out, _ = generated
    years = {}
    for y in YEARS:
        ref = tidy_scores(session(out, y) / "reference.csv", rubric)
        if y == WORKBOOK_YEAR:
            s = load_session(y, TRAINING_SESSION, out)
            trainees = s.scores.assign(year=str(y))[["year", "entry_id", "examiner_id", "criterion", "stage", "score"]]
        else:
            trainees = tidy_scores(session(out, y) / "trainees.csv", rubric)
        years[y] = {
            "entries": read_table(out / str(y) / "entries.csv"),
            "scores": tidy_scores(out / str(y) / "scores.csv", rubric),
            "training": pd.concat([ref, trainees], ignore_index=True),
        }
    truth_entries = pd.read_csv(out / "demo_truth" / "entries.csv", dtype={"year": str})
    truth_examiners = pd.read_csv(out / "demo_truth" / "examiners.csv", dtype={"year": str})
    return years, truth_entries, truth_examiners


def individual(scores: pd.DataFrame) -> pd.DataFrame:
    return scores[scores["stage"] == "individual"]


# ---------------------------------------------------------------------------------------
# determinism and freshness
def test_same_seed_gives_identical_bytes(generated, tmp_path):
    out, paths = generated
    again = generate(tmp_path)
    assert [p.relative_to(tmp_path) for p in again] == [p.relative_to(out) for p in paths]
    for a, b in zip(paths, again, strict=True):
        assert same_content(a, b), a.relative_to(out)


def test_other_seed_gives_other_data(generated, tmp_path):
    out, _ = generated
    generate(tmp_path, seed=DEFAULT_SEED + 1, years=[2024])
    assert (tmp_path / "2024" / "scores.csv").read_bytes() != (out / "2024" / "scores.csv").read_bytes()


def test_committed_data_equal_a_fresh_run(generated):
    out, paths = generated
    stale = [
        str(p.relative_to(out))
        for p in paths
        if not (DATA_DIR / p.relative_to(out)).is_file() or not same_content(DATA_DIR / p.relative_to(out), p)
    ]
    assert not stale, f"committed demo data are stale, rerun `scoring demo`: {stale}"
    written = {DATA_DIR / p.relative_to(out) for p in paths}
    extra = [str(p.relative_to(DATA_DIR)) for y in YEARS for p in (DATA_DIR / str(y)).rglob("*")
             if p.is_file() and p not in written]
    assert not extra, f"files in data/ that `scoring demo` does not write: {extra}"


def test_files_written(generated):
    out, paths = generated
    names = {str(p.relative_to(out)) for p in paths}
    for y in YEARS:
        t = f"{y}/training/{TRAINING_SESSION}"
        assert {f"{y}/entries.csv", f"{y}/examiners.csv", f"{y}/scores.csv", f"{y}/assignments.csv",
                f"{t}/reference.csv"} <= names
        assert (f"{t}/trainees.csv" in names) == (y != WORKBOOK_YEAR)
        assert f"{y}/training.csv" not in names
    assert {f"{WORKBOOK_YEAR}/training/{TRAINING_SESSION}/T{i:02d}.xlsx" for i in range(1, 26)} <= names
    assert {"conflicts.csv", "demo_truth/entries.csv", "demo_truth/examiners.csv", "demo_truth/trainees.csv",
            "README.md"} <= names
    for p in paths:
        if p.suffix == ".xlsx":
            continue
        raw = p.read_bytes()
        assert b"\r" not in raw, p
        assert raw.endswith(b"\n"), p
        raw.decode("utf-8")
        is_excel = p.name == "scores.csv" and MESSY_INPUTS.get(int(p.parent.name)) == "swedish_excel"
        assert raw.startswith(b"\xef\xbb\xbf") == is_excel, p


# ---------------------------------------------------------------------------------------
# realism
def test_entries(data, rubric):
    years, _, _ = data
    for y, d in years.items():
        e = d["entries"]
        assert list(e.columns) == ["entry_id", "name", "class", "district", "staff_count", "budget_in_balance",
                                   "administration", "unit_id"]
        assert 25 <= len(e) <= 35
        assert e["entry_id"].is_unique and e["name"].is_unique
        assert all(re.fullmatch(rf"{y}-\d\d", i) for i in e["entry_id"])
        assert e["name"].str.endswith("(fiktiv)").all()
        counts = e["class"].value_counts()
        assert set(counts.index) == set(rubric.class_ids) and counts.min() >= 3, y
        assert set(e["budget_in_balance"]) == {"ja", "nej"}
        assert (e["budget_in_balance"] == "nej").sum() <= len(e) // 4
        assert (e["staff_count"].astype(int) >= 5).all()


def test_pool_and_teams(data):
    years, _, truth = data
    for y, d in years.items():
        ind = individual(d["scores"])
        assert set(ind["entry_id"]) == set(d["entries"]["entry_id"])
        team = ind.groupby("entry_id")["examiner_id"].nunique()
        assert team.between(4, 6).all(), y
        load = ind.groupby("examiner_id")["entry_id"].nunique()
        assert load.between(3, 5).all(), y
        assert 32 <= load.size <= 45, y
        active = truth.loc[truth["year"] == str(y), "examiner_id"]
        assert set(active) == set(load.index)
        assert all(re.fullmatch(r"E\d\d+", x) for x in load.index)
    tenure = truth.groupby("examiner_id")["year"].nunique()
    assert tenure.median() >= 3
    assert truth.groupby("year")["first_year"].apply(lambda s: (s == int(s.name)).sum()).between(6, 12).all()
    assert truth.loc[truth["drifting"] == "ja", "examiner_id"].nunique() >= 3


def test_assignments_are_the_teams(generated, data):
    out, _ = generated
    years, _, _ = data
    for y, d in years.items():
        a = read_table(out / str(y) / "assignments.csv")
        assert list(a.columns) == ["entry_id", "examiner_id"]
        pairs = set(zip(a["entry_id"], a["examiner_id"], strict=True))
        ind = individual(d["scores"])
        assert pairs == set(zip(ind["entry_id"], ind["examiner_id"], strict=True)) and len(pairs) == len(a)


def test_the_register_is_consistent_with_the_teams(generated, data):
    """Issue 20: every year's examiners.csv holds the year's examiners (new ones not experienced),
    and no team of the demo breaks the register: no examiner on an entry of their own
    administration or district or one they declared a conflict with, none above max_entries."""
    from scoring.names import place_key

    out, _ = generated
    years, _, truth = data
    conflicts = read_table(out / "conflicts.csv")
    assert list(conflicts.columns) == ["examiner_id", "entry_id", "unit_id", "district", "reason"]
    assert len(conflicts) >= 4 and (conflicts["reason"] != "").all()
    assert (conflicts["entry_id"] != "").any() and (conflicts["district"] != "").any()
    for y, d in years.items():
        ex = read_table(out / str(y) / "examiners.csv").set_index("examiner_id")
        assert list(ex.columns) == ["experienced", "administration", "district", "max_entries"]
        active = truth[truth["year"] == str(y)].set_index("examiner_id")
        assert set(ex.index) == set(active.index)
        new = active["first_year"].astype(int) == y
        assert (ex.loc[active.index, "experienced"] == np.where(new, "nej", "ja")).all(), y
        entries = d["entries"].set_index("entry_id")
        assert (entries["administration"] != "").all()
        ind = individual(d["scores"])[["entry_id", "examiner_id"]].drop_duplicates()
        load = ind.groupby("examiner_id").size()
        assert (load <= ex.loc[load.index, "max_entries"].astype(int)).all(), y
        for _, r in ind.iterrows():
            e, x = entries.loc[r["entry_id"]], ex.loc[r["examiner_id"]]
            assert place_key(e["administration"]) != place_key(x["administration"]), (y, r.tolist())
            assert not x["district"] or place_key(e["district"]) != place_key(x["district"]), (y, r.tolist())
            mine = conflicts[conflicts["examiner_id"] == r["examiner_id"]]
            assert r["entry_id"] not in set(mine["entry_id"]), (y, r.tolist())
            assert place_key(e["district"]) not in {place_key(t) for t in mine["district"] if t}, (y, r.tolist())


def test_consensus_and_site_visit(data, rubric):
    years, _, _ = data
    step = rubric.scale.step
    for y, d in years.items():
        s, e = d["scores"], d["entries"]
        cons = s[s["stage"] == "consensus"]
        assert len(cons) == len(e) * len(rubric.criteria)
        assert not cons.duplicated(["entry_id", "criterion"]).any()
        teams = individual(s).groupby("entry_id")["examiner_id"].agg(set)
        for eid, who in cons.groupby("entry_id")["examiner_id"].agg(set).items():
            assert len(who) == 1
            (who,) = who
            assert who == "TEAM" if y % 2 else who in teams[eid]
        site = s[s["stage"] == "site_visit"]
        visited = set(site["entry_id"])
        per_class = e[e["entry_id"].isin(visited)]["class"].value_counts()
        for cls, n in e["class"].value_counts().items():
            assert per_class.get(cls, 0) == math.ceil(n / 3)
        both = site.merge(cons, on=["entry_id", "criterion"], suffixes=("_sv", "_c"))
        assert len(both) == len(site)
        assert ((both["score_sv"] - both["score_c"]).abs() <= step).all()


def test_training_case(data, rubric):
    years, truth_entries, truth = data
    for y, d in years.items():
        t = d["training"]
        assert set(t["entry_id"]) == {f"TRAIN-{y}"}
        assert f"TRAIN-{y}" not in set(d["entries"]["entry_id"])
        ref = t[t["stage"] == "reference"]
        assert set(ref["examiner_id"]) == {"REF"} and len(ref) == len(rubric.criteria)
        trainees = set(individual(t)["examiner_id"])
        assert f"TRAIN-{y}" in set(truth_entries["entry_id"])
        if y == WORKBOOK_YEAR:
            assert trainees == {f"T{i:02d}" for i in range(1, 26)}
            continue
        ty = truth[truth["year"] == str(y)]
        new = set(ty.loc[ty["first_year"] == y, "examiner_id"])
        assert new <= trainees and 6 <= len(new) <= 12
        assert len(trainees - new) == 2


def test_training_day_workbooks(generated, data, rubric):
    """The last year's trainees handed in filled scorebooks: some blank, comments starting
    with + or - kept as text, most trainees too lenient, and the estimates recover the truth."""
    from scoring.calibration import reference_accuracy
    from scoring.kinds.training.session import load_session

    out, _ = generated
    s = load_session(WORKBOOK_YEAR, TRAINING_SESSION, out)
    assert not s.problems and all(h.kind == "workbook" for h in s.hand_ins)
    truth = pd.read_csv(out / "demo_truth" / "trainees.csv", dtype={"code": str}, keep_default_na=False)
    assert truth["code"].tolist() == s.trainees
    n_scored = s.scores.groupby("examiner_id").size().reindex(truth["code"])
    n_blank = truth["blank"].str.split().str.len().fillna(0).to_numpy()
    assert (n_scored.to_numpy() == len(rubric.criteria) - n_blank).all()
    assert 3 <= (n_blank > 0).sum() <= 6
    comments = s.scores.loc[s.scores["comment"] != "", "comment"]
    assert comments.str.startswith("+ ").any() and comments.str.startswith("- ").any()
    cells = [c for p in sorted(session(out, WORKBOOK_YEAR).glob("*.xlsx")) for sheet in workbook_cells(p).values()
             for c in sheet.values()]
    assert not [c for c in cells if c[1] == "f"]  # no formula anywhere
    acc = reference_accuracy(s.scores, s.reference, rubric=rubric).set_index("examiner_id")
    true = truth.set_index("code")["leniency"].astype(float)
    # one case: the elevation also holds the trainee's impression of that case (sd 6 % of the scale)
    assert np.corrcoef(acc.loc[true.index, "elevation"], true)[0, 1] > 0.5
    assert (acc["elevation"] > 0).mean() > 0.6  # new examiners start too lenient


def test_scores_are_valid(generated, rubric):
    out, _ = generated
    scale = rubric.scale
    q_crit = rubric.question_criterion
    for y in YEARS:
        files = [out / str(y) / "scores.csv", session(out, y) / "reference.csv"]
        files += [session(out, y) / "trainees.csv"] if y != WORKBOOK_YEAR else []
        for path in files:
            name = path.name
            raw = read_table(path)
            texts = ["strengths", "improvements"] if name == "scores.csv" else []  # consensus rows only there
            assert list(raw.columns) == [
                "year", "entry_id", "examiner_id", "criterion", "score", "stage", "question", "comment", *texts
            ]
            assert (raw["year"] == str(y)).all()
            scores = raw["score"].str.replace(",", ".", regex=False).astype(float)
            assert all(scale.on_scale(x) for x in scores), (y, name)
            crit = [rubric.criterion(c) for c in raw["criterion"]]
            assert all(c is not None for c in crit)
            assert set(raw["stage"]) <= {"", "individual", "consensus", "site_visit", "reference"}
            has_q = raw["question"] != ""
            assert all(q_crit[int(q)] == c.id for q, c, h in zip(raw["question"], crit, has_q, strict=True) if h)
            key = raw.assign(criterion=[c.id for c in crit], stage=raw["stage"].replace("", "individual"))
            assert not key.duplicated(["entry_id", "examiner_id", "criterion", "stage", "question"]).any()
            # question scores roll up (mean) to an on-scale criterion score
            rolled = tidy_scores(path, rubric)["score"]
            assert all(scale.on_scale(x) for x in rolled)


def test_messy_inputs(generated, data, rubric):
    out, _ = generated
    years, _, _ = data
    where = {kind: year for year, kind in MESSY_INPUTS.items()}

    raw = read_table(out / str(where["swedish_labels"]) / "scores.csv")
    labels_sv = {c.label_sv for c in rubric.criteria}
    assert raw["criterion"].isin(labels_sv).any() and raw["criterion"].isin(rubric.criterion_ids).any()
    assert "Chef- och ledarskap" in set(raw["criterion"])

    path = out / str(where["swedish_excel"]) / "scores.csv"
    text = path.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffyear;entry_id;examiner_id;criterion;score;stage;question;comment;strengths;"
                           "improvements\n")
    assert re.search(r";\d+,0;", text)

    raw = read_table(out / str(where["question_level"]) / "scores.csv")
    q = raw[raw["question"] != ""]
    assert q["examiner_id"].nunique() == 2
    assert set(q["question"].astype(int)) == set(rubric.question_criterion)
    assert not (raw["question"] == "").all()

    raw = read_table(out / str(where["blank_stage"]) / "scores.csv")
    assert (raw["stage"] == "").any() and (raw["stage"] == "individual").any()

    ind = individual(years[where["incomplete_scorebook"]]["scores"])
    n_crit = ind.groupby(["entry_id", "examiner_id"]).size()
    assert (n_crit == len(rubric.criteria) - 1).sum() == 1
    assert (n_crit == len(rubric.criteria)).sum() == len(n_crit) - 1
    for y in YEARS:
        if y != where["incomplete_scorebook"]:
            sizes = individual(years[y]["scores"]).groupby(["entry_id", "examiner_id"]).size()
            assert (sizes == len(rubric.criteria)).all()


def test_comments_need_quoting(generated):
    out, _ = generated
    all_comments = pd.concat([read_table(out / str(y) / "scores.csv")["comment"] for y in YEARS])
    comments = all_comments[all_comments != ""]
    assert 0.05 < len(comments) / len(all_comments) < 0.5
    assert comments.str.contains(",").any()
    assert comments.str.contains('"').any()
    assert comments.str.contains("\n").any()


# ---------------------------------------------------------------------------------------
# the truth is recoverable
def test_truth_covers_entries(data, rubric):
    years, truth_entries, _ = data
    for y, d in years.items():
        t = truth_entries[truth_entries["year"] == str(y)]
        expected = {(e, c) for e in d["entries"]["entry_id"] for c in rubric.criterion_ids}
        assert expected <= set(zip(t["entry_id"], t["criterion"], strict=True))
    assert truth_entries["true_score"].between(rubric.scale.min, rubric.scale.max).all()


def test_leniency_is_recoverable(data):
    years, _, truth = data
    ind = pd.concat([individual(d["scores"]) for d in years.values()])
    g = ind.groupby(["year", "entry_id", "criterion"])["score"]
    n, total = g.transform("count"), g.transform("sum")
    ind = ind.assign(dev=ind["score"] - (total - ind["score"]) / (n - 1))
    est = ind.groupby("examiner_id")["dev"].mean()
    true = truth.groupby("examiner_id")["leniency"].mean()
    r = np.corrcoef(est, true.loc[est.index])[0, 1]
    assert r > 0.8, r


def test_agreement_is_low_to_moderate(data):
    """Examiners agree as in Baldrige-type awards: the correlation of two examiners'
    scores of the same entry and criterion (an ICC-like figure) is about 0.3-0.6."""
    years, _, _ = data
    a, b = [], []
    for d in years.values():
        for _, x in individual(d["scores"]).groupby(["entry_id", "criterion"])["score"]:
            v = x.to_numpy()
            i, j = np.triu_indices(len(v), 1)
            a.append(v[i])
            b.append(v[j])
    a, b = np.concatenate(a), np.concatenate(b)
    r = np.corrcoef(np.r_[a, b], np.r_[b, a])[0, 1]
    assert 0.25 < r < 0.65, r


# ---------------------------------------------------------------------------------------
def test_generated_data_pass_validation(generated):
    from scoring.data.validate import validate_paths

    out, _ = generated
    problems = validate_paths([out])
    errors = [str(p) for p in problems if p.severity == "error"]
    assert not errors, "\n".join(errors)


def test_decisions_change_logs_and_people_are_consistent(generated):
    """Issue 21: every demo year has a valid decision (one class of one year without a prize), a
    change log whose checksums lead to the scores.csv as written, and people.csv is valid."""
    from scoring.data.changes import check_changes
    from scoring.data.decisions import check_decisions
    from scoring.data.people import check_people

    out, _ = generated
    no_prize = 0
    for y in YEARS:
        rubric = load_rubric(year=y, data_dir=out)
        assert check_decisions(out / str(y), rubric) == [], y
        assert check_changes(out / str(y)) == [], y
        log = read_table(out / str(y) / "changes.csv")
        assert len(log) >= 1 and (log["action"] == "correct").all() and (log["reason"] != "").all()
        before, after = log["scores_sha256_before"].to_numpy(), log["scores_sha256_after"].to_numpy()
        assert (before[1:] == after[:-1]).all()
        no_prize += (read_table(out / str(y) / "decisions.csv")["award"] == "inget_pris").sum()
    assert no_prize == 1
    assert check_people(out) == []
    people = read_table(out / "people.csv")
    assert people["email"].str.endswith("@example.org").all() and people["code"].is_unique


def test_units_return_and_consensus_rows_carry_the_team_s_texts(generated, rubric):
    """Issue 19: every entry has a unit id, a few units return across years (same name and class),
    and every consensus row has the team's strengths and areas for development (one point per
    line), but for two criteria of the year before the last, left without one for the office's checklist."""
    out, _ = generated
    seen: dict[str, tuple[str, str]] = {}
    returning = {}
    for y in YEARS:
        e = read_table(out / str(y) / "entries.csv")
        assert (e["unit_id"] != "").all() and e["unit_id"].is_unique, y
        for _, r in e.iterrows():
            if r["unit_id"] in seen:
                assert seen[r["unit_id"]] == (r["name"], r["class"]), (y, r["unit_id"])
                returning.setdefault(y, []).append(r["entry_id"])
            seen[r["unit_id"]] = (r["name"], r["class"])
        s = read_table(out / str(y) / "scores.csv")
        consensus = s[s["stage"] == "consensus"]
        others = s[s["stage"] != "consensus"]
        assert (others[["strengths", "improvements"]] == "").all().all(), y
        empty = (consensus[["strengths", "improvements"]] == "").sum().sum()
        assert empty == (2 if y == YEARS[-2] else 0), y
        points = consensus["strengths"].str.split("\n").str.len()
        assert points.between(1, 3).all() and consensus["strengths"].nunique() > len(consensus) / 3, y
        assert consensus["improvements"].str.contains("fråga ").mean() > 0.9
    assert len(returning.get(YEARS[-1], [])) >= 2 and sum(map(len, returning.values())) >= 8
