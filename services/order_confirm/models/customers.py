"""Customers (identity = tenant + phone), their one owner, notes and the timeline the next shift reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field

from services.common.types import json_field, utc_field
from services.order_confirm.models.base import OrderConfirmModel


class Customer(OrderConfirmModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("tenant_id", "phone_key"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    # E.164 when the phone parses, else "raw:<digits>" so a bad number still identifies one customer.
    phone_key: str = Field(max_length=64)
    phone_e164: str | None = Field(default=None, max_length=20)
    phone_raw: str = Field(max_length=64)
    bad_phone: bool = False
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    timezone: str = Field(max_length=64)
    owner_id: int | None = Field(default=None, foreign_key="operators.id", index=True)  # None = unassigned pool
    owner_assigned_at: datetime | None = utc_field(nullable=True, default=None)
    # Maintained by database triggers (migration "active_customer_counters"), never written by the code:
    # open orders of this customer; with `owner_id` it feeds the owner's `Operator.active_customers`.
    open_orders: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    survey_opt_out: bool = False
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class Note(OrderConfirmModel, table=True):
    __tablename__ = "notes"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id")
    author_id: int | None = Field(default=None, foreign_key="operators.id")
    text: str = Field(sa_type=Text)
    created_at: datetime = utc_field()


class TimelineEvent(OrderConfirmModel, table=True):
    """One line of a customer's history: order arrived, attempt, change, note, payment, rating, shop change."""

    __tablename__ = "timeline_events"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenants.id", index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    kind: str = Field(max_length=50)
    # The fact: what domain/timeline_text.py needs to tell the line in the reader's language.
    params: dict[str, Any] = json_field(default_factory=dict)
    summary: str = Field(max_length=500)  # the line in English when written (rows from before facts: as written)
    details: dict[str, Any] = json_field(default_factory=dict)
    actor_id: int | None = Field(default=None, foreign_key="operators.id")
    occurred_at: datetime = utc_field(index=True)
