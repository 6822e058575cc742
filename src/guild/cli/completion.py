"""`guild completion [--shell bash|zsh|fish] [--install]`: the shell script that completes guild
command lines (it asks `guild __complete` for candidates), printed or installed."""

from __future__ import annotations

import os
import sys

from guild.errors import GuildError
from guild.util.cmdline import Command, Opt

COMMAND = Command(
    "completion",
    "Generate command completion script.",
    options=[
        Opt(["-s", "--shell"], "shell", "value", metavar="SHELL",
            help="Shell to generate the script for: bash, zsh or fish (default is the current shell)."),
        Opt(["-i", "--install"], "install", help="Install the script for the shell (in its startup file "
                                                  "or completions directory)."),
    ],
    epilog="""\
  To try completion in the current bash or zsh session:

      source <(guild completion)

  To have it in every session, use `guild completion --install`.""",
)

SCRIPTS = {
    "bash": """\
# guild command completion (bash)
_guild_complete() {
    local IFS=$'\\n'
    COMPREPLY=($(COMP_CWORD=$COMP_CWORD guild __complete bash "${COMP_WORDS[@]}" 2>/dev/null))
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
}
complete -o default -o bashdefault -F _guild_complete guild
""",
    "zsh": """\
#compdef guild
# guild command completion (zsh)
_guild_complete() {
    local -a found
    found=("${(@f)$(COMP_CWORD=$((CURRENT - 1)) guild __complete zsh "${words[@]}" 2>/dev/null)}")
    if [[ ${#found[@]} -eq 1 && -z ${found[1]} ]]; then
        _files
    else
        compadd -Q -S '' -- "${found[@]}"
    fi
}
if (( $+functions[compdef] )); then
    compdef _guild_complete guild
fi
""",
    "fish": """\
# guild command completion (fish)
function __guild_complete
    set -l words (commandline -opc) (commandline -ct)
    guild __complete fish $words 2>/dev/null
end
complete -c guild -f -a '(__guild_complete)'
""",
}

_STARTUP = {"bash": "~/.bashrc", "zsh": "~/.zshrc"}
_FISH_FILE = "~/.config/fish/completions/guild.fish"


def main(args) -> int:
    shell = args.shell or os.path.basename(os.environ.get("SHELL") or "bash")
    if shell not in SCRIPTS:
        raise GuildError(f"unsupported shell '{shell}'", hint="Use --shell bash, zsh or fish.")
    if not args.install:
        sys.stdout.write(SCRIPTS[shell])
        return 0
    print(_install(shell))
    return 0


def _install(shell: str) -> str:
    if shell == "fish":
        path = os.path.expanduser(_FISH_FILE)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(SCRIPTS["fish"])
        return f"Installed guild completion in {path}"
    path = os.path.expanduser(_STARTUP[shell])
    line = f"source <(guild completion --shell {shell})  # guild command completion"
    try:
        with open(path) as f:
            if line in f.read():
                return f"guild completion is already installed in {path}"
    except FileNotFoundError:
        pass
    with open(path, "a") as f:
        f.write(f"\n{line}\n")
    return f"Installed guild completion in {path} (open a new shell to use it)"
