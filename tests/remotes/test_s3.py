"""S3 remotes against a real S3 API server (moto's server mode): push and pull only what changed,
listings, info, filters, delete/restore/purge on the remote, resumed transfers, one-line errors,
and no credentials in any run."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

pytest.importorskip("boto3")

from remotes._fixtures import write_remotes  # noqa: E402
from remotes._servers import S3_ENV  # noqa: E402

TRAIN = "x = 1\nprint('loss: %s' % (1.0 / x))\n"


def _runs(genv, *args) -> list[str]:
    out = genv.run("runs", *args)
    assert out.rc == 0, out.output
    return [line for line in out.out.splitlines() if line.strip()]


def _two_runs(genv) -> None:
    genv.write("train.py", TRAIN)
    for x in (1, 4):
        assert genv.run("run", "train.py", f"x={x}", "-y").rc == 0


def _second_home(genv, tmp_path):
    """The same user config in another Guild home (another machine pulling the runs)."""
    from conftest import GuildEnv

    other = GuildEnv(tmp_path / "other")
    other.env.update(S3_ENV)
    with open(os.path.join(genv.home, "config.yml")) as src, open(os.path.join(other.home, "config.yml"), "w") as dst:
        dst.write(src.read())
    return other


def test_status_start_and_remotes_listing(s3env):
    listing = s3env.run("remotes")
    assert listing.rc == 0 and listing.out.split() == ["s3", "s3", "Team", "runs"]
    missing = s3env.run("remote", "status", "s3")
    assert missing.rc == 1
    assert missing.err.strip() == f"guild: remote 's3': bucket {s3env.bucket} does not exist (guild remote start creates it)"
    assert s3env.run("remote", "start", "s3").out.strip() == f"Created bucket {s3env.bucket} for s3"
    assert s3env.run("remote", "status", "s3").out.strip() == f"s3 (S3 bucket {s3env.bucket} (team)) is available"


def test_push_sends_only_changed_files_and_lists_remote_runs(s3env):
    s3env.run("remote", "start", "s3")
    _two_runs(s3env)
    first = s3env.run("push", "s3", "-y")
    assert first.rc == 0 and "Copied 2 run(s) to s3" in first.err, first.output
    again = s3env.run("push", "s3", "-y")
    assert "Copied 2 run(s) to s3 (0 file(s), 0 B sent)" in again.err, again.output
    newest = s3env.run_ids()
    run_dir = os.path.join(s3env.runs_dir(), sorted(newest, key=lambda i: os.path.getmtime(os.path.join(s3env.runs_dir(), i)))[-1])
    with open(os.path.join(run_dir, "notes.txt"), "w") as f:
        f.write("changed after the push\n")
    third = s3env.run("push", "s3", "-y")
    assert "(1 file(s), 23 B sent)" in third.err, third.output
    remote = _runs(s3env, "-r", "s3")
    assert len(remote) == 2 and all("train.py" in line and "completed" in line for line in remote)
    assert _runs(s3env, "-r", "s3", "-Fl", "x=4") == [remote[0]]
    info = s3env.run("runs", "info", "-r", "s3", "1")
    assert info.rc == 0 and "  x: 4" in info.out and "  loss: 0.250000 (step 0)" in info.out, info.output


def test_delete_restore_and_purge_on_the_remote(s3env):
    s3env.run("remote", "start", "s3")
    _two_runs(s3env)
    s3env.run("push", "s3", "-y")
    assert s3env.run("runs", "delete", "-r", "s3", "1", "-y").rc == 0
    assert len(_runs(s3env, "-r", "s3")) == 1 and len(_runs(s3env, "-r", "s3", "-d")) == 1
    assert len(_runs(s3env)) == 2  # local runs untouched
    assert s3env.run("runs", "restore", "-r", "s3", "-y").rc == 0
    assert len(_runs(s3env, "-r", "s3")) == 2 and _runs(s3env, "-r", "s3", "-d") == []
    s3env.run("runs", "delete", "-r", "s3", "-y")
    purge = s3env.run("runs", "purge", "-r", "s3", "-y")
    assert purge.rc == 0 and "Permanently deleted 2 run(s)" in purge.err
    assert _runs(s3env, "-r", "s3") == [] and _runs(s3env, "-r", "s3", "-d") == []


def test_pull_into_another_home(s3env, tmp_path):
    s3env.run("remote", "start", "s3")
    _two_runs(s3env)
    s3env.run("push", "s3", "-y")
    other = _second_home(s3env, tmp_path)
    pulled = other.run("pull", "s3", "-y")
    assert pulled.rc == 0 and "Copied 2 run(s) from s3" in pulled.err, pulled.output
    assert other.run("runs", cwd=s3env.project).out == s3env.run("runs").out
    assert other.run("runs", "info", "1", cwd=s3env.project).out == \
        s3env.run("runs", "info", "1").out.replace(s3env.home, other.home)
    again = other.run("pull", "s3", "-y")
    assert "(0 file(s), 0 B fetched)" in again.err
    for run_id in s3env.run_ids():
        with open(os.path.join(s3env.runs_dir(), run_id, "train.py")) as a, \
                open(os.path.join(other.runs_dir(), run_id, "train.py")) as b:
            assert a.read() == b.read()


def test_interrupted_pull_leaves_no_run_and_resumes(s3env, tmp_path):
    s3env.run("remote", "start", "s3")
    s3env.write("train.py", "import os\nfor i in range(150):\n    open('f%03d.txt' % i, 'w').write('x' * 100)\n")
    assert s3env.run("run", "train.py", "-y").rc == 0
    assert s3env.run("push", "s3", "-y").rc == 0
    other = _second_home(s3env, tmp_path)
    proc = subprocess.Popen([os.path.join(os.path.dirname(os.sys.executable), "guild"), "pull", "s3", "-y"],
                            cwd=other.project, env=other.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    incomplete = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        incomplete = [d for d in os.listdir(other.runs_dir()) if d.startswith(".incomplete")] \
            if os.path.isdir(other.runs_dir()) else []
        if incomplete and len(os.listdir(os.path.join(other.runs_dir(), incomplete[0]))) >= 5:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert incomplete, "the pull ended before it could be interrupted"
    assert _runs(other) == []  # a half copy is no run
    resumed = other.run("pull", "s3", "-y")
    assert resumed.rc == 0, resumed.output
    fetched = int(resumed.err.split(" from s3 (")[1].split(" file")[0])
    assert 0 < fetched < 150 + 10  # what was already here was not fetched again
    assert len(_runs(other)) == 1 and len([f for f in os.listdir(os.path.join(other.runs_dir(), other.run_ids()[0]))
                                           if f.endswith(".txt")]) == 150


def test_errors_are_one_line_and_credentials_stay_out(s3env, moto):
    s3env.run("remote", "start", "s3")
    _two_runs(s3env)
    no_creds = s3env.run("push", "s3", "-y", env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    assert no_creds.rc == 1 and no_creds.err.startswith("guild: remote 's3': ") and "Traceback" not in no_creds.err
    write_remotes(s3env, {"s3": {"type": "s3", "bucket": "no-such-bucket", "endpoint": moto.endpoint}})
    missing = s3env.run("runs", "-r", "s3")
    assert (missing.rc, missing.err) == (1, "guild: remote 's3': bucket no-such-bucket does not exist "
                                            "(guild remote start creates it)\n")
    write_remotes(s3env, {"s3": {"type": "s3", "bucket": "b", "endpoint": "http://127.0.0.1:9"}})
    down = s3env.run("push", "s3", "-y")
    assert down.rc == 1 and down.err.startswith("guild: remote 's3': cannot reach S3") and len(down.err.splitlines()) == 1
    unknown = s3env.run("push", "nowhere", "-y")
    assert unknown.rc == 1 and unknown.err.startswith("guild: remote 'nowhere' is not defined")
    for root, _, files in os.walk(s3env.home):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                assert S3_ENV["AWS_SECRET_ACCESS_KEY"].encode() not in f.read(), os.path.join(root, name)
