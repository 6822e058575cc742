"""Drop-in behaviour Guild users rely on: built-in modules, the less common `guild run` options,
the project commands (`help`, `models`, `download`, `shell`, `api`, `merge`), scripts that are not
Python, flag imports (argparse switches and sub-commands, INI files), flag sequences, and the
helpers custom optimizers import."""

from __future__ import annotations

import json
import os
import sys

import pytest

from guild.util import yamlutil


def _runs(genv) -> list[str]:
    r = genv.run("runs", "-s")
    assert r.rc == 0, r.err
    return [" ".join(line.split()[1:]) for line in r.out.splitlines()]


def _attr(genv, run_id: str, name: str):
    with open(os.path.join(genv.runs_dir(), run_id, ".guild", "attrs", name)) as f:
        return yamlutil.load(f.read())


def _latest(genv) -> str:
    r = genv.run("select")
    assert r.rc == 0, r.err
    return r.out.strip()


# ---- 1. built-in modules


def test_guild_pass_is_a_no_op_main(genv):
    genv.write("guild.yml", "noop:\n  main: guild.pass\n  flags:\n    x: 1\n")
    r = genv.run("run", "noop", "x=2", "-y")
    assert r.rc == 0, r.err
    assert _runs(genv) == ["noop completed x=2"]


def test_guild_summary_writes_scalars_a_script_logs(genv):
    genv.write("train.py", (
        "from guild.summary import SummaryWriter\n"
        "with SummaryWriter('.') as w:\n"
        "    for step in range(3):\n"
        "        w.add_scalar('loss', 1.0 / (step + 1), step)\n"
    ))
    assert genv.run("run", "train.py", "-y").rc == 0
    r = genv.run("runs", "info", "--all-scalars")
    assert r.rc == 0, r.err
    assert "  loss:\n    avg: 0.611111 (step 3)\n    first: 1.000000 (step 0)\n    last: 0.333333 (step 2)\n" in r.out


# ---- 2. run options


def test_run_id_names_the_run(genv):
    genv.write("train.py", "x = 1\n")
    r = genv.run("run", "train.py", "--run-id", "abc123", "-y")
    assert r.rc == 0, r.err
    assert genv.run_ids() == ["abc123"]
    r = genv.run("run", "train.py", "--run-id", "abc123", "-y")
    assert r.rc != 0 and r.err.startswith("guild: ")


def test_clustered_short_options(genv):
    genv.write("train.py", "x = 1\nprint('x', x)\n")
    assert genv.run("run", "train.py", "-yq").rc == 0
    r = genv.run("runs", "-n1")
    assert r.rc == 0 and len(r.out.splitlines()) == 1


def test_h_is_help_everywhere(genv):
    for args in (["runs", "-h"], ["run", "-h"], ["compare", "-h"], ["merge", "-h"]):
        r = genv.run(*args)
        assert r.rc == 0 and r.out.startswith("Usage: guild "), args


def test_edit_flags_takes_the_flags_the_editor_leaves(genv, tmp_path):
    genv.write("train.py", "lr = 0.1\nepochs = 2\nprint('lr', lr, 'epochs', epochs)\n")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^lr: .*/lr: 0.5/' \"$1\"\n")
    editor.chmod(0o755)
    r = genv.run("run", "train.py", "--edit-flags", "-y", env={"EDITOR": str(editor)})
    assert r.rc == 0, r.err
    assert "lr 0.5 epochs 2" in r.out
    assert _attr(genv, genv.run_ids()[0], "flags") == {"epochs": 2, "lr": 0.5}


def test_edit_flags_with_invalid_yaml_is_one_line(genv, tmp_path):
    genv.write("train.py", "lr = 0.1\n")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\necho '[unclosed' > \"$1\"\n")
    editor.chmod(0o755)
    r = genv.run("run", "train.py", "--edit-flags", "-y", env={"EDITOR": str(editor)})
    assert r.rc != 0 and r.err.startswith("guild: invalid flags") and "Traceback" not in r.err
    assert genv.run_ids() == []


def test_edit_comment_saves_the_comment(genv, tmp_path):
    genv.write("train.py", "x = 1\n")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\necho 'tried a smaller model' >> \"$1\"\n")
    editor.chmod(0o755)
    r = genv.run("run", "train.py", "--edit-comment", "-y", env={"VISUAL": str(editor)})
    assert r.rc == 0, r.err
    r = genv.run("comment", "--list")
    assert "tried a smaller model" in r.out


def test_stage_dir_stages_in_the_directory(genv, tmp_path):
    genv.write("train.py", "x = 1\nprint('x is', x)\n")
    stage_dir = tmp_path / "staged"
    r = genv.run("run", "train.py", "x=4", "--stage-dir", str(stage_dir), "-y")
    assert r.rc == 0, r.err
    assert (stage_dir / ".guild" / "STAGED").exists()
    assert (stage_dir / "train.py").exists()
    assert genv.run_ids() == []


def test_debug_sourcecode_imports_from_the_given_dir(genv, tmp_path):
    genv.write("train.py", "print('project copy')\n")
    live = tmp_path / "live"
    live.mkdir()
    (live / "train.py").write_text("print('live copy')\n")
    r = genv.run("run", "train.py", "--debug-sourcecode", str(live), "-y")
    assert r.rc == 0, r.err
    assert r.out == "live copy\n"


def test_break_on_error_opens_the_debugger_at_the_error(genv):
    genv.write("boom.py", "x = 1\nraise ValueError('boom')\n")
    r = genv.run("run", "boom.py", "--break-on-error", "-y", input="p x\nq\n")
    assert "ValueError: boom" in r.output
    assert "(Pdb)" in r.out


# ---- 3. project commands


HELP_YML = """
- operations:
    prep:
      description: Prepare data
      flags:
        size: 10
- model: mnist
  description: A digits model
  operations:
    train:
      description: Train a CNN
      flags:
        lr:
          description: Learning rate
          default: 0.1
- model: _private
"""


def test_help_shows_operations_models_and_flags(genv):
    genv.write("guild.yml", HELP_YML)
    r = genv.run("help", "--no-pager")
    assert r.rc == 0, r.err
    assert "BASE OPERATIONS\n\n    prep\n      Prepare data\n\n      Flags:\n        size  (default is 10)" in r.out
    assert "MODELS\n\n    mnist\n      A digits model" in r.out
    assert "lr  Learning rate (default is 0.1)" in r.out
    md = genv.run("help", "--markdown", "--title", "Guide")
    assert md.out.startswith("# Guide\n\n## Overview\n")
    assert "- **lr** Learning rate (default is 0.1)" in md.out


def test_help_of_a_path_and_errors(genv, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "guild.yml").write_text("hello:\n  description: Say hello\n")
    r = genv.run("help", str(other))
    assert r.rc == 0 and "    hello\n      Say hello" in r.out
    r = genv.run("help", "no-such-dir")
    assert r.rc == 1 and r.err.startswith("guild: cannot find a guild.yml at 'no-such-dir'")
    r = genv.run("help")
    assert r.rc == 1 and r.err.startswith("guild: there is no guild.yml")


def test_models_lists_named_models(genv):
    genv.write("guild.yml", HELP_YML)
    assert genv.run("models").out == "mnist  A digits model\n"
    assert genv.run("models", "-a").out.splitlines() == ["mnist     A digits model", "_private  "]
    assert genv.run("models", "nothing").out == ""


def test_download_caches_and_verifies(genv, tmp_path):
    src = tmp_path / "data.txt"
    src.write_text("some data\n")
    import hashlib

    digest = hashlib.sha256(b"some data\n").hexdigest()
    r = genv.run("download", src.as_uri())
    assert r.rc == 0, r.err
    sha, path = r.out.split()
    assert sha == digest and path.startswith(os.path.join(genv.home, "cache", "resources"))
    assert open(path).read() == "some data\n"
    r = genv.run("download", src.as_uri(), "--sha256", "0" * 64)
    assert r.rc == 1 and r.err.splitlines()[-1].startswith("guild: cannot download") and "bad sha256" in r.err
    r = genv.run("download", (tmp_path / "missing.txt").as_uri())
    assert r.rc == 1 and r.err.startswith("guild: cannot download")


def test_shell_runs_python_with_guild_importable(genv):
    genv.write("guild.yml", HELP_YML)
    r = genv.run("shell", "--", "-c", "from guild import api; print([m.name for m in api.project_models()])")
    assert r.rc == 0, r.err
    assert r.out == "['mnist', '_private']\n"


def test_api_commands_print_json(genv):
    genv.write("guild.yml", "train:\n  description: Train it\n  main: guild.pass\n  flags:\n    x: 1\n")
    assert genv.run("run", "train", "x=3", "-y").rc == 0
    runs = json.loads(genv.run("api", "runs").out)
    assert [r["opRef"]["opName"] if "opRef" in r else r["operation"] for r in runs] == ["train"]
    assert runs[0]["flags"] == {"x": 3} and runs[0]["status"] == "completed"
    ops = json.loads(genv.run("api", "ops").out)
    assert ops == [{"description": "Train it", "flags": ["x"], "fullname": "train", "model": "", "name": "train"}]
    table = json.loads(genv.run("api", "compare").out)
    assert table[0][:2] == ["id", "operation"] and table[1][1] == "train" and table[1][-1] == 3
    op = json.loads(genv.run("api", "help-op", "train").out)
    assert op["flags"]["x"]["default"] == 1


def test_merge_copies_changed_source_back(genv):
    genv.write("train.py", "x = 1\nopen('out.txt', 'w').write('made')\n")
    assert genv.run("run", "train.py", "-y").rc == 0
    genv.write("train.py", "x = 2  # edited since\n")
    r = genv.run("merge", "-y")
    assert r.rc == 1 and r.err.startswith("guild: files in the current directory would be replaced:\n  train.py\n")
    r = genv.run("merge", "--preview", "--replace")
    assert r.rc == 0 and "train.py" in r.out
    r = genv.run("merge", "-y", "--replace")
    assert r.rc == 0, r.err
    assert open(os.path.join(genv.project, "train.py")).read().startswith("x = 1")
    assert not os.path.exists(os.path.join(genv.project, "out.txt"))
    assert genv.run("merge", "-y", "--all").rc == 0
    assert open(os.path.join(genv.project, "out.txt")).read() == "made"


def test_package_commands_say_why_in_one_line(genv):
    for cmd in ("install", "package", "packages", "uninstall", "search", "publish"):
        r = genv.run(cmd, "x")
        assert r.rc == 1 and r.err.count("\n") == 1 and r.err.startswith(f"guild: 'guild {cmd}'"), cmd


# ---- 4. operations that are not Python, and source code destinations


def test_shell_script_runs_with_flags(genv):
    path = genv.write("hello.sh", "#!/bin/sh\necho \"args: $*\"\necho \"env: $FLAG_MSG\"\n")
    os.chmod(path, 0o644)  # no exec bit: the #! line still names the interpreter
    r = genv.run("run", "hello.sh", "msg=hi", "-y")
    assert r.rc == 0, r.err
    assert r.out == "args: --msg hi\nenv: hi\n"
    genv.write("plain.sh", "echo plain\n")
    assert genv.run("run", "plain.sh", "-y").out == "plain\n"
    assert _runs(genv)[:2] == ["plain.sh completed", "hello.sh completed msg=hi"]


def test_file_that_is_not_a_script_is_not_an_operation(genv):
    genv.write("notes.txt", "hello\n")
    r = genv.run("run", "notes.txt", "-y")
    assert r.rc == 1 and r.err.startswith("guild: cannot find operation notes.txt")


def test_main_in_sourcecode_dest(genv):
    genv.write("guild.yml", "train:\n  main: train\n  sourcecode:\n    dest: src\n  flags:\n    x: 1\n")
    genv.write("train.py", "print('x is', x)\n")
    r = genv.run("run", "train", "x=5", "-y")
    assert r.rc == 0, r.err
    assert r.out == "x is 5\n"
    assert os.path.exists(os.path.join(genv.runs_dir(), genv.run_ids()[0], "src", "train.py"))


def test_main_in_a_subdirectory(genv):
    genv.write("guild.yml", "hi:\n  main: sub/hello\n")
    genv.write("sub/hello.py", "print('hello from sub')\n")
    r = genv.run("run", "hi", "-y")
    assert r.rc == 0, r.err
    assert r.out == "hello from sub\n"


# ---- 5. flags


@pytest.mark.parametrize("spec, values", [
    ("logspace[-9:-1:3]", [1e-09, 1e-05, 0.1]),
    ("linspace[1e-9:3e-9:3]", [1e-09, 2e-09, 3e-09]),
    ("logspace[1e-9:1e-1:2]", [1.00000000230259, 1.25892541179417]),
])
def test_sequences_keep_small_values(genv, spec, values):
    genv.write("train.py", "lr = 0.1\n")
    r = genv.run("run", "train.py", f"lr={spec}", "--print-trials")
    assert r.rc == 0, r.err
    shown = [float(line.split()[-1]) for line in r.out.splitlines()[1:]]
    assert shown == values


ARGPARSE_PY = """
import argparse
p = argparse.ArgumentParser()
p.add_argument("--shuffle", action=argparse.BooleanOptionalAction, default=True)
p.add_argument("--cache", action=argparse.BooleanOptionalAction, default=False)
p.add_argument("--seed", type=int, default=1)
sub = p.add_subparsers(dest="cmd")
fit = sub.add_parser("fit")
fit.add_argument("--epochs", type=int, default=3)
args = p.parse_args()
print(sorted(vars(args).items()))
"""


def test_argparse_boolean_optional_switches(genv):
    genv.write("train.py", ARGPARSE_PY)
    r = genv.run("run", "train.py", "shuffle=no", "cache=yes", "-y")
    assert r.rc == 0, r.err
    assert "('cache', True)" in r.out and "('shuffle', False)" in r.out
    r = genv.run("run", "train.py", "-y")
    assert "('cache', False)" in r.out and "('shuffle', True)" in r.out
    restarted = genv.run("run", "--restart", _latest(genv), "shuffle=no", "-y")
    assert "('shuffle', False)" in restarted.out


def test_argparse_subcommand_flags(genv):
    genv.write("train.py", ARGPARSE_PY)
    genv.write("guild.yml", "fit:\n  main: train fit\n  flags-import: all\n")
    r = genv.run("run", "fit", "--help-op")
    assert "epochs  (default is 3)" in r.out and "seed" not in r.out
    r = genv.run("run", "fit", "epochs=7", "-y")
    assert r.rc == 0, r.err
    assert "('cmd', 'fit')" in r.out and "('epochs', 7)" in r.out


def test_ini_config_flags_are_written_unquoted(genv):
    genv.write("guild.yml", "train:\n  main: train\n  flags-dest: config:config.ini\n  flags-import: all\n")
    genv.write("config.ini", "[train]\nlr = 0.1\nname = abc\n")
    genv.write("train.py", (
        "import configparser\nc = configparser.ConfigParser()\nc.read('config.ini')\n"
        "print(c['train']['lr'], c['train']['name'])\n"
    ))
    r = genv.run("run", "train", "train.lr=0.5", "train.name=123", "-y")
    assert r.rc == 0, r.err
    assert r.out == "0.5 123\n"
    assert _attr(genv, genv.run_ids()[0], "flags") == {"train.lr": 0.5, "train.name": "123"}


def test_test_sourcecode_shows_rules(genv):
    genv.write("guild.yml", "train:\n  main: train\n  sourcecode:\n    - exclude: '*.csv'\n")
    genv.write("train.py", "")
    genv.write("data.csv", "1,2\n")
    r = genv.run("run", "train", "--test-sourcecode")
    assert r.rc == 0, r.err
    assert "Rules:\n" in r.out and "  exclude *.csv\n" in r.out
    assert "Selected for copy:\n  guild.yml\n  train.py\nSkipped:\n  data.csv\n" in r.out


# ---- 6. batches


def test_background_batch_returns_at_once(genv):
    genv.write("slow.py", "import time\nx = 1\ntime.sleep(1)\n")
    import time

    t0 = time.monotonic()
    r = genv.run("run", "slow.py", "x=[1,2]", "--background", "-y")
    assert r.rc == 0, r.err
    assert time.monotonic() - t0 < 2
    assert "started in background as" in r.out
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        statuses = _runs(genv)
        if len(statuses) >= 2 and all("completed" in s for s in statuses):
            break
        time.sleep(0.3)
    assert sorted(_runs(genv)) == ["slow.py completed x=1", "slow.py completed x=2"]


# ---- 7. what scripts import


OPTIMIZER_PY = """
from guild import batch_util

batch = batch_util.batch_run()
proto = dict(batch.batch_proto.get("flags") or {})
for x in (1, 2, 3):
    trial = batch_util.run_trial(batch, {**proto, "x": x})
    print("trial", x, trial.status)
print("results", batch_util.trial_results(batch, ["y"]))
"""


def test_custom_optimizer_with_batch_util(genv):
    genv.write("guild.yml", (
        "opt:\n  main: opt\n"
        "square:\n  main: square\n  flags:\n    x: 0\n  optimizer: opt\n"
    ))
    genv.write("opt.py", OPTIMIZER_PY)
    genv.write("square.py", "import sys\nprint('y: %s' % (x * x))\nif x == 2: sys.exit(3)\n")
    r = genv.run("run", "square", "--optimize", "-y")
    assert r.rc == 0, r.err
    assert "y: 1\ntrial 1 completed\ny: 4\ntrial 2 error\ny: 9\ntrial 3 completed\n" in r.out
    assert "results [({'x': 1}, [1.0]), ({'x': 3}, [9.0])]" in r.out
    assert "Trial" in r.err and "exited with an error (3)" in r.err
    assert sorted(_runs(genv)) == sorted([
        "square completed x=1", "square error x=2", "square completed x=3", "square+opt completed",
    ])


def test_batch_util_outside_a_batch(genv):
    genv.write("tune.py", (
        "from guild import batch_util\n"
        "try:\n    batch_util.batch_run()\n"
        "except batch_util.CurrentRunNotBatchError:\n    print('not a batch')\n"
    ))
    r = genv.run("run", "tune.py", "-y")
    assert r.out == "not a batch\n"


def test_flag_util_and_op_util(genv):
    genv.write("train.py", (
        "from guild import flag_util, op_util\n"
        "print(flag_util.encode_flag_val(0.1), flag_util.encode_flag_val('007'), flag_util.decode_flag_val('yes'))\n"
        "print(op_util.current_run().id == __import__('os').environ['RUN_ID'])\n"
    ))
    r = genv.run("run", "train.py", "-y")
    assert r.rc == 0, r.err
    assert r.out == "0.1 '007' True\nTrue\n"


def test_no_traceback_for_any_command_help():
    from guild.cli.commands import COMMANDS

    import subprocess

    guild = os.path.join(os.path.dirname(sys.executable), "guild")
    for name in COMMANDS:
        proc = subprocess.run([guild, name, "--help"], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, name
