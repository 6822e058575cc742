"""`guild runs purge`: permanently delete trashed runs (runs.md §11.4)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import Aborted

COMMAND = Command(
    "runs purge",
    "Permanently delete runs.",
    options=[
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before purging."),
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
        log.info("Nothing to purge.")
        return 0
    header = "WARNING: You are about to permanently delete the following runs:"
    prompt = f"Permanently delete {len(runs)} run(s)?"
    if not confirm.preview_and_confirm(header, runs, prompt, default=False, yes=args.yes):
        raise Aborted(quiet=True)
    api.purge_runs(runs)
    log.info(f"Permanently deleted {len(runs)} run(s)")
    return 0
