"""Named archives (runs.md §12.4) and the user config file that decides where they live."""

from __future__ import annotations

import json
import os

import pytest

from guild.errors import GuildError
from guild.store import archives, home


@pytest.fixture
def user(tmp_path, monkeypatch):
    """An isolated user: HOME, an existing Guild home, a cwd, no GUILD_CONFIG."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    (tmp_path / "ghome").mkdir()
    monkeypatch.setenv("GUILD_HOME", str(tmp_path / "ghome"))
    monkeypatch.delenv("GUILD_CONFIG", raising=False)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return tmp_path


def test_user_config_path_order(user, monkeypatch):
    default = str(user / "user" / ".guild" / "config.yml")
    assert home.user_config_path() == default
    monkeypatch.setenv("GUILD_CONFIG", str(user / "cfg" / "c.yml"))
    assert home.user_config_path() == str(user / "cfg" / "c.yml")  # named, even if missing
    (user / "ghome" / "config.yml").write_text("{}")
    assert home.user_config_path() == str(user / "ghome" / "config.yml")  # an existing file wins
    (user / "cwd" / "guild-config.yml").write_text("{}")
    assert home.user_config_path() == str(user / "cwd" / "guild-config.yml")
    (user / "cfg").mkdir()
    (user / "cfg" / "c.yml").write_text("{}")
    assert home.user_config_path() == str(user / "cfg" / "c.yml")


def test_create_find_and_list(user):
    assert archives.list_archives() == []
    assert archives.find_archive("best") is None
    best = archives.create_archive("best", "The best")
    plain = archives.create_archive("a-plain")
    root = str(user / "user" / ".guild" / "archives")
    assert os.path.dirname(best.path) == root
    with open(os.path.join(best.path, "archive.json")) as f:
        assert json.load(f) == {"label": "best", "description": "The best"}
    with open(os.path.join(plain.path, "archive.json")) as f:
        assert json.load(f) == {"label": "a-plain"}
    assert [(a.label, a.description) for a in archives.list_archives()] == [("a-plain", None), ("best", "The best")]
    assert archives.find_archive("best").path == best.path
    # only the label is matched, never the directory name
    assert archives.find_archive(os.path.basename(best.path)) is None
    with pytest.raises(GuildError, match="^archive 'best' already exists$"):
        archives.create_archive("best")


def test_unreadable_entries_are_skipped(user):
    root = user / "user" / ".guild" / "archives"
    for name, text in [("bad-json", "{"), ("no-label", '{"x": 1}'), ("list", "[1]")]:
        (root / name).mkdir(parents=True)
        (root / name / "archive.json").write_text(text)
    (root / "no-meta").mkdir()
    assert archives.list_archives() == []
