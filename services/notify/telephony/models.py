"""notify's telephony tables (docs/telephony.md): the routing projection and the calls notify carries.

The projection (`voice_tenants`, `voice_numbers`, `voice_presence`, `voice_covers`, `voice_customers`) is fed
by order_confirm's messages (contracts/telephony.py) and keeps the highest `revision` of each row, so a live
call is routed from these tables alone. `tenant_id` is the tenant's slug, as in every message envelope and in
the internal URLs (`/internal/v1/tenants/{tenant}/telephony`).

The call tables hold what notify itself knows: one `voice_calls` row per call (all its legs), every operator
it rang (`voice_call_offers`), every provider callback applied (`voice_call_events`, idempotency by
(CallSid, event)) and the recordings. Column names are a contract shared by the telephony modules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.notify.tables import NotifyModel

TENANT = 64  # a tenant slug
E164_LENGTH = 16
UUID_LENGTH = 36
SID_LENGTH = 64


def _revision() -> Any:
    # Microsecond timestamps do not fit an INTEGER; revisions only grow.
    return Field(default=0, sa_type=BigInteger, nullable=False)


# --- the routing projection (order_confirm -> notify) -------------------------------------------------------


class VoiceTenant(NotifyModel, table=True):
    """A tenant's telephony settings: the whole `TelephonySettingsChanged` payload of the highest revision."""

    __tablename__ = "voice_tenants"

    tenant_id: str = Field(max_length=TENANT, primary_key=True)
    revision: int = _revision()
    settings: dict[str, Any] = json_field()
    updated_at: datetime = utc_field()


class VoiceNumber(NotifyModel, table=True):
    """A shop number → its tenant (rebuilt from the tenant's `numbers` on each settings change)."""

    __tablename__ = "voice_numbers"

    number: str = Field(max_length=E164_LENGTH, primary_key=True)
    tenant_id: str = Field(max_length=TENANT, index=True)


class VoicePresence(NotifyModel, table=True):
    """One operator as one tenant's routing sees them."""

    __tablename__ = "voice_presence"

    tenant_id: str = Field(max_length=TENANT, primary_key=True)
    operator_id: int = Field(primary_key=True, sa_type=BigInteger)
    revision: int = _revision()
    status: str = Field(max_length=10)  # contracts.telephony.PresenceStatus
    member: bool = True
    display_name: str = Field(max_length=200)
    line: str = Field(default="browser", max_length=10)  # contracts.telephony.OperatorLine
    phone_number: str | None = Field(default=None, max_length=E164_LENGTH)
    # Set when one of notify's calls on this operator's line ends: "idle longest" spreads calls evenly.
    last_call_ended_at: datetime | None = utc_field(nullable=True, default=None)
    updated_at: datetime = utc_field()


class VoiceCover(NotifyModel, table=True):
    __tablename__ = "voice_covers"

    tenant_id: str = Field(max_length=TENANT, primary_key=True)
    owner_id: int = Field(primary_key=True, sa_type=BigInteger)
    cover_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    revision: int = _revision()


class VoiceCustomer(NotifyModel, table=True):
    __tablename__ = "voice_customers"
    __table_args__ = (Index("ix_voice_customers_phone", "tenant_id", "phone"),)

    tenant_id: str = Field(max_length=TENANT, primary_key=True)
    customer_id: int = Field(primary_key=True, sa_type=BigInteger)
    phone: str | None = Field(default=None, max_length=E164_LENGTH)
    owner_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    revision: int = _revision()


# --- calls ----------------------------------------------------------------------------------------------


class VoiceCall(NotifyModel, table=True):
    """One call, all its legs. Every change goes through `telephony.facts.publish_call_updated`."""

    __tablename__ = "voice_calls"
    __table_args__ = (
        Index("ix_voice_calls_tenant_state", "tenant_id", "state"),
        Index("ix_voice_calls_operator_state", "operator_id", "state"),
    )

    id: str = Field(max_length=UUID_LENGTH, primary_key=True)
    tenant_id: str = Field(max_length=TENANT)
    direction: str = Field(max_length=10)  # contracts.telephony.CallDirection
    state: str = Field(max_length=12)  # contracts.telephony.CallState
    revision: int = _revision()
    line_number: str | None = Field(default=None, max_length=E164_LENGTH)
    customer_number: str | None = Field(default=None, max_length=32)
    customer_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    order_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    attempt_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    operator_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    owner_id: int | None = Field(default=None, sa_type=BigInteger, nullable=True)
    answered_role: str | None = Field(default=None, max_length=10)  # contracts.telephony.AnsweredRole
    operator_line: str | None = Field(default=None, max_length=10)
    operator_phone: str | None = Field(default=None, max_length=E164_LENGTH)
    provider_call_sid: str | None = Field(default=None, max_length=SID_LENGTH, unique=True)  # customer/parent leg
    operator_call_sid: str | None = Field(default=None, max_length=SID_LENGTH)
    offered_at: datetime = utc_field()
    ringing_at: datetime | None = utc_field(nullable=True, default=None)
    answered_at: datetime | None = utc_field(nullable=True, default=None)
    ended_at: datetime | None = utc_field(nullable=True, default=None)
    hold_started_at: datetime | None = utc_field(nullable=True, default=None)
    hold_seconds: int = 0
    outcome: str | None = Field(default=None, max_length=24)  # contracts.telephony.CallOutcome
    abandoned: bool = False
    short_abandon: bool = False
    on_hold: bool = False
    connect_before: datetime | None = utc_field(nullable=True, default=None)  # outbound browser leg's deadline
    error_code: str | None = Field(default=None, max_length=40)
    queue_entered_at: datetime | None = utc_field(nullable=True, default=None)  # inbound: FIFO across callers
    updated_at: datetime = utc_field()


class VoiceCallOffer(NotifyModel, table=True):
    """One operator's phone rang for a call. An open offer (`ended_at` NULL) keeps the operator's line busy."""

    __tablename__ = "voice_call_offers"
    __table_args__ = (Index("ix_voice_call_offers_operator_open", "operator_id", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(
        sa_column=Column(String(UUID_LENGTH), ForeignKey("voice_calls.id"), nullable=False, index=True)
    )
    tenant_id: str = Field(max_length=TENANT)
    operator_id: int = Field(sa_type=BigInteger)
    role: str = Field(max_length=10)  # contracts.telephony.AnsweredRole
    offered_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True, default=None)
    result: str | None = Field(default=None, max_length=12)  # contracts.telephony.OfferResult
    provider_call_sid: str | None = Field(default=None, max_length=SID_LENGTH)


class VoiceCallEvent(NotifyModel, table=True):
    """One provider callback applied: a retry of the same (CallSid, event) finds its row and changes nothing."""

    __tablename__ = "voice_call_events"

    call_sid: str = Field(max_length=SID_LENGTH, primary_key=True)
    event: str = Field(max_length=40, primary_key=True)
    received_at: datetime = utc_field()


class VoiceRecording(NotifyModel, table=True):
    __tablename__ = "voice_recordings"

    id: str = Field(max_length=UUID_LENGTH, primary_key=True)
    call_id: str = Field(
        sa_column=Column(String(UUID_LENGTH), ForeignKey("voice_calls.id"), nullable=False, index=True)
    )
    tenant_id: str = Field(max_length=TENANT)
    provider_sid: str = Field(max_length=SID_LENGTH, unique=True)  # RE…
    status: str = Field(max_length=20)
    duration_seconds: int = 0
    channels: int = 1
    started_at: datetime | None = utc_field(nullable=True, default=None)
    recorded_at: datetime = utc_field()
    delete_after: datetime = utc_field(index=True)
    deleted_at: datetime | None = utc_field(nullable=True, default=None)
    deleted_reason: str | None = Field(default=None, max_length=20)  # retention | requested
