"""The batch runner: the process of a batch run. It generates trials from the proto's flags with
the batch's optimizer, creates each trial run and runs it in-process through the engine API
(pipelines-and-batches.md §4.2–4.6, §5)."""

from __future__ import annotations

import os
import sys

from guild.batch import optimizers, trials as trials_mod
from guild.engine.options import RunOptions
from guild.errors import GuildError, report
from guild.store import home as home_mod
from guild.store.run import Run
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def main() -> None:
    log.set_runner_format(True)
    try:
        code = run_batch(Run.for_dir(os.environ["RUN_DIR"]))
    except GuildError as e:
        code = report(e)
    except KeyboardInterrupt:
        log.info("Stopping batch")
        code = 130
    sys.stdout.flush()
    sys.exit(code)


def run_batch(batch: Run) -> int:
    proto = batch.batch_proto
    if proto is None:
        raise GuildError(f"missing batch proto in {batch.path}")
    opt = optimizers.for_opref(batch.opref.model_name, batch.opref.op_name)
    cwd = os.environ.get("CMD_DIR")
    if cwd and os.path.isdir(cwd):
        os.chdir(cwd)
    flags = dict(proto.get("flags") or {})
    max_trials = batch.get("max_trials")
    seed = batch.get("random_seed")
    stage = bool(batch.get("stage_trials"))
    params = batch.get("run_params") or {}
    fail_on_error = bool(params.get("fail_on_trial_error"))
    runs_dir = os.path.dirname(batch.path) if _under_runs(batch) else home_mod.runs_dir()
    if opt.sequential:
        from guild.batch import sequential

        return sequential.run(batch, proto, opt, flags, max_trials, seed, runs_dir, fail_on_error, run_trial)
    trial_flags = generate(opt, flags, proto.get("user_flags") or {}, proto.get("trials") or [], max_trials, seed)
    created = [trials_mod.create_trial(batch, proto, tf, runs_dir) for tf in trial_flags]
    for trial in created:
        code = run_trial(trial, stage)
        if code != 0 and fail_on_error:
            log.error("Stopping batch because a trial failed (pending trials can be started as needed)")
            return code
    return 0


def _under_runs(batch: Run) -> bool:
    return os.path.realpath(os.path.dirname(batch.path)) == os.path.realpath(home_mod.runs_dir())


def generate(opt, flags: dict[str, Any], user_flags: dict[str, Any], file_trials: list, max_trials,
             seed) -> list[dict[str, Any]]:
    """The trial flags of a `+` or random batch, all generated up front."""
    if opt.name == "+":
        if file_trials:
            return trials_mod.file_grid_trials(flags, user_flags, file_trials, max_trials, seed)
        return trials_mod.grid_trials(flags, max_trials, seed)
    return trials_mod.random_trials(flags, max_trials or opt.default_max_trials or 20, seed)


def run_trial(trial: Run, stage: bool = False) -> int:
    """Run (or stage) a pending trial in-process, like `guild run --restart <id> -y`."""
    status = trial.status
    if status != "pending":
        log.info(f"Skipping {trial.id} because its status is '{status}' (expected 'pending')")
        return 0
    flags = trial.get("flags") or {}
    op = trial.opref.base_desc() if trial.opref else "?"
    verb = "Staging" if stage else "Running"
    log.info(f"{verb} trial {trial.id}: {op} ({trials_mod.flags_desc(flags)})")
    sys.stdout.flush()
    msg = None
    try:
        code = _start_trial(trial, flags, stage)
    except GuildError as e:
        code, msg = e.exit_code, e.message
    if code == 0:
        return 0
    if msg:
        log.error(f"Trial {trial.id} exited with an error: ({code}) {msg}")
    elif trial.status == "terminated":
        log.info(f"Trial {trial.id} was terminated")
    else:
        log.error(f"Trial {trial.id} exited with an error ({code}) - see log for details")
    return code


def _start_trial(trial: Run, flags: dict[str, Any], stage: bool) -> int:
    """What a restart of the new trial does, less rewriting the attrs `create_trial` already
    wrote from the proto (a restart would write the same values): resolve deps, then start or
    stage."""
    from guild.engine import lifecycle, opconfig, restart as restart_mod, run as run_mod

    opts = RunOptions(restart=trial.id, yes=True, stage=stage)
    plan = restart_mod.plan_for_run(trial, opts, None, dict(flags), {})
    start_opts = RunOptions.from_mapping(restart_mod.merged_run_params(trial, opts))
    start_opts.quiet = start_opts.background = False
    start_opts.stop_after = start_opts.pidfile = None
    trial.write_attr("cmd", opconfig.build_cmd(plan.op_config, plan.flags, plan.project_dir))
    lifecycle.resolve_deps(trial, plan, start_opts, for_stage=stage)
    lifecycle.finish_init(trial)
    cmd_dir = os.getcwd()
    if stage:
        lifecycle.stage(trial, plan, start_opts, cmd_dir)
        return 0
    return run_mod.start_run(trial, plan, start_opts, cmd_dir, None)
