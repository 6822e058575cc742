"""The run index and scalar cache (GUILD_HOME/cache): what commands print is the same with them
and without them, whatever happens to the cache or behind its back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import GUILD_BIN, SHARED

MAKE_HOME = os.path.join(SHARED, "bench", "make_home.py")
VERIFY_HOME = os.path.join(SHARED, "bench", "verify_home.py")
needs_bench = pytest.mark.skipif(not os.path.exists(MAKE_HOME), reason="../shared/bench not found")

LISTINGS = [
    ["runs", "-a"],
    ["runs"],
    ["runs", "-a", "-Fo", "op-3"],
    ["runs", "-a", "--started", "after 2026-01-01"],
    ["runs", "-a", "-Sc"],
    ["runs", "-a", "-Se", "-St"],
    ["runs", "-a", "-l", "lr"],
    ["runs", "-a", "--filter", "loss < 0.5"],
    ["select"],
    ["select", "-Fo", "op-1", "3"],
    ["runs", "info"],
    ["runs", "info", "5"],
    ["compare", "--csv", "-"],
    ["compare", "--csv", "-", "-Fo", "op-2", "--min", "loss"],
    ["compare", "--csv", "-", "-cc", "=lr,loss,acc"],
    ["compare", "-t", "--max", "acc", "--top", "20"],
    ["runs", "-a", "--json"],
]


def _out(genv, args, index=True):
    env = {} if index else {"NO_RUN_INDEX": "1", "NO_SCALAR_CACHE": "1"}
    r = genv.run(*args, env=env)
    return r.rc, r.out, r.err


def _same_everywhere(genv):
    for args in LISTINGS:
        expected = _out(genv, args, index=False)
        assert _out(genv, args) == expected, args  # building or using the index
        assert _out(genv, args) == expected, args  # using it again


@pytest.fixture
def made_home(genv):
    subprocess.run([sys.executable, MAKE_HOME, "300", genv.home, "--force"], check=True,
                   stdout=subprocess.DEVNULL)
    return genv


@needs_bench
def test_same_output_with_and_without_the_index(made_home):
    _same_everywhere(made_home)
    assert os.path.exists(os.path.join(made_home.home, "cache", "runs-index.db"))
    assert os.path.exists(os.path.join(made_home.home, "cache", "scalars.db"))


@needs_bench
def test_verify_home_passes_with_the_index(made_home):
    env = dict(os.environ, GUILD_BIN=GUILD_BIN)
    for _ in range(2):  # building the index, then using it
        proc = subprocess.run([sys.executable, VERIFY_HOME, made_home.home], env=env,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "FAIL" not in proc.stdout


@needs_bench
def test_index_deleted_is_rebuilt(made_home):
    before = _out(made_home, ["runs", "-a"])
    import shutil

    shutil.rmtree(os.path.join(made_home.home, "cache"))
    assert _out(made_home, ["runs", "-a"]) == before
    assert os.path.exists(os.path.join(made_home.home, "cache", "runs-index.db"))


@needs_bench
def test_damaged_index_is_rebuilt_with_a_warning(made_home):
    expected = _out(made_home, ["runs", "-a"], index=False)
    _out(made_home, ["compare", "--csv", "-"])
    for name in ("runs-index.db", "scalars.db"):
        path = os.path.join(made_home.home, "cache", name)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        with open(path, "wb") as f:
            f.write(os.urandom(4096))
    rc, out, err = _out(made_home, ["runs", "-a"])
    assert (rc, out) == expected[:2]
    lines = err.splitlines()
    assert lines[0].startswith("WARNING: the run index at ") and "is damaged" in lines[0] and "rebuilding" in lines[0]
    assert "Traceback" not in err
    assert _out(made_home, ["runs", "-a"]) == expected
    assert _out(made_home, ["compare", "--csv", "-"])[:2] == _out(made_home, ["compare", "--csv", "-"], index=False)[:2]


def _two_runs(genv):
    genv.write("train.py", "import sys\nx = 1\nprint('loss: %s' % (1.0 / x))\n")
    for x in (1, 2):
        assert genv.run("run", "train.py", f"x={x}", "-y").rc == 0
    return sorted(genv.run_ids())


def test_label_edited_in_place_shows_at_once(genv):
    _two_runs(genv)
    genv.run("runs")  # index made
    latest = genv.run("select").out.strip()
    label = os.path.join(genv.runs_dir(), latest, ".guild", "attrs", "label")
    with open(label, "r+") as f:  # in place: the attrs dir does not change
        f.seek(0)
        f.write("edited!")
        f.truncate()
    assert "edited!" in genv.run("runs").out.splitlines()[0]
    assert genv.run("runs", "-Fl", "edited!").out.count("\n") == 1


def test_changes_by_other_guild_commands_show_at_once(genv):
    _two_runs(genv)
    genv.run("runs")
    assert genv.run("label", "-s", "best", "1", "-y").rc == 0
    assert "best" in genv.run("runs").out.splitlines()[0]
    assert genv.run("runs", "delete", "2", "-y").rc == 0
    assert len(genv.run("runs").out.splitlines()) == 1
    assert len(genv.run("runs", "--deleted").out.splitlines()) == 1
    assert genv.run("runs", "restore", "-y").rc == 0
    assert len(genv.run("runs").out.splitlines()) == 2
    assert genv.run("run", "--restart", "2", "-y").rc == 0  # restarted: newest now
    out = genv.run("runs").out.splitlines()
    assert "x=1" in out[0]


def test_scalars_appended_show_in_compare(genv):
    genv.write("train.py", (
        "import time\nfrom guild.summary import SummaryWriter\n"
        "w = SummaryWriter('.')\n"
        "for step in range(3):\n    w.add_scalar('loss', float(step), step)\n    w.flush()\n"
        "    open('step-%d' % step, 'w').close()\n"
        "    while not __import__('os').path.exists('go-%d' % step):\n        time.sleep(0.05)\n"
    ))
    proc = subprocess.Popen([GUILD_BIN, "run", "train.py", "-y"], cwd=genv.project, env=genv.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run_dir = _wait_for_run_dir(genv)
        for step in range(3):
            _wait_for(os.path.join(run_dir, f"step-{step}"))
            rc, out, _ = _out(genv, ["compare", "--csv", "-", "-cc", "loss,loss step"])
            assert out.splitlines()[1].split(",", 1)[1] == f"{float(step)},{step}"
            open(os.path.join(run_dir, f"go-{step}"), "w").close()
    finally:
        proc.wait(timeout=60)
    assert _out(genv, ["compare", "--csv", "-"]) == _out(genv, ["compare", "--csv", "-"], index=False)


def _wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert time.monotonic() < deadline, path
        time.sleep(0.05)


def _wait_for_run_dir(genv):
    """The run's dir once it is in place (it is made as `.incomplete-<id>`, then renamed)."""
    deadline = time.monotonic() + 30
    while not (ids := [rid for rid in genv.run_ids() if not rid.startswith(".")]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return os.path.join(genv.runs_dir(), ids[0])


def test_running_then_dead_status_from_the_index(genv):
    genv.write("wait.py", "import time\nwhile True:\n    time.sleep(0.1)\n")
    proc = subprocess.Popen([GUILD_BIN, "run", "wait.py", "-y"], cwd=genv.project, env=genv.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run_dir = _wait_for_run_dir(genv)
        _wait_for(os.path.join(run_dir, ".guild", "LOCK"))
        assert " running" in genv.run("runs").out
        assert " running" in genv.run("runs").out  # from the index
        os.killpg(proc.pid, signal.SIGKILL)  # guild and the script die: no exit status written
        proc.wait(timeout=30)
        for _ in range(2):
            row = genv.run("runs").out
            assert " error" in row, row
            assert _out(genv, ["runs", "-a"]) == _out(genv, ["runs", "-a"], index=False)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_concurrent_writers_and_listers(genv):
    genv.write("train.py", "x = 1\nprint('loss: %s' % x)\n")
    genv.run("runs")  # the index exists from the start
    env = dict(genv.env)
    procs = [subprocess.Popen([GUILD_BIN, "run", "train.py", f"x={i}", "-y"], cwd=genv.project, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for i in range(20)]
    listers = [subprocess.Popen([GUILD_BIN, *args], cwd=genv.project, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for args in (["runs", "-a"], ["compare", "--csv", "-"]) * 5]
    errors = []
    for p in procs + listers:
        _, err = p.communicate(timeout=300)
        errors.append(err)
        assert p.returncode == 0, err
    assert not any("locked" in e or "Traceback" in e for e in errors), errors
    listed = genv.run("runs", "-a").out.splitlines()
    assert len(listed) == 20 and all(" completed " in line for line in listed)
    flags = sorted(int(line.rsplit("x=", 1)[1]) for line in listed)
    assert flags == list(range(20))
    assert _out(genv, ["compare", "--csv", "-"]) == _out(genv, ["compare", "--csv", "-"], index=False)
