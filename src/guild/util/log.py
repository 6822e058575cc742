"""Log lines on stderr in Guild's formats: INFO bare, `WARNING: ...`, `ERROR: ...` (spec §5.8).

Helper processes (steps and batch runners) switch to `LEVEL: [guild] message` with
`set_runner_format()`."""

from __future__ import annotations

import os
import sys

_runner_format = False


def set_runner_format(on: bool = True) -> None:
    global _runner_format
    _runner_format = on


def _emit(level: str, msg: str) -> None:
    if _runner_format:
        line = f"{level}: [guild] {msg}"
    elif level == "INFO":
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
    if os.environ.get("LOG_LEVEL") == "10":
        sys.stderr.write(f"DEBUG: [guild] {msg}\n")
