"""`guild mark` (= `guild runs mark`): mark or unmark runs (runs.md §11.8)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import Aborted

COMMAND = Command(
    "mark",
    "Mark a run.",
    options=[
        Opt(["-c", "--clear"], "clear", help="Clear the run's selected designation."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before marking."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    if not args.runs:
        # With no RUN both forms only consider marked runs (runs.md §11.8, §14 item 1).
        args["filter_marked"] = True
    runs = runsel.select_runs(args, COMMAND, default_spec=":" if args["clear"] else "1")
    if not runs:
        log.info("No runs to unmark." if args["clear"] else "No runs to mark.")
        return 0
    if args["clear"]:
        header, result = "You are about to unmark the following runs:", "Unmarked"
    else:
        header, result = "You are about to mark the following runs:", "Marked"
    if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    for run in runs:
        manage.set_marked(run, not args["clear"])
    log.info(f"{result} {len(runs)} run(s)")
    return 0
