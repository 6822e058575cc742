"""Property-based fuzzing (Hypothesis) of command lines, flag values and guild.yml files: no
input gives a traceback, and input of the wrong type is an error (`guild: ...`, exit not 0),
never silently run. Commands run in-process for speed, through the same entry point as `guild`."""

from __future__ import annotations

import contextlib
import io
import os
import sys

import pytest
from _checks import SEED, report

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, seed, settings, strategies as st  # noqa: E402

COMMANDS = ["runs", "runs info", "runs list", "runs delete", "runs restore", "runs purge", "select",
            "ls", "cat", "label", "tag", "comment", "mark", "compare", "diff", "export", "import",
            "archive", "check", "operations", "run", "stop"]
OPTIONS = ["-a", "-n", "-Fo", "-Fl", "-Ft", "-Fs", "-F", "-S", "-Sc", "--started", "-p", "--csv",
           "-t", "--json", "-s", "-v", "-d", "-A", "--min", "--max", "--attr", "-c", "--set",
           "--delete", "--print-cmd", "--print-trials", "--print-env", "-m", "-o", "--stage",
           "--restart", "--proto", "--needed", "-l", "--tag", "-y", "-L", "--sourcecode", "-x"]
WORDS = ["1", "0", "-1", ":", "1:", "abc", "'", '"', "[", "]", "[1,2]", "x=1", "x=", "=",
         "op", "op.py", "..", "../..", "/etc/passwd", "after 2026", "last 2 days", "loss > 1",
         "flag:x = 1", "${x}", "\x00", "é", "-", "--", "@batch.csv", "nan", "1e999"]

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_tokens = st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(WORDS), _text), max_size=6)


class _Stop(Exception):
    pass


def guild_inproc(argv: list[str], project: str, home: str) -> tuple[int, str]:
    """Run the `guild` entry point in this process (stdin empty); (exit code, stdout + stderr).
    An exception other than SystemExit escaping it is what a user would see as a traceback."""
    from guild.cli import main as cli_main
    from guild.store import home as home_mod
    from guild.util import log

    out, err = io.StringIO(), io.StringIO()
    saved = (sys.stdin, os.environ.get("GUILD_HOME"), os.getcwd())
    sys.stdin = io.StringIO("")
    os.environ["GUILD_HOME"] = home
    os.chdir(project)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_main.main(argv)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.stdin = saved[0]
        if saved[1] is None:
            os.environ.pop("GUILD_HOME", None)
        else:
            os.environ["GUILD_HOME"] = saved[1]
        os.chdir(saved[2])
        home_mod.set_home_override(None)
        log.set_debug(False)
    return code, out.getvalue() + err.getvalue()


@pytest.fixture
def project(genv):
    genv.write("op.py", "x = 1\ny = 0.5\nname = 'a'\nflag = True\nprint('loss:', x)\n")
    genv.write("guild.yml", "op:\n  main: op\n  flags-import: all\n"
                            "typed:\n  main: op\n  flags:\n    x: {type: int, default: 1, min: 0, max: 9}\n"
                            "    y: {type: float, default: 0.5}\n    name: {choices: [a, b]}\n"
                            "    flag: {type: boolean, default: true}\n")
    r = genv.run("run", "op", "-y")
    assert r.rc == 0, r.output
    return genv


_SETTINGS = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
                     suppress_health_check=list(HealthCheck), database=None)


def test_fuzzed_command_lines_never_give_a_traceback(project):
    failures: list[str] = []
    count = [0]

    @seed(SEED)
    @_SETTINGS
    @given(command=st.sampled_from(COMMANDS), tokens=_tokens)
    def check(command, tokens):
        argv = command.split() + [t for t in tokens if t != "-C"]
        if argv[0] == "run" and "--print-cmd" not in argv and "--print-trials" not in argv:
            argv.append("--print-cmd")  # explore the run path without starting processes
        count[0] += 1
        try:
            code, out = guild_inproc(argv, project.project, project.home)
        except BaseException as e:  # noqa: BLE001 - any escape is the finding
            failures.append(f"{argv!r}: {type(e).__name__}: {e}")
            return
        if "Traceback (most recent call last)" in out:
            failures.append(f"{argv!r}: traceback in output: {out[-300:]}")

    check()
    report("fuzzed command lines", count[0], failures)


def test_fuzzed_flag_values_are_checked_never_a_traceback(project):
    failures: list[str] = []
    count = [0]

    @seed(SEED)
    @_SETTINGS
    @given(name=st.sampled_from(["x", "y", "name", "flag"]), value=st.one_of(st.sampled_from(WORDS), _text))
    def check(name, value):
        count[0] += 1
        try:
            code, out = guild_inproc(["run", "typed", f"{name}={value}", "--print-cmd", "-y"],
                                     project.project, project.home)
        except BaseException as e:  # noqa: BLE001
            failures.append(f"{name}={value!r}: {type(e).__name__}: {e}")
            return
        if "Traceback (most recent call last)" in out:
            failures.append(f"{name}={value!r}: traceback: {out[-300:]}")
        elif code != 0 and not out.strip():
            failures.append(f"{name}={value!r}: exit {code} without a message")

    check()
    report("fuzzed flag values", count[0], failures)


# Operation keys with their type, and values of the wrong type for each.
_TYPED_KEYS = {
    "main": "str", "exec": "str", "flags-dest": "str", "default": "bool", "output-scalars": "patterns",
    "env": "env", "pip-freeze": "bool", "delete-on-success": "bool", "run-attrs": "mapping",
    "default-max-trials": "int", "objective": "objective", "flags": "mapping",
    "flags-import": "flags-import", "sourcecode": "sourcecode",
}
_WRONG = {
    "str": st.one_of(st.integers(), st.lists(st.integers(), min_size=1), st.dictionaries(st.just("a"), st.integers(), min_size=1)),
    "bool": st.one_of(st.integers(), st.text(min_size=1, max_size=5).filter(lambda s: s.strip() != ""), st.lists(st.integers(), min_size=1)),
    "patterns": st.one_of(st.integers(), st.just(True), st.lists(st.integers(), min_size=1)),
    "env": st.one_of(st.integers(), st.lists(st.integers(), min_size=1), st.just({"": 1}), st.just({"A=B": 1})),
    "mapping": st.one_of(st.integers(min_value=1), st.lists(st.integers(), min_size=1), st.text(min_size=1, max_size=5).filter(str.strip)),
    "int": st.one_of(st.text(min_size=1, max_size=5).filter(str.strip), st.lists(st.integers(), min_size=1), st.floats(allow_nan=False).filter(lambda f: f != int(f) if f == f and abs(f) < 1e15 else True)),
    "objective": st.one_of(st.integers(), st.lists(st.integers(), min_size=1), st.just({"foo": "x"})),
    "flags-import": st.one_of(st.integers(), st.just({"a": 1}), st.text(min_size=1, max_size=5).filter(lambda s: s.strip().lower() not in ("all", "yes", "no", "true", "false", ""))),
    "sourcecode": st.one_of(st.integers(), st.floats(allow_nan=False)),
}


def test_fuzzed_guildfile_values_of_the_wrong_type_are_errors(project):
    import json

    failures: list[str] = []
    count = [0]

    @seed(SEED)
    @_SETTINGS
    @given(key=st.sampled_from(sorted(_TYPED_KEYS)), data=st.data())
    def check(key, data):
        value = data.draw(_WRONG[_TYPED_KEYS[key]])
        count[0] += 1
        # JSON is YAML: the value reaches guild.yml exactly as drawn.
        with open(os.path.join(project.project, "guild.yml"), "w") as f:
            f.write(json.dumps({"bad": {"main": "op", key: value}}))
        for argv in (["run", "bad", "--print-cmd", "-y"], ["operations"]):
            try:
                code, out = guild_inproc(argv, project.project, project.home)
            except BaseException as e:  # noqa: BLE001
                failures.append(f"{key}: {value!r}: {argv[0]}: {type(e).__name__}: {e}")
                return
            if "Traceback (most recent call last)" in out:
                failures.append(f"{key}: {value!r}: {argv[0]}: traceback: {out[-300:]}")
            elif code == 0:
                failures.append(f"{key}: {value!r}: {argv[0]} exits 0 (invalid value accepted): {out[-200:]}")

    check()
    report("fuzzed guild.yml values of the wrong type", count[0], failures)
