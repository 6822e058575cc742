"""The launcher's stdlib YAML scalar decoder agrees with Guild's YAML rules (guild.util.yamlutil)."""

import math

import pytest

from guild.runner.yamlval import decode
from guild.util import yamlutil

TOKENS = [
    "1", "-1", "+7", "0", "007", "08", "0x1F", "0b101", "1_000", "1:30", "190:20:30",
    "1.5", "-2.25", "1.", "1e3", "1E-3", "2.5e+2", "1.0e-05", ".5", "-.5", ".5e+1", "1:30.5",
    ".inf", "-.inf", "+.Inf", ".nan", "1e", "e3", "1.2.3", ".",
    "yes", "No", "TRUE", "false", "on", "OFF", "y", "n",
    "null", "~", "", "Null",
    "hello", "hello world", "-abc", "'007'", "'it''s'", '"a\\tb"', '"q\\"x"', '"\\u00e9"',
    "[]", "[1, 2, 3]", "[1, two, 3.0]", "[a, 'b, c', [1, 2]]", "['x', yes, null]", "[1, 2, ]",
]


@pytest.mark.parametrize("token", TOKENS)
def test_decode_matches_guild_yaml(token):
    expected = yamlutil.load(token)
    got = decode(token)
    assert type(got) is type(expected)
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


def test_plain_strings_are_kept():
    assert decode("some/path.txt") == "some/path.txt"
    assert decode("  padded ") == "padded"
