"""Trials in parallel: `--jobs N` in one batch process, a real Dask cluster (`dask scheduler` and
two `dask worker` processes started here) with `--executor`, and Guild's `queue` operation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import GUILD_BIN, free_port

SLEEP = """\
import time
x = 1
secs = 1.0
print("start", x, flush=True)
time.sleep(secs)
print("loss: %s" % x)
"""

BIN = os.path.dirname(sys.executable)


def _runs(genv) -> list[dict]:
    return json.loads(genv.run("runs", "-a", "--json").out)


def _trials(genv) -> list[dict]:
    return [r for r in _runs(genv) if not r["opref"].endswith((" +", " gp"))]


def _attr(genv, run_id: str, name: str):
    from guild.util import yamlutil

    with open(os.path.join(genv.runs_dir(), run_id, ".guild", "attrs", name)) as f:
        return yamlutil.load(f.read())


def _x(genv, trial) -> int:
    return _attr(genv, trial["id"], "flags")["x"]


def _overlapping(genv, trials) -> bool:
    """Whether any two trials ran at the same time."""
    spans = sorted((_attr(genv, t["id"], "started"), _attr(genv, t["id"], "stopped")) for t in trials)
    return any(b[0] < a[1] for a, b in zip(spans, spans[1:]))


def test_jobs_runs_trials_at_once(genv):
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1,2,3,4]", "--jobs", "2", "-y")
    assert r.rc == 0, r.err
    trials = _trials(genv)
    assert sorted(t["status"] for t in trials) == ["completed"] * 4
    assert sorted(_x(genv, t) for t in trials) == [1, 2, 3, 4]
    assert _overlapping(genv, trials)
    # each output line names its trial
    by_prefix = {t["id"][:8]: _x(genv, t) for t in trials}
    for line in r.out.splitlines():
        prefix, _, text = line.partition("] ")
        assert prefix[1:] in by_prefix, line
        assert text in (f"start {by_prefix[prefix[1:]]}", f"loss: {by_prefix[prefix[1:]]}")
    assert r.err.count("Running trial") == 4


def test_sequential_trials_do_not_overlap_and_keep_their_output(genv):
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1,2]", "secs=0.2", "-y")
    assert r.rc == 0, r.err
    assert r.out == "start 1\nloss: 1\nstart 2\nloss: 2\n"
    assert not _overlapping(genv, _trials(genv))


def test_jobs_from_guild_yml_and_fail_on_trial_error(genv):
    genv.write("guild.yml", "op:\n  main: fail\n  jobs: 2\n  flags:\n    x: 1\n")
    genv.write("fail.py", "import sys, time\nx = 1\ntime.sleep(0.3)\nsys.exit(3 if x == 2 else 0)\n")
    r = genv.run("run", "op", "x=[1,2,3,4,5,6]", "--fail-on-trial-error", "-y")
    assert r.rc == 3, r.err
    assert "Stopping batch because a trial failed" in r.err
    statuses = sorted(t["status"] for t in _trials(genv))
    assert "error" in statuses and "pending" in statuses  # later trials never started
    assert _attr(genv, [b for b in _runs(genv) if b["opref"].endswith(" +")][0]["id"], "run_params")["jobs"] == 2


def test_jobs_on_a_single_run_is_ignored_with_a_warning(genv):
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "secs=0", "--jobs", "2", "-y")
    assert r.rc == 0
    assert "WARNING: not a batch run - ignoring --jobs" in r.err


def test_gp_with_jobs_asks_for_points_as_slots_free(genv):
    pytest.importorskip("sklearn")
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1:10]", "secs=0.3", "-o", "gp", "-m", "6", "--jobs", "2", "-y")
    assert r.rc == 0, r.err
    trials = _trials(genv)
    assert len(trials) == 6 and all(t["status"] == "completed" for t in trials)
    assert "Found " in r.err and "previous trial(s) for use in optimization" in r.err


def test_unknown_executor_is_one_line(genv):
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1,2]", "--executor", "nowhere", "-y")
    assert r.rc == 1 and r.err.startswith("guild: unknown executor 'nowhere'\n")
    assert genv.run_ids() == []


# ---- Dask



@pytest.fixture
def dask_cluster(tmp_path):
    pytest.importorskip("distributed")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    log = open(tmp_path / "dask.log", "w")
    procs = [subprocess.Popen([os.path.join(BIN, "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=log, stderr=log, env=env, start_new_session=True)]
    procs.append(subprocess.Popen([os.path.join(BIN, "dask"), "worker", address, "--nworkers", "2", "--nthreads",
                                   "1", "--no-dashboard"], stdout=log, stderr=log, env=env, start_new_session=True))
    from distributed import Client

    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout="2s") as client:
                if len(client.nthreads()) >= 2:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, open(tmp_path / "dask.log").read()
        time.sleep(0.3)
    yield address
    for p in procs:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
    log.close()


def test_dask_executor_runs_the_grid(genv, dask_cluster):
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1,2,3,4]", "--executor", dask_cluster, "-y")
    assert r.rc == 0, r.err
    trials = _trials(genv)
    assert sorted(t["status"] for t in trials) == ["completed"] * 4
    assert _overlapping(genv, trials)  # two workers
    for t in trials:
        assert f"[{t['id'][:8]}] loss: {_x(genv, t)}" in r.out


def test_dask_executor_from_the_user_config(genv, dask_cluster, tmp_path):
    config = tmp_path / "config.yml"
    config.write_text(f"executors:\n  lab:\n    type: dask\n    address: {dask_cluster}\n")
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1,2]", "secs=0", "--executor", "lab", "-y",
                 env={"GUILD_CONFIG": str(config)})
    assert r.rc == 0, r.err
    assert sorted(t["status"] for t in _trials(genv)) == ["completed"] * 2


def test_dask_worker_killed_mid_trial(genv, dask_cluster):
    genv.write("sleep1.py", SLEEP)
    proc = subprocess.Popen([GUILD_BIN, "run", "sleep1.py", "x=[1,2,3,4]", "secs=3", "--executor", dask_cluster,
                             "-y"], cwd=genv.project, env=genv.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    claim = _wait_for_claim(genv)
    with open(claim) as f:
        worker_pid = int(f.read().split()[1])
    victim = os.path.basename(os.path.dirname(os.path.dirname(claim)))
    os.kill(worker_pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    statuses = {t["id"]: t["status"] for t in _trials(genv)}
    assert statuses.pop(victim) == "error", (statuses, err)
    assert sorted(statuses.values()) == ["completed"] * 3, err
    assert f"Trial {victim} exited with an error" in err and "worker" in err


def _wait_for_claim(genv, timeout=60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run_id in genv.run_ids():
            path = os.path.join(genv.runs_dir(), run_id, ".guild", "CLAIM")
            if os.path.exists(path) and os.path.exists(os.path.join(genv.runs_dir(), run_id, ".guild", "LOCK")):
                return path
        time.sleep(0.05)
    raise AssertionError("no trial started")


def test_dask_missing_says_what_to_install(genv):
    genv.write("sleep1.py", SLEEP)
    blocker = os.path.join(genv.project, "sitecustomize.py")  # hide distributed from the guild process
    with open(blocker, "w") as f:
        f.write("import sys\nsys.modules['distributed'] = None\n")
    r = genv.run("run", "sleep1.py", "x=[1,2]", "--executor", "tcp://127.0.0.1:1", "-y",
                 env={"PYTHONPATH": genv.project})
    assert r.rc == 1
    assert r.err == "guild: Dask is not installed: pip install 'distributed>=2024.1'\n"
    assert genv.run_ids() == []


# ---- queues


def test_queue_starts_staged_runs_in_order(genv):
    genv.write("sleep1.py", SLEEP)
    for x in (1, 2, 3):
        assert genv.run("run", "sleep1.py", f"x={x}", "secs=0", "--stage", "-y").rc == 0
    r = genv.run("run", "queue", "run-once=yes", "-y")
    assert r.rc == 0, r.err
    assert r.out == "start 1\nloss: 1\nstart 2\nloss: 2\nstart 3\nloss: 3\n"
    assert r.err.count("Starting staged run") == 3
    statuses = sorted((r["opref"].split()[-1], r["status"]) for r in _runs(genv))
    assert statuses == [("queue", "completed")] + [("sleep1.py", "completed")] * 3


def test_two_queues_run_staged_trials_once_each_in_parallel(genv):
    genv.write("sleep1.py", SLEEP)
    r = genv.run("run", "sleep1.py", "x=[1,2,3,4]", "--stage-trials", "-y")
    assert r.rc == 0, r.err
    assert sorted(t["status"] for t in _trials(genv)) == ["staged"] * 4
    queues = [subprocess.Popen([GUILD_BIN, "run", "queue", "run-once=yes", "poll-interval=1", "-y"],
                               cwd=genv.project, env=genv.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [q.communicate(timeout=120) for q in queues]
    assert all(q.returncode == 0 for q in queues), outs
    trials = _trials(genv)
    assert sorted(t["status"] for t in trials if t["opref"].endswith("sleep1.py")) == ["completed"] * 4
    started = [line for _, err in outs for line in err.splitlines() if "Starting staged run" in line]
    assert len(started) == 4 and len(set(started)) == 4, outs  # no run started twice
    assert _overlapping(genv, [t for t in trials if t["opref"].endswith("sleep1.py")])


def test_queue_is_stopped_with_guild_stop(genv):
    proc = subprocess.Popen([GUILD_BIN, "run", "queue", "poll-interval=1", "-y"], cwd=genv.project,
                            env=genv.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not any(r["status"] == "running" for r in _runs(genv)):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert genv.run("stop", "-y").rc == 0
    assert proc.wait(timeout=30) != 0
    assert [r["status"] for r in _runs(genv)] == ["terminated"]
