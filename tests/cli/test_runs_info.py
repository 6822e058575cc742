"""`guild runs info` on runs written in Guild's format (more cases in the fixture-home test)."""

from __future__ import annotations

import json
import os

from test_runs_support import T0, UTC, make_run


def test_info_sections(genv):
    run_id = make_run(
        genv.home, "train", project=genv.project, label="x", stopped=T0 + 2_000_000,
        flags={"b": True, "f": "False", "l": [1, "a,b"], "n": None, "s": "hello world", "x10": 1,
               "x9": 0.123456789},
        tags=["t1"], env={"A": "1"}, plugins=["p"], deps={"model": {"m": {"paths": ["a"]}}},
        files={".guild/manifest": "s train.py 01 train.py\nd data.csv - file:data.csv\n"})
    run_dir = os.path.join(genv.home, "runs", run_id)
    r = genv.run("runs", "info", "-e", "-m", "-d", "-p", env=UTC)
    assert r.rc == 0, r.err
    assert r.out == "\n".join([
        f"id: {run_id}",
        "operation: train",
        f"from: {genv.project}/guild.yml",
        "status: completed",
        "started: 2026-11-24 10:00:00",
        "stopped: 2026-11-24 10:00:02",
        "marked: no",
        "label: x",
        "sourcecode_digest: ",
        "vcs_commit: ",
        f"run_dir: {run_dir}",
        "command: ",
        "exit_status: 0",
        "pid: ",
        "tags:",
        "  - t1",
        "flags:",
        "  b: yes",
        "  f: 'False'",
        "  l:",
        "    - 1",
        "    - a,b",
        "  n: null",
        "  s: hello world",
        "  x9: 0.123456789",
        "  x10: 1",
        "scalars:",
        "environment:",
        "  A: '1'",
        "manifest:",
        "  dependencies:",
        "    - data.csv",
        "  sourcecode:",
        "    - train.py",
        "dependencies:",
        "  model:",
        "    m:",
        "      paths:",
        "      - a",
        "plugins:",
        "  - p",
    ]) + "\n"


def test_info_json_and_private(genv):
    make_run(genv.home, "train", project=genv.project, flags={"lr": 0.1},
             files={".guild/attrs/op": "x: 1\n"})
    data = json.loads(genv.run("runs", "info", "--json").out)
    assert list(data)[:3] == ["id", "operation", "from"]
    assert data["flags"] == {"lr": 0.1} and data["tags"] == [] and data["scalars"] == {}
    out = genv.run("runs", "info", "--private-attrs").out
    assert f"opref: guildfile:{genv.project}/guild.yml abc '' train\n" in out
    assert "\nop:\n  x: 1\n" in out


def test_info_errors(genv):
    r = genv.run("runs", "info")
    assert (r.rc, r.err) == (1, "guild: no matching runs\n")
    make_run(genv.home, "train")
    r = genv.run("runs", "info", "zzz")
    assert r.err == ("guild: could not find a run matching 'zzz'\n"
                     "Try 'guild runs list' for a list or 'guild runs info --help' for more information.\n")
