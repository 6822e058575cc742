"""From an operation definition, user flags and options to a RunPlan: everything needed to
create a run directory and start its process (ARCHITECTURE: engine/plan.py).

A plan is made in one pass: the op is loaded and completed (`load_opdef`), its flags resolved
together with its dependency resources (`plan_flags`), then `new_plan` derives the op config from
those; later stages read the plan and do not go back to the OpDef."""

from __future__ import annotations

import os

from guild.engine import opconfig
from guild.engine.options import RunOptions
from guild.errors import GuildError
from guild.store.opref import OpRef

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext
    from guild.engine.deps.model import Resource


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
        resources: list[Resource] | None = None,
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
        # The op's dependency resources, derived once with the final flags (new runs); None for
        # plans read back from a run, whose op config holds them in saved form.
        self.resources = resources

    @property
    def is_pipeline(self) -> bool:
        return self.steps is not None

    def copy(self) -> "RunPlan":
        """A shallow copy (to vary its flags)."""
        import copy

        return copy.copy(self)


def load_opdef(opspec: str | None, ctx: RunContext):
    """Resolve the opspec and complete the op: flags imported from its script, dependency flags."""
    from guild.project import opspec as opspec_mod

    return complete_opdef(opspec_mod.resolve_opspec(opspec, ctx.cwd, _parse_cache(ctx)), ctx)


def find_opdef(guildfile_path: str, model_name: str, op_name: str, ctx: RunContext):
    """The op as its guild.yml defines it now, completed as `load_opdef` does; None if gone."""
    from guild.project import opspec as opspec_mod

    opdef = opspec_mod.find_opdef(guildfile_path, model_name, op_name, _parse_cache(ctx))
    return complete_opdef(opdef, ctx) if opdef is not None else None


def complete_opdef(opdef, ctx: RunContext):
    if opdef.is_python and not opdef.is_pipeline:
        from guild.project import flags_import

        flags_import.import_flags(opdef, _home_cache(ctx, "import-flags", "NO_IMPORT_FLAGS_CACHE"), ctx.environ)
    if _has_resources(opdef):  # the flags its dependency sources define (dependencies.md §5.4, §6.2)
        from guild.engine.deps import model as deps_model

        opdef.flags.update(deps_model.dependency_flagdefs(opdef))
    return opdef


def _parse_cache(ctx: RunContext) -> str | None:
    return _home_cache(ctx, "guildfiles", "NO_GUILDFILE_CACHE")


def _home_cache(ctx: RunContext, name: str, disable_var: str) -> str | None:
    """`<GUILD_HOME>/cache/<name>`, or None when `disable_var` is 1 or there is no usable home."""
    if ctx.is_set(disable_var):
        return None
    return ctx.cache_dir(name)


def _has_resources(opdef) -> bool:
    return bool(opdef.requires) or (opdef.flags_dest or "").startswith("config:")


def op_resources(opdef, flags: dict[str, Any]) -> list[Resource]:
    """The op's dependency resources for `flags` (GuildError for invalid `requires` items)."""
    if not _has_resources(opdef):
        return []
    from guild.engine.deps import model as deps_model

    return deps_model.op_resources(opdef, flags)


def _takes_any_flags(opdef) -> bool:
    """A script that is not Python declares no flags: it takes whatever it is given."""
    return opdef.is_script and not opdef.is_python


def plan_flags(opdef, user_flags: dict[str, Any], opts: RunOptions, ctx: RunContext,
               force: bool = False) -> tuple[dict[str, Any], list[Resource]]:
    """The run's final flag values (defaults, validation, upstream runs chosen for operation
    sources) and the op's dependency resources for them."""
    from guild.flags import validate

    flags = validate.resolve_flags(
        opdef.flags, user_flags, force=opts.force_flags or force or _takes_any_flags(opdef),
        op_full_name=opdef.full_name, op_name=opdef.name, cwd=ctx.cwd,
    )
    resources = op_resources(opdef, flags)
    if opdef.requires:
        from guild.engine.deps import resolve

        resolve.resolve_flag_runs(resources, flags, ctx)
    return flags, resources


def decode_user_flags(args: list[str], flagdefs: dict[str, dict]) -> tuple[dict[str, Any], list[str]]:
    from guild.flags import decode

    assigns, batch_files = decode.split_assigns(args)
    return decode.decode_flags(assigns, flagdefs), batch_files


def opref_for(opdef) -> OpRef:
    if opdef.is_builtin:
        from guild import GUILD_AI_VERSION

        return OpRef("builtin", "guildai", GUILD_AI_VERSION, "", opdef.name)
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


def _opdef_env(opdef, flags: dict[str, Any]) -> dict[str, str]:
    """The op's `env:` entries, encoded like args, with `${flag}` references expanded."""
    from guild.flags import encode

    values = {n: encode.arg_value(v) for n, v in flags.items()}
    env = {}
    for name, val in (opdef.env or {}).items():
        text = encode.arg_value(val)
        env[str(name)] = encode.expand_cmd_refs(text, values) if "${" in text else text
    return env


def new_plan(opts: RunOptions, opdef, user_flags: dict[str, Any], flags: dict[str, Any],
             resources: list[Resource]) -> RunPlan:
    """The plan for a new run of `opdef` with final `flags` and its `resources` (`plan_flags`)."""
    saved_deps: list[dict] = []
    flags_extra: dict[str, dict] = {}
    if resources or opts.additional_deps:
        from guild.engine.deps import model as deps_model

        saved_deps = deps_model.saved_deps(resources, flags, opts.additional_deps)
        flags_extra = deps_model.flags_extra(resources)

    flags_dest = opdef.flags_dest if opdef.is_python else None
    env = opconfig.base_env(opdef.project_dir, opdef.is_python and not opdef.is_pipeline, flags_dest,
                            opdef.plugins, _sourcecode_dest(opdef))
    if not opdef.is_python or opdef.is_pipeline:
        env.pop("FLAGS_DEST", None)
    env.update(_opdef_env(opdef, flags))
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
        deps=saved_deps,
        sourcecode_dest=_sourcecode_dest(opdef),
        sourcecode_root=_sourcecode_root(opdef),
        delete_on_success=opdef.delete_on_success,
        default_flag_arg_skip=opdef.default_flag_arg_skip,
        flags_extra=flags_extra,
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
        resources=resources,
    )


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


def plan_from_run(run, *, flags: dict[str, Any] | None = None, user_flags: dict[str, Any] | None = None,
                  label_template: str | None = None, tags: list[str] | None = None) -> RunPlan:
    """The plan of an existing run, read from its attrs (op config, flags, opref), so a run can
    be restarted or started without its guild.yml (pipelines-and-batches.md §0.1). `flags`,
    `label_template` and `tags` replace the saved ones when given."""
    op_config = _op_config(run)
    if label_template is not None:
        op_config["label-template"] = label_template
    opref = run.opref
    if opref is None:
        raise GuildError(f"cannot restart run in {run.path}: invalid opref")
    if flags is None:
        flags = dict(dict_attr(run, "flags"))
    project_dir = opref.project_dir() or (op_config["op-cmd"].get("cmd-env") or {}).get("PROJECT_DIR") or ""
    steps = run.get("steps") if _is_steps_cmd(op_config) else None
    return RunPlan(
        opref=opref,
        op_config=op_config,
        flags=flags,
        user_flags=user_flags or {},
        flagdefs=dict(op_config["op-cmd"].get("cmd-flags") or {}),
        label=render_label(op_config.get("label-template"), flags),
        tags=list(tags) if tags else list(run.get("tags") or []),
        project_dir=project_dir,
        guild_op=os.path.join(opref.pkg_name, opref.op_name) if opref.pkg_type == "script" else opref.base_desc(),
        op_desc=opref.base_desc(),
        steps=(steps if isinstance(steps, list) else [steps]) if steps is not None else None,
        delete_on_success=bool(op_config.get("delete-on-success")),
    )


def dict_attr(run, name: str) -> dict:
    """A mapping attr ({} when unset); any other value is an error, not a guess."""
    val = run.get(name)
    if val is None:
        return {}
    if not isinstance(val, dict):
        raise GuildError(f"cannot restart run in {run.path}: invalid {name} attribute")
    return val


def _op_config(run) -> dict:
    """The saved `op` attr, checked to have the shape the plan reads from it."""
    op_config = dict(dict_attr(run, "op"))
    op_cmd = op_config.get("op-cmd")
    if not op_cmd:
        raise GuildError(f"cannot restart run in {run.path}: missing op configuration")
    flagdefs = op_cmd.get("cmd-flags") if isinstance(op_cmd, dict) else None
    if (not isinstance(op_cmd, dict)
            or not isinstance(op_cmd.get("cmd-args") or [], list)
            or not isinstance(op_cmd.get("cmd-env") or {}, dict)
            or not isinstance(flagdefs or {}, dict)
            or not all(isinstance(fd, dict) for fd in (flagdefs or {}).values())):
        raise GuildError(f"cannot restart run in {run.path}: invalid op configuration")
    return op_config


def _is_steps_cmd(op_config: dict) -> bool:
    args = (op_config.get("op-cmd") or {}).get("cmd-args") or []
    return "guild.steps_main" in args
