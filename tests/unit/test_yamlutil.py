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
    "x" * 90, "a b " * 30, "on", "OFF", "True", "NULL", "---", "...", "--- x", "-um", "-.5", ".:/src",
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


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _random_value(rng, depth=0):
    alphabet = string.ascii_letters + string.digits + " -_.:/'=,[]{}*&!%@`~+?<>|\\"
    r = rng.random()
    if depth < 3 and r < 0.15:
        return {_random_str(rng, alphabet) if rng.random() < 0.8 else rng.randint(-5, 5): _random_value(rng, depth + 1)
                for _ in range(rng.randint(0, 4))}
    if depth < 3 and r < 0.3:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return rng.choice([_random_str(rng, alphabet), rng.randint(-10**12, 10**12),
                       rng.random() * 10 ** rng.randint(-8, 8), True, False, None,
                       "yes", "1e3", "010", "12:30", "2023-01-01", "y"])


def _random_str(rng, alphabet):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))


def test_load_attr_reads_what_pyyaml_reads():
    rng = random.Random(7)
    for _ in range(5000):
        value = _random_value(rng)
        for text in (yamlutil.dump_attr(value), yamlutil.dump(value)):
            assert _same(yamlutil.load_attr(text), yamlutil.load(text)), text


def test_load_attr_of_guild_09_attr_files(tmp_path):
    import glob
    import tarfile

    import pytest

    from conftest import SHARED

    archive = os.path.join(SHARED, "fixtures", "guild-home-0.9.tar.gz")
    if not os.path.exists(archive):
        pytest.skip(f"fixture home not found at {archive}")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="tar")
    paths = glob.glob(str(tmp_path / "**" / ".guild" / "attrs" / "*"), recursive=True)
    assert len(paths) > 800
    for path in paths:
        with open(path, "rb") as f:
            data = f.read()
        assert _same(yamlutil.load_attr(data), yamlutil.load(data)), path
