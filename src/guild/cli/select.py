"""`guild select`: print the id, short id, dir or an attribute of selected runs (runs.md §7)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import GuildError

COMMAND = Command(
    "select",
    "Select a run and show its ID or another attribute.",
    options=[
        Opt(["-s", "--short-id"], "short_id", help="Use short ID."),
        Opt(["-p", "--path", "--dir"], "path", help="Show the run directory."),
        Opt(["-a", "--attr"], "attr", "value", metavar="ATTR", help="Show specified run attribute."),
        Opt(["-A", "--all"], "all", help="Select all specified runs."),
        Opt(["-min", "--min"], "min", "value", metavar="COLSPEC",
            help="Select the run with the lowest value for the specified column."),
        Opt(["-max", "--max"], "max", "value", metavar="COLSPEC",
            help="Select the run with the highest value for the specified column."),
        *runsel.FILTER_OPTIONS,
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    if args.short_id and args.attr:
        raise GuildError("--short-id and --attr cannot both be specified", hint=try_line(COMMAND))
    if args.min and args.max:
        raise GuildError("--min and --max cannot both be specified", hint=try_line(COMMAND))
    if args.min or args.max:
        runs = [_best_run(args)]
    elif args.all or len(args.runs) > 1:
        runs = runsel.select_runs(args, COMMAND)
    else:
        runs = [runsel.select_one(args, COMMAND)]
    out = [_show(run, args) for run in runs]
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    return 0


def _show(run, args) -> str:
    if args.attr:
        return _attr(run, args.attr)
    if args.path:
        return run.path
    if args.short_id:
        return run.short_id
    return run.id


def _attr(run, name: str) -> str:
    from guild.cli import format

    fields = format.run_fields(run)
    if name in fields:
        return fields[name]
    if not run.has_attr(name):
        raise GuildError(f"no such run attribute '{name}'")
    from guild.util import yamlutil

    return yamlutil.dump_attr(run.get(name), quote_yn=False).rstrip("\n")


def _best_run(args):
    """The run with the lowest (`--min`) or highest (`--max`) value; missing values are lowest."""
    from guild import api

    runs = runsel.select_runs(args, COMMAND) if args.runs else runsel.filtered_runs(args, COMMAND)
    if not runs:
        raise GuildError("no matching runs")
    return api.best_run(runs, args.min or args.max, maximize=bool(args.max))
