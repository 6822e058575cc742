"""Small text and value helpers shared across layers: shell quoting, natural sort keys, first
lines, number checks."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def shell_quote(s: str) -> str:
    """`s` quoted for a POSIX shell; the empty string as `''`."""
    import shlex

    return shlex.quote(s) if s else "''"


def shell_join(argv: list[str]) -> str:
    return " ".join(shell_quote(a) for a in argv)


def natural_key(s: str) -> list:
    """A sort key that orders digit runs by value (`a2` before `a10`)."""
    parts: list = re.split(r"(\d+)", s)
    parts[1::2] = [int(p) for p in parts[1::2]]
    return parts


def first_line(text: Any) -> str:
    """The first line of `text` (stripped), "" for empty values."""
    return str(text).strip().split("\n", 1)[0].strip() if text else ""


def is_number(val: Any) -> bool:
    """An int or float value (not a bool)."""
    return isinstance(val, (int, float)) and not isinstance(val, bool)
