"""`.guild/manifest` lines: shell-quoted word lists, appended (runs.md §2.7)."""

import os

from guild.store import manifest


def _run_dir(tmp_path):
    os.makedirs(tmp_path / ".guild")
    return str(tmp_path)


def test_touch_creates_an_empty_manifest_and_keeps_existing_entries(tmp_path):
    run_dir = _run_dir(tmp_path)
    assert manifest.read_entries(run_dir) == []
    manifest.touch(run_dir)
    assert (tmp_path / ".guild" / "manifest").read_text() == ""
    manifest.append_entries(run_dir, [["s", "a.py", "abc", "a.py"]])
    manifest.touch(run_dir)
    assert manifest.read_entries(run_dir) == [["s", "a.py", "abc", "a.py"]]


def test_entries_are_shell_quoted_and_round_trip(tmp_path):
    run_dir = _run_dir(tmp_path)
    entries = [
        ["s", "my file.py", "f572d3", "src/my file.py"],
        ["d", "linked", "-", "file:link-target"],
        ["d", "it's", "-", "file:x", ""],
    ]
    manifest.append_entries(run_dir, entries[:1])
    manifest.append_entries(run_dir, entries[1:])
    text = (tmp_path / ".guild" / "manifest").read_text()
    assert text.splitlines()[:2] == [
        "s 'my file.py' f572d3 'src/my file.py'",
        "d linked - file:link-target",
    ]
    assert manifest.read_entries(run_dir) == entries


def test_reading_a_guild_09_manifest(tmp_path):
    run_dir = _run_dir(tmp_path)
    (tmp_path / ".guild" / "manifest").write_text(
        "s train.py 10521b6dc89eb64e1abd960feee238c441e4f2c0 train.py\n"
        "d model.txt f05b27d95097efaf1045747ea869455c28356eda operation:train\n"
    )
    assert manifest.read_entries(run_dir) == [
        ["s", "train.py", "10521b6dc89eb64e1abd960feee238c441e4f2c0", "train.py"],
        ["d", "model.txt", "f05b27d95097efaf1045747ea869455c28356eda", "operation:train"],
    ]
