"""Operations metrics: every service answers `/metrics`; the shop's webhooks are counted by outcome, and the
calling queue, outbox lag and survey outcomes are read from the database at scrape time."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from okno.commands.tenants import Engines, add_tenant
from okno.embedded import Okno
from services.integrations import app as integrations_app
from services.notify import app as notify_app
from services.order_confirm import app as order_confirm_app
from services.order_confirm.service.tenancy import TenantSpec
from tests.intake.shop import DEMO_SECRET, order_body, signed_headers
from tests.support import wait_until


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def test_webhooks_queue_and_outbox_show_up_in_metrics(okno: Okno) -> None:
    engines = Engines(okno.order_confirm.engine, okno.integrations.engine)
    add_tenant(engines, TenantSpec("acme", "ACME Tea"), webhook_secret=DEMO_SECRET)
    integrations = TestClient(integrations_app.create_app(okno.integrations))
    order_confirm = TestClient(order_confirm_app.create_app(okno.order_confirm))
    notify = TestClient(notify_app.create_app(okno.notify))

    body = json.dumps(order_body("A-1"))
    first = integrations.post("/v1/webhooks/acme/orders", content=body, headers=signed_headers(body, webhook_id="w1"))
    again = integrations.post("/v1/webhooks/acme/orders", content=body, headers=signed_headers(body, webhook_id="w1"))
    forged = integrations.post(
        "/v1/webhooks/acme/orders", content=body, headers=signed_headers(body, secret="whsec_" + "A" * 44)
    )
    assert (first.status_code, again.json()["status"], forged.status_code) == (202, "duplicate", 401)

    found = samples(integrations)
    route = "/v1/webhooks/{tenant}/orders"
    for outcome in ("accepted", "duplicate", "rejected"):
        assert value(found, "okno_webhook_requests_total", service="integrations", route=route, outcome=outcome) == 1
    latency = {"service": "integrations", "method": "POST", "route": route, "status": "202"}
    assert value(found, "okno_http_request_duration_seconds_count", **latency) == 2
    assert value(found, "okno_metrics_database_up", service="integrations") == 1

    # The order reaches order_confirm through the broker and waits for its first call.
    wait_until(
        lambda: value(samples(order_confirm), "okno_orders_waiting_first_call", tenant="acme") == 1,
        message="the order waiting in acme's queue",
    )
    found = samples(order_confirm)
    assert value(found, "okno_oldest_waiting_order_seconds", tenant="acme") is not None
    assert value(found, "okno_outbox_unsent", service="order_confirm") == 0
    assert value(found, "okno_outbox_lag_seconds", service="order_confirm") == 0
    assert value(samples(notify), "okno_metrics_database_up", service="notify") == 1
