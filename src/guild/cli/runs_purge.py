"""`guild runs purge`: permanently delete trashed runs (runs.md §11.4)."""

from __future__ import annotations

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import Aborted

COMMAND = Command(
    "runs purge",
    "Permanently delete runs.",
    options=[
        *runsel.FILTER_OPTIONS,
        Opt(["--incomplete"], "incomplete",
            help="Remove the leftovers of runs never finished being made (listed by 'guild check')."),
        runsel.remote_option("Purge runs on REMOTE rather than local runs."),
        Opt(["-y", "--yes"], "yes", help="Do not prompt before purging."),
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild import api
    from guild.cli import confirm
    from guild.util import log

    if args.incomplete:
        return _purge_incomplete(args.yes)
    runs = runsel.select_runs(args, COMMAND, root=runsel.runs_root(args, deleted=True))
    if not runs:
        log.info("Nothing to purge.")
        return 0
    header = "WARNING: You are about to permanently delete the following runs:"
    prompt = f"Permanently delete {len(runs)} run(s)?"
    if not confirm.preview_and_confirm(header, runs, prompt, default=False, yes=args.yes):
        raise Aborted(quiet=True)
    if args.remote:
        from guild.remotes.config import remote_for

        remote_for(args.remote).purge([r.id for r in runs])
    else:
        api.purge_runs(runs)
    log.info(f"Permanently deleted {len(runs)} run(s)")
    return 0


def _purge_incomplete(yes: bool) -> int:
    import os

    from guild import api
    from guild.cli import confirm
    from guild.util import log

    leftovers = api.incomplete_runs()
    if not leftovers:
        log.info("Nothing to purge.")
        return 0
    if not yes:
        import sys

        sys.stderr.write("WARNING: You are about to permanently delete these incomplete run directories:\n")
        sys.stderr.write("".join(f"  {os.path.basename(p)}\n" for p in leftovers))
        if not confirm.confirm(f"Permanently delete {len(leftovers)} director{'y' if len(leftovers) == 1 else 'ies'}?",
                               default=False):
            raise Aborted(quiet=True)
    api.purge_incomplete(leftovers)
    log.info(f"Permanently deleted {len(leftovers)} incomplete run director{'y' if len(leftovers) == 1 else 'ies'}")
    return 0
