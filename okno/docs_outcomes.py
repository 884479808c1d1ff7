"""docs/outcomes.md, generated from the outcome contracts (`okno docs write`): what Okno posts to the shop.

Each example body is built from a valid contract instance and rendered by the very function the delivery
sender signs and posts (`services/integrations/adapters/shop_webhook.webhook_body`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from contracts.calls import SurveyCompleted
from contracts.orders import (
    DeliveryMethod,
    DeliverySnapshot,
    ItemChange,
    OrderCancelled,
    OrderChanged,
    OrderConfirmed,
    OrderItemSnapshot,
    OrderOutcome,
    OrderUnreachable,
)
from contracts.payments import PaymentReceived
from services.integrations.adapters.shop_webhook import webhook_body
from services.integrations.service.outcome_events import OUTCOMES

TENANT = "demo-shop"
SENT_AT = datetime(2026, 11, 23, 9, 12, 5, tzinfo=UTC)
_COMMON: dict[str, Any] = {"order_id": 1042, "external_id": "SHOP-100234", "source": "webhook"}

# When each event is sent, and one real-looking instance of its contract.
EVENTS: dict[type[OrderOutcome], tuple[str, OrderOutcome]] = {
    OrderConfirmed: (
        "The customer confirmed the order on a call (`with_changes` when the operator changed it first).",
        OrderConfirmed(**_COMMON, status="confirmed", operator_login="op2", comment="Домофон 12", confirmed_at=SENT_AT),
    ),
    OrderChanged: (
        "The operator changed the order during a call (each saved change; the confirmation follows separately). "
        "`delivery` and `items` are the order as it now stands; `changed_fields` names what changed "
        "(`delivery_date`, `delivery_slot`, `delivery_address`, `delivery_city`, `delivery_postcode`, "
        "`comment`, `items`, `total_minor`), `item_changes` the quantities (0 = removed).",
        OrderChanged(
            **_COMMON,
            status="in_call",
            operator_login="op2",
            delivery=DeliverySnapshot(
                method=DeliveryMethod.COURIER,
                address="ул. Тверская, 7, кв. 12",
                city="Москва",
                requested_date=datetime(2026, 11, 25).date(),
                slot="14:00-18:00",
            ),
            items=[
                OrderItemSnapshot(
                    sku="KETTLE-7", name="Чайник электрический", quantity=1, unit_price=Decimal("3490.00")
                )
            ],
            item_changes=[ItemChange(sku="TEA-01", quantity_before=2, quantity_after=0)],
            changed_fields=["delivery_date", "delivery_slot", "items", "total_minor"],
            total=Decimal("3490.00"),
            currency="RUB",
        ),
    ),
    OrderCancelled: (
        "The customer cancelled on a call; `reason_code` is the operator's reason (a shop's own cancellation "
        "is not echoed back).",
        OrderCancelled(
            **_COMMON,
            status="cancelled",
            operator_login="op2",
            comment="Нашёл дешевле",
            reason_code="changed_mind",
            cancelled_at=SENT_AT,
        ),
    ),
    OrderUnreachable: (
        "The customer did not answer the tenant's maximum number of calls (policy `max_attempts`), or the "
        "operator found the number is not the customer's.",
        OrderUnreachable(**_COMMON, status="unreachable", operator_login="op2", attempts=5, last_attempt_at=SENT_AT),
    ),
    PaymentReceived: (
        "The customer paid a same-day payment link (the provider's notification was verified).",
        PaymentReceived(
            **_COMMON,
            status="paid",
            link_id="pl_7Yc2nV",
            provider="yookassa",
            provider_payment_id="2d4b6a1e-000f-5000-8000-1b2c3d4e5f60",
            amount=Decimal("4990.00"),
            currency="RUB",
            paid_at=SENT_AT,
        ),
    ),
    SurveyCompleted: (
        "The customer answered the post-call survey, at least in part (`csat` 1–5, `nps` 0–10, either may be "
        "null); `survey_status` is `completed` or `partial`.",
        SurveyCompleted(
            **_COMMON,
            status="confirmed",
            attempt_id=5531,
            survey_status="completed",
            csat=5,
            nps=9,
            callback_requested=False,
            finished_at=SENT_AT,
        ),
    ),
}

FIELD_MEANINGS = {
    "order_id": "Okno's id of the order",
    "external_id": "The shop's order number (from the order webhook or the ERP document)",
    "source": "Where the order came from: `webhook` or `erp`",
    "status": "The order's status when the event happened (docs/vocabulary.md)",
    "operator_login": "Login of the operator who did it (null for system events)",
    "comment": "The operator's comment (`order.changed`: the order's comment as it now stands)",
    "confirmed_at": "When the operator confirmed it",
    "with_changes": "The operator changed the order before confirming (an `order.changed` was sent)",
    "delivery": "The delivery as it now stands: `method`, `address`, `city`, `postcode`, `requested_date`, `slot`",
    "items": "Every remaining line as it now stands: `sku`, `name`, `quantity`, `unit_price`",
    "item_changes": "Lines whose quantity changed: `sku`, `quantity_before`, `quantity_after` (0 = removed)",
    "changed_fields": "What changed in this save",
    "total": "The order's new total",
    "currency": "ISO 4217 currency of the amounts",
    "reason_code": "Why the customer cancelled (docs/vocabulary.md, cancel reasons)",
    "cancelled_at": "When the operator recorded the cancellation",
    "attempts": "Calls made to the customer",
    "last_attempt_at": "When the last call ended",
    "link_id": "Okno's id of the payment link",
    "provider": "The payment provider (`yookassa`, `stripe`)",
    "provider_payment_id": "The provider's id of the payment",
    "amount": "The amount paid",
    "paid_at": "When the provider reported the payment",
    "attempt_id": "Okno's id of the call the customer rated",
    "survey_status": "`completed` (every question answered) or `partial`",
    "csat": "Satisfaction with the call, 1–5 (null if not answered)",
    "nps": "Likelihood to recommend the shop, 0–10 (null if not answered)",
    "callback_requested": "The customer asked a supervisor to call back",
    "finished_at": "When the survey call ended",
    "tenant": "The tenant (shop) slug",
}

HEADER = """# Outcomes: what Okno posts to the shop

When an operator settles an order, Okno tells the shop's system of record: the tenant's ERP (1C, see
[erp.md](erp.md)) for orders that came from it, and the shop's **outcome webhook** when the tenant has one
(`okno sync webhook --tenant T --url https://… [--event …]` or `PUT /v1/tenants/{tenant}/shop-webhook` on
integrations; no `--event` = every event). Generated from the contracts by `okno docs write`.

## The request

`POST` to the shop's URL, `Content-Type: application/json`, `User-Agent: Okno-Webhooks/1`, signed per
[Standard Webhooks](https://www.standardwebhooks.com) exactly like the orders the shop sends to Okno:

| header | value |
|---|---|
| `webhook-id` | the outcome's message id: the same on every retry of this event, so the shop's idempotency key |
| `webhook-timestamp` | when this attempt was signed, Unix seconds |
| `webhook-signature` | `v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the \
`whsec_…` secret of the shop webhook (shown when it is set) |

Body: `{"type": <event>, "timestamp": <ISO 8601, when it was sent>, "data": <the outcome + "tenant">}`.
Amounts are decimal strings, times ISO 8601 with offset.

**The shop's answer.** Any 2xx is success. 5xx, 429, 401/403, timeouts and connection errors are retried
with exponential backoff (5 s doubling up to 30 min, never sooner than `Retry-After`) for 24 hours, then the
event is a dead letter a supervisor can replay (`okno sync deliveries --replay ID`, same `webhook-id`). Any
other 4xx refuses this very event: it is a dead letter at once. Events of one order are sent in order: the
next waits until the previous one is through.
"""


def _type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        kinds = [_type(option) for option in schema["anyOf"]]
        return " or ".join(kind for kind in kinds if kind != "null") + (" or null" if "null" in kinds else "")
    if "$ref" in schema:
        return "object"
    if "enum" in schema or "const" in schema:
        return "string"
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_type(schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _fields(model: type[OrderOutcome]) -> str:
    schema = model.model_json_schema(mode="serialization")
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for name, prop in {**schema["properties"], "tenant": {"type": "string"}}.items():
        meaning = FIELD_MEANINGS[name]  # a new contract field needs its meaning here
        rows.append(f"| `{name}` | {_type(prop)} | {meaning} |")
    return "\n".join(rows)


def example_body(outcome: OrderOutcome, event: str) -> dict[str, Any]:
    """The body the delivery sender posts for `outcome` (same function, same data)."""
    data = {**outcome.model_dump(mode="json"), "tenant": TENANT}
    document: dict[str, Any] = json.loads(webhook_body(event, data, timestamp=SENT_AT))
    return document


def render() -> str:
    sections = []
    for model, event in OUTCOMES.values():
        when, instance = EVENTS[model]
        body = json.dumps(example_body(instance, event), indent=2, ensure_ascii=False)
        sections.append(f"## `{event}`\n\n{when}\n\n{_fields(model)}\n\n```json\n{body}\n```\n")
    return HEADER + "".join("\n" + section for section in sections)
