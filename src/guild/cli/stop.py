"""`guild stop` (= `guild runs stop`): stop running runs and their child processes (runs.md §11.9)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "stop",
    "Stop one or more runs.",
    options=[
        *runsel.COMMON_FILTER_OPTIONS,
        Opt(["-n", "--no-wait"], "no_wait", help="Don't wait for remote runs to stop."),
        Opt(["--force"], "force", help="Forcefully stop runs that do not stop on request."),
        Opt(["--timeout"], "timeout", "value", metavar="N", type=int, default=30, min=0,
            help="Seconds to wait for runs to stop (default is 30)."),
        runsel.remote_option("Stop runs on REMOTE rather than local runs."),
        Opt(["-y", "--yes"], "yes", help="Do not prompt before stopping."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    runsel.reject_storage_remote(args, "stop")
    if not args.runs:
        # With no RUN every running run is stopped (runs.md §14 item 14).
        args["filter_status"] = ["running"]
    runs = [r for r in runsel.select_runs(args, COMMAND) if not r.remote]
    if not runs:
        log.info("Nothing to stop.")
        return 0
    header = "You are about to stop the following runs:"
    if not confirm.preview_and_confirm(header, runs, f"Stop {len(runs)} run(s)?", default=False,
                                       yes=args.yes):
        raise Aborted(quiet=True)
    stuck: list[int] = []
    for run in runs:
        pid = run.pid
        if pid is None or not manage.pid_alive(pid):
            sys.stdout.write(f"Run {run.id} is not running\n")
            continue
        log.info(f"Stopping {run.id} (pid {pid})")
        stuck.extend(manage.stop_process(pid, args.timeout, args.force))
    if stuck:
        sys.stdout.write(f"The following processes did not stop as expected: {', '.join(map(str, stuck))}\n")
        raise GuildError(quiet=True)
    return 0
