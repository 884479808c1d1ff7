"""A shop without 1C learns every outcome from a signed webhook, retried politely until it answers 2xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contracts.calls import SurveyCompleted
from contracts.payments import PaymentReceived
from services.common.settings import DEV_SERVICE_TOKEN
from services.integrations.app import create_app
from services.integrations.runtime import IntegrationsRuntime
from tests.erp.conftest import TENANT
from tests.erp.outcomes import confirmed, deliver, send_everything_due
from tests.support import FrozenClock, live_server

ADMIN = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}


@dataclass
class Shop:
    """The shop's endpoint: busy (503 + Retry-After) for the first `busy_answers` calls, then 200."""

    url: str = ""
    busy_answers: int = 0
    received: list[tuple[dict[str, str], str]] = field(default_factory=list)


@pytest.fixture
def shop() -> Iterator[Shop]:
    state = Shop()

    async def receive(request: Request) -> JSONResponse:
        state.received.append((dict(request.headers), (await request.body()).decode()))
        if len(state.received) <= state.busy_answers:
            return JSONResponse({"error": "maintenance"}, status_code=503, headers={"Retry-After": "300"})
        return JSONResponse({"ok": True})

    with live_server(Starlette(routes=[Route("/okno-events", receive, methods=["POST"])])) as base:
        state.url = f"{base}/okno-events"
        yield state


def test_outcomes_reach_the_shop_signed_once_it_stops_answering_busy_and_retry_after_is_honoured(
    integrations: IntegrationsRuntime, shop: Shop, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    api = TestClient(create_app(integrations))
    bad = api.put(f"/v1/tenants/{TENANT}/shop-webhook", json={"url": "not a url"}, headers=ADMIN)
    assert (bad.status_code, bad.json()["code"]) == (422, "validation_failed")
    configured = api.put(f"/v1/tenants/{TENANT}/shop-webhook", json={"url": shop.url}, headers=ADMIN).json()
    shop.busy_answers = 1

    message_id = deliver(integrations, "order.confirmed", confirmed("WEB-1001", source="webhook"))
    send_everything_due(integrations)
    clock.advance(seconds=200)  # the shop asked for 300 s
    send_everything_due(integrations)
    assert len(shop.received) == 1
    clock.advance(seconds=150)
    send_everything_due(integrations)

    assert len(shop.received) == 2
    for headers, body in shop.received:
        assert headers["webhook-id"] == message_id  # the shop's idempotency key, the same on the retry
        signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        assert Webhook(configured["secret"]).sign(message_id, signed_at, body) == headers["webhook-signature"]
    event = json.loads(shop.received[1][1])
    assert (event["type"], event["data"]["external_id"], event["data"]["tenant"]) == (
        "order.confirmed",
        "WEB-1001",
        TENANT,
    )
    deliveries = api.get("/v1/deliveries", params={"tenant": TENANT}, headers=ADMIN).json()
    assert [(d["target"], d["status"], d["attempts"]) for d in deliveries] == [("webhook", "delivered", 2)]


def test_a_tenant_without_erp_or_webhook_url_records_no_push_and_an_unknown_tenant_cannot_be_configured(
    integrations: IntegrationsRuntime,
) -> None:
    deliver(integrations, "order.confirmed", confirmed("WEB-1", source="webhook"))
    api = TestClient(create_app(integrations))

    assert api.get("/v1/deliveries", headers=ADMIN).json() == []
    missing = api.put("/v1/tenants/nobody/shop-webhook", json={"url": "https://shop.example/hook"}, headers=ADMIN)
    assert missing.status_code == 404
    assert api.get(f"/v1/tenants/{TENANT}/erp", headers=ADMIN).json()["code"] == "erp_not_configured"


def test_a_shop_subscribed_to_payments_only_gets_payment_succeeded_and_not_the_confirmation(
    integrations: IntegrationsRuntime, shop: Shop
) -> None:
    api = TestClient(create_app(integrations))
    body = {"url": shop.url, "events": ["payment.succeeded"]}
    assert api.put(f"/v1/tenants/{TENANT}/shop-webhook", json=body, headers=ADMIN).status_code == 200
    paid = PaymentReceived(
        order_id=7,
        external_id="WEB-7",
        source="webhook",
        status="confirmed",
        link_id="link-7",
        provider="yookassa",
        provider_payment_id="2d5a-77",
        amount=Decimal("1490.00"),
        currency="RUB",
        paid_at=datetime(2026, 11, 23, 9, 40, tzinfo=UTC),
    )

    deliver(integrations, "order.confirmed", confirmed("WEB-7", source="webhook"))
    deliver(integrations, "payment.received", paid)
    send_everything_due(integrations)

    assert len(shop.received) == 1
    event = json.loads(shop.received[0][1])
    assert (event["type"], event["data"]["amount"], event["data"]["provider_payment_id"]) == (
        "payment.succeeded",
        "1490.00",
        "2d5a-77",
    )


def test_the_customers_ratings_reach_a_shop_subscribed_to_survey_completed(
    integrations: IntegrationsRuntime, shop: Shop
) -> None:
    api = TestClient(create_app(integrations))
    body = {"url": shop.url, "events": ["survey.completed"]}
    assert api.put(f"/v1/tenants/{TENANT}/shop-webhook", json=body, headers=ADMIN).status_code == 200
    rated = SurveyCompleted(
        order_id=8,
        external_id="WEB-8",
        source="webhook",
        status="confirmed",
        attempt_id=31,
        survey_status="partial",
        csat=4,
        finished_at=datetime(2026, 11, 23, 10, 5, tzinfo=UTC),
    )

    deliver(integrations, "order.confirmed", confirmed("WEB-8", source="webhook"))
    deliver(integrations, "survey.completed", rated)
    send_everything_due(integrations)

    assert len(shop.received) == 1
    event = json.loads(shop.received[0][1])
    assert (event["type"], event["data"]["external_id"], event["data"]["csat"], event["data"]["nps"]) == (
        "survey.completed",
        "WEB-8",
        4,
        None,
    )
