"""`guild runs restore`: move trashed runs back to the runs dir (runs.md §11.3)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import Aborted

COMMAND = Command(
    "runs restore",
    "Restore deleted runs.",
    options=[
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before restoring."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild import api
    from guild.cli import confirm
    from guild.store import home
    from guild.util import log

    runs = runsel.select_runs(args, COMMAND, root=home.trash_runs_dir())
    if not runs:
        log.info("Nothing to restore.")
        return 0
    header = "You are about to restore the following runs:"
    if not confirm.preview_and_confirm(header, runs, f"Restore {len(runs)} run(s)?", yes=args.yes):
        raise Aborted(quiet=True)
    api.restore_runs(runs)
    log.info(f"Restored {len(runs)} run(s)")
    return 0
