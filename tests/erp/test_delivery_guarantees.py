"""1C down for an hour, a push it refuses for good, a push failing all day: nothing lost, nothing twice."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from okno.sandbox.onec_trade import ORDERS, PRODUCTS, seed_orders
from services.common.settings import DEV_SERVICE_TOKEN
from services.integrations.app import create_app
from services.integrations.models import Delivery, EndpointBreaker
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.delivery_sender import send_due
from services.integrations.service.erp_pull import pull_tenant
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.erp.outcomes import changed, confirmed, deliver, send_everything_due
from tests.support import FrozenClock

ADMIN = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}


def pulled(runtime: IntegrationsRuntime, onec: OneC, count: int) -> list[dict[str, Any]]:
    keys = seed_orders(onec.store, count)
    connect_erp(runtime, onec)
    pull_tenant(runtime, TENANT)
    return [onec.store.get(ORDERS, key) for key in keys]


def statuses(runtime: IntegrationsRuntime) -> list[str]:
    with Session(runtime.engine) as session:
        return [d.status for d in session.exec(select(Delivery).order_by(col(Delivery.id)))]


def test_1c_down_for_an_hour_backs_off_opens_the_breaker_and_lands_everything_in_order_once_back(
    integrations: IntegrationsRuntime, onec: OneC, clock: FrozenClock
) -> None:
    orders = pulled(integrations, onec, 4)
    onec.store.faults.outage, onec.store.faults.retry_after_seconds = True, 120
    for order in orders:
        row = order["Товары"][0]
        sku = onec.store.get(PRODUCTS, row["Номенклатура_Key"])["Артикул"]
        deliver(
            integrations, "order.changed", changed(order["Number"], sku, before=1, after=2, new_date=clock().date())
        )
        deliver(integrations, "order.confirmed", confirmed(order["Number"]))

    requests_per_sweep = []
    for _ in range(60):  # one simulated hour, a sweep a minute
        before = len(onec.store.log)
        send_due(integrations)
        requests_per_sweep.append(len(onec.store.log) - before)
        clock.advance(minutes=1)

    assert set(statuses(integrations)) == {"pending"}  # nothing lost, nothing given up on
    with Session(integrations.engine) as session:
        breaker = session.get(EndpointBreaker, (TENANT, "erp"))
        assert breaker is not None and breaker.times_opened >= 2
    opened_at = next(i for i, _ in enumerate(requests_per_sweep) if sum(requests_per_sweep[: i + 1]) >= 5)
    assert max(requests_per_sweep[opened_at + 1 :]) <= 1  # an open breaker lets only a probe through
    assert not onec.store.patches()

    onec.store.faults.outage = False
    for _ in range(40):  # the longest backoff is 30 min: everything is due again within the loop
        clock.advance(minutes=5)
        send_everything_due(integrations)
        if set(statuses(integrations)) == {"delivered"}:
            break
    assert set(statuses(integrations)) == {"delivered"}
    for order in orders:
        patches = onec.store.patches(order["Ref_Key"])
        assert len(patches) == 2  # each message once
        assert "Товары" in patches[0].sent and patches[1].sent["Статус"] == "КОтгрузке"  # changed, then confirmed
        assert onec.store.get(ORDERS, order["Ref_Key"])["Статус"] == "КОтгрузке"


def test_a_push_1c_refuses_is_a_dead_letter_and_is_replayed_once_the_document_is_fixed(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    (order,) = pulled(integrations, onec, 1)
    onec.store.faults.rejected_documents[order["Ref_Key"]] = "Объект заблокирован пользователем Бухгалтер"
    deliver(integrations, "order.confirmed", confirmed(order["Number"]))
    send_everything_due(integrations)
    api = TestClient(create_app(integrations))

    dead = api.get("/v1/dead-letters", params={"tenant": TENANT}, headers=ADMIN).json()
    assert [(d["event_type"], d["status"], d["last_status_code"]) for d in dead] == [("order.confirmed", "dead", 400)]
    assert "Объект заблокирован" in dead[0]["last_error"]
    assert api.get("/v1/dead-letters", headers={"Authorization": "Bearer wrong"}).status_code == 401

    del onec.store.faults.rejected_documents[order["Ref_Key"]]
    replayed = api.post(f"/v1/dead-letters/{dead[0]['id']}/replay", params={"tenant": TENANT}, headers=ADMIN)
    assert (replayed.status_code, replayed.json()["status"]) == (200, "pending")
    send_everything_due(integrations)

    assert statuses(integrations) == ["delivered"]
    assert onec.store.get(ORDERS, order["Ref_Key"])["Статус"] == "КОтгрузке"
    again = api.post(f"/v1/dead-letters/{dead[0]['id']}/replay", headers=ADMIN)
    assert (again.status_code, again.json()["code"]) == (409, "delivery_not_dead")
    log = api.get(f"/v1/deliveries/{dead[0]['id']}", headers=ADMIN).json()["log"]
    assert [entry["outcome"] for entry in log] == ["rejected", "delivered"]


def test_a_push_failing_for_a_whole_day_becomes_a_dead_letter(
    integrations: IntegrationsRuntime, onec: OneC, clock: FrozenClock
) -> None:
    (order,) = pulled(integrations, onec, 1)
    onec.store.faults.outage = True
    deliver(integrations, "order.confirmed", confirmed(order["Number"]))

    for _ in range(23):
        send_due(integrations)
        clock.advance(hours=1)
    assert statuses(integrations) == ["pending"]
    for _ in range(3):
        clock.advance(hours=1)
        send_due(integrations)

    assert statuses(integrations) == ["dead"]
    assert not onec.store.patches()
