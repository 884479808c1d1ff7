"""Pushes of outcomes to the outside (the ERP, the shop's webhook URL): one row per message and target.

A delivery carries its own retry state (next attempt, retry budget, claim) so a scheduler sweep drives
retries with backoff; every attempt is logged; a delivery past its budget is a dead letter until replayed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field

from services.common.encryption import sealed_field
from services.common.types import json_field, utc_field
from services.integrations.models.base import SERVICE, IntegrationsModel


class ShopWebhookEndpoint(IntegrationsModel, table=True):
    """Where a tenant without an ERP wants its outcome events, and the secret they are signed with."""

    __tablename__ = "shop_webhook_endpoints"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64, unique=True)
    url: str = Field(max_length=1000)
    secret: str = sealed_field(SERVICE)  # "whsec_" + base64 key (Standard Webhooks), sealed at rest
    events: list[str] = json_field(default_factory=list)  # empty = every event
    enabled: bool = True
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class Delivery(IntegrationsModel, table=True):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("message_id", "target"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_document", "tenant", "target", "document_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(max_length=64)
    target: str = Field(max_length=20)  # "erp" | "webhook"
    message_id: str = Field(max_length=36)  # the idempotency key of every attempt
    message_type: str = Field(max_length=100)
    event_type: str = Field(max_length=60)  # the public name: order.confirmed, payment.succeeded, …
    document_key: str = Field(max_length=128)  # deliveries of one document go out in order
    payload: dict[str, Any] = json_field()
    status: str = Field(max_length=20, default="pending")  # pending | delivered | dead
    attempts: int = 0
    next_attempt_at: datetime = utc_field()
    claimed_until: datetime | None = utc_field(nullable=True, default=None)
    budget_started_at: datetime = utc_field()
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = utc_field()
    delivered_at: datetime | None = utc_field(nullable=True, default=None)
    dead_at: datetime | None = utc_field(nullable=True, default=None)
    replay_count: int = 0


class DeliveryAttempt(IntegrationsModel, table=True):
    """The delivery log: one line per try, with what the other side answered."""

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id", index=True)
    attempted_at: datetime = utc_field()
    outcome: str = Field(max_length=20)  # delivered | already_applied | retry | rejected
    status_code: int | None = None
    duration_ms: int = 0
    error: str | None = Field(default=None, sa_type=Text)


class EndpointBreaker(IntegrationsModel, table=True):
    """Circuit breaker of one tenant's endpoint: open = its deliveries wait instead of occupying workers."""

    __tablename__ = "endpoint_breakers"

    tenant: str = Field(max_length=64, primary_key=True)
    target: str = Field(max_length=20, primary_key=True)
    consecutive_failures: int = 0
    opened_until: datetime | None = utc_field(nullable=True, default=None)
    times_opened: int = 0
    updated_at: datetime = utc_field()


class SchedulerLease(IntegrationsModel, table=True):
    """A named lease (e.g. `erp_pull:<tenant>`): only its holder runs that job until it expires."""

    __tablename__ = "scheduler_leases"

    name: str = Field(max_length=150, primary_key=True)
    holder: str = Field(max_length=100)
    expires_at: datetime = utc_field()
