"""`guild run` requests as values. A request is checked and planned into a `Prepared` run
(nothing written yet); the caller shows its `prompt` (or its `skip`), then calls `start()`, which
creates the run directory and starts (or stages) its process. New runs are prepared here;
restarts in `engine.restart`, `--proto` runs in `engine.proto`, batches in `guild.batch.launch`."""

from __future__ import annotations

import os

from guild.engine import lifecycle, plan as plan_mod, start as start_mod
from guild.engine.options import RunOptions
from guild.errors import GuildError
from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable, Iterator

    from guild.engine.context import RunContext
    from guild.engine.deps.model import Resource
    from guild.engine.needed import Skip

_INCOMPATIBLE = [
    ("minimize", "maximize"), ("no_gpus", "gpus"), ("optimize", "optimizer"),
    ("print_cmd", "print_env"), ("print_trials", "stage_trials"), ("stage", "background"),
    ("stage", "pidfile"),
]
_NOT_WITH_RESTART = [
    ("opspec", "OPERATION"), ("help_model", "--help-model"), ("help_op", "--help-op"),
    ("optimize", "--optimize"), ("optimizer", "--optimizer"), ("proto", "--proto"),
    ("run_dir", "--run-dir"), ("test_output_scalars", "--test-output-scalars"),
    ("test_output_attrs", "--test-output-attrs"), ("test_sourcecode", "--test-sourcecode"),
    ("test_flags", "--test-flags"),
]
TRY_RUN_HELP = "Try 'guild run --help' for more information."


def _opt_name(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def check_options(opts: RunOptions) -> None:
    """Raise GuildError for options that cannot be used together."""
    for a, b in _INCOMPATIBLE:
        if getattr(opts, a) and getattr(opts, b):
            raise GuildError(f"{_opt_name(a)} and {_opt_name(b)} cannot both be used", hint=TRY_RUN_HELP)
    if opts.restart:
        for dest, label in _NOT_WITH_RESTART:
            if getattr(opts, dest):
                raise GuildError(f"{label} cannot be used with --restart", hint=TRY_RUN_HELP)


class Prepared:
    """A checked and planned run request: nothing is written until `start()`.

    `prompt` is the confirmation text; `skip` is set when `--needed` finds nothing to do;
    `commands()`, `environment()` and `sourcecode()` are what `--print-cmd`, `--print-env` and
    `--test-sourcecode` show. `start()` returns the run (`pidfile` is then set for a run
    started in the background)."""

    action = "run"
    skip: Skip | None = None
    pidfile: str | None = None

    def __init__(self, plan: plan_mod.RunPlan, opts: RunOptions, ctx: RunContext):
        self.plan = plan
        self.opts = opts
        self.ctx = ctx
        self.start_opts = opts  # the options the process starts with (restarts merge saved ones)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.plan.op_desc}>"

    @property
    def op_desc(self) -> str:
        return self.plan.op_desc

    @property
    def prompt(self) -> str:
        action = "stage" if self.opts.stage else self.action
        return prompt_text(action, self.prompt_subject, self.plan.flags, self.plan.flagdefs)

    @property
    def prompt_subject(self) -> str:
        return prompt_subject(self.plan, self.ctx.cwd)

    def commands(self) -> Iterator[list[str]]:
        """The process command(s) the request would run."""
        yield command(self.plan)

    def environment(self) -> dict[str, str]:
        """The op's own environment variables (its `env:` and a `FLAG_*` per flag)."""
        from guild.engine import environ

        return environ.op_env(self.plan.op_config, self.plan.flags)

    def sourcecode(self) -> str:
        """The `--test-sourcecode` report of what would be copied as source code."""
        from guild.engine import sourcecode

        if self.plan.opdef is None:
            raise GuildError("cannot test source code: the operation is not defined here")
        return sourcecode.format_test_sourcecode(lifecycle.sourcecode_plan(self.plan, self.ctx), self.ctx.cwd)

    def create(self) -> Run:
        """Make the run directory ready to start (attrs, source code, dependencies)."""
        raise NotImplementedError

    def job(self, run: Run) -> start_mod.StartJob:
        """The start job of the created `run` (what an executor runs)."""
        return start_mod.job_for(run, self.plan, self.start_opts, self.ctx)

    def start(self) -> Run:
        """Create the run, then stage it, start it in the background, or run it to its end."""
        run = self.create()
        job = self.job(run)
        if self.opts.stage:
            lifecycle.stage(run, self.plan, job)
        elif self.start_opts.background or self.start_opts.pidfile:
            from guild.engine import background

            self.pidfile = background.start_in_background(job, self.start_opts.pidfile)
        else:
            start_mod.run_job(job, self.ctx.echo)
        return run


class NewRun(Prepared):
    """A new run of an operation (not a batch). `populate` fills in its source code (default:
    copied from the project); `check_needed` applies `--needed`."""

    def __init__(self, plan: plan_mod.RunPlan, opts: RunOptions, ctx: RunContext,
                 populate: Callable[[Run], None] | None = None, check_needed: bool = True):
        super().__init__(plan, opts, ctx)
        self.populate = populate
        if opts.needed and check_needed:
            from guild.engine import needed

            matches = needed.matching_runs(plan.opref, plan.flags, ctx)
            self.skip = needed.skip_for(matches, lambda r: r.opref.base_desc())

    def create(self) -> Run:
        opts, ctx = self.opts, self.ctx
        if opts.run_dir:
            run_dir = ctx.path(opts.run_dir)
            if not opts.stage and not ctx.is_set("NO_WARN_RUNDIR"):
                from guild.util import log

                log.info(f"Run directory is '{run_dir}' (results will not be visible to Guild)")
        else:
            run_dir = os.path.join(ctx.runs_dir, new_run_id(opts, ctx))
        return lifecycle.create_run(run_dir, self.plan, opts, ctx, self.populate)


def new_run_id(opts: RunOptions, ctx: RunContext) -> str:
    """`--run-id` (checked: a name for a new run dir), else a new unique id."""
    run_id = opts.run_id
    if not run_id:
        return lifecycle.new_run_id()
    if "/" in run_id or run_id in (".", "..") or run_id.startswith(".") or "\0" in run_id:
        raise GuildError(f"invalid run ID '{run_id}': it must be a plain name")
    if os.path.lexists(os.path.join(ctx.runs_dir, run_id)):
        raise GuildError(f"a run with ID '{run_id}' already exists")
    return run_id


def prepare_new(opts: RunOptions, opdef, user_flags: dict[str, Any], flags: dict[str, Any],
                resources: list[Resource], ctx: RunContext) -> NewRun:
    """A new (non-batch) run of `opdef` with final `flags` (see `plan.plan_flags`)."""
    _check_not_batch(opts)
    return NewRun(plan_mod.new_plan(opts, opdef, user_flags, flags, resources), opts, ctx)


def _check_not_batch(opts: RunOptions) -> None:
    from guild.util import log

    if opts.opt_flags:
        raise GuildError(f"invalid optimizer flag {opts.opt_flags[0]}: no optimizer specified")
    if opts.print_trials:
        raise GuildError("cannot print trials for a non-batch operation")
    if opts.save_trials:
        raise GuildError("cannot save trials for a non-batch operation")
    if opts.max_trials is not None:
        log.warning("not a batch run - ignoring --max-trials")
    if opts.jobs is not None:
        log.warning("not a batch run - ignoring --jobs")
    if opts.executor is not None:
        log.warning("not a batch run - ignoring --executor")
    if opts.batch_comment:
        log.warning("operation is not a batch - ignoring batch comment")


def command(plan: plan_mod.RunPlan) -> list[str]:
    """The process argv of `plan`."""
    from guild.engine import opconfig

    return opconfig.build_cmd(plan.op_config, plan.flags, plan.project_dir)


def prompt_text(action: str, subject: str, flags: dict[str, Any], flagdefs: dict[str, dict],
                suffix: str = "") -> str:
    from guild.flags import encode

    lines = [f"You are about to {action} {subject}{suffix}"]
    for name in sorted(flags):
        lines.append(f"  {name}: {encode.prompt_value(flags[name], flagdefs.get(name))}")
    return "\n".join(lines) + "\nContinue?"


def prompt_subject(plan: plan_mod.RunPlan, cwd: str) -> str:
    """The operation as the prompt names it: the opspec, or a script's path from `cwd`."""
    if plan.opdef is not None and plan.opdef.is_script:
        return os.path.relpath(plan.opdef.script_path, cwd)
    return plan.op_desc
