"""The whole life of an order through the operator API, on SQLite and PostgreSQL, with a frozen clock.

The shop (and its operators) are in Moscow; the customer is in Vladivostok, seven hours ahead, so the
retries must respect the customer's calling hours, not the operator's.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.models import OutboxMessage
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock

VLADIVOSTOK = "Asia/Vladivostok"


def _outbox(okno: Okno) -> list[tuple[str, dict[str, object]]]:
    with Session(okno.order_confirm.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return [(row.message_type, row.envelope["payload"]) for row in rows]


def _claim(api: TestClient, headers: dict[str, str]) -> dict[str, object]:
    claimed = api.post("/api/v1/queue/next", headers=headers)
    assert claimed.status_code == 200, claimed.text
    body: dict[str, object] = claimed.json()
    return body


@pytest.fixture
def moscow_shop(frozen_okno: Okno, clock: FrozenClock) -> dict[str, int]:
    clock.set(datetime(2026, 11, 23, 9, 50, tzinfo=UTC))  # 12:50 in Moscow, 19:50 in Vladivostok
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "acme", now=clock(), timezone="Europe/Moscow")
    olga = add_operator(engine, "olga", Role.OPERATOR, [tenant], now=clock())
    return {"tenant": tenant, "olga": olga}


def test_no_answer_twice_across_the_night_then_callback_change_and_confirm(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, moscow_shop: dict[str, int]
) -> None:
    engine = frozen_okno.order_confirm.engine
    seeded = add_order(engine, moscow_shop["tenant"], moscow_shop["olga"], now=clock(), timezone=VLADIVOSTOK)
    olga = login(api, "olga")
    order_url = f"/api/v1/orders/{seeded.order_id}"

    queue = api.get("/api/v1/queue", headers=olga).json()
    assert [(item["task"]["kind"], item["is_due"]) for item in queue] == [("confirm", True)]
    claimed = _claim(api, olga)
    assert claimed["order"]["id"] == seeded.order_id  # type: ignore[index]

    first = api.post(f"{order_url}/attempts", json={"disposition": "no_answer"}, headers=olga)
    assert first.status_code == 201, first.text
    assert first.json()["order"]["status"] == "no_answer"
    assert first.json()["attempt"]["next_attempt_at"] == "2026-11-23T10:05:00Z"
    assert api.post("/api/v1/queue/next", headers=olga).status_code == 204  # the retry is not due yet

    clock.set(datetime(2026, 11, 23, 10, 5, tzinfo=UTC))  # 20:05 in Vladivostok
    olga = login(api, "olga")  # a new shift, a new login: access tokens live 15 minutes
    assert _claim(api, olga)["task"]["kind"] == "retry"  # type: ignore[index]
    second = api.post(f"{order_url}/attempts", json={"disposition": "busy"}, headers=olga)
    # +1 h would be 21:05 for the customer: moved to 09:00 their next morning, 02:00 in Moscow.
    assert second.json()["attempt"]["next_attempt_at"] == "2026-11-23T23:00:00Z"

    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    olga = login(api, "olga")
    _claim(api, olga)
    assert api.post(f"{order_url}/call", headers=olga).json()["order"]["status"] == "in_call"
    callback = api.post(
        f"{order_url}/attempts",
        json={"disposition": "callback_requested", "callback_at": "2026-11-24T03:00:00Z", "comment": "At lunch"},
        headers=olga,
    )
    assert callback.status_code == 201, callback.text
    assert callback.json()["order"]["status"] == "callback_scheduled"
    waiting = api.get("/api/v1/queue", headers=olga).json()
    assert [(i["task"]["kind"], i["task"]["due_at"], i["is_due"]) for i in waiting] == [
        ("callback", "2026-11-24T03:00:00Z", False)
    ]

    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    olga = login(api, "olga")
    _claim(api, olga)
    assert api.post(f"{order_url}/call", headers=olga).status_code == 200  # the callback: she dials
    version = api.get(order_url, headers=olga).json()["version"]
    change = {"delivery_date": "2026-11-27", "items": [{"sku": "SKU-MUG", "quantity": 1}]}
    assert api.patch(order_url, json=change, headers=olga).status_code == 428
    stale = api.patch(order_url, json=change, headers={**olga, "If-Match": f'"{version - 1}"'})
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    changed = api.patch(order_url, json=change, headers={**olga, "If-Match": f'"{version}"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == f'"{version + 1}"'
    assert changed.json()["total"] == "5100.00"  # 4500 + 1 x 600 (was 2 x 600)

    confirmed = api.post(f"{order_url}/confirm", json={"comment": "Leave at the door"}, headers=olga)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["order"]["status"] == "confirmed_with_changes"
    assert confirmed.json()["order"]["attempts_count"] == 4
    assert api.get("/api/v1/queue", headers=olga).json() == []

    messages = _outbox(frozen_okno)
    assert [kind for kind, _ in messages] == ["call.completed", "order.changed", "order.confirmed", "call.completed"]
    changed_message = messages[1][1]
    assert changed_message["changed_fields"] == ["delivery_date", "items", "total_minor"]
    assert changed_message["item_changes"] == [{"sku": "SKU-MUG", "quantity_before": 2, "quantity_after": 1}]
    assert messages[2][1]["with_changes"] is True
    assert messages[3][1]["disposition"] == "confirmed"

    again = api.post(f"{order_url}/confirm", json={}, headers=olga)
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    assert again.json()["allowed"] == ["cancelled_by_shop"]


def test_changes_are_validated_and_nothing_is_half_written(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, moscow_shop: dict[str, int]
) -> None:
    seeded = add_order(frozen_okno.order_confirm.engine, moscow_shop["tenant"], moscow_shop["olga"], now=clock())
    olga = login(api, "olga")
    url = f"/api/v1/orders/{seeded.order_id}"
    match = {**olga, "If-Match": '"1"'}

    negative = api.patch(url, json={"items": [{"sku": "SKU-MUG", "quantity": -1}]}, headers=match)
    assert negative.status_code == 422
    assert negative.json()["errors"][0]["field"] == "items.0.quantity"
    empty = api.patch(
        url, json={"items": [{"sku": "SKU-MUG", "quantity": 0}, {"sku": "SKU-KETTLE", "quantity": 0}]}, headers=match
    )
    assert empty.status_code == 422
    assert empty.json()["code"] == "invalid_change"
    past = api.patch(url, json={"delivery_date": "2026-11-01", "comment": "moved"}, headers=match)
    assert past.status_code == 422
    assert past.json()["errors"] == [{"field": "delivery_date", "message": "2026-11-01 is in the past."}]
    unknown = api.patch(url, json={"items": [{"sku": "SKU-GOLD", "quantity": 1}]}, headers=match)
    assert unknown.status_code == 422

    order = api.get(url, headers=olga).json()
    assert order["version"] == 1
    assert order["comment"] is None
    assert [(i["sku"], i["quantity"]) for i in order["items"]] == [("SKU-KETTLE", 1), ("SKU-MUG", 2)]
    assert _outbox(frozen_okno) == []

    removed = api.patch(url, json={"items": [{"sku": "SKU-MUG", "quantity": 0}]}, headers=match)
    assert [(i["sku"], i["quantity"]) for i in removed.json()["items"]] == [("SKU-KETTLE", 1)]
    # The same PATCH again (a retry) is stale now, and a no-op PATCH at the new version changes nothing.
    assert api.patch(url, json={"items": [{"sku": "SKU-MUG", "quantity": 0}]}, headers=match).status_code == 412
    same = api.patch(url, json={"items": [{"sku": "SKU-MUG", "quantity": 0}]}, headers={**olga, "If-Match": '"2"'})
    assert same.json()["version"] == 2
    assert [kind for kind, _ in _outbox(frozen_okno)] == ["order.changed"]


def test_cancel_needs_a_reason_and_other_needs_a_comment(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock, moscow_shop: dict[str, int]
) -> None:
    seeded = add_order(frozen_okno.order_confirm.engine, moscow_shop["tenant"], moscow_shop["olga"], now=clock())
    olga = login(api, "olga")
    url = f"/api/v1/orders/{seeded.order_id}"

    assert api.post(f"{url}/cancel", json={}, headers=olga).status_code == 422
    other = api.post(f"{url}/attempts", json={"disposition": "cancelled", "reason_code": "other"}, headers=olga)
    assert other.status_code == 422
    assert other.json()["errors"] == [
        {"field": "comment", "message": "Reason 'other' needs a comment saying what happened."}
    ]
    wrong = api.post(f"{url}/attempts", json={"disposition": "wrong_number"}, headers=olga)
    assert wrong.status_code == 422
    assert api.get(url, headers=olga).json()["status"] == "awaiting_call"

    cancelled = api.post(f"{url}/cancel", json={"reason_code": "found_cheaper"}, headers=olga)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["order"]["status"] == "cancelled"
    assert cancelled.json()["order"]["close_reason"] == "found_cheaper"
    messages = _outbox(frozen_okno)
    assert [kind for kind, _ in messages] == ["order.cancelled", "call.completed"]
    assert messages[0][1]["reason_code"] == "found_cheaper"
    assert api.get("/api/v1/queue", headers=olga).json() == []


def test_no_answer_until_the_tenant_policy_gives_up_makes_the_order_unreachable(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "brisk", now=clock(), max_attempts=2, retry_steps=["30m"])
    owner = add_operator(engine, "pavel", Role.OPERATOR, [tenant], now=clock())
    seeded = add_order(engine, tenant, owner, now=clock())
    pavel = login(api, "pavel")
    url = f"/api/v1/orders/{seeded.order_id}/attempts"

    retry = api.post(url, json={"disposition": "voicemail"}, headers={**pavel, "Idempotency-Key": "a1"})
    assert retry.json()["attempt"]["next_attempt_at"] == "2026-11-23T09:30:00Z"
    # The browser retries the same request: the attempt is not counted twice.
    repeated = api.post(url, json={"disposition": "voicemail"}, headers={**pavel, "Idempotency-Key": "a1"})
    assert repeated.json()["attempt"]["id"] == retry.json()["attempt"]["id"]
    assert repeated.json()["order"]["attempts_count"] == 1

    clock.set(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    pavel = login(api, "pavel")
    last = api.post(url, json={"disposition": "no_answer"}, headers=pavel)
    assert last.json()["order"]["status"] == "unreachable"
    assert last.json()["attempt"]["next_attempt_at"] is None
    messages = _outbox(frozen_okno)
    assert [kind for kind, _ in messages] == ["order.unreachable"]
    assert messages[0][1]["attempts"] == 2
    assert api.get("/api/v1/queue", headers=pavel).json() == []
