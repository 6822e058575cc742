"""`guild push REMOTE [RUN...]`: copy runs to a remote; only what changed is sent."""

from __future__ import annotations

from guild.cli import runsel
from guild.errors import Aborted
from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "push",
    "Copy one or more runs to a remote location.",
    options=[*runsel.FILTER_OPTIONS, Opt(["-y", "--yes"], "yes", help="Do not prompt before copying.")],
    args=[Arg("remote", "1", "REMOTE"), runsel.RUNS_ARG],
    description="By default every run is copied; RUN arguments and filters select runs. Files "
                "already on the remote unchanged (same size and digest) are not sent again, so an "
                "interrupted push resumes where it stopped.",
)


def main(args) -> int:
    from guild.cli import confirm
    from guild.remotes.config import remote_for
    from guild.store import home
    from guild.util import log
    from guild.util.text import human_bytes

    home.guild_home()  # the home must exist (a bad GUILD_HOME is named before the remote is)
    remote = remote_for(args.remote)
    runs = runsel.select_runs({**args, "remote": None}, COMMAND)
    if not runs:
        log.info("Nothing to copy.")
        return 0
    header = f"You are about to copy (push) the following runs to {remote.name}:"
    if not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
        raise Aborted(quiet=True)
    pushed, files, size = remote.push(runs)
    log.info(f"Copied {len(pushed)} run(s) to {remote.name} ({files} file(s), {human_bytes(size)} sent)")
    return 0
