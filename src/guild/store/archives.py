"""Named run archives (runs.md §12.4): directories `<config home>/archives/<uuid>/` holding run
dirs, described by an `archive.json` `{"label": NAME, "description"?: TEXT}`. `<config home>` is
the directory of the user config file in use. Archives are found by label only."""

from __future__ import annotations

import os

from guild.errors import GuildError

META_FILE = "archive.json"


class Archive:
    """One named archive: its directory, label and optional description."""

    def __init__(self, path: str, label: str, description: str | None = None):
        self.path = path
        self.label = label
        self.description = description

    def __repr__(self) -> str:
        return f"<Archive {self.label!r}>"


def archives_dir() -> str:
    from guild.store import home

    return os.path.join(os.path.dirname(home.user_config_path()), "archives")


def list_archives() -> list[Archive]:
    """Every named archive, sorted by label. Dirs without a readable archive.json are skipped."""
    root = archives_dir()
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return []
    found = []
    for entry in entries:
        archive = _read_archive(os.path.join(root, entry))
        if archive is not None:
            found.append(archive)
    return sorted(found, key=lambda a: a.label)


def _read_archive(path: str) -> Archive | None:
    import json

    try:
        with open(os.path.join(path, META_FILE), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("label"), str):
        return None
    desc = data.get("description")
    return Archive(path, data["label"], desc if isinstance(desc, str) else None)


def find_archive(name: str) -> Archive | None:
    """The archive labelled `name` (the directory name never matches, as in the reference)."""
    for archive in list_archives():
        if archive.label == name:
            return archive
    return None


def create_archive(name: str, description: str | None = None) -> Archive:
    """Make a new archive labelled `name`. Raises GuildError if one exists already."""
    import json
    import uuid

    from guild.util.files import write_atomic

    if not name.strip():
        raise GuildError("archive name cannot be empty")
    if find_archive(name) is not None:
        raise GuildError(f"archive '{name}' already exists")
    path = os.path.join(archives_dir(), uuid.uuid4().hex)
    os.makedirs(path)
    meta: dict[str, str] = {"label": name}
    if description:
        meta["description"] = description
    write_atomic(os.path.join(path, META_FILE), json.dumps(meta))
    return Archive(path, name, description)
