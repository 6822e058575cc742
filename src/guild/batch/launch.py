"""Start a batch from `guild run`: choose the optimizer, write the batch run and its proto,
then start the batch runner process (pipelines-and-batches.md §4.1–4.2, §4.7, §4.9)."""

from __future__ import annotations

import os

from guild.batch import optimizers, space, trials as trials_mod
from guild.batch.optimizers import Optimizer
from guild.engine import lifecycle, opconfig, plan as plan_mod
from guild.engine.options import RunOptions
from guild.errors import GuildError
from guild.store import home as home_mod
from guild.store.opref import OpRef
from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

GUILD_VERSION = "0.9.1"


def _batch_op_config(opt: Optimizer, keep: bool, flagdefs: dict) -> dict:
    env = opconfig.base_env("", True, None)
    env.pop("FLAGS_DEST", None)
    env["NO_OP_INTERRUPTED_MSG"] = "1"
    env = {k: env[k] for k in sorted(env)}
    return opconfig.make_op_config(
        ["${guild_python_exe}", "-um", "guild.batch_main"], env, flagdefs, None,
        delete_on_success=opt.delete_on_success and not keep,
    )


def _encode_search_flags(opdef, flags: dict[str, Any], user_flags: dict[str, Any]) -> dict[str, Any]:
    """The flag encoder of the skopt ops: unset flags with choices or min/max become spaces (§5.2)."""
    from guild.flags import encode

    result = dict(flags)
    for name, fd in (opdef.flags or {}).items():
        if name in user_flags or not fd:
            continue
        if fd.get("choices"):
            result[name] = [c.get("value") if isinstance(c, dict) else c for c in fd["choices"]]
        elif fd.get("min") is not None and fd.get("max") is not None:
            dist = fd.get("distribution") or "uniform"
            cur = flags.get(name)
            parts = [encode.encode_flag_value(fd["min"]), encode.encode_flag_value(fd["max"])]
            if cur is not None:
                parts.append(encode.encode_flag_value(cur))
            result[name] = f"{dist}[{':'.join(parts)}]"
    return result


def _choose(opts: RunOptions, opdef, flags: dict[str, Any]) -> tuple[Optimizer, dict[str, Any]]:
    if opts.optimizer or opts.optimize:
        return optimizers.choose(opts, opdef, os.getcwd())
    from guild.flags import search

    if any(isinstance(v, str) and search.parse_function(v) for v in flags.values()):
        return optimizers.BUILTINS["random"], {}
    return optimizers.BUILTINS["+"], {}


def _opt_flags(opt: Optimizer, configured: dict[str, Any], opt_flag_args: list[str]) -> tuple[dict, dict]:
    from guild.flags import decode, validate

    user, _ = decode.split_assigns(opt_flag_args)
    user_vals = decode.decode_flags(user, opt.flagdefs)
    merged = {n: fd.get("default") for n, fd in opt.flagdefs.items()}
    merged.update(configured)
    merged.update(user_vals)
    if opt.flagdefs:
        merged = validate.resolve_flags(
            opt.flagdefs, {**configured, **user_vals}, force=False,
            op_full_name=opt.desc, op_name=opt.name,
        )
    return merged, user_vals


def objective_for(opts: RunOptions, opdef) -> str:
    if opts.minimize:
        return opts.minimize
    if opts.maximize:
        return "-" + opts.maximize
    obj = getattr(opdef, "objective", None)
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        if obj.get("minimize"):
            return str(obj["minimize"])
        if obj.get("maximize"):
            return "-" + str(obj["maximize"])
    return "loss"


def run_batch(opts: RunOptions, opdef, user_flags: dict[str, Any], flags: dict[str, Any],
              batch_files: list[str], confirm=None, *, extra_env: dict[str, str] | None = None) -> int:
    from guild.engine import run as run_mod

    file_trials = trials_mod.read_batch_files(batch_files) if batch_files else []
    if batch_files and len(file_trials) == 1 and not opts.optimizer and not opts.optimize \
            and not space.has_dimensions(flags):
        merged = dict(user_flags)
        for k, v in file_trials[0].items():
            merged.setdefault(k, v)
        flags = run_mod.resolve_flags(opdef, merged, opts, [])
        return run_mod.run_plan(plan_mod.new_plan(opts, opdef, merged, flags), opts, confirm, extra_env=extra_env)
    opt, configured = _choose(opts, opdef, flags)
    if opt.opdef is None and opt.name in ("random", "gp", "forest", "gbrt"):
        flags = _encode_search_flags(opdef, flags, user_flags)
    if opts.stage_trials and not opt.upfront:
        raise GuildError(f"operation '{opt.desc}' does not support --stage-trials")
    opt_flags, opt_user_flags = _opt_flags(opt, configured, opts.opt_flags)
    max_trials = opts.max_trials if opts.max_trials is not None else (
        opdef.default_max_trials if opdef.default_max_trials is not None and opt.name != "+" else opt.default_max_trials
    )
    proto_plan = plan_mod.new_plan(opts, opdef, user_flags, flags)
    if opts.print_trials or opts.save_trials:
        from guild.batch import preview

        return preview.print_or_save(opts, opt, flags, file_trials, max_trials, user_flags)
    if opts.print_cmd:
        from guild.batch import preview

        batch_plan = _batch_plan(opt, opts, opt_flags, opt_user_flags)
        return preview.print_cmds(opts, opt, batch_plan, proto_plan, user_flags, file_trials, max_trials)
    if opt.sequential:
        from guild.batch import bayesian

        bayesian.check_available(opt.name)
    if opts.needed:
        from guild.engine import needed

        batch_opref = _batch_plan(opt, opts, opt_flags, opt_user_flags).opref
        matches = needed.matching_runs(
            batch_opref, opt_flags,
            lambda r: r.batch_proto is not None and proto_plan.opref.same_op(r.batch_proto.opref)
            and (r.batch_proto.get("flags") or {}) == flags,
        )
        if matches:
            needed.print_skip(matches, lambda r: _batch_desc(r))
            return 0
    suffix = _prompt_suffix(opt, flags, user_flags, file_trials, max_trials, objective_for(opts, opdef))
    action = "stage" if opts.stage else "stage trials for" if opts.stage_trials else "run"
    text = run_mod.prompt_text(action, run_mod.prompt_subject(proto_plan), flags, opdef.flags, suffix)
    text = _with_opt_flags(text, opt_flags)
    if not run_mod.confirm_or_exit(opts, confirm, text):
        return 0
    batch_plan = _batch_plan(opt, opts, opt_flags, opt_user_flags)
    return _create_and_start(batch_plan, proto_plan, opts, opt, max_trials, file_trials,
                             objective_for(opts, opdef), extra_env)


def _batch_desc(run: Run) -> str:
    proto = run.batch_proto
    base = run.opref.base_desc()
    pdesc = proto.opref.base_desc() if proto and proto.opref else "?"
    return pdesc + base if base.startswith("+") else f"{pdesc}+{base}"


def _prompt_suffix(opt: Optimizer, flags, user_flags, file_trials, max_trials, objective: str) -> str:
    if opt.name == "+":
        rows = file_trials or [{}]
        n = sum(_grid_size({**flags, **row, **user_flags}) for row in rows)
        if max_trials is not None:
            n = min(n, max_trials)
        extra = " (flags below used unless specified in batch trial)" if file_trials else ""
        return f" as a batch ({n} trial{'s' if n != 1 else ''}){extra}"
    if opt.upfront:
        return f" with random search ({max_trials} trials)"
    direction = "maximize" if objective.startswith("-") else "minimize"
    trials = f"{max_trials} trials, " if max_trials is not None else ""
    return f" with {opt.desc} optimizer ({trials}{direction} {objective.lstrip('-')})"


def _with_opt_flags(text: str, opt_flags: dict[str, Any]) -> str:
    """The prompt with the `Optimizer flags:` block before its final `Continue?` line."""
    if not opt_flags:
        return text
    from guild.flags.encode import prompt_value

    head, _, last = text.rpartition("\n")
    block = "".join(f"\n  {name}: {prompt_value(opt_flags[name])}" for name in sorted(opt_flags))
    return f"{head}\nOptimizer flags:{block}\n{last}"


def _grid_size(flags: dict[str, Any]) -> int:
    n = 1
    for val in flags.values():
        if isinstance(val, list):
            n *= len(val)
    return n


def _batch_plan(opt: Optimizer, opts: RunOptions, opt_flags: dict, opt_user_flags: dict) -> plan_mod.RunPlan:
    from guild.flags import encode

    if opt.opdef is not None:
        plan = plan_mod.new_plan(
            opts.copy(label=opts.batch_label, tags=list(opts.batch_tags)), opt.opdef, opt_user_flags, opt_flags
        )
        if opts.keep_batch:
            plan.op_config.pop("delete-on-success", None)
        return plan
    template = opts.batch_label
    return plan_mod.RunPlan(
        opref=OpRef("builtin", "guildai", GUILD_VERSION, opt.model, opt.name),
        op_config=_batch_op_config(opt, opts.keep_batch, opt.flagdefs),
        flags=opt_flags,
        user_flags=opt_user_flags,
        flagdefs=opt.flagdefs,
        label=template if template is not None else encode.default_label(opt_flags),
        tags=list(opts.batch_tags),
        project_dir="",
        guild_op=opt.desc,
        op_desc=opt.desc,
    )


def _create_and_start(batch_plan, proto_plan, opts: RunOptions, opt: Optimizer, max_trials,
                      file_trials, objective: str, extra_env) -> int:
    from guild.engine import run as run_mod

    run_dir = os.path.abspath(opts.run_dir or os.path.join(home_mod.runs_dir(), lifecycle.new_run_id()))
    batch_opts = opts.copy(label=opts.batch_label, tags=list(opts.batch_tags), additional_deps=[])

    def populate(batch: Run) -> None:
        if opt.opdef is not None:
            lifecycle.copy_sourcecode(batch, batch_plan)
        else:
            batch.write_attr("sourcecode_digest", None)
        if max_trials is not None:
            batch.write_attr("max_trials", max_trials)
        if not opt.upfront:
            batch.write_attr("objective", objective)
        if opts.stage_trials:
            batch.write_attr("stage_trials", True)
        _write_proto(batch, proto_plan, opts, file_trials)

    batch = lifecycle.create_run(run_dir, batch_plan, batch_opts, populate)
    cmd_dir = os.getcwd()
    if opts.stage:
        lifecycle.stage(batch, batch_plan, opts, cmd_dir)
        print(f"{_batch_desc(batch)} staged as {batch.id}")
        print(f"To start the operation, use 'guild run --start {batch.id}'")
        return 0
    return _start_batch(batch, batch_plan, opts, cmd_dir, extra_env)


def _write_proto(batch: Run, proto_plan, opts: RunOptions, file_trials) -> None:
    proto = lifecycle.init_run_dir(batch.guild_path("proto"), run_id="proto")
    seed = opts.random_seed if opts.random_seed is not None else lifecycle.new_random_seed()
    lifecycle.write_init_attrs(proto, proto_plan, opts, new=True, random_seed=seed)
    if file_trials:
        proto.write_attr("trials", file_trials)
    lifecycle.copy_sourcecode(proto, proto_plan)


def _start_batch(batch: Run, batch_plan, opts: RunOptions, cmd_dir: str, extra_env) -> int:
    status = lifecycle.start(batch, batch_plan, opts.copy(quiet=opts.quiet), cmd_dir, extra_env)
    if status == 0 and (batch.get("op") or {}).get("delete-on-success"):
        lifecycle.delete_on_success(batch)
    return lifecycle.exit_code_for(status)


def restart_batch(batch: Run, opts: RunOptions, confirm=None, *, extra_env: dict[str, str] | None = None) -> int:
    """Restart a batch in place: apply flags to its proto, then run new trials (§4.7)."""
    from guild.engine import restart as restart_mod, run as run_mod

    proto = batch.batch_proto
    proto.id = "proto"
    proto_plan, proto_changed = restart_mod.restart_plan(proto, opts.copy(label=None, tags=[]))
    batch_flags = dict(batch.get("flags") or {})
    if opts.opt_flags:
        from guild.flags import decode

        assigns, _ = decode.split_assigns(opts.opt_flags)
        batch_flags.update(decode.decode_flags(assigns, {}))
    changed = proto_changed or batch_flags != (batch.get("flags") or {})
    if opts.needed and not changed and batch.status in ("completed", "terminated"):
        print("Skipping run because flags have not changed (--needed specified)")
        return 0
    text = run_mod.prompt_text("start", f"{batch.id} ({_batch_desc(batch)})", proto_plan.flags, proto_plan.flagdefs)
    if not run_mod.confirm_or_exit(opts, confirm, text):
        return 0
    proto_opts = RunOptions.from_mapping(restart_mod.merged_run_params(proto, opts))
    restart_mod.reinit(proto, proto_plan, opts.copy(comment=None), proto_opts)
    proto.set_marker("PENDING")  # the proto keeps its PENDING marker, as Guild's does
    batch_plan = restart_mod.plan_for_run(batch, opts.copy(flags=[]), None, batch_flags, {})
    batch_plan.label = opts.batch_label or batch.get("label")
    start_opts = RunOptions.from_mapping(restart_mod.merged_run_params(batch, opts))
    start_opts.quiet = opts.quiet
    if opts.max_trials is not None:
        batch.write_attr("max_trials", opts.max_trials)
    restart_mod.reinit(batch, batch_plan, opts.copy(comment=None, label=opts.batch_label), start_opts)
    return _start_batch(batch, batch_plan, start_opts, os.getcwd(), extra_env)
