"""`guild watch [RUN]`: stream a run's output, following it while the run is running
(runs.md §12.2)."""

from __future__ import annotations

import os
import sys
import time

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import GuildError
from guild.store.run import Run
from guild.util.procs import pid_alive

COMMAND = Command(
    "watch",
    "Watch run output.",
    options=[
        Opt(["-p", "--pid"], "pid", "value", metavar="PID",
            help="Watch the run associated with PID (a process ID or a pid file)."),
        *runsel.FILTER_OPTIONS,
        runsel.remote_option("Watch a run on REMOTE rather than a local run."),
    ],
    args=[runsel.RUN_ARG],
)

_POLL = 0.1
# How long to wait, once the op process is gone, for `guild run` to write the rest of the output
# and the exit status (it removes LOCK last).
_FINISH_TIMEOUT = 10.0


def main(args) -> int:
    runsel.reject_storage_remote(args, "watch")
    if args.pid:
        run = run_for_pid_arg(args.pid)
    elif args.run is None:
        run = _newest_running(args)
    else:
        run = runsel.select_one(args, COMMAND)
    return _watch(run)


def _newest_running(args) -> Run:
    for run in runsel.filtered_runs(args, COMMAND):
        if run.status == "running":
            return run
    raise GuildError("nothing to watch",
                     hint="You can view the output of a specific run using 'guild watch RUN'.")


def _watch(run: Run) -> int:
    try:
        sys.stderr.write(f"Watching run {run.id}\n")
        sys.stderr.flush()
        _tail(run)
    except KeyboardInterrupt:
        run.clear_cache()
        still = " (still running)" if run.status == "running" else ""
        sys.stderr.write(f"\nStopped watching {run.id}{still}\n")
        return 0
    run.clear_cache()
    sys.stderr.write(f"Run {run.id} stopped with a status of '{run.status}'\n")
    return 0


def _tail(run: Run) -> None:
    """Copy `.guild/output` to stdout, then keep copying what is added while the run's process
    lives and until `guild run` has finished with the run (LOCK removed)."""
    out = sys.stdout.buffer
    pid = run.pid
    if pid is not None and not pid_alive(pid):
        pid = None  # a stale LOCK: the run is not running
    f = None
    gone_at = None
    try:
        while True:
            done = pid is None or _finished(run, pid)
            if f is None:
                f = _open(run.guild_path("output"))
            if f is not None:
                _copy(f, out)
            if done:
                return
            if not pid_alive(pid):
                gone_at = gone_at or time.monotonic()
                if time.monotonic() - gone_at > _FINISH_TIMEOUT:
                    pid = None  # the owning `guild` died too: show what there is and stop
            time.sleep(_POLL)
    finally:
        if f is not None:
            f.close()


def _finished(run: Run, pid: int) -> bool:
    return not pid_alive(pid) and not os.path.exists(run.guild_path("LOCK"))


def _open(path: str):
    try:
        return open(path, "rb")
    except OSError:
        return None


def _copy(f, out) -> None:
    while True:
        chunk = f.read(1 << 16)
        if not chunk:
            break
        out.write(chunk)
    out.flush()


# ---- --pid


def run_for_pid_arg(arg: str) -> Run:
    """The run `--pid` names: `<run dir>/.guild/JOB`, a pid file, or a pid. A pid matches the
    run whose op process has that pid or is a child of that pid (e.g. of its `guild run`)."""
    job_dir = _job_run_dir(arg)
    if job_dir:
        return Run.for_dir(job_dir)
    pid = _read_pid(arg)
    if pid is not None:
        from guild import api

        for run in api.runs():
            run_pid = run.pid
            if run_pid is not None and (run_pid == pid or _parent_pid(run_pid) == pid):
                return run
    raise GuildError(f"cannot find run for pid {pid if pid is not None else arg}")


def _job_run_dir(arg: str) -> str | None:
    path = os.path.abspath(os.path.expanduser(arg))
    if os.path.basename(path) != "JOB" or os.path.basename(os.path.dirname(path)) != ".guild":
        return None
    run_dir = os.path.dirname(os.path.dirname(path))
    from guild.store.run import is_run_dir

    return run_dir if is_run_dir(run_dir) else None


def _read_pid(arg: str) -> int | None:
    if arg.strip().isdigit():
        return int(arg)
    try:
        with open(os.path.expanduser(arg)) as f:
            text = f.read(32).strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _parent_pid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return _psutil_parent(pid)
    fields = stat[stat.rfind(b")") + 2:].split()
    return int(fields[1]) if len(fields) > 1 else None


def _psutil_parent(pid: int) -> int | None:
    try:
        import psutil  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return psutil.Process(pid).ppid()
    except psutil.Error:
        return None
