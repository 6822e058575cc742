"""Pipelines (`steps:`): running, failing, and every restart case, in this project's own words."""

from __future__ import annotations

import os

from guild.util import yamlutil

GUILD_YML = """
pipe:
  flags:
    code: 1
  steps:
    - say msg=first
    - exit code=${code}

three:
  steps:
    - say msg=a
    - say msg=b
    - name: last
      run: say
      flags:
        msg: c

checked:
  steps:
    - run: say msg=found
      expect:
        - output: found
        - output: missing

bad-op:
  steps:
    - nosuchop

bad-spec:
  steps:
    - say --no-such-option

bad-ref:
  steps:
    - say msg=${nope}

bad-flag:
  flags:
    n: foo
  steps:
    - count n=${n}

say:
  flags-import: all
exit:
  flags-import: all
count:
  flags-import: all
"""

SAY_PY = "msg = 'hi'\nprint(msg)\n"
EXIT_PY = "import sys\ncode = 0\nprint(f'exit {code}')\nsys.exit(code)\n"
COUNT_PY = "n = 1\nprint(f'n={n}')\n"


def _project(genv):
    genv.write("guild.yml", GUILD_YML)
    genv.write("say.py", SAY_PY)
    genv.write("exit.py", EXIT_PY)
    genv.write("count.py", COUNT_PY)


def _runs_s(genv) -> list[str]:
    return genv.run("runs", "-s").out.splitlines()


def _dir(genv, spec: str) -> str:
    return genv.run("select", spec, "--dir").out.strip()


def _attr(run_dir: str, name: str):
    with open(os.path.join(run_dir, ".guild", "attrs", name)) as f:
        return yamlutil.load(f.read())


def test_pipeline_runs_steps_and_links_them(genv):
    _project(genv)
    r = genv.run("run", "three", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 0, r.err
    assert r.out.splitlines() == [
        "INFO: [guild] running say: say msg=a", "a",
        "INFO: [guild] running say: say msg=b", "b",
        "INFO: [guild] running last: say msg=c", "c",
    ]
    assert _runs_s(genv) == [
        "[1]  say    completed  msg=c",
        "[2]  say    completed  msg=b",
        "[3]  say    completed  msg=a",
        "[4]  three  completed  ",
    ]
    assert genv.run("ls", "-Fo", "three", "-n").out.splitlines() == ["last/", "say/", "say_2/"]
    pipe_dir = _dir(genv, "4")
    assert sorted(os.listdir(pipe_dir)) == [".guild", "last", "say", "say_2"]
    assert os.readlink(os.path.join(pipe_dir, "say")) == "../" + os.path.basename(_dir(genv, "3"))
    step_env = _attr(_dir(genv, "1"), "env")
    assert step_env["GUILD_RUNS_PARENT"] == os.path.basename(pipe_dir)


def test_failing_step_fails_pipeline_with_its_code(genv):
    _project(genv)
    r = genv.run("run", "pipe", "code=4", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 4
    assert r.out.splitlines() == [
        "INFO: [guild] running say: say msg=first", "first",
        "INFO: [guild] running exit: exit code=4", "exit 4",
    ]
    assert _runs_s(genv) == [
        "[1]  exit  error      code=4",
        "[2]  say   completed  msg=first",
        "[3]  pipe  error      code=4",
    ]


def test_restart_with_new_flag_restarts_each_step_in_place(genv):
    _project(genv)
    genv.run("run", "pipe", "-y")
    ids_before = set(genv.run_ids())
    pipe_id = genv.run("select", "-Fo", "pipe").out.strip()
    r = genv.run("run", "--restart", pipe_id, "code=0", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 0, r.out
    lines = r.out.splitlines()
    assert lines[0].startswith("INFO: [guild] restarting say: ") and lines[0].endswith(" msg=first")
    assert lines[2].startswith("INFO: [guild] restarting exit: ") and lines[2].endswith(" code=0")
    assert set(genv.run_ids()) == ids_before
    assert _runs_s(genv) == [
        "[1]  exit  completed  code=0",
        "[2]  say   completed  msg=first",
        "[3]  pipe  completed  code=0",
    ]


def test_deleted_step_run_is_replaced_by_a_new_run(genv):
    import shutil

    _project(genv)
    genv.run("run", "pipe", "code=0", "-y")
    pipe_dir = _dir(genv, "3")
    old_step = os.path.realpath(os.path.join(pipe_dir, "say"))
    shutil.rmtree(old_step)
    r = genv.run("run", "--restart", os.path.basename(pipe_dir), "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 0
    assert r.out.splitlines()[0] == "INFO: [guild] running say: say msg=first"
    new_step = os.path.realpath(os.path.join(pipe_dir, "say"))
    assert new_step != old_step and os.path.isdir(new_step)
    assert len(genv.run_ids()) == 3


def test_missing_link_makes_new_step_run_and_keeps_old_one(genv):
    _project(genv)
    genv.run("run", "pipe", "code=0", "-y")
    pipe_dir = _dir(genv, "3")
    link = os.path.join(pipe_dir, "say")
    orphan = os.path.realpath(link)
    os.unlink(link)
    r = genv.run("run", "--restart", os.path.basename(pipe_dir), "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 0
    assert r.out.splitlines()[0] == "INFO: [guild] running say: say msg=first"
    assert os.path.realpath(link) != orphan
    assert os.path.isdir(orphan)
    assert len(genv.run_ids()) == 4


def test_link_replaced_by_file_is_an_error(genv):
    _project(genv)
    genv.run("run", "pipe", "code=0", "-y")
    pipe_dir = _dir(genv, "3")
    link = os.path.join(pipe_dir, "say")
    os.unlink(link)
    with open(link, "w") as f:
        f.write("not a link")
    r = genv.run("run", "--restart", os.path.basename(pipe_dir), "-y")
    assert r.rc == 1
    assert f"guild: unexpected step run link {link}: expected symlink" in r.err
    assert genv.run("runs", "-s", "-Fo", "pipe").out.startswith("[1]  pipe  error")


def test_needed_restart_skips_completed_unchanged_steps(genv):
    _project(genv)
    genv.run("run", "pipe", "-y")
    pipe_id = genv.run("select", "-Fo", "pipe").out.strip()
    r = genv.run("run", "--restart", pipe_id, "--needed", "code=0", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 0
    lines = r.out.splitlines()
    assert lines[0].startswith("INFO: [guild] restarting say: ") and lines[0].endswith(" --needed msg=first")
    assert lines[1] == "Skipping run because flags have not changed (--needed specified)"
    assert lines[2].startswith("INFO: [guild] restarting exit: ") and "--needed" not in lines[2]
    assert _runs_s(genv) == [
        "[1]  exit  completed  code=0",
        "[2]  pipe  completed  code=0",
        "[3]  say   completed  msg=first",
    ]


def test_restart_keeps_copied_source_unless_forced(genv):
    _project(genv)
    genv.write("guild.yml", "p:\n  steps:\n    - say\nsay:\n  flags-import: all\n")
    genv.run("run", "p", "-y")
    genv.write("say.py", "print('changed')\n")
    pipe_id = genv.run("select", "-Fo", "p").out.strip()
    r = genv.run("run", "--restart", pipe_id, "-y")
    assert r.out.strip() == "hi"
    r = genv.run("run", "--restart", pipe_id, "--force-sourcecode", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.out.splitlines()[-1] == "changed"
    assert r.out.splitlines()[0].endswith(" --force-sourcecode")


def test_step_flag_validation_error_leaves_dangling_link_until_restart(genv):
    _project(genv)
    r = genv.run("run", "bad-flag", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 1
    assert r.out.splitlines() == [
        "INFO: [guild] running count: count n=foo",
        "guild: invalid value foo for n: invalid value for type 'number'",
    ]
    assert _runs_s(genv) == ["[1]  bad-flag  error  n=foo"]
    link = genv.run("ls", "-f", "-p", "count").out.strip()
    assert os.path.islink(link) and not os.path.exists(link)
    pipe_id = genv.run("select").out.strip()
    r = genv.run("run", "--restart", pipe_id, "n=2", "-y", env={"SYNC_RUN_OUTPUT": "1"})
    assert r.rc == 0
    assert r.out.splitlines() == ["INFO: [guild] running count: count n=2", "n=2"]
    assert os.path.isdir(link)


def test_step_checks_failing_exit_3(genv):
    _project(genv)
    r = genv.run("run", "checked", "-y")
    assert r.rc == 3
    assert "ERROR: [guild] check failed: could not find pattern 'missing'" in r.err
    assert "INFO: [guild] 1 of 2 checks passed" in r.err
    assert "guild: stopping because a check failed - see above for details" in r.err


def _assert_pipeline_error(genv, op: str, message: str):
    r = genv.run("run", op, "-y")
    assert r.rc == 1
    assert message in r.err, r.err
    assert "Traceback" not in r.err
    assert genv.run("runs", "-s", "-Fo", op).out.startswith(f"[1]  {op}  error")


def test_missing_step_operation(genv):
    _project(genv)
    _assert_pipeline_error(genv, "bad-op", "guild: operation 'nosuchop' is not defined for this project")


def test_step_string_that_does_not_parse(genv):
    _project(genv)
    _assert_pipeline_error(
        genv, "bad-spec", "guild: invalid run spec 'say --no-such-option': unrecognized option '--no-such-option'"
    )


def test_undefined_step_reference(genv):
    _project(genv)
    _assert_pipeline_error(genv, "bad-ref", "guild: undefined reference 'nope' in step flags")
