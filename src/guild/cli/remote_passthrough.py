"""Run commands given `-r REMOTE` for an SSH remote: the remote's guild runs the same command (as
typed, less `-r REMOTE`), its output shown here. S3 remotes are read by the commands themselves."""

from __future__ import annotations

import sys


def run_there(remote_name: str, cmd_path: str, argv: list[str]) -> int | None:
    """The remote's exit code, or None when `remote_name` is not an SSH remote."""
    from guild.remotes.config import remote_for
    from guild.remotes.listing import passthrough_args

    remote = remote_for(remote_name)
    if remote.kind != "ssh":
        return None
    return remote.guild([*cmd_path.split(), *passthrough_args(argv)], tty=sys.stdin.isatty() and sys.stdout.isatty())
