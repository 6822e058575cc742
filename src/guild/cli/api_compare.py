"""`guild api compare`: the `guild compare` table as JSON (a header row, then one row of values
per run; `id` holds the full run id)."""

from __future__ import annotations

from guild.cli import compare, jsonout, runsel
from guild.util.cmdline import Command, Opt

COMMAND = Command(
    "api compare",
    "Show run comparison data as JSON.",
    options=[
        Opt(["-f", "--format"], "format", help=jsonout.FORMAT_OPT_HELP),
        *[o for o in compare.COMMAND.options if o.dest not in ("table", "csv", "tool", "print_scalars")],
    ],
    args=[runsel.RUNS_ARG],
)


def main(args) -> int:
    from guild import api

    args.update(table=False, csv=None, tool=None, print_scalars=False)
    compare._check_args(args)
    runs = runsel.select_runs(args, COMMAND)
    if not args.include_batch:
        runs = [r for r in runs if r.batch_proto is None]
    table = api.compare_table(runs, compare.compare_options(args))
    headers = ["id" if h == "run" else h for h in table.headers]
    run_col = table.headers.index("run") if "run" in table.headers else None
    rows = []
    for run, row in zip(table.runs, table.rows):
        row = list(row)
        if run_col is not None:
            row[run_col] = run.id
        rows.append(row)
    jsonout.write([headers, *rows], args.format)
    return 0
