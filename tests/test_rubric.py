"""The rubric loader: the default rubric, per-year overrides, and broken rubrics refused."""

import pytest

from scoring.paths import RUBRIC_PATH
from scoring.problems import InputError, display_path
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


def test_question_texts_from_the_2022_entry():
    """Every question's Swedish wording as the 2022 entry (seed 003) gives it; 11 and 12 have none there."""
    r = load_rubric()
    assert r.question_text(5) == "Våra ledarskapsbeteenden märks och har effekt"
    assert r.question_text(23).startswith("Hur vi delar med oss av goda exempel")
    assert r.question_text(11) is None and r.question_text(12) is None
    assert r.question_text(99) is None
    worded = sorted(q for q in r.question_criterion if r.question_text(q))
    assert worded == [q for q in range(1, 24) if q not in (11, 12)]
    staff = r.criterion("staff")
    assert [q for q, _ in staff.question_texts] == [10, 13]
    assert staff.question_text(13).startswith("Resultaten från den senaste medarbetarundersökningen")


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('5 = "Våra ledarskapsbeteenden', '4 = "Våra ledarskapsbeteenden', "question_texts has question 4"),
        ('5 = "Våra ledarskapsbeteenden märks och har effekt"', "5 = 7", "question 5's text must be a non-empty"),
        ('5 = "Våra ledarskapsbeteenden märks och har effekt"', '5 = "  "', "must be a non-empty string"),
        ('5 = "Våra ledarskapsbeteenden', 'fem = "Våra ledarskapsbeteenden', "key 'fem' is not a question number"),
    ],
)
def test_broken_question_texts_are_refused(tmp_path, old, new, message):
    assert old in BASE
    with pytest.raises(InputError, match=message):
        load_rubric(_write(tmp_path, BASE.replace(old, new, 1)))


def test_a_rubric_without_question_texts_still_loads(tmp_path):
    lines = BASE.splitlines()
    kept, skipping = [], False
    for line in lines:
        if line.startswith("[criteria.question_texts]"):
            skipping = True
            continue
        if skipping and (line.startswith("[") or not line.strip()):
            skipping = False
        if not skipping:
            kept.append(line)
    r = load_rubric(_write(tmp_path, "\n".join(kept)))
    assert all(c.question_texts == () for c in r.criteria)
    assert r.question_text(5) is None


def test_a_score_between_two_bands_takes_the_lower():
    s = load_rubric().scale
    assert s.lower_band(25).label_sv == "Ansats saknas eller är anekdotisk"  # between 0-20 and 30-40
    assert s.lower_band(45) == s.band(40)
    assert s.lower_band(85) == s.band(80)
    assert s.lower_band(30) == s.band(30) and s.lower_band(100).label_sv == "Förebildligt"
    assert s.lower_band(float("nan")) is None and s.lower_band(None) is None
    from scoring.rubric import Band, Scale

    top = Scale(0, 100, 10, (Band(30, 60, "Mitt", "Middle"), Band(70, 100, "Topp", "Top")))
    assert top.lower_band(10) is None  # below the lowest band
    assert top.lower_band(65).label_sv == "Mitt"
    assert Scale(0, 100, 10).lower_band(50) is None  # no bands


def test_a_rubric_that_cannot_be_read_is_named_with_the_reason(tmp_path, monkeypatch):
    folder = tmp_path / "rubric.toml"
    folder.mkdir()
    with pytest.raises(InputError) as e:
        load_rubric(folder)
    assert [str(p) for p in e.value.problems] == [f"{display_path(folder)}: -: is a folder, not a file"]

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr("pathlib.Path.read_bytes", denied)
    with pytest.raises(InputError) as e:
        load_rubric(RUBRIC_PATH)
    assert [p.message for p in e.value.problems] == ["cannot read the file: permission denied"]


def test_a_rubric_not_in_utf8_names_the_line_and_column_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_bytes(RUBRIC_PATH.read_bytes() + "\n# Sista raden: \u00e4ndrad\n".encode("cp1252"))
    line = RUBRIC_PATH.read_bytes().count(b"\n") + 2
    with pytest.raises(InputError) as e:
        load_rubric(path)
    (p,) = e.value.problems
    assert (p.row, p.column) == (line, "column 16")
    assert p.message.startswith("byte 0xE4 is not UTF-8")


@pytest.mark.parametrize("old, new, message", [
    ("weight = 0.16666666666666666", 'weight = "x"', "criterion target_group: 'weight' must be a number, not 'x'"),
    ("step = 10", "step = true", "[scale]: 'step' must be a number, not True"),
    ("spread_threshold = 30", 'spread_threshold = "hög"', "the rubric: 'spread_threshold' must be a number, not 'hög'"),
])
def test_a_value_that_is_not_a_number_is_named_by_its_table_and_key(tmp_path, old, new, message):
    text = RUBRIC_PATH.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(InputError) as e:
        load_rubric(_write(tmp_path, text.replace(old, new, 1)))
    assert message in [p.message for p in e.value.problems]
