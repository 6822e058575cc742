"""The operation definition (OpDef) and how it is built from guild.yml operation data.

Also owns the normal forms of the op-level values other packages read: flag defs (always
mappings), `flags-import`, tags, requires, optimizers and the `sourcecode` type checks."""

from __future__ import annotations

import copy
import os

from guild.project import schema
from guild.project.errors import GuildfileDataError
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

INCLUDE_KEY = "$include"
_SOURCECODE_KEYS = ("select", "root", "dest", "digest")


class OpDef:
    """An operation as defined in guild.yml (or a script op). A plain class, not a dataclass:
    it is built on every run's start-up path."""

    # Optional fields and their defaults; list and dict defaults are fresh per instance.
    DEFAULTS: dict[str, Any] = {
        "main": None,
        "exec": None,
        "steps": None,
        "flags": {},
        "flags_import": None,  # None (unset), True (all), False (no) or a list of names
        "flags_import_skip": [],
        "flags_dest": None,
        "sourcecode": None,
        "model_sourcecode": None,
        "output_scalars": None,
        "output_attrs": None,
        "env": {},
        "env_secrets": [],
        "default": False,
        "description": None,
        "label": None,
        "tags": [],
        "requires": [],
        "resources": {},
        "optimizers": None,
        "objective": None,
        "default_max_trials": None,
        "jobs": None,  # trials of a batch of this op run at once (`--jobs` wins)
        "delete_on_success": False,
        "pip_freeze": None,
        "python_path": [],
        "compare": None,
        "run_attrs": None,
        "plugins": None,
        "handle_keyboard_interrupt": False,
        "default_flag_arg_skip": False,
        "python_requires": None,
        "is_script": False,
        "is_builtin": False,  # an operation of guild itself (`project.builtins`)
        "script_path": None,
        "raw": {},
    }

    def __init__(self, name: str, model_name: str, guildfile_path: str | None, project_dir: str,
                 **values: Any):
        unknown = set(values) - set(self.DEFAULTS)
        if unknown:
            raise TypeError(f"unknown OpDef fields: {', '.join(sorted(unknown))}")
        self.name = name
        self.model_name = model_name
        self.guildfile_path = guildfile_path
        self.project_dir = project_dir
        for key, default in self.DEFAULTS.items():
            val = values.get(key, default)
            setattr(self, key, type(val)() if val is default and isinstance(val, (list, dict)) else val)

    def __repr__(self) -> str:
        return f"<OpDef {self.full_name}>"

    def replace(self, **changes: Any) -> "OpDef":
        """A shallow copy with `changes` applied."""
        clone = copy.copy(self)
        for key, val in changes.items():
            setattr(clone, key, val)
        return clone

    @property
    def full_name(self) -> str:
        return f"{self.model_name}:{self.name}" if self.model_name else self.name

    @property
    def is_python(self) -> bool:
        return bool(self.main) and not self.exec and not self.main.startswith("guild.plugins.")

    @property
    def is_pipeline(self) -> bool:
        return bool(self.steps) and not self.exec and not self.main


def implied_main(op_name: str) -> str:
    """The main module of an op without main/exec/steps: `fail.py` -> `fail`, `a-b` -> `a_b`."""
    base = op_name[:-3] if op_name.endswith(".py") else op_name
    return base.replace("-", "_")


def build_opdef(name: str, data: dict, model: dict, model_name: str, guildfile_path: str,
                src: str) -> OpDef:
    """The OpDef for operation `name` with normalized op `data` of model data `model`.

    `src` is the file the data came from (for error messages)."""
    schema.check_operation(src, name, data)
    main = _opt_str(data.get("main"))
    exec_ = _opt_str(data.get("exec"))
    steps = data.get("steps")
    if steps is not None and not isinstance(steps, list):
        steps = [steps]
    steps = steps or None
    if steps and (exec_ or main):
        log.warning(f"operation '{'exec' if exec_ else 'main'}' and 'steps' both specified, ignoring 'steps'")
        steps = None
    if not main and not exec_ and not steps:
        main = implied_main(name)
    flags = data.get("flags") or {}
    if INCLUDE_KEY in flags:
        flags = {k: v for k, v in flags.items() if k != INCLUDE_KEY}
    optimizers = normalize_optimizers(data, name, src)
    check_sourcecode(data.get("sourcecode"), src)
    return OpDef(
        name=name,
        model_name=model_name,
        guildfile_path=guildfile_path,
        project_dir=os.path.dirname(guildfile_path),
        main=main,
        exec=exec_,
        steps=steps,
        flags=dict(sorted(flags.items())),
        flags_import=normalize_flags_import(data.get("flags-import"), src),
        flags_import_skip=_str_list(data.get("flags-import-skip")),
        flags_dest=_opt_str(data.get("flags-dest")),
        sourcecode=data.get("sourcecode"),
        model_sourcecode=model.get("sourcecode"),
        output_scalars=data.get("output-scalars"),
        output_attrs=data.get("output-attrs"),
        env={str(k): v for k, v in (data.get("env") or {}).items()} if isinstance(data.get("env"), dict) else {},
        env_secrets=_str_list(data.get("env-secrets")),
        default=bool(data.get("default")),
        description=_opt_str(data.get("description")),
        label=_opt_str(data.get("label")),
        tags=_str_list(data.get("tags")),
        requires=normalize_requires(data.get("requires"), src),
        resources=model.get("resources") or {},
        optimizers=optimizers,
        objective=data.get("objective"),
        default_max_trials=_opt_int(data.get("default-max-trials")),
        jobs=_opt_int(data.get("jobs")),
        delete_on_success=bool(data.get("delete-on-success")),
        pip_freeze=data.get("pip-freeze"),
        python_path=_str_list(data.get("python-path")),
        compare=_str_list(data["compare"]) if data.get("compare") is not None else None,
        run_attrs=data.get("run-attrs") if isinstance(data.get("run-attrs"), dict) else None,
        plugins=data["plugins"] if "plugins" in data else model.get("plugins"),
        handle_keyboard_interrupt=bool(data.get("handle-keyboard-interrupt")),
        default_flag_arg_skip=bool(data.get("default-flag-arg-skip")),
        python_requires=data.get("python-requires", model.get("python-requires")),
        raw=data,
    )


def normalize_op_data(name: str, data: Any, src: str) -> dict:
    """An operation value as a mapping (`S` means `{main: S}`), with flags in mapping form."""
    if isinstance(data, str):
        return {"main": data}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise GuildfileDataError(src, f"invalid value for operation '{data}' {name!r}: expected a string or a mapping")
    data = dict(data)
    if "flags" in data:
        data["flags"] = normalize_flags(data["flags"], src)
    return data


def normalize_flags(data: Any, src: str) -> dict:
    """Flag defs in mapping form: `lr: 0.1` -> `lr: {default: 0.1}`. `$include` is kept as is."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise GuildfileDataError(src, f"invalid flags value {data!r}: expected a mapping")
    flags: dict[str, Any] = {}
    for name, val in data.items():
        name = str(name)
        if name == INCLUDE_KEY:
            flags[name] = val
            continue
        flagdef = dict(val) if isinstance(val, dict) else {"default": val}
        choices = flagdef.get("choices")
        if choices is not None and not isinstance(choices, list):
            raise GuildfileDataError(
                src, f"invalid flag choice data {choices!r}: expected a list of values or mappings")
        flags[name] = flagdef
    return flags


def normalize_flags_import(val: Any, src: str) -> Any:
    """None (unset), True (all), False (none) or a list of names."""
    if val is None or isinstance(val, bool):
        return val
    if isinstance(val, str) and val.lower() in ("all", "yes", "true"):
        return True
    if isinstance(val, str) and val.lower() in ("no", "false"):
        return False
    if isinstance(val, list):
        return [str(x) for x in val] or False
    raise GuildfileDataError(src, f"invalid flags-import value {val!r}: expected yes/all, no, or a list of flag names")


def normalize_requires(val: Any, src: str) -> list:
    if val is None:
        return []
    items = val if isinstance(val, list) else [val]
    for item in items:
        if not isinstance(item, (str, dict)):
            raise GuildfileDataError(src, f"invalid dependency value {item!r}: expected a string or mapping")
    return list(items)


def normalize_optimizers(data: dict, op_name: str, src: str) -> dict | None:
    """`optimizer`/`optimizers` as `{name: {algorithm: X, [default: bool], <flag>: <val>...}}`."""
    single, many = data.get("optimizer"), data.get("optimizers")
    if single is not None and many is not None:
        raise GuildfileDataError(
            src, f"conflicting optimizer configuration in operation '{op_name}': "
                 "cannot define both 'optimizer' and 'optimizers'")
    if single is not None:
        config = _optimizer_config(None, single, src)
        return {str(config["algorithm"]): config}
    if many is None:
        return None
    if isinstance(many, list):
        return {str(name): {"algorithm": str(name)} for name in many}
    if isinstance(many, dict):
        return {str(name): _optimizer_config(str(name), val, src) for name, val in many.items()}
    raise GuildfileDataError(src, f"invalid optimizers value {many!r}: expected a mapping or a list")


def _optimizer_config(name: str | None, val: Any, src: str) -> dict:
    if val is None and name:
        return {"algorithm": name}
    if isinstance(val, str):
        return {"algorithm": val}
    if isinstance(val, dict):
        config = dict(val)
        algorithm = config.get("algorithm") or name
        if not algorithm:
            raise GuildfileDataError(src, f"invalid optimizer config {val!r}: missing algorithm")
        config["algorithm"] = algorithm
        return config
    raise GuildfileDataError(src, f"invalid optimizer config {val!r}: expected a string or a mapping")


def check_sourcecode(val: Any, src: str) -> None:
    """Type-check a `sourcecode` value; warn about unknown keys of its mapping form."""
    if val is None or isinstance(val, (bool, str, list)):
        return
    if not isinstance(val, dict):
        raise GuildfileDataError(src, f"invalid select files spec {val!r}: expected a string, list, or mapping")
    unknown = [k for k in val if k not in _SOURCECODE_KEYS]
    if unknown:
        names = ", ".join(str(k) for k in unknown)
        log.warning(f"unexpected sourcecode attribute(s) in {os.path.basename(src)}: {names}")
    select = val.get("select")
    if select is not None and not isinstance(select, (str, list, dict)):
        raise GuildfileDataError(src, f"invalid select files spec {select!r}: expected a string, list, or mapping")


def _opt_str(val: Any) -> str | None:
    return None if val is None else str(val)


def _opt_int(val: Any) -> int | None:
    try:
        return None if val is None else int(val)
    except (TypeError, ValueError):
        return None


def _str_list(val: Any) -> list[str]:
    if val is None:
        return []
    if isinstance(val, list):
        return [str(x) for x in val]
    return [str(val)]
