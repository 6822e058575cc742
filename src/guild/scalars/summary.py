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


@dataclass(slots=True)
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


def run_scalars(run_dir: str, sources: list | None = None, cache: Any = None,
                sources_key: str | None = None) -> list[ScalarSummary]:
    """Every scalar summary of the run, ordered by (prefix, tag) in byte order (§4).
    `sources` is the run's `events.find_sources(run_dir)` when the caller already has it. With
    a `cache` (a `scalars.cache.ScalarCache`), event files are decoded once, and the run's sources are found
    once for a `sources_key` (a finished run's signature)."""
    if sources is None:
        sources = cache.sources(run_dir, sources_key) if cache is not None else events.find_sources(run_dir)
    result: list[ScalarSummary] = []
    for prefix, path, names in sources:
        accs = cache.file_accs(path, names) if cache is not None else None
        acc = merge_accs(accs) if accs is not None else _summarize_files(prefix, path, names)
        result.extend(_summaries(prefix, acc))
    result.sort(key=lambda s: (s.prefix.encode(), s.tag.encode()))
    return result


# Per tag: [first_val, first_step, last_val, last_step, min_val, min_step, max_val, max_step,
# total, count]: the summary of values in the order they were read.


def accumulate(acc: dict[str, list], scalars) -> None:
    """Fold (tag, value, step, wall_time) items into `acc`."""
    for tag, val, step, _wall in scalars:
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


def merge_accs(accs: list[dict[str, list]]) -> dict[str, list] | None:
    """The accumulator of files read one after another, from each file's own; None when a NaN
    starts a later file's min or max (reading them in one pass is then the only exact way)."""
    merged: dict[str, list] = {}
    for i, acc in enumerate(accs):
        for tag, b in acc.items():
            a = merged.get(tag)
            if a is None:
                merged[tag] = list(b)
                continue
            if b[4] != b[4] or b[6] != b[6]:
                return None
            if b[1] < a[1]:
                a[0], a[1] = b[0], b[1]
            if b[3] >= a[3]:
                a[2], a[3] = b[2], b[3]
            if b[4] < a[4]:
                a[4], a[5] = b[4], b[5]
            if b[6] > a[6]:
                a[6], a[7] = b[6], b[7]
            a[8] += b[8]
            a[9] += b[9]
    return merged


def _summarize_files(prefix: str, path: str, names: list[str]) -> dict[str, list]:
    acc: dict[str, list] = {}
    try:
        for name in names:
            accumulate(acc, events.iter_events(os.path.join(path, name)))
    except events.EventDecodeError as e:
        from guild.util.log import warning

        warning(f"error reading TF event from {path}: {e}")
    return acc


def _summaries(prefix: str, acc: dict[str, list]) -> list[ScalarSummary]:
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


def cached_run_scalars(run, cache: Any = None) -> list[ScalarSummary]:
    """`run_scalars` of a `store.run.Run`, read once per Run object (filters and sort keys ask
    for several values of the same run), through a `scalars.cache.ScalarCache` when given;
    [] with a warning when they cannot be read."""
    cached = getattr(run, "_scalar_summaries", None)
    if cached is not None:
        return cached
    try:
        cached = run_scalars(run.path, cache=cache)
    except Exception as e:
        from guild.util.log import warning

        warning(f"error reading scalars of run {run.id}: {e}")
        cached = []
    run._scalar_summaries = cached
    return cached


def run_scalar_value(run, key: str, qual: str = "last", cache: Any = None) -> Any:
    """A run's scalar `key` (`tag` or `prefix#tag`) summarized by `qual` (filters, sorting)."""
    return scalar_value(cached_run_scalars(run, cache), key, qual)


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
