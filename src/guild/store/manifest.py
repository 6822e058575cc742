"""A run's `.guild/manifest` (runs.md §2.7): one shell-quoted word list per line.

`s <run-rel> <sha1> <project-rel>` lines record copied source files, `d`/`i` lines resolved
dependencies. Entries are only ever appended."""

from __future__ import annotations

import os


def manifest_path(run_dir: str) -> str:
    return os.path.join(run_dir, ".guild", "manifest")


def touch(run_dir: str) -> None:
    """Create an empty manifest if there is none."""
    with open(manifest_path(run_dir), "a"):
        pass


def append_entries(run_dir: str, entries: list[list[str]]) -> None:
    """Append one line per entry, each word shell-quoted."""
    if not entries:
        return
    from shlex import quote

    text = "".join(" ".join(quote(word) for word in entry) + "\n" for entry in entries)
    with open(manifest_path(run_dir), "a", encoding="utf-8") as f:
        f.write(text)


def read_entries(run_dir: str) -> list[list[str]]:
    """The manifest's entries as word lists; [] when there is no manifest. Lines that cannot be
    shell-split are skipped."""
    try:
        with open(manifest_path(run_dir), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    from shlex import split

    entries = []
    for line in lines:
        try:
            words = split(line)
        except ValueError:
            continue
        if words:
            entries.append(words)
    return entries
