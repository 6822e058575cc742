"""The compare tables the scalar cache keeps (`scalars.table_cache`): a second `guild compare`
of unchanged runs gives what a compare without any cache gives, and any change a compare shows
(an event file written in place, an attr, a guild file's `compare:` list, the time zone, runs
added or removed) is there at once. Runs are written directly (see _scalar_runs.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time

import pytest

from _scalar_runs import make_run

A = "a" * 32
B = "b" * 32
NO_CACHES = {"NO_RUN_INDEX": "1", "NO_SCALAR_CACHE": "1"}


@pytest.fixture
def runs(genv):
    gf = genv.write("guild.yml", "train:\n  main: train\n  compare: [loss, =lr]\n")
    make_run(genv.home, A, "train", guildfile=gf, started=1, flags={"lr": 0.1}, label="a",
             scalars={".guild": [("loss", 2.0, 0), ("acc", 0.1, 0), ("loss", 1.0, 5)]})
    make_run(genv.home, B, "train", guildfile=gf, started=2, flags={"lr": 0.2}, label="b",
             scalars={".guild": [("loss", 3.0, 0), ("acc", 0.2, 0), ("loss", 0.5, 9)]})
    make_run(genv.home, "c" * 32, "other", started=3, flags={"x": 1},
             scalars={"logs": [("acc", 0.7, 3)]})
    return genv


def compare(genv, *args, env=None):
    r = genv.run("compare", *args, env={"TZ": "UTC", **(env or {})})
    assert r.rc == 0 and "Traceback" not in r.err, r.err
    return r.out


def uncached(genv, *args, env=None):
    return compare(genv, *args, env={**NO_CACHES, **(env or {})})


def kept_tables(genv) -> int:
    with sqlite3.connect(os.path.join(genv.home, "cache", "scalars.db")) as conn:
        return conn.execute("SELECT count(*) FROM tables").fetchone()[0]


@pytest.mark.parametrize("args", [
    ["--csv", "-"],
    ["-t"],
    ["--csv", "-", "--min", "loss", "--top", "2"],
    ["--csv", "-", "--max", "acc"],
    ["-t", "-u"],
    ["--csv", "-", "-cc", "=lr,loss step,.label"],
    ["--csv", "-", "-Fo", "train", "-s"],
])
def test_a_kept_table_gives_what_no_cache_gives(runs, args):
    expected = uncached(runs, *args)
    assert compare(runs, *args) == expected  # made and kept
    assert kept_tables(runs) == 1
    assert compare(runs, *args) == expected  # from the kept table


def test_each_selection_and_option_has_its_own_table(runs):
    for args in (["--csv", "-"], ["--csv", "-", "1"], ["--csv", "-"], ["--csv", "-", "-u"]):
        compare(runs, *args)
    assert kept_tables(runs) == 3
    assert compare(runs, "--csv", "-", "1") == uncached(runs, "--csv", "-", "1")


@pytest.mark.parametrize("args", [["--csv", "-"], ["--csv", "-", "--min", "loss"], ["-t", "-u"]])
def test_runs_added_changed_and_removed_after_a_kept_table(runs, args):
    # each new table takes the rows of the runs that held from the last one
    compare(runs, *args)
    make_run(runs.home, "d" * 32, "train", started=5, flags={"lr": 0.3, "momentum": 0.9},
             scalars={".guild": [("loss", 0.25, 7), ("val_loss", 0.4, 7)]})
    assert compare(runs, *args) == uncached(runs, *args)
    attrs = os.path.join(runs.runs_dir(), A, ".guild", "attrs")
    with open(os.path.join(attrs, "flags.tmp"), "w") as f:
        f.write("lr: 0.05\nbatch: 64\n")
    os.rename(os.path.join(attrs, "flags.tmp"), os.path.join(attrs, "flags"))
    assert compare(runs, *args) == uncached(runs, *args)
    shutil.rmtree(os.path.join(runs.runs_dir(), B))
    assert compare(runs, *args) == uncached(runs, *args)
    assert compare(runs, *args) == uncached(runs, *args)


def test_an_event_file_written_in_place_shows(runs):
    compare(runs, "--csv", "-")
    a_events, b_events = (_event_file(runs, run_id) for run_id in (A, B))
    with open(b_events, "rb") as f:
        more = f.read()
    with open(a_events, "ab") as f:  # b's records after a's: a's last loss is now 0.5
        f.write(more)
    out = compare(runs, "--csv", "-", "-cc", "loss,loss step", A)
    assert out.splitlines()[1].endswith(",0.5,9")
    assert compare(runs, "--csv", "-") == uncached(runs, "--csv", "-")


def test_an_attr_renamed_into_place_shows(runs):
    compare(runs, "--csv", "-")
    attrs = os.path.join(runs.runs_dir(), A, ".guild", "attrs")
    with open(os.path.join(attrs, "label.tmp"), "w") as f:
        f.write("relabelled")
    os.rename(os.path.join(attrs, "label.tmp"), os.path.join(attrs, "label"))
    out = compare(runs, "--csv", "-")
    assert "relabelled" in out
    assert out == uncached(runs, "--csv", "-")


def test_a_run_that_no_longer_passes_the_filter_is_not_compared(runs):
    attrs = os.path.join(runs.runs_dir(), A, ".guild", "attrs")
    for path in (attrs, os.path.dirname(attrs)):  # not just written: the index trusts its entry
        os.utime(path, (time.time() - 60,) * 2)
    assert A[:8] in compare(runs, "--csv", "-", "-Fl", "a")
    with open(os.path.join(attrs, "label.tmp"), "w") as f:
        f.write("z")
    os.rename(os.path.join(attrs, "label.tmp"), os.path.join(attrs, "label"))
    assert compare(runs, "--csv", "-", "-Fl", "a") == ""
    assert compare(runs, "--csv", "-", "-Fl", "z") == uncached(runs, "--csv", "-", "-Fl", "z")


def test_a_guild_file_compare_list_changed_shows(runs):
    before = compare(runs, "--csv", "-", "-Fo", "train")
    assert before.splitlines()[0].endswith(",loss,lr")
    runs.write("guild.yml", "train:\n  main: train\n  compare: [acc, =lr]\n")
    after = compare(runs, "--csv", "-", "-Fo", "train")
    assert after.splitlines()[0].endswith(",acc,lr")
    assert after == uncached(runs, "--csv", "-", "-Fo", "train")


def test_the_time_zone_is_part_of_the_key(runs):
    utc = compare(runs, "--csv", "-")
    tokyo = compare(runs, "--csv", "-", env={"TZ": "Asia/Tokyo"})
    assert utc != tokyo
    assert tokyo == uncached(runs, "--csv", "-", env={"TZ": "Asia/Tokyo"})
    assert compare(runs, "--csv", "-") == utc


def test_a_running_run_makes_no_table(runs):
    lock = os.path.join(runs.runs_dir(), "d" * 32)
    make_run(runs.home, "d" * 32, "train", started=4, exit_status=None)
    with open(os.path.join(lock, ".guild", "LOCK"), "w") as f:
        f.write(str(os.getpid()))  # alive: the run is running
    out = compare(runs, "--csv", "-")
    assert ",running," in out
    assert kept_tables(runs) == 0


def _event_file(genv, run_id: str) -> str:
    gdir = os.path.join(genv.runs_dir(), run_id, ".guild")
    return os.path.join(gdir, next(n for n in os.listdir(gdir) if ".tfevents." in n))
