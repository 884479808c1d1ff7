"""The floor shows the phone live: callers waiting now and the longest wait, who is talking and since when."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from contracts.routing import MessageType
from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.telephony.facts_support import call_updated, deliver
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, mint_headers
from tests.support import FrozenClock

CALL = MessageType.TELEPHONY_CALL_UPDATED


def test_the_floor_shows_callers_waiting_and_who_is_talking(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    runtime, engine = frozen_okno.order_confirm, frozen_okno.order_confirm.engine
    now = clock()
    shop = add_tenant(engine, "tea", now=now)
    sup = add_operator(engine, "sup", Role.SUPERVISOR, [shop], now=now)
    other_sup = add_operator(engine, "olga", Role.SUPERVISOR, [shop], now=now)
    anna = add_operator(engine, "anna", Role.OPERATOR, [shop], now=now, supervisor_id=sup)
    boris = add_operator(engine, "boris", Role.OPERATOR, [shop], now=now, supervisor_id=other_sup)
    add_operator(engine, "root", Role.ADMIN, [shop], now=now)
    order = add_order(engine, shop, anna, now=now, phone="+79161234567")
    first, second, ringing, talking, outbound = (uuid.uuid4() for _ in range(5))
    deliver(
        runtime, CALL, "tea", call_updated(first, 2, "inbound", state="queued", offered_at=now - timedelta(seconds=30))
    )
    deliver(
        runtime, CALL, "tea", call_updated(second, 2, "inbound", state="queued", offered_at=now - timedelta(seconds=10))
    )
    deliver(
        runtime,
        CALL,
        "tea",
        call_updated(ringing, 3, "inbound", state="ringing", offered_at=now - timedelta(seconds=5)),
    )
    deliver(runtime, CALL, "tea", call_updated(
        talking, 4, "inbound", state="in_progress", operator_id=anna, customer_id=order.customer_id,
        offered_at=now - timedelta(seconds=100), answered_at=now - timedelta(seconds=90), wait_seconds=10,
    ))  # fmt: skip
    deliver(runtime, CALL, "tea", call_updated(
        outbound, 5, "outbound", state="in_progress", operator_id=boris, on_hold=True,
        offered_at=now - timedelta(seconds=60), answered_at=now - timedelta(seconds=50),
    ))  # fmt: skip
    deliver(runtime, CALL, "tea", call_updated(
        uuid.uuid4(), 6, "inbound", state="ended", outcome="abandoned", abandoned=True,
        offered_at=now - timedelta(seconds=300), ended_at=now - timedelta(seconds=200),
    ))  # fmt: skip

    admin_view = api.get("/api/v1/floor", headers=mint_headers(runtime, "root"))
    assert admin_view.status_code == 200, admin_view.text
    [phone] = admin_view.json()["phone"]
    assert (phone["tenant_id"], phone["waiting"], phone["longest_wait_seconds"]) == (shop, 3, 30)
    assert [(t["operator_id"], t["direction"], t["on_hold"], t["since"][:19]) for t in phone["talking"]] == [
        (anna, "inbound", False, (now - timedelta(seconds=90)).isoformat()[:19]),
        (boris, "outbound", True, (now - timedelta(seconds=50)).isoformat()[:19]),
    ]
    [team_phone] = api.get("/api/v1/floor", headers=mint_headers(runtime, "sup")).json()["phone"]
    assert [t["operator_name"] for t in team_phone["talking"]] == ["Anna"], "a supervisor sees their team talking"
    assert team_phone["waiting"] == 3, "callers waiting are the whole shop's"

    clock.advance(seconds=5)
    deliver(runtime, CALL, "tea", call_updated(
        first, 4, "inbound", state="in_progress", operator_id=anna, offered_at=now - timedelta(seconds=30),
        answered_at=now + timedelta(seconds=4), wait_seconds=34,
    ))  # fmt: skip
    [phone] = api.get("/api/v1/floor", headers=mint_headers(runtime, "root")).json()["phone"]
    assert (phone["waiting"], phone["longest_wait_seconds"]) == (2, 15), "the longest wait is now the second caller's"
