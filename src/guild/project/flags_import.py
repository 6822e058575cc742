"""Flags imported from an operation's Python script (spec §4.1–4.4).

`import_flags(opdef, cache_dir)` finds the op's module, detects its flags-dest from its imports
(argparse -> `args`, click -> `args:click`, else `globals`), discovers its flags (module globals by
AST, argparse/click options by running the script up to its parse in a subprocess, dict/namespace
globals, config files) and merges them into `opdef.flags` as `flags-import` says. Results are
cached as JSON per module path + main args + dest, valid while the module is not newer."""

from __future__ import annotations

import os

from guild.project.opdef import OpDef
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Mapping

_refreshed = False


def import_flags(opdef: OpDef, cache_dir: str | None, environ: Mapping[str, str] | None = None) -> None:
    """Merge the script's flags into `opdef.flags` and set `opdef.flags_dest` when unset.
    `environ` (default: this process's) is what an argparse/click probe of the script runs with."""
    env = os.environ if environ is None else environ
    if not opdef.is_python or opdef.is_pipeline or opdef.flags_import is False:
        return
    located = _locate_module(opdef)
    if located is None:
        spec = opdef.main.split()[0] if opdef.main else ""
        _warn(f"cannot import flags from {spec}: No module named {spec}")
        return
    path, base_dir, module, args = located
    if opdef.flags_dest and opdef.flags_dest.startswith("config:"):
        info = {"dest": opdef.flags_dest, "flags": _config_flags(opdef)}
    else:
        info = _cached_info(path, base_dir, module, args, opdef, cache_dir, env)
    if info is None:
        return
    if not opdef.flags_dest:
        opdef.flags_dest = info["dest"]
    opdef.flags = merge_imported(opdef, info["flags"])


def merge_imported(opdef: OpDef, imported: dict[str, dict]) -> dict[str, dict]:
    """`opdef.flags` with `imported` flag defs applied per flags-import / flags-import-skip (§4.2).

    A defined flag (matched by name, or by its `arg-name`) keeps every attribute it sets and
    takes the others from the imported def. New flags are added only for `all` or listed names."""
    selected = opdef.flags_import
    skip = set(opdef.flags_import_skip)
    result = {name: dict(fd) for name, fd in opdef.flags.items()}
    by_arg_name = {fd.get("arg-name"): name for name, fd in result.items() if fd.get("arg-name")}
    for name, imported_def in imported.items():
        if name in skip:
            continue
        target = name if name in result else by_arg_name.get(name)
        if target is not None:
            flagdef = result[target]
            for key, val in imported_def.items():
                if flagdef.get(key) is None:
                    flagdef[key] = val
        elif selected is True or (isinstance(selected, list) and name in selected):
            result[name] = dict(imported_def)
    return dict(sorted(result.items()))


# --- locating the module -----------------------------------------------------------------------


def _locate_module(opdef: OpDef) -> tuple[str, str, str, list[str]] | None:
    """(path, base dir, module name, main args) of the op's main module, or None if not found."""
    import shlex

    try:
        words = shlex.split(opdef.main or "")
    except ValueError:
        words = (opdef.main or "").split()
    if not words:
        return None
    subdir, _, module = words[0].rpartition("/")
    rel = os.path.join(*module.split("."))
    for root in _search_dirs(opdef):
        base = os.path.join(root, subdir) if subdir else root
        for candidate in (os.path.join(base, rel + ".py"), os.path.join(base, rel, "__main__.py")):
            if os.path.isfile(candidate):
                return os.path.abspath(candidate), os.path.abspath(base), module, words[1:]
    return None


def _search_dirs(opdef: OpDef) -> list[str]:
    """Where the op's main module is looked for: the project (and its python-path and sourcecode
    root), then the dir holding the `guild` package, for Guild's own modules (`guild.pass`)."""
    dirs = [opdef.project_dir]
    dirs.extend(os.path.join(opdef.project_dir, p) for p in opdef.python_path)
    for sourcecode in (opdef.sourcecode, opdef.model_sourcecode):
        if isinstance(sourcecode, dict) and sourcecode.get("root"):
            dirs.append(os.path.join(opdef.project_dir, str(sourcecode["root"])))
            break
    dirs.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return dirs


# --- cache -------------------------------------------------------------------------------------


def _cached_info(path: str, base_dir: str, module: str, args: list[str], opdef: OpDef,
                 cache_dir: str | None, env: Mapping[str, str]) -> dict | None:
    import marshal

    if env.get("NO_IMPORT_FLAGS_CACHE") == "1":
        cache_dir = None
    cache_path = None
    if cache_dir:
        from guild.util import hashing

        key = "\0".join([path, *args, opdef.flags_dest or ""])
        cache_path = os.path.join(cache_dir, hashing.md5(key.encode()).hexdigest())
        try:
            if os.path.getmtime(path) <= os.path.getmtime(cache_path):
                with open(cache_path, "rb") as f:
                    cached = marshal.load(f)
                if isinstance(cached, dict) and cached.get("dest") and isinstance(cached.get("flags"), dict):
                    return cached
        except (OSError, ValueError, EOFError, TypeError):
            pass
    _log_refreshing()
    info = _discover(path, base_dir, module, args, opdef, env)
    if info is not None and cache_path and not info.pop("failed", False):
        try:
            from guild.util.files import write_atomic

            os.makedirs(cache_dir, exist_ok=True)
            write_atomic(cache_path, marshal.dumps(info))
        except (OSError, ValueError):
            pass
    return info


def _log_refreshing() -> None:
    global _refreshed
    if not _refreshed and os.environ.get("NO_IMPORT_FLAGS_PROGRESS") != "1":
        log.info("Refreshing flags...")
    _refreshed = True


def _warn(msg: str) -> None:
    if os.environ.get("NO_WARN_FLAGS_IMPORT") != "1":
        log.warning(msg)


# --- discovery ---------------------------------------------------------------------------------


def _discover(path: str, base_dir: str, module: str, args: list[str], opdef: OpDef,
              env: Mapping[str, str]) -> dict | None:
    """{"dest": detected dest, "flags": {name: flagdef}} (+ "failed" when not to be cached)."""
    import ast

    try:
        with open(path, "rb") as f:
            source = f.read()
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        _warn_syntax_error(path, e)
        return None
    except (OSError, ValueError) as e:
        _warn(f"cannot import flags from {path}: {e}")
        return None
    imports = _imported_modules(tree)
    dest = opdef.flags_dest
    if not dest:
        dest = "args" if "argparse" in imports else "args:click" if "click" in imports else "globals"
    info: dict[str, Any] = {"dest": dest, "flags": {}}
    if dest == "globals":
        info["flags"] = _literal_flags(_module_globals(tree), os.path.dirname(path))
    elif dest.startswith(("dict:", "global:")):
        val = _module_globals(tree).get(dest.split(":", 1)[1])
        if isinstance(val, dict):
            info["flags"] = _literal_flags(_flatten(val), os.path.dirname(path))
    elif dest.startswith("namespace:"):
        val = _namespace_global(tree, dest.split(":", 1)[1])
        if val is not None:
            info["flags"] = _literal_flags(_flatten(val), os.path.dirname(path))
    elif dest in ("args", "args:click"):
        mode = "click" if dest == "args:click" else "argparse"
        if mode in imports:
            flags = _probe_flags(path, base_dir, module, args, mode, opdef, env)
            if flags is None:
                info["failed"] = True
            else:
                info["flags"] = flags
    return info


def _warn_syntax_error(path: str, e: SyntaxError) -> None:
    lines = [f"cannot import flags from {path}: invalid syntax on line {e.lineno}"]
    if e.text:
        text = e.text.rstrip("\n")
        stripped = text.lstrip()
        caret = max((e.offset or 1) - 1 - (len(text) - len(stripped)), 0)
        lines += [f"    {stripped}", f"    {' ' * caret}^"]
    _warn("\n".join(lines))


def _imported_modules(tree) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


_NOT_LITERAL = object()


def _module_globals(tree) -> dict[str, Any]:
    """Top-level `NAME = <literal>` values; only a name's first assignment counts."""
    import ast

    seen: set[str] = set()
    values: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if not isinstance(target, ast.Name) or target.id in seen:
                continue
            seen.add(target.id)
            val = _literal(value)
            if val is not _NOT_LITERAL:
                values[target.id] = val
    return values


def _literal(node) -> Any:
    import ast

    try:
        val = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
    return val if _is_plain(val) else _NOT_LITERAL


def _is_plain(val: Any) -> bool:
    if val is None or isinstance(val, (bool, int, float, str)):
        return True
    if isinstance(val, list):
        return all(_is_plain(v) for v in val)
    if isinstance(val, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in val.items())
    return False


def _namespace_global(tree, name: str) -> dict | None:
    """The keyword values of a top-level `NAME = SimpleNamespace(...)` as a nested dict."""
    import ast

    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return _namespace_value(node.value)
    return None


def _namespace_value(node) -> dict | None:
    import ast

    if not isinstance(node, ast.Call):
        return None
    func = node.func
    func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if func_name != "SimpleNamespace":
        return None
    out: dict[str, Any] = {}
    for kw in node.keywords:
        if kw.arg is None:
            continue
        nested = _namespace_value(kw.value)
        val = nested if nested is not None else _literal(kw.value)
        if val is not _NOT_LITERAL:
            out[kw.arg] = val
    return out


def _flatten(val: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in val.items():
        if isinstance(item, dict):
            out.update(_flatten(item, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = item
    return out


def _literal_flags(values: dict[str, Any], script_dir: str) -> dict[str, dict]:
    """Flag defs for global values (§4.3 table); dicts and names starting with `_` are not flags."""
    flags: dict[str, dict] = {}
    for name, val in values.items():
        if name.startswith("_") or isinstance(val, dict):
            continue
        if isinstance(val, list):
            if any(isinstance(v, (list, dict)) for v in val):
                continue
            flags[name] = {"default": _encode_list(val), "arg-split": True}
        elif isinstance(val, bool):
            flags[name] = {"default": val, "type": "boolean"}
        elif isinstance(val, (int, float)):
            flags[name] = {"default": val, "type": "number"}
        elif isinstance(val, str):
            flags[name] = {"default": _maybe_abs_path(val, script_dir), "type": "string"}
        else:
            flags[name] = {"default": None}
    return flags


def _encode_list(items: list) -> str:
    import shlex

    from guild.util import yamlutil

    return " ".join(shlex.quote(yamlutil.dump_flow(item)) for item in items)


def _maybe_abs_path(val: str, script_dir: str) -> str:
    if "/" in val:
        path = os.path.join(script_dir, val)
        if os.path.isfile(path):
            return os.path.abspath(path)
    return val


# --- argparse / click (subprocess) -------------------------------------------------------------

_ARG_TYPES = {"str": "string", "int": "int", "float": "float", "bool": "boolean"}


def _probe_flags(path: str, base_dir: str, module: str, args: list[str], mode: str,
                 opdef: OpDef, base_env: Mapping[str, str]) -> dict[str, dict] | None:
    """Flags from the script's argparse (or click) options; None (after a warning) on failure."""
    import json
    import subprocess
    import sys
    import tempfile

    probe = os.path.join(os.path.dirname(__file__), "_script_probe.py")
    env = dict(base_env)
    extra = [os.path.join(opdef.project_dir, p) for p in opdef.python_path]
    env["PYTHONPATH"] = os.pathsep.join(extra + [p for p in [env.get("PYTHONPATH")] if p])
    fd, out_path = tempfile.mkstemp(prefix="guild-flags-", suffix=".json")
    os.close(fd)
    try:
        proc = subprocess.run(
            [sys.executable, probe, out_path, mode, base_dir, module, *args],
            cwd=opdef.project_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
        )
        with open(out_path) as f:
            text = f.read()
    except (OSError, subprocess.SubprocessError) as e:
        _warn(f"cannot import flags from {path}: {e}")
        return None
    finally:
        try:
            os.unlink(out_path)
        except OSError:
            pass
    if not text:
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            _warn(f"cannot import flags from {path}: {lines[-1] if lines else f'exit {proc.returncode}'}")
            return None
        return {}
    data = json.loads(text)
    convert = _click_flagdef if data.get("kind") == "click" else _argparse_flagdef
    flags: dict[str, dict] = {}
    for opt in data.get("options", []):
        if opt:
            name, flagdef = convert(opt)
            flags[name] = flagdef
    return flags


def _argparse_flagdef(opt: dict) -> tuple[str, dict]:
    name, kind = opt["name"], opt.get("kind")
    flagdef: dict[str, Any] = {}
    if opt.get("help"):
        flagdef["description"] = opt["help"]
    if kind == "_StoreTrueAction":
        flagdef.update({"default": bool(opt.get("default", False)), "arg-switch": True, "choices": [True, False]})
    elif kind == "_StoreFalseAction":
        flagdef.update({"default": bool(opt.get("default", True)), "arg-switch": False, "choices": [True, False]})
    elif kind == "BooleanOptionalAction":
        default = bool(opt.get("default"))
        flagdef.update({"default": default, "choices": [True, False]})
        if default:
            negative = next((s[2:] for s in opt["option_strings"] if s.startswith("--no-")), f"no-{name}")
            flagdef.update({"arg-name": negative, "arg-switch": False})
        else:
            flagdef["arg-switch"] = True
    else:
        _set_value_attrs(flagdef, opt, opt.get("nargs") in ("+", "*") or (
            isinstance(opt.get("nargs"), int) and opt["nargs"] > 1))
    if opt.get("required"):
        flagdef["required"] = True
    return name, flagdef


def _click_flagdef(opt: dict) -> tuple[str, dict]:
    flagdef: dict[str, Any] = {}
    if opt.get("help"):
        flagdef["description"] = opt["help"]
    if opt.get("is_flag"):  # a boolean flag: `--NAME` when true
        flagdef.update({"default": bool(opt.get("default")), "type": "boolean", "arg-switch": True})
    else:
        _set_value_attrs(flagdef, opt, bool(opt.get("multiple")))
    if opt.get("required"):
        flagdef["required"] = True
    return opt["name"], flagdef


def _set_value_attrs(flagdef: dict, opt: dict, split: bool) -> None:
    default = opt.get("default")
    if split:
        flagdef["arg-split"] = True
        if isinstance(default, list):
            default = " ".join(str(x) for x in default)
    if default is not None:
        flagdef["default"] = default
    if opt.get("choices") is not None:
        flagdef["choices"] = opt["choices"]
    type_name = opt.get("type")
    if type_name in _ARG_TYPES:
        flagdef["type"] = _ARG_TYPES[type_name]
    elif type_name:
        log.debug(f"unsupported flag type {type_name} - ignoring type setting")


# --- config files ------------------------------------------------------------------------------


def _config_flags(opdef: OpDef) -> dict[str, dict]:
    """Flags from a `config:FILE` dest: YAML/JSON mappings or INI sections, flattened with `.`."""
    path = os.path.join(opdef.project_dir, opdef.flags_dest.split(":", 1)[1])
    try:
        if path.endswith((".ini", ".cfg")):
            import configparser

            from guild.flags.decode import decode_flag_value

            parser = configparser.ConfigParser()
            parser.read(path)
            data: Any = {s: {k: decode_flag_value(v) for k, v in parser.items(s, raw=True)}
                         for s in parser.sections()}
        else:
            from guild.util import yamlutil

            with open(path) as f:
                data = yamlutil.load(f)
    except Exception as e:
        _warn(f"cannot import flags from {path}: {e}")
        return {}
    if not isinstance(data, dict):
        return {}
    values = {k: v for k, v in _flatten(data).items() if _is_plain(v)}
    return _literal_flags(values, os.path.dirname(path))
