"""`guild models [FILTER...]`: the named models of the project's guild.yml, one per line."""

from __future__ import annotations

from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "models",
    "Show available models.",
    args=[Arg("filters", "*", "[FILTER]...")],
    options=[Opt(["-a", "--all"], "all", help="Show all models including those designated as private.")],
    epilog="""\
  Models are those defined in the guild.yml of the current directory.
  FILTER limits the list to models whose names contain it.""",
)


def main(args) -> int:
    from guild import api
    from guild.cli.format import format_table
    from guild.util.text import first_line

    rows = [
        [model.name, first_line(model.description)]
        for model in api.project_models()
        if (args.all or not model.name.startswith("_"))
        and (not args.filters or any(f in model.name for f in args.filters))
    ]
    if rows:
        print(format_table(rows))
    return 0
