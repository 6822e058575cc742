"""DVC stages as operations: `guild run dvc.yaml:STAGE` runs the stage with DVC in the run
directory, its params as flags written into the run's params.yaml, its metrics as scalars; a clear
message when DVC is missing or the stage is not defined."""

from __future__ import annotations

import importlib.util
import os

import pytest

HAVE_DVC = importlib.util.find_spec("dvc") is not None

DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    deps:
      - train.py
      - data.csv
    params:
      - train.lr
      - epochs
    metrics:
      - metrics.json:
          cache: false
"""
PARAMS = "epochs: 2\ntrain:\n  lr: 0.1\n"
TRAIN = """\
import json, yaml
p = yaml.safe_load(open("params.yaml"))
rows = open("data.csv").read().splitlines()
print("lr=%s epochs=%s rows=%d" % (p["train"]["lr"], p["epochs"], len(rows)))
json.dump({"loss": p["train"]["lr"] * 10 / p["epochs"], "eval": {"acc": 0.9}}, open("metrics.json", "w"))
"""


@pytest.fixture
def dvc_project(genv):
    genv.write("dvc.yaml", DVC_YAML)
    genv.write("params.yaml", PARAMS)
    genv.write("train.py", TRAIN)
    genv.write("data.csv", "a,b\n1,2\n3,4\n")
    return genv


@pytest.mark.skipif(not HAVE_DVC, reason="DVC is not installed (pip install dvc)")
def test_stage_runs_with_flags_and_metrics(dvc_project):
    r = dvc_project.run("run", "dvc.yaml:train", "train.lr=0.5", "-y")
    assert r.rc == 0, r.output
    assert "lr=0.5 epochs=2 rows=3" in r.out
    info = dvc_project.run("runs", "info").out
    assert "  train.lr: 0.5" in info and "  epochs: 2" in info
    assert "  loss: 2.500000 (step 0)" in info and "  eval.acc: 0.900000 (step 0)" in info
    assert "train:\n  lr: 0.5" in dvc_project.run("cat", "-p", "params.yaml").out
    assert "dvc.yaml:train" in dvc_project.run("runs").out
    restart = dvc_project.run("run", "--restart", "1", "-y")
    assert restart.rc == 0 and "lr=0.5 epochs=2 rows=3" in restart.out, restart.output


@pytest.mark.skipif(HAVE_DVC, reason="DVC is installed here: its absence cannot be shown")
def test_missing_dvc(dvc_project):
    no_dvc = dvc_project.run("run", "dvc.yaml:train", "-y")
    assert no_dvc.rc == 1
    assert no_dvc.err == ("guild: 'dvc.yaml:train' is a DVC stage and DVC is not installed\n"
                          "Install it with 'pip install dvc'.\n")
    assert dvc_project.run_ids() == []


def test_unknown_stage_and_no_dvc_yaml(dvc_project):
    unknown = dvc_project.run("run", "dvc.yaml:tran", "-y")
    assert unknown.rc == 1 and unknown.err.startswith("guild: stage 'tran' is not defined in dvc.yaml"), unknown.err
    assert dvc_project.run_ids() == []
    os.remove(os.path.join(dvc_project.project, "dvc.yaml"))
    none = dvc_project.run("run", "dvc.yaml:train", "-y")
    assert none.rc == 1 and none.err.startswith("guild: cannot find operation dvc.yaml:train")
