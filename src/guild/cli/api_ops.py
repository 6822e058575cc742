"""`guild api ops`: the project's operations as JSON."""

from __future__ import annotations

from guild.cli import jsonout
from guild.util.cmdline import Command, Opt

COMMAND = Command(
    "api ops",
    "Show the project's operations as JSON.",
    options=[Opt(["-f", "--format"], "format", help=jsonout.FORMAT_OPT_HELP)],
)


def main(args) -> int:
    from guild import api

    ops = [{
        "description": opdef.description or "",
        "flags": sorted(opdef.flags),
        "fullname": opdef.full_name,
        "model": opdef.model_name,
        "name": opdef.name,
    } for opdef in api.project_opdefs()]
    jsonout.write(ops, args.format)
    return 0
