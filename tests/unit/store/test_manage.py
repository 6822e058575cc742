"""Unit tests of guild.store.manage: trash/restore/purge, labels, tags, comments, export/import,
zip archives and stopping processes."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from guild.errors import GuildError, RunError
from guild.store import manage
from guild.store.run import Run
from guild.util import procs


def make_run(parent: str, run_id: str, **attrs) -> Run:
    guild_dir = os.path.join(parent, run_id, ".guild")
    os.makedirs(os.path.join(guild_dir, "attrs"))
    with open(os.path.join(guild_dir, "opref"), "w") as f:
        f.write("guildfile:/p/guild.yml abc '' train")
    run = Run.for_dir(os.path.join(parent, run_id))
    for name, val in attrs.items():
        run.write_attr(name, val)
    return run


@pytest.fixture
def home(tmp_path):
    path = str(tmp_path / "home")
    os.makedirs(os.path.join(path, "runs"))
    return path


def runs(home):
    return os.path.join(home, "runs")


def trash(home):
    return os.path.join(home, "trash", "runs")


# ---- trash, restore, purge


def test_trash_moves_run_and_creates_parents(home):
    run = make_run(runs(home), "a" * 32)
    dest = manage.trash_run(run, home)
    assert dest == os.path.join(trash(home), "a" * 32)
    assert os.path.exists(os.path.join(dest, ".guild", "opref"))
    assert not os.path.exists(run.path)


def test_trash_backs_up_existing_entry(home, capsys):
    old = make_run(trash(home), "a" * 32, label="old")
    run = make_run(runs(home), "a" * 32, label="new")
    manage.trash_run(run, home)
    entries = sorted(os.listdir(trash(home)))
    assert len(entries) == 2
    backup = [e for e in entries if e != "a" * 32][0]
    assert backup.startswith("a" * 32 + "_")
    assert Run.for_dir(os.path.join(trash(home), "a" * 32)).get("label") == "new"
    assert Run.for_dir(os.path.join(trash(home), backup)).get("label") == "old"
    err = capsys.readouterr().err
    assert err == f"WARNING: {old.path} exists, moving to {os.path.join(trash(home), backup)}\n"


def test_restore_moves_back_with_backup(home, capsys):
    make_run(runs(home), "b" * 32, label="current")
    trashed = make_run(trash(home), "b" * 32, label="trashed")
    manage.restore_run(trashed, home)
    assert Run.for_dir(os.path.join(runs(home), "b" * 32)).get("label") == "trashed"
    assert len(os.listdir(runs(home))) == 2
    assert "exists, moving to" in capsys.readouterr().err


def test_purge_removes_runs_in_home(home):
    run = make_run(runs(home), "c" * 32)
    trashed = make_run(trash(home), "d" * 32)
    manage.purge_run(run, home)
    manage.purge_run(trashed, home)
    assert os.listdir(runs(home)) == []
    assert os.listdir(trash(home)) == []


def test_purge_refuses_paths_outside_home(home, tmp_path):
    outside = make_run(str(tmp_path / "elsewhere"), "e" * 32)
    with pytest.raises(RunError):
        manage.purge_run(outside, home)
    assert os.path.exists(outside.path)


def test_purge_refuses_symlink_out_of_runs(home, tmp_path):
    outside = make_run(str(tmp_path / "elsewhere"), "f" * 32)
    link = os.path.join(runs(home), "f" * 32)
    os.symlink(outside.path, link)
    with pytest.raises(RunError):
        manage.purge_run(Run.for_dir(link), home)
    assert os.path.exists(os.path.join(outside.path, ".guild", "opref"))


def test_purge_refuses_nested_dirs(home):
    nested = make_run(os.path.join(runs(home), "x" * 32), "g" * 32)
    with pytest.raises(RunError):
        manage.purge_run(nested, home)


# ---- labels and tags


@pytest.mark.parametrize("label, patterns, expected", [
    ("a b c", ["b"], "a c"),
    ("ab b abc", ["b"], "ab abc"),
    ("x=1  y=2   z=3", ["y=2"], "x=1 z=3"),
    ("lr=0.1 lr=0.2 other", ["lr=.*?"], "other"),
    ("keep", ["missing"], "keep"),
    ("a b", ["a", "b"], ""),
])
def test_remove_words(label, patterns, expected):
    assert manage.remove_words(label, patterns) == expected


def test_remove_words_literal():
    assert manage.remove_words("a.b axb", ["a.b"], regex=False) == "axb"


def test_remove_words_bad_regex():
    with pytest.raises(GuildError):
        manage.remove_words("a", ["("])


def test_updated_tags():
    assert manage.updated_tags(["b", "a"], add=["c"], delete=["a"]) == ["b", "c"]
    assert manage.updated_tags(["b", "a"], add=["z"], clear=True) == ["z"]
    assert manage.updated_tags(["a"], add=["a"]) == ["a"]
    assert manage.updated_tags([], delete=["x"]) == []


def test_synced_label():
    assert manage.synced_label("x=1", [], ["t1", "t2"]) == "t1 t2 x=1"
    assert manage.synced_label("t1 x=1", [], ["t1", "t2"]) == "t2 t1 x=1"
    assert manage.synced_label("old x=1", ["old"], ["new"]) == "new x=1"
    assert manage.synced_label("", [], ["t"]) == "t "
    assert manage.synced_label("a.b axb", ["a.b"], []) == "axb"


def test_set_label_and_clear(home):
    run = make_run(runs(home), "a" * 32)
    manage.set_label(run, "hello")
    assert Run.for_dir(run.path).get("label") == "hello"
    manage.set_label(run, None)
    assert not Run.for_dir(run.path).has_attr("label")


# ---- comments and marks


def test_comments_add_delete_clear(home):
    run = make_run(runs(home), "a" * 32)
    manage.add_comment(run, "first", "u", "h", time_us=1)
    manage.add_comment(run, "second", "u2", "h2", time_us=2)
    fresh = Run.for_dir(run.path)
    assert manage.run_comments(fresh) == [
        {"body": "first", "host": "h", "time": 1, "user": "u"},
        {"body": "second", "host": "h2", "time": 2, "user": "u2"},
    ]
    assert manage.delete_comment(fresh, 3) is False
    assert manage.delete_comment(fresh, 0) is False
    assert manage.delete_comment(fresh, 1) is True
    assert [c["body"] for c in manage.run_comments(Run.for_dir(run.path))] == ["second"]
    manage.clear_comments(fresh)
    assert not Run.for_dir(run.path).has_attr("comments")


def test_delete_comment_without_comments(home):
    run = make_run(runs(home), "a" * 32)
    assert manage.delete_comment(run, 1) is False


def test_set_marked(home):
    run = make_run(runs(home), "a" * 32)
    manage.set_marked(run, True)
    with open(run.attr_path("marked")) as f:
        assert f.read() == "true\n"
    manage.set_marked(run, False)
    assert not run.has_attr("marked")


# ---- export / import


def _run_with_files(parent: str, run_id: str) -> Run:
    run = make_run(parent, run_id)
    with open(os.path.join(run.path, "model.txt"), "w") as f:
        f.write("weights")
    os.makedirs(os.path.join(run.path, "sub"))
    with open(os.path.join(run.path, "sub", "x.txt"), "w") as f:
        f.write("x")
    os.symlink("model.txt", os.path.join(run.path, "link.txt"))
    return run


def test_export_dir_keeps_symlinks(home, tmp_path, capsys):
    run = _run_with_files(runs(home), "a" * 32)
    dest = str(tmp_path / "exported")
    exported = manage.export_runs([run], dest)
    assert exported == [run]
    copy = os.path.join(dest, run.id)
    assert os.path.islink(os.path.join(copy, "link.txt"))
    assert os.readlink(os.path.join(copy, "link.txt")) == "model.txt"
    assert os.path.exists(os.path.join(dest, ".guild-nocopy"))
    assert os.path.exists(run.path)
    assert capsys.readouterr().err == f"Copying {run.id}\n"


def test_export_dir_copy_resources_follows_links(home, tmp_path):
    run = _run_with_files(runs(home), "a" * 32)
    dest = str(tmp_path / "exported")
    manage.export_runs([run], dest, copy_resources=True)
    link = os.path.join(dest, run.id, "link.txt")
    assert not os.path.islink(link)
    with open(link) as f:
        assert f.read() == "weights"


def test_export_dir_move_and_skip_existing(home, tmp_path, capsys):
    a = _run_with_files(runs(home), "a" * 32)
    b = make_run(runs(home), "b" * 32)
    dest = str(tmp_path / "exported")
    os.makedirs(os.path.join(dest, b.id))
    exported = manage.export_runs([a, b], dest, move=True)
    assert exported == [a]
    assert not os.path.exists(a.path)
    assert os.path.exists(b.path)
    err = capsys.readouterr().err
    assert f"Moving {a.id}\n" in err
    assert f"WARNING: {os.path.join(dest, b.id)} exists, skipping\n" in err


def test_export_to_file_is_an_error(home, tmp_path):
    run = make_run(runs(home), "a" * 32)
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(GuildError, match="is not a directory"):
        manage.export_runs([run], str(path))


def test_zip_roundtrip_keeps_symlinks(home, tmp_path, capsys):
    run = _run_with_files(runs(home), "a" * 32)
    zpath = str(tmp_path / "out.ZIP")
    assert manage.export_runs([run], zpath) == [run]
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
    assert f"{run.id}/" in names
    assert f"{run.id}/sub/" in names
    assert f"{run.id}/sub/x.txt" in names
    assert f"{run.id}/.guild/opref" in names
    dest = str(tmp_path / "unpacked")
    manage.unpack_zip(zpath, dest)
    copy = os.path.join(dest, run.id)
    assert os.readlink(os.path.join(copy, "link.txt")) == "model.txt"
    with open(os.path.join(copy, "sub", "x.txt")) as f:
        assert f.read() == "x"
    # A second export keeps the old entries and skips the run already there.
    other = make_run(runs(home), "b" * 32)
    capsys.readouterr()
    assert manage.export_runs([run, other], zpath) == [other]
    assert capsys.readouterr().err == f"WARNING: {run.id} exists, skipping\nCopying {other.id}\n"
    with zipfile.ZipFile(zpath) as zf:
        tops = {n.split("/")[0] for n in zf.namelist()}
    assert tops == {run.id, other.id}


def test_zip_export_move_removes_runs(home, tmp_path):
    run = make_run(runs(home), "a" * 32)
    manage.export_runs([run], str(tmp_path / "x.zip"), move=True)
    assert not os.path.exists(run.path)


def test_unpack_zip_ignores_escaping_entries(tmp_path):
    zpath = str(tmp_path / "evil.zip")
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("../escaped.txt", "bad")
        zf.writestr("ok/file.txt", "good")
    manage.unpack_zip(zpath, str(tmp_path / "dest"))
    assert not os.path.exists(tmp_path / "escaped.txt")
    assert (tmp_path / "dest" / "ok" / "file.txt").read_text() == "good"


def test_import_runs_copy_move_and_skip(home, tmp_path, capsys):
    archive = str(tmp_path / "archive")
    a = _run_with_files(archive, "a" * 32)
    b = make_run(archive, "b" * 32)
    make_run(runs(home), b.id)
    imported = manage.import_runs([a, b], home=home)
    assert imported == [a]
    assert os.path.islink(os.path.join(runs(home), a.id, "link.txt"))
    assert os.path.exists(a.path)
    err = capsys.readouterr().err
    assert err == f"Copying {a.id}\nWARNING: {b.id} exists, skipping\n"
    c = make_run(archive, "c" * 32)
    assert manage.import_runs([c], move=True, home=home) == [c]
    assert not os.path.exists(c.path)


def test_archive_runs_dir_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    assert manage.archive_runs_dir(str(tmp_path)) == str(tmp_path)
    f = tmp_path / "plain"
    f.write_text("x")
    with pytest.raises(GuildError, match="^invalid archive .* - expected a directory or a zip file$"):
        manage.archive_runs_dir(str(f))
    with pytest.raises(GuildError, match="is not a valid archive"):
        manage.archive_runs_dir("no-such-archive")


def test_named_archive_lookup(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    arch = tmp_path / "user" / ".guild" / "archives" / "1234"
    arch.mkdir(parents=True)
    (arch / "archive.json").write_text('{"label": "best"}')
    assert manage.archive_runs_dir("best") == str(arch)
    assert manage.find_named_archive("1234") is None


# ---- processes


def _spawn_sleeper() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def test_pid_alive_and_stop_process():
    proc = _spawn_sleeper()
    try:
        assert procs.pid_alive(proc.pid)
        assert manage.stop_process(proc.pid, timeout=10) == []
        # The zombie left until we reap it counts as gone.
        assert not procs.pid_alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert not procs.pid_alive(proc.pid)


def test_stop_process_stops_children():
    code = ("import subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)']); "
            "print(c.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        child_pid = int(parent.stdout.readline())
        assert parent.stdout.readline().strip() == "1"  # the child ignores SIGTERM from now on
        assert procs.descendants(parent.pid) == [child_pid]
        stuck = manage.stop_process(parent.pid, timeout=0.2)
        assert stuck == [child_pid]
        assert manage.stop_process(child_pid, timeout=0.2, force=True) == []
    finally:
        parent.kill()
        parent.wait()


def test_stop_run_without_process(home):
    run = make_run(runs(home), "a" * 32)
    assert manage.stop_run(run) is None
    run.set_marker("LOCK", content="999999999")
    assert manage.stop_run(run) is None


def test_copy_resources_skips_dangling_links(home, tmp_path):
    run = make_run(runs(home), "a" * 32)
    os.symlink("missing.txt", os.path.join(run.path, "broken"))
    dest = str(tmp_path / "exported")
    manage.export_runs([run], dest, copy_resources=True)
    assert not os.path.lexists(os.path.join(dest, run.id, "broken"))
    assert os.path.exists(os.path.join(dest, run.id, ".guild", "opref"))
