"""guild.ipy: Python functions and operations run from Python as tracked runs, and runs as
pandas DataFrames; the example notebook runs top to bottom."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import GUILD_BIN

pd = pytest.importorskip("pandas")

from guild import ipy  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "notebook")


def train(lr=0.1, epochs=2):
    for step in range(epochs):
        print(f"loss: {1 / (lr * (step + 1)):.4f}")
    open("model.txt", "w").write("trained")
    return lr * 10


def broken(x=1):
    print("about to fail")
    raise ValueError("bad x")


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    ipy.set_guild_home(str(path))
    yield str(path)
    ipy.set_guild_home(None)


def _cli(home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env["GUILD_HOME"] = home
    return subprocess.run([GUILD_BIN, *args], env=env, capture_output=True, text=True)


def test_two_function_runs_compare_and_cli(home, capsys):
    run1, result1 = ipy.run(train, lr=0.5)
    run2, _ = ipy.run(train, lr=0.25, epochs=1)
    assert result1 == 5.0
    assert "loss: 2.0000" in capsys.readouterr().out  # shown as it runs
    runs = ipy.runs()
    assert len(runs) == 2
    assert list(runs.columns) == ["run", "operation", "started", "status", "label"]
    assert [str(r) for r in runs["run"]] == [run2.short_id, run1.short_id]
    assert list(runs["operation"]) == ["train()", "train()"] and set(runs["status"]) == {"completed"}
    table = runs.compare()
    assert {"lr", "epochs", "loss"} <= set(table.columns)
    assert list(table["lr"]) == [0.25, 0.5]
    assert list(table["loss"]) == [pytest.approx(4.0), pytest.approx(1.0)]
    assert list(runs.flags()["epochs"]) == [1, 2]
    scalars = runs.scalars()
    assert list(scalars["last_val"]) == [pytest.approx(4.0), pytest.approx(1.0)]
    detail = runs.scalars_detail()
    assert len(detail) == 3 and set(detail["tag"]) == {"loss"}
    listed = _cli(home, "runs").stdout.splitlines()
    assert [line.split()[0][3:-1] for line in listed] == [run2.short_id, run1.short_id]
    assert "epochs=1 lr=0.25" in listed[0]
    # the function ran in its run directory, and its output is the run's
    assert open(os.path.join(run1.path, "model.txt")).read() == "trained"
    assert "loss: 1.0000" in _cli(home, "cat", "--output", run1.id).stdout


def test_function_error_is_recorded_and_raised(home):
    with pytest.raises(ValueError, match="bad x"):
        ipy.run(broken, x=3)
    runs = ipy.runs()
    assert list(runs["status"]) == ["error"]
    out = _cli(home, "cat", "--output", str(runs["run"][0])).stdout
    assert "about to fail" in out and "ValueError: bad x" in out


def test_unknown_flag_of_a_function_is_a_type_error(home):
    with pytest.raises(TypeError, match="unexpected keyword argument 'momentum'"):
        ipy.run(train, momentum=0.9)
    assert len(ipy.runs()) == 0


def test_grid_random_and_gp_batches_of_a_function(home):
    trials = ipy.run(train, lr=[0.1, 0.2], epochs=[1, 2], _quiet=True)
    assert sorted((r.get("flags")["lr"], r.get("flags")["epochs"]) for r, _ in trials) == [
        (0.1, 1), (0.1, 2), (0.2, 1), (0.2, 2)]
    trials = ipy.run(train, lr="uniform[0.1:1.0]", _optimizer="random", _max_trials=3, _quiet=True)
    assert len(trials) == 3 and all(0.1 <= r.get("flags")["lr"] <= 1.0 for r, _ in trials)
    pytest.importorskip("sklearn")
    trials = ipy.run(train, lr="loguniform[0.1:10]", epochs=1, _optimizer="gp", _max_trials=5, _quiet=True)
    assert len(trials) == 5
    assert len(ipy.runs(operations=["train()"])) == 12


def test_operation_run_and_filters(home, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "guild.yml").write_text("fit:\n  main: fit\n  flags:\n    x: 1\n")
    (project / "fit.py").write_text("print('loss: %s' % (x * 2))\n")
    run = ipy.run("fit", x=4, _cwd=str(project), _label="four", _quiet=True)
    assert run.status == "completed" and run.get("flags") == {"x": 4}
    ipy.run(train, lr=1.0, _quiet=True)
    fits = ipy.runs(ops=["fit"])
    assert list(fits["label"]) == ["four"]
    assert list(fits.compare()["loss"]) == [8.0]
    deleted = ipy.runs(labels=["four"]).delete()
    assert deleted == [run.id]
    assert len(ipy.runs(deleted=True)) == 1 and len(ipy.runs()) == 1


def test_import_is_light():
    code = "import sys, guild.ipy; print(sorted(m for m in ('pandas', 'yaml', 'guild.cli', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_missing_pandas_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['pandas'] = None\n"
            "from guild import ipy\nipy.set_guild_home(sys.argv[1])\n"
            "try:\n    ipy.runs()\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True).stdout
    assert out.startswith("GuildError pandas is not installed: pip install pandas")


def test_example_notebook_runs(tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    work = tmp_path / "notebook"
    shutil.copytree(EXAMPLE, work)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILD_")}
    env["GUILD_HOME"] = str(home)
    jupyter_execute = os.path.join(os.path.dirname(sys.executable), "jupyter-execute")
    proc = subprocess.run([jupyter_execute, "experiments.ipynb"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (work / "loss.png").stat().st_size > 1000
    listed = _cli(str(home), "runs").stdout.splitlines()
    assert len(listed) == 4 and all("train()" in line and "completed" in line for line in listed)
