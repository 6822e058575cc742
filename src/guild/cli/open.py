"""`guild open [RUN]`: open a run directory or file with the desktop opener, a command, or a
shell started in it (runs.md §12.1)."""

from __future__ import annotations

import os
import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import GuildError

COMMAND = Command(
    "open",
    "Open a run path or output.",
    options=[
        Opt(["-p", "--path"], "path", "value", metavar="PATH", help="Path to open under run directory."),
        Opt(["-s", "--sourcecode"], "sourcecode", help="Path is relative to the run source code."),
        Opt(["-O", "--output"], "output", help="Open run output. Cannot be used with other options."),
        Opt(["-c", "--cmd"], "cmd", "value", metavar="CMD", help="Command used to open run."),
        Opt(["--shell"], "shell", help="Open a new shell in run directory or PATH."),
        Opt(["--shell-cmd"], "shell_cmd", "value", metavar="CMD",
            help="Open a new shell in run directory or PATH using CMD."),
        *runsel.FILTER_OPTIONS,
    ],
    args=[runsel.RUN_ARG],
)

_EXCLUSIVE = [("cmd", "shell"), ("cmd", "shell_cmd"), ("shell", "shell_cmd"),
              ("output", "path"), ("output", "sourcecode")]


def main(args) -> int:
    for a, b in _EXCLUSIVE:
        if args.get(a) and args.get(b):
            raise GuildError(f"--{a.replace('_', '-')} and --{b.replace('_', '-')} cannot both be specified",
                             hint=try_line(COMMAND))
    if args.path and os.path.isabs(args.path):
        raise GuildError("PATH must be relative", hint=try_line(COMMAND))
    run = runsel.select_one(args, COMMAND)
    path = _target(run, args)
    if not os.path.exists(path):
        raise GuildError(f"{path} does not exist")
    if args.shell or args.shell_cmd:
        _open_shell(path, args.shell_cmd)
    else:
        _open(path, args.cmd)
    return 0


def _target(run, args) -> str:
    if args.output:
        return run.guild_path("output")
    from guild.cli.cat import run_file_path

    return run_file_path(run, args.path or ".", args.sourcecode)


def _open(path: str, cmd: str | None) -> None:
    if cmd:
        _call(_split(cmd) + [path])
    elif sys.platform.startswith("linux"):
        _call(["xdg-open", path])
    elif sys.platform == "darwin":
        _call(["open", path])
    elif sys.platform == "win32":
        os.startfile(path)  # type: ignore[attr-defined]
    else:
        raise GuildError(f"cannot open {path}: no opener for this platform - use --cmd")


def _open_shell(path: str, shell_cmd: str | None) -> None:
    cwd = path if os.path.isdir(path) else os.path.dirname(path)
    print(f"Running a new shell in {cwd}")
    print("To exit the shell, type 'exit' and press Enter.")
    sys.stdout.flush()
    argv = _split(shell_cmd) if shell_cmd else [os.environ.get("SHELL") or "/bin/sh"]
    _call(argv, cwd)


def _split(cmd: str) -> list[str]:
    import shlex

    try:
        argv = shlex.split(cmd)
    except ValueError as e:  # unbalanced quotes
        raise GuildError(f"cannot run '{cmd}': {e}") from None
    if not argv:
        raise GuildError("CMD cannot be empty", hint=try_line(COMMAND))
    return argv


def _call(argv: list[str], cwd: str | None = None) -> None:
    """Run `argv` and wait for it. Its exit code is the opener's business: guild exits 0."""
    import subprocess

    try:
        subprocess.call(argv, cwd=cwd)
    except OSError as e:
        raise GuildError(f"cannot run '{argv[0]}': {e.strerror}") from None
