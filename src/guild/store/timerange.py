"""The `--started RANGE` grammar (runs.md §6.4): text -> `(start, end)` local naive datetimes.

A run matches when its start time (whole seconds, local time) is `>= start` (if set) and
`< end` (if set). Reference quirks kept: `last` accepts only minute/hour/day, and month ranges
end at 00:00 of the month's last day."""

from __future__ import annotations

import datetime as dt
import re

Range = tuple["dt.datetime | None", "dt.datetime | None"]


class RangeError(ValueError):
    """An invalid RANGE; str() is the detail shown after `invalid RANGE: `."""


_UNITS = {
    "minute": "minute", "minutes": "minute", "min": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour",
    "day": "day", "days": "day",
    "week": "week", "weeks": "week",
    "month": "month", "months": "month",
    "year": "year", "years": "year",
}
_KEYWORDS = {"today", "yesterday", "this", "ago", "before", "after", "last", "between", "and"}

_TOKEN_RE = re.compile(
    r"(?P<date>\d{4}-\d{1,2}-\d{1,2}|\d{2}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2})"
    r"|(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
    r"|(?P<number>\d+)"
    r"|(?P<word>[a-z]+)"
)


class _Tok:
    __slots__ = ("kind", "value", "text", "pos")

    def __init__(self, kind: str, value, text: str, pos: int):
        self.kind, self.value, self.text, self.pos = kind, value, text, pos


def _lex(spec: str) -> list[_Tok]:
    text = spec.lower()
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos] in " \t":
            pos += 1
            continue
        m = _TOKEN_RE.match(text, pos)
        if not m or (m.lastgroup == "word" and m.group() not in _KEYWORDS and m.group() not in _UNITS):
            raise RangeError(f"unexpected '{spec[pos:]}' at position {pos}")
        word = m.group()
        kind = m.lastgroup or ""
        value: object = word
        if kind == "word":
            if word in _UNITS:
                kind, value = "unit", _UNITS[word]
            else:
                kind = word
        elif kind == "number":
            value = int(word)
        toks.append(_Tok(kind, value, spec[pos:m.end()], pos))
        pos = m.end()
    return toks


class _Parser:
    def __init__(self, toks: list[_Tok], now: dt.datetime):
        self.toks = toks
        self.i = 0
        self.now = now

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, *kinds: str) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise RangeError("unexpected end of range")
        if kinds and tok.kind not in kinds:
            raise RangeError(f"unexpected '{tok.text}' at pos {tok.pos}")
        self.i += 1
        return tok

    def spec(self) -> Range:
        tok = self.peek()
        if tok is None:
            raise RangeError("unexpected end of range")
        if tok.kind == "between":
            self.take()
            a = self.range_()
            self.take("and")
            b = self.range_()
            result = _between(a, b)
        elif tok.kind == "last":
            result = self.last()
        elif tok.kind in ("before", "after"):
            result = self.operator()
        elif tok.kind in ("date", "time"):
            result = self.datetime_range()
        else:
            result = self.unit_range()
        extra = self.peek()
        if extra is not None:
            raise RangeError(f"unexpected '{extra.text}' at pos {extra.pos}")
        return result

    def range_(self) -> Range:
        tok = self.peek()
        if tok is not None and tok.kind in ("before", "after"):
            return self.operator()
        if tok is not None and tok.kind in ("date", "time"):
            when = self.datetime_()[0]
            return when, when
        return self.unit_range()

    def operator(self) -> Range:
        op = self.take("before", "after").kind
        tok = self.peek()
        if tok is not None and tok.kind in ("date", "time"):
            when = self.datetime_()[0]
            return (None, when) if op == "before" else (when, None)
        start, end = self.unit_range()
        return (None, start) if op == "before" else (end, None)

    def last(self) -> Range:
        self.take("last")
        n = 1
        tok = self.peek()
        if tok is not None and tok.kind == "number":
            n = self.take().value
        unit = self.take("unit")
        if unit.value not in ("minute", "hour", "day"):
            raise RangeError(f"unexpected '{unit.text}' at pos {unit.pos}")
        delta = {"minute": dt.timedelta(minutes=n), "hour": dt.timedelta(hours=n),
                 "day": dt.timedelta(days=n)}[unit.value]
        return self.now - delta, None

    def unit_range(self) -> Range:
        tok = self.take("today", "yesterday", "this", "number")
        if tok.kind == "today":
            return _unit_range(self.now, "day", 0)
        if tok.kind == "yesterday":
            return _unit_range(self.now, "day", 1)
        if tok.kind == "this":
            return _unit_range(self.now, self.take("unit").value, 0)
        unit = self.take("unit").value
        self.take("ago")
        return _unit_range(self.now, unit, tok.value)

    def datetime_(self) -> tuple[dt.datetime, dt.timedelta]:
        """A datetime and the length of the period it names."""
        tok = self.take("date", "time")
        if tok.kind == "date":
            date = self._date(tok)
            nxt = self.peek()
            if nxt is not None and nxt.kind == "time":
                return self._time(self.take(), date)
            return dt.datetime(date.year, date.month, date.day), dt.timedelta(days=1)
        return self._time(tok, self.now.date())

    def datetime_range(self) -> Range:
        start, length = self.datetime_()
        return start, start + length

    def _date(self, tok: _Tok) -> dt.date:
        parts = [int(p) for p in tok.value.split("-")]
        if len(parts) == 2:
            year, (month, day) = self.now.year, parts
        else:
            year, month, day = parts
            if len(tok.value.split("-")[0]) == 2:
                year += self.now.year // 100 * 100
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise RangeError(f"invalid date '{tok.text}' at pos {tok.pos}") from None

    def _time(self, tok: _Tok, date: dt.date) -> tuple[dt.datetime, dt.timedelta]:
        parts = [int(p) for p in tok.value.split(":")]
        try:
            when = dt.datetime(date.year, date.month, date.day, *parts)
        except ValueError:
            raise RangeError(f"invalid time '{tok.text}' at pos {tok.pos}") from None
        return when, dt.timedelta(seconds=1) if len(parts) == 3 else dt.timedelta(minutes=1)


def _between(a: Range, b: Range) -> Range:
    a_start = a[0] or dt.datetime.min
    b_start = b[0] or dt.datetime.min
    return (a[0], b[1]) if a_start < b_start else (b[0], a[1])


def _unit_range(now: dt.datetime, unit: str, ago: int) -> Range:
    if unit == "minute":
        start = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=ago)
        return start, start + dt.timedelta(minutes=1)
    if unit == "hour":
        start = now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=ago)
        return start, start + dt.timedelta(hours=1)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        start = midnight - dt.timedelta(days=ago)
        return start, start + dt.timedelta(days=1)
    if unit == "week":
        start = midnight - dt.timedelta(days=now.weekday() + 7 * ago)
        return start, start + dt.timedelta(days=7)
    if unit == "month":
        months = now.year * 12 + now.month - 1 - ago
        start = dt.datetime(months // 12, months % 12 + 1, 1)
        nxt = months + 1
        last_day = dt.datetime(nxt // 12, nxt % 12 + 1, 1) - dt.timedelta(days=1)
        return start, last_day
    start = dt.datetime(now.year - ago, 1, 1)
    return start, dt.datetime(now.year - ago + 1, 1, 1)


def parse(spec: str, now: dt.datetime | None = None) -> Range:
    """The `[start, end)` range `spec` names; `now` defaults to the local time."""
    now = now or dt.datetime.now()
    try:
        return _Parser(_lex(spec), now).spec()
    except RangeError:
        raise
    except (OverflowError, ValueError):  # e.g. `9999 years ago`
        raise RangeError("date out of range") from None
