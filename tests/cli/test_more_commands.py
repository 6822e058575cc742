"""`guild watch`, `guild open`, `guild archive` with `-A NAME|ZIP`, and the `guild run` test
options `--test-output-scalars`, `--test-flags`, `--help-model` (runs.md §12; guildfile-and-run.md
§5.3, §6), driven through the real `guild` command."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from conftest import GUILD_BIN
from guild.store.run import Run

BASE_TS = 1795484733000000


def mkrun(genv, run_id: str, op: str = "train", *, n: int = 0, **attrs) -> Run:
    """A completed run written directly (higher `n` = newer), with one output line."""
    run_id = run_id.ljust(32, "0")
    path = os.path.join(genv.home, "runs", run_id)
    os.makedirs(os.path.join(path, ".guild", "attrs"))
    with open(os.path.join(path, ".guild", "opref"), "w") as f:
        f.write(f"guildfile:{genv.project}/guild.yml abc '' {op}")
    with open(os.path.join(path, ".guild", "output"), "w") as f:
        f.write(f"output of {run_id[:8]}\n")
    with open(os.path.join(path, "file.txt"), "w") as f:
        f.write("hello\n")
    run = Run(run_id, path)
    run.write_attr("started", BASE_TS + n * 1_000_000)
    run.write_attr("exit_status", 0)
    for name, val in attrs.items():
        run.write_attr(name, val)
    return run


def wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def guild_popen(genv, *args: str) -> subprocess.Popen:
    return subprocess.Popen([GUILD_BIN, *args], cwd=genv.project, env=genv.env, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# ---------------------------------------------------------------- watch

# Prints, waits for the file named by `go` (so the test controls when it goes on), sleeps 0.5 s,
# prints again.
SLOW_PY = """
import os, time
go = ""
print("first", flush=True)
deadline = time.time() + 60
while go and not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.05)
time.sleep(0.5)
print("second", flush=True)
"""


@pytest.fixture
def slow_run(genv, tmp_path):
    """A `guild run slow.py` in progress that has printed its first line: (Popen, run dir, go)."""
    genv.write("slow.py", SLOW_PY)
    go = str(tmp_path / "go")
    proc = guild_popen(genv, "run", "slow.py", f"go={go}", "-y")
    wait_for(lambda: genv.run_ids() and _output(genv) == "first\n")
    run_dir = os.path.join(genv.runs_dir(), genv.run_ids()[0])
    yield proc, run_dir, go
    open(go, "w").close()
    proc.communicate(timeout=60)


def _output(genv) -> str:
    try:
        with open(os.path.join(genv.runs_dir(), genv.run_ids()[0], ".guild", "output")) as f:
            return f.read()
    except FileNotFoundError:
        return ""


def test_watch_without_running_runs(genv):
    mkrun(genv, "aaaa1111")
    r = genv.run("watch")
    assert r.rc == 1
    assert r.err == ("guild: nothing to watch\n"
                     "You can view the output of a specific run using 'guild watch RUN'.\n")


def test_watch_stopped_run_prints_output_and_status(genv):
    mkrun(genv, "aaaa1111", n=1)
    b = mkrun(genv, "bbbb2222", n=2, exit_status=1)
    r = genv.run("watch", "2")
    assert r.rc == 0
    assert r.out == "output of aaaa1111\n"
    r = genv.run("watch", "bbbb")
    assert r.out == "output of bbbb2222\n"
    assert r.err == f"Watching run {b.id}\nRun {b.id} stopped with a status of 'error'\n"


def test_watch_run_errors(genv):
    r = genv.run("watch", "1")
    assert (r.rc, r.err) == (1, "guild: no matching runs\n")
    mkrun(genv, "aaaa1111")
    r = genv.run("watch", "zzz")
    assert r.rc == 1
    assert r.err.startswith("guild: could not find a run matching 'zzz'\n")


@pytest.mark.parametrize("how", ["newest", "guild-pid", "op-pid", "pidfile", "job"])
def test_watch_follows_output_while_the_run_lives(genv, slow_run, tmp_path, how):
    proc, run_dir, go = slow_run
    run = Run.for_dir(run_dir)
    args = {
        "newest": [],
        "guild-pid": ["-p", str(proc.pid)],
        "op-pid": ["--pid", str(run.pid)],
        "pidfile": ["-p", _write(tmp_path / "pidfile", f"{proc.pid}\n")],
        "job": ["-p", os.path.join(run_dir, ".guild", "JOB")],
    }[how]
    watch = guild_popen(genv, "watch", *args)
    assert watch.stderr.readline() == f"Watching run {run.id}\n"
    open(go, "w").close()
    out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0
    assert out == "first\nsecond\n"
    assert err == f"Run {run.id} stopped with a status of 'completed'\n"


def _write(path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_watch_ctrl_c_says_the_run_is_still_running(genv, slow_run):
    _proc, run_dir, _go = slow_run
    run_id = os.path.basename(run_dir)
    watch = guild_popen(genv, "watch")
    assert watch.stderr.readline() == f"Watching run {run_id}\n"
    assert watch.stdout.readline() == "first\n"
    watch.send_signal(signal.SIGINT)
    out, err = watch.communicate(timeout=60)
    assert watch.returncode == 0
    assert out == ""
    assert err == f"\nStopped watching {run_id} (still running)\n"


def test_watch_pid_without_run(genv, tmp_path):
    mkrun(genv, "aaaa1111")
    r = genv.run("watch", "-p", str(os.getpid()))
    assert (r.rc, r.err) == (1, f"guild: cannot find run for pid {os.getpid()}\n")
    r = genv.run("watch", "-p", "no-such-file")
    assert (r.rc, r.err) == (1, "guild: cannot find run for pid no-such-file\n")
    pidfile = _write(tmp_path / "pid", "4194999")
    r = genv.run("watch", "-p", pidfile)
    assert (r.rc, r.err) == (1, "guild: cannot find run for pid 4194999\n")


# ---------------------------------------------------------------- open


def test_open_with_cmd_gets_the_path_as_last_arg(genv):
    run = mkrun(genv, "aaaa1111")
    r = genv.run("open", "-c", "echo")
    assert (r.rc, r.out, r.err) == (0, run.path + "\n", "")
    r = genv.run("open", "-c", "echo a 'b c'", "-p", "file.txt")
    assert r.out == f"a b c {run.path}/file.txt\n"
    r = genv.run("open", "-c", "echo", "-s", "-p", "file.txt")
    assert r.out == f"{run.path}/file.txt\n"
    r = genv.run("open", "-c", "echo", "-O")
    assert r.out == f"{run.path}/.guild/output\n"
    r = genv.run("open", "-c", "true", "1")
    assert (r.rc, r.out, r.err) == (0, "", "")


def test_open_shell_cmd_runs_in_the_dir_after_the_note(genv):
    run = mkrun(genv, "aaaa1111")
    r = genv.run("open", "--shell-cmd", "true")
    assert r.rc == 0
    assert r.out == (f"Running a new shell in {run.path}\n"
                     "To exit the shell, type 'exit' and press Enter.\n")
    r = genv.run("open", "--shell-cmd", "pwd", "-p", ".guild/output")
    assert r.out.splitlines() == [f"Running a new shell in {run.path}/.guild",
                                  "To exit the shell, type 'exit' and press Enter.",
                                  f"{run.path}/.guild"]


@pytest.mark.parametrize("opts, msg", [
    (["--cmd", "echo", "--shell"], "--cmd and --shell"),
    (["--cmd", "echo", "--shell-cmd", "true"], "--cmd and --shell-cmd"),
    (["--shell", "--shell-cmd", "true"], "--shell and --shell-cmd"),
    (["-O", "-p", "file.txt", "-c", "echo"], "--output and --path"),
])
def test_open_exclusive_options(genv, opts, msg):
    mkrun(genv, "aaaa1111")
    r = genv.run("open", *opts)
    assert r.rc == 1
    assert r.err == f"guild: {msg} cannot both be specified\nTry 'guild open --help' for more information.\n"


def test_open_errors(genv):
    r = genv.run("open", "-c", "echo")
    assert (r.rc, r.err) == (1, "guild: no matching runs\n")
    run = mkrun(genv, "aaaa1111")
    r = genv.run("open", "-c", "echo", "-p", "/etc")
    assert (r.rc, r.err) == (1, "guild: PATH must be relative\nTry 'guild open --help' for more information.\n")
    r = genv.run("open", "-c", "echo", "-p", "missing.txt")
    assert (r.rc, r.err) == (1, f"guild: {run.path}/missing.txt does not exist\n")
    r = genv.run("open", "-c", "no-such-opener-xyz")
    assert (r.rc, r.err) == (1, "guild: cannot run 'no-such-opener-xyz': No such file or directory\n")


# ---------------------------------------------------------------- archive


@pytest.fixture
def config_env(genv, tmp_path):
    """GUILD_CONFIG in a temp dir, so named archives live in `<tmp>/config/archives`."""
    genv.env["GUILD_CONFIG"] = str(tmp_path / "config" / "config.yml")
    return str(tmp_path / "config" / "archives")


def test_archive_create_list_move_and_copy(genv, config_env):
    a = mkrun(genv, "aaaa1111", n=1)
    b = mkrun(genv, "bbbb2222", n=2)
    r = genv.run("archive", "-l")
    assert (r.rc, r.out) == (0, "")
    r = genv.run("archive", "best", "1")
    assert r.rc == 1
    assert r.err == ("guild: archive 'best' does not exist\n"
                     "Try 'guild archive --list' for a list of archives or use --create to create it.\n")
    r = genv.run("archive", "best", "--create", "--description", "The best runs", "1", input="y\n")
    assert r.rc == 0, r.err
    assert r.err.splitlines()[0] == "You are about to move the following runs to archive 'best':"
    assert r.err.splitlines()[-3:] == ["Continue? (Y/n) Created archive 'best'", f"Moving {b.id}",
                                       "Moved 1 run(s) to archive 'best'"]
    assert genv.run_ids() == [a.id]
    (entry,) = os.listdir(config_env)
    assert os.path.isdir(os.path.join(config_env, entry, b.id))
    r = genv.run("archive", "best", "--create")
    assert (r.rc, r.err) == (1, "guild: archive 'best' already exists\n")
    r = genv.run("archive", "--create", "other", "-y", "-Fo", "nothing")
    assert r.err == "Created archive 'other'\nNo runs to archive.\n"
    r = genv.run("archive", "--list")
    assert r.out == "best   The best runs\nother\n"
    r = genv.run("archive", "best", "--copy", "-y")
    assert r.err == f"Copying {a.id}\nCopied 1 run(s) to archive 'best'\n"
    assert genv.run_ids() == [a.id]
    r = genv.run("runs", "-A", "best", "-s")
    assert r.out == "[1]  train  completed  \n[2]  train  completed  \n"


def test_archive_leaves_running_runs_when_moving(genv, config_env):
    running = mkrun(genv, "aaaa1111", exit_status=None)
    with open(running.guild_path("LOCK"), "w") as f:
        f.write(str(os.getpid()))
    r = genv.run("archive", "best", "--create", "-y")
    assert r.err == ("WARNING: run aaaa1111 is running - skipping\n"
                     "Created archive 'best'\nNo runs to archive.\n")
    assert genv.run_ids() == [running.id]


def test_archive_usage_errors(genv, config_env):
    r = genv.run("archive")
    assert (r.rc, r.err) == (2, "guild: missing argument for NAME\nTry 'guild archive --help' for more information.\n")
    r = genv.run("archive", "x", "--description", "d")
    assert r.rc == 1
    assert r.err.startswith("guild: --description can only be used with --create\n")


def test_named_archive_with_import_and_delete(genv, config_env):
    a = mkrun(genv, "aaaa1111", n=1)
    b = mkrun(genv, "bbbb2222", n=2)
    assert genv.run("archive", "keep", "--create", "-y").rc == 0
    assert genv.run_ids() == []
    r = genv.run("import", "keep", "2", "-y")
    assert r.err == f"Copying {a.id}\nImported 1 run(s) from keep\n"
    assert genv.run_ids() == [a.id]
    r = genv.run("runs", "rm", "-A", "keep", "bbbb", "-y")
    assert r.err == "Deleted 1 run(s)\n"
    assert os.listdir(os.path.join(genv.home, "trash", "runs")) == [b.id]
    r = genv.run("runs", "-A", "keep", "-s")
    assert r.out == "[1]  train  completed  \n"
    r = genv.run("runs", "-A", "nope")
    assert r.rc == 1
    assert r.err == ("guild: 'nope' is not a valid archive - use a path to a file/directory or specify "
                     "an archive name returned by 'guild archive --list'.\n")


def test_runs_list_archive_zip(genv, tmp_path):
    a = mkrun(genv, "aaaa1111", n=1, label="zipped")
    zpath = str(tmp_path / "runs.zip")
    assert genv.run("export", zpath, "-y").rc == 0
    r = genv.run("runs", "-A", zpath)
    assert r.rc == 0
    assert r.out.startswith("[1:aaaa1111]  train  ")
    assert r.out.endswith("  completed  zipped\n")
    r = genv.run("runs", "-A", zpath, "-v")
    assert f"  id: {a.id}\n" in r.out
    plain = _write(tmp_path / "plain.txt", "x")
    r = genv.run("runs", "-A", plain)
    assert (r.rc, r.err) == (1, f"guild: invalid archive {plain} - expected a directory or a zip file\n")


# ---------------------------------------------------------------- run --test-* / --help-model

MODEL_YML = """
- model: m1
  description: A model for tests.
  operations:
    train:
      description: |
        Train the model

        More details.
      flags-import: all
      flags:
        opt:
          description: Optimizer
          choices: [adam, sgd]
          required: yes
    prepare:
      description: Prepare data
      output-scalars:
        - loss: 'loss=(\\value)'
        - step: 'Epoch (\\step)'
    _hidden:
      main: prepare
"""

TRAIN_PY = """
lr = 0.1
print("loss: 0.5")
"""


def _model_project(genv):
    genv.write("guild.yml", MODEL_YML)
    genv.write("train.py", TRAIN_PY)
    genv.write("prepare.py", "print('ok')\n")


def test_help_model(genv):
    _model_project(genv)
    expected = (
        "Usage: guild run [OPTIONS] m1:OPERATION [FLAG]...\n"
        "\n"
        "A model for tests.\n"
        "\n"
        "Use 'guild run m1:OPERATION --help-op' for help on a particular operation.\n"
        "\n"
        "Operations:\n"
        "  prepare  Prepare data\n"
        "  train    Train the model\n"
    )
    for args in (["train"], ["m1:prepare"], []):
        r = genv.run("run", *args, "--help-model")
        assert (r.rc, r.out) == (0, expected)
    assert genv.run_ids() == []


def test_test_flags(genv):
    _model_project(genv)
    r = genv.run("run", "train", "--test-flags")
    assert r.rc == 0, r.err
    assert r.err == "### Script flags for m1:train\n  lr: {default: 0.1, type: number}\n"
    rest = ["arg-name:", "arg-skip:", "arg-switch:", "arg-split:", "arg-encoding:", "env-name:",
            "env-encoding:"]
    tail = ["distribution:", "max:", "min:", "null-label:"]
    assert r.out.splitlines() == [
        "flags-dest: globals",
        "flags-import: all",
        "flags:",
        "  lr:",
        "    default: 0.1", "    type: number", "    required: no",
        *(f"    {x}" for x in rest),
        "    choices: []", "    allow-other: no",
        *(f"    {x}" for x in tail),
        "  opt:",
        "    default:", "    type:", "    required: yes",
        *(f"    {x}" for x in rest),
        "    choices: [adam, sgd]", "    allow-other: no",
        *(f"    {x}" for x in tail),
    ]
    assert genv.run_ids() == []


def test_test_output_scalars_default_rules(genv):
    _model_project(genv)
    genv.write("out.txt", "loss: 0.5\nval: 3 (step 20)\nlr: 0.2\nhello\n")
    r = genv.run("run", "train", "--test-output-scalars", "out.txt")
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert lines[0::3] == ["loss: 0.5", "val: 3 (step 20)", "lr: 0.2", "hello"]
    step_pat, kv_pat = lines[1].split("': ")[0] + "'", lines[2].split("': ")[0] + "'"
    assert step_pat.endswith(r"\\((?:step\\s+)?(?P<step>[0-9]+)\\)$'")
    assert kv_pat.startswith(r"  '^([_a-zA-Z]\\S*):\\s+(")
    matches = [line.rsplit("': ", 1)[1] for line in lines if line.startswith("  ")]
    # `lr` is a flag of the op: the default rules ignore it
    assert matches == ["<no matches>", "loss=0.5", "step=20", "val=3.0", "<no matches>",
                       "<no matches>", "<no matches>", "<no matches>"]
    assert genv.run_ids() == []


def test_test_output_scalars_custom_rules_from_stdin(genv):
    _model_project(genv)
    r = genv.run("run", "prepare", "--test-output-scalars", "-", input="Epoch 3 loss=0.25\nnothing\n")
    assert r.rc == 0, r.err
    assert r.out == (
        "Epoch 3 loss=0.25\n"
        "  'loss=((?:[-+]?[0-9]*\\\\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF]))': loss=0.25\n"
        "  'Epoch ([0-9]+)': step=3\n"
        "nothing\n"
        "  'loss=((?:[-+]?[0-9]*\\\\.?(?:[0-9]+)?(?:[eE][-+]?[0-9]+)?|[nN][aA][nN]|[-+]?[iI][nN][fF]))': <no matches>\n"
        "  'Epoch ([0-9]+)': <no matches>\n"
    )


def test_test_output_scalars_missing_file(genv):
    _model_project(genv)
    r = genv.run("run", "train", "--test-output-scalars", "missing.txt")
    assert (r.rc, r.err) == (1, "guild: cannot read missing.txt: No such file or directory\n")
