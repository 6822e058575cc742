"""`guild tensorboard`: a real TensorBoard serving two runs' scalars over HTTP, the log
directory layout, `--export-scalars`, and option errors."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from _scalar_runs import make_run
from conftest import GUILD_BIN, free_port

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



def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


@contextlib.contextmanager
def _tensorboard(genv):
    """`guild tensorboard` serving on a free port: its base URL until the block ends."""
    pytest.importorskip("tensorboard")
    port = free_port()
    env = dict(genv.env, TZ="UTC")
    proc = subprocess.Popen(
        [GUILD_BIN, "tensorboard", "--port", str(port), "--host", "127.0.0.1", "--no-open"],
        cwd=genv.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "Preparing runs for TensorBoard\n"
        line = proc.stderr.readline()
        assert line.startswith("Running TensorBoard ") and line.endswith(
            f" at http://127.0.0.1:{port} (Type Ctrl+C to quit)\n")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        proc.stdout.close()
        proc.stderr.close()


def _post_json(url: str, body: dict):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def test_serves_both_runs_scalars(runs):
    with _tensorboard(runs) as url:
        base = f"{url}/data/plugin/scalars"
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


PNG_SCRIPT = """\
import struct, zlib
lr = 0.1
opt = "adam"
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
raw = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 4 for _ in range(3))
png = (b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
import os
os.makedirs("plots", exist_ok=True)
open("plots/sample.png", "wb").write(png)
print("loss: %s" % (lr * 2))
"""


def test_hparams_and_images(genv):
    genv.write("train.py", PNG_SCRIPT)
    assert genv.run("run", "train.py", "lr=[0.1,0.2]", "-y").rc == 0
    with _tensorboard(genv) as url:
        deadline = time.time() + 60
        while True:
            experiment = _post_json(f"{url}/data/plugin/hparams/experiment", {"experimentName": ""})
            if experiment.get("hparamInfos") or time.time() > deadline:
                break
            time.sleep(0.5)
        hparams = {h["name"]: h["type"] for h in experiment["hparamInfos"]}
        assert hparams == {"lr": "DATA_TYPE_FLOAT64", "opt": "DATA_TYPE_STRING"}
        metrics = {(m["name"].get("group", ""), m["name"]["tag"]) for m in experiment["metricInfos"]}
        assert {(".guild", "loss"), ("", "time")} <= metrics
        groups = _post_json(f"{url}/data/plugin/hparams/session_groups", {
            "experimentName": "", "startIndex": 0, "sliceSize": 10, "colParams": [],
            "allowedStatuses": ["STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING", "STATUS_UNKNOWN"]})
        found = {}
        for group in groups["sessionGroups"]:
            values = {m["name"]["tag"]: m["value"] for m in group["metricValues"]}
            found[group["hparams"]["lr"]] = round(values["loss"], 6)
            assert group["sessions"][0]["status"] == "STATUS_SUCCESS"
        assert found == {0.1: 0.2, 0.2: 0.4}
        tags = _get_json(f"{url}/data/plugin/images/tags")
        assert len(tags) == 2 and all(list(t) == ["plots/sample.png"] for t in tags.values()), tags
        run_name = next(iter(tags))
        query = urllib.parse.urlencode({"run": run_name, "tag": "plots/sample.png", "sample": 0})
        [image] = _get_json(f"{url}/data/plugin/images/images?{query}")
        assert image["step"] == 0


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
        entries = os.listdir(logdir)
        assert sorted(e for e in entries if not e.endswith(".experiment")) == sorted(map(os.path.basename, (d1, d2)))
        assert [e for e in entries if e.endswith(".experiment")] == ["events.out.tfevents.0000000001.experiment"]
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
        assert [e for e in os.listdir(logdir) if not e.endswith(".experiment")] == \
            [f"{R1[:8]} train 2026-11-24 00:00:00 lr=0.1 opt='a b'"]
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
