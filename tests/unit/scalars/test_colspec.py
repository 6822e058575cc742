"""The compare column spec language (compare-and-scalars.md §6.4) and table cell formatting."""

from __future__ import annotations

import math

import pytest

from guild.scalars.colspec import ColSpecError, parse_cols
from guild.scalars.compare import format_cell


@pytest.mark.parametrize("spec,kind,key,qual,step,header", [
    ("loss", "scalar", "loss", None, False, "loss"),
    ("min loss as best", "scalar", "loss", "min", False, "best"),
    ("max loss step", "scalar", "loss", "max", True, "loss step"),
    ("count loss", "scalar", "loss", "count", False, "loss"),
    ("loss as 'my loss'", "scalar", "loss", None, False, "my loss"),
    ("=lr", "flag", "lr", None, False, "lr"),
    ("flag:lr", "flag", "lr", None, False, "lr"),
    (".label", "attr", "label", None, False, "label"),
    ("attr:label", "attr", "label", None, False, "label"),
    ("scalar:loss", "scalar", "loss", None, False, "loss"),
    ("'sys/cpu'", "scalar", "sys/cpu", None, False, "sys/cpu"),
    (".status as S", "attr", "status", None, False, "S"),
    ("train#loss", "scalar", "train#loss", None, False, "train loss"),
    ("val#x", "scalar", "val#x", None, False, "val x"),
    ("'.guild#val#x'", "scalar", ".guild#val#x", None, False, ".guild val x"),
    ("loss step as step", "scalar", "loss", None, True, "step"),
    (".'count'", "attr", "count", None, False, "count"),
    ("scalar:loss step", "scalar", "loss", None, True, "loss step"),
    ("\tloss  as  x ", "scalar", "loss", None, False, "x"),
])
def test_specs(spec, kind, key, qual, step, header):
    [col] = parse_cols(spec)
    assert (col.kind, col.key, col.qual, col.step, col.header) == (kind, key, qual, step, header)


def test_several_specs():
    assert [c.header for c in parse_cols("first loss,last loss, =lr ,.status")] == [
        "loss", "loss", "lr", "status"]


@pytest.mark.parametrize("spec,msg", [
    ("step", "unexpected token 'step', line 1, pos 7"),
    ("MIN loss", "unexpected token 'loss', line 1, pos 11"),
    ("scalar:min loss", "unexpected token 'min', line 1, pos 14"),
    (".count", "unexpected token 'count', line 1, pos 8"),
    ("=step", "unexpected token 'step', line 1, pos 8"),
    ("='lr'", "unexpected token ''lr'', line 1, pos 8"),
    ("loss,", "query string cannot be empty"),
    ("total", "query string cannot be empty"),
    ("", "query string cannot be empty"),
])
def test_errors(spec, msg):
    with pytest.raises(ColSpecError) as e:
        parse_cols(spec)
    assert str(e.value) == msg


@pytest.mark.parametrize("val,text", [
    (None, ""), (True, "yes"), (False, "no"), ("a b", "a b"), (3, "3"),
    (0.6666666865348816, "0.666666"), (0.6000000238418579, "0.6"), (0.5, "0.5"),
    (2.0, "2.0"), (1e-05, "1.0e-05"), (9.999999e-06, "9.999999e-06"),
    (-1.2345600000000001e-05, "-1.234560e-05"), (123456792.0, "123456790.0"), (123456789.0, "123456789.0"),
    (math.inf, ".inf"), (-math.inf, "-.inf"), ([1, 2], "[1, 2]"),
])
def test_format_cell(val, text):
    assert format_cell(val) == text
