"""`guild tensorboard`: a real TensorBoard serving two runs' scalars over HTTP, the log
directory layout, `--export-scalars`, and option errors."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from _scalar_runs import make_run
from conftest import GUILD_BIN

R1 = "1" * 32
R2 = "2" * 32


@pytest.fixture
def runs(genv):
    make_run(genv.home, R1, "train", started=1, duration=3, label="lr=0.1",
             scalars={".guild": [("loss", 1.0, 0), ("loss", 0.5, 1)]})
    make_run(genv.home, R2, "train", started=2, label="a/b",
             scalars={".guild": [("loss", 2.0, 0), ("loss", 0.25, 1)],
                      "logs/train": [("acc", 0.5, 3)]})
    return genv


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def test_serves_both_runs_scalars(runs):
    pytest.importorskip("tensorboard")
    port = _free_port()
    env = dict(runs.env, TZ="UTC")
    proc = subprocess.Popen(
        [GUILD_BIN, "tensorboard", "--port", str(port), "--host", "127.0.0.1", "--no-open"],
        cwd=runs.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "Preparing runs for TensorBoard\n"
        line = proc.stderr.readline()
        assert line.startswith("Running TensorBoard ") and line.endswith(
            f" at http://127.0.0.1:{port} (Type Ctrl+C to quit)\n")
        base = f"http://127.0.0.1:{port}/data/plugin/scalars"
        names = {R1: f"{R1[:8]} train 2026-11-24 00:00:01 lr=0.1/.guild",
                 R2: f"{R2[:8]} train 2026-11-24 00:00:02 a_b/.guild"}
        deadline = time.time() + 60
        tags = {}
        while time.time() < deadline:
            tags = _get_json(base + "/tags")
            if all(name in tags for name in names.values()):
                break
            time.sleep(0.5)
        assert all("loss" in tags.get(name, {}) for name in names.values()), tags
        assert "acc" in tags[f"{R2[:8]} train 2026-11-24 00:00:02 a_b/logs/train"]
        assert "time" in tags[f"{R1[:8]} train 2026-11-24 00:00:01 lr=0.1"]
        for run_id, expected in ((R1, [(0, 1.0), (1, 0.5)]), (R2, [(0, 2.0), (1, 0.25)])):
            query = urllib.parse.urlencode({"run": names[run_id], "tag": "loss"})
            data = _get_json(f"{base}/scalars?{query}")
            assert [(step, value) for _wall, step, value in data] == expected
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


def test_logdir_layout(runs):
    from guild.scalars.events import iter_events

    r = runs.run("tensorboard", "--test-logdir", env={"TZ": "UTC"})
    assert r.rc == 0, r.err
    out = r.out.splitlines()
    assert out[0] == "Preparing runs for TensorBoard"
    logdir = out[1]
    try:
        assert os.path.basename(logdir).startswith("guild-tensorboard-")
        d1 = os.path.join(logdir, f"{R1[:8]} train 2026-11-24 00:00:01 lr=0.1")
        d2 = os.path.join(logdir, f"{R2[:8]} train 2026-11-24 00:00:02 a_b")
        assert sorted(os.listdir(logdir)) == sorted(map(os.path.basename, (d1, d2)))
        [name] = os.listdir(os.path.join(d2, "logs", "train"))
        link = os.path.join(d2, "logs", "train", name)
        assert os.readlink(link) == os.path.join(runs.runs_dir(), R2, "logs", "train", name)
        time_file = os.path.join(d1, "events.out.tfevents.9999999999.time")
        assert [(t, v, s) for t, v, s, _ in iter_events(time_file)] == [("time", 3.0, 0)]
    finally:
        import shutil

        shutil.rmtree(logdir, ignore_errors=True)


def test_run_name_flags(genv):
    make_run(genv.home, R1, "train", flags={"lr": 0.1, "opt": "a b"}, label="x")
    r = genv.run("tensorboard", "--test-logdir", "--run-name-flags", "lr,opt", env={"TZ": "UTC"})
    logdir = r.out.splitlines()[1]
    try:
        assert os.listdir(logdir) == [f"{R1[:8]} train 2026-11-24 00:00:00 lr=0.1 opt='a b'"]
    finally:
        import shutil

        shutil.rmtree(logdir, ignore_errors=True)


def test_export_scalars(runs, tmp_path):
    expected = (
        "run,path,tag,value,step\r\n"
        f"{R2},.guild,loss,2.0,0\r\n{R2},.guild,loss,0.25,1\r\n{R2},logs/train,acc,0.5,3\r\n"
        f"{R1},.guild,loss,1.0,0\r\n{R1},.guild,loss,0.5,1\r\n")
    r = runs.run("tensorboard", "--export-scalars", "-")
    assert (r.out, r.rc) == (expected.replace("\r\n", "\n"), 0)  # text mode reads \r\n as \n
    path = tmp_path / "scalars.csv"
    r = runs.run("tensorboard", "--export-scalars", str(path), R1[:8])
    assert (r.out, r.err, r.rc) == ("", "", 0)
    assert path.read_bytes().decode() == "".join(l for l in expected.splitlines(True) if R2 not in l)


def test_bad_tensorboard_option(genv):
    r = genv.run("tensorboard", "-O", "nope")
    assert (r.err, r.rc) == ("guild: invalid TensorBoard option 'nope' - must be OPTION=VALUE\n", 1)


def test_missing_tensorboard(genv, tmp_path):
    fake = tmp_path / "fake" / "tensorboard"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no tensorboard here')\n")
    r = genv.run("tensorboard", "--no-open", env={"PYTHONPATH": str(fake.parent)})
    assert r.rc == 1
    assert r.err == (
        "guild: TensorBoard is not installed\n"
        "Install it with 'pip install tensorboard' (or, in a checkout of guild, "
        "pip install -e '.[tensorboard]').\n")
