"""`guild help [PATH]`: a guide to the operations and models of a project's guild.yml."""

from __future__ import annotations

import sys

from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "help",
    "Show help for a path or package.",
    args=[Arg("path", "?", "[PATH]")],
    options=[
        Opt(["--package-description"], "package_description",
            help="Show the package description (Guild packages are not supported: shows nothing)."),
        Opt(["--markdown"], "markdown", help="Show help using Markdown format."),
        Opt(["--base-heading-level"], "base_heading_level", "value", metavar="LEVEL",
            help="Base heading level for generated markdown (default is 1)."),
        Opt(["--title"], "title", "value", metavar="TITLE", help="Page title used for generating markdown."),
        Opt(["--no-pager"], "no_pager", help="Do not use a pager when showing help."),
        Opt(["-a", "--all"], "all", help="Show all operations including those designated as private."),
    ],
    epilog="""\
  PATH is a project directory or a guild.yml file (default is the
  current directory).""",
)


def main(args) -> int:
    from guild import api
    from guild.errors import GuildError

    if args.package_description:
        return 0
    try:
        level = int(args.base_heading_level or 1)
    except ValueError:
        raise GuildError(f"invalid --base-heading-level '{args.base_heading_level}': expected a number") from None
    text = api.project_guide(args.path, all_ops=args.all, markdown=args.markdown, title=args.title,
                             heading_level=level)
    if args.no_pager or args.markdown or not sys.stdout.isatty():
        sys.stdout.write(text)
    else:
        from guild.cli import pager

        pager.page(text=text)
    return 0
