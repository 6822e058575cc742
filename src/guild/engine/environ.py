"""The op process environment (spec §5.6) and what of it is saved in the `env` attr."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

_SECRET_WORDS = ("password", "token", "secret")


def process_env(
    base: dict[str, str],
    op_config: dict,
    flags: dict[str, Any],
    *,
    guild_op: str,
    guild_home: str,
    run_dir: str,
    run_id: str,
    cmd_dir: str,
    gpus: str | None = None,
    no_gpus: bool = False,
    sourcecode_path: str | None = None,
) -> dict[str, str]:
    """`base` (the context's environment) with the op's variables and Guild's own (spec §5.6).
    `sourcecode_path` (`--debug-sourcecode`) stands for the run's source code copy (its dest) on
    the op's PYTHONPATH."""
    env = {k: v for k, v in base.items() if k != "_"}
    inherited_pythonpath = env.get("PYTHONPATH", "")
    own = op_env(op_config, flags)
    if "PYTHONPATH" in own:
        own_path = own["PYTHONPATH"]
        if sourcecode_path:
            dest = (op_config.get("sourcecode") or {}).get("dest") or "."
            own_path = os.pathsep.join(sourcecode_path if p == dest else p for p in own_path.split(os.pathsep))
        own["PYTHONPATH"] = _join_paths(own_path, inherited_pythonpath)
    env.update(own)
    if no_gpus:
        env["CUDA_VISIBLE_DEVICES"] = ""
    elif gpus is not None:
        env["CUDA_VISIBLE_DEVICES"] = gpus
    env.update({
        "GUILD_OP": guild_op,
        "GUILD_HOME": guild_home,
        "GUILD_SOURCECODE": (op_config.get("sourcecode") or {}).get("dest") or ".",
        "LOG_LEVEL": base.get("LOG_LEVEL") or "20",
        "CMD_DIR": cmd_dir,
    })
    env["RUN_DIR"] = run_dir
    env["RUN_ID"] = run_id
    return env


def op_env(op_config: dict, flags: dict[str, Any]) -> dict[str, str]:
    """The op's own variables: its saved `cmd-env` and a `FLAG_*` variable per flag."""
    from guild.flags import encode

    op_cmd = op_config.get("op-cmd") or {}
    flagdefs = op_cmd.get("cmd-flags") or {}
    env = {str(k): "" if v is None else str(v) for k, v in (op_cmd.get("cmd-env") or {}).items()}
    for name, val in flags.items():
        fd = flagdefs.get(name) or {}
        env[encode.env_var_name(name, fd)] = encode.arg_value(val, "env", fd)
    return env


def _join_paths(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        for p in part.split(os.pathsep) if part else []:
            if p not in seen:
                seen.append(p)
    return os.pathsep.join(seen)


def saved_env(env: dict[str, str], secrets: list[str] | None = None) -> dict[str, str]:
    """`env` minus names listed as secrets or containing password/token/secret, and guild's own
    terminal hint (GUILD_PROGRESS: not part of what a run ran with)."""
    hidden = set(secrets or ()) | {"GUILD_PROGRESS"}
    return {
        k: v for k, v in sorted(env.items())
        if k not in hidden and not any(w in k.lower() for w in _SECRET_WORDS)
    }
