"""OS processes: whether one is alive, its descendants, killing a set of them."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """True if process `pid` exists and is not a zombie (read from /proc where there is one)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return False
    except OSError:
        return _kill0(pid)
    # The state letter follows the parenthesised command name, which may itself hold ')'.
    state = stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3]
    return state not in (b"Z", b"X")


def _kill0(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def descendants(pid: int) -> list[int]:
    """All descendants of `pid` (psutil when installed, else /proc; [] when neither is there)."""
    try:
        import psutil  # type: ignore[import-not-found]
    except ImportError:
        return _proc_descendants(pid)
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def _proc_descendants(pid: int) -> list[int]:
    by_parent: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            by_parent.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def kill_all(pids: list[int], sig: int = 9) -> None:
    """Send `sig` (default SIGKILL) to each of `pids` that still exists."""
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def process_token(pid: int | None = None) -> str:
    """`PID START` naming a live process (START: its start time in clock ticks, from /proc, so
    a pid reused by another process does not match); `PID` alone where there is no /proc."""
    pid = os.getpid() if pid is None else pid
    start = _start_time(pid)
    return f"{pid} {start}" if start is not None else str(pid)


def token_alive(token: str) -> bool:
    """Whether the process a `process_token` names is still running."""
    parts = token.split()
    if not parts or not parts[0].isdigit():
        return False
    pid = int(parts[0])
    if len(parts) > 1 and _start_time(pid) is not None and str(_start_time(pid)) != parts[1]:
        return False
    return pid_alive(pid)


def _start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def exit_by_signal(signum: int) -> None:
    """End this process as killed by `signum` (so its parent sees it), after flushing output."""
    import signal
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    os._exit(128 + signum)
