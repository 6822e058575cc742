"""Batch files (`@PATH`), `--print-trials`, `--save-trials`, `--stage-trials` and the confirm
prompts of batches (pipelines-and-batches.md §4.5, §4.6, §4.9)."""

from __future__ import annotations

import json
import os
import re

import pytest

from guild.store.run import Run, iter_runs

TRIAL_RE = re.compile(r"^INFO: \[guild\] (?:Running|Staging) trial ([0-9a-f]{32}): \S+ \((.*)\)$", re.M)

SAY = """msg = "hello"
loud = False
print(msg.upper() if loud else msg)
"""


def descs(err: str) -> list[str]:
    return [d for _, d in TRIAL_RE.findall(err)]


@pytest.fixture
def say(genv):
    genv.write("say.py", SAY)
    return genv


@pytest.mark.parametrize("name, text", [
    ("trials.csv", "msg,loud\nhello 1,no\nhello 2,yes\n"),
    ("trials", "msg,loud\nhello 1,no\nhello 2,yes\n"),
    ("trials.json", '[{"msg": "hello 1", "loud": false}, {"msg": "hello 2", "loud": true}]'),
    ("trials.yml", "- {msg: hello 1, loud: no}\n- {msg: hello 2, loud: yes}\n"),
    ("trials.yaml", "- msg: hello 1\n  loud: no\n- msg: hello 2\n  loud: yes\n"),
])
def test_batch_file_formats(say, name, text):
    say.write(name, text)
    r = say.run("run", "say.py", f"@{name}", "-y")
    assert r.rc == 0, r.err
    assert descs(r.err) == ["loud=no, msg='hello 1'", "loud=yes, msg='hello 2'"]
    assert r.out.splitlines() == ["hello 1", "HELLO 2"]


def test_batch_files_concatenate_and_user_flags_win(say):
    say.write("a.csv", "msg\none\n")
    say.write("b.json", '{"msg": "two", "loud": true}')
    r = say.run("run", "say.py", "@a.csv", "@b.json", "loud=[no,yes]", "-y")
    assert descs(r.err) == ["loud=no, msg=one", "loud=yes, msg=one", "loud=no, msg=two", "loud=yes, msg=two"]
    r = say.run("run", "say.py", "@a.csv", "@b.json", "msg=x", "-y")
    assert descs(r.err) == ["loud=no, msg=x", "loud=yes, msg=x"]


def test_batch_file_short_row_keeps_defaults(say):
    say.write("t.csv", "msg,loud\na,yes\nb\n")
    r = say.run("run", "say.py", "@t.csv", "-y")
    assert descs(r.err) == ["loud=yes, msg=a", "loud=no, msg=b"]


def test_single_trial_file_is_a_normal_run(say):
    say.write("one.csv", "msg,loud\nsolo,yes\n")
    r = say.run("run", "say.py", "@one.csv", "-y")
    assert (r.rc, r.out) == (0, "SOLO\n")
    assert "trial" not in r.err
    [run] = list(iter_runs(say.runs_dir()))
    assert run.get("flags") == {"loud": True, "msg": "solo"}
    assert run.batch_proto is None


def test_batch_file_prompt_and_proto_trials(say):
    say.write("t.csv", "msg\na\nb\n")
    r = say.run("run", "say.py", "@t.csv", input="n\n")
    assert r.err.splitlines()[0] == (
        "You are about to run say.py as a batch (2 trials) (flags below used unless specified in batch trial)"
    )
    say.run("run", "say.py", "@t.csv", "-y", "--keep-batch")
    [batch] = [r for r in iter_runs(say.runs_dir()) if r.batch_proto]
    assert batch.batch_proto.get("trials") == [{"msg": "a"}, {"msg": "b"}]


@pytest.mark.parametrize("name, text, error", [
    (None, None, "batch file ./nofile does not exist"),
    ("t.txt", "x", "cannot read trials for ./t.txt: unsupported extension"),
    ("t.yml", "3\n", "cannot read trials for ./t.yml: invalid data type for trials: expected list or dict, got int"),
    ("t.json", "[1, {}]", "cannot read trials for ./t.json: invalid data type for trial 1: expected dict"),
])
def test_batch_file_errors(say, name, text, error):
    if name:
        say.write(name, text)
    r = say.run("run", "say.py", f"@{name or 'nofile'}", "-y")
    assert (r.rc, r.err.strip()) == (1, f"guild: {error}")
    assert not os.path.exists(say.runs_dir()) or not os.listdir(say.runs_dir())


def test_batch_file_parse_error(say):
    say.write("t.json", '[{"msg": 1')
    r = say.run("run", "say.py", "@t.json", "-y")
    assert r.rc == 1
    assert r.err.startswith("guild: cannot read trials for ./t.json: ")


def test_print_trials_table(say):
    r = say.run("run", "say.py", "msg=[hello 1,hello 2]", "loud=[no,yes]", "--print-trials")
    assert r.rc == 0, r.err
    assert r.out == (
        "#  loud  msg\n"
        "1  no    hello 1\n"
        "2  no    hello 2\n"
        "3  yes   hello 1\n"
        "4  yes   hello 2\n"
    )
    assert not os.path.exists(say.runs_dir()) or not os.listdir(say.runs_dir())


def test_save_trials_csv_and_json_reload(say):
    r = say.run("run", "say.py", "msg=['1',a a]", "loud=[yes]", "--save-trials", "t.csv")
    assert r.rc == 0, r.err
    assert r.out == f"Saving trials to {os.path.join(say.project, 't.csv')}\n"
    with open(os.path.join(say.project, "t.csv")) as f:
        assert f.read() == "loud,msg\nyes,'1'\nyes,a a\n"
    r = say.run("run", "say.py", "msg=[a,b]", "--save-trials", "t.json")
    with open(os.path.join(say.project, "t.json")) as f:
        assert json.loads(f.read()) == [{"loud": False, "msg": "a"}, {"loud": False, "msg": "b"}]
    r = say.run("run", "say.py", "@t.csv", "--print-trials")
    assert r.out == "#  loud  msg\n1  yes   '1'\n2  yes   a a\n"
    assert not os.path.exists(say.runs_dir()) or not os.listdir(say.runs_dir())


def test_preview_errors(say):
    r = say.run("run", "say.py", "msg=[a,b]", "--save-trials", "t.txt")
    assert (r.rc, r.err.strip()) == (1, "guild: Unsupported extension '.txt' - use '.csv', '.json', or no extension")
    r = say.run("run", "say.py", "--print-trials")
    assert (r.rc, r.err.strip()) == (1, "guild: cannot print trials for a non-batch operation")
    r = say.run("run", "say.py", "--save-trials", "t.csv")
    assert (r.rc, r.err.strip()) == (1, "guild: cannot save trials for a non-batch operation")
    r = say.run("run", "say.py", "msg=[a,b]", "--print-trials", "--stage-trials")
    assert r.rc == 1
    assert r.err.startswith("guild: --print-trials and --stage-trials cannot both be used")


def test_stage_trials(say):
    r = say.run("run", "say.py", "msg=[a,b]", "--stage-trials", "-y")
    assert (r.rc, r.out) == (0, "")
    assert descs(r.err) == ["loud=no, msg=a", "loud=no, msg=b"]
    trials = [Run(t, os.path.join(say.runs_dir(), t)) for t, _ in TRIAL_RE.findall(r.err)]
    assert [t.status for t in trials] == ["staged", "staged"]
    r = say.run("run", "--start", trials[0].id, "-y")
    assert (r.rc, r.out) == (0, "a\n")


def test_prompts(say):
    r = say.run("run", "say.py", "msg=[a,b,c]", "-m", "2", input="n\n")
    assert r.err.splitlines()[:4] == [
        "You are about to run say.py as a batch (2 trials)", "  loud: no", "  msg: [a, b, c]", "Continue? (Y/n) ",
    ]
    r = say.run("run", "say.py", "msg=[a]", "--stage-trials", input="n\n")
    assert r.err.splitlines()[0] == "You are about to stage trials for say.py as a batch (1 trial)"
    r = say.run("run", "say.py", "msg=[a]", "--stage", input="n\n")
    assert r.err.splitlines()[0] == "You are about to stage say.py as a batch (1 trial)"
    assert not os.path.exists(say.runs_dir()) or not os.listdir(say.runs_dir())


def test_print_cmd_prints_batch_and_trial_commands(say):
    r = say.run("run", "say.py", "msg=[a,b c]", "--print-cmd")
    assert r.rc == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].endswith(" -um guild.batch_main")
    assert len(lines) == 3
    assert lines[1].split(" -um ")[1].startswith("guild.op_main say ")
    assert lines[1].endswith(" --msg a") and lines[2].endswith(" --msg 'b c'")
    assert not os.path.exists(say.runs_dir()) or not os.listdir(say.runs_dir())
