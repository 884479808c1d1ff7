"""Outcome messages as order_confirm sends them, delivered to integrations' real consumers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from contracts.envelope import Envelope
from contracts.orders import (
    DeliverySnapshot,
    ItemChange,
    OrderCancelled,
    OrderChanged,
    OrderConfirmed,
    OrderItemSnapshot,
)
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.delivery_sender import send_due
from tests.erp.conftest import TENANT

AT = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


def deliver(runtime: IntegrationsRuntime, message_type: str, payload: BaseModel, *, times: int = 1) -> str:
    """Hand one message to the integrations actor `times` times (as a broker redelivering it would)."""
    envelope = Envelope[Any](message_type=message_type, tenant=TENANT, occurred_at=AT, payload=payload)
    actor = runtime.broker.actors[f"integrations.{message_type}"]
    for _ in range(times):
        actor.fn(envelope.model_dump_json())
    return str(envelope.message_id)


def send_everything_due(runtime: IntegrationsRuntime, *, rounds: int = 20) -> int:
    sent = 0
    for _ in range(rounds):
        batch = send_due(runtime)
        if not batch:
            break
        sent += batch
    return sent


def confirmed(external_id: str, *, source: str = "erp", comment: str | None = None) -> OrderConfirmed:
    return OrderConfirmed(
        order_id=1,
        external_id=external_id,
        source=source,
        status="confirmed",
        operator_login="ivanova",
        comment=comment,
        confirmed_at=AT,
    )


def cancelled(external_id: str) -> OrderCancelled:
    return OrderCancelled(
        order_id=2,
        external_id=external_id,
        source="erp",
        status="cancelled",
        operator_login="ivanova",
        comment="передумал",
        reason_code="customer_refused",
        cancelled_at=AT,
    )


def changed(external_id: str, sku: str, *, before: int, after: int, new_date: dt.date) -> OrderChanged:
    return OrderChanged(
        order_id=1,
        external_id=external_id,
        source="erp",
        status="pending",
        operator_login="ivanova",
        comment="клиент просит позже",
        delivery=DeliverySnapshot(method="courier", address="г. Москва, ул. Новая, д. 1", requested_date=new_date),
        items=[OrderItemSnapshot(sku=sku, name="Товар", quantity=after, unit_price=Decimal("100.00"))],
        item_changes=[ItemChange(sku=sku, quantity_before=before, quantity_after=after)],
        changed_fields=["delivery_date", "delivery_address", "items"],
        total=Decimal("100.00"),
        currency="RUB",
    )
