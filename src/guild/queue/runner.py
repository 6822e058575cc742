"""The `queue` operation's process: find staged runs, claim one (so that several queues never
start the same run), start it in this process as `guild run --start RUN -y` would, repeat.

A claim is `.guild/QUEUE-CLAIM`, holding the queue's process token; the claim of a queue that
died is taken over."""

from __future__ import annotations

import os
import sys
import time

from guild.engine.context import RunContext
from guild.engine.options import RunOptions
from guild.errors import GuildError, Interrupted, report, unexpected
from guild.store.run import Run, iter_runs
from guild.util import log, procs

CLAIM = "QUEUE-CLAIM"


def main(argv: list[str] | None = None) -> None:
    args = _parse(sys.argv[1:] if argv is None else argv)
    ctx = RunContext.current(cwd=os.environ.get("CMD_DIR") or None)
    from guild.engine import process

    process.trap_stop_signals()  # `guild stop` stops the run being started too
    try:
        code = run_queue(ctx, **args)
    except GuildError as e:
        code = report(e)
    except (KeyboardInterrupt, Interrupted) as e:
        procs.exit_by_signal(getattr(e, "signum", 2))
    except Exception as e:  # one line, as the CLI gives it
        if log.debug_enabled():
            raise
        code = report(unexpected(e))
    sys.stdout.flush()
    sys.exit(code)


def _parse(argv: list[str]) -> dict:
    """The queue's flags from its `--NAME VALUE` arguments."""
    from guild.flags.decode import decode_flag_value

    values = {"poll-interval": 10, "run-once": False, "wait-for-running": False, "gpus": None}
    args = [a for a in argv if a != "--"]
    for name, value in zip(args[::2], args[1::2]):
        values[name.lstrip("-")] = decode_flag_value(value)
    return {"poll_interval": float(values["poll-interval"] or 10), "run_once": bool(values["run-once"]),
            "wait_for_running": bool(values["wait-for-running"]),
            "gpus": None if values["gpus"] is None else str(values["gpus"])}


def run_queue(ctx: RunContext, poll_interval: float = 10, run_once: bool = False,
              wait_for_running: bool = False, gpus: str | None = None) -> int:
    own_id = os.environ.get("RUN_ID")
    waiting_logged = False
    while True:
        started = 0
        for run in staged_runs(ctx.runs_dir):
            if wait_for_running and _others_running(ctx.runs_dir, own_id):
                break
            if not _claim(run):
                continue
            try:
                run.clear_cache()
                if run.status != "staged":  # started meanwhile by another queue or a user
                    continue
                waiting_logged = False
                log.info(f"Starting staged run {run.id}")
                _start(run, gpus, ctx)
                started += 1
            finally:
                _release(run)
        if run_once:
            return 0
        if not started and not waiting_logged:
            log.info("Waiting for staged runs")
            waiting_logged = True
        time.sleep(poll_interval)


def staged_runs(runs_dir: str) -> list[Run]:
    """Staged runs, oldest first (the order they were staged in)."""
    staged = [r for r in iter_runs(runs_dir) if r.has_marker("STAGED") and r.status == "staged"]
    return sorted(staged, key=lambda r: r.get("initialized") or r.timestamp or 0)


def _others_running(runs_dir: str, own_id: str | None) -> bool:
    for run in iter_runs(runs_dir):
        if run.id != own_id and run.has_marker("LOCK") and run.status == "running":
            opref = run.opref
            if not (opref and opref.pkg_type == "builtin" and opref.op_name == "queue"):
                return True
    return False


def _claim(run: Run) -> bool:
    """Take the run for this queue. The claim appears with its owner already in it (a temp file
    hard-linked into place), so another queue never reads an empty claim as an abandoned one."""
    path = run.guild_path(CLAIM)
    tmp = f"{path}.{os.getpid()}"
    try:
        with open(tmp, "w") as f:
            f.write(procs.process_token())
    except OSError:
        return False
    try:
        for _ in range(2):
            try:
                os.link(tmp, path)
                return True
            except FileExistsError:
                if not _abandoned(path):
                    return False
            except OSError:
                return False
        return False
    finally:
        os.remove(tmp)


def _abandoned(path: str) -> bool:
    """Whether the claim at `path` is of a queue that is gone (then it is removed)."""
    try:
        with open(path) as f:
            owner = f.read().strip()
    except OSError:
        return False
    if procs.token_alive(owner):
        return False
    try:
        os.remove(path)
    except OSError:
        return False
    return True


def _release(run: Run) -> None:
    try:
        os.remove(run.guild_path(CLAIM))
    except OSError:
        pass


def _start(run: Run, gpus: str | None, ctx: RunContext) -> None:
    from guild.batch.launch import prepare

    opts = RunOptions(restart=run.id, yes=True, gpus=gpus)
    try:
        prepare(opts, ctx).start()
    except GuildError as e:
        log.error(f"Run {run.id} could not be started: {e.message}")
