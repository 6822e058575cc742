"""Shared test fixtures: each test gets its own GUILD_HOME and project dir, and a `guild` runner
that drives the real command line in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

# The remote tests' servers (S3, sshd) and the homes that name them.
pytest_plugins = ["remotes._fixtures"]

GUILD_BIN = os.path.join(os.path.dirname(sys.executable), "guild")
SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "shared"))


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on (for the servers tests start)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Result:
    out: str
    err: str
    rc: int

    @property
    def output(self) -> str:
        return self.out + self.err


class GuildEnv:
    """A temp GUILD_HOME and project dir; `run()` invokes `guild` there."""

    def __init__(self, tmp_path):
        self.home = str(tmp_path / "guild-home")
        self.project = str(tmp_path / "project")
        os.makedirs(self.home)
        os.makedirs(self.project)
        self.env = {
            k: v for k, v in os.environ.items()
            if not k.startswith(("GUILD_", "FLAG_", "RUN_")) and k not in ("VIRTUAL_ENV", "CONDA_PREFIX")
        }
        self.env.update({
            "GUILD_HOME": self.home,
            "NO_IMPORT_FLAGS_PROGRESS": "1",
            "NO_PIP_FREEZE": "1",
            "NO_VCS_COMMIT": "1",
            "COLUMNS": "999",
            "PYTHONDONTWRITEBYTECODE": "1",
        })

    def write(self, relpath: str, text: str) -> str:
        path = os.path.join(self.project, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run(self, *args: str, cwd: str | None = None, input: str | None = None,
            env: dict | None = None, timeout: float = 120) -> Result:
        full_env = dict(self.env)
        if env:
            full_env.update(env)
        proc = subprocess.run(
            [GUILD_BIN, *args], cwd=cwd or self.project, env=full_env, input=input,
            capture_output=True, text=True, timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return Result(proc.stdout, proc.stderr, proc.returncode)

    def runs_dir(self) -> str:
        return os.path.join(self.home, "runs")

    def run_ids(self) -> list[str]:
        try:
            return sorted(os.listdir(self.runs_dir()))
        except FileNotFoundError:
            return []


@pytest.fixture
def genv(tmp_path) -> GuildEnv:
    return GuildEnv(tmp_path)


# ---- the reliability suite's figures (tests/reliability/_checks.py writes them)

RELIABILITY_REPORTS = os.path.join(os.path.dirname(__file__), "..", "build", "reliability")


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput") and os.path.isdir(RELIABILITY_REPORTS):
        for name in os.listdir(RELIABILITY_REPORTS):
            os.remove(os.path.join(RELIABILITY_REPORTS, name))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    import json

    if not os.path.isdir(RELIABILITY_REPORTS):
        return
    rows = []
    for name in sorted(os.listdir(RELIABILITY_REPORTS)):
        with open(os.path.join(RELIABILITY_REPORTS, name)) as f:
            rows.append(json.load(f))
    if not rows:
        return
    terminalreporter.section("reliability")
    for r in rows:
        seed = f" (seed {r['seed']})" if r["seed"] is not None else ""
        terminalreporter.write_line(f"{r['name']}: {r['cases']} cases, {r['violations']} invariant violations{seed}")
    terminalreporter.write_line(
        f"total: {sum(r['cases'] for r in rows)} cases, {sum(r['violations'] for r in rows)} invariant violations")
