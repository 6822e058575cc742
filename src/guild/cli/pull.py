"""`guild pull REMOTE [RUN...]`: copy runs from a remote into this Guild home; only what changed
is fetched, and a run is listed here only once it is whole."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.errors import Aborted
from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "pull",
    "Copy one or more runs from a remote location.",
    options=[*runsel.FILTER_OPTIONS, Opt(["-y", "--yes"], "yes", help="Do not prompt before copying.")],
    args=[Arg("remote", "1", "REMOTE"), runsel.RUNS_ARG],
    description="By default every run of REMOTE is copied; RUN arguments and filters select the "
                "remote's runs. Files already here unchanged are not fetched again, so an "
                "interrupted pull resumes where it stopped.",
)


def main(args) -> int:
    from guild.cli import confirm
    from guild.remotes.config import remote_for
    from guild.store import home
    from guild.util import log
    from guild.util.text import human_bytes

    home.guild_home()  # the home must exist (a bad GUILD_HOME is named before the remote is)
    remote = remote_for(args.remote)
    header = f"You are about to copy (pull) the following runs from {remote.name}:"
    if remote.kind == "s3":
        runs = runsel.select_runs(args, COMMAND)
        if runs and not confirm.preview_and_confirm(header, runs, "Continue?", yes=args.yes):
            raise Aborted(quiet=True)
        ids = [r.id for r in runs]
    else:
        ids = remote.remote_run_ids(list(args.runs or []), runsel.filter_argv(args))
        if ids and not args.yes:
            sys.stderr.write(header + "\n" + "".join(f"  [{i[:8]}]\n" for i in ids))
            if not confirm.confirm("Continue?"):
                raise Aborted(quiet=True)
    if not ids:
        log.info("Nothing to copy.")
        return 0
    pulled, files, size = remote.pull(ids, home.runs_dir())
    log.info(f"Copied {len(pulled)} run(s) from {remote.name} ({files} file(s), {human_bytes(size)} fetched)")
    return 0
