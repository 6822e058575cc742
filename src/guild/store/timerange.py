"""The `--started RANGE` grammar (runs.md §6.4): text -> [start, end) local datetimes."""

from __future__ import annotations


class RangeError(ValueError):
    """An invalid RANGE; str() is the detail after `invalid RANGE: `."""


def parse(spec: str, now=None):
    raise RangeError(f"unexpected '{spec}' at position 0")
