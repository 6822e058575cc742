"""`guild run --restart/--start RUN`: re-run an existing run in its own directory
(spec §5.10, pipelines-and-batches.md §2)."""

from __future__ import annotations

import os

from guild.engine import lifecycle, plan as plan_mod
from guild.engine.options import RunOptions
from guild.errors import GuildError
from guild.store import home as home_mod
from guild.store.run import Run, is_run_dir, iter_runs, sorted_runs

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

# run_params replaced on restart, only when the new value is truthy (pipelines-and-batches.md §2.1).
_MERGED_PARAMS = ("force_sourcecode", "gpus", "label", "needed", "tags")


def find_run(spec: str) -> Run:
    """The run named by a restart spec (spec §5.10): a run dir path or id, an index into the run
    list (as other commands accept), an op spec (its marked or latest run), or an id prefix."""
    if (os.path.isabs(spec) or spec.startswith(".")) and is_run_dir(spec):
        return Run.for_dir(spec)
    runs_dir = home_mod.runs_dir()
    exact = os.path.join(runs_dir, spec)
    if "/" not in spec and is_run_dir(exact):
        return Run(spec, exact)
    if spec.isdigit():  # an index into the run list first, as run specs are read (runs.md §6.1)
        runs = sorted_runs(list(iter_runs(runs_dir)))
        if 1 <= int(spec) <= len(runs):
            return runs[int(spec) - 1]
    by_op = [r for r in iter_runs(runs_dir) if r.opref and _op_matches(r, spec)]
    if by_op:
        marked = [r for r in by_op if r.get("marked")]
        return sorted_runs(marked or by_op)[0]
    by_id = [r for r in iter_runs(runs_dir) if r.id.startswith(spec)]
    if len(by_id) == 1:
        return by_id[0]
    if len(by_id) > 1:
        import sys

        sys.stderr.write(f"'{spec}' matches multiple runs:\n")
        for r in sorted_runs(by_id):
            sys.stderr.write(f"  {r.short_id}\n")
        raise GuildError("", quiet=True)
    raise GuildError(f"could not find a run matching '{spec}'", hint="Try 'guild runs list' for a list.")


def _op_matches(run: Run, spec: str) -> bool:
    opref = run.opref
    return spec in (opref.op_name, opref.base_desc())


def merged_run_params(run: Run, opts: RunOptions) -> dict[str, Any]:
    saved = dict(_dict_attr(run, "run_params"))
    params = opts.to_run_params() if not saved else saved
    for name in _MERGED_PARAMS:
        new = getattr(opts, name)
        if new:
            params[name] = new
    if opts.random_seed is not None:
        params["random_seed"] = opts.random_seed
    return params


def restart(opts: RunOptions, confirm=None, *, extra_env: dict[str, str] | None = None) -> int:
    from guild.engine import run as run_mod

    run = find_run(opts.restart)
    if run.status == "running":
        raise GuildError(
            f"cannot restart run {run.id} because it's running",
            hint=f"Use 'guild stop {run.id}' to stop it first and try again.",
        )
    if run.batch_proto is not None:
        from guild.batch import launch

        return launch.restart_batch(run, opts, confirm, extra_env=extra_env)
    plan, changed = restart_plan(run, opts)
    if opts.needed and not changed and run.status in ("completed", "terminated"):
        print("Skipping run because flags have not changed (--needed specified)")
        return 0
    action = "start"
    text = run_mod.prompt_text(action, f"{run.id} ({plan.op_desc})", plan.flags, plan.flagdefs)
    if not run_mod.confirm_or_exit(opts, confirm, text):
        return 0
    start_opts = RunOptions.from_mapping(merged_run_params(run, opts))
    start_opts.quiet = opts.quiet
    start_opts.stop_after = opts.stop_after
    start_opts.background = opts.background
    reinit(run, plan, opts, start_opts)
    return run_mod.start_run(run, plan, start_opts, os.getcwd(), extra_env)


def restart_plan(run: Run, opts: RunOptions) -> tuple[plan_mod.RunPlan, bool]:
    """The plan for restarting `run` with `opts`, and whether its flags changed."""
    saved_flags = dict(_dict_attr(run, "flags"))
    load = bool(opts.flags) or opts.force_sourcecode
    opdef = load_run_opdef(run) if load else None
    user_flags: dict[str, Any] = {}
    flags = dict(saved_flags)
    if opdef is not None:
        user_flags, _ = plan_mod.decode_user_flags(opts.flags, opdef.flags)
        from guild.engine.run import resolve_flags

        resolved = resolve_flags(opdef, user_flags, opts, [])
        given = set(user_flags) | {n for n, fd in opdef.flags.items() if fd.get("alias") in user_flags}
        for name, val in resolved.items():
            if name in given or name not in flags:
                flags[name] = val
    changed = flags != saved_flags
    return plan_for_run(run, opts, opdef, flags, user_flags), changed


def load_run_opdef(run: Run):
    """The run's operation as defined in its project now (needed to apply flags)."""
    from guild.engine.plan import load_opdef

    opref = run.opref
    not_found = GuildError(
        f"cannot find definition for operation '{opref.base_desc() if opref else '?'}' in run {run.id}",
        hint="This is required when setting flags or using '--force-sourcecode' for restart or a new run.",
    )
    if opref is None:
        raise not_found
    if opref.pkg_type == "script":
        script = os.path.join(opref.pkg_name, opref.op_name)
        if not os.path.exists(script):
            raise not_found
        cwd = os.getcwd()
        try:
            return load_opdef(os.path.relpath(script, cwd), cwd)
        except GuildError:
            raise not_found from None
    if opref.pkg_type != "guildfile" or not os.path.exists(opref.pkg_name):
        raise not_found
    opdef = plan_mod.find_opdef(opref.pkg_name, opref.model_name, opref.op_name)
    if opdef is None:
        raise not_found
    return opdef


def plan_for_run(run: Run, opts: RunOptions, opdef, flags: dict[str, Any],
                 user_flags: dict[str, Any]) -> plan_mod.RunPlan:
    """A plan for an existing run: from the reloaded opdef when there is one, else its `op` attr."""
    saved_template = _dict_attr(run, "op").get("label-template")
    template = opts.label if opts.label is not None else saved_template
    if opdef is not None:
        plan = plan_mod.new_plan(opts.copy(label=template, tags=opts.tags), opdef, user_flags, flags)
        if not opts.tags:
            plan.tags = list(run.get("tags") or [])
        return plan
    op_config = _op_config(run)
    if opts.label is not None:
        op_config["label-template"] = opts.label
    opref = run.opref
    if opref is None:
        raise GuildError(f"cannot restart run in {run.path}: invalid opref")
    project_dir = opref.project_dir() or (op_config["op-cmd"].get("cmd-env") or {}).get("PROJECT_DIR") or ""
    steps = run.get("steps") if _is_steps_cmd(op_config) else None
    return plan_mod.RunPlan(
        opref=opref,
        op_config=op_config,
        flags=flags,
        user_flags=user_flags,
        flagdefs=dict(op_config["op-cmd"].get("cmd-flags") or {}),
        label=plan_mod.render_label(template, flags),
        tags=list(opts.tags) if opts.tags else list(run.get("tags") or []),
        project_dir=project_dir,
        guild_op=os.path.join(opref.pkg_name, opref.op_name) if opref.pkg_type == "script" else opref.base_desc(),
        op_desc=opref.base_desc(),
        steps=(steps if isinstance(steps, list) else [steps]) if steps is not None else None,
        delete_on_success=bool(op_config.get("delete-on-success")),
    )


def _dict_attr(run: Run, name: str) -> dict:
    """A mapping attr ({} when unset); any other value is an error, not a guess."""
    val = run.get(name)
    if val is None:
        return {}
    if not isinstance(val, dict):
        raise GuildError(f"cannot restart run in {run.path}: invalid {name} attribute")
    return val


def _op_config(run: Run) -> dict:
    """The saved `op` attr, checked to have the shape the plan reads from it."""
    op_config = dict(_dict_attr(run, "op"))
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


def reinit(run: Run, plan: plan_mod.RunPlan, opts: RunOptions, start_opts: RunOptions) -> None:
    """Rewrite the run's attrs for a restart; re-copy source with --force-sourcecode."""
    run.set_marker("PENDING")
    run.set_marker("STAGED", False)
    seed = run.get("random_seed")
    if opts.random_seed is not None or not isinstance(seed, int):
        seed = opts.random_seed if opts.random_seed is not None else lifecycle.new_random_seed()
    comment_opts = start_opts.copy(comment=opts.comment)
    had_tags = run.get("tags")
    lifecycle.write_init_attrs(run, plan, comment_opts, new=False, random_seed=seed)
    if had_tags is not None and not opts.tags:
        run.write_attr("tags", had_tags)
    if opts.force_sourcecode and plan.opdef is not None:
        lifecycle.copy_sourcecode(run, plan)
    lifecycle.resolve_deps(run, plan, start_opts)
    lifecycle.finish_init(run)
