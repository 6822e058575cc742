"""Dependency definitions: requires forms, generated flags, saved form, op specs, url cache keys,
config generation."""

from __future__ import annotations

import hashlib
import os

import pytest

from guild.engine.deps import config as deps_config, model as deps_model, sources as deps_sources
from guild.project.opdef import OpDef


def _opdef(requires, flags=None, resources=None, tmp_path="/p"):
    return OpDef(name="train", model_name="", guildfile_path=os.path.join(str(tmp_path), "guild.yml"),
                 project_dir=str(tmp_path), main="train", requires=requires, flags=flags or {},
                 resources=resources or {})


def test_inline_forms_and_resolving_names():
    opdef = _opdef([
        {"operation": "prepare"},
        {"file": "data.csv", "name": "d"},
        {"sources": ["msg.txt", {"file": "msg-2.txt"}]},
        {"name": "inputs", "sources": [{"operation": "prepare", "select": "out-.*"}]},
    ])
    names = [r.name for r in deps_model.op_resources(opdef)]
    assert names == ["operation:prepare", "d", "file:msg.txt,file:msg-2.txt", "inputs"]


def test_named_resource_errors():
    opdef = _opdef(["nope"])
    with pytest.raises(deps_model.DepDefError) as e:
        deps_model.op_resources(opdef)
    assert e.value.message == ("invalid definition for operation 'train': resource 'nope' required by "
                               "operation 'train' is not defined")
    with pytest.raises(deps_model.DepDefError) as e:
        deps_model.op_resources(_opdef(["a/b:c:d"]))
    assert e.value.message.endswith("invalid dependency 'a/b:c:d' in operation 'train'")
    with pytest.raises(deps_model.DepDefError) as e:
        deps_model.op_resources(_opdef(["pkg/res"]))
    assert e.value.message.endswith("resource 'pkg/res' required by operation 'train' is not installed")


def test_named_resource_list_shorthand():
    opdef = _opdef(["data"], resources={"data": {"sources": ["a.txt"], "target-path": "d"}})
    (res,) = deps_model.op_resources(opdef)
    assert res.name == "data" and res.data["target-path"] == "d"
    assert [s.uri for s in res.sources] == ["file:a.txt"]


def test_dependency_flagdefs_generated_and_merged(capsys):
    opdef = _opdef(
        [{"operation": "prepare"}, {"operation": "x", "name": "prep"}, {"operation": "y", "flag-name": "no"},
         {"file": "in.txt", "flag-name": "infile"}],
        flags={"infile": {"type": "number", "description": "Input"}},
    )
    defs = deps_model.dependency_flagdefs(opdef)
    assert defs == {
        "operation:prepare": {"type": "string", "arg-skip": True, "default": None, "alias": "prepare"},
        "prep": {"type": "string", "arg-skip": True, "default": None},
        "infile": {"type": "string", "arg-skip": True, "default": "in.txt", "description": "Input"},
    }
    assert capsys.readouterr().err == (
        "WARNING: flag 'infile' for operation train is configured with type 'number' - this value cannot "
        "be used because it conflicts with the dependency 'infile' - ignoring configured value\n")


def test_unexpected_source_attribute_warning(capsys):
    deps_model.dependency_flagdefs(_opdef([{"file": "a.txt", "description": "x"}]))
    assert capsys.readouterr().err == "WARNING: unexpected source attribute 'description' in resource 'file:a.txt'\n"


def test_saved_form_round_trip():
    opdef = _opdef([{"operation": "train", "name": "model", "select": "model.txt"}])
    (res,) = deps_model.op_resources(opdef)
    saved = deps_model.saved_form(res, {"model": "abc", "lr": 1})
    assert saved == {
        "config": {"model": "abc"}, "location": "/p", "name": "model",
        "sources": [{"name": "model", "operation": "train", "select": "model.txt"}],
    }
    back = deps_model.from_saved(saved)
    assert back.name == "model" and back.location == "/p" and back.config == {"model": "abc"}
    assert back.sources[0].data["select"] == "model.txt"


def test_flags_dest_config_adds_dependency():
    opdef = _opdef([])
    opdef.flags_dest = "config:conf/c.yml"
    (res,) = deps_model.op_resources(opdef)
    assert res.sources[0].data == {"config": "conf/c.yml", "replace-existing": True, "always-resolve": True,
                                   "target-path": "conf"}
    opdef = _opdef([{"config": "conf/c.yml"}])
    opdef.flags_dest = "config:conf/c.yml"
    (res,) = deps_model.op_resources(opdef)
    assert res.sources[0].data["always-resolve"] is True


def test_op_refs_and_desc():
    assert deps_sources.op_refs("m:train,pkg/m2:eval") == [(None, "m", "train"), ("pkg", "m2", "eval")]
    assert deps_sources.op_desc("prepare") == "prepare"
    assert deps_sources.op_desc("m:prep.*,pkg/m:x") == "m:prep.*,pkg/m:x"


def test_url_cache_dir_key(monkeypatch, tmp_path):
    from guild.engine.deps import url_cache as resource_cache

    key = hashlib.sha224(b"http\n127.0.0.1:8765\n/remote.txt\n\n\n").hexdigest()
    cache = deps_sources.resources_cache(str(tmp_path))
    assert resource_cache.url_cache_dir("http://127.0.0.1:8765/remote.txt", cache) == str(
        tmp_path / "cache" / "resources" / key)
    assert resource_cache.url_file_name("http://h/a%20b.txt?x=1") == "a b.txt"


def test_config_generation_yaml_json_ini(tmp_path):
    run_dir = tmp_path / "run"
    (tmp_path / "c.yml").write_text("a: 1\nb: 2\nc:\n  d: 3\n")
    out = deps_config.generate(str(tmp_path / "c.yml"), {"b": 22, "c.e": 5}, {"a": 11, "c.d": 44, "z": None},
                               {}, str(run_dir))
    assert open(out).read() == "a: 11\nb: 22\nc:\n  d: 44\n  e: 5"
    assert os.path.dirname(os.path.dirname(out)) == str(run_dir / ".guild" / "generated")
    (tmp_path / "c.json.in").write_text('{"x": 1}')
    out = deps_config.generate(str(tmp_path / "c.json.in"), None, {"y": "s"}, {"y": {"arg-name": "w"}},
                               str(run_dir))
    assert open(out).read() == '{"w": "s", "x": 1}'
    (tmp_path / "c.ini").write_text("[s]\nk = 1\n")
    out = deps_config.generate(str(tmp_path / "c.ini"), {"s.k": 2}, {}, {}, str(run_dir))
    assert open(out).read() == "[s]\nk = 2\n\n"
    (tmp_path / "c.txt").write_text("")
    with pytest.raises(deps_config.ResolveError) as e:
        deps_config.generate(str(tmp_path / "c.txt"), None, {}, {}, str(run_dir))
    assert str(e.value) == f"unsupported file type for '{tmp_path / 'c.txt'}'"


def test_help_op_dependencies_rows():
    opdef = _opdef(
        ["data", {"resource": "other", "description": "Other data"}, "plain", {"file": "x.txt"}],
        resources={"data": {"description": "Some data", "sources": ["a"]}, "other": ["b"], "plain": ["c"]},
    )
    assert deps_model.help_op_dependencies(opdef) == [("data", "Some data"), ("other", "Other data")]


def test_saved_deps_end_with_additional_paths_located_in_cwd():
    saved = deps_model.saved_deps(deps_model.op_resources(_opdef([{"file": "a.txt"}])), {}, ["../b.txt"])
    assert saved == [
        {"location": "/p", "name": "file:a.txt", "sources": [{"file": "a.txt"}]},
        {"location": ".", "name": "../b.txt", "sources": [{"file": "../b.txt", "target-type": "link"}]},
    ]


def test_run_resources_take_additional_paths_from_the_options():
    from guild.engine.deps import resolve

    class Plan:
        opdef = None
        resources = None
        flags: dict = {}
        op_config = {"deps": deps_model.saved_deps(deps_model.op_resources(_opdef([{"file": "a.txt"}])), {}, ["b.txt"])}

    resources = resolve.run_resources(Plan(), ["b.txt", "c.txt"], "/cwd")
    assert [r.name for r in resources] == ["file:a.txt", "b.txt", "c.txt"]
    assert [r.location for r in resources] == ["/p", "/cwd", "/cwd"]
    # A batch run resolves the op's own dependencies only
    assert [r.name for r in resolve.run_resources(Plan(), [], "/cwd")] == ["file:a.txt"]


def test_flags_extra_names_the_source_of_each_dependency_flag():
    opdef = _opdef([
        {"operation": "train", "name": "model"},
        {"operation": "prepare"},
        {"operation": "other", "flag-name": "no"},
        {"file": "a.txt", "flag-name": "infile"},
        {"file": "b.txt"},
    ])
    assert deps_model.flags_extra(deps_model.op_resources(opdef)) == {
        "model": {"name": "model"},
        "operation:prepare": {"name": "operation:prepare"},
        "infile": {"name": "infile"},
    }


def test_resource_locations_follow_extended_models(tmp_path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "base.yml").write_text("- config: base\n  resources:\n    r: [x.txt]\n")
    (tmp_path / "guild.yml").write_text(
        "- include: base/base.yml\n- model: m\n  extends: base\n  operations:\n"
        "    train:\n      requires: [r, {file: a.txt}]\n")
    from guild.project.guildfile import load_guildfile

    opdef = load_guildfile(str(tmp_path / "guild.yml")).get_model("m").get_operation("train")
    for res in deps_model.op_resources(opdef):
        assert res.locations() == [str(tmp_path), str(tmp_path / "base")]


def test_source_help_is_yellow_on_a_tty(monkeypatch):
    import sys

    from guild.engine.deps import resolve
    from guild.engine.deps.files import ResolveError

    source = deps_model.parse_source({"file": "a.txt", "help": "Try this"}, "")
    res = deps_model.Resource("r", {}, [source], "/p")
    err = ResolveError("cannot find source file 'a.txt'")
    detail = "could not resolve 'file:a.txt' in r resource: cannot find source file 'a.txt'"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert resolve._error_detail(err, source, res) == detail + "\nTry this"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert resolve._error_detail(err, source, res) == detail + "\n\x1b[33mTry this\x1b[0m"
