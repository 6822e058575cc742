"""`guild runs delete` / `guild runs rm`: move runs to the trash, or delete them for good (runs.md §11.2)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "runs delete",
    "Delete one or more runs.",
    options=[
        Opt(["-p", "--permanent"], "permanent", help="Permanently delete runs so they cannot be restored."),
        Opt(["-A", "--archive"], "archive", "value", metavar="PATH",
            help="Delete runs from an archive directory (they are moved to the trash)."),
        *runsel.FILTER_OPTIONS,
        runsel.remote_option("Delete runs on REMOTE rather than local runs."),
        Opt(["-y", "--yes"], "yes", help="Do not prompt before deleting."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild import api
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    root = _archive_root(args.archive, args.permanent)
    runs = runsel.select_runs(args, COMMAND, root=root)
    if not runs:
        log.info("Nothing to delete.")
        return 0
    if args.permanent:
        header = "WARNING: You are about to permanently delete the following runs:"
        prompt, default = f"Permanently delete {len(runs)} run(s)?", False
    else:
        header = "You are about to delete the following runs:"
        prompt, default = f"Delete {len(runs)} run(s)?", True
    if not confirm.preview_and_confirm(header, runs, prompt, default, yes=args.yes):
        raise Aborted(quiet=True)
    if args.remote:
        from guild.remotes.config import remote_for

        remote_for(args.remote).delete([r.id for r in runs], permanent=args.permanent)
        log.info(f"{'Permanently deleted' if args.permanent else 'Deleted'} {len(runs)} run(s)")
        return 0
    if args.permanent:
        for run in runs:
            manage.check_in_store(run.path)
    running = [r for r in runs if r.status == "running" and not r.remote]
    if running and not args.yes:
        log.warning("One or more runs are still running and will be stopped before being deleted.")
        if not confirm.confirm("Really delete these runs?", default=False):
            raise Aborted(quiet=True)
    for run in running:
        log.info(f"Stopping {run.id} (pid {run.pid})")
    api.delete_runs(runs, permanent=args.permanent)
    log.info(f"{'Permanently deleted' if args.permanent else 'Deleted'} {len(runs)} run(s)")
    return 0


def _archive_root(archive: str | None, permanent: bool) -> str | None:
    """The runs dir to select from: None (this home) or an archive directory."""
    if not archive:
        return None
    import os

    from guild.store import manage

    # Permanent deletion only ever touches this Guild home.
    if permanent:
        raise GuildError("--permanent and --archive cannot both be specified", hint=try_line(COMMAND))
    path = os.path.expanduser(archive)
    if manage.is_zip_path(path) and os.path.isfile(path):
        raise GuildError(f"cannot delete runs from zip archive '{archive}'")
    return manage.archive_runs_dir(path)
