"""`POST …/confirm` without a call (SQLite and PostgreSQL): refused unless the operator says how the customer
confirmed; then recorded as confirmed by another channel — audited, on the timeline, no call, no survey."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from okno.embedded import Okno
from services.common.db import transaction
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import Attempt, AuditEntry, Order, OutboxMessage
from tests.order_confirm.workflow.world import SeededOrder, add_operator, add_order, add_tenant, login
from tests.support import FrozenClock

ELSEWHERE = {"channel": "sms", "reason": "Replied YES to the shop's order text at 12:40"}


@pytest.fixture
def waiting(frozen_okno: Okno, clock: FrozenClock) -> SeededOrder:
    clock.set(datetime(2026, 11, 23, 9, 50, tzinfo=UTC))
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock())
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    return add_order(engine, tenant, olga, now=clock())


def _outbox(okno: Okno) -> list[str]:
    with Session(okno.order_confirm.engine) as session:
        return list(session.exec(select(OutboxMessage.message_type).order_by(col(OutboxMessage.id))).all())


def _order(okno: Okno, order_id: int) -> Order:
    with Session(okno.order_confirm.engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        return order


def test_confirming_straight_from_awaiting_call_is_refused_without_a_reason(
    frozen_okno: Okno, api: TestClient, waiting: SeededOrder
) -> None:
    olga, url = login(api, "olga"), f"/api/v1/orders/{waiting.order_id}/confirm"
    for body in ({}, {"comment": "Leave at the door"}, {"channel": "sms"}):
        refused = api.post(url, json=body, headers=olga)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "call_required"
        assert "sms" in refused.json()["channels"]
    blank = api.post(url, json={"channel": "sms", "reason": "   "}, headers=olga)
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    assert _order(frozen_okno, waiting.order_id).status == "awaiting_call"
    assert _outbox(frozen_okno) == [], "nothing is written"


def test_a_confirmation_by_another_channel_is_recorded_as_such_without_a_call(
    frozen_okno: Okno, api: TestClient, waiting: SeededOrder
) -> None:
    olga, url = login(api, "olga"), f"/api/v1/orders/{waiting.order_id}/confirm"
    key = {**olga, "Idempotency-Key": "confirm-1"}
    confirmed = api.post(url, json={**ELSEWHERE, "comment": "Leave at the door"}, headers=key)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["attempt"] is None
    order = confirmed.json()["order"]
    assert (order["status"], order["attempts_count"], order["close_reason"]) == ("confirmed", 0, "other_channel")
    retried = api.post(url, json={**ELSEWHERE, "comment": "Leave at the door"}, headers=key)
    assert retried.status_code == 200 and retried.json()["order"]["status"] == "confirmed", "a retry is not a 409"
    assert _outbox(frozen_okno) == ["order.confirmed"], "the shop hears it once, and no survey call follows"
    assert api.get("/api/v1/queue", headers=olga).json() == []

    with Session(frozen_okno.order_confirm.engine) as session:
        assert session.exec(select(Attempt)).all() == [], "no call is invented"
        entry = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "order.confirmed_elsewhere")).one()
    assert entry.actor == "olga" and entry.before == {"status": "awaiting_call"}
    assert entry.after is not None and (entry.after["channel"], entry.after["reason"]) == (
        "sms",
        ELSEWHERE["reason"],
    )
    timeline = api.get(f"/api/v1/customers/{waiting.customer_id}", headers=olga).json()["timeline"]
    assert "confirmed_elsewhere" in [event["kind"] for event in timeline]
    again = api.post(url, json=ELSEWHERE, headers=olga)
    assert again.status_code == 409 and again.json()["code"] == "illegal_transition"


def test_during_a_call_the_confirmation_is_the_calls(frozen_okno: Okno, api: TestClient, waiting: SeededOrder) -> None:
    olga, order_url = login(api, "olga"), f"/api/v1/orders/{waiting.order_id}"
    assert api.post(f"{order_url}/call", headers=olga).status_code == 200
    mixed = api.post(f"{order_url}/confirm", json=ELSEWHERE, headers=olga)
    assert mixed.status_code == 422 and mixed.json()["code"] == "invalid_confirmation"
    confirmed = api.post(f"{order_url}/confirm", json={"comment": "Leave at the door"}, headers=olga)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["attempt"]["disposition"] == "confirmed"
    assert confirmed.json()["order"]["attempts_count"] == 1
    assert _outbox(frozen_okno) == ["order.confirmed", "call.completed"]


def test_a_paid_order_is_confirmed_without_a_call_or_a_reason(
    frozen_okno: Okno, api: TestClient, waiting: SeededOrder
) -> None:
    with transaction(frozen_okno.order_confirm.engine) as session:
        order = session.get(Order, waiting.order_id)
        assert order is not None
        order.status, order.payment_status = "paid", "paid"
        session.add(order)
    olga = login(api, "olga")
    confirmed = api.post(f"/api/v1/orders/{waiting.order_id}/confirm", json={}, headers=olga)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["order"]["status"] == "confirmed"
    with Session(frozen_okno.order_confirm.engine) as session:
        entry = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "order.confirmed_elsewhere")).one()
    assert entry.after is not None and entry.after["channel"] == "payment"
