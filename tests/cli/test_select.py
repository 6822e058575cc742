"""`guild select` and RUN spec resolution (runs.md §6.1, §7)."""

from __future__ import annotations

import os

from test_runs_support import T0, UTC, make_run


def _three(genv) -> list[str]:
    """Runs newest first: sleep (staged), sleep, train."""
    h, p = genv.home, genv.project
    return [
        make_run(h, "sleep", project=p, started=T0 + 3, exit_status=None, markers=("STAGED",),
                 run_id="f53b1ea1" + "1" * 24, flags={"secs": 2}),
        make_run(h, "sleep", project=p, started=T0 + 2, run_id="f53b2222" + "2" * 24, label="two"),
        make_run(h, "train", project=p, started=T0 + 1, run_id="0a1b2c3d" + "3" * 24,
                 scalars_note="x"),
    ]


def test_select_defaults_and_forms(genv):
    ids = _three(genv)
    assert genv.run("select").out == ids[0] + "\n"
    assert genv.run("select", "-s", "2").out == ids[1][:8] + "\n"
    assert genv.run("select", "3", "--dir").out == os.path.join(genv.home, "runs", ids[2]) + "\n"
    assert genv.run("select", "-p", "0a1b").out == os.path.join(genv.home, "runs", ids[2]) + "\n"
    assert genv.run("select", "-a", "status").out == "staged\n"
    assert genv.run("select", "-a", "label", "2").out == "two\n"
    assert genv.run("select", "-a", "started", "2", env=UTC).out == "2026-11-24 10:00:00\n"
    assert genv.run("select", "-a", "flags").out == "secs: 2\n"
    assert genv.run("select", "-Fo", "train").out == ids[2] + "\n"


def test_select_many(genv):
    ids = _three(genv)
    assert genv.run("select", "-A", "-Fo", "sleep", "-s").out == f"{ids[0][:8]}\n{ids[1][:8]}\n"
    assert genv.run("select", "3", "1", "-s").out == f"{ids[2][:8]}\n{ids[0][:8]}\n"
    assert genv.run("select", "-A", "-s", "2:3").out == f"{ids[1][:8]}\n{ids[2][:8]}\n"
    r = genv.run("select", "-A", "-Fo", "nothing")
    assert (r.out, r.rc) == ("", 0)


def test_select_errors(genv):
    r = genv.run("select")
    assert (r.rc, r.err) == (1, "guild: no matching runs\n")
    ids = _three(genv)
    r = genv.run("select", "99")
    assert r.rc == 1
    assert r.err == ("guild: could not find a run matching '99'\n"
                     "Try 'guild runs list' for a list or 'guild select --help' for more information.\n")
    r = genv.run("select", "f53b")
    assert (r.rc, r.out) == (1, "")
    assert r.err == f"'f53b' matches multiple runs:\n  {ids[0][:8]}\n  {ids[1][:8]}\n"
    r = genv.run("select", "1:2")
    assert r.err.startswith("'1:2' matches multiple runs:\n")
    r = genv.run("select", "-a", "bogus")
    assert (r.rc, r.err) == (1, "guild: no such run attribute 'bogus'\n")
    r = genv.run("select", "-s", "-a", "id")
    assert r.rc == 1 and r.err.startswith("guild: --short-id and --attr cannot both be specified\n")
    r = genv.run("select", "-Fo", "zzz")
    assert r.err == "guild: no matching runs\n"


def test_index_applies_after_filters(genv):
    ids = _three(genv)
    assert genv.run("select", "-Fo", "sleep", "2").out == ids[1] + "\n"
    assert genv.run("select", "-Fo", "train", "1").out == ids[2] + "\n"
    assert genv.run("select", "-Ss", "-A", "-s").out == ids[0][:8] + "\n"
