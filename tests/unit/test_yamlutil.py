"""The fast attr emitter must write exactly what PyYAML's block dumper writes."""

from __future__ import annotations

import os
import random
import string

import yaml

from guild.util import yamlutil


def _pyyaml(value) -> str:
    text = yamlutil.dump(value).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")].rstrip()
    elif text == "...":
        text = ""
    return text + "\n"


SAMPLES = [
    0, 1, -15, 1795485108583750, 0.1, 1e-05, 1.5e20, float("inf"), float("-inf"), 3.0,
    True, False, None, "", "hello", "hello world", "y", "n", "Y", "yes", "No", "null", "~",
    "3", "0.1", "1e3", "1_000", "12:30", "[-2.0:2.0]", "'quoted'", "it's", "a: b", "a:b", "x #y",
    "-x", "- x", "/usr/bin:/bin", ".:/work/src", "guild.op_main", "${python_exe}", "__flag_args__",
    "train", "m1:train", "C.UTF-8", "*", "a*b", "{a}", "=", "<<", ".inf", ".5", "+1", "0x10",
    "2023-01-01", "fail=[no, no, no]", "hello steps", " lead", "trail ", "tab\tin", "é",
    "x" * 90, "a b " * 30, "on", "OFF", "True", "NULL",
    [], {}, [1, "a", None], {"b": 1, "a": [1, 2], "c": {}}, {"x": {"y": {"z": [{"a": 1, "b": [2]}]}}},
    [[1, 2], [3]], [{"k": "v"}, {"k": []}], {"yes": True, "flags": ["a=1", "b=2"], "n": None},
    {1: "int key"}, {"nested": [[]]},
]


def test_samples_match_pyyaml():
    for value in SAMPLES:
        assert yamlutil.dump_attr(value) == _pyyaml(value), repr(value)


def test_environment_matches_pyyaml():
    env = dict(os.environ)
    assert yamlutil.dump_attr(env) == _pyyaml(env)


def test_random_strings_match_pyyaml():
    rng = random.Random(1)
    alphabet = string.ascii_letters + string.digits + " -_.:/#'\"=,[]{}*&!%@`~+?<>|"
    for _ in range(5000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert yamlutil.dump_attr(s) == _pyyaml(s), repr(s)
        assert yamlutil.dump_attr({s: s}) == _pyyaml({s: s}), repr(s)


def test_values_read_back():
    for value in SAMPLES:
        assert yaml.safe_load(yamlutil.dump_attr(value)) == value or value != value
