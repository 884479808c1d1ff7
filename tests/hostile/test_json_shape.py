"""JSON from strangers: 100 000 levels deep or a 5 000-digit number is a 422 problem, on every service.

Reproduced first: the unauthenticated YooKassa and CDEK webhooks answered 500 (RecursionError) to deep JSON,
and so did a signed order webhook, which also answered 500 to a 5 000-digit number (ValueError from int()).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest

from services.common.db import transaction
from services.integrations.service.provider_setup import configure_payments
from tests.hostile.conftest import Stack
from tests.intake.shop import order_body, signed_headers

DEEP = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"type": "notification", "object": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}"
HUGE_NUMBER = "9" * 5_000
STRIPE_SECRET = "whsec_hostile_test"


def assert_refused(answer: object, code: str) -> None:
    import httpx

    assert isinstance(answer, httpx.Response)
    assert answer.status_code == 422, answer.text[:300]
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code


@pytest.mark.parametrize("path", ["/v1/payments/acme/yookassa", "/v1/couriers/acme/cdek", "/v1/payments/acme/stripe"])
@pytest.mark.parametrize(("body", "code"), [(DEEP, "json_too_deep"), (DEEP_OBJECT, "json_too_deep")])
def test_unauthenticated_provider_webhooks_refuse_deep_json(stack: Stack, path: str, body: str, code: str) -> None:
    if path.endswith("stripe"):
        # Stripe's body is only parsed once its signature holds, so this one comes signed.
        _use_stripe(stack)
        headers = {"Stripe-Signature": _stripe_signature(body.encode()), "Content-Type": "application/json"}
    else:
        headers = {"Content-Type": "application/json"}
    with stack.client("integrations") as client:
        assert_refused(client.post(path, content=body.encode(), headers=headers), code)


def test_provider_webhooks_refuse_huge_numbers_and_non_json_constants(stack: Stack) -> None:
    with stack.client("integrations") as client:
        huge = client.post("/v1/couriers/acme/cdek", content=f'{{"type": {HUGE_NUMBER}}}'.encode())
        infinite = client.post("/v1/payments/acme/yookassa", content=b'{"amount": 1e999}')
        nan = client.post("/v1/payments/acme/yookassa", content=b'{"amount": NaN}')
    assert_refused(huge, "json_number_too_long")
    assert_refused(infinite, "json_number_out_of_range")
    assert_refused(nan, "invalid_json")


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (DEEP, "json_too_deep"),
        (
            '{"type": "order.created", "data": {"external_id": "N-1", "total": ' + HUGE_NUMBER + "}}",
            "json_number_too_long",
        ),
    ],
)
def test_a_signed_order_webhook_with_hostile_json_is_422(stack: Stack, document: str, code: str) -> None:
    headers = signed_headers(document, secret=stack.secret)
    with stack.client("integrations") as client:
        answer = client.post(f"/v1/webhooks/{stack.tenant}/orders", content=document.encode(), headers=headers)
    assert_refused(answer, code)
    assert answer.json()["errors"][0]["type"] == code


def test_a_normal_order_webhook_still_passes_the_shape_checks(stack: Stack) -> None:
    import json

    document = json.dumps(order_body("N-2"), ensure_ascii=False)
    with stack.client("integrations") as client:
        answer = client.post(
            f"/v1/webhooks/{stack.tenant}/orders", content=document.encode(), headers=signed_headers(document)
        )
    assert answer.status_code == 202, answer.text


@pytest.mark.parametrize(
    ("service", "path"),
    [
        ("order_confirm", "/api/v1/auth/refresh"),
        ("order_confirm", "/api/v1/orders/1/attempts"),
        ("notify", "/survey-rules/acme"),
        ("notify", "/internal/v1/tenants/acme/telephony/sandbox-tickets"),
    ],
)
@pytest.mark.parametrize("body", [DEEP, '{"a": ' + HUGE_NUMBER + "}"])
def test_json_bodies_parsed_by_the_framework_are_4xx_problems_too(
    stack: Stack, service: str, path: str, body: str
) -> None:
    method = "PUT" if path.startswith("/survey-rules") else "POST"
    with stack.client(service) as client:
        answer = client.request(
            method, path, content=body.encode(), headers={**stack.admin_headers(), "Content-Type": "application/json"}
        )
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "invalid_json"


def _use_stripe(stack: Stack) -> None:
    settings = {"base_url": "http://127.0.0.1:9", "api_key": "sk_test_hostile", "webhook_secret": STRIPE_SECRET}
    with transaction(stack.okno.integrations.engine) as session:
        configure_payments(
            session,
            stack.tenant,
            "stripe",
            settings,
            link_ttl_minutes=30,
            now=datetime.now(UTC),
            capabilities=stack.okno.integrations.capabilities,
        )


def _stripe_signature(payload: bytes) -> str:
    timestamp = int(time.time())
    digest = hmac.new(STRIPE_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
