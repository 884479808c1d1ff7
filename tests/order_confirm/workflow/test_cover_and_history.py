"""One window over time: the timeline the next shift reads, notes, cover while the owner is away,
permanent reassignment by a supervisor, and the audit log of all of it."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import OperatorStatus, Role
from services.order_confirm.models import Operator
from services.order_confirm.schedule import sweep_cover
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock


def _set_status(okno: Okno, operator_id: int, status: OperatorStatus) -> None:
    with Session(okno.order_confirm.engine) as session:
        operator = session.get(Operator, operator_id)
        assert operator is not None
        operator.status = status.value
        session.add(operator)
        session.commit()


def test_a_callback_due_while_the_owner_is_off_shift_goes_to_the_cover_and_comes_back(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 11:00 in Moscow
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    ivan = add_operator(engine, "ivan", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    seeded = add_order(engine, tenant, olga, now=clock())
    supervisor = login(api, "svetlana")
    rule = api.put(
        "/api/v1/cover-rules", json={"tenant_id": tenant, "owner_id": olga, "cover_id": ivan}, headers=supervisor
    )
    assert rule.status_code == 200, rule.text

    olga_headers = login(api, "olga")
    callback = api.post(
        f"/api/v1/orders/{seeded.order_id}/attempts",
        json={"disposition": "callback_requested", "callback_at": "2026-11-23T15:00:00Z"},
        headers=olga_headers,
    )
    assert callback.status_code == 201, callback.text
    _set_status(frozen_okno, olga, OperatorStatus.OFFLINE)  # her shift ended at 17:00 Moscow

    clock.set(datetime(2026, 11, 23, 15, 10, tzinfo=UTC))
    assert sweep_cover(frozen_okno.order_confirm) == 0  # still inside the 15-minute grace period
    clock.set(datetime(2026, 11, 23, 15, 15, tzinfo=UTC))
    assert sweep_cover(frozen_okno.order_confirm) == 1

    ivan_headers = login(api, "ivan")
    covered = api.post("/api/v1/queue/next", headers=ivan_headers).json()
    assert covered["task"]["kind"] == "callback"
    assert covered["task"]["is_cover"] is True
    assert covered["customer"]["owner_id"] == olga  # ownership stays with Olga
    history = api.get(f"/api/v1/customers/{seeded.customer_id}", headers=ivan_headers)
    assert history.status_code == 200  # the cover sees the customer's whole story while covering
    assert [e["kind"] for e in history.json()["timeline"]] == ["attempt", "task_covered"]
    api.post(f"/api/v1/queue/{covered['task']['id']}/release", headers=ivan_headers)

    _set_status(frozen_okno, olga, OperatorStatus.AVAILABLE)
    assert sweep_cover(frozen_okno.order_confirm) == 1
    assert api.get("/api/v1/queue", headers=ivan_headers).json() == []
    assert api.get(f"/api/v1/customers/{seeded.customer_id}", headers=ivan_headers).status_code == 404
    back = api.get("/api/v1/queue", headers=login(api, "olga")).json()
    assert [(i["task"]["kind"], i["task"]["is_cover"]) for i in back] == [("callback", False)]

    actions = [e["action"] for e in api.get("/api/v1/audit", headers=login(api, "svetlana")).json()]
    assert actions[:3] == ["task.cover_ended", "task.covered", "order.status_changed"]
    assert "cover_rule.set" in actions


def test_notes_and_the_timeline_reach_the_next_shift_and_a_supervisor_reassigns_for_good(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    lead = add_operator(engine, "svetlana", Role.SUPERVISOR, [tenant], now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    ivan = add_operator(engine, "ivan", Role.OPERATOR, [tenant], now=clock(), supervisor_id=lead)
    shop = add_operator(engine, "shop-manager", Role.CLIENT_MANAGER, [tenant], now=clock())
    first = add_order(engine, tenant, olga, now=clock())
    second = add_order(engine, tenant, olga, now=clock(), customer_id=first.customer_id)
    olga_headers = login(api, "olga")
    url = f"/api/v1/customers/{first.customer_id}"

    note = {"text": "Prefers calls after 18:00; intercom is broken", "order_id": second.order_id}
    created = api.post(f"{url}/notes", json=note, headers=olga_headers)
    assert created.status_code == 201
    again = api.post(f"{url}/notes", json=note, headers=olga_headers)  # a double click
    assert again.json()["id"] == created.json()["id"]
    assert api.post(f"{url}/notes", json={"text": "  "}, headers=olga_headers).status_code == 422
    foreign = api.post(f"{url}/notes", json={"text": "x", "order_id": 999_999}, headers=olga_headers)
    assert foreign.status_code == 422

    clock.advance(minutes=5)
    api.post(f"/api/v1/orders/{first.order_id}/call", headers=olga_headers)
    api.post(f"/api/v1/orders/{first.order_id}/confirm", json={}, headers=olga_headers)
    history = api.get(url, headers=olga_headers).json()
    assert [o["id"] for o in history["orders"]] == [first.order_id, second.order_id]
    assert [e["kind"] for e in history["timeline"]] == ["note", "attempt"]
    assert history["notes"][0]["text"] == note["text"]
    assert history["owner"]["login"] == "olga"

    # Operators cannot reassign; the supervisor can, with a reason, and open tasks follow.
    denied = api.post(f"{url}/owner", json={"operator_id": ivan, "reason": "rebalance"}, headers=olga_headers)
    assert denied.status_code == 404
    supervisor = login(api, "svetlana")
    moved = api.post(f"{url}/owner", json={"operator_id": ivan, "reason": "Olga moves to VIP"}, headers=supervisor)
    assert moved.status_code == 200, moved.text
    assert moved.json()["owner_id"] == ivan
    assert api.get(url, headers=olga_headers).status_code == 404
    ivan_queue = api.get("/api/v1/queue", headers=login(api, "ivan")).json()
    assert [item["order"]["id"] for item in ivan_queue] == [second.order_id]

    entries = api.get("/api/v1/audit", params={"action": "customer.owner_changed"}, headers=supervisor).json()
    assert entries[0]["before"] == {"owner_id": olga}
    assert entries[0]["after"]["reason"] == "Olga moves to VIP"
    assert entries[0]["actor"] == "svetlana"
    assert entries[0]["request_id"]
    # The shop's manager reads the audit of their tenant; operators do not read it at all.
    assert len(api.get("/api/v1/audit", headers=login(api, "shop-manager")).json()) >= 3
    assert api.get("/api/v1/audit", headers=olga_headers).status_code == 404
    assert shop
