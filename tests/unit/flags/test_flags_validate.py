"""Resolving final flag values and their checks (guildfile-and-run.md §3.3)."""

import os

import pytest

from guild.errors import FlagError
from guild.flags.decode import decode_flags
from guild.flags.validate import coerce_value, resolve_flags


def resolve(flagdefs, user_flags, **kw):
    kw.setdefault("op_full_name", "echo")
    kw.setdefault("op_name", "echo")
    return resolve_flags(flagdefs, user_flags, **kw)


def error_of(flagdefs, user_flags, **kw):
    with pytest.raises(FlagError) as e:
        resolve(flagdefs, user_flags, **kw)
    return e.value


def test_defaults_fill_in_and_result_is_sorted():
    flagdefs = {"b": {"default": 2}, "a": {}, "c": {"default": "x"}}
    flags = resolve(flagdefs, {"c": "y"})
    assert flags == {"a": None, "b": 2, "c": "y"}
    assert list(flags) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "flag_type, value, coerced",
    [
        ("string", 1, "1"), ("string", True, "True"), ("string", 1.5, "1.5"),
        ("int", 1, 1), ("int", True, 1), ("int", "12", 12),
        ("float", 1, 1.0), ("float", "1.5", 1.5), ("float", True, 1.0),
        ("number", 1, 1), ("number", 1.5, 1.5), ("number", "2", 2), ("number", "2.5", 2.5),
        ("boolean", "maybe", True), ("boolean", 0, False), ("boolean", 1, True), ("boolean", "", False),
        ("int", None, None), ("float", "uniform[0:1]", "uniform[0:1]"), ("int", "[1:5]", "[1:5]"),
        ("int", [1, "2"], [1, 2]), ("float", [1, None], [1.0, None]),
        ("auto", "x", "x"), (None, "x", "x"), ("no-such-type", 1, 1),
    ],
)
def test_coerce_value(flag_type, value, coerced):
    result = coerce_value(value, {"type": flag_type})
    assert result == coerced
    assert type(result) is type(coerced)


@pytest.mark.parametrize(
    "flag_type, value",
    [("int", 1.5), ("int", "foo"), ("float", "foo"), ("number", "foo"), ("int", [1, "foo"])],
)
def test_coerce_value_errors(flag_type, value):
    with pytest.raises(FlagError) as e:
        coerce_value(value, {"type": flag_type})
    assert e.value.message == f"invalid value for type '{flag_type}'"


def test_coerce_path_is_made_absolute_against_cwd(tmp_path):
    assert coerce_value("data", {"type": "path"}, str(tmp_path)) == str(tmp_path / "data")
    assert coerce_value("~/x", {"type": "path"}) == os.path.expanduser("~/x")
    assert coerce_value("/abs/p", {"type": "existing-path"}) == "/abs/p"


def test_coerce_arg_split_parts():
    assert coerce_value("1 2 3", {"type": "float", "arg-split": True}) == "1.0 2.0 3.0"
    assert coerce_value("1,2", {"type": "int", "arg-split": ","}) == "1,2"
    with pytest.raises(FlagError):
        coerce_value("1 x", {"type": "int", "arg-split": True})


def test_path_defaults_are_made_absolute(tmp_path):
    flags = resolve({"p": {"type": "path", "default": "data"}}, {}, cwd=str(tmp_path))
    assert flags == {"p": str(tmp_path / "data")}


def test_type_errors():
    flagdefs = {"x": {"type": "number"}, "i": {"type": "int"}}
    assert error_of(flagdefs, {"x": "foo"}).message == "invalid value foo for x: invalid value for type 'number'"
    assert error_of(flagdefs, {"i": 1.5}).message == "invalid value 1.5 for i: invalid value for type 'int'"
    assert error_of(flagdefs, {"i": [1, "foo"]}).message == (
        "invalid value [1, 'foo'] for i: invalid value for type 'int'"
    )


def test_type_error_from_decoded_command_line():
    flagdefs = {"code": {"type": "number", "default": 3}}
    flags = decode_flags({"code": "x"}, flagdefs)
    assert error_of(flagdefs, flags).message == "invalid value x for code: invalid value for type 'number'"


def test_range_errors():
    flagdefs = {"f": {"type": "float", "min": 0, "max": 1}}
    assert error_of(flagdefs, {"f": 2}).message == "invalid value 2.0 for f: out of range (greater than max 1)"
    assert error_of(flagdefs, {"f": -1}).message == "invalid value -1.0 for f: out of range (less than min 0)"
    assert resolve(flagdefs, {"f": 1}) == {"f": 1.0}
    assert resolve(flagdefs, {"f": 0}) == {"f": 0.0}


def test_range_is_not_checked_for_search_values():
    flagdefs = {"f": {"type": "float", "min": 0, "max": 1}}
    assert resolve(flagdefs, {"f": [5, 6]}) == {"f": [5.0, 6.0]}
    assert resolve(flagdefs, {"f": "uniform[-5:5]"}) == {"f": "uniform[-5:5]"}


def test_existing_path(tmp_path):
    flagdefs = {"ep": {"type": "existing-path"}}
    missing = str(tmp_path / "missing")
    assert error_of(flagdefs, {"ep": "missing"}, cwd=str(tmp_path)).message == (
        f"invalid value {missing} for ep: {missing} does not exist"
    )
    (tmp_path / "there").touch()
    assert resolve(flagdefs, {"ep": "there"}, cwd=str(tmp_path)) == {"ep": str(tmp_path / "there")}


def test_unsupported_flag():
    e = error_of({"x": {}}, {"zz": 1}, op_full_name="m1:echo")
    assert e.message == "unsupported flag 'zz'"
    assert e.hint == "Try 'guild run m1:echo --help-op' for a list of flags or use --force-flags to skip this check."


def test_alias():
    flagdefs = {"learning-rate": {"alias": "lr", "type": "float", "default": 0.1}}
    assert resolve(flagdefs, {"lr": 1}) == {"learning-rate": 1.0}
    e = error_of(flagdefs, {"lr": 1, "learning-rate": 2})
    assert e.message == "cannot specify both alias 'learning-rate' and name for flag 'lr'"
    assert e.hint == "Use --force-flags to skip this check."
    assert resolve(flagdefs, {"lr": 1, "learning-rate": 2}, force=True) == {"learning-rate": 2.0}


CHOICES = {
    "c2": {
        "description": "Choice with descriptions",
        "choices": [
            {"value": "red", "description": "The color red"},
            {"value": "blue", "alias": "B", "description": "The color blue"},
        ],
    }
}


def test_choice_error_block(capsys):
    e = error_of(CHOICES, {"c2": "green"})
    block = (
        "Unsupported value for 'c2' - supported values are:\n"
        "\n"
        "  red   The color red\n"
        "  blue  The color blue\n"
        "\n"
        "Run the command again using one of these options."
    )
    assert capsys.readouterr().err == block + "\n"
    assert e.quiet and e.exit_code == 1


def test_choice_error_without_descriptions_keeps_padding(capsys):
    error_of({"c": {"choices": [1, "a", True]}}, {"c": 2})
    assert capsys.readouterr().err == (
        "Unsupported value for 'c' - supported values are:\n\n  1    \n  a    \n  yes  \n\n"
        "Run the command again using one of these options.\n"
    )


def test_choice_alias_is_replaced_and_value_accepted():
    assert resolve(CHOICES, {"c2": "B"}) == {"c2": "blue"}
    assert resolve(CHOICES, {"c2": "blue"}) == {"c2": "blue"}
    assert resolve(CHOICES, {"c2": "B"}, force=True) == {"c2": "blue"}


def test_choice_values_are_compared_after_coercion():
    flagdefs = {"f": {"type": "float", "choices": [1, 2]}, "s": {"type": "string", "choices": [1, 2]}}
    assert resolve(flagdefs, {"f": 1, "s": "2"}) == {"f": 1.0, "s": "2"}


def test_allow_other():
    assert resolve({"c": {"choices": ["a"], "allow-other": True}}, {"c": "z"}) == {"c": "z"}


def test_choice_flags():
    flagdefs = {
        "model": {
            "default": "small",
            "choices": [
                {"value": "small", "flags": {"layers": 1, "width": 8}},
                {"value": "big", "flags": {"layers": 10, "width": 64}},
                {"value": "huge", "alias": "H", "flags": {"layers": 100}},
            ],
        },
        "layers": {"type": "int", "default": 0},
        "width": {"default": 0},
    }
    assert resolve(flagdefs, {}) == {"layers": 1, "model": "small", "width": 8}
    assert resolve(flagdefs, {"model": "big", "width": 3}) == {"layers": 10, "model": "big", "width": 3}
    assert resolve(flagdefs, {"model": "H"}) == {"layers": 100, "model": "huge", "width": 0}
    # Quirk: a choice with an alias applies its flags only when the alias is used.
    assert resolve(flagdefs, {"model": "huge"}) == {"layers": 0, "model": "huge", "width": 0}


def test_required_block(capsys):
    flagdefs = {"r": {"description": "A required flag\nMore text", "required": True},
                "other": {"required": True, "default": 1}, "long-name": {"required": True}}
    e = error_of(flagdefs, {"r": ""}, op_full_name="m1:echo", op_name="echo")
    assert capsys.readouterr().err == (
        "Operation requires the following missing flags:\n"
        "\n"
        "  long-name  \n"
        "  r          A required flag\n"
        "\n"
        "Run the command again with these flags or try 'guild run echo --help-op' for help.\n"
    )
    assert e.quiet and e.exit_code == 1
    assert resolve(flagdefs, {"r": "x", "long-name": 0}) == {"long-name": 0, "other": 1, "r": "x"}


def test_check_order():
    flagdefs = {"a": {"type": "int", "max": 1}, "b": {"choices": [1]}, "r": {"required": True}}
    # type errors come before unknown flags
    assert error_of(flagdefs, {"a": "x", "zz": 1}).message.startswith("invalid value x for a")
    # unknown flags come before per-flag checks
    assert error_of(flagdefs, {"a": 5, "zz": 1}).message == "unsupported flag 'zz'"
    # per-flag checks in name order, before required
    assert error_of(flagdefs, {"a": 5, "b": 2}).message.startswith("invalid value 5 for a")


def test_force_flags_skips_checks():
    flagdefs = {"x": {"type": "number"}, "r": {"required": True}, "c": {"choices": [1]}}
    assert resolve(flagdefs, {"x": "foo", "zz": 1, "c": 5}, force=True) == {
        "c": 5, "r": None, "x": "foo", "zz": 1,
    }
