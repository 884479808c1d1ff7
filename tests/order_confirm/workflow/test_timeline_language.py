"""The customer timeline is stored as facts and told in the reader's language (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from okno.embedded import Okno
from services.order_confirm.domain.vocabulary import Role
from tests.order_confirm.workflow.world import add_operator, add_order, add_tenant, login
from tests.support import FrozenClock


def test_the_same_history_reads_in_russian_and_in_english(
    frozen_okno: Okno, api: TestClient, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 11, 23, 9, 50, tzinfo=UTC))
    engine = frozen_okno.order_confirm.engine
    tenant = add_tenant(engine, "tea", now=clock())
    anna_id = add_operator(engine, "anna", Role.OPERATOR, [tenant], now=clock())  # speaks Russian (the default)
    order = add_order(engine, tenant, anna_id, now=clock(), timezone="Asia/Vladivostok")
    anna = login(api, "anna")
    url = f"/api/v1/orders/{order.order_id}"
    external_id = api.get(url, headers=anna).json()["external_id"]
    assert api.post(f"{url}/attempts", json={"disposition": "no_answer"}, headers=anna).status_code == 201
    cancel = {"disposition": "cancelled", "reason_code": "found_cheaper"}
    clock.advance(minutes=2)
    assert api.post(f"{url}/call", headers=anna).status_code == 200
    assert api.post(f"{url}/attempts", json=cancel, headers=anna).status_code == 201

    history = f"/api/v1/customers/{order.customer_id}"
    russian = api.get(history, headers=anna)  # no Accept-Language: the operator's own language (ru)
    assert russian.headers["Content-Language"] == "ru"
    lines = [(event["kind"], event["text"]) for event in russian.json()["timeline"]]
    # 18:50 in Vladivostok + 15 min: the retry falls in the customer's calling hours.
    retry = "следующая попытка 23 нояб. 2026, 20:05 (Asia/Vladivostok)"
    assert lines == [
        ("attempt", f"Звонок по заказу {external_id}: не ответил, {retry}"),
        ("attempt", f"Звонок по заказу {external_id}: отменён (нашёл дешевле)"),
    ]  # fmt: skip
    first = russian.json()["timeline"][0]
    assert first["params"] == {
        "external_id": external_id,
        "disposition": "no_answer",
        "reason_code": None,
        "callback_at": None,
        "next_attempt_at": "2026-11-23T10:05:00+00:00",
    }
    english = api.get(history, headers={**anna, "Accept-Language": "en-GB,en;q=0.9,ru;q=0.5"})
    assert english.headers["Content-Language"] == "en"
    assert english.json()["timeline"][1]["text"] == f"Call about order {external_id}: cancelled (found it cheaper)"
    assert english.json()["timeline"][0]["summary"] == first["summary"], "the stored English line does not change"
    other = api.get(history, headers={**anna, "Accept-Language": "de"})
    assert other.headers["Content-Language"] == "ru", "a language Okno does not speak: the operator's own"
