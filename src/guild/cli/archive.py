"""`guild archive [NAME] [RUN...]`: move (or copy) runs to a named archive, create and list named
archives (runs.md §12.4). Archived runs are seen with `-A NAME` (`runs list`, `import`,
`runs delete`)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Arg, Command, Opt, usage_error
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "archive",
    "Archive runs.",
    options=[
        Opt(["-l", "--list"], "list", help="List archives."),
        Opt(["--create"], "create", help="Create the archive NAME."),
        Opt(["--description"], "description", "value", metavar="TEXT",
            help="Description of a new archive (use with --create)."),
        Opt(["--copy"], "copy", help="Copy runs to the archive rather than move them."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before archiving."),
    ],
    args=[Arg("name", "?", "NAME"), runsel.RUNS_ARG],
    epilog="""\
  Moves the selected runs (by default all) to the archive NAME, or copies them
  with --copy. Use --create to make a new archive. Archived runs are listed with
  'guild runs -A NAME', brought back with 'guild import NAME' and removed with
  'guild runs rm -A NAME'.""",
)


def main(args) -> int:
    from guild.store import archives

    if args.list:
        if args.name or args.create:
            raise GuildError("--list cannot be used with NAME or --create",
                             hint=f"Try 'guild {COMMAND.path} --help' for more information.")
        _print_archives(archives.list_archives())
        return 0
    if not args.name:
        raise usage_error(COMMAND, "missing argument for NAME")
    if args.description and not args.create:
        raise GuildError("--description can only be used with --create",
                         hint=f"Try 'guild {COMMAND.path} --help' for more information.")
    runs = _runs_to_archive(args)
    archive = archives.find_archive(args.name)
    if args.create and archive is not None:
        raise GuildError(f"archive '{args.name}' already exists")
    if not args.create and archive is None:
        raise GuildError(
            f"archive '{args.name}' does not exist",
            hint="Try 'guild archive --list' for a list of archives or use --create to create it.")
    if runs and not _confirm(args, runs):
        raise Aborted(quiet=True)
    return _archive(args, runs, archive)


def _runs_to_archive(args) -> list:
    """The selected runs; running runs are left out when moving (moving would break them)."""
    from guild.util import log

    runs = runsel.select_runs(args, COMMAND)
    if args.copy:
        return runs
    kept = []
    for run in runs:
        if run.status == "running":
            log.warning(f"run {run.short_id} is running - skipping")
        else:
            kept.append(run)
    return kept


def _confirm(args, runs: list) -> bool:
    from guild.cli import confirm

    verb = "copy" if args.copy else "move"
    header = f"You are about to {verb} the following runs to archive '{args.name}':"
    return confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes)


def _archive(args, runs: list, archive) -> int:
    from guild.store import archives, manage
    from guild.util import log

    if archive is None:
        archive = archives.create_archive(args.name, args.description)
        log.info(f"Created archive '{args.name}'")
    if not runs:
        log.info("No runs to archive.")
        return 0
    done = manage.export_runs(runs, archive.path, move=not args.copy)
    log.info(f"{'Copied' if args.copy else 'Moved'} {len(done)} run(s) to archive '{args.name}'")
    return 0


def _print_archives(found: list) -> None:
    if not found:
        return
    from guild.cli.format import format_table

    table = format_table([[a.label, a.description or ""] for a in found])
    print("\n".join(line.rstrip() for line in table.split("\n")))
