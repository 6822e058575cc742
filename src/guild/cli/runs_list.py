"""`guild runs` / `guild runs list`: the run table, `-v` details, `-c` comments, `--json` (runs.md §5)."""

from __future__ import annotations

import sys

from guild.cli import runsel
from guild.util.cmdline import Command, Opt, try_line
from guild.errors import GuildError

COMMAND = Command(
    "runs list",
    "List runs.",
    options=[
        Opt(["-a", "--all"], "all", help="Show all runs (by default only the last 20 runs are shown)."),
        Opt(["-m", "--more"], "more", "count", help="Show 20 more runs. Maybe used multiple times."),
        Opt(["-n", "--limit"], "limit", "value", metavar="N", type=int, min=1,
            help="Limit number of runs shown."),
        Opt(["-d", "--deleted"], "deleted", help="Show deleted runs."),
        Opt(["-A", "--archive"], "archive", "value", metavar="PATH", help="Show archived runs in PATH."),
        Opt(["-c", "--comments"], "comments", help="Show run comments."),
        Opt(["-v", "--verbose"], "verbose", help="Show run details."),
        Opt(["--json"], "json", help="Format runs as JSON."),
        Opt(["-s", "--simplified"], "simplified", help="Show a simplified list."),
        *runsel.FILTER_OPTIONS,
        runsel.remote_option("List runs on REMOTE rather than local runs."),
    ],
)

_INCOMPATIBLE = [("comments", "verbose"), ("comments", "json"), ("json", "verbose"),
                 ("archive", "deleted"), ("all", "limit")]


def main(args) -> int:
    for a, b in _INCOMPATIBLE:
        if args.get(a) and args.get(b):
            raise GuildError(f"--{a} and --{b} cannot both be specified", hint=try_line(COMMAND))
    from guild import api

    limit = None if args.all or args.json else (args.limit or (args.more + 1) * 20)
    for _ in range(3):  # what is shown is checked against the run dirs; stale: list again
        runs = runsel.filtered_runs(args, COMMAND)
        shown = runs if limit is None else runs[:limit]
        if not api.refresh_runs(shown):
            break
    if args.json:
        if args.limit or args.more or args.all:
            sys.stderr.write("--json option always shows all runs\n")
        _print_json(runs)
        return 0
    _print_runs(shown, args)
    if limit is not None and not args.limit and len(runs) > limit:
        _limit_note(limit, len(runs))
    return 0


def _limit_note(limit: int, total: int) -> None:
    msg = f"Showing the first {limit} runs ({total} total) - use --all to show all or -m to show more"
    from guild.util import style

    sys.stderr.write(style.styled(msg, "dim", sys.stderr) + "\n")


def _print_runs(runs, args) -> None:
    from guild.cli import format

    rows = [format.run_row(run, i, args.simplified) for i, run in enumerate(runs, 1)]
    if not args.verbose and not args.comments:
        format.write_table(rows, status_col=2 if args.simplified else 3)
        return
    lines = format.format_table(rows).split("\n") if rows else []
    out = []
    for run, line in zip(runs, lines):
        out.append(line)
        if args.verbose:
            fields = format.run_fields(run)
            out.extend(f"  {key}: {fields[key]}" for key in format.DETAIL_KEYS)
        else:
            out.extend(_comment_lines(run))
    if out:
        sys.stdout.write("\n".join(out) + "\n")


def _comment_lines(run) -> list[str]:
    import textwrap

    from guild.util import clock

    comments = run.get("comments")
    if not isinstance(comments, list):
        return []
    lines = []
    for c in comments:
        if not isinstance(c, dict):
            continue
        user, host = str(c.get("user") or ""), str(c.get("host") or "")
        who = f"{user}@{host}" if host else user
        time = c.get("time")
        lines.append(f"  {who} {clock.format_timestamp(time)}")
        lines.append("")
        body = str(c.get("body") or "")
        for para in body.split("\n"):
            wrapped = textwrap.wrap(para, width=76) or [""]
            lines.extend(("    " + w).rstrip() for w in wrapped)
        lines.append("")
    return lines


def _print_json(runs) -> None:
    import json

    sys.stdout.write(json.dumps([_run_json(r) for r in runs]) + "\n")


def _run_json(run) -> dict:
    opref = run.opref
    data = {
        "id": run.id,
        "run_dir": run.path,
        "opref": opref.encode() if opref else "",
        "exit_status": run.get("exit_status"),
        "cmd": run.get("cmd"),
        "comments": run.get("comments"),
        "marked": run.get("marked"),
        "label": run.get("label"),
        "started": run.get("started"),
        "status": run.status,
        "stopped": run.get("stopped"),
        "tags": run.get("tags"),
    }
    proto = run.batch_proto
    if proto is not None:
        data["batch_proto"] = _run_json(proto)
    return data
