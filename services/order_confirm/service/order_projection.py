"""The order projection: the operator-safe copy of the shop's order, written from an `OrderSnapshot`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select

from contracts.orders import OrderSnapshot
from services.common.money import from_minor, to_minor
from services.order_confirm.models import Order, OrderItem


def projection_fields(snapshot: OrderSnapshot) -> dict[str, Any]:
    """Order columns as the snapshot states them (money in minor units of the order's currency)."""
    delivery, payment = snapshot.delivery, snapshot.payment
    return {
        "urgent": delivery.method.is_urgent,
        "delivery_method": delivery.method.value,
        "delivery_address": delivery.address,
        "delivery_city": delivery.city,
        "delivery_postcode": delivery.postcode,
        "delivery_date": delivery.requested_date,
        "delivery_slot": delivery.slot,
        "payment_method": payment.method,
        "payment_status": payment.status,
        "total_minor": to_minor(snapshot.total, snapshot.currency),
        "currency": snapshot.currency,
        "comment": snapshot.comment,
        "content_hash": snapshot.content_hash,
        "shop_created_at": snapshot.created_at,
    }


def item_rows(snapshot: OrderSnapshot) -> list[dict[str, Any]]:
    return [
        {
            "position": position,
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "unit_price_minor": to_minor(item.unit_price, snapshot.currency),
        }
        for position, item in enumerate(snapshot.items, start=1)
    ]


def new_order(snapshot: OrderSnapshot, *, tenant_id: int, customer_id: int, status: str, now: datetime) -> Order:
    return Order(
        tenant_id=tenant_id,
        customer_id=customer_id,
        external_id=snapshot.external_id,
        source=snapshot.source,
        source_ref=snapshot.source_ref,
        status=status,
        received_at=now,
        updated_at=now,
        **projection_fields(snapshot),
    )


def write_items(session: Session, order: Order, snapshot: OrderSnapshot, *, fresh: bool = False) -> None:
    """Replace the order's items; `fresh` for an order inserted in this transaction, which has none yet."""
    assert order.id is not None
    if not fresh:
        session.exec(delete(OrderItem).where(col(OrderItem.order_id) == order.id))
    for row in item_rows(snapshot):
        session.add(OrderItem(tenant_id=order.tenant_id, order_id=order.id, **row))


def apply_snapshot(session: Session, order: Order, snapshot: OrderSnapshot, *, now: datetime) -> list[str]:
    """Overwrite the projection; returns the names of what changed (for the timeline and the audit log)."""
    changed = [name for name, value in projection_fields(snapshot).items() if getattr(order, name) != value]
    if item_rows(snapshot) != current_items(session, order):
        changed.append("items")
        write_items(session, order, snapshot)
    for name, value in projection_fields(snapshot).items():
        setattr(order, name, value)
    order.source, order.source_ref = snapshot.source, snapshot.source_ref
    order.updated_at = now
    visible = [name for name in changed if name not in ("content_hash", "shop_created_at")]
    if visible:
        order.version += 1
    session.add(order)
    return visible


def current_items(session: Session, order: Order) -> list[dict[str, Any]]:
    items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.position)))
    return [
        {
            "position": item.position,
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "unit_price_minor": item.unit_price_minor,
        }
        for item in items
    ]


def summary(order: Order) -> dict[str, Any]:
    """What the audit log keeps of an order version."""
    return {
        "status": order.status,
        "delivery_method": order.delivery_method,
        "total": str(from_minor(order.total_minor, order.currency)),
        "currency": order.currency,
        "version": order.version,
    }
