"""SMS texts notify sent (or put in the sandbox outbox), and per-tenant wording of each template."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from services.common.types import utc_field
from services.notify.tables import NotifyModel


class SmsMessage(NotifyModel, table=True):
    __tablename__ = "sms_messages"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64, index=True)
    sms_ref: str = Field(max_length=64, unique=True)  # the requester's idempotency key
    to: str = Field(max_length=20)
    template: str = Field(max_length=40)
    language: str = Field(max_length=5)
    body: str = Field(sa_type=Text)
    sandbox: bool = False  # no Twilio credentials: shown on /notify/sandbox/sms instead of sent
    status: str = Field(max_length=20)  # Twilio MessageStatus: queued | sent | delivered | undelivered | failed
    message_sid: str | None = Field(default=None, max_length=64, unique=True)
    error_code: str | None = Field(default=None, max_length=20)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class SmsTemplate(NotifyModel, table=True):
    """A tenant's own wording of a template in one language (else the built-in text is used)."""

    __tablename__ = "sms_templates"
    __table_args__ = (UniqueConstraint("tenant", "template", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    template: str = Field(max_length=40)
    language: str = Field(max_length=5)
    body: str = Field(max_length=1000)
    updated_at: datetime = utc_field()
