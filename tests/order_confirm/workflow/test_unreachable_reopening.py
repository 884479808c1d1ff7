"""An unreachable order called again (SQLite and PostgreSQL): the call reopens it once, the retry policy counts
again from there, and the shop hears `order.unreachable` exactly once per time the order becomes unreachable."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import AuditEntry, Customer, Order, OutboxMessage
from tests.order_confirm.workflow.world import SeededOrder, add_operator, add_order, add_tenant, login
from tests.support import FrozenClock


@pytest.fixture
def unreachable(frozen_okno: Okno, api: TestClient, clock: FrozenClock) -> SeededOrder:
    """An order of a shop that gives up after two unanswered calls, already unreachable."""
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # 12:00 in Moscow
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "brisk", now=clock(), max_attempts=2, retry_steps=["30m"])
    owner = add_operator(engine, "pavel", Role.OPERATOR, [tenant], now=clock())
    seeded = add_order(engine, tenant, owner, now=clock())
    url = f"/api/v1/orders/{seeded.order_id}/attempts"
    pavel = login(api, "pavel")
    assert api.post(url, json={"disposition": "no_answer"}, headers=pavel).json()["order"]["status"] == "no_answer"
    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    pavel = login(api, "pavel")  # access tokens live 15 minutes
    assert api.post(url, json={"disposition": "busy"}, headers=pavel).json()["order"]["status"] == "unreachable"
    return seeded


def _reports(okno: Okno) -> list[dict[str, object]]:
    with Session(okno.order_confirm.engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.message_type) == "order.unreachable")
            .order_by(col(OutboxMessage.id))
        ).all()
        return [row.envelope["payload"] for row in rows]


def _reopenings(okno: Okno, order_id: int) -> list[AuditEntry]:
    with Session(okno.order_confirm.engine) as session:
        query = select(AuditEntry).where(
            col(AuditEntry.action) == "order.reopened", col(AuditEntry.entity_id) == str(order_id)
        )
        return list(session.exec(query.order_by(col(AuditEntry.id))).all())


def _open_orders(okno: Okno, order: SeededOrder) -> tuple[int, datetime | None]:
    with Session(okno.order_confirm.engine) as session:
        customer = session.get(Customer, order.customer_id)
        row = session.get(Order, order.order_id)
        assert customer is not None and row is not None
        return customer.open_orders, row.closed_at


def test_a_sixth_no_answer_reopens_the_order_instead_of_reporting_it_unreachable_again(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, unreachable: SeededOrder
) -> None:
    assert [report["attempts"] for report in _reports(frozen_okno)] == [2]
    assert _open_orders(frozen_okno, unreachable)[0] == 0, "unreachable closes the order"
    url = f"/api/v1/orders/{unreachable.order_id}/attempts"

    clock.set(datetime(2026, 11, 23, 11, 0, tzinfo=UTC))  # the shop fixed the number; the operator tries again
    pavel = login(api, "pavel")
    again = api.post(url, json={"disposition": "no_answer"}, headers=pavel)
    assert again.status_code == 201, again.text
    assert again.json()["order"]["status"] == "no_answer", "the reopened order is retried per the policy"
    assert again.json()["attempt"]["next_attempt_at"] == "2026-11-23T11:30:00Z"
    assert [report["attempts"] for report in _reports(frozen_okno)] == [2], "not reported unreachable twice"
    assert [entry.before["status"] for entry in _reopenings(frozen_okno, unreachable.order_id)] == ["unreachable"]  # type: ignore[index]
    assert _open_orders(frozen_okno, unreachable) == (1, None), "open again: counted, not closed"
    queue = api.get("/api/v1/queue", headers=pavel).json()
    assert [(item["task"]["kind"], item["task"]["due_at"]) for item in queue] == [("retry", "2026-11-23T11:30:00Z")]

    clock.set(datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    pavel = login(api, "pavel")
    last = api.post(url, json={"disposition": "voicemail"}, headers=pavel)
    assert last.json()["order"]["status"] == "unreachable", "the policy's two calls again, then unreachable"
    assert [report["attempts"] for report in _reports(frozen_okno)] == [2, 4], "once for this reopening"
    assert _open_orders(frozen_okno, unreachable)[0] == 0


def test_a_call_reopens_an_unreachable_order_once_and_a_confirmation_closes_it(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, unreachable: SeededOrder
) -> None:
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))  # the customer called the shop back
    pavel = login(api, "pavel")
    order_url = f"/api/v1/orders/{unreachable.order_id}"
    first = api.post(f"{order_url}/call", headers=pavel)
    double_click = api.post(f"{order_url}/call", headers=pavel)
    assert first.status_code == double_click.status_code == 200, double_click.text
    assert first.json()["attempt"]["id"] == double_click.json()["attempt"]["id"]
    assert double_click.json()["order"]["status"] == "in_call"
    assert len(_reopenings(frozen_okno, unreachable.order_id)) == 1, "one call, one reopening"

    confirmed = api.post(f"{order_url}/confirm", json={}, headers=pavel)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["order"]["status"] == "confirmed"
    assert len(_reports(frozen_okno)) == 1
    history = api.get(f"/api/v1/customers/{unreachable.customer_id}", headers=pavel).json()["timeline"]
    assert "order_reopened" in [event["kind"] for event in history]


def test_a_wrong_number_on_a_reopened_order_reports_it_once_more(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, unreachable: SeededOrder
) -> None:
    clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    pavel = login(api, "pavel")
    wrong = api.post(
        f"/api/v1/orders/{unreachable.order_id}/attempts",
        json={"disposition": "wrong_number", "reason_code": "another_person"},
        headers=pavel,
    )
    assert wrong.json()["order"]["status"] == "unreachable"
    assert [report["attempts"] for report in _reports(frozen_okno)] == [2, 3]
    assert len(_reopenings(frozen_okno, unreachable.order_id)) == 1
