"""The `guild` entry point: global options, lazy command dispatch, error reporting.

Each command lives in its own module exposing `COMMAND` (a `util.cmdline.Command`) and
`main(args) -> int | None`. Modules are imported only when their command runs."""

from __future__ import annotations

import os
import sys

from guild.errors import GuildError, Interrupted, report, unexpected

from guild.cli.commands import ALIASES, COMMANDS, GROUP_DESCRIPTIONS, GROUPS, UNAVAILABLE, command_rows

ROOT_DESCRIPTION = "Guild AI command line interface."
ROOT_OPTIONS = [
    ("--version", "Show the version and exit."),
    ("-C PATH", "Use PATH as current directory for a command."),
    ("-H PATH", "Use PATH as Guild home."),
    ("--debug", "Log more information during command."),
    ("--help", "Show this message and exit."),
]


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    # A command makes many small objects at once (a Run per listed run): collecting cycles
    # every 700 allocations costs listings of 100,000 runs a fifth of their time.
    import gc

    gc.set_threshold(50_000, 20, 20)
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
        code = report(unexpected(e))
    sys.stdout.flush()
    sys.exit(code or 0)


def _main(argv: list[str]) -> int | None:
    while argv and argv[0].startswith("-"):
        opt = argv.pop(0)
        if opt == "--version":
            from guild import version_line

            print(version_line())
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
    if argv[0] == "__complete":  # shell completion (`guild completion` scripts call it)
        from guild.cli import complete

        return complete.main(argv[1:])
    name = ALIASES.get(argv[0], argv[0])
    if name not in COMMANDS:
        from guild.util.text import did_you_mean

        hint = did_you_mean(argv[0], [*COMMANDS, *ALIASES])
        raise GuildError(f"No such command '{argv[0]}'.{hint}", hint="Try 'guild --help' for more information.",
                         exit_code=2)
    rest = argv[1:]
    module_name = COMMANDS[name][0]
    typed = argv[0]
    if name in GROUPS:
        if rest and not rest[0].startswith("-"):
            typed = f"{name} {rest[0]}"
        else:
            typed = None  # e.g. `guild runs` is `guild runs list`
        if rest[:1] in (["--help"], ["-h"]):
            return _print_group_help(name)
        group = _group_subcommand(name, rest)
        if group is None:
            return _print_group_help(name)
        module_name, rest = group
    return _dispatch(module_name, rest, typed)


def _group_subcommand(group: str, rest: list[str]) -> tuple[str, list[str]] | None:
    """The module and args of a group's subcommand (None: show the group's help)."""
    subcommands, aliases, default = GROUPS[group]
    if rest and not rest[0].startswith("-"):
        sub = aliases.get(rest[0], rest[0])
        if sub not in subcommands:
            from guild.util.text import did_you_mean

            raise GuildError(f"No such command '{rest[0]}'.{did_you_mean(rest[0], subcommands)}",
                             hint=f"Try 'guild {group} --help' for more information.", exit_code=2)
        return subcommands[sub][0], rest[1:]
    if default is None:
        return None
    return subcommands[default][0], rest


def _print_group_help(group: str) -> int:
    """A group's help: its description, the options of the subcommand the bare group runs, and
    its subcommands."""
    import importlib

    from guild import __version__
    from guild.util import cmdline

    subcommands, aliases, default = GROUPS[group]
    options = importlib.import_module(subcommands[default][0]).COMMAND.options if default else []
    cmd = cmdline.Command(group, COMMANDS[group][1], options=options, description=GROUP_DESCRIPTIONS[group])
    sys.stdout.write(cmdline.format_help(cmd, command_rows(subcommands, aliases), __version__))
    return 0


def _dispatch(module_name: str, argv: list[str], typed_path: str | None = None) -> int | None:
    """Run a command module; `typed_path` is the command as the user typed it (for Try lines)."""
    import importlib

    from guild.util import cmdline as args_mod

    module = importlib.import_module(module_name)
    if module_name == UNAVAILABLE:
        cmd = module.command_for(typed_path or "")
    else:
        cmd = module.COMMAND
    if typed_path:
        cmd.path = typed_path  # one command per process: its modules' messages name it as typed
    ns = args_mod.parse(cmd, argv)
    if ns.help:
        from guild import __version__

        sys.stdout.write(args_mod.format_help(cmd, version=__version__))
        return 0
    if module_name == UNAVAILABLE:
        return module.main(ns, cmd.path)
    if ns.get("remote") and module_name != "guild.cli.run" and any(o.dest == "remote" for o in cmd.options):
        from guild.cli.remote_passthrough import run_there

        code = run_there(ns.remote, cmd.path, argv)
        if code is not None:
            return code
    return module.main(ns)


def _chdir(path: str) -> None:
    try:
        os.chdir(path)
    except NotADirectoryError:
        raise GuildError(f"'{path}' is not a directory") from None
    except OSError:
        raise GuildError(f"directory '{path}' does not exist") from None


def _print_root_help() -> int:
    from guild.util import cmdline

    text = ["Usage: guild [OPTIONS] COMMAND [ARGS]...", "", f"  {ROOT_DESCRIPTION}", "", "Options:"]
    text += cmdline.definition_list(ROOT_OPTIONS)
    text += ["", "Commands:"]
    text += cmdline.definition_list([(t, cmdline.render(h)) for t, h in command_rows(COMMANDS, ALIASES)])
    sys.stdout.write("\n".join(text) + "\n")
    return 0
