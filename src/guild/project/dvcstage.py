"""DVC stages as operations (what Guild's dvc plugin gave): `guild run dvc.yaml:STAGE` runs a stage
of the project's dvc.yaml in a run directory with DVC itself (`dvc repro --single-item`), its
params (read from params.yaml) as flags written back into the run's params.yaml, its deps copied
into the run, and the values in its metrics files logged as scalars."""

from __future__ import annotations

import os
import shlex

from guild.errors import GuildError
from guild.project.opdef import OpDef

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

DVC_FILE = "dvc.yaml"
PARAMS_FILE = "params.yaml"


def dvc_stage_opdef(stage: str, cwd: str) -> OpDef:
    path = os.path.join(cwd, DVC_FILE)
    if not os.path.isfile(path):
        raise GuildError(f"cannot find operation {DVC_FILE}:{stage}",
                         hint=f"There is no {DVC_FILE} in {cwd}.")
    stages = _load(path).get("stages")
    stages = stages if isinstance(stages, dict) else {}
    if stage not in stages:
        from guild.util.text import did_you_mean

        raise GuildError(f"stage '{stage}' is not defined in {DVC_FILE}{did_you_mean(stage, stages, '.')}")
    import importlib.util

    if importlib.util.find_spec("dvc") is None:  # run as `python -m dvc` by the stage's process
        raise GuildError(f"'{DVC_FILE}:{stage}' is a DVC stage and DVC is not installed",
                         hint="Install it with 'pip install dvc'.")
    spec = stages[stage] if isinstance(stages[stage], dict) else {}
    flags = _param_flags(spec.get("params"), cwd)
    requires: list[dict[str, Any]] = [{"file": dep} for dep in _paths(spec.get("deps"))
                                      if os.path.exists(os.path.join(cwd, dep))]
    if flags:
        requires.append({"config": PARAMS_FILE, "replace-existing": True, "always-resolve": True})
    metrics = " ".join(shlex.quote(p) for p in _paths(spec.get("metrics")))
    return OpDef(
        name=stage, model_name=DVC_FILE, guildfile_path=path, project_dir=cwd,
        exec=f"{shlex.quote(_python())} -m guild.runner.dvc_stage {shlex.quote(stage)} {metrics}".rstrip(),
        description=str(spec.get("desc") or f"DVC stage {stage}"),
        flags=flags, requires=requires, flags_dest="none" if flags else None,
    )


def _python() -> str:
    import sys

    return sys.executable


def _load(path: str) -> dict:
    from guild.util import yamlutil

    try:
        with open(path, "rb") as f:
            data = yamlutil.load(f.read())
    except (OSError, *yamlutil.yaml_error_types()) as e:
        raise GuildError(f"error reading {path}: {e}") from None
    return data if isinstance(data, dict) else {}


def _paths(items: Any) -> list[str]:
    """The paths of a stage's `deps`, `outs` or `metrics` (strings, or one-key mappings)."""
    out = []
    for item in items or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and len(item) == 1:
            out.append(str(next(iter(item))))
    return out


def _param_flags(params: Any, cwd: str) -> dict[str, dict[str, Any]]:
    """Flags for the stage's params of params.yaml (dotted names for nested keys), defaults from
    that file."""
    names = []
    for item in params or []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            for file, keys in item.items():
                if file == PARAMS_FILE and isinstance(keys, list):
                    names.extend(str(k) for k in keys)
    if not names:
        return {}
    values = _load(os.path.join(cwd, PARAMS_FILE)) if os.path.isfile(os.path.join(cwd, PARAMS_FILE)) else {}
    flags = {}
    for name in names:
        value: Any = values
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        flags[name] = {"default": value}
    return flags
