"""The --started RANGE grammar (runs.md §6.4) against a fixed `now`."""

from __future__ import annotations

import datetime as dt

import pytest

from guild.store import timerange

NOW = dt.datetime(2026, 11, 24, 12, 30, 15)  # a Tuesday


def d(*args):
    return dt.datetime(*args)


@pytest.mark.parametrize("spec, expected", [
    ("today", (d(2026, 11, 24), d(2026, 11, 25))),
    ("YESTERDAY", (d(2026, 11, 23), d(2026, 11, 24))),
    ("this minute", (d(2026, 11, 24, 12, 30), d(2026, 11, 24, 12, 31))),
    ("this hr", (d(2026, 11, 24, 12), d(2026, 11, 24, 13))),
    ("this week", (d(2026, 11, 23), d(2026, 11, 30))),
    ("1 week ago", (d(2026, 11, 16), d(2026, 11, 23))),
    ("this month", (d(2026, 11, 1), d(2026, 11, 30))),
    ("2 months ago", (d(2026, 9, 1), d(2026, 9, 30))),
    ("11 months ago", (d(2025, 12, 1), d(2025, 12, 31))),
    ("this year", (d(2026, 1, 1), d(2027, 1, 1))),
    ("3 days ago", (d(2026, 11, 21), d(2026, 11, 22))),
    ("after 2026-11-24 10:00:00", (d(2026, 11, 24, 10), None)),
    ("before 2026-11-24", (None, d(2026, 11, 24))),
    ("after yesterday", (d(2026, 11, 24), None)),
    ("before 1 hour ago", (None, d(2026, 11, 24, 11))),
    ("last 3 days", (d(2026, 11, 21, 12, 30, 15), None)),
    ("last min", (d(2026, 11, 24, 12, 29, 15), None)),
    ("2026-1-5", (d(2026, 1, 5), d(2026, 1, 6))),
    ("26-1-5 9:15", (d(2026, 1, 5, 9, 15), d(2026, 1, 5, 9, 16))),
    ("1-5", (d(2026, 1, 5), d(2026, 1, 6))),
    ("9:15:30", (d(2026, 11, 24, 9, 15, 30), d(2026, 11, 24, 9, 15, 31))),
    ("between 10:00 and 11:00", (d(2026, 11, 24, 10), d(2026, 11, 24, 11))),
    ("between 11:00 and 10:00", (d(2026, 11, 24, 10), d(2026, 11, 24, 11))),
    ("between yesterday and today", (d(2026, 11, 23), d(2026, 11, 25))),
    ("  after\t10:00", (d(2026, 11, 24, 10), None)),
])
def test_ranges(spec, expected):
    assert timerange.parse(spec, NOW) == expected


@pytest.mark.parametrize("spec, detail", [
    ("last week", "unexpected 'week' at pos 5"),
    ("last month", "unexpected 'month' at pos 5"),
    ("foo", "unexpected 'foo' at position 0"),
    ("today foo", "unexpected 'foo' at position 6"),
    ("today today", "unexpected 'today' at pos 6"),
    ("between today", "unexpected end of range"),
])
def test_errors(spec, detail):
    with pytest.raises(timerange.RangeError) as e:
        timerange.parse(spec, NOW)
    assert str(e.value) == detail
