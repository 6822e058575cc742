"""`guild run` as an API: check options, plan, confirm, then create and start (or stage) a run.
Pipelines and batches call `run()` in-process for their steps and trials."""

from __future__ import annotations

import os
import sys

from guild.engine import lifecycle, plan as plan_mod
from guild.engine.options import RunOptions
from guild.errors import GuildError
from guild.store import home as home_mod
from guild.store.run import Run

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any, Callable

    Confirm = Callable[[str], bool]

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
    for a, b in _INCOMPATIBLE:
        if getattr(opts, a) and getattr(opts, b):
            raise GuildError(f"{_opt_name(a)} and {_opt_name(b)} cannot both be used", hint=TRY_RUN_HELP)
    if opts.restart:
        for dest, label in _NOT_WITH_RESTART:
            if getattr(opts, dest):
                raise GuildError(f"{label} cannot be used with --restart", hint=TRY_RUN_HELP)


def run(opts: RunOptions, confirm: Confirm | None = None, *, extra_env: dict[str, str] | None = None) -> int:
    """Run (or stage, print, skip) per `opts`; returns the exit code for `guild`."""
    check_options(opts)
    if opts.restart:
        from guild.engine import restart

        return restart.restart(opts, confirm, extra_env=extra_env)
    if opts.proto:
        from guild.engine import proto

        return proto.run_proto(opts, confirm, extra_env=extra_env)
    cwd = os.getcwd()
    if opts.help_model:
        from guild.project.help import model_help

        sys.stdout.write(model_help(opts.opspec, cwd))
        return 0
    opdef = plan_mod.load_opdef(opts.opspec, cwd)
    if opts.help_op:
        from guild.engine.deps import help_op_dependencies as dep_rows
        from guild.flags import help_op

        sys.stdout.write(help_op.format_help_op(opdef.full_name, opdef.description, opdef.flags, dep_rows(opdef)))
        return 0
    if opts.test_output_scalars or opts.test_flags:
        from guild.engine import test_options

        if opts.test_output_scalars:
            test_options.test_output_scalars(opdef, opts.test_output_scalars)
        else:
            test_options.test_flags(opdef)
        return 0
    user_flags, batch_files = plan_mod.decode_user_flags(opts.flags, opdef.flags)
    flags = resolve_flags(opdef, user_flags, opts, batch_files)
    if _is_batch(opts, opdef, flags, batch_files):
        from guild.batch import launch

        return launch.run_batch(opts, opdef, user_flags, flags, batch_files, confirm, extra_env=extra_env)
    _check_not_batch(opts)
    plan = plan_mod.new_plan(opts, opdef, user_flags, flags)
    return run_plan(plan, opts, confirm, extra_env=extra_env)


def resolve_flags(opdef, user_flags: dict[str, Any], opts: RunOptions, batch_files: list[str]) -> dict[str, Any]:
    from guild.flags import validate

    flags = validate.resolve_flags(
        opdef.flags, user_flags, force=opts.force_flags or bool(batch_files),
        op_full_name=opdef.full_name, op_name=opdef.name, cwd=os.getcwd(),
    )
    if opdef.requires:
        from guild.engine import deps

        deps.resolve_flag_runs(opdef, flags)
    return flags


def _is_batch(opts: RunOptions, opdef, flags: dict[str, Any], batch_files: list[str]) -> bool:
    if opts.optimizer or opts.optimize or batch_files:
        return True
    if opdef.is_pipeline:
        return False
    from guild.flags import search

    return any(search.is_batch_value(v, opdef.flags.get(n)) for n, v in flags.items())


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
    if opts.batch_comment:
        log.warning("operation is not a batch - ignoring batch comment")


def print_cmd(plan: plan_mod.RunPlan) -> None:
    import shlex

    from guild.engine import opconfig

    argv = opconfig.build_cmd(plan.op_config, plan.flags, plan.project_dir)
    print(" ".join(shlex.quote(a) if a else "''" for a in argv))


def print_env(plan: plan_mod.RunPlan) -> None:
    import shlex

    from guild.engine import environ

    env = environ.op_env(plan.op_config, plan.flags)
    for name in sorted(env):
        val = env[name]
        print(f"{name}={shlex.quote(val) if val else ''}")


def prompt_text(action: str, subject: str, flags: dict[str, Any], flagdefs: dict[str, dict],
                suffix: str = "") -> str:
    from guild.flags import encode

    lines = [f"You are about to {action} {subject}{suffix}"]
    for name in sorted(flags):
        lines.append(f"  {name}: {encode.prompt_value(flags[name], flagdefs.get(name))}")
    return "\n".join(lines) + "\nContinue?"


def confirm_or_exit(opts: RunOptions, confirm: Confirm | None, text: str) -> bool:
    """True to go on. Without -y, ask; no answer means do nothing (exit 0)."""
    if opts.yes:
        return True
    if confirm is None:
        confirm = default_confirm
    return confirm(text)


def default_confirm(text: str) -> bool:
    sys.stderr.write(text + " (Y/n) ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        sys.stderr.write("\n")
        raise GuildError("", quiet=True)
    return line.strip().lower() in ("", "y", "yes")


def run_plan(plan: plan_mod.RunPlan, opts: RunOptions, confirm: Confirm | None = None,
             *, extra_env: dict[str, str] | None = None) -> int:
    """Dispatch print/test options, `--needed`, the prompt, then create and start or stage."""
    if opts.print_cmd:
        print_cmd(plan)
        return 0
    if opts.print_env:
        print_env(plan)
        return 0
    if opts.test_sourcecode:
        from guild.engine import sourcecode

        sys.stdout.write(sourcecode.format_test_sourcecode(sourcecode.plan_for_opdef(plan.opdef)))
        return 0
    if opts.needed:
        from guild.engine import needed

        if needed.skip_new_run(plan):
            return 0
    action = "stage" if opts.stage else "run"
    if not confirm_or_exit(opts, confirm, prompt_text(action, prompt_subject(plan), plan.flags, plan.flagdefs)):
        return 0
    return create_and_start(plan, opts, extra_env=extra_env)


def prompt_subject(plan: plan_mod.RunPlan) -> str:
    """The operation as the prompt names it: the opspec, or a script's path from the cwd."""
    if plan.opdef is not None and plan.opdef.is_script:
        return os.path.relpath(plan.opdef.script_path)
    return plan.op_desc


def create_and_start(plan: plan_mod.RunPlan, opts: RunOptions, *, extra_env: dict[str, str] | None = None,
                     populate: Callable[[Run], None] | None = None) -> int:
    """Create a new run dir for `plan` and run (or stage) it. `populate` fills in its source code
    (default: copy it from the project)."""
    if opts.run_dir:
        run_dir = os.path.abspath(opts.run_dir)
        if not opts.stage and os.environ.get("NO_WARN_RUNDIR") != "1":
            sys.stderr.write(f"Run directory is '{run_dir}' (results will not be visible to Guild)\n")
    else:
        run_dir = os.path.join(home_mod.runs_dir(), lifecycle.new_run_id())
    run = lifecycle.create_run(run_dir, plan, opts, populate)
    cmd_dir = os.getcwd()
    if opts.stage:
        lifecycle.stage(run, plan, opts, cmd_dir)
        _print_staged(run, plan, opts)
        return 0
    return start_run(run, plan, opts, cmd_dir, extra_env)


def start_run(run: Run, plan: plan_mod.RunPlan, opts: RunOptions, cmd_dir: str,
              extra_env: dict[str, str] | None) -> int:
    if opts.background or opts.pidfile:
        from guild.engine import background

        return background.start_in_background(run, plan, opts, cmd_dir, extra_env)
    status = lifecycle.start(run, plan, opts, cmd_dir, extra_env)
    if status == 0 and plan.op_config.get("delete-on-success") and not opts.keep_run:
        from guild.util import log

        log.info(f"Deleting interim run {run.id} ('{plan.op_desc}' is configured for deletion on success)")
        lifecycle.delete_on_success(run)
    return lifecycle.exit_code_for(status)


def _print_staged(run: Run, plan: plan_mod.RunPlan, opts: RunOptions) -> None:
    if opts.run_dir:
        import shlex

        from guild.engine import opconfig

        argv = opconfig.build_cmd(plan.op_config, plan.flags, plan.project_dir)
        cmd = " ".join(shlex.quote(a) if a else "''" for a in argv)
        print(f"{plan.op_desc} staged in '{run.path}'")
        print(f"To start the operation, use \"(cd '{run.path}' && source .guild/ENV && {cmd})\"")
    else:
        print(f"{plan.op_desc} staged as {run.id}")
        print(f"To start the operation, use 'guild run --start {run.id}'")
