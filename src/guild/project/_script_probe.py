"""Run a script up to its argparse/click parse and dump the parser's options as JSON (spec §4.4).

Usage: python _script_probe.py OUT_JSON argparse|click BASE_DIR MODULE [ARG...]
Runs MODULE (found under BASE_DIR) as `__main__` with `sys.argv = [path, ARG..., "--help"]` after
hooking `ArgumentParser.parse_known_args` (or click's `Command.main`); the first parse writes
OUT_JSON (the options of the sub-command an ARG names, if any) and ends the process. Standard library only (click is the script's own import)."""

import argparse
import json
import os
import runpy
import sys

_SKIP_KINDS = ("_HelpAction", "_VersionAction", "_SubParsersAction")


def main() -> None:
    out_path, mode, base_dir, module, *args = sys.argv[1:]
    sys.path[0] = base_dir
    sys.argv = [_module_path(base_dir, module), *args, "--help"]

    def parse_known_args(self, *_args, **_kw):
        parser = _chosen_subparser(self, args)
        _finish(out_path, {"kind": "argparse", "options": [_argparse_opt(a) for a in parser._actions]})

    if mode == "click":
        _hook_click(out_path)
    else:
        argparse.ArgumentParser.parse_known_args = parse_known_args
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _chosen_subparser(parser, args: list):
    """The sub-command parser the op's own args name (`main: train.py fit` -> `fit`), followed
    down nested sub-commands; `parser` itself when they name none. Flags after a sub-command
    reach only its parser, so its options are the op's flags."""
    for action in parser._actions:
        if type(action).__name__ == "_SubParsersAction":
            for arg in args:
                if arg in action.choices:
                    return _chosen_subparser(action.choices[arg], args)
    return parser


def _module_path(base_dir: str, module: str) -> str:
    rel = os.path.join(base_dir, *module.split("."))
    return rel + ".py" if os.path.isfile(rel + ".py") else os.path.join(rel, "__main__.py")


def _finish(out_path: str, data: dict) -> None:
    with open(out_path, "w") as f:
        json.dump(data, f)
    sys.stdout.flush()
    os._exit(0)


def _argparse_opt(action) -> dict | None:
    kind = type(action).__name__
    long = next((s for s in action.option_strings if s.startswith("--")), None)
    if not long or kind in _SKIP_KINDS:
        return None
    opt = {
        "name": long[2:],
        "kind": kind,
        "option_strings": list(action.option_strings),
        "required": bool(action.required),
        "nargs": action.nargs,
    }
    if action.help and action.help != argparse.SUPPRESS:
        opt["help"] = str(action.help)
    if action.default is not None and action.default != argparse.SUPPRESS:
        opt["default"] = _jsonable(action.default)
    if action.choices is not None:
        opt["choices"] = [_jsonable(c) for c in action.choices]
    if action.type is not None:
        opt["type"] = action.type.__name__ if action.type in (str, int, float, bool) else repr(action.type)
    return opt


def _hook_click(out_path: str) -> None:
    try:
        import click.core
    except ImportError:
        return

    def main(self, *_args, **_kw):
        ctx = click.core.Context(self)
        _finish(out_path, {"kind": "click", "options": [_click_opt(p, ctx) for p in self.params]})

    click.core.Command.main = main


def _click_opt(param, ctx) -> dict | None:
    import click

    long = next((s for s in getattr(param, "opts", []) if s.startswith("--")), None)
    if not long or not isinstance(param, click.Option):
        return None
    opt = {"name": long[2:], "required": bool(param.required), "is_flag": bool(param.is_flag),
           "multiple": bool(param.multiple)}
    if param.help:
        opt["help"] = str(param.help)
    try:
        default = param.get_default(ctx)
    except Exception:
        default = None
    if default is not None and not param.multiple:
        opt["default"] = _jsonable(default)
    if isinstance(param.type, click.Choice):
        opt["choices"] = [_jsonable(c) for c in param.type.choices]
    type_name = {"integer": "int", "float": "float", "boolean": "bool", "text": "str"}.get(param.type.name)
    if type_name:
        opt["type"] = type_name
    return opt


def _jsonable(val):
    if val is None or isinstance(val, (bool, int, float, str)):
        return val
    if isinstance(val, (list, tuple)):
        return [_jsonable(v) for v in val]
    return str(val)


if __name__ == "__main__":
    main()
