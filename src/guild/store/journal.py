"""The run index's journal of changed runs: `<GUILD_HOME>/cache/index-changed/<run id>`.

Every write to a run through `store.run.Run` (attrs, markers, opref, deletion) creates the run's
entry *after* the write; the index removes an entry *before* it reads the run again. So a change
is either seen by that read or leaves an entry for the next one: the index never keeps a run
stale after our own writes, without a database write (or even an import of sqlite3) in the
process that runs the operation. The journal exists only once an index has been made."""

from __future__ import annotations

import os

DIRNAME = "index-changed"


def journal_dir(home: str) -> str:
    return os.path.join(home, "cache", DIRNAME)


def home_of_run(run_path: str) -> str | None:
    """The Guild home of a run under `<home>/runs` or `<home>/trash/runs`, else None."""
    root = os.path.dirname(run_path)
    if os.path.basename(root) != "runs":
        return None
    parent = os.path.dirname(root)
    if os.path.basename(parent) == "trash":
        return os.path.dirname(parent)
    return parent


def note_change(run_path: str, run_id: str) -> None:
    """Record that the run at `run_path` changed (nothing when the home has no index)."""
    home = home_of_run(run_path)
    if home is not None:
        note_change_id(home, run_id)


def note_change_id(home: str, run_id: str) -> None:
    try:
        fd = os.open(os.path.join(journal_dir(home), run_id), os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError:  # no index (no journal dir), or a read-only home
        return
    os.close(fd)


def take_changes(home: str) -> set[str]:
    """The ids of changed runs, each entry removed as it is taken (before the caller reads the
    run again)."""
    path = journal_dir(home)
    try:
        names = os.listdir(path)
    except OSError:
        return set()
    taken = set()
    for name in names:
        try:
            os.remove(os.path.join(path, name))
        except FileNotFoundError:
            pass
        except OSError:
            continue
        taken.add(name)
    return taken


def ensure(home: str) -> None:
    os.makedirs(journal_dir(home), exist_ok=True)
