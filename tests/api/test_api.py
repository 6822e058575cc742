"""The Python API (`guild.api`): runs started, listed and read without the command line, and
runs prepared from two threads at once that each keep their own directory and environment."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

from guild import api

TRAIN = """\
import os
x = {x}
print("x:", x)
print("cwd:", os.getcwd())
print("foo:", os.environ.get("FOO"))
print("loss:", x / 10)
"""


def _project(root, name: str, x: int) -> str:
    path = os.path.join(str(root), name)
    os.makedirs(path)
    with open(os.path.join(path, "train.py"), "w") as f:
        f.write(TRAIN.format(x=x))
    with open(os.path.join(path, "guild.yml"), "w") as f:
        f.write("train:\n  main: train\n  flags-import: all\n")
    return path


def test_api_starts_lists_and_reads_runs_without_the_cli(tmp_path):
    project = _project(tmp_path, "p", 3)
    home = tmp_path / "home"
    home.mkdir()
    script = textwrap.dedent(f"""
        import sys
        from guild import api
        ctx = api.context(cwd={project!r}, home={str(home)!r}, echo=None,
                          env={{"NO_PIP_FREEZE": "1", "NO_VCS_COMMIT": "1"}})
        first = api.run("train", {{"x": 5}}, ctx=ctx)
        second = api.run("train", ctx=ctx, label="default x")
        listed = api.runs(ctx=ctx)
        assert [r.id for r in listed] == [second.id, first.id], listed
        assert first.status == "completed" and second.status == "completed"
        assert api.run_flags(first) == {{"x": 5}}
        assert api.run_attrs(second)["label"] == "default x"
        assert {{s.tag: s.last_val for s in api.run_scalars(first)}}["loss"] == 0.5
        assert "train.py" in api.run_files(first)
        assert [r.id for r in api.runs(ctx=ctx, labels=["default"])] == [second.id]
        assert "guild.cli" not in sys.modules, sorted(m for m in sys.modules if m.startswith("guild.cli"))
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_two_runs_prepared_in_two_threads_keep_their_own_cwd_and_env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    projects = {"a": _project(tmp_path, "a", 1), "b": _project(tmp_path, "b", 2)}
    cwd_before = os.getcwd()
    env_before = dict(os.environ)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def start(name: str) -> None:
        ctx = api.context(cwd=projects[name], home=str(home), echo=None,
                          env={"FOO": name, "NO_PIP_FREEZE": "1", "NO_VCS_COMMIT": "1"})
        try:
            prepared = api.prepare(api.run_options("train"), ctx)
            barrier.wait(timeout=30)  # both prepared before either starts
            results[name] = prepared.start()
        except Exception as e:  # reported by the assertions below
            results[name] = e

    threads = [threading.Thread(target=start, args=(name,)) for name in projects]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert os.getcwd() == cwd_before
    assert dict(os.environ) == env_before
    for name, x in (("a", 1), ("b", 2)):
        run = results[name]
        assert isinstance(run, api.Run), run
        assert run.status == "completed"
        assert api.run_flags(run) == {"x": x}
        output = open(run.guild_path("output")).read()
        assert output.splitlines() == [f"x: {x}", f"cwd: {run.path}", f"foo: {name}", f"loss: {x / 10}"]
        env = run.get("env")
        assert env["FOO"] == name and env["CMD_DIR"] == projects[name]
        assert os.path.dirname(run.path) == str(home / "runs")


def test_flags_given_as_values_round_trip(tmp_path):
    project = _project(tmp_path, "p", 1)
    home = tmp_path / "home"
    home.mkdir()
    opts = api.run_options("train", {"x": [1, 2]}, label="grid")
    assert opts.flags == ["x=[1, 2]"] and opts.label == "grid"
    ctx = api.context(cwd=project, home=str(home), echo=None)
    prepared = api.prepare(opts, ctx)
    assert prepared.trials() == [{"x": 1}, {"x": 2}]
    assert api.runs(ctx=ctx) == []


def test_unknown_options_and_missing_runs_are_guild_errors(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    ctx = api.context(cwd=str(tmp_path), home=str(home), echo=None)
    try:
        api.run_options("train", colour="red")
    except api.GuildError as e:
        assert "unknown run options: colour" in e.message
    else:
        raise AssertionError("no error")
    try:
        api.runs("abc", ctx=ctx)
    except api.RunNotFound as e:
        assert e.message == "could not find a run matching 'abc'"
    else:
        raise AssertionError("no error")
