"""Tables of the order_confirm side of telephony.

`inbound_calls` is the one table of inbound call facts (service level, abandonment, the planning forecast
read it); outbound calls live in `outbound_calls` and fill their attempts. Call and recording ids are
notify's UUIDs (as text); no provider SID or URL is ever stored here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, UniqueConstraint, text
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel

CALL_ID_LENGTH = 36  # a UUID's text form
# An operator's live calls (the softphone bar's current call, streams/calls.py): a partial index stays as
# small as the calls in progress, however long each operator's call history grows.
LIVE_CALL = text("state <> 'ended'")


class TelephonySettings(OrderConfirmModel, table=True):
    """A tenant's telephony settings: what notify routes by (sent whole as `telephony_settings.changed`)
    plus the service-level target the reports compare against."""

    __tablename__ = "telephony_settings"

    tenant_id: int = Field(foreign_key="tenants.id", primary_key=True)
    revision: int = Field(sa_type=BigInteger)
    enabled: bool = True
    numbers: list[str] = json_field(default_factory=list)  # E.164; the first is the caller ID
    owner_wait_seconds: int = 15
    cover_wait_seconds: int = 15
    ring_seconds: int = 20
    recording: bool = False
    announcement: bool = True
    announcement_text: str | None = Field(default=None, max_length=500)
    retention_days: int = 90
    service_level_seconds: int = 20
    service_level_target_percent: int = 80
    short_abandon_seconds: int = 5
    callback_offer: bool = True
    max_queue_seconds: int = 600
    hold_music_url: str | None = Field(default=None, max_length=2000)
    updated_at: datetime = utc_field()
    updated_by_id: int | None = Field(default=None, foreign_key="operators.id")


class OperatorLine(OrderConfirmModel, table=True):
    """How an operator takes calls: the browser's softphone, or their own phone ("call my phone first")."""

    __tablename__ = "telephony_lines"

    operator_id: int = Field(foreign_key="operators.id", primary_key=True)
    line: str = Field(max_length=10, default="browser")  # contracts.telephony.OperatorLine
    phone_number: str | None = Field(default=None, max_length=20)  # E.164, needed for line "phone"
    updated_at: datetime = utc_field()


class ProjectionRow(OrderConfirmModel, table=True):
    """What notify was last told about one projected subject, so a change is sent once, with a revision
    that only grows, and a re-publication can resend exactly the same rows."""

    __tablename__ = "telephony_projection"
    __table_args__ = (UniqueConstraint("tenant_id", "kind", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    kind: str = Field(max_length=20)  # "presence" (subject: operator) | "cover" (owner) | "customer"
    subject_id: int
    revision: int = Field(sa_type=BigInteger)
    state: dict[str, Any] = json_field()
    sent_at: datetime = utc_field()


class OutboundCall(OrderConfirmModel, table=True):
    """An operator's call to a customer for one attempt, as notify last reported it."""

    __tablename__ = "outbound_calls"
    __table_args__ = (
        Index("ix_outbound_calls_tenant_offered", "tenant_id", "offered_at"),
        Index("ix_outbound_calls_live_operator", "operator_id", postgresql_where=LIVE_CALL, sqlite_where=LIVE_CALL),
    )

    call_id: str = Field(primary_key=True, max_length=CALL_ID_LENGTH)
    tenant_id: int = Field(foreign_key="tenants.id")
    revision: int = Field(sa_type=BigInteger)
    attempt_id: int | None = Field(default=None, foreign_key="attempts.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    operator_id: int | None = Field(default=None, foreign_key="operators.id", index=True)
    leg: str | None = Field(default=None, max_length=10)
    state: str = Field(max_length=20)
    outcome: str | None = Field(default=None, max_length=30)
    on_hold: bool = False
    offered_at: datetime = utc_field()
    ringing_at: datetime | None = utc_field(nullable=True, default=None)
    answered_at: datetime | None = utc_field(nullable=True, default=None)
    ended_at: datetime | None = utc_field(nullable=True, default=None)
    talk_seconds: int = 0
    hold_seconds: int = 0
    error_code: str | None = Field(default=None, max_length=40)
    updated_at: datetime = utc_field()


class InboundCall(OrderConfirmModel, table=True):
    """The facts of one call a customer made to the shop's number: offered, answered or abandoned, by whom,
    after how long. Service level, abandonment, speed of answer and the planning forecast read this table."""

    __tablename__ = "inbound_calls"
    __table_args__ = (
        Index("ix_inbound_calls_tenant_offered", "tenant_id", "offered_at"),
        Index("ix_inbound_calls_live_operator", "operator_id", postgresql_where=LIVE_CALL, sqlite_where=LIVE_CALL),
    )

    call_id: str = Field(primary_key=True, max_length=CALL_ID_LENGTH)
    tenant_id: int = Field(foreign_key="tenants.id")
    revision: int = Field(sa_type=BigInteger)
    state: str = Field(max_length=20)  # contracts.telephony.CallState
    line_number: str | None = Field(default=None, max_length=20)
    caller_number: str | None = Field(default=None, max_length=32)  # None = withheld
    customer_id: int | None = Field(default=None, foreign_key="customers.id", index=True)  # None = unknown caller
    order_id: int | None = Field(default=None, foreign_key="orders.id")  # attached by the operator
    owner_id: int | None = Field(default=None, foreign_key="operators.id")  # the customer's owner at the time
    operator_id: int | None = Field(default=None, foreign_key="operators.id", index=True)  # who answered
    answered_role: str | None = Field(default=None, max_length=10)  # owner | cover | other
    offered_at: datetime = utc_field()
    answered_at: datetime | None = utc_field(nullable=True, default=None)
    ended_at: datetime | None = utc_field(nullable=True, default=None)
    wait_seconds: int | None = None
    talk_seconds: int = 0
    hold_seconds: int = 0
    outcome: str | None = Field(default=None, max_length=30)  # contracts.telephony.CallOutcome
    abandoned: bool = False
    short_abandon: bool = False
    on_hold: bool = False
    offers: list[dict[str, Any]] = json_field(default_factory=list)
    timeline_event_id: int | None = Field(default=None, foreign_key="timeline_events.id")
    attached_by_id: int | None = Field(default=None, foreign_key="operators.id")
    attached_at: datetime | None = utc_field(nullable=True, default=None)
    updated_at: datetime = utc_field()


class CallRecording(OrderConfirmModel, table=True):
    """A recording of a call, linked to its call and attempt; the audio stays with notify (and Twilio)."""

    __tablename__ = "call_recordings"
    __table_args__ = (Index("ix_call_recordings_tenant_recorded", "tenant_id", "recorded_at"),)

    recording_id: str = Field(primary_key=True, max_length=CALL_ID_LENGTH)
    tenant_id: int = Field(foreign_key="tenants.id")
    call_id: str = Field(max_length=CALL_ID_LENGTH, index=True)
    direction: str | None = Field(default=None, max_length=10)
    attempt_id: int | None = Field(default=None, foreign_key="attempts.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    customer_id: int | None = Field(default=None, foreign_key="customers.id")
    operator_id: int | None = Field(default=None, foreign_key="operators.id")
    duration_seconds: int | None = None
    started_at: datetime | None = utc_field(nullable=True, default=None)
    recorded_at: datetime | None = utc_field(nullable=True, default=None)
    delete_after: datetime | None = utc_field(nullable=True, default=None)
    deleted_at: datetime | None = utc_field(nullable=True, default=None)  # set: gone at notify and Twilio
    deleted_reason: str | None = Field(default=None, max_length=20)


class PhoneCallbackRequest(OrderConfirmModel, table=True):
    """A caller asked (in the voice menu) to be called back: the callback task it opened, once per call."""

    __tablename__ = "phone_callback_requests"

    call_id: str = Field(primary_key=True, max_length=CALL_ID_LENGTH)
    tenant_id: int = Field(foreign_key="tenants.id")
    customer_id: int = Field(foreign_key="customers.id")
    task_id: int = Field(foreign_key="tasks.id", index=True)
    requested_number: str = Field(max_length=20)
    reason: str = Field(max_length=20)
    requested_at: datetime = utc_field()
