"""Parse a pipeline's `steps` into runnable steps: run options, op spec, name, flags
(pipelines-and-batches.md §1.1–1.3)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from guild.engine.options import RunOptions
from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

# Options a step passes on to its run, in the order they are written (§1.4.3).
PASSED_OPTIONS = [
    ("batch_label", "--batch-label"), ("batch_tags", "--batch-tag"),
    ("fail_on_trial_error", "--fail-on-trial-error"), ("force_flags", "--force-flags"),
    ("gpus", "--gpus"), ("label", "--label"), ("max_trials", "--max-trials"),
    ("maximize", "--maximize"), ("minimize", "--minimize"), ("needed", "--needed"),
    ("no_gpus", "--no-gpus"), ("opt_flags", "--opt-flag"), ("optimize", "--optimize"),
    ("optimizer", "--optimizer"), ("random_seed", "--random-seed"), ("remote", "--remote"),
    ("stop_after", "--stop-after"), ("tags", "--tag"),
]
_DROPPED = {"force_sourcecode", "additional_deps", "break_", "break_on_error"}
# Step mapping keys that replace the matching option parsed from `run`.
_STEP_KEYS = {
    "label": "label", "tags": "tags", "batch-label": "batch_label", "batch-tags": "batch_tags",
    "max-trials": "max_trials", "maximize": "maximize", "minimize": "minimize", "needed": "needed",
    "opt-flags": "opt_flags", "optimize": "optimize", "optimizer": "optimizer",
    "random-seed": "random_seed", "fail-on-trial-error": "fail_on_trial_error",
    "force-flags": "force_flags", "gpus": "gpus", "no-gpus": "no_gpus", "remote": "remote",
    "stop-after": "stop_after",
}


@dataclass
class Step:
    name: str
    opspec: str
    options: dict[str, Any]
    flag_args: list[str]  # NAME=VAL as written (before interpolation)
    batch_files: list[str] = field(default_factory=list)
    isolate_runs: bool = True
    expect: list = field(default_factory=list)
    link_name: str = ""


def parse_steps(steps: list, model_name: str, pipeline_params: dict) -> list[Step]:
    """Parse every step (errors before any step runs); warnings for ignored options come first."""
    parsed = []
    counts: dict[str, int] = {}
    for item in steps:
        step = _parse_step(item, model_name, pipeline_params)
        counts[step.name] = counts.get(step.name, 0) + 1
        n = counts[step.name]
        step.link_name = step.name if n == 1 else f"{step.name}_{n}"
        parsed.append(step)
    return parsed


def _parse_step(item: Any, model_name: str, pipeline_params: dict) -> Step:
    from guild.engine.run_command import RUN_COMMAND
    from guild.util import cmdline

    data = {"run": item} if isinstance(item, str) else item
    if not isinstance(data, dict):
        raise GuildError(f"invalid step data: {item!r}")
    run_str = str(data.get("run") or "").strip()
    if not run_str:
        raise GuildError(f"invalid step {data!r}: must define run")
    try:
        ns = cmdline.parse(RUN_COMMAND, shlex.split(run_str))
    except GuildError as e:
        raise GuildError(f"invalid run spec '{run_str}': {e.message}") from None
    except ValueError as e:  # unbalanced quotes
        raise GuildError(f"invalid run spec '{run_str}': {e}") from None
    defaults = RunOptions()
    positionals = list(ns["args"])
    opspec = positionals.pop(0) if positionals and "=" not in positionals[0] and not positionals[0].startswith("@") else ""
    flag_args = [a for a in positionals if not a.startswith("@")]
    batch_files = [a for a in positionals if a.startswith("@")]
    options = {}
    passed = {name for name, _ in PASSED_OPTIONS}
    from guild.util import log

    for name in sorted(k for k in ns if k not in ("args", "help")):
        val = ns[name]
        if val == getattr(defaults, name, None) or (not val and not getattr(defaults, name, None)):
            continue
        if name in passed:
            options[name] = val
        elif name not in _DROPPED and name != "yes":
            log.warning(f"[guild] run parameter {name} used in '{run_str}' ignored")
    for key, name in _STEP_KEYS.items():
        if key in data and data[key] != getattr(defaults, name, None) and data[key] is not None:
            val = data[key]
            options[name] = list(val) if isinstance(val, list) else val
    if "flags" in data:
        flag_args = _flag_args_from_mapping(data["flags"])
    if not options.get("label") and pipeline_params.get("label"):
        options["label"] = pipeline_params["label"]
    if not options.get("tags") and pipeline_params.get("tags"):
        options["tags"] = list(pipeline_params["tags"])
    if opspec and ":" not in opspec and model_name:
        full_spec = f"{model_name}:{opspec}"
    else:
        full_spec = opspec
    expect = data.get("expect") or []
    return Step(
        name=str(data.get("name") or opspec),
        opspec=full_spec,
        options=options,
        flag_args=flag_args,
        batch_files=batch_files,
        isolate_runs=data.get("isolate-runs", True) is not False,
        expect=expect if isinstance(expect, list) else [expect],
    )


def _flag_args_from_mapping(flags: Any) -> list[str]:
    from guild.flags import encode

    if isinstance(flags, list):
        return [str(f) for f in flags]
    if not isinstance(flags, dict):
        raise GuildError(f"invalid flags value {flags!r}")
    args = []
    for name, val in flags.items():
        if isinstance(val, dict):
            val = val.get("default")
        args.append(f"{name}={_raw_value(val, encode)}")
    return args


def _raw_value(val: Any, encode) -> str:
    if isinstance(val, str):
        return val
    return encode.encode_flag_value(val)


def resolve_step_flags(step: Step, pipeline_flags: dict[str, Any]) -> dict[str, Any]:
    """Decode the step's NAME=VAL args and interpolate `${name}` from the pipeline's flags (§1.3)."""
    from guild.flags import decode

    assigns, _ = decode.split_assigns(step.flag_args)
    resolved = {}
    for name, text in assigns.items():
        val = decode.decode_flag_value(text)
        if isinstance(val, str) and "${" in val:
            val = _interpolate(val, pipeline_flags)
        if val is not None:
            resolved[name] = val
    return resolved


def _interpolate(text: str, flags: dict[str, Any]) -> Any:
    """`${name}` refs replaced by pipeline flag values; a whole-value ref keeps the value's type."""
    from guild.flags.encode import sub_refs
    from guild.util import yamlutil

    if text.startswith("${") and text.endswith("}") and text.find("}") == len(text) - 1 and len(text) > 3:
        return _lookup(text[2:-1], flags)

    def expand(name: str) -> str:
        if not name:
            return "${}"
        val = _lookup(name, flags)
        return val if isinstance(val, str) else yamlutil.dump_flow(val)

    return sub_refs(text, expand)


def _lookup(name: str, flags: dict[str, Any]) -> Any:
    if name not in flags:
        raise GuildError(f"undefined reference '{name}' in step flags")
    return flags[name]
