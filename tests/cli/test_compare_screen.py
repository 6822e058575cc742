"""The interactive `guild compare` screen in a real terminal (tmux: keys sent, the screen read
back): it lists the runs, sorts by the column under the cursor both ways, shows a run's info,
and quits cleanly; without a terminal the output stays what it was."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest

from conftest import GUILD_BIN

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is needed (make system-deps)")
pytest.importorskip("textual")

TRAIN = "lr = 0.1\nprint('loss: %s' % (lr * 2))\n"


class Terminal:
    """A tmux server of its own (parallel-safe) running one command in a 120x24 window."""

    def __init__(self, tmp_path, command: str, env: dict):
        self.socket = f"guild-test-{uuid.uuid4().hex[:8]}"
        self.status_file = tmp_path / "exit-status"
        script = tmp_path / "screen.sh"
        exports = "".join(f"export {k}={_sh(v)}\n" for k, v in env.items() if k.isidentifier())
        script.write_text(f"{exports}{command}\necho $? > {self.status_file}\nsleep 60\n")
        self._tmux("new-session", "-d", "-x", "120", "-y", "24", f"bash {script}")

    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=True).stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "0", key)
            time.sleep(0.05)

    def screen(self) -> list[str]:
        return self._tmux("capture-pane", "-p", "-t", "0").splitlines()

    def wait_for(self, text: str, timeout: float = 30) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.screen()
            if any(text in line for line in lines):
                return lines
            assert time.monotonic() < deadline, f"{text!r} not on screen:\n" + "\n".join(lines)
            time.sleep(0.2)

    def exit_status(self, timeout: float = 15) -> int:
        deadline = time.monotonic() + timeout
        while not self.status_file.exists():
            assert time.monotonic() < deadline, "the screen did not quit:\n" + "\n".join(self.screen())
            time.sleep(0.1)
        return int(self.status_file.read_text())

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _sh(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _lr_order(lines: list[str]) -> list[str]:
    rows = [line.split() for line in lines if "train.py" in line]
    return [next(c for c in row if c.startswith("lr=")) for row in rows]


def test_sort_info_and_quit(genv, tmp_path):
    genv.write("train.py", TRAIN)
    assert genv.run("run", "train.py", "lr=[0.3,0.05,0.2]", "-y").rc == 0
    term = Terminal(tmp_path, f"cd {_sh(genv.project)} && {GUILD_BIN} compare", dict(genv.env, TERM="xterm-256color"))
    try:
        lines = term.wait_for("3 run(s)")
        assert _lr_order(lines) == ["lr=0.2", "lr=0.05", "lr=0.3"]  # newest first, as listed
        header = next(line for line in lines if line.split()[:2] == ["run", "operation"]).split()
        term.keys(*["l"] * header.index("lr"))
        term.keys("s")
        lines = term.wait_for("sorted by lr ascending")
        assert _lr_order(lines) == ["lr=0.05", "lr=0.2", "lr=0.3"]
        term.keys("S")
        lines = term.wait_for("sorted by lr descending")
        assert _lr_order(lines) == ["lr=0.3", "lr=0.2", "lr=0.05"]
        term.keys("i")
        lines = term.wait_for("operation: train.py")
        assert any(line.startswith("id: ") for line in lines)
        term.keys("Escape")
        term.wait_for("sorted by lr descending")
        term.keys("?")
        term.wait_for("sort by this column, ascending")
        term.keys("q", "q")
        assert term.exit_status() == 0
    finally:
        term.close()


def test_without_a_terminal_output_is_unchanged(genv):
    genv.write("train.py", TRAIN)
    genv.run("run", "train.py", "-y")
    r = genv.run("compare")
    assert (r.out, r.err, r.rc) == ("", "tabview: no data to display\n", 0)
    assert "lr" in genv.run("compare", "-t").out.splitlines()[0]
