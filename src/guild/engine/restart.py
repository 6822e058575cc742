"""`guild run --restart/--start RUN`: re-run an existing run in its own directory
(spec §5.10, pipelines-and-batches.md §2)."""

from __future__ import annotations

import os

from guild.engine import lifecycle, plan as plan_mod
from guild.engine.options import RunOptions
from guild.engine.run import Prepared
from guild.errors import GuildError, RunAmbiguous, RunNotFound
from guild.store.run import Run, is_run_dir, iter_runs, sorted_runs

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import RunContext

# run_params replaced on restart, only when the new value is truthy (pipelines-and-batches.md §2.1).
_MERGED_PARAMS = ("force_sourcecode", "gpus", "label", "needed", "tags", "jobs", "executor")


def find_run(spec: str, ctx: RunContext) -> Run:
    """The run named by a restart spec (spec §5.10): a run dir path or id, an index into the run
    list (as other commands accept), an op spec (its marked or latest run), or an id prefix."""
    path = ctx.path(spec)
    if (os.path.isabs(spec) or spec.startswith(".")) and is_run_dir(path):
        return Run.for_dir(path)
    runs_dir = ctx.runs_dir
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
        raise RunAmbiguous(spec, sorted_runs(by_id))
    raise RunNotFound(spec)


def _op_matches(run: Run, spec: str) -> bool:
    opref = run.opref
    return spec in (opref.op_name, opref.base_desc())


def merged_run_params(run: Run, opts: RunOptions) -> dict[str, Any]:
    saved = dict(plan_mod.dict_attr(run, "run_params"))
    params = opts.to_run_params() if not saved else saved
    for name in _MERGED_PARAMS:
        new = getattr(opts, name)
        if new:
            params[name] = new
    if opts.random_seed is not None:
        params["random_seed"] = opts.random_seed
    return params


def check_restartable(run: Run) -> None:
    if run.status == "running":
        raise GuildError(
            f"cannot restart run {run.id} because it's running",
            hint=f"Use 'guild stop {run.id}' to stop it first and try again.",
        )


class Restart(Prepared):
    """An existing run started again in place, with flags changed by the request."""

    action = "start"

    def __init__(self, run: Run, plan: plan_mod.RunPlan, opts: RunOptions, ctx: RunContext, changed: bool):
        super().__init__(plan, opts, ctx)
        self.run = run
        start_opts = RunOptions.from_mapping(merged_run_params(run, opts))
        start_opts.quiet = opts.quiet
        start_opts.stop_after = opts.stop_after
        start_opts.background = opts.background
        start_opts.pidfile = opts.pidfile
        self.start_opts = start_opts
        if opts.needed and not changed and run.status in ("completed", "terminated"):
            from guild.engine.needed import FLAGS_UNCHANGED, Skip

            self.skip = Skip(FLAGS_UNCHANGED, [run])

    @property
    def prompt_subject(self) -> str:
        return f"{self.run.id} ({self.plan.op_desc})"

    def create(self) -> Run:
        reinit(self.run, self.plan, self.opts, self.start_opts, self.ctx)
        return self.run


def prepare_restart(run: Run, opts: RunOptions, ctx: RunContext) -> Restart:
    """Restart `run` (not a batch: see `guild.batch.launch`) with `opts`."""
    plan, changed = restart_plan(run, opts, ctx)
    return Restart(run, plan, opts, ctx, changed)


def restart_plan(run: Run, opts: RunOptions, ctx: RunContext) -> tuple[plan_mod.RunPlan, bool]:
    """The plan for restarting `run` with `opts`, and whether its flags changed."""
    saved_flags = dict(plan_mod.dict_attr(run, "flags"))
    load = bool(opts.flags) or opts.force_sourcecode
    opdef = load_run_opdef(run, ctx) if load else None
    flags = dict(saved_flags)
    if opdef is None:
        return plan_for_run(run, opts, flags), False
    user_flags, _ = plan_mod.decode_user_flags(opts.flags, opdef.flags)
    resolved, _ = plan_mod.plan_flags(opdef, user_flags, opts, ctx)
    given = set(user_flags) | {n for n, fd in opdef.flags.items() if fd.get("alias") in user_flags}
    for name, val in resolved.items():
        if name in given or name not in flags:
            flags[name] = val
    changed = flags != saved_flags
    return reloaded_plan(run, opts, opdef, flags, user_flags), changed


def load_run_opdef(run: Run, ctx: RunContext):
    """The run's operation as defined in its project now (needed to apply flags)."""
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
        try:
            return plan_mod.load_opdef(os.path.relpath(script, ctx.cwd), ctx)
        except GuildError:
            raise not_found from None
    if opref.pkg_type != "guildfile" or not os.path.exists(opref.pkg_name):
        raise not_found
    opdef = plan_mod.find_opdef(opref.pkg_name, opref.model_name, opref.op_name, ctx)
    if opdef is None:
        raise not_found
    return opdef


def plan_for_run(run: Run, opts: RunOptions, flags: dict[str, Any]) -> plan_mod.RunPlan:
    """The plan of `run` from its attrs, with the label and tags `opts` give."""
    return plan_mod.plan_from_run(run, flags=flags, label_template=opts.label, tags=opts.tags)


def reloaded_plan(run: Run, opts: RunOptions, opdef, flags: dict[str, Any],
                  user_flags: dict[str, Any]) -> plan_mod.RunPlan:
    """A new plan for `run` from its op as defined now (`opdef`)."""
    saved_template = plan_mod.dict_attr(run, "op").get("label-template")
    template = opts.label if opts.label is not None else saved_template
    resources = plan_mod.op_resources(opdef, flags)
    plan = plan_mod.new_plan(opts.copy(label=template, tags=opts.tags), opdef, user_flags, flags, resources)
    if not opts.tags:
        plan.tags = list(run.get("tags") or [])
    return plan


def reinit(run: Run, plan: plan_mod.RunPlan, opts: RunOptions, start_opts: RunOptions, ctx: RunContext) -> None:
    """Rewrite the run's attrs for a restart; re-copy source with --force-sourcecode."""
    run.mark_pending()
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
        lifecycle.copy_sourcecode(run, plan, ctx)
    lifecycle.resolve_deps(run, plan, start_opts, ctx)
    lifecycle.finish_init(run)
