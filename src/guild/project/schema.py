"""What guild.yml accepts, key by key: the type of every operation, flag and model key, checked
when a guild file is loaded, so a value of the wrong type is an error that names the key and its
line (`guild: guild.yml:4: invalid value 5 for 'output-scalars' of operation 'train': ...`) and an
unknown operation key is a warning with the closest known key, not silently ignored."""

from __future__ import annotations

import os

from guild.project.errors import GuildfileDataError
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

_SCALAR = (str, int, float, bool)


class SchemaError(GuildfileDataError):
    """A guild.yml value of the wrong type: `names` is the key path (e.g. op name, key)."""

    def __init__(self, path: str, names: list[str], detail: str):
        super().__init__(path, detail)
        self.names = names


# ---- value checks: each returns None when the value is fine, else what was expected


def _str(v: Any) -> str | None:
    return None if isinstance(v, str) else "a string"


def _text(v: Any) -> str | None:
    return None if isinstance(v, _SCALAR) else "text"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "yes or no"


def _int(v: Any) -> str | None:
    return None if isinstance(v, int) and not isinstance(v, bool) else "a whole number"


def _number(v: Any) -> str | None:
    return None if isinstance(v, (int, float)) and not isinstance(v, bool) else "a number"


def _mapping(v: Any) -> str | None:
    return None if isinstance(v, dict) else "a mapping"


def _str_or_list(v: Any) -> str | None:
    if isinstance(v, _SCALAR) or (isinstance(v, list) and all(isinstance(x, _SCALAR) for x in v)):
        return None
    return "a string or a list of strings"


def _patterns(v: Any) -> str | None:
    """output-scalars / output-attrs: no, a pattern, a mapping of patterns, or a list of those."""
    if v is False or isinstance(v, str):
        return None
    if isinstance(v, dict) and all(isinstance(p, str) for p in v.values()):
        return None
    if isinstance(v, list) and all(
            isinstance(x, str) or (isinstance(x, dict) and all(isinstance(p, str) for p in x.values()))
            for x in v):
        return None
    return "no, a pattern, a mapping of KEY: PATTERN, or a list of those"


def _env(v: Any) -> str | None:
    if not isinstance(v, dict):
        return "a mapping of variable names to values"
    for name, val in v.items():
        if not isinstance(name, str) or not name or "=" in name or "\0" in name:
            return f"a mapping of variable names to values (bad name {name!r})"
        if not (val is None or isinstance(val, _SCALAR)):
            return f"a mapping of variable names to values (bad value for {name})"
    return None


def _objective(v: Any) -> str | None:
    if isinstance(v, str):
        return None
    if isinstance(v, dict) and set(v) <= {"minimize", "maximize"} and len(v) == 1:
        return None
    return "a scalar name, or a mapping with minimize or maximize"


def _plugins(v: Any) -> str | None:
    return None if v is False or isinstance(v, (str, list)) else "no, or a list of plugin names"


def _any(v: Any) -> str | None:
    return None


# Operation keys (guildfile-and-run.md §2); checked after `operation-defaults` are applied.
# `flags`, `flags-import`, `sourcecode`, `requires` and the optimizer keys have checks of their
# own (in `project.opdef`), with the messages Guild gives; bad `steps` items are reported when the
# pipeline runs (`invalid step data: ...`), as Guild reports them.
OP_KEYS: dict[str, Callable[[Any], str | None]] = {
    "main": _str, "exec": _str, "steps": _any, "flags": _any, "flags-import": _any,
    "flags-import-skip": _str_or_list, "flags-dest": _str, "description": _text, "default": _bool,
    "label": _text, "tags": _str_or_list, "sourcecode": _any, "output-scalars": _patterns,
    "output-attrs": _patterns, "env": _env, "env-secrets": _str_or_list, "requires": _any,
    "compare": _str_or_list, "python-requires": _str, "python-path": _str_or_list,
    "pip-freeze": _bool, "delete-on-success": _bool, "run-attrs": _mapping,
    "default-max-trials": _int, "jobs": _int, "optimizers": _any, "optimizer": _any, "objective": _objective,
    "plugins": _plugins, "stoppable": _bool, "handle-keyboard-interrupt": _bool,
    "default-flag-arg-skip": _bool, "notebook": _any, "publish": _any, "flag-encoder": _any,
    "can-stage-trials": _bool, "set-trace": _any, "output-attrs-skip": _any, "nb-cells": _any,
    "nb-replace": _any, "html-report": _any,
}

# Flag attributes (§3.1). Other keys are kept as extra flag data, as Guild keeps them.
FLAG_KEYS: dict[str, Callable[[Any], str | None]] = {
    "description": _text, "type": _str, "required": _bool, "choices": _any, "min": _number,
    "max": _number, "arg-name": _str, "arg-skip": _bool, "arg-split": _any, "alias": _str,
    "null-label": _text, "env-name": _str, "arg-encoding": _mapping, "env-encoding": _mapping,
    "allow-other": _bool, "distribution": _str,
}


def check_operation(path: str, op_name: str, data: dict) -> None:
    """Raise SchemaError for an operation value of the wrong type; warn about unknown keys."""
    for key, val in data.items():
        check = OP_KEYS.get(key)
        if check is None:
            _warn_unknown(path, [op_name, str(key)], str(key), OP_KEYS, f"operation '{op_name}'")
            continue
        if val is None:
            continue
        expected = check(val)
        if expected:
            raise SchemaError(path, [op_name, key],
                              f"invalid value {val!r} for '{key}' of operation '{op_name}': expected {expected}")
    for flag_name, flagdef in (data.get("flags") or {}).items():
        if isinstance(flagdef, dict):
            _check_flag(path, op_name, str(flag_name), flagdef)


def _check_flag(path: str, op_name: str, flag_name: str, flagdef: dict) -> None:
    for key, val in flagdef.items():
        check = FLAG_KEYS.get(key)
        if check is None or val is None:
            continue
        expected = check(val)
        if expected:
            raise SchemaError(
                path, [flag_name, key],
                f"invalid value {val!r} for '{key}' of flag '{flag_name}' in operation '{op_name}': "
                f"expected {expected}")


def _warn_unknown(path: str, names: list[str], key: str, known: dict, where: str) -> None:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    log.warning(f"{display(path, names)}: unknown key '{key}' in {where}{hint} - ignoring")


def display(path: str, names: list[str]) -> str:
    """`guild.yml:LINE` (the path relative to the current dir; no line when it cannot be found)."""
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    line = key_line(path, names)
    return f"{rel}:{line}" if line else rel


def key_line(path: str, names: list[str]) -> int | None:
    """The line of the key at the end of a mapping-key path `names` (`[op, key]`, matched as the
    last keys of a path in the file), or None. Read with PyYAML's composer: errors only."""
    try:
        import yaml

        with open(path, encoding="utf-8") as f:
            root = yaml.compose(f)
    except Exception:
        return None
    found: list[int] = []

    def walk(node, chain: list[str]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, val_node in node.value:
                key = str(getattr(key_node, "value", ""))
                here = chain + [key]
                if here[-len(names):] == names:
                    found.append(key_node.start_mark.line + 1)
                walk(val_node, here)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item, chain)

    if root is not None:
        walk(root, [])
    return found[0] if found else None
