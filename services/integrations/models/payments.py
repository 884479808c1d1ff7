"""Payments: each tenant's provider setup, payment links, and every provider event seen (deduplicated).

Provider credentials live only here (`PaymentSetup.settings`); order_confirm sees link status and URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from services.common.encryption import sealed_json_field
from services.common.types import json_field, utc_field
from services.integrations.models.base import SERVICE, IntegrationsModel


class PaymentSetup(IntegrationsModel, table=True):
    __tablename__ = "payment_setups"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64, unique=True)
    provider: str = Field(max_length=20)  # "yookassa" | "stripe" | "sandbox"
    settings: dict[str, Any] = sealed_json_field(SERVICE, default_factory=dict)  # keys inside: sealed whole
    link_ttl_minutes: int = 30
    updated_at: datetime = utc_field()


class PaymentLink(IntegrationsModel, table=True):
    """A payment link sent to a customer. At most one is active per order: `active_order_id` is the order id
    while the link is pending/created/sent/opened/paid and NULL afterwards, and it is unique per tenant."""

    __tablename__ = "payment_links"
    __table_args__ = (UniqueConstraint("tenant", "active_order_id"),)

    id: str = Field(max_length=40, primary_key=True)
    tenant: str = Field(max_length=64, index=True)
    order_id: int = Field(index=True)
    external_id: str = Field(max_length=128)
    active_order_id: int | None = None
    status: str = Field(max_length=20)  # "pending" until the provider answers, then contracts.PaymentLinkStatus
    provider: str = Field(max_length=20)
    provider_payment_id: str | None = Field(default=None, max_length=100, index=True)
    idempotence_key: str = Field(max_length=64)
    amount_minor: int
    currency: str = Field(max_length=3)
    url: str | None = Field(default=None, max_length=2000)
    expires_at: datetime = utc_field(index=True)
    slot_id: str | None = Field(default=None, max_length=100)
    slot: dict[str, Any] | None = json_field(nullable=True, default=None)
    slot_held: bool = False
    language: str = Field(max_length=5)
    order: dict[str, Any] = json_field()  # the SameDayOrder it was made for: receipt, SMS, shipment
    sms_ref: str | None = Field(default=None, max_length=64, index=True)
    sms_status: str | None = Field(default=None, max_length=20)
    sms_count: int = 0
    paid_at: datetime | None = utc_field(nullable=True, default=None)
    failure_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class PaymentEvent(IntegrationsModel, table=True):
    """A provider notification, recorded once: a repeated delivery of the same event id changes nothing."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=200)
    event_type: str = Field(max_length=100)
    provider_payment_id: str | None = Field(default=None, max_length=100)
    outcome: str = Field(max_length=30)  # applied | ignored | unknown_payment
    payload: dict[str, Any] = json_field()
    received_at: datetime = utc_field()
