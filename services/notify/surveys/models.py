"""Survey calls: one row per operator call that may be surveyed, its answers, and each Twilio step seen.

A `survey_calls` row is created for every `CallCompleted` (skipped ones too, with the reason), so the
7-day rule, opt-outs and quiet hours are decided from durable state and survive restarts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field

from services.common.types import utc_field
from services.notify.tables import NotifyModel


class SurveyRules(NotifyModel, table=True):
    """A tenant's survey rules; a tenant without a row uses the `OKNO_NOTIFY_SURVEY_*` defaults."""

    __tablename__ = "survey_rules"

    tenant: str = Field(max_length=64, primary_key=True)
    enabled: bool = True
    delay_seconds: int = Field(ge=0)
    window_start_minute: int = Field(ge=0, le=24 * 60)  # minutes after local midnight
    window_end_minute: int = Field(ge=0, le=24 * 60)
    outside_window: str = Field(max_length=10)  # "wait" | "skip"
    min_days_between: int = Field(ge=0)
    ask_callback: bool = True
    updated_at: datetime = utc_field()


class SurveyCall(NotifyModel, table=True):
    __tablename__ = "survey_calls"
    __table_args__ = (
        UniqueConstraint("tenant", "attempt_id"),
        Index("ix_survey_calls_due", "status", "due_at"),
        Index("ix_survey_calls_customer", "tenant", "customer_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    attempt_id: int
    order_id: int
    customer_id: int
    operator_id: int
    phone: str = Field(max_length=20)  # E.164
    timezone: str = Field(max_length=64)
    language: str = Field(max_length=5)
    ask_callback: bool = True
    status: str = Field(max_length=20)  # domain.survey_status.SurveyCallStatus
    skip_reason: str | None = Field(default=None, max_length=40)
    due_at: datetime = utc_field()
    queued_at: datetime | None = utc_field(nullable=True, default=None)
    placed_at: datetime | None = utc_field(nullable=True, default=None)
    placement_attempts: int = 0
    call_sid: str | None = Field(default=None, max_length=64, unique=True)
    call_status: str | None = Field(default=None, max_length=20)  # Twilio's CallStatus, as last reported
    answered_by: str | None = Field(default=None, max_length=30)
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    callback_requested: bool = False
    opted_out: bool = False
    last_error: str | None = Field(default=None, sa_type=Text)
    finished_at: datetime | None = utc_field(nullable=True, default=None)
    reported_at: datetime | None = utc_field(nullable=True, default=None)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class SurveyStep(NotifyModel, table=True):
    """One Twilio webhook applied to a survey call; a retry of the same (CallSid, step) replays `response`."""

    __tablename__ = "survey_steps"
    __table_args__ = (UniqueConstraint("call_sid", "step"),)

    id: int | None = Field(default=None, primary_key=True)
    survey_call_id: int = Field(foreign_key="survey_calls.id", index=True)
    call_sid: str = Field(max_length=64)
    step: str = Field(max_length=40)
    digits: str | None = Field(default=None, max_length=20)
    response: str = Field(sa_type=Text)
    received_at: datetime = utc_field()
