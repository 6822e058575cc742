"""Encoding flag values for display, argv and env (guildfile-and-run.md §3.4, §3.5, §5.9;
runs.md §4.3; pipelines-and-batches.md §0.3)."""

import datetime
import os

import pytest

from guild.errors import GuildError
from guild.flags.encode import (
    arg_value,
    assign_value,
    default_label,
    encode_flag_value,
    env_var_name,
    expand_cmd_refs,
    flag_args,
    flag_assign,
    flags_desc,
    prompt_value,
    render_label,
)


@pytest.mark.parametrize(
    "value, text",
    [
        (True, "yes"), (False, "no"), (None, "null"),
        (1, "1"), (-3, "-3"), (0.1, "0.1"), (1.0, "1.0"), (1.1846582159535708, "1.1846582159535708"),
        (1e-10, "1.0e-10"), (1e20, "1.0e+20"), (1.5e-07, "1.5e-07"), (1e-05, "1.0e-05"),
        (float("nan"), ".nan"), (float("inf"), ".inf"), (float("-inf"), "-.inf"),
        # Strings that would not read back as the same string are quoted.
        ("1", "'1'"), ("yes", "'yes'"), ("on", "'on'"), ("False", "'False'"), ("null", "'null'"),
        ("1e3", "'1e3'"), ("1_000", "'1_000'"), ("12:30", "'12:30'"), ("[-2.0:2.0]", "'[-2.0:2.0]'"),
        ("#x", "'#x'"), ("", "''"), (" x", "' x'"), ("x: y", "'x: y'"), ("007", "'007'"),
        ("{a}", "'{a}'"), ('"q"', "'\"q\"'"), ("it's", "it's"),
        # ... and these stay plain.
        ("a b", "a b"), ("x:y", "x:y"), ("y", "y"), ("n", "n"), ("hello", "hello"),
        ("uniform[0:1]", "uniform[0:1]"), ("/data/x", "/data/x"), ("1 2 3", "1 2 3"),
        ([1, 2, 3], "[1, 2, 3]"), ([False, False, False], "[no, no, no]"), ([], "[]"),
        (["a", "1", None], "[a, '1', null]"), (["a,b", "c"], "['a,b', c]"), ([[1, 2], "x y"], "[[1, 2], x y]"),
        ({"b": 1, "a": "x"}, "{a: x, b: 1}"), ({}, "{}"),
        (datetime.date(2023, 1, 1), "2023-01-01"),
    ],
)
def test_encode_flag_value(value, text):
    assert encode_flag_value(value) == text


@pytest.mark.parametrize(
    "name, value, text",
    [
        ("name", "hello world", "name='hello world'"),
        ("layers", "1 2 3", "layers='1 2 3'"),
        ("fail", [False, False, False], "fail=[no, no, no]"),
        ("x", "[-2.0:2.0]", "x='[-2.0:2.0]'"),
        ("flag", True, "flag=yes"),
        ("lr", 0.001, "lr=0.001"),
        ("msg", "hello steps", "msg='hello steps'"),
        ("s", "x: y", "s='x: y'"),
        ("q", "it's here", "q=\"it's here\""),
        ("lst", ["a b", "c"], "lst=[a b, c]"),
        ("x", 0.5471320861528266, "x=0.5471320861528266"),
    ],
)
def test_flag_assign(name, value, text):
    assert flag_assign(name, value) == text


def test_assign_value():
    assert assign_value("1 2") == "'1 2'"
    assert assign_value("007") == "'007'"
    assert assign_value(0.123456789, truncate_floats=True) == "0.12345"
    assert assign_value(None) == "null"


def test_flag_assign_truncate_floats():
    assert flag_assign("x", 0.123456789, truncate_floats=True) == "x=0.12345"
    assert flag_assign("x", 1.0, truncate_floats=True) == "x=1.0"


def test_flags_desc_sorted_and_skipping_none():
    flags = {"x": 0.5, "fail": [False, False, False], "n": None, "a": "hello world"}
    assert flags_desc(flags) == "a='hello world', fail=[no, no, no], x=0.5"
    assert flags_desc({}) == ""


def test_default_label_examples():
    flags = {"flag": True, "layers": "1 2 3", "lr": 0.001, "name": "hello world",
             "noise": 0.1, "x": 0, "none_val": None}
    assert default_label(flags) == "flag=yes layers='1 2 3' lr=0.001 name='hello world' noise=0.1 x=0"
    assert default_label({"epochs": 3, "fail": "False", "layers": 2, "lr": 0.1, "name": "hello world"}) == (
        "epochs=3 fail='False' layers=2 lr=0.1 name='hello world'"
    )


@pytest.mark.parametrize(
    "value, text",
    [
        (0.123456789, "0.12345"), (0.3333333333333333, "0.33333"), (0.47486767045399103, "0.47486"),
        (-0.04143999, "-0.04143"), (0.1, "0.1"), (2.0, "2.0"), (1.23456789e-05, "1.23456e-05"),
    ],
)
def test_default_label_truncates_floats(value, text):
    assert default_label({"x": value}) == f"x={text}"


def test_default_label_shortens_existing_paths(tmp_path):
    path = tmp_path / "some-long-directory-name" / "another" / "guild"
    path.mkdir(parents=True)
    label = default_label({"p": str(path), "q": "/no/such/path/that/is/quite/long/really"})
    shown = label.split(" ")[0][len("p="):]
    assert "…" in shown and shown.endswith("/guild") and len(shown) < len(str(path))
    assert label.endswith(" q=/no/such/path/that/is/quite/long/really")


def test_render_label_filters(tmp_path):
    flags = {"c": 0.123456, "e": "/a/b.txt", "s": "007", "n": None, "f": 0.987654321, "name": "a b"}
    template = "c=${c|%.2f} e=${e|basename} m=${missing|default:none}"
    assert render_label(template, flags, "") == "c=0.12 e=b.txt m=none"
    assert render_label("${s} ${s|unquote} [${n}] [${missing}]", flags, "") == "'007' 007 [] []"
    assert render_label("${f} ${name} ${n|default:x}", flags, "") == "0.98765 'a b' x"
    assert render_label("${name|unquote}", flags, "") == "a b"


def test_render_label_default_label_and_extra():
    assert render_label("tag ${default_label}", {"x": 1}, "x=1") == "tag x=1"
    assert render_label("${label} more", {}, "x=1", extra={"label": "old"}) == "old more"
    assert render_label("no refs $x {y}", {}, "") == "no refs $x {y}"


def test_render_label_unknown_filter(capsys):
    assert render_label("v=${x|nope}", {"x": 1}, "") == "v=#error#"
    assert "WARNING: " in capsys.readouterr().err


@pytest.mark.parametrize(
    "value, flagdef, text",
    [
        (True, None, "yes"), ("1 2 3", None, "1 2 3"), (0.001, None, "0.001"),
        ("hello world", None, "hello world"), (None, None, "default"), (None, {"null-label": "auto"}, "auto"),
        (0, None, "0"), ("[-2.0:2.0]", None, "[-2.0:2.0]"), ("uniform[0:1]", None, "uniform[0:1]"),
        ([1, 2], None, "[1, 2]"), ("007", None, "'007'"),
    ],
)
def test_prompt_value(value, flagdef, text):
    assert prompt_value(value, flagdef) == text


@pytest.mark.parametrize(
    "value, dest, text",
    [
        (True, "args", "1"), (False, "args", ""), (None, "args", ""), ("a b", "args", "a b"),
        (0.001, "args", "0.001"), (1000.0, "args", "1000.0"), (3, "args", "3"), (1e-10, "args", "1e-10"),
        ([1, 2], "args", "1 2"), (["a b", "c"], "args", "'a b' c"), ("007", "args", "007"),
        (True, "env", "1"), (None, "env", ""), ([1, 2], "env", "1 2"),
        (True, "args:click", "1"),
        (True, "globals", "true"), (False, "globals", "false"), ("007", "globals", "'007'"),
        ([1, 2, 3], "globals", "[1, 2, 3]"), ("hello world", "globals", "hello world"),
        ("y", "globals", "'y'"), (1e-05, "globals", "1.0e-05"), (3, "globals", "3"),
        ("x", "global:params", "x"), ("yes", "dict:params", "'yes'"), (True, "namespace:ns", "true"),
    ],
)
def test_arg_value(value, dest, text):
    assert arg_value(value, dest) == text


def test_arg_value_encoding_maps():
    flagdef = {"arg-encoding": {True: "on", False: "off"}, "env-encoding": {True: "Y", 2: "two"}}
    assert arg_value(True, "args", flagdef) == "on"
    assert arg_value(False, "args", flagdef) == "off"
    assert arg_value(True, "env", flagdef) == "Y"
    assert arg_value(2, "env", flagdef) == "two"
    assert arg_value(False, "env", flagdef) == ""
    assert arg_value(2, "args", flagdef) == "2"


@pytest.mark.parametrize(
    "name, flagdef, env",
    [
        ("x", None, "FLAG_X"), ("learning-rate", None, "FLAG_LEARNING_RATE"),
        ("opt.m", {}, "FLAG_OPT_M"), ("lr", {"env-name": "MY_ENV"}, "MY_ENV"), ("a1_b", None, "FLAG_A1_B"),
    ],
)
def test_env_var_name(name, flagdef, env):
    assert env_var_name(name, flagdef) == env


def test_flag_args_basic_args_dest():
    flags = {"b": "x", "a": 1, "none": None, "t": True, "f": False, "lst": [1, 2]}
    assert flag_args(flags, {}) == ["--a", "1", "--b", "x", "--f", "", "--lst", "1 2", "--t", "1"]


def test_flag_args_globals_dest():
    flags = {"s": "007", "t": True, "l": [1, 2, 3]}
    assert flag_args(flags, {}, dest="globals") == ["--l", "[1, 2, 3]", "--s", "'007'", "--t", "true"]


def test_flag_args_skip_and_shadowed():
    flagdefs = {"a": {"arg-skip": True}, "b": {}, "c": {"arg-skip": False}}
    flags = {"a": 1, "b": 2, "c": 3}
    assert flag_args(flags, flagdefs) == ["--b", "2", "--c", "3"]
    assert flag_args(flags, flagdefs, default_arg_skip=True) == ["--c", "3"]
    assert flag_args(flags, flagdefs, shadowed={"b"}) == ["--c", "3"]


def test_flag_args_arg_switch_and_arg_name():
    flagdefs = {"on": {"arg-switch": True}, "off": {"arg-switch": True},
                "neg": {"arg-switch": False, "arg-name": "no-neg"}, "lr": {"arg-name": "learning-rate"}}
    flags = {"on": True, "off": False, "neg": False, "lr": 0.1}
    assert flag_args(flags, flagdefs) == ["--learning-rate", "0.1", "--no-neg", "--on"]


def test_flag_args_arg_split():
    flagdefs = {"a": {"arg-split": True}, "b": {"arg-split": ","}, "c": {"arg-split": True},
                "d": {"arg-split": True}}
    flags = {"a": "1 'two words' 3", "b": "x, y", "c": "", "d": [1, 2]}
    assert flag_args(flags, flagdefs) == ["--a", "1", "two words", "3", "--b", "x", "y", "--d", "1 2"]
    assert flag_args({"a": "1 two 3.0"}, flagdefs, dest="globals") == ["--a", "[1, two, 3.0]"]
    assert flag_args({"a": ""}, flagdefs, dest="globals") == ["--a", "[]"]
    assert flag_args({"a": "it's x"}, flagdefs) == ["--a", "it's", "x"]


def test_expand_cmd_refs():
    values = {"python_exe": "/usr/bin/python3", "x": True, "y": None, "lr": 0.001, "s": "a b", "n": False}
    assert expand_cmd_refs("${python_exe} -u --lr ${lr}", values) == "/usr/bin/python3 -u --lr 0.001"
    assert expand_cmd_refs("[${x}][${y}][${n}][${s}]", values) == "[1][][][a b]"
    assert expand_cmd_refs(r"echo \${x} $x", values) == "echo ${x} $x"


def test_expand_cmd_refs_unknown_reference():
    with pytest.raises(GuildError) as e:
        expand_cmd_refs("echo ${undefined}", {})
    assert e.value.message == "invalid setting for operation: command contains invalid reference 'undefined'"


def test_encoding_does_not_depend_on_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("sub")
    assert default_label({"p": "sub/"}) == "p=sub/"


@pytest.mark.parametrize(
    "s",
    ["a - b", "a -b", "x/y z", "_a", "/", "a..b", "naïve", "日本語", "True x", "Yes", "NULL", "~", "-1",
     "+1", "0o7", "0b101", "1:2:3", ".5", ".inf", "-.inf", "1e-3", "2023-01-01", "<<", "=", "a: b", "a #b",
     "- a", "? x", "@x", "`x", "%x", "!x", "&x", "*x", "|", ">", "x ", "a  b", "tab\there", "new\nline"],
)
def test_encoded_strings_read_back_as_the_same_string(s):
    from guild.util import yamlutil

    assert yamlutil.load(encode_flag_value(s)) == s
