"""The rubric loader: the default rubric, per-year overrides, and broken rubrics refused."""

import pytest

from scoring.paths import RUBRIC_PATH
from scoring.problems import InputError
from scoring.rubric import load_rubric


def test_default_rubric_matches_design():
    r = load_rubric()
    assert r.criterion_ids == ["target_group", "leadership", "staff", "results", "goals_follow_up", "development"]
    assert sum(r.weights.values()) == pytest.approx(1)
    assert list(r.scale.values) == list(range(0, 101, 10))
    assert r.class_ids == ["forskola", "skola", "aldreomsorg", "socialtjanst", "andra"]
    assert sorted(r.question_criterion) == list(range(1, 24))
    assert r.question_criterion[15] == "results"


def test_swedish_labels_resolve_to_ids():
    r = load_rubric()
    assert r.criterion("Chef- och ledarskap").id == "leadership"
    assert r.criterion("  från MÅL till  uppföljning ").id == "goals_follow_up"
    assert r.criterion("staff").id == "staff"
    assert r.criterion("Ledarskap") is None


def test_scale_steps_and_bands():
    s = load_rubric().scale
    assert s.on_scale(70) and s.on_scale(0) and s.on_scale(100)
    assert not s.on_scale(75) and not s.on_scale(110) and not s.on_scale(-10)
    assert s.band(85) is None or s.band(85).label_sv
    assert s.band(90).label_sv == "Förebildligt"


def _write(tmp_path, text):
    p = tmp_path / "rubric.toml"
    p.write_text(text, encoding="utf-8")
    return p


BASE = RUBRIC_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "change, message",
    [
        (("weight = 0.16666666666666666", "weight = 0.5", 1), "weights sum to"),
        (("questions = [14, 15]", "questions = [13, 14, 15]", 1), "question 13 is in two criteria"),
        (("step = 10", "step = 30", 1), "does not divide the range"),
        (("step = 10", "step = 0", 1), "step must be positive"),
        (('id = "staff"', 'id = "leadership"', 1), "defined twice"),
    ],
)
def test_broken_rubric_is_refused_with_a_clear_message(tmp_path, change, message):
    old, new, count = change
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, count))
    with pytest.raises(InputError) as e:
        load_rubric(path)
    text = str(e.value)
    assert message in text
    assert "rubric.toml" in text


def test_invalid_toml_names_the_file(tmp_path):
    path = _write(tmp_path, "[scale\nmin = 0")
    with pytest.raises(InputError, match="rubric.toml.*not valid TOML"):
        load_rubric(path)


def test_year_override_replaces_top_level_tables(tmp_path):
    (tmp_path / "rubric.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "2000").mkdir()
    (tmp_path / "2000" / "rubric.toml").write_text(
        '[[classes]]\nid = "a"\nsv = "A"\n[[classes]]\nid = "b"\nsv = "B"\n[[classes]]\nid = "c"\nsv = "C"\n',
        encoding="utf-8",
    )
    r = load_rubric(year=2000, data_dir=tmp_path)
    assert r.class_ids == ["a", "b", "c"]
    assert len(r.criteria) == 6
    assert "2000/rubric.toml" in r.source
    assert load_rubric(year=2001, data_dir=tmp_path).class_ids[0] == "forskola"
