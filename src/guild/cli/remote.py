"""`guild remote status|start|stop REMOTE`: whether a remote can be reached; `start` makes an S3
remote's bucket."""

from __future__ import annotations

from guild.util.cmdline import Arg, Command

ACTIONS = ("status", "start", "stop")

COMMAND = Command(
    "remote", "Manage remote status.",
    args=[Arg("action", "1", "{start|status|stop}"), Arg("remote", "1", "REMOTE")],
    description="`status` checks that REMOTE can be reached, `start` creates an S3 remote's bucket, "
                "`stop` stops what start started (for the remote types that have such a thing).",
)


def main(args) -> int:
    from guild.errors import UsageError
    from guild.remotes.config import remote_for

    if args.action not in ACTIONS:
        raise UsageError(f"invalid choice '{args.action}' (choose from {', '.join(ACTIONS)})",
                         hint="Try 'guild remote --help' for more information.")
    remote = remote_for(args.remote)
    print(getattr(remote, args.action)())
    return 0
