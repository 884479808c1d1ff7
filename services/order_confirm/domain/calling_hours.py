"""When a customer may be called: a daily window in the customer's own timezone (default 09:00-21:00)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta


@dataclass(frozen=True)
class CallingHours:
    start: time = time(9, 0)
    end: time = time(21, 0)

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError("calling hours must start before they end on the same day")

    def contains(self, local: datetime) -> bool:
        return self.start <= local.time() < self.end

    def clamp(self, local: datetime) -> datetime:
        """The first moment at or after `local` (aware, in the customer's timezone) inside calling hours."""
        if local.time() < self.start:
            return _at(local, self.start)
        if local.time() >= self.end:
            return _at(local + timedelta(days=1), self.start)
        return local


def _at(day: datetime, moment: time) -> datetime:
    # Built from the date (not by replacing fields) so the UTC offset is right on DST-changing days.
    return datetime.combine(day.date(), moment, tzinfo=day.tzinfo)
