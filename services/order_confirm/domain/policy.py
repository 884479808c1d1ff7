"""A tenant's workflow policy, parsed from `Tenant.policy` (JSON). Missing keys take the product defaults.

{
  "retry_steps": ["15m", "1h", "3h", "next_day 10:00"],
  "max_attempts": 5,
  "calling_hours": {"start": "09:00", "end": "21:00"},
  "cover_grace_minutes": 15
}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.order_confirm.domain.calling_hours import CallingHours
from services.order_confirm.domain.retry_policy import DEFAULT_STEPS, After, NextDayAt, RetryPolicy, RetryStep

_DELAY = re.compile(r"^([+-]?\d{1,6})\s*(m|h|d)$")
_NEXT_DAY = re.compile(r"^next_day\s+(\d{1,2}):(\d{2})$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
# A retry further away than this is a typo (`"300d"`), not a plan: the order would sit forgotten.
LONGEST_DELAY = timedelta(days=14)


class InvalidPolicy(ValueError):
    pass


@dataclass(frozen=True)
class WorkflowPolicy:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cover_grace: timedelta = timedelta(minutes=15)

    @property
    def calling_hours(self) -> CallingHours:
        return self.retry.calling_hours


def parse_step(text: str) -> RetryStep:
    """`"15m"`, `"3h"`, `"1d"` (after the unanswered call) or `"next_day 10:00"` (the customer's next day)."""
    if match := _DELAY.match(text.strip()):
        delay = timedelta(**{_UNITS[match[2]]: int(match[1])})
        if delay < timedelta(0):
            raise ValueError(f"{text!r} is a negative delay: a retry cannot come before the unanswered call")
        if delay < timedelta(minutes=1):
            raise ValueError(f"{text!r}: a retry needs a delay of at least 1 minute")
        if delay > LONGEST_DELAY:
            raise ValueError(f"{text!r}: a retry can be at most 14 days after the unanswered call")
        return After(delay)
    if match := _NEXT_DAY.match(text.strip()):
        hour, minute = int(match[1]), int(match[2])
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day")
        return NextDayAt(time(hour, minute))
    raise ValueError(f"{text!r} is not a retry step; use e.g. '15m', '3h', '1d' or 'next_day 10:00'")


def step_text(step: RetryStep) -> str:
    """The canonical spelling of a step (what `parse_step` reads back)."""
    if isinstance(step, NextDayAt):
        return f"next_day {step.at:%H:%M}"
    minutes = int(step.delay.total_seconds() // 60)
    for unit, size in (("d", 24 * 60), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


class _Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: time = time(9, 0)
    end: time = time(21, 0)


class _PolicyDocument(BaseModel):
    model_config = ConfigDict(extra="ignore")  # other areas keep their own keys in the same document
    retry_steps: list[str] | None = Field(default=None, min_length=1, max_length=20)
    max_attempts: int = Field(default=5, ge=1, le=50)
    calling_hours: _Hours = Field(default_factory=_Hours)
    cover_grace_minutes: int = Field(default=15, ge=0, le=24 * 60)

    @field_validator("retry_steps")
    @classmethod
    def _steps_parse(cls, steps: list[str] | None) -> list[str] | None:
        for step in steps or []:
            parse_step(step)
        return steps


def parse_policy(document: dict[str, Any] | None) -> WorkflowPolicy:
    """The tenant's policy; raises InvalidPolicy with a readable reason when the document is wrong."""
    try:
        parsed = _PolicyDocument.model_validate(document or {})
        hours = CallingHours(parsed.calling_hours.start, parsed.calling_hours.end)
    except (ValidationError, ValueError) as error:
        raise InvalidPolicy(str(error)) from None
    steps = tuple(parse_step(step) for step in parsed.retry_steps) if parsed.retry_steps else DEFAULT_STEPS
    return WorkflowPolicy(
        retry=RetryPolicy(steps=steps, max_attempts=parsed.max_attempts, calling_hours=hours),
        cover_grace=timedelta(minutes=parsed.cover_grace_minutes),
    )
