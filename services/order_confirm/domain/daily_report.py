"""Which local days of a tenant are due a daily report. Pure: the caller passes `now` and the timezone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def days_due(now: datetime, tz: ZoneInfo, *, tenant_since: datetime, ready_hour: int, catch_up_days: int) -> list[date]:
    """The closed local days (oldest first) whose report may be generated now.

    Yesterday becomes due at `ready_hour` local time, once late wrap-ups and survey answers are in. Up to
    `catch_up_days` closed days are offered, so a scheduler that was down over a weekend fills the gap;
    days before the tenant existed never are.
    """
    local_now = now.astimezone(tz)
    last = local_now.date() - timedelta(days=1 if local_now.hour >= ready_hour else 2)
    first = max(last - timedelta(days=catch_up_days - 1), tenant_since.astimezone(tz).date())
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
