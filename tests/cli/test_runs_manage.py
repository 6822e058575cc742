"""The commands that change runs (runs.md §11, §12.3): delete / restore / purge, label, tag, comment,
mark, stop, export / import and diff, driven through the real `guild` command."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from guild.store.run import Run

BASE_TS = 1795484733000000  # 2026-11-24 (UTC); rows are compared without their times


def mkrun(genv, run_id: str, op: str = "train", *, n: int = 0, where: str = "runs",
          label: str | None = None, exit_status: int | None = 0, **attrs) -> Run:
    """A run dir written directly: `.guild/opref` plus attrs. Higher `n` = newer."""
    run_id = run_id.ljust(32, "0")
    path = os.path.join(genv.home, *where.split("/"), run_id)
    os.makedirs(os.path.join(path, ".guild", "attrs"))
    with open(os.path.join(path, ".guild", "opref"), "w") as f:
        f.write(f"guildfile:{genv.project}/guild.yml abc '' {op}")
    run = Run(run_id, path)
    run.write_attr("started", BASE_TS + n * 1_000_000)
    if exit_status is not None:
        run.write_attr("exit_status", exit_status)
    if label is not None:
        run.write_attr("label", label)
    for name, val in attrs.items():
        run.write_attr(name, val)
    return run


def attr(run: Run, name: str):
    return Run(run.id, run.path).get(name)


def started(n: int) -> str:
    from guild.util import clock

    return clock.format_timestamp(BASE_TS + n * 1_000_000)


@pytest.fixture
def three(genv):
    """Three completed runs: 1 = cccc (prepare), 2 = bbbb (train), 3 = aaaa (train)."""
    return [
        mkrun(genv, "cccc1111", "prepare", n=3, label="size=3"),
        mkrun(genv, "bbbb2222", "train", n=2, label="lr=0.2"),
        mkrun(genv, "aaaa3333", "train", n=1, label="lr=0.1"),
    ]


def trash_ids(genv) -> list[str]:
    try:
        return sorted(os.listdir(os.path.join(genv.home, "trash", "runs")))
    except FileNotFoundError:
        return []


# ---------------------------------------------------------------- runs delete


def test_delete_nothing(genv):
    r = genv.run("runs", "rm")
    assert (r.rc, r.out, r.err) == (0, "", "Nothing to delete.\n")


def test_delete_preview_and_no(genv, three):
    r = genv.run("runs", "delete", "1", input="n\n")
    assert r.rc == 4
    assert r.err == (
        "You are about to delete the following runs:\n"
        f"  [cccc1111]  prepare  {started(3)}  completed  size=3\n"
        "Delete 1 run(s)? (Y/n) "
    )
    assert len(genv.run_ids()) == 3


def test_delete_yes_moves_to_trash(genv, three):
    r = genv.run("runs", "rm", "1", input="y\n")
    assert r.rc == 0
    assert r.err.endswith("Delete 1 run(s)? (Y/n) Deleted 1 run(s)\n")
    assert three[0].id not in genv.run_ids()
    assert trash_ids(genv) == [three[0].id]
    listed = genv.run("runs", "-d", "-s")
    assert listed.out == "[1]  prepare  completed  size=3\n"


def test_delete_empty_answer_uses_default_yes(genv, three):
    r = genv.run("runs", "rm", "2", input="\n")
    assert r.rc == 0
    assert trash_ids(genv) == [three[1].id]


def test_delete_all_with_yes_and_filter(genv, three):
    r = genv.run("runs", "rm", "-Fo", "train", "-y")
    assert (r.rc, r.err) == (0, "Deleted 2 run(s)\n")
    assert genv.run_ids() == [three[0].id]
    assert trash_ids(genv) == sorted([three[1].id, three[2].id])


def test_delete_status_and_label_filters(genv, three):
    mkrun(genv, "dddd4444", "train", n=4, exit_status=1)
    r = genv.run("runs", "rm", "-Se", "-y")
    assert r.err == "Deleted 1 run(s)\n"
    assert trash_ids(genv) == ["dddd4444".ljust(32, "0")]
    r = genv.run("runs", "rm", "-Fl", "lr=0.2", "-y")
    assert r.err == "Deleted 1 run(s)\n"
    assert three[1].id in trash_ids(genv)


def test_delete_backs_up_existing_trash_entry(genv, three):
    mkrun(genv, "cccc1111", "prepare", where="trash/runs", label="old")
    r = genv.run("runs", "rm", "cccc", "-y")
    assert r.rc == 0
    trash = os.path.join(genv.home, "trash", "runs")
    entries = trash_ids(genv)
    assert len(entries) == 2
    backup = [e for e in entries if e != three[0].id][0]
    assert r.err == (f"WARNING: {os.path.join(trash, three[0].id)} exists, moving to "
                     f"{os.path.join(trash, backup)}\nDeleted 1 run(s)\n")


def test_delete_permanent(genv, three):
    r = genv.run("runs", "rm", "-p", "3", input="y\n")
    assert r.rc == 0
    assert r.err == (
        "WARNING: You are about to permanently delete the following runs:\n"
        f"  [aaaa3333]  train  {started(1)}  completed  lr=0.1\n"
        "Permanently delete 1 run(s)? (y/N) Permanently deleted 1 run(s)\n"
    )
    assert three[2].id not in genv.run_ids()
    assert trash_ids(genv) == []


def test_delete_permanent_default_is_no(genv, three):
    r = genv.run("runs", "rm", "-p", input="\n")
    assert r.rc == 4
    assert r.err.endswith("Permanently delete 3 run(s)? (y/N) ")
    assert len(genv.run_ids()) == 3


def test_delete_eof_at_prompt_exits_1(genv, three):
    r = genv.run("runs", "rm", input="")
    assert r.rc == 1
    assert len(genv.run_ids()) == 3


def test_delete_unknown_spec(genv, three):
    r = genv.run("runs", "rm", "zzz", "-y")
    assert r.rc == 1
    assert r.err == ("guild: could not find a run matching 'zzz'\n"
                     "Try 'guild runs list' for a list or 'guild runs rm --help' for more information.\n")
    assert len(genv.run_ids()) == 3


def test_delete_prefix_matching_several_runs(genv):
    mkrun(genv, "abcd0001", n=2)
    mkrun(genv, "abcd0002", n=1)
    mkrun(genv, "ffff0003", n=0)
    r = genv.run("runs", "rm", "abcd", input="n\n")
    assert r.rc == 4
    assert "Delete 2 run(s)?" in r.err


def test_delete_range_and_repeated_specs(genv, three):
    r = genv.run("runs", "rm", "2:3", "2", "-y")
    assert r.err == "Deleted 2 run(s)\n"
    assert genv.run_ids() == [three[0].id]


def test_delete_running_run_asks_again_and_stops_it(genv):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        run = mkrun(genv, "eeee5555", "sleep", exit_status=None)
        run.set_marker("LOCK", content=str(proc.pid))
        r = genv.run("runs", "rm", input="y\nn\n")
        assert r.rc == 4
        assert r.err.endswith(
            "Delete 1 run(s)? (Y/n) "
            "WARNING: One or more runs are still running and will be stopped before being deleted.\n"
            "Really delete these runs? (y/N) ")
        assert proc.poll() is None
        r = genv.run("runs", "rm", input="y\ny\n")
        assert r.rc == 0
        assert r.err.endswith(f"Stopping {run.id} (pid {proc.pid})\nDeleted 1 run(s)\n")
        assert proc.wait(timeout=10) != 0
        assert trash_ids(genv) == [run.id]
    finally:
        proc.kill()
        proc.wait()


def test_delete_from_archive_moves_to_trash(genv, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    r = genv.run("runs", "rm", "-A", str(archive), "-y")
    assert r.err == "Nothing to delete.\n"
    src = mkrun(genv, "aaaa1111")
    genv.run("export", str(archive), "-y", "-m")
    r = genv.run("runs", "rm", "-A", str(archive), "-y")
    assert r.err == "Deleted 1 run(s)\n"
    assert trash_ids(genv) == [src.id]
    assert not os.path.exists(archive / src.id)
    r = genv.run("runs", "rm", "-p", "-A", str(archive), "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: --permanent and --archive cannot both be specified\n")


# ---------------------------------------------------------------- restore / purge


def test_restore(genv, three):
    genv.run("runs", "rm", "-y")
    assert genv.run_ids() == []
    r = genv.run("runs", "restore", "1", input="y\n")
    assert r.err == (
        "You are about to restore the following runs:\n"
        f"  [cccc1111]  prepare  {started(3)}  completed  size=3\n"
        "Restore 1 run(s)? (Y/n) Restored 1 run(s)\n"
    )
    assert genv.run_ids() == [three[0].id]
    r = genv.run("runs", "restore", "-Fo", "train", "-y")
    assert r.err == "Restored 2 run(s)\n"
    assert trash_ids(genv) == []
    r = genv.run("runs", "restore")
    assert (r.rc, r.err) == (0, "Nothing to restore.\n")


def test_restore_no_and_unknown_spec(genv, three):
    genv.run("runs", "rm", "-y")
    r = genv.run("runs", "restore", input="n\n")
    assert r.rc == 4
    assert genv.run_ids() == []
    r = genv.run("runs", "restore", "nope")
    assert r.rc == 1
    assert "could not find a run matching 'nope'" in r.err


def test_restore_backs_up_existing_run(genv):
    mkrun(genv, "aaaa1111", where="trash/runs", label="trashed")
    mkrun(genv, "aaaa1111", label="current")
    r = genv.run("runs", "restore", "-y")
    assert r.rc == 0
    assert " exists, moving to " in r.err
    assert len(genv.run_ids()) == 2
    assert attr(Run.for_dir(os.path.join(genv.runs_dir(), "aaaa1111".ljust(32, "0"))), "label") == "trashed"


def test_purge(genv, three):
    r = genv.run("runs", "purge")
    assert r.err == "Nothing to purge.\n"
    genv.run("runs", "rm", "-y", "1", "2")
    r = genv.run("runs", "purge", "1", input="\n")
    assert r.rc == 4
    assert r.err.startswith("WARNING: You are about to permanently delete the following runs:\n  [")
    assert r.err.endswith("Permanently delete 1 run(s)? (y/N) ")
    r = genv.run("runs", "purge", "-Fo", "prepare", input="y\n")
    assert r.err.endswith("Permanently deleted 1 run(s)\n")
    assert trash_ids(genv) == [three[1].id]
    r = genv.run("runs", "purge", "-y")
    assert r.err == "Permanently deleted 1 run(s)\n"
    assert trash_ids(genv) == []
    assert genv.run_ids() == [three[2].id]


# ---------------------------------------------------------------- label


def test_label_requires_an_action(genv, three):
    r = genv.run("label")
    assert r.rc == 1
    assert r.err == ("guild: missing one of: --set, --append, --prepend, --remove, --clear\n"
                     "Try `guild label --help` for more information.\n")


@pytest.mark.parametrize("opts, msg", [
    (["-s", "a", "-c"], "--set and --clear"),
    (["-s", "a", "-a", "b"], "--set and --append"),
    (["-p", "a", "-a", "b"], "--prepend and --append"),
    (["-a", "a", "-rm", "b"], "--append and --remove"),
    (["-p", "a", "-c"], "--prepend and --clear"),
])
def test_label_incompatible_options(genv, three, opts, msg):
    r = genv.run("label", *opts, "-y")
    assert r.rc == 1
    assert r.err == f"guild: {msg} cannot both be specified\nTry 'guild label --help' for more information.\n"


def test_label_empty_store(genv):
    r = genv.run("label", "-s", "x", "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: could not find a run matching '1'\nTry 'guild runs list'")


def test_label_set_default_latest(genv, three):
    r = genv.run("label", "-s", "best", input="y\n")
    assert r.rc == 0
    assert r.err == (
        "You are about to label the following runs with 'best':\n"
        f"  [cccc1111]  prepare  {started(3)}  completed  size=3\n"
        "Continue? (Y/n) Labeled 1 run(s)\n"
    )
    assert attr(three[0], "label") == "best"
    assert attr(three[1], "label") == "lr=0.2"


def test_label_set_template(genv):
    run = mkrun(genv, "aaaa1111", label="old", flags={"lr": 0.123456789, "name": "x"})
    genv.run("label", "-s", "  ${label} lr=${lr} ${missing}  ", "-y")
    assert attr(run, "label") == "old lr=0.12345"


def test_label_prepend_append_remove(genv, three):
    assert genv.run("label", "-p", "pre", "2", "-y").err == "Labeled 1 run(s)\n"
    assert attr(three[1], "label") == "pre lr=0.2"
    genv.run("label", "-a", "post", "2", "3", "-y")
    assert attr(three[1], "label") == "pre lr=0.2 post"
    assert attr(three[2], "label") == "lr=0.1 post"
    r = genv.run("label", "-rm", "pre", "-rm", "lr=[^ ]*", "2", input="y\n")
    assert r.err.startswith("You are about to remove 'pre', 'lr=[^ ]*' from the label of the following runs:\n")
    assert attr(three[1], "label") == "post"


def test_label_prepend_to_unlabeled_run(genv):
    run = mkrun(genv, "aaaa1111")
    r = genv.run("label", "-p", "first", input="y\n")
    assert r.err.startswith("You are about to prepend 'first' to the label of the following runs:\n")
    assert attr(run, "label") == "first"
    r = genv.run("label", "-a", "last", input="y\n")
    assert r.err.startswith("You are about to append 'last' to the label of the following runs:\n")
    assert attr(run, "label") == "first last"


def test_label_clear_and_remove_with_clear(genv, three):
    r = genv.run("label", "-c", "-rm", "x", ":", input="y\n")
    assert r.err.startswith("You are about to clear the label of the following runs:\n")
    assert r.err.endswith("Continue? (Y/n) Cleared label for 3 run(s)\n")
    assert not any(Run(r.id, r.path).has_attr("label") for r in three)


def test_label_no_keeps_label(genv, three):
    r = genv.run("label", "-s", "x", input="no\n")
    assert r.rc == 4
    assert attr(three[0], "label") == "size=3"


def test_label_filter_and_nothing(genv, three):
    r = genv.run("label", "-s", "t", "-Fo", "train", "-y", ":")
    assert r.err == "Labeled 2 run(s)\n"
    assert attr(three[0], "label") == "size=3"
    r = genv.run("runs", "label", "-s", "t", "-Fo", "train", "-y", "2:1")
    assert (r.rc, r.err) == (0, "No runs to modify.\n")


# ---------------------------------------------------------------- tag


def test_tag_requires_an_action(genv, three):
    r = genv.run("tag")
    assert r.rc == 1
    assert r.err == ("guild: missing one of: --add, --delete, --clear, --list-all\n"
                     "Try `guild tag --help` for more information.\n")


def test_tag_add_delete_sorted(genv, three):
    r = genv.run("tag", "-a", "zeta", "-a", "alpha", input="y\n")
    assert r.err == (
        "You are about to modify tags for the following runs:\n"
        "Labels are not updated - use --sync-labels to apply changes run labels.\n"
        f"  [cccc1111]  prepare  {started(3)}  completed  size=3\n"
        "Continue? (Y/n) Modified tags for 1 run(s)\n"
    )
    assert attr(three[0], "tags") == ["alpha", "zeta"]
    assert attr(three[0], "label") == "size=3"
    genv.run("tag", "-d", "zeta", "-a", "beta", "-y")
    assert attr(three[0], "tags") == ["alpha", "beta"]
    genv.run("tag", "-c", "-y")
    with open(three[0].attr_path("tags")) as f:
        assert f.read() == "[]\n"


def test_tag_sync_labels(genv, three):
    r = genv.run("tag", "-a", "t1", "-a", "t2", "-s", "2", input="y\n")
    assert "Labels are updated to reflect the latest tags.\n" in r.err
    assert attr(three[1], "label") == "t1 t2 lr=0.2"
    genv.run("tag", "-d", "t1", "-a", "t3", "-s", "-y", "2")
    assert attr(three[1], "tags") == ["t2", "t3"]
    assert attr(three[1], "label") == "t3 t2 lr=0.2"
    genv.run("tag", "-c", "-s", "-y", "2")
    assert attr(three[1], "label") == "lr=0.2"


def test_tag_sync_labels_empty_label_keeps_trailing_space(genv):
    run = mkrun(genv, "aaaa1111")
    genv.run("tag", "-a", "new", "-s", "-y")
    assert attr(run, "label") == "new "


def test_tag_list_all(genv, three):
    genv.run("tag", "-a", "b", "-a", "a", "-y", "1")
    genv.run("tag", "-a", "c", "-a", "a", "-y", "3")
    r = genv.run("tag", "--list-all")
    assert (r.rc, r.out, r.err) == (0, "a\nb\nc\n", "")
    assert genv.run("tag", "--list-all", "-Fo", "train").out == "a\nc\n"
    r = genv.run("tag", "--list-all", "-a", "x")
    assert r.rc == 1
    assert "cannot both be specified" in r.err


def test_tag_no_and_unknown(genv, three):
    r = genv.run("tag", "-a", "x", input="n\n")
    assert r.rc == 4
    assert attr(three[0], "tags") is None
    r = genv.run("runs", "tag", "-a", "x", "nope", "-y")
    assert r.rc == 1
    assert "could not find a run matching 'nope'" in r.err


# ---------------------------------------------------------------- comment


def test_comment_add_and_list(genv, three):
    r = genv.run("comment", "-a", "Looks good", input="y\n", env={"USER": "ann", "HOST": "box"})
    assert r.err == (
        "You are about to add a comment to the following runs:\n"
        f"  [cccc1111]  prepare  {started(3)}  completed  size=3\n"
        "Continue? (Y/n) Added comment to 1 run(s)\n"
    )
    comments = attr(three[0], "comments")
    assert [(c["body"], c["user"], c["host"]) for c in comments] == [("Looks good", "ann", "box")]
    assert isinstance(comments[0]["time"], int)
    genv.run("comment", "-a", "second\nline", "-u", "bob@lab", "-y")
    genv.run("comment", "-a", "third", "-u", "carl", "-y", env={"HOST": "hh"})
    from guild.util import clock

    times = [clock.format_timestamp(c["time"]) for c in attr(three[0], "comments")]
    r = genv.run("comment", "-l", "1", "2")
    assert r.out == (
        f"cccc1111  prepare  {started(3)}  completed  size=3\n"
        f"[1] ann@box {times[0]}\n\n  Looks good\n\n"
        f"[2] bob@lab {times[1]}\n\n  second\n  line\n\n"
        f"[3] carl@hh {times[2]}\n\n  third\n\n"
        f"bbbb2222  train    {started(2)}  completed  lr=0.2\n"
        "  <no comments>\n"
    )


def test_comment_delete_and_clear(genv, three):
    genv.run("comment", "-a", "one", "-y", "1")
    genv.run("comment", "-a", "two", "-y", "1")
    r = genv.run("comment", "-d", "1", input="y\n")
    assert r.err.startswith("You are about to delete comment 1 from the following runs:\n")
    assert r.err.endswith("Continue? (Y/n) Deleted comment for 1 run(s)\n")
    assert [c["body"] for c in attr(three[0], "comments")] == ["two"]
    r = genv.run("comment", "-d", "9", "-y")
    assert r.err == "Deleted comment for 1 run(s)\n"
    r = genv.run("comment", "-d", "1", "-y", "2")  # no comments at all: no change
    assert (r.rc, r.err) == (0, "Deleted comment for 1 run(s)\n")
    r = genv.run("comment", "-c", input="\n")
    assert r.rc == 4
    assert r.err.startswith("WARNING: You are about to delete ALL comments from the following runs:\n")
    assert r.err.endswith("Continue? (y/N) ")
    r = genv.run("comment", "-c", input="y\n")
    assert r.err.endswith("Deleted all comments for 1 run(s)\n")
    assert not Run(three[0].id, three[0].path).has_attr("comments")


def test_comment_with_editor(genv, three, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\n"
        "text = open(sys.argv[1]).read()\n"
        "assert '[cccc1111]' in text\n"
        "open(sys.argv[1], 'w').write('# dropped\\nfrom the editor\\n' + text)\n")
    r = genv.run("comment", env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert (r.rc, r.err) == (0, "Added comment to 1 run(s)\n")
    assert [c["body"] for c in attr(three[0], "comments")] == ["from the editor"]


def test_comment_empty_aborts(genv, three, tmp_path):
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('# only a comment line\\n\\n')\n")
    r = genv.run("comment", env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert (r.rc, r.out, r.err) == (1, "", "Aborting due to an empty comment.\n")
    r = genv.run("comment", "-a", "   ", "-y")
    assert (r.rc, r.err) == (1, "Aborting due to an empty comment.\n")
    assert attr(three[0], "comments") is None


def test_comment_no_runs_and_filters(genv, three):
    r = genv.run("comment", "-a", "x", "-Fo", "nothing", "-y", ":")
    assert (r.rc, r.err) == (0, "No runs to modify.\n")
    r = genv.run("comment", "-a", "x", "-Fc", "-", "-y", "2")
    assert r.err == "Added comment to 1 run(s)\n"
    assert attr(three[1], "comments")[0]["body"] == "x"


# ---------------------------------------------------------------- mark


def test_mark_explicit_runs_and_clear(genv, three):
    r = genv.run("mark", "2", input="y\n")
    assert r.err == (
        "You are about to mark the following runs:\n"
        f"  [bbbb2222]  train  {started(2)}  completed  lr=0.2\n"
        "Continue? (Y/n) Marked 1 run(s)\n"
    )
    with open(three[1].attr_path("marked")) as f:
        assert f.read() == "true\n"
    assert "train [marked]" in genv.run("runs").out
    genv.run("mark", "3", "-y")
    r = genv.run("mark", "-c", input="y\n")
    assert r.err.startswith("You are about to unmark the following runs:\n")
    assert r.err.endswith("Continue? (Y/n) Unmarked 2 run(s)\n")
    assert attr(three[1], "marked") is None and attr(three[2], "marked") is None
    r = genv.run("mark", "-c", "-y")
    assert (r.rc, r.err) == (0, "No runs to unmark.\n")


def test_mark_without_run_only_considers_marked_runs(genv, three):
    r = genv.run("mark", "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: could not find a run matching '1'\n")
    genv.run("mark", "3", "-y")
    r = genv.run("mark", "-y")
    assert (r.rc, r.err) == (0, "Marked 1 run(s)\n")
    assert attr(three[0], "marked") is None


def test_mark_no(genv, three):
    r = genv.run("mark", "1", input="n\n")
    assert r.rc == 4
    assert attr(three[0], "marked") is None


# ---------------------------------------------------------------- stop


@pytest.fixture
def sleeper():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def running_run(genv, run_id: str, pid: int, n: int = 5) -> Run:
    run = mkrun(genv, run_id, "sleep", n=n, exit_status=None, label="secs=60")
    run.set_marker("LOCK", content=str(pid))
    return run


def test_stop_nothing(genv, three):
    r = genv.run("stop")
    assert (r.rc, r.out, r.err) == (0, "", "Nothing to stop.\n")


def test_stop_running_run(genv, three, sleeper):
    run = running_run(genv, "ffff9999", sleeper.pid)
    r = genv.run("stop", input="\n")
    assert r.rc == 4
    assert r.err == (
        "You are about to stop the following runs:\n"
        f"  [ffff9999]  sleep  {started(5)}  running  secs=60\n"
        "Stop 1 run(s)? (y/N) "
    )
    assert sleeper.poll() is None
    r = genv.run("runs", "stop", input="y\n")
    assert r.rc == 0
    assert r.err.endswith(f"Stop 1 run(s)? (y/N) Stopping {run.id} (pid {sleeper.pid})\n")
    assert sleeper.wait(timeout=10) == -15


def test_stop_explicit_run_not_running(genv, three):
    r = genv.run("stop", "2", "3", "-y")
    assert r.rc == 0
    assert r.out == f"Run {three[1].id} is not running\nRun {three[2].id} is not running\n"
    run = mkrun(genv, "dddd0000", n=9, exit_status=None)
    run.set_marker("LOCK", content="999999999")
    r = genv.run("stop", "dddd", "-y")
    assert r.out == f"Run {run.id} is not running\n"


def test_stop_filter_and_unknown(genv, three, sleeper):
    running_run(genv, "ffff9999", sleeper.pid)
    r = genv.run("stop", "-Fo", "train", "-y")
    assert (r.rc, r.err) == (0, "Nothing to stop.\n")
    assert sleeper.poll() is None
    r = genv.run("stop", "nope", "-y")
    assert r.rc == 1
    assert "could not find a run matching 'nope'" in r.err
    r = genv.run("stop", "-Sr")
    assert r.rc == 2
    assert r.err.startswith("guild: unrecognized option '-Sr'")


def test_stop_process_ignoring_sigterm(genv, three):
    proc = subprocess.Popen(
        [sys.executable, "-c",
         "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        proc.stdout.readline()
        running_run(genv, "ffff9999", proc.pid)
        r = genv.run("stop", "-y", "--timeout", "0")
        assert r.rc == 1
        assert r.out == f"The following processes did not stop as expected: {proc.pid}\n"
        assert proc.poll() is None
        r = genv.run("stop", "-y", "--timeout", "0", "--force")
        assert r.rc == 0
        assert proc.wait(timeout=10) == -9
    finally:
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- export / import


def test_export_dir_and_import(genv, three, tmp_path):
    with open(os.path.join(three[0].path, "data.csv"), "w") as f:
        f.write("1,2\n")
    os.symlink("data.csv", os.path.join(three[0].path, "link.csv"))
    dest = str(tmp_path / "exported")
    r = genv.run("export", dest, "1", "2", input="y\n")
    assert r.rc == 0
    assert r.err == (
        f"You are about to copy the following runs to '{dest}':\n"
        f"  [cccc1111]  prepare  {started(3)}  completed  size=3\n"
        f"  [bbbb2222]  train    {started(2)}  completed  lr=0.2\n"
        "Continue? (Y/n) "
        f"Copying {three[0].id}\nCopying {three[1].id}\n"
        f"Exported 2 run(s) to {dest}\n"
    )
    assert sorted(os.listdir(dest)) == [".guild-nocopy", three[1].id, three[0].id]
    assert os.readlink(os.path.join(dest, three[0].id, "link.csv")) == "data.csv"
    assert len(genv.run_ids()) == 3
    r = genv.run("export", dest, "-y")
    assert r.err == (f"WARNING: {dest}/{three[0].id} exists, skipping\n"
                     f"WARNING: {dest}/{three[1].id} exists, skipping\n"
                     f"Copying {three[2].id}\nExported 1 run(s) to {dest}\n")
    assert genv.run("runs", "-A", dest, "-s").out.count("\n") == 3

    other = tmp_path / "other-home"
    other.mkdir()
    env = {"GUILD_HOME": str(other)}
    r = genv.run("import", dest, "1", input="y\n", env=env)
    assert r.err.startswith(f"You are about to import (copy) the following runs from '{dest}':\n")
    assert r.err.endswith(f"Continue? (Y/n) Copying {three[0].id}\nImported 1 run(s) from {dest}\n")
    assert os.listdir(other / "runs") == [three[0].id]
    assert os.path.islink(other / "runs" / three[0].id / "link.csv")
    r = genv.run("import", dest, "-y", env=env)
    assert r.err == (f"WARNING: {three[0].id} exists, skipping\n"
                     f"Copying {three[1].id}\nCopying {three[2].id}\n"
                     f"Imported 2 run(s) from {dest}\n")
    r = genv.run("runs", "import", dest, "-y", "-Fo", "nothing", ":", env=env)
    assert (r.rc, r.err) == (0, "No runs to import.\n")


def test_export_move_and_import_move(genv, three, tmp_path):
    dest = str(tmp_path / "moved")
    r = genv.run("export", "-m", dest, "-Fo", "train", input="y\n")
    assert r.err.startswith(f"You are about to move the following runs to '{dest}':\n")
    assert f"Moving {three[1].id}\n" in r.err
    assert genv.run_ids() == [three[0].id]
    r = genv.run("import", "-m", dest, "-y")
    assert r.err == f"Moving {three[1].id}\nMoving {three[2].id}\nImported 2 run(s) from {dest}\n"
    assert len(genv.run_ids()) == 3
    assert os.listdir(dest) == [".guild-nocopy"]


def test_export_zip_and_import(genv, three, tmp_path):
    zpath = str(tmp_path / "runs.zip")
    r = genv.run("export", zpath, "-y", "1")
    assert r.err == f"Copying {three[0].id}\nExported 1 run(s) to {zpath}\n"
    r = genv.run("export", zpath, "-y", "1:2")
    assert r.err == (f"WARNING: {three[0].id} exists, skipping\nCopying {three[1].id}\n"
                     f"Exported 1 run(s) to {zpath}\n")
    with zipfile.ZipFile(zpath) as zf:
        names = zf.namelist()
    assert f"{three[0].id}/" in names and f"{three[1].id}/.guild/opref" in names
    other = tmp_path / "other-home"
    other.mkdir()
    env = {"GUILD_HOME": str(other)}
    r = genv.run("import", zpath, "-Fo", "train", "-y", env=env)
    assert r.err == f"Copying {three[1].id}\nImported 1 run(s) from {zpath}\n"
    assert genv.run("runs", "-s", env=env).out == "[1]  train  completed  lr=0.2\n"
    r = genv.run("import", zpath, "-m", "-y", env=env)
    assert (r.rc, r.err) == (1, "guild: '--move' cannot be used with zip archives\n")


def test_export_copy_resources_prompt(genv, three, tmp_path):
    dest = str(tmp_path / "res")
    r = genv.run("export", "-r", dest, "1", input="y\nn\n")
    assert r.rc == 4
    assert r.err.endswith(
        "Continue? (Y/n) "
        "WARNING: You specified --copy-resources, which will copy resources used by each run.\n"
        "Really copy resources exported runs? (y/N) ")
    assert not os.path.exists(os.path.join(dest, three[0].id))
    r = genv.run("export", "-r", dest, "1", input="y\ny\n")
    assert r.rc == 0
    assert os.path.isdir(os.path.join(dest, three[0].id))


def test_export_errors(genv, three, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = genv.run("export", str(f), "-y")
    assert (r.rc, r.err) == (1, f"guild: '{f}' is not a directory\n")
    r = genv.run("export")
    assert r.rc == 2
    assert r.err == "guild: missing argument for LOCATION\nTry 'guild export --help' for more information.\n"
    r = genv.run("export", str(tmp_path / "x"), "-Fo", "none", "-y")
    assert (r.rc, r.err) == (0, "No runs to export.\n")
    r = genv.run("export", str(tmp_path / "x"), "nope", "-y")
    assert r.rc == 1
    assert "could not find a run matching 'nope'" in r.err
    r = genv.run("export", str(tmp_path / "x"), input="n\n")
    assert r.rc == 4


def test_import_errors(genv, tmp_path):
    r = genv.run("import", "no-such-archive")
    assert (r.rc, r.err) == (1, (
        "guild: 'no-such-archive' is not a valid archive - use a path to a file/directory or specify "
        "an archive name returned by 'guild archive --list'.\n"))
    f = tmp_path / "plain.txt"
    f.write_text("x")
    r = genv.run("import", str(f))
    assert (r.rc, r.err) == (1, f"guild: invalid archive {f} - expected a directory or a zip file\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    r = genv.run("import", str(empty))
    assert (r.rc, r.err) == (0, "No runs to import.\n")


# ---------------------------------------------------------------- diff


def test_diff_default_runs_and_paths(genv, three):
    r = genv.run("diff", "-c", "echo")
    assert (r.rc, r.out) == (0, f"{three[1].path} {three[0].path}\n")
    r = genv.run("diff", "3", "1", "-c", "echo", "-f", "-O", "-p", "sub/x.txt")
    assert r.out == (
        f"{three[2].path}/.guild/attrs/flags {three[0].path}/.guild/attrs/flags\n"
        f"{three[2].path}/.guild/output {three[0].path}/.guild/output\n"
        f"{three[2].path}/sub/x.txt {three[0].path}/sub/x.txt\n"
    )


def test_diff_attrs_env_deps_sourcecode(genv, three):
    three[0].write_attr("op", {"sourcecode": {"dest": "src"}})
    r = genv.run("diff", "-a", "-e", "-D", "-s", "2", "1", "-c", "echo")
    assert r.out == (
        f"{three[1].path}/.guild/attrs {three[0].path}/.guild/attrs\n"
        f"{three[1].path}/.guild/attrs/env {three[0].path}/.guild/attrs/env\n"
        f"{three[1].path}/.guild/attrs/deps {three[0].path}/.guild/attrs/deps\n"
        f"{three[1].path} {three[0].path}\n"
    )


def test_diff_working_and_dir(genv, three, tmp_path):
    r = genv.run("diff", "-w", "-c", "echo")
    assert r.out == f"{three[0].path} {genv.project}\n"
    r = genv.run("diff", "2", "--dir", str(tmp_path), "-c", "echo")
    assert r.out == f"{three[1].path} {tmp_path}\n"


def test_diff_ignores_tool_exit_code(genv, three):
    r = genv.run("diff", "-c", "false")
    assert (r.rc, r.out, r.err) == (0, "", "")


def test_diff_config_command(genv, three, tmp_path):
    cfg = tmp_path / "config.yml"
    cfg.write_text("diff:\n  command: echo configured\n")
    r = genv.run("diff", env={"GUILD_CONFIG": str(cfg)})
    assert r.out == f"configured {three[1].path} {three[0].path}\n"
    cfg.write_text("diff:\n  command:\n    \\.txt$: echo text\n    default: echo other\n")
    r = genv.run("diff", "-p", "a.txt", "-p", "b.csv", env={"GUILD_CONFIG": str(cfg)})
    assert r.out == (f"text {three[1].path}/a.txt {three[0].path}/a.txt\n"
                     f"other {three[1].path}/b.csv {three[0].path}/b.csv\n")


def test_diff_errors(genv, tmp_path):
    r = genv.run("diff", "-c", "echo")
    assert (r.rc, r.err) == (1, "guild: no matching runs\n")
    mkrun(genv, "abcd0001", n=2)
    mkrun(genv, "abcd0002", n=1)
    r = genv.run("diff", "1")
    assert (r.rc, r.err) == (1, "guild: diff requires two runs\n"
                                "Try specifying a second RUN or 'guild diff --help' for more information.\n")
    r = genv.run("diff", "abcd", "1", "-c", "echo")
    assert (r.rc, r.out) == (1, "")
    assert r.err == "'abcd' matches multiple runs:\n  abcd0001\n  abcd0002\n"
    r = genv.run("diff", "zzz", "1", "-c", "echo")
    assert r.rc == 1
    assert r.err == ("guild: could not find a run matching 'zzz'\n"
                     "Try 'guild runs list' for a list or 'guild diff --help' for more information.\n")
    r = genv.run("diff", "1", "2", "3")
    assert (r.rc, r.err) == (2, "guild: unexpected extra argument '3'\nTry 'guild diff --help' for more information.\n")
    r = genv.run("diff", "-p", "/abs", "-c", "echo")
    assert r.rc == 1
    assert r.err.startswith("guild: PATH must be relative\n")


def test_empty_run_spec_matches_nothing(genv, three):
    r = genv.run("runs", "rm", "", "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: could not find a run matching ''")
    assert len(genv.run_ids()) == 3
