"""A tenant's survey rules: its `survey_rules` row, or the `OKNO_NOTIFY_SURVEY_*` defaults."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session

from services.notify.settings import NotifySettings
from services.notify.surveys.domain.rules import (
    CallingWindow,
    OutsideWindow,
    SurveyPolicy,
    minute_of_day,
    parse_clock_time,
    time_of_minute,
)
from services.notify.surveys.models import SurveyRules


class SurveyRulesBody(BaseModel):
    """The admin's view of a tenant's rules (`PUT /survey-rules/{tenant}`)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    delay_seconds: int = Field(120, ge=0, le=7 * 24 * 3600)
    window_start: str = Field("09:00", examples=["09:00"])
    window_end: str = Field("21:00", examples=["21:00"])
    outside_window: OutsideWindow = OutsideWindow.WAIT
    min_days_between: int = Field(7, ge=0, le=365)
    ask_callback: bool = True

    @field_validator("window_start", "window_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        parse_clock_time(value)  # raises ValueError -> a 422 naming the field
        return value

    @model_validator(mode="after")
    def _window_not_empty(self) -> SurveyRulesBody:
        if parse_clock_time(self.window_start) == parse_clock_time(self.window_end):
            raise ValueError("window_start and window_end must differ (the window would be empty)")
        return self


def defaults(settings: NotifySettings) -> SurveyRulesBody:
    return SurveyRulesBody(
        enabled=settings.survey_enabled,
        delay_seconds=settings.survey_delay_seconds,
        window_start=settings.survey_window_start,
        window_end=settings.survey_window_end,
        outside_window=OutsideWindow(settings.survey_outside_window),
        min_days_between=settings.survey_min_days_between,
        ask_callback=settings.survey_ask_callback,
    )


def rules_of(session: Session, tenant: str, settings: NotifySettings) -> SurveyRulesBody:
    row = session.get(SurveyRules, tenant)
    if row is None:
        return defaults(settings)
    return SurveyRulesBody(
        enabled=row.enabled,
        delay_seconds=row.delay_seconds,
        window_start=_clock(row.window_start_minute),
        window_end=_clock(row.window_end_minute),
        outside_window=OutsideWindow(row.outside_window),
        min_days_between=row.min_days_between,
        ask_callback=row.ask_callback,
    )


def policy_of(rules: SurveyRulesBody) -> SurveyPolicy:
    return SurveyPolicy(
        enabled=rules.enabled,
        delay=timedelta(seconds=rules.delay_seconds),
        window=CallingWindow(parse_clock_time(rules.window_start), parse_clock_time(rules.window_end)),
        outside_window=rules.outside_window,
        min_days_between=rules.min_days_between,
        ask_callback=rules.ask_callback,
    )


def save_rules(session: Session, tenant: str, rules: SurveyRulesBody, *, now: datetime) -> SurveyRulesBody:
    row = session.get(SurveyRules, tenant) or SurveyRules(
        tenant=tenant,
        delay_seconds=0,
        window_start_minute=0,
        window_end_minute=0,
        outside_window=OutsideWindow.WAIT.value,
        min_days_between=0,
        updated_at=now,
    )
    row.enabled = rules.enabled
    row.delay_seconds = rules.delay_seconds
    row.window_start_minute = minute_of_day(parse_clock_time(rules.window_start))
    row.window_end_minute = minute_of_day(parse_clock_time(rules.window_end))
    row.outside_window = rules.outside_window.value
    row.min_days_between = rules.min_days_between
    row.ask_callback = rules.ask_callback
    row.updated_at = now
    session.add(row)
    session.flush()
    return rules


def _clock(minute: int) -> str:
    value = time_of_minute(minute)
    return "24:00" if minute >= 24 * 60 else value.strftime("%H:%M")
