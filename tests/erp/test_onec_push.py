"""Outcomes from order_confirm reach the 1C document — once, in order, whatever the network does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from okno.sandbox.onec_trade import ORDERS, PRODUCTS, seed_orders
from services.integrations.models import Delivery, DeliveryAttempt
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pull import pull_tenant
from tests.erp.conftest import TENANT, OneC, connect_erp
from tests.erp.outcomes import cancelled, changed, confirmed, deliver, send_everything_due
from tests.support import FrozenClock, wait_until


def pulled(runtime: IntegrationsRuntime, onec: OneC, count: int) -> list[dict[str, Any]]:
    keys = seed_orders(onec.store, count)
    connect_erp(runtime, onec)
    pull_tenant(runtime, TENANT)
    return [onec.store.get(ORDERS, key) for key in keys]


def sku_of(onec: OneC, row: dict[str, Any]) -> str:
    return str(onec.store.get(PRODUCTS, row["Номенклатура_Key"])["Артикул"])


def test_confirm_change_and_cancel_reach_1c_and_a_message_delivered_three_times_changes_it_once(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    first, second = pulled(integrations, onec, 2)
    row = first["Товары"][0]
    new_date = dt.date(2026, 11, 30)

    deliver(
        integrations,
        "order.changed",
        changed(first["Number"], sku_of(onec, row), before=row["Количество"], after=7, new_date=new_date),
        times=3,
    )
    deliver(integrations, "order.confirmed", confirmed(first["Number"], comment="ждёт после 18:00"), times=3)
    deliver(integrations, "order.cancelled", cancelled(second["Number"]), times=3)
    send_everything_due(integrations)

    document = onec.store.get(ORDERS, first["Ref_Key"])
    assert (document["Статус"], document["Согласован"]) == ("КОтгрузке", True)
    assert document["ДатаОтгрузки"] == "2026-11-30T00:00:00"
    assert document["АдресДоставки"] == "г. Москва, ул. Новая, д. 1"
    line = next(r for r in document["Товары"] if r["Номенклатура_Key"] == row["Номенклатура_Key"])
    assert (line["Количество"], line["Сумма"]) == (7, 7 * row["Цена"])
    assert "[Okno ivanova] подтверждён: ждёт после 18:00" in document["Комментарий"]
    assert onec.store.get(ORDERS, second["Ref_Key"])["Статус"] == "Закрыт"
    # Each message changed its document exactly once, in the order order_confirm sent them.
    patches = onec.store.patches(first["Ref_Key"])
    assert len(patches) == 2
    assert "Товары" in patches[0].sent and patches[1].sent["Статус"] == "КОтгрузке"
    assert len(onec.store.patches(second["Ref_Key"])) == 1


def test_a_push_whose_answer_was_lost_is_retried_without_being_applied_twice(
    integrations: IntegrationsRuntime, onec: OneC, clock: FrozenClock
) -> None:
    (order,) = pulled(integrations, onec, 1)
    integrations.settings.erp_timeout_seconds = 0.3
    onec.store.faults.patch_latency_seconds = 0.8  # 1C writes, but answers after we gave up

    deliver(integrations, "order.confirmed", confirmed(order["Number"]))
    send_everything_due(integrations)
    wait_until(lambda: onec.store.patches(order["Ref_Key"]), message="1C to finish the slow write")
    onec.store.faults.patch_latency_seconds = 0
    clock.advance(minutes=5)  # past the retry's backoff
    send_everything_due(integrations)

    with Session(integrations.engine) as session:
        delivery = session.exec(select(Delivery)).one()
        outcomes = [a.outcome for a in session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id)))]
    assert delivery.status == "delivered"
    assert outcomes == ["retry", "already_applied"]
    assert len(onec.store.patches(order["Ref_Key"])) == 1
    assert onec.store.get(ORDERS, order["Ref_Key"])["ОкноКлючСообщения"] == delivery.message_id
