"""`guild api runs`: the selected runs as JSON."""

from __future__ import annotations

from guild.cli import jsonout, runsel
from guild.util.cmdline import Command, Opt

COMMAND = Command(
    "api runs",
    "Show runs as JSON.",
    options=[
        Opt(["-f", "--format"], "format", help=jsonout.FORMAT_OPT_HELP),
        Opt(["-d", "--deleted"], "deleted", help="Show deleted runs."),
        Opt(["-A", "--archive"], "archive", "value", metavar="PATH", help="Show archived runs in PATH."),
        *runsel.FILTER_OPTIONS,
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    runs = runsel.select_runs(args, COMMAND) if args.runs else runsel.filtered_runs(args, COMMAND)
    jsonout.write([jsonout.run_detail(run) for run in runs], args.format)
    return 0
