"""The inventory firewall: the shop's order becomes an `OrderSnapshot` by an explicit allow-list.

Every field an operator may see is copied here by name. Nothing is copied by iteration, so stock levels,
cost and purchase prices, warehouse and supplier data, and any field the shop adds tomorrow stay in the
raw payload inside integrations and never reach order_confirm.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from contracts.orders import (
    CustomerSnapshot,
    DeliverySnapshot,
    OrderItemSnapshot,
    OrderSnapshot,
    PaymentSnapshot,
    ShopOrderEvent,
)


def to_snapshot(
    event: ShopOrderEvent,
    *,
    source: Literal["webhook", "erp"],
    source_ref: str,
) -> OrderSnapshot:
    order = event.data
    fields: dict[str, Any] = {
        "external_id": order.external_id,
        "source": source,
        "source_ref": source_ref,
        "event": event.type,
        "created_at": order.created_at,
        "customer": CustomerSnapshot(
            name=order.customer.name,
            phone=order.customer.phone,
            email=order.customer.email,
        ),
        "items": [
            OrderItemSnapshot(sku=item.sku, name=item.name, quantity=item.quantity, unit_price=item.unit_price)
            for item in order.items
        ],
        "delivery": DeliverySnapshot(
            method=order.delivery.method,
            address=order.delivery.address,
            city=order.delivery.city,
            postcode=order.delivery.postcode,
            requested_date=order.delivery.requested_date,
            slot=order.delivery.slot,
        ),
        "payment": PaymentSnapshot(
            method=order.payment.method,
            status=order.payment.status,
            amount=order.payment.amount,
            currency=order.payment.currency,
        ),
        "total": order.total,
        "currency": order.currency,
        "comment": order.comment,
    }
    return OrderSnapshot(content_hash=visible_content_hash(fields), **fields)


def visible_content_hash(fields: dict[str, Any]) -> str:
    """Hash of what an operator sees (not of the raw body): a stock-only change is no change for them."""
    visible = {key: value for key, value in fields.items() if key not in ("source_ref", "event")}
    # One pass: the encoder sorts the keys of the dicts `_plain` returns too, so this is the very text a
    # round trip through plain JSON would give (tests/intake/test_content_hash.py pins the value).
    return canonical_hash(visible)


def canonical_hash(document: Any) -> str:
    """SHA-256 of a JSON document with sorted keys: the same order version always hashes the same."""
    return hashlib.sha256(_dump(document).encode()).hexdigest()


def _dump(document: Any) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    # 1500 and 1500.00 are the same price, and one instant written in two offsets is the same time.
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)
