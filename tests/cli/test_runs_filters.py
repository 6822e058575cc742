"""Run filters as `guild runs -s` shows them: -F*, status filters, --started, --filter."""

from __future__ import annotations

from test_runs_support import T0, UTC, make_run


def _ops(genv, *args) -> list[str]:
    r = genv.run("runs", "-s", *args, env=UTC)
    assert r.rc == 0, r.err
    return [line.split("  ")[1] for line in r.out.splitlines()]


def _home(genv):
    h, p = genv.home, genv.project
    make_run(h, "train", project=p, started=T0 + 5_000_000, label="fast adam", tags=["a", "b"],
             marked=True, sourcecode_digest="abcdef", flags={"lr": 0.1, "opt": "adam"},
             comments=[{"body": "Looks Good", "user": "bob", "host": "box", "time": T0}])
    make_run(h, "m:train", opref=f"guildfile:{p}/guild.yml x m train", started=T0 + 4_000_000,
             label="", flags={"lr": 0.5})
    make_run(h, "trainer", project=p, started=T0 + 3_000_000, exit_status=1, tags=["b"],
             sourcecode_digest="abc999")
    make_run(h, "eval", project=p, started=T0 + 2_000_000, exit_status=-15, label="slow")
    make_run(h, "eval", project=p, started=T0 + 1_000_000, exit_status=None, markers=("STAGED",))


def test_operation_filter(genv):
    _home(genv)
    assert _ops(genv, "-Fo", "train") == ["train [marked]", "m:train"]
    assert _ops(genv, "-Fo", "trai") == []
    assert _ops(genv, "-Fo", "tr*") == ["train [marked]", "m:train", "trainer"]
    assert _ops(genv, "-Fo", "m:train") == ["m:train"]
    assert _ops(genv, "-Fo", "^tr") == ["train [marked]", "trainer"]
    assert _ops(genv, "-Fo", "er$", "-Fo", "eval") == ["trainer", "eval", "eval"]


def test_label_tag_comment_marked_digest(genv):
    _home(genv)
    assert _ops(genv, "-Fl", "adam") == ["train [marked]"]
    assert _ops(genv, "-Fl", "Adam") == []
    assert _ops(genv, "-Fl", "-") == ["m:train", "trainer", "eval"]
    assert _ops(genv, "-Fu") == ["m:train", "trainer", "eval"]
    assert _ops(genv, "-Ft", "b") == ["train [marked]", "trainer"]
    assert _ops(genv, "-Ft", "a", "-Ft", "zz") == ["train [marked]"]
    assert _ops(genv, "-Fc", "good") == ["train [marked]"]
    assert _ops(genv, "-Fc", "BOX") == ["train [marked]"]
    assert len(_ops(genv, "-Fc", "-")) == 4
    assert _ops(genv, "-Fm") == ["train [marked]"]
    assert len(_ops(genv, "-Fn")) == 4
    assert _ops(genv, "-Fd", "abc") == ["train [marked]", "trainer"]
    r = genv.run("runs", "-Fl", "x", "-Fu")
    assert (r.rc, r.err) == (1, "guild: --label and --unlabeled cannot both be used\n")
    r = genv.run("runs", "-Fm", "-Fn")
    assert (r.rc, r.err) == (1, "guild: --marked and --unmarked cannot both be used\n")


def test_status_filters(genv):
    _home(genv)
    assert _ops(genv, "-Se") == ["trainer"]
    assert _ops(genv, "--terminated") == ["eval"]
    assert _ops(genv, "-Set") == ["trainer", "eval"]
    assert _ops(genv, "-Ss", "-Sc") == ["train [marked]", "m:train", "eval"]
    assert _ops(genv, "--not-completed", "--not-staged") == ["trainer", "eval"]
    assert _ops(genv, "-Se", "--not-error") == ["trainer"]
    r = genv.run("runs", "-Sx")
    assert r.rc == 1
    assert r.err == ("guild: unrecognized status char 'x' in option '-S'\n"
                     "Try 'guild runs list --help' for more information.\n")


def test_started_filter(genv):
    _home(genv)
    assert _ops(genv, "--started", "after 2026-11-24 10:00:03") == ["train [marked]", "m:train", "trainer"]
    assert _ops(genv, "-Fs", "before 2026-11-24 10:00:02") == ["eval"]
    assert len(_ops(genv, "--started", "2026-11-24")) == 5
    assert len(_ops(genv, "--started", "")) == 5
    r = genv.run("runs", "--started", "last week")
    assert r.rc == 1
    assert r.err == ("guild: invalid RANGE: unexpected 'week' at pos 5\n"
                     "Try 'guild runs list --help' for help specifying time ranges.\n")
    r = genv.run("runs", "--started", "foo")
    assert r.err.startswith("guild: invalid RANGE: unexpected 'foo' at position 0\n")


def test_filter_expression(genv):
    _home(genv)
    assert _ops(genv, "--filter", "lr > 0.2") == ["m:train"]
    assert _ops(genv, "-F", "flag:opt = adam and status = completed") == ["train [marked]"]
    assert _ops(genv, "-F", "op = eval or exit_status = 1") == ["trainer", "eval", "eval"]
    assert _ops(genv, "-F", "exit_status is undefined") == ["eval"]
    assert _ops(genv, "-F", "not status in [completed, staged]") == ["trainer", "eval"]
    assert _ops(genv, "-F", "label contains ADAM") == ["train [marked]"]
    assert _ops(genv, "-F", "started >= '2026-11-24 10:00:04'") == ["train [marked]", "m:train"]
    r = genv.run("runs", "-F", "lr >")
    assert (r.rc, r.err) == (1, "guild: syntax error in filter - unexpected end of expresion\n")
    r = genv.run("runs", "-F", "lr > 1 )")
    assert r.err == "guild: syntax error in filter at position 7: unexpected token ')'\n"
    r = genv.run("runs", "-F", "lr ~ 1")
    assert r.err == "guild: syntax error in filter at position 3: unexpected character '~'\n"
