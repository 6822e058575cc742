"""The batch runner: the process of a batch run. It generates trials from the proto's flags with
the batch's optimizer, creates each trial run and hands it to an executor
(pipelines-and-batches.md §4.2–4.6, §5)."""

from __future__ import annotations

import os
import sys

from guild.batch import optimizers, trials as trials_mod
from guild.batch.pool import TrialPool
from guild.engine import start as start_mod
from guild.engine.context import RunContext
from guild.engine.process import SIGINT
from guild.engine.options import RunOptions
from guild.errors import GuildError, Interrupted, report, unexpected
from guild.store.run import Run
from guild.util import log, procs

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.start import StartJob
    from guild.executors.base import Executor


def main() -> None:
    from guild.engine import process

    log.set_runner_format(True)
    process.trap_stop_signals()  # trials running in threads are stopped from this one
    try:
        ctx = process_context()
        code = run_batch(Run.for_dir(os.environ["RUN_DIR"]), ctx)
    except GuildError as e:
        code = report(e)
    except (KeyboardInterrupt, Interrupted) as e:
        log.info("Stopping batch")
        procs.exit_by_signal(getattr(e, "signum", SIGINT))
    except Exception as e:  # one line, as the CLI gives it (LOG_LEVEL=10: the traceback)
        if log.debug_enabled():
            raise
        code = report(unexpected(e))
    sys.stdout.flush()
    sys.exit(code)


def process_context() -> RunContext:
    """This batch process's context: the directory `guild run` was called from (CMD_DIR)."""
    cmd_dir = os.environ.get("CMD_DIR")
    return RunContext.current(cwd=cmd_dir if cmd_dir and os.path.isdir(cmd_dir) else None)


def run_batch(batch: Run, ctx: RunContext) -> int:
    proto = batch.batch_proto
    if proto is None:
        raise GuildError(f"missing batch proto in {batch.path}")
    opt = optimizers.for_opref(batch.opref.model_name, batch.opref.op_name)
    flags = dict(proto.get("flags") or {})
    max_trials = batch.get("max_trials")
    seed = batch.get("random_seed")
    stage = bool(batch.get("stage_trials"))
    params = batch.get("run_params") or {}
    fail_on_error = bool(params.get("fail_on_trial_error"))
    runs_dir = os.path.dirname(batch.path) if _under_runs(batch, ctx) else ctx.runs_dir
    with executor_for(params, ctx) as executor:
        if opt.sequential:
            from guild.batch import sequential

            pool = TrialPool(executor, ctx, prepare_trial, stage=False, fail_on_error=fail_on_error,
                             total=max_trials)
            return sequential.run(batch, proto, opt, flags, max_trials, seed, runs_dir, pool)
        trial_flags = generate(opt, flags, proto.get("user_flags") or {}, proto.get("trials") or [], max_trials, seed)
        created: list[Run] = []
        pool = TrialPool(executor, ctx, prepare_trial, stage=stage, fail_on_error=fail_on_error,
                         total=len(trial_flags))
        try:
            created.extend(trials_mod.create_trial(batch, proto, tf, runs_dir) for tf in trial_flags)
            for trial in created:
                pool.start(trial)
                if pool.stopped:
                    break
            return pool.drain()
        finally:
            _release_pending(created)


def executor_for(params: dict[str, Any], ctx: RunContext) -> Executor:
    """The executor of a batch's trials: `--executor` (local, a Dask scheduler address or a name
    from the user config) with `--jobs` slots."""
    from guild.executors import select

    return select.executor(params.get("executor"), params.get("jobs"), ctx)


def _release_pending(trials: list[Run]) -> None:
    """Trials this batch leaves unstarted stay pending for someone to start (`guild run
    --start`), no longer tied to this process (which, killed, would leave them `terminated`)."""
    for trial in trials:
        if trial.has_marker("PENDING"):
            trial.mark_pending(owned=False)


def _under_runs(batch: Run, ctx: RunContext) -> bool:
    return os.path.realpath(os.path.dirname(batch.path)) == os.path.realpath(ctx.runs_dir)


def generate(opt, flags: dict[str, Any], user_flags: dict[str, Any], file_trials: list, max_trials,
             seed) -> list[dict[str, Any]]:
    """The trial flags of a `+` or random batch, all generated up front."""
    if opt.name == "+":
        if file_trials:
            return trials_mod.file_grid_trials(flags, user_flags, file_trials, max_trials, seed)
        return trials_mod.grid_trials(flags, max_trials, seed)
    return trials_mod.random_trials(flags, max_trials or opt.default_max_trials or 20, seed)


def run_trial(trial: Run, stage: bool, ctx: RunContext, executor: Executor) -> int:
    """Run (or stage) a pending trial, like `guild run --restart <id> -y`; returns its exit code."""
    pool = TrialPool(executor, ctx, prepare_trial, stage=stage)
    pool.start(trial)
    pool.drain()
    return pool.last_code


def prepare_trial(trial: Run, flags: dict[str, Any], stage: bool, ctx: RunContext) -> StartJob | None:
    """What a restart of the new trial does, less rewriting the attrs `create_trial` already
    wrote from the proto: resolve deps, then stage it (None) or return its start job."""
    from guild.engine import lifecycle, opconfig, plan as plan_mod, restart as restart_mod

    opts = RunOptions(restart=trial.id, yes=True, stage=stage)
    plan = plan_mod.plan_from_run(trial, flags=dict(flags))
    start_opts = RunOptions.from_mapping(restart_mod.merged_run_params(trial, opts))
    start_opts.quiet = start_opts.background = False
    start_opts.stop_after = start_opts.pidfile = None
    trial.write_attr("cmd", opconfig.build_cmd(plan.op_config, plan.flags, plan.project_dir))
    lifecycle.resolve_deps(trial, plan, start_opts, ctx, for_stage=stage)
    lifecycle.finish_init(trial)
    job = start_mod.job_for(trial, plan, start_opts, ctx)
    if stage:
        lifecycle.stage(trial, plan, job)
        return None
    return job
