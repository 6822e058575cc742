"""Every `guild` command: its module and its one-line help, by name, with aliases and command
groups (`guild runs ...`, `guild api ...`). Modules are imported only when their command runs;
`guild.cli.unavailable` answers for commands this guild does not provide."""

from __future__ import annotations

UNAVAILABLE = "guild.cli.unavailable"

# name -> (module, one-line help), as `guild --help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "api": ("", "CLI based API calls."),  # a group: its subcommands have modules
    "archive": ("guild.cli.archive", "Archive one or more runs."),
    "cat": ("guild.cli.cat", "Show contents of a run file."),
    "check": ("guild.cli.check", "Check the Guild setup."),
    "comment": ("guild.cli.comment", "Add or remove run comments."),
    "compare": ("guild.cli.compare", "Compare run results."),
    "completion": ("guild.cli.completion", "Generate command completion script."),
    "diff": ("guild.cli.diff", "Diff two runs."),
    "download": ("guild.cli.download", "Download a file resource."),
    "export": ("guild.cli.export", "Export one or more runs."),
    "help": ("guild.cli.help", "Show help for a path or package."),
    "import": ("guild.cli.import_runs", "Import one or more runs from `ARCHIVE`."),
    "init": ("guild.cli.init", "Initialize a Guild environment."),
    "install": (UNAVAILABLE, "Install one or more packages."),
    "label": ("guild.cli.label", "Set run labels."),
    "ls": ("guild.cli.ls", "List run files."),
    "mark": ("guild.cli.mark", "Mark a run."),
    "merge": ("guild.cli.merge", "Copy run files to a project directory."),
    "models": ("guild.cli.models", "Show available models."),
    "open": ("guild.cli.open", "Open a run path or output."),
    "operations": ("guild.cli.operations", "Show model operations."),
    "package": (UNAVAILABLE, "Create a package for distribution."),
    "packages": (UNAVAILABLE, "Show or manage packages."),
    "publish": (UNAVAILABLE, "Publish one or more runs."),
    "pull": ("guild.cli.pull", "Copy one or more runs from a remote location."),
    "push": ("guild.cli.push", "Copy one or more runs to a remote location."),
    "remote": ("guild.cli.remote", "Manage remote status."),
    "remotes": ("guild.cli.remotes", "Show available remotes."),
    "run": ("guild.cli.run", "Run an operation."),
    "runs": ("guild.cli.runs_list", "Show or manage runs."),
    "search": (UNAVAILABLE, "Search for a package."),
    "select": ("guild.cli.select", "Select a run and shows its ID."),
    "shell": ("guild.cli.shell", "Start a Python shell for API use."),
    "stop": ("guild.cli.stop", "Stop one or more runs."),
    "sync": (UNAVAILABLE, "Synchronize remote runs."),
    "sys": (UNAVAILABLE, "System utilities."),
    "tag": ("guild.cli.tag", "Add or remove run tags."),
    "tensorboard": ("guild.cli.tensorboard", "Visualize runs with TensorBoard."),
    "tensorflow": (UNAVAILABLE, "Collection of TensorFlow tools."),
    "uninstall": (UNAVAILABLE, "Uninstall one or more packages."),
    "view": ("guild.cli.view", "Visualize runs in a local web application."),
    "watch": ("guild.cli.watch", "Watch run output."),
}
ALIASES = {"ops": "operations"}

RUNS_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "archive": ("guild.cli.archive", "Archive one or more runs."),
    "comment": ("guild.cli.comment", "Add or remove run comments."),
    "delete": ("guild.cli.runs_delete", "Delete one or more runs."),
    "diff": ("guild.cli.diff", "Diff two runs."),
    "export": ("guild.cli.export", "Export one or more runs."),
    "import": ("guild.cli.import_runs", "Import one or more runs from `ARCHIVE`."),
    "info": ("guild.cli.runs_info", "Show run information."),
    "label": ("guild.cli.label", "Set run labels."),
    "list": ("guild.cli.runs_list", "List runs."),
    "mark": ("guild.cli.mark", "Mark a run."),
    "merge": ("guild.cli.merge", "Copy run files to a project directory."),
    "publish": (UNAVAILABLE, "Publish one or more runs."),
    "pull": ("guild.cli.pull", "Copy one or more runs from a remote location."),
    "purge": ("guild.cli.runs_purge", "Permanentaly delete one or more deleted runs."),
    "push": ("guild.cli.push", "Copy one or more runs to a remote location."),
    "restore": ("guild.cli.runs_restore", "Restore one or more deleted runs."),
    "stop": ("guild.cli.stop", "Stop one or more runs."),
    "tag": ("guild.cli.tag", "Add or remove run tags."),
}
RUNS_ALIASES = {"rm": "delete", "ls": "list"}
HIDDEN_ALIASES = {"ls"}  # accepted, not listed (as in Guild)

API_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "compare": ("guild.cli.api_compare", "Show run comparison data as JSON."),
    "help-op": ("guild.cli.api_help_op", "Show operation help as JSON."),
    "merge": ("guild.cli.api_merge", "Copy run files to a project directory (JSON output)."),
    "ops": ("guild.cli.api_ops", "Show the project's operations as JSON."),
    "runs": ("guild.cli.api_runs", "Show runs as JSON."),
}

# Command groups: their subcommands, aliases, and the subcommand the bare group runs (None:
# the group's help), with the group's own description.
GROUPS: dict[str, tuple[dict[str, tuple[str, str]], dict[str, str], str | None]] = {
    "runs": (RUNS_SUBCOMMANDS, RUNS_ALIASES, "list"),
    "api": (API_SUBCOMMANDS, {}, None),
}
GROUP_DESCRIPTIONS = {
    "runs": "If `COMMAND` is omitted, lists runs. Refer to ``guild runs list\n--help`` for more information on "
            "the `list` command.",
    "api": "",
}


def command_rows(commands: dict[str, tuple[str, str]], aliases: dict[str, str]) -> list[tuple[str, str]]:
    """(`name, alias`, help) rows of a command listing."""
    alias_of: dict[str, list[str]] = {}
    for alias, name in aliases.items():
        if alias not in HIDDEN_ALIASES:
            alias_of.setdefault(name, []).append(alias)
    return [(", ".join([name, *sorted(alias_of.get(name, []))]), help_)
            for name, (_, help_) in sorted(commands.items())]
