"""Opspec resolution (spec §1.1, §1.3, §1.6) and script operations (§4.6)."""

from __future__ import annotations

import os
import textwrap

import pytest

from guild.errors import GuildError
from guild.project.opspec import find_opdef, resolve_opspec

OPS_HINT = "Try 'guild operations' for a list of available operations."


def project(tmp_path, guild_yml=None, files=()):
    if guild_yml is not None:
        (tmp_path / "guild.yml").write_text(textwrap.dedent(guild_yml))
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    return str(tmp_path)


def error(spec, cwd):
    with pytest.raises(GuildError) as exc:
        resolve_opspec(spec, cwd)
    return exc.value.message, exc.value.hint


MODELS = """
- model: m1
  operations:
    train: {}
    hello: {}
- model: m2
  operations:
    hello: {}
- model: other
  default: yes
  operations:
    run: {}
"""


def test_op_in_anonymous_model(tmp_path):
    cwd = project(tmp_path, "train: {}\neval: {}\n")
    op = resolve_opspec("train", cwd)
    assert (op.name, op.model_name, op.full_name) == ("train", "", "train")
    assert resolve_opspec(":eval", cwd).name == "eval"


def test_default_operation(tmp_path):
    cwd = project(tmp_path, "train: {}\n_hidden: {}\n")
    assert resolve_opspec(None, cwd).name == "train"
    assert resolve_opspec("", cwd).name == "train"


def test_no_default_operation_for_project(tmp_path):
    cwd = project(tmp_path, "a: {}\nb: {}\n")
    assert error(None, cwd) == ("a default operation is not defined for this project", OPS_HINT)


def test_no_default_operation_for_named_model(tmp_path):
    cwd = project(tmp_path, "- model: m2\n  operations:\n    a: {}\n    b: {}\n")
    assert error(None, cwd) == ("a default operation is not defined for model 'm2'",
                                "Try 'guild operations m2' for a list of available operations.")


def test_model_name_matching(tmp_path):
    cwd = project(tmp_path, MODELS)
    assert resolve_opspec("1:train", cwd).full_name == "m1:train"
    assert resolve_opspec("m2:hello", cwd).full_name == "m2:hello"
    assert resolve_opspec("oth:run", cwd).full_name == "other:run"
    assert resolve_opspec("run", cwd).full_name == "other:run"  # default model
    assert resolve_opspec(None, cwd).full_name == "other:run"


def test_exact_model_name_wins(tmp_path):
    cwd = project(tmp_path, "- model: m\n  operations: {a: {}}\n- model: m1\n  operations: {a: {}}\n")
    assert resolve_opspec("m:a", cwd).model_name == "m"


def test_ambiguous_model(tmp_path):
    cwd = project(tmp_path, MODELS)
    assert error("m:hello", cwd) == ("there are multiple models that match 'm'",
                                     "Try specifying one of the following:\n  m1\n  m2")


def test_op_not_defined_for_model(tmp_path):
    cwd = project(tmp_path, MODELS)
    assert error("m2:nosuch", cwd) == ("operation 'nosuch' is not defined for model 'm2'",
                                       "Try 'guild operations m2' for a list of available operations.")


def test_op_not_defined_for_project(tmp_path):
    cwd = project(tmp_path, "train: {}\n")
    assert error("x", cwd) == ("operation 'x' is not defined for this project", OPS_HINT)


def test_no_guild_yml(tmp_path):
    cwd = project(tmp_path)
    assert error("train", cwd) == (
        "cannot find operation train",
        f"You may need to include a model in the form MODEL:OPERATION. {OPS_HINT}")
    assert error(None, cwd) == ("cannot find a default operation", "Try 'guild operations' for a list.")
    assert error("m:train", cwd) == ("cannot find operation m:train", OPS_HINT)


def test_no_model_matches(tmp_path):
    cwd = project(tmp_path, MODELS)
    assert error("zz:train", cwd) == ("cannot find operation zz:train", OPS_HINT)


def test_invalid_opspec(tmp_path):
    cwd = project(tmp_path, "train: {}\n")
    assert error("m2:", cwd) == ("invalid operation 'm2:'", OPS_HINT)


def test_script_fallback(tmp_path):
    cwd = project(tmp_path, files=["train_model.py"])
    op = resolve_opspec("train_model.py", cwd)
    assert op.is_script and op.is_python
    assert op.name == "train_model.py"
    assert op.full_name == "train_model.py"
    assert op.project_dir == cwd
    assert op.script_path == os.path.join(cwd, "train_model.py")
    assert op.main == "train_model"
    assert op.flags_import is True
    assert op.tags == ["model"]
    assert op.objective == "loss"
    assert op.guildfile_path is None


def test_script_in_subdir(tmp_path):
    cwd = project(tmp_path, "train: {}\n", files=["sub/prepare_it.py"])
    op = resolve_opspec("sub/prepare_it.py", cwd)
    assert op.is_script and op.name == "prepare_it.py"
    assert op.project_dir == cwd and op.main == "sub/prepare_it"
    assert op.tags == ["dataset"]


def test_script_in_parent_dir(tmp_path):
    project(tmp_path, files=["a/s.py", "b/x"])
    op = resolve_opspec("../a/s.py", str(tmp_path / "b"))
    assert op.project_dir == str(tmp_path) and op.main == "a/s"


def test_guild_yml_op_named_like_script_wins(tmp_path):
    cwd = project(tmp_path, "train.py: {main: other}\n", files=["train.py", "simple.py"])
    op = resolve_opspec("train.py", cwd)
    assert not op.is_script and op.main == "other"
    assert resolve_opspec("simple.py", cwd).is_script


def test_missing_script(tmp_path):
    cwd = project(tmp_path)
    assert error("nope.py", cwd)[0] == "cannot find operation nope.py"


def test_resolved_opdefs_are_fresh_copies(tmp_path):
    cwd = project(tmp_path, "train: {flags: {x: 1}}\n")
    op = resolve_opspec("train", cwd)
    op.flags["x"]["default"] = 2
    op.flags_dest = "args"
    again = resolve_opspec("train", cwd)
    assert again.flags["x"]["default"] == 1 and again.flags_dest is None


def test_find_opdef(tmp_path):
    cwd = project(tmp_path, MODELS)
    path = os.path.join(cwd, "guild.yml")
    assert find_opdef(path, "m1", "train").full_name == "m1:train"
    assert find_opdef(path, "m", "train") is None
    assert find_opdef(path, "m1", "nope") is None
    assert find_opdef(os.path.join(cwd, "missing.yml"), "", "train") is None


def test_cli_reports_guildfile_error(genv):
    genv.write("guild.yml", "train:\n  flags: 5\n")
    result = genv.run("run", "train", "-y")
    assert result.rc == 1
    assert result.err == (
        f"ERROR: error in {genv.project}/guild.yml: invalid flags value 5: expected a mapping\n"
        "guild: guildfile in the current directory contains an error (see above for details)\n")


def test_cli_reports_missing_operation(genv):
    genv.write("guild.yml", "- model: m2\n  operations:\n    hello: {}\n")
    result = genv.run("run", "m2:nosuch", "-y")
    assert result.rc == 1
    assert result.err == ("guild: operation 'nosuch' is not defined for model 'm2'\n"
                          "Try 'guild operations m2' for a list of available operations.\n")
