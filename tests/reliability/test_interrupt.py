"""Ctrl-C in a real terminal (a pseudo-terminal whose line discipline sends SIGINT to the
foreground process group), SIGTERM and `guild stop`: the run, the batch and its trial end
`terminated` within 5 s, nothing new starts, and no process is left running."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import time

from _checks import GUILD_BIN, group_alive, home_violations, report, start_guild, wait_gone

SLOW = """\
import time
x = 1
for i in range(200):
    print("tick", i, flush=True)
    time.sleep(0.1)
"""


def _in_terminal(genv, args: list[str], ctrl_c_when: str, timeout: float = 30) -> tuple[int, float, str]:
    """Run `guild ARGS` on a pseudo-terminal, type Ctrl-C once `ctrl_c_when` shows in its output;
    (exit code, seconds from Ctrl-C to exit, output)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its own session with the pty as controlling terminal
        os.chdir(genv.project)
        os.execve(GUILD_BIN, [GUILD_BIN, *args], genv.env)
    out = b""
    sent_at = None
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            out += chunk
        if sent_at is None and ctrl_c_when.encode() in out:
            os.write(fd, b"\x03")
            sent_at = time.monotonic()
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    elapsed = time.monotonic() - sent_at if sent_at else float("inf")
    os.close(fd)
    return os.waitstatus_to_exitcode(status), elapsed, out.decode(errors="replace")


def _statuses(genv) -> list[tuple[str, str]]:
    runs = json.loads(genv.run("runs", "-a", "--json").out)
    return [(r["opref"].split()[-1], r["status"]) for r in runs]


def test_ctrl_c_of_a_run_records_terminated(genv):
    genv.write("slow.py", SLOW)
    code, secs, out = _in_terminal(genv, ["run", "slow.py", "-y"], "tick 3")
    violations = []
    if code != 130:
        violations.append(f"exit {code}, expected 130: {out[-500:]}")
    if secs > 5:
        violations.append(f"took {secs:.1f} s")
    if _statuses(genv) != [("slow.py", "terminated")]:
        violations.append(f"statuses {_statuses(genv)}")
    violations += home_violations(genv, "ctrl-c run")
    report("Ctrl-C of a run", 1, violations)


def test_ctrl_c_of_a_grid_stops_the_batch_and_starts_no_trial(genv):
    genv.write("slow.py", SLOW)
    code, secs, out = _in_terminal(genv, ["run", "slow.py", "x=[1,2,3,4]", "-y"], "tick 3")
    violations = []
    if code != 130:
        violations.append(f"exit {code}, expected 130: {out[-500:]}")
    if secs > 5:
        violations.append(f"took {secs:.1f} s")
    statuses = _statuses(genv)
    if sorted(statuses) != [("+", "terminated"), ("slow.py", "pending"), ("slow.py", "pending"),
                            ("slow.py", "pending"), ("slow.py", "terminated")]:
        violations.append(f"statuses {statuses}")
    if out.count("Running trial") != 1:
        violations.append(f"trials started: {out.count('Running trial')}")
    if _slow_processes(genv):
        violations.append(f"processes left: {_slow_processes(genv)}")
    violations += home_violations(genv, "ctrl-c batch")
    report("Ctrl-C of a 4-trial grid", 1, violations)


def _slow_processes(genv) -> list[int]:
    """The test's own op processes still alive (other tests run slow.py at the same time)."""
    found = []
    own_home = f"GUILD_HOME={genv.home}".encode()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    cmd = f.read()
                with open(f"/proc/{name}/environ", "rb") as f:
                    environ = f.read().split(b"\x00")
            except OSError:
                continue
            if b"guild.op_main\x00slow" in cmd and own_home in environ:
                found.append(int(name))
    return found


def test_sigterm_and_sighup_stop_a_run(genv):
    genv.write("slow.py", SLOW)
    violations = []
    for sig, expected in ((signal.SIGTERM, 143), (signal.SIGHUP, 129)):
        proc = start_guild(genv, "run", "slow.py", "-y")
        _wait_for_output(proc, b"tick 2")
        os.kill(proc.pid, sig)
        started = time.monotonic()
        code = proc.wait(timeout=10)
        if code != expected:
            violations.append(f"{sig.name}: exit {code}, expected {expected}")
        if time.monotonic() - started > 5:
            violations.append(f"{sig.name}: took {time.monotonic() - started:.1f} s")
        if wait_gone(proc.pid):
            violations.append(f"{sig.name}: processes left {group_alive(proc.pid)}")
    if _statuses(genv) != [("slow.py", "terminated"), ("slow.py", "terminated")]:
        violations.append(f"statuses {_statuses(genv)}")
    violations += home_violations(genv, "sigterm/sighup")
    report("SIGTERM and SIGHUP of a run", 2, violations)


def test_guild_stop_of_a_batch_stops_its_trial(genv):
    genv.write("slow.py", SLOW)
    proc = start_guild(genv, "run", "slow.py", "x=[1,2,3]", "-y")
    _wait_for_output(proc, b"tick 2")
    batch = [r for r in json.loads(genv.run("runs", "--json").out) if r["opref"].endswith(" +")][0]
    started = time.monotonic()
    r = genv.run("stop", "-y", batch["id"])
    proc.wait(timeout=10)
    violations = []
    if r.rc != 0:
        violations.append(f"guild stop exit {r.rc}: {r.output}")
    if time.monotonic() - started > 5:
        violations.append(f"took {time.monotonic() - started:.1f} s")
    statuses = sorted(_statuses(genv))
    if statuses != [("+", "terminated"), ("slow.py", "pending"), ("slow.py", "pending"),
                    ("slow.py", "terminated")]:
        violations.append(f"statuses {statuses}")
    if wait_gone(proc.pid):
        violations.append(f"processes left {group_alive(proc.pid)}")
    violations += home_violations(genv, "guild stop batch")
    report("guild stop of a batch", 1, violations)


def _wait_for_output(proc, marker: bytes, timeout: float = 20) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while marker not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            out += os.read(proc.stdout.fileno(), 4096)
    assert marker in out, out.decode(errors="replace")
    return out


def test_ctrl_c_of_a_parallel_grid_stops_every_running_trial(genv):
    genv.write("slow.py", SLOW)
    code, secs, out = _in_terminal(genv, ["run", "slow.py", "x=[1,2,3,4,5]", "--jobs", "2", "-y"], "tick 3")
    violations = []
    if code != 130:
        violations.append(f"exit {code}, expected 130: {out[-500:]}")
    if secs > 5:
        violations.append(f"took {secs:.1f} s")
    statuses = sorted(_statuses(genv))
    if statuses != [("+", "terminated"), ("slow.py", "pending"), ("slow.py", "pending"),
                    ("slow.py", "pending"), ("slow.py", "terminated"), ("slow.py", "terminated")]:
        violations.append(f"statuses {statuses}")
    if out.count("Running trial") != 2:
        violations.append(f"trials started: {out.count('Running trial')}")
    if _slow_processes(genv):
        violations.append(f"processes left: {_slow_processes(genv)}")
    violations += home_violations(genv, "ctrl-c parallel batch")
    report("Ctrl-C of a parallel grid (--jobs 2)", 1, violations)


def test_sigterm_of_a_parallel_grid(genv):
    genv.write("slow.py", SLOW)
    proc = start_guild(genv, "run", "slow.py", "x=[1,2,3]", "-j", "3", "-y")
    _wait_for_output(proc, b"tick 2")
    time.sleep(0.5)  # all three trials under way
    os.kill(proc.pid, signal.SIGTERM)
    started = time.monotonic()
    code = proc.wait(timeout=15)
    violations = []
    if code != 143:
        violations.append(f"exit {code}, expected 143")
    if time.monotonic() - started > 5:
        violations.append(f"took {time.monotonic() - started:.1f} s")
    statuses = sorted(_statuses(genv))
    if statuses != [("+", "terminated")] + [("slow.py", "terminated")] * 3:
        violations.append(f"statuses {statuses}")
    if wait_gone(proc.pid) or _slow_processes(genv):
        violations.append(f"processes left {group_alive(proc.pid)} {_slow_processes(genv)}")
    violations += home_violations(genv, "sigterm parallel batch")
    report("SIGTERM of a parallel grid (-j 3)", 1, violations)
