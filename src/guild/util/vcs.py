"""What git says about files in a directory (the merge check for unstaged changes)."""

from __future__ import annotations

import os


def unstaged_paths(directory: str, paths: list[str]) -> list[str] | None:
    """Those of `paths` (relative to `directory`) with changes git has not staged, untracked
    files included; None when `directory` is not in a git work tree (or git is missing)."""
    import subprocess

    if not paths:
        return []
    try:
        proc = subprocess.run(
            ["git", "-C", directory, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths],
            capture_output=True, timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    top = _toplevel(directory)
    found = set()
    entries = proc.stdout.decode("utf-8", "replace").split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        if status[0] in "RC":  # a rename or copy is followed by its source path
            i += 1
        if status[1] != " ":
            found.add(os.path.normpath(os.path.relpath(os.path.join(top or directory, path), directory)))
    return [p for p in paths if os.path.normpath(p) in found]


def _toplevel(directory: str) -> str | None:
    """git status paths are relative to the work tree's top."""
    import subprocess

    try:
        proc = subprocess.run(["git", "-C", directory, "rev-parse", "--show-toplevel"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None
