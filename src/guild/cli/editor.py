"""Editing text in the user's editor ($VISUAL, $EDITOR, else vi): comments, flags."""

from __future__ import annotations

import os

from guild.errors import GuildError


def edit(text: str, suffix: str = ".txt") -> str:
    """`text` as the user leaves it in their editor, lines starting with `#` removed."""
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    fd, path = tempfile.mkstemp(prefix="guild-", suffix=suffix)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        try:
            subprocess.call(shlex.split(editor) + [path])
        except OSError as e:
            raise GuildError(f"cannot run editor '{editor}': {e.strerror}") from None
        except ValueError as e:  # unbalanced quotes
            raise GuildError(f"cannot run editor '{editor}': {e}") from None
        with open(path) as f:
            edited = f.read()
    finally:
        os.remove(path)
    return "\n".join(line for line in edited.split("\n") if not line.startswith("#")).strip()
