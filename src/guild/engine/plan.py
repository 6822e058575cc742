"""From an operation definition, user flags and options to a RunPlan: everything needed to
create a run directory and start its process (ARCHITECTURE: engine/plan.py)."""

from __future__ import annotations

import os

from guild.engine import opconfig
from guild.engine.options import RunOptions
from guild.errors import GuildError
from guild.store.opref import OpRef

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


class RunPlan:
    """Everything needed to create a run dir and start its process (a plain class: start-up)."""

    def __init__(
        self,
        *,
        opref: OpRef,
        op_config: dict,
        flags: dict[str, Any],
        user_flags: dict[str, Any],
        flagdefs: dict[str, dict],
        label: str | None,
        tags: list[str],
        project_dir: str,
        guild_op: str,
        op_desc: str,
        opdef: Any = None,
        steps: list | None = None,
        env_secrets: list[str] | None = None,
        requires: list | None = None,
        delete_on_success: bool = False,
    ):
        self.opref = opref
        self.op_config = op_config
        self.flags = flags
        self.user_flags = user_flags
        self.flagdefs = flagdefs
        self.label = label
        self.tags = tags
        self.project_dir = project_dir
        self.guild_op = guild_op  # GUILD_OP: `train`, `m1:train`, or a script's absolute path
        self.op_desc = op_desc  # the op as named in prompts: `train`, `m1:train`, `simple.py`
        self.opdef = opdef  # project OpDef when loaded
        self.steps = steps
        self.env_secrets = env_secrets or []
        self.requires = requires or []
        self.delete_on_success = delete_on_success

    @property
    def is_pipeline(self) -> bool:
        return self.steps is not None


def load_opdef(opspec: str | None, cwd: str):
    """Resolve the opspec and complete the op: flags imported from its script, dependency flags."""
    from guild.project import opspec as opspec_mod

    _use_parse_cache()
    return complete_opdef(opspec_mod.resolve_opspec(opspec, cwd))


def find_opdef(guildfile_path: str, model_name: str, op_name: str):
    """The op as its guild.yml defines it now, completed as `load_opdef` does; None if gone."""
    from guild.project import opspec as opspec_mod

    _use_parse_cache()
    opdef = opspec_mod.find_opdef(guildfile_path, model_name, op_name)
    return complete_opdef(opdef) if opdef is not None else None


def complete_opdef(opdef):
    if opdef.is_python and not opdef.is_pipeline:
        from guild.project import flags_import

        flags_import.import_flags(opdef, _home_cache("import-flags", "NO_IMPORT_FLAGS_CACHE"))
    add_dependency_flags(opdef)
    return opdef


def _use_parse_cache() -> None:
    from guild.project import guildfile

    guildfile.set_parse_cache_dir(_home_cache("guildfiles", "NO_GUILDFILE_CACHE"))


def _home_cache(name: str, disable_var: str) -> str | None:
    """`<GUILD_HOME>/cache/<name>`, or None when `disable_var` is 1 or there is no usable home."""
    from guild.store import home

    if os.environ.get(disable_var) == "1":
        return None
    try:
        return home.cache_dir(name)
    except GuildError:
        return None


def add_dependency_flags(opdef) -> None:
    """Add the flags that the op's dependency sources define (dependencies.md §5.4, §6.2)."""
    if opdef.requires or (opdef.flags_dest or "").startswith("config:"):
        from guild.engine import deps

        opdef.flags.update(deps.dependency_flagdefs(opdef))


def decode_user_flags(args: list[str], flagdefs: dict[str, dict]) -> tuple[dict[str, Any], list[str]]:
    from guild.flags import decode

    assigns, batch_files = decode.split_assigns(args)
    return decode.decode_flags(assigns, flagdefs), batch_files


def opref_for(opdef) -> OpRef:
    if opdef.is_script:
        return OpRef("script", os.path.dirname(opdef.script_path), "", "", opdef.name)
    return OpRef("guildfile", opdef.guildfile_path, _md5(opdef.guildfile_path), opdef.model_name, opdef.name)


def _md5(path: str) -> str:
    from guild.util import hashing

    try:
        with open(path, "rb") as f:
            return hashing.md5(f.read()).hexdigest()
    except OSError:
        return "unknown"


def cmd_template(opdef) -> list[str]:
    """`op-cmd.cmd-args` for an opdef (spec §2.1)."""
    if opdef.exec:
        if opdef.main:
            from guild.util import log

            log.warning("operation 'exec' and 'main' both specified, ignoring 'main'")
        return [opconfig.FLAG_ARGS_MARKER if a == "${flag_args}" else a
                for a in _shell_split(opdef.exec, "exec")]
    if opdef.is_pipeline:
        return ["${guild_python_exe}", "-um", "guild.steps_main"]
    if opdef.is_script:
        rel = os.path.relpath(opdef.script_path, opdef.project_dir)
        return ["${python_exe}", "-um", "guild.op_main", rel[:-3] if rel.endswith(".py") else rel,
                opconfig.FLAG_ARGS_MARKER]
    main_args = _shell_split(opdef.main or "", "main")
    return ["${python_exe}", "-um", "guild.op_main", *main_args, "--", opconfig.FLAG_ARGS_MARKER]


def _shell_split(text: str, attr: str) -> list[str]:
    import shlex

    try:
        return shlex.split(text)
    except ValueError as e:  # unbalanced quotes
        raise GuildError(f"invalid {attr} value {text!r}: {e}") from None


def label_template(opts: RunOptions, opdef) -> str | None:
    if opts.label is not None:
        return opts.label
    if opts.tags:
        return " ".join(opts.tags) + " ${default_label}"
    return getattr(opdef, "label", None) if opdef else None


def render_label(template: str | None, flags: dict[str, Any]) -> str:
    from guild.flags import encode

    default = encode.default_label(flags)
    if template is None:
        return default
    return encode.render_label(template, flags, default).strip()


def op_env(opdef, flags: dict[str, Any]) -> dict[str, str]:
    """The op's `env:` entries, encoded like args, with `${flag}` references expanded."""
    from guild.flags import encode

    values = {n: encode.arg_value(v) for n, v in flags.items()}
    env = {}
    for name, val in (opdef.env or {}).items():
        text = encode.arg_value(val)
        env[str(name)] = encode.expand_cmd_refs(text, values) if "${" in text else text
    return env


def new_plan(opts: RunOptions, opdef, user_flags: dict[str, Any], flags: dict[str, Any]) -> RunPlan:
    """The plan for a new run of `opdef` with final `flags`."""
    flags_dest = opdef.flags_dest if opdef.is_python else None
    env = opconfig.base_env(opdef.project_dir, opdef.is_python and not opdef.is_pipeline, flags_dest)
    if not opdef.is_python or opdef.is_pipeline:
        env.pop("FLAGS_DEST", None)
    env.update(op_env(opdef, flags))
    if opdef.handle_keyboard_interrupt:
        env["HANDLE_KEYBOARD_INTERRUPT"] = "1"
    template = label_template(opts, opdef)
    op_config = opconfig.make_op_config(
        cmd_template(opdef),
        env,
        opdef.flags,
        flags_dest,
        label_template=template,
        output_scalars=opdef.output_scalars,
        output_attrs=opdef.output_attrs,
        deps=_saved_deps(opdef, flags, opts.additional_deps),
        sourcecode_dest=_sourcecode_dest(opdef),
        sourcecode_root=_sourcecode_root(opdef),
        delete_on_success=opdef.delete_on_success,
        default_flag_arg_skip=opdef.default_flag_arg_skip,
        flags_extra=_dep_flags_extra(opdef),
    )
    return RunPlan(
        opref=opref_for(opdef),
        op_config=op_config,
        flags=flags,
        user_flags=user_flags,
        flagdefs=opdef.flags,
        label=render_label(template, flags),
        tags=list(opts.tags) + [t for t in (opdef.tags or []) if t not in opts.tags],
        project_dir=opdef.project_dir,
        guild_op=opdef.script_path if opdef.is_script else opdef.full_name,
        op_desc=opdef.full_name,
        opdef=opdef,
        steps=list(opdef.steps) if opdef.is_pipeline else None,
        env_secrets=list(opdef.env_secrets or []),
        requires=list(opdef.requires or []),
        delete_on_success=bool(opdef.delete_on_success),
    )


def _saved_deps(opdef, flags: dict[str, Any], additional: list[str]) -> list:
    if not opdef.requires and not additional and not (opdef.flags_dest or "").startswith("config:"):
        return []
    from guild.engine import deps

    return deps.saved_deps(opdef, flags, additional)


def _dep_flags_extra(opdef) -> dict:
    if not opdef.requires:
        return {}
    from guild.engine import deps

    return deps.flags_extra(opdef)


def _sourcecode_dest(opdef) -> str:
    sc = opdef.sourcecode
    if isinstance(sc, dict) and sc.get("dest"):
        return str(sc["dest"])
    return "."


def _sourcecode_root(opdef) -> str | None:
    sc = opdef.sourcecode
    if isinstance(sc, dict) and sc.get("root"):
        return str(sc["root"])
    return None
