"""The saved operation config (the run's `op` attr) and the process command built from it.

Every run's command is built from this config, for new runs and restarts alike, so a run can be
restarted without its guild.yml (pipelines-and-batches.md §0.1, spec §2.1)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

FLAG_ARGS_MARKER = "__flag_args__"
# Per-flag settings kept in `op-cmd.cmd-flags`: truthy values, as the original saved them, and a
# falsy `arg-switch` too (the original lost it, so `--no-x` switches turned into `--no-x ''`).
CMD_FLAG_KEYS = ("arg-encoding", "arg-name", "arg-skip", "arg-split", "arg-switch", "env-encoding", "env-name")
PYTHON_PLUGINS = "cpu,disk,memory,perf,python_script"
OTHER_PLUGINS = "cpu,disk,memory,perf"


def guild_pkg_parent() -> str:
    """The directory that holds the `guild` package (put on the op's PYTHONPATH)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cmd_flags(flagdefs: dict[str, dict]) -> dict[str, dict]:
    return {
        name: {k: fd[k] for k in CMD_FLAG_KEYS if fd.get(k) or (k == "arg-switch" and fd.get(k) is not None)}
        for name, fd in sorted(flagdefs.items())
    }


def plugins_value(configured: Any, is_python: bool) -> str:
    """GUILD_PLUGINS: the op's `plugins` (no or [] for none, a name, a list), else the defaults."""
    if configured is None or configured is True:
        return PYTHON_PLUGINS if is_python else OTHER_PLUGINS
    if configured is False:
        return ""
    names = configured if isinstance(configured, list) else [configured]
    return ",".join(sorted(str(n) for n in names))


def base_env(project_dir: str, is_python: bool, flags_dest: str | None, plugins: Any = None,
             sourcecode_dest: str = ".") -> dict[str, str]:
    env = {"GUILD_PLUGINS": plugins_value(plugins, is_python), "PROJECT_DIR": project_dir}
    if flags_dest and is_python:
        env["FLAGS_DEST"] = flags_dest
    env["PYTHONPATH"] = f"{sourcecode_dest}:{guild_pkg_parent()}"
    return env


def make_op_config(
    cmd_args: list[str],
    cmd_env: dict[str, str],
    flagdefs: dict[str, dict],
    flags_dest: str | None,
    *,
    label_template: str | None = None,
    output_scalars: Any = None,
    output_attrs: Any = None,
    deps: list | None = None,
    sourcecode_dest: str = ".",
    sourcecode_root: str | None = None,
    delete_on_success: bool = False,
    default_flag_arg_skip: bool = False,
    flags_extra: dict[str, dict] | None = None,
) -> dict[str, Any]:
    """The `op` attr value."""
    sourcecode: dict[str, Any] = {"dest": sourcecode_dest}
    if sourcecode_root:
        sourcecode["root"] = sourcecode_root
    op_cmd: dict[str, Any] = {"cmd-args": cmd_args, "cmd-env": cmd_env}
    if flagdefs:
        op_cmd["cmd-flags"] = cmd_flags(flagdefs)
    op_cmd["flags-dest"] = flags_dest or "args"
    if default_flag_arg_skip:
        op_cmd["default-flag-arg-skip"] = True
    return {
        "delete-on-success": bool(delete_on_success),
        "deps": deps or [],
        "flag-null-labels": {
            n: fd["null-label"] for n, fd in sorted(flagdefs.items()) if fd.get("null-label")
        },
        "flags-extra": flags_extra or {},
        "label-template": label_template,
        "op-cmd": op_cmd,
        "output-attrs": output_attrs,
        "output-scalars": output_scalars,
        "python-requires": None,
        "sourcecode": sourcecode,
    }




def build_cmd(op_config: dict, flags: dict[str, Any], project_dir: str | None = None) -> list[str]:
    """The process argv for `flags` under `op_config` (spec §2.1, §3.4)."""
    from guild.flags import encode

    op_cmd = op_config.get("op-cmd") or {}
    dest = op_cmd.get("flags-dest") or "args"
    flagdefs = dict(op_cmd.get("cmd-flags") or {})
    for name in flags:
        flagdefs.setdefault(name, {})
    template = [str(a) for a in op_cmd.get("cmd-args") or []]
    shadowed = {a[2:] for a in template if a.startswith("--")}
    values = {
        "python_exe": sys.executable,
        "guild_python_exe": sys.executable,
        "project_dir": project_dir or "",
    }
    for name, val in flags.items():
        values[name] = encode.arg_value(val)
    argv: list[str] = []
    for arg in template:
        if arg == FLAG_ARGS_MARKER:
            argv.extend(
                encode.flag_args(
                    flags, flagdefs, dest, shadowed=_shadowed_flags(flags, flagdefs, shadowed),
                    default_arg_skip=bool(op_cmd.get("default-flag-arg-skip")),
                )
            )
        else:
            argv.append(encode.expand_cmd_refs(arg, values))
    return argv


def _shadowed_flags(flags: dict, flagdefs: dict, template_opts: set[str]) -> set[str]:
    from guild.util import log

    shadowed = set()
    for name in sorted(flags):
        arg_name = (flagdefs.get(name) or {}).get("arg-name") or name
        if arg_name in template_opts:
            from guild.flags import encode

            log.warning(
                f"ignoring flag '{encode.flag_assign(name, flags[name])}' because it's shadowed "
                f"in the operation cmd as --{arg_name}"
            )
            shadowed.add(name)
    return shadowed
