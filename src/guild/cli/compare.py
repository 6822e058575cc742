"""`guild compare`: compare runs as CSV, a plain table or a scalar listing
(compare-and-scalars.md §6). The table itself is built by `guild.scalars.compare`."""

from __future__ import annotations

import os
import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt
from guild.errors import GuildError, UsageError

COMMAND = Command(
    "compare",
    "Compare run results.",
    options=[
        Opt(["-c", "--cols"], "cols", "value", metavar="COLUMNS",
            help="Additional columns to compare. Cannot be used with --strict-cols."),
        Opt(["-cc", "--strict-cols"], "strict_cols", "value", metavar="COLUMNS",
            help="Columns to compare. Implies --skip-core and --skip-op-cols."),
        Opt(["-r", "--skip-core"], "skip_core", help="Don't show core columns."),
        Opt(["-p", "--skip-op-cols"], "skip_op_cols", help="Don't show operation columns."),
        Opt(["-e", "--extra-cols"], "extra_cols", help="Show extra columns (source code digest)."),
        Opt(["-s", "--all-scalars"], "all_scalars", help="Include all scalars in default columns."),
        Opt(["--min"], "min_col", "value", metavar="COLUMN", help="Sort by COLUMN ascending."),
        Opt(["--max"], "max_col", "value", metavar="COLUMN", help="Sort by COLUMN descending."),
        Opt(["-n", "--limit", "--top"], "top", "value", metavar="N", type=int, min=1,
            help="Only show the top N runs."),
        Opt(["-u", "--skip-unchanged"], "skip_unchanged",
            help="Don't show columns whose values are all the same."),
        Opt(["-t", "--table"], "table", help="Show comparison data as a table."),
        Opt(["--csv"], "csv", "value", metavar="PATH",
            help="Save comparison data to a CSV file. Use '-' for PATH to print to stdout."),
        Opt(["--tool"], "tool", "value", metavar="TOOL", help="Use the specified tool (hiplot)."),
        Opt(["--include-batch"], "include_batch", help="Include batch runs."),
        Opt(["--print-scalars"], "print_scalars", help="Show available scalars and exit."),
    ] + runsel.FILTER_OPTIONS,
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    _check_args(args)
    runs = _runs(args)
    if args.print_scalars:
        return _print_scalars(runs)
    if args.tool:
        raise GuildError("the hiplot tool is not available in this version of guild")
    if args.csv is None and not args.table and sys.stdout.isatty():
        return _interactive(args, runs)
    table = _table(args, runs)
    if args.csv is not None:
        return _write_csv(table, args.csv)
    if not args.table:
        # The interactive spreadsheet needs a terminal; the reference prints this and exits 0.
        sys.stderr.write("tabview: no data to display\n")
        return 0
    _print_table(table)
    return 0


def _runs(args) -> list:
    runs = runsel.select_runs(args, COMMAND, check="quick")
    if args.print_scalars or args.include_batch:
        return runs
    return [r for r in runs if r.batch_proto is None]


def _table(args, runs):
    from guild import api

    return api.compare_table(runs, compare_options(args))


def _interactive(args, runs) -> int:
    """The interactive screen (the plain table, with a hint, where Textual is missing)."""
    from guild.cli import compare_screen

    if not compare_screen.available():
        from guild.util import log

        log.warning(compare_screen.INSTALL_HINT)
        _print_table(_table(args, runs))
        return 0
    from guild.scalars.compare import format_cell

    unread = [runs]  # the runs selected already serve the first load; a refresh selects again

    def load():
        table = _table(args, unread.pop() if unread else _runs(args))
        rows = [(run.id, list(row), [format_cell(v) for v in row]) for run, row in zip(table.runs, table.rows)]
        return list(table.headers), rows

    def info(run_id: str) -> str:
        from guild import api
        from guild.cli.runs_info import info_text, run_info

        try:
            return info_text(run_info(api.one_run(run_id), {}))
        except api.RunNotFound:
            return f"Run {run_id} is no longer there (press r to refresh)."

    compare_screen.show(load, info)
    return 0


def compare_options(args):
    """The table options of compare's arguments (also `guild api compare`'s)."""
    from guild.scalars.compare import CompareOptions

    strict = args.strict_cols or None
    return CompareOptions(
        skip_core=bool(args.skip_core or strict),
        skip_op_cols=bool(args.skip_op_cols or strict),
        extra_cols=args.extra_cols,
        all_scalars=args.all_scalars,
        user_cols=strict or args.cols or None,
        min_col=args.min_col,
        max_col=args.max_col,
        top=args.top,
        skip_unchanged=args.skip_unchanged,
    )


def _check_args(args) -> None:
    try_line = f"Try 'guild {COMMAND.path} --help' for more information."
    if args.tool is not None and args.tool != "hiplot":
        raise UsageError(f"Invalid value for '--tool': '{args.tool}' is not 'hiplot'.", hint=try_line)
    for a, b in (("table", "csv"), ("table", "tool"), ("csv", "tool")):
        if args.get(a) not in (None, False) and args.get(b) not in (None, False):
            raise GuildError(f"--{a} and --{b} cannot both be specified", hint=try_line)
    if args.cols and args.strict_cols:
        raise GuildError("--cols cannot be used with --strict-cols")


def _write_csv(table, path: str) -> int:
    from guild.scalars.compare import write_csv

    if path == "-":
        write_csv(table, sys.stdout)
        return 0
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        f = open(path, "w", newline="")
    except OSError as e:
        raise GuildError(f"error opening {path}: {e}") from None
    with f:
        lines = write_csv(table, f)
    sys.stderr.write(f"Wrote {lines - 1} row(s) to {path}\n")
    return 0


def _print_table(table) -> None:
    from guild.cli.format import format_table
    from guild.scalars.compare import formatted_rows

    if not table.rows:
        return
    rows = formatted_rows(table)
    sys.stdout.write(format_table(rows) + "\n")


def _print_scalars(runs) -> int:
    from guild.api import run_scalars
    from guild.store.describe import operation_desc

    out = []
    for run in runs:
        out.append(f"[{run.short_id}] {operation_desc(run)}")
        for s in run_scalars(run):
            val = "nan" if s.last_val is None else f"{s.last_val:f}"
            out.append(f"  {s.key}: {val} (step {s.last_step})")
    if out:
        sys.stdout.write("\n".join(out) + "\n")
    return 0
