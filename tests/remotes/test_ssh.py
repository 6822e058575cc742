"""SSH remotes against a real sshd on this machine (the remote's guild: this checkout's): runs
started there with their output streamed back or in the background, watched and stopped there,
dependencies copied with the run, push/pull/list, and one-line errors for a host that is down."""

from __future__ import annotations

import subprocess
import time

import pytest

from remotes._fixtures import write_remotes
from conftest import GUILD_BIN, free_port

TRAIN = "x = 1\nprint('loss: %s' % (1.0 / x))\n"
SLOW = "import time\nfor i in range(300):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n"


@pytest.fixture
def sshenv(genv, sshd, tmp_path):
    genv.remote_home = str(tmp_path / "remote-home")
    write_remotes(genv, {"gpu": sshd.remote_config(genv.remote_home)})
    return genv


def _runs(genv, *args) -> list[str]:
    out = genv.run("runs", *args)
    assert out.rc == 0, out.output
    return [line for line in out.out.splitlines() if line.strip()]


def test_status(sshenv):
    out = sshenv.run("remote", "status", "gpu")
    assert out.rc == 0 and out.out.startswith("gpu (ssh root@127.0.0.1 port ") and "is available: guild " in out.out


def test_run_there_streams_output_then_pull(sshenv):
    sshenv.write("train.py", TRAIN)
    out = sshenv.run("run", "-r", "gpu", "train.py", "x=4", "-y")
    assert out.rc == 0, out.output
    assert "loss: 0.25" in out.out
    assert sshenv.run_ids() == []  # the run lives there
    remote = _runs(sshenv, "-r", "gpu")
    assert len(remote) == 1 and "completed" in remote[0] and "x=4" in remote[0]
    info = sshenv.run("runs", "info", "-r", "gpu")
    assert "  loss: 0.250000 (step 0)" in info.out, info.output
    pulled = sshenv.run("pull", "gpu", "-y")
    assert pulled.rc == 0 and "Copied 1 run(s) from gpu" in pulled.err, pulled.output
    local = _runs(sshenv)
    assert len(local) == 1 and "completed" in local[0]
    assert sshenv.run("cat", "--output").out.strip() == "loss: 0.25"


def test_error_exit_comes_back(sshenv):
    sshenv.write("fail.py", "raise SystemExit(3)\n")
    out = sshenv.run("run", "-r", "gpu", "fail.py", "-y")
    assert out.rc == 3
    assert "error" in _runs(sshenv, "-r", "gpu")[0]


def test_dependencies_go_with_the_run(sshenv):
    sshenv.write("data.txt", "42\n")
    sshenv.write("use.py", "print('data: %s' % open('data.txt').read().strip())\n")
    sshenv.write("guild.yml", "use:\n  main: use\n  requires:\n    - file: data.txt\n")
    out = sshenv.run("run", "-r", "gpu", "use", "-y")
    assert out.rc == 0 and "data: 42" in out.out, out.output


def test_background_run_watched_and_stopped(sshenv):
    sshenv.write("slow.py", SLOW)
    started = time.monotonic()
    out = sshenv.run("run", "-r", "gpu", "slow.py", "--no-wait", "-y")
    assert out.rc == 0 and time.monotonic() - started < 20, out.output
    assert "To watch its output, run 'guild watch -r gpu " in out.out
    deadline = time.monotonic() + 20
    while "running" not in _runs(sshenv, "-r", "gpu")[0]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    watch = subprocess.Popen([GUILD_BIN, "watch", "-r", "gpu"], cwd=sshenv.project, env=sshenv.env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, text=True)
    lines = [watch.stdout.readline() for _ in range(2)]
    watch.kill()
    watch.wait()
    assert lines[0].startswith("tick ") and lines[1].startswith("tick "), lines
    stop = sshenv.run("stop", "-r", "gpu", "-y")
    assert stop.rc == 0, stop.output
    assert "terminated" in _runs(sshenv, "-r", "gpu")[0]


def test_push_then_list_there(sshenv):
    sshenv.write("train.py", TRAIN)
    for x in (1, 2):
        sshenv.run("run", "train.py", f"x={x}", "-y")
    pushed = sshenv.run("push", "gpu", "-y")
    assert pushed.rc == 0 and "Copied 2 run(s) to gpu" in pushed.err, pushed.output
    again = sshenv.run("push", "gpu", "-y")
    assert "(0 file(s), 0 B sent)" in again.err, again.output
    assert len(_runs(sshenv, "-r", "gpu")) == 2
    assert len(_runs(sshenv, "-r", "gpu", "-Fl", "x=2")) == 1
    assert sshenv.run("runs", "delete", "-r", "gpu", "-y").rc == 0
    assert _runs(sshenv, "-r", "gpu") == [] and len(_runs(sshenv)) == 2


def test_host_down_is_one_line(sshenv, sshd):
    cfg = sshd.remote_config(sshenv.remote_home)
    cfg["port"] = free_port()  # nothing listens there
    write_remotes(sshenv, {"gpu": cfg})
    sshenv.write("train.py", TRAIN)
    for args in (("runs", "-r", "gpu"), ("remote", "status", "gpu"), ("run", "-r", "gpu", "train.py", "-y"),
                 ("pull", "gpu", "-y")):
        out = sshenv.run(*args)
        assert out.rc == 1, (args, out.output)
        assert out.err.startswith("guild: remote 'gpu': cannot connect to ssh root@127.0.0.1 port ") \
            and len(out.err.splitlines()) == 1, (args, out.err)
    assert _runs(sshenv) == []  # nothing staged for a host that cannot be reached
