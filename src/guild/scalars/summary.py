"""A run's scalars summarized per source and tag (compare-and-scalars.md §3), and its logged
output attributes.

NaN summary values come back as None ("no value"), as the reference's index does (§3.3)."""

from __future__ import annotations

import functools
import math
import os
import re
from dataclasses import dataclass

from guild.scalars import events

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any


@dataclass
class ScalarSummary:
    prefix: str
    tag: str
    first_val: float | None
    first_step: int
    last_val: float | None
    last_step: int
    min_val: float | None
    min_step: int
    max_val: float | None
    max_step: int
    avg_val: float | None
    total: float | None
    count: int

    @property
    def key(self) -> str:
        """The scalar's key (§3.2): the tag for the root and `.guild` sources, else `prefix#tag`."""
        return self.tag if self.prefix in ("", ".guild") else f"{self.prefix}#{self.tag}"


def run_scalars(run_dir: str, sources: list | None = None) -> list[ScalarSummary]:
    """Every scalar summary of the run, ordered by (prefix, tag) in byte order (§4).
    `sources` is the run's `events.find_sources(run_dir)` when the caller already has it."""
    result: list[ScalarSummary] = []
    for prefix, path, names in events.find_sources(run_dir) if sources is None else sources:
        result.extend(_summarize(prefix, path, names))
    result.sort(key=lambda s: (s.prefix.encode(), s.tag.encode()))
    return result




def _summarize(prefix: str, path: str, names: list[str]) -> list[ScalarSummary]:
    # per tag: [first_val, first_step, last_val, last_step, min_val, min_step,
    #           max_val, max_step, total, count]
    acc: dict[str, list] = {}
    try:
        for name in names:
            for tag, val, step, _wall in events.iter_events(os.path.join(path, name)):
                s = acc.get(tag)
                if s is None:
                    acc[tag] = [val, step, val, step, val, step, val, step, val, 1]
                    continue
                if step < s[1]:
                    s[0], s[1] = val, step
                if step >= s[3]:
                    s[2], s[3] = val, step
                if val < s[4]:
                    s[4], s[5] = val, step
                if val > s[6]:
                    s[6], s[7] = val, step
                s[8] += val
                s[9] += 1
    except events.EventDecodeError as e:
        from guild.util.log import warning

        warning(f"error reading TF event from {path}: {e}")
    return [
        ScalarSummary(prefix, tag, _num(s[0]), s[1], _num(s[2]), s[3], _num(s[4]), s[5],
                      _num(s[6]), s[7], _num(s[8] / s[9]), _num(s[8]), s[9])
        for tag, s in acc.items()
    ]


def _num(val: float) -> float | None:
    return None if math.isnan(val) else val


def run_attributes(run_dir: str, sources: list | None = None) -> list[tuple[str, str, str]]:
    """Logged output attributes as (prefix, name, text), from `.attrs` event files, ordered by
    (prefix, name); a later value of the same name replaces an earlier one."""
    found: dict[tuple[str, str], str] = {}
    for prefix, path, names in events.find_sources(run_dir) if sources is None else sources:
        for name in names:
            if name.endswith(".attrs"):
                try:
                    for attr, text in events.iter_attrs(os.path.join(path, name)):
                        found[(prefix, attr)] = text
                except events.EventDecodeError:
                    break
    return [(p, n, t) for (p, n), t in sorted(found.items(), key=lambda i: (i[0][0].encode(), i[0][1].encode()))]


# ---- values


def cached_run_scalars(run) -> list[ScalarSummary]:
    """`run_scalars` of a `store.run.Run`, read once per Run object (filters and sort keys ask
    for several values of the same run); [] with a warning when they cannot be read."""
    cached = getattr(run, "_scalar_summaries", None)
    if cached is not None:
        return cached
    try:
        cached = run_scalars(run.path)
    except Exception as e:
        from guild.util.log import warning

        warning(f"error reading scalars of run {run.id}: {e}")
        cached = []
    run._scalar_summaries = cached
    return cached


def run_scalar_value(run, key: str, qual: str = "last") -> Any:
    """A run's scalar `key` (`tag` or `prefix#tag`) summarized by `qual` (filters, sorting)."""
    return scalar_value(cached_run_scalars(run), key, qual)


_QUAL_ATTRS = {
    (None, False): "last_val", ("last", False): "last_val", ("first", False): "first_val",
    ("min", False): "min_val", ("max", False): "max_val", ("avg", False): "avg_val",
    ("total", False): "total", ("count", False): "count",
    (None, True): "last_step", ("last", True): "last_step", ("first", True): "first_step",
    ("min", True): "min_step", ("max", True): "max_step",
}


def scalar_value(scalars: list[ScalarSummary], key: str, qual: str | None = None, step: bool = False) -> Any:
    """The value of scalar `key` (`tag` or `prefix#tag`) with a qualifier (§6.4)."""
    try:
        attr = _QUAL_ATTRS[(qual, step)]
    except KeyError:
        from guild.errors import GuildError

        raise GuildError(f"unsupported scalar type qual={qual!r} step={step}") from None
    prefix, sep, tag = key.partition("#")
    if not sep:
        for s in scalars:
            if s.tag == key:
                return getattr(s, attr)
        return None
    like = _like_re(prefix)
    matches = [s for s in scalars if s.tag == tag and like.match(s.prefix)]
    if not matches:
        return None
    best = min(matches, key=lambda s: s.prefix)
    return getattr(best, attr)


@functools.lru_cache(maxsize=None)
def _like_re(prefix: str) -> "re.Pattern":
    """SQL `LIKE 'prefix%'`: case-insensitive, `_` and `%` are wildcards."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in prefix]
    return re.compile("".join(parts) + ".*", re.IGNORECASE | re.DOTALL)
