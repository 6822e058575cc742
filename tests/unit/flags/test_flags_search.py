"""Batch values and flag functions (guildfile-and-run.md §3.2, pipelines-and-batches.md §5.2)."""

import pytest

from guild.flags.decode import decode_flag_value
from guild.flags.search import is_batch_value, is_function, parse_function


@pytest.mark.parametrize(
    "text, batch",
    [
        ("[a,b,c]", True), ("[1,2,3]", True), ("[-2.0:2.0]", True), ("uniform[0:1]", True),
        ("loguniform[1e-5:1e-1]", True), ("range[1:10:2]", True), ("[1,2]*2", True),
        ("1", False), ("hello world", False), ("yes", False), ("null", False),
        ("{a: 1}", False),
    ],
)
def test_is_batch_value_of_decoded_text(text, batch):
    assert is_batch_value(decode_flag_value(text)) is batch


def test_arg_split_string_is_not_a_batch():
    assert is_batch_value("1 2 3", {"arg-split": True}) is False
    assert is_batch_value("[1:2]", {"arg-split": True}) is False
    assert is_batch_value([1, 2], {"arg-split": True}) is True
    assert is_batch_value("[1:2]", {}) is True


@pytest.mark.parametrize(
    "value, parsed",
    [
        ("uniform[0:1]", ("uniform", [0, 1])),
        ("[-2.0:2.0]", (None, [-2.0, 2.0])),
        ("loguniform[1e-5:1e-1]", ("loguniform", [1e-05, 0.1])),
        ("uniform[-2.0:2.0:0.2]", ("uniform", [-2.0, 2.0, 0.2])),
        ("[1:2:3:4]", (None, [1, 2, 3, 4])),
        ("foo[a:b]", ("foo", ["a", "b"])),
        ("[1]", None), ("[1,2,3]", None), ("'[1:2]'", None), ("x", None), (1, None), ([1, 2], None),
        (None, None),
    ],
)
def test_parse_function(value, parsed):
    assert parse_function(value) == parsed
    assert is_function(value) is (parsed is not None)
