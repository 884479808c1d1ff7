"""End to end through every real piece: the shop's signed webhook -> integrations -> the broker (real Redis)
-> order_confirm's intake -> the owner's queue -> calls over the night -> change -> confirm -> outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from okno.commands.tenants import Engines, add_operator, add_tenant, set_status
from okno.embedded import MOUNTS, Okno, build_okno
from services.integrations import app as integrations_app
from services.order_confirm import app as order_confirm_app
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import OutboxMessage
from services.order_confirm.service.tenancy import OperatorSpec, TenantSpec
from tests.intake.shop import DEMO_SECRET, order_body, post_order
from tests.order_confirm.workflow.world import mint_headers
from tests.support import FrozenClock, live_server, wait_until


@pytest.fixture
def running_okno(database_url: str, redis_url: str, broker_namespace: str, clock: FrozenClock) -> Iterator[Okno]:
    clock.set(datetime(2026, 11, 23, 9, 50, tzinfo=UTC))  # 12:50 in Moscow, 19:50 in Vladivostok
    instance = build_okno(
        database_url=database_url, redis_url=redis_url, broker_namespace=broker_namespace, clock=clock, migrate=False
    )
    instance.start_background(scheduler=False, worker=True)
    yield instance
    instance.stop()
    for runtime in instance.runtimes:
        runtime.engine.dispose()


@pytest.fixture
def site(running_okno: Okno) -> Iterator[httpx.Client]:
    app = FastAPI()
    app.mount(MOUNTS["integrations"], integrations_app.create_app(running_okno.integrations))
    app.mount("/", order_confirm_app.create_app(running_okno.order_confirm))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_a_vladivostok_order_from_a_moscow_shop_from_webhook_to_confirmation(
    running_okno: Okno, site: httpx.Client, clock: FrozenClock
) -> None:
    engines = Engines(running_okno.order_confirm.engine, running_okno.integrations.engine)
    add_tenant(engines, TenantSpec("acme", "ACME Tea", "Europe/Moscow", "RU"), webhook_secret=DEMO_SECRET)
    add_operator(engines, OperatorSpec("olga", "Olga", Role.OPERATOR, "password-123", ("acme",), 200))
    set_status(engines, "olga", OperatorStatus.AVAILABLE)

    order = order_body("VL-1", phone="+7 914 700-00-01", city="Владивосток", quantity=2)
    assert post_order(site, "acme", order, at=clock()).status_code == 202
    olga = mint_headers(running_okno.order_confirm, "olga")
    queue = wait_until(lambda: site.get("/api/v1/queue", headers=olga).json(), message="the order in the queue")
    assert queue[0]["customer"]["timezone"] == "Asia/Vladivostok"
    order_id = queue[0]["order"]["id"]
    url = f"/api/v1/orders/{order_id}"

    assert site.post("/api/v1/queue/next", headers=olga).json()["order"]["id"] == order_id
    first = site.post(f"{url}/attempts", json={"disposition": "no_answer"}, headers=olga).json()
    assert first["attempt"]["next_attempt_at"] == "2026-11-23T10:05:00Z"

    clock.set(datetime(2026, 11, 23, 10, 5, tzinfo=UTC))
    olga = mint_headers(running_okno.order_confirm, "olga")
    second = site.post(f"{url}/attempts", json={"disposition": "no_answer"}, headers=olga).json()
    assert second["attempt"]["next_attempt_at"] == "2026-11-23T23:00:00Z"  # 09:00 next morning for the customer

    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    olga = mint_headers(running_okno.order_confirm, "olga")
    callback = {"disposition": "callback_requested", "callback_at": "2026-11-24T01:30:00Z"}
    assert site.post(f"{url}/attempts", json=callback, headers=olga).json()["order"]["status"] == "callback_scheduled"

    clock.set(datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
    olga = mint_headers(running_okno.order_confirm, "olga")
    assert site.post("/api/v1/queue/next", headers=olga).json()["task"]["kind"] == "callback"
    assert site.post(f"{url}/call", headers=olga).status_code == 200
    version = site.get(url, headers=olga).json()["version"]
    change = {"items": [{"sku": "TEA-01", "quantity": 1}], "delivery_date": "2026-11-26"}
    changed = site.patch(url, json=change, headers={**olga, "If-Match": f'"{version}"'})
    assert changed.status_code == 200, changed.text
    confirmed = site.post(f"{url}/confirm", json={}, headers=olga).json()
    assert confirmed["order"]["status"] == "confirmed_with_changes"

    with Session(running_okno.order_confirm.engine) as session:
        kinds = session.exec(
            select(OutboxMessage.message_type).where(col(OutboxMessage.message_type).like("order.%"))
        ).all()
    assert sorted(kinds) == ["order.changed", "order.confirmed"]
