"""`guild import` (= `guild runs import`): copy or move runs from an export directory, zip file or
named archive into this Guild home (runs.md §11.10)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Arg, Command, Opt
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "import",
    "Import runs.",
    options=[
        Opt(["-m", "--move"], "move", help="Move imported runs rather than copy."),
        Opt(["--copy-resources"], "copy_resources",
            help="Copy resources for each imported run. By default, resources are linked."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before importing."),
    ],
    args=[Arg("archive", "1", "ARCHIVE"), runsel.RUNS_ARG],
)


def main(args) -> int:
    import os
    import shutil
    import tempfile

    from guild.store import manage

    archive = args.archive
    path = os.path.expanduser(archive)
    if os.path.isfile(path):
        import zipfile

        if not zipfile.is_zipfile(path):
            raise GuildError(f"invalid archive {archive} - expected a directory or a zip file")
        if args.move:
            raise GuildError("'--move' cannot be used with zip archives")
        tmp = tempfile.mkdtemp(prefix="guild-import-")
        try:
            manage.unpack_zip(path, tmp)
            return _import(args, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _import(args, manage.archive_runs_dir(path))


def _import(args, root: str) -> int:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    runs = runsel.select_runs(args, COMMAND, root=root)
    if not runs:
        log.info("No runs to import.")
        return 0
    header = (f"You are about to import ({'move' if args.move else 'copy'}) the following runs "
              f"from '{args.archive}':")
    if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    imported = manage.import_runs(runs, move=args.move, copy_resources=args.copy_resources)
    log.info(f"Imported {len(imported)} run(s) from {args.archive}")
    return 0
