"""`guild diff`: compare two runs (or a run and a directory) with an external diff tool (runs.md §12.3)."""

from __future__ import annotations

import os

from guild.cli import runsel
from guild.util.cmdline import Arg, Command, Opt
from guild.errors import GuildError
from guild.store.describe import sourcecode_dest

COMMAND = Command(
    "diff",
    "Diff two runs.",
    options=[
        Opt(["-O", "--output"], "output", help="Diff run output."),
        Opt(["-s", "--sourcecode"], "sourcecode", help="Diff run source code."),
        Opt(["-e", "--env"], "env", help="Diff run environment."),
        Opt(["-f", "--flags"], "flags", help="Diff run flags."),
        Opt(["-a", "--attrs"], "attrs", help="Diff all run attributes."),
        Opt(["-D", "--deps"], "deps", help="Diff run dependencies."),
        Opt(["-p", "--path"], "paths", "multi", metavar="PATH", help="Diff specified path. May be used more than once."),
        Opt(["-w", "--working"], "working", help="Diff run source code with the project directory."),
        Opt(["-d", "--dir"], "dir", "value", metavar="PATH", help="Diff run with PATH."),
        Opt(["-c", "--cmd"], "cmd", "value", metavar="CMD", help="Command used to diff runs."),
        *runsel.FILTER_OPTIONS,
    ],
    args=[Arg("run1", "?", "RUN"), Arg("run2", "?", "RUN")],
)

# Candidate tools on Linux, in order of preference; `diff -ru` when none is installed.
_LINUX_TOOLS = ("meld", "xxdiff -r", "dirdiff", "colordiff")
_ATTR_PATHS = (("attrs", ".guild/attrs"), ("env", ".guild/attrs/env"), ("flags", ".guild/attrs/flags"),
               ("deps", ".guild/attrs/deps"), ("output", ".guild/output"))


def main(args) -> int:
    if args.working and args.dir:
        raise GuildError("--working and --dir cannot both be specified",
                         hint=f"Try 'guild {COMMAND.path} --help' for more information.")
    one_run = bool(args.working or args.dir)
    if one_run and args.run2:
        opt = "--working" if args.working else "--dir"
        raise GuildError(f"{opt} cannot be used with a second RUN",
                         hint=f"Try 'guild {COMMAND.path} --help' for more information.")
    if not one_run and args.run1 and not args.run2:
        raise GuildError("diff requires two runs",
                         hint="Try specifying a second RUN or 'guild diff --help' for more information.")
    if one_run:
        run = _resolve(args, [args.run1 or "1"])[0]
        left_root, right_root = _working_roots(run, args)
    else:
        left, right = _resolve(args, [args.run1 or "2", args.run2 or "1"])
        left_root, right_root = left.path, right.path
    for rel in _rel_paths(args, run if one_run else left):
        left_path = os.path.normpath(os.path.join(left_root, rel))
        right_path = os.path.normpath(os.path.join(right_root, rel))
        _call_tool(_tool_cmd(args.cmd, rel), left_path, right_path)
    return 0


def _resolve(args, specs: list[str]):
    from guild.store import select

    runs = runsel.filtered_runs(args, COMMAND)
    if not runs:
        raise GuildError("no matching runs")
    resolved = []
    for spec in specs:
        try:
            resolved.append(select.select_one_spec(runs, spec))
        except select.SpecNotFound as e:
            raise runsel.not_found_error(e.spec, COMMAND) from None
        except select.SpecAmbiguous as e:
            raise runsel.ambiguous_error(e.spec, e.runs) from None
    return resolved


def _working_roots(run, args) -> tuple[str, str]:
    if args.dir:
        return run.path, os.path.abspath(os.path.expanduser(args.dir))
    opref = run.opref
    project = opref.project_dir() if opref else None
    if not project:
        raise GuildError(f"cannot find the project directory of run {run.id}")
    return os.path.join(run.path, sourcecode_dest(run)), project




def _rel_paths(args, run) -> list[str]:
    paths = [rel for name, rel in _ATTR_PATHS if args[name]]
    if args.sourcecode and not args.working:
        paths.append(sourcecode_dest(run))
    paths.extend(args.paths)
    from guild.util.files import escapes

    for path in paths:
        if os.path.isabs(path):
            raise GuildError("PATH must be relative", hint=f"Try 'guild {COMMAND.path} --help' for more information.")
        if escapes(path):
            raise GuildError(f"{path} is outside the run directory")
    return paths or ["."]


def _tool_cmd(cmd: str | None, rel_path: str) -> str:
    if cmd:
        return cmd
    from guild.store.home import user_config

    configured = user_config().get("diff", {})
    configured = configured.get("command") if isinstance(configured, dict) else None
    if isinstance(configured, str) and configured:
        return configured
    if isinstance(configured, dict):
        import re

        for pattern, tool in configured.items():
            if pattern != "default" and re.search(str(pattern), rel_path):
                return str(tool)
        if configured.get("default"):
            return str(configured["default"])
    return _default_tool()


def _default_tool() -> str:
    import shutil
    import sys

    if sys.platform.startswith("linux"):
        for tool in _LINUX_TOOLS:
            if shutil.which(tool.split()[0]):
                return tool
    return "diff -ru"


def _call_tool(cmd: str, left: str, right: str) -> None:
    import shlex
    import subprocess

    # The tool's exit code only says whether files differ; guild exits 0 either way.
    try:
        subprocess.call(shlex.split(cmd) + [left, right])
    except OSError as e:
        raise GuildError(f"cannot run '{cmd}': {e.strerror}") from None
    except ValueError as e:  # unbalanced quotes
        raise GuildError(f"cannot run '{cmd}': {e}") from None
