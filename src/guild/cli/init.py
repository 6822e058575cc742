"""`guild init [DIR]`: make a Python virtual environment for a project, with guild and the
project's requirements installed (`--venv` or any of the environment options)."""

from __future__ import annotations

import sys

from guild.errors import Aborted
from guild.util.cmdline import Arg, Command, Opt

COMMAND = Command(
    "init",
    "Initialize a Guild environment.",
    options=[
        Opt(["--venv"], "venv", help="Create a virtual environment (implied by the options below)."),
        Opt(["-n", "--name"], "name", "value", metavar="NAME",
            help="Environment name (default is the project directory name)."),
        Opt(["-p", "--python"], "python", "value", metavar="VERSION",
            help="Python interpreter to use (a version, a name or a path)."),
        Opt(["-g", "--guild"], "guild", "value", metavar="VERSION_OR_PATH",
            help="What to install guild from (default is this guild)."),
        Opt(["-s", "--system-site-packages"], "system_site_packages",
            help="Give the environment access to the system site packages."),
        Opt(["-r", "--requirements"], "requirements", "multi", metavar="REQ",
            help="Install requirements from REQ (default is requirements.txt). May be used multiple times."),
        Opt(["--path"], "path", "value", metavar="DIR", help="Environment directory (default is venv)."),
        Opt(["--no-reqs"], "no_reqs", help="Don't install requirements."),
        Opt(["--pre"], "pre_release", help="Install pre-release versions."),
        Opt(["-l", "--local-resource-cache"], "local_cache",
            help="Keep resources in the environment (default shares ~/.guild/cache)."),
        Opt(["-y", "--yes"], "yes", help="Initialize without prompting."),
    ],
    args=[Arg("dir", "?", "DIR")],
)


def main(args) -> int:
    import os

    from guild.cli import confirm
    from guild.project import environment

    project = os.path.abspath(args.dir or ".")
    plan = environment.plan_env(
        project, path=args.path, name=args.name, python=args.python,
        system_site_packages=args.system_site_packages, guild=args.guild,
        requirements=args.requirements, no_reqs=args.no_reqs, local_cache=args.local_cache,
    )
    if not args.yes:
        sys.stdout.write(_preview(plan))
        sys.stdout.flush()
        if not confirm.confirm("Continue?"):
            raise Aborted(quiet=True)
    print(f"Initializing Guild environment in {plan.path}")
    environment.create_env(plan, print)
    print(f"Guild environment initialized in {plan.path}\n\nTo activate it run:\n\n  source guild-env")
    return 0


def _preview(plan) -> str:
    import os

    lines = ["You are about to initialize a Guild environment:",
             f"  Location: {plan.path}",
             f"  Name: {plan.name}",
             f"  Python interpreter: {plan.python or 'default'}",
             f"  Use system site packages: {'yes' if plan.system_site_packages else 'no'}",
             f"  Guild: {plan.guild_spec}"]
    if plan.requirements:
        lines.append("  Python requirements:")
        lines += [f"    {os.path.join('.', os.path.relpath(r, plan.project_dir))}" for r in plan.requirements]
    lines.append(f"  Resource cache: {'local' if plan.local_cache else 'shared'}")
    return "\n".join(lines) + "\n"
