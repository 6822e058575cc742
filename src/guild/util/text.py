"""Small text and value helpers shared across layers: shell quoting, natural sort keys, first
lines, number checks, wrapping, sizes."""

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


def did_you_mean(name: str, candidates, end: str = "") -> str:
    """`{end} Did you mean 'x'?` for the candidate closest to a mistyped `name`, else ""
    (`end` closes the sentence the suggestion follows)."""
    import difflib

    match = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)
    return f"{end} Did you mean '{match[0]}'?" if match else ""


def float32_shortest(x: float) -> float:
    """A float32 value (a TensorBoard scalar read back as a double) as the shortest decimal that
    reads back as the same float32: 0.9399999976158142 is 0.94. Other values are returned as
    they are."""
    import math
    import struct

    if not math.isfinite(x):
        return x
    try:
        packed = struct.pack("<f", x)
    except OverflowError:
        return x
    if struct.unpack("<f", packed)[0] != x:
        return x  # not a float32 value: every digit means something
    for digits in range(1, 10):
        short = float(f"{x:.{digits}g}")
        if struct.pack("<f", short) == packed:
            return short
    return x


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters (one line, as is, when it fits)."""
    if len(text) <= width:
        return [text]
    import textwrap

    return textwrap.wrap(text, width) or [""]


def human_bytes(n: int) -> str:
    """`n` bytes for people: 512 B, 3.4 KB, 12.0 MB, ..."""
    if n < 1000:
        return f"{n} B"
    size = n / 1000
    for unit in ("KB", "MB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
