"""A shop, as the tests and the benchmark see it: builds order webhooks and signs them like a real site."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from services.integrations.domain.signatures import sign

DEMO_SECRET = "whsec_b2tuby1kZW1vLXNlY3JldC1rZXktMDAwMDAwMDA="


def order_body(
    external_id: str,
    *,
    phone: str = "+7 916 123-45-67",
    event: str = "order.created",
    method: str = "courier",
    city: str | None = "Москва",
    quantity: int = 1,
    created_at: str = "2026-11-23T08:30:00+03:00",
    extra_order: dict[str, Any] | None = None,
    extra_item: dict[str, Any] | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"sku": "TEA-01", "name": "Пуэр, 100 г", "quantity": quantity, "unit_price": "750.00"}
    item.update(extra_item or {})
    data: dict[str, Any] = {
        "external_id": external_id,
        "created_at": created_at,
        "customer": {"name": "Анна Иванова", "phone": phone, "email": "anna@example.ru"},
        "items": [item],
        "delivery": {"method": method, "address": "ул. Ленина, 1, кв. 5", "city": city, "slot": "10:00-14:00"},
        "payment": {"method": "cash_on_delivery", "status": "pending", "amount": "750.00", "currency": "RUB"},
        "total": str(750 * quantity) + ".00",
        "currency": "RUB",
        "comment": "Позвонить за час",
    }
    data.update(extra_order or {})
    return {"type": event, "data": data}


def signed_headers(
    body: str, *, secret: str = DEMO_SECRET, webhook_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    headers = sign(secret, webhook_id or f"msg_{uuid.uuid4().hex}", at or datetime.now(UTC), body)
    return {**headers, "content-type": "application/json"}


def post_order(
    client: httpx.Client,
    tenant: str,
    document: dict[str, Any] | str,
    *,
    secret: str = DEMO_SECRET,
    webhook_id: str | None = None,
    at: datetime | None = None,
) -> httpx.Response:
    body = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
    headers = signed_headers(body, secret=secret, webhook_id=webhook_id, at=at)
    return client.post(f"/integrations/v1/webhooks/{tenant}/orders", content=body.encode(), headers=headers)
