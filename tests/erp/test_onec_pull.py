"""Pulling orders that wait for confirmation from 1C (the local OData server) into OrderSnapshot messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from okno.sandbox.onec_trade import ORDERS, PARTNERS, seed_orders
from services.integrations.models import ErpCursor, ErpDocument, OutboxMessage
from services.integrations.runtime import IntegrationsRuntime
from services.integrations.service.erp_pull import pull_tenant
from tests.erp.conftest import TENANT, OneC, connect_erp


def snapshots(runtime: IntegrationsRuntime) -> list[dict[str, Any]]:
    with Session(runtime.engine) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    return [row.envelope for row in rows if row.message_type == "order_snapshot.received"]


def test_pending_orders_become_operator_safe_snapshots_with_customer_and_items_resolved(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    keys = seed_orders(onec.store, 5)
    agreed = onec.store.get(ORDERS, keys[4])
    agreed["Статус"] = "КОтгрузке"  # already confirmed in 1C: not ours to call about
    connect_erp(integrations, onec)

    summary = pull_tenant(integrations, TENANT)

    assert (summary.created, summary.exhausted) == (4, True)
    sent = snapshots(integrations)
    assert len(sent) == 4
    first = onec.store.get(ORDERS, keys[0])
    partner = onec.store.get(PARTNERS, first["Партнер_Key"])
    assert {envelope["tenant"] for envelope in sent} == {TENANT}
    snapshot = next(e["payload"] for e in sent if e["payload"]["external_id"] == first["Number"])
    assert (snapshot["source"], snapshot["event"]) == ("erp", "order.created")
    assert snapshot["customer"]["phone"] == partner["КонтактнаяИнформация"][0]["Представление"]
    assert snapshot["customer"]["name"] == partner["Description"]
    assert [item["quantity"] for item in snapshot["items"]] == [row["Количество"] for row in first["Товары"]]
    assert all(item["sku"].startswith("SKU-") for item in snapshot["items"])
    # 1C dates are Moscow local time without an offset: 08:00 there is 05:00 UTC.
    assert datetime.fromisoformat(snapshot["created_at"]).astimezone(UTC).hour == 5
    # Stock, purchase prices and the warehouse never leave integrations.
    text = json.dumps(sent, ensure_ascii=False)
    for secret in ("ЗакупочнаяЦена", "ОстатокНаСкладе", "Склад", "СтавкаНДС", str(first["Склад_Key"])):
        assert secret not in text


def test_reading_references_is_batched_not_one_request_per_row(integrations: IntegrationsRuntime, onec: OneC) -> None:
    seed_orders(onec.store, 120)
    connect_erp(integrations, onec, page_size=60)

    pull_tenant(integrations, TENANT)

    partner_reads = [r for r in onec.store.log if r.entity_set == PARTNERS]
    # 40 partners in the infobase, 25 keys per request: at most two reads per page (three pages; the process
    # reading pages 2 and 3 ahead keeps a catalog of its own), never 120.
    assert 0 < len(partner_reads) <= 6
    assert len(snapshots(integrations)) == 120


def test_a_second_pull_sends_only_new_orders_and_orders_of_the_same_second_are_not_lost(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    seed_orders(onec.store, 10)  # three per second: the cursor stops inside a second
    connect_erp(integrations, onec, page_size=4)
    pull_tenant(integrations, TENANT)
    later = seed_orders(onec.store, 5)  # continues at the same clock: shares the last second

    summary = pull_tenant(integrations, TENANT)

    assert summary.created == 5
    sent = [s["payload"]["external_id"] for s in snapshots(integrations)]
    assert len(sent) == len(set(sent)) == 15
    assert {onec.store.get(ORDERS, key)["Number"] for key in later} <= set(sent)


def test_a_document_that_cannot_be_called_about_is_reported_and_does_not_block_the_rest(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    keys = seed_orders(onec.store, 3)
    broken = onec.store.get(ORDERS, keys[1])
    onec.store.get(PARTNERS, broken["Партнер_Key"])["КонтактнаяИнформация"] = []
    connect_erp(integrations, onec)

    summary = pull_tenant(integrations, TENANT)

    assert [key for key, _ in summary.skipped] == [keys[1]]
    assert "телефон" in summary.skipped[0][1]
    assert len(snapshots(integrations)) == 2


def test_a_document_the_snapshot_rejects_is_reported_by_name_and_the_rest_of_its_page_is_sent(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    # The page is validated as one list; one bad document must still be named alone, with its reason.
    keys = seed_orders(onec.store, 4)
    broken = onec.store.get(ORDERS, keys[2])
    onec.store.get(PARTNERS, broken["Партнер_Key"])["Description"] = None
    others = [k for k in keys if onec.store.get(ORDERS, k)["Партнер_Key"] != broken["Партнер_Key"]]
    connect_erp(integrations, onec)

    summary = pull_tenant(integrations, TENANT)

    assert keys[2] in [key for key, _ in summary.skipped]
    assert all(reason.startswith("customer.name:") for _, reason in summary.skipped)
    sent = {s["payload"]["source_ref"] for s in snapshots(integrations)}
    assert sent == {f"erp:{key}" for key in others}
    assert summary.created == len(others)


def test_1c_rejecting_our_credentials_is_a_clear_error_and_the_cursor_stays(
    integrations: IntegrationsRuntime, onec: OneC
) -> None:
    from services.integrations.adapters.failures import TransientFailure

    seed_orders(onec.store, 3)
    connect_erp(integrations, onec)
    onec.store.password = "changed-by-the-1c-admin"

    try:
        pull_tenant(integrations, TENANT)
    except TransientFailure as error:
        assert error.status_code == 401
        assert "Ошибка аутентификации" in str(error)
    else:
        raise AssertionError("a pull with wrong credentials must fail")
    with Session(integrations.engine) as session:
        cursor = session.get(ErpCursor, TENANT)
        assert cursor is not None and cursor.position is None
        assert "401" in (cursor.last_error or "")
        assert session.exec(select(func.count()).select_from(ErpDocument)).one() == 0
