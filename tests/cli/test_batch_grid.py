"""Grid batches (`+`): trial order, `-m` sampling, the batch run and its trials, delete on success,
`--keep-batch`, `--needed`, restart (pipelines-and-batches.md §4.2–4.4, §4.7, §3)."""

from __future__ import annotations

import os
import random
import re

from guild.store.run import Run, iter_runs

TRIAL_RE = re.compile(r"^INFO: \[guild\] Running trial ([0-9a-f]{32}): (\S+) \((.*)\)$", re.M)

ECHO = """x = 1
y = 2
z = 0
msg = "hi"
print("x=%s y=%s z=%s msg=%s" % (x, y, z, msg))
"""


def trial_lines(err: str) -> list[tuple[str, str, str]]:
    return TRIAL_RE.findall(err)


def runs(genv) -> list[Run]:
    return list(iter_runs(genv.runs_dir()))


def batches(genv) -> list[Run]:
    return [r for r in runs(genv) if r.batch_proto is not None]


def test_grid_order_first_name_slowest(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "x=[1,2]", "y=[3,4]", "z=[5,6]", "-y")
    assert r.rc == 0, r.err
    descs = [d for _, _, d in trial_lines(r.err)]
    expected = [f"msg=hi, x={x}, y={y}, z={z}" for x in (1, 2) for y in (3, 4) for z in (5, 6)]
    assert descs == expected
    assert r.out.splitlines()[0] == "x=1 y=3 z=5 msg=hi"
    assert r.out.splitlines()[-1] == "x=2 y=4 z=6 msg=hi"


def test_list_keeps_its_order_and_one_item_is_a_batch(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "msg=[c,a,b]", "-y")
    assert [d.split(", ")[0] for _, _, d in trial_lines(r.err)] == ["msg=c", "msg=a", "msg=b"]
    r = genv.run("run", "echo.py", "msg=[hi]", "-y", "--keep-batch")
    assert len(trial_lines(r.err)) == 1
    assert len(batches(genv)) == 1


def test_trial_line_shows_op_and_quoted_strings(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "msg=['hi 1']", "-y")
    [(trial_id, op, desc)] = trial_lines(r.err)
    assert op == "echo.py"
    assert desc == "msg='hi 1', x=1, y=2, z=0"
    assert Run(trial_id, os.path.join(genv.runs_dir(), trial_id)).status == "completed"


def test_max_trials_samples_like_guild_and_keeps_order(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "x=[1,2,3]", "y=[4,5,6]", "z=[7,8,9]", "-m", "5",
                 "--random-seed", "42", "-y")
    assert r.rc == 0, r.err
    all_trials = [(x, y, z) for x in (1, 2, 3) for y in (4, 5, 6) for z in (7, 8, 9)]
    random.seed(42)
    chosen = [all_trials[i] for i in sorted(random.sample(range(27), 5))]
    assert [d for _, _, d in trial_lines(r.err)] == [
        f"msg=hi, x={x}, y={y}, z={z}" for x, y, z in chosen
    ]


def test_grid_without_max_trials_runs_every_trial(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "x=range[1:25]", "-y")
    assert r.rc == 0, r.err
    assert [d for _, _, d in trial_lines(r.err)] == [f"msg=hi, x={i}, y=2, z=0" for i in range(1, 26)]


def test_batch_deleted_on_success_unless_kept(genv):
    genv.write("echo.py", ECHO)
    genv.run("run", "echo.py", "x=[1,2]", "-y")
    assert len(runs(genv)) == 2 and not batches(genv)
    trash = os.path.join(genv.home, "trash", "runs")
    assert any(Run(n, os.path.join(trash, n)).batch_proto for n in os.listdir(trash))
    r = genv.run("run", "echo.py", "x=[1,2]", "-y", "--keep-batch")
    assert r.rc == 0
    [batch] = batches(genv)
    links = sorted(n for n in os.listdir(batch.path) if n != ".guild")
    assert links == sorted(t for t, _, _ in trial_lines(r.err))
    assert all(os.readlink(os.path.join(batch.path, n)) == os.path.join("..", n) for n in links)
    listing = genv.run("runs", "-s").out.splitlines()
    assert [line.split()[1:] for line in listing if "echo.py+" in line] == [["echo.py+", "completed"]]


def test_batch_and_proto_attrs(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "x=[1,2]", "-y", "--keep-batch", "--random-seed", "7")
    [batch] = batches(genv)
    proto = batch.batch_proto
    assert batch.get("flags") == {}
    assert batch.get("random_seed") == 7 and proto.get("random_seed") == 7
    assert not batch.has_attr("max_trials")
    assert proto.get("flags") == {"msg": "hi", "x": [1, 2], "y": 2, "z": 0}
    for trial_id, _, _ in trial_lines(r.err):
        trial = Run(trial_id, os.path.join(genv.runs_dir(), trial_id))
        assert trial.get("random_seed") == 7
        assert os.path.exists(os.path.join(trial.path, "echo.py"))


def test_needed_skips_matching_batch(genv):
    genv.write("echo.py", ECHO)
    genv.run("run", "echo.py", "x=[1,2]", "-y", "--keep-batch")
    r = genv.run("run", "echo.py", "x=[1,2]", "-y", "--needed")
    assert r.rc == 0
    lines = r.out.splitlines()
    assert lines[0] == "Skipping because the following runs match this operation (--needed specified):"
    assert re.match(r"  \[[0-9a-f]{8}\]  echo\.py\+  \S+ \S+  completed\s*$", lines[1])
    assert len(runs(genv)) == 3
    r = genv.run("run", "echo.py", "x=[1,3]", "-y", "--needed")
    assert len(trial_lines(r.err)) == 2


def test_restart_makes_new_trials_with_merged_flags(genv):
    genv.write("echo.py", ECHO)
    genv.run("run", "echo.py", "x=[1,2]", "y=[3,4]", "-y", "--keep-batch")
    [batch] = batches(genv)
    r = genv.run("run", "--restart", batch.id, "x=[5]", "-y")
    assert r.rc == 0, r.err
    assert [d for _, _, d in trial_lines(r.err)] == ["msg=hi, x=5, y=3, z=0", "msg=hi, x=5, y=4, z=0"]
    assert len([n for n in os.listdir(batch.path) if n != ".guild"]) == 6
    assert len(runs(genv)) == 7


def test_not_a_batch_warnings(genv):
    genv.write("echo.py", ECHO)
    r = genv.run("run", "echo.py", "-m", "3", "--batch-comment", "c", "-y")
    assert r.rc == 0
    assert "WARNING: not a batch run - ignoring --max-trials" in r.err
    assert "WARNING: operation is not a batch - ignoring batch comment" in r.err
    r = genv.run("run", "echo.py", "-Fo", "kappa=1", "-y")
    assert (r.rc, r.err.strip()) == (1, "guild: invalid optimizer flag kappa=1: no optimizer specified")
