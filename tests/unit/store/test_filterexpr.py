"""The --filter query language (runs.md §6.5) on runs with known attrs."""

from __future__ import annotations

import os

import pytest

from guild.store import filterexpr
from guild.store.run import Run
from guild.util import yamlutil


def _run(tmp_path, name, **attrs) -> Run:
    path = tmp_path / name
    (path / ".guild" / "attrs").mkdir(parents=True)
    (path / ".guild" / "opref").write_text("guildfile:/p/guild.yml x '' train")
    for k, v in attrs.items():
        (path / ".guild" / "attrs" / k).write_text(yamlutil.dump_attr(v))
    return Run(name, str(path))


@pytest.fixture
def run(tmp_path):
    return _run(tmp_path, "a" * 32, exit_status=0, label="Fast Adam", tags=["x"],
                flags={"lr": 0.1, "opt": "adam", "n": 3, "on": True, "items": [1, 2]})


SCALARS = {"loss": 0.5, "train#acc": 0.9}


def _match(expr, run):
    return filterexpr.compile_filter(expr, lambda r, key, qual: SCALARS.get(key))(run)


@pytest.mark.parametrize("expr, expected", [
    ("lr = 0.1", True), ("lr != 0.1", False), ("lr <> 0.2", True), ("lr < 1", True),
    ("n >= 3", True), ("n > '2'", False), ("opt = adam", True), ("opt = 'adam'", True),
    ("opt = 1", False), ("on = true", True), ("on is true", True), ("missing is undefined", True),
    ("missing is not undefined", False), ("missing < 1", False), ("missing != 1", True),
    ("opt in [sgd, adam]", True), ("opt not in [sgd, adam]", False), ("n in [1, 2]", False),
    ("label contains adam", True), ("label not contains slow", True), ("missing contains x", False),
    ("items contains 2", True), ("items contains [1, 2]", True), ("items contains [3]", False),
    ("status = completed", True), ("op = train", True), ("run = aaaaaaaa", True),
    ("operation = train", True), ("flag:lr = 0.1", True), ("attr:lr is undefined", True),
    ("loss < 0.6", True), ("scalar:train#acc > 0.8", True), ("acc is undefined", True),
    ("not lr = 0.1", False), ("lr = 1 and n = 3 or opt = adam", False),
    ("(lr = 1 and n = 3) or opt = adam", True), ("LR = 0.1 OR n = 3", True),
    ("lr = 1e-1", True), ("lr = .1", True),
])
def test_expressions(run, expr, expected):
    assert _match(expr, run) is expected


@pytest.mark.parametrize("expr, msg", [
    ("", "syntax error in filter - unexpected end of expresion"),
    ("lr =", "syntax error in filter - unexpected end of expresion"),
    ("lr = 1)", "syntax error in filter at position 6: unexpected token ')'"),
    ("lr = 1 1", "syntax error in filter at position 7: unexpected token '1'"),
    ("lr ? 1", "syntax error in filter at position 3: unexpected character '?'"),
])
def test_syntax_errors(expr, msg):
    with pytest.raises(filterexpr.FilterSyntaxError) as e:
        filterexpr.compile_filter(expr)
    assert str(e.value) == msg


def test_column_values(run):
    lookup = lambda r, key, qual: (key, qual)  # noqa: E731
    assert filterexpr.column_value(run, "loss", lookup) == ("loss", "last")
    assert filterexpr.column_value(run, "max acc", lookup) == ("acc", "max")
    assert filterexpr.column_value(run, "flag:lr", lookup) == 0.1
    assert filterexpr.column_value(run, "=n", lookup) == 3
    assert filterexpr.column_value(run, ".label", lookup) == "Fast Adam"
    assert not os.path.exists(os.path.join(run.path, "cache"))
