"""Shared by the reliability tests: the invariants a Guild home must keep whatever happened to
the processes that wrote it, and the report of each test's figures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

SEED = int(os.environ.get("RELIABILITY_SEED", "20261205"))
REPORTS = os.path.join(os.path.dirname(__file__), "..", "..", "build", "reliability")
GUILD_BIN = os.path.join(os.path.dirname(sys.executable), "guild")
STATUSES = {"running", "completed", "error", "terminated", "pending", "staged"}


def report(name: str, cases: int, violations: list[str], seed: int | None = SEED) -> None:
    """Record a check's figures (the session summary prints them) and fail on any violation."""
    os.makedirs(REPORTS, exist_ok=True)
    with open(os.path.join(REPORTS, f"{name}.json"), "w") as f:
        json.dump({"name": name, "cases": cases, "violations": len(violations), "seed": seed}, f)
    assert not violations, f"{len(violations)} violations:\n" + "\n".join(violations[:20])


def no_traceback(where: str, text: str) -> list[str]:
    return [f"{where}: traceback: {text[-800:]}"] if "Traceback (most recent call last)" in text else []


def home_violations(genv, where: str, *, allow_running: bool = False) -> list[str]:
    """What is wrong with the runs of `genv`'s home: runs a listing misses, statuses that are not
    true (running without a live process, pending tied to a dead process), attrs that do not
    parse, tracebacks from the commands that read them."""
    from guild.store.run import INCOMPLETE_PREFIX, Run
    from guild.util import procs, yamlutil

    found: list[str] = []
    r = genv.run("runs", "-a", "--json")
    found += no_traceback(f"{where}: runs --json", r.output)
    if r.rc != 0:
        return found + [f"{where}: guild runs -a --json exit {r.rc}: {r.err.strip()}"]
    listed = {run["id"]: run["status"] for run in json.loads(r.out or "[]")}
    runs_dir = genv.runs_dir()
    names = os.listdir(runs_dir) if os.path.isdir(runs_dir) else []
    for name in names:
        if name.startswith("."):
            if not name.startswith(INCOMPLETE_PREFIX):
                found.append(f"{where}: unexpected hidden entry {name}")
            continue
        if name not in listed:
            found.append(f"{where}: {name} is in the runs dir but not listed")
    for run_id, status in listed.items():
        run = Run(run_id, os.path.join(runs_dir, run_id))
        if status not in STATUSES:
            found.append(f"{where}: {run_id} has status {status!r}")
        if status == "running" and not allow_running and not run.remote:
            pid = run.pid
            if pid is None or not procs.pid_alive(pid):
                found.append(f"{where}: {run_id} is running without a live process")
        if status == "pending":
            owner = _pending_owner(run)
            if owner and not procs.token_alive(owner):
                found.append(f"{where}: {run_id} is pending for a process that is gone")
        attrs_dir = run.guild_path("attrs")
        for attr in os.listdir(attrs_dir) if os.path.isdir(attrs_dir) else []:
            if attr.startswith(".tmp-"):
                continue
            try:
                with open(os.path.join(attrs_dir, attr), "rb") as f:
                    yamlutil.load_attr(f.read())
            except Exception as e:
                found.append(f"{where}: {run_id} attr {attr} does not parse: {e}")
    r = genv.run("runs", "info")
    found += no_traceback(f"{where}: runs info", r.output)
    return found


def _pending_owner(run) -> str:
    try:
        with open(run.guild_path("PENDING")) as f:
            return f.read().strip()
    except OSError:
        return ""


def start_guild(genv, *args: str) -> subprocess.Popen:
    """`guild ARGS` in its own session (so the test can signal or kill its whole process group)."""
    return subprocess.Popen(
        [GUILD_BIN, *args], cwd=genv.project, env=genv.env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL every process of `proc`'s session group and reap `proc`."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def group_alive(pgid: int) -> list[int]:
    """Processes still in process group `pgid`."""
    alive = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            alive.append(int(name))
    return alive


def wait_gone(pgid: int, timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = group_alive(pgid)
        if not alive:
            return []
        time.sleep(0.05)
    return group_alive(pgid)
