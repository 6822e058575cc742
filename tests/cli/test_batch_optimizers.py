"""Sequential optimizers gp, forest and gbrt: search quality, random starts, previous trials,
objectives, optimizer choice and flags (pipelines-and-batches.md §5.1, §5.4)."""

from __future__ import annotations

import importlib.util
import os
import re

import pytest

from guild.scalars.summary import run_scalars
from guild.store.run import Run, iter_runs

needs_hpo = pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs the hpo extra")

TRIAL_RE = re.compile(r"^INFO: \[guild\] Running trial ([0-9a-f]{32}): (\S+) \((.*)\)$", re.M)

LOSS = """x = 0.5
print("loss: %s" % ((x - 0.3) ** 2))
"""

ACC = """x = 0.5
print("acc: %s" % (1 - (x - 0.7) ** 2))
"""

GUILD_YML = """
train:
  main: loss
  flags:
    x:
      default: 0.5
      min: 0.0
      max: 1.0
  optimizer:
    algorithm: gp
    noise: 0.1
many:
  main: loss
  flags:
    x: 0.5
  optimizers:
    g1: gp
    f1:
      algorithm: forest
      random-starts: 1
"""


def trial_runs(genv, err: str) -> list[Run]:
    return [Run(t, os.path.join(genv.runs_dir(), t)) for t, _, _ in TRIAL_RE.findall(err)]


def scalar(run: Run, tag: str) -> float | None:
    for s in run_scalars(run.path):
        if s.tag == tag:
            return s.last_val
    return None


def batch_of(genv) -> Run:
    [batch] = [r for r in iter_runs(genv.runs_dir()) if r.batch_proto]
    return batch


@needs_hpo
@pytest.mark.parametrize("algorithm", ["gp", "forest", "gbrt"])
def test_optimizer_finds_minimum(genv, algorithm):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", algorithm, "-m", "15", "--random-seed", "2", "-y",
                 timeout=300)
    assert r.rc == 0, r.err
    runs = trial_runs(genv, r.err)
    assert len(runs) == 15
    results = [(scalar(run, "loss"), run.get("flags")["x"]) for run in runs]
    assert all(loss is not None for loss, _ in results)
    best_loss, best_x = min(results)
    assert abs(best_x - 0.3) < 0.1, results
    lines = r.err.splitlines()
    starts = [ln for ln in lines if "Random start" in ln]
    assert starts == [f"INFO: [guild] Random start for optimization ({i} of 3)" for i in (1, 2, 3)]
    found = [ln for ln in lines if ln.startswith("INFO: [guild] Found")]
    assert found[0] == "INFO: [guild] Found 3 previous trial(s) for use in optimization"
    assert found[-1] == "INFO: [guild] Found 14 previous trial(s) for use in optimization"
    batch = batch_of(genv)
    assert batch.status == "completed"
    assert batch.get("objective") == "loss"
    assert batch.get("max_trials") == 15


@needs_hpo
def test_gp_batch_label_and_listing(genv):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "gp", "-m", "1", "-y")
    assert r.rc == 0, r.err
    line = [ln for ln in genv.run("runs", "-s").out.splitlines() if "+" in ln][0]
    assert line.split(None, 3)[1:] == [
        "loss.py+skopt:gp", "completed",
        "acq-func=gp_hedge kappa=1.96 noise=gaussian prev-trials=sourcecode random-starts=3 xi=0.05",
    ]


@needs_hpo
def test_same_seed_same_trials(genv):
    genv.write("loss.py", LOSS)
    args = ("run", "loss.py", "x=[0.0:1.0]", "-o", "forest", "-m", "5", "--random-seed", "4",
            "-Fo", "prev-trials=batch", "-Fo", "random-starts=2", "-y")
    first = [run.get("flags") for run in trial_runs(genv, genv.run(*args).err)]
    second = [run.get("flags") for run in trial_runs(genv, genv.run(*args).err)]
    assert len(first) == 5 and first == second


@needs_hpo
def test_maximize_and_configured_optimizer(genv):
    genv.write("loss.py", ACC)
    genv.write("guild.yml", GUILD_YML)
    r = genv.run("run", "train", "-O", "--maximize", "acc", "-m", "6", "-Fo", "kappa=2", "-y", timeout=300)
    assert r.rc == 0, r.err
    batch = batch_of(genv)
    assert batch.get("objective") == "-acc"
    assert batch.get("flags") == {
        "acq-func": "gp_hedge", "kappa": 2.0, "noise": 0.1, "prev-trials": "sourcecode",
        "random-starts": 3, "xi": 0.05,
    }
    runs = trial_runs(genv, r.err)
    assert runs[0].get("flags") == {"x": 0.5}  # the flag encoder's initial value
    assert all(0.0 <= run.get("flags")["x"] <= 1.0 for run in runs)


@needs_hpo
def test_default_optimizer_choice(genv):
    genv.write("loss.py", LOSS)
    genv.write("guild.yml", GUILD_YML)
    r = genv.run("run", "many", "-O", "x=[0.0:1.0]", "-y")
    assert r.rc == 1
    assert r.err.splitlines() == [
        "guild: no default optimizer defined for many",
        "Specify one of the following with '--optimizer': f1, g1",
    ]
    r = genv.run("run", "many", "-o", "f1", "x=[0.0:1.0]", "-m", "2", "-y")
    assert r.rc == 0, r.err
    assert "INFO: [guild] Random start for optimization (1 of 1)" in r.err
    assert batch_of(genv).opref.op_name == "forest"


@needs_hpo
def test_objective_missing_and_prev_trials_batch(genv):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "gbrt", "-m", "3", "--minimize", "nope",
                 "-Fo", "random-starts=1", "-Fo", "prev-trials=batch", "-y")
    assert r.rc == 0, r.err
    starts = [ln for ln in r.err.splitlines() if "Random start" in ln]
    assert starts == [
        "INFO: [guild] Random start for optimization (1 of 1)",
        "INFO: [guild] Random start for optimization (cannot find objective 'nope')",
        "INFO: [guild] Random start for optimization (cannot find objective 'nope')",
    ]


@needs_hpo
def test_invalid_objective(genv):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "gp", "--minimize", "loss,acc", "-y")
    assert r.rc == 1
    assert "ERROR: [guild] invalid objective 'loss,acc': too many columns" in r.err
    assert not TRIAL_RE.search(r.err)


def test_unsupported_previews_and_staging(genv):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "gp", "--print-trials")
    assert (r.rc, r.err.strip()) == (1, "ERROR: [guild] optimizer does not support printing trials")
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "forest", "--save-trials", "t.csv")
    assert (r.rc, r.err.strip()) == (1, "ERROR: [guild] optimizer does not support saving trials")
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "gbrt", "--stage-trials", "-y")
    assert (r.rc, r.err.strip()) == (1, "guild: operation 'skopt:gbrt' does not support --stage-trials")


@needs_hpo
def test_prompt(genv):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "forest", "-m", "3", "--maximize", "acc", input="n\n")
    assert r.err.splitlines()[:8] == [
        "You are about to run loss.py with skopt:forest optimizer (3 trials, maximize acc)",
        "  x: [0.0:1.0]",
        "Optimizer flags:",
        "  kappa: 1.96",
        "  prev-trials: sourcecode",
        "  random-starts: 3",
        "  xi: 0.05",
        "Continue? (Y/n) ",
    ]


def test_project_op_as_optimizer(genv):
    genv.write("say.py", 'msg = "hi"\nprint(msg)\n')
    genv.write("tune.py", 'import os\nn = 2\nprint("tune n=%s proto=%s" % (n, os.path.isdir(os.path.join('
               'os.environ["RUN_DIR"], ".guild", "proto"))))\n')
    genv.write("guild.yml", "say:\n  main: say\n  flags:\n    msg: hi\n"
               "tune:\n  main: tune\n  flags:\n    n: 2\n  default-max-trials: 5\n")
    r = genv.run("run", "say", "-o", "tune", "msg=[a,b]", "-Fo", "n=3", input="n\n")
    assert r.err.splitlines()[:5] == [
        "You are about to run say with tune optimizer (5 trials, minimize loss)",
        "  msg: [a, b]", "Optimizer flags:", "  n: 3", "Continue? (Y/n) ",
    ]
    r = genv.run("run", "say", "-o", "tune", "msg=[a,b]", "-Fo", "n=3", "-y")
    assert (r.rc, r.out) == (0, "tune n=3 proto=True\n")
    batch = batch_of(genv)
    assert batch.batch_proto.get("flags") == {"msg": ["a", "b"]}
    assert genv.run("runs", "-s").out.split() == ["[1]", "say+tune", "completed", "n=3"]


@needs_hpo
def test_restarted_batch_uses_its_earlier_trials(genv):
    genv.write("loss.py", LOSS)
    r = genv.run("run", "loss.py", "x=[0.0:1.0]", "-o", "gbrt", "-m", "2", "-Fo", "random-starts=1",
                 "-Fo", "prev-trials=batch", "-y")
    assert r.rc == 0, r.err
    batch = batch_of(genv)
    r = genv.run("run", "--restart", batch.id, "-y")
    assert r.rc == 0, r.err
    assert [ln for ln in r.err.splitlines() if "Random start" in ln or "Found" in ln] == [
        "INFO: [guild] Random start for optimization (1 of 1)",
        "INFO: [guild] Found 3 previous trial(s) for use in optimization",
    ]
    assert len([n for n in os.listdir(batch.path) if n != ".guild"]) == 4


@needs_hpo
def test_prev_trials_sourcecode_needs_a_digest(genv):
    genv.write("loss.py", LOSS)
    genv.write("guild.yml", "train:\n  main: loss\n  sourcecode: no\n  flags:\n    x: 0.5\n")
    r = genv.run("run", "train", "x=[0.0:1.0]", "-o", "gp", "-m", "2", "-y")
    assert r.rc == 1
    batch = batch_of(genv)
    assert r.err.splitlines()[-1] == (
        f"ERROR: [guild] Cannot find runs for batch proto in {batch.batch_proto.path}: missing sourcecode digest"
    )
    assert batch.status == "error"
