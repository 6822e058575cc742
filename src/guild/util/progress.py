"""A one-line progress display on stderr for long reads and copies (`Indexing runs: 12000/100000
(12%)`), redrawn at most ten times a second, shown only on a terminal and cleared when done."""

from __future__ import annotations

import os
import sys
import time


class Progress:
    def __init__(self, label: str, total: int, *, unit: str = "", stream=None, min_total: int = 1):
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.done_count = 0
        self._last_draw = 0.0
        self.enabled = (total >= min_total and not os.environ.get("NO_PROGRESS")
                        and _isatty(self.stream))

    def advance(self, n: int = 1) -> None:
        self.done_count += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw >= 0.1 or self.done_count >= self.total:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        pct = 100 * self.done_count // self.total if self.total else 100
        unit = f" {self.unit}" if self.unit else ""
        self.stream.write(f"\r\033[K{self.label}: {self.done_count:,}/{self.total:,}{unit} ({pct}%)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._last_draw:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wanted(stream=None) -> bool:
    """Whether progress lines are wanted: on a terminal (or in a batch or pipeline process whose
    `guild run` is on one: GUILD_PROGRESS=1), unless NO_PROGRESS is set."""
    if os.environ.get("NO_PROGRESS"):
        return False
    return os.environ.get("GUILD_PROGRESS") == "1" or _isatty(stream or sys.stderr)
