"""What a person at a terminal gets: the version, shell completion (real bash), suggestions for
mistyped names, numbers as they were logged, progress lines and colours on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time

import pytest

from conftest import GUILD_BIN

PROJECT = """
train:
  main: train
  flags:
    lr: 0.1
    epochs: 2
prepare:
  main: train
pipe:
  steps:
    - prepare
    - train lr=0.2
"""
TRAIN = "lr = 0.1\nepochs = 2\nprint('loss: %s' % 0.94)\n"


def _project(genv):
    genv.write("guild.yml", PROJECT)
    genv.write("train.py", TRAIN)


def test_version_names_this_guild_and_guild_ai(genv):
    import guild

    r = genv.run("--version")
    assert r.out == f"guild {guild.__version__} (guild-modern, compatible with Guild AI 0.9.1)\n"
    check = genv.run("check").out
    assert f"guild_version:           {guild.__version__} (guild-modern)\n" in check
    assert "guild_ai_compatible:     0.9.1\n" in check


def _bash_complete(genv, words: list[str], cword: int) -> list[str]:
    script = (
        'source <(guild completion --shell bash)\n'
        f'COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={cword}\n'
        '_guild_complete\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = dict(genv.env, PATH=os.path.dirname(GUILD_BIN) + os.pathsep + "/usr/bin:/bin")
    proc = subprocess.run(["bash", "-c", script], cwd=genv.project, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line]


def test_bash_completion_of_commands_operations_flags_and_runs(genv):
    _project(genv)
    assert _bash_complete(genv, ["guild", "ru"], 1) == ["run", "runs"]
    assert _bash_complete(genv, ["guild", "run", "tr"], 2) == ["train", "train.py"]
    assert _bash_complete(genv, ["guild", "run", "train", "e"], 3) == ["epochs="]
    assert _bash_complete(genv, ["guild", "run", "train", "lr=1", ""], 4) == ["epochs=", "lr="]
    assert "--label" in _bash_complete(genv, ["guild", "runs", "--la"], 2)
    assert "info" in _bash_complete(genv, ["guild", "runs", "i"], 2)
    assert genv.run("run", "train", "-y", "-l", "first").rc == 0
    run_id = genv.run("select", "--short-id").out.strip()
    assert _bash_complete(genv, ["guild", "runs", "info", ""], 3) == [run_id]
    assert _bash_complete(genv, ["guild", "runs", "-Fl", "f"], 3) == ["first"]
    assert _bash_complete(genv, ["guild", "runs", "-Fo", "t"], 3) == ["train"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shell_scripts(genv, shell):
    r = genv.run("completion", "--shell", shell)
    assert r.rc == 0 and "guild __complete" in r.out


def test_completion_install_for_bash(genv, tmp_path):
    env = {"HOME": str(tmp_path)}
    for _ in range(2):
        r = genv.run("completion", "--shell", "bash", "--install", env=env)
        assert r.rc == 0
    assert (tmp_path / ".bashrc").read_text().count("guild completion --shell bash") == 1
    assert "already installed" in r.out


def test_suggestions_for_mistyped_names(genv):
    _project(genv)
    r = genv.run("rnus")
    assert r.rc == 2 and r.err.startswith("guild: No such command 'rnus'. Did you mean 'runs'?\n")
    r = genv.run("runs", "lsit")
    assert r.err.startswith("guild: No such command 'lsit'. Did you mean 'list'?\n")
    r = genv.run("run", "trian", "-y")
    assert r.err.startswith("guild: operation 'trian' is not defined for this project. Did you mean 'train'?\n")
    r = genv.run("run", "train", "lrr=1", "-y")
    assert r.err.startswith("guild: unsupported flag 'lrr'. Did you mean 'lr'?\n")
    r = genv.run("run", "train", "zzzz=1", "-y")
    assert r.err.startswith("guild: unsupported flag 'zzzz'\n")


def test_float32_scalars_show_as_written(genv):
    _project(genv)
    assert genv.run("run", "train", "-y").rc == 0
    table = genv.run("compare", "-t").out
    assert table.splitlines()[1].split()[-1] == "0.94"
    csv_last = genv.run("compare", "--csv", "-").out.splitlines()[1].split(",")[-1]
    assert csv_last.startswith("0.93999")  # CSV keeps the full value


def _pty_run(genv, args: list[str], env: dict | None = None, timeout: float = 120) -> str:
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(genv.project)
        os.execve(GUILD_BIN, [GUILD_BIN, *args], {**genv.env, **(env or {})})
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out.decode(errors="replace")


def test_progress_lines_on_a_terminal_only(genv):
    _project(genv)
    out = _pty_run(genv, ["run", "train", "lr=[0.1,0.2,0.3]", "-y"])
    assert "trial 1/3 completed - elapsed 0:00:0" in out
    assert "trial 3/3 completed - elapsed" in out and "loss 0.94" in out
    out = _pty_run(genv, ["run", "train", "lr=[0.1,0.2]", "-j", "2", "-y"])
    assert "trial 2/2 completed, 0 running, 0 pending" in out
    out = _pty_run(genv, ["run", "pipe", "-y"])
    assert "step 2/2 completed - elapsed" in out
    r = genv.run("run", "train", "lr=[0.1,0.2]", "-y")  # not a terminal: no progress
    assert "completed - elapsed" not in r.output
    out = _pty_run(genv, ["run", "train", "lr=[0.1,0.2]", "-y"], env={"NO_PROGRESS": "1"})
    assert "completed - elapsed" not in out


def test_status_colours_on_a_terminal_only(genv):
    _project(genv)
    genv.write("fail.py", "raise SystemExit(2)\n")
    genv.run("run", "train", "-y")
    genv.run("run", "fail.py", "-y")
    out = _pty_run(genv, ["runs"])
    assert "\x1b[31merror\x1b[0m" in out and "\x1b[32mcompleted\x1b[0m" in out
    assert "\x1b[" not in _pty_run(genv, ["runs"], env={"NO_COLOR": "1"})
    assert "\x1b[" not in genv.run("runs").out
