"""`guild export` (= `guild runs export`): copy or move runs to a directory or zip file (runs.md §11.10)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Arg, Command, Opt
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "export",
    "Export runs.",
    options=[
        Opt(["-m", "--move"], "move", help="Move exported runs rather than copy."),
        Opt(["-r", "--copy-resources"], "copy_resources",
            help="Copy resources for each exported run. By default, resources are linked."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before exporting."),
    ],
    args=[Arg("location", "1", "LOCATION"), runsel.RUNS_ARG],
)


def main(args) -> int:
    import os

    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    location = args.location
    if not manage.is_zip_path(location) and os.path.exists(location) and not os.path.isdir(location):
        raise GuildError(f"'{location}' is not a directory")
    runs = runsel.select_runs(args, COMMAND)
    if not runs:
        log.info("No runs to export.")
        return 0
    header = f"You are about to {'move' if args.move else 'copy'} the following runs to '{location}':"
    if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    if args.copy_resources and not args.yes:
        log.warning("You specified --copy-resources, which will copy resources used by each run.")
        if not confirm.confirm("Really copy resources exported runs?", default=False):
            raise Aborted(quiet=True)
    exported = manage.export_runs(runs, location, move=args.move, copy_resources=args.copy_resources)
    log.info(f"Exported {len(exported)} run(s) to {location}")
    return 0
