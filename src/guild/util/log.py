"""Log lines on stderr in Guild's formats: INFO bare, `WARNING: ...`, `ERROR: ...` (spec §5.8).

The steps runner writes its own lines with `runner()` (`LEVEL: [guild] message`); the batch
runner switches every line of its process to that format with `set_runner_format()`, as its
trials run in-process just as they did in the original."""

from __future__ import annotations

import os
import sys

_runner_format = False
_debug: bool | None = None  # None: LOG_LEVEL=10 in the environment turns debug lines on


def set_debug(on: bool = True) -> None:
    """Turn debug lines on (`guild --debug`) or off for this process."""
    global _debug
    _debug = on


def debug_enabled() -> bool:
    return _debug if _debug is not None else os.environ.get("LOG_LEVEL") == "10"


def set_runner_format(on: bool = True) -> None:
    global _runner_format
    _runner_format = on


def runner(level: str, msg: str) -> None:
    """A line in the helper processes' format, `LEVEL: [guild] message`, whatever the mode."""
    sys.stderr.write(f"{level}: [guild] {msg}\n")
    sys.stderr.flush()


def _emit(level: str, msg: str) -> None:
    if _runner_format:
        runner(level, msg)
        return
    if level == "INFO":
        line = msg
    else:
        line = f"{level}: {msg}"
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def info(msg: str) -> None:
    _emit("INFO", msg)


def warning(msg: str) -> None:
    _emit("WARNING", msg)


def error(msg: str) -> None:
    _emit("ERROR", msg)


def debug(msg: str) -> None:
    if debug_enabled():
        sys.stderr.write(f"DEBUG: [guild] {msg}\n")
