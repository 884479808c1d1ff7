"""The shop's end of the daily report: integrations pushes `report.daily` to the shop's webhook URL, signed
per Standard Webhooks, once, with the figures order_confirm stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from contracts.routing import MessageType
from services.common.db import transaction
from services.common.settings import DEV_SERVICE_TOKEN
from services.integrations import wiring as integrations_wiring
from services.integrations.app import create_app as integrations_app
from services.integrations.models.deliveries import Delivery
from services.integrations.service.delivery_sender import send_due
from services.integrations.service.tenants import add_tenant
from services.integrations.settings import IntegrationsSettings
from services.order_confirm.models import DailyReport, OutboxMessage, Tenant
from services.order_confirm.service.reports.daily import generate_due
from tests.reports.conftest import runtime_on
from tests.reports.history import at, build_history
from tests.support import FrozenClock, live_server

ADMIN = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}


@dataclass
class Shop:
    url: str = ""
    received: list[tuple[dict[str, str], str]] = field(default_factory=list)


@pytest.fixture
def shop() -> Iterator[Shop]:
    state = Shop()

    async def receive(request: Request) -> JSONResponse:
        state.received.append((dict(request.headers), (await request.body()).decode()))
        return JSONResponse({"ok": True})

    with live_server(Starlette(routes=[Route("/okno-events", receive, methods=["POST"])])) as base:
        state.url = f"{base}/okno-events"
        yield state


def test_the_daily_report_reaches_the_shops_webhook_signed_and_once(database_url: str, shop: Shop) -> None:
    tuesday_morning = at("2026-11-24 06:00")
    order_confirm = runtime_on(database_url)
    order_confirm.outbox.relay_enabled = False
    assert isinstance(order_confirm.clock, FrozenClock)
    order_confirm.clock.set(tuesday_morning)
    clock = FrozenClock(tuesday_morning)
    integrations = integrations_wiring.build(
        IntegrationsSettings(database_url=database_url, redis_url=None), broker=StubBroker(), clock=clock
    )
    integrations.outbox.relay_enabled = False
    try:
        build_history(order_confirm.engine)
        with transaction(order_confirm.engine) as session:
            for tenant in session.exec(select(Tenant)).all():
                tenant.created_at = at("2026-11-23 00:00")
                session.add(tenant)
        with transaction(integrations.engine) as session:
            add_tenant(session, slug="shop", name="Shop", country="RU", now=clock())
        api = TestClient(integrations_app(integrations))
        endpoint = {"url": shop.url, "events": ["report.daily"]}
        configured = api.put("/v1/tenants/shop/shop-webhook", json=endpoint, headers=ADMIN)
        assert configured.status_code == 200, configured.text

        assert generate_due(order_confirm) == 2  # Monday's, for both shops; the rival has no webhook
        with Session(order_confirm.engine) as session:
            envelopes = {
                row.tenant: json.dumps(row.envelope)
                for row in session.exec(
                    select(OutboxMessage).where(OutboxMessage.message_type == MessageType.REPORT_DAILY_READY.value)
                )
            }
            figures = session.exec(select(DailyReport.figures).join(Tenant).where(Tenant.slug == "shop")).one()
        actor = integrations.broker.actors[f"integrations.{MessageType.REPORT_DAILY_READY.value}"]
        for _ in range(2):  # the broker may deliver a message twice
            actor.fn(envelopes["shop"])
        actor.fn(envelopes["rival"])
        while send_due(integrations):
            pass

        assert len(shop.received) == 1
        headers, body = shop.received[0]
        message_id = json.loads(envelopes["shop"])["message_id"]
        assert headers["webhook-id"] == message_id
        signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        assert Webhook(configured.json()["secret"]).sign(message_id, signed_at, body) == headers["webhook-signature"]
        event = json.loads(body)
        assert (event["type"], event["data"]["tenant"], event["data"]["day"]) == ("report.daily", "shop", "2026-11-23")
        assert event["data"]["figures"] == figures
        assert event["data"]["figures"]["outcomes"]["confirmed"] == 1
        with Session(integrations.engine) as session:
            delivery = session.exec(select(Delivery)).one()
        assert (delivery.status, delivery.document_key) == ("delivered", "report.daily:2026-11-23")
    finally:
        order_confirm.engine.dispose()
        integrations.engine.dispose()
