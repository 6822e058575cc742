"""The steps runner: the process of a pipeline run. For each step it resolves the step's run dir
from its link (creating the link first), prepares the step as `guild run` would (a new run, a
restart, or a batch) and hands its start to an executor (pipelines-and-batches.md §1.4–1.5, §2.4)."""

from __future__ import annotations

import os
import sys

from guild.batch import launch
from guild.engine.context import RunContext
from guild.engine.process import SIGINT
from guild.engine.options import RunOptions
from guild.errors import GuildError, Interrupted, report, unexpected
from guild.executors.sequential import SequentialExecutor
from guild.pipeline.steps import PASSED_OPTIONS, Step, parse_steps, resolve_step_flags
from guild.store.run import Run
from guild.util import clock, log, procs, progress

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.executors.base import Executor


def main() -> None:
    """The runner's own lines use `LEVEL: [guild] ...`; each step logs as `guild run` does,
    because the original ran steps as separate `guild run` processes."""
    try:
        code = run_pipeline(Run.for_dir(os.environ["RUN_DIR"]), _process_context())
    except GuildError as e:
        code = report(e)
    except (KeyboardInterrupt, Interrupted) as e:
        procs.exit_by_signal(getattr(e, "signum", SIGINT))
    except Exception as e:  # one line, as the CLI gives it (LOG_LEVEL=10: the traceback)
        if log.debug_enabled():
            raise
        code = report(unexpected(e))
    sys.stdout.flush()
    sys.exit(code)


def _process_context() -> RunContext:
    """The steps' context: the pipeline's project dir (or the dir `guild run` was called from)."""
    cwd = os.environ.get("PROJECT_DIR") or os.environ.get("CMD_DIR")
    return RunContext.current(cwd=cwd or None, env={"NO_WARN_RUNDIR": "1"})


def run_pipeline(pipeline: Run, ctx: RunContext) -> int:
    ctx = _enter_pipeline(pipeline, ctx)
    steps_data = pipeline.get("steps") or []
    params = pipeline.get("run_params") or {}
    flags = pipeline.get("flags") or {}
    model = pipeline.opref.model_name if pipeline.opref else ""
    steps = parse_steps(steps_data, model, params)
    if not steps:
        log.runner("WARNING", f"no steps defined for run {pipeline.id}")
        return 0
    executor = SequentialExecutor(ctx.echo)
    started = clock.timestamp_us()
    for i, step in enumerate(steps, 1):
        code = _run_step(pipeline, step, flags, params, ctx, executor)
        if code != 0:
            return code
        if step.expect:
            from guild.pipeline import checks

            checks.run_checks(step, _step_run(pipeline, step))
        if progress.wanted():
            log.runner("INFO", f"step {i}/{len(steps)} completed - elapsed "
                               f"{clock.format_duration(started, clock.timestamp_us())}")
    return 0


# Encoded oprefs of the pipelines this process runs inside, one a line (outermost first).
_CHAIN_ENV = "GUILD_PIPELINE_CHAIN"


def _enter_pipeline(pipeline: Run, ctx: RunContext) -> RunContext:
    """The context of the pipeline's steps, with the pipeline added to the chain of pipelines
    running further up; a pipeline already in that chain is a cycle in steps, which would start
    runs forever."""
    from guild.store.opref import OpRef

    me = pipeline.opref
    if me is None:
        return ctx
    chain = [ref for ref in map(OpRef.parse, (ctx.getenv(_CHAIN_ENV) or "").splitlines()) if ref]
    for i, ref in enumerate(chain):
        if ref.same_op(me):
            names = [r.base_desc() for r in chain[i:]] + [me.base_desc()]
            raise GuildError(f"cycle in steps ({' -> '.join(names)})")
    return ctx.derive(env={_CHAIN_ENV: "\n".join([ref.encode() for ref in chain] + [me.encode()])})


def _step_run(pipeline: Run, step: Step) -> Run:
    return Run.for_dir(os.path.realpath(os.path.join(pipeline.path, step.link_name)))


def _resolve_step_dir(pipeline: Run, step: Step) -> tuple[str, bool]:
    """The step's run dir and whether it exists (restart) — creating the link for a new run."""
    from guild.engine.lifecycle import new_run_id

    link = os.path.join(pipeline.path, step.link_name)
    if os.path.islink(link) and os.path.isdir(link):
        return os.path.realpath(link), True
    if os.path.lexists(link) and not os.path.islink(link):
        raise GuildError(f"unexpected step run link {link}: expected symlink")
    if os.path.islink(link):
        os.unlink(link)
    run_id = new_run_id()
    os.symlink(os.path.join("..", run_id), link)
    return os.path.join(os.path.dirname(pipeline.path), run_id), False


def _run_step(pipeline: Run, step: Step, pipeline_flags: dict[str, Any], params: dict, ctx: RunContext,
              executor: Executor) -> int:
    from guild.engine import start
    from guild.flags import encode

    step_dir, exists = _resolve_step_dir(pipeline, step)
    flags = resolve_step_flags(step, pipeline_flags)
    flag_args = [encode.flag_assign(n, flags[n]) for n in sorted(flags)]
    passthrough: list[str] = []
    opts: dict[str, Any] = {"yes": True}
    if params.get("stage_trials"):
        passthrough.append("--stage-trials")
        opts["stage_trials"] = True
    if params.get("force_sourcecode"):
        passthrough.append("--force-sourcecode")
        opts["force_sourcecode"] = True
    if params.get("needed") and exists and Run.for_dir(step_dir).status == "completed":
        passthrough.append("--needed")
        opts["needed"] = True
    step_args = _step_option_args(step.options)
    opts.update(step.options)
    opts["flags"] = flag_args + step.batch_files
    if exists:
        opts["restart"] = os.path.basename(step_dir)
        words = [opts["restart"], *passthrough, *step_args, *step.batch_files, *flag_args]
        log.runner("INFO", f"restarting {step.name}: {' '.join(words)}")
    else:
        opts["run_dir"] = step_dir
        opts["keep_batch"] = True
        opts["opspec"] = step.opspec
        words = [step.opspec, *passthrough, *step_args, *step.batch_files, *flag_args]
        log.runner("INFO", f"running {step.name}: {' '.join(w for w in words if w)}")
    step_ctx = ctx.derive(env={"GUILD_RUNS_PARENT": pipeline.id if step.isolate_runs else None})
    sys.stdout.flush()
    prepared = launch.prepare(RunOptions.from_mapping(opts), step_ctx)
    if prepared.skip is not None:
        _log_skip(prepared.skip)
        return 0
    run = prepared.create()
    return start.exit_code_for(executor.submit(prepared.job(run)).result())


def _log_skip(skip) -> None:
    """What `guild run --needed` prints when a step has nothing to do."""
    for line in skip.lines():
        print(line)


def _step_option_args(options: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for name, opt in PASSED_OPTIONS:
        if name not in options:
            continue
        val = options[name]
        if isinstance(val, bool):
            if val:
                args.append(opt)
        elif isinstance(val, list):
            for item in val:
                args.extend([opt, str(item)])
        elif val is not None:
            args.extend([opt, str(val)])
    return args
