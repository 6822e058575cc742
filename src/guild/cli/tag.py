"""`guild tag` (= `guild runs tag`): add, delete, clear or list run tags (runs.md §11.6)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "tag",
    "Add or remove run tags.",
    options=[
        Opt(["-a", "--add"], "add", "multi", metavar="TAG", help="Add TAG to the runs. May be used multiple times."),
        Opt(["-d", "--delete"], "delete", "multi", metavar="TAG",
            help="Delete TAG from the runs. May be used multiple times."),
        Opt(["-c", "--clear"], "clear", help="Clear all tags from the runs."),
        Opt(["-s", "--sync-labels"], "sync_labels", help="Update run labels to reflect tag changes."),
        Opt(["--list-all"], "list_all", help="List all tags used by the selected runs."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before modifying tags."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    _check_args(args)
    if args.list_all:
        return _list_all(args)
    runs = runsel.select_runs(args, COMMAND, default_spec="1")
    if not runs:
        log.info("No runs to modify.")
        return 0
    if args.sync_labels:
        note = "Labels are updated to reflect the latest tags."
    else:
        note = "Labels are not updated - use --sync-labels to apply changes run labels."
    header = f"You are about to modify tags for the following runs:\n{note}"
    if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    for run in runs:
        old = manage.run_tags(run)
        run.write_attr("tags", manage.updated_tags(old, args.add, args.delete, args["clear"]))
        if args.sync_labels:
            removed = old if args["clear"] else args.delete
            label = str(run.get("label") or "")
            new_label = manage.synced_label(label, removed, args.add)
            if new_label != label:
                manage.set_label(run, new_label)
    log.info(f"Modified tags for {len(runs)} run(s)")
    return 0


def _check_args(args) -> None:
    if not (args.add or args.delete or args["clear"] or args.list_all):
        raise GuildError("missing one of: --add, --delete, --clear, --list-all",
                         hint=f"Try `guild {COMMAND.path} --help` for more information.")
    if args.list_all:
        for name, given in (("add", args.add), ("delete", args.delete), ("clear", args["clear"]),
                            ("sync-labels", args.sync_labels)):
            if given:
                raise GuildError(f"--list-all and --{name} cannot both be specified", hint=try_line(COMMAND))


def _list_all(args) -> int:
    from guild.store import manage

    tags: set[str] = set()
    for run in runsel.select_runs(args, COMMAND):
        tags.update(manage.run_tags(run))
    for tag in sorted(tags):
        sys.stdout.write(tag + "\n")
    return 0
