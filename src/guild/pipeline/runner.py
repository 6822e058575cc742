"""The steps runner: the process of a pipeline run. For each step it resolves the step's run dir
from its link (creating the link first), then runs or restarts the step through the engine API
in-process (pipelines-and-batches.md §1.4–1.5, §2.4)."""

from __future__ import annotations

import os
import sys

from guild.engine.options import RunOptions
from guild.errors import GuildError, report
from guild.pipeline.steps import PASSED_OPTIONS, Step, parse_steps, resolve_step_flags
from guild.store.run import Run
from guild.util import log

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def main() -> None:
    """The runner's own lines use `LEVEL: [guild] ...`; each step logs as `guild run` does,
    because the original ran steps as separate `guild run` processes."""
    try:
        code = run_pipeline(Run.for_dir(os.environ["RUN_DIR"]))
    except GuildError as e:
        code = report(e)
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.exit(code)


def run_pipeline(pipeline: Run) -> int:
    _enter_pipeline(pipeline)
    steps_data = pipeline.get("steps") or []
    params = pipeline.get("run_params") or {}
    flags = pipeline.get("flags") or {}
    model = pipeline.opref.model_name if pipeline.opref else ""
    steps = parse_steps(steps_data, model, params)
    if not steps:
        log.runner("WARNING", f"no steps defined for run {pipeline.id}")
        return 0
    cwd = os.environ.get("PROJECT_DIR") or os.environ.get("CMD_DIR")
    if cwd:
        os.chdir(cwd)
    os.environ["NO_WARN_RUNDIR"] = "1"
    for step in steps:
        code = _run_step(pipeline, step, flags, params)
        if code != 0:
            return code
        if step.expect:
            from guild.pipeline import checks

            checks.run_checks(step, _step_run(pipeline, step))
    return 0


# Encoded oprefs of the pipelines this process runs inside, one a line (outermost first).
_CHAIN_ENV = "GUILD_PIPELINE_CHAIN"


def _enter_pipeline(pipeline: Run) -> None:
    """Refuse a pipeline already running further up: a cycle in steps would start runs forever."""
    from guild.store.opref import OpRef

    me = pipeline.opref
    if me is None:
        return
    chain = [ref for ref in map(OpRef.parse, os.environ.get(_CHAIN_ENV, "").splitlines()) if ref]
    for i, ref in enumerate(chain):
        if ref.same_op(me):
            names = [r.base_desc() for r in chain[i:]] + [me.base_desc()]
            raise GuildError(f"cycle in steps ({' -> '.join(names)})")
    os.environ[_CHAIN_ENV] = "\n".join([ref.encode() for ref in chain] + [me.encode()])


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


def _run_step(pipeline: Run, step: Step, pipeline_flags: dict[str, Any], params: dict) -> int:
    from guild.engine import run as run_mod
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
    extra_env = {"NO_WARN_RUNDIR": "1"}
    if step.isolate_runs:
        os.environ["GUILD_RUNS_PARENT"] = pipeline.id
        extra_env["GUILD_RUNS_PARENT"] = pipeline.id
    else:
        os.environ.pop("GUILD_RUNS_PARENT", None)
    sys.stdout.flush()
    return run_mod.run(RunOptions.from_mapping(opts), extra_env=extra_env)


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
