"""The one source of time: µs timestamps, strictly increasing within a process (runs.md §2.5)."""

from __future__ import annotations

import time

import _thread

_last = 0
_lock = _thread.allocate_lock()  # runs made from several threads get distinct timestamps


def timestamp_us() -> int:
    """Now as integer microseconds since the epoch, always greater than the previous call's."""
    global _last
    with _lock:
        now = time.time_ns() // 1000
        if now <= _last:
            now = _last + 1
        _last = now
        return now


def format_timestamp(us: object) -> str:
    """Local time `%Y-%m-%d %H:%M:%S` of a µs timestamp, or "" when it is unset or not an int."""
    if not us or not isinstance(us, int) or isinstance(us, bool):
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(us / 1_000_000))


def format_duration(start_us: int | None, stop_us: int | None) -> str:
    """`H:MM:SS` between two µs timestamps; "" when start is unset. Stop defaults to now."""
    if not start_us:
        return ""
    end = stop_us if stop_us else time.time_ns() // 1000
    secs = max(0, (end - start_us) // 1_000_000)
    return f"{secs // 3600}:{secs % 3600 // 60:02d}:{secs % 60:02d}"
