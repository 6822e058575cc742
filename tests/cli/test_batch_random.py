"""Trial failures and `--fail-on-trial-error`, random search, flag functions, seeds and the
flag encoder (pipelines-and-batches.md §4.6, §4.8, §5.1–5.3)."""

from __future__ import annotations

import os
import re

from guild.store.run import Run, iter_runs

TRIAL_RE = re.compile(r"^INFO: \[guild\] Running trial ([0-9a-f]{32}): (\S+) \((.*)\)$", re.M)

FAIL = """fail = False
if fail:
    raise SystemExit(3)
"""

TRAIN = """x = 0.0
noise = 0.1
print("loss: %s" % ((x - 0.3) ** 2))
"""

GUILD_YML = """
noisy:
  main: train
  flags:
    x:
      default: 0.2
      min: -2.0
      max: 2.0
    noise: 0.1
    z:
      default: a
      choices: [a, b, c]
"""


def trials(err: str) -> list[tuple[str, str, str]]:
    return TRIAL_RE.findall(err)


def run_of(genv, run_id: str) -> Run:
    return Run(run_id, os.path.join(genv.runs_dir(), run_id))


def test_failed_trial_is_logged_and_batch_completes(genv):
    genv.write("fail.py", FAIL)
    r = genv.run("run", "fail.py", "fail=[no,yes,no]", "-y", "--keep-batch")
    assert r.rc == 0
    ids = [t for t, _, _ in trials(r.err)]
    assert len(ids) == 3
    assert f"ERROR: [guild] Trial {ids[1]} exited with an error (3) - see log for details" in r.err.splitlines()
    assert [run_of(genv, i).status for i in ids] == ["completed", "error", "completed"]
    [batch] = [x for x in iter_runs(genv.runs_dir()) if x.batch_proto]
    assert batch.status == "completed"


def test_failed_batch_is_not_deleted(genv):
    genv.write("fail.py", FAIL)
    r = genv.run("run", "fail.py", "fail=[yes,no,no]", "-y", "--fail-on-trial-error")
    assert r.rc == 3
    ids = [t for t, _, _ in trials(r.err)]
    assert len(ids) == 1
    lines = r.err.splitlines()
    assert lines[-2:] == [
        f"ERROR: [guild] Trial {ids[0]} exited with an error (3) - see log for details",
        "ERROR: [guild] Stopping batch because a trial failed (pending trials can be started as needed)",
    ]
    all_runs = list(iter_runs(genv.runs_dir()))
    [batch] = [x for x in all_runs if x.batch_proto]
    assert batch.status == "error"
    assert sorted(x.status for x in all_runs if not x.batch_proto) == ["error", "pending", "pending"]
    pending = [x for x in all_runs if x.status == "pending"][0]
    r = genv.run("run", "--start", pending.id, "-y")
    assert r.rc == 0 and run_of(genv, pending.id).status == "completed"


def test_random_search_same_seed_same_values(genv):
    genv.write("train.py", TRAIN)
    args = ("run", "train.py", "x=[-2.0:2.0]", "-m", "4", "--random-seed", "5", "-y")
    first = [d for _, _, d in trials(genv.run(*args).err)]
    second = [d for _, _, d in trials(genv.run(*args).err)]
    assert len(first) == 4 and first == second
    xs = [float(d.split("x=")[1]) for d in first]
    assert len(set(xs)) == 4 and all(-2.0 <= x <= 2.0 for x in xs)
    assert all(d.startswith("noise=0.1, ") for d in first)
    other = [d for _, _, d in trials(genv.run("run", "train.py", "x=[-2.0:2.0]", "-m", "4",
                                              "--random-seed", "6", "-y").err)]
    assert other != first


def test_random_batch_listing_and_defaults(genv):
    genv.write("train.py", TRAIN)
    r = genv.run("run", "train.py", "x=[1:3]", "-y", "--keep-batch")
    assert r.rc == 0, r.err
    found = trials(r.err)
    assert len(found) == 20
    assert all(re.fullmatch(r"noise=0\.1, x=[123]", d) for _, _, d in found)
    [batch] = [x for x in iter_runs(genv.runs_dir()) if x.batch_proto]
    assert batch.get("max_trials") == 20
    assert batch.batch_proto.get("flags")["x"] == "[1:3]"
    line = [ln for ln in genv.run("runs", "-s", "-a").out.splitlines() if "+" in ln][0]
    assert line.split()[1:] == ["train.py+skopt:random", "completed"]


def test_initial_value_and_loguniform(genv):
    genv.write("train.py", TRAIN)
    r = genv.run("run", "train.py", "x=loguniform[0.001:1.0:0.5]", "-m", "3", "-y")
    xs = [float(d.split("x=")[1]) for _, _, d in trials(r.err)]
    assert xs[0] == 0.5
    assert all(0.001 <= x <= 1.0 for x in xs)


def test_restart_random_batch_draws_same_values(genv):
    genv.write("train.py", TRAIN)
    r = genv.run("run", "train.py", "x=[0.0:1.0]", "-m", "2", "-y", "--keep-batch")
    [batch] = [x for x in iter_runs(genv.runs_dir()) if x.batch_proto]
    again = genv.run("run", "--restart", batch.id, "-y")
    assert [d for _, _, d in trials(again.err)] == [d for _, _, d in trials(r.err)]


def test_function_errors(genv):
    genv.write("train.py", TRAIN)
    r = genv.run("run", "train.py", "x=foo[1:2]", "-y")
    assert r.rc == 1
    assert "ERROR: [guild] unknown function 'foo' used for flag x" in r.err
    r = genv.run("run", "train.py", "x=[1:2:3:4]", "-y")
    assert "ERROR: [guild] uniform requires 2 or 3 args, got (1, 2, 3, 4) for flag x" in r.err
    r = genv.run("run", "train.py", "x=[1.2:1.1]", "-y")
    assert r.rc == 1
    assert "the lower bound 1.2 has to be less than the upper bound 1.1" in r.err


def test_no_search_dimensions(genv):
    genv.write("train.py", TRAIN)
    r = genv.run("run", "train.py", "-o", "random", "-y")
    assert r.rc == 1
    assert r.err.splitlines()[-2:] == [
        "ERROR: [guild] flags for batch (noise=0.1, x=0.0) do not contain any search dimensions",
        "Try specifying a range for one or more flags as NAME=[MIN:MAX].",
    ]
    [batch] = list(iter_runs(genv.runs_dir()))
    assert batch.status == "error"


def test_flag_encoder_turns_unset_flags_into_spaces(genv):
    genv.write("train.py", TRAIN)
    genv.write("guild.yml", GUILD_YML)
    r = genv.run("run", "noisy", "-o", "random", "-m", "6", "--random-seed", "3", "-y")
    assert r.rc == 0, r.err
    found = [d for _, _, d in trials(r.err)]
    assert found[0] == "noise=0.1, x=0.2, z=a" or found[0].startswith("noise=0.1, x=0.2, z=")
    for d in found:
        m = re.fullmatch(r"noise=0\.1, x=(\S+), z=([abc])", d)
        assert m and -2.0 <= float(m.group(1)) <= 2.0
    r = genv.run("run", "noisy", "x=[1.0:1.5]", "-m", "2", "-y")
    assert all(re.fullmatch(r"noise=0\.1, x=1\.\d+, z=[abc]", d) for _, _, d in trials(r.err))
    r = genv.run("run", "noisy", "x=[1,2]", "-y")
    assert [d for _, _, d in trials(r.err)] == ["noise=0.1, x=1, z=a", "noise=0.1, x=2, z=a"]


def test_grid_with_functions_uses_batch_seed(genv):
    genv.write("train.py", TRAIN)
    args = ("run", "train.py", "-o", "+", "x=[0.0:1.0:0.5]", "noise=[1,2,3]", "--random-seed", "9", "-y")
    first = [d for _, _, d in trials(genv.run(*args).err)]
    assert [d.split(",")[0] for d in first] == ["noise=1", "noise=2", "noise=3"]
    assert first[0] == "noise=1, x=0.5"
    assert first == [d for _, _, d in trials(genv.run(*args).err)]
