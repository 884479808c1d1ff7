"""QA works in the tenant's local weeks, Monday to Sunday: a sample is drawn per week, reports group by it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.common.problems import Unprocessable
from services.order_confirm.domain.report_periods import local_midnight


class NotAMonday(Unprocessable):
    code, title = "week_not_monday", "A week is named by its Monday"


@dataclass(frozen=True)
class Week:
    monday: date
    start: datetime  # UTC, inclusive: local Monday 00:00
    end: datetime  # UTC, exclusive: the next local Monday 00:00

    @property
    def label(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_of(monday: date, tz: ZoneInfo) -> Week:
    if monday.weekday() != 0:
        raise NotAMonday(f"{monday} is a {monday.strftime('%A')}; name a week by its Monday, e.g. {monday_of(monday)}.")
    return Week(monday, local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz))


def current_week(now: datetime, tz: ZoneInfo) -> Week:
    return week_of(monday_of(now.astimezone(tz).date()), tz)


def last_finished_week(now: datetime, tz: ZoneInfo) -> Week:
    """The latest week that has ended in the tenant's timezone (last week, on any day of this one)."""
    return week_of(current_week(now, tz).monday - timedelta(days=7), tz)
