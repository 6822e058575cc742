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
        runsel.remote_option("Restore runs on REMOTE rather than local runs."),
        Opt(["-y", "--yes"], "yes", help="Do not prompt before restoring."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild import api
    from guild.cli import confirm
    from guild.util import log

    runs = runsel.select_runs(args, COMMAND, root=runsel.runs_root(args, deleted=True))
    if not runs:
        log.info("Nothing to restore.")
        return 0
    header = "You are about to restore the following runs:"
    if not confirm.preview_and_confirm(header, runs, f"Restore {len(runs)} run(s)?", yes=args.yes):
        raise Aborted(quiet=True)
    if args.remote:
        from guild.remotes.config import remote_for

        remote_for(args.remote).restore([r.id for r in runs])
    else:
        api.restore_runs(runs)
    log.info(f"Restored {len(runs)} run(s)")
    return 0
