"""Operation specs: `""`, `train`, `m1:train`, `:train`, `train.py` -> OpDef (spec §1.6, §4.6).

Resolution: the project's guild.yml (default model, or models whose name contains MODEL), then a
Python script relative to cwd, then the exact "cannot find operation" messages of §1.1."""

from __future__ import annotations

import copy
import os
import shlex

from guild.errors import GuildError
from guild.project.guildfile import Guildfile, ModelDef, load_guildfile
from guild.project.builtins import builtin_opdef
from guild.project.opdef import OpDef
from guild.util.text import did_you_mean

_OPS_HINT = "Try 'guild operations' for a list of available operations."


def resolve_opspec(spec: str | None, cwd: str, parse_cache: str | None = None) -> OpDef:
    """The operation `spec` names from `cwd` (a fresh copy: callers may change its flags).
    `parse_cache`: see `load_guildfile`."""
    gf = _project_guildfile(cwd, parse_cache)
    if not spec:
        return _fresh(_default_opdef(gf))
    parsed = _parse(spec)
    if parsed is None:
        script = script_opdef(spec, cwd)
        if script:
            return script
        raise GuildError(f"invalid operation '{spec}'", hint=_OPS_HINT)
    pkg, model_name, op_name = parsed
    if model_name == "dvc.yaml" and pkg is None and (gf is None or gf.get_model("dvc.yaml") is None):
        from guild.project.dvcstage import dvc_stage_opdef

        return dvc_stage_opdef(op_name, cwd)
    if gf is not None and pkg is None:
        model = _find_model(gf, model_name)
        if model is not None:
            opdef = model.operations.get(op_name)
            if opdef is not None:
                return _fresh(opdef)
            script = script_opdef(spec, cwd)
            if script:
                return script
            builtin = builtin_opdef(op_name, cwd) if model_name is None else None
            if builtin is not None:
                return builtin
            if model.name:
                raise GuildError(
                    f"operation '{op_name}' is not defined for model '{model.name}'"
                    f"{did_you_mean(op_name, model.operations, '.')}",
                    hint=f"Try 'guild operations {model.name}' for a list of available operations.")
            raise GuildError(f"operation '{op_name}' is not defined for this project"
                             f"{did_you_mean(op_name, model.operations, '.')}", hint=_OPS_HINT)
    script = script_opdef(spec, cwd)
    if script:
        return script
    builtin = builtin_opdef(op_name, cwd) if pkg is None and model_name is None else None
    if builtin is not None:
        return builtin
    if model_name is None:
        raise GuildError(
            f"cannot find operation {spec}",
            hint=f"You may need to include a model in the form MODEL:OPERATION. {_OPS_HINT}")
    raise GuildError(f"cannot find operation {spec}", hint=_OPS_HINT)


def find_opdef(guildfile_path: str, model_name: str, op_name: str,
               parse_cache: str | None = None) -> OpDef | None:
    """The op `model_name:op_name` of the guild.yml at `guildfile_path`, or None if it is gone."""
    if not os.path.isfile(guildfile_path):
        return None
    if os.path.basename(guildfile_path) == "dvc.yaml" and model_name == "dvc.yaml":
        from guild.project.dvcstage import dvc_stage_opdef

        return dvc_stage_opdef(op_name, os.path.dirname(guildfile_path))
    model = load_guildfile(guildfile_path, parse_cache).get_model(model_name)
    opdef = model.operations.get(op_name) if model else None
    return _fresh(opdef) if opdef else None


def script_opdef(spec: str, cwd: str) -> OpDef | None:
    """A script operation for `<cwd>/<spec>` when that is an existing file: a `*.py` file runs
    as Python (§4.6); another script runs with the interpreter its `#!` line or its extension
    names, and takes any flags, as `--NAME VALUE` arguments and `FLAG_NAME` variables."""
    path = os.path.abspath(os.path.join(cwd, spec))
    if not os.path.isfile(path):
        return None
    interpreter = None
    if not spec.endswith(".py"):
        interpreter = script_interpreter(path)
        if interpreter is None:
            return None
    project_dir = os.path.commonpath([path, os.path.abspath(cwd)])
    name = os.path.basename(path)
    rel = os.path.relpath(path, project_dir)
    tags = []
    if "train" in name:
        tags.append("model")
    if "prepare" in name:
        tags.append("dataset")
    if interpreter is not None:
        return OpDef(name=name, model_name="", guildfile_path=None, project_dir=project_dir,
                     exec=shlex.join([*interpreter, rel]) + " ${flag_args}", tags=tags,
                     objective="loss", is_script=True, script_path=path)
    return OpDef(
        name=name,
        model_name="",
        guildfile_path=None,
        project_dir=project_dir,
        main=rel[:-3],
        flags_import=True,
        tags=tags,
        objective="loss",
        is_script=True,
        script_path=path,
    )


_INTERPRETERS = {".sh": ["sh"], ".bash": ["bash"], ".zsh": ["zsh"], ".R": ["Rscript"], ".r": ["Rscript"],
                 ".jl": ["julia"], ".js": ["node"], ".rb": ["ruby"], ".pl": ["perl"], ".lua": ["lua"]}


def script_interpreter(path: str) -> list[str] | None:
    """The command that runs the script at `path`: its `#!` line, else by its extension; None
    for a file that is not a script."""
    try:
        with open(path, "rb") as f:
            head = f.readline(512)
    except OSError:
        return None
    if head.startswith(b"#!"):
        words = head[2:].decode(errors="replace").split()
        return words or None
    return _INTERPRETERS.get(os.path.splitext(path)[1])


def _project_guildfile(cwd: str, parse_cache: str | None) -> Guildfile | None:
    path = os.path.join(cwd, "guild.yml")
    return load_guildfile(path, parse_cache) if os.path.isfile(path) else None


def _parse(spec: str) -> tuple[str | None, str | None, str] | None:
    """(pkg, model, op) of `[PKG/][MODEL:]OP`, or None when `spec` has another shape."""
    pkg = None
    rest = spec
    if "/" in rest:
        pkg, _, rest = rest.partition("/")
        if not pkg or "/" in rest or ":" in pkg:
            return None
    model, sep, op = rest.rpartition(":")
    if not op or ":" in model:
        return None
    return pkg, (model if sep else None), op


def _default_opdef(gf: Guildfile | None) -> OpDef:
    model = _find_model(gf, None) if gf else None
    if model is None:
        raise GuildError("cannot find a default operation", hint="Try 'guild operations' for a list.")
    opdef = model.default_operation()
    if opdef is not None:
        return opdef
    if model.name:
        raise GuildError(
            f"a default operation is not defined for model '{model.name}'",
            hint=f"Try 'guild operations {model.name}' for a list of available operations.")
    raise GuildError("a default operation is not defined for this project", hint=_OPS_HINT)


def _find_model(gf: Guildfile, name: str | None) -> ModelDef | None:
    if name is None:
        return gf.default_model() or gf.get_model("")
    exact = gf.get_model(name)
    if exact is not None:
        return exact
    matches = [m for m in gf.models if name in m.name]
    if len(matches) > 1:
        names = "\n".join(f"  {m.name}" for m in sorted(matches, key=lambda m: m.name))
        raise GuildError(f"there are multiple models that match '{name}'",
                         hint=f"Try specifying one of the following:\n{names}")
    return matches[0] if matches else None


def _fresh(opdef: OpDef) -> OpDef:
    return opdef.replace(flags=copy.deepcopy(opdef.flags))
