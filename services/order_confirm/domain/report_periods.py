"""The periods a report is cut into: local days or local hours of the tenant, as UTC half-open intervals.

Pure: the caller passes the range and the timezone. Buckets are computed here (not with SQL date functions)
so SQLite and PostgreSQL cut the same history identically, daylight-saving days included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.common.problems import Unprocessable


class Grouping(StrEnum):
    DAY = "day"
    HOUR = "hour"
    OPERATOR = "operator"
    TENANT = "tenant"
    TOTAL = "total"

    @property
    def by_time(self) -> bool:
        return self in (Grouping.DAY, Grouping.HOUR)


# Longer ranges would make hourly charts unreadable and the bucket table large; exports by day cover a year.
MAX_DAYS = {Grouping.HOUR: 31, Grouping.DAY: 366, Grouping.OPERATOR: 366, Grouping.TENANT: 366, Grouping.TOTAL: 366}
MAX_HOUR_OF_WEEK_DAYS = 92


class InvalidPeriod(Unprocessable):
    code, title = "invalid_report_period", "The report period is not valid"


@dataclass(frozen=True)
class Bucket:
    index: int
    label: str  # "2026-11-23", "2026-11-23T14:00+03:00" (the offset keeps a repeated DST hour distinct), or "total"
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    hour_of_week: int  # local Monday 00:00 = 0 … Sunday 23:00 = 167 (hourly buckets only)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def check_range(first_day: date, last_day: date, limit_days: int) -> None:
    if last_day < first_day:
        raise InvalidPeriod(f"`to` ({last_day}) is before `from` ({first_day}).")
    days = (last_day - first_day).days + 1
    if days > limit_days:
        raise InvalidPeriod(f"The period has {days} days; at most {limit_days} are allowed for this grouping.")


def buckets(first_day: date, last_day: date, tz: ZoneInfo, grouping: Grouping) -> list[Bucket]:
    """The buckets covering local days `first_day`..`last_day` (inclusive) for this grouping."""
    check_range(first_day, last_day, MAX_DAYS[grouping])
    if grouping is Grouping.DAY:
        days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
        return [
            Bucket(n, day.isoformat(), local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz), -1)
            for n, day in enumerate(days)
        ]
    if grouping is Grouping.HOUR:
        return hours(first_day, last_day, tz)
    start, end = local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz)
    return [Bucket(0, "total", start, end, -1)]


def hours(first_day: date, last_day: date, tz: ZoneInfo) -> list[Bucket]:
    start, end = local_midnight(first_day, tz), local_midnight(last_day + timedelta(days=1), tz)
    result: list[Bucket] = []
    moment = start
    while moment < end:
        local = moment.astimezone(tz)
        label = local.isoformat(timespec="minutes")
        result.append(
            Bucket(len(result), label, moment, moment + timedelta(hours=1), local.weekday() * 24 + local.hour)
        )
        moment += timedelta(hours=1)
    return result


def hour_of_week_buckets(first_day: date, last_day: date, tz: ZoneInfo) -> list[Bucket]:
    check_range(first_day, last_day, MAX_HOUR_OF_WEEK_DAYS)
    return hours(first_day, last_day, tz)
