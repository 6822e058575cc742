"""`guild runs` / `runs list`: columns, limits, -v/-c/--json, op descriptions, bad run dirs."""

from __future__ import annotations

import json
import os

from test_runs_support import T0, UTC, make_run, make_runs


def test_empty_home_prints_nothing(genv):
    r = genv.run("runs")
    assert (r.out, r.err, r.rc) == ("", "", 0)


def test_default_columns_and_padding(genv):
    make_run(genv.home, "fail", started=T0, exit_status=1, label="code=1", project=genv.project,
             run_id="c5c562c8" + "0" * 24)
    make_run(genv.home, "train", started=T0 + 2_000_000, label="lr=0.1", project=genv.project,
             run_id="82868e4d" + "0" * 24)
    make_run(genv.home, "sleep", started=T0 + 3_000_000, exit_status=None, markers=("STAGED",),
             project=genv.project, run_id="c957ff70" + "0" * 24)
    r = genv.run("runs", env=UTC)
    assert r.rc == 0 and r.err == ""
    assert r.out == (
        "[1:c957ff70]  sleep  2026-11-24 10:00:03  staged     \n"
        "[2:82868e4d]  train  2026-11-24 10:00:02  completed  lr=0.1\n"
        "[3:c5c562c8]  fail   2026-11-24 10:00:00  error      code=1\n"
    )
    assert genv.run("runs", "list", env=UTC).out == r.out
    assert genv.run("runs", "-s").out == (
        "[1]  sleep  staged     \n"
        "[2]  train  completed  lr=0.1\n"
        "[3]  fail   error      code=1\n"
    )


def test_default_limit_note_and_more(genv):
    make_runs(genv.home, 45, project=genv.project)
    r = genv.run("runs", "-s")
    assert len(r.out.splitlines()) == 20
    assert r.err == "Showing the first 20 runs (45 total) - use --all to show all or -m to show more\n"
    r = genv.run("runs", "-s", "-m")
    assert len(r.out.splitlines()) == 40
    assert "Showing the first 40 runs (45 total)" in r.err
    r = genv.run("runs", "-s", "-a")
    assert len(r.out.splitlines()) == 45 and r.err == ""
    assert r.out.splitlines()[9].startswith("[10]  op  ")
    r = genv.run("runs", "-s", "-n", "3")
    assert r.out.splitlines() == ["[1]  op  completed  n=44", "[2]  op  completed  n=43",
                                  "[3]  op  completed  n=42"]
    assert r.err == ""


def test_usage_errors(genv):
    r = genv.run("runs", "-n", "0")
    assert r.rc == 2
    assert r.err == ("guild: Invalid value for '-n' / '--limit': 0 is not in the range x>=1.\n"
                     "Try 'guild runs list --help' for more information.\n")
    r = genv.run("runs", "1:2")
    assert r.rc == 2 and r.err.startswith("guild: No such command '1:2'.")
    for a, b in [("--comments", "--verbose"), ("--comments", "--json"), ("--json", "--verbose"),
                 ("--all", "--limit")]:
        extra = ["5"] if b == "--limit" else []
        r = genv.run("runs", a, b, *extra)
        assert r.rc == 1
        assert r.err == (f"guild: {a} and {b} cannot both be specified\n"
                         "Try 'guild runs list --help' for more information.\n")


def test_op_dir_suffix_depends_on_cwd(genv):
    sub = os.path.join(genv.project, "sub")
    os.makedirs(sub)
    make_run(genv.home, "a", project=genv.project, started=T0 + 2)
    make_run(genv.home, "b", project=sub, started=T0 + 1)
    make_run(genv.home, "c", project="/very/long/path/to/some/project/dir", started=T0)
    lines = genv.run("runs", "-s").out.splitlines()
    assert lines[0].startswith("[1]  a  ")
    assert lines[1].startswith("[2]  b (sub)  ")
    assert lines[2].startswith("[3]  c (/very/long/…/project/dir)  ")
    lines = genv.run("runs", "-s", cwd=sub).out.splitlines()
    assert lines[0].startswith("[1]  a (../)  ")
    assert lines[1].startswith("[2]  b  ")


def test_batch_and_marked_descriptions(genv):
    make_run(genv.home, "train", project=genv.project, marked=True, started=T0 + 2)
    make_run(genv.home, opref="builtin:guildai 0.9.1 '' +", proto_op="train",
             project=genv.project, started=T0 + 1)
    make_run(genv.home, opref="builtin:guildai 0.9.1 skopt random", proto_op="noisy",
             project=genv.project, started=T0)
    ops = [line.split("  ")[1] for line in genv.run("runs", "-s").out.splitlines()]
    assert ops == ["train [marked]", "train+", "noisy+skopt:random"]


def test_verbose_details(genv):
    run_id = make_run(genv.home, "train", project=genv.project, label="hi",
                      cmd=["python", "-m", "x", "a b", ""], sourcecode_digest="abc123")
    r = genv.run("runs", "-v", env=UTC)
    run_dir = os.path.join(genv.home, "runs", run_id)
    assert r.out.splitlines()[1:] == [
        f"  id: {run_id}",
        "  operation: train",
        "  from: /nonexistent/project/guild.yml".replace("/nonexistent/project", genv.project),
        "  status: completed",
        "  started: 2026-11-24 10:00:00",
        "  stopped: ",
        "  marked: no",
        "  label: hi",
        "  sourcecode_digest: abc123",
        "  vcs_commit: ",
        f"  run_dir: {run_dir}",
        '  command: python -m x "a b" ""',
        "  exit_status: 0",
        "  pid: ",
    ]


def test_comments(genv):
    comments = [{"body": "first note", "host": "h", "time": T0, "user": "u"},
                {"body": "second", "host": "", "time": T0, "user": "me"}]
    make_run(genv.home, "train", project=genv.project, comments=comments, started=T0 + 1)
    make_run(genv.home, "other", project=genv.project, started=T0)
    lines = genv.run("runs", "-c", env=UTC).out.splitlines()
    assert lines[1:7] == ["  u@h 2026-11-24 10:00:00", "", "    first note", "",
                          "  me 2026-11-24 10:00:00", ""]
    assert lines[9].startswith("[2:")


def test_json(genv):
    run_id = make_run(genv.home, "train", project=genv.project, label="x", tags=["a"])
    make_runs(genv.home, 25, project=genv.project)
    r = genv.run("runs", "--json", "-n", "2")
    assert r.err == "--json option always shows all runs\n"
    data = json.loads(r.out)
    assert len(data) == 26
    first = next(d for d in data if d["id"] == run_id)
    assert list(first) == ["id", "run_dir", "opref", "exit_status", "cmd", "comments", "marked",
                           "label", "started", "status", "stopped", "tags"]
    assert first["started"] == T0 and first["tags"] == ["a"] and first["status"] == "completed"
    assert first["opref"] == f"guildfile:{genv.project}/guild.yml abc '' train"
    assert ", " in r.out and ": " in r.out


def test_deleted_lists_trash(genv):
    make_run(genv.home, "kept", project=genv.project)
    make_run(genv.home, "gone", project=genv.project, root="trash/runs")
    assert genv.run("runs", "-s").out.startswith("[1]  kept")
    assert genv.run("runs", "-d", "-s").out == "[1]  gone  completed  \n"


def test_bad_run_dirs_do_not_break_listing(genv):
    good = make_run(genv.home, "good", project=genv.project, started=T0 + 5)
    bad_yaml = make_run(genv.home, "badyaml", project=genv.project, started=T0 + 4)
    with open(os.path.join(genv.home, "runs", bad_yaml, ".guild", "attrs", "label"), "w") as f:
        f.write("key: [unclosed\n")
    empty = make_run(genv.home, "empty", project=genv.project, started=T0 + 3)
    for name in ("started", "exit_status"):
        open(os.path.join(genv.home, "runs", empty, ".guild", "attrs", name), "w").close()
    make_run(genv.home, opref="garbage ' line", started=T0 + 3)
    with open(os.path.join(genv.home, "runs", good, ".guild", "attrs", "flags"), "wb") as f:
        f.write(b"\xff\xfe\x00bad")
    os.makedirs(os.path.join(genv.home, "runs", "not-a-run"))
    os.symlink("/nonexistent/target", os.path.join(genv.home, "runs", "dangling"))
    r = genv.run("runs", "-s")
    assert r.rc == 0, r.err
    assert "Traceback" not in r.err
    ops = [line.split("  ")[1] for line in r.out.splitlines()]
    assert ops == ["good", "badyaml", "?", "empty"]
    assert "WARNING: error reading attribute 'label'" in r.err
    assert genv.run("runs", "-v").rc == 0
    assert genv.run("runs", "--json").rc == 0
