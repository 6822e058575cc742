"""Yes/no prompts on stderr, and the preview → confirm step of run-changing commands (runs.md §11.1)."""

from __future__ import annotations

import sys

from guild.errors import GuildError
from guild.store.run import Run


def confirm(prompt: str, default: bool = True) -> bool:
    """Ask `<prompt> (Y/n) ` on stderr. `y`/`yes` (any case) is yes, empty input the default.

    EOF or Ctrl-C at the prompt ends the command with exit 1."""
    sys.stderr.write(f"{prompt} {'(Y/n)' if default else '(y/N)'} ")
    sys.stderr.flush()
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except KeyboardInterrupt:
        line = ""
    if not line:
        sys.stderr.write("\n")
        raise GuildError(quiet=True, exit_code=1)
    answer = line.strip().lower()
    if not answer:
        return default
    return answer in ("y", "yes")


def preview_and_confirm(header: str, runs: list[Run], prompt: str, default: bool = True,
                        yes: bool = False) -> bool:
    """Show `header`, the runs (indented rows) and ask `prompt`; True at once when `yes`."""
    if yes:
        return True
    from guild.cli import format

    sys.stderr.write(header + "\n")
    format.write_table([format.preview_row(r) for r in runs], out=sys.stderr, indent="  ")
    return confirm(prompt, default)
