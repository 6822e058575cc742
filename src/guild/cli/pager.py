"""Showing text in the user's pager ($PAGER, else `less -R`)."""

from __future__ import annotations

import os

from guild.errors import GuildError


def page(stdin=None, text: str | None = None) -> None:
    """Run the pager over the file `stdin`, or over `text`."""
    import shlex
    import subprocess

    cmd = os.environ.get("PAGER") or "less -R"
    try:
        subprocess.run(shlex.split(cmd), stdin=stdin, input=None if text is None else text.encode(),
                       check=False)
    except (OSError, ValueError) as e:  # a missing pager, unbalanced quotes
        raise GuildError(f"cannot run pager '{cmd}': {getattr(e, 'strerror', None) or e}") from None
