"""The planning grid: 48 half-hour intervals per local day of the tenant.

An instant belongs to the interval its local wall time falls in, so the grid is the same on SQLite and
PostgreSQL and on daylight-saving days (the repeated hour of an autumn change lands in the same two
intervals; the skipped hour of a spring change has no arrivals).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

INTERVAL_MINUTES = 30
INTERVALS_PER_DAY = 24 * 60 // INTERVAL_MINUTES
INTERVAL = timedelta(minutes=INTERVAL_MINUTES)
# The days a plan, a shift or an override may name. Far wider than any planner needs, and far enough inside
# what Python's dates hold that a week's arithmetic around them never overflows (year 1 and 9999 did: 500s).
FIRST_PLANNABLE_DAY = date(2000, 1, 1)
LAST_PLANNABLE_DAY = date(2099, 12, 31)


@dataclass(frozen=True, order=True)
class Interval:
    day: date  # local day
    index: int  # 0 = 00:00–00:30 local … 47 = 23:30–24:00

    @property
    def local_time(self) -> time:
        minutes = self.index * INTERVAL_MINUTES
        return time(minutes // 60, minutes % 60)

    def starts_at(self, tz: ZoneInfo) -> datetime:
        """The interval's start as aware UTC."""
        return datetime.combine(self.day, self.local_time, tzinfo=tz).astimezone(UTC)


def plannable(day: date) -> date:
    """`day` itself, or ValueError when it lies outside the plannable years."""
    if not FIRST_PLANNABLE_DAY <= day <= LAST_PLANNABLE_DAY:
        raise ValueError(f"{day} is outside {FIRST_PLANNABLE_DAY.year}–{LAST_PLANNABLE_DAY.year}")
    return day


def interval_of(instant: datetime, tz: ZoneInfo) -> Interval:
    local = instant.astimezone(tz)
    return Interval(local.date(), (local.hour * 60 + local.minute) // INTERVAL_MINUTES)


def position(interval: Interval, first_day: date) -> int:
    """Index into a flat series that starts at `first_day` 00:00 (48 values per day)."""
    return (interval.day - first_day).days * INTERVALS_PER_DAY + interval.index


def days_from(first_day: date, count: int) -> list[date]:
    return [first_day + timedelta(days=n) for n in range(count)]


def intervals_of_days(first_day: date, count: int) -> Iterator[Interval]:
    for day in days_from(first_day, count):
        for index in range(INTERVALS_PER_DAY):
            yield Interval(day, index)


def count_per_interval(instants: Iterable[datetime], first_day: date, days: int, tz: ZoneInfo) -> list[float]:
    """How many of `instants` fall in each interval of `days` local days from `first_day` (others ignored)."""
    counts = [0.0] * (days * INTERVALS_PER_DAY)
    for instant in instants:
        at = position(interval_of(instant, tz), first_day)
        if 0 <= at < len(counts):
            counts[at] += 1
    return counts


def index_of_time(value: time) -> int:
    """The interval a local wall time starts in; raises ValueError when it is not on the half-hour grid."""
    if value.minute % INTERVAL_MINUTES or value.second or value.microsecond:
        raise ValueError(f"{value.strftime('%H:%M')} is not on the half-hour grid (use :00 or :30)")
    return (value.hour * 60 + value.minute) // INTERVAL_MINUTES
