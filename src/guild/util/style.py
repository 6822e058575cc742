"""Terminal colours, as command lines use them: only on a terminal, never with NO_COLOR set
(https://no-color.org) or TERM=dumb."""

from __future__ import annotations

import os

CODES = {"dim": "2", "bold": "1", "red": "31", "green": "32", "yellow": "33", "blue": "34",
         "magenta": "35", "cyan": "36"}

# `guild runs` status colours
STATUS_STYLES = {"running": "cyan", "completed": "green", "error": "red", "terminated": "yellow",
                 "staged": "magenta", "pending": "dim"}


def enabled(stream) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def paint(text: str, style: str) -> str:
    return f"\x1b[{CODES[style]}m{text}\x1b[0m"


def styled(text: str, style: str, stream) -> str:
    """`text` in `style` when `stream` takes colours."""
    return paint(text, style) if enabled(stream) else text
