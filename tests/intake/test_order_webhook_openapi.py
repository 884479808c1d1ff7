"""The order webhook's OpenAPI description is what the served route does: body, headers, every answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from contracts.orders import ShopOrderEvent
from tests.intake.conftest import Shop
from tests.intake.shop import order_body, post_order, signed_headers

PATH = "/v1/webhooks/{tenant}/orders"


@pytest.fixture
def operation(shop: Shop) -> dict[str, Any]:
    document = shop.client.get("/integrations/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert schemas["ShopOrderEvent"]["properties"]["data"] == {"$ref": "#/components/schemas/ShopOrder"}
    for name in ("ShopOrder", "ShopCustomer", "ShopOrderItem", "ShopDelivery", "ShopPayment", "DeliveryMethod"):
        assert name in schemas, name
    operation: dict[str, Any] = document["paths"][PATH]["post"]
    return operation


def _documented_codes(operation: dict[str, Any], status: int) -> set[str]:
    content = operation["responses"][str(status)]["content"]["application/problem+json"]
    return {example["value"]["code"] for example in content["examples"].values()}


def test_the_body_schema_headers_and_examples_are_documented_and_every_example_is_accepted(
    shop: Shop, operation: dict[str, Any]
) -> None:
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ShopOrderEvent"}
    headers = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "header"}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert {example["value"]["type"] for example in body["examples"].values()} == {
        "order.created",
        "order.updated",
        "order.cancelled",
    }
    for name, example in body["examples"].items():
        ShopOrderEvent.model_validate(example["value"])
        answer = post_order(shop.client, shop.slug, example["value"])
        assert answer.status_code == 202, (name, answer.text)
    accepted = operation["responses"]["202"]["content"]["application/json"]["examples"]
    assert {example["value"]["status"] for example in accepted.values()} == {"accepted", "duplicate"}


def _post(shop: Shop, tenant: str, body: str, headers: dict[str, str]) -> httpx.Response:
    return shop.client.post(f"/integrations/v1/webhooks/{tenant}/orders", content=body.encode(), headers=headers)


def test_every_error_the_route_answers_is_documented_with_its_code(shop: Shop, operation: dict[str, Any]) -> None:
    valid = json.dumps(order_body("DOC-1"))
    stale = datetime.now(UTC) - timedelta(hours=1)
    deep = "[" * 100 + "]" * 100
    long_number = '{"type": "order.created", "data": ' + "1" * 200 + "}"
    bad_order = json.dumps(order_body("DOC-2", quantity=0))
    requests = {
        "unsigned": (shop.slug, valid, {"content-type": "application/json"}),
        "wrong secret": (shop.slug, valid, signed_headers(valid, secret="whsec_" + "A" * 32)),
        "stale": (shop.slug, valid, signed_headers(valid, at=stale)),
        "unknown tenant": ("no-such-shop", valid, signed_headers(valid)),
        "not json": (shop.slug, "{data: 1}", signed_headers("{data: 1}")),
        "too deep": (shop.slug, deep, signed_headers(deep)),
        "long number": (shop.slug, long_number, signed_headers(long_number)),
        "bad order": (shop.slug, bad_order, signed_headers(bad_order)),
    }
    seen: dict[int, set[str]] = {}
    for name, (tenant, body, headers) in requests.items():
        answer = _post(shop, tenant, body, headers)
        assert answer.headers["content-type"] == "application/problem+json", (name, answer.text)
        code = answer.json()["code"]
        assert code in _documented_codes(operation, answer.status_code), (name, answer.status_code, code)
        seen.setdefault(answer.status_code, set()).add(code)
    assert seen == {
        401: {"missing_signature_headers", "invalid_signature", "timestamp_out_of_window"},
        404: {"unknown_tenant"},
        422: {"invalid_json", "json_too_deep", "json_number_too_long", "invalid_order"},
    }
    for status, codes in seen.items():
        assert _documented_codes(operation, status) == codes, f"{status}: documented codes nobody answers"
