"""The `guild` entry point: global options, lazy command dispatch, error reporting.

Each command lives in its own module exposing `COMMAND` (a `util.cmdline.Command`) and
`main(args) -> int | None`. Modules are imported only when their command runs."""

from __future__ import annotations

import os
import sys

from guild.errors import GuildError, Interrupted, report

# command path -> (module, one-line help). Aliases map to the same module.
COMMANDS: dict[str, tuple[str, str]] = {
    "archive": ("guild.cli.archive", "Archive runs."),
    "cat": ("guild.cli.cat", "Show contents of a run file."),
    "check": ("guild.cli.check", "Check the Guild setup."),
    "comment": ("guild.cli.comment", "Add or remove run comments."),
    "compare": ("guild.cli.compare", "Compare run results."),
    "diff": ("guild.cli.diff", "Diff two runs."),
    "export": ("guild.cli.export", "Export runs."),
    "import": ("guild.cli.import_runs", "Import runs."),
    "label": ("guild.cli.label", "Set run labels."),
    "ls": ("guild.cli.ls", "List run files."),
    "mark": ("guild.cli.mark", "Mark a run."),
    "open": ("guild.cli.open", "Open a run path or output."),
    "operations": ("guild.cli.operations", "Show model operations."),
    "run": ("guild.cli.run", "Run an operation."),
    "runs": ("guild.cli.runs_list", "Show or manage runs."),
    "select": ("guild.cli.select", "Select a run and show its ID or another attribute."),
    "stop": ("guild.cli.stop", "Stop one or more runs."),
    "tag": ("guild.cli.tag", "Add or remove run tags."),
    "tensorboard": ("guild.cli.tensorboard", "Visualize runs with TensorBoard."),
    "watch": ("guild.cli.watch", "Watch run output."),
}
ALIASES = {"ops": "operations"}

RUNS_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "comment": ("guild.cli.comment", "Add or remove run comments."),
    "delete": ("guild.cli.runs_delete", "Delete one or more runs."),
    "export": ("guild.cli.export", "Export runs."),
    "import": ("guild.cli.import_runs", "Import runs."),
    "info": ("guild.cli.runs_info", "Show run information."),
    "label": ("guild.cli.label", "Set run labels."),
    "list": ("guild.cli.runs_list", "List runs."),
    "mark": ("guild.cli.mark", "Mark a run."),
    "purge": ("guild.cli.runs_purge", "Permanently delete runs."),
    "restore": ("guild.cli.runs_restore", "Restore deleted runs."),
    "stop": ("guild.cli.stop", "Stop one or more runs."),
    "tag": ("guild.cli.tag", "Add or remove run tags."),
}
RUNS_ALIASES = {"rm": "delete", "ls": "list"}

ROOT_HELP = """\
Usage: guild [OPTIONS] COMMAND [ARGS]...

  Guild AI command line interface.

Options:
  --version  Show the version and exit.
  -C PATH    Use PATH as current directory for a command.
  -H PATH    Use PATH as Guild home (default is from GUILD_HOME).
  --debug    Log more information during command.
  --help     Show this message and exit.

Commands:
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _main(argv)
    except GuildError as e:
        code = report(e)
    except KeyboardInterrupt:
        code = 130
    except Interrupted as e:  # a run was stopped by this signal; it is recorded terminated
        code = 128 + e.signum
    except BrokenPipeError:
        code = 0
    except Exception as e:
        # The last resort: the environment failing a command (a file where a directory should
        # be, no permission, a full disk), input nested past Python's limit (`x='&a [*a]'`), or
        # a bug of ours: one line as for any error; --debug shows the traceback.
        from guild.util import log

        if log.debug_enabled():
            raise
        code = report(_unexpected(e))
    sys.stdout.flush()
    sys.exit(code or 0)


def _unexpected(e: Exception) -> GuildError:
    if isinstance(e, RecursionError):
        return GuildError("input is nested too deeply or refers to itself")
    if isinstance(e, OSError):
        return GuildError(str(e))
    return GuildError(f"unexpected error: {type(e).__name__}: {e}",
                      hint="Run the command again with 'guild --debug' to see where it happened.")


def _main(argv: list[str]) -> int | None:
    while argv and argv[0].startswith("-"):
        opt = argv.pop(0)
        if opt == "--version":
            from guild import __version__

            print(f"guild {__version__}")
            return 0
        if opt == "--help":
            return _print_root_help()
        if opt == "--debug":
            from guild.util import log

            log.set_debug()
        elif opt in ("-C", "-H"):
            if not argv:
                raise GuildError(f"option '{opt}' requires an argument", hint="Try 'guild --help' for more information.", exit_code=2)
            value = argv.pop(0)
            if opt == "-C":
                _chdir(value)
            else:
                from guild.store import home

                home.set_home_override(value)
        else:
            raise GuildError(f"unrecognized option '{opt}'", hint="Try 'guild --help' for more information.", exit_code=2)
    if not argv:
        return _print_root_help()
    name = ALIASES.get(argv[0], argv[0])
    if name not in COMMANDS:
        raise GuildError(f"No such command '{argv[0]}'.", hint="Try 'guild --help' for more information.", exit_code=2)
    rest = argv[1:]
    module_name = COMMANDS[name][0]
    typed = argv[0]
    if name == "runs":
        if rest and not rest[0].startswith("-"):
            typed = f"runs {rest[0]}"
        else:
            typed = None  # `guild runs` is `guild runs list`
        module_name, rest = _runs_subcommand(rest)
    return _dispatch(module_name, rest, typed)


def _runs_subcommand(rest: list[str]) -> tuple[str, list[str]]:
    if rest and not rest[0].startswith("-"):
        sub = RUNS_ALIASES.get(rest[0], rest[0])
        if sub not in RUNS_SUBCOMMANDS:
            raise GuildError(f"No such command '{rest[0]}'.", hint="Try 'guild runs --help' for more information.", exit_code=2)
        return RUNS_SUBCOMMANDS[sub][0], rest[1:]
    return RUNS_SUBCOMMANDS["list"][0], rest


def _dispatch(module_name: str, argv: list[str], typed_path: str | None = None) -> int | None:
    """Run a command module; `typed_path` is the command as the user typed it (for Try lines)."""
    import importlib

    from guild.util import cmdline as args_mod

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name == module_name:
            raise GuildError(f"command '{module_name.rsplit('.', 1)[-1]}' is not implemented yet") from None
        raise
    cmd = module.COMMAND
    if typed_path:
        cmd.path = typed_path  # one command per process: its modules' messages name it as typed
    ns = args_mod.parse(cmd, argv)
    if ns.help:
        sys.stdout.write(args_mod.format_help(cmd))
        return 0
    return module.main(ns)


def _chdir(path: str) -> None:
    try:
        os.chdir(path)
    except NotADirectoryError:
        raise GuildError(f"'{path}' is not a directory") from None
    except OSError:
        raise GuildError(f"directory '{path}' does not exist") from None


def _print_root_help() -> int:
    width = max(len(n) for n in COMMANDS)
    lines = [f"  {name:{width}}  {help_}" for name, (_, help_) in sorted(COMMANDS.items())]
    sys.stdout.write(ROOT_HELP + "\n".join(lines) + "\n")
    return 0
