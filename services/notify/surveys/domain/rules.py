"""When (and whether) a customer is surveyed after a conversation with an operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.notify.surveys.domain.status import SkipReason


class OutsideWindow(StrEnum):
    WAIT = "wait"
    SKIP = "skip"


@dataclass(frozen=True)
class CallingWindow:
    """Allowed local hours, `[start, end)`; `end <= start` means the window runs past midnight."""

    start: time
    end: time

    def contains(self, local: datetime) -> bool:
        moment = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def next_opening(self, local: datetime) -> datetime:
        """The first moment at or after `local` inside the window (same timezone as `local`)."""
        if self.contains(local):
            return local
        opening = local.replace(hour=self.start.hour, minute=self.start.minute, second=0, microsecond=0)
        return opening if opening > local else opening + timedelta(days=1)


@dataclass(frozen=True)
class SurveyPolicy:
    enabled: bool
    delay: timedelta
    window: CallingWindow
    outside_window: OutsideWindow
    min_days_between: int
    ask_callback: bool


@dataclass(frozen=True)
class Conversation:
    """The facts of the operator's call that the rules look at."""

    ended_at: datetime
    reached_customer: bool
    disposition: str
    opted_out: bool
    timezone: ZoneInfo


@dataclass(frozen=True)
class Decision:
    due_at: datetime | None  # None = skipped
    skip_reason: SkipReason | None = None


def decide(policy: SurveyPolicy, call: Conversation, last_survey_at: datetime | None, now: datetime) -> Decision:
    """Schedule a survey call (delay, then the customer's calling window) or say why not."""
    if not policy.enabled:
        return Decision(None, SkipReason.DISABLED)
    if call.disposition == "wrong_number":
        return Decision(None, SkipReason.WRONG_NUMBER)
    if not call.reached_customer:
        return Decision(None, SkipReason.NO_CONVERSATION)
    if call.opted_out:
        return Decision(None, SkipReason.OPTED_OUT)
    if last_survey_at is not None and now - last_survey_at < timedelta(days=policy.min_days_between):
        return Decision(None, SkipReason.RECENTLY_SURVEYED)
    return place_in_window(policy, max(call.ended_at + policy.delay, now), call.timezone)


def place_in_window(policy: SurveyPolicy, candidate: datetime, tz: ZoneInfo) -> Decision:
    """Keep `candidate` inside the customer's calling hours: wait for the window, or skip, per policy."""
    local = candidate.astimezone(tz)
    if policy.window.contains(local):
        return Decision(candidate)
    if policy.outside_window is OutsideWindow.SKIP:
        return Decision(None, SkipReason.OUTSIDE_CALLING_HOURS)
    return Decision(policy.window.next_opening(local).astimezone(candidate.tzinfo))


def parse_clock_time(value: str) -> time:
    """`"09:00"` -> 09:00; `"24:00"` is the end of the day."""
    hours, _, minutes = value.strip().partition(":")
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"not a clock time: {value!r}")
    return time.max if h == 24 else time(h, m)


def minute_of_day(value: time) -> int:
    return 24 * 60 if value == time.max else value.hour * 60 + value.minute


def time_of_minute(minute: int) -> time:
    return time.max if minute >= 24 * 60 else time(minute // 60, minute % 60)
