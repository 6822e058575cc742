"""`guild cat`: write one run file to stdout as raw bytes (runs.md §9)."""

from __future__ import annotations

import os
import sys

from guild.cli import pager, runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import GuildError
from guild.store.describe import sourcecode_dest

COMMAND = Command(
    "cat",
    "Show contents of a run file.",
    options=[
        Opt(["-p", "--path"], "path", "value", metavar="PATH", help="Path of file to show."),
        Opt(["-s", "--sourcecode"], "sourcecode", help="Path is relative to source code location."),
        Opt(["-O", "--output"], "output", help="Show run output."),
        Opt(["-pa", "--page"], "page", help="Show file in pager."),
        *runsel.FILTER_OPTIONS,
    ],
    args=[runsel.RUN_ARG],
)


def main(args) -> int:
    if args.output:
        if args.path or args.sourcecode:
            sys.stderr.write("--output cannot be used with other options - ignorning other options\n")
    elif not args.path:
        raise GuildError("-p / --path is required unless --output is specified")
    elif os.path.isabs(args.path):
        raise GuildError("PATH must be relative", hint=try_line(COMMAND))
    run = runsel.select_one(args, COMMAND)
    path = run.guild_path("output") if args.output else run_file_path(run, args.path, args.sourcecode)
    _show(path, args.page)
    return 0


def run_file_path(run, path: str, sourcecode: bool = False) -> str:
    """The absolute path of `path` in the run (under the source dest with `sourcecode`).

    The path is checked lexically so that `..` cannot leave the run directory."""
    from guild.store import access, home

    base = os.path.normpath(os.path.join(run.path, sourcecode_dest(run))) if sourcecode else run.path
    full = os.path.normpath(os.path.join(base, path))
    if full != run.path and not full.startswith(run.path.rstrip("/") + "/"):
        raise GuildError(f"{path} is outside the run directory")
    return access.check_readable(run, full, home.guild_home())




def _show(path: str, page: bool) -> None:
    if not os.path.lexists(path) or (os.path.islink(path) and not os.path.exists(path)):
        raise GuildError(f"{path} does not exist")
    try:
        f = open(path, "rb")
    except OSError as e:
        raise GuildError(str(e)) from None
    with f:
        if page and sys.stdout.isatty():
            pager.page(f)
            return
        out = sys.stdout.buffer
        try:
            while True:
                chunk = f.read(1 << 16)
                if not chunk:
                    break
                out.write(chunk)
        except OSError as e:
            raise GuildError(str(e)) from None
        out.flush()
