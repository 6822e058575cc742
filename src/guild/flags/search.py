"""Search values: which flag values make a run a batch, and flag functions as (name, args)
(pipelines-and-batches.md §5.2, guildfile-and-run.md §3.2)."""

from __future__ import annotations

from guild.flags.decode import decode_flag_value, split_function

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


def is_batch_value(v: Any, flagdef: dict | None = None) -> bool:
    """True for a list or a flag-function string (`uniform[0:1]`, `[-2.0:2.0]`).

    A string value of an `arg-split` flag is never a batch value: it is split into argv items."""
    if isinstance(v, list):
        return True
    if not isinstance(v, str):
        return False
    if flagdef and flagdef.get("arg-split"):
        return False
    return split_function(v) is not None


def is_function(v: Any) -> bool:
    """True when `v` is a flag-function string."""
    return isinstance(v, str) and split_function(v) is not None


def parse_function(v: Any) -> tuple[str | None, list] | None:
    """`'uniform[0:1]'` -> `('uniform', [0, 1])`, `'[-2.0:2.0]'` -> `(None, [-2.0, 2.0])`.

    Args are decoded like untyped flag values. None when `v` is not a flag function."""
    if not isinstance(v, str):
        return None
    parts = split_function(v)
    if parts is None:
        return None
    name, raw_args = parts
    return name, [decode_flag_value(arg) for arg in raw_args]
