"""`guild operations [FILTER...]`: the operations of the project's guild.yml, one per line."""

from __future__ import annotations

import os

from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    path="operations",
    help="Show model operations.",
    args=[Arg("filters", "*", "[FILTER]...")],
    options=[
        Opt(["-a", "--all"], "all", "flag", "Show all operations including those designated as private."),
    ],
)


def main(args) -> int:
    from guild.cli.format import format_table
    from guild.project.guildfile import load_guildfile

    path = os.path.join(os.getcwd(), "guild.yml")
    if not os.path.exists(path):
        return 0
    rows = []
    for model in load_guildfile(path).models:
        for opdef in model.operations.values():
            if opdef.name.startswith("_") and not args.all:
                continue
            if args.filters and not any(f in opdef.full_name for f in args.filters):
                continue
            desc = (opdef.description or "").strip().split("\n", 1)[0]
            rows.append([opdef.full_name, desc])
    if rows:
        print(format_table(rows))
    return 0
