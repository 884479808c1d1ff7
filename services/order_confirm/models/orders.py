"""Orders (the operator-safe projection), their items, confirmation tasks and call attempts."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel


class Order(OrderConfirmModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index("ix_orders_tenant_received", "tenant_id", "received_at"),
        Index("ix_orders_tenant_status", "tenant_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    customer_id: int = Field(foreign_key="customers.id", index=True)
    external_id: str = Field(max_length=128)
    source: str = Field(max_length=20)  # "webhook" | "erp"
    source_ref: str = Field(max_length=64)
    status: str = Field(max_length=30)  # domain.vocabulary.OrderStatus
    version: int = 1  # optimistic concurrency: If-Match on PATCH
    urgent: bool = False  # same-day / express: called first
    delivery_method: str = Field(max_length=30)
    delivery_address: str = Field(max_length=500)
    delivery_city: str | None = Field(default=None, max_length=200)
    delivery_postcode: str | None = Field(default=None, max_length=20)
    delivery_date: dt.date | None = None
    delivery_slot: str | None = Field(default=None, max_length=50)
    payment_method: str = Field(max_length=50)
    payment_status: str = Field(max_length=50)
    total_minor: int
    currency: str = Field(max_length=3)
    comment: str | None = Field(default=None, sa_type=Text)
    content_hash: str = Field(max_length=64)
    shop_created_at: datetime = utc_field()
    received_at: datetime = utc_field()
    first_attempt_at: datetime | None = utc_field(nullable=True, default=None)
    attempts_count: int = 0
    # A call on an unreachable order reopens it and the retry policy counts again from here
    # (service/calls.py): attempts_count at the latest reopening.
    attempts_before_reopen: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    closed_at: datetime | None = utc_field(nullable=True, default=None)
    close_reason: str | None = Field(default=None, max_length=50)
    close_comment: str | None = Field(default=None, sa_type=Text)
    updated_at: datetime = utc_field()


class OrderItem(OrderConfirmModel, table=True):
    __tablename__ = "order_items"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    order_id: int = Field(foreign_key="orders.id", index=True)
    position: int
    sku: str = Field(max_length=100)
    name: str = Field(max_length=500)
    quantity: int = Field(ge=0)
    unit_price_minor: int


class Task(OrderConfirmModel, table=True):
    """A unit of operator work on one order: confirm, call back, retry, rearrange delivery, follow up."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_queue", "tenant_id", "assignee_id", "status", "due_at"),
        # The claim's search (service/queue_claim.py): one range per operator, already in claim order.
        # PostgreSQL only: SQLite (the embedded mode) serializes claims anyway and cannot reflect it.
        Index(
            "ix_tasks_claim",
            "assignee_id",
            text("priority DESC"),
            "due_at",
            "id",
            postgresql_where=text("status = 'open'"),
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    kind: str = Field(max_length=30)  # domain.vocabulary.TaskKind
    status: str = Field(max_length=20, default="open")  # domain.vocabulary.TaskStatus
    priority: int = 0  # higher first among equally due tasks
    due_at: datetime = utc_field()
    assignee_id: int | None = Field(default=None, foreign_key="operators.id")  # owner, or cover while is_cover
    is_cover: bool = False
    lease_operator_id: int | None = Field(default=None, foreign_key="operators.id")
    lease_expires_at: datetime | None = utc_field(nullable=True, default=None)
    # The claim's idempotency key: a retried claim gets the same task back instead of leasing a second one.
    lease_key: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_field()
    closed_at: datetime | None = utc_field(nullable=True, default=None)


class Attempt(OrderConfirmModel, table=True):
    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_tenant_started", "tenant_id", "started_at"),
        UniqueConstraint("operator_id", "idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id")
    order_id: int = Field(foreign_key="orders.id", index=True)
    task_id: int | None = Field(default=None, foreign_key="tasks.id")
    operator_id: int = Field(foreign_key="operators.id", index=True)
    started_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True, default=None)
    wrap_up_ended_at: datetime | None = utc_field(nullable=True, default=None)
    disposition: str | None = Field(default=None, max_length=30)  # None while the call is in progress
    reason_code: str | None = Field(default=None, max_length=50)
    comment: str | None = Field(default=None, sa_type=Text)
    callback_at: datetime | None = utc_field(nullable=True, default=None)
    next_attempt_at: datetime | None = utc_field(nullable=True, default=None)
    # Survey results arrive from notify; no API can write them.
    survey_status: str | None = Field(default=None, max_length=30)
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    survey_callback_requested: bool = False
    # The client's Idempotency-Key: a retried POST returns this attempt instead of recording a second one.
    idempotency_key: str | None = Field(default=None, max_length=64)
    # A call carried by Okno's telephony (notify's call_id): then started/answered/ended and talk/hold time
    # come from the call's facts, not from buttons (services/order_confirm/telephony/facts.py).
    call_id: str | None = Field(default=None, max_length=36, index=True)
    answered_at: datetime | None = utc_field(nullable=True, default=None)
    talk_seconds: int | None = None
    hold_seconds: int | None = None
    # When `call.completed` (which may lead to a survey) was sent: after the disposition and the real end.
    completion_sent_at: datetime | None = utc_field(nullable=True, default=None)


class AuditEntry(OrderConfirmModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_tenant_time", "tenant_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int | None = Field(default=None, foreign_key="tenants.id")
    actor_id: int | None = Field(default=None, foreign_key="operators.id")
    actor: str = Field(max_length=100)  # login, or "system:<component>"
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = json_field(nullable=True, default=None)
    after: dict[str, Any] | None = json_field(nullable=True, default=None)
    request_id: str | None = Field(default=None, max_length=64)
    occurred_at: datetime = utc_field()
