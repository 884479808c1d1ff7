"""The order webhook as a shop's developer reads it in integrations' OpenAPI document.

The route reads its body itself (the signature is checked over the raw bytes before any JSON is parsed), so
FastAPI cannot see the body model; this module states it: the `ShopOrderEvent` schema, the three Standard
Webhooks headers and every answer, with examples built from the very error classes the route raises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.orders import ShopOrderEvent, WebhookAccepted
from services.common import safe_json
from services.common.problems import PROBLEM_JSON, DomainError
from services.integrations.domain import signatures
from services.integrations.service.order_webhooks import parse_order_event
from services.integrations.service.tenants import UnknownTenant

PATH = "/v1/webhooks/demo-shop/orders"
BODY_MODELS = (ShopOrderEvent,)
SIGNATURE_SCHEME = (
    "Standard Webhooks (https://www.standardwebhooks.com): `v1,` + base64 of HMAC-SHA256 over "
    "`{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part of the tenant's `whsec_…` "
    "secret. Several space-separated signatures may be sent (e.g. during a secret rotation); one valid "
    "`v1` signature is enough, other versions are ignored."
)

_ORDER: dict[str, Any] = {
    "external_id": "SHOP-100234",
    "created_at": "2026-11-23T10:15:00+03:00",
    "customer": {"name": "Мария Покупатель", "phone": "+7 916 555-01-23", "email": "maria@example.ru"},
    "items": [
        {"sku": "KETTLE-7", "name": "Чайник электрический", "quantity": 1, "unit_price": "3490.00", "stock": 12},
        {"sku": "TEA-01", "name": "Пуэр, 100 г", "quantity": 2, "unit_price": "750.00"},
    ],
    "delivery": {
        "method": "courier",
        "address": "ул. Тверская, 7, кв. 12",
        "city": "Москва",
        "postcode": "125009",
        "requested_date": "2026-11-24",
        "slot": "10:00-14:00",
    },
    "payment": {"method": "cash_on_delivery", "status": "pending", "amount": "4990.00", "currency": "RUB"},
    "total": "4990.00",
    "currency": "RUB",
    "comment": "Домофон не работает, позвоните",
    "warehouse": {"code": "MSK-1"},
}
BODY_EXAMPLES: dict[str, Any] = {
    "created": {
        "summary": "A new order (unknown fields such as `stock`, `warehouse` are kept raw, never shown to operators)",
        "value": {"type": "order.created", "data": _ORDER},
    },
    "updated": {
        "summary": "The shop changed the order (the whole current order, not a diff)",
        "value": {
            "type": "order.updated",
            "data": {**_ORDER, "delivery": {**_ORDER["delivery"], "slot": "14:00-18:00"}},
        },
    },
    "cancelled": {
        "summary": "The shop cancelled the order (the order as it stood)",
        "value": {"type": "order.cancelled", "data": _ORDER},
    },
}


def raise_unknown_tenant(slug: str) -> None:
    raise UnknownTenant(f"No tenant {slug!r}.")


def _header(name: str, description: str, example: str, **schema: Any) -> dict[str, Any]:
    return {
        "in": "header",
        "name": name,
        "required": True,
        "description": description,
        "schema": {"type": "string", **schema},
        "example": example,
    }


HEADERS = [
    _header(
        "webhook-id",
        "The shop's id of this message, the same on every retry: a repeat answers 202 `duplicate`.",
        "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        maxLength=signatures.MAX_WEBHOOK_ID_LENGTH,
    ),
    _header(
        "webhook-timestamp",
        "When the shop signed it, integer seconds since the Unix epoch; more than "
        "`OKNO_INTEGRATIONS_WEBHOOK_TOLERANCE_SECONDS` (300) away from Okno's clock is refused.",
        "1795412100",
        pattern=r"^\d+$",
    ),
    _header("webhook-signature", SIGNATURE_SCHEME, "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
]


def example(error: DomainError) -> dict[str, Any]:
    """The problem+json body the handler writes for `error` (services/common/problems.py)."""
    body = {
        "type": f"https://okno.dev/problems/{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "instance": PATH,
        **error.extra,
    }
    return {"summary": error.title, "value": body}


def raised(action: Callable[[], object]) -> DomainError:
    """The error the route's own code raises for a bad request: the examples cannot drift from it."""
    try:
        action()
    except DomainError as error:
        return error
    raise AssertionError(f"{action} raised nothing")


def _problems(description: str, *errors: DomainError) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            PROBLEM_JSON: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "examples": {error.code: example(error) for error in errors},
            }
        },
    }


def _accepted(status: str, summary: str) -> dict[str, Any]:
    answer = WebhookAccepted(order_id="5f0c2b7e-4b1d-4a56-9d7e-3c1f0a8e9b21", status=status)
    return {"summary": summary, "value": answer.model_dump()}


def _signature_errors() -> list[DomainError]:
    secret, now = "whsec_" + "A" * 32, datetime(2026, 11, 23, 7, 15, tzinfo=UTC)
    signed = signatures.parse_headers(signatures.sign(secret, "msg_1", now, "{}"))
    late, window = now + timedelta(minutes=7), timedelta(minutes=5)
    return [
        raised(lambda: signatures.parse_headers({})),
        raised(lambda: signatures.verify(signed, "{}", ["whsec_" + "B" * 32], now=now, tolerance=window)),
        raised(lambda: signatures.verify(signed, "{}", [secret], now=late, tolerance=window)),
    ]


def _body_errors() -> list[DomainError]:
    bad_order = {**_ORDER, "items": [{**_ORDER["items"][0], "quantity": 0}], "currency": "rub"}
    return [
        raised(lambda: safe_json.loads('{"type": "order.created", data: {}}')),
        raised(lambda: parse_order_event({"type": "order.created", "data": bad_order})),
        raised(lambda: safe_json.loads("[" * (safe_json.MAX_DEPTH + 1) + "]" * (safe_json.MAX_DEPTH + 1))),
        raised(lambda: safe_json.loads("1" * (safe_json.MAX_NUMBER_CHARS + 1))),
    ]


RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Taken: stored with its outbox message in one transaction before this answer. `order_id` "
        "is Okno's stable reference of the shop's order (the same for every version of it).",
        "content": {
            "application/json": {
                "examples": {
                    "accepted": _accepted("accepted", "A new order, or a new version of it"),
                    "duplicate": _accepted(
                        "duplicate", "The `webhook-id` was seen before, or the body is the order's current version"
                    ),
                }
            }
        },
    },
    401: _problems(
        "Not signed by this tenant: a header missing or malformed, no matching signature, or a timestamp "
        "outside the replay window. Nothing was stored.",
        *_signature_errors(),
    ),
    404: _problems("No tenant with this slug.", raised(lambda: raise_unknown_tenant("demo-shop"))),
    422: _problems(
        "The body is not acceptable JSON (not UTF-8, not JSON, nested deeper than 64 levels, a number longer "
        "than 100 characters) or not an order; `errors` lists every bad field. Nothing was stored.",
        *_body_errors(),
    ),
}
OPENAPI_EXTRA: dict[str, Any] = {
    "parameters": HEADERS,
    "requestBody": {
        "required": True,
        "description": "The whole current order. Stock, cost prices, warehouse or supplier fields and any other "
        "unknown field are kept in the raw payload for the ERP and never reach operators.",
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{ShopOrderEvent.__name__}"},
                "examples": BODY_EXAMPLES,
            }
        },
    },
}
