"""Parsing flag args for globals-style dests (spec §4.5 step 3)."""

from guild.runner.flagargs import args_to_flags, nest
from guild.runner.python import split_args


def test_split_at_last_double_dash():
    assert split_args(["a", "--", "b", "--", "--x", "1"]) == (["a", "--", "b"], ["--x", "1"])
    assert split_args(["--x", "1"]) == ([], ["--x", "1"])
    assert split_args(["a", "--"]) == (["a"], [])


def test_values_are_yaml_decoded():
    flags, extra = args_to_flags(["--i", "1", "--f", "1e3", "--b", "yes", "--s", "'007'",
                                  "--l", "[1, two]", "--n", "null"])
    assert flags == {"i": 1, "f": 1000.0, "b": True, "s": "007", "l": [1, "two"], "n": None}
    assert extra == []


def test_switch_without_value_is_true():
    assert args_to_flags(["--a", "--b", "2"]) == ({"a": True, "b": 2}, [])


def test_repeated_key_and_several_values_collect_a_list():
    assert args_to_flags(["--x", "1", "--x", "2"])[0] == {"x": [1, 2]}
    assert args_to_flags(["--x", "1", "2", "three"])[0] == {"x": [1, 2, "three"]}


def test_negative_number_is_a_value_and_other_dash_tokens_are_keys():
    assert args_to_flags(["--x", "-1", "--y", "-2.5"])[0] == {"x": -1, "y": -2.5}
    assert args_to_flags(["--x", "1", "-v"])[0] == {"x": 1, "v": True}


def test_tokens_before_any_key_are_extra():
    assert args_to_flags(["pos", "2", "--x", "1"]) == ({"x": 1}, ["pos", "2"])


def test_nest_dotted_names():
    assert nest({"opt.m": 0.1, "opt.inner.k": "a", "x": 1}) == {
        "opt": {"m": 0.1, "inner": {"k": "a"}}, "x": 1,
    }
