"""Decoding `NAME=VAL` text (guildfile-and-run.md §3.2)."""

import datetime
import math

import pytest

from guild.errors import FlagError
from guild.flags.decode import decode_flag_value, decode_flags, split_assigns, split_function


# The spec's example table for an untyped flag, plus the §3.2 decoder notes.
@pytest.mark.parametrize(
    "text, expected",
    [
        ("yes", True), ("true", True), ("True", True), ("on", True),
        ("no", False), ("false", False), ("off", False),
        ("y", "y"), ("n", "n"),
        ("1", 1), ("1.0", 1.0), ("1e-3", 0.001), ("1e3", 1000.0), ("1.5e+2", 150.0),
        ("null", None), ("~", None),
        ("None", "None"),
        ("'1'", "1"), ('"yes"', "yes"),
        ("hello world", "hello world"),
        ("[a,b,c]", ["a", "b", "c"]), ("[1,2,3]", [1, 2, 3]),
        ("[-2.0:2.0]", "[-2.0:2.0]"), ("uniform[0:1]", "uniform[0:1]"),
        ("loguniform[1e-5:1e-1]", "loguniform[1e-5:1e-1]"),
        ("range[1:10:2]", [1, 3, 5, 7, 9]),
        ("", ""),
        ("010", 10), (" 1 ", 1), (".5", 0.5), ("1.", 1.0), ("inf", math.inf),
        ("[1,2]*2", [1, 2, 1, 2]),
        ("{a: 1}", {"a": 1}),
        ("#abc", None), ("a #b", "a"), ("0x10", 16),
        ("2023-01-01", datetime.date(2023, 1, 1)),
        ("1_000", "1_000"), ("12:30", "12:30"),
        ("x:y", "x:y"), ("x: y", {"x": "y"}),
    ],
)
def test_untyped_values(text, expected):
    value = decode_flag_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_nan():
    assert math.isnan(decode_flag_value("nan"))


def test_invalid_yaml_keeps_the_text():
    assert decode_flag_value("[1, 2") == "[1, 2"
    assert decode_flag_value("a: b: c") == "a: b: c"


def test_explicit_yaml_tag_keeps_number():
    assert decode_flag_value("!!int 1_000") == 1000


@pytest.mark.parametrize(
    "text, expected",
    [
        ("range[5]", [0, 1, 2, 3, 4]),
        ("range[1:3]", [1, 2, 3]),
        ("range[5:1:-2]", [5, 3, 1]),
        ("range[0:1:0.25]", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("range[0.1:0.3:0.1]", [0.1, 0.2, 0.3]),
        ("range[3:1]", []),
        ("linspace[0:1]", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("linspace[0:1:3]", [0.0, 0.5, 1.0]),
        ("linspace[0:1:1]", [0.0]),
        ("linspace[0:1:7]", [0.0, 0.166666666666667, 0.333333333333333, 0.5, 0.666666666666667,
                             0.833333333333333, 1.0]),
        ("logspace[-3:-1:3]", [0.001, 0.01, 0.1]),
        ("logspace[0:2:3:2]", [1.0, 2.0, 4.0]),
        ("logspace[1:2]", [10.0, 17.7827941003892, 31.6227766016838, 56.2341325190349, 100.0]),
        ("logspace[-9:-7:3]", [1e-09, 1e-08, 1e-07]),
        ("linspace[1e-9:3e-9:3]", [1e-09, 2e-09, 3e-09]),
    ],
)
def test_sequence_functions_expand(text, expected):
    assert decode_flag_value(text) == expected


def test_sequence_with_non_numeric_arg_warns_and_stays_a_string(capsys):
    assert decode_flag_value("range[a:b]") == "range[a:b]"
    assert capsys.readouterr().err == (
        "WARNING: error decoding 'range[a:b]': invalid arg 'a': expected a number\n"
    )


@pytest.mark.parametrize("text", ["range[1:5:0]", "range[1:2:3:4]", "linspace[1]", "linspace[0:1:2.5]"])
def test_bad_sequence_args_warn_and_stay_strings(text, capsys):
    assert decode_flag_value(text) == text
    assert capsys.readouterr().err.startswith(f"WARNING: error decoding '{text}': ")


@pytest.mark.parametrize(
    "text, flag_type, expected",
    [
        ("1", "string", "1"),
        ("yes", "string", "yes"),
        ("1.5", "string", "1.5"),
        ("'1'", "string", "1"),
        ("[1,2]", "string", [1, 2]),
        ('"a b"', "string", "a b"),
        ("{a: 1}", "string", {"a": 1}),
        ("data", "path", "data"),
        ("007", "existing-path", "007"),
        ("1", "int", 1),
        ("1.5", "int", 1.5),
        ("[1,2]", "int", [1, 2]),
        ("1_000", "int", "1_000"),
        ("1", "float", 1.0),
        ("1e3", "float", 1000.0),
        ("1", "number", 1),
        ("1.5", "number", 1.5),
        ("foo", "number", "foo"),
        ("yes", "boolean", True),
        ("1", "boolean", True),
        ("0", "boolean", False),
        ("0.0", "boolean", False),
        ("maybe", "boolean", "maybe"),
        ("[yes,no]", "boolean", [True, False]),
        ("uniform[0:1]", "float", "uniform[0:1]"),
        ("yes", "auto", True),
        ("yes", "no-such-type", True),
    ],
)
def test_typed_values(text, flag_type, expected):
    value = decode_flag_value(text, flag_type)
    assert value == expected
    assert type(value) is type(expected)


def test_split_assigns():
    assert split_assigns(["a=1", "b=x=y", "c=", "a=2"]) == ({"a": "2", "b": "x=y", "c": ""}, [])


def test_split_assigns_batch_files():
    assert split_assigns(["@trials.csv", "x=1", "@more.yml"]) == ({"x": "1"}, ["trials.csv", "more.yml"])


def test_split_assigns_rejects_args_without_equals():
    with pytest.raises(FlagError) as e:
        split_assigns(["bad-arg", "x=1", "other"])
    assert e.value.message == "invalid argument(s):\nbad-arg\nother\nexpected NAME=VAL"
    assert e.value.exit_code == 1


def test_decode_flags_uses_type_by_name_then_alias():
    flagdefs = {"s": {"type": "string"}, "learning-rate": {"alias": "lr", "type": "string"}, "n": {}}
    assert decode_flags({"s": "1", "lr": "2", "n": "3", "other": "4"}, flagdefs) == {
        "s": "1", "lr": "2", "n": 3, "other": 4,
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        ("uniform[0:1]", ("uniform", ["0", "1"])),
        ("[-2.0:2.0]", (None, ["-2.0", "2.0"])),
        ("range[5]", ("range", ["5"])),
        ("a.b-c_1[1:2:3]", ("a.b-c_1", ["1", "2", "3"])),
        ("[1]", None),
        ("[1,2,3]", None),
        ("'[1:2]'", None),
        ("foo[]", None),
        ("[[1,2]:3]", None),
        ("x", None),
    ],
)
def test_split_function(text, expected):
    assert split_function(text) == expected
