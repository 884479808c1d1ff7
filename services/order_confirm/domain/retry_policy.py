"""When to call again after no answer (or busy, or voicemail), and when to give up.

Default: +15 min, +1 h, +3 h, then next day 10:00 in the customer's time; the 5th unanswered attempt makes
the order unreachable. Every retry is moved into the customer's calling hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.order_confirm.domain.calling_hours import CallingHours


@dataclass(frozen=True)
class After:
    """Retry this long after the unanswered attempt."""

    delay: timedelta


@dataclass(frozen=True)
class NextDayAt:
    """Retry on the customer's next calendar day at this local time."""

    at: time


RetryStep = After | NextDayAt

DEFAULT_STEPS: tuple[RetryStep, ...] = (
    After(timedelta(minutes=15)),
    After(timedelta(hours=1)),
    After(timedelta(hours=3)),
    NextDayAt(time(10, 0)),
)


@dataclass(frozen=True)
class RetryPolicy:
    steps: tuple[RetryStep, ...] = DEFAULT_STEPS
    max_attempts: int = 5
    calling_hours: CallingHours = field(default_factory=CallingHours)

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a retry policy needs at least one step")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


def next_attempt_at(policy: RetryPolicy, attempts_made: int, now: datetime, tz: ZoneInfo) -> datetime | None:
    """When to call again after `attempts_made` attempts (the last one unanswered at `now`); None once the
    policy is exhausted and the order becomes unreachable. The answer is aware UTC."""
    if attempts_made >= policy.max_attempts:
        return None
    step = policy.steps[min(attempts_made - 1, len(policy.steps) - 1)]
    local_now = now.astimezone(tz)
    if isinstance(step, After):
        candidate = (now + step.delay).astimezone(tz)
    else:
        candidate = datetime.combine(local_now.date() + timedelta(days=1), step.at, tzinfo=tz)
    return policy.calling_hours.clamp(candidate).astimezone(now.tzinfo)
