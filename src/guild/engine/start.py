"""Starting a created run: its process started from the run's plan, output teed to the run and
to the context's echo, scalars captured, exit status recorded (runs.md §2.9, spec §5.4).

`StartJob` is the unit an executor runs: a created run's directory plus the values its start
needs, plain data that can be sent to another thread, process or machine."""

from __future__ import annotations

import os

from guild.engine import environ, facts, opconfig, process, sysmetrics
from guild.errors import GuildError, Interrupted
from guild.store.run import Run
from guild.util import clock, files

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

    from guild.engine.context import Echo, RunContext
    from guild.engine.options import RunOptions
    from guild.engine.plan import RunPlan


class StartJob:
    """A created run to start, and how: its dir, the command's dir, the Guild home, the base
    environment of its process and the start options. Where it was made, it also carries the
    run and its plan (`run`, `plan`: not sent elsewhere, where they are read back from the run)."""

    _SENT = ("run_dir", "cmd_dir", "home", "environ", "quiet", "stop_after", "gpus", "no_gpus",
             "env_secrets", "pip_freeze", "keep_run", "sourcecode_path")
    __slots__ = _SENT + ("run", "plan")

    def __init__(self, run_dir: str, cmd_dir: str, home: str, environ: dict[str, str], *,
                 quiet: bool = False, stop_after: float | None = None, gpus: str | None = None,
                 no_gpus: bool = False, env_secrets: list[str] | None = None,
                 pip_freeze: bool = True, keep_run: bool = False, sourcecode_path: str | None = None):
        self.run_dir = run_dir
        self.cmd_dir = cmd_dir
        self.home = home
        self.environ = environ
        self.quiet = quiet
        self.stop_after = stop_after
        self.gpus = gpus
        self.no_gpus = no_gpus
        self.env_secrets = env_secrets or []
        self.pip_freeze = pip_freeze
        self.keep_run = keep_run
        self.sourcecode_path = sourcecode_path  # --debug-sourcecode: import the op from here
        self.run: Run | None = None
        self.plan: RunPlan | None = None

    def __repr__(self) -> str:
        return f"<StartJob {os.path.basename(self.run_dir)}>"

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self._SENT}

    def __setstate__(self, state: dict) -> None:
        for name, val in state.items():
            setattr(self, name, val)
        self.run = self.plan = None


def job_for(run: Run, plan: RunPlan, opts: RunOptions, ctx: RunContext) -> StartJob:
    """The job that starts `run` (created from `plan`) with the start options in `opts`."""
    environ = ctx.environ
    if _progress_on_terminal(ctx) and "GUILD_PROGRESS" not in environ:
        # batch and pipeline processes write to a pipe: this says a person is watching
        environ = {**environ, "GUILD_PROGRESS": "1"}
    if opts.break_ or opts.break_on_error:  # pdb settings the op launcher reads
        environ = dict(environ)
        if opts.break_:
            environ["PDB_BREAKS"] = " ".join(opts.break_)
        if opts.break_on_error:
            environ["BREAK_ON_ERROR"] = "1"
    job = StartJob(
        run.path, ctx.cwd, ctx.home, environ, quiet=opts.quiet, stop_after=opts.stop_after,
        gpus=opts.gpus, no_gpus=opts.no_gpus, env_secrets=plan.env_secrets,
        pip_freeze=_wants_pip_freeze(plan, ctx), keep_run=opts.keep_run,
        sourcecode_path=ctx.path(opts.debug_sourcecode) if opts.debug_sourcecode else None,
    )
    job.run = run
    job.plan = plan
    return job


def _progress_on_terminal(ctx: RunContext) -> bool:
    import sys

    from guild.engine.context import terminal_echo

    if ctx.echo is not terminal_echo or ctx.is_set("NO_PROGRESS"):
        return False
    try:
        return sys.stderr.isatty()
    except ValueError:
        return False


def run_job(job: StartJob, echo: Echo | None) -> int:
    """Start the job's run, wait for its process, record its exit; returns the exit status
    (negative: killed by that signal). When a stop signal (Ctrl-C, SIGTERM, SIGHUP) reaches this
    process meanwhile, the op is stopped, recorded `terminated` and `process.Interrupted` raised. A job sent elsewhere reads its plan back from the run,
    so it runs the same wherever it goes. A run configured for deletion on success is moved to
    the trash when it succeeds (`run.path` then names its new place)."""
    run = job.run or Run.for_dir(job.run_dir)
    plan = job.plan
    if plan is None:
        from guild.engine.plan import plan_from_run

        plan = plan_from_run(run)
    status = _start(run, plan, job, None if job.quiet else echo)
    if status == 0 and plan.op_config.get("delete-on-success") and not job.keep_run:
        if run.batch_proto is None:
            from guild.util import log

            log.info(f"Deleting interim run {run.id} ('{plan.op_desc}' is configured for deletion on success)")
        move_to_trash(run, os.path.join(job.home, "trash", "runs"))
    return status


def _start(run: Run, plan: RunPlan, job: StartJob, echo: Echo | None) -> int:
    op = plan.op_config
    if job.pip_freeze:
        run.write_attr("pip_freeze", facts.pip_freeze())
    run.set_marker("STAGED", False)
    files.remove_if_exists(run.guild_path(STOP_REQUEST))  # left by a stop that came too late
    run.write_attr("started", clock.timestamp_us())
    env = process_env(run, plan, job)
    run.write_attr("env", environ.saved_env(env, job.env_secrets))
    argv = opconfig.build_cmd(op, plan.flags, plan.project_dir)
    capture = env.get("NO_RUN_OUTPUT") != "1"
    tee = None
    if capture:
        tee = process.OutputTee(run.guild_path(), echo, _scalar_handler(run, plan))
    try:
        proc = process.spawn(argv, run.path, env, capture)
    except Exception:
        if tee:
            tee.close()
        raise
    run.set_marker("LOCK", content=str(proc.pid))
    stop_kill_delay = float(env.get("STOP_AFTER_KILL_DELAY") or 30)
    saved_handlers = process.trap_stop_signals()
    sampler = sysmetrics.start(run.guild_path(), run.path, env, _is_runner(argv))
    try:
        code, signum = process.wait_with_tee(proc, tee, job.stop_after, stop_kill_delay, _stop_grace(argv),
                                             stop_file=run.guild_path(STOP_REQUEST))
    finally:
        if sampler is not None:
            sampler.stop()
        process.restore_signals(saved_handlers)
    _finish(run, code)
    if signum is not None:
        raise Interrupted(signum)
    return code


# A file another process writes into a running run's .guild (the signal number) to stop it where
# signals cannot reach: a trial running in a thread, here or on a Dask worker.
STOP_REQUEST = "STOP-REQUEST"


def _stop_grace(argv: list[str]) -> float:
    """How long an interrupted op may take to exit: longer for a batch or pipeline process, which
    stops its own trial or step first."""
    return process.RUNNER_STOP_GRACE if _is_runner(argv) else process.STOP_GRACE


def _is_runner(argv: list[str]) -> bool:
    """Whether the op is a batch or pipeline process (which runs trials or steps as runs)."""
    return "guild.batch_main" in argv or "guild.steps_main" in argv


def process_env(run: Run, plan: RunPlan, job: StartJob) -> dict[str, str]:
    """The environment of the run's process (spec §5.6)."""
    return environ.process_env(
        job.environ, plan.op_config, plan.flags,
        guild_op=plan.guild_op, guild_home=job.home, run_dir=run.path, run_id=run.id,
        cmd_dir=job.cmd_dir, gpus=job.gpus, no_gpus=job.no_gpus, sourcecode_path=job.sourcecode_path,
    )


def _wants_pip_freeze(plan: RunPlan, ctx: RunContext) -> bool:
    if ctx.is_set("NO_PIP_FREEZE") or plan.is_pipeline:
        return False
    if plan.opdef is not None and plan.opdef.pip_freeze is False:
        return False
    args = (plan.op_config.get("op-cmd") or {}).get("cmd-args") or []
    return "guild.op_main" in args


def _finish(run: Run, code: int) -> None:
    if not os.path.isdir(run.guild_path()):
        from guild.util import log

        log.warning(f"run directory {run.path} was removed while the run was running")
        return
    run.write_attr("exit_status", code)
    run.write_attr("stopped", clock.timestamp_us())
    run.set_marker("LOCK", False)


def _scalar_handler(run: Run, plan: RunPlan):
    """A line handler that captures output scalars and attributes into the run's TF event files."""
    return output_handler(run, plan.op_config.get("output-scalars"), plan.op_config.get("output-attrs"),
                          set(plan.flags))


def output_handler(run: Run, scalars_config: Any, attrs_config: Any, flag_names: set[str]):
    """A line handler writing the output scalars and attributes `scalars_config` and
    `attrs_config` find (None: Guild's default patterns; False or []: none) into the run's TF
    event files; None when neither is on."""
    scalars_on = scalars_config is not False and scalars_config != []
    attrs_on = attrs_config is not False and attrs_config != []
    if not scalars_on and not attrs_on:
        return None
    from guild.scalars.events import EventWriter
    from guild.scalars.patterns import OutputAttrs, OutputScalars

    scalars = OutputScalars(scalars_config, flag_names) if scalars_on else None
    attrs = OutputAttrs(attrs_config, flag_names) if attrs_on else None
    writers: dict[str, EventWriter] = {}

    def writer(suffix: str) -> EventWriter:
        if suffix not in writers:
            writers[suffix] = EventWriter(run.guild_path(), suffix)
        return writers[suffix]

    def on_line(raw: bytes) -> None:
        line = raw.decode("utf-8", "ignore").rstrip()
        found = scalars.feed_line(line) if scalars else []
        for key, value, step in found:
            writer("").add_scalar(key, value, step)
        if attrs:
            for key, text in attrs.feed_line(line, {k for k, _, _ in found}):
                writer(".attrs").add_text(key, text)

    return on_line


def exit_code_for(status: int) -> int:
    """The exit code of `guild run` for a run's exit status."""
    return status if status >= 0 else 256 + status


def move_to_trash(run: Run, trash_dir: str) -> None:
    """Move a run to the trash (delete-on-success ops and successful batches)."""
    import shutil

    os.makedirs(trash_dir, exist_ok=True)
    dest = os.path.join(trash_dir, run.id)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    try:
        shutil.move(run.path, dest)
    except OSError as e:
        raise GuildError(f"cannot move run {run.id} to the trash: {e}") from None
    run.path = dest
