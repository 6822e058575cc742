"""`guild comment` (= `guild runs comment`): list, add, delete or clear run comments (runs.md §11.7)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import Aborted, GuildError

COMMAND = Command(
    "comment",
    "Add or remove run comments.",
    options=[
        Opt(["-l", "--list"], "list", help="List comments for the specified runs."),
        Opt(["-a", "--add"], "add", "value", metavar="TEXT", help="Add a comment to the specified runs."),
        Opt(["-e", "--edit"], "edit", help="Use an editor to type a comment."),
        Opt(["-d", "--delete"], "delete", "value", metavar="INDEX", type=int,
            help="Delete comment at INDEX from the specified runs."),
        Opt(["-c", "--clear"], "clear", help="Delete all comments from the specified runs."),
        Opt(["-u", "--user"], "user", "value", metavar="USER[@HOST]",
            help="User associated with new comments. May include host as USER@HOST."),
        *runsel.FILTER_OPTIONS,
        Opt(["-y", "--yes"], "yes", help="Do not prompt before modifying comments."),
    ],
    args=[runsel.RUNS_ARG],
)

_EDITOR_HELP = """\

# Type a comment for the runs below. Lines starting with '#' are ignored.
# An empty comment aborts the command.
#
# Runs:
"""


def main(args) -> int:
    from guild.util import log

    runs = runsel.select_runs(args, COMMAND, default_spec="1")
    if args.list:
        _list(runs)
        return 0
    if not runs:
        log.info("No runs to modify.")
        return 0
    # `-d 0` counts as no --delete (reference behaviour, runs.md §14 item 13).
    if args.delete:
        _delete(args, runs)
    elif args["clear"]:
        _clear(args, runs)
    else:
        _add(args, runs)
    return 0


def _list(runs) -> None:
    from guild.cli import format
    from guild.store import manage
    from guild.util import clock

    rows = [[r.short_id, format.op_desc(r), clock.format_timestamp(r.get("started")), r.status,
             str(r.get("label") or "")] for r in runs]
    lines = format.format_table(rows).split("\n") if rows else []
    out = []
    for run, line in zip(runs, lines):
        out.append(line)
        comments = manage.run_comments(run)
        if not comments:
            out.append("  <no comments>")
        for i, c in enumerate(comments, 1):
            out.append(f"[{i}] {_author(c)} {clock.format_timestamp(c.get('time'))}")
            out.append("")
            out.extend("  " + body_line for body_line in str(c.get("body") or "").split("\n"))
            out.append("")
    if out:
        sys.stdout.write("\n".join(out) + "\n")


def _author(comment: dict) -> str:
    user = str(comment.get("user") or "")
    host = str(comment.get("host") or "")
    return f"{user}@{host}" if host else user


def _delete(args, runs) -> None:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    header = f"You are about to delete comment {args.delete} from the following runs:"
    if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    for run in runs:
        manage.delete_comment(run, args.delete)
    log.info(f"Deleted comment for {len(runs)} run(s)")


def _clear(args, runs) -> None:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    header = "WARNING: You are about to delete ALL comments from the following runs:"
    if not confirm.preview_and_confirm(header, runs, "Continue?", default=False, yes=args.yes):
        raise Aborted(quiet=True)
    for run in runs:
        manage.clear_comments(run)
    log.info(f"Deleted all comments for {len(runs)} run(s)")


def _add(args, runs) -> None:
    from guild.cli import confirm
    from guild.store import manage
    from guild.util import log

    if args.add is None or args.edit:
        body = _edit_comment(args.add or "", runs)
    else:
        body = args.add.strip()
        header = "You are about to add a comment to the following runs:"
        if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
            raise Aborted(quiet=True)
    if not body:
        sys.stderr.write("Aborting due to an empty comment.\n")
        raise GuildError(quiet=True)
    user, host = _user_host(args.user)
    for run in runs:
        manage.add_comment(run, body, user, host)
    log.info(f"Added comment to {len(runs)} run(s)")


def _user_host(spec: str | None) -> tuple[str, str]:
    import os

    if spec:
        user, at, host = spec.partition("@")
        return user, host if at else _hostname()
    return os.environ.get("USER", ""), _hostname()


def _hostname() -> str:
    import os
    import socket

    return os.environ.get("HOST") or socket.gethostname()


def _edit_comment(initial: str, runs) -> str:
    from guild.cli import editor, format

    rows = format.format_table([format.preview_row(r) for r in runs]).split("\n")
    return editor.edit(initial + "\n" + _EDITOR_HELP + "".join(f"#   {row}\n" for row in rows))
