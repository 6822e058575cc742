"""`guild run` for single operations: what the user sees and what lands in the run directory."""

from __future__ import annotations

import os
import struct

from guild.util import yamlutil

TRAIN_YML = """
train:
  description: Train
  flags-import: all
fail:
  flags-import: all
echo:
  exec: echo ${msg}
  flags:
    msg: hello
"""

TRAIN_PY = """
lr = 0.1
epochs = 2
name = "hello world"
print(f"lr={lr} epochs={epochs}")
print("loss: 0.5")
"""

FAIL_PY = """
import sys
code = 3
print("to stdout")
sys.stderr.write("to stderr\\n")
sys.exit(code)
"""


def _project(genv):
    genv.write("guild.yml", TRAIN_YML)
    genv.write("train.py", TRAIN_PY)
    genv.write("fail.py", FAIL_PY)


def _only_run(genv) -> str:
    ids = genv.run_ids()
    assert len(ids) == 1, ids
    return os.path.join(genv.runs_dir(), ids[0])


def _attr(run_dir: str, name: str):
    with open(os.path.join(run_dir, ".guild", "attrs", name)) as f:
        return yamlutil.load(f.read())


def test_run_writes_run_dir_and_output(genv):
    _project(genv)
    r = genv.run("run", "train", "lr=0.2", "-y")
    assert r.rc == 0, r.err
    assert r.out == "lr=0.2 epochs=2\nloss: 0.5\n"
    run_dir = _only_run(genv)
    attrs = sorted(os.listdir(os.path.join(run_dir, ".guild", "attrs")))
    for name in ("cmd", "deps", "env", "exit_status", "flags", "host", "id", "initialized", "label",
                 "op", "platform", "plugins", "random_seed", "run_params", "sourcecode_digest",
                 "started", "stopped", "user", "user_flags"):
        assert name in attrs
    assert _attr(run_dir, "flags") == {"lr": 0.2, "epochs": 2, "name": "hello world"}
    assert _attr(run_dir, "user_flags") == {"lr": 0.2}
    assert _attr(run_dir, "exit_status") == 0
    assert _attr(run_dir, "label") == "epochs=2 lr=0.2 name='hello world'"
    cmd = _attr(run_dir, "cmd")
    assert cmd[1:5] == ["-um", "guild.op_main", "train", "--"]
    env = _attr(run_dir, "env")
    assert env["FLAGS_DEST"] == "globals" and env["GUILD_OP"] == "train" and env["FLAG_LR"] == "0.2"
    with open(os.path.join(run_dir, ".guild", "output"), "rb") as f:
        assert f.read() == b"lr=0.2 epochs=2\nloss: 0.5\n"
    with open(os.path.join(run_dir, ".guild", "output.index"), "rb") as f:
        index = f.read()
    assert len(index) == 18 and struct.unpack(">QB", index[:9])[1] == 0
    assert os.path.exists(os.path.join(run_dir, "train.py"))
    with open(os.path.join(run_dir, ".guild", "opref")) as f:
        assert f.read().endswith("'' train")


def test_exit_status_becomes_guild_exit_code(genv):
    _project(genv)
    r = genv.run("run", "fail", "-y")
    assert r.rc == 3
    assert "to stdout" in r.out and "to stderr" in r.err
    r = genv.run("run", "fail", "code=0", "-y")
    assert r.rc == 0
    listing = genv.run("runs").out.splitlines()
    assert "completed  code=0" in listing[0] and "error      code=3" in listing[1]


def test_print_cmd_and_env(genv):
    _project(genv)
    r = genv.run("run", "fail", "--print-cmd")
    assert r.rc == 0
    assert r.out.strip().endswith("-um guild.op_main fail -- --code 3")
    r = genv.run("run", "echo", "msg=hi there", "--print-env")
    assert "FLAG_MSG='hi there'" in r.out.splitlines()
    assert genv.run_ids() == []


def test_exec_operation_with_flag_reference(genv):
    _project(genv)
    r = genv.run("run", "echo", "msg=hi", "-y")
    assert r.rc == 0 and r.out == "hi\n"


def test_prompt_lists_flags_and_no_declines(genv):
    _project(genv)
    r = genv.run("run", "train", input="n\n")
    assert r.rc == 0
    assert r.err.startswith("You are about to run train\n  epochs: 2\n  lr: 0.1\n  name: hello world\nContinue? (Y/n) ")
    assert genv.run_ids() == []
    r = genv.run("run", "train", input="y\n")
    assert r.rc == 0 and len(genv.run_ids()) == 1


def test_label_tags_comment(genv):
    _project(genv)
    r = genv.run("run", "train", "-l", "lr is ${lr}", "-t", "a", "-t", "b", "-c", "first", "-y")
    assert r.rc == 0
    run_dir = _only_run(genv)
    assert _attr(run_dir, "label") == "lr is 0.1"
    assert _attr(run_dir, "tags") == ["a", "b"]
    assert _attr(run_dir, "comments")[0]["body"] == "first"


def test_stage_then_start(genv):
    _project(genv)
    r = genv.run("run", "train", "--stage", "-y")
    assert r.rc == 0
    run_id = genv.run_ids()[0]
    assert r.out == f"train staged as {run_id}\nTo start the operation, use 'guild run --start {run_id}'\n"
    assert "staged" in genv.run("runs").out
    r = genv.run("run", "--start", run_id, "-y")
    assert r.rc == 0 and "loss: 0.5" in r.out
    assert "completed" in genv.run("runs").out


def test_restart_applies_flags_in_same_dir(genv):
    _project(genv)
    genv.run("run", "train", "-y")
    run_dir = _only_run(genv)
    started = _attr(run_dir, "started")
    r = genv.run("run", "--restart", os.path.basename(run_dir)[:8], "lr=0.5", "-y")
    assert r.rc == 0, r.err
    assert r.out.startswith("lr=0.5")
    assert _only_run(genv) == run_dir
    assert _attr(run_dir, "started") > started
    assert _attr(run_dir, "flags")["lr"] == 0.5
    assert _attr(run_dir, "user_flags") == {"lr": 0.5}


def test_restart_with_needed_skips_unchanged(genv):
    _project(genv)
    genv.run("run", "train", "-y")
    run_id = genv.run_ids()[0]
    r = genv.run("run", "--restart", run_id, "--needed", "-y")
    assert r.rc == 0
    assert r.out == "Skipping run because flags have not changed (--needed specified)\n"


def test_needed_new_run_skips_when_match_exists(genv):
    _project(genv)
    genv.run("run", "train", "-y")
    r = genv.run("run", "train", "--needed", "-y")
    assert r.rc == 0
    lines = r.out.splitlines()
    assert lines[0] == "Skipping because the following runs match this operation (--needed specified):"
    assert lines[1].startswith("  [") and "train" in lines[1] and "completed" in lines[1]
    assert len(genv.run_ids()) == 1
    r = genv.run("run", "train", "lr=0.3", "--needed", "-y")
    assert len(genv.run_ids()) == 2


def test_run_script_directly(genv):
    genv.write("simple.py", "a = 1\nb = 'x'\nprint(a, b)\n")
    r = genv.run("run", "simple.py", "a=2", "b=3", "-y")
    assert r.rc == 0 and r.out == "2 3\n"
    assert genv.run("runs").out.split("  ")[-1].strip() == "a=2 b='3'"


def test_run_dir_option(genv, tmp_path):
    _project(genv)
    target = str(tmp_path / "elsewhere")
    r = genv.run("run", "train", "--run-dir", target, "-y")
    assert r.rc == 0
    assert r.err.startswith(f"Run directory is '{target}' (results will not be visible to Guild)")
    assert os.path.exists(os.path.join(target, ".guild", "attrs", "exit_status"))


def test_quiet_still_captures_output(genv):
    _project(genv)
    r = genv.run("run", "train", "-q", "-y")
    assert r.rc == 0 and r.out == ""
    with open(os.path.join(_only_run(genv), ".guild", "output")) as f:
        assert "loss: 0.5" in f.read()


# ---- bad input: one `guild: ...` line, no traceback, no run left that is not `error`


def _no_traceback(r):
    assert "Traceback" not in r.err


def test_unknown_operation(genv):
    _project(genv)
    r = genv.run("run", "nosuch", "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: operation 'nosuch' is not defined for this project\n")
    _no_traceback(r)
    assert genv.run_ids() == []


def test_invalid_flag_value(genv):
    _project(genv)
    r = genv.run("run", "fail", "code=x", "-y")
    assert r.rc == 1
    assert r.err == "guild: invalid value x for code: invalid value for type 'number'\n"
    assert genv.run_ids() == []


def test_unsupported_flag(genv):
    _project(genv)
    r = genv.run("run", "fail", "nope=1", "-y")
    assert r.rc == 1
    assert r.err == (
        "guild: unsupported flag 'nope'\n"
        "Try 'guild run fail --help-op' for a list of flags or use --force-flags to skip this check.\n"
    )


def test_flag_arg_without_equals(genv):
    _project(genv)
    r = genv.run("run", "fail", "code=1", "bad-arg", "-y")
    assert r.rc == 1
    assert r.err == "guild: invalid argument(s):\nbad-arg\nexpected NAME=VAL\n"


def test_malformed_guildfile(genv):
    genv.write("guild.yml", "train:\n  flags: [\n")
    r = genv.run("run", "train", "-y")
    assert r.rc == 1
    _no_traceback(r)
    assert r.err.splitlines()[-1] == \
        "guild: guildfile in the current directory contains an error (see above for details)"


def test_missing_script(genv):
    r = genv.run("run", "nosuch.py", "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: cannot find operation nosuch.py\n")
    _no_traceback(r)


def test_missing_module_makes_error_run(genv):
    genv.write("guild.yml", "gone:\n  main: nosuchmodule\n")
    r = genv.run("run", "gone", "-y")
    assert r.rc == 1
    assert "guild: No module named nosuchmodule" in r.err
    assert "error" in genv.run("runs").out


def test_guild_home_that_does_not_exist_is_made_by_a_run(genv, tmp_path):
    _project(genv)
    missing = str(tmp_path / "nohome")
    r = genv.run("run", "train", "-y", env={"GUILD_HOME": missing})
    assert r.rc == 0, r.err
    assert len(os.listdir(os.path.join(missing, "runs"))) == 1


def test_unknown_option_is_usage_error(genv):
    r = genv.run("run", "--bogus")
    assert r.rc == 2
    assert r.err.startswith("guild: unrecognized option '--bogus'")
    assert r.err.splitlines()[-1] == "Try 'guild run --help' for more information."


# ---- compatibility of what we write with runs made by Guild 0.9

_GUILD_ENV = {"CMD_DIR", "FLAGS_DEST", "LOG_LEVEL", "PROJECT_DIR", "PYTHONPATH", "RUN_DIR", "RUN_ID"}


def _yaml_types(value):
    if isinstance(value, dict):
        return {k: _yaml_types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [type(value).__name__]
    return type(value).__name__


def test_train_run_attrs_match_guild_09(genv, tmp_path):
    import shutil
    import tarfile

    import pytest

    from conftest import SHARED

    fixtures = os.path.join(SHARED, "fixtures")
    if not os.path.isdir(fixtures):
        pytest.skip(f"shared fixtures not found at {fixtures}")
    home = tmp_path / "fixture-home"
    home.mkdir()
    with tarfile.open(os.path.join(fixtures, "guild-home-0.9.tar.gz")) as tar:
        tar.extractall(home, filter="tar")
    reference = home / "runs" / "9aa54a51597f4ab0b7cd0e0497510551"  # a plain `train` run
    shutil.rmtree(genv.project)
    shutil.copytree(os.path.join(fixtures, "project"), genv.project)
    r = genv.run("run", "train", "-y")
    assert r.rc == 0, r.err
    ours = _only_run(genv)
    ref_attrs = sorted(os.listdir(reference / ".guild" / "attrs"))
    assert sorted(os.listdir(os.path.join(ours, ".guild", "attrs"))) == ref_attrs
    for name in ref_attrs:
        ref_val = yamlutil.load((reference / ".guild" / "attrs" / name).read_text())
        our_val = _attr(ours, name)
        if name == "env":  # what Guild sets; the rest is inherited from the machine
            ours_set = {k for k in our_val if k in _GUILD_ENV or k.startswith(("FLAG_", "GUILD_"))}
            ref_set = {k for k in ref_val if k in _GUILD_ENV or k.startswith(("FLAG_", "GUILD_"))}
            assert ours_set == ref_set - {"GUILD_RUNS_PARENT"}, name
            continue
        assert _yaml_types(our_val) == _yaml_types(ref_val), name


def test_proto_makes_new_run_from_old_source_and_flags(genv):
    genv.write("t.py", "x = 1\nprint('old', x)\n")
    genv.run("run", "t.py", "-y")
    genv.write("t.py", "x = 1\nprint('new', x)\n")
    r = genv.run("run", "--proto", "1", "x=5", "-y")
    assert r.rc == 0 and r.out == "old 5\n"
    r = genv.run("run", "--proto", "1", "--force-sourcecode", "-y")
    assert r.out == "new 5\n"
    assert len(genv.run_ids()) == 3


def test_stop_after_terminates_the_run(genv):
    genv.write("sleepy.py", "import time\nprint('started', flush=True)\ntime.sleep(30)\n")
    r = genv.run("run", "sleepy.py", "--stop-after", "0.01", "-y")
    assert r.rc == 241
    assert r.out == "started\n"
    assert r.err.startswith("Stopping process early (pid ")
    assert "terminated" in genv.run("runs").out


def test_output_index_has_a_record_per_line_of_each_stream(genv):
    genv.write(
        "both.py",
        "import sys\nprint('a')\nsys.stderr.write('b\\n')\nsys.stderr.flush()\nprint('c', end='')\n",
    )
    r = genv.run("run", "both.py", "-y")
    assert r.rc == 0 and r.out == "a\nc" and r.err == "b\n"
    with open(os.path.join(_only_run(genv), ".guild", "output.index"), "rb") as f:
        index = f.read()
    streams = sorted(struct.unpack(">QB", index[i:i + 9])[1] for i in range(0, len(index), 9))
    assert streams == [0, 0, 1]


def test_background_run_detaches_and_completes(genv):
    import time

    genv.write("quick.py", "print('done')\n")
    r = genv.run("run", "quick.py", "--background", "-y")
    assert r.rc == 0
    run_id = genv.run_ids()[0]
    assert r.out.startswith(f"quick.py started in background as {run_id} (pidfile ")
    run_dir = os.path.join(genv.runs_dir(), run_id)
    for _ in range(100):
        if os.path.exists(os.path.join(run_dir, ".guild", "attrs", "exit_status")):
            break
        time.sleep(0.1)
    assert _attr(run_dir, "exit_status") == 0
    with open(os.path.join(run_dir, ".guild", "output")) as f:
        assert f.read() == "done\n"


def test_sourcecode_dest_cannot_leave_the_run_dir(genv, tmp_path):
    genv.write("guild.yml", "op:\n  main: op\n  sourcecode:\n    dest: ../../escaped\n")
    genv.write("op.py", "print('hi')\n")
    r = genv.run("run", "op", "-y")
    assert r.rc == 1
    assert r.err.strip().endswith("guild: invalid sourcecode dest '../../escaped': must be inside the run directory")
    assert not os.path.exists(os.path.join(genv.home, "escaped"))
    assert "error" in genv.run("runs").out


def test_max_trials_must_be_positive(genv):
    _project(genv)
    r = genv.run("run", "train", "lr=[0.1,0.2]", "-m", "-1", "-y")
    assert r.rc == 2
    assert r.err.startswith("guild: Invalid value for '-m' / '--max-trials' / '--trials': -1 is not in the range x>=1.")
