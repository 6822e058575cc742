"""Guild commands this guild does not provide: each says so in one `guild: ...` line, with what
to use instead. Guild packages (`install`, `package`, `packages`, `publish`, `search`,
`uninstall`) belonged to Guild's package index, which is gone."""

from __future__ import annotations

from guild.cli.commands import COMMANDS, RUNS_SUBCOMMANDS
from guild.errors import GuildError
from guild.util.cmdline import Arg, Command

_PACKAGES = "Guild packages are not supported (Guild's package index is gone)"
REASONS = {
    "install": f"{_PACKAGES} - install Python packages with 'pip install'",
    "uninstall": f"{_PACKAGES} - remove Python packages with 'pip uninstall'",
    "packages": f"{_PACKAGES} - list Python packages with 'pip list'",
    "package": f"{_PACKAGES} - build a wheel of your project with 'pip wheel .' or 'python -m build'",
    "search": f"{_PACKAGES} - search PyPI at https://pypi.org",
    "publish": "publishing runs is not supported - use 'guild export' to copy runs to a directory or zip file",
    "tensorflow": "TensorFlow tools are not part of this guild - use 'guild tensorboard' to view runs",
    "sync": "syncing remote runs is not supported - 'guild pull REMOTE' copies remote runs here",
    "sys": "system utilities are not part of this guild - use 'guild check' for the setup",
}


def command_for(path: str) -> Command:
    name = path.split()[-1] if path else ""
    help_ = (RUNS_SUBCOMMANDS if path.startswith("runs ") else COMMANDS).get(name, ("", ""))[1]
    return Command(path, help_, args=[Arg("args", "*", "ARGS")])


def main(args, path: str) -> int:
    name = path.split()[-1] if path else ""
    reason = REASONS.get(name, "this command is not available in this version of guild")
    raise GuildError(f"'guild {path}': {reason}")
