"""The simulator behind the model's recovery tests and the calibration benchmark."""

import numpy as np

from scoring.simulate import CRITERIA, Settings, simulate_year


def test_reference_simulation_shape_and_scale():
    y = simulate_year(seed=1)
    s = y.settings
    assert y.entries["entry_id"].nunique() == s.n_entries == 35
    sizes = y.scores.groupby("entry_id")["examiner_id"].nunique()
    assert sizes.between(4, 6).all()
    assert (y.scores.groupby(["entry_id", "examiner_id"]).size() == len(CRITERIA)).all()
    assert y.scores["score"].between(0, 100).all() and (y.scores["score"] % 10 == 0).all()
    assert np.allclose(y.quality, y.truth.groupby("entry_id")["true_score"].mean())


def test_same_seed_same_data_and_unbiased_variant():
    a, b = simulate_year(seed=3), simulate_year(seed=3)
    assert a.scores.equals(b.scores)
    assert (simulate_year(Settings().unbiased(), seed=3).examiners["bias"] == 0).all()


def test_circles_keep_most_places_inside():
    y = simulate_year(Settings(circle_size=20, n_examiners=60, n_entries=120), seed=2)
    circle = y.examiners.set_index("examiner_id")["circle"]
    team = y.scores.drop_duplicates(["entry_id", "examiner_id"])
    own = team.groupby("entry_id")["examiner_id"].agg(lambda x: circle[x].value_counts().idxmax())
    inside = (circle[team["examiner_id"]].to_numpy() == own[team["entry_id"]].to_numpy()).mean()
    assert 0.6 < inside < 0.95
