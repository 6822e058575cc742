"""The README's tour, read from README.md and run command by command in a copy of the repository's
examples, as a new user would type it: every command must work as shown."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def tour_commands() -> list[str]:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("## A short tour", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block, "the tour's console block is missing"
    return [line[2:] for line in block.group(1).splitlines() if line.startswith("$ ")]


def test_tour_commands_are_there():
    commands = tour_commands()
    assert len(commands) > 20
    assert commands[0].startswith("source .venv/bin/activate")


def test_readme_tour_runs(tmp_path):
    shutil.copytree(os.path.join(ROOT, "examples"), tmp_path / "examples")
    os.symlink(os.path.dirname(os.path.dirname(sys.executable)), tmp_path / ".venv")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GUILD_", "VIRTUAL_ENV")) and k not in ("PYTHONPATH",)}
    env.update(NO_PIP_FREEZE="1", PATH="/usr/bin:/bin")
    log = tmp_path / "tour.log"
    script = "\n".join(
        ["set -e", *(f"echo '>>> {cmd.split('  #')[0].strip()}' >&2\n{cmd}" for cmd in tour_commands())])
    with open(log, "w") as out:
        proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, stdout=out,
                              stderr=subprocess.STDOUT, timeout=600)
    text = log.read_text()
    assert proc.returncode == 0, text[-4000:]
    assert "Traceback" not in text
    assert os.path.isdir(tmp_path / "build" / "tour-home" / "runs")
    assert os.path.isdir(tmp_path / "build" / "tour-export")
    last = text.rsplit(">>> guild runs -Fl baseline", 1)[1].split(">>>", 1)[0]
    assert "baseline" in last
