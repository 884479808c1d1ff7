"""The queue and its leases: two tabs never get the same task, nobody else can work a claimed task, a
retried claim is the same claim, and an abandoned claim frees itself."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock


def test_two_tabs_get_different_tasks_and_a_claimed_task_is_nobody_elses(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    urgent = add_order(engine, tenant, olga, now=clock() - timedelta(minutes=1), urgent=True)
    later = add_order(engine, tenant, olga, now=clock() - timedelta(minutes=30))
    add_order(engine, tenant, olga, now=clock() + timedelta(hours=2))  # not due yet
    tab = login(api, "olga")

    queue = api.get("/api/v1/queue", headers=tab).json()
    assert [(item["order"]["id"], item["is_due"]) for item in queue][:2] == [
        (urgent.order_id, True),
        (later.order_id, True),
    ]
    assert queue[2]["is_due"] is False

    first = api.post("/api/v1/queue/next", headers={**tab, "Idempotency-Key": "tab-1"}).json()
    assert first["task"]["id"] == urgent.task_id  # urgent first, though it arrived later
    retried = api.post("/api/v1/queue/next", headers={**tab, "Idempotency-Key": "tab-1"}).json()
    assert retried["task"]["id"] == urgent.task_id  # a retried claim is the same claim
    second = api.post("/api/v1/queue/next", headers={**tab, "Idempotency-Key": "tab-2"}).json()
    assert second["task"]["id"] == later.task_id  # the other tab gets the next task, never the same one
    assert api.post("/api/v1/queue/next", headers=tab).status_code == 204

    supervisor = login(api, "svetlana")
    blocked = api.post(f"/api/v1/orders/{urgent.order_id}/attempts", json={"disposition": "busy"}, headers=supervisor)
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "task_leased"

    # Olga's browser died: the lease runs out and the task can be worked again.
    clock.advance(seconds=frozen_okno.order_confirm.settings.task_lease_seconds + 1)
    taken_over = api.post(
        f"/api/v1/orders/{urgent.order_id}/attempts", json={"disposition": "busy"}, headers=supervisor
    )
    assert taken_over.status_code == 201, taken_over.text

    tab = login(api, "olga")
    released = api.post(f"/api/v1/queue/{later.task_id}/release", headers=tab)
    assert released.json()["lease_operator_id"] is None
    assert api.post("/api/v1/queue/next", headers=tab).json()["task"]["id"] == later.task_id


def test_a_call_in_progress_belongs_to_the_operator_who_started_it(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    seeded = add_order(engine, tenant, olga, now=clock())
    url = f"/api/v1/orders/{seeded.order_id}"
    olga_tab = login(api, "olga")

    started = api.post(f"{url}/call", headers=olga_tab).json()
    assert api.post(f"{url}/call", headers=olga_tab).json()["attempt"]["id"] == started["attempt"]["id"]
    clock.advance(minutes=6)  # even after her lease lapses, the open call is hers
    olga_tab = login(api, "olga")
    other = api.post(f"{url}/confirm", json={}, headers=login(api, "svetlana"))
    assert other.status_code == 409
    assert other.json()["code"] == "call_in_progress"
    ended = api.post(f"{url}/attempts", json={"disposition": "confirmed"}, headers=olga_tab).json()
    assert ended["attempt"]["id"] == started["attempt"]["id"]
    assert ended["attempt"]["started_at"] == started["attempt"]["started_at"]
    assert ended["order"]["status"] == "confirmed"
