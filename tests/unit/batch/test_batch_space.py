"""Search spaces, grid/random trial generation and the model helpers of the sequential optimizers
(pipelines-and-batches.md §4.4, §5.2–5.4)."""

from __future__ import annotations

import random

import pytest

from guild.batch import bayesian, space, trials
from guild.errors import GuildError


def test_parse_space_kinds_and_order():
    dims, fixed = space.parse_space({
        "lr": "loguniform[1e-5:0.1]", "b": "[1:4]", "a": "[0.0:1.0:0.5]", "c": [1, "x"], "d": 3, "e": "text",
    })
    assert [d.name for d in dims] == ["a", "b", "c", "lr"]
    a, b, c, lr = dims
    assert (a.kind, a.low, a.high, a.initial, a.has_initial) == ("real", 0.0, 1.0, 0.5, True)
    assert (b.kind, b.low, b.high, b.has_initial) == ("int", 1, 4, False)
    assert (c.kind, c.categories) == ("cat", (1, "x"))
    assert (lr.kind, lr.log) == ("real", True)
    assert fixed == {"d": 3, "e": "text"}


def test_samples_stay_in_range_with_native_types():
    dims, _ = space.parse_space({"i": "[1:3]", "r": "[-2.0:2.0]", "l": "loguniform[0.001:1]", "c": ["a", "b"]})
    rng = random.Random(1)
    for _ in range(200):
        p = space.random_point(dims, rng)
        assert isinstance(p["i"], int) and 1 <= p["i"] <= 3
        assert isinstance(p["r"], float) and -2.0 <= p["r"] <= 2.0
        assert 0.001 <= p["l"] <= 1
        assert p["c"] in ("a", "b")


def test_features_are_in_the_unit_cube():
    dims, _ = space.parse_space({"l": "loguniform[0.01:1.0]", "c": ["a", "b", "c"], "i": "[0:4]"})
    c, i, l = dims
    assert c.features("b") == [0.0, 1.0, 0.0]
    assert i.features(1) == [0.25]
    assert l.features(0.1) == [pytest.approx(0.5)]
    assert c.contains("a") and not c.contains("z") and not i.contains(5) and i.contains(4)


def test_function_errors():
    with pytest.raises(GuildError) as e:
        space.parse_space({"x": "[2:1]"})
    assert e.value.message == (
        "invalid function args in 'x=uniform[2:1]': the lower bound 2 has to be less than the upper bound 1"
    )
    with pytest.raises(GuildError):
        space.parse_space({"x": "foo[1:2]"})
    with pytest.raises(GuildError):
        space.require_dimensions({"x": 1})


def test_grid_trials_order_and_sampling():
    grid = trials.grid_trials({"b": [3, 4], "a": [1, 2], "c": 0}, None, None)
    assert grid == [{"a": 1, "b": 3, "c": 0}, {"a": 1, "b": 4, "c": 0}, {"a": 2, "b": 3, "c": 0},
                    {"a": 2, "b": 4, "c": 0}]
    random.seed(3)
    expected = [grid[i] for i in sorted(random.sample(range(4), 2))]
    assert trials.grid_trials({"b": [3, 4], "a": [1, 2], "c": 0}, 2, 3) == expected


def test_file_grid_trials_precedence():
    result = trials.file_grid_trials({"x": 1, "y": 2}, {"y": [5, 6]}, [{"x": 7, "y": 0}, {"x": 8}], None, 0)
    assert result == [{"x": 7, "y": 5}, {"x": 7, "y": 6}, {"x": 8, "y": 5}, {"x": 8, "y": 6}]


def test_random_trials_seeded_and_initial_first():
    a = trials.random_trials({"x": "[0.0:1.0:0.25]", "n": 1}, 5, 11)
    assert a == trials.random_trials({"x": "[0.0:1.0:0.25]", "n": 1}, 5, 11)
    assert a[0] == {"n": 1, "x": 0.25}
    assert len({t["x"] for t in a}) == 5


def test_check_available_message(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(GuildError) as e:
        bayesian.check_available("gp")
    assert e.value.message == ("the gp optimizer requires scikit-learn: pip install scikit-learn (or, in a checkout "
                               "of guild, pip install -e '.[hpo]')")
    assert e.value.exit_code == 1


@pytest.mark.parametrize("algorithm", ["gp", "forest", "gbrt"])
def test_suggest_moves_toward_the_minimum(algorithm):
    np = pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    dims, _ = space.parse_space({"x": "[0.0:1.0]", "c": ["a", "b"]})
    xs = [["a", x / 10] for x in range(11)] + [["b", x / 10] for x in range(11)]
    ys = [(x - 0.3) ** 2 + (0 if c == "a" else 1) for c, x in xs]
    c, x = bayesian.suggest(algorithm, dims, xs, ys, {"acq-func": "EI", "xi": 0.0}, np.random.default_rng(0))
    assert c == "a"
    assert abs(x - 0.3) < 0.15
    assert isinstance(x, float)


def test_csv_trials_decode_cells_and_skip_blank_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.csv").write_text("x,msg,ok\n1,hello there,yes\n\n2.5,'1'\n")
    assert trials.read_batch_files(["t.csv"], str(tmp_path)) == [
        {"x": 1, "msg": "hello there", "ok": True}, {"x": 2.5, "msg": "1"},
    ]
