"""Bad input, swept over every command: a clear `guild: ...` line (or the spec's exact text) and a
non-zero exit where the spec says so, never a Python traceback, never lost or corrupted runs."""

from __future__ import annotations

import importlib
import os
import shutil
import zipfile

import pytest
from test_runs_support import T0, make_run

from guild.cli.commands import COMMANDS, GROUPS, UNAVAILABLE
from guild.store.run import Run


def _available(table: dict) -> list[str]:
    return [name for name, (module, _) in table.items() if module != UNAVAILABLE]


COMMAND_PATHS = [name for name in _available(COMMANDS) if name not in GROUPS or GROUPS[name][2]] + [
    f"{group} {name}" for group, (subcommands, _, _) in GROUPS.items() for name in _available(subcommands)]
UNAVAILABLE_PATHS = [name for name, (module, _) in COMMANDS.items() if module == UNAVAILABLE]

GOOD_GUILD_YML = "op:\n  main: hello\n  flags:\n    x: 1\n"
HELLO_PY = "x = 1\nprint('hello', x)\n"


def _command(path: str):
    """The `util.cmdline.Command` behind a command path."""
    words = path.split()
    module = GROUPS[words[0]][0][words[1]][0] if len(words) == 2 else COMMANDS[words[0]][0]
    return importlib.import_module(module).COMMAND


def assert_no_traceback(r) -> None:
    assert "Traceback" not in r.err, r.err
    assert "Traceback" not in r.out, r.out


def assert_error(r, rc: int = 1, msg: str | None = None) -> None:
    """Exit `rc`, no traceback, and a `guild: ` line that is last or followed only by a hint."""
    assert_no_traceback(r)
    assert r.rc == rc, (r.rc, r.err)
    lines = r.err.rstrip("\n").splitlines()
    guild_lines = [i for i, line in enumerate(lines) if line.startswith("guild: ")]
    assert guild_lines, r.err
    last = guild_lines[-1]
    assert len(lines) - last <= 2, r.err
    if msg is not None:
        assert lines[last] == f"guild: {msg}", r.err


def assert_clean(r) -> None:
    """No traceback; a failure ends with a `guild: ` line (possibly followed by a hint)."""
    assert_no_traceback(r)
    if r.rc != 0:
        assert_error(r, r.rc)


def three_runs(genv) -> list[str]:
    """Runs `aa...0`, `aa...1`, `bb...2` (newest last), each with a file `a.txt`."""
    ids = [("aa" if i < 2 else "bb") + f"{i:030d}" for i in range(3)]
    for i, run_id in enumerate(ids):
        make_run(genv.home, "op", started=T0 + i * 1_000_000, project=genv.project, run_id=run_id,
                 files={"a.txt": "hello\n"})
    return ids


def snapshot(root: str) -> dict[str, bytes | str]:
    """Every path under `root` with its content (files) or link target (symlinks), but for
    `cache/` (the run index and caches: made again from the runs at any time)."""
    snap: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root and "cache" in dirnames:
            dirnames.remove("cache")
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                snap[rel] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    snap[rel] = f.read()
            else:
                snap[rel] = "<dir>"
    return snap


# ---- argument parsing, for every command

@pytest.mark.parametrize("path", UNAVAILABLE_PATHS)
def test_unavailable_commands_say_so_in_one_line(genv, path):
    r = genv.run(path, "anything")
    assert_error(r, 1)
    assert r.err.startswith(f"guild: 'guild {path}': ")
    assert genv.run(path, "--help").rc == 0


@pytest.mark.parametrize("path", COMMAND_PATHS)
def test_unknown_option(genv, path):
    r = genv.run(*path.split(), "--zzqx-bogus")
    assert_error(r, 2, "unrecognized option '--zzqx-bogus'")
    assert r.err.splitlines()[-1].startswith("Try 'guild ")


def _value_options(kind_filter):
    cases = []
    for path in COMMAND_PATHS:
        for opt in _command(path).options:
            if opt.kind in ("value", "multi") and kind_filter(opt):
                cases.append((path, opt.names[0], opt))
                break
    return cases


@pytest.mark.parametrize("path,name,opt", _value_options(lambda opt: True),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_missing_option_value(genv, path, name, opt):
    r = genv.run(*path.split(), name)
    assert_error(r, 2, f"option '{name}' requires an argument")


@pytest.mark.parametrize("path,name,opt", _value_options(lambda opt: opt.type is int),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_non_integer_for_int_option(genv, path, name, opt):
    r = genv.run(*path.split(), name, "abc")
    labels = " / ".join(f"'{n}'" for n in opt.names)
    assert_error(r, 2, f"Invalid value for {labels}: 'abc' is not a valid integer.")


def test_int_option_cases_are_found():
    # Guards the parametrization above: it must find the int options the commands have.
    paths = {path for path, _, _ in _value_options(lambda opt: opt.type is int)}
    assert {"runs", "compare", "comment", "run", "tensorboard", "stop"} <= paths


def test_global_option_errors(genv):
    assert_error(genv.run("-H"), 2, "option '-H' requires an argument")
    assert_error(genv.run("-C"), 2, "option '-C' requires an argument")
    assert_error(genv.run("--zzqx"), 2, "unrecognized option '--zzqx'")
    assert_error(genv.run("zzqx"), 2, "No such command 'zzqx'.")
    assert_error(genv.run("runs", "zzqx"), 2, "No such command 'zzqx'.")
    missing = os.path.join(genv.project, "missing")
    assert_error(genv.run("-C", missing, "runs"), 1, f"directory '{missing}' does not exist")


# ---- run specs

# Commands that take RUN specs, with the arguments that make them reach run selection.
RUN_COMMANDS = [
    ("runs info",), ("ls",), ("cat", "-p", "a.txt"), ("select",), ("label", "-y", "-s", "x"),
    ("tag", "-y", "-a", "t"), ("comment", "-y", "-a", "c"), ("mark", "-y"), ("runs delete", "-y"),
    ("runs delete", "-y", "-p"), ("export", "-y", "{tmp}/exported"), ("stop", "-y"), ("compare", "-t"),
    ("tensorboard", "--export-scalars", "-"), ("runs label", "-y", "-s", "x"), ("open", "-c", "true"),
    ("watch",),
]


def _argv(cmd: tuple, tmp: str, *specs: str) -> list[str]:
    return [*cmd[0].split(), *(a.replace("{tmp}", tmp) for a in cmd[1:]), *specs]


def _cmd_id(cmd: tuple) -> str:
    return " ".join(cmd).replace("{tmp}/", "")


@pytest.mark.parametrize("cmd", RUN_COMMANDS, ids=_cmd_id)
def test_bad_run_specs_change_nothing(genv, tmp_path, cmd):
    three_runs(genv)
    before = snapshot(genv.home)
    path = cmd[0]
    for spec in ("zzz", "99", "2:99"):
        r = genv.run(*_argv(cmd, str(tmp_path), spec))
        assert_error(r, 1, f"could not find a run matching '{spec}'")
        assert r.err.splitlines()[-1] == (
            f"Try 'guild runs list' for a list or 'guild {path} --help' for more information.")
    assert snapshot(genv.home) == before
    assert not os.path.exists(tmp_path / "exported")


ONE_RUN = ("runs info", "ls", "cat", "select", "open", "watch")


@pytest.mark.parametrize("cmd", [c for c in RUN_COMMANDS if c[0] in ONE_RUN], ids=_cmd_id)
def test_ambiguous_id_prefix(genv, tmp_path, cmd):
    three_runs(genv)
    r = genv.run(*_argv(cmd, str(tmp_path), "aa"))
    assert_no_traceback(r)
    assert r.rc == 1
    assert r.err == "'aa' matches multiple runs:\n  aa000000\n  aa000000\n"


def test_restart_with_bad_run_specs(genv):
    three_runs(genv)
    before = snapshot(genv.home)
    for spec in ("zzz", "99"):
        assert_error(genv.run("run", "-y", "--restart", spec), 1, f"could not find a run matching '{spec}'")
    r = genv.run("run", "-y", "--restart", "aa")
    assert r.rc == 1 and "Traceback" not in r.err
    assert r.err.startswith("'aa' matches multiple runs:\n")
    assert snapshot(genv.home) == before


def test_diff_with_bad_run_specs(genv):
    three_runs(genv)
    assert_error(genv.run("diff", "zzz", "1"), 1, "could not find a run matching 'zzz'")
    assert_error(genv.run("diff", "1", "99"), 1, "could not find a run matching '99'")


# ---- Guild home

ONE_RUN_COMMANDS = [("runs info",), ("ls",), ("cat", "-p", "a.txt"), ("select",), ("diff",),
                    ("open", "-c", "true")]
NOTHING_TO_DO = [
    (("runs delete", "-y"), "Nothing to delete."), (("runs purge", "-y"), "Nothing to purge."),
    (("runs restore", "-y"), "Nothing to restore."), (("export", "-y", "{tmp}/exported"), "No runs to export."),
    (("stop", "-y"), "Nothing to stop."), (("mark", "-y", "-c"), "No runs to unmark."),
]


def test_empty_home(genv, tmp_path):
    for cmd in ONE_RUN_COMMANDS:
        assert_error(genv.run(*_argv(cmd, str(tmp_path))), 1, "no matching runs")
    for cmd, msg in NOTHING_TO_DO:
        r = genv.run(*_argv(cmd, str(tmp_path)))
        assert_no_traceback(r)
        assert (r.rc, r.err) == (0, msg + "\n")
    for cmd in (("label", "-y", "-s", "x"), ("tag", "-y", "-a", "t"), ("comment", "-y", "-a", "c")):
        assert_error(genv.run(*_argv(cmd, str(tmp_path))), 1, "could not find a run matching '1'")
    r = genv.run("watch")
    assert_error(r, 1, "nothing to watch")
    assert r.err.splitlines()[-1] == "You can view the output of a specific run using 'guild watch RUN'."
    for cmd in (("runs",), ("runs", "-d"), ("compare", "-t"), ("tensorboard", "--export-scalars", "-")):
        r = genv.run(*cmd)
        assert_no_traceback(r)
        assert r.rc == 0
    assert os.listdir(genv.home) == []  # reading an empty home creates nothing


# Arguments that make each command reach Guild home.
HOME_ARGS = {
    "archive": ["-y", "x"], "cat": ["-p", "a.txt"], "comment": ["-y", "-a", "c"], "export": ["-y", "{tmp}/exported"],
    "import": ["-y", "{tmp}/archive"], "label": ["-y", "-s", "x"], "run": ["-y", "op"],
    "tag": ["-y", "-a", "t"], "runs comment": ["-y", "-a", "c"], "runs export": ["-y", "{tmp}/exported"],
    "runs import": ["-y", "{tmp}/archive"], "runs label": ["-y", "-s", "x"], "runs tag": ["-y", "-a", "t"],
    "runs archive": ["-y", "x"], "download": ["file:///dev/null"],
    "push": ["s3", "-y"], "pull": ["s3", "-y"], "runs push": ["s3", "-y"], "runs pull": ["s3", "-y"],
}
NO_HOME_COMMANDS = {"operations", "api help-op", "api ops", "init", "help", "models", "shell", "completion",
                    "remotes", "remote"}  # project and user-config commands


def _bad_home_cases():
    for path in COMMAND_PATHS:
        if path in NO_HOME_COMMANDS:
            continue
        for kind in ("missing", "file"):
            if path == "run" and kind == "missing":
                continue  # a first run makes its home (test_first_run_makes_its_guild_home)
            yield path, kind


@pytest.mark.parametrize("path,kind", list(_bad_home_cases()))
def test_bad_guild_home(genv, tmp_path, path, kind):
    genv.write("guild.yml", GOOD_GUILD_YML)
    genv.write("hello.py", HELLO_PY)
    make_run(str(tmp_path), "op", root="archive")  # an archive for import
    home = str(tmp_path / "bad-home")
    if kind == "file":
        with open(home, "w") as f:
            f.write("not a dir")
    argv = [*path.split(), *(a.replace("{tmp}", str(tmp_path)) for a in HOME_ARGS.get(path, []))]
    r = genv.run(*argv, env={"GUILD_HOME": home})
    msg = f"directory '{home}' does not exist" if kind == "missing" else f"'{home}' is not a directory"
    assert_error(r, 1, msg)
    assert not os.path.isdir(home)
    r = genv.run("-H", home, *argv)
    assert_error(r, 1, msg)


def test_first_run_makes_its_guild_home(genv, tmp_path):
    genv.write("hello.py", HELLO_PY)
    home = tmp_path / "new" / "home"
    r = genv.run("run", "hello.py", "-y", env={"GUILD_HOME": str(home)})
    assert r.rc == 0, r.err
    assert len(os.listdir(home / "runs")) == 1
    r = genv.run("-H", str(tmp_path / "other"), "run", "hello.py", "-y")
    assert r.rc == 0 and os.path.isdir(tmp_path / "other" / "runs")
    r = genv.run("runs", env={"GUILD_HOME": str(tmp_path / "not-made")})  # reading makes nothing
    assert r.rc == 1 and not os.path.exists(tmp_path / "not-made")


# ---- corrupt run directories

ATTRS = ["label", "flags", "started", "exit_status", "stopped", "tags", "comments", "marked", "op",
         "cmd", "env", "initialized", "id", "deps", "sourcecode_digest", "run_params", "random_seed"]


def _corrupt_run(genv, kind: str) -> str:
    run_id = make_run(genv.home, "op", project=genv.project, flags={"x": 1}, files={"a.txt": "hello\n"})
    gdir = os.path.join(genv.home, "runs", run_id, ".guild")
    if kind == "empty-opref":
        open(os.path.join(gdir, "opref"), "w").close()
    elif kind == "garbage-opref":
        with open(os.path.join(gdir, "opref"), "wb") as f:
            f.write(b"garbage ' \x00\xff line\n")
    elif kind == "missing-attrs":
        shutil.rmtree(os.path.join(gdir, "attrs"))
    elif kind == "opref-dir":
        os.remove(os.path.join(gdir, "opref"))
        os.makedirs(os.path.join(gdir, "opref"))
    else:
        for name in ATTRS:
            path = os.path.join(gdir, "attrs", name)
            if os.path.exists(path):
                os.remove(path)
            if kind == "attr-dirs":
                os.makedirs(path)
            else:
                with open(path, "wb") as f:
                    f.write({"invalid-yaml": b"key: [unclosed\n", "binary": b"\xff\xfe\x00\x01junk",
                             "wrong-types": b"- [1, 2]\n"}[kind])
    return run_id


CORRUPTIONS = ["empty-opref", "garbage-opref", "missing-attrs", "opref-dir", "invalid-yaml", "binary",
               "wrong-types", "attr-dirs"]

# Commands run against a corrupt run: they may warn or fail, but cleanly.
READ_COMMANDS = [
    ("runs",), ("runs", "-v"), ("runs", "--json"), ("runs", "-F", "x = 1"), ("runs", "-Fl", "x"),
    ("runs", "-Ft", "t"), ("runs", "-Fm"), ("runs", "-Sc"), ("runs", "--started", "today"),
    ("runs", "info"), ("runs", "info", "--env"), ("runs", "info", "--deps"), ("runs", "info", "-c"),
    ("runs", "info", "--private-attrs"), ("ls",), ("ls", "-a"), ("cat", "-p", "a.txt"), ("cat", "--output"),
    ("select",), ("select", "-a", "label"), ("select", "-a", "flags"), ("select", "-a", "duration"),
    ("compare", "-t"), ("compare", "-t", "-c", "=x,.label"), ("compare", "--csv", "-"),
    ("tensorboard", "--export-scalars", "-"), ("tag", "--list-all"), ("comment", "-l"), ("diff", "1", "1"),
    ("check",),
]
WRITE_COMMANDS = [
    ("label", "-y", "-s", "x"), ("label", "-y", "-c"), ("tag", "-y", "-a", "t"), ("tag", "-y", "-c"),
    ("comment", "-y", "-a", "c"), ("comment", "-y", "-c"), ("mark", "-y", "1"), ("mark", "-y", "-c", "1"),
    ("run", "-y", "--restart", "1"), ("run", "-y", "--proto", "1"), ("export", "-y", "{tmp}/exported"),
]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_corrupt_run_read_commands(genv, tmp_path, kind):
    run_id = _corrupt_run(genv, kind)
    before = snapshot(genv.home)
    for cmd in READ_COMMANDS:
        r = genv.run(*_argv((cmd[0],) + cmd[1:], str(tmp_path)), env={"EDITOR": "false"})
        assert_clean(r)
    assert snapshot(genv.home) == before
    assert genv.run_ids() == [run_id]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_corrupt_run_write_commands(genv, tmp_path, kind):
    run_id = _corrupt_run(genv, kind)
    for cmd in WRITE_COMMANDS:
        r = genv.run(*_argv(cmd, str(tmp_path)))
        assert_clean(r)
        assert os.path.isdir(os.path.join(genv.home, "runs", run_id)), cmd
        leftovers = [n for n in os.listdir(os.path.join(genv.home, "runs", run_id, ".guild", "attrs"))
                     if n.startswith(".tmp-")] if kind != "missing-attrs" else []
        assert leftovers == [], cmd
    r = genv.run("runs", "rm", "-y", "1")
    assert_clean(r)
    assert r.rc == 0 or kind == "missing-attrs"


def test_attr_dir_write_errors_are_one_line(genv):
    run_id = _corrupt_run(genv, "attr-dirs")
    r = genv.run("label", "-y", "-s", "x")
    assert_error(r, 1, f"error writing attribute 'label' of run {run_id}: Is a directory")
    r = genv.run("tag", "-y", "-a", "t")
    assert_error(r, 1, f"error writing attribute 'tags' of run {run_id}: Is a directory")
    assert os.path.isdir(os.path.join(genv.home, "runs", run_id, ".guild", "attrs", "label"))


def test_bad_entries_under_runs(genv, tmp_path):
    ids = three_runs(genv)
    runs = genv.runs_dir()
    os.symlink("/nonexistent/target", os.path.join(runs, "dangling"))
    os.symlink(os.path.join(runs, "loop"), os.path.join(runs, "loop"))
    with open(os.path.join(runs, "a-file"), "w") as f:
        f.write("x")
    os.makedirs(os.path.join(runs, "not-a-run"))
    for cmd in READ_COMMANDS + [("runs", "rm", "-y", "zzz"), ("export", "-y", "{tmp}/exported")]:
        r = genv.run(*_argv((cmd[0],) + cmd[1:], str(tmp_path)))
        assert_clean(r)
    r = genv.run("runs", "-s")
    assert r.rc == 0 and len(r.out.splitlines()) == 3
    assert sorted(os.listdir(tmp_path / "exported")) == sorted(ids + [".guild-nocopy"])


def test_runs_dir_is_a_file(genv):
    with open(genv.runs_dir(), "w") as f:
        f.write("x")
    for cmd in (("runs",), ("runs", "rm", "-y"), ("compare", "-t"), ("label", "-y", "-s", "x")):
        assert_clean(genv.run(*cmd))
    assert_error(genv.run("runs", "info"), 1, "no matching runs")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_files(genv):
    ids = three_runs(genv)
    attr = os.path.join(genv.home, "runs", ids[2], ".guild", "attrs", "started")
    afile = os.path.join(genv.home, "runs", ids[2], "a.txt")
    rundir = os.path.join(genv.home, "runs", ids[1])
    os.chmod(attr, 0)
    os.chmod(afile, 0)
    os.chmod(rundir, 0)
    try:
        for cmd in READ_COMMANDS:
            assert_clean(genv.run(*cmd))
        r = genv.run("cat", "-p", "a.txt", ids[2][:8])
        assert_error(r, 1)
        assert "Permission denied" in r.err
    finally:
        os.chmod(rundir, 0o755)
        os.chmod(attr, 0o644)
        os.chmod(afile, 0o644)


# ---- paths outside a run

def test_cat_and_ls_stay_inside_the_run(genv):
    three_runs(genv)
    for path in ("../../etc/passwd", "../../../../../../../../etc/passwd"):
        r = genv.run("cat", "-p", path)
        assert_error(r, 1)
        assert "root:" not in r.out
        r = genv.run("ls", "-p", path)
        assert_no_traceback(r)
        assert "passwd" not in r.out
    r = genv.run("ls", "-p", "../..")
    assert_no_traceback(r)
    assert r.out.splitlines() == [os.path.join(genv.runs_dir(), "bb" + "0" * 29 + "2") + ":"]
    assert_error(genv.run("cat", "-p", "/etc/passwd"), 1, "PATH must be relative")
    assert_error(genv.run("ls", "-p", "/etc"), 1, "PATH must be relative")


# ---- guild run with a bad guild.yml

GUILDFILE_ERROR = "guildfile in the current directory contains an error (see above for details)"


@pytest.mark.parametrize("text,detail", [
    ("op: [unclosed\n", "while parsing a flow"),
    ("- 1\n- 2\n", "1"),
    ("op: 3\n", "invalid value for operation"),
    ("op:\n  main: hello\n  flags: nonsense\n", "invalid flags value 'nonsense': expected a mapping"),
    ("op:\n  main: hello\n  flags: 5\n", "invalid flags value 5: expected a mapping"),
    ("\x00\x01\xff", ""),
    ("op: !!python/object:os.system {}\n", ""),
], ids=["invalid-yaml", "list-of-ints", "op-number", "flags-string", "flags-number", "binary",
        "python-tag"])
def test_run_with_invalid_guildfile(genv, text, detail):
    genv.write("guild.yml", text)
    genv.write("hello.py", HELLO_PY)
    for argv in (("run", "-y", "op"), ("run", "-y", "--help-op", "op"), ("operations",)):
        r = genv.run(*argv)
        assert_error(r, 1, GUILDFILE_ERROR)
        prefix = f"ERROR: error in {genv.project}/guild.yml: "
        error_lines = [line for line in r.err.splitlines() if line.startswith(prefix)]
        assert len(error_lines) == 1, r.err
        assert detail in error_lines[0]
    assert genv.run_ids() == []


def _run_op(genv, yml: str):
    genv.write("guild.yml", yml)
    genv.write("hello.py", HELLO_PY)
    return genv.run("run", "-y", "op", timeout=60)


def test_run_main_missing_module(genv):
    assert_error(_run_op(genv, "op:\n  main: nosuchmod\n"), 1, "No module named nosuchmod")
    r = genv.run("runs", "-s")
    assert r.out == "[1]  op  error  \n"


def test_run_exec_missing_program(genv):
    r = _run_op(genv, "op:\n  exec: nosuchprog_xyz --a\n")
    assert_error(r, 1, "error running nosuchprog_xyz: [Errno 2] No such file or directory: 'nosuchprog_xyz'")


def test_run_exec_with_unbalanced_quotes(genv):
    r = _run_op(genv, "op:\n  exec: \"echo 'unclosed\"\n")
    assert_error(r, 1, "invalid exec value \"echo 'unclosed\": No closing quotation")
    r = genv.run("run", "-y", "--print-cmd", "op")
    assert_error(r, 1, "invalid exec value \"echo 'unclosed\": No closing quotation")
    assert genv.run_ids() == []


@pytest.mark.parametrize("steps,msg", [
    ("5", "invalid step data: 5"),
    ("[3]", "invalid step data: 3"),
    ("{a: 1}", "invalid step {'a': 1}: must define run"),
    ("nonsense", "operation 'nonsense' is not defined for this project"),
    ("[\"hello 'unclosed\"]", "invalid run spec 'hello 'unclosed': No closing quotation"),
])
def test_run_steps_not_a_list_of_steps(genv, steps, msg):
    r = _run_op(genv, f"op:\n  steps: {steps}\nhello: {{main: hello}}\n")
    assert_error(r, 1, msg)
    assert len(genv.run_ids()) == 1


def test_run_steps_cycle_is_an_error(genv):
    r = _run_op(genv, "op:\n  steps: [op2]\nop2:\n  steps: [op]\n")
    assert_error(r, 1)
    assert "cycle in steps (op -> op2 -> op)" in r.err
    assert len(genv.run_ids()) <= 3


# ---- restart of a run whose saved op is missing or garbage

@pytest.mark.parametrize("op", [None, "garbage", [1, 2], {"op-cmd": "x"}, {"op-cmd": {"cmd-args": 5}},
                                {"op-cmd": {"cmd-args": ["a"], "cmd-env": [1]}},
                                {"op-cmd": {"cmd-args": ["a"], "cmd-flags": "x"}}],
                         ids=["missing", "string", "list", "op-cmd-string", "args-number", "env-list",
                              "flags-string"])
def test_restart_with_bad_op_attr(genv, op):
    run_id = make_run(genv.home, "op", project=genv.project, run_id="c" * 32)
    if op is not None:
        Run(run_id, os.path.join(genv.runs_dir(), run_id)).write_attr("op", op)
    before = snapshot(genv.home)
    for argv in (("run", "-y", "--restart", "1"), ("run", "-y", "--proto", "1"), ("run", "-y", "--start", "1")):
        r = genv.run(*argv)
        assert_error(r, 1)
        assert f"cannot restart run in {genv.runs_dir()}/{run_id}:" in r.err
    assert snapshot(genv.home) == before


@pytest.mark.parametrize("flags", ["notadict", [1, 2]])
def test_restart_with_bad_flags_attr(genv, flags):
    op = {"op-cmd": {"cmd-args": ["${python_exe}", "-c", "pass"], "cmd-env": {}}}
    run_id = make_run(genv.home, "op", project=genv.project, run_id="c" * 32, flags=flags)
    Run(run_id, os.path.join(genv.runs_dir(), run_id)).write_attr("op", op)
    r = genv.run("run", "-y", "--restart", "1")
    assert_error(r, 1, f"cannot restart run in {genv.runs_dir()}/{run_id}: invalid flags attribute")


# ---- filters, columns, ranges

def test_bad_started_range(genv):
    three_runs(genv)
    r = genv.run("runs", "--started", "nonsense")
    assert_error(r, 1, "invalid RANGE: unexpected 'nonsense' at position 0")
    assert r.err.splitlines()[-1] == "Try 'guild runs list --help' for help specifying time ranges."
    for cmd in (("compare", "-t"), ("runs", "rm", "-y"), ("label", "-y", "-s", "x"), ("select",)):
        r = genv.run(*cmd, "--started", "last week")
        assert_error(r, 1, "invalid RANGE: unexpected 'week' at pos 5")
    assert len(genv.run_ids()) == 3


def test_started_range_out_of_bounds(genv):
    three_runs(genv)
    for spec in ("9999 years ago", "99999999999 days ago", "last 99999999999999 days"):
        r = genv.run("runs", "--started", spec)
        assert_error(r, 1, "invalid RANGE: date out of range")


def test_bad_filter(genv):
    three_runs(genv)
    assert_error(genv.run("runs", "--filter", "a =="), 1,
                 "syntax error in filter at position 3: unexpected token '='")
    assert_error(genv.run("runs", "-F", "a = 1 and"), 1, "syntax error in filter - unexpected end of expresion")
    assert_error(genv.run("runs", "rm", "-y", "-F", "a = 'x"), 1,
                 "syntax error in filter at position 4: unexpected character '''")
    assert len(genv.run_ids()) == 3


def test_compare_bad_cols(genv):
    three_runs(genv)
    r = genv.run("compare", "-t", "--cols", "loss,")
    assert_no_traceback(r)
    assert r.rc == 0
    assert "WARNING: error parsing 'loss,': query string cannot be empty\n" in r.err
    r = genv.run("compare", "-t", "-c", "=x as y as z")
    assert r.rc == 0
    assert "WARNING: error parsing '=x as y as z': unexpected token 'as', line 1, pos 15\n" in r.err
    r = genv.run("compare", "-t", "-c", "'x")
    assert r.rc == 0 and "Traceback" not in r.err
    assert "WARNING: error parsing \"'x\": " in r.err


# ---- export / import / tensorboard / delete

def test_export_to_bad_locations(genv, tmp_path):
    three_runs(genv)
    before = snapshot(genv.home)
    afile = tmp_path / "a-file"
    afile.write_text("x")
    assert_error(genv.run("export", "-y", str(afile)), 1, f"'{afile}' is not a directory")
    assert_error(genv.run("export", "-y", "-m", str(afile)), 1, f"'{afile}' is not a directory")
    under = afile / "sub"
    r = genv.run("export", "-y", str(under))
    assert_error(r, 1)
    assert str(under) in r.err
    r = genv.run("export", "-y", "-m", str(under / "x.zip"))
    assert_error(r, 1)
    assert snapshot(genv.home) == before
    assert afile.read_text() == "x"


def test_import_of_non_archives(genv, tmp_path):
    afile = tmp_path / "a-file.zip"
    afile.write_text("not a zip")
    assert_error(genv.run("import", "-y", str(afile)), 1,
                 f"invalid archive {afile} - expected a directory or a zip file")
    missing = tmp_path / "missing"
    assert_error(genv.run("import", "-y", str(missing)), 1,
                 f"'{missing}' is not a valid archive - use a path to a file/directory or specify an "
                 "archive name returned by 'guild archive --list'.")
    assert genv.run_ids() == []


def test_tensorboard_bad_port_and_host(genv):
    pytest.importorskip("tensorboard")
    three_runs(genv)
    assert_error(genv.run("tensorboard", "-p", "abc"), 2, "Invalid value for '-p' / '--port': 'abc' is not a valid integer.")
    for port in ("-1", "65536", "99999"):
        r = genv.run("tensorboard", "-n", "-p", port, timeout=60)
        assert_error(r, 2, f"Invalid value for '-p' / '--port': {port} is not in the range 0<=x<=65535.")
    r = genv.run("tensorboard", "-n", "-h", "no such host!", "-p", "1", timeout=60)
    assert_error(r, 1, "cannot start TensorBoard on no such host!:1")


def test_runs_delete_with_nothing_to_delete(genv):
    r = genv.run("runs", "delete", "-y")
    assert (r.rc, r.out, r.err) == (0, "", "Nothing to delete.\n")
    three_runs(genv)
    r = genv.run("runs", "delete", "-y", "-Fo", "nosuch")
    assert (r.rc, r.out, r.err) == (0, "", "Nothing to delete.\n")
    r = genv.run("runs", "purge", "-y")
    assert (r.rc, r.err) == (0, "Nothing to purge.\n")
    assert len(genv.run_ids()) == 3


# ---- files where directories should be, unbalanced quotes in commands

def test_run_dir_is_a_file(genv):
    genv.write("guild.yml", GOOD_GUILD_YML)
    genv.write("hello.py", HELLO_PY)
    afile = genv.write("a-file", "x")
    r = genv.run("run", "-y", "-d", afile, "op")
    assert_error(r, 1, f"cannot create run directory {afile}: Not a directory")
    with open(afile) as f:
        assert f.read() == "x"
    os.remove(afile)
    with open(genv.runs_dir(), "w") as f:
        f.write("x")
    r = genv.run("run", "-y", "op")
    assert_error(r, 1)
    assert f"cannot create run directory {genv.runs_dir()}/" in r.err


def test_trash_is_a_file(genv):
    ids = three_runs(genv)
    os.makedirs(os.path.join(genv.home, "trash"))
    with open(os.path.join(genv.home, "trash", "runs"), "w") as f:
        f.write("x")
    r = genv.run("runs", "rm", "-y")
    assert_error(r, 1, f"'{genv.home}/trash/runs' is not a directory")
    assert genv.run_ids() == ids
    r = genv.run("runs", "-d")
    assert (r.rc, r.out) == (0, "")


def test_unbalanced_quotes_in_commands(genv):
    three_runs(genv)
    r = genv.run("comment", "-y", env={"EDITOR": "'x", "VISUAL": ""})
    assert_error(r, 1, "cannot run editor ''x': No closing quotation")
    assert_error(genv.run("diff", "1", "2", "-c", "'x"), 1, "cannot run ''x': No closing quotation")
    genv.write("data.txt", "data\n")
    genv.write("hello.py", HELLO_PY)
    r = _run_op(genv, "op:\n  main: hello\n  requires:\n    - file: data.txt\n      rename: \"a 'x\"\n")
    assert_error(r, 1, "run failed because a dependency was not met: invalid rename spec 'a 'x': "
                       "No closing quotation")


def _zip(path, entries: list[tuple[str, bytes, int]]) -> str:
    """A zip with (name, data, st_mode) entries, the run `d...d` first."""
    run_id = "d" * 32
    base = [(f"{run_id}/", b"", 0o40755), (f"{run_id}/.guild/", b"", 0o40755),
            (f"{run_id}/.guild/opref", b"guildfile:/x/guild.yml abc '' op", 0o100644),
            (f"{run_id}/.guild/attrs/", b"", 0o40755),
            (f"{run_id}/.guild/attrs/started", str(T0).encode(), 0o100644)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data, mode in base + entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return str(path)


def test_import_of_damaged_zips(genv, tmp_path):
    run_id = "d" * 32
    dup = _zip(tmp_path / "dup.zip", [(f"{run_id}/a", b"x", 0o100644), (f"{run_id}/a/", b"", 0o40755)])
    crc = _zip(tmp_path / "crc.zip", [(f"{run_id}/big.txt", b"A" * 1000, 0o100644)])
    data = bytearray((tmp_path / "crc.zip").read_bytes())
    data[data.find(b"AAAA") + 10] = ord("B")
    (tmp_path / "crc.zip").write_bytes(bytes(data))
    for archive in (dup, crc):
        r = genv.run("import", "-y", archive)
        assert_error(r, 1)
        assert r.err.startswith(f"guild: cannot read archive {archive}: "), r.err
        r = genv.run("runs", "-A", archive)
        assert r.err.startswith(f"guild: cannot read archive {archive}: "), r.err
    assert genv.run_ids() == []


def test_import_ignores_zip_entries_outside_the_archive(genv, tmp_path):
    # The zip is unpacked under TMPDIR: `../` and `../../` would land in tmp/ and tmp_path.
    os.makedirs(tmp_path / "tmp")
    escape = tmp_path / "abs-escaped.txt"
    archive = _zip(tmp_path / "slip.zip", [("../escaped.txt", b"x", 0o100644),
                                           ("../../escaped.txt", b"x", 0o100644),
                                           (str(escape), b"x", 0o100644)])
    r = genv.run("import", "-y", archive, env={"TMPDIR": str(tmp_path / "tmp")})
    assert_no_traceback(r)
    assert r.rc == 0
    assert genv.run_ids() == ["d" * 32]
    assert sorted(os.listdir(tmp_path)) == ["guild-home", "project", "slip.zip", "tmp"]
    assert os.listdir(tmp_path / "tmp") == []


def test_export_and_import_of_a_run_with_a_named_pipe(genv, tmp_path):
    ids = three_runs(genv)
    run_dir = os.path.join(genv.runs_dir(), ids[2])
    os.mkfifo(os.path.join(run_dir, "pipe"))
    before = snapshot(genv.home)
    dest = tmp_path / "exported"
    r = genv.run("export", "-y", str(dest), ids[2][:8])
    assert_error(r, 1)
    assert f"guild: cannot copy {run_dir} to {dest}/{ids[2]}: " in r.err
    assert "is a named pipe" in r.err
    assert os.listdir(dest) == [".guild-nocopy"]  # no half-copied run
    assert snapshot(genv.home) == before
    # The same run as an archive to import from
    archive = tmp_path / "archive"
    os.makedirs(archive)
    os.rename(run_dir, archive / ids[2])
    r = genv.run("import", "-y", str(archive))
    assert_error(r, 1)
    assert "is a named pipe" in r.err
    assert genv.run_ids() == ids[:2]
    assert sorted(os.listdir(archive / ids[2])) == [".guild", "a.txt", "pipe"]


def test_os_errors_are_one_line(genv):
    # --save-trials writes in batch code that has no handler of its own: the CLI's last resort
    genv.write("guild.yml", GOOD_GUILD_YML)
    genv.write("hello.py", HELLO_PY)
    afile = genv.write("a-file", "x")
    r = genv.run("run", "-y", "op", "x=[1,2]", "--save-trials", f"{afile}/trials.csv")
    assert_error(r, 1, f"[Errno 20] Not a directory: '{afile}/trials.csv'")
    r = genv.run("--debug", "run", "-y", "op", "x=[1,2]", "--save-trials", f"{afile}/trials.csv")
    assert r.rc == 1 and "NotADirectoryError" in r.err  # --debug shows where
    assert_error(genv.run("-C", afile, "runs"), 1, f"'{afile}' is not a directory")


def test_input_nested_past_the_recursion_limit(genv):
    three_runs(genv)
    genv.write("guild.yml", GOOD_GUILD_YML)
    genv.write("hello.py", HELLO_PY)
    r = genv.run("run", "-y", "op", "x=&a [*a]")  # a YAML list that contains itself
    assert_error(r, 1, "input is nested too deeply or refers to itself")
    r = genv.run("runs", "-F", "x = 1" + " and x = 1" * 2000)
    assert_error(r, 1, "input is nested too deeply or refers to itself")
    assert len(genv.run_ids()) == 3


def test_restart_pipeline_with_garbage_steps_attr(genv):
    r = _run_op(genv, "op:\n  steps: [hello]\nhello:\n  main: hello\n")
    assert r.rc == 0, r.err
    pipeline_dir = next(path for path in (os.path.join(genv.runs_dir(), i) for i in genv.run_ids())
                        if os.path.islink(os.path.join(path, "hello")))  # the step's link
    pipeline = Run.for_dir(pipeline_dir)
    with open(pipeline.attr_path("steps"), "w") as f:
        f.write("5\n")
    assert_error(genv.run("run", "-y", "--restart", pipeline.id), 1, "invalid step data: 5")
